//! Entries in RDB form: a key's value written with the `rdb` crate's encoder (DUMP payloads,
//! snapshots) and an entry built from a decoded value (RESTORE, loading a dump) in the
//! encoding Redis 7.0 would give it after loading.
//!
//! Owns the mapping between the store's representations and RDB's object types: compact
//! collections are written as the listpack or intset bytes they already are (Redis 7.0's
//! types 16, 17, 18 and 11), large ones element by element (types 4, 5, 18 in listpack nodes,
//! and 2). Not here: files, the order of keys in a snapshot ([`crate::snapshot`]), the byte
//! format itself (the `rdb` crate).

use listpack::{Element, IntsetView, Listpack, ListpackView};
use rdb::{Encoder, ListNode, ObjectType, Value};

use crate::StoreSettings;
use crate::entry::{Collection, Entry, Stored, StrEncoding, StringSpec, ValueType};
use crate::types::hash::{self, HashLimits};
use crate::types::list::{self, LargeList};
use crate::types::set;
use crate::types::zset::{self, ZSetLimits};

/// Redis's quicklist node containers (`QUICKLIST_NODE_CONTAINER_*`).
const CONTAINER_PACKED: u64 = 2;

/// The RDB object type Redis 7.0 writes for `entry`'s value.
fn object_type(entry: &Entry) -> ObjectType {
    match entry.stored() {
        Stored::Str(_) | Stored::Compact(ValueType::String, _) => ObjectType::String,
        Stored::Compact(ValueType::List, _) | Stored::Large(Collection::List(_)) => {
            ObjectType::ListQuicklist2
        }
        Stored::Compact(ValueType::Set, _) => ObjectType::SetIntset,
        Stored::Compact(ValueType::ZSet, _) => ObjectType::ZSetListpack,
        Stored::Compact(ValueType::Hash, _) => ObjectType::HashListpack,
        Stored::Large(Collection::Set(_)) => ObjectType::Set,
        Stored::Large(Collection::ZSet(_)) => ObjectType::ZSet2,
        Stored::Large(Collection::Hash(_)) => ObjectType::Hash,
    }
}

/// Writes one key of a snapshot after its expire/idle/freq opcodes: the object type, the key,
/// then the object (Redis `rdbSaveKeyValuePair`). `list_max_size`
/// (`list-max-listpack-size`) cuts a long list into quicklist nodes as Redis would hold it.
pub fn write_key_value(enc: &mut Encoder, entry: &Entry, list_max_size: i32) {
    enc.object_type(object_type(entry));
    enc.string(entry.key());
    write_object(enc, entry, list_max_size);
}

/// Writes `entry`'s value without its type byte (Redis `rdbSaveObject`).
fn write_object(enc: &mut Encoder, entry: &Entry, list_max_size: i32) {
    match entry.stored() {
        Stored::Str(bytes) | Stored::Compact(ValueType::String, bytes) => enc.string(bytes),
        Stored::Compact(ValueType::List, lp) => {
            enc.len(1);
            enc.len(CONTAINER_PACKED);
            enc.string(lp);
        }
        Stored::Compact(_, bytes) => enc.string(bytes),
        Stored::Large(Collection::List(queue)) => {
            let nodes = quicklist_nodes(queue, list_max_size);
            enc.len(nodes.len() as u64);
            for node in &nodes {
                enc.len(CONTAINER_PACKED);
                enc.string(node.as_bytes());
            }
        }
        Stored::Large(Collection::Set(s)) => {
            enc.len(s.len() as u64);
            for member in s.iter() {
                enc.string(member);
            }
        }
        Stored::Large(Collection::ZSet(z)) => {
            enc.len(z.len() as u64);
            for (member, score) in z.iter() {
                enc.string(member);
                enc.binary_double(score);
            }
        }
        Stored::Large(Collection::Hash(h)) => {
            enc.len(h.len() as u64);
            for item in h.iter() {
                let (field, value) = hash::split(item);
                enc.string(field);
                enc.string(value);
            }
        }
    }
}

/// A long list cut into listpack nodes the way a quicklist fills them: each node takes
/// elements until the next would break `list-max-listpack-size`.
fn quicklist_nodes(queue: &LargeList, list_max_size: i32) -> Vec<Listpack> {
    let mut nodes = Vec::new();
    let mut node = Listpack::new();
    for element in queue {
        if !node.is_empty() {
            let mut grown = node.clone();
            grown.push_back(Element::from_bytes(element));
            if !list::fits_node(grown.bytes_len(), grown.len(), list_max_size) {
                nodes.push(std::mem::replace(&mut node, Listpack::new()));
            }
        }
        node.push_back(Element::from_bytes(element));
    }
    if !node.is_empty() {
        nodes.push(node);
    }
    nodes
}

/// `entry`'s DUMP payload (Redis `createDumpPayload`): the object, the RDB version and a
/// CRC64. `compression` is `rdbcompression`.
pub fn dump(entry: &Entry, compression: bool, list_max_size: i32) -> Vec<u8> {
    let mut enc = Encoder::payload(compression);
    enc.object_type(object_type(entry));
    write_object(&mut enc, entry, list_max_size);
    enc.finish_dump_payload()
}

/// The entry for `key` holding a decoded `value`, in the encoding Redis 7.0 gives it on load
/// (thresholds of `settings` applied: a listpack over them becomes the large form, a small
/// plain collection becomes compact); `None` for an empty collection, which Redis refuses
/// to load (RESTORE: bad data format; a dump file: the key is skipped).
pub fn build_entry(
    key: &[u8],
    value: Value,
    settings: &StoreSettings,
    clock: u32,
) -> Option<Entry> {
    let hash_limits = HashLimits {
        max_entries: settings.hash_max_listpack_entries,
        max_value: settings.hash_max_listpack_value,
    };
    let zset_limits = ZSetLimits {
        max_entries: settings.zset_max_listpack_entries,
        max_value: settings.zset_max_listpack_value,
    };
    let max_intset = settings.set_max_intset_entries;
    let list_max = settings.list_max_listpack_size;
    Some(match value {
        Value::String(v) => Entry::new_string(StringSpec {
            key,
            value: &v,
            encoding: StrEncoding::for_new_value(&v),
            expire_at: None,
            clock,
        }),
        Value::List(nodes) => {
            if let [ListNode::Listpack(bytes)] = &nodes[..] {
                let view = ListpackView::new(bytes);
                if view.is_empty() {
                    return None;
                }
                if list::fits_node(view.bytes_len(), view.len(), list_max) {
                    return Some(Entry::new_compact(key, ValueType::List, bytes, clock));
                }
            }
            let mut queue = LargeList::new();
            for node in &nodes {
                match node {
                    ListNode::Listpack(bytes) => {
                        for element in ListpackView::new(bytes).iter() {
                            queue.push_back(element.to_vec().into());
                        }
                    }
                    ListNode::Element(bytes) => queue.push_back(bytes[..].into()),
                }
            }
            if queue.is_empty() {
                return None;
            }
            let mut entry = list::new_entry(key, clock);
            list::store_queue(&mut entry, queue, list_max);
            entry
        }
        Value::SetIntset(bytes) => {
            let view = IntsetView::new(&bytes);
            if view.is_empty() {
                return None;
            }
            if view.len() as u64 <= max_intset {
                Entry::new_compact(key, ValueType::Set, &bytes, clock)
            } else {
                let members: Vec<Vec<u8>> = view
                    .iter()
                    .map(|i| itoa::Buffer::new().format(i).as_bytes().to_vec())
                    .collect();
                set::build(key, &members, max_intset, clock)
            }
        }
        Value::SetListpack(bytes) => {
            let members: Vec<Vec<u8>> = ListpackView::new(&bytes)
                .iter()
                .map(|e| e.to_vec())
                .collect();
            if members.is_empty() {
                return None;
            }
            set::build(key, &members, max_intset, clock)
        }
        Value::Set(members) => {
            if members.is_empty() {
                return None;
            }
            set::build(key, &members, max_intset, clock)
        }
        Value::ZSetListpack(bytes) => {
            let view = ListpackView::new(&bytes);
            let pairs = view.len() / 2;
            if pairs == 0 {
                return None;
            }
            let long_member = view
                .pairs()
                .any(|(m, _)| m.text_len() as u64 > zset_limits.max_value);
            if pairs as u64 <= zset_limits.max_entries && !long_member {
                Entry::new_compact(key, ValueType::ZSet, &bytes, clock)
            } else {
                let items = view
                    .pairs()
                    .map(|(m, s)| (m.to_vec(), s.to_f64().unwrap_or(0.0)))
                    .collect();
                zset::build(key, items, zset_limits, clock)
            }
        }
        Value::ZSet(items) => {
            if items.is_empty() {
                return None;
            }
            zset::build(key, items, zset_limits, clock)
        }
        Value::HashListpack(bytes) => {
            let view = ListpackView::new(&bytes);
            let pairs = view.len() / 2;
            if pairs == 0 {
                return None;
            }
            let long_item = view
                .iter()
                .any(|e| e.text_len() as u64 > hash_limits.max_value);
            if pairs as u64 <= hash_limits.max_entries && !long_item {
                Entry::new_compact(key, ValueType::Hash, &bytes, clock)
            } else {
                let owned: Vec<(Vec<u8>, Vec<u8>)> = view
                    .pairs()
                    .map(|(f, v)| (f.to_vec(), v.to_vec()))
                    .collect();
                hash_entry(key, &owned, hash_limits, clock)
            }
        }
        Value::Hash(pairs) => {
            if pairs.is_empty() {
                return None;
            }
            hash_entry(key, &pairs, hash_limits, clock)
        }
    })
}

/// A hash entry holding `pairs` (distinct fields), converted as Redis's loader does: large
/// when there are more than `max_entries` or any field or value is longer than `max_value`.
fn hash_entry(key: &[u8], pairs: &[(Vec<u8>, Vec<u8>)], limits: HashLimits, clock: u32) -> Entry {
    let mut entry = hash::new_entry(key, clock);
    let borrowed: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(f, v)| (f.as_slice(), v.as_slice()))
        .collect();
    hash::set_fields(&mut entry, &borrowed, limits);
    entry
}
