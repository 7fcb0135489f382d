//! The numbered databases (`databases`, SELECT, SWAPDB, FLUSHALL, COPY/MOVE ... DB).
//!
//! A database's 16384 slot tables are allocated the first time it is used, so the sixteen
//! databases Redis users expect cost nothing until selected (and in cluster mode, where only
//! database 0 can be selected, the others are never built). A client keeps an `Arc` of its
//! selected database and re-reads it when the generation changes (SWAPDB), so the hot path
//! takes no shared lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::RwLock;

use crate::keyspace::{Keyspace, KeyspaceStats};
use crate::write_log::WriteLog;

pub struct Databases {
    dbs: RwLock<Vec<Option<Arc<Keyspace>>>>,
    generation: AtomicU64,
    stats: Arc<KeyspaceStats>,
    log: Arc<WriteLog>,
}

impl Databases {
    pub fn new(count: usize) -> Databases {
        Databases {
            dbs: RwLock::new(vec![None; count.max(1)]),
            generation: AtomicU64::new(0),
            stats: Arc::new(KeyspaceStats::default()),
            log: Arc::default(),
        }
    }

    /// How many databases there are (`databases`).
    pub fn count(&self) -> usize {
        self.dbs.read().len()
    }

    /// Database `index`, built on first use; `None` when the index is out of range.
    pub fn get(&self, index: usize) -> Option<Arc<Keyspace>> {
        if let Some(slot) = self.dbs.read().get(index) {
            if let Some(db) = slot {
                return Some(db.clone());
            }
        } else {
            return None;
        }
        let mut dbs = self.dbs.write();
        let slot = dbs.get_mut(index)?;
        Some(
            slot.get_or_insert_with(|| {
                Arc::new(Keyspace::in_databases(
                    self.stats.clone(),
                    self.log.clone(),
                    index,
                ))
            })
            .clone(),
        )
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
        for i in [a, b] {
            if let Some(db) = &dbs[i] {
                db.set_index(i);
            }
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
        true
    }

    /// The write log every database's changes go to.
    pub fn write_log(&self) -> &WriteLog {
        &self.log
    }

    pub fn stats(&self) -> &KeyspaceStats {
        &self.stats
    }

    /// Every database built so far, with its index.
    pub fn all(&self) -> Vec<(usize, Arc<Keyspace>)> {
        self.dbs
            .read()
            .iter()
            .enumerate()
            .filter_map(|(i, db)| db.clone().map(|db| (i, db)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn databases_are_built_on_first_use_and_swap() {
        let dbs = Databases::new(16);
        assert_eq!(dbs.count(), 16);
        assert!(dbs.all().is_empty());
        let three = dbs.get(3).unwrap();
        assert!(dbs.get(16).is_none());
        assert_eq!(dbs.all().len(), 1);
        let g = dbs.generation();
        assert!(dbs.swap(3, 5));
        assert_ne!(dbs.generation(), g);
        assert!(Arc::ptr_eq(&dbs.get(5).unwrap(), &three));
        assert!(!dbs.swap(0, 16));
    }
}
