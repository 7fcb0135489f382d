//! Redis's RDB byte format, byte-compatible with Redis 7.0.
//!
//! Owns the bytes: writing RDB version 10 as Redis 7.0 does (SAVE/BGSAVE
//! files, replication full syncs, DUMP payloads) and reading what Redis 7.0
//! and 7.2 write (RDB versions 1 to 11, DUMP payloads for RESTORE).
//!
//! - [`Encoder`] appends to an in-memory buffer the caller drains, keeping a
//!   running CRC64; [`encode_dump_payload`] is one value's DUMP.
//! - [`Decoder`] reads any [`std::io::Read`] record by record ([`Record`],
//!   [`KeyRecord`]); [`decode_dump_payload`] reads one DUMP payload.
//! - [`Value`] is a decoded value: listpacks and intsets stay the validated
//!   bytes they were in the file (ziplists and zipmaps are converted to
//!   listpacks on the way, as Redis 7.0 does), other forms are plain vectors.
//! - [`lzf`] and [`crc64`] are the compression and checksum the format uses.
//! - [`RdbError`] says why bytes were refused and at which offset.
//!
//! Untrusted input never panics the decoder and never makes it allocate much
//! beyond the bytes that actually arrive; every compact blob is deeply
//! validated (and checked as Redis checks it on load) before it is returned.
//! Streams, module values and module aux data are refused as
//! [`RdbError::Unsupported`].
//!
//! Not here: files and sockets (callers give a reader and drain a buffer),
//! the keyspace (expiring keys on load, database limits, duplicate keys,
//! skipping empty collections), and choosing a value's encoding (the store
//! decides, and calls the encoder accordingly).

#![warn(missing_docs)]

mod compact;
pub mod crc64;
mod decoder;
mod dump;
mod encoder;
mod error;
mod input;
pub mod lzf;
mod object;
mod types;
mod value;

#[cfg(test)]
mod tests;

pub use decoder::{Decoder, DecoderOptions, KeyRecord, Record};
pub use dump::decode_dump_payload;
pub use encoder::{Encoder, EncoderOptions, encode_dump_payload};
pub use error::{Corruption, DumpFooterError, LzfError, RdbError};
pub use types::{MAX_READ_VERSION, ObjectType, RDB_VERSION, opcode};
pub use value::{ListNode, Value};
