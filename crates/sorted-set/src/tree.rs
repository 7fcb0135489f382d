//! The order index: a B+ tree of entry ids ordered by (score, member), with subtree counts.
//!
//! Leaves hold `(score, id)` pairs in order and are linked both ways, so iteration from any rank
//! costs one descent and then O(1) per step. Inner nodes hold, per child, the child's smallest
//! key and its entry count: a descent by key or by rank costs O(log n), and ranks come from the
//! counts. Scores are kept beside the ids so most comparisons never touch the member bytes;
//! ties on score compare members through [`Entries`].
//!
//! Invariants (checked by `check` in tests): every key a separator names is the exact first key
//! of its child (so no separator ever names a removed id); no node is empty except an empty
//! root; all leaves are at the same depth; counts are exact. Nodes live in arenas addressed by
//! `u32`. This module knows nothing of hashing or of what a range means: callers pass
//! predicates.

use crate::entries::Entries;

/// "No node".
pub(crate) const NONE: u32 = u32::MAX;

// Sized so a leaf is 768 bytes and an inner node 1024, both jemalloc size classes. Unit tests
// use tiny nodes so that short operation sequences build deep trees.
#[cfg(not(test))]
const LEAF_CAP: usize = 63;
#[cfg(not(test))]
const LEAF_MIN: usize = 25;
#[cfg(not(test))]
const INNER_CAP: usize = 51;
#[cfg(not(test))]
const INNER_MIN: usize = 20;
#[cfg(test)]
pub(crate) const LEAF_CAP: usize = 5;
#[cfg(test)]
const LEAF_MIN: usize = 2;
#[cfg(test)]
const INNER_CAP: usize = 4;
#[cfg(test)]
const INNER_MIN: usize = 2;
#[cfg(not(test))]
const _: () = assert!(size_of::<Leaf>() == 768 && size_of::<Inner>() == 1024);

/// A leaf: up to `LEAF_CAP` keys in order (768 bytes).
#[derive(Clone)]
pub(crate) struct Leaf {
    scores: [f64; LEAF_CAP],
    ids: [u32; LEAF_CAP],
    prev: u32,
    next: u32,
    len: u32,
}

impl Leaf {
    fn empty() -> Self {
        Leaf {
            scores: [0.0; LEAF_CAP],
            ids: [0; LEAF_CAP],
            prev: NONE,
            next: NONE,
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len as usize
    }

    /// The key at `pos` (< len).
    pub(crate) fn key(&self, pos: usize) -> (f64, u32) {
        (self.scores[pos], self.ids[pos])
    }

    pub(crate) fn next(&self) -> u32 {
        self.next
    }

    pub(crate) fn prev(&self) -> u32 {
        self.prev
    }

    pub(crate) fn count(&self) -> usize {
        self.len()
    }
}

/// An inner node: up to `INNER_CAP` children with their first keys and counts (1024 bytes).
#[derive(Clone)]
struct Inner {
    scores: [f64; INNER_CAP],
    ids: [u32; INNER_CAP],
    children: [u32; INNER_CAP],
    counts: [u32; INNER_CAP],
    len: u32,
}

impl Inner {
    fn empty() -> Self {
        Inner {
            scores: [0.0; INNER_CAP],
            ids: [0; INNER_CAP],
            children: [NONE; INNER_CAP],
            counts: [0; INNER_CAP],
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len as usize
    }

    fn count_before(&self, i: usize) -> usize {
        self.counts[..i].iter().map(|&c| c as usize).sum()
    }

    fn insert_child(&mut self, at: usize, child: Child) {
        let len = self.len();
        self.scores.copy_within(at..len, at + 1);
        self.ids.copy_within(at..len, at + 1);
        self.children.copy_within(at..len, at + 1);
        self.counts.copy_within(at..len, at + 1);
        self.set_child(at, child);
        self.len += 1;
    }

    fn remove_child(&mut self, at: usize) {
        let len = self.len();
        self.scores.copy_within(at + 1..len, at);
        self.ids.copy_within(at + 1..len, at);
        self.children.copy_within(at + 1..len, at);
        self.counts.copy_within(at + 1..len, at);
        self.len -= 1;
    }

    fn child(&self, i: usize) -> Child {
        Child {
            score: self.scores[i],
            id: self.ids[i],
            node: self.children[i],
            count: self.counts[i],
        }
    }

    fn set_child(&mut self, i: usize, child: Child) {
        self.scores[i] = child.score;
        self.ids[i] = child.id;
        self.children[i] = child.node;
        self.counts[i] = child.count;
    }
}

/// One child slot of an inner node, moved as a unit.
#[derive(Clone, Copy)]
struct Child {
    score: f64,
    id: u32,
    node: u32,
    count: u32,
}

/// Nodes addressed by `u32`, with a free list.
#[derive(Clone)]
struct Arena<T> {
    slots: Vec<Option<Box<T>>>,
    free: Vec<u32>,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Arena<T> {
    fn alloc(&mut self, node: T) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(Box::new(node));
                i
            }
            None => {
                self.slots.push(Some(Box::new(node)));
                (self.slots.len() - 1) as u32
            }
        }
    }

    fn release(&mut self, i: u32) {
        self.slots[i as usize] = None;
        self.free.push(i);
    }

    fn get(&self, i: u32) -> &T {
        match self.slots[i as usize].as_deref() {
            Some(node) => node,
            None => unreachable!("tree node {i} is not live"),
        }
    }

    fn get_mut(&mut self, i: u32) -> &mut T {
        match self.slots[i as usize].as_deref_mut() {
            Some(node) => node,
            None => unreachable!("tree node {i} is not live"),
        }
    }

    fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    fn heap_size(&self) -> usize {
        self.live() * size_of::<T>()
            + self.slots.capacity() * size_of::<Option<Box<T>>>()
            + self.free.capacity() * size_of::<u32>()
    }
}

/// A node that grew past its capacity hands its upper part to a new right sibling.
struct Split {
    child: Child,
}

/// What a removal descends to.
#[derive(Clone, Copy)]
enum Target {
    Key(f64, u32),
    Rank(usize),
}

/// `a < b` in (score, member) order.
fn key_less(entries: &Entries, a: (f64, u32), b: (f64, u32)) -> bool {
    if a.0 < b.0 {
        true
    } else if a.0 > b.0 || a.1 == b.1 {
        false
    } else {
        entries.member(a.1) < entries.member(b.1)
    }
}

/// The order index.
#[derive(Clone)]
pub(crate) struct Tree {
    leaves: Arena<Leaf>,
    inners: Arena<Inner>,
    root: u32,
    /// Levels of inner nodes above the leaves.
    height: u32,
    len: usize,
}

impl Default for Tree {
    fn default() -> Self {
        Tree {
            leaves: Arena::default(),
            inners: Arena::default(),
            root: NONE,
            height: 0,
            len: 0,
        }
    }
}

impl Tree {
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn leaf(&self, i: u32) -> &Leaf {
        self.leaves.get(i)
    }

    /// Bytes of heap held by the nodes and the arenas' tables.
    pub(crate) fn heap_size(&self) -> usize {
        self.leaves.heap_size() + self.inners.heap_size()
    }

    /// The first key of a node's subtree (the node is not empty).
    fn first_key(&self, node: u32, level: u32) -> (f64, u32) {
        if level == 0 {
            self.leaves.get(node).key(0)
        } else {
            let inner = self.inners.get(node);
            (inner.scores[0], inner.ids[0])
        }
    }

    fn node_len(&self, node: u32, level: u32) -> usize {
        if level == 0 {
            self.leaves.get(node).len()
        } else {
            self.inners.get(node).len()
        }
    }

    /// The child of `inner` whose range holds `key`: the last child whose first key is <= key
    /// (child 0 when key precedes them all).
    fn child_for_key(inner: &Inner, key: (f64, u32), entries: &Entries) -> usize {
        let len = inner.len();
        let mut lo = 1;
        let mut hi = len;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if key_less(entries, key, (inner.scores[mid], inner.ids[mid])) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo - 1
    }

    // ---------------------------------------------------------------- insertion

    /// Inserts `key` (its id must not be in the tree).
    pub(crate) fn insert(&mut self, key: (f64, u32), entries: &Entries) {
        if self.root == NONE {
            self.root = self.leaves.alloc(Leaf::empty());
            self.height = 0;
        }
        if let Some(split) = self.insert_in(self.root, self.height, key, true, true, entries) {
            let old_root = self.root;
            let (score, id) = self.first_key(old_root, self.height);
            let left_count = self.len + 1 - split.child.count as usize;
            let mut root = Inner::empty();
            root.set_child(
                0,
                Child {
                    score,
                    id,
                    node: old_root,
                    count: left_count as u32,
                },
            );
            root.set_child(1, split.child);
            root.len = 2;
            self.root = self.inners.alloc(root);
            self.height += 1;
        }
        self.len += 1;
    }

    fn insert_in(
        &mut self,
        node: u32,
        level: u32,
        key: (f64, u32),
        leftmost: bool,
        rightmost: bool,
        entries: &Entries,
    ) -> Option<Split> {
        if level == 0 {
            return self.insert_in_leaf(node, key, leftmost, rightmost, entries);
        }
        let mut i = Self::child_for_key(self.inners.get(node), key, entries);
        if level == 1 && self.spill_full_leaf(node, i) {
            i = Self::child_for_key(self.inners.get(node), key, entries);
        }
        let inner = self.inners.get_mut(node);
        if i == 0 && key_less(entries, key, (inner.scores[0], inner.ids[0])) {
            inner.scores[0] = key.0;
            inner.ids[0] = key.1;
        }
        inner.counts[i] += 1;
        let child = inner.children[i];
        let child_leftmost = leftmost && i == 0;
        let child_rightmost = rightmost && i + 1 == inner.len();
        let split = self.insert_in(
            child,
            level - 1,
            key,
            child_leftmost,
            child_rightmost,
            entries,
        )?;
        let inner = self.inners.get_mut(node);
        inner.counts[i] -= split.child.count;
        let at = i + 1;
        if inner.len() < INNER_CAP {
            inner.insert_child(at, split.child);
            return None;
        }
        // Split: lay the INNER_CAP + 1 children out in order, then cut.
        let mut all = [Child {
            score: 0.0,
            id: 0,
            node: NONE,
            count: 0,
        }; INNER_CAP + 1];
        for (j, slot) in all.iter_mut().enumerate() {
            *slot = match j.cmp(&at) {
                std::cmp::Ordering::Less => inner.child(j),
                std::cmp::Ordering::Equal => split.child,
                std::cmp::Ordering::Greater => inner.child(j - 1),
            };
        }
        let cut = split_point(INNER_CAP, at, leftmost, rightmost);
        for (j, child) in all[..cut].iter().enumerate() {
            inner.set_child(j, *child);
        }
        inner.len = cut as u32;
        let mut right = Inner::empty();
        for (j, child) in all[cut..].iter().enumerate() {
            right.set_child(j, *child);
        }
        right.len = (INNER_CAP + 1 - cut) as u32;
        let count = right.counts[..right.len()].iter().sum();
        let first = (right.scores[0], right.ids[0]);
        let right = self.inners.alloc(right);
        Some(Split {
            child: Child {
                score: first.0,
                id: first.1,
                node: right,
                count,
            },
        })
    }

    /// Before an insertion into the full leaf `i` of `parent`, moves one of its keys to a
    /// neighbouring leaf with room (first key left, or last key right), so that leaves fill up
    /// before they split; returns whether it did.
    fn spill_full_leaf(&mut self, parent: u32, i: usize) -> bool {
        let p = self.inners.get(parent);
        let leaf = p.children[i];
        if self.leaves.get(leaf).len() < LEAF_CAP {
            return false;
        }
        let has_room = |tree: &Self, j: usize| tree.leaves.get(p.children[j]).len() < LEAF_CAP;
        if i > 0 && has_room(self, i - 1) {
            let left = p.children[i - 1];
            let from = self.leaves.get_mut(leaf);
            let moved = from.key(0);
            let len = from.len();
            from.scores.copy_within(1..len, 0);
            from.ids.copy_within(1..len, 0);
            from.len -= 1;
            let first = from.key(0);
            let to = self.leaves.get_mut(left);
            let at = to.len();
            (to.scores[at], to.ids[at]) = moved;
            to.len += 1;
            let p = self.inners.get_mut(parent);
            p.counts[i - 1] += 1;
            p.counts[i] -= 1;
            (p.scores[i], p.ids[i]) = first;
            true
        } else if i + 1 < p.len() && has_room(self, i + 1) {
            let right = p.children[i + 1];
            let from = self.leaves.get_mut(leaf);
            from.len -= 1;
            let moved = from.key(from.len());
            let to = self.leaves.get_mut(right);
            let len = to.len();
            to.scores.copy_within(0..len, 1);
            to.ids.copy_within(0..len, 1);
            (to.scores[0], to.ids[0]) = moved;
            to.len += 1;
            let p = self.inners.get_mut(parent);
            p.counts[i] -= 1;
            p.counts[i + 1] += 1;
            (p.scores[i + 1], p.ids[i + 1]) = moved;
            true
        } else {
            false
        }
    }

    fn insert_in_leaf(
        &mut self,
        node: u32,
        key: (f64, u32),
        leftmost: bool,
        rightmost: bool,
        entries: &Entries,
    ) -> Option<Split> {
        let leaf = self.leaves.get_mut(node);
        let len = leaf.len();
        let pos = partition(len, |j| key_less(entries, leaf.key(j), key));
        if len < LEAF_CAP {
            leaf.scores.copy_within(pos..len, pos + 1);
            leaf.ids.copy_within(pos..len, pos + 1);
            leaf.scores[pos] = key.0;
            leaf.ids[pos] = key.1;
            leaf.len += 1;
            return None;
        }
        let mut scores = [0.0; LEAF_CAP + 1];
        let mut ids = [0u32; LEAF_CAP + 1];
        scores[..pos].copy_from_slice(&leaf.scores[..pos]);
        ids[..pos].copy_from_slice(&leaf.ids[..pos]);
        scores[pos] = key.0;
        ids[pos] = key.1;
        scores[pos + 1..].copy_from_slice(&leaf.scores[pos..]);
        ids[pos + 1..].copy_from_slice(&leaf.ids[pos..]);
        let cut = split_point(LEAF_CAP, pos, leftmost, rightmost);
        leaf.scores[..cut].copy_from_slice(&scores[..cut]);
        leaf.ids[..cut].copy_from_slice(&ids[..cut]);
        leaf.len = cut as u32;
        let old_next = leaf.next;
        let mut right = Leaf::empty();
        let right_len = LEAF_CAP + 1 - cut;
        right.scores[..right_len].copy_from_slice(&scores[cut..]);
        right.ids[..right_len].copy_from_slice(&ids[cut..]);
        right.len = right_len as u32;
        right.prev = node;
        right.next = old_next;
        let first = right.key(0);
        let right = self.leaves.alloc(right);
        self.leaves.get_mut(node).next = right;
        if old_next != NONE {
            self.leaves.get_mut(old_next).prev = right;
        }
        Some(Split {
            child: Child {
                score: first.0,
                id: first.1,
                node: right,
                count: right_len as u32,
            },
        })
    }

    // ---------------------------------------------------------------- lookups

    /// The 0-based rank of `key`, if it is in the tree.
    pub(crate) fn rank_of(&self, key: (f64, u32), entries: &Entries) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let mut node = self.root;
        let mut rank = 0;
        for _ in 0..self.height {
            let inner = self.inners.get(node);
            let i = Self::child_for_key(inner, key, entries);
            rank += inner.count_before(i);
            node = inner.children[i];
        }
        let leaf = self.leaves.get(node);
        let pos = partition(leaf.len(), |j| key_less(entries, leaf.key(j), key));
        (pos < leaf.len() && leaf.ids[pos] == key.1).then_some(rank + pos)
    }

    /// The leaf and position of `rank` (<= len; `len` gives the end of the last leaf).
    /// The tree must not be empty.
    pub(crate) fn cursor(&self, rank: usize) -> (u32, usize) {
        let mut node = self.root;
        let mut rest = rank;
        for _ in 0..self.height {
            let inner = self.inners.get(node);
            let mut i = 0;
            while i + 1 < inner.len() && rest >= inner.counts[i] as usize {
                rest -= inner.counts[i] as usize;
                i += 1;
            }
            node = inner.children[i];
        }
        (node, rest)
    }

    /// The key at `rank`, if `rank < len`.
    pub(crate) fn get(&self, rank: usize) -> Option<(f64, u32)> {
        if rank >= self.len {
            return None;
        }
        let (leaf, pos) = self.cursor(rank);
        Some(self.leaves.get(leaf).key(pos))
    }

    /// How many leading keys satisfy `before`, which must hold for a prefix of the order and
    /// fail for the rest. If it does not (lex ranges over unequal scores), the answer is still
    /// a rank in `0..=len`, found by the same descent.
    pub(crate) fn partition(&self, mut before: impl FnMut(f64, u32) -> bool) -> usize {
        if self.len == 0 {
            return 0;
        }
        let mut node = self.root;
        let mut rank = 0;
        for _ in 0..self.height {
            let inner = self.inners.get(node);
            let p = partition(inner.len(), |j| before(inner.scores[j], inner.ids[j]));
            if p == 0 {
                return rank;
            }
            rank += inner.count_before(p - 1);
            node = inner.children[p - 1];
        }
        let leaf = self.leaves.get(node);
        rank + partition(leaf.len(), |j| before(leaf.scores[j], leaf.ids[j]))
    }

    /// Points the key `(score, old_id)` at `new_id` (entries moved), in its leaf and in every
    /// separator that names it. Both ids must be readable in `entries` during the call.
    pub(crate) fn replace_id(&mut self, key: (f64, u32), new_id: u32, entries: &Entries) -> bool {
        if self.len == 0 {
            return false;
        }
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = self.inners.get_mut(node);
            let i = Self::child_for_key(inner, key, entries);
            if inner.ids[i] == key.1 {
                inner.ids[i] = new_id;
            }
            node = inner.children[i];
        }
        let leaf = self.leaves.get_mut(node);
        let pos = partition(leaf.len(), |j| key_less(entries, leaf.key(j), key));
        if pos < leaf.len() && leaf.ids[pos] == key.1 {
            leaf.ids[pos] = new_id;
            true
        } else {
            false
        }
    }

    /// Renames every id in the tree through `map` (entries moved in bulk); O(nodes), no
    /// comparisons.
    pub(crate) fn relabel(&mut self, map: impl Fn(u32) -> u32) {
        for leaf in self.leaves.slots.iter_mut().flatten() {
            let len = leaf.len();
            for id in &mut leaf.ids[..len] {
                *id = map(*id);
            }
        }
        for inner in self.inners.slots.iter_mut().flatten() {
            let len = inner.len();
            for id in &mut inner.ids[..len] {
                *id = map(*id);
            }
        }
    }

    /// Changes the score of `key` to `new_score` where it stands, if that keeps the order (its
    /// neighbours stay on either side); returns false, changing nothing, otherwise.
    pub(crate) fn update_score_in_place(
        &mut self,
        key: (f64, u32),
        new_score: f64,
        entries: &Entries,
    ) -> bool {
        if self.len == 0 {
            return false;
        }
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = self.inners.get(node);
            node = inner.children[Self::child_for_key(inner, key, entries)];
        }
        let leaf = self.leaves.get(node);
        let len = leaf.len();
        let pos = partition(len, |j| key_less(entries, leaf.key(j), key));
        if pos >= len || leaf.ids[pos] != key.1 {
            return false;
        }
        let new_key = (new_score, key.1);
        let prev = if pos > 0 {
            Some(leaf.key(pos - 1))
        } else if leaf.prev != NONE {
            let prev = self.leaves.get(leaf.prev);
            Some(prev.key(prev.len() - 1))
        } else {
            None
        };
        let next = if pos + 1 < len {
            Some(leaf.key(pos + 1))
        } else if leaf.next != NONE {
            Some(self.leaves.get(leaf.next).key(0))
        } else {
            None
        };
        if prev.is_some_and(|p| !key_less(entries, p, new_key))
            || next.is_some_and(|n| !key_less(entries, new_key, n))
        {
            return false;
        }
        if pos == 0 {
            // The key is its leaf's first: the separators naming it carry its score too.
            let mut up = self.root;
            for _ in 0..self.height {
                let inner = self.inners.get_mut(up);
                let i = Self::child_for_key(inner, key, entries);
                if inner.ids[i] == key.1 {
                    inner.scores[i] = new_score;
                }
                up = inner.children[i];
            }
        }
        self.leaves.get_mut(node).scores[pos] = new_score;
        true
    }

    // ---------------------------------------------------------------- removal

    /// Removes `key`; returns whether it was there.
    pub(crate) fn remove_key(&mut self, key: (f64, u32), entries: &Entries) -> bool {
        self.remove_run(Target::Key(key.0, key.1), 1, entries, &mut Discard) == 1
    }

    /// Removes the keys at ranks `start..start + count` (clamped to len), appending their
    /// `(score, id)` to `out` in order; returns how many were removed.
    pub(crate) fn remove_ranks(
        &mut self,
        start: usize,
        count: usize,
        entries: &Entries,
        out: &mut Vec<(f64, u32)>,
    ) -> usize {
        let count = count.min(self.len.saturating_sub(start));
        let mut done = 0;
        while done < count {
            let removed = self.remove_run(Target::Rank(start), count - done, entries, out);
            if removed == 0 {
                break;
            }
            done += removed;
        }
        done
    }

    /// One descent: removes up to `max` consecutive keys of one leaf starting at `target`.
    fn remove_run(
        &mut self,
        target: Target,
        max: usize,
        entries: &Entries,
        out: &mut impl Extend<(f64, u32)>,
    ) -> usize {
        if self.len == 0 || max == 0 {
            return 0;
        }
        let removed = self.remove_in(self.root, self.height, target, max, entries, out);
        self.len -= removed;
        if self.len == 0 {
            *self = Tree::default();
            return removed;
        }
        while self.height > 0 && self.inners.get(self.root).len() == 1 {
            let old = self.root;
            self.root = self.inners.get(old).children[0];
            self.inners.release(old);
            self.height -= 1;
        }
        removed
    }

    fn remove_in(
        &mut self,
        node: u32,
        level: u32,
        target: Target,
        max: usize,
        entries: &Entries,
        out: &mut impl Extend<(f64, u32)>,
    ) -> usize {
        if level == 0 {
            let leaf = self.leaves.get_mut(node);
            let len = leaf.len();
            let pos = match target {
                Target::Key(score, id) => {
                    let pos = partition(len, |j| key_less(entries, leaf.key(j), (score, id)));
                    if pos >= len || leaf.ids[pos] != id {
                        return 0;
                    }
                    pos
                }
                Target::Rank(r) => r,
            };
            let m = max.min(len - pos);
            out.extend((pos..pos + m).map(|j| leaf.key(j)));
            leaf.scores.copy_within(pos + m..len, pos);
            leaf.ids.copy_within(pos + m..len, pos);
            leaf.len -= m as u32;
            return m;
        }
        let inner = self.inners.get(node);
        let (i, child_target) = match target {
            Target::Key(score, id) => (
                Self::child_for_key(inner, (score, id), entries),
                Target::Key(score, id),
            ),
            Target::Rank(mut r) => {
                let mut i = 0;
                while i + 1 < inner.len() && r >= inner.counts[i] as usize {
                    r -= inner.counts[i] as usize;
                    i += 1;
                }
                (i, Target::Rank(r))
            }
        };
        let child = inner.children[i];
        let removed = self.remove_in(child, level - 1, child_target, max, entries, out);
        if removed == 0 {
            return 0;
        }
        let child_len = self.node_len(child, level - 1);
        if child_len == 0 {
            self.release_node(child, level - 1);
            self.inners.get_mut(node).remove_child(i);
            return removed;
        }
        let first = self.first_key(child, level - 1);
        let inner = self.inners.get_mut(node);
        inner.counts[i] -= removed as u32;
        inner.scores[i] = first.0;
        inner.ids[i] = first.1;
        let siblings = inner.len();
        let min = if level == 1 { LEAF_MIN } else { INNER_MIN };
        if child_len < min && siblings > 1 {
            let left = if i > 0 { i - 1 } else { i };
            self.rebalance(node, left, level - 1);
        }
        removed
    }

    /// Frees an empty node (unlinking a leaf from its neighbours).
    fn release_node(&mut self, node: u32, level: u32) {
        if level == 0 {
            let (prev, next) = {
                let leaf = self.leaves.get(node);
                (leaf.prev, leaf.next)
            };
            if prev != NONE {
                self.leaves.get_mut(prev).next = next;
            }
            if next != NONE {
                self.leaves.get_mut(next).prev = prev;
            }
            self.leaves.release(node);
        } else {
            self.inners.release(node);
        }
    }

    /// Merges children `left` and `left + 1` of `parent` if they fit in one node, otherwise
    /// evens out their sizes.
    fn rebalance(&mut self, parent: u32, left: usize, child_level: u32) {
        let right = left + 1;
        let (left_node, right_node) = {
            let p = self.inners.get(parent);
            (p.children[left], p.children[right])
        };
        let moved_first = if child_level == 0 {
            self.rebalance_leaves(left_node, right_node)
        } else {
            self.rebalance_inners(left_node, right_node)
        };
        let p = self.inners.get_mut(parent);
        match moved_first {
            Rebalanced::Merged => {
                p.counts[left] += p.counts[right];
                p.remove_child(right);
            }
            Rebalanced::Shifted {
                right_first,
                right_count,
            } => {
                let total = p.counts[left] + p.counts[right];
                p.counts[right] = right_count;
                p.counts[left] = total - right_count;
                p.scores[right] = right_first.0;
                p.ids[right] = right_first.1;
            }
        }
    }

    fn rebalance_leaves(&mut self, left_node: u32, right_node: u32) -> Rebalanced {
        let r = self.leaves.get(right_node).clone();
        let l = self.leaves.get_mut(left_node);
        let (ll, rl) = (l.len(), r.len());
        if ll + rl <= LEAF_CAP {
            l.scores[ll..ll + rl].copy_from_slice(&r.scores[..rl]);
            l.ids[ll..ll + rl].copy_from_slice(&r.ids[..rl]);
            l.len = (ll + rl) as u32;
            l.next = r.next;
            if r.next != NONE {
                self.leaves.get_mut(r.next).prev = left_node;
            }
            self.leaves.release(right_node);
            return Rebalanced::Merged;
        }
        let total = ll + rl;
        let new_ll = total / 2;
        let mut scores = [0.0; 2 * LEAF_CAP];
        let mut ids = [0u32; 2 * LEAF_CAP];
        scores[..ll].copy_from_slice(&l.scores[..ll]);
        ids[..ll].copy_from_slice(&l.ids[..ll]);
        scores[ll..total].copy_from_slice(&r.scores[..rl]);
        ids[ll..total].copy_from_slice(&r.ids[..rl]);
        l.scores[..new_ll].copy_from_slice(&scores[..new_ll]);
        l.ids[..new_ll].copy_from_slice(&ids[..new_ll]);
        l.len = new_ll as u32;
        let r = self.leaves.get_mut(right_node);
        let new_rl = total - new_ll;
        r.scores[..new_rl].copy_from_slice(&scores[new_ll..total]);
        r.ids[..new_rl].copy_from_slice(&ids[new_ll..total]);
        r.len = new_rl as u32;
        Rebalanced::Shifted {
            right_first: r.key(0),
            right_count: new_rl as u32,
        }
    }

    fn rebalance_inners(&mut self, left_node: u32, right_node: u32) -> Rebalanced {
        let r = self.inners.get(right_node).clone();
        let l = self.inners.get_mut(left_node);
        let (ll, rl) = (l.len(), r.len());
        if ll + rl <= INNER_CAP {
            for j in 0..rl {
                l.set_child(ll + j, r.child(j));
            }
            l.len = (ll + rl) as u32;
            self.inners.release(right_node);
            return Rebalanced::Merged;
        }
        let total = ll + rl;
        let new_ll = total / 2;
        let all: Vec<Child> = (0..ll)
            .map(|j| l.child(j))
            .chain((0..rl).map(|j| r.child(j)))
            .collect();
        for (j, c) in all[..new_ll].iter().enumerate() {
            l.set_child(j, *c);
        }
        l.len = new_ll as u32;
        let r = self.inners.get_mut(right_node);
        for (j, c) in all[new_ll..].iter().enumerate() {
            r.set_child(j, *c);
        }
        r.len = (total - new_ll) as u32;
        Rebalanced::Shifted {
            right_first: (r.scores[0], r.ids[0]),
            right_count: r.counts[..r.len()].iter().sum(),
        }
    }

    // ---------------------------------------------------------------- bulk build

    /// A tree over keys already in strictly ascending order, with full nodes.
    pub(crate) fn from_sorted(keys: &[(f64, u32)]) -> Tree {
        let mut tree = Tree::default();
        if keys.is_empty() {
            return tree;
        }
        let mut level: Vec<Child> = Vec::new();
        let mut prev_leaf = NONE;
        for chunk in even_chunks(keys.len(), LEAF_CAP) {
            let mut leaf = Leaf::empty();
            let part = &keys[chunk.clone()];
            for (j, &(score, id)) in part.iter().enumerate() {
                leaf.scores[j] = score;
                leaf.ids[j] = id;
            }
            leaf.len = part.len() as u32;
            leaf.prev = prev_leaf;
            let node = tree.leaves.alloc(leaf);
            if prev_leaf != NONE {
                tree.leaves.get_mut(prev_leaf).next = node;
            }
            prev_leaf = node;
            level.push(Child {
                score: part[0].0,
                id: part[0].1,
                node,
                count: part.len() as u32,
            });
        }
        while level.len() > 1 {
            let mut upper = Vec::new();
            for chunk in even_chunks(level.len(), INNER_CAP) {
                let mut inner = Inner::empty();
                let part = &level[chunk];
                for (j, c) in part.iter().enumerate() {
                    inner.set_child(j, *c);
                }
                inner.len = part.len() as u32;
                let count = part.iter().map(|c| c.count).sum();
                upper.push(Child {
                    score: part[0].score,
                    id: part[0].id,
                    node: tree.inners.alloc(inner),
                    count,
                });
            }
            level = upper;
            tree.height += 1;
        }
        tree.root = level[0].node;
        tree.len = keys.len();
        tree
    }

    #[cfg(test)]
    pub(crate) fn leaf_count(&self) -> usize {
        self.leaves.live()
    }

    /// Asserts every structural invariant (tests only).
    #[cfg(test)]
    pub(crate) fn check(&self, entries: &Entries) {
        if self.len == 0 {
            assert_eq!(self.root, NONE);
            return;
        }
        let mut leaves_in_order = Vec::new();
        let (count, _) = self.check_node(self.root, self.height, &mut leaves_in_order, true);
        assert_eq!(count, self.len);
        for (k, &leaf) in leaves_in_order.iter().enumerate() {
            let l = self.leaves.get(leaf);
            let prev = if k == 0 { NONE } else { leaves_in_order[k - 1] };
            let next = leaves_in_order.get(k + 1).copied().unwrap_or(NONE);
            assert_eq!((l.prev, l.next), (prev, next), "leaf links");
        }
        assert_eq!(self.leaves.live(), leaves_in_order.len(), "leaked leaves");
        let mut last: Option<(f64, u32)> = None;
        for &leaf in &leaves_in_order {
            let l = self.leaves.get(leaf);
            for j in 0..l.len() {
                if let Some(prev) = last {
                    assert!(key_less(entries, prev, l.key(j)), "keys out of order");
                }
                last = Some(l.key(j));
            }
        }
    }

    #[cfg(test)]
    fn check_node(
        &self,
        node: u32,
        level: u32,
        leaves: &mut Vec<u32>,
        is_root: bool,
    ) -> (usize, (f64, u32)) {
        if level == 0 {
            let l = self.leaves.get(node);
            assert!(l.len() > 0, "empty leaf");
            leaves.push(node);
            return (l.len(), l.key(0));
        }
        let inner = self.inners.get(node);
        assert!(inner.len() > 0, "empty inner node");
        assert!(!is_root || inner.len() > 1, "root inner with one child");
        let mut total = 0;
        for j in 0..inner.len() {
            let (count, first) = self.check_node(inner.children[j], level - 1, leaves, false);
            assert_eq!(count, inner.counts[j] as usize, "count");
            assert_eq!(first.1, inner.ids[j], "separator id");
            assert_eq!(
                first.0.to_bits(),
                inner.scores[j].to_bits(),
                "separator score"
            );
            total += count;
        }
        (total, (inner.scores[0], inner.ids[0]))
    }
}

/// A sink for removed keys nobody needs.
struct Discard;

impl Extend<(f64, u32)> for Discard {
    fn extend<I: IntoIterator<Item = (f64, u32)>>(&mut self, _: I) {}
}

enum Rebalanced {
    Merged,
    Shifted {
        right_first: (f64, u32),
        right_count: u32,
    },
}

/// The number of leading indices in `0..len` for which `pred` holds (binary search).
fn partition(len: usize, mut pred: impl FnMut(usize) -> bool) -> usize {
    let mut lo = 0;
    let mut hi = len;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Where a full node of `cap` items plus one inserted at `at` is cut: appends at the right edge
/// of the tree keep the old node full (ascending inserts fill nodes), prepends at the left edge
/// likewise; anything else splits in the middle.
fn split_point(cap: usize, at: usize, leftmost: bool, rightmost: bool) -> usize {
    if rightmost && at == cap {
        cap
    } else if leftmost && at == 0 {
        1
    } else {
        cap.div_ceil(2)
    }
}

/// `0..n` cut into the fewest runs of at most `cap`, with sizes differing by at most one.
fn even_chunks(n: usize, cap: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let runs = n.div_ceil(cap);
    let base = n / runs.max(1);
    let extra = n % runs.max(1);
    (0..runs).scan(0, move |start, k| {
        let len = base + usize::from(k < extra);
        let range = *start..*start + len;
        *start += len;
        Some(range)
    })
}
