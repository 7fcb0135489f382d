//! Client requests: the incremental [`RequestParser`] and its [`Limits`].
//!
//! Owns the framing of requests exactly as Redis 7.0 reads them (`processInputBuffer`,
//! `processMultibulkBuffer` and `processInlineBuffer` in `src/networking.c`). It does not know
//! what a command is, does not read sockets and does not enforce the query-buffer limit.
//!
//! Redis quirks kept on purpose, because a client can observe them:
//! - A line is searched with C's `strchr`, which stops at a NUL byte: a NUL before the end of
//!   a header line (or of an inline line) means the line never ends, and the request waits
//!   until it exceeds `inline_max_size` and fails as "too big".
//! - A header line ends at `\r` followed by any byte; the byte is not checked to be `\n`.
//!   Likewise the two bytes after a bulk payload are skipped unchecked.
//! - Errors are found line by line as data arrives, so a bad header is refused before the
//!   rest of its command is received.
//! - The "too big" errors depend on how much was buffered when the parser looked: like Redis,
//!   a header line longer than `inline_max_size` fails as "too big" if the parser sees that
//!   many bytes without its end, and as "invalid length" if its end arrived in the same read.

use bytes::{Buf, Bytes, BytesMut};
use memchr::memchr2;

use crate::ProtocolError;
use crate::inline::split_inline_args;
use numeric::parse_i64;

/// Redis's `proto-max-bulk-len` default: 512 MB.
const DEFAULT_PROTO_MAX_BULK_LEN: u64 = 512 * 1024 * 1024;
/// Redis's `PROTO_INLINE_MAX_SIZE`.
const DEFAULT_INLINE_MAX_SIZE: usize = 64 * 1024;
/// Redis 7.0 refuses a multibulk count over `INT_MAX`.
const MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;
/// Before authentication Redis accepts at most this many arguments...
const UNAUTHENTICATED_MAX_MULTIBULK_LEN: i64 = 10;
/// ...each of at most this many bytes.
const UNAUTHENTICATED_MAX_BULK_LEN: i64 = 16 * 1024;
/// Redis's `PROTO_MBULK_BIG_ARG`: from this size on, an argument's room is reserved at once.
const BIG_ARGUMENT_LEN: u64 = 32 * 1024;

/// The limits a request is checked against; the connection supplies them on every call, so
/// `auth_required` can change once the client has authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest argument accepted (`proto-max-bulk-len`). Default 512 MB.
    pub proto_max_bulk_len: u64,
    /// Longest inline command or header line (`PROTO_INLINE_MAX_SIZE`). Default 64 KB.
    pub inline_max_size: usize,
    /// Whether the client has yet to authenticate: then a command may have at most 10
    /// arguments of at most 16384 bytes each, as in Redis.
    pub auth_required: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            proto_max_bulk_len: DEFAULT_PROTO_MAX_BULK_LEN,
            inline_max_size: DEFAULT_INLINE_MAX_SIZE,
            auth_required: false,
        }
    }
}

/// An incremental, resumable request parser; keep one per connection.
///
/// Between calls the caller may only append to the buffer (or consume what
/// [`RequestParser::parse`] reported as a whole command): the parser remembers offsets into
/// it so that each byte is examined once however many reads a command takes. After an error
/// the parser starts afresh, but the buffer's content is unspecified: reply and close.
#[derive(Debug, Default)]
pub struct RequestParser {
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// The first line (inline command or `*<count>`) has not ended within the bytes seen;
    /// `LineSearch::from(0)` when nothing of the next command was examined yet.
    FirstLine(LineSearch),
    /// The count is known; arguments are being validated.
    Arguments(ArgumentsProgress),
}

/// How far the search for a line's end has got.
impl Default for State {
    fn default() -> Self {
        State::FirstLine(LineSearch::from(0))
    }
}

#[derive(Debug, Clone, Copy)]
struct LineSearch {
    /// No line end before this offset.
    scanned: usize,
    /// A NUL byte was found first: Redis's `strchr` will never see this line end.
    blocked_by_nul: bool,
}

impl LineSearch {
    fn from(offset: usize) -> Self {
        LineSearch {
            scanned: offset,
            blocked_by_nul: false,
        }
    }

    /// The offset of the first `terminator` byte, unless a NUL byte comes before it.
    fn find(&mut self, buf: &[u8], terminator: u8) -> Option<usize> {
        if self.blocked_by_nul {
            return None;
        }
        let unscanned = buf.get(self.scanned..)?;
        match memchr2(terminator, 0, unscanned) {
            Some(index) => {
                self.scanned += index;
                if unscanned[index] == terminator {
                    Some(self.scanned)
                } else {
                    self.blocked_by_nul = true;
                    None
                }
            }
            None => {
                self.scanned = buf.len();
                None
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct ArgumentsProgress {
    /// Offset of the first `$` header, just after the count line.
    first_header: usize,
    /// The command's argument count.
    count: usize,
    /// Arguments not yet validated.
    remaining: usize,
    /// Offset of the next unvalidated byte: a header, or the payload of `pending`.
    cursor: usize,
    pending: PendingArgument,
}

#[derive(Debug, Clone, Copy)]
enum PendingArgument {
    /// Waiting for the end of the `$<len>` line at `cursor`.
    Header(LineSearch),
    /// The header was valid; waiting for `len` bytes plus two at `cursor`.
    Payload { len: u64 },
}

/// Whether the parser needs more bytes or has a whole command.
enum Progress {
    NeedMore,
    Complete,
}

impl RequestParser {
    /// Consumes one whole command from the front of `buf` into `args`.
    ///
    /// Returns `Ok(false)` if `buf` does not yet hold a whole command: then nothing is
    /// allocated and `buf` and `args` are untouched. Returns `Ok(true)` when a command was
    /// consumed: `args` is cleared and filled with its arguments, which for the multibulk
    /// form are slices of the consumed bytes. An empty command (`*0`, `*-1`, a blank inline
    /// line) gives `Ok(true)` with `args` empty, which Redis skips silently.
    pub fn parse(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        args: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        let result = match buf.first() {
            None => Ok(false),
            Some(b'*') => self.parse_multibulk(buf, limits, args),
            Some(_) => self.parse_inline(buf, limits, args),
        };
        if !matches!(result, Ok(false)) {
            self.state = State::default();
        }
        result
    }

    /// While a big argument (32 KB or more, as Redis's `PROTO_MBULK_BIG_ARG`) is arriving:
    /// the length `buf` must reach for that argument to be complete, so the connection can
    /// reserve the room once instead of growing the buffer read by read.
    pub fn pending_bulk_hint(&self) -> Option<usize> {
        match self.state {
            State::Arguments(ArgumentsProgress {
                cursor,
                pending: PendingArgument::Payload { len },
                ..
            }) if len >= BIG_ARGUMENT_LEN => usize::try_from(len)
                .ok()?
                .checked_add(2)?
                .checked_add(cursor),
            _ => None,
        }
    }

    fn parse_inline(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        args: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        let mut search = match self.state {
            State::FirstLine(search) => search,
            // Only if the caller replaced the buffer mid-command: start over.
            State::Arguments(_) => LineSearch::from(0),
        };
        let Some(newline) = search.find(buf, b'\n') else {
            if buf.len() > limits.inline_max_size {
                return Err(ProtocolError::TooBigInlineRequest);
            }
            self.state = State::FirstLine(search);
            return Ok(false);
        };
        let line_len = match newline.checked_sub(1) {
            Some(before) if buf[before] == b'\r' => before,
            _ => newline,
        };
        let mut line = buf.split_to(newline + 1).freeze();
        line.truncate(line_len);
        args.clear();
        split_inline_args(&line, args)?;
        Ok(true)
    }

    fn parse_multibulk(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        args: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        let mut progress = match self.state {
            State::Arguments(progress) => progress,
            State::FirstLine(search) => match read_count_line(buf, limits, search)? {
                CountLine::Incomplete(search) => {
                    self.state = State::FirstLine(search);
                    return Ok(false);
                }
                CountLine::Empty => {
                    args.clear();
                    return Ok(true);
                }
                CountLine::Arguments(progress) => progress,
            },
        };
        match validate_arguments(&mut progress, buf, limits)? {
            Progress::NeedMore => {
                self.state = State::Arguments(progress);
                Ok(false)
            }
            Progress::Complete => {
                collect_arguments(buf, &progress, args);
                Ok(true)
            }
        }
    }
}

/// What the `*<count>` line says.
enum CountLine {
    /// The line has not ended yet.
    Incomplete(LineSearch),
    /// A count of zero or less: the line was consumed and the command is empty.
    Empty,
    /// Arguments to read.
    Arguments(ArgumentsProgress),
}

/// The common header line, `<kind><digits>\r<any byte>` at `at` with canonical digits (no
/// sign, no leading zero, at most 18) whose value is at most `max`: its value and the offset
/// of its `\r`, read in one pass. Anything else (incomplete, malformed, too big) is left to
/// the general path, which finds the line end as Redis does and gives Redis's errors.
fn quick_header(buf: &[u8], at: usize, kind: u8, max: u64) -> Option<(u64, usize)> {
    let line = buf.get(at..)?;
    if line.first() != Some(&kind) {
        return None;
    }
    let mut value = 0u64;
    for (i, &byte) in line.iter().enumerate().skip(1).take(19) {
        match byte {
            // A zero after a leading zero is not canonical.
            b'0'..=b'9' if i == 1 || value != 0 => value = value * 10 + u64::from(byte - b'0'),
            b'\r' if i > 1 && at + i + 2 <= buf.len() && value <= max => {
                return Some((value, at + i));
            }
            _ => return None,
        }
    }
    None
}

/// Reads the `*<count>` line at the front of `buf`.
fn read_count_line(
    buf: &mut BytesMut,
    limits: &Limits,
    mut search: LineSearch,
) -> Result<CountLine, ProtocolError> {
    let max_count = if limits.auth_required {
        UNAUTHENTICATED_MAX_MULTIBULK_LEN
    } else {
        MAX_MULTIBULK_LEN
    };
    if let Some((count, carriage_return)) = quick_header(buf, 0, b'*', max_count as u64)
        && count > 0
    {
        let line_end = carriage_return + 2;
        let count = count as usize;
        return Ok(CountLine::Arguments(ArgumentsProgress {
            first_header: line_end,
            count,
            remaining: count,
            cursor: line_end,
            pending: PendingArgument::Header(LineSearch::from(line_end)),
        }));
    }
    let Some(carriage_return) = search.find(buf, b'\r') else {
        if buf.len() > limits.inline_max_size {
            return Err(ProtocolError::TooBigMultibulkCount);
        }
        return Ok(CountLine::Incomplete(search));
    };
    let line_end = carriage_return + 2;
    if line_end > buf.len() {
        return Ok(CountLine::Incomplete(search));
    }
    let count = parse_i64(&buf[1..carriage_return])
        .filter(|&count| count <= MAX_MULTIBULK_LEN)
        .ok_or(ProtocolError::InvalidMultibulkLength)?;
    if count > UNAUTHENTICATED_MAX_MULTIBULK_LEN && limits.auth_required {
        return Err(ProtocolError::UnauthenticatedMultibulkLength);
    }
    match usize::try_from(count) {
        Ok(count @ 1..) => Ok(CountLine::Arguments(ArgumentsProgress {
            first_header: line_end,
            count,
            remaining: count,
            cursor: line_end,
            pending: PendingArgument::Header(LineSearch::from(line_end)),
        })),
        _ => {
            buf.advance(line_end);
            Ok(CountLine::Empty)
        }
    }
}

/// Validates arguments from `progress.cursor` on, as far as `buf` allows.
fn validate_arguments(
    progress: &mut ArgumentsProgress,
    buf: &[u8],
    limits: &Limits,
) -> Result<Progress, ProtocolError> {
    while progress.remaining > 0 {
        let len = match &mut progress.pending {
            PendingArgument::Payload { len } => *len,
            PendingArgument::Header(_)
                if let Some((len, carriage_return)) =
                    quick_header(buf, progress.cursor, b'$', limits.proto_max_bulk_len).filter(
                        |&(len, _)| {
                            !limits.auth_required || len <= UNAUTHENTICATED_MAX_BULK_LEN as u64
                        },
                    ) =>
            {
                progress.cursor = carriage_return + 2;
                len
            }
            PendingArgument::Header(search) => {
                let Some(carriage_return) = search.find(buf, b'\r') else {
                    if buf.len().saturating_sub(progress.cursor) > limits.inline_max_size {
                        return Err(ProtocolError::TooBigBulkCount);
                    }
                    return Ok(Progress::NeedMore);
                };
                if carriage_return + 2 > buf.len() {
                    return Ok(Progress::NeedMore);
                }
                let len = read_bulk_header(&buf[progress.cursor..carriage_return], limits)?;
                progress.cursor = carriage_return + 2;
                len
            }
        };
        let available = buf.len().saturating_sub(progress.cursor) as u64;
        if available < len + 2 {
            progress.pending = PendingArgument::Payload { len };
            return Ok(Progress::NeedMore);
        }
        // `len + 2 <= available`, which is a `usize`.
        progress.cursor += (len + 2) as usize;
        progress.remaining -= 1;
        progress.pending = PendingArgument::Header(LineSearch::from(progress.cursor));
    }
    Ok(Progress::Complete)
}

/// Checks a `$<len>` line (without its line end) and returns the length.
fn read_bulk_header(line: &[u8], limits: &Limits) -> Result<u64, ProtocolError> {
    match line.split_first() {
        Some((b'$', digits)) => {
            let len = parse_i64(digits)
                .and_then(|len| u64::try_from(len).ok())
                .filter(|&len| len <= limits.proto_max_bulk_len)
                .ok_or(ProtocolError::InvalidBulkLength)?;
            if len > UNAUTHENTICATED_MAX_BULK_LEN as u64 && limits.auth_required {
                return Err(ProtocolError::UnauthenticatedBulkLength);
            }
            Ok(len)
        }
        // An empty line: Redis reports the `\r` it found where `$` should be.
        None => Err(ProtocolError::ExpectedDollar(b'\r')),
        Some((&other, _)) => Err(ProtocolError::ExpectedDollar(other)),
    }
}

/// Splits the validated command off `buf` and fills `args` with slices of it, walking the
/// headers once more (the validation pass keeps no per-argument state, so that an
/// incomplete command never allocates).
fn collect_arguments(buf: &mut BytesMut, progress: &ArgumentsProgress, args: &mut Vec<Bytes>) {
    let frame = buf.split_to(progress.cursor).freeze();
    args.clear();
    // Every argument takes at least five bytes of the frame, so this is bounded by input.
    args.reserve(progress.count);
    let mut header = progress.first_header;
    for _ in 0..progress.count {
        // Validated: `$`, canonical digits, `\r`, one skipped byte, payload, two skipped bytes.
        let mut digits_end = header + 1;
        let mut len = 0usize;
        while let Some(&digit) = frame.get(digits_end).filter(|byte| byte.is_ascii_digit()) {
            len = len * 10 + usize::from(digit - b'0');
            digits_end += 1;
        }
        let payload = digits_end + 2;
        args.push(frame.slice(payload..payload + len));
        header = payload + len + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode;
    use proptest::prelude::*;

    /// Everything a connection would see from feeding `input` in pieces of `chunk_lens`
    /// (the rest in one piece): the commands parsed, then the error or the unparsed tail.
    #[derive(Debug, PartialEq, Eq)]
    struct Outcome {
        commands: Vec<Vec<Vec<u8>>>,
        error: Option<ProtocolError>,
        unparsed: Vec<u8>,
    }

    fn feed_in_chunks(input: &[u8], chunk_lens: &[usize], limits: &Limits) -> Outcome {
        let mut parser = RequestParser::default();
        let mut buf = BytesMut::new();
        let mut args = Vec::new();
        let mut commands = Vec::new();
        let mut rest = input;
        let mut chunk_lens = chunk_lens.iter();
        while !rest.is_empty() {
            let len = chunk_lens
                .next()
                .map_or(rest.len(), |&len| len.min(rest.len()));
            let (chunk, tail) = rest.split_at(len);
            rest = tail;
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

    fn feed(input: &[u8]) -> Outcome {
        feed_in_chunks(input, &[], &Limits::default())
    }

    fn unauthenticated() -> Limits {
        Limits {
            auth_required: true,
            ..Limits::default()
        }
    }

    fn commands(list: &[&[&[u8]]]) -> Vec<Vec<Vec<u8>>> {
        list.iter()
            .map(|command| command.iter().map(|arg| arg.to_vec()).collect())
            .collect()
    }

    fn parsed(list: &[&[&[u8]]]) -> Outcome {
        Outcome {
            commands: commands(list),
            error: None,
            unparsed: Vec::new(),
        }
    }

    fn waits(input: &[u8]) -> Outcome {
        Outcome {
            commands: Vec::new(),
            error: None,
            unparsed: input.to_vec(),
        }
    }

    fn fails(error: ProtocolError) -> Outcome {
        Outcome {
            commands: Vec::new(),
            error: Some(error),
            unparsed: Vec::new(),
        }
    }

    fn encode_multibulk(args: &[Vec<u8>]) -> BytesMut {
        let mut buf = BytesMut::new();
        encode::array_header(&mut buf, args.len());
        for arg in args {
            encode::bulk(&mut buf, arg);
        }
        buf
    }

    /// Each case was sent to redis-server 7.0.15 on a fresh connection; the comment is what
    /// it did (replied to the commands, replied with the error and closed, or waited).
    #[test]
    fn multibulk_matches_redis() {
        use ProtocolError::*;
        let cases: Vec<(&[u8], Outcome)> = vec![
            (b"*1\r\n$4\r\nPING\r\n", parsed(&[&[b"PING"]])),
            (b"*0\r\n*1\r\n$4\r\nPING\r\n", parsed(&[&[], &[b"PING"]])),
            (b"*-1\r\n*1\r\n$4\r\nPING\r\n", parsed(&[&[], &[b"PING"]])),
            (b"*-5\r\n", parsed(&[&[]])),
            (b"*2\r\n$3\r\nGET\r\n$0\r\n\r\n", parsed(&[&[b"GET", b""]])),
            // The byte after `\r` and the two after a payload are not checked.
            (b"*1\rX$4\r\nPING\rY", parsed(&[&[b"PING"]])),
            (b"*1\r\n$4\r\nPINGxy", parsed(&[&[b"PING"]])),
            (b"*2\r\n$4\r\nECHO\rZ$1\rZaXY", parsed(&[&[b"ECHO", b"a"]])),
            // Counts up to INT_MAX wait for their arguments.
            (b"*1048577\r\n", waits(b"*1048577\r\n")),
            (b"*2147483647\r\n", waits(b"*2147483647\r\n")),
            (b"*2147483648\r\n", fails(InvalidMultibulkLength)),
            (b"*01\r\n", fails(InvalidMultibulkLength)),
            (b"*+1\r\n", fails(InvalidMultibulkLength)),
            (b"* 1\r\n", fails(InvalidMultibulkLength)),
            (b"*1 \r\n", fails(InvalidMultibulkLength)),
            (b"*\r\n", fails(InvalidMultibulkLength)),
            (b"*-0\r\n", fails(InvalidMultibulkLength)),
            (b"*00000000000000000001\r\n", fails(InvalidMultibulkLength)),
            (b"*1\r\n$-1\r\n", fails(InvalidBulkLength)),
            (b"*1\r\n$-0\r\n", fails(InvalidBulkLength)),
            (b"*1\r\n$04\r\n", fails(InvalidBulkLength)),
            (
                b"*1\r\n$000000000000000000001\r\n",
                fails(InvalidBulkLength),
            ),
            (b"*1\r\n$536870913\r\n", fails(InvalidBulkLength)),
            (b"*1\r\n$536870912\r\n", waits(b"*1\r\n$536870912\r\n")),
            (b"*1\r\nx4\r\n", fails(ExpectedDollar(b'x'))),
            (b"*1\r\n\r\n", fails(ExpectedDollar(b'\r'))),
            (b"*1\r\n\n\r\n", fails(ExpectedDollar(b'\n'))),
            (b"*1\r\n\xff\r\n", fails(ExpectedDollar(0xff))),
            // A header is refused as soon as its line is complete.
            (b"*2\r\n$3\r\nGET\r\n:1\r\n", fails(ExpectedDollar(b':'))),
            // strchr stops at NUL: these lines never end.
            (b"*1\0\r\n", waits(b"*1\0\r\n")),
            (b"*1\r\n$4\0\r\n", waits(b"*1\r\n$4\0\r\n")),
            // A line whose `\r` is the last byte waits for one more.
            (b"*1\r", waits(b"*1\r")),
            (b"*1\r\n$1\r", waits(b"*1\r\n$1\r")),
            (b"*abc\n", waits(b"*abc\n")),
        ];
        for (input, expected) in cases {
            assert_eq!(feed(input), expected, "{}", input.escape_ascii());
        }
    }

    #[test]
    fn a_bad_header_is_refused_before_the_rest_of_its_command_arrives() {
        assert_eq!(
            feed(b"*3\r\n$3\r\nGET\r\n$x\r\n"),
            fails(ProtocolError::InvalidBulkLength)
        );
        assert_eq!(
            feed(b"*1\r\nPING\r\n"),
            fails(ProtocolError::ExpectedDollar(b'P'))
        );
    }

    #[test]
    fn too_big_header_lines_match_redis() {
        let limits = Limits::default();
        let mut count_line = b"*".to_vec();
        count_line.extend(std::iter::repeat_n(b'1', 65535));
        assert_eq!(feed(&count_line), waits(&count_line));
        count_line.push(b'1');
        assert_eq!(
            feed(&count_line).error,
            Some(ProtocolError::TooBigMultibulkCount)
        );
        // With its end in the same read, an overlong count is just invalid.
        count_line.extend_from_slice(b"\r\n");
        assert_eq!(
            feed(&count_line).error,
            Some(ProtocolError::InvalidMultibulkLength)
        );
        // Read in pieces, the parser sees the overlong line first.
        assert_eq!(
            feed_in_chunks(&count_line, &[65537], &limits).error,
            Some(ProtocolError::TooBigMultibulkCount)
        );
        // A NUL hides the line end.
        let mut hidden = b"*1\0".to_vec();
        hidden.extend(std::iter::repeat_n(b'a', 70_000));
        hidden.extend_from_slice(b"\r\n");
        assert_eq!(
            feed(&hidden).error,
            Some(ProtocolError::TooBigMultibulkCount)
        );

        // The bulk count limit counts from the header's start.
        let mut bulk_line = b"*1\r\n$".to_vec();
        bulk_line.extend(std::iter::repeat_n(b'1', 65535));
        assert_eq!(feed(&bulk_line), waits(&bulk_line));
        bulk_line.push(b'1');
        assert_eq!(feed(&bulk_line).error, Some(ProtocolError::TooBigBulkCount));
        let mut hidden = b"*1\r\n$4\0".to_vec();
        hidden.extend(std::iter::repeat_n(b'1', 65537));
        assert_eq!(feed(&hidden).error, Some(ProtocolError::TooBigBulkCount));
    }

    #[test]
    fn limits_are_configurable() {
        let limits = Limits {
            proto_max_bulk_len: 3,
            inline_max_size: 4,
            auth_required: false,
        };
        let run = |input: &[u8]| feed_in_chunks(input, &[], &limits);
        assert_eq!(run(b"*1\r\n$3\r\nabc\r\n"), parsed(&[&[b"abc"]]));
        assert_eq!(
            run(b"*1\r\n$4\r\n").error,
            Some(ProtocolError::InvalidBulkLength)
        );
        assert_eq!(run(b"*123"), waits(b"*123"));
        assert_eq!(
            run(b"*1234").error,
            Some(ProtocolError::TooBigMultibulkCount)
        );
        assert_eq!(run(b"PING"), waits(b"PING"));
        assert_eq!(
            run(b"PINGS").error,
            Some(ProtocolError::TooBigInlineRequest)
        );
    }

    #[test]
    fn unauthenticated_limits_match_redis() {
        let limits = unauthenticated();
        let run = |input: &[u8]| feed_in_chunks(input, &[], &limits);
        assert_eq!(run(b"*10\r\n"), waits(b"*10\r\n"));
        assert_eq!(
            run(b"*11\r\n").error,
            Some(ProtocolError::UnauthenticatedMultibulkLength)
        );
        assert_eq!(run(b"*1\r\n$16384\r\n"), waits(b"*1\r\n$16384\r\n"));
        assert_eq!(
            run(b"*1\r\n$16385\r\n").error,
            Some(ProtocolError::UnauthenticatedBulkLength)
        );
        // Empty commands, inline commands and the ordinary checks are as without auth.
        assert_eq!(run(b"*-20\r\n"), parsed(&[&[]]));
        assert_eq!(run(b"AUTH pw\n"), parsed(&[&[b"AUTH", b"pw"]]));
        assert_eq!(
            run(b"*2147483648\r\n").error,
            Some(ProtocolError::InvalidMultibulkLength)
        );
        assert_eq!(
            run(b"*1\r\n$536870913\r\n").error,
            Some(ProtocolError::InvalidBulkLength)
        );
        let eleven = vec![b"x".to_vec(); 11];
        assert_eq!(
            feed(&encode_multibulk(&eleven)).commands,
            vec![eleven.clone()]
        );
    }

    #[test]
    fn authentication_can_change_between_calls() {
        let mut parser = RequestParser::default();
        let mut args = Vec::new();
        let mut buf = BytesMut::from(&b"*2\r\n$4\r\nAUTH\r\n"[..]);
        assert_eq!(
            parser.parse(&mut buf, &unauthenticated(), &mut args),
            Ok(false)
        );
        buf.extend_from_slice(b"$20000\r\n");
        assert_eq!(
            parser.parse(&mut buf, &Limits::default(), &mut args),
            Ok(false)
        );
    }

    #[test]
    fn inline_matches_redis() {
        use ProtocolError::*;
        let cases: Vec<(&[u8], Outcome)> = vec![
            (b"PING\n", parsed(&[&[b"PING"]])),
            (b"PING\r\n", parsed(&[&[b"PING"]])),
            (b"\nPING\n", parsed(&[&[], &[b"PING"]])),
            (b"ECHO a\r\r\n", parsed(&[&[b"ECHO", b"a"]])),
            (b"   \r\n", parsed(&[&[]])),
            (b"\r\n", parsed(&[&[]])),
            (b"ECHO a\rb\n", parsed(&[&[b"ECHO", b"a", b"b"]])),
            (b"ECHO \"a\\x41\\n\\q\"\n", parsed(&[&[b"ECHO", b"aA\nq"]])),
            (b"ECHO 'a\\'b\\n'\n", parsed(&[&[b"ECHO", b"a'b\\n"]])),
            (b"ECHO ab\"c d\"\n", parsed(&[&[b"ECHO", b"abc d"]])),
            (b"ECHO \"ab\"\x0b\n", parsed(&[&[b"ECHO", b"ab"]])),
            (b"\x0cECHO\x0cx\n", parsed(&[&[b"ECHO\x0cx"]])),
            (b"ECHO \"\"\n", parsed(&[&[b"ECHO", b""]])),
            (b"ECHO \"abc\n", fails(UnbalancedQuotes)),
            (b"ECHO \"abc\"d\n", fails(UnbalancedQuotes)),
            (b"ECHO \"ab\"\xa0\n", fails(UnbalancedQuotes)),
            (b"ECHO \"ab\\\n", fails(UnbalancedQuotes)),
            (b"ECHO 'a'b\n", fails(UnbalancedQuotes)),
            (b"PING", waits(b"PING")),
            (b"PING\r", waits(b"PING\r")),
            // strchr stops at NUL: the line never ends.
            (b"PING\0\n", waits(b"PING\0\n")),
            (b"\0\n", waits(b"\0\n")),
            // Inline and multibulk commands mix in one buffer.
            (
                b"PING\n*1\r\n$4\r\nPING\r\nPING\n",
                parsed(&[&[b"PING"], &[b"PING"], &[b"PING"]]),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(feed(input), expected, "{}", input.escape_ascii());
        }
    }

    #[test]
    fn too_big_inline_request_matches_redis() {
        let mut line = vec![b'P'; 65536];
        assert_eq!(feed(&line), waits(&line));
        line.push(b'P');
        assert_eq!(feed(&line).error, Some(ProtocolError::TooBigInlineRequest));
        let mut hidden = b"PING\0".to_vec();
        hidden.extend(std::iter::repeat_n(b'a', 70_000));
        hidden.push(b'\n');
        assert_eq!(
            feed(&hidden).error,
            Some(ProtocolError::TooBigInlineRequest)
        );
    }

    #[test]
    fn incomplete_input_leaves_buffer_and_args_untouched() {
        let input = b"*2\r\n$3\r\nGET\r\n$3\r\nke";
        let mut parser = RequestParser::default();
        let mut args = vec![Bytes::from_static(b"previous")];
        for len in 0..input.len() {
            let mut buf = BytesMut::from(&input[..len]);
            let capacity = buf.capacity();
            assert_eq!(
                parser.parse(&mut buf, &Limits::default(), &mut args),
                Ok(false)
            );
            assert_eq!(&buf[..], &input[..len]);
            assert_eq!(buf.capacity(), capacity);
            assert_eq!(args, [Bytes::from_static(b"previous")]);
            parser = RequestParser::default();
        }
    }

    #[test]
    fn progress_is_remembered_between_reads() {
        let mut parser = RequestParser::default();
        let mut args = Vec::new();
        let mut buf = BytesMut::from(&b"*3\r\n$1\r\na\r\n$1\r\nb"[..]);
        assert_eq!(
            parser.parse(&mut buf, &Limits::default(), &mut args),
            Ok(false)
        );
        assert!(matches!(
            parser.state,
            State::Arguments(ArgumentsProgress {
                remaining: 2,
                cursor: 15,
                pending: PendingArgument::Payload { len: 1 },
                ..
            })
        ));
        buf.extend_from_slice(b"\r\n$1\r\nc\r\n*1\r\n");
        assert_eq!(
            parser.parse(&mut buf, &Limits::default(), &mut args),
            Ok(true)
        );
        assert_eq!(args, [&b"a"[..], b"b", b"c"]);
        assert_eq!(&buf[..], b"*1\r\n");
        assert!(matches!(parser.state, State::FirstLine(_)));
    }

    #[test]
    fn a_command_with_many_arguments_arriving_in_small_reads() {
        let arguments: Vec<Vec<u8>> = (0..100_000u32)
            .map(|index| index.to_string().into_bytes())
            .collect();
        let input = encode_multibulk(&arguments);
        let chunk_lens = vec![7; input.len() / 7 + 1];
        let outcome = feed_in_chunks(&input, &chunk_lens, &Limits::default());
        assert_eq!(outcome.error, None);
        assert_eq!(outcome.commands, vec![arguments]);
    }

    #[test]
    fn multibulk_arguments_are_slices_of_the_read_buffer() {
        let mut buf = BytesMut::with_capacity(64);
        buf.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
        let start = buf.as_ptr();
        let mut args = Vec::new();
        let mut parser = RequestParser::default();
        assert_eq!(
            parser.parse(&mut buf, &Limits::default(), &mut args),
            Ok(true)
        );
        assert_eq!(args[0].as_ptr(), start.wrapping_add(8));
        assert_eq!(args[1].as_ptr(), start.wrapping_add(17));
        assert!(buf.is_empty());
    }

    #[test]
    fn pending_bulk_hint_for_big_arguments() {
        let limits = Limits::default();
        let mut parser = RequestParser::default();
        let mut args = Vec::new();
        assert_eq!(parser.pending_bulk_hint(), None);

        let mut small = BytesMut::from(&b"*1\r\n$32767\r\nabc"[..]);
        assert_eq!(parser.parse(&mut small, &limits, &mut args), Ok(false));
        assert_eq!(parser.pending_bulk_hint(), None);

        let mut parser = RequestParser::default();
        let mut big = BytesMut::from(&b"*2\r\n$3\r\nSET\r\n$32768\r\nabc"[..]);
        assert_eq!(parser.parse(&mut big, &limits, &mut args), Ok(false));
        let header_end = b"*2\r\n$3\r\nSET\r\n$32768\r\n".len();
        assert_eq!(parser.pending_bulk_hint(), Some(header_end + 32768 + 2));
        big.resize(header_end + 32768 + 2, b'v');
        assert_eq!(parser.parse(&mut big, &limits, &mut args), Ok(true));
        assert_eq!(args[1].len(), 32768);
        assert_eq!(parser.pending_bulk_hint(), None);
    }

    #[test]
    fn parser_starts_afresh_after_an_error() {
        let mut parser = RequestParser::default();
        let mut args = Vec::new();
        let mut buf = BytesMut::from(&b"*1\r\n$x\r\n"[..]);
        assert_eq!(
            parser.parse(&mut buf, &Limits::default(), &mut args),
            Err(ProtocolError::InvalidBulkLength)
        );
        let mut buf = BytesMut::from(&b"PING\n"[..]);
        assert_eq!(
            parser.parse(&mut buf, &Limits::default(), &mut args),
            Ok(true)
        );
        assert_eq!(args, [&b"PING"[..]]);
    }

    /// Pieces that make interesting requests when glued in any order.
    fn request_piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"*".to_vec()),
            Just(b"$".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\0".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"'".to_vec()),
            Just(b"\\".to_vec()),
            Just(b" ".to_vec()),
            Just(b"-1".to_vec()),
            "[0-9]{1,3}".prop_map(String::into_bytes),
            "[a-zA-Z]{1,4}".prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 0..8),
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..6), 0..4)
                .prop_map(|args| encode_multibulk(&args).to_vec()),
        ]
    }

    proptest! {
        #[test]
        fn chunking_never_changes_the_outcome(
            input in prop::collection::vec(request_piece(), 0..24).prop_map(|pieces| pieces.concat()),
            chunk_lens in prop::collection::vec(0usize..12, 0..40),
            auth_required: bool,
            proto_max_bulk_len in prop_oneof![Just(512 * 1024 * 1024u64), 0u64..8],
        ) {
            let limits = Limits { proto_max_bulk_len, auth_required, ..Limits::default() };
            let whole = feed_in_chunks(&input, &[], &limits);
            let pieces = feed_in_chunks(&input, &chunk_lens, &limits);
            prop_assert_eq!(pieces, whole);
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            input in prop::collection::vec(any::<u8>(), 0..512),
            chunk_lens in prop::collection::vec(0usize..64, 0..16),
        ) {
            let whole = feed_in_chunks(&input, &[], &Limits::default());
            let pieces = feed_in_chunks(&input, &chunk_lens, &Limits::default());
            prop_assert_eq!(pieces, whole);
        }

        #[test]
        fn encoded_commands_round_trip(
            commands in prop::collection::vec(
                (prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 1..6), any::<bool>()),
                1..8,
            ),
            chunk_lens in prop::collection::vec(0usize..32, 0..32),
        ) {
            let mut input = Vec::new();
            for (args, inline) in &commands {
                if *inline {
                    input.extend_from_slice(&encode_inline(args));
                } else {
                    input.extend_from_slice(&encode_multibulk(args));
                }
            }
            let outcome = feed_in_chunks(&input, &chunk_lens, &Limits::default());
            let expected: Vec<Vec<Vec<u8>>> = commands.into_iter().map(|(args, _)| args).collect();
            prop_assert_eq!(outcome, Outcome { commands: expected, error: None, unparsed: Vec::new() });
        }
    }

    /// An inline command line with every argument double-quoted and hex-escaped.
    fn encode_inline(args: &[Vec<u8>]) -> Vec<u8> {
        let mut line = Vec::new();
        for (index, arg) in args.iter().enumerate() {
            if index > 0 {
                line.push(b' ');
            }
            line.push(b'"');
            for byte in arg {
                line.extend_from_slice(format!("\\x{byte:02x}").as_bytes());
            }
            line.push(b'"');
        }
        line.extend_from_slice(b"\r\n");
        line
    }
}
