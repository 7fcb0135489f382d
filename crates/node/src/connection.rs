//! One client connection: read, parse every whole command in the buffer, execute them in
//! order, and write all their replies with one write.
//!
//! Owns the socket and its buffers; command semantics live in `commands`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::{Bytes, BytesMut};
use resp::{Limits, RequestParser};
use tokio::io::AsyncWriteExt;
use tokio::io::Interest;
use tokio::net::TcpStream;

use crate::commands;
use crate::server::{CommandClock, Server, unix_ms};
use crate::session::Session;

/// Initial read buffer size (Redis `PROTO_IOBUF_LEN`).
const IOBUF_LEN: usize = 16 * 1024;

/// Accepts connections on `listener` until shutdown.
pub async fn accept_loop(server: Arc<Server>, listener: Arc<tokio::net::TcpListener>) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = server.shutdown.notified() => return,
        };
        if server.shutting_down.load(Ordering::Acquire) {
            return;
        }
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "Accepting client connection");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        server.stats.total_connections_received.add(1);
        let maxclients = server.config.read().maxclients as usize;
        if server.clients.len() >= maxclients {
            server.stats.rejected_connections.add(1);
            let mut stream = stream;
            tokio::spawn(async move {
                let _ = stream
                    .write_all(b"-ERR max number of clients reached\r\n")
                    .await;
            });
            continue;
        }
        let server = server.clone();
        tokio::spawn(async move {
            if let Err(e) = serve(server, stream).await {
                tracing::debug!(%peer, error = %e, "Client connection ended with an error");
            }
        });
    }
}

/// Redis's reply to a non-local client while protected mode is on and no password is set.
const PROTECTED_MODE_DENIED: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

async fn serve(server: Arc<Server>, mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let peer = stream.peer_addr()?;
    let local = stream.local_addr()?;
    let (protected, keepalive) = {
        let cfg = server.config.read();
        let no_password = cfg.requirepass.as_deref().is_none_or(str::is_empty);
        (cfg.protected_mode && no_password, cfg.tcp_keepalive)
    };
    if protected && !peer.ip().is_loopback() {
        tracing::warn!(%peer, "Denying a non-local connection: protected mode is on");
        stream.write_all(PROTECTED_MODE_DENIED).await?;
        return Ok(());
    }
    if keepalive > 0 {
        let secs = std::time::Duration::from_secs(u64::from(keepalive));
        // Redis: probes start after `tcp-keepalive` seconds, then every third of it.
        let params = socket2::TcpKeepalive::new()
            .with_time(secs)
            .with_interval((secs / 3).max(std::time::Duration::from_secs(1)))
            .with_retries(3);
        socket2::SockRef::from(&stream).set_tcp_keepalive(&params)?;
    }
    let handle = server.clients.register(peer, local, unix_ms());
    let id = handle.id;
    let Some(mut session) = Session::new(&server, handle, peer) else {
        server.clients.unregister(id);
        return Err(std::io::Error::other("no database 0"));
    };
    session.authenticated = server
        .config
        .read()
        .requirepass
        .as_deref()
        .is_none_or(str::is_empty);
    let result = connection_loop(&server, &mut stream, &mut session).await;
    if session.monitor.is_some() {
        server.monitors.unsubscribe(session.id);
    }
    session.subs.clear(&server.pubsub, session.id);
    server.clients.unregister(session.id);
    result
}

/// The next MONITOR line, or never when this client is not a monitor.
async fn next_monitor_line(
    monitor: &mut Option<tokio::sync::mpsc::Receiver<Bytes>>,
) -> Option<Bytes> {
    match monitor {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Waits until `waiter` is served (its reply), times out (a null array), or the client goes
/// away (None). Data the client sends meanwhile is kept in `input` for later.
async fn wait_unblocked(
    stream: &mut TcpStream,
    input: &mut BytesMut,
    session: &Session,
    server: &Server,
    waiter: &store::blocking::Waiter,
    timeout_ms: i64,
) -> std::io::Result<Option<Vec<u8>>> {
    let deadline = (timeout_ms > 0)
        .then(|| tokio::time::Instant::now() + std::time::Duration::from_millis(timeout_ms as u64));
    // In cluster mode, how often the waiter checks that its key's slot is still served here
    // (Redis checks blocked clients in its clients cron, each about once a second).
    let mut redirect_check = tokio::time::interval(std::time::Duration::from_millis(100));
    redirect_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut client_gone = false;
    loop {
        if let Some(reply) = waiter.take_reply() {
            return Ok((!client_gone).then_some(reply));
        }
        if client_gone || session.handle.killed.load(Ordering::Acquire) {
            if waiter.cancel() {
                return Ok(None);
            }
            // Served meanwhile: its reply is on its way.
            client_gone = true;
        }
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = session.block_notify.notified() => {}
            _ = session.handle.kill_notify.notified() => client_gone = true,
            _ = sleep, if !client_gone => {
                if waiter.cancel() {
                    let mut out = BytesMut::new();
                    resp::encode::null_array(&mut out, waiter.proto);
                    return Ok(Some(out.to_vec()));
                }
            }
            _ = redirect_check.tick(), if server.cluster.is_some() && !client_gone => {
                if let Some(error) = server.cluster.as_ref().and_then(|c| c.blocked_redirect(&waiter.keys))
                    && waiter.cancel()
                {
                    let mut out = BytesMut::new();
                    commands::write_error(server, &mut out, &error);
                    return Ok(Some(out.to_vec()));
                }
            }
            r = stream.readable(), if !client_gone => {
                r?;
                input.reserve(4096);
                match stream.try_read_buf(input) {
                    Ok(0) => client_gone = true,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => {
                        waiter.cancel();
                        return Err(e);
                    }
                }
            }
        }
    }
}

/// Holds replies while a shutdown's final save runs: a write that ran after the snapshot
/// took its slot (it passed the write pause just before the pause began) must not be
/// acknowledged by a process that then exits. True when the server stays up (the save
/// failed and the pause was lifted); false when it exits, and the reply is never sent.
async fn held_through_shutdown(server: &Server) -> bool {
    loop {
        let unpaused = server.unpaused.notified();
        let shutdown = server.shutdown.notified();
        tokio::pin!(unpaused, shutdown);
        unpaused.as_mut().enable();
        shutdown.as_mut().enable();
        if server.shutting_down.load(Ordering::Acquire) {
            return false;
        }
        if !server.shutdown_progress.saving.load(Ordering::Acquire) {
            return true;
        }
        tokio::select! {
            _ = &mut unpaused => {}
            _ = &mut shutdown => {}
        }
    }
}

/// Writes the replies gathered so far, once the AOF holds the writes they acknowledge.
async fn send_replies(
    server: &Server,
    stream: &mut TcpStream,
    session: &Session,
    output: &mut BytesMut,
) -> std::io::Result<()> {
    if output.is_empty() {
        return Ok(());
    }
    if server.shutdown_progress.saving.load(Ordering::Acquire)
        && !held_through_shutdown(server).await
    {
        output.clear();
        return Ok(());
    }
    if server.aof.must_wait(session.log_offset) {
        server
            .aof
            .wait_written(server.dbs.write_log(), session.log_offset)
            .await;
    }
    // The socket almost always takes the whole reply at once: try that before building the
    // write future (which costs more than the write's system call wrapper, callgrind).
    let written = match stream.try_write(output) {
        Ok(n) => n,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => 0,
        Err(e) => return Err(e),
    };
    if written < output.len() {
        stream.write_all(&output[written..]).await?;
    }
    output.clear();
    Ok(())
}

/// WAIT: until `numreplicas` replicas acknowledged this client's last write, or the
/// timeout (0: none) passes; the number that did (None: the client was killed).
async fn wait_replicas(
    server: &Server,
    session: &Session,
    numreplicas: u64,
    timeout_ms: i64,
) -> Option<u64> {
    let offset = session.log_offset;
    commands::replication_cmds::request_acks(server);
    let deadline = (timeout_ms > 0)
        .then(|| tokio::time::Instant::now() + std::time::Duration::from_millis(timeout_ms as u64));
    loop {
        let acked = server.replication.acked.notified();
        tokio::pin!(acked);
        acked.as_mut().enable();
        if let Some(n) = commands::replication_cmds::wait_satisfied(server, offset, numreplicas) {
            return Some(n);
        }
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = acked => {}
            _ = sleep => return Some(server.replication.acked_at_least(offset)),
            _ = session.handle.kill_notify.notified() => return None,
        }
    }
}

/// The next queued Pub/Sub message, or never when this client subscribes to nothing.
/// What woke an idle connection.
enum Wake {
    Readable(std::io::Result<()>),
    Killed,
    /// A Pub/Sub message to deliver (None: the queue closed).
    Message(Option<Bytes>),
    /// A MONITOR line to deliver (None: the monitor was dropped).
    MonitorLine(Option<Bytes>),
}

async fn next_message(
    queue: &mut Option<tokio::sync::mpsc::UnboundedReceiver<Bytes>>,
) -> Option<Bytes> {
    match queue {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Holds a command back while CLIENT PAUSE applies to it; false when no pause was on.
async fn wait_while_paused(server: &Server, args: &[Bytes]) -> bool {
    if server.pause_until_ms.load(Ordering::Relaxed) == 0
        && !server
            .shutdown_progress
            .writes_paused
            .load(Ordering::Relaxed)
    {
        return false;
    }
    while let Some(until) = commands::paused_until(server, args, unix_ms()) {
        let wait = std::time::Duration::from_millis((until - unix_ms()).max(1) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = server.unpaused.notified() => {}
            _ = server.shutdown.notified() => return true,
        }
    }
    true
}

async fn connection_loop(
    server: &Arc<Server>,
    stream: &mut TcpStream,
    session: &mut Session,
) -> std::io::Result<()> {
    let mut input = BytesMut::with_capacity(IOBUF_LEN);
    let mut output = BytesMut::with_capacity(IOBUF_LEN);
    let mut parser = RequestParser::default();
    let mut args: Vec<Bytes> = Vec::new();
    let handle = session.handle.clone();
    // Created once: registering a waiter on every read would take the notifier's lock on the
    // hot path. Shutdown reaches connections through the same notifier (`request_shutdown`
    // kills every client), so one waiter is polled per idle wait, not two.
    let killed = handle.kill_notify.notified();
    tokio::pin!(killed);
    // The protocol limits, re-read only when CONFIG SET changed the configuration.
    let mut cached_limits = (0u64, Limits::default(), usize::MAX);
    loop {
        if let Some(needed) = parser.pending_bulk_hint() {
            // Room for the big argument, but grown at most geometrically with what has
            // actually arrived: a header claiming 512 MB must not make us allocate it.
            let want = needed
                .saturating_sub(input.len())
                .min(input.len().max(IOBUF_LEN) * 2);
            input.reserve(want);
        } else if input.capacity() - input.len() < IOBUF_LEN / 2 {
            input.reserve(IOBUF_LEN);
        }
        // Most connections neither subscribe nor MONITOR: they wait on the socket and the
        // kill signal only (polling the two idle channels on every wake-up cost ~150
        // instructions per request at -P 1, counted with callgrind).
        let wake = if session.subs.queue.is_none() && session.monitor.is_none() {
            tokio::select! {
                biased;
                // `poll_read_ready` keeps the one waker in the socket's reader slot; the
                // `readable()` future links and unlinks a waiter node under the socket's
                // lock on every wait (callgrind: ~240 instructions per request more).
                r = std::future::poll_fn(|cx| stream.poll_read_ready(cx)) => Wake::Readable(r),
                _ = &mut killed => Wake::Killed,
            }
        } else {
            tokio::select! {
                biased;
                r = stream.readable() => Wake::Readable(r),
                _ = &mut killed => Wake::Killed,
                message = next_message(&mut session.subs.queue) => Wake::Message(message),
                line = next_monitor_line(&mut session.monitor) => Wake::MonitorLine(line),
            }
        };
        let n = match wake {
            Wake::Readable(r) => {
                r?;
                let spare = input.capacity() - input.len();
                let mut got = 0;
                // A read that does not fill the buffer drained the socket: report it as
                // WouldBlock from inside `try_io`, so tokio forgets the readiness it saw
                // before the read (and only that: readiness that arrived meanwhile has a newer
                // tick and is kept). The next wait then sleeps instead of issuing a read that
                // fails with EAGAIN: one read per request, as Redis does.
                let read = stream.try_io(Interest::READABLE, || {
                    got = stream.try_read_buf(&mut input)?;
                    if got > 0 && got < spare {
                        Err(std::io::ErrorKind::WouldBlock.into())
                    } else {
                        Ok(got)
                    }
                });
                match read {
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && got > 0 => got,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Err(e),
                }
            }
            Wake::Killed => 0,
            Wake::Message(message) => {
                if let Some(message) = message {
                    stream.write_all(&message).await?;
                    server.stats.net_output_bytes.add(message.len() as i64);
                    if let Some(sub) = &session.subs.subscriber {
                        sub.written(message.len());
                    }
                }
                continue;
            }
            Wake::MonitorLine(line) => match line {
                Some(line) => {
                    stream.write_all(&line).await?;
                    continue;
                }
                None => return Ok(()),
            },
        };
        if n == 0 || handle.killed.load(Ordering::Acquire) {
            return Ok(());
        }
        server.stats.net_input_bytes.add((n as u64) as i64);
        let generation = server.config_generation.load(Ordering::Acquire);
        if generation != cached_limits.0 {
            let cfg = server.config.read();
            cached_limits = (
                generation,
                Limits {
                    proto_max_bulk_len: cfg.proto_max_bulk_len,
                    ..Limits::default()
                },
                usize::try_from(cfg.client_query_buffer_limit).unwrap_or(usize::MAX),
            );
        }
        let (_, limits, qbuf_limit) = cached_limits;
        // As Redis, the limit applies to what a read left buffered, before any of it runs.
        if input.len() > qbuf_limit {
            tracing::warn!(
                client = session.id,
                qbuf = input.len(),
                "Closing client that reached max query buffer length"
            );
            server.stats.client_qbuf_limit_disconnections.add(1);
            return Ok(());
        }
        let mut limits = limits;
        let mut clock = CommandClock::start();
        loop {
            limits.auth_required = !session.authenticated;
            match parser.parse(&mut input, &limits, &mut args) {
                Ok(true) => {
                    if args.is_empty() {
                        continue;
                    }
                    if wait_while_paused(server, &args).await {
                        clock = CommandClock::start();
                    }
                    commands::execute(server, session, &args, &mut output, &mut clock);
                    if let Some(request) = session.takeover.take() {
                        // PSYNC/SYNC: this connection is a replica link from now on.
                        if !output.is_empty() {
                            stream.write_all(&output).await?;
                            output.clear();
                        }
                        let input = std::mem::take(&mut input);
                        return crate::replication::master::serve_replica(
                            server, stream, session, input, request,
                        )
                        .await;
                    }
                    if let Some((numreplicas, timeout_ms)) = session.wait.take() {
                        send_replies(server, stream, session, &mut output).await?;
                        match wait_replicas(server, session, numreplicas, timeout_ms).await {
                            Some(acked) => resp::encode::integer(&mut output, acked as i64),
                            None => return Ok(()),
                        }
                        clock = CommandClock::start();
                    }
                    if let Some((waiter, timeout_ms)) = session.blocked.take() {
                        // A blocking command found nothing: answer what came before it,
                        // then wait for its key (Redis stops reading the client meanwhile).
                        send_replies(server, stream, session, &mut output).await?;
                        server.stats.blocked_clients.add(1);
                        let outcome = wait_unblocked(
                            stream, &mut input, session, server, &waiter, timeout_ms,
                        )
                        .await;
                        server.stats.blocked_clients.add(-1);
                        for key in &waiter.keys {
                            session
                                .db
                                .lock_slot(slot_map::key_slot(key))
                                .unblock(key, &waiter);
                        }
                        match outcome? {
                            Some(reply) => {
                                output.extend_from_slice(&reply);
                                // The pop was logged by the client whose push served it:
                                // the reply waits for the log as far as it reaches now.
                                if server.aof.is_enabled() {
                                    session.log_offset =
                                        session.log_offset.max(server.dbs.write_log().offset());
                                }
                            }
                            None => return Ok(()),
                        }
                        clock = CommandClock::start();
                    }
                    if session.close_after_reply {
                        break;
                    }
                }
                Ok(false) => break,
                Err(e) => {
                    // Redis replies with the protocol error and closes the connection.
                    tracing::debug!(client = session.id, error = %e, "Protocol error from client");
                    e.encode_reply(&mut output);
                    session.close_after_reply = true;
                    break;
                }
            }
        }
        handle.query_buf.store(input.len(), Ordering::Relaxed);
        if !output.is_empty() {
            // No reply goes out before the AOF holds the writes it acknowledges (all of this
            // batch's, with one wait).
            server
                .stats
                .net_output_bytes
                .add((output.len() as u64) as i64);
            send_replies(server, stream, session, &mut output).await?;
            if output.capacity() > 1024 * 1024 {
                output = BytesMut::with_capacity(IOBUF_LEN);
            }
        }
        if session.close_after_reply {
            let _ = stream.shutdown().await;
            return Ok(());
        }
    }
}
