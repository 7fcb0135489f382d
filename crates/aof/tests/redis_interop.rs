//! Side by side with Debian's Redis 7.0 tools (`redis-server`, `redis-check-aof`): files
//! Redis writes are read by this crate, files this crate writes are accepted and loaded by
//! Redis, and a torn file is cut where `redis-check-aof --fix` cuts it. The tools must be
//! installed (CI installs them); a missing tool fails the test.

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command as Process, Output, Stdio};

use aof::{
    AofEncoder, AofPaths, BaseFormat, CommandReader, DEFAULT_MAX_BULK_LEN, Ending, FileKind,
    Manifest, Step, encode_command, has_rdb_preamble, open_new_incr, open_on_startup, prepare_load,
};
use bytes::Bytes;
use resp::Frame;
use test_harness::{Server, ServerKind, TempDir};

const DIRNAME: &str = "appendonlydir";
const FILENAME: &str = "appendonly.aof";

fn paths(dir: &Path) -> AofPaths {
    AofPaths::new(dir, DIRNAME, FILENAME)
}

/// Runs a Redis tool, failing clearly if it is not installed.
fn run_tool(program: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Process::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run `{program}` ({error}): these tests need Debian's Redis 7.0 tools \
                 on PATH (apt-get install redis-server redis-tools)"
            )
        });
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("writing the tool's input");
    child.wait_with_output().expect("waiting for the tool")
}

fn start_redis(dir: &Path) -> Server {
    // Fails with a clear "starting redis-server: No such file..." if it is not installed.
    Server::start_in(ServerKind::Redis, dir, &["--appendonly", "yes"])
        .expect("starting redis-server")
}

fn read_commands(path: &Path, start: u64) -> (Vec<Vec<Bytes>>, Ending) {
    let mut reader =
        CommandReader::open(path, start, DEFAULT_MAX_BULK_LEN).expect("opening an AOF file");
    let mut commands = Vec::new();
    loop {
        match reader.next_step().expect("reading an AOF file") {
            Step::Command(command) => commands.push(command.args),
            Step::End(ending) => return (commands, ending),
        }
    }
}

fn words(command: &[&str]) -> Vec<Bytes> {
    command
        .iter()
        .map(|word| Bytes::copy_from_slice(word.as_bytes()))
        .collect()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("listing a directory")
        .map(|entry| {
            let entry = entry.expect("listing a directory");
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn reads_the_layout_and_incr_file_redis_writes_and_creates_the_same_fresh_layout() {
    let dir = TempDir::new("aof-redis-writes").unwrap();
    let server = start_redis(dir.path());
    let mut client = server.client().unwrap();
    let script: [&[&str]; 7] = [
        &["SET", "k", "v w"],
        &["SELECT", "3"],
        &["RPUSH", "list", "a", ""],
        &["MULTI"],
        &["INCR", "n"],
        &["INCR", "n"],
        &["EXEC"],
    ];
    for command in script {
        let reply = client.cmd(command).unwrap();
        assert!(!matches!(reply, Frame::Error(_)), "{command:?}: {reply}");
    }

    let plan = prepare_load(&paths(dir.path())).unwrap();
    assert!(!plan.upgraded_legacy_file);
    let files: Vec<(&[u8], FileKind)> = plan
        .files
        .iter()
        .map(|planned| (&planned.file.name[..], planned.file.kind))
        .collect();
    assert_eq!(
        files,
        [
            (&b"appendonly.aof.1.base.rdb"[..], FileKind::Base),
            (b"appendonly.aof.1.incr.aof", FileKind::Incr),
        ]
    );
    assert!(has_rdb_preamble(&plan.files[0].path).unwrap());
    let (commands, ending) = read_commands(&plan.files[1].path, 0);
    let expected: Vec<Vec<Bytes>> = [
        &["SELECT", "0"][..],
        &["SET", "k", "v w"],
        &["SELECT", "3"],
        &["RPUSH", "list", "a", ""],
        &["MULTI"],
        &["INCR", "n"],
        &["INCR", "n"],
        &["EXEC"],
    ]
    .iter()
    .map(|command| words(command))
    .collect();
    assert_eq!(commands, expected);
    let incr_len = fs::metadata(&plan.files[1].path).unwrap().len();
    assert_eq!(ending, Ending::Complete { end: incr_len });

    // Our fresh layout: the same names and the same manifest bytes.
    let ours = TempDir::new("aof-fresh").unwrap();
    let our_paths = paths(ours.path());
    let mut manifest = prepare_load(&our_paths).unwrap().manifest;
    open_on_startup(&our_paths, &mut manifest, BaseFormat::Rdb, |_| Ok(())).unwrap();
    assert_eq!(
        fs::read(our_paths.manifest_path()).unwrap(),
        fs::read(paths(dir.path()).manifest_path()).unwrap()
    );
    assert_eq!(
        names(&our_paths.aof_dir()),
        names(&paths(dir.path()).aof_dir())
    );
}

/// Writes a layout with our code: an `.aof` base and two incr files (a binary value, two
/// databases, a MULTI block). Database 0 ends with 4 keys, database 1 with 3.
fn write_layout(dir: &Path) {
    let paths = paths(dir);
    let mut manifest = Manifest::new();
    open_on_startup(&paths, &mut manifest, BaseFormat::Aof, |file| {
        let mut base = Vec::new();
        let base_commands: [&[&[u8]]; 5] = [
            &[b"SELECT", b"0"],
            &[b"SET", b"a", b"1"],
            &[b"RPUSH", b"list", b"x", b"y"],
            &[b"SELECT", b"1"],
            &[b"SET", b"b", b"2"],
        ];
        for command in base_commands {
            encode_command(&mut base, command);
        }
        file.write_all(&base)
    })
    .expect("creating the layout");

    let mut encoder = AofEncoder::new();
    let mut incr = Vec::new();
    encoder.encode(
        &mut incr,
        Some(0),
        &[&b"SET"[..], b"bin key", b"v\r\n\0\xff"],
    );
    encoder.encode(&mut incr, Some(1), &["SET", "d", "4"]);
    encoder.encode(&mut incr, Some(0), &["DEL", "a"]);
    encoder.encode(&mut incr, Some(0), &["MULTI"]);
    encoder.encode(&mut incr, Some(0), &["SET", "e", "5"]);
    encoder.encode(&mut incr, Some(0), &["SET", "f", "6"]);
    encoder.encode(&mut incr, Some(0), &["EXEC"]);
    let (last_incr, _) = manifest.last_incr_or_new(FILENAME);
    fs::write(paths.file_path(&last_incr.name), &incr).expect("writing the incr file");

    // A rewrite starts: a second incr file, with SELECT issued again.
    let mut second = open_new_incr(&paths, &mut manifest).expect("opening a new incr file");
    encoder.forget_selected_db();
    let mut more = Vec::new();
    encoder.encode(&mut more, Some(1), &["SET", "g", "7"]);
    second
        .file
        .write_all(&more)
        .expect("writing the second incr file");
}

#[test]
fn redis_check_aof_accepts_and_redis_server_loads_what_we_write() {
    let dir = TempDir::new("aof-we-write").unwrap();
    write_layout(dir.path());
    let manifest_path = paths(dir.path()).manifest_path();
    assert_eq!(
        fs::read(&manifest_path).unwrap(),
        b"file appendonly.aof.1.base.aof seq 1 type b\n\
file appendonly.aof.1.incr.aof seq 1 type i\n\
file appendonly.aof.2.incr.aof seq 2 type i\n"
    );

    let check = run_tool("redis-check-aof", &[manifest_path.to_str().unwrap()], b"");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}");
    assert!(
        report.contains("All AOF files and manifest are valid"),
        "{report}"
    );

    let server = start_redis(dir.path());
    let mut client = server.client().unwrap();
    assert_eq!(
        client.cmd(&["DBSIZE"]).unwrap(),
        Frame::Integer(4),
        "{}",
        server.log()
    );
    assert_eq!(
        client.cmd(&["GET", "bin key"]).unwrap(),
        Frame::Bulk(Bytes::from_static(b"v\r\n\0\xff"))
    );
    assert_eq!(client.cmd(&["LLEN", "list"]).unwrap(), Frame::Integer(2));
    client.cmd(&["SELECT", "1"]).unwrap();
    assert_eq!(client.cmd(&["DBSIZE"]).unwrap(), Frame::Integer(3));
    // Redis kept our manifest and appends to our last incr file.
    assert_eq!(
        names(&paths(dir.path()).aof_dir()),
        [
            "appendonly.aof.1.base.aof",
            "appendonly.aof.1.incr.aof",
            "appendonly.aof.2.incr.aof",
            "appendonly.aof.manifest"
        ]
    );
}

/// `ok_up_to=<n>` from `redis-check-aof`'s report on the incr file.
fn ok_up_to(report: &str) -> u64 {
    let line = report
        .lines()
        .find(|line| line.contains("filename=appendonly.aof.1.incr.aof"))
        .unwrap_or_else(|| panic!("no analysis of the incr file in:\n{report}"));
    let value = line
        .split(", ")
        .find_map(|field| field.strip_prefix("ok_up_to="))
        .unwrap_or_else(|| panic!("no ok_up_to in {line}"));
    value.parse().expect("ok_up_to is a number")
}

#[test]
fn a_torn_incr_file_is_cut_where_redis_check_aof_cuts_it_at_every_length() {
    let dir = TempDir::new("aof-torn").unwrap();
    let paths = paths(dir.path());
    let mut manifest = Manifest::new();
    open_on_startup(&paths, &mut manifest, BaseFormat::Aof, |file| {
        let mut base = Vec::new();
        encode_command(&mut base, &["SET", "base", "1"]);
        file.write_all(&base)
    })
    .unwrap();
    let mut encoder = AofEncoder::new();
    let mut incr = Vec::new();
    for command in [
        &["SET", "x", "1"][..],
        &["MULTI"],
        &["SET", "y", "22"],
        &["INCR", "z"],
        &["EXEC"],
        &["DEL", "x"],
    ] {
        encoder.encode(&mut incr, Some(0), command);
    }
    let incr_path = paths.file_path(b"appendonly.aof.1.incr.aof");
    let manifest_arg = paths.manifest_path().to_str().unwrap().to_owned();

    for cut in 0..=incr.len() {
        let torn = &incr[..cut];
        fs::write(&incr_path, torn).unwrap();
        let (_, ending) = read_commands(&incr_path, 0);
        let check = run_tool("redis-check-aof", &[&manifest_arg], b"");
        let report = String::from_utf8_lossy(&check.stdout).into_owned();
        match ending.truncate_to() {
            None => assert!(check.status.success(), "cut {cut}: {ending:?}\n{report}"),
            Some(offset) => {
                assert!(!check.status.success(), "cut {cut}: {ending:?}\n{report}");
                // Its verdict; the detail ("Expected to read 3 bytes, got 1 bytes",
                // "Reached EOF before reading EXEC for MULTI") is missing when the file
                // ends exactly at a line boundary.
                assert!(
                    report.contains("AOF appendonly.aof.1.incr.aof is not valid"),
                    "cut {cut}: not reported as truncated:\n{report}"
                );
                assert_eq!(ok_up_to(&report), offset, "cut {cut}: {ending:?}\n{report}");
                // --fix cuts the file to the same length, which then reads as complete.
                let fix = run_tool("redis-check-aof", &["--fix", &manifest_arg], b"y\n");
                assert!(
                    fix.status.success(),
                    "cut {cut}: {}",
                    String::from_utf8_lossy(&fix.stdout)
                );
                assert_eq!(fs::metadata(&incr_path).unwrap().len(), offset, "cut {cut}");
                let (_, fixed) = read_commands(&incr_path, 0);
                assert_eq!(fixed, Ending::Complete { end: offset }, "cut {cut}");
            }
        }
    }
}

#[test]
fn upgrades_an_old_appendonly_aof_as_redis_does() {
    let mut legacy = Vec::new();
    encode_command(&mut legacy, &["SET", "old", "1"]);
    encode_command(&mut legacy, &["SET", "older", "2"]);

    let theirs = TempDir::new("aof-upgrade-redis").unwrap();
    fs::write(paths(theirs.path()).legacy_file_path(), &legacy).unwrap();
    let server = start_redis(theirs.path());
    assert_eq!(
        server.client().unwrap().cmd(&["DBSIZE"]).unwrap(),
        Frame::Integer(2)
    );

    let ours = TempDir::new("aof-upgrade-ours").unwrap();
    let our_paths = paths(ours.path());
    fs::write(our_paths.legacy_file_path(), &legacy).unwrap();
    let plan = prepare_load(&our_paths).unwrap();
    assert!(plan.upgraded_legacy_file);
    let (commands, _) = read_commands(&plan.files[0].path, 0);
    assert_eq!(commands.len(), 2);
    let mut manifest = plan.manifest;
    open_on_startup(&our_paths, &mut manifest, BaseFormat::Rdb, |_| {
        panic!("the old file is the base")
    })
    .unwrap();

    assert_eq!(
        fs::read(our_paths.manifest_path()).unwrap(),
        fs::read(paths(theirs.path()).manifest_path()).unwrap()
    );
    assert_eq!(
        names(&our_paths.aof_dir()),
        names(&paths(theirs.path()).aof_dir())
    );
    assert!(!our_paths.legacy_file_path().exists());
    assert!(!paths(theirs.path()).legacy_file_path().exists());
}
