//! The dense encoding: 16384 registers of 6 bits packed least-significant-bit first
//! (`HLL_DENSE_GET_REGISTER` / `HLL_DENSE_SET_REGISTER`), and its register histogram.
//! Functions take the register bytes (the value after its 16-byte header).

use crate::layout::REGISTER_COUNT;

const REGISTER_MASK: u8 = 0x3f;

/// The register at `index` (< 16384).
pub(crate) fn get(registers: &[u8], index: usize) -> u8 {
    let bit = index * 6;
    let (byte, shift) = (bit / 8, bit % 8);
    let low = u16::from(registers[byte]);
    // Redis reads the byte after the last register too (the string's NUL terminator); it
    // only contributes bits that the mask drops, so a missing byte reads as zero.
    let high = u16::from(registers.get(byte + 1).copied().unwrap_or(0));
    (((low | high << 8) >> shift) as u8) & REGISTER_MASK
}

/// Sets the register at `index` (< 16384) to `value` (< 64).
pub(crate) fn set(registers: &mut [u8], index: usize, value: u8) {
    let bit = index * 6;
    let (byte, shift) = (bit / 8, bit % 8);
    let value = u16::from(value & REGISTER_MASK) << shift;
    let mask = u16::from(REGISTER_MASK) << shift;
    registers[byte] = (registers[byte] & !(mask as u8)) | value as u8;
    if shift > 2 {
        let next = &mut registers[byte + 1];
        *next = (*next & !((mask >> 8) as u8)) | (value >> 8) as u8;
    }
}

/// `hllDenseSet`: raises the register to `count` if it is lower; true if it changed.
pub(crate) fn raise(registers: &mut [u8], index: usize, count: u8) -> bool {
    if count > get(registers, index) {
        set(registers, index, count);
        true
    } else {
        false
    }
}

/// Adds the number of registers holding each value (0..64) to `histogram`.
pub(crate) fn add_histogram(registers: &[u8], histogram: &mut [u64; 64]) {
    for chunk in registers.chunks_exact(3) {
        let (b0, b1, b2) = (chunk[0], chunk[1], chunk[2]);
        histogram[usize::from(b0 & REGISTER_MASK)] += 1;
        histogram[usize::from((b0 >> 6 | b1 << 2) & REGISTER_MASK)] += 1;
        histogram[usize::from((b1 >> 4 | b2 << 4) & REGISTER_MASK)] += 1;
        histogram[usize::from(b2 >> 2)] += 1;
    }
}

/// All registers, one byte each.
pub(crate) fn unpack(registers: &[u8]) -> Vec<u8> {
    (0..REGISTER_COUNT)
        .map(|index| get(registers, index))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::DENSE_REGISTER_BYTES;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Model: a plain array of register values.
        #[test]
        fn registers_behave_like_an_array(
            writes in proptest::collection::vec((0..REGISTER_COUNT, 0u8..64), 0..300)
        ) {
            let mut packed = vec![0u8; DENSE_REGISTER_BYTES];
            let mut model = vec![0u8; REGISTER_COUNT];
            for (index, value) in writes {
                set(&mut packed, index, value);
                model[index] = value;
            }
            prop_assert_eq!(unpack(&packed), model.clone());
            let mut histogram = [0u64; 64];
            add_histogram(&packed, &mut histogram);
            let mut expected = [0u64; 64];
            for value in model {
                expected[usize::from(value)] += 1;
            }
            prop_assert_eq!(histogram, expected);
        }
    }

    #[test]
    fn packing_is_lsb_first() {
        let mut packed = vec![0u8; DENSE_REGISTER_BYTES];
        set(&mut packed, 1, 0x3f);
        assert_eq!(&packed[..2], &[0xc0, 0x0f]);
        set(&mut packed, REGISTER_COUNT - 1, 0x3f);
        assert_eq!(packed[DENSE_REGISTER_BYTES - 1], 0xfc);
        assert!(!raise(&mut packed, 1, 5));
        assert!(raise(&mut packed, 2, 5));
        assert_eq!(get(&packed, 2), 5);
    }
}
