//! The numbered databases of standalone mode (`databases`, SELECT, SWAPDB, FLUSHALL).
//!
//! Cluster mode has only database 0. A client keeps an `Arc` of its selected database and
//! re-reads it when the generation changes (SWAPDB), so the hot path takes no shared lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::RwLock;

use crate::keyspace::{Keyspace, KeyspaceStats};

pub struct Databases {
    dbs: RwLock<Vec<Arc<Keyspace>>>,
    generation: AtomicU64,
    stats: Arc<KeyspaceStats>,
}

impl Databases {
    pub fn new(count: usize) -> Databases {
        let stats = Arc::new(KeyspaceStats::default());
        Databases {
            dbs: RwLock::new(
                (0..count.max(1))
                    .map(|_| Arc::new(Keyspace::new(stats.clone())))
                    .collect(),
            ),
            generation: AtomicU64::new(0),
            stats,
        }
    }

    pub fn count(&self) -> usize {
        self.dbs.read().len()
    }

    /// Database `index`, if it exists.
    pub fn get(&self, index: usize) -> Option<Arc<Keyspace>> {
        self.dbs.read().get(index).cloned()
    }

    /// Changes whenever databases are swapped.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// SWAPDB: exchanges two databases; returns false if an index is out of range.
    pub fn swap(&self, a: usize, b: usize) -> bool {
        let mut dbs = self.dbs.write();
        if a >= dbs.len() || b >= dbs.len() {
            return false;
        }
        dbs.swap(a, b);
        self.generation.fetch_add(1, Ordering::AcqRel);
        true
    }

    pub fn stats(&self) -> &KeyspaceStats {
        &self.stats
    }

    /// Every database with its index.
    pub fn all(&self) -> Vec<Arc<Keyspace>> {
        self.dbs.read().clone()
    }
}
