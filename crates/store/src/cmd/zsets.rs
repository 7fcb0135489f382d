//! Sorted set commands (Redis 7.0 `t_zset.c`) that do not block: ZADD ZINCRBY ZREM ZSCORE
//! ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK, the ZRANGE family (ZRANGE ZRANGESTORE
//! ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX), ZREMRANGEBYRANK
//! ZREMRANGEBYSCORE ZREMRANGEBYLEX, ZPOPMIN ZPOPMAX ZMPOP, ZRANDMEMBER, ZUNION ZINTER ZDIFF
//! and their STORE forms, ZINTERCARD, ZSCAN. Checks come in Redis's order.

use std::collections::HashMap;
use std::ops::Range;

use bytes::Bytes;
use resp::Protocol;
use sorted_set::{InsertOutcome, LexRange, ScoreBound, ScoreRange};

use super::{clamp_range, int_arg, is, lookup_read};
use crate::entry::{Entry, ValueType};
use crate::error::{CmdError, CmdResult};
use crate::types::set::SetRef;
use crate::types::zset::{self, ZSetLimits, ZSetRef};
use crate::{Ctx, Reply, Written};

/// Members with their scores.
type Scored = Vec<(Vec<u8>, f64)>;

fn limits(ctx: &Ctx<'_, '_>) -> ZSetLimits {
    ZSetLimits {
        max_entries: ctx.settings.zset_max_listpack_entries,
        max_value: ctx.settings.zset_max_listpack_value,
    }
}

fn not_float() -> CmdError {
    CmdError::err("min or max is not a float")
}

/// One end of a score range (`zslParseRange`): `(x` excludes, otherwise `x` includes; C
/// `strtod` over the rest; NaN refused.
fn score_bound(arg: &[u8]) -> Result<ScoreBound, CmdError> {
    match arg.split_first() {
        Some((b'(', rest)) => numeric::parse_f64_strtod(rest)
            .map(ScoreBound::Excluded)
            .ok_or_else(not_float),
        _ => numeric::parse_f64_strtod(arg)
            .map(ScoreBound::Included)
            .ok_or_else(not_float),
    }
}

fn score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    Ok(ScoreRange {
        min: score_bound(min)?,
        max: score_bound(max)?,
    })
}

fn lex_range<'a>(min: &'a [u8], max: &'a [u8]) -> Result<LexRange<'a>, CmdError> {
    LexRange::parse(min, max).ok_or_else(|| CmdError::err("min or max not valid string range item"))
}

/// How (member, score) pairs are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pairs {
    /// Members only.
    Members,
    /// member, score, member, score... (RESP2 WITHSCORES).
    Flat,
    /// [member, score] arrays (RESP3 WITHSCORES, ZMPOP).
    Nested,
}

impl Pairs {
    fn with_scores(reply: &Reply<'_>, withscores: bool) -> Pairs {
        match (withscores, reply.protocol()) {
            (false, _) => Pairs::Members,
            (true, Protocol::Resp3) => Pairs::Nested,
            (true, _) => Pairs::Flat,
        }
    }

    fn header(self, reply: &mut Reply<'_>, n: usize) -> Written {
        match self {
            Pairs::Flat => reply.array(2 * n),
            _ => reply.array(n),
        }
    }

    fn item(self, reply: &mut Reply<'_>, member: &[u8], score: f64) {
        match self {
            Pairs::Members => {
                let _ = reply.bulk(member);
            }
            Pairs::Flat => {
                let _ = reply.bulk(member);
                let _ = reply.double(score);
            }
            Pairs::Nested => {
                let _ = reply.array(2);
                let _ = reply.bulk(member);
                let _ = reply.double(score);
            }
        }
    }
}

// ---- ZADD / ZINCRBY -------------------------------------------------------------------------

#[derive(Default, Clone, Copy)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

fn zadd_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], mut flags: AddFlags) -> CmdResult {
    let key = &args[1];
    let mut idx = 2;
    while idx < args.len() {
        let a = &args[idx];
        if is(a, "NX") {
            flags.nx = true;
        } else if is(a, "XX") {
            flags.xx = true;
        } else if is(a, "GT") {
            flags.gt = true;
        } else if is(a, "LT") {
            flags.lt = true;
        } else if is(a, "CH") {
            flags.ch = true;
        } else if is(a, "INCR") {
            flags.incr = true;
        } else {
            break;
        }
        idx += 1;
    }
    let rest = &args[idx..];
    if rest.is_empty() || rest.len() % 2 == 1 {
        return Err(CmdError::Syntax);
    }
    if flags.nx && flags.xx {
        return Err(CmdError::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(CmdError::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    let elements = rest.len() / 2;
    if flags.incr && elements > 1 {
        return Err(CmdError::err(
            "INCR option supports a single increment-element pair",
        ));
    }
    let mut scores = Vec::with_capacity(elements);
    for pair in rest.chunks_exact(2) {
        scores.push(numeric::parse_f64(&pair[0]).ok_or(CmdError::NotFloat)?);
    }
    let limits = limits(ctx);
    let clock = ctx.clock();
    let exists = match ctx.write_typed(key, ValueType::ZSet)? {
        Some(_) => true,
        None if flags.xx => {
            return Ok(if flags.incr {
                ctx.reply.null()
            } else {
                ctx.reply.int(0)
            });
        }
        None => false,
    };
    if !exists {
        // Redis 7.0 sizes a new sorted set by its first member alone (a listpack unless that
        // member is too long or listpacks are disabled) and converts while adding: members
        // added before the conversion pass through the listpack, where a -0 score becomes 0.
        let first_member_len = rest[1].len();
        let e = zset::new_entry(key, 1, first_member_len, limits, clock);
        ctx.locked.table(key)?.insert(e);
    }
    let (mut added, mut updated, mut processed) = (0u64, 0u64, 0u64);
    let mut new_score = 0.0;
    for (pair, &score) in rest.chunks_exact(2).zip(&scores) {
        let member = &pair[1][..];
        let Some(e) = ctx.write_typed(key, ValueType::ZSet)? else {
            break;
        };
        let current = ZSetRef::of(e)?.score(member);
        let target = match current {
            Some(cur) => {
                if flags.nx {
                    continue;
                }
                let mut score = score;
                if flags.incr {
                    score += cur;
                    if score.is_nan() {
                        if added + updated > 0 {
                            ctx.modified(key)?;
                            ctx.dirty(added + updated);
                        }
                        return Err(CmdError::err("resulting score is not a number (NaN)"));
                    }
                }
                if (flags.lt && score >= cur) || (flags.gt && score <= cur) {
                    continue;
                }
                score
            }
            None => {
                if flags.xx {
                    continue;
                }
                score
            }
        };
        processed += 1;
        new_score = target;
        match zset::set_score(e, member, target, limits) {
            InsertOutcome::Added => added += 1,
            InsertOutcome::Updated { .. } => updated += 1,
            InsertOutcome::Unchanged { .. } => {}
        }
    }
    if added + updated > 0 {
        ctx.modified(key)?;
        ctx.dirty(added + updated);
    }
    if flags.incr {
        return Ok(if processed > 0 {
            ctx.reply.double(new_score)
        } else {
            ctx.reply.null()
        });
    }
    Ok(ctx
        .reply
        .int((if flags.ch { added + updated } else { added }) as i64))
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
pub fn zadd(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, args, AddFlags::default())
}

/// ZINCRBY key increment member
pub fn zincrby(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let rewritten = [
        args[0].clone(),
        args[1].clone(),
        args[2].clone(),
        args[3].clone(),
    ];
    zadd_generic(
        ctx,
        &rewritten,
        AddFlags {
            incr: true,
            ..AddFlags::default()
        },
    )
}

// ---- Point reads and removals ---------------------------------------------------------------

pub fn zrem(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    super::remove_members(ctx, args, ValueType::ZSet, zset::remove)
}

pub fn zscore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let score = match lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)? {
        Some(e) => ZSetRef::of(e)?.score(&args[2]),
        None => None,
    };
    Ok(match score {
        Some(s) => ctx.reply.double(s),
        None => ctx.reply.null(),
    })
}

pub fn zmscore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let z = match found {
        Some(e) => Some(ZSetRef::of(e)?),
        None => None,
    };
    let w = ctx.reply.array(args.len() - 2);
    for m in &args[2..] {
        let _ = match z.as_ref().and_then(|z| z.score(m)) {
            Some(s) => ctx.reply.double(s),
            None => ctx.reply.null(),
        };
    }
    Ok(w)
}

pub fn zcard(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let n = match lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)? {
        Some(e) => ZSetRef::of(e)?.len(),
        None => 0,
    };
    Ok(ctx.reply.int(n as i64))
}

pub fn zcount(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let range = score_range(&args[2], &args[3])?;
    let n = match lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)? {
        Some(e) => ZSetRef::of(e)?.score_ranks(&range).len(),
        None => 0,
    };
    Ok(ctx.reply.int(n as i64))
}

pub fn zlexcount(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let range = lex_range(&args[2], &args[3])?;
    let n = match lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)? {
        Some(e) => ZSetRef::of(e)?.lex_ranks(&range).len(),
        None => 0,
    };
    Ok(ctx.reply.int(n as i64))
}

fn rank_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], rev: bool) -> CmdResult {
    let rank = match lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)? {
        Some(e) => {
            let z = ZSetRef::of(e)?;
            z.rank(&args[2])
                .map(|r| if rev { z.len() - 1 - r } else { r })
        }
        None => None,
    };
    Ok(match rank {
        Some(r) => ctx.reply.int(r as i64),
        None => ctx.reply.null(),
    })
}

pub fn zrank(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    rank_generic(ctx, args, false)
}

pub fn zrevrank(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    rank_generic(ctx, args, true)
}

// ---- The ZRANGE family ----------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Applies LIMIT offset count to ascending `ranks` walked forward or reversed: the ranks
/// actually emitted, still ascending.
fn apply_limit(ranks: Range<usize>, rev: bool, offset: i64, limit: i64) -> Range<usize> {
    let len = ranks.len();
    // Redis skips `offset` elements with `while (offset--)`: a negative offset skips all.
    let skip = if offset < 0 {
        len
    } else {
        usize::try_from(offset).unwrap_or(usize::MAX).min(len)
    };
    let take = if limit < 0 {
        len - skip
    } else {
        usize::try_from(limit).unwrap_or(usize::MAX).min(len - skip)
    };
    if rev {
        ranks.end - skip - take..ranks.end - skip
    } else {
        ranks.start + skip..ranks.start + skip + take
    }
}

/// Redis's `zrangeGenericCommand`: `key_at` is where the source key is (2 for ZRANGESTORE),
/// `rangetype`/`rev` the command's fixed choices (Auto/None: keywords decide).
fn zrange_generic(
    ctx: &mut Ctx<'_, '_>,
    args: &[Bytes],
    key_at: usize,
    store: bool,
    fixed_type: RangeType,
    fixed_rev: Option<bool>,
) -> CmdResult {
    let mut withscores = false;
    let mut offset: i64 = 0;
    let mut limit: i64 = -1;
    let mut rev = fixed_rev;
    let mut rangetype = fixed_type;
    let mut j = key_at + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = &args[j];
        if !store && is(a, "WITHSCORES") {
            withscores = true;
        } else if is(a, "LIMIT") && left >= 2 {
            offset = int_arg(&args[j + 1])?;
            limit = int_arg(&args[j + 2])?;
            j += 2;
        } else if rev.is_none() && is(a, "REV") {
            rev = Some(true);
        } else if rangetype == RangeType::Auto && is(a, "BYLEX") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && is(a, "BYSCORE") {
            rangetype = RangeType::Score;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let rev = rev.unwrap_or(false);
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if limit != -1 && rangetype == RangeType::Rank {
        return Err(CmdError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && rangetype == RangeType::Lex {
        return Err(CmdError::err(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut min_at, mut max_at) = (key_at + 1, key_at + 2);
    if rev && rangetype != RangeType::Rank {
        std::mem::swap(&mut min_at, &mut max_at);
    }
    enum Spec<'a> {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange<'a>),
    }
    let spec = match rangetype {
        RangeType::Score => Spec::Score(score_range(&args[min_at], &args[max_at])?),
        RangeType::Lex => Spec::Lex(lex_range(&args[min_at], &args[max_at])?),
        _ => Spec::Rank(int_arg(&args[min_at])?, int_arg(&args[max_at])?),
    };
    let src = &args[key_at];
    let found = lookup_read(ctx.locked, ctx.db, src, ctx.now_ms, ctx.settings)?;
    let z = match found {
        Some(e) => Some(ZSetRef::of(e)?),
        None => None,
    };
    let ranks = match (&z, &spec) {
        (None, _) => 0..0,
        (Some(z), Spec::Rank(start, end)) => match clamp_range(*start, *end, z.len()) {
            // Reverse rank ranges count from the top.
            Some((s, e)) if rev => z.len() - 1 - e..z.len() - s,
            Some((s, e)) => s..e + 1,
            None => 0..0,
        },
        (Some(z), Spec::Score(range)) => {
            if offset > 0 && offset as u64 >= z.len() as u64 {
                0..0
            } else {
                apply_limit(z.score_ranks(range), rev, offset, limit)
            }
        }
        (Some(z), Spec::Lex(range)) => {
            if offset > 0 && offset as u64 >= z.len() as u64 {
                0..0
            } else {
                apply_limit(z.lex_ranks(range), rev, offset, limit)
            }
        }
    };
    if store {
        let items: Vec<(Vec<u8>, f64)> = match &z {
            Some(z) => {
                let mut out = Vec::with_capacity(ranks.len());
                z.visit(ranks.clone(), rev, |m, s| out.push((m.to_vec(), s)));
                out
            }
            None => Vec::new(),
        };
        return store_result(ctx, &args[1], items);
    }
    let mode = Pairs::with_scores(&ctx.reply, withscores);
    let Some(z) = z else {
        return Ok(ctx.reply.array(0));
    };
    let w = mode.header(&mut ctx.reply, ranks.len());
    let reply = &mut ctx.reply;
    z.visit(ranks, rev, |m, s| mode.item(reply, m, s));
    Ok(w)
}

/// Replaces `dst` with a sorted set of `items` (deleting it when empty); replies the count.
fn store_result(ctx: &mut Ctx<'_, '_>, dst: &[u8], items: Vec<(Vec<u8>, f64)>) -> CmdResult {
    let n = items.len();
    let limits = limits(ctx);
    let clock = ctx.clock();
    let guard = ctx.locked.table(dst)?;
    let existed = guard.remove(dst).is_some();
    if n > 0 {
        guard.insert(zset::build(dst, items, limits, clock));
    }
    if existed || n > 0 {
        ctx.modified(dst)?;
        ctx.dirty(1);
    }
    Ok(ctx.reply.int(n as i64))
}

pub fn zrange(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, false, RangeType::Auto, None)
}

pub fn zrangestore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 2, true, RangeType::Auto, None)
}

pub fn zrevrange(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, false, RangeType::Rank, Some(true))
}

pub fn zrangebyscore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, false, RangeType::Score, Some(false))
}

pub fn zrevrangebyscore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, false, RangeType::Score, Some(true))
}

pub fn zrangebylex(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, false, RangeType::Lex, Some(false))
}

pub fn zrevrangebylex(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, false, RangeType::Lex, Some(true))
}

// ---- ZREMRANGEBY* ---------------------------------------------------------------------------

fn zremrange_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], rangetype: RangeType) -> CmdResult {
    enum Spec<'a> {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange<'a>),
    }
    let spec = match rangetype {
        RangeType::Score => Spec::Score(score_range(&args[2], &args[3])?),
        RangeType::Lex => Spec::Lex(lex_range(&args[2], &args[3])?),
        _ => Spec::Rank(int_arg(&args[2])?, int_arg(&args[3])?),
    };
    let key = &args[1];
    let Some(e) = ctx.write_typed(key, ValueType::ZSet)? else {
        return Ok(ctx.reply.int(0));
    };
    let ranks = {
        let z = ZSetRef::of(e)?;
        match &spec {
            Spec::Rank(s, t) => match clamp_range(*s, *t, z.len()) {
                Some((s, t)) => s..t + 1,
                None => 0..0,
            },
            Spec::Score(r) => z.score_ranks(r),
            Spec::Lex(r) => z.lex_ranks(r),
        }
    };
    let removed = zset::remove_ranks(e, ranks).len();
    if removed > 0 {
        ctx.remove_if_empty(key)?;
        ctx.modified(key)?;
        ctx.dirty(removed as u64);
    }
    Ok(ctx.reply.int(removed as i64))
}

pub fn zremrangebyrank(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zremrange_generic(ctx, args, RangeType::Rank)
}

pub fn zremrangebyscore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zremrange_generic(ctx, args, RangeType::Score)
}

pub fn zremrangebylex(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zremrange_generic(ctx, args, RangeType::Lex)
}

// ---- ZPOPMIN / ZPOPMAX / ZMPOP --------------------------------------------------------------

/// Pops up to `count` members from the first non-empty sorted set among `keys` (WRONGTYPE on
/// the first existing key of another type); returns the key and the popped pairs.
fn pop_from(
    ctx: &mut Ctx<'_, '_>,
    keys: &[Bytes],
    count: usize,
    max: bool,
) -> Result<Option<(Bytes, Scored)>, CmdError> {
    for key in keys {
        let Some(e) = ctx.write_typed(key, ValueType::ZSet)? else {
            continue;
        };
        let len = ZSetRef::of(e)?.len();
        let n = count.min(len);
        let ranks = if max { len - n..len } else { 0..n };
        let mut popped = zset::remove_ranks(e, ranks);
        if max {
            popped.reverse();
        }
        ctx.remove_if_empty(key)?;
        if !popped.is_empty() {
            ctx.modified(key)?;
            ctx.dirty(popped.len() as u64);
        }
        return Ok(Some((key.clone(), popped)));
    }
    Ok(None)
}

fn zpop_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], max: bool) -> CmdResult {
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
    if count == Some(0) {
        // Redis checks the type before it answers an empty pop.
        if let Some(e) = ctx.write_lookup(&args[1])? {
            ZSetRef::of(e)?;
        }
        return Ok(ctx.reply.array(0));
    }
    let Some((_, popped)) = pop_from(ctx, &args[1..2], count.unwrap_or(1), max)? else {
        return Ok(ctx.reply.array(0));
    };
    let mode = if count.is_some() {
        Pairs::with_scores(&ctx.reply, true)
    } else {
        Pairs::Flat
    };
    let w = mode.header(&mut ctx.reply, popped.len());
    for (m, s) in &popped {
        mode.item(&mut ctx.reply, m, *s);
    }
    Ok(w)
}

pub fn zpopmin(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zpop_generic(ctx, args, false)
}

pub fn zpopmax(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    zpop_generic(ctx, args, true)
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
pub fn zmpop(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let (keys, min, count) = super::mpop_tail(args, 1, "MIN", "MAX")?;
    let Some((key, popped)) = pop_from(ctx, keys, count, !min)? else {
        return Ok(ctx.reply.null_array());
    };
    let w = ctx.reply.array(2);
    let _ = ctx.reply.bulk(&key);
    let _ = Pairs::Nested.header(&mut ctx.reply, popped.len());
    for (m, s) in &popped {
        Pairs::Nested.item(&mut ctx.reply, m, *s);
    }
    Ok(w)
}

// ---- ZRANDMEMBER ----------------------------------------------------------------------------

/// ZRANDMEMBER key [count [WITHSCORES]]
pub fn zrandmember(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let mut count = None;
    let mut withscores = false;
    if args.len() >= 3 {
        let c = int_arg(&args[2])?;
        if c == i64::MIN {
            return Err(CmdError::err(
                "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ));
        }
        if args.len() > 4 || (args.len() == 4 && !is(&args[3], "WITHSCORES")) {
            return Err(CmdError::Syntax);
        }
        withscores = args.len() == 4;
        if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&c) {
            return Err(CmdError::err("value is out of range"));
        }
        count = Some(c);
    }
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let z = match found {
        Some(e) => Some(ZSetRef::of(e)?),
        None => None,
    };
    let Some(count) = count else {
        return Ok(match z.filter(|z| !z.is_empty()) {
            Some(z) => {
                use rand::Rng;
                let i = rand::rng().random_range(0..z.len());
                ctx.reply.bulk(&z.at(i).0)
            }
            None => ctx.reply.null(),
        });
    };
    let Some(z) = z.filter(|z| !z.is_empty()) else {
        return Ok(ctx.reply.array(0));
    };
    let picks = super::random_picks(z.len(), count);
    let mode = Pairs::with_scores(&ctx.reply, withscores);
    let w = mode.header(&mut ctx.reply, picks.len());
    for i in picks {
        let (m, s) = z.at(i);
        mode.item(&mut ctx.reply, &m, s);
    }
    Ok(w)
}

// ---- ZUNION / ZINTER / ZDIFF ----------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Redis `zunionInterAggregate`.
    fn apply(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if value < *target {
                    *target = value;
                }
            }
            Aggregate::Max => {
                if value > *target {
                    *target = value;
                }
            }
        }
    }
}

/// The members and scores of a ZUNION/ZINTER/ZDIFF source (a set's members score 1).
fn source_items(e: &Entry) -> Result<Vec<(Vec<u8>, f64)>, CmdError> {
    match e.value_type() {
        ValueType::ZSet => Ok(ZSetRef::of(e)?.to_vec()),
        ValueType::Set => Ok(SetRef::of(e)?
            .members()
            .into_iter()
            .map(|m| (m, 1.0))
            .collect()),
        _ => Err(CmdError::WrongType),
    }
}

/// Redis `zunionInterDiffGenericCommand`: `numkeys_at` is the index of numkeys; `dst` the
/// destination for the STORE forms; `cardinality` for ZINTERCARD.
fn set_op_generic(
    ctx: &mut Ctx<'_, '_>,
    args: &[Bytes],
    numkeys_at: usize,
    dst: Option<&Bytes>,
    op: SetOp,
    cardinality: bool,
) -> CmdResult {
    let setnum = int_arg(&args[numkeys_at])?;
    if setnum < 1 {
        let name = String::from_utf8_lossy(&args[0]).to_lowercase();
        return Err(CmdError::err(format!(
            "at least 1 input key is needed for '{name}' command"
        )));
    }
    let setnum = usize::try_from(setnum).unwrap_or(usize::MAX);
    if setnum > args.len() - numkeys_at - 1 {
        return Err(CmdError::Syntax);
    }
    let keys = &args[numkeys_at + 1..numkeys_at + 1 + setnum];
    let mut sources: Vec<Option<Scored>> = Vec::with_capacity(setnum);
    for key in keys {
        let found = match dst {
            Some(_) => ctx.peek(key)?,
            None => lookup_read(ctx.locked, ctx.db, key, ctx.now_ms, ctx.settings)?,
        };
        sources.push(match found {
            Some(e) => Some(source_items(e)?),
            None => None,
        });
    }
    let mut weights = vec![1.0f64; setnum];
    let mut aggregate = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = numkeys_at + 1 + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        let a = &args[j];
        if op != SetOp::Diff && !cardinality && remaining > setnum && is(a, "WEIGHTS") {
            for (i, w) in weights.iter_mut().enumerate() {
                *w = numeric::parse_f64(&args[j + 1 + i])
                    .ok_or_else(|| CmdError::err("weight value is not a float"))?;
            }
            j += 1 + setnum;
        } else if op != SetOp::Diff && !cardinality && remaining >= 2 && is(a, "AGGREGATE") {
            let v = &args[j + 1];
            aggregate = if is(v, "SUM") {
                Aggregate::Sum
            } else if is(v, "MIN") {
                Aggregate::Min
            } else if is(v, "MAX") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            j += 2;
        } else if dst.is_none() && !cardinality && is(a, "WITHSCORES") {
            withscores = true;
            j += 1;
        } else if cardinality && remaining >= 2 && is(a, "LIMIT") {
            limit = super::count_arg(&args[j + 1], 0, "LIMIT can't be negative")?;
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let weighted = |w: f64, s: f64| {
        let v = w * s;
        if v.is_nan() { 0.0 } else { v }
    };
    let result: Vec<(Vec<u8>, f64)> = match op {
        SetOp::Union => {
            let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
            for (src, &w) in sources.iter().zip(&weights) {
                for (m, s) in src.iter().flatten() {
                    let v = weighted(w, *s);
                    match acc.get_mut(m) {
                        Some(t) => aggregate.apply(t, v),
                        None => {
                            acc.insert(m.clone(), v);
                        }
                    }
                }
            }
            acc.into_iter().collect()
        }
        SetOp::Inter => {
            if sources.iter().any(Option::is_none) {
                Vec::new()
            } else {
                let mut order: Vec<usize> = (0..setnum).collect();
                order.sort_by_key(|&i| sources[i].as_ref().map_or(0, Vec::len));
                let lookups: Vec<HashMap<&[u8], f64>> = sources
                    .iter()
                    .map(|s| s.iter().flatten().map(|(m, sc)| (&m[..], *sc)).collect())
                    .collect();
                let first = order[0];
                let mut out = Vec::new();
                'members: for (m, s) in sources[first].iter().flatten() {
                    let mut score = weighted(weights[first], *s);
                    for &other in &order[1..] {
                        match lookups[other].get(&m[..]) {
                            Some(&v) => aggregate.apply(&mut score, weighted(weights[other], v)),
                            None => continue 'members,
                        }
                    }
                    out.push((m.clone(), score));
                    if cardinality && limit > 0 && out.len() >= limit {
                        break;
                    }
                }
                out
            }
        }
        SetOp::Diff => {
            let mut iter = sources.iter();
            match iter.next() {
                Some(Some(first)) => {
                    let others: std::collections::HashSet<&[u8]> = iter
                        .flatten()
                        .flat_map(|s| s.iter().map(|(m, _)| &m[..]))
                        .collect();
                    first
                        .iter()
                        .filter(|(m, _)| !others.contains(&m[..]))
                        .cloned()
                        .collect()
                }
                _ => Vec::new(),
            }
        }
    };
    if cardinality {
        return Ok(ctx.reply.int(result.len() as i64));
    }
    if let Some(dst) = dst {
        return store_result(ctx, dst, result);
    }
    let mut sorted = result;
    sorted.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    let mode = Pairs::with_scores(&ctx.reply, withscores);
    let w = mode.header(&mut ctx.reply, sorted.len());
    for (m, s) in &sorted {
        mode.item(&mut ctx.reply, m, *s);
    }
    Ok(w)
}

pub fn zunion(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    set_op_generic(ctx, args, 1, None, SetOp::Union, false)
}

pub fn zinter(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    set_op_generic(ctx, args, 1, None, SetOp::Inter, false)
}

pub fn zdiff(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    set_op_generic(ctx, args, 1, None, SetOp::Diff, false)
}

pub fn zunionstore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    set_op_generic(ctx, args, 2, Some(&args[1]), SetOp::Union, false)
}

pub fn zinterstore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    set_op_generic(ctx, args, 2, Some(&args[1]), SetOp::Inter, false)
}

pub fn zdiffstore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    set_op_generic(ctx, args, 2, Some(&args[1]), SetOp::Diff, false)
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    set_op_generic(ctx, args, 1, None, SetOp::Inter, true)
}

// ---- ZSCAN ----------------------------------------------------------------------------------

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
pub fn zscan(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    super::scan_cursor(&args[2])?;
    let found = lookup_read(ctx.locked, ctx.db, &args[1], ctx.now_ms, ctx.settings)?;
    let Some(e) = found else {
        return Ok(super::scan_reply(&mut ctx.reply, 0, &[]));
    };
    let z = ZSetRef::of(e)?;
    let (cursor, opts) = super::scan_options(&args[2..], false)?;
    // A listpack's scores are shown as stored (`d2string`, -0 as 0); a skiplist's as
    // %.17Lg prints them, as ZSCORE and ZRANGE do (-0 stays "-0").
    let score_text: fn(f64) -> Vec<u8> = match &z {
        ZSetRef::Compact(_) => zset::score_text,
        ZSetRef::Large(_) => |s| {
            let mut text = Vec::new();
            numeric::format_double(s, &mut text);
            text
        },
    };
    let mut items = Vec::new();
    let mut push = |m: &[u8], s: f64| {
        if opts.matches(m) {
            items.push(m.to_vec());
            items.push(score_text(s));
        }
    };
    let next = match &z {
        ZSetRef::Compact(_) => {
            z.visit(0..z.len(), false, &mut push);
            0
        }
        ZSetRef::Large(large) => large.scan(cursor, opts.count, push),
    };
    Ok(super::scan_reply(&mut ctx.reply, next, &items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_apply_from_either_end() {
        assert_eq!(apply_limit(2..8, false, 1, 2), 3..5);
        assert_eq!(apply_limit(2..8, true, 1, 2), 5..7);
        assert_eq!(apply_limit(2..8, false, 0, -1), 2..8);
        assert_eq!(apply_limit(2..8, false, -1, 5), 8..8);
        assert_eq!(apply_limit(2..8, true, 10, 5), 2..2);
        assert_eq!(clamp_range(0, -1, 3), Some((0, 2)));
        assert_eq!(clamp_range(5, 10, 3), None);
    }
}
