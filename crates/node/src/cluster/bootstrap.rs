//! Self-assembly (a Tessera extension): freshly started nodes given the same
//! `cluster-bootstrap-peers` list form a cluster by themselves, as `redis-cli --cluster
//! create` would, with no external tool.
//!
//! Every node runs [`run`]; it does nothing if its nodes.conf already knows other nodes or
//! owns slots (a formed cluster is never re-created). Otherwise it waits until every peer
//! answers, learns each one's id (CLUSTER MYID over RESP), and only the *coordinator* — the
//! peer that sorts first by address — goes on: if every peer is still empty (knows only
//! itself, owns no slot) it assigns the slot ranges redis-cli would (even contiguous ranges
//! over the first `masters` peers in address order), gives every peer a distinct configEpoch,
//! has every peer MEET the coordinator (again after a handshake times out) until all know
//! all, and makes the remaining peers replicas. It talks to the peers with the same commands
//! redis-cli sends, so nothing here bypasses the state machine's checks. If any peer is not
//! empty, it assigns nothing and says so.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use bytes::{Bytes, BytesMut};
use resp::Frame;
use slot_map::SLOT_COUNT;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Cluster;

/// How long one RESP exchange with a peer may take.
const PEER_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause between two rounds of polling the peers.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How often a "still waiting" line is logged.
const WAIT_LOG_EVERY: u32 = 50;

/// One entry of `cluster-bootstrap-peers`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Peer {
    /// The host as given (an IP or a name).
    pub host: String,
    /// The client port.
    pub port: u16,
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// What to assemble: the peers in address order, how many are primaries, how many replicas
/// each primary gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootstrapPlan {
    /// Every node of the cluster (this one included), sorted: the first is the coordinator,
    /// the first `masters` are the primaries.
    pub peers: Vec<Peer>,
    /// Number of primaries.
    pub masters: usize,
    /// `requirepass`, to talk to the peers (they share the configuration).
    pub password: Option<String>,
}

impl BootstrapPlan {
    /// The plan `cluster-bootstrap-*` describe, `None` when no peers are given.
    pub fn from_config(cfg: &config::Config) -> anyhow::Result<Option<BootstrapPlan>> {
        let Some(list) = cfg
            .cluster_bootstrap_peers
            .as_deref()
            .filter(|l| !l.trim().is_empty())
        else {
            return Ok(None);
        };
        let mut peers = Vec::new();
        for item in list.split([',', ' ']).filter(|s| !s.is_empty()) {
            let (host, port) = item
                .rsplit_once(':')
                .with_context(|| format!("cluster-bootstrap-peers: '{item}' is not host:port"))?;
            let port: u16 = port
                .parse()
                .ok()
                .filter(|&p| p > 0)
                .with_context(|| format!("cluster-bootstrap-peers: bad port in '{item}'"))?;
            let host = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string();
            if host.is_empty() {
                bail!("cluster-bootstrap-peers: '{item}' has no host");
            }
            peers.push(Peer { host, port });
        }
        peers.sort_by_key(sort_key);
        peers.dedup();
        let replicas = cfg.cluster_bootstrap_replicas_per_master as usize;
        let masters = match cfg.cluster_bootstrap_masters as usize {
            0 => peers.len() / (replicas + 1),
            n => n,
        };
        if masters == 0 || masters * (replicas + 1) != peers.len() {
            bail!(
                "cluster-bootstrap-peers lists {} nodes, but {masters} masters with {replicas} replicas each need {}",
                peers.len(),
                masters * (replicas + 1)
            );
        }
        Ok(Some(BootstrapPlan {
            peers,
            masters,
            password: cfg.requirepass.clone().filter(|p| !p.is_empty()),
        }))
    }
}

/// Addresses sort as IPs where they are IPs (numerically), then names; then by port.
fn sort_key(peer: &Peer) -> (Option<IpAddr>, String, u16) {
    (peer.host.parse().ok(), peer.host.clone(), peer.port)
}

/// The slot ranges redis-cli gives `masters` primaries (`clusterManagerCommandCreate`):
/// contiguous, 16384/masters each, the remainder spread by rounding.
pub fn slot_ranges(masters: usize) -> Vec<(u16, u16)> {
    let last_slot = SLOT_COUNT as i64 - 1;
    let per_node = SLOT_COUNT as f64 / masters as f64;
    let mut ranges = Vec::with_capacity(masters);
    let mut first: i64 = 0;
    let mut cursor = 0.0f64;
    for i in 0..masters {
        let mut last = (cursor + per_node - 1.0).round() as i64;
        if last > last_slot || i == masters - 1 {
            last = last_slot;
        }
        if last < first {
            last = first;
        }
        ranges.push((first as u16, last as u16));
        first = last + 1;
        cursor += per_node;
    }
    ranges
}

/// Runs the plan (see the module documentation). Ends when the cluster is formed, when this
/// node is not the coordinator, or when assembling is refused.
pub async fn run(cluster: Arc<Cluster>, plan: BootstrapPlan) {
    let formed = {
        let inner = cluster.read();
        inner.state.known_nodes() > 1 || inner.state.myself().slot_count() > 0
    };
    if formed {
        tracing::info!(
            "Self-assembly skipped: nodes.conf already has peers or slots (the cluster was formed before)"
        );
        return;
    }
    match assemble(&cluster, &plan).await {
        Ok(Outcome::NotCoordinator(coordinator)) => tracing::info!(
            %coordinator,
            "Self-assembly: waiting to be joined by the coordinator"
        ),
        Ok(Outcome::Formed) => tracing::warn!(
            nodes = plan.peers.len(),
            masters = plan.masters,
            "Self-assembly: cluster formed"
        ),
        Ok(Outcome::Refused(why)) => {
            tracing::warn!("Self-assembly refused: {why}");
        }
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "Self-assembly failed"),
    }
}

enum Outcome {
    NotCoordinator(Peer),
    Formed,
    Refused(String),
}

async fn assemble(cluster: &Cluster, plan: &BootstrapPlan) -> anyhow::Result<Outcome> {
    let n = plan.peers.len();
    // 1. Every peer answers: learn its id.
    let ids = wait_for_all(plan, "CLUSTER MYID", |peer, reply| match reply {
        Frame::Bulk(id) => Ok(String::from_utf8_lossy(&id).into_owned()),
        other => bail!("{peer}: CLUSTER MYID answered {other}"),
    })
    .await;
    let my_id = cluster.my_id().to_string();
    let Some(my_index) = ids.iter().position(|id| *id == my_id) else {
        return Ok(Outcome::Refused(format!(
            "this node ({my_id}) is not in cluster-bootstrap-peers ({})",
            list(&plan.peers)
        )));
    };
    if my_index != 0 {
        return Ok(Outcome::NotCoordinator(plan.peers[0].clone()));
    }
    tracing::warn!(
        nodes = n,
        masters = plan.masters,
        "Self-assembly: this node is the coordinator"
    );

    // 2. Every peer is empty, or nothing is assigned.
    let infos = wait_for_all(plan, "CLUSTER INFO", |peer, reply| {
        let text = text_of(peer, reply)?;
        Ok((
            info_field(&text, "cluster_known_nodes"),
            info_field(&text, "cluster_slots_assigned"),
        ))
    })
    .await;
    if let Some((peer, _)) = plan
        .peers
        .iter()
        .zip(&infos)
        .find(|(_, (known, assigned))| *known != Some(1) || *assigned != Some(0))
    {
        return Ok(Outcome::Refused(format!(
            "{peer} already knows other nodes or owns slots"
        )));
    }

    // 3. Slots, then distinct configEpochs (as redis-cli: 1..=n in node order).
    for (peer, (first, last)) in plan.peers.iter().zip(slot_ranges(plan.masters)) {
        call_checked(
            peer,
            plan,
            &[
                "CLUSTER",
                "ADDSLOTSRANGE",
                &first.to_string(),
                &last.to_string(),
            ],
        )
        .await?;
    }
    for (index, peer) in plan.peers.iter().enumerate() {
        // Refused only if the epoch is already set: then it stays as it is.
        let _ = call(
            peer,
            plan,
            &["CLUSTER", "SET-CONFIG-EPOCH", &(index + 1).to_string()],
        )
        .await;
    }

    // 4. Everyone meets the coordinator, again while a peer does not know all nodes yet (a
    //    handshake that times out is dropped).
    let me = resolve(&plan.peers[0]).await?;
    let my_cport = cluster.read().state.config().cport.to_string();
    let meet_args = [
        "CLUSTER".to_string(),
        "MEET".to_string(),
        me.ip().to_string(),
        plan.peers[0].port.to_string(),
        my_cport,
    ];
    let handshake_timeout = cluster.read().state.config().node_timeout.max(1000);
    let mut last_meet: Vec<Option<tokio::time::Instant>> = vec![None; n];
    let mut rounds = 0u32;
    loop {
        let mut all_known = true;
        for (index, peer) in plan.peers.iter().enumerate().skip(1) {
            let known = match call(peer, plan, &["CLUSTER", "INFO"]).await {
                Ok(reply) => text_of(peer, reply)
                    .ok()
                    .and_then(|t| info_field(&t, "cluster_known_nodes")),
                Err(_) => None,
            };
            if known == Some(n as u64) {
                continue;
            }
            all_known = false;
            let due = last_meet[index]
                .is_none_or(|at| at.elapsed() > Duration::from_millis(handshake_timeout + 500));
            if due {
                let args: Vec<&str> = meet_args.iter().map(String::as_str).collect();
                if call_checked(peer, plan, &args).await.is_ok() {
                    last_meet[index] = Some(tokio::time::Instant::now());
                }
            }
        }
        if all_known && cluster.read().state.known_nodes() == n {
            break;
        }
        rounds += 1;
        if rounds.is_multiple_of(WAIT_LOG_EVERY) {
            tracing::info!("Self-assembly: waiting for every node to know every other");
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }

    // 5. Replicas, once they know their primary.
    for (index, peer) in plan.peers.iter().enumerate().skip(plan.masters) {
        let primary = &ids[(index - plan.masters) % plan.masters];
        let mut rounds = 0u32;
        while call_checked(peer, plan, &["CLUSTER", "REPLICATE", primary])
            .await
            .is_err()
        {
            rounds += 1;
            if rounds.is_multiple_of(WAIT_LOG_EVERY) {
                tracing::info!(%peer, %primary, "Self-assembly: waiting for a replica to know its primary");
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
    Ok(Outcome::Formed)
}

fn list(peers: &[Peer]) -> String {
    peers
        .iter()
        .map(Peer::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Sends `command` to every peer until all have answered as `parse` accepts; returns the
/// answers in peer order.
async fn wait_for_all<T>(
    plan: &BootstrapPlan,
    command: &str,
    parse: impl Fn(&Peer, Frame) -> anyhow::Result<T>,
) -> Vec<T> {
    let args: Vec<&str> = command.split(' ').collect();
    let mut rounds = 0u32;
    loop {
        let mut answers = Vec::with_capacity(plan.peers.len());
        let mut missing = None;
        for peer in &plan.peers {
            match call(peer, plan, &args)
                .await
                .and_then(|reply| parse(peer, reply))
            {
                Ok(answer) => answers.push(answer),
                Err(e) => {
                    missing = Some((peer, e));
                    break;
                }
            }
        }
        match missing {
            None => return answers,
            Some((peer, e)) => {
                rounds += 1;
                if rounds.is_multiple_of(WAIT_LOG_EVERY) {
                    tracing::info!(%peer, error = %format!("{e:#}"), "Self-assembly: waiting for a peer");
                }
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// An `INFO`-style field's integer value.
fn info_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.trim().parse().ok())
}

fn text_of(peer: &Peer, reply: Frame) -> anyhow::Result<String> {
    match reply {
        Frame::Bulk(text) | Frame::Verbatim { text, .. } => {
            Ok(String::from_utf8_lossy(&text).into_owned())
        }
        other => bail!("{peer}: expected text, got {other}"),
    }
}

async fn resolve(peer: &Peer) -> anyhow::Result<SocketAddr> {
    tokio::net::lookup_host((peer.host.as_str(), peer.port))
        .await
        .with_context(|| format!("resolving {peer}"))?
        .next()
        .with_context(|| format!("{peer} resolves to no address"))
}

/// [`call`], with an error reply as an error.
async fn call_checked(peer: &Peer, plan: &BootstrapPlan, args: &[&str]) -> anyhow::Result<Frame> {
    match call(peer, plan, args).await? {
        Frame::Error(e) => bail!(
            "{peer}: {} answered {}",
            args.join(" "),
            String::from_utf8_lossy(&e)
        ),
        reply => Ok(reply),
    }
}

/// One command on a new connection to `peer` (AUTH first when a password is configured).
async fn call(peer: &Peer, plan: &BootstrapPlan, args: &[&str]) -> anyhow::Result<Frame> {
    tokio::time::timeout(PEER_TIMEOUT, async {
        let address = resolve(peer).await?;
        let mut stream = TcpStream::connect(address)
            .await
            .with_context(|| format!("connecting to {peer}"))?;
        let mut request = BytesMut::new();
        if let Some(password) = &plan.password {
            encode(&mut request, &["AUTH", password]);
        }
        encode(&mut request, args);
        stream.write_all(&request).await?;
        let mut buf = BytesMut::with_capacity(4096);
        let mut replies = Vec::new();
        let wanted = if plan.password.is_some() { 2 } else { 1 };
        while replies.len() < wanted {
            while let Some(frame) =
                Frame::parse(&mut buf).map_err(|e| anyhow::anyhow!("{peer}: {e}"))?
            {
                replies.push(frame);
            }
            if replies.len() >= wanted {
                break;
            }
            if stream.read_buf(&mut buf).await? == 0 {
                bail!("{peer} closed the connection");
            }
        }
        replies.pop().with_context(|| format!("{peer}: no reply"))
    })
    .await
    .with_context(|| format!("{peer}: no reply within {PEER_TIMEOUT:?}"))?
}

fn encode(out: &mut BytesMut, args: &[&str]) {
    let frame = Frame::Array(
        args.iter()
            .map(|a| Frame::Bulk(Bytes::copy_from_slice(a.as_bytes())))
            .collect(),
    );
    frame.encode(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_ranges_are_redis_clis() {
        assert_eq!(slot_ranges(1), [(0, 16383)]);
        assert_eq!(slot_ranges(3), [(0, 5460), (5461, 10922), (10923, 16383)]);
        for masters in 1..=50 {
            let ranges = slot_ranges(masters);
            assert_eq!(ranges.len(), masters);
            assert_eq!(ranges[0].0, 0);
            assert_eq!(ranges[masters - 1].1, 16383);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].1 + 1, pair[1].0, "{masters}: {ranges:?}");
            }
        }
    }

    #[test]
    fn info_fields_are_read_by_name() {
        let text = "cluster_state:ok\r\ncluster_known_nodes:6\r\ncluster_known_nodes_x:1\r\n";
        assert_eq!(info_field(text, "cluster_known_nodes"), Some(6));
        assert_eq!(info_field(text, "cluster_size"), None);
    }

    #[test]
    fn peers_sort_by_address_and_shape_must_fit() {
        let mut cfg = config::Config {
            cluster_bootstrap_peers: Some("127.0.0.1:7002, 127.0.0.1:7000,127.0.0.1:7001".into()),
            ..Default::default()
        };
        let plan = BootstrapPlan::from_config(&cfg).unwrap().unwrap();
        let ports: Vec<u16> = plan.peers.iter().map(|p| p.port).collect();
        assert_eq!(ports, [7000, 7001, 7002]);
        assert_eq!(plan.masters, 3);
        cfg.cluster_bootstrap_replicas_per_master = 1;
        assert!(BootstrapPlan::from_config(&cfg).is_err());
        cfg.cluster_bootstrap_peers = None;
        assert_eq!(BootstrapPlan::from_config(&cfg).unwrap(), None);
    }
}
