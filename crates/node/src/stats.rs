//! Per-command statistics (INFO commandstats, errorstats) and the slow log.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;
use parking_lot::Mutex;

/// calls, usec, rejected_calls, failed_calls of one command.
#[derive(Default, Clone, Copy, Debug)]
pub struct CommandStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

#[derive(Default)]
pub struct CommandStats {
    by_name: Mutex<HashMap<String, CommandStat>>,
    errors: Mutex<HashMap<String, u64>>,
}

impl CommandStats {
    pub fn record(&self, name: &str, usec: u64, failed: bool) {
        let mut m = self.by_name.lock();
        let s = match m.get_mut(name) {
            Some(s) => s,
            None => m.entry(name.to_string()).or_default(),
        };
        s.calls += 1;
        s.usec += usec;
        if failed {
            s.failed_calls += 1;
        }
    }

    pub fn record_rejected(&self, name: &str) {
        self.by_name
            .lock()
            .entry(name.to_string())
            .or_default()
            .rejected_calls += 1;
    }

    /// Counts an error reply by its prefix (INFO errorstats `errorstat_ERR`).
    pub fn record_error(&self, text: &str) {
        let prefix = text.split(' ').next().unwrap_or("ERR").to_string();
        *self.errors.lock().entry(prefix).or_default() += 1;
    }

    pub fn snapshot(&self) -> Vec<(String, CommandStat)> {
        let mut v: Vec<_> = self
            .by_name
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    pub fn errors(&self) -> Vec<(String, u64)> {
        let mut v: Vec<_> = self
            .errors
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        v.sort();
        v
    }

    pub fn reset(&self) {
        self.by_name.lock().clear();
        self.errors.lock().clear();
    }
}

/// One slow log entry.
pub struct SlowLogEntry {
    pub id: u64,
    pub time: i64,
    pub duration_us: u64,
    pub args: Vec<Bytes>,
    pub peer: String,
    pub name: String,
}

#[derive(Default)]
pub struct SlowLog {
    pub entries: VecDeque<SlowLogEntry>,
    pub next_id: u64,
}

/// Redis's SLOWLOG_ENTRY_MAX_ARGC / SLOWLOG_ENTRY_MAX_STRING.
const MAX_ARGC: usize = 32;
const MAX_STRING: usize = 128;

impl SlowLog {
    /// Records a command that took `duration_us`, trimming arguments as Redis does.
    pub fn push(
        &mut self,
        args: &[Bytes],
        duration_us: u64,
        time: i64,
        peer: String,
        name: String,
        max_len: usize,
    ) {
        let argc = args.len().min(MAX_ARGC);
        let mut kept: Vec<Bytes> = Vec::with_capacity(argc);
        for (j, a) in args.iter().take(argc).enumerate() {
            if argc != args.len() && j == argc - 1 {
                kept.push(Bytes::from(format!(
                    "... ({} more arguments)",
                    args.len() - argc + 1
                )));
            } else if a.len() > MAX_STRING {
                let mut s = a.slice(..MAX_STRING).to_vec();
                s.extend_from_slice(
                    format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes(),
                );
                kept.push(Bytes::from(s));
            } else {
                kept.push(Bytes::copy_from_slice(a));
            }
        }
        self.entries.push_front(SlowLogEntry {
            id: self.next_id,
            time,
            duration_us,
            args: kept,
            peer,
            name,
        });
        self.next_id += 1;
        while self.entries.len() > max_len {
            self.entries.pop_back();
        }
    }
}
