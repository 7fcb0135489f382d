//! Large sorted sets: what Redis calls the `skiplist` encoding of a zset, built differently.
//!
//! A [`SortedSet`] maps members (byte strings) to scores (`f64`, never NaN) and keeps them in
//! Redis's order: by score ascending (compared with `<` and `==`, so `-0.0 == 0.0`), ties by
//! member bytes (memcmp, shorter first on a common prefix). Every member lookup is O(1); every
//! rank, score-range and lex-range operation is O(log n); iterating a rank range costs
//! O(log n) to start and O(1) per element, either way.
//!
//! Layout (why it is shaped this way):
//! - `entries`: each member and its score stored once, in a dense, chunked array addressed by
//!   `u32` ids; members of up to 22 bytes sit inside their 32-byte entry with no allocation.
//! - `index`: a hash table of ids (4 bytes a slot), hashed and compared through `entries`,
//!   split into segments that grow one at a time (no whole-index rehash pause).
//! - `tree`: a B+ tree of `(score, id)` with subtree counts for ranks and linked leaves for
//!   iteration; nodes are fixed-size blocks in arenas, ~50 members per 768-byte leaf.
//!
//! With 10-byte members that is 58 bytes a member for a million random inserts (55 when bulk
//! built), against 102 in Redis 7.0 (MEMORY USAGE; dictEntry, sds and skiplist node). Nothing
//! here is random, so behaviour is reproducible: the hash seed only affects the index's layout
//! and [`SortedSet::at`]'s storage order is a function of the operations, never of a seed.
//!
//! This crate owns the data structure only: command parsing, reply encoding, the small
//! (listpack) encoding and conversion thresholds belong to the store.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod entries;
mod index;
mod range;
mod tree;

use std::fmt;
use std::ops::Range;

use entries::Entries;
use index::Index;
pub use range::{LexBound, LexRange, ScoreBound, ScoreRange};
use tree::{NONE, Tree};

/// The most members a set can hold (ids and subtree counts are `u32`).
pub const MAX_LEN: usize = u32::MAX as usize - 1;

/// Up to this many ids removed or moved at once are handled one by one; more take a sweep over
/// the index or the tree (tests lower it so that small sets take both paths).
const FEW: usize = if cfg!(test) { 4 } else { 64 };

/// Why a sorted set refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SortedSetError {
    /// The score is NaN (Redis: "resulting score is not a number (NaN)").
    #[error("resulting score is not a number (NaN)")]
    NanScore,
    /// A bulk build was given the same member twice.
    #[error("duplicate member")]
    DuplicateMember,
    /// The set already holds [`MAX_LEN`] members.
    #[error("sorted set is full")]
    Full,
}

/// What [`SortedSet::insert`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InsertOutcome {
    /// The member was new.
    Added,
    /// The member was there with a different score.
    Updated {
        /// The score it had.
        old_score: f64,
    },
    /// The member was there with an equal score (by `==`: `-0.0` equals `0.0`); the stored
    /// score was left as it was, as Redis does.
    Unchanged {
        /// The score it keeps.
        score: f64,
    },
}

/// A sorted set of byte-string members with `f64` scores.
#[derive(Clone, Default)]
pub struct SortedSet {
    entries: Entries,
    index: Index,
    tree: Tree,
}

impl SortedSet {
    /// An empty set (allocates nothing).
    pub fn new() -> Self {
        SortedSet::default()
    }

    /// Builds a set from `(member, score)` pairs in any order; O(n) when they come sorted (as
    /// from a listpack), O(n log n) otherwise. Nodes are packed full.
    pub fn from_entries<M, I>(items: I) -> Result<Self, SortedSetError>
    where
        M: AsRef<[u8]>,
        I: IntoIterator<Item = (M, f64)>,
    {
        let items = items.into_iter();
        let expected = items.size_hint().0.min(MAX_LEN);
        let mut set = SortedSet {
            entries: Entries::with_capacity(expected),
            index: Index::with_capacity(expected),
            tree: Tree::default(),
        };
        for (member, score) in items {
            let member = member.as_ref();
            if score.is_nan() {
                return Err(SortedSetError::NanScore);
            }
            if set.entries.len() >= MAX_LEN {
                return Err(SortedSetError::Full);
            }
            let hash = set.index.hash(member);
            if set.index.find(hash, member, &set.entries).is_some() {
                return Err(SortedSetError::DuplicateMember);
            }
            set.push_new(hash, member, score);
        }
        let entries = &set.entries;
        let mut keys: Vec<(f64, u32)> = (0..entries.len() as u32)
            .map(|id| (entries.score(id), id))
            .collect();
        let order = |a: &(f64, u32), b: &(f64, u32)| {
            a.0.partial_cmp(&b.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| entries.member(a.1).cmp(entries.member(b.1)))
        };
        if !keys.is_sorted_by(|a, b| order(a, b).is_lt()) {
            keys.sort_unstable_by(order);
        }
        set.tree = Tree::from_sorted(&keys);
        Ok(set)
    }

    /// How many members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    fn id_of(&self, member: &[u8]) -> Option<u32> {
        self.index
            .find(self.index.hash(member), member, &self.entries)
    }

    /// Whether `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.id_of(member).is_some()
    }

    /// The score of `member` (ZSCORE).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.id_of(member).map(|id| self.entries.score(id))
    }

    fn push_new(&mut self, hash: u64, member: &[u8], score: f64) -> u32 {
        let id = self.entries.push(member, score);
        self.index.insert_new(hash, id, &self.entries);
        id
    }

    /// Adds `member` with `score`, or moves it to `score` (Redis's `zsetAdd` without flags; the
    /// caller applies NX/XX/GT/LT/INCR with [`score`](Self::score) first). NaN is refused.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Result<InsertOutcome, SortedSetError> {
        if score.is_nan() {
            return Err(SortedSetError::NanScore);
        }
        let hash = self.index.hash(member);
        if let Some(id) = self.index.find(hash, member, &self.entries) {
            let old_score = self.entries.score(id);
            if old_score == score {
                return Ok(InsertOutcome::Unchanged { score: old_score });
            }
            let key = (old_score, id);
            if !self.tree.update_score_in_place(key, score, &self.entries) {
                self.tree.remove_key(key, &self.entries);
                self.tree.insert((score, id), &self.entries);
            }
            self.entries.set_score(id, score);
            return Ok(InsertOutcome::Updated { old_score });
        }
        if self.entries.len() >= MAX_LEN {
            return Err(SortedSetError::Full);
        }
        let id = self.push_new(hash, member, score);
        self.tree.insert((score, id), &self.entries);
        Ok(InsertOutcome::Added)
    }

    /// Removes `member`; returns its score if it was there (ZREM).
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let hash = self.index.hash(member);
        let id = self.index.remove(hash, member, &self.entries)?;
        let score = self.entries.score(id);
        self.tree.remove_key((score, id), &self.entries);
        self.release_ids(&[id]);
        Some(score)
    }

    /// Frees the entries `removed` (ascending ids, already out of the index and the tree): the
    /// surviving entries with the highest ids move into the holes below the new length, and the
    /// index and the tree are re-pointed at them, one by one when few move, by a sweep over both
    /// when many do.
    fn release_ids(&mut self, removed: &[u32]) {
        let len = self.entries.len();
        if let [id] = removed {
            let last = (len - 1) as u32;
            if *id != last {
                let hash = self.index.hash(self.entries.member(last));
                self.index.repoint(hash, last, *id);
                let key = (self.entries.score(last), last);
                self.tree.replace_id(key, *id, &self.entries);
                self.entries.swap(*id, last);
            }
            self.entries.truncate(len - 1);
            return;
        }
        let new_len = len - removed.len();
        let split = removed.partition_point(|&id| (id as usize) < new_len);
        let holes = &removed[..split];
        let mut removed_above = removed[split..].iter().copied().peekable();
        let movers: Vec<u32> = (new_len as u32..len as u32)
            .filter(|&id| {
                let gone = removed_above.peek() == Some(&id);
                if gone {
                    removed_above.next();
                }
                !gone
            })
            .collect();
        if movers.len() <= FEW || movers.len() <= len / 256 {
            for (&mover, &hole) in movers.iter().zip(holes) {
                let hash = self.index.hash(self.entries.member(mover));
                self.index.repoint(hash, mover, hole);
                let key = (self.entries.score(mover), mover);
                self.tree.replace_id(key, hole, &self.entries);
                self.entries.swap(hole, mover);
            }
        } else {
            let map = |id: u32| match movers.binary_search(&id) {
                Ok(k) => holes[k],
                Err(_) => id,
            };
            self.index.relabel(map);
            self.tree.relabel(map);
            for (&mover, &hole) in movers.iter().zip(holes) {
                self.entries.swap(hole, mover);
            }
        }
        self.entries.truncate(new_len);
    }

    /// The 0-based rank of `member` in ascending order (ZRANK; the reverse rank is
    /// `len - 1 - rank`).
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let id = self.id_of(member)?;
        self.tree
            .rank_of((self.entries.score(id), id), &self.entries)
    }

    /// The member and score at `rank` (0-based, ascending), if `rank < len`.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        let (score, id) = self.tree.get(rank)?;
        Some((self.entries.member(id), score))
    }

    /// The member stored at `position` (< len) in storage order, which is arbitrary and changes
    /// as members are removed; O(1), for uniform random picks (ZRANDMEMBER) where rank order
    /// does not matter.
    pub fn at(&self, position: usize) -> Option<(&[u8], f64)> {
        (position < self.len()).then(|| {
            let id = position as u32;
            (self.entries.member(id), self.entries.score(id))
        })
    }

    /// All members in ascending order (reverse with `.rev()`).
    pub fn iter(&self) -> Iter<'_> {
        self.range_by_rank(0..self.len())
    }

    /// The members at ranks `ranks` (clamped to `0..len`), ascending; `.rev()` walks them
    /// descending. Costs O(log n) to set up.
    pub fn range_by_rank(&self, ranks: Range<usize>) -> Iter<'_> {
        let end = ranks.end.min(self.len());
        let start = ranks.start.min(end);
        let (front, back) = if start < end {
            (self.tree.cursor(start), self.tree.cursor(end))
        } else {
            ((NONE, 0), (NONE, 0))
        };
        Iter {
            tree: &self.tree,
            entries: &self.entries,
            front,
            back,
            remaining: end - start,
        }
    }

    // ------------------------------------------------------------ score ranges

    /// The ranks whose scores are in `range` (empty when none are): ZCOUNT is its length,
    /// ZRANGEBYSCORE walks it.
    pub fn score_range_ranks(&self, range: &ScoreRange) -> Range<usize> {
        if !range.may_hold_any() {
            return 0..0;
        }
        let start = self.tree.partition(|score, _| !range.above_min(score));
        let end = self.tree.partition(|score, _| range.below_max(score));
        start..end.max(start)
    }

    /// The rank of the first member with a score in `range` (Redis's `zslFirstInRange`).
    pub fn score_range_first(&self, range: &ScoreRange) -> Option<usize> {
        let ranks = self.score_range_ranks(range);
        (!ranks.is_empty()).then_some(ranks.start)
    }

    /// The rank of the last member with a score in `range` (Redis's `zslLastInRange`).
    pub fn score_range_last(&self, range: &ScoreRange) -> Option<usize> {
        let ranks = self.score_range_ranks(range);
        (!ranks.is_empty()).then(|| ranks.end - 1)
    }

    /// How many members have a score in `range` (ZCOUNT), in O(log n).
    pub fn count_in_score_range(&self, range: &ScoreRange) -> usize {
        self.score_range_ranks(range).len()
    }

    /// The members with a score in `range`, ascending (`.rev()` for ZREVRANGEBYSCORE).
    pub fn range_by_score(&self, range: &ScoreRange) -> Iter<'_> {
        self.range_by_rank(self.score_range_ranks(range))
    }

    // ------------------------------------------------------------ lex ranges
    //
    // Lex ranges assume the set is ordered by member, which holds when all scores are equal.
    // When they are not, the answers follow Redis's algorithms (zslFirstInLexRange and co.): the
    // first (last) member is found by a search that takes "not below min" ("not above max") to
    // hold on a prefix, and walks go on while the next member is still in range. As in Redis
    // the result is not meaningful, but here it is a function of the members' order alone (see
    // `lex_partition`); Redis's depends on its skiplist's random levels.

    /// Redis's `zslIsInLexRange`: the range is well formed, the last member is not below it
    /// and the first member is not above it.
    fn lex_range_may_match(&self, range: &LexRange<'_>) -> bool {
        if !range.may_hold_any() {
            return false;
        }
        match (
            self.get_by_rank(0),
            self.get_by_rank(self.len().wrapping_sub(1)),
        ) {
            (Some((first, _)), Some((last, _))) => range.above_min(last) && range.below_max(first),
            _ => false,
        }
    }

    /// The rank where members stop being below `range`'s min.
    fn lex_start(&self, range: &LexRange<'_>) -> usize {
        self.lex_partition(|member| !range.above_min(member))
    }

    /// The rank where `before` (a test on members) stops holding. When all scores are equal the
    /// set is ordered by member and a tree descent finds it. Otherwise the answer is the one the
    /// textbook binary search over ranks gives (O(log² n)): a function of the members' order
    /// alone, not of the tree's shape, so a replica that loaded the set from a snapshot agrees
    /// with the master that built it member by member.
    fn lex_partition(&self, before: impl Fn(&[u8]) -> bool) -> usize {
        let len = self.len();
        let ends = (self.tree.get(0), self.tree.get(len.wrapping_sub(1)));
        match ends {
            (Some((low, _)), Some((high, _))) if low != high => {
                let (mut lo, mut hi) = (0, len);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    match self.get_by_rank(mid) {
                        Some((member, _)) if before(member) => lo = mid + 1,
                        _ => hi = mid,
                    }
                }
                lo
            }
            _ => self.tree.partition(|_, id| before(self.entries.member(id))),
        }
    }

    /// The rank of the first member in `range` (Redis's `zslFirstInLexRange`).
    pub fn lex_range_first(&self, range: &LexRange<'_>) -> Option<usize> {
        if !self.lex_range_may_match(range) {
            return None;
        }
        let rank = self.lex_start(range);
        let (member, _) = self.get_by_rank(rank)?;
        range.below_max(member).then_some(rank)
    }

    /// The rank of the last member in `range` (Redis's `zslLastInLexRange`).
    pub fn lex_range_last(&self, range: &LexRange<'_>) -> Option<usize> {
        if !self.lex_range_may_match(range) {
            return None;
        }
        let end = self.lex_partition(|member| range.below_max(member));
        let rank = end.checked_sub(1)?;
        let (member, _) = self.get_by_rank(rank)?;
        range.above_min(member).then_some(rank)
    }

    /// How many members are in `range` (ZLEXCOUNT: last rank - first rank + 1), in O(log n).
    pub fn count_in_lex_range(&self, range: &LexRange<'_>) -> usize {
        match (self.lex_range_first(range), self.lex_range_last(range)) {
            (Some(first), Some(last)) if last >= first => last - first + 1,
            _ => 0,
        }
    }

    /// The members in `range`, ascending (ZRANGEBYLEX): from the first in range while members
    /// are not above max.
    pub fn range_by_lex<'s, 'r>(
        &'s self,
        range: &LexRange<'r>,
    ) -> impl Iterator<Item = (&'s [u8], f64)> + use<'s, 'r> {
        let start = self.lex_range_first(range).unwrap_or(self.len());
        let range = *range;
        self.range_by_rank(start..self.len())
            .take_while(move |(member, _)| range.below_max(member))
    }

    /// The members in `range`, descending (ZREVRANGEBYLEX): from the last in range while
    /// members are not below min.
    pub fn range_by_lex_rev<'s, 'r>(
        &'s self,
        range: &LexRange<'r>,
    ) -> impl Iterator<Item = (&'s [u8], f64)> + use<'s, 'r> {
        let end = self.lex_range_last(range).map_or(0, |last| last + 1);
        let range = *range;
        self.range_by_rank(0..end)
            .rev()
            .take_while(move |(member, _)| range.above_min(member))
    }

    // ------------------------------------------------------------ removal of ranges

    /// Removes the members at ranks `ranks` (clamped), calling `on_removed` for each in
    /// ascending order before it is dropped; returns how many were removed (ZREMRANGEBYRANK).
    pub fn remove_range_by_rank(
        &mut self,
        ranks: Range<usize>,
        mut on_removed: impl FnMut(&[u8], f64),
    ) -> usize {
        let end = ranks.end.min(self.len());
        let start = ranks.start.min(end);
        if start == end {
            return 0;
        }
        let mut removed = Vec::with_capacity(end - start);
        self.tree
            .remove_ranks(start, end - start, &self.entries, &mut removed);
        for &(score, id) in &removed {
            on_removed(self.entries.member(id), score);
        }
        if self.tree.is_empty() {
            *self = SortedSet::new();
            return removed.len();
        }
        let mut ids: Vec<u32> = removed.iter().map(|&(_, id)| id).collect();
        ids.sort_unstable();
        if ids.len() <= FEW || ids.len() <= self.len() / 16 {
            for &id in &ids {
                let hash = self.index.hash(self.entries.member(id));
                self.index.remove_id(hash, id, &self.entries);
            }
        } else {
            let mut gone = vec![0u64; self.len().div_ceil(64)];
            for &id in &ids {
                gone[id as usize / 64] |= 1 << (id % 64);
            }
            self.index.retain(
                |id| gone[id as usize / 64] & (1 << (id % 64)) == 0,
                &self.entries,
            );
        }
        self.release_ids(&ids);
        removed.len()
    }

    /// Removes the members with a score in `range` (ZREMRANGEBYSCORE); see
    /// [`remove_range_by_rank`](Self::remove_range_by_rank) for `on_removed`.
    pub fn remove_range_by_score(
        &mut self,
        range: &ScoreRange,
        on_removed: impl FnMut(&[u8], f64),
    ) -> usize {
        let ranks = self.score_range_ranks(range);
        self.remove_range_by_rank(ranks, on_removed)
    }

    /// Removes the members in `range` (ZREMRANGEBYLEX, as Redis's `zslDeleteRangeByLex`: from
    /// the first member not below min, while members are not above max); see
    /// [`remove_range_by_rank`](Self::remove_range_by_rank) for `on_removed`.
    pub fn remove_range_by_lex(
        &mut self,
        range: &LexRange<'_>,
        on_removed: impl FnMut(&[u8], f64),
    ) -> usize {
        let start = self.lex_start(range);
        let count = self
            .range_by_rank(start..self.len())
            .take_while(|(member, _)| range.below_max(member))
            .count();
        self.remove_range_by_rank(start..start + count, on_removed)
    }

    /// Removes and returns up to `count` members with the lowest scores, lowest first
    /// (ZPOPMIN).
    pub fn pop_min(&mut self, count: usize) -> Vec<(Vec<u8>, f64)> {
        let mut popped = Vec::with_capacity(count.min(self.len()));
        self.remove_range_by_rank(0..count, |m, s| popped.push((m.to_vec(), s)));
        popped
    }

    /// Removes and returns up to `count` members with the highest scores, highest first
    /// (ZPOPMAX).
    pub fn pop_max(&mut self, count: usize) -> Vec<(Vec<u8>, f64)> {
        let start = self.len().saturating_sub(count);
        let mut popped = Vec::with_capacity(self.len() - start);
        self.remove_range_by_rank(start..self.len(), |m, s| popped.push((m.to_vec(), s)));
        popped.reverse();
        popped
    }

    // ------------------------------------------------------------ scanning and memory

    /// One ZSCAN step: visits up to `count` members (in no particular order) below `cursor`
    /// (0 starts a scan) and returns the next cursor (0 when done). A member present for the
    /// whole scan is visited at least once.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        let len = self.len() as u64;
        let top = if cursor == 0 { len } else { cursor.min(len) };
        let bottom = top.saturating_sub(count.max(1) as u64);
        for id in (bottom..top).rev() {
            let id = id as u32;
            visit(self.entries.member(id), self.entries.score(id));
        }
        bottom
    }

    /// Bytes of heap this set holds (MEMORY USAGE): entries, boxed members, hash index and tree
    /// nodes. Allocator rounding is not included.
    pub fn heap_size(&self) -> usize {
        self.entries.heap_size() + self.index.heap_size() + self.tree.heap_size()
    }
}

impl fmt::Debug for SortedSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.iter()
                    .map(|(member, score)| (String::from_utf8_lossy(member), score)),
            )
            .finish()
    }
}

/// Members and scores over a rank range, in order; double-ended and exact-sized.
#[derive(Clone)]
pub struct Iter<'a> {
    tree: &'a Tree,
    entries: &'a Entries,
    /// Leaf and position of the next item from the front (may be one past a leaf's end).
    front: (u32, usize),
    /// Leaf and position just past the next item from the back.
    back: (u32, usize),
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let mut leaf = self.tree.leaf(self.front.0);
        if self.front.1 == leaf.count() {
            self.front = (leaf.next(), 0);
            leaf = self.tree.leaf(self.front.0);
        }
        let (score, id) = leaf.key(self.front.1);
        self.front.1 += 1;
        self.remaining -= 1;
        Some((self.entries.member(id), score))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        if self.back.1 == 0 {
            let prev = self.tree.leaf(self.back.0).prev();
            self.back = (prev, self.tree.leaf(prev).count());
        }
        self.back.1 -= 1;
        let (score, id) = self.tree.leaf(self.back.0).key(self.back.1);
        self.remaining -= 1;
        Some((self.entries.member(id), score))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl std::iter::FusedIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a SortedSet {
    type Item = (&'a [u8], f64);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests;
