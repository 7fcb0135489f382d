//! BITCOUNT and BITPOS: counting and searching bits over a byte or bit range, with Redis
//! 7.0's argument order, negative indices and edge rules.

use crate::BitError;
use crate::args::{Unit, parse_integer, parse_unit};

/// The number of set bits (`redisPopcount`), a word at a time.
pub fn popcount(bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    let mut count: u64 = 0;
    for word in &mut words {
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        count += u64::from(u64::from_ne_bytes(array).count_ones());
    }
    count
        + words
            .remainder()
            .iter()
            .map(|byte| u64::from(byte.count_ones()))
            .sum::<u64>()
}

/// `redisBitpos`: the position of the first bit equal to `bit`, counting from the most
/// significant bit of the first byte. If none: -1 when looking for 1; when looking for 0,
/// `8 * len`, as if the bytes were followed by zeroes.
fn first_bit(bytes: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0x00 } else { 0xff };
    let skip_word = if bit { 0 } else { u64::MAX };
    let mut start = 0;
    for word in bytes.chunks_exact(8) {
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        if u64::from_ne_bytes(array) != skip_word {
            break;
        }
        start += 8;
    }
    for (index, &byte) in bytes[start..].iter().enumerate() {
        if byte != skip {
            let within = if bit {
                byte.leading_zeros()
            } else {
                byte.leading_ones()
            };
            return ((start + index) as i64) * 8 + i64::from(within);
        }
    }
    if bit { -1 } else { bytes.len() as i64 * 8 }
}

/// Start and end resolved to byte positions, with the masks of the out-of-range bits of the
/// first and last bytes when the range was given in bits.
struct ByteRange {
    start: i64,
    end: i64,
    first_byte_outside: u8,
    last_byte_outside: u8,
}

/// Converts negative indices (counted from the end, in the given unit), clamps to the
/// string, and for BIT ranges turns bits into bytes plus edge masks.
fn resolve(len: usize, start: i64, end: i64, unit: Unit) -> ByteRange {
    let mut total = len as i64;
    if unit == Unit::Bit {
        total <<= 3;
    }
    let mut start = if start < 0 { total + start } else { start };
    let mut end = if end < 0 { total + end } else { end };
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    let mut range = ByteRange {
        start,
        end,
        first_byte_outside: 0,
        last_byte_outside: 0,
    };
    if unit == Unit::Bit && start <= end {
        range.first_byte_outside = !(((1u16 << (8 - (start & 7))) - 1) as u8);
        range.last_byte_outside = ((1u16 << (7 - (end & 7))) - 1) as u8;
        range.start = start >> 3;
        range.end = end >> 3;
    }
    range
}

/// BITCOUNT: the `value` of the key (`None` if it does not exist) and the arguments after
/// the key: nothing, `start end`, or `start end BYTE|BIT`.
///
/// Redis 7.0 looks the key up before it reads the arguments, so a missing key replies 0
/// whatever follows (7.2 changed that); and `start` and `end` both negative with
/// `start > end` replies 0 before the unit is checked.
pub fn bitcount<A: AsRef<[u8]>>(value: Option<&[u8]>, args: &[A]) -> Result<i64, BitError> {
    let Some(value) = value else {
        return Ok(0);
    };
    let range = match args {
        [] => ByteRange {
            start: 0,
            end: value.len() as i64 - 1,
            first_byte_outside: 0,
            last_byte_outside: 0,
        },
        [start, end, unit @ ..] if unit.len() <= 1 => {
            let start = parse_integer(start.as_ref())?;
            let end = parse_integer(end.as_ref())?;
            if start < 0 && end < 0 && start > end {
                return Ok(0);
            }
            let unit = match unit {
                [unit] => parse_unit(unit.as_ref())?,
                _ => Unit::Byte,
            };
            resolve(value.len(), start, end, unit)
        }
        _ => return Err(BitError::Syntax),
    };
    if range.start > range.end {
        return Ok(0);
    }
    // start <= end < len, both >= 0.
    let (start, end) = (range.start as usize, range.end as usize);
    let mut count = popcount(&value[start..=end]);
    count -= u64::from((value[start] & range.first_byte_outside).count_ones());
    count -= u64::from((value[end] & range.last_byte_outside).count_ones());
    Ok(count as i64)
}

/// BITPOS's bit argument: an integer, 0 or 1 (checked before the key is looked up).
pub fn parse_bitpos_bit(arg: &[u8]) -> Result<bool, BitError> {
    match parse_integer(arg)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(BitError::BitArgument),
    }
}

/// BITPOS: the `value` of the key (`None` if it does not exist), the bit from
/// [`parse_bitpos_bit`], and the arguments after it: nothing, `start`, `start end` or
/// `start end BYTE|BIT`.
///
/// A missing key replies 0 when looking for 0 and -1 for 1, before the range is read. An
/// empty range replies -1. Looking for 0 without an explicit end, the string is taken as
/// followed by zeroes, so a string of all ones replies its length in bits; with an end, -1.
pub fn bitpos<A: AsRef<[u8]>>(
    value: Option<&[u8]>,
    bit: bool,
    args: &[A],
) -> Result<i64, BitError> {
    let Some(value) = value else {
        return Ok(if bit { -1 } else { 0 });
    };
    let mut end_given = false;
    let range = match args {
        [] => ByteRange {
            start: 0,
            end: value.len() as i64 - 1,
            first_byte_outside: 0,
            last_byte_outside: 0,
        },
        [start, rest @ ..] if rest.len() <= 2 => {
            let start = parse_integer(start.as_ref())?;
            let unit = match rest {
                [_, unit] => parse_unit(unit.as_ref())?,
                _ => Unit::Byte,
            };
            let end = match rest {
                [end, ..] => {
                    end_given = true;
                    parse_integer(end.as_ref())?
                }
                [] => value.len() as i64 - 1,
            };
            resolve(value.len(), start, end, unit)
        }
        _ => return Err(BitError::Syntax),
    };
    if range.start > range.end {
        return Ok(-1);
    }
    let (mut start, end) = (range.start as usize, range.end as usize);
    let mut bytes = end - start + 1;
    let (first_outside, last_outside) = (range.first_byte_outside, range.last_byte_outside);
    // Bits outside the range are made to never match: forced to the opposite of `bit`.
    let hide = |byte: u8, outside: u8| if bit { byte & !outside } else { byte | outside };
    let position = 'search: {
        if first_outside != 0 {
            let mut byte = hide(value[start], first_outside);
            if last_outside != 0 && bytes == 1 {
                byte = hide(byte, last_outside);
            }
            let position = first_bit(&[byte], bit);
            if bytes == 1 || (position != -1 && position != 8) {
                break 'search position;
            }
            start += 1;
            bytes -= 1;
        }
        let whole = bytes - usize::from(last_outside != 0);
        if whole > 0 {
            let position = first_bit(&value[start..start + whole], bit);
            if bytes == whole || (position != -1 && position != whole as i64 * 8) {
                break 'search position;
            }
            start += whole;
            bytes -= whole;
        }
        first_bit(&[hide(value[end], last_outside)], bit)
    };
    if end_given && !bit && position == bytes as i64 * 8 {
        return Ok(-1);
    }
    Ok(if position == -1 {
        -1
    } else {
        position + start as i64 * 8
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NO_ARGS: [&[u8]; 0] = [];

    #[test]
    fn bitcount_ranges() {
        let value = b"foobar";
        assert_eq!(bitcount(Some(value), &NO_ARGS), Ok(26));
        assert_eq!(bitcount(Some(value), &["0", "0"]), Ok(4));
        assert_eq!(bitcount(Some(value), &["1", "1"]), Ok(6));
        assert_eq!(bitcount(Some(value), &["1", "1", "BYTE"]), Ok(6));
        assert_eq!(bitcount(Some(value), &["5", "30", "BIT"]), Ok(17));
        assert_eq!(bitcount(Some(value), &["-2", "-1"]), Ok(7));
        assert_eq!(bitcount(Some(value), &["-1", "-2", "nonsense"]), Ok(0));
        assert_eq!(
            bitcount(Some(value), &["0", "1", "nonsense"]),
            Err(BitError::Syntax)
        );
        assert_eq!(bitcount(Some(value), &["0"]), Err(BitError::Syntax));
        assert_eq!(
            bitcount(Some(value), &["a", "1"]),
            Err(BitError::NotInteger)
        );
        assert_eq!(bitcount(None, &["0"]), Ok(0));
        assert_eq!(bitcount(Some(b""), &["0", "-1"]), Ok(0));
    }

    #[test]
    fn bitpos_rules() {
        let ones = [0xffu8, 0xf0, 0x00];
        assert_eq!(bitpos(Some(&ones), false, &NO_ARGS), Ok(12));
        assert_eq!(bitpos(Some(&[0xff, 0xff]), false, &NO_ARGS), Ok(16));
        assert_eq!(bitpos(Some(&[0xff, 0xff]), false, &["0"]), Ok(16));
        assert_eq!(bitpos(Some(&[0xff, 0xff]), false, &["0", "-1"]), Ok(-1));
        assert_eq!(bitpos(Some(&[0x00, 0x00]), true, &NO_ARGS), Ok(-1));
        assert_eq!(bitpos(Some(&ones), true, &["2"]), Ok(-1));
        assert_eq!(bitpos(Some(&ones), true, &["7", "15", "BIT"]), Ok(7));
        assert_eq!(bitpos(Some(&ones), false, &["7", "15", "BIT"]), Ok(12));
        assert_eq!(bitpos(Some(&ones), false, &["0", "7", "bit"]), Ok(-1));
        assert_eq!(bitpos(None, false, &["x"]), Ok(0));
        assert_eq!(bitpos(None, true, &NO_ARGS), Ok(-1));
        assert_eq!(bitpos(Some(&ones), true, &["1", "0"]), Ok(-1));
        assert_eq!(
            bitpos(Some(&ones), true, &["0", "1", "2", "3"]),
            Err(BitError::Syntax)
        );
        assert_eq!(parse_bitpos_bit(b"2"), Err(BitError::BitArgument));
        assert_eq!(parse_bitpos_bit(b"x"), Err(BitError::NotInteger));
    }

    /// Model: the bits as a vector of booleans.
    fn model_bits(value: &[u8]) -> Vec<bool> {
        (0..value.len() * 8)
            .map(|bit| value[bit / 8] & (0x80 >> (bit % 8)) != 0)
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn bit_ranges_match_a_model(
            value in proptest::collection::vec(prop_oneof![Just(0u8), Just(0xff), any::<u8>()], 0..40),
            start in -400i64..400,
            end in -400i64..400,
            bit in any::<bool>(),
        ) {
            let bits = model_bits(&value);
            let total = bits.len() as i64;
            let clamp = |index: i64| (if index < 0 { total + index } else { index }).max(0);
            let (from, to) = (clamp(start), clamp(end).min(total - 1));
            let (start_arg, end_arg) = (start.to_string(), end.to_string());
            let args = [start_arg.as_str(), end_arg.as_str(), "BIT"];
            let expected_count = if start < 0 && end < 0 && start > end || from > to {
                0
            } else {
                bits[from as usize..=to as usize].iter().filter(|&&b| b).count() as i64
            };
            prop_assert_eq!(bitcount(Some(&value), &args), Ok(expected_count));
            let expected_pos = if from > to {
                -1
            } else {
                bits[from as usize..=to as usize]
                    .iter()
                    .position(|&b| b == bit)
                    .map_or(-1, |at| at as i64 + from)
            };
            prop_assert_eq!(bitpos(Some(&value), bit, &args), Ok(expected_pos));
        }

        #[test]
        fn popcount_and_first_bit_match_a_model(value in proptest::collection::vec(any::<u8>(), 0..80)) {
            let bits = model_bits(&value);
            prop_assert_eq!(popcount(&value), bits.iter().filter(|&&b| b).count() as u64);
            let first_one = bits.iter().position(|&b| b).map_or(-1, |at| at as i64);
            prop_assert_eq!(first_bit(&value, true), first_one);
            let first_zero = bits.iter().position(|&b| !b).map_or(bits.len() as i64, |at| at as i64);
            prop_assert_eq!(first_bit(&value, false), first_zero);
        }
    }
}
