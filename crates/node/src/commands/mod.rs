//! Command dispatch: lookup, arity, authentication, cluster routing, locking, execution,
//! error rendering, statistics and the slow log — Redis's `processCommand` + `call`.

pub mod cluster;
pub mod connection_cmds;
pub mod info;
pub mod server_cmds;
pub mod table;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use store::{CmdError, Ctx, Locked, Reply};

use crate::server::{Server, unix_ms};
use crate::session::{CallCtx, ReplyMode, Session};
use table::{Command, Run};

/// Executes one command and appends its reply to `out`.
pub fn execute(server: &Arc<Server>, session: &mut Session, args: &[Bytes], out: &mut BytesMut) {
    let started = Instant::now();
    let now_ms = unix_ms();
    session.refresh_db(server);
    let mark = out.len();
    let mode_before = session.reply_mode;
    if mode_before == ReplyMode::Skipping {
        session.reply_mode = ReplyMode::On;
    }

    let outcome = dispatch(server, session, args, out, now_ms);
    let failed = match &outcome {
        Outcome::Done { failed, .. } => *failed,
        Outcome::Rejected => true,
    };
    if let Outcome::Done { cmd_name, .. } = &outcome {
        let elapsed = started.elapsed().as_micros() as u64;
        server.command_stats.record(cmd_name, elapsed, failed);
        server
            .stats
            .total_commands_processed
            .fetch_add(1, Ordering::Relaxed);
        server.maybe_slowlog(session, args, elapsed, cmd_name);
    }
    session
        .handle
        .last_interaction_ms
        .store(now_ms, Ordering::Relaxed);
    if let Outcome::Done { cmd_name, .. } = outcome {
        let mut last = session.handle.last_cmd.lock();
        if last.as_str() != cmd_name {
            last.clear();
            last.push_str(&cmd_name);
        }
    }

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

enum Outcome {
    Done { cmd_name: String, failed: bool },
    Rejected,
}

fn write_error(server: &Server, out: &mut BytesMut, text: &str) {
    server
        .stats
        .total_error_replies
        .fetch_add(1, Ordering::Relaxed);
    server.command_stats.record_error(text);
    resp::encode::error(out, text.as_bytes());
}

fn dispatch(
    server: &Arc<Server>,
    session: &mut Session,
    args: &[Bytes],
    out: &mut BytesMut,
    now_ms: i64,
) -> Outcome {
    let Some((top, sub)) = table::resolve(args) else {
        write_error(server, out, &unknown_command(args));
        return Outcome::Rejected;
    };
    let cmd: &'static Command = match (&top.run, sub) {
        (Run::Container, Some(s)) => s,
        // Bare COMMAND lists every command (the only container that runs without a subcommand).
        (Run::Container, None) if args.len() == 1 && top.name == "command" => &BARE_COMMAND,
        (Run::Container, None) if args.len() >= 2 => {
            let text = format!(
                "ERR unknown subcommand '{}'. Try {} HELP.",
                truncated(&args[1], 128),
                top.name.to_uppercase()
            );
            write_error(server, out, &text);
            return Outcome::Rejected;
        }
        _ => top,
    };
    let parent = if std::ptr::eq(cmd, top) || std::ptr::eq(cmd, &BARE_COMMAND) {
        None
    } else {
        Some(top)
    };
    let full_name = table::full_name(parent, cmd);
    if !cmd.arity_ok(args.len()) {
        server.command_stats.record_rejected(&full_name);
        write_error(
            server,
            out,
            &format!("ERR wrong number of arguments for '{full_name}' command"),
        );
        return Outcome::Rejected;
    }
    if !session.authenticated && !cmd.has_flag(table::flag::NO_AUTH) {
        server.command_stats.record_rejected(&full_name);
        write_error(server, out, "NOAUTH Authentication required.");
        return Outcome::Rejected;
    }

    let mut key_indices = Vec::new();
    cmd.key_indices(args.len(), &mut key_indices);
    let asking = std::mem::take(&mut session.asking);
    if let Some(cluster) = &server.cluster
        && !key_indices.is_empty()
        && let Err(e) = cluster.route(session, cmd, args, &key_indices, asking)
    {
        server.command_stats.record_rejected(&full_name);
        write_error(server, out, &e.to_string());
        return Outcome::Rejected;
    }

    let mark = out.len();
    let proto = session.proto;
    let result = match cmd.run {
        Run::Data(handler) => {
            let settings = server.settings.read().clone();
            let mut slots: Vec<u16> = key_indices
                .iter()
                .map(|&i| slot_map::key_slot(&args[i]))
                .collect();
            let db = session.db.clone();
            let mut locked = db.lock_slots(&mut slots);
            let mut ctx = Ctx {
                dbs: &server.dbs,
                db: &db,
                db_index: session.db_index,
                locked: &mut locked,
                now_ms,
                settings: &settings,
                reply: Reply::new(out, proto),
            };
            handler(&mut ctx, args).map(|_| ())
        }
        Run::DataUnlocked(handler) => {
            let settings = server.settings.read().clone();
            let db = session.db.clone();
            let mut locked = Locked::none();
            let mut ctx = Ctx {
                dbs: &server.dbs,
                db: &db,
                db_index: session.db_index,
                locked: &mut locked,
                now_ms,
                settings: &settings,
                reply: Reply::new(out, proto),
            };
            handler(&mut ctx, args).map(|_| ())
        }
        Run::Server(handler) => {
            let mut ctx = CallCtx {
                server,
                session,
                reply: Reply::new(out, proto),
                full_name: &full_name,
            };
            handler(&mut ctx, args).map(|_| ())
        }
        Run::Container => Err(CmdError::WrongArity(full_name.clone())),
    };
    let failed = match result {
        Ok(()) => false,
        Err(e) => {
            // A handler answers only once it has succeeded; drop anything partial all the same.
            out.truncate(mark);
            write_error(server, out, &e.to_string());
            true
        }
    };
    Outcome::Done {
        cmd_name: full_name,
        failed,
    }
}

/// COMMAND without a subcommand.
static BARE_COMMAND: Command = Command {
    name: "command",
    arity: -1,
    flags: table::flag::LOADING | table::flag::STALE,
    keys: table::Keys::None,
    acl: &["slow", "connection"],
    key_flags: &[],
    group: "server",
    since: "2.8.13",
    summary: "Returns detailed information about all commands.",
    run: Run::Server(server_cmds::command),
    subcommands: &[],
};

/// At most `max` bytes of `b`, as text.
fn truncated(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&b[..b.len().min(max)]).into_owned()
}

/// Redis's "unknown command" text, with the first arguments quoted.
fn unknown_command(args: &[Bytes]) -> String {
    let mut listed = String::new();
    for a in &args[1..] {
        if listed.len() >= 128 {
            break;
        }
        let room = 128 - listed.len();
        listed.push('\'');
        listed.push_str(&truncated(a, room));
        listed.push_str("' ");
    }
    format!(
        "ERR unknown command '{}', with args beginning with: {}",
        truncated(&args[0], 128),
        listed
    )
}

impl Server {
    fn maybe_slowlog(&self, session: &Session, args: &[Bytes], elapsed_us: u64, name: &str) {
        let (threshold, max_len) = {
            let cfg = self.config.read();
            (cfg.slowlog_log_slower_than, cfg.slowlog_max_len)
        };
        if threshold < 0 || (elapsed_us as i64) < threshold {
            return;
        }
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
            session.peer.to_string(),
            client_name,
            max_len as usize,
        );
        let _ = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_text_matches_redis() {
        let args: Vec<Bytes> = ["foo", "a", "b"].iter().map(|s| Bytes::from(*s)).collect();
        assert_eq!(
            unknown_command(&args),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        let args = vec![Bytes::from("foo")];
        assert_eq!(
            unknown_command(&args),
            "ERR unknown command 'foo', with args beginning with: "
        );
    }
}
