//! The member -> id hash index, grown without long pauses.
//!
//! One hash table that doubles rehashes every member at once: 150 ms for a million members,
//! all of it under the slot's lock. Redis avoids this with incremental rehashing; we split the
//! index into segments by linear hashing instead. Each segment is a `hashbrown` table of ids
//! (4 bytes a slot); when the index outgrows `segments * SEGMENT_TARGET`, one segment is split
//! in two, so any single pause touches at most a couple of segments' worth of members. A set
//! under `SEGMENT_TARGET` members has one segment and costs what a plain table would.
//!
//! Segments are picked by hash bits 32 and up; `hashbrown` uses the low bits for buckets and the
//! top seven for tags, so the two never correlate. Members are hashed and compared through
//! [`Entries`]; this module knows nothing else about them.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::entries::Entries;

/// Mean members per segment before one is split.
const SEGMENT_TARGET: usize = if cfg!(test) { 4 } else { 1 << 11 };

/// The hash index.
#[derive(Clone, Default)]
pub(crate) struct Index {
    segments: Vec<HashTable<u32>>,
    /// Segments `0..2^level` exist, plus `split` more at `2^level..2^level + split`.
    level: u32,
    /// Next segment to split.
    split: usize,
    len: usize,
    hasher: DefaultHashBuilder,
}

impl Index {
    /// An index sized for `n` members with no split ahead.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let level = n
            .div_ceil(SEGMENT_TARGET)
            .max(1)
            .next_power_of_two()
            .trailing_zeros();
        let per_segment = n >> level;
        Index {
            segments: (0..1usize << level)
                .map(|_| HashTable::with_capacity(per_segment + per_segment / 8))
                .collect(),
            level,
            split: 0,
            len: 0,
            hasher: DefaultHashBuilder::default(),
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn hash(&self, member: &[u8]) -> u64 {
        self.hasher.hash_one(member)
    }

    fn segment_of(&self, hash: u64) -> usize {
        let bits = (hash >> 32) as usize;
        let low = bits & ((1 << self.level) - 1);
        if low < self.split {
            bits & ((1 << (self.level + 1)) - 1)
        } else {
            low
        }
    }

    /// The id of the member with this hash and bytes.
    pub(crate) fn find(&self, hash: u64, member: &[u8], entries: &Entries) -> Option<u32> {
        self.segments
            .get(self.segment_of(hash))?
            .find(hash, |&id| entries.member(id) == member)
            .copied()
    }

    /// Adds `id`, whose member (hashing to `hash`) is not in the index yet.
    pub(crate) fn insert_new(&mut self, hash: u64, id: u32, entries: &Entries) {
        if self.segments.is_empty() {
            self.segments.push(HashTable::new());
        }
        let segment = self.segment_of(hash);
        let hasher = &self.hasher;
        self.segments[segment].insert_unique(hash, id, |&i| hasher.hash_one(entries.member(i)));
        self.len += 1;
        if self.len > self.segments.len() * SEGMENT_TARGET {
            self.split_one(entries);
        }
    }

    /// Linear hashing's step: segment `split` gives the members whose next hash bit is set to a
    /// new segment at `split + 2^level`.
    fn split_one(&mut self, entries: &Entries) {
        let hasher = &self.hasher;
        let bit = 1usize << self.level;
        let rehash = |&id: &u32| hasher.hash_one(entries.member(id));
        let source = &mut self.segments[self.split];
        let moving: Vec<u32> = source
            .extract_if(|id| (rehash(id) >> 32) as usize & bit != 0)
            .collect();
        let remaining = source.len();
        source.shrink_to(remaining, rehash);
        let mut target = HashTable::with_capacity(moving.len());
        for id in moving {
            target.insert_unique(rehash(&id), id, rehash);
        }
        self.segments.push(target);
        self.split += 1;
        if self.split == bit {
            self.level += 1;
            self.split = 0;
        }
    }

    /// Removes and returns the id of the member with this hash and bytes.
    pub(crate) fn remove(&mut self, hash: u64, member: &[u8], entries: &Entries) -> Option<u32> {
        let segment = self.segment_of(hash);
        let table = self.segments.get_mut(segment)?;
        let (id, _) = table
            .find_entry(hash, |&id| entries.member(id) == member)
            .ok()?
            .remove();
        self.len -= 1;
        self.shrink_segment(segment, entries);
        Some(id)
    }

    /// Removes `id` (its member hashes to `hash`).
    pub(crate) fn remove_id(&mut self, hash: u64, id: u32, entries: &Entries) {
        let segment = self.segment_of(hash);
        if let Some(table) = self.segments.get_mut(segment)
            && let Ok(found) = table.find_entry(hash, |&i| i == id)
        {
            found.remove();
            self.len -= 1;
            self.shrink_segment(segment, entries);
        }
    }

    /// Points the slot holding `from` (its member hashes to `hash`) at `to`.
    pub(crate) fn repoint(&mut self, hash: u64, from: u32, to: u32) {
        let segment = self.segment_of(hash);
        if let Some(slot) = self
            .segments
            .get_mut(segment)
            .and_then(|t| t.find_mut(hash, |&i| i == from))
        {
            *slot = to;
        }
    }

    /// Keeps only the ids for which `keep` holds (a sweep, no hashing).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(u32) -> bool, entries: &Entries) {
        for segment in 0..self.segments.len() {
            self.segments[segment].retain(|id| keep(*id));
            self.shrink_segment(segment, entries);
        }
        self.len = self.segments.iter().map(HashTable::len).sum();
    }

    /// Renames every id through `map` (a sweep, no hashing).
    pub(crate) fn relabel(&mut self, map: impl Fn(u32) -> u32) {
        for slot in self.segments.iter_mut().flat_map(HashTable::iter_mut) {
            *slot = map(*slot);
        }
    }

    fn shrink_segment(&mut self, segment: usize, entries: &Entries) {
        let hasher = &self.hasher;
        let table = &mut self.segments[segment];
        if table.len() < table.capacity() / 4 {
            let len = table.len();
            table.shrink_to(len, |&i| hasher.hash_one(entries.member(i)));
        }
    }

    /// Bytes of heap held by the segments.
    pub(crate) fn heap_size(&self) -> usize {
        self.segments
            .iter()
            .map(HashTable::allocation_size)
            .sum::<usize>()
            + self.segments.capacity() * size_of::<HashTable<u32>>()
    }

    /// Asserts every id sits in the segment its hash picks (tests only).
    #[cfg(test)]
    pub(crate) fn check(&self, entries: &Entries) {
        if !self.segments.is_empty() {
            assert_eq!(self.segments.len(), (1 << self.level) + self.split);
        }
        let mut total = 0;
        for (s, table) in self.segments.iter().enumerate() {
            for &id in table {
                assert_eq!(self.segment_of(self.hash(entries.member(id))), s);
            }
            total += table.len();
        }
        assert_eq!(total, self.len);
    }
}
