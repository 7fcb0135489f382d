//! The timer (Redis `clusterCron`, run every 100 ms): reconnecting links, expiring
//! handshakes, pinging, PFAIL after the node timeout, and the state evaluation.

use super::ClusterState;
use crate::{Action, LogLevel, NodeFlags, NodeId};

/// How often the driver should call [`ClusterState::tick`], ms (Redis runs its cron 10 times
/// a second; the ping schedule counts on it).
pub const TICK_INTERVAL_MS: u64 = 100;

/// How many random nodes the once-a-second ping looks at.
const RANDOM_PING_CANDIDATES: usize = 5;

impl ClusterState {
    /// The timer; call it every [`TICK_INTERVAL_MS`] with the current Unix time in ms.
    ///
    /// - Nodes without an outbound link get one ([`Action::Connect`]); a handshake that did
    ///   not complete within the node timeout (at least 1 s) is abandoned.
    /// - Once a second, the node with the oldest PONG among 5 random connected ones is pinged.
    /// - Any node whose PONG is older than half the node timeout is pinged; a link that got
    ///   no PONG and no data for half the node timeout is dropped and reconnected.
    /// - A node that has not answered a PING for the node timeout is flagged PFAIL.
    pub fn tick(&mut self, now: u64) -> Vec<Action> {
        self.cron_iterations += 1;
        let timeout = self.config.node_timeout;
        let handshake_timeout = timeout.max(1000);
        self.pfail_nodes = 0;
        let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
        for id in &ids {
            let Some(node) = self.nodes.get(id) else {
                continue;
            };
            if node.flags.intersects(NodeFlags::MYSELF | NodeFlags::NOADDR) {
                continue;
            }
            if node.timed_out() {
                self.pfail_nodes += 1;
            }
            if node.in_handshake() && now.saturating_sub(node.created) > handshake_timeout {
                self.delete_node(*id);
                continue;
            }
            if node.link.is_none() {
                self.connect(now, *id);
            }
        }

        if self.cron_iterations.is_multiple_of(10) {
            self.ping_a_random_node(now, &ids);
        }

        let mut update_state = false;
        for id in &ids {
            let Some(node) = self.nodes.get(id) else {
                continue;
            };
            if node
                .flags
                .intersects(NodeFlags::MYSELF | NodeFlags::NOADDR | NodeFlags::HANDSHAKE)
            {
                continue;
            }
            let ping_delay = now.saturating_sub(node.ping_sent);
            let data_delay = now.saturating_sub(node.data_received);
            let link_age = node
                .link
                .and_then(|l| self.links.get(&l))
                .map(|l| now.saturating_sub(l.created));
            if let Some(link) = node.link
                && link_age.is_some_and(|age| age > timeout)
                && node.ping_sent != 0
                && ping_delay > timeout / 2
                && data_delay > timeout / 2
            {
                // Connected for a while, yet silent: maybe the connection is the problem.
                self.drop_link(link, true);
            }
            let Some(node) = self.nodes.get(id) else {
                continue;
            };
            if let Some(link) = node.link
                && node.ping_sent == 0
                && now.saturating_sub(node.pong_received) > timeout / 2
            {
                self.send_ping(now, link);
                continue;
            }
            if node.ping_sent == 0 {
                continue;
            }
            // Any data from the node proves it alive as well as a PONG does.
            let node_delay = ping_delay.min(data_delay);
            if node_delay > timeout && !node.flags.intersects(NodeFlags::PFAIL | NodeFlags::FAIL) {
                let text = format!("*** NODE {id} possibly failing");
                if let Some(node) = self.nodes.get_mut(id) {
                    node.flags.insert(NodeFlags::PFAIL);
                }
                self.log(LogLevel::Debug, text);
                update_state = true;
            }
        }
        if update_state || !self.ok {
            self.update_state(now);
        }
        self.finish_at(now)
    }

    /// Pings the node with the oldest PONG among a few random connected ones without a
    /// pending PING.
    fn ping_a_random_node(&mut self, now: u64, ids: &[NodeId]) {
        if ids.is_empty() {
            return;
        }
        let mut oldest: Option<(u64, NodeId)> = None;
        for _ in 0..RANDOM_PING_CANDIDATES {
            let id = ids[self.random_index(ids.len())];
            let Some(node) = self.nodes.get(&id) else {
                continue;
            };
            if node.link.is_none()
                || node.ping_sent != 0
                || node
                    .flags
                    .intersects(NodeFlags::MYSELF | NodeFlags::HANDSHAKE)
            {
                continue;
            }
            if oldest.is_none_or(|(pong, _)| pong > node.pong_received) {
                oldest = Some((node.pong_received, id));
            }
        }
        if let Some((_, id)) = oldest
            && let Some(link) = self.nodes.get(&id).and_then(|n| n.link)
        {
            self.send_ping(now, link);
        }
    }
}
