//! Fuzzes `resp::RequestParser` with arbitrary bytes in arbitrary chunkings.
//!
//! Input layout: the first byte's top bit sets `auth_required`, its low seven bits say how
//! many of the following bytes are chunk lengths; the rest is what the client sends. The
//! parser must never panic, and reading the input in those chunks must give the same
//! commands and error as reading it at once (while the input is within `inline_max_size`:
//! beyond it, Redis's "too big" errors depend on the chunking by design).
//!
//! Run with `cargo +nightly fuzz run request_parser` from this directory.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use resp::{Limits, ProtocolError, RequestParser};

/// The commands parsed and how it ended: an error, or the bytes still waiting.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    commands: Vec<Vec<Vec<u8>>>,
    error: Option<ProtocolError>,
    unparsed: Vec<u8>,
}

fn feed(input: &[u8], chunk_lens: &[u8], limits: &Limits) -> Outcome {
    let mut parser = RequestParser::default();
    let mut buf = BytesMut::new();
    let mut args = Vec::new();
    let mut commands = Vec::new();
    let mut rest = input;
    let mut chunk_lens = chunk_lens.iter();
    while !rest.is_empty() {
        let len = chunk_lens
            .next()
            .map_or(rest.len(), |&len| usize::from(len).min(rest.len()));
        let (chunk, tail) = rest.split_at(len);
        rest = tail;
        if let Some(needed) = parser.pending_bulk_hint() {
            buf.reserve(needed.saturating_sub(buf.len()).min(1 << 20));
        }
        buf.extend_from_slice(chunk);
        loop {
            match parser.parse(&mut buf, limits, &mut args) {
                Ok(true) => commands.push(args.iter().map(|arg| arg.to_vec()).collect()),
                Ok(false) => break,
                Err(error) => {
                    return Outcome {
                        commands,
                        error: Some(error),
                        unparsed: Vec::new(),
                    };
                }
            }
        }
    }
    Outcome {
        commands,
        error: None,
        unparsed: buf.to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        auth_required: control & 0x80 != 0,
        ..Limits::default()
    };
    let (chunk_lens, input) = rest.split_at(usize::from(control & 0x7f).min(rest.len()));
    let whole = feed(input, &[], &limits);
    let chunked = feed(input, chunk_lens, &limits);
    if input.len() <= limits.inline_max_size {
        assert_eq!(whole, chunked);
    }
});
