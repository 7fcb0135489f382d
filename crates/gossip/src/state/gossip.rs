//! Building PING, PONG and MEET with their gossip sections, and reading the gossip sections
//! of received ones (Redis `clusterBuildMessageHdr`, `clusterSendPing`,
//! `clusterProcessGossipSection`).

use super::ClusterState;
use crate::{
    Action, Body, ClusterNode, GossipEntry, Header, LinkId, LogLevel, Message, MessageFlags,
    MessageType, NodeFlags, NodeId,
};

/// A gossip pong time may be this far in our future (clock skew), in ms.
const PONG_TIME_TOLERANCE_MS: u64 = 500;

impl ClusterState {
    /// The header of every message this node sends. A replica sends its primary's slots and
    /// configEpoch.
    pub(super) fn header(&self) -> Header {
        let me = self.myself();
        let owner = me
            .primary
            .filter(|_| me.is_replica())
            .and_then(|p| self.nodes.get(&p))
            .unwrap_or(me);
        Header {
            sender: me.id,
            current_epoch: self.current_epoch,
            config_epoch: owner.config_epoch,
            flags: me.flags,
            slots: owner.slots.clone(),
            repl_offset: self.repl_offset,
            primary: me.primary,
            ip: self.config.announce_ip.clone().unwrap_or_default(),
            port: self.config.port,
            cport: self.config.cport,
            tls_port: self.config.tls_port,
            hostname: self.config.hostname.clone(),
            shard_id: me.shard_id,
            cluster_ok: self.ok,
            mflags: MessageFlags::empty(),
        }
    }

    pub(super) fn send_ping(&mut self, now: u64, link: LinkId) {
        self.send_gossip(now, link, MessageType::Ping);
    }

    pub(super) fn send_pong(&mut self, now: u64, link: LinkId) {
        self.send_gossip(now, link, MessageType::Pong);
    }

    pub(super) fn send_meet(&mut self, now: u64, link: LinkId) {
        self.send_gossip(now, link, MessageType::Meet);
    }

    /// Sends a PING, PONG or MEET on `link` (Redis `clusterSendPing`). A PING on an outbound
    /// link starts the wait for its PONG.
    fn send_gossip(&mut self, now: u64, link: LinkId, kind: MessageType) {
        let Some(l) = self.links.get(&link) else {
            return;
        };
        if !l.inbound
            && kind == MessageType::Ping
            && let Some(node) = l.node.and_then(|id| self.nodes.get_mut(&id))
        {
            node.ping_sent = now;
        }
        let gossip = self.gossip_section();
        let header = self.header();
        let body = match kind {
            MessageType::Pong => Body::Pong { gossip },
            MessageType::Meet => Body::Meet { gossip },
            _ => Body::Ping { gossip },
        };
        self.actions.push(Action::Send {
            link,
            message: Box::new(Message { header, body }),
        });
    }

    /// Picks what to tell about other nodes: a tenth of the known nodes (at least 3, at most
    /// all but this node and the receiver), chosen at random among nodes that are neither in
    /// handshake, without address, nor disconnected and slot-less; then every PFAIL node, so
    /// failure reports spread fast.
    ///
    /// Why a tenth: in the report validity window (2 node timeouts) each pair of nodes
    /// exchanges about 8 packets, so a failing node appears in about 80% of the primaries'
    /// reports even when only a tenth of the nodes is in each packet (Redis's reasoning).
    fn gossip_section(&mut self) -> Vec<GossipEntry> {
        self.pings_built += 1;
        let mark = self.pings_built;
        let total = self.nodes.len();
        let mut fresh = total as i64 - 2;
        let wanted = ((total / 10).max(3) as i64).min(fresh);
        let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
        let mut gossip = Vec::new();
        let mut iterations = wanted * 3;
        while fresh > 0 && (gossip.len() as i64) < wanted && iterations > 0 {
            iterations -= 1;
            let id = ids[self.random_index(ids.len())];
            if id == self.myself {
                continue;
            }
            let Some(node) = self.nodes.get_mut(&id) else {
                continue;
            };
            if node.timed_out() {
                continue;
            }
            if node
                .flags
                .intersects(NodeFlags::HANDSHAKE | NodeFlags::NOADDR)
                || (node.link.is_none() && node.slots.is_empty())
            {
                fresh -= 1;
                continue;
            }
            if node.last_in_ping_gossip == mark {
                continue;
            }
            node.last_in_ping_gossip = mark;
            gossip.push(gossip_entry(node));
            fresh -= 1;
        }
        let mut pfail_wanted = self.pfail_nodes;
        for node in self.nodes.values() {
            if pfail_wanted == 0 {
                break;
            }
            if node
                .flags
                .intersects(NodeFlags::HANDSHAKE | NodeFlags::NOADDR)
                || !node.timed_out()
            {
                continue;
            }
            gossip.push(gossip_entry(node));
            pfail_wanted -= 1;
        }
        gossip
    }

    /// Reads a gossip section (Redis `clusterProcessGossipSection`). `sender` is the known
    /// sender, `None` for the MEET of a node we don't know yet.
    ///
    /// - A primary's word that a node is (possibly) failing is a failure report, and may make
    ///   it FAIL; its word that the node is fine withdraws its report.
    /// - A node nobody reports failing gets the newest pong time anybody saw (so it is not
    ///   pinged needlessly), unless that time is in our future.
    /// - A node we see failing but the sender sees fine at another address moves there.
    /// - An unknown node told by a known sender is added with its real id (not a handshake:
    ///   an address alone could belong to another cluster), unless FORGET banned it.
    pub(super) fn process_gossip(
        &mut self,
        now: u64,
        sender: Option<NodeId>,
        gossip: &[GossipEntry],
    ) {
        let sender_is_primary =
            sender.is_some_and(|s| self.nodes.get(&s).is_some_and(|n| n.is_primary()));
        for entry in gossip {
            let failing_flags = NodeFlags::FAIL | NodeFlags::PFAIL;
            if self.nodes.contains_key(&entry.node) {
                if let Some(reporter) = sender.filter(|_| sender_is_primary)
                    && entry.node != self.myself
                {
                    if entry.flags.intersects(failing_flags) {
                        if self.add_failure_report(now, entry.node, reporter) {
                            self.log(
                                LogLevel::Verbose,
                                format!(
                                    "Node {reporter} reported node {} as not reachable.",
                                    entry.node
                                ),
                            );
                        }
                        self.mark_failing_if_needed(now, entry.node);
                    } else if self.del_failure_report(now, entry.node, reporter) {
                        self.log(
                            LogLevel::Verbose,
                            format!(
                                "Node {reporter} reported node {} is back online.",
                                entry.node
                            ),
                        );
                    }
                }
                let reports = self.failure_report_count(now, entry.node);
                let Some(node) = self.nodes.get_mut(&entry.node) else {
                    continue;
                };
                if !entry.flags.intersects(failing_flags)
                    && node.ping_sent == 0
                    && reports == 0
                    && entry.pong_received <= now + PONG_TIME_TOLERANCE_MS
                    && entry.pong_received > node.pong_received
                {
                    node.pong_received = entry.pong_received;
                }
                if node.flags.intersects(failing_flags)
                    && !entry.flags.contains(NodeFlags::NOADDR)
                    && !entry.flags.intersects(failing_flags)
                    && (!node.ip.eq_ignore_ascii_case(&entry.ip)
                        || node.port != entry.port
                        || node.cport != entry.cport)
                {
                    let old_link = node.link;
                    node.ip.clone_from(&entry.ip);
                    node.port = entry.port;
                    node.tls_port = entry.tls_port;
                    node.cport = entry.cport;
                    node.flags.remove(NodeFlags::NOADDR);
                    if let Some(link) = old_link {
                        self.drop_link(link, true);
                    }
                }
            } else if sender.is_some()
                && !entry.flags.contains(NodeFlags::NOADDR)
                && !self.blacklisted(now, &entry.node)
            {
                let flags = entry.flags
                    & (NodeFlags::MASTER
                        | NodeFlags::SLAVE
                        | NodeFlags::PFAIL
                        | NodeFlags::FAIL
                        | NodeFlags::NOFAILOVER);
                let mut node = ClusterNode::new(entry.node, flags, now);
                node.ip.clone_from(&entry.ip);
                node.port = entry.port;
                node.tls_port = entry.tls_port;
                node.cport = entry.cport;
                self.add_node(node);
            }
        }
    }
}

/// What we tell others about `node`.
fn gossip_entry(node: &ClusterNode) -> GossipEntry {
    GossipEntry {
        node: node.id,
        ping_sent: node.ping_sent,
        pong_received: node.pong_received,
        ip: node.ip.clone(),
        port: node.port,
        cport: node.cport,
        tls_port: node.tls_port,
        flags: node.flags,
    }
}
