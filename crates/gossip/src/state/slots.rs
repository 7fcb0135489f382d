//! Slot ownership decided by configEpoch: applying newer claims, correcting stale ones with
//! UPDATE, resolving equal configEpochs, and following the node that took our slots (Redis
//! `clusterUpdateSlotsConfigWith`, `clusterSendUpdate`, `clusterHandleConfigEpochCollision`,
//! `clusterSetMaster`).

use slot_map::SlotSet;

use super::ClusterState;
use crate::{Action, Body, LogLevel, Message, NodeFlags, NodeId};

impl ClusterState {
    /// `sender` claims `slots` under `sender_epoch` (from its PING/PONG, or an UPDATE about
    /// it). Each claimed slot that is unassigned, or whose owner has a smaller configEpoch, is
    /// rebound to `sender`, except slots this node is importing (only the operator closes
    /// those). Then:
    /// - if this node (or its primary) lost its last slot this way, it becomes a replica of
    ///   `sender` (with `cluster-allow-replica-migration`, or when `sender` took exactly our
    ///   slots);
    /// - a replica whose primary became a replica follows the new primary;
    /// - a primary that lost some slots but not all deletes its keys there.
    pub(super) fn update_slots_config_with(
        &mut self,
        sender: NodeId,
        sender_epoch: u64,
        slots: &SlotSet,
    ) {
        if sender == self.myself {
            self.log(
                LogLevel::Warning,
                "Discarding UPDATE message about myself.".to_string(),
            );
            return;
        }
        let me = self.myself();
        let current_primary = if me.is_primary() {
            Some(self.myself)
        } else {
            me.primary
        };
        let mut new_primary = None;
        let mut sender_slots = 0usize;
        let mut migrated_our_slots = 0usize;
        let mut lost_mine = SlotSet::new();
        for slot in slots.iter() {
            sender_slots += 1;
            let owner = self.owners.get(slot);
            if owner == Some(sender) || self.importing_from.contains_key(&slot) {
                continue;
            }
            let owner_epoch = owner
                .and_then(|o| self.nodes.get(&o))
                .map(|n| n.config_epoch);
            if owner_epoch.is_none_or(|epoch| epoch < sender_epoch) {
                if owner == Some(self.myself) {
                    lost_mine.insert(slot);
                }
                if owner.is_some() && owner == current_primary {
                    new_primary = Some(sender);
                    migrated_our_slots += 1;
                }
                self.del_slot(slot);
                self.add_slot(sender, slot);
                self.save_config(true);
                self.update_state_later();
            }
        }
        let primary_has_no_slots = current_primary
            .and_then(|p| self.nodes.get(&p))
            .is_some_and(|p| p.slots.is_empty());
        let grand_primary = self
            .myself()
            .primary
            .and_then(|p| self.nodes.get(&p))
            .and_then(|p| p.primary);
        if let Some(new_primary) = new_primary
            && primary_has_no_slots
            && (self.config.allow_replica_migration || sender_slots == migrated_our_slots)
        {
            self.log(
                LogLevel::Warning,
                format!(
                    "Configuration change detected. Reconfiguring myself as a replica of {new_primary}"
                ),
            );
            self.set_my_primary(new_primary);
            self.save_config(true);
            self.update_state_later();
        } else if let Some(grand) = grand_primary {
            self.log(
                LogLevel::Warning,
                format!(
                    "I'm a sub-replica! Reconfiguring myself as a replica of grandmaster {grand}"
                ),
            );
            self.set_my_primary(grand);
            self.save_config(true);
            self.update_state_later();
        } else if !lost_mine.is_empty() {
            self.actions.push(Action::DeleteKeysInSlots {
                slots: Box::new(lost_mine),
            });
        }
    }

    /// `sender` claims slots under `sender_epoch` that we know a node with a greater
    /// configEpoch owns: tell it with an UPDATE about that owner (one per message, as Redis).
    /// This is what corrects a primary that comes back after its slots moved.
    pub(super) fn send_update_for_stale_claim(
        &mut self,
        sender: NodeId,
        sender_epoch: u64,
        slots: &SlotSet,
    ) {
        for slot in slots.iter() {
            let Some(owner) = self.owners.get(slot) else {
                continue;
            };
            if owner == sender {
                continue;
            }
            let owner_epoch = self.nodes.get(&owner).map_or(0, |n| n.config_epoch);
            if owner_epoch > sender_epoch {
                self.log(
                    LogLevel::Verbose,
                    format!(
                        "Node {sender} has old slots configuration, sending an UPDATE message about {owner}"
                    ),
                );
                self.send_update(sender, owner);
                return;
            }
        }
    }

    /// Sends `to` an UPDATE with `about`'s configEpoch and slots, on `to`'s outbound link.
    fn send_update(&mut self, to: NodeId, about: NodeId) {
        let Some(link) = self.nodes.get(&to).and_then(|n| n.link) else {
            return;
        };
        let Some(owner) = self.nodes.get(&about) else {
            return;
        };
        let body = Body::Update {
            node: about,
            config_epoch: owner.config_epoch,
            slots: Box::new(owner.slots.clone()),
        };
        let message = Message {
            header: self.header(),
            body,
        };
        self.actions.push(Action::Send {
            link,
            message: Box::new(message),
        });
    }

    /// Two primaries with the same configEpoch: the one with the smaller id moves to a new
    /// epoch (`currentEpoch + 1`), so the greatest id never moves and all epochs end up
    /// distinct however many collide (Redis `clusterHandleConfigEpochCollision`).
    pub(super) fn handle_config_epoch_collision(&mut self, sender: NodeId) {
        let me = self.myself();
        let Some(other) = self.nodes.get(&sender) else {
            return;
        };
        if other.config_epoch != me.config_epoch || !other.is_primary() || !me.is_primary() {
            return;
        }
        if sender <= self.myself {
            return;
        }
        self.current_epoch += 1;
        let epoch = self.current_epoch;
        self.me_mut().config_epoch = epoch;
        self.save_config(true);
        self.log(
            LogLevel::Verbose,
            format!(
                "WARNING: configEpoch collision with node {sender}. configEpoch set to {epoch}"
            ),
        );
    }

    /// Makes this node a replica of `primary` (Redis `clusterSetMaster`); it must own no slot.
    pub(super) fn set_my_primary(&mut self, primary: NodeId) {
        if primary == self.myself {
            return;
        }
        let was_primary = self.i_am_primary();
        let me = self.me_mut();
        if was_primary {
            me.flags.remove(NodeFlags::MASTER | NodeFlags::MIGRATE_TO);
            me.flags.insert(NodeFlags::SLAVE);
        }
        me.primary = Some(primary);
        if was_primary {
            self.migrating_to.clear();
            self.importing_from.clear();
        }
        if let Some(shard) = self.nodes.get(&primary).and_then(|n| n.shard_id) {
            self.me_mut().shard_id = Some(shard);
        }
        self.actions.push(Action::PrimaryChanged {
            primary: Some(primary),
        });
    }
}
