//! A set of slots as a fixed 16384-bit bitmap: a node's slots, the slots of a gossip message.

use std::fmt;

use crate::{SLOT_COUNT, Slot, SlotError, SlotRange};

/// Size of the bitmap wire form ([`SlotSet::to_bytes`]): one bit per slot.
pub const SLOT_BITMAP_BYTES: usize = SLOT_COUNT / 8;

const WORD_BITS: usize = u64::BITS as usize;
const WORDS: usize = SLOT_COUNT / WORD_BITS;

/// A set of slots: 16384 bits in 256 words, so membership is one shift and one mask, and
/// counting or walking it is word-at-a-time.
///
/// Slot `s` is bit `s % 64` of word `s / 64`, which makes the little-endian bytes of the words
/// exactly Redis's `myslots` bitmap (bit `j` of byte `i` is slot `i * 8 + j`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SlotSet {
    words: [u64; WORDS],
}

impl Default for SlotSet {
    fn default() -> Self {
        Self::new()
    }
}

impl SlotSet {
    /// The empty set.
    pub const fn new() -> Self {
        Self { words: [0; WORDS] }
    }

    /// Adds `slot`; returns whether it was absent.
    ///
    /// # Panics
    /// If `slot >= SLOT_COUNT` (a caller bug: [`crate::key_slot`] and [`crate::parse_slot`]
    /// never produce such a slot).
    pub fn insert(&mut self, slot: Slot) -> bool {
        let (word, mask) = locate(slot);
        let absent = self.words[word] & mask == 0;
        self.words[word] |= mask;
        absent
    }

    /// Removes `slot`; returns whether it was present. A slot past the last is never present.
    pub fn remove(&mut self, slot: Slot) -> bool {
        if usize::from(slot) >= SLOT_COUNT {
            return false;
        }
        let (word, mask) = locate(slot);
        let present = self.words[word] & mask != 0;
        self.words[word] &= !mask;
        present
    }

    /// Whether `slot` is in the set. A slot past the last never is.
    pub fn contains(&self, slot: Slot) -> bool {
        usize::from(slot) < SLOT_COUNT && {
            let (word, mask) = locate(slot);
            self.words[word] & mask != 0
        }
    }

    /// Adds every slot of `range` (nothing if it is empty).
    ///
    /// # Panics
    /// If `range.end >= SLOT_COUNT` and the range is not empty.
    pub fn insert_range(&mut self, range: SlotRange) {
        for slot in range.start..=range.end {
            self.insert(slot);
        }
    }

    /// Removes every slot of `range`.
    pub fn remove_range(&mut self, range: SlotRange) {
        for slot in range.start..=range.end {
            self.remove(slot);
        }
    }

    /// Number of slots in the set.
    pub fn len(&self) -> usize {
        self.words
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// Whether the set has no slot.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }

    /// Removes every slot.
    pub fn clear(&mut self) {
        self.words = [0; WORDS];
    }

    /// The slots in ascending order.
    pub fn iter(&self) -> SlotSetIter<'_> {
        SlotSetIter {
            words: &self.words,
            word: 0,
            pending: self.words[0],
        }
    }

    /// The slots as maximal runs of consecutive slots, ascending: what `CLUSTER NODES` prints
    /// for a node and `CLUSTER SHARDS` lists for a shard.
    pub fn ranges(&self) -> SlotRanges<'_> {
        SlotRanges { set: self, from: 0 }
    }

    /// Adds every slot of `other`.
    pub fn union_with(&mut self, other: &SlotSet) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(mine, theirs)| *mine |= theirs);
    }

    /// Keeps only the slots also in `other`.
    pub fn intersection_with(&mut self, other: &SlotSet) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(mine, theirs)| *mine &= theirs);
    }

    /// Removes every slot of `other`.
    pub fn difference_with(&mut self, other: &SlotSet) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(mine, theirs)| *mine &= !theirs);
    }

    /// Whether the two sets share at least one slot.
    pub fn intersects(&self, other: &SlotSet) -> bool {
        self.words
            .iter()
            .zip(&other.words)
            .any(|(mine, theirs)| mine & theirs != 0)
    }

    /// Whether every slot of `self` is in `other`.
    pub fn is_subset(&self, other: &SlotSet) -> bool {
        self.words
            .iter()
            .zip(&other.words)
            .all(|(mine, theirs)| mine & !theirs == 0)
    }

    /// The 2048-byte bitmap Redis keeps in `myslots` and sends on the cluster bus:
    /// bit `j` (least significant first) of byte `i` is slot `i * 8 + j`.
    pub fn to_bytes(&self) -> [u8; SLOT_BITMAP_BYTES] {
        let mut bytes = [0u8; SLOT_BITMAP_BYTES];
        let (chunks, _) = bytes.as_chunks_mut::<8>();
        for (chunk, word) in chunks.iter_mut().zip(&self.words) {
            *chunk = word.to_le_bytes();
        }
        bytes
    }

    /// The set a [`SlotSet::to_bytes`] bitmap describes.
    pub fn from_bytes(bytes: &[u8; SLOT_BITMAP_BYTES]) -> Self {
        let mut set = Self::new();
        let (chunks, _) = bytes.as_chunks::<8>();
        for (word, chunk) in set.words.iter_mut().zip(chunks) {
            *word = u64::from_le_bytes(*chunk);
        }
        set
    }

    /// First slot at or after `from` that is in the set.
    fn next_present(&self, from: usize) -> Option<usize> {
        self.next_bit(from, |word| word)
    }

    /// First slot at or after `from` that is not in the set, or `SLOT_COUNT` if none.
    fn next_absent(&self, from: usize) -> usize {
        self.next_bit(from, |word| !word).unwrap_or(SLOT_COUNT)
    }

    /// First set bit at or after `from` in the words as seen through `view`.
    fn next_bit(&self, from: usize, view: impl Fn(u64) -> u64) -> Option<usize> {
        let mut word = from / WORD_BITS;
        let mut bits = view(*self.words.get(word)?) & (u64::MAX << (from % WORD_BITS));
        loop {
            if bits != 0 {
                return Some(word * WORD_BITS + bits.trailing_zeros() as usize);
            }
            word += 1;
            bits = view(*self.words.get(word)?);
        }
    }
}

/// Word index and bit mask of `slot`; panics past the last slot.
fn locate(slot: Slot) -> (usize, u64) {
    let slot = usize::from(slot);
    assert!(
        slot < SLOT_COUNT,
        "slot {slot} out of range 0..{SLOT_COUNT}"
    );
    (slot / WORD_BITS, 1u64 << (slot % WORD_BITS))
}

impl TryFrom<&[u8]> for SlotSet {
    type Error = SlotError;

    /// Reads a bitmap of unchecked length (as decoded from a message): it must be exactly
    /// [`SLOT_BITMAP_BYTES`] long.
    fn try_from(bytes: &[u8]) -> Result<Self, SlotError> {
        let bitmap: &[u8; SLOT_BITMAP_BYTES] = bytes
            .try_into()
            .map_err(|_| SlotError::BitmapLength { len: bytes.len() })?;
        Ok(Self::from_bytes(bitmap))
    }
}

impl FromIterator<Slot> for SlotSet {
    /// # Panics
    /// On a slot `>= SLOT_COUNT`, as [`SlotSet::insert`].
    fn from_iter<I: IntoIterator<Item = Slot>>(slots: I) -> Self {
        let mut set = Self::new();
        set.extend(slots);
        set
    }
}

impl Extend<Slot> for SlotSet {
    /// # Panics
    /// On a slot `>= SLOT_COUNT`, as [`SlotSet::insert`].
    fn extend<I: IntoIterator<Item = Slot>>(&mut self, slots: I) {
        for slot in slots {
            self.insert(slot);
        }
    }
}

impl<'a> IntoIterator for &'a SlotSet {
    type Item = Slot;
    type IntoIter = SlotSetIter<'a>;

    fn into_iter(self) -> SlotSetIter<'a> {
        self.iter()
    }
}

impl fmt::Debug for SlotSet {
    /// `SlotSet{0-5460, 7000}`: the ranges, not 256 words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SlotSet{")?;
        for (index, range) in self.ranges().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{range}")?;
        }
        f.write_str("}")
    }
}

/// Iterator over the slots of a [`SlotSet`], ascending.
#[derive(Debug, Clone)]
pub struct SlotSetIter<'a> {
    words: &'a [u64; WORDS],
    /// Index of the word `pending` came from.
    word: usize,
    /// The bits of that word not yet yielded.
    pending: u64,
}

impl Iterator for SlotSetIter<'_> {
    type Item = Slot;

    fn next(&mut self) -> Option<Slot> {
        while self.pending == 0 {
            self.word += 1;
            self.pending = *self.words.get(self.word)?;
        }
        let bit = self.pending.trailing_zeros() as usize;
        self.pending &= self.pending - 1;
        Some((self.word * WORD_BITS + bit) as Slot)
    }
}

/// Iterator over the maximal runs of consecutive slots of a [`SlotSet`], ascending.
#[derive(Debug, Clone)]
pub struct SlotRanges<'a> {
    set: &'a SlotSet,
    /// The slot to look for the next run from.
    from: usize,
}

impl Iterator for SlotRanges<'_> {
    type Item = SlotRange;

    fn next(&mut self) -> Option<SlotRange> {
        let start = self.set.next_present(self.from)?;
        let end_exclusive = self.set.next_absent(start);
        self.from = end_exclusive;
        Some(SlotRange {
            start: start as Slot,
            end: (end_exclusive - 1) as Slot,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LAST: Slot = (SLOT_COUNT - 1) as Slot;

    fn range(start: Slot, end: Slot) -> SlotRange {
        SlotRange { start, end }
    }

    #[test]
    fn insert_remove_contains() {
        let mut set = SlotSet::new();
        assert!(set.is_empty());
        assert!(set.insert(0));
        assert!(!set.insert(0));
        assert!(set.insert(LAST));
        assert!(set.insert(64));
        assert!(set.contains(0) && set.contains(64) && set.contains(LAST));
        assert!(!set.contains(1) && !set.contains(63));
        assert!(!set.contains(16384) && !set.contains(u16::MAX));
        assert_eq!(set.len(), 3);
        assert!(set.remove(64));
        assert!(!set.remove(64));
        assert!(!set.remove(16384));
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![0, LAST]);
        set.clear();
        assert!(set.is_empty());
        assert_eq!(set.len(), 0);
        assert_eq!(set, SlotSet::default());
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn insert_past_last_slot_panics() {
        SlotSet::new().insert(16384);
    }

    #[test]
    fn ranges_render_like_cluster_nodes() {
        let mut set = SlotSet::new();
        set.insert_range(range(0, 1364));
        set.insert(2000);
        set.insert_range(range(5461, 6826));
        set.insert(7000);
        set.insert_range(range(10923, 12287));
        let rendered: Vec<String> = set.ranges().map(|r| r.to_string()).collect();
        assert_eq!(rendered.join(" "), "0-1364 2000 5461-6826 7000 10923-12287");
        assert_eq!(
            format!("{set:?}"),
            "SlotSet{0-1364, 2000, 5461-6826, 7000, 10923-12287}"
        );
    }

    #[test]
    fn ranges_at_the_edges_and_word_boundaries() {
        let mut set = SlotSet::new();
        assert_eq!(set.ranges().count(), 0);
        set.insert_range(range(0, LAST));
        assert_eq!(set.len(), SLOT_COUNT);
        assert_eq!(set.ranges().collect::<Vec<_>>(), vec![range(0, LAST)]);
        set.remove_range(range(63, 64));
        set.remove(LAST - 1);
        assert_eq!(
            set.ranges().collect::<Vec<_>>(),
            vec![range(0, 62), range(65, LAST - 2), SlotRange::single(LAST)]
        );
        set.clear();
        set.insert_range(range(127, 128));
        assert_eq!(set.ranges().collect::<Vec<_>>(), vec![range(127, 128)]);
    }

    #[test]
    fn set_algebra() {
        let a: SlotSet = [1, 2, 3, 100].into_iter().collect();
        let b: SlotSet = [3, 100, 200].into_iter().collect();
        let mut union = a.clone();
        union.union_with(&b);
        assert_eq!(union.iter().collect::<Vec<_>>(), vec![1, 2, 3, 100, 200]);
        let mut intersection = a.clone();
        intersection.intersection_with(&b);
        assert_eq!(intersection.iter().collect::<Vec<_>>(), vec![3, 100]);
        let mut difference = a.clone();
        difference.difference_with(&b);
        assert_eq!(difference.iter().collect::<Vec<_>>(), vec![1, 2]);
        assert!(a.intersects(&b));
        assert!(!difference.intersects(&b));
        assert!(intersection.is_subset(&a) && intersection.is_subset(&b));
        assert!(!a.is_subset(&b));
        assert!(SlotSet::new().is_subset(&a));
    }

    #[test]
    fn bitmap_uses_redis_bit_order() {
        let set: SlotSet = [0, 9, 16383].into_iter().collect();
        let bytes = set.to_bytes();
        assert_eq!(bytes[0], 0b0000_0001);
        assert_eq!(bytes[1], 0b0000_0010);
        assert_eq!(bytes[2047], 0b1000_0000);
        assert_eq!(bytes.iter().filter(|&&b| b != 0).count(), 3);
    }

    #[test]
    fn bitmap_of_wrong_length_is_rejected() {
        assert_eq!(
            SlotSet::try_from(&[0u8; 2047][..]),
            Err(SlotError::BitmapLength { len: 2047 })
        );
        assert_eq!(
            SlotSet::try_from(&[0u8; 2049][..]),
            Err(SlotError::BitmapLength { len: 2049 })
        );
        let mut bytes = [0u8; SLOT_BITMAP_BYTES];
        bytes[1] = 0b1000_0001;
        let set = SlotSet::try_from(&bytes[..]).expect("right length");
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![8, 15]);
    }

    fn slots() -> impl Strategy<Value = Vec<Slot>> {
        // Clustered slots make long runs and word-boundary cases likely.
        let clustered = proptest::collection::vec((0u16..256).prop_map(|s| s * 64 % 16384), 0..64)
            .prop_flat_map(|bases| {
                let len = bases.len();
                (Just(bases), proptest::collection::vec(0u16..130, len))
            })
            .prop_map(|(bases, offsets)| {
                bases
                    .iter()
                    .zip(offsets)
                    .map(|(b, o)| (b + o).min(LAST))
                    .collect::<Vec<_>>()
            });
        prop_oneof![proptest::collection::vec(0..=LAST, 0..200), clustered]
    }

    /// The runs of a sorted, deduplicated slot list, found one slot at a time.
    fn naive_ranges(slots: &[Slot]) -> Vec<SlotRange> {
        let mut sorted = slots.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut ranges: Vec<SlotRange> = Vec::new();
        for slot in sorted {
            match ranges.last_mut() {
                Some(last) if last.end + 1 == slot => last.end = slot,
                _ => ranges.push(SlotRange::single(slot)),
            }
        }
        ranges
    }

    proptest! {
        #[test]
        fn ranges_coalesce_like_naive_model(slots in slots()) {
            let set: SlotSet = slots.iter().copied().collect();
            let ranges: Vec<SlotRange> = set.ranges().collect();
            prop_assert_eq!(&ranges, &naive_ranges(&slots));
            prop_assert_eq!(ranges.iter().map(SlotRange::len).sum::<usize>(), set.len());
        }

        #[test]
        fn iter_is_sorted_members(slots in slots()) {
            let set: SlotSet = slots.iter().copied().collect();
            let mut expected = slots.clone();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(set.iter().collect::<Vec<_>>(), expected.clone());
            prop_assert_eq!(set.len(), expected.len());
            for slot in expected {
                prop_assert!(set.contains(slot));
            }
        }

        #[test]
        fn bitmap_round_trips(slots in slots()) {
            let set: SlotSet = slots.iter().copied().collect();
            let bytes = set.to_bytes();
            for slot in 0..SLOT_COUNT {
                let bit = bytes[slot / 8] >> (slot % 8) & 1 == 1;
                prop_assert_eq!(bit, set.contains(slot as Slot));
            }
            prop_assert_eq!(SlotSet::from_bytes(&bytes), set);
        }

        #[test]
        fn algebra_matches_per_slot_logic(a in slots(), b in slots()) {
            let a: SlotSet = a.into_iter().collect();
            let b: SlotSet = b.into_iter().collect();
            let (mut union, mut intersection, mut difference) = (a.clone(), a.clone(), a.clone());
            union.union_with(&b);
            intersection.intersection_with(&b);
            difference.difference_with(&b);
            for slot in 0..=LAST {
                let (in_a, in_b) = (a.contains(slot), b.contains(slot));
                prop_assert_eq!(union.contains(slot), in_a || in_b);
                prop_assert_eq!(intersection.contains(slot), in_a && in_b);
                prop_assert_eq!(difference.contains(slot), in_a && !in_b);
            }
            prop_assert_eq!(a.intersects(&b), !intersection.is_empty());
            prop_assert_eq!(a.is_subset(&b), difference.is_empty());
        }
    }
}
