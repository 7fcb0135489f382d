//! Real client libraries against tessera-server: redis-py (`pip install redis`, installed by
//! `make deps`) as a plain client in RESP2 and RESP3 and as a `RedisCluster` smart client.

use std::process::Command;

use anyhow::{Context as _, ensure};
use test_harness::{Server, ServerKind};

/// Runs a Python script with the server's port as its argument; the script prints `ok`.
fn run_python(script: &str, port: u16) -> anyhow::Result<()> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(port.to_string())
        .output()
        .context("running python3")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(
        out.status.success() && stdout.trim_end().ends_with("ok"),
        "python exited {}\nstdout:\n{stdout}\nstderr:\n{stderr}\n(redis-py missing? `make deps` installs it)",
        out.status
    );
    Ok(())
}

const PLAIN: &str = r#"
import sys, redis
port = int(sys.argv[1])
for protocol in (2, 3):
    r = redis.Redis(port=port, protocol=protocol, decode_responses=True)
    r.flushall()
    assert r.ping()
    assert r.set("k", "v", ex=100)
    assert r.get("k") == "v"
    assert 99 <= r.ttl("k") <= 100
    assert r.incrbyfloat("f", "10.5") == 10.5
    assert r.incrbyfloat("f", "0.1") == 10.6
    assert r.mset({"a": "1", "b": "2"})
    assert r.mget("a", "b", "nope") == ["1", "2", None]
    assert sorted(r.scan_iter(match="[ab]")) == ["a", "b"]
    assert r.getex("a", persist=True) == "1"
    assert r.object("encoding", "a") == "int"
    assert r.lcs("a", "b") == ""
    try:
        r.execute_command("GET")
        raise SystemExit("no error for a wrong arity")
    except redis.ResponseError as e:
        assert str(e) == "wrong number of arguments for 'get' command", str(e)
    pipe = r.pipeline(transaction=False)
    for i in range(1000):
        pipe.set(f"p{i}", i)
    assert all(pipe.execute())
    assert r.dbsize() == 1004
    info = r.info()
    assert info["redis_version"] == "7.0.15" and info["db0"]["keys"] == 1004
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    assert r.client_id() > 0
print("ok")
"#;

const CLUSTER: &str = r#"
import sys
from redis.cluster import RedisCluster
port = int(sys.argv[1])
rc = RedisCluster(host="127.0.0.1", port=port, decode_responses=True)
for i in range(200):
    rc.set(f"key:{i}", i)
assert [rc.get(f"key:{i}") for i in range(200)] == [str(i) for i in range(200)]
assert rc.mset_nonatomic({"x": "1", "y": "2"})
assert rc.mget("{t}1", "{t}2") == [None, None]
assert rc.keyslot("foo") == 12182
assert rc.cluster_keyslot("foo") == 12182
assert rc.cluster_info()["cluster_state"] == "ok"
nodes = rc.cluster_nodes()
assert len(nodes) == 1 and list(nodes.values())[0]["slots"] == [["0", "16383"]]
print("ok")
"#;

#[test]
fn redis_py_plain_client_in_resp2_and_resp3() -> anyhow::Result<()> {
    let server = Server::start(ServerKind::Tessera, &[])?;
    run_python(PLAIN, server.port())
}

#[test]
fn redis_py_cluster_client() -> anyhow::Result<()> {
    let server = Server::start_cluster_owning_all_slots(ServerKind::Tessera, &[])?;
    run_python(CLUSTER, server.port())
}
