//! Several tessera-server processes forming a cluster over the cluster bus: `redis-cli
//! --cluster create/check/info/call` over 3 and 6 nodes, redis-py's RedisCluster over 10,000
//! keys, failure detection after `kill -9` and recovery after a restart on nodes.conf (at a
//! new IP), self-assembly from `cluster-bootstrap-*` with no external tool, and a bad frame
//! on the bus port.
//!
//! Short `cluster-node-timeout`s keep failure detection to a few seconds.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use resp::Frame;
use test_harness::{Client, Server, ServerKind, ToolOutput, redis_cli, wait_until};

use crate::support::*;

/// How long a cluster may take to converge in these tests (debug builds, 2 busy cores).
const CONVERGE: Duration = Duration::from_secs(60);

fn describe(output: &ToolOutput) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        output.status, output.stdout, output.stderr
    )
}

fn address(server: &Server) -> String {
    format!("127.0.0.1:{}", server.port())
}

fn logs(servers: &[Server]) -> String {
    servers
        .iter()
        .map(|s| format!("--- node {}:\n{}", s.port(), s.log()))
        .collect()
}

/// `n` tessera cluster nodes with `cluster-node-timeout` `timeout_ms`.
fn start_nodes(n: usize, timeout_ms: u64) -> anyhow::Result<Vec<Server>> {
    Server::start_cluster_nodes(ServerKind::Tessera, n, |_| {
        vec!["--cluster-node-timeout".into(), timeout_ms.to_string()]
    })
}

fn cluster_info(client: &mut Client) -> anyhow::Result<String> {
    bulk_text(&client.cmd(&["CLUSTER", "INFO"])?)
}

fn cluster_nodes(client: &mut Client) -> anyhow::Result<String> {
    bulk_text(&client.cmd(&["CLUSTER", "NODES"])?)
}

/// Waits until every server says `cluster_state:<state>`.
fn wait_state(servers: &[Server], state: &str) -> anyhow::Result<()> {
    let line = format!("cluster_state:{state}\r\n");
    for server in servers {
        let mut client = server.client()?;
        wait_until(CONVERGE, &format!("{} {line:?}", server.port()), || {
            Ok(cluster_info(&mut client)?.starts_with(&line))
        })
        .with_context(|| logs(servers))?;
    }
    Ok(())
}

/// `redis-cli --cluster create` over `servers` with no replicas.
fn create(servers: &[Server]) -> anyhow::Result<()> {
    let mut args = vec!["--cluster".to_string(), "create".to_string()];
    args.extend(servers.iter().map(address));
    args.extend(["--cluster-replicas", "0", "--cluster-yes"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = redis_cli(servers[0].port(), &args)?;
    ensure!(
        out.status.success() && out.stdout.contains("[OK] All 16384 slots covered."),
        "create: {}\n{}",
        describe(&out),
        logs(servers)
    );
    Ok(())
}

/// `redis-cli --cluster check` from every node passes.
fn check(servers: &[Server]) -> anyhow::Result<()> {
    for server in servers {
        let out = redis_cli(server.port(), &["--cluster", "check", &address(server)])?;
        for line in [
            "[OK] All nodes agree about slots configuration.",
            "[OK] All 16384 slots covered.",
        ] {
            ensure!(
                out.status.success() && out.stdout.contains(line),
                "check from {}: missing {line:?}: {}",
                server.port(),
                describe(&out)
            );
        }
        ensure!(!out.stdout.contains("[ERR]"), "{}", describe(&out));
    }
    Ok(())
}

fn create_check_info_call(n: usize) -> anyhow::Result<Vec<Server>> {
    let servers = start_nodes(n, 5000)?;
    create(&servers)?;
    check(&servers)?;
    let entry = &servers[0];
    let info = redis_cli(entry.port(), &["--cluster", "info", &address(entry)])?;
    ensure!(info.status.success(), "{}", describe(&info));
    let masters = info.stdout.matches(" slots | 0 slaves.").count();
    ensure!(
        masters == n && info.stdout.contains("[OK] 0 keys in"),
        "info: {}",
        describe(&info)
    );
    let call = redis_cli(
        entry.port(),
        &["--cluster", "call", &address(entry), "CLUSTER", "MYID"],
    )?;
    ensure!(call.status.success(), "{}", describe(&call));
    let mut ids = BTreeSet::new();
    for server in &servers {
        let id = bulk_text(&server.client()?.cmd(&["CLUSTER", "MYID"])?)?;
        ensure!(
            call.stdout.contains(&format!("{}: {id}", address(server))),
            "call: {id} missing: {}",
            describe(&call)
        );
        ids.insert(id);
    }
    ensure!(ids.len() == n, "ids: {ids:?}");
    wait_state(&servers, "ok")?;
    Ok(servers)
}

#[test]
fn redis_cli_creates_three_nodes_and_redis_py_writes_10000_keys() -> anyhow::Result<()> {
    let servers = create_check_info_call(3)?;

    // A node that does not own a slot redirects there.
    let mut client = servers[0].client()?;
    let owner = |key: &str| match slot_map_key_slot(key) {
        0..=5460 => 0,
        5461..=10922 => 1,
        _ => 2,
    };
    ensure!(owner("foo") == 2);
    expect(
        &mut client,
        "GET foo",
        err(&format!("MOVED 12182 127.0.0.1:{}", servers[2].port())),
    )?;

    let script = r#"
import sys
import redis
from redis.cluster import RedisCluster, ClusterNode
ports = [int(p) for p in sys.argv[1:]]
rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", p) for p in ports], decode_responses=True)
keys = {f"key:{i}": str(i) for i in range(10000)}
assert rc.mset_nonatomic(keys)
assert rc.mget_nonatomic(list(keys)) == list(keys.values())
# Follow MOVED by hand from one node, as a client without a slot map does.
plain = redis.Redis(port=ports[0], decode_responses=True)
moved = 0
for i in range(0, 10000, 10):
    key = f"key:{i}"
    try:
        value = plain.get(key)
    except redis.exceptions.MovedError as e:
        slot, where = str(e).split()
        host, port = where.rsplit(":", 1)
        value = redis.Redis(host=host, port=int(port), decode_responses=True).get(key)
        moved += 1
    assert value == str(i), (key, value)
assert 500 < moved < 800, moved
print("ok")
"#;
    let mut command = Command::new("python3");
    command.arg("-c").arg(script);
    for server in &servers {
        command.arg(server.port().to_string());
    }
    let out = command.output().context("running python3")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.success() && stdout.trim_end().ends_with("ok"),
        "python exited {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    let info = redis_cli(
        servers[0].port(),
        &["--cluster", "info", &address(&servers[0])],
    )?;
    ensure!(
        info.stdout.contains("[OK] 10000 keys in 3 masters."),
        "{}",
        describe(&info)
    );
    // Every node holds only keys of its own slots.
    for (index, server) in servers.iter().enumerate() {
        let mut client = server.client()?;
        for key in ["key:1", "key:2", "key:3", "key:4", "key:5"] {
            let local = owner(key) == index;
            let reply = client.cmd(&["GET", key])?;
            ensure!(
                matches!(reply, Frame::Bulk(_)) == local,
                "{key} on node {index}: {reply}"
            );
        }
    }
    check(&servers)
}

/// CRC16 slot of a key without hash tags (the test keys have none).
fn slot_map_key_slot(key: &str) -> u16 {
    let mut crc: u16 = 0;
    for &byte in key.as_bytes() {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc & 16383
}

#[test]
fn redis_cli_creates_and_checks_six_nodes() -> anyhow::Result<()> {
    let servers = create_check_info_call(6)?;
    let mut client = servers[3].client()?;
    let info = cluster_info(&mut client)?;
    for line in ["cluster_known_nodes:6\r\n", "cluster_size:6\r\n"] {
        ensure!(info.contains(line), "{info}");
    }
    // Every node renders the same table (ids, addresses, flags apart from `myself`,
    // epochs, slots).
    let normalized = |client: &mut Client| -> anyhow::Result<Vec<String>> {
        let mut lines: Vec<String> = cluster_nodes(client)?
            .lines()
            .map(|line| {
                let f: Vec<&str> = line.split(' ').collect();
                let flags = f[2].replace("myself,", "");
                format!(
                    "{} {} {flags} {} {} {}",
                    f[0],
                    f[1],
                    f[3],
                    f[6],
                    f[8..].join(" ")
                )
            })
            .collect();
        lines.sort();
        Ok(lines)
    };
    let first = normalized(&mut servers[0].client()?)?;
    for server in &servers[1..] {
        let other = normalized(&mut server.client()?)?;
        ensure!(other == first, "{first:#?}\nvs\n{other:#?}");
    }

    // An announced hostname reaches the other nodes and is what they redirect to when
    // clients prefer hostnames ("bar" is in slot 5061, node 1's 2731-5460).
    let mut a = servers[0].client()?;
    let b_port = servers[1].port();
    expect(
        &mut servers[1].client()?,
        "CONFIG SET cluster-announce-hostname n1.example",
        ok(),
    )?;
    wait_until(CONVERGE, "the hostname gossiped", || {
        Ok(cluster_nodes(&mut a)?.contains(&format!(":{b_port}@{},n1.example ", b_port + 10000)))
    })?;
    expect(
        &mut a,
        "GET bar",
        err(&format!("MOVED 5061 127.0.0.1:{b_port}")),
    )?;
    expect(
        &mut a,
        "CONFIG SET cluster-preferred-endpoint-type hostname",
        ok(),
    )?;
    expect(
        &mut a,
        "GET bar",
        err(&format!("MOVED 5061 n1.example:{b_port}")),
    )?;
    expect(
        &mut a,
        "GET foo",
        err(&format!("MOVED 12182 ?:{}", servers[4].port())),
    )?;
    let slots = a.cmd(&["CLUSTER", "SLOTS"])?.to_string();
    ensure!(
        slots.contains("n1.example") && slots.contains("127.0.0.1"),
        "{slots}"
    );
    expect(
        &mut a,
        "CONFIG SET cluster-preferred-endpoint-type unknown-endpoint",
        ok(),
    )?;
    expect(&mut a, "GET bar", err(&format!("MOVED 5061 :{b_port}")))?;
    Ok(())
}

#[test]
fn killed_master_is_failed_everywhere_and_rejoins_from_nodes_conf_at_a_new_ip() -> anyhow::Result<()>
{
    let mut servers = start_nodes(3, 1000)?;
    create(&servers)?;
    wait_state(&servers, "ok")?;
    let victim_id = bulk_text(&servers[2].client()?.cmd(&["CLUSTER", "MYID"])?)?;
    servers[2].kill9();
    for server in &servers[..2] {
        let mut client = server.client()?;
        wait_until(CONVERGE, "the killed master flagged fail", || {
            let nodes = cluster_nodes(&mut client)?;
            let line = nodes
                .lines()
                .find(|l| l.starts_with(&victim_id))
                .context("the killed node is gone")?
                .to_string();
            Ok(line
                .split(' ')
                .nth(2)
                .is_some_and(|flags| flags.split(',').any(|f| f == "fail")))
        })
        .with_context(|| logs(&servers))?;
    }
    wait_state(&servers[..2], "fail")?;
    let mut client = servers[0].client()?;
    expect(
        &mut client,
        "SET foo 1",
        err("CLUSTERDOWN The cluster is down"),
    )?;

    // Back on its nodes.conf, announcing another loopback address.
    servers[2].restart_with(&[
        "--bind",
        "127.0.0.1 127.0.0.2",
        "--cluster-announce-ip",
        "127.0.0.2",
    ])?;
    ensure!(
        bulk_text(&servers[2].client()?.cmd(&["CLUSTER", "MYID"])?)? == victim_id,
        "the restarted node has a new id"
    );
    wait_state(&servers, "ok")?;
    for server in &servers[..2] {
        let mut client = server.client()?;
        wait_until(CONVERGE, "the new address", || {
            Ok(cluster_nodes(&mut client)?.lines().any(|l| {
                l.starts_with(&format!("{victim_id} 127.0.0.2:{}@", servers[2].port()))
                    && !l.contains("fail")
            }))
        })
        .with_context(|| logs(&servers))?;
    }
    expect(
        &mut client,
        "SET foo 1",
        err(&format!("MOVED 12182 127.0.0.2:{}", servers[2].port())),
    )?;
    Ok(())
}

#[test]
fn self_assembly_forms_the_cluster_and_a_restart_changes_nothing() -> anyhow::Result<()> {
    let mut servers = Server::start_cluster_nodes(ServerKind::Tessera, 6, |ports| {
        let peers: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        vec![
            "--cluster-node-timeout".into(),
            "5000".into(),
            "--cluster-bootstrap-peers".into(),
            peers.join(","),
            "--cluster-bootstrap-replicas-per-master".into(),
            "1".into(),
        ]
    })?;
    wait_state(&servers, "ok")?;
    // The coordinator is the lowest address; the masters are the three lowest.
    let mut by_port: Vec<usize> = (0..servers.len()).collect();
    by_port.sort_by_key(|&i| servers[i].port());
    let coordinator = by_port[0];
    let check_shape = |servers: &[Server]| -> anyhow::Result<()> {
        let lowest = &servers[coordinator];
        for server in servers {
            let mut client = server.client()?;
            wait_until(CONVERGE, "3 masters and 3 replicas everywhere", || {
                // A replica answers -LOADING while it loads its master's snapshot.
                let nodes = match cluster_nodes(&mut client) {
                    Err(e) if format!("{e:#}").contains("LOADING") => return Ok(false),
                    nodes => nodes?,
                };
                Ok(nodes.lines().filter(|l| l.contains("slave ")).count() == 3
                    && nodes.lines().filter(|l| l.contains("master ")).count() == 3)
            })
            .with_context(|| logs(servers))?;
        }
        let out = redis_cli(lowest.port(), &["--cluster", "check", &address(lowest)])?;
        ensure!(
            out.stdout
                .contains("[OK] All nodes agree about slots configuration.")
                && out.stdout.contains("[OK] All 16384 slots covered.")
                && out.stdout.matches("1 additional replica(s)").count() == 3,
            "{}",
            describe(&out)
        );
        Ok(())
    };
    check_shape(&servers)?;
    let mut client = servers[by_port[0]].client()?;
    let slots_of_lowest = cluster_nodes(&mut client)?
        .lines()
        .find(|l| l.contains("myself"))
        .map(|l| l.split(' ').skip(8).collect::<Vec<_>>().join(" "))
        .context("no myself line")?;
    ensure!(slots_of_lowest == "0-5460", "{slots_of_lowest}");
    let before = cluster_nodes(&mut client)?;

    // The coordinator restarts: it sees a formed cluster in its nodes.conf and does nothing.
    servers[coordinator].stop()?;
    servers[coordinator].restart()?;
    wait_state(&servers, "ok")?;
    check_shape(&servers)?;
    let log = servers[coordinator].log();
    ensure!(log.contains("Self-assembly skipped"), "{log}");
    let after = cluster_nodes(&mut servers[coordinator].client()?)?;
    let ids = |text: &str| -> BTreeSet<String> {
        text.lines()
            .map(|l| {
                format!(
                    "{} {}",
                    &l[..40],
                    l.split(' ').skip(8).collect::<Vec<_>>().join(" ")
                )
            })
            .collect()
    };
    ensure!(ids(&before) == ids(&after), "{before}\nvs\n{after}");
    Ok(())
}

#[test]
fn a_bad_frame_closes_its_link_and_is_counted() -> anyhow::Result<()> {
    let servers = start_nodes(1, 5000)?;
    let bus_port = servers[0].port() + 10000;
    let mut stream = TcpStream::connect(("127.0.0.1", bus_port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n")?;
    let mut buf = [0u8; 16];
    match stream.read(&mut buf) {
        Ok(0) => {}
        Ok(n) => bail!("the bus answered {:?}", &buf[..n]),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => bail!("the link was not closed: {e}"),
    }
    let mut client = servers[0].client()?;
    let info = cluster_info(&mut client)?;
    ensure!(
        info.contains("tessera_cluster_bus_frames_rejected:1\r\n"),
        "{info}"
    );
    expect(&mut client, "PING", simple("PONG"))?;
    Ok(())
}

#[test]
fn meet_forget_replicate_and_their_errors() -> anyhow::Result<()> {
    let servers = start_nodes(3, 5000)?;
    let mut a = servers[0].client()?;
    let ids: Vec<String> = servers
        .iter()
        .map(|s| bulk_text(&s.client()?.cmd(&["CLUSTER", "MYID"])?))
        .collect::<anyhow::Result<_>>()?;
    expect(
        &mut a,
        "CLUSTER MEET 127.0.0.1 notaport",
        err("ERR Invalid TCP base port specified: notaport"),
    )?;
    expect(
        &mut a,
        "CLUSTER MEET nohost 7000",
        err("ERR Invalid node address specified: nohost:7000"),
    )?;
    for server in &servers[1..] {
        expect_args(
            &mut a,
            &["CLUSTER", "MEET", "127.0.0.1", &server.port().to_string()],
            ok(),
        )?;
    }
    wait_until(CONVERGE, "both nodes met", || {
        let nodes = cluster_nodes(&mut a)?;
        Ok(ids[1..].iter().all(|id| nodes.contains(id.as_str())) && !nodes.contains("handshake"))
    })
    .with_context(|| logs(&servers))?;
    expect(
        &mut a,
        "CLUSTER REPLICATE 0000000000000000000000000000000000000000",
        err("ERR Unknown node 0000000000000000000000000000000000000000"),
    )?;
    expect_args(
        &mut a,
        &["CLUSTER", "REPLICATE", &ids[0]],
        err("ERR Can't replicate myself"),
    )?;
    expect_args(
        &mut a,
        &["CLUSTER", "FORGET", &ids[0]],
        err("ERR I tried hard but I can't forget myself..."),
    )?;
    expect_args(&mut a, &["CLUSTER", "REPLICATE", &ids[1]], ok())?;
    expect_args(
        &mut a,
        &["CLUSTER", "FORGET", &ids[1]],
        err("ERR Can't forget my master!"),
    )?;
    let replicas = a.cmd(&["CLUSTER", "REPLICAS", &ids[1]])?;
    match &replicas {
        Frame::Array(lines) if lines.len() == 1 => {
            let line = bulk_text(&lines[0])?;
            ensure!(
                line.starts_with(&ids[0]) && line.contains(&format!("myself,slave {}", ids[1])),
                "{line}"
            );
        }
        other => bail!("CLUSTER REPLICAS: {other}"),
    }
    expect_args(&mut a, &["CLUSTER", "FORGET", &ids[2]], ok())?;
    ensure!(
        cluster_info(&mut a)?.contains("cluster_known_nodes:2\r\n"),
        "FORGET did not remove the node"
    );
    // The forgotten node is not re-added by gossip from the other node during the ban.
    std::thread::sleep(Duration::from_millis(1500));
    ensure!(
        cluster_info(&mut a)?.contains("cluster_known_nodes:2\r\n"),
        "the forgotten node came back"
    );
    let links = a.cmd(&["CLUSTER", "LINKS"])?;
    ensure!(
        matches!(&links, Frame::Array(items) if !items.is_empty()),
        "CLUSTER LINKS: {links}"
    );
    let count = a.cmd(&["CLUSTER", "COUNT-FAILURE-REPORTS", &ids[1]])?;
    ensure!(count == int(0), "{count}");
    Ok(())
}

/// PUBLISH on one node reaches subscribers on every node of the cluster (through the bus).
#[test]
fn publish_reaches_subscribers_on_every_node() -> anyhow::Result<()> {
    let servers = start_nodes(3, 5000)?;
    create(&servers)?;
    wait_state(&servers, "ok")?;
    let mut subscribers = Vec::new();
    for server in &servers[1..] {
        let mut sub = server.client()?;
        sub.cmd(&["SUBSCRIBE", "news"])?;
        subscribers.push(sub);
    }
    let mut publisher = servers[0].client()?;
    // Links may still be settling right after create: publish until both subscribers hear.
    let mut heard = vec![false; subscribers.len()];
    wait_until(CONVERGE, "every subscriber hears PUBLISH", || {
        publisher.cmd(&["PUBLISH", "news", "hello"])?;
        for (sub, heard) in subscribers.iter_mut().zip(heard.iter_mut()) {
            sub.set_timeout(std::time::Duration::from_millis(200))?;
            if let Ok(frame) = sub.read_frame() {
                *heard |=
                    frame == resp::Frame::Array(vec![bulk("message"), bulk("news"), bulk("hello")]);
            }
        }
        Ok(heard.iter().all(|h| *h))
    })
    .with_context(|| logs(&servers))?;
    Ok(())
}

/// redis-rs's cluster client (CLUSTER SLOTS, then MOVED) writes and reads keys over every slot.
#[test]
fn redis_rs_cluster_client_writes_and_reads() -> anyhow::Result<()> {
    let servers = start_nodes(3, 5000)?;
    create(&servers)?;
    wait_state(&servers, "ok")?;
    let urls: Vec<String> = servers
        .iter()
        .map(|s| format!("redis://127.0.0.1:{}/", s.port()))
        .collect();
    let client = redis::cluster::ClusterClient::new(urls)?;
    let mut conn = client.get_connection()?;
    for i in 0..2000 {
        redis::cmd("SET")
            .arg(format!("rs:{i}"))
            .arg(i)
            .query::<()>(&mut conn)?;
    }
    for i in 0..2000 {
        let value: i64 = redis::cmd("GET").arg(format!("rs:{i}")).query(&mut conn)?;
        ensure!(value == i, "rs:{i} read back as {value}");
    }
    let hashed: i64 = redis::cmd("HSET")
        .arg("{rs}h")
        .arg("f")
        .arg("v")
        .query(&mut conn)?;
    ensure!(hashed == 1, "HSET through redis-rs: {hashed}");
    // Every node ended up holding some of the keys.
    for server in &servers {
        let n = integer(&server.client()?.cmd(&["DBSIZE"])?)?;
        ensure!(n > 0, "node {} holds no key", server.port());
    }
    Ok(())
}

/// Every node's view of its peers: `(id, ip, link state)` of each non-myself line.
fn peer_lines(client: &mut Client) -> anyhow::Result<Vec<(String, String, String)>> {
    Ok(cluster_nodes(client)?
        .lines()
        .filter(|l| !l.contains("myself"))
        .map(|l| {
            let fields: Vec<&str> = l.split(' ').collect();
            let ip = fields
                .get(1)
                .and_then(|a| a.split(':').next())
                .unwrap_or_default();
            (
                fields[0].to_string(),
                ip.to_string(),
                fields.get(7).copied().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

#[test]
fn peers_known_by_hostname_are_re_resolved_when_every_recorded_ip_is_stale() -> anyhow::Result<()> {
    // Every node announces "localhost": the name to dial when its IP is no longer right.
    let mut servers = Server::start_cluster_nodes(ServerKind::Tessera, 3, |_| {
        [
            "--cluster-node-timeout",
            "2000",
            "--cluster-announce-hostname",
            "localhost",
        ]
        .map(String::from)
        .to_vec()
    })?;
    create(&servers)?;
    wait_state(&servers, "ok")?;
    // The whole cluster restarts, and every nodes.conf records its peers at an address
    // nothing listens on (as after every pod of a StatefulSet was rescheduled).
    for server in &mut servers {
        server.stop()?;
    }
    for server in &servers {
        let path = server.dir().join("nodes.conf");
        let text = std::fs::read_to_string(&path)?;
        let stale: String = text
            .lines()
            .map(|l| {
                if l.contains("myself") || l.starts_with("vars") {
                    l.to_string()
                } else {
                    l.replacen(" 127.0.0.1:", " 127.0.0.3:", 1)
                }
            })
            .map(|l| l + "\n")
            .collect();
        ensure!(stale.matches("127.0.0.3:").count() == 2, "{stale}");
        std::fs::write(&path, stale)?;
    }
    for server in &mut servers {
        server.restart()?;
    }
    for server in &servers {
        let mut client = server.client()?;
        wait_until(CONVERGE, "peers reached by hostname at 127.0.0.1", || {
            let peers = peer_lines(&mut client)?;
            Ok(peers.len() == 2
                && peers
                    .iter()
                    .all(|(_, ip, link)| ip == "127.0.0.1" && link == "connected"))
        })
        .with_context(|| logs(&servers))?;
    }
    wait_state(&servers, "ok")?;
    check(&servers)?;
    Ok(())
}

#[test]
fn a_link_over_cluster_link_sendbuf_limit_is_freed_and_counted() -> anyhow::Result<()> {
    let mut servers = Server::start_cluster_nodes(ServerKind::Tessera, 3, |_| {
        [
            "--cluster-node-timeout",
            "60000",
            "--cluster-link-sendbuf-limit",
            "1mb",
        ]
        .map(String::from)
        .to_vec()
    })?;
    create(&servers)?;
    wait_state(&servers, "ok")?;
    let pid = servers[2].pid().context("no pid")?;
    let signal = |sig: &str| -> anyhow::Result<()> {
        let status = Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()?;
        ensure!(status.success(), "kill {sig} failed");
        Ok(())
    };
    // A peer that stops reading: PUBLISH fans every message out on the bus, so node 0's
    // links to node 2 fill up once the kernel's socket buffers are full.
    signal("-STOP")?;
    let outcome = (|| -> anyhow::Result<u64> {
        let mut client = servers[0].client()?;
        let payload = "x".repeat(100_000);
        let mut exceeded = 0;
        for _ in 0..2000 {
            client.cmd(&["PUBLISH", "ch", &payload])?;
            let info = cluster_info(&mut client)?;
            exceeded = info
                .lines()
                .find_map(|l| l.strip_prefix("total_cluster_links_buffer_limit_exceeded:"))
                .context("no total_cluster_links_buffer_limit_exceeded")?
                .trim()
                .parse()?;
            if exceeded > 0 {
                break;
            }
        }
        Ok(exceeded)
    })();
    signal("-CONT")?;
    let exceeded = outcome?;
    ensure!(exceeded > 0, "no link freed\n{}", logs(&servers));
    ensure!(
        servers[0]
            .log()
            .contains("exceeded cluster-link-sendbuf-limit"),
        "{}",
        servers[0].log()
    );
    // Once the peer reads again, gossip reconnects and nothing is lost for good.
    wait_state(&servers, "ok")?;
    let mut client = servers[0].client()?;
    wait_until(CONVERGE, "links to every peer again", || {
        Ok(peer_lines(&mut client)?
            .iter()
            .all(|(_, _, link)| link == "connected"))
    })?;
    servers[2].stop()?;
    Ok(())
}
