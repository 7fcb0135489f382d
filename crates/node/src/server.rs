//! The server: shared state, the client listener, the cron (active expiry, stats) and shutdown.
//!
//! One `Server` is shared by every connection task. It owns the configuration, the databases,
//! the client registry, statistics and the cluster state; it does not parse commands.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use parking_lot::{Mutex, RwLock};
use store::expire::{ExpireCursor, active_expire_cycle, slow_cycle_budget};
use store::{Counter, Databases, StoreSettings};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::clients::Clients;
use crate::cluster::Cluster;
use crate::stats::{CommandStats, SlowLog};

/// Unix time in milliseconds.
pub fn unix_ms() -> i64 {
    let (sec, nsec) = clock(libc::CLOCK_REALTIME);
    sec * 1000 + nsec / 1_000_000
}

/// Microseconds on the monotonic clock, for durations (command timing).
pub fn monotonic_us() -> u64 {
    let (sec, nsec) = clock(libc::CLOCK_MONOTONIC);
    (sec * 1_000_000 + nsec / 1000) as u64
}

/// One `clock_gettime` (a vDSO call): seconds and nanoseconds. Read on every command, so it
/// avoids `SystemTime`/`Instant` arithmetic, which cost more than the read itself.
fn clock(id: libc::clockid_t) -> (i64, i64) {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec we pass; both clocks always exist on Linux.
    unsafe { libc::clock_gettime(id, &mut ts) };
    (ts.tv_sec, ts.tv_nsec)
}

/// The clock of a batch of pipelined commands: the wall clock is read once for the batch and
/// followed by the monotonic clock, whose reading at the end of one command (for its duration
/// in INFO commandstats and the slow log) is the start of the next. One clock read per command
/// instead of three (`clock_gettime` was 4% of the server's CPU under HSET -P 16, perf).
pub struct CommandClock {
    unix_us: i64,
    batch_us: u64,
    now_us: u64,
}

impl CommandClock {
    pub fn start() -> CommandClock {
        let now_us = monotonic_us();
        CommandClock {
            unix_us: unix_us(),
            batch_us: now_us,
            now_us,
        }
    }

    /// Unix time in milliseconds at the last reading.
    pub fn unix_ms(&self) -> i64 {
        (self.unix_us + (self.now_us - self.batch_us) as i64) / 1000
    }

    /// The monotonic time of the last reading, in microseconds.
    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    /// Reads the monotonic clock again.
    pub fn advance(&mut self) -> u64 {
        self.now_us = monotonic_us().max(self.now_us);
        self.now_us
    }
}

/// Unix time in microseconds.
pub fn unix_us() -> i64 {
    let (sec, nsec) = clock(libc::CLOCK_REALTIME);
    sec * 1_000_000 + nsec / 1000
}

/// Counters INFO stats reports.
/// (Sharded counters: every connection bumps them; see `store::Counter`.)
#[derive(Default)]
pub struct ServerStats {
    /// Clients waiting in a blocking command (INFO clients `blocked_clients`).
    pub blocked_clients: Counter,
    pub total_connections_received: Counter,
    pub rejected_connections: Counter,
    pub net_input_bytes: Counter,
    pub net_output_bytes: Counter,
    pub total_error_replies: Counter,
    pub unexpected_error_replies: Counter,
    pub client_qbuf_limit_disconnections: Counter,
}

impl ServerStats {
    pub fn reset(&self) {
        for c in [
            &self.total_connections_received,
            &self.rejected_connections,
            &self.net_input_bytes,
            &self.net_output_bytes,
            &self.total_error_replies,
            &self.unexpected_error_replies,
            &self.client_qbuf_limit_disconnections,
        ] {
            c.reset();
        }
    }
}

/// The phases of a shutdown (Redis's `shutdown_mstime` and the write pause it sets), each
/// flag lifted again if the shutdown is aborted or its final save fails.
#[derive(Default)]
pub struct ShutdownProgress {
    /// A shutdown has started and has neither failed nor been aborted.
    in_progress: AtomicBool,
    /// Writes wait, from the start (Redis pauses writes while it waits for replicas) until
    /// the process exits.
    pub writes_paused: AtomicBool,
    /// Replies wait too: the final save runs, and a write that passed the pause just before
    /// it began must not be acknowledged by a process that then exits.
    pub saving: AtomicBool,
    /// The wait for lagging replicas, the phase SHUTDOWN ABORT can cancel: one of the
    /// `REPLICA_WAIT_*` states, changed by compare-and-swap so that an ABORT answered +OK
    /// always stops the shutdown.
    replica_wait: std::sync::atomic::AtomicU8,
}

const REPLICA_WAIT_NONE: u8 = 0;
const REPLICA_WAIT_RUNNING: u8 = 1;
const REPLICA_WAIT_ABORTED: u8 = 2;

impl ShutdownProgress {
    /// A shutdown starts: writes wait. False when one is already under way.
    pub fn begin(&self) -> bool {
        if self.in_progress.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.writes_paused.store(true, Ordering::Release);
        true
    }

    pub fn in_progress(&self) -> bool {
        self.in_progress.load(Ordering::Acquire)
    }

    /// The shutdown will not happen (aborted, or its save failed): writes and replies go on.
    pub fn cancel(&self) {
        self.saving.store(false, Ordering::Release);
        self.writes_paused.store(false, Ordering::Release);
        self.in_progress.store(false, Ordering::Release);
    }

    /// The shutdown starts waiting for its replicas.
    pub fn begin_replica_wait(&self) {
        self.replica_wait
            .store(REPLICA_WAIT_RUNNING, Ordering::Release);
    }

    /// SHUTDOWN ABORT: true when a replica wait was running (it is now cancelled).
    pub fn abort(&self) -> bool {
        self.replica_wait
            .compare_exchange(
                REPLICA_WAIT_RUNNING,
                REPLICA_WAIT_ABORTED,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    pub fn is_aborted(&self) -> bool {
        self.replica_wait.load(Ordering::Acquire) == REPLICA_WAIT_ABORTED
    }

    /// The wait is over: true when the shutdown goes on, false when it was aborted.
    pub fn end_replica_wait(&self) -> bool {
        self.replica_wait.swap(REPLICA_WAIT_NONE, Ordering::AcqRel) != REPLICA_WAIT_ABORTED
    }
}

pub struct Server {
    pub config: RwLock<config::Config>,
    pub config_file: Option<PathBuf>,
    pub dbs: Databases,
    pub settings: RwLock<StoreSettings>,
    pub clients: Clients,
    pub stats: ServerStats,
    pub command_stats: CommandStats,
    pub slowlog: Mutex<SlowLog>,
    pub cluster: Option<Arc<Cluster>>,
    pub run_id: String,
    pub started: Instant,
    /// RDB saves and loading (LASTSAVE, INFO persistence).
    pub persistence: crate::persistence::Persistence,
    /// The append-only file (`appendonly yes`).
    pub aof: crate::append_only::Aof,
    /// Replication: this node's replicas, and its own master link.
    pub replication: crate::replication::Replication,
    pub shutdown: Notify,
    pub shutting_down: AtomicBool,
    /// The port clients connect to (INFO `tcp_port`); CONFIG SET port moves it.
    pub port: std::sync::atomic::AtomicU16,
    /// The accept loops of the current listeners (replaced by CONFIG SET port/bind).
    pub accept_tasks: Mutex<Vec<AcceptTask>>,
    pub monitors: crate::monitor::Monitors,
    /// Pub/Sub subscriptions of this node's clients.
    pub pubsub: crate::pubsub::PubSub,
    pub metrics: crate::metrics::Metrics,
    /// CLIENT PAUSE: until when (unix ms), and whether every command or only writes wait.
    pub pause_until_ms: AtomicI64,
    pub pause_all: AtomicBool,
    pub unpaused: Notify,
    /// A shutdown under way: what it holds back, and whether SHUTDOWN ABORT can still stop it.
    pub shutdown_progress: ShutdownProgress,
    /// Bumped by every CONFIG SET, so connections know to re-read cached settings.
    pub config_generation: AtomicU64,
    /// `slowlog-log-slower-than`, read on every command.
    pub slowlog_threshold_us: AtomicI64,
}

impl Server {
    /// Delivers a Pub/Sub message to this node's subscribers; returns how many received it.
    pub fn deliver_local(&self, channel: &[u8], message: &[u8], sharded: bool) -> usize {
        let limit = self.config.read().client_output_buffer_limit.pubsub;
        let now = unix_ms();
        if sharded {
            self.pubsub.publish_shard(channel, message, &limit, now)
        } else {
            self.pubsub.publish(channel, message, &limit, now)
        }
    }

    pub fn new(cfg: config::Config, config_file: Option<PathBuf>) -> anyhow::Result<Server> {
        let now = unix_ms();
        // Cluster mode keeps `databases` too (COPY ... DB n checks the range before refusing),
        // but only database 0 can be selected; the others are never built.
        let databases = cfg.databases as usize;
        let dbs = Databases::new(databases);
        let cluster = match dbs.get(0) {
            Some(db0) if cfg.cluster_enabled => {
                Some(Cluster::load(&cfg, db0).context("loading the cluster configuration")?)
            }
            _ => None,
        };
        let settings = store_settings(&cfg);
        let port = cfg.port;
        let slowlog_threshold = cfg.slowlog_log_slower_than;
        let replication = crate::replication::Replication::default();
        replication.set_min_replicas(cfg.min_replicas_to_write, cfg.min_replicas_max_lag);
        Ok(Server {
            dbs,
            settings: RwLock::new(settings),
            config: RwLock::new(cfg),
            config_file,
            clients: Clients::default(),
            stats: ServerStats::default(),
            command_stats: CommandStats::default(),
            slowlog: Mutex::new(SlowLog::default()),
            cluster,
            run_id: random_hex40(),
            started: Instant::now(),
            persistence: crate::persistence::Persistence::new(now),
            aof: crate::append_only::Aof::default(),
            replication,
            shutdown: Notify::new(),
            shutting_down: AtomicBool::new(false),
            port: std::sync::atomic::AtomicU16::new(port),
            accept_tasks: Mutex::new(Vec::new()),
            slowlog_threshold_us: AtomicI64::new(slowlog_threshold),
            config_generation: AtomicU64::new(1),
            monitors: crate::monitor::Monitors::default(),
            pubsub: crate::pubsub::PubSub::default(),
            metrics: crate::metrics::Metrics::default(),
            pause_until_ms: AtomicI64::new(0),
            pause_all: AtomicBool::new(false),
            unpaused: Notify::new(),
            shutdown_progress: ShutdownProgress::default(),
        })
    }

    /// Re-derives settings the data layer reads after CONFIG SET.
    pub fn config_changed(&self) {
        let cfg = self.config.read();
        crate::logging::set_level(cfg.loglevel);
        *self.settings.write() = store_settings(&cfg);
        self.aof.set_policy(cfg.appendfsync);
        self.replication
            .set_min_replicas(cfg.min_replicas_to_write, cfg.min_replicas_max_lag);
        self.slowlog_threshold_us
            .store(cfg.slowlog_log_slower_than, Ordering::Relaxed);
        self.config_generation.fetch_add(1, Ordering::AcqRel);
        if let Some(cluster) = &self.cluster {
            cluster.reconfigure(&cfg);
        }
        drop(cfg);
        crate::replication::config_changed(self);
    }

    pub fn request_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
        self.shutdown.notify_waiters();
        for client in self.clients.all() {
            client.kill();
        }
    }
}

fn store_settings(cfg: &config::Config) -> StoreSettings {
    use config::MaxmemoryPolicy as P;
    let lfu = matches!(cfg.maxmemory_policy, P::AllkeysLfu | P::VolatileLfu);
    let lru = matches!(cfg.maxmemory_policy, P::AllkeysLru | P::VolatileLru);
    StoreSettings {
        proto_max_bulk_len: cfg.proto_max_bulk_len,
        cluster_enabled: cfg.cluster_enabled,
        lfu,
        no_shared_integers: cfg.maxmemory > 0 && (lru || lfu),
        lfu_log_factor: cfg.lfu_log_factor,
        lfu_decay_time: cfg.lfu_decay_time,
        hash_max_listpack_entries: cfg.hash_max_listpack_entries,
        hash_max_listpack_value: cfg.hash_max_listpack_value,
        set_max_intset_entries: cfg.set_max_intset_entries,
        zset_max_listpack_entries: cfg.zset_max_listpack_entries,
        zset_max_listpack_value: cfg.zset_max_listpack_value,
        list_max_listpack_size: cfg.list_max_listpack_size,
        hll_sparse_max_bytes: cfg.hll_sparse_max_bytes,
        rdb_compression: cfg.rdbcompression,
    }
}

/// 40 random lowercase hex characters (run ids, node ids).
pub fn random_hex40() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// Binds every `bind` address on `port` with `tcp-backlog`, as Redis's `listenToPort`:
/// `*` is every IPv4 address, `::*` every IPv6 address (IPv6-only, so both can coexist), a
/// leading `-` marks an address whose failure to bind is not fatal, and host names resolve.
pub fn bind_listeners(cfg: &config::Config) -> anyhow::Result<Vec<std::net::TcpListener>> {
    bind_listeners_on(cfg, cfg.port)
}

/// [`bind_listeners`] on another port (the cluster bus listens on the same addresses).
pub fn bind_listeners_on(
    cfg: &config::Config,
    port: u16,
) -> anyhow::Result<Vec<std::net::TcpListener>> {
    use socket2::{Domain, Socket, Type};
    use std::net::ToSocketAddrs;
    let mut listeners = Vec::new();
    let addrs: Vec<String> = if cfg.bind.is_empty() {
        vec!["*".to_string(), "-::*".to_string()]
    } else {
        cfg.bind.clone()
    };
    for addr in addrs {
        let (optional, host) = match addr.strip_prefix('-') {
            Some(h) => (true, h.to_string()),
            None => (false, addr.clone()),
        };
        let resolved: Vec<std::net::SocketAddr> = match host.as_str() {
            "*" => vec![(std::net::Ipv4Addr::UNSPECIFIED, port).into()],
            "::*" => vec![(std::net::Ipv6Addr::UNSPECIFIED, port).into()],
            h => match (h, port).to_socket_addrs() {
                Ok(addrs) => addrs.take(1).collect(),
                Err(_) if optional => continue,
                Err(e) => anyhow::bail!(
                    "Warning: Could not create server TCP listening socket {h}:{}: {e}",
                    port
                ),
            },
        };
        for sock_addr in resolved {
            let bound = (|| -> std::io::Result<std::net::TcpListener> {
                let socket = Socket::new(Domain::for_address(sock_addr), Type::STREAM, None)?;
                socket.set_reuse_address(true)?;
                if sock_addr.is_ipv6() {
                    socket.set_only_v6(true)?;
                }
                socket.bind(&sock_addr.into())?;
                socket.listen(i32::try_from(cfg.tcp_backlog.max(1)).unwrap_or(i32::MAX))?;
                socket.set_nonblocking(true)?;
                Ok(socket.into())
            })();
            match bound {
                Ok(l) => listeners.push(l),
                Err(_) if optional => continue,
                Err(e) => anyhow::bail!(
                    "Warning: Could not create server TCP listening socket {host}:{}: {e}",
                    port
                ),
            }
        }
    }
    if listeners.is_empty() {
        anyhow::bail!("Failed listening on port {} (tcp), aborting.", port);
    }
    Ok(listeners)
}

impl Server {
    /// CONFIG SET port/bind (Redis `changeListener`): listens as `new` says, or, if that
    /// fails, keeps (or restores) listening as `old` said and returns the error.
    pub fn rebind(
        self: &Arc<Self>,
        new: &config::Config,
        old: &config::Config,
    ) -> anyhow::Result<()> {
        if new.port != old.port
            && let Ok(listeners) = bind_listeners(new)
        {
            return self.serve_on(listeners);
        }
        // Same port (or the new one is busy): the old sockets must close before the new ones
        // can bind. Closing takes effect when the aborted accept loops drop their listeners.
        for t in self.accept_tasks.lock().drain(..) {
            t.stop();
        }
        let attempt = |cfg: &config::Config| {
            tokio::task::block_in_place(|| {
                let mut last = None;
                for _ in 0..100 {
                    match bind_listeners(cfg) {
                        Ok(l) => return Ok(l),
                        Err(e) => last = Some(e),
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(last.unwrap_or_else(|| anyhow::anyhow!("bind failed")))
            })
        };
        match attempt(new) {
            Ok(l) => self.serve_on(l),
            Err(e) => {
                match attempt(old) {
                    Ok(l) => self.serve_on(l)?,
                    Err(e2) => tracing::warn!(error = %e2, "Failed to restore the old listeners"),
                }
                Err(e)
            }
        }
    }

    /// Starts accepting on `listeners`, replacing the current accept loops.
    pub fn serve_on(self: &Arc<Self>, listeners: Vec<std::net::TcpListener>) -> anyhow::Result<()> {
        let mut tasks = Vec::with_capacity(listeners.len());
        for l in listeners {
            let listener = Arc::new(TcpListener::from_std(l)?);
            let task = tokio::spawn(crate::connection::accept_loop(
                self.clone(),
                listener.clone(),
            ));
            tasks.push(AcceptTask { task, listener });
        }
        let old = std::mem::replace(&mut *self.accept_tasks.lock(), tasks);
        for t in old {
            t.stop();
        }
        Ok(())
    }
}

/// An accept loop and its listening socket.
pub struct AcceptTask {
    task: tokio::task::JoinHandle<()>,
    /// Shared with the loop, so the socket stays open (and its descriptor ours) until both
    /// are gone.
    listener: Arc<TcpListener>,
}

impl AcceptTask {
    /// Stops listening now (as Redis closes the old socket before CONFIG SET port replies),
    /// then ends the loop, which closes the descriptor when it is dropped.
    fn stop(self) {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&*self.listener);
        // SAFETY: `fd` belongs to `self.listener`, which we hold, so it is open and cannot
        // have been reused; shutdown() only changes the socket's state.
        unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
        self.task.abort();
    }
}

/// The periodic work Redis's `serverCron` does that we need: active expiry, client timeouts.
pub async fn cron(server: Arc<Server>) {
    let mut cursors: Vec<ExpireCursor> = Vec::new();
    let mut last_sample_ms = 0;
    loop {
        let hz = server.config.read().hz.clamp(1, 500);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(1000 / u64::from(hz))) => {}
            _ = server.shutdown.notified() => return,
        }
        if server.shutting_down.load(Ordering::Acquire) {
            return;
        }
        crate::persistence::check_save_rules(&server);
        let dbs = server.dbs.all();
        cursors.resize_with(dbs.len(), ExpireCursor::default);
        let budget = slow_cycle_budget(hz) / dbs.len().max(1) as u32;
        let server2 = server.clone();
        let mut moved = std::mem::take(&mut cursors);
        // The cycle takes slot locks: run it off the async workers.
        let result = tokio::task::spawn_blocking(move || {
            // A replica's keys expire by its master's DELs.
            if server2.active_expire_enabled() && !server2.replication.is_replica() {
                let now = unix_ms();
                for ((_, db), cursor) in dbs.iter().zip(moved.iter_mut()) {
                    active_expire_cycle(db, cursor, now, budget);
                }
            }
            moved
        })
        .await;
        if let Ok(c) = result {
            cursors = c;
        }
        server.close_timed_out_clients();
        let now = unix_ms();
        if now - last_sample_ms >= crate::metrics::SAMPLE_INTERVAL_MS {
            last_sample_ms = now;
            server.metrics.track(
                server.command_stats.total_calls(),
                server.stats.net_input_bytes.get(),
                server.stats.net_output_bytes.get(),
                now,
            );
            server.metrics.memory_peak(crate::alloc::allocated_bytes());
        }
    }
}

impl Server {
    pub fn active_expire_enabled(&self) -> bool {
        !crate::commands::server_cmds::ACTIVE_EXPIRE_DISABLED.load(Ordering::Relaxed)
    }

    fn close_timed_out_clients(&self) {
        let timeout = self.config.read().timeout;
        if timeout == 0 {
            return;
        }
        let now = unix_ms();
        for c in self.clients.all() {
            if now - c.last_interaction_ms.load(Ordering::Relaxed) > timeout as i64 * 1000 {
                tracing::debug!(client = c.id, "Closing idle client");
                c.kill();
            }
        }
    }
}
