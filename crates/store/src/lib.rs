//! The keyspace: 16384 slot tables per database, the values they hold, expiry, and the data
//! commands that read and write them.
//!
//! Map of the crate:
//! - [`entry`]: one key and its value packed in one allocation (the memory layout).
//! - [`keyspace`]: a database's 16384 locked slot tables and their counters.
//! - [`databases`]: the numbered databases of standalone mode (only db 0 in cluster mode).
//! - [`cmd`]: the string and generic key commands (argument parsing, semantics, replies).
//! - [`expire`]: the active expiry cycle.
//! - [`reply`] / [`error`]: how handlers answer.
//! - [`serialized`]: one entry in RDB form (DUMP, RESTORE); [`snapshot`]: the whole keyspace
//!   written and loaded as an RDB stream, slot by slot, without `fork()`.
//!
//! What it does not own: sockets, the command table and routing (the `node` crate), cluster
//! state, files and save scheduling (the node).

pub mod blocking;
pub mod clock;
pub mod cmd;
pub mod counter;
pub mod databases;
pub mod digest;
pub mod entry;
pub mod error;
pub mod expire;
pub mod keyspace;
pub mod reply;
pub mod serialized;
mod slot_lock;
pub mod snapshot;
pub mod types;
pub mod write_log;

use bytes::Bytes;

pub use counter::Counter;
pub use databases::Databases;
pub use error::{CmdError, CmdResult};
pub use keyspace::{Keyspace, KeyspaceStats, Locked};
pub use reply::{Reply, Written};

/// Settings of the server that change how data commands behave.
#[derive(Clone, Copy, Debug)]
pub struct StoreSettings {
    /// `proto-max-bulk-len`: the largest string APPEND/SETRANGE may build.
    pub proto_max_bulk_len: u64,
    /// `cluster-enabled`: forbids MOVE/SWAPDB and cross-db COPY.
    pub cluster_enabled: bool,
    /// LFU eviction policy selected (OBJECT FREQ vs IDLETIME).
    pub lfu: bool,
    /// `maxmemory` > 0 with an LRU/LFU policy: integers are not shared (OBJECT REFCOUNT).
    pub no_shared_integers: bool,
    /// `lfu-log-factor`.
    pub lfu_log_factor: u32,
    /// `lfu-decay-time` (minutes per counter decrement; 0 never decays).
    pub lfu_decay_time: u32,
    /// `hash-max-listpack-entries` / `hash-max-listpack-value`.
    pub hash_max_listpack_entries: u64,
    pub hash_max_listpack_value: u64,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: u64,
    /// `zset-max-listpack-entries` / `zset-max-listpack-value`.
    pub zset_max_listpack_entries: u64,
    pub zset_max_listpack_value: u64,
    /// `list-max-listpack-size` (negative: a byte limit per node, -1 = 4 KiB ... -5 = 64 KiB).
    pub list_max_listpack_size: i32,
    /// `hll-sparse-max-bytes`.
    pub hll_sparse_max_bytes: u64,
    /// `rdbcompression`: LZF in DUMP payloads (and snapshots).
    pub rdb_compression: bool,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            proto_max_bulk_len: 512 * 1024 * 1024,
            cluster_enabled: false,
            lfu: false,
            no_shared_integers: false,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
            hll_sparse_max_bytes: 3000,
            rdb_compression: true,
        }
    }
}

/// Everything a data command needs while it runs.
pub struct Ctx<'a, 'l> {
    /// All databases (MOVE, COPY ... DB, SWAPDB, FLUSHALL).
    pub dbs: &'a Databases,
    /// The client's selected database.
    pub db: &'a Keyspace,
    pub db_index: usize,
    /// The slots of this command's keys, locked by the caller in ascending order.
    pub locked: &'a mut Locked<'l>,
    /// The time the command runs at, in unix ms (one value per command, as Redis caches it).
    pub now_ms: i64,
    pub settings: &'a StoreSettings,
    pub reply: Reply<'a>,
    /// The client's id (blocked waiters name it).
    pub client_id: u64,
    /// May this command block (false inside MULTI/EXEC: blocking commands answer at once)?
    pub may_block: bool,
    /// Set by a blocking command that found nothing: the waiter now registered on its keys
    /// and the timeout in ms (0: forever). The node waits for it.
    pub blocked: Option<(std::sync::Arc<blocking::Waiter>, i64)>,
    /// Wakes this client when a waiter of its is served (supplied by the node).
    pub waker: Option<&'a (dyn Fn() -> Box<dyn Fn() + Send + Sync> + Sync)>,
    /// What the write log should record for this command (the node appends it while the
    /// slots are still locked).
    pub propagation: Propagation,
}

/// What a data command's changes are logged as (Redis `server.dirty`, `alsoPropagate` and
/// command rewriting). A command that changed nothing logs nothing; one that changed data
/// is logged as sent unless it gave a [`Propagation::rewrite`].
#[derive(Default, Debug)]
pub struct Propagation {
    changes: std::cell::Cell<u64>,
    rewritten: Option<Vec<Vec<Bytes>>>,
    after: Vec<Vec<Bytes>>,
}

impl Propagation {
    /// Counts `n` changes to the data.
    pub fn changed(&self, n: u64) {
        self.changes.set(self.changes.get() + n);
    }

    /// Did the command change anything?
    pub fn has_changes(&self) -> bool {
        self.changes.get() > 0
    }

    /// Logs these commands instead of the one sent (EXPIRE as PEXPIREAT, SPOP as SREM...).
    pub fn rewrite(&mut self, commands: Vec<Vec<Bytes>>) {
        self.rewritten = Some(commands);
    }

    /// Logs `command` after this command's own (a blocked client it served).
    pub fn also(&mut self, command: Vec<Bytes>) {
        self.after.push(command);
    }

    /// The commands to log for `args`: its rewrite or itself, then what came after.
    pub fn commands(self, args: &[Bytes]) -> Vec<Vec<Bytes>> {
        let mut out = match self.rewritten {
            Some(r) => r,
            None if self.changes.get() > 0 && !args.is_empty() => vec![args.to_vec()],
            None => Vec::new(),
        };
        out.extend(self.after);
        out
    }
}

impl Ctx<'_, '_> {
    /// The access clock a key written by this command starts with.
    pub fn clock(&self) -> u32 {
        clock::initial(self.settings, self.now_ms)
    }

    /// Redis `checkAlreadyExpired`: an expiry at or before now deletes the key at once,
    /// except on a replica, which stores it and waits for its master's DEL (a relative TTL
    /// the master converted may lie in the past by the time the replica applies it, and
    /// the key's later commands must find it as the master did).
    pub fn already_expired(&self, when_ms: i64) -> bool {
        when_ms <= self.now_ms && !self.dbs.write_log().follows_master()
    }
}

/// A data command's implementation: `args[0]` is the command name as the client sent it.
pub type Handler = for<'a, 'l> fn(&mut Ctx<'a, 'l>, &[Bytes]) -> CmdResult;
