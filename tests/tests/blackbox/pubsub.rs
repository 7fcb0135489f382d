//! Pub/Sub with real subscribers and publishers: confirmations, messages and pattern
//! messages in RESP2 and RESP3, the RESP2 subscribed-mode rules, PUBSUB introspection, shard
//! channels, and a slow subscriber cut off at `client-output-buffer-limit pubsub`. Checked
//! against Redis and then Tessera, byte for byte where the bytes are deterministic.

use std::time::{Duration, Instant};

use anyhow::ensure;
use bytes::Bytes;
use resp::Frame;

use crate::support::*;

fn raw(text: &str) -> Bytes {
    Bytes::copy_from_slice(text.as_bytes())
}

#[test]
fn subscribe_publish_and_patterns_resp2() -> anyhow::Result<()> {
    on_both(|server, sub| {
        let mut publisher = server.client()?;
        ensure!(
            sub.cmd_raw(&["SUBSCRIBE", "a", "b"])?
                == raw("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"),
            "first confirmation"
        );
        ensure!(
            sub.read_raw()? == raw("*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"),
            "second confirmation"
        );
        expect(&mut publisher, "PUBLISH a hello", int(1))?;
        ensure!(
            sub.read_raw()? == raw("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n"),
            "message"
        );
        ensure!(
            sub.cmd_raw(&["PSUBSCRIBE", "h*"])?
                == raw("*3\r\n$10\r\npsubscribe\r\n$2\r\nh*\r\n:3\r\n"),
            "psubscribe"
        );
        expect(&mut publisher, "PUBLISH hx v", int(1))?;
        ensure!(
            sub.read_raw()? == raw("*4\r\n$8\r\npmessage\r\n$2\r\nh*\r\n$2\r\nhx\r\n$1\r\nv\r\n"),
            "pmessage"
        );
        // RESP2 subscribed mode: only the pub/sub commands, PING, QUIT, RESET.
        ensure!(
            sub.cmd_raw(&["GET", "k"])?
                == raw(
                    "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
                ),
            "GET refused"
        );
        ensure!(
            sub.cmd_raw(&["PING"])? == raw("*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
            "PING in subscribed mode"
        );
        expect(
            &mut publisher,
            "PUBSUB NUMSUB a b c",
            array(vec![
                bulk("a"),
                int(1),
                bulk("b"),
                int(1),
                bulk("c"),
                int(0),
            ]),
        )?;
        expect(&mut publisher, "PUBSUB NUMPAT", int(1))?;
        let channels = publisher.cmd(&["PUBSUB", "CHANNELS"])?;
        let Frame::Array(mut names) = channels else {
            anyhow::bail!("PUBSUB CHANNELS: {channels:?}");
        };
        names.sort_by_key(|f| f.to_string());
        ensure!(names == vec![bulk("a"), bulk("b")], "channels {names:?}");
        // Unsubscribing from all: one confirmation per channel, in the order of Redis's hash
        // table; the counts go down one by one.
        let first = sub.cmd_raw(&["UNSUBSCRIBE"])?;
        let second = sub.read_raw()?;
        let confirmation = |channel: &str, count: i64| {
            raw(&format!(
                "*3\r\n$11\r\nunsubscribe\r\n$1\r\n{channel}\r\n:{count}\r\n"
            ))
        };
        ensure!(
            (first == confirmation("a", 2) && second == confirmation("b", 1))
                || (first == confirmation("b", 2) && second == confirmation("a", 1)),
            "unsubscribe all: {first:?} {second:?}"
        );
        ensure!(
            sub.cmd_raw(&["PUNSUBSCRIBE"])?
                == raw("*3\r\n$12\r\npunsubscribe\r\n$2\r\nh*\r\n:0\r\n"),
            "punsubscribe"
        );
        ensure!(
            sub.cmd_raw(&["UNSUBSCRIBE"])? == raw("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"),
            "unsubscribe with nothing subscribed"
        );
        expect(sub, "SET k v", ok())?;
        expect(&mut publisher, "PUBLISH a gone", int(0))?;
        Ok(())
    })
}

#[test]
fn resp3_pushes_and_shard_channels() -> anyhow::Result<()> {
    on_both(|server, sub| {
        let mut publisher = server.client()?;
        sub.cmd(&["HELLO", "3"])?;
        ensure!(
            sub.cmd_raw(&["SSUBSCRIBE", "s1"])?
                == raw(">3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n"),
            "ssubscribe push"
        );
        expect(&mut publisher, "SPUBLISH s1 hi", int(1))?;
        expect(&mut publisher, "PUBLISH s1 hi", int(0))?;
        ensure!(
            sub.read_raw()? == raw(">3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$2\r\nhi\r\n"),
            "smessage push"
        );
        // RESP3 clients may run any command while subscribed.
        expect(sub, "SET k v", ok())?;
        expect(
            &mut publisher,
            "PUBSUB SHARDNUMSUB s1",
            array(vec![bulk("s1"), int(1)]),
        )?;
        expect(
            &mut publisher,
            "PUBSUB SHARDCHANNELS",
            array(vec![bulk("s1")]),
        )?;
        ensure!(
            sub.cmd_raw(&["SUNSUBSCRIBE", "s1"])?
                == raw(">3\r\n$12\r\nsunsubscribe\r\n$2\r\ns1\r\n:0\r\n"),
            "sunsubscribe push"
        );
        Ok(())
    })
}

/// A subscriber that never reads is disconnected once its pending output passes the hard
/// limit, and the publisher's PUBLISH count drops to 0.
#[test]
fn slow_subscriber_is_cut_off() -> anyhow::Result<()> {
    on_both(|server, c| {
        c.cmd(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 256kb 0 0",
        ])?;
        let mut sub = server.client()?;
        sub.cmd(&["SUBSCRIBE", "flood"])?;
        let payload = "x".repeat(16 * 1024);
        let started = Instant::now();
        let mut delivered_to_nobody = false;
        for _ in 0..2000 {
            let n = integer(&c.cmd(&["PUBLISH", "flood", &payload])?)?;
            if n == 0 {
                delivered_to_nobody = true;
                break;
            }
        }
        ensure!(delivered_to_nobody, "the subscriber was never disconnected");
        ensure!(started.elapsed() < Duration::from_secs(30), "took too long");
        expect(c, "PUBSUB NUMSUB flood", array(vec![bulk("flood"), int(0)]))?;
        Ok(())
    })
}
