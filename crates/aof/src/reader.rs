//! Reading the command stream of one AOF file, command by command, exactly as Redis 7.0's
//! loader does (`loadSingleAppendOnlyFile` in `aof.c`), and telling how the file ends.
//!
//! Owns the framing only: it returns each command's arguments and where it ends, and at the
//! end of the file says whether the tail is whole, torn in the middle of a command, or an
//! unfinished `MULTI` block. It does not know commands (an unknown command name is the
//! caller's error), does not execute or queue anything, and does not read RDB: a file that
//! starts with `REDIS` ([`has_rdb_preamble`]) holds an RDB snapshot first, which the caller
//! loads before starting this reader at the offset where the snapshot ended.
//!
//! Redis's reading, kept exactly:
//! - lines are read with `fgets` into a 1024-byte buffer, so a line is at most 1023 bytes and
//!   a longer one continues as the next "line";
//! - a line starting with `#` is an annotation (`#TS:<unix time>`) and is skipped;
//! - a command is `*<argc>` (read with `atoi`, which takes the digits it finds and keeps the
//!   low 32 bits) with `argc >= 1`, then per argument `$<len>` (read with `strtol`), `len`
//!   bytes and two more bytes that are not checked to be `\r\n`;
//! - the file ending anywhere inside a command is a short read (a torn tail); any other bad
//!   byte is a format error.
//!
//! Where this reader differs from Redis, it refuses something Redis would crash or exhaust
//! memory on: a negative length is a format error (Redis converts it to a huge unsigned
//! size), and an argument longer than the caller's `max_bulk_len` (Redis's
//! `proto-max-bulk-len`, 512 MB by default; the 7.0 loader has no such check) is refused once
//! the file is known to hold it all; if the file ends first it is a torn tail, as in Redis.
//! Memory follows the bytes actually in the file: a forged `*999999999` or `$4294967296`
//! allocates nothing in advance.
//!
//! Offsets start at the caller's `start_offset`. Redis 7.0 starts its "last valid offset" at
//! 0 even after an RDB preamble, so when the first command after a preamble is torn it
//! truncates the file to nothing, snapshot included (seen with 7.0.15); here the last
//! whole command "ends" at `start_offset` until one is read.
//!
//! Transactions: as in Redis, a `MULTI` remembers the offset where the previous whole
//! command ended, and the first `EXEC` after it closes the block (Redis queues everything in
//! between, nested `MULTI` included, which moves the remembered offset). A file that ends
//! inside a block is reported with that offset; see [`Ending::truncate_to`].

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use bytes::Bytes;

use numeric::{c_atoi as atoi, c_strtol as strtol};

/// Redis's `proto-max-bulk-len` default: 512 MB.
pub const DEFAULT_MAX_BULK_LEN: u64 = 512 * 1024 * 1024;

/// `AOF_ANNOTATION_LINE_MAX_LEN`, the loader's `fgets` buffer: a line is at most one less.
const LINE_BUFFER_LEN: usize = 1024;
const MAX_LINE_LEN: usize = LINE_BUFFER_LEN - 1;

/// Room reserved for an argument before its bytes arrive; more grows with the data.
const INITIAL_ARGUMENT_CAPACITY: u64 = 64 * 1024;

/// Room reserved for a command's argument list before its arguments arrive.
const INITIAL_ARGUMENT_COUNT: usize = 16;

/// The signature at the start of an RDB file (and of an AOF with an RDB preamble).
const RDB_SIGNATURE: &[u8; 5] = b"REDIS";

/// One command of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Its arguments, the command name first (never empty).
    pub args: Vec<Bytes>,
    /// The file offset of its `*` line (after any annotations before it).
    pub start: u64,
    /// The file offset just after it.
    pub end: u64,
}

/// How the stream ended; every variant carries `end`, the file's length as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The file ends after a whole command (or annotation), outside any `MULTI` block, or
    /// holds no commands at all.
    Complete { end: u64 },
    /// The file ends in the middle of a command: a short write or a crash while appending.
    /// `last_command_end` is where the last whole command ended (the start offset if there
    /// was none); `open_multi` is set if the torn command was inside a `MULTI` block, with
    /// the offset before that `MULTI`.
    TornCommand {
        last_command_end: u64,
        open_multi: Option<u64>,
        end: u64,
    },
    /// The file ends after whole commands but inside a `MULTI` block that has no `EXEC`;
    /// `multi_start` is where the command before the `MULTI` ended.
    OpenTransaction { multi_start: u64, end: u64 },
}

impl Ending {
    /// The length the file was read to.
    pub fn end(&self) -> u64 {
        match *self {
            Ending::Complete { end }
            | Ending::TornCommand { end, .. }
            | Ending::OpenTransaction { end, .. } => end,
        }
    }

    /// Where to cut the file so that it ends with whole commands outside any transaction;
    /// `None` when it already does. This is the offset `redis-check-aof --fix` cuts at, and
    /// the one to truncate to under `aof-load-truncated yes` (the commands after it must not
    /// be applied: an unfinished block's commands are queued, never executed).
    ///
    /// Redis 7.0's loader agrees except for a command torn inside a `MULTI` block: it cuts
    /// after the last whole command, leaving `MULTI` and part of the block in the file, and
    /// keeps appending after them; its next load then queues the new commands into that
    /// block and discards them. Cutting before the `MULTI` at once avoids that loss.
    pub fn truncate_to(&self) -> Option<u64> {
        match *self {
            Ending::Complete { .. } => None,
            Ending::TornCommand {
                last_command_end,
                open_multi,
                ..
            } => Some(open_multi.unwrap_or(last_command_end)),
            Ending::OpenTransaction { multi_start, .. } => Some(multi_start),
        }
    }
}

/// What [`CommandReader::next_step`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Command(Command),
    End(Ending),
}

/// Bytes in the middle of the stream that are not a command (Redis: "Bad file format").
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormatProblem {
    #[error("expected '*' at the start of a command")]
    ExpectedArray,
    #[error("invalid argument count")]
    InvalidArgumentCount,
    #[error("expected '$' before an argument")]
    ExpectedBulk,
    #[error("negative argument length")]
    NegativeLength,
    #[error("argument of {len} bytes is longer than proto-max-bulk-len ({max})")]
    ArgumentTooLong { len: u64, max: u64 },
}

/// Why the stream could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("I/O error reading the append only file: {0}")]
    Io(#[from] io::Error),
    /// `offset` is where the offending line starts.
    #[error("bad file format at offset {offset}: {problem}")]
    Format { offset: u64, problem: FormatProblem },
}

/// Whether the file starts with an RDB snapshot (`REDIS`), as Redis checks before loading
/// an AOF file: a base file written with `aof-use-rdb-preamble yes`, or an old-style AOF
/// with an RDB preamble.
pub fn has_rdb_preamble(path: &Path) -> io::Result<bool> {
    let mut signature = [0; RDB_SIGNATURE.len()];
    match File::open(path)?.read_exact(&mut signature) {
        Ok(()) => Ok(&signature == RDB_SIGNATURE),
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(error) => Err(error),
    }
}

/// Reads commands from a buffered input positioned at `start_offset` of an AOF file.
///
/// Call [`CommandReader::next_step`] until it returns [`Step::End`] (which it then keeps
/// returning). After an error, stop: the position is unspecified.
#[derive(Debug)]
pub struct CommandReader<R> {
    input: R,
    /// File offset of the next unread byte.
    offset: u64,
    /// Where the last whole command ended (Redis's `valid_up_to`).
    last_command_end: u64,
    /// Inside a `MULTI` block: where the command before the `MULTI` ended.
    multi_start: Option<u64>,
    max_bulk_len: u64,
    /// The last line read, as `fgets` returned it.
    line: Vec<u8>,
    ending: Option<Ending>,
}

impl CommandReader<BufReader<File>> {
    /// Opens `path` and positions the reader at `start_offset` (0, or where an RDB preamble
    /// ended).
    pub fn open(path: &Path, start_offset: u64, max_bulk_len: u64) -> io::Result<Self> {
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(start_offset))?;
        Ok(CommandReader::new(
            BufReader::with_capacity(64 * 1024, file),
            start_offset,
            max_bulk_len,
        ))
    }
}

impl<R: BufRead> CommandReader<R> {
    /// A reader of `input`, whose first byte is at `start_offset` in the file (offsets in
    /// results are file offsets). Arguments longer than `max_bulk_len` are refused
    /// ([`DEFAULT_MAX_BULK_LEN`] is Redis's default).
    pub fn new(input: R, start_offset: u64, max_bulk_len: u64) -> Self {
        CommandReader {
            input,
            offset: start_offset,
            last_command_end: start_offset,
            multi_start: None,
            max_bulk_len,
            line: Vec::with_capacity(LINE_BUFFER_LEN),
            ending: None,
        }
    }

    /// The offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next command, or how the file ends.
    pub fn next_step(&mut self) -> Result<Step, ReadError> {
        if let Some(ending) = self.ending {
            return Ok(Step::End(ending));
        }
        let step = self.read_step()?;
        if let Step::End(ending) = step {
            self.ending = Some(ending);
        }
        Ok(step)
    }

    fn read_step(&mut self) -> Result<Step, ReadError> {
        let start = loop {
            let line_start = self.offset;
            let hit_eof = self.read_line()?;
            match self.line.first() {
                None => return Ok(self.clean_end()),
                Some(b'#') => continue,
                Some(b'*') => {}
                Some(_) => return Err(format_error(line_start, FormatProblem::ExpectedArray)),
            }
            // Redis takes nothing (or a NUL) after '*' as a read error: a short read if
            // the file ended there, otherwise fatal.
            if self.line.get(1).is_none_or(|&byte| byte == 0) {
                if hit_eof {
                    return Ok(self.torn_end());
                }
                return Err(format_error(
                    line_start,
                    FormatProblem::InvalidArgumentCount,
                ));
            }
            break line_start;
        };
        let count = match usize::try_from(atoi(&self.line[1..])) {
            Ok(count) if count >= 1 => count,
            _ => return Err(format_error(start, FormatProblem::InvalidArgumentCount)),
        };
        let mut args = Vec::with_capacity(count.min(INITIAL_ARGUMENT_COUNT));
        for _ in 0..count {
            let header_start = self.offset;
            self.read_line()?;
            match self.line.first() {
                None => return Ok(self.torn_end()),
                Some(b'$') => {}
                Some(_) => return Err(format_error(header_start, FormatProblem::ExpectedBulk)),
            }
            let Ok(len) = u64::try_from(strtol(&self.line[1..])) else {
                return Err(format_error(header_start, FormatProblem::NegativeLength));
            };
            if len > self.max_bulk_len {
                if !self.read_bytes(len, None)? {
                    return Ok(self.torn_end());
                }
                let problem = FormatProblem::ArgumentTooLong {
                    len,
                    max: self.max_bulk_len,
                };
                return Err(format_error(header_start, problem));
            }
            let mut payload = Vec::with_capacity(
                usize::try_from(len.min(INITIAL_ARGUMENT_CAPACITY)).unwrap_or(0),
            );
            // The payload, then two bytes Redis skips without looking.
            if !self.read_bytes(len, Some(&mut payload))? || !self.read_bytes(2, None)? {
                return Ok(self.torn_end());
            }
            args.push(Bytes::from(payload));
        }
        self.track_transaction(&args);
        self.last_command_end = self.offset;
        Ok(Step::Command(Command {
            args,
            start,
            end: self.offset,
        }))
    }

    /// Redis's transaction bookkeeping while loading: `MULTI` (even inside a block) records
    /// where the previous command ended; `EXEC` closes an open block.
    fn track_transaction(&mut self, args: &[Bytes]) {
        let Some(name) = args.first() else { return };
        if name.eq_ignore_ascii_case(b"multi") {
            self.multi_start = Some(self.last_command_end);
        } else if name.eq_ignore_ascii_case(b"exec") {
            self.multi_start = None;
        }
    }

    /// The file ended where a command could start.
    fn clean_end(&self) -> Step {
        Step::End(match self.multi_start {
            Some(multi_start) => Ending::OpenTransaction {
                multi_start,
                end: self.offset,
            },
            None => Ending::Complete { end: self.offset },
        })
    }

    /// The file ended inside a command.
    fn torn_end(&self) -> Step {
        Step::End(Ending::TornCommand {
            last_command_end: self.last_command_end,
            open_multi: self.multi_start,
            end: self.offset,
        })
    }

    /// One `fgets(buf, 1024, fp)` into `self.line`: up to and including `\n`, at most 1023
    /// bytes; empty at the end of the input. Returns whether the end of the input was hit
    /// (C's `feof` afterwards).
    fn read_line(&mut self) -> io::Result<bool> {
        self.line.clear();
        let hit_eof = loop {
            let available = fill(&mut self.input)?;
            if available.is_empty() {
                break true;
            }
            let room = MAX_LINE_LEN - self.line.len();
            let window = &available[..available.len().min(room)];
            let (taken, line_done) = match memchr::memchr(b'\n', window) {
                Some(newline) => (newline + 1, true),
                None => (window.len(), window.len() == room),
            };
            self.line.extend_from_slice(&window[..taken]);
            self.input.consume(taken);
            if line_done {
                break false;
            }
        };
        self.offset += self.line.len() as u64;
        Ok(hit_eof)
    }

    /// Consumes `len` bytes, appending them to `keep` if given. Returns `false` if the
    /// input ended first (everything up to the end is consumed).
    fn read_bytes(&mut self, len: u64, mut keep: Option<&mut Vec<u8>>) -> io::Result<bool> {
        let mut remaining = len;
        while remaining > 0 {
            let available = fill(&mut self.input)?;
            if available.is_empty() {
                return Ok(false);
            }
            let taken = available
                .len()
                .min(usize::try_from(remaining).unwrap_or(usize::MAX));
            if let Some(keep) = keep.as_deref_mut() {
                keep.extend_from_slice(&available[..taken]);
            }
            self.input.consume(taken);
            self.offset += taken as u64;
            remaining -= taken as u64;
        }
        Ok(true)
    }
}

/// `fill_buf`, retrying when interrupted by a signal.
fn fill<R: BufRead>(input: &mut R) -> io::Result<&[u8]> {
    loop {
        match input.fill_buf() {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
            // Borrowed again below: returning this borrow from inside the loop does not
            // pass today's borrow checker. The second call returns the same buffered bytes.
            Ok(_) => break,
        }
    }
    input.fill_buf()
}

fn format_error(offset: u64, problem: FormatProblem) -> ReadError {
    ReadError::Format { offset, problem }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::encode_command;

    fn reader(bytes: &[u8]) -> CommandReader<&[u8]> {
        CommandReader::new(bytes, 0, DEFAULT_MAX_BULK_LEN)
    }

    /// Reads to the end: the commands' arguments and the ending.
    fn read_all(bytes: &[u8], max_bulk_len: u64) -> Result<(Vec<Vec<Bytes>>, Ending), ReadError> {
        let mut reader = CommandReader::new(bytes, 0, max_bulk_len);
        let mut commands = Vec::new();
        loop {
            match reader.next_step()? {
                Step::Command(command) => commands.push(command.args),
                Step::End(ending) => return Ok((commands, ending)),
            }
        }
    }

    fn format_problem(bytes: &[u8]) -> (u64, FormatProblem) {
        match read_all(bytes, DEFAULT_MAX_BULK_LEN) {
            Err(ReadError::Format { offset, problem }) => (offset, problem),
            other => panic!("expected a format error, got {other:?}"),
        }
    }

    fn cmd(args: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_command(&mut out, args);
        out
    }

    fn args(words: &[&str]) -> Vec<Bytes> {
        words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()
    }

    #[test]
    fn reads_commands_with_offsets_and_skips_annotations() {
        let set = cmd(&["SET", "k", "v"]);
        let mut file = b"#TS:1700000000\r\n".to_vec();
        file.extend_from_slice(&set);
        file.extend_from_slice(&cmd(&["DEL", "k"]));
        let mut reader = reader(&file);
        let Step::Command(first) = reader.next_step().unwrap() else {
            panic!()
        };
        assert_eq!((first.start, first.end), (16, 16 + set.len() as u64));
        assert_eq!(first.args, args(&["SET", "k", "v"]));
        let Step::Command(second) = reader.next_step().unwrap() else {
            panic!()
        };
        assert_eq!(second.end, file.len() as u64);
        let end = Ending::Complete {
            end: file.len() as u64,
        };
        assert_eq!(reader.next_step().unwrap(), Step::End(end));
        assert_eq!(
            reader.next_step().unwrap(),
            Step::End(end),
            "the end repeats"
        );
        assert_eq!(end.truncate_to(), None);
    }

    #[test]
    fn an_empty_input_is_complete() {
        assert_eq!(
            read_all(b"", DEFAULT_MAX_BULK_LEN).unwrap(),
            (vec![], Ending::Complete { end: 0 })
        );
    }

    #[test]
    fn starts_at_an_offset_after_a_preamble() {
        let command = cmd(&["PING"]);
        let mut reader = CommandReader::new(&command[..], 100, DEFAULT_MAX_BULK_LEN);
        let Step::Command(ping) = reader.next_step().unwrap() else {
            panic!()
        };
        assert_eq!((ping.start, ping.end), (100, 100 + command.len() as u64));
        let torn = &command[..5];
        let mut reader = CommandReader::new(torn, 100, DEFAULT_MAX_BULK_LEN);
        assert_eq!(
            reader.next_step().unwrap(),
            Step::End(Ending::TornCommand {
                last_command_end: 100,
                open_multi: None,
                end: 105
            })
        );
    }

    /// The stream used by the prefix test, with where each command ends.
    fn sample_stream() -> (Vec<u8>, Vec<(u64, Vec<Bytes>)>) {
        let commands: [&[&str]; 7] = [
            &["SELECT", "0"],
            &["SET", "key", "a\r\nvalue"],
            &["MULTI"],
            &["INCR", "counter"],
            &["RPUSH", "list", "", "x"],
            &["EXEC"],
            &["DEL", "key"],
        ];
        let mut file = b"#TS:1\r\n".to_vec();
        let mut ends = Vec::new();
        for (i, words) in commands.iter().enumerate() {
            if i == 4 {
                file.extend_from_slice(b"#TS:2\r\n");
            }
            file.extend_from_slice(&cmd(words));
            ends.push((file.len() as u64, args(words)));
        }
        (file, ends)
    }

    #[test]
    fn every_prefix_is_complete_torn_at_the_last_whole_command_or_an_open_transaction() {
        let (file, ends) = sample_stream();
        // Byte ranges of the annotations: a prefix ending inside one ends cleanly.
        let annotations: Vec<(u64, u64)> = memchr::memmem::find_iter(&file, b"#TS:")
            .map(|at| (at as u64, at as u64 + 7))
            .collect();
        for cut in 0..=file.len() as u64 {
            let (commands, ending) = read_all(&file[..cut as usize], DEFAULT_MAX_BULK_LEN).unwrap();
            let whole: Vec<&(u64, Vec<Bytes>)> =
                ends.iter().filter(|(end, _)| *end <= cut).collect();
            let expected: Vec<Vec<Bytes>> = whole.iter().map(|(_, a)| a.clone()).collect();
            assert_eq!(commands, expected, "cut at {cut}");
            let last_end = whole.last().map_or(0, |(end, _)| *end);
            // MULTI is the third command; EXEC the sixth.
            let in_multi = (3..6).contains(&whole.len());
            let multi_start = ends[1].0;
            let clean = cut == last_end
                || annotations
                    .iter()
                    .any(|&(from, to)| from < cut && cut <= to && from >= last_end);
            let expected_ending = match (clean, in_multi) {
                (true, false) => Ending::Complete { end: cut },
                (true, true) => Ending::OpenTransaction {
                    multi_start,
                    end: cut,
                },
                (false, _) => Ending::TornCommand {
                    last_command_end: last_end,
                    open_multi: in_multi.then_some(multi_start),
                    end: cut,
                },
            };
            assert_eq!(ending, expected_ending, "cut at {cut}");
            let expected_cut = match expected_ending {
                Ending::Complete { .. } => None,
                _ if in_multi => Some(multi_start),
                _ => Some(last_end),
            };
            assert_eq!(ending.truncate_to(), expected_cut, "cut at {cut}");
        }
    }

    #[test]
    fn bad_bytes_in_the_middle_are_format_errors_at_the_line() {
        let set = cmd(&["SET", "k", "v"]);
        let at = set.len() as u64;
        let mut file = set.clone();
        file.extend_from_slice(b"SET k v\r\n");
        assert_eq!(format_problem(&file), (at, FormatProblem::ExpectedArray));

        let mut file = set.clone();
        file.extend_from_slice(b"*2\r\n$3\r\nGET\r\n:1\r\n");
        assert_eq!(
            format_problem(&file),
            (at + 13, FormatProblem::ExpectedBulk)
        );

        for count in [
            "*0\r\n",
            "*-1\r\n",
            "*\r\n",
            "*x\r\n",
            "*\0\r\n",
            "*99999999999999999999\r\n",
        ] {
            let mut file = set.clone();
            file.extend_from_slice(count.as_bytes());
            file.extend_from_slice(&set);
            assert_eq!(
                format_problem(&file),
                (at, FormatProblem::InvalidArgumentCount),
                "{count:?}"
            );
        }

        let mut file = set.clone();
        file.extend_from_slice(b"*1\r\n$-1\r\n");
        assert_eq!(
            format_problem(&file),
            (at + 4, FormatProblem::NegativeLength)
        );
    }

    #[test]
    fn keeps_redis_leniency_on_separators_and_numbers() {
        // The two bytes after a payload are not checked; "$3xyz" reads as 3.
        let file = b"*2\r\n$3junk\nGETab$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
        let (commands, ending) = read_all(file, DEFAULT_MAX_BULK_LEN).unwrap();
        assert_eq!(commands, vec![args(&["GET", "k"]), args(&["PING"])]);
        assert_eq!(
            ending,
            Ending::Complete {
                end: file.len() as u64
            }
        );
        // atoi keeps the low 32 bits: 4294967297 arguments is 1.
        let (commands, _) =
            read_all(b"*4294967297\r\n$4\r\nPING\r\n", DEFAULT_MAX_BULK_LEN).unwrap();
        assert_eq!(commands, vec![args(&["PING"])]);
    }

    #[test]
    fn a_line_longer_than_1023_bytes_continues_as_the_next_line() {
        // A 1023-byte annotation chunk, then the rest of it read as a command line.
        let mut file = vec![b'#'; 1023];
        file.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        let (commands, _) = read_all(&file, DEFAULT_MAX_BULK_LEN).unwrap();
        assert_eq!(commands, vec![args(&["PING"])]);
        let mut file = vec![b'#'; 1023];
        file.extend_from_slice(b"TS:1\r\n*1\r\n$4\r\nPING\r\n");
        assert_eq!(format_problem(&file), (1023, FormatProblem::ExpectedArray));
    }

    #[test]
    fn forged_huge_counts_and_lengths_are_torn_tails_when_the_file_ends() {
        let ping = cmd(&["PING"]);
        let torn = |file: &[u8]| read_all(file, DEFAULT_MAX_BULK_LEN).unwrap().1;
        let mut file = ping.clone();
        file.extend_from_slice(b"*999999999\r\n$3\r\nSET\r\n");
        assert_eq!(
            torn(&file),
            Ending::TornCommand {
                last_command_end: ping.len() as u64,
                open_multi: None,
                end: file.len() as u64
            }
        );
        for header in [
            &b"$4294967296\r\n"[..],
            b"$536870913\r\n",
            b"$9223372036854775807\r\n",
        ] {
            let mut file = ping.clone();
            file.extend_from_slice(b"*1\r\n");
            file.extend_from_slice(header);
            file.extend_from_slice(b"abc");
            assert_eq!(
                torn(&file).truncate_to(),
                Some(ping.len() as u64),
                "{header:?}"
            );
        }
    }

    #[test]
    fn an_argument_over_the_limit_is_refused_when_the_file_holds_it() {
        let file = cmd(&["SET", "k", "0123456789"]);
        assert_eq!(
            format_problem_with_limit(&file, 9),
            (20, FormatProblem::ArgumentTooLong { len: 10, max: 9 })
        );
        assert_eq!(read_all(&file, 10).unwrap().0.len(), 1);
        // Not all there: a torn tail, as Redis would see it.
        assert!(matches!(
            read_all(&file[..file.len() - 5], 9).unwrap().1,
            Ending::TornCommand { .. }
        ));
    }

    fn format_problem_with_limit(bytes: &[u8], max: u64) -> (u64, FormatProblem) {
        match read_all(bytes, max) {
            Err(ReadError::Format { offset, problem }) => (offset, problem),
            other => panic!("expected a format error, got {other:?}"),
        }
    }

    #[test]
    fn exec_closes_the_block_and_nested_multi_moves_the_revert_point_as_in_redis() {
        let mut file = cmd(&["SET", "a", "1"]);
        let first_multi = file.len() as u64;
        file.extend_from_slice(&cmd(&["multi"]));
        file.extend_from_slice(&cmd(&["SET", "b", "1"]));
        let nested = file.len() as u64;
        file.extend_from_slice(&cmd(&["Multi"]));
        let (_, ending) = read_all(&file, DEFAULT_MAX_BULK_LEN).unwrap();
        assert_eq!(
            ending,
            Ending::OpenTransaction {
                multi_start: nested,
                end: file.len() as u64
            }
        );
        assert!(nested > first_multi);
        file.extend_from_slice(&cmd(&["exec"]));
        let (_, ending) = read_all(&file, DEFAULT_MAX_BULK_LEN).unwrap();
        assert_eq!(
            ending,
            Ending::Complete {
                end: file.len() as u64
            }
        );
        // EXEC outside a block changes nothing.
        let (_, ending) = read_all(&cmd(&["EXEC"]), DEFAULT_MAX_BULK_LEN).unwrap();
        assert!(matches!(ending, Ending::Complete { .. }));
    }

    #[test]
    fn detects_the_rdb_signature() {
        let dir = std::env::temp_dir().join(format!("tessera-aof-rdbsig-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases: [(&[u8], bool); 4] = [
            (b"REDIS0010\xfa", true),
            (b"REDIS", true),
            (b"REDI", false),
            (b"*1\r\n$4\r\nPING\r\n", false),
        ];
        for (content, expected) in cases {
            let path = dir.join("f");
            std::fs::write(&path, content).unwrap();
            assert_eq!(has_rdb_preamble(&path).unwrap(), expected);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
