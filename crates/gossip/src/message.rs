//! The messages of the cluster bus as the state machine sees them: a [`Header`] about the
//! sender and a [`Body`] per message type (Redis's `clusterMsg`). How they are encoded is the
//! `cluster-bus` crate's business; this crate never sees bytes.

use slot_map::SlotSet;

use crate::{MessageFlags, NodeFlags, NodeId};

/// One bus message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// What the sender says about itself.
    pub header: Header,
    /// The type-specific part.
    pub body: Body,
}

/// What every message says about its sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The sender's id.
    pub sender: NodeId,
    /// The sender's currentEpoch.
    pub current_epoch: u64,
    /// The sender's configEpoch, or its primary's when it is a replica.
    pub config_epoch: u64,
    /// The sender's flags as it sees itself.
    pub flags: NodeFlags,
    /// The sender's slots, or its primary's when it is a replica.
    pub slots: SlotSet,
    /// The sender's replication offset.
    pub repl_offset: u64,
    /// The sender's primary when it is a replica.
    pub primary: Option<NodeId>,
    /// The announced IP; empty means "use the address the link sees".
    pub ip: String,
    /// Client port.
    pub port: u16,
    /// Cluster bus port.
    pub cport: u16,
    /// TLS client port (0: none).
    pub tls_port: u16,
    /// Announced hostname (empty: none).
    pub hostname: String,
    /// The sender's shard.
    pub shard_id: Option<NodeId>,
    /// Whether the sender sees `cluster_state:ok`.
    pub cluster_ok: bool,
    /// Per-message flags.
    pub mflags: MessageFlags,
}

/// The type-specific part of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A liveness probe; answered with PONG.
    Ping {
        /// Gossip about other nodes.
        gossip: Vec<GossipEntry>,
    },
    /// The answer to PING or MEET, also broadcast to spread a new configuration.
    Pong {
        /// Gossip about other nodes.
        gossip: Vec<GossipEntry>,
    },
    /// A PING that asks the receiver to add the sender to its node table.
    Meet {
        /// Gossip about other nodes.
        gossip: Vec<GossipEntry>,
    },
    /// `node` is failing.
    Fail {
        /// The failing node.
        node: NodeId,
    },
    /// `node` owns `slots` under `config_epoch` (corrects a stale claim).
    Update {
        /// The owner.
        node: NodeId,
        /// The owner's configEpoch.
        config_epoch: u64,
        /// The owner's slots (boxed: 2 KB).
        slots: Box<SlotSet>,
    },
    /// A Pub/Sub message for every node.
    Publish {
        /// Channel name.
        channel: Vec<u8>,
        /// Payload.
        message: Vec<u8>,
    },
    /// A sharded Pub/Sub message for the nodes of the sender's shard.
    PublishShard {
        /// Channel name.
        channel: Vec<u8>,
        /// Payload.
        message: Vec<u8>,
    },
    /// A replica asks for a vote (handled by the failover logic, not by gossip).
    FailoverAuthRequest,
    /// A primary's vote (handled by the failover logic, not by gossip).
    FailoverAuthAck,
    /// A replica asks its primary to start a manual failover (failover logic).
    MfStart,
    /// A module's message.
    Module {
        /// The module's id.
        module_id: u64,
        /// The module's message type.
        kind: u8,
        /// The payload.
        payload: Vec<u8>,
    },
}

/// What a PING/PONG/MEET tells about one other node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GossipEntry {
    /// The node.
    pub node: NodeId,
    /// When the sender last pinged it without an answer yet (0: none), Unix ms.
    pub ping_sent: u64,
    /// When the sender last got its PONG, Unix ms.
    pub pong_received: u64,
    /// Its IP.
    pub ip: String,
    /// Its client port.
    pub port: u16,
    /// Its bus port.
    pub cport: u16,
    /// Its TLS client port.
    pub tls_port: u16,
    /// Its flags as the sender sees them.
    pub flags: NodeFlags,
}

/// Message types with Redis's numbers (`CLUSTERMSG_TYPE_*`), for statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageType {
    /// PING.
    Ping = 0,
    /// PONG.
    Pong = 1,
    /// MEET.
    Meet = 2,
    /// FAIL.
    Fail = 3,
    /// PUBLISH.
    Publish = 4,
    /// FAILOVER_AUTH_REQUEST.
    FailoverAuthRequest = 5,
    /// FAILOVER_AUTH_ACK.
    FailoverAuthAck = 6,
    /// UPDATE.
    Update = 7,
    /// MFSTART.
    MfStart = 8,
    /// MODULE.
    Module = 9,
    /// PUBLISHSHARD.
    PublishShard = 10,
}

impl MessageType {
    /// Every type, in Redis's order (the order of CLUSTER INFO's statistics).
    pub const ALL: [MessageType; 11] = [
        MessageType::Ping,
        MessageType::Pong,
        MessageType::Meet,
        MessageType::Fail,
        MessageType::Publish,
        MessageType::FailoverAuthRequest,
        MessageType::FailoverAuthAck,
        MessageType::Update,
        MessageType::MfStart,
        MessageType::Module,
        MessageType::PublishShard,
    ];

    /// The name CLUSTER INFO uses (`cluster_stats_messages_<name>_sent`).
    pub fn stats_name(self) -> &'static str {
        match self {
            MessageType::Ping => "ping",
            MessageType::Pong => "pong",
            MessageType::Meet => "meet",
            MessageType::Fail => "fail",
            MessageType::Publish => "publish",
            MessageType::FailoverAuthRequest => "auth-req",
            MessageType::FailoverAuthAck => "auth-ack",
            MessageType::Update => "update",
            MessageType::MfStart => "mfstart",
            MessageType::Module => "module",
            MessageType::PublishShard => "publishshard",
        }
    }
}

impl Message {
    /// The message's type.
    pub fn message_type(&self) -> MessageType {
        match self.body {
            Body::Ping { .. } => MessageType::Ping,
            Body::Pong { .. } => MessageType::Pong,
            Body::Meet { .. } => MessageType::Meet,
            Body::Fail { .. } => MessageType::Fail,
            Body::Update { .. } => MessageType::Update,
            Body::Publish { .. } => MessageType::Publish,
            Body::PublishShard { .. } => MessageType::PublishShard,
            Body::FailoverAuthRequest => MessageType::FailoverAuthRequest,
            Body::FailoverAuthAck => MessageType::FailoverAuthAck,
            Body::MfStart => MessageType::MfStart,
            Body::Module { .. } => MessageType::Module,
        }
    }
}
