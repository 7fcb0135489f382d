//! The write log: every change to the data, appended as the command that replays it, in the
//! order each slot saw it (ARCHITECTURE §4).
//!
//! Commands append while they still hold the locks of the slots they changed, so two writes
//! to one key are logged in the order they happened. The log is a RESP command stream with a
//! `SELECT` wherever the database changes: byte for byte what Redis writes to an AOF and sends
//! to replicas, and its length is the replication offset. Deletions by expiry are logged as
//! `DEL`, relative expirations as absolute ones and non-deterministic commands as their
//! effect (the command handlers choose the logged form, see `Ctx::propagate`).
//!
//! The log costs nothing while no consumer is attached ([`WriteLog::is_enabled`] is one
//! relaxed load). Consumers today: the append-only file (the node drains
//! [`WriteLog::take`]). Not here: files, fsync, the replication backlog.
//!
//! **Rewrites without fork.** An AOF rewrite snapshots the keyspace slot by slot while
//! writes go on ([`WriteLog::start_rewrite`]). Each slot is captured under its own lock into
//! the rewrite's RDB encoder, and from then on the writes to that slot are also appended to
//! the rewrite's own stream; writes to slots not captured yet are left out of that stream,
//! because the capture will include them. A write command whose slots are partly captured is
//! made whole first: the node captures its other slots (it holds their locks) before running
//! it ([`WriteLog::uncaptured`]). New base = the captured slots, new incremental file = the
//! stream: together exactly the dataset, with nothing applied twice. Writes that cannot be
//! placed that way (`Mixed` at append time) abort the rewrite, which leaves the old files
//! complete.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use rdb::Encoder;
use slot_map::{Slot, SlotSet};

/// The shared write log of all databases.
#[derive(Default)]
pub struct WriteLog {
    enabled: AtomicBool,
    /// A rewrite is in progress (mirrors `Inner::rewrite`, readable without the lock).
    rewriting: AtomicBool,
    /// Wake the consumer on every append (it waits for each write: `appendfsync always`);
    /// otherwise it drains on its own schedule and appends make no wake-up system call.
    wake_on_append: AtomicBool,
    inner: Mutex<Inner>,
    appended: Condvar,
}

/// An AOF rewrite in progress.
struct Rewrite {
    /// The databases that existed when it started and their captured slots; a database
    /// created later had nothing to capture (all its writes go to the stream).
    captured: HashMap<usize, SlotSet>,
    /// The new base, as RDB, for the caller to drain.
    base: Encoder,
    base_db: Option<usize>,
    /// Writes to captured slots since their capture: the new incremental file.
    stream: Vec<u8>,
    stream_db: Option<usize>,
    /// Why it cannot complete, if it cannot.
    aborted: Option<String>,
}

/// How far a rewrite has captured a command's slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    All,
    None,
    Mixed,
}

impl Rewrite {
    fn state(&self, db: usize, slots: &[Slot]) -> Capture {
        let Some(set) = self.captured.get(&db) else {
            return Capture::All;
        };
        let done = slots.iter().filter(|&&s| set.contains(s)).count();
        if done == slots.len() {
            Capture::All
        } else if done == 0 {
            Capture::None
        } else {
            Capture::Mixed
        }
    }
}

/// What a finished (or abandoned) rewrite leaves.
pub struct RewriteOutcome {
    /// Log bytes not yet taken when it finished (the consumer writes them to the old file).
    pub old_pending: Vec<u8>,
    /// The new incremental file's content (empty if aborted).
    pub stream: Vec<u8>,
    /// The base's last bytes (RDB EOF and checksum) not yet drained.
    pub base_tail: Vec<u8>,
    /// The log offset at the switch: every later byte goes to the new incremental file.
    pub offset: u64,
    /// Why the rewrite was abandoned, if it was.
    pub aborted: Option<String>,
}

#[derive(Default)]
struct Inner {
    /// Bytes ever appended (the offset of the next byte).
    offset: u64,
    /// The database the stream last selected (`None`: a SELECT comes first).
    selected_db: Option<usize>,
    /// Appended bytes the consumer has not taken yet.
    pending: Vec<u8>,
    rewrite: Option<Rewrite>,
}

/// Appends `command` to `out`, preceded by a SELECT when `db` is not the one `selected`.
fn encode_in(
    out: &mut Vec<u8>,
    selected: &mut Option<usize>,
    db: usize,
    command: &[impl AsRef<[u8]>],
) {
    if *selected != Some(db) {
        let index = itoa::Buffer::new().format(db).as_bytes().to_vec();
        encode(out, &[b"SELECT".as_slice(), &index]);
        *selected = Some(db);
    }
    encode(out, command);
}

impl WriteLog {
    /// Is a consumer attached (so writes must be logged)?
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Attaches (or detaches) the consumer. Attaching starts a fresh stream: the next
    /// command is preceded by a SELECT.
    pub fn set_enabled(&self, on: bool) {
        let mut inner = self.inner.lock();
        if on {
            inner.selected_db = None;
            inner.pending.clear();
        } else {
            inner.rewrite = None;
            self.rewriting.store(false, Ordering::Release);
        }
        self.enabled.store(on, Ordering::Release);
    }

    /// Appends commands run in database `db` on keys of `slots` (empty: a command on the
    /// whole database, such as FLUSHDB), as one block. Returns the log offset after them.
    pub fn append<C, A>(&self, db: usize, slots: &[Slot], commands: &[C]) -> u64
    where
        C: AsRef<[A]>,
        A: AsRef<[u8]>,
    {
        let entries: Vec<(usize, &[A])> = commands.iter().map(|c| (db, c.as_ref())).collect();
        self.append_entries(&entries, slots, false)
    }

    /// Appends a transaction's commands, each with its database, wrapped in MULTI/EXEC so a
    /// reader applies all or none of them. Returns the log offset after them.
    pub fn append_transaction<A: AsRef<[u8]>>(
        &self,
        slots: &[Slot],
        commands: &[(usize, Vec<A>)],
    ) -> u64 {
        let entries: Vec<(usize, &[A])> =
            commands.iter().map(|(d, c)| (*d, c.as_slice())).collect();
        self.append_entries(&entries, slots, true)
    }

    fn append_entries<A: AsRef<[u8]>>(
        &self,
        entries: &[(usize, &[A])],
        slots: &[Slot],
        transaction: bool,
    ) -> u64 {
        let mut inner = self.inner.lock();
        let inner = &mut *inner;
        let before = inner.pending.len();
        write_block(
            &mut inner.pending,
            &mut inner.selected_db,
            entries,
            transaction,
        );
        if let Some(rw) = &mut inner.rewrite {
            let dbs: Vec<usize> = entries.iter().map(|e| e.0).collect();
            let state = if slots.is_empty() {
                Capture::All
            } else {
                let mut state = Capture::All;
                for db in dbs {
                    match rw.state(db, slots) {
                        Capture::All => {}
                        other => state = other,
                    }
                }
                state
            };
            match state {
                Capture::All => {
                    write_block(&mut rw.stream, &mut rw.stream_db, entries, transaction);
                }
                Capture::None => {}
                Capture::Mixed => {
                    if rw.aborted.is_none() {
                        rw.aborted =
                            Some("a write spanned captured and uncaptured slots".to_string());
                    }
                }
            }
        }
        inner.offset += (inner.pending.len() - before) as u64;
        let end = inner.offset;
        if self.wake_on_append.load(Ordering::Relaxed) {
            self.appended.notify_one();
        }
        end
    }

    /// Whether each append wakes a waiting [`WriteLog::take`] at once (see the field).
    pub fn set_wake_on_append(&self, on: bool) {
        self.wake_on_append.store(on, Ordering::Relaxed);
    }

    /// Starts an AOF rewrite into `base` (its header and AUX fields already written): the
    /// databases `existing` returns (called under the log's lock, so no write slips between
    /// the list and the start) will be captured slot by slot. False if one is running.
    pub fn start_rewrite(&self, base: Encoder, existing: impl FnOnce() -> Vec<usize>) -> bool {
        let mut inner = self.inner.lock();
        if inner.rewrite.is_some() {
            return false;
        }
        let captured = existing()
            .into_iter()
            .map(|db| (db, SlotSet::new()))
            .collect();
        inner.rewrite = Some(Rewrite {
            captured,
            base,
            base_db: None,
            stream: Vec::new(),
            stream_db: None,
            aborted: None,
        });
        self.rewriting.store(true, Ordering::Release);
        true
    }

    /// Is a rewrite in progress?
    #[inline]
    pub fn is_rewriting(&self) -> bool {
        self.rewriting.load(Ordering::Relaxed)
    }

    /// Captures slot `slot` of database `db` if the rewrite has not yet: `write` serializes
    /// the slot's keys into the base (the caller holds the slot's lock). Returns whether it
    /// captured.
    pub fn capture(&self, db: usize, slot: Slot, write: impl FnOnce(&mut Encoder)) -> bool {
        let mut inner = self.inner.lock();
        let Some(rw) = &mut inner.rewrite else {
            return false;
        };
        let Some(set) = rw.captured.get_mut(&db) else {
            return false;
        };
        if !set.insert(slot) {
            return false;
        }
        if rw.base_db != Some(db) {
            rw.base.select_db(db as u64);
            rw.base_db = Some(db);
        }
        write(&mut rw.base);
        true
    }

    /// The slots among `slots` of database `db` a write must have captured before it runs:
    /// none unless a rewrite is running and some, but not all, are captured.
    pub fn uncaptured(&self, db: usize, slots: &[Slot]) -> Vec<Slot> {
        if !self.is_rewriting() {
            return Vec::new();
        }
        let inner = self.inner.lock();
        match &inner.rewrite {
            Some(rw) if rw.state(db, slots) == Capture::Mixed => match rw.captured.get(&db) {
                Some(set) => slots
                    .iter()
                    .copied()
                    .filter(|&s| !set.contains(s))
                    .collect(),
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Abandons the running rewrite (`why` is reported when it finishes).
    pub fn abort_rewrite(&self, why: &str) {
        if let Some(rw) = &mut self.inner.lock().rewrite
            && rw.aborted.is_none()
        {
            rw.aborted = Some(why.to_string());
        }
    }

    /// Whether the running rewrite was abandoned.
    pub fn rewrite_aborted(&self) -> bool {
        self.inner
            .lock()
            .rewrite
            .as_ref()
            .is_some_and(|rw| rw.aborted.is_some())
    }

    /// Drains what the base encoder produced so far.
    pub fn take_rewrite_base(&self) -> Vec<u8> {
        match &mut self.inner.lock().rewrite {
            Some(rw) => rw.base.take_buffer(),
            None => Vec::new(),
        }
    }

    /// Ends the rewrite at this instant: the base gets its EOF, and every byte logged from
    /// now on belongs to the new incremental file (the consumer takes them as usual).
    pub fn finish_rewrite(&self) -> Option<RewriteOutcome> {
        let mut inner = self.inner.lock();
        let mut rw = inner.rewrite.take()?;
        self.rewriting.store(false, Ordering::Release);
        let old_pending = std::mem::take(&mut inner.pending);
        let aborted = rw.aborted.take();
        let (stream, base_tail) = if aborted.is_some() {
            (Vec::new(), Vec::new())
        } else {
            rw.base.eof();
            // The new file starts with the stream; it selected `stream_db` last.
            inner.selected_db = rw.stream_db;
            (std::mem::take(&mut rw.stream), rw.base.take_buffer())
        };
        Some(RewriteOutcome {
            old_pending,
            stream,
            base_tail,
            offset: inner.offset,
            aborted,
        })
    }

    /// The offset after the last appended byte.
    pub fn offset(&self) -> u64 {
        self.inner.lock().offset
    }

    /// Takes what was appended since the last call, waiting up to `wait` for something to
    /// arrive; returns the bytes and the offset after them.
    pub fn take(&self, wait: Duration) -> (Vec<u8>, u64) {
        let mut out = Vec::new();
        let end = self.take_into(&mut out, wait);
        (out, end)
    }

    /// [`WriteLog::take`] into `out` (cleared first): the two buffers are swapped, so a
    /// consumer that keeps passing the same one allocates nothing in the steady state.
    pub fn take_into(&self, out: &mut Vec<u8>, wait: Duration) -> u64 {
        out.clear();
        let mut inner = self.inner.lock();
        if inner.pending.is_empty() && !wait.is_zero() {
            let _ = self.appended.wait_for(&mut inner, wait);
        }
        std::mem::swap(out, &mut inner.pending);
        inner.offset
    }
}

/// Appends a block of commands, each with its database; a transaction is wrapped in
/// MULTI/EXEC after the first SELECT it needs.
fn write_block<A: AsRef<[u8]>>(
    out: &mut Vec<u8>,
    selected: &mut Option<usize>,
    entries: &[(usize, &[A])],
    transaction: bool,
) {
    for (i, (db, command)) in entries.iter().enumerate() {
        if transaction && i == 0 {
            if *selected != Some(*db) {
                let index = itoa::Buffer::new().format(*db).as_bytes().to_vec();
                encode(out, &[b"SELECT".as_slice(), &index]);
                *selected = Some(*db);
            }
            encode(out, &[b"MULTI"]);
        }
        encode_in(out, selected, *db, command);
    }
    if transaction && !entries.is_empty() {
        encode(out, &[b"EXEC"]);
    }
}

/// Appends `args` as a RESP array of bulk strings.
pub fn encode<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    let mut n = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(n.format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(n.format(a.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_the_database_when_it_changes_and_counts_bytes() {
        let log = WriteLog::default();
        log.set_enabled(true);
        let end = log.append(0, &[1], &[vec![b"SET".as_slice(), b"k", b"v"]]);
        log.append(0, &[1], &[vec![b"DEL".as_slice(), b"k"]]);
        log.append(3, &[2], &[vec![b"INCR".as_slice(), b"n"]]);
        let (bytes, offset) = log.take(Duration::ZERO);
        let want: &[u8] =
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n\
*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n";
        assert_eq!(bytes, want);
        assert_eq!(offset, want.len() as u64);
        assert_eq!(end, 50);
        assert!(log.take(Duration::ZERO).0.is_empty());
        assert_eq!(log.offset(), want.len() as u64);
    }
}

#[cfg(test)]
mod rewrite_tests {
    use super::*;

    fn started() -> WriteLog {
        let log = WriteLog::default();
        log.set_enabled(true);
        let mut enc = Encoder::new(rdb::EncoderOptions::default());
        enc.header();
        assert!(log.start_rewrite(enc, || vec![0]));
        assert!(!log.start_rewrite(Encoder::payload(false), Vec::new));
        log
    }

    #[test]
    fn only_writes_to_captured_slots_reach_the_new_stream() {
        let log = started();
        assert!(log.capture(0, 5, |_| {}));
        assert!(!log.capture(0, 5, |_| {}), "a slot is captured once");
        log.append(0, &[5], &[vec![b"INCR".as_slice(), b"captured"]]);
        log.append(0, &[6], &[vec![b"INCR".as_slice(), b"later"]]);
        // A database created after the start had nothing to capture: all its writes count.
        log.append(4, &[6], &[vec![b"SET".as_slice(), b"new", b"db"]]);
        assert_eq!(log.uncaptured(0, &[5, 6]), vec![6]);
        assert!(log.uncaptured(0, &[6]).is_empty());
        let out = log.finish_rewrite().expect("a rewrite ran");
        assert!(out.aborted.is_none());
        let mut want = Vec::new();
        encode(&mut want, &[b"SELECT".as_slice(), b"0"]);
        encode(&mut want, &[b"INCR".as_slice(), b"captured"]);
        encode(&mut want, &[b"SELECT".as_slice(), b"4"]);
        encode(&mut want, &[b"SET".as_slice(), b"new", b"db"]);
        assert_eq!(out.stream, want);
        // The old file still gets everything.
        assert!(out.old_pending.windows(5).any(|w| w == b"later"));
        assert_eq!(out.offset, log.offset());
        assert!(!log.is_rewriting());
        // After the switch the stream continues in database 4, without a new SELECT.
        log.append(4, &[1], &[vec![b"DEL".as_slice(), b"new"]]);
        let (bytes, _) = log.take(Duration::ZERO);
        assert!(bytes.starts_with(b"*2\r\n$3\r\nDEL"));
    }

    #[test]
    fn a_write_across_captured_and_uncaptured_slots_abandons_the_rewrite() {
        let log = started();
        log.capture(0, 1, |_| {});
        log.append(
            0,
            &[1, 2],
            &[vec![b"MSET".as_slice(), b"a", b"1", b"b", b"2"]],
        );
        assert!(log.rewrite_aborted());
        let out = log.finish_rewrite().expect("a rewrite ran");
        assert!(out.aborted.is_some() && out.stream.is_empty());
    }
}
