//! Bit commands (Redis 7.0 `bitops.c`): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
//! BITFIELD_RO, over string values. The bit arithmetic is the `bitmap` crate's; this module
//! looks keys up and stores results in Redis's order.

use bitmap::{BitError, BitOp, Bitfield, BitfieldCommand};
use bytes::Bytes;

use crate::Ctx;
use crate::error::{CmdError, CmdResult};

impl From<BitError> for CmdError {
    fn from(e: BitError) -> CmdError {
        CmdError::Raw(e.to_string())
    }
}

/// The string at `key` for a command that will write it (WRONGTYPE for another type).
pub(crate) fn string_for_write(
    ctx: &mut Ctx<'_, '_>,
    key: &[u8],
) -> Result<Option<Vec<u8>>, CmdError> {
    match ctx.write_lookup(key)? {
        Some(e) if e.value_type() != crate::entry::ValueType::String => Err(CmdError::WrongType),
        Some(e) => Ok(Some(e.str_value().to_vec())),
        None => Ok(None),
    }
}

/// Stores `value` at `key` as a raw string edited in place (the TTL of an existing key is
/// kept), signalling the change when `signal`.
pub(crate) fn store_edited(
    ctx: &mut Ctx<'_, '_>,
    key: &[u8],
    value: &[u8],
    signal: bool,
) -> Result<(), CmdError> {
    let encoding = crate::entry::StrEncoding::for_modified_value();
    match ctx.write_lookup(key)? {
        Some(e) => e.replace_str(&[value], encoding),
        None => {
            let clock = ctx.clock();
            ctx.locked
                .table(key)?
                .insert(crate::entry::Entry::new_string(crate::entry::StringSpec {
                    key,
                    value,
                    encoding,
                    expire_at: None,
                    clock,
                }));
        }
    }
    if signal {
        ctx.modified(key)?;
    }
    Ok(())
}

fn max_bulk(ctx: &Ctx<'_, '_>) -> u64 {
    ctx.settings.proto_max_bulk_len
}

/// SETBIT key offset value
pub fn setbit(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let offset = bitmap::parse_bit_offset(&args[2], max_bulk(ctx))?;
    let on = bitmap::parse_bit_value(&args[3])?;
    let key = &args[1];
    let mut value = string_for_write(ctx, key)?.unwrap_or_default();
    let outcome = bitmap::setbit(&mut value, offset, on);
    // Redis unshares the string (it becomes `raw`) even when no bit changes.
    store_edited(ctx, key, &value, outcome.modified)?;
    if outcome.modified {
        ctx.dirty(1);
    }
    Ok(ctx.reply.int(i64::from(outcome.previous)))
}

/// GETBIT key offset
pub fn getbit(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let offset = bitmap::parse_bit_offset(&args[2], max_bulk(ctx))?;
    let bit = match ctx.read_string(&args[1])? {
        Some(e) => bitmap::getbit(e.str_value(), offset),
        None => false,
    };
    Ok(ctx.reply.int(i64::from(bit)))
}

/// BITCOUNT key [start end [BYTE|BIT]]
pub fn bitcount(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let n = {
        let value = ctx.read_string(&args[1])?.map(|e| e.str_value());
        bitmap::bitcount(value, &args[2..])?
    };
    Ok(ctx.reply.int(n))
}

/// BITPOS key bit [start [end [BYTE|BIT]]]
pub fn bitpos(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let bit = bitmap::parse_bitpos_bit(&args[2])?;
    let n = {
        let value = ctx.read_string(&args[1])?.map(|e| e.str_value());
        bitmap::bitpos(value, bit, &args[3..])?
    };
    Ok(ctx.reply.int(n))
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]
pub fn bitop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let op = BitOp::parse(&args[1], args.len() - 3)?;
    let mut sources: Vec<Vec<u8>> = Vec::with_capacity(args.len() - 3);
    for key in &args[3..] {
        // Redis reads the sources with lookupKeyRead: a missing key is an empty string.
        let value = match ctx.read(key)? {
            Some(e) if e.value_type() != crate::entry::ValueType::String => {
                return Err(CmdError::WrongType);
            }
            Some(e) => e.str_value().to_vec(),
            None => Vec::new(),
        };
        sources.push(value);
    }
    let result = bitmap::bitop(op, &sources);
    let dst = &args[2];
    if result.is_empty() {
        if ctx.locked.table(dst)?.remove(dst).is_some() {
            ctx.dirty(1);
        }
    } else {
        let clock = ctx.clock();
        ctx.locked
            .table(dst)?
            .insert(crate::entry::Entry::new_string(crate::entry::StringSpec {
                key: dst,
                value: &result,
                encoding: crate::entry::StrEncoding::for_modified_value(),
                expire_at: None,
                clock,
            }));
        ctx.dirty(1);
    }
    Ok(ctx.reply.int(result.len() as i64))
}

fn bitfield_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], command: BitfieldCommand) -> CmdResult {
    let parsed = bitmap::parse_bitfield(&args[2..], command, max_bulk(ctx))?;
    let key = &args[1];
    match parsed {
        Bitfield::Read(read) => {
            let replies = {
                let value = ctx.read_string(key)?.map(|e| e.str_value());
                read.execute(value)
            };
            let w = ctx.reply.array(replies.len());
            for r in replies {
                let _ = ctx.reply.int(r);
            }
            Ok(w)
        }
        Bitfield::Write(write) => {
            let mut value = string_for_write(ctx, key)?.unwrap_or_default();
            let outcome = write.execute(&mut value);
            // Redis creates (and grows) the string before running the writes, changes or not.
            store_edited(ctx, key, &value, outcome.changes > 0)?;
            if outcome.changes > 0 {
                ctx.dirty(outcome.changes);
            }
            let w = ctx.reply.array(outcome.replies.len());
            for r in outcome.replies {
                let _ = match r {
                    Some(v) => ctx.reply.int(v),
                    None => ctx.reply.null(),
                };
            }
            Ok(w)
        }
    }
}

/// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
/// [OVERFLOW WRAP|SAT|FAIL] ...
pub fn bitfield(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    bitfield_generic(ctx, args, BitfieldCommand::Bitfield)
}

/// BITFIELD_RO key [GET type offset] ...
pub fn bitfield_ro(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    bitfield_generic(ctx, args, BitfieldCommand::BitfieldRo)
}
