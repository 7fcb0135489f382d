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

/// Does `entry` hold a collection with no element left?
pub fn is_empty_collection(entry: &Entry) -> bool {
    match entry.value_type() {
        ValueType::String => false,
        ValueType::List => list::ListRef::of(entry).is_ok_and(|l| l.is_empty()),
        ValueType::Set => set::SetRef::of(entry).is_ok_and(|s| s.is_empty()),
        ValueType::ZSet => zset::ZSetRef::of(entry).is_ok_and(|z| z.is_empty()),
        ValueType::Hash => hash::HashRef::of(entry).is_ok_and(|h| h.is_empty()),
    }
}

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

/// What an RDB dump would spend on the value of `entry` (DEBUG OBJECT's `serializedlength`):
/// strings as [`crate::entry::serialized_string_len`], compact collections as their blob
/// written as one RDB string, large ones as a length and each element as an RDB string
/// (scores as 8-byte doubles). LZF compression is not modelled.
pub fn serialized_length(entry: &Entry) -> usize {
    use crate::entry::{Collection, Stored, serialized_string_len};
    let raw = |b: &[u8]| serialized_string_len(b, crate::entry::StrEncoding::Raw);
    let count = |n: usize| {
        serialized_string_len(&[], crate::entry::StrEncoding::Raw) - 1 + (n >= 64) as usize
    };
    match entry.stored() {
        Stored::Str(v) => serialized_string_len(v, entry.encoding()),
        Stored::Compact(_, blob) => raw(blob),
        Stored::Large(Collection::List(l)) => {
            count(l.len()) + l.iter().map(|e| raw(e)).sum::<usize>()
        }
        Stored::Large(Collection::Set(s)) => count(s.len()) + s.iter().map(raw).sum::<usize>(),
        Stored::Large(Collection::Hash(h)) => {
            count(h.len())
                + h.iter()
                    .map(|item| {
                        let (f, v) = hash::split(item);
                        raw(f) + raw(v)
                    })
                    .sum::<usize>()
        }
        Stored::Large(Collection::ZSet(z)) => {
            count(z.len()) + z.iter().map(|(m, _)| raw(m) + 8).sum::<usize>()
        }
    }
}
