//! Connection commands: PING ECHO HELLO AUTH SELECT QUIT RESET and CLIENT.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use resp::Protocol;
use store::{CmdError, CmdResult};

use crate::server::unix_ms;
use crate::session::{CallCtx, ReplyMode};
use store::cmd::is;

pub fn ping(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    // RESP2 in subscribed mode: a ["pong", message] array.
    if args.len() <= 2 && ctx.session.subs.active() && ctx.session.proto == Protocol::Resp2 {
        let w = ctx.reply.array(2);
        let _ = ctx.reply.bulk(b"pong");
        let _ = ctx.reply.bulk(args.get(1).map_or(&b""[..], |a| &a[..]));
        return Ok(w);
    }
    match args.len() {
        1 => Ok(ctx.reply.simple(b"PONG")),
        2 => Ok(ctx.reply.bulk(&args[1])),
        _ => Err(CmdError::WrongArity(ctx.name.to_string())),
    }
}

pub fn echo(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    Ok(ctx.reply.bulk(&args[1]))
}

/// Checks a password against `requirepass` (the default user).
fn check_password(ctx: &mut CallCtx<'_>, user: Option<&[u8]>, pass: &[u8]) -> Result<(), CmdError> {
    let requirepass = ctx.server.config.read().requirepass.clone();
    let Some(expected) = requirepass.filter(|p| !p.is_empty()) else {
        if user.is_none() {
            return Err(CmdError::err(
                "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            ));
        }
        // With no password, the default user accepts any password ("nopass").
        if user.is_some_and(|u| u != b"default") {
            return Err(CmdError::Raw(
                "WRONGPASS invalid username-password pair or user is disabled.".into(),
            ));
        }
        ctx.session.authenticated = true;
        return Ok(());
    };
    if user.is_some_and(|u| u != b"default") || pass != expected.as_bytes() {
        return Err(CmdError::Raw(
            "WRONGPASS invalid username-password pair or user is disabled.".into(),
        ));
    }
    ctx.session.authenticated = true;
    Ok(())
}

pub fn auth(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    match args.len() {
        2 => check_password(ctx, None, &args[1])?,
        3 => check_password(ctx, Some(&args[1]), &args[2])?,
        _ => return Err(CmdError::Syntax),
    }
    Ok(ctx.reply.ok())
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
pub fn hello(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let mut proto = None;
    let mut j = 1;
    if args.len() >= 2 {
        let ver = store::cmd::int_arg(&args[1])
            .map_err(|_| CmdError::err("Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&ver) {
            return Err(CmdError::Raw("NOPROTO unsupported protocol version".into()));
        }
        proto = Some(if ver == 3 {
            Protocol::Resp3
        } else {
            Protocol::Resp2
        });
        j = 2;
    }
    let mut setname: Option<Bytes> = None;
    while j < args.len() {
        let more = args.len() - j - 1;
        if is(&args[j], "AUTH") && more >= 2 {
            check_password(ctx, Some(&args[j + 1]), &args[j + 2])?;
            j += 3;
        } else if is(&args[j], "SETNAME") && more >= 1 {
            validate_name(&args[j + 1])?;
            setname = Some(args[j + 1].clone());
            j += 2;
        } else {
            return Err(CmdError::err(format!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&args[j])
            )));
        }
    }
    if !ctx.session.authenticated {
        return Err(CmdError::Raw(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time".into(),
        ));
    }
    if let Some(name) = setname {
        *ctx.session.handle.name.lock() = (!name.is_empty()).then_some(name);
    }
    if let Some(p) = proto {
        ctx.session.proto = p;
        ctx.session
            .handle
            .resp
            .store(if p == Protocol::Resp3 { 3 } else { 2 }, Ordering::Relaxed);
        ctx.reply.set_protocol(p);
    }
    let proto_num = if ctx.session.proto == Protocol::Resp3 {
        3
    } else {
        2
    };
    let role = if ctx.server.cluster.is_some() {
        "cluster"
    } else {
        "standalone"
    };
    let w = ctx.reply.map(7);
    let _ = ctx.reply.bulk(b"server");
    let _ = ctx.reply.bulk(b"redis");
    let _ = ctx.reply.bulk(b"version");
    let _ = ctx.reply.bulk(crate::REDIS_VERSION.as_bytes());
    let _ = ctx.reply.bulk(b"proto");
    let _ = ctx.reply.int(proto_num);
    let _ = ctx.reply.bulk(b"id");
    let _ = ctx.reply.int(ctx.session.id as i64);
    let _ = ctx.reply.bulk(b"mode");
    let _ = ctx.reply.bulk(role.as_bytes());
    let _ = ctx.reply.bulk(b"role");
    let _ = ctx.reply.bulk(b"master");
    let _ = ctx.reply.bulk(b"modules");
    let _ = ctx.reply.array(0);
    Ok(w)
}

pub fn select(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let id = store::cmd::i32_arg(&args[1])?;
    if ctx.server.cluster.is_some() && id != 0 {
        return Err(CmdError::err("SELECT is not allowed in cluster mode"));
    }
    let db = usize::try_from(id)
        .ok()
        .and_then(|i| ctx.server.dbs.get(i).map(|db| (i, db)))
        .ok_or(CmdError::DbIndexOutOfRange)?;
    ctx.session.db_index = db.0;
    ctx.session.db = db.1;
    ctx.session.db_generation = ctx.server.dbs.generation();
    ctx.session.handle.db.store(db.0, Ordering::Relaxed);
    Ok(ctx.reply.ok())
}

pub fn quit(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.session.close_after_reply = true;
    Ok(ctx.reply.ok())
}

pub fn reset(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let s = &mut *ctx.session;
    s.tx.take();
    s.tx.unwatch_all();
    s.subs.clear(&ctx.server.pubsub, s.id);
    if let Some(db) = ctx.server.dbs.get(0) {
        s.db = db;
        s.db_index = 0;
        s.db_generation = ctx.server.dbs.generation();
    }
    s.proto = Protocol::Resp2;
    s.handle.readonly.store(false, Ordering::Relaxed);
    s.reply_mode = ReplyMode::On;
    let requirepass = ctx.server.config.read().requirepass.clone();
    s.authenticated = requirepass.as_deref().is_none_or(str::is_empty);
    *s.handle.name.lock() = None;
    s.handle.resp.store(2, Ordering::Relaxed);
    s.handle.db.store(0, Ordering::Relaxed);
    s.handle.no_evict.store(false, Ordering::Relaxed);
    ctx.reply.set_protocol(Protocol::Resp2);
    Ok(ctx.reply.simple(b"RESET"))
}

pub fn client_id(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(ctx.reply.int(ctx.session.id as i64))
}

/// Redis `validateClientName`: no spaces, newlines or other special characters.
fn validate_name(name: &[u8]) -> Result<(), CmdError> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::err(
            "Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

pub fn client_setname(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    validate_name(&args[2])?;
    *ctx.session.handle.name.lock() = (!args[2].is_empty()).then(|| args[2].clone());
    Ok(ctx.reply.ok())
}

pub fn client_getname(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let name = ctx.session.handle.name.lock().clone();
    Ok(ctx.reply.opt_bulk(name.as_deref()))
}

pub fn client_setinfo(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let value = &args[3];
    if value.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::err(format!(
            "{} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(&args[2]).to_uppercase()
        )));
    }
    let slot = if is(&args[2], "LIB-NAME") {
        &ctx.session.handle.lib_name
    } else if is(&args[2], "LIB-VER") {
        &ctx.session.handle.lib_ver
    } else {
        return Err(CmdError::err(format!(
            "Unrecognized option '{}'",
            String::from_utf8_lossy(&args[2])
        )));
    };
    *slot.lock() = (!value.is_empty()).then(|| value.clone());
    Ok(ctx.reply.ok())
}

/// One CLIENT LIST / CLIENT INFO line (Redis `catClientInfoString`).
fn client_line(ctx: &CallCtx<'_>, c: &crate::clients::ClientHandle, now_ms: i64) -> String {
    let text = |b: &Option<Bytes>| {
        b.as_ref()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    };
    // Redis's flag letters, in its order, for the states a Tessera client can be in.
    let mut flags = String::new();
    match c.kind.load(Ordering::Relaxed) {
        crate::clients::KIND_MASTER => flags.push('M'),
        crate::clients::KIND_REPLICA => flags.push('S'),
        _ => {}
    }
    if c.monitor.load(Ordering::Relaxed) {
        flags.push('O');
    }
    if c.readonly.load(Ordering::Relaxed) {
        flags.push('r');
    }
    if c.no_evict.load(Ordering::Relaxed) {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    format!(
        "id={} addr={} laddr={} fd=8 name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 multi=-1 qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
        c.id,
        c.peer,
        c.local,
        text(&c.name.lock()),
        (now_ms - c.created_ms) / 1000,
        (now_ms - c.last_interaction_ms.load(Ordering::Relaxed)).max(0) / 1000,
        flags,
        c.db.load(Ordering::Relaxed),
        c.query_buf.load(Ordering::Relaxed),
        ctx.server
            .command_stats
            .name(c.last_cmd.load(Ordering::Relaxed)),
        c.resp.load(Ordering::Relaxed),
        text(&c.lib_name.lock()),
        text(&c.lib_ver.lock()),
    )
}

pub fn client_list(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let now = unix_ms();
    let mut ids: Option<Vec<u64>> = None;
    let mut kind = None;
    let mut j = 2;
    while j < args.len() {
        if is(&args[j], "TYPE") && j + 1 < args.len() {
            let t = &args[j + 1];
            let Some(k) = crate::clients::kind_named(t) else {
                return Err(CmdError::err(format!(
                    "Unknown client type '{}'",
                    String::from_utf8_lossy(t)
                )));
            };
            kind = Some(k);
            j += 2;
        } else if is(&args[j], "ID") && j + 1 < args.len() {
            let mut v = ids.take().unwrap_or_default();
            for a in &args[j + 1..] {
                let id = numeric::parse_i64(a)
                    .filter(|&i| i > 0)
                    .ok_or_else(|| CmdError::err("Invalid client ID"))?;
                v.push(id as u64);
            }
            ids = Some(v);
            j = args.len();
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let mut text = String::new();
    for c in ctx.server.clients.all() {
        if ids.as_ref().is_some_and(|ids| !ids.contains(&c.id))
            || kind.is_some_and(|k| k != c.kind.load(Ordering::Relaxed))
        {
            continue;
        }
        text.push_str(&client_line(ctx, &c, now));
        text.push('\n');
    }
    Ok(ctx.reply.verbatim(text.as_bytes()))
}

pub fn client_info(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let mut line = client_line(ctx, &ctx.session.handle.clone(), unix_ms());
    line.push('\n');
    Ok(ctx.reply.verbatim(line.as_bytes()))
}

/// CLIENT KILL ip:port | CLIENT KILL <filter> <value> ...
pub fn client_kill(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let clients = ctx.server.clients.all();
    if args.len() == 3 {
        let addr = String::from_utf8_lossy(&args[2]);
        let Some(c) = clients.iter().find(|c| c.peer.to_string() == addr) else {
            return Err(CmdError::err("No such client"));
        };
        c.kill();
        return Ok(ctx.reply.ok());
    }
    let mut id: Option<u64> = None;
    let mut addr: Option<String> = None;
    let mut laddr: Option<String> = None;
    let mut skipme = true;
    let mut kind = None;
    let mut j = 2;
    while j < args.len() {
        if j + 1 >= args.len() {
            return Err(CmdError::Syntax);
        }
        let v = &args[j + 1];
        if is(&args[j], "ID") {
            id = Some(
                numeric::parse_i64(v)
                    .filter(|&i| i > 0)
                    .ok_or_else(|| CmdError::err("client-id should be greater than 0"))?
                    as u64,
            );
        } else if is(&args[j], "ADDR") {
            addr = Some(String::from_utf8_lossy(v).into_owned());
        } else if is(&args[j], "LADDR") {
            laddr = Some(String::from_utf8_lossy(v).into_owned());
        } else if is(&args[j], "SKIPME") {
            skipme = if is(v, "yes") {
                true
            } else if is(v, "no") {
                false
            } else {
                return Err(CmdError::Syntax);
            };
        } else if is(&args[j], "TYPE") {
            let Some(k) = crate::clients::kind_named(v) else {
                return Err(CmdError::err(format!(
                    "Unknown client type '{}'",
                    String::from_utf8_lossy(v)
                )));
            };
            kind = Some(k);
        } else if is(&args[j], "USER") {
            // Only the default user exists until ACLs do.
            if &v[..] != b"default" {
                return Err(CmdError::err(format!(
                    "No such user '{}'",
                    String::from_utf8_lossy(v)
                )));
            }
        } else {
            return Err(CmdError::Syntax);
        }
        j += 2;
    }
    let mut killed = 0;
    for c in clients {
        if kind.is_some_and(|k| k != c.kind.load(Ordering::Relaxed))
            || id.is_some_and(|i| i != c.id)
            || addr.as_ref().is_some_and(|a| *a != c.peer.to_string())
            || laddr.as_ref().is_some_and(|a| *a != c.local.to_string())
            || (skipme && c.id == ctx.session.id)
        {
            continue;
        }
        if c.id == ctx.session.id {
            ctx.session.close_after_reply = true;
        } else {
            c.kill();
        }
        killed += 1;
    }
    Ok(ctx.reply.int(killed))
}

pub fn client_reply(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let mode = if is(&args[2], "ON") {
        ReplyMode::On
    } else if is(&args[2], "OFF") {
        ReplyMode::Off
    } else if is(&args[2], "SKIP") {
        ReplyMode::SkipNext
    } else {
        return Err(CmdError::Syntax);
    };
    ctx.session.reply_mode = mode;
    Ok(ctx.reply.ok())
}

pub fn client_no_evict(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let on = if is(&args[2], "ON") {
        true
    } else if is(&args[2], "OFF") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    ctx.session.handle.no_evict.store(on, Ordering::Relaxed);
    Ok(ctx.reply.ok())
}

/// CLIENT PAUSE timeout [WRITE|ALL]
pub fn client_pause(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let timeout = numeric::parse_i64(&args[2])
        .filter(|&t| t >= 0)
        .ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    let all = match args.get(3) {
        None => true,
        Some(m) if is(m, "ALL") => true,
        Some(m) if is(m, "WRITE") => false,
        Some(_) => return Err(CmdError::Syntax),
    };
    if args.len() > 4 {
        return Err(CmdError::Syntax);
    }
    let until = unix_ms().saturating_add(timeout);
    let server = ctx.server;
    // A longer or stricter pause already in force is kept, as Redis does.
    if until > server.pause_until_ms.load(Ordering::Acquire) {
        server.pause_until_ms.store(until, Ordering::Release);
    }
    if all {
        server.pause_all.store(true, Ordering::Release);
    } else if server.pause_until_ms.load(Ordering::Acquire) == until {
        server.pause_all.store(false, Ordering::Release);
    }
    Ok(ctx.reply.ok())
}

pub fn client_unpause(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.server.pause_until_ms.store(0, Ordering::Release);
    ctx.server.pause_all.store(false, Ordering::Release);
    ctx.server.unpaused.notify_waiters();
    Ok(ctx.reply.ok())
}

pub fn client_help(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let lines: &[&str] = &[
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Set client library name or version.",
    ];
    Ok(crate::commands::server_cmds::help_reply(
        &mut ctx.reply,
        &ctx.name,
        lines,
    ))
}
