//! Writing the command stream: a command as the RESP multibulk bytes Redis appends to an
//! incr file (`catAppendOnlyGenericCommand`), and [`AofEncoder`], which puts a `SELECT` in
//! front when the database changes (`feedAppendOnlyFile`).
//!
//! Owns the bytes only. It does not decide which commands are logged or how they are
//! rewritten for propagation (the node does), and does not write or fsync files. Timestamp
//! annotations (`aof-timestamp-enabled`) are not written.

/// Appends `args` as one RESP array of bulk strings, `*<n>\r\n` then `$<len>\r\n<arg>\r\n`
/// per argument: byte for byte what Redis writes to the AOF for a command.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    let mut digits = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(digits.format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for arg in args {
        let arg = arg.as_ref();
        out.push(b'$');
        out.extend_from_slice(digits.format(arg.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Tracks the database the AOF stream last selected, as Redis's `aof_selected_db`, so that
/// `SELECT <db>` is written before a command only when the database changes.
///
/// Redis forgets the selection (so the next command is preceded by `SELECT`) whenever it
/// starts writing a new incr file for a rewrite, when a rewrite completes, and when AOF is
/// turned off: call [`AofEncoder::forget_selected_db`] at those points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AofEncoder {
    selected_db: Option<usize>,
}

impl AofEncoder {
    /// An encoder that has selected no database yet (the first command gets a `SELECT`).
    pub fn new() -> AofEncoder {
        AofEncoder::default()
    }

    /// Appends `args` to `out`, preceded by `SELECT <db>` if `db` differs from the last
    /// database selected. `db: None` is Redis's `dictid == -1`: a command that belongs to no
    /// database, written without `SELECT` and leaving the selection as it was.
    pub fn encode<A: AsRef<[u8]>>(&mut self, out: &mut Vec<u8>, db: Option<usize>, args: &[A]) {
        if let Some(db) = db
            && self.selected_db != Some(db)
        {
            let mut digits = itoa::Buffer::new();
            encode_command(out, &[b"SELECT".as_slice(), digits.format(db).as_bytes()]);
            self.selected_db = Some(db);
        }
        encode_command(out, args);
    }

    /// The database the stream has selected, if any.
    pub fn selected_db(&self) -> Option<usize> {
        self.selected_db
    }

    /// Forgets the selection, so the next command with a database is preceded by `SELECT`.
    pub fn forget_selected_db(&mut self) {
        self.selected_db = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_cat_append_only_generic_command() {
        let mut out = Vec::new();
        encode_command(&mut out, &[&b"SET"[..], b"key", b"", b"a\r\nb"]);
        assert_eq!(
            out,
            b"*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n$4\r\na\r\nb\r\n"
        );
    }

    #[test]
    fn selects_only_when_the_database_changes_and_after_forgetting() {
        let mut encoder = AofEncoder::new();
        let mut out = Vec::new();
        encoder.encode(&mut out, Some(0), &["set", "a", "1"]);
        encoder.encode(&mut out, Some(0), &["set", "b", "2"]);
        encoder.encode(&mut out, Some(12), &["del", "a"]);
        encoder.encode(&mut out, None, &["function", "flush"]);
        assert_eq!(encoder.selected_db(), Some(12));
        encoder.forget_selected_db();
        encoder.encode(&mut out, Some(12), &["del", "b"]);
        let expected = [
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n",
            "*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n",
            "*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n",
            "*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n",
            "*2\r\n$3\r\ndel\r\n$1\r\na\r\n",
            "*2\r\n$8\r\nfunction\r\n$5\r\nflush\r\n",
            "*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n",
            "*2\r\n$3\r\ndel\r\n$1\r\nb\r\n",
        ]
        .concat();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
