//! Checks and conversions of compact blobs found in RDB values, beyond the
//! byte-level `validate` of the `listpack` crate: what Redis 7.0's
//! `rdbLoadObject` checks on top (even entry counts and distinct fields of
//! pairs listpacks, distinct set members), plus parseable sorted-set scores,
//! and the conversions of the older forms (ziplists, zipmaps) to listpacks.
//!
//! Not here: reading the blobs from the stream (`object`), and the listpack,
//! intset and ziplist layouts themselves (the `listpack` crate).

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use listpack::listpack::SAFETY_SIZE_LIMIT;
use listpack::{Element, IntBuf, Listpack, ListpackView};

use crate::error::Corruption;

/// A listpack element compared and hashed by its text, so that `Int(12)` and
/// `Str(b"12")` are the same field, as Redis compares them.
struct Text<'a>(Element<'a>);

impl Hash for Text<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut buf = IntBuf::new();
        self.0.as_bytes(&mut buf).hash(state);
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Text<'_> {}

/// What the second element of each pair must be.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PairValues {
    /// Anything (hash values).
    Any,
    /// A score: an integer, or text `string2d` accepts (not NaN).
    Score,
}

/// Checks a deep-validated listpack of pairs: an even number of entries,
/// distinct first elements, and scores where asked.
pub(crate) fn check_pairs(bytes: &[u8], values: PairValues) -> Result<(), Corruption> {
    let view = ListpackView::new(bytes);
    let mut fields = HashSet::new();
    let mut entries = view.iter();
    while let Some(field) = entries.next() {
        let Some(value) = entries.next() else {
            return Err(Corruption::OddEntryCount);
        };
        if !fields.insert(Text(field)) {
            return Err(Corruption::Duplicate);
        }
        if values == PairValues::Score && value.to_f64().is_none() {
            return Err(Corruption::BadScore);
        }
    }
    Ok(())
}

/// Checks that a deep-validated listpack's elements are distinct.
pub(crate) fn check_distinct(bytes: &[u8]) -> Result<(), Corruption> {
    let mut members = HashSet::new();
    for member in ListpackView::new(bytes).iter() {
        if !members.insert(Text(member)) {
            return Err(Corruption::Duplicate);
        }
    }
    Ok(())
}

/// Checks that byte strings are distinct.
pub(crate) fn check_distinct_strings<'a>(
    strings: impl ExactSizeIterator<Item = &'a [u8]>,
) -> Result<(), Corruption> {
    let mut seen = HashSet::with_capacity(strings.len());
    for string in strings {
        if !seen.insert(string) {
            return Err(Corruption::Duplicate);
        }
    }
    Ok(())
}

/// Converts a ziplist to a listpack (after its deep check). Refuses one over
/// the listpack's safety size, which no Redis writes.
pub(crate) fn ziplist_to_listpack(bytes: &[u8]) -> Result<Listpack, ZiplistError> {
    if bytes.len() > SAFETY_SIZE_LIMIT {
        return Err(ZiplistError::Corrupt(Corruption::TooLarge));
    }
    listpack::ziplist::to_listpack(bytes).map_err(ZiplistError::Format)
}

pub(crate) enum ZiplistError {
    Format(listpack::FormatError),
    Corrupt(Corruption),
}

/// The zipmap's terminator.
const ZIPMAP_END: u8 = 255;
/// A length byte saying "4-byte length follows"; as a count, "unknown".
const ZIPMAP_BIGLEN: u8 = 254;

/// Converts a zipmap (RDB type 9, Redis 2.x hashes) to a listpack of field,
/// value pairs, after Redis's deep `zipmapValidateIntegrity` (every entry
/// inside the blob, at least one entry, the header's count right unless it
/// says "unknown") and its load-time checks (distinct fields, listpack
/// safety size).
///
/// Layout: a count byte, then per entry the field's length, the field, the
/// value's length, a "free" byte, the value and that many unused bytes; a
/// 255 terminator. A length is one byte below 254, else 254 (or 255) and
/// 4 bytes LE.
pub(crate) fn zipmap_to_listpack(bytes: &[u8]) -> Result<Listpack, Corruption> {
    let bad = Corruption::BadZipmap;
    let Some((&ZIPMAP_END, body)) = bytes.split_last() else {
        return Err(bad);
    };
    if body.is_empty() {
        return Err(bad);
    }
    // Every position below stays within `bytes`; `end` is the terminator's.
    let end = body.len();
    let mut at = 1;
    let mut count: u32 = 0;
    let mut fields = HashSet::new();
    let mut listpack = Listpack::new();
    while bytes.get(at).is_some_and(|&byte| byte != ZIPMAP_END) {
        let (field, next) = zipmap_string(bytes, at, end, false).ok_or(bad.clone())?;
        let (value, next) = zipmap_string(bytes, next, end, true).ok_or(bad.clone())?;
        at = next;
        count = count.saturating_add(1);
        if !fields.insert(field) {
            return Err(Corruption::Duplicate);
        }
        if !listpack.safe_to_add(field.len() + value.len()) {
            return Err(Corruption::TooLarge);
        }
        listpack.push_back(field);
        listpack.push_back(value);
    }
    let declared = body[0];
    if count == 0 || (declared != ZIPMAP_BIGLEN && u32::from(declared) != count) {
        return Err(bad);
    }
    Ok(listpack)
}

/// Reads the zipmap string at `at` (a value has a "free" byte and trailing
/// unused bytes); returns it and where the next item starts, which must not
/// pass the terminator at `end`.
fn zipmap_string(bytes: &[u8], at: usize, end: usize, is_value: bool) -> Option<(&[u8], usize)> {
    let first = *bytes.get(at)?;
    let (len, len_size) = if first < ZIPMAP_BIGLEN {
        (usize::from(first), 1)
    } else {
        let raw = bytes.get(at + 1..at + 5)?;
        let len = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
        (usize::try_from(len).ok()?, 5)
    };
    let mut start = at + len_size;
    if start > end {
        return None;
    }
    let mut unused = 0;
    if is_value {
        unused = usize::from(bytes[start]);
        start += 1;
    }
    let next = start.checked_add(len)?.checked_add(unused)?;
    if next > end {
        return None;
    }
    Some((&bytes[start..start + len], next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listpack_of(elements: &[&[u8]]) -> Vec<u8> {
        let mut listpack = Listpack::new();
        for element in elements {
            listpack.push_back(*element);
        }
        listpack.into_bytes()
    }

    #[test]
    fn pairs_checks() {
        let ok = listpack_of(&[b"a", b"1", b"b", b"2.5"]);
        assert_eq!(check_pairs(&ok, PairValues::Score), Ok(()));
        let odd = listpack_of(&[b"a", b"1", b"b"]);
        assert_eq!(
            check_pairs(&odd, PairValues::Any),
            Err(Corruption::OddEntryCount)
        );
        // "12" is stored as an integer; the duplicate is found by text.
        let dup = listpack_of(&[b"12", b"x", b"12", b"y"]);
        assert_eq!(
            check_pairs(&dup, PairValues::Any),
            Err(Corruption::Duplicate)
        );
        let not_dup = listpack_of(&[b"12", b"x", b"012", b"y"]);
        assert_eq!(check_pairs(&not_dup, PairValues::Any), Ok(()));
        let bad_score = listpack_of(&[b"a", b"nan"]);
        assert_eq!(
            check_pairs(&bad_score, PairValues::Score),
            Err(Corruption::BadScore)
        );
        assert_eq!(check_pairs(&bad_score, PairValues::Any), Ok(()));
        let inf = listpack_of(&[b"a", b"-inf"]);
        assert_eq!(check_pairs(&inf, PairValues::Score), Ok(()));
    }

    #[test]
    fn distinct_members() {
        assert_eq!(check_distinct(&listpack_of(&[b"a", b"1", b"b"])), Ok(()));
        assert_eq!(
            check_distinct(&listpack_of(&[b"a", b"1", b"1"])),
            Err(Corruption::Duplicate)
        );
        let strings: [&[u8]; 3] = [b"x", b"y", b"x"];
        assert_eq!(
            check_distinct_strings(strings.into_iter()),
            Err(Corruption::Duplicate)
        );
    }

    /// The zipmap Redis's own comment shows: "foo" => "bar", "hello" => "world".
    const ZIPMAP: &[u8] = b"\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff";

    #[test]
    fn zipmap_converts() {
        let listpack = zipmap_to_listpack(ZIPMAP).unwrap();
        let elements: Vec<Vec<u8>> = listpack.view().iter().map(|e| e.to_vec()).collect();
        assert_eq!(elements, [&b"foo"[..], b"bar", b"hello", b"world"]);
        // Free bytes after a value, and a 5-byte length.
        let with_free = b"\x01\x01k\x01\x02vXY\xff";
        assert_eq!(
            zipmap_to_listpack(with_free)
                .unwrap()
                .view()
                .iter()
                .map(|e| e.to_vec())
                .collect::<Vec<_>>(),
            [b"k".to_vec(), b"v".to_vec()]
        );
        let mut long = vec![ZIPMAP_BIGLEN, ZIPMAP_BIGLEN];
        long.extend_from_slice(&300u32.to_le_bytes());
        long.extend_from_slice(&[b'f'; 300]);
        long.extend_from_slice(&[1, 0, b'v', ZIPMAP_END]);
        let converted = zipmap_to_listpack(&long).unwrap();
        assert_eq!(converted.view().len(), 2);
    }

    #[test]
    fn bad_zipmaps() {
        let bad = Err(Corruption::BadZipmap);
        assert_eq!(zipmap_to_listpack(b""), bad);
        assert_eq!(zipmap_to_listpack(b"\xff"), bad);
        assert_eq!(zipmap_to_listpack(b"\x00\xff"), bad, "empty");
        let mut wrong_count = ZIPMAP.to_vec();
        wrong_count[0] = 3;
        assert_eq!(zipmap_to_listpack(&wrong_count), bad);
        let mut unknown_count = ZIPMAP.to_vec();
        unknown_count[0] = ZIPMAP_BIGLEN;
        assert!(zipmap_to_listpack(&unknown_count).is_ok());
        let mut overlong = ZIPMAP.to_vec();
        overlong[1] = 40;
        assert_eq!(zipmap_to_listpack(&overlong), bad);
        let mut no_end = ZIPMAP.to_vec();
        no_end.pop();
        assert_eq!(zipmap_to_listpack(&no_end), bad);
        let dup = b"\x02\x01a\x01\x00x\x01a\x01\x00y\xff";
        assert_eq!(zipmap_to_listpack(dup), Err(Corruption::Duplicate));
        for cut in 1..ZIPMAP.len() - 1 {
            let mut truncated = ZIPMAP[..cut].to_vec();
            truncated.push(ZIPMAP_END);
            let _ = zipmap_to_listpack(&truncated);
        }
    }
}
