//! The errors of the bit commands, with Redis 7.0's texts.

/// Why a bit command failed. `Display` is Redis's error line without the leading `-`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BitError {
    /// A bit offset that is not an integer, is negative, or addresses a byte at or past
    /// `proto-max-bulk-len` (512 MB by default: offsets up to 2^32 - 1).
    #[error("ERR bit offset is not an integer or out of range")]
    BitOffset,
    /// SETBIT's value is not 0 or 1.
    #[error("ERR bit is not an integer or out of range")]
    BitValue,
    /// An integer argument (range bounds, BITPOS's bit, BITFIELD values) does not parse.
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    /// BITPOS's bit is an integer other than 0 or 1.
    #[error("ERR The bit argument must be 1 or 0.")]
    BitArgument,
    /// Wrong number or kind of arguments.
    #[error("ERR syntax error")]
    Syntax,
    /// BITOP NOT with other than one source key.
    #[error("ERR BITOP NOT must be called with a single source key.")]
    BitopNotArity,
    /// A BITFIELD type other than i1..i64 or u1..u63.
    #[error(
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
    )]
    BitfieldType,
    /// BITFIELD OVERFLOW with other than WRAP, SAT or FAIL.
    #[error("ERR Invalid OVERFLOW type specified")]
    OverflowType,
    /// BITFIELD_RO given SET or INCRBY.
    #[error("ERR BITFIELD_RO only supports the GET subcommand")]
    ReadOnlyWrite,
}
