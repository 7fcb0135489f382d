//! The numbers of the format (Redis's `src/rdb.h`): the version written, the
//! object type bytes, the opcodes, and the length and string encodings.

/// The RDB version written: Redis 7.0's (`REDIS0010`, DUMP footers `10`).
pub const RDB_VERSION: u16 = 10;

/// The newest version read: Redis 7.2's (set listpacks, stream listpacks 3).
pub const MAX_READ_VERSION: u16 = 11;

/// The type byte of a key's value (`RDB_TYPE_*`). Types 15, 19 and 21
/// (streams) and 6, 7 (modules) are named so that errors can say what they
/// are; the decoder refuses them as [`RdbError::Unsupported`](crate::RdbError::Unsupported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ObjectType {
    /// 0: a string.
    String = 0,
    /// 1: a list as a count and its elements (before quicklists).
    List = 1,
    /// 2: a set as a count and its members.
    Set = 2,
    /// 3: a sorted set with scores as decimal text.
    ZSet = 3,
    /// 4: a hash as a count and its field/value pairs.
    Hash = 4,
    /// 5: a sorted set with scores as binary doubles.
    ZSet2 = 5,
    /// 6: a module value (4.0 release candidates).
    Module = 6,
    /// 7: a module value.
    Module2 = 7,
    /// 9: a hash as a zipmap (Redis 2.x).
    HashZipmap = 9,
    /// 10: a list as one ziplist.
    ListZiplist = 10,
    /// 11: a set as an intset.
    SetIntset = 11,
    /// 12: a sorted set as a ziplist.
    ZSetZiplist = 12,
    /// 13: a hash as a ziplist.
    HashZiplist = 13,
    /// 14: a list as a quicklist of ziplists.
    ListQuicklist = 14,
    /// 15: a stream.
    StreamListpacks = 15,
    /// 16: a hash as a listpack.
    HashListpack = 16,
    /// 17: a sorted set as a listpack.
    ZSetListpack = 17,
    /// 18: a list as a quicklist of listpacks and plain nodes.
    ListQuicklist2 = 18,
    /// 19: a stream (7.0 metadata).
    StreamListpacks2 = 19,
    /// 20: a set as a listpack (RDB 11, Redis 7.2).
    SetListpack = 20,
    /// 21: a stream (7.2 metadata).
    StreamListpacks3 = 21,
}

impl ObjectType {
    /// The type for a type byte, if it is one.
    pub fn from_byte(byte: u8) -> Option<ObjectType> {
        use ObjectType::*;
        Some(match byte {
            0 => String,
            1 => List,
            2 => Set,
            3 => ZSet,
            4 => Hash,
            5 => ZSet2,
            6 => Module,
            7 => Module2,
            9 => HashZipmap,
            10 => ListZiplist,
            11 => SetIntset,
            12 => ZSetZiplist,
            13 => HashZiplist,
            14 => ListQuicklist,
            15 => StreamListpacks,
            16 => HashListpack,
            17 => ZSetListpack,
            18 => ListQuicklist2,
            19 => StreamListpacks2,
            20 => SetListpack,
            21 => StreamListpacks3,
            _ => return None,
        })
    }

    /// Whether Redis 7.0 (RDB 10) knows this type (its `rdbIsObjectType`):
    /// all but 20 and 21.
    pub fn known_to_redis_7_0(self) -> bool {
        (self as u8) <= 19
    }

    /// A short name for messages: "hash listpack", "zset ziplist", ...
    pub fn name(self) -> &'static str {
        use ObjectType::*;
        match self {
            String => "string",
            List => "list",
            Set => "set",
            ZSet => "zset",
            Hash => "hash",
            ZSet2 => "zset",
            Module | Module2 => "module",
            HashZipmap => "hash zipmap",
            ListZiplist => "list ziplist",
            SetIntset => "set intset",
            ZSetZiplist => "zset ziplist",
            HashZiplist => "hash ziplist",
            ListQuicklist | ListQuicklist2 => "list quicklist",
            StreamListpacks | StreamListpacks2 | StreamListpacks3 => "stream",
            HashListpack => "hash listpack",
            ZSetListpack => "zset listpack",
            SetListpack => "set listpack",
        }
    }
}

impl From<ObjectType> for u8 {
    fn from(object_type: ObjectType) -> u8 {
        object_type as u8
    }
}

/// The opcodes (`RDB_OPCODE_*`): type bytes that are not a key's type.
pub mod opcode {
    /// A function library's code (Redis 7.0).
    pub const FUNCTION2: u8 = 245;
    /// A function library in the format of 7.0's release candidates.
    pub const FUNCTION_PRE_GA: u8 = 246;
    /// Module data outside the keyspace.
    pub const MODULE_AUX: u8 = 247;
    /// The next key's LRU idle time, in seconds, as a length.
    pub const IDLE: u8 = 248;
    /// The next key's LFU counter, one byte.
    pub const FREQ: u8 = 249;
    /// An auxiliary field: two strings.
    pub const AUX: u8 = 250;
    /// Key and expire counts of the current database, as two lengths.
    pub const RESIZEDB: u8 = 251;
    /// The next key's expire time, Unix milliseconds, 8 bytes LE.
    pub const EXPIRETIME_MS: u8 = 252;
    /// The next key's expire time, Unix seconds, 4 bytes LE (old files).
    pub const EXPIRETIME: u8 = 253;
    /// The database of the keys that follow, as a length.
    pub const SELECTDB: u8 = 254;
    /// The end of the file; the CRC64 follows (RDB 5 and later).
    pub const EOF: u8 = 255;
}

/// The two high bits of a length's first byte: `00` 6-bit length.
pub(crate) const LEN_6BIT: u8 = 0;
/// `01`: 14-bit length (6 bits here and the next byte).
pub(crate) const LEN_14BIT: u8 = 1;
/// `11`: a special string encoding in the low 6 bits.
pub(crate) const LEN_ENCODED: u8 = 3;
/// Whole first byte of a 32-bit big-endian length.
pub(crate) const LEN_32BIT: u8 = 0x80;
/// Whole first byte of a 64-bit big-endian length.
pub(crate) const LEN_64BIT: u8 = 0x81;

/// String encodings (low 6 bits after `11`).
pub(crate) const ENC_INT8: u8 = 0;
pub(crate) const ENC_INT16: u8 = 1;
pub(crate) const ENC_INT32: u8 = 2;
pub(crate) const ENC_LZF: u8 = 3;

/// Quicklist node containers in type 18.
pub(crate) const CONTAINER_PLAIN: u64 = 1;
pub(crate) const CONTAINER_PACKED: u64 = 2;

/// Sorted-set scores as text (type 3): length bytes that mean a value.
pub(crate) const SCORE_NAN: u8 = 253;
pub(crate) const SCORE_POS_INF: u8 = 254;
pub(crate) const SCORE_NEG_INF: u8 = 255;
