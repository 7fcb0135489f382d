//! One entry of the node table (Redis's `clusterNode`) and its failure reports. The table and
//! every rule that changes an entry live in `state`.

use slot_map::SlotSet;

use crate::{LinkId, NodeFlags, NodeId};

/// What this node knows about one node (itself included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterNode {
    /// The node's id (a random temporary one while in handshake).
    pub id: NodeId,
    /// Its IP (empty while unknown, e.g. this node before its first MEET).
    pub ip: String,
    /// Its client port.
    pub port: u16,
    /// Its cluster bus port.
    pub cport: u16,
    /// Its TLS client port (0: none).
    pub tls_port: u16,
    /// Its announced hostname (empty: none).
    pub hostname: String,
    /// Its flags.
    pub flags: NodeFlags,
    /// Its primary, for a replica (may be unknown to the node table yet).
    pub primary: Option<NodeId>,
    /// Its shard, as it announced it.
    pub shard_id: Option<NodeId>,
    /// When the pending PING was sent (0: none pending), Unix ms.
    pub ping_sent: u64,
    /// When the last PONG arrived, Unix ms.
    pub pong_received: u64,
    /// When any message from it last arrived, Unix ms.
    pub data_received: u64,
    /// When it was flagged FAIL, Unix ms.
    pub fail_time: u64,
    /// When it was added to the table, Unix ms.
    pub created: u64,
    /// Its configEpoch.
    pub config_epoch: u64,
    /// Its replication offset, as last announced.
    pub repl_offset: u64,
    /// The slots it owns (kept equal to the slot table's view).
    pub slots: SlotSet,
    /// The outbound link to it.
    pub link: Option<LinkId>,
    /// The inbound link from it.
    pub inbound_link: Option<LinkId>,
    /// Primaries that reported it failing, with when they last did.
    pub fail_reports: Vec<FailureReport>,
    /// Number of the PING/PONG this node was last put in the gossip of (no duplicates).
    pub(crate) last_in_ping_gossip: u64,
}

/// A primary's report that a node is failing or possibly failing (Redis `clusterNodeFailReport`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureReport {
    /// The primary that reported it.
    pub reporter: NodeId,
    /// When it last did, Unix ms.
    pub time: u64,
}

impl ClusterNode {
    /// A node with `flags` and nothing else known.
    pub(crate) fn new(id: NodeId, flags: NodeFlags, now: u64) -> ClusterNode {
        ClusterNode {
            id,
            ip: String::new(),
            port: 0,
            cport: 0,
            tls_port: 0,
            hostname: String::new(),
            flags,
            primary: None,
            shard_id: None,
            ping_sent: 0,
            pong_received: 0,
            data_received: 0,
            fail_time: 0,
            created: now,
            config_epoch: 0,
            repl_offset: 0,
            slots: SlotSet::new(),
            link: None,
            inbound_link: None,
            fail_reports: Vec::new(),
            last_in_ping_gossip: 0,
        }
    }

    /// A primary (Redis `nodeIsMaster`).
    pub fn is_primary(&self) -> bool {
        self.flags.contains(NodeFlags::MASTER)
    }

    /// A replica (Redis `nodeIsSlave`).
    pub fn is_replica(&self) -> bool {
        self.flags.contains(NodeFlags::SLAVE)
    }

    /// In handshake: its id is still a temporary one.
    pub fn in_handshake(&self) -> bool {
        self.flags.contains(NodeFlags::HANDSHAKE)
    }

    /// Possibly failing (PFAIL, Redis `nodeTimedOut`).
    pub fn timed_out(&self) -> bool {
        self.flags.contains(NodeFlags::PFAIL)
    }

    /// Failing (FAIL, Redis `nodeFailed`).
    pub fn failed(&self) -> bool {
        self.flags.contains(NodeFlags::FAIL)
    }

    /// Number of slots it owns.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }
}
