//! Element hashing: Redis's MurmurHash64A (endian-neutral variant) and `hllPatLen`, which
//! turns an element into a register index and the length of its "000..1" pattern.

use crate::layout::{P, Q, REGISTER_COUNT};

/// The seed Redis passes to MurmurHash64A for HyperLogLog elements.
const SEED: u64 = 0xadc8_3b19;

/// MurmurHash64A as in Redis's `hyperloglog.c` (64-bit words read little endian).
pub(crate) fn murmur_hash64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    // Redis passes the length as a C `int`; elements are far below 2 GiB.
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut words = key.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let mut k = u64::from_le_bytes(bytes);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        for (shift, &byte) in tail.iter().enumerate() {
            h ^= u64::from(byte) << (8 * shift);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// `hllPatLen`: the register an element maps to (low 14 bits of its hash) and the position
/// of the first 1 bit in the remaining 50 bits, counting from 1 (so 1..=51).
pub(crate) fn register_and_run(element: &[u8]) -> (usize, u8) {
    let hash = murmur_hash64a(element, SEED);
    let index = (hash & (REGISTER_COUNT as u64 - 1)) as usize;
    let rest = (hash >> P) | (1u64 << Q);
    // `rest` has bit Q set, so the count is at most Q + 1 = 51.
    (index, rest.trailing_zeros() as u8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_length_is_bounded_and_index_in_range() {
        for n in 0u32..2000 {
            let (index, run) = register_and_run(&n.to_le_bytes());
            assert!(index < REGISTER_COUNT);
            assert!((1..=51).contains(&run));
        }
    }

    #[test]
    fn tail_bytes_change_the_hash() {
        let a = murmur_hash64a(b"abcdefghi", SEED);
        let b = murmur_hash64a(b"abcdefghj", SEED);
        assert_ne!(a, b);
        assert_ne!(murmur_hash64a(b"", SEED), murmur_hash64a(b"", 0));
    }
}
