//! Reply encoding: free functions appending one RESP2 or RESP3 element to a `BytesMut`.
//!
//! Owns the wire shapes of replies and how each RESP3 type degrades for a RESP2 client, as
//! Redis 7.0 does it (`addReplyNull`, `addReplyMapLen`, `addReplyDouble`, ... in
//! `src/networking.c`). Aggregate headers only announce a length: the caller writes the
//! elements. Formatting numbers other than integers is the caller's job.

use bytes::BytesMut;

/// The protocol a client speaks (`HELLO 2` / `HELLO 3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// RESP2, what every client speaks until it sends `HELLO 3`.
    #[default]
    Resp2,
    /// RESP3.
    Resp3,
}

/// Writes `<prefix><integer>\r\n`.
fn line_with_integer(buf: &mut BytesMut, prefix: u8, value: impl itoa::Integer) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(value).as_bytes();
    buf.reserve(digits.len() + 3);
    buf.extend_from_slice(&[prefix]);
    buf.extend_from_slice(digits);
    buf.extend_from_slice(b"\r\n");
}

/// Writes `<prefix><text>\r\n`.
fn line_with_text(buf: &mut BytesMut, prefix: u8, text: &[u8]) {
    buf.reserve(text.len() + 3);
    buf.extend_from_slice(&[prefix]);
    buf.extend_from_slice(text);
    buf.extend_from_slice(b"\r\n");
}

/// A simple string: `+<text>\r\n`. The text must not contain `\r` or `\n`.
pub fn simple(buf: &mut BytesMut, text: &[u8]) {
    line_with_text(buf, b'+', text);
}

/// An error: `-<text>\r\n`, `text` being e.g. `ERR syntax error`. Like Redis, any `\r` or
/// `\n` inside the text becomes a space so the reply stays one line.
pub fn error(buf: &mut BytesMut, text: &[u8]) {
    let start = buf.len() + 1;
    line_with_text(buf, b'-', text);
    if memchr::memchr2(b'\r', b'\n', text).is_some() {
        let end = buf.len() - 2;
        for byte in &mut buf[start..end] {
            if matches!(*byte, b'\r' | b'\n') {
                *byte = b' ';
            }
        }
    }
}

/// An integer: `:<value>\r\n`.
pub fn integer(buf: &mut BytesMut, value: i64) {
    line_with_integer(buf, b':', value);
}

/// A bulk string: `$<len>\r\n<bytes>\r\n`.
pub fn bulk(buf: &mut BytesMut, bytes: &[u8]) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(bytes.len()).as_bytes();
    buf.reserve(digits.len() + bytes.len() + 5);
    buf.extend_from_slice(b"$");
    buf.extend_from_slice(digits);
    buf.extend_from_slice(b"\r\n");
    buf.extend_from_slice(bytes);
    buf.extend_from_slice(b"\r\n");
}

/// A null: RESP2 null bulk string `$-1\r\n`, RESP3 `_\r\n`.
pub fn null(buf: &mut BytesMut, protocol: Protocol) {
    buf.extend_from_slice(match protocol {
        Protocol::Resp2 => b"$-1\r\n",
        Protocol::Resp3 => b"_\r\n",
    });
}

/// A null where an array was expected: RESP2 `*-1\r\n`, RESP3 `_\r\n`.
pub fn null_array(buf: &mut BytesMut, protocol: Protocol) {
    buf.extend_from_slice(match protocol {
        Protocol::Resp2 => b"*-1\r\n",
        Protocol::Resp3 => b"_\r\n",
    });
}

/// An array of `len` elements: `*<len>\r\n`.
pub fn array_header(buf: &mut BytesMut, len: usize) {
    line_with_integer(buf, b'*', len);
}

/// A map of `pairs` key/value pairs: RESP3 `%<pairs>\r\n`, RESP2 a flat array of
/// `2 * pairs` elements.
pub fn map_header(buf: &mut BytesMut, protocol: Protocol, pairs: usize) {
    match protocol {
        Protocol::Resp2 => line_with_integer(buf, b'*', pairs as u128 * 2),
        Protocol::Resp3 => line_with_integer(buf, b'%', pairs),
    }
}

/// A set of `len` elements: RESP3 `~<len>\r\n`, RESP2 an array.
pub fn set_header(buf: &mut BytesMut, protocol: Protocol, len: usize) {
    match protocol {
        Protocol::Resp2 => line_with_integer(buf, b'*', len),
        Protocol::Resp3 => line_with_integer(buf, b'~', len),
    }
}

/// An out-of-band push of `len` elements: RESP3 `><len>\r\n`, RESP2 an array.
pub fn push_header(buf: &mut BytesMut, protocol: Protocol, len: usize) {
    match protocol {
        Protocol::Resp2 => line_with_integer(buf, b'*', len),
        Protocol::Resp3 => line_with_integer(buf, b'>', len),
    }
}

/// A double already formatted by the caller (e.g. `3.5`, `inf`): RESP3 `,<text>\r\n`,
/// RESP2 a bulk string of the text.
pub fn double(buf: &mut BytesMut, protocol: Protocol, formatted: &[u8]) {
    match protocol {
        Protocol::Resp2 => bulk(buf, formatted),
        Protocol::Resp3 => line_with_text(buf, b',', formatted),
    }
}

/// A boolean: RESP3 `#t\r\n`/`#f\r\n`, RESP2 the integer `:1\r\n`/`:0\r\n`.
pub fn boolean(buf: &mut BytesMut, protocol: Protocol, value: bool) {
    buf.extend_from_slice(match (protocol, value) {
        (Protocol::Resp2, true) => b":1\r\n",
        (Protocol::Resp2, false) => b":0\r\n",
        (Protocol::Resp3, true) => b"#t\r\n",
        (Protocol::Resp3, false) => b"#f\r\n",
    });
}

/// A verbatim string with a three-byte format such as `txt`: RESP3
/// `=<len>\r\n<format>:<text>\r\n`, RESP2 a bulk string of the text alone.
pub fn verbatim(buf: &mut BytesMut, protocol: Protocol, format: &[u8; 3], text: &[u8]) {
    match protocol {
        Protocol::Resp2 => bulk(buf, text),
        Protocol::Resp3 => {
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(text.len() + 4).as_bytes();
            buf.reserve(digits.len() + text.len() + 9);
            buf.extend_from_slice(b"=");
            buf.extend_from_slice(digits);
            buf.extend_from_slice(b"\r\n");
            buf.extend_from_slice(format);
            buf.extend_from_slice(b":");
            buf.extend_from_slice(text);
            buf.extend_from_slice(b"\r\n");
        }
    }
}

/// A big number given as its decimal digits: RESP3 `(<digits>\r\n`, RESP2 a bulk string.
pub fn big_number(buf: &mut BytesMut, protocol: Protocol, digits: &[u8]) {
    match protocol {
        Protocol::Resp2 => bulk(buf, digits),
        Protocol::Resp3 => line_with_text(buf, b'(', digits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Protocol::{Resp2, Resp3};

    fn encoded(write: impl FnOnce(&mut BytesMut)) -> Vec<u8> {
        let mut buf = BytesMut::new();
        write(&mut buf);
        buf.to_vec()
    }

    #[test]
    fn scalars() {
        assert_eq!(encoded(|b| simple(b, b"OK")), b"+OK\r\n");
        assert_eq!(encoded(|b| simple(b, b"")), b"+\r\n");
        assert_eq!(encoded(|b| integer(b, 0)), b":0\r\n");
        assert_eq!(
            encoded(|b| integer(b, i64::MIN)),
            b":-9223372036854775808\r\n"
        );
        assert_eq!(encoded(|b| bulk(b, b"")), b"$0\r\n\r\n");
        assert_eq!(encoded(|b| bulk(b, b"a\r\nb")), b"$4\r\na\r\nb\r\n");
    }

    #[test]
    fn errors_stay_on_one_line() {
        assert_eq!(
            encoded(|b| error(b, b"ERR syntax error")),
            b"-ERR syntax error\r\n"
        );
        assert_eq!(
            encoded(|b| error(b, b"ERR bad\r\nthing\n")),
            b"-ERR bad  thing \r\n"
        );
        // Bytes already in the buffer are not touched.
        let mut buf = BytesMut::from(&b"\r\n"[..]);
        error(&mut buf, b"X\ry");
        assert_eq!(&buf[..], b"\r\n-X y\r\n");
    }

    #[test]
    fn nulls() {
        assert_eq!(encoded(|b| null(b, Resp2)), b"$-1\r\n");
        assert_eq!(encoded(|b| null(b, Resp3)), b"_\r\n");
        assert_eq!(encoded(|b| null_array(b, Resp2)), b"*-1\r\n");
        assert_eq!(encoded(|b| null_array(b, Resp3)), b"_\r\n");
    }

    #[test]
    fn aggregate_headers() {
        assert_eq!(encoded(|b| array_header(b, 3)), b"*3\r\n");
        assert_eq!(encoded(|b| array_header(b, 0)), b"*0\r\n");
        assert_eq!(encoded(|b| map_header(b, Resp2, 2)), b"*4\r\n");
        assert_eq!(encoded(|b| map_header(b, Resp3, 2)), b"%2\r\n");
        assert_eq!(
            encoded(|b| map_header(b, Resp2, usize::MAX)),
            format!("*{}\r\n", usize::MAX as u128 * 2).into_bytes()
        );
        assert_eq!(encoded(|b| set_header(b, Resp2, 5)), b"*5\r\n");
        assert_eq!(encoded(|b| set_header(b, Resp3, 5)), b"~5\r\n");
        assert_eq!(encoded(|b| push_header(b, Resp2, 3)), b"*3\r\n");
        assert_eq!(encoded(|b| push_header(b, Resp3, 3)), b">3\r\n");
    }

    #[test]
    fn resp3_types_and_their_resp2_forms() {
        assert_eq!(encoded(|b| double(b, Resp3, b"3.5")), b",3.5\r\n");
        assert_eq!(encoded(|b| double(b, Resp2, b"3.5")), b"$3\r\n3.5\r\n");
        assert_eq!(encoded(|b| boolean(b, Resp3, true)), b"#t\r\n");
        assert_eq!(encoded(|b| boolean(b, Resp3, false)), b"#f\r\n");
        assert_eq!(encoded(|b| boolean(b, Resp2, true)), b":1\r\n");
        assert_eq!(encoded(|b| boolean(b, Resp2, false)), b":0\r\n");
        assert_eq!(
            encoded(|b| verbatim(b, Resp3, b"txt", b"hi\n")),
            b"=7\r\ntxt:hi\n\r\n"
        );
        assert_eq!(
            encoded(|b| verbatim(b, Resp2, b"txt", b"hi\n")),
            b"$3\r\nhi\n\r\n"
        );
        assert_eq!(
            encoded(|b| big_number(b, Resp3, b"-1234567890123456789012")),
            b"(-1234567890123456789012\r\n"
        );
        assert_eq!(encoded(|b| big_number(b, Resp2, b"12")), b"$2\r\n12\r\n");
    }
}
