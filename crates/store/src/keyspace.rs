//! The keyspace of one database: 16384 slot tables, each behind its own lock.
//!
//! This module owns the tables, their locking discipline and the counters derived from them
//! (key counts, volatile-key counts, expired-key statistics). It does not parse commands.
//!
//! Locking rules (ARCHITECTURE §3): a command locks the slots of all its keys before touching
//! any of them, in ascending slot order, and holds them until its reply is written; guards are
//! never held across an `.await`. Whole-keyspace walks (KEYS, SCAN, FLUSHDB, the active expiry
//! cycle) lock one slot at a time.

use std::hash::BuildHasher;

use crate::slot_lock::{SlotLock as Mutex, SlotLockGuard as MutexGuard};
use hashbrown::HashTable;
use hashbrown::hash_table::Entry as TableEntry;
use slot_map::{SLOT_COUNT, Slot, key_slot};

use crate::counter::Counter;
use std::sync::Arc;

use crate::blocking::{BlockedKeys, Waiter};
use crate::entry::{Entry, ValueType};
use crate::error::CmdError;

/// Keyspace-wide statistics shared by every database (INFO stats).
#[derive(Default)]
pub struct KeyspaceStats {
    pub expired_keys: Counter,
    pub keyspace_hits: Counter,
    pub keyspace_misses: Counter,
    /// Changes since the last save (Redis `server.dirty`).
    pub dirty: Counter,
}

impl KeyspaceStats {
    pub fn reset(&self) {
        self.expired_keys.reset();
        self.keyspace_hits.reset();
        self.keyspace_misses.reset();
    }
}

/// A client's WATCH flag: set when a key it watches is modified (Redis `CLIENT_DIRTY_CAS`).
pub type WatchFlag = std::sync::Arc<std::sync::atomic::AtomicBool>;

/// One watched key of a slot (Redis `watchedKey`).
#[derive(Clone)]
pub struct Watcher {
    key: Box<[u8]>,
    /// The watching client's flag.
    dirty: WatchFlag,
    /// The key existed but had already expired when it was watched: its deletion is no
    /// logical change (the flag is then cleared, as Redis's `touchWatchedKey` does).
    expired: WatchFlag,
}

impl Watcher {
    fn touch(&self, deleted: bool) {
        use std::sync::atomic::Ordering::{Acquire, Release};
        if deleted && self.expired.load(Acquire) {
            self.expired.store(false, Release);
        } else {
            self.dirty.store(true, Release);
        }
    }
}

/// The keys of one hash slot.
#[derive(Default)]
pub struct SlotTable {
    entries: HashTable<Entry>,
    volatile: usize,
    /// WATCHed keys of this slot and the flag of each client watching them. Every change to
    /// a key goes through a [`SlotGuard`] method that checks this list (empty: one branch).
    watchers: Vec<Watcher>,
    /// Clients blocked on keys of this slot (None: nobody, the common case).
    blocked: Option<Box<BlockedKeys>>,
}

impl SlotTable {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of keys in this slot that carry an expiry.
    pub fn volatile_len(&self) -> usize {
        self.volatile
    }

    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }
}

thread_local! {
    static MASTER_STREAM: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` as the application of a master's replication stream: on a replica, keys that
/// expired by this node's clock are still live to it (its master has not deleted them yet,
/// and will send the deletion), as Redis's master client sees them.
pub fn as_master_stream<R>(f: impl FnOnce() -> R) -> R {
    MASTER_STREAM.with(|m| m.set(true));
    let r = f();
    MASTER_STREAM.with(|m| m.set(false));
    r
}

fn applying_master_stream() -> bool {
    MASTER_STREAM.with(|m| m.get())
}

thread_local! {
    /// The log offset after the last expiry deletion logged on this thread (0: none since
    /// [`take_expiry_log_end`]).
    static EXPIRY_LOGGED_TO: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The log offset after the expiry deletions logged on this thread since the last call, if
/// any: a command that found keys expired (a read too) logged their DELs, and its client's
/// WAIT must cover them (Redis sets `c->woff` after any command that propagated).
pub fn take_expiry_log_end() -> Option<u64> {
    let end = EXPIRY_LOGGED_TO.with(|c| c.replace(0));
    (end > 0).then_some(end)
}

/// One database: 16384 locked slot tables.
pub struct Keyspace {
    slots: Box<[Mutex<SlotTable>]>,
    hasher: hashbrown::DefaultHashBuilder,
    keys: Counter,
    volatile: Counter,
    stats: std::sync::Arc<KeyspaceStats>,
    /// Where deletions by expiry are logged, and this database's index in it (SWAPDB
    /// changes the index).
    log: std::sync::Arc<crate::write_log::WriteLog>,
    index: std::sync::atomic::AtomicUsize,
}

impl Keyspace {
    /// A database of its own (tests): its write log has no consumer.
    pub fn new(stats: std::sync::Arc<KeyspaceStats>) -> Keyspace {
        Keyspace::in_databases(stats, Default::default(), 0)
    }

    /// Database `index` of a set sharing `log`.
    pub fn in_databases(
        stats: std::sync::Arc<KeyspaceStats>,
        log: std::sync::Arc<crate::write_log::WriteLog>,
        index: usize,
    ) -> Keyspace {
        Keyspace {
            log,
            index: std::sync::atomic::AtomicUsize::new(index),
            slots: (0..SLOT_COUNT)
                .map(|_| Mutex::new(SlotTable::default()))
                .collect(),
            hasher: hashbrown::DefaultHashBuilder::default(),
            keys: Counter::default(),
            volatile: Counter::default(),
            stats,
        }
    }

    /// Number of keys (DBSIZE); may include keys that expired but were not yet reclaimed, as in Redis.
    pub fn len(&self) -> u64 {
        self.keys.get()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of keys with an expiry (INFO keyspace `expires=`).
    pub fn volatile_len(&self) -> u64 {
        self.volatile.get()
    }

    /// This database's index (SWAPDB moves it).
    pub fn index(&self) -> usize {
        self.index.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn set_index(&self, index: usize) {
        self.index
            .store(index, std::sync::atomic::Ordering::Relaxed);
    }

    /// The write log this database's changes go to.
    pub fn write_log(&self) -> &crate::write_log::WriteLog {
        &self.log
    }

    /// Logs the deletion of an expired key as `DEL` (Redis propagates expiry as a deletion).
    fn log_expired(&self, slot: Slot, key: &[u8]) {
        if self.log.is_enabled() {
            let end = self
                .log
                .append(self.index(), &[slot], &[[b"DEL".as_slice(), key]]);
            EXPIRY_LOGGED_TO.with(|c| c.set(end));
        }
    }

    pub fn stats(&self) -> &KeyspaceStats {
        &self.stats
    }

    /// SWAPDB's signal (Redis `touchAllWatchedKeysInDb`): every client watching a key of this
    /// database that exists here or in `other` (the database it is swapped with) fails its
    /// EXEC. One slot of one database is locked at a time.
    pub fn signal_watchers_on_swap(&self, other: &Keyspace) {
        for slot in 0..SLOT_COUNT as Slot {
            let watched: Vec<(Watcher, bool)> = {
                let guard = self.lock_slot(slot);
                if guard.table.watchers.is_empty() {
                    continue;
                }
                guard
                    .table
                    .watchers
                    .iter()
                    .map(|w| (w.clone(), guard.peek(&w.key).is_some()))
                    .collect()
            };
            let guard = other.lock_slot(slot);
            for (w, here) in watched {
                let there = guard.peek(&w.key).is_some();
                if here || there {
                    // Gone in the swap (not in the other database): a deletion.
                    w.touch(!there);
                }
            }
        }
    }

    /// Locks one slot.
    pub fn lock_slot(&self, slot: Slot) -> SlotGuard<'_> {
        SlotGuard {
            ks: self,
            slot,
            table: self.slots[slot as usize].lock(),
        }
    }

    /// Locks the given slots in ascending order (they are sorted and deduplicated here).
    pub fn lock_slots(&self, slots: &mut Vec<Slot>) -> Locked<'_> {
        slots.sort_unstable();
        slots.dedup();
        match slots.as_slice() {
            [] => Locked::none(),
            [one] => Locked::new(Guards::One(self.lock_slot(*one))),
            many => Locked::new(Guards::Many(
                many.iter().map(|&s| self.lock_slot(s)).collect(),
            )),
        }
    }

    /// Locks the slots of `keys`.
    pub fn lock_keys<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) -> Locked<'_> {
        let mut slots: Vec<Slot> = keys.into_iter().map(key_slot).collect();
        self.lock_slots(&mut slots)
    }

    /// Number of keys stored in `slot` (CLUSTER COUNTKEYSINSLOT).
    pub fn slot_len(&self, slot: Slot) -> usize {
        self.slots[slot as usize].lock().len()
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }
}

/// A locked slot table with the operations commands use.
pub struct SlotGuard<'a> {
    ks: &'a Keyspace,
    slot: Slot,
    table: MutexGuard<'a, SlotTable>,
}

/// Sets the flag of every client watching `key` (`deleted`: the change removed the key).
#[inline]
fn signal(watchers: &[Watcher], key: &[u8], deleted: bool) {
    if watchers.is_empty() {
        return;
    }
    for w in watchers {
        if &*w.key == key {
            w.touch(deleted);
        }
    }
}

/// What a lookup found.
pub enum Lookup {
    Found,
    Missing,
}

impl<'a> SlotGuard<'a> {
    pub fn slot(&self) -> Slot {
        self.slot
    }

    /// Signals that `key` changed: clients WATCHing it will fail their EXEC
    /// (Redis `signalModifiedKey` / `touchWatchedKey`).
    #[inline]
    pub fn touch(&self, key: &[u8]) {
        signal(&self.table.watchers, key, false);
    }

    /// Registers a blocked client's waiter on `key` (behind earlier waiters).
    pub fn block(&mut self, key: &[u8], waiter: &Arc<Waiter>) {
        self.table
            .blocked
            .get_or_insert_with(Default::default)
            .waiters
            .entry(key.into())
            .or_default()
            .push_back(waiter.clone());
    }

    /// Removes a waiter from `key` (served, timed out, or its client left).
    pub fn unblock(&mut self, key: &[u8], waiter: &Arc<Waiter>) {
        let Some(blocked) = &mut self.table.blocked else {
            return;
        };
        if let Some(queue) = blocked.waiters.get_mut(key) {
            queue.retain(|w| !Arc::ptr_eq(w, waiter));
            if queue.is_empty() {
                blocked.waiters.remove(key);
            }
        }
        if blocked.waiters.is_empty() {
            self.table.blocked = None;
        }
    }

    /// The first waiter on `key` that is still waiting (finished ones are dropped).
    pub fn first_waiter(&mut self, key: &[u8]) -> Option<Arc<Waiter>> {
        let blocked = self.table.blocked.as_mut()?;
        let queue = blocked.waiters.get_mut(key)?;
        while let Some(w) = queue.front() {
            if w.is_waiting() {
                return Some(w.clone());
            }
            queue.pop_front();
        }
        blocked.waiters.remove(key);
        if blocked.waiters.is_empty() {
            self.table.blocked = None;
        }
        None
    }

    /// Keys made ready since the last call (their waiters are to be served).
    pub fn take_ready(&mut self) -> Vec<Box<[u8]>> {
        match &mut self.table.blocked {
            Some(b) => std::mem::take(&mut b.ready),
            None => Vec::new(),
        }
    }

    fn has_ready(&self) -> bool {
        self.table
            .blocked
            .as_ref()
            .is_some_and(|b| !b.ready.is_empty())
    }

    /// Starts watching `key` for the client owning `flag`; `expired` says whether the key
    /// existed but had expired at `now_ms` (shared with the caller, who reads it at EXEC).
    pub fn watch(&mut self, key: &[u8], flag: &WatchFlag, expired: &WatchFlag, now_ms: i64) {
        let was_expired = self.peek(key).is_some_and(|e| e.is_expired(now_ms));
        expired.store(was_expired, std::sync::atomic::Ordering::Release);
        let watchers = &mut self.table.watchers;
        if !watchers
            .iter()
            .any(|w| &*w.key == key && std::sync::Arc::ptr_eq(&w.dirty, flag))
        {
            watchers.push(Watcher {
                key: key.into(),
                dirty: flag.clone(),
                expired: expired.clone(),
            });
        }
    }

    /// Stops watching `key` for the client owning `flag`.
    pub fn unwatch(&mut self, key: &[u8], flag: &WatchFlag) {
        self.table
            .watchers
            .retain(|w| !(&*w.key == key && std::sync::Arc::ptr_eq(&w.dirty, flag)));
        if self.table.watchers.is_empty() {
            self.table.watchers = Vec::new();
        }
    }

    pub fn table(&self) -> &SlotTable {
        &self.table
    }

    /// Removes `key` if it has expired at `now_ms`; returns true when it had. On a replica
    /// (the log follows a master) nothing is removed: its master decides and sends the
    /// deletion; the key is only reported expired.
    pub fn expire_if_needed(&mut self, key: &[u8], now_ms: i64) -> bool {
        let hash = self.ks.hash(key);
        self.expire_hashed(hash, key, now_ms)
    }

    /// [`Self::expire_if_needed`] for a key whose hash the caller has.
    fn expire_hashed(&mut self, hash: u64, key: &[u8], now_ms: i64) -> bool {
        let expired = match self.table.entries.find(hash, |e| e.key() == key) {
            Some(e) => e.is_expired(now_ms),
            None => false,
        };
        if expired && self.ks.log.follows_master() {
            // The master's own commands see the key as it still exists there.
            return !applying_master_stream();
        }
        if expired {
            self.remove_hashed(hash, key);
            self.ks.stats.expired_keys.add(1);
            self.ks.log_expired(self.slot, key);
        }
        expired
    }

    /// The entry for `key` as stored, expired or not (nothing is deleted).
    pub fn peek(&self, key: &[u8]) -> Option<&Entry> {
        let hash = self.ks.hash(key);
        self.table.entries.find(hash, |e| e.key() == key)
    }

    /// The live entry for `key` (an expired one is deleted first and reported missing).
    pub fn get(&mut self, key: &[u8], now_ms: i64) -> Option<&Entry> {
        let hash = self.ks.hash(key);
        if self.expire_hashed(hash, key, now_ms) && self.ks.log.follows_master() {
            return None;
        }
        self.table.entries.find(hash, |e| e.key() == key)
    }

    /// The live entry for `key`, mutable. Changing its expiry must go through
    /// [`Self::set_expire`]; a command that changes its value signals it ([`Self::touch`]).
    pub fn get_mut(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Entry> {
        let hash = self.ks.hash(key);
        if self.expire_hashed(hash, key, now_ms) && self.ks.log.follows_master() {
            return None;
        }
        self.table.entries.find_mut(hash, |e| e.key() == key)
    }

    /// Does a live `key` exist?
    pub fn contains(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.get(key, now_ms).is_some()
    }

    /// Inserts or replaces the entry for its key; returns the previous one.
    pub fn insert(&mut self, entry: Entry) -> Option<Entry> {
        self.touch(entry.key());
        if let Some(blocked) = &mut self.table.blocked
            && matches!(entry.value_type(), ValueType::List | ValueType::ZSet)
            && blocked.waiters.contains_key(entry.key())
            && !blocked.ready.iter().any(|k| &**k == entry.key())
        {
            blocked.ready.push(entry.key().into());
        }
        let hash = self.ks.hash(entry.key());
        let new_volatile = entry.expire_at().is_some();
        let hasher = &self.ks.hasher;
        let old = match self.table.entries.entry(
            hash,
            |e| e.key() == entry.key(),
            |e| hasher.hash_one(e.key()),
        ) {
            TableEntry::Occupied(mut o) => Some(std::mem::replace(o.get_mut(), entry)),
            TableEntry::Vacant(v) => {
                v.insert(entry);
                None
            }
        };
        match &old {
            Some(o) => {
                let old_volatile = o.expire_at().is_some();
                self.adjust_volatile(old_volatile, new_volatile);
            }
            None => {
                self.ks.keys.add(1);
                self.adjust_volatile(false, new_volatile);
            }
        }
        old
    }

    /// Removes `key` (whether or not it has expired); returns the removed entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let hash = self.ks.hash(key);
        self.remove_hashed(hash, key)
    }

    fn remove_hashed(&mut self, hash: u64, key: &[u8]) -> Option<Entry> {
        let found = self
            .table
            .entries
            .find_entry(hash, |e| e.key() == key)
            .ok()?;
        let (entry, _) = found.remove();
        signal(&self.table.watchers, key, true);
        self.ks.keys.add(-1);
        self.adjust_volatile(entry.expire_at().is_some(), false);
        Some(entry)
    }

    /// Sets or clears the expiry of an existing key; returns false when the key is missing.
    pub fn set_expire(&mut self, key: &[u8], expire_at: Option<i64>) -> bool {
        let hash = self.ks.hash(key);
        let table = &mut *self.table;
        let Some(e) = table.entries.find_mut(hash, |e| e.key() == key) else {
            return false;
        };
        signal(&table.watchers, key, false);
        let was = e.expire_at().is_some();
        e.set_expire(expire_at);
        self.adjust_volatile(was, expire_at.is_some());
        true
    }

    fn adjust_volatile(&mut self, was: bool, is: bool) {
        match (was, is) {
            (false, true) => {
                self.table.volatile += 1;
                self.ks.volatile.add(1);
            }
            (true, false) => {
                self.table.volatile -= 1;
                self.ks.volatile.add(-1);
            }
            _ => {}
        }
    }

    /// Deletes every key of this slot; returns how many there were.
    pub fn clear(&mut self) -> usize {
        // Redis `touchAllWatchedKeysInDb`: only watched keys that existed are signalled.
        for w in &self.table.watchers {
            let hash = self.ks.hash(&w.key);
            if self
                .table
                .entries
                .find(hash, |e| e.key() == &*w.key)
                .is_some()
            {
                w.touch(true);
            }
        }
        let n = self.table.entries.len();
        let volatile = self.table.volatile;
        self.table.entries.clear();
        self.table
            .entries
            .shrink_to_fit(|e| self.ks.hasher.hash_one(e.key()));
        self.table.volatile = 0;
        self.ks.keys.add(-(n as i64));
        self.ks.volatile.add(-(volatile as i64));
        n
    }

    /// Deletes up to `budget` expired keys of this slot, visiting at most `visit` entries
    /// starting at position `cursor`; returns (deleted, next cursor or 0 when the walk wrapped).
    pub fn expire_some(&mut self, now_ms: i64, cursor: usize, visit: usize) -> (usize, usize) {
        let mut expired: Vec<Box<[u8]>> = Vec::new();
        let mut seen = 0;
        for e in self.table.entries.iter().skip(cursor).take(visit) {
            seen += 1;
            if e.is_expired(now_ms) {
                expired.push(e.key().into());
            }
        }
        let next = if seen < visit {
            0
        } else {
            cursor + seen - expired.len()
        };
        for key in &expired {
            self.remove(key);
            self.ks.log_expired(self.slot, key);
        }
        self.ks.stats.expired_keys.add(expired.len() as i64);
        (expired.len(), next)
    }
}

/// The slots a command locked, in ascending order.
///
/// The common case (every command in cluster mode) is one slot: it is held inline, so
/// locking costs no allocation.
pub struct Locked<'a> {
    guards: Guards<'a>,
    /// Keys whose slot is already known (argument pointer, length, slot): the dispatcher
    /// hashed them to lock their slots, and handlers look the same arguments up again.
    known: &'a [KnownKey],
}

/// An argument buffer (pointer and length) and the slot its bytes hash to.
pub type KnownKey = (usize, usize, Slot);

enum Guards<'a> {
    None,
    One(SlotGuard<'a>),
    Many(Vec<SlotGuard<'a>>),
}

impl<'a> Locked<'a> {
    fn new(guards: Guards<'a>) -> Locked<'a> {
        Locked { guards, known: &[] }
    }

    /// The key for a [`KnownKey`] entry: `key` (this very argument buffer) hashes to `slot`.
    pub fn known_key(key: &[u8], slot: Slot) -> KnownKey {
        (key.as_ptr() as usize, key.len(), slot)
    }

    /// Hands over keys whose slots the caller computed from them (see [`Self::known_key`]),
    /// so [`Self::table`] need not hash them again.
    pub fn set_known_keys(&mut self, known: &'a [KnownKey]) {
        self.known = known;
    }

    /// The locked table holding `key`. A key outside the locked set means the command table
    /// declares the wrong key positions for the command; it is reported, never served unlocked.
    pub fn table(&mut self, key: &[u8]) -> Result<&mut SlotGuard<'a>, CmdError> {
        let id = (key.as_ptr() as usize, key.len());
        let slot = self
            .known
            .iter()
            .find(|k| (k.0, k.1) == id)
            .map_or_else(|| key_slot(key), |k| k.2);
        match &mut self.guards {
            Guards::One(g) if g.slot == slot => Ok(g),
            Guards::Many(v) => match v.binary_search_by_key(&slot, |g| g.slot) {
                Ok(i) => Ok(&mut v[i]),
                Err(_) => Err(CmdError::UnlockedKey(slot)),
            },
            _ => Err(CmdError::UnlockedKey(slot)),
        }
    }

    /// Has a command made a key with blocked waiters ready in one of these slots?
    pub fn has_ready(&self) -> bool {
        match &self.guards {
            Guards::None => false,
            Guards::One(g) => g.has_ready(),
            Guards::Many(v) => v.iter().any(SlotGuard::has_ready),
        }
    }

    /// Takes the ready keys of every locked slot.
    pub fn take_ready(&mut self) -> Vec<Box<[u8]>> {
        match &mut self.guards {
            Guards::None => Vec::new(),
            Guards::One(g) => g.take_ready(),
            Guards::Many(v) => v.iter_mut().flat_map(SlotGuard::take_ready).collect(),
        }
    }

    /// Is the slot of `key` locked here?
    pub fn holds(&self, key: &[u8]) -> bool {
        let slot = key_slot(key);
        match &self.guards {
            Guards::None => false,
            Guards::One(g) => g.slot == slot,
            Guards::Many(v) => v.binary_search_by_key(&slot, |g| g.slot).is_ok(),
        }
    }

    /// The locked slots, ascending.
    pub fn slots(&self) -> Vec<Slot> {
        match &self.guards {
            Guards::None => Vec::new(),
            Guards::One(g) => vec![g.slot],
            Guards::Many(v) => v.iter().map(|g| g.slot).collect(),
        }
    }

    /// The locked table of `slot`, if it is one of the locked slots.
    pub fn guard_of(&self, slot: Slot) -> Option<&SlotGuard<'a>> {
        match &self.guards {
            Guards::One(g) if g.slot == slot => Some(g),
            Guards::Many(v) => v
                .binary_search_by_key(&slot, |g| g.slot)
                .ok()
                .map(|i| &v[i]),
            _ => None,
        }
    }

    /// Nothing locked (commands without keys).
    pub fn none() -> Locked<'a> {
        Locked::new(Guards::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{StrEncoding, StringSpec};

    fn string(key: &[u8], value: &[u8], expire_at: Option<i64>) -> Entry {
        Entry::new_string(StringSpec {
            key,
            value,
            encoding: StrEncoding::for_new_value(value),
            expire_at,
            clock: 0,
        })
    }

    #[test]
    fn counts_follow_inserts_expiry_and_removes() {
        let ks = Keyspace::new(Default::default());
        let mut locked = ks.lock_keys([&b"a"[..], b"b", b"{a}c"]);
        locked.table(b"a").unwrap().insert(string(b"a", b"1", None));
        locked
            .table(b"b")
            .unwrap()
            .insert(string(b"b", b"2", Some(100)));
        locked
            .table(b"{a}c")
            .unwrap()
            .insert(string(b"{a}c", b"3", None));
        assert_eq!(ks.len(), 3);
        assert_eq!(ks.volatile_len(), 1);
        assert!(locked.table(b"b").unwrap().get(b"b", 100).is_some());
        assert!(locked.table(b"b").unwrap().get(b"b", 101).is_none());
        assert_eq!(ks.len(), 2);
        assert_eq!(ks.volatile_len(), 0);
        assert_eq!(ks.stats().expired_keys.get(), 1);
        assert!(locked.table(b"a").unwrap().set_expire(b"a", Some(5)));
        assert_eq!(ks.volatile_len(), 1);
        locked.table(b"a").unwrap().insert(string(b"a", b"x", None));
        assert_eq!(ks.volatile_len(), 0);
        assert!(locked.table(b"a").unwrap().remove(b"a").is_some());
        assert_eq!(ks.len(), 1);
        drop(locked);
        assert_eq!(ks.slot_len(key_slot(b"a")), 1);
    }

    #[test]
    fn active_expiry_walks_a_slot_incrementally() {
        let ks = Keyspace::new(Default::default());
        let mut g = ks.lock_slot(key_slot(b"{t}0"));
        for i in 0..100 {
            let key = format!("{{t}}{i}");
            let at = if i % 2 == 0 { Some(10) } else { None };
            g.insert(string(key.as_bytes(), b"v", at));
        }
        let mut cursor = 0;
        let mut deleted = 0;
        loop {
            let (d, next) = g.expire_some(11, cursor, 7);
            deleted += d;
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(deleted, 50);
        assert_eq!(g.table().len(), 50);
        assert_eq!(ks.volatile_len(), 0);
    }
}
