//! BITFIELD and BITFIELD_RO: parsing the subcommand list, then running it over a string.
//!
//! Parsing is all done first, as Redis does, so that any error (in any subcommand) is
//! replied before the key is touched; then the command is either read-only (only GETs:
//! [`BitfieldRead`]) or writes ([`BitfieldWrite`]), which decides how the caller looks the
//! key up.

use crate::BitError;
use crate::args::{parse_bitfield_offset, parse_integer};

/// How SET and INCRBY handle values that do not fit the field (`OVERFLOW`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// Wrap around (the default).
    Wrap,
    /// Saturate at the minimum or maximum.
    Sat,
    /// Do nothing and reply nil.
    Fail,
}

/// A field type: `i1`..`i64` or `u1`..`u63`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldType {
    /// Signed (`i`) or unsigned (`u`).
    pub(crate) signed: bool,
    /// Width in bits.
    pub(crate) bits: u8,
}

impl FieldType {
    /// Parses a type as `getBitfieldTypeFromArgument`: a lowercase `i` or `u`, then an
    /// integer (up to a NUL byte, as Redis reads it as a C string) in range.
    pub(crate) fn parse(arg: &[u8]) -> Result<FieldType, BitError> {
        let (signed, digits) = match arg.split_first() {
            Some((b'i', digits)) => (true, digits),
            Some((b'u', digits)) => (false, digits),
            _ => return Err(BitError::BitfieldType),
        };
        let digits = digits.split(|&byte| byte == 0).next().unwrap_or_default();
        let max = if signed { 64 } else { 63 };
        match numeric::parse_i64(digits) {
            Some(bits) if (1..=max).contains(&bits) => Ok(FieldType {
                signed,
                bits: bits as u8,
            }),
            _ => Err(BitError::BitfieldType),
        }
    }
}

/// One BITFIELD subcommand, with the overflow mode in force where it appeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldOp {
    /// `GET type offset`.
    Get { ty: FieldType, offset: u64 },
    /// `SET type offset value`: replies the old value.
    Set {
        ty: FieldType,
        offset: u64,
        value: i64,
        overflow: Overflow,
    },
    /// `INCRBY type offset increment`: replies the new value.
    IncrBy {
        ty: FieldType,
        offset: u64,
        increment: i64,
        overflow: Overflow,
    },
}

/// Which command is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitfieldCommand {
    /// BITFIELD: any subcommand.
    Bitfield,
    /// BITFIELD_RO: GET only.
    BitfieldRo,
}

/// A parsed BITFIELD command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bitfield {
    /// Only GETs (or nothing): look the key up for reading; a missing key reads as zeroes.
    Read(BitfieldRead),
    /// At least one SET or INCRBY: look the key up for writing.
    Write(BitfieldWrite),
}

/// A BITFIELD made of GETs only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitfieldRead {
    gets: Vec<(FieldType, u64)>,
}

/// A BITFIELD with writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitfieldWrite {
    ops: Vec<FieldOp>,
    /// The last bit any SET or INCRBY touches.
    highest_bit: u64,
}

/// The result of running a [`BitfieldWrite`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitfieldOutcome {
    /// One reply per subcommand (OVERFLOW excluded): `None` is nil (FAIL overflow).
    pub replies: Vec<Option<i64>>,
    /// How many writes counted as changes (the string grew, or the field's value changed).
    /// When non-zero Redis signals the key modified, fires `setbit` and adds this to its
    /// change counter. The string may have grown even when this is 0 (all writes failed).
    pub changes: u64,
}

/// Parses the arguments after the key. Errors come in Redis's order: per subcommand, its
/// name and argument count (`ERR syntax error`), the OVERFLOW mode, the type, the offset,
/// the value; and only after the whole list, BITFIELD_RO's refusal of writes.
pub fn parse_bitfield<A: AsRef<[u8]>>(
    args: &[A],
    command: BitfieldCommand,
    proto_max_bulk_len: u64,
) -> Result<Bitfield, BitError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest_bit = None;
    let mut at = 0;
    while at < args.len() {
        let name = args[at].as_ref();
        let remaining = args.len() - at - 1;
        let arg = |offset: usize| args[at + offset].as_ref();
        let is = |word: &[u8]| name.eq_ignore_ascii_case(word);
        if is(b"overflow") && remaining >= 1 {
            let mode = arg(1);
            overflow = if mode.eq_ignore_ascii_case(b"wrap") {
                Overflow::Wrap
            } else if mode.eq_ignore_ascii_case(b"sat") {
                Overflow::Sat
            } else if mode.eq_ignore_ascii_case(b"fail") {
                Overflow::Fail
            } else {
                return Err(BitError::OverflowType);
            };
            at += 2;
            continue;
        }
        let is_get = is(b"get") && remaining >= 2;
        if !is_get && !((is(b"set") || is(b"incrby")) && remaining >= 3) {
            return Err(BitError::Syntax);
        }
        let ty = FieldType::parse(arg(1))?;
        let offset = parse_bitfield_offset(arg(2), ty.bits, proto_max_bulk_len)?;
        if is_get {
            ops.push(FieldOp::Get { ty, offset });
            at += 3;
            continue;
        }
        let last_bit = offset + u64::from(ty.bits) - 1;
        highest_bit = Some(highest_bit.map_or(last_bit, |highest: u64| highest.max(last_bit)));
        let number = parse_integer(arg(3))?;
        ops.push(if is(b"set") {
            FieldOp::Set {
                ty,
                offset,
                value: number,
                overflow,
            }
        } else {
            FieldOp::IncrBy {
                ty,
                offset,
                increment: number,
                overflow,
            }
        });
        at += 4;
    }
    match highest_bit {
        None => {
            let gets = ops
                .into_iter()
                .filter_map(|op| match op {
                    FieldOp::Get { ty, offset } => Some((ty, offset)),
                    FieldOp::Set { .. } | FieldOp::IncrBy { .. } => None,
                })
                .collect();
            Ok(Bitfield::Read(BitfieldRead { gets }))
        }
        Some(_) if command == BitfieldCommand::BitfieldRo => Err(BitError::ReadOnlyWrite),
        Some(highest_bit) => Ok(Bitfield::Write(BitfieldWrite { ops, highest_bit })),
    }
}

/// Reads `bits` (1..=64) bits at bit `offset`, zeroes past the end of `value`.
fn read_field(value: &[u8], offset: u64, bits: u8) -> u64 {
    let mut window = [0u8; 16];
    if let Ok(first) = usize::try_from(offset >> 3)
        && let Some(bytes) = value.get(first..)
    {
        let take = bytes.len().min(9);
        window[..take].copy_from_slice(&bytes[..take]);
    }
    let word = u128::from_be_bytes(window);
    let shift = 128 - (offset & 7) as u32 - u32::from(bits);
    ((word >> shift) as u64) & mask(bits)
}

/// Writes the low `bits` bits of `field` at bit `offset`; the string covers them.
fn write_field(value: &mut [u8], offset: u64, bits: u8, field: u64) {
    let first = (offset >> 3) as usize;
    let last = ((offset + u64::from(bits) - 1) >> 3) as usize;
    let bytes = &mut value[first..=last];
    let mut window = [0u8; 16];
    window[..bytes.len()].copy_from_slice(bytes);
    let shift = 128 - (offset & 7) as u32 - u32::from(bits);
    let field_mask = u128::from(mask(bits)) << shift;
    let word =
        (u128::from_be_bytes(window) & !field_mask) | (u128::from(field) << shift & field_mask);
    bytes.copy_from_slice(&word.to_be_bytes()[..bytes.len()]);
}

fn mask(bits: u8) -> u64 {
    if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// Sign-extends a `bits`-wide field.
fn signed(field: u64, bits: u8) -> i64 {
    let shift = 64 - u32::from(bits);
    ((field << shift) as i64) >> shift
}

fn read(value: &[u8], ty: FieldType, offset: u64) -> i64 {
    let field = read_field(value, offset, ty.bits);
    if ty.signed {
        signed(field, ty.bits)
    } else {
        field as i64
    }
}

/// `checkUnsignedBitfieldOverflow` / `checkSignedBitfieldOverflow`, ported with their
/// wrapping C arithmetic: `current + increment` if it fits, otherwise the wrapped or
/// saturated value, or `None` under FAIL. (SET passes its value with increment 0.)
///
/// The C tests compare against `max - current` computed with wrap-around, so a signed SET
/// of a value far below the minimum (say -2^63 into an i23) counts as an *overflow* and
/// saturates to the maximum. Redis does that; so do we.
fn add_checked(ty: FieldType, current: i64, increment: i64, overflow: Overflow) -> Option<i64> {
    let bits = ty.bits;
    let wrapped = || {
        let sum = (current as u64).wrapping_add(increment as u64) & mask(bits);
        if ty.signed {
            signed(sum, bits)
        } else {
            sum as i64
        }
    };
    // Some(true): overflow, Some(false): underflow.
    let (out_of_range, max, min) = if ty.signed {
        let max = (mask(bits) >> 1) as i64;
        let min = -max - 1;
        let max_increment = (max as u64).wrapping_sub(current as u64) as i64;
        let min_increment = min.wrapping_sub(current);
        let over = current > max
            || (bits != 64 && increment > max_increment)
            || (current >= 0 && increment > 0 && increment > max_increment);
        let under = current < min
            || (bits != 64 && increment < min_increment)
            || (current < 0 && increment < 0 && increment < min_increment);
        let out = if over {
            Some(true)
        } else if under {
            Some(false)
        } else {
            None
        };
        (out, max, min)
    } else {
        let value = current as u64;
        let max = mask(bits);
        let max_increment = max.wrapping_sub(value) as i64;
        let min_increment = value.wrapping_neg() as i64;
        let out = if value > max || (increment > 0 && increment > max_increment) {
            Some(true)
        } else if increment < 0 && increment < min_increment {
            Some(false)
        } else {
            None
        };
        (out, max as i64, 0)
    };
    match (out_of_range, overflow) {
        (None, _) => Some(current.wrapping_add(increment)),
        (Some(_), Overflow::Wrap) => Some(wrapped()),
        (Some(true), Overflow::Sat) => Some(max),
        (Some(false), Overflow::Sat) => Some(min),
        (Some(_), Overflow::Fail) => None,
    }
}

impl BitfieldRead {
    /// Runs the GETs over the key's value (`None` if it does not exist).
    pub fn execute(&self, value: Option<&[u8]>) -> Vec<i64> {
        let value = value.unwrap_or_default();
        self.gets
            .iter()
            .map(|&(ty, offset)| read(value, ty, offset))
            .collect()
    }
}

impl BitfieldWrite {
    /// Runs the subcommands in order over the key's value: an empty vector for a missing
    /// key (store it afterwards: Redis creates the key even if every write fails). The
    /// string first grows with zero bytes to cover every write, as in Redis.
    pub fn execute(&self, value: &mut Vec<u8>) -> BitfieldOutcome {
        let needed = usize::try_from(self.highest_bit >> 3)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let grew = value.len() < needed;
        if grew {
            value.resize(needed, 0);
        }
        let mut changes = 0;
        let mut replies = Vec::with_capacity(self.ops.len());
        for op in &self.ops {
            let (ty, offset, old, new, reply_new) = match *op {
                FieldOp::Get { ty, offset } => {
                    replies.push(Some(read(value, ty, offset)));
                    continue;
                }
                FieldOp::Set {
                    ty,
                    offset,
                    value: set,
                    overflow,
                } => {
                    let old = read(value, ty, offset);
                    (ty, offset, old, add_checked(ty, set, 0, overflow), false)
                }
                FieldOp::IncrBy {
                    ty,
                    offset,
                    increment,
                    overflow,
                } => {
                    let old = read(value, ty, offset);
                    (
                        ty,
                        offset,
                        old,
                        add_checked(ty, old, increment, overflow),
                        true,
                    )
                }
            };
            let Some(new) = new else {
                replies.push(None);
                continue;
            };
            replies.push(Some(if reply_new { new } else { old }));
            write_field(value, offset, ty.bits, new as u64);
            if grew || old != new {
                changes += 1;
            }
        }
        BitfieldOutcome { replies, changes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::DEFAULT_PROTO_MAX_BULK_LEN;
    use crate::bits::getbit;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// Model: the string as bits. A field write changes exactly its bits, and reading
        /// it back (also past the end of the string) gives the bits most significant first.
        #[test]
        fn fields_read_and_write_like_bit_strings(
            mut value in proptest::collection::vec(any::<u8>(), 10..20),
            offset in 0u64..80,
            bits in 1u8..=64,
            field in any::<u64>(),
        ) {
            let before = value.clone();
            let fits = offset + u64::from(bits) <= value.len() as u64 * 8;
            let expected_read = (0..u64::from(bits))
                .fold(0u64, |acc, at| acc << 1 | u64::from(getbit(&value, offset + at)));
            prop_assert_eq!(read_field(&value, offset, bits), expected_read);
            if fits {
                write_field(&mut value, offset, bits, field);
                prop_assert_eq!(read_field(&value, offset, bits), field & mask(bits));
                for bit in 0..before.len() as u64 * 8 {
                    if bit < offset || bit >= offset + u64::from(bits) {
                        prop_assert_eq!(getbit(&value, bit), getbit(&before, bit));
                    }
                }
            }
        }
    }

    fn parse(args: &[&str]) -> Result<Bitfield, BitError> {
        parse_bitfield(args, BitfieldCommand::Bitfield, DEFAULT_PROTO_MAX_BULK_LEN)
    }

    fn run(value: &mut Vec<u8>, args: &[&str]) -> Vec<Option<i64>> {
        match parse(args) {
            Ok(Bitfield::Write(write)) => write.execute(value).replies,
            Ok(Bitfield::Read(read)) => read.execute(Some(value)).into_iter().map(Some).collect(),
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn types() {
        assert_eq!(
            FieldType::parse(b"i64"),
            Ok(FieldType {
                signed: true,
                bits: 64
            })
        );
        assert_eq!(
            FieldType::parse(b"u63"),
            Ok(FieldType {
                signed: false,
                bits: 63
            })
        );
        assert_eq!(FieldType::parse(b"u64"), Err(BitError::BitfieldType));
        assert_eq!(FieldType::parse(b"i0"), Err(BitError::BitfieldType));
        assert_eq!(FieldType::parse(b"I8"), Err(BitError::BitfieldType));
        assert_eq!(
            FieldType::parse(b"i8\0junk"),
            Ok(FieldType {
                signed: true,
                bits: 8
            })
        );
        assert_eq!(FieldType::parse(b""), Err(BitError::BitfieldType));
    }

    #[test]
    fn parse_errors_in_order() {
        assert_eq!(parse(&["get", "i8"]), Err(BitError::Syntax));
        assert_eq!(parse(&["overflow"]), Err(BitError::Syntax));
        assert_eq!(parse(&["overflow", "wrapx"]), Err(BitError::OverflowType));
        assert_eq!(parse(&["set", "i8", "0", "x"]), Err(BitError::NotInteger));
        assert_eq!(parse(&["set", "i8", "-1", "x"]), Err(BitError::BitOffset));
        assert_eq!(
            parse(&["set", "x8", "-1", "x"]),
            Err(BitError::BitfieldType)
        );
        let ro = |args: &[&str]| parse_bitfield(args, BitfieldCommand::BitfieldRo, 1 << 29);
        assert_eq!(
            ro(&["set", "i8", "0", "1", "get", "i8"]),
            Err(BitError::Syntax)
        );
        assert_eq!(ro(&["set", "i8", "0", "1"]), Err(BitError::ReadOnlyWrite));
        assert!(matches!(ro(&["get", "u8", "#2"]), Ok(Bitfield::Read(_))));
    }

    #[test]
    fn overflow_modes() {
        let mut value = Vec::new();
        assert_eq!(
            run(
                &mut value,
                &["incrby", "u2", "100", "1", "get", "u2", "100"]
            ),
            [Some(1), Some(1)]
        );
        assert_eq!(value.len(), 13);
        assert_eq!(run(&mut value, &["incrby", "u2", "100", "4"]), [Some(1)]);
        assert_eq!(
            run(&mut value, &["overflow", "sat", "incrby", "u2", "100", "4"]),
            [Some(3)]
        );
        assert_eq!(
            run(
                &mut value,
                &["overflow", "fail", "incrby", "u2", "100", "1"]
            ),
            [None]
        );
        assert_eq!(
            run(&mut value, &["set", "i8", "0", "200", "get", "i8", "0"]),
            [Some(0), Some(-56)]
        );
        assert_eq!(
            run(&mut value, &["overflow", "sat", "set", "i8", "0", "-200"]),
            [Some(-56)]
        );
        assert_eq!(run(&mut value, &["get", "i8", "0"]), [Some(-128)]);
        let mut big = Vec::new();
        assert_eq!(
            run(
                &mut big,
                &[
                    "set",
                    "i64",
                    "0",
                    "9223372036854775807",
                    "incrby",
                    "i64",
                    "0",
                    "1"
                ]
            ),
            [Some(0), Some(i64::MIN)]
        );
        assert_eq!(
            run(&mut big, &["overflow", "sat", "incrby", "i64", "0", "-1"]),
            [Some(i64::MIN)]
        );
        assert_eq!(
            run(&mut big, &["set", "u63", "1", "-1", "get", "u63", "1"]),
            [Some(0), Some(i64::MAX)]
        );
    }
}
