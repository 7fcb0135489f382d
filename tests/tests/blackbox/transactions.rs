//! MULTI/EXEC/WATCH with several clients: a watched key changed by another client, expired
//! or flushed fails the EXEC; an untouched one does not; and EXEC is atomic with respect to
//! every other client. Checked against Redis and then Tessera.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::ensure;
use resp::Frame;

use crate::support::*;

fn queued() -> Frame {
    simple("QUEUED")
}

#[test]
fn watch_fails_exec_when_another_client_writes() -> anyhow::Result<()> {
    on_both(|server, c| {
        let mut other = server.client()?;
        expect(c, "SET k 1", ok())?;
        expect(c, "WATCH k", ok())?;
        expect(&mut other, "INCR k", int(2))?;
        expect(c, "MULTI", ok())?;
        expect(c, "SET k 10", queued())?;
        expect(c, "EXEC", Frame::NullArray)?;
        expect(c, "GET k", bulk("2"))?;

        // Watching, then untouched: EXEC runs. WATCH is cleared by EXEC.
        expect(c, "WATCH k other", ok())?;
        expect(&mut other, "GET k", bulk("2"))?;
        expect(&mut other, "INCR unrelated", int(1))?;
        expect(c, "MULTI", ok())?;
        expect(c, "INCR k", queued())?;
        expect(c, "EXEC", array(vec![int(3)]))?;
        expect(&mut other, "INCR k", int(4))?;
        expect(c, "MULTI", ok())?;
        expect(c, "INCR k", queued())?;
        expect(c, "EXEC", array(vec![int(5)]))?;

        // A failed write by another client is not a change; a hash field write is.
        expect(&mut other, "HSET h f v", int(1))?;
        expect(c, "WATCH k h", ok())?;
        expect(
            &mut other,
            "LPUSH k x",
            err("WRONGTYPE Operation against a key holding the wrong kind of value"),
        )?;
        expect(c, "MULTI", ok())?;
        expect(c, "PING", queued())?;
        expect(c, "EXEC", array(vec![simple("PONG")]))?;
        expect(c, "WATCH h", ok())?;
        expect(&mut other, "HSET h f v2", int(0))?;
        expect(c, "MULTI", ok())?;
        expect(c, "PING", queued())?;
        expect(c, "EXEC", Frame::NullArray)?;

        // UNWATCH and DISCARD forget the watched keys.
        expect(c, "WATCH k", ok())?;
        expect(c, "UNWATCH", ok())?;
        expect(&mut other, "SET k 0", ok())?;
        expect(c, "MULTI", ok())?;
        expect(c, "GET k", queued())?;
        expect(c, "EXEC", array(vec![bulk("0")]))?;
        Ok(())
    })
}

#[test]
fn watch_fails_exec_on_expiry_and_flush() -> anyhow::Result<()> {
    on_both(|server, c| {
        let mut other = server.client()?;
        expect(c, "SET k v PX 100", ok())?;
        expect(c, "WATCH k", ok())?;
        std::thread::sleep(Duration::from_millis(200));
        expect(c, "MULTI", ok())?;
        expect(c, "PING", queued())?;
        expect(c, "EXEC", Frame::NullArray)?;

        expect(c, "SET k v", ok())?;
        expect(c, "WATCH k", ok())?;
        expect(&mut other, "FLUSHALL", ok())?;
        expect(c, "MULTI", ok())?;
        expect(c, "PING", queued())?;
        expect(c, "EXEC", Frame::NullArray)?;

        // FLUSHALL of a database that never held the watched key changes nothing.
        expect(c, "WATCH missing", ok())?;
        expect(&mut other, "FLUSHALL", ok())?;
        expect(c, "MULTI", ok())?;
        expect(c, "PING", queued())?;
        expect(c, "EXEC", array(vec![simple("PONG")]))?;
        Ok(())
    })
}

#[test]
fn queueing_errors_abort_and_runtime_errors_do_not() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "MULTI", ok())?;
        expect(c, "MULTI", err("ERR MULTI calls can not be nested"))?;
        expect(c, "WATCH x", err("ERR WATCH inside MULTI is not allowed"))?;
        expect(c, "SET a 1", queued())?;
        expect(c, "LPUSH a x", queued())?;
        expect(c, "INCR a", queued())?;
        expect(
            c,
            "EXEC",
            array(vec![
                ok(),
                err("WRONGTYPE Operation against a key holding the wrong kind of value"),
                int(2),
            ]),
        )?;
        expect(c, "MULTI", ok())?;
        expect(c, "SET a 1", queued())?;
        expect(c, "GET", arity("get"))?;
        expect(
            c,
            "EXEC",
            err("EXECABORT Transaction discarded because of previous errors."),
        )?;
        expect(c, "GET a", bulk("2"))?;
        expect(c, "EXEC", err("ERR EXEC without MULTI"))?;
        expect(c, "DISCARD", err("ERR DISCARD without MULTI"))?;
        Ok(())
    })
}

/// Writers increment two keys in different slots inside MULTI/EXEC; readers read both in
/// one transaction and must never see them differ.
#[test]
fn exec_is_atomic_across_slots() -> anyhow::Result<()> {
    on_both(|server, c| {
        expect(c, "MSET x 0 y 0", ok())?;
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for _ in 0..4 {
            let mut w = server.client()?;
            let stop = stop.clone();
            writers.push(std::thread::spawn(move || -> anyhow::Result<()> {
                while !stop.load(Ordering::Relaxed) {
                    let replies = w.pipeline(&[
                        vec!["MULTI"],
                        vec!["INCR", "x"],
                        vec!["INCR", "y"],
                        vec!["EXEC"],
                    ])?;
                    ensure!(
                        matches!(replies[3], Frame::Array(_)),
                        "EXEC: {:?}",
                        replies[3]
                    );
                }
                Ok(())
            }));
        }
        for _ in 0..300 {
            let replies = c.pipeline(&[
                vec!["MULTI"],
                vec!["GET", "x"],
                vec!["GET", "y"],
                vec!["EXEC"],
            ])?;
            let Frame::Array(values) = &replies[3] else {
                anyhow::bail!("EXEC: {:?}", replies[3]);
            };
            ensure!(values[0] == values[1], "saw x and y differ: {values:?}");
        }
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.join().map_err(|_| anyhow::anyhow!("writer panicked"))??;
        }
        let x: u64 = bulk_text(&c.cmd(&["GET", "x"])?)?.parse()?;
        ensure!(x > 0, "no transaction ran");
        Ok(())
    })
}
