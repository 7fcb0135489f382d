//! This node as a replica: the link to its master. Connects, shakes hands as Redis's
//! replicas do (PING, AUTH, REPLCONF listening-port / capa eof psync2, PSYNC), receives the
//! snapshot of a full sync (either framing) into a temporary file and loads it, then applies
//! the stream, appending the same bytes to this node's own write log, and acknowledges the
//! offset every second and on GETACK. Reconnects after a second when the link drops; a
//! change of master (or promotion) ends the task.
//!
//! Not here: serving replicas of our own (`master`, from the same log).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ::replication::{LinkState, PsyncReply};
use anyhow::{Context, bail};
use bytes::{Bytes, BytesMut};
use resp::{Limits, RequestParser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::server::{CommandClock, Server, unix_ms};

/// Runs the link to `host:port` while `generation` is current.
pub async fn link_task(server: Arc<Server>, generation: u64, host: String, port: u16) {
    loop {
        if is_stale(&server, generation) {
            return;
        }
        let result = tokio::select! {
            r = run_link(&server, generation, &host, port) => r,
            _ = wait_stale(&server, generation) => return,
        };
        if let Err(e) = result {
            tracing::warn!(master = %format!("{host}:{port}"), "Replication link: {e:#}");
        }
        server.replication.update_link(generation, |l| {
            if l.state != LinkState::Connect {
                l.down_since_ms = unix_ms();
            }
            l.state = LinkState::Connect;
        });
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = wait_stale(&server, generation) => return,
        }
    }
}

fn is_stale(server: &Server, generation: u64) -> bool {
    server.replication.generation.load(Ordering::Acquire) != generation
        || server.shutting_down.load(Ordering::Acquire)
}

async fn wait_stale(server: &Server, generation: u64) {
    loop {
        let changed = server.replication.master_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        if is_stale(server, generation) {
            return;
        }
        tokio::select! {
            _ = changed => {}
            _ = server.shutdown.notified() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// The socket to the master with its read buffer.
struct MasterConn {
    stream: TcpStream,
    input: BytesMut,
    timeout: Duration,
}

impl MasterConn {
    async fn send(&mut self, args: &[&[u8]]) -> anyhow::Result<()> {
        let mut out = Vec::new();
        store::write_log::encode(&mut out, args);
        self.stream.write_all(&out).await?;
        Ok(())
    }

    /// One reply line (without `\r\n`; a bare `\n` ends an empty line).
    async fn line(&mut self) -> anyhow::Result<String> {
        loop {
            if let Some(pos) = self.input.iter().position(|&b| b == b'\n') {
                let line = self.input.split_to(pos + 1);
                let text = String::from_utf8_lossy(&line[..pos]);
                return Ok(text.trim_end_matches('\r').to_string());
            }
            if self.input.len() > 64 * 1024 {
                bail!("the master sent an overlong line");
            }
            self.read().await?;
        }
    }

    async fn read(&mut self) -> anyhow::Result<usize> {
        self.input.reserve(64 * 1024);
        let n = tokio::time::timeout(self.timeout, self.stream.read_buf(&mut self.input))
            .await
            .context("timeout reading from the master")??;
        if n == 0 {
            bail!("the master closed the connection");
        }
        Ok(n)
    }

    async fn command(&mut self, args: &[&[u8]]) -> anyhow::Result<String> {
        self.send(args).await?;
        self.line().await
    }
}

async fn run_link(
    server: &Arc<Server>,
    generation: u64,
    host: &str,
    port: u16,
) -> anyhow::Result<()> {
    let repl = &server.replication;
    repl.update_link(generation, |l| l.state = LinkState::Connecting);
    let (timeout, auth, user, announce_port, announce_ip) = {
        let cfg = server.config.read();
        (
            Duration::from_secs(u64::from(cfg.repl_timeout)),
            cfg.masterauth.clone().filter(|p| !p.is_empty()),
            cfg.masteruser.clone().filter(|u| !u.is_empty()),
            if cfg.replica_announce_port != 0 {
                cfg.replica_announce_port
            } else {
                server.port.load(Ordering::Relaxed)
            },
            cfg.replica_announce_ip.clone().filter(|ip| !ip.is_empty()),
        )
    };
    let stream = tokio::time::timeout(timeout, TcpStream::connect((host, port)))
        .await
        .context("timeout connecting to the master")?
        .context("connecting to the master")?;
    stream.set_nodelay(true)?;
    let mut conn = MasterConn {
        stream,
        input: BytesMut::with_capacity(64 * 1024),
        timeout,
    };
    tracing::info!("MASTER <-> REPLICA sync started");
    repl.update_link(generation, |l| l.state = LinkState::Handshake);
    let pong = conn.command(&[b"PING"]).await?;
    if pong.starts_with('-')
        && !["-NOAUTH", "-NOPERM", "-ERR operation not permitted"]
            .iter()
            .any(|p| pong.starts_with(p))
    {
        bail!("Error reply to PING from master: '{pong}'");
    }
    if let Some(pass) = &auth {
        let reply = match &user {
            Some(user) => {
                conn.command(&[b"AUTH", user.as_bytes(), pass.as_bytes()])
                    .await?
            }
            None => conn.command(&[b"AUTH", pass.as_bytes()]).await?,
        };
        if reply.starts_with('-') {
            bail!("Unable to AUTH to MASTER: {reply}");
        }
    }
    let port_text = announce_port.to_string();
    let reply = conn
        .command(&[b"REPLCONF", b"listening-port", port_text.as_bytes()])
        .await?;
    if reply.starts_with('-') {
        tracing::info!(
            "(Non critical) Master does not understand REPLCONF listening-port: {reply}"
        );
    }
    if let Some(ip) = &announce_ip {
        let reply = conn
            .command(&[b"REPLCONF", b"ip-address", ip.as_bytes()])
            .await?;
        if reply.starts_with('-') {
            tracing::info!(
                "(Non critical) Master does not understand REPLCONF ip-address: {reply}"
            );
        }
    }
    let reply = conn
        .command(&[
            b"REPLCONF",
            b"capa",
            b"eof",
            b"capa",
            b"psync2",
            b"capa",
            b"filled-ranges",
        ])
        .await?;
    if reply.starts_with('-') {
        tracing::info!("(Non critical) Master does not understand REPLCONF capa: {reply}");
    }
    let log = server.dbs.write_log();
    // Always our history's ID and next offset, as Redis's replicas (a master that becomes a
    // replica caches itself as its master): at offset 0 too, since a node promoted at 0
    // holds our history under its secondary ID and can continue it.
    let (id, offset) = (repl.ids.lock().id.clone(), (log.offset() + 1).to_string());
    conn.send(&[b"PSYNC", id.as_bytes(), offset.as_bytes()])
        .await?;
    let reply = loop {
        let line = conn.line().await?;
        match ::replication::parse_psync_reply(&line) {
            PsyncReply::Wait => continue,
            other => break other,
        }
    };
    match reply {
        PsyncReply::Full { id, offset } => {
            tracing::info!("Full resync from master: {id}:{offset}");
            full_sync(server, generation, &mut conn, &id, offset).await?;
        }
        PsyncReply::Continue { id: new_id } => {
            let offset = log.offset();
            let mut ids = repl.ids.lock();
            if let Some(new_id) = new_id
                && new_id != ids.id
            {
                // The master's history goes on under a new ID (it was promoted): ours too.
                ids.id2 = std::mem::replace(&mut ids.id, new_id);
                ids.second_offset = offset as i64 + 1;
                tracing::info!("Master replication ID changed to {}", ids.id);
                drop(ids);
                // Our replicas must learn the new ID: they reconnect and PSYNC.
                super::disconnect_replicas(server);
            } else {
                drop(ids);
            }
            tracing::info!(
                "Successful partial resynchronization with master. MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."
            );
        }
        PsyncReply::TryLater(e) => bail!("Master is currently unable to PSYNC: {e}"),
        PsyncReply::Error(e) => bail!("Unexpected reply to PSYNC from master: {e}"),
        PsyncReply::Wait => unreachable!("skipped above"),
    }
    stream_from_master(server, generation, conn).await
}

/// Receives the snapshot into a temporary file, empties the dataset and loads it.
async fn full_sync(
    server: &Arc<Server>,
    generation: u64,
    conn: &mut MasterConn,
    id: &str,
    offset: u64,
) -> anyhow::Result<()> {
    let repl = &server.replication;
    let started = unix_ms();
    // Our history is about to be replaced: our replicas resync with us once we have the
    // new one (until then they get -NOMASTERLINK).
    super::disconnect_replicas(server);
    repl.update_link(generation, |l| {
        l.state = LinkState::Sync;
        l.sync_started_ms = started;
        l.sync_read = 0;
        l.sync_size = None;
    });
    let header = loop {
        let line = conn.line().await?;
        if !line.is_empty() {
            break line;
        }
    };
    let Some(spec) = header.strip_prefix('$') else {
        bail!("Bad protocol from MASTER, the first byte is not '$' (we received '{header}')");
    };
    let mark = spec.strip_prefix("EOF:").map(|m| m.as_bytes().to_vec());
    let size = match &mark {
        Some(m) if m.len() == 40 => None,
        Some(_) => bail!("Bad end mark from MASTER: '{header}'"),
        None => Some(
            spec.parse::<u64>()
                .with_context(|| format!("bad payload length from MASTER: '{header}'"))?,
        ),
    };
    repl.update_link(generation, |l| l.sync_size = size);
    let path = std::path::PathBuf::from(format!(
        "temp-{}.{}.rdb",
        unix_ms() / 1000,
        std::process::id()
    ));
    let mut file = tokio::fs::File::create(&path)
        .await
        .with_context(|| format!("creating {}", path.display()))?;
    let mut received = 0u64;
    let mut tail: Vec<u8> = Vec::with_capacity(80);
    loop {
        if conn.input.is_empty() {
            conn.read().await?;
        }
        let take = match size {
            Some(total) => (conn.input.len() as u64).min(total - received) as usize,
            None => conn.input.len(),
        };
        let chunk = conn.input.split_to(take);
        file.write_all(&chunk).await?;
        received += chunk.len() as u64;
        repl.update_link(generation, |l| {
            l.sync_read = received;
            l.last_io_ms = unix_ms();
        });
        match (&mark, size) {
            (_, Some(total)) if received >= total => break,
            (Some(mark), None) => {
                tail.extend_from_slice(&chunk[chunk.len().saturating_sub(40)..]);
                if tail.len() > 40 {
                    tail.drain(..tail.len() - 40);
                }
                if tail.len() == 40 && tail == *mark {
                    break;
                }
            }
            _ => {}
        }
    }
    file.flush().await?;
    let file = file.into_std().await;
    if mark.is_some() {
        file.set_len(received - 40)?;
    }
    drop(file);
    tracing::info!(
        bytes = received,
        "MASTER <-> REPLICA sync: receiving the snapshot done"
    );
    let loader = server.clone();
    let load_path = path.clone();
    let loaded = tokio::task::spawn_blocking(move || load_snapshot_file(&loader, &load_path))
        .await
        .context("the loading task failed");
    let _ = std::fs::remove_file(&path);
    loaded??;
    let log = server.dbs.write_log();
    log.reset_offset(offset);
    // The stream after a snapshot starts with a SELECT.
    repl.stream_db.store(0, Ordering::Relaxed);
    repl.ids.lock().follow(id);
    tracing::info!(
        ms = unix_ms() - started,
        "MASTER <-> REPLICA sync: Finished with success"
    );
    if mark.is_some() {
        send_ack(conn, offset).await?;
    }
    if server.aof.is_enabled() {
        // The AOF held the old dataset: rewrite it from the new one (Redis restarts the
        // AOF after a sync the same way).
        let server = server.clone();
        tokio::spawn(async move {
            loop {
                match crate::append_only::start_rewrite(&server) {
                    Err(crate::append_only::RewriteError::InProgress) => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    _ => return,
                }
            }
        });
    }
    Ok(())
}

/// Empties the dataset and loads the snapshot at `path` (clients get -LOADING meanwhile).
fn load_snapshot_file(server: &Server, path: &std::path::Path) -> anyhow::Result<()> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let p = &server.persistence;
    p.loading.store(true, Ordering::Release);
    for (_, db) in server.dbs.all() {
        store::cmd::keys::flush_keyspace(&db);
    }
    let settings = *server.settings.read();
    let options = store::snapshot::LoadOptions {
        verify_checksum: server.config.read().rdbchecksum,
        // The master expires keys and sends their deletion.
        skip_expired: false,
        now_ms: unix_ms(),
        lru: !settings.lfu,
        replace_existing: false,
    };
    let result = store::snapshot::load_snapshot(
        &server.dbs,
        std::io::BufReader::with_capacity(1 << 20, file),
        &settings,
        &options,
        |_, _| {},
    );
    p.loading.store(false, Ordering::Release);
    let stats = result.map_err(|e| {
        anyhow::anyhow!("Failed trying to load the MASTER synchronization DB from disk: {e}")
    })?;
    tracing::info!(
        keys = stats.keys,
        "MASTER <-> REPLICA sync: Loading DB in memory done"
    );
    Ok(())
}

async fn send_ack(conn: &mut MasterConn, offset: u64) -> anyhow::Result<()> {
    let text = offset.to_string();
    conn.send(&[b"REPLCONF", b"ACK", text.as_bytes()]).await
}

/// Applies the master's stream until the link drops or the master changes.
async fn stream_from_master(
    server: &Arc<Server>,
    generation: u64,
    mut conn: MasterConn,
) -> anyhow::Result<()> {
    let repl = &server.replication;
    let log = server.dbs.write_log();
    repl.update_link(generation, |l| {
        l.state = LinkState::Connected;
        l.last_io_ms = unix_ms();
    });
    let nowhere = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    let mut session = crate::append_only::replay_session_at(
        server,
        conn.stream.peer_addr().unwrap_or(nowhere),
        conn.stream.local_addr().unwrap_or(nowhere),
    )?;
    session
        .handle
        .kind
        .store(crate::clients::KIND_MASTER, Ordering::Relaxed);
    // Unregistered however the link ends: this future is dropped mid-await when the master
    // changes (REPLICAOF), and the client must not stay listed (CLIENT LIST/KILL).
    let _registered = Registered {
        server,
        id: session.id,
    };
    let handle = session.handle.clone();
    let mut parser = RequestParser::default();
    let mut args: Vec<Bytes> = Vec::new();
    let limits = Limits {
        proto_max_bulk_len: server.config.read().proto_max_bulk_len,
        ..Limits::default()
    };
    // A partial resync continues in the database the stream had selected.
    let mut out = BytesMut::new();
    let db = repl.stream_db.load(Ordering::Relaxed);
    if db != 0 {
        let index = Bytes::from(db.to_string());
        crate::commands::execute(
            server,
            &mut session,
            &[Bytes::from_static(b"SELECT"), index],
            &mut out,
            &mut CommandClock::start(),
        );
    }
    // The bytes read and not yet appended to our log. Whole commands are appended once
    // applied, but not inside a MULTI block: until its EXEC, the offset stays before the
    // MULTI, so that if the link breaks meanwhile (the queued commands are dropped with
    // the session) the master sends the whole block again, as Redis's replica does (its
    // reploff does not move inside a transaction).
    let mut raw: Vec<u8> = conn.input.to_vec();
    // How many bytes of `raw` end at a command applied outside a transaction.
    let mut safe = 0usize;
    let mut ack = tokio::time::interval(Duration::from_secs(1));
    let result = async {
        loop {
            if is_stale(server, generation) {
                return Ok(());
            }
            // Apply every whole command read so far, unless a capture of this node's keyspace
            // runs (then wait for its end: see `WriteLog::follower_batch`).
            let Some(gate) = log.follower_batch() else {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(10)) => {}
                    _ = ack.tick() => send_ack(&mut conn, log.offset()).await?,
                    _ = handle.kill_notify.notified() => bail!("the master link was killed (CLIENT KILL)"),
                }
                continue;
            };
            repl.applying.store(true, Ordering::Release);
            if is_stale(server, generation) {
                repl.applying.store(false, Ordering::Release);
                return Ok(());
            }
            // Synchronous while the gate is held: a GETACK is answered after the batch.
            let mut ack_requested = false;
            let mut failure = None;
            loop {
                match parser.parse(&mut conn.input, &limits, &mut args) {
                    Ok(true) => {
                        if args.len() == 4
                            && args[0].eq_ignore_ascii_case(b"replconf")
                            && args[1].eq_ignore_ascii_case(b"filled")
                        {
                            // A Tessera master's notice of the stretch its sync filled:
                            // out of band (not in the offset, not passed on), remembered so
                            // that nobody continues from us inside it.
                            let mut encoded = Vec::new();
                            store::write_log::encode(&mut encoded, &args);
                            let end = raw.len() - conn.input.len();
                            raw.drain(end - encoded.len()..end);
                            if let (Some(from), Some(to)) =
                                (numeric::parse_i64(&args[2]), numeric::parse_i64(&args[3]))
                            {
                                let mut list = repl.filled.lock();
                                list.push((from.max(0) as u64, to.max(0) as u64));
                                if list.len() > super::master::FILLED_KEPT {
                                    list.remove(0);
                                }
                            }
                            continue;
                        }
                        let getack = args.len() >= 2
                            && args[0].eq_ignore_ascii_case(b"replconf")
                            && args[1].eq_ignore_ascii_case(b"getack");
                        // Empty lines (filler), PINGs and GETACK do nothing here.
                        if !args.is_empty() && !getack && !args[0].eq_ignore_ascii_case(b"ping")
                        {
                            out.clear();
                            store::keyspace::as_master_stream(|| {
                                crate::commands::execute(
                                    server,
                                    &mut session,
                                    &args,
                                    &mut out,
                                    &mut CommandClock::start(),
                                )
                            });
                            if let Some((waiter, _)) = session.blocked.take() {
                                waiter.cancel();
                            }
                        }
                        if !session.tx.in_multi() {
                            safe = raw.len() - conn.input.len();
                        }
                        ack_requested |= getack;
                    }
                    Ok(false) => break,
                    Err(e) => {
                        failure = Some(anyhow::anyhow!("protocol error in the master's stream: {e}"));
                        break;
                    }
                }
            }
            if safe > 0 {
                log.append_raw(&raw[..safe]);
                raw.drain(..safe);
                safe = 0;
                repl.stream_db.store(session.db_index, Ordering::Relaxed);
            }
            repl.applying.store(false, Ordering::Release);
            drop(gate);
            if let Some(e) = failure {
                return Err(e);
            }
            if ack_requested {
                send_ack(&mut conn, log.offset()).await?;
            }
            let applied = log.offset();
            repl.update_link(generation, |l| l.read_offset = applied + raw.len() as u64);
            tokio::select! {
                r = conn.stream.read_buf(&mut conn.input) => {
                    let n = r?;
                    if n == 0 {
                        bail!("Connection with master lost.");
                    }
                    let len = conn.input.len();
                    raw.extend_from_slice(&conn.input[len - n..]);
                    server.stats.net_input_bytes.add(n as i64);
                    repl.update_link(generation, |l| l.last_io_ms = unix_ms());
                }
                _ = handle.kill_notify.notified() => bail!("the master link was killed (CLIENT KILL)"),
                _ = ack.tick() => {
                    if handle.killed.load(Ordering::Acquire) {
                        bail!("the master link was killed (CLIENT KILL)");
                    }
                    send_ack(&mut conn, log.offset()).await?;
                    let last = repl.master.lock().as_ref().map_or(0, |l| l.last_io_ms);
                    if unix_ms() - last > conn.timeout.as_millis() as i64 {
                        bail!("MASTER timeout: no data nor PING received...");
                    }
                }
            }
        }
    }
    .await;
    repl.applying.store(false, Ordering::Release);
    result
}

/// The master link's entry in the client registry, removed when dropped.
struct Registered<'a> {
    server: &'a Server,
    id: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.server.clients.unregister(self.id);
    }
}
