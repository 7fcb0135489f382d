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
    List,
    Set,
    ZSet,
    Hash,
}

impl ValueType {
    /// The name `TYPE` and `SCAN ... TYPE` use.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::List => "list",
            ValueType::Set => "set",
            ValueType::ZSet => "zset",
            ValueType::Hash => "hash",
        }
    }

    fn to_bits(self) -> u8 {
        match self {
            ValueType::String => 0,
            ValueType::List => 1,
            ValueType::Set => 2,
            ValueType::ZSet => 3,
            ValueType::Hash => 4,
        }
    }

    fn from_bits(bits: u8) -> ValueType {
        match bits {
            1 => ValueType::List,
            2 => ValueType::Set,
            3 => ValueType::ZSet,
            4 => ValueType::Hash,
            _ => ValueType::String,
        }
    }
}

/// A collection too big for its compact encoding, held in its own allocation and referenced
/// from the entry's block.
#[derive(Clone)]
pub enum Collection {
    List(crate::types::list::LargeList),
    Set(crate::types::set::LargeSet),
    ZSet(crate::types::zset::LargeZSet),
    Hash(crate::types::hash::LargeHash),
}

impl Collection {
    fn value_type(&self) -> ValueType {
        match self {
            Collection::List(_) => ValueType::List,
            Collection::Set(_) => ValueType::Set,
            Collection::ZSet(_) => ValueType::ZSet,
            Collection::Hash(_) => ValueType::Hash,
        }
    }
}

/// An entry's value as stored: a string, a collection in its compact byte encoding (listpack
/// or intset) inside the entry's own block, or a large collection.
pub enum Stored<'a> {
    Str(&'a [u8]),
    Compact(ValueType, &'a [u8]),
    Large(&'a Collection),
}

const FLAG_EXPIRE: u8 = 1 << 6;
const FLAG_PRIVATE: u8 = 1 << 7;
/// Encoding bits (4-5) of a collection: its value is a pointer to a boxed [`Collection`].
const LAYOUT_LARGE: u8 = 1;
const POINTER: usize = std::mem::size_of::<usize>();

/// Redis's shared-integer range (`OBJ_SHARED_INTEGERS`): such `int` values are one shared
/// object in Redis, so OBJECT REFCOUNT reports INT_MAX for them.
const SHARED_INTEGERS: std::ops::Range<i64> = 0..10000;
const HEADER: usize = 4;

/// A stored key with its value, expiry and access clock.
///
/// The value of a large collection is the address of a `Box<Collection>` that this entry owns:
/// it is freed in `Drop`, moved (never copied) by [`Entry::into_key`], and deep-copied by
/// [`Entry::duplicate`]. Every repack below replaces `self.block` only (a field assignment does
/// not run `Drop`), so the pointer moves with the bytes.
pub struct Entry {
    block: Box<[u8]>,
}

// The boxed collection is plain data owned by the entry, so the entry stays Send + Sync.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Collection>();
};

/// What a new or replaced string entry is made of.
pub struct StringSpec<'a> {
    pub key: &'a [u8],
    pub value: &'a [u8],
    pub encoding: StrEncoding,
    pub expire_at: Option<i64>,
    pub clock: u32,
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(ptr) = self.large_ptr() {
            // SAFETY: the pointer came from `Box::into_raw` in `Entry::new_large`/`set_large`,
            // and this entry is its only owner (moves disarm the source, see `into_key`).
            drop(unsafe { Box::from_raw(ptr) });
        }
    }
}

impl Entry {
    /// Packs a string entry.
    pub fn new_string(spec: StringSpec<'_>) -> Entry {
        Entry {
            block: pack(
                spec.key,
                &[spec.value],
                ValueType::String.to_bits() | (spec.encoding.to_bits() << 4),
                spec.expire_at,
                spec.clock,
            ),
        }
    }

    /// Packs a collection in its compact byte encoding (listpack or intset bytes).
    pub fn new_compact(key: &[u8], vtype: ValueType, bytes: &[u8], clock: u32) -> Entry {
        Entry {
            block: pack(key, &[bytes], vtype.to_bits(), None, clock),
        }
    }

    /// Packs a large collection.
    pub fn new_large(key: &[u8], value: Collection, clock: u32) -> Entry {
        let flags = value.value_type().to_bits() | (LAYOUT_LARGE << 4);
        let ptr = Box::into_raw(Box::new(value)) as usize;
        Entry {
            block: pack(key, &[&ptr.to_le_bytes()], flags, None, clock),
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

    fn value_bytes(&self) -> &[u8] {
        let (start, len) = self.key_start();
        &self.block[start + len..]
    }

    fn has_expire(&self) -> bool {
        self.flags() & FLAG_EXPIRE != 0
    }

    fn is_large(&self) -> bool {
        self.value_type() != ValueType::String && (self.flags() >> 4) & 0x3 == LAYOUT_LARGE
    }

    fn large_ptr(&self) -> Option<*mut Collection> {
        if !self.is_large() {
            return None;
        }
        let mut b = [0u8; POINTER];
        b.copy_from_slice(&self.value_bytes()[..POINTER]);
        Some(usize::from_le_bytes(b) as *mut Collection)
    }

    /// Forgets the boxed collection without freeing it (its new owner has the pointer).
    fn disarm(&mut self) {
        self.block[0] &= !(0x3 << 4);
    }

    /// The key.
    pub fn key(&self) -> &[u8] {
        let (start, len) = self.key_start();
        &self.block[start..start + len]
    }

    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        ValueType::from_bits(self.flags() & 0xf)
    }

    /// The string encoding (meaningful for strings only).
    pub fn encoding(&self) -> StrEncoding {
        StrEncoding::from_bits((self.flags() >> 4) & 0x3)
    }

    /// The string value bytes (the raw value area for other types: use [`Entry::stored`]).
    pub fn str_value(&self) -> &[u8] {
        self.value_bytes()
    }

    /// The value as stored.
    pub fn stored(&self) -> Stored<'_> {
        match self.value_type() {
            ValueType::String => Stored::Str(self.value_bytes()),
            vtype => match self.large_ptr() {
                // SAFETY: the entry owns the collection; the borrow of `self` bounds the reference.
                Some(ptr) => Stored::Large(unsafe { &*ptr }),
                None => Stored::Compact(vtype, self.value_bytes()),
            },
        }
    }

    /// The large collection, mutably, if the value is one.
    pub fn large_mut(&mut self) -> Option<&mut Collection> {
        // SAFETY: as in `stored`; `&mut self` makes the reference unique.
        self.large_ptr().map(|ptr| unsafe { &mut *ptr })
    }

    /// Replaces a collection's value with a compact byte encoding (freeing a large one).
    pub fn set_compact(&mut self, bytes: &[u8]) {
        let old = self.large_ptr();
        let flags = self.flags() & !(0x3 << 4);
        self.block = pack(self.key(), &[bytes], flags, self.expire_at(), self.clock());
        if let Some(ptr) = old {
            // SAFETY: the block that held the pointer is gone; we were its only owner.
            drop(unsafe { Box::from_raw(ptr) });
        }
    }

    /// Replaces a collection's value with a large collection (freeing the previous one).
    pub fn set_large(&mut self, value: Collection) {
        if let Some(current) = self.large_mut() {
            *current = value;
            return;
        }
        let flags = (self.flags() & !(0xf | (0x3 << 4)))
            | value.value_type().to_bits()
            | (LAYOUT_LARGE << 4);
        let ptr = Box::into_raw(Box::new(value)) as usize;
        self.block = pack(
            self.key(),
            &[&ptr.to_le_bytes()],
            flags,
            self.expire_at(),
            self.clock(),
        );
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
                let flags = self.flags() & !FLAG_EXPIRE;
                self.block = pack(
                    self.key(),
                    &[self.value_bytes()],
                    flags,
                    expire_at,
                    self.clock(),
                );
            }
        }
    }

    /// Replaces the string value, keeping key, expiry and clock. A value of the same length
    /// is written in place (INCR's common case costs no allocation).
    pub fn replace_str(&mut self, value_parts: &[&[u8]], encoding: StrEncoding) {
        debug_assert_eq!(self.value_type(), ValueType::String);
        let new_len: usize = value_parts.iter().map(|p| p.len()).sum();
        let (start, key_len) = self.key_start();
        let value_start = start + key_len;
        let flags = (self.flags() & !(0x3 << 4)) | (encoding.to_bits() << 4);
        if self.block.len() - value_start == new_len {
            let mut at = value_start;
            for p in value_parts {
                self.block[at..at + p.len()].copy_from_slice(p);
                at += p.len();
            }
            self.block[0] = flags;
            return;
        }
        self.block = pack(
            self.key(),
            value_parts,
            flags & !FLAG_EXPIRE,
            self.expire_at(),
            self.clock(),
        );
    }

    /// This entry under another key (RENAME, MOVE keep the same object in Redis).
    pub fn into_key(mut self, key: &[u8], expire_at: Option<i64>) -> Entry {
        let block = pack(
            key,
            &[self.value_bytes()],
            self.flags() & !FLAG_EXPIRE,
            expire_at,
            self.clock(),
        );
        // The new block carries the collection pointer; `self` must not free it.
        self.disarm();
        Entry { block }
    }

    /// A duplicate under another key (COPY: Redis's `dupStringObject` never shares).
    pub fn duplicate(&self, key: &[u8], expire_at: Option<i64>) -> Entry {
        let flags = (self.flags() & !FLAG_EXPIRE) | FLAG_PRIVATE;
        match self.stored() {
            Stored::Large(c) => {
                let ptr = Box::into_raw(Box::new(c.clone())) as usize;
                Entry {
                    block: pack(key, &[&ptr.to_le_bytes()], flags, expire_at, self.clock()),
                }
            }
            Stored::Str(v) | Stored::Compact(_, v) => Entry {
                block: pack(key, &[v], flags, expire_at, self.clock()),
            },
        }
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
        self.value_type() == ValueType::String
            && self.flags() & FLAG_PRIVATE == 0
            && self.encoding() == StrEncoding::Int
            && numeric::parse_i64(self.str_value()).is_some_and(|v| SHARED_INTEGERS.contains(&v))
    }
}

/// Packs a block; `flags` must not carry FLAG_EXPIRE (it is derived from `expire_at`).
fn pack(
    key: &[u8],
    value_parts: &[&[u8]],
    flags: u8,
    expire_at: Option<i64>,
    clock: u32,
) -> Box<[u8]> {
    let value_len: usize = value_parts.iter().map(|p| p.len()).sum();
    let expire_len = if expire_at.is_some() { 8 } else { 0 };
    // Exactly the block's size: `into_boxed_slice` then keeps the allocation as it is
    // instead of shrinking it (a realloc on every write, seen in `perf`).
    let mut v =
        Vec::with_capacity(HEADER + expire_len + varint_len(key.len()) + key.len() + value_len);
    let mut flags = flags & !FLAG_EXPIRE;
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
    v.into_boxed_slice()
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

pub(crate) fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

pub(crate) fn write_varint(v: &mut Vec<u8>, n: usize) {
    let mut buf = [0u8; 10];
    let len = put_varint(&mut buf, n);
    v.extend_from_slice(&buf[..len]);
}

/// Writes `n` as a varint at the start of `buf` (at least [`varint_len`] bytes long);
/// returns its length.
pub(crate) fn put_varint(buf: &mut [u8], mut n: usize) -> usize {
    let mut i = 0;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            buf[i] = byte;
            return i + 1;
        }
        buf[i] = byte | 0x80;
        i += 1;
    }
}

pub(crate) fn read_varint(b: &[u8]) -> (usize, usize) {
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
        assert_eq!(e.block.len(), 4 + 1 + 5 + 5);
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

    fn large_hash(key: &[u8], fields: &[(&[u8], &[u8])]) -> Entry {
        let mut h = crate::types::hash::LargeHash::default();
        for (f, v) in fields {
            h.insert(f, &crate::types::hash::parts(&mut [0; 10], f, v));
        }
        Entry::new_large(key, Collection::Hash(h), 7)
    }

    fn hash_len(e: &Entry) -> usize {
        match e.stored() {
            Stored::Large(Collection::Hash(h)) => h.len(),
            _ => usize::MAX,
        }
    }

    #[test]
    fn large_values_move_copy_and_convert() {
        let e = large_hash(b"h", &[(b"a", b"1"), (b"b", b"2")]);
        assert_eq!(e.value_type(), ValueType::Hash);
        assert_eq!(hash_len(&e), 2);
        let mut copy = e.duplicate(b"copy", Some(5));
        let mut moved = e.into_key(b"moved", Some(9));
        assert_eq!((moved.key(), moved.expire_at()), (&b"moved"[..], Some(9)));
        assert_eq!(hash_len(&moved), 2);
        if let Some(Collection::Hash(h)) = copy.large_mut() {
            h.insert(b"c", &crate::types::hash::parts(&mut [0; 10], b"c", b"3"));
        }
        assert_eq!((hash_len(&copy), hash_len(&moved)), (3, 2));
        // Repacking keeps the collection with the block.
        moved.set_expire(None);
        moved.set_clock(3);
        assert_eq!(hash_len(&moved), 2);
        copy.set_compact(b"\x07\0\0\0\0\0\xff");
        assert!(matches!(copy.stored(), Stored::Compact(ValueType::Hash, b)
            if b.len() == 7));
        assert_eq!(copy.expire_at(), Some(5));
    }
}
