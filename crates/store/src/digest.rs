//! Redis's dataset digest (`DEBUG DIGEST`, `DEBUG DIGEST-VALUE`), computed the way Redis 7.0's
//! `debug.c` does, so a Tessera dataset and a Redis dataset can be compared by digest.
//!
//! Per key: `mix(key)`, then `mix(htonl(type))`, `mix(value)` and, for a volatile key,
//! `xor("!!expire!!")`; the keys' digests are xor-ed together per database after mixing the
//! database number in.

use slot_map::{SLOT_COUNT, Slot};

use crate::databases::Databases;
use listpack::IntBuf;

use crate::entry::{Entry, ValueType};
use crate::types::hash::HashRef;
use crate::types::list::ListRef;
use crate::types::set::SetRef;
use crate::types::zset::ZSetRef;

/// A 20-byte SHA1-based digest.
pub type Digest = [u8; 20];

fn sha1(data: &[u8]) -> Digest {
    sha1_smol::Sha1::from(data).digest().bytes()
}

/// Redis `xorDigest`: digest ^= SHA1(data).
fn xor_digest(digest: &mut Digest, data: &[u8]) {
    for (d, h) in digest.iter_mut().zip(sha1(data)) {
        *d ^= h;
    }
}

/// Redis `mixDigest`: digest = SHA1(digest ^ SHA1(data)).
fn mix_digest(digest: &mut Digest, data: &[u8]) {
    xor_digest(digest, data);
    *digest = sha1(digest.as_slice());
}

/// Redis's `OBJ_*` type codes.
fn type_code(t: ValueType) -> u32 {
    match t {
        ValueType::String => 0,
        ValueType::List => 1,
        ValueType::Set => 2,
        ValueType::ZSet => 3,
        ValueType::Hash => 4,
    }
}

/// Redis `xorObjectDigest`: the value part of one key's digest.
pub fn value_digest(entry: &Entry, digest: &mut Digest) {
    mix_digest(digest, &type_code(entry.value_type()).to_be_bytes());
    match entry.value_type() {
        ValueType::String => mix_digest(digest, entry.str_value()),
        ValueType::List => {
            if let Ok(list) = ListRef::of(entry) {
                list.for_each(|e| mix_digest(digest, e.as_bytes(&mut IntBuf::new())));
            }
        }
        ValueType::Set => {
            if let Ok(set) = SetRef::of(entry) {
                set.for_each(|m| m.with_bytes(|b| xor_digest(digest, b)));
            }
        }
        ValueType::ZSet => {
            if let Ok(z) = ZSetRef::of(entry) {
                z.visit(0..z.len(), false, |member, score| {
                    let mut pair = [0u8; 20];
                    mix_digest(&mut pair, member);
                    let mut text = Vec::with_capacity(24);
                    numeric::format_double(score, &mut text);
                    mix_digest(&mut pair, &text);
                    xor_digest(digest, &pair);
                });
            }
        }
        ValueType::Hash => {
            if let Ok(hash) = HashRef::of(entry) {
                hash.for_each(|k, v| {
                    let mut pair = [0u8; 20];
                    mix_digest(&mut pair, k.as_bytes(&mut IntBuf::new()));
                    mix_digest(&mut pair, v.as_bytes(&mut IntBuf::new()));
                    xor_digest(digest, &pair);
                });
            }
        }
    }
    if entry.expire_at().is_some() {
        xor_digest(digest, b"!!expire!!");
    }
}

/// The digest DEBUG DIGEST-VALUE reports for one key (zeros when the key is missing).
pub fn key_value_digest(entry: Option<&Entry>) -> Digest {
    let mut digest = [0u8; 20];
    if let Some(e) = entry {
        value_digest(e, &mut digest);
    }
    digest
}

/// Redis `computeDatasetDigest` over every database: every stored key, including those
/// whose TTL passed and that nothing deleted yet (Redis walks its dict without looking at
/// expiry, so a master and its replicas agree at the same offset).
pub fn dataset_digest(dbs: &Databases) -> Digest {
    let mut result = [0u8; 20];
    for (index, db) in dbs.all() {
        if db.is_empty() {
            continue;
        }
        mix_digest(&mut result, &(index as u32).to_be_bytes());
        for slot in 0..SLOT_COUNT as Slot {
            let guard = db.lock_slot(slot);
            for e in guard.table().iter() {
                let mut digest = [0u8; 20];
                mix_digest(&mut digest, e.key());
                value_digest(e, &mut digest);
                xor_digest(&mut result, &digest);
            }
        }
    }
    result
}

/// Lowercase hex, as Redis prints digests.
pub fn hex(digest: &Digest) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{StrEncoding, StringSpec};

    #[test]
    fn empty_dataset_digest_is_zero() {
        let dbs = Databases::new(2);
        assert_eq!(hex(&dataset_digest(&dbs)), "0".repeat(40));
    }

    #[test]
    fn digest_is_order_independent_and_sees_expiry() {
        let put = |dbs: &Databases, k: &[u8], expire: Option<i64>| {
            let db = dbs.get(0).unwrap();
            let mut g = db.lock_slot(slot_map::key_slot(k));
            g.insert(Entry::new_string(StringSpec {
                key: k,
                value: b"v",
                encoding: StrEncoding::Embstr,
                expire_at: expire,
                clock: 0,
            }));
        };
        let a = Databases::new(1);
        put(&a, b"x", None);
        put(&a, b"y", None);
        let b = Databases::new(1);
        put(&b, b"y", None);
        put(&b, b"x", None);
        assert_eq!(dataset_digest(&a), dataset_digest(&b));
        let c = Databases::new(1);
        put(&c, b"y", None);
        put(&c, b"x", Some(i64::MAX));
        assert_ne!(dataset_digest(&a), dataset_digest(&c));
    }
}
