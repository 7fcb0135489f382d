//! Integrity check of an untrusted listpack (a RESTORE payload, an RDB
//! value), as Redis 7.0's `lpValidateIntegrity`. After a deep check passes,
//! every read and edit of this crate works on the bytes as on its own output.

use super::entry::{COUNT_UNKNOWN, EOF, HEADER_SIZE, decode, encoding_header_size, read_backlen};
use crate::error::{Format, FormatError};

const FORMAT: Format = Format::Listpack;

/// Checks that `bytes` are a listpack. Always: the blob holds a header and a
/// terminator, the header's total size is the blob's length, and the last
/// byte is the terminator. With `deep`, also every entry: a defined encoding,
/// inside the blob, a back length that matches its size, no terminator
/// before the end, and the header's count (unless 65535) equal to the
/// entries found. Redis does the deep check when `sanitize-dump-payload` asks
/// for it; readers here are safe either way but only meaningful after it.
pub fn validate(bytes: &[u8], deep: bool) -> Result<(), FormatError> {
    let len = bytes.len();
    if len < HEADER_SIZE + 1 {
        return Err(FormatError::TooShort {
            format: FORMAT,
            len,
        });
    }
    let header = &bytes[..HEADER_SIZE];
    let declared = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    if u64::from(declared) != len as u64 {
        return Err(FormatError::SizeMismatch {
            format: FORMAT,
            declared: u64::from(declared),
            actual: len,
        });
    }
    if bytes[len - 1] != EOF {
        return Err(FormatError::MissingTerminator { format: FORMAT });
    }
    if !deep {
        return Ok(());
    }
    let terminator = len - 1;
    let body = &bytes[..terminator];
    let mut offset = HEADER_SIZE;
    let mut count: u32 = 0;
    while offset < terminator {
        let first = bytes[offset];
        if first == EOF {
            return Err(FormatError::EarlyTerminator {
                format: FORMAT,
                offset,
            });
        }
        let Some(header_size) = encoding_header_size(first) else {
            return Err(FormatError::BadEncoding {
                format: FORMAT,
                offset,
            });
        };
        let out_of_bounds = FormatError::EntryOutOfBounds {
            format: FORMAT,
            offset,
        };
        if offset + header_size > terminator {
            return Err(out_of_bounds);
        }
        let decoded = decode(body, offset).ok_or(out_of_bounds)?;
        let end = offset + decoded.entry_len;
        if read_backlen(bytes, end) != Some(decoded.encoded_len) {
            return Err(FormatError::LengthMismatch {
                format: FORMAT,
                offset,
            });
        }
        offset = end;
        count = count.saturating_add(1);
    }
    let declared = u16::from_le_bytes([header[4], header[5]]);
    if declared != COUNT_UNKNOWN && u32::from(declared) != count {
        return Err(FormatError::CountMismatch {
            format: FORMAT,
            declared: u32::from(declared),
            actual: count,
        });
    }
    Ok(())
}
