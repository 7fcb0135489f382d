//! The errors of the HyperLogLog commands, with Redis 7.0's texts.

/// Why a HyperLogLog operation failed. `Display` is Redis's error line without the leading `-`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HllError {
    /// The string is not a HyperLogLog: too short, wrong magic, unknown encoding, or a dense
    /// value whose length is not exactly 12304 bytes (`isHLLObjectOrReply`).
    #[error("WRONGTYPE Key is not a valid HyperLogLog string value.")]
    NotHll,
    /// The header is fine but the registers are not: a sparse sequence that does not cover
    /// exactly 16384 registers.
    #[error("INVALIDOBJ Corrupted HLL object detected")]
    Corrupted,
    /// PFDEBUG on a key that does not exist.
    #[error("ERR The specified key does not exist")]
    DebugNoSuchKey,
    /// PFDEBUG DECODE on a dense value.
    #[error("ERR HLL encoding is not sparse")]
    DebugNotSparse,
    /// PFDEBUG with a subcommand it does not know (the name as given).
    #[error("ERR Unknown PFDEBUG subcommand '{0}'")]
    DebugUnknownSubcommand(String),
    /// PFSELFTEST found a disagreement; the text after `TESTFAILED`.
    #[error("TESTFAILED {0}")]
    SelfTestFailed(String),
}
