//! The registry of connected clients: what CLIENT LIST/INFO/KILL and INFO clients read.
//!
//! Each connection owns its [`crate::session::Session`]; the registry holds a shared
//! [`ClientHandle`] with the few facts other connections may read or change.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::Notify;

/// What other connections can see of a client.
pub struct ClientHandle {
    pub id: u64,
    pub peer: SocketAddr,
    pub local: SocketAddr,
    pub created_ms: i64,
    pub name: Mutex<Option<Bytes>>,
    pub lib_name: Mutex<Option<Bytes>>,
    pub lib_ver: Mutex<Option<Bytes>>,
    pub db: AtomicUsize,
    pub last_interaction_ms: AtomicI64,
    /// Statistics index of the last command (`usize::MAX`: none yet).
    pub last_cmd: AtomicUsize,
    pub resp: AtomicUsize,
    pub query_buf: AtomicUsize,
    pub killed: AtomicBool,
    pub kill_notify: Notify,
    pub no_evict: AtomicBool,
    /// READONLY was sent (CLIENT LIST flag `r`).
    pub readonly: AtomicBool,
    /// The client is a MONITOR (CLIENT LIST flag `O`).
    pub monitor: AtomicBool,
    /// What kind of client it is (CLIENT LIST/KILL TYPE): one of the `KIND_*` values.
    pub kind: std::sync::atomic::AtomicU8,
}

/// A client of the usual kind.
pub const KIND_NORMAL: u8 = 0;
/// This replica's link to its master (flag `M`).
pub const KIND_MASTER: u8 = 1;
/// A replica of this node (flag `S`).
pub const KIND_REPLICA: u8 = 2;

/// The kind CLIENT ... TYPE names, or `None` for an unknown name (`pubsub` matches by
/// subscriptions, not by kind: it is `Some(u8::MAX)`).
pub fn kind_named(name: &[u8]) -> Option<u8> {
    let is = |w: &str| name.eq_ignore_ascii_case(w.as_bytes());
    if is("normal") {
        Some(KIND_NORMAL)
    } else if is("master") {
        Some(KIND_MASTER)
    } else if is("replica") || is("slave") {
        Some(KIND_REPLICA)
    } else if is("pubsub") {
        Some(u8::MAX)
    } else {
        None
    }
}

impl ClientHandle {
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
        // Every registered waiter: a connection turned into a replica link has two (its
        // command loop's, registered once and idle while the link runs, and the link's
        // own), and `notify_one` alone would wake the idle one. The permit covers a waiter
        // not registered yet.
        self.kill_notify.notify_waiters();
        self.kill_notify.notify_one();
    }
}

#[derive(Default)]
pub struct Clients {
    map: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
    next_id: AtomicU64,
}

impl Clients {
    pub fn register(&self, peer: SocketAddr, local: SocketAddr, now_ms: i64) -> Arc<ClientHandle> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let handle = Arc::new(ClientHandle {
            id,
            peer,
            local,
            created_ms: now_ms,
            name: Mutex::new(None),
            lib_name: Mutex::new(None),
            lib_ver: Mutex::new(None),
            db: AtomicUsize::new(0),
            last_interaction_ms: AtomicI64::new(now_ms),
            last_cmd: AtomicUsize::new(usize::MAX),
            resp: AtomicUsize::new(2),
            query_buf: AtomicUsize::new(0),
            killed: AtomicBool::new(false),
            kill_notify: Notify::new(),
            no_evict: AtomicBool::new(false),
            readonly: AtomicBool::new(false),
            monitor: AtomicBool::new(false),
            kind: std::sync::atomic::AtomicU8::new(KIND_NORMAL),
        });
        self.map.lock().insert(id, handle.clone());
        handle
    }

    pub fn unregister(&self, id: u64) {
        self.map.lock().remove(&id);
    }

    pub fn len(&self) -> usize {
        self.map.lock().len()
    }

    pub fn all(&self) -> Vec<Arc<ClientHandle>> {
        self.map.lock().values().cloned().collect()
    }
}
