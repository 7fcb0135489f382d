//! Data command implementations: argument parsing, semantics and replies, as Redis 7.0 has them.
//!
//! Each handler receives the full argument vector (`args[0]` is the command name) with the
//! slots of its keys already locked (see [`crate::Ctx`]). Arity is checked by the caller from
//! the command table; option parsing and everything after is here.

pub mod bitmaps;
pub mod blocking;
pub mod dump;
pub mod hashes;
pub mod hyperloglog;
pub mod keys;
pub mod lists;
pub mod sets;
pub mod sort;
pub mod strings;
pub mod zsets;

use crate::entry::{Entry, ValueType};
use crate::error::CmdError;
use bytes::Bytes;

use crate::{Ctx, Keyspace, Locked, Reply, StoreSettings, Written, clock};

/// ASCII case-insensitive comparison of an argument with an option name.
pub fn is(arg: &[u8], name: &str) -> bool {
    arg.eq_ignore_ascii_case(name.as_bytes())
}

/// Clamps a start/end index pair (negative: from the end, as LRANGE, LTRIM and ZRANGE take
/// them) to a sequence of `len` items; None when the range is empty.
pub(crate) fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

/// SREM and ZREM: removes the members `args[2..]` from the `ty` collection at `args[1]` with
/// `remove` (which returns how many were there), deletes the key once it is empty, and replies
/// with the count.
pub(crate) fn remove_members(
    ctx: &mut Ctx<'_, '_>,
    args: &[Bytes],
    ty: ValueType,
    remove: fn(&mut Entry, &[&[u8]]) -> usize,
) -> crate::CmdResult {
    let key = &args[1];
    let members: Vec<&[u8]> = args[2..].iter().map(|m| &m[..]).collect();
    let Some(e) = ctx.write_typed(key, ty)? else {
        return Ok(ctx.reply.int(0));
    };
    let removed = remove(e, &members);
    if removed > 0 {
        ctx.remove_if_empty(key)?;
        ctx.modified(key)?;
        ctx.dirty(removed as u64);
    }
    Ok(ctx.reply.int(removed as i64))
}

/// An integer argument (Redis `getLongLongFromObjectOrReply`).
pub fn int_arg(arg: &[u8]) -> Result<i64, CmdError> {
    numeric::parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// An `int`-sized argument (Redis `getIntFromObjectOrReply`).
pub fn i32_arg(arg: &[u8]) -> Result<i32, CmdError> {
    int_arg(arg).and_then(|v| i32::try_from(v).map_err(|_| CmdError::NotInteger))
}

/// The options of SCAN, HSCAN, SSCAN and ZSCAN.
pub struct ScanOpts<'a> {
    pub count: usize,
    pub pattern: Option<&'a [u8]>,
    /// SCAN's TYPE filter.
    pub type_name: Option<&'a [u8]>,
}

impl ScanOpts<'_> {
    /// Does `item` pass the MATCH filter?
    pub fn matches(&self, item: &[u8]) -> bool {
        self.pattern
            .is_none_or(|p| glob::string_match(p, item, false))
    }
}

/// Parses `cursor [MATCH pattern] [COUNT count] [TYPE type]` (TYPE only when `with_type`),
/// as Redis `scanGenericCommand`.
pub fn scan_options(args: &[Bytes], with_type: bool) -> Result<(u64, ScanOpts<'_>), CmdError> {
    let cursor = scan_cursor(&args[0])?;
    let mut opts = ScanOpts {
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut j = 1;
    while j < args.len() {
        let has_value = j + 1 < args.len();
        if is(&args[j], "COUNT") && has_value {
            let count = int_arg(&args[j + 1])?;
            if count < 1 {
                return Err(CmdError::Syntax);
            }
            opts.count = usize::try_from(count).unwrap_or(usize::MAX);
        } else if is(&args[j], "MATCH") && has_value {
            let p = &args[j + 1][..];
            opts.pattern = (p != b"*").then_some(p);
        } else if with_type && is(&args[j], "TYPE") && has_value {
            opts.type_name = Some(&args[j + 1][..]);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 2;
    }
    Ok((cursor, opts))
}

/// A count argument of at least `min` (Redis `getRangeLongFromObjectOrReply` and
/// `getPositiveLongFromObjectOrReply` with a custom message): `message` answers a
/// non-integer too.
pub fn count_arg(arg: &[u8], min: i64, message: &str) -> Result<usize, CmdError> {
    numeric::parse_i64(arg)
        .filter(|&n| n >= min)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .ok_or_else(|| CmdError::err(message))
}

/// One of two option words (LEFT|RIGHT, MIN|MAX): true for `first`.
pub fn either(arg: &[u8], first: &str, second: &str) -> Result<bool, CmdError> {
    if is(arg, first) {
        Ok(true)
    } else if is(arg, second) {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

/// The `numkeys key [key ...] FIRST|SECOND [COUNT count]` tail of LMPOP, ZMPOP and their
/// blocking forms, `numkeys` being `args[at]`: the keys, whether the side is `first`, and the
/// count (1 without COUNT), with Redis's errors in Redis's order.
pub fn mpop_tail<'a>(
    args: &'a [Bytes],
    at: usize,
    first: &str,
    second: &str,
) -> Result<(&'a [Bytes], bool, usize), CmdError> {
    let numkeys = count_arg(&args[at], 1, "numkeys should be greater than 0")?;
    let where_at = numkeys.saturating_add(at + 1);
    if where_at >= args.len() {
        return Err(CmdError::Syntax);
    }
    let side = either(&args[where_at], first, second)?;
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        if is(&args[j], "COUNT") && j + 1 < args.len() && count.is_none() {
            count = Some(count_arg(
                &args[j + 1],
                1,
                "count should be greater than 0",
            )?);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok((&args[at + 1..where_at], side, count.unwrap_or(1)))
}

/// A SCAN cursor argument.
pub fn scan_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    numeric::parse_u64(arg).ok_or_else(|| CmdError::err("invalid cursor"))
}

/// A SCAN-family reply: the next cursor and the items.
pub fn scan_reply(reply: &mut Reply<'_>, next: u64, items: &[Vec<u8>]) -> Written {
    let w = reply.array(2);
    let _ = reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    let _ = reply.bulk_array(items.iter().map(|i| &i[..]));
    w
}

/// Positions for HRANDFIELD/SRANDMEMBER/ZRANDMEMBER with a count over `len` (> 0) items:
/// a non-negative count picks distinct items (at most all of them), a negative one picks
/// `-count` items that may repeat.
pub fn random_picks(len: usize, count: i64) -> Vec<usize> {
    use rand::Rng;
    use rand::seq::index;
    let mut rng = rand::rng();
    if count >= 0 {
        let n = usize::try_from(count).unwrap_or(usize::MAX).min(len);
        if n == len {
            let mut all: Vec<usize> = (0..len).collect();
            use rand::seq::SliceRandom;
            all.shuffle(&mut rng);
            return all;
        }
        return index::sample(&mut rng, len, n).into_vec();
    }
    let n = count.unsigned_abs();
    (0..n).map(|_| rng.random_range(0..len)).collect()
}

/// Redis `lookupKeyRead` over borrowed parts of a [`Ctx`], so the caller can keep writing to
/// `ctx.reply` while it holds the returned entry.
pub(crate) fn lookup_read<'g>(
    locked: &'g mut Locked<'_>,
    db: &Keyspace,
    key: &[u8],
    now_ms: i64,
    settings: &StoreSettings,
) -> Result<Option<&'g Entry>, CmdError> {
    let stats = db.stats();
    let guard = locked.table(key)?;
    match guard.get_mut(key, now_ms) {
        Some(e) => {
            e.set_clock(clock::touched(settings, now_ms, e.clock()));
            stats.keyspace_hits.add(1);
            Ok(Some(&*e))
        }
        None => {
            stats.keyspace_misses.add(1);
            Ok(None)
        }
    }
}

impl Ctx<'_, '_> {
    /// Looks `key` up for reading: expires it if due, updates its access clock, counts a
    /// keyspace hit or miss (Redis `lookupKeyRead`).
    pub fn read(&mut self, key: &[u8]) -> Result<Option<&Entry>, CmdError> {
        lookup_read(self.locked, self.db, key, self.now_ms, self.settings)
    }

    /// Looks `key` up for reading a string: WRONGTYPE if it holds another type.
    pub fn read_string(&mut self, key: &[u8]) -> Result<Option<&Entry>, CmdError> {
        match self.read(key)? {
            Some(e) if e.value_type() != ValueType::String => Err(CmdError::WrongType),
            other => Ok(other),
        }
    }

    /// Looks `key` up for writing (expires it if due; no hit/miss counting, as Redis).
    pub fn write_lookup(&mut self, key: &[u8]) -> Result<Option<&mut Entry>, CmdError> {
        let now = self.now_ms;
        let settings = self.settings;
        let guard = self.locked.table(key)?;
        let entry = guard.get_mut(key, now);
        if let Some(e) = entry {
            e.set_clock(clock::touched(settings, now, e.clock()));
            return Ok(Some(e));
        }
        Ok(None)
    }

    /// The live entry for `key` without touching its access clock (Redis `LOOKUP_NOTOUCH`).
    pub fn peek(&mut self, key: &[u8]) -> Result<Option<&Entry>, CmdError> {
        let now = self.now_ms;
        Ok(self.locked.table(key)?.get(key, now))
    }

    /// Does a live `key` exist (no access-clock update)?
    pub fn exists(&mut self, key: &[u8]) -> Result<bool, CmdError> {
        let now = self.now_ms;
        Ok(self.locked.table(key)?.contains(key, now))
    }

    /// Signals that the command changed `key` in place (Redis `signalModifiedKey`): clients
    /// WATCHing it fail their EXEC. Inserts, removals and expiry changes signal by themselves.
    pub fn modified(&mut self, key: &[u8]) -> Result<(), CmdError> {
        self.locked.table(key)?.touch(key);
        Ok(())
    }

    /// Looks `key` up for writing a value of type `vtype` (WRONGTYPE for another type).
    pub fn write_typed(
        &mut self,
        key: &[u8],
        vtype: ValueType,
    ) -> Result<Option<&mut Entry>, CmdError> {
        match self.write_lookup(key)? {
            Some(e) if e.value_type() != vtype => Err(CmdError::WrongType),
            other => Ok(other),
        }
    }

    /// Deletes `key` if it holds an empty collection (Redis deletes a list, set, sorted set
    /// or hash as its last element goes).
    pub fn remove_if_empty(&mut self, key: &[u8]) -> Result<(), CmdError> {
        let now = self.now_ms;
        let guard = self.locked.table(key)?;
        if guard
            .get(key, now)
            .is_some_and(crate::types::is_empty_collection)
        {
            guard.remove(key);
        }
        Ok(())
    }

    /// Records `n` changes to the dataset (Redis `server.dirty`).
    pub fn dirty(&self, n: u64) {
        self.db.stats().dirty.add(n as i64);
        self.propagation.changed(n);
    }
}
