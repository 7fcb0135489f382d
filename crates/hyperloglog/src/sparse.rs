//! The sparse encoding: a run-length sequence of opcodes after the header.
//!
//! ```text
//! ZERO   00xxxxxx           1..=64 registers at 0
//! XZERO  01xxxxxx yyyyyyyy  1..=16384 registers at 0
//! VAL    1vvvvvxx           1..=4 registers at value 1..=32
//! ```
//!
//! Every function here mirrors one of Redis 7.0's, including how each one treats a sequence
//! that does not add up to 16384 registers, so that foreign strings give the same replies.
//! Nothing here indexes out of bounds whatever the bytes.
//!
//! One corner of corrupt values needs care: when the last byte is the first half of an
//! XZERO opcode, Redis reads the byte just past the string, normally the SDS NUL
//! terminator (0). Splitting such a truncated opcode makes Redis write its last new byte
//! there, and the operations that follow in the same command read it back. We carry that
//! byte (`past_end`) through a command, starting from 0; Redis keeps it in memory across
//! commands too (until the string is copied or reloaded), which we do not model.

use crate::dense;
use crate::layout::{self, DENSE_LEN, Encoding, HEADER_LEN, REGISTER_COUNT};

/// Largest value a VAL opcode can hold (`HLL_SPARSE_VAL_MAX_VALUE`).
const VAL_MAX_VALUE: u8 = 32;
/// Longest run of a VAL opcode (`HLL_SPARSE_VAL_MAX_LEN`).
const VAL_MAX_LEN: usize = 4;
/// Longest run of a ZERO opcode (`HLL_SPARSE_ZERO_MAX_LEN`).
const ZERO_MAX_LEN: usize = 64;
/// Longest run of an XZERO opcode (`HLL_SPARSE_XZERO_MAX_LEN`).
const XZERO_MAX_LEN: usize = 16384;

/// The sparse sequence does not describe exactly 16384 registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Corrupted;

/// One decoded opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Zero(usize),
    XZero(usize),
    Val { value: u8, len: usize },
}

fn is_zero(byte: u8) -> bool {
    byte & 0xc0 == 0
}

fn is_xzero(byte: u8) -> bool {
    byte & 0xc0 == 0x40
}

fn is_val(byte: u8) -> bool {
    byte & 0x80 != 0
}

fn val_value(byte: u8) -> u8 {
    ((byte >> 2) & 0x1f) + 1
}

fn val_len(byte: u8) -> usize {
    usize::from(byte & 0x3) + 1
}

fn val_byte(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len - 1) as u8
}

fn zero_byte(len: usize) -> u8 {
    (len - 1) as u8
}

fn xzero_bytes(len: usize) -> [u8; 2] {
    let len = len - 1;
    [0x40 | (len >> 8) as u8, (len & 0xff) as u8]
}

/// Decodes the opcode at `at` (< `value.len()`) and its length in bytes; `past_end` is the
/// byte Redis would read after the string.
fn op_at(value: &[u8], at: usize, past_end: u8) -> (Op, usize) {
    let byte = value[at];
    if is_zero(byte) {
        (Op::Zero(usize::from(byte & 0x3f) + 1), 1)
    } else if is_xzero(byte) {
        let low = value.get(at + 1).copied().unwrap_or(past_end);
        (
            Op::XZero((usize::from(byte & 0x3f) << 8 | usize::from(low)) + 1),
            2,
        )
    } else {
        (
            Op::Val {
                value: val_value(byte),
                len: val_len(byte),
            },
            1,
        )
    }
}

/// The opcodes of a sparse value, in order.
fn ops(value: &[u8], past_end: u8) -> impl Iterator<Item = Op> + '_ {
    let mut at = HEADER_LEN;
    std::iter::from_fn(move || {
        if at >= value.len() {
            return None;
        }
        let (op, len) = op_at(value, at, past_end);
        at += len;
        Some(op)
    })
}

/// The sparse value, registers created empty: a header and XZERO opcodes covering all
/// registers (`createHLLObject`). The cached cardinality is 0 and valid.
pub(crate) fn empty() -> Vec<u8> {
    let mut value = Vec::with_capacity(HEADER_LEN + 2);
    value.extend_from_slice(b"HYLL");
    value.resize(HEADER_LEN, 0);
    layout::set_encoding(&mut value, Encoding::Sparse);
    let mut left = REGISTER_COUNT;
    while left > 0 {
        let run = left.min(XZERO_MAX_LEN);
        value.extend_from_slice(&xzero_bytes(run));
        left -= run;
    }
    value
}

/// Calls `visit(index, value)` for every register a VAL opcode sets, the way
/// `hllSparseToDense` and `hllMerge` walk the sequence. The sequence is valid only if its
/// runs add up to exactly 16384 registers; an opcode that would pass the end stops the walk
/// as corrupt. (That is Redis 7.0.15 with the CVE-2025-32023 fix, as Debian ships it; the
/// original 7.0 stopped silently at a VAL run passing the end and could accept the value.)
fn for_each_set_register(
    value: &[u8],
    past_end: u8,
    mut visit: impl FnMut(usize, u8),
) -> Result<(), Corrupted> {
    let mut index = 0usize;
    for op in ops(value, past_end) {
        let (len, register) = match op {
            Op::Zero(len) | Op::XZero(len) => (len, 0),
            Op::Val { value, len } => (len, value),
        };
        if index + len > REGISTER_COUNT {
            return Err(Corrupted);
        }
        if register != 0 {
            for index in index..index + len {
                visit(index, register);
            }
        }
        index += len;
    }
    if index == REGISTER_COUNT {
        Ok(())
    } else {
        Err(Corrupted)
    }
}

/// `hllSparseToDense`: rewrites a sparse value as dense, keeping the 16-byte header except
/// the encoding byte. A dense value is left alone. On error the value is unchanged.
pub(crate) fn to_dense(value: &mut Vec<u8>, past_end: u8) -> Result<(), Corrupted> {
    if layout::current_encoding(value) == Encoding::Dense {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_LEN];
    dense[..HEADER_LEN].copy_from_slice(&value[..HEADER_LEN]);
    layout::set_encoding(&mut dense, Encoding::Dense);
    let registers = &mut dense[HEADER_LEN..];
    for_each_set_register(value, past_end, |index, register| {
        dense::set(registers, index, register)
    })?;
    *value = dense;
    Ok(())
}

/// `hllMerge` for a sparse value: `max[i] = max(max[i], register i)`. On error `max` may
/// already be partly updated, as in Redis (the command fails anyway).
pub(crate) fn merge_into(value: &[u8], max: &mut [u8]) -> Result<(), Corrupted> {
    for_each_set_register(value, 0, |index, register| {
        if register > max[index] {
            max[index] = register;
        }
    })
}

/// `hllSparseRegHisto`: adds the register histogram; valid under the same rule as
/// [`for_each_set_register`].
pub(crate) fn add_histogram(value: &[u8], histogram: &mut [u64; 64]) -> Result<(), Corrupted> {
    let mut index = 0usize;
    for op in ops(value, 0) {
        let (bucket, len) = match op {
            Op::Zero(len) | Op::XZero(len) => (0, len),
            Op::Val { value, len } => (usize::from(value), len),
        };
        if index + len > REGISTER_COUNT {
            return Err(Corrupted);
        }
        index += len;
        histogram[bucket] += len as u64;
    }
    if index == REGISTER_COUNT {
        Ok(())
    } else {
        Err(Corrupted)
    }
}

/// PFDEBUG DECODE's text: `z:N` / `Z:N` / `v:VALUE,N` separated by spaces.
pub(crate) fn describe(value: &[u8]) -> String {
    let words: Vec<String> = ops(value, 0)
        .map(|op| match op {
            Op::Zero(len) => format!("z:{len}"),
            Op::XZero(len) => format!("Z:{len}"),
            Op::Val { value, len } => format!("v:{value},{len}"),
        })
        .collect();
    words.join(" ")
}

/// `hllSparseSet`: raises register `index` to `count` if it is lower, splitting the opcode
/// that covers it in place, then merging equal neighbouring VAL opcodes within Redis's
/// five-opcode window. Promotes the value to dense (as Redis does) when `count` exceeds 32
/// or when the split would make the string longer than `sparse_max_bytes`.
///
/// Returns whether the register changed. On `Err` the value is unchanged. `past_end` is the
/// byte Redis would find after the string (see the module documentation), updated here.
pub(crate) fn raise(
    value: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max_bytes: usize,
    past_end: &mut u8,
) -> Result<bool, Corrupted> {
    if count > VAL_MAX_VALUE {
        return promote_and_raise(value, index, count, *past_end);
    }

    // Step 1: find the opcode covering `index`.
    let end = value.len();
    let mut at = HEADER_LEN;
    let mut first = 0usize;
    let mut prev = None;
    let mut span = 0usize;
    while at < end {
        let (op, op_len) = op_at(value, at, *past_end);
        span = match op {
            Op::Zero(len) | Op::XZero(len) | Op::Val { len, .. } => len,
        };
        if index < first + span {
            break;
        }
        prev = Some(at);
        at += op_len;
        first += span;
    }
    if span == 0 || at >= end {
        return Err(Corrupted);
    }
    let (op, old_len) = op_at(value, at, *past_end);

    // Step 2: the cases that rewrite one byte in place.
    match op {
        Op::Val { value: old, len } => {
            if old >= count {
                return Ok(false);
            }
            if len == 1 {
                value[at] = val_byte(count, 1);
                merge_neighbours(value, prev, past_end);
                return Ok(true);
            }
        }
        Op::Zero(1) => {
            value[at] = val_byte(count, 1);
            merge_neighbours(value, prev, past_end);
            return Ok(true);
        }
        Op::Zero(_) | Op::XZero(_) => {}
    }

    // General case: split the opcode into up to three (at most 5 bytes).
    let last = first + span - 1;
    let mut sequence = Vec::with_capacity(5);
    match op {
        Op::Zero(_) | Op::XZero(_) => {
            let zeros = |sequence: &mut Vec<u8>, len: usize| {
                if len > ZERO_MAX_LEN {
                    sequence.extend_from_slice(&xzero_bytes(len));
                } else {
                    sequence.push(zero_byte(len));
                }
            };
            if index != first {
                zeros(&mut sequence, index - first);
            }
            sequence.push(val_byte(count, 1));
            if index != last {
                zeros(&mut sequence, last - index);
            }
        }
        Op::Val { value: current, .. } => {
            if index != first {
                sequence.push(val_byte(current, index - first));
            }
            sequence.push(val_byte(count, 1));
            if index != last {
                sequence.push(val_byte(current, last - index));
            }
        }
    }

    // Step 3: substitute the sequence, unless the string would grow past the limit.
    let new_len = (end + sequence.len())
        .checked_sub(old_len)
        .ok_or(Corrupted)?;
    if new_len > end && new_len > sparse_max_bytes {
        return promote_and_raise(value, index, count, *past_end);
    }
    // Redis writes the sequence over the old opcode and sets the new length. A truncated
    // XZERO ended one byte past the string, so the sequence does too: its last byte lands
    // past the new end, where the next read of "the byte after the string" finds it.
    let last_byte = sequence.last().copied().unwrap_or(0);
    let truncated = at + old_len > end;
    value.splice(at..(at + old_len).min(end), sequence);
    value.truncate(new_len);
    *past_end = if truncated { last_byte } else { 0 };
    merge_neighbours(value, prev, past_end);
    Ok(true)
}

/// Step 4 of `hllSparseSet`: starting at the opcode before the changed one (or the first),
/// scan up to five opcodes and merge adjacent VAL opcodes with the same value whose runs
/// fit in one opcode. Then marks the cached cardinality stale.
fn merge_neighbours(value: &mut Vec<u8>, prev: Option<usize>, past_end: &mut u8) {
    let mut at = prev.unwrap_or(HEADER_LEN);
    let mut scans_left = 5;
    while at < value.len() && scans_left > 0 {
        scans_left -= 1;
        let byte = value[at];
        if is_xzero(byte) {
            at += 2;
            continue;
        }
        if is_zero(byte) {
            at += 1;
            continue;
        }
        if let Some(&next) = value.get(at + 1)
            && is_val(next)
            && val_value(byte) == val_value(next)
        {
            let len = val_len(byte) + val_len(next);
            if len <= VAL_MAX_LEN {
                value[at + 1] = val_byte(val_value(byte), len);
                value.remove(at);
                // Redis shifts the terminator down with the rest, then writes a new one.
                *past_end = 0;
                // Retry at the same place: the merged opcode may merge with its right.
                continue;
            }
        }
        at += 1;
    }
    layout::invalidate_cache(value);
}

/// The `promote:` path of `hllSparseSet`: convert to dense, then raise the register there.
fn promote_and_raise(
    value: &mut Vec<u8>,
    index: usize,
    count: u8,
    past_end: u8,
) -> Result<bool, Corrupted> {
    to_dense(value, past_end)?;
    Ok(dense::raise(&mut value[HEADER_LEN..], index, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registers_of(value: &[u8]) -> Vec<u8> {
        let mut max = vec![0u8; REGISTER_COUNT];
        assert_eq!(merge_into(value, &mut max), Ok(()));
        max
    }

    #[test]
    fn empty_value_is_two_xzero_bytes() {
        let value = empty();
        assert_eq!(&value[..HEADER_LEN], b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0");
        assert_eq!(&value[HEADER_LEN..], &[0x7f, 0xff]);
        assert_eq!(describe(&value), "Z:16384");
    }

    #[test]
    fn splitting_an_xzero_gives_xzero_val_xzero() {
        let mut value = empty();
        assert_eq!(raise(&mut value, 1000, 3, 3000, &mut 0), Ok(true));
        assert_eq!(describe(&value), "Z:1000 v:3,1 Z:15383");
        assert_eq!(raise(&mut value, 1000, 2, 3000, &mut 0), Ok(false));
        assert_eq!(raise(&mut value, 1001, 3, 3000, &mut 0), Ok(true));
        assert_eq!(describe(&value), "Z:1000 v:3,2 Z:15382");
        assert_eq!(raise(&mut value, 0, 1, 3000, &mut 0), Ok(true));
        assert_eq!(describe(&value), "v:1,1 Z:999 v:3,2 Z:15382");
        assert_eq!(raise(&mut value, 1063, 1, 3000, &mut 0), Ok(true));
        assert_eq!(describe(&value), "v:1,1 Z:999 v:3,2 z:61 v:1,1 Z:15320");
        assert_eq!(value[15] & 0x80, 0x80, "cache marked stale");
    }

    #[test]
    fn large_count_promotes_to_dense() {
        let mut value = empty();
        assert_eq!(raise(&mut value, 5, 40, 3000, &mut 0), Ok(true));
        assert_eq!(value.len(), DENSE_LEN);
        assert_eq!(layout::current_encoding(&value), Encoding::Dense);
        assert_eq!(dense::get(&value[HEADER_LEN..], 5), 40);
    }

    #[test]
    fn growth_past_the_limit_promotes() {
        let mut value = empty();
        assert_eq!(raise(&mut value, 100, 1, 20, &mut 0), Ok(true));
        assert_eq!(value.len(), DENSE_LEN, "18 + 3 bytes > 20");
        let mut value = empty();
        assert_eq!(raise(&mut value, 100, 1, 21, &mut 0), Ok(true));
        assert_eq!(value.len(), 21);
        assert_eq!(raise(&mut value, 200, 1, 21, &mut 0), Ok(true));
        assert_eq!(value.len(), DENSE_LEN);
        let registers = dense::unpack(&value[HEADER_LEN..]);
        assert_eq!((registers[100], registers[200]), (1, 1));
    }

    #[test]
    fn short_sequences_are_corrupt() {
        let mut value = empty();
        value.truncate(HEADER_LEN);
        assert_eq!(raise(&mut value, 0, 1, 3000, &mut 0), Err(Corrupted));
        let mut histogram = [0u64; 64];
        assert_eq!(add_histogram(&value, &mut histogram), Err(Corrupted));
        value.push(zero_byte(64));
        assert_eq!(raise(&mut value, 100, 1, 3000, &mut 0), Err(Corrupted));
        assert_eq!(to_dense(&mut value, 0), Err(Corrupted));
    }

    #[test]
    fn a_truncated_xzero_reads_the_terminator_as_zero() {
        // XZERO(255) then a lone 0x7f: 0x3f00 + 1 = 16129 registers, 16384 in all.
        let mut value = empty();
        value.truncate(HEADER_LEN);
        value.extend_from_slice(&xzero_bytes(255));
        value.push(0x7f);
        assert_eq!(registers_of(&value), vec![0u8; REGISTER_COUNT]);
        assert_eq!(describe(&value), "Z:255 Z:16129");
        // Splitting it: XZERO(16128) VAL(2) replaces the truncated opcode; the VAL byte
        // falls past the new end, where the next split of this command reads it.
        let mut past_end = 0;
        assert_eq!(raise(&mut value, 16383, 2, 3000, &mut past_end), Ok(true));
        assert_eq!(describe(&value), "Z:255 Z:16128");
        assert_eq!(past_end, val_byte(2, 1));
    }
}
