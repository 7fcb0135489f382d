//! The one static command table: name, arity, flags, key positions, ACL categories, docs and
//! the handler. It drives parsing (arity), COMMAND, slot routing and locking.

use bytes::Bytes;
use hashbrown::HashMap;
use std::sync::OnceLock;

use super::{cluster, connection_cmds, pubsub, replication_cmds, server_cmds, transaction};
use crate::session::ServerHandler;
use store::cmd::{
    bitmaps as bm, blocking as bl, dump, hashes as hs, hyperloglog as hll, keys as k, lists as ls,
    sets as st, sort as so, strings as s, zsets as zs,
};

/// Command flags, as COMMAND reports them.
pub mod flag {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const NOSCRIPT: u32 = 1 << 4;
    pub const LOADING: u32 = 1 << 5;
    pub const STALE: u32 = 1 << 6;
    pub const FAST: u32 = 1 << 7;
    pub const NO_AUTH: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const ALLOW_BUSY: u32 = 1 << 11;
    pub const NO_MULTI: u32 = 1 << 12;
    pub const MOVABLEKEYS: u32 = 1 << 13;
    pub const SENTINEL: u32 = 1 << 14;
    pub const PUBSUB: u32 = 1 << 15;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 16;
    pub const MAY_REPLICATE: u32 = 1 << 17;
    pub const BLOCKING: u32 = 1 << 18;

    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (SENTINEL, "sentinel"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

use flag::*;

/// Where a command's keys are.
#[derive(Clone, Copy)]
pub enum Keys {
    None,
    /// Redis's (first, last, step); a negative last counts from the end.
    Range {
        first: i32,
        last: i32,
        step: i32,
    },
    /// Redis 7 key specs (several specs, `numkeys` arguments): the legacy triple COMMAND
    /// reports and the specs.
    Specs {
        legacy: (i32, i32, i32),
        specs: &'static [KeySpec],
    },
    /// Key specs that cannot say where every key is (SORT's STORE): a key finder does, as
    /// Redis's `getkeys_proc`.
    Custom {
        legacy: (i32, i32, i32),
        specs: &'static [KeySpec],
        find: fn(&[Bytes], &mut Vec<usize>),
    },
}

/// One Redis 7 key specification.
pub struct KeySpec {
    pub flags: &'static [&'static str],
    pub begin: Begin,
    pub find: Find,
}

/// Where a key spec's search begins.
pub enum Begin {
    Index(i32),
    Unknown,
}

/// How a key spec finds its keys from where the search began.
pub enum Find {
    Range {
        lastkey: i32,
        keystep: i32,
        limit: i32,
    },
    KeyNum {
        keynumidx: i32,
        firstkey: i32,
        keystep: i32,
    },
    Unknown,
}

/// How a key spec fitted a command's arguments.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SpecFit {
    Fits,
    /// A `numkeys` count that is not a positive number or exceeds the arguments.
    BadCount,
    /// A range running past the arguments (or a spec that cannot be searched).
    Misfit,
}

/// SET's key flags (Redis `setGetKeys`): with GET it reads the old value too.
fn set_key_flags(args: &[Bytes]) -> &'static [&'static str] {
    if args.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get")) {
        &["RW", "access", "update"]
    } else {
        &["OW", "update"]
    }
}

/// BITFIELD's key flags (Redis `bitfieldGetKeys`): read-only when every operation is a
/// whole GET (or OVERFLOW); a SET, an INCRBY or anything malformed counts as a write.
fn bitfield_key_flags(args: &[Bytes]) -> &'static [&'static str] {
    let mut i = 2;
    while i < args.len() {
        let remaining = args.len() - i - 1;
        let op = &args[i];
        if op.eq_ignore_ascii_case(b"get") && remaining >= 2 {
            i += 3;
        } else if op.eq_ignore_ascii_case(b"overflow") && remaining >= 1 {
            i += 2;
        } else {
            return &["RW", "access", "update"];
        }
    }
    &["RO", "access"]
}

impl KeySpec {
    /// A `numkeys` count that C's atoi reads but Redis's strict parse does not (`1abc`).
    fn count_is_lenient(&self, args: &[Bytes]) -> bool {
        let (Begin::Index(first), Find::KeyNum { keynumidx, .. }) = (&self.begin, &self.find)
        else {
            return false;
        };
        let at = i64::from(*first) + i64::from(*keynumidx);
        usize::try_from(at)
            .ok()
            .and_then(|at| args.get(at))
            .is_some_and(|count| numeric::parse_i64(count).is_none())
    }

    /// Redis `getKeysUsingKeySpecs` for one spec: pushes the keys it finds when it fits.
    fn find_keys(&self, args: &[Bytes], out: &mut Vec<usize>) -> SpecFit {
        let argc = args.len() as i64;
        let first = match self.begin {
            Begin::Index(first) => i64::from(first),
            Begin::Unknown => return SpecFit::Misfit,
        };
        let (last, step) = match self.find {
            Find::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let last = if lastkey >= 0 {
                    first + i64::from(lastkey)
                } else if limit <= 1 {
                    argc + i64::from(lastkey)
                } else {
                    first + (argc - first) / i64::from(limit) + i64::from(lastkey)
                };
                (last, i64::from(keystep))
            }
            Find::KeyNum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let at = first + i64::from(keynumidx);
                if at >= argc {
                    return SpecFit::BadCount;
                }
                let n = i64::from(numeric::c_atoi(&args[at as usize]));
                if n <= 0 {
                    return SpecFit::BadCount;
                }
                let start = first + i64::from(firstkey);
                let step = i64::from(keystep);
                let last = start + (n - 1) * step;
                if last >= argc {
                    return SpecFit::BadCount;
                }
                let mut i = start;
                while i <= last {
                    out.push(i as usize);
                    i += step;
                }
                return SpecFit::Fits;
            }
            Find::Unknown => return SpecFit::Misfit,
        };
        // Redis: a spec that runs past the arguments finds nothing (the command reports it).
        if last >= argc || last < first {
            return SpecFit::Misfit;
        }
        let mut i = first;
        while i <= last {
            out.push(i as usize);
            i += step.max(1);
        }
        SpecFit::Fits
    }
}

/// How a command runs.
#[derive(Clone, Copy)]
pub enum Run {
    /// A data command: its key slots are locked before it runs.
    Data(store::Handler),
    /// A data command that walks the keyspace or locks across databases itself.
    DataUnlocked(store::Handler),
    /// A connection or server command.
    Server(ServerHandler),
    /// A container (CLUSTER, CONFIG, ...): the subcommand decides.
    Container,
}

pub struct Command {
    /// Lower-case name (`get`, or `keyslot` for a subcommand).
    pub name: &'static str,
    pub arity: i32,
    pub flags: u32,
    pub keys: Keys,
    /// ACL categories without the `@`.
    pub acl: &'static [&'static str],
    /// Key-spec flags (`RW`, `ACCESS`, ...), when the command has keys.
    pub key_flags: &'static [&'static str],
    pub group: &'static str,
    pub since: &'static str,
    pub summary: &'static str,
    pub run: Run,
    pub subcommands: &'static [Command],
}

impl Command {
    pub fn has_flag(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// Indices of the key arguments in `args` (Redis `getKeysFromCommand`), which the
    /// command's slots are routed and locked by. A `numkeys` count that does not fit leaves
    /// the command keyless, its store key included (Redis's `genericGetKeys`: the command
    /// then fails on the count without touching a key). A spec whose range runs past the
    /// arguments (PFMERGE's sources when there are none) drops only its own keys, so that
    /// what the command does touch is locked; Redis would route such a command as keyless.
    pub fn key_indices(&self, args: &[Bytes], out: &mut Vec<usize>) {
        out.clear();
        let (first, last, step) = match self.keys {
            Keys::None => return,
            Keys::Range { first, last, step } => (first, last, step),
            Keys::Specs { specs, .. } => {
                for spec in specs {
                    match spec.find_keys(args, out) {
                        SpecFit::Fits | SpecFit::Misfit => {}
                        SpecFit::BadCount => {
                            out.clear();
                            return;
                        }
                    }
                }
                return;
            }
            Keys::Custom { find, .. } => {
                find(args, out);
                return;
            }
        };
        let argc = args.len();
        let argc = argc as i32;
        let last = if last < 0 { argc + last } else { last };
        let mut i = first;
        while i <= last && i < argc {
            out.push(i as usize);
            i += step.max(1);
        }
    }

    /// COMMAND GETKEYS and GETKEYSANDFLAGS (Redis `getKeysFromCommandWithSpecs`): each key
    /// argument with the flags of the key spec that found it. Any spec that does not fit
    /// leaves none, as Redis's non-partial search does, except that a `numkeys` count
    /// only C's atoi reads (`1abc`) is read by Redis's fallback, `genericGetKeys`: the
    /// counted keys, then the store key, without flags. SET's and BITFIELD's flags depend on
    /// their arguments (their specs say `variable_flags`), as Redis's `setGetKeys` and
    /// `bitfieldGetKeys` decide them.
    pub fn keys_with_flags(&self, args: &[Bytes]) -> Vec<(usize, &'static [&'static str])> {
        let mut out = Vec::new();
        match self.keys {
            Keys::None => {}
            Keys::Range { .. } => {
                let flags = match self.name {
                    "set" => set_key_flags(args),
                    "bitfield" => bitfield_key_flags(args),
                    _ => self.key_flags,
                };
                let mut indices = Vec::new();
                self.key_indices(args, &mut indices);
                out.extend(indices.into_iter().map(|i| (i, flags)));
            }
            Keys::Specs { specs, .. } => {
                let mut indices = Vec::new();
                let mut found = Vec::new();
                let mut lenient = false;
                for spec in specs {
                    let from = indices.len();
                    if spec.find_keys(args, &mut indices) != SpecFit::Fits {
                        return Vec::new();
                    }
                    lenient |= spec.count_is_lenient(args);
                    found.extend(indices[from..].iter().map(|&i| (i, spec)));
                }
                if lenient {
                    // genericGetKeys: the counted keys first, then the store key, no flags.
                    found.sort_by_key(|(_, spec)| !matches!(spec.find, Find::KeyNum { .. }));
                    out.extend(found.into_iter().map(|(i, _)| (i, &[][..])));
                } else {
                    out.extend(found.into_iter().map(|(i, spec)| (i, spec.flags)));
                }
            }
            Keys::Custom { find, specs, .. } => {
                // SORT: the sorted key, then the STORE key (the last spec's flags).
                let mut indices = Vec::new();
                find(args, &mut indices);
                let (Some(first), Some(last)) = (specs.first(), specs.last()) else {
                    return out;
                };
                out.extend(
                    indices
                        .iter()
                        .enumerate()
                        .map(|(n, &i)| (i, if n == 0 { first.flags } else { last.flags })),
                );
            }
        }
        out
    }

    /// (first, last, step) as COMMAND reports them.
    pub fn key_triple(&self) -> (i64, i64, i64) {
        match self.keys {
            Keys::None => (0, 0, 0),
            Keys::Range { first, last, step } => (first.into(), last.into(), step.into()),
            Keys::Specs {
                legacy: (first, last, step),
                ..
            }
            | Keys::Custom {
                legacy: (first, last, step),
                ..
            } => (first.into(), last.into(), step.into()),
        }
    }

    /// Is `argc` acceptable for this command's arity?
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i32;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }

    pub fn subcommand(&self, name: &[u8]) -> Option<&'static Command> {
        self.subcommands
            .iter()
            .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    }
}

const fn range(first: i32, last: i32, step: i32) -> Keys {
    Keys::Range { first, last, step }
}

const K1: Keys = range(1, 1, 1);
const KALL: Keys = range(1, -1, 1);
const NOKEYS: Keys = Keys::None;

macro_rules! cmd {
    ($name:literal, $arity:expr, $flags:expr, $keys:expr, [$($acl:literal),*], [$($kf:literal),*], $group:literal, $since:literal, $summary:literal, $run:expr) => {
        Command {
            name: $name,
            arity: $arity,
            flags: $flags,
            keys: $keys,
            acl: &[$($acl),*],
            key_flags: &[$($kf),*],
            group: $group,
            since: $since,
            summary: $summary,
            run: $run,
            subcommands: &[],
        }
    };
}

macro_rules! container {
    ($name:literal, $flags:expr, [$($acl:literal),*], $group:literal, $since:literal, $summary:literal, $subs:expr) => {
        Command {
            name: $name,
            arity: -2,
            flags: $flags,
            keys: Keys::None,
            acl: &[$($acl),*],
            key_flags: &[],
            group: $group,
            since: $since,
            summary: $summary,
            run: Run::Container,
            subcommands: $subs,
        }
    };
}

use Run::{Data, DataUnlocked, Server};

const RW: u32 = WRITE | DENYOOM;

pub static COMMANDS: &[Command] = &[
    // Pub/Sub.
    cmd!(
        "subscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        NOKEYS,
        ["pubsub", "slow"],
        [],
        "pubsub",
        "2.0.0",
        "Listen for messages published to the given channels",
        Server(pubsub::subscribe)
    ),
    cmd!(
        "unsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        NOKEYS,
        ["pubsub", "slow"],
        [],
        "pubsub",
        "2.0.0",
        "Stop listening for messages posted to the given channels",
        Server(pubsub::unsubscribe)
    ),
    cmd!(
        "psubscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        NOKEYS,
        ["pubsub", "slow"],
        [],
        "pubsub",
        "2.0.0",
        "Listen for messages published to channels matching the given patterns",
        Server(pubsub::psubscribe)
    ),
    cmd!(
        "punsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        NOKEYS,
        ["pubsub", "slow"],
        [],
        "pubsub",
        "2.0.0",
        "Stop listening for messages posted to channels matching the given patterns",
        Server(pubsub::punsubscribe)
    ),
    cmd!(
        "ssubscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        range(1, -1, 1),
        ["pubsub", "slow"],
        ["not_key"],
        "pubsub",
        "7.0.0",
        "Listen for messages published to the given shard channels",
        Server(pubsub::ssubscribe)
    ),
    cmd!(
        "sunsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        range(1, -1, 1),
        ["pubsub", "slow"],
        ["not_key"],
        "pubsub",
        "7.0.0",
        "Stop listening for messages posted to the given shard channels",
        Server(pubsub::sunsubscribe)
    ),
    cmd!(
        "publish",
        3,
        PUBSUB | LOADING | STALE | FAST,
        NOKEYS,
        ["pubsub", "fast"],
        [],
        "pubsub",
        "2.0.0",
        "Post a message to a channel",
        Server(pubsub::publish)
    ),
    cmd!(
        "spublish",
        3,
        PUBSUB | LOADING | STALE | FAST,
        range(1, 1, 1),
        ["pubsub", "fast"],
        ["not_key"],
        "pubsub",
        "7.0.0",
        "Post a message to a shard channel",
        Server(pubsub::spublish)
    ),
    container!(
        "pubsub",
        0,
        ["slow"],
        "pubsub",
        "2.8.0",
        "A container for Pub/Sub commands",
        &[
            cmd!(
                "channels",
                -2,
                PUBSUB | LOADING | STALE,
                NOKEYS,
                ["pubsub", "slow"],
                [],
                "pubsub",
                "2.8.0",
                "List active channels",
                Server(pubsub::pubsub_channels)
            ),
            cmd!(
                "numsub",
                -2,
                PUBSUB | LOADING | STALE,
                NOKEYS,
                ["pubsub", "slow"],
                [],
                "pubsub",
                "2.8.0",
                "Get the count of subscribers for channels",
                Server(pubsub::pubsub_numsub)
            ),
            cmd!(
                "numpat",
                2,
                PUBSUB | LOADING | STALE,
                NOKEYS,
                ["pubsub", "slow"],
                [],
                "pubsub",
                "2.8.0",
                "Get the count of unique patterns pattern subscriptions",
                Server(pubsub::pubsub_numpat)
            ),
            cmd!(
                "shardchannels",
                -2,
                PUBSUB | LOADING | STALE,
                NOKEYS,
                ["pubsub", "slow"],
                [],
                "pubsub",
                "7.0.0",
                "List active shard channels",
                Server(pubsub::pubsub_shardchannels)
            ),
            cmd!(
                "shardnumsub",
                -2,
                PUBSUB | LOADING | STALE,
                NOKEYS,
                ["pubsub", "slow"],
                [],
                "pubsub",
                "7.0.0",
                "Get the count of subscribers for shard channels",
                Server(pubsub::pubsub_shardnumsub)
            ),
            cmd!(
                "help",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow"],
                [],
                "pubsub",
                "6.2.0",
                "Show helpful text about the different subcommands",
                Server(pubsub::pubsub_help)
            ),
        ]
    ),
    // Transactions.
    cmd!(
        "multi",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        NOKEYS,
        ["fast", "transaction"],
        [],
        "transactions",
        "1.2.0",
        "Mark the start of a transaction block",
        Server(transaction::multi)
    ),
    cmd!(
        "exec",
        1,
        NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG,
        NOKEYS,
        ["slow", "transaction"],
        [],
        "transactions",
        "1.2.0",
        "Execute all commands issued after MULTI",
        Server(transaction::exec)
    ),
    cmd!(
        "discard",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        NOKEYS,
        ["fast", "transaction"],
        [],
        "transactions",
        "2.0.0",
        "Discard all commands issued after MULTI",
        Server(transaction::discard)
    ),
    cmd!(
        "watch",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        range(1, -1, 1),
        ["fast", "transaction"],
        ["RO"],
        "transactions",
        "2.2.0",
        "Watch the given keys to determine execution of the MULTI/EXEC block",
        Server(transaction::watch)
    ),
    cmd!(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        NOKEYS,
        ["fast", "transaction"],
        [],
        "transactions",
        "2.2.0",
        "Forget about all watched keys",
        Server(transaction::unwatch)
    ),
    // Hashes.
    cmd!(
        "hset",
        -4,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "hash", "fast"],
        ["RW", "update"],
        "hash",
        "2.0.0",
        "Set the string value of a hash field",
        Data(hs::hset)
    ),
    cmd!(
        "hsetnx",
        4,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "hash", "fast"],
        ["RW", "insert"],
        "hash",
        "2.0.0",
        "Set the value of a hash field, only if the field does not exist",
        Data(hs::hsetnx)
    ),
    cmd!(
        "hmset",
        -4,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "hash", "fast"],
        ["RW", "update"],
        "hash",
        "2.0.0",
        "Set multiple hash fields to multiple values",
        Data(hs::hmset)
    ),
    cmd!(
        "hget",
        3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "hash", "fast"],
        ["RO", "access"],
        "hash",
        "2.0.0",
        "Get the value of a hash field",
        Data(hs::hget)
    ),
    cmd!(
        "hmget",
        -3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "hash", "fast"],
        ["RO", "access"],
        "hash",
        "2.0.0",
        "Get the values of all the given hash fields",
        Data(hs::hmget)
    ),
    cmd!(
        "hdel",
        -3,
        WRITE | FAST,
        range(1, 1, 1),
        ["write", "hash", "fast"],
        ["RW", "delete"],
        "hash",
        "2.0.0",
        "Delete one or more hash fields",
        Data(hs::hdel)
    ),
    cmd!(
        "hexists",
        3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "hash", "fast"],
        ["RO"],
        "hash",
        "2.0.0",
        "Determine if a hash field exists",
        Data(hs::hexists)
    ),
    cmd!(
        "hlen",
        2,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "hash", "fast"],
        ["RO"],
        "hash",
        "2.0.0",
        "Get the number of fields in a hash",
        Data(hs::hlen)
    ),
    cmd!(
        "hstrlen",
        3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "hash", "fast"],
        ["RO"],
        "hash",
        "3.2.0",
        "Get the length of the value of a hash field",
        Data(hs::hstrlen)
    ),
    cmd!(
        "hkeys",
        2,
        READONLY,
        range(1, 1, 1),
        ["read", "hash", "slow"],
        ["RO", "access"],
        "hash",
        "2.0.0",
        "Get all the fields in a hash",
        Data(hs::hkeys)
    ),
    cmd!(
        "hvals",
        2,
        READONLY,
        range(1, 1, 1),
        ["read", "hash", "slow"],
        ["RO", "access"],
        "hash",
        "2.0.0",
        "Get all the values in a hash",
        Data(hs::hvals)
    ),
    cmd!(
        "hgetall",
        2,
        READONLY,
        range(1, 1, 1),
        ["read", "hash", "slow"],
        ["RO", "access"],
        "hash",
        "2.0.0",
        "Get all the fields and values in a hash",
        Data(hs::hgetall)
    ),
    cmd!(
        "hincrby",
        4,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "hash", "fast"],
        ["RW", "access", "update"],
        "hash",
        "2.0.0",
        "Increment the integer value of a hash field by the given number",
        Data(hs::hincrby)
    ),
    cmd!(
        "hincrbyfloat",
        4,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "hash", "fast"],
        ["RW", "access", "update"],
        "hash",
        "2.6.0",
        "Increment the float value of a hash field by the given amount",
        Data(hs::hincrbyfloat)
    ),
    cmd!(
        "hrandfield",
        -2,
        READONLY,
        range(1, 1, 1),
        ["read", "hash", "slow"],
        ["RO", "access"],
        "hash",
        "6.2.0",
        "Get one or multiple random fields from a hash",
        Data(hs::hrandfield)
    ),
    cmd!(
        "hscan",
        -3,
        READONLY,
        range(1, 1, 1),
        ["read", "hash", "slow"],
        ["RO", "access"],
        "hash",
        "2.8.0",
        "Incrementally iterate hash fields and associated values",
        Data(hs::hscan)
    ),
    // Lists.
    cmd!(
        "lpush",
        -3,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "list", "fast"],
        ["RW", "insert"],
        "list",
        "1.0.0",
        "Prepend one or multiple elements to a list",
        Data(ls::lpush)
    ),
    cmd!(
        "rpush",
        -3,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "list", "fast"],
        ["RW", "insert"],
        "list",
        "1.0.0",
        "Append one or multiple elements to a list",
        Data(ls::rpush)
    ),
    cmd!(
        "lpushx",
        -3,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "list", "fast"],
        ["RW", "insert"],
        "list",
        "2.2.0",
        "Prepend an element to a list, only if the list exists",
        Data(ls::lpushx)
    ),
    cmd!(
        "rpushx",
        -3,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "list", "fast"],
        ["RW", "insert"],
        "list",
        "2.2.0",
        "Append an element to a list, only if the list exists",
        Data(ls::rpushx)
    ),
    cmd!(
        "lpop",
        -2,
        WRITE | FAST,
        range(1, 1, 1),
        ["write", "list", "fast"],
        ["RW", "access", "delete"],
        "list",
        "1.0.0",
        "Remove and get the first elements in a list",
        Data(ls::lpop)
    ),
    cmd!(
        "rpop",
        -2,
        WRITE | FAST,
        range(1, 1, 1),
        ["write", "list", "fast"],
        ["RW", "access", "delete"],
        "list",
        "1.0.0",
        "Remove and get the last elements in a list",
        Data(ls::rpop)
    ),
    cmd!(
        "llen",
        2,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "list", "fast"],
        ["RO"],
        "list",
        "1.0.0",
        "Get the length of a list",
        Data(ls::llen)
    ),
    cmd!(
        "lrange",
        4,
        READONLY,
        range(1, 1, 1),
        ["read", "list", "slow"],
        ["RO", "access"],
        "list",
        "1.0.0",
        "Get a range of elements from a list",
        Data(ls::lrange)
    ),
    cmd!(
        "lindex",
        3,
        READONLY,
        range(1, 1, 1),
        ["read", "list", "slow"],
        ["RO", "access"],
        "list",
        "1.0.0",
        "Get an element from a list by its index",
        Data(ls::lindex)
    ),
    cmd!(
        "lset",
        4,
        WRITE | DENYOOM,
        range(1, 1, 1),
        ["write", "list", "slow"],
        ["RW", "update"],
        "list",
        "1.0.0",
        "Set the value of an element in a list by its index",
        Data(ls::lset)
    ),
    cmd!(
        "linsert",
        5,
        WRITE | DENYOOM,
        range(1, 1, 1),
        ["write", "list", "slow"],
        ["RW", "insert"],
        "list",
        "2.2.0",
        "Insert an element before or after another element in a list",
        Data(ls::linsert)
    ),
    cmd!(
        "lrem",
        4,
        WRITE,
        range(1, 1, 1),
        ["write", "list", "slow"],
        ["RW", "delete"],
        "list",
        "1.0.0",
        "Remove elements from a list",
        Data(ls::lrem)
    ),
    cmd!(
        "ltrim",
        4,
        WRITE,
        range(1, 1, 1),
        ["write", "list", "slow"],
        ["RW", "delete"],
        "list",
        "1.0.0",
        "Trim a list to the specified range",
        Data(ls::ltrim)
    ),
    cmd!(
        "lpos",
        -3,
        READONLY,
        range(1, 1, 1),
        ["read", "list", "slow"],
        ["RO", "access"],
        "list",
        "6.0.6",
        "Return the index of matching elements on a list",
        Data(ls::lpos)
    ),
    cmd!(
        "lmove",
        5,
        WRITE | DENYOOM,
        Keys::Specs {
            legacy: (1, 2, 1),
            specs: &[
                KeySpec {
                    flags: &["RW", "access", "delete"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RW", "insert"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "list", "slow"],
        [],
        "list",
        "6.2.0",
        "Pop an element from a list, push it to another list and return it",
        Data(ls::lmove)
    ),
    cmd!(
        "rpoplpush",
        3,
        WRITE | DENYOOM,
        Keys::Specs {
            legacy: (1, 2, 1),
            specs: &[
                KeySpec {
                    flags: &["RW", "access", "delete"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RW", "insert"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "list", "slow"],
        [],
        "list",
        "1.2.0",
        "Remove the last element in a list, prepend it to another list and return it",
        Data(ls::rpoplpush)
    ),
    cmd!(
        "lmpop",
        -4,
        WRITE | MOVABLEKEYS,
        Keys::Specs {
            legacy: (0, 0, 0),
            specs: &[KeySpec {
                flags: &["RW", "access", "delete"],
                begin: Begin::Index(1),
                find: Find::KeyNum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }]
        },
        ["write", "list", "slow"],
        [],
        "list",
        "7.0.0",
        "Pop elements from a list",
        Data(ls::lmpop)
    ),
    // Sets.
    cmd!(
        "sadd",
        -3,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "set", "fast"],
        ["RW", "insert"],
        "set",
        "1.0.0",
        "Add one or more members to a set",
        Data(st::sadd)
    ),
    cmd!(
        "srem",
        -3,
        WRITE | FAST,
        range(1, 1, 1),
        ["write", "set", "fast"],
        ["RW", "delete"],
        "set",
        "1.0.0",
        "Remove one or more members from a set",
        Data(st::srem)
    ),
    cmd!(
        "smembers",
        2,
        READONLY,
        range(1, 1, 1),
        ["read", "set", "slow"],
        ["RO", "access"],
        "set",
        "1.0.0",
        "Get all the members in a set",
        Data(st::smembers)
    ),
    cmd!(
        "sismember",
        3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "set", "fast"],
        ["RO"],
        "set",
        "1.0.0",
        "Determine if a given value is a member of a set",
        Data(st::sismember)
    ),
    cmd!(
        "smismember",
        -3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "set", "fast"],
        ["RO", "access"],
        "set",
        "6.2.0",
        "Returns the membership associated with the given elements for a set",
        Data(st::smismember)
    ),
    cmd!(
        "scard",
        2,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "set", "fast"],
        ["RO"],
        "set",
        "1.0.0",
        "Get the number of members in a set",
        Data(st::scard)
    ),
    cmd!(
        "spop",
        -2,
        WRITE | FAST,
        range(1, 1, 1),
        ["write", "set", "fast"],
        ["RW", "access", "delete"],
        "set",
        "1.0.0",
        "Remove and return one or multiple random members from a set",
        Data(st::spop)
    ),
    cmd!(
        "srandmember",
        -2,
        READONLY,
        range(1, 1, 1),
        ["read", "set", "slow"],
        ["RO", "access"],
        "set",
        "1.0.0",
        "Get one or multiple random members from a set",
        Data(st::srandmember)
    ),
    cmd!(
        "smove",
        4,
        WRITE | FAST,
        Keys::Specs {
            legacy: (1, 2, 1),
            specs: &[
                KeySpec {
                    flags: &["RW", "access", "delete"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RW", "insert"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "set", "fast"],
        [],
        "set",
        "1.0.0",
        "Move a member from one set to another",
        Data(st::smove)
    ),
    cmd!(
        "sinter",
        -2,
        READONLY,
        range(1, -1, 1),
        ["read", "set", "slow"],
        ["RO", "access"],
        "set",
        "1.0.0",
        "Intersect multiple sets",
        Data(st::sinter)
    ),
    cmd!(
        "sintercard",
        -3,
        READONLY | MOVABLEKEYS,
        Keys::Specs {
            legacy: (0, 0, 0),
            specs: &[KeySpec {
                flags: &["RO", "access"],
                begin: Begin::Index(1),
                find: Find::KeyNum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }]
        },
        ["read", "set", "slow"],
        [],
        "set",
        "7.0.0",
        "Intersect multiple sets and return the cardinality of the result",
        Data(st::sintercard)
    ),
    cmd!(
        "sunion",
        -2,
        READONLY,
        range(1, -1, 1),
        ["read", "set", "slow"],
        ["RO", "access"],
        "set",
        "1.0.0",
        "Add multiple sets",
        Data(st::sunion)
    ),
    cmd!(
        "sdiff",
        -2,
        READONLY,
        range(1, -1, 1),
        ["read", "set", "slow"],
        ["RO", "access"],
        "set",
        "1.0.0",
        "Subtract multiple sets",
        Data(st::sdiff)
    ),
    cmd!(
        "sinterstore",
        -3,
        WRITE | DENYOOM,
        Keys::Specs {
            legacy: (1, -1, 1),
            specs: &[
                KeySpec {
                    flags: &["RW", "update"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: -1,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "set", "slow"],
        [],
        "set",
        "1.0.0",
        "Intersect multiple sets and store the resulting set in a key",
        Data(st::sinterstore)
    ),
    cmd!(
        "sunionstore",
        -3,
        WRITE | DENYOOM,
        Keys::Specs {
            legacy: (1, -1, 1),
            specs: &[
                KeySpec {
                    flags: &["OW", "update"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: -1,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "set", "slow"],
        [],
        "set",
        "1.0.0",
        "Add multiple sets and store the resulting set in a key",
        Data(st::sunionstore)
    ),
    cmd!(
        "sdiffstore",
        -3,
        WRITE | DENYOOM,
        Keys::Specs {
            legacy: (1, -1, 1),
            specs: &[
                KeySpec {
                    flags: &["OW", "update"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: -1,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "set", "slow"],
        [],
        "set",
        "1.0.0",
        "Subtract multiple sets and store the resulting set in a key",
        Data(st::sdiffstore)
    ),
    cmd!(
        "sscan",
        -3,
        READONLY,
        range(1, 1, 1),
        ["read", "set", "slow"],
        ["RO", "access"],
        "set",
        "2.8.0",
        "Incrementally iterate Set elements",
        Data(st::sscan)
    ),
    // Bitmaps.
    cmd!(
        "setbit",
        4,
        WRITE | DENYOOM,
        range(1, 1, 1),
        ["write", "bitmap", "slow"],
        ["RW", "access", "update"],
        "bitmap",
        "2.2.0",
        "Sets or clears the bit at offset in the string value stored at key",
        Data(bm::setbit)
    ),
    cmd!(
        "getbit",
        3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "bitmap", "fast"],
        ["RO", "access"],
        "bitmap",
        "2.2.0",
        "Returns the bit value at offset in the string value stored at key",
        Data(bm::getbit)
    ),
    cmd!(
        "bitcount",
        -2,
        READONLY,
        range(1, 1, 1),
        ["read", "bitmap", "slow"],
        ["RO", "access"],
        "bitmap",
        "2.6.0",
        "Count set bits in a string",
        Data(bm::bitcount)
    ),
    cmd!(
        "bitpos",
        -3,
        READONLY,
        range(1, 1, 1),
        ["read", "bitmap", "slow"],
        ["RO", "access"],
        "bitmap",
        "2.8.7",
        "Find first bit set or clear in a string",
        Data(bm::bitpos)
    ),
    cmd!(
        "bitop",
        -4,
        WRITE | DENYOOM,
        Keys::Specs {
            legacy: (2, -1, 1),
            specs: &[
                KeySpec {
                    flags: &["OW", "update"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(3),
                    find: Find::Range {
                        lastkey: -1,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "bitmap", "slow"],
        [],
        "bitmap",
        "2.6.0",
        "Perform bitwise operations between strings",
        Data(bm::bitop)
    ),
    cmd!(
        "bitfield",
        -2,
        WRITE | DENYOOM,
        range(1, 1, 1),
        ["write", "bitmap", "slow"],
        ["RW", "access", "update", "variable_flags"],
        "bitmap",
        "3.2.0",
        "Perform arbitrary bitfield integer operations on strings",
        Data(bm::bitfield)
    ),
    cmd!(
        "bitfield_ro",
        -2,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "bitmap", "fast"],
        ["RO", "access"],
        "bitmap",
        "6.0.0",
        "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
        Data(bm::bitfield_ro)
    ),
    // HyperLogLog.
    cmd!(
        "pfadd",
        -2,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "hyperloglog", "fast"],
        ["RW", "insert"],
        "hyperloglog",
        "2.8.9",
        "Adds the specified elements to the specified HyperLogLog.",
        Data(hll::pfadd)
    ),
    cmd!(
        "pfcount",
        -2,
        READONLY,
        range(1, -1, 1),
        ["read", "hyperloglog", "slow"],
        ["RW", "access"],
        "hyperloglog",
        "2.8.9",
        "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
        Data(hll::pfcount)
    ),
    cmd!(
        "pfmerge",
        -2,
        WRITE | DENYOOM,
        Keys::Specs {
            legacy: (1, -1, 1),
            specs: &[
                KeySpec {
                    flags: &["RW", "access", "insert"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: -1,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "hyperloglog", "slow"],
        [],
        "hyperloglog",
        "2.8.9",
        "Merge N different HyperLogLogs into a single one.",
        Data(hll::pfmerge)
    ),
    cmd!(
        "pfdebug",
        3,
        WRITE | DENYOOM | ADMIN,
        range(2, 2, 1),
        ["write", "hyperloglog", "admin", "slow", "dangerous"],
        ["RW", "access"],
        "hyperloglog",
        "2.8.9",
        "Internal commands for debugging HyperLogLog values",
        Data(hll::pfdebug)
    ),
    cmd!(
        "pfselftest",
        1,
        ADMIN,
        NOKEYS,
        ["hyperloglog", "admin", "slow", "dangerous"],
        [],
        "hyperloglog",
        "2.8.9",
        "An internal command for testing HyperLogLog values",
        Data(hll::pfselftest)
    ),
    // Sorted sets.
    cmd!(
        "zadd",
        -4,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "sortedset", "fast"],
        ["RW", "update"],
        "sorted-set",
        "1.2.0",
        "Add one or more members to a sorted set, or update its score if it already exists",
        Data(zs::zadd)
    ),
    cmd!(
        "zincrby",
        4,
        WRITE | DENYOOM | FAST,
        range(1, 1, 1),
        ["write", "sortedset", "fast"],
        ["RW", "access", "update"],
        "sorted-set",
        "1.2.0",
        "Increment the score of a member in a sorted set",
        Data(zs::zincrby)
    ),
    cmd!(
        "zrem",
        -3,
        WRITE | FAST,
        range(1, 1, 1),
        ["write", "sortedset", "fast"],
        ["RW", "delete"],
        "sorted-set",
        "1.2.0",
        "Remove one or more members from a sorted set",
        Data(zs::zrem)
    ),
    cmd!(
        "zscore",
        3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "sortedset", "fast"],
        ["RO", "access"],
        "sorted-set",
        "1.2.0",
        "Get the score associated with the given member in a sorted set",
        Data(zs::zscore)
    ),
    cmd!(
        "zmscore",
        -3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "sortedset", "fast"],
        ["RO", "access"],
        "sorted-set",
        "6.2.0",
        "Get the score associated with the given members in a sorted set",
        Data(zs::zmscore)
    ),
    cmd!(
        "zcard",
        2,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "sortedset", "fast"],
        ["RO"],
        "sorted-set",
        "1.2.0",
        "Get the number of members in a sorted set",
        Data(zs::zcard)
    ),
    cmd!(
        "zcount",
        4,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "sortedset", "fast"],
        ["RO", "access"],
        "sorted-set",
        "2.0.0",
        "Count the members in a sorted set with scores within the given values",
        Data(zs::zcount)
    ),
    cmd!(
        "zlexcount",
        4,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "sortedset", "fast"],
        ["RO", "access"],
        "sorted-set",
        "2.8.9",
        "Count the number of members in a sorted set between a given lexicographical range",
        Data(zs::zlexcount)
    ),
    cmd!(
        "zrank",
        3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "sortedset", "fast"],
        ["RO", "access"],
        "sorted-set",
        "2.0.0",
        "Determine the index of a member in a sorted set",
        Data(zs::zrank)
    ),
    cmd!(
        "zrevrank",
        3,
        READONLY | FAST,
        range(1, 1, 1),
        ["read", "sortedset", "fast"],
        ["RO", "access"],
        "sorted-set",
        "2.0.0",
        "Determine the index of a member in a sorted set, with scores ordered from high to low",
        Data(zs::zrevrank)
    ),
    cmd!(
        "zrange",
        -4,
        READONLY,
        range(1, 1, 1),
        ["read", "sortedset", "slow"],
        ["RO", "access"],
        "sorted-set",
        "1.2.0",
        "Return a range of members in a sorted set",
        Data(zs::zrange)
    ),
    cmd!(
        "zrangestore",
        -5,
        WRITE | DENYOOM,
        Keys::Specs {
            legacy: (1, 2, 1),
            specs: &[
                KeySpec {
                    flags: &["OW", "update"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "sortedset", "slow"],
        [],
        "sorted-set",
        "6.2.0",
        "Store a range of members from sorted set into another key",
        Data(zs::zrangestore)
    ),
    cmd!(
        "zrevrange",
        -4,
        READONLY,
        range(1, 1, 1),
        ["read", "sortedset", "slow"],
        ["RO", "access"],
        "sorted-set",
        "1.2.0",
        "Return a range of members in a sorted set, by index, with scores ordered from high to low",
        Data(zs::zrevrange)
    ),
    cmd!(
        "zrangebyscore",
        -4,
        READONLY,
        range(1, 1, 1),
        ["read", "sortedset", "slow"],
        ["RO", "access"],
        "sorted-set",
        "1.0.5",
        "Return a range of members in a sorted set, by score",
        Data(zs::zrangebyscore)
    ),
    cmd!(
        "zrevrangebyscore",
        -4,
        READONLY,
        range(1, 1, 1),
        ["read", "sortedset", "slow"],
        ["RO", "access"],
        "sorted-set",
        "2.2.0",
        "Return a range of members in a sorted set, by score, with scores ordered from high to low",
        Data(zs::zrevrangebyscore)
    ),
    cmd!(
        "zrangebylex",
        -4,
        READONLY,
        range(1, 1, 1),
        ["read", "sortedset", "slow"],
        ["RO", "access"],
        "sorted-set",
        "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range",
        Data(zs::zrangebylex)
    ),
    cmd!(
        "zrevrangebylex",
        -4,
        READONLY,
        range(1, 1, 1),
        ["read", "sortedset", "slow"],
        ["RO", "access"],
        "sorted-set",
        "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
        Data(zs::zrevrangebylex)
    ),
    cmd!(
        "zremrangebyrank",
        4,
        WRITE,
        range(1, 1, 1),
        ["write", "sortedset", "slow"],
        ["RW", "delete"],
        "sorted-set",
        "2.0.0",
        "Remove all members in a sorted set within the given indexes",
        Data(zs::zremrangebyrank)
    ),
    cmd!(
        "zremrangebyscore",
        4,
        WRITE,
        range(1, 1, 1),
        ["write", "sortedset", "slow"],
        ["RW", "delete"],
        "sorted-set",
        "1.2.0",
        "Remove all members in a sorted set within the given scores",
        Data(zs::zremrangebyscore)
    ),
    cmd!(
        "zremrangebylex",
        4,
        WRITE,
        range(1, 1, 1),
        ["write", "sortedset", "slow"],
        ["RW", "delete"],
        "sorted-set",
        "2.8.9",
        "Remove all members in a sorted set between the given lexicographical range",
        Data(zs::zremrangebylex)
    ),
    cmd!(
        "zpopmin",
        -2,
        WRITE | FAST,
        range(1, 1, 1),
        ["write", "sortedset", "fast"],
        ["RW", "access", "delete"],
        "sorted-set",
        "5.0.0",
        "Remove and return members with the lowest scores in a sorted set",
        Data(zs::zpopmin)
    ),
    cmd!(
        "zpopmax",
        -2,
        WRITE | FAST,
        range(1, 1, 1),
        ["write", "sortedset", "fast"],
        ["RW", "access", "delete"],
        "sorted-set",
        "5.0.0",
        "Remove and return members with the highest scores in a sorted set",
        Data(zs::zpopmax)
    ),
    cmd!(
        "zmpop",
        -4,
        WRITE | MOVABLEKEYS,
        Keys::Specs {
            legacy: (0, 0, 0),
            specs: &[KeySpec {
                flags: &["RW", "access", "delete"],
                begin: Begin::Index(1),
                find: Find::KeyNum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }]
        },
        ["write", "sortedset", "slow"],
        [],
        "sorted-set",
        "7.0.0",
        "Remove and return members with scores in a sorted set",
        Data(zs::zmpop)
    ),
    cmd!(
        "zrandmember",
        -2,
        READONLY,
        range(1, 1, 1),
        ["read", "sortedset", "slow"],
        ["RO", "access"],
        "sorted-set",
        "6.2.0",
        "Get one or multiple random elements from a sorted set",
        Data(zs::zrandmember)
    ),
    cmd!(
        "zunion",
        -3,
        READONLY | MOVABLEKEYS,
        Keys::Specs {
            legacy: (0, 0, 0),
            specs: &[KeySpec {
                flags: &["RO", "access"],
                begin: Begin::Index(1),
                find: Find::KeyNum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }]
        },
        ["read", "sortedset", "slow"],
        [],
        "sorted-set",
        "6.2.0",
        "Add multiple sorted sets",
        Data(zs::zunion)
    ),
    cmd!(
        "zinter",
        -3,
        READONLY | MOVABLEKEYS,
        Keys::Specs {
            legacy: (0, 0, 0),
            specs: &[KeySpec {
                flags: &["RO", "access"],
                begin: Begin::Index(1),
                find: Find::KeyNum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }]
        },
        ["read", "sortedset", "slow"],
        [],
        "sorted-set",
        "6.2.0",
        "Intersect multiple sorted sets",
        Data(zs::zinter)
    ),
    cmd!(
        "zdiff",
        -3,
        READONLY | MOVABLEKEYS,
        Keys::Specs {
            legacy: (0, 0, 0),
            specs: &[KeySpec {
                flags: &["RO", "access"],
                begin: Begin::Index(1),
                find: Find::KeyNum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }]
        },
        ["read", "sortedset", "slow"],
        [],
        "sorted-set",
        "6.2.0",
        "Subtract multiple sorted sets",
        Data(zs::zdiff)
    ),
    cmd!(
        "zunionstore",
        -4,
        WRITE | DENYOOM | MOVABLEKEYS,
        Keys::Specs {
            legacy: (1, 1, 1),
            specs: &[
                KeySpec {
                    flags: &["OW", "update"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(2),
                    find: Find::KeyNum {
                        keynumidx: 0,
                        firstkey: 1,
                        keystep: 1
                    }
                }
            ]
        },
        ["write", "sortedset", "slow"],
        [],
        "sorted-set",
        "2.0.0",
        "Add multiple sorted sets and store the resulting sorted set in a new key",
        Data(zs::zunionstore)
    ),
    cmd!(
        "zinterstore",
        -4,
        WRITE | DENYOOM | MOVABLEKEYS,
        Keys::Specs {
            legacy: (1, 1, 1),
            specs: &[
                KeySpec {
                    flags: &["OW", "update"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(2),
                    find: Find::KeyNum {
                        keynumidx: 0,
                        firstkey: 1,
                        keystep: 1
                    }
                }
            ]
        },
        ["write", "sortedset", "slow"],
        [],
        "sorted-set",
        "2.0.0",
        "Intersect multiple sorted sets and store the resulting sorted set in a new key",
        Data(zs::zinterstore)
    ),
    cmd!(
        "zdiffstore",
        -4,
        WRITE | DENYOOM | MOVABLEKEYS,
        Keys::Specs {
            legacy: (1, 1, 1),
            specs: &[
                KeySpec {
                    flags: &["OW", "update"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(2),
                    find: Find::KeyNum {
                        keynumidx: 0,
                        firstkey: 1,
                        keystep: 1
                    }
                }
            ]
        },
        ["write", "sortedset", "slow"],
        [],
        "sorted-set",
        "6.2.0",
        "Subtract multiple sorted sets and store the resulting sorted set in a new key",
        Data(zs::zdiffstore)
    ),
    cmd!(
        "zintercard",
        -3,
        READONLY | MOVABLEKEYS,
        Keys::Specs {
            legacy: (0, 0, 0),
            specs: &[KeySpec {
                flags: &["RO", "access"],
                begin: Begin::Index(1),
                find: Find::KeyNum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }]
        },
        ["read", "sortedset", "slow"],
        [],
        "sorted-set",
        "7.0.0",
        "Intersect multiple sorted sets and return the cardinality of the result",
        Data(zs::zintercard)
    ),
    cmd!(
        "zscan",
        -3,
        READONLY,
        range(1, 1, 1),
        ["read", "sortedset", "slow"],
        ["RO", "access"],
        "sorted-set",
        "2.8.0",
        "Incrementally iterate sorted sets elements and associated scores",
        Data(zs::zscan)
    ),
    // Blocking list and sorted set commands.
    cmd!(
        "blpop",
        -3,
        WRITE | NOSCRIPT | BLOCKING,
        range(1, -2, 1),
        ["write", "list", "slow", "blocking"],
        ["RW", "access", "delete"],
        "list",
        "2.0.0",
        "Remove and get the first element in a list, or block until one is available",
        Data(bl::blpop)
    ),
    cmd!(
        "brpop",
        -3,
        WRITE | NOSCRIPT | BLOCKING,
        range(1, -2, 1),
        ["write", "list", "slow", "blocking"],
        ["RW", "access", "delete"],
        "list",
        "2.0.0",
        "Remove and get the last element in a list, or block until one is available",
        Data(bl::brpop)
    ),
    cmd!(
        "blmove",
        6,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        Keys::Specs {
            legacy: (1, 2, 1),
            specs: &[
                KeySpec {
                    flags: &["RW", "access", "delete"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RW", "insert"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "list", "slow", "blocking"],
        [],
        "list",
        "6.2.0",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
        Data(bl::blmove)
    ),
    cmd!(
        "brpoplpush",
        4,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        Keys::Specs {
            legacy: (1, 2, 1),
            specs: &[
                KeySpec {
                    flags: &["RW", "access", "delete"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RW", "insert"],
                    begin: Begin::Index(2),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                }
            ]
        },
        ["write", "list", "slow", "blocking"],
        [],
        "list",
        "2.2.0",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
        Data(bl::brpoplpush)
    ),
    cmd!(
        "blmpop",
        -5,
        WRITE | BLOCKING | MOVABLEKEYS,
        Keys::Specs {
            legacy: (0, 0, 0),
            specs: &[KeySpec {
                flags: &["RW", "access", "delete"],
                begin: Begin::Index(2),
                find: Find::KeyNum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }]
        },
        ["write", "list", "slow", "blocking"],
        [],
        "list",
        "7.0.0",
        "Pop elements from a list, or block until one is available",
        Data(bl::blmpop)
    ),
    cmd!(
        "bzpopmin",
        -3,
        WRITE | NOSCRIPT | BLOCKING | FAST,
        range(1, -2, 1),
        ["write", "sortedset", "fast", "blocking"],
        ["RW", "access", "delete"],
        "sorted-set",
        "5.0.0",
        "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
        Data(bl::bzpopmin)
    ),
    cmd!(
        "bzpopmax",
        -3,
        WRITE | NOSCRIPT | BLOCKING | FAST,
        range(1, -2, 1),
        ["write", "sortedset", "fast", "blocking"],
        ["RW", "access", "delete"],
        "sorted-set",
        "5.0.0",
        "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
        Data(bl::bzpopmax)
    ),
    cmd!(
        "bzmpop",
        -5,
        WRITE | BLOCKING | MOVABLEKEYS,
        Keys::Specs {
            legacy: (0, 0, 0),
            specs: &[KeySpec {
                flags: &["RW", "access", "delete"],
                begin: Begin::Index(2),
                find: Find::KeyNum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }]
        },
        ["write", "sortedset", "slow", "blocking"],
        [],
        "sorted-set",
        "7.0.0",
        "Remove and return members with scores in a sorted set or block until one is available",
        Data(bl::bzmpop)
    ),
    // SORT.
    cmd!(
        "sort",
        -2,
        WRITE | DENYOOM | MOVABLEKEYS,
        Keys::Custom {
            legacy: (1, 1, 1),
            specs: &[
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Unknown,
                    find: Find::Unknown
                },
                KeySpec {
                    flags: &["OW", "update"],
                    begin: Begin::Unknown,
                    find: Find::Unknown
                }
            ],
            find: so::keys
        },
        ["write", "set", "sortedset", "list", "slow", "dangerous"],
        [],
        "generic",
        "1.0.0",
        "Sort the elements in a list, set or sorted set",
        DataUnlocked(so::sort)
    ),
    cmd!(
        "sort_ro",
        -2,
        READONLY | MOVABLEKEYS,
        Keys::Custom {
            legacy: (1, 1, 1),
            specs: &[
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Index(1),
                    find: Find::Range {
                        lastkey: 0,
                        keystep: 1,
                        limit: 0
                    }
                },
                KeySpec {
                    flags: &["RO", "access"],
                    begin: Begin::Unknown,
                    find: Find::Unknown
                }
            ],
            find: so::keys_ro
        },
        ["read", "set", "sortedset", "list", "slow", "dangerous"],
        [],
        "generic",
        "7.0.0",
        "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
        DataUnlocked(so::sort_ro)
    ),
    // Strings.
    cmd!(
        "get",
        2,
        READONLY | FAST,
        K1,
        ["read", "string", "fast"],
        ["RO", "access"],
        "string",
        "1.0.0",
        "Get the value of a key",
        Data(s::get)
    ),
    cmd!(
        "set",
        -3,
        RW,
        K1,
        ["write", "string", "slow"],
        ["RW", "access", "update", "variable_flags"],
        "string",
        "1.0.0",
        "Set the string value of a key",
        Data(s::set)
    ),
    cmd!(
        "setnx",
        3,
        RW | FAST,
        K1,
        ["write", "string", "fast"],
        ["OW", "insert"],
        "string",
        "1.0.0",
        "Set the value of a key, only if the key does not exist",
        Data(s::setnx)
    ),
    cmd!(
        "setex",
        4,
        RW,
        K1,
        ["write", "string", "slow"],
        ["OW", "update"],
        "string",
        "2.0.0",
        "Set the value and expiration of a key",
        Data(s::setex)
    ),
    cmd!(
        "psetex",
        4,
        RW,
        K1,
        ["write", "string", "slow"],
        ["OW", "update"],
        "string",
        "2.6.0",
        "Set the value and expiration in milliseconds of a key",
        Data(s::psetex)
    ),
    cmd!(
        "getset",
        3,
        RW | FAST,
        K1,
        ["write", "string", "fast"],
        ["RW", "access", "update"],
        "string",
        "1.0.0",
        "Set the string value of a key and return its old value",
        Data(s::getset)
    ),
    cmd!(
        "getdel",
        2,
        WRITE | FAST,
        K1,
        ["write", "string", "fast"],
        ["RW", "access", "delete"],
        "string",
        "6.2.0",
        "Get the value of a key and delete the key",
        Data(s::getdel)
    ),
    cmd!(
        "getex",
        -2,
        WRITE | FAST,
        K1,
        ["write", "string", "fast"],
        ["RW", "access", "update"],
        "string",
        "6.2.0",
        "Get the value of a key and optionally set its expiration",
        Data(s::getex)
    ),
    cmd!(
        "mget",
        -2,
        READONLY | FAST,
        KALL,
        ["read", "string", "fast"],
        ["RO", "access"],
        "string",
        "1.0.0",
        "Get the values of all the given keys",
        Data(s::mget)
    ),
    cmd!(
        "mset",
        -3,
        RW,
        range(1, -1, 2),
        ["write", "string", "slow"],
        ["OW", "update"],
        "string",
        "1.0.1",
        "Set multiple keys to multiple values",
        Data(s::mset)
    ),
    cmd!(
        "msetnx",
        -3,
        RW,
        range(1, -1, 2),
        ["write", "string", "slow"],
        ["OW", "insert"],
        "string",
        "1.0.1",
        "Set multiple keys to multiple values, only if none of the keys exist",
        Data(s::msetnx)
    ),
    cmd!(
        "append",
        3,
        RW | FAST,
        K1,
        ["write", "string", "fast"],
        ["RW", "insert"],
        "string",
        "2.0.0",
        "Append a value to a key",
        Data(s::append)
    ),
    cmd!(
        "strlen",
        2,
        READONLY | FAST,
        K1,
        ["read", "string", "fast"],
        ["RO"],
        "string",
        "2.2.0",
        "Get the length of the value stored in a key",
        Data(s::strlen)
    ),
    cmd!(
        "incr",
        2,
        RW | FAST,
        K1,
        ["write", "string", "fast"],
        ["RW", "access", "update"],
        "string",
        "1.0.0",
        "Increment the integer value of a key by one",
        Data(s::incr)
    ),
    cmd!(
        "decr",
        2,
        RW | FAST,
        K1,
        ["write", "string", "fast"],
        ["RW", "access", "update"],
        "string",
        "1.0.0",
        "Decrement the integer value of a key by one",
        Data(s::decr)
    ),
    cmd!(
        "incrby",
        3,
        RW | FAST,
        K1,
        ["write", "string", "fast"],
        ["RW", "access", "update"],
        "string",
        "1.0.0",
        "Increment the integer value of a key by the given amount",
        Data(s::incrby)
    ),
    cmd!(
        "decrby",
        3,
        RW | FAST,
        K1,
        ["write", "string", "fast"],
        ["RW", "access", "update"],
        "string",
        "1.0.0",
        "Decrement the integer value of a key by the given number",
        Data(s::decrby)
    ),
    cmd!(
        "incrbyfloat",
        3,
        RW | FAST,
        K1,
        ["write", "string", "fast"],
        ["RW", "access", "update"],
        "string",
        "2.6.0",
        "Increment the float value of a key by the given amount",
        Data(s::incrbyfloat)
    ),
    cmd!(
        "getrange",
        4,
        READONLY,
        K1,
        ["read", "string", "slow"],
        ["RO", "access"],
        "string",
        "2.4.0",
        "Get a substring of the string stored at a key",
        Data(s::getrange)
    ),
    cmd!(
        "substr",
        4,
        READONLY,
        K1,
        ["read", "string", "slow"],
        ["RO", "access"],
        "string",
        "1.0.0",
        "Get a substring of the string stored at a key",
        Data(s::getrange)
    ),
    cmd!(
        "setrange",
        4,
        RW,
        K1,
        ["write", "string", "slow"],
        ["RW", "update"],
        "string",
        "2.2.0",
        "Overwrite part of a string at key starting at the specified offset",
        Data(s::setrange)
    ),
    cmd!(
        "lcs",
        -3,
        READONLY,
        range(1, 2, 1),
        ["read", "string", "slow"],
        ["RO", "access"],
        "string",
        "7.0.0",
        "Find longest common substring",
        Data(s::lcs)
    ),
    // Generic keyspace.
    cmd!(
        "del",
        -2,
        WRITE,
        KALL,
        ["keyspace", "write", "slow"],
        ["RM", "delete"],
        "generic",
        "1.0.0",
        "Delete a key",
        Data(k::del)
    ),
    cmd!(
        "unlink",
        -2,
        WRITE | FAST,
        KALL,
        ["keyspace", "write", "fast"],
        ["RM", "delete"],
        "generic",
        "4.0.0",
        "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
        Data(k::del)
    ),
    cmd!(
        "exists",
        -2,
        READONLY | FAST,
        KALL,
        ["keyspace", "read", "fast"],
        ["RO"],
        "generic",
        "1.0.0",
        "Determine if a key exists",
        Data(k::exists)
    ),
    cmd!(
        "touch",
        -2,
        READONLY | FAST,
        KALL,
        ["keyspace", "read", "fast"],
        ["RO"],
        "generic",
        "3.2.1",
        "Alters the last access time of a key(s). Returns the number of existing keys specified.",
        Data(k::touch)
    ),
    cmd!(
        "type",
        2,
        READONLY | FAST,
        K1,
        ["keyspace", "read", "fast"],
        ["RO"],
        "generic",
        "1.0.0",
        "Determine the type stored at key",
        Data(k::type_)
    ),
    cmd!(
        "rename",
        3,
        WRITE,
        range(1, 2, 1),
        ["keyspace", "write", "slow"],
        ["RW", "access", "delete"],
        "generic",
        "1.0.0",
        "Rename a key",
        Data(k::rename)
    ),
    cmd!(
        "renamenx",
        3,
        WRITE | FAST,
        range(1, 2, 1),
        ["keyspace", "write", "fast"],
        ["RW", "access", "delete"],
        "generic",
        "1.0.0",
        "Rename a key, only if the new key does not exist",
        Data(k::renamenx)
    ),
    cmd!(
        "copy",
        -3,
        RW,
        range(1, 2, 1),
        ["keyspace", "write", "slow"],
        ["RO", "access"],
        "generic",
        "6.2.0",
        "Copy a key",
        DataUnlocked(k::copy)
    ),
    cmd!(
        "dump",
        2,
        READONLY,
        K1,
        ["keyspace", "read", "slow"],
        ["RO", "access"],
        "generic",
        "2.6.0",
        "Return a serialized version of the value stored at the specified key.",
        Data(dump::dump)
    ),
    cmd!(
        "restore",
        -4,
        RW,
        K1,
        ["keyspace", "write", "slow", "dangerous"],
        ["OW", "update"],
        "generic",
        "2.6.0",
        "Create a key using the provided serialized value, previously obtained using DUMP.",
        Data(dump::restore)
    ),
    cmd!(
        "move",
        3,
        WRITE | FAST,
        K1,
        ["keyspace", "write", "fast"],
        ["RW", "access", "delete"],
        "generic",
        "1.0.0",
        "Move a key to another database",
        DataUnlocked(k::move_)
    ),
    cmd!(
        "swapdb",
        3,
        WRITE | FAST,
        NOKEYS,
        ["keyspace", "write", "fast", "dangerous"],
        [],
        "server",
        "4.0.0",
        "Swaps two Redis databases",
        DataUnlocked(k::swapdb)
    ),
    cmd!(
        "expire",
        -3,
        WRITE | FAST,
        K1,
        ["keyspace", "write", "fast"],
        ["RW", "update"],
        "generic",
        "1.0.0",
        "Set a key's time to live in seconds",
        Data(k::expire)
    ),
    cmd!(
        "pexpire",
        -3,
        WRITE | FAST,
        K1,
        ["keyspace", "write", "fast"],
        ["RW", "update"],
        "generic",
        "2.6.0",
        "Set a key's time to live in milliseconds",
        Data(k::pexpire)
    ),
    cmd!(
        "expireat",
        -3,
        WRITE | FAST,
        K1,
        ["keyspace", "write", "fast"],
        ["RW", "update"],
        "generic",
        "1.2.0",
        "Set the expiration for a key as a UNIX timestamp",
        Data(k::expireat)
    ),
    cmd!(
        "pexpireat",
        -3,
        WRITE | FAST,
        K1,
        ["keyspace", "write", "fast"],
        ["RW", "update"],
        "generic",
        "2.6.0",
        "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
        Data(k::pexpireat)
    ),
    cmd!(
        "expiretime",
        2,
        READONLY | FAST,
        K1,
        ["keyspace", "read", "fast"],
        ["RO", "access"],
        "generic",
        "7.0.0",
        "Get the expiration Unix timestamp for a key",
        Data(k::expiretime)
    ),
    cmd!(
        "pexpiretime",
        2,
        READONLY | FAST,
        K1,
        ["keyspace", "read", "fast"],
        ["RO", "access"],
        "generic",
        "7.0.0",
        "Get the expiration Unix timestamp for a key in milliseconds",
        Data(k::pexpiretime)
    ),
    cmd!(
        "ttl",
        2,
        READONLY | FAST,
        K1,
        ["keyspace", "read", "fast"],
        ["RO", "access"],
        "generic",
        "1.0.0",
        "Get the time to live for a key in seconds",
        Data(k::ttl)
    ),
    cmd!(
        "pttl",
        2,
        READONLY | FAST,
        K1,
        ["keyspace", "read", "fast"],
        ["RO", "access"],
        "generic",
        "2.6.0",
        "Get the time to live for a key in milliseconds",
        Data(k::pttl)
    ),
    cmd!(
        "persist",
        2,
        WRITE | FAST,
        K1,
        ["keyspace", "write", "fast"],
        ["RW", "update"],
        "generic",
        "2.2.0",
        "Remove the expiration from a key",
        Data(k::persist)
    ),
    cmd!(
        "keys",
        2,
        READONLY,
        NOKEYS,
        ["keyspace", "read", "slow", "dangerous"],
        [],
        "generic",
        "1.0.0",
        "Find all keys matching the given pattern",
        DataUnlocked(k::keys)
    ),
    cmd!(
        "scan",
        -2,
        READONLY,
        NOKEYS,
        ["keyspace", "read", "slow"],
        [],
        "generic",
        "2.8.0",
        "Incrementally iterate the keys space",
        DataUnlocked(k::scan)
    ),
    cmd!(
        "randomkey",
        1,
        READONLY,
        NOKEYS,
        ["keyspace", "read", "slow"],
        [],
        "generic",
        "1.0.0",
        "Return a random key from the keyspace",
        DataUnlocked(k::randomkey)
    ),
    cmd!(
        "dbsize",
        1,
        READONLY | FAST,
        NOKEYS,
        ["keyspace", "read", "fast"],
        [],
        "server",
        "1.0.0",
        "Return the number of keys in the selected database",
        DataUnlocked(k::dbsize)
    ),
    cmd!(
        "flushdb",
        -1,
        WRITE,
        NOKEYS,
        ["keyspace", "write", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Remove all keys from the current database",
        DataUnlocked(k::flushdb)
    ),
    cmd!(
        "flushall",
        -1,
        WRITE,
        NOKEYS,
        ["keyspace", "write", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Remove all keys from all databases",
        Server(server_cmds::flushall)
    ),
    container!(
        "object",
        0,
        ["slow"],
        "generic",
        "2.2.3",
        "A container for object introspection commands",
        &[
            cmd!(
                "encoding",
                3,
                READONLY,
                range(2, 2, 1),
                ["keyspace", "read", "slow"],
                ["RO"],
                "generic",
                "2.2.3",
                "Inspect the internal encoding of a Redis object",
                Data(k::object)
            ),
            cmd!(
                "freq",
                3,
                READONLY,
                range(2, 2, 1),
                ["keyspace", "read", "slow"],
                ["RO"],
                "generic",
                "4.0.0",
                "Get the logarithmic access frequency counter of a Redis object",
                Data(k::object)
            ),
            cmd!(
                "idletime",
                3,
                READONLY,
                range(2, 2, 1),
                ["keyspace", "read", "slow"],
                ["RO"],
                "generic",
                "2.2.3",
                "Get the time since a Redis object was last accessed",
                Data(k::object)
            ),
            cmd!(
                "refcount",
                3,
                READONLY,
                range(2, 2, 1),
                ["keyspace", "read", "slow"],
                ["RO"],
                "generic",
                "2.2.3",
                "Get the number of references to the value of the key",
                Data(k::object)
            ),
            cmd!(
                "help",
                2,
                LOADING | STALE,
                NOKEYS,
                ["keyspace", "slow"],
                [],
                "generic",
                "6.2.0",
                "Show helpful text about the different subcommands",
                Server(server_cmds::object_help)
            ),
        ]
    ),
    // Connection.
    cmd!(
        "ping",
        -1,
        FAST | SENTINEL,
        NOKEYS,
        ["fast", "connection"],
        [],
        "connection",
        "1.0.0",
        "Ping the server",
        Server(connection_cmds::ping)
    ),
    cmd!(
        "echo",
        2,
        FAST,
        NOKEYS,
        ["fast", "connection"],
        [],
        "connection",
        "1.0.0",
        "Echo the given string",
        Server(connection_cmds::echo)
    ),
    cmd!(
        "hello",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
        NOKEYS,
        ["fast", "connection"],
        [],
        "connection",
        "6.0.0",
        "Handshake with Redis",
        Server(connection_cmds::hello)
    ),
    cmd!(
        "auth",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
        NOKEYS,
        ["fast", "connection"],
        [],
        "connection",
        "1.0.0",
        "Authenticate to the server",
        Server(connection_cmds::auth)
    ),
    cmd!(
        "select",
        2,
        LOADING | STALE | FAST,
        NOKEYS,
        ["fast", "connection"],
        [],
        "connection",
        "1.0.0",
        "Change the selected database for the current connection",
        Server(connection_cmds::select)
    ),
    cmd!(
        "quit",
        -1,
        ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH,
        NOKEYS,
        ["fast", "connection"],
        [],
        "connection",
        "1.0.0",
        "Close the connection",
        Server(connection_cmds::quit)
    ),
    cmd!(
        "reset",
        1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        NOKEYS,
        ["fast", "connection"],
        [],
        "connection",
        "6.2.0",
        "Reset the connection",
        Server(connection_cmds::reset)
    ),
    cmd!(
        "asking",
        1,
        FAST,
        NOKEYS,
        ["fast", "connection"],
        [],
        "cluster",
        "3.0.0",
        "Sent by cluster clients after an -ASK redirect",
        Server(cluster::asking)
    ),
    cmd!(
        "readonly",
        1,
        LOADING | STALE | FAST,
        NOKEYS,
        ["fast", "connection"],
        [],
        "cluster",
        "3.0.0",
        "Enables read queries for a connection to a cluster replica node",
        Server(cluster::readonly)
    ),
    cmd!(
        "readwrite",
        1,
        LOADING | STALE | FAST,
        NOKEYS,
        ["fast", "connection"],
        [],
        "cluster",
        "3.0.0",
        "Disables read queries for a connection to a cluster replica node",
        Server(cluster::readwrite)
    ),
    container!(
        "client",
        NOSCRIPT | LOADING | STALE,
        ["slow"],
        "connection",
        "2.4.0",
        "A container for client connection commands",
        &[
            cmd!(
                "id",
                2,
                NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "connection",
                "5.0.0",
                "Returns the client ID for the current connection",
                Server(connection_cmds::client_id)
            ),
            cmd!(
                "setname",
                3,
                NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "connection",
                "2.6.9",
                "Set the current connection name",
                Server(connection_cmds::client_setname)
            ),
            cmd!(
                "getname",
                2,
                NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "connection",
                "2.6.9",
                "Get the current connection name",
                Server(connection_cmds::client_getname)
            ),
            cmd!(
                "list",
                -2,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous", "connection"],
                [],
                "connection",
                "2.4.0",
                "Get the list of client connections",
                Server(connection_cmds::client_list)
            ),
            cmd!(
                "info",
                2,
                NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "connection",
                "6.2.0",
                "Returns information about the current client connection.",
                Server(connection_cmds::client_info)
            ),
            cmd!(
                "kill",
                -3,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous", "connection"],
                [],
                "connection",
                "2.4.0",
                "Kill the connection of a client",
                Server(connection_cmds::client_kill)
            ),
            cmd!(
                "setinfo",
                4,
                NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "connection",
                "7.2.0",
                "Sets information specific to the client or connection.",
                Server(connection_cmds::client_setinfo)
            ),
            cmd!(
                "reply",
                3,
                NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "connection",
                "3.2.0",
                "Instruct the server whether to reply to commands",
                Server(connection_cmds::client_reply)
            ),
            cmd!(
                "no-evict",
                3,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous", "connection"],
                [],
                "connection",
                "7.0.0",
                "Set client eviction mode for the current connection",
                Server(connection_cmds::client_no_evict)
            ),
            cmd!(
                "pause",
                -3,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous", "connection"],
                [],
                "connection",
                "2.9.50",
                "Stop processing commands from clients for some time",
                Server(connection_cmds::client_pause)
            ),
            cmd!(
                "unpause",
                2,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous", "connection"],
                [],
                "connection",
                "6.2.0",
                "Resume processing of clients that were paused",
                Server(connection_cmds::client_unpause)
            ),
            cmd!(
                "help",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "connection",
                "5.0.0",
                "Show helpful text about the different subcommands",
                Server(connection_cmds::client_help)
            ),
        ]
    ),
    // Server.
    container!(
        "command",
        LOADING | STALE,
        ["slow", "connection"],
        "server",
        "2.8.13",
        "Get array of Redis command details",
        &[
            cmd!(
                "count",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "server",
                "2.8.13",
                "Get total number of Redis commands",
                Server(server_cmds::command_count)
            ),
            cmd!(
                "info",
                -2,
                LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "server",
                "2.8.13",
                "Get array of specific Redis command details, or all when no argument is given.",
                Server(server_cmds::command_info)
            ),
            cmd!(
                "docs",
                -2,
                LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "server",
                "7.0.0",
                "Get array of specific Redis command documentation",
                Server(server_cmds::command_docs)
            ),
            cmd!(
                "list",
                -2,
                LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "server",
                "7.0.0",
                "Get an array of Redis command names",
                Server(server_cmds::command_list)
            ),
            cmd!(
                "getkeys",
                -4,
                LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "server",
                "2.8.13",
                "Extract keys given a full Redis command",
                Server(server_cmds::command_getkeys)
            ),
            cmd!(
                "getkeysandflags",
                -4,
                LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "server",
                "7.0.0",
                "Extract keys and access flags given a full Redis command",
                Server(server_cmds::command_getkeysandflags)
            ),
            cmd!(
                "help",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow", "connection"],
                [],
                "server",
                "5.0.0",
                "Show helpful text about the different subcommands",
                Server(server_cmds::command_help)
            ),
        ]
    ),
    container!(
        "config",
        0,
        ["slow"],
        "server",
        "2.0.0",
        "A container for server configuration commands",
        &[
            cmd!(
                "get",
                -3,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.0.0",
                "Get the values of configuration parameters",
                Server(server_cmds::config_get)
            ),
            cmd!(
                "set",
                -4,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.0.0",
                "Set configuration parameters to the given values",
                Server(server_cmds::config_set)
            ),
            cmd!(
                "resetstat",
                2,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.0.0",
                "Reset the stats returned by INFO",
                Server(server_cmds::config_resetstat)
            ),
            cmd!(
                "rewrite",
                2,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.8.0",
                "Rewrite the configuration file with the in memory configuration",
                Server(server_cmds::config_rewrite)
            ),
            cmd!(
                "help",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow"],
                [],
                "server",
                "5.0.0",
                "Show helpful text about the different subcommands",
                Server(server_cmds::config_help)
            ),
        ]
    ),
    cmd!(
        "info",
        -1,
        LOADING | STALE | SENTINEL,
        NOKEYS,
        ["slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Get information and statistics about the server",
        Server(server_cmds::info)
    ),
    cmd!(
        "time",
        1,
        LOADING | STALE | FAST,
        NOKEYS,
        ["fast"],
        [],
        "server",
        "2.6.0",
        "Return the current server time",
        Server(server_cmds::time)
    ),
    cmd!(
        "save",
        1,
        ADMIN | NOSCRIPT | NO_MULTI,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Synchronously save the dataset to disk",
        Server(server_cmds::save)
    ),
    cmd!(
        "psync",
        -3,
        ADMIN | NOSCRIPT | NO_MULTI,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "2.8.0",
        "Internal command used for replication",
        Server(replication_cmds::psync)
    ),
    cmd!(
        "sync",
        1,
        ADMIN | NOSCRIPT | NO_MULTI,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Internal command used for replication",
        Server(replication_cmds::sync)
    ),
    cmd!(
        "replconf",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY,
        NOKEYS,
        ["admin", "slow"],
        [],
        "server",
        "3.0.0",
        "An internal command for configuring the replication stream",
        Server(replication_cmds::replconf)
    ),
    cmd!(
        "replicaof",
        3,
        ADMIN | NOSCRIPT | STALE,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "5.0.0",
        "Make the server a replica of another instance, or promote it as master.",
        Server(replication_cmds::replicaof)
    ),
    cmd!(
        "slaveof",
        3,
        ADMIN | NOSCRIPT | STALE,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Make the server a replica of another instance, or promote it as master.",
        Server(replication_cmds::replicaof)
    ),
    cmd!(
        "role",
        1,
        NOSCRIPT | LOADING | STALE | FAST,
        NOKEYS,
        ["admin", "fast", "dangerous"],
        [],
        "server",
        "2.8.12",
        "Return the role of the instance in the context of replication",
        Server(replication_cmds::role)
    ),
    cmd!(
        "wait",
        3,
        NOSCRIPT,
        NOKEYS,
        ["slow", "connection"],
        [],
        "generic",
        "3.0.0",
        "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
        Server(replication_cmds::wait)
    ),
    cmd!(
        "bgsave",
        -1,
        ADMIN | NOSCRIPT,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Asynchronously save the dataset to disk",
        Server(server_cmds::bgsave)
    ),
    cmd!(
        "bgrewriteaof",
        1,
        ADMIN | NOSCRIPT,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Asynchronously rewrite the append-only file",
        Server(server_cmds::bgrewriteaof)
    ),
    cmd!(
        "lastsave",
        1,
        LOADING | STALE | FAST,
        NOKEYS,
        ["admin", "fast", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Get the UNIX time stamp of the last successful save to disk",
        Server(server_cmds::lastsave)
    ),
    cmd!(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Synchronously save the dataset to disk and then shut down the server",
        Server(server_cmds::shutdown)
    ),
    cmd!(
        "monitor",
        1,
        ADMIN | NOSCRIPT | LOADING | STALE,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "Listen for all requests received by the server in real time",
        Server(server_cmds::monitor)
    ),
    cmd!(
        "debug",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        NOKEYS,
        ["admin", "slow", "dangerous"],
        [],
        "server",
        "1.0.0",
        "A container for debugging commands",
        Server(server_cmds::debug)
    ),
    container!(
        "slowlog",
        0,
        ["slow"],
        "server",
        "2.2.12",
        "A container for slow log commands",
        &[
            cmd!(
                "get",
                -2,
                ADMIN | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.2.12",
                "Get the slow log's entries",
                Server(server_cmds::slowlog_get)
            ),
            cmd!(
                "len",
                2,
                ADMIN | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.2.12",
                "Get the slow log's length",
                Server(server_cmds::slowlog_len)
            ),
            cmd!(
                "reset",
                2,
                ADMIN | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.2.12",
                "Clear all entries from the slow log",
                Server(server_cmds::slowlog_reset)
            ),
            cmd!(
                "help",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow"],
                [],
                "server",
                "6.2.0",
                "Show helpful text about the different subcommands",
                Server(server_cmds::slowlog_help)
            ),
        ]
    ),
    container!(
        "latency",
        0,
        ["slow"],
        "server",
        "2.8.13",
        "A container for latency diagnostics commands",
        &[
            cmd!(
                "doctor",
                2,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.8.13",
                "Return a human readable latency analysis report.",
                Server(server_cmds::latency_doctor)
            ),
            cmd!(
                "latest",
                2,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.8.13",
                "Return the latest latency samples for all events.",
                Server(server_cmds::latency_latest)
            ),
            cmd!(
                "reset",
                -2,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.8.13",
                "Reset latency data for one or more events.",
                Server(server_cmds::latency_reset)
            ),
            cmd!(
                "graph",
                3,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.8.13",
                "Return a latency graph for the event.",
                Server(server_cmds::latency_graph)
            ),
            cmd!(
                "history",
                3,
                ADMIN | NOSCRIPT | LOADING | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "server",
                "2.8.13",
                "Return timestamp-latency samples for the event.",
                Server(server_cmds::latency_history)
            ),
            cmd!(
                "help",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow"],
                [],
                "server",
                "2.8.13",
                "Show helpful text about the different subcommands.",
                Server(server_cmds::latency_help)
            ),
        ]
    ),
    // Cluster.
    container!(
        "cluster",
        0,
        ["slow"],
        "cluster",
        "3.0.0",
        "A container for cluster commands",
        &[
            cmd!(
                "keyslot",
                3,
                STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "3.0.0",
                "Returns the hash slot of the specified key",
                Server(cluster::keyslot)
            ),
            cmd!(
                "countkeysinslot",
                3,
                STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "3.0.0",
                "Return the number of local keys in the specified hash slot",
                Server(cluster::countkeysinslot)
            ),
            cmd!(
                "getkeysinslot",
                4,
                STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "3.0.0",
                "Return local key names in the specified hash slot",
                Server(cluster::getkeysinslot)
            ),
            cmd!(
                "myid",
                2,
                STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "3.0.0",
                "Return the node id",
                Server(cluster::myid)
            ),
            cmd!(
                "info",
                2,
                STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "3.0.0",
                "Provides info about Redis Cluster node state",
                Server(cluster::info)
            ),
            cmd!(
                "nodes",
                2,
                STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "3.0.0",
                "Get Cluster config for the node",
                Server(cluster::nodes)
            ),
            cmd!(
                "slots",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "3.0.0",
                "Get array of Cluster slot to node mappings",
                Server(cluster::slots)
            ),
            cmd!(
                "shards",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "7.0.0",
                "Get array of cluster slots to node mappings",
                Server(cluster::shards)
            ),
            cmd!(
                "addslots",
                -3,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Assign new hash slots to receiving node",
                Server(cluster::addslots)
            ),
            cmd!(
                "addslotsrange",
                -4,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "7.0.0",
                "Assign new hash slots to receiving node",
                Server(cluster::addslotsrange)
            ),
            cmd!(
                "delslots",
                -3,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Set hash slots as unbound in receiving node",
                Server(cluster::delslots)
            ),
            cmd!(
                "delslotsrange",
                -4,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "7.0.0",
                "Set hash slots as unbound in receiving node",
                Server(cluster::delslotsrange)
            ),
            cmd!(
                "flushslots",
                2,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Delete a node's own slots information",
                Server(cluster::flushslots)
            ),
            cmd!(
                "set-config-epoch",
                3,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Set the configuration epoch in a new node",
                Server(cluster::set_config_epoch)
            ),
            cmd!(
                "bumpepoch",
                2,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Advance the cluster config epoch",
                Server(cluster::bumpepoch)
            ),
            cmd!(
                "saveconfig",
                2,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Forces the node to save cluster state on disk",
                Server(cluster::saveconfig)
            ),
            cmd!(
                "reset",
                -2,
                ADMIN | STALE | NOSCRIPT,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Reset a Redis Cluster node",
                Server(cluster::reset)
            ),
            cmd!(
                "meet",
                -4,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Force a node cluster to handshake with another node",
                Server(cluster::meet)
            ),
            cmd!(
                "forget",
                3,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Remove a node from the nodes table",
                Server(cluster::forget)
            ),
            cmd!(
                "replicate",
                3,
                ADMIN | STALE | NO_ASYNC,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Reconfigure a node as a replica of the specified master node",
                Server(cluster::replicate)
            ),
            cmd!(
                "replicas",
                3,
                ADMIN | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "5.0.0",
                "List replica nodes of the specified master node",
                Server(cluster::replicas)
            ),
            cmd!(
                "slaves",
                3,
                ADMIN | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "List replica nodes of the specified master node",
                Server(cluster::replicas)
            ),
            cmd!(
                "count-failure-reports",
                3,
                ADMIN | STALE,
                NOKEYS,
                ["admin", "slow", "dangerous"],
                [],
                "cluster",
                "3.0.0",
                "Return the number of failure reports active for a given node",
                Server(cluster::count_failure_reports)
            ),
            cmd!(
                "links",
                2,
                STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "7.0.0",
                "Returns a list of all TCP links to and from peer nodes in cluster",
                Server(cluster::links)
            ),
            cmd!(
                "myshardid",
                2,
                STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "7.2.0",
                "Returns the shard ID of a node.",
                Server(cluster::myshardid)
            ),
            cmd!(
                "help",
                2,
                LOADING | STALE,
                NOKEYS,
                ["slow"],
                [],
                "cluster",
                "5.0.0",
                "Show helpful text about the different subcommands",
                Server(cluster::help)
            ),
        ]
    ),
];

/// Redis's `no_async_loading` flag has no effect here; kept as a name for COMMAND.
const NO_ASYNC: u32 = 0;

/// COMMAND without a subcommand (the only container that runs without one).
pub static BARE_COMMAND: Command = Command {
    name: "command",
    arity: -1,
    flags: LOADING | STALE,
    keys: Keys::None,
    acl: &["slow", "connection"],
    key_flags: &[],
    group: "server",
    since: "2.8.13",
    summary: "Returns detailed information about all commands.",
    run: Run::Server(server_cmds::command),
    subcommands: &[],
};

/// Every runnable table entry with its parent container, for statistics.
pub fn all_entries() -> impl Iterator<Item = (&'static Command, Option<&'static Command>)> {
    COMMANDS
        .iter()
        .flat_map(|c| {
            std::iter::once((c, None)).chain(c.subcommands.iter().map(move |s| (s, Some(c))))
        })
        .chain(std::iter::once((&BARE_COMMAND, None)))
}

/// A command's full name (`get`, `cluster|info`), formatted only when needed.
#[derive(Clone, Copy)]
pub struct CommandName {
    pub parent: Option<&'static Command>,
    pub cmd: &'static Command,
}

impl std::fmt::Display for CommandName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.parent {
            Some(p) => write!(f, "{}|{}", p.name, self.cmd.name),
            None => f.write_str(self.cmd.name),
        }
    }
}

/// Finds a top-level command by name, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<&'static Command> {
    static INDEX: OnceLock<HashMap<&'static [u8], &'static Command>> = OnceLock::new();
    let index = INDEX.get_or_init(|| COMMANDS.iter().map(|c| (c.name.as_bytes(), c)).collect());
    let mut lower = [0u8; 32];
    if name.len() > lower.len() {
        return None;
    }
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    index.get(&lower[..name.len()]).copied()
}

/// The full name (`cluster|info`) of a command or subcommand, for error texts and stats.
pub fn full_name(parent: Option<&Command>, cmd: &Command) -> String {
    match parent {
        Some(p) => format!("{}|{}", p.name, cmd.name),
        None => cmd.name.to_string(),
    }
}

/// Resolves `args` to the entry that runs: the command, or the subcommand of a container.
/// `Err` carries Redis's error text for an unknown command or subcommand.
pub fn resolve_entry(args: &[Bytes]) -> Result<CommandName, String> {
    let Some((top, sub)) = resolve(args) else {
        return Err(unknown_command(args));
    };
    match (&top.run, sub) {
        (Run::Container, Some(s)) => Ok(CommandName {
            parent: Some(top),
            cmd: s,
        }),
        (Run::Container, None) if args.len() == 1 && top.name == "command" => Ok(CommandName {
            parent: None,
            cmd: &BARE_COMMAND,
        }),
        (Run::Container, None) if args.len() >= 2 => Err(format!(
            "ERR unknown subcommand '{}'. Try {} HELP.",
            truncated(&args[1], 128),
            top.name.to_uppercase()
        )),
        _ => Ok(CommandName {
            parent: None,
            cmd: top,
        }),
    }
}

/// At most `max` bytes of `b`, as text.
fn truncated(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&b[..b.len().min(max)]).into_owned()
}

/// Redis's "unknown command" text, with the first arguments quoted.
fn unknown_command(args: &[Bytes]) -> String {
    let Some(name) = args.first() else {
        return "ERR unknown command ''".to_string();
    };
    let mut listed = String::new();
    for a in &args[1..] {
        if listed.len() >= 128 {
            break;
        }
        let room = 128 - listed.len();
        listed.push('\'');
        listed.push_str(&truncated(a, room));
        listed.push_str("' ");
    }
    format!(
        "ERR unknown command '{}', with args beginning with: {}",
        truncated(name, 128),
        listed
    )
}

/// The command and (for containers) subcommand that `args` name, if both exist.
pub fn resolve(args: &[Bytes]) -> Option<(&'static Command, Option<&'static Command>)> {
    let top = lookup(args.first()?)?;
    if matches!(top.run, Run::Container) && args.len() >= 2 {
        return Some((top, top.subcommand(&args[1])));
    }
    Some((top, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lowercase() {
        let mut seen = std::collections::HashSet::new();
        for c in COMMANDS {
            assert_eq!(c.name, c.name.to_lowercase());
            assert!(seen.insert(c.name), "duplicate {}", c.name);
            for s in c.subcommands {
                assert_eq!(s.name, s.name.to_lowercase());
            }
        }
    }

    #[test]
    fn unknown_command_text_matches_redis() {
        let args: Vec<Bytes> = ["foo", "a", "b"].iter().map(|s| Bytes::from(*s)).collect();
        assert_eq!(
            resolve_entry(&args).err().unwrap(),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        assert_eq!(
            resolve_entry(&[Bytes::from("foo")]).err().unwrap(),
            "ERR unknown command 'foo', with args beginning with: "
        );
        assert_eq!(
            resolve_entry(&[Bytes::from("cluster"), Bytes::from("nope")])
                .err()
                .unwrap(),
            "ERR unknown subcommand 'nope'. Try CLUSTER HELP."
        );
    }

    #[test]
    fn key_positions_follow_ranges() {
        let mut out = Vec::new();
        let args = |n: usize| vec![Bytes::from_static(b"k"); n];
        lookup(b"MSET").unwrap().key_indices(&args(7), &mut out);
        assert_eq!(out, vec![1, 3, 5]);
        lookup(b"del").unwrap().key_indices(&args(4), &mut out);
        assert_eq!(out, vec![1, 2, 3]);
        lookup(b"ping").unwrap().key_indices(&args(2), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_count_that_does_not_fit_leaves_the_command_keyless_as_redis() {
        let mut out = Vec::new();
        let keys = |words: &str, out: &mut Vec<usize>| {
            let args: Vec<Bytes> = words
                .split(' ')
                .map(|w| Bytes::copy_from_slice(w.as_bytes()))
                .collect();
            lookup(&args[0]).unwrap().key_indices(&args, out);
        };
        keys("zunionstore d 2 a b", &mut out);
        assert_eq!(out, vec![1, 3, 4]);
        // Too many, zero, negative or no count: no keys at all, the store key included.
        for bad in ["9", "0", "-1", "x", "99999999999"] {
            keys(&format!("zdiffstore d {bad} a b"), &mut out);
            assert!(out.is_empty(), "numkeys {bad}: {out:?}");
        }
        // Redis reads the count with atoi: trailing junk and leading blanks are ignored.
        keys("zunionstore d 1abc a", &mut out);
        assert_eq!(out, vec![1, 3]);
        keys("lmpop 2x a b left", &mut out);
        assert_eq!(out, vec![2, 3]);
    }
}
