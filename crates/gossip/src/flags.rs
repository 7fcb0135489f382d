//! Node flags with Redis's `CLUSTER_NODE_*` bit values (they travel on the bus as they are),
//! their `CLUSTER NODES` names, and the per-message flags.

use std::fmt;

/// The flags of one node, as a bit set with Redis's values.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NodeFlags(u16);

impl NodeFlags {
    /// This node.
    pub const MYSELF: NodeFlags = NodeFlags(1);
    /// A primary.
    pub const MASTER: NodeFlags = NodeFlags(2);
    /// A replica.
    pub const SLAVE: NodeFlags = NodeFlags(4);
    /// Possibly failing: no PONG within the node timeout (`fail?`).
    pub const PFAIL: NodeFlags = NodeFlags(8);
    /// Failing: a majority of primaries agreed.
    pub const FAIL: NodeFlags = NodeFlags(16);
    /// Met by CLUSTER MEET or a MEET message; its real id is not known yet.
    pub const HANDSHAKE: NodeFlags = NodeFlags(32);
    /// Its address is not known.
    pub const NOADDR: NodeFlags = NodeFlags(64);
    /// Send it MEET rather than PING on the next connection.
    pub const MEET: NodeFlags = NodeFlags(128);
    /// A primary that should get a replica by replica migration.
    pub const MIGRATE_TO: NodeFlags = NodeFlags(256);
    /// A replica that never fails over (`cluster-replica-no-failover`).
    pub const NOFAILOVER: NodeFlags = NodeFlags(512);

    /// No flag set.
    pub const fn empty() -> NodeFlags {
        NodeFlags(0)
    }

    /// The raw bits (what goes on the wire).
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Flags from raw bits; unknown bits are kept (a newer peer may send them).
    pub const fn from_bits(bits: u16) -> NodeFlags {
        NodeFlags(bits)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: NodeFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set.
    pub const fn intersects(self, other: NodeFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// Sets the flags of `other`.
    pub fn insert(&mut self, other: NodeFlags) {
        self.0 |= other.0;
    }

    /// Clears the flags of `other`.
    pub fn remove(&mut self, other: NodeFlags) {
        self.0 &= !other.0;
    }
}

impl std::ops::BitOr for NodeFlags {
    type Output = NodeFlags;
    fn bitor(self, other: NodeFlags) -> NodeFlags {
        NodeFlags(self.0 | other.0)
    }
}

impl std::ops::BitAnd for NodeFlags {
    type Output = NodeFlags;
    fn bitand(self, other: NodeFlags) -> NodeFlags {
        NodeFlags(self.0 & other.0)
    }
}

/// `CLUSTER NODES` names, in the order Redis prints them.
const NAMES: [(NodeFlags, &str); 8] = [
    (NodeFlags::MYSELF, "myself"),
    (NodeFlags::MASTER, "master"),
    (NodeFlags::SLAVE, "slave"),
    (NodeFlags::PFAIL, "fail?"),
    (NodeFlags::FAIL, "fail"),
    (NodeFlags::HANDSHAKE, "handshake"),
    (NodeFlags::NOADDR, "noaddr"),
    (NodeFlags::NOFAILOVER, "nofailover"),
];

impl NodeFlags {
    /// The flag for one `CLUSTER NODES` / nodes.conf name (`noflags` is the empty set).
    pub fn from_name(name: &str) -> Option<NodeFlags> {
        if name.eq_ignore_ascii_case("noflags") {
            return Some(NodeFlags::empty());
        }
        NAMES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(flag, _)| *flag)
    }
}

impl fmt::Display for NodeFlags {
    /// Redis `representClusterNodeFlags`: `myself,master`, ... or `noflags`. MEET and
    /// MIGRATE_TO are never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (flag, name) in NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("noflags")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NodeFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeFlags({self})")
    }
}

/// Per-message flags (Redis `mflags[0]`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct MessageFlags(u8);

impl MessageFlags {
    /// The sender is a primary with clients paused for a manual failover.
    pub const PAUSED: MessageFlags = MessageFlags(1);
    /// A vote request that must be answered although the primary is up (manual failover).
    pub const FORCEACK: MessageFlags = MessageFlags(2);

    /// No flag set.
    pub const fn empty() -> MessageFlags {
        MessageFlags(0)
    }

    /// The raw bits.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Flags from raw bits.
    pub const fn from_bits(bits: u8) -> MessageFlags {
        MessageFlags(bits)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: MessageFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_cluster_nodes() {
        assert_eq!(
            (NodeFlags::MYSELF | NodeFlags::MASTER).to_string(),
            "myself,master"
        );
        assert_eq!(
            (NodeFlags::MASTER | NodeFlags::PFAIL | NodeFlags::MEET).to_string(),
            "master,fail?"
        );
        assert_eq!(NodeFlags::empty().to_string(), "noflags");
        assert_eq!(NodeFlags::HANDSHAKE.to_string(), "handshake");
        assert_eq!(
            (NodeFlags::SLAVE | NodeFlags::FAIL | NodeFlags::NOFAILOVER).to_string(),
            "slave,fail,nofailover"
        );
    }

    #[test]
    fn names_parse_back() {
        for (flag, name) in NAMES {
            assert_eq!(NodeFlags::from_name(name), Some(flag));
        }
        assert_eq!(NodeFlags::from_name("noflags"), Some(NodeFlags::empty()));
        assert_eq!(NodeFlags::from_name("meet"), None);
    }
}
