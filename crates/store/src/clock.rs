//! The 24-bit access clock every key carries: LRU seconds, or under an LFU `maxmemory-policy`
//! 16 bits of minutes plus an 8-bit logarithmic access counter (Redis `evict.c`).

use std::cell::Cell;

use crate::StoreSettings;
use crate::expire::CLOCK_MAX;

/// Redis `LFU_INIT_VAL`: the counter a new key starts with.
const LFU_INIT_VAL: u32 = 5;

fn lru_now(now_ms: i64) -> u32 {
    ((now_ms / 1000) as u32) & CLOCK_MAX
}

fn minutes_now(now_ms: i64) -> u32 {
    ((now_ms / 60_000) as u32) & 0xffff
}

/// The clock a newly written key gets.
pub fn initial(settings: &StoreSettings, now_ms: i64) -> u32 {
    if settings.lfu {
        (minutes_now(now_ms) << 8) | LFU_INIT_VAL
    } else {
        lru_now(now_ms)
    }
}

/// The clock after an access (Redis `updateLFU`, or the LRU clock).
pub fn touched(settings: &StoreSettings, now_ms: i64, old: u32) -> u32 {
    if settings.lfu {
        let counter = log_incr(frequency(settings, now_ms, old), settings.lfu_log_factor);
        (minutes_now(now_ms) << 8) | counter
    } else {
        lru_now(now_ms)
    }
}

/// Redis `LFUDecrAndReturn`: the counter after decay (OBJECT FREQ).
pub fn frequency(settings: &StoreSettings, now_ms: i64, clock: u32) -> u32 {
    let last = clock >> 8;
    let counter = clock & 0xff;
    let now = minutes_now(now_ms);
    let elapsed = if now >= last {
        now - last
    } else {
        65535 - last + now
    };
    let periods = elapsed.checked_div(settings.lfu_decay_time).unwrap_or(0);
    counter.saturating_sub(periods)
}

/// Seconds since the last access under LRU (OBJECT IDLETIME).
pub fn idle_seconds(now_ms: i64, clock: u32) -> u32 {
    let now = lru_now(now_ms);
    if now >= clock {
        now - clock
    } else {
        now + (CLOCK_MAX - clock)
    }
}

/// The LRU clock of a key last used `idle_secs` ago (Redis `objectSetLRUOrLFU` given an
/// idle time: RESTORE IDLETIME, an RDB `IDLE` opcode).
pub fn from_idle(now_ms: i64, idle_secs: u64) -> u32 {
    let now = i64::from(lru_now(now_ms));
    let idle = i64::try_from(idle_secs)
        .unwrap_or(i64::MAX)
        .min(i64::from(CLOCK_MAX));
    let mut at = now - idle;
    if at < 0 {
        at += i64::from(CLOCK_MAX);
    }
    at as u32
}

/// The LFU clock of a key with access counter `freq` (Redis `objectSetLRUOrLFU` given a
/// frequency: RESTORE FREQ, an RDB `FREQ` opcode).
pub fn from_freq(now_ms: i64, freq: u8) -> u32 {
    (minutes_now(now_ms) << 8) | u32::from(freq)
}

/// Redis `LFULogIncr`: increments with probability 1/((counter-5)*factor+1).
fn log_incr(counter: u32, log_factor: u32) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if random_unit() < p {
        counter + 1
    } else {
        counter
    }
}

thread_local! {
    static RNG: Cell<u64> = Cell::new(rand::random::<u64>() | 1);
}

/// A uniform value in [0, 1) from a per-thread xorshift generator (cheap enough for every
/// key access; LFU needs no cryptographic quality).
fn random_unit() -> f64 {
    RNG.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lfu() -> StoreSettings {
        StoreSettings {
            lfu: true,
            ..StoreSettings::default()
        }
    }

    #[test]
    fn new_keys_start_at_five_and_grow_logarithmically() {
        let s = lfu();
        let mut c = initial(&s, 0);
        assert_eq!(frequency(&s, 0, c), 5);
        for _ in 0..100 {
            c = touched(&s, 0, c);
        }
        let f = frequency(&s, 0, c);
        assert!(f > 5 && f < 30, "{f}");
    }

    #[test]
    fn counters_decay_one_per_minute() {
        let s = lfu();
        let c = 10; // minute 0, counter 10
        assert_eq!(frequency(&s, 3 * 60_000, c), 7);
        assert_eq!(frequency(&s, 30 * 60_000, c), 0);
    }

    #[test]
    fn lru_idle_time_wraps() {
        assert_eq!(idle_seconds(10_000, 4), 6);
        assert_eq!(idle_seconds(0, CLOCK_MAX - 1), 1);
    }
}
