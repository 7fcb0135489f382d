//! Pub/Sub: who is subscribed to which channel, pattern and shard channel, and delivery of
//! published messages to their queues.
//!
//! Each subscribed connection owns an unbounded queue of encoded messages and a counter of
//! the bytes waiting in it. A publisher adds to the counter; past the `pubsub` class of
//! `client-output-buffer-limit` (hard, or soft for too long) the subscriber is disconnected
//! instead of queueing more, as Redis does, so a slow subscriber cannot grow memory without
//! bound. This module does not parse commands (`commands::pubsub` does) and does not cross
//! nodes (the cluster bus does).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use bytes::{Bytes, BytesMut};
use parking_lot::RwLock;
use resp::Protocol;
use tokio::sync::mpsc;

use crate::clients::ClientHandle;

/// A subscribed connection, as publishers see it.
pub struct Subscriber {
    pub handle: Arc<ClientHandle>,
    tx: mpsc::UnboundedSender<Bytes>,
    /// Bytes queued and not yet written to the socket.
    pending: AtomicUsize,
    /// When the queue went above the soft limit (0: it is below).
    soft_since_ms: AtomicI64,
}

impl Subscriber {
    /// A subscriber for a connection, and the queue that connection drains.
    pub fn new(handle: Arc<ClientHandle>) -> (Arc<Subscriber>, mpsc::UnboundedReceiver<Bytes>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Arc::new(Subscriber {
                handle,
                tx,
                pending: AtomicUsize::new(0),
                soft_since_ms: AtomicI64::new(0),
            }),
            rx,
        )
    }

    /// The connection wrote `n` queued bytes.
    pub fn written(&self, n: usize) {
        self.pending.fetch_sub(n, Ordering::AcqRel);
    }

    fn protocol(&self) -> Protocol {
        if self.handle.resp.load(Ordering::Relaxed) == 3 {
            Protocol::Resp3
        } else {
            Protocol::Resp2
        }
    }

    /// Queues one message unless that would break the output buffer limit, in which case
    /// the client is disconnected. Returns whether it was queued.
    fn deliver(&self, message: Bytes, limit: &config::OutputBufferLimit, now_ms: i64) -> bool {
        let pending = self.pending.fetch_add(message.len(), Ordering::AcqRel) + message.len();
        let hard = limit.hard_limit_bytes;
        let soft = limit.soft_limit_bytes;
        let over_hard = hard > 0 && pending as u64 > hard;
        let mut over_soft = false;
        if soft > 0 && pending as u64 > soft {
            let since = self.soft_since_ms.load(Ordering::Acquire);
            if since == 0 {
                self.soft_since_ms.store(now_ms, Ordering::Release);
            } else if now_ms - since > limit.soft_limit_seconds * 1000 {
                over_soft = true;
            }
        } else {
            self.soft_since_ms.store(0, Ordering::Release);
        }
        if over_hard || over_soft {
            self.pending.fetch_sub(message.len(), Ordering::AcqRel);
            if !self.handle.killed.load(Ordering::Acquire) {
                tracing::warn!(
                    client = self.handle.id,
                    pending,
                    "Client closed for overcoming of output buffer limits."
                );
            }
            self.handle.kill();
            return false;
        }
        let len = message.len();
        if self.tx.send(message).is_err() {
            self.pending.fetch_sub(len, Ordering::AcqRel);
            return false;
        }
        true
    }
}

type Members = HashMap<u64, Arc<Subscriber>>;

impl Subscriber {
    /// Disconnected for its limit but not yet cleaned up by its connection.
    fn gone(&self) -> bool {
        self.handle.killed.load(Ordering::Acquire)
    }
}

fn live(members: &Members) -> usize {
    members.values().filter(|s| !s.gone()).count()
}

/// Every subscription on this node.
#[derive(Default)]
pub struct PubSub {
    channels: RwLock<HashMap<Bytes, Members>>,
    patterns: RwLock<HashMap<Bytes, Members>>,
    shard_channels: RwLock<HashMap<Bytes, Members>>,
}

/// Which of the three namespaces.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl PubSub {
    fn map(&self, kind: Kind) -> &RwLock<HashMap<Bytes, Members>> {
        match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
            Kind::Shard => &self.shard_channels,
        }
    }

    pub fn subscribe(&self, kind: Kind, name: &Bytes, sub: &Arc<Subscriber>) {
        self.map(kind)
            .write()
            .entry(name.clone())
            .or_default()
            .insert(sub.handle.id, sub.clone());
    }

    pub fn unsubscribe(&self, kind: Kind, name: &[u8], id: u64) {
        let mut map = self.map(kind).write();
        if let Some(members) = map.get_mut(name) {
            members.remove(&id);
            if members.is_empty() {
                map.remove(name);
            }
        }
    }

    /// Delivers `message` on `channel` to its subscribers and to the subscribers of every
    /// matching pattern; returns how many received it (Redis counts one per subscription).
    pub fn publish(
        &self,
        channel: &[u8],
        message: &[u8],
        limit: &config::OutputBufferLimit,
        now_ms: i64,
    ) -> usize {
        let mut received = 0;
        if let Some(members) = self.channels.read().get(channel) {
            received += deliver_to(members, &[b"message", channel, message], limit, now_ms);
        }
        for (pattern, members) in self.patterns.read().iter() {
            if glob::string_match(pattern, channel, false) {
                let parts: [&[u8]; 4] = [b"pmessage", pattern, channel, message];
                received += deliver_to(members, &parts, limit, now_ms);
            }
        }
        received
    }

    /// Delivers `message` to the subscribers of shard channel `channel`.
    pub fn publish_shard(
        &self,
        channel: &[u8],
        message: &[u8],
        limit: &config::OutputBufferLimit,
        now_ms: i64,
    ) -> usize {
        match self.shard_channels.read().get(channel) {
            Some(members) => deliver_to(members, &[b"smessage", channel, message], limit, now_ms),
            None => 0,
        }
    }

    /// Channels (or shard channels) with at least one subscriber, matching `pattern`.
    pub fn active(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Bytes> {
        self.map(kind)
            .read()
            .iter()
            .filter(|(c, members)| {
                live(members) > 0 && pattern.is_none_or(|p| glob::string_match(p, c, false))
            })
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// Subscribers of one channel (or shard channel).
    pub fn count(&self, kind: Kind, name: &[u8]) -> usize {
        self.map(kind).read().get(name).map_or(0, live)
    }

    /// Distinct patterns subscribed to (PUBSUB NUMPAT).
    pub fn pattern_count(&self) -> usize {
        self.patterns
            .read()
            .values()
            .filter(|m| live(m) > 0)
            .count()
    }
}

/// A pub/sub message: a RESP3 push or a RESP2 array of bulk strings.
/// Delivers the push message `parts` to every live subscriber in `members` (encoded once per
/// protocol); returns how many took it.
fn deliver_to(
    members: &Members,
    parts: &[&[u8]],
    limit: &config::OutputBufferLimit,
    now_ms: i64,
) -> usize {
    let mut frames: [Option<Bytes>; 2] = [None, None];
    members
        .values()
        .filter(|sub| !sub.gone())
        .filter(|sub| {
            let proto = sub.protocol();
            let frame = frames[usize::from(proto == Protocol::Resp3)]
                .get_or_insert_with(|| encode(proto, parts))
                .clone();
            sub.deliver(frame, limit, now_ms)
        })
        .count()
}

fn encode(proto: Protocol, parts: &[&[u8]]) -> Bytes {
    let mut out = BytesMut::with_capacity(parts.iter().map(|p| p.len() + 16).sum());
    resp::encode::push_header(&mut out, proto, parts.len());
    for p in parts {
        resp::encode::bulk(&mut out, p);
    }
    out.freeze()
}

/// A connection's subscriptions (Redis `c->pubsub_channels` and friends).
#[derive(Default)]
pub struct Subscriptions {
    pub channels: Vec<Bytes>,
    pub patterns: Vec<Bytes>,
    pub shard_channels: Vec<Bytes>,
    /// Set on the first subscription: what publishers deliver to.
    pub subscriber: Option<Arc<Subscriber>>,
    /// The queue the connection drains.
    pub queue: Option<mpsc::UnboundedReceiver<Bytes>>,
}

impl Subscriptions {
    /// Channels plus patterns (the count SUBSCRIBE/PSUBSCRIBE replies).
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// In subscribed mode (RESP2 allows only the pub/sub commands then).
    pub fn active(&self) -> bool {
        self.count() + self.shard_channels.len() > 0
    }

    pub fn list(&mut self, kind: Kind) -> &mut Vec<Bytes> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard_channels,
        }
    }

    /// Drops every subscription (connection closed, RESET).
    pub fn clear(&mut self, pubsub: &PubSub, id: u64) {
        for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
            for name in std::mem::take(self.list(kind)) {
                pubsub.unsubscribe(kind, &name, id);
            }
        }
    }
}
