//! Reading Redis's ziplist (`src/ziplist.c` of Redis 6.2 and older), the
//! encoding of small hashes, sorted sets and list nodes in RDB files written
//! before Redis 7.0. Read only: Redis 7.0 converts a ziplist to a listpack
//! when it loads one, and so does [`to_listpack`]. Nothing here writes one.
//!
//! Layout: total bytes (u32 LE), offset of the last entry (u32 LE), element
//! count (u16 LE, 65535 = "count them"), the entries, a 0xFF terminator. An
//! entry is the previous entry's size (1 byte if below 254, else 0xFE and a
//! u32 LE), an encoding, and the payload:
//! - `00llllll` / `01llllll llllllll` (big-endian) / `10______` + u32 BE:
//!   strings with a 6, 14 or 32-bit length;
//! - `0xC0` i16, `0xD0` i32, `0xE0` i64, `0xF0` i24, `0xFE` i8, all LE;
//! - `0xF1..=0xFD`: the integers 0 to 12 in the encoding byte itself.

use std::fmt;

use crate::element::Element;
use crate::error::{Format, FormatError};
use crate::listpack::Listpack;

/// Size of the header: total bytes, tail offset, count.
const HEADER_SIZE: usize = 10;
/// The terminator byte.
const END: u8 = 0xFF;
/// Header count meaning "walk the entries".
const COUNT_UNKNOWN: u16 = u16::MAX;

const FORMAT: Format = Format::Ziplist;

/// One entry's header, decoded.
struct EntryHeader {
    /// The size of the previous entry, as recorded.
    prev_len: usize,
    /// Bytes of the prevlen field and the encoding (with its length bytes).
    header_len: usize,
    /// Bytes of the payload.
    payload_len: usize,
    /// The encoding byte (strings masked to their top two bits).
    encoding: u8,
}

/// Why an entry header could not be decoded.
enum HeaderError {
    /// The encoding byte is not one the format defines.
    BadEncoding,
    /// The header runs past the terminator.
    OutOfBounds,
}

/// Decodes the entry header at `offset`; `body` is the ziplist without its
/// terminator, and the header must fit in it (Redis's `zipEntrySafe`).
fn entry_header(body: &[u8], offset: usize) -> Result<EntryHeader, HeaderError> {
    let first = *body.get(offset).ok_or(HeaderError::OutOfBounds)?;
    let (prev_len, prev_size) = if first < 0xFE {
        (usize::from(first), 1)
    } else {
        let raw = body
            .get(offset + 1..offset + 5)
            .ok_or(HeaderError::OutOfBounds)?;
        let value = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
        (
            usize::try_from(value).map_err(|_| HeaderError::OutOfBounds)?,
            5,
        )
    };
    let at = offset + prev_size;
    let raw_encoding = *body.get(at).ok_or(HeaderError::OutOfBounds)?;
    let encoding = if raw_encoding < 0xC0 {
        raw_encoding & 0xC0
    } else {
        raw_encoding
    };
    let (length_size, payload_len) = match encoding {
        0x00 => (1, usize::from(raw_encoding & 0x3F)),
        0x40 => {
            let low = *body.get(at + 1).ok_or(HeaderError::OutOfBounds)?;
            (
                2,
                (usize::from(raw_encoding & 0x3F) << 8) | usize::from(low),
            )
        }
        0x80 => {
            let raw = body.get(at + 1..at + 5).ok_or(HeaderError::OutOfBounds)?;
            let len = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
            (
                5,
                usize::try_from(len).map_err(|_| HeaderError::OutOfBounds)?,
            )
        }
        0xFE => (1, 1),
        0xC0 => (1, 2),
        0xF0 => (1, 3),
        0xD0 => (1, 4),
        0xE0 => (1, 8),
        0xF1..=0xFD => (1, 0),
        _ => return Err(HeaderError::BadEncoding),
    };
    Ok(EntryHeader {
        prev_len,
        header_len: prev_size + length_size,
        payload_len,
        encoding,
    })
}

/// Decodes the entry at `offset` into its element and total size, or `None`
/// if it is malformed or does not fit in `body`.
fn decode(body: &[u8], offset: usize) -> Option<(Element<'_>, usize)> {
    let header = entry_header(body, offset).ok()?;
    let start = offset + header.header_len;
    let entry_len = header.header_len.checked_add(header.payload_len)?;
    let payload = body.get(start..offset.checked_add(entry_len)?)?;
    let element = match (header.encoding, payload) {
        (0x00 | 0x40 | 0x80, text) => Element::Str(text),
        (0xFE, &[a]) => Element::Int(i64::from(a as i8)),
        (0xC0, &[a, b]) => Element::Int(i64::from(i16::from_le_bytes([a, b]))),
        // 24 bits, little-endian, sign-extended.
        (0xF0, &[a, b, c]) => Element::Int(i64::from(i32::from_le_bytes([0, a, b, c]) >> 8)),
        (0xD0, &[a, b, c, d]) => Element::Int(i64::from(i32::from_le_bytes([a, b, c, d]))),
        (0xE0, &[a, b, c, d, e, f, g, h]) => {
            Element::Int(i64::from_le_bytes([a, b, c, d, e, f, g, h]))
        }
        (immediate @ 0xF1..=0xFD, &[]) => Element::Int(i64::from(immediate & 0x0F) - 1),
        _ => return None,
    };
    Some((element, entry_len))
}

/// A ziplist read in place from borrowed bytes. Reads are total: on
/// malformed bytes they end early or give meaningless elements, never panic.
/// Meaningful results need bytes accepted by [`validate`] with `deep`.
#[derive(Clone, Copy)]
pub struct ZiplistView<'a> {
    bytes: &'a [u8],
}

impl<'a> ZiplistView<'a> {
    /// Reads `bytes` as a ziplist without checking them.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The number of elements: the header's count, or a walk when it says
    /// 65535.
    pub fn len(&self) -> usize {
        match self.bytes.get(8..10) {
            Some(&[low, high]) if u16::from_le_bytes([low, high]) != COUNT_UNKNOWN => {
                usize::from(u16::from_le_bytes([low, high]))
            }
            _ => self.iter().count(),
        }
    }

    /// Whether the ziplist has no elements.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The elements, head to tail.
    pub fn iter(&self) -> ZiplistIter<'a> {
        let body = match self.bytes.len() {
            len if len > HEADER_SIZE => &self.bytes[..len - 1],
            _ => &[],
        };
        ZiplistIter {
            body,
            offset: HEADER_SIZE,
        }
    }
}

impl fmt::Debug for ZiplistView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over a ziplist's elements; see [`ZiplistView::iter`].
#[derive(Clone)]
pub struct ZiplistIter<'a> {
    /// The ziplist without its terminator.
    body: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for ZiplistIter<'a> {
    type Item = Element<'a>;

    fn next(&mut self) -> Option<Element<'a>> {
        if self.body.get(self.offset).is_none_or(|&byte| byte == END) {
            return None;
        }
        let Some((element, entry_len)) = decode(self.body, self.offset) else {
            self.offset = self.body.len();
            return None;
        };
        self.offset += entry_len;
        Some(element)
    }
}

impl std::iter::FusedIterator for ZiplistIter<'_> {}

/// Checks that `bytes` are a ziplist, as Redis's `ziplistValidateIntegrity`.
/// Always: a header and terminator, the header's size equal to the blob's,
/// the last byte the terminator, the tail offset inside the blob. With
/// `deep`, also every entry: a defined encoding, inside the blob, a recorded
/// previous size equal to the previous entry's, no terminator before the end,
/// the tail offset at the last entry, and the header's count (unless 65535)
/// equal to the entries found.
pub fn validate(bytes: &[u8], deep: bool) -> Result<(), FormatError> {
    let len = bytes.len();
    if len < HEADER_SIZE + 1 {
        return Err(FormatError::TooShort {
            format: FORMAT,
            len,
        });
    }
    let header =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let declared = header(0);
    if u64::from(declared) != len as u64 {
        return Err(FormatError::SizeMismatch {
            format: FORMAT,
            declared: u64::from(declared),
            actual: len,
        });
    }
    let terminator = len - 1;
    if bytes[terminator] != END {
        return Err(FormatError::MissingTerminator { format: FORMAT });
    }
    let tail = header(4);
    if u64::from(tail) > terminator as u64 {
        return Err(FormatError::TailMismatch {
            declared: tail,
            actual: terminator,
        });
    }
    if !deep {
        return Ok(());
    }
    let body = &bytes[..terminator];
    let mut offset = HEADER_SIZE;
    let mut previous_len = 0;
    let mut last_entry = None;
    let mut count: u32 = 0;
    while bytes[offset] != END {
        let entry = entry_header(body, offset).map_err(|error| match error {
            HeaderError::BadEncoding => FormatError::BadEncoding {
                format: FORMAT,
                offset,
            },
            HeaderError::OutOfBounds => FormatError::EntryOutOfBounds {
                format: FORMAT,
                offset,
            },
        })?;
        let entry_len = entry.header_len + entry.payload_len;
        if offset + entry_len > terminator {
            return Err(FormatError::EntryOutOfBounds {
                format: FORMAT,
                offset,
            });
        }
        if entry.prev_len != previous_len || offset - HEADER_SIZE < entry.prev_len {
            return Err(FormatError::LengthMismatch {
                format: FORMAT,
                offset,
            });
        }
        previous_len = entry_len;
        last_entry = Some(offset);
        offset += entry_len;
        count = count.saturating_add(1);
    }
    if offset != terminator {
        return Err(FormatError::EarlyTerminator {
            format: FORMAT,
            offset,
        });
    }
    if let Some(last) = last_entry
        && last != tail as usize
    {
        return Err(FormatError::TailMismatch {
            declared: tail,
            actual: last,
        });
    }
    let declared = u16::from_le_bytes([bytes[8], bytes[9]]);
    if declared != COUNT_UNKNOWN && u32::from(declared) != count {
        return Err(FormatError::CountMismatch {
            format: FORMAT,
            declared: u32::from(declared),
            actual: count,
        });
    }
    Ok(())
}

/// The listpack Redis 7.0 builds when it loads this ziplist: the same
/// elements in order, after a deep [`validate`]. (Collection checks such as
/// duplicate hash fields are the caller's.)
pub fn to_listpack(bytes: &[u8]) -> Result<Listpack, FormatError> {
    validate(bytes, true)?;
    let view = ZiplistView::new(bytes);
    let mut listpack = Listpack::with_capacity(bytes.len());
    listpack.extend(view.iter());
    Ok(listpack)
}

#[cfg(test)]
mod tests {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    /// A ziplist of `values`, written as Redis 6.2 would (test-only encoder;
    /// the committed Redis vectors check it against the real thing).
    fn encode(values: &[Element<'_>]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut previous_len = 0usize;
        let mut tail = HEADER_SIZE;
        for value in values {
            let start = body.len();
            tail = HEADER_SIZE + start;
            if previous_len < 254 {
                body.push(previous_len as u8);
            } else {
                body.push(0xFE);
                body.extend_from_slice(&(previous_len as u32).to_le_bytes());
            }
            match *value {
                Element::Int(v @ 0..=12) => body.push(0xF1 + v as u8),
                Element::Int(v) if i8::try_from(v).is_ok() => body.extend([0xFE, v as u8]),
                Element::Int(v) if i16::try_from(v).is_ok() => {
                    body.push(0xC0);
                    body.extend_from_slice(&v.to_le_bytes()[..2]);
                }
                Element::Int(v) if (-(1 << 23)..1 << 23).contains(&v) => {
                    body.push(0xF0);
                    body.extend_from_slice(&v.to_le_bytes()[..3]);
                }
                Element::Int(v) if i32::try_from(v).is_ok() => {
                    body.push(0xD0);
                    body.extend_from_slice(&v.to_le_bytes()[..4]);
                }
                Element::Int(v) => {
                    body.push(0xE0);
                    body.extend_from_slice(&v.to_le_bytes());
                }
                Element::Str(text) => {
                    let len = text.len();
                    if len <= 63 {
                        body.push(len as u8);
                    } else if len <= 16383 {
                        body.extend([0x40 | (len >> 8) as u8, len as u8]);
                    } else {
                        body.push(0x80);
                        body.extend_from_slice(&(len as u32).to_be_bytes());
                    }
                    body.extend_from_slice(text);
                }
            }
            previous_len = body.len() - start;
        }
        let total = HEADER_SIZE + body.len() + 1;
        let mut bytes = (total as u32).to_le_bytes().to_vec();
        bytes.extend_from_slice(&(tail as u32).to_le_bytes());
        bytes.extend_from_slice(&(values.len().min(65535) as u16).to_le_bytes());
        bytes.extend_from_slice(&body);
        bytes.push(END);
        bytes
    }

    fn value() -> impl Strategy<Value = (Option<i64>, Vec<u8>)> {
        prop_oneof![
            (-20i64..20).prop_map(|v| (Some(v), Vec::new())),
            any::<i64>().prop_map(|v| (Some(v >> (v & 63)), Vec::new())),
            vec(any::<u8>(), 0..10).prop_map(|text| (None, text)),
            (250usize..300).prop_map(|len| (None, vec![b'p'; len])),
        ]
    }

    #[test]
    fn empty_ziplist() {
        let bytes = encode(&[]);
        assert_eq!(bytes, [11, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0xFF]);
        assert_eq!(validate(&bytes, true), Ok(()));
        assert!(ZiplistView::new(&bytes).is_empty());
        assert_eq!(to_listpack(&bytes), Ok(Listpack::new()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn sequences_read_back_and_convert(values in vec(value(), 0..30)) {
            let elements: Vec<Element<'_>> = values
                .iter()
                .map(|(int, text)| int.map_or(Element::Str(text), Element::Int))
                .collect();
            let bytes = encode(&elements);
            prop_assert_eq!(validate(&bytes, true), Ok(()));
            let view = ZiplistView::new(&bytes);
            prop_assert_eq!(view.len(), elements.len());
            prop_assert_eq!(view.iter().collect::<Vec<_>>(), elements.clone());
            let expected: Listpack = elements.iter().copied().collect();
            prop_assert_eq!(to_listpack(&bytes), Ok(expected));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..48), deep: bool) {
            let _ = validate(&bytes, deep);
            let view = ZiplistView::new(&bytes);
            let _ = (view.len(), view.iter().count(), format!("{view:?}"));
            if let Ok(listpack) = to_listpack(&bytes) {
                prop_assert_eq!(crate::listpack::validate(listpack.as_bytes(), true), Ok(()));
            }
        }

        #[test]
        fn corrupted_ziplists_never_panic(
            values in vec(value(), 1..8),
            at: usize,
            byte: u8,
        ) {
            let elements: Vec<Element<'_>> = values
                .iter()
                .map(|(int, text)| int.map_or(Element::Str(text), Element::Int))
                .collect();
            let mut bytes = encode(&elements);
            let len = bytes.len();
            bytes[HEADER_SIZE + at % (len - HEADER_SIZE)] = byte;
            if validate(&bytes, true).is_ok() {
                let view = ZiplistView::new(&bytes);
                prop_assert!(view.len() == view.iter().count() || bytes[8..10] == [0xFF, 0xFF]);
                let converted = to_listpack(&bytes);
                prop_assert!(converted.is_ok_and(|lp| lp.len() == view.iter().count()));
            }
        }
    }
}
