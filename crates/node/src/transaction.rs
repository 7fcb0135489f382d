//! A connection's transaction state: the commands queued since MULTI, whether one of them
//! was refused (EXECABORT), and the keys it WATCHes with the flag their slot tables set when
//! one changes. Running EXEC is `commands::transaction`'s job; signalling is the store's.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use store::Keyspace;
use store::keyspace::WatchFlag;

/// A key under WATCH.
struct WatchedKey {
    db: Arc<Keyspace>,
    key: Bytes,
    /// The key existed but had already expired when it was watched (Redis
    /// `watchedKey.expired`): its later deletion does not fail the transaction. Shared with
    /// the slot table, which clears it when the key is deleted.
    expired_at_watch: WatchFlag,
}

#[derive(Default)]
pub struct Transaction {
    /// The queued commands, while in MULTI.
    queued: Option<Vec<Vec<Bytes>>>,
    /// A command was refused while queueing: EXEC answers EXECABORT.
    aborted: bool,
    watched: Vec<WatchedKey>,
    flag: WatchFlag,
}

impl Transaction {
    pub fn in_multi(&self) -> bool {
        self.queued.is_some()
    }

    pub fn begin(&mut self) {
        self.queued = Some(Vec::new());
        self.aborted = false;
    }

    /// Queues a command, copying its arguments out of the connection's read buffer. Once
    /// the transaction is bound to fail (a refused command, a watched key changed) nothing
    /// more is kept, as Redis's `queueMultiCommand`.
    pub fn queue(&mut self, args: &[Bytes]) {
        if self.aborted || self.watched_key_changed() {
            return;
        }
        if let Some(q) = &mut self.queued {
            q.push(args.iter().map(|a| Bytes::copy_from_slice(a)).collect());
        }
    }

    /// A command was refused while queueing (Redis `flagTransaction`).
    pub fn flag_error(&mut self) {
        if self.in_multi() {
            self.aborted = true;
        }
    }

    /// Ends MULTI: the queued commands and whether the transaction was aborted.
    pub fn take(&mut self) -> Option<(Vec<Vec<Bytes>>, bool)> {
        let queued = self.queued.take()?;
        Some((queued, std::mem::take(&mut self.aborted)))
    }

    /// Starts watching `key` of `db` (a key watched twice is kept once).
    pub fn watch(&mut self, db: &Arc<Keyspace>, key: &[u8], now_ms: i64) {
        if self
            .watched
            .iter()
            .any(|w| Arc::ptr_eq(&w.db, db) && &w.key[..] == key)
        {
            return;
        }
        let expired_at_watch = WatchFlag::default();
        db.lock_slot(slot_map::key_slot(key))
            .watch(key, &self.flag, &expired_at_watch, now_ms);
        self.watched.push(WatchedKey {
            db: db.clone(),
            key: Bytes::copy_from_slice(key),
            expired_at_watch,
        });
    }

    /// Forgets every watched key and clears the flag (UNWATCH, EXEC, DISCARD, RESET).
    pub fn unwatch_all(&mut self) {
        for w in self.watched.drain(..) {
            w.db.lock_slot(slot_map::key_slot(&w.key))
                .unwatch(&w.key, &self.flag);
        }
        self.flag = Arc::new(AtomicBool::new(false));
    }

    /// Has a watched key expired since WATCH (Redis `isWatchedKeyExpired`)? Locks each
    /// watched key's slot in turn: call it before taking the transaction's locks.
    pub fn watched_key_expired(&self, now_ms: i64) -> bool {
        self.watched.iter().any(|w| {
            !w.expired_at_watch.load(Ordering::Acquire)
                && w.db
                    .lock_slot(slot_map::key_slot(&w.key))
                    .peek(&w.key)
                    .is_some_and(|e| e.is_expired(now_ms))
        })
    }

    /// Has a watched key changed since WATCH? Checked with the transaction's slots locked:
    /// a change signalled later is ordered after this EXEC.
    pub fn watched_key_changed(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        self.unwatch_all();
    }
}
