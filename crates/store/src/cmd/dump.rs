//! DUMP and RESTORE: a key's value as Redis's serialized payload (the RDB object, the RDB
//! version and a CRC64), byte-compatible with Redis 7.0 both ways, which is what
//! `redis-cli --cluster import` and MIGRATE exchange.

use bytes::Bytes;

use super::Ctx;
use crate::clock;
use crate::error::{CmdError, CmdResult};
use crate::serialized::{build_entry, dump as dump_payload};

/// DUMP key
pub fn dump(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let compression = ctx.settings.rdb_compression;
    let list_max = ctx.settings.list_max_listpack_size;
    let payload = match ctx.read(&args[1])? {
        Some(entry) => dump_payload(entry, compression, list_max),
        None => return Ok(ctx.reply.null()),
    };
    Ok(ctx.reply.bulk(&payload))
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
pub fn restore(ctx: &mut Ctx<'_, '_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < args.len() {
        let more = args.len() - j - 1;
        let opt = &args[j];
        if opt.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if opt.eq_ignore_ascii_case(b"absttl") {
            absttl = true;
        } else if opt.eq_ignore_ascii_case(b"idletime") && more >= 1 && freq.is_none() {
            let v = numeric::parse_i64(&args[j + 1]).ok_or(CmdError::NotInteger)?;
            if v < 0 {
                return Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(v);
            j += 1;
        } else if opt.eq_ignore_ascii_case(b"freq") && more >= 1 && idle.is_none() {
            let v = numeric::parse_i64(&args[j + 1]).ok_or(CmdError::NotInteger)?;
            if !(0..=255).contains(&v) {
                return Err(CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = Some(v);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if !replace && ctx.write_lookup(key)?.is_some() {
        return Err(CmdError::Raw(
            "BUSYKEY Target key name already exists.".into(),
        ));
    }
    let ttl = numeric::parse_i64(&args[2]).ok_or(CmdError::NotInteger)?;
    if ttl < 0 {
        return Err(CmdError::err("Invalid TTL value, must be >= 0"));
    }
    let (_, value) = rdb::decode_dump_payload(&args[3], true).map_err(|e| match e {
        rdb::RdbError::DumpFooter(_) => CmdError::err("DUMP payload version or checksum are wrong"),
        _ => CmdError::err("Bad data format"),
    })?;
    let now = ctx.now_ms;
    let settings = *ctx.settings;
    let clock = match (settings.lfu, idle, freq) {
        (true, _, Some(f)) => clock::from_freq(now, f as u8),
        (false, Some(i), _) => clock::from_idle(now, i as u64),
        _ => clock::initial(&settings, now),
    };
    let mut entry = build_entry(key, value, &settings, clock)
        .ok_or_else(|| CmdError::err("Bad data format"))?;
    let expire_at = match ttl {
        0 => None,
        ttl if absttl => Some(ttl),
        ttl => Some(ttl.saturating_add(now)),
    };
    let expired = expire_at.is_some_and(|at| ctx.already_expired(at));
    let table = ctx.locked.table(key)?;
    let deleted = replace && table.remove(key).is_some();
    if expired {
        // Already expired: nothing is created (the old key, if replaced, is gone).
        if deleted {
            ctx.propagation
                .rewrite(vec![vec![Bytes::from_static(b"DEL"), key.clone()]]);
            ctx.dirty(1);
        }
        return Ok(ctx.reply.ok());
    }
    entry.set_expire(expire_at);
    table.insert(entry);
    if let Some(at) = expire_at
        && !absttl
    {
        // A relative TTL is logged as the absolute time (Redis appends ABSTTL).
        let mut logged = args.to_vec();
        logged[2] = Bytes::from(at.to_string());
        logged.push(Bytes::from_static(b"ABSTTL"));
        ctx.propagation.rewrite(vec![logged]);
    }
    ctx.dirty(1);
    Ok(ctx.reply.ok())
}
