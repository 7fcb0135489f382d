//! Splitting an inline command line into arguments by Redis's `sdssplitargs` rules
//! (`src/sds.c`). Owns only the tokenizer; finding the line is [`crate::RequestParser`]'s job.
//!
//! The rules, as Redis 7.0 applies them:
//! - blanks between arguments are C `isspace` bytes (space, `\t`, `\n`, `\v`, `\f`, `\r`);
//!   an unquoted argument ends only at space, `\t`, `\n` or `\r`, so `\v`/`\f` inside one are
//!   kept;
//! - a `"` or `'` opens a quoted part, even in the middle of an argument (`ab"c d"` is
//!   `abc d`), and its closing quote ends the argument, which must then be followed by a
//!   blank or the end of the line;
//! - inside `"..."`: `\xHH` (two hex digits of either case) is that byte, `\n \r \t \b \a`
//!   are control characters, and a backslash before any other byte is that byte;
//! - inside `'...'`: only `\'` is an escape;
//! - an unterminated quote is an error.

use bytes::Bytes;

use crate::ProtocolError;

/// C's `isspace` in the "C" locale (Redis never sets `LC_CTYPE`).
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Bytes that end an unquoted argument.
fn ends_unquoted(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// Whether a closing quote at `close` is correctly followed by a blank or the end.
fn closes_argument(line: &[u8], close: usize) -> bool {
    line.get(close + 1).is_none_or(|&next| is_c_space(next))
}

/// Redis's `sdssplitargs` on its own: the arguments of `line`, or `None` for unbalanced
/// quotes. (The config loader cuts redis.conf lines with the same rules.)
pub fn split_args(line: &[u8]) -> Option<Vec<Bytes>> {
    let line = Bytes::copy_from_slice(line);
    let mut args = Vec::new();
    split_inline_args(&line, &mut args).ok()?;
    Some(args)
}

/// Appends the arguments of `line` (without its line ending) to `args`. An argument with no
/// quotes is a slice of `line`; one with quotes is built fresh.
pub(crate) fn split_inline_args(line: &Bytes, args: &mut Vec<Bytes>) -> Result<(), ProtocolError> {
    let text: &[u8] = line;
    let mut pos = 0;
    loop {
        while text.get(pos).is_some_and(|&byte| is_c_space(byte)) {
            pos += 1;
        }
        if pos == text.len() {
            return Ok(());
        }
        let start = pos;
        while text
            .get(pos)
            .is_some_and(|&byte| !ends_unquoted(byte) && byte != b'"' && byte != b'\'')
        {
            pos += 1;
        }
        match text.get(pos) {
            Some(&quote @ (b'"' | b'\'')) => {
                let mut argument = Vec::with_capacity(pos - start + 16);
                argument.extend_from_slice(&text[start..pos]);
                pos = if quote == b'"' {
                    read_double_quoted(text, pos + 1, &mut argument)?
                } else {
                    read_single_quoted(text, pos + 1, &mut argument)?
                };
                args.push(Bytes::from(argument));
            }
            _ => args.push(line.slice(start..pos)),
        }
    }
}

/// Reads a `"..."` part starting after the opening quote; returns the position after the
/// closing quote.
fn read_double_quoted(
    text: &[u8],
    mut pos: usize,
    argument: &mut Vec<u8>,
) -> Result<usize, ProtocolError> {
    loop {
        match text.get(pos) {
            None => return Err(ProtocolError::UnbalancedQuotes),
            Some(b'"') => {
                return if closes_argument(text, pos) {
                    Ok(pos + 1)
                } else {
                    Err(ProtocolError::UnbalancedQuotes)
                };
            }
            Some(b'\\') => {
                let hex_escape = match (text.get(pos + 1), text.get(pos + 2), text.get(pos + 3)) {
                    (Some(b'x'), Some(&high), Some(&low)) => {
                        hex_value(high).zip(hex_value(low)).map(|(h, l)| h * 16 + l)
                    }
                    _ => None,
                };
                if let Some(byte) = hex_escape {
                    argument.push(byte);
                    pos += 4;
                } else if let Some(&escaped) = text.get(pos + 1) {
                    argument.push(match escaped {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    pos += 2;
                } else {
                    // A backslash ending the line: the quote is unterminated.
                    return Err(ProtocolError::UnbalancedQuotes);
                }
            }
            Some(&byte) => {
                argument.push(byte);
                pos += 1;
            }
        }
    }
}

/// Reads a `'...'` part starting after the opening quote; returns the position after the
/// closing quote.
fn read_single_quoted(
    text: &[u8],
    mut pos: usize,
    argument: &mut Vec<u8>,
) -> Result<usize, ProtocolError> {
    loop {
        match text.get(pos) {
            None => return Err(ProtocolError::UnbalancedQuotes),
            Some(b'\\') if text.get(pos + 1) == Some(&b'\'') => {
                argument.push(b'\'');
                pos += 2;
            }
            Some(b'\'') => {
                return if closes_argument(text, pos) {
                    Ok(pos + 1)
                } else {
                    Err(ProtocolError::UnbalancedQuotes)
                };
            }
            Some(&byte) => {
                argument.push(byte);
                pos += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &[u8]) -> Result<Vec<Vec<u8>>, ProtocolError> {
        let mut args = Vec::new();
        split_inline_args(&Bytes::copy_from_slice(line), &mut args)?;
        Ok(args.into_iter().map(|arg| arg.to_vec()).collect())
    }

    fn ok(args: &[&[u8]]) -> Result<Vec<Vec<u8>>, ProtocolError> {
        Ok(args.iter().map(|arg| arg.to_vec()).collect())
    }

    #[test]
    fn splits_on_blanks() {
        assert_eq!(split(b"SET k v"), ok(&[b"SET", b"k", b"v"]));
        assert_eq!(split(b"  GET \t k  "), ok(&[b"GET", b"k"]));
        assert_eq!(split(b""), ok(&[]));
        assert_eq!(split(b" \t\x0b\x0c\r "), ok(&[]));
        // `\r` in the middle separates, as Redis answers `ECHO a\rb` with a wrong arity.
        assert_eq!(split(b"ECHO a\rb"), ok(&[b"ECHO", b"a", b"b"]));
    }

    #[test]
    fn vertical_tab_and_form_feed_skip_as_blanks_but_stay_inside_arguments() {
        // Redis 7.0.15: `\x0cECHO\x0cx` is the unknown command 'ECHO\x0cx'.
        assert_eq!(split(b"\x0cECHO\x0cx"), ok(&[b"ECHO\x0cx"]));
        assert_eq!(split(b"ECHO \x0bab\x0bcd"), ok(&[b"ECHO", b"ab\x0bcd"]));
    }

    #[test]
    fn double_quotes_and_escapes() {
        assert_eq!(split(br#"ECHO "a\x41\n\q""#), ok(&[b"ECHO", b"aA\nq"]));
        assert_eq!(split(br#""\r\t\b\a\\\"""#), ok(&[b"\r\t\x08\x07\\\""]));
        assert_eq!(split(br#""\x4g""#), ok(&[b"x4g"]));
        assert_eq!(split(br#""\x4A\X41""#), ok(&[b"JX41"]));
        assert_eq!(split(br#""\xfF""#), ok(&[b"\xff"]));
        assert_eq!(split(br#"ECHO """#), ok(&[b"ECHO", b""]));
        assert_eq!(split(b"\"a b\"\x0bc"), ok(&[b"a b", b"c"]));
    }

    #[test]
    fn single_quotes_only_escape_the_quote() {
        assert_eq!(split(br"ECHO 'a\'b\n'"), ok(&[b"ECHO", br"a'b\n"]));
        assert_eq!(split(br"'a\nb'"), ok(&[br"a\nb"]));
    }

    #[test]
    fn a_quote_inside_an_argument_opens_a_quoted_part() {
        assert_eq!(split(br#"ECHO ab"c d""#), ok(&[b"ECHO", b"abc d"]));
        assert_eq!(split(br"x'y z' w"), ok(&[b"xy z", b"w"]));
    }

    #[test]
    fn unbalanced_quotes() {
        for line in [
            &br#"ECHO "abc"#[..],
            br#"ECHO "abc"d"#,
            br"ECHO 'a'b",
            br#"ECHO "ab\"#,
            b"ECHO \"ab\"\xa0",
            br"'abc",
            br#"""x"#,
        ] {
            assert_eq!(
                split(line),
                Err(ProtocolError::UnbalancedQuotes),
                "{}",
                line.escape_ascii()
            );
        }
    }

    #[test]
    fn unquoted_arguments_share_the_line_buffer() {
        let line = Bytes::from_static(b"GET key");
        let mut args = Vec::new();
        split_inline_args(&line, &mut args).unwrap();
        assert_eq!(args[1].as_ptr(), line[4..].as_ptr());
    }
}
