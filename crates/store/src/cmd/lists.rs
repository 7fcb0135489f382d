//! List commands (Redis 7.0 `t_list.c`) that do not block: LPUSH RPUSH LPUSHX RPUSHX LPOP
//! RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP.

use bytes::Bytes;
use listpack::Element;

use super::hashes::bulk_element;
use super::{clamp_range, int_arg, is, lookup_read};
use crate::Ctx;
use crate::entry::ValueType;
use crate::error::{CmdError, CmdResult};
use crate::types::list::{self, ListRef};

fn max_size(ctx: &Ctx<'_, '_>) -> i32 {
    ctx.settings.list_max_listpack_size
}

/// The list at `key` for reading (WRONGTYPE for another type).
fn read<'c>(ctx: &'c mut Ctx<'_, '_>, key: &[u8]) -> Result<Option<ListRef<'c>>, CmdError> {
    match lookup_read(ctx.locked, ctx.db, key, ctx.now_ms, ctx.settings)? {
        Some(e) => Ok(Some(ListRef::of(e)?)),
        None => Ok(None),
    }
}

fn push_generic(
    ctx: &mut Ctx<'_, '_>,
    args: &[Bytes],
    front: bool,
    only_existing: bool,
) -> CmdResult {
    let key = &args[1];
    let values: Vec<&[u8]> = args[2..].iter().map(|v| &v[..]).collect();
    let max = max_size(ctx);
    let clock = ctx.clock();
    let len = match ctx.write_typed(key, ValueType::List)? {
        Some(e) => list::push(e, &values, front, max),
        None if only_existing => return Ok(ctx.reply.int(0)),
        None => {
            let mut e = list::new_entry(key, clock);
            let n = list::push(&mut e, &values, front, max);
            ctx.locked.table(key)?.insert(e);
            n
        }
    };
    ctx.modified(key)?;
    ctx.dirty(values.len() as u64);
    Ok(ctx.reply.int(len as i64))
}

pub fn lpush(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, true, false)
}

pub fn rpush(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, false, false)
}

pub fn lpushx(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, true, true)
}

pub fn rpushx(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, false, true)
}

fn pop_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], front: bool) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::WrongArity(
            String::from_utf8_lossy(&args[0]).to_lowercase(),
        ));
    }
    let count = match args.get(2) {
        Some(c) => Some(super::count_arg(
            c,
            0,
            "value is out of range, must be positive",
        )?),
        None => None,
    };
    let key = &args[1];
    let Some(e) = ctx.write_typed(key, ValueType::List)? else {
        return Ok(match count {
            Some(_) => ctx.reply.null_array(),
            None => ctx.reply.null(),
        });
    };
    if count == Some(0) {
        return Ok(ctx.reply.array(0));
    }
    let popped = list::pop(e, count.unwrap_or(1), front);
    ctx.remove_if_empty(key)?;
    ctx.modified(key)?;
    ctx.dirty(popped.len() as u64);
    Ok(match count {
        Some(_) => ctx.reply.bulk_array(popped.iter().map(|v| &v[..])),
        None => ctx.reply.opt_bulk(popped.first().map(|v| &v[..])),
    })
}

pub fn lpop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    pop_generic(ctx, args, true)
}

pub fn rpop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    pop_generic(ctx, args, false)
}

pub fn llen(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let n = read(ctx, &args[1])?.map_or(0, |l| l.len());
    Ok(ctx.reply.int(n as i64))
}

/// Converts a possibly negative index to a position in a list of `len` elements.
fn position(index: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if index < 0 { len + index } else { index };
    (0..len).contains(&i).then_some(i as usize)
}

pub fn lindex(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let Some(e) = found else {
        return Ok(ctx.reply.null());
    };
    let l = ListRef::of(e)?;
    let index = int_arg(&args[2])?;
    match position(index, l.len()).and_then(|i| l.get(i)) {
        Some(v) => Ok(bulk_element(&mut ctx.reply, v)),
        None => Ok(ctx.reply.null()),
    }
}

pub fn lset(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let max = max_size(ctx);
    let Some(e) = ctx.write_typed(&args[1], ValueType::List)? else {
        return Err(CmdError::NoSuchKey);
    };
    let index = int_arg(&args[2])?;
    let len = ListRef::of(e)?.len();
    let Some(i) = position(index, len) else {
        return Err(CmdError::err("index out of range"));
    };
    let value = &args[3];
    list::edit(e, max, |q| q[i] = value[..].into());
    ctx.modified(&args[1])?;
    ctx.dirty(1);
    Ok(ctx.reply.ok())
}

pub fn lrange(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let start = int_arg(&args[2])?;
    let end = int_arg(&args[3])?;
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let Some(e) = found else {
        return Ok(ctx.reply.array(0));
    };
    let l = ListRef::of(e)?;
    let Some((s, t)) = clamp_range(start, end, l.len()) else {
        return Ok(ctx.reply.array(0));
    };
    let w = ctx.reply.array(t - s + 1);
    let reply = &mut ctx.reply;
    l.range(s, t, |v| {
        let _ = bulk_element(reply, v);
    });
    Ok(w)
}

pub fn ltrim(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let start = int_arg(&args[2])?;
    let end = int_arg(&args[3])?;
    let max = max_size(ctx);
    let key = &args[1];
    let Some(e) = ctx.write_typed(key, ValueType::List)? else {
        return Ok(ctx.reply.ok());
    };
    let len = ListRef::of(e)?.len();
    let removed = list::edit(e, max, |q| match clamp_range(start, end, len) {
        Some((s, t)) => {
            q.truncate(t + 1);
            q.drain(..s);
            len - (t + 1 - s)
        }
        None => {
            q.clear();
            len
        }
    });
    ctx.remove_if_empty(key)?;
    ctx.modified(key)?;
    ctx.dirty(removed as u64);
    Ok(ctx.reply.ok())
}

pub fn lrem(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let count = int_arg(&args[2])?;
    let max = max_size(ctx);
    let key = &args[1];
    let target = &args[3][..];
    let Some(e) = ctx.write_typed(key, ValueType::List)? else {
        return Ok(ctx.reply.int(0));
    };
    let removed = list::edit(e, max, |q| {
        let limit = if count == 0 {
            usize::MAX
        } else {
            count.unsigned_abs() as usize
        };
        let mut removed = 0;
        if count >= 0 {
            let mut i = 0;
            while i < q.len() && removed < limit {
                if &*q[i] == target {
                    q.remove(i);
                    removed += 1;
                } else {
                    i += 1;
                }
            }
        } else {
            let mut i = q.len();
            while i > 0 && removed < limit {
                i -= 1;
                if &*q[i] == target {
                    q.remove(i);
                    removed += 1;
                }
            }
        }
        removed
    });
    ctx.remove_if_empty(key)?;
    if removed > 0 {
        ctx.modified(key)?;
        ctx.dirty(removed as u64);
    }
    Ok(ctx.reply.int(removed as i64))
}

pub fn linsert(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let after = if is(&args[2], "AFTER") {
        true
    } else if is(&args[2], "BEFORE") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let max = max_size(ctx);
    let (pivot, value) = (&args[3][..], &args[4][..]);
    let Some(e) = ctx.write_typed(&args[1], ValueType::List)? else {
        return Ok(ctx.reply.int(0));
    };
    let len = list::edit(e, max, |q| {
        let Some(i) = q.iter().position(|v| &**v == pivot) else {
            return -1;
        };
        q.insert(if after { i + 1 } else { i }, value.into());
        q.len() as i64
    });
    if len > 0 {
        ctx.modified(&args[1])?;
        ctx.dirty(1);
    }
    Ok(ctx.reply.int(len))
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
pub fn lpos(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let mut rank: i64 = 1;
    let mut count: Option<usize> = None;
    let mut maxlen: usize = 0;
    let mut j = 3;
    while j < args.len() {
        let has_value = j + 1 < args.len();
        if is(&args[j], "RANK") && has_value {
            rank = int_arg(&args[j + 1])?;
            if rank == 0 {
                return Err(CmdError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if is(&args[j], "COUNT") && has_value {
            count = Some(super::count_arg(
                &args[j + 1],
                0,
                "COUNT can't be negative",
            )?);
        } else if is(&args[j], "MAXLEN") && has_value {
            maxlen = super::count_arg(&args[j + 1], 0, "MAXLEN can't be negative")?;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 2;
    }
    let target = &args[2][..];
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let Some(e) = found else {
        return Ok(match count {
            Some(_) => ctx.reply.array(0),
            None => ctx.reply.null(),
        });
    };
    let l = ListRef::of(e)?;
    let len = l.len();
    let wanted = match count {
        Some(0) => usize::MAX,
        Some(n) => n,
        None => 1,
    };
    let mut matches: Vec<i64> = Vec::new();
    // Redis negates the rank in a C long: LONG_MIN stays negative and its skip count wraps
    // to "take the first match" (from the tail).
    let mut skip = if rank == i64::MIN {
        0
    } else {
        rank.unsigned_abs() - 1
    };
    let mut scanned = 0usize;
    let mut check = |i: usize, v: Element<'_>| -> bool {
        if maxlen != 0 && scanned >= maxlen {
            return false;
        }
        scanned += 1;
        if v.eq_bytes(target) {
            if skip > 0 {
                skip -= 1;
            } else {
                matches.push(i as i64);
                if matches.len() >= wanted {
                    return false;
                }
            }
        }
        true
    };
    if rank > 0 {
        let mut i = 0;
        let mut go = true;
        l.for_each(|v| {
            if go {
                go = check(i, v);
            }
            i += 1;
        });
    } else {
        let mut i = len;
        l.for_each_rev(|v| {
            i -= 1;
            check(i, v)
        });
    }
    Ok(match count {
        Some(_) => {
            let w = ctx.reply.array(matches.len());
            for m in matches {
                let _ = ctx.reply.int(m);
            }
            w
        }
        None => match matches.first() {
            Some(&m) => ctx.reply.int(m),
            None => ctx.reply.null(),
        },
    })
}

fn move_generic(
    ctx: &mut Ctx<'_, '_>,
    src: &[u8],
    dst: &[u8],
    from_left: bool,
    to_left: bool,
) -> CmdResult {
    let now = ctx.now_ms;
    let src_len = match ctx.locked.table(src)?.get(src, now) {
        Some(e) => ListRef::of(e)?.len(),
        None => return Ok(ctx.reply.null()),
    };
    if src_len == 0 {
        return Ok(ctx.reply.null());
    }
    if let Some(d) = ctx.locked.table(dst)?.get(dst, now) {
        ListRef::of(d)?;
    }
    match pop_and_push(ctx, src, dst, from_left, to_left)? {
        Some(value) => Ok(ctx.reply.bulk(&value)),
        None => Ok(ctx.reply.null()),
    }
}

/// The move of LMOVE, RPOPLPUSH and their blocking forms, once both keys' types are
/// checked: pops an element of `src` and pushes it onto `dst` (created if missing). The
/// source is deleted only once the element is pushed, as in Redis: a list moving into
/// itself keeps its last element and its TTL. None when `src` has nothing to pop.
pub(super) fn pop_and_push(
    ctx: &mut Ctx<'_, '_>,
    src: &[u8],
    dst: &[u8],
    from_left: bool,
    to_left: bool,
) -> Result<Option<Vec<u8>>, CmdError> {
    let max = max_size(ctx);
    let clock = ctx.clock();
    let Some(e) = ctx.write_typed(src, ValueType::List)? else {
        return Ok(None);
    };
    let Some(value) = list::pop(e, 1, from_left).pop() else {
        return Ok(None);
    };
    if src != dst {
        ctx.remove_if_empty(src)?;
    }
    match ctx.write_typed(dst, ValueType::List)? {
        Some(d) => {
            list::push(d, &[&value], to_left, max);
        }
        None => {
            let mut d = list::new_entry(dst, clock);
            list::push(&mut d, &[&value], to_left, max);
            ctx.locked.table(dst)?.insert(d);
        }
    }
    ctx.modified(src)?;
    ctx.modified(dst)?;
    ctx.dirty(1);
    Ok(Some(value))
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
pub fn lmove(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let from_left = super::either(&args[3], "LEFT", "RIGHT")?;
    let to_left = super::either(&args[4], "LEFT", "RIGHT")?;
    move_generic(ctx, &args[1], &args[2], from_left, to_left)
}

/// RPOPLPUSH source destination
pub fn rpoplpush(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    move_generic(ctx, &args[1], &args[2], false, true)
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn lmpop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let (keys, front, count) = super::mpop_tail(args, 1, "LEFT", "RIGHT")?;
    let now = ctx.now_ms;
    for key in keys {
        let len = match ctx.locked.table(key)?.get(key, now) {
            Some(e) => ListRef::of(e)?.len(),
            None => 0,
        };
        if len == 0 {
            continue;
        }
        let Some(e) = ctx.write_typed(key, ValueType::List)? else {
            continue;
        };
        let popped = list::pop(e, count, front);
        ctx.remove_if_empty(key)?;
        ctx.modified(key)?;
        ctx.dirty(popped.len() as u64);
        let w = ctx.reply.array(2);
        let _ = ctx.reply.bulk(key);
        let _ = ctx.reply.bulk_array(popped.iter().map(|v| &v[..]));
        return Ok(w);
    }
    Ok(ctx.reply.null_array())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_clamp_like_redis() {
        assert_eq!(clamp_range(0, -1, 3), Some((0, 2)));
        assert_eq!(clamp_range(-100, 100, 3), Some((0, 2)));
        assert_eq!(clamp_range(2, 1, 3), None);
        assert_eq!(clamp_range(3, 5, 3), None);
        assert_eq!(clamp_range(-1, -1, 3), Some((2, 2)));
        assert_eq!(position(-1, 3), Some(2));
        assert_eq!(position(3, 3), None);
        assert_eq!(position(i64::MIN, 3), None);
    }
}
