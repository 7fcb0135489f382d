//! The AOF manifest (`<appendfilename>.manifest` in `appenddirname`): which files make up
//! the append-only data, in which order, as Redis 7.0 reads and writes it (`aof.c`).
//!
//! Owns the model ([`Manifest`]: at most one base file, the incr files in order, the history
//! files), its text form in both directions with Redis's error messages, the file naming
//! rules, and the in-memory edits a rewrite makes. It does not touch the disk: reading,
//! writing and renaming files is [`crate::layout`]'s job.
//!
//! The text form, one line per file, base first, then history, then incr:
//!
//! ```text
//! file appendonly.aof.2.base.rdb seq 2 type b
//! file appendonly.aof.1.incr.aof seq 1 type h
//! file appendonly.aof.2.incr.aof seq 2 type i
//! ```
//!
//! Redis 7.0's reading, kept exactly (`aofLoadManifestFromFile`):
//! - lines are read with `fgets` into 1025 bytes: a line longer than 1024 bytes, and a last
//!   line without its `\n`, are "too long";
//! - a line starting with `#` is a comment (even a long one, whose remainder is then read as
//!   the next line); a blank line is an error;
//! - a line is split by `sdssplitargs` rules and must have at least six words, in pairs;
//!   keys are `file`, `seq` and `type` in any order and case, unknown keys are ignored and a
//!   repeated key overrides the earlier one;
//! - `seq` is read with `atoll` (`1x` is 1, and 0 or no digits mean "missing"); `type` is the
//!   first byte of its value (`base` is a base file); a name stops at a NUL byte and must
//!   not contain `/` or `\`.
//!
//! Writing: a name that `sdsneedsrepr` flags (any byte outside `!`..=`~`, or `"` or `\`) is
//! written in `sdscatrepr` quotes. Like Redis, a name containing `'` and nothing else that
//! needs quoting is written bare and cannot be read back (`sdssplitargs` takes the `'` as
//! an opening quote); Redis accepts such an `appendfilename` and then fails the same way.

use std::fmt;

use crate::c_text::until_nul;
use numeric::c_strtol as strtol;

/// Redis's `MANIFEST_MAX_LINE`: `fgets` reads at most this many bytes of a line.
const MAX_LINE_LEN: usize = 1024;

/// What a file listed in the manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `b`: the snapshot written by the last rewrite (RDB or commands).
    Base,
    /// `h`: a base or incr file replaced by a later rewrite, waiting to be deleted.
    History,
    /// `i`: commands appended after the base was written.
    Incr,
}

impl FileKind {
    /// The manifest's letter for this kind.
    pub fn letter(self) -> u8 {
        match self {
            FileKind::Base => b'b',
            FileKind::History => b'h',
            FileKind::Incr => b'i',
        }
    }

    fn from_letter(letter: u8) -> Option<FileKind> {
        match letter {
            b'b' => Some(FileKind::Base),
            b'h' => Some(FileKind::History),
            b'i' => Some(FileKind::Incr),
            _ => None,
        }
    }
}

/// The content format of a new base file, and so its name's suffix: Redis picks RDB when
/// `aof-use-rdb-preamble` is `yes` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseFormat {
    /// An RDB snapshot: `<appendfilename>.<seq>.base.rdb`.
    Rdb,
    /// Commands: `<appendfilename>.<seq>.base.aof`.
    Aof,
}

/// One line of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofFile {
    /// The file's name inside the AOF directory (bytes: a quoted name may hold any byte but
    /// NUL, `/` and `\`).
    pub name: Vec<u8>,
    /// Its sequence number (never 0 in a parsed manifest).
    pub seq: i64,
    pub kind: FileKind,
}

impl AofFile {
    /// The manifest line for this file, as Redis's `aofInfoFormat` writes it.
    fn write_line(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"file ");
        if needs_repr(&self.name) {
            out.extend_from_slice(resp::repr(&self.name).as_bytes());
        } else {
            out.extend_from_slice(&self.name);
        }
        out.extend_from_slice(b" seq ");
        out.extend_from_slice(itoa::Buffer::new().format(self.seq).as_bytes());
        out.extend_from_slice(b" type ");
        out.push(self.kind.letter());
        out.push(b'\n');
    }
}

/// Redis's `sdsneedsrepr`: whether a name must be quoted to survive `sdssplitargs`.
fn needs_repr(name: &[u8]) -> bool {
    name.iter()
        .any(|&byte| !(0x21..=0x7e).contains(&byte) || byte == b'"' || byte == b'\\')
}

/// The list of AOF files, as Redis keeps it in memory (`aofManifest`).
///
/// Besides the files, it keeps the last base and incr sequence numbers handed out, which
/// (as in Redis) start from the parsed base and last incr file and only grow, so a name is
/// not reused while its file may still be around as history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    base: Option<AofFile>,
    incrs: Vec<AofFile>,
    history: Vec<AofFile>,
    current_base_seq: i64,
    current_incr_seq: i64,
}

/// Why a manifest was refused; the texts are Redis 7.0's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ManifestProblem {
    #[error("Found an empty AOF manifest")]
    Empty,
    #[error("The AOF manifest file contains too long line")]
    LineTooLong,
    #[error("Invalid AOF manifest file format")]
    InvalidFormat,
    #[error("File can't be a path, just a filename")]
    NameIsPath,
    #[error("Found duplicate base file information")]
    DuplicateBase,
    #[error("Found a non-monotonic sequence number")]
    NonMonotonicSequence,
    #[error("Unknown AOF file type")]
    UnknownFileType,
}

/// A manifest Redis would refuse to load, with where: the 1-based line number (0 for an
/// empty manifest) and, where Redis prints it, the line trimmed of blanks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ManifestError {
    pub problem: ManifestProblem,
    pub line_number: usize,
    pub line: Option<String>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.problem)?;
        match &self.line {
            Some(line) => write!(f, " (line {}: '{line}')", self.line_number),
            None if self.line_number > 0 => write!(f, " (line {})", self.line_number),
            None => Ok(()),
        }
    }
}

/// Splits off what one `fgets(buf, MAX_LINE_LEN + 1, fp)` call reads: through the first
/// `\n`, or `MAX_LINE_LEN` bytes, or the rest.
fn next_fgets_line(input: &[u8]) -> (&[u8], &[u8]) {
    let window = &input[..input.len().min(MAX_LINE_LEN)];
    let len = memchr::memchr(b'\n', window).map_or(window.len(), |newline| newline + 1);
    input.split_at(len)
}

/// `sdstrim(line, " \t\r\n")`.
fn trim_blanks(mut line: &[u8]) -> &[u8] {
    let blank = |byte: &u8| matches!(byte, b' ' | b'\t' | b'\r' | b'\n');
    while let Some((first, rest)) = line.split_first()
        && blank(first)
    {
        line = rest;
    }
    while let Some((last, rest)) = line.split_last()
        && blank(last)
    {
        line = rest;
    }
    line
}

impl Manifest {
    /// An empty manifest (no files), as Redis starts with when there is none on disk.
    pub fn new() -> Manifest {
        Manifest::default()
    }

    /// Parses a manifest's content exactly as Redis 7.0 does (see the module documentation),
    /// refusing with Redis's errors.
    pub fn parse(content: &[u8]) -> Result<Manifest, ManifestError> {
        let mut manifest = Manifest::new();
        let mut highest_incr_seq = 0;
        let mut rest = content;
        let mut line_number = 0;
        loop {
            if rest.is_empty() {
                if line_number == 0 {
                    return Err(ManifestError {
                        problem: ManifestProblem::Empty,
                        line_number,
                        line: None,
                    });
                }
                return Ok(manifest);
            }
            let (raw, after) = next_fgets_line(rest);
            rest = after;
            line_number += 1;
            if raw.first() == Some(&b'#') {
                continue;
            }
            // Everything below looks at the line as a C string.
            let text = until_nul(raw);
            if memchr::memchr(b'\n', text).is_none() {
                return Err(ManifestError {
                    problem: ManifestProblem::LineTooLong,
                    line_number,
                    line: None,
                });
            }
            let line = trim_blanks(text);
            let fail = |problem| ManifestError {
                problem,
                line_number,
                line: Some(String::from_utf8_lossy(line).into_owned()),
            };
            let file = parse_line(line).map_err(fail)?;
            match file.kind {
                FileKind::Base => {
                    if manifest.base.is_some() {
                        return Err(fail(ManifestProblem::DuplicateBase));
                    }
                    manifest.current_base_seq = file.seq;
                    manifest.base = Some(file);
                }
                FileKind::History => manifest.history.push(file),
                FileKind::Incr => {
                    if file.seq <= highest_incr_seq {
                        return Err(fail(ManifestProblem::NonMonotonicSequence));
                    }
                    highest_incr_seq = file.seq;
                    manifest.current_incr_seq = file.seq;
                    manifest.incrs.push(file);
                }
            }
        }
    }

    /// The manifest's content as Redis writes it (`getAofManifestAsString`): the base
    /// file, then the history files, then the incr files.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for file in self.base.iter().chain(&self.history).chain(&self.incrs) {
            file.write_line(&mut out);
        }
        out
    }

    /// The base file, if there is one.
    pub fn base(&self) -> Option<&AofFile> {
        self.base.as_ref()
    }

    /// The incr files, oldest first.
    pub fn incrs(&self) -> &[AofFile] {
        &self.incrs
    }

    /// The history files, in manifest order.
    pub fn history(&self) -> &[AofFile] {
        &self.history
    }

    /// The files to load, in order: the base file, then the incr files.
    pub fn files_to_load(&self) -> impl Iterator<Item = &AofFile> {
        self.base.iter().chain(&self.incrs)
    }

    /// Whether there is nothing to load (no base and no incr file; history does not count).
    pub fn has_no_data_files(&self) -> bool {
        self.base.is_none() && self.incrs.is_empty()
    }

    /// Names and lists a new incr file `<appendfilename>.<seq>.incr.aof` with the next incr
    /// sequence number, as Redis's `getNewIncrAofName`; returns it.
    pub fn add_new_incr(&mut self, append_filename: &str) -> &AofFile {
        self.current_incr_seq += 1;
        let seq = self.current_incr_seq;
        self.incrs.push(AofFile {
            name: format!("{append_filename}.{seq}.incr.aof").into_bytes(),
            seq,
            kind: FileKind::Incr,
        });
        &self.incrs[self.incrs.len() - 1]
    }

    /// The incr file Redis appends to on startup (`getLastIncrAofName`): the last one, or a
    /// new one if there is none (then `true`: the manifest changed).
    pub fn last_incr_or_new(&mut self, append_filename: &str) -> (&AofFile, bool) {
        let created = self.incrs.is_empty();
        if created {
            self.add_new_incr(append_filename);
        }
        (&self.incrs[self.incrs.len() - 1], created)
    }

    /// Names and installs a new base file `<appendfilename>.<seq>.base.<rdb|aof>` with the
    /// next base sequence number; the previous base, if any, becomes the first history
    /// file (Redis's `getNewBaseFileNameAndMarkPreAsHistory`). Returns the new base.
    pub fn replace_base(&mut self, append_filename: &str, format: BaseFormat) -> &AofFile {
        if let Some(mut previous) = self.base.take() {
            previous.kind = FileKind::History;
            self.history.insert(0, previous);
        }
        self.current_base_seq += 1;
        let seq = self.current_base_seq;
        let suffix = match format {
            BaseFormat::Rdb => "rdb",
            BaseFormat::Aof => "aof",
        };
        self.base.insert(AofFile {
            name: format!("{append_filename}.{seq}.base.{suffix}").into_bytes(),
            seq,
            kind: FileKind::Base,
        })
    }

    /// After a successful rewrite, the incr files whose commands the new base holds become
    /// history (Redis's `markRewrittenIncrAofAsHistory`). With `keep_current` (AOF is on),
    /// the last incr file, the one being appended to, stays. They go to the front of the
    /// history list in their original order, so after [`Manifest::replace_base`] the
    /// history reads: rewritten incrs, previous base, older history, as Redis writes it.
    pub fn retire_rewritten_incrs(&mut self, keep_current: bool) {
        let keep = usize::from(keep_current).min(self.incrs.len());
        let retired = self.incrs.len() - keep;
        let mut moved: Vec<AofFile> = self
            .incrs
            .drain(..retired)
            .map(|mut file| {
                file.kind = FileKind::History;
                file
            })
            .collect();
        moved.append(&mut self.history);
        self.history = moved;
    }

    /// Removes the history files from the manifest and returns them (to be deleted).
    pub fn take_history(&mut self) -> Vec<AofFile> {
        std::mem::take(&mut self.history)
    }

    /// Makes `name` the base file with sequence 1, as Redis's `aofUpgradePrepare` does for
    /// an old single `appendonly.aof`; an earlier base is dropped.
    pub(crate) fn set_legacy_base(&mut self, name: &str) {
        self.base = Some(AofFile {
            name: name.as_bytes().to_vec(),
            seq: 1,
            kind: FileKind::Base,
        });
        self.current_base_seq = 1;
    }
}

/// Reads one non-comment line (trimmed, non-empty or not) into a file entry.
fn parse_line(line: &[u8]) -> Result<AofFile, ManifestProblem> {
    if line.is_empty() {
        return Err(ManifestProblem::InvalidFormat);
    }
    let words = resp::split_args(line).ok_or(ManifestProblem::InvalidFormat)?;
    // At least six words: later versions may add keys.
    if words.len() < 6 || words.len() % 2 != 0 {
        return Err(ManifestProblem::InvalidFormat);
    }
    let mut name = None;
    let mut seq = 0;
    let mut letter = 0;
    for pair in words.chunks_exact(2) {
        let (key, value) = (until_nul(&pair[0]), &pair[1]);
        if key.eq_ignore_ascii_case(b"file") {
            let file_name = until_nul(value);
            if file_name.contains(&b'/') || file_name.contains(&b'\\') {
                return Err(ManifestProblem::NameIsPath);
            }
            name = Some(file_name.to_vec());
        } else if key.eq_ignore_ascii_case(b"seq") {
            seq = strtol(value);
        } else if key.eq_ignore_ascii_case(b"type") {
            letter = value.first().copied().unwrap_or(0);
        }
    }
    // All three are needed; 0 stands for a missing sequence number or type, as in Redis.
    let Some(name) = name else {
        return Err(ManifestProblem::InvalidFormat);
    };
    if seq == 0 || letter == 0 {
        return Err(ManifestProblem::InvalidFormat);
    }
    let kind = FileKind::from_letter(letter).ok_or(ManifestProblem::UnknownFileType)?;
    Ok(AofFile { name, seq, kind })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(name: &str, seq: i64, kind: FileKind) -> AofFile {
        AofFile {
            name: name.as_bytes().to_vec(),
            seq,
            kind,
        }
    }

    fn problem(content: &[u8]) -> ManifestError {
        Manifest::parse(content).unwrap_err()
    }

    #[test]
    fn parses_redis_manifest_and_writes_it_back_byte_for_byte() {
        let text = b"file appendonly.aof.4.base.rdb seq 4 type b\n\
file appendonly.aof.3.incr.aof seq 3 type h\n\
file appendonly.aof.3.base.rdb seq 3 type h\n\
file appendonly.aof.4.incr.aof seq 4 type i\n\
file appendonly.aof.5.incr.aof seq 5 type i\n";
        let manifest = Manifest::parse(text).unwrap();
        assert_eq!(
            manifest.base(),
            Some(&file("appendonly.aof.4.base.rdb", 4, FileKind::Base))
        );
        assert_eq!(
            manifest.history(),
            [
                file("appendonly.aof.3.incr.aof", 3, FileKind::History),
                file("appendonly.aof.3.base.rdb", 3, FileKind::History),
            ]
        );
        assert_eq!(
            manifest.incrs(),
            [
                file("appendonly.aof.4.incr.aof", 4, FileKind::Incr),
                file("appendonly.aof.5.incr.aof", 5, FileKind::Incr),
            ]
        );
        let names: Vec<&[u8]> = manifest.files_to_load().map(|f| &f.name[..]).collect();
        assert_eq!(
            names,
            [
                &b"appendonly.aof.4.base.rdb"[..],
                b"appendonly.aof.4.incr.aof",
                b"appendonly.aof.5.incr.aof"
            ]
        );
        assert_eq!(manifest.to_bytes(), text);
    }

    #[test]
    fn reads_keys_in_any_order_and_case_ignores_unknown_keys_comments_and_blanks_around() {
        let text = b"# written by hand\n  TYPE i Seq 7 FILE a.7.incr.aof future yes \r\n\
# another comment\n\
file \"with space\" seq 1 type b\n";
        let manifest = Manifest::parse(text).unwrap();
        assert_eq!(manifest.incrs(), [file("a.7.incr.aof", 7, FileKind::Incr)]);
        assert_eq!(
            manifest.base(),
            Some(&file("with space", 1, FileKind::Base))
        );
        // A comment-only manifest is valid and empty.
        let empty = Manifest::parse(b"# nothing\n").unwrap();
        assert!(empty.has_no_data_files());
        assert_eq!(empty.to_bytes(), b"");
    }

    #[test]
    fn keeps_redis_7_0_quirks_of_atoll_type_letter_and_repeated_keys() {
        // atoll: "1x" is 1; the type is the value's first letter; a later key wins.
        let manifest =
            Manifest::parse(b"file a seq 1x type base file b\nfile c seq -3 type history\n")
                .unwrap();
        assert_eq!(manifest.base(), Some(&file("b", 1, FileKind::Base)));
        assert_eq!(manifest.history(), [file("c", -3, FileKind::History)]);
        // A NUL ends the name (C string), so the part after it is not checked for '/'.
        let manifest = Manifest::parse(b"file \"a\\x00/b\" seq 1 type b\n").unwrap();
        assert_eq!(manifest.base().unwrap().name, b"a");
    }

    #[test]
    fn refuses_what_redis_refuses_with_its_messages() {
        let cases: &[(&[u8], ManifestProblem, usize)] = &[
            (b"", ManifestProblem::Empty, 0),
            (b"file a seq 1 type b", ManifestProblem::LineTooLong, 1),
            (
                b"file a seq 1 type b\n\n",
                ManifestProblem::InvalidFormat,
                2,
            ),
            (b"   \t\r\n", ManifestProblem::InvalidFormat, 1),
            (b"file a seq 1 type\n", ManifestProblem::InvalidFormat, 1),
            (
                b"file a seq 1 type b x\n",
                ManifestProblem::InvalidFormat,
                1,
            ),
            (
                b"file \"a seq 1 type b\n",
                ManifestProblem::InvalidFormat,
                1,
            ),
            (b"file a seq 0 type b\n", ManifestProblem::InvalidFormat, 1),
            (b"file a seq x type b\n", ManifestProblem::InvalidFormat, 1),
            (
                b"file a seq 1 type \"\"\n",
                ManifestProblem::InvalidFormat,
                1,
            ),
            (b"name a seq 1 type b\n", ManifestProblem::InvalidFormat, 1),
            (b"file dir/a seq 0 type b\n", ManifestProblem::NameIsPath, 1),
            (
                b"file dir\\a seq 1 type b\n",
                ManifestProblem::NameIsPath,
                1,
            ),
            (
                b"file a seq 1 type b\nfile b seq 2 type b\n",
                ManifestProblem::DuplicateBase,
                2,
            ),
            (
                b"file a seq 2 type i\nfile b seq 2 type i\n",
                ManifestProblem::NonMonotonicSequence,
                2,
            ),
            (
                b"file a seq -1 type i\n",
                ManifestProblem::NonMonotonicSequence,
                1,
            ),
            (
                b"file a seq 1 type x\n",
                ManifestProblem::UnknownFileType,
                1,
            ),
            // A NUL before the newline hides it from strchr.
            (b"file a seq 1 type b\0\n", ManifestProblem::LineTooLong, 1),
        ];
        for &(content, expected, line_number) in cases {
            let error = problem(content);
            assert_eq!(
                (error.problem, error.line_number),
                (expected, line_number),
                "{:?}",
                String::from_utf8_lossy(content)
            );
        }
    }

    #[test]
    fn error_messages_name_the_line_as_redis_logs_it() {
        let error = problem(b"file a seq 1 type b\n  file b seq 1  \n");
        assert_eq!(
            error.to_string(),
            "Invalid AOF manifest file format (line 2: 'file b seq 1')"
        );
        assert_eq!(
            problem(b"").to_string(),
            "Found an empty AOF manifest",
            "no line for an empty manifest"
        );
    }

    #[test]
    fn long_lines_are_cut_at_1024_bytes_like_fgets() {
        // A 1024-byte line without its newline in the buffer is too long...
        let mut long = b"file ".to_vec();
        long.extend(std::iter::repeat_n(b'a', 1006));
        long.extend_from_slice(b" seq 1 type b\n");
        assert_eq!(long.len(), 1025);
        assert_eq!(problem(&long).problem, ManifestProblem::LineTooLong);
        // ...one byte shorter fits.
        long.remove(5);
        assert!(Manifest::parse(&long).is_ok());
        // A long comment's remainder is read as the next line.
        let mut comment = vec![b'#'; 1024];
        comment.extend_from_slice(b"file a seq 1 type b\n");
        assert_eq!(
            Manifest::parse(&comment).unwrap().base().unwrap().name,
            b"a"
        );
    }

    #[test]
    fn names_that_need_it_are_quoted_as_sdscatrepr_does() {
        let mut manifest = Manifest::new();
        manifest.base = Some(file("my file\t\"x\".aof", 1, FileKind::Base));
        manifest.incrs.push(AofFile {
            name: b"caf\xc3\xa9\"x.aof".to_vec(),
            seq: 1,
            kind: FileKind::Incr,
        });
        let bytes = manifest.to_bytes();
        assert_eq!(
            bytes,
            b"file \"my file\\t\\\"x\\\".aof\" seq 1 type b\n\
file \"caf\\xc3\\xa9\\\"x.aof\" seq 1 type i\n"
        );
        let back = Manifest::parse(&bytes).unwrap();
        assert_eq!(back.base(), manifest.base());
        assert_eq!(back.incrs(), manifest.incrs());
    }

    #[test]
    fn a_bare_name_with_a_single_quote_does_not_read_back_as_in_redis() {
        let mut manifest = Manifest::new();
        manifest.base = Some(file("it's.aof", 1, FileKind::Base));
        assert_eq!(manifest.to_bytes(), b"file it's.aof seq 1 type b\n");
        assert_eq!(
            problem(&manifest.to_bytes()).problem,
            ManifestProblem::InvalidFormat
        );
    }

    #[test]
    fn rewrite_edits_follow_redis_naming_and_history_order() {
        // Fresh start: a base and an incr, both sequence 1.
        let mut manifest = Manifest::new();
        assert_eq!(
            manifest
                .replace_base("appendonly.aof", BaseFormat::Rdb)
                .name,
            b"appendonly.aof.1.base.rdb"
        );
        let (incr, created) = manifest.last_incr_or_new("appendonly.aof");
        assert_eq!(
            (incr.name.as_slice(), created),
            (&b"appendonly.aof.1.incr.aof"[..], true)
        );
        assert!(!manifest.last_incr_or_new("appendonly.aof").1);
        // A rewrite starts: new incr; a failed one left another incr behind.
        manifest.add_new_incr("appendonly.aof");
        manifest.add_new_incr("appendonly.aof");
        // It completes: new base, the incrs before the current one become history.
        manifest.replace_base("appendonly.aof", BaseFormat::Aof);
        manifest.retire_rewritten_incrs(true);
        assert_eq!(
            manifest.to_bytes(),
            b"file appendonly.aof.2.base.aof seq 2 type b\n\
file appendonly.aof.1.incr.aof seq 1 type h\n\
file appendonly.aof.2.incr.aof seq 2 type h\n\
file appendonly.aof.1.base.rdb seq 1 type h\n\
file appendonly.aof.3.incr.aof seq 3 type i\n"
        );
        // The next rewrite puts its retired files in front of the older history.
        manifest.add_new_incr("appendonly.aof");
        manifest.replace_base("appendonly.aof", BaseFormat::Aof);
        manifest.retire_rewritten_incrs(true);
        let history: Vec<&[u8]> = manifest.history().iter().map(|f| &f.name[..]).collect();
        assert_eq!(
            history,
            [
                &b"appendonly.aof.3.incr.aof"[..],
                b"appendonly.aof.2.base.aof",
                b"appendonly.aof.1.incr.aof",
                b"appendonly.aof.2.incr.aof",
                b"appendonly.aof.1.base.rdb",
            ]
        );
        assert_eq!(manifest.take_history().len(), 5);
        assert!(manifest.history().is_empty());
        // With AOF off every incr is retired, and sequence numbers still grow.
        manifest.retire_rewritten_incrs(false);
        assert!(manifest.incrs().is_empty());
        assert_eq!(
            manifest.add_new_incr("appendonly.aof").name,
            b"appendonly.aof.5.incr.aof"
        );
    }

    #[test]
    fn sequence_numbers_continue_from_a_parsed_manifest() {
        let mut manifest =
            Manifest::parse(b"file x.7.base.rdb seq 7 type b\nfile x.3.incr.aof seq 3 type i\n")
                .unwrap();
        assert_eq!(manifest.add_new_incr("x").seq, 4);
        assert_eq!(manifest.replace_base("x", BaseFormat::Rdb).seq, 8);
    }

    fn name_strategy() -> impl Strategy<Value = Vec<u8>> {
        // Any byte but NUL, '/', '\' (refused or cut by Redis) and '\'' (see the module
        // documentation); spaces, quotes and high bytes exercise the quoting.
        proptest::collection::vec(
            any::<u8>().prop_filter("not representable", |b| {
                !matches!(b, 0 | b'/' | b'\\' | b'\'')
            }),
            1..40,
        )
    }

    fn entry_strategy() -> impl Strategy<Value = (Vec<u8>, i64)> {
        (
            name_strategy(),
            any::<i64>().prop_filter("0 means missing", |seq| *seq != 0),
        )
    }

    proptest! {
        #[test]
        fn manifests_round_trip(
            base in proptest::option::of(entry_strategy()),
            history in proptest::collection::vec(entry_strategy(), 0..4),
            incr_steps in proptest::collection::vec((name_strategy(), 1..1000i64), 0..5),
        ) {
            let mut manifest = Manifest::new();
            if let Some((name, seq)) = base {
                manifest.current_base_seq = seq;
                manifest.base = Some(AofFile { name, seq, kind: FileKind::Base });
            }
            manifest.history = history
                .into_iter()
                .map(|(name, seq)| AofFile { name, seq, kind: FileKind::History })
                .collect();
            let mut seq = 0;
            for (name, step) in incr_steps {
                seq += step;
                manifest.current_incr_seq = seq;
                manifest.incrs.push(AofFile { name, seq, kind: FileKind::Incr });
            }
            let bytes = manifest.to_bytes();
            if bytes.is_empty() {
                let error = Manifest::parse(&bytes).unwrap_err();
                prop_assert_eq!(error.problem, ManifestProblem::Empty);
            } else {
                let back = Manifest::parse(&bytes).unwrap();
                prop_assert_eq!(&back, &manifest);
                prop_assert_eq!(back.to_bytes(), bytes);
            }
        }

        #[test]
        fn parsing_arbitrary_bytes_never_panics(
            content in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let _ = Manifest::parse(&content);
        }
    }
}
