//! Integer parsing exactly as Redis does it: the strict `string2ll` used for
//! nearly every integer argument and value, `string2ull`, its lenient
//! unsigned cousin that falls back to `strtoull` (stream IDs), and the C
//! library's `strtol`/`atoi`, which Redis uses where it takes a numeric prefix
//! and ignores the rest (AOF headers, `numkeys` in `genericGetKeys`).
//!
//! Formatting integers is not here: `itoa` prints what `ll2string` prints.

/// Redis's `LONG_STR_SIZE` (21): `string2ll` refuses inputs this long or longer.
const LONG_STR_SIZE: usize = 21;

/// Parses like Redis `string2ll` (and `string2l`, identical on 64-bit
/// targets): an optional '-', then "0" alone or a non-zero digit followed by
/// digits, the whole input, fitting in an i64. No '+', no spaces, no leading
/// zeros, no "-0"; at most 20 bytes.
pub fn parse_i64(text: &[u8]) -> Option<i64> {
    if text.is_empty() || text.len() >= LONG_STR_SIZE {
        return None;
    }
    if text == b"0" {
        return Some(0);
    }
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let magnitude = digits.iter().try_fold(0u64, |value, &byte| {
        if !byte.is_ascii_digit() {
            return None;
        }
        value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))
    })?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Parses like Redis `string2ull`, which sees its argument as a C string (so
/// only the bytes before the first NUL count): [`parse_i64`] when that
/// succeeds (a negative result is refused), otherwise glibc
/// `strtoull(s, &end, 10)` accepted when it consumed everything, found a
/// digit and did not overflow. Through `strtoull`, leading white space, a '+',
/// leading zeros and even a '-' (which negates modulo 2^64) are accepted:
/// `"-1"` is refused but `" -1"` and `"-01"` give `u64::MAX`.
pub fn parse_u64(text: &[u8]) -> Option<u64> {
    let text = match text.iter().position(|&byte| byte == 0) {
        Some(nul) => &text[..nul],
        None => text,
    };
    if let Some(value) = parse_i64(text) {
        return u64::try_from(value).ok();
    }
    parse_with_strtoull(text)
}

/// glibc `strtoull` in base 10, "C" locale, requiring the whole input.
fn parse_with_strtoull(text: &[u8]) -> Option<u64> {
    let unspaced_from = text
        .iter()
        .position(|&byte| !is_c_space(byte))
        .unwrap_or(text.len());
    let unspaced = &text[unspaced_from..];
    let (negative, digits) = match unspaced.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, unspaced),
    };
    if digits.is_empty() {
        return None;
    }
    let magnitude = digits.iter().try_fold(0u64, |value, &byte| {
        if !byte.is_ascii_digit() {
            return None;
        }
        value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))
    })?;
    Some(if negative {
        magnitude.wrapping_neg()
    } else {
        magnitude
    })
}

/// C `isspace` in the "C" locale.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// glibc's `strtol(text, NULL, 10)` on 64-bit Linux (also `strtoll`, `atol`, `atoll`):
/// leading white space, an optional sign, then as many decimal digits as there are. No
/// digits gives 0; a value out of range saturates at `i64::MIN`/`i64::MAX`.
pub fn c_strtol(text: &[u8]) -> i64 {
    let mut rest = text;
    while let [first, tail @ ..] = rest
        && is_c_space(*first)
    {
        rest = tail;
    }
    let negative = match rest.first() {
        Some(b'-') => {
            rest = &rest[1..];
            true
        }
        Some(b'+') => {
            rest = &rest[1..];
            false
        }
        _ => false,
    };
    // Accumulate towards the sign so that i64::MIN is reachable.
    let mut value: i64 = 0;
    for &byte in rest.iter().take_while(|byte| byte.is_ascii_digit()) {
        let digit = i64::from(byte - b'0');
        let next = value.checked_mul(10).and_then(|tens| {
            if negative {
                tens.checked_sub(digit)
            } else {
                tens.checked_add(digit)
            }
        });
        match next {
            Some(next) => value = next,
            None => return if negative { i64::MIN } else { i64::MAX },
        }
    }
    value
}

/// glibc's `atoi`, which is `(int) strtol(text, NULL, 10)`: the low 32 bits of
/// [`c_strtol`]'s result, so `4294967297` reads as 1 and an overflowing value as -1.
pub fn c_atoi(text: &[u8]) -> i32 {
    // Truncation is the point: this is C's conversion from long to int.
    c_strtol(text) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_takes_a_prefix_like_c() {
        assert_eq!(c_strtol(b"42\r\n"), 42);
        assert_eq!(c_strtol(b" \t\x0b\x0c+7x"), 7);
        assert_eq!(c_strtol(b"-12"), -12);
        assert_eq!(c_strtol(b""), 0);
        assert_eq!(c_strtol(b"abc"), 0);
        assert_eq!(c_strtol(b"- 1"), 0);
        assert_eq!(c_strtol(b"1\x002"), 1);
        assert_eq!(c_strtol(b"9223372036854775807"), i64::MAX);
        assert_eq!(c_strtol(b"9223372036854775808"), i64::MAX);
        assert_eq!(c_strtol(b"-9223372036854775808"), i64::MIN);
        assert_eq!(c_strtol(b"-99999999999999999999"), i64::MIN);
    }

    #[test]
    fn atoi_keeps_the_low_32_bits() {
        assert_eq!(c_atoi(b"3\r\n"), 3);
        assert_eq!(c_atoi(b"4294967297"), 1);
        assert_eq!(c_atoi(b"2147483648"), i32::MIN);
        assert_eq!(c_atoi(b"99999999999999999999"), -1);
    }

    use proptest::prelude::*;

    #[test]
    fn string2ll_cases_from_redis() {
        let accepted: [(&[u8], i64); 8] = [
            (b"0", 0),
            (b"1", 1),
            (b"-1", -1),
            (b"99", 99),
            (b"-99", -99),
            (b"9223372036854775807", i64::MAX),
            (b"-9223372036854775808", i64::MIN),
            (b"10", 10),
        ];
        for (text, value) in accepted {
            assert_eq!(parse_i64(text), Some(value));
        }
        for refused in [
            &b""[..],
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"00",
            b"-",
            b"--1",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"18446744073709551616",
            b"1a",
            b"1\0",
            b"1.0",
            b"123456789012345678901",
        ] {
            assert_eq!(
                parse_i64(refused),
                None,
                "{:?}",
                String::from_utf8_lossy(refused)
            );
        }
    }

    #[test]
    fn string2ull_accepts_what_strtoull_does() {
        let accepted: [(&[u8], u64); 10] = [
            (b"0", 0),
            (b"18446744073709551615", u64::MAX),
            (b"9223372036854775808", 1 << 63),
            (b"007", 7),
            (b"+5", 5),
            (b" \t\n\x0b\x0c\r5", 5),
            (b"-0", 0),
            (b" -1", u64::MAX),
            (b"-01", u64::MAX),
            (b"12\0junk", 12),
        ];
        for (text, value) in accepted {
            assert_eq!(
                parse_u64(text),
                Some(value),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
        for refused in [
            &b""[..],
            b"-1",
            b"-9223372036854775808",
            b"18446744073709551616",
            b" ",
            b"+",
            b"- 1",
            b"5 ",
            b"0x10",
            b"\0",
            b"1.0",
        ] {
            assert_eq!(
                parse_u64(refused),
                None,
                "{:?}",
                String::from_utf8_lossy(refused)
            );
        }
    }

    proptest! {
        #[test]
        fn every_i64_round_trips(value in any::<i64>()) {
            prop_assert_eq!(parse_i64(value.to_string().as_bytes()), Some(value));
        }

        #[test]
        fn every_u64_round_trips(value in any::<u64>()) {
            prop_assert_eq!(parse_u64(value.to_string().as_bytes()), Some(value));
        }

        #[test]
        fn only_canonical_text_parses(text in "[-+ 0-9]{0,22}") {
            let parsed = parse_i64(text.as_bytes());
            if let Some(value) = parsed {
                prop_assert_eq!(value.to_string(), text);
            }
        }
    }
}
