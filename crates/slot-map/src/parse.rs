//! Slot arguments (`CLUSTER ADDSLOTS 5`, `CLUSTER COUNTKEYSINSLOT 5`, ...) and this crate's errors.

use crate::{SLOT_COUNT, Slot};

/// Errors of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    /// A slot argument that is not an integer in `0..16384`. The text is Redis's reply.
    #[error("ERR Invalid or out of range slot")]
    InvalidSlot,
    /// A slot bitmap that is not exactly [`crate::SLOT_BITMAP_BYTES`] long.
    #[error("slot bitmap must be {expected} bytes, got {len}", expected = crate::SLOT_BITMAP_BYTES)]
    BitmapLength {
        /// The length that was given.
        len: usize,
    },
}

/// Parses a slot argument as Redis's `getSlotOrReply` does: an integer by `string2ll`'s
/// rules (`numeric::parse_i64`: optional `-`, no `+`, no leading zeros, no spaces) with
/// `0 <= slot < 16384`.
pub fn parse_slot(arg: &[u8]) -> Result<Slot, SlotError> {
    numeric::parse_i64(arg)
        .and_then(|value| Slot::try_from(value).ok())
        .filter(|&slot| usize::from(slot) < SLOT_COUNT)
        .ok_or(SlotError::InvalidSlot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_valid_slots() {
        assert_eq!(parse_slot(b"0"), Ok(0));
        assert_eq!(parse_slot(b"1"), Ok(1));
        assert_eq!(parse_slot(b"5460"), Ok(5460));
        assert_eq!(parse_slot(b"16383"), Ok(16383));
    }

    #[test]
    fn rejects_what_string2ll_or_the_range_check_rejects() {
        for arg in [
            &b""[..],
            b"16384",
            b"99999",
            b"99999999999999999999999",
            b"-1",
            b"-0",
            b"-",
            b"+1",
            b"01",
            b"00",
            b" 1",
            b"1 ",
            b"1.0",
            b"1e3",
            b"0x10",
            b"abc",
            b"\xff",
        ] {
            assert_eq!(
                parse_slot(arg),
                Err(SlotError::InvalidSlot),
                "{:?}",
                String::from_utf8_lossy(arg)
            );
        }
    }

    #[test]
    fn error_text_is_redis_reply() {
        assert_eq!(
            SlotError::InvalidSlot.to_string(),
            "ERR Invalid or out of range slot"
        );
    }

    proptest! {
        #[test]
        fn agrees_with_decimal_rendering(n in any::<i64>()) {
            let text = n.to_string();
            let expected = if (0..16384).contains(&n) { Slot::try_from(n).ok() } else { None };
            prop_assert_eq!(parse_slot(text.as_bytes()).ok(), expected);
        }

        #[test]
        fn accepts_only_canonical_renderings(arg in proptest::collection::vec(any::<u8>(), 0..8)) {
            if let Ok(slot) = parse_slot(&arg) {
                let rendered = slot.to_string();
                prop_assert_eq!(rendered.as_bytes(), &arg[..]);
                prop_assert!(usize::from(slot) < SLOT_COUNT);
            }
        }
    }
}
