//! The byte layout of one listpack entry (Redis 7.0 `listpack.c`): the
//! encoding byte(s), the payload and the reverse-encoded back length.
//! Decoding here is total: on any bytes it returns `None` rather than reading
//! out of bounds or panicking. Walking a whole listpack is `view`'s job.
//!
//! Encodings (first byte):
//! - `0xxxxxxx` 7-bit unsigned integer;
//! - `10llllll` string of up to 63 bytes;
//! - `110xxxxx xxxxxxxx` 13-bit signed integer;
//! - `1110llll llllllll` string of up to 4095 bytes;
//! - `0xF0` + 4-byte LE length: longer string;
//! - `0xF1`/`0xF2`/`0xF3`/`0xF4` + 2/3/4/8 LE bytes: signed integers;
//! - `0xFF` terminator; `0xF5..=0xFE` are invalid.
//!
//! After the encoded element comes its length (encoding + payload), in 1..=5
//! bytes of 7 bits, most significant first, every byte but the first with the
//! high bit set, so it can be read backwards from the next entry's start.

use crate::element::Element;

/// Size of the listpack header: total bytes (u32 LE) + element count (u16 LE).
pub(crate) const HEADER_SIZE: usize = 6;
/// The terminator byte.
pub(crate) const EOF: u8 = 0xFF;
/// Header count meaning "too many to count here; walk the entries".
pub(crate) const COUNT_UNKNOWN: u16 = u16::MAX;

const STR_6BIT: u8 = 0x80;
const INT_13BIT: u8 = 0xC0;
const STR_12BIT: u8 = 0xE0;
const STR_32BIT: u8 = 0xF0;
const INT_16BIT: u8 = 0xF1;
const INT_24BIT: u8 = 0xF2;
const INT_32BIT: u8 = 0xF3;
const INT_64BIT: u8 = 0xF4;

/// An entry decoded in place.
#[derive(Clone, Copy)]
pub(crate) struct Decoded<'a> {
    /// The value.
    pub(crate) element: Element<'a>,
    /// Bytes of the encoding and payload (the value the back length holds).
    pub(crate) encoded_len: usize,
    /// Bytes of the whole entry: encoding, payload and back length.
    pub(crate) entry_len: usize,
}

/// Decodes the entry starting at `offset`, or `None` when the byte there is
/// the terminator, an invalid encoding, or the entry would extend past `bytes`.
#[inline]
pub(crate) fn decode(bytes: &[u8], offset: usize) -> Option<Decoded<'_>> {
    let first = *bytes.get(offset)?;
    let (element, encoded_len) = if first & 0x80 == 0 {
        (Element::Int(i64::from(first)), 1)
    } else if first & 0xC0 == STR_6BIT {
        let len = usize::from(first & 0x3F);
        let text = bytes.get(offset + 1..offset.checked_add(1 + len)?)?;
        (Element::Str(text), 1 + len)
    } else if first & 0xE0 == INT_13BIT {
        let raw = (u64::from(first & 0x1F) << 8) | u64::from(*bytes.get(offset + 1)?);
        (Element::Int(sign_extend(raw, 13)), 2)
    } else if first & 0xF0 == STR_12BIT {
        let len = (usize::from(first & 0x0F) << 8) | usize::from(*bytes.get(offset + 1)?);
        let text = bytes.get(offset + 2..offset.checked_add(2 + len)?)?;
        (Element::Str(text), 2 + len)
    } else {
        match first {
            STR_32BIT => {
                let len = usize::try_from(read_le(bytes, offset + 1, 4)?).ok()?;
                let end = offset.checked_add(5)?.checked_add(len)?;
                let text = bytes.get(offset + 5..end)?;
                (Element::Str(text), 5 + len)
            }
            INT_16BIT => (
                Element::Int(sign_extend(read_le(bytes, offset + 1, 2)?, 16)),
                3,
            ),
            INT_24BIT => (
                Element::Int(sign_extend(read_le(bytes, offset + 1, 3)?, 24)),
                4,
            ),
            INT_32BIT => (
                Element::Int(sign_extend(read_le(bytes, offset + 1, 4)?, 32)),
                5,
            ),
            INT_64BIT => (
                Element::Int(sign_extend(read_le(bytes, offset + 1, 8)?, 64)),
                9,
            ),
            _ => return None,
        }
    };
    let entry_len = encoded_len + backlen_size(encoded_len);
    if offset.checked_add(entry_len)? > bytes.len() {
        return None;
    }
    Some(Decoded {
        element,
        encoded_len,
        entry_len,
    })
}

/// The size of the entry at `offset` (encoding, payload and back length)
/// without decoding its value, or `None` as [`decode`] would. For skipping.
#[inline]
pub(crate) fn entry_len(bytes: &[u8], offset: usize) -> Option<usize> {
    let first = *bytes.get(offset)?;
    let encoded_len = if first & 0x80 == 0 {
        1
    } else if first & 0xC0 == STR_6BIT {
        1 + usize::from(first & 0x3F)
    } else if first & 0xE0 == INT_13BIT {
        2
    } else if first & 0xF0 == STR_12BIT {
        2 + ((usize::from(first & 0x0F) << 8) | usize::from(*bytes.get(offset + 1)?))
    } else {
        match first {
            STR_32BIT => {
                5usize.checked_add(usize::try_from(read_le(bytes, offset + 1, 4)?).ok()?)?
            }
            INT_16BIT => 3,
            INT_24BIT => 4,
            INT_32BIT => 5,
            INT_64BIT => 9,
            _ => return None,
        }
    };
    let entry_len = encoded_len + backlen_size(encoded_len);
    (offset.checked_add(entry_len)? <= bytes.len()).then_some(entry_len)
}

/// The number of bytes that hold an entry's encoding and its length field
/// (without the payload), or `None` for an invalid or terminator byte.
/// Redis's `lpCurrentEncodedSizeBytes`.
pub(crate) fn encoding_header_size(first: u8) -> Option<usize> {
    if first & 0x80 == 0 || first & 0xC0 == STR_6BIT || first & 0xE0 == INT_13BIT {
        Some(1)
    } else if first & 0xF0 == STR_12BIT {
        Some(2)
    } else {
        match first {
            STR_32BIT => Some(5),
            INT_16BIT | INT_24BIT | INT_32BIT | INT_64BIT => Some(1),
            _ => None,
        }
    }
}

/// Reads `width` little-endian bytes at `offset`.
#[inline]
fn read_le(bytes: &[u8], offset: usize, width: usize) -> Option<u64> {
    let raw = bytes.get(offset..offset.checked_add(width)?)?;
    Some(
        raw.iter()
            .rev()
            .fold(0u64, |value, &byte| (value << 8) | u64::from(byte)),
    )
}

/// Interprets the low `bits` bits of `raw` as a two's complement number.
#[inline]
fn sign_extend(raw: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((raw << shift) as i64) >> shift
}

/// Bytes Redis uses for the back length of an entry whose encoding and
/// payload take `len` bytes (`lpEncodeBacklen`; note the strict `<`).
#[inline]
pub(crate) fn backlen_size(len: usize) -> usize {
    if len <= 127 {
        1
    } else if len < 16383 {
        2
    } else if len < 2_097_151 {
        3
    } else if len < 268_435_455 {
        4
    } else {
        5
    }
}

/// Reads the back length that ends just before `end` (Redis's
/// `lpDecodeBacklen`): `None` when it would start before the blob or takes
/// more than 5 bytes. Like Redis, it only checks the value, not that the
/// bytes are the canonical encoding of it.
#[inline]
pub(crate) fn read_backlen(bytes: &[u8], end: usize) -> Option<usize> {
    let mut value = 0usize;
    let mut shift = 0u32;
    let mut position = end;
    loop {
        position = position.checked_sub(1)?;
        let byte = *bytes.get(position)?;
        value |= usize::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
    }
}

/// A value ready to be written as an entry, already in the form Redis picks:
/// strings that read as an integer become integers.
#[derive(Clone, Copy)]
pub(crate) enum Encodable<'v> {
    /// Written with the smallest integer encoding that holds it.
    Int(i64),
    /// Written as a string of 6, 12 or 32-bit length.
    Str(&'v [u8]),
}

impl<'v> Encodable<'v> {
    /// What Redis's `lpEncodeGetType` decides for `element`.
    #[inline]
    pub(crate) fn new(element: Element<'v>) -> Self {
        match element {
            Element::Int(value) => Encodable::Int(value),
            Element::Str(text) => match numeric::parse_i64(text) {
                Some(value) => Encodable::Int(value),
                None => Encodable::Str(text),
            },
        }
    }

    /// Bytes of the encoding and payload, without the back length.
    #[inline]
    fn encoded_len(&self) -> usize {
        match *self {
            Encodable::Int(value) => match value {
                0..=127 => 1,
                -4096..=4095 => 2,
                -32768..=32767 => 3,
                -8_388_608..=8_388_607 => 4,
                -2_147_483_648..=2_147_483_647 => 5,
                _ => 9,
            },
            Encodable::Str(text) => {
                if text.len() < 64 {
                    1 + text.len()
                } else if text.len() < 4096 {
                    2 + text.len()
                } else {
                    5 + text.len()
                }
            }
        }
    }

    /// Bytes of the whole entry, back length included.
    #[inline]
    pub(crate) fn entry_len(&self) -> usize {
        let encoded = self.encoded_len();
        encoded + backlen_size(encoded)
    }

    /// Writes the whole entry into `out`, which must be exactly
    /// [`Encodable::entry_len`] bytes long.
    pub(crate) fn write(&self, out: &mut [u8]) {
        let encoded = self.encoded_len();
        let (element, backlen) = out.split_at_mut(encoded);
        match *self {
            Encodable::Int(value) => write_int(element, value),
            Encodable::Str(text) => write_str(element, text),
        }
        write_backlen(backlen, encoded);
    }
}

/// Writes `value` in the integer encoding chosen by `encoded_len` (whose
/// size is `out.len()`).
fn write_int(out: &mut [u8], value: i64) {
    let le = value.to_le_bytes();
    match out.len() {
        1 => out[0] = le[0],
        2 => {
            // 13 bits, two's complement.
            let raw = (value as u64) & 0x1FFF;
            out[0] = INT_13BIT | (raw >> 8) as u8;
            out[1] = raw as u8;
        }
        3 => {
            out[0] = INT_16BIT;
            out[1..].copy_from_slice(&le[..2]);
        }
        4 => {
            out[0] = INT_24BIT;
            out[1..].copy_from_slice(&le[..3]);
        }
        5 => {
            out[0] = INT_32BIT;
            out[1..].copy_from_slice(&le[..4]);
        }
        _ => {
            out[0] = INT_64BIT;
            out[1..].copy_from_slice(&le);
        }
    }
}

/// Writes `text` with its length header (`lpEncodeString`).
fn write_str(out: &mut [u8], text: &[u8]) {
    let len = text.len();
    let header = if len < 64 {
        out[0] = STR_6BIT | len as u8;
        1
    } else if len < 4096 {
        out[0] = STR_12BIT | (len >> 8) as u8;
        out[1] = len as u8;
        2
    } else {
        out[0] = STR_32BIT;
        out[1..5].copy_from_slice(&(len as u32).to_le_bytes());
        5
    };
    out[header..].copy_from_slice(text);
}

/// Writes the back length of an entry of `len` bytes into `out`, whose size is
/// `backlen_size(len)`.
fn write_backlen(out: &mut [u8], len: usize) {
    let last = out.len() - 1;
    for (index, byte) in out.iter_mut().enumerate() {
        let shift = 7 * (last - index);
        let bits = ((len >> shift) & 0x7F) as u8;
        *byte = if index == 0 { bits } else { bits | 0x80 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(element: Element<'_>) -> Vec<u8> {
        let encodable = Encodable::new(element);
        let mut out = vec![0; encodable.entry_len()];
        encodable.write(&mut out);
        out
    }

    #[test]
    fn integer_encodings_match_redis() {
        assert_eq!(encode(Element::Int(0)), [0x00, 0x01]);
        assert_eq!(encode(Element::Int(127)), [0x7F, 0x01]);
        assert_eq!(encode(Element::Int(128)), [0xC0, 0x80, 0x02]);
        assert_eq!(encode(Element::Int(-1)), [0xDF, 0xFF, 0x02]);
        assert_eq!(encode(Element::Int(-4096)), [0xD0, 0x00, 0x02]);
        assert_eq!(encode(Element::Int(4095)), [0xCF, 0xFF, 0x02]);
        assert_eq!(encode(Element::Int(4096)), [0xF1, 0x00, 0x10, 0x03]);
        assert_eq!(encode(Element::Int(-32768)), [0xF1, 0x00, 0x80, 0x03]);
        assert_eq!(encode(Element::Int(32768)), [0xF2, 0x00, 0x80, 0x00, 0x04]);
        assert_eq!(
            encode(Element::Int(8_388_608)),
            [0xF3, 0x00, 0x00, 0x80, 0x00, 0x05]
        );
        assert_eq!(
            encode(Element::Int(i64::MIN)),
            [0xF4, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x09]
        );
    }

    #[test]
    fn string_encodings_and_backlen() {
        assert_eq!(encode(Element::Str(b"")), [0x80, 0x01]);
        assert_eq!(encode(Element::Str(b"ab")), [0x82, b'a', b'b', 0x03]);
        let s64 = encode(Element::Str(&[b'x'; 64]));
        assert_eq!(&s64[..2], [0xE0, 64]);
        assert_eq!(&s64[66..], [66]);
        let s127 = encode(Element::Str(&[b'x'; 126]));
        // 2 + 126 = 128 bytes: two-byte back length, high part first.
        assert_eq!(&s127[128..], [0x01, 0x80]);
        let s4096 = encode(Element::Str(&[b'x'; 4096]));
        assert_eq!(&s4096[..5], [0xF0, 0x00, 0x10, 0x00, 0x00]);
        // 4101 = 32 * 128 + 5.
        assert_eq!(&s4096[4101..], [32, 0x85]);
    }

    #[test]
    fn backlen_boundaries_follow_redis() {
        assert_eq!(backlen_size(127), 1);
        assert_eq!(backlen_size(128), 2);
        assert_eq!(backlen_size(16382), 2);
        assert_eq!(backlen_size(16383), 3);
        for len in [
            0,
            1,
            127,
            128,
            16382,
            16383,
            2_097_150,
            2_097_151,
            268_435_455,
        ] {
            let mut bytes = vec![0u8; HEADER_SIZE];
            let size = backlen_size(len);
            let start = bytes.len();
            bytes.resize(start + size, 0);
            write_backlen(&mut bytes[start..], len);
            assert_eq!(read_backlen(&bytes, bytes.len()), Some(len), "len {len}");
        }
    }

    #[test]
    fn decode_reads_what_write_wrote() {
        let values: [Element<'_>; 8] = [
            Element::Int(5),
            Element::Int(-4000),
            Element::Int(30000),
            Element::Int(-8_000_000),
            Element::Int(2_000_000_000),
            Element::Int(i64::MAX),
            Element::Str(b"hello"),
            Element::Str(&[7; 5000]),
        ];
        for value in values {
            let bytes = encode(value);
            let decoded = decode(&bytes, 0);
            assert!(decoded.is_some_and(|d| d.element == value && d.entry_len == bytes.len()));
            assert_eq!(
                decode(&bytes[..bytes.len() - 1], 0).map(|d| d.entry_len),
                None
            );
        }
        assert!(decode(&[0xF5, 0, 0], 0).is_none());
        assert!(entry_len(&[0xF5, 0, 0], 0).is_none());
        assert!(decode(&[EOF], 0).is_none());
    }

    proptest::proptest! {
        #[test]
        fn entry_len_agrees_with_decode(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            offset in 0usize..8,
        ) {
            let decoded = decode(&bytes, offset).map(|d| d.entry_len);
            proptest::prop_assert_eq!(entry_len(&bytes, offset), decoded);
        }
    }
}
