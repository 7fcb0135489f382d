//! The cardinality estimate of Redis 7.0's `hllCount`: Otmar Ertl's improved raw estimator
//! ("New cardinality estimation algorithms for HyperLogLog sketches", arXiv:1702.01284)
//! over the register histogram, with Redis's floating point operations in Redis's order so
//! the results agree to the unit.

use crate::layout::{Q, REGISTER_COUNT};

/// `HLL_ALPHA_INF`, 0.5 / ln 2.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// `hllSigma`.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if previous == z {
            return z;
        }
    }
}

/// `hllTau`. (Redis writes `pow(1 - x, 2)`, which compilers emit as a multiplication.)
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        let d = 1.0 - x;
        z -= d * d * y;
        if previous == z {
            return z / 3.0;
        }
    }
}

/// The estimate from the histogram of register values, as the `uint64_t` Redis computes.
///
/// Redis rounds with `llroundl` and converts through a double: when the estimate does not
/// fit a signed 64-bit integer (only possible with forged registers: all at 51, say),
/// x86-64 gives 2^63, which Redis then replies as `-9223372036854775808` and caches with
/// the "stale" bit set. We reproduce that value.
pub(crate) fn estimate(histogram: &[u64; 64]) -> u64 {
    let m = REGISTER_COUNT as f64;
    let mut z = m * tau((m - histogram[Q + 1] as f64) / m);
    for j in (1..=Q).rev() {
        z += histogram[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histogram[0] as f64 / m);
    let rounded = (ALPHA_INF * m * m / z).round();
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if (0.0..LIMIT).contains(&rounded) {
        rounded as u64
    } else {
        1 << 63
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_histogram_estimates_zero() {
        let mut histogram = [0u64; 64];
        histogram[0] = REGISTER_COUNT as u64;
        assert_eq!(estimate(&histogram), 0);
    }

    #[test]
    fn one_register_at_one_estimates_one() {
        let mut histogram = [0u64; 64];
        histogram[0] = REGISTER_COUNT as u64 - 1;
        histogram[1] = 1;
        assert_eq!(estimate(&histogram), 1);
    }

    #[test]
    fn forged_saturated_registers_give_two_to_the_63() {
        let mut histogram = [0u64; 64];
        histogram[Q + 1] = REGISTER_COUNT as u64;
        assert_eq!(estimate(&histogram), 1 << 63);
    }
}
