//! Hash commands (Redis 7.0 `t_hash.c`): HSET HSETNX HMSET HGET HMGET HDEL HEXISTS HLEN
//! HSTRLEN HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.

use bytes::Bytes;
use listpack::{Element, IntBuf};
use numeric::LongDouble;
use rand::Rng;

use super::{int_arg, is, scan_options};
use crate::error::{CmdError, CmdResult};
use crate::types::hash::{self, HashLimits, HashRef};
use crate::{Ctx, Reply, Written};

impl Ctx<'_, '_> {
    fn hash_limits(&self) -> HashLimits {
        HashLimits {
            max_entries: self.settings.hash_max_listpack_entries,
            max_value: self.settings.hash_max_listpack_value,
        }
    }

    /// Sets fields of the hash at `key`, creating it; returns how many fields were new.
    fn hash_set(&mut self, key: &[u8], pairs: &[(&[u8], &[u8])]) -> Result<usize, CmdError> {
        let limits = self.hash_limits();
        let clock = self.clock();
        let now = self.now_ms;
        let guard = self.locked.table(key)?;
        let added = match guard.get_mut(key, now) {
            Some(e) => {
                HashRef::of(e)?;
                hash::set_fields(e, pairs, limits)
            }
            None => {
                let mut e = hash::new_entry(key, clock);
                let added = hash::set_fields(&mut e, pairs, limits);
                guard.insert(e);
                added
            }
        };
        self.modified(key)?;
        self.dirty(1);
        Ok(added)
    }
}

/// Replies with an element as a bulk string.
pub(crate) fn bulk_element(reply: &mut Reply<'_>, e: Element<'_>) -> Written {
    reply.bulk(e.as_bytes(&mut IntBuf::new()))
}

fn pairs_of(args: &[Bytes]) -> Vec<(&[u8], &[u8])> {
    args.chunks_exact(2)
        .map(|p| (&p[0][..], &p[1][..]))
        .collect()
}

/// HSET key field value [field value ...]
pub fn hset(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    if args.len() % 2 == 1 {
        return Err(CmdError::WrongArity(
            String::from_utf8_lossy(&args[0]).to_lowercase(),
        ));
    }
    let added = ctx.hash_set(&args[1], &pairs_of(&args[2..]))?;
    Ok(ctx.reply.int(added as i64))
}

/// HMSET key field value [field value ...]
pub fn hmset(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    if args.len() % 2 == 1 {
        return Err(CmdError::WrongArity(
            String::from_utf8_lossy(&args[0]).to_lowercase(),
        ));
    }
    ctx.hash_set(&args[1], &pairs_of(&args[2..]))?;
    Ok(ctx.reply.ok())
}

/// HSETNX key field value
pub fn hsetnx(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let exists = match ctx.peek(&args[1])? {
        Some(e) => HashRef::of(e)?.get(&args[2]).is_some(),
        None => false,
    };
    if exists {
        return Ok(ctx.reply.int(0));
    }
    ctx.hash_set(&args[1], &[(&args[2], &args[3])])?;
    Ok(ctx.reply.int(1))
}

/// HGET key field
pub fn hget(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let found = super::lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let Some(e) = found else {
        return Ok(ctx.reply.null());
    };
    match HashRef::of(e)?.get(&args[2]) {
        Some(v) => Ok(bulk_element(&mut ctx.reply, v)),
        None => Ok(ctx.reply.null()),
    }
}

/// Looks a key up for reading and checks that it holds a hash.
fn lookup<'c>(ctx: &'c mut Ctx<'_, '_>, key: &[u8]) -> Result<Option<HashRef<'c>>, CmdError> {
    super::lookup_read(ctx.locked, ctx.db, key, ctx.now_ms, ctx.settings)?
        .map(HashRef::of)
        .transpose()
}

/// HMGET key field [field ...]
pub fn hmget(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let found = super::lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings);
    let h = match found? {
        Some(e) => Some(HashRef::of(e)?),
        None => None,
    };
    let fields = &args[2..];
    let w = ctx.reply.array(fields.len());
    for f in fields {
        let _ = match h.and_then(|h| h.get(f)) {
            Some(v) => bulk_element(&mut ctx.reply, v),
            None => ctx.reply.null(),
        };
    }
    Ok(w)
}

/// HDEL key field [field ...]
pub fn hdel(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let now = ctx.now_ms;
    let guard = ctx.locked.table(key)?;
    let Some(e) = guard.get(key, now) else {
        return Ok(ctx.reply.int(0));
    };
    HashRef::of(e)?;
    let fields: Vec<&[u8]> = args[2..].iter().map(|f| &f[..]).collect();
    let (deleted, empty) = match guard.get_mut(key, now) {
        Some(e) => {
            let n = hash::delete_fields(e, &fields);
            (n, HashRef::of(e).is_ok_and(|h| h.is_empty()))
        }
        None => (0, false),
    };
    if empty {
        guard.remove(key);
    }
    if deleted > 0 {
        ctx.modified(key)?;
        ctx.dirty(deleted as u64);
    }
    Ok(ctx.reply.int(deleted as i64))
}

/// HLEN key
pub fn hlen(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let n = match lookup(ctx, &args[1])? {
        Some(h) => h.len(),
        None => 0,
    };
    Ok(ctx.reply.int(n as i64))
}

/// HSTRLEN key field
pub fn hstrlen(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let n = match lookup(ctx, &args[1])? {
        Some(h) => h.get(&args[2]).map_or(0, |v| v.text_len()),
        None => 0,
    };
    Ok(ctx.reply.int(n as i64))
}

/// HEXISTS key field
pub fn hexists(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let found = match lookup(ctx, &args[1])? {
        Some(h) => h.get(&args[2]).is_some(),
        None => false,
    };
    Ok(ctx.reply.int(i64::from(found)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Keys,
    Values,
    Both,
}

fn get_all(ctx: &mut Ctx<'_, '_>, key: &[u8], part: Part) -> CmdResult {
    let found = super::lookup_read(ctx.locked, ctx.db, key, ctx.now_ms, ctx.settings);
    let Some(e) = found? else {
        return Ok(if part == Part::Both {
            ctx.reply.map(0)
        } else {
            ctx.reply.array(0)
        });
    };
    let h = HashRef::of(e)?;
    let w = match part {
        Part::Both => ctx.reply.map(h.len()),
        _ => ctx.reply.array(h.len()),
    };
    let reply = &mut ctx.reply;
    h.for_each(|k, v| {
        if part != Part::Values {
            let _ = bulk_element(reply, k);
        }
        if part != Part::Keys {
            let _ = bulk_element(reply, v);
        }
    });
    Ok(w)
}

/// HKEYS key
pub fn hkeys(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    get_all(ctx, &args[1], Part::Keys)
}

/// HVALS key
pub fn hvals(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    get_all(ctx, &args[1], Part::Values)
}

/// HGETALL key
pub fn hgetall(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    get_all(ctx, &args[1], Part::Both)
}

/// The current text of `field` in the hash at `key`, for HINCRBY/HINCRBYFLOAT.
fn current_value(
    ctx: &mut Ctx<'_, '_>,
    key: &[u8],
    field: &[u8],
) -> Result<Option<Vec<u8>>, CmdError> {
    Ok(match ctx.peek(key)? {
        Some(e) => HashRef::of(e)?.get(field).map(|v| v.to_vec()),
        None => None,
    })
}

/// HINCRBY key field increment
pub fn hincrby(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let incr = int_arg(&args[3])?;
    let current = match current_value(ctx, &args[1], &args[2])? {
        Some(v) => {
            numeric::parse_i64(&v).ok_or_else(|| CmdError::err("hash value is not an integer"))?
        }
        None => 0,
    };
    let value = current.checked_add(incr).ok_or(CmdError::Overflow)?;
    let text = itoa::Buffer::new().format(value).as_bytes().to_vec();
    ctx.hash_set(&args[1], &[(&args[2], &text)])?;
    Ok(ctx.reply.int(value))
}

/// HINCRBYFLOAT key field increment
pub fn hincrbyfloat(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let incr = LongDouble::parse(&args[3]).ok_or(CmdError::NotFloat)?;
    if !incr.is_finite() {
        return Err(CmdError::err("value is NaN or Infinity"));
    }
    let current = match current_value(ctx, &args[1], &args[2])? {
        Some(v) => {
            LongDouble::parse(&v).ok_or_else(|| CmdError::err("hash value is not a float"))?
        }
        None => LongDouble::from_i64(0),
    };
    let Some(value) = current.checked_add(incr).filter(LongDouble::is_finite) else {
        return Err(CmdError::err("increment would produce NaN or Infinity"));
    };
    let text = value.to_human();
    ctx.hash_set(&args[1], &[(&args[2], &text)])?;
    // Logged as its result, as Redis 7.0 (the long double's text is platform-dependent).
    ctx.propagation.rewrite(vec![vec![
        Bytes::from_static(b"HSET"),
        args[1].clone(),
        args[2].clone(),
        Bytes::copy_from_slice(&text),
    ]]);
    Ok(ctx.reply.bulk(&text))
}

/// HRANDFIELD key [count [WITHVALUES]]
pub fn hrandfield(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let mut count = None;
    let mut with_values = false;
    if args.len() >= 3 {
        let c = int_arg(&args[2])?;
        if c == i64::MIN {
            return Err(CmdError::err(
                "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ));
        }
        if args.len() > 4 || (args.len() == 4 && !is(&args[3], "WITHVALUES")) {
            return Err(CmdError::Syntax);
        }
        with_values = args.len() == 4;
        if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&c) {
            return Err(CmdError::err("value is out of range"));
        }
        count = Some(c);
    }
    let found = super::lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings);
    let h = match found? {
        Some(e) => Some(HashRef::of(e)?),
        None => None,
    };
    let Some(count) = count else {
        return Ok(match h {
            Some(h) if !h.is_empty() => {
                let i = rand::rng().random_range(0..h.len());
                bulk_element(&mut ctx.reply, h.pair_at(i).0)
            }
            _ => ctx.reply.null(),
        });
    };
    let Some(h) = h.filter(|h| !h.is_empty()) else {
        return Ok(ctx.reply.array(0));
    };
    let picks = super::random_picks(h.len(), count);
    let resp3_pairs = with_values && ctx.reply.protocol() == resp::Protocol::Resp3;
    let w = if with_values && !resp3_pairs {
        ctx.reply.array(picks.len() * 2)
    } else {
        ctx.reply.array(picks.len())
    };
    for i in picks {
        let (k, v) = h.pair_at(i);
        if resp3_pairs {
            let _ = ctx.reply.array(2);
        }
        let _ = bulk_element(&mut ctx.reply, k);
        if with_values {
            let _ = bulk_element(&mut ctx.reply, v);
        }
    }
    Ok(w)
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
pub fn hscan(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    // Redis: the cursor, then the key and its type, then the options.
    super::scan_cursor(&args[2])?;
    let found = super::lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    match found {
        Some(e) => HashRef::of(e).map(|_| ())?,
        None => return Ok(super::scan_reply(&mut ctx.reply, 0, &[])),
    }
    let (cursor, opts) = scan_options(&args[2..], false)?;
    let found = super::lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings);
    let mut items: Vec<Vec<u8>> = Vec::new();
    let mut next = 0;
    if let Some(e) = found? {
        match HashRef::of(e)? {
            HashRef::Compact(lp) => {
                for (k, v) in lp.pairs() {
                    let k = k.to_vec();
                    if opts.matches(&k) {
                        items.push(k);
                        items.push(v.to_vec());
                    }
                }
            }
            HashRef::Large(h) => {
                next = h.scan(cursor, opts.count, |item| {
                    let (k, v) = hash::split(item);
                    if opts.matches(k) {
                        items.push(k.to_vec());
                        items.push(v.to_vec());
                    }
                });
            }
        }
    }
    Ok(super::scan_reply(&mut ctx.reply, next, &items))
}
