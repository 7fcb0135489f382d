//! Argument parsing shared by the bit commands: bit offsets (with BITFIELD's `#N` form and
//! the `proto-max-bulk-len` limit), SETBIT's bit value, integers, and the BYTE|BIT unit.

use crate::BitError;

/// Redis's default `proto-max-bulk-len` (512 MB): the largest string a bit offset may grow.
pub const DEFAULT_PROTO_MAX_BULK_LEN: u64 = 512 * 1024 * 1024;

/// `getLongLongFromObjectOrReply` with the default message.
pub(crate) fn parse_integer(arg: &[u8]) -> Result<i64, BitError> {
    numeric::parse_i64(arg).ok_or(BitError::NotInteger)
}

/// The bit offset of GETBIT and SETBIT (`getBitOffsetFromArgument` without `#`): a
/// non-negative integer whose byte (`offset / 8`) is below `proto_max_bulk_len`. Redis does
/// not apply the limit to its master link or to AOF loading; pass `u64::MAX` there.
pub fn parse_bit_offset(arg: &[u8], proto_max_bulk_len: u64) -> Result<u64, BitError> {
    offset_from(numeric::parse_i64(arg), proto_max_bulk_len)
}

/// A BITFIELD offset: `N`, or `#N` meaning `N * bits` (multiplied as Redis's C does, wrapping
/// on overflow), then the same checks as [`parse_bit_offset`].
pub(crate) fn parse_bitfield_offset(
    arg: &[u8],
    bits: u8,
    proto_max_bulk_len: u64,
) -> Result<u64, BitError> {
    let offset = match arg.split_first() {
        Some((b'#', multiple)) => {
            numeric::parse_i64(multiple).map(|multiple| multiple.wrapping_mul(i64::from(bits)))
        }
        _ => numeric::parse_i64(arg),
    };
    offset_from(offset, proto_max_bulk_len)
}

fn offset_from(offset: Option<i64>, proto_max_bulk_len: u64) -> Result<u64, BitError> {
    match offset.map(u64::try_from) {
        Some(Ok(offset)) if (offset >> 3) < proto_max_bulk_len => Ok(offset),
        _ => Err(BitError::BitOffset),
    }
}

/// SETBIT's value: exactly 0 or 1, otherwise "bit is not an integer or out of range".
pub fn parse_bit_value(arg: &[u8]) -> Result<bool, BitError> {
    match numeric::parse_i64(arg) {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => Err(BitError::BitValue),
    }
}

/// The unit of BITCOUNT's and BITPOS's range: BYTE (default) or BIT, any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Byte,
    Bit,
}

pub(crate) fn parse_unit(arg: &[u8]) -> Result<Unit, BitError> {
    if arg.eq_ignore_ascii_case(b"bit") {
        Ok(Unit::Bit)
    } else if arg.eq_ignore_ascii_case(b"byte") {
        Ok(Unit::Byte)
    } else {
        Err(BitError::Syntax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_stop_at_the_bulk_limit() {
        let limit = DEFAULT_PROTO_MAX_BULK_LEN;
        assert_eq!(parse_bit_offset(b"4294967295", limit), Ok(4_294_967_295));
        assert_eq!(
            parse_bit_offset(b"4294967296", limit),
            Err(BitError::BitOffset)
        );
        assert_eq!(parse_bit_offset(b"-1", limit), Err(BitError::BitOffset));
        assert_eq!(parse_bit_offset(b"#1", limit), Err(BitError::BitOffset));
        assert_eq!(parse_bit_offset(b" 1", limit), Err(BitError::BitOffset));
        assert_eq!(parse_bit_offset(b"4294967296", u64::MAX), Ok(4_294_967_296));
        assert_eq!(parse_bitfield_offset(b"#3", 16, limit), Ok(48));
        assert_eq!(
            parse_bitfield_offset(b"#-1", 8, limit),
            Err(BitError::BitOffset)
        );
        // 2^62 * 4 wraps to 0 in Redis's C arithmetic.
        assert_eq!(
            parse_bitfield_offset(b"#4611686018427387904", 4, limit),
            Ok(0)
        );
    }

    #[test]
    fn bit_values_are_zero_or_one() {
        assert_eq!(parse_bit_value(b"1"), Ok(true));
        assert_eq!(parse_bit_value(b"0"), Ok(false));
        assert_eq!(parse_bit_value(b"2"), Err(BitError::BitValue));
        assert_eq!(parse_bit_value(b"-1"), Err(BitError::BitValue));
        assert_eq!(parse_bit_value(b"x"), Err(BitError::BitValue));
    }
}
