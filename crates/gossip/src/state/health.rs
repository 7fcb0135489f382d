//! `cluster_state` ok/fail (Redis `clusterUpdateState`).

use slot_map::SLOT_COUNT;

use super::ClusterState;
use crate::{Action, LogLevel, NodeFlags};

/// A primary waits this long after its first evaluation before it may turn ok (it should
/// learn a newer configuration first if there is one), ms (`CLUSTER_WRITABLE_DELAY`).
pub const WRITABLE_DELAY_MS: u64 = 2_000;
/// Bounds of the rejoin delay: a primary back from a minority partition waits the node
/// timeout, clamped to these, before turning ok, ms (`CLUSTER_MIN/MAX_REJOIN_DELAY`).
pub const MIN_REJOIN_DELAY_MS: u64 = 500;
/// See [`MIN_REJOIN_DELAY_MS`].
pub const MAX_REJOIN_DELAY_MS: u64 = 5_000;

impl ClusterState {
    /// Evaluates the cluster state:
    /// - fail if a slot is unassigned or owned by a FAIL node (with full coverage required);
    /// - fail if fewer than a majority of the primaries with slots are reachable (not PFAIL or
    ///   FAIL) from here: we are in a minority partition;
    /// - a primary turns ok no sooner than [`WRITABLE_DELAY_MS`] after the first evaluation,
    ///   nor sooner than the rejoin delay after it was last in a minority.
    pub(super) fn update_state(&mut self, now: u64) {
        let first = *self.first_state_update.get_or_insert(now);
        if self.i_am_primary() && !self.ok && now.saturating_sub(first) < WRITABLE_DELAY_MS {
            return;
        }
        let mut new_ok = true;
        if self.config.require_full_coverage {
            let covered = self.owners.assigned_count() == SLOT_COUNT;
            let owner_failed = self
                .nodes
                .values()
                .any(|n| n.failed() && !n.slots.is_empty());
            if !covered || owner_failed {
                new_ok = false;
            }
        }
        let mut size = 0;
        let mut reachable = 0;
        for node in self.nodes.values() {
            if node.is_primary() && !node.slots.is_empty() {
                size += 1;
                if !node.flags.intersects(NodeFlags::FAIL | NodeFlags::PFAIL) {
                    reachable += 1;
                }
            }
        }
        self.size = size;
        if reachable < size / 2 + 1 {
            new_ok = false;
            self.among_minority_since = now;
        }
        if new_ok == self.ok {
            return;
        }
        let rejoin_delay = self
            .config
            .node_timeout
            .clamp(MIN_REJOIN_DELAY_MS, MAX_REJOIN_DELAY_MS);
        if new_ok
            && self.i_am_primary()
            && now.saturating_sub(self.among_minority_since) < rejoin_delay
        {
            return;
        }
        self.ok = new_ok;
        self.log(
            LogLevel::Warning,
            format!(
                "Cluster state changed: {}",
                if new_ok { "ok" } else { "fail" }
            ),
        );
        self.actions
            .push(Action::ClusterStateChanged { ok: new_ok });
    }
}
