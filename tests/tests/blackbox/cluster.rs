//! Cluster mode on one node: CLUSTER INFO/NODES/SLOTS/SHARDS shapes and texts, the CLUSTER
//! subcommands and their errors, routing errors (CROSSSLOT, CLUSTERDOWN), commands refused
//! in cluster mode, INFO's cluster fields, and nodes.conf across restarts.
//!
//! Replies are compared with a cluster-mode `redis-server` 7.0 running the same script,
//! after replacing what must differ between two nodes: the node id, the port, and the
//! pong-received time of CLUSTER NODES (Redis prints 0 for a node alone, Tessera the current
//! time; both are valid, redis-cli ignores the field).

use anyhow::{Context as _, bail, ensure};
use bytes::Bytes;
use resp::Frame;
use std::time::Duration;

use test_harness::{Client, Server, ServerExited, ServerKind, TempDir, wait_until};

use crate::support::*;

/// A cluster-mode node of each kind owning all slots, with a connection to each.
struct Pair {
    redis: Server,
    tessera: Server,
    r: Client,
    t: Client,
}

impl Pair {
    fn start() -> anyhow::Result<Pair> {
        let redis = Server::start_cluster_owning_all_slots(ServerKind::Redis, &DEBUG_ENABLED)?;
        let tessera = Server::start_cluster_owning_all_slots(ServerKind::Tessera, &DEBUG_ENABLED)?;
        let (r, t) = (redis.client()?, tessera.client()?);
        Ok(Pair {
            redis,
            tessera,
            r,
            t,
        })
    }

    /// Runs `args` on both and requires the same reply once ids and ports are normalised;
    /// returns it.
    fn same(&mut self, args: &[&str]) -> anyhow::Result<Frame> {
        let want = self.r.cmd(args)?;
        let got = self.t.cmd(args)?;
        let redis_id = node_id(&mut self.r)?;
        let tessera_id = node_id(&mut self.t)?;
        let want = normalize(want, &redis_id, self.redis.port());
        let got = normalize(got, &tessera_id, self.tessera.port());
        ensure!(
            want == got,
            "{args:?}:\n  redis:   {want}\n  tessera: {got}"
        );
        Ok(want)
    }

    /// [`Pair::same`] for a command written as space-separated words.
    fn same_line(&mut self, line: &str) -> anyhow::Result<Frame> {
        let args: Vec<&str> = line.split_whitespace().collect();
        self.same(&args)
    }

    /// Runs `args` on both and requires the same elements in any order.
    fn same_unordered(&mut self, args: &[&str]) -> anyhow::Result<()> {
        let sorted = |frame: Frame| match frame {
            Frame::Array(mut items) => {
                items.sort_by_key(|item| item.to_string());
                Frame::Array(items)
            }
            other => other,
        };
        let (want, got) = (sorted(self.r.cmd(args)?), sorted(self.t.cmd(args)?));
        ensure!(
            want == got,
            "{args:?}:\n  redis:   {want}\n  tessera: {got}"
        );
        Ok(())
    }
}

fn node_id(client: &mut Client) -> anyhow::Result<String> {
    bulk_text(&client.cmd(&["CLUSTER", "MYID"])?)
}

/// Replaces `id` by `<id>` in text, the port by 0 where it is an integer, `:port@busport`
/// by `:<port>@<busport>`, and the pong-received field of CLUSTER NODES lines by 0.
fn normalize(frame: Frame, id: &str, port: u16) -> Frame {
    let text = |bytes: &Bytes| {
        let text = String::from_utf8_lossy(bytes).replace(id, "<id>").replace(
            &format!(":{port}@{}", u32::from(port) + 10000),
            ":<port>@<busport>",
        );
        let lines: Vec<String> = text
            .split('\n')
            .map(|line| {
                let mut fields: Vec<&str> = line.split(' ').collect();
                if fields.len() >= 8 && fields[0] == "<id>" {
                    fields[5] = "0";
                }
                fields.join(" ")
            })
            .collect();
        Bytes::from(lines.join("\n"))
    };
    let all = |items: Vec<Frame>| items.into_iter().map(|f| normalize(f, id, port)).collect();
    match frame {
        Frame::Bulk(bytes) => Frame::Bulk(text(&bytes)),
        Frame::Simple(bytes) => Frame::Simple(text(&bytes)),
        Frame::Verbatim { format, text: body } => Frame::Verbatim {
            format,
            text: text(&body),
        },
        Frame::Integer(value) if value == i64::from(port) => Frame::Integer(0),
        Frame::Array(items) => Frame::Array(all(items)),
        Frame::Set(items) => Frame::Set(all(items)),
        Frame::Map(pairs) => Frame::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (normalize(k, id, port), normalize(v, id, port)))
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn cluster_subcommands_match_redis() -> anyhow::Result<()> {
    let mut p = Pair::start()?;
    let info = bulk_text(&p.same_line("CLUSTER INFO")?)?;
    for line in [
        "cluster_state:ok\r\n",
        "cluster_slots_assigned:16384\r\n",
        "cluster_known_nodes:1\r\n",
        "cluster_size:1\r\n",
    ] {
        ensure!(info.contains(line), "CLUSTER INFO lacks {line:?}:\n{info}");
    }
    let nodes = bulk_text(&p.same_line("CLUSTER NODES")?)?;
    ensure!(
        nodes == "<id> :<port>@<busport> myself,master - 0 0 0 connected 0-16383\n",
        "{nodes:?}"
    );
    p.same_line("CLUSTER SLOTS")?;
    p.same_line("CLUSTER SHARDS")?;
    p.same_line("CLUSTER MYID")?;
    for key in ["foo", "", "{user1000}.following", "{}x", "a{b}c"] {
        p.same(&["CLUSTER", "KEYSLOT", key])?;
    }
    for line in [
        "MSET {a}1 x {a}2 y {a}3 z",
        "SET b 1",
        "CLUSTER COUNTKEYSINSLOT 15495",
        "CLUSTER COUNTKEYSINSLOT 0",
        "CLUSTER COUNTKEYSINSLOT 16384",
        "CLUSTER COUNTKEYSINSLOT -1",
        "CLUSTER COUNTKEYSINSLOT abc",
        "CLUSTER GETKEYSINSLOT 0 10",
        "CLUSTER GETKEYSINSLOT 16384 1",
        "CLUSTER GETKEYSINSLOT 15495 -1",
        "CLUSTER GETKEYSINSLOT 15495 abc",
        "CLUSTER KEYSLOT",
        "CLUSTER FOO",
        "CLUSTER",
        "READONLY",
        "READWRITE",
        "ASKING",
    ] {
        p.same_line(line)?;
    }
    p.same_unordered(&["CLUSTER", "GETKEYSINSLOT", "15495", "10"])?;
    p.same_unordered(&["CLUSTER", "GETKEYSINSLOT", "15495", "2"])
        .or_else(|_| -> anyhow::Result<()> {
            // Which two of the three keys is the server's business; the count is not.
            for client in [&mut p.r, &mut p.t] {
                match client.cmd(&["CLUSTER", "GETKEYSINSLOT", "15495", "2"])? {
                    Frame::Array(keys) if keys.len() == 2 => {}
                    other => bail!("GETKEYSINSLOT 15495 2: {other}"),
                }
            }
            Ok(())
        })?;

    // Slot assignment and its errors.
    for line in [
        "CLUSTER ADDSLOTS 0",
        "CLUSTER ADDSLOTS 16384",
        "CLUSTER ADDSLOTS abc",
        "CLUSTER ADDSLOTS",
        "CLUSTER ADDSLOTSRANGE 5 1",
        "CLUSTER ADDSLOTSRANGE 1",
        "CLUSTER DELSLOTSRANGE 5 1",
        "CLUSTER DELSLOTS 5",
        "CLUSTER DELSLOTS 5",
        "CLUSTER DELSLOTSRANGE 100 200",
        "CLUSTER DELSLOTSRANGE 150 160",
        "CLUSTER DELSLOTS 16383",
        "CLUSTER INFO",
        "CLUSTER NODES",
        "CLUSTER SLOTS",
        "CLUSTER SHARDS",
        "CLUSTER COUNTKEYSINSLOT 5",
        "CLUSTER ADDSLOTS 5 16383",
        "CLUSTER ADDSLOTSRANGE 100 200",
        "CLUSTER INFO",
        "CLUSTER NODES",
        "CLUSTER SLOTS",
    ] {
        p.same_line(line)?;
    }

    // Epochs.
    for line in [
        "CLUSTER SET-CONFIG-EPOCH 5",
        "CLUSTER SET-CONFIG-EPOCH 6",
        "CLUSTER SET-CONFIG-EPOCH -1",
        "CLUSTER BUMPEPOCH",
        "CLUSTER INFO",
        "CLUSTER NODES",
        "CLUSTER SAVECONFIG",
    ] {
        p.same_line(line)?;
    }

    // RESP3 shapes.
    p.r.cmd(&["HELLO", "3"])?;
    p.t.cmd(&["HELLO", "3"])?;
    for line in [
        "CLUSTER SLOTS",
        "CLUSTER SHARDS",
        "CLUSTER NODES",
        "CLUSTER INFO",
    ] {
        p.same_line(line)?;
    }
    p.r.cmd(&["HELLO", "2"])?;
    p.t.cmd(&["HELLO", "2"])?;

    // Resets.
    for line in [
        "CLUSTER FLUSHSLOTS",
        "CLUSTER RESET SOFT",
        "CLUSTER RESET FOO",
        "FLUSHALL",
        "CLUSTER RESET SOFT",
        "CLUSTER INFO",
        "CLUSTER NODES",
        "CLUSTER SLOTS",
        "CLUSTER SHARDS",
    ] {
        p.same_line(line)?;
    }
    let before = (node_id(&mut p.r)?, node_id(&mut p.t)?);
    for line in [
        "CLUSTER RESET HARD",
        "CLUSTER INFO",
        "CLUSTER NODES",
        "CLUSTER ADDSLOTSRANGE 0 16383",
        "CLUSTER FLUSHSLOTS",
        "CLUSTER SLOTS",
    ] {
        p.same_line(line)?;
    }
    let after = (node_id(&mut p.r)?, node_id(&mut p.t)?);
    ensure!(
        before.0 != after.0 && before.1 != after.1,
        "RESET HARD keeps the id"
    );
    Ok(())
}

#[test]
fn routing_errors_and_commands_refused_in_cluster_mode() -> anyhow::Result<()> {
    let mut p = Pair::start()?;
    for line in [
        "MSET a 1 b 2",
        "MGET a b",
        "DEL a b",
        "EXISTS a b",
        "RENAME a b",
        "COPY a b",
        "MSETNX a 1 b 2",
        "LCS a b",
        "MSET {a}1 1 {a}2 2",
        "MGET {a}1 {a}2",
        "RENAME {a}1 {a}3",
        "SELECT 1",
        "SELECT 0",
        "SELECT x",
        "MOVE {a}3 1",
        "SWAPDB 0 1",
        "COPY {a}3 {a}4 DB 0",
        "GET a",
    ] {
        p.same_line(line)?;
    }
    // Without slot 15495 ("a"): that slot is not served, the rest is down (full coverage).
    for line in [
        "CLUSTER DELSLOTS 15495",
        "GET a",
        "SET a 1",
        "GET b",
        "MGET {a}1 {a}2",
        "MSET b 1 a 2",
        "DBSIZE",
        "PING",
        "CLUSTER INFO",
    ] {
        p.same_line(line)?;
    }
    p.same_unordered(&["KEYS", "*"])?;
    for server in [&p.redis, &p.tessera] {
        let mut client = server.client()?;
        expect(
            &mut client,
            "CONFIG SET cluster-require-full-coverage no",
            ok(),
        )?;
        // Redis re-evaluates the cluster state in its next cron run (every 100 ms).
        wait_until(Duration::from_secs(10), "cluster_state:ok", || {
            Ok(bulk_text(&client.cmd(&["CLUSTER", "INFO"])?)?.starts_with("cluster_state:ok"))
        })?;
    }
    for line in ["GET b", "GET a", "CLUSTER INFO"] {
        p.same_line(line)?;
    }
    Ok(())
}

/// A `numkeys` count that does not fit (too large, zero, not a number) leaves a command
/// keyless for routing, its store key included, as Redis's `genericGetKeys` does: queued in
/// MULTI next to keys of one slot it is no CROSSSLOT, and EXEC runs it (to its error).
/// COMMAND GETKEYS and GETKEYSANDFLAGS answer as Redis for such counts (a count only atoi
/// reads lists the store key last, without flags) and for commands without keys, and give
/// SET and BITFIELD the flags their arguments call for.
#[test]
fn a_misfit_numkeys_count_routes_as_keyless_as_redis() -> anyhow::Result<()> {
    let mut p = Pair::start()?;
    for line in [
        "MULTI",
        "ZDIFFSTORE c 9 {t}n {t}n {t}2",
        "LPUSH {t}2 x",
        "EXEC",
        "MULTI",
        "ZUNIONSTORE c 0 {t}a",
        "SINTERCARD x {t}a",
        "LMPOP 5 {t}a LEFT",
        "MGET {t}n {t}2",
        "EXEC",
        "MULTI",
        "ZDIFFSTORE c 9 {t}n {t}n {t}2",
        "MGET {t}n {t}2",
        "INCRBYFLOAT b",
        "EXEC",
        "ZUNIONSTORE c 1abc {t}a",
        "COMMAND GETKEYS zdiffstore c 9 a b",
        "COMMAND GETKEYS zunionstore d 2 a b",
        "COMMAND GETKEYS lmpop 0 a left",
        "COMMAND GETKEYS pfmerge dest",
        "COMMAND GETKEYS ping a b c",
        "COMMAND GETKEYS get a b",
        "COMMAND GETKEYS get",
        "COMMAND GETKEYS sort k store d",
        "COMMAND GETKEYS zunionstore d 1abc a",
        "COMMAND GETKEYSANDFLAGS set k v",
        "COMMAND GETKEYSANDFLAGS set k v get",
        "COMMAND GETKEYSANDFLAGS bitfield k get u8 0 overflow sat get u8 1",
        "COMMAND GETKEYSANDFLAGS bitfield k get u8",
        "COMMAND GETKEYSANDFLAGS bitfield k set u8 0 1",
        "COMMAND GETKEYSANDFLAGS sort k store d",
        "COMMAND GETKEYSANDFLAGS zunionstore d 2 a b",
        "COMMAND GETKEYSANDFLAGS zunionstore d 2x a b",
        "COMMAND GETKEYSANDFLAGS blmpop 0 1x a left",
        "COMMAND GETKEYSANDFLAGS lmove a b left right",
        "COMMAND GETKEYSANDFLAGS pfmerge d",
        "COMMAND GETKEYSANDFLAGS del a b",
        "COMMAND GETKEYSANDFLAGS ping",
        "COMMAND INFO command|getkeysandflags",
    ] {
        // Not `same`: it asks for the node id, which MULTI would queue.
        let args: Vec<&str> = line.split_whitespace().collect();
        let (want, got) = (p.r.cmd(&args)?, p.t.cmd(&args)?);
        ensure!(want == got, "{line}:\n  redis:   {want}\n  tessera: {got}");
    }
    Ok(())
}

#[test]
fn copy_to_another_db_is_refused() -> anyhow::Result<()> {
    let mut p = Pair::start()?;
    p.same_line("SET {a}1 x")?;
    let reply = p.same_line("COPY {a}1 {a}2 DB 1")?;
    ensure!(reply == err("ERR Copying to another database is not allowed in cluster mode"));
    p.same_line("COPY {a}1 {a}2 DB 16")?;
    Ok(())
}

#[test]
fn unassigned_first_key_slot_wins_over_crossslot() -> anyhow::Result<()> {
    let mut p = Pair::start()?;
    p.same_line("CLUSTER DELSLOTS 15495")?;
    let reply = p.same_line("MSET a 1 b 2")?;
    ensure!(reply == err("CLUSTERDOWN Hash slot not served"));
    Ok(())
}

#[test]
fn info_shows_cluster_enabled_and_db0_only_when_not_empty() -> anyhow::Result<()> {
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let server = Server::start_cluster_owning_all_slots(kind, &[])?;
        let mut c = server.client()?;
        let check = |c: &mut Client, has_db0: bool| -> anyhow::Result<()> {
            let info = bulk_text(&c.cmd(&["INFO"])?)?;
            ensure!(
                info.contains("# Cluster\r\ncluster_enabled:1\r\n"),
                "{info}"
            );
            ensure!(
                info.contains("db0:") == has_db0,
                "db0 expected {has_db0}:\n{info}"
            );
            let keyspace = bulk_text(&c.cmd(&["INFO", "keyspace"])?)?;
            ensure!(keyspace.starts_with("# Keyspace\r\n"), "{keyspace:?}");
            Ok(())
        };
        check(&mut c, false).with_context(|| format!("{kind:?} empty"))?;
        expect(&mut c, "SET k v", ok())?;
        check(&mut c, true).with_context(|| format!("{kind:?} with a key"))?;
        let keyspace = bulk_text(&c.cmd(&["INFO", "keyspace"])?)?;
        ensure!(
            keyspace == "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n",
            "{kind:?}: {keyspace:?}"
        );
        expect(&mut c, "DEL k", int(1))?;
        check(&mut c, false).with_context(|| format!("{kind:?} emptied"))?;
    }
    Ok(())
}

#[test]
fn nodes_conf_survives_a_restart_and_is_locked() -> anyhow::Result<()> {
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let dir = TempDir::new("nodes-conf")?;
        let args = ["--cluster-enabled", "yes"];
        let mut first = Server::start_in(kind, dir.path(), &args)?;
        let mut c = first.client()?;
        expect(&mut c, "CLUSTER ADDSLOTSRANGE 0 99", ok())?;
        expect(&mut c, "CLUSTER SET-CONFIG-EPOCH 7", ok())?;
        let id = node_id(&mut c)?;
        ensure!(
            id.len() == 40
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{kind:?} node id {id:?}"
        );
        let conf = std::fs::read_to_string(first.dir().join("nodes.conf"))?;
        let port = first.port();
        let want = format!("{id} :{port}@{}", u32::from(port) + 10000);
        ensure!(conf.starts_with(&want), "{kind:?} nodes.conf:\n{conf}");
        ensure!(
            conf.contains(" myself,master - 0 ") && conf.contains(" 7 connected 0-99\n"),
            "{kind:?} nodes.conf:\n{conf}"
        );
        ensure!(
            conf.ends_with("vars currentEpoch 7 lastVoteEpoch 0\n"),
            "{kind:?} nodes.conf:\n{conf}"
        );

        // A second process on the same nodes.conf refuses to start.
        let error = Server::start_in(kind, dir.path(), &args)
            .err()
            .context("second node started")?;
        let exited = error
            .downcast_ref::<ServerExited>()
            .with_context(|| format!("{kind:?}: {error:#}"))?;
        ensure!(
            exited.log.contains(
                "Sorry, the cluster configuration file nodes.conf is already used by a different \
                 Redis Cluster node. Please make sure that different nodes use different cluster \
                 configuration files."
            ),
            "{kind:?} log:\n{}",
            exited.log
        );
        ensure!(
            !exited.status.success(),
            "{kind:?} exited {}",
            exited.status
        );
        // The running node is unaffected.
        expect(&mut c, "PING", simple("PONG"))?;

        let status = first.stop()?;
        ensure!(
            status.success() && first.pid().is_none(),
            "{kind:?} SIGTERM: {status}"
        );
        let second = Server::start_in(kind, dir.path(), &args)?;
        let mut c = second.client()?;
        ensure!(
            node_id(&mut c)? == id,
            "{kind:?}: id changed across a restart"
        );
        let info = bulk_text(&c.cmd(&["CLUSTER", "INFO"])?)?;
        for line in [
            "cluster_slots_assigned:100\r\n",
            "cluster_my_epoch:7\r\n",
            "cluster_current_epoch:7\r\n",
        ] {
            ensure!(
                info.contains(line),
                "{kind:?} after restart lacks {line:?}:\n{info}"
            );
        }
    }
    Ok(())
}
