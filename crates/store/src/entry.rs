//! One key and its value, packed into a single heap allocation.
//!
//! This module owns the byte layout of a stored key; it knows nothing about commands, slots or
//! locking. A string key costs one allocation holding a small header, the key and the value:
//!
//! ```text
//! [0]      flags: bits 0-3 value type, bits 4-5 string encoding, bit 6 has-expire,
//!          bit 7 private (an `int` value Redis would not share: OBJECT REFCOUNT 1)
//! [1..4]   access clock (24 bits: LRU seconds, or LFU minutes+counter), little endian
//! [4..12]  absolute expiry in unix ms (only when has-expire)
//! varint   key length, then the key bytes
//! rest     the string value bytes
//! ```
//!
//! Redis spends a `dictEntry` (24 B), an `robj` (16 B) and an SDS header per key; keeping all of
//! it in one block, referenced by a 16-byte fat pointer from the table, is where Tessera's
//! smaller per-key footprint comes from (see docs/benchmarks.md).

/// How a string value is represented, as `OBJECT ENCODING` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrEncoding {
    /// A decimal integer that fits an i64 and is at most 20 bytes long (Redis `int`).
    Int,
    /// A short string (at most 44 bytes) created in one piece (Redis `embstr`).
    Embstr,
    /// Any other string, or one that was modified in place (Redis `raw`).
    Raw,
}

impl StrEncoding {
    /// The name `OBJECT ENCODING` prints.
    pub fn name(self) -> &'static str {
        match self {
            StrEncoding::Int => "int",
            StrEncoding::Embstr => "embstr",
            StrEncoding::Raw => "raw",
        }
    }

    /// The encoding Redis's `tryObjectEncoding` picks for a freshly written value.
    pub fn for_new_value(value: &[u8]) -> StrEncoding {
        if value.len() <= 20 && numeric::parse_i64(value).is_some() {
            StrEncoding::Int
        } else if value.len() <= EMBSTR_SIZE_LIMIT {
            StrEncoding::Embstr
        } else {
            StrEncoding::Raw
        }
    }

    /// The encoding of a string built by concatenation or in-place edits (APPEND, SETRANGE).
    pub fn for_modified_value() -> StrEncoding {
        StrEncoding::Raw
    }

    /// The encoding Redis's `createStringObject` gives a value it formats itself
    /// (INCRBYFLOAT): embstr when short, raw otherwise.
    pub fn for_created_value(value: &[u8]) -> StrEncoding {
        if value.len() <= EMBSTR_SIZE_LIMIT {
            StrEncoding::Embstr
        } else {
            StrEncoding::Raw
        }
    }

    fn to_bits(self) -> u8 {
        match self {
            StrEncoding::Int => 0,
            StrEncoding::Embstr => 1,
            StrEncoding::Raw => 2,
        }
    }

    fn from_bits(bits: u8) -> StrEncoding {
        match bits {
            0 => StrEncoding::Int,
            1 => StrEncoding::Embstr,
            _ => StrEncoding::Raw,
        }
    }
}

/// Redis's `OBJ_ENCODING_EMBSTR_SIZE_LIMIT`.
pub const EMBSTR_SIZE_LIMIT: usize = 44;

/// The type of a value, as `TYPE` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    String,
}

impl ValueType {
    /// The name `TYPE` and `SCAN ... TYPE` use.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
        }
    }

    fn to_bits(self) -> u8 {
        match self {
            ValueType::String => 0,
        }
    }
}

const FLAG_EXPIRE: u8 = 1 << 6;
const FLAG_PRIVATE: u8 = 1 << 7;

/// Redis's shared-integer range (`OBJ_SHARED_INTEGERS`): such `int` values are one shared
/// object in Redis, so OBJECT REFCOUNT reports INT_MAX for them.
const SHARED_INTEGERS: std::ops::Range<i64> = 0..10000;
const HEADER: usize = 4;

/// A stored key with its value, expiry and access clock.
pub struct Entry {
    block: Box<[u8]>,
}

/// What a new or replaced string entry is made of.
pub struct StringSpec<'a> {
    pub key: &'a [u8],
    pub value: &'a [u8],
    pub encoding: StrEncoding,
    pub expire_at: Option<i64>,
    pub clock: u32,
}

impl Entry {
    /// Packs a string entry.
    pub fn new_string(spec: StringSpec<'_>) -> Entry {
        Entry::pack(
            spec.key,
            &[spec.value],
            ValueType::String,
            spec.encoding,
            spec.expire_at,
            spec.clock,
        )
    }

    fn pack(
        key: &[u8],
        value_parts: &[&[u8]],
        vtype: ValueType,
        encoding: StrEncoding,
        expire_at: Option<i64>,
        clock: u32,
    ) -> Entry {
        let value_len: usize = value_parts.iter().map(|p| p.len()).sum();
        let expire_len = if expire_at.is_some() { 8 } else { 0 };
        // Exactly the block's size: `into_boxed_slice` then keeps the allocation as it is
        // instead of shrinking it (a realloc on every write, seen in `perf`).
        let mut v =
            Vec::with_capacity(HEADER + expire_len + varint_len(key.len()) + key.len() + value_len);
        let mut flags = vtype.to_bits() | (encoding.to_bits() << 4);
        if expire_at.is_some() {
            flags |= FLAG_EXPIRE;
        }
        v.push(flags);
        v.extend_from_slice(&clock.to_le_bytes()[..3]);
        if let Some(at) = expire_at {
            v.extend_from_slice(&at.to_le_bytes());
        }
        write_varint(&mut v, key.len());
        v.extend_from_slice(key);
        for p in value_parts {
            v.extend_from_slice(p);
        }
        Entry {
            block: v.into_boxed_slice(),
        }
    }

    fn flags(&self) -> u8 {
        self.block[0]
    }

    fn key_start(&self) -> (usize, usize) {
        let at = HEADER + if self.has_expire() { 8 } else { 0 };
        let (len, n) = read_varint(&self.block[at..]);
        (at + n, len)
    }

    fn has_expire(&self) -> bool {
        self.flags() & FLAG_EXPIRE != 0
    }

    /// The key.
    pub fn key(&self) -> &[u8] {
        let (start, len) = self.key_start();
        &self.block[start..start + len]
    }

    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        ValueType::String
    }

    /// The string encoding (meaningful for strings only).
    pub fn encoding(&self) -> StrEncoding {
        StrEncoding::from_bits((self.flags() >> 4) & 0x3)
    }

    /// The string value bytes.
    pub fn str_value(&self) -> &[u8] {
        let (start, len) = self.key_start();
        &self.block[start + len..]
    }

    /// Absolute expiry time in unix milliseconds, if the key is volatile.
    pub fn expire_at(&self) -> Option<i64> {
        if self.has_expire() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&self.block[HEADER..HEADER + 8]);
            Some(i64::from_le_bytes(b))
        } else {
            None
        }
    }

    /// Has this key expired at `now_ms`? (Redis: expired when `now > when`.)
    pub fn is_expired(&self, now_ms: i64) -> bool {
        matches!(self.expire_at(), Some(at) if now_ms > at)
    }

    /// The 24-bit access clock.
    pub fn clock(&self) -> u32 {
        u32::from_le_bytes([self.block[1], self.block[2], self.block[3], 0])
    }

    /// Updates the 24-bit access clock in place.
    pub fn set_clock(&mut self, clock: u32) {
        let b = clock.to_le_bytes();
        self.block[1..4].copy_from_slice(&b[..3]);
    }

    /// Sets or clears the expiry, repacking the block when its presence changes.
    pub fn set_expire(&mut self, expire_at: Option<i64>) {
        match (self.has_expire(), expire_at) {
            (true, Some(at)) => self.block[HEADER..HEADER + 8].copy_from_slice(&at.to_le_bytes()),
            (false, None) => {}
            _ => {
                let private = self.flags() & FLAG_PRIVATE;
                *self = Entry::pack(
                    self.key(),
                    &[self.str_value()],
                    self.value_type(),
                    self.encoding(),
                    expire_at,
                    self.clock(),
                );
                self.block[0] |= private;
            }
        }
    }

    /// Replaces the string value, keeping key, expiry and clock. A value of the same length
    /// is written in place (INCR's common case costs no allocation).
    pub fn replace_str(&mut self, value_parts: &[&[u8]], encoding: StrEncoding) {
        let new_len: usize = value_parts.iter().map(|p| p.len()).sum();
        let (start, key_len) = self.key_start();
        let value_start = start + key_len;
        if self.block.len() - value_start == new_len {
            let mut at = value_start;
            for p in value_parts {
                self.block[at..at + p.len()].copy_from_slice(p);
                at += p.len();
            }
            self.block[0] = (self.block[0] & !(0x3 << 4)) | (encoding.to_bits() << 4);
            return;
        }
        let private = self.flags() & FLAG_PRIVATE;
        *self = Entry::pack(
            self.key(),
            value_parts,
            ValueType::String,
            encoding,
            self.expire_at(),
            self.clock(),
        );
        self.block[0] |= private;
    }

    /// This entry under another key (RENAME, MOVE keep the same object in Redis).
    pub fn with_key(&self, key: &[u8], expire_at: Option<i64>) -> Entry {
        let mut e = Entry::pack(
            key,
            &[self.str_value()],
            self.value_type(),
            self.encoding(),
            expire_at,
            self.clock(),
        );
        e.block[0] |= self.flags() & FLAG_PRIVATE;
        e
    }

    /// A duplicate under another key (COPY: Redis's `dupStringObject` never shares).
    pub fn duplicate(&self, key: &[u8], expire_at: Option<i64>) -> Entry {
        let mut e = self.with_key(key, expire_at);
        e.set_private(true);
        e
    }

    /// Marks the value as one Redis would (not) hold as a shared integer object.
    pub fn set_private(&mut self, private: bool) {
        if private {
            self.block[0] |= FLAG_PRIVATE;
        } else {
            self.block[0] &= !FLAG_PRIVATE;
        }
    }

    /// Would Redis hold this value as one of its shared integers (OBJECT REFCOUNT INT_MAX)?
    pub fn is_shared_integer(&self) -> bool {
        self.flags() & FLAG_PRIVATE == 0
            && self.encoding() == StrEncoding::Int
            && numeric::parse_i64(self.str_value()).is_some_and(|v| SHARED_INTEGERS.contains(&v))
    }

    /// Bytes of heap this entry owns (for memory accounting).
    pub fn heap_size(&self) -> usize {
        self.block.len()
    }
}

/// Bytes an RDB file spends on a string value (Redis `rdbSavedObjectLen` for strings):
/// integers in the 1/2/4-byte integer encodings, other strings length-prefixed. LZF
/// compression, which Redis tries for strings over 20 bytes, is not modelled.
pub fn serialized_string_len(value: &[u8], encoding: StrEncoding) -> usize {
    let int = (value.len() <= 11 || encoding == StrEncoding::Int)
        .then(|| numeric::parse_i64(value))
        .flatten();
    match int {
        Some(v) if (-128..=127).contains(&v) => 2,
        Some(v) if (-32768..=32767).contains(&v) => 3,
        Some(v) if i32::try_from(v).is_ok() => 5,
        _ => {
            let len = value.len();
            let prefix = if len < 1 << 6 {
                1
            } else if len < 1 << 14 {
                2
            } else if u32::try_from(len).is_ok() {
                5
            } else {
                9
            };
            prefix + len
        }
    }
}

fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

fn write_varint(v: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            v.push(byte);
            return;
        }
        v.push(byte | 0x80);
    }
}

fn read_varint(b: &[u8]) -> (usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    for (i, &byte) in b.iter().enumerate() {
        n |= ((byte & 0x7f) as usize) << shift;
        if byte & 0x80 == 0 {
            return (n, i + 1);
        }
        shift += 7;
    }
    (n, b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &[u8], value: &[u8], expire_at: Option<i64>) -> Entry {
        Entry::new_string(StringSpec {
            key,
            value,
            encoding: StrEncoding::for_new_value(value),
            expire_at,
            clock: 0xabcdef,
        })
    }

    #[test]
    fn packs_and_reads_back() {
        let e = entry(b"key:1", b"hello", None);
        assert_eq!(e.key(), b"key:1");
        assert_eq!(e.str_value(), b"hello");
        assert_eq!(e.expire_at(), None);
        assert_eq!(e.clock(), 0xabcdef);
        assert_eq!(e.encoding(), StrEncoding::Embstr);
        assert_eq!(e.heap_size(), 4 + 1 + 5 + 5);
    }

    #[test]
    fn expiry_is_added_changed_and_removed() {
        let mut e = entry(b"k", b"123", None);
        assert_eq!(e.encoding(), StrEncoding::Int);
        e.set_expire(Some(1_700_000_000_000));
        assert_eq!(e.expire_at(), Some(1_700_000_000_000));
        assert_eq!((e.key(), e.str_value()), (&b"k"[..], &b"123"[..]));
        e.set_expire(Some(5));
        assert!(e.is_expired(6));
        assert!(!e.is_expired(5));
        e.set_expire(None);
        assert_eq!(e.expire_at(), None);
        assert_eq!(e.str_value(), b"123");
        assert_eq!(e.clock(), 0xabcdef);
    }

    #[test]
    fn varint_lengths_match_what_is_written() {
        for n in [0, 1, 127, 128, 300, 16383, 16384, 1 << 30] {
            let mut v = Vec::new();
            write_varint(&mut v, n);
            assert_eq!(v.len(), varint_len(n), "{n}");
            assert_eq!(read_varint(&v), (n, v.len()));
        }
    }

    #[test]
    fn long_keys_use_multibyte_lengths() {
        let key = vec![b'x'; 300];
        let value = vec![b'y'; 1000];
        let mut e = entry(&key, &value, Some(-1));
        assert_eq!(e.key(), &key[..]);
        assert_eq!(e.str_value(), &value[..]);
        assert_eq!(e.encoding(), StrEncoding::Raw);
        e.replace_str(&[b"ab", b"cd"], StrEncoding::Raw);
        assert_eq!(e.str_value(), b"abcd");
        assert_eq!(e.key(), &key[..]);
        assert_eq!(e.expire_at(), Some(-1));
    }

    #[test]
    fn same_length_values_are_replaced_in_place() {
        let mut e = entry(b"counter", b"41", Some(9));
        let before = e.block.as_ptr();
        e.replace_str(&[b"42"], StrEncoding::Int);
        assert_eq!(e.block.as_ptr(), before);
        assert_eq!((e.key(), e.str_value()), (&b"counter"[..], &b"42"[..]));
        e.replace_str(&[b"4", b"x"], StrEncoding::Raw);
        assert_eq!(e.str_value(), b"4x");
        assert_eq!(e.encoding(), StrEncoding::Raw);
        assert_eq!(e.expire_at(), Some(9));
    }

    #[test]
    fn the_private_mark_survives_repacking() {
        let mut e = entry(b"n", b"100", None);
        assert!(e.is_shared_integer());
        let mut c = e.duplicate(b"c", None);
        assert!(!c.is_shared_integer());
        c.set_expire(Some(5));
        c.replace_str(&[b"1000"], StrEncoding::Int);
        assert!(!c.is_shared_integer());
        e.set_expire(Some(5));
        assert!(e.is_shared_integer());
        assert!(!entry(b"big", b"10000", None).is_shared_integer());
    }

    #[test]
    fn encodings_follow_redis_rules() {
        assert_eq!(StrEncoding::for_new_value(b"12345"), StrEncoding::Int);
        assert_eq!(
            StrEncoding::for_new_value(b"-9223372036854775808"),
            StrEncoding::Int
        );
        assert_eq!(
            StrEncoding::for_new_value(b"9223372036854775808"),
            StrEncoding::Embstr
        );
        assert_eq!(StrEncoding::for_new_value(b"012"), StrEncoding::Embstr);
        assert_eq!(StrEncoding::for_new_value(&[b'a'; 44]), StrEncoding::Embstr);
        assert_eq!(StrEncoding::for_new_value(&[b'a'; 45]), StrEncoding::Raw);
    }
}
