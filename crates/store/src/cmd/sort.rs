//! SORT and SORT_RO (Redis 7.0 `sort.c`): BY, LIMIT, GET, ASC|DESC, ALPHA, STORE.
//!
//! SORT locks what it reads itself: the sorted key's slot and the destination's, plus the
//! slots of the keys its BY/GET patterns name, all at once in ascending order (found by a
//! first read, then confirmed under the full set of locks). In cluster mode Redis 7.0.15
//! refuses BY and GET patterns altogether, so nothing else is locked there.

use std::cmp::Ordering;

use bytes::Bytes;

use super::is;
use crate::entry::{Entry, Stored, ValueType};
use crate::error::{CmdError, CmdResult};
use crate::types::hash::HashRef;
use crate::types::list::{self, ListRef};
use crate::types::set::SetRef;
use crate::types::zset::ZSetRef;
use crate::{Ctx, Locked};

/// SORT_RO's keys: the sorted key only.
pub fn keys_ro(_args: &[Bytes], out: &mut Vec<usize>) {
    out.push(1);
}

/// Redis `sortGetKeys`: the sorted key and the last STORE destination.
pub fn keys(args: &[Bytes], out: &mut Vec<usize>) {
    out.push(1);
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if is(a, "LIMIT") {
            i += 2;
        } else if is(a, "GET") || is(a, "BY") {
            i += 1;
        } else if is(a, "STORE") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    out.extend(store);
}

struct Options {
    by: Option<Bytes>,
    dontsort: bool,
    gets: Vec<Bytes>,
    limit: Option<(i64, i64)>,
    desc: bool,
    alpha: bool,
    store: Option<Bytes>,
}

fn parse(ctx: &Ctx<'_, '_>, args: &[Bytes], readonly: bool) -> Result<Options, CmdError> {
    let mut o = Options {
        by: None,
        dontsort: false,
        gets: Vec::new(),
        limit: None,
        desc: false,
        alpha: false,
        store: None,
    };
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = &args[j];
        if is(a, "ASC") {
            o.desc = false;
        } else if is(a, "DESC") {
            o.desc = true;
        } else if is(a, "ALPHA") {
            o.alpha = true;
        } else if is(a, "LIMIT") && left >= 2 {
            o.limit = Some((super::int_arg(&args[j + 1])?, super::int_arg(&args[j + 2])?));
            j += 2;
        } else if is(a, "STORE") && left >= 1 && !readonly {
            o.store = Some(args[j + 1].clone());
            j += 1;
        } else if is(a, "BY") && left >= 1 {
            let pattern = &args[j + 1];
            if !pattern.contains(&b'*') {
                o.dontsort = true;
            } else if ctx.settings.cluster_enabled {
                return Err(CmdError::err("BY option of SORT denied in Cluster mode."));
            }
            o.by = Some(pattern.clone());
            j += 1;
        } else if is(a, "GET") && left >= 1 {
            let pattern = &args[j + 1];
            // Redis 7.0.15 refuses GET (even `GET #`) in cluster mode.
            if ctx.settings.cluster_enabled {
                return Err(CmdError::err("GET option of SORT denied in Cluster mode."));
            }
            o.gets.push(pattern.clone());
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// The key a pattern forms for `element`, and the hash field (`->field`), if any; None when
/// the pattern has no `*` (Redis `lookupKeyByPattern`).
fn pattern_key(pattern: &[u8], element: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let star = pattern.iter().position(|&b| b == b'*')?;
    let after = &pattern[star + 1..];
    let (post, field) = match after.windows(2).position(|w| w == b"->") {
        Some(f) if f + 2 < after.len() => (&after[..f], Some(after[f + 2..].to_vec())),
        _ => (after, None),
    };
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(post);
    Some((key, field))
}

/// What a pattern reads for `element`: `#` is the element itself.
fn lookup(locked: &mut Locked<'_>, pattern: &[u8], element: &[u8], now: i64) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    let (key, field) = pattern_key(pattern, element)?;
    let e = locked.table(&key).ok()?.get(&key, now)?;
    match field {
        Some(f) => HashRef::of(e).ok()?.get(&f).map(|v| v.to_vec()),
        None => match e.stored() {
            Stored::Str(v) => Some(v.to_vec()),
            _ => None,
        },
    }
}

/// The elements of the value to sort, in Redis's loading order.
fn elements(e: &Entry, o: &Options) -> Result<Vec<Vec<u8>>, CmdError> {
    Ok(match e.value_type() {
        ValueType::List => {
            let mut out = Vec::new();
            ListRef::of(e)?.for_each(|v| out.push(v.to_vec()));
            // Unsorted, a list keeps its order, reversed by DESC (Redis walks it from the
            // tail then), as a sorted set does.
            if o.dontsort && o.desc {
                out.reverse();
            }
            out
        }
        ValueType::Set => SetRef::of(e)?.members(),
        ValueType::ZSet => {
            let z = ZSetRef::of(e)?;
            let mut out = Vec::with_capacity(z.len());
            // Unsorted, a sorted set keeps its order, reversed by DESC.
            z.visit(0..z.len(), o.dontsort && o.desc, |m, _| {
                out.push(m.to_vec())
            });
            out
        }
        _ => return Err(CmdError::WrongType),
    })
}

/// Every key the patterns name for these elements.
fn pattern_keys(o: &Options, elements: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    let patterns = o.by.iter().filter(|_| !o.dontsort).chain(o.gets.iter());
    for p in patterns {
        for e in elements {
            if let Some((k, _)) = pattern_key(p, e) {
                keys.push(k);
            }
        }
    }
    keys
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
/// [STORE destination]
pub fn sort(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    sort_generic(ctx, args, false)
}

/// SORT_RO: SORT without STORE.
pub fn sort_ro(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    sort_generic(ctx, args, true)
}

fn sort_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], readonly: bool) -> CmdResult {
    let mut o = parse(ctx, args, readonly)?;
    let key = &args[1];
    let now = ctx.now_ms;
    // Lock the key, the destination and what the patterns name; retry if the elements
    // named other keys once everything was locked.
    let mut extra: Vec<Vec<u8>> = Vec::new();
    for _ in 0..4 {
        let mut names: Vec<&[u8]> = vec![&key[..]];
        if let Some(d) = &o.store {
            names.push(d);
        }
        names.extend(extra.iter().map(Vec::as_slice));
        let mut locked = ctx.db.lock_keys(names.iter().copied());
        // Redis converts a small sorted set to its large encoding before sorting it, SORT_RO
        // included (OBJECT ENCODING says skiplist afterwards); nothing else changes.
        if let Some(e) = locked.table(key)?.get_mut(key, now)
            && e.value_type() == ValueType::ZSet
            && matches!(e.stored(), Stored::Compact(..))
        {
            crate::types::zset::make_large(e);
        }
        let (elems, vtype) = match locked.table(key)?.get(key, now) {
            Some(e) => (elements(e, &o)?, Some(e.value_type())),
            None => (Vec::new(), None),
        };
        let needed = pattern_keys(&o, &elems);
        if needed.iter().all(|k| locked.holds(k)) {
            return finish(
                ctx,
                &mut locked,
                &mut o,
                elems,
                vtype == Some(ValueType::Set),
            );
        }
        extra = needed;
    }
    Err(CmdError::err("SORT keys kept changing while being locked"))
}

fn finish(
    ctx: &mut Ctx<'_, '_>,
    locked: &mut Locked<'_>,
    o: &mut Options,
    elems: Vec<Vec<u8>>,
    is_set: bool,
) -> CmdResult {
    let now = ctx.now_ms;
    let mut dontsort = o.dontsort;
    let mut by = o.by.clone();
    // Redis forces an ALPHA sort of an unsorted set when storing, for a deterministic result.
    if dontsort && o.store.is_some() && is_set {
        dontsort = false;
        o.alpha = true;
        by = None;
    }
    let mut items: Vec<(Vec<u8>, Option<Vec<u8>>, f64)> = Vec::with_capacity(elems.len());
    let mut conversion_error = false;
    for e in elems {
        let mut weight = None;
        let mut score = 0.0;
        if !dontsort {
            let by_value = match &by {
                Some(p) => lookup(locked, p, &e, now),
                None => Some(e.clone()),
            };
            if o.alpha {
                weight = by_value;
            } else if let Some(v) = &by_value {
                // C strtod over the whole value, refusing what overflows (ERANGE) and NaN.
                let overflowed = |s: f64| {
                    s.is_infinite() && !v.to_ascii_lowercase().windows(3).any(|w| w == b"inf")
                };
                match numeric::parse_f64_strtod(v) {
                    Some(s) if !overflowed(s) => score = s,
                    _ => conversion_error = true,
                }
            }
        }
        items.push((e, weight, score));
    }
    if conversion_error {
        return Err(CmdError::err(
            "One or more scores can't be converted into double",
        ));
    }
    if !dontsort {
        let alpha = o.alpha;
        let by_pattern = by.is_some();
        items.sort_by(|a, b| {
            let cmp = if !alpha {
                a.2.partial_cmp(&b.2)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.0.cmp(&b.0))
            } else if by_pattern {
                match (&a.1, &b.1) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) => x.cmp(y),
                }
            } else {
                a.0.cmp(&b.0)
            };
            if o.desc { cmp.reverse() } else { cmp }
        });
    }
    let len = items.len() as i64;
    let (start, count) = o.limit.unwrap_or((0, -1));
    let mut first = start.max(0);
    let mut last = if count < 0 {
        len - 1
    } else {
        first.saturating_add(count).saturating_sub(1)
    };
    if first >= len {
        first = len - 1;
        last = len - 2;
    }
    if last >= len {
        last = len - 1;
    }
    let range = if last >= first && len > 0 {
        &items[first as usize..=last as usize]
    } else {
        &items[0..0]
    };
    let mut out: Vec<Option<Vec<u8>>> = Vec::new();
    for (e, _, _) in range {
        if o.gets.is_empty() {
            out.push(Some(e.clone()));
        } else {
            for g in &o.gets {
                out.push(lookup(locked, g, e, now));
            }
        }
    }
    let Some(dst) = o.store.clone() else {
        let w = ctx.reply.array(out.len());
        for v in &out {
            let _ = ctx.reply.opt_bulk(v.as_deref());
        }
        return Ok(w);
    };
    let max = ctx.settings.list_max_listpack_size;
    let clock = ctx.clock();
    let guard = locked.table(&dst)?;
    let existed = guard.remove(&dst).is_some();
    if !out.is_empty() {
        let values: Vec<&[u8]> = out.iter().map(|v| v.as_deref().unwrap_or(b"")).collect();
        let mut e = list::new_entry(&dst, clock);
        list::push(&mut e, &values, false, max);
        guard.insert(e);
    }
    if existed || !out.is_empty() {
        guard.touch(&dst);
        ctx.dirty(out.len().max(1) as u64);
    }
    Ok(ctx.reply.int(out.len() as i64))
}
