//! Server commands beyond the keyspace: DEBUG DIGEST against Redis's algorithm, MONITOR,
//! CLIENT PAUSE, OBJECT FREQ under an LFU policy, CONFIG SET port, SHUTDOWN and the pidfile.

use std::time::Duration;

use anyhow::{bail, ensure};
use resp::Frame;
use test_harness::{Client, Server, ServerKind, wait_until};

use crate::support::{DEBUG_ENABLED, bulk, expect, int, ok, on_both, on_both_with};

fn status_text(frame: &Frame) -> anyhow::Result<String> {
    match frame {
        Frame::Simple(s) => Ok(String::from_utf8_lossy(s).into_owned()),
        other => bail!("expected a status reply, got {other}"),
    }
}

#[test]
fn debug_digest_equals_redis_for_the_same_dataset() -> anyhow::Result<()> {
    let script: &[&[&str]] = &[
        &["SET", "a", "1"],
        &["SET", "b", "hello world"],
        &["SET", "c", "12345678901"],
        &["EXPIRE", "c", "1000"],
        &["SELECT", "3"],
        &["SET", "in-db-3", "x"],
        &["SELECT", "0"],
        &["APPEND", "b", "!"],
        &["INCRBYFLOAT", "f", "10.5"],
    ];
    let mut digests = Vec::new();
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let server = Server::start(kind, &DEBUG_ENABLED)?;
        let mut c = server.client()?;
        let empty = status_text(&c.cmd(&["DEBUG", "DIGEST"])?)?;
        ensure!(empty == "0".repeat(40), "{kind:?}: empty digest {empty}");
        for cmd in script {
            c.cmd(cmd)?;
        }
        let all = status_text(&c.cmd(&["DEBUG", "DIGEST"])?)?;
        let values = c.cmd(&["DEBUG", "DIGEST-VALUE", "a", "c", "missing"])?;
        digests.push((all, values));
    }
    ensure!(
        digests[0] == digests[1],
        "redis {:?} vs tessera {:?}",
        digests[0],
        digests[1]
    );
    Ok(())
}

/// A MONITOR line without its timestamp and client port: `[db 127.0.0.1] "cmd" "arg"`.
fn monitor_line_shape(line: &str) -> String {
    let after_time = line.split_once(' ').map_or("", |(_, rest)| rest);
    match after_time.split_once(']') {
        Some((client, args)) => {
            let db_ip = client.rsplit_once(':').map_or(client, |(left, _)| left);
            format!("{db_ip}]{args}")
        }
        None => after_time.to_string(),
    }
}

#[test]
fn monitor_streams_commands_as_redis_formats_them() -> anyhow::Result<()> {
    let mut seen = Vec::new();
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let server = Server::start(kind, &[])?;
        let mut monitor = server.client()?;
        ensure!(monitor.cmd(&["MONITOR"])? == ok());
        let mut c = server.client()?;
        c.cmd(&["SET", "k", "a \"quoted\"\nvalue"])?;
        c.cmd(&["SELECT", "2"])?;
        c.cmd(&["GET", "k"])?;
        // Admin commands are not shown.
        c.cmd(&["CONFIG", "GET", "port"])?;
        c.cmd(&["PING"])?;
        let mut lines = Vec::new();
        while lines.len() < 4 {
            match monitor.read_frame()? {
                Frame::Simple(s) => lines.push(monitor_line_shape(&String::from_utf8_lossy(&s))),
                other => bail!("{kind:?}: unexpected {other}"),
            }
        }
        seen.push(lines);
    }
    ensure!(
        seen[0] == seen[1],
        "redis {:?}\ntessera {:?}",
        seen[0],
        seen[1]
    );
    ensure!(
        seen[1][0] == "[0 127.0.0.1] \"SET\" \"k\" \"a \\\"quoted\\\"\\nvalue\"",
        "{:?}",
        seen[1]
    );
    Ok(())
}

#[test]
fn client_pause_write_holds_writes_until_unpause() -> anyhow::Result<()> {
    let server = Server::start(ServerKind::Tessera, &[])?;
    let mut admin = server.client()?;
    let mut writer = server.client()?;
    let mut reader = server.client()?;
    expect(&mut admin, "SET k before", ok())?;
    expect(&mut admin, "CLIENT PAUSE 60000 WRITE", ok())?;
    // Reads still run during a write pause.
    expect(&mut reader, "GET k", bulk("before"))?;
    writer.send_raw(&test_harness::encode_command(&["SET", "k", "after"]))?;
    writer.set_timeout(Duration::from_millis(300))?;
    ensure!(
        writer.read_frame().is_err(),
        "a write answered during CLIENT PAUSE WRITE"
    );
    expect(&mut reader, "GET k", bulk("before"))?;
    expect(&mut admin, "CLIENT UNPAUSE", ok())?;
    writer.set_timeout(Duration::from_secs(10))?;
    ensure!(writer.read_frame()? == ok());
    expect(&mut reader, "GET k", bulk("after"))
}

#[test]
fn client_pause_ends_by_itself() -> anyhow::Result<()> {
    let server = Server::start(ServerKind::Tessera, &[])?;
    let mut admin = server.client()?;
    let mut c = server.client()?;
    expect(&mut admin, "CLIENT PAUSE 200 ALL", ok())?;
    let started = std::time::Instant::now();
    expect(&mut c, "PING", crate::support::simple("PONG"))?;
    ensure!(
        started.elapsed() >= Duration::from_millis(100),
        "PING ran during CLIENT PAUSE ALL"
    );
    Ok(())
}

#[test]
fn object_freq_counts_accesses_under_an_lfu_policy() -> anyhow::Result<()> {
    on_both_with(&["--maxmemory-policy", "allkeys-lfu"], |_, c| {
        expect(c, "SET k v", ok())?;
        // New keys start at LFU_INIT_VAL; from there the first access always counts.
        expect(c, "OBJECT FREQ k", int(5))?;
        expect(c, "GET k", bulk("v"))?;
        expect(c, "OBJECT FREQ k", int(6))?;
        let idle = c.cmd(&["OBJECT", "IDLETIME", "k"])?;
        ensure!(
            matches!(idle, Frame::Error(_)),
            "IDLETIME under LFU: {idle}"
        );
        Ok(())
    })
}

#[test]
fn object_freq_is_refused_without_an_lfu_policy() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SET k v", ok())?;
        let freq = c.cmd(&["OBJECT", "FREQ", "k"])?;
        ensure!(
            freq == crate::support::err(
                "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
            ),
            "{freq}"
        );
        Ok(())
    })
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

#[test]
fn config_set_port_moves_the_listener() -> anyhow::Result<()> {
    let server = Server::start(ServerKind::Tessera, &[])?;
    let mut c = server.client()?;
    let new_port = free_port()?;
    expect(&mut c, &format!("CONFIG SET port {new_port}"), ok())?;
    // The connection that asked keeps working; new ones go to the new port.
    expect(&mut c, "PING", crate::support::simple("PONG"))?;
    let mut moved = Client::connect(new_port)?;
    let info = crate::support::bulk_text(&moved.cmd(&["INFO", "server"])?)?;
    ensure!(info.contains(&format!("tcp_port:{new_port}\r\n")), "{info}");
    ensure!(
        Client::connect(server.port()).is_err(),
        "the old port still accepts connections"
    );
    Ok(())
}

#[test]
fn shutdown_exits_cleanly_and_removes_the_pidfile() -> anyhow::Result<()> {
    let mut server = Server::start(ServerKind::Tessera, &["--pidfile", "tessera.pid"])?;
    let pidfile = server.dir().join("tessera.pid");
    let pid = std::fs::read_to_string(&pidfile)?;
    ensure!(Some(pid.trim().parse::<u32>()?) == server.pid());
    let mut c = server.client()?;
    c.send_raw(&test_harness::encode_command(&["SHUTDOWN"]))?;
    // Redis answers SHUTDOWN by closing the connection.
    ensure!(c.read_until_closed()?.is_empty());
    let status = server.stop()?;
    ensure!(status.success(), "exit status {status}");
    wait_until(Duration::from_secs(5), "pidfile removed", || {
        Ok(!pidfile.exists())
    })?;
    ensure!(server.log().contains("bye bye"), "{}", server.log());
    Ok(())
}

#[test]
fn info_reports_instantaneous_ops_and_memory_peak() -> anyhow::Result<()> {
    let server = Server::start(ServerKind::Tessera, &[])?;
    let mut c = server.client()?;
    let field = |info: &str, name: &str| -> Option<u64> {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .and_then(|v| v.trim().parse().ok())
    };
    // Keep commands flowing until a 100 ms sample has seen them.
    wait_until(
        Duration::from_secs(10),
        "instantaneous_ops_per_sec > 0",
        || {
            for _ in 0..200 {
                c.cmd(&["SET", "k", "v"])?;
            }
            let info = crate::support::bulk_text(&c.cmd(&["INFO", "stats"])?)?;
            Ok(field(&info, "instantaneous_ops_per_sec").is_some_and(|v| v > 0))
        },
    )?;
    let memory = crate::support::bulk_text(&c.cmd(&["INFO", "memory"])?)?;
    let used = field(&memory, "used_memory").unwrap_or(0);
    let peak = field(&memory, "used_memory_peak").unwrap_or(0);
    ensure!(used > 0 && peak >= used, "{memory}");
    Ok(())
}

/// `COMMAND DOCS`'s name -> (summary, since, group) for every command and subcommand
/// (`parent|sub`), from the RESP2 reply.
fn command_docs(c: &mut Client) -> anyhow::Result<std::collections::BTreeMap<String, [String; 3]>> {
    fn text(frame: &Frame) -> String {
        match frame {
            Frame::Bulk(b) | Frame::Simple(b) => String::from_utf8_lossy(b).into_owned(),
            other => other.to_string(),
        }
    }
    fn walk(
        items: &[Frame],
        out: &mut std::collections::BTreeMap<String, [String; 3]>,
    ) -> anyhow::Result<()> {
        for pair in items.chunks(2) {
            let [name, Frame::Array(fields)] = pair else {
                bail!("COMMAND DOCS entry {pair:?}");
            };
            let mut doc = [String::new(), String::new(), String::new()];
            for field in fields.chunks(2) {
                match text(&field[0]).as_str() {
                    "summary" => doc[0] = text(&field[1]),
                    "since" => doc[1] = text(&field[1]),
                    "group" => doc[2] = text(&field[1]),
                    "subcommands" => match &field[1] {
                        Frame::Array(subs) => walk(subs, out)?,
                        other => bail!("subcommands {other}"),
                    },
                    _ => {}
                }
            }
            out.insert(text(name), doc);
        }
        Ok(())
    }
    let mut out = std::collections::BTreeMap::new();
    match c.cmd(&["COMMAND", "DOCS"])? {
        Frame::Array(items) => walk(&items, &mut out)?,
        other => bail!("COMMAND DOCS answered {other}"),
    }
    Ok(out)
}

/// Every command Tessera has is documented by COMMAND DOCS with Redis 7.0's summary, version
/// and group (the two 7.2 extras aside).
#[test]
fn command_docs_summaries_are_redis_ones() -> anyhow::Result<()> {
    let redis = Server::start(ServerKind::Redis, &[])?;
    let tessera = Server::start(ServerKind::Tessera, &[])?;
    let want = command_docs(&mut redis.client()?)?;
    let got = command_docs(&mut tessera.client()?)?;
    let differ: Vec<String> = got
        .iter()
        .filter_map(|(name, doc)| match want.get(name) {
            Some(w) if w == doc => None,
            Some(w) => Some(format!("{name}: redis {w:?}, tessera {doc:?}")),
            // From Redis 7.2, on purpose (compatibility.md).
            None if name == "client|setinfo" || name == "cluster|myshardid" => None,
            None => Some(format!("{name}: not a Redis 7.0 command")),
        })
        .collect();
    ensure!(differ.is_empty(), "{}", differ.join("\n"));
    Ok(())
}
