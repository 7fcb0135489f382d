//! Server commands: INFO, CONFIG, COMMAND, DEBUG, SLOWLOG, LATENCY, TIME, LASTSAVE, SHUTDOWN,
//! and the HELP texts.

use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use config::ProtectedAction;
use store::{CmdError, CmdResult, Reply, Written};

use super::table::{self, Begin, COMMANDS, Command, CommandName, Find, KeySpec, Keys};
use crate::persistence::{self, SaveError};
use crate::server::unix_us;
use crate::session::CallCtx;
use store::cmd::is;

/// DEBUG SET-ACTIVE-EXPIRE 0 turns the active expiry cycle off (tests use it).
pub static ACTIVE_EXPIRE_DISABLED: AtomicBool = AtomicBool::new(false);

/// A HELP reply as Redis's `addReplyHelp` writes it: a header naming the command, the
/// lines, and the standard `HELP` footer, each a status line.
pub fn help_reply(reply: &mut Reply<'_>, name: &CommandName, lines: &[&str]) -> Written {
    let command = name.parent.unwrap_or(name.cmd).name.to_uppercase();
    let w = reply.array(lines.len() + 3);
    let _ = reply.simple(
        format!("{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").as_bytes(),
    );
    for l in lines {
        let _ = reply.simple(l.as_bytes());
    }
    let _ = reply.simple(b"HELP");
    let _ = reply.simple(b"    Prints this help.");
    w
}

pub fn object_help(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(help_reply(
        &mut ctx.reply,
        &ctx.name,
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    ))
}

pub fn info(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let sections: Vec<String> = args[1..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_lowercase())
        .collect();
    let text = super::info::render(ctx.server, &sections);
    Ok(ctx.reply.verbatim(text.as_bytes()))
}

pub fn time(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let us = unix_us();
    let w = ctx.reply.array(2);
    let _ = ctx
        .reply
        .bulk(itoa::Buffer::new().format(us / 1_000_000).as_bytes());
    let _ = ctx
        .reply
        .bulk(itoa::Buffer::new().format(us % 1_000_000).as_bytes());
    Ok(w)
}

pub fn lastsave(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(ctx
        .reply
        .int(ctx.server.persistence.lastsave.load(Ordering::Relaxed)))
}

/// SAVE: a snapshot written now; the reply waits for it (other clients are served meanwhile).
pub fn save(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    match persistence::save(ctx.server) {
        Ok(_) => Ok(ctx.reply.ok()),
        Err(SaveError::InProgress) => Err(CmdError::err("Background save already in progress")),
        Err(SaveError::Failed(_)) => Err(CmdError::Raw("ERR".into())),
    }
}

/// FLUSHALL [ASYNC|SYNC]: empties every database, then saves the empty dataset when save
/// rules are configured (Redis `flushAllDataAndResetRDB`).
pub fn flushall(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    store::cmd::keys::flush_option(args)?;
    let server = ctx.server;
    let mut removed = 0;
    for (_, db) in server.dbs.all() {
        removed += store::cmd::keys::flush_keyspace(&db);
    }
    let dirty = &server.dbs.stats().dirty;
    dirty.add(i64::try_from(removed).unwrap_or(i64::MAX));
    let log = server.dbs.write_log();
    if log.is_enabled() && !ctx.session.aof_client {
        ctx.session.log_offset = log.append(ctx.session.db_index, &[], &[args]);
    }
    if !server.config.read().save.is_empty() {
        // A failure is logged and shows in INFO persistence; FLUSHALL still succeeds.
        let _ = persistence::save(server);
    }
    dirty.add(1);
    Ok(ctx.reply.ok())
}

/// BGREWRITEAOF: rewrites the append-only file in the background (forkless).
pub fn bgrewriteaof(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    match crate::append_only::start_rewrite(ctx.server) {
        Ok(()) => Ok(ctx
            .reply
            .simple(b"Background append only file rewriting started")),
        Err(e) => Err(CmdError::err(e.to_string())),
    }
}

/// BGSAVE [SCHEDULE]
pub fn bgsave(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 2 || (args.len() == 2 && !is(&args[1], "SCHEDULE")) {
        return Err(CmdError::Syntax);
    }
    match persistence::start_bgsave(ctx.server) {
        Ok(()) => Ok(ctx.reply.simple(b"Background saving started")),
        Err(SaveError::InProgress) => Err(CmdError::err("Background save already in progress")),
        Err(SaveError::Failed(e)) => Err(CmdError::err(format!("{e:#}"))),
    }
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] | ABORT: saves first when save rules are configured
/// (or SAVE is given, and not NOSAVE); a failed save keeps the server up unless FORCE
/// ([`persistence::prepare_for_shutdown`]). ABORT, alone, cancels a shutdown still waiting
/// for its replicas; the SHUTDOWN it cancels gets Redis's error.
pub fn shutdown(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() == 2 && is(&args[1], "ABORT") {
        return if persistence::abort_shutdown(ctx.server) {
            Ok(ctx.reply.ok())
        } else {
            Err(CmdError::err("No shutdown in progress."))
        };
    }
    let (mut nosave, mut save, mut now, mut force) = (false, false, false, false);
    for a in &args[1..] {
        if is(a, "NOSAVE") {
            nosave = true;
        } else if is(a, "SAVE") {
            save = true;
        } else if is(a, "NOW") {
            now = true;
        } else if is(a, "FORCE") {
            force = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if nosave && save {
        return Err(CmdError::Syntax);
    }
    let flags = persistence::ShutdownFlags {
        save,
        nosave,
        now,
        force,
    };
    // The replicas' acknowledgements arrive on other tasks: this worker's are handed to
    // another thread while the wait and the save block this one.
    let server = ctx.server;
    if tokio::task::block_in_place(|| persistence::prepare_for_shutdown(server, flags)).is_err() {
        return Err(CmdError::err("Errors trying to SHUTDOWN. Check logs."));
    }
    crate::replication::stop_link(ctx.server);
    ctx.server.request_shutdown();
    ctx.session.close_after_reply = true;
    // Redis sends nothing on success: the client sees the connection close.
    Ok(ctx.reply.nothing())
}

pub fn monitor(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    if ctx.session.monitor.is_none() {
        ctx.session.monitor = Some(ctx.server.monitors.subscribe(ctx.session.id));
        ctx.session
            .handle
            .monitor
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(ctx.reply.ok())
}

// ---- CONFIG -------------------------------------------------------------------------------

pub fn config_get(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let patterns: Vec<&[u8]> = args[2..].iter().map(|a| &a[..]).collect();
    let pairs = ctx.server.config.read().get(&patterns);
    let w = ctx.reply.map(pairs.len());
    for (name, value) in pairs {
        let _ = ctx.reply.bulk(name.as_bytes());
        let _ = ctx.reply.bulk(value.as_bytes());
    }
    Ok(w)
}

/// Redis's CONFIG_REPL_BACKLOG_MIN_SIZE.
const REPL_BACKLOG_MIN_SIZE: u64 = 16 * 1024;

pub fn config_set(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    if !args.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    let pairs: Vec<(&[u8], &[u8])> = args[2..]
        .chunks(2)
        .map(|p| (&p[0][..], &p[1][..]))
        .collect();
    let origin = config::SetOrigin {
        local_client: ctx.session.peer.ip().is_loopback(),
        loading: false,
    };
    {
        let mut cfg = ctx.server.config.write();
        let before = cfg.clone();
        let changed = cfg
            .set_from(&pairs, origin)
            .map_err(|e| CmdError::Raw(e.to_string()))?;
        // Redis's `updateReplBacklogSize`: the backlog is never smaller than 16 KiB
        // (CONFIG_REPL_BACKLOG_MIN_SIZE); only CONFIG SET applies it, not the startup value.
        if changed.contains(&"repl-backlog-size") && cfg.repl_backlog_size < REPL_BACKLOG_MIN_SIZE {
            cfg.repl_backlog_size = REPL_BACKLOG_MIN_SIZE;
        }
        // Effects the server applies itself; a failure undoes the whole CONFIG SET, as Redis's
        // apply functions do.
        if changed.contains(&"appendonly") && cfg.appendonly != before.appendonly {
            *cfg = before;
            return Err(CmdError::Raw(
                config::ConfigError::SetFailed {
                    name: "appendonly".to_owned(),
                    reason: "switching the append only file on or off at runtime is not supported yet: restart with the new setting".to_owned(),
                }
                .to_string(),
            ));
        }
        if changed.contains(&"dir")
            && let Err(e) = std::env::set_current_dir(&cfg.dir)
        {
            *cfg = before;
            return Err(CmdError::Raw(
                config::ConfigError::SetFailed {
                    name: "dir".to_owned(),
                    reason: e.to_string(),
                }
                .to_string(),
            ));
        }
        if changed.contains(&"port") || changed.contains(&"bind") {
            // Redis's changeListener: the new sockets must bind, or nothing changes.
            match ctx.server.rebind(&cfg, &before) {
                Ok(()) => {
                    ctx.server
                        .port
                        .store(cfg.port, std::sync::atomic::Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "Failed to bind the new listening sockets");
                    let name = if changed.contains(&"port") {
                        "port"
                    } else {
                        "bind"
                    };
                    *cfg = before;
                    return Err(CmdError::Raw(
                        config::ConfigError::SetFailed {
                            name: name.to_owned(),
                            reason: "Unable to listen on this port".to_owned(),
                        }
                        .to_string(),
                    ));
                }
            }
        }
        if changed.is_empty() {
            return Ok(ctx.reply.ok());
        }
    }
    ctx.server.config_changed();
    Ok(ctx.reply.ok())
}

pub fn config_resetstat(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.server.stats.reset();
    ctx.server.command_stats.reset();
    ctx.server.dbs.stats().reset();
    ctx.server.metrics.reset_peak();
    Ok(ctx.reply.ok())
}

pub fn config_rewrite(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let Some(path) = &ctx.server.config_file else {
        return Err(CmdError::err("The server is running without a config file"));
    };
    ctx.server.config.read().rewrite(path).map_err(|e| {
        tracing::warn!(error = %e, "CONFIG REWRITE failed");
        CmdError::err(format!("Rewriting config file: {e}"))
    })?;
    tracing::info!("CONFIG REWRITE executed with success.");
    Ok(ctx.reply.ok())
}

pub fn config_help(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(help_reply(
        &mut ctx.reply,
        &ctx.name,
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    ))
}

// ---- COMMAND ------------------------------------------------------------------------------

fn all_commands() -> impl Iterator<Item = &'static Command> {
    COMMANDS.iter()
}

/// One key spec as COMMAND INFO shows it.
fn write_key_spec(reply: &mut Reply<'_>, spec: &KeySpec) {
    let _ = reply.map(3);
    let _ = reply.bulk(b"flags");
    let _ = reply.set(spec.flags.len());
    for f in spec.flags {
        let _ = reply.simple(f.as_bytes());
    }
    let _ = reply.bulk(b"begin_search");
    let _ = reply.map(2);
    let _ = reply.bulk(b"type");
    match spec.begin {
        Begin::Index(index) => {
            let _ = reply.bulk(b"index");
            let _ = reply.bulk(b"spec");
            let _ = reply.map(1);
            let _ = reply.bulk(b"index");
            let _ = reply.int(index.into());
        }
        Begin::Unknown => {
            let _ = reply.bulk(b"unknown");
            let _ = reply.bulk(b"spec");
            let _ = reply.map(0);
        }
    }
    let _ = reply.bulk(b"find_keys");
    let _ = reply.map(2);
    let _ = reply.bulk(b"type");
    match spec.find {
        Find::Range {
            lastkey,
            keystep,
            limit,
        } => {
            let _ = reply.bulk(b"range");
            let _ = reply.bulk(b"spec");
            let _ = reply.map(3);
            for (name, v) in [("lastkey", lastkey), ("keystep", keystep), ("limit", limit)] {
                let _ = reply.bulk(name.as_bytes());
                let _ = reply.int(v.into());
            }
        }
        Find::KeyNum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            let _ = reply.bulk(b"keynum");
            let _ = reply.bulk(b"spec");
            let _ = reply.map(3);
            for (name, v) in [
                ("keynumidx", keynumidx),
                ("firstkey", firstkey),
                ("keystep", keystep),
            ] {
                let _ = reply.bulk(name.as_bytes());
                let _ = reply.int(v.into());
            }
        }
        Find::Unknown => {
            let _ = reply.bulk(b"unknown");
            let _ = reply.bulk(b"spec");
            let _ = reply.map(0);
        }
    }
}

/// One COMMAND INFO entry (Redis 7.0's 10-element shape).
fn write_command_info(reply: &mut Reply<'_>, cmd: &Command, parent: Option<&Command>) {
    let (first, last, step) = cmd.key_triple();
    let _ = reply.array(10);
    let _ = reply.bulk(table::full_name(parent, cmd).as_bytes());
    let _ = reply.int(cmd.arity.into());
    let flags: Vec<&str> = table::flag::NAMES
        .iter()
        .filter(|(f, _)| cmd.flags & f != 0)
        .map(|(_, n)| *n)
        .collect();
    let _ = reply.set(flags.len());
    for f in flags {
        let _ = reply.simple(f.as_bytes());
    }
    let _ = reply.int(first);
    let _ = reply.int(last);
    let _ = reply.int(step);
    let _ = reply.set(cmd.acl.len());
    for a in cmd.acl {
        let _ = reply.simple(format!("@{a}").as_bytes());
    }
    let _ = reply.set(0);
    match cmd.keys {
        Keys::None => {
            let _ = reply.array(0);
        }
        Keys::Range { first, last, step } => {
            let _ = reply.array(1);
            let lastkey = if last < 0 { last } else { last - first };
            let spec = KeySpec {
                flags: cmd.key_flags,
                begin: Begin::Index(first),
                find: Find::Range {
                    lastkey,
                    keystep: step,
                    limit: 0,
                },
            };
            write_key_spec(reply, &spec);
        }
        Keys::Specs { specs, .. } | Keys::Custom { specs, .. } => {
            let _ = reply.array(specs.len());
            for spec in specs {
                write_key_spec(reply, spec);
            }
        }
    }
    let _ = reply.array(cmd.subcommands.len());
    for s in cmd.subcommands {
        write_command_info(reply, s, Some(cmd));
    }
}

pub fn command(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let w = ctx.reply.array(COMMANDS.len());
    for c in all_commands() {
        write_command_info(&mut ctx.reply, c, None);
    }
    Ok(w)
}

pub fn command_count(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(ctx.reply.int(COMMANDS.len() as i64))
}

/// Finds a command or `container|sub` by name.
fn find_by_name(name: &[u8]) -> Option<(&'static Command, Option<&'static Command>)> {
    let text = std::str::from_utf8(name).ok()?;
    match text.split_once('|') {
        Some((top, sub)) => {
            let top = table::lookup(top.as_bytes())?;
            Some((top.subcommand(sub.as_bytes())?, Some(top)))
        }
        None => table::lookup(name).map(|c| (c, None)),
    }
}

pub fn command_info(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() == 2 {
        return command(ctx, args);
    }
    let w = ctx.reply.array(args.len() - 2);
    for name in &args[2..] {
        match find_by_name(name) {
            Some((c, parent)) => write_command_info(&mut ctx.reply, c, parent),
            None => {
                let _ = ctx.reply.null_array();
            }
        }
    }
    Ok(w)
}

fn write_command_docs(reply: &mut Reply<'_>, cmd: &Command, parent: Option<&Command>) {
    let _ = reply.bulk(table::full_name(parent, cmd).as_bytes());
    let has_subs = !cmd.subcommands.is_empty();
    let _ = reply.map(3 + usize::from(has_subs));
    let _ = reply.bulk(b"summary");
    let _ = reply.bulk(cmd.summary.as_bytes());
    let _ = reply.bulk(b"since");
    let _ = reply.bulk(cmd.since.as_bytes());
    let _ = reply.bulk(b"group");
    let _ = reply.bulk(cmd.group.as_bytes());
    if has_subs {
        let _ = reply.bulk(b"subcommands");
        let _ = reply.map(cmd.subcommands.len());
        for s in cmd.subcommands {
            write_command_docs(reply, s, Some(cmd));
        }
    }
}

pub fn command_docs(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let found: Vec<(&Command, Option<&Command>)> = if args.len() == 2 {
        all_commands().map(|c| (c, None)).collect()
    } else {
        args[2..].iter().filter_map(|n| find_by_name(n)).collect()
    };
    let w = ctx.reply.map(found.len());
    for (c, parent) in found {
        write_command_docs(&mut ctx.reply, c, parent);
    }
    Ok(w)
}

pub fn command_list(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let mut names: Vec<String> = Vec::new();
    for c in all_commands() {
        names.push(c.name.to_string());
        for s in c.subcommands {
            names.push(table::full_name(Some(c), s));
        }
    }
    if args.len() > 2 {
        if args.len() != 5 || !is(&args[2], "FILTERBY") {
            return Err(CmdError::Syntax);
        }
        let value = String::from_utf8_lossy(&args[4]).to_lowercase();
        if is(&args[3], "PATTERN") {
            names.retain(|n| glob::string_match(value.as_bytes(), n.as_bytes(), true));
        } else if is(&args[3], "ACLCAT") {
            names.retain(|n| {
                find_by_name(n.as_bytes()).is_some_and(|(c, _)| c.acl.contains(&value.as_str()))
            });
        } else if is(&args[3], "MODULE") {
            names.clear();
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(ctx.reply.bulk_array(names.iter().map(|n| n.as_bytes())))
}

/// COMMAND GETKEYS and GETKEYSANDFLAGS (`with_flags`).
fn command_keys(ctx: &mut CallCtx<'_>, args: &[Bytes], with_flags: bool) -> CmdResult {
    let cmd_args = &args[2..];
    let Some((top, sub)) = table::resolve(cmd_args) else {
        return Err(CmdError::err("Invalid command specified"));
    };
    let cmd = sub.unwrap_or(top);
    // Redis's order: a command without keys is refused before its arity is checked.
    if matches!(cmd.keys, table::Keys::None) {
        return Err(CmdError::err("The command has no key arguments"));
    }
    if !cmd.arity_ok(cmd_args.len()) {
        return Err(CmdError::err(
            "Invalid number of arguments specified for command",
        ));
    }
    let keys = cmd.keys_with_flags(cmd_args);
    if keys.is_empty() && !cmd.has_flag(table::flag::NO_MANDATORY_KEYS) {
        return Err(CmdError::err("Invalid arguments specified for command"));
    }
    if !with_flags {
        return Ok(ctx
            .reply
            .bulk_array(keys.iter().map(|&(i, _)| &cmd_args[i][..])));
    }
    let reply = &mut ctx.reply;
    let mut written = reply.array(keys.len());
    for (i, flags) in keys {
        let _ = reply.array(2);
        let _ = reply.bulk(&cmd_args[i]);
        written = reply.array(flags.len());
        for flag in flags {
            written = reply.simple(flag.as_bytes());
        }
    }
    Ok(written)
}

pub fn command_getkeys(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    command_keys(ctx, args, false)
}

pub fn command_getkeysandflags(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    command_keys(ctx, args, true)
}

pub fn command_help(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(help_reply(
        &mut ctx.reply,
        &ctx.name,
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
        ],
    ))
}

// ---- DEBUG --------------------------------------------------------------------------------

pub fn debug(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let allowed = ctx.server.config.read().enable_debug_command;
    let local = ctx.session.peer.ip().is_loopback();
    if allowed == ProtectedAction::No || (allowed == ProtectedAction::Local && !local) {
        return Err(CmdError::err(
            "DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
        ));
    }
    let sub = &args[1];
    if is(sub, "RELOAD") {
        let (mut merge, mut noflush, mut nosave) = (false, false, false);
        for a in &args[2..] {
            if is(a, "MERGE") {
                merge = true;
            } else if is(a, "NOFLUSH") {
                noflush = true;
            } else if is(a, "NOSAVE") {
                nosave = true;
            } else {
                return Err(CmdError::err(
                    "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
                ));
            }
        }
        match persistence::reload(ctx.server, merge, noflush, nosave) {
            Ok(()) => Ok(ctx.reply.ok()),
            Err(e) => {
                tracing::warn!("DEBUG RELOAD failed: {e:#}");
                Err(CmdError::err(
                    "Error trying to load the RDB dump, check server logs.",
                ))
            }
        }
    } else if is(sub, "SLEEP") && args.len() == 3 {
        let secs = numeric::parse_f64(&args[2]).ok_or(CmdError::NotFloat)?;
        if secs > 0.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
        }
        Ok(ctx.reply.ok())
    } else if is(sub, "SET-ACTIVE-EXPIRE") && args.len() == 3 {
        let on = store::cmd::int_arg(&args[2])? != 0;
        ACTIVE_EXPIRE_DISABLED.store(!on, Ordering::Relaxed);
        Ok(ctx.reply.ok())
    } else if is(sub, "DIGEST") && args.len() == 2 {
        let digest = store::digest::dataset_digest(&ctx.server.dbs);
        Ok(ctx.reply.simple(store::digest::hex(&digest).as_bytes()))
    } else if is(sub, "DIGEST-VALUE") {
        let db = ctx.session.db.clone();
        let w = ctx.reply.array(args.len() - 2);
        for key in &args[2..] {
            // As Redis (a plain dictFind): the stored value, expired or not, and nothing
            // is deleted.
            let guard = db.lock_slot(slot_map::key_slot(key));
            let digest = store::digest::key_value_digest(guard.peek(key));
            drop(guard);
            let _ = ctx.reply.simple(store::digest::hex(&digest).as_bytes());
        }
        Ok(w)
    } else if is(sub, "OBJECT") && args.len() == 3 {
        let now = crate::server::unix_ms();
        let db = ctx.session.db.clone();
        // A plain lookup as Redis's dictFind: an expired key is shown, not deleted.
        let guard = db.lock_slot(slot_map::key_slot(&args[2]));
        let Some(e) = guard.peek(&args[2]) else {
            return Err(CmdError::NoSuchKey);
        };
        let clock = e.clock();
        let idle = store::clock::idle_seconds(now, clock);
        let text = format!(
            "Value at:{:p} refcount:1 encoding:{} serializedlength:{} lru:{clock} lru_seconds_idle:{idle}",
            e as *const _,
            store::types::encoding_name(e),
            store::types::serialized_length(e),
        );
        drop(guard);
        Ok(ctx.reply.simple(text.as_bytes()))
    } else if is(sub, "HELP") {
        Ok(help_reply(
            &mut ctx.reply,
            &ctx.name,
            &[
                "DIGEST",
                "    Output a hex signature representing the current DB content.",
                "DIGEST-VALUE <key> [<key> ...]",
                "    Output a hex signature of the values of all the specified keys.",
                "OBJECT <key>",
                "    Show low level info about the `key` and associated value.",
                "RELOAD [option ...]",
                "    Save the RDB on disk and reload it back to memory. Available <option> values:",
                "    * MERGE: conflicting keys will be loaded from RDB.",
                "    * NOFLUSH: the existing database will not be removed before load, but",
                "      conflicting keys will generate an exception and kill the server.",
                "    * NOSAVE: the database will be loaded from an existing RDB file.",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Setting it to 0 disables expiring keys in background when they are not",
                "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                "    default.",
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
            ],
        ))
    } else {
        Err(CmdError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(sub)
        )))
    }
}

// ---- SLOWLOG ------------------------------------------------------------------------------

pub fn slowlog_get(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let count = match args.get(2) {
        None => 10usize,
        Some(a) => {
            let n = store::cmd::int_arg(a)
                .map_err(|_| CmdError::err("count should be greater than or equal to -1"))?;
            if n < -1 {
                return Err(CmdError::err("count should be greater than or equal to -1"));
            }
            if n == -1 { usize::MAX } else { n as usize }
        }
    };
    let log = ctx.server.slowlog.lock();
    let n = log.entries.len().min(count);
    let w = ctx.reply.array(n);
    for e in log.entries.iter().take(n) {
        let _ = ctx.reply.array(6);
        let _ = ctx.reply.int(e.id as i64);
        let _ = ctx.reply.int(e.time);
        let _ = ctx.reply.int(e.duration_us as i64);
        let _ = ctx.reply.bulk_array(e.args.iter().map(|a| &a[..]));
        let _ = ctx.reply.bulk(e.peer.as_bytes());
        let _ = ctx.reply.bulk(e.name.as_bytes());
    }
    Ok(w)
}

pub fn slowlog_len(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let n = ctx.server.slowlog.lock().entries.len();
    Ok(ctx.reply.int(n as i64))
}

pub fn slowlog_reset(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.server.slowlog.lock().entries.clear();
    Ok(ctx.reply.ok())
}

pub fn slowlog_help(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(help_reply(
        &mut ctx.reply,
        &ctx.name,
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    ))
}

// ---- LATENCY ------------------------------------------------------------------------------
// Tessera records no latency events yet (no fork, no AOF fsync, no eviction); the commands
// answer as Redis does with an empty event table.

pub fn latency_doctor(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let text = "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep better tonight.\n";
    Ok(ctx.reply.verbatim(text.as_bytes()))
}

pub fn latency_latest(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(ctx.reply.array(0))
}

pub fn latency_history(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(ctx.reply.array(0))
}

pub fn latency_graph(_ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    Err(CmdError::err(format!(
        "No samples available for event '{}'",
        String::from_utf8_lossy(&args[2])
    )))
}

pub fn latency_reset(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(ctx.reply.int(0))
}

pub fn latency_help(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(help_reply(
        &mut ctx.reply,
        &ctx.name,
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
        ],
    ))
}
