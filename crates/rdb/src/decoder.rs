//! [`Decoder`]: reads an RDB stream (a file, or a replication full sync)
//! record by record, as Redis's `rdbLoadRio` walks it: the header, then
//! opcodes and keys until the EOF opcode and its CRC64 trailer.
//!
//! Not here: what a record means to the keyspace (expired keys, database
//! count limits, empty collections, duplicate keys): the caller decides, as
//! Redis's loader does after reading each key.

use std::io::Read;

use crate::error::RdbError;
use crate::input::Input;
use crate::object::read_value;
use crate::types::{MAX_READ_VERSION, ObjectType, opcode};
use crate::value::Value;

/// How a [`Decoder`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderOptions {
    /// Check the CRC64 trailer at EOF (Redis's `rdbchecksum`; a stored
    /// checksum of 0 means "saved without checksum" and is never checked).
    pub verify_checksum: bool,
}

impl Default for DecoderOptions {
    fn default() -> Self {
        Self {
            verify_checksum: true,
        }
    }
}

/// One record of an RDB stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An auxiliary field (`redis-ver`, `ctime`, `repl-id`, ...); integer
    /// values come as their decimal text.
    Aux {
        /// The field's name.
        key: Vec<u8>,
        /// Its value.
        value: Vec<u8>,
    },
    /// The keys that follow belong to this database.
    SelectDb(u64),
    /// Size hints for the current database.
    ResizeDb {
        /// Keys in the database.
        db_size: u64,
        /// Keys with an expire.
        expires_size: u64,
    },
    /// A function library's code (`FUNCTION2`).
    Function(Vec<u8>),
    /// A key and its value.
    Key(KeyRecord),
    /// The end, after the checksum was verified (when asked, and stored).
    Eof,
}

/// A key, its value and the attributes given by the opcodes before it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRecord {
    /// The key.
    pub key: Vec<u8>,
    /// Absolute expire time in Unix milliseconds (`EXPIRETIME` seconds are
    /// converted).
    pub expire_ms: Option<i64>,
    /// LRU idle time in seconds (`IDLE`).
    pub idle_secs: Option<u64>,
    /// LFU counter (`FREQ`).
    pub freq: Option<u8>,
    /// The value.
    pub value: Value,
    /// Where the record starts: its first expire/idle/freq opcode, or else
    /// its type byte.
    pub offset: u64,
}

/// The attributes read for the next key. Like Redis, they stay pending
/// across other records until a key takes them.
#[derive(Default)]
struct Pending {
    expire_ms: Option<i64>,
    idle_secs: Option<u64>,
    freq: Option<u8>,
    offset: Option<u64>,
}

/// Reads RDB records from `R`.
///
/// Reads are small (often one byte): give it a buffered reader
/// (`BufReader`, a byte slice). It never reads past the CRC64 trailer, so
/// what follows the RDB in the stream stays in the reader
/// ([`Decoder::into_inner`]). After an error the stream position is
/// somewhere inside the bad record: stop there.
pub struct Decoder<R> {
    input: Input<R>,
    version: u16,
    pending: Pending,
    finished: bool,
}

impl<R: Read> Decoder<R> {
    /// Reads and checks the header (`REDIS` and a 4-digit version from 1 to
    /// 11), verifying checksums.
    pub fn new(reader: R) -> Result<Self, RdbError> {
        Self::with_options(reader, DecoderOptions::default())
    }

    /// [`Decoder::new`] with options.
    pub fn with_options(reader: R, options: DecoderOptions) -> Result<Self, RdbError> {
        let mut input = Input::new(reader, options.verify_checksum);
        let header: [u8; 9] = input.read_array()?;
        let (magic, digits) = header.split_at(5);
        if magic != b"REDIS" || !digits.iter().all(u8::is_ascii_digit) {
            return Err(RdbError::BadHeader {
                header: header.to_vec(),
            });
        }
        let version = digits.iter().fold(0u16, |version, digit| {
            version * 10 + u16::from(digit - b'0')
        });
        if !(1..=MAX_READ_VERSION).contains(&version) {
            return Err(RdbError::UnsupportedVersion { version });
        }
        Ok(Self {
            input,
            version,
            pending: Pending::default(),
            finished: false,
        })
    }

    /// The file's RDB version.
    pub fn version(&self) -> u16 {
        self.version
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.input.offset()
    }

    /// The reader, positioned after the last byte consumed.
    pub fn into_inner(self) -> R {
        self.input.into_inner()
    }

    /// The next record. After [`Record::Eof`], every call returns
    /// [`Record::Eof`] again without reading.
    pub fn next_record(&mut self) -> Result<Record, RdbError> {
        if self.finished {
            return Ok(Record::Eof);
        }
        loop {
            let type_offset = self.input.offset();
            let type_byte = self.input.read_u8()?;
            match type_byte {
                opcode::EXPIRETIME_MS => {
                    // Before RDB 9 this was the writer's native byte order;
                    // every Redis that wrote one ran little-endian here.
                    let expire = i64::from_le_bytes(self.input.read_array()?);
                    self.pending_attribute(type_offset).expire_ms = Some(expire);
                }
                opcode::EXPIRETIME => {
                    let seconds = i32::from_le_bytes(self.input.read_array()?);
                    self.pending_attribute(type_offset).expire_ms = Some(i64::from(seconds) * 1000);
                }
                opcode::FREQ => {
                    let freq = self.input.read_u8()?;
                    self.pending_attribute(type_offset).freq = Some(freq);
                }
                opcode::IDLE => {
                    let idle = self.input.read_len()?;
                    self.pending_attribute(type_offset).idle_secs = Some(idle);
                }
                opcode::EOF => return self.finish(),
                opcode::SELECTDB => return Ok(Record::SelectDb(self.input.read_len()?)),
                opcode::RESIZEDB => {
                    let db_size = self.input.read_len()?;
                    let expires_size = self.input.read_len()?;
                    return Ok(Record::ResizeDb {
                        db_size,
                        expires_size,
                    });
                }
                opcode::AUX => {
                    let key = self.input.read_string()?;
                    let value = self.input.read_string()?;
                    return Ok(Record::Aux { key, value });
                }
                opcode::FUNCTION2 => return Ok(Record::Function(self.input.read_string()?)),
                opcode::FUNCTION_PRE_GA => {
                    return Err(RdbError::Unsupported {
                        what: "function (pre-GA format)",
                        key: None,
                        offset: type_offset,
                    });
                }
                opcode::MODULE_AUX => {
                    return Err(RdbError::Unsupported {
                        what: "module aux data",
                        key: None,
                        offset: type_offset,
                    });
                }
                type_byte => return self.key(type_byte, type_offset).map(Record::Key),
            }
        }
    }

    fn pending_attribute(&mut self, offset: u64) -> &mut Pending {
        self.pending.offset.get_or_insert(offset);
        &mut self.pending
    }

    /// A key whose type byte was just read: the key, then the value.
    fn key(&mut self, type_byte: u8, type_offset: u64) -> Result<KeyRecord, RdbError> {
        let key = self.input.read_string()?;
        let Some(object_type) = ObjectType::from_byte(type_byte) else {
            return Err(RdbError::UnknownType {
                type_byte,
                key: Some(key),
                offset: type_offset,
            });
        };
        let value = match read_value(&mut self.input, object_type, type_offset) {
            Ok(value) => value,
            Err(RdbError::Unsupported { what, offset, .. }) => {
                return Err(RdbError::Unsupported {
                    what,
                    key: Some(key),
                    offset,
                });
            }
            Err(error) => return Err(error),
        };
        let pending = std::mem::take(&mut self.pending);
        Ok(KeyRecord {
            key,
            expire_ms: pending.expire_ms,
            idle_secs: pending.idle_secs,
            freq: pending.freq,
            value,
            offset: pending.offset.unwrap_or(type_offset),
        })
    }

    /// After the EOF opcode: the CRC64 trailer (RDB 5 and later).
    fn finish(&mut self) -> Result<Record, RdbError> {
        let computed = self.input.crc();
        if self.version >= 5 {
            let trailer_offset = self.input.offset();
            let found = u64::from_le_bytes(self.input.read_array()?);
            if let Some(expected) = computed
                && found != 0
                && found != expected
            {
                return Err(RdbError::ChecksumMismatch {
                    expected,
                    found,
                    offset: trailer_offset,
                });
            }
        }
        self.finished = true;
        Ok(Record::Eof)
    }
}
