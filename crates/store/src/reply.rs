//! The reply a command writes, straight into the connection's output buffer.
//!
//! Handlers write while they still hold their slot locks, so a value is copied once, from the
//! table into the socket buffer. A complete reply yields a [`Written`] token: a handler returns
//! `Result<Written, CmdError>`, so it cannot finish without either replying or failing.

use bytes::BytesMut;
use resp::{Protocol, encode};

/// Proof that a whole reply was written. Only this module can make one.
#[derive(Debug)]
#[must_use]
pub struct Written(());

/// Writes RESP replies for one command in the connection's protocol version.
pub struct Reply<'a> {
    buf: &'a mut BytesMut,
    proto: Protocol,
}

impl<'a> Reply<'a> {
    pub fn new(buf: &'a mut BytesMut, proto: Protocol) -> Reply<'a> {
        Reply { buf, proto }
    }

    pub fn protocol(&self) -> Protocol {
        self.proto
    }

    /// Switches the protocol for what follows (HELLO answers in the version it selects).
    pub fn set_protocol(&mut self, proto: Protocol) {
        self.proto = proto;
    }

    /// No reply at all: for SHUTDOWN, whose answer is the connection closing.
    /// A push header (`>` in RESP3, an array in RESP2): pub/sub confirmations and messages.
    pub fn push(&mut self, len: usize) -> Written {
        encode::push_header(self.buf, self.proto, len);
        Written(())
    }

    /// The output buffer, for a reply made of other commands' replies (EXEC).
    pub fn buffer(&mut self) -> &mut BytesMut {
        self.buf
    }

    pub fn nothing(&mut self) -> Written {
        Written(())
    }

    pub fn ok(&mut self) -> Written {
        self.buf.extend_from_slice(b"+OK\r\n");
        Written(())
    }

    pub fn simple(&mut self, s: &[u8]) -> Written {
        encode::simple(self.buf, s);
        Written(())
    }

    pub fn error(&mut self, s: &[u8]) -> Written {
        encode::error(self.buf, s);
        Written(())
    }

    pub fn int(&mut self, n: i64) -> Written {
        encode::integer(self.buf, n);
        Written(())
    }

    pub fn bulk(&mut self, b: &[u8]) -> Written {
        encode::bulk(self.buf, b);
        Written(())
    }

    /// A bulk string made of several parts (e.g. a value read in pieces).
    pub fn bulk_parts(&mut self, parts: &[&[u8]]) -> Written {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.buf.extend_from_slice(b"$");
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
        for p in parts {
            self.buf.extend_from_slice(p);
        }
        self.buf.extend_from_slice(b"\r\n");
        Written(())
    }

    pub fn opt_bulk(&mut self, b: Option<&[u8]>) -> Written {
        match b {
            Some(b) => self.bulk(b),
            None => self.null(),
        }
    }

    /// The null bulk string (`$-1` in RESP2, `_` in RESP3).
    pub fn null(&mut self) -> Written {
        encode::null(self.buf, self.proto);
        Written(())
    }

    /// The null array (`*-1` in RESP2, `_` in RESP3).
    pub fn null_array(&mut self) -> Written {
        encode::null_array(self.buf, self.proto);
        Written(())
    }

    /// An array header; the caller then writes exactly `len` elements.
    pub fn array(&mut self, len: usize) -> Written {
        encode::array_header(self.buf, len);
        Written(())
    }

    /// A map header (`%` in RESP3, a flat array in RESP2); then `pairs` keys and values.
    pub fn map(&mut self, pairs: usize) -> Written {
        encode::map_header(self.buf, self.proto, pairs);
        Written(())
    }

    /// A set header (`~` in RESP3, an array in RESP2).
    pub fn set(&mut self, len: usize) -> Written {
        encode::set_header(self.buf, self.proto, len);
        Written(())
    }

    /// A double, formatted as Redis 7.0 formats it (`%.17g`).
    pub fn double(&mut self, d: f64) -> Written {
        let mut text = Vec::with_capacity(32);
        numeric::format_double(d, &mut text);
        encode::double(self.buf, self.proto, &text);
        Written(())
    }

    /// A verbatim string (`=` in RESP3, bulk in RESP2).
    pub fn verbatim(&mut self, text: &[u8]) -> Written {
        encode::verbatim(self.buf, self.proto, b"txt", text);
        Written(())
    }

    /// An array of bulk strings.
    pub fn bulk_array<'b>(&mut self, items: impl ExactSizeIterator<Item = &'b [u8]>) -> Written {
        encode::array_header(self.buf, items.len());
        for item in items {
            encode::bulk(self.buf, item);
        }
        Written(())
    }

    /// Bytes written so far into the output buffer (for output-size accounting).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }
}
