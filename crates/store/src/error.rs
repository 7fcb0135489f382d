//! Command errors and the exact Redis texts they render to.
//!
//! Handlers return `CmdError`; the connection renders it with its Redis prefix at the edge.

use slot_map::Slot;

/// Why a command failed, rendered to the client as a RESP error (`Display` is the text after `-`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmdError {
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    #[error("ERR syntax error")]
    Syntax,
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    #[error("ERR value is not a valid float")]
    NotFloat,
    #[error("ERR increment or decrement would overflow")]
    Overflow,
    #[error("ERR no such key")]
    NoSuchKey,
    #[error("ERR invalid expire time in '{0}' command")]
    InvalidExpireTime(&'static str),
    #[error("ERR wrong number of arguments for '{0}' command")]
    WrongArity(String),
    #[error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")]
    StringTooLong,
    #[error("ERR offset is out of range")]
    OffsetOutOfRange,
    #[error("ERR DB index is out of range")]
    DbIndexOutOfRange,
    #[error("ERR source and destination objects are the same")]
    SameObject,
    #[error("ERR {0}")]
    Err(String),
    /// A full error line including its own prefix (e.g. `BUSYKEY ...`, `CLUSTERDOWN ...`).
    #[error("{0}")]
    Raw(String),
    #[error("ERR internal error: key of slot {0} used without locking its slot")]
    UnlockedKey(Slot),
}

impl CmdError {
    /// An `ERR <text>` error.
    pub fn err(text: impl Into<String>) -> CmdError {
        CmdError::Err(text.into())
    }
}

pub type CmdResult = Result<crate::reply::Written, CmdError>;
