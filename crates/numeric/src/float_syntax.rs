//! The text grammar that glibc's `strtod`/`strtold` accept in the "C" locale,
//! restricted to what Redis then keeps: the whole string must be consumed, the
//! first byte may not be white space, and NaN is refused.
//!
//! This module only recognises the shape of a literal; turning its digits into
//! a binary value (and deciding overflow/underflow) is `binary_float`'s job.

/// A floating-point literal that `strtod` would consume entirely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FloatLiteral<'a> {
    /// `inf` or `infinity`, any case.
    Infinity { negative: bool },
    /// `digits[.digits][e[sign]digits]`: value = digits * 10^(exponent - fraction length).
    Decimal(Mantissa<'a>),
    /// `0x hexdigits[.hexdigits][p[sign]digits]`: value = digits * 2^(exponent - 4 * fraction length).
    Hexadecimal(Mantissa<'a>),
}

/// The digits of a literal and its explicit exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mantissa<'a> {
    pub(crate) negative: bool,
    pub(crate) integer_digits: &'a [u8],
    pub(crate) fraction_digits: &'a [u8],
    /// The exponent as written, saturated to +-`EXPONENT_SATURATION` (far
    /// beyond any representable magnitude, so saturation never changes a result).
    pub(crate) exponent: i64,
}

impl Mantissa<'_> {
    /// Whether any digit is non-zero (the literal is not an exact zero).
    pub(crate) fn has_nonzero_digit(&self) -> bool {
        self.integer_digits
            .iter()
            .chain(self.fraction_digits)
            .any(|&digit| digit != b'0')
    }
}

/// Written exponents are clamped to this magnitude while they are read.
const EXPONENT_SATURATION: i64 = 1_000_000_000;

/// Recognises `text` as a complete `strtod` literal, or `None` when strtod
/// would stop early, find nothing, skip leading white space, or yield NaN.
pub(crate) fn scan_float_literal(text: &[u8]) -> Option<FloatLiteral<'_>> {
    let (negative, body) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(FloatLiteral::Infinity { negative });
    }
    // "nan", "nan(chars)" and everything else starting with a letter other
    // than a hex prefix is either NaN (refused by Redis) or no number at all.
    if body.len() > 2 && body[0] == b'0' && (body[1] == b'x' || body[1] == b'X') {
        // "0x" without a hex digit is parsed by strtod as "0" followed by junk.
        let mantissa = scan_mantissa(&body[2..], negative, u8::is_ascii_hexdigit, b'p')?;
        return Some(FloatLiteral::Hexadecimal(mantissa));
    }
    scan_mantissa(body, negative, u8::is_ascii_digit, b'e').map(FloatLiteral::Decimal)
}

/// Reads `digits[.digits][marker[sign]decimal digits]` covering all of `body`.
fn scan_mantissa(
    body: &[u8],
    negative: bool,
    is_digit: fn(&u8) -> bool,
    exponent_marker: u8,
) -> Option<Mantissa<'_>> {
    let integer_len = body.iter().take_while(|byte| is_digit(byte)).count();
    let integer_digits = &body[..integer_len];
    let mut rest = &body[integer_len..];
    let mut fraction_digits: &[u8] = &[];
    if let Some((b'.', after_point)) = rest.split_first() {
        let fraction_len = after_point.iter().take_while(|byte| is_digit(byte)).count();
        fraction_digits = &after_point[..fraction_len];
        rest = &after_point[fraction_len..];
    }
    if integer_digits.is_empty() && fraction_digits.is_empty() {
        return None;
    }
    let exponent = match rest.split_first() {
        None => 0,
        Some((marker, exponent_text)) if marker.eq_ignore_ascii_case(&exponent_marker) => {
            scan_exponent(exponent_text)?
        }
        Some(_) => return None,
    };
    Some(Mantissa {
        negative,
        integer_digits,
        fraction_digits,
        exponent,
    })
}

/// `[sign]digits` covering all of `text`, saturated.
fn scan_exponent(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().fold(0i64, |value, &digit| {
        (value * 10 + i64::from(digit - b'0')).min(EXPONENT_SATURATION)
    });
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(
        negative: bool,
        integer: &'static str,
        fraction: &'static str,
        exponent: i64,
    ) -> Option<FloatLiteral<'static>> {
        Some(FloatLiteral::Decimal(Mantissa {
            negative,
            integer_digits: integer.as_bytes(),
            fraction_digits: fraction.as_bytes(),
            exponent,
        }))
    }

    #[test]
    fn decimal_shapes() {
        assert_eq!(scan_float_literal(b"1"), decimal(false, "1", "", 0));
        assert_eq!(scan_float_literal(b"-1.5e3"), decimal(true, "1", "5", 3));
        assert_eq!(scan_float_literal(b"+.5E-2"), decimal(false, "", "5", -2));
        assert_eq!(scan_float_literal(b"1."), decimal(false, "1", "", 0));
        assert_eq!(scan_float_literal(b"007"), decimal(false, "007", "", 0));
        assert_eq!(
            scan_float_literal(b"1e99999999999999999999"),
            decimal(false, "1", "", EXPONENT_SATURATION)
        );
    }

    #[test]
    fn partial_or_empty_literals_are_refused() {
        for text in [
            &b""[..],
            b".",
            b"-",
            b"+",
            b"e5",
            b"1e",
            b"1e+",
            b"1.2.3",
            b" 1",
            b"1 ",
            b"\t1",
            b"1\0",
            b"--1",
            b"0x",
            b"0x.",
            b"0xg",
            b"0x1p",
            b"infinit",
            b"infx",
        ] {
            assert_eq!(
                scan_float_literal(text),
                None,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn nan_is_refused_in_every_spelling() {
        for text in [&b"nan"[..], b"NaN", b"-nan", b"nan()", b"nan(123)"] {
            assert_eq!(scan_float_literal(text), None);
        }
    }

    #[test]
    fn infinity_spellings() {
        for (text, negative) in [
            (&b"inf"[..], false),
            (b"-INF", true),
            (b"+Infinity", false),
            (b"-infinity", true),
        ] {
            assert_eq!(
                scan_float_literal(text),
                Some(FloatLiteral::Infinity { negative })
            );
        }
    }

    #[test]
    fn hexadecimal_shapes() {
        let expected = Some(FloatLiteral::Hexadecimal(Mantissa {
            negative: true,
            integer_digits: b"1f",
            fraction_digits: b"8",
            exponent: -4,
        }));
        assert_eq!(scan_float_literal(b"-0X1f.8P-4"), expected);
        assert!(matches!(
            scan_float_literal(b"0x.8"),
            Some(FloatLiteral::Hexadecimal(_))
        ));
        // The exponent of a hex float is introduced by 'p'; 'e' is a digit.
        assert!(matches!(
            scan_float_literal(b"0x1e5"),
            Some(FloatLiteral::Hexadecimal(Mantissa {
                integer_digits: b"1e5",
                ..
            }))
        ));
    }

    #[test]
    fn zero_detection() {
        let Some(FloatLiteral::Decimal(zero)) = scan_float_literal(b"-000.000e7") else {
            panic!("not a decimal");
        };
        assert!(!zero.has_nonzero_digit());
        let Some(FloatLiteral::Decimal(tiny)) = scan_float_literal(b"0.0001") else {
            panic!("not a decimal");
        };
        assert!(tiny.has_nonzero_digit());
    }
}
