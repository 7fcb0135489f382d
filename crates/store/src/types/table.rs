//! The hash table behind large sets and hashes (Redis's `hashtable` encoding).
//!
//! Items are byte blocks kept in a dense vector, indexed by a hash table of positions. That
//! gives O(1) lookup, O(1) uniform random picks (SPOP, SRANDMEMBER, HRANDFIELD) and a SCAN
//! cursor that never misses an item present for the whole scan. It owns no notion of what an
//! item means beyond how to find its key ([`ItemKey`]).
//!
//! SCAN walks positions from the top down: a removal moves the last item into the hole, so an
//! item can only move from the scanned part into the unscanned part (seen twice, which SCAN
//! allows), never the other way.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// How to find an item's key inside its bytes.
pub trait ItemKey {
    fn key(item: &[u8]) -> &[u8];
}

/// A hash table of byte items with dense positions.
pub struct IndexedTable<K: ItemKey> {
    items: Vec<Box<[u8]>>,
    index: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    _key: std::marker::PhantomData<K>,
}

impl<K: ItemKey> Clone for IndexedTable<K> {
    fn clone(&self) -> Self {
        let mut t = IndexedTable::with_capacity(self.items.len());
        for item in &self.items {
            t.insert_new(item.clone());
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

    fn position(&self, key: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(key);
        self.index
            .find(hash, |&i| K::key(&self.items[i as usize]) == key)
            .map(|&i| i as usize)
    }

    /// The item whose key is `key`.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.position(key).map(|i| &*self.items[i])
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.position(key).is_some()
    }

    /// Inserts `item`, replacing the item with the same key; returns true when it was new.
    pub fn insert(&mut self, item: Box<[u8]>) -> bool {
        match self.position(K::key(&item)) {
            Some(i) => {
                self.items[i] = item;
                false
            }
            None => {
                self.insert_new(item);
                true
            }
        }
    }

    /// Inserts an item whose key is known to be absent.
    pub fn insert_new(&mut self, item: Box<[u8]>) {
        let pos = self.items.len() as u32;
        let hash = self.hasher.hash_one(K::key(&item));
        self.items.push(item);
        let (items, hasher) = (&self.items, &self.hasher);
        self.index
            .insert_unique(hash, pos, |&i| hasher.hash_one(K::key(&items[i as usize])));
    }

    /// Removes the item with key `key`.
    pub fn remove(&mut self, key: &[u8]) -> Option<Box<[u8]>> {
        let hash = self.hasher.hash_one(key);
        let items = &self.items;
        let found = self
            .index
            .find_entry(hash, |&i| K::key(&items[i as usize]) == key)
            .ok()?;
        let (pos, _) = found.remove();
        Some(self.remove_position(pos as usize))
    }

    /// Removes the item at `pos` (already unlinked from the index), moving the last one in.
    fn remove_position(&mut self, pos: usize) -> Box<[u8]> {
        let last = self.items.len() - 1;
        if pos != last {
            let hash = self.hasher.hash_one(K::key(&self.items[last]));
            if let Some(slot) = self.index.find_mut(hash, |&i| i as usize == last) {
                *slot = pos as u32;
            }
        }
        let item = self.items.swap_remove(pos);
        if self.items.len() < self.items.capacity() / 4 {
            self.shrink();
        }
        item
    }

    fn shrink(&mut self) {
        self.items.shrink_to(self.items.len() * 2);
        let (items, hasher) = (&self.items, &self.hasher);
        self.index.shrink_to(items.len(), |&i| {
            hasher.hash_one(K::key(&items[i as usize]))
        });
    }

    /// Removes and returns the item at position `pos` (< len).
    pub fn remove_at(&mut self, pos: usize) -> Box<[u8]> {
        let hash = self.hasher.hash_one(K::key(&self.items[pos]));
        if let Ok(found) = self.index.find_entry(hash, |&i| i as usize == pos) {
            found.remove();
        }
        self.remove_position(pos)
    }

    /// Replaces the item at `pos` with one of the same key.
    pub fn replace_at(&mut self, pos: usize, item: Box<[u8]>) {
        debug_assert_eq!(K::key(&item), K::key(&self.items[pos]));
        self.items[pos] = item;
    }

    /// The position of the item with key `key` (stable until the next removal).
    pub fn find(&self, key: &[u8]) -> Option<usize> {
        self.position(key)
    }

    /// The item at position `pos` (< len): random picks choose a position uniformly.
    pub fn at(&self, pos: usize) -> &[u8] {
        &self.items[pos]
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + DoubleEndedIterator {
        self.items.iter().map(|b| &**b)
    }

    /// One SCAN step: visits up to `count` items below position `cursor` (0 starts at the top)
    /// from the top down; returns the next cursor (0 when done).
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8])) -> u64 {
        let len = self.items.len() as u64;
        let top = if cursor == 0 { len } else { cursor.min(len) };
        let bottom = top.saturating_sub(count.max(1) as u64);
        for pos in (bottom..top).rev() {
            visit(&self.items[pos as usize]);
        }
        bottom
    }

    /// Bytes of heap the table holds (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<Box<[u8]>>()
            + self.index.capacity() * (std::mem::size_of::<u32>() + 1)
            + self.items.iter().map(|i| i.len()).sum::<usize>()
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

    proptest! {
        #[test]
        fn behaves_like_a_set(ops in proptest::collection::vec((any::<bool>(), 0u8..40), 0..300)) {
            let mut t: IndexedTable<Whole> = IndexedTable::default();
            let mut model = BTreeSet::new();
            for (add, k) in ops {
                let key = vec![k];
                if add {
                    prop_assert_eq!(t.insert(key.clone().into()), model.insert(key));
                } else {
                    prop_assert_eq!(t.remove(&key).is_some(), model.remove(&key));
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
                t.insert(vec![k].into());
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
