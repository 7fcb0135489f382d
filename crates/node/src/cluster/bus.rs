//! The cluster bus's IO: the listener on the bus port, one task per link (outbound ones
//! connect first) that reads frames into the state machine and writes the frames it sends,
//! and the cron that ticks the state machine every 100 ms.
//!
//! A frame that cannot be decoded (bad magic or version, over the size limit, not a valid
//! message) closes its link and is counted; it never reaches gossip. Reconnection is gossip's
//! decision: a closed link is reported, and the next tick asks for a new one.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use cluster_bus::FrameDecoder;
use gossip::{LinkId, TICK_INTERVAL_MS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::Cluster;

/// Accepts bus connections until the process ends.
pub(super) async fn accept_loop(cluster: Arc<Cluster>, listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "Error accepting cluster node connection");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let local = stream.local_addr().map(|a| ip_text(&a)).unwrap_or_default();
        let peer_ip = ip_text(&peer);
        tracing::debug!(peer = %peer, "Accepting cluster node connection");
        let pending = Arc::new(AtomicUsize::new(0));
        let (link, queued) = cluster.accept(&peer_ip, &local, pending.clone());
        let task = tokio::spawn(serve(cluster.clone(), link, stream, queued, pending));
        cluster.set_link_task(link, task.abort_handle());
    }
}

/// An address's IP as gossip wants it (IPv4-mapped IPv6 addresses as plain IPv4).
fn ip_text(addr: &SocketAddr) -> String {
    match addr.ip() {
        std::net::IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        v4 => v4.to_string(),
    }
}

/// Where an outbound link goes.
pub(super) struct Target {
    /// The node's last known IP.
    pub ip: String,
    /// The hostname it announced, if any: resolved at each attempt and preferred to `ip`.
    pub hostname: Option<String>,
    /// Its bus port.
    pub cport: u16,
}

impl Target {
    /// The addresses to dial, in order: the hostname's addresses when it resolves, then the
    /// last known IP.
    async fn candidates(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(host) = &self.hostname {
            match tokio::net::lookup_host((host.as_str(), self.cport)).await {
                Ok(addrs) => {
                    for addr in addrs {
                        let ip = ip_text(&addr);
                        if !out.contains(&ip) {
                            out.push(ip);
                        }
                    }
                }
                Err(e) => {
                    tracing::debug!(%host, error = %e, "Could not resolve a node's hostname; dialling its last known IP");
                }
            }
        }
        if !out.contains(&self.ip) {
            out.push(self.ip.clone());
        }
        out
    }

    /// A connection to the first candidate address that accepts one.
    async fn dial(&self) -> std::io::Result<TcpStream> {
        let mut last = None;
        for ip in self.candidates().await {
            match TcpStream::connect((ip.as_str(), self.cport)).await {
                Ok(stream) => {
                    if ip != self.ip {
                        tracing::info!(hostname = ?self.hostname, %ip, known = %self.ip, cport = self.cport, "Reached a node at its hostname's current address");
                    }
                    return Ok(stream);
                }
                Err(e) => {
                    tracing::debug!(%ip, cport = self.cport, error = %e, "Connection with a node's bus port failed");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no address to dial")))
    }
}

/// An outbound link: connects to the target (its hostname re-resolved, else its IP) within
/// `timeout_ms`, tells gossip, then serves the link. A failed attempt is reported as a
/// closed link.
pub(super) async fn connect(
    cluster: Arc<Cluster>,
    link: LinkId,
    target: Target,
    queued: mpsc::UnboundedReceiver<Vec<u8>>,
    pending: Arc<AtomicUsize>,
    timeout_ms: u64,
) {
    let attempt = tokio::time::timeout(Duration::from_millis(timeout_ms), target.dial()).await;
    let stream = match attempt {
        Ok(Ok(stream)) => stream,
        Ok(Err(_)) => {
            cluster.link_closed(link);
            return;
        }
        Err(_) => {
            tracing::debug!(ip = %target.ip, hostname = ?target.hostname, cport = target.cport, "Connection with a node's bus port timed out");
            cluster.link_closed(link);
            return;
        }
    };
    cluster.drive(|state, now| ((), state.on_link_connected(now, link)));
    serve(cluster, link, stream, queued, pending).await;
}

/// Reads and writes one connected link until either side fails or gossip closes it.
async fn serve(
    cluster: Arc<Cluster>,
    link: LinkId,
    stream: TcpStream,
    mut queued: mpsc::UnboundedReceiver<Vec<u8>>,
    pending: Arc<AtomicUsize>,
) {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let write = async {
        while let Some(frame) = queued.recv().await {
            if writer.write_all(&frame).await.is_err() {
                return;
            }
            pending.fetch_sub(frame.len(), Ordering::Relaxed);
        }
    };
    let read = async {
        let decoder = FrameDecoder::default();
        let mut buf = BytesMut::with_capacity(16 * 1024);
        loop {
            match reader.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    cluster
                        .stats
                        .bytes_received
                        .fetch_add(n as u64, Ordering::Relaxed);
                }
            }
            loop {
                match decoder.decode(&buf) {
                    Ok(Some((message, used))) => {
                        buf.advance(used);
                        cluster.stats.count_received(message.message_type());
                        let delivered = cluster.drive_inner(|inner, now| {
                            if !inner.links.contains_key(&link) {
                                return (false, Vec::new());
                            }
                            (true, inner.state.on_message(now, link, message))
                        });
                        if !delivered {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        cluster
                            .stats
                            .rejected_frames
                            .fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(link = link.0, error = %e, "Closing a cluster bus link after a bad frame");
                        return;
                    }
                }
            }
        }
    };
    tokio::select! {
        () = write => {}
        () = read => {}
    }
    // Nothing happens if gossip closed the link itself.
    cluster.link_closed(link);
}

/// Ticks the state machine every [`TICK_INTERVAL_MS`] (Redis's `clusterCron`).
pub(super) async fn cron(cluster: Arc<Cluster>) {
    let mut interval = tokio::time::interval(Duration::from_millis(TICK_INTERVAL_MS));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        cluster.refresh_replication_offset();
        cluster.drive(|state, now| ((), state.tick(now)));
        cluster.free_links_over_limit();
    }
}
