//! Reading a listpack in place: `ListpackView` over borrowed bytes, entry
//! positions, forward and backward iteration, seeking by index and `lpFind`.
//! Nothing here allocates or mutates; editing is `owned`'s job.
//!
//! Every method is total: on bytes that are not a valid listpack it returns
//! meaningless (but in-bounds) results, ends iteration early, and never
//! panics, reads out of bounds or loops forever. Results are only meaningful
//! for a well-formed listpack: one written by this crate or accepted by
//! [`validate`](super::validate) with `deep = true`.

use std::fmt;

use super::entry::{COUNT_UNKNOWN, HEADER_SIZE, backlen_size, decode, entry_len, read_backlen};
use crate::element::Element;

/// Where an entry starts in a listpack: its byte offset. Only this crate
/// makes one, from a walk of a listpack; it stays meaningful for that
/// listpack until the listpack is edited (edits return the positions that
/// stay meaningful).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryPos(pub(crate) usize);

impl EntryPos {
    /// The entry's byte offset from the start of the listpack.
    pub fn offset(self) -> usize {
        self.0
    }
}

/// An entry found in a listpack: where it is and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Where the entry starts (for [`ListpackView::next`], edits, ...).
    pub pos: EntryPos,
    /// The entry's value, borrowing the listpack's bytes.
    pub element: Element<'a>,
}

/// A listpack read in place from borrowed bytes.
#[derive(Clone, Copy)]
pub struct ListpackView<'a> {
    bytes: &'a [u8],
}

impl<'a> ListpackView<'a> {
    /// Reads `bytes` as a listpack, without checking them. Meaningful results
    /// need a well-formed listpack (see the module doc); any bytes are safe.
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The listpack's bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The listpack's size in bytes, header and terminator included.
    pub fn bytes_len(&self) -> usize {
        self.bytes.len()
    }

    /// The element count in the header: `u16::MAX` means "unknown".
    fn header_count(&self) -> u16 {
        match self.bytes.get(4..6) {
            Some(&[low, high]) => u16::from_le_bytes([low, high]),
            _ => 0,
        }
    }

    /// The bytes before the terminator, where entries live.
    #[inline]
    fn body(&self) -> &'a [u8] {
        if self.bytes.len() > HEADER_SIZE {
            &self.bytes[..self.bytes.len() - 1]
        } else {
            &[]
        }
    }

    /// The number of elements: the header's count, or a walk of the entries
    /// when the header says 65535 ("unknown", Redis's `lpLength`).
    pub fn len(&self) -> usize {
        match self.header_count() {
            COUNT_UNKNOWN => self.entries().count(),
            count => usize::from(count),
        }
    }

    /// Whether the listpack has no elements.
    pub fn is_empty(&self) -> bool {
        self.first().is_none()
    }

    /// The element at `pos` (a position from `first`, `next`, `seek`,
    /// `find`...), or `None` if no entry starts there.
    #[inline]
    pub fn get(&self, pos: EntryPos) -> Option<Element<'a>> {
        self.decode_entry(pos.0).map(|decoded| decoded.element)
    }

    #[inline]
    fn decode_entry(&self, offset: usize) -> Option<super::entry::Decoded<'a>> {
        if offset < HEADER_SIZE {
            return None;
        }
        decode(self.body(), offset)
    }

    /// The first entry.
    pub fn first(&self) -> Option<Entry<'a>> {
        self.entries().next()
    }

    /// The last entry.
    pub fn last(&self) -> Option<Entry<'a>> {
        self.entries().next_back()
    }

    /// The entry after the one at `pos`.
    #[inline]
    pub fn next(&self, pos: EntryPos) -> Option<Entry<'a>> {
        if pos.0 < HEADER_SIZE {
            return None;
        }
        let offset = pos.0 + entry_len(self.body(), pos.0)?;
        let next = self.decode_entry(offset)?;
        Some(Entry {
            pos: EntryPos(offset),
            element: next.element,
        })
    }

    /// The entry before the one at `pos`.
    pub fn prev(&self, pos: EntryPos) -> Option<Entry<'a>> {
        if pos.0 > self.body().len() {
            return None;
        }
        Entries {
            body: self.body(),
            front: HEADER_SIZE,
            back: pos.0,
        }
        .next_back()
    }

    /// The entry at `index`, counting from 0 at the head, or from -1 at the
    /// tail when negative (Redis's `lpSeek`: walks from whichever end is
    /// nearer when the count is known).
    pub fn seek(&self, index: i64) -> Option<Entry<'a>> {
        let count = self.header_count();
        let (forward, steps) = if count == COUNT_UNKNOWN {
            if index < 0 {
                (false, -(index + 1))
            } else {
                (true, index)
            }
        } else {
            let count = i64::from(count);
            let index = if index < 0 { index + count } else { index };
            if index < 0 || index >= count {
                return None;
            }
            if index > count / 2 {
                (false, count - 1 - index)
            } else {
                (true, index)
            }
        };
        let steps = usize::try_from(steps).ok()?;
        if forward {
            self.entries().nth(steps)
        } else {
            self.entries().nth_back(steps)
        }
    }

    /// The first entry at or after `from` whose text equals `needle`, looking
    /// at every `skip + 1`-th entry (Redis's `lpFind`): `skip = 1` from the
    /// first entry looks at hash fields or sorted-set members only.
    #[inline]
    pub fn find_from(&self, from: EntryPos, needle: &[u8], skip: usize) -> Option<Entry<'a>> {
        let body = self.body();
        // The needle's integer value, parsed on the first integer entry.
        let mut needle_int: Option<Option<i64>> = None;
        let mut offset = from.0;
        let mut to_skip = 0;
        if offset < HEADER_SIZE {
            return None;
        }
        loop {
            if to_skip > 0 {
                to_skip -= 1;
                offset += entry_len(body, offset)?;
                continue;
            }
            let decoded = decode(body, offset)?;
            let found = match decoded.element {
                Element::Str(text) => text == needle,
                Element::Int(value) => {
                    *needle_int.get_or_insert_with(|| numeric::parse_i64(needle)) == Some(value)
                }
            };
            if found {
                return Some(Entry {
                    pos: EntryPos(offset),
                    element: decoded.element,
                });
            }
            to_skip = skip;
            offset += decoded.entry_len;
        }
    }

    /// [`find_from`](Self::find_from) the first entry.
    #[inline]
    pub fn find(&self, needle: &[u8], skip: usize) -> Option<Entry<'a>> {
        self.find_from(EntryPos(HEADER_SIZE), needle, skip)
    }

    /// The elements, head to tail (reversible with `.rev()`).
    pub fn iter(&self) -> Iter<'a> {
        Iter {
            entries: self.entries(),
        }
    }

    /// The entries (position and element), head to tail (reversible).
    pub fn entries(&self) -> Entries<'a> {
        let body = self.body();
        let (front, back) = if body.is_empty() {
            (0, 0)
        } else {
            (HEADER_SIZE, body.len())
        };
        Entries { body, front, back }
    }

    /// The entries from the one at `pos` to the tail; `.rev()` walks from
    /// the tail back to `pos`. Empty if no entry starts at `pos`.
    pub fn entries_from(&self, pos: EntryPos) -> Entries<'a> {
        let body = self.body();
        match self.decode_entry(pos.0) {
            Some(_) => Entries {
                body,
                front: pos.0,
                back: body.len(),
            },
            None => Entries {
                body,
                front: 0,
                back: 0,
            },
        }
    }

    /// The entries from the head through the one at `pos`; `.rev()` walks
    /// from `pos` back to the head (ZREVRANGE). Empty if no entry starts at
    /// `pos`.
    pub fn entries_through(&self, pos: EntryPos) -> Entries<'a> {
        let body = self.body();
        match self.decode_entry(pos.0) {
            Some(decoded) => Entries {
                body,
                front: HEADER_SIZE,
                back: pos.0 + decoded.entry_len,
            },
            None => Entries {
                body,
                front: 0,
                back: 0,
            },
        }
    }

    /// The elements taken two at a time (field and value of a hash, member
    /// and score of a sorted set), reversible with `.rev()` (pairs from the
    /// tail, still in (field, value) order). Meant for an even count: with an
    /// odd one, a lone element is dropped from the end first reached.
    pub fn pairs(&self) -> Pairs<'a> {
        Pairs { iter: self.iter() }
    }

    /// An owned copy, to edit.
    pub fn to_listpack(&self) -> super::Listpack {
        super::Listpack::from(self.bytes.to_vec())
    }
}

impl fmt::Debug for ListpackView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for ListpackView<'a> {
    type Item = Element<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over a listpack's entries; see [`ListpackView::entries`].
#[derive(Clone)]
pub struct Entries<'a> {
    /// The listpack without its terminator.
    body: &'a [u8],
    /// Offset of the next entry from the front.
    front: usize,
    /// Offset just past the next entry from the back.
    back: usize,
}

impl Entries<'_> {
    /// Ends the iteration (after a malformed entry).
    fn fuse(&mut self) {
        self.front = self.back;
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;

    #[inline]
    fn next(&mut self) -> Option<Entry<'a>> {
        if self.front >= self.back {
            return None;
        }
        let Some(decoded) = decode(&self.body[..self.back], self.front) else {
            self.fuse();
            return None;
        };
        let pos = EntryPos(self.front);
        self.front += decoded.entry_len;
        Some(Entry {
            pos,
            element: decoded.element,
        })
    }
}

impl<'a> DoubleEndedIterator for Entries<'a> {
    #[inline]
    fn next_back(&mut self) -> Option<Entry<'a>> {
        if self.back <= self.front {
            return None;
        }
        let previous = read_backlen(self.body, self.back).and_then(|encoded_len| {
            let start = self
                .back
                .checked_sub(encoded_len.checked_add(backlen_size(encoded_len))?)?;
            if start < self.front {
                return None;
            }
            let decoded = decode(&self.body[..self.back], start)?;
            (start + decoded.entry_len == self.back).then_some((start, decoded.element))
        });
        let Some((start, element)) = previous else {
            self.fuse();
            return None;
        };
        self.back = start;
        Some(Entry {
            pos: EntryPos(start),
            element,
        })
    }
}

impl std::iter::FusedIterator for Entries<'_> {}

/// Iterator over a listpack's elements; see [`ListpackView::iter`].
#[derive(Clone)]
pub struct Iter<'a> {
    entries: Entries<'a>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Element<'a>;

    #[inline]
    fn next(&mut self) -> Option<Element<'a>> {
        self.entries.next().map(|entry| entry.element)
    }
}

impl<'a> DoubleEndedIterator for Iter<'a> {
    #[inline]
    fn next_back(&mut self) -> Option<Element<'a>> {
        self.entries.next_back().map(|entry| entry.element)
    }
}

impl std::iter::FusedIterator for Iter<'_> {}

/// Iterator over pairs of elements; see [`ListpackView::pairs`].
#[derive(Clone)]
pub struct Pairs<'a> {
    iter: Iter<'a>,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (Element<'a>, Element<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let first = self.iter.next()?;
        let second = self.iter.next()?;
        Some((first, second))
    }
}

impl<'a> DoubleEndedIterator for Pairs<'a> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        let second = self.iter.next_back()?;
        let first = self.iter.next_back()?;
        Some((first, second))
    }
}
