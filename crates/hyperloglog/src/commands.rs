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
