//! Redis's CRC64 (`src/crc64.c`): the Jones polynomial `0xad93d23594c935a9`,
//! reflected input and output, no final XOR, seeded by the caller (Redis
//! starts from 0). It checks RDB files (the 8-byte trailer after the EOF
//! opcode) and DUMP payloads (their last 8 bytes).
//!
//! Table-driven, eight bytes per step ("slice-by-8", as Redis's `crcspeed`),
//! with the tables built at compile time. Owns only the arithmetic: which
//! bytes a checksum covers is the encoder's and decoder's business.

/// The Jones polynomial, bit-reversed for the reflected algorithm.
const POLY_REFLECTED: u64 = 0xad93_d235_94c9_35a9_u64.reverse_bits();

/// `TABLES[0]` is the classic byte table; `TABLES[k][b]` is the CRC of byte
/// `b` followed by `k` zero bytes, so eight bytes fold in one step.
static TABLES: [[u64; 256]; 8] = build_tables();

const fn build_tables() -> [[u64; 256]; 8] {
    let mut tables = [[0u64; 256]; 8];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY_REFLECTED
            } else {
                crc >> 1
            };
            bit += 1;
        }
        tables[0][byte] = crc;
        byte += 1;
    }
    let mut byte = 0;
    while byte < 256 {
        let mut slice = 1;
        while slice < 8 {
            let previous = tables[slice - 1][byte];
            tables[slice][byte] = (previous >> 8) ^ tables[0][(previous & 0xFF) as usize];
            slice += 1;
        }
        byte += 1;
    }
    tables
}

/// Continues the checksum `crc` over `bytes` (Redis's `crc64(crc, s, l)`):
/// `crc64(crc64(0, a), b) == crc64(0, a ++ b)`.
pub fn crc64(crc: u64, bytes: &[u8]) -> u64 {
    let mut crc = crc;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut lanes = [0u8; 8];
        lanes.copy_from_slice(word);
        let value = crc ^ u64::from_le_bytes(lanes);
        crc = TABLES[7][(value & 0xFF) as usize]
            ^ TABLES[6][((value >> 8) & 0xFF) as usize]
            ^ TABLES[5][((value >> 16) & 0xFF) as usize]
            ^ TABLES[4][((value >> 24) & 0xFF) as usize]
            ^ TABLES[3][((value >> 32) & 0xFF) as usize]
            ^ TABLES[2][((value >> 40) & 0xFF) as usize]
            ^ TABLES[1][((value >> 48) & 0xFF) as usize]
            ^ TABLES[0][(value >> 56) as usize];
    }
    for &byte in words.remainder() {
        crc = TABLES[0][((crc ^ u64::from(byte)) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    /// Bit by bit, straight from the definition: the reference the tables
    /// are checked against.
    fn bitwise(mut crc: u64, bytes: &[u8]) -> u64 {
        for &byte in bytes {
            crc ^= u64::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ POLY_REFLECTED
                } else {
                    crc >> 1
                };
            }
        }
        crc
    }

    #[test]
    fn redis_test_vectors() {
        // From Redis's crc64.c self test.
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        let lorem = b"This is a test of the emergency broadcast system.";
        assert_eq!(crc64(0, lorem), bitwise(0, lorem));
        assert_eq!(crc64(0, b""), 0);
    }

    proptest! {
        #[test]
        fn matches_the_bitwise_definition(bytes in vec(any::<u8>(), 0..200), seed: u64) {
            prop_assert_eq!(crc64(seed, &bytes), bitwise(seed, &bytes));
        }

        #[test]
        fn continues_across_splits(bytes in vec(any::<u8>(), 0..200), at: usize) {
            let at = at % (bytes.len() + 1);
            let (head, tail) = bytes.split_at(at);
            prop_assert_eq!(crc64(crc64(0, head), tail), crc64(0, &bytes));
        }
    }
}
