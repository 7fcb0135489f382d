//! A deterministic cluster simulator: many [`ClusterState`]s in one thread over an in-memory
//! network with a fake clock, message delay and loss, partitions, crashes and restarts. One
//! seed decides everything (delays, losses, tick phases, and each node's own seed), so a
//! failing run replays exactly.
//!
//! The network behaves as TCP does for the state machine: a link delivers its messages in
//! order, a connection to a crashed node is refused and its open links are closed. Packet loss
//! costs retransmissions: each lost transmission of a message delays it (and, the link being
//! FIFO, everything behind it) by a retransmission timeout that doubles each time, and after
//! [`MAX_RETRANSMISSIONS`] losses in a row the connection is reset. A partition drops
//! everything between the sides and makes connection attempts across it fail, while links
//! stay open, as with silent packet loss.
//!
//! Built for this crate's tests and, with the `sim` feature, for other crates (the bus bytes
//! per node are measured over it with real encodings via [`Sim::set_message_size`]).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use slot_map::{SLOT_COUNT, Slot, SlotRange};

use crate::{Action, ClusterState, GossipConfig, LinkId, Message, MessageType, NodeId};

/// The Unix time the simulated clock starts at, ms (any realistic value works).
pub const SIM_START_MS: u64 = 1_700_000_000_000;

/// First retransmission timeout, ms (Linux's minimum RTO).
pub const FIRST_RTO_MS: u64 = 200;
/// Lost transmissions of one message after which the connection is reset.
pub const MAX_RETRANSMISSIONS: u32 = 6;

/// The network's behaviour.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Shortest delivery delay, ms.
    pub min_delay: u64,
    /// Longest delivery delay, ms.
    pub max_delay: u64,
    /// Probability that one transmission of a message is lost (and retransmitted).
    pub loss: f64,
    /// How long a connection attempt to an unreachable node takes to fail, ms.
    pub connect_timeout: u64,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            min_delay: 1,
            max_delay: 20,
            loss: 0.0,
            connect_timeout: 500,
        }
    }
}

/// What happens next, at a time.
#[derive(Debug)]
enum Event {
    Tick(usize),
    Connected {
        from: usize,
        link: LinkId,
        to: usize,
    },
    ConnectFailed {
        from: usize,
        link: LinkId,
    },
    Deliver {
        to: usize,
        link: LinkId,
        message: Box<Message>,
    },
    Closed {
        node: usize,
        link: LinkId,
    },
}

/// One simulated node.
struct SimNode {
    state: ClusterState,
    config: GossipConfig,
    ip: String,
    alive: bool,
    /// Incremented at every restart: events for an older incarnation are dropped.
    incarnation: u64,
    /// The last nodes.conf written.
    nodes_conf: Option<String>,
}

/// The far end of one of a node's links.
#[derive(Clone, Copy, Debug)]
struct Peer {
    node: usize,
    link: LinkId,
}

/// Counters of what went over the network.
#[derive(Clone, Debug, Default)]
pub struct NetStats {
    /// Messages handed to the network, by type.
    pub sent: BTreeMap<MessageType, u64>,
    /// Messages delivered, by type.
    pub delivered: BTreeMap<MessageType, u64>,
    /// Bytes handed to the network, per sending node (as measured by the size function).
    pub bytes_sent: Vec<u64>,
}

/// Measures a message in bytes.
type MessageSize = Box<dyn Fn(&Message) -> usize>;

/// The simulator.
pub struct Sim {
    now: u64,
    seq: u64,
    rng: SmallRng,
    net: NetConfig,
    nodes: Vec<SimNode>,
    events: BinaryHeap<Reverse<(u64, u64, usize)>>,
    payloads: BTreeMap<usize, (u64, Event)>,
    /// (node, its link) -> the other end, for connected links.
    peers: BTreeMap<(usize, LinkId), Peer>,
    /// Messages sent on links that are still connecting.
    #[allow(clippy::vec_box)] // the boxes come from Action::Send and go on to Event::Deliver
    pending: BTreeMap<(usize, LinkId), Vec<Box<Message>>>,
    /// Last delivery time per (receiver, link), to keep links FIFO.
    last_delivery: BTreeMap<(usize, LinkId), u64>,
    /// Partition group of each node: nodes talk only within a group.
    groups: Vec<u32>,
    /// Pairs of nodes that cannot talk to each other (smaller index first).
    cut: std::collections::BTreeSet<(usize, usize)>,
    stats: NetStats,
    message_size: Option<MessageSize>,
    next_payload: usize,
}

impl Sim {
    /// `count` fresh nodes with `config` (ports are taken from it and made unique per node),
    /// all derived from `seed`.
    pub fn new(seed: u64, count: usize, config: &GossipConfig, net: NetConfig) -> Sim {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut sim = Sim {
            now: SIM_START_MS,
            seq: 0,
            rng: SmallRng::seed_from_u64(0),
            net,
            nodes: Vec::new(),
            events: BinaryHeap::new(),
            payloads: BTreeMap::new(),
            peers: BTreeMap::new(),
            pending: BTreeMap::new(),
            last_delivery: BTreeMap::new(),
            groups: vec![0; count],
            cut: std::collections::BTreeSet::new(),
            stats: NetStats {
                bytes_sent: vec![0; count],
                ..NetStats::default()
            },
            message_size: None,
            next_payload: 0,
        };
        for index in 0..count {
            let mut config = config.clone();
            config.port = 7000 + index as u16;
            config.cport = config.port + 10_000;
            let state = ClusterState::new(config.clone(), rng.random(), sim.now);
            sim.nodes.push(SimNode {
                state,
                config,
                ip: format!("10.0.{}.{}", index / 250, index % 250 + 1),
                alive: true,
                incarnation: 0,
                nodes_conf: None,
            });
            let phase = rng.random_range(0..crate::TICK_INTERVAL_MS);
            sim.schedule(phase, Event::Tick(index));
        }
        sim.rng = SmallRng::seed_from_u64(rng.random());
        sim
    }

    /// Measures each sent message with `size` (e.g. its encoded length) for
    /// [`NetStats::bytes_sent`].
    pub fn set_message_size(&mut self, size: impl Fn(&Message) -> usize + 'static) {
        self.message_size = Some(Box::new(size));
    }

    /// The simulated time, Unix ms.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Node `index`'s state machine.
    pub fn state(&self, index: usize) -> &ClusterState {
        &self.nodes[index].state
    }

    /// Node `index`'s id.
    pub fn id(&self, index: usize) -> NodeId {
        self.nodes[index].state.my_id()
    }

    /// Whether node `index` runs.
    pub fn is_alive(&self, index: usize) -> bool {
        self.nodes[index].alive
    }

    /// Network counters so far.
    pub fn stats(&self) -> &NetStats {
        &self.stats
    }

    /// Resets the network counters.
    pub fn reset_stats(&mut self) {
        self.stats = NetStats {
            bytes_sent: vec![0; self.nodes.len()],
            ..NetStats::default()
        };
    }

    /// Changes the message loss probability.
    pub fn set_loss(&mut self, loss: f64) {
        self.net.loss = loss;
    }

    /// Node `index`'s last written nodes.conf.
    pub fn nodes_conf(&self, index: usize) -> Option<&str> {
        self.nodes[index].nodes_conf.as_deref()
    }

    // ---- operator commands ---------------------------------------------------------------

    /// CLUSTER MEET from `from` to `to`'s address.
    pub fn meet(&mut self, from: usize, to: usize) {
        let (ip, port, cport) = {
            let node = &self.nodes[to];
            (node.ip.clone(), node.config.port, node.config.cport)
        };
        let now = self.now;
        let result = self.nodes[from]
            .state
            .meet(now, &ip, i64::from(port), i64::from(cport));
        if let Ok(actions) = result {
            self.execute(from, actions);
        }
    }

    /// CLUSTER ADDSLOTSRANGE on node `index`.
    pub fn add_slots(&mut self, index: usize, start: Slot, end: Slot) {
        let now = self.now;
        if let Ok(actions) = self.nodes[index]
            .state
            .add_slots(now, &[SlotRange { start, end }])
        {
            self.execute(index, actions);
        }
    }

    /// CLUSTER DELSLOTSRANGE on node `index` (only the slots it knows an owner for).
    pub fn del_slots(&mut self, index: usize, start: Slot, end: Slot) {
        let now = self.now;
        let owned: Vec<SlotRange> = (start..=end)
            .filter(|s| self.nodes[index].state.slot_owner(*s).is_some())
            .map(SlotRange::single)
            .collect();
        if let Ok(actions) = self.nodes[index].state.del_slots(now, &owned) {
            self.execute(index, actions);
        }
    }

    /// CLUSTER SET-CONFIG-EPOCH on node `index`.
    pub fn set_config_epoch(&mut self, index: usize, epoch: u64) {
        let now = self.now;
        if let Ok(actions) = self.nodes[index].state.set_config_epoch(now, epoch) {
            self.execute(index, actions);
        }
    }

    /// CLUSTER BUMPEPOCH on node `index`.
    pub fn bump_epoch(&mut self, index: usize) {
        let now = self.now;
        let (_, actions) = self.nodes[index].state.bump_epoch(now);
        self.execute(index, actions);
    }

    /// Splits `masters` nodes' worth of slots as `redis-cli --cluster create` does
    /// (contiguous ranges, the remainder spread) and gives node `i` range `i`.
    pub fn assign_slots_evenly(&mut self, masters: usize) {
        for (index, range) in even_ranges(masters).into_iter().enumerate() {
            self.add_slots(index, range.start, range.end);
        }
    }

    // ---- faults --------------------------------------------------------------------------

    /// Crashes node `index`: its links close (the kernel resets them) and connections to it
    /// are refused until [`Sim::restart`].
    pub fn kill(&mut self, index: usize) {
        self.nodes[index].alive = false;
        let links: Vec<(usize, LinkId)> = self
            .peers
            .keys()
            .copied()
            .filter(|(node, _)| *node == index)
            .collect();
        for key in links {
            if let Some(peer) = self.peers.remove(&key) {
                self.peers.remove(&(peer.node, peer.link));
                let delay = self.delay();
                self.schedule(
                    delay,
                    Event::Closed {
                        node: peer.node,
                        link: peer.link,
                    },
                );
            }
        }
        self.pending.retain(|(node, _), _| *node != index);
    }

    /// Restarts a crashed node from its last nodes.conf (or as a new node without one).
    pub fn restart(&mut self, index: usize) {
        let seed = self.rng.random();
        let now = self.now;
        let node = &mut self.nodes[index];
        node.state = match node.nodes_conf.as_deref() {
            Some(text) => ClusterState::from_nodes_conf(text, node.config.clone(), seed, now)
                .unwrap_or_else(|e| panic!("node {index} cannot reload its nodes.conf: {e}")),
            None => ClusterState::new(node.config.clone(), seed, now),
        };
        node.alive = true;
        node.incarnation += 1;
        let phase = self.rng.random_range(0..crate::TICK_INTERVAL_MS);
        self.schedule(phase, Event::Tick(index));
    }

    /// Splits the network: `side` on one side, everyone else on the other.
    pub fn partition(&mut self, side: &[usize]) {
        for (index, group) in self.groups.iter_mut().enumerate() {
            *group = u32::from(side.contains(&index));
        }
    }

    /// Cuts the network between `a` and `b` only.
    pub fn cut(&mut self, a: usize, b: usize) {
        self.cut.insert((a.min(b), a.max(b)));
    }

    /// Heals every partition and cut.
    pub fn heal(&mut self) {
        self.groups.iter_mut().for_each(|g| *g = 0);
        self.cut.clear();
    }

    fn reachable(&self, a: usize, b: usize) -> bool {
        self.nodes[b].alive
            && self.groups[a] == self.groups[b]
            && !self.cut.contains(&(a.min(b), a.max(b)))
    }

    // ---- running -------------------------------------------------------------------------

    /// Runs for `duration` ms of simulated time.
    pub fn run_for(&mut self, duration: u64) {
        let end = self.now + duration;
        while let Some(Reverse((time, _, _))) = self.events.peek() {
            if *time > end {
                break;
            }
            self.step();
        }
        self.now = end;
    }

    /// Runs until `done` holds (checked every 100 ms of simulated time) or `timeout` ms
    /// passed; returns whether it held.
    pub fn run_until(&mut self, timeout: u64, mut done: impl FnMut(&Sim) -> bool) -> bool {
        let end = self.now + timeout;
        while self.now < end {
            if done(self) {
                return true;
            }
            self.run_for(100);
        }
        done(self)
    }

    fn delay(&mut self) -> u64 {
        self.rng
            .random_range(self.net.min_delay..=self.net.max_delay)
    }

    fn schedule(&mut self, after: u64, event: Event) {
        let id = self.next_payload;
        self.next_payload += 1;
        let incarnation = match &event {
            Event::Tick(n) | Event::Closed { node: n, .. } | Event::Deliver { to: n, .. } => {
                self.nodes[*n].incarnation
            }
            Event::Connected { from, .. } | Event::ConnectFailed { from, .. } => {
                self.nodes[*from].incarnation
            }
        };
        self.payloads.insert(id, (incarnation, event));
        self.seq += 1;
        self.events.push(Reverse((self.now + after, self.seq, id)));
    }

    fn step(&mut self) {
        let Some(Reverse((time, _, id))) = self.events.pop() else {
            return;
        };
        let Some((incarnation, event)) = self.payloads.remove(&id) else {
            return;
        };
        self.now = time;
        let now = self.now;
        let current =
            |sim: &Sim, n: usize| sim.nodes[n].alive && sim.nodes[n].incarnation == incarnation;
        match event {
            Event::Tick(n) => {
                if current(self, n) {
                    let actions = self.nodes[n].state.tick(now);
                    self.execute(n, actions);
                    self.schedule(crate::TICK_INTERVAL_MS, Event::Tick(n));
                }
            }
            Event::Connected { from, link, to } => {
                if !current(self, from) {
                    return;
                }
                if !self.reachable(from, to) {
                    let actions = self.nodes[from].state.on_link_closed(now, link);
                    self.execute(from, actions);
                    return;
                }
                let (from_ip, to_ip) = (self.nodes[from].ip.clone(), self.nodes[to].ip.clone());
                let accepted = self.nodes[to].state.accept_link(now, &from_ip, &to_ip);
                self.peers.insert(
                    (from, link),
                    Peer {
                        node: to,
                        link: accepted,
                    },
                );
                self.peers.insert((to, accepted), Peer { node: from, link });
                let actions = self.nodes[from].state.on_link_connected(now, link);
                self.execute(from, actions);
                for message in self.pending.remove(&(from, link)).unwrap_or_default() {
                    self.transmit(from, link, message);
                }
            }
            Event::ConnectFailed { from, link } => {
                self.pending.remove(&(from, link));
                if current(self, from) {
                    let actions = self.nodes[from].state.on_link_closed(now, link);
                    self.execute(from, actions);
                }
            }
            Event::Deliver { to, link, message } => {
                if current(self, to) && self.peers.contains_key(&(to, link)) {
                    *self
                        .stats
                        .delivered
                        .entry(message.message_type())
                        .or_default() += 1;
                    let actions = self.nodes[to].state.on_message(now, link, *message);
                    self.execute(to, actions);
                }
            }
            Event::Closed { node, link } => {
                if current(self, node) {
                    self.last_delivery.remove(&(node, link));
                    let actions = self.nodes[node].state.on_link_closed(now, link);
                    self.execute(node, actions);
                }
            }
        }
    }

    /// Carries out what node `n` asked for.
    fn execute(&mut self, n: usize, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Connect {
                    link, ip, cport, ..
                } => {
                    let target = self
                        .nodes
                        .iter()
                        .position(|node| node.ip == ip && node.config.cport == cport);
                    match target {
                        Some(to) if self.reachable(n, to) => {
                            let delay = self.delay();
                            self.pending.insert((n, link), Vec::new());
                            self.schedule(delay, Event::Connected { from: n, link, to });
                        }
                        Some(_) => {
                            let timeout = self.net.connect_timeout;
                            self.schedule(timeout, Event::ConnectFailed { from: n, link });
                        }
                        None => {
                            let delay = self.delay();
                            self.schedule(delay, Event::ConnectFailed { from: n, link });
                        }
                    }
                }
                Action::Send { link, message } => {
                    *self.stats.sent.entry(message.message_type()).or_default() += 1;
                    if let Some(size) = &self.message_size {
                        self.stats.bytes_sent[n] += size(&message) as u64;
                    }
                    if let Some(queue) = self.pending.get_mut(&(n, link)) {
                        queue.push(message);
                    } else {
                        self.transmit(n, link, message);
                    }
                }
                Action::CloseLink { link } => {
                    self.pending.remove(&(n, link));
                    if let Some(peer) = self.peers.remove(&(n, link)) {
                        self.peers.remove(&(peer.node, peer.link));
                        let delay = self.delay();
                        self.schedule(
                            delay,
                            Event::Closed {
                                node: peer.node,
                                link: peer.link,
                            },
                        );
                    }
                }
                Action::PersistConfig { .. } => {
                    self.nodes[n].nodes_conf = Some(self.nodes[n].state.config_text());
                }
                Action::ClusterStateChanged { .. }
                | Action::PrimaryChanged { .. }
                | Action::DeleteKeysInSlots { .. }
                | Action::Deliver { .. }
                | Action::Log { .. } => {}
            }
        }
    }

    /// Puts a message of node `n` on the wire of its connected `link`.
    fn transmit(&mut self, n: usize, link: LinkId, message: Box<Message>) {
        let Some(peer) = self.peers.get(&(n, link)).copied() else {
            return;
        };
        if !self.reachable(n, peer.node) {
            return;
        }
        let mut delay = self.delay();
        let mut rto = FIRST_RTO_MS;
        let mut losses = 0;
        while self.rng.random_bool(self.net.loss) {
            losses += 1;
            if losses > MAX_RETRANSMISSIONS {
                // TCP gives up: both ends see the connection reset.
                self.execute(n, vec![Action::CloseLink { link }]);
                let actions = self.nodes[n].state.on_link_closed(self.now, link);
                self.execute(n, actions);
                return;
            }
            delay += rto;
            rto *= 2;
        }
        let key = (peer.node, peer.link);
        let at = (self.now + delay).max(self.last_delivery.get(&key).copied().unwrap_or(0));
        self.last_delivery.insert(key, at);
        self.schedule(
            at - self.now,
            Event::Deliver {
                to: peer.node,
                link: peer.link,
                message,
            },
        );
    }

    // ---- views ---------------------------------------------------------------------------

    /// The live nodes.
    pub fn alive(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(|&i| self.nodes[i].alive)
    }

    /// Whether every live node knows every live node by its real id, has no handshake left,
    /// flags none of them failing, and all render the same slot tokens (redis-cli's
    /// "All nodes agree about slots configuration").
    pub fn converged(&self) -> bool {
        let alive: Vec<usize> = self.alive().collect();
        let ids: Vec<NodeId> = alive.iter().map(|&i| self.id(i)).collect();
        let failing = crate::NodeFlags::PFAIL | crate::NodeFlags::FAIL;
        let views_agree = alive.iter().all(|&i| {
            let state = self.state(i);
            ids.iter()
                .all(|id| state.node(id).is_some_and(|n| !n.flags.intersects(failing)))
                && state.nodes().all(|n| !n.in_handshake())
        });
        // Rendering is the costly part: only once the cheap checks pass.
        views_agree && {
            let first = alive.first().map(|&i| self.signature(i));
            alive
                .iter()
                .skip(1)
                .all(|&i| Some(self.signature(i)) == first)
        }
    }

    /// redis-cli's configuration signature of node `index`'s CLUSTER NODES: for every line
    /// with slots, `id:` and its slot tokens sorted, the entries sorted and joined with `|`.
    pub fn signature(&self, index: usize) -> String {
        cli_signature(&self.state(index).nodes_text())
    }

    /// Whether every live node reports `cluster_state:ok`.
    pub fn all_ok(&self) -> bool {
        self.alive().all(|i| self.state(i).is_ok())
    }
}

/// `redis-cli --cluster`'s `clusterManagerGetConfigSignature` over a CLUSTER NODES text.
pub fn cli_signature(nodes_text: &str) -> String {
    let mut entries: Vec<String> = nodes_text
        .split('\n')
        .filter_map(|line| {
            let tokens: Vec<&str> = line.split(' ').collect();
            if tokens.len() < 9 {
                return None;
            }
            let mut slots: Vec<&str> = tokens[8..]
                .iter()
                .copied()
                .filter(|t| !t.starts_with('['))
                .collect();
            slots.sort_unstable();
            Some(format!("{}:{}", tokens[0], slots.join(",")))
        })
        .collect();
    entries.sort_unstable();
    entries.join("|")
}

/// redis-cli's slot split for `masters` primaries: contiguous ranges, the remainder spread.
pub fn even_ranges(masters: usize) -> Vec<SlotRange> {
    let per = SLOT_COUNT as f64 / masters as f64;
    let mut first = 0usize;
    let mut cursor = 0.0f64;
    (0..masters)
        .map(|i| {
            let mut last = (cursor + per - 1.0).round() as usize;
            if last > SLOT_COUNT - 1 || i == masters - 1 {
                last = SLOT_COUNT - 1;
            }
            let range = SlotRange {
                start: first as Slot,
                end: last as Slot,
            };
            first = last + 1;
            cursor += per;
            range
        })
        .collect()
}

#[cfg(test)]
mod tests;
