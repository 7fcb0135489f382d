//! The C library's reading of text that Redis's AOF code relies on: strings end at the first
//! NUL byte, and numbers are read with `strtol`/`strtoll`/`atoi`/`atoll`, which take a
//! prefix and ignore the rest (those are `numeric::c_strtol` / `numeric::c_atoi`). Owns
//! only these conversions; it knows nothing of files.

/// The bytes before the first NUL: what a C function sees of a buffer.
pub(crate) fn until_nul(bytes: &[u8]) -> &[u8] {
    memchr::memchr(0, bytes).map_or(bytes, |nul| &bytes[..nul])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_nul_stops_at_the_first_nul() {
        assert_eq!(until_nul(b"ab\0cd"), b"ab");
        assert_eq!(until_nul(b"abc"), b"abc");
    }
}
