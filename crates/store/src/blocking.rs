//! Clients blocked on keys (BLPOP and friends): the waiter a blocked command leaves in the
//! slot table of each of its keys, and the hand-off that serves it.
//!
//! A waiter is registered while its keys' slots are locked, so no push can slip between the
//! check that a key is empty and the registration. A command that creates a list or sorted
//! set key with waiters marks the key ready (in [`crate::keyspace::SlotGuard::insert`]); the
//! dispatcher then serves the waiters, first come first served, before it releases the
//! slots: no other client can take the element in between. Each waiter is served at most
//! once ([`Waiter::claim`]), and a waiter that timed out or whose client left is skipped
//! ([`Waiter::cancel`]). Waking the client is the node's business (`wake`).

use std::sync::atomic::{AtomicU8, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;
use resp::Protocol;

/// What a blocked command does once one of its keys has data.
#[derive(Clone, Debug)]
pub enum BlockedOp {
    /// BLPOP/BRPOP (`count: None`: reply `[key, element]`) and BLMPOP (`Some`: reply
    /// `[key, [elements]]`).
    ListPop { front: bool, count: Option<usize> },
    /// BLMOVE/BRPOPLPUSH: pop, push to `dst`, reply the element.
    ListMove {
        dst: Bytes,
        from_front: bool,
        to_front: bool,
    },
    /// BZPOPMIN/BZPOPMAX (`count: None`: reply `[key, member, score]`) and BZMPOP (`Some`:
    /// reply `[key, [[member, score], ...]]`).
    ZPop { max: bool, count: Option<usize> },
}

impl BlockedOp {
    /// The type of key the command waits for.
    pub fn wants_zset(&self) -> bool {
        matches!(self, BlockedOp::ZPop { .. })
    }
}

const WAITING: u8 = 0;
const SERVED: u8 = 1;
const CANCELLED: u8 = 2;

/// A blocked command waiting on its keys.
pub struct Waiter {
    pub client_id: u64,
    pub keys: Vec<Bytes>,
    pub op: BlockedOp,
    pub proto: Protocol,
    state: AtomicU8,
    reply: Mutex<Option<Vec<u8>>>,
    wake: Box<dyn Fn() + Send + Sync>,
}

impl Waiter {
    pub fn new(
        client_id: u64,
        keys: Vec<Bytes>,
        op: BlockedOp,
        proto: Protocol,
        wake: Box<dyn Fn() + Send + Sync>,
    ) -> Waiter {
        Waiter {
            client_id,
            keys,
            op,
            proto,
            state: AtomicU8::new(WAITING),
            reply: Mutex::new(None),
            wake,
        }
    }

    /// Still waiting (neither served nor cancelled)?
    pub fn is_waiting(&self) -> bool {
        self.state.load(Ordering::Acquire) == WAITING
    }

    /// Takes the right to serve this waiter (once).
    pub fn claim(&self) -> bool {
        self.state
            .compare_exchange(WAITING, SERVED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Gives up waiting (timeout, disconnect); false when a server already claimed it, in
    /// which case its reply is coming.
    pub fn cancel(&self) -> bool {
        self.state
            .compare_exchange(WAITING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Hands the reply over and wakes the client.
    pub fn complete(&self, reply: Vec<u8>) {
        *self.reply.lock() = Some(reply);
        (self.wake)();
    }

    /// The reply, once served.
    pub fn take_reply(&self) -> Option<Vec<u8>> {
        self.reply.lock().take()
    }
}

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("client_id", &self.client_id)
            .field("op", &self.op)
            .finish()
    }
}

/// The waiters of one slot, by key, and the keys that became ready.
#[derive(Default)]
pub struct BlockedKeys {
    pub(crate) waiters:
        hashbrown::HashMap<Box<[u8]>, std::collections::VecDeque<std::sync::Arc<Waiter>>>,
    pub(crate) ready: Vec<Box<[u8]>>,
}
