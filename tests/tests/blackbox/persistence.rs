//! Persistence: dump files and DUMP payloads exchanged with Debian's redis-server 7.0 both
//! ways (redis-check-rdb, DEBUG DIGEST, DBSIZE per database, OBJECT ENCODING, TTLs), RESTORE's
//! options and errors beside Redis, BGSAVE while 50 clients write (each slot captured at one
//! instant), `-LOADING` while a large dump loads, the save rules, SHUTDOWN / SIGTERM /
//! `kill -9`, stop-writes-on-bgsave-error (MISCONF) beside Redis, corrupt, truncated and
//! unsupported dumps refused at startup, DEBUG RELOAD and FLUSHALL with save rules. Also a
//! ZADD beside Redis that the digest comparisons caught storing a `-0` score differently.
//!
//! The dataset (`support::every_type_dataset`) holds every type in its small and large encodings,
//! keys with TTLs, and keys in databases 0, 3 and 15.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use resp::Frame;
use test_harness::{Client, Server, ServerExited, ServerKind, TempDir, encode_command, wait_until};

use crate::support::*;

/// How long a background save or a save rule may take to show its effect.
pub(crate) const SAVE_TIMEOUT: Duration = Duration::from_secs(30);

/// Redis 7.0's reply to a command that does not run while the dump loads.
pub(crate) const LOADING: &str = "LOADING Redis is loading the dataset in memory";

/// Redis 7.0's `-MISCONF` error (`writeCommandsGetDiskErrorMessage`), without the dash.
const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently \
                       unable to persist to disk. Commands that may modify the data set are \
                       disabled, because this instance is configured to report errors during \
                       writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). \
                       Please check the Redis logs for details about the RDB error.";

// --- reading servers ---------------------------------------------------------------------

/// The server arguments: DEBUG enabled, then `extra`.
pub(crate) fn with_debug<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    DEBUG_ENABLED.iter().chain(extra).copied().collect()
}

/// A field of `INFO persistence`.
pub(crate) fn persistence_field(client: &mut Client, name: &str) -> anyhow::Result<String> {
    let info = bulk_text(&client.cmd(&["INFO", "persistence"])?)?;
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map(|value| value.trim().to_string())
        .with_context(|| format!("no {name} in INFO persistence:\n{info}"))
}

/// A new directory holding a copy of `dump` as `dump.rdb`, for a server started in it.
fn dir_with_dump(label: &str, dump: &Path) -> anyhow::Result<TempDir> {
    let dir = TempDir::new(label)?;
    std::fs::copy(dump, dir.path().join("dump.rdb"))
        .with_context(|| format!("copying {}", dump.display()))?;
    Ok(dir)
}

/// Runs `redis-check-rdb` on `path`; fails unless it exits 0 saying the file looks OK.
/// Returns what it printed.
fn redis_check_rdb(path: &Path) -> anyhow::Result<String> {
    let output = Command::new("redis-check-rdb")
        .arg(path)
        .output()
        .context("running redis-check-rdb (Debian's redis-tools)")?;
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    ensure!(
        output.status.success() && printed.contains("RDB looks OK"),
        "redis-check-rdb {}: {}\n{printed}",
        path.display(),
        output.status
    );
    Ok(printed)
}

/// Waits until no background save runs and the last one ended with `status` (`ok`/`err`).
fn wait_for_bgsave(client: &mut Client, status: &str) -> anyhow::Result<()> {
    wait_until(
        SAVE_TIMEOUT,
        &format!("BGSAVE to end with {status}"),
        || {
            Ok(persistence_field(client, "rdb_bgsave_in_progress")? == "0"
                && persistence_field(client, "rdb_last_bgsave_status")? == status)
        },
    )
}

/// `count` keys `filler:<i>` written with pipelined MSETs.
pub(crate) fn fill(client: &mut Client, count: usize) -> anyhow::Result<()> {
    const PER_MSET: usize = 1000;
    let mut script = Script::default();
    for start in (0..count).step_by(PER_MSET) {
        let mut args = vec![b"MSET".to_vec()];
        for i in start..(start + PER_MSET).min(count) {
            args.push(format!("filler:{i}").into_bytes());
            args.push(format!("value-{i}").into_bytes());
        }
        script.0.push(args);
    }
    script.run(client)
}

/// The exit of a server start that was meant to fail.
pub(crate) fn startup_failure(result: anyhow::Result<Server>) -> anyhow::Result<ServerExited> {
    match result {
        Ok(server) => bail!("the server started; its log:\n{}", server.log()),
        Err(error) => error
            .downcast::<ServerExited>()
            .map_err(|other| other.context("the start failed but not by the process exiting")),
    }
}

// --- 1. Tessera's dump in redis-check-rdb and redis-server --------------------------------

/// Tessera saves the dataset with LZF and a CRC64 trailer (`defaults`) or with neither;
/// redis-check-rdb accepts the file and Redis loads it to the same digest and the same
/// DBSIZE in every database.
fn tessera_dump_loads_in_redis(defaults: bool) -> anyhow::Result<()> {
    let options: &[&str] = if defaults {
        &[]
    } else {
        &["--rdbcompression", "no", "--rdbchecksum", "no"]
    };
    let tessera = Server::start(ServerKind::Tessera, &with_debug(options))?;
    let mut t = tessera.client()?;
    every_type_dataset().run(&mut t)?;
    let want_digest = digest(&mut t)?;
    let want_sizes = dbsizes(&mut t)?;
    expect(&mut t, "SAVE", ok())?;
    let dump = tessera.dir().join("dump.rdb");
    let bytes = std::fs::read(&dump)?;
    let plain_text = bytes.windows(16).any(|w| w == b"tessera tessera ");
    ensure!(
        plain_text != defaults,
        "compression: {defaults}, plain text: {plain_text}"
    );
    let checksum = bytes
        .get(bytes.len().saturating_sub(8)..)
        .unwrap_or_default();
    ensure!(
        checksum.iter().any(|&b| b != 0) == defaults,
        "checksums: {defaults}, trailer {checksum:?}"
    );

    let checked = redis_check_rdb(&dump)?;
    let keys: i64 = want_sizes.iter().sum();
    ensure!(
        checked.contains(&format!("[info] {keys} keys read")),
        "redis-check-rdb did not read {keys} keys:\n{checked}"
    );

    let dir = dir_with_dump("redis-on-tessera-dump", &dump)?;
    let redis = Server::start_in(ServerKind::Redis, dir.path(), &DEBUG_ENABLED)?;
    let mut r = redis.client()?;
    ensure!(digest(&mut r)? == want_digest, "DEBUG DIGEST differs");
    ensure!(dbsizes(&mut r)? == want_sizes, "DBSIZE differs");
    ensure!(want_sizes[3] > 0 && want_sizes[15] > 0, "{want_sizes:?}");
    Ok(())
}

#[test]
fn tessera_dump_passes_redis_check_rdb_and_loads_in_redis() -> anyhow::Result<()> {
    tessera_dump_loads_in_redis(true)
}

#[test]
fn tessera_dump_without_compression_or_checksum_loads_in_redis() -> anyhow::Result<()> {
    tessera_dump_loads_in_redis(false)
}

// --- 2. Redis's dump in Tessera -----------------------------------------------------------

#[test]
fn redis_dump_loads_in_tessera_with_the_same_encodings_and_ttls() -> anyhow::Result<()> {
    let redis = Server::start(ServerKind::Redis, &DEBUG_ENABLED)?;
    let mut r = redis.client()?;
    every_type_dataset().run(&mut r)?;
    expect(&mut r, "SAVE", ok())?;
    let dir = dir_with_dump("tessera-on-redis-dump", &redis.dir().join("dump.rdb"))?;
    let tessera = Server::start_in(ServerKind::Tessera, dir.path(), &DEBUG_ENABLED)?;
    let mut t = tessera.client()?;
    // The reference is Redis after loading the same file (loading picks encodings anew:
    // a string made raw by APPEND comes back embstr, say).
    expect(&mut r, "DEBUG RELOAD NOSAVE", ok())?;
    ensure!(digest(&mut t)? == digest(&mut r)?, "DEBUG DIGEST differs");

    let mut compared = 0;
    for db in 0..DATABASES {
        let select = format!("SELECT {db}");
        expect(&mut r, &select, ok())?;
        expect(&mut t, &select, ok())?;
        let keys = sorted_keys(&mut r)?;
        ensure!(sorted_keys(&mut t)? == keys, "db {db}: the keys differ");
        for key in &keys {
            let name = lossy(key);
            let encoding: [&[u8]; 3] = [b"OBJECT", b"ENCODING", key];
            let (want, got) = (r.cmd(&encoding)?, t.cmd(&encoding)?);
            ensure!(got == want, "db {db} {name}: encoding {got}, Redis {want}");
            let expire: [&[u8]; 2] = [b"PEXPIRETIME", key];
            let (want, got) = (r.cmd(&expire)?, t.cmd(&expire)?);
            ensure!(
                got == want,
                "db {db} {name}: PEXPIRETIME {got}, Redis {want}"
            );
            let ttl: [&[u8]; 2] = [b"TTL", key];
            let (want, got) = (integer(&r.cmd(&ttl)?)?, integer(&t.cmd(&ttl)?)?);
            ensure!(
                (got - want).abs() <= 1,
                "db {db} {name}: TTL {got}, Redis {want}"
            );
            compared += 1;
        }
    }
    ensure!(compared > 50, "only {compared} keys compared");
    Ok(())
}

// --- 3. DUMP and RESTORE ------------------------------------------------------------------

/// The key's expiry as RESTORE arguments: `(ttl, absttl)`.
fn restore_ttl(client: &mut Client, key: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    let at = integer(&client.cmd(&[&b"PEXPIRETIME"[..], key])?)?;
    Ok(if at > 0 {
        vec![at.to_string().into_bytes(), b"ABSTTL".to_vec()]
    } else {
        vec![b"0".to_vec()]
    })
}

/// DUMP `key` on `from`, RESTORE it on `to` with its expiry; the value digests agree.
fn carry_key(from: &mut Client, to: &mut Client, key: &[u8]) -> anyhow::Result<()> {
    let payload = match from.cmd(&[&b"DUMP"[..], key])? {
        Frame::Bulk(payload) => payload.to_vec(),
        other => bail!("DUMP {}: {other}", lossy(key)),
    };
    let ttl = restore_ttl(from, key)?;
    let mut restore = vec![b"RESTORE".to_vec(), key.to_vec(), ttl[0].clone(), payload];
    restore.extend(ttl.into_iter().skip(1));
    let reply = to.cmd(&restore)?;
    ensure!(reply == ok(), "RESTORE {}: {reply}", lossy(key));
    let digest_value: [&[u8]; 3] = [b"DEBUG", b"DIGEST-VALUE", key];
    let (want, got) = (from.cmd(&digest_value)?, to.cmd(&digest_value)?);
    ensure!(
        got == want,
        "{}: DIGEST-VALUE {got} after RESTORE, {want} at the source",
        lossy(key)
    );
    Ok(())
}

#[test]
fn dump_payloads_restore_across_redis_and_tessera_both_ways() -> anyhow::Result<()> {
    let start = |kind| Server::start(kind, &DEBUG_ENABLED);
    let (redis, tessera) = (start(ServerKind::Redis)?, start(ServerKind::Tessera)?);
    let (redis_copy, tessera_copy) = (start(ServerKind::Redis)?, start(ServerKind::Tessera)?);
    let (mut r, mut t) = (redis.client()?, tessera.client()?);
    let (mut r_copy, mut t_copy) = (redis_copy.client()?, tessera_copy.client()?);
    let dataset = every_type_dataset();
    dataset.run(&mut r)?;
    dataset.run(&mut t)?;
    let want = digest(&mut r)?;
    if digest(&mut t)? != want {
        bail!(
            "the same commands gave different datasets: {:?}",
            differing_values(&mut r, &mut t)?
        );
    }

    let mut carried = 0;
    for db in 0..DATABASES {
        let select = format!("SELECT {db}");
        for client in [&mut r, &mut t, &mut r_copy, &mut t_copy] {
            expect(client, &select, ok())?;
        }
        for key in sorted_keys(&mut t)? {
            carry_key(&mut t, &mut r_copy, &key).context("Tessera to Redis")?;
            carry_key(&mut r, &mut t_copy, &key).context("Redis to Tessera")?;
            carried += 1;
        }
    }
    ensure!(carried > 50, "only {carried} keys carried");
    ensure!(digest(&mut r_copy)? == want, "Redis's copy differs");
    ensure!(digest(&mut t_copy)? == want, "Tessera's copy differs");
    Ok(())
}

/// `body` with a DUMP footer: RDB version `version` and a CRC64 over both.
fn with_footer(body: &[u8], version: u16) -> Vec<u8> {
    let mut payload = body.to_vec();
    payload.extend_from_slice(&version.to_le_bytes());
    let crc = rdb::crc64::crc64(0, &payload);
    payload.extend_from_slice(&crc.to_le_bytes());
    payload
}

/// Sends `args` and records the reply under `label`.
fn record<A: AsRef<[u8]>>(
    replies: &mut Vec<(String, Frame)>,
    client: &mut Client,
    label: &str,
    args: &[A],
) -> anyhow::Result<Frame> {
    let reply = client.cmd(args)?;
    replies.push((label.to_string(), reply.clone()));
    Ok(reply)
}

/// Runs `script` on a fresh Redis and a fresh Tessera (DEBUG enabled, then `extra`) and
/// fails on the first reply that differs.
fn same_replies(
    extra: &[&str],
    script: impl Fn(&mut Client) -> anyhow::Result<Vec<(String, Frame)>>,
) -> anyhow::Result<()> {
    let mut runs = Vec::new();
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let server = Server::start(kind, &with_debug(extra))?;
        let mut client = server.client()?;
        runs.push(script(&mut client).with_context(|| format!("against {kind:?}"))?);
    }
    let (redis, tessera) = (&runs[0], &runs[1]);
    for ((label, want), (_, got)) in redis.iter().zip(tessera) {
        ensure!(got == want, "{label}: Tessera {got}, Redis {want}");
    }
    ensure!(redis.len() == tessera.len(), "different numbers of replies");
    Ok(())
}

/// The server's clock in milliseconds (TIME).
fn server_time_ms(client: &mut Client) -> anyhow::Result<i64> {
    match client.cmd(&["TIME"])? {
        Frame::Array(parts) if parts.len() == 2 => {
            let part = |i: usize| -> anyhow::Result<i64> { Ok(bulk_text(&parts[i])?.parse()?) };
            Ok(part(0)? * 1000 + part(1)? / 1000)
        }
        other => bail!("TIME answered {other}"),
    }
}

/// DUMP of `key`, as bytes.
fn dump_of(client: &mut Client, key: &str) -> anyhow::Result<Vec<u8>> {
    match client.cmd(&["DUMP", key])? {
        Frame::Bulk(payload) => Ok(payload.to_vec()),
        other => bail!("DUMP {key}: {other}"),
    }
}

#[test]
fn restore_options_and_errors_match_redis() -> anyhow::Result<()> {
    same_replies(&[], |c| {
        let mut replies = Vec::new();
        let log = &mut replies;
        expect(c, "SET src hello-restore", ok())?;
        let payload = dump_of(c, "src")?;
        let p = &payload[..];
        let restore = |key: &str, ttl: &str, payload: &[u8], options: &[&str]| {
            let mut args: Vec<Vec<u8>> = vec![b"RESTORE".to_vec(), key.into(), ttl.into()];
            args.push(payload.to_vec());
            args.extend(options.iter().map(|o| o.as_bytes().to_vec()));
            args
        };
        record(log, c, "RESTORE onto src", &restore("src", "0", p, &[]))?;
        record(log, c, "RESTORE", &restore("dst", "0", p, &[]))?;
        record(log, c, "GET", &["GET", "dst"])?;
        record(log, c, "TTL", &["TTL", "dst"])?;
        record(log, c, "BUSYKEY", &restore("dst", "0", p, &[]))?;
        record(log, c, "REPLACE", &restore("dst", "0", p, &["REPLACE"]))?;
        record(log, c, "ttl", &restore("dst", "5000", p, &["REPLACE"]))?;
        let pttl = integer(&c.cmd(&["PTTL", "dst"])?)?;
        ensure!(
            (4000..=5000).contains(&pttl),
            "PTTL after RESTORE 5000: {pttl}"
        );

        let now = server_time_ms(c)?;
        let past = (now - 10_000).to_string();
        let future = (now + 100_000).to_string();
        record(
            log,
            c,
            "ABSTTL past",
            &restore("dst", &past, p, &["REPLACE", "ABSTTL"]),
        )?;
        record(log, c, "EXISTS", &["EXISTS", "dst"])?;
        record(
            log,
            c,
            "ABSTTL past new",
            &restore("new", &past, p, &["ABSTTL"]),
        )?;
        record(log, c, "EXISTS", &["EXISTS", "new"])?;
        record(
            log,
            c,
            "ABSTTL future",
            &restore("dst", &future, p, &["ABSTTL"]),
        )?;
        let at = integer(&c.cmd(&["PEXPIRETIME", "dst"])?)?;
        ensure!(
            at.to_string() == future,
            "PEXPIRETIME {at}, restored with {future}"
        );

        record(
            log,
            c,
            "IDLETIME",
            &restore("dst", "0", p, &["REPLACE", "IDLETIME", "1000"]),
        )?;
        let idle = integer(&c.cmd(&["OBJECT", "IDLETIME", "dst"])?)?;
        ensure!((1000..=1002).contains(&idle), "OBJECT IDLETIME {idle}");
        // Not an LFU policy: FREQ is accepted and not tracked.
        record(
            log,
            c,
            "FREQ",
            &restore("dst", "0", p, &["REPLACE", "FREQ", "100"]),
        )?;
        record(log, c, "OBJECT FREQ", &["OBJECT", "FREQ", "dst"])?;

        let mut flipped = payload.clone();
        flipped[2] ^= 0x20;
        let truncated = &p[..p.len() - 1];
        let body = &p[..p.len() - 10];
        let version = u16::from_le_bytes([p[p.len() - 10], p[p.len() - 9]]);
        ensure!(
            with_footer(body, version) == payload,
            "the footer is not rebuilt"
        );
        // Redis reads a short body on into the footer: cut it so short that even the footer
        // cannot make up the string's length.
        let short_body = with_footer(&body[..2], version);
        let unknown_type = with_footer(&[0x63, 0x01, b'x'], version);
        let newer = with_footer(body, version + 1);
        let bad: [(&str, &[u8]); 7] = [
            ("a flipped byte", &flipped),
            ("a truncated payload", truncated),
            ("a payload shorter than its footer", &p[..5]),
            ("an empty payload", b""),
            ("a short body with a valid footer", &short_body),
            ("an unknown type with a valid footer", &unknown_type),
            ("a newer RDB version", &newer),
        ];
        for (label, payload) in bad {
            record(log, c, label, &restore("x", "0", payload, &[]))?;
        }
        record(
            log,
            c,
            "flipped onto src",
            &restore("src", "0", &flipped, &[]),
        )?;
        record(
            log,
            c,
            "flipped REPLACE",
            &restore("src", "0", &flipped, &["REPLACE"]),
        )?;
        record(log, c, "src kept", &["GET", "src"])?;
        for (label, ttl, options) in [
            ("unknown option", "0", &["FOO"][..]),
            ("IDLETIME without value", "0", &["IDLETIME"]),
            ("FREQ without value", "0", &["FREQ"]),
            ("IDLETIME and FREQ", "0", &["IDLETIME", "1", "FREQ", "1"]),
            ("FREQ and IDLETIME", "0", &["FREQ", "1", "IDLETIME", "1"]),
            ("negative TTL", "-1", &[]),
            ("TTL not a number", "abc", &[]),
            ("IDLETIME -1", "0", &["IDLETIME", "-1"]),
            ("IDLETIME not a number", "0", &["IDLETIME", "x"]),
            ("FREQ 256", "0", &["FREQ", "256"]),
            ("FREQ -1", "0", &["FREQ", "-1"]),
            ("FREQ 255", "0", &["FREQ", "255"]),
        ] {
            record(log, c, label, &restore("opt", ttl, p, options))?;
        }
        record(
            log,
            c,
            "negative TTL on a busy key",
            &restore("src", "-1", p, &[]),
        )?;
        record(log, c, "arity", &["RESTORE", "x", "0"])?;
        record(log, c, "DUMP missing", &["DUMP", "nokey"])?;
        record(log, c, "EXISTS", &["EXISTS", "x", "new"])?;
        ensure!(
            replies
                .iter()
                .any(|(_, r)| matches!(r, Frame::Error(e) if e.starts_with(b"BUSYKEY"))),
            "no BUSYKEY error"
        );
        Ok(replies)
    })
}

#[test]
fn restore_freq_sets_the_lfu_counter_as_redis() -> anyhow::Result<()> {
    same_replies(&["--maxmemory-policy", "allkeys-lfu"], |c| {
        let mut replies = Vec::new();
        let log = &mut replies;
        expect(c, "SET src v", ok())?;
        let payload = dump_of(c, "src")?;
        for (freq, options) in [
            ("100", &["FREQ", "100"][..]),
            ("0", &["FREQ", "0"]),
            ("255", &["FREQ", "255"]),
            ("IDLETIME ignored", &["IDLETIME", "100"]),
            ("none", &[]),
        ] {
            let mut args: Vec<&[u8]> = vec![b"RESTORE", b"k", b"0", &payload, b"REPLACE"];
            args.extend(options.iter().map(|o| o.as_bytes()));
            record(log, c, &format!("RESTORE FREQ {freq}"), &args)?;
            record(
                log,
                c,
                &format!("OBJECT FREQ after {freq}"),
                &["OBJECT", "FREQ", "k"],
            )?;
        }
        let freq = integer(&c.cmd(&["OBJECT", "FREQ", "k"])?)?;
        ensure!(freq == 5, "a new key's LFU counter: {freq}");
        record(log, c, "OBJECT IDLETIME", &["OBJECT", "IDLETIME", "k"])?;
        Ok(replies)
    })
}

/// Found by comparing digests: Redis 7.0 creates a sorted set as a listpack unless its first
/// member is too long, and converts while adding, so a `-0` added before the conversion is
/// stored as 0; after the conversion, or in a set that starts large, it stays `-0`.
#[test]
fn zadd_on_a_new_key_stores_negative_zero_as_redis_7_0() -> anyhow::Result<()> {
    let members: Vec<String> = scored("m", 200, 1.0).skip(2).collect();
    let long_member = "x".repeat(65);
    on_both(|_, c| {
        let zadd = |c: &mut Client, key: &str, head: &[&str], tail: &[&str]| {
            let args: Vec<&str> = ["ZADD", key]
                .into_iter()
                .chain(head.iter().copied())
                .chain(members.iter().map(String::as_str))
                .chain(tail.iter().copied())
                .collect();
            expect_args(c, &args, int(args.len() as i64 / 2 - 1))
        };
        zadd(c, "first", &["-0", "a"], &[])?;
        expect(c, "ZSCORE first a", bulk("0"))?;
        zadd(c, "first-float", &["-0.0", "a"], &[])?;
        expect(c, "ZSCORE first-float a", bulk("0"))?;
        zadd(c, "last", &[], &["-0", "a"])?;
        expect(c, "ZSCORE last a", bulk("-0"))?;
        expect_args(c, &["ZADD", "long", "-0", &long_member, "-0", "a"], int(2))?;
        expect(c, "ZSCORE long a", bulk("-0"))?;
        expect(c, "OBJECT ENCODING first", bulk("skiplist"))?;
        Ok(())
    })
}

// --- 4. BGSAVE while clients write --------------------------------------------------------

/// What one writer saw: its tag, the last value acknowledged before BGSAVE was sent, the
/// first value sent after the save had finished, and its slowest write during the save.
#[derive(Debug)]
struct WriterBounds {
    tag: String,
    acked_before: u64,
    sent_after: u64,
    writes_during: u64,
    slowest_during: Duration,
}

/// Where the BGSAVE is, as the writers see it.
#[derive(Default)]
struct SavePhase {
    /// Writers that have had a write acknowledged.
    warmed_up: AtomicUsize,
    /// BGSAVE is about to be sent.
    sent: AtomicBool,
    /// The save has finished.
    finished: AtomicBool,
}

/// One writer: `MSET {tag}a n {tag}b n` with n = 1, 2, ... until a write has been sent
/// after the save finished.
fn write_until_saved(port: u16, tag: String, phase: &SavePhase) -> anyhow::Result<WriterBounds> {
    let mut client = Client::connect(port)?;
    let (a, b) = (format!("{{{tag}}}a"), format!("{{{tag}}}b"));
    let mut bounds = WriterBounds {
        tag,
        acked_before: 0,
        sent_after: 0,
        writes_during: 0,
        slowest_during: Duration::ZERO,
    };
    for n in 1u64.. {
        let after = phase.finished.load(Ordering::SeqCst);
        let during = !after && phase.sent.load(Ordering::SeqCst);
        let value = n.to_string();
        let started = Instant::now();
        let reply = client.cmd(&["MSET", &a, &value, &b, &value])?;
        let latency = started.elapsed();
        ensure!(reply == ok(), "MSET: {reply}");
        if after {
            bounds.sent_after = n;
            break;
        }
        if during {
            bounds.writes_during += 1;
            bounds.slowest_during = bounds.slowest_during.max(latency);
        }
        if !phase.sent.load(Ordering::SeqCst) {
            if bounds.acked_before == 0 {
                phase.warmed_up.fetch_add(1, Ordering::SeqCst);
            }
            bounds.acked_before = n;
        }
    }
    Ok(bounds)
}

#[test]
fn bgsave_captures_each_slot_at_one_instant_while_50_clients_write() -> anyhow::Result<()> {
    const WRITERS: usize = 50;
    const FILLER: usize = 200_000;
    let server = Server::start(ServerKind::Tessera, &[])?;
    let mut admin = server.client()?;
    fill(&mut admin, FILLER)?;
    let phase = SavePhase::default();
    let (writers, saved) = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|i| {
                let phase = &phase;
                let port = server.port();
                scope.spawn(move || write_until_saved(port, format!("writer-{i}"), phase))
            })
            .collect();
        let saved = (|| -> anyhow::Result<Duration> {
            wait_until(SAVE_TIMEOUT, "every writer acknowledged", || {
                Ok(phase.warmed_up.load(Ordering::SeqCst) == WRITERS)
            })?;
            phase.sent.store(true, Ordering::SeqCst);
            let started = Instant::now();
            expect_args(&mut admin, &["BGSAVE"], simple("Background saving started"))?;
            wait_for_bgsave(&mut admin, "ok")?;
            Ok(started.elapsed())
        })();
        // Whatever happened, let the writers finish.
        phase.warmed_up.store(WRITERS, Ordering::SeqCst);
        phase.sent.store(true, Ordering::SeqCst);
        phase.finished.store(true, Ordering::SeqCst);
        let writers: Vec<anyhow::Result<WriterBounds>> = writers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("writer panicked")))
            })
            .collect();
        (writers, saved)
    });
    let save_time = saved?;
    let bounds = writers
        .into_iter()
        .collect::<anyhow::Result<Vec<WriterBounds>>>()?;
    ensure!(persistence_field(&mut admin, "rdb_saves")? == "1");

    let during: u64 = bounds.iter().map(|b| b.writes_during).sum();
    let slowest = bounds.iter().map(|b| b.slowest_during).max();
    println!(
        "BGSAVE of {FILLER} keys took {save_time:?} while {WRITERS} clients wrote: {during} \
         writes during the save, the slowest {slowest:?}"
    );
    ensure!(during > 0, "no write was acknowledged during the save");

    let dir = dir_with_dump("bgsave-copy", &server.dir().join("dump.rdb"))?;
    let copy = Server::start_in(ServerKind::Tessera, dir.path(), &[])?;
    let mut c = copy.client()?;
    expect(&mut c, "DBSIZE", int((FILLER + 2 * WRITERS) as i64))?;
    for bound in &bounds {
        let tag = &bound.tag;
        let (a, b) = (format!("{{{tag}}}a"), format!("{{{tag}}}b"));
        let values = match c.cmd(&["MGET", &a, &b])? {
            Frame::Array(values) if values.len() == 2 => values,
            other => bail!("MGET {a} {b}: {other}"),
        };
        ensure!(
            values[0] == values[1],
            "{tag}: a = {} and b = {} in the dump",
            values[0],
            values[1]
        );
        let saved: u64 = bulk_text(&values[0])?.parse()?;
        ensure!(
            bound.acked_before <= saved && saved < bound.sent_after,
            "{tag}: {saved} in the dump, outside [{}, {})",
            bound.acked_before,
            bound.sent_after
        );
    }
    Ok(())
}

// --- 4b. BGREWRITEAOF while clients write ------------------------------------------------

/// One AOF writer: on its own tag, `MSET {tag}a n {tag}b n`, `INCR {tag}c` and
/// `RPUSH {tag}l n` (not idempotent: applied twice on replay, they would show), and on two
/// keys of different slots a list whose elements are moved back and forth with LMOVE
/// (a write spanning slots, which a rewrite must capture whole). Runs until `stop`; returns
/// the number of rounds acknowledged.
fn aof_writer(port: u16, i: usize, stop: &AtomicBool) -> anyhow::Result<u64> {
    let mut client = Client::connect(port)?;
    let tag = format!("w{i}");
    let (a, b, c, l) = (
        format!("{{{tag}}}a"),
        format!("{{{tag}}}b"),
        format!("{{{tag}}}c"),
        format!("{{{tag}}}l"),
    );
    let (left, right) = (format!("ring-left-{i}"), format!("ring-right-{i}"));
    let mut rounds = 0;
    while !stop.load(Ordering::SeqCst) {
        let n = (rounds + 1).to_string();
        let replies = client.pipeline(&[
            vec!["MSET", &a, &n, &b, &n],
            vec!["INCR", &c],
            vec!["RPUSH", &l, &n],
            vec!["LMOVE", &left, &right, "LEFT", "RIGHT"],
            vec!["LMOVE", &right, &left, "LEFT", "RIGHT"],
        ])?;
        ensure!(replies[0] == ok(), "MSET: {}", replies[0]);
        ensure!(
            integer(&replies[1])? == rounds as i64 + 1,
            "INCR: {}",
            replies[1]
        );
        rounds += 1;
    }
    Ok(rounds)
}

#[test]
fn bgrewriteaof_while_50_clients_write_loses_and_doubles_nothing() -> anyhow::Result<()> {
    const WRITERS: usize = 50;
    const FILLER: usize = 100_000;
    let mut server = Server::start(
        ServerKind::Tessera,
        &with_debug(&["--appendonly", "yes", "--appendfsync", "everysec"]),
    )?;
    let mut admin = server.client()?;
    fill(&mut admin, FILLER)?;
    for i in 0..WRITERS {
        let mut args = vec![format!("ring-left-{i}")];
        args.extend((0..20).map(|e| format!("e{e}")));
        let mut cmd = vec!["RPUSH"];
        cmd.extend(args.iter().map(String::as_str));
        admin.cmd(&cmd)?;
    }
    let stop = AtomicBool::new(false);
    let (rounds, rewrite) = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|i| {
                let stop = &stop;
                let port = server.port();
                scope.spawn(move || aof_writer(port, i, stop))
            })
            .collect();
        let rewrite = (|| -> anyhow::Result<()> {
            std::thread::sleep(Duration::from_millis(300));
            expect_args(
                &mut admin,
                &["BGREWRITEAOF"],
                simple("Background append only file rewriting started"),
            )?;
            wait_until(SAVE_TIMEOUT, "the rewrite to finish", || {
                Ok(persistence_field(&mut admin, "aof_rewrite_in_progress")? == "0")
            })?;
            std::thread::sleep(Duration::from_millis(300));
            Ok(())
        })();
        stop.store(true, Ordering::SeqCst);
        let rounds: Vec<anyhow::Result<u64>> = writers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("writer panicked")))
            })
            .collect();
        (rounds, rewrite)
    });
    rewrite?;
    let rounds = rounds.into_iter().collect::<anyhow::Result<Vec<u64>>>()?;
    ensure!(
        persistence_field(&mut admin, "aof_last_bgrewrite_status")? == "ok"
            && persistence_field(&mut admin, "aof_rewrites")? == "1",
        "the rewrite did not succeed:\n{}",
        server.log()
    );
    let manifest = std::fs::read_to_string(
        server
            .dir()
            .join("appendonlydir")
            .join("appendonly.aof.manifest"),
    )?;
    ensure!(
        manifest.contains("appendonly.aof.2.base.rdb seq 2 type b")
            && manifest.contains("appendonly.aof.2.incr.aof seq 2 type i")
            && !manifest.contains(".1."),
        "{manifest}"
    );
    let before = digest(&mut admin)?;
    drop(admin);
    server.stop()?;
    server.restart()?;
    let mut client = server.client()?;
    ensure!(digest(&mut client)? == before, "the reloaded AOF differs");
    for (i, &n) in rounds.iter().enumerate() {
        let tag = format!("w{i}");
        let count = n.to_string();
        expect_args(&mut client, &["GET", &format!("{{{tag}}}c")], bulk(&count))?;
        expect_args(
            &mut client,
            &["LLEN", &format!("{{{tag}}}l")],
            int(n as i64),
        )?;
        expect_args(&mut client, &["GET", &format!("{{{tag}}}a")], bulk(&count))?;
        let left = integer(&client.cmd(&["LLEN", &format!("ring-left-{i}")])?)?;
        let right = integer(&client.cmd(&["LLEN", &format!("ring-right-{i}")])?)?;
        ensure!(
            left + right == 20,
            "writer {i}: the ring has {left} + {right} elements"
        );
    }
    println!(
        "BGREWRITEAOF with {FILLER} keys while {WRITERS} clients wrote {} rounds",
        rounds.iter().sum::<u64>()
    );
    Ok(())
}

// --- 5. Loading ---------------------------------------------------------------------------

#[test]
fn clients_get_loading_while_a_large_dump_loads_and_expired_keys_are_skipped() -> anyhow::Result<()>
{
    // About 1.6 s to load in a debug build on an idle machine.
    const KEYS: usize = 400_000;
    const EXPIRING: usize = 1000;
    let mut server = Server::start(ServerKind::Tessera, &DEBUG_ENABLED)?;
    let mut c = server.client()?;
    fill(&mut c, KEYS)?;
    // Keys that expire while the server is down; none is expired before SAVE writes it.
    expect(&mut c, "DEBUG SET-ACTIVE-EXPIRE 0", ok())?;
    let mut expiring = Script::default();
    for i in 0..EXPIRING {
        expiring.push(["SET", &format!("expiring:{i}"), "v", "PX", "1500"]);
    }
    expiring.run(&mut c)?;
    let expired_at = Instant::now() + Duration::from_millis(1500);
    expect(&mut c, "SAVE", ok())?;
    let dump_len = std::fs::metadata(server.dir().join("dump.rdb"))?.len();
    server.kill9();
    std::thread::sleep(
        expired_at.saturating_duration_since(Instant::now()) + Duration::from_millis(100),
    );

    server.restart_without_waiting(&[])?;
    let mut c = server.client_while_starting()?;
    expect(&mut c, "GET filler:1", err(LOADING))?;
    expect(&mut c, "DBSIZE", err(LOADING))?;
    ensure!(persistence_field(&mut c, "loading")? == "1");
    ensure!(persistence_field(&mut c, "loading_total_bytes")? == dump_len.to_string());
    server.wait_ready()?;

    expect(&mut c, "DBSIZE", int(KEYS as i64))?;
    expect(&mut c, "GET filler:1", bulk("value-1"))?;
    expect(&mut c, "EXISTS expiring:0", int(0))?;
    ensure!(persistence_field(&mut c, "loading")? == "0");
    ensure!(persistence_field(&mut c, "rdb_last_load_keys_loaded")? == KEYS.to_string());
    ensure!(persistence_field(&mut c, "rdb_last_load_keys_expired")? == EXPIRING.to_string());

    // SHUTDOWN while the dump loads does not save (the dataset is partial), whatever the
    // save rules, as Redis forces NOSAVE then: the dump is still whole at the next start.
    let dump_len = std::fs::metadata(server.dir().join("dump.rdb"))?.len();
    server.kill9();
    server.restart_without_waiting(&["--save", "3600 1"])?;
    let mut c = server.client_while_starting()?;
    expect(&mut c, "DBSIZE", err(LOADING))?;
    c.send_raw(&encode_command(&["SHUTDOWN"]))?;
    server.wait_exit(Duration::from_secs(30))?;
    ensure!(std::fs::metadata(server.dir().join("dump.rdb"))?.len() == dump_len);

    // SIGTERM while it loads: an orderly exit at once, without saving, as Redis.
    server.restart_without_waiting(&[])?;
    let mut c = server.client_while_starting()?;
    expect(&mut c, "DBSIZE", err(LOADING))?;
    server.signal("TERM")?;
    let status = server.wait_exit(Duration::from_secs(30))?;
    ensure!(status.success(), "exit status {status}");
    let log = server.log();
    ensure!(
        log.contains("Received SIGTERM scheduling shutdown..."),
        "{log}"
    );
    ensure!(!log.contains("Saving the final RDB snapshot"), "{log}");
    ensure!(std::fs::metadata(server.dir().join("dump.rdb"))?.len() == dump_len);
    server.restart()?;
    expect(&mut server.client()?, "DBSIZE", int(KEYS as i64))?;
    Ok(())
}

// --- 6. Save rules, SHUTDOWN, SIGTERM, kill -9 --------------------------------------------

#[test]
fn a_save_rule_starts_a_background_save_after_a_write() -> anyhow::Result<()> {
    let server = Server::start(ServerKind::Tessera, &["--save", "1 1"])?;
    let mut c = server.client()?;
    let started = integer(&c.cmd(&["LASTSAVE"])?)?;
    expect(&mut c, "SET k v", ok())?;
    ensure!(persistence_field(&mut c, "rdb_changes_since_last_save")? == "1");
    wait_until(SAVE_TIMEOUT, "LASTSAVE to advance", || {
        Ok(integer(&c.cmd(&["LASTSAVE"])?)? > started)
    })?;
    wait_for_bgsave(&mut c, "ok")?;
    ensure!(server.dir().join("dump.rdb").is_file(), "no dump.rdb");
    ensure!(persistence_field(&mut c, "rdb_changes_since_last_save")? == "0");
    ensure!(persistence_field(&mut c, "rdb_saves")? == "1");
    ensure!(
        server.log().contains("1 changes in 1 seconds. Saving..."),
        "{}",
        server.log()
    );
    Ok(())
}

/// Sends SHUTDOWN with `options` and waits for the process to exit by itself, successfully.
fn shut_down(server: &mut Server, options: &[&str]) -> anyhow::Result<()> {
    let mut c = server.client()?;
    let args: Vec<&str> = ["SHUTDOWN"]
        .into_iter()
        .chain(options.iter().copied())
        .collect();
    c.send_raw(&test_harness::encode_command(&args))?;
    let said = c.read_until_closed()?;
    ensure!(said.is_empty(), "SHUTDOWN answered {}", lossy(&said));
    let status = server.wait_exit(Duration::from_secs(20))?;
    ensure!(status.success(), "exit status {status}");
    Ok(())
}

#[test]
fn shutdown_saves_with_save_rules_or_save_and_not_with_nosave() -> anyhow::Result<()> {
    // Save rules that never fire during the test.
    let mut server = Server::start(ServerKind::Tessera, &["--save", "3600 1"])?;
    expect(&mut server.client()?, "SET a 1", ok())?;
    shut_down(&mut server, &[])?;
    server.restart()?;
    let mut c = server.client()?;
    expect(&mut c, "GET a", bulk("1"))?;
    expect(&mut c, "SET b 2", ok())?;
    shut_down(&mut server, &["NOSAVE"])?;
    server.restart()?;
    let mut c = server.client()?;
    expect(&mut c, "MGET a b", array(vec![bulk("1"), nil()]))?;

    // Without save rules SHUTDOWN saves only when told to.
    let mut server = Server::start(ServerKind::Tessera, &[])?;
    expect(&mut server.client()?, "SET c 3", ok())?;
    shut_down(&mut server, &[])?;
    ensure!(
        !server.dir().join("dump.rdb").exists(),
        "plain SHUTDOWN saved"
    );
    server.restart()?;
    let mut c = server.client()?;
    expect(&mut c, "DBSIZE", int(0))?;
    expect(&mut c, "SET c 3", ok())?;
    shut_down(&mut server, &["SAVE"])?;
    server.restart()?;
    expect(&mut server.client()?, "GET c", bulk("3"))?;
    Ok(())
}

#[test]
fn sigterm_saves_with_save_rules_and_kill9_keeps_what_save_wrote() -> anyhow::Result<()> {
    let mut server = Server::start(ServerKind::Tessera, &["--save", "3600 1"])?;
    let mut c = server.client()?;
    expect(&mut c, "SET a 1", ok())?;
    let status = server.stop()?;
    ensure!(status.success(), "exit status {status}");
    ensure!(
        server.log().contains("DB saved on disk"),
        "{}",
        server.log()
    );
    server.restart()?;
    let mut c = server.client()?;
    expect(&mut c, "GET a", bulk("1"))?;

    expect(&mut c, "SET b 2", ok())?;
    expect(&mut c, "SAVE", ok())?;
    expect(&mut c, "SET c 3", ok())?;
    server.kill9();
    server.restart()?;
    let mut c = server.client()?;
    expect(
        &mut c,
        "MGET a b c",
        array(vec![bulk("1"), bulk("2"), nil()]),
    )?;
    Ok(())
}

// --- 7. stop-writes-on-bgsave-error -------------------------------------------------------

#[test]
fn a_failed_bgsave_stops_writes_with_misconf_as_redis() -> anyhow::Result<()> {
    // Save rules are needed for MISCONF; these never fire during the test. `dir` is a
    // protected config.
    let args = ["--save", "3600 1", "--enable-protected-configs", "yes"];
    let mut runs = Vec::new();
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let server = Server::start(kind, &args)?;
        let mut c = server.client()?;
        let doomed = server.dir().join("doomed");
        std::fs::create_dir(&doomed)?;
        let doomed_text = doomed.to_string_lossy().into_owned();
        expect_args(&mut c, &["CONFIG", "SET", "dir", &doomed_text], ok())?;
        std::fs::remove_dir(&doomed)?;
        expect(&mut c, "SET k v", ok())?;
        expect(&mut c, "BGSAVE", simple("Background saving started"))?;
        wait_for_bgsave(&mut c, "err").with_context(|| format!("{kind:?}"))?;

        let mut replies = Vec::new();
        let log = &mut replies;
        for args in [
            &["SET", "k", "v2"][..],
            &["DEL", "k"],
            &["INCR", "n"],
            &["PING"],
            &["GET", "k"],
            &["EXISTS", "k"],
            &["SAVE"],
            &["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"],
            &["SET", "k", "v3"],
            &["GET", "k"],
            &["PING"],
            &["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"],
            &["SET", "k", "v4"],
        ] {
            record(log, &mut c, &args.join(" "), args)?;
        }
        let home = server.dir().to_string_lossy().into_owned();
        expect_args(&mut c, &["CONFIG", "SET", "dir", &home], ok())?;
        record(log, &mut c, "BGSAVE", &["BGSAVE"])?;
        wait_for_bgsave(&mut c, "ok").with_context(|| format!("{kind:?}"))?;
        record(log, &mut c, "SET after a good save", &["SET", "k", "v5"])?;
        runs.push(replies);
    }
    for ((label, want), (_, got)) in runs[0].iter().zip(&runs[1]) {
        ensure!(got == want, "{label}: Tessera {got}, Redis {want}");
    }
    ensure!(
        runs[1][0].1 == err(MISCONF),
        "SET after a failed BGSAVE: {}",
        runs[1][0].1
    );
    ensure!(
        runs[1][4].1 == bulk("v"),
        "GET after a failed BGSAVE: {}",
        runs[1][4].1
    );
    Ok(())
}

// --- 8. Dumps that do not load ------------------------------------------------------------

/// A Tessera dump of the every-type dataset, as bytes.
fn tessera_dump_bytes() -> anyhow::Result<Vec<u8>> {
    let server = Server::start(ServerKind::Tessera, &[])?;
    let mut c = server.client()?;
    every_type_dataset().run(&mut c)?;
    expect(&mut c, "SAVE", ok())?;
    Ok(std::fs::read(server.dir().join("dump.rdb"))?)
}

/// Starts Tessera on `dump`; it must exit non-zero before serving, logging the file and
/// `wanted`, and leave the file as it was.
fn refused_at_startup(label: &str, dump: &[u8], wanted: &[&str]) -> anyhow::Result<()> {
    let dir = TempDir::new(label)?;
    let path = dir.path().join("dump.rdb");
    std::fs::write(&path, dump)?;
    let exited = startup_failure(Server::start_in(ServerKind::Tessera, dir.path(), &[]))
        .with_context(|| label.to_string())?;
    let log = &exited.log;
    ensure!(
        !exited.status.success(),
        "{label}: exit status {}",
        exited.status
    );
    ensure!(
        log.contains("dump.rdb"),
        "{label}: the log does not name the file:\n{log}"
    );
    for text in wanted {
        ensure!(
            log.contains(text),
            "{label}: the log lacks {text:?}:\n{log}"
        );
    }
    ensure!(
        !log.contains("Ready to accept connections"),
        "{label}: served after a failed load:\n{log}"
    );
    ensure!(
        std::fs::read(&path)? == dump,
        "{label}: the dump was changed"
    );
    Ok(())
}

#[test]
fn corrupt_truncated_and_stream_dumps_stop_startup() -> anyhow::Result<()> {
    let dump = tessera_dump_bytes()?;
    let cut = dump.len() / 2;
    refused_at_startup(
        "truncated-dump",
        &dump[..cut],
        &[&format!("unexpected end of input at byte {cut}")],
    )?;
    // A byte inside a short string value: only the checksum can tell.
    let at = dump
        .windows(11)
        .position(|w| w == b"hello world")
        .context("no \"hello world\" in the dump")?;
    let mut flipped = dump.clone();
    flipped[at] ^= 0x01;
    let trailer = dump.len() - 8;
    refused_at_startup(
        "flipped-byte",
        &flipped,
        &["RDB checksum mismatch", &format!("at byte {trailer}")],
    )?;
    // The header says it is not RDB at all.
    let mut garbage = dump.clone();
    garbage[..5].copy_from_slice(b"HELLO");
    refused_at_startup("not-rdb", &garbage, &["not an RDB file"])?;

    let redis = Server::start(ServerKind::Redis, &[])?;
    let mut r = redis.client()?;
    expect(&mut r, "SET plain value", ok())?;
    let id = r.cmd(&["XADD", "events:stream", "*", "field", "value"])?;
    ensure!(matches!(id, Frame::Bulk(_)), "XADD answered {id}");
    expect(&mut r, "SAVE", ok())?;
    let stream_dump = std::fs::read(redis.dir().join("dump.rdb"))?;
    refused_at_startup(
        "stream-dump",
        &stream_dump,
        &["stream is not supported (at byte ", "events:stream"],
    )?;
    Ok(())
}

// --- 9. DEBUG RELOAD and FLUSHALL ---------------------------------------------------------

#[test]
fn debug_reload_keeps_the_digest_and_ttls() -> anyhow::Result<()> {
    let server = Server::start(ServerKind::Tessera, &DEBUG_ENABLED)?;
    let mut c = server.client()?;
    every_type_dataset().run(&mut c)?;
    let before = digest(&mut c)?;
    let sizes = dbsizes(&mut c)?;
    let expire_at = c.cmd(&["PEXPIRETIME", "ttl:hash-600"])?;
    expect(&mut c, "DEBUG RELOAD", ok())?;
    ensure!(digest(&mut c)? == before, "DEBUG RELOAD changed the digest");
    ensure!(dbsizes(&mut c)? == sizes, "DEBUG RELOAD changed DBSIZE");
    ensure!(c.cmd(&["PEXPIRETIME", "ttl:hash-600"])? == expire_at);
    ensure!(
        persistence_field(&mut c, "rdb_last_load_keys_loaded")?
            == sizes.iter().sum::<i64>().to_string()
    );
    Ok(())
}

#[test]
fn debug_reload_options_match_redis() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SET x saved", ok())?;
        expect(c, "SAVE", ok())?;
        expect(c, "SET x changed", ok())?;
        expect(c, "SET y only-in-memory", ok())?;
        // NOSAVE: the dump as it is replaces the dataset.
        expect(c, "DEBUG RELOAD NOSAVE", ok())?;
        expect(c, "MGET x y", array(vec![bulk("saved"), nil()]))?;
        // NOFLUSH MERGE: the dump's keys replace those in memory, the others stay.
        expect(c, "SET x changed", ok())?;
        expect(c, "SET y only-in-memory", ok())?;
        expect(c, "DEBUG RELOAD NOSAVE NOFLUSH MERGE", ok())?;
        expect(
            c,
            "MGET x y",
            array(vec![bulk("saved"), bulk("only-in-memory")]),
        )?;
        expect(
            c,
            "DEBUG RELOAD FOO",
            err("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."),
        )?;
        Ok(())
    })
}

#[test]
fn flushall_with_save_rules_leaves_an_empty_dump() -> anyhow::Result<()> {
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let mut server = Server::start(kind, &with_debug(&["--save", "3600 1"]))?;
        let mut c = server.client()?;
        every_type_dataset().run(&mut c)?;
        expect(&mut c, "SAVE", ok())?;
        expect(&mut c, "FLUSHALL", ok())?;
        server.kill9();
        let checked = redis_check_rdb(&server.dir().join("dump.rdb"))?;
        ensure!(
            checked.contains("[info] 0 keys read"),
            "{kind:?}:\n{checked}"
        );
        server.restart()?;
        let sizes = dbsizes(&mut server.client()?)?;
        ensure!(sizes == vec![0; DATABASES], "{kind:?}: {sizes:?}");
    }
    Ok(())
}

/// A SIGTERM whose final save fails leaves the server running with its data, as in Redis
/// (exiting would lose everything written since the last good save); writes go on, and a
/// later shutdown whose save works exits. `shutdown-on-sigterm nosave` skips the save.
#[test]
fn a_sigterm_whose_final_save_fails_keeps_the_server_up_as_redis() -> anyhow::Result<()> {
    let args = ["--save", "3600 1", "--enable-protected-configs", "yes"];
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let mut server = Server::start(kind, &args)?;
        let mut c = server.client()?;
        let doomed = server.dir().join("doomed");
        std::fs::create_dir(&doomed)?;
        let doomed_text = doomed.to_string_lossy().into_owned();
        expect_args(&mut c, &["CONFIG", "SET", "dir", &doomed_text], ok())?;
        std::fs::remove_dir(&doomed)?;
        expect(&mut c, "SET k v", ok())?;
        server.signal("TERM")?;
        wait_until(Duration::from_secs(10), "the failed final save", || {
            Ok(server
                .log()
                .contains("Errors trying to shut down the server"))
        })
        .with_context(|| format!("{kind:?}; its log:\n{}", server.log()))?;
        let mut c = server
            .client()
            .with_context(|| format!("{kind:?} is gone"))?;
        expect(&mut c, "GET k", bulk("v"))?;
        expect(&mut c, "SET k2 v2", ok())?;
        ensure!(
            server
                .log()
                .contains("Error trying to save the DB, can't exit."),
            "{kind:?}: {}",
            server.log()
        );
        // The same refusal for SHUTDOWN, then a save that works.
        expect(
            &mut c,
            "SHUTDOWN",
            err("ERR Errors trying to SHUTDOWN. Check logs."),
        )?;
        let home = server.dir().to_string_lossy().into_owned();
        expect_args(&mut c, &["CONFIG", "SET", "dir", &home], ok())?;
        ensure!(server.stop()?.success(), "{kind:?} exit status");
        server.restart()?;
        let mut c = server.client()?;
        expect(&mut c, "MGET k k2", array(vec![bulk("v"), bulk("v2")]))?;

        // With `shutdown-on-sigterm nosave` nothing is saved, so nothing can fail.
        expect(&mut c, "CONFIG SET shutdown-on-sigterm nosave", ok())?;
        expect(&mut c, "SET k3 v3", ok())?;
        ensure!(server.stop()?.success(), "{kind:?} exit status with nosave");
        server.restart()?;
        let mut c = server.client()?;
        expect(&mut c, "EXISTS k3", int(0))?;
    }
    Ok(())
}
