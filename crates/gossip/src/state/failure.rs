//! Failure detection: failure reports from primaries, PFAIL -> FAIL when a majority agrees,
//! the FAIL broadcast, and when FAIL is lifted (Redis `clusterNodeAddFailureReport`,
//! `markNodeAsFailingIfNeeded`, `clearNodeFailureIfNeeded`, `clusterSendFail`), plus the FORGET
//! ban list (`clusterBlacklist*`).

use super::{BLACKLIST_TTL_MS, ClusterState, FAIL_REPORT_VALIDITY_MULT, FAIL_UNDO_TIME_MULT};
use crate::{Action, Body, FailureReport, LogLevel, Message, NodeFlags, NodeId};

impl ClusterState {
    /// Records (or refreshes) `reporter`'s report that `failing` is down; true if it is new.
    pub(super) fn add_failure_report(
        &mut self,
        now: u64,
        failing: NodeId,
        reporter: NodeId,
    ) -> bool {
        let Some(node) = self.nodes.get_mut(&failing) else {
            return false;
        };
        if let Some(report) = node
            .fail_reports
            .iter_mut()
            .find(|r| r.reporter == reporter)
        {
            report.time = now;
            return false;
        }
        node.fail_reports.push(FailureReport {
            reporter,
            time: now,
        });
        true
    }

    /// Drops reports older than the validity window (2 node timeouts).
    fn cleanup_failure_reports(&mut self, now: u64, id: NodeId) {
        let max_age = self.config.node_timeout * FAIL_REPORT_VALIDITY_MULT;
        if let Some(node) = self.nodes.get_mut(&id) {
            node.fail_reports
                .retain(|r| now.saturating_sub(r.time) <= max_age);
        }
    }

    /// Withdraws `reporter`'s report about `failing`; true if there was one.
    pub(super) fn del_failure_report(
        &mut self,
        now: u64,
        failing: NodeId,
        reporter: NodeId,
    ) -> bool {
        self.cleanup_failure_reports(now, failing);
        let Some(node) = self.nodes.get_mut(&failing) else {
            return false;
        };
        let before = node.fail_reports.len();
        node.fail_reports.retain(|r| r.reporter != reporter);
        node.fail_reports.len() != before
    }

    /// Number of valid reports about `id` (CLUSTER COUNT-FAILURE-REPORTS).
    pub(super) fn failure_report_count(&mut self, now: u64, id: NodeId) -> usize {
        self.cleanup_failure_reports(now, id);
        self.nodes.get(&id).map_or(0, |n| n.fail_reports.len())
    }

    /// PFAIL becomes FAIL when the reports of primaries, plus this node's own opinion if it is
    /// a primary, reach a majority of the primaries with slots (`size / 2 + 1`). The FAIL is
    /// then broadcast so every reachable node flags it, replicas included (Redis
    /// `markNodeAsFailingIfNeeded`).
    pub(super) fn mark_failing_if_needed(&mut self, now: u64, id: NodeId) {
        let needed_quorum = self.size / 2 + 1;
        match self.nodes.get(&id) {
            Some(node) if node.timed_out() && !node.failed() => {}
            _ => return,
        }
        let mut failures = self.failure_report_count(now, id);
        if self.i_am_primary() {
            failures += 1;
        }
        if failures < needed_quorum {
            return;
        }
        self.log(
            LogLevel::Notice,
            format!("Marking node {id} as failing (quorum reached)."),
        );
        if let Some(node) = self.nodes.get_mut(&id) {
            node.flags.remove(NodeFlags::PFAIL);
            node.flags.insert(NodeFlags::FAIL);
            node.fail_time = now;
        }
        self.send_fail(id);
        self.update_state_later();
        self.save_config(false);
    }

    /// A FAIL node answered: lift FAIL at once for a replica or a primary without slots; for
    /// a primary with slots only after 2 node timeouts in FAIL with nobody having taken its
    /// slots (they are still its own in our table) (Redis `clearNodeFailureIfNeeded`).
    pub(super) fn clear_failure_if_needed(&mut self, now: u64, id: NodeId) {
        let undo_after = self.config.node_timeout * FAIL_UNDO_TIME_MULT;
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        if !node.failed() {
            return;
        }
        let text = if node.is_replica() || node.slots.is_empty() {
            let what = if node.is_replica() {
                "replica"
            } else {
                "master without slots"
            };
            format!("Clear FAIL state for node {id}: {what} is reachable again.")
        } else if node.is_primary() && now.saturating_sub(node.fail_time) > undo_after {
            format!(
                "Clear FAIL state for node {id}: is reachable again and nobody is serving its slots after some time."
            )
        } else {
            return;
        };
        node.flags.remove(NodeFlags::FAIL);
        self.log(LogLevel::Notice, text);
        self.update_state_later();
        self.save_config(false);
    }

    /// Tells every connected node that `id` is failing.
    fn send_fail(&mut self, id: NodeId) {
        let message = Message {
            header: self.header(),
            body: Body::Fail { node: id },
        };
        self.broadcast(&message);
    }

    /// Sends `message` on the outbound link of every node but this one and those in handshake
    /// (Redis `clusterBroadcastMessage`).
    pub(super) fn broadcast(&mut self, message: &Message) {
        let links: Vec<_> = self
            .nodes
            .values()
            .filter(|n| !n.flags.intersects(NodeFlags::MYSELF | NodeFlags::HANDSHAKE))
            .filter_map(|n| n.link)
            .collect();
        for link in links {
            self.actions.push(Action::Send {
                link,
                message: Box::new(message.clone()),
            });
        }
    }

    /// Bans `id` from being re-added by gossip for [`BLACKLIST_TTL_MS`].
    pub(super) fn blacklist_add(&mut self, now: u64, id: NodeId) {
        self.blacklist.retain(|_, until| *until >= now);
        self.blacklist.insert(id, now + BLACKLIST_TTL_MS);
    }

    /// Whether `id` is banned.
    pub(super) fn blacklisted(&mut self, now: u64, id: &NodeId) -> bool {
        self.blacklist.retain(|_, until| *until >= now);
        self.blacklist.contains_key(id)
    }
}
