//! MONITOR: every executed command, formatted as Redis formats it, streamed to the clients
//! that asked. Each monitor has a bounded queue; one that falls too far behind is
//! disconnected, as Redis does when a client overcomes its output buffer limit.

use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::mpsc;

/// Lines a monitor may have queued before it is dropped.
const QUEUE_LEN: usize = 65536;

#[derive(Default)]
pub struct Monitors {
    senders: Mutex<Vec<(u64, mpsc::Sender<Bytes>)>>,
    count: AtomicUsize,
}

impl Monitors {
    /// Registers client `id` as a monitor; returns the queue its connection drains.
    pub fn subscribe(&self, id: u64) -> mpsc::Receiver<Bytes> {
        let (tx, rx) = mpsc::channel(QUEUE_LEN);
        let mut senders = self.senders.lock();
        senders.push((id, tx));
        self.count.store(senders.len(), Ordering::Release);
        rx
    }

    pub fn unsubscribe(&self, id: u64) {
        let mut senders = self.senders.lock();
        senders.retain(|(i, _)| *i != id);
        self.count.store(senders.len(), Ordering::Release);
    }

    pub fn is_active(&self) -> bool {
        self.count.load(Ordering::Acquire) > 0
    }

    /// Sends one formatted line to every monitor; a monitor whose queue is full is dropped.
    pub fn feed(&self, line: Bytes) {
        let mut senders = self.senders.lock();
        senders.retain(|(id, tx)| match tx.try_send(line.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(
                    client = id,
                    "Client closed for overcoming of output buffer limits."
                );
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        self.count.store(senders.len(), Ordering::Release);
    }
}

/// One MONITOR line: `+<secs>.<usecs> [<db> <peer>] "arg" "arg"\r\n`.
pub fn format_line(unix_us: i64, db: usize, peer: &str, args: &[Bytes]) -> Bytes {
    let mut out = format!(
        "+{}.{:06} [{db} {peer}] ",
        unix_us / 1_000_000,
        unix_us % 1_000_000
    )
    .into_bytes();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(resp::repr(a).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_formatted_like_redis() {
        let args = vec![
            Bytes::from("set"),
            Bytes::from("k"),
            Bytes::from("a\"b\n\x01"),
        ];
        let line = format_line(1_700_000_000_123_456, 0, "127.0.0.1:5000", &args);
        assert_eq!(
            &line[..],
            b"+1700000000.123456 [0 127.0.0.1:5000] \"set\" \"k\" \"a\\\"b\\n\\x01\"\r\n"
        );
    }

    #[test]
    fn a_stuck_monitor_is_dropped() {
        let m = Monitors::default();
        let rx = m.subscribe(1);
        for _ in 0..QUEUE_LEN {
            m.feed(Bytes::from_static(b"x"));
        }
        assert!(m.is_active());
        m.feed(Bytes::from_static(b"x"));
        assert!(!m.is_active());
        drop(rx);
    }
}
