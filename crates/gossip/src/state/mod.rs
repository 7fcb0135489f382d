//! [`ClusterState`]: the node table, the slot table, the epochs and the links of one node,
//! and every rule of Redis 7.0's cluster bus that changes them (src/cluster.c). Inputs come
//! in with the time; outputs leave as [`Action`]s. No IO, no clock, no global randomness.
//!
//! The rules are grouped by concern, one file each, as cluster.c's sections:
//! - `links`: connections, the MEET handshake, node addresses;
//! - `packet`: what a received message does (`clusterProcessPacket`);
//! - `gossip`: building PING/PONG/MEET and reading gossip sections;
//! - `failure`: failure reports, PFAIL -> FAIL, FAIL broadcast and clearing;
//! - `slots`: slot ownership by configEpoch, UPDATE, configEpoch collisions;
//! - `health`: cluster_state ok/fail;
//! - `cron`: the 100 ms timer;
//! - `admin`: operator commands (CLUSTER MEET, FORGET, ADDSLOTS, ...);
//! - `nodes_conf`: the CLUSTER NODES / nodes.conf text and its parser.

mod admin;
mod cron;
mod failure;
mod gossip;
mod health;
mod links;
mod nodes_conf;
mod packet;
mod slots;

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use slot_map::{Slot, SlotTable};

use crate::{Action, ClusterNode, GossipConfig, LinkId, LogLevel, NodeFlags, NodeId};

pub use admin::BumpOutcome;
pub use cron::TICK_INTERVAL_MS;
pub use health::{MAX_REJOIN_DELAY_MS, MIN_REJOIN_DELAY_MS, WRITABLE_DELAY_MS};
pub use links::LinkInfo;

/// Nodes removed with FORGET are not re-added from gossip for this long (Redis
/// `CLUSTER_BLACKLIST_TTL`, 60 s).
pub const BLACKLIST_TTL_MS: u64 = 60_000;
/// A failure report is valid for this many node timeouts (`CLUSTER_FAIL_REPORT_VALIDITY_MULT`).
pub const FAIL_REPORT_VALIDITY_MULT: u64 = 2;
/// A primary with slots gets its FAIL cleared when reachable after this many node timeouts
/// (`CLUSTER_FAIL_UNDO_TIME_MULT`).
pub const FAIL_UNDO_TIME_MULT: u64 = 2;

/// One bus connection as the state machine tracks it.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    /// The node it belongs to (always set for outbound links; set for inbound links once a
    /// message from a known node arrived).
    node: Option<NodeId>,
    /// Accepted rather than made by this node.
    inbound: bool,
    /// When it was created, Unix ms.
    created: u64,
    /// The other end's IP as the socket sees it.
    peer_ip: String,
    /// This end's IP as the socket sees it (set on connection).
    local_ip: String,
}

/// Side effects decided during one input, executed once at its end (Redis's
/// `clusterDoBeforeSleep` flags).
#[derive(Clone, Copy, Debug, Default)]
struct Todo {
    update_state: bool,
    save_config: bool,
    fsync_config: bool,
}

/// The cluster as one node sees it. See the crate documentation for how a driver uses it.
pub struct ClusterState {
    config: GossipConfig,
    myself: NodeId,
    nodes: BTreeMap<NodeId, ClusterNode>,
    owners: SlotTable<NodeId>,
    migrating_to: BTreeMap<Slot, NodeId>,
    importing_from: BTreeMap<Slot, NodeId>,
    current_epoch: u64,
    last_vote_epoch: u64,
    ok: bool,
    /// Number of primaries with slots, as of the last state evaluation (Redis
    /// `server.cluster->size`, which starts at 1).
    size: usize,
    links: BTreeMap<LinkId, Link>,
    next_link: u64,
    /// Forgotten node -> when it may be re-added, Unix ms.
    blacklist: BTreeMap<NodeId, u64>,
    rng: SmallRng,
    cron_iterations: u64,
    /// Number of PING/PONG/MEET built so far (keeps a node out of one gossip section twice).
    pings_built: u64,
    /// Nodes in PFAIL at the last cron (they are all added to gossip sections).
    pfail_nodes: usize,
    first_state_update: Option<u64>,
    among_minority_since: u64,
    repl_offset: u64,
    todo: Todo,
    actions: Vec<Action>,
}

impl ClusterState {
    /// A node that has no nodes.conf yet: a new random id, a primary with no slots, all
    /// epochs 0. The driver should persist [`ClusterState::config_text`] right away.
    ///
    /// `seed` seeds every random choice this node makes (ids, gossip targets), so a run is
    /// replayable; `now` is the Unix time in milliseconds.
    pub fn new(config: GossipConfig, seed: u64, now: u64) -> ClusterState {
        let mut rng = SmallRng::seed_from_u64(seed);
        let id = NodeId::random(&mut rng);
        let mut state = ClusterState::empty(config, rng, id, now);
        state.log(
            LogLevel::Notice,
            format!("No cluster configuration found, I'm {id}"),
        );
        state
    }

    /// A state with only `myself` in it.
    fn empty(config: GossipConfig, mut rng: SmallRng, id: NodeId, now: u64) -> ClusterState {
        let mut me = ClusterNode::new(id, NodeFlags::MYSELF | NodeFlags::MASTER, now);
        me.shard_id = Some(NodeId::random(&mut rng));
        let mut nodes = BTreeMap::new();
        nodes.insert(id, me);
        let mut state = ClusterState {
            config,
            myself: id,
            nodes,
            owners: SlotTable::new(),
            migrating_to: BTreeMap::new(),
            importing_from: BTreeMap::new(),
            current_epoch: 0,
            last_vote_epoch: 0,
            ok: false,
            size: 1,
            links: BTreeMap::new(),
            next_link: 1,
            blacklist: BTreeMap::new(),
            rng,
            cron_iterations: 0,
            pings_built: 0,
            pfail_nodes: 0,
            first_state_update: None,
            among_minority_since: 0,
            repl_offset: 0,
            todo: Todo::default(),
            actions: Vec::new(),
        };
        state.apply_config_to_myself();
        state
    }

    /// Applies changed settings (CONFIG SET of a `cluster-*` directive).
    pub fn reconfigure(&mut self, config: GossipConfig) -> Vec<Action> {
        self.config = config;
        self.apply_config_to_myself();
        self.finish()
    }

    /// Copies the announced address and the nofailover setting into this node's entry.
    fn apply_config_to_myself(&mut self) {
        let config = self.config.clone();
        let me = self.me_mut();
        me.port = config.port;
        me.cport = config.cport;
        me.tls_port = config.tls_port;
        me.hostname = config.hostname.clone();
        if let Some(ip) = config.announce_ip.filter(|ip| !ip.is_empty()) {
            me.ip = ip;
        }
        if config.replica_no_failover {
            me.flags.insert(NodeFlags::NOFAILOVER);
        } else {
            me.flags.remove(NodeFlags::NOFAILOVER);
        }
    }

    /// Records this node's replication offset, announced in every message header.
    pub fn set_replication_offset(&mut self, offset: u64) {
        self.repl_offset = offset;
        self.me_mut().repl_offset = offset;
    }

    // ---- read access -------------------------------------------------------------------

    /// The settings in use.
    pub fn config(&self) -> &GossipConfig {
        &self.config
    }

    /// This node's id.
    pub fn my_id(&self) -> NodeId {
        self.myself
    }

    /// This node's entry.
    pub fn myself(&self) -> &ClusterNode {
        // The myself entry is inserted at construction and never removed (a hard reset
        // re-inserts it under the new id).
        &self.nodes[&self.myself]
    }

    /// A node by id.
    pub fn node(&self, id: &NodeId) -> Option<&ClusterNode> {
        self.nodes.get(id)
    }

    /// A node by id given as text (as in a command argument).
    pub fn lookup(&self, id: &[u8]) -> Option<&ClusterNode> {
        NodeId::parse(id).and_then(|id| self.nodes.get(&id))
    }

    /// Every known node (this one included), ordered by id.
    pub fn nodes(&self) -> impl Iterator<Item = &ClusterNode> {
        self.nodes.values()
    }

    /// Number of known nodes (`cluster_known_nodes`).
    pub fn known_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// The replicas of `primary`, as the node table says.
    pub fn replicas_of(&self, primary: &NodeId) -> impl Iterator<Item = &ClusterNode> {
        let primary = *primary;
        self.nodes
            .values()
            .filter(move |n| n.is_replica() && n.primary == Some(primary))
    }

    /// The owner of every slot.
    pub fn slot_owners(&self) -> &SlotTable<NodeId> {
        &self.owners
    }

    /// The owner of `slot`.
    pub fn slot_owner(&self, slot: Slot) -> Option<NodeId> {
        self.owners.get(slot)
    }

    /// Where `slot` is migrating to (CLUSTER SETSLOT MIGRATING), on this node.
    pub fn migrating_to(&self, slot: Slot) -> Option<NodeId> {
        self.migrating_to.get(&slot).copied()
    }

    /// Where `slot` is imported from (CLUSTER SETSLOT IMPORTING), on this node.
    pub fn importing_from(&self, slot: Slot) -> Option<NodeId> {
        self.importing_from.get(&slot).copied()
    }

    /// `cluster_current_epoch`.
    pub fn current_epoch(&self) -> u64 {
        self.current_epoch
    }

    /// The epoch of this node's last vote (persisted in nodes.conf).
    pub fn last_vote_epoch(&self) -> u64 {
        self.last_vote_epoch
    }

    /// `cluster_my_epoch`: this node's configEpoch, or its primary's for a replica.
    pub fn my_epoch(&self) -> u64 {
        let me = self.myself();
        me.primary
            .filter(|_| me.is_replica())
            .and_then(|p| self.nodes.get(&p))
            .map_or(me.config_epoch, |p| p.config_epoch)
    }

    /// `cluster_state:ok`?
    pub fn is_ok(&self) -> bool {
        self.ok
    }

    /// `cluster_size`: primaries with at least one slot, as of the last state evaluation.
    pub fn size(&self) -> usize {
        self.size
    }

    /// CLUSTER INFO's slot counters.
    pub fn slot_stats(&self) -> SlotStats {
        let mut stats = SlotStats::default();
        for (range, owner) in self.owners.runs() {
            let count = range.len();
            stats.assigned += count;
            match self.nodes.get(&owner) {
                Some(n) if n.failed() => stats.fail += count,
                Some(n) if n.timed_out() => stats.pfail += count,
                _ => stats.ok += count,
            }
        }
        stats
    }

    // ---- internal helpers shared by the rule modules ---------------------------------

    fn me_mut(&mut self) -> &mut ClusterNode {
        self.nodes
            .get_mut(&self.myself)
            .unwrap_or_else(|| unreachable!("myself is always in the node table"))
    }

    /// This node is a primary.
    fn i_am_primary(&self) -> bool {
        self.myself().is_primary()
    }

    fn log(&mut self, level: LogLevel, text: String) {
        self.actions.push(Action::Log { level, text });
    }

    fn save_config(&mut self, fsync: bool) {
        self.todo.save_config = true;
        self.todo.fsync_config |= fsync;
    }

    fn update_state_later(&mut self) {
        self.todo.update_state = true;
    }

    /// Ends an input: evaluates the cluster state and persists the config if asked (Redis
    /// `clusterBeforeSleep`), and hands the actions over.
    fn finish_at(&mut self, now: u64) -> Vec<Action> {
        let todo = std::mem::take(&mut self.todo);
        if todo.update_state {
            self.update_state(now);
        }
        if todo.save_config {
            self.actions.push(Action::PersistConfig {
                fsync: todo.fsync_config,
            });
        }
        std::mem::take(&mut self.actions)
    }

    /// [`Self::finish_at`] for inputs that have no time (none of them sets `update_state`
    /// without one); a pending state update waits for the next timed input.
    fn finish(&mut self) -> Vec<Action> {
        let todo = std::mem::take(&mut self.todo);
        self.todo.update_state = todo.update_state;
        if todo.save_config {
            self.actions.push(Action::PersistConfig {
                fsync: todo.fsync_config,
            });
        }
        std::mem::take(&mut self.actions)
    }

    /// Adds a node to the table (Redis `clusterAddNode`).
    fn add_node(&mut self, node: ClusterNode) {
        self.nodes.insert(node.id, node);
    }

    /// Removes a node: unassigns its slots, drops the failure reports it made, forgets it as
    /// a primary of its replicas, closes its links (Redis `clusterDelNode`).
    fn delete_node(&mut self, id: NodeId) {
        let owned: Vec<Slot> = self
            .nodes
            .get(&id)
            .map(|n| n.slots.iter().collect())
            .unwrap_or_default();
        for slot in owned {
            self.del_slot(slot);
        }
        self.importing_from.retain(|_, n| *n != id);
        self.migrating_to.retain(|_, n| *n != id);
        for node in self.nodes.values_mut() {
            node.fail_reports.retain(|r| r.reporter != id);
            if node.primary == Some(id) && node.id != id {
                node.primary = None;
            }
        }
        if let Some(node) = self.nodes.remove(&id) {
            for link in [node.link, node.inbound_link].into_iter().flatten() {
                self.drop_link(link, true);
            }
        }
    }

    /// Gives a handshake node its real id (Redis `clusterRenameNode`).
    fn rename_node(&mut self, old: NodeId, new: NodeId) {
        if let Some(mut node) = self.nodes.remove(&old) {
            node.id = new;
            for link in [node.link, node.inbound_link].into_iter().flatten() {
                if let Some(l) = self.links.get_mut(&link) {
                    l.node = Some(new);
                }
            }
            self.nodes.insert(new, node);
        }
    }

    /// Assigns an unassigned slot to `owner` (Redis `clusterAddSlot`); false if it had one.
    fn add_slot(&mut self, owner: NodeId, slot: Slot) -> bool {
        if self.owners.get(slot).is_some() {
            return false;
        }
        if let Some(node) = self.nodes.get_mut(&owner) {
            node.slots.insert(slot);
            self.owners.set(slot, Some(owner));
            true
        } else {
            false
        }
    }

    /// Unassigns a slot (Redis `clusterDelSlot`); false if it had no owner.
    fn del_slot(&mut self, slot: Slot) -> bool {
        match self.owners.set(slot, None) {
            Some(owner) => {
                if let Some(node) = self.nodes.get_mut(&owner) {
                    node.slots.remove(slot);
                }
                true
            }
            None => false,
        }
    }

    /// Unassigns every slot of `id` (Redis `clusterDelNodeSlots`).
    fn del_node_slots(&mut self, id: NodeId) {
        let owned: Vec<Slot> = self
            .nodes
            .get(&id)
            .map(|n| n.slots.iter().collect())
            .unwrap_or_default();
        for slot in owned {
            self.del_slot(slot);
        }
    }

    /// The greatest configEpoch known, or currentEpoch if greater (Redis `clusterGetMaxEpoch`).
    fn max_epoch(&self) -> u64 {
        self.nodes
            .values()
            .map(|n| n.config_epoch)
            .max()
            .unwrap_or(0)
            .max(self.current_epoch)
    }

    /// Picks a random index in `0..len` (`len > 0`).
    fn random_index(&mut self, len: usize) -> usize {
        use rand::Rng;
        self.rng.random_range(0..len)
    }
}

/// CLUSTER INFO's slot counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlotStats {
    /// `cluster_slots_assigned`.
    pub assigned: usize,
    /// `cluster_slots_ok`.
    pub ok: usize,
    /// `cluster_slots_pfail`.
    pub pfail: usize,
    /// `cluster_slots_fail`.
    pub fail: usize,
}

#[cfg(test)]
mod tests;
