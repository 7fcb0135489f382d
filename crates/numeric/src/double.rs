//! `double` parsing and formatting as Redis 7.0 does it: `string2d` (what
//! `getDoubleFromObject` uses for scores, timeouts and the like) and the
//! `"%.17g"` that `addReplyDouble` prints.
//!
//! Long doubles (INCRBYFLOAT) are in `long_double`.

use std::io::Write as _;

use crate::binary_float::{BINARY64, Rounded, hexadecimal_to_binary};
use crate::float_syntax::{FloatLiteral, scan_float_literal};

/// Parses like Redis `string2d` / `getDoubleFromObject`: glibc `strtod`
/// (correctly rounded; decimal, hexadecimal `0x...p...`, `inf`/`infinity` in
/// any case, with an optional sign) refusing an empty input, leading white
/// space, anything not consumed, NaN, and finite literals that overflow to
/// infinity or underflow to zero (strtod's ERANGE). A result that underflows
/// to a non-zero subnormal is kept. There is no length limit.
pub fn parse_f64(text: &[u8]) -> Option<f64> {
    match scan_float_literal(text)? {
        FloatLiteral::Infinity { negative } => Some(signed(negative, f64::INFINITY)),
        FloatLiteral::Decimal(mantissa) => {
            // The scanner accepted exactly the decimal grammar Rust's
            // correctly rounded parser implements.
            let value: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
            let underflowed = value == 0.0 && mantissa.has_nonzero_digit();
            (value.is_finite() && !underflowed).then_some(value)
        }
        FloatLiteral::Hexadecimal(mantissa) if !mantissa.has_nonzero_digit() => {
            Some(signed(mantissa.negative, 0.0))
        }
        FloatLiteral::Hexadecimal(mantissa) => match hexadecimal_to_binary(&mantissa, BINARY64) {
            Rounded::Finite {
                significand,
                exponent,
            } => Some(signed(
                mantissa.negative,
                binary64_value(significand, exponent),
            )),
            Rounded::Underflow | Rounded::Overflow => None,
        },
    }
}

/// Parses like C `strtod` over a whole argument, as Redis's `zslParseRange` uses it for
/// ZRANGEBYSCORE/ZCOUNT bounds: leading white space is skipped, an empty argument is 0, a
/// finite literal that overflows is ±inf and one that underflows is 0 (no ERANGE check);
/// NaN and anything left unconsumed are refused.
pub fn parse_f64_strtod(text: &[u8]) -> Option<f64> {
    if text.is_empty() {
        return Some(0.0);
    }
    let start = text
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let rest = &text[start..];
    match scan_float_literal(rest)? {
        FloatLiteral::Infinity { negative } => Some(signed(negative, f64::INFINITY)),
        FloatLiteral::Decimal(_) => std::str::from_utf8(rest).ok()?.parse().ok(),
        FloatLiteral::Hexadecimal(mantissa) if !mantissa.has_nonzero_digit() => {
            Some(signed(mantissa.negative, 0.0))
        }
        FloatLiteral::Hexadecimal(mantissa) => match hexadecimal_to_binary(&mantissa, BINARY64) {
            Rounded::Finite {
                significand,
                exponent,
            } => Some(signed(
                mantissa.negative,
                binary64_value(significand, exponent),
            )),
            Rounded::Underflow => Some(signed(mantissa.negative, 0.0)),
            Rounded::Overflow => Some(signed(mantissa.negative, f64::INFINITY)),
        },
    }
}

fn signed(negative: bool, magnitude: f64) -> f64 {
    if negative { -magnitude } else { magnitude }
}

/// The f64 `significand * 2^exponent` for a value `round_to_format` produced
/// for binary64 (so it is representable).
fn binary64_value(significand: u64, exponent: i64) -> f64 {
    const HIDDEN_BIT: u64 = 1 << 52;
    if significand & HIDDEN_BIT == 0 {
        // Subnormal: exponent is the minimum, the bits are the significand.
        f64::from_bits(significand)
    } else {
        let biased_exponent = (exponent + 1075) as u64;
        f64::from_bits((biased_exponent << 52) | (significand - HIDDEN_BIT))
    }
}

/// Appends what Redis 7.0 `addReplyDouble` prints for `value`: C's `"%.17g"`
/// (17 significant digits, correctly rounded half to even; fixed notation when
/// the decimal exponent is in [-4, 17), otherwise `d.ddde+XX` with at least
/// two exponent digits; trailing zeros and a trailing '.' removed). So 0.1 is
/// "0.10000000000000001", 3.0 is "3", 1e21 is "1e+21" and -0.0 is "-0".
/// Infinities are "inf"/"-inf"; NaN is "nan", or "-nan" with the sign bit set,
/// as glibc prints it.
pub fn format_double(value: f64, out: &mut Vec<u8>) {
    if value.is_nan() {
        out.extend_from_slice(if value.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return;
    }
    if value.is_infinite() {
        out.extend_from_slice(if value < 0.0 { b"-inf" } else { b"inf" });
        return;
    }
    if value.is_sign_negative() {
        out.push(b'-');
    }
    let (digits, exponent) = seventeen_digits(value.abs(), out);
    // %g drops trailing zeros of the significant digits (no '#' flag).
    let significant_len = digits
        .iter()
        .rposition(|&digit| digit != b'0')
        .map_or(1, |last| last + 1);
    let significant = &digits[..significant_len];
    if (-4..17).contains(&exponent) {
        if exponent < 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-exponent - 1) as usize));
            out.extend_from_slice(significant);
        } else {
            let integer_len = exponent as usize + 1;
            if significant.len() <= integer_len {
                out.extend_from_slice(significant);
                out.extend(std::iter::repeat_n(b'0', integer_len - significant.len()));
            } else {
                out.extend_from_slice(&significant[..integer_len]);
                out.push(b'.');
                out.extend_from_slice(&significant[integer_len..]);
            }
        }
    } else {
        out.push(significant[0]);
        if significant.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&significant[1..]);
        }
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{magnitude}");
    }
}

/// The 17 significant digits of a finite non-negative `value`, correctly
/// rounded (ties to even, as Rust's exact float formatting does), and the
/// decimal exponent of the first one. `scratch` is used as a buffer and left
/// as it was found.
fn seventeen_digits(value: f64, scratch: &mut Vec<u8>) -> ([u8; 17], i32) {
    if let Some(exact) = short_exact_digits(value) {
        return exact;
    }
    exact_formatting_digits(value, scratch)
}

/// The digits of a finite non-negative `value` whose exact decimal expansion has at most 17
/// significant digits (integers below 10^17, and dyadic fractions such as 1.5 or 0.125 that
/// scores usually are), by integer arithmetic: they need no rounding. `None` for the others.
/// Rust's exact formatting falls back to a bignum algorithm (Dragon4) for most of those
/// values, which made `ZRANGE ... WITHSCORES` spend a quarter of its time formatting.
fn short_exact_digits(value: f64) -> Option<([u8; 17], i32)> {
    const MANTISSA_BITS: u32 = 52;
    let bits = value.to_bits();
    let biased = ((bits >> MANTISSA_BITS) & 0x7ff) as i32;
    if value == 0.0 {
        return Some(([b'0'; 17], 0));
    }
    if biased == 0 || biased == 0x7ff {
        return None;
    }
    let mut mantissa = (bits & ((1 << MANTISSA_BITS) - 1)) | (1 << MANTISSA_BITS);
    let mut exponent2 = biased - 1075;
    let zeros = mantissa.trailing_zeros();
    mantissa >>= zeros;
    exponent2 += zeros as i32;
    // value = mantissa * 2^exponent2 = n / 10^fraction_digits exactly.
    let (n, fraction_digits): (u128, i32) = if exponent2 >= 0 {
        if exponent2 > 60 {
            return None;
        }
        (u128::from(mantissa) << exponent2, 0)
    } else {
        let fraction_bits = -exponent2;
        if fraction_bits > 30 {
            return None;
        }
        (
            u128::from(mantissa) * 5u128.pow(fraction_bits as u32),
            fraction_bits,
        )
    };
    let mut text = itoa::Buffer::new();
    let text = text.format(n).as_bytes();
    if text.len() > 17 {
        return None;
    }
    let mut digits = [b'0'; 17];
    digits[..text.len()].copy_from_slice(text);
    Some((digits, text.len() as i32 - fraction_digits - 1))
}

/// [`seventeen_digits`] by Rust's exact float formatting.
fn exact_formatting_digits(value: f64, scratch: &mut Vec<u8>) -> ([u8; 17], i32) {
    let start = scratch.len();
    // Writing to a Vec cannot fail; the text is "d.dddddddddddddddde[-]x".
    let _ = write!(scratch, "{value:.16e}");
    let mut digits = [b'0'; 17];
    let mut exponent = 0i32;
    let mut exponent_negative = false;
    let mut digit_count = 0;
    let mut in_exponent = false;
    for &byte in &scratch[start..] {
        match byte {
            b'e' => in_exponent = true,
            b'-' => exponent_negative = true,
            b'0'..=b'9' if in_exponent => exponent = exponent * 10 + i32::from(byte - b'0'),
            b'0'..=b'9' if digit_count < digits.len() => {
                digits[digit_count] = byte;
                digit_count += 1;
            }
            _ => {}
        }
    }
    scratch.truncate(start);
    (
        digits,
        if exponent_negative {
            -exponent
        } else {
            exponent
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_exact_values_take_the_integer_path_with_the_same_digits() {
        let mut scratch = Vec::new();
        for value in [
            0.0,
            1.0,
            1.5,
            0.125,
            148.5,
            3.0,
            1e16,
            99999999999999990.0,
            0.0001220703125,
            4503599627370495.5,
            123456.75,
            2f64.powi(-20),
            2f64.powi(56),
        ] {
            assert_eq!(
                short_exact_digits(value),
                Some(exact_formatting_digits(value, &mut scratch)),
                "{value}"
            );
        }
        // Not exact in 17 digits: left to the exact formatting.
        for value in [
            0.1,
            1.0 / 3.0,
            1e17 + 8.0,
            2f64.powi(-31),
            f64::MIN_POSITIVE / 2.0,
        ] {
            assert_eq!(short_exact_digits(value), None, "{value}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_integer_path_agrees_with_exact_formatting(
            mantissa in 0u64..(1 << 53),
            exponent in -40i32..70,
        ) {
            let value = mantissa as f64 * 2f64.powi(exponent);
            if let Some(fast) = short_exact_digits(value) {
                proptest::prop_assert_eq!(fast, exact_formatting_digits(value, &mut Vec::new()));
            }
        }
    }

    #[test]
    fn strtod_bounds_follow_c() {
        assert_eq!(parse_f64_strtod(b""), Some(0.0));
        assert_eq!(parse_f64_strtod(b" 5"), Some(5.0));
        assert_eq!(parse_f64_strtod(b"  "), None);
        assert_eq!(parse_f64_strtod(b"1e400"), Some(f64::INFINITY));
        assert_eq!(parse_f64_strtod(b"-1e400"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64_strtod(b"1e-400"), Some(0.0));
        assert_eq!(parse_f64_strtod(b"0x10"), Some(16.0));
        assert_eq!(parse_f64_strtod(b"nan"), None);
        assert_eq!(parse_f64_strtod(b"5 "), None);
        assert_eq!(parse_f64_strtod(b"-inf"), Some(f64::NEG_INFINITY));
    }
    use proptest::prelude::*;

    fn formatted(value: f64) -> String {
        let mut out = Vec::new();
        format_double(value, &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn zscore_goldens_from_redis_7_0() {
        // ZADD z <input> m; ZSCORE z m on Debian's redis-server 7.0.15.
        let cases = [
            ("inf", "inf"),
            ("-inf", "-inf"),
            ("+inf", "inf"),
            ("infinity", "inf"),
            ("INF", "inf"),
            ("0x1p3", "8"),
            ("4.9e-324", "4.9406564584124654e-324"),
            ("2.4703282292062328e-324", "4.9406564584124654e-324"),
            ("1.", "1"),
            (".5", "0.5"),
            ("0.1", "0.10000000000000001"),
            ("3", "3"),
            ("1e21", "1e+21"),
            ("1e17", "1e+17"),
            ("123456789012345678", "1.2345678901234568e+17"),
            ("0x1.8p1", "3"),
            ("1e-5", "1.0000000000000001e-05"),
            ("0.0001", "0.0001"),
            ("1e16", "10000000000000000"),
        ];
        for (input, expected) in cases {
            let parsed = parse_f64(input.as_bytes());
            assert_eq!(parsed.map(formatted).as_deref(), Some(expected), "{input}");
        }
    }

    #[test]
    fn refused_like_string2d() {
        for refused in [
            "",
            "nan",
            "NaN",
            "-nan",
            "1e400",
            "-1e400",
            "1e-400",
            "2.4703282292062327e-324",
            " 1",
            "1 ",
            ".",
            "1e",
            "0x",
            "0x1p99999",
            "0x1p-1076",
            "1\0",
            "--1",
            "abc",
        ] {
            assert_eq!(parse_f64(refused.as_bytes()), None, "{refused:?}");
        }
    }

    #[test]
    fn zeros_and_hexadecimal() {
        assert_eq!(
            parse_f64(b"-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(parse_f64(b"0e-99999"), Some(0.0));
        assert_eq!(
            parse_f64(b"-0x0p0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(parse_f64(b"0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(parse_f64(b"0x1.fffffffffffffp1023"), Some(f64::MAX));
        assert_eq!(parse_f64(b"0x1.fffffffffffff8p1023"), None);
        assert_eq!(parse_f64(b"-0x1.8p1"), Some(-3.0));
        assert_eq!(parse_f64(b"0x.1"), Some(0.0625));
    }

    #[test]
    fn percent_17g_shapes() {
        let cases = [
            (0.0, "0"),
            (-0.0, "-0"),
            (3.0, "3"),
            (-2.5, "-2.5"),
            (0.1, "0.10000000000000001"),
            (1e21, "1e+21"),
            (1e-5, "1.0000000000000001e-05"),
            (1e-4, "0.0001"),
            (123456.0, "123456"),
            (1e16, "10000000000000000"),
            (99999999999999999.0, "1e+17"),
            (1.5e300, "1.5000000000000001e+300"),
            (9.5367431640625e-07, "9.5367431640625e-07"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (f64::from_bits(1), "4.9406564584124654e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "-nan"),
            // Ties at the 17th digit round to even, as glibc does.
            (9_007_199_254_740_985.0 / 4.0, "2251799813685246.2"),
            (9_007_199_254_740_987.0 / 4.0, "2251799813685246.8"),
        ];
        for (value, expected) in cases {
            assert_eq!(formatted(value), expected);
        }
    }

    proptest! {
        #[test]
        fn seventeen_digits_round_trip(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(value.is_finite());
            let text = formatted(value);
            prop_assert_eq!(parse_f64(text.as_bytes()).map(f64::to_bits), Some(bits));
        }

        #[test]
        fn decimal_parse_matches_rust(text in "-?[0-9]{1,20}(\\.[0-9]{0,20})?(e-?[0-9]{1,3})?") {
            let expected: f64 = text.parse().unwrap_or(f64::NAN);
            let parsed = parse_f64(text.as_bytes());
            if expected.is_infinite() || (expected == 0.0 && text.bytes().take_while(|&b| b != b'e').any(|b| (b'1'..=b'9').contains(&b))) {
                prop_assert_eq!(parsed, None);
            } else {
                prop_assert_eq!(parsed.map(f64::to_bits), Some(expected.to_bits()));
            }
        }
    }
}
