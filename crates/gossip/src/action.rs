//! What the state machine asks its driver (the `node` crate) to do: the outputs of every
//! input. Nothing here performs anything.

use slot_map::SlotSet;

use crate::{Message, NodeId};

/// A bus connection, outbound (made by this node) or inbound (accepted). Ids are handed out by
/// the state machine: outbound ones in [`Action::Connect`], inbound ones by
/// [`crate::ClusterState::accept_link`]. An id is never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkId(pub u64);

/// Severity of a [`Action::Log`] line, as Redis's `loglevel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Redis `LL_DEBUG`.
    Debug,
    /// Redis `LL_VERBOSE`.
    Verbose,
    /// Redis `LL_NOTICE`.
    Notice,
    /// Redis `LL_WARNING`.
    Warning,
}

/// One thing for the driver to do, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open a bus connection to `ip:cport` for `node`. Report the outcome with
    /// [`crate::ClusterState::on_link_connected`] or [`crate::ClusterState::on_link_closed`].
    /// Messages sent to the link before it is connected are queued and written once it is.
    Connect {
        /// The new link.
        link: LinkId,
        /// The node it leads to (its id may be a temporary handshake id).
        node: NodeId,
        /// Where to connect.
        ip: String,
        /// The bus port.
        cport: u16,
    },
    /// Write `message` (framed) on `link`.
    Send {
        /// The link.
        link: LinkId,
        /// The message (boxed: it carries a 2 KB slot bitmap).
        message: Box<Message>,
    },
    /// Close `link`; the state machine has already forgotten it (don't report it back).
    CloseLink {
        /// The link.
        link: LinkId,
    },
    /// nodes.conf must be rewritten with [`crate::ClusterState::config_text`] (atomically:
    /// temporary file, then rename; with `fsync` the data is synced before the rename). Also
    /// the signal that anything nodes.conf holds changed (nodes, slots, epochs, roles), for a
    /// driver that caches a routing table.
    PersistConfig {
        /// Whether the write must be fsynced.
        fsync: bool,
    },
    /// `cluster_state` changed to ok (`true`) or fail.
    ClusterStateChanged {
        /// The new state.
        ok: bool,
    },
    /// This node's primary changed, or its primary's address did: replicate from `primary`
    /// (at its current address), or stop replicating when `None`.
    PrimaryChanged {
        /// The new primary, `None` when this node is now a primary.
        primary: Option<NodeId>,
    },
    /// This node lost these slots to a newer configuration while staying a primary: delete
    /// the keys it still holds in them.
    DeleteKeysInSlots {
        /// The lost slots (boxed: 2 KB).
        slots: Box<SlotSet>,
    },
    /// Deliver a Pub/Sub message received from another node to this node's subscribers.
    Deliver {
        /// Channel name.
        channel: Vec<u8>,
        /// Payload.
        message: Vec<u8>,
        /// Whether it is a sharded message (SPUBLISH).
        sharded: bool,
    },
    /// A log line, with Redis's wording.
    Log {
        /// Severity.
        level: LogLevel,
        /// The text.
        text: String,
    },
}
