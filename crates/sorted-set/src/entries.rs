//! The members and scores of a sorted set, stored once, at dense positions (ids `0..len`).
//!
//! Both the hash index and the order tree refer to a member by its `u32` id here, so a
//! member's bytes exist in exactly one place. Members up to [`INLINE_CAP`] bytes live inside
//! the 32-byte entry (no allocation); longer ones are boxed. Removal moves entries from the top
//! into the holes (the caller re-points the index and the tree at the moved ids), which keeps ids
//! dense: memory shrinks with the set, and SCAN can walk ids from the top down without missing
//! anything (an entry only ever moves from a higher id to a lower one).
//!
//! Entries are kept in chunks of at most [`CHUNK_LEN`], each grown by doubling, so growing a
//! large set never copies it whole and never holds more than one partly used chunk.
//! It knows nothing of order or hashing.

/// Longest member kept inside its entry without an allocation.
pub(crate) const INLINE_CAP: usize = 22;

const CHUNK_BITS: u32 = 10;
/// Entries per chunk.
pub(crate) const CHUNK_LEN: usize = 1 << CHUNK_BITS;
const CHUNK_MASK: u32 = (1 << CHUNK_BITS) - 1;

/// A member's bytes: inline when short, boxed otherwise.
#[derive(Clone)]
enum Member {
    Inline { len: u8, bytes: [u8; INLINE_CAP] },
    Heap(Box<[u8]>),
}

impl Member {
    fn new(member: &[u8]) -> Self {
        if member.len() <= INLINE_CAP {
            let mut bytes = [0u8; INLINE_CAP];
            bytes[..member.len()].copy_from_slice(member);
            Member::Inline {
                len: member.len() as u8,
                bytes,
            }
        } else {
            Member::Heap(member.into())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Member::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Member::Heap(b) => b,
        }
    }

    /// Bytes this member holds outside its entry.
    fn heap_len(&self) -> usize {
        match self {
            Member::Inline { .. } => 0,
            Member::Heap(b) => b.len(),
        }
    }
}

/// One member and its score.
#[derive(Clone)]
pub(crate) struct Entry {
    score: f64,
    member: Member,
}

/// The dense, chunked store of entries.
#[derive(Clone, Default)]
pub(crate) struct Entries {
    chunks: Vec<Vec<Entry>>,
    len: usize,
    /// Sum of the lengths of boxed members (for `heap_size`).
    boxed_bytes: usize,
}

impl Entries {
    pub(crate) fn with_capacity(n: usize) -> Self {
        let mut entries = Entries::default();
        let mut left = n;
        while left > 0 {
            let take = left.min(CHUNK_LEN);
            entries.chunks.push(Vec::with_capacity(take));
            left -= take;
        }
        entries
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn entry(&self, id: u32) -> &Entry {
        &self.chunks[(id >> CHUNK_BITS) as usize][(id & CHUNK_MASK) as usize]
    }

    pub(crate) fn member(&self, id: u32) -> &[u8] {
        self.entry(id).member.as_bytes()
    }

    pub(crate) fn score(&self, id: u32) -> f64 {
        self.entry(id).score
    }

    pub(crate) fn set_score(&mut self, id: u32, score: f64) {
        self.chunks[(id >> CHUNK_BITS) as usize][(id & CHUNK_MASK) as usize].score = score;
    }

    /// Appends an entry and returns its id (the caller keeps `len` below `u32::MAX`).
    pub(crate) fn push(&mut self, member: &[u8], score: f64) -> u32 {
        let id = self.len as u32;
        let chunk_index = self.len >> CHUNK_BITS;
        if chunk_index == self.chunks.len() {
            self.chunks.push(Vec::new());
        }
        let chunk = &mut self.chunks[chunk_index];
        if chunk.len() == chunk.capacity() {
            let grow = chunk.capacity().max(4).min(CHUNK_LEN - chunk.capacity());
            chunk.reserve_exact(grow);
        }
        let member = Member::new(member);
        self.boxed_bytes += member.heap_len();
        chunk.push(Entry { score, member });
        self.len += 1;
        id
    }

    /// Exchanges the entries `a` and `b`.
    pub(crate) fn swap(&mut self, a: u32, b: u32) {
        if a == b {
            return;
        }
        let (low, high) = (a.min(b), a.max(b));
        let (lc, lo) = ((low >> CHUNK_BITS) as usize, (low & CHUNK_MASK) as usize);
        let (hc, ho) = ((high >> CHUNK_BITS) as usize, (high & CHUNK_MASK) as usize);
        if lc == hc {
            self.chunks[lc].swap(lo, ho);
        } else {
            let (left, right) = self.chunks.split_at_mut(hc);
            std::mem::swap(&mut left[lc][lo], &mut right[0][ho]);
        }
    }

    /// Drops the entries from `new_len` on.
    pub(crate) fn truncate(&mut self, new_len: usize) {
        while self.len > new_len {
            let Some(chunk) = self.chunks.last_mut() else {
                break;
            };
            let keep = chunk.len().saturating_sub(self.len - new_len);
            self.boxed_bytes -= chunk[keep..]
                .iter()
                .map(|e| e.member.heap_len())
                .sum::<usize>();
            self.len -= chunk.len() - keep;
            chunk.truncate(keep);
            if chunk.is_empty() {
                self.chunks.pop();
            } else if chunk.len() < chunk.capacity() / 4 {
                chunk.shrink_to(chunk.len() * 2);
            }
        }
    }

    /// Bytes of heap held: the chunks, the chunk table and the boxed members.
    pub(crate) fn heap_size(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| c.capacity() * size_of::<Entry>())
            .sum::<usize>()
            + self.chunks.capacity() * size_of::<Vec<Entry>>()
            + self.boxed_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_32_bytes() {
        assert_eq!(size_of::<Entry>(), 32);
    }

    #[test]
    fn short_members_inline_long_ones_boxed() {
        let mut e = Entries::default();
        let short = [7u8; INLINE_CAP];
        let long = [9u8; INLINE_CAP + 1];
        let a = e.push(&short, 1.0);
        let b = e.push(&long, 2.0);
        let c = e.push(b"", -0.0);
        assert_eq!(e.member(a), &short);
        assert_eq!(e.member(b), &long);
        assert_eq!(e.member(c), b"");
        assert_eq!(e.boxed_bytes, INLINE_CAP + 1);
        e.swap(b, c);
        e.truncate(2);
        assert_eq!(e.len(), 2);
        assert_eq!(e.member(b), b"");
        assert!(e.score(b).is_sign_negative());
        assert_eq!(e.boxed_bytes, 0);
    }

    #[test]
    fn chunks_fill_to_their_limit_and_are_freed_when_empty() {
        let mut e = Entries::default();
        for i in 0..(CHUNK_LEN * 2 + 3) {
            e.push(&(i as u32).to_le_bytes(), i as f64);
        }
        assert_eq!(e.chunks.len(), 3);
        assert!(e.chunks.iter().all(|c| c.capacity() <= CHUNK_LEN));
        assert_eq!(
            e.member(CHUNK_LEN as u32 + 5),
            &(CHUNK_LEN as u32 + 5).to_le_bytes()
        );
        e.swap(0, CHUNK_LEN as u32 * 2);
        assert_eq!(e.member(0), &(CHUNK_LEN as u32 * 2).to_le_bytes());
        e.truncate(CHUNK_LEN + 1);
        assert_eq!(e.chunks.len(), 2);
        e.truncate(CHUNK_LEN);
        assert_eq!(e.chunks.len(), 1);
        for id in 0..e.len() as u32 {
            assert_eq!(e.member(id).len(), 4);
        }
    }
}
