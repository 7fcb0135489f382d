//! Node ids: 40 characters of `[a-z0-9]` (Redis's `verifyClusterNodeId`), random ones made
//! from the state machine's seeded RNG. Nothing here knows about nodes themselves.

use std::fmt;

use rand::Rng;

/// Length of a node id (Redis `CLUSTER_NAMELEN`).
pub const NODE_ID_LEN: usize = 40;

/// A node id (also used for shard ids). Ordered bytewise, as Redis's `memcmp` orders them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId([u8; NODE_ID_LEN]);

impl NodeId {
    /// Reads an id: exactly 40 bytes, each a lowercase letter or a digit (Redis accepts any
    /// `[a-z0-9]`, though it only makes hex). `None` otherwise.
    pub fn parse(text: &[u8]) -> Option<NodeId> {
        let bytes: [u8; NODE_ID_LEN] = text.try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            .then_some(NodeId(bytes))
    }

    /// 40 random lowercase hex characters (Redis `getRandomHexChars`).
    pub fn random(rng: &mut impl Rng) -> NodeId {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [0u8; NODE_ID_LEN];
        for b in &mut bytes {
            *b = HEX[rng.random_range(0..16)];
        }
        NodeId(bytes)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits ever get in (see `parse` and `random`).
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The id's 40 bytes.
    pub fn as_bytes(&self) -> &[u8; NODE_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for NodeId {
    /// The first 8 characters, enough to tell nodes apart in test output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", &self.as_str()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    #[test]
    fn parse_accepts_redis_ids_only() {
        let id = "65d59c33b968991459556b0ec0da0b879f57cc7a";
        assert_eq!(
            NodeId::parse(id.as_bytes()).map(|n| n.to_string()),
            Some(id.to_string())
        );
        assert!(NodeId::parse(b"65d59c33").is_none());
        assert!(NodeId::parse(id.to_uppercase().as_bytes()).is_none());
        assert!(NodeId::parse(format!("{id}0").as_bytes()).is_none());
        assert!(NodeId::parse(b"65d59c33b968991459556b0ec0da0b879f57cc7-").is_none());
    }

    #[test]
    fn random_ids_are_hex_and_follow_the_seed() {
        let a = NodeId::random(&mut SmallRng::seed_from_u64(7));
        let b = NodeId::random(&mut SmallRng::seed_from_u64(7));
        let c = NodeId::random(&mut SmallRng::seed_from_u64(8));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(
            a.as_str()
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(NodeId::parse(a.as_bytes()), Some(a));
    }
}
