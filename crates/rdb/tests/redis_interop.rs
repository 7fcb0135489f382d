//! Interoperability with Debian's redis-server 7.0 (and its redis-check-rdb):
//! files Redis saves decode to what Redis serves, DUMP payloads agree both
//! ways, and files this crate writes pass redis-check-rdb and load.
//!
//! Needs `redis-server` and `redis-check-rdb` on PATH (Debian's
//! redis-server package); without them these tests fail, saying so.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufReader;
use std::path::Path;
use std::process::Command;

use listpack::{Element, Intset, IntsetView, Listpack, ListpackView};
use rdb::{
    Decoder, Encoder, EncoderOptions, KeyRecord, ListNode, RdbError, Record, Value,
    decode_dump_payload, encode_dump_payload,
};
use resp::Frame;
use test_harness::{Client, Server, ServerKind, TempDir};

// --- tools and RESP --------------------------------------------------------

/// Fails (not skips) when the Redis tools are missing.
fn require_redis_tools() {
    for tool in ["redis-server", "redis-check-rdb"] {
        if let Err(error) = Command::new(tool).arg("--version").output() {
            panic!(
                "`{tool}` could not be run ({error}): these tests need Debian's redis-server 7.0 \
                 (apt-get install redis-server)"
            );
        }
    }
}

fn start_redis(extra_args: &[&str]) -> Server {
    require_redis_tools();
    Server::start(ServerKind::Redis, extra_args).expect("redis-server starts")
}

fn cmd<A: AsRef<[u8]>>(client: &mut Client, args: &[A]) -> Frame {
    let reply = client.cmd(args).expect("redis-server answers");
    if let Frame::Error(message) = &reply {
        panic!(
            "{:?} failed: {}",
            args.iter()
                .map(|a| String::from_utf8_lossy(a.as_ref()).into_owned())
                .collect::<Vec<_>>(),
            String::from_utf8_lossy(message)
        );
    }
    reply
}

fn bulk(frame: Frame) -> Vec<u8> {
    match frame {
        Frame::Bulk(bytes) | Frame::Simple(bytes) => bytes.to_vec(),
        other => panic!("expected a bulk string, got {other:?}"),
    }
}

fn bulks(frame: Frame) -> Vec<Vec<u8>> {
    match frame {
        Frame::Array(items) => items.into_iter().map(bulk).collect(),
        other => panic!("expected an array, got {other:?}"),
    }
}

fn integer(frame: Frame) -> i64 {
    match frame {
        Frame::Integer(value) => value,
        other => panic!("expected an integer, got {other:?}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// --- comparing values ------------------------------------------------------

/// A value's content, whatever its encoding.
#[derive(Debug, PartialEq)]
enum Contents {
    String(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
    ZSet(BTreeMap<Vec<u8>, f64>),
    Hash(BTreeMap<Vec<u8>, Vec<u8>>),
}

fn elements(listpack: &[u8]) -> Vec<Vec<u8>> {
    ListpackView::new(listpack)
        .iter()
        .map(|e| e.to_vec())
        .collect()
}

fn contents(value: &Value) -> Contents {
    match value {
        Value::String(bytes) => Contents::String(bytes.clone()),
        Value::List(nodes) => Contents::List(
            nodes
                .iter()
                .flat_map(|node| match node {
                    ListNode::Listpack(listpack) => elements(listpack),
                    ListNode::Element(element) => vec![element.clone()],
                })
                .collect(),
        ),
        Value::SetIntset(bytes) => Contents::Set(
            IntsetView::new(bytes)
                .iter()
                .map(|v| v.to_string().into_bytes())
                .collect(),
        ),
        Value::SetListpack(bytes) => Contents::Set(elements(bytes).into_iter().collect()),
        Value::Set(members) => Contents::Set(members.iter().cloned().collect()),
        Value::ZSetListpack(bytes) => Contents::ZSet(
            ListpackView::new(bytes)
                .pairs()
                .map(|(member, score)| (member.to_vec(), score.to_f64().expect("a score")))
                .collect(),
        ),
        Value::ZSet(members) => Contents::ZSet(members.iter().cloned().collect()),
        Value::HashListpack(bytes) => Contents::Hash(
            ListpackView::new(bytes)
                .pairs()
                .map(|(field, value)| (field.to_vec(), value.to_vec()))
                .collect(),
        ),
        Value::Hash(pairs) => Contents::Hash(pairs.iter().cloned().collect()),
    }
}

/// What the server holds at `key`, read with ordinary commands.
fn server_contents(client: &mut Client, key: &[u8]) -> Contents {
    let key_type = bulk(cmd(client, &[&b"TYPE"[..], key]));
    match key_type.as_slice() {
        b"string" => Contents::String(bulk(cmd(client, &[&b"GET"[..], key]))),
        b"list" => Contents::List(bulks(cmd(client, &[&b"LRANGE"[..], key, b"0", b"-1"]))),
        b"set" => Contents::Set(
            bulks(cmd(client, &[&b"SMEMBERS"[..], key]))
                .into_iter()
                .collect(),
        ),
        b"zset" => {
            let flat = bulks(cmd(
                client,
                &[&b"ZRANGE"[..], key, b"0", b"-1", b"WITHSCORES"],
            ));
            Contents::ZSet(
                flat.chunks(2)
                    .map(|pair| {
                        let score: f64 = text(&pair[1]).parse().expect("Redis prints a number");
                        (pair[0].clone(), score)
                    })
                    .collect(),
            )
        }
        b"hash" => {
            let flat = bulks(cmd(client, &[&b"HGETALL"[..], key]));
            Contents::Hash(
                flat.chunks(2)
                    .map(|pair| (pair[0].clone(), pair[1].clone()))
                    .collect(),
            )
        }
        other => panic!("key {} has type {}", text(key), text(other)),
    }
}

fn assert_served(client: &mut Client, key: &[u8], value: &Value) {
    assert_eq!(
        server_contents(client, key),
        contents(value),
        "key {}",
        text(key)
    );
}

// --- values ------------------------------------------------------------------

/// Pseudo-random bytes (xorshift): incompressible.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn listpack_of<'a>(items: impl IntoIterator<Item = Element<'a>>) -> Vec<u8> {
    let mut listpack = Listpack::new();
    for item in items {
        listpack.push_back(item);
    }
    listpack.into_bytes()
}

fn strs(items: &[&str]) -> Vec<u8> {
    listpack_of(items.iter().map(|s| Element::Str(s.as_bytes())))
}

fn numbered(prefix: &str, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| format!("{prefix}{i}").into_bytes())
        .collect()
}

/// Values of every kind and encoding the encoder writes.
fn sample_values() -> Vec<(Vec<u8>, Value)> {
    let big_intset: Intset = (1..=10).chain([-70_000, 1 << 40]).collect();
    let long_nodes: Vec<Vec<u8>> = numbered("element-", 100);
    let first_node = listpack_of(long_nodes.iter().map(|e| Element::Str(e)));
    let values = vec![
        ("s:int", Value::String(b"123".to_vec())),
        ("s:neg", Value::String(b"-5000000".to_vec())),
        ("s:big", Value::String(b"99999999999".to_vec())),
        ("s:minus-zero", Value::String(b"-0".to_vec())),
        ("s:text", Value::String(b"hello world".to_vec())),
        ("s:long", Value::String(b"abc".repeat(400))),
        ("s:noise", Value::String(noise(300))),
        ("s:empty", Value::String(Vec::new())),
        (
            "l:small",
            Value::List(vec![ListNode::Listpack(strs(&["a", "1", "-2", "3.5"]))]),
        ),
        (
            "l:nodes",
            Value::List(vec![
                ListNode::Listpack(first_node),
                ListNode::Listpack(strs(&["x"; 150])),
                ListNode::Element(b"p".repeat(10_000)),
                ListNode::Listpack(strs(&["tail"])),
            ]),
        ),
        (
            "l:plain",
            Value::List(vec![
                ListNode::Element(b"first".to_vec()),
                ListNode::Element(noise(9000)),
            ]),
        ),
        ("set:intset", Value::SetIntset(big_intset.into_bytes())),
        ("set:listpack", Value::SetListpack(strs(&["x", "y", "42"]))),
        (
            "set:strings",
            Value::Set(vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]),
        ),
        ("set:large", Value::Set(numbered("member-", 600))),
        (
            "z:listpack",
            Value::ZSetListpack(strs(&["c", "-inf", "a", "1", "b", "2.5", "d", "inf"])),
        ),
        (
            "z:skiplist",
            Value::ZSet(
                numbered("m", 200)
                    .into_iter()
                    .enumerate()
                    .map(|(i, member)| (member, i as f64 * 0.5 - 7.25))
                    .chain([
                        (b"top".to_vec(), f64::INFINITY),
                        (b"bottom".to_vec(), f64::NEG_INFINITY),
                    ])
                    .collect(),
            ),
        ),
        (
            "h:listpack",
            Value::HashListpack(strs(&["f1", "v1", "f2", "2"])),
        ),
        (
            "h:large",
            Value::Hash(
                numbered("field-", 200)
                    .into_iter()
                    .zip(numbered("value-", 200))
                    .collect(),
            ),
        ),
        (
            "h:bigvalue",
            Value::Hash(vec![(b"f".to_vec(), b"v".repeat(100))]),
        ),
    ];
    values
        .into_iter()
        .map(|(key, value)| (key.as_bytes().to_vec(), value))
        .collect()
}

// --- Redis writes, we read ------------------------------------------------------

/// A far-future expire time (2100-01-01), in Unix milliseconds.
const EXPIRE_AT_MS: i64 = 4_102_444_800_000;

/// Fills `client`'s database 0 with keys of every type, small and large.
fn populate(client: &mut Client) {
    let mut run = |args: Vec<Vec<u8>>| {
        cmd(client, &args);
    };
    let command = |parts: &[&[u8]], rest: Vec<Vec<u8>>| -> Vec<Vec<u8>> {
        parts.iter().map(|p| p.to_vec()).chain(rest).collect()
    };
    for (key, value) in [
        ("str:int", b"12345".to_vec()),
        ("str:bigint", b"12345678901234".to_vec()),
        ("str:neg", b"-7".to_vec()),
        ("str:2147483648", b"2147483648".to_vec()),
        ("str:minus-zero", b"-0".to_vec()),
        ("str:007", b"007".to_vec()),
        ("str:embstr", b"hello".to_vec()),
        ("str:empty", Vec::new()),
        ("str:compressible", b"redis ".repeat(100)),
        ("str:noise", noise(500)),
    ] {
        run(command(&[b"SET", key.as_bytes()], vec![value]));
    }
    run(command(
        &[b"RPUSH", b"list:small"],
        vec![
            b"a".to_vec(),
            b"1".to_vec(),
            b"-2".to_vec(),
            b"3.5".to_vec(),
        ],
    ));
    // Over the 8 KB of one quicklist node.
    run(command(&[b"RPUSH", b"list:large"], numbered("item-", 2000)));
    run(command(
        &[b"RPUSH", b"list:big-elements"],
        vec![b"q".repeat(10_000), b"small".to_vec(), noise(12_000)],
    ));
    run(command(
        &[b"SADD", b"set:intset"],
        ["1", "2", "3", "-100", "70000", "1099511627776"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect(),
    ));
    run(command(
        &[b"SADD", b"set:strings"],
        vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()],
    ));
    run(command(
        &[b"SADD", b"set:large-ints"],
        (0..600)
            .map(|i: i32| (i * 7).to_string().into_bytes())
            .collect(),
    ));
    run(command(
        &[b"ZADD", b"zset:small"],
        ["1", "a", "2.5", "b", "-inf", "c", "inf", "d", "-0.125", "e"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect(),
    ));
    let mut large_zset = Vec::new();
    for i in 0..200 {
        large_zset.push(format!("{}", f64::from(i) * 1.5 - 100.0).into_bytes());
        large_zset.push(format!("member-{i}").into_bytes());
    }
    large_zset.extend([
        b"+inf".to_vec(),
        b"top".to_vec(),
        b"-inf".to_vec(),
        b"bottom".to_vec(),
    ]);
    run(command(&[b"ZADD", b"zset:large"], large_zset));
    run(command(
        &[b"HSET", b"hash:small"],
        vec![
            b"f1".to_vec(),
            b"v1".to_vec(),
            b"n".to_vec(),
            b"42".to_vec(),
        ],
    ));
    // Over hash-max-listpack-entries (512).
    let mut large_hash = Vec::new();
    for i in 0..600 {
        large_hash.push(format!("field-{i}").into_bytes());
        large_hash.push(format!("value-{i}").into_bytes());
    }
    run(command(&[b"HSET", b"hash:large"], large_hash));
    run(command(
        &[b"HSET", b"hash:big-value"],
        vec![b"f".to_vec(), b"x".repeat(100)],
    ));
    run(command(&[b"SET", b"expiring"], vec![b"soon".to_vec()]));
    run(command(
        &[b"PEXPIREAT", b"expiring"],
        vec![EXPIRE_AT_MS.to_string().into_bytes()],
    ));
}

/// Which encoding each key must come back in, so both small and large
/// encodings are really exercised.
fn expected_kind(key: &[u8]) -> &'static str {
    match key {
        b"list:small" | b"list:large" | b"list:big-elements" => "list",
        b"set:intset" => "intset",
        b"set:strings" | b"set:large-ints" => "set",
        b"zset:small" => "zset listpack",
        b"zset:large" => "zset",
        b"hash:small" => "hash listpack",
        b"hash:large" | b"hash:big-value" => "hash",
        _ => "string",
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::SetIntset(_) => "intset",
        Value::SetListpack(_) => "set listpack",
        Value::Set(_) => "set",
        Value::ZSetListpack(_) => "zset listpack",
        Value::ZSet(_) => "zset",
        Value::HashListpack(_) => "hash listpack",
        Value::Hash(_) => "hash",
    }
}

/// Every record of the RDB file at `path`.
fn decode_file(path: &Path) -> (u16, Vec<Record>) {
    let file = std::fs::File::open(path).expect("the RDB file exists");
    let mut decoder = Decoder::new(BufReader::new(file)).expect("a valid header");
    let mut records = Vec::new();
    loop {
        let record = decoder.next_record().expect("a valid record");
        if record == Record::Eof {
            return (decoder.version(), records);
        }
        records.push(record);
    }
}

fn keys_of(records: Vec<Record>) -> BTreeMap<Vec<u8>, KeyRecord> {
    records
        .into_iter()
        .filter_map(|record| match record {
            Record::Key(key) => Some((key.key.clone(), key)),
            _ => None,
        })
        .collect()
}

#[test]
fn redis_save_decodes_to_what_redis_serves() {
    let server = start_redis(&[]);
    let mut client = server.client().unwrap();
    populate(&mut client);
    cmd(&mut client, &["SAVE"]);
    let (version, records) = decode_file(&server.dir().join("dump.rdb"));
    assert_eq!(version, 10);
    assert!(records.contains(&Record::Aux {
        key: b"redis-ver".to_vec(),
        value: b"7.0.15".to_vec()
    }));
    assert!(records.contains(&Record::Aux {
        key: b"redis-bits".to_vec(),
        value: b"64".to_vec()
    }));
    assert_eq!(
        records
            .iter()
            .filter(|r| **r == Record::SelectDb(0))
            .count(),
        1
    );
    let keys = keys_of(records);
    assert_eq!(
        keys.len() as i64,
        integer(cmd(&mut client, &["DBSIZE"])),
        "every key decoded"
    );
    for (key, record) in &keys {
        assert_eq!(kind(&record.value), expected_kind(key), "key {}", text(key));
        assert_served(&mut client, key, &record.value);
        let expire = integer(cmd(&mut client, &[&b"PEXPIRETIME"[..], key]));
        assert_eq!(record.expire_ms, (expire >= 0).then_some(expire));
    }
    assert_eq!(keys[&b"expiring"[..]].expire_ms, Some(EXPIRE_AT_MS));
    for (key, min_nodes) in [(&b"list:large"[..], 2), (b"list:big-elements", 3)] {
        match &keys[key].value {
            Value::List(nodes) => assert!(nodes.len() >= min_nodes, "{} nodes", nodes.len()),
            other => panic!("{other:?}"),
        }
    }
    let compressible = b"redis ".repeat(100);
    assert_eq!(
        keys[&b"str:compressible"[..]].value,
        Value::String(compressible)
    );

    // DUMP agrees with the file, and with compression off, Redis's DUMP is
    // byte for byte what the encoder writes for the decoded value.
    for (key, record) in &keys {
        let payload = bulk(cmd(&mut client, &[&b"DUMP"[..], key]));
        let (_, value) = decode_dump_payload(&payload, true).expect("Redis's DUMP decodes");
        assert_eq!(value, record.value, "DUMP of {}", text(key));
    }
    cmd(&mut client, &["CONFIG", "SET", "rdbcompression", "no"]);
    for (key, record) in &keys {
        let payload = bulk(cmd(&mut client, &[&b"DUMP"[..], key]));
        assert_eq!(
            encode_dump_payload(&record.value, false),
            payload,
            "DUMP of {} byte for byte",
            text(key)
        );
    }
}

// --- we write, Redis reads ----------------------------------------------------

#[test]
fn redis_restores_encoder_payloads() {
    // Deep checks of every restored listpack and intset, as Redis can do.
    let server = start_redis(&["--sanitize-dump-payload", "yes"]);
    let mut client = server.client().unwrap();
    for compression in [false, true] {
        cmd(&mut client, &["FLUSHALL"]);
        for (key, value) in sample_values() {
            let payload = encode_dump_payload(&value, compression);
            if key == b"s:long" {
                let lzf = payload[1] == 0xC3;
                assert_eq!(lzf, compression, "the long string is compressed iff asked");
            }
            cmd(&mut client, &[&b"RESTORE"[..], &key, b"0", &payload]);
            assert_served(&mut client, &key, &value);
            // And Redis's DUMP of what it restored reads back the same.
            let dumped = bulk(cmd(&mut client, &[&b"DUMP"[..], &key]));
            let (_, back) = decode_dump_payload(&dumped, true).unwrap();
            assert_eq!(contents(&back), contents(&value), "key {}", text(&key));
        }
    }

    // Both sides classify bad payloads alike.
    let good = encode_dump_payload(&Value::String(b"v".to_vec()), false);
    let mut bad_crc = good.clone();
    bad_crc[2] ^= 1;
    let mut set_listpack = vec![20u8, 7];
    set_listpack.extend_from_slice(&strs(&["a"]));
    set_listpack.extend_from_slice(&10u16.to_le_bytes());
    let crc = rdb::crc64::crc64(0, &set_listpack);
    set_listpack.extend_from_slice(&crc.to_le_bytes());
    for (payload, footer_error) in [(bad_crc, true), (set_listpack, false)] {
        let reply = client
            .cmd(&[&b"RESTORE"[..], b"bad", b"0", &payload])
            .unwrap();
        let ours = decode_dump_payload(&payload, true).unwrap_err();
        assert_eq!(matches!(ours, RdbError::DumpFooter(_)), footer_error);
        let expected = if footer_error {
            "ERR DUMP payload version or checksum are wrong"
        } else {
            "ERR Bad data format"
        };
        assert_eq!(reply, Frame::Error(expected.as_bytes().to_vec().into()));
    }
}

/// A function library Redis 7.0 loads.
const LIBRARY: &[u8] =
    b"#!lua name=rdbtest\nredis.register_function('answer', function(keys, args) return 42 end)";

/// A whole RDB file holding every sample value in db 0 (one with an
/// expire), one key in db 3, and a function library.
fn whole_file(options: EncoderOptions) -> Vec<u8> {
    let mut encoder = Encoder::new(options);
    encoder.header();
    encoder.aux(b"redis-ver", b"7.0.15");
    encoder.aux(b"redis-bits", b"64");
    encoder.aux(b"ctime", b"1700000000");
    encoder.aux(b"used-mem", b"1000000");
    encoder.aux(b"aof-base", b"0");
    encoder.function(LIBRARY);
    let mut file = encoder.take_buffer();
    let values = sample_values();
    encoder.select_db(0);
    encoder.resize_db(values.len() as u64, 1);
    for (index, (key, value)) in values.iter().enumerate() {
        if index == 0 {
            encoder.expire_ms(EXPIRE_AT_MS);
        }
        encoder.key_value(key, value);
        // Drain as a writer would, in chunks.
        file.extend(encoder.take_buffer());
    }
    encoder.select_db(3);
    encoder.resize_db(1, 0);
    encoder.key_value(b"in-db-3", &Value::String(b"three".to_vec()));
    encoder.eof();
    file.extend(encoder.take_buffer());
    file
}

#[test]
fn encoder_files_pass_redis_check_rdb_and_load() {
    require_redis_tools();
    for (name, options) in [
        ("default.rdb", EncoderOptions::default()),
        (
            "plain.rdb",
            EncoderOptions {
                compression: false,
                checksum: false,
            },
        ),
    ] {
        let dir = TempDir::new("rdb-interop").unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, whole_file(options)).unwrap();

        let check = Command::new("redis-check-rdb").arg(&path).output().unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        assert!(check.status.success(), "redis-check-rdb {name}:\n{report}");
        assert!(report.contains("RDB looks OK"), "{report}");

        // Our decoder reads it back too.
        let (version, records) = decode_file(&path);
        assert_eq!(version, 10);
        assert!(records.contains(&Record::Function(LIBRARY.to_vec())));

        let server = Server::start_in(ServerKind::Redis, dir.path(), &["--dbfilename", name])
            .expect("redis-server loads the file");
        let mut client = server.client().unwrap();
        let values = sample_values();
        assert_eq!(
            integer(cmd(&mut client, &["DBSIZE"])),
            values.len() as i64,
            "{}",
            server.log()
        );
        for (key, value) in &values {
            assert_served(&mut client, key, value);
        }
        let first = &values[0].0;
        assert_eq!(
            integer(cmd(&mut client, &[&b"PEXPIRETIME"[..], first])),
            EXPIRE_AT_MS
        );
        assert_eq!(
            integer(cmd(&mut client, &["FCALL", "answer", "0"])),
            42,
            "the function library loaded"
        );
        cmd(&mut client, &["SELECT", "3"]);
        assert_eq!(integer(cmd(&mut client, &["DBSIZE"])), 1);
        assert_eq!(bulk(cmd(&mut client, &["GET", "in-db-3"])), b"three");
        drop(server);
    }
}
