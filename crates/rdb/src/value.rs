//! [`Value`]: one key's value as the RDB holds it. Compact encodings
//! (listpacks, intsets) stay the validated bytes they were in the file, so a
//! store keeping the same encodings adopts them without re-encoding; older
//! compact forms (ziplists, zipmaps) arrive already converted to listpacks,
//! as Redis 7.0 converts them on load.
//!
//! Not here: which encoding a store should use for a value (its thresholds),
//! nor reading or writing bytes (the decoder and encoder).

/// One key's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string (type 0); integer encodings are given as their decimal text.
    String(Vec<u8>),
    /// A list, as its nodes in order (types 18, 14, 10 and 1).
    List(Vec<ListNode>),
    /// A set of integers as a validated intset (type 11).
    SetIntset(Vec<u8>),
    /// A set as a validated listpack of distinct members (type 20, Redis 7.2).
    SetListpack(Vec<u8>),
    /// A set as its distinct members (type 2).
    Set(Vec<Vec<u8>>),
    /// A sorted set as a validated listpack of member, score pairs with
    /// distinct members and parseable scores (type 17, and 12 converted).
    ZSetListpack(Vec<u8>),
    /// A sorted set as distinct members and their scores, never NaN (types 5
    /// and 3).
    ZSet(Vec<(Vec<u8>, f64)>),
    /// A hash as a validated listpack of field, value pairs with distinct
    /// fields (type 16, and 13 and 9 converted).
    HashListpack(Vec<u8>),
    /// A hash as its field, value pairs with distinct fields (type 4).
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
}

/// One node of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListNode {
    /// A validated, non-empty listpack of elements (a packed quicklist node;
    /// ziplist nodes arrive converted).
    Listpack(Vec<u8>),
    /// One element on its own (a plain quicklist node, or an element of a
    /// type-1 list).
    Element(Vec<u8>),
}

impl Value {
    /// Whether this is a collection without elements. Redis skips such keys
    /// when loading (with a warning) and so should the caller. A string,
    /// even an empty one, is not a collection.
    pub fn is_empty_collection(&self) -> bool {
        use listpack::ListpackView;
        match self {
            Value::String(_) => false,
            Value::List(nodes) => nodes.is_empty(),
            Value::SetIntset(bytes) => listpack::IntsetView::new(bytes).is_empty(),
            Value::SetListpack(bytes) | Value::ZSetListpack(bytes) | Value::HashListpack(bytes) => {
                ListpackView::new(bytes).is_empty()
            }
            Value::Set(members) => members.is_empty(),
            Value::ZSet(members) => members.is_empty(),
            Value::Hash(pairs) => pairs.is_empty(),
        }
    }
}
