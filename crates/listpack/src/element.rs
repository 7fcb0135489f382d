//! `Element`, one value read from (or to be written to) a listpack: a byte
//! string or an integer, as Redis keeps them. Comparing, printing and parsing
//! an element without allocating lives here; the byte layout does not (that is
//! `listpack::entry`).

use std::cmp::Ordering;
use std::fmt;

/// One listpack value: bytes borrowed from the listpack (or from the caller,
/// when writing), or an integer.
///
/// Redis stores every string that reads as a canonical `i64` (see
/// [`Element::from_bytes`]) as an integer, so an element read from a listpack
/// written by Redis or by this crate is `Int` exactly when its text is an
/// integer. When writing, `Str` values are converted the same way, so
/// `Str(b"12")` and `Int(12)` produce the same bytes.
///
/// Equality compares the text: `Str(b"12") == Int(12)`, `Str(b"012") != Int(12)`.
#[derive(Clone, Copy)]
pub enum Element<'a> {
    /// A byte string.
    Str(&'a [u8]),
    /// A signed 64-bit integer.
    Int(i64),
}

/// Stack space for the decimal text of an integer element, so that
/// [`Element::as_bytes`] never allocates.
#[derive(Default)]
pub struct IntBuf {
    digits: itoa::Buffer,
}

impl IntBuf {
    /// A new, empty buffer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<'a> Element<'a> {
    /// The element Redis would store for `bytes`: `Int` when `bytes` is the
    /// canonical decimal text of an `i64` (Redis's `lpStringToInt64`/`string2ll`:
    /// optional '-', no leading zeros, no '+', no spaces, not "-0", fits in an
    /// i64), otherwise `Str`.
    pub fn from_bytes(bytes: &'a [u8]) -> Self {
        match numeric::parse_i64(bytes) {
            Some(value) => Element::Int(value),
            None => Element::Str(bytes),
        }
    }

    /// The element's text: the bytes themselves, or the integer printed in
    /// decimal into `buf` (as Redis's `ll2string`).
    pub fn as_bytes<'b>(&self, buf: &'b mut IntBuf) -> &'b [u8]
    where
        'a: 'b,
    {
        match *self {
            Element::Str(bytes) => bytes,
            Element::Int(value) => buf.digits.format(value).as_bytes(),
        }
    }

    /// Appends the element's text to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes(&mut IntBuf::new()));
    }

    /// The element's text as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_bytes(&mut IntBuf::new()).to_vec()
    }

    /// The length of the element's text (what HSTRLEN answers).
    pub fn text_len(&self) -> usize {
        match *self {
            Element::Str(bytes) => bytes.len(),
            Element::Int(value) => decimal_len(value),
        }
    }

    /// Whether the element's text equals `text` (Redis's `lpCompare`). An
    /// integer element never equals a non-canonical text such as "012" or "+1".
    #[inline]
    pub fn eq_bytes(&self, text: &[u8]) -> bool {
        match *self {
            Element::Str(bytes) => bytes == text,
            Element::Int(value) => numeric::parse_i64(text) == Some(value),
        }
    }

    /// Compares the element's text with `text` byte by byte (memcmp order,
    /// as ZRANGEBYLEX and sorted-set member order use).
    pub fn cmp_bytes(&self, text: &[u8]) -> Ordering {
        self.as_bytes(&mut IntBuf::new()).cmp(text)
    }

    /// The element as an integer: `Int` as is, `Str` when its text is a
    /// canonical `i64` (`string2ll`). A listpack written by Redis or this crate
    /// never holds such a `Str`, so reading its elements this is `Int` only.
    pub fn to_i64(&self) -> Option<i64> {
        match *self {
            Element::Str(bytes) => numeric::parse_i64(bytes),
            Element::Int(value) => Some(value),
        }
    }

    /// The element as a double: `Int` converted, `Str` parsed as Redis's
    /// `string2d` does (`numeric::parse_f64`: no spaces, no NaN, inf allowed).
    pub fn to_f64(&self) -> Option<f64> {
        match *self {
            Element::Str(bytes) => numeric::parse_f64(bytes),
            Element::Int(value) => Some(value as f64),
        }
    }
}

/// Number of bytes of `value` printed in decimal.
fn decimal_len(value: i64) -> usize {
    let sign = usize::from(value < 0);
    let magnitude = value.unsigned_abs();
    let digits = magnitude.checked_ilog10().map_or(1, |log| log as usize + 1);
    sign + digits
}

impl<'a> From<&'a [u8]> for Element<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Element::Str(bytes)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Element<'a> {
    fn from(bytes: &'a [u8; N]) -> Self {
        Element::Str(bytes)
    }
}

impl<'a> From<&'a str> for Element<'a> {
    fn from(text: &'a str) -> Self {
        Element::Str(text.as_bytes())
    }
}

impl<'a> From<&'a Vec<u8>> for Element<'a> {
    fn from(bytes: &'a Vec<u8>) -> Self {
        Element::Str(bytes)
    }
}

impl From<i64> for Element<'_> {
    fn from(value: i64) -> Self {
        Element::Int(value)
    }
}

impl PartialEq for Element<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (*self, *other) {
            (Element::Int(a), Element::Int(b)) => a == b,
            (Element::Str(a), Element::Str(b)) => a == b,
            (Element::Int(value), Element::Str(text))
            | (Element::Str(text), Element::Int(value)) => numeric::parse_i64(text) == Some(value),
        }
    }
}

impl Eq for Element<'_> {}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Element::Str(bytes) => write!(f, "Str(b\"{}\")", bytes.escape_ascii()),
            Element::Int(value) => write!(f, "Int({value})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn from_bytes_follows_string2ll() {
        assert_eq!(Element::from_bytes(b"0"), Element::Int(0));
        assert!(matches!(Element::from_bytes(b"-0"), Element::Str(_)));
        assert!(matches!(Element::from_bytes(b"01"), Element::Str(_)));
        assert!(matches!(Element::from_bytes(b"+1"), Element::Str(_)));
        assert!(matches!(Element::from_bytes(b" 1"), Element::Str(_)));
        assert!(matches!(Element::from_bytes(b""), Element::Str(_)));
        assert!(matches!(Element::from_bytes(b"-"), Element::Str(_)));
        assert!(matches!(
            Element::from_bytes(b"9223372036854775808"),
            Element::Str(_)
        ));
        assert!(matches!(
            Element::from_bytes(b"-9223372036854775808"),
            Element::Int(i64::MIN)
        ));
    }

    #[test]
    fn equality_is_by_text() {
        assert_eq!(Element::Str(b"12"), Element::Int(12));
        assert_eq!(Element::Int(-5), Element::Str(b"-5"));
        assert_ne!(Element::Str(b"012"), Element::Int(12));
        assert_ne!(Element::Int(1), Element::Int(2));
        assert!(Element::Int(10).eq_bytes(b"10"));
        assert!(!Element::Int(10).eq_bytes(b"10.0"));
    }

    #[test]
    fn numbers_from_elements() {
        assert_eq!(Element::Str(b"1.5").to_f64(), Some(1.5));
        assert_eq!(Element::Str(b"inf").to_f64(), Some(f64::INFINITY));
        assert_eq!(Element::Int(3).to_f64(), Some(3.0));
        assert_eq!(Element::Str(b"abc").to_f64(), None);
        assert_eq!(Element::Str(b"42").to_i64(), Some(42));
        assert_eq!(Element::Str(b"4 2").to_i64(), None);
    }

    proptest! {
        #[test]
        fn text_of_int_round_trips(value: i64) {
            let element = Element::Int(value);
            let text = element.to_vec();
            let expected = value.to_string();
            prop_assert_eq!(&text, expected.as_bytes());
            prop_assert_eq!(element.text_len(), text.len());
            prop_assert!(element.eq_bytes(&text));
            prop_assert!(matches!(Element::from_bytes(&text), Element::Int(v) if v == value));
        }

        #[test]
        fn cmp_bytes_is_memcmp(value: i64, other in proptest::collection::vec(any::<u8>(), 0..8)) {
            let text = value.to_string();
            prop_assert_eq!(Element::Int(value).cmp_bytes(&other), text.as_bytes().cmp(&other));
        }
    }
}
