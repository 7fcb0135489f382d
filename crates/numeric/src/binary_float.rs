//! Correctly rounded conversion of exact values into binary floating-point
//! formats (IEEE binary64 and x87 80-bit extended), with round-to-nearest-even,
//! gradual underflow and overflow to infinity — what glibc's `strtod`/`strtold`
//! and the x87 FPU do in their default rounding mode.
//!
//! This module does arithmetic on magnitudes only; the grammar of literals is
//! in `float_syntax`, signs and special values belong to the callers.

use crate::big_uint::BigUint;
use crate::float_syntax::Mantissa;

/// A binary floating-point format, described by the exponents of its unit in
/// the last place: a finite value is `significand * 2^exponent` with
/// `significand < 2^precision` and `min_exponent <= exponent <= max_exponent`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BinaryFormat {
    pub(crate) precision: u32,
    pub(crate) min_exponent: i64,
    pub(crate) max_exponent: i64,
}

/// IEEE 754 binary64 (`double`).
pub(crate) const BINARY64: BinaryFormat = BinaryFormat {
    precision: 53,
    min_exponent: -1074,
    max_exponent: 971,
};

/// x87 80-bit extended precision (`long double` on amd64 Linux).
pub(crate) const X87_EXTENDED: BinaryFormat = BinaryFormat {
    precision: 64,
    min_exponent: -16445,
    max_exponent: 16320,
};

/// The outcome of rounding a non-zero magnitude into a format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rounded {
    /// `significand * 2^exponent`; the significand has its top bit
    /// (`2^(precision-1)`) set unless the value is subnormal, in which case
    /// `exponent == min_exponent`.
    Finite { significand: u64, exponent: i64 },
    /// The value rounded to zero (strtod reports ERANGE).
    Underflow,
    /// The value rounded to infinity (strtod reports ERANGE).
    Overflow,
}

/// Exponents this far out are beyond every format whatever the significand.
const EXPONENT_CLAMP: i64 = 1 << 40;

/// Rounds `(magnitude + fraction) * 2^exponent` to nearest, ties to even,
/// where `fraction` is some value in (0, 1) when `sticky` is set and 0
/// otherwise. `magnitude` must be non-zero, and at least `2^66` when `sticky`
/// is set (so the sticky part lies strictly below the rounding bit).
pub(crate) fn round_to_format(
    magnitude: u128,
    sticky: bool,
    exponent: i64,
    format: BinaryFormat,
) -> Rounded {
    if magnitude == 0 {
        return Rounded::Underflow;
    }
    let leading_zeros = magnitude.leading_zeros();
    let normalized = magnitude << leading_zeros;
    let exponent = exponent.clamp(-EXPONENT_CLAMP, EXPONENT_CLAMP) - i64::from(leading_zeros);
    // Bits to drop so `precision` remain, or more to stay above min_exponent.
    let drop = (128 - i64::from(format.precision)).max(format.min_exponent - exponent);
    let (mut kept, round_up) = if drop > 128 {
        // Below half of the smallest subnormal.
        (0u128, false)
    } else if drop == 128 {
        // In [half, 1) of the smallest subnormal: a tie only at exactly half.
        (0u128, normalized > 1 << 127 || sticky)
    } else {
        let drop = drop as u32;
        let kept = normalized >> drop;
        let remainder = normalized & ((1u128 << drop) - 1);
        let half = 1u128 << (drop - 1);
        let round_up = remainder > half || (remainder == half && (sticky || kept & 1 == 1));
        (kept, round_up)
    };
    let mut unit_exponent = exponent + drop;
    if round_up {
        kept += 1;
        if kept == 1u128 << format.precision {
            kept >>= 1;
            unit_exponent += 1;
        }
    }
    if kept == 0 {
        Rounded::Underflow
    } else if unit_exponent > format.max_exponent {
        Rounded::Overflow
    } else {
        Rounded::Finite {
            significand: kept as u64,
            exponent: unit_exponent,
        }
    }
}

/// log10(2) as a fraction, rounded down: 30102/100000.
fn floor_log10_of_pow2(bits: i64) -> i64 {
    (bits * 30102).div_euclid(100_000)
}

/// Correctly rounds the decimal literal `mantissa` (its sign is ignored; the
/// literal must have a non-zero digit) into `format`.
pub(crate) fn decimal_to_binary(mantissa: &Mantissa<'_>, format: BinaryFormat) -> Rounded {
    let digits: Vec<u8> = mantissa
        .integer_digits
        .iter()
        .chain(mantissa.fraction_digits)
        .copied()
        .collect();
    let first_nonzero = digits.iter().position(|&digit| digit != b'0');
    let last_nonzero = digits.iter().rposition(|&digit| digit != b'0');
    let (Some(first), Some(last)) = (first_nonzero, last_nonzero) else {
        return Rounded::Underflow;
    };
    let significant = &digits[first..=last];
    let trailing_zeros = (digits.len() - 1 - last) as i64;
    // value = significant * 10^decimal_exponent
    let decimal_exponent =
        mantissa.exponent - mantissa.fraction_digits.len() as i64 + trailing_zeros;
    let digit_count = significant.len() as i64;
    // The value lies in [10^(digit_count - 1 + decimal_exponent), 10^(digit_count + decimal_exponent)).
    let largest_power = floor_log10_of_pow2(format.max_exponent + i64::from(format.precision)) + 1;
    if digit_count - 1 + decimal_exponent > largest_power {
        return Rounded::Overflow;
    }
    let smallest_power = floor_log10_of_pow2(format.min_exponent - 1) - 1;
    if digit_count + decimal_exponent < smallest_power {
        return Rounded::Underflow;
    }
    let mut numerator = BigUint::from_decimal_digits(significant);
    if decimal_exponent >= 0 {
        numerator.mul_pow5(decimal_exponent as u64);
        numerator.shl(decimal_exponent as u64);
        let (top, shift, sticky) = numerator.top_128_bits();
        return round_to_format(top, sticky, shift as i64, format);
    }
    // value = numerator / (5^k * 2^k): divide by 5^k to a quotient of 67-68
    // bits, the rest of the division being the sticky part.
    let k = decimal_exponent.unsigned_abs();
    let mut denominator = BigUint::from_u64(1);
    denominator.mul_pow5(k);
    let scale = 67 - (numerator.bit_len() as i64 - denominator.bit_len() as i64);
    if scale > 0 {
        numerator.shl(scale as u64);
    } else {
        denominator.shl(scale.unsigned_abs());
    }
    const QUOTIENT_BITS: u64 = 68;
    denominator.shl(QUOTIENT_BITS - 1);
    let mut quotient = 0u128;
    for bit in (0..QUOTIENT_BITS).rev() {
        if numerator >= denominator {
            numerator.sub_assign(&denominator);
            quotient |= 1 << bit;
        }
        denominator.shr1();
    }
    round_to_format(quotient, !numerator.is_zero(), -scale - k as i64, format)
}

/// Correctly rounds the hexadecimal literal `mantissa` (sign ignored; it must
/// have a non-zero digit) into `format`.
pub(crate) fn hexadecimal_to_binary(mantissa: &Mantissa<'_>, format: BinaryFormat) -> Rounded {
    let mut digits = mantissa
        .integer_digits
        .iter()
        .chain(mantissa.fraction_digits)
        .map(|&digit| hex_digit_value(digit))
        .skip_while(|&value| value == 0);
    let mut magnitude = 0u128;
    for value in digits.by_ref().take(32) {
        magnitude = (magnitude << 4) | u128::from(value);
    }
    let mut uncounted_digits = 0i64;
    let mut sticky = false;
    for value in digits {
        uncounted_digits = uncounted_digits.saturating_add(1);
        sticky |= value != 0;
    }
    let fraction_len = i64::try_from(mantissa.fraction_digits.len()).unwrap_or(i64::MAX);
    let exponent = mantissa
        .exponent
        .saturating_add(uncounted_digits.saturating_mul(4))
        .saturating_sub(fraction_len.saturating_mul(4));
    round_to_format(magnitude, sticky, exponent, format)
}

fn hex_digit_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decimal(integer: &str, fraction: &str, exponent: i64) -> Rounded {
        let mantissa = Mantissa {
            negative: false,
            integer_digits: integer.as_bytes(),
            fraction_digits: fraction.as_bytes(),
            exponent,
        };
        decimal_to_binary(&mantissa, BINARY64)
    }

    fn to_f64(rounded: Rounded) -> f64 {
        match rounded {
            Rounded::Finite {
                significand,
                exponent,
            } => significand as f64 * (exponent as f64).exp2(),
            Rounded::Underflow => 0.0,
            Rounded::Overflow => f64::INFINITY,
        }
    }

    #[test]
    fn exact_small_values() {
        assert_eq!(
            round_to_format(3, false, 0, BINARY64),
            Rounded::Finite {
                significand: 3 << 51,
                exponent: -51
            }
        );
        assert_eq!(to_f64(decimal("0", "5", 0)), 0.5);
        assert_eq!(to_f64(decimal("1", "", 300)), 1e300);
    }

    #[test]
    fn ties_round_to_even() {
        // 2^53 + 1 is halfway between 2^53 and 2^53 + 2: stays at 2^53.
        let low = round_to_format((1 << 53) + 1, false, 0, BINARY64);
        assert_eq!(
            low,
            Rounded::Finite {
                significand: 1 << 52,
                exponent: 1
            }
        );
        // 2^53 + 3 is halfway between 2^53 + 2 and 2^53 + 4: goes up.
        let high = round_to_format((1 << 53) + 3, false, 0, BINARY64);
        assert_eq!(
            high,
            Rounded::Finite {
                significand: (1 << 52) + 2,
                exponent: 1
            }
        );
    }

    #[test]
    fn subnormal_edges() {
        let min_subnormal = Rounded::Finite {
            significand: 1,
            exponent: -1074,
        };
        assert_eq!(round_to_format(1, false, -1074, BINARY64), min_subnormal);
        // Exactly half the smallest subnormal ties to zero, just above it rounds up.
        assert_eq!(
            round_to_format(1, false, -1075, BINARY64),
            Rounded::Underflow
        );
        assert_eq!(
            round_to_format(1 << 100, true, -1175, BINARY64),
            min_subnormal
        );
        assert_eq!(decimal("2", "4703282292062327", -324), Rounded::Underflow);
        assert_eq!(decimal("2", "4703282292062328", -324), min_subnormal);
    }

    #[test]
    fn overflow_edges() {
        assert_eq!(to_f64(decimal("1", "7976931348623157", 308)), f64::MAX);
        // Just below half an ulp above DBL_MAX still rounds to DBL_MAX; just above overflows.
        assert_eq!(
            to_f64(decimal("1", "797693134862315807937289714053034", 308)),
            f64::MAX
        );
        assert_eq!(
            decimal("1", "797693134862315807937289714053035", 308),
            Rounded::Overflow
        );
        assert_eq!(decimal("1", "", 400), Rounded::Overflow);
        assert_eq!(decimal("1", "", 1_000_000_000), Rounded::Overflow);
        assert_eq!(decimal("1", "", -1_000_000_000), Rounded::Underflow);
    }

    #[test]
    fn hexadecimal_values() {
        let hex = |integer: &'static str, fraction: &'static str, exponent| {
            to_f64(hexadecimal_to_binary(
                &Mantissa {
                    negative: false,
                    integer_digits: integer.as_bytes(),
                    fraction_digits: fraction.as_bytes(),
                    exponent,
                },
                BINARY64,
            ))
        };
        assert_eq!(hex("1", "", 3), 8.0);
        assert_eq!(hex("1", "8", 1), 3.0);
        assert_eq!(hex("00ff", "", -8), 255.0 / 256.0);
        // 2^53 + 1 spelled with more than 32 hex digits still ties to even.
        assert_eq!(
            hex("20000000000001", "000000000000000000000000", 0),
            9007199254740992.0
        );
        assert_eq!(
            hex("20000000000001", "000000000000000000000001", 0),
            9007199254740994.0
        );
    }

    proptest! {
        #[test]
        fn decimal_agrees_with_rust_parser(integer in "[0-9]{1,25}", fraction in "[0-9]{0,25}", exponent in -340i64..320) {
            let text = format!("{integer}.{fraction}e{exponent}");
            let expected: f64 = text.parse().unwrap_or(f64::NAN);
            let rounded = decimal(&integer, &fraction, exponent);
            if expected == 0.0 {
                prop_assert!(rounded == Rounded::Underflow);
            } else {
                prop_assert_eq!(to_f64(rounded), expected);
            }
        }
    }
}
