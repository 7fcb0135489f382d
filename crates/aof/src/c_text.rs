//! The C library's reading of text that Redis's AOF code relies on: strings end at the first
//! NUL byte, and numbers are read with `strtol`/`strtoll`/`atoi`/`atoll`, which take a
//! prefix and ignore the rest. Owns only these conversions; it knows nothing of files.

/// The bytes before the first NUL: what a C function sees of a buffer.
pub(crate) fn until_nul(bytes: &[u8]) -> &[u8] {
    memchr::memchr(0, bytes).map_or(bytes, |nul| &bytes[..nul])
}

/// C's `isspace` in the "C" locale.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// glibc's `strtol(text, NULL, 10)` on 64-bit Linux (also `strtoll`, `atol`, `atoll`):
/// leading white space, an optional sign, then as many decimal digits as there are. No
/// digits gives 0; a value out of range saturates at `i64::MIN`/`i64::MAX`.
pub(crate) fn strtol(text: &[u8]) -> i64 {
    let mut rest = text;
    while let [first, tail @ ..] = rest
        && is_c_space(*first)
    {
        rest = tail;
    }
    let negative = match rest.first() {
        Some(b'-') => {
            rest = &rest[1..];
            true
        }
        Some(b'+') => {
            rest = &rest[1..];
            false
        }
        _ => false,
    };
    // Accumulate towards the sign so that i64::MIN is reachable.
    let mut value: i64 = 0;
    for &byte in rest.iter().take_while(|byte| byte.is_ascii_digit()) {
        let digit = i64::from(byte - b'0');
        let next = value.checked_mul(10).and_then(|tens| {
            if negative {
                tens.checked_sub(digit)
            } else {
                tens.checked_add(digit)
            }
        });
        match next {
            Some(next) => value = next,
            None => return if negative { i64::MIN } else { i64::MAX },
        }
    }
    value
}

/// glibc's `atoi`, which is `(int) strtol(text, NULL, 10)`: the low 32 bits of
/// [`strtol`]'s result, so `4294967297` reads as 1 and an overflowing value as -1.
pub(crate) fn atoi(text: &[u8]) -> i32 {
    // Truncation is the point: this is C's conversion from long to int.
    strtol(text) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_takes_a_prefix_like_c() {
        assert_eq!(strtol(b"42\r\n"), 42);
        assert_eq!(strtol(b" \t\x0b\x0c+7x"), 7);
        assert_eq!(strtol(b"-12"), -12);
        assert_eq!(strtol(b""), 0);
        assert_eq!(strtol(b"abc"), 0);
        assert_eq!(strtol(b"- 1"), 0);
        assert_eq!(strtol(b"1\x002"), 1);
        assert_eq!(strtol(b"9223372036854775807"), i64::MAX);
        assert_eq!(strtol(b"9223372036854775808"), i64::MAX);
        assert_eq!(strtol(b"-9223372036854775808"), i64::MIN);
        assert_eq!(strtol(b"-99999999999999999999"), i64::MIN);
    }

    #[test]
    fn atoi_keeps_the_low_32_bits() {
        assert_eq!(atoi(b"3\r\n"), 3);
        assert_eq!(atoi(b"4294967297"), 1);
        assert_eq!(atoi(b"2147483648"), i32::MIN);
        assert_eq!(atoi(b"99999999999999999999"), -1);
    }

    #[test]
    fn until_nul_stops_at_the_first_nul() {
        assert_eq!(until_nul(b"ab\0cd"), b"ab");
        assert_eq!(until_nul(b"abc"), b"abc");
    }
}
