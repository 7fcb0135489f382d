//! [`Encoder`]: writes RDB version 10 as Redis 7.0 does (`rdbSave*`), into
//! an in-memory buffer the caller drains, with a running CRC64 over every
//! byte written. The same encoder writes DUMP payloads (no header; a version
//! and CRC64 footer instead of the EOF trailer).
//!
//! The caller drives it: it walks its own keyspace and calls one method per
//! piece (`select_db`, `expire_ms`, `object_type`, `string`, `len`...), or
//! [`Encoder::key_value`] with a whole [`Value`]. Not here: which encoding a
//! value should have, the AUX fields' values, files and sockets.

use listpack::ListpackView;

use crate::crc64::crc64;
use crate::lzf;
use crate::types::{
    CONTAINER_PACKED, CONTAINER_PLAIN, ENC_INT8, ENC_INT16, ENC_INT32, ENC_LZF, LEN_14BIT,
    LEN_32BIT, LEN_64BIT, LEN_ENCODED, ObjectType, RDB_VERSION, opcode,
};
use crate::value::{ListNode, Value};

/// How an [`Encoder`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderOptions {
    /// LZF-compress strings longer than 20 bytes when that saves at least
    /// 4 bytes (Redis's `rdbcompression`, on by default).
    pub compression: bool,
    /// Write the CRC64 in the EOF trailer; when off the trailer is 8 zero
    /// bytes, which loaders take as "no checksum" (Redis's `rdbchecksum`, on
    /// by default).
    pub checksum: bool,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        Self {
            compression: true,
            checksum: true,
        }
    }
}

/// Strings up to this long are tried as integers (`rdbSaveRawString`).
const MAX_INT_ENCODED_LEN: usize = 11;
/// Strings up to this long are never compressed.
const MAX_UNCOMPRESSED_LEN: usize = 20;
/// Compression must save at least this many bytes.
const MIN_COMPRESSION_GAIN: usize = 4;

/// Writes RDB into an internal buffer.
///
/// Bytes accumulate in [`Encoder::buffer`] until the caller drains them with
/// [`Encoder::take_buffer`]; the checksum covers every byte ever written,
/// drained or not.
#[derive(Debug)]
pub struct Encoder {
    buf: Vec<u8>,
    /// Bytes of `buf` before this index are in `crc`.
    crc_covered: usize,
    /// The CRC64 of the bytes drained and the covered part of `buf`, when
    /// `options.checksum`.
    crc: u64,
    /// Bytes handed out by `take_buffer`.
    drained: u64,
    options: EncoderOptions,
    /// Reused for LZF output.
    scratch: Vec<u8>,
}

impl Encoder {
    /// An encoder for an RDB file or stream; start with [`Encoder::header`].
    pub fn new(options: EncoderOptions) -> Self {
        Self {
            buf: Vec::new(),
            crc_covered: 0,
            crc: 0,
            drained: 0,
            options,
            scratch: Vec::new(),
        }
    }

    /// An encoder for a DUMP payload: write one [`Encoder::object`] (or its
    /// pieces), then [`Encoder::finish_dump_payload`]. `compression` is
    /// Redis's `rdbcompression`, which DUMP follows too.
    pub fn payload(compression: bool) -> Self {
        Self::new(EncoderOptions {
            compression,
            checksum: true,
        })
    }

    /// How this encoder writes.
    pub fn options(&self) -> EncoderOptions {
        self.options
    }

    /// Appends `bytes` that another encoder with the same compression wrote (a piece of the
    /// stream encoded elsewhere, say without holding a lock this encoder needs), as if they
    /// had been written here: the checksum covers them.
    pub fn append_encoded(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes written and not yet drained.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }

    /// Takes the bytes written so far, leaving the buffer empty.
    pub fn take_buffer(&mut self) -> Vec<u8> {
        if self.options.checksum {
            self.fold_crc();
        }
        self.crc_covered = 0;
        self.drained += self.buf.len() as u64;
        std::mem::take(&mut self.buf)
    }

    /// Bytes written since the start, drained or not.
    pub fn bytes_written(&self) -> u64 {
        self.drained + self.buf.len() as u64
    }

    /// The CRC64 of every byte written so far (kept only when checksums
    /// are on).
    fn checksum(&mut self) -> u64 {
        self.fold_crc();
        self.crc
    }

    fn fold_crc(&mut self) {
        self.crc = crc64(self.crc, &self.buf[self.crc_covered..]);
        self.crc_covered = self.buf.len();
    }

    /// `REDIS0010`.
    pub fn header(&mut self) {
        self.buf.extend_from_slice(b"REDIS");
        let version = format!("{RDB_VERSION:04}");
        self.buf.extend_from_slice(version.as_bytes());
    }

    /// An AUX field. Redis writes numbers as their decimal text, which
    /// [`Encoder::string`] stores integer-encoded when it can.
    pub fn aux(&mut self, key: &[u8], value: &[u8]) {
        self.buf.push(opcode::AUX);
        self.string(key);
        self.string(value);
    }

    /// The database of the keys that follow.
    pub fn select_db(&mut self, db: u64) {
        self.buf.push(opcode::SELECTDB);
        self.len(db);
    }

    /// The size hints of the current database.
    pub fn resize_db(&mut self, db_size: u64, expires_size: u64) {
        self.buf.push(opcode::RESIZEDB);
        self.len(db_size);
        self.len(expires_size);
    }

    /// The next key's expire time, Unix milliseconds.
    pub fn expire_ms(&mut self, at_ms: i64) {
        self.buf.push(opcode::EXPIRETIME_MS);
        self.buf.extend_from_slice(&at_ms.to_le_bytes());
    }

    /// The next key's LRU idle time in seconds (Redis writes it when the
    /// maxmemory policy is an LRU one).
    pub fn idle(&mut self, idle_secs: u64) {
        self.buf.push(opcode::IDLE);
        self.len(idle_secs);
    }

    /// The next key's LFU counter (Redis writes it when the maxmemory policy
    /// is an LFU one).
    pub fn freq(&mut self, counter: u8) {
        self.buf.push(opcode::FREQ);
        self.buf.push(counter);
    }

    /// A function library (`FUNCTION2`): its code, `#!lua name=...` and all.
    pub fn function(&mut self, code: &[u8]) {
        self.buf.push(opcode::FUNCTION2);
        self.string(code);
    }

    /// A key's type byte.
    pub fn object_type(&mut self, object_type: ObjectType) {
        self.buf.push(object_type.into());
    }

    /// A length (`rdbSaveLen`): 6 bits below 64, 14 bits below 16384, then
    /// 32 or 64 bits big-endian.
    pub fn len(&mut self, len: u64) {
        if len < 1 << 6 {
            self.buf.push(len as u8);
        } else if len < 1 << 14 {
            self.buf
                .extend_from_slice(&[(LEN_14BIT << 6) | (len >> 8) as u8, len as u8]);
        } else if let Ok(len) = u32::try_from(len) {
            self.buf.push(LEN_32BIT);
            self.buf.extend_from_slice(&len.to_be_bytes());
        } else {
            self.buf.push(LEN_64BIT);
            self.buf.extend_from_slice(&len.to_be_bytes());
        }
    }

    /// A string (`rdbSaveRawString`): as an 8, 16 or 32-bit integer when it
    /// is the canonical text of one and at most 11 bytes; LZF-compressed when
    /// compression is on, it is over 20 bytes and that saves 4 bytes or
    /// more; otherwise its length and bytes.
    pub fn string(&mut self, bytes: &[u8]) {
        if bytes.len() <= MAX_INT_ENCODED_LEN
            && let Some(value) = numeric::parse_i64(bytes)
            && self.int_encoded(value)
        {
            return;
        }
        if self.options.compression && bytes.len() > MAX_UNCOMPRESSED_LEN {
            self.scratch.clear();
            if lzf::compress(bytes, &mut self.scratch)
                && self.scratch.len() + MIN_COMPRESSION_GAIN <= bytes.len()
            {
                self.buf.push((LEN_ENCODED << 6) | ENC_LZF);
                self.len(self.scratch.len() as u64);
                self.len(bytes.len() as u64);
                self.buf.extend_from_slice(&self.scratch);
                return;
            }
        }
        self.len(bytes.len() as u64);
        self.buf.extend_from_slice(bytes);
    }

    /// Writes `value` integer-encoded if it fits 32 bits.
    fn int_encoded(&mut self, value: i64) -> bool {
        let encoded = LEN_ENCODED << 6;
        if let Ok(value) = i8::try_from(value) {
            self.buf
                .extend_from_slice(&[encoded | ENC_INT8, value as u8]);
        } else if let Ok(value) = i16::try_from(value) {
            self.buf.push(encoded | ENC_INT16);
            self.buf.extend_from_slice(&value.to_le_bytes());
        } else if let Ok(value) = i32::try_from(value) {
            self.buf.push(encoded | ENC_INT32);
            self.buf.extend_from_slice(&value.to_le_bytes());
        } else {
            return false;
        }
        true
    }

    /// A double as 8 bytes little-endian (sorted-set scores, type 5).
    pub fn binary_double(&mut self, value: f64) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// The EOF opcode and the CRC64 trailer (zeros when checksums are off).
    pub fn eof(&mut self) {
        self.buf.push(opcode::EOF);
        let checksum = if self.options.checksum {
            self.checksum()
        } else {
            0
        };
        self.buf.extend_from_slice(&checksum.to_le_bytes());
    }

    /// A key: its type byte, the key, then the value, in the encoding
    /// Redis 7.0 writes for it (see [`Encoder::object`]).
    pub fn key_value(&mut self, key: &[u8], value: &Value) {
        self.object_type(rdb_type(value));
        self.string(key);
        self.value_body(value);
    }

    /// A value's type byte and body, as in a DUMP payload. The type is
    /// Redis 7.0's for the encoding: 0 string, 18 list, 11 intset,
    /// 2 set (a set listpack too: RDB 10 has no type 20), 17 and 5 sorted
    /// sets, 16 and 4 hashes.
    pub fn object(&mut self, value: &Value) {
        self.object_type(rdb_type(value));
        self.value_body(value);
    }

    fn value_body(&mut self, value: &Value) {
        match value {
            Value::String(bytes) => self.string(bytes),
            Value::List(nodes) => {
                self.len(nodes.len() as u64);
                for node in nodes {
                    match node {
                        ListNode::Listpack(bytes) => {
                            self.len(CONTAINER_PACKED);
                            self.string(bytes);
                        }
                        ListNode::Element(bytes) => {
                            self.len(CONTAINER_PLAIN);
                            self.string(bytes);
                        }
                    }
                }
            }
            Value::SetIntset(bytes) | Value::ZSetListpack(bytes) | Value::HashListpack(bytes) => {
                self.string(bytes)
            }
            Value::SetListpack(bytes) => {
                let view = ListpackView::new(bytes);
                self.len(view.len() as u64);
                for member in view.iter() {
                    self.string(&member.to_vec());
                }
            }
            Value::Set(members) => {
                self.len(members.len() as u64);
                for member in members {
                    self.string(member);
                }
            }
            Value::ZSet(members) => {
                self.len(members.len() as u64);
                for (member, score) in members {
                    self.string(member);
                    self.binary_double(*score);
                }
            }
            Value::Hash(pairs) => {
                self.len(pairs.len() as u64);
                for (field, value) in pairs {
                    self.string(field);
                    self.string(value);
                }
            }
        }
    }

    /// Ends a DUMP payload: the RDB version (2 bytes LE), then the CRC64 of
    /// everything written including that version (8 bytes LE), as Redis's
    /// `createDumpPayload`. Returns the bytes not drained yet, footer included.
    pub fn finish_dump_payload(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let checksum = self.checksum();
        self.buf.extend_from_slice(&checksum.to_le_bytes());
        self.buf
    }
}

/// The type byte Redis 7.0 writes for a value of this encoding.
fn rdb_type(value: &Value) -> ObjectType {
    match value {
        Value::String(_) => ObjectType::String,
        Value::List(_) => ObjectType::ListQuicklist2,
        Value::SetIntset(_) => ObjectType::SetIntset,
        Value::SetListpack(_) | Value::Set(_) => ObjectType::Set,
        Value::ZSetListpack(_) => ObjectType::ZSetListpack,
        Value::ZSet(_) => ObjectType::ZSet2,
        Value::HashListpack(_) => ObjectType::HashListpack,
        Value::Hash(_) => ObjectType::Hash,
    }
}

/// A DUMP payload of `value`: what Redis 7.0's `DUMP` returns for a key
/// holding it (`compression` is `rdbcompression`).
pub fn encode_dump_payload(value: &Value, compression: bool) -> Vec<u8> {
    let mut encoder = Encoder::payload(compression);
    encoder.object(value);
    encoder.finish_dump_payload()
}
