//! The byte layout of a Redis HyperLogLog string (`struct hllhdr` in `hyperloglog.c`):
//! the 16-byte header, the cached cardinality in it, and the validity check of a foreign
//! string. The registers themselves are in `dense` and `sparse`.
//!
//! ```text
//! +------+---+-----+----------+
//! | HYLL | E | N/U | Cardin.  |   E: 0 dense, 1 sparse; N/U: 3 unused bytes (kept as found)
//! +------+---+-----+----------+   cardinality: u64 little endian, MSB of byte 15 = "stale"
//! ```

use crate::HllError;

/// log2 of the number of registers (`HLL_P`).
pub(crate) const P: u32 = 14;
/// Hash bits left for the run of zeroes (`HLL_Q`): a run length is at most `Q + 1`.
pub(crate) const Q: usize = 64 - P as usize;
/// Number of registers (`HLL_REGISTERS`).
pub(crate) const REGISTER_COUNT: usize = 1 << P;
/// Bytes before the registers (`HLL_HDR_SIZE`).
pub(crate) const HEADER_LEN: usize = 16;
/// Bytes of packed 6-bit registers in the dense encoding.
pub(crate) const DENSE_REGISTER_BYTES: usize = (REGISTER_COUNT * 6).div_ceil(8);
/// Exact length of a dense value (`HLL_DENSE_SIZE`).
pub(crate) const DENSE_LEN: usize = HEADER_LEN + DENSE_REGISTER_BYTES;

const ENCODING_BYTE: usize = 4;
const CARDINALITY_BYTES: std::ops::Range<usize> = 8..16;
const STALE_BYTE: usize = 15;
const STALE_BIT: u8 = 0x80;

/// How the registers of a HyperLogLog value are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// 16384 packed 6-bit registers (`HLL_DENSE`, encoding byte 0).
    Dense,
    /// Run-length opcodes ZERO / XZERO / VAL (`HLL_SPARSE`, encoding byte 1).
    Sparse,
}

impl Encoding {
    /// The name PFDEBUG ENCODING replies: `dense` or `sparse`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Dense => "dense",
            Encoding::Sparse => "sparse",
        }
    }

    fn byte(self) -> u8 {
        match self {
            Encoding::Dense => 0,
            Encoding::Sparse => 1,
        }
    }
}

/// Checks that a string holds a HyperLogLog as Redis's `isHLLObjectOrReply` does: at least
/// a header, the "HYLL" magic, a known encoding, and for dense exactly [`DENSE_LEN`] bytes.
/// The sparse opcodes are not checked here; the operations find corruption as they go.
pub fn encoding_of(value: &[u8]) -> Result<Encoding, HllError> {
    if value.len() < HEADER_LEN || &value[..4] != b"HYLL" {
        return Err(HllError::NotHll);
    }
    match value[ENCODING_BYTE] {
        0 if value.len() == DENSE_LEN => Ok(Encoding::Dense),
        1 => Ok(Encoding::Sparse),
        _ => Err(HllError::NotHll),
    }
}

/// The encoding of a value already checked by [`encoding_of`] (it may have been promoted since).
pub(crate) fn current_encoding(value: &[u8]) -> Encoding {
    if value[ENCODING_BYTE] == Encoding::Dense.byte() {
        Encoding::Dense
    } else {
        Encoding::Sparse
    }
}

pub(crate) fn set_encoding(value: &mut [u8], encoding: Encoding) {
    value[ENCODING_BYTE] = encoding.byte();
}

/// The cached cardinality if it is not marked stale (`HLL_VALID_CACHE`).
pub(crate) fn cached_cardinality(value: &[u8]) -> Option<u64> {
    if value[STALE_BYTE] & STALE_BIT != 0 {
        return None;
    }
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&value[CARDINALITY_BYTES]);
    Some(u64::from_le_bytes(bytes))
}

pub(crate) fn store_cardinality(value: &mut [u8], cardinality: u64) {
    value[CARDINALITY_BYTES].copy_from_slice(&cardinality.to_le_bytes());
}

/// Marks the cached cardinality stale (`HLL_INVALIDATE_CACHE`): only the flag bit is set, the
/// other cached bytes stay as they were, exactly as in Redis.
pub(crate) fn invalidate_cache(value: &mut [u8]) {
    value[STALE_BYTE] |= STALE_BIT;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(encoding: u8) -> Vec<u8> {
        let mut value = b"HYLL".to_vec();
        value.push(encoding);
        value.resize(HEADER_LEN, 0);
        value
    }

    #[test]
    fn validation_follows_is_hll_object() {
        assert_eq!(encoding_of(b"HYLL"), Err(HllError::NotHll));
        assert_eq!(encoding_of(&header(1)), Ok(Encoding::Sparse));
        assert_eq!(encoding_of(&header(2)), Err(HllError::NotHll));
        assert_eq!(encoding_of(&header(0)), Err(HllError::NotHll));
        let mut dense = header(0);
        dense.resize(DENSE_LEN, 0);
        assert_eq!(encoding_of(&dense), Ok(Encoding::Dense));
        dense.push(0);
        assert_eq!(encoding_of(&dense), Err(HllError::NotHll));
        let mut wrong_magic = header(1);
        wrong_magic[0] = b'h';
        assert_eq!(encoding_of(&wrong_magic), Err(HllError::NotHll));
    }

    #[test]
    fn invalidation_sets_only_the_flag() {
        let mut value = header(1);
        store_cardinality(&mut value, 0x0102);
        assert_eq!(cached_cardinality(&value), Some(0x0102));
        invalidate_cache(&mut value);
        assert_eq!(cached_cardinality(&value), None);
        assert_eq!(&value[8..16], &[2, 1, 0, 0, 0, 0, 0, 0x80]);
    }
}
