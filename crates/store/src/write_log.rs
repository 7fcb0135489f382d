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

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

/// The shared write log of all databases.
#[derive(Default)]
pub struct WriteLog {
    enabled: AtomicBool,
    inner: Mutex<Inner>,
    appended: Condvar,
}

#[derive(Default)]
struct Inner {
    /// Bytes ever appended (the offset of the next byte).
    offset: u64,
    /// The database the stream last selected (`None`: a SELECT comes first).
    selected_db: Option<usize>,
    /// Appended bytes the consumer has not taken yet.
    pending: Vec<u8>,
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
        }
        self.enabled.store(on, Ordering::Release);
    }

    /// Appends commands run in database `db`, as one block (nothing is interleaved between
    /// them). Returns the log offset after them.
    pub fn append<C, A>(&self, db: usize, commands: &[C]) -> u64
    where
        C: AsRef<[A]>,
        A: AsRef<[u8]>,
    {
        let mut inner = self.inner.lock();
        let before = inner.pending.len();
        if inner.selected_db != Some(db) {
            let index = itoa::Buffer::new().format(db).as_bytes().to_vec();
            encode(&mut inner.pending, &[b"SELECT".as_slice(), &index]);
            inner.selected_db = Some(db);
        }
        for command in commands {
            encode(&mut inner.pending, command.as_ref());
        }
        inner.offset += (inner.pending.len() - before) as u64;
        let end = inner.offset;
        drop(inner);
        self.appended.notify_one();
        end
    }

    /// Appends a transaction's commands, each with its database, wrapped in MULTI/EXEC so a
    /// reader applies all or none of them. Returns the log offset after them.
    pub fn append_transaction<A: AsRef<[u8]>>(&self, commands: &[(usize, Vec<A>)]) -> u64 {
        let mut inner = self.inner.lock();
        let before = inner.pending.len();
        for (i, (db, command)) in commands.iter().enumerate() {
            if inner.selected_db != Some(*db) {
                let index = itoa::Buffer::new().format(*db).as_bytes().to_vec();
                encode(&mut inner.pending, &[b"SELECT".as_slice(), &index]);
                inner.selected_db = Some(*db);
            }
            if i == 0 {
                encode(&mut inner.pending, &[b"MULTI"]);
            }
            encode(&mut inner.pending, command);
        }
        if !commands.is_empty() {
            encode(&mut inner.pending, &[b"EXEC"]);
        }
        inner.offset += (inner.pending.len() - before) as u64;
        let end = inner.offset;
        drop(inner);
        self.appended.notify_one();
        end
    }

    /// The offset after the last appended byte.
    pub fn offset(&self) -> u64 {
        self.inner.lock().offset
    }

    /// Takes what was appended since the last call, waiting up to `wait` for something to
    /// arrive; returns the bytes and the offset after them.
    pub fn take(&self, wait: Duration) -> (Vec<u8>, u64) {
        let mut inner = self.inner.lock();
        if inner.pending.is_empty() {
            let _ = self.appended.wait_for(&mut inner, wait);
        }
        (std::mem::take(&mut inner.pending), inner.offset)
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
        let end = log.append(0, &[vec![b"SET".as_slice(), b"k", b"v"]]);
        log.append(0, &[vec![b"DEL".as_slice(), b"k"]]);
        log.append(3, &[vec![b"INCR".as_slice(), b"n"]]);
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
