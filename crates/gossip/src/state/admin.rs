//! Operator commands: what CLUSTER MEET, FORGET, REPLICATE, ADDSLOTS, DELSLOTS,
//! SET-CONFIG-EPOCH, BUMPEPOCH, RESET and COUNT-FAILURE-REPORTS do to the state, with Redis
//! 7.0's checks in Redis's order, and PUBLISH/SPUBLISH propagation. Argument parsing and the
//! checks that need the keyspace stay in `node`.

use slot_map::{SLOT_COUNT, Slot, SlotRange, SlotSet};

use super::ClusterState;
use crate::{Action, Body, GossipError, LogLevel, Message, NodeFlags, NodeId};

/// The reply of CLUSTER BUMPEPOCH.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BumpOutcome {
    /// `BUMPED <epoch>`: this node took a new configEpoch.
    Bumped(u64),
    /// `STILL <epoch>`: this node already had the greatest configEpoch.
    Still(u64),
}

impl ClusterState {
    /// CLUSTER MEET: starts a handshake with `ip:port@cport` (Redis uses `port + 10000` when
    /// no bus port is given: the caller decides). A handshake already going on with that
    /// address is not an error.
    pub fn meet(
        &mut self,
        now: u64,
        ip: &str,
        port: i64,
        cport: i64,
    ) -> Result<Vec<Action>, GossipError> {
        self.start_handshake(now, ip, port, cport)
            .map_err(|()| GossipError::InvalidAddress {
                ip: ip.to_string(),
                port,
            })?;
        Ok(self.finish_at(now))
    }

    /// CLUSTER FORGET: removes a node and bans it from being re-added by gossip for 60 s.
    pub fn forget(&mut self, now: u64, id: &[u8]) -> Result<Vec<Action>, GossipError> {
        let node = self
            .lookup(id)
            .ok_or_else(|| GossipError::UnknownNode(String::from_utf8_lossy(id).into_owned()))?;
        let id = node.id;
        if id == self.myself {
            return Err(GossipError::ForgetMyself);
        }
        let me = self.myself();
        if me.is_replica() && me.primary == Some(id) {
            return Err(GossipError::ForgetMyPrimary);
        }
        self.blacklist_add(now, id);
        self.delete_node(id);
        self.update_state_later();
        self.save_config(false);
        Ok(self.finish_at(now))
    }

    /// CLUSTER REPLICATE: records this node as a replica of `id` (the data replication is
    /// the driver's, started by [`Action::PrimaryChanged`]). `has_keys`: whether this node's
    /// keyspace is non-empty (a primary must be empty to become a replica).
    pub fn replicate(
        &mut self,
        now: u64,
        id: &[u8],
        has_keys: bool,
    ) -> Result<Vec<Action>, GossipError> {
        let node = self
            .lookup(id)
            .ok_or_else(|| GossipError::UnknownNode(String::from_utf8_lossy(id).into_owned()))?;
        let id = node.id;
        if id == self.myself {
            return Err(GossipError::ReplicateMyself);
        }
        if node.is_replica() {
            return Err(GossipError::ReplicateReplica);
        }
        if self.i_am_primary() && (!self.myself().slots.is_empty() || has_keys) {
            return Err(GossipError::ReplicateNotEmpty);
        }
        self.set_my_primary(id);
        self.update_state_later();
        self.save_config(false);
        Ok(self.finish_at(now))
    }

    /// CLUSTER ADDSLOTS / ADDSLOTSRANGE: assigns the slots of `ranges` to this node. Every
    /// slot is checked first (unassigned, named once), in the order given.
    pub fn add_slots(
        &mut self,
        now: u64,
        ranges: &[SlotRange],
    ) -> Result<Vec<Action>, GossipError> {
        let slots = self.check_slots(ranges, false)?;
        let myself = self.myself;
        for slot in slots.iter() {
            // The owner now is us: an import of this slot is over.
            self.importing_from.remove(&slot);
            self.add_slot(myself, slot);
        }
        self.update_state_later();
        self.save_config(false);
        Ok(self.finish_at(now))
    }

    /// CLUSTER DELSLOTS / DELSLOTSRANGE: unassigns the slots of `ranges`, whoever owns them.
    pub fn del_slots(
        &mut self,
        now: u64,
        ranges: &[SlotRange],
    ) -> Result<Vec<Action>, GossipError> {
        let slots = self.check_slots(ranges, true)?;
        for slot in slots.iter() {
            self.del_slot(slot);
        }
        self.update_state_later();
        self.save_config(false);
        Ok(self.finish_at(now))
    }

    /// CLUSTER FLUSHSLOTS: unassigns every slot of this node (the driver checks the keyspace
    /// is empty first).
    pub fn flush_slots(&mut self, now: u64) -> Vec<Action> {
        let myself = self.myself;
        self.del_node_slots(myself);
        self.update_state_later();
        self.save_config(false);
        self.finish_at(now)
    }

    /// Redis `checkSlotAssignmentsOrReply` over every range, in order.
    fn check_slots(&self, ranges: &[SlotRange], delete: bool) -> Result<SlotSet, GossipError> {
        let mut seen = SlotSet::new();
        for range in ranges {
            for slot in range.start..=range.end.min((SLOT_COUNT - 1) as Slot) {
                let owned = self.owners.get(slot).is_some();
                if delete && !owned {
                    return Err(GossipError::SlotUnassigned(slot));
                }
                if !delete && owned {
                    return Err(GossipError::SlotBusy(slot));
                }
                if !seen.insert(slot) {
                    return Err(GossipError::SlotRepeated(slot));
                }
            }
        }
        Ok(seen)
    }

    /// CLUSTER SET-CONFIG-EPOCH: only on a node that knows no other node and has
    /// configEpoch 0. Also raises currentEpoch to `epoch`.
    pub fn set_config_epoch(&mut self, now: u64, epoch: u64) -> Result<Vec<Action>, GossipError> {
        if self.nodes.len() > 1 {
            return Err(GossipError::ConfigEpochKnowsOthers);
        }
        if self.myself().config_epoch != 0 {
            return Err(GossipError::ConfigEpochNonZero);
        }
        self.me_mut().config_epoch = epoch;
        self.log(
            LogLevel::Warning,
            format!("configEpoch set to {epoch} via CLUSTER SET-CONFIG-EPOCH"),
        );
        if self.current_epoch < epoch {
            self.current_epoch = epoch;
        }
        self.update_state_later();
        self.save_config(true);
        Ok(self.finish_at(now))
    }

    /// CLUSTER BUMPEPOCH: takes configEpoch = ++currentEpoch unless this node's configEpoch is
    /// non-zero and already the greatest known (Redis
    /// `clusterBumpConfigEpochWithoutConsensus`).
    pub fn bump_epoch(&mut self, now: u64) -> (BumpOutcome, Vec<Action>) {
        let max = self.max_epoch();
        let mine = self.myself().config_epoch;
        if mine == 0 || mine != max {
            self.current_epoch += 1;
            let epoch = self.current_epoch;
            self.me_mut().config_epoch = epoch;
            self.save_config(true);
            self.log(LogLevel::Warning, format!("New configEpoch set to {epoch}"));
            (BumpOutcome::Bumped(epoch), self.finish_at(now))
        } else {
            (BumpOutcome::Still(mine), self.finish_at(now))
        }
    }

    /// CLUSTER RESET: forgets every other node and every slot, closes open slots; a replica
    /// becomes a primary (the driver stops replication and empties the keyspace on
    /// [`Action::PrimaryChanged`] with `None`). HARD also takes a new id and zeroes the epochs.
    /// The driver refuses first on a primary holding keys.
    pub fn reset(&mut self, now: u64, hard: bool) -> Vec<Action> {
        if self.myself().is_replica() {
            let myself = self.myself;
            self.set_node_as_primary(myself);
            self.actions.push(Action::PrimaryChanged { primary: None });
        }
        self.migrating_to.clear();
        self.importing_from.clear();
        for slot in 0..SLOT_COUNT as Slot {
            self.del_slot(slot);
        }
        let others: Vec<NodeId> = self
            .nodes
            .keys()
            .copied()
            .filter(|id| *id != self.myself)
            .collect();
        for id in others {
            self.delete_node(id);
        }
        if hard {
            self.current_epoch = 0;
            self.last_vote_epoch = 0;
            self.me_mut().config_epoch = 0;
            self.log(
                LogLevel::Warning,
                "configEpoch set to 0 via CLUSTER RESET HARD".to_string(),
            );
            let new_id = NodeId::random(&mut self.rng);
            let old_id = self.myself;
            if let Some(mut me) = self.nodes.remove(&old_id) {
                me.id = new_id;
                self.nodes.insert(new_id, me);
            }
            self.myself = new_id;
            self.log(
                LogLevel::Notice,
                format!("Node hard reset, now I'm {new_id}"),
            );
        }
        self.update_state_later();
        self.save_config(true);
        self.finish_at(now)
    }

    /// CLUSTER COUNT-FAILURE-REPORTS: how many primaries currently report `id` failing.
    pub fn count_failure_reports(&mut self, now: u64, id: &[u8]) -> Result<usize, GossipError> {
        let node = self
            .lookup(id)
            .ok_or_else(|| GossipError::UnknownNode(String::from_utf8_lossy(id).into_owned()))?;
        let id = node.id;
        Ok(self.failure_report_count(now, id))
    }

    /// PUBLISH: sends the message to every connected node (the driver delivers it locally).
    pub fn publish(&mut self, channel: &[u8], message: &[u8]) -> Vec<Action> {
        let message = Message {
            header: self.header(),
            body: Body::Publish {
                channel: channel.to_vec(),
                message: message.to_vec(),
            },
        };
        self.broadcast(&message);
        self.finish()
    }

    /// SPUBLISH: sends the message to the other connected nodes of this node's shard (its
    /// primary and that primary's replicas).
    pub fn publish_shard(&mut self, channel: &[u8], message: &[u8]) -> Vec<Action> {
        let me = self.myself();
        let Some(primary) = (if me.is_primary() {
            Some(self.myself)
        } else {
            me.primary
        }) else {
            return self.finish();
        };
        let message = Message {
            header: self.header(),
            body: Body::PublishShard {
                channel: channel.to_vec(),
                message: message.to_vec(),
            },
        };
        let links: Vec<_> = self
            .nodes
            .values()
            .filter(|n| n.id == primary || (n.is_replica() && n.primary == Some(primary)))
            .filter(|n| !n.flags.contains(NodeFlags::MYSELF))
            .filter_map(|n| n.link)
            .collect();
        for link in links {
            self.actions.push(Action::Send {
                link,
                message: Box::new(message.clone()),
            });
        }
        self.finish()
    }
}
