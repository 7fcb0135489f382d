//! `Listpack`, an owned listpack that can be edited: pushes, inserts,
//! replacements and deletions, each producing the bytes Redis 7.0 produces for
//! the same operation. Reading goes through [`Listpack::view`].
//!
//! Edits assume the listpack is well formed (written by this crate, or
//! accepted by [`validate`](super::validate) with `deep = true`) and that the
//! positions given come from this listpack since its last edit. Breaking
//! either is a caller bug: it can make an edit panic, never read out of bounds.

use std::fmt;

use super::entry::{self, COUNT_UNKNOWN, EOF, Encodable, HEADER_SIZE};
use super::view::{EntryPos, ListpackView};
use crate::element::Element;

/// The largest listpack Redis lets a collection grow to before converting it
/// to a real structure (`LISTPACK_MAX_SAFETY_SIZE`, 1 GiB).
pub const SAFETY_SIZE_LIMIT: usize = 1 << 30;

/// The largest listpack the format can describe (its size is a u32).
const FORMAT_SIZE_LIMIT: usize = u32::MAX as usize;

/// Which side of an existing entry an insert goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The new entry takes the existing entry's index.
    Before,
    /// The new entry comes right after the existing one.
    After,
}

/// An owned, editable listpack.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    bytes: Vec<u8>,
}

impl Default for Listpack {
    fn default() -> Self {
        Self::new()
    }
}

impl Listpack {
    /// An empty listpack (7 bytes: header and terminator).
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty listpack with room for `capacity` bytes before reallocating.
    pub fn with_capacity(capacity: usize) -> Self {
        let mut bytes = Vec::with_capacity(capacity.max(HEADER_SIZE + 1));
        bytes.extend_from_slice(&[(HEADER_SIZE + 1) as u8, 0, 0, 0, 0, 0, EOF]);
        Self { bytes }
    }

    /// Reads this listpack.
    #[inline]
    pub fn view(&self) -> ListpackView<'_> {
        ListpackView::new(&self.bytes)
    }

    /// The listpack's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The listpack's bytes, to store.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The number of elements (see [`ListpackView::len`]).
    pub fn len(&self) -> usize {
        self.view().len()
    }

    /// Whether the listpack has no elements.
    pub fn is_empty(&self) -> bool {
        self.bytes.len() <= HEADER_SIZE + 1
    }

    /// The listpack's size in bytes.
    pub fn bytes_len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether adding `additional` bytes keeps the listpack under
    /// [`SAFETY_SIZE_LIMIT`] (Redis's `lpSafeToAdd`).
    pub fn safe_to_add(&self, additional: usize) -> bool {
        self.bytes.len().saturating_add(additional) <= SAFETY_SIZE_LIMIT
    }

    /// Appends `value` at the tail (`lpAppend`); returns its position.
    ///
    /// # Panics
    /// If the listpack would exceed 4 GiB (callers convert long before).
    pub fn push_back<'v>(&mut self, value: impl Into<Element<'v>>) -> EntryPos {
        let offset = self.bytes.len() - 1;
        self.insert_at(offset, Encodable::new(value.into()))
    }

    /// Prepends `value` at the head (`lpPrepend`); returns its position.
    ///
    /// # Panics
    /// As [`push_back`](Self::push_back).
    pub fn push_front<'v>(&mut self, value: impl Into<Element<'v>>) -> EntryPos {
        self.insert_at(HEADER_SIZE, Encodable::new(value.into()))
    }

    /// Inserts `value` before or after the entry at `at` (`lpInsertString`);
    /// returns the new entry's position.
    ///
    /// # Panics
    /// If `at` is not an entry of this listpack, or as
    /// [`push_back`](Self::push_back).
    pub fn insert<'v>(
        &mut self,
        at: EntryPos,
        side: Side,
        value: impl Into<Element<'v>>,
    ) -> EntryPos {
        let offset = match side {
            Side::Before => at.0,
            Side::After => at.0 + self.entry_len(at),
        };
        self.insert_at(offset, Encodable::new(value.into()))
    }

    /// Replaces the entry at `at` with `value` (`lpReplace`); returns its
    /// position (unchanged).
    ///
    /// # Panics
    /// As [`insert`](Self::insert).
    pub fn replace<'v>(&mut self, at: EntryPos, value: impl Into<Element<'v>>) -> EntryPos {
        let old_len = self.entry_len(at);
        self.splice(at.0, old_len, Some(Encodable::new(value.into())));
        at
    }

    /// Deletes the entry at `at` (`lpDelete`); returns the position of the
    /// entry that followed it, now at the same offset, if any.
    ///
    /// # Panics
    /// If `at` is not an entry of this listpack.
    pub fn delete(&mut self, at: EntryPos) -> Option<EntryPos> {
        self.delete_run(at, 1)
    }

    /// Deletes `count` entries starting at `at`, fewer if the tail comes first
    /// (`lpDeleteRangeWithEntry`); returns the position of the entry that
    /// followed them, if any.
    ///
    /// # Panics
    /// If `at` is not an entry of this listpack.
    pub fn delete_run(&mut self, at: EntryPos, count: usize) -> Option<EntryPos> {
        if count == 0 {
            return Some(at);
        }
        // Checks that `at` is an entry (panics otherwise).
        let _ = self.entry_len(at);
        let (end, deleted) = self.run_end(at, count);
        self.remove_bytes(at.0, end, deleted);
        (self.bytes[at.0] != EOF).then_some(at)
    }

    /// Deletes `count` elements starting at `index` (negative counts from the
    /// tail, as [`ListpackView::seek`]), fewer if the tail comes first
    /// (`lpDeleteRange`); returns how many were deleted (0 when `index` is out
    /// of range).
    pub fn delete_range(&mut self, index: i64, count: usize) -> usize {
        if count == 0 {
            return 0;
        }
        let Some(first) = self.view().seek(index) else {
            return 0;
        };
        let (end, deleted) = self.run_end(first.pos, count);
        self.remove_bytes(first.pos.0, end, deleted);
        deleted
    }

    /// Where a run of up to `count` entries from `at` ends, and how many
    /// entries it holds.
    fn run_end(&self, at: EntryPos, count: usize) -> (usize, usize) {
        let body = &self.bytes[..self.bytes.len() - 1];
        let mut end = at.0;
        let mut entries = 0;
        while entries < count {
            let Some(len) = entry::entry_len(body, end) else {
                break;
            };
            end += len;
            entries += 1;
        }
        (end, entries)
    }

    /// Empties the listpack, keeping its allocation.
    pub fn clear(&mut self) {
        self.bytes.truncate(HEADER_SIZE);
        self.bytes.push(EOF);
        self.bytes[4..6].copy_from_slice(&[0, 0]);
        self.set_total_bytes();
    }

    /// Bytes taken by the entry at `at`, which must be one.
    fn entry_len(&self, at: EntryPos) -> usize {
        match entry::entry_len(&self.bytes[..self.bytes.len() - 1], at.0) {
            Some(len) if at.0 >= HEADER_SIZE => len,
            _ => panic!("listpack: {at:?} is not an entry of this listpack"),
        }
    }

    /// Inserts an entry at byte `offset` (an entry's start or the terminator).
    fn insert_at(&mut self, offset: usize, value: Encodable<'_>) -> EntryPos {
        self.splice(offset, 0, Some(value));
        self.adjust_count(1, 0);
        EntryPos(offset)
    }

    /// Removes the entries in `start..end` (`count` of them).
    fn remove_bytes(&mut self, start: usize, end: usize, count: usize) {
        self.splice(start, end - start, None);
        self.adjust_count(0, count);
    }

    /// Replaces `removed` bytes at `offset` with the entry `value` (if any)
    /// and updates the header's size. The element count is the caller's.
    fn splice(&mut self, offset: usize, removed: usize, value: Option<Encodable<'_>>) {
        let added = value.map_or(0, |value| value.entry_len());
        let old_total = self.bytes.len();
        let new_total = old_total - removed + added;
        assert!(
            new_total <= FORMAT_SIZE_LIMIT,
            "listpack: {new_total} bytes exceeds the format's 4 GiB"
        );
        let tail = offset + removed..old_total;
        if added > removed {
            self.bytes.resize(new_total, 0);
            self.bytes.copy_within(tail, offset + added);
        } else if added < removed {
            self.bytes.copy_within(tail, offset + added);
            self.bytes.truncate(new_total);
        }
        if let Some(value) = value {
            value.write(&mut self.bytes[offset..offset + added]);
        }
        self.set_total_bytes();
    }

    fn set_total_bytes(&mut self) {
        let total = self.bytes.len() as u32;
        self.bytes[0..4].copy_from_slice(&total.to_le_bytes());
    }

    /// Updates the header's element count as Redis does: an unknown count
    /// (65535) stays unknown; a known one saturates into "unknown".
    fn adjust_count(&mut self, added: usize, removed: usize) {
        let count = u16::from_le_bytes([self.bytes[4], self.bytes[5]]);
        if count == COUNT_UNKNOWN {
            return;
        }
        let new_count = (usize::from(count) + added).saturating_sub(removed);
        let new_count = u16::try_from(new_count).unwrap_or(COUNT_UNKNOWN);
        self.bytes[4..6].copy_from_slice(&new_count.to_le_bytes());
    }
}

impl<'v, E: Into<Element<'v>>> Extend<E> for Listpack {
    /// Appends every value at the tail, in O(bytes written) (`lpBatchAppend`).
    fn extend<I: IntoIterator<Item = E>>(&mut self, values: I) {
        let values = values.into_iter();
        // Drop the terminator, append the entries, put it back.
        self.bytes.pop();
        let mut appended = 0usize;
        for value in values {
            let value = Encodable::new(value.into());
            let start = self.bytes.len();
            let len = value.entry_len();
            assert!(
                start + len < FORMAT_SIZE_LIMIT,
                "listpack: would exceed the format's 4 GiB"
            );
            self.bytes.resize(start + len, 0);
            value.write(&mut self.bytes[start..]);
            appended += 1;
        }
        self.bytes.push(EOF);
        self.set_total_bytes();
        self.adjust_count(appended, 0);
    }
}

impl<'v, E: Into<Element<'v>>> FromIterator<E> for Listpack {
    /// A listpack of the values, in order.
    fn from_iter<I: IntoIterator<Item = E>>(values: I) -> Self {
        let mut listpack = Listpack::new();
        listpack.extend(values);
        listpack
    }
}

impl From<Vec<u8>> for Listpack {
    /// Takes `bytes` as a listpack without checking them: they must be well
    /// formed (see the module doc), e.g. accepted by
    /// [`validate`](super::validate).
    fn from(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }
}

impl From<Listpack> for Vec<u8> {
    fn from(listpack: Listpack) -> Self {
        listpack.bytes
    }
}

impl fmt::Debug for Listpack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view(), f)
    }
}
