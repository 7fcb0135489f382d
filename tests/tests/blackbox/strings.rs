//! String commands: GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL GETEX APPEND
//! STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE SUBSTR LCS, their replies and
//! error replies, each checked against Redis and then Tessera.

use anyhow::ensure;

use crate::support::*;

#[test]
fn set_and_get_with_every_option() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "GET k", nil())?;
        expect(c, "SET k v", ok())?;
        expect(c, "GET k", bulk("v"))?;
        expect(c, "SET k v2 NX", nil())?;
        expect(c, "SET k v2 XX", ok())?;
        expect(c, "SET other v XX", nil())?;
        expect(c, "SET other v NX", ok())?;
        expect(c, "SET k v3 GET", bulk("v2"))?;
        expect(c, "SET fresh v GET", nil())?;
        expect(c, "SET k v4 NX GET", bulk("v3"))?;
        expect(c, "GET k", bulk("v3"))?;
        expect(c, "SET k v4 XX GET", bulk("v3"))?;
        expect(c, "SET k v EX 100", ok())?;
        let ttl = integer(&c.cmd(&["TTL", "k"])?)?;
        ensure!((99..=100).contains(&ttl), "TTL after EX 100: {ttl}");
        expect(c, "SET k v KEEPTTL", ok())?;
        let ttl = integer(&c.cmd(&["TTL", "k"])?)?;
        ensure!((99..=100).contains(&ttl), "TTL after KEEPTTL: {ttl}");
        expect(c, "SET k v", ok())?;
        expect(c, "TTL k", int(-1))?;
        expect(c, "SET k v PX 100000", ok())?;
        let pttl = integer(&c.cmd(&["PTTL", "k"])?)?;
        ensure!((99_000..=100_000).contains(&pttl), "PTTL after PX: {pttl}");
        expect(c, "SET k v EXAT 4102444800", ok())?;
        expect(c, "EXPIRETIME k", int(4_102_444_800))?;
        expect(c, "SET k v PXAT 4102444800123", ok())?;
        expect(c, "PEXPIRETIME k", int(4_102_444_800_123))?;
        // A time in the past stores nothing visible.
        expect(c, "SET k v EXAT 1", ok())?;
        expect(c, "EXISTS k", int(0))?;
        expect(c, "SET k v PXAT 1 GET", nil())?;
        expect_args(c, &["SET", "empty", ""], ok())?;
        expect(c, "GET empty", bulk(""))?;
        expect(c, "set lower v ex 100 nx", ok())?;
        Ok(())
    })
}

#[test]
fn set_rejects_bad_options_and_times() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SET", arity("set"))?;
        expect(c, "SET k", arity("set"))?;
        for line in [
            "SET k v NX XX",
            "SET k v EX 10 PX 10",
            "SET k v EX 10 KEEPTTL",
            "SET k v KEEPTTL PXAT 10",
            "SET k v EX",
            "SET k v FOO",
            "SET k v GET GET FOO",
        ] {
            expect(c, line, syntax())?;
        }
        for line in [
            "SET k v EX 0",
            "SET k v EX -1",
            "SET k v PX 0",
            "SET k v EXAT 0",
            "SET k v PXAT -5",
            "SET k v PX 9223372036854775807",
            "SET k v EX 9223372036854775",
            "SET k v EXAT 9223372036854775807",
        ] {
            expect(c, line, invalid_expire("set"))?;
        }
        expect(c, "SET k v EX ten", not_integer())?;
        expect(c, "SET k v EX 1.5", not_integer())?;
        expect(c, "SET k v PX 99999999999999999999", not_integer())?;
        expect(c, "EXISTS k", int(0))?;
        // A repeated option is accepted, the last one wins.
        expect(c, "SET k v EX 10 EX 100", ok())?;
        let ttl = integer(&c.cmd(&["TTL", "k"])?)?;
        ensure!((99..=100).contains(&ttl), "TTL after EX 10 EX 100: {ttl}");
        Ok(())
    })
}

#[test]
fn setnx_setex_psetex_getset_getdel() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SETNX k v", int(1))?;
        expect(c, "SETNX k w", int(0))?;
        expect(c, "SETNX k", arity("setnx"))?;
        expect(c, "SETEX k 100 v2", ok())?;
        expect(c, "GET k", bulk("v2"))?;
        expect(c, "PSETEX k 100000 v3", ok())?;
        expect(c, "GET k", bulk("v3"))?;
        expect(c, "SETEX k 10", arity("setex"))?;
        expect(c, "SETEX k x v", not_integer())?;
        expect(c, "SETEX k 0 v", invalid_expire("setex"))?;
        expect(c, "SETEX k 9223372036854774 v", invalid_expire("setex"))?;
        expect(c, "PSETEX k -1 v", invalid_expire("psetex"))?;
        expect(
            c,
            "PSETEX k 9223372036854775807 v",
            invalid_expire("psetex"),
        )?;
        expect(c, "GETSET k new", bulk("v3"))?;
        expect(c, "TTL k", int(-1))?;
        expect(c, "GETSET nokey x", nil())?;
        expect(c, "GETSET k", arity("getset"))?;
        expect(c, "GETDEL k", bulk("new"))?;
        expect(c, "GETDEL k", nil())?;
        expect(c, "GETDEL", arity("getdel"))?;
        Ok(())
    })
}

#[test]
fn getex_options() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "GETEX nokey", nil())?;
        expect(c, "GETEX nokey EX 10", nil())?;
        expect(c, "EXISTS nokey", int(0))?;
        // The time is checked only once the key is found; the syntax always.
        expect(c, "GETEX nokey PX x", nil())?;
        expect(c, "GETEX nokey EX 0", nil())?;
        expect(c, "GETEX nokey EX", syntax())?;
        expect(c, "SET k v", ok())?;
        expect(c, "GETEX k", bulk("v"))?;
        expect(c, "TTL k", int(-1))?;
        expect(c, "GETEX k EX 100", bulk("v"))?;
        let ttl = integer(&c.cmd(&["TTL", "k"])?)?;
        ensure!((99..=100).contains(&ttl), "TTL after GETEX EX 100: {ttl}");
        expect(c, "GETEX k PERSIST", bulk("v"))?;
        expect(c, "TTL k", int(-1))?;
        expect(c, "GETEX k PXAT 4102444800000", bulk("v"))?;
        expect(c, "PEXPIRETIME k", int(4_102_444_800_000))?;
        expect(c, "GETEX k EX 10 PERSIST", syntax())?;
        expect(c, "GETEX k PERSIST EX 10", syntax())?;
        expect(c, "GETEX k EX", syntax())?;
        expect(c, "GETEX k FOO", syntax())?;
        expect(c, "GETEX k EX abc", not_integer())?;
        expect(c, "GETEX k PX 0", invalid_expire("getex"))?;
        expect(c, "GETEX k EXAT -1", invalid_expire("getex"))?;
        // A time in the past deletes the key after returning it.
        expect(c, "GETEX k EXAT 1", bulk("v"))?;
        expect(c, "EXISTS k", int(0))?;
        expect(c, "GETEX", arity("getex"))?;
        Ok(())
    })
}

#[test]
fn mget_mset_msetnx() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "MSET a 1 b 2 c 3", ok())?;
        expect(
            c,
            "MGET a nokey c a",
            array(vec![bulk("1"), nil(), bulk("3"), bulk("1")]),
        )?;
        expect(c, "MSET a 1 b", arity("mset"))?;
        expect(c, "MSET", arity("mset"))?;
        expect(c, "MSET a", arity("mset"))?;
        expect(c, "MSET a x a y", ok())?;
        expect(c, "GET a", bulk("y"))?;
        expect(c, "MSETNX a 1 d 4", int(0))?;
        expect(c, "EXISTS d", int(0))?;
        expect(c, "MSETNX d 4 e 5", int(1))?;
        expect(c, "MSETNX d", arity("msetnx"))?;
        expect(c, "MSETNX d 4 e", arity("msetnx"))?;
        expect(c, "MGET", arity("mget"))?;
        Ok(())
    })
}

#[test]
fn append_and_strlen() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "APPEND k hello", int(5))?;
        expect_args(c, &["APPEND", "k", " world"], int(11))?;
        expect(c, "STRLEN k", int(11))?;
        expect(c, "GET k", bulk("hello world"))?;
        expect(c, "STRLEN nokey", int(0))?;
        expect_args(c, &["APPEND", "e", ""], int(0))?;
        expect(c, "EXISTS e", int(1))?;
        expect(c, "SET n 12345", ok())?;
        expect(c, "APPEND n 6", int(6))?;
        expect(c, "STRLEN n", int(6))?;
        expect(c, "APPEND k", arity("append"))?;
        expect(c, "STRLEN", arity("strlen"))?;
        Ok(())
    })
}

#[test]
fn integer_counters_and_their_limits() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "INCR x", int(1))?;
        expect(c, "INCRBY x -5", int(-4))?;
        expect(c, "DECR x", int(-5))?;
        expect(c, "DECRBY x 10", int(-15))?;
        expect(c, "INCRBY y 9223372036854775807", int(i64::MAX))?;
        expect(
            c,
            "INCR y",
            err("ERR increment or decrement would overflow"),
        )?;
        expect(
            c,
            "INCRBY y 1",
            err("ERR increment or decrement would overflow"),
        )?;
        expect(
            c,
            "DECRBY y -1",
            err("ERR increment or decrement would overflow"),
        )?;
        expect(
            c,
            "DECRBY z -9223372036854775808",
            err("ERR decrement would overflow"),
        )?;
        expect(c, "SET z -9223372036854775808", ok())?;
        expect(
            c,
            "DECR z",
            err("ERR increment or decrement would overflow"),
        )?;
        expect(c, "INCRBY x 1.5", not_integer())?;
        expect(c, "INCRBY x 9223372036854775808", not_integer())?;
        expect(c, "INCRBY x abc", not_integer())?;
        for value in ["abc", "00", "-0", "+1", "1.0", "9223372036854775808", ""] {
            expect_args(c, &["SET", "s", value], ok())?;
            expect(c, "INCR s", not_integer())?;
        }
        expect_args(c, &["SET", "s", " 1"], ok())?;
        expect(c, "INCR s", not_integer())?;
        expect(c, "SET s 0", ok())?;
        expect(c, "INCR s", int(1))?;
        expect(c, "SET s -9223372036854775807", ok())?;
        expect(c, "DECR s", int(i64::MIN))?;
        expect(c, "INCR", arity("incr"))?;
        expect(c, "INCRBY x", arity("incrby"))?;
        expect(c, "DECR x y", arity("decr"))?;
        expect(c, "DECRBY x", arity("decrby"))?;
        Ok(())
    })
}

#[test]
fn incrbyfloat_formats_like_redis() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "INCRBYFLOAT f 1e21", bulk("1000000000000000000000"))?;
        expect(c, "INCRBYFLOAT g 5.0e3", bulk("5000"))?;
        expect(c, "INCRBYFLOAT g 0.1", bulk("5000.10000000000000009"))?;
        expect(c, "INCRBYFLOAT h -0", bulk("0"))?;
        expect(c, "INCRBYFLOAT h 0.1", bulk("0.1"))?;
        expect(c, "INCRBYFLOAT h -0.1", bulk("0"))?;
        expect(c, "INCRBYFLOAT h 3.0", bulk("3"))?;
        expect(c, "INCRBYFLOAT h 1e-30", bulk("3"))?;
        expect(c, "INCRBYFLOAT i 0x10", bulk("16"))?;
        expect(c, "INCRBYFLOAT i 1E2", bulk("116"))?;
        expect(c, "INCRBYFLOAT i .5", bulk("116.5"))?;
        expect(c, "INCRBYFLOAT i 5.", bulk("121.5"))?;
        expect(
            c,
            "INCRBYFLOAT i inf",
            err("ERR increment would produce NaN or Infinity"),
        )?;
        expect(
            c,
            "INCRBYFLOAT i -inf",
            err("ERR increment would produce NaN or Infinity"),
        )?;
        expect(
            c,
            "INCRBYFLOAT i nan",
            err("ERR value is not a valid float"),
        )?;
        expect(
            c,
            "INCRBYFLOAT i abc",
            err("ERR value is not a valid float"),
        )?;
        expect(
            c,
            "INCRBYFLOAT i 1e5000",
            err("ERR value is not a valid float"),
        )?;
        expect(c, "GET i", bulk("121.5"))?;
        expect(c, "SET big 12345678901234567890", ok())?;
        expect(c, "INCRBYFLOAT big 0", bulk("12345678901234567890"))?;
        expect(c, "SET s abc", ok())?;
        expect(c, "INCRBYFLOAT s 1", err("ERR value is not a valid float"))?;
        expect_args(c, &["SET", "s", "  1"], ok())?;
        expect(c, "INCRBYFLOAT s 1", err("ERR value is not a valid float"))?;
        expect(c, "SET huge 1.5e400", ok())?;
        // Out of double range but within long double's, as Redis parses it.
        expect(
            c,
            "INCRBYFLOAT huge 1",
            bulk(
                "14999999999999999999787571258180632757602016556244109946451118100412878837797666\
                 93964085702378656337103141748215243124700293264932981216193408118009524136201031\
                 69850746138968510303502206742055517157231429300942533815243663795016618227633134\
                 44432730033420723993367836898563414035343077389097880907026312693852238299714434\
                 056960340326194804979333637818033289525836178943417434805645751272530901454553088",
            ),
        )?;
        // Redis adds in x87 long double and prints with %.17Lf, then trims zeros.
        expect(
            c,
            "INCRBYFLOAT m 1e308",
            bulk(
                "99999999999999999996685879655845645660560099847415567207797047994921734868838061\
                 87210012692188853932044674722505401322315213474959396058359742081443019641876795\
                 91000196031907786631096045071066679391533957889389145605435630612683649016186302\
                 17086589253444881623791300855757318142424510452728255046343928578048",
            ),
        )?;
        expect(c, "INCRBYFLOAT n -1.5e-5", bulk("-0.000015"))?;
        expect(
            c,
            "INCRBYFLOAT o 123456789.123456789",
            bulk("123456789.12345678899873747"),
        )?;
        expect(c, "INCRBYFLOAT p 1e18", bulk("1000000000000000000"))?;
        expect(c, "INCRBYFLOAT", arity("incrbyfloat"))?;
        Ok(())
    })
}

#[test]
fn getrange_setrange_substr() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "SET s Hello", ok())?;
        expect(c, "GETRANGE s 0 -1", bulk("Hello"))?;
        expect(c, "GETRANGE s 1 3", bulk("ell"))?;
        expect(c, "GETRANGE s -3 -1", bulk("llo"))?;
        expect(c, "GETRANGE s -100 -50", bulk("H"))?;
        expect(c, "GETRANGE s 3 1", bulk(""))?;
        expect(c, "GETRANGE s -1 -5", bulk(""))?;
        expect(c, "GETRANGE s 10 20", bulk(""))?;
        expect(c, "GETRANGE s 0 100", bulk("Hello"))?;
        expect(
            c,
            "GETRANGE s 9223372036854775807 9223372036854775807",
            bulk(""),
        )?;
        expect(c, "GETRANGE s -9223372036854775808 0", bulk("H"))?;
        expect(c, "GETRANGE nokey 0 10", bulk(""))?;
        expect(c, "GETRANGE s a 1", not_integer())?;
        expect(c, "GETRANGE s 0", arity("getrange"))?;
        expect(c, "SUBSTR s 0 1", bulk("He"))?;
        expect(c, "SUBSTR s 0", arity("substr"))?;
        expect(c, "SETRANGE s 6 World", int(11))?;
        expect(c, "GET s", bulk("Hello\0World"))?;
        expect(c, "SETRANGE fresh 3 x", int(4))?;
        expect(c, "GET fresh", bulk("\0\0\0x"))?;
        expect_args(c, &["SETRANGE", "s", "0", ""], int(11))?;
        expect_args(c, &["SETRANGE", "none", "0", ""], int(0))?;
        expect_args(c, &["SETRANGE", "none", "5", ""], int(0))?;
        expect(c, "EXISTS none", int(0))?;
        expect(c, "SETRANGE s -1 x", err("ERR offset is out of range"))?;
        expect(
            c,
            "SETRANGE s 536870912 x",
            err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
        )?;
        expect(c, "SETRANGE s x x", not_integer())?;
        expect(c, "SETRANGE s 0", arity("setrange"))?;
        Ok(())
    })
}

#[test]
fn lcs_with_every_option() -> anyhow::Result<()> {
    on_both(|_, c| {
        expect(c, "MSET s1 ohmytext s2 mynewtext", ok())?;
        expect(c, "LCS s1 s2", bulk("mytext"))?;
        expect(c, "LCS s1 s2 LEN", int(6))?;
        let range = |a: i64, b: i64| array(vec![int(a), int(b)]);
        expect(
            c,
            "LCS s1 s2 IDX",
            array(vec![
                bulk("matches"),
                array(vec![
                    array(vec![range(4, 7), range(5, 8)]),
                    array(vec![range(2, 3), range(0, 1)]),
                ]),
                bulk("len"),
                int(6),
            ]),
        )?;
        expect(
            c,
            "LCS s1 s2 IDX MINMATCHLEN 4 WITHMATCHLEN",
            array(vec![
                bulk("matches"),
                array(vec![array(vec![range(4, 7), range(5, 8), int(4)])]),
                bulk("len"),
                int(6),
            ]),
        )?;
        expect(
            c,
            "LCS s1 s2 IDX WITHMATCHLEN",
            array(vec![
                bulk("matches"),
                array(vec![
                    array(vec![range(4, 7), range(5, 8), int(4)]),
                    array(vec![range(2, 3), range(0, 1), int(2)]),
                ]),
                bulk("len"),
                int(6),
            ]),
        )?;
        expect(c, "LCS s1 s2 MINMATCHLEN -1", bulk("mytext"))?;
        expect(c, "LCS nokey1 nokey2", bulk(""))?;
        expect(c, "LCS nokey1 nokey2 LEN", int(0))?;
        expect(
            c,
            "LCS s1 s2 LEN IDX",
            err("ERR If you want both the length and indexes, please just use IDX."),
        )?;
        expect(c, "LCS s1 s2 MINMATCHLEN x", not_integer())?;
        expect(c, "LCS s1 s2 MINMATCHLEN", syntax())?;
        expect(c, "LCS s1 s2 FOO", syntax())?;
        expect(c, "LCS s1", arity("lcs"))?;
        Ok(())
    })
}
