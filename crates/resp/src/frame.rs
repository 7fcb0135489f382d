//! [`Frame`]: one RESP2/RESP3 value of any type, for clients, tests and replication streams.
//!
//! Owns reading and writing whole values. Reading is *check, then parse*: [`Frame::check`]
//! finds out, without allocating, whether a whole value is buffered; [`Frame::parse`] then
//! builds it from zero-copy slices of the consumed bytes. Both walk the bytes with the same
//! decoder, so they cannot disagree. Nesting is limited to [`MAX_DEPTH`] so no input can
//! exhaust the stack.
//!
//! Not read: attributes (`|`), blob errors (`!`) and streamed strings/aggregates (`$?`,
//! `*?`); Redis 7.0 sends none of them. Reading one is [`FrameError::InvalidType`] (or
//! [`FrameError::InvalidLength`] for `?`).
//!
//! The server's own replies are written with [`crate::encode`], which knows the client's
//! protocol; [`Frame::encode`] writes each type in its own protocol.

use std::fmt;
use std::ops::Range;

use bytes::{Bytes, BytesMut};

use crate::encode::{self, Protocol};
use crate::error::FrameError;
use numeric::parse_i64;

/// How deeply aggregates may nest inside one frame.
pub const MAX_DEPTH: usize = 128;

/// One RESP value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// `+text`
    Simple(Bytes),
    /// `-text`, e.g. `ERR syntax error`
    Error(Bytes),
    /// `:n`
    Integer(i64),
    /// `$len` and the bytes
    Bulk(Bytes),
    /// RESP2 null bulk string `$-1`; RESP3 `_` reads as this too.
    Null,
    /// RESP2 null array `*-1`.
    NullArray,
    /// `*len`
    Array(Vec<Frame>),
    /// RESP3 `%pairs`
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~len`
    Set(Vec<Frame>),
    /// RESP3 `>len`, out-of-band data such as pub/sub messages
    Push(Vec<Frame>),
    /// RESP3 `,text`: the text as sent (`1.5`, `inf`, `-nan`, ...)
    Double(Bytes),
    /// RESP3 `#t` / `#f`
    Boolean(bool),
    /// RESP3 `(digits`
    BigNumber(Bytes),
    /// RESP3 `=len` with a three-byte format such as `txt` or `mkd`
    Verbatim {
        /// e.g. `txt`
        format: [u8; 3],
        /// the text after `format:`
        text: Bytes,
    },
}

impl Frame {
    /// Whether `src` starts with a whole frame: `Ok(Some(len))` with its length in bytes,
    /// `Ok(None)` if more bytes are needed. Allocates nothing.
    pub fn check(src: &[u8]) -> Result<Option<usize>, FrameError> {
        Ok(decode(src, 0, 0, &mut Checker)?.map(|((), len)| len))
    }

    /// Consumes one whole frame from the front of `buf`; `Ok(None)` (with `buf` untouched)
    /// if more bytes are needed. Strings in the frame are slices of the consumed bytes.
    pub fn parse(buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        let Some(len) = Frame::check(buf)? else {
            return Ok(None);
        };
        let src = buf.split_to(len).freeze();
        Ok(decode(&src, 0, 0, &mut Builder { src: &src })?.map(|(frame, _)| frame))
    }

    /// Appends the frame: RESP2 types as RESP2 (`Null` is `$-1`, `NullArray` is `*-1`),
    /// RESP3 types as RESP3. `Simple` text must not contain `\r` or `\n`; in `Error` text
    /// they become spaces.
    pub fn encode(&self, buf: &mut BytesMut) {
        const OWN: Protocol = Protocol::Resp3;
        match self {
            Frame::Simple(text) => encode::simple(buf, text),
            Frame::Error(text) => encode::error(buf, text),
            Frame::Integer(value) => encode::integer(buf, *value),
            Frame::Bulk(bytes) => encode::bulk(buf, bytes),
            Frame::Null => encode::null(buf, Protocol::Resp2),
            Frame::NullArray => encode::null_array(buf, Protocol::Resp2),
            Frame::Array(items) => {
                encode::array_header(buf, items.len());
                items.iter().for_each(|item| item.encode(buf));
            }
            Frame::Map(pairs) => {
                encode::map_header(buf, OWN, pairs.len());
                for (key, value) in pairs {
                    key.encode(buf);
                    value.encode(buf);
                }
            }
            Frame::Set(items) => {
                encode::set_header(buf, OWN, items.len());
                items.iter().for_each(|item| item.encode(buf));
            }
            Frame::Push(items) => {
                encode::push_header(buf, OWN, items.len());
                items.iter().for_each(|item| item.encode(buf));
            }
            Frame::Double(text) => encode::double(buf, OWN, text),
            Frame::Boolean(value) => encode::boolean(buf, OWN, *value),
            Frame::BigNumber(digits) => encode::big_number(buf, OWN, digits),
            Frame::Verbatim { format, text } => encode::verbatim(buf, OWN, format, text),
        }
    }
}

/// redis-cli-like: `"bulk"`, `(error) ERR x`, `(integer) 1`, `(nil)`, `[a, b]`, `{k: v}`.
impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, open: &str, items: &[Frame]) -> fmt::Result {
            f.write_str(open)?;
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item}")?;
            }
            f.write_str("]")
        }
        match self {
            Frame::Simple(text) => write!(f, "{}", text.escape_ascii()),
            Frame::Error(text) => write!(f, "(error) {}", text.escape_ascii()),
            Frame::Integer(value) => write!(f, "(integer) {value}"),
            Frame::Bulk(bytes) => write!(f, "\"{}\"", bytes.escape_ascii()),
            Frame::Null => f.write_str("(nil)"),
            Frame::NullArray => f.write_str("(nil array)"),
            Frame::Array(items) => list(f, "[", items),
            Frame::Map(pairs) => {
                f.write_str("{")?;
                for (index, (key, value)) in pairs.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{key}: {value}")?;
                }
                f.write_str("}")
            }
            Frame::Set(items) => list(f, "(set) [", items),
            Frame::Push(items) => list(f, "(push) [", items),
            Frame::Double(text) => write!(f, "(double) {}", text.escape_ascii()),
            Frame::Boolean(value) => write!(f, "({value})"),
            Frame::BigNumber(digits) => write!(f, "(big number) {}", digits.escape_ascii()),
            Frame::Verbatim { format, text } => write!(
                f,
                "(verbatim {}) \"{}\"",
                format.escape_ascii(),
                text.escape_ascii()
            ),
        }
    }
}

/// A value that is not an aggregate, as byte ranges of the source.
enum Scalar {
    Simple(Range<usize>),
    Error(Range<usize>),
    Integer(i64),
    Bulk(Range<usize>),
    Null,
    NullArray,
    Double(Range<usize>),
    Boolean(bool),
    BigNumber(Range<usize>),
    Verbatim { format: [u8; 3], text: Range<usize> },
}

/// The aggregates that are plain lists of elements.
#[derive(Clone, Copy)]
enum ListKind {
    Array,
    Set,
    Push,
}

/// What the decoder produces: nothing while checking, frames while parsing.
trait Assemble {
    type Node;
    type List;
    type Pairs;
    fn scalar(&mut self, scalar: Scalar) -> Self::Node;
    fn list(&mut self, capacity: usize) -> Self::List;
    fn push(&mut self, list: &mut Self::List, item: Self::Node);
    fn finish_list(&mut self, kind: ListKind, list: Self::List) -> Self::Node;
    fn pairs(&mut self, capacity: usize) -> Self::Pairs;
    fn push_pair(&mut self, pairs: &mut Self::Pairs, key: Self::Node, value: Self::Node);
    fn finish_map(&mut self, pairs: Self::Pairs) -> Self::Node;
}

/// Produces nothing: [`Frame::check`].
struct Checker;

impl Assemble for Checker {
    type Node = ();
    type List = ();
    type Pairs = ();
    fn scalar(&mut self, _: Scalar) {}
    fn list(&mut self, _: usize) {}
    fn push(&mut self, (): &mut (), (): ()) {}
    fn finish_list(&mut self, _: ListKind, (): ()) {}
    fn pairs(&mut self, _: usize) {}
    fn push_pair(&mut self, (): &mut (), (): (), (): ()) {}
    fn finish_map(&mut self, (): ()) {}
}

/// Builds frames sliced from `src`: [`Frame::parse`].
struct Builder<'a> {
    src: &'a Bytes,
}

impl Assemble for Builder<'_> {
    type Node = Frame;
    type List = Vec<Frame>;
    type Pairs = Vec<(Frame, Frame)>;

    fn scalar(&mut self, scalar: Scalar) -> Frame {
        match scalar {
            Scalar::Simple(range) => Frame::Simple(self.src.slice(range)),
            Scalar::Error(range) => Frame::Error(self.src.slice(range)),
            Scalar::Integer(value) => Frame::Integer(value),
            Scalar::Bulk(range) => Frame::Bulk(self.src.slice(range)),
            Scalar::Null => Frame::Null,
            Scalar::NullArray => Frame::NullArray,
            Scalar::Double(range) => Frame::Double(self.src.slice(range)),
            Scalar::Boolean(value) => Frame::Boolean(value),
            Scalar::BigNumber(range) => Frame::BigNumber(self.src.slice(range)),
            Scalar::Verbatim { format, text } => Frame::Verbatim {
                format,
                text: self.src.slice(text),
            },
        }
    }

    fn list(&mut self, capacity: usize) -> Vec<Frame> {
        Vec::with_capacity(capacity)
    }

    fn push(&mut self, list: &mut Vec<Frame>, item: Frame) {
        list.push(item);
    }

    fn finish_list(&mut self, kind: ListKind, list: Vec<Frame>) -> Frame {
        match kind {
            ListKind::Array => Frame::Array(list),
            ListKind::Set => Frame::Set(list),
            ListKind::Push => Frame::Push(list),
        }
    }

    fn pairs(&mut self, capacity: usize) -> Vec<(Frame, Frame)> {
        Vec::with_capacity(capacity)
    }

    fn push_pair(&mut self, pairs: &mut Vec<(Frame, Frame)>, key: Frame, value: Frame) {
        pairs.push((key, value));
    }

    fn finish_map(&mut self, pairs: Vec<(Frame, Frame)>) -> Frame {
        Frame::Map(pairs)
    }
}

/// The smallest encoded value (`_\r\n`, `:0\r\n` is four): bounds capacities by input.
const MIN_FRAME_LEN: usize = 3;

/// The content of the line starting at `start` and the offset after its `\r\n`.
fn line(src: &[u8], start: usize) -> Result<Option<(Range<usize>, usize)>, FrameError> {
    let Some(rest) = src.get(start..) else {
        return Ok(None);
    };
    let Some(index) = memchr::memchr(b'\r', rest) else {
        return Ok(None);
    };
    let end = start + index;
    match src.get(end + 1) {
        None => Ok(None),
        Some(b'\n') => Ok(Some((start..end, end + 2))),
        Some(_) => Err(FrameError::MissingCrlf),
    }
}

/// A non-negative length or count.
fn length(text: &[u8]) -> Result<usize, FrameError> {
    parse_i64(text)
        .and_then(|len| usize::try_from(len).ok())
        .ok_or(FrameError::InvalidLength)
}

/// The RESP2 null length.
const NULL_LENGTH: &[u8] = b"-1";

/// `len` payload bytes at `start` followed by `\r\n`: the payload range and the next offset.
fn payload(
    src: &[u8],
    start: usize,
    len: usize,
) -> Result<Option<(Range<usize>, usize)>, FrameError> {
    let end = match start.checked_add(len) {
        Some(end) if end.saturating_add(2) <= src.len() => end,
        _ => return Ok(None),
    };
    if &src[end..end + 2] != b"\r\n" {
        return Err(FrameError::MissingCrlf);
    }
    Ok(Some((start..end, end + 2)))
}

/// Decodes the value at `pos`: `Ok(None)` if it is not all in `src`.
fn decode<A: Assemble>(
    src: &[u8],
    pos: usize,
    depth: usize,
    assemble: &mut A,
) -> Result<Option<(A::Node, usize)>, FrameError> {
    let Some(&kind) = src.get(pos) else {
        return Ok(None);
    };
    let Some((content, next)) = line(src, pos + 1)? else {
        return Ok(None);
    };
    let text = &src[content.clone()];
    let (scalar, next) = match kind {
        b'+' => (Scalar::Simple(content), next),
        b'-' => (Scalar::Error(content), next),
        b':' => (
            Scalar::Integer(parse_i64(text).ok_or(FrameError::InvalidInteger)?),
            next,
        ),
        b',' => (Scalar::Double(content), next),
        b'(' => (Scalar::BigNumber(content), next),
        b'#' => match text {
            b"t" => (Scalar::Boolean(true), next),
            b"f" => (Scalar::Boolean(false), next),
            _ => return Err(FrameError::InvalidBoolean),
        },
        b'_' if text.is_empty() => (Scalar::Null, next),
        b'_' => return Err(FrameError::InvalidNull),
        b'$' if text == NULL_LENGTH => (Scalar::Null, next),
        b'$' => match payload(src, next, length(text)?)? {
            Some((bytes, after)) => (Scalar::Bulk(bytes), after),
            None => return Ok(None),
        },
        b'*' if text == NULL_LENGTH => (Scalar::NullArray, next),
        b'=' => {
            let Some((bytes, after)) = payload(src, next, length(text)?)? else {
                return Ok(None);
            };
            match src[bytes.clone()] {
                [a, b, c, b':', ..] => (
                    Scalar::Verbatim {
                        format: [a, b, c],
                        text: bytes.start + 4..bytes.end,
                    },
                    after,
                ),
                _ => return Err(FrameError::InvalidVerbatim),
            }
        }
        b'*' | b'~' | b'>' | b'%' => {
            let count = length(text)?;
            if depth >= MAX_DEPTH {
                return Err(FrameError::TooDeep);
            }
            return match kind {
                b'%' => decode_map(src, count, next, depth + 1, assemble),
                b'~' => decode_list(src, ListKind::Set, count, next, depth + 1, assemble),
                b'>' => decode_list(src, ListKind::Push, count, next, depth + 1, assemble),
                _ => decode_list(src, ListKind::Array, count, next, depth + 1, assemble),
            };
        }
        other => return Err(FrameError::InvalidType(other)),
    };
    Ok(Some((assemble.scalar(scalar), next)))
}

/// Decodes a map's `count` pairs starting at `pos`.
fn decode_map<A: Assemble>(
    src: &[u8],
    count: usize,
    mut pos: usize,
    depth: usize,
    assemble: &mut A,
) -> Result<Option<(A::Node, usize)>, FrameError> {
    let room = src.len().saturating_sub(pos) / (2 * MIN_FRAME_LEN);
    let mut pairs = assemble.pairs(count.min(room));
    for _ in 0..count {
        let Some((key, after_key)) = decode(src, pos, depth, assemble)? else {
            return Ok(None);
        };
        let Some((value, after_value)) = decode(src, after_key, depth, assemble)? else {
            return Ok(None);
        };
        assemble.push_pair(&mut pairs, key, value);
        pos = after_value;
    }
    Ok(Some((assemble.finish_map(pairs), pos)))
}

/// Decodes a list of `count` elements starting at `pos`.
fn decode_list<A: Assemble>(
    src: &[u8],
    kind: ListKind,
    count: usize,
    mut pos: usize,
    depth: usize,
    assemble: &mut A,
) -> Result<Option<(A::Node, usize)>, FrameError> {
    let room = src.len().saturating_sub(pos) / MIN_FRAME_LEN;
    let mut list = assemble.list(count.min(room));
    for _ in 0..count {
        let Some((item, after)) = decode(src, pos, depth, assemble)? else {
            return Ok(None);
        };
        assemble.push(&mut list, item);
        pos = after;
    }
    Ok(Some((assemble.finish_list(kind, list), pos)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_all(input: &[u8]) -> Result<Option<Frame>, FrameError> {
        let mut buf = BytesMut::from(input);
        let frame = Frame::parse(&mut buf)?;
        if frame.is_some() {
            assert!(buf.is_empty(), "left over: {}", buf.escape_ascii());
        } else {
            assert_eq!(&buf[..], input);
        }
        Ok(frame)
    }

    fn bytes(text: &'static [u8]) -> Bytes {
        Bytes::from_static(text)
    }

    #[test]
    fn reads_every_type() {
        let cases: Vec<(&[u8], Frame)> = vec![
            (b"+OK\r\n", Frame::Simple(bytes(b"OK"))),
            (b"-ERR no\r\n", Frame::Error(bytes(b"ERR no"))),
            (b":-12\r\n", Frame::Integer(-12)),
            (b"$3\r\na\r\n\r\n", Frame::Bulk(bytes(b"a\r\n"))),
            (b"$0\r\n\r\n", Frame::Bulk(Bytes::new())),
            (b"$-1\r\n", Frame::Null),
            (b"_\r\n", Frame::Null),
            (b"*-1\r\n", Frame::NullArray),
            (b"*0\r\n", Frame::Array(Vec::new())),
            (
                b"*2\r\n:1\r\n*1\r\n+x\r\n",
                Frame::Array(vec![
                    Frame::Integer(1),
                    Frame::Array(vec![Frame::Simple(bytes(b"x"))]),
                ]),
            ),
            (
                b"%1\r\n+k\r\n:2\r\n",
                Frame::Map(vec![(Frame::Simple(bytes(b"k")), Frame::Integer(2))]),
            ),
            (b"~1\r\n#t\r\n", Frame::Set(vec![Frame::Boolean(true)])),
            (
                b">2\r\n$7\r\nmessage\r\n#f\r\n",
                Frame::Push(vec![Frame::Bulk(bytes(b"message")), Frame::Boolean(false)]),
            ),
            (b",-inf\r\n", Frame::Double(bytes(b"-inf"))),
            (
                b"(123456789012345678901\r\n",
                Frame::BigNumber(bytes(b"123456789012345678901")),
            ),
            (
                b"=8\r\ntxt:a\r\nb\r\n",
                Frame::Verbatim {
                    format: *b"txt",
                    text: bytes(b"a\r\nb"),
                },
            ),
            (
                b"=4\r\nmkd:\r\n",
                Frame::Verbatim {
                    format: *b"mkd",
                    text: Bytes::new(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Frame::check(input),
                Ok(Some(input.len())),
                "{}",
                input.escape_ascii()
            );
            assert_eq!(
                parse_all(input),
                Ok(Some(expected)),
                "{}",
                input.escape_ascii()
            );
        }
    }

    #[test]
    fn refuses_malformed_values() {
        let cases: Vec<(&[u8], FrameError)> = vec![
            (b"?x\r\n", FrameError::InvalidType(b'?')),
            (b"|1\r\n+a\r\n+b\r\n+c\r\n", FrameError::InvalidType(b'|')),
            (b"!3\r\nERR\r\n", FrameError::InvalidType(b'!')),
            (b"$?\r\n", FrameError::InvalidLength),
            (b"+OK\rX", FrameError::MissingCrlf),
            (b"$3\r\nabcXY", FrameError::MissingCrlf),
            (b":01\r\n", FrameError::InvalidInteger),
            (b":\r\n", FrameError::InvalidInteger),
            (b":9223372036854775808\r\n", FrameError::InvalidInteger),
            (b"$-2\r\n", FrameError::InvalidLength),
            (b"$x\r\n", FrameError::InvalidLength),
            (b"*-2\r\n", FrameError::InvalidLength),
            (b"%-1\r\n", FrameError::InvalidLength),
            (b"~-1\r\n", FrameError::InvalidLength),
            (b"=-1\r\n", FrameError::InvalidLength),
            (b"#x\r\n", FrameError::InvalidBoolean),
            (b"#\r\n", FrameError::InvalidBoolean),
            (b"_x\r\n", FrameError::InvalidNull),
            (b"=3\r\ntxt\r\n", FrameError::InvalidVerbatim),
            (b"=4\r\ntxtX\r\n", FrameError::InvalidVerbatim),
            (b"*2\r\n:1\r\n?\r\n", FrameError::InvalidType(b'?')),
        ];
        for (input, error) in cases {
            assert_eq!(Frame::check(input), Err(error), "{}", input.escape_ascii());
            assert_eq!(parse_all(input), Err(error), "{}", input.escape_ascii());
        }
    }

    #[test]
    fn incomplete_values_wait() {
        for input in [
            &b""[..],
            b"+OK",
            b"+OK\r",
            b"$3\r\nab",
            b"$3\r\nabc\r",
            b"*2\r\n:1\r\n",
            b"%1\r\n+k\r\n",
            b"=8\r\ntxt:",
            // A huge count is not trusted: nothing is reserved for it.
            b"*1000000000\r\n:1\r\n",
            b"$9223372036854775807\r\n",
        ] {
            assert_eq!(Frame::check(input), Ok(None), "{}", input.escape_ascii());
            assert_eq!(parse_all(input), Ok(None), "{}", input.escape_ascii());
        }
    }

    #[test]
    fn nesting_is_limited() {
        let nested = |depth: usize| {
            let mut input = b"*1\r\n".repeat(depth);
            input.extend_from_slice(b":1\r\n");
            input
        };
        let deepest = nested(MAX_DEPTH);
        assert_eq!(Frame::check(&deepest), Ok(Some(deepest.len())));
        assert!(parse_all(&deepest).unwrap().is_some());
        assert_eq!(
            Frame::check(&nested(MAX_DEPTH + 1)),
            Err(FrameError::TooDeep)
        );
        // Far deeper than any stack could recurse, and incomplete.
        assert_eq!(
            Frame::check(&b"*1\r\n".repeat(1_000_000)),
            Err(FrameError::TooDeep)
        );
    }

    #[test]
    fn parse_takes_one_frame_and_slices_it() {
        let mut buf = BytesMut::from(&b"$5\r\nhello\r\n+next"[..]);
        let start = buf.as_ptr();
        let Some(Frame::Bulk(hello)) = Frame::parse(&mut buf).unwrap() else {
            panic!("expected a bulk string");
        };
        assert_eq!(hello, "hello");
        assert_eq!(hello.as_ptr(), start.wrapping_add(4));
        assert_eq!(&buf[..], b"+next");
        assert_eq!(Frame::parse(&mut buf), Ok(None));
    }

    #[test]
    fn encodes_resp2_nulls_and_resp3_types() {
        let encoded = |frame: Frame| {
            let mut buf = BytesMut::new();
            frame.encode(&mut buf);
            buf.to_vec()
        };
        assert_eq!(encoded(Frame::Null), b"$-1\r\n");
        assert_eq!(encoded(Frame::NullArray), b"*-1\r\n");
        assert_eq!(
            encoded(Frame::Map(vec![(Frame::Integer(1), Frame::Boolean(true))])),
            b"%1\r\n:1\r\n#t\r\n"
        );
        assert_eq!(encoded(Frame::Set(vec![Frame::Null])), b"~1\r\n$-1\r\n");
        assert_eq!(encoded(Frame::Push(Vec::new())), b">0\r\n");
        assert_eq!(encoded(Frame::Double(bytes(b"1.5"))), b",1.5\r\n");
        assert_eq!(encoded(Frame::BigNumber(bytes(b"-7"))), b"(-7\r\n");
        assert_eq!(
            encoded(Frame::Verbatim {
                format: *b"txt",
                text: bytes(b"hi")
            }),
            b"=6\r\ntxt:hi\r\n"
        );
        assert_eq!(encoded(Frame::Error(bytes(b"ERR a\nb"))), b"-ERR a b\r\n");
    }

    #[test]
    fn display_is_readable() {
        let frame = Frame::Array(vec![
            Frame::Simple(bytes(b"OK")),
            Frame::Error(bytes(b"ERR x")),
            Frame::Integer(3),
            Frame::Bulk(bytes(b"a\"\n\xff")),
            Frame::Null,
            Frame::NullArray,
            Frame::Map(vec![(
                Frame::Bulk(bytes(b"k")),
                Frame::Double(bytes(b"1.5")),
            )]),
            Frame::Set(vec![Frame::Boolean(true)]),
            Frame::Push(vec![Frame::BigNumber(bytes(b"12"))]),
            Frame::Verbatim {
                format: *b"txt",
                text: bytes(b"hi"),
            },
        ]);
        assert_eq!(
            frame.to_string(),
            r#"[OK, (error) ERR x, (integer) 3, "a\"\n\xff", (nil), (nil array), {"k": (double) 1.5}, (set) [(true)], (push) [(big number) 12], (verbatim txt) "hi"]"#
        );
    }

    /// Text that RESP can carry on one line.
    fn line_text() -> impl Strategy<Value = Bytes> {
        prop::collection::vec(
            any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
            0..12,
        )
        .prop_map(Bytes::from)
    }

    fn any_frame() -> impl Strategy<Value = Frame> {
        let scalar = prop_oneof![
            line_text().prop_map(Frame::Simple),
            line_text().prop_map(Frame::Error),
            any::<i64>().prop_map(Frame::Integer),
            prop::collection::vec(any::<u8>(), 0..24).prop_map(|b| Frame::Bulk(Bytes::from(b))),
            Just(Frame::Null),
            Just(Frame::NullArray),
            line_text().prop_map(Frame::Double),
            any::<bool>().prop_map(Frame::Boolean),
            "-?[1-9][0-9]{0,30}".prop_map(|digits| Frame::BigNumber(Bytes::from(digits))),
            (any::<[u8; 3]>(), prop::collection::vec(any::<u8>(), 0..16)).prop_map(
                |(format, text)| Frame::Verbatim {
                    format,
                    text: Bytes::from(text)
                }
            ),
        ];
        scalar.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Array),
                prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(Frame::Map),
                prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Set),
                prop::collection::vec(inner, 0..6).prop_map(Frame::Push),
            ]
        })
    }

    proptest! {
        #[test]
        fn encode_then_parse_round_trips(frame in any_frame(), trailing in prop::collection::vec(any::<u8>(), 0..8)) {
            let mut buf = BytesMut::new();
            frame.encode(&mut buf);
            let len = buf.len();
            for prefix in 0..len {
                prop_assert_eq!(Frame::check(&buf[..prefix]), Ok(None));
            }
            buf.extend_from_slice(&trailing);
            prop_assert_eq!(Frame::check(&buf), Ok(Some(len)));
            prop_assert_eq!(Frame::parse(&mut buf), Ok(Some(frame)));
            prop_assert_eq!(&buf[..], &trailing[..]);
        }

        #[test]
        fn arbitrary_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..256)) {
            let checked = Frame::check(&input);
            let mut buf = BytesMut::from(&input[..]);
            let parsed = Frame::parse(&mut buf);
            prop_assert_eq!(checked.is_err(), parsed.is_err());
            if let Ok(Some(len)) = checked {
                prop_assert_eq!(buf.len(), input.len() - len);
            }
        }
    }
}
