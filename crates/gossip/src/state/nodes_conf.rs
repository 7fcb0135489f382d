//! The text form of the node table: CLUSTER NODES lines and nodes.conf, exactly as Redis 7.0
//! writes them (`clusterGenNodeDescription`), and the nodes.conf reader (`clusterLoadConfig`).
//!
//! Slot ranges come from the slot table, coalesced the same way for every node (`N` for a
//! single slot, `a-b` otherwise), so every node renders a given configuration with identical
//! tokens — redis-cli compares them across nodes.

use std::collections::BTreeMap;
use std::fmt::Write;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use slot_map::{SLOT_COUNT, Slot, SlotRange, SlotTable};

use super::ClusterState;
use crate::{ClusterNode, GossipConfig, GossipError, LogLevel, NodeFlags, NodeId};

impl ClusterState {
    /// The CLUSTER NODES reply: one line per known node (handshakes included), each ending
    /// in `\n`, ordered by id.
    pub fn nodes_text(&self) -> String {
        self.render(false)
    }

    /// The nodes.conf contents: the CLUSTER NODES lines without nodes in handshake, then
    /// `vars currentEpoch N lastVoteEpoch M`.
    pub fn config_text(&self) -> String {
        let mut text = self.render(true);
        let _ = writeln!(
            text,
            "vars currentEpoch {} lastVoteEpoch {}",
            self.current_epoch, self.last_vote_epoch
        );
        text
    }

    /// The CLUSTER NODES line of one node, with its `\n`.
    pub fn node_line(&self, id: &NodeId) -> Option<String> {
        let node = self.nodes.get(id)?;
        let ranges: Vec<SlotRange> = self
            .owners
            .runs()
            .filter(|(_, owner)| owner == id)
            .map(|(range, _)| range)
            .collect();
        let mut line = String::new();
        self.write_line(&mut line, node, &ranges);
        Some(line)
    }

    fn render(&self, skip_handshake: bool) -> String {
        let mut ranges: BTreeMap<NodeId, Vec<SlotRange>> = BTreeMap::new();
        for (range, owner) in self.owners.runs() {
            ranges.entry(owner).or_default().push(range);
        }
        let mut text = String::new();
        for node in self.nodes.values() {
            if skip_handshake && node.in_handshake() {
                continue;
            }
            let node_ranges = ranges.get(&node.id).map_or(&[][..], Vec::as_slice);
            self.write_line(&mut text, node, node_ranges);
        }
        text
    }

    fn write_line(&self, out: &mut String, node: &ClusterNode, ranges: &[SlotRange]) {
        let _ = write!(out, "{} {}:{}@{}", node.id, node.ip, node.port, node.cport);
        if !node.hostname.is_empty() {
            let _ = write!(out, ",{}", node.hostname);
        }
        let primary = node.primary.map(|p| p.to_string());
        let epoch = node
            .primary
            .filter(|_| node.is_replica())
            .and_then(|p| self.nodes.get(&p))
            .map_or(node.config_epoch, |p| p.config_epoch);
        let connected = node.link.is_some() || node.flags.contains(NodeFlags::MYSELF);
        let _ = write!(
            out,
            " {} {} {} {} {epoch} {}",
            node.flags,
            primary.as_deref().unwrap_or("-"),
            node.ping_sent,
            node.pong_received,
            if connected {
                "connected"
            } else {
                "disconnected"
            }
        );
        for range in ranges {
            let _ = write!(out, " {range}");
        }
        if node.id == self.myself {
            // One entry per open slot, ascending; migrating wins over importing.
            let open: std::collections::BTreeSet<Slot> = self
                .migrating_to
                .keys()
                .chain(self.importing_from.keys())
                .copied()
                .collect();
            for slot in open {
                if let Some(to) = self.migrating_to.get(&slot) {
                    let _ = write!(out, " [{slot}->-{to}]");
                } else if let Some(from) = self.importing_from.get(&slot) {
                    let _ = write!(out, " [{slot}-<-{from}]");
                }
            }
        }
        out.push('\n');
    }

    /// Loads a nodes.conf: this node keeps its id, epochs, slots and everything it knew of the
    /// other nodes (their links are opened by the first ticks). A node that was waiting for a
    /// PONG (or had received one) gets `now` as that time, as Redis does.
    pub fn from_nodes_conf(
        text: &str,
        config: GossipConfig,
        seed: u64,
        now: u64,
    ) -> Result<ClusterState, GossipError> {
        let parsed = parse(text, now)?;
        let myself = parsed.myself.ok_or(corrupt(0, "no myself line"))?;
        let rng = SmallRng::seed_from_u64(seed);
        let mut state = ClusterState::empty(config, rng, myself, now);
        let shard_id = state.myself().shard_id;
        state.nodes = parsed.nodes;
        state.owners = parsed.owners;
        state.migrating_to = parsed.migrating_to;
        state.importing_from = parsed.importing_from;
        state.last_vote_epoch = parsed.last_vote_epoch;
        state.current_epoch = parsed.current_epoch;
        state.current_epoch = state.max_epoch();
        state.me_mut().shard_id = shard_id;
        state.apply_config_to_myself();
        for name in parsed.unknown_vars {
            state.log(
                LogLevel::Warning,
                format!("Skipping unknown cluster config variable '{name}'"),
            );
        }
        let id = state.myself;
        state.log(
            LogLevel::Notice,
            format!("Node configuration loaded, I'm {id}"),
        );
        Ok(state)
    }
}

/// What a nodes.conf holds.
struct Parsed {
    myself: Option<NodeId>,
    nodes: BTreeMap<NodeId, ClusterNode>,
    owners: SlotTable<NodeId>,
    migrating_to: BTreeMap<Slot, NodeId>,
    importing_from: BTreeMap<Slot, NodeId>,
    current_epoch: u64,
    last_vote_epoch: u64,
    unknown_vars: Vec<String>,
}

fn corrupt(line: usize, reason: &'static str) -> GossipError {
    GossipError::CorruptConfig { line, reason }
}

/// C's `strtoull`/`atoi` as Redis uses them here: leading digits, 0 when there are none.
fn leading_number(text: &str) -> u64 {
    text.bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u64, |n, d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        })
}

fn parse_slot_number(text: &str, line: usize) -> Result<Slot, GossipError> {
    text.parse::<Slot>()
        .ok()
        .filter(|s| usize::from(*s) < SLOT_COUNT)
        .ok_or(corrupt(line, "slot out of range"))
}

fn parse(text: &str, now: u64) -> Result<Parsed, GossipError> {
    let mut parsed = Parsed {
        myself: None,
        nodes: BTreeMap::new(),
        owners: SlotTable::new(),
        migrating_to: BTreeMap::new(),
        importing_from: BTreeMap::new(),
        current_epoch: 0,
        last_vote_epoch: 0,
        unknown_vars: Vec::new(),
    };
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let argv: Vec<&str> = line.split_ascii_whitespace().collect();
        let Some(first) = argv.first() else {
            continue;
        };
        if first.eq_ignore_ascii_case("vars") {
            if argv.len().is_multiple_of(2) {
                return Err(corrupt(number, "vars without a value"));
            }
            for pair in argv[1..].chunks(2) {
                let (name, value) = (pair[0], pair[1]);
                if name.eq_ignore_ascii_case("currentEpoch") {
                    parsed.current_epoch = leading_number(value);
                } else if name.eq_ignore_ascii_case("lastVoteEpoch") {
                    parsed.last_vote_epoch = leading_number(value);
                } else {
                    parsed.unknown_vars.push(name.to_string());
                }
            }
            continue;
        }
        if argv.len() < 8 {
            return Err(corrupt(number, "fewer than 8 fields"));
        }
        let id = NodeId::parse(argv[0].as_bytes()).ok_or(corrupt(number, "bad node id"))?;
        let node = parsed
            .nodes
            .entry(id)
            .or_insert_with(|| ClusterNode::new(id, NodeFlags::empty(), now));

        // ip:port[@cport][,hostname]
        let (address, hostname) = match argv[1].split_once(',') {
            Some((address, hostname)) => (address, hostname),
            None => (argv[1], ""),
        };
        node.hostname = hostname.to_string();
        let (ip, ports) = address
            .rsplit_once(':')
            .ok_or(corrupt(number, "address without a port"))?;
        let (port, cport) = match ports.split_once('@') {
            Some((port, cport)) => (leading_number(port), Some(leading_number(cport))),
            None => (leading_number(ports), None),
        };
        node.ip = ip.to_string();
        node.port = u16::try_from(port).map_err(|_| corrupt(number, "bad port"))?;
        node.cport = match cport {
            Some(cport) => u16::try_from(cport).map_err(|_| corrupt(number, "bad bus port"))?,
            None => node.port.wrapping_add(10_000),
        };

        for name in argv[2].split(',') {
            let flag = NodeFlags::from_name(name).ok_or(corrupt(number, "unknown flag"))?;
            if flag == NodeFlags::MYSELF {
                if parsed.myself.is_some() {
                    return Err(corrupt(number, "two myself lines"));
                }
                parsed.myself = Some(id);
            }
            if flag == NodeFlags::FAIL {
                node.fail_time = now;
            }
            node.flags.insert(flag);
        }
        if leading_number(argv[4]) != 0 {
            node.ping_sent = now;
        }
        if leading_number(argv[5]) != 0 {
            node.pong_received = now;
        }
        let is_replica = node.is_replica();
        let primary = if argv[3] == "-" {
            None
        } else {
            Some(NodeId::parse(argv[3].as_bytes()).ok_or(corrupt(number, "bad primary id"))?)
        };
        node.primary = primary;
        // A replica's column shows its primary's epoch; its own is not stored.
        node.config_epoch = if is_replica && primary.is_some() {
            0
        } else {
            leading_number(argv[6])
        };
        if let Some(primary) = primary {
            parsed
                .nodes
                .entry(primary)
                .or_insert_with(|| ClusterNode::new(primary, NodeFlags::empty(), now));
        }

        for token in &argv[8..] {
            if let Some(inner) = token.strip_prefix('[') {
                let inner = inner
                    .strip_suffix(']')
                    .ok_or(corrupt(number, "open slot without ]"))?;
                let (slot, rest) = inner
                    .split_once('-')
                    .ok_or(corrupt(number, "bad open slot"))?;
                let slot = parse_slot_number(slot, number)?;
                let (migrating, other) = if let Some(other) = rest.strip_prefix(">-") {
                    (true, other)
                } else if let Some(other) = rest.strip_prefix("<-") {
                    (false, other)
                } else {
                    return Err(corrupt(number, "bad open slot direction"));
                };
                let other =
                    NodeId::parse(other.as_bytes()).ok_or(corrupt(number, "bad open slot id"))?;
                parsed
                    .nodes
                    .entry(other)
                    .or_insert_with(|| ClusterNode::new(other, NodeFlags::empty(), now));
                if migrating {
                    parsed.migrating_to.insert(slot, other);
                } else {
                    parsed.importing_from.insert(slot, other);
                }
                continue;
            }
            let (start, end) = match token.split_once('-') {
                Some((start, end)) => (
                    parse_slot_number(start, number)?,
                    parse_slot_number(end, number)?,
                ),
                None => {
                    let slot = parse_slot_number(token, number)?;
                    (slot, slot)
                }
            };
            for slot in start..=end {
                // As clusterAddSlot: the first owner of a slot keeps it.
                if parsed.owners.get(slot).is_none() {
                    parsed.owners.set(slot, Some(id));
                    if let Some(node) = parsed.nodes.get_mut(&id) {
                        node.slots.insert(slot);
                    }
                }
            }
        }
    }
    if parsed.myself.is_none() {
        return Err(corrupt(0, "no myself line"));
    }
    Ok(parsed)
}
