//! This crate's errors: refused operator commands (their texts are Redis's replies, without the
//! `ERR ` prefix) and unreadable nodes.conf files.

use slot_map::Slot;

/// Errors of the gossip crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GossipError {
    /// A node id that is not in the node table.
    #[error("Unknown node {0}")]
    UnknownNode(String),
    /// CLUSTER FORGET of this node.
    #[error("I tried hard but I can't forget myself...")]
    ForgetMyself,
    /// CLUSTER FORGET of this replica's primary.
    #[error("Can't forget my master!")]
    ForgetMyPrimary,
    /// CLUSTER REPLICATE of this node.
    #[error("Can't replicate myself")]
    ReplicateMyself,
    /// CLUSTER REPLICATE of a replica.
    #[error("I can only replicate a master, not a replica.")]
    ReplicateReplica,
    /// CLUSTER REPLICATE on a primary with slots or keys.
    #[error("To set a master the node must be empty and without assigned slots.")]
    ReplicateNotEmpty,
    /// CLUSTER MEET with an address that is not an IP, or a port out of range.
    #[error("Invalid node address specified: {ip}:{port}")]
    InvalidAddress {
        /// The address as given.
        ip: String,
        /// The port as given.
        port: i64,
    },
    /// ADDSLOTS of a slot that has an owner.
    #[error("Slot {0} is already busy")]
    SlotBusy(Slot),
    /// DELSLOTS of a slot without an owner.
    #[error("Slot {0} is already unassigned")]
    SlotUnassigned(Slot),
    /// ADDSLOTS/DELSLOTS naming a slot twice.
    #[error("Slot {0} specified multiple times")]
    SlotRepeated(Slot),
    /// SET-CONFIG-EPOCH on a node that knows other nodes.
    #[error("The user can assign a config epoch only when the node does not know any other node.")]
    ConfigEpochKnowsOthers,
    /// SET-CONFIG-EPOCH on a node whose configEpoch is set.
    #[error("Node config epoch is already non-zero")]
    ConfigEpochNonZero,
    /// A nodes.conf that cannot be read back.
    #[error("corrupted cluster config file at line {line}: {reason}")]
    CorruptConfig {
        /// 1-based line number (0: the file as a whole).
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
}
