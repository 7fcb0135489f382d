//! Generic key commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY MOVE SWAPDB SELECT TOUCH
//! the EXPIRE family, TTL PTTL PERSIST KEYS SCAN RANDOMKEY DBSIZE FLUSHDB FLUSHALL OBJECT, each
//! checked against Redis and then Tessera.

use std::collections::BTreeSet;

use anyhow::{bail, ensure};
use resp::Frame;
use test_harness::Client;

use crate::support::*;

#[test]
fn del_unlink_exists_type_touch() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "MSET a 1 b 2 c 3", ok())?;
        expect(c, "EXISTS a a nokey b", int(3))?;
        expect(c, "TYPE a", simple("string"))?;
        expect(c, "TYPE nokey", simple("none"))?;
        expect(c, "TOUCH a b nokey", int(2))?;
        expect(c, "DEL a a nokey", int(1))?;
        expect(c, "UNLINK b c", int(2))?;
        expect(c, "EXISTS a b c", int(0))?;
        for command in ["del", "unlink", "exists", "type", "touch"] {
            expect(c, command, arity(command))?;
        }
        expect(c, "TYPE a b", arity("type"))?;
        Ok(())
    })
}

#[test]
fn rename_and_renamenx_keep_the_ttl() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SET a 1 EX 1000", ok())?;
        expect(c, "RENAME a b", ok())?;
        expect(c, "EXISTS a", int(0))?;
        let ttl = integer(&c.cmd(&["TTL", "b"])?)?;
        ensure!((999..=1000).contains(&ttl), "TTL after RENAME: {ttl}");
        expect(c, "RENAME b b", ok())?;
        expect(c, "RENAME nokey x", err("ERR no such key"))?;
        expect(c, "RENAME nokey nokey", err("ERR no such key"))?;
        expect(c, "SET c 3", ok())?;
        expect(c, "RENAME b c", ok())?;
        expect(c, "GET c", bulk("1"))?;
        expect(c, "SET d 4", ok())?;
        expect(c, "RENAMENX c d", int(0))?;
        expect(c, "RENAMENX c c", int(0))?;
        expect(c, "RENAMENX c e", int(1))?;
        expect(c, "RENAMENX nokey x", err("ERR no such key"))?;
        expect(c, "RENAME a", arity("rename"))?;
        expect(c, "RENAMENX a", arity("renamenx"))?;
        Ok(())
    })
}

#[test]
fn copy_move_swapdb_select() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SET n v EX 1000", ok())?;
        expect(c, "COPY n c", int(1))?;
        let ttl = integer(&c.cmd(&["TTL", "c"])?)?;
        ensure!((999..=1000).contains(&ttl), "TTL after COPY: {ttl}");
        expect(c, "COPY n c", int(0))?;
        expect(c, "COPY n c REPLACE", int(1))?;
        expect(c, "COPY n c DB 1", int(1))?;
        expect(c, "COPY n c DB 1 REPLACE", int(1))?;
        expect(c, "COPY n n DB 1", int(1))?;
        expect(c, "COPY n n DB 1", int(0))?;
        expect(c, "COPY nokey c", int(0))?;
        expect(
            c,
            "COPY n n",
            err("ERR source and destination objects are the same"),
        )?;
        expect(c, "COPY n c DB x", not_integer())?;
        expect(c, "COPY n c DB 99", err("ERR DB index is out of range"))?;
        expect(c, "COPY n c FOO", syntax())?;
        expect(c, "COPY n", arity("copy"))?;

        expect(c, "DEL c", int(1))?;
        expect(c, "SELECT 1", ok())?;
        expect(c, "GET c", bulk("v"))?;
        expect(c, "DEL n c", int(2))?;
        expect(c, "SELECT 0", ok())?;
        expect(c, "MOVE n 1", int(1))?;
        expect(c, "MOVE n 1", int(0))?;
        expect(c, "MOVE nokey 1", int(0))?;
        expect(c, "SET n again", ok())?;
        expect(c, "MOVE n 1", int(0))?;
        expect(
            c,
            "MOVE n 0",
            err("ERR source and destination objects are the same"),
        )?;
        expect(c, "MOVE n x", not_integer())?;
        expect(c, "MOVE n 16", err("ERR DB index is out of range"))?;
        expect(c, "MOVE n -1", err("ERR DB index is out of range"))?;
        expect(c, "MOVE n", arity("move"))?;

        expect(c, "SWAPDB 0 1", ok())?;
        expect(c, "GET n", bulk("v"))?;
        expect(c, "SWAPDB 0 0", ok())?;
        expect(c, "SWAPDB x 0", err("ERR invalid first DB index"))?;
        expect(c, "SWAPDB 0 x", err("ERR invalid second DB index"))?;
        expect(c, "SWAPDB 0 16", err("ERR DB index is out of range"))?;
        expect(c, "SWAPDB 0", arity("swapdb"))?;

        expect(c, "SELECT x", not_integer())?;
        expect(c, "SELECT 16", err("ERR DB index is out of range"))?;
        expect(c, "SELECT -1", err("ERR DB index is out of range"))?;
        expect(c, "SELECT 1 2", arity("select"))?;
        Ok(())
    })
}

#[test]
fn expire_family_with_nx_xx_gt_lt() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SET k v", ok())?;
        expect(c, "TTL k", int(-1))?;
        expect(c, "PTTL k", int(-1))?;
        expect(c, "EXPIRETIME k", int(-1))?;
        expect(c, "PEXPIRETIME k", int(-1))?;
        expect(c, "TTL nokey", int(-2))?;
        expect(c, "PTTL nokey", int(-2))?;
        expect(c, "EXPIRETIME nokey", int(-2))?;
        expect(c, "PEXPIRETIME nokey", int(-2))?;
        expect(c, "EXPIRE nokey 100", int(0))?;

        // No TTL counts as an infinite one for GT and LT.
        expect(c, "EXPIRE k 100 XX", int(0))?;
        expect(c, "EXPIRE k 100 GT", int(0))?;
        expect(c, "EXPIRE k 100 LT", int(1))?;
        expect(c, "EXPIRE k 200 NX", int(0))?;
        expect(c, "EXPIRE k 200 XX", int(1))?;
        expect(c, "EXPIRE k 100 GT", int(0))?;
        expect(c, "EXPIRE k 300 GT", int(1))?;
        expect(c, "EXPIRE k 400 LT", int(0))?;
        expect(c, "PEXPIRE k 100000 LT", int(1))?;
        expect(c, "PERSIST k", int(1))?;
        expect(c, "PERSIST k", int(0))?;
        expect(c, "PERSIST nokey", int(0))?;
        expect(c, "EXPIRE k 100 NX", int(1))?;

        expect(c, "EXPIREAT k 4102444800", int(1))?;
        expect(c, "EXPIRETIME k", int(4_102_444_800))?;
        expect(c, "PEXPIRETIME k", int(4_102_444_800_000))?;
        expect(c, "PEXPIREAT k 4102444800123", int(1))?;
        expect(c, "EXPIRETIME k", int(4_102_444_800))?;
        expect(c, "PEXPIRETIME k", int(4_102_444_800_123))?;
        expect(c, "PEXPIREAT k 9223372036854775807", int(1))?;
        expect(c, "EXPIRETIME k", int(9_223_372_036_854_776))?;
        expect(c, "PEXPIRETIME k", int(i64::MAX))?;
        let ttl = integer(&c.cmd(&["TTL", "k"])?)?;
        ensure!(
            ttl > 9_223_370_000_000_000,
            "TTL of the latest possible time: {ttl}"
        );
        expect(c, "PEXPIREAT k 4102444800123", int(1))?;
        expect(c, "EXPIREAT k 4102444801 LT", int(0))?;
        expect(c, "EXPIREAT k 4102444801 GT", int(1))?;

        let nx_xx = err("ERR NX and XX, GT or LT options at the same time are not compatible");
        expect(c, "EXPIRE k 10 NX XX", nx_xx.clone())?;
        expect(c, "EXPIRE k 10 NX GT", nx_xx.clone())?;
        expect(c, "PEXPIREAT k 10 NX LT", nx_xx)?;
        expect(
            c,
            "EXPIRE k 10 GT LT",
            err("ERR GT and LT options at the same time are not compatible"),
        )?;
        expect(c, "EXPIRE k 10 FOO", err("ERR Unsupported option FOO"))?;
        expect(c, "EXPIRE k abc", not_integer())?;
        expect(c, "EXPIRE k 9223372036854775807", invalid_expire("expire"))?;
        expect(c, "EXPIRE k 922337203685477580", invalid_expire("expire"))?;
        expect(
            c,
            "PEXPIRE k 9223372036854775807",
            invalid_expire("pexpire"),
        )?;
        expect(
            c,
            "EXPIREAT k 9223372036854775807",
            invalid_expire("expireat"),
        )?;
        expect(c, "EXPIRE k", arity("expire"))?;
        expect(c, "PEXPIREAT k", arity("pexpireat"))?;
        expect(c, "TTL a b", arity("ttl"))?;
        expect(c, "PERSIST", arity("persist"))?;

        // A time that has passed deletes the key.
        expect(c, "EXPIRE k -1", int(1))?;
        expect(c, "EXISTS k", int(0))?;
        expect(c, "SET k v", ok())?;
        expect(c, "PEXPIREAT k 1", int(1))?;
        expect(c, "EXISTS k", int(0))?;
        expect(c, "SET k v", ok())?;
        expect(c, "EXPIRE k 0", int(1))?;
        expect(c, "TTL k", int(-2))?;
        Ok(())
    })
}

/// Every key a full SCAN iteration returns (cursor values are the server's business).
fn scan_all(c: &mut Client, options: &[&str]) -> anyhow::Result<BTreeSet<String>> {
    let mut cursor = "0".to_string();
    let mut keys = BTreeSet::new();
    for _ in 0..100_000 {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(options);
        let reply = c.cmd(&args)?;
        let Frame::Array(parts) = &reply else {
            bail!("SCAN reply {reply}");
        };
        let [next, Frame::Array(page)] = parts.as_slice() else {
            bail!("SCAN reply {reply}");
        };
        for key in page {
            keys.insert(bulk_text(key)?);
        }
        cursor = bulk_text(next)?;
        if cursor == "0" {
            return Ok(keys);
        }
    }
    bail!("SCAN did not finish")
}

/// The elements of an array reply as a sorted set of strings.
fn sorted(frame: &Frame) -> anyhow::Result<BTreeSet<String>> {
    let Frame::Array(items) = frame else {
        bail!("expected an array, got {frame}");
    };
    items.iter().map(bulk_text).collect()
}

fn set_of(keys: &[&str]) -> BTreeSet<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

#[test]
fn keys_scan_randomkey_dbsize_flush() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "RANDOMKEY", nil())?;
        expect(c, "KEYS *", array(vec![]))?;
        ensure!(scan_all(c, &[])?.is_empty());
        expect(c, "MSET user:1 a user:2 b user:10 c other d h?llo e", ok())?;
        expect(c, "SET one x", ok())?;
        expect(c, "RANDOMKEY", bulk("user:1")).or_else(|_| {
            let key = bulk_text(&c.cmd(&["RANDOMKEY"])?)?;
            ensure!(
                c.cmd(&["EXISTS", key.as_str()])? == int(1),
                "RANDOMKEY {key}"
            );
            Ok(())
        })?;
        expect(c, "DBSIZE", int(6))?;
        let all = set_of(&["user:1", "user:2", "user:10", "other", "h?llo", "one"]);
        ensure!(sorted(&c.cmd(&["KEYS", "*"])?)? == all);
        ensure!(sorted(&c.cmd(&["KEYS", "user:?"])?)? == set_of(&["user:1", "user:2"]));
        ensure!(sorted(&c.cmd(&["KEYS", "h\\?llo"])?)? == set_of(&["h?llo"]));
        ensure!(
            sorted(&c.cmd(&["KEYS", "[ou]*"])?)?
                == set_of(&["one", "other", "user:1", "user:2", "user:10"])
        );
        ensure!(sorted(&c.cmd(&["KEYS", "[^u]*"])?)? == set_of(&["one", "other", "h?llo"]));
        expect(c, "KEYS [", array(vec![]))?;
        expect(c, "KEYS", arity("keys"))?;
        ensure!(scan_all(c, &[])? == all);
        ensure!(
            scan_all(c, &["MATCH", "user:*", "COUNT", "1"])?
                == set_of(&["user:1", "user:2", "user:10"])
        );
        ensure!(scan_all(c, &["TYPE", "string", "COUNT", "1000"])? == all);
        ensure!(scan_all(c, &["TYPE", "list"])?.is_empty());
        expect(c, "SCAN 0 COUNT 0", syntax())?;
        expect(c, "SCAN 0 COUNT -1", syntax())?;
        expect(c, "SCAN 0 COUNT x", not_integer())?;
        expect(c, "SCAN 0 FOO", syntax())?;
        expect(c, "SCAN 0 MATCH", syntax())?;
        expect(c, "SCAN abc", err("ERR invalid cursor"))?;
        expect(c, "SCAN 18446744073709551616", err("ERR invalid cursor"))?;
        expect(c, "SCAN", arity("scan"))?;
        expect(c, "DBSIZE x", arity("dbsize"))?;
        expect(c, "RANDOMKEY x", arity("randomkey"))?;

        expect(c, "SELECT 1", ok())?;
        expect(c, "SET in1 x", ok())?;
        expect(c, "FLUSHDB", ok())?;
        expect(c, "DBSIZE", int(0))?;
        expect(c, "SET in1 x", ok())?;
        expect(c, "SELECT 0", ok())?;
        expect(c, "DBSIZE", int(6))?;
        expect(c, "FLUSHDB FOO", syntax())?;
        expect(c, "FLUSHDB SYNC ASYNC", syntax())?;
        expect(c, "FLUSHALL FOO", syntax())?;
        expect(c, "FLUSHDB ASYNC", ok())?;
        expect(c, "DBSIZE", int(0))?;
        expect(c, "SELECT 1", ok())?;
        expect(c, "DBSIZE", int(1))?;
        expect(c, "FLUSHALL SYNC", ok())?;
        expect(c, "DBSIZE", int(0))?;
        expect(c, "SET k v", ok())?;
        expect(c, "FLUSHALL ASYNC", ok())?;
        expect(c, "FLUSHALL", ok())?;
        expect(c, "DBSIZE", int(0))?;
        Ok(())
    })
}

#[test]
fn object_subcommands() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SET shared 100", ok())?;
        expect(c, "SET n 12345678", ok())?;
        expect(c, "SET neg -5", ok())?;
        expect(c, "SET max 9223372036854775807", ok())?;
        expect(c, "SET over 9223372036854775808", ok())?;
        expect(c, "SET lead 01", ok())?;
        expect(c, "SET short hello", ok())?;
        expect(
            c,
            "SET s44 01234567890123456789012345678901234567890123",
            ok(),
        )?;
        expect(
            c,
            "SET s45 012345678901234567890123456789012345678901234",
            ok(),
        )?;
        expect(c, "SET grown x", ok())?;
        expect(c, "APPEND grown y", int(2))?;
        for (key, encoding) in [
            ("shared", "int"),
            ("n", "int"),
            ("neg", "int"),
            ("max", "int"),
            ("over", "embstr"),
            ("lead", "embstr"),
            ("short", "embstr"),
            ("s44", "embstr"),
            ("s45", "raw"),
            ("grown", "raw"),
        ] {
            expect_args(c, &["OBJECT", "ENCODING", key], bulk(encoding))?;
        }
        // Small integers are Redis's shared objects.
        expect(c, "OBJECT REFCOUNT shared", int(2_147_483_647))?;
        expect(c, "OBJECT REFCOUNT n", int(1))?;
        expect(c, "OBJECT REFCOUNT short", int(1))?;
        let idle = integer(&c.cmd(&["OBJECT", "IDLETIME", "short"])?)?;
        ensure!((0..=2).contains(&idle), "IDLETIME of a fresh key: {idle}");
        expect(
            c,
            "OBJECT FREQ short",
            err(
                "ERR An LFU maxmemory policy is not selected, access frequency not tracked. \
                 Please note that when switching between policies at runtime LRU and LFU data \
                 will take some time to adjust.",
            ),
        )?;
        for sub in ["ENCODING", "REFCOUNT", "IDLETIME", "FREQ"] {
            expect_args(c, &["OBJECT", sub, "nokey"], nil())?;
        }
        expect(
            c,
            "OBJECT FOO",
            err("ERR unknown subcommand 'FOO'. Try OBJECT HELP."),
        )?;
        expect(c, "OBJECT", arity("object"))?;
        expect(c, "OBJECT ENCODING", arity("object|encoding"))?;
        expect(c, "OBJECT ENCODING a b", arity("object|encoding"))?;
        Ok(())
    })
}

#[test]
fn object_freq_under_an_lfu_policy() -> anyhow::Result<()> {
    on_both_with(&["--maxmemory-policy", "allkeys-lfu"], |_, c| {
        expect(c, "SET k v", ok())?;
        // A new key starts at LFU_INIT_VAL (5) and is not decayed within a minute.
        expect(c, "OBJECT FREQ k", int(5))?;
        Ok(())
    })
}

#[test]
fn object_help_matches_redis() -> anyhow::Result<()> {
    on_both(|_, c| {
        let help = c.cmd(&["OBJECT", "HELP"])?;
        let Frame::Array(lines) = &help else {
            bail!("OBJECT HELP reply {help}");
        };
        ensure!(lines.len() == 15, "{help}");
        ensure!(
            lines.last() == Some(&simple("    Prints this help.")),
            "{help}"
        );
        Ok(())
    })
}

#[test]
fn object_refcount_of_a_copied_small_integer() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SET n 100", ok())?;
        expect(c, "OBJECT REFCOUNT n", int(2_147_483_647))?;
        expect(c, "COPY n copy", int(1))?;
        expect(c, "OBJECT ENCODING copy", bulk("int"))?;
        expect(c, "OBJECT REFCOUNT copy", int(1))
    })
}

#[test]
fn sort_numeric_alpha_patterns_limit_and_store() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "RPUSH l 3 1 2 10", int(4))?;
        expect(
            c,
            "SORT l",
            array(vec![bulk("1"), bulk("2"), bulk("3"), bulk("10")]),
        )?;
        expect(
            c,
            "SORT l ALPHA DESC LIMIT 1 2",
            array(vec![bulk("2"), bulk("10")]),
        )?;
        expect(c, "MSET w_1 30 w_2 20 w_3 10 w_10 x", ok())?;
        expect(
            c,
            "SORT l BY w_* LIMIT 0 3",
            err("ERR One or more scores can't be converted into double"),
        )?;
        expect(c, "HSET h_3 f c", int(1))?;
        expect(
            c,
            "SORT l BY nosort GET # GET h_*->f",
            array(vec![
                bulk("3"),
                bulk("c"),
                bulk("1"),
                nil(),
                bulk("2"),
                nil(),
                bulk("10"),
                nil(),
            ]),
        )?;
        // Unsorted, DESC walks the list from its tail, LIMIT counting from there.
        expect(
            c,
            "SORT l BY nosort DESC",
            array(vec![bulk("10"), bulk("2"), bulk("1"), bulk("3")]),
        )?;
        expect(
            c,
            "SORT l BY nosort DESC LIMIT 1 2",
            array(vec![bulk("2"), bulk("1")]),
        )?;
        expect(c, "SORT l BY nosort DESC STORE rev", int(4))?;
        expect(
            c,
            "LRANGE rev 0 -1",
            array(vec![bulk("10"), bulk("2"), bulk("1"), bulk("3")]),
        )?;
        expect(c, "SORT l DESC STORE dst", int(4))?;
        expect(
            c,
            "LRANGE dst 0 -1",
            array(vec![bulk("10"), bulk("3"), bulk("2"), bulk("1")]),
        )?;
        expect(
            c,
            "SORT l LIMIT 9223372036854775807 9223372036854775807",
            array(vec![]),
        )?;
        expect(c, "SORT_RO l STORE x", syntax())?;
        expect(c, "SET s v", ok())?;
        expect(
            c,
            "SORT s",
            err("WRONGTYPE Operation against a key holding the wrong kind of value"),
        )?;
        Ok(())
    })
}

/// ZSCAN of a skiplist-encoded sorted set prints a negative-zero score as "-0", as ZSCORE
/// and ZRANGE do (found by the differential test, seed 2338).
#[test]
fn zscan_keeps_the_sign_of_a_negative_zero_score() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "CONFIG SET zset-max-listpack-entries 0", ok())?;
        expect(c, "ZADD z -0 a", int(1))?;
        expect(c, "ZSCORE z a", bulk("-0"))?;
        expect(
            c,
            "ZSCAN z 0",
            array(vec![bulk("0"), array(vec![bulk("a"), bulk("-0")])]),
        )?;
        Ok(())
    })
}
