//! Redis 7.0's compact byte encodings for small collections, byte for byte:
//!
//! - [`listpack`]: the listpack (small hashes, sorted sets, list nodes);
//!   [`Listpack`] edits, [`ListpackView`] reads in place.
//! - [`intset`]: the sorted integer array of small integer sets;
//!   [`Intset`] edits, [`IntsetView`] reads in place.
//! - [`ziplist`]: reading the ziplists of pre-7.0 RDB payloads, and their
//!   conversion to listpacks as Redis 7.0 does on load.
//! - [`Element`]: one listpack value, a byte string or an integer.
//! - [`FormatError`]: why untrusted bytes are refused by a `validate`.
//!
//! Trust: the views read any bytes without panicking or reading out of bounds,
//! but give meaningful answers only for well-formed encodings; the owned types
//! edit well-formed encodings only. Bytes from outside (RESTORE, RDB files)
//! go through the module's `validate(bytes, true)` first, which agrees with
//! Redis 7.0's deep integrity checks.
//!
//! A pure library: no IO, no RDB framing, no collection semantics (those are
//! the store's). Reads never allocate; lookups are linear scans over the
//! bytes, as in Redis.

#![warn(missing_docs)]

mod element;
mod error;
pub mod intset;
pub mod listpack;
#[cfg(test)]
mod redis_vectors;
pub mod ziplist;

pub use element::{Element, IntBuf};
pub use error::{Format, FormatError};
pub use intset::{Intset, IntsetView};
pub use listpack::{Entry, EntryPos, Listpack, ListpackView, Side};
