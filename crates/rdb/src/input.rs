//! `Input`: the decoder's view of a reader. It counts the bytes consumed (for
//! offsets in errors and records), folds them into a running CRC64 when asked,
//! and reads untrusted lengths without trusting them: a buffer grows as bytes
//! actually arrive, so a forged length costs at most the input's own size.
//!
//! The primitives of the format live here too: lengths, strings (raw,
//! integer-encoded, LZF) and doubles.

use std::io::{ErrorKind, Read};

use crate::crc64::crc64;
use crate::error::RdbError;
use crate::lzf;
use crate::types::{
    ENC_INT8, ENC_INT16, ENC_INT32, ENC_LZF, LEN_6BIT, LEN_14BIT, LEN_32BIT, LEN_64BIT, LEN_ENCODED,
};

/// Up to this many bytes, a string's buffer is allocated at its announced
/// size; longer ones start here and grow as bytes arrive.
const EAGER_STRING_LIMIT: usize = 16 * 1024;

/// Element counts never reserve room for more elements than this up front.
pub(crate) const EAGER_COUNT_LIMIT: usize = 1024;

pub(crate) struct Input<R> {
    inner: R,
    offset: u64,
    /// The CRC64 of every byte consumed, when checksums are verified.
    crc: Option<u64>,
}

impl<R: Read> Input<R> {
    pub(crate) fn new(inner: R, checksum: bool) -> Self {
        Self {
            inner,
            offset: 0,
            crc: checksum.then_some(0),
        }
    }

    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    pub(crate) fn crc(&self) -> Option<u64> {
        self.crc
    }

    pub(crate) fn into_inner(self) -> R {
        self.inner
    }

    fn consumed(&mut self, bytes: &[u8]) {
        self.offset += bytes.len() as u64;
        if let Some(crc) = &mut self.crc {
            *crc = crc64(*crc, bytes);
        }
    }

    /// Fills `buf` exactly; the offset stays exact even when the input ends.
    pub(crate) fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), RdbError> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => {
                    self.consumed(&buf[..filled]);
                    return Err(RdbError::Truncated {
                        offset: self.offset,
                    });
                }
                Ok(n) => filled += n,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    self.consumed(&buf[..filled]);
                    return Err(RdbError::Io {
                        source,
                        offset: self.offset,
                    });
                }
            }
        }
        self.consumed(buf);
        Ok(())
    }

    pub(crate) fn read_array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut bytes = [0u8; N];
        self.read_exact(&mut bytes)?;
        Ok(bytes)
    }

    pub(crate) fn read_u8(&mut self) -> Result<u8, RdbError> {
        let [byte] = self.read_array::<1>()?;
        Ok(byte)
    }

    /// Reads `len` bytes, allocating only for bytes that arrive.
    pub(crate) fn read_bytes(&mut self, len: u64) -> Result<Vec<u8>, RdbError> {
        let eager = usize::try_from(len).is_ok_and(|len| len <= EAGER_STRING_LIMIT);
        if eager {
            let mut bytes = vec![0; len as usize];
            self.read_exact(&mut bytes)?;
            return Ok(bytes);
        }
        let mut bytes = Vec::with_capacity(EAGER_STRING_LIMIT);
        let read = (&mut self.inner).take(len).read_to_end(&mut bytes);
        self.consumed(&bytes);
        match read {
            Ok(_) if bytes.len() as u64 == len => Ok(bytes),
            Ok(_) => Err(RdbError::Truncated {
                offset: self.offset,
            }),
            Err(source) => Err(RdbError::Io {
                source,
                offset: self.offset,
            }),
        }
    }

    /// Reads a length (`rdbLoadLen`): 6, 14, 32 or 64 bits. The "special
    /// encoding" form is refused here; strings handle it themselves.
    pub(crate) fn read_len(&mut self) -> Result<u64, RdbError> {
        let start = self.offset;
        match self.read_len_or_encoding()? {
            LenOrEncoding::Len(len) => Ok(len),
            LenOrEncoding::Encoding(encoding) => Err(RdbError::BadLength {
                byte: (LEN_ENCODED << 6) | encoding,
                offset: start,
            }),
        }
    }

    /// A length that counts something in memory.
    pub(crate) fn read_usize_len(&mut self) -> Result<usize, RdbError> {
        let start = self.offset;
        let len = self.read_len()?;
        usize::try_from(len).map_err(|_| RdbError::LengthTooLarge {
            length: len,
            offset: start,
        })
    }

    fn read_len_or_encoding(&mut self) -> Result<LenOrEncoding, RdbError> {
        let start = self.offset;
        let first = self.read_u8()?;
        Ok(match (first >> 6, first) {
            (LEN_ENCODED, _) => LenOrEncoding::Encoding(first & 0x3F),
            (LEN_6BIT, _) => LenOrEncoding::Len(u64::from(first & 0x3F)),
            (LEN_14BIT, _) => {
                let next = self.read_u8()?;
                LenOrEncoding::Len(u64::from(first & 0x3F) << 8 | u64::from(next))
            }
            (_, LEN_32BIT) => LenOrEncoding::Len(u64::from(u32::from_be_bytes(self.read_array()?))),
            (_, LEN_64BIT) => LenOrEncoding::Len(u64::from_be_bytes(self.read_array()?)),
            _ => {
                return Err(RdbError::BadLength {
                    byte: first,
                    offset: start,
                });
            }
        })
    }

    /// Reads a string (`rdbGenericLoadStringObject`): raw, an integer
    /// (returned as its decimal text), or LZF-compressed.
    pub(crate) fn read_string(&mut self) -> Result<Vec<u8>, RdbError> {
        let start = self.offset;
        match self.read_len_or_encoding()? {
            LenOrEncoding::Len(len) => self.read_bytes(len),
            LenOrEncoding::Encoding(ENC_INT8) => {
                let [byte] = self.read_array()?;
                Ok(decimal(i64::from(byte as i8)))
            }
            LenOrEncoding::Encoding(ENC_INT16) => {
                Ok(decimal(i64::from(i16::from_le_bytes(self.read_array()?))))
            }
            LenOrEncoding::Encoding(ENC_INT32) => {
                Ok(decimal(i64::from(i32::from_le_bytes(self.read_array()?))))
            }
            LenOrEncoding::Encoding(ENC_LZF) => {
                let compressed_len = self.read_len()?;
                let len_offset = self.offset;
                let len = self.read_len()?;
                let data_offset = self.offset;
                let compressed = self.read_bytes(compressed_len)?;
                let len = usize::try_from(len).map_err(|_| RdbError::LengthTooLarge {
                    length: len,
                    offset: len_offset,
                })?;
                lzf::decompress(&compressed, len).map_err(|error| error.shifted(data_offset))
            }
            LenOrEncoding::Encoding(encoding) => Err(RdbError::BadStringEncoding {
                encoding,
                offset: start,
            }),
        }
    }

    /// A double as 8 bytes, little-endian (sorted-set type 5).
    pub(crate) fn read_binary_double(&mut self) -> Result<f64, RdbError> {
        Ok(f64::from_le_bytes(self.read_array()?))
    }
}

enum LenOrEncoding {
    Len(u64),
    /// The low 6 bits of a `11xxxxxx` first byte.
    Encoding(u8),
}

/// An integer's decimal text, as Redis's `ll2string`.
fn decimal(value: i64) -> Vec<u8> {
    itoa::Buffer::new().format(value).as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(bytes: &[u8]) -> Input<&[u8]> {
        Input::new(bytes, true)
    }

    #[test]
    fn lengths_at_their_boundaries() {
        let cases: [(&[u8], u64); 8] = [
            (&[0x00], 0),
            (&[0x3F], 63),
            (&[0x40, 0x40], 64),
            (&[0x7F, 0xFF], 16383),
            (&[0x80, 0, 0, 0x40, 0], 16384),
            (&[0x80, 0xFF, 0xFF, 0xFF, 0xFF], u64::from(u32::MAX)),
            (&[0x81, 0, 0, 0, 1, 0, 0, 0, 0], 1 << 32),
            (
                &[0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
                u64::MAX,
            ),
        ];
        for (bytes, expected) in cases {
            let mut input = input(bytes);
            assert_eq!(input.read_len().unwrap(), expected, "{bytes:02x?}");
            assert_eq!(input.offset(), bytes.len() as u64);
        }
    }

    #[test]
    fn bad_lengths() {
        for byte in [0x82u8, 0xBF] {
            assert!(matches!(
                input(&[byte, 0, 0, 0, 0]).read_len(),
                Err(RdbError::BadLength { offset: 0, .. })
            ));
        }
        assert!(matches!(
            input(&[0xC0, 1]).read_len(),
            Err(RdbError::BadLength { byte: 0xC0, .. })
        ));
        assert!(matches!(
            input(&[0x80, 0, 0]).read_len(),
            Err(RdbError::Truncated { offset: 3 })
        ));
        assert!(matches!(
            input(&[0x40]).read_len(),
            Err(RdbError::Truncated { offset: 1 })
        ));
    }

    #[test]
    fn integer_encoded_strings() {
        let cases: [(&[u8], &[u8]); 6] = [
            (&[0xC0, 0x80], b"-128"),
            (&[0xC0, 0x7F], b"127"),
            (&[0xC1, 0x00, 0x80], b"-32768"),
            (&[0xC1, 0x80, 0x00], b"128"),
            (&[0xC2, 0xFF, 0xFF, 0xFF, 0x7F], b"2147483647"),
            (&[0xC2, 0x00, 0x00, 0x00, 0x80], b"-2147483648"),
        ];
        for (bytes, text) in cases {
            assert_eq!(input(bytes).read_string().unwrap(), text);
        }
        assert!(matches!(
            input(&[0xC4]).read_string(),
            Err(RdbError::BadStringEncoding {
                encoding: 4,
                offset: 0
            })
        ));
    }

    #[test]
    fn forged_string_lengths_do_not_allocate() {
        // Claims 4 GiB, holds 3 bytes.
        let mut forged = input(&[0x80, 0xFF, 0xFF, 0xFF, 0xFF, b'a', b'b', b'c']);
        assert!(matches!(
            forged.read_string(),
            Err(RdbError::Truncated { offset: 8 })
        ));
        // LZF claiming 2^62 bytes from 2 compressed bytes, which start at 11.
        let mut lzf = vec![0xC3, 0x02, 0x81];
        lzf.extend_from_slice(&(1u64 << 62).to_be_bytes());
        lzf.extend_from_slice(&[0, b'a']);
        assert!(matches!(
            input(&lzf).read_string(),
            Err(RdbError::Lzf { offset: 11, .. })
        ));
    }

    #[test]
    fn checksum_covers_what_was_read() {
        let bytes = b"\x05hello\x03abc";
        let mut input = input(bytes);
        assert_eq!(input.read_string().unwrap(), b"hello");
        assert_eq!(input.crc(), Some(crc64(0, b"\x05hello")));
        assert_eq!(input.read_string().unwrap(), b"abc");
        assert_eq!(input.crc(), Some(crc64(0, bytes)));
    }
}
