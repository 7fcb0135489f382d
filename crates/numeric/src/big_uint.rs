//! A small arbitrary-precision unsigned integer, just big enough for exact
//! decimal <-> binary conversion of x87 long doubles (values up to ~2^16384 and
//! divisors up to ~5^10100).
//!
//! It owns only the handful of operations the conversions need (multiply by a
//! word, multiply by a power of five, shifts, compare, subtract, divide by a
//! word); it is not a general bignum library.

use std::cmp::Ordering;
use std::io::Write as _;

/// Little-endian 64-bit limbs; never has a most significant zero limb, so zero
/// is the empty vector and comparisons can start from the length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BigUint {
    limbs: Vec<u64>,
}

/// The largest power of ten that fits a limb: 10^19.
const TEN_POW_19: u64 = 10_000_000_000_000_000_000;
/// The largest power of five that fits a limb: 5^27.
const FIVE_POW_27: u64 = 7_450_580_596_923_828_125;

impl BigUint {
    pub(crate) fn from_u64(value: u64) -> Self {
        let mut number = BigUint { limbs: vec![value] };
        number.trim();
        number
    }

    /// The integer spelled by ASCII decimal digits (the caller has checked
    /// they are all `0..=9`).
    pub(crate) fn from_decimal_digits(digits: &[u8]) -> Self {
        let mut number = BigUint { limbs: Vec::new() };
        for chunk in digits.chunks(19) {
            let mut chunk_value = 0u64;
            let mut chunk_scale = 1u64;
            for &digit in chunk {
                chunk_value = chunk_value * 10 + u64::from(digit - b'0');
                chunk_scale *= 10;
            }
            number.mul_add_small(chunk_scale, chunk_value);
        }
        number
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    /// Number of significant bits (0 for zero).
    pub(crate) fn bit_len(&self) -> u64 {
        match self.limbs.last() {
            None => 0,
            Some(top) => self.limbs.len() as u64 * 64 - u64::from(top.leading_zeros()),
        }
    }

    /// `self = self * factor + addend`.
    pub(crate) fn mul_add_small(&mut self, factor: u64, addend: u64) {
        let mut carry = u128::from(addend);
        for limb in &mut self.limbs {
            let product = u128::from(*limb) * u128::from(factor) + carry;
            *limb = product as u64;
            carry = product >> 64;
        }
        if carry != 0 {
            self.limbs.push(carry as u64);
        }
        self.trim();
    }

    /// `self *= 5^exponent`.
    pub(crate) fn mul_pow5(&mut self, mut exponent: u64) {
        while exponent >= 27 {
            self.mul_add_small(FIVE_POW_27, 0);
            exponent -= 27;
        }
        if exponent > 0 {
            self.mul_add_small(5u64.pow(exponent as u32), 0);
        }
    }

    /// `self <<= bits`.
    pub(crate) fn shl(&mut self, bits: u64) {
        if self.is_zero() || bits == 0 {
            return;
        }
        let limb_shift = (bits / 64) as usize;
        let bit_shift = (bits % 64) as u32;
        if bit_shift != 0 {
            let mut carry = 0u64;
            for limb in &mut self.limbs {
                let shifted_out = *limb >> (64 - bit_shift);
                *limb = (*limb << bit_shift) | carry;
                carry = shifted_out;
            }
            if carry != 0 {
                self.limbs.push(carry);
            }
        }
        self.limbs.splice(0..0, std::iter::repeat_n(0, limb_shift));
    }

    /// `self >>= 1`.
    pub(crate) fn shr1(&mut self) {
        let mut carry = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let shifted_out = *limb & 1;
            *limb = (*limb >> 1) | (carry << 63);
            carry = shifted_out;
        }
        self.trim();
    }

    /// The top 128 bits (or all of them, for a shorter number), how far they
    /// were shifted down, and whether any shifted-out bit was set:
    /// `self = (top + fraction) * 2^shift` with `fraction > 0` iff the flag is set.
    pub(crate) fn top_128_bits(&self) -> (u128, u64, bool) {
        let bit_len = self.bit_len();
        let shift = bit_len.saturating_sub(128);
        let limb_shift = (shift / 64) as usize;
        let bit_shift = (shift % 64) as u32;
        let limb_at = |index: usize| self.limbs.get(index).copied().unwrap_or(0);
        let mut top = 0u128;
        for offset in (0..3).rev() {
            let limb = u128::from(limb_at(limb_shift + offset));
            let placed = offset * 64;
            if placed >= bit_shift as usize {
                let up = placed - bit_shift as usize;
                if up < 128 {
                    top |= limb << up;
                }
            } else {
                top |= limb >> (bit_shift as usize - placed);
            }
        }
        let below_whole_limbs = self.limbs[..limb_shift.min(self.limbs.len())]
            .iter()
            .any(|&limb| limb != 0);
        let below_in_limb = bit_shift != 0 && limb_at(limb_shift) & ((1u64 << bit_shift) - 1) != 0;
        (top, shift, below_whole_limbs || below_in_limb)
    }

    /// `self -= other`; the caller guarantees `self >= other`.
    pub(crate) fn sub_assign(&mut self, other: &BigUint) {
        let mut borrow = false;
        for (index, limb) in self.limbs.iter_mut().enumerate() {
            let subtrahend = other.limbs.get(index).copied().unwrap_or(0);
            if index >= other.limbs.len() && !borrow {
                break;
            }
            let (partial, borrow_a) = limb.overflowing_sub(subtrahend);
            let (difference, borrow_b) = partial.overflowing_sub(u64::from(borrow));
            *limb = difference;
            borrow = borrow_a || borrow_b;
        }
        self.trim();
    }

    /// Divides in place by `divisor` (non-zero) and returns the remainder.
    pub(crate) fn div_rem_small(&mut self, divisor: u64) -> u64 {
        let mut remainder = 0u128;
        for limb in self.limbs.iter_mut().rev() {
            let current = (remainder << 64) | u128::from(*limb);
            *limb = (current / u128::from(divisor)) as u64;
            remainder = current % u128::from(divisor);
        }
        self.trim();
        remainder as u64
    }

    /// The decimal digits of the number ("0" for zero), appended to `out`.
    pub(crate) fn write_decimal(&self, out: &mut Vec<u8>) {
        let mut rest = self.clone();
        let mut chunks = Vec::new();
        while !rest.is_zero() {
            chunks.push(rest.div_rem_small(TEN_POW_19));
        }
        match chunks.split_last() {
            None => out.push(b'0'),
            Some((most_significant, lower)) => {
                // Writing to a Vec cannot fail.
                let _ = write!(out, "{most_significant}");
                for chunk in lower.iter().rev() {
                    let _ = write!(out, "{chunk:019}");
                }
            }
        }
    }

    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }
}

impl Ord for BigUint {
    fn cmp(&self, other: &Self) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }
}

impl PartialOrd for BigUint {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decimal(number: &BigUint) -> String {
        let mut out = Vec::new();
        number.write_decimal(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn decimal_round_trip_of_large_numbers() {
        let text = "123456789012345678901234567890123456789012345678901234567890";
        assert_eq!(
            decimal(&BigUint::from_decimal_digits(text.as_bytes())),
            text
        );
        assert_eq!(decimal(&BigUint::from_decimal_digits(b"0000")), "0");
        assert_eq!(decimal(&BigUint::from_u64(0)), "0");
    }

    #[test]
    fn powers_of_five_and_two() {
        let mut number = BigUint::from_u64(1);
        number.mul_pow5(30);
        assert_eq!(decimal(&number), "931322574615478515625");
        number.shl(70);
        // 5^30 * 2^70 = 10^30 * 2^40
        let mut expected = BigUint::from_u64(1 << 40);
        expected.mul_pow5(30);
        expected.shl(30);
        assert_eq!(number, expected);
        assert_eq!(number.bit_len(), expected.bit_len());
    }

    #[test]
    fn top_bits_report_what_was_cut() {
        let mut number = BigUint::from_u64(1);
        number.shl(200);
        assert_eq!(number.top_128_bits(), (1u128 << 127, 73, false));
        number.mul_add_small(1, 1);
        assert_eq!(number.top_128_bits(), (1u128 << 127, 73, true));
        assert_eq!(BigUint::from_u64(5).top_128_bits(), (5, 0, false));
    }

    proptest! {
        #[test]
        fn arithmetic_agrees_with_u128(a in any::<u64>(), b in any::<u64>(), shift in 0u64..63, divisor in 1u64..) {
            let wide = u128::from(a) * u128::from(b);
            let mut number = BigUint::from_u64(a);
            number.mul_add_small(b, 0);
            prop_assert_eq!(number.top_128_bits(), (wide, 0, false));
            prop_assert_eq!(number.bit_len(), u64::from(128 - wide.leading_zeros()));
            prop_assert_eq!(decimal(&number), wide.to_string());

            let shifted = BigUint::from_u64(a);
            let mut by_shift = shifted.clone();
            by_shift.shl(shift);
            prop_assert_eq!(by_shift.top_128_bits().0, u128::from(a) << shift);
            by_shift.shr1();
            prop_assert_eq!(by_shift.top_128_bits().0, (u128::from(a) << shift) >> 1);

            let mut quotient = number.clone();
            let remainder = quotient.div_rem_small(divisor);
            prop_assert_eq!(quotient.top_128_bits().0, wide / u128::from(divisor));
            prop_assert_eq!(u128::from(remainder), wide % u128::from(divisor));

            let (big, small) = if wide >= u128::from(a) { (wide, u128::from(a)) } else { (u128::from(a), wide) };
            let mut difference = BigUint::from_decimal_digits(big.to_string().as_bytes());
            difference.sub_assign(&BigUint::from_decimal_digits(small.to_string().as_bytes()));
            prop_assert_eq!(difference.top_128_bits().0, big - small);
            prop_assert_eq!(
                BigUint::from_u64(a).cmp(&BigUint::from_decimal_digits(wide.to_string().as_bytes())),
                u128::from(a).cmp(&wide)
            );
        }
    }
}
