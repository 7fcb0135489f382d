//! Values and replies captured from a real Redis: Debian's redis-server 7.0.15, started with
//! `redis-server --port 17150 --save '' --daemonize yes`, driven by `capture_vectors.py`
//! (beside this file), which prints every expected value below. Elements are `elem:N`.
//! Big values are compared by length and FNV-1a 64 hash; small ones byte for byte.

use hyperloglog::{
    DEFAULT_SPARSE_MAX_BYTES, Encoding, RegisterUnion, encoding_of, pfadd, pfadd_new, pfcount,
};

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap_or_default())
        .collect()
}

fn elements(range: std::ops::Range<u32>) -> Vec<Vec<u8>> {
    range.map(|n| format!("elem:{n}").into_bytes()).collect()
}

/// PFADD `range` in commands of `batch` elements, creating the key with the first one.
fn build(range: std::ops::Range<u32>, batch: usize, sparse_max_bytes: usize) -> Vec<u8> {
    let all = elements(range);
    let mut chunks = all.chunks(batch);
    let mut value = pfadd_new(chunks.next().unwrap_or_default(), sparse_max_bytes);
    for chunk in chunks {
        assert!(pfadd(&mut value, chunk, sparse_max_bytes).is_ok());
    }
    value
}

fn summary(value: &[u8]) -> (usize, u64) {
    (value.len(), fnv1a(value))
}

fn union(values: &[&[u8]]) -> RegisterUnion {
    let mut union = RegisterUnion::new();
    for value in values {
        assert_eq!(union.merge(value), Ok(()));
    }
    union
}

const MAX: usize = DEFAULT_SPARSE_MAX_BYTES;

#[test]
fn small_sparse_value_and_its_cached_count() {
    let mut h10 = build(0..10, 10, MAX);
    let expected = "48594c4c01000000000000000000008044bc8408844edc84477d8c4522884e22804565\
                    8040a58c470c80420e804266";
    assert_eq!(h10, hex(expected));
    let count = pfcount(&mut h10).unwrap();
    assert_eq!((count.reply, count.cache_rewritten), (10, true));
    assert_eq!(&h10[8..16], &[10, 0, 0, 0, 0, 0, 0, 0]);
    assert!(!pfcount(&mut h10).unwrap().cache_rewritten);
}

#[test]
fn larger_values_counts_and_unions() {
    let mut h1000 = build(0..1000, 100, MAX);
    assert_eq!(encoding_of(&h1000), Ok(Encoding::Sparse));
    assert_eq!(summary(&h1000), (1913, 0x951b_49e4_092f_e72f));
    let mut h100000 = build(0..100_000, 1000, MAX);
    assert_eq!(summary(&h100000), (12304, 0xa27c_89bd_f140_b344));
    let h10 = build(0..10, 10, MAX);
    let h500 = build(500..1500, 250, MAX);
    assert_eq!(union(&[&h10, &h1000, &h100000]).pfcount(), 99904);
    assert_eq!(union(&[&h1000, &h500]).pfcount(), 1504);
    assert_eq!(pfcount(&mut h1000).unwrap().reply, 1005);
    assert_eq!(pfcount(&mut h100000).unwrap().reply, 99904);
}

#[test]
fn pfmerge_results() {
    let h10 = build(0..10, 10, MAX);
    let h1000 = build(0..1000, 100, MAX);
    let h500 = build(500..1500, 250, MAX);
    let h100000 = build(0..100_000, 1000, MAX);

    let mut merged = hyperloglog::empty_hll();
    union(&[&h10, &h1000, &h500])
        .pfmerge_into(&mut merged, MAX)
        .unwrap();
    assert_eq!(summary(&merged), (2739, 0x70e6_7db6_5100_6234));

    let mut merged = hyperloglog::empty_hll();
    union(&[&h10, &h100000])
        .pfmerge_into(&mut merged, MAX)
        .unwrap();
    assert_eq!(summary(&merged), (12304, 0xa27c_89bd_f140_b344));

    // PFMERGE h10 h1000 after a PFCOUNT h10: the destination is merged first, then
    // written in place; the stale flag is set over the cached 10, which stays.
    let mut destination = h10.clone();
    pfcount(&mut destination).unwrap();
    union(&[&h10, &h1000])
        .pfmerge_into(&mut destination, MAX)
        .unwrap();
    assert_eq!(summary(&destination), (1913, 0x522d_fbe4_564c_a339));
    assert_eq!(&destination[8..16], &[10, 0, 0, 0, 0, 0, 0, 0x80]);
}

#[test]
fn binary_elements() {
    let mut binary: Vec<Vec<u8>> = (0..=255u8).map(|byte| vec![byte]).collect();
    binary.push(Vec::new());
    assert_eq!(
        summary(&pfadd_new(&binary, MAX)),
        (616, 0x0256_2ceb_3d23_732b)
    );
}

#[test]
fn promotion_by_size() {
    assert_eq!(
        summary(&build(0..40, 1, 100)),
        (12304, 0xcad3_e788_7d99_bf91)
    );
}

#[test]
fn forged_registers_overflow_the_estimate_like_redis() {
    let packed: u32 = 51 | 51 << 6 | 51 << 12 | 51 << 18;
    let mut forged = b"HYLL".to_vec();
    forged.extend_from_slice(&[0; 11]);
    forged.push(0x80);
    for _ in 0..4096 {
        forged.extend_from_slice(&packed.to_le_bytes()[..3]);
    }
    let count = pfcount(&mut forged).unwrap();
    assert_eq!(count.reply, i64::MIN);
    assert_eq!(&forged[..16], &hex("48594c4c000000000000000000000080")[..]);
}
