//! This node as a master: a connection that sent PSYNC (or SYNC) becomes a replica link.
//! The replica continues from the backlog when it can (`+CONTINUE`); otherwise it gets a
//! forkless snapshot and the stream from the snapshot's start (`+FULLRESYNC`).
//!
//! The snapshot is a write-log capture of kind `ReplicaSync` (see `store::write_log`): the
//! keyspace is walked slot by slot into an RDB that goes to the replica as it is produced
//! (`$EOF:<mark>` framing, as Redis's disk-less sync); the stream after it mirrors the log
//! from the capture's start with the writes the snapshot already holds filled, so the
//! replica ends exactly at the log's offset. Then the replica reads the log's history like
//! any other: a replica that falls behind the hard output-buffer limit is dropped.
//!
//! Not here: the replica side (`replica`), the PSYNC decision (`replication` crate).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ::replication::{FullReason, PsyncAnswer, ReplicaState};
use bytes::BytesMut;
use resp::{Limits, RequestParser};
use store::write_log::{CaptureKind, HistoryRead};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ReplicaEntry;
use crate::server::{Server, unix_ms};
use crate::session::Session;

/// What a replica said before PSYNC (REPLCONF).
#[derive(Clone, Debug, Default)]
pub struct ReplicaHello {
    pub listening_port: u16,
    pub ip: Option<String>,
    /// `capa eof`: it reads a snapshot framed by an end mark (disk-less).
    pub capa_eof: bool,
    /// `capa psync2`: it understands `+CONTINUE <new id>`.
    pub capa_psync2: bool,
    /// `rdb-only 1`: it wants the snapshot and nothing after it (`redis-cli --rdb`).
    pub rdb_only: bool,
    /// `capa filled-ranges` (Tessera replicas): it is told which stretch of the stream after
    /// its snapshot is filled, to refuse partial resyncs into it in turn.
    pub capa_filled: bool,
}

/// A replica's request: `PSYNC id offset`, or `SYNC` (`None`).
#[derive(Clone, Debug)]
pub struct SyncRequest {
    pub psync: Option<(String, i64)>,
}

/// How many filled stretches are remembered.
pub const FILLED_KEPT: usize = 16;

/// Serves the replica on `stream` until it goes away. `input` holds what it sent after
/// its PSYNC.
pub async fn serve_replica(
    server: &Arc<Server>,
    stream: &mut TcpStream,
    session: &mut Session,
    mut input: BytesMut,
    request: SyncRequest,
) -> std::io::Result<()> {
    let repl = &server.replication;
    let mut parser = RequestParser::default();
    session
        .handle
        .kind
        .store(crate::clients::KIND_REPLICA, Ordering::Relaxed);
    if repl.is_replica() && repl.link_state() != Some(::replication::LinkState::Connected) {
        stream
            .write_all(b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n")
            .await?;
        return Ok(());
    }
    super::ensure_history(server);
    let log = server.dbs.write_log();
    let reader = session.id;
    let hello = session.replica_hello.clone();
    let answer = match &request.psync {
        Some((id, offset)) => {
            let ids = repl.ids.lock().clone();
            let filled = repl.filled.lock().clone();
            ::replication::answer_psync(&ids, id, *offset, log.history_range(), &filled)
        }
        None => PsyncAnswer::Full(FullReason::Requested),
    };
    let ip = hello
        .ip
        .clone()
        .unwrap_or_else(|| session.peer.ip().to_string());
    repl.replicas.lock().insert(
        reader,
        ReplicaEntry {
            ip: ip.clone(),
            port: hello.listening_port,
            state: ReplicaState::WaitBgsave,
            ack_offset: 0,
            ack_ms: unix_ms(),
        },
    );
    repl.no_replicas_since_ms.store(0, Ordering::Relaxed);
    let result = async {
        let from = match answer {
            PsyncAnswer::Continue { from } if log.pin(reader, from) => {
                repl.sync_partial_ok.fetch_add(1, Ordering::Relaxed);
                let id = repl.ids.lock().id.clone();
                let reply = if hello.capa_psync2 {
                    format!("+CONTINUE {id}\r\n")
                } else {
                    "+CONTINUE\r\n".to_string()
                };
                stream.write_all(reply.as_bytes()).await?;
                tracing::info!(
                    replica = %format!("{ip}:{}", hello.listening_port),
                    from,
                    "Partial resynchronization request accepted. Sending the backlog from offset {}.",
                    from + 1
                );
                from
            }
            answer => {
                let reason = match answer {
                    PsyncAnswer::Full(reason) => reason,
                    PsyncAnswer::Continue { .. } => FullReason::OutOfBacklog,
                };
                if reason != FullReason::Requested {
                    repl.sync_partial_err.fetch_add(1, Ordering::Relaxed);
                }
                repl.sync_full.fetch_add(1, Ordering::Relaxed);
                let ids = repl.ids.lock().clone();
                tracing::info!(
                    replica = %format!("{ip}:{}", hello.listening_port),
                    asked = ?request.psync,
                    id = %ids.id,
                    id2 = %ids.id2,
                    second_offset = ids.second_offset,
                    backlog = ?log.history_range(),
                    "Full resync: {reason}"
                );
                let end = full_sync(
                    server,
                    stream,
                    session,
                    &mut parser,
                    &mut input,
                    &hello,
                    request.psync.is_some(),
                )
                .await?;
                if hello.rdb_only {
                    // A backup: the snapshot was all it wanted.
                    return Ok(());
                }
                end
            }
        };
        if let Some(r) = repl.replicas.lock().get_mut(&reader) {
            r.state = ReplicaState::Online;
            r.ack_ms = unix_ms();
        }
        repl.refresh_good_replicas(unix_ms());
        tracing::info!(replica = %format!("{ip}:{}", hello.listening_port), "Synchronization with replica succeeded");
        stream_to_replica(server, stream, session, &mut parser, &mut input, from).await
    }
    .await;
    log.unpin(reader);
    let mut replicas = repl.replicas.lock();
    replicas.remove(&reader);
    if replicas.is_empty() {
        repl.no_replicas_since_ms
            .store(unix_ms(), Ordering::Relaxed);
    }
    drop(replicas);
    // As Redis when it frees a replica: `min-replicas-to-write` counts it no more at once.
    repl.refresh_good_replicas(unix_ms());
    repl.acked.notify_waiters();
    tracing::info!(replica = %format!("{ip}:{}", hello.listening_port), "Connection with replica lost.");
    result
}

/// An `io::Write` that hands chunks to the async sender (the walk runs on a blocking
/// thread; a slow replica slows the walk, not memory).
struct ChannelWriter(tokio::sync::mpsc::Sender<Vec<u8>>);

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.0
            .blocking_send(buf.to_vec())
            .map_err(|_| std::io::Error::other("the replica went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The full sync: `+FULLRESYNC`, the snapshot, then the filled stream up to the log's
/// offset at the capture's end. Returns that offset (pinned for this replica).
async fn full_sync(
    server: &Arc<Server>,
    stream: &mut TcpStream,
    session: &Session,
    parser: &mut RequestParser,
    input: &mut BytesMut,
    hello: &ReplicaHello,
    psync: bool,
) -> std::io::Result<u64> {
    let log = server.dbs.write_log();
    let reader = session.id;
    // One capture runs at a time (an AOF rewrite, or another replica's sync): wait, keeping
    // the replica's read alive with newlines as Redis does before its reply.
    let mut last_newline = unix_ms();
    let start = loop {
        let options = crate::persistence::snapshot_options(server, false);
        let base = store::snapshot::rewrite_base_encoder(options.compression, &options.aux);
        let dbs = &server.dbs;
        if let Some(start) = log.start_capture(CaptureKind::ReplicaSync, base, || {
            dbs.all().into_iter().map(|(i, _)| i).collect()
        }) {
            break start;
        }
        if unix_ms() - last_newline >= 1000 {
            last_newline = unix_ms();
            stream.write_all(b"\n").await?;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    let walker_server = server.clone();
    // Started before anything else can fail: the capture is finished (or abandoned) only by
    // the walk, which stops when this side stops reading its chunks.
    let walker = tokio::task::spawn_blocking(move || {
        let server = walker_server;
        let settings = *server.settings.read();
        let mut out = ChannelWriter(tx);
        let walked =
            store::snapshot::rewrite_walk(&server.dbs, &settings, unix_ms(), &mut out, |_| {});
        let log = server.dbs.write_log();
        if let Err(e) = &walked {
            log.abort_rewrite(&format!("the replica's snapshot failed: {e}"));
        }
        let outcome = log.finish_rewrite();
        match outcome {
            Some(o) if o.aborted.is_none() => {
                if !log.pin(reader, o.offset) {
                    return Err("the backlog no longer holds the snapshot's end".to_string());
                }
                out.write_all(&o.base_tail).map_err(|e| e.to_string())?;
                Ok((o.stream, o.offset))
            }
            Some(o) => Err(o.aborted.unwrap_or_default()),
            None => Err("the capture disappeared".to_string()),
        }
    });
    if psync {
        // SYNC gets the payload without this line.
        let id = server.replication.ids.lock().id.clone();
        stream
            .write_all(format!("+FULLRESYNC {id} {start}\r\n").as_bytes())
            .await?;
    }
    if let Some(r) = server.replication.replicas.lock().get_mut(&reader) {
        r.state = ReplicaState::SendBulk;
    }
    let mark = ::replication::new_id();
    let started = std::time::Instant::now();
    let mut sent = 0u64;
    if hello.capa_eof {
        stream
            .write_all(format!("$EOF:{mark}\r\n").as_bytes())
            .await?;
        while let Some(chunk) = rx.recv().await {
            stream.write_all(&chunk).await?;
            sent += chunk.len() as u64;
        }
    } else {
        // SYNC, or a replica without `capa eof`: the length comes first, so the snapshot is
        // spooled to a temporary file.
        let path =
            std::path::PathBuf::from(format!("temp-repl-{}-{reader}.rdb", std::process::id()));
        let mut file = tokio::fs::File::create(&path).await?;
        while let Some(chunk) = rx.recv().await {
            file.write_all(&chunk).await?;
            sent += chunk.len() as u64;
        }
        file.flush().await?;
        drop(file);
        let mut file = tokio::fs::File::open(&path).await?;
        let _ = std::fs::remove_file(&path);
        stream.write_all(format!("${sent}\r\n").as_bytes()).await?;
        tokio::io::copy(&mut file, stream).await?;
    }
    let (filled, end) = match walker.await {
        Ok(Ok(x)) => x,
        Ok(Err(why)) => {
            tracing::warn!("Full resync failed: {why}");
            return Err(std::io::Error::other(why));
        }
        Err(e) => return Err(std::io::Error::other(e)),
    };
    if session.handle.killed.load(Ordering::Acquire) {
        // The snapshot may hold writes of a history that began after the kill (this node's
        // ID changed): without its end mark, the replica never loads it.
        return Err(std::io::Error::other("the replica was disconnected"));
    }
    if hello.capa_eof {
        stream.write_all(mark.as_bytes()).await?;
    }
    tracing::info!(
        bytes = sent,
        ms = started.elapsed().as_millis() as u64,
        start,
        end,
        "Synchronization with replica: snapshot sent"
    );
    {
        let mut list = server.replication.filled.lock();
        list.push((start, end));
        if list.len() > FILLED_KEPT {
            list.remove(0);
        }
    }
    if hello.rdb_only {
        return Ok(end);
    }
    if hello.capa_eof {
        // As Redis: a disk-less replica gets the stream once it acknowledged the snapshot
        // (it loaded it), so nothing follows the end mark in its read.
        let timeout = Duration::from_secs(u64::from(server.config.read().repl_timeout));
        let deadline = tokio::time::Instant::now() + timeout.max(Duration::from_secs(60));
        loop {
            if read_acks(server, session.id, parser, input)? {
                break;
            }
            let n = tokio::time::timeout_at(deadline, stream.read_buf(input))
                .await
                .map_err(|_| std::io::Error::other("no ACK after the snapshot"))??;
            if n == 0 {
                return Err(std::io::Error::other("the replica closed the link"));
            }
        }
    }
    if hello.capa_filled {
        // Out of band, before the stream: not counted in the replica's offset.
        let mut notice = Vec::new();
        let (from, to) = (start.to_string(), end.to_string());
        store::write_log::encode(
            &mut notice,
            &[
                b"REPLCONF".as_slice(),
                b"FILLED",
                from.as_bytes(),
                to.as_bytes(),
            ],
        );
        stream.write_all(&notice).await?;
    }
    stream.write_all(&filled).await?;
    Ok(end)
}

/// Reads the replica's commands in `input` (REPLCONF ACK); true if an ACK was seen.
fn read_acks(
    server: &Server,
    reader: u64,
    parser: &mut RequestParser,
    input: &mut BytesMut,
) -> std::io::Result<bool> {
    let mut args = Vec::new();
    let mut acked = false;
    loop {
        match parser.parse(input, &Limits::default(), &mut args) {
            Ok(true) => {
                if args.len() >= 3
                    && args[0].eq_ignore_ascii_case(b"replconf")
                    && args[1].eq_ignore_ascii_case(b"ack")
                    && let Some(offset) = numeric::parse_i64(&args[2])
                {
                    let repl = &server.replication;
                    if let Some(r) = repl.replicas.lock().get_mut(&reader) {
                        r.ack_offset = r.ack_offset.max(offset.max(0) as u64);
                        r.ack_ms = unix_ms();
                    }
                    repl.refresh_good_replicas(unix_ms());
                    repl.acked.notify_waiters();
                    acked = true;
                }
            }
            Ok(false) => return Ok(acked),
            Err(e) => return Err(std::io::Error::other(e.to_string())),
        }
    }
}

/// Streams the log's history from `next` until the replica goes away, times out or falls
/// behind the hard limit.
async fn stream_to_replica(
    server: &Arc<Server>,
    stream: &mut TcpStream,
    session: &Session,
    parser: &mut RequestParser,
    input: &mut BytesMut,
    mut next: u64,
) -> std::io::Result<()> {
    let log = server.dbs.write_log();
    let reader = session.id;
    let appended = server.replication.appended.clone();
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut check = tokio::time::interval(Duration::from_secs(1));
    let mut last_heard = std::time::Instant::now();
    // Since when this replica is more than the soft limit behind (its "output buffer": the
    // history it has not been sent yet).
    let mut over_soft_since: Option<std::time::Instant> = None;
    let mut limits_generation = 0;
    let mut soft = (0u64, 0i64);
    loop {
        let notified = appended.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let generation = server.config_generation.load(Ordering::Acquire);
        if generation != limits_generation {
            limits_generation = generation;
            let limit = server.config.read().client_output_buffer_limit.replica;
            soft = (limit.soft_limit_bytes, limit.soft_limit_seconds);
        }
        if soft.0 > 0 && log.offset().saturating_sub(next) > soft.0 {
            let since = *over_soft_since.get_or_insert_with(std::time::Instant::now);
            if since.elapsed() >= Duration::from_secs(soft.1.max(0) as u64) {
                tracing::warn!(
                    client = reader,
                    behind = log.offset().saturating_sub(next),
                    "Replica scheduled to be closed ASAP for overcoming of output buffer limits (soft limit)."
                );
                return Ok(());
            }
        } else {
            over_soft_since = None;
        }
        buf.clear();
        let read = log.read_history(reader, next, 1 << 20, &mut buf);
        // Killed (CLIENT KILL, or this node's history changed: a new ID or a full sync of
        // its own): nothing read may go out, as it may be of the new history, appended only
        // after the kill.
        if session.handle.killed.load(Ordering::Acquire) {
            return Ok(());
        }
        match read {
            HistoryRead::Read(end) => {
                if !buf.is_empty() {
                    // A replica that stops reading (stopped, or its network gone) must not
                    // hold this task in a write forever: it is dropped after `repl-timeout`
                    // without progress, or when it stays past the soft limit too long.
                    let mut written = 0;
                    let mut progress = std::time::Instant::now();
                    while written < buf.len() {
                        match tokio::time::timeout(
                            Duration::from_secs(1),
                            stream.write(&buf[written..]),
                        )
                        .await
                        {
                            Ok(Ok(0)) => return Err(std::io::ErrorKind::WriteZero.into()),
                            Ok(Ok(n)) => {
                                written += n;
                                progress = std::time::Instant::now();
                            }
                            Ok(Err(e)) => return Err(e),
                            Err(_) => {
                                let timeout = u64::from(server.config.read().repl_timeout);
                                let behind = log.offset().saturating_sub(next + written as u64);
                                let over_soft = if soft.0 > 0 && behind > soft.0 {
                                    let since = *over_soft_since
                                        .get_or_insert_with(std::time::Instant::now);
                                    since.elapsed() >= Duration::from_secs(soft.1.max(0) as u64)
                                } else {
                                    over_soft_since = None;
                                    false
                                };
                                if progress.elapsed() > Duration::from_secs(timeout)
                                    || over_soft
                                    || session.handle.killed.load(Ordering::Acquire)
                                {
                                    tracing::warn!(
                                        client = reader,
                                        behind,
                                        "Disconnecting a replica that stopped reading (timeout or output buffer soft limit)"
                                    );
                                    return Ok(());
                                }
                            }
                        }
                    }
                    server.stats.net_output_bytes.add(buf.len() as i64);
                    next = end;
                    continue;
                }
            }
            HistoryRead::Gone => {
                tracing::warn!(
                    client = reader,
                    "Replica scheduled to be closed ASAP for overcoming of output buffer limits."
                );
                return Ok(());
            }
        }
        tokio::select! {
            _ = &mut notified => {
                // Let the connections that are ready run first: their writes go out with
                // this one in a single send (Redis writes to replicas once per event-loop
                // turn; a send per write would cost a system call per command).
                tokio::task::yield_now().await;
            }
            r = stream.read_buf(input) => {
                if r? == 0 {
                    return Ok(());
                }
                last_heard = std::time::Instant::now();
                read_acks(server, reader, parser, input)?;
            }
            _ = check.tick() => {
                let timeout = u64::from(server.config.read().repl_timeout);
                if last_heard.elapsed() > Duration::from_secs(timeout) {
                    tracing::warn!(client = reader, "Disconnecting timedout replica");
                    return Ok(());
                }
                if session.handle.killed.load(Ordering::Acquire) {
                    return Ok(());
                }
            }
            _ = session.handle.kill_notify.notified() => return Ok(()),
        }
    }
}
