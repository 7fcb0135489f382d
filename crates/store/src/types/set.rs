//! Sets: an intset while every member is an integer and the set is small (`intset`
//! encoding, `set-max-intset-entries`), an [`IndexedTable`] of members otherwise
//! (`hashtable` encoding). Redis 7.0 never converts a set back to an intset.

use listpack::{Intset, IntsetView};

use super::table::{IndexedTable, ItemKey};
use crate::entry::{Collection, Entry, Stored, ValueType};
use crate::error::CmdError;

/// A large set's item is the member itself.
pub struct Member;

impl ItemKey for Member {
    fn key(item: &[u8]) -> &[u8] {
        item
    }
}

/// A set in the `hashtable` encoding.
pub type LargeSet = IndexedTable<Member>;

/// A set read in place.
#[derive(Clone, Copy)]
pub enum SetRef<'a> {
    Compact(IntsetView<'a>),
    Large(&'a LargeSet),
}

/// One member as stored: an integer of an intset, or bytes.
#[derive(Clone, Copy, Debug)]
pub enum SetMember<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl SetMember<'_> {
    /// The member's text.
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            SetMember::Int(v) => itoa::Buffer::new().format(v).as_bytes().to_vec(),
            SetMember::Bytes(b) => b.to_vec(),
        }
    }

    /// Calls `f` with the member's text, without allocating.
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            SetMember::Int(v) => f(itoa::Buffer::new().format(v).as_bytes()),
            SetMember::Bytes(b) => f(b),
        }
    }
}

impl<'a> SetRef<'a> {
    /// The set stored in `entry` (WRONGTYPE for another type).
    pub fn of(entry: &'a Entry) -> Result<SetRef<'a>, CmdError> {
        match entry.stored() {
            Stored::Compact(ValueType::Set, bytes) => Ok(SetRef::Compact(IntsetView::new(bytes))),
            Stored::Large(Collection::Set(s)) => Ok(SetRef::Large(s)),
            _ => Err(CmdError::WrongType),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            SetRef::Compact(i) => i.len(),
            SetRef::Large(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            SetRef::Compact(i) => numeric::parse_i64(member).is_some_and(|v| i.contains(v)),
            SetRef::Large(s) => s.contains(member),
        }
    }

    /// The member at position `i` (< len), for random picks.
    pub fn at(&self, i: usize) -> SetMember<'a> {
        match *self {
            SetRef::Compact(s) => SetMember::Int(s.get(i).unwrap_or(0)),
            SetRef::Large(s) => SetMember::Bytes(s.at(i)),
        }
    }

    pub fn for_each(&self, mut f: impl FnMut(SetMember<'a>)) {
        match *self {
            SetRef::Compact(s) => s.iter().for_each(|v| f(SetMember::Int(v))),
            SetRef::Large(s) => s.iter().for_each(|b| f(SetMember::Bytes(b))),
        }
    }

    /// Every member's text.
    pub fn members(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(|m| out.push(m.to_vec()));
        out
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            SetRef::Compact(_) => "intset",
            SetRef::Large(_) => "hashtable",
        }
    }
}

/// A new set entry for a first member (Redis `setTypeCreate`: an intset when the member is
/// an integer).
pub fn new_entry(key: &[u8], first: &[u8], clock: u32) -> Entry {
    if numeric::parse_i64(first).is_some() {
        Entry::new_compact(key, ValueType::Set, Intset::new().as_bytes(), clock)
    } else {
        Entry::new_large(key, Collection::Set(LargeSet::default()), clock)
    }
}

fn make_large(entry: &mut Entry) {
    let large = match entry.stored() {
        Stored::Compact(ValueType::Set, bytes) => {
            let view = IntsetView::new(bytes);
            let mut s = LargeSet::with_capacity(view.len() + 1);
            for v in view.iter() {
                s.insert_new(&[itoa::Buffer::new().format(v).as_bytes()]);
            }
            s
        }
        _ => return,
    };
    entry.set_large(Collection::Set(large));
}

/// Adds members; returns how many were new (Redis `setTypeAdd` one by one).
pub fn add(entry: &mut Entry, members: &[&[u8]], max_intset: u64) -> usize {
    let mut added = 0;
    let mut i = 0;
    if let Stored::Compact(_, bytes) = entry.stored() {
        let mut set = IntsetView::new(bytes).to_intset();
        while i < members.len() {
            let Some(v) = numeric::parse_i64(members[i]) else {
                break;
            };
            if set.add(v) {
                added += 1;
                if set.len() as u64 > max_intset {
                    i += 1;
                    break;
                }
            }
            i += 1;
        }
        let converted = i < members.len() || set.len() as u64 > max_intset;
        entry.set_compact(set.as_bytes());
        if !converted {
            return added;
        }
        make_large(entry);
        // The member that stopped the intset may be an integer that made it too big: it
        // was added above; a non-integer is added below.
    }
    if let Some(Collection::Set(s)) = entry.large_mut() {
        for m in &members[i..] {
            if s.insert(m, &[m]) {
                added += 1;
            }
        }
    }
    added
}

/// Removes members; returns how many existed. The caller deletes the key when empty.
pub fn remove(entry: &mut Entry, members: &[&[u8]]) -> usize {
    let mut removed = 0;
    if let Stored::Compact(_, bytes) = entry.stored() {
        let mut set = IntsetView::new(bytes).to_intset();
        for m in members {
            if numeric::parse_i64(m).is_some_and(|v| set.remove(v)) {
                removed += 1;
            }
        }
        if removed > 0 {
            entry.set_compact(set.as_bytes());
        }
        return removed;
    }
    if let Some(Collection::Set(s)) = entry.large_mut() {
        for m in members {
            if s.remove(m) {
                removed += 1;
            }
        }
    }
    removed
}

/// Removes and returns the member at position `i`.
pub fn remove_at(entry: &mut Entry, i: usize) -> Option<Vec<u8>> {
    if let Stored::Compact(_, bytes) = entry.stored() {
        let mut set = IntsetView::new(bytes).to_intset();
        let v = set.remove_at(i)?;
        entry.set_compact(set.as_bytes());
        return Some(itoa::Buffer::new().format(v).as_bytes().to_vec());
    }
    match entry.large_mut() {
        Some(Collection::Set(s)) if i < s.len() => Some(s.remove_at(i)),
        _ => None,
    }
}

/// A set entry holding `members` (distinct), in the encoding Redis would build by adding them
/// one by one to an empty intset (SINTERSTORE and friends).
pub fn build(key: &[u8], members: &[Vec<u8>], max_intset: u64, clock: u32) -> Entry {
    let ints: Option<Vec<i64>> = members.iter().map(|m| numeric::parse_i64(m)).collect();
    match ints {
        Some(ints) if ints.len() as u64 <= max_intset => {
            let set: Intset = ints.into_iter().collect();
            Entry::new_compact(key, ValueType::Set, set.as_bytes(), clock)
        }
        _ => {
            let mut s = LargeSet::with_capacity(members.len());
            for m in members {
                s.insert(m, &[m]);
            }
            Entry::new_large(key, Collection::Set(s), clock)
        }
    }
}
