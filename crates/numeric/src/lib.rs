//! Redis 7.0's number parsing and formatting, byte for byte.
//!
//! Clients compare the numbers Redis prints and rely on exactly which inputs
//! it refuses, so each public function here mirrors one Redis function and
//! documents which:
//!
//! - [`parse_i64`] = `string2ll` (and `string2l`, `getLongLongFromObject`),
//!   [`parse_u64`] = `string2ull`, [`c_strtol`] / [`c_atoi`] = glibc's
//!   `strtol` / `atoi`;
//! - [`parse_f64`] = `string2d` (`getDoubleFromObject`),
//!   [`format_double`] = the `"%.17g"` of 7.0's `addReplyDouble`;
//! - [`LongDouble`] = the x87 `long double` of INCRBYFLOAT/HINCRBYFLOAT:
//!   [`LongDouble::parse`] = `string2ld` (`getLongDoubleFromObject`),
//!   addition, and [`LongDouble::to_human`] = `ld2string(LD_STR_HUMAN)`.
//!
//! INCRBYFLOAT, for instance, is:
//!
//! ```
//! use numeric::LongDouble;
//!
//! let current = LongDouble::parse(b"10.5"); // "value is not a valid float" if None
//! let increment = LongDouble::parse(b"0.1");
//! let sum = current.zip(increment).and_then(|(a, b)| a.checked_add(b));
//! // None would be "increment would produce NaN or Infinity".
//! assert_eq!(sum.map(|sum| sum.to_human()), Some(b"10.6".to_vec()));
//! ```
//!
//! Everything is done in portable software — glibc's correctly rounded
//! `strtod`/`strtold`/`printf` and the x87 adder are reproduced with integer
//! arithmetic and a small bignum — so results do not depend on the host FPU.
//!
//! Not here: printing integers (use `itoa`; it matches `ll2string`), error
//! replies ("value is not a valid float" etc. belong to the command layer),
//! and number formats of other Redis versions (7.2 prints doubles with the
//! shortest round-trip form instead of `%.17g`).

mod big_uint;
mod binary_float;
mod double;
mod float_syntax;
mod integer;
mod long_double;

pub use double::{format_double, parse_f64, parse_f64_strtod};
pub use integer::{c_atoi, c_strtol, parse_i64, parse_u64};
pub use long_double::{LongDouble, MAX_LONG_DOUBLE_CHARS};
