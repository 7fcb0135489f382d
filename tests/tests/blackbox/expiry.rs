//! Expiry: lazy (an expired key is never visible, and is deleted when touched) and active
//! (keys vanish from DBSIZE without being touched), against Redis and then Tessera.
//!
//! Waits are bounded polls; the only fixed sleeps wait for a TTL to pass, after which the
//! assertions hold however late they run.

use std::time::Duration;

use anyhow::ensure;
use test_harness::wait_until;

use crate::support::*;

/// Long enough for any TTL these tests set to have passed.
const PAST_TTL: Duration = Duration::from_millis(120);

#[test]
fn lazy_expiry_hides_and_deletes_on_access() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "DEBUG SET-ACTIVE-EXPIRE 0", ok())?;
        expect(c, "SET k v PX 50", ok())?;
        expect(c, "SET keep v", ok())?;
        let pttl = integer(&c.cmd(&["PTTL", "k"])?)?;
        ensure!((0..=50).contains(&pttl), "PTTL right after PX 50: {pttl}");
        std::thread::sleep(PAST_TTL);
        // Not yet deleted (nothing touched it), so DBSIZE still counts it ...
        expect(c, "DBSIZE", int(2))?;
        // ... but no read can see it.
        expect(c, "KEYS *", array(vec![bulk("keep")]))?;
        expect(
            c,
            "SCAN 0 COUNT 100",
            array(vec![bulk("0"), array(vec![bulk("keep")])]),
        )?;
        expect(c, "RANDOMKEY", bulk("keep"))?;
        expect(c, "MGET k keep", array(vec![nil(), bulk("v")]))?;
        expect(c, "EXISTS k", int(0))?;
        expect(c, "TTL k", int(-2))?;
        expect(c, "GET k", nil())?;
        expect(c, "DBSIZE", int(1))?;

        // SCAN deletes the expired keys that match its pattern, and only those; KEYS none.
        expect(c, "SET gone v PXAT 1", ok())?;
        expect(c, "KEYS *", array(vec![bulk("keep")]))?;
        expect(
            c,
            "SCAN 0 MATCH nomatch COUNT 100",
            array(vec![bulk("0"), array(vec![])]),
        )?;
        expect(c, "DBSIZE", int(2))?;
        expect(
            c,
            "SCAN 0 MATCH g* TYPE list COUNT 100",
            array(vec![bulk("0"), array(vec![])]),
        )?;
        expect(c, "DBSIZE", int(1))?;

        // Writes see the key as absent too.
        expect(c, "SET n 5 PX 10", ok())?;
        std::thread::sleep(PAST_TTL);
        expect(c, "INCR n", int(1))?;
        expect(c, "TTL n", int(-1))?;
        expect(c, "SET a x PX 10", ok())?;
        std::thread::sleep(PAST_TTL);
        expect(c, "APPEND a y", int(1))?;
        expect(c, "SET r x PX 10", ok())?;
        std::thread::sleep(PAST_TTL);
        expect(c, "RENAME r r2", err("ERR no such key"))?;
        expect(c, "SETNX r fresh", int(1))?;
        expect(c, "GET r", bulk("fresh"))?;
        Ok(())
    })
}

#[test]
fn active_expiry_removes_untouched_keys() -> anyhow::Result<()> {
    on_both(|_, c| {
        // Off while the keys are written and their TTL passes, so the counts are exact.
        expect(c, "DEBUG SET-ACTIVE-EXPIRE 0", ok())?;
        let mut commands: Vec<Vec<String>> = (0..200)
            .map(|i| {
                let key = format!("volatile:{i}");
                vec!["SET".into(), key, "v".into(), "PX".into(), "100".into()]
            })
            .collect();
        commands.extend((0..20).map(|i| vec!["SET".into(), format!("kept:{i}"), "v".into()]));
        for reply in c.pipeline(&commands)? {
            ensure!(reply == ok(), "SET reply {reply}");
        }
        // Several active-expiry cycles (hz 10) would have run in this time.
        std::thread::sleep(Duration::from_millis(400));
        expect(c, "DBSIZE", int(220))?;
        // Touching one deletes it; the others stay until the active cycle runs.
        expect(c, "EXISTS volatile:0", int(0))?;
        expect(c, "DBSIZE", int(219))?;
        expect(c, "DEBUG SET-ACTIVE-EXPIRE 1", ok())?;
        wait_until(
            Duration::from_secs(10),
            "active expiry to bring DBSIZE to 20",
            || Ok(integer(&c.cmd(&["DBSIZE"])?)? == 20),
        )?;
        let stats = bulk_text(&c.cmd(&["INFO", "stats"])?)?;
        ensure!(
            stats.contains("\r\nexpired_keys:200\r\n"),
            "INFO stats:\n{stats}"
        );
        Ok(())
    })
}
