//! [`RdbError`]: why bytes could not be read as RDB, with the byte offset
//! where it went wrong whenever there is one (a position in the stream for
//! the [`Decoder`](crate::Decoder), in the payload for
//! [`decode_dump_payload`](crate::decode_dump_payload), in the compressed
//! input for a bare [`lzf::decompress`](crate::lzf::decompress)).
//!
//! Encoding never fails (it writes into memory), so only reading has errors.

use std::fmt;

use listpack::FormatError;

/// Why bytes are not a valid RDB file, DUMP payload or LZF stream.
#[derive(Debug, thiserror::Error)]
pub enum RdbError {
    /// The reader failed (not end of input: that is [`RdbError::Truncated`]).
    #[error("read failed at byte {offset}: {source}")]
    Io {
        /// The reader's error.
        source: std::io::Error,
        /// Bytes consumed before the failed read.
        offset: u64,
    },
    /// The input ended in the middle of something.
    #[error("unexpected end of input at byte {offset}")]
    Truncated {
        /// Where the input ended.
        offset: u64,
    },
    /// The first 9 bytes are not `REDIS` and 4 ASCII digits.
    #[error("not an RDB file: header {:?}", String::from_utf8_lossy(.header))]
    BadHeader {
        /// The bytes found.
        header: Vec<u8>,
    },
    /// A version this crate does not read (it reads 1 to 11).
    #[error("RDB version {version} is not supported (versions 1 to 11 are)")]
    UnsupportedVersion {
        /// The version in the header.
        version: u16,
    },
    /// A length's first byte is not one of the length encodings.
    #[error("invalid length encoding {byte:#04x} at byte {offset}")]
    BadLength {
        /// The first byte.
        byte: u8,
        /// Where the length starts.
        offset: u64,
    },
    /// A length that does not fit this machine's address space.
    #[error("length {length} at byte {offset} is too large")]
    LengthTooLarge {
        /// The length read.
        length: u64,
        /// Where the length starts.
        offset: u64,
    },
    /// A string with the "special encoding" bits and an encoding number other
    /// than 0 to 3 (integer 8/16/32, LZF).
    #[error("unknown string encoding {encoding} at byte {offset}")]
    BadStringEncoding {
        /// The encoding number (the low 6 bits).
        encoding: u8,
        /// Where the string starts.
        offset: u64,
    },
    /// LZF-compressed bytes that do not decompress to the announced length.
    #[error("invalid LZF data at byte {offset}: {reason}")]
    Lzf {
        /// What is wrong.
        reason: LzfError,
        /// Where the compressed bytes (or the bad command in them) start.
        offset: u64,
    },
    /// A type byte that is neither an opcode nor an object type.
    #[error("unknown object type {type_byte} at byte {offset}{}", key_suffix(.key))]
    UnknownType {
        /// The byte.
        type_byte: u8,
        /// The key, when it was read (a key follows its type byte).
        key: Option<Vec<u8>>,
        /// Where the type byte is.
        offset: u64,
    },
    /// Valid RDB that this crate does not decode: streams (types 15, 19, 21),
    /// module values (6, 7), module aux data (opcode 247), and functions in
    /// the 7.0 release-candidate format (opcode 246).
    #[error("{what} is not supported (at byte {offset}{})", key_suffix(.key))]
    Unsupported {
        /// What it is: "stream", "module", "module aux data",
        /// "function (pre-GA format)".
        what: &'static str,
        /// The key, for a key's value.
        key: Option<Vec<u8>>,
        /// Where its type byte or opcode is.
        offset: u64,
    },
    /// A listpack, intset or ziplist blob that fails its integrity check.
    #[error("invalid {object_type} at byte {offset}: {source}")]
    Encoding {
        /// The object type's name (see [`ObjectType::name`](crate::ObjectType::name)).
        object_type: &'static str,
        /// What the check found.
        source: FormatError,
        /// Where the blob's string starts.
        offset: u64,
    },
    /// A value whose bytes are well formed but whose content is not a valid
    /// collection (duplicates, NaN scores, odd pair counts, ...).
    #[error("corrupt {object_type} at byte {offset}: {problem}")]
    Corrupt {
        /// The object type's name (see [`ObjectType::name`](crate::ObjectType::name)).
        object_type: &'static str,
        /// What is wrong.
        problem: Corruption,
        /// Where the offending part starts.
        offset: u64,
    },
    /// The CRC64 trailer of a file disagrees with its content.
    #[error(
        "RDB checksum mismatch: expected {expected:#018x}, found {found:#018x} at byte {offset}"
    )]
    ChecksumMismatch {
        /// The checksum of the bytes read.
        expected: u64,
        /// The checksum stored in the trailer.
        found: u64,
        /// Where the trailer is.
        offset: u64,
    },
    /// A DUMP payload whose footer is wrong: what Redis answers with
    /// `ERR DUMP payload version or checksum are wrong`. Every other error
    /// from [`decode_dump_payload`](crate::decode_dump_payload) is Redis's
    /// `ERR Bad data format`.
    #[error("DUMP payload version or checksum are wrong: {0}")]
    DumpFooter(DumpFooterError),
}

impl RdbError {
    /// The byte offset the error is about, when there is one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            RdbError::Io { offset, .. }
            | RdbError::Truncated { offset }
            | RdbError::BadLength { offset, .. }
            | RdbError::LengthTooLarge { offset, .. }
            | RdbError::BadStringEncoding { offset, .. }
            | RdbError::Lzf { offset, .. }
            | RdbError::UnknownType { offset, .. }
            | RdbError::Unsupported { offset, .. }
            | RdbError::Encoding { offset, .. }
            | RdbError::Corrupt { offset, .. }
            | RdbError::ChecksumMismatch { offset, .. } => Some(*offset),
            RdbError::BadHeader { .. } => Some(0),
            RdbError::UnsupportedVersion { .. } => Some(5),
            RdbError::DumpFooter(_) => None,
        }
    }

    /// The same error with its offset moved by `base` (for errors found
    /// inside a blob whose position in the stream is `base`).
    pub(crate) fn shifted(mut self, base: u64) -> Self {
        if let RdbError::Lzf { offset, .. } = &mut self {
            *offset += base;
        }
        self
    }
}

/// Appended to messages about a key: ` (key "name")`.
fn key_suffix(key: &Option<Vec<u8>>) -> String {
    match key {
        Some(key) => format!(", key {:?}", String::from_utf8_lossy(key)),
        None => String::new(),
    }
}

/// What is wrong with an LZF stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LzfError {
    /// The announced length is more than the input could expand to.
    #[error("{compressed} compressed bytes cannot expand to {expected} bytes")]
    ImpossibleLength {
        /// The announced length.
        expected: usize,
        /// The compressed size.
        compressed: usize,
    },
    /// A command runs past the end of the input.
    #[error("a command runs past the end of the input")]
    Truncated,
    /// A back reference points before the start of the output.
    #[error("a back reference reaches {distance} bytes back, before the start")]
    BadReference {
        /// How far back it points.
        distance: usize,
    },
    /// The output would exceed the announced length.
    #[error("the output exceeds the announced {expected_len} bytes")]
    TooLong {
        /// The announced length.
        expected_len: usize,
    },
    /// The input ended before the announced length was produced.
    #[error("the output is {actual} bytes, {expected_len} were announced")]
    TooShort {
        /// The announced length.
        expected_len: usize,
        /// What the input produced.
        actual: usize,
    },
}

/// What is wrong with a collection's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Corruption {
    /// A set member, sorted-set member or hash field appears twice.
    Duplicate,
    /// A sorted-set score is NaN.
    NanScore,
    /// A sorted-set score that is not a number.
    BadScore,
    /// A hash or sorted-set listpack with an odd number of entries.
    OddEntryCount,
    /// A quicklist node container other than 1 (plain) or 2 (packed).
    BadContainer(u64),
    /// A quicklist node of zero bytes.
    EmptyNode,
    /// A zipmap (RDB type 9) whose layout is broken.
    BadZipmap,
    /// A compact blob too large to convert (over the listpack's 1 GiB).
    TooLarge,
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Corruption::Duplicate => f.write_str("duplicate member or field"),
            Corruption::NanScore => f.write_str("NaN score"),
            Corruption::BadScore => f.write_str("score is not a number"),
            Corruption::OddEntryCount => f.write_str("odd number of entries in a pairs listpack"),
            Corruption::BadContainer(container) => {
                write!(f, "quicklist node container {container} (1 or 2 expected)")
            }
            Corruption::EmptyNode => f.write_str("empty quicklist node"),
            Corruption::BadZipmap => f.write_str("zipmap integrity check failed"),
            Corruption::TooLarge => f.write_str("too large to convert to a listpack"),
        }
    }
}

/// Why a DUMP payload's footer (2-byte RDB version, 8-byte CRC64) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DumpFooterError {
    /// Fewer than the footer's 10 bytes.
    #[error("{len} bytes is shorter than the 10-byte footer")]
    TooShort {
        /// The payload's length.
        len: usize,
    },
    /// Written by a newer RDB version than this crate's [`RDB_VERSION`](crate::RDB_VERSION).
    #[error("RDB version {version} is newer than {}", crate::RDB_VERSION)]
    Version {
        /// The footer's version.
        version: u16,
    },
    /// The CRC64 does not match.
    #[error("checksum mismatch: expected {expected:#018x}, found {found:#018x}")]
    Checksum {
        /// The checksum of the payload.
        expected: u64,
        /// The checksum in the footer.
        found: u64,
    },
}
