//! Per-command statistics (INFO commandstats, errorstats) and the slow log.
//!
//! Command counters are atomics indexed by the command's place in the static table, one set
//! per thread shard (`store::counter`), so the hot path records a call without a lock, an
//! allocation, or a cache line shared with another core.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;

use store::counter::{SHARDS, my_shard};

use crate::commands::table::{self, Command};

/// calls, usec, rejected_calls, failed_calls of one command.
#[derive(Default, Clone, Copy, Debug)]
pub struct CommandStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

#[derive(Default)]
struct StatCell {
    calls: AtomicU64,
    usec: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
}

pub struct CommandStats {
    /// `cells[shard][index]`.
    cells: Vec<Box<[StatCell]>>,
    /// Full names (`cluster|info`), by cell index.
    names: Vec<String>,
    /// Cell index by the address of the command's table entry.
    index: hashbrown::HashMap<usize, usize>,
    errors: Mutex<HashMap<String, u64>>,
}

impl Default for CommandStats {
    fn default() -> Self {
        let mut names = Vec::new();
        let mut index = hashbrown::HashMap::new();
        for c in table::all_entries() {
            index.insert(c.0 as *const Command as usize, names.len());
            names.push(table::full_name(c.1, c.0));
        }
        CommandStats {
            cells: (0..SHARDS)
                .map(|_| names.iter().map(|_| StatCell::default()).collect())
                .collect(),
            names,
            index,
            errors: Mutex::new(HashMap::new()),
        }
    }
}

impl CommandStats {
    /// The counter index of a table entry.
    pub fn index_of(&self, cmd: &Command) -> Option<usize> {
        self.index.get(&(cmd as *const Command as usize)).copied()
    }

    /// The full name of the command at `index`.
    pub fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("NULL", String::as_str)
    }

    pub fn record(&self, index: usize, usec: u64, failed: bool) {
        if let Some(c) = self.cells[my_shard()].get(index) {
            c.calls.fetch_add(1, Ordering::Relaxed);
            c.usec.fetch_add(usec, Ordering::Relaxed);
            if failed {
                c.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn record_rejected(&self, index: usize) {
        if let Some(c) = self.cells[my_shard()].get(index) {
            c.rejected.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts an error reply by its prefix (INFO errorstats `errorstat_ERR`).
    pub fn record_error(&self, text: &str) {
        let prefix = text.split(' ').next().unwrap_or("ERR");
        let mut errors = self.errors.lock();
        match errors.get_mut(prefix) {
            Some(n) => *n += 1,
            None => {
                errors.insert(prefix.to_string(), 1);
            }
        }
    }

    /// Total calls of every command (INFO `total_commands_processed`).
    pub fn total_calls(&self) -> u64 {
        self.cells
            .iter()
            .flat_map(|shard| shard.iter())
            .map(|c| c.calls.load(Ordering::Relaxed))
            .sum()
    }

    /// One command's counters summed over the shards.
    fn stat(&self, index: usize) -> CommandStat {
        let mut s = CommandStat::default();
        for shard in &self.cells {
            if let Some(c) = shard.get(index) {
                s.calls += c.calls.load(Ordering::Relaxed);
                s.usec += c.usec.load(Ordering::Relaxed);
                s.rejected_calls += c.rejected.load(Ordering::Relaxed);
                s.failed_calls += c.failed.load(Ordering::Relaxed);
            }
        }
        s
    }

    /// Commands that were called or rejected at least once, by name.
    pub fn snapshot(&self) -> Vec<(String, CommandStat)> {
        let mut v: Vec<(String, CommandStat)> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), self.stat(i)))
            .filter(|(_, s)| s.calls + s.rejected_calls > 0)
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
        for c in self.cells.iter().flat_map(|shard| shard.iter()) {
            for a in [&c.calls, &c.usec, &c.rejected, &c.failed] {
                a.store(0, Ordering::Relaxed);
            }
        }
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

/// Who ran a slow command, for the log entry.
pub struct SlowLogClient {
    pub peer: String,
    pub name: String,
}

impl SlowLog {
    /// Records a command that took `duration_us`, trimming arguments as Redis does.
    pub fn push(
        &mut self,
        args: &[Bytes],
        duration_us: u64,
        time: i64,
        client: SlowLogClient,
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
            peer: client.peer,
            name: client.name,
        });
        self.next_id += 1;
        while self.entries.len() > max_len {
            self.entries.pop_back();
        }
    }
}
