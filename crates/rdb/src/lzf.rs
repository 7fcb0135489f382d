//! LZF, the compression of RDB strings (`0xC3` encoding) and of compressed
//! quicklist nodes: Marc Lehmann's format as in Redis's `lzf_c.c` /
//! `lzf_d.c`.
//!
//! The stream is a sequence of commands, each starting with a control byte:
//! - `000lllll`: a literal run of `l + 1` bytes (1 to 32) that follow;
//! - `LLLooooo oooooooo` (`LLL` from 1 to 6) or `111ooooo llllllll oooooooo`:
//!   copy `L + 2` bytes (3 to 8), or `7 + l + 2` bytes (9 to 264), starting
//!   `o + 1` bytes (1 to 8192) back in the output. Copies may overlap what
//!   they produce.
//!
//! [`compress`] writes valid LZF (any LZF decompressor, Redis's included,
//! reads it) but not necessarily the bytes Redis's compressor would choose.
//! [`decompress`] checks every bound and refuses an expected length the input
//! could not expand to, so a forged length cannot make it allocate.

use crate::error::{LzfError, RdbError};

/// Longest literal run one control byte describes.
const MAX_LITERAL: usize = 32;
/// Back references reach at most this far (13 bits of offset, plus one).
const MAX_DISTANCE: usize = 1 << 13;
/// Shortest copy worth a back reference (it costs 2 bytes).
const MIN_MATCH: usize = 3;
/// Longest copy one back reference describes: 7 + 255 + 2.
const MAX_MATCH: usize = 264;
/// The most output one input byte can stand for: a 3-byte reference copying
/// 264 bytes.
const MAX_EXPANSION: usize = MAX_MATCH / 3;
/// Largest hash table, as a power of two (entries).
const MAX_HASH_LOG: u32 = 14;

/// Compresses `input`, appending to `out`. Returns `false`, with `out` as it
/// was, when the result would not be shorter than `input` (Redis then stores
/// the string raw).
pub fn compress(input: &[u8], out: &mut Vec<u8>) -> bool {
    let start = out.len();
    let compressed = Compressor::new(input, out).run();
    if !compressed {
        out.truncate(start);
    }
    compressed
}

/// The state of one [`compress`] call.
struct Compressor<'a> {
    input: &'a [u8],
    out: &'a mut Vec<u8>,
    /// `out.len()` before this call.
    start: usize,
    /// Position + 1 of the last place each 3-byte hash was seen (0: never).
    table: Vec<usize>,
    hash_shift: u32,
}

impl<'a> Compressor<'a> {
    fn new(input: &'a [u8], out: &'a mut Vec<u8>) -> Self {
        // A table about the size of the input: small strings (most of an
        // RDB) do not pay for zeroing 16K entries.
        let hash_log = input
            .len()
            .max(2)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(8, MAX_HASH_LOG);
        let start = out.len();
        Self {
            input,
            out,
            start,
            table: vec![0; 1 << hash_log],
            hash_shift: 32 - hash_log,
        }
    }

    fn hash(&self, at: usize) -> usize {
        let bytes = &self.input[at..at + MIN_MATCH];
        let key = u32::from(bytes[0]) << 16 | u32::from(bytes[1]) << 8 | u32::from(bytes[2]);
        (key.wrapping_mul(0x9E37_79B1) >> self.hash_shift) as usize
    }

    /// Bytes written so far reach the input's size: compression failed.
    fn too_long(&self) -> bool {
        self.out.len() - self.start >= self.input.len()
    }

    fn run(mut self) -> bool {
        let len = self.input.len();
        let mut at = 0;
        let mut literal_start = 0;
        while at + MIN_MATCH <= len {
            let slot = self.hash(at);
            let candidate = std::mem::replace(&mut self.table[slot], at + 1);
            if let Some(from) = candidate.checked_sub(1)
                && at - from <= MAX_DISTANCE
                && self.input[from..from + MIN_MATCH] == self.input[at..at + MIN_MATCH]
            {
                let limit = MAX_MATCH.min(len - at);
                let mut matched = MIN_MATCH;
                while matched < limit && self.input[from + matched] == self.input[at + matched] {
                    matched += 1;
                }
                self.literals(literal_start, at);
                self.back_reference(at - from - 1, matched);
                for inside in at + 1..(at + matched).min(len - MIN_MATCH + 1) {
                    let slot = self.hash(inside);
                    self.table[slot] = inside + 1;
                }
                at += matched;
                literal_start = at;
                if self.too_long() {
                    return false;
                }
            } else {
                at += 1;
            }
        }
        self.literals(literal_start, len);
        !self.too_long()
    }

    /// Writes `input[from..to]` as literal runs.
    fn literals(&mut self, from: usize, to: usize) {
        for run in self.input[from..to].chunks(MAX_LITERAL) {
            self.out.push((run.len() - 1) as u8);
            self.out.extend_from_slice(run);
        }
    }

    /// Writes a copy of `len` bytes from `distance + 1` bytes back.
    fn back_reference(&mut self, distance: usize, len: usize) {
        let high = (distance >> 8) as u8;
        let low = (distance & 0xFF) as u8;
        let code = len - 2;
        if code < 7 {
            self.out.push(((code as u8) << 5) | high);
        } else {
            self.out.push((7 << 5) | high);
            self.out.push((code - 7) as u8);
        }
        self.out.push(low);
    }
}

/// Decompresses `input`, which must expand to exactly `expected_len` bytes
/// (as Redis's loader requires). Refuses, before allocating, an
/// `expected_len` more than 88 times the input's size (the format's largest
/// expansion); error offsets are positions in `input`.
pub fn decompress(input: &[u8], expected_len: usize) -> Result<Vec<u8>, RdbError> {
    let error = |reason, offset: usize| RdbError::Lzf {
        reason,
        offset: offset as u64,
    };
    if expected_len > input.len().saturating_mul(MAX_EXPANSION) {
        return Err(error(
            LzfError::ImpossibleLength {
                expected: expected_len,
                compressed: input.len(),
            },
            0,
        ));
    }
    let mut out = Vec::with_capacity(expected_len);
    let mut at = 0;
    while let Some(&control) = input.get(at) {
        let command = at;
        at += 1;
        let control = usize::from(control);
        if control < MAX_LITERAL {
            let run = control + 1;
            if out.len() + run > expected_len {
                return Err(error(LzfError::TooLong { expected_len }, command));
            }
            let bytes = input
                .get(at..at + run)
                .ok_or(error(LzfError::Truncated, command))?;
            out.extend_from_slice(bytes);
            at += run;
            continue;
        }
        let mut len = control >> 5;
        if len == 7 {
            let extra = input.get(at).ok_or(error(LzfError::Truncated, command))?;
            len += usize::from(*extra);
            at += 1;
        }
        let low = input.get(at).ok_or(error(LzfError::Truncated, command))?;
        at += 1;
        let distance = ((control & 0x1F) << 8) + usize::from(*low) + 1;
        let len = len + 2;
        if out.len() + len > expected_len {
            return Err(error(LzfError::TooLong { expected_len }, command));
        }
        let Some(from) = out.len().checked_sub(distance) else {
            return Err(error(LzfError::BadReference { distance }, command));
        };
        if distance >= len {
            out.extend_from_within(from..from + len);
        } else {
            // The copy overlaps its own output: byte by byte, as LZF means.
            for index in from..from + len {
                let byte = out[index];
                out.push(byte);
            }
        }
    }
    if out.len() != expected_len {
        return Err(error(
            LzfError::TooShort {
                expected_len,
                actual: out.len(),
            },
            input.len(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    /// Pseudo-random bytes (xorshift), which LZF cannot shrink.
    pub(crate) fn noise(len: usize) -> Vec<u8> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8
            })
            .collect()
    }

    fn roundtrip(input: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![0xAA];
        if !compress(input, &mut out) {
            assert_eq!(out, [0xAA], "a failed compress leaves the buffer alone");
            return None;
        }
        assert_eq!(out[0], 0xAA, "compress appends");
        assert!(out.len() - 1 < input.len());
        Some(decompress(&out[1..], input.len()).expect("own output decompresses"))
    }

    #[test]
    fn compresses_repetitive_text() {
        let input = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".repeat(20);
        let mut out = Vec::new();
        assert!(compress(&input, &mut out));
        assert!(out.len() < 30, "{} bytes", out.len());
        assert_eq!(decompress(&out, input.len()).unwrap(), input);
        let text = b"the quick brown fox jumps over the lazy dog, the quick brown fox".repeat(3);
        assert_eq!(roundtrip(&text), Some(text));
    }

    #[test]
    fn incompressible_input_is_refused() {
        assert_eq!(roundtrip(b""), None);
        assert_eq!(roundtrip(b"abc"), None);
        assert_eq!(roundtrip(&noise(500)), None);
    }

    #[test]
    fn decodes_hand_made_streams() {
        // Literal "ab", then copy 3 from 2 back (overlapping): "ababa".
        assert_eq!(decompress(&[1, b'a', b'b', 0x20, 1], 5).unwrap(), b"ababa");
        // A long copy: 'x' then 7 + 255 + 2 = 264 copies of it.
        let long = decompress(&[0, b'x', 0xE0, 255, 0], 265).unwrap();
        assert_eq!(long, vec![b'x'; 265]);
    }

    #[test]
    fn bad_streams_are_errors() {
        let reason = |input: &[u8], len| match decompress(input, len) {
            Err(RdbError::Lzf { reason, .. }) => reason,
            other => panic!("expected an LZF error, got {other:?}"),
        };
        assert!(matches!(reason(&[2, b'a'], 3), LzfError::Truncated));
        assert!(matches!(reason(&[0, b'a', 0x20], 4), LzfError::Truncated));
        assert!(matches!(reason(&[0, b'a', 0xE0], 200), LzfError::Truncated));
        assert!(matches!(
            reason(&[0, b'a', 0x20, 1], 4),
            LzfError::BadReference { distance: 2 }
        ));
        assert!(matches!(
            reason(&[1, b'a', b'b'], 1),
            LzfError::TooLong { .. }
        ));
        assert!(matches!(
            reason(&[1, b'a', b'b'], 3),
            LzfError::TooShort { actual: 2, .. }
        ));
        assert!(matches!(
            reason(&[0, b'a'], 1 << 40),
            LzfError::ImpossibleLength { .. }
        ));
        // The bound is the format's: 264 bytes from a 3-byte reference is fine.
        assert!(decompress(&[0, b'x', 0xE0, 255, 0], 265).is_ok());
    }

    #[test]
    fn repeated_text_compresses() {
        for piece in [&b"ab"[..], b"hello ", b"0123456789"] {
            let input: Vec<u8> = piece.iter().copied().cycle().take(200).collect();
            let mut out = Vec::new();
            assert!(compress(&input, &mut out), "{piece:?}");
            assert!(
                out.len() < input.len() / 4,
                "{piece:?}: {} bytes",
                out.len()
            );
            assert_eq!(decompress(&out, input.len()).expect("valid"), input);
        }
    }

    proptest! {
        #[test]
        fn roundtrips(input in vec(any::<u8>(), 0..3000)) {
            if let Some(back) = roundtrip(&input) {
                prop_assert_eq!(back, input);
            }
        }

        #[test]
        fn roundtrips_repetitive(
            pieces in vec((vec(0u8..4, 1..12), 1usize..40), 1..20),
        ) {
            let input: Vec<u8> = pieces
                .iter()
                .flat_map(|(piece, times)| piece.repeat(*times))
                .collect();
            if let Some(back) = roundtrip(&input) {
                prop_assert_eq!(back, input);
            }
        }

        // A run of one byte always compresses: it has a single 3-byte sequence, which finds
        // itself. (A longer repeated piece usually compresses too, but not always: when its
        // 3-byte sequences share a hash slot they evict each other and nothing matches, in
        // Redis's LZF as here. `roundtrips_repetitive` covers those inputs' round trip.)
        #[test]
        fn a_run_of_one_byte_always_compresses(byte in any::<u8>(), len in 41usize..2000) {
            let input = vec![byte; len];
            let back = roundtrip(&input);
            prop_assert!(back.is_some(), "{} equal bytes did not compress", input.len());
            prop_assert_eq!(back.unwrap(), input);
        }

        #[test]
        fn random_streams_never_panic(input in vec(any::<u8>(), 0..64), len in 0usize..2000) {
            if let Ok(out) = decompress(&input, len) {
                prop_assert_eq!(out.len(), len);
            }
        }
    }
}
