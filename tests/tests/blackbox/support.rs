//! Shared helpers: reply constructors, expectation checks, and running one check against
//! both Redis and Tessera.
//!
//! Most expectations in this suite are run against Debian's `redis-server` first and then
//! against `tessera-server` ([`on_both`]): the Redis run proves the expectation is Redis's
//! behaviour, the Tessera run that we match it.

use anyhow::{Context as _, bail};
use bytes::Bytes;
use resp::Frame;
use test_harness::{Client, Server, ServerKind};

/// Arguments every server in this suite gets, so tests may use DEBUG.
pub const DEBUG_ENABLED: [&str; 2] = ["--enable-debug-command", "yes"];

pub fn ok() -> Frame {
    Frame::Simple(Bytes::from_static(b"OK"))
}

pub fn simple(text: &str) -> Frame {
    Frame::Simple(Bytes::copy_from_slice(text.as_bytes()))
}

pub fn bulk(bytes: impl AsRef<[u8]>) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(bytes.as_ref()))
}

pub fn int(value: i64) -> Frame {
    Frame::Integer(value)
}

pub fn err(text: &str) -> Frame {
    Frame::Error(Bytes::copy_from_slice(text.as_bytes()))
}

pub fn nil() -> Frame {
    Frame::Null
}

pub fn array(items: Vec<Frame>) -> Frame {
    Frame::Array(items)
}

/// `ERR wrong number of arguments for '<command>' command`.
pub fn arity(command: &str) -> Frame {
    err(&format!(
        "ERR wrong number of arguments for '{command}' command"
    ))
}

/// `ERR invalid expire time in '<command>' command`.
pub fn invalid_expire(command: &str) -> Frame {
    err(&format!("ERR invalid expire time in '{command}' command"))
}

pub fn not_integer() -> Frame {
    err("ERR value is not an integer or out of range")
}

pub fn syntax() -> Frame {
    err("ERR syntax error")
}

/// Sends `args` and fails unless the reply is `want`.
pub fn expect_args<A: AsRef<[u8]>>(
    client: &mut Client,
    args: &[A],
    want: Frame,
) -> anyhow::Result<()> {
    let got = client.cmd(args)?;
    if got != want {
        let shown: Vec<String> = args
            .iter()
            .map(|a| String::from_utf8_lossy(a.as_ref()).into_owned())
            .collect();
        bail!("{shown:?}: expected {want}, got {got}");
    }
    Ok(())
}

/// [`expect_args`] for a command written as space-separated words (no spaces or empty
/// arguments inside).
pub fn expect(client: &mut Client, line: &str, want: Frame) -> anyhow::Result<()> {
    let args: Vec<&str> = line.split_whitespace().collect();
    expect_args(client, &args, want)
}

/// Runs `check` against a fresh Redis and then a fresh Tessera (both standalone, DEBUG
/// enabled), naming the server that failed.
pub fn on_both(check: impl Fn(&Server, &mut Client) -> anyhow::Result<()>) -> anyhow::Result<()> {
    on_both_with(&[], check)
}

/// [`on_both`] with extra server arguments.
pub fn on_both_with(
    extra_args: &[&str],
    check: impl Fn(&Server, &mut Client) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let args: Vec<&str> = DEBUG_ENABLED.iter().chain(extra_args).copied().collect();
    for kind in [ServerKind::Redis, ServerKind::Tessera] {
        let server = Server::start(kind, &args)?;
        let mut client = server.client()?;
        check(&server, &mut client).with_context(|| format!("against {kind:?}"))?;
    }
    Ok(())
}

/// A bulk reply's bytes as text.
pub fn bulk_text(frame: &Frame) -> anyhow::Result<String> {
    match frame {
        Frame::Bulk(bytes) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        other => bail!("expected a bulk string, got {other}"),
    }
}

/// An integer reply's value.
pub fn integer(frame: &Frame) -> anyhow::Result<i64> {
    match frame {
        Frame::Integer(value) => Ok(*value),
        other => bail!("expected an integer, got {other}"),
    }
}
