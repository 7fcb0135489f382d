//! Replication, the node's side: the shared state of this node as a master (its replicas,
//! their acknowledged offsets, WAIT, `min-replicas-to-write`) and as a replica (the link to
//! its master), the replication cron, ROLE and INFO replication.
//!
//! The stream is the write log (`store::write_log`): its retained history is the backlog,
//! its offset is `master_repl_offset`. A master serves each replica from the history
//! (`master`), after a forkless snapshot when the replica needs a full sync; a replica
//! applies its master's stream and appends the same bytes to its own log (`replica`), so
//! its offsets are its master's and it can serve replicas of its own or be promoted.
//!
//! Not here: PSYNC decisions and the replication IDs (the `replication` crate), the log's
//! bytes (the store).

pub mod master;
pub mod replica;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use ::replication::{LinkState, ReplicaState, ReplicationIds};
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::server::{Server, unix_ms};

/// A replica as its master sees it.
#[derive(Clone, Debug)]
pub struct ReplicaEntry {
    pub ip: String,
    /// The port it listens on (REPLCONF listening-port).
    pub port: u16,
    pub state: ReplicaState,
    /// The last offset it acknowledged (REPLCONF ACK).
    pub ack_offset: u64,
    /// When (unix ms).
    pub ack_ms: i64,
}

/// The link of this node, as a replica, to its master.
#[derive(Clone, Debug)]
pub struct MasterLink {
    pub host: String,
    pub port: u16,
    pub state: LinkState,
    /// Last time anything arrived from the master (unix ms; 0: never).
    pub last_io_ms: i64,
    /// Since when the link is down (unix ms).
    pub down_since_ms: i64,
    /// Bytes of the snapshot received so far, and its size when known (INFO's sync fields).
    pub sync_read: u64,
    pub sync_size: Option<u64>,
    pub sync_started_ms: i64,
    /// The offset read from the master (applied or not).
    pub read_offset: u64,
}

/// The replication state of the node.
pub struct Replication {
    pub ids: Mutex<ReplicationIds>,
    /// The master this node replicates from (`None`: it is a master).
    pub master: Mutex<Option<MasterLink>>,
    /// Bumped on every change of master: a link task whose generation is stale ends.
    pub generation: AtomicU64,
    /// Woken when the master changes (the running link stops).
    pub master_changed: Notify,
    /// Connected replicas, by client id.
    pub replicas: Mutex<BTreeMap<u64, ReplicaEntry>>,
    /// Woken by every replica acknowledgement (WAIT).
    pub acked: Notify,
    /// Woken by every write-log append (replica senders).
    pub appended: Arc<Notify>,
    pub sync_full: AtomicU64,
    pub sync_partial_ok: AtomicU64,
    pub sync_partial_err: AtomicU64,
    /// Stretches of the stream full syncs filled (log offsets), newest last.
    pub filled: Mutex<Vec<(u64, u64)>>,
    /// The database the master's stream has selected where this replica's log ends: a
    /// partial resync continues in it (Redis keeps it in its cached master), since the
    /// master sends no SELECT when it continues.
    pub stream_db: std::sync::atomic::AtomicUsize,
    /// Replicas whose last acknowledgement is within `min-replicas-max-lag`.
    pub good_replicas: AtomicU64,
    /// When the last replica went away (unix ms; 0: one is connected or none ever was).
    pub no_replicas_since_ms: AtomicI64,
    /// The node is a replica (read on every write command).
    is_replica: AtomicBool,
    /// `min-replicas-to-write` (0 when it or `min-replicas-max-lag` is 0: no check).
    min_to_write: AtomicU64,
    /// `min-replicas-max-lag`, seconds.
    max_lag: AtomicU64,
    /// The replica's applier is in the middle of a batch of the master's commands.
    pub applying: AtomicBool,
}

impl Default for Replication {
    fn default() -> Self {
        Replication {
            ids: Mutex::new(ReplicationIds::default()),
            master: Mutex::new(None),
            generation: AtomicU64::new(0),
            master_changed: Notify::new(),
            replicas: Mutex::new(BTreeMap::new()),
            acked: Notify::new(),
            appended: Arc::new(Notify::new()),
            sync_full: AtomicU64::new(0),
            sync_partial_ok: AtomicU64::new(0),
            sync_partial_err: AtomicU64::new(0),
            filled: Mutex::new(Vec::new()),
            stream_db: std::sync::atomic::AtomicUsize::new(0),
            good_replicas: AtomicU64::new(0),
            no_replicas_since_ms: AtomicI64::new(0),
            is_replica: AtomicBool::new(false),
            min_to_write: AtomicU64::new(0),
            max_lag: AtomicU64::new(10),
            applying: AtomicBool::new(false),
        }
    }
}

impl Replication {
    /// Is this node a replica?
    #[inline]
    pub fn is_replica(&self) -> bool {
        self.is_replica.load(Ordering::Relaxed)
    }

    /// The replica link's state, if this node is a replica.
    pub fn link_state(&self) -> Option<LinkState> {
        self.master.lock().as_ref().map(|m| m.state)
    }

    /// Updates the master link's record (if the link is still the current one).
    pub fn update_link(&self, generation: u64, f: impl FnOnce(&mut MasterLink)) {
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if let Some(link) = self.master.lock().as_mut() {
            f(link);
        }
    }

    /// Follows CONFIG SET `min-replicas-to-write` / `min-replicas-max-lag`.
    pub fn set_min_replicas(&self, to_write: u32, max_lag: u32) {
        let min = if max_lag == 0 { 0 } else { u64::from(to_write) };
        self.min_to_write.store(min, Ordering::Release);
        self.max_lag.store(u64::from(max_lag), Ordering::Release);
    }

    /// May a write run (`min-replicas-to-write` good replicas are connected, or no minimum,
    /// or this node is a replica)?
    #[inline]
    pub fn writes_allowed(&self) -> bool {
        let min = self.min_to_write.load(Ordering::Relaxed);
        min == 0 || self.is_replica() || self.good_replicas.load(Ordering::Acquire) >= min
    }

    /// How many replicas acknowledged `offset` or more.
    pub fn acked_at_least(&self, offset: u64) -> u64 {
        self.replicas
            .lock()
            .values()
            .filter(|r| r.state == ReplicaState::Online && r.ack_offset >= offset)
            .count() as u64
    }

    /// The online replicas that have not acknowledged `offset`.
    fn lagging(&self, offset: u64) -> Vec<ReplicaEntry> {
        self.replicas
            .lock()
            .values()
            .filter(|r| r.state == ReplicaState::Online && r.ack_offset < offset)
            .cloned()
            .collect()
    }

    /// Recounts the replicas within `min-replicas-max-lag` seconds (Redis
    /// `refreshGoodSlavesCount`).
    pub fn refresh_good_replicas(&self, now_ms: i64) {
        let max_lag_secs = self.max_lag.load(Ordering::Acquire);
        let good = self
            .replicas
            .lock()
            .values()
            .filter(|r| {
                r.state == ReplicaState::Online
                    && ((now_ms - r.ack_ms) / 1000).max(0) as u64 <= max_lag_secs
            })
            .count();
        self.good_replicas.store(good as u64, Ordering::Release);
    }
}

/// Starts retaining the write log's history (the backlog) with the configured sizes, and
/// wakes replica senders on appends. Returns the log offset the history starts at.
pub fn ensure_history(server: &Server) {
    let (min, max) = history_limits(server);
    let log = server.dbs.write_log();
    let appended = server.replication.appended.clone();
    log.set_on_append(Some(Box::new(move || appended.notify_waiters())));
    log.start_history(min, max);
}

/// `repl-backlog-size`, and the replica output buffer's hard limit.
fn history_limits(server: &Server) -> (usize, usize) {
    let cfg = server.config.read();
    (
        usize::try_from(cfg.repl_backlog_size).unwrap_or(usize::MAX),
        usize::try_from(cfg.client_output_buffer_limit.replica.hard_limit_bytes)
            .unwrap_or(usize::MAX),
    )
}

/// Applies CONFIG SET of the backlog size or the output buffer limits.
pub fn config_changed(server: &Server) {
    if server.dbs.write_log().history_range().is_some() {
        let (min, max) = history_limits(server);
        server.dbs.write_log().set_history_limits(min, max);
    }
}

/// Restores the replication position a dump file recorded (its `repl-id`, `repl-offset`
/// and `repl-stream-db` AUX fields): this node's stream goes on from there, so replicas
/// (or, for a replica, its master) can continue with a partial resync after a restart.
/// History is kept from now on so that no write escapes the offset.
pub fn restore_position(server: &Server, aux: &[(Vec<u8>, Vec<u8>)]) {
    let field = |name: &[u8]| {
        aux.iter()
            .find(|(k, _)| k.as_slice() == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    let (Some(id), Some(offset)) = (field(b"repl-id"), field(b"repl-offset")) else {
        return;
    };
    let Ok(offset) = offset.parse::<u64>() else {
        return;
    };
    if id.len() != 40 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return;
    }
    let db = field(b"repl-stream-db")
        .and_then(|d| d.parse::<usize>().ok())
        .unwrap_or(0);
    let log = server.dbs.write_log();
    log.reset_offset(offset);
    let replica = server.config.read().replicaof.is_some()
        || server
            .cluster
            .as_ref()
            .is_some_and(|c| c.read().state.myself().primary.is_some());
    let mut ids = server.replication.ids.lock();
    ids.follow(&id);
    if !replica {
        // A master may have gone past this point before it stopped (a crash after the
        // save): its replicas can continue only up to here, under a new history from now
        // on (Redis 7.0 does the same).
        ids.promote(offset);
    }
    drop(ids);
    server.replication.stream_db.store(db, Ordering::Release);
    ensure_history(server);
    tracing::info!(%id, offset, replica, "Restored the replication position from the RDB file");
}

/// Makes this node a replica of `host:port` (REPLICAOF, `replicaof`, CLUSTER REPLICATE).
pub fn become_replica(server: &Arc<Server>, host: String, port: u16) {
    let repl = &server.replication;
    let generation = repl.generation.fetch_add(1, Ordering::AcqRel) + 1;
    *repl.master.lock() = Some(MasterLink {
        host: host.clone(),
        port,
        state: LinkState::Connect,
        last_io_ms: 0,
        down_since_ms: unix_ms(),
        sync_read: 0,
        sync_size: None,
        sync_started_ms: 0,
        read_offset: 0,
    });
    repl.is_replica.store(true, Ordering::Release);
    repl.master_changed.notify_waiters();
    server.dbs.write_log().set_follows_master(true);
    ensure_history(server);
    tracing::info!(%host, port, "Connecting to MASTER {host}:{port}");
    tokio::spawn(replica::link_task(server.clone(), generation, host, port));
}

/// Replicates from `host:port` unless already doing so (a cluster role change).
pub fn follow(server: &Arc<Server>, host: String, port: u16) {
    let same = server
        .replication
        .master
        .lock()
        .as_ref()
        .is_some_and(|m| m.host == host && m.port == port);
    if !same {
        become_replica(server, host, port);
    }
}

/// Makes this node a master again (REPLICAOF NO ONE, failover): the link stops and the
/// stream goes on under a new ID, the old one kept for replicas that follow it (PSYNC2).
pub fn become_master(server: &Server) {
    let repl = &server.replication;
    if !repl.is_replica() {
        return;
    }
    repl.generation.fetch_add(1, Ordering::AcqRel);
    *repl.master.lock() = None;
    repl.is_replica.store(false, Ordering::Release);
    repl.master_changed.notify_waiters();
    let log = server.dbs.write_log();
    log.set_follows_master(false);
    let offset = log.offset();
    repl.ids.lock().promote(offset);
    // Our replicas must learn the new ID (Redis `replicationUnsetMaster`): they reconnect
    // and continue under it.
    disconnect_replicas(server);
    tracing::warn!(offset, "MASTER MODE enabled");
}

/// Stops applying the master's stream (shutdown: the final save must see a dataset that
/// stays at one offset). The role does not change; the link task ends.
pub fn stop_link(server: &Server) {
    let repl = &server.replication;
    if !repl.is_replica() {
        return;
    }
    repl.generation.fetch_add(1, Ordering::AcqRel);
    repl.master_changed.notify_waiters();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while repl.applying.load(Ordering::Acquire) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Drops every replica link (Redis `disconnectSlaves`): each reconnects and PSYNCs, which
/// tells it this node's new replication ID or history.
pub fn disconnect_replicas(server: &Server) {
    for client in server.clients.all() {
        if client.kind.load(Ordering::Relaxed) == crate::clients::KIND_REPLICA {
            client.kill();
        }
    }
}

/// The replication cron (once a second): PING to replicas every `repl-ping-replica-period`,
/// the good-replica count, and the backlog's time to live.
pub async fn cron(server: Arc<Server>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut last_ping_ms = 0i64;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = server.shutdown.notified() => return,
        }
        let now = unix_ms();
        let (period, ttl) = {
            let cfg = server.config.read();
            (
                i64::from(cfg.repl_ping_replica_period),
                cfg.repl_backlog_ttl,
            )
        };
        let repl = &server.replication;
        let has_replicas = !repl.replicas.lock().is_empty();
        let log = server.dbs.write_log();
        // A replica's stream is its master's: it sends no PINGs of its own.
        if has_replicas && !repl.is_replica() && now - last_ping_ms >= period * 1000 {
            last_ping_ms = now;
            log.append_dbless(&[b"PING"]);
        }
        repl.refresh_good_replicas(now);
        if has_replicas || repl.is_replica() {
            repl.no_replicas_since_ms.store(0, Ordering::Relaxed);
        } else if log.history_range().is_some() {
            let since = repl.no_replicas_since_ms.load(Ordering::Relaxed);
            if since == 0 {
                repl.no_replicas_since_ms.store(now, Ordering::Relaxed);
            } else if ttl > 0 && (now - since) / 1000 >= ttl as i64 {
                // Redis frees the backlog and, as nothing can continue from it, starts a
                // new history.
                log.stop_history();
                repl.ids.lock().renew();
                repl.filled.lock().clear();
                tracing::info!(
                    "Replication backlog freed after {ttl} seconds without connected replicas."
                );
            }
        }
    }
}

/// INFO's `# Replication` section, field for field as Redis 7.0.
pub fn info(server: &Server, out: &mut String) {
    use std::fmt::Write as _;
    let repl = &server.replication;
    let log = server.dbs.write_log();
    let offset = log.offset();
    let now = unix_ms();
    out.push_str("# Replication\r\n");
    let master = repl.master.lock().clone();
    if let Some(m) = &master {
        let up = m.state == LinkState::Connected;
        let _ = write!(
            out,
            "role:slave\r\nmaster_host:{}\r\nmaster_port:{}\r\nmaster_link_status:{}\r\nmaster_last_io_seconds_ago:{}\r\nmaster_sync_in_progress:{}\r\n",
            m.host,
            m.port,
            if up { "up" } else { "down" },
            if m.last_io_ms > 0 {
                (now - m.last_io_ms) / 1000
            } else {
                -1
            },
            u8::from(m.state == LinkState::Sync),
        );
        let _ = write!(
            out,
            "slave_read_repl_offset:{}\r\nslave_repl_offset:{offset}\r\n",
            m.read_offset.max(offset)
        );
        if m.state == LinkState::Sync {
            let size = m.sync_size.map_or(-1, |s| s as i64);
            let left = m
                .sync_size
                .map_or(-1, |s| s.saturating_sub(m.sync_read) as i64);
            let perc = match m.sync_size {
                Some(s) if s > 0 => m.sync_read as f64 * 100.0 / s as f64,
                _ => 0.0,
            };
            let _ = write!(
                out,
                "master_sync_total_bytes:{size}\r\nmaster_sync_read_bytes:{}\r\nmaster_sync_left_bytes:{left}\r\nmaster_sync_perc:{perc:.2}\r\nmaster_sync_last_io_seconds_ago:{}\r\n",
                m.sync_read,
                (now - m.last_io_ms.max(m.sync_started_ms)) / 1000
            );
        }
        if !up {
            let _ = write!(
                out,
                "master_link_down_since_seconds:{}\r\n",
                if m.down_since_ms > 0 {
                    (now - m.down_since_ms) / 1000
                } else {
                    -1
                }
            );
        }
        let cfg = server.config.read();
        let _ = write!(
            out,
            "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
            cfg.replica_priority,
            u8::from(cfg.replica_read_only),
            u8::from(cfg.replica_announced)
        );
    } else {
        out.push_str("role:master\r\n");
    }
    let replicas = repl.replicas.lock().clone();
    let _ = write!(out, "connected_slaves:{}\r\n", replicas.len());
    for (i, r) in replicas.values().enumerate() {
        let _ = write!(
            out,
            "slave{i}:ip={},port={},state={},offset={},lag={}\r\n",
            r.ip,
            r.port,
            r.state.name(),
            r.ack_offset,
            (now - r.ack_ms).max(0) / 1000
        );
    }
    let ids = repl.ids.lock().clone();
    let (active, start, len) = match log.history_range() {
        Some((start, end)) => (1, start + 1, end - start),
        None => (0, 0, 0),
    };
    let size = server.config.read().repl_backlog_size;
    let _ = write!(
        out,
        "master_failover_state:no-failover\r\nmaster_replid:{}\r\nmaster_replid2:{}\r\nmaster_repl_offset:{offset}\r\nsecond_repl_offset:{}\r\nrepl_backlog_active:{active}\r\nrepl_backlog_size:{size}\r\nrepl_backlog_first_byte_offset:{start}\r\nrepl_backlog_histlen:{len}\r\n",
        ids.id, ids.id2, ids.second_offset
    );
}

/// Redis's wait for replicas before a shutdown: when an online replica has not acknowledged
/// everything written (writes are held back by then), asks every replica for its offset and
/// waits up to `timeout` for them all to catch up, so that a replica promoted after the
/// master is gone has its last writes; logs the ones still behind, as Redis does.
/// `aborted` (SHUTDOWN ABORT) ends the wait early when it turns true.
pub fn wait_for_lagging_replicas(
    server: &Server,
    timeout: std::time::Duration,
    aborted: impl Fn() -> bool,
) {
    let log = server.dbs.write_log();
    if server.replication.lagging(log.offset()).is_empty() {
        return;
    }
    crate::commands::replication_cmds::request_acks(server);
    let target = log.offset();
    tracing::info!("Waiting for replicas before shutting down.");
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if aborted() {
            return;
        }
        let lagging = server.replication.lagging(target);
        if lagging.is_empty() {
            return;
        }
        if std::time::Instant::now() >= deadline {
            let now = unix_ms();
            for r in lagging {
                tracing::warn!(
                    "Lagging replica {}:{} reported offset {} behind master, lag={}, state={}.",
                    r.ip,
                    r.port,
                    target - r.ack_offset,
                    (now - r.ack_ms).max(0) / 1000,
                    r.state.name()
                );
            }
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
