//! PFSELFTEST: Redis's built-in self-test of the register access and of the estimator,
//! run over our implementation. Redis draws its random values from `rand()`; we take a
//! seed so that a run can be repeated.

use crate::dense;
use crate::estimate::estimate;
use crate::layout::{self, DENSE_REGISTER_BYTES, Encoding, HEADER_LEN, REGISTER_COUNT};
use crate::{HllError, commands};

/// Register fill-and-check rounds of the first test (`HLL_TEST_CYCLES`).
const REGISTER_CYCLES: usize = 1000;
/// Elements added by the second test.
const ELEMENTS: u64 = 10_000_000;

/// PFSELFTEST: reply OK, or the TESTFAILED error. Takes about a second in an optimized
/// build, as in Redis. `sparse_max_bytes` is `hll-sparse-max-bytes` (the test checks that
/// small cardinalities stay sparse).
pub fn pfselftest(seed: u64, sparse_max_bytes: usize) -> Result<(), HllError> {
    self_test(seed, sparse_max_bytes, REGISTER_CYCLES, ELEMENTS)
}

/// xorshift64*, standing in for `rand()`.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn failed(text: String) -> HllError {
    HllError::SelfTestFailed(text)
}

fn self_test(
    seed: u64,
    sparse_max_bytes: usize,
    cycles: usize,
    elements: u64,
) -> Result<(), HllError> {
    let mut random = Random(seed | 1);
    // Test 1: every register keeps its value and leaves its neighbours alone.
    let mut packed = vec![0u8; DENSE_REGISTER_BYTES];
    let mut expected = vec![0u8; REGISTER_COUNT];
    for _ in 0..cycles {
        for (index, slot) in expected.iter_mut().enumerate() {
            *slot = (random.next() & 63) as u8;
            dense::set(&mut packed, index, *slot);
        }
        for (index, &value) in expected.iter().enumerate() {
            let found = dense::get(&packed, index);
            if found != value {
                return Err(failed(format!(
                    "Register {index} should be {value} but is {found}"
                )));
            }
        }
    }

    // Test 2: a dense and a sparse HyperLogLog fed the same elements agree with each
    // other and stay within six standard errors of the truth at every power of ten.
    let mut dense_value = vec![0u8; layout::DENSE_LEN];
    dense_value[..4].copy_from_slice(b"HYLL");
    let mut sparse_value = commands::empty_hll();
    let relative_error = 1.04 / (REGISTER_COUNT as f64).sqrt();
    let base = random.next();
    let mut checkpoint = 1u64;
    for j in 1..=elements {
        let element = (j ^ base).to_le_bytes();
        commands::pfadd(&mut dense_value, [element], sparse_max_bytes)?;
        commands::pfadd(&mut sparse_value, [element], sparse_max_bytes)?;
        if j != checkpoint {
            continue;
        }
        if (j as usize) < sparse_max_bytes / 2
            && layout::current_encoding(&sparse_value) != Encoding::Sparse
        {
            return Err(failed("sparse encoding not used".into()));
        }
        let dense_count = count(&dense_value)?;
        if dense_count != count(&sparse_value)? {
            return Err(failed("dense/sparse disagree".into()));
        }
        let error = checkpoint.abs_diff(dense_count);
        let max_error = if j == 10 {
            1
        } else {
            (relative_error * 6.0 * checkpoint as f64).ceil() as u64
        };
        if error > max_error {
            return Err(failed(format!(
                "Too big error. card:{checkpoint} abserr:{error}"
            )));
        }
        checkpoint *= 10;
    }
    Ok(())
}

fn count(value: &[u8]) -> Result<u64, HllError> {
    let mut histogram = [0u64; 64];
    match layout::current_encoding(value) {
        Encoding::Dense => dense::add_histogram(&value[HEADER_LEN..], &mut histogram),
        Encoding::Sparse => {
            crate::sparse::add_histogram(value, &mut histogram).map_err(|_| HllError::Corrupted)?
        }
    }
    Ok(estimate(&histogram))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortened_self_test_passes() {
        assert_eq!(self_test(7, 3000, 3, 20_000), Ok(()));
    }

    #[test]
    fn a_lie_is_caught() {
        // 20 bytes leave no room for one VAL opcode (18 + 3): the first element promotes
        // to dense while the test expects small cardinalities to stay sparse.
        assert_eq!(
            self_test(7, 20, 1, 10),
            Err(HllError::SelfTestFailed("sparse encoding not used".into()))
        );
    }
}
