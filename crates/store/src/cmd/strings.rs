//! String commands: GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL GETEX APPEND STRLEN
//! INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE SUBSTR LCS (Redis 7.0 `t_string.c`).

use bytes::Bytes;
use numeric::LongDouble;

use super::{int_arg, is, lookup_read};
use crate::Ctx;
use crate::entry::{Entry, StrEncoding, StringSpec, ValueType};
use crate::error::{CmdError, CmdResult};

/// How a SET-family command treats an existing key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Condition {
    Always,
    IfMissing,
    IfExists,
}

/// The expiry a SET/GETEX option asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ExpireOpt {
    None,
    KeepTtl,
    Persist,
    /// Absolute unix ms.
    At(i64),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Set,
    GetEx,
}

struct SetOptions {
    condition: Condition,
    get: bool,
    expire: ExpireOpt,
}

/// SET/GETEX options as parsed, before the time argument is checked. Redis checks the
/// syntax first and the time later: SET before it touches the key, GETEX only once the key
/// is found (`GETEX missing PX x` is a null reply, not an error).
struct ParsedSetOptions<'a> {
    condition: Condition,
    get: bool,
    expire: ExpireArg<'a>,
}

/// The expiry option of a SET/GETEX, its time argument not yet checked.
enum ExpireArg<'a> {
    None,
    KeepTtl,
    Persist,
    Time {
        arg: &'a [u8],
        unit: Unit,
        relative: bool,
    },
}

impl ParsedSetOptions<'_> {
    /// Checks the time argument (Redis `getExpireMillisecondsOrReply`).
    fn resolve(self, now_ms: i64, cmd: &'static str) -> Result<SetOptions, CmdError> {
        let expire = match self.expire {
            ExpireArg::None => ExpireOpt::None,
            ExpireArg::KeepTtl => ExpireOpt::KeepTtl,
            ExpireArg::Persist => ExpireOpt::Persist,
            ExpireArg::Time {
                arg,
                unit,
                relative,
            } => ExpireOpt::At(expire_time(arg, unit, relative, now_ms, cmd)?),
        };
        Ok(SetOptions {
            condition: self.condition,
            get: self.get,
            expire,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Millis,
}

/// Redis `getExpireMillisecondsOrReply`: a positive relative or absolute time, in unix ms.
fn expire_time(
    arg: &[u8],
    unit: Unit,
    relative: bool,
    now_ms: i64,
    cmd: &'static str,
) -> Result<i64, CmdError> {
    let mut ms = int_arg(arg)?;
    if ms <= 0 || (unit == Unit::Seconds && ms > i64::MAX / 1000) {
        return Err(CmdError::InvalidExpireTime(cmd));
    }
    if unit == Unit::Seconds {
        ms *= 1000;
    }
    if relative {
        ms = ms.checked_add(now_ms).unwrap_or(-1);
    }
    if ms <= 0 {
        return Err(CmdError::InvalidExpireTime(cmd));
    }
    Ok(ms)
}

/// Redis `parseExtendedStringArgumentsOrReply` for SET and GETEX: the syntax only.
fn parse_set_options(args: &[Bytes], which: Which) -> Result<ParsedSetOptions<'_>, CmdError> {
    let mut opts = ParsedSetOptions {
        condition: Condition::Always,
        get: false,
        expire: ExpireArg::None,
    };
    // Which expiry flag is set, and with which argument.
    let mut expire_flag: Option<(&'static str, usize)> = None;
    let mut keepttl = false;
    let mut persist = false;
    let mut j = 0;
    while j < args.len() {
        let opt = &args[j][..];
        let has_next = j + 1 < args.len();
        let no_expire = expire_flag.is_none() && !keepttl && !persist;
        if which == Which::Set && is(opt, "NX") && opts.condition != Condition::IfExists {
            opts.condition = Condition::IfMissing;
        } else if which == Which::Set && is(opt, "XX") && opts.condition != Condition::IfMissing {
            opts.condition = Condition::IfExists;
        } else if which == Which::Set && is(opt, "GET") {
            opts.get = true;
        } else if which == Which::Set && is(opt, "KEEPTTL") && !persist && expire_flag.is_none() {
            keepttl = true;
        } else if which == Which::GetEx && is(opt, "PERSIST") && expire_flag.is_none() && !keepttl {
            persist = true;
        } else if has_next
            && !keepttl
            && !persist
            && let Some(flag) = ["EX", "PX", "EXAT", "PXAT"]
                .into_iter()
                .find(|f| is(opt, f))
            && (no_expire || expire_flag.is_some_and(|(f, _)| f == flag))
        {
            expire_flag = Some((flag, j + 1));
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if keepttl {
        opts.expire = ExpireArg::KeepTtl;
    } else if persist {
        opts.expire = ExpireArg::Persist;
    } else if let Some((flag, at)) = expire_flag {
        let (unit, relative) = match flag {
            "EX" => (Unit::Seconds, true),
            "PX" => (Unit::Millis, true),
            "EXAT" => (Unit::Seconds, false),
            _ => (Unit::Millis, false),
        };
        opts.expire = ExpireArg::Time {
            arg: &args[at],
            unit,
            relative,
        };
    }
    Ok(opts)
}

/// Writes a string value under `key`, replacing whatever was there (Redis `setKey`).
fn store_string(
    ctx: &mut Ctx<'_, '_>,
    key: &[u8],
    value: &[u8],
    encoding: StrEncoding,
    expire: ExpireOpt,
) -> Result<(), CmdError> {
    let now = ctx.now_ms;
    let clock = ctx.clock();
    let guard = ctx.locked.table(key)?;
    let expire_at = match expire {
        ExpireOpt::At(at) => Some(at),
        ExpireOpt::KeepTtl => guard.get(key, now).and_then(Entry::expire_at),
        ExpireOpt::None | ExpireOpt::Persist => None,
    };
    let mut entry = Entry::new_string(StringSpec {
        key,
        value,
        encoding,
        expire_at,
        clock,
    });
    // Under an LRU/LFU maxmemory policy Redis does not use its shared integers.
    entry.set_private(ctx.settings.no_shared_integers);
    guard.insert(entry);
    // A relative or absolute expiry is logged as SET key value PXAT ms (Redis 7.0).
    if let ExpireOpt::At(at) = expire {
        ctx.propagation.rewrite(vec![vec![
            Bytes::from_static(b"SET"),
            Bytes::copy_from_slice(key),
            Bytes::copy_from_slice(value),
            Bytes::from_static(b"PXAT"),
            Bytes::from(at.to_string()),
        ]]);
    }
    ctx.dirty(1);
    Ok(())
}

/// What the generic SET path did: whether it wrote, and the old value when GET was asked.
struct SetOutcome {
    written: bool,
    old: Option<Vec<u8>>,
}

/// The generic SET path shared by SET, SETNX, GETSET (Redis `setGenericCommand`).
fn set_generic(
    ctx: &mut Ctx<'_, '_>,
    key: &[u8],
    value: &[u8],
    opts: &SetOptions,
) -> Result<SetOutcome, CmdError> {
    let old: Option<Vec<u8>> = if opts.get {
        ctx.read_string(key)?.map(|e| e.str_value().to_vec())
    } else {
        None
    };
    // Like Redis's lookupKeyWrite, the lookup deletes the key if it has expired (and logs
    // the deletion) even when the SET does not depend on it.
    let blocked = match opts.condition {
        Condition::IfMissing => ctx.exists(key)?,
        Condition::IfExists => !ctx.exists(key)?,
        Condition::Always => {
            let now = ctx.now_ms;
            ctx.locked.table(key)?.expire_if_needed(key, now);
            false
        }
    };
    if !blocked {
        store_string(
            ctx,
            key,
            value,
            StrEncoding::for_new_value(value),
            opts.expire,
        )?;
    }
    Ok(SetOutcome {
        written: !blocked,
        old,
    })
}

pub fn set(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let opts = parse_set_options(&args[3..], Which::Set)?.resolve(ctx.now_ms, "set")?;
    let outcome = set_generic(ctx, &args[1], &args[2], &opts)?;
    Ok(if opts.get {
        ctx.reply.opt_bulk(outcome.old.as_deref())
    } else if outcome.written {
        ctx.reply.ok()
    } else {
        ctx.reply.null()
    })
}

pub fn setnx(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let opts = SetOptions {
        condition: Condition::IfMissing,
        get: false,
        expire: ExpireOpt::None,
    };
    let outcome = set_generic(ctx, &args[1], &args[2], &opts)?;
    Ok(ctx.reply.int(i64::from(outcome.written)))
}

fn setex_generic(
    ctx: &mut Ctx<'_, '_>,
    args: &[Bytes],
    unit: Unit,
    cmd: &'static str,
) -> CmdResult {
    let at = expire_time(&args[2], unit, true, ctx.now_ms, cmd)?;
    store_string(
        ctx,
        &args[1],
        &args[3],
        StrEncoding::for_new_value(&args[3]),
        ExpireOpt::At(at),
    )?;
    Ok(ctx.reply.ok())
}

pub fn setex(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    setex_generic(ctx, args, Unit::Seconds, "setex")
}

pub fn psetex(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    setex_generic(ctx, args, Unit::Millis, "psetex")
}

pub fn get(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let Ctx {
        locked,
        db,
        reply,
        now_ms,
        settings,
        ..
    } = ctx;
    // The value is copied once, from the locked table into the output buffer.
    match lookup_read(locked, db, &args[1], *now_ms, settings)? {
        Some(e) if e.value_type() != ValueType::String => Err(CmdError::WrongType),
        Some(e) => Ok(reply.bulk(e.str_value())),
        None => Ok(reply.null()),
    }
}

pub fn getset(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let opts = SetOptions {
        condition: Condition::Always,
        get: true,
        expire: ExpireOpt::None,
    };
    let outcome = set_generic(ctx, &args[1], &args[2], &opts)?;
    Ok(ctx.reply.opt_bulk(outcome.old.as_deref()))
}

pub fn getdel(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let value = match ctx.read_string(key)? {
        Some(e) => e.str_value().to_vec(),
        None => return Ok(ctx.reply.null()),
    };
    ctx.locked.table(key)?.remove(key);
    ctx.dirty(1);
    Ok(ctx.reply.bulk(&value))
}

pub fn getex(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let parsed = parse_set_options(&args[2..], Which::GetEx)?;
    let key = &args[1];
    let value = match ctx.read_string(key)? {
        Some(e) => e.str_value().to_vec(),
        None => return Ok(ctx.reply.null()),
    };
    let now = ctx.now_ms;
    let opts = parsed.resolve(now, "getex")?;
    let expired = matches!(opts.expire, ExpireOpt::At(at) if ctx.already_expired(at));
    let guard = ctx.locked.table(key)?;
    match opts.expire {
        ExpireOpt::At(_) if expired => {
            guard.remove(key);
            ctx.propagation
                .rewrite(vec![vec![Bytes::from_static(b"DEL"), key.clone()]]);
            ctx.dirty(1);
        }
        ExpireOpt::At(at) => {
            guard.set_expire(key, Some(at));
            ctx.propagation.rewrite(vec![vec![
                Bytes::from_static(b"PEXPIREAT"),
                key.clone(),
                Bytes::from(at.to_string()),
            ]]);
            ctx.dirty(1);
        }
        ExpireOpt::Persist => {
            if guard.get(key, now).and_then(Entry::expire_at).is_some() {
                guard.set_expire(key, None);
                ctx.propagation
                    .rewrite(vec![vec![Bytes::from_static(b"PERSIST"), key.clone()]]);
                ctx.dirty(1);
            }
        }
        ExpireOpt::None | ExpireOpt::KeepTtl => {}
    }
    Ok(ctx.reply.bulk(&value))
}

pub fn mget(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let keys = &args[1..];
    let mut values: Vec<Option<Vec<u8>>> = Vec::with_capacity(keys.len());
    for key in keys {
        let v = match ctx.read(key)? {
            Some(e) if e.value_type() == ValueType::String => Some(e.str_value().to_vec()),
            _ => None,
        };
        values.push(v);
    }
    let w = ctx.reply.array(values.len());
    for v in &values {
        let _ = ctx.reply.opt_bulk(v.as_deref());
    }
    Ok(w)
}

fn mset_generic(ctx: &mut Ctx<'_, '_>, args: &[Bytes], nx: bool) -> Result<bool, CmdError> {
    if args.len().is_multiple_of(2) {
        return Err(CmdError::WrongArity(
            String::from_utf8_lossy(&args[0]).to_lowercase(),
        ));
    }
    if nx {
        for pair in args[1..].chunks(2) {
            if ctx.exists(&pair[0])? {
                return Ok(false);
            }
        }
    }
    for pair in args[1..].chunks(2) {
        store_string(
            ctx,
            &pair[0],
            &pair[1],
            StrEncoding::for_new_value(&pair[1]),
            ExpireOpt::None,
        )?;
    }
    Ok(true)
}

pub fn mset(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    mset_generic(ctx, args, false)?;
    Ok(ctx.reply.ok())
}

pub fn msetnx(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let done = mset_generic(ctx, args, true)?;
    Ok(ctx.reply.int(i64::from(done)))
}

/// Redis `checkStringLength`: refuses strings longer than `proto-max-bulk-len`.
fn check_string_length(ctx: &Ctx<'_, '_>, size: u64, append: u64) -> Result<(), CmdError> {
    match size.checked_add(append) {
        Some(total) if total <= ctx.settings.proto_max_bulk_len => Ok(()),
        _ => Err(CmdError::StringTooLong),
    }
}

pub fn append(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let (key, tail) = (&args[1], &args[2]);
    let existing_len = ctx.read_string(key)?.map(|e| e.str_value().len());
    let new_len = match existing_len {
        None => {
            store_string(
                ctx,
                key,
                tail,
                StrEncoding::for_new_value(tail),
                ExpireOpt::None,
            )?;
            tail.len()
        }
        Some(len) => {
            check_string_length(ctx, len as u64, tail.len() as u64)?;
            if let Some(e) = ctx.write_lookup(key)? {
                let head = e.str_value().to_vec();
                e.replace_str(&[&head, tail], StrEncoding::for_modified_value());
            }
            ctx.modified(key)?;
            ctx.dirty(1);
            len + tail.len()
        }
    };
    Ok(ctx.reply.int(new_len as i64))
}

pub fn strlen(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let len = ctx
        .read_string(&args[1])?
        .map_or(0, |e| e.str_value().len());
    Ok(ctx.reply.int(len as i64))
}

/// INCR/DECR/INCRBY/DECRBY core (Redis `incrDecrCommand`).
fn incr_by(ctx: &mut Ctx<'_, '_>, key: &[u8], incr: i64) -> CmdResult {
    let mut text = itoa::Buffer::new();
    let no_shared = ctx.settings.no_shared_integers;
    // One lookup: the common case rewrites the number in place.
    let value = match ctx.write_lookup(key)? {
        Some(e) if e.value_type() != ValueType::String => return Err(CmdError::WrongType),
        Some(e) => {
            let current = numeric::parse_i64(e.str_value()).ok_or(CmdError::NotInteger)?;
            let value = current.checked_add(incr).ok_or(CmdError::Overflow)?;
            e.replace_str(&[text.format(value).as_bytes()], StrEncoding::Int);
            e.set_private(no_shared);
            value
        }
        None => {
            let value = incr;
            store_string(
                ctx,
                key,
                text.format(value).as_bytes(),
                StrEncoding::Int,
                ExpireOpt::None,
            )?;
            value
        }
    };
    ctx.modified(key)?;
    ctx.dirty(1);
    Ok(ctx.reply.int(value))
}

pub fn incr(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    incr_by(ctx, &args[1], 1)
}

pub fn decr(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    incr_by(ctx, &args[1], -1)
}

pub fn incrby(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let incr = int_arg(&args[2])?;
    incr_by(ctx, &args[1], incr)
}

pub fn decrby(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let decr = int_arg(&args[2])?;
    if decr == i64::MIN {
        return Err(CmdError::err("decrement would overflow"));
    }
    incr_by(ctx, &args[1], -decr)
}

pub fn incrbyfloat(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let current = match ctx.write_lookup(key)? {
        Some(e) if e.value_type() != ValueType::String => return Err(CmdError::WrongType),
        Some(e) => Some(LongDouble::parse(e.str_value()).ok_or(CmdError::NotFloat)?),
        None => None,
    };
    let incr = LongDouble::parse(&args[2]).ok_or(CmdError::NotFloat)?;
    let Some(value) = current
        .unwrap_or_else(|| LongDouble::from_i64(0))
        .checked_add(incr)
        .filter(LongDouble::is_finite)
    else {
        return Err(CmdError::err("increment would produce NaN or Infinity"));
    };
    let text = value.to_human();
    let encoding = StrEncoding::for_created_value(&text);
    match current {
        Some(_) => {
            if let Some(e) = ctx.write_lookup(key)? {
                e.replace_str(&[&text], encoding);
            }
            ctx.modified(key)?;
            ctx.dirty(1);
        }
        None => store_string(ctx, key, &text, encoding, ExpireOpt::None)?,
    }
    // The float's text depends on the platform's long double: log the result (Redis 7.0).
    ctx.propagation.rewrite(vec![vec![
        Bytes::from_static(b"SET"),
        key.clone(),
        Bytes::copy_from_slice(&text),
        Bytes::from_static(b"KEEPTTL"),
    ]]);
    Ok(ctx.reply.bulk(&text))
}

pub fn getrange(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let mut start = int_arg(&args[2])?;
    let mut end = int_arg(&args[3])?;
    let Some(e) = ctx.read_string(&args[1])? else {
        return Ok(ctx.reply.bulk(b""));
    };
    let value = e.str_value();
    let len = value.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Ok(ctx.reply.bulk(b""));
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return Ok(ctx.reply.bulk(b""));
    }
    let slice = value[start as usize..=end as usize].to_vec();
    Ok(ctx.reply.bulk(&slice))
}

pub fn setrange(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let (key, value) = (&args[1], &args[3]);
    let offset = int_arg(&args[2])?;
    if offset < 0 {
        return Err(CmdError::OffsetOutOfRange);
    }
    let offset = offset as u64;
    let existing = match ctx.write_lookup(key)? {
        Some(e) if e.value_type() != ValueType::String => return Err(CmdError::WrongType),
        Some(e) => Some(e.str_value().to_vec()),
        None => None,
    };
    match existing {
        None => {
            if value.is_empty() {
                return Ok(ctx.reply.int(0));
            }
            check_string_length(ctx, offset, value.len() as u64)?;
            let mut s = vec![0u8; offset as usize];
            s.extend_from_slice(value);
            store_string(ctx, key, &s, StrEncoding::Raw, ExpireOpt::None)?;
            Ok(ctx.reply.int(s.len() as i64))
        }
        Some(mut s) => {
            if value.is_empty() {
                return Ok(ctx.reply.int(s.len() as i64));
            }
            check_string_length(ctx, offset, value.len() as u64)?;
            let end = offset as usize + value.len();
            if s.len() < end {
                s.resize(end, 0);
            }
            s[offset as usize..end].copy_from_slice(value);
            if let Some(e) = ctx.write_lookup(key)? {
                e.replace_str(&[&s], StrEncoding::for_modified_value());
            }
            ctx.modified(key)?;
            ctx.dirty(1);
            Ok(ctx.reply.int(s.len() as i64))
        }
    }
}

pub fn lcs(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let a = match ctx.read(&args[1])? {
        Some(e) if e.value_type() != ValueType::String => None,
        Some(e) => Some(e.str_value().to_vec()),
        None => Some(Vec::new()),
    };
    let b = match ctx.read(&args[2])? {
        Some(e) if e.value_type() != ValueType::String => None,
        Some(e) => Some(e.str_value().to_vec()),
        None => Some(Vec::new()),
    };
    let (Some(a), Some(b)) = (a, b) else {
        return Err(CmdError::err(
            "The specified keys must contain string values",
        ));
    };
    let (mut getidx, mut getlen, mut withmatchlen, mut minmatchlen) = (false, false, false, 0i64);
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j][..];
        let more = j + 1 < args.len();
        if is(opt, "IDX") {
            getidx = true;
        } else if is(opt, "LEN") {
            getlen = true;
        } else if is(opt, "WITHMATCHLEN") {
            withmatchlen = true;
        } else if is(opt, "MINMATCHLEN") && more {
            minmatchlen = int_arg(&args[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if getidx && getlen {
        return Err(CmdError::err(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells.saturating_mul(4) > ctx.settings.proto_max_bulk_len {
        return Err(CmdError::err(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    let width = blen + 1;
    let mut table = vec![0u32; cells as usize];
    for i in 1..=alen {
        for k in 1..=blen {
            table[i * width + k] = if a[i - 1] == b[k - 1] {
                table[(i - 1) * width + k - 1] + 1
            } else {
                table[(i - 1) * width + k].max(table[i * width + k - 1])
            };
        }
    }
    let total = table[alen * width + blen];
    let mut idx = total as usize;
    let mut result = vec![0u8; idx];
    // Matching ranges, collected backwards exactly as Redis emits them.
    let mut ranges: Vec<(usize, usize, usize, usize)> = Vec::new();
    let unset = alen;
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (unset, 0usize, 0usize, 0usize);
    let (mut i, mut k) = (alen, blen);
    let compute = getidx || !getlen;
    while compute && i > 0 && k > 0 {
        let mut emit = false;
        if a[i - 1] == b[k - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == unset {
                (a_start, a_end, b_start, b_end) = (i - 1, i - 1, k - 1, k - 1);
            } else if a_start == i && b_start == k {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            k -= 1;
        } else {
            if table[(i - 1) * width + k] > table[i * width + k - 1] {
                i -= 1;
            } else {
                k -= 1;
            }
            if a_start != unset {
                emit = true;
            }
        }
        if emit {
            let match_len = a_end - a_start + 1;
            if minmatchlen == 0 || match_len as i64 >= minmatchlen {
                ranges.push((a_start, a_end, b_start, b_end));
            }
            a_start = unset;
        }
    }
    if getidx {
        let w = ctx.reply.map(2);
        let _ = ctx.reply.bulk(b"matches");
        let _ = ctx.reply.array(ranges.len());
        for (as_, ae, bs, be) in ranges {
            let _ = ctx.reply.array(2 + usize::from(withmatchlen));
            let _ = ctx.reply.array(2);
            let _ = ctx.reply.int(as_ as i64);
            let _ = ctx.reply.int(ae as i64);
            let _ = ctx.reply.array(2);
            let _ = ctx.reply.int(bs as i64);
            let _ = ctx.reply.int(be as i64);
            if withmatchlen {
                let _ = ctx.reply.int((ae - as_ + 1) as i64);
            }
        }
        let _ = ctx.reply.bulk(b"len");
        let _ = ctx.reply.int(i64::from(total));
        Ok(w)
    } else if getlen {
        Ok(ctx.reply.int(i64::from(total)))
    } else {
        Ok(ctx.reply.bulk(&result))
    }
}
