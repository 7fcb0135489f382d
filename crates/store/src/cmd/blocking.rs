//! The blocking commands (Redis 7.0 `blockingPopGenericCommand` and friends): BLPOP BRPOP
//! BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP, and the serving of their waiters when
//! a key they wait on receives data ([`serve_ready`]).
//!
//! A command that finds data answers at once, exactly as its non-blocking form would (in its
//! own reply shape). Otherwise it registers a [`Waiter`] on every key and leaves it in
//! [`Ctx::blocked`]; the node waits for the waiter to be served or to time out.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use numeric::LongDouble;

use crate::blocking::{BlockedOp, Waiter};
use crate::error::{CmdError, CmdResult};
use crate::types::list::{self, ListRef};
use crate::types::zset::{self, ZSetRef};
use crate::{Ctx, Reply};

/// Redis `getTimeoutFromObjectOrReply` (seconds, fractions allowed): the timeout in ms, 0 for
/// none. The C cast of an out-of-range value gives LLONG_MIN, which Redis reports as
/// negative.
fn timeout_ms(arg: &[u8], now_ms: i64) -> Result<i64, CmdError> {
    if LongDouble::parse(arg).is_none() {
        return Err(CmdError::err("timeout is not a float or out of range"));
    }
    let seconds = numeric::parse_f64_strtod(arg).unwrap_or(0.0);
    let ms = seconds * 1000.0;
    if !ms.is_finite() || ms.abs() >= 9.223_372_036_854_776e18 || ms <= -1.0 {
        return Err(CmdError::err("timeout is negative"));
    }
    let ms = ms as i64;
    if ms > 0 && ms > i64::MAX - now_ms {
        return Err(CmdError::err("timeout is out of range"));
    }
    Ok(ms)
}

/// Whether `key` holds data for `op` (WRONGTYPE for a key of another type).
fn has_data(ctx: &mut Ctx<'_, '_>, key: &[u8], op: &BlockedOp) -> Result<bool, CmdError> {
    let Some(e) = ctx.write_lookup(key)? else {
        return Ok(false);
    };
    if op.wants_zset() {
        Ok(!ZSetRef::of(e)?.is_empty())
    } else {
        Ok(!ListRef::of(e)?.is_empty())
    }
}

/// Runs `op` on `key`, which holds data of the right type, and returns the reply bytes.
fn serve(
    ctx: &mut Ctx<'_, '_>,
    key: &[u8],
    op: &BlockedOp,
    proto: resp::Protocol,
) -> Result<Vec<u8>, CmdError> {
    let mut buf = BytesMut::new();
    let mut reply = Reply::new(&mut buf, proto);
    match op {
        BlockedOp::ListPop { front, count } => {
            let popped = match ctx.write_lookup(key)? {
                Some(e) => list::pop(e, count.unwrap_or(1), *front),
                None => Vec::new(),
            };
            ctx.remove_if_empty(key)?;
            ctx.modified(key)?;
            ctx.dirty(popped.len() as u64);
            log_pop(
                ctx,
                if *front { b"LPOP" } else { b"RPOP" },
                key,
                count.map(|_| popped.len()),
            );
            let _ = reply.array(2);
            let _ = reply.bulk(key);
            match count {
                None => {
                    let _ = reply.opt_bulk(popped.first().map(|v| &v[..]));
                }
                Some(_) => {
                    let _ = reply.bulk_array(popped.iter().map(|v| &v[..]));
                }
            }
        }
        BlockedOp::ListMove {
            dst,
            from_front,
            to_front,
        } => {
            if let Some(d) = ctx.write_lookup(dst)? {
                ListRef::of(d)?;
            }
            // Served only when the source has an element (`has_data`).
            let value = super::lists::pop_and_push(ctx, key, dst, *from_front, *to_front)?
                .unwrap_or_default();
            let side = |front: bool| Bytes::from_static(if front { b"LEFT" } else { b"RIGHT" });
            ctx.propagation.also(vec![
                Bytes::from_static(b"LMOVE"),
                Bytes::copy_from_slice(key),
                dst.clone(),
                side(*from_front),
                side(*to_front),
            ]);
            let _ = reply.bulk(&value);
        }
        BlockedOp::ZPop { max, count } => {
            let popped = match ctx.write_lookup(key)? {
                Some(e) => {
                    let len = ZSetRef::of(e)?.len();
                    let n = count.unwrap_or(1).min(len);
                    let mut popped = zset::remove_ranks(e, if *max { len - n..len } else { 0..n });
                    if *max {
                        popped.reverse();
                    }
                    popped
                }
                None => Vec::new(),
            };
            ctx.remove_if_empty(key)?;
            ctx.modified(key)?;
            ctx.dirty(popped.len() as u64);
            let name: &'static [u8] = if *max { b"ZPOPMAX" } else { b"ZPOPMIN" };
            log_pop(ctx, name, key, count.map(|_| popped.len()));
            match count {
                None => {
                    let _ = reply.array(3);
                    let _ = reply.bulk(key);
                    if let Some((m, s)) = popped.first() {
                        let _ = reply.bulk(m);
                        let _ = reply.double(*s);
                    }
                }
                Some(_) => {
                    let _ = reply.array(2);
                    let _ = reply.bulk(key);
                    let _ = reply.array(popped.len());
                    for (m, s) in &popped {
                        let _ = reply.array(2);
                        let _ = reply.bulk(m);
                        let _ = reply.double(*s);
                    }
                }
            }
        }
    }
    Ok(buf.to_vec())
}

/// Logs a served pop as its non-blocking form (`LPOP key [count]`, `ZPOPMIN key [count]`), as
/// Redis 7.0 propagates a served blocking command.
fn log_pop(ctx: &mut Ctx<'_, '_>, name: &'static [u8], key: &[u8], count: Option<usize>) {
    let mut logged = vec![Bytes::from_static(name), Bytes::copy_from_slice(key)];
    if let Some(n) = count {
        logged.push(Bytes::from(n.to_string()));
    }
    ctx.propagation.also(logged);
}

/// The common path: serve from the first key with data, else answer at once inside MULTI,
/// else block. The blocking command itself is never logged: only what [`serve`] did.
fn block_generic(ctx: &mut Ctx<'_, '_>, keys: &[Bytes], timeout: i64, op: BlockedOp) -> CmdResult {
    ctx.propagation.rewrite(Vec::new());
    for key in keys {
        if has_data(ctx, key, &op)? {
            let proto = ctx.reply.protocol();
            let bytes = serve(ctx, key, &op, proto)?;
            ctx.reply.buffer().extend_from_slice(&bytes);
            return Ok(ctx.reply.nothing());
        }
    }
    let Some(waker) = ctx.waker.filter(|_| ctx.may_block) else {
        // Not allowed to block (MULTI): BLMOVE answers a null bulk, the pops a null array.
        return Ok(match op {
            BlockedOp::ListMove { .. } => ctx.reply.null(),
            _ => ctx.reply.null_array(),
        });
    };
    let waiter = Arc::new(Waiter::new(
        ctx.client_id,
        keys.to_vec(),
        op,
        ctx.reply.protocol(),
        waker(),
    ));
    for key in keys {
        ctx.locked.table(key)?.block(key, &waiter);
    }
    ctx.blocked = Some((waiter, timeout));
    Ok(ctx.reply.nothing())
}

/// BLPOP key [key ...] timeout
pub fn blpop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let timeout = timeout_ms(&args[args.len() - 1], ctx.now_ms)?;
    let op = BlockedOp::ListPop {
        front: true,
        count: None,
    };
    block_generic(ctx, &args[1..args.len() - 1], timeout, op)
}

/// BRPOP key [key ...] timeout
pub fn brpop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let timeout = timeout_ms(&args[args.len() - 1], ctx.now_ms)?;
    let op = BlockedOp::ListPop {
        front: false,
        count: None,
    };
    block_generic(ctx, &args[1..args.len() - 1], timeout, op)
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
pub fn blmove(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let from_front = super::either(&args[3], "LEFT", "RIGHT")?;
    let to_front = super::either(&args[4], "LEFT", "RIGHT")?;
    let timeout = timeout_ms(&args[5], ctx.now_ms)?;
    move_generic(ctx, args, from_front, to_front, timeout)
}

/// BRPOPLPUSH source destination timeout
pub fn brpoplpush(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let timeout = timeout_ms(&args[3], ctx.now_ms)?;
    move_generic(ctx, args, false, true, timeout)
}

fn move_generic(
    ctx: &mut Ctx<'_, '_>,
    args: &[Bytes],
    from_front: bool,
    to_front: bool,
    timeout: i64,
) -> CmdResult {
    let op = BlockedOp::ListMove {
        dst: args[2].clone(),
        from_front,
        to_front,
    };
    block_generic(ctx, &args[1..2], timeout, op)
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn blmpop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    // Redis reads numkeys, the keys' side and COUNT before the timeout.
    let (keys, front, count) = super::mpop_tail(args, 2, "LEFT", "RIGHT")?;
    let timeout = timeout_ms(&args[1], ctx.now_ms)?;
    let op = BlockedOp::ListPop {
        front,
        count: Some(count),
    };
    block_generic(ctx, keys, timeout, op)
}

/// BZPOPMIN key [key ...] timeout
pub fn bzpopmin(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let timeout = timeout_ms(&args[args.len() - 1], ctx.now_ms)?;
    let op = BlockedOp::ZPop {
        max: false,
        count: None,
    };
    block_generic(ctx, &args[1..args.len() - 1], timeout, op)
}

/// BZPOPMAX key [key ...] timeout
pub fn bzpopmax(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let timeout = timeout_ms(&args[args.len() - 1], ctx.now_ms)?;
    let op = BlockedOp::ZPop {
        max: true,
        count: None,
    };
    block_generic(ctx, &args[1..args.len() - 1], timeout, op)
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
pub fn bzmpop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let (keys, min, count) = super::mpop_tail(args, 2, "MIN", "MAX")?;
    let timeout = timeout_ms(&args[1], ctx.now_ms)?;
    let op = BlockedOp::ZPop {
        max: !min,
        count: Some(count),
    };
    block_generic(ctx, keys, timeout, op)
}

/// Serves the waiters of the keys this command made ready, first come first served, while
/// the command's slots are still locked. A served BLMOVE can make its destination ready in
/// turn; its waiters are served too, at once as in Redis, when that slot is locked here.
/// Returns the (key, destination) pairs of BLMOVE waiters whose destination slot is not
/// locked here: the caller serves them with [`serve_key`] once it holds both slots.
pub fn serve_ready(ctx: &mut Ctx<'_, '_>) -> Vec<(Bytes, Bytes)> {
    let mut deferred = Vec::new();
    // Ends: a key is made ready again only by a serve creating it, which uses up a waiter.
    loop {
        let ready = ctx.locked.take_ready();
        if ready.is_empty() {
            return deferred;
        }
        for key in ready {
            if let Some(dst) = serve_key(ctx, &key) {
                deferred.push((Bytes::copy_from_slice(&key), dst));
            }
        }
    }
}

/// Serves `key`'s waiters while it has data; returns a destination that is not locked here
/// when the next waiter needs it.
pub fn serve_key(ctx: &mut Ctx<'_, '_>, key: &[u8]) -> Option<Bytes> {
    loop {
        let waiter = ctx.locked.table(key).ok()?.first_waiter(key)?;
        if let BlockedOp::ListMove { dst, .. } = &waiter.op
            && !ctx.locked.holds(dst)
        {
            return Some(dst.clone());
        }
        // A key of the wrong type, or emptied, serves nobody (the waiters keep waiting).
        if !matches!(has_data(ctx, key, &waiter.op), Ok(true)) {
            return None;
        }
        if !waiter.claim() {
            continue;
        }
        // The serve is logged as its own command (`also`); it does not make the serving
        // command a change to log (a read that serves a waiter is not itself logged).
        let own_changes = ctx.propagation.changes.get();
        let reply = match serve(ctx, key, &waiter.op, waiter.proto) {
            Ok(bytes) => bytes,
            Err(e) => {
                let mut buf = BytesMut::new();
                resp::encode::error(&mut buf, e.to_string().as_bytes());
                buf.to_vec()
            }
        };
        ctx.propagation.changes.set(own_changes);
        if let Ok(guard) = ctx.locked.table(key) {
            guard.unblock(key, &waiter);
        }
        waiter.complete(reply);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_as_redis() {
        assert_eq!(timeout_ms(b"0", 0), Ok(0));
        assert_eq!(timeout_ms(b"1.5", 0), Ok(1500));
        assert_eq!(timeout_ms(b"0.0001", 0), Ok(0));
        assert!(timeout_ms(b"-1", 0).is_err());
        assert!(timeout_ms(b"x", 0).is_err());
        assert_eq!(
            timeout_ms(b"1e400", 0),
            Err(CmdError::err("timeout is negative"))
        );
        assert_eq!(
            timeout_ms(b"inf", 0),
            Err(CmdError::err("timeout is negative"))
        );
    }
}
