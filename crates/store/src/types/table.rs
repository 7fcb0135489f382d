//! The hash table behind large sets and hashes (Redis's `hashtable` encoding).
//!
//! Each item is one heap block (its bytes behind a small header, [`Block`]). A dense vector of
//! the blocks gives O(1) uniform random picks (SPOP, SRANDMEMBER, HRANDFIELD) and a SCAN cursor
//! that never misses an item present for the whole scan; a hash table of the same pointers
//! finds an item by its key. A lookup reads the table's control bytes, the bucket and the
//! item: three dependent memory reads, one fewer than an index of positions into the vector,
//! which was a quarter of the server's CPU under HSET into a 100,000-field hash (perf
//! annotate). It owns no notion of what an item means beyond how to find its key
//! ([`ItemKey`]).
//!
//! SCAN walks positions from the top down: a removal moves the last item into the hole, so an
//! item can only move from the scanned part into the unscanned part (seen twice, which SCAN
//! allows), never the other way.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::hash::BuildHasher;
use std::ptr::NonNull;

use hashbrown::HashTable;

use crate::entry::{put_varint, varint_len};

/// How to find an item's key inside its bytes.
pub trait ItemKey {
    fn key(item: &[u8]) -> &[u8];
}

/// The bytes of an item's position at the start of its block.
const POS_LEN: usize = 4;

/// One item's heap block: its position in the table's vector (u32, little-endian), its
/// length (varint), then its bytes; alignment 1. The vector owns the blocks; the index holds
/// copies of the same pointers. Moving an item to another position rewrites its header
/// only: the index does not change.
#[derive(Clone, Copy)]
struct Block(NonNull<u8>);

impl Block {
    /// A new block holding the concatenation of `parts`, at position `pos`.
    fn new(parts: &[&[u8]], pos: u32) -> Block {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let head = POS_LEN + varint_len(len);
        // Parts already in memory cannot add up to more than the address space.
        let layout = Layout::from_size_align(head + len, 1).expect("item size fits in memory");
        // SAFETY: the layout has a non-zero size (the header is at least 5 bytes).
        let ptr = unsafe { alloc(layout) };
        let Some(ptr) = NonNull::new(ptr) else {
            handle_alloc_error(layout);
        };
        // SAFETY: the allocation is `head + len` bytes long; the header is written here, the
        // item by `fill`.
        let header = unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr(), head) };
        header[..POS_LEN].copy_from_slice(&pos.to_le_bytes());
        put_varint(&mut header[POS_LEN..], len);
        let block = Block(ptr);
        // SAFETY: the block's header says `len`, the parts' total.
        unsafe { block.fill(parts) };
        block
    }

    /// Writes `parts` over the item's bytes.
    ///
    /// # Safety
    /// The block is live, nothing reads it meanwhile, and the parts add up to its length.
    unsafe fn fill(self, parts: &[&[u8]]) {
        // SAFETY: the item's bytes follow the header, `len` of them, all covered by parts.
        unsafe {
            let (head, len) = self.lengths();
            let item = std::slice::from_raw_parts_mut(self.0.as_ptr().add(head), len);
            let mut at = 0;
            for part in parts {
                item[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
        }
    }

    /// The header's length and the item's length.
    ///
    /// # Safety
    /// The block is live (allocated by [`Block::new`] and not freed).
    unsafe fn lengths(self) -> (usize, usize) {
        let p = self.0.as_ptr();
        let (mut len, mut shift, mut at) = (0usize, 0u32, POS_LEN);
        loop {
            // SAFETY: the header holds a whole varint after the position.
            let byte = unsafe { *p.add(at) };
            at += 1;
            len |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return (at, len);
            }
            shift += 7;
        }
    }

    /// The item's bytes, for as long as the block lives.
    ///
    /// # Safety
    /// The block is live, and stays so for `'a`.
    unsafe fn bytes<'a>(self) -> &'a [u8] {
        // SAFETY: the block is live; the item's bytes follow the header.
        unsafe {
            let (head, len) = self.lengths();
            std::slice::from_raw_parts(self.0.as_ptr().add(head), len)
        }
    }

    /// # Safety
    /// The block is live.
    unsafe fn pos(self) -> usize {
        // SAFETY: the block is live and starts with its position.
        let bytes = unsafe { self.0.as_ptr().cast::<[u8; POS_LEN]>().read() };
        u32::from_le_bytes(bytes) as usize
    }

    /// # Safety
    /// The block is live and nothing else reads it meanwhile.
    unsafe fn set_pos(self, pos: usize) {
        // SAFETY: the block is live and starts with its position.
        unsafe {
            self.0
                .as_ptr()
                .cast::<[u8; POS_LEN]>()
                .write((pos as u32).to_le_bytes())
        }
    }

    /// The block's total size.
    ///
    /// # Safety
    /// The block is live.
    unsafe fn size(self) -> usize {
        // SAFETY: the block is live.
        let (head, len) = unsafe { self.lengths() };
        head + len
    }

    /// # Safety
    /// The block is live and nothing refers to it afterwards.
    unsafe fn free(self) {
        // SAFETY: the same size and alignment it was allocated with.
        unsafe {
            let layout = Layout::from_size_align_unchecked(self.size(), 1);
            dealloc(self.0.as_ptr(), layout);
        }
    }
}

/// A hash table of byte items with dense positions.
pub struct IndexedTable<K: ItemKey> {
    /// Every item's block, at its position; owns them.
    items: Vec<Block>,
    /// The same blocks, by the hash of their key.
    index: HashTable<Block>,
    hasher: hashbrown::DefaultHashBuilder,
    _key: std::marker::PhantomData<K>,
}

// SAFETY: the table owns its blocks as a `Vec<Box<[u8]>>` would, and hands out shared
// references to them only through `&self`.
unsafe impl<K: ItemKey> Send for IndexedTable<K> {}
// SAFETY: as for Send; nothing is mutated through `&self`.
unsafe impl<K: ItemKey> Sync for IndexedTable<K> {}

impl<K: ItemKey> Drop for IndexedTable<K> {
    fn drop(&mut self) {
        for block in self.items.drain(..) {
            // SAFETY: each block is in `items` once; the index goes with the table.
            unsafe { block.free() };
        }
    }
}

impl<K: ItemKey> Clone for IndexedTable<K> {
    fn clone(&self) -> Self {
        let mut t = IndexedTable::with_capacity(self.items.len());
        for item in self.iter() {
            t.insert_new(&[item]);
        }
        t
    }
}

impl<K: ItemKey> Default for IndexedTable<K> {
    fn default() -> Self {
        IndexedTable::with_capacity(0)
    }
}

impl<K: ItemKey> IndexedTable<K> {
    pub fn with_capacity(n: usize) -> Self {
        IndexedTable {
            items: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
            hasher: hashbrown::DefaultHashBuilder::default(),
            _key: std::marker::PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The key of a block of this table.
    fn key_of<'a>(block: Block) -> &'a [u8] {
        // SAFETY: only called on blocks of `items`/`index`, which live as long as the table
        // holds them; callers use the key while they borrow the table.
        K::key(unsafe { block.bytes() })
    }

    fn block(&self, key: &[u8]) -> Option<Block> {
        let hash = self.hasher.hash_one(key);
        self.index.find(hash, |&b| Self::key_of(b) == key).copied()
    }

    /// The item whose key is `key`.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        // SAFETY: a block of the table, borrowed with it.
        self.block(key).map(|b| unsafe { b.bytes() })
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.block(key).is_some()
    }

    /// Inserts the item made of `parts` (concatenated), whose key is `key`, replacing the
    /// item with the same key (in place when the lengths match: HSET of a same-length value,
    /// SADD of a member already there allocate nothing); returns true when it was new.
    pub fn insert(&mut self, key: &[u8], parts: &[&[u8]]) -> bool {
        debug_assert_eq!(K::key(&parts.concat()), key);
        let hash = self.hasher.hash_one(key);
        match self.index.find_mut(hash, |&b| Self::key_of(b) == key) {
            Some(slot) => {
                let old = *slot;
                let len: usize = parts.iter().map(|p| p.len()).sum();
                // SAFETY: `old` is the table's, held mutably through `self`; a new block is
                // not shared until it replaces `old` in both places, and `old` is then freed.
                unsafe {
                    if old.lengths().1 == len {
                        old.fill(parts);
                    } else {
                        let pos = old.pos();
                        let block = Block::new(parts, pos as u32);
                        *slot = block;
                        self.items[pos] = block;
                        old.free();
                    }
                }
                false
            }
            None => {
                self.push(hash, Block::new(parts, self.items.len() as u32));
                true
            }
        }
    }

    /// Inserts the item made of `parts`, whose key is known to be absent.
    pub fn insert_new(&mut self, parts: &[&[u8]]) {
        let block = Block::new(parts, self.items.len() as u32);
        self.push(self.hasher.hash_one(Self::key_of(block)), block);
    }

    /// Adds a new block (made for the next position) whose key hashes to `hash`.
    fn push(&mut self, hash: u64, block: Block) {
        self.items.push(block);
        let hasher = &self.hasher;
        self.index
            .insert_unique(hash, block, |&b| hasher.hash_one(Self::key_of(b)));
    }

    /// Removes the item with key `key`; true when there was one.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        let hash = self.hasher.hash_one(key);
        let Ok(found) = self.index.find_entry(hash, |&b| Self::key_of(b) == key) else {
            return false;
        };
        let (block, _) = found.remove();
        // SAFETY: unlinked from the index here, from the vector below, then freed.
        unsafe {
            self.remove_position(block.pos());
            block.free();
        }
        true
    }

    /// Takes the block at `pos` (already unlinked from the index) out of the vector, moving
    /// the last one in.
    fn remove_position(&mut self, pos: usize) {
        self.items.swap_remove(pos);
        if let Some(&moved) = self.items.get(pos) {
            // SAFETY: a block of the table, which we hold mutably.
            unsafe { moved.set_pos(pos) };
        }
        if self.items.len() < self.items.capacity() / 4 {
            self.shrink();
        }
    }

    fn shrink(&mut self) {
        self.items.shrink_to(self.items.len() * 2);
        let hasher = &self.hasher;
        self.index
            .shrink_to(self.items.len(), |&b| hasher.hash_one(Self::key_of(b)));
    }

    /// Removes and returns the item at position `pos` (< len).
    pub fn remove_at(&mut self, pos: usize) -> Vec<u8> {
        let block = self.items[pos];
        let hash = self.hasher.hash_one(Self::key_of(block));
        if let Ok(found) = self.index.find_entry(hash, |&b| b.0 == block.0) {
            found.remove();
        }
        self.remove_position(pos);
        // SAFETY: unlinked from both; read once, then freed.
        unsafe {
            let item = block.bytes().to_vec();
            block.free();
            item
        }
    }

    /// The item at position `pos` (< len): random picks choose a position uniformly.
    pub fn at(&self, pos: usize) -> &[u8] {
        // SAFETY: a block of the table, borrowed with it.
        unsafe { self.items[pos].bytes() }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + DoubleEndedIterator {
        // SAFETY: blocks of the table, borrowed with it.
        self.items.iter().map(|b| unsafe { b.bytes() })
    }

    /// One SCAN step: visits up to `count` items below position `cursor` (0 starts at the top)
    /// from the top down; returns the next cursor (0 when done).
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8])) -> u64 {
        let len = self.items.len() as u64;
        let top = if cursor == 0 { len } else { cursor.min(len) };
        let bottom = top.saturating_sub(count.max(1) as u64);
        for pos in (bottom..top).rev() {
            visit(self.at(pos as usize));
        }
        bottom
    }

    /// Bytes of heap the table holds (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        let blocks: usize = self
            .items
            .iter()
            // SAFETY: blocks of the table.
            .map(|b| unsafe { b.size() })
            .sum();
        (self.items.capacity() + self.index.capacity()) * std::mem::size_of::<Block>()
            + self.index.capacity()
            + blocks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    struct Whole;
    impl ItemKey for Whole {
        fn key(item: &[u8]) -> &[u8] {
            item
        }
    }

    /// Items keyed by their first two bytes, so an insert can replace an item's other bytes.
    struct FirstTwo;
    impl ItemKey for FirstTwo {
        fn key(item: &[u8]) -> &[u8] {
            &item[..item.len().min(2)]
        }
    }

    proptest! {
        #[test]
        fn lookups_positions_and_removals_agree_with_a_map(
            ops in proptest::collection::vec((0u8..4, 0u16..60, 0usize..400), 0..400),
        ) {
            let mut t: IndexedTable<FirstTwo> = IndexedTable::default();
            let mut model: std::collections::BTreeMap<Vec<u8>, Vec<u8>> = Default::default();
            for (op, k, n) in ops {
                let key = k.to_le_bytes().to_vec();
                // Lengths on both sides of a one-byte varint.
                let item: Vec<u8> = key.iter().copied().chain(std::iter::repeat_n(k as u8, n)).collect();
                match op {
                    0 => {
                        let (head, tail) = item.split_at(2);
                        let new = t.insert(head, &[head, tail]);
                        prop_assert_eq!(new, model.insert(key, item).is_none());
                    }
                    1 => prop_assert_eq!(t.remove(&key), model.remove(&key).is_some()),
                    2 if !t.is_empty() => {
                        let removed = t.remove_at(n % t.len());
                        prop_assert_eq!(model.remove(&removed[..2]), Some(removed));
                    }
                    _ => t = t.clone(),
                }
                prop_assert_eq!(t.len(), model.len());
                for pos in 0..t.len() {
                    let item = t.at(pos);
                    prop_assert_eq!(t.get(&item[..2]), Some(item));
                    prop_assert_eq!(model.get(&item[..2]).map(|v| &v[..]), Some(item));
                }
            }
        }

        #[test]
        fn behaves_like_a_set(ops in proptest::collection::vec((any::<bool>(), 0u8..40), 0..300)) {
            let mut t: IndexedTable<Whole> = IndexedTable::default();
            let mut model = BTreeSet::new();
            for (add, k) in ops {
                let key = vec![k];
                if add {
                    prop_assert_eq!(t.insert(&key, &[&key]), model.insert(key));
                } else {
                    prop_assert_eq!(t.remove(&key), model.remove(&key));
                }
                prop_assert_eq!(t.len(), model.len());
            }
            for k in &model {
                prop_assert!(t.contains(k));
            }
            let all: BTreeSet<Vec<u8>> = t.iter().map(|i| i.to_vec()).collect();
            prop_assert_eq!(all, model);
        }

        #[test]
        fn scan_returns_every_item_present_throughout(
            initial in 1u8..100, removals in proptest::collection::vec(0u8..100, 0..50),
            count in 1usize..10,
        ) {
            let mut t: IndexedTable<Whole> = IndexedTable::default();
            for k in 0..initial {
                t.insert(&[k], &[&[k]]);
            }
            let removed: BTreeSet<u8> = removals.iter().copied().collect();
            let mut seen = BTreeSet::new();
            let mut cursor = 0;
            let mut removals = removals.into_iter();
            loop {
                cursor = t.scan(cursor, count, |i| { seen.insert(i[0]); });
                if let Some(r) = removals.next() {
                    t.remove(&[r]);
                }
                if cursor == 0 {
                    break;
                }
            }
            for k in 0..initial {
                if !removed.contains(&k) {
                    prop_assert!(seen.contains(&k), "missed {}", k);
                }
            }
        }
    }
}
