//! The crate's one error type: why a byte blob is not a valid listpack,
//! intset or ziplist. Only the `validate` functions produce it; reading and
//! editing well-formed encodings cannot fail.

use std::fmt;

/// Which encoding a [`FormatError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Redis's listpack.
    Listpack,
    /// Redis's intset.
    Intset,
    /// Redis's ziplist (RDB files of Redis 6.2 and older).
    Ziplist,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Listpack => "listpack",
            Format::Intset => "intset",
            Format::Ziplist => "ziplist",
        })
    }
}

/// Why a blob is not a valid encoding. Offsets are byte offsets in the blob.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The blob cannot even hold the header (and terminator).
    #[error("{format}: {len} bytes is too short for the header")]
    TooShort {
        /// The encoding checked.
        format: Format,
        /// The blob's length.
        len: usize,
    },
    /// The size the header declares is not the blob's size.
    #[error("{format}: header declares {declared} bytes, blob has {actual}")]
    SizeMismatch {
        /// The encoding checked.
        format: Format,
        /// The size computed from the header.
        declared: u64,
        /// The blob's length.
        actual: usize,
    },
    /// The last byte is not the 0xFF terminator.
    #[error("{format}: last byte is not the terminator")]
    MissingTerminator {
        /// The encoding checked.
        format: Format,
    },
    /// An entry's encoding byte is not one the format defines (or, for an
    /// intset, the header's integer width is not 2, 4 or 8).
    #[error("{format}: invalid encoding at byte {offset}")]
    BadEncoding {
        /// The encoding checked.
        format: Format,
        /// Where the bad encoding is.
        offset: usize,
    },
    /// An entry would extend past the terminator.
    #[error("{format}: entry at byte {offset} runs past the end")]
    EntryOutOfBounds {
        /// The encoding checked.
        format: Format,
        /// Where the entry starts.
        offset: usize,
    },
    /// An entry's back length (listpack) or previous-entry length (ziplist)
    /// disagrees with the actual entry sizes.
    #[error("{format}: length field of entry at byte {offset} does not match")]
    LengthMismatch {
        /// The encoding checked.
        format: Format,
        /// Where the entry starts.
        offset: usize,
    },
    /// A terminator byte was found where an entry should start, before the end.
    #[error("{format}: terminator at byte {offset} before the end")]
    EarlyTerminator {
        /// The encoding checked.
        format: Format,
        /// Where the stray terminator is.
        offset: usize,
    },
    /// The header's element count disagrees with the entries found.
    #[error("{format}: header counts {declared} elements, found {actual}")]
    CountMismatch {
        /// The encoding checked.
        format: Format,
        /// The count in the header.
        declared: u32,
        /// The number of entries found.
        actual: u32,
    },
    /// A ziplist's tail offset does not point at its last entry.
    #[error("ziplist: tail offset {declared} is not the last entry's {actual}")]
    TailMismatch {
        /// The tail offset in the header.
        declared: u32,
        /// The last entry's offset.
        actual: usize,
    },
    /// An intset with no elements (Redis refuses these in RDB payloads).
    #[error("intset: empty")]
    EmptyIntset,
    /// An intset whose values are not strictly increasing.
    #[error("intset: value at index {index} is not greater than the previous one")]
    UnsortedIntset {
        /// The index of the first out-of-order value.
        index: usize,
    },
}
