//! The collection types (lists, sets, sorted sets, hashes): their compact and large forms,
//! the thresholds between them, and the read/write views the command handlers use.
//!
//! A small collection is a listpack or an intset stored inline in the key's own block (see
//! [`crate::entry`]); past Redis's thresholds (`hash-max-listpack-entries`, ...) it becomes a
//! large structure held behind a pointer. Commands live in [`crate::cmd`].

pub mod hash;
pub mod list;
pub mod set;
pub mod table;
pub mod zset;

use crate::entry::{Entry, ValueType};

/// The encoding OBJECT ENCODING reports for the value of `entry`.
pub fn encoding_name(entry: &Entry) -> &'static str {
    match entry.value_type() {
        ValueType::String => entry.encoding().name(),
        // Redis 7.0's lists are always quicklists.
        ValueType::List => "quicklist",
        ValueType::Set => set::SetRef::of(entry).map_or("hashtable", |s| s.encoding()),
        ValueType::ZSet => zset::ZSetRef::of(entry).map_or("skiplist", |z| z.encoding()),
        ValueType::Hash => hash::HashRef::of(entry).map_or("hashtable", |h| h.encoding()),
    }
}
