//! A statistics counter that many threads bump without sharing a cache line.
//!
//! One atomic written by every worker thread on every command bounces its cache line between
//! cores; under load that was the largest single cost of MSET in `perf` (DBSIZE's key count
//! and `server.dirty`). A `Counter` spreads the writes over cache-line-padded shards, one
//! picked per thread, and sums them when read (DBSIZE, INFO): reads are rare, writes constant.

use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

/// How many shards a sharded statistic has.
pub const SHARDS: usize = 16;

#[repr(align(128))]
#[derive(Default)]
struct Shard(AtomicI64);

#[derive(Default)]
pub struct Counter {
    shards: [Shard; SHARDS],
}

static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// This thread's shard (assigned round-robin on first use).
pub fn my_shard() -> usize {
    SHARD.with(|s| {
        let mut i = s.get();
        if i == usize::MAX {
            i = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
            s.set(i);
        }
        i
    })
}

impl Counter {
    pub fn add(&self, n: i64) {
        self.shards[my_shard()].0.fetch_add(n, Ordering::Relaxed);
    }

    /// The sum of every shard (never below zero for counts that go up and down).
    pub fn get(&self) -> u64 {
        let sum: i64 = self
            .shards
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .sum();
        u64::try_from(sum).unwrap_or(0)
    }

    pub fn reset(&self) {
        for s in &self.shards {
            s.0.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn sums_across_threads() {
        let c = Arc::new(Counter::default());
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        c.add(if t % 2 == 0 { 2 } else { -1 });
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(c.get(), 4 * 2000 - 4 * 1000);
        c.reset();
        assert_eq!(c.get(), 0);
    }
}
