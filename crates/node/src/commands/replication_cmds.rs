//! Replication commands: REPLCONF, PSYNC, SYNC (a connection turning into a replica link),
//! REPLICAOF / SLAVEOF, ROLE and WAIT. The links themselves are `crate::replication`'s.

use ::replication::LinkState;
use bytes::Bytes;
use store::{CmdError, CmdResult};

use crate::replication::master::SyncRequest;
use crate::session::CallCtx;

fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

fn parse_int(arg: &[u8]) -> Result<i64, CmdError> {
    numeric::parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// REPLCONF option value ...: what a replica tells its master before (and after) PSYNC.
pub fn replconf(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    for pair in args[1..].chunks(2) {
        let (option, value) = (&pair[0], &pair[1]);
        if is(option, "listening-port") {
            let port = parse_int(value)?;
            ctx.session.replica_hello.listening_port = u16::try_from(port).unwrap_or(0);
        } else if is(option, "ip-address") {
            if value.len() > 46 {
                return Err(CmdError::err(
                    "REPLCONF ip-address provided by replica instance is too long: 46 bytes are allowed.",
                ));
            }
            ctx.session.replica_hello.ip = Some(String::from_utf8_lossy(value).into_owned());
        } else if is(option, "capa") {
            if is(value, "eof") {
                ctx.session.replica_hello.capa_eof = true;
            } else if is(value, "psync2") {
                ctx.session.replica_hello.capa_psync2 = true;
            } else if is(value, "filled-ranges") {
                ctx.session.replica_hello.capa_filled = true;
            }
        } else if is(option, "ack") || is(option, "getack") {
            // Only meaningful on a replica link (handled there); a client gets no reply.
            return Ok(ctx.reply.nothing());
        } else if is(option, "rdb-only") {
            ctx.session.replica_hello.rdb_only = parse_int(value)? == 1;
        } else if is(option, "rdb-filter-only") {
            parse_int(value)?;
        } else {
            return Err(CmdError::err(format!(
                "Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(option)
            )));
        }
    }
    Ok(ctx.reply.ok())
}

/// PSYNC replicationid offset: the connection becomes a replica link.
pub fn psync(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let offset = parse_int(&args[2])?;
    let id = String::from_utf8_lossy(&args[1]).into_owned();
    start_sync(
        ctx,
        SyncRequest {
            psync: Some((id, offset)),
        },
    )
}

/// SYNC: the old full-sync-only protocol (`redis-cli --rdb` and old replicas).
pub fn sync(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    start_sync(ctx, SyncRequest { psync: None })
}

fn start_sync(ctx: &mut CallCtx<'_>, request: SyncRequest) -> CmdResult {
    let repl = &ctx.server.replication;
    if repl.is_replica() && repl.link_state() != Some(LinkState::Connected) {
        return Err(CmdError::Raw(
            "NOMASTERLINK Can't SYNC while not connected with my master".into(),
        ));
    }
    ctx.session.takeover = Some(request);
    Ok(ctx.reply.nothing())
}

/// REPLICAOF host port | NO ONE (and its old name SLAVEOF).
pub fn replicaof(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    if ctx.server.cluster.is_some() {
        return Err(CmdError::err("REPLICAOF not allowed in cluster mode."));
    }
    let server = ctx.server;
    if is(&args[1], "no") && is(&args[2], "one") {
        if server.replication.is_replica() {
            crate::replication::become_master(server);
            tracing::warn!(
                "MASTER MODE enabled (user request from '{}')",
                ctx.session.peer
            );
        }
        return Ok(ctx.reply.ok());
    }
    let port = parse_int(&args[2])?;
    let Ok(port) = u16::try_from(port) else {
        return Err(CmdError::err("Invalid master port"));
    };
    let host = String::from_utf8_lossy(&args[1]).into_owned();
    if let Some(m) = server.replication.master.lock().as_ref()
        && m.host.eq_ignore_ascii_case(&host)
        && m.port == port
    {
        return Ok(ctx
            .reply
            .simple(b"OK Already connected to specified master"));
    }
    crate::replication::become_replica(server, host.clone(), port);
    tracing::warn!(
        "REPLICAOF {host}:{port} enabled (user request from '{}')",
        ctx.session.peer
    );
    Ok(ctx.reply.ok())
}

/// ROLE
pub fn role(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let server = ctx.server;
    let repl = &server.replication;
    let offset = server.dbs.write_log().offset();
    let master = repl.master.lock().clone();
    if let Some(m) = master {
        let w = ctx.reply.array(5);
        let _ = ctx.reply.bulk(b"slave");
        let _ = ctx.reply.bulk(m.host.as_bytes());
        let _ = ctx.reply.int(i64::from(m.port));
        let _ = ctx.reply.bulk(m.state.role_name().as_bytes());
        let _ = ctx.reply.int(if m.state == LinkState::Connected {
            offset as i64
        } else {
            -1
        });
        return Ok(w);
    }
    let replicas: Vec<_> = repl
        .replicas
        .lock()
        .values()
        .filter(|r| r.state == ::replication::ReplicaState::Online)
        .cloned()
        .collect();
    let w = ctx.reply.array(3);
    let _ = ctx.reply.bulk(b"master");
    let _ = ctx.reply.int(offset as i64);
    let _ = ctx.reply.array(replicas.len());
    for r in replicas {
        let _ = ctx.reply.array(3);
        let _ = ctx.reply.bulk(r.ip.as_bytes());
        let _ = ctx.reply.bulk(r.port.to_string().as_bytes());
        let _ = ctx.reply.bulk(r.ack_offset.to_string().as_bytes());
    }
    Ok(w)
}

/// WAIT numreplicas timeout: answered by the connection loop once enough replicas
/// acknowledged this client's last write (or the timeout passed).
pub fn wait(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let server = ctx.server;
    if server.replication.is_replica() {
        return Err(CmdError::err(
            "WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.",
        ));
    }
    let numreplicas = parse_int(&args[1])?;
    let timeout = numeric::parse_i64(&args[2])
        .ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    let offset = ctx.session.log_offset;
    let acked = server.replication.acked_at_least(offset);
    if ctx.session.in_exec || acked >= numreplicas.max(0) as u64 {
        return Ok(ctx.reply.int(acked as i64));
    }
    ctx.session.wait = Some((numreplicas.max(0) as u64, timeout));
    Ok(ctx.reply.nothing())
}

/// `replicaof` in the configuration file: connect at startup.
pub fn start_from_config(server: &std::sync::Arc<crate::server::Server>) {
    let target = server.config.read().replicaof.clone();
    if let Some(target) = target {
        crate::replication::become_replica(server, target.host, target.port);
    }
}

/// Is `numreplicas` satisfied for `offset`? (The connection loop's WAIT check.)
pub fn wait_satisfied(
    server: &crate::server::Server,
    offset: u64,
    numreplicas: u64,
) -> Option<u64> {
    let acked = server.replication.acked_at_least(offset);
    (acked >= numreplicas).then_some(acked)
}

/// Asks every replica for its offset now (WAIT), as Redis's `REPLCONF GETACK *`.
pub fn request_acks(server: &crate::server::Server) {
    if !server.replication.replicas.lock().is_empty() {
        server
            .dbs
            .write_log()
            .append_dbless(&[b"REPLCONF", b"GETACK", b"*"]);
    }
}
