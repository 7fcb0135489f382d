//! The HyperLogLog commands over string values: PFADD, PFCOUNT (one key, with the cached
//! cardinality; several keys, through [`RegisterUnion`]), PFMERGE and PFDEBUG.
//!
//! The caller owns the keyspace: it looks keys up, replies WRONGTYPE for keys that are not
//! strings, stores created values, and marks keys modified when told to.

use crate::HllError;
use crate::dense;
use crate::estimate::estimate;
use crate::layout::{self, Encoding, HEADER_LEN, REGISTER_COUNT};
use crate::sparse;

/// Redis's default `hll-sparse-max-bytes`: above this a sparse value is promoted to dense.
pub const DEFAULT_SPARSE_MAX_BYTES: usize = 3000;

/// An empty HyperLogLog as Redis creates it (`createHLLObject`): sparse, all registers 0,
/// cached cardinality 0. PFMERGE writes into this when its destination does not exist.
pub fn empty_hll() -> Vec<u8> {
    sparse::empty()
}

fn add_all<I>(value: &mut Vec<u8>, elements: I, sparse_max_bytes: usize) -> Result<bool, HllError>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut updated = false;
    let mut past_end = 0;
    for element in elements {
        let (index, count) = crate::hash::register_and_run(element.as_ref());
        let changed = match layout::current_encoding(value) {
            Encoding::Dense => dense::raise(&mut value[HEADER_LEN..], index, count),
            Encoding::Sparse => sparse::raise(value, index, count, sparse_max_bytes, &mut past_end)
                .map_err(|_| HllError::Corrupted)?,
        };
        updated |= changed;
    }
    Ok(updated)
}

/// PFADD on an existing string: checks that it is a HyperLogLog, adds the elements in
/// order (promoting to dense as Redis does), and marks the cached cardinality stale if a
/// register changed. Returns whether one did: reply 1 and mark the key modified, else 0.
///
/// On [`HllError::Corrupted`] the registers raised before the corruption was found stay
/// raised, exactly as in Redis (which then replies the error without marking the key).
pub fn pfadd<I>(value: &mut Vec<u8>, elements: I, sparse_max_bytes: usize) -> Result<bool, HllError>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    layout::encoding_of(value)?;
    let updated = add_all(value, elements, sparse_max_bytes)?;
    if updated {
        layout::invalidate_cache(value);
    }
    Ok(updated)
}

/// PFADD on a key that does not exist: the new value to store. The reply is always 1.
pub fn pfadd_new<I>(elements: I, sparse_max_bytes: usize) -> Vec<u8>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut value = sparse::empty();
    // A value built here is a well-formed sparse sequence, which `add_all` cannot find
    // corrupted; were it to, the registers added so far are kept, as Redis would.
    let _ = add_all(&mut value, elements, sparse_max_bytes);
    layout::invalidate_cache(&mut value);
    value
}

/// The result of PFCOUNT on one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cardinality {
    /// The integer to reply: the estimate as Redis's `addReplyLongLong` prints it.
    pub reply: i64,
    /// The cached cardinality was stale and has been recomputed and written into the value.
    /// Redis then marks the key modified and counts a change (the write is propagated).
    pub cache_rewritten: bool,
}

/// PFCOUNT of a single existing key: the cached cardinality if it is valid, otherwise the
/// estimate, which is then cached in the value's header.
pub fn pfcount(value: &mut [u8]) -> Result<Cardinality, HllError> {
    let encoding = layout::encoding_of(value)?;
    if let Some(cached) = layout::cached_cardinality(value) {
        return Ok(Cardinality {
            reply: cached as i64,
            cache_rewritten: false,
        });
    }
    let mut histogram = [0u64; 64];
    match encoding {
        Encoding::Dense => dense::add_histogram(&value[HEADER_LEN..], &mut histogram),
        Encoding::Sparse => {
            sparse::add_histogram(value, &mut histogram).map_err(|_| HllError::Corrupted)?
        }
    }
    let cardinality = estimate(&histogram);
    layout::store_cardinality(value, cardinality);
    Ok(Cardinality {
        reply: cardinality as i64,
        cache_rewritten: true,
    })
}

/// The register-wise maximum of several HyperLogLogs: PFCOUNT of several keys and PFMERGE.
///
/// Feed it every existing key in command order with [`RegisterUnion::merge`] (missing keys
/// count as empty and are skipped; keys that are not strings are the caller's WRONGTYPE, at
/// their place in the order), then read [`RegisterUnion::pfcount`] or write with
/// [`RegisterUnion::pfmerge_into`].
#[derive(Debug, Clone)]
pub struct RegisterUnion {
    registers: Box<[u8; REGISTER_COUNT]>,
    saw_dense: bool,
}

impl Default for RegisterUnion {
    fn default() -> Self {
        RegisterUnion {
            registers: Box::new([0; REGISTER_COUNT]),
            saw_dense: false,
        }
    }
}

impl RegisterUnion {
    /// An empty union (all registers 0).
    pub fn new() -> RegisterUnion {
        RegisterUnion::default()
    }

    /// Merges one string value (`isHLLObjectOrReply` then `hllMerge`).
    pub fn merge(&mut self, value: &[u8]) -> Result<(), HllError> {
        match layout::encoding_of(value)? {
            Encoding::Dense => {
                self.saw_dense = true;
                let registers = &value[HEADER_LEN..];
                for (index, max) in self.registers.iter_mut().enumerate() {
                    let register = dense::get(registers, index);
                    if register > *max {
                        *max = register;
                    }
                }
                Ok(())
            }
            Encoding::Sparse => {
                sparse::merge_into(value, &mut self.registers[..]).map_err(|_| HllError::Corrupted)
            }
        }
    }

    /// PFCOUNT of several keys: the estimate of the union, nothing cached.
    pub fn pfcount(&self) -> i64 {
        let mut histogram = [0u64; 64];
        for &register in self.registers.iter() {
            histogram[usize::from(register)] += 1;
        }
        estimate(&histogram) as i64
    }

    /// PFMERGE: writes the union into the destination's value, which must have been merged
    /// first (Redis merges `PFMERGE dest src...` from `dest` on); pass [`empty_hll`] when
    /// the destination does not exist, and store it. As in Redis 7.0 the destination is
    /// converted to dense if any merged value was dense; otherwise the registers are set
    /// one by one in the sparse encoding, which promotes it past `sparse_max_bytes` or a
    /// value above 32. The cached cardinality is marked stale. Reply OK, mark the key
    /// modified.
    pub fn pfmerge_into(
        &self,
        dest: &mut Vec<u8>,
        sparse_max_bytes: usize,
    ) -> Result<(), HllError> {
        if self.saw_dense {
            sparse::to_dense(dest, 0).map_err(|_| HllError::Corrupted)?;
        }
        let mut past_end = 0;
        for (index, &register) in self.registers.iter().enumerate() {
            if register == 0 {
                continue;
            }
            match layout::current_encoding(dest) {
                Encoding::Dense => {
                    dense::raise(&mut dest[HEADER_LEN..], index, register);
                }
                Encoding::Sparse => {
                    // Redis ignores the result here: a destination it merged cleanly
                    // cannot be corrupt.
                    let _ = sparse::raise(dest, index, register, sparse_max_bytes, &mut past_end);
                }
            }
        }
        layout::invalidate_cache(dest);
        Ok(())
    }
}

/// What a PFDEBUG subcommand replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PfDebugReply {
    /// GETREG: the 16384 register values (an array of integers).
    Registers(Vec<u8>),
    /// DECODE: the sparse opcodes as text (a bulk string).
    Decoded(String),
    /// ENCODING: a status reply, [`Encoding::as_str`].
    Encoding(Encoding),
    /// TODENSE: 1 if the value was converted, 0 if it was already dense.
    Converted(bool),
}

/// The result of a PFDEBUG command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PfDebug {
    /// What to reply.
    pub reply: PfDebugReply,
    /// The value was converted to dense (GETREG, TODENSE): Redis counts a change so that it
    /// propagates, without signalling the key as modified.
    pub converted: bool,
}

/// `PFDEBUG <subcommand> <key>` (the command's arity is exactly 3), in Redis's order of
/// checks: the key must exist (`value` is `None` otherwise; a non-string is the caller's
/// WRONGTYPE), be a HyperLogLog, then the subcommand must be GETREG, DECODE, ENCODING or
/// TODENSE (any case). GETREG and TODENSE convert a sparse value to dense in place.
pub fn pfdebug(subcommand: &[u8], value: Option<&mut Vec<u8>>) -> Result<PfDebug, HllError> {
    let value = value.ok_or(HllError::DebugNoSuchKey)?;
    let encoding = layout::encoding_of(value)?;
    let lower = subcommand.to_ascii_lowercase();
    if !matches!(
        lower.as_slice(),
        b"getreg" | b"decode" | b"encoding" | b"todense"
    ) {
        let name = String::from_utf8_lossy(subcommand).into_owned();
        return Err(HllError::DebugUnknownSubcommand(name));
    }
    let converted =
        encoding == Encoding::Sparse && matches!(lower.as_slice(), b"getreg" | b"todense");
    if converted {
        sparse::to_dense(value, 0).map_err(|_| HllError::Corrupted)?;
    }
    let reply = match lower.as_slice() {
        b"getreg" => PfDebugReply::Registers(dense::unpack(&value[HEADER_LEN..])),
        b"decode" if encoding == Encoding::Sparse => PfDebugReply::Decoded(sparse::describe(value)),
        b"decode" => return Err(HllError::DebugNotSparse),
        b"encoding" => PfDebugReply::Encoding(encoding),
        _ => PfDebugReply::Converted(converted),
    };
    Ok(PfDebug { reply, converted })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::register_and_run;
    use crate::layout::DENSE_LEN;
    use proptest::prelude::*;

    fn header(encoding: u8) -> Vec<u8> {
        let mut value = b"HYLL".to_vec();
        value.push(encoding);
        value.resize(HEADER_LEN, 0);
        value
    }

    /// Any string that is not rejected as NotHll goes through every operation without
    /// panicking, whatever its registers hold.
    fn exercise(mut value: Vec<u8>, elements: &[Vec<u8>], sparse_max_bytes: usize) {
        let mut copy = value.clone();
        let _ = pfcount(&mut copy);
        let mut union = RegisterUnion::new();
        let merged = union.merge(&value);
        let _ = union.pfcount();
        if merged.is_ok() {
            let mut dest = value.clone();
            let _ = union.pfmerge_into(&mut dest, sparse_max_bytes);
        }
        for subcommand in [&b"getreg"[..], b"DECODE", b"encoding", b"todense", b"x"] {
            let _ = pfdebug(subcommand, Some(&mut value.clone()));
        }
        let _ = pfadd(&mut value, elements, sparse_max_bytes);
        let _ = pfcount(&mut value);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_sparse_payloads_never_panic(
            payload in proptest::collection::vec(any::<u8>(), 0..64),
            card in proptest::collection::vec(any::<u8>(), 8),
            elements in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..6), 0..40),
            sparse_max_bytes in prop_oneof![Just(0usize), 0..200usize, Just(3000usize)],
        ) {
            let mut value = header(1);
            value[8..16].copy_from_slice(&card);
            value.extend_from_slice(&payload);
            exercise(value, &elements, sparse_max_bytes);
        }

        #[test]
        fn mutated_sparse_values_never_panic(
            elements in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..6), 1..60),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 1..4),
        ) {
            let mut value = pfadd_new(&elements, DEFAULT_SPARSE_MAX_BYTES);
            for (at, byte, kind) in edits {
                let at = HEADER_LEN + at % (value.len() - HEADER_LEN + 1);
                match kind {
                    0 if at < value.len() => value[at] = byte,
                    1 if at < value.len() => { value.remove(at); }
                    _ => value.insert(at, byte),
                }
            }
            exercise(value, &elements, DEFAULT_SPARSE_MAX_BYTES);
        }

        #[test]
        fn arbitrary_dense_registers_never_panic(
            seed in proptest::collection::vec(any::<u8>(), 1..32),
            encoding in 0u8..3,
        ) {
            let mut value = header(encoding);
            value.extend(seed.iter().cycle().take(DENSE_LEN - HEADER_LEN));
            exercise(value, &[b"a".to_vec(), b"b".to_vec()], DEFAULT_SPARSE_MAX_BYTES);
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Model: an array of 16384 registers raised to each element's run length. The
        /// value (sparse, promoted or not) holds exactly the model's registers, counts like
        /// a dense value holding them, and reports changes exactly when a register rises.
        #[test]
        fn sparse_and_dense_agree_with_a_register_model(
            batches in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 0..30), 1..8),
            sparse_max_bytes in prop_oneof![Just(0usize), 20..400usize, Just(3000usize)],
        ) {
            let mut model = vec![0u8; REGISTER_COUNT];
            let mut value = pfadd_new(&[] as &[&[u8]], sparse_max_bytes);
            for batch in &batches {
                let mut expected_change = false;
                for element in batch {
                    let (index, count) = register_and_run(element);
                    if count > model[index] {
                        model[index] = count;
                        expected_change = true;
                    }
                }
                prop_assert_eq!(pfadd(&mut value, batch, sparse_max_bytes), Ok(expected_change));
                let counted = pfcount(&mut value.clone()).map(|count| count.reply);
                let mut dense = header(0);
                dense.resize(DENSE_LEN, 0);
                layout::invalidate_cache(&mut dense);
                for (index, &register) in model.iter().enumerate() {
                    dense::set(&mut dense[HEADER_LEN..], index, register);
                }
                prop_assert_eq!(counted, pfcount(&mut dense).map(|count| count.reply));
                let mut union = RegisterUnion::new();
                prop_assert_eq!(union.merge(&value), Ok(()));
                prop_assert_eq!(&union.registers[..], &model[..]);
            }
            let registers = pfdebug(b"GETREG", Some(&mut value)).map(|debug| debug.reply);
            prop_assert_eq!(registers, Ok(PfDebugReply::Registers(model)));
        }
    }

    #[test]
    fn pfdebug_checks_in_redis_order() {
        assert_eq!(pfdebug(b"nope", None), Err(HllError::DebugNoSuchKey));
        assert_eq!(
            pfdebug(b"nope", Some(&mut b"hello".to_vec())),
            Err(HllError::NotHll)
        );
        let mut value = empty_hll();
        assert_eq!(
            pfdebug(b"nope", Some(&mut value)),
            Err(HllError::DebugUnknownSubcommand("nope".into()))
        );
        let decoded = pfdebug(b"Decode", Some(&mut value)).map(|debug| debug.reply);
        assert_eq!(decoded, Ok(PfDebugReply::Decoded("Z:16384".into())));
        let converted = pfdebug(b"TODENSE", Some(&mut value));
        assert_eq!(
            converted,
            Ok(PfDebug {
                reply: PfDebugReply::Converted(true),
                converted: true
            })
        );
        assert_eq!(value.len(), DENSE_LEN);
        assert_eq!(
            pfdebug(b"decode", Some(&mut value)),
            Err(HllError::DebugNotSparse)
        );
        let encoding = pfdebug(b"ENCODING", Some(&mut value)).map(|debug| debug.reply);
        assert_eq!(encoding, Ok(PfDebugReply::Encoding(Encoding::Dense)));
    }

    #[test]
    fn pfadd_new_marks_the_cache_stale_even_without_elements() {
        let value = pfadd_new(&[] as &[&[u8]], DEFAULT_SPARSE_MAX_BYTES);
        assert_eq!(value[15], 0x80);
        assert_eq!(empty_hll()[15], 0);
    }
}
