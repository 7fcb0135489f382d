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
//! The log costs nothing while nothing reads it ([`WriteLog::is_enabled`] is one relaxed
//! load). Readers: the append-only file (the node drains [`WriteLog::take`]), and replicas,
//! which read the log's retained **history** by offset ([`WriteLog::read_history`]): the
//! replication backlog is the last `repl-backlog-size` bytes of the log, kept longer while a
//! connected replica still needs them (its pin), up to a hard limit past which that replica
//! is dropped. A replica appends its master's stream verbatim ([`WriteLog::append_raw`]), so
//! its offsets and bytes are its master's. Not here: files, fsync, sockets.
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

use parking_lot::Mutex;
use rdb::{Encoder, EncoderOptions};
use slot_map::{Slot, SlotSet};

/// The shared write log of all databases.
#[derive(Default)]
pub struct WriteLog {
    enabled: AtomicBool,
    /// A rewrite is in progress (mirrors `Inner::rewrite`, readable without the lock).
    rewriting: AtomicBool,
    /// This node is a replica: its data changes only by its master's stream (and keys that
    /// expire are not deleted here, the master sends their deletion).
    follows_master: AtomicBool,
    /// Held by a replica while it applies and appends a batch of its master's stream, and
    /// by the start of a capture: raw appends carry no slots, so no capture may see them
    /// (see [`WriteLog::follower_batch`]).
    apply_gate: Mutex<()>,
    inner: Mutex<Inner>,
}

/// What a capture of the keyspace is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureKind {
    /// An AOF rewrite: the stream holds only the writes to captured slots (the new
    /// incremental file).
    AofRewrite,
    /// A replica's full sync: the stream mirrors the log byte for byte from the start, with
    /// the writes to slots not yet captured (which the base will include) replaced by filler
    /// of the same length, so a replica that loads the base and applies the stream ends at
    /// the log's offset with nothing applied twice (see [`filler`]).
    ReplicaSync,
}

/// An AOF rewrite or replica sync in progress.
struct Rewrite {
    kind: CaptureKind,
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
    /// The AOF consumer is attached: appends accumulate in `pending`.
    consumer: bool,
    /// Appended bytes the consumer has not taken yet.
    pending: Vec<u8>,
    rewrite: Option<Rewrite>,
    history: Option<History>,
    /// Called after every append (wakes replica senders).
    on_append: Option<Box<dyn Fn() + Send + Sync>>,
}

/// The retained tail of the log (the replication backlog).
struct History {
    bytes: std::collections::VecDeque<u8>,
    /// The log offset of `bytes[0]`.
    start: u64,
    /// Always keep at least this much (`repl-backlog-size`).
    min_len: usize,
    /// Never keep more than this for a pinned reader (`client-output-buffer-limit replica`
    /// hard limit; 0: no limit).
    max_len: usize,
    /// Readers' next offsets: kept until they read them (within `max_len`).
    pins: HashMap<u64, u64>,
}

impl History {
    fn trim(&mut self, end: u64) {
        let len = self.bytes.len();
        let keep_min = end.saturating_sub(self.min_len as u64);
        let oldest_pin = self.pins.values().copied().min().unwrap_or(end);
        let mut keep_from = keep_min.min(oldest_pin);
        if self.max_len > 0 {
            keep_from = keep_from.max(end.saturating_sub(self.max_len.max(self.min_len) as u64));
        }
        let drop = keep_from.saturating_sub(self.start).min(len as u64) as usize;
        if drop > 0 {
            self.bytes.drain(..drop);
            self.start += drop as u64;
        }
    }
}

/// Moves the log's `offset` past `bytes`, just appended, and keeps them in the history.
fn advance(offset: &mut u64, history: &mut Option<History>, bytes: &[u8]) -> u64 {
    *offset += bytes.len() as u64;
    if let Some(h) = history {
        h.bytes.extend(bytes);
        h.trim(*offset);
    }
    *offset
}

/// What [`WriteLog::read_history`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryRead {
    /// Bytes were copied (or none were new); the offset after them.
    Read(u64),
    /// The offset is no longer (or not yet) in the history.
    Gone,
}

impl WriteLog {
    /// Does anything read the log (so writes must be logged)?
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    fn update_enabled(&self, inner: &Inner) {
        let on = inner.consumer || inner.history.is_some();
        self.enabled.store(on, Ordering::Release);
    }

    /// Attaches (or detaches) the AOF consumer. Attaching starts a fresh stream: the next
    /// command is preceded by a SELECT.
    pub fn set_enabled(&self, on: bool) {
        let mut inner = self.inner.lock();
        inner.consumer = on;
        inner.pending.clear();
        if on {
            inner.selected_db = None;
        } else if inner
            .rewrite
            .as_ref()
            .is_some_and(|r| r.kind == CaptureKind::AofRewrite)
        {
            inner.rewrite = None;
            self.rewriting.store(false, Ordering::Release);
        }
        self.update_enabled(&inner);
    }

    /// Starts retaining the log's tail (the replication backlog) if it is not yet, with the
    /// limits of [`WriteLog::set_history_limits`]. Returns the offset it starts at.
    pub fn start_history(&self, min_len: usize, max_len: usize) -> u64 {
        let mut inner = self.inner.lock();
        let offset = inner.offset;
        match &mut inner.history {
            Some(h) => {
                h.min_len = min_len;
                h.max_len = max_len;
            }
            None => {
                inner.history = Some(History {
                    bytes: Default::default(),
                    start: offset,
                    min_len,
                    max_len,
                    pins: HashMap::new(),
                });
            }
        }
        self.update_enabled(&inner);
        offset
    }

    /// Changes the retention: at least `min_len` bytes, at most `max_len` for a pinned
    /// reader (0: unbounded).
    pub fn set_history_limits(&self, min_len: usize, max_len: usize) {
        let mut inner = self.inner.lock();
        let end = inner.offset;
        if let Some(h) = &mut inner.history {
            h.min_len = min_len;
            h.max_len = max_len;
            h.trim(end);
        }
    }

    /// Stops retaining history (the backlog's time to live passed with no replica).
    pub fn stop_history(&self) {
        let mut inner = self.inner.lock();
        inner.history = None;
        self.update_enabled(&inner);
    }

    /// The offsets the history holds: `[start, end)`, or `None` without history.
    pub fn history_range(&self) -> Option<(u64, u64)> {
        let inner = self.inner.lock();
        inner
            .history
            .as_ref()
            .map(|h| (h.start, h.start + h.bytes.len() as u64))
    }

    /// Copies up to `max` bytes of history from `from` into `out` (appended) and moves the
    /// pin of reader `reader` (if it has one) past them.
    pub fn read_history(
        &self,
        reader: u64,
        from: u64,
        max: usize,
        out: &mut Vec<u8>,
    ) -> HistoryRead {
        let mut inner = self.inner.lock();
        let Some(h) = &mut inner.history else {
            return HistoryRead::Gone;
        };
        let end = h.start + h.bytes.len() as u64;
        if from < h.start || from > end {
            h.pins.remove(&reader);
            return HistoryRead::Gone;
        }
        let skip = (from - h.start) as usize;
        let n = ((end - from) as usize).min(max);
        let (a, b) = h.bytes.as_slices();
        if skip < a.len() {
            let first = &a[skip..a.len().min(skip + n)];
            out.extend_from_slice(first);
            out.extend_from_slice(&b[..n - first.len()]);
        } else {
            out.extend_from_slice(&b[skip - a.len()..skip - a.len() + n]);
        }
        let next = from + n as u64;
        if let Some(pin) = h.pins.get_mut(&reader) {
            *pin = next;
        }
        HistoryRead::Read(next)
    }

    /// Keeps the history from `offset` on for reader `reader` (until it reads past it, or
    /// the hard limit drops it). False if `offset` is no longer held.
    pub fn pin(&self, reader: u64, offset: u64) -> bool {
        let mut inner = self.inner.lock();
        let Some(h) = &mut inner.history else {
            return false;
        };
        if offset < h.start || offset > h.start + h.bytes.len() as u64 {
            return false;
        }
        h.pins.insert(reader, offset);
        true
    }

    /// Releases reader `reader`'s pin.
    pub fn unpin(&self, reader: u64) {
        if let Some(h) = &mut self.inner.lock().history {
            h.pins.remove(&reader);
        }
    }

    /// Sets the function called after every append (replica senders' wake-up).
    pub fn set_on_append(&self, f: Option<Box<dyn Fn() + Send + Sync>>) {
        self.inner.lock().on_append = f;
    }

    /// Lets a replica apply a batch of its master's stream and [`WriteLog::append_raw`] it,
    /// or `None` while a capture (AOF rewrite, replica sync) runs: raw bytes have no slots to
    /// place them on either side of a capture, so a replica pauses its stream until the
    /// capture ends (the walk then sees one instant, as a fork would). No capture starts
    /// while the returned guard lives.
    pub fn follower_batch(&self) -> Option<parking_lot::MutexGuard<'_, ()>> {
        let gate = self.apply_gate.lock();
        (!self.is_rewriting()).then_some(gate)
    }

    /// Appends bytes of a master's replication stream as they are (a replica's log mirrors
    /// its master's). The next command of this node's own is preceded by a SELECT.
    pub fn append_raw(&self, bytes: &[u8]) -> u64 {
        let mut inner = self.inner.lock();
        let inner = &mut *inner;
        if inner.consumer {
            inner.pending.extend_from_slice(bytes);
        }
        inner.selected_db = None;
        let end = advance(&mut inner.offset, &mut inner.history, bytes);
        self.after_append(inner);
        end
    }

    /// Sets the offset (a replica after a full sync: its master's offset at the snapshot).
    /// The history restarts there; what the consumer had not taken stays pending.
    pub fn reset_offset(&self, offset: u64) {
        let mut inner = self.inner.lock();
        inner.offset = offset;
        inner.selected_db = None;
        if let Some(h) = &mut inner.history {
            h.bytes.clear();
            h.start = offset;
            h.pins.clear();
        }
    }

    fn after_append(&self, inner: &Inner) {
        if let Some(f) = &inner.on_append {
            f();
        }
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
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        let mut block = std::mem::take(&mut inner.pending);
        let before = block.len();
        let mut selects = Vec::new();
        write_block(
            &mut block,
            &mut inner.selected_db,
            entries,
            transaction,
            &mut selects,
        );
        let bytes = &block[before..];
        if let Some(rw) = &mut inner.rewrite {
            let state = if slots.is_empty() {
                Capture::All
            } else {
                let mut state = Capture::All;
                for &(db, _) in entries {
                    match rw.state(db, slots) {
                        Capture::All => {}
                        other => state = other,
                    }
                }
                state
            };
            match (state, rw.kind) {
                (Capture::All, CaptureKind::AofRewrite) => {
                    let mut ignored = Vec::new();
                    write_block(
                        &mut rw.stream,
                        &mut rw.stream_db,
                        entries,
                        transaction,
                        &mut ignored,
                    );
                }
                (Capture::All, CaptureKind::ReplicaSync) => rw.stream.extend_from_slice(bytes),
                (Capture::None, CaptureKind::AofRewrite) => {}
                (Capture::None, CaptureKind::ReplicaSync) => {
                    // The base will hold this write's effect: keep the SELECTs (they move
                    // the reader's database), fill the rest.
                    let mut at = 0;
                    for &(from, to) in &selects {
                        filler(&mut rw.stream, from - before - at);
                        rw.stream.extend_from_slice(&block[from..to]);
                        at = to - before;
                    }
                    filler(&mut rw.stream, bytes.len() - at);
                }
                (Capture::Mixed, _) => {
                    if rw.aborted.is_none() {
                        rw.aborted =
                            Some("a write spanned captured and uncaptured slots".to_string());
                    }
                }
            }
        }
        let end = advance(&mut inner.offset, &mut inner.history, &block[before..]);
        if inner.consumer {
            inner.pending = block;
        } else {
            block.clear();
            inner.pending = block;
        }
        self.after_append(inner);
        end
    }

    /// Marks the dataset as following a master (a replica) or not.
    pub fn set_follows_master(&self, on: bool) {
        self.follows_master.store(on, Ordering::Release);
    }

    /// Does the dataset follow a master?
    #[inline]
    pub fn follows_master(&self) -> bool {
        self.follows_master.load(Ordering::Relaxed)
    }

    /// Appends a command that belongs to no database (PING, REPLCONF GETACK): no SELECT
    /// before it, and the selected database stays.
    pub fn append_dbless(&self, command: &[&[u8]]) -> u64 {
        let mut inner = self.inner.lock();
        let inner = &mut *inner;
        let mut bytes = Vec::new();
        encode(&mut bytes, command);
        if inner.consumer {
            inner.pending.extend_from_slice(&bytes);
        }
        if let Some(rw) = &mut inner.rewrite
            && rw.kind == CaptureKind::ReplicaSync
        {
            rw.stream.extend_from_slice(&bytes);
        }
        let end = advance(&mut inner.offset, &mut inner.history, &bytes);
        self.after_append(inner);
        end
    }

    /// Starts an AOF rewrite into `base` (its header and AUX fields already written): the
    /// databases `existing` returns (called under the log's lock, so no write slips between
    /// the list and the start) will be captured slot by slot. False if one is running.
    pub fn start_rewrite(&self, base: Encoder, existing: impl FnOnce() -> Vec<usize>) -> bool {
        self.start_capture(CaptureKind::AofRewrite, base, existing)
            .is_some()
    }

    /// Starts a capture of `kind` (see [`WriteLog::start_rewrite`]); returns the log offset
    /// it starts at, or `None` if a capture is running. A replica sync's stream starts with a
    /// SELECT (the next append emits one).
    pub fn start_capture(
        &self,
        kind: CaptureKind,
        base: Encoder,
        existing: impl FnOnce() -> Vec<usize>,
    ) -> Option<u64> {
        let _gate = self.apply_gate.lock();
        let mut inner = self.inner.lock();
        if inner.rewrite.is_some() {
            return None;
        }
        if kind == CaptureKind::ReplicaSync {
            inner.selected_db = None;
        }
        let captured = existing()
            .into_iter()
            .map(|db| (db, SlotSet::new()))
            .collect();
        inner.rewrite = Some(Rewrite {
            kind,
            captured,
            base,
            base_db: None,
            stream: Vec::new(),
            stream_db: None,
            aborted: None,
        });
        self.rewriting.store(true, Ordering::Release);
        Some(inner.offset)
    }

    /// The kind of the running capture, if one runs.
    pub fn capture_kind(&self) -> Option<CaptureKind> {
        self.inner.lock().rewrite.as_ref().map(|r| r.kind)
    }

    /// Is a rewrite in progress?
    #[inline]
    pub fn is_rewriting(&self) -> bool {
        self.rewriting.load(Ordering::Relaxed)
    }

    /// Captures slot `slot` of database `db` if the rewrite has not yet: `write` serializes
    /// the slot's keys (the caller holds the slot's lock, so they cannot change until the
    /// slot is marked captured). The serialization runs without the log's lock, which every
    /// write takes to append: only copying its bytes into the base holds it. Returns
    /// whether it captured.
    pub fn capture(&self, db: usize, slot: Slot, write: impl FnOnce(&mut Encoder)) -> bool {
        let options = {
            let inner = self.inner.lock();
            match &inner.rewrite {
                Some(rw) if rw.captured.get(&db).is_some_and(|set| !set.contains(slot)) => {
                    rw.base.options()
                }
                _ => return false,
            }
        };
        let mut piece = Encoder::new(EncoderOptions {
            checksum: false,
            ..options
        });
        write(&mut piece);
        let piece = piece.take_buffer();
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
        rw.base.append_encoded(&piece);
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

    /// Takes what the running AOF rewrite's stream (the writes to captured slots) holds so
    /// far, so that its consumer writes them to the new incremental file before the switch;
    /// [`WriteLog::finish_rewrite`] returns the rest. Nothing for other capture kinds (a
    /// replica's stream is sent whole after its snapshot).
    pub fn take_rewrite_stream(&self) -> Vec<u8> {
        match &mut self.inner.lock().rewrite {
            Some(rw) if rw.kind == CaptureKind::AofRewrite => std::mem::take(&mut rw.stream),
            _ => Vec::new(),
        }
    }

    /// Ends the rewrite at this instant: the base gets its EOF, and every byte logged from
    /// now on belongs to the new incremental file (the consumer takes them as usual).
    pub fn finish_rewrite(&self) -> Option<RewriteOutcome> {
        let mut inner = self.inner.lock();
        let mut rw = inner.rewrite.take()?;
        self.rewriting.store(false, Ordering::Release);
        let old_pending = if rw.kind == CaptureKind::AofRewrite {
            std::mem::take(&mut inner.pending)
        } else {
            Vec::new()
        };
        let aborted = rw.aborted.take();
        let (stream, base_tail) = if aborted.is_some() {
            (Vec::new(), Vec::new())
        } else {
            rw.base.eof();
            if rw.kind == CaptureKind::AofRewrite {
                // The new file goes on with the log's next bytes, which then start with a
                // SELECT (as Redis's next command after a rewrite); for readers of the
                // history it is a redundant one.
                inner.selected_db = None;
            }
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

    /// Takes what was appended since the last call; returns the bytes and the offset after
    /// them.
    pub fn take(&self) -> (Vec<u8>, u64) {
        let mut out = Vec::new();
        let end = self.take_into(&mut out);
        (out, end)
    }

    /// [`WriteLog::take`] into `out` (cleared first): the two buffers are swapped, so a
    /// consumer that keeps passing the same one allocates nothing in the steady state.
    pub fn take_into(&self, out: &mut Vec<u8>) -> u64 {
        out.clear();
        let mut inner = self.inner.lock();
        std::mem::swap(out, &mut inner.pending);
        inner.offset
    }
}

/// Appends a block of commands, each with its database; a transaction is wrapped in
/// MULTI/EXEC after the first SELECT it needs. The byte ranges of the SELECTs written are
/// pushed to `selects`.
fn write_block<A: AsRef<[u8]>>(
    out: &mut Vec<u8>,
    selected: &mut Option<usize>,
    entries: &[(usize, &[A])],
    transaction: bool,
    selects: &mut Vec<(usize, usize)>,
) {
    let mut select = |out: &mut Vec<u8>, selected: &mut Option<usize>, db: usize| {
        if *selected != Some(db) {
            let from = out.len();
            let index = itoa::Buffer::new().format(db).as_bytes().to_vec();
            encode(out, &[b"SELECT".as_slice(), &index]);
            selects.push((from, out.len()));
            *selected = Some(db);
        }
    };
    for (i, (db, command)) in entries.iter().enumerate() {
        select(out, selected, *db);
        if transaction && i == 0 {
            encode(out, &[b"MULTI"]);
        }
        encode(out, command);
    }
    if transaction && !entries.is_empty() {
        encode(out, &[b"EXEC"]);
    }
}

/// Appends `len` bytes that a replica reads as commands doing nothing: one `PING <text>`
/// (which a replica runs without answering its master) where it fits, empty inline lines
/// otherwise (Redis and Tessera skip them).
pub fn filler(out: &mut Vec<u8>, len: usize) {
    // `*2\r\n$4\r\nPING\r\n$<n>\r\n<n bytes>\r\n` is 19 + digits(n) + n bytes.
    let mut rest = len;
    if len >= 22 {
        let mut fitted = None;
        for lead in 0..2 {
            for digits in 1..=20usize {
                let Some(n) = (len - lead).checked_sub(19 + digits) else {
                    break;
                };
                if itoa::Buffer::new().format(n).len() == digits {
                    fitted = Some((lead, n));
                    break;
                }
            }
            if fitted.is_some() {
                break;
            }
        }
        if let Some((lead, n)) = fitted {
            out.extend(std::iter::repeat_n(b'\n', lead));
            out.extend_from_slice(b"*2\r\n$4\r\nPING\r\n$");
            out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
            out.extend_from_slice(b"\r\n");
            out.extend(std::iter::repeat_n(b'x', n));
            out.extend_from_slice(b"\r\n");
            rest = 0;
        }
    }
    out.extend(std::iter::repeat_n(b'\n', rest));
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
        let (bytes, offset) = log.take();
        let want: &[u8] =
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n\
*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n";
        assert_eq!(bytes, want);
        assert_eq!(offset, want.len() as u64);
        assert_eq!(end, 50);
        assert!(log.take().0.is_empty());
        assert_eq!(log.offset(), want.len() as u64);
    }
}

#[cfg(test)]
mod history_tests {
    use super::*;

    fn set(log: &WriteLog, key: &str) -> u64 {
        log.append(0, &[1], &[vec![b"SET".as_slice(), key.as_bytes(), b"v"]])
    }

    #[test]
    fn history_keeps_the_tail_and_a_pinned_reader_s_bytes() {
        let log = WriteLog::default();
        assert!(!log.is_enabled());
        assert_eq!(log.start_history(40, 200), 0);
        assert!(log.is_enabled());
        let first = set(&log, "a");
        assert!(log.pin(7, first));
        for i in 0..5 {
            set(&log, &format!("k{i}"));
        }
        let end = log.offset();
        // Reader 7 still needs everything from `first`: nothing it needs was dropped.
        let mut out = Vec::new();
        assert_eq!(
            log.read_history(7, first, usize::MAX, &mut out),
            HistoryRead::Read(end)
        );
        assert_eq!(out.len() as u64, end - first);
        // Its pin moved: the history shrinks to the minimum on the next append.
        set(&log, "z");
        let (start, stop) = log.history_range().expect("history");
        assert_eq!(stop, log.offset());
        assert!(
            stop - start >= 40 && stop - start < 40 + 40,
            "{start}..{stop}"
        );
        assert_eq!(log.read_history(8, 0, 10, &mut out), HistoryRead::Gone);
        // Nothing accumulates for an AOF that is not attached.
        assert!(log.take().0.is_empty());
    }

    #[test]
    fn a_reader_behind_the_hard_limit_loses_its_place() {
        let log = WriteLog::default();
        log.start_history(10, 100);
        assert!(log.pin(1, 0));
        for i in 0..20 {
            set(&log, &format!("k{i}"));
        }
        let mut out = Vec::new();
        assert_eq!(
            log.read_history(1, 0, usize::MAX, &mut out),
            HistoryRead::Gone
        );
        let (start, end) = log.history_range().expect("history");
        assert!(end - start <= 100);
    }

    #[test]
    fn raw_appends_mirror_the_master_and_reset_moves_the_offset() {
        let log = WriteLog::default();
        log.set_enabled(true);
        log.start_history(1000, 0);
        log.reset_offset(500);
        let mut bytes = Vec::new();
        encode(&mut bytes, &[b"SELECT".as_slice(), b"2"]);
        encode(&mut bytes, &[b"SET".as_slice(), b"k", b"v"]);
        assert_eq!(log.append_raw(&bytes), 500 + bytes.len() as u64);
        let mut out = Vec::new();
        log.read_history(0, 500, usize::MAX, &mut out);
        assert_eq!(out, bytes);
        // The node's own next write selects its database again.
        set(&log, "x");
        let (taken, _) = log.take();
        assert!(taken[bytes.len()..].starts_with(b"*2\r\n$6\r\nSELECT"));
    }

    #[test]
    fn filler_has_the_exact_length_and_parses_as_nothing() {
        for len in 0..300 {
            let mut out = Vec::new();
            filler(&mut out, len);
            assert_eq!(out.len(), len, "length {len}");
            let mut buf = bytes::BytesMut::from(&out[..]);
            let mut parser = resp::RequestParser::default();
            let mut args = Vec::new();
            let limits = resp::Limits::default();
            while parser.parse(&mut buf, &limits, &mut args).expect("valid") {
                assert!(
                    args.is_empty() || args[0].as_ref() == b"PING",
                    "{len}: {args:?}"
                );
            }
            assert!(buf.is_empty(), "length {len} left {buf:?}");
        }
    }

    #[test]
    fn a_replica_sync_stream_mirrors_the_log_with_uncaptured_writes_filled() {
        let log = WriteLog::default();
        log.start_history(1 << 20, 0);
        set(&log, "before");
        let start = log
            .start_capture(CaptureKind::ReplicaSync, Encoder::payload(false), || {
                vec![0]
            })
            .expect("started");
        assert!(log.capture(0, 5, |_| {}));
        log.append(0, &[5], &[vec![b"INCR".as_slice(), b"captured"]]);
        log.append(0, &[6], &[vec![b"INCR".as_slice(), b"uncaptured"]]);
        log.append(3, &[5], &[vec![b"SET".as_slice(), b"other", b"db"]]);
        let out = log.finish_rewrite().expect("ran");
        assert_eq!(out.offset, log.offset());
        assert_eq!(out.stream.len() as u64, out.offset - start);
        let mut buf = bytes::BytesMut::from(&out.stream[..]);
        let mut parser = resp::RequestParser::default();
        let mut args = Vec::new();
        let mut seen = Vec::new();
        while parser
            .parse(&mut buf, &resp::Limits::default(), &mut args)
            .expect("valid")
        {
            if !args.is_empty() && args[0].as_ref() != b"PING" {
                seen.push(String::from_utf8_lossy(&args.concat()).into_owned());
            }
        }
        assert_eq!(seen, ["SELECT0", "INCRcaptured", "SELECT3", "SETotherdb"]);
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
        // Taken early, part of the stream is not returned again at the end.
        let early = log.take_rewrite_stream();
        log.append(4, &[5], &[vec![b"DEL".as_slice(), b"gone"]]);
        let out = log.finish_rewrite().expect("a rewrite ran");
        assert!(out.aborted.is_none());
        let mut want = Vec::new();
        encode(&mut want, &[b"SELECT".as_slice(), b"0"]);
        encode(&mut want, &[b"INCR".as_slice(), b"captured"]);
        encode(&mut want, &[b"SELECT".as_slice(), b"4"]);
        encode(&mut want, &[b"SET".as_slice(), b"new", b"db"]);
        assert_eq!(early, want);
        let mut rest = Vec::new();
        encode(&mut rest, &[b"DEL".as_slice(), b"gone"]);
        assert_eq!(out.stream, rest);
        // The old file still gets everything.
        assert!(out.old_pending.windows(5).any(|w| w == b"later"));
        assert_eq!(out.offset, log.offset());
        assert!(!log.is_rewriting());
        // After the switch the next command selects its database again.
        log.append(4, &[1], &[vec![b"DEL".as_slice(), b"new"]]);
        let (bytes, _) = log.take();
        assert!(bytes.starts_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n4\r\n*2\r\n$3\r\nDEL"));
    }

    #[test]
    fn a_slot_is_serialized_without_the_log_lock_and_lands_in_the_base() {
        let log = started();
        assert_eq!(log.take_rewrite_base(), b"REDIS0010");
        assert!(
            !log.capture(2, 9, |_| {}),
            "database 2 did not exist at the start"
        );
        assert!(log.capture(0, 9, |enc| {
            // Writes to other slots go on meanwhile: they append under this lock.
            assert!(
                log.inner.try_lock().is_some(),
                "the log is locked while encoding"
            );
            enc.string(b"piece");
        }));
        let base = log.take_rewrite_base();
        // SELECTDB 0, then the piece as encoded.
        assert_eq!(&base[..2], &[0xFE, 0x00]);
        assert_eq!(&base[2..], b"\x05piece");
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
