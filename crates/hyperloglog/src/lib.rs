//! Redis 7.0's HyperLogLog, byte for byte, over string values.
//!
//! A HyperLogLog is a plain string in Redis, so everything here works on the string's bytes:
//! `&[u8]` to read, `&mut Vec<u8>` to update in place. Given the same commands, the values
//! are identical to Redis's (same header, same sparse opcodes split and merged the same
//! way, same promotions to dense, same cached cardinality bytes), so values move freely
//! between Redis and Tessera by DUMP/RESTORE, replication or GET/SET, and the estimates
//! agree to the unit.
//!
//! It owns the encodings, the estimator and the per-command semantics (including which
//! errors a foreign string produces). It does not own the keyspace: looking keys up,
//! WRONGTYPE for non-strings, storing created values, dirty counters and notifications
//! are the caller's; each function says what to do with its result.
//!
//! Map of the crate:
//! - `layout`: the header, cached cardinality and [`encoding_of`] (validation).
//! - `hash`: MurmurHash64A and `hllPatLen`.
//! - `dense` / `sparse`: the two register encodings.
//! - `estimate`: `hllCount` (Ertl's estimator as Redis 7.0 computes it).
//! - `commands`: [`pfadd`], [`pfadd_new`], [`pfcount`], [`RegisterUnion`] (PFCOUNT of
//!   several keys, PFMERGE), [`pfdebug`].
//! - `selftest`: [`pfselftest`].

mod commands;
mod dense;
mod error;
mod estimate;
mod hash;
mod layout;
mod selftest;
mod sparse;

pub use commands::{
    Cardinality, DEFAULT_SPARSE_MAX_BYTES, PfDebug, PfDebugReply, RegisterUnion, empty_hll, pfadd,
    pfadd_new, pfcount, pfdebug,
};
pub use error::HllError;
pub use layout::{Encoding, encoding_of};
pub use selftest::pfselftest;
