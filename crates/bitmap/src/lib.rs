//! Redis 7.0's bit commands as pure functions over string values: SETBIT, GETBIT, BITCOUNT,
//! BITPOS, BITOP, BITFIELD and BITFIELD_RO.
//!
//! Strings are bytes: `&[u8]` to read, `&mut Vec<u8>` to update in place (an integer-encoded
//! value is passed as its decimal text, which is what Redis operates on). Bits are numbered
//! from the most significant bit of the first byte.
//!
//! It owns argument parsing and validation (with Redis's texts and order of errors), the
//! bit arithmetic and the growth of strings. It does not own the keyspace: the caller looks
//! keys up (and replies WRONGTYPE for non-strings), stores or deletes the results, and
//! counts changes as each function's documentation says. Where Redis 7.0 checks the key
//! between two arguments, the API is split at that point (parse, then look up, then run).
//!
//! Map of the crate:
//! - `args`: bit offsets and the `proto-max-bulk-len` limit, bit values;
//! - `bits`: [`getbit`], [`setbit`];
//! - `range`: [`bitcount`], [`bitpos`], [`popcount`];
//! - `bitop`: [`BitOp`], [`bitop`];
//! - `bitfield`: [`parse_bitfield`] and the [`Bitfield`] it returns.

mod args;
mod bitfield;
mod bitop;
mod bits;
mod error;
mod range;

pub use args::{DEFAULT_PROTO_MAX_BULK_LEN, parse_bit_offset, parse_bit_value};
pub use bitfield::{
    Bitfield, BitfieldCommand, BitfieldOutcome, BitfieldRead, BitfieldWrite, parse_bitfield,
};
pub use bitop::{BitOp, bitop};
pub use bits::{SetBit, getbit, setbit};
pub use error::BitError;
pub use range::{bitcount, bitpos, parse_bitpos_bit, popcount};
