//! Redis 7.0's listpack (`src/listpack.c`): a sequence of strings and
//! integers packed in one byte blob, the encoding of small hashes, sorted
//! sets and list nodes. Byte for byte what Redis writes, so blobs move
//! through DUMP/RESTORE and RDB files unchanged.
//!
//! Layout: a 6-byte header (total bytes, u32 LE; element count, u16 LE, 65535
//! meaning "count them"), the entries (see `entry`), and a 0xFF terminator.
//!
//! - [`ListpackView`] reads borrowed bytes in place (iteration both ways,
//!   seek, `lpFind`); [`Listpack`] owns its bytes and edits them.
//! - [`validate`] checks untrusted bytes.
//!
//! Not here: the collection semantics (hash fields, scores, conversion
//! thresholds) and RDB framing, which belong to the store.

mod entry;
mod owned;
mod validate;
mod view;

#[cfg(test)]
mod tests;

pub use owned::{Listpack, SAFETY_SIZE_LIMIT, Side};
pub use validate::validate;
pub use view::{Entries, Entry, EntryPos, Iter, ListpackView, Pairs};
