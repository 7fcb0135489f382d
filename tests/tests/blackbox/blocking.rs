//! Blocking commands with several clients: wake-ups from writes on other connections, first
//! come first served among waiters, several keys, fractional timeouts, BLMOVE and BZPOPMIN,
//! no blocking inside MULTI, and a waiter whose client left consumes nothing. Checked against
//! Redis and then Tessera.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use resp::Frame;
use test_harness::{Client, Server};

use crate::support::*;

/// Waits until the server reports `n` blocked clients (INFO clients `blocked_clients`).
fn wait_blocked(server: &Server, n: i64) -> anyhow::Result<()> {
    let mut c = server.client()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info = bulk_text(&c.cmd(&["INFO", "clients"])?)?;
        let blocked = info
            .lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .and_then(|v| v.trim().parse::<i64>().ok());
        if blocked == Some(n) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("blocked_clients never reached {n}: {blocked:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends a command without reading its reply.
fn send(c: &mut Client, line: &str) -> anyhow::Result<()> {
    let args: Vec<&str> = line.split_whitespace().collect();
    c.send_raw(&test_harness::encode_command(&args))
}

#[test]
fn blpop_wakes_on_a_push_from_another_client() -> anyhow::Result<()> {
    on_both(|server, c| {
        let mut waiter = server.client()?;
        send(&mut waiter, "BLPOP k1 k2 0")?;
        wait_blocked(server, 1)?;
        // The element goes to the blocked client before any other command sees it.
        let replies = c.pipeline(&[vec!["RPUSH", "k2", "v"], vec!["LLEN", "k2"]])?;
        ensure!(
            replies == vec![int(1), int(0)],
            "push then length: {replies:?}"
        );
        ensure!(
            waiter.read_frame()? == array(vec![bulk("k2"), bulk("v")]),
            "BLPOP reply"
        );
        wait_blocked(server, 0)?;
        // With data present BLPOP answers at once.
        expect(c, "RPUSH k1 a b", int(2))?;
        expect(
            &mut waiter,
            "BRPOP k1 0",
            array(vec![bulk("k1"), bulk("b")]),
        )?;
        Ok(())
    })
}

#[test]
fn waiters_are_served_first_come_first_served() -> anyhow::Result<()> {
    on_both(|server, c| {
        let mut first = server.client()?;
        let mut second = server.client()?;
        send(&mut first, "BLPOP q 0")?;
        wait_blocked(server, 1)?;
        send(&mut second, "BLPOP q 0")?;
        wait_blocked(server, 2)?;
        expect(c, "RPUSH q one two", int(2))?;
        ensure!(
            first.read_frame()? == array(vec![bulk("q"), bulk("one")]),
            "first waiter"
        );
        ensure!(
            second.read_frame()? == array(vec![bulk("q"), bulk("two")]),
            "second waiter"
        );
        expect(c, "EXISTS q", int(0))?;
        Ok(())
    })
}

#[test]
fn timeouts_moves_sorted_sets_and_multi() -> anyhow::Result<()> {
    on_both(|server, c| {
        let started = Instant::now();
        expect(c, "BLPOP nothing 0.2", Frame::NullArray)?;
        ensure!(
            started.elapsed() >= Duration::from_millis(150),
            "timed out too early"
        );
        expect(c, "BLPOP k -1", err("ERR timeout is negative"))?;
        expect(
            c,
            "BLPOP k x",
            err("ERR timeout is not a float or out of range"),
        )?;
        expect(c, "SET str v", ok())?;
        expect(
            c,
            "BLPOP str 0",
            err("WRONGTYPE Operation against a key holding the wrong kind of value"),
        )?;

        let mut waiter = server.client()?;
        send(&mut waiter, "BLMOVE src dst LEFT RIGHT 0")?;
        wait_blocked(server, 1)?;
        expect(c, "RPUSH src x", int(1))?;
        ensure!(waiter.read_frame()? == bulk("x"), "BLMOVE reply");
        expect(c, "LRANGE dst 0 -1", array(vec![bulk("x")]))?;

        send(&mut waiter, "BZPOPMIN z 0")?;
        wait_blocked(server, 1)?;
        expect(c, "ZADD z 2 b 1 a", int(2))?;
        ensure!(
            waiter.read_frame()? == array(vec![bulk("z"), bulk("a"), bulk("1")]),
            "BZPOPMIN reply"
        );

        // Inside MULTI a blocking command answers at once.
        expect(c, "MULTI", ok())?;
        expect(c, "BLPOP nothing 0", simple("QUEUED"))?;
        expect(c, "EXEC", array(vec![Frame::NullArray]))?;
        Ok(())
    })
}

#[test]
fn a_waiter_whose_client_left_takes_nothing() -> anyhow::Result<()> {
    on_both(|server, c| {
        let mut waiter = server.client()?;
        send(&mut waiter, "BLPOP gone 0")?;
        wait_blocked(server, 1)?;
        drop(waiter);
        wait_blocked(server, 0)?;
        expect(c, "RPUSH gone v", int(1))?;
        expect(c, "LLEN gone", int(1))?;
        Ok(())
    })
}

#[test]
fn a_waiter_whose_slot_stops_being_served_gets_redis_error() -> anyhow::Result<()> {
    // With full coverage required, losing a slot takes the cluster down: every waiter gets
    // CLUSTERDOWN; without, only the waiters on that slot, with "not served".
    for (args, want) in [
        (vec![], "CLUSTERDOWN The cluster is down"),
        (
            vec!["--cluster-require-full-coverage", "no"],
            "CLUSTERDOWN Hash slot not served",
        ),
    ] {
        for kind in [
            test_harness::ServerKind::Redis,
            test_harness::ServerKind::Tessera,
        ] {
            let server = Server::start_cluster_owning_all_slots(kind, &args)?;
            let mut c = server.client()?;
            let mut waiter = server.client()?;
            // Another slot's waiter stays blocked when coverage is not required.
            let mut other = server.client()?;
            send(&mut waiter, "BLPOP k 0")?;
            send(&mut other, "BZPOPMIN other 0")?;
            wait_blocked(&server, 2)?;
            expect(&mut c, "CLUSTER DELSLOTS 7629", simple("OK"))?;
            ensure!(
                waiter.read_frame()? == err(want),
                "{kind:?} {args:?}: the waiter's reply"
            );
            // A new command on that slot is refused at once (an unassigned slot is checked
            // before the cluster's state, as Redis's getNodeByQuery does), and with full
            // coverage required so is one on a slot still served.
            expect(&mut c, "GET k", err("CLUSTERDOWN Hash slot not served"))
                .with_context(|| format!("{kind:?} {args:?}: GET on the lost slot"))?;
            if args.is_empty() {
                expect(&mut c, "GET other", err("CLUSTERDOWN The cluster is down"))
                    .with_context(|| format!("{kind:?}: GET on a served slot"))?;
            }
            if args.is_empty() {
                ensure!(other.read_frame()? == err(want), "{kind:?}: other waiter");
                wait_blocked(&server, 0)?;
            } else {
                wait_blocked(&server, 1)?;
                expect(&mut c, "ZADD other 1 m", int(1))?;
                ensure!(
                    other.read_frame()? == array(vec![bulk("other"), bulk("m"), bulk("1")]),
                    "{kind:?}: other waiter served"
                );
            }
        }
    }
    Ok(())
}

#[test]
fn self_locking_writes_wake_waiters_at_once() -> anyhow::Result<()> {
    // COPY, MOVE and SORT ... STORE take their own locks; the list they create goes to the
    // blocked client before any other command runs, as Redis's signalKeyAsReady does.
    on_both(|server, c| {
        expect(c, "RPUSH src a b", int(2))?;
        for (setup, write, key, db, want) in [
            (None, "COPY src dst", "dst", 0, "a"),
            (Some("RPUSH mv x"), "MOVE mv 2", "mv", 2, "x"),
            (None, "SORT src ALPHA STORE st", "st", 0, "a"),
            (None, "COPY src other DB 3", "other", 3, "a"),
        ] {
            if let Some(setup) = setup {
                expect(c, setup, int(1))?;
            }
            let mut waiter = server.client()?;
            if db != 0 {
                expect(&mut waiter, &format!("SELECT {db}"), ok())?;
            }
            send(&mut waiter, &format!("BLPOP {key} 0"))?;
            wait_blocked(server, 1)?;
            // The waiter took the element before the next command (LLEN) ran.
            c.cmd(&write.split_whitespace().collect::<Vec<_>>())?;
            expect(c, &format!("SELECT {db}"), ok())?;
            let len = c.cmd(&["LLEN", key])?;
            expect(c, "SELECT 0", ok())?;
            ensure!(
                waiter.read_frame()? == array(vec![bulk(key), bulk(want)]),
                "{write}: BLPOP reply"
            );
            ensure!(
                len == int(if key == "mv" { 0 } else { 1 }),
                "{write}: LLEN {len:?}"
            );
            wait_blocked(server, 0)?;
        }
        Ok(())
    })
}

/// A one-element list moved into itself (LMOVE, RPOPLPUSH and their blocking forms) keeps
/// its element and its TTL: Redis deletes the source only after the push. Found by the
/// differential test (seed 1308).
#[test]
fn a_list_moved_into_itself_keeps_its_ttl_as_redis() -> anyhow::Result<()> {
    on_both(|_, c| {
        for command in [
            "LMOVE l l LEFT RIGHT",
            "RPOPLPUSH l l",
            "BLMOVE l l RIGHT LEFT 0.1",
            "BRPOPLPUSH l l 0.1",
        ] {
            expect(c, "RPUSH l x", int(1))?;
            expect(c, "EXPIRE l 100", int(1))?;
            expect(c, command, bulk("x"))?;
            expect(c, "TTL l", int(100))?;
            expect(c, "LRANGE l 0 -1", array(vec![bulk("x")]))?;
            expect(c, "DEL l", int(1))?;
        }
        Ok(())
    })
}
