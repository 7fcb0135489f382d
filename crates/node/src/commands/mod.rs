//! Command dispatch: lookup, arity, authentication, cluster routing, locking, execution,
//! error rendering, statistics and the slow log — Redis's `processCommand` + `call`.

pub mod cluster;
pub mod connection_cmds;
pub mod info;
pub mod pubsub;
pub mod replication_cmds;
pub mod server_cmds;
pub mod table;
pub mod transaction;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::{Bytes, BytesMut};
use store::{CmdError, Ctx, Keyspace, Locked, Reply};

use crate::server::{CommandClock, Server, unix_ms};
use crate::session::{CallCtx, ReplyMode, Session};
use crate::stats::SlowLogClient;
use table::Run;

/// Executes one command and appends its reply to `out`, at the time `clock` holds (the
/// time of the read batch the command arrived in, advanced by the commands before it);
/// advances the clock to the command's end.
pub fn execute(
    server: &Arc<Server>,
    session: &mut Session,
    args: &[Bytes],
    out: &mut BytesMut,
    clock: &mut CommandClock,
) {
    execute_in(server, session, args, out, clock, None);
}

/// [`execute`], for a data command of a transaction whose slots EXEC already holds.
pub fn execute_in(
    server: &Arc<Server>,
    session: &mut Session,
    args: &[Bytes],
    out: &mut BytesMut,
    clock: &mut CommandClock,
    held: Option<&mut Locked<'_>>,
) {
    let started = clock.now_us();
    let now_ms = clock.unix_ms();
    session.refresh_db(server);
    let mark = out.len();
    let mode_before = session.reply_mode;
    if mode_before == ReplyMode::Skipping {
        session.reply_mode = ReplyMode::On;
    }

    let ran = dispatch(server, session, args, out, now_ms, held);
    let elapsed = clock.advance() - started;
    if let Some((index, failed)) = ran {
        if server.monitors.is_active() {
            // The database shown is the client's after the command, as Redis (SELECT 2 is
            // shown as run in db 2).
            feed_monitors(server, session, args, session.db_index);
        }
        server.command_stats.record(index, elapsed, failed);
        let threshold = server.slowlog_threshold_us.load(Ordering::Relaxed);
        if threshold >= 0 && elapsed as i64 >= threshold {
            server.slowlog_record(session, args, elapsed);
        }
    }
    session
        .handle
        .last_interaction_ms
        .store(now_ms, Ordering::Relaxed);

    match session.reply_mode {
        ReplyMode::Off => out.truncate(mark),
        ReplyMode::SkipNext => {
            out.truncate(mark);
            session.reply_mode = ReplyMode::Skipping;
        }
        ReplyMode::On if mode_before == ReplyMode::Skipping => out.truncate(mark),
        _ => {}
    }
}

/// A top-level command resolved once on a connection, remembered by the bytes the client
/// sent for its name.
pub struct ResolvedCommand {
    sent: [u8; 16],
    sent_len: usize,
    name: table::CommandName,
    index: usize,
}

impl ResolvedCommand {
    fn new(sent: &[u8], name: table::CommandName, index: usize) -> Option<ResolvedCommand> {
        let mut bytes = [0u8; 16];
        bytes.get_mut(..sent.len())?.copy_from_slice(sent);
        Some(ResolvedCommand {
            sent: bytes,
            sent_len: sent.len(),
            name,
            index,
        })
    }

    fn matches(&self, sent: &[u8]) -> bool {
        &self.sent[..self.sent_len] == sent
    }
}

/// Sends an executed command to MONITOR clients (not admin commands, as Redis).
fn feed_monitors(server: &Server, session: &Session, args: &[Bytes], db_index: usize) {
    let Ok(name) = table::resolve_entry(args) else {
        return;
    };
    if name.cmd.has_flag(table::flag::ADMIN) || name.cmd.has_flag(table::flag::SKIP_MONITOR) {
        return;
    }
    let line = crate::monitor::format_line(
        crate::server::unix_us(),
        db_index,
        &session.peer.to_string(),
        args,
    );
    server.monitors.feed(line);
}

/// How long the command in `args` must wait because of CLIENT PAUSE (None: it runs now).
pub fn paused_until(server: &Server, args: &[Bytes], now_ms: i64) -> Option<i64> {
    let writes = || {
        table::resolve_entry(args).is_ok_and(|name| {
            name.cmd.has_flag(table::flag::WRITE) || name.cmd.has_flag(table::flag::MAY_REPLICATE)
        })
    };
    // A shutdown's final save holds writes until it ends (the waiter is woken then, or
    // looks again after a second).
    if server
        .shutdown_progress
        .writes_paused
        .load(Ordering::Acquire)
        && writes()
    {
        return Some(now_ms.saturating_add(1000));
    }
    let until = server.pause_until_ms.load(Ordering::Acquire);
    if until <= now_ms {
        return None;
    }
    if server.pause_all.load(Ordering::Acquire) {
        return Some(until);
    }
    writes().then_some(until)
}

/// Redis's `bgsaveerr` reply.
const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// Writes an error reply and counts it (INFO stats and errorstats).
pub(crate) fn write_error(server: &Server, out: &mut BytesMut, text: &str) {
    server.stats.total_error_replies.add(1);
    server.command_stats.record_error(text);
    resp::encode::error(out, text.as_bytes());
}

/// Why the server's state refuses `cmd` now, in Redis `processCommand`'s order (after
/// authentication and cluster routing, before MULTI queuing), if it does.
fn refusal(
    server: &Server,
    session: &Session,
    cmd: &table::Command,
    name: &table::CommandName,
) -> Option<std::borrow::Cow<'static, str>> {
    let writes = cmd.has_flag(table::flag::WRITE);
    // Writes (and PING) are refused while the last background save failed, when
    // `stop-writes-on-bgsave-error` asks for it, or while the AOF cannot be written (Redis
    // `writeCommandsDeniedByDiskError`).
    if (writes || cmd.name == "ping") && server.persistence.writes_denied(&server.config) {
        return Some(MISCONF.into());
    }
    let replaying = session.aof_client;
    if (writes || cmd.name == "ping")
        && !replaying
        && let Some(refusal) = server.aof.write_refusal()
    {
        return Some(refusal.into());
    }
    // Replication: too few good replicas (a master), a read-only replica, a replica whose
    // master link is down with `replica-serve-stale-data no`.
    let repl = &server.replication;
    if writes && !replaying {
        if !repl.writes_allowed() {
            return Some("NOREPLICAS Not enough good replicas to write.".into());
        }
        if repl.is_replica() && server.config.read().replica_read_only {
            return Some("READONLY You can't write against a read only replica.".into());
        }
    }
    if !cmd.has_flag(table::flag::STALE)
        && !replaying
        && repl.is_replica()
        && repl.link_state() != Some(::replication::LinkState::Connected)
        && !server.config.read().replica_serve_stale_data
    {
        return Some(
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
                .into(),
        );
    }
    // RESP2 clients in subscribed mode may only (un)subscribe, ping, quit or reset.
    if session.subs.active()
        && session.proto == resp::Protocol::Resp2
        && !pubsub::allowed_in_subscribed_mode(cmd.name)
    {
        return Some(format!(
            "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        ).into());
    }
    if !cmd.has_flag(table::flag::LOADING)
        && !replaying
        && server.persistence.loading.load(Ordering::Acquire)
    {
        return Some("LOADING Redis is loading the dataset in memory".into());
    }
    None
}

/// Runs the command; returns its statistics index and whether it failed, or `None` when it
/// was not found.
fn dispatch(
    server: &Arc<Server>,
    session: &mut Session,
    args: &[Bytes],
    out: &mut BytesMut,
    now_ms: i64,
    held: Option<&mut Locked<'_>>,
) -> Option<(usize, bool)> {
    // Clients repeat their commands: the last top-level command resolved on this connection
    // is remembered by its exact name bytes, which skips lowercasing and two hash lookups.
    let cached = session
        .last_command
        .as_ref()
        .filter(|c| c.matches(&args[0]))
        .map(|c| (c.name, c.index));
    let (name, index) = match cached {
        Some(hit) => hit,
        None => {
            let name = match table::resolve_entry(args) {
                Ok(n) => n,
                Err(text) => {
                    session.tx.flag_error();
                    write_error(server, out, &text);
                    return None;
                }
            };
            let index = server.command_stats.index_of(name.cmd)?;
            // Only plain commands: a container's name alone says nothing about what runs
            // (`COMMAND` vs `COMMAND INFO`).
            let plain = name.parent.is_none()
                && !matches!(name.cmd.run, Run::Container)
                && !std::ptr::eq(name.cmd, &table::BARE_COMMAND);
            if plain {
                session.last_command = ResolvedCommand::new(&args[0], name, index);
            }
            (name, index)
        }
    };
    let cmd = name.cmd;
    // Redis records the command as the client's last one before running it (CLIENT INFO
    // shows `cmd=client|info`).
    session.handle.last_cmd.store(index, Ordering::Relaxed);
    if !cmd.arity_ok(args.len()) {
        session.tx.flag_error();
        server.command_stats.record_rejected(index);
        write_error(
            server,
            out,
            &format!("ERR wrong number of arguments for '{name}' command"),
        );
        return None;
    }
    if !session.authenticated && !cmd.has_flag(table::flag::NO_AUTH) {
        session.tx.flag_error();
        server.command_stats.record_rejected(index);
        write_error(server, out, "NOAUTH Authentication required.");
        return None;
    }

    let mut key_indices = std::mem::take(&mut session.scratch_keys);
    cmd.key_indices(args, &mut key_indices);
    // Each key is hashed once: its slot serves the routing, the locks and the handler.
    let mut known = std::mem::take(&mut session.scratch_known);
    known.clear();
    known.extend(
        key_indices
            .iter()
            .map(|&i| Locked::known_key(&args[i], slot_map::key_slot(&args[i]))),
    );
    if let Some(cluster) = &server.cluster
        && !session.aof_client
        && !known.is_empty()
        && let Err(e) = cluster.route(
            cmd,
            known.iter().map(|k| k.2),
            session.handle.readonly.load(Ordering::Relaxed),
        )
    {
        session.scratch_keys = key_indices;
        session.scratch_known = known;
        session.tx.flag_error();
        server.command_stats.record_rejected(index);
        write_error(server, out, &e.to_string());
        return None;
    }

    if let Some(text) = refusal(server, session, cmd, &name) {
        session.scratch_keys = key_indices;
        session.scratch_known = known;
        session.tx.flag_error();
        server.command_stats.record_rejected(index);
        write_error(server, out, &text);
        return None;
    }

    // Inside MULTI every command but the transaction's own is queued (Redis
    // `processCommand`), once it passed the checks above.
    if session.tx.in_multi() && !transaction::runs_inside_multi(cmd) {
        session.scratch_keys = key_indices;
        session.scratch_known = known;
        if cmd.has_flag(table::flag::NO_MULTI) {
            session.tx.flag_error();
            server.command_stats.record_rejected(index);
            write_error(server, out, "ERR Command not allowed inside a transaction");
            return None;
        }
        session.tx.queue(args);
        resp::encode::simple(out, b"QUEUED");
        return None;
    }

    let mark = out.len();
    let proto = session.proto;
    // Forget deletions by expiry logged on this thread before this command (by another
    // client, or the active expiry cycle).
    let _ = store::keyspace::take_expiry_log_end();
    let result = match cmd.run {
        Run::Data(handler) | Run::DataUnlocked(handler) => {
            let settings = session.settings(server);
            let db: &Keyspace = &session.db;
            let notify = session.block_notify.clone();
            let waker = move || -> Box<dyn Fn() + Send + Sync> {
                let notify = notify.clone();
                Box::new(move || notify.notify_one())
            };
            let may_block = !session.in_exec;
            let client_id = session.id;
            let in_exec = session.in_exec;
            let db_index = session.db_index;
            let log = server.dbs.write_log();
            let mut logged: Vec<Vec<Bytes>> = Vec::new();
            let mut log_end = None;
            let is_write = cmd.has_flag(table::flag::WRITE);
            // A replayed stream (AOF, or this replica's master) is appended as it came.
            let logging = !session.aof_client;
            let key_slots = |locked: &Locked<'_>| -> Vec<u16> {
                let held = locked.slots();
                if held.is_empty() {
                    known.iter().map(|k| k.2).collect()
                } else {
                    held
                }
            };
            let mut run = |locked: &mut Locked<'_>, out: &mut BytesMut| {
                // An AOF rewrite must have captured all or none of a write's slots.
                if is_write && log.is_rewriting() && !in_exec {
                    let missing = log.uncaptured(db_index, &locked.slots());
                    if !missing.is_empty() {
                        store::snapshot::capture_locked(
                            log, db_index, locked, &missing, &settings, now_ms,
                        );
                    }
                }
                let mut ctx = Ctx {
                    dbs: &server.dbs,
                    db,
                    db_index: session.db_index,
                    locked,
                    now_ms,
                    settings: &settings,
                    reply: Reply::new(out, proto),
                    client_id,
                    may_block,
                    blocked: None,
                    waker: Some(&waker),
                    propagation: Default::default(),
                };
                let r = handler(&mut ctx, args).map(|_| ());
                // A write that gave a key to blocked clients serves them before the slots
                // are released.
                let deferred = if ctx.locked.has_ready() {
                    store::cmd::blocking::serve_ready(&mut ctx)
                } else {
                    Vec::new()
                };
                // Logged while the slots are still locked, so the log has each key's writes
                // in the order they happened. A transaction's go out as one block at EXEC.
                if logging && log.is_enabled() {
                    let commands = std::mem::take(&mut ctx.propagation).commands(args);
                    if !commands.is_empty() {
                        if in_exec {
                            logged = commands;
                        } else {
                            if log.is_rewriting() && matches!(cmd.name, "move" | "swapdb") {
                                // Moves keys between databases without holding both: it
                                // cannot be placed on either side of a capture.
                                log.abort_rewrite("MOVE/SWAPDB ran during the rewrite");
                            }
                            let slots = key_slots(ctx.locked);
                            log_end = Some(log.append(db_index, &slots, &commands));
                        }
                    }
                }
                (r, ctx.blocked.take(), deferred)
            };
            let (r, blocked, deferred) = if let Some(held) = held {
                // EXEC locked the slots of the whole transaction.
                run(held, out)
            } else if matches!(cmd.run, Run::Data(_)) {
                let mut lock_order = std::mem::take(&mut session.scratch_lock_order);
                lock_order.clear();
                lock_order.extend(known.iter().map(|k| k.2));
                let mut locked = db.lock_slots(&mut lock_order);
                locked.set_known_keys(&known);
                let r = run(&mut locked, out);
                drop(locked);
                session.scratch_lock_order = lock_order;
                r
            } else {
                // Walks the keyspace or spans databases: it locks what it needs itself.
                run(&mut Locked::none(), out)
            };
            if !deferred.is_empty() {
                serve_deferred(server, db, &settings, deferred, now_ms);
            }
            if is_write && r.is_ok() && matches!(cmd.run, Run::DataUnlocked(_)) {
                // COPY, MOVE, SORT ... STORE lock their keys themselves, so the keys they
                // created for blocked clients were not served under the dispatcher's locks.
                serve_unlocked_write(
                    server,
                    &settings,
                    cmd.name,
                    args,
                    &key_indices,
                    db_index,
                    now_ms,
                );
            }
            session.blocked = blocked;
            session
                .exec_log
                .extend(logged.into_iter().map(|c| (db_index, c)));
            if let Some(end) = log_end {
                session.log_offset = end;
            }
            r
        }
        Run::Server(handler) => {
            let mut ctx = CallCtx {
                server,
                session,
                reply: Reply::new(out, proto),
                name,
            };
            handler(&mut ctx, args).map(|_| ())
        }
        Run::Container => Err(CmdError::WrongArity(name.to_string())),
    };
    // Keys this command found expired were deleted and their DELs logged: its client's WAIT
    // (and its reply under `appendfsync always`) covers them, as Redis's `c->woff`.
    if let Some(end) = store::keyspace::take_expiry_log_end() {
        session.log_offset = session.log_offset.max(end);
    }
    session.scratch_keys = key_indices;
    session.scratch_known = known;
    let failed = match result {
        Ok(()) => false,
        Err(e) => {
            // A handler answers only once it has succeeded; drop anything partial all the same.
            out.truncate(mark);
            write_error(server, out, &e.to_string());
            true
        }
    };
    Some((index, failed))
}

/// Serves BLMOVE waiters whose destination lies in a slot the pushing command did not hold
/// (standalone mode only: cluster mode keeps both keys in one slot), locking both slots.
fn serve_deferred(
    server: &Server,
    db: &Keyspace,
    settings: &store::StoreSettings,
    mut pending: Vec<(Bytes, Bytes)>,
    now_ms: i64,
) {
    // Each round serves at least one waiter or stops; bounded all the same.
    for _ in 0..1024 {
        let Some((key, dst)) = pending.pop() else {
            return;
        };
        let mut locked = db.lock_keys([&key[..], &dst[..]]);
        let next = serve_waiters(server, db, settings, &mut locked, now_ms, |ctx| {
            let next = store::cmd::blocking::serve_key(ctx, &key);
            // The destination's own waiters (a BLPOP behind the served BLMOVE) are served
            // now, with the move, as in Redis.
            if ctx.locked.has_ready() {
                pending.extend(store::cmd::blocking::serve_ready(ctx));
            }
            next
        });
        drop(locked);
        if let Some(next) = next
            && next != dst
        {
            pending.push((key, next));
        }
    }
}

/// Runs `serve` (serving blocked clients of keys in `locked`) as a command of its own: the
/// slots are captured first if a capture runs, and the pops it made are logged while the
/// slots are still locked.
fn serve_waiters<R>(
    server: &Server,
    db: &Keyspace,
    settings: &store::StoreSettings,
    locked: &mut Locked<'_>,
    now_ms: i64,
    serve: impl FnOnce(&mut Ctx<'_, '_>) -> R,
) -> R {
    let log = server.dbs.write_log();
    let slots = locked.slots();
    if log.is_rewriting() {
        let missing = log.uncaptured(db.index(), &slots);
        store::snapshot::capture_locked(log, db.index(), locked, &missing, settings, now_ms);
    }
    let mut scratch = BytesMut::new();
    let mut ctx = Ctx {
        dbs: &server.dbs,
        db,
        db_index: db.index(),
        locked,
        now_ms,
        settings,
        reply: Reply::new(&mut scratch, resp::Protocol::Resp2),
        client_id: 0,
        may_block: false,
        blocked: None,
        waker: None,
        propagation: Default::default(),
    };
    let r = serve(&mut ctx);
    if log.is_enabled() {
        let commands = std::mem::take(&mut ctx.propagation).commands(&[]);
        if !commands.is_empty() {
            log.append(db.index(), &slots, &commands);
        }
    }
    r
}

/// Serves the clients blocked on keys a self-locking write (COPY, MOVE, SORT ... STORE)
/// may have created: its key arguments, in its database and in the one it named (MOVE key
/// db, COPY ... DB db), as Redis's `signalKeyAsReady` does for them.
fn serve_unlocked_write(
    server: &Server,
    settings: &store::StoreSettings,
    name: &str,
    args: &[Bytes],
    key_indices: &[usize],
    db_index: usize,
    now_ms: i64,
) {
    let mut dbs = vec![db_index];
    let named = match name {
        "move" => args.get(2),
        "copy" => args
            .iter()
            .position(|a| a.eq_ignore_ascii_case(b"db"))
            .and_then(|i| args.get(i + 1)),
        _ => None,
    };
    if let Some(index) = named
        .and_then(|a| numeric::parse_i64(a))
        .and_then(|i| usize::try_from(i).ok())
        && index != db_index
    {
        dbs.push(index);
    }
    for index in dbs {
        let Some(db) = server.dbs.get(index) else {
            continue;
        };
        for &i in key_indices {
            let mut locked = db.lock_keys([&args[i][..]]);
            if !locked.has_ready() {
                continue;
            }
            let deferred = serve_waiters(server, &db, settings, &mut locked, now_ms, |ctx| {
                store::cmd::blocking::serve_ready(ctx)
            });
            drop(locked);
            if !deferred.is_empty() {
                serve_deferred(server, &db, settings, deferred, now_ms);
            }
        }
    }
}

impl Server {
    fn slowlog_record(&self, session: &Session, args: &[Bytes], elapsed_us: u64) {
        let max_len = self.config.read().slowlog_max_len;
        let client_name = session
            .handle
            .name
            .lock()
            .as_ref()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        self.slowlog.lock().push(
            args,
            elapsed_us,
            unix_ms() / 1000,
            SlowLogClient {
                peer: session.peer.to_string(),
                name: client_name,
            },
            usize::try_from(max_len).unwrap_or(usize::MAX),
        );
    }
}
