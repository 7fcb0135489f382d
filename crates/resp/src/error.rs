//! The crate's error types: [`ProtocolError`] for client requests (its texts are Redis's
//! replies) and [`FrameError`] for malformed RESP values read by [`crate::Frame`].

use bytes::BytesMut;
use thiserror::Error;

/// A request Redis 7.0 would refuse with a protocol error, after which it replies and closes
/// the connection (closing is the caller's job).
///
/// `Display` is Redis's reply text without the leading `-`, e.g.
/// `ERR Protocol error: invalid bulk length`. [`ProtocolError::encode_reply`] writes the whole
/// reply line byte for byte, which `Display` cannot do for
/// [`ProtocolError::ExpectedDollar`] with a non-ASCII byte (Redis sends the raw byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ProtocolError {
    /// The `*<count>` line is not a `string2ll` integer, or the count is over `i32::MAX`.
    #[error("ERR Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    /// The `$<len>` line is not a `string2ll` integer, is negative, or is over
    /// `proto-max-bulk-len`.
    #[error("ERR Protocol error: invalid bulk length")]
    InvalidBulkLength,
    /// An argument header does not start with `$`; holds the byte found instead.
    #[error("ERR Protocol error: expected '$', got '{}'", dollar_substitute_for_display(*.0))]
    ExpectedDollar(u8),
    /// No end of the `*<count>` line within `inline_max_size` bytes.
    #[error("ERR Protocol error: too big mbulk count string")]
    TooBigMultibulkCount,
    /// No end of a `$<len>` line within `inline_max_size` bytes.
    #[error("ERR Protocol error: too big bulk count string")]
    TooBigBulkCount,
    /// No newline in an inline command within `inline_max_size` bytes.
    #[error("ERR Protocol error: too big inline request")]
    TooBigInlineRequest,
    /// An inline command with an unterminated quote, or a closing quote followed by
    /// something other than a space.
    #[error("ERR Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    /// More than 10 arguments from a connection that must authenticate first.
    #[error("ERR Protocol error: unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    /// An argument over 16384 bytes from a connection that must authenticate first.
    #[error("ERR Protocol error: unauthenticated bulk length")]
    UnauthenticatedBulkLength,
}

impl ProtocolError {
    /// Appends the error reply exactly as Redis sends it: `-`, the text, `\r\n`.
    ///
    /// Redis formats the unexpected byte with `%c` and then turns `\r` and `\n` into spaces
    /// (`addReplyErrorFormat`), so `expected '$', got ' '` is what an empty header line gets.
    pub fn encode_reply(&self, buf: &mut BytesMut) {
        match *self {
            ProtocolError::ExpectedDollar(found) => {
                buf.extend_from_slice(b"-ERR Protocol error: expected '$', got '");
                buf.extend_from_slice(&[reply_byte(found), b'\'', b'\r', b'\n']);
            }
            _ => {
                let text = self.to_string();
                buf.reserve(text.len() + 3);
                buf.extend_from_slice(b"-");
                buf.extend_from_slice(text.as_bytes());
                buf.extend_from_slice(b"\r\n");
            }
        }
    }
}

/// The byte Redis puts in the reply for an unexpected header byte.
fn reply_byte(found: u8) -> u8 {
    match found {
        b'\r' | b'\n' => b' ',
        other => other,
    }
}

/// `Display` must be UTF-8: ASCII bytes appear as Redis sends them, others as U+FFFD.
fn dollar_substitute_for_display(found: u8) -> char {
    let byte = reply_byte(found);
    if byte.is_ascii() {
        char::from(byte)
    } else {
        char::REPLACEMENT_CHARACTER
    }
}

/// A byte sequence that is not a valid RESP2/RESP3 value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FrameError {
    /// The first byte of a value names no type this crate reads.
    #[error("invalid RESP type byte {0:#04x}")]
    InvalidType(u8),
    /// A line does not end with `\r\n`, or a payload is not followed by `\r\n`.
    #[error("RESP line or payload not terminated by CRLF")]
    MissingCrlf,
    /// An integer value that is not a canonical `i64`.
    #[error("invalid RESP integer")]
    InvalidInteger,
    /// A length or count that is not a canonical integer, or is negative where only `-1`
    /// (RESP2 null) or nothing negative is allowed.
    #[error("invalid RESP length")]
    InvalidLength,
    /// A boolean other than `#t` or `#f`.
    #[error("invalid RESP boolean")]
    InvalidBoolean,
    /// A null (`_`) with content before its `\r\n`.
    #[error("invalid RESP null")]
    InvalidNull,
    /// A verbatim string shorter than `xxx:` or without the `:` after its format.
    #[error("invalid RESP verbatim string")]
    InvalidVerbatim,
    /// Aggregates nested deeper than [`crate::frame::MAX_DEPTH`].
    #[error("RESP aggregates nested too deep")]
    TooDeep,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(error: ProtocolError) -> Vec<u8> {
        let mut buf = BytesMut::new();
        error.encode_reply(&mut buf);
        buf.to_vec()
    }

    #[test]
    fn display_is_redis_reply_text() {
        let cases = [
            (
                ProtocolError::InvalidMultibulkLength,
                "ERR Protocol error: invalid multibulk length",
            ),
            (
                ProtocolError::InvalidBulkLength,
                "ERR Protocol error: invalid bulk length",
            ),
            (
                ProtocolError::ExpectedDollar(b'x'),
                "ERR Protocol error: expected '$', got 'x'",
            ),
            (
                ProtocolError::TooBigMultibulkCount,
                "ERR Protocol error: too big mbulk count string",
            ),
            (
                ProtocolError::TooBigBulkCount,
                "ERR Protocol error: too big bulk count string",
            ),
            (
                ProtocolError::TooBigInlineRequest,
                "ERR Protocol error: too big inline request",
            ),
            (
                ProtocolError::UnbalancedQuotes,
                "ERR Protocol error: unbalanced quotes in request",
            ),
            (
                ProtocolError::UnauthenticatedMultibulkLength,
                "ERR Protocol error: unauthenticated multibulk length",
            ),
            (
                ProtocolError::UnauthenticatedBulkLength,
                "ERR Protocol error: unauthenticated bulk length",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
            assert_eq!(reply(error), format!("-{text}\r\n").into_bytes());
        }
    }

    #[test]
    fn expected_dollar_reply_matches_redis_bytes() {
        // Observed from redis-server 7.0.15 for `*1\r\n\r\n`, `*1\r\n\n\r\n`, `*1\r\n\xff\r\n`.
        assert_eq!(
            reply(ProtocolError::ExpectedDollar(b'\r')),
            b"-ERR Protocol error: expected '$', got ' '\r\n"
        );
        assert_eq!(
            reply(ProtocolError::ExpectedDollar(b'\n')),
            b"-ERR Protocol error: expected '$', got ' '\r\n"
        );
        assert_eq!(
            reply(ProtocolError::ExpectedDollar(0xff)),
            b"-ERR Protocol error: expected '$', got '\xff'\r\n"
        );
        assert_eq!(
            ProtocolError::ExpectedDollar(0xff).to_string(),
            "ERR Protocol error: expected '$', got '\u{fffd}'"
        );
    }
}
