//! HyperLogLog commands (Redis 7.0 `hyperloglog.c`): PFADD PFCOUNT PFMERGE PFDEBUG
//! PFSELFTEST, over string values. The representation and the estimator are the
//! `hyperloglog` crate's.

use bytes::Bytes;
use hyperloglog::{HllError, PfDebugReply, RegisterUnion};

use super::bitmaps::{store_edited, string_for_write};
use crate::Ctx;
use crate::entry::ValueType;
use crate::error::{CmdError, CmdResult};

impl From<HllError> for CmdError {
    fn from(e: HllError) -> CmdError {
        CmdError::Raw(e.to_string())
    }
}

fn sparse_max(ctx: &Ctx<'_, '_>) -> usize {
    usize::try_from(ctx.settings.hll_sparse_max_bytes).unwrap_or(usize::MAX)
}

/// PFADD key [element ...]
pub fn pfadd(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let max = sparse_max(ctx);
    let elements = &args[2..];
    let updated = match string_for_write(ctx, key)? {
        Some(mut value) => {
            let updated = hyperloglog::pfadd(&mut value, elements, max)?;
            if updated {
                store_edited(ctx, key, &value, true)?;
            }
            updated
        }
        None => {
            let value = hyperloglog::pfadd_new(elements, max);
            store_edited(ctx, key, &value, true)?;
            true
        }
    };
    if updated {
        ctx.dirty(1);
    }
    Ok(ctx.reply.int(i64::from(updated)))
}

/// PFCOUNT key [key ...]
pub fn pfcount(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    if args.len() == 2 {
        let key = &args[1];
        // One key: the cached cardinality is used, or computed and written back.
        let Some(mut value) = string_for_write(ctx, key)? else {
            return Ok(ctx.reply.int(0));
        };
        let count = hyperloglog::pfcount(&mut value)?;
        if count.cache_rewritten {
            store_edited(ctx, key, &value, true)?;
            ctx.dirty(1);
        }
        return Ok(ctx.reply.int(count.reply));
    }
    let mut union = RegisterUnion::new();
    for key in &args[1..] {
        match ctx.read(key)? {
            Some(e) if e.value_type() != ValueType::String => return Err(CmdError::WrongType),
            Some(e) => union.merge(e.str_value())?,
            None => {}
        }
    }
    Ok(ctx.reply.int(union.pfcount()))
}

/// PFMERGE destkey [sourcekey ...]
pub fn pfmerge(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let dst = &args[1];
    let max = sparse_max(ctx);
    let mut union = RegisterUnion::new();
    let mut dest_value = None;
    for (i, key) in args[1..].iter().enumerate() {
        // Redis reads every key (the destination too) with lookupKeyRead first.
        let value = match ctx.read(key)? {
            Some(e) if e.value_type() != ValueType::String => return Err(CmdError::WrongType),
            Some(e) => Some(e.str_value().to_vec()),
            None => None,
        };
        if let Some(v) = &value {
            union.merge(v)?;
        }
        if i == 0 {
            dest_value = value;
        }
    }
    let mut dest = dest_value.unwrap_or_else(hyperloglog::empty_hll);
    union.pfmerge_into(&mut dest, max)?;
    store_edited(ctx, dst, &dest, true)?;
    ctx.dirty(1);
    Ok(ctx.reply.ok())
}

/// PFDEBUG subcommand key
pub fn pfdebug(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let key = &args[2];
    let mut value = string_for_write(ctx, key)?;
    let result = hyperloglog::pfdebug(&args[1], value.as_mut())?;
    if result.converted
        && let Some(v) = &value
    {
        store_edited(ctx, key, v, false)?;
        ctx.dirty(1);
    }
    Ok(match result.reply {
        PfDebugReply::Registers(regs) => {
            let w = ctx.reply.array(regs.len());
            for r in regs {
                let _ = ctx.reply.int(i64::from(r));
            }
            w
        }
        PfDebugReply::Decoded(text) => ctx.reply.bulk(text.as_bytes()),
        PfDebugReply::Encoding(e) => ctx.reply.simple(e.as_str().as_bytes()),
        PfDebugReply::Converted(converted) => ctx.reply.int(i64::from(converted)),
    })
}

/// PFSELFTEST
pub fn pfselftest(ctx: &mut Ctx<'_, '_>, _args: &[Bytes]) -> CmdResult {
    use rand::Rng;
    let seed = rand::rng().random();
    hyperloglog::pfselftest(seed, sparse_max(ctx))?;
    Ok(ctx.reply.ok())
}
