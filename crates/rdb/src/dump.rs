//! DUMP/RESTORE payloads: one value's type byte and body, then a footer of
//! the RDB version (2 bytes LE) and the CRC64 of everything before the CRC
//! (8 bytes LE). Writing is [`Encoder::payload`](crate::Encoder::payload);
//! reading is [`decode_dump_payload`], Redis 7.0's `verifyDumpPayload`
//! followed by `rdbLoadObject`.

use crate::crc64::crc64;
use crate::error::{DumpFooterError, RdbError};
use crate::input::Input;
use crate::object::read_value;
use crate::types::{ObjectType, RDB_VERSION};
use crate::value::Value;

/// The footer: RDB version and CRC64.
const FOOTER_LEN: usize = 10;

/// Reads a DUMP payload as Redis 7.0's RESTORE does: the payload must hold
/// the 10-byte footer, the footer's version must be at most
/// [`RDB_VERSION`] (older payloads are fine), and unless `verify_checksum`
/// is false (Redis's `skip-checksum-validation`) the CRC64 must match;
/// failing any of these is [`RdbError::DumpFooter`] (`ERR DUMP payload
/// version or checksum are wrong`). Then the type byte must be one Redis 7.0
/// knows (so 20 and 21 are refused) and the value must decode; any error
/// there is `ERR Bad data format`. Bytes after the value, before the footer,
/// are ignored, as Redis ignores them; the value may not extend into the
/// footer. Offsets in errors are positions in `payload`.
///
/// Returns the type byte and the value.
pub fn decode_dump_payload(payload: &[u8], verify_checksum: bool) -> Result<(u8, Value), RdbError> {
    let Some(body_len) = payload.len().checked_sub(FOOTER_LEN) else {
        return Err(RdbError::DumpFooter(DumpFooterError::TooShort {
            len: payload.len(),
        }));
    };
    let (body, footer) = payload.split_at(body_len);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > RDB_VERSION {
        return Err(RdbError::DumpFooter(DumpFooterError::Version { version }));
    }
    if verify_checksum {
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&footer[2..]);
        let found = u64::from_le_bytes(stored);
        let expected = crc64(0, &payload[..payload.len() - 8]);
        if found != expected {
            return Err(RdbError::DumpFooter(DumpFooterError::Checksum {
                expected,
                found,
            }));
        }
    }
    let mut input = Input::new(body, false);
    let type_byte = input.read_u8()?;
    let Some(object_type) =
        ObjectType::from_byte(type_byte).filter(|object_type| object_type.known_to_redis_7_0())
    else {
        return Err(RdbError::UnknownType {
            type_byte,
            key: None,
            offset: 0,
        });
    };
    let value = read_value(&mut input, object_type, 0)?;
    Ok((type_byte, value))
}
