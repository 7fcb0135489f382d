//! Cluster membership for Tessera as a sans-IO state machine: the node table, node flags,
//! epochs, the MEET handshake, PING/PONG gossip, failure detection (PFAIL -> FAIL), FAIL,
//! UPDATE, slot ownership by configEpoch, FORGET's ban list, `cluster_state`, and the
//! CLUSTER NODES / nodes.conf text. The rules are Redis 7.0's (src/cluster.c), cited where
//! they are enforced.
//!
//! What it does not own: sockets, framing and encoding (`cluster-bus`), the clock, files,
//! the keyspace, replication, replica elections (`failover`), command parsing (`node`).
//! Time and randomness come in as arguments (a Unix time in ms; a seed), and every input
//! returns the [`Action`]s for the driver to execute, so a whole cluster can run in one
//! thread with a fake clock (see `sim`). `DESIGN.md` beside this crate tells the driver's
//! side.
//!
//! Map of the crate:
//! - [`ClusterState`] (`state`): the state machine. Inputs: [`ClusterState::on_message`],
//!   [`ClusterState::tick`], link events ([`ClusterState::accept_link`],
//!   [`ClusterState::on_link_connected`], [`ClusterState::on_link_closed`]) and operator
//!   commands (`meet`, `forget`, `replicate`, `add_slots`, ...). Outputs: [`Action`].
//! - [`Message`], [`Header`], [`Body`], [`GossipEntry`] (`message`): the bus messages.
//! - [`ClusterNode`] (`node`): one entry of the node table; [`NodeFlags`] (`flags`).
//! - [`NodeId`] (`id`), [`GossipConfig`] (`config`), [`GossipError`] (`error`).
//! - `sim` (tests, or the `sim` feature): many state machines over an in-memory network with
//!   loss, delay and partitions, driven by one seed.

mod action;
mod config;
mod error;
mod flags;
mod id;
mod message;
mod node;
mod state;

#[cfg(any(test, feature = "sim"))]
pub mod sim;

pub use action::{Action, LinkId, LogLevel};
pub use config::GossipConfig;
pub use error::GossipError;
pub use flags::{MessageFlags, NodeFlags};
pub use id::{NODE_ID_LEN, NodeId};
pub use message::{Body, GossipEntry, Header, Message, MessageType};
pub use node::{ClusterNode, FailureReport};
pub use state::{
    BLACKLIST_TTL_MS, BumpOutcome, ClusterState, FAIL_REPORT_VALIDITY_MULT, FAIL_UNDO_TIME_MULT,
    LinkInfo, SlotStats,
};
pub use state::{MAX_REJOIN_DELAY_MS, MIN_REJOIN_DELAY_MS, TICK_INTERVAL_MS, WRITABLE_DELAY_MS};
