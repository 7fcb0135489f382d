//! The lock of one slot table: a mutex that spins a while before it sleeps.
//!
//! A slot's lock is held for one command (a few microseconds at most for the commands that
//! touch one key), so a waiter usually gets it soon. parking_lot's mutex parks a waiter after
//! a few short spins and yields; when two workers serve one hot key (redis-benchmark's LPUSH,
//! HSET, ZADD tests, or any popular key) nearly every wait then became a futex sleep and a
//! wake-up, and the scheduler took 30-40% of the server's CPU samples under ZADD `-P 16`
//! (perf: `futex_wait`, `finish_task_switch`). This lock spins up to [`SPINS`] pauses first,
//! yielding the CPU every [`YIELD_EVERY`], and parks (in parking_lot's parking lot, keyed by
//! the lock's address) only after that: Drepper's three-state futex mutex, with the parking
//! lot in place of the futex.
//!
//! Not here: what is locked and in which order (`keyspace`).

use std::sync::atomic::{AtomicU8, Ordering};

const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;
/// Locked, and a waiter may be asleep.
const CONTENDED: u8 = 2;

/// The lock's state: [`UNLOCKED`], [`LOCKED`] or [`CONTENDED`].
pub struct RawSlotLock {
    state: AtomicU8,
}

/// How many `spin_loop` pauses a waiter spends before it parks. Measured A/B on the 2-vCPU
/// machine (redis-benchmark `-c 50 -r 100000 -d 16 -P 16`, ops/s): ZADD 289-298k with
/// parking_lot, 267-288k with 50 spins, 378-412k with 1,000, 453-464k with 2,000, 462-481k
/// with 8,000 (Redis 333-400k); the `-P 1` SET and MSET lines did not lose.
const SPINS: u32 = 2_000;

/// A spinning waiter yields its CPU this often: when the load generator (or anything else)
/// is waiting to run on the same cores, it runs instead of the spin. Without the yields ZADD
/// `-P 1` on one key lost 5-10% (127-133k ops/s against 133-143k with parking_lot); with a
/// yield every 50-200 spins it is at 109-130k against Redis's 120-135k in the same runs, and
/// `-P 16` keeps its gain (ZADD 464-486k, HSET 1,047-1,127k). How these were measured:
/// docs/benchmarks.md, "How the hand measurements were taken".
const YIELD_EVERY: u32 = 100;

unsafe impl lock_api::RawMutex for RawSlotLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawSlotLock = RawSlotLock {
        state: AtomicU8::new(UNLOCKED),
    };
    type GuardMarker = lock_api::GuardSend;

    #[inline]
    fn lock(&self) {
        if self
            .state
            .compare_exchange_weak(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_slow();
        }
    }

    #[inline]
    fn try_lock(&self) -> bool {
        self.state
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    #[inline]
    unsafe fn unlock(&self) {
        if self.state.swap(UNLOCKED, Ordering::Release) == CONTENDED {
            self.wake_one();
        }
    }
}

impl RawSlotLock {
    #[cold]
    fn lock_slow(&self) {
        for i in 0..SPINS {
            if i > 0 && i % YIELD_EVERY == 0 {
                std::thread::yield_now();
            }
            if self.state.load(Ordering::Relaxed) == UNLOCKED
                && self
                    .state
                    .compare_exchange_weak(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return;
            }
            std::hint::spin_loop();
        }
        loop {
            if self.state.swap(CONTENDED, Ordering::Acquire) == UNLOCKED {
                return;
            }
            let key = self as *const _ as usize;
            // SAFETY: the key is this lock's address, used for nothing else; the closures
            // do not panic or call into the parking lot.
            unsafe {
                parking_lot_core::park(
                    key,
                    || self.state.load(Ordering::Relaxed) == CONTENDED,
                    || {},
                    |_, _| {},
                    parking_lot_core::DEFAULT_PARK_TOKEN,
                    None,
                );
            }
        }
    }

    #[cold]
    fn wake_one(&self) {
        let key = self as *const _ as usize;
        // SAFETY: as in lock_slow.
        unsafe {
            parking_lot_core::unpark_one(key, |_| parking_lot_core::DEFAULT_UNPARK_TOKEN);
        }
    }
}

pub type SlotLock<T> = lock_api::Mutex<RawSlotLock, T>;
pub type SlotLockGuard<'a, T> = lock_api::MutexGuard<'a, RawSlotLock, T>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn excludes_and_wakes_every_waiter() {
        // More threads than cores, so waiters both spin and park.
        let lock = Arc::new(SlotLock::new(0u64));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let lock = lock.clone();
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        let mut n = lock.lock();
                        let seen = *n;
                        std::hint::spin_loop();
                        *n = seen + 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*lock.lock(), 160_000);
    }

    #[test]
    fn try_lock_fails_while_held() {
        let lock = SlotLock::new(());
        let held = lock.lock();
        assert!(lock.try_lock().is_none());
        drop(held);
        assert!(lock.try_lock().is_some());
    }
}
