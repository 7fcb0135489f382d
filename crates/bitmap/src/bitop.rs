//! BITOP: AND, OR, XOR over several strings, NOT of one.

use crate::BitError;

/// A BITOP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    /// Bitwise AND of all sources.
    And,
    /// Bitwise OR of all sources.
    Or,
    /// Bitwise XOR of all sources.
    Xor,
    /// Bitwise NOT of the single source.
    Not,
}

impl BitOp {
    /// Parses the operation name (any case) and checks that NOT has exactly one source, as
    /// Redis does before looking any key up.
    pub fn parse(name: &[u8], source_count: usize) -> Result<BitOp, BitError> {
        let op = if name.eq_ignore_ascii_case(b"and") {
            BitOp::And
        } else if name.eq_ignore_ascii_case(b"or") {
            BitOp::Or
        } else if name.eq_ignore_ascii_case(b"xor") {
            BitOp::Xor
        } else if name.eq_ignore_ascii_case(b"not") {
            BitOp::Not
        } else {
            return Err(BitError::Syntax);
        };
        if op == BitOp::Not && source_count != 1 {
            return Err(BitError::BitopNotArity);
        }
        Ok(op)
    }
}

/// BITOP over the sources' values in order (a missing key is an empty string, which reads
/// as zero bytes). The result is as long as the longest source. Reply its length; store it
/// in the destination, or, when it is empty, delete the destination (Redis counts a change
/// and signals the key only if there was one to delete).
pub fn bitop<A: AsRef<[u8]>>(op: BitOp, sources: &[A]) -> Vec<u8> {
    let longest = sources
        .iter()
        .map(|source| source.as_ref().len())
        .max()
        .unwrap_or(0);
    let mut result = vec![0u8; longest];
    let Some((first, rest)) = sources.split_first() else {
        return result;
    };
    let first = first.as_ref();
    result[..first.len()].copy_from_slice(first);
    match op {
        BitOp::Not => result.iter_mut().for_each(|byte| *byte = !*byte),
        BitOp::And => {
            for source in rest {
                let source = source.as_ref();
                result
                    .iter_mut()
                    .zip(source)
                    .for_each(|(byte, other)| *byte &= other);
                result[source.len()..].fill(0);
            }
        }
        BitOp::Or => {
            for source in rest {
                result
                    .iter_mut()
                    .zip(source.as_ref())
                    .for_each(|(byte, other)| *byte |= other);
            }
        }
        BitOp::Xor => {
            for source in rest {
                result
                    .iter_mut()
                    .zip(source.as_ref())
                    .for_each(|(byte, other)| *byte ^= other);
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_pad_with_zeroes() {
        let sources: [&[u8]; 3] = [b"\xff\x0f", b"\x0f", b""];
        assert_eq!(bitop(BitOp::And, &sources), [0, 0]);
        assert_eq!(bitop(BitOp::And, &sources[..2]), [0x0f, 0]);
        assert_eq!(bitop(BitOp::Or, &sources), [0xff, 0x0f]);
        assert_eq!(bitop(BitOp::Xor, &sources), [0xf0, 0x0f]);
        assert_eq!(bitop(BitOp::Not, &sources[..1]), [0x00, 0xf0]);
        assert!(bitop(BitOp::Or, &[b""]).is_empty());
    }

    #[test]
    fn parse_names() {
        assert_eq!(BitOp::parse(b"xOr", 3), Ok(BitOp::Xor));
        assert_eq!(BitOp::parse(b"NOT", 2), Err(BitError::BitopNotArity));
        assert_eq!(BitOp::parse(b"nand", 2), Err(BitError::Syntax));
    }
}
