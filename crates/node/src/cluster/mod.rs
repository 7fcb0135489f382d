//! This node's part in the cluster: the gossip state machine (`gossip::ClusterState`) behind
//! a lock, the driver that executes what it asks for (bus links, nodes.conf writes, logs,
//! dropping keys of lost slots), routing of keyed commands (CROSSSLOT / CLUSTERDOWN / MOVED)
//! from its slot table, and the address each node is shown with
//! (`cluster-preferred-endpoint-type`).
//!
//! Every rule about membership, slots, epochs and failures is gossip's; this module only
//! feeds it inputs (time, bus messages, link events, operator commands) and carries out its
//! [`Action`]s, in order, while holding the lock, so that inputs from the cron, the links
//! and the clients are serialised exactly as the state machine expects.
//!
//! Submodules: `bus` (the listener, link tasks, the 100 ms cron), `nodes_conf` (the file:
//! lock and atomic writes), `bootstrap` (self-assembly from `cluster-bootstrap-*`).

mod bootstrap;
mod bus;
mod nodes_conf;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use anyhow::Context as _;
use bytes::Bytes;
use gossip::{
    Action, ClusterNode, ClusterState, GossipConfig, GossipError, LinkId, LogLevel, MessageType,
    NodeId,
};
use parking_lot::{RwLock, RwLockReadGuard};
use slot_map::{SLOT_COUNT, Slot, SlotSet, key_slot};
use store::{CmdError, Keyspace};
use tokio::sync::mpsc;

use crate::commands::table::{Command, flag};
use crate::server::unix_ms;

pub use bootstrap::BootstrapPlan;
use nodes_conf::NodesConf;

/// `cluster-preferred-endpoint-type`: what clients are told to connect to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// The node's IP.
    Ip,
    /// The node's announced hostname (`?` when it has none).
    Hostname,
    /// Nothing: the client reuses the host it is connected to.
    Unknown,
}

/// Settings that routing and rendering read (the ones gossip does not).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// `cluster-allow-reads-when-down`.
    pub allow_reads_when_down: bool,
    /// `cluster-preferred-endpoint-type`.
    pub endpoint: Endpoint,
    /// `cluster-link-sendbuf-limit`: bytes queued on one link before the cron frees it
    /// (0: no limit).
    pub link_sendbuf_limit: u64,
}

impl Settings {
    fn from_config(cfg: &config::Config) -> Settings {
        use config::ClusterPreferredEndpointType as T;
        Settings {
            allow_reads_when_down: cfg.cluster_allow_reads_when_down,
            endpoint: match cfg.cluster_preferred_endpoint_type {
                T::Ip => Endpoint::Ip,
                T::Hostname => Endpoint::Hostname,
                T::UnknownEndpoint => Endpoint::Unknown,
            },
            link_sendbuf_limit: cfg.cluster_link_sendbuf_limit,
        }
    }

    /// The address clients are sent to for `node` (Redis `getPreferredEndpoint`): its IP,
    /// its hostname (`?` if it announced none), or nothing.
    pub fn endpoint<'n>(&self, node: &'n ClusterNode) -> &'n str {
        match self.endpoint {
            Endpoint::Ip => &node.ip,
            Endpoint::Hostname if node.hostname.is_empty() => "?",
            Endpoint::Hostname => &node.hostname,
            Endpoint::Unknown => "",
        }
    }
}

/// The gossip settings `cfg` asks for: node timeout, coverage and migration rules, and the
/// announced address (`cluster-announce-*`, else the ports this node listens on).
pub fn gossip_config(cfg: &config::Config) -> GossipConfig {
    let mut g = GossipConfig::with_port(announced_port(cfg));
    g.node_timeout = cfg.cluster_node_timeout;
    g.require_full_coverage = cfg.cluster_require_full_coverage;
    g.allow_replica_migration = cfg.cluster_allow_replica_migration;
    g.replica_no_failover = cfg.cluster_replica_no_failover;
    g.announce_ip = cfg.cluster_announce_ip.clone().filter(|ip| !ip.is_empty());
    g.cport = if cfg.cluster_announce_bus_port > 0 {
        cfg.cluster_announce_bus_port
    } else {
        bus_port(cfg)
    };
    g.hostname = cfg.cluster_announce_hostname.clone().unwrap_or_default();
    g
}

/// The client port other nodes and clients are told (`cluster-announce-port` or `port`).
fn announced_port(cfg: &config::Config) -> u16 {
    if cfg.cluster_announce_port > 0 {
        cfg.cluster_announce_port
    } else {
        cfg.port
    }
}

/// The port the bus listens on: `cluster-port`, or `port + 10000`.
pub fn bus_port(cfg: &config::Config) -> u16 {
    if cfg.cluster_port > 0 {
        cfg.cluster_port
    } else {
        cfg.port.wrapping_add(10_000)
    }
}

/// Unix time in ms, as gossip takes it.
fn now_ms() -> u64 {
    u64::try_from(unix_ms()).unwrap_or(0)
}

/// Bus traffic counters (CLUSTER INFO).
#[derive(Default)]
pub struct BusStats {
    sent: [AtomicU64; MessageType::ALL.len()],
    received: [AtomicU64; MessageType::ALL.len()],
    /// Bytes of frames written to the bus.
    pub bytes_sent: AtomicU64,
    /// Bytes read from the bus.
    pub bytes_received: AtomicU64,
    /// Frames that could not be decoded (bad magic or version, oversized, undecodable or
    /// invalid): each closed its link.
    pub rejected_frames: AtomicU64,
    /// Links freed for exceeding `cluster-link-sendbuf-limit` (CLUSTER INFO
    /// `total_cluster_links_buffer_limit_exceeded`).
    pub links_buffer_limit_exceeded: AtomicU64,
}

impl BusStats {
    fn count_sent(&self, kind: MessageType, bytes: usize) {
        self.sent[kind as usize].fetch_add(1, Ordering::Relaxed);
        self.bytes_sent.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn count_received(&self, kind: MessageType) {
        self.received[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Messages of `kind` sent so far.
    pub fn sent(&self, kind: MessageType) -> u64 {
        self.sent[kind as usize].load(Ordering::Relaxed)
    }

    /// Messages of `kind` received so far.
    pub fn received(&self, kind: MessageType) -> u64 {
        self.received[kind as usize].load(Ordering::Relaxed)
    }
}

/// The driver's side of one bus link: where its frames go, and its task.
struct LinkHandle {
    /// Frames to write, in order.
    frames: mpsc::UnboundedSender<Vec<u8>>,
    /// The task that connects (outbound), reads and writes.
    task: Option<tokio::task::AbortHandle>,
    /// Bytes queued and not yet written.
    pending: Arc<AtomicUsize>,
}

impl LinkHandle {
    fn close(self) {
        if let Some(task) = self.task {
            task.abort();
        }
    }
}

/// What is under the cluster lock.
pub struct Inner {
    /// The state machine.
    pub state: ClusterState,
    /// Routing and rendering settings.
    pub settings: Settings,
    links: HashMap<LinkId, LinkHandle>,
}

impl Inner {
    /// Bytes queued on `link` and not yet written (CLUSTER LINKS).
    pub fn link_pending(&self, link: LinkId) -> usize {
        self.links
            .get(&link)
            .map_or(0, |l| l.pending.load(Ordering::Relaxed))
    }

    /// Number of open bus links (INFO `cluster_connections`).
    pub fn link_count(&self) -> usize {
        self.links.len()
    }
}

/// This node's cluster state and the machinery around it.
/// Where Pub/Sub messages from the bus go: (channel, message, sharded).
pub type Delivery = Box<dyn Fn(&[u8], &[u8], bool) + Send + Sync>;

/// What the replication side does when this node's primary changes: replicate from
/// (ip, port), or become a primary (`None`).
pub type RoleChange = Box<dyn Fn(Option<(String, u16)>) + Send + Sync>;

/// This node's replication offset (gossiped in every header).
pub type OffsetSource = Box<dyn Fn() -> u64 + Send + Sync>;

/// What routing needs in the common case, readable without the cluster lock: the slots this
/// node serves as a primary, and whether the cluster is up. Refreshed under the write lock
/// after every change of the state, so a command sees the state of just before or just after
/// a change, as it would under the lock. Looking each key's slot up in the state's owner
/// table (41 bytes per slot, 672 KB) missed the cache on almost every command: about 6% of
/// the server's CPU under SET -P 16, measured with `perf annotate`; this bitmap is 2 KB.
struct LocalRoute {
    served: [AtomicU64; SLOT_COUNT / 64],
    ok: AtomicBool,
}

impl LocalRoute {
    fn new(state: &ClusterState) -> LocalRoute {
        let route = LocalRoute {
            served: std::array::from_fn(|_| AtomicU64::new(0)),
            ok: AtomicBool::new(false),
        };
        route.refresh(state);
        route
    }

    fn refresh(&self, state: &ClusterState) {
        let bytes = state.slot_owners().slots_of(&state.my_id()).to_bytes();
        let (chunks, _) = bytes.as_chunks::<8>();
        for (word, chunk) in self.served.iter().zip(chunks) {
            word.store(u64::from_le_bytes(*chunk), Ordering::Relaxed);
        }
        self.ok.store(state.is_ok(), Ordering::Release);
    }

    /// Is the cluster up, with `slot` served by this node as a primary?
    fn serves(&self, slot: Slot) -> bool {
        let i = usize::from(slot);
        self.ok.load(Ordering::Acquire)
            && self
                .served
                .get(i / 64)
                .is_some_and(|w| (w.load(Ordering::Relaxed) >> (i % 64)) & 1 == 1)
    }
}

pub struct Cluster {
    inner: RwLock<Inner>,
    local_route: LocalRoute,
    conf: NodesConf,
    /// Bus traffic counters.
    pub stats: BusStats,
    /// Database 0, the only one in cluster mode (for keys of lost slots).
    keyspace: Arc<Keyspace>,
    runtime: tokio::runtime::Handle,
    me: Weak<Cluster>,
    /// Hands Pub/Sub messages from the bus to this node's subscribers (channel, message,
    /// sharded); set once the server exists.
    deliver: std::sync::OnceLock<Delivery>,
    /// Starts or stops replication when the role changes; set once the server exists.
    role_change: std::sync::OnceLock<RoleChange>,
    offset_source: std::sync::OnceLock<OffsetSource>,
}

impl Cluster {
    /// Loads nodes.conf (or creates a new identity), locks it against other processes and
    /// writes it back at once (the configured address may have changed). Must run inside the
    /// Tokio runtime.
    pub fn load(cfg: &config::Config, keyspace: Arc<Keyspace>) -> anyhow::Result<Arc<Cluster>> {
        let conf = NodesConf::lock(Path::new(&cfg.cluster_config_file))?;
        let seed = rand::random::<u64>();
        let now = now_ms();
        let state = match conf.read()? {
            Some(text) => ClusterState::from_nodes_conf(&text, gossip_config(cfg), seed, now)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "Unrecoverable error: corrupted cluster config file \"{}\": {e}",
                        conf.path().display()
                    )
                })?,
            None => ClusterState::new(gossip_config(cfg), seed, now),
        };
        let runtime =
            tokio::runtime::Handle::try_current().context("the cluster needs the Tokio runtime")?;
        let local_route = LocalRoute::new(&state);
        let cluster = Arc::new_cyclic(|me| Cluster {
            local_route,
            inner: RwLock::new(Inner {
                state,
                settings: Settings::from_config(cfg),
                links: HashMap::new(),
            }),
            conf,
            stats: BusStats::default(),
            keyspace,
            runtime,
            me: me.clone(),
            deliver: std::sync::OnceLock::new(),
            role_change: std::sync::OnceLock::new(),
            offset_source: std::sync::OnceLock::new(),
        });
        cluster.save()?;
        Ok(cluster)
    }

    /// Sets where Pub/Sub messages from other nodes go (once).
    pub fn set_delivery(&self, deliver: Delivery) {
        let _ = self.deliver.set(deliver);
    }

    /// Sets what a change of this node's primary does (once), and applies the role loaded
    /// from nodes.conf.
    pub fn set_role_change(&self, role_change: RoleChange, offset: OffsetSource) {
        let _ = self.offset_source.set(offset);
        if self.role_change.set(role_change).is_ok()
            && let (Some(primary), Some(f)) = (self.primary_address(), self.role_change.get())
        {
            f(Some(primary));
        }
    }

    /// The address of this node's primary, when it is a replica of a known node.
    pub fn primary_address(&self) -> Option<(String, u16)> {
        let inner = self.inner.read();
        let me = inner.state.myself();
        me.primary
            .and_then(|p| inner.state.node(&p))
            .map(|n| (n.ip.clone(), n.port))
    }

    /// Gossips this node's current replication offset.
    pub(super) fn refresh_replication_offset(&self) {
        if let Some(source) = self.offset_source.get() {
            let offset = source();
            self.drive(|state, _| {
                state.set_replication_offset(offset);
                ((), Vec::new())
            });
        }
    }

    /// Starts the bus: accepts on `listeners`, runs the cron, and the self-assembly `plan`
    /// if there is one.
    pub fn start(
        self: &Arc<Self>,
        listeners: Vec<std::net::TcpListener>,
        plan: Option<BootstrapPlan>,
    ) -> anyhow::Result<()> {
        for listener in listeners {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            self.runtime.spawn(bus::accept_loop(self.clone(), listener));
        }
        self.runtime.spawn(bus::cron(self.clone()));
        if let Some(plan) = plan {
            self.runtime.spawn(bootstrap::run(self.clone(), plan));
        }
        // Log lines gossip produced while loading.
        self.drive(|state, now| ((), state.tick(now)));
        Ok(())
    }

    /// Applies changed configuration (CONFIG SET).
    pub fn reconfigure(&self, cfg: &config::Config) {
        let settings = Settings::from_config(cfg);
        let config = gossip_config(cfg);
        self.drive(|state, _| ((), state.reconfigure(config)));
        self.inner.write().settings = settings;
    }

    /// Read access to the state, for replies.
    pub fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read()
    }

    /// This node's id.
    pub fn my_id(&self) -> NodeId {
        self.inner.read().state.my_id()
    }

    /// Writes nodes.conf now (CLUSTER SAVECONFIG, shutdown).
    pub fn save(&self) -> anyhow::Result<()> {
        let inner = self.inner.write();
        self.conf.write(&inner.state.config_text())
    }

    /// Runs one input of the state machine with the current time and executes the actions
    /// it returns, in order, under the lock; keys of lost slots are deleted after the lock
    /// is released (data commands take slot locks before the cluster lock).
    pub fn drive<T>(&self, input: impl FnOnce(&mut ClusterState, u64) -> (T, Vec<Action>)) -> T {
        self.drive_inner(|inner, now| input(&mut inner.state, now))
    }

    /// [`Cluster::drive`] with the whole of what is under the lock.
    fn drive_inner<T>(&self, input: impl FnOnce(&mut Inner, u64) -> (T, Vec<Action>)) -> T {
        let mut lost_slots = Vec::new();
        let out = {
            let mut inner = self.inner.write();
            let (out, actions) = input(&mut inner, now_ms());
            self.execute(&mut inner, actions, &mut lost_slots);
            self.local_route.refresh(&inner.state);
            out
        };
        for slots in lost_slots {
            let mut deleted = 0;
            for slot in slots.iter() {
                deleted += self.keyspace.lock_slot(slot).clear();
            }
            tracing::warn!(
                keys = deleted,
                "Deleted the keys of slots this node lost to a newer configuration"
            );
        }
        out
    }

    /// An operator command: a state machine call that may be refused with Redis's error.
    pub fn command(
        &self,
        input: impl FnOnce(&mut ClusterState, u64) -> Result<Vec<Action>, GossipError>,
    ) -> Result<(), CmdError> {
        self.drive(|state, now| match input(state, now) {
            Ok(actions) => (Ok(()), actions),
            Err(e) => (Err(e), Vec::new()),
        })
        .map_err(|e| CmdError::err(e.to_string()))
    }

    fn execute(&self, inner: &mut Inner, actions: Vec<Action>, lost_slots: &mut Vec<SlotSet>) {
        for action in actions {
            match action {
                Action::Connect {
                    link,
                    node,
                    ip,
                    cport,
                } => {
                    let Some(cluster) = self.me.upgrade() else {
                        continue;
                    };
                    let (frames, queued) = mpsc::unbounded_channel();
                    let pending = Arc::new(AtomicUsize::new(0));
                    let timeout = inner.state.config().node_timeout.max(1000);
                    // A node that announced a hostname is dialled by that name, resolved
                    // now: after a restart at a new IP (a rescheduled pod) the name leads to
                    // it even when every node's recorded IP is stale.
                    let hostname = inner
                        .state
                        .node(&node)
                        .map(|n| n.hostname.clone())
                        .filter(|h| !h.is_empty());
                    tracing::debug!(%node, %ip, ?hostname, cport, link = link.0, "Connecting to a node's bus port");
                    let task = self.runtime.spawn(bus::connect(
                        cluster,
                        link,
                        bus::Target {
                            ip,
                            hostname,
                            cport,
                        },
                        queued,
                        pending.clone(),
                        timeout,
                    ));
                    inner.links.insert(
                        link,
                        LinkHandle {
                            frames,
                            task: Some(task.abort_handle()),
                            pending,
                        },
                    );
                }
                Action::Send { link, message } => {
                    let Some(handle) = inner.links.get(&link) else {
                        continue;
                    };
                    let mut frame = Vec::new();
                    cluster_bus::encode_into(&message, &mut frame);
                    self.stats.count_sent(message.message_type(), frame.len());
                    handle.pending.fetch_add(frame.len(), Ordering::Relaxed);
                    // A closed receiver means the task is ending; it reports the close.
                    let _ = handle.frames.send(frame);
                }
                Action::CloseLink { link } => {
                    if let Some(handle) = inner.links.remove(&link) {
                        handle.close();
                    }
                }
                Action::PersistConfig { fsync: _ } => {
                    // Always durable: a config change is rare, and a torn nodes.conf is fatal.
                    if let Err(e) = self.conf.write(&inner.state.config_text()) {
                        tracing::warn!(error = %e, path = %self.conf.path().display(), "Could not save the cluster configuration");
                    }
                }
                Action::ClusterStateChanged { ok } => {
                    tracing::debug!(ok, "Cluster state evaluated");
                }
                Action::PrimaryChanged { primary } => {
                    let address = primary
                        .and_then(|p| inner.state.node(&p))
                        .map(|n| (n.ip.clone(), n.port));
                    match &primary {
                        Some(primary) => tracing::info!(%primary, "This node is now a replica"),
                        None => tracing::info!("This node is now a primary"),
                    }
                    if let Some(f) = self.role_change.get()
                        && (primary.is_none() || address.is_some())
                    {
                        f(address);
                    }
                }
                Action::DeleteKeysInSlots { slots } => lost_slots.push(*slots),
                Action::Deliver {
                    channel,
                    message,
                    sharded,
                } => {
                    if let Some(deliver) = self.deliver.get() {
                        deliver(&channel, &message, sharded);
                    }
                }
                Action::Log { level, text } => log(level, &text),
            }
        }
    }

    /// Registers an accepted bus connection; returns its id and the frames to write on it.
    fn accept(
        &self,
        peer_ip: &str,
        local_ip: &str,
        pending: Arc<AtomicUsize>,
    ) -> (LinkId, mpsc::UnboundedReceiver<Vec<u8>>) {
        let mut inner = self.inner.write();
        let link = inner.state.accept_link(now_ms(), peer_ip, local_ip);
        let (frames, queued) = mpsc::unbounded_channel();
        inner.links.insert(
            link,
            LinkHandle {
                frames,
                task: None,
                pending,
            },
        );
        (link, queued)
    }

    /// Records the task serving an accepted link, so closing the link stops it.
    fn set_link_task(&self, link: LinkId, task: tokio::task::AbortHandle) {
        match self.inner.write().links.get_mut(&link) {
            Some(handle) => handle.task = Some(task),
            // Closed meanwhile.
            None => task.abort(),
        }
    }

    /// Frees every link with more than `cluster-link-sendbuf-limit` bytes queued (Redis
    /// `clusterNodeCronFreeLinkOnBufferLimitReached`, run by the cron): a peer that stopped
    /// reading cannot make this node buffer without bound. Gossip reconnects as for any lost
    /// link.
    fn free_links_over_limit(&self) {
        let limit = self.inner.read().settings.link_sendbuf_limit;
        if limit == 0 {
            return;
        }
        self.drive_inner(|inner, now| {
            let over: Vec<(LinkId, usize)> = inner
                .links
                .iter()
                .map(|(id, l)| (*id, l.pending.load(Ordering::Relaxed)))
                .filter(|&(_, pending)| pending as u64 > limit)
                .collect();
            let mut actions = Vec::new();
            for (link, pending) in over {
                if let Some(handle) = inner.links.remove(&link) {
                    handle.close();
                }
                self.stats
                    .links_buffer_limit_exceeded
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    link = link.0,
                    pending,
                    limit,
                    "Freeing a cluster bus link whose send buffer exceeded cluster-link-sendbuf-limit"
                );
                actions.extend(inner.state.on_link_closed(now, link));
            }
            ((), actions)
        });
    }

    /// A link ended on its own (connection refused or lost, bad frame): tell gossip, unless
    /// it had closed the link itself.
    fn link_closed(&self, link: LinkId) {
        self.drive_inner(|inner, now| {
            if inner.links.remove(&link).is_none() {
                return ((), Vec::new());
            }
            ((), inner.state.on_link_closed(now, link))
        });
    }

    /// The error that ends a client's wait on `keys` because this node no longer serves them
    /// (Redis `clusterRedirectBlockedClientIfNeeded`): the cluster is down, or the first
    /// key's slot is unassigned (CLUSTERDOWN) or owned by another node (MOVED).
    pub fn blocked_redirect(&self, keys: &[Bytes]) -> Option<String> {
        let inner = self.inner.read();
        let st = &inner.state;
        if !st.is_ok() {
            return Some("CLUSTERDOWN The cluster is down".into());
        }
        let slot = key_slot(keys.first()?);
        match st.slot_owner(slot) {
            None => Some("CLUSTERDOWN Hash slot not served".into()),
            Some(owner) if owner == st.my_id() => None,
            Some(owner) => {
                let (endpoint, port) = st
                    .node(&owner)
                    .map_or(("", 0), |n| (inner.settings.endpoint(n), n.port));
                Some(format!("MOVED {slot} {endpoint}:{port}"))
            }
        }
    }

    /// Routes a keyed command (Redis 7.0 `getNodeByQuery` for a node without open slots)
    /// by the slots of its keys, in order. `readonly_client`: the client sent READONLY, so a replica serves its primary's slots
    /// for reads.
    pub fn route(
        &self,
        cmd: &Command,
        key_slots: impl Iterator<Item = Slot> + Clone,
        readonly_client: bool,
    ) -> Result<(), CmdError> {
        // The common case without the lock: every key in one slot this node serves.
        let mut slots = key_slots.clone();
        let Some(first_slot) = slots.next() else {
            return Ok(());
        };
        if slots.all(|s| s == first_slot) && self.local_route.serves(first_slot) {
            return Ok(());
        }
        let inner = self.inner.read();
        let st = &inner.state;
        // Redis `getNodeByQuery`: the first key's slot must be served (CLUSTERDOWN otherwise),
        // then every other key must share it (CROSSSLOT otherwise).
        let mut first: Option<Slot> = None;
        for s in key_slots {
            match first {
                None => {
                    if st.slot_owner(s).is_none() {
                        return Err(CmdError::Raw("CLUSTERDOWN Hash slot not served".into()));
                    }
                    first = Some(s);
                }
                Some(prev) if prev != s => {
                    return Err(CmdError::Raw(
                        "CROSSSLOT Keys in request don't hash to the same slot".into(),
                    ));
                }
                Some(_) => {}
            }
        }
        let Some(slot) = first else { return Ok(()) };
        let Some(owner) = st.slot_owner(slot) else {
            return Err(CmdError::Raw("CLUSTERDOWN Hash slot not served".into()));
        };
        if !st.is_ok() {
            if !inner.settings.allow_reads_when_down {
                return Err(CmdError::Raw("CLUSTERDOWN The cluster is down".into()));
            }
            if cmd.has_flag(flag::WRITE) {
                return Err(CmdError::Raw(
                    "CLUSTERDOWN The cluster is down and only accepts read commands".into(),
                ));
            }
        }
        if owner != st.my_id() {
            if readonly_client && !cmd.has_flag(flag::WRITE) && st.myself().primary == Some(owner) {
                return Ok(());
            }
            let (endpoint, port) = st
                .node(&owner)
                .map_or(("", 0), |n| (inner.settings.endpoint(n), n.port));
            return Err(CmdError::Raw(format!("MOVED {slot} {endpoint}:{port}")));
        }
        Ok(())
    }
}

/// Writes a gossip log line with Redis's level mapping (`loglevel` debug/verbose/notice/
/// warning are tracing's trace/debug/info/warn).
fn log(level: LogLevel, text: &str) {
    match level {
        LogLevel::Debug => tracing::trace!(target: "cluster", "{text}"),
        LogLevel::Verbose => tracing::debug!(target: "cluster", "{text}"),
        LogLevel::Notice => tracing::info!(target: "cluster", "{text}"),
        LogLevel::Warning => tracing::warn!(target: "cluster", "{text}"),
    }
}
