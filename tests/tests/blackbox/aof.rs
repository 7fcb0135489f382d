//! The append-only file under `kill -9`, torn and corrupt files, and beside Redis (issue 5).
//!
//! - Crashes: client threads write distinct keys (SET, INCR, RPUSH, HSET) and record every
//!   acknowledged write while the server is killed with SIGKILL at a random moment, several
//!   times over on the same directory; after each restart every acknowledged write is there
//!   with its value, under `appendfsync always`, `everysec` and `no` alike (every reply
//!   waits until its writes reached the file, so killing the process loses none of them).
//!   Writes sent but not acknowledged may be there or not, never half or twice, and once a
//!   restart has decided, later restarts agree. The kill moments and commands come from a
//!   seed that is printed; `AOF_SEED=<n>` replays it.
//! - A BLPOP served by another client's LPUSH (or LMOVE from a list already on disk): once
//!   BLPOP has replied, a kill -9 brings neither the popped element back nor loses the push
//!   that served it. Served blocked clients are logged as their pops right after what
//!   served them (a BLPOP behind a served BLMOVE included, which is served at once), and a
//!   read that happens to serve one is not logged.
//! - Torn and corrupt files: a torn tail on the last incremental file is cut with a warning
//!   under `aof-load-truncated yes` and stops startup under `no` (naming the file and the
//!   offset); a MULTI without its EXEC at the end is cut before the MULTI; a corrupt command
//!   in the middle, a corrupt or torn RDB base stop startup whatever `aof-load-truncated`
//!   says. Redis is run on a copy of each file first, to show the expectation is its
//!   behaviour.
//! - Interop: after every type, expiries and a BGREWRITEAOF, `redis-check-aof` accepts the
//!   directory and Debian's redis-server loads it to the same DEBUG DIGEST.
//! - INFO persistence: the AOF fields have Redis's names and order, and move as Redis's do
//!   after writes and BGREWRITEAOF, `aof_base_size` counting what was written while the
//!   rewrite ran (checked against Redis first).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail, ensure};
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};
use resp::Frame;
use test_harness::{Client, Server, ServerKind, TempDir, encode_command, wait_until};

use crate::persistence::{
    LOADING, SAVE_TIMEOUT, fill, persistence_field, startup_failure, with_debug,
};
use crate::support::*;

/// The AOF directory's name when `appenddirname` is left alone.
const DEFAULT_DIR: &str = "appendonlydir";

/// The manifest's name when `appendfilename` is left alone.
const MANIFEST: &str = "appendonly.aof.manifest";

// --- files --------------------------------------------------------------------------------

/// One line of a manifest: a file name and its type letter (`b`, `h`, `i`).
#[derive(Debug, Clone)]
struct Listed {
    name: String,
    kind: char,
}

/// The files `<aof_dir>/appendonly.aof.manifest` lists, in its order.
fn manifest_files(aof_dir: &Path) -> anyhow::Result<Vec<Listed>> {
    let path = aof_dir.join(MANIFEST);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (mut name, mut kind) = (None, None);
            for pair in words.chunks(2) {
                match pair {
                    ["file", value] => name = Some(value.to_string()),
                    ["type", value] => kind = value.chars().next(),
                    _ => {}
                }
            }
            match (name, kind) {
                (Some(name), Some(kind)) => Ok(Listed { name, kind }),
                _ => bail!("manifest line {line:?} in {}", path.display()),
            }
        })
        .collect()
}

/// The manifest's file of type `kind` (the last one, for incremental files).
fn listed_file(aof_dir: &Path, kind: char) -> anyhow::Result<PathBuf> {
    let files = manifest_files(aof_dir)?;
    files
        .iter()
        .rev()
        .find(|file| file.kind == kind)
        .map(|file| aof_dir.join(&file.name))
        .with_context(|| format!("no file of type {kind} in the manifest: {files:?}"))
}

fn file_len(path: &Path) -> anyhow::Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| format!("reading the size of {}", path.display()))?
        .len())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A new directory holding a copy of `<from>/<dirname>` (the AOF files only), for a server
/// started in it.
fn copy_aof_dir(from: &Path, dirname: &str, label: &str) -> anyhow::Result<TempDir> {
    let dir = TempDir::new(label)?;
    let (source, target) = (from.join(dirname), dir.path().join(dirname));
    std::fs::create_dir(&target).with_context(|| format!("creating {}", target.display()))?;
    for entry in std::fs::read_dir(&source)? {
        let entry = entry?;
        std::fs::copy(entry.path(), target.join(entry.file_name()))
            .with_context(|| format!("copying {}", entry.path().display()))?;
    }
    Ok(dir)
}

/// The seed of a randomized test: `AOF_SEED` if set, else one from the clock; printed so
/// that a failure can be replayed.
fn seed(test: &str) -> anyhow::Result<u64> {
    let seed = match std::env::var("AOF_SEED") {
        Ok(text) => text.parse().with_context(|| format!("AOF_SEED={text}"))?,
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos() as u64),
    };
    println!("{test}: seed {seed} (replay with AOF_SEED={seed})");
    Ok(seed)
}

/// `len` random letters and digits.
fn random_text(rng: &mut SmallRng, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// The items of an array reply of bulk strings, as text.
fn texts(frame: Frame) -> anyhow::Result<Vec<String>> {
    match frame {
        Frame::Array(items) => items.iter().map(bulk_text).collect(),
        other => bail!("expected an array, got {other}"),
    }
}

// --- 1, 2. kill -9 while clients write ------------------------------------------------------

/// Whether a write was acknowledged, and once a restart has shown it, whether it is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Acknowledged, or sent and found after a restart: must be there for good.
    Present,
    /// Sent, the server killed before it answered: may be there or not.
    Unknown,
    /// Sent, not acknowledged, and missing after a restart: must stay missing.
    Absent,
}

/// What one writer sent during one round, and what was acknowledged. Its keys start with
/// `prefix` and no other writer uses them.
#[derive(Debug)]
struct Written {
    prefix: String,
    /// `SET <prefix>s:<n> value`.
    strings: Vec<(String, String, Fate)>,
    /// `HSET <prefix>hash field value`.
    fields: Vec<(String, String, Fate)>,
    /// `INCR <prefix>counter`: the last value acknowledged, and how many were sent. Once a
    /// restart has shown the value, both are it.
    incr_acked: i64,
    incr_sent: i64,
    /// `RPUSH <prefix>list <i>` for i = 0, 1, ...: how many were acknowledged and sent.
    pushed_acked: usize,
    pushed_sent: usize,
}

impl Written {
    fn new(prefix: String) -> Written {
        Written {
            prefix,
            strings: Vec::new(),
            fields: Vec::new(),
            incr_acked: 0,
            incr_sent: 0,
            pushed_acked: 0,
            pushed_sent: 0,
        }
    }

    fn acknowledged(&self) -> usize {
        let present = |items: &[(String, String, Fate)]| {
            items.iter().filter(|i| i.2 == Fate::Present).count()
        };
        present(&self.strings)
            + present(&self.fields)
            + self.incr_acked as usize
            + self.pushed_acked
    }

    fn sent(&self) -> usize {
        self.strings.len() + self.fields.len() + self.incr_sent as usize + self.pushed_sent
    }
}

/// A command of a pipeline waiting for its reply.
enum Sent {
    String(usize),
    Field(usize),
    Incr,
    Push(usize),
}

/// One writer: pipelines of 1 to 8 random writes on its own keys until the server goes
/// away after `killed` was set (any failure before that fails the test).
fn crash_writer(
    port: u16,
    prefix: String,
    seed: u64,
    killed: &AtomicBool,
) -> anyhow::Result<Written> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut written = Written::new(prefix);
    let p = written.prefix.clone();
    let (counter, list, hash) = (
        format!("{p}counter"),
        format!("{p}list"),
        format!("{p}hash"),
    );
    let gone = |e: anyhow::Error, written: Written| {
        if killed.load(Ordering::SeqCst) {
            Ok(written)
        } else {
            Err(e.context(format!("writer {p} before the kill")))
        }
    };
    let mut client = match Client::connect(port) {
        Ok(client) => client,
        Err(e) => return gone(e, written),
    };
    let mut n = 0usize;
    loop {
        let mut request = Vec::new();
        let mut pending = Vec::new();
        for _ in 0..rng.random_range(1..=8) {
            n += 1;
            // Mostly short values, now and then one of several kilobytes.
            let len = if rng.random_ratio(1, 40) {
                rng.random_range(1000..8000)
            } else {
                rng.random_range(0..60)
            };
            let value = format!("{n}-{}", random_text(&mut rng, len));
            match rng.random_range(0..4) {
                0 => {
                    let key = format!("{p}s:{n}");
                    request.extend(encode_command(&["SET", &key, &value]));
                    written.strings.push((key, value, Fate::Unknown));
                    pending.push(Sent::String(written.strings.len() - 1));
                }
                1 => {
                    let field = format!("f{n}");
                    request.extend(encode_command(&["HSET", &hash, &field, &value]));
                    written.fields.push((field, value, Fate::Unknown));
                    pending.push(Sent::Field(written.fields.len() - 1));
                }
                2 => {
                    request.extend(encode_command(&["INCR", &counter]));
                    written.incr_sent += 1;
                    pending.push(Sent::Incr);
                }
                _ => {
                    let element = written.pushed_sent.to_string();
                    request.extend(encode_command(&["RPUSH", &list, &element]));
                    written.pushed_sent += 1;
                    pending.push(Sent::Push(written.pushed_sent));
                }
            }
        }
        if let Err(e) = client.send_raw(&request) {
            return gone(e, written);
        }
        for sent in pending {
            let reply = match client.read_frame() {
                Ok(reply) => reply,
                Err(e) => return gone(e, written),
            };
            match sent {
                Sent::String(i) => {
                    ensure!(reply == ok(), "SET {}: {reply}", written.strings[i].0);
                    written.strings[i].2 = Fate::Present;
                }
                Sent::Field(i) => {
                    ensure!(reply == int(1), "HSET {hash}: {reply}");
                    written.fields[i].2 = Fate::Present;
                }
                Sent::Incr => {
                    let value = integer(&reply)?;
                    ensure!(value == written.incr_acked + 1, "INCR {counter}: {reply}");
                    written.incr_acked = value;
                }
                Sent::Push(len) => {
                    ensure!(reply == int(len as i64), "RPUSH {list}: {reply}");
                    written.pushed_acked = len;
                }
            }
        }
    }
}

/// Checks `written` against a restarted server: everything [`Fate::Present`] is there with
/// its value, nothing [`Fate::Absent`] is, nothing was applied twice or in part; then settles
/// the unknown writes as found, for the next restart to agree with.
fn check_written(client: &mut Client, written: &mut Written) -> anyhow::Result<()> {
    let p = written.prefix.clone();
    for chunk in written.strings.chunks_mut(256) {
        let gets: Vec<[&str; 2]> = chunk
            .iter()
            .map(|(key, ..)| ["GET", key.as_str()])
            .collect();
        let replies = client.pipeline(&gets)?;
        for ((key, value, fate), reply) in chunk.iter_mut().zip(replies) {
            *fate = match (&reply, *fate) {
                (Frame::Bulk(got), Fate::Present | Fate::Unknown)
                    if got.as_ref() == value.as_bytes() =>
                {
                    Fate::Present
                }
                (Frame::Null, Fate::Absent | Fate::Unknown) => Fate::Absent,
                _ => bail!("{key} ({fate:?}, SET to {value:?}) reads {reply}"),
            };
        }
    }

    let hash = format!("{p}hash");
    let mut stored: HashMap<String, String> = HashMap::new();
    let all = texts(client.cmd(&["HGETALL", &hash])?)?;
    for pair in all.chunks(2) {
        if let [field, value] = pair {
            stored.insert(field.clone(), value.clone());
        }
    }
    for (field, value, fate) in &mut written.fields {
        *fate = match (stored.remove(field.as_str()), *fate) {
            (Some(got), Fate::Present | Fate::Unknown) if got == *value => Fate::Present,
            (None, Fate::Absent | Fate::Unknown) => Fate::Absent,
            (got, _) => bail!("{hash} field {field} ({fate:?}, set to {value:?}) reads {got:?}"),
        };
    }
    ensure!(
        stored.is_empty(),
        "{hash} has fields never written: {:?}",
        stored.keys().collect::<Vec<_>>()
    );

    let counter = format!("{p}counter");
    let value = match client.cmd(&["GET", &counter])? {
        Frame::Null => 0,
        Frame::Bulk(text) => String::from_utf8_lossy(&text)
            .parse::<i64>()
            .with_context(|| format!("{counter} holds {text:?}"))?,
        other => bail!("GET {counter}: {other}"),
    };
    ensure!(
        (written.incr_acked..=written.incr_sent).contains(&value),
        "{counter} is {value}: {} INCRs were acknowledged and {} sent",
        written.incr_acked,
        written.incr_sent
    );
    written.incr_acked = value;
    written.incr_sent = value;

    let list = format!("{p}list");
    let elements = texts(client.cmd(&["LRANGE", &list, "0", "-1"])?)?;
    let in_order = elements
        .iter()
        .enumerate()
        .all(|(i, element)| *element == i.to_string());
    ensure!(
        in_order && (written.pushed_acked..=written.pushed_sent).contains(&elements.len()),
        "{list} holds {} elements ({:?} ...): {} RPUSHes were acknowledged and {} sent",
        elements.len(),
        &elements[..elements.len().min(10)],
        written.pushed_acked,
        written.pushed_sent
    );
    written.pushed_acked = elements.len();
    written.pushed_sent = elements.len();
    Ok(())
}

/// Rounds of: writers on fresh keys, SIGKILL at a random moment, restart on the same
/// directory, every round's writes checked.
fn acknowledged_writes_survive_kill9(policy: &str) -> anyhow::Result<()> {
    const ROUNDS: usize = 10;
    const WRITERS: usize = 4;
    let test = format!("kill -9 under appendfsync {policy}");
    let seed = seed(&test)?;
    let mut rng = SmallRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut server = Server::start(
        ServerKind::Tessera,
        &["--appendonly", "yes", "--appendfsync", policy],
    )?;
    let mut all: Vec<Written> = Vec::new();
    for round in 0..ROUNDS {
        // Now and then before the writers got going, mostly in the middle of their writes.
        let kill_after = Duration::from_millis(if rng.random_ratio(1, 6) {
            rng.random_range(0..20)
        } else {
            rng.random_range(30..250)
        });
        let seeds: Vec<u64> = (0..WRITERS).map(|_| rng.random()).collect();
        let killed = AtomicBool::new(false);
        let port = server.port();
        let outcomes = std::thread::scope(|scope| {
            let writers: Vec<_> = seeds
                .iter()
                .enumerate()
                .map(|(w, &writer_seed)| {
                    let killed = &killed;
                    scope.spawn(move || {
                        crash_writer(port, format!("r{round}:w{w}:"), writer_seed, killed)
                    })
                })
                .collect();
            std::thread::sleep(kill_after);
            killed.store(true, Ordering::SeqCst);
            server.kill9();
            writers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|_| Err(anyhow!("writer panicked"))))
                .collect::<Vec<_>>()
        });
        for outcome in outcomes {
            all.push(outcome.with_context(|| format!("{test}, seed {seed}, round {round}"))?);
        }
        let round_writes = &all[all.len() - WRITERS..];
        let (acked, sent): (usize, usize) = round_writes
            .iter()
            .fold((0, 0), |(a, s), w| (a + w.acknowledged(), s + w.sent()));
        server
            .restart()
            .with_context(|| format!("{test}, seed {seed}: restart after round {round}'s kill"))?;
        let mut client = server.client()?;
        for written in &mut all {
            check_written(&mut client, written).with_context(|| {
                format!(
                    "{test}, seed {seed}: after round {round}'s kill ({kill_after:?} in, \
                     {acked} of {sent} writes acknowledged); replay with AOF_SEED={seed}\n\
                     server log:\n{}",
                    server.log()
                )
            })?;
        }
        println!(
            "{test}: round {round}: killed after {kill_after:?}, {acked} of {sent} writes \
             acknowledged, all there after the restart"
        );
    }
    println!("{test}: {ROUNDS} rounds in {:?}", started.elapsed());
    Ok(())
}

#[test]
fn kill9_loses_no_acknowledged_write_under_appendfsync_always() -> anyhow::Result<()> {
    acknowledged_writes_survive_kill9("always")
}

#[test]
fn kill9_loses_no_acknowledged_write_under_appendfsync_everysec() -> anyhow::Result<()> {
    acknowledged_writes_survive_kill9("everysec")
}

#[test]
fn kill9_loses_no_acknowledged_write_under_appendfsync_no() -> anyhow::Result<()> {
    acknowledged_writes_survive_kill9("no")
}

// --- 3. A served BLPOP and kill -9 -----------------------------------------------------------

/// Keeps the AOF writer busy (so that a reply sent before its writes reached the file would
/// be caught by a kill): pipelined 1 KB SETs until `stop`; errors after `stop` are the kill.
fn background_load(port: u16, i: usize, stop: &AtomicBool) -> anyhow::Result<()> {
    let value = "x".repeat(1024);
    let result = (|| -> anyhow::Result<()> {
        let mut client = Client::connect(port)?;
        let mut n = 0usize;
        while !stop.load(Ordering::SeqCst) {
            let batch: Vec<Vec<String>> = (0..16)
                .map(|_| {
                    n += 1;
                    vec!["SET".into(), format!("load:{i}:{}", n % 64), value.clone()]
                })
                .collect();
            client.pipeline(&batch)?;
        }
        Ok(())
    })();
    match result {
        Err(_) if stop.load(Ordering::SeqCst) => Ok(()),
        other => other,
    }
}

/// Rounds of: a client blocks in BLPOP; another serves it with `LPUSH key kept popped` (even
/// rounds) or `LMOVE source key` (odd rounds, moving an element written long before); as
/// soon as BLPOP has replied the server is killed. After the restart the popped element is
/// not back (in the list, or in the source) and the push that served it is there (the list
/// keeps `kept`): the BLPOP reply came after the pusher's log entry, which holds the pop,
/// reached the file. Under `appendfsync always` with other clients writing, so the file
/// lags the log.
#[test]
fn a_popped_element_does_not_come_back_after_kill9() -> anyhow::Result<()> {
    const ROUNDS: usize = 10;
    const LOADERS: usize = 3;
    const SOURCE: &str = "source";
    let mut server = Server::start(
        ServerKind::Tessera,
        &["--appendonly", "yes", "--appendfsync", "always"],
    )?;
    let source: Vec<String> = (0..ROUNDS).map(|i| format!("moved-{i}")).collect();
    let mut rpush = vec!["RPUSH", SOURCE];
    rpush.extend(source.iter().map(String::as_str));
    expect_args(&mut server.client()?, &rpush, int(ROUNDS as i64))?;
    let mut moved = 0;
    let mut lpushes = Vec::new();
    for round in 0..ROUNDS {
        let key = format!("popped:{round}");
        let lpush = round % 2 == 0;
        lpushes.push(lpush);
        let stop = AtomicBool::new(false);
        let port = server.port();
        let (reply, loads) = std::thread::scope(|scope| {
            let loads: Vec<_> = (0..LOADERS)
                .map(|i| {
                    let stop = &stop;
                    scope.spawn(move || background_load(port, i, stop))
                })
                .collect();
            let reply = (|| -> anyhow::Result<Frame> {
                let mut waiter = Client::connect(port)?;
                let mut pusher = Client::connect(port)?;
                let mut watcher = Client::connect(port)?;
                waiter.send_raw(&encode_command(&["BLPOP", &key, "0"]))?;
                wait_blocked(&mut watcher, 1)?;
                let push = if lpush {
                    encode_command(&[
                        "LPUSH",
                        &key,
                        &format!("kept-{round}"),
                        &format!("popped-{round}"),
                    ])
                } else {
                    encode_command(&["LMOVE", SOURCE, &key, "LEFT", "RIGHT"])
                };
                pusher.send_raw(&push)?;
                waiter.read_frame()
            })();
            // At once: the pusher's own reply may still be on its way.
            stop.store(true, Ordering::SeqCst);
            server.kill9();
            let loads: Vec<anyhow::Result<()>> = loads
                .into_iter()
                .map(|l| l.join().unwrap_or_else(|_| Err(anyhow!("loader panicked"))))
                .collect();
            (reply, loads)
        });
        loads
            .into_iter()
            .collect::<anyhow::Result<Vec<()>>>()
            .context("background writer")?;
        let popped = if lpush {
            format!("popped-{round}")
        } else {
            source[moved].clone()
        };
        ensure!(
            reply? == array(vec![bulk(&key), bulk(&popped)]),
            "round {round}: BLPOP did not get {popped}"
        );
        if !lpush {
            moved += 1;
        }
        server.restart()?;
        let mut client = server.client()?;
        let context = || format!("after round {round}'s kill; server log:\n{}", server.log());
        for (earlier, &lpush) in lpushes.iter().enumerate() {
            let want: Vec<Frame> = if lpush {
                vec![bulk(format!("kept-{earlier}"))]
            } else {
                Vec::new()
            };
            expect_args(
                &mut client,
                &["LRANGE", &format!("popped:{earlier}"), "0", "-1"],
                array(want),
            )
            .with_context(context)?;
        }
        let left: Vec<Frame> = source[moved..].iter().map(bulk).collect();
        expect_args(&mut client, &["LRANGE", SOURCE, "0", "-1"], array(left))
            .with_context(context)?;
    }
    Ok(())
}

/// Waits until the server counts `n` blocked clients.
fn wait_blocked(watcher: &mut Client, n: usize) -> anyhow::Result<()> {
    wait_until(
        Duration::from_secs(10),
        &format!("{n} blocked clients"),
        || {
            let info = bulk_text(&watcher.cmd(&["INFO", "clients"])?)?;
            Ok(info.contains(&format!("blocked_clients:{n}\r\n")))
        },
    )
}

/// The incremental file's commands as text, one per line (arguments space-separated), for
/// looking at what was logged.
fn logged_commands(aof_dir: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(listed_file(aof_dir, 'i')?)?;
    let mut commands = String::new();
    let mut rest = bytes::BytesMut::from(&bytes[..]);
    while let Some(frame) = Frame::parse(&mut rest)? {
        let args = texts(frame)?;
        commands.push_str(&args.join(" ").to_uppercase());
        commands.push('\n');
    }
    ensure!(rest.is_empty(), "a torn command at the end of the file");
    Ok(commands)
}

/// Blocked clients served by others are logged as what they did, right after what served
/// them, and nothing else: a BLPOP behind a BLMOVE (a chain: LPUSH serves the BLMOVE, whose
/// move serves the BLPOP) is served at once and logged as LMOVE + LPOP after the LPUSH; a
/// read that happens to serve a waiter is not logged. Redis first, then Tessera.
///
/// The second part uses COPY to leave a waiter's key ready: Redis serves it at COPY, Tessera
/// (as of this test) only at the next command on its slot, here the LRANGE, so when it is
/// served is not asserted, only what the log holds.
///
/// Under `appendfsync always`: with `everysec`, Redis postpones its AOF write (up to two
/// seconds) while its background fsync is still running and answers meanwhile, so on a busy
/// machine the kill -9 below could cut Redis's last writes (its documented window).
#[test]
fn served_blocked_clients_are_logged_as_their_pops_and_reads_are_not_logged() -> anyhow::Result<()>
{
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let mut server = Server::start(kind, &["--appendonly", "yes", "--appendfsync", "always"])?;
        let port = server.port();
        let check = || -> anyhow::Result<()> {
            let (mut a, mut b, mut c) = (
                Client::connect(port)?,
                Client::connect(port)?,
                Client::connect(port)?,
            );
            a.send_raw(&encode_command(&["BLPOP", "dst", "0"]))?;
            wait_blocked(&mut c, 1)?;
            b.send_raw(&encode_command(&[
                "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0",
            ]))?;
            wait_blocked(&mut c, 2)?;
            expect(&mut c, "LPUSH src x", int(1))?;
            a.set_timeout(Duration::from_secs(2))?;
            ensure!(
                a.read_frame().context("the BLPOP behind the BLMOVE")?
                    == array(vec![bulk("dst"), bulk("x")]),
                "BLPOP"
            );
            ensure!(b.read_frame()? == bulk("x"), "BLMOVE");
            expect(&mut c, "LRANGE dst 0 -1", array(Vec::new()))?;

            expect(&mut c, "RPUSH copied y", int(1))?;
            a.send_raw(&encode_command(&["BLPOP", "copy", "0"]))?;
            wait_blocked(&mut c, 1)?;
            expect(&mut c, "COPY copied copy", int(1))?;
            c.cmd(&["LRANGE", "copy", "0", "-1"])?;
            ensure!(a.read_frame()? == array(vec![bulk("copy"), bulk("y")]));
            Ok(())
        };
        check().with_context(|| format!("{kind:?}; its log:\n{}", server.log()))?;
        server.kill9();
        let logged = logged_commands(&server.dir().join(DEFAULT_DIR))?;
        let want = "SELECT 0\nLPUSH SRC X\nLMOVE SRC DST LEFT RIGHT\nLPOP DST\n\
                    RPUSH COPIED Y\nCOPY COPIED COPY\nLPOP COPY\n";
        ensure!(logged == want, "{kind:?} logged:\n{logged}");
        server.restart()?;
        let mut client = server.client()?;
        expect(&mut client, "KEYS *", array(vec![bulk("copied")]))?;
    }
    Ok(())
}

// --- 4. Torn and corrupt files --------------------------------------------------------------

/// Half a SET, as a crash in the middle of an append leaves it.
const TORN: &[u8] = b"*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$5\r\nva";

/// 200 keys, a list and a hash written with the AOF on in `dir`, then a kill -9.
fn write_some_and_kill(dir: &Path) -> anyhow::Result<()> {
    let mut server = Server::start_in(ServerKind::Tessera, dir, &["--appendonly", "yes"])?;
    let mut client = server.client()?;
    let sets: Vec<Vec<String>> = (0..200)
        .map(|i| vec!["SET".into(), format!("key:{i}"), format!("value-{i}")])
        .collect();
    client.pipeline(&sets)?;
    expect(&mut client, "RPUSH list a b c", int(3))?;
    expect(&mut client, "HSET hash f v", int(1))?;
    server.kill9();
    Ok(())
}

/// What [`write_some_and_kill`] wrote is all there, and the torn SET is not.
fn check_some(client: &mut Client) -> anyhow::Result<()> {
    expect(client, "DBSIZE", int(202))?;
    expect(client, "GET key:199", bulk("value-199"))?;
    expect(
        client,
        "LRANGE list 0 -1",
        array(vec![bulk("a"), bulk("b"), bulk("c")]),
    )?;
    expect(client, "GET torn", nil())
}

/// A server of `kind` started in `dir` with `args` must exit with a failure status, its log
/// naming every one of `wanted`.
fn refuses_to_start(
    kind: ServerKind,
    dir: &Path,
    args: &[&str],
    wanted: &[&str],
) -> anyhow::Result<()> {
    let exited = startup_failure(Server::start_in(kind, dir, args))
        .with_context(|| format!("{kind:?} {args:?}"))?;
    ensure!(
        !exited.status.success(),
        "{kind:?} exited with {}",
        exited.status
    );
    for text in wanted {
        ensure!(
            exited.log.contains(text),
            "{kind:?} {args:?}: the log does not name {text:?}:\n{}",
            exited.log
        );
    }
    Ok(())
}

#[test]
fn a_torn_tail_is_cut_under_aof_load_truncated_yes_and_stops_startup_under_no() -> anyhow::Result<()>
{
    let dir = TempDir::new("aof-torn")?;
    write_some_and_kill(dir.path())?;
    let aof_dir = dir.path().join(DEFAULT_DIR);
    let incr = listed_file(&aof_dir, 'i')?;
    let whole = file_len(&incr)?;
    let mut bytes = std::fs::read(&incr)?;
    bytes.extend_from_slice(TORN);
    std::fs::write(&incr, &bytes)?;
    let torn_len = whole + TORN.len() as u64;
    let name = file_name(&incr);

    // Redis on a copy: refuses under `no`, cuts the tail under `yes`.
    let copy = copy_aof_dir(dir.path(), DEFAULT_DIR, "aof-torn-redis")?;
    let redis_incr = copy.path().join(DEFAULT_DIR).join(&name);
    refuses_to_start(
        ServerKind::Redis,
        copy.path(),
        &["--appendonly", "yes", "--aof-load-truncated", "no"],
        &[&name],
    )?;
    ensure!(file_len(&redis_incr)? == torn_len, "Redis changed the file");
    let redis = Server::start_in(ServerKind::Redis, copy.path(), &["--appendonly", "yes"])?;
    check_some(&mut redis.client()?).context("Redis")?;
    ensure!(redis.log().contains("short read") && redis.log().contains(&name));
    ensure!(file_len(&redis_incr)? == whole, "Redis cut elsewhere");
    drop(redis);

    // Tessera: refuses under `no`, naming the file and the offset of the cut, and leaves
    // the file as it was.
    refuses_to_start(
        ServerKind::Tessera,
        dir.path(),
        &["--appendonly", "yes", "--aof-load-truncated", "no"],
        &[&name, &format!("offset {whole}"), "aof-load-truncated"],
    )?;
    ensure!(file_len(&incr)? == torn_len, "the refused file was changed");

    // Under `yes` (the default): a warning, the file cut after its last whole command, the
    // data there; later writes follow the cut and survive a kill.
    let mut server = Server::start_in(ServerKind::Tessera, dir.path(), &["--appendonly", "yes"])?;
    let log = server.log();
    ensure!(
        log.contains("short read") && log.contains(&name) && log.contains("aof-load-truncated"),
        "no warning about the torn tail:\n{log}"
    );
    ensure!(file_len(&incr)? == whole, "the file was not cut at {whole}");
    let mut client = server.client()?;
    check_some(&mut client)?;
    expect(&mut client, "SET after the-cut", ok())?;
    drop(client);
    server.kill9();
    server.restart()?;
    let mut client = server.client()?;
    expect(&mut client, "GET after", bulk("the-cut"))?;
    expect(&mut client, "DBSIZE", int(203))?;
    ensure!(
        !server.log().contains("short read"),
        "the file was still torn"
    );

    // A transaction whose EXEC never made it: cut before its MULTI (none of it applied), by
    // Redis (on a copy) as by Tessera.
    server.kill9();
    let before_multi = file_len(&incr)?;
    let mut bytes = std::fs::read(&incr)?;
    bytes.extend(encode_command(&["MULTI"]));
    bytes.extend(encode_command(&["SET", "in-multi", "v"]));
    std::fs::write(&incr, &bytes)?;
    let copy = copy_aof_dir(dir.path(), DEFAULT_DIR, "aof-multi-redis")?;
    let redis = Server::start_in(ServerKind::Redis, copy.path(), &["--appendonly", "yes"])?;
    expect(&mut redis.client()?, "GET in-multi", nil()).context("Redis")?;
    ensure!(
        file_len(&copy.path().join(DEFAULT_DIR).join(&name))? == before_multi,
        "Redis cut elsewhere"
    );
    drop(redis);
    server.restart()?;
    ensure!(
        file_len(&incr)? == before_multi,
        "the file was not cut before the MULTI"
    );
    let mut client = server.client()?;
    expect(&mut client, "GET in-multi", nil())?;
    expect(&mut client, "DBSIZE", int(203))?;
    Ok(())
}

/// A value LZF cannot shorten, so that it is in the RDB base as it is.
fn marker() -> String {
    random_text(&mut SmallRng::seed_from_u64(5), 300)
}

/// An AOF in `dir` whose base holds data (rewritten, with [`marker`]) and whose incremental
/// file holds commands after it, written by Tessera and stopped; returns (base, incr).
fn rewritten_aof(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let mut server = Server::start_in(ServerKind::Tessera, dir, &["--appendonly", "yes"])?;
    let mut client = server.client()?;
    let sets: Vec<Vec<String>> = (0..100)
        .map(|i| {
            vec![
                "SET".into(),
                format!("base:{i}"),
                format!("in-the-base-{i}"),
            ]
        })
        .collect();
    client.pipeline(&sets)?;
    expect_args(&mut client, &["SET", "marker", &marker()], ok())?;
    expect_args(
        &mut client,
        &["BGREWRITEAOF"],
        simple("Background append only file rewriting started"),
    )?;
    wait_until(SAVE_TIMEOUT, "the rewrite", || {
        Ok(persistence_field(&mut client, "aof_rewrites")? == "1")
    })?;
    let sets: Vec<Vec<String>> = (0..100)
        .map(|i| vec!["SET".into(), format!("incr:{i}"), format!("after-{i}")])
        .collect();
    client.pipeline(&sets)?;
    drop(client);
    server.stop()?;
    let aof_dir = dir.join(DEFAULT_DIR);
    Ok((listed_file(&aof_dir, 'b')?, listed_file(&aof_dir, 'i')?))
}

/// Redis on a copy of `dir`, then Tessera on `dir`, must refuse to start even with
/// `aof-load-truncated yes`, their logs naming `file`, which they leave as it was.
fn both_refuse(dir: &Path, file: &Path, wanted: &[&str]) -> anyhow::Result<()> {
    let before = std::fs::read(file)?;
    let name = file_name(file);
    let copy = copy_aof_dir(dir, DEFAULT_DIR, "aof-corrupt-redis")?;
    let args = ["--appendonly", "yes", "--aof-load-truncated", "yes"];
    refuses_to_start(ServerKind::Redis, copy.path(), &args, &[])?;
    let mut tessera_wanted = vec![name.as_str()];
    tessera_wanted.extend(wanted);
    refuses_to_start(ServerKind::Tessera, dir, &args, &tessera_wanted)?;
    ensure!(std::fs::read(file)? == before, "{name} was changed");
    Ok(())
}

#[test]
fn a_corrupt_command_or_base_stops_startup_whatever_aof_load_truncated_says() -> anyhow::Result<()>
{
    // A command in the middle of the incremental file that does not start with '*'.
    let dir = TempDir::new("aof-corrupt-incr")?;
    let (_, incr) = rewritten_aof(dir.path())?;
    let mut bytes = std::fs::read(&incr)?;
    let starts: Vec<usize> = bytes
        .windows(3)
        .enumerate()
        .filter(|(_, w)| *w == b"\n*3")
        .map(|(i, _)| i + 1)
        .collect();
    ensure!(
        starts.len() > 50,
        "{} commands in {}",
        starts.len(),
        incr.display()
    );
    bytes[starts[starts.len() / 2]] = b'!';
    std::fs::write(&incr, &bytes)?;
    both_refuse(dir.path(), &incr, &["Bad file format"])?;

    // One byte of a value in the RDB base changed: only the checksum tells.
    let dir = TempDir::new("aof-corrupt-base")?;
    let (base, _) = rewritten_aof(dir.path())?;
    let mut bytes = std::fs::read(&base)?;
    let marker = marker();
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker.as_bytes())
        .context("the marker value is not in the base")?;
    bytes[at + 150] ^= 0x20;
    std::fs::write(&base, &bytes)?;
    both_refuse(dir.path(), &base, &[])?;

    // The RDB base cut short: a torn base is not cut, whatever aof-load-truncated says.
    let dir = TempDir::new("aof-torn-base")?;
    let (base, _) = rewritten_aof(dir.path())?;
    let bytes = std::fs::read(&base)?;
    std::fs::write(&base, &bytes[..bytes.len() * 2 / 3])?;
    both_refuse(dir.path(), &base, &[])
}

// --- 5. Interop with redis-check-aof and redis-server --------------------------------------

/// Waits until `client` no longer answers `-LOADING` (Tessera answers DEBUG DIGEST while it
/// loads, so DBSIZE is what tells).
fn wait_loaded(client: &mut Client) -> anyhow::Result<()> {
    wait_until(SAVE_TIMEOUT, "the AOF to load", || {
        Ok(client.cmd(&["DBSIZE"])? != err(LOADING))
    })
}

#[test]
fn a_rewritten_aof_passes_redis_check_aof_and_loads_in_redis_to_the_same_digest()
-> anyhow::Result<()> {
    const DIRNAME: &str = "tessera-aof";
    let dir = TempDir::new("aof-interop")?;
    let args = with_debug(&["--appendonly", "yes", "--appenddirname", DIRNAME]);
    let mut tessera = Server::start_in(ServerKind::Tessera, dir.path(), &args)?;
    let mut t = tessera.client()?;
    // Every type and encoding, TTLs, databases 0, 3 and 15 (the RDB tests' dataset) ...
    every_type_dataset().run(&mut t)?;
    // ... keys that expire and are deleted (logged as DEL), a TTL removed, then the rewrite
    // writes them all into the base ...
    for line in [
        "SET short:a 1 PX 30",
        "SET short:b 2",
        "PEXPIRE short:b 30",
        "SET persisted v EX 100",
        "PERSIST persisted",
    ] {
        let reply = t.cmd(&line.split_whitespace().collect::<Vec<_>>())?;
        ensure!(!matches!(reply, Frame::Error(_)), "{line}: {reply}");
    }
    std::thread::sleep(Duration::from_millis(60));
    expect(&mut t, "EXISTS short:a short:b", int(0))?;
    expect_args(
        &mut t,
        &["BGREWRITEAOF"],
        simple("Background append only file rewriting started"),
    )?;
    wait_until(SAVE_TIMEOUT, "the rewrite", || {
        Ok(persistence_field(&mut t, "aof_rewrite_in_progress")? == "0"
            && persistence_field(&mut t, "aof_rewrites")? == "1")
    })?;
    ensure!(persistence_field(&mut t, "aof_last_bgrewrite_status")? == "ok");
    // ... and writes after it go to the new incremental file: every type again, in two
    // databases, with TTLs, an expired key, and a transaction.
    for line in [
        "SET after:string v",
        "INCRBY after:counter 41",
        "INCR after:counter",
        "RPUSH after:list a b c",
        "LPOP after:list",
        "HSET after:hash f1 v1 f2 v2",
        "HDEL after:hash f2",
        "SADD after:set x y z",
        "SREM after:set y",
        "ZADD after:zset 1 a 2 b 3 c",
        "ZINCRBY after:zset 10 a",
        "SET after:ttl v EX 5000",
        "EXPIRE str:int 9000",
        "DEL list:200",
        "SET after:short v PX 20",
        "SELECT 3",
        "SET db3:after v",
        "EXPIREAT db3:after 4102444800",
        "SELECT 0",
        "MULTI",
        "SET after:multi 1",
        "RPUSH after:list d",
        "EXEC",
    ] {
        let reply = t.cmd(&line.split_whitespace().collect::<Vec<_>>())?;
        ensure!(!matches!(reply, Frame::Error(_)), "{line}: {reply}");
    }
    std::thread::sleep(Duration::from_millis(40));
    expect(&mut t, "GET after:short", nil())?;
    let want = digest(&mut t)?;
    let sizes = dbsizes(&mut t)?;
    drop(t);
    tessera.stop()?;

    let aof_dir = dir.path().join(DIRNAME);
    let kinds: Vec<char> = manifest_files(&aof_dir)?.iter().map(|f| f.kind).collect();
    ensure!(kinds == ['b', 'i'], "the manifest lists {kinds:?}");
    ensure!(
        file_len(&listed_file(&aof_dir, 'i')?)? > 0,
        "nothing after the rewrite"
    );
    let manifest = aof_dir.join(MANIFEST);
    let checked = Command::new("redis-check-aof")
        .arg(&manifest)
        .output()
        .context("running redis-check-aof (Debian's redis-tools)")?;
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    ensure!(
        checked.status.success() && printed.contains("All AOF files and manifest are valid"),
        "redis-check-aof {}: {}\n{printed}",
        manifest.display(),
        checked.status
    );

    let copy = copy_aof_dir(dir.path(), DIRNAME, "aof-interop-redis")?;
    let redis = Server::start_in(ServerKind::Redis, copy.path(), &args)?;
    let mut r = redis.client()?;
    wait_loaded(&mut r)?;
    tessera.restart()?;
    let mut t = tessera.client()?;
    wait_loaded(&mut t)?;
    let (redis_digest, tessera_digest) = (digest(&mut r)?, digest(&mut t)?);
    if redis_digest != want || tessera_digest != want {
        bail!(
            "DEBUG DIGEST before the restart {want}, Redis loaded {redis_digest}, Tessera \
             reloaded {tessera_digest}; keys differing between Redis and Tessera: {:?}",
            differing_values(&mut r, &mut t)?
        );
    }
    ensure!(dbsizes(&mut r)? == sizes, "Redis's DBSIZEs differ");
    ensure!(dbsizes(&mut t)? == sizes, "Tessera's DBSIZEs differ");
    Ok(())
}

// --- 6. INFO persistence --------------------------------------------------------------------

/// The names of INFO persistence's fields from `aof_enabled` on, in order.
fn aof_field_names(client: &mut Client) -> anyhow::Result<Vec<String>> {
    let info = bulk_text(&client.cmd(&["INFO", "persistence"])?)?;
    Ok(info
        .lines()
        .filter_map(|line| line.split_once(':').map(|(name, _)| name.to_string()))
        .skip_while(|name| name != "aof_enabled")
        .collect())
}

#[test]
fn info_persistence_has_redis_aof_fields() -> anyhow::Result<()> {
    for appendonly in ["yes", "no"] {
        let args = ["--appendonly", appendonly];
        let redis = Server::start(ServerKind::Redis, &args)?;
        let tessera = Server::start(ServerKind::Tessera, &args)?;
        let want = aof_field_names(&mut redis.client()?)?;
        ensure!(want.len() > 5, "Redis printed {want:?}");
        let got = aof_field_names(&mut tessera.client()?)?;
        ensure!(
            got == want,
            "appendonly {appendonly}: {got:?}, Redis {want:?}"
        );
    }
    Ok(())
}

/// A numeric field of INFO persistence.
fn persistence_number(client: &mut Client, name: &str) -> anyhow::Result<i64> {
    let value = persistence_field(client, name)?;
    value
        .parse()
        .with_context(|| format!("{name}:{value} is not a number"))
}

/// The sizes of the base file and of all the manifest's files together.
fn aof_sizes(aof_dir: &Path) -> anyhow::Result<(i64, i64)> {
    let mut base = 0;
    let mut all = 0;
    for file in manifest_files(aof_dir)? {
        let len = file_len(&aof_dir.join(&file.name))? as i64;
        if file.kind == 'b' {
            base = len;
        }
        all += len;
    }
    Ok((base, all))
}

/// After a restart on existing files, `aof_base_size` is the base file and
/// `aof_current_size` all the files; a write adds what it appended to the current size; a
/// BGREWRITEAOF counts a rewrite with its time and status, and both sizes are then the new
/// files'. Checked against Redis, then Tessera.
#[test]
fn info_persistence_aof_sizes_and_rewrite_fields_move_as_redis() -> anyhow::Result<()> {
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let dir = TempDir::new("aof-info")?;
        let mut server = Server::start_in(kind, dir.path(), &["--appendonly", "yes"])?;
        let aof_dir = dir.path().join(DEFAULT_DIR);
        let check = |server: &mut Server| -> anyhow::Result<()> {
            let mut c = server.client()?;
            let sets: Vec<Vec<String>> = (0..50)
                .map(|i| vec!["SET".into(), format!("key:{i}"), "v".repeat(i)])
                .collect();
            c.pipeline(&sets)?;
            drop(c);
            server.stop()?;
            server.restart()?;
            let mut c = server.client()?;
            let (base, all) = aof_sizes(&aof_dir)?;
            ensure!(base > 0 && all > base, "base {base}, all {all}");
            ensure!(persistence_field(&mut c, "aof_enabled")? == "1");
            ensure!(persistence_number(&mut c, "aof_base_size")? == base);
            ensure!(persistence_number(&mut c, "aof_current_size")? == all);
            ensure!(persistence_field(&mut c, "aof_last_write_status")? == "ok");
            ensure!(persistence_number(&mut c, "aof_last_rewrite_time_sec")? == -1);
            ensure!(persistence_number(&mut c, "aof_rewrites")? == 0);

            let incr = listed_file(&aof_dir, 'i')?;
            let incr_before = file_len(&incr)? as i64;
            expect(&mut c, "RPUSH list a b c", int(3))?;
            expect(&mut c, "SET key:0 changed", ok())?;
            let grown = file_len(&incr)? as i64 - incr_before;
            ensure!(grown > 0, "the incremental file did not grow");
            ensure!(persistence_number(&mut c, "aof_current_size")? == all + grown);
            ensure!(persistence_number(&mut c, "aof_base_size")? == base);

            expect_args(
                &mut c,
                &["BGREWRITEAOF"],
                simple("Background append only file rewriting started"),
            )?;
            wait_until(SAVE_TIMEOUT, "the rewrite", || {
                Ok(persistence_field(&mut c, "aof_rewrite_in_progress")? == "0"
                    && persistence_number(&mut c, "aof_rewrites")? == 1)
            })?;
            ensure!(persistence_field(&mut c, "aof_last_bgrewrite_status")? == "ok");
            ensure!(persistence_number(&mut c, "aof_rewrites_consecutive_failures")? == 0);
            ensure!(persistence_number(&mut c, "aof_last_rewrite_time_sec")? >= 0);
            ensure!(persistence_number(&mut c, "aof_current_rewrite_time_sec")? == -1);
            let (new_base, new_all) = aof_sizes(&aof_dir)?;
            ensure!(
                new_base > base && new_all == new_base,
                "after the rewrite: base {new_base}, all {new_all}"
            );
            ensure!(persistence_number(&mut c, "aof_base_size")? == new_base);
            ensure!(persistence_number(&mut c, "aof_current_size")? == new_all);

            expect(&mut c, "SET one-more v", ok())?;
            let incr = listed_file(&aof_dir, 'i')?;
            let current = persistence_number(&mut c, "aof_current_size")?;
            ensure!(current == new_base + file_len(&incr)? as i64 && current > new_all);
            ensure!(persistence_number(&mut c, "aof_base_size")? == new_base);
            Ok(())
        };
        check(&mut server).with_context(|| format!("{kind:?}; its log:\n{}", server.log()))?;
    }
    Ok(())
}

/// `aof_base_size` is the AOF's size when the last rewrite ended (Redis's
/// `aof_rewrite_base_size`, the automatic rewrite's reference): the new base plus what was
/// written to the new incremental file while the rewrite ran, not the base file alone.
/// Redis, then Tessera.
#[test]
fn aof_base_size_counts_the_writes_made_while_a_rewrite_ran_as_redis() -> anyhow::Result<()> {
    const FILLER: usize = 100_000;
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let dir = TempDir::new("aof-base-size")?;
        let server = Server::start_in(kind, dir.path(), &["--appendonly", "yes"])?;
        let mut c = server.client()?;
        fill(&mut c, FILLER)?;
        let started = Instant::now();
        expect_args(
            &mut c,
            &["BGREWRITEAOF"],
            simple("Background append only file rewriting started"),
        )?;
        // Writes until the rewrite is seen to have ended, on keys of slot 0 (`{3560}`), which
        // Tessera's rewrite captures first: from then on they go to the new incremental file.
        let mut during = 0;
        for n in 0.. {
            expect_args(&mut c, &["SET", &format!("{{3560}}during:{n}"), "v"], ok())?;
            if persistence_field(&mut c, "aof_rewrite_in_progress")? == "0" {
                break;
            }
            during += 1;
            ensure!(
                started.elapsed() < SAVE_TIMEOUT,
                "{kind:?}: the rewrite did not end"
            );
        }
        let context = || format!("{kind:?}: {during} writes while the rewrite ran");
        ensure!(
            persistence_number(&mut c, "aof_rewrites")? == 1,
            "{}",
            context()
        );
        let (base, all) = aof_sizes(&dir.path().join(DEFAULT_DIR))?;
        let (reported_base, current) = (
            persistence_number(&mut c, "aof_base_size")?,
            persistence_number(&mut c, "aof_current_size")?,
        );
        ensure!(
            current == all && base < reported_base && reported_base <= current,
            "{}: aof_base_size {reported_base}, aof_current_size {current}; files: base {base}, \
             all {all}",
            context()
        );
        println!(
            "{}; rewrite and writes took {:?}",
            context(),
            started.elapsed()
        );
    }
    Ok(())
}

/// A file left under the next incremental file's name (a rewrite that crashed before its
/// manifest was written) is replaced, not appended to: its commands would otherwise replay
/// after the new base and bring back an old value.
#[test]
fn a_rewrite_replaces_a_stale_file_left_under_its_new_incremental_name() -> anyhow::Result<()> {
    let dir = TempDir::new("aof-stale-incr")?;
    let mut server = Server::start_in(ServerKind::Tessera, dir.path(), &["--appendonly", "yes"])?;
    let aof_dir = dir.path().join(DEFAULT_DIR);
    let mut c = server.client()?;
    expect(&mut c, "SET k current", ok())?;
    let incr = listed_file(&aof_dir, 'i')?;
    ensure!(file_name(&incr) == "appendonly.aof.1.incr.aof", "{incr:?}");
    // The name the next rewrite gives its incremental file.
    let stale = aof_dir.join("appendonly.aof.2.incr.aof");
    std::fs::write(&stale, encode_command(&["SET", "k", "stale"]))?;
    expect_args(
        &mut c,
        &["BGREWRITEAOF"],
        simple("Background append only file rewriting started"),
    )?;
    wait_until(SAVE_TIMEOUT, "the rewrite", || {
        Ok(persistence_field(&mut c, "aof_rewrites")? == "1")
    })?;
    ensure!(
        listed_file(&aof_dir, 'i')? == stale,
        "the new incremental file"
    );
    drop(c);
    server.stop()?;
    server.restart()?;
    let mut c = server.client()?;
    wait_loaded(&mut c)?;
    expect(&mut c, "GET k", bulk("current")).with_context(|| format!("its log:\n{}", server.log()))
}
