//! Key -> slot hashing: CRC16-XMODEM over the key or over its hash tag.

use crate::{MAX_SLOT, Slot};

/// CRC16-CCITT in its XMODEM variant (poly `0x1021`, init 0, no reflection, no final XOR),
/// the checksum Redis Cluster hashes keys with.
pub fn crc16(data: &[u8]) -> u16 {
    crc16::State::<crc16::XMODEM>::calculate(data)
}

/// The hash slot of `key`, by Redis's rules (`keyHashSlot`): if the key has a `{` and a later
/// `}` with at least one byte between the first `{` and the first `}` after it, only those
/// bytes are hashed; otherwise the whole key is. Only the first `{` counts: `foo{}{bar}`
/// hashes the whole key, not `bar`.
pub fn key_slot(key: &[u8]) -> Slot {
    crc16(hash_tag(key).unwrap_or(key)) & MAX_SLOT
}

/// The non-empty bytes between the first `{` and the first `}` after it, if any.
fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = memchr::memchr(b'{', key)?;
    let after_open = &key[open + 1..];
    let close = memchr::memchr(b'}', after_open)?;
    (close > 0).then(|| &after_open[..close])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn crc16_is_xmodem() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(crc16(b""), 0);
    }

    /// Every vector of shared/compat/redis-cli-and-clients.md §4, checked there against
    /// `CLUSTER KEYSLOT` on Redis 7.0.15.
    #[test]
    fn key_slot_matches_redis_vectors() {
        let vectors: &[(&[u8], Slot)] = &[
            (b"", 0),
            (b"a", 15495),
            (b"foo", 12182),
            (b"bar", 5061),
            (b"hello", 866),
            (b"key", 12539),
            (b"123456789", 12739),
            (b"{}", 15257),
            (b"{}foo", 9500),
            (b"foo{}", 5542),
            (b"foo{}{bar}", 8363),
            (b"foo{{bar}}zap", 4015),
            (b"foo{bar}{zap}", 5061),
            (b"{user1000}.following", 3443),
            (b"{user1000}.followers", 3443),
            (b"a{b", 13340),
            (b"a}b{c}", 7365),
            (b"{a}{b}", 15495),
            (b"{{}}", 4092),
            (b"{ab}c", 13567),
            (b"x{}y{z}", 15453),
            (b"{foo}bar", 12182),
            (b"user:1", 10778),
            (b"somekey", 11058),
            (b"key:1", 6657),
            (b"{t64869}", 3),
            (b"{t17799}", 4),
            (b"k20214", 5000),
        ];
        for &(key, slot) in vectors {
            assert_eq!(
                key_slot(key),
                slot,
                "key {:?}",
                String::from_utf8_lossy(key)
            );
        }
    }

    /// The bit-serial definition of XMODEM, to check the table-driven crate against.
    fn crc16_bitwise(data: &[u8]) -> u16 {
        let mut crc: u16 = 0;
        for &byte in data {
            crc ^= u16::from(byte) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ 0x1021
                } else {
                    crc << 1
                };
            }
        }
        crc
    }

    proptest! {
        #[test]
        fn crc16_matches_bitwise_definition(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(crc16(&data), crc16_bitwise(&data));
        }

        /// `{tag}` followed by anything hashes like `tag` alone, for any non-empty tag
        /// without a `}` (a `{` inside the tag is fine: only the first `{` opens it).
        #[test]
        fn tagged_key_hashes_like_its_tag(
            tag in proptest::collection::vec(any::<u8>().prop_filter("no }", |b| *b != b'}'), 1..16),
            prefix in proptest::collection::vec(any::<u8>().prop_filter("no {", |b| *b != b'{'), 0..16),
            suffix in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let mut key = prefix.clone();
            key.push(b'{');
            key.extend_from_slice(&tag);
            key.push(b'}');
            key.extend_from_slice(&suffix);
            prop_assert_eq!(key_slot(&key), key_slot(&tag));
        }

        #[test]
        fn key_without_braces_hashes_whole(
            key in proptest::collection::vec(any::<u8>().prop_filter("no {", |b| *b != b'{'), 0..32),
        ) {
            prop_assert_eq!(key_slot(&key), crc16_bitwise(&key) % 16384);
        }
    }
}
