//! Generic key commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY MOVE SWAPDB TOUCH, the
//! EXPIRE family, TTL family, PERSIST, KEYS SCAN RANDOMKEY DBSIZE FLUSHDB FLUSHALL, OBJECT
//! (Redis 7.0 `db.c`, `expire.c`, `object.c`).
//!
//! KEYS, SCAN, RANDOMKEY, FLUSHDB and FLUSHALL walk the keyspace one slot lock at a time; MOVE
//! and COPY lock what they need themselves, in (database, slot) order.

use bytes::Bytes;
use rand::Rng;
use slot_map::{SLOT_COUNT, Slot};

use super::{i32_arg, int_arg, is};
use crate::entry::Entry;
use crate::error::{CmdError, CmdResult};
use crate::keyspace::Keyspace;
use crate::{Ctx, Locked};

/// DEL and UNLINK (memory is freed inline either way: an entry is one allocation).
pub fn del(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let now = ctx.now_ms;
    let mut deleted = 0;
    for key in &args[1..] {
        let guard = ctx.locked.table(key)?;
        guard.expire_if_needed(key, now);
        if guard.remove(key).is_some() {
            deleted += 1;
        }
    }
    ctx.dirty(deleted);
    Ok(ctx.reply.int(deleted as i64))
}

/// EXISTS counts every argument, repeated keys included.
pub fn exists(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let mut n = 0;
    for key in &args[1..] {
        if ctx.exists(key)? {
            n += 1;
        }
    }
    Ok(ctx.reply.int(n))
}

/// TOUCH: counts existing keys and updates their access clock.
pub fn touch(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let mut n = 0;
    for key in &args[1..] {
        if ctx.read(key)?.is_some() {
            n += 1;
        }
    }
    Ok(ctx.reply.int(n))
}

pub fn type_(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let name = match ctx.peek(&args[1])? {
        Some(e) => e.value_type().name(),
        None => "none",
    };
    Ok(ctx.reply.simple(name.as_bytes()))
}

fn rename_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], nx: bool) -> Result<bool, CmdError> {
    let (src, dst) = (&args[1], &args[2]);
    let now = ctx.now_ms;
    let (expire_at, exists) = match ctx.locked.table(src)?.get(src, now) {
        Some(e) => (e.expire_at(), true),
        None => (None, false),
    };
    if !exists {
        return Err(CmdError::NoSuchKey);
    }
    if src == dst {
        return Ok(!nx);
    }
    if ctx.exists(dst)? {
        if nx {
            return Ok(false);
        }
        ctx.locked.table(dst)?.remove(dst);
    }
    let Some(entry) = ctx.locked.table(src)?.remove(src) else {
        return Err(CmdError::NoSuchKey);
    };
    ctx.locked
        .table(dst)?
        .insert(entry.into_key(dst, expire_at));
    ctx.dirty(1);
    Ok(true)
}

pub fn rename(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    rename_generic(ctx, args, false)?;
    Ok(ctx.reply.ok())
}

pub fn renamenx(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let done = rename_generic(ctx, args, true)?;
    Ok(ctx.reply.int(i64::from(done)))
}

/// The database a DB option names (Redis `selectDb` bounds).
fn database(ctx: &Ctx<'_, '_>, arg: &[u8]) -> Result<(usize, std::sync::Arc<Keyspace>), CmdError> {
    let id = i32_arg(arg)?;
    usize::try_from(id)
        .ok()
        .and_then(|i| ctx.dbs.get(i).map(|db| (i, db)))
        .ok_or(CmdError::DbIndexOutOfRange)
}

/// COPY source destination [DB destination-db] [REPLACE]. Locks its own slots.
pub fn copy(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let (src, dst) = (&args[1], &args[2]);
    let mut replace = false;
    let mut target: Option<(usize, std::sync::Arc<Keyspace>)> = None;
    let mut j = 3;
    while j < args.len() {
        if is(&args[j], "REPLACE") {
            replace = true;
        } else if is(&args[j], "DB") && j + 1 < args.len() {
            target = Some(database(ctx, &args[j + 1])?);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let dst_index = target.as_ref().map_or(ctx.db_index, |(i, _)| *i);
    if ctx.settings.cluster_enabled && (ctx.db_index != 0 || dst_index != 0) {
        return Err(CmdError::err(
            "Copying to another database is not allowed in cluster mode",
        ));
    }
    if dst_index == ctx.db_index && src == dst {
        return Err(CmdError::SameObject);
    }
    let now = ctx.now_ms;
    let copied = if dst_index == ctx.db_index {
        let mut locked = ctx.db.lock_keys([&src[..], &dst[..]]);
        copy_locked(&mut locked, &mut None, src, dst, replace, now)?
    } else {
        let Some((_, dst_db)) = target else {
            return Err(CmdError::DbIndexOutOfRange);
        };
        // Lock in (database index, slot) order so two cross-database copies cannot deadlock.
        let (mut src_locked, mut dst_locked);
        if ctx.db_index < dst_index {
            src_locked = ctx.db.lock_keys([&src[..]]);
            dst_locked = Some(dst_db.lock_keys([&dst[..]]));
        } else {
            dst_locked = Some(dst_db.lock_keys([&dst[..]]));
            src_locked = ctx.db.lock_keys([&src[..]]);
        }
        copy_locked(&mut src_locked, &mut dst_locked, src, dst, replace, now)?
    };
    if copied {
        ctx.dirty(1);
    }
    Ok(ctx.reply.int(i64::from(copied)))
}

fn copy_locked<'l>(
    src_locked: &mut Locked<'l>,
    dst_locked: &mut Option<Locked<'l>>,
    src: &[u8],
    dst: &[u8],
    replace: bool,
    now: i64,
) -> Result<bool, CmdError> {
    let copy = match src_locked.table(src)?.get(src, now) {
        Some(e) => e.duplicate(dst, e.expire_at()),
        None => return Ok(false),
    };
    let dst_table = match dst_locked {
        Some(l) => l.table(dst)?,
        None => src_locked.table(dst)?,
    };
    if dst_table.contains(dst, now) && !replace {
        return Ok(false);
    }
    dst_table.insert(copy);
    Ok(true)
}

/// MOVE key db (standalone only). Locks its own slots.
pub fn move_(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    if ctx.settings.cluster_enabled {
        return Err(CmdError::err("MOVE is not allowed in cluster mode"));
    }
    let key = &args[1];
    let (dst_index, dst_db) = database(ctx, &args[2])?;
    if dst_index == ctx.db_index {
        return Err(CmdError::SameObject);
    }
    let now = ctx.now_ms;
    let (mut src_l, mut dst_l);
    if ctx.db_index < dst_index {
        src_l = ctx.db.lock_keys([&key[..]]);
        dst_l = dst_db.lock_keys([&key[..]]);
    } else {
        dst_l = dst_db.lock_keys([&key[..]]);
        src_l = ctx.db.lock_keys([&key[..]]);
    }
    let src_t = src_l.table(key)?;
    if !src_t.contains(key, now) {
        return Ok(ctx.reply.int(0));
    }
    let dst_t = dst_l.table(key)?;
    if dst_t.contains(key, now) {
        return Ok(ctx.reply.int(0));
    }
    let Some(entry) = src_t.remove(key) else {
        return Ok(ctx.reply.int(0));
    };
    dst_t.insert(entry);
    ctx.dirty(1);
    Ok(ctx.reply.int(1))
}

pub fn swapdb(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    if ctx.settings.cluster_enabled {
        return Err(CmdError::err("SWAPDB is not allowed in cluster mode"));
    }
    let a = i32_arg(&args[1]).map_err(|_| CmdError::err("invalid first DB index"))?;
    let b = i32_arg(&args[2]).map_err(|_| CmdError::err("invalid second DB index"))?;
    let (Ok(a), Ok(b)) = (usize::try_from(a), usize::try_from(b)) else {
        return Err(CmdError::DbIndexOutOfRange);
    };
    // Redis swaps (and signals) nothing when both indexes are the same.
    if a != b
        && let (Some(x), Some(y)) = (ctx.dbs.get(a), ctx.dbs.get(b))
    {
        x.signal_watchers_on_swap(&y);
        y.signal_watchers_on_swap(&x);
    }
    if !ctx.dbs.swap(a, b) {
        return Err(CmdError::DbIndexOutOfRange);
    }
    ctx.dirty(1);
    Ok(ctx.reply.ok())
}

#[derive(Clone, Copy)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Redis `parseExtendedExpireArgumentsOrReply`.
fn expire_flags(args: &[Bytes]) -> Result<ExpireFlags, CmdError> {
    let mut f = ExpireFlags {
        nx: false,
        xx: false,
        gt: false,
        lt: false,
    };
    for opt in args {
        if is(opt, "NX") {
            f.nx = true;
        } else if is(opt, "XX") {
            f.xx = true;
        } else if is(opt, "GT") {
            f.gt = true;
        } else if is(opt, "LT") {
            f.lt = true;
        } else {
            return Err(CmdError::err(format!(
                "Unsupported option {}",
                String::from_utf8_lossy(opt)
            )));
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(CmdError::err(
            "NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if f.gt && f.lt {
        return Err(CmdError::err(
            "GT and LT options at the same time are not compatible",
        ));
    }
    Ok(f)
}

/// Redis `expireGenericCommand`.
fn expire_generic(
    ctx: &mut Ctx<'_, '_>,
    args: &[Bytes],
    base: i64,
    seconds: bool,
    cmd: &'static str,
) -> CmdResult {
    let flags = expire_flags(&args[3..])?;
    let mut when = int_arg(&args[2])?;
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return Err(CmdError::InvalidExpireTime(cmd));
        }
        when *= 1000;
    }
    if when > i64::MAX - base {
        return Err(CmdError::InvalidExpireTime(cmd));
    }
    when += base;
    let key = &args[1];
    let now = ctx.now_ms;
    let expired = ctx.already_expired(when);
    let guard = ctx.locked.table(key)?;
    let current = match guard.get(key, now) {
        Some(e) => e.expire_at(),
        None => return Ok(ctx.reply.int(0)),
    };
    let refused = (flags.nx && current.is_some())
        || (flags.xx && current.is_none())
        || (flags.gt && current.is_none_or(|c| when <= c))
        || (flags.lt && current.is_some_and(|c| when >= c));
    if refused {
        return Ok(ctx.reply.int(0));
    }
    // Logged as its effect: a deletion, or an absolute time in ms (flags kept, as Redis).
    if expired {
        guard.remove(key);
        ctx.propagation
            .rewrite(vec![vec![Bytes::from_static(b"DEL"), args[1].clone()]]);
    } else {
        guard.set_expire(key, Some(when));
        let mut logged = vec![
            Bytes::from_static(b"PEXPIREAT"),
            args[1].clone(),
            Bytes::from(when.to_string()),
        ];
        logged.extend(args[3..].iter().cloned());
        ctx.propagation.rewrite(vec![logged]);
    }
    ctx.dirty(1);
    Ok(ctx.reply.int(1))
}

pub fn expire(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let now = ctx.now_ms;
    expire_generic(ctx, args, now, true, "expire")
}

pub fn pexpire(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let now = ctx.now_ms;
    expire_generic(ctx, args, now, false, "pexpire")
}

pub fn expireat(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, 0, true, "expireat")
}

pub fn pexpireat(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, 0, false, "pexpireat")
}

/// Redis `ttlGenericCommand`.
fn ttl_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], millis: bool, absolute: bool) -> CmdResult {
    let now = ctx.now_ms;
    let expire_at = match ctx.peek(&args[1])? {
        None => return Ok(ctx.reply.int(-2)),
        Some(e) => e.expire_at(),
    };
    let Some(at) = expire_at else {
        return Ok(ctx.reply.int(-1));
    };
    let ttl = if absolute { at } else { (at - now).max(0) };
    // Rounded to the nearest second as Redis's `(ttl+500)/1000`, without overflowing
    // for `PXAT 9223372036854775807` (Redis replies 9223372036854776).
    let seconds = ttl / 1000 + (ttl % 1000 + 500) / 1000;
    Ok(ctx.reply.int(if millis { ttl } else { seconds }))
}

pub fn ttl(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, false, false)
}

pub fn pttl(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, true, false)
}

pub fn expiretime(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, false, true)
}

pub fn pexpiretime(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, true, true)
}

pub fn persist(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let now = ctx.now_ms;
    let guard = ctx.locked.table(key)?;
    let had = guard.get(key, now).and_then(Entry::expire_at).is_some();
    if had {
        guard.set_expire(key, None);
        ctx.dirty(1);
    }
    Ok(ctx.reply.int(i64::from(had)))
}

/// Does `entry` pass KEYS/SCAN filters?
fn matches(entry: &Entry, pattern: Option<&[u8]>, type_name: Option<&[u8]>) -> bool {
    pattern.is_none_or(|p| glob::string_match(p, entry.key(), false))
        && type_name.is_none_or(|t| t.eq_ignore_ascii_case(entry.value_type().name().as_bytes()))
}

pub fn keys(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let pattern = &args[1][..];
    let pattern = (pattern != b"*").then_some(pattern);
    let now = ctx.now_ms;
    let mut found: Vec<Vec<u8>> = Vec::new();
    for slot in 0..SLOT_COUNT as Slot {
        let guard = ctx.db.lock_slot(slot);
        found.extend(
            guard
                .table()
                .iter()
                .filter(|e| !e.is_expired(now) && matches(e, pattern, None))
                .map(|e| e.key().to_vec()),
        );
    }
    Ok(ctx.reply.bulk_array(found.iter().map(Vec::as_slice)))
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
///
/// The cursor is the next slot to visit: a call returns whole slots until it has at least
/// COUNT keys, so every key present for the whole iteration is returned exactly once.
pub fn scan(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let (cursor, opts) = super::scan_options(&args[1..], true)?;
    let count = i64::try_from(opts.count).unwrap_or(i64::MAX);
    let (pattern, type_name) = (opts.pattern, opts.type_name);
    let now = ctx.now_ms;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut slot = usize::try_from(cursor).unwrap_or(SLOT_COUNT);
    let mut examined = 0usize;
    while slot < SLOT_COUNT && (found.len() as i64) < count {
        let mut guard = ctx.db.lock_slot(slot as Slot);
        examined += guard.table().len();
        let mut expired: Vec<Vec<u8>> = Vec::new();
        for e in guard.table().iter() {
            // As Redis's scanGenericCommand: the pattern filters first, so an expired key
            // is deleted only if it matches the pattern (whatever TYPE asks for).
            if !matches(e, pattern, None) {
                continue;
            }
            if e.is_expired(now) {
                expired.push(e.key().to_vec());
            } else if matches(e, None, type_name) {
                found.push(e.key().to_vec());
            }
        }
        for key in expired {
            guard.expire_if_needed(&key, now);
        }
        slot += 1;
        // Bound the work of one call when MATCH/TYPE filter out most keys, as Redis's
        // maxiterations does; empty slots cost next to nothing and are not counted, so a
        // small keyspace is scanned in one call.
        if examined >= (count as usize).saturating_mul(10) {
            break;
        }
    }
    let next = if slot >= SLOT_COUNT { 0 } else { slot };
    let w = ctx.reply.array(2);
    let _ = ctx.reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    let _ = ctx.reply.bulk_array(found.iter().map(Vec::as_slice));
    Ok(w)
}

pub fn randomkey(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let _ = args;
    let now = ctx.now_ms;
    let mut rng = rand::rng();
    // Try a bounded number of times: a keyspace of only expired keys answers nil (Redis
    // gives up after 100 tries in that case too).
    for _ in 0..100 {
        if ctx.db.is_empty() {
            break;
        }
        let start = rng.random_range(0..SLOT_COUNT);
        for i in 0..SLOT_COUNT {
            let slot = ((start + i) % SLOT_COUNT) as Slot;
            let mut guard = ctx.db.lock_slot(slot);
            let len = guard.table().len();
            if len == 0 {
                continue;
            }
            let pick = rng.random_range(0..len);
            let Some(key) = guard.table().iter().nth(pick).map(|e| e.key().to_vec()) else {
                continue;
            };
            if guard.expire_if_needed(&key, now) {
                break;
            }
            return Ok(ctx.reply.bulk(&key));
        }
    }
    Ok(ctx.reply.null())
}

pub fn dbsize(ctx: &mut Ctx<'_, '_>, _args: &[Bytes]) -> CmdResult {
    Ok(ctx.reply.int(ctx.db.len() as i64))
}

/// FLUSHDB/FLUSHALL's only option: ASYNC or SYNC (both free inline here).
/// FLUSHDB/FLUSHALL's optional ASYNC|SYNC argument.
pub fn flush_option(args: &[Bytes]) -> Result<(), CmdError> {
    match args.len() {
        1 => Ok(()),
        2 if is(&args[1], "ASYNC") || is(&args[1], "SYNC") => Ok(()),
        _ => Err(CmdError::Syntax),
    }
}

/// Deletes every key of `db`, slot by slot; returns how many there were.
pub fn flush_keyspace(db: &Keyspace) -> u64 {
    let mut n = 0;
    for slot in 0..SLOT_COUNT as Slot {
        n += db.lock_slot(slot).clear() as u64;
    }
    n
}

pub fn flushdb(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    flush_option(args)?;
    let n = flush_keyspace(ctx.db);
    ctx.dirty(n.max(1));
    Ok(ctx.reply.ok())
}

/// OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key (the caller routes HELP and arity).
pub fn object(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let sub = &args[1];
    let key = &args[2];
    let now = ctx.now_ms;
    let settings = *ctx.settings;
    let lfu = settings.lfu;
    let Some(e) = ctx.locked.table(key)?.get(key, now) else {
        return Ok(ctx.reply.null());
    };
    if is(sub, "ENCODING") {
        let name = crate::types::encoding_name(e);
        Ok(ctx.reply.bulk(name.as_bytes()))
    } else if is(sub, "REFCOUNT") {
        Ok(ctx.reply.int(if e.is_shared_integer() {
            i32::MAX.into()
        } else {
            1
        }))
    } else if is(sub, "IDLETIME") {
        if lfu {
            return Err(CmdError::err(
                "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
            ));
        }
        let idle = crate::clock::idle_seconds(now, e.clock());
        Ok(ctx.reply.int(i64::from(idle)))
    } else {
        if !lfu {
            return Err(CmdError::err(
                "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
            ));
        }
        let freq = crate::clock::frequency(&settings, now, e.clock());
        Ok(ctx.reply.int(i64::from(freq)))
    }
}
