//! GETBIT and SETBIT: one bit, numbered from the most significant bit of the first byte.

/// GETBIT on an existing string: bits past the end read as 0. (A missing key replies 0.)
pub fn getbit(value: &[u8], offset: u64) -> bool {
    let Ok(byte) = usize::try_from(offset >> 3) else {
        return false;
    };
    value
        .get(byte)
        .is_some_and(|&byte| byte & (0x80 >> (offset & 7)) != 0)
}

/// What SETBIT did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetBit {
    /// The bit's value before: the integer reply.
    pub previous: bool,
    /// The string grew or the bit changed: Redis signals the key modified, fires the
    /// `setbit` event and counts a change only then.
    pub modified: bool,
}

/// SETBIT: grows the string with zero bytes to reach `offset`, then sets or clears the bit.
/// For a missing key pass an empty vector and store it afterwards (it always grows, so
/// `modified` is true, as Redis creates the key). `offset` must come from
/// [`parse_bit_offset`](crate::parse_bit_offset), which bounds the growth.
pub fn setbit(value: &mut Vec<u8>, offset: u64, on: bool) -> SetBit {
    let byte = usize::try_from(offset >> 3).unwrap_or(usize::MAX);
    let grew = value.len() <= byte;
    if grew {
        value.resize(byte.saturating_add(1), 0);
    }
    let mask = 0x80 >> (offset & 7);
    let previous = value[byte] & mask != 0;
    if on {
        value[byte] |= mask;
    } else {
        value[byte] &= !mask;
    }
    SetBit {
        previous,
        modified: grew || previous != on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_msb_first_and_strings_grow() {
        let mut value = Vec::new();
        assert_eq!(
            setbit(&mut value, 7, true),
            SetBit {
                previous: false,
                modified: true
            }
        );
        assert_eq!(value, [0x01]);
        assert_eq!(
            setbit(&mut value, 7, true),
            SetBit {
                previous: true,
                modified: false
            }
        );
        assert_eq!(
            setbit(&mut value, 9, false),
            SetBit {
                previous: false,
                modified: true
            }
        );
        assert_eq!(value, [0x01, 0x00]);
        assert!(getbit(&value, 7));
        assert!(!getbit(&value, 0));
        assert!(!getbit(&value, 1 << 40));
        let mut fresh = Vec::new();
        assert!(
            setbit(&mut fresh, 0, false).modified,
            "creating the key is a change"
        );
    }
}
