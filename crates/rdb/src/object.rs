//! Reading one value of a given object type (Redis's `rdbLoadObject`), with
//! the checks Redis makes on load and deep validation of every compact blob.
//! Shared by the file decoder and DUMP payloads.
//!
//! Not here: the record framing around a value (type byte, key, expire
//! opcodes), which is the decoder's.

use std::io::Read;

use listpack::FormatError;

use crate::compact::{
    PairValues, ZiplistError, check_distinct, check_distinct_strings, check_pairs,
    ziplist_to_listpack, zipmap_to_listpack,
};
use crate::error::{Corruption, RdbError};
use crate::input::{EAGER_COUNT_LIMIT, Input};
use crate::types::{
    CONTAINER_PACKED, CONTAINER_PLAIN, ObjectType, SCORE_NAN, SCORE_NEG_INF, SCORE_POS_INF,
};
use crate::value::{ListNode, Value};

/// Reads the value of a key of type `object_type`, whose type byte was at
/// `type_offset`. Streams and modules are [`RdbError::Unsupported`] (without
/// a key: the caller adds it).
pub(crate) fn read_value<R: Read>(
    input: &mut Input<R>,
    object_type: ObjectType,
    type_offset: u64,
) -> Result<Value, RdbError> {
    ValueReader {
        input,
        object_type,
        type_offset,
    }
    .read()
}

struct ValueReader<'a, R> {
    input: &'a mut Input<R>,
    object_type: ObjectType,
    type_offset: u64,
}

impl<R: Read> ValueReader<'_, R> {
    fn corrupt(&self, problem: Corruption, offset: u64) -> RdbError {
        RdbError::Corrupt {
            object_type: self.object_type.name(),
            problem,
            offset,
        }
    }

    fn invalid(&self, source: FormatError, offset: u64) -> RdbError {
        RdbError::Encoding {
            object_type: self.object_type.name(),
            source,
            offset,
        }
    }

    fn ziplist_error(&self, error: ZiplistError, offset: u64) -> RdbError {
        match error {
            ZiplistError::Format(source) => self.invalid(source, offset),
            ZiplistError::Corrupt(problem) => self.corrupt(problem, offset),
        }
    }

    fn unsupported(&self, what: &'static str) -> RdbError {
        RdbError::Unsupported {
            what,
            key: None,
            offset: self.type_offset,
        }
    }

    /// Reads a compact blob: a string, and where it started.
    fn blob(&mut self) -> Result<(Vec<u8>, u64), RdbError> {
        let offset = self.input.offset();
        Ok((self.input.read_string()?, offset))
    }

    /// Reads a deep-validated listpack.
    fn listpack(&mut self) -> Result<(Vec<u8>, u64), RdbError> {
        let (bytes, offset) = self.blob()?;
        listpack::listpack::validate(&bytes, true).map_err(|e| self.invalid(e, offset))?;
        Ok((bytes, offset))
    }

    /// Reads an element count, for a loop that reads that many elements.
    fn count(&mut self) -> Result<usize, RdbError> {
        self.input.read_usize_len()
    }

    fn read(mut self) -> Result<Value, RdbError> {
        use ObjectType::*;
        let start = self.input.offset();
        Ok(match self.object_type {
            String => Value::String(self.input.read_string()?),
            List => {
                let count = self.count()?;
                let mut nodes = Vec::with_capacity(count.min(EAGER_COUNT_LIMIT));
                for _ in 0..count {
                    nodes.push(ListNode::Element(self.input.read_string()?));
                }
                Value::List(nodes)
            }
            Set => {
                let count = self.count()?;
                let mut members = Vec::with_capacity(count.min(EAGER_COUNT_LIMIT));
                for _ in 0..count {
                    members.push(self.input.read_string()?);
                }
                check_distinct_strings(members.iter().map(Vec::as_slice))
                    .map_err(|problem| self.corrupt(problem, start))?;
                Value::Set(members)
            }
            ZSet | ZSet2 => {
                let count = self.count()?;
                let mut members = Vec::with_capacity(count.min(EAGER_COUNT_LIMIT));
                for _ in 0..count {
                    let member = self.input.read_string()?;
                    let score_offset = self.input.offset();
                    let score = if self.object_type == ZSet2 {
                        self.input.read_binary_double()?
                    } else {
                        self.text_score(score_offset)?
                    };
                    if score.is_nan() {
                        return Err(self.corrupt(Corruption::NanScore, score_offset));
                    }
                    members.push((member, score));
                }
                check_distinct_strings(members.iter().map(|(member, _)| member.as_slice()))
                    .map_err(|problem| self.corrupt(problem, start))?;
                Value::ZSet(members)
            }
            Hash => {
                let count = self.count()?;
                let mut pairs = Vec::with_capacity(count.min(EAGER_COUNT_LIMIT));
                for _ in 0..count {
                    let field = self.input.read_string()?;
                    let value = self.input.read_string()?;
                    pairs.push((field, value));
                }
                check_distinct_strings(pairs.iter().map(|(field, _)| field.as_slice()))
                    .map_err(|problem| self.corrupt(problem, start))?;
                Value::Hash(pairs)
            }
            HashZipmap => {
                let (bytes, offset) = self.blob()?;
                let listpack =
                    zipmap_to_listpack(&bytes).map_err(|problem| self.corrupt(problem, offset))?;
                Value::HashListpack(listpack.into_bytes())
            }
            ListZiplist => {
                let (bytes, offset) = self.blob()?;
                let listpack =
                    ziplist_to_listpack(&bytes).map_err(|e| self.ziplist_error(e, offset))?;
                let nodes = if listpack.is_empty() {
                    Vec::new()
                } else {
                    vec![ListNode::Listpack(listpack.into_bytes())]
                };
                Value::List(nodes)
            }
            SetIntset => {
                let (bytes, offset) = self.blob()?;
                listpack::intset::validate(&bytes, true).map_err(|e| self.invalid(e, offset))?;
                Value::SetIntset(bytes)
            }
            ZSetZiplist | HashZiplist => {
                let (bytes, offset) = self.blob()?;
                let listpack =
                    ziplist_to_listpack(&bytes).map_err(|e| self.ziplist_error(e, offset))?;
                let is_zset = self.object_type == ZSetZiplist;
                let values = if is_zset {
                    PairValues::Score
                } else {
                    PairValues::Any
                };
                check_pairs(listpack.as_bytes(), values)
                    .map_err(|problem| self.corrupt(problem, offset))?;
                if is_zset {
                    Value::ZSetListpack(listpack.into_bytes())
                } else {
                    Value::HashListpack(listpack.into_bytes())
                }
            }
            ListQuicklist | ListQuicklist2 => self.quicklist()?,
            HashListpack => {
                let (bytes, offset) = self.listpack()?;
                check_pairs(&bytes, PairValues::Any)
                    .map_err(|problem| self.corrupt(problem, offset))?;
                Value::HashListpack(bytes)
            }
            ZSetListpack => {
                let (bytes, offset) = self.listpack()?;
                check_pairs(&bytes, PairValues::Score)
                    .map_err(|problem| self.corrupt(problem, offset))?;
                Value::ZSetListpack(bytes)
            }
            SetListpack => {
                let (bytes, offset) = self.listpack()?;
                check_distinct(&bytes).map_err(|problem| self.corrupt(problem, offset))?;
                Value::SetListpack(bytes)
            }
            Module | Module2 => return Err(self.unsupported("module")),
            StreamListpacks | StreamListpacks2 | StreamListpacks3 => {
                return Err(self.unsupported("stream"));
            }
        })
    }

    /// A quicklist (types 14 and 18): nodes of ziplists (14), or of
    /// listpacks and plain elements (18, each with its container first).
    /// Empty node blobs are errors; blobs holding no elements are skipped, as
    /// Redis does.
    fn quicklist(&mut self) -> Result<Value, RdbError> {
        let count = self.count()?;
        let mut nodes = Vec::with_capacity(count.min(EAGER_COUNT_LIMIT));
        for _ in 0..count {
            let container = if self.object_type == ObjectType::ListQuicklist2 {
                let offset = self.input.offset();
                let container = self.input.read_len()?;
                if container != CONTAINER_PLAIN && container != CONTAINER_PACKED {
                    return Err(self.corrupt(Corruption::BadContainer(container), offset));
                }
                container
            } else {
                CONTAINER_PACKED
            };
            let (bytes, offset) = self.blob()?;
            if bytes.is_empty() {
                return Err(self.corrupt(Corruption::EmptyNode, offset));
            }
            if container == CONTAINER_PLAIN {
                nodes.push(ListNode::Element(bytes));
                continue;
            }
            let listpack = if self.object_type == ObjectType::ListQuicklist2 {
                listpack::listpack::validate(&bytes, true).map_err(|e| self.invalid(e, offset))?;
                bytes
            } else {
                ziplist_to_listpack(&bytes)
                    .map_err(|e| self.ziplist_error(e, offset))?
                    .into_bytes()
            };
            if !listpack::ListpackView::new(&listpack).is_empty() {
                nodes.push(ListNode::Listpack(listpack));
            }
        }
        Ok(Value::List(nodes))
    }

    /// A score as text (type 3): a length byte, with 253, 254 and 255
    /// standing for NaN, +inf and -inf, then the decimal text.
    fn text_score(&mut self, offset: u64) -> Result<f64, RdbError> {
        let len = self.input.read_u8()?;
        match len {
            SCORE_NAN => Ok(f64::NAN),
            SCORE_POS_INF => Ok(f64::INFINITY),
            SCORE_NEG_INF => Ok(f64::NEG_INFINITY),
            len => {
                let text = self.input.read_bytes(u64::from(len))?;
                // Redis reads it with sscanf("%lg"); it writes %.17g or an
                // integer, which strtod reads whole.
                if text.is_empty() {
                    return Err(self.corrupt(Corruption::BadScore, offset));
                }
                numeric::parse_f64_strtod(&text)
                    .ok_or_else(|| self.corrupt(Corruption::BadScore, offset))
            }
        }
    }
}
