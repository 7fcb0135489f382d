//! Per-connection state (selected database, protocol, auth, cluster flags, reply mode) and the
//! context server commands run in.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use resp::Protocol;
use std::sync::atomic::Ordering;

use store::{CmdResult, Keyspace, Reply, StoreSettings};

use crate::clients::ClientHandle;
use crate::commands::table::CommandName;
use crate::server::Server;

/// CLIENT REPLY mode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    SkipNext,
    /// Skipping the current command's reply (SKIP was the previous command).
    Skipping,
}

pub struct Session {
    pub id: u64,
    pub peer: SocketAddr,
    pub db_index: usize,
    pub db: Arc<Keyspace>,
    pub db_generation: u64,
    pub proto: Protocol,
    pub authenticated: bool,
    pub reply_mode: ReplyMode,
    /// Close the connection once the pending replies are written (QUIT, protocol errors).
    pub close_after_reply: bool,
    pub handle: Arc<ClientHandle>,
    /// Reused per command: key argument positions and their slots.
    pub scratch_keys: Vec<usize>,
    pub scratch_known: Vec<store::keyspace::KnownKey>,
    pub scratch_lock_order: Vec<u16>,
    /// The last top-level command this connection sent, already resolved.
    pub last_command: Option<crate::commands::ResolvedCommand>,
    /// MONITOR's queue, once the client asked for it.
    pub monitor: Option<tokio::sync::mpsc::Receiver<Bytes>>,
    /// The data-layer settings, re-read only when the configuration changes.
    pub cached_settings: (u64, StoreSettings),
    /// MULTI's queue and the WATCHed keys.
    pub tx: crate::transaction::Transaction,
    /// Pub/Sub subscriptions and the queue of messages to write.
    pub subs: crate::pubsub::Subscriptions,
    /// Set by a blocking command that must wait: its waiter and timeout in ms (0: none).
    pub blocked: Option<(Arc<store::blocking::Waiter>, i64)>,
    /// Woken when one of this client's waiters is served.
    pub block_notify: Arc<tokio::sync::Notify>,
    /// EXEC is running this client's transaction (blocking commands answer at once).
    pub in_exec: bool,
    /// The logged forms of the transaction's writes, appended as one block when EXEC ends.
    pub exec_log: Vec<(usize, Vec<Bytes>)>,
    /// The write-log offset after this client's last logged write: with `appendfsync
    /// always`, its replies wait until the AOF is fsynced that far.
    pub log_offset: u64,
    /// The client replaying a write stream (the AOF at startup, or this replica's master's
    /// stream): not redirected in cluster mode, not refused while loading or on a read-only
    /// replica, and its writes are not logged again (Redis's AOF and master clients).
    pub aof_client: bool,
    /// What this connection told us as a replica (REPLCONF before PSYNC).
    pub replica_hello: crate::replication::master::ReplicaHello,
    /// PSYNC/SYNC: the connection becomes a replica link after this command's reply.
    pub takeover: Option<crate::replication::master::SyncRequest>,
    /// WAIT: the replicas to wait for and the timeout in ms (0: forever), for the
    /// connection loop.
    pub wait: Option<(u64, i64)>,
}

impl Session {
    /// The session of the registered client `handle` on `peer`: database 0, RESP2,
    /// authenticated, replies on, nothing queued, blocked or subscribed. Callers change what
    /// differs for their kind of client (`authenticated` under `requirepass`, `aof_client`).
    pub fn new(server: &Server, handle: Arc<ClientHandle>, peer: SocketAddr) -> Option<Session> {
        let db = server.dbs.get(0)?;
        Some(Session {
            id: handle.id,
            peer,
            db_index: 0,
            db,
            db_generation: server.dbs.generation(),
            proto: Protocol::Resp2,
            authenticated: true,
            reply_mode: ReplyMode::On,
            close_after_reply: false,
            handle,
            scratch_keys: Vec::new(),
            scratch_known: Vec::new(),
            scratch_lock_order: Vec::new(),
            monitor: None,
            last_command: None,
            cached_settings: (0, StoreSettings::default()),
            tx: Default::default(),
            subs: Default::default(),
            blocked: None,
            block_notify: Default::default(),
            in_exec: false,
            exec_log: Vec::new(),
            log_offset: 0,
            aof_client: false,
            replica_hello: Default::default(),
            takeover: None,
            wait: None,
        })
    }

    /// The data-layer settings, re-read when CONFIG SET changed them (an uncontended atomic
    /// load per command instead of a shared lock).
    pub fn settings(&mut self, server: &Server) -> StoreSettings {
        let generation = server.config_generation.load(Ordering::Acquire);
        if generation != self.cached_settings.0 {
            self.cached_settings = (generation, *server.settings.read());
        }
        self.cached_settings.1
    }

    /// Re-reads the selected database after a SWAPDB.
    pub fn refresh_db(&mut self, server: &Server) {
        let generation = server.dbs.generation();
        if generation != self.db_generation
            && let Some(db) = server.dbs.get(self.db_index)
        {
            self.db = db;
            self.db_generation = generation;
        }
    }
}

/// What a server command runs with.
pub struct CallCtx<'a> {
    pub server: &'a Arc<Server>,
    pub session: &'a mut Session,
    pub reply: Reply<'a>,
    /// The command's full name (`config|get`), for error texts.
    pub name: CommandName,
}

pub type ServerHandler = fn(&mut CallCtx<'_>, &[Bytes]) -> CmdResult;
