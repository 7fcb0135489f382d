//! The active expiry cycle: reclaims expired keys nobody reads.
//!
//! Lazy expiry (on access) is in [`crate::keyspace`]; this walks the slots that hold volatile
//! keys, a few entries per slot, under a time budget per call, like Redis's
//! `activeExpireCycle` (slow cycle: `1000000 * 25 / hz / 100` microseconds per call).

use std::time::{Duration, Instant};

use slot_map::SLOT_COUNT;

use crate::keyspace::Keyspace;

/// Largest value of the 24-bit access clock.
pub const CLOCK_MAX: u32 = (1 << 24) - 1;

/// Entries examined per slot visit (Redis `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const KEYS_PER_VISIT: usize = 20;

/// Where the cycle resumes next time.
#[derive(Default, Debug)]
pub struct ExpireCursor {
    slot: usize,
    position: usize,
}

/// The time budget of one slow cycle at `hz` calls per second (25% of CPU time).
pub fn slow_cycle_budget(hz: u32) -> Duration {
    Duration::from_micros(1_000_000 * 25 / u64::from(hz.max(1)) / 100)
}

/// Runs one cycle over `ks`; returns how many keys it deleted.
pub fn active_expire_cycle(
    ks: &Keyspace,
    cursor: &mut ExpireCursor,
    now_ms: i64,
    budget: Duration,
) -> usize {
    if ks.volatile_len() == 0 {
        return 0;
    }
    let started = Instant::now();
    let mut deleted = 0;
    for visited in 0..SLOT_COUNT {
        let slot = cursor.slot as u16;
        let mut guard = ks.lock_slot(slot);
        if guard.table().volatile_len() > 0 {
            let (d, next) = guard.expire_some(now_ms, cursor.position, KEYS_PER_VISIT);
            deleted += d;
            // Stay on a slot while a good share of what we saw was expired.
            if next != 0 && d * 4 >= KEYS_PER_VISIT {
                cursor.position = next;
                drop(guard);
                if visited % 16 == 0 && started.elapsed() >= budget {
                    break;
                }
                continue;
            }
        }
        drop(guard);
        cursor.slot = (cursor.slot + 1) % SLOT_COUNT;
        cursor.position = 0;
        if visited % 16 == 15 && started.elapsed() >= budget {
            break;
        }
    }
    deleted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, StrEncoding, StringSpec};

    #[test]
    fn reclaims_expired_keys_across_slots() {
        let ks = Keyspace::new(Default::default());
        for i in 0..2000 {
            let key = format!("k{i}");
            let expire_at = if i % 4 == 0 { Some(1000) } else { None };
            let mut g = ks.lock_slot(slot_map::key_slot(key.as_bytes()));
            g.insert(Entry::new_string(StringSpec {
                key: key.as_bytes(),
                value: b"v",
                encoding: StrEncoding::Embstr,
                expire_at,
                clock: 0,
            }));
        }
        assert_eq!(ks.volatile_len(), 500);
        let mut cursor = ExpireCursor::default();
        let mut deleted = 0;
        for _ in 0..100 {
            deleted += active_expire_cycle(&ks, &mut cursor, 1001, Duration::from_secs(1));
        }
        assert_eq!(deleted, 500);
        assert_eq!(ks.len(), 1500);
        assert_eq!(ks.volatile_len(), 0);
    }
}
