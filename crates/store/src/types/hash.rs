//! Hashes: a listpack of field, value, field, value... while small (`listpack` encoding), a
//! [`IndexedTable`] of packed field/value items when large (`hashtable` encoding).

use listpack::{Element, Listpack, ListpackView};

use super::table::{IndexedTable, ItemKey};
use crate::entry::{Collection, Entry, Stored, ValueType, put_varint, read_varint};
use crate::error::CmdError;

/// The thresholds between the two encodings (`hash-max-listpack-entries`/`-value`).
#[derive(Clone, Copy, Debug)]
pub struct HashLimits {
    pub max_entries: u64,
    pub max_value: u64,
}

/// A hash read in place.
#[derive(Clone, Copy)]
pub enum HashRef<'a> {
    Compact(ListpackView<'a>),
    Large(&'a LargeHash),
}

impl<'a> HashRef<'a> {
    /// The hash stored in `entry` (WRONGTYPE for another type).
    pub fn of(entry: &'a Entry) -> Result<HashRef<'a>, CmdError> {
        match entry.stored() {
            Stored::Compact(ValueType::Hash, bytes) => {
                Ok(HashRef::Compact(ListpackView::new(bytes)))
            }
            Stored::Large(Collection::Hash(h)) => Ok(HashRef::Large(h)),
            _ => Err(CmdError::WrongType),
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            HashRef::Compact(lp) => lp.len() / 2,
            HashRef::Large(h) => h.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<Element<'a>> {
        match *self {
            HashRef::Compact(lp) => {
                let f = lp.find(field, 1)?;
                lp.next(f.pos).map(|v| v.element)
            }
            HashRef::Large(h) => h.get(field).map(|item| Element::Str(split(item).1)),
        }
    }

    /// Every (field, value) pair, in storage order.
    pub fn for_each(&self, mut f: impl FnMut(Element<'a>, Element<'a>)) {
        match *self {
            HashRef::Compact(lp) => lp.pairs().for_each(|(k, v)| f(k, v)),
            HashRef::Large(h) => h.iter().for_each(|item| {
                let (k, v) = split(item);
                f(Element::Str(k), Element::Str(v))
            }),
        }
    }

    /// The (field, value) pair at position `i` (< len), for random picks.
    pub fn pair_at(&self, i: usize) -> (Element<'a>, Element<'a>) {
        match *self {
            HashRef::Compact(lp) => {
                let mut it = lp.iter().skip(2 * i);
                let k = it.next().unwrap_or(Element::Str(b""));
                let v = it.next().unwrap_or(Element::Str(b""));
                (k, v)
            }
            HashRef::Large(h) => {
                let (k, v) = split(h.at(i));
                (Element::Str(k), Element::Str(v))
            }
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            HashRef::Compact(_) => "listpack",
            HashRef::Large(_) => "hashtable",
        }
    }
}

/// A new, empty hash entry (compact).
pub fn new_entry(key: &[u8], clock: u32) -> Entry {
    Entry::new_compact(key, ValueType::Hash, Listpack::new().as_bytes(), clock)
}

/// Converts the hash in `entry` to the large encoding if it is compact.
fn make_large(entry: &mut Entry) {
    let large = match entry.stored() {
        Stored::Compact(ValueType::Hash, bytes) => {
            let lp = ListpackView::new(bytes);
            let mut h = LargeHash::with_capacity(lp.len() / 2);
            for (k, v) in lp.pairs() {
                h.insert_new(&parts(&mut [0; 10], &k.to_vec(), &v.to_vec()));
            }
            h
        }
        _ => return,
    };
    entry.set_large(Collection::Hash(large));
}

/// Sets fields of the hash in `entry`; returns how many were new (Redis `hashTypeSet` with
/// `hashTypeTryConversion` before and the entry-count conversion after).
pub fn set_fields(entry: &mut Entry, pairs: &[(&[u8], &[u8])], limits: HashLimits) -> usize {
    let too_long = pairs
        .iter()
        .any(|(f, v)| f.len() as u64 > limits.max_value || v.len() as u64 > limits.max_value);
    if too_long {
        make_large(entry);
    }
    let mut added = 0;
    if let Stored::Compact(_, bytes) = entry.stored() {
        let mut lp = ListpackView::new(bytes).to_listpack();
        for (f, v) in pairs {
            match lp.view().find(f, 1) {
                Some(found) => {
                    if let Some(value) = lp.view().next(found.pos) {
                        lp.replace(value.pos, *v);
                    }
                }
                None => {
                    lp.push_back(*f);
                    lp.push_back(*v);
                    added += 1;
                }
            }
        }
        let fields = lp.len() / 2;
        entry.set_compact(lp.as_bytes());
        if fields as u64 > limits.max_entries || !lp_safe(&lp) {
            make_large(entry);
        }
        return added;
    }
    if let Some(Collection::Hash(h)) = entry.large_mut() {
        let mut prefix = [0; 10];
        for (f, v) in pairs {
            if h.insert(f, &parts(&mut prefix, f, v)) {
                added += 1;
            }
        }
    }
    added
}

/// A listpack under Redis's 1 GiB safety limit.
fn lp_safe(lp: &Listpack) -> bool {
    lp.bytes_len() <= listpack::listpack::SAFETY_SIZE_LIMIT
}

/// Deletes fields; returns how many existed. The caller deletes the key when it is empty.
pub fn delete_fields(entry: &mut Entry, fields: &[&[u8]]) -> usize {
    let mut deleted = 0;
    if let Stored::Compact(_, bytes) = entry.stored() {
        let mut lp = ListpackView::new(bytes).to_listpack();
        for f in fields {
            if let Some(found) = lp.view().find(f, 1) {
                lp.delete_run(found.pos, 2);
                deleted += 1;
            }
        }
        if deleted > 0 {
            entry.set_compact(lp.as_bytes());
        }
        return deleted;
    }
    if let Some(Collection::Hash(h)) = entry.large_mut() {
        for f in fields {
            if h.remove(f) {
                deleted += 1;
            }
        }
    }
    deleted
}

/// A large hash's item: varint field length, field, value.
pub struct FieldKey;

impl ItemKey for FieldKey {
    fn key(item: &[u8]) -> &[u8] {
        split(item).0
    }
}

/// A hash in the `hashtable` encoding.
pub type LargeHash = IndexedTable<FieldKey>;

/// The parts of a large hash's item for one field and its value (`prefix` holds the varint).
pub fn parts<'a>(prefix: &'a mut [u8; 10], field: &'a [u8], value: &'a [u8]) -> [&'a [u8]; 3] {
    let n = put_varint(prefix, field.len());
    [&prefix[..n], field, value]
}

/// The field and the value of an item.
pub fn split(item: &[u8]) -> (&[u8], &[u8]) {
    let (len, n) = read_varint(item);
    let end = (n + len).min(item.len());
    (&item[n..end], &item[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_pack_and_split() {
        for (f, v) in [(&b""[..], &b""[..]), (b"f", b"value"), (&[7u8; 300], b"")] {
            let item = parts(&mut [0; 10], f, v).concat();
            assert_eq!(split(&item), (f, v));
        }
        let mut h = LargeHash::default();
        assert!(h.insert(b"a", &parts(&mut [0; 10], b"a", b"1")));
        assert!(!h.insert(b"a", &parts(&mut [0; 10], b"a", b"2")));
        assert_eq!(h.get(b"a").map(split), Some((&b"a"[..], &b"2"[..])));
    }
}
