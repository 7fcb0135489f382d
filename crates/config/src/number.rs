//! Redis's number parsers and printers, reproduced exactly: `string2ll` (strict integers),
//! `strtoll` (the lenient C parser some directives use), `memtoull` (memory values with
//! units), `string2d` (doubles) and the `%f`-then-trim printer. Owns no configuration
//! knowledge; the directive specs in `spec.rs` and `special.rs` decide which parser applies.

/// What C's `strtoll` returns: the value (saturated on overflow), how many bytes it
/// consumed (0 when no digits were found, even after blanks or a sign) and whether it
/// overflowed (`errno == ERANGE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CParse {
    pub value: i64,
    pub consumed: usize,
    pub overflowed: bool,
}

impl CParse {
    /// The whole input was consumed (`*endptr == '\0'`).
    pub fn is_complete(&self, text: &[u8]) -> bool {
        self.consumed == text.len()
    }
}

/// C's `isspace` in the "C" locale.
pub(crate) fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// C's `strtoll(text, &end, radix)` for radix 8 or 10: leading blanks, an optional sign,
/// digits; saturates at `i64::MIN`/`i64::MAX` on overflow.
pub(crate) fn c_strtoll(text: &[u8], radix: u32) -> CParse {
    let mut index = text.iter().take_while(|&&b| is_c_space(b)).count();
    let negative = match text.get(index) {
        Some(b'-') => {
            index += 1;
            true
        }
        Some(b'+') => {
            index += 1;
            false
        }
        _ => false,
    };
    let digits_start = index;
    let mut magnitude: u128 = 0;
    let mut overflowed = false;
    while let Some(digit) = text.get(index).and_then(|&b| char::from(b).to_digit(radix)) {
        magnitude = magnitude * u128::from(radix) + u128::from(digit);
        if magnitude > u128::from(u64::MAX) {
            overflowed = true;
            magnitude = u128::from(u64::MAX);
        }
        index += 1;
    }
    if index == digits_start {
        return CParse {
            value: 0,
            consumed: 0,
            overflowed: false,
        };
    }
    let limit = if negative {
        i64::MIN.unsigned_abs()
    } else {
        i64::MAX.unsigned_abs()
    };
    let value = if magnitude > u128::from(limit) {
        overflowed = true;
        if negative { i64::MIN } else { i64::MAX }
    } else {
        // In range by the check above.
        let magnitude = magnitude as u64;
        if negative {
            0i64.wrapping_sub_unsigned(magnitude)
        } else {
            magnitude as i64
        }
    };
    CParse {
        value,
        consumed: index,
        overflowed,
    }
}

/// Redis's `memtoull`: digits followed by an optional unit `b`, `k` (1000), `kb` (1024),
/// `m`, `mb`, `g`, `gb` (any case). No sign, no blanks. An empty digit string reads as 0
/// and digits past `u64::MAX` saturate, as `strtoull` does; only the unit multiplication
/// is checked for overflow.
pub(crate) fn parse_memory(text: &[u8]) -> Option<u64> {
    if text.first() == Some(&b'-') {
        return None;
    }
    let digit_count = text.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digits, unit) = text.split_at(digit_count);
    let multiplier: u64 = match unit.to_ascii_lowercase().as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    // Redis copies the digits into a 128-byte buffer and refuses longer numbers.
    if digits.len() >= 128 {
        return None;
    }
    let value = digits.iter().fold(0u64, |value, &digit| {
        value
            .checked_mul(10)
            .and_then(|value| value.checked_add(u64::from(digit - b'0')))
            .unwrap_or(u64::MAX)
    });
    value.checked_mul(multiplier)
}

/// Redis's `rewriteConfigFormatMemory`: the largest of `gb`, `mb`, `kb` that divides the
/// value, computed on the signed value as Redis does (so values past `i64::MAX` print as
/// negative byte counts, exactly like Redis).
pub(crate) fn format_memory_for_rewrite(bytes: i64) -> String {
    const GB: i64 = 1024 * 1024 * 1024;
    const MB: i64 = 1024 * 1024;
    const KB: i64 = 1024;
    if bytes != 0 && bytes % GB == 0 {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes % MB == 0 {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes % KB == 0 {
        format!("{}kb", bytes / KB)
    } else {
        bytes.to_string()
    }
}

/// Redis's `string2d`: the whole text must be a C `strtod` number, with no leading blank,
/// not NaN, and not a value that overflowed or underflowed to zero.
pub(crate) fn parse_c_double(text: &str) -> Option<f64> {
    let first = *text.as_bytes().first()?;
    if is_c_space(first) {
        return None;
    }
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    if unsigned.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = if let Some(hex) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        parse_hex_double(hex)?
    } else {
        let lower = unsigned.to_ascii_lowercase();
        if lower.starts_with("nan") {
            return None;
        }
        // Rust's float grammar is C's decimal grammar minus hex floats, plus `_`-free
        // `inf`/`infinity`, so it agrees with strtod on everything left here.
        if !unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
            && lower != "inf"
            && lower != "infinity"
        {
            return None;
        }
        let value: f64 = unsigned.parse().ok()?;
        let is_literal_infinity = lower == "inf" || lower == "infinity";
        if value.is_infinite() && !is_literal_infinity {
            return None; // ERANGE overflow
        }
        if value == 0.0 && has_nonzero_mantissa_digit(unsigned) {
            return None; // ERANGE underflow to zero
        }
        value
    };
    Some(sign * magnitude)
}

fn has_nonzero_mantissa_digit(text: &str) -> bool {
    text.bytes()
        .take_while(|&b| b != b'e' && b != b'E')
        .any(|b| (b'1'..=b'9').contains(&b))
}

/// The part of a C hex float after `0x`: hex digits, an optional `.` and fraction, an
/// optional binary exponent `p[+-]digits`. At least one hex digit is required.
fn parse_hex_double(text: &str) -> Option<f64> {
    let (mantissa, exponent) = match text.find(['p', 'P']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (mantissa, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut value = 0.0f64;
    for digit in whole.chars() {
        value = value * 16.0 + f64::from(digit.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for digit in fraction.chars() {
        value += f64::from(digit.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    if let Some(exponent) = exponent {
        let parsed = parse_strict_exponent(exponent)?;
        value *= 2f64.powi(parsed);
    }
    if value.is_infinite() {
        return None;
    }
    Some(value)
}

fn parse_strict_exponent(text: &str) -> Option<i32> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let clamped: i32 = digits.parse().unwrap_or(i32::MAX / 2).min(i32::MAX / 2);
    Some(if text.starts_with('-') {
        -clamped
    } else {
        clamped
    })
}

/// C's `%f` followed by Redis's `trimDoubleString`: six decimals, then trailing zeros and
/// a trailing dot removed.
pub(crate) fn format_trimmed_double(value: f64) -> String {
    let mut text = format!("{value:.6}");
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(trimmed);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strtoll_is_lenient_like_c() {
        assert_eq!(
            c_strtoll(b"  -12x", 10),
            CParse {
                value: -12,
                consumed: 5,
                overflowed: false
            }
        );
        assert_eq!(c_strtoll(b"", 10).consumed, 0);
        assert_eq!(c_strtoll(b" +", 10).consumed, 0);
        assert_eq!(c_strtoll(b"0777", 8).value, 0o777);
        assert_eq!(c_strtoll(b"9", 8).consumed, 0);
        let huge = c_strtoll(b"99999999999999999999999", 10);
        assert_eq!((huge.value, huge.overflowed), (i64::MAX, true));
        let tiny = c_strtoll(b"-99999999999999999999999", 10);
        assert_eq!((tiny.value, tiny.overflowed), (i64::MIN, true));
    }

    #[test]
    fn memory_values_follow_memtoull() {
        assert_eq!(parse_memory(b"100"), Some(100));
        assert_eq!(parse_memory(b"1k"), Some(1000));
        assert_eq!(parse_memory(b"1K"), Some(1000));
        assert_eq!(parse_memory(b"1kb"), Some(1024));
        assert_eq!(parse_memory(b"1KB"), Some(1024));
        assert_eq!(parse_memory(b"2m"), Some(2_000_000));
        assert_eq!(parse_memory(b"2Mb"), Some(2 * 1024 * 1024));
        assert_eq!(parse_memory(b"3g"), Some(3_000_000_000));
        assert_eq!(parse_memory(b"3gB"), Some(3 * 1024 * 1024 * 1024));
        assert_eq!(parse_memory(b"7b"), Some(7));
        assert_eq!(parse_memory(b"007"), Some(7));
        assert_eq!(parse_memory(b""), Some(0));
        assert_eq!(parse_memory(b"kb"), Some(0));
        assert_eq!(parse_memory(b"99999999999999999999999"), Some(u64::MAX));
        for refused in [
            &b"-1"[..],
            b"+1",
            b" 1",
            b"1 ",
            b"1x",
            b"1kbb",
            b"1t",
            b"1.5mb",
            b"99999999999999999999999kb",
        ] {
            assert_eq!(parse_memory(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn rewrite_memory_uses_the_largest_exact_unit() {
        assert_eq!(format_memory_for_rewrite(0), "0");
        assert_eq!(format_memory_for_rewrite(1000), "1000");
        assert_eq!(format_memory_for_rewrite(2048), "2kb");
        assert_eq!(format_memory_for_rewrite(64 * 1024 * 1024), "64mb");
        assert_eq!(format_memory_for_rewrite(1 << 30), "1gb");
        assert_eq!(format_memory_for_rewrite(-1), "-1");
    }

    #[test]
    fn doubles_follow_string2d() {
        assert_eq!(parse_c_double("99.9"), Some(99.9));
        assert_eq!(parse_c_double("1e1"), Some(10.0));
        assert_eq!(parse_c_double("0x10"), Some(16.0));
        assert_eq!(parse_c_double("0x1.8p1"), Some(3.0));
        assert_eq!(parse_c_double(".5"), Some(0.5));
        assert_eq!(parse_c_double("-0"), Some(-0.0));
        assert_eq!(parse_c_double("inf"), Some(f64::INFINITY));
        for refused in [
            "", " 1", "1 ", "abc", "nan", "1e999", "1e-999", "0x", "1,5", "+-1", "1e",
        ] {
            assert_eq!(parse_c_double(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn doubles_print_like_percent_f_trimmed() {
        assert_eq!(format_trimmed_double(50.0), "50");
        assert_eq!(format_trimmed_double(99.9), "99.9");
        assert_eq!(format_trimmed_double(99.99999), "99.99999");
        assert_eq!(format_trimmed_double(0.0000001), "0");
        assert_eq!(format_trimmed_double(-0.0), "-0");
    }

    proptest! {
        #[test]
        fn strtoll_agrees_with_rust_on_plain_decimals(value: i64) {
            let text = value.to_string();
            let parsed = c_strtoll(text.as_bytes(), 10);
            prop_assert_eq!(parsed.value, value);
            prop_assert!(parsed.is_complete(text.as_bytes()));
        }

        #[test]
        fn memory_parser_never_panics(text in "[0-9kKmMgGbB+ -]{0,30}") {
            let _ = parse_memory(text.as_bytes());
        }
    }
}
