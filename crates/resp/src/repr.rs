//! Redis's `sdscatrepr`: how Redis quotes arbitrary bytes as text (MONITOR lines, CONFIG
//! REWRITE values, log lines). The inverse of [`crate::split_args`] for a single argument.

/// The bytes in double quotes, with `\\ \" \n \r \t \a \b` escaped and every other byte
/// outside printable ASCII written as `\xHH` (lowercase hex, as Redis prints it).
pub fn repr(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(char::from(byte)),
            other => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\x");
                out.push(char::from(HEX[usize::from(other >> 4)]));
                out.push(char::from(HEX[usize::from(other & 0xf)]));
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_sdscatrepr_and_round_trips_through_split_args() {
        let raw = b"a \"b\"\\\n\r\t\x07\x08\x00\xff~";
        let quoted = repr(raw);
        assert_eq!(quoted, r#""a \"b\"\\\n\r\t\a\b\x00\xff~""#);
        let back = crate::split_args(quoted.as_bytes()).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(&back[0][..], &raw[..]);
    }
}
