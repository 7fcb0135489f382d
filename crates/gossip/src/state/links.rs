//! Bus connections and the MEET handshake: opening links to known nodes, accepting links,
//! what a newly connected link sends first, closing links, and keeping node addresses right
//! (Redis `clusterStartHandshake`, `clusterLinkConnectHandler`, `freeClusterLink`,
//! `nodeUpdateAddressIfNeeded`).

use std::net::IpAddr;

use super::{ClusterState, Link};
use crate::{Action, ClusterNode, Header, LinkId, LogLevel, NodeFlags, NodeId};

/// A bus connection as CLUSTER LINKS shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    /// The link.
    pub link: LinkId,
    /// `"to"` for outbound links, `"from"` for inbound ones.
    pub inbound: bool,
    /// The node at the other end, when known.
    pub node: Option<NodeId>,
    /// When it was created, Unix ms.
    pub created: u64,
}

impl ClusterState {
    /// A connection from another node was accepted: returns the id to use for it in
    /// [`ClusterState::on_message`] and [`ClusterState::on_link_closed`]. `peer_ip` is the
    /// remote address and `local_ip` this end's address as the socket reports them.
    pub fn accept_link(&mut self, now: u64, peer_ip: &str, local_ip: &str) -> LinkId {
        let id = self.new_link_id();
        self.links.insert(
            id,
            Link {
                node: None,
                inbound: true,
                created: now,
                peer_ip: peer_ip.to_string(),
                local_ip: local_ip.to_string(),
            },
        );
        id
    }

    /// An outbound link asked for with [`Action::Connect`] is connected. Sends the first
    /// PING, or MEET to a node met by CLUSTER MEET (Redis `clusterLinkConnectHandler`).
    pub fn on_link_connected(&mut self, now: u64, link: LinkId) -> Vec<Action> {
        let Some(node_id) = self.links.get(&link).and_then(|l| l.node) else {
            return self.finish_at(now);
        };
        let Some(node) = self.nodes.get(&node_id) else {
            return self.finish_at(now);
        };
        let old_ping_sent = node.ping_sent;
        let meet = node.flags.contains(NodeFlags::MEET);
        if meet {
            self.send_meet(now, link);
        } else {
            self.send_ping(now, link);
        }
        if let Some(node) = self.nodes.get_mut(&node_id) {
            // A PING pending before the link broke is still pending.
            if old_ping_sent != 0 {
                node.ping_sent = old_ping_sent;
            }
            node.flags.remove(NodeFlags::MEET);
        }
        self.finish_at(now)
    }

    /// A link closed by the other end or by an error (also: an outbound connection attempt
    /// failed, or a frame could not be decoded). The cron reconnects as needed.
    pub fn on_link_closed(&mut self, now: u64, link: LinkId) -> Vec<Action> {
        if let Some(l) = self.links.get(&link)
            && !l.inbound
            && let Some(node) = l.node.and_then(|id| self.nodes.get_mut(&id))
            && node.ping_sent == 0
        {
            // As Redis does when connect() fails at once: count the attempt as a PING, so
            // that a node that cannot be reached at all still times out.
            node.ping_sent = now;
        }
        self.drop_link(link, false);
        self.finish_at(now)
    }

    /// Every live link, for CLUSTER LINKS.
    pub fn links(&self) -> impl Iterator<Item = LinkInfo> + '_ {
        self.links.iter().map(|(id, l)| LinkInfo {
            link: *id,
            inbound: l.inbound,
            node: l.node,
            created: l.created,
        })
    }

    pub(super) fn new_link_id(&mut self) -> LinkId {
        let id = LinkId(self.next_link);
        self.next_link += 1;
        id
    }

    /// Forgets a link (Redis `freeClusterLink`); `close` asks the driver to close it.
    pub(super) fn drop_link(&mut self, link: LinkId, close: bool) {
        let Some(l) = self.links.remove(&link) else {
            return;
        };
        if let Some(node) = l.node.and_then(|id| self.nodes.get_mut(&id)) {
            if node.link == Some(link) {
                node.link = None;
            }
            if node.inbound_link == Some(link) {
                node.inbound_link = None;
            }
        }
        if close {
            self.actions.push(Action::CloseLink { link });
        }
    }

    /// Opens the outbound link to `id` (from the cron, Redis `clusterNodeCronHandleReconnect`).
    pub(super) fn connect(&mut self, now: u64, id: NodeId) {
        let link = self.new_link_id();
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        node.link = Some(link);
        let (ip, cport) = (node.ip.clone(), node.cport);
        self.links.insert(
            link,
            Link {
                node: Some(id),
                inbound: false,
                created: now,
                peer_ip: ip.clone(),
                local_ip: String::new(),
            },
        );
        self.actions.push(Action::Connect {
            link,
            node: id,
            ip,
            cport,
        });
    }

    /// Whether a handshake with this address is already going on (Redis
    /// `clusterHandshakeInProgress`).
    fn handshake_in_progress(&self, ip: &str, port: u16, cport: u16) -> bool {
        self.nodes.values().any(|n| {
            n.in_handshake() && n.ip.eq_ignore_ascii_case(ip) && n.port == port && n.cport == cport
        })
    }

    /// Starts a handshake with `ip:port@cport` unless one is going on (Redis
    /// `clusterStartHandshake`). Returns `Err(())` for an address that is not an IP or a port
    /// out of range.
    pub(super) fn start_handshake(
        &mut self,
        now: u64,
        ip: &str,
        port: i64,
        cport: i64,
    ) -> Result<(), ()> {
        let normalized = ip.parse::<IpAddr>().map_err(|_| ())?.to_string();
        let valid = |p: i64| u16::try_from(p).ok().filter(|&p| p > 0);
        let (Some(port), Some(cport)) = (valid(port), valid(cport)) else {
            return Err(());
        };
        if self.handshake_in_progress(&normalized, port, cport) {
            return Ok(());
        }
        let id = NodeId::random(&mut self.rng);
        let mut node = ClusterNode::new(id, NodeFlags::HANDSHAKE | NodeFlags::MEET, now);
        node.ip = normalized;
        node.port = port;
        node.cport = cport;
        self.add_node(node);
        Ok(())
    }

    /// The IP a message says its sender has: the announced one, or the link's peer address
    /// (Redis `nodeIp2String`).
    pub(super) fn sender_ip(&self, link: LinkId, header: &Header) -> String {
        if !header.ip.is_empty() {
            header.ip.clone()
        } else {
            self.links
                .get(&link)
                .map(|l| l.peer_ip.clone())
                .unwrap_or_default()
        }
    }

    /// Updates `id`'s address from a message that came on `link`, other than its own outbound
    /// link; a changed address drops the outbound link so the cron reconnects to the new one.
    /// Returns whether anything changed (Redis `nodeUpdateAddressIfNeeded`).
    pub(super) fn update_address_if_needed(
        &mut self,
        id: NodeId,
        link: LinkId,
        header: &Header,
    ) -> bool {
        let ip = self.sender_ip(link, header);
        let Some(node) = self.nodes.get_mut(&id) else {
            return false;
        };
        if node.link == Some(link) {
            return false;
        }
        if node.port == header.port
            && node.cport == header.cport
            && node.tls_port == header.tls_port
            && node.ip == ip
        {
            return false;
        }
        node.ip = ip;
        node.port = header.port;
        node.cport = header.cport;
        node.tls_port = header.tls_port;
        node.flags.remove(NodeFlags::NOADDR);
        let old_link = node.link;
        let text = format!(
            "Address updated for node {id}, now {}:{}",
            node.ip, node.port
        );
        if let Some(old) = old_link {
            self.drop_link(old, true);
        }
        self.log(LogLevel::Warning, text);
        let me = self.myself();
        if me.is_replica() && me.primary == Some(id) {
            self.actions
                .push(Action::PrimaryChanged { primary: Some(id) });
        }
        true
    }

    /// The node a message on `link` comes from: the link's node once known, else the node
    /// named in the header, which then becomes the inbound link's node (Redis
    /// `getNodeFromLinkAndMsg`).
    pub(super) fn sender_of(&mut self, link: LinkId, header: &Header) -> Option<NodeId> {
        let link_node = self.links.get(&link)?.node;
        if let Some(id) = link_node
            && self.nodes.get(&id).is_some_and(|n| !n.in_handshake())
        {
            return Some(id);
        }
        let sender = self.nodes.get(&header.sender).map(|n| n.id)?;
        if link_node.is_none()
            && let Some(l) = self.links.get_mut(&link)
        {
            l.node = Some(sender);
            if let Some(node) = self.nodes.get_mut(&sender) {
                node.inbound_link = Some(link);
            }
        }
        Some(sender)
    }
}
