//! Lists: a listpack while the list fits one quicklist node (`list-max-listpack-size`), a
//! double-ended queue of elements beyond. Redis 7.0 reports both as `quicklist` (its lists
//! are always quicklists of listpack nodes), so the switch is invisible to clients.
//!
//! Edits other than pushes and pops work on the queue form: a compact list is decoded,
//! edited and re-encoded, which costs at most one node's bytes (8 KiB by default).

use std::collections::VecDeque;

use listpack::{Element, IntBuf, Listpack, ListpackView};

use crate::entry::{Collection, Entry, Stored, ValueType};
use crate::error::CmdError;

/// A list too long for one listpack.
pub type LargeList = VecDeque<Box<[u8]>>;

/// A list read in place.
#[derive(Clone, Copy)]
pub enum ListRef<'a> {
    Compact(ListpackView<'a>),
    Large(&'a LargeList),
}

impl<'a> ListRef<'a> {
    /// The list stored in `entry` (WRONGTYPE for another type).
    pub fn of(entry: &'a Entry) -> Result<ListRef<'a>, CmdError> {
        match entry.stored() {
            Stored::Compact(ValueType::List, bytes) => {
                Ok(ListRef::Compact(ListpackView::new(bytes)))
            }
            Stored::Large(Collection::List(l)) => Ok(ListRef::Large(l)),
            _ => Err(CmdError::WrongType),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ListRef::Compact(lp) => lp.len(),
            ListRef::Large(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element at `index` (0-based from the head).
    pub fn get(&self, index: usize) -> Option<Element<'a>> {
        match *self {
            ListRef::Compact(lp) => lp.seek(index as i64).map(|e| e.element),
            ListRef::Large(l) => l.get(index).map(|b| Element::Str(b)),
        }
    }

    /// Every element from the head.
    pub fn for_each(&self, mut f: impl FnMut(Element<'a>)) {
        match *self {
            ListRef::Compact(lp) => lp.iter().for_each(f),
            ListRef::Large(l) => l.iter().for_each(|b| f(Element::Str(b))),
        }
    }

    /// Elements `start..=end` (valid indices), from the head.
    pub fn range(&self, start: usize, end: usize, mut f: impl FnMut(Element<'a>)) {
        match *self {
            ListRef::Compact(lp) => lp.iter().skip(start).take(end + 1 - start).for_each(f),
            ListRef::Large(l) => l.range(start..=end).for_each(|b| f(Element::Str(b))),
        }
    }

    /// Elements from the tail.
    pub fn for_each_rev(&self, mut f: impl FnMut(Element<'a>) -> bool) {
        match *self {
            ListRef::Compact(lp) => {
                for e in lp.iter().rev() {
                    if !f(e) {
                        return;
                    }
                }
            }
            ListRef::Large(l) => {
                for b in l.iter().rev() {
                    if !f(Element::Str(b)) {
                        return;
                    }
                }
            }
        }
    }

    /// The elements as a queue (for edits and for conversion).
    pub fn to_queue(&self) -> LargeList {
        let mut q = LargeList::with_capacity(self.len());
        self.for_each(|e| q.push_back(e.as_bytes(&mut IntBuf::new()).into()));
        q
    }
}

/// Does a listpack of `bytes` bytes and `count` elements fit one quicklist node?
/// (`list-max-listpack-size`: a positive value counts elements, -1..-5 allow 4..64 KiB.)
pub fn fits_node(bytes: usize, count: usize, max_size: i32) -> bool {
    if max_size >= 0 {
        // Redis also caps a counted node at its safety size (8 KiB, SIZE_SAFETY_LIMIT).
        count <= max_size.max(1) as usize && bytes <= 8192
    } else {
        let limit = match max_size {
            -1 => 4096,
            -2 => 8192,
            -3 => 16384,
            -4 => 32768,
            _ => 65536,
        };
        bytes <= limit
    }
}

/// Stores `queue` in `entry` in the encoding its size calls for.
pub fn store_queue(entry: &mut Entry, queue: LargeList, max_size: i32) {
    let bytes: usize = queue.iter().map(|e| e.len() + 11).sum::<usize>() + 7;
    if fits_node(bytes, queue.len(), max_size) {
        let lp: Listpack = queue.iter().map(|e| Element::from_bytes(e)).collect();
        if fits_node(lp.bytes_len(), lp.len(), max_size) {
            entry.set_compact(lp.as_bytes());
            return;
        }
    }
    entry.set_large(Collection::List(queue));
}

/// A new, empty list entry.
pub fn new_entry(key: &[u8], clock: u32) -> Entry {
    Entry::new_compact(key, ValueType::List, Listpack::new().as_bytes(), clock)
}

/// Pushes `values` one by one at the head (`front`) or the tail; returns the new length.
pub fn push(entry: &mut Entry, values: &[&[u8]], front: bool, max_size: i32) -> usize {
    if let Stored::Compact(_, bytes) = entry.stored() {
        let mut lp = ListpackView::new(bytes).to_listpack();
        for v in values {
            if front {
                lp.push_front(Element::from_bytes(v));
            } else {
                lp.push_back(Element::from_bytes(v));
            }
        }
        if fits_node(lp.bytes_len(), lp.len(), max_size) {
            let n = lp.len();
            entry.set_compact(lp.as_bytes());
            return n;
        }
        let queue = ListRef::Compact(lp.view()).to_queue();
        let n = queue.len();
        entry.set_large(Collection::List(queue));
        return n;
    }
    match entry.large_mut() {
        Some(Collection::List(l)) => {
            for v in values {
                if front {
                    l.push_front((*v).into());
                } else {
                    l.push_back((*v).into());
                }
            }
            l.len()
        }
        _ => 0,
    }
}

/// Pops up to `count` elements from the head (`front`) or the tail.
pub fn pop(entry: &mut Entry, count: usize, front: bool) -> Vec<Vec<u8>> {
    if let Stored::Compact(_, bytes) = entry.stored() {
        let view = ListpackView::new(bytes);
        let n = count.min(view.len());
        let popped: Vec<Vec<u8>> = if front {
            view.iter().take(n).map(|e| e.to_vec()).collect()
        } else {
            view.iter().rev().take(n).map(|e| e.to_vec()).collect()
        };
        let mut lp = view.to_listpack();
        let start = if front { 0 } else { -(n as i64) };
        lp.delete_range(start, n);
        entry.set_compact(lp.as_bytes());
        return popped;
    }
    match entry.large_mut() {
        Some(Collection::List(l)) => {
            let n = count.min(l.len());
            (0..n)
                .filter_map(|_| if front { l.pop_front() } else { l.pop_back() })
                .map(Vec::from)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Applies an edit to the list as a queue and stores the result.
pub fn edit<R>(entry: &mut Entry, max_size: i32, f: impl FnOnce(&mut LargeList) -> R) -> R {
    let mut queue = match entry.large_mut() {
        Some(Collection::List(l)) => std::mem::take(l),
        _ => match ListRef::of(entry) {
            Ok(l) => l.to_queue(),
            Err(_) => LargeList::new(),
        },
    };
    let r = f(&mut queue);
    store_queue(entry, queue, max_size);
    r
}
