//! Set commands (Redis 7.0 `t_set.c`): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
//! SRANDMEMBER SMOVE SINTER SINTERCARD SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SSCAN.

use std::collections::HashSet;

use bytes::Bytes;

use super::{int_arg, is, lookup_read};
use crate::Ctx;
use crate::entry::ValueType;
use crate::error::{CmdError, CmdResult};
use crate::types::set::{self, SetRef};

fn max_intset(ctx: &Ctx<'_, '_>) -> u64 {
    ctx.settings.set_max_intset_entries
}

/// The members of the set at `key` (empty when missing; WRONGTYPE for another type), read
/// with Redis's `lookupKeyRead` (hits, misses, access clock).
fn members_of(ctx: &mut Ctx<'_, '_>, key: &[u8]) -> Result<Option<Vec<Vec<u8>>>, CmdError> {
    match lookup_read(ctx.locked, ctx.db, key, ctx.now_ms, ctx.settings)? {
        Some(e) => Ok(Some(SetRef::of(e)?.members())),
        None => Ok(None),
    }
}

/// Adds `members` to the set at `key`, creating it; returns how many were new.
fn add_members(ctx: &mut Ctx<'_, '_>, key: &[u8], members: &[&[u8]]) -> Result<usize, CmdError> {
    let max = max_intset(ctx);
    let clock = ctx.clock();
    let added = match ctx.write_typed(key, ValueType::Set)? {
        Some(e) => set::add(e, members, max),
        None => {
            let mut e = set::new_entry(key, members[0], clock);
            let n = set::add(&mut e, members, max);
            ctx.locked.table(key)?.insert(e);
            n
        }
    };
    if added > 0 {
        ctx.modified(key)?;
        ctx.dirty(added as u64);
    }
    Ok(added)
}

pub fn sadd(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let members: Vec<&[u8]> = args[2..].iter().map(|m| &m[..]).collect();
    let added = add_members(ctx, &args[1], &members)?;
    Ok(ctx.reply.int(added as i64))
}

pub fn srem(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    super::remove_members(ctx, args, ValueType::Set, set::remove)
}

pub fn smembers(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let Some(e) = found else {
        return Ok(ctx.reply.set(0));
    };
    let s = SetRef::of(e)?;
    let w = ctx.reply.set(s.len());
    let reply = &mut ctx.reply;
    s.for_each(|m| {
        let _ = m.with_bytes(|b| reply.bulk(b));
    });
    Ok(w)
}

pub fn sismember(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let found = match lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)? {
        Some(e) => SetRef::of(e)?.contains(&args[2]),
        None => false,
    };
    Ok(ctx.reply.int(i64::from(found)))
}

pub fn smismember(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let s = match found {
        Some(e) => Some(SetRef::of(e)?),
        None => None,
    };
    let w = ctx.reply.array(args.len() - 2);
    for m in &args[2..] {
        let _ = ctx.reply.int(i64::from(s.is_some_and(|s| s.contains(m))));
    }
    Ok(w)
}

pub fn scard(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let n = match lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)? {
        Some(e) => SetRef::of(e)?.len(),
        None => 0,
    };
    Ok(ctx.reply.int(n as i64))
}

/// SPOP key [count]
pub fn spop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
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
    let Some(e) = ctx.write_typed(key, ValueType::Set)? else {
        return Ok(match count {
            Some(_) => ctx.reply.set(0),
            None => ctx.reply.null(),
        });
    };
    let len = SetRef::of(e)?.len();
    let wanted = count.unwrap_or(1).min(len);
    let mut popped = Vec::with_capacity(wanted);
    {
        use rand::Rng;
        let mut rng = rand::rng();
        for remaining in (len - wanted + 1..=len).rev() {
            let i = rng.random_range(0..remaining);
            if let Some(m) = set::remove_at(e, i) {
                popped.push(m);
            }
        }
    }
    if !popped.is_empty() {
        ctx.remove_if_empty(key)?;
        ctx.modified(key)?;
        ctx.dirty(popped.len() as u64);
        // The random picks are logged as the members removed.
        let mut logged = Vec::with_capacity(popped.len() + 2);
        logged.push(Bytes::from_static(b"SREM"));
        logged.push(key.clone());
        logged.extend(popped.iter().map(|m| Bytes::copy_from_slice(m)));
        ctx.propagation.rewrite(vec![logged]);
    }
    Ok(match count {
        Some(_) => {
            let w = ctx.reply.set(popped.len());
            for m in &popped {
                let _ = ctx.reply.bulk(m);
            }
            w
        }
        None => ctx.reply.opt_bulk(popped.first().map(|m| &m[..])),
    })
}

/// SRANDMEMBER key [count]
pub fn srandmember(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = match args.get(2) {
        Some(c) => {
            let n = int_arg(c)?;
            if n == i64::MIN {
                return Err(CmdError::err(
                    "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                ));
            }
            Some(n)
        }
        None => None,
    };
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let s = match found {
        Some(e) => Some(SetRef::of(e)?),
        None => None,
    };
    let Some(count) = count else {
        return Ok(match s.filter(|s| !s.is_empty()) {
            Some(s) => {
                use rand::Rng;
                let i = rand::rng().random_range(0..s.len());
                let reply = &mut ctx.reply;
                s.at(i).with_bytes(|b| reply.bulk(b))
            }
            None => ctx.reply.null(),
        });
    };
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return Ok(ctx.reply.array(0));
    };
    let picks = super::random_picks(s.len(), count);
    let w = ctx.reply.array(picks.len());
    for i in picks {
        let reply = &mut ctx.reply;
        let _ = s.at(i).with_bytes(|b| reply.bulk(b));
    }
    Ok(w)
}

/// SMOVE source destination member
pub fn smove(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let (src, dst, member) = (&args[1], &args[2], &args[3][..]);
    let now = ctx.now_ms;
    // Redis: a missing source answers 0 before either type is checked.
    let src_has = match ctx.locked.table(src)?.get(src, now) {
        Some(e) => SetRef::of(e).map(|s| s.contains(member)),
        None => return Ok(ctx.reply.int(0)),
    };
    let src_has = src_has?;
    if let Some(d) = ctx.locked.table(dst)?.get(dst, now) {
        SetRef::of(d)?;
    }
    if src == dst {
        return Ok(ctx.reply.int(i64::from(src_has)));
    }
    if !src_has {
        return Ok(ctx.reply.int(0));
    }
    if let Some(e) = ctx.write_typed(src, ValueType::Set)? {
        set::remove(e, &[member]);
    }
    ctx.remove_if_empty(src)?;
    ctx.modified(src)?;
    add_members(ctx, dst, &[member])?;
    ctx.modified(dst)?;
    ctx.dirty(1);
    Ok(ctx.reply.int(1))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Algebra {
    Inter,
    Union,
    Diff,
}

/// The result of SINTER/SUNION/SDIFF over `keys` (WRONGTYPE if any key holds another type,
/// checked for every key first, as Redis does).
fn compute(ctx: &mut Ctx<'_, '_>, keys: &[Bytes], op: Algebra) -> Result<Vec<Vec<u8>>, CmdError> {
    let mut sets: Vec<Option<Vec<Vec<u8>>>> = Vec::with_capacity(keys.len());
    for key in keys {
        sets.push(members_of(ctx, key)?);
    }
    Ok(match op {
        Algebra::Inter => {
            if sets.iter().any(Option::is_none) {
                return Ok(Vec::new());
            }
            let mut sets: Vec<Vec<Vec<u8>>> = sets.into_iter().flatten().collect();
            sets.sort_by_key(Vec::len);
            let mut iter = sets.into_iter();
            let first = iter.next().unwrap_or_default();
            let others: Vec<HashSet<Vec<u8>>> = iter.map(|s| s.into_iter().collect()).collect();
            first
                .into_iter()
                .filter(|m| others.iter().all(|o| o.contains(m)))
                .collect()
        }
        Algebra::Union => {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for m in sets.into_iter().flatten().flatten() {
                if seen.insert(m.clone()) {
                    out.push(m);
                }
            }
            out
        }
        Algebra::Diff => {
            let mut iter = sets.into_iter();
            let Some(Some(first)) = iter.next() else {
                return Ok(Vec::new());
            };
            let others: HashSet<Vec<u8>> = iter.flatten().flatten().collect();
            first.into_iter().filter(|m| !others.contains(m)).collect()
        }
    })
}

fn reply_members(ctx: &mut Ctx<'_, '_>, members: &[Vec<u8>]) -> CmdResult {
    let w = ctx.reply.set(members.len());
    for m in members {
        let _ = ctx.reply.bulk(m);
    }
    Ok(w)
}

pub fn sinter(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let r = compute(ctx, &args[1..], Algebra::Inter)?;
    reply_members(ctx, &r)
}

pub fn sunion(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let r = compute(ctx, &args[1..], Algebra::Union)?;
    reply_members(ctx, &r)
}

pub fn sdiff(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let r = compute(ctx, &args[1..], Algebra::Diff)?;
    reply_members(ctx, &r)
}

fn store(ctx: &mut Ctx<'_, '_>, args: &[Bytes], op: Algebra) -> CmdResult {
    let dst = &args[1];
    let r = compute(ctx, &args[2..], op)?;
    let max = max_intset(ctx);
    let clock = ctx.clock();
    let guard = ctx.locked.table(dst)?;
    let existed = guard.remove(dst).is_some();
    if !r.is_empty() {
        guard.insert(set::build(dst, &r, max, clock));
    }
    if existed || !r.is_empty() {
        ctx.modified(dst)?;
        ctx.dirty(1);
    }
    Ok(ctx.reply.int(r.len() as i64))
}

pub fn sinterstore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    store(ctx, args, Algebra::Inter)
}

pub fn sunionstore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    store(ctx, args, Algebra::Union)
}

pub fn sdiffstore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    store(ctx, args, Algebra::Diff)
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn sintercard(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let numkeys = super::count_arg(&args[1], 1, "numkeys should be greater than 0")?;
    if numkeys > args.len() - 2 {
        return Err(CmdError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let mut limit = 0usize;
    let mut j = 2 + numkeys;
    while j < args.len() {
        if is(&args[j], "LIMIT") && j + 1 < args.len() {
            limit = super::count_arg(&args[j + 1], 0, "LIMIT can't be negative")?;
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let r = compute(ctx, &args[2..2 + numkeys], Algebra::Inter)?;
    let n = if limit > 0 {
        r.len().min(limit)
    } else {
        r.len()
    };
    Ok(ctx.reply.int(n as i64))
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
pub fn sscan(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    super::scan_cursor(&args[2])?;
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let Some(e) = found else {
        return Ok(super::scan_reply(&mut ctx.reply, 0, &[]));
    };
    let s = SetRef::of(e)?;
    let (cursor, opts) = super::scan_options(&args[2..], false)?;
    let mut items = Vec::new();
    let next = match s {
        SetRef::Compact(_) => {
            s.for_each(|m| {
                let m = m.to_vec();
                if opts.matches(&m) {
                    items.push(m);
                }
            });
            0
        }
        SetRef::Large(t) => t.scan(cursor, opts.count, |m| {
            if opts.matches(m) {
                items.push(m.to_vec());
            }
        }),
    };
    Ok(super::scan_reply(&mut ctx.reply, next, &items))
}
