//! Decimal integers as Redis reads them in protocol headers (`string2ll` in `src/util.c`).
//!
//! Owns only the strict grammar; what a length may be (negative, over a limit) is the
//! caller's rule.

/// Longest text Redis accepts: `LONG_STR_SIZE` (21) minus one.
const MAX_DIGITS_LEN: usize = 20;

/// Parses `text` the way Redis's `string2ll` does: an optional `-`, then `0` alone or a
/// digit 1-9 followed by digits; no `+`, no spaces, no leading zeros, no `-0`, at most 20
/// bytes, and the value must fit an `i64`.
pub(crate) fn parse_i64_strict(text: &[u8]) -> Option<i64> {
    if text.is_empty() || text.len() > MAX_DIGITS_LEN {
        return None;
    }
    if text == b"0" {
        return Some(0);
    }
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (&first, rest) = digits.split_first()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let mut magnitude = u64::from(first - b'0');
    for &digit in rest {
        if !digit.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_canonical_integers() {
        assert_eq!(parse_i64_strict(b"0"), Some(0));
        assert_eq!(parse_i64_strict(b"7"), Some(7));
        assert_eq!(parse_i64_strict(b"-1"), Some(-1));
        assert_eq!(parse_i64_strict(b"1234567890"), Some(1_234_567_890));
        assert_eq!(parse_i64_strict(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64_strict(b"-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn rejects_what_string2ll_rejects() {
        for text in [
            &b""[..],
            b"-",
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"00",
            b"1a",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"99999999999999999999",
            b"000000000000000000001",
            b"1\0",
        ] {
            assert_eq!(parse_i64_strict(text), None, "{}", text.escape_ascii());
        }
    }

    proptest! {
        #[test]
        fn round_trips_every_i64(value: i64) {
            prop_assert_eq!(parse_i64_strict(value.to_string().as_bytes()), Some(value));
        }

        #[test]
        fn agrees_with_canonical_formatting(text in "-?[0-9]{0,21}") {
            let canonical = text.parse::<i64>().ok().filter(|v| v.to_string() == text);
            prop_assert_eq!(parse_i64_strict(text.as_bytes()), canonical);
        }
    }
}
