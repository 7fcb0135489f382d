//! What a received message does (Redis `clusterProcessPacket`): the header's epochs and
//! offsets, PING/MEET answered with PONG, the handshake completed on PONG, roles and slot
//! claims from PING/PONG/MEET, FAIL, UPDATE and PUBLISH.

use slot_map::SlotSet;

use super::ClusterState;
use crate::{
    Action, Body, GossipEntry, Header, LinkId, LogLevel, Message, MessageType, NodeFlags, NodeId,
};

impl ClusterState {
    /// A message arrived on `link` (decoded by the driver). A message on a link the state
    /// machine no longer knows is ignored.
    pub fn on_message(&mut self, now: u64, link: LinkId, message: Message) -> Vec<Action> {
        if !self.links.contains_key(&link) {
            return self.finish_at(now);
        }
        let kind = message.message_type();
        let Message { header, body } = message;
        let sender = self.sender_of(link, &header);
        let mut sender_config_epoch = 0;
        if let Some(id) = sender
            && let Some(node) = self.nodes.get_mut(&id)
        {
            node.data_received = now;
            if !node.in_handshake() {
                sender_config_epoch = header.config_epoch;
                node.repl_offset = header.repl_offset;
                if header.config_epoch > node.config_epoch {
                    node.config_epoch = header.config_epoch;
                    self.save_config(true);
                }
                if header.current_epoch > self.current_epoch {
                    self.current_epoch = header.current_epoch;
                }
            }
        }
        match body {
            Body::Ping { gossip } | Body::Pong { gossip } | Body::Meet { gossip } => {
                self.process_ping(
                    now,
                    link,
                    sender,
                    sender_config_epoch,
                    kind,
                    &header,
                    &gossip,
                );
            }
            Body::Fail { node } => self.process_fail(now, sender, &header, node),
            Body::Update {
                node,
                config_epoch,
                slots,
            } => {
                if sender.is_some() {
                    self.process_update(node, config_epoch, &slots);
                }
            }
            Body::Publish { channel, message } | Body::PublishShard { channel, message } => {
                if sender.is_some() {
                    self.actions.push(Action::Deliver {
                        channel,
                        message,
                        sharded: kind == MessageType::PublishShard,
                    });
                }
            }
            // Votes and manual failover belong to the failover logic; module messages to the
            // module API. Their headers were read above like any other.
            Body::FailoverAuthRequest
            | Body::FailoverAuthAck
            | Body::MfStart
            | Body::Module { .. } => {}
        }
        self.finish_at(now)
    }

    /// PING, PONG and MEET.
    #[allow(clippy::too_many_arguments)]
    fn process_ping(
        &mut self,
        now: u64,
        link: LinkId,
        sender: Option<NodeId>,
        sender_config_epoch: u64,
        kind: MessageType,
        header: &Header,
        gossip: &[GossipEntry],
    ) {
        let Some((inbound, link_node, local_ip)) = self
            .links
            .get(&link)
            .map(|l| (l.inbound, l.node, l.local_ip.clone()))
        else {
            return;
        };
        if matches!(kind, MessageType::Ping | MessageType::Meet) {
            // Only other nodes send us MEET, at the address they know us by: that is our IP
            // (unless it is announced). Without any IP yet, a PING teaches it as well.
            let announced = self
                .config
                .announce_ip
                .as_ref()
                .is_some_and(|ip| !ip.is_empty());
            if (kind == MessageType::Meet || self.myself().ip.is_empty())
                && !announced
                && !local_ip.is_empty()
                && local_ip != self.myself().ip
            {
                self.me_mut().ip = local_ip.clone();
                self.log(
                    LogLevel::Warning,
                    format!("IP address for this node updated to {local_ip}"),
                );
                self.save_config(false);
            }
            if sender.is_none() && kind == MessageType::Meet {
                let id = NodeId::random(&mut self.rng);
                let mut node = crate::ClusterNode::new(id, NodeFlags::HANDSHAKE, now);
                node.ip = self.sender_ip(link, header);
                node.port = header.port;
                node.cport = header.cport;
                node.tls_port = header.tls_port;
                self.add_node(node);
                self.save_config(false);
                // The sender of a MEET is trusted with what it tells.
                self.process_gossip(now, None, gossip);
            }
            self.send_pong(now, link);
        }

        if !inbound && let Some(link_node) = link_node {
            let in_handshake = self.nodes.get(&link_node).is_some_and(|n| n.in_handshake());
            if in_handshake {
                if let Some(known) = sender {
                    self.log(
                        LogLevel::Verbose,
                        format!(
                            "Handshake: we already know node {known}, updating the address if needed."
                        ),
                    );
                    if self.update_address_if_needed(known, link, header) {
                        self.save_config(false);
                        self.update_state_later();
                    }
                    // The handshake node is a duplicate: drop it with its link.
                    self.delete_node(link_node);
                    return;
                }
                self.rename_node(link_node, header.sender);
                if let Some(node) = self.nodes.get_mut(&header.sender) {
                    node.flags.remove(NodeFlags::HANDSHAKE);
                    node.flags
                        .insert(header.flags & (NodeFlags::MASTER | NodeFlags::SLAVE));
                }
                self.log(
                    LogLevel::Debug,
                    format!("Handshake with node {} completed.", header.sender),
                );
                self.save_config(false);
            } else if link_node != header.sender {
                self.log(
                    LogLevel::Debug,
                    format!("PONG contains mismatching sender ID. About node {link_node}"),
                );
                if let Some(node) = self.nodes.get_mut(&link_node) {
                    node.flags.insert(NodeFlags::NOADDR);
                    node.ip.clear();
                    node.port = 0;
                    node.tls_port = 0;
                    node.cport = 0;
                }
                self.drop_link(link, true);
                self.save_config(false);
                return;
            }
        }

        if let Some(id) = sender
            && let Some(node) = self.nodes.get_mut(&id)
        {
            // Whether a replica may fail over is the sender's own, current setting.
            node.flags.remove(NodeFlags::NOFAILOVER);
            node.flags.insert(header.flags & NodeFlags::NOFAILOVER);
        }

        if let Some(id) = sender
            && kind == MessageType::Ping
            && self.nodes.get(&id).is_some_and(|n| !n.in_handshake())
            && self.update_address_if_needed(id, link, header)
        {
            self.save_config(false);
            self.update_state_later();
        }

        if !inbound && kind == MessageType::Pong {
            let pong_from = self.links.get(&link).and_then(|l| l.node);
            if let Some(id) = pong_from
                && let Some(node) = self.nodes.get_mut(&id)
            {
                node.pong_received = now;
                node.ping_sent = 0;
                // PFAIL goes away by itself; FAIL only under the rules of
                // clear_failure_if_needed.
                if node.timed_out() {
                    node.flags.remove(NodeFlags::PFAIL);
                    self.save_config(false);
                    self.update_state_later();
                } else if node.failed() {
                    self.clear_failure_if_needed(now, id);
                }
            }
        }

        let Some(sender) = sender else {
            return;
        };
        self.update_role(sender, header.primary);

        // Slots: only when the sender's claim differs from what we have for it (or for its
        // primary). This comes after the role update so a new primary is seen as one.
        let sender_primary = self.nodes.get(&sender).and_then(|n| {
            if n.is_primary() {
                Some(sender)
            } else {
                n.primary
            }
        });
        let dirty = sender_primary
            .and_then(|p| self.nodes.get(&p))
            .is_some_and(|p| p.slots != header.slots);
        let sender_is_primary = self.nodes.get(&sender).is_some_and(|n| n.is_primary());
        if sender_is_primary && dirty {
            self.update_slots_config_with(sender, sender_config_epoch, &header.slots);
        }
        if dirty {
            self.send_update_for_stale_claim(sender, sender_config_epoch, &header.slots);
        }
        if self.i_am_primary()
            && sender_is_primary
            && sender_config_epoch == self.myself().config_epoch
        {
            self.handle_config_epoch_collision(sender);
        }

        self.process_gossip(now, Some(sender), gossip);
        if let Some(node) = self.nodes.get_mut(&sender) {
            node.hostname.clone_from(&header.hostname);
            node.shard_id = header.shard_id;
        }
        self.adopt_primary_shard_id(sender);
    }

    /// A replica takes its primary's shard id.
    fn adopt_primary_shard_id(&mut self, sender: NodeId) {
        let me = self.myself();
        if me.is_replica() && me.primary == Some(sender) {
            let shard = self.nodes.get(&sender).and_then(|n| n.shard_id);
            if shard.is_some() && shard != self.myself().shard_id {
                self.me_mut().shard_id = shard;
            }
        }
    }

    /// The sender says it is a primary (`primary == None`) or a replica of `primary`.
    fn update_role(&mut self, sender: NodeId, primary: Option<NodeId>) {
        let Some(primary) = primary else {
            self.set_node_as_primary(sender);
            return;
        };
        if self.nodes.get(&sender).is_some_and(|n| n.is_primary()) {
            // A primary turned into a replica.
            self.del_node_slots(sender);
            if let Some(node) = self.nodes.get_mut(&sender) {
                node.flags.remove(NodeFlags::MASTER | NodeFlags::MIGRATE_TO);
                node.flags.insert(NodeFlags::SLAVE);
            }
            self.save_config(false);
            self.update_state_later();
        }
        if self.nodes.contains_key(&primary)
            && let Some(node) = self.nodes.get_mut(&sender)
            && node.primary != Some(primary)
        {
            node.primary = Some(primary);
            self.save_config(false);
        }
    }

    /// Makes `id` a primary in our table (Redis `clusterSetNodeAsMaster`).
    pub(super) fn set_node_as_primary(&mut self, id: NodeId) {
        let myself = self.myself;
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        if node.is_primary() {
            return;
        }
        if node.primary.take().is_some() && id != myself {
            node.flags.insert(NodeFlags::MIGRATE_TO);
        }
        node.flags.remove(NodeFlags::SLAVE);
        node.flags.insert(NodeFlags::MASTER);
        self.save_config(false);
        self.update_state_later();
    }

    /// FAIL: the sender's majority decided `failing` is down.
    fn process_fail(&mut self, now: u64, sender: Option<NodeId>, header: &Header, failing: NodeId) {
        if sender.is_none() {
            self.log(
                LogLevel::Notice,
                format!(
                    "Ignoring FAIL message from unknown node {} about {failing}",
                    header.sender
                ),
            );
            return;
        }
        let Some(node) = self.nodes.get_mut(&failing) else {
            return;
        };
        if node.flags.intersects(NodeFlags::FAIL | NodeFlags::MYSELF) {
            return;
        }
        node.flags.insert(NodeFlags::FAIL);
        node.flags.remove(NodeFlags::PFAIL);
        node.fail_time = now;
        self.log(
            LogLevel::Notice,
            format!(
                "FAIL message received from {} about {failing}",
                header.sender
            ),
        );
        self.save_config(false);
        self.update_state_later();
    }

    /// UPDATE: `id` owns `slots` under `config_epoch`.
    fn process_update(&mut self, id: NodeId, config_epoch: u64, slots: &SlotSet) {
        let Some(node) = self.nodes.get(&id) else {
            return;
        };
        if node.config_epoch >= config_epoch {
            return;
        }
        if node.is_replica() {
            self.set_node_as_primary(id);
        }
        if let Some(node) = self.nodes.get_mut(&id) {
            node.config_epoch = config_epoch;
        }
        self.save_config(true);
        self.update_slots_config_with(id, config_epoch, slots);
    }
}
