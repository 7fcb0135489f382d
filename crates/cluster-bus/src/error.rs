//! This crate's error: a frame or message that cannot be accepted. The driver closes the link
//! it came on and counts it; nothing here panics on input.

/// Why bytes from the bus were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusError {
    /// The frame does not start with `TSRB`.
    #[error("bad frame magic {0:02x?}")]
    BadMagic(Vec<u8>),
    /// A frame version this node does not speak.
    #[error("unsupported frame version {0}")]
    BadVersion(u8),
    /// A payload longer than the configured maximum.
    #[error("frame payload of {len} bytes exceeds the {max} bytes limit")]
    Oversized {
        /// The announced payload length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A payload that is not a valid `Envelope`.
    #[error("undecodable message: {0}")]
    Undecodable(String),
    /// A decodable message whose content is invalid (a bad id, bitmap or port).
    #[error("invalid message: {0}")]
    Invalid(&'static str),
}
