//! Shared helpers: reply constructors, expectation checks, running one check against both
//! Redis and Tessera, and datasets ([`Script`], [`every_type_dataset`]) with the ways to
//! compare two servers' data ([`digest`], [`dbsizes`], [`differing_values`]).
//!
//! Most expectations in this suite are run against Debian's `redis-server` first and then
//! against `tessera-server` ([`on_both`]): the Redis run proves the expectation is Redis's
//! behaviour, the Tessera run that we match it.

use anyhow::{Context as _, bail, ensure};
use bytes::Bytes;
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};
use resp::Frame;
use test_harness::{Client, Server, ServerKind};

/// Arguments every server in this suite gets, so tests may use DEBUG.
pub const DEBUG_ENABLED: [&str; 2] = ["--enable-debug-command", "yes"];

pub fn ok() -> Frame {
    Frame::Simple(Bytes::from_static(b"OK"))
}

pub fn simple(text: &str) -> Frame {
    Frame::Simple(Bytes::copy_from_slice(text.as_bytes()))
}

pub fn bulk(bytes: impl AsRef<[u8]>) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(bytes.as_ref()))
}

pub fn int(value: i64) -> Frame {
    Frame::Integer(value)
}

pub fn err(text: &str) -> Frame {
    Frame::Error(Bytes::copy_from_slice(text.as_bytes()))
}

pub fn nil() -> Frame {
    Frame::Null
}

pub fn array(items: Vec<Frame>) -> Frame {
    Frame::Array(items)
}

/// `ERR wrong number of arguments for '<command>' command`.
pub fn arity(command: &str) -> Frame {
    err(&format!(
        "ERR wrong number of arguments for '{command}' command"
    ))
}

/// `ERR invalid expire time in '<command>' command`.
pub fn invalid_expire(command: &str) -> Frame {
    err(&format!("ERR invalid expire time in '{command}' command"))
}

pub fn not_integer() -> Frame {
    err("ERR value is not an integer or out of range")
}

pub fn syntax() -> Frame {
    err("ERR syntax error")
}

/// Sends `args` and fails unless the reply is `want`.
pub fn expect_args<A: AsRef<[u8]>>(
    client: &mut Client,
    args: &[A],
    want: Frame,
) -> anyhow::Result<()> {
    let got = client.cmd(args)?;
    if got != want {
        let shown: Vec<String> = args
            .iter()
            .map(|a| String::from_utf8_lossy(a.as_ref()).into_owned())
            .collect();
        bail!("{shown:?}: expected {want}, got {got}");
    }
    Ok(())
}

/// [`expect_args`] for a command written as space-separated words (no spaces or empty
/// arguments inside).
pub fn expect(client: &mut Client, line: &str, want: Frame) -> anyhow::Result<()> {
    let args: Vec<&str> = line.split_whitespace().collect();
    expect_args(client, &args, want)
}

/// Runs `check` against a fresh Redis and then a fresh Tessera (both standalone, DEBUG
/// enabled), naming the server that failed.
pub fn on_both(check: impl Fn(&Server, &mut Client) -> anyhow::Result<()>) -> anyhow::Result<()> {
    on_both_with(&[], check)
}

/// [`on_both`] with extra server arguments.
pub fn on_both_with(
    extra_args: &[&str],
    check: impl Fn(&Server, &mut Client) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let args: Vec<&str> = DEBUG_ENABLED.iter().chain(extra_args).copied().collect();
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let server = Server::start(kind, &args)?;
        let mut client = server.client()?;
        check(&server, &mut client).with_context(|| format!("against {kind:?}"))?;
    }
    Ok(())
}

/// A bulk reply's bytes as text.
pub fn bulk_text(frame: &Frame) -> anyhow::Result<String> {
    match frame {
        Frame::Bulk(bytes) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        other => bail!("expected a bulk string, got {other}"),
    }
}

/// An integer reply's value.
pub fn integer(frame: &Frame) -> anyhow::Result<i64> {
    match frame {
        Frame::Integer(value) => Ok(*value),
        other => bail!("expected an integer, got {other}"),
    }
}

/// The databases a server has by default.
pub const DATABASES: usize = 16;

// --- datasets -----------------------------------------------------------------------------

/// Commands to send in order, each a list of arguments.
#[derive(Debug, Default)]
pub struct Script(pub Vec<Vec<Vec<u8>>>);

impl Script {
    pub fn push<A: AsRef<[u8]>>(&mut self, args: impl IntoIterator<Item = A>) {
        self.0
            .push(args.into_iter().map(|a| a.as_ref().to_vec()).collect());
    }

    /// `command key items...`.
    pub fn push_items(
        &mut self,
        command: &str,
        key: &str,
        items: impl IntoIterator<Item = String>,
    ) {
        let mut args = vec![command.as_bytes().to_vec(), key.as_bytes().to_vec()];
        args.extend(items.into_iter().map(String::into_bytes));
        self.0.push(args);
    }

    /// Sends every command (pipelined in batches) and fails on the first error reply.
    pub fn run(&self, client: &mut Client) -> anyhow::Result<()> {
        for batch in self.0.chunks(64) {
            let replies = client.pipeline(batch)?;
            for (command, reply) in batch.iter().zip(&replies) {
                if let Frame::Error(message) = reply {
                    bail!(
                        "{} ...: {}",
                        String::from_utf8_lossy(&command[..command.len().min(2)].concat()),
                        String::from_utf8_lossy(message)
                    );
                }
            }
        }
        Ok(())
    }
}

/// `len` random letters and digits: text LZF cannot shorten.
pub fn random_text(rng: &mut SmallRng, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// `prefix0`, `prefix1`, ... `prefix<n-1>`.
pub fn numbered(prefix: &str, n: usize) -> impl Iterator<Item = String> + '_ {
    (0..n).map(move |i| format!("{prefix}{i}"))
}

/// `n` score-member pairs: `i * step` and `prefix<i>`.
pub fn scored(prefix: &str, n: usize, step: f64) -> impl Iterator<Item = String> + '_ {
    (0..n).flat_map(move |i| [(i as f64 * step).to_string(), format!("{prefix}{i}")])
}

/// `n` field-value pairs `prefix<i>` / `value-<i>`.
pub fn fields(prefix: &str, n: usize) -> impl Iterator<Item = String> + '_ {
    (0..n).flat_map(move |i| [format!("{prefix}{i}"), format!("value-{i}")])
}

/// Every type in its small and its large encoding under Redis 7.0's defaults (strings as
/// int, embstr and raw, short and LZF-compressible; lists of one and of several quicklist
/// nodes; intsets, hashtable sets; listpack and skiplist sorted sets with infinite scores and
/// a `-0` score; listpack and hashtable hashes), keys with TTLs, and keys in databases 0, 3
/// and 15.
pub fn every_type_dataset() -> Script {
    let mut rng = SmallRng::seed_from_u64(0x7e55_e7a0);
    let mut s = Script::default();
    let strings = [
        ("str:int", "12345".to_string()),
        ("str:negative", "-987654321".into()),
        ("str:int64-max", i64::MAX.to_string()),
        ("str:int64-min", i64::MIN.to_string()),
        ("str:leading-zero", "007".into()),
        ("str:embstr", "hello world".into()),
        ("str:float", "3.14159".into()),
        ("str:empty", String::new()),
        ("str:20-bytes", "a".repeat(20)),
        ("str:21-bytes", "a".repeat(21)),
        ("str:embstr-44", "e".repeat(44)),
        ("str:raw-45", random_text(&mut rng, 45)),
        ("str:raw-random", random_text(&mut rng, 300)),
        ("str:compressible", "abc".repeat(40)),
        ("str:long-compressible", "tessera ".repeat(2500)),
    ];
    for (key, value) in &strings {
        s.push(["SET", key, value.as_str()]);
    }
    let binary: Vec<u8> = (0..=255u8).rev().collect();
    s.push([&b"SET"[..], &b"str:binary"[..], &binary[..]]);
    s.push(["APPEND", "str:appended", "short"]);
    s.push(["SETRANGE", "str:setrange", "30", "tail"]);
    s.push(["INCRBYFLOAT", "str:incrbyfloat", "10.5"]);

    s.push([
        "RPUSH",
        "list:small",
        "a",
        "1",
        "-2",
        "hello",
        "9223372036854775807",
        "",
    ]);
    s.push_items("RPUSH", "list:200", numbered("element-", 200));
    s.push_items(
        "RPUSH",
        "list:ints",
        (0..300).map(|i| (i * 7919 - 100_000).to_string()),
    );
    let long_elements: Vec<String> = (0..6).map(|_| random_text(&mut rng, 3000)).collect();
    s.push_items("RPUSH", "list:long-elements", long_elements);
    s.push(["RPUSH", "list:huge-element", &"h".repeat(20_000), "small"]);
    s.push([
        "LPUSH",
        "list:compressible",
        &"z".repeat(100),
        &"y".repeat(100),
    ]);

    s.push([
        "SADD",
        "set:intset",
        "1",
        "2",
        "3",
        "-5",
        "100000",
        "4294967296",
    ]);
    s.push_items(
        "SADD",
        "set:intset-512",
        (0..512).map(|i| (i * 3).to_string()),
    );
    s.push_items("SADD", "set:ints-600", (0..600).map(|i| i.to_string()));
    s.push(["SADD", "set:strings", "a", "b", "c"]);
    s.push(["SADD", "set:mixed", "1", "two", "3"]);
    s.push_items("SADD", "set:strings-300", numbered("member-", 300));

    s.push([
        "ZADD",
        "zset:small",
        "1",
        "a",
        "2.5",
        "b",
        "-3",
        "c",
        "0",
        "zero",
    ]);
    s.push([
        "ZADD", "zset:inf", "inf", "top", "-inf", "bottom", "0", "zero", "1e300", "huge",
    ]);
    s.push_items("ZADD", "zset:128", scored("m", 128, 0.5));
    s.push_items(
        "ZADD",
        "zset:200-with-inf",
        scored("member-", 200, 1.25)
            .chain(["+inf", "plus-infinity", "-inf", "minus-infinity"].map(String::from)),
    );
    s.push([
        "ZADD",
        "zset:long-member",
        "1",
        &"m".repeat(70),
        "2",
        "short",
    ]);

    s.push(["HSET", "hash:small", "f1", "v1", "f2", "2", "f3", "-3"]);
    s.push_items("HSET", "hash:512", fields("field-", 512));
    s.push_items("HSET", "hash:600", fields("field-", 600));
    s.push([
        "HSET",
        "hash:long-value",
        "f",
        "short",
        "long",
        &random_text(&mut rng, 100),
    ]);
    s.push(["HSET", "hash:long-field", &"f".repeat(80), "v", "g", "w"]);

    s.push(["SET", "ttl:string", "v", "EX", "1000"]);
    s.push_items("RPUSH", "ttl:list", numbered("x", 150));
    s.push(["EXPIRE", "ttl:list", "2000"]);
    s.push_items("HSET", "ttl:hash-600", fields("f", 600));
    s.push(["PEXPIRE", "ttl:hash-600", "3000000"]);
    s.push(["ZADD", "ttl:zset", "1", "a"]);
    s.push(["EXPIREAT", "ttl:zset", "4102444800"]);
    s.push(["SADD", "ttl:set", "1", "2"]);
    s.push(["PEXPIREAT", "ttl:set", "4102444800123"]);

    s.push(["SELECT", "3"]);
    s.push(["SET", "db3:string", "in db 3"]);
    s.push_items("RPUSH", "db3:list", numbered("l", 10));
    s.push_items("ZADD", "db3:zset-200", scored("z", 200, -1.5));
    s.push(["HSET", "db3:hash", "f", "v"]);
    s.push(["EXPIRE", "db3:hash", "5000"]);
    s.push(["SELECT", "15"]);
    s.push(["SET", "db15:string", "12"]);
    s.push_items("SADD", "db15:set-700", numbered("s", 700));
    s.push(["SET", "str:int", "the same name as a key of db 0"]);
    s.push(["SELECT", "0"]);
    s
}

/// `DEBUG DIGEST`, which must not be the empty dataset's.
pub fn digest(client: &mut Client) -> anyhow::Result<String> {
    match client.cmd(&["DEBUG", "DIGEST"])? {
        Frame::Simple(text) => {
            let text = String::from_utf8_lossy(&text).into_owned();
            ensure!(text != "0".repeat(40), "DEBUG DIGEST of an empty dataset");
            Ok(text)
        }
        other => bail!("DEBUG DIGEST answered {other}"),
    }
}

/// DBSIZE of every database (the connection is left in database 0).
pub fn dbsizes(client: &mut Client) -> anyhow::Result<Vec<i64>> {
    let mut sizes = Vec::with_capacity(DATABASES);
    for db in 0..DATABASES {
        expect(client, &format!("SELECT {db}"), ok())?;
        sizes.push(integer(&client.cmd(&["DBSIZE"])?)?);
    }
    expect(client, "SELECT 0", ok())?;
    Ok(sizes)
}

/// The keys of the selected database, sorted.
pub fn sorted_keys(client: &mut Client) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut keys: Vec<Vec<u8>> = match client.cmd(&["KEYS", "*"])? {
        Frame::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Frame::Bulk(key) => Ok(key.to_vec()),
                other => bail!("KEYS answered an item {other}"),
            })
            .collect::<anyhow::Result<_>>()?,
        other => bail!("KEYS answered {other}"),
    };
    keys.sort();
    Ok(keys)
}

/// `db:key` of every key whose DEBUG DIGEST-VALUE differs between `a` and `b`, or that only
/// one of them has (the connections are left in database 0).
pub fn differing_values(a: &mut Client, b: &mut Client) -> anyhow::Result<Vec<String>> {
    let mut differing = Vec::new();
    for db in 0..DATABASES {
        let select = format!("SELECT {db}");
        expect(a, &select, ok())?;
        expect(b, &select, ok())?;
        let mut keys = sorted_keys(a)?;
        keys.extend(sorted_keys(b)?);
        keys.sort();
        keys.dedup();
        for key in keys {
            let args: [&[u8]; 3] = [b"DEBUG", b"DIGEST-VALUE", &key];
            if a.cmd(&args)? != b.cmd(&args)? {
                differing.push(format!("{db}:{}", lossy(&key)));
            }
        }
    }
    expect(a, "SELECT 0", ok())?;
    expect(b, "SELECT 0", ok())?;
    Ok(differing)
}

pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
