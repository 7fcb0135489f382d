//! MULTI, EXEC, DISCARD, WATCH and UNWATCH (Redis 7.0 `multi.c`).
//!
//! EXEC of a transaction made only of data commands locks the slots of all their keys (in
//! ascending order, once) and runs the commands under those locks: no other client sees or
//! changes those slots in between. A transaction that also holds connection or server
//! commands, or commands that lock across the keyspace themselves (KEYS, FLUSHALL, SELECT,
//! MOVE, ...), runs its commands one after the other, each taking its own locks.

use bytes::Bytes;
use store::{CmdError, CmdResult};

use super::table::{self, Command, Run};
use crate::server::{CommandClock, unix_ms};
use crate::session::CallCtx;

/// Commands that run at once inside MULTI instead of being queued.
pub fn runs_inside_multi(cmd: &Command) -> bool {
    matches!(
        cmd.name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

pub fn multi(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    if ctx.session.tx.in_multi() {
        return Err(CmdError::err("MULTI calls can not be nested"));
    }
    ctx.session.tx.begin();
    Ok(ctx.reply.ok())
}

pub fn discard(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    if ctx.session.tx.take().is_none() {
        return Err(CmdError::err("DISCARD without MULTI"));
    }
    ctx.session.tx.unwatch_all();
    Ok(ctx.reply.ok())
}

pub fn watch(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    if ctx.session.tx.in_multi() {
        return Err(CmdError::err("WATCH inside MULTI is not allowed"));
    }
    let now = unix_ms();
    let db = ctx.session.db.clone();
    for key in &args[1..] {
        ctx.session.tx.watch(&db, key, now);
    }
    Ok(ctx.reply.ok())
}

pub fn unwatch(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.session.tx.unwatch_all();
    Ok(ctx.reply.ok())
}

pub fn exec(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let Some((queued, aborted)) = ctx.session.tx.take() else {
        return Err(CmdError::err("EXEC without MULTI"));
    };
    let mut clock = CommandClock::start();
    let now = clock.unix_ms();
    let commands: Vec<Option<&'static Command>> = queued
        .iter()
        .map(|args| table::resolve(args).map(|(top, sub)| sub.unwrap_or(top)))
        .collect();
    let mut slots = Vec::new();
    let mut indices = Vec::new();
    for (cmd, args) in commands.iter().zip(&queued) {
        if let Some(cmd) = cmd {
            cmd.key_indices(args, &mut indices);
            slots.extend(indices.iter().map(|&i| slot_map::key_slot(&args[i])));
        }
    }
    if ctx.server.cluster.is_some() && slots.windows(2).any(|w| w[0] != w[1]) {
        // Redis discards the transaction here.
        ctx.session.tx.unwatch_all();
        return Err(CmdError::Raw(
            "CROSSSLOT Keys in request don't hash to the same slot".into(),
        ));
    }
    // Redis routes EXEC (all queued keys in one slot) before it looks at queueing errors;
    // commands sent after the transaction was flagged were never queued.
    if aborted {
        ctx.session.tx.unwatch_all();
        return Err(CmdError::Raw(
            "EXECABORT Transaction discarded because of previous errors.".into(),
        ));
    }
    if ctx.session.tx.watched_key_expired(now) {
        ctx.session.tx.unwatch_all();
        return Ok(ctx.reply.null_array());
    }
    let atomic = commands
        .iter()
        .all(|c| c.is_some_and(|c| matches!(c.run, Run::Data(_))));
    let (server, session) = (ctx.server, &mut *ctx.session);
    session.in_exec = true;
    let out = ctx.reply.buffer();
    if atomic {
        let db = session.db.clone();
        let mut locked = db.lock_slots(&mut slots);
        if session.tx.watched_key_changed() {
            drop(locked);
            session.in_exec = false;
            session.tx.unwatch_all();
            return Ok(ctx.reply.null_array());
        }
        let log = server.dbs.write_log();
        if log.is_rewriting() {
            let missing = log.uncaptured(session.db_index, &locked.slots());
            let settings = session.settings(server);
            store::snapshot::capture_locked(
                log,
                session.db_index,
                &locked,
                &missing,
                &settings,
                now,
            );
        }
        resp::encode::array_header(out, queued.len());
        for args in &queued {
            super::execute_in(server, session, args, out, &mut clock, Some(&mut locked));
        }
        log_transaction(server, session, &locked.slots());
        drop(locked);
    } else {
        if session.tx.watched_key_changed() {
            session.in_exec = false;
            session.tx.unwatch_all();
            return Ok(ctx.reply.null_array());
        }
        resp::encode::array_header(out, queued.len());
        for args in &queued {
            super::execute(server, session, args, out, &mut clock);
        }
        log_transaction(server, session, &slots);
    }
    ctx.session.in_exec = false;
    ctx.session.tx.unwatch_all();
    Ok(ctx.reply.nothing())
}

/// Appends the writes EXEC ran as one MULTI/EXEC block (while an atomic transaction still
/// holds its slots).
fn log_transaction(
    server: &crate::server::Server,
    session: &mut crate::session::Session,
    slots: &[u16],
) {
    let commands = std::mem::take(&mut session.exec_log);
    if commands.is_empty() {
        return;
    }
    let log = server.dbs.write_log();
    if log.is_enabled() {
        session.log_offset = log.append_transaction(slots, &commands);
    }
}
