//! The connection layer under load and abuse: 10,000 pipelined commands in one write,
//! 1,000 concurrent clients, protocol errors (`-ERR Protocol error: ...` and the connection
//! closed, as Redis does) while other clients keep being served, and the
//! `proto-max-bulk-len` / `client-query-buffer-limit` limits.

use std::sync::Barrier;
use std::time::Duration;

use anyhow::{Context as _, anyhow, ensure};
use bytes::Bytes;
use test_harness::{Client, Server, ServerKind, wait_until};

use crate::support::*;

/// Starts a Tessera server for tests that only need ours.
fn tessera() -> anyhow::Result<Server> {
    Server::start(ServerKind::Tessera, &DEBUG_ENABLED)
}

#[test]
fn ten_thousand_pipelined_commands_in_one_write_answer_in_order() -> anyhow::Result<()> {
    on_both(|_, c| {
        const N: usize = 10_000;
        let commands: Vec<Vec<String>> = (0..N)
            .map(|i| match i % 3 {
                0 => vec!["SET".into(), format!("key:{}", i / 3), i.to_string()],
                1 => vec!["GET".into(), format!("key:{}", i / 3)],
                _ => vec!["INCR".into(), "counter".into()],
            })
            .collect();
        let replies = c.pipeline(&commands)?;
        ensure!(replies.len() == N);
        for (i, reply) in replies.iter().enumerate() {
            let want = match i % 3 {
                0 => ok(),
                1 => bulk((i - 1).to_string()),
                _ => int(i64::try_from(i / 3 + 1)?),
            };
            ensure!(*reply == want, "reply {i}: expected {want}, got {reply}");
        }
        expect(c, "DBSIZE", int(i64::try_from(N.div_ceil(3) + 1)?))?;
        Ok(())
    })
}

#[test]
fn a_thousand_concurrent_clients() -> anyhow::Result<()> {
    const THREADS: usize = 10;
    const PER_THREAD: usize = 100;
    let server = tessera()?;
    let mut control = server.client()?;
    let all_connected = Barrier::new(THREADS + 1);
    let all_checked = Barrier::new(THREADS + 1);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let server = &server;
                let (all_connected, all_checked) = (&all_connected, &all_checked);
                scope.spawn(move || -> anyhow::Result<()> {
                    let clients: anyhow::Result<Vec<Client>> =
                        (0..PER_THREAD).map(|_| server.client()).collect();
                    // Wait at the barriers even on failure, so no thread waits forever.
                    all_connected.wait();
                    all_checked.wait();
                    let mut clients = clients?;
                    // Every connection has a command in flight before any reply is read.
                    for (i, client) in clients.iter_mut().enumerate() {
                        let id = thread * PER_THREAD + i;
                        client.send_raw(&test_harness::encode_command(&[
                            "SET".to_string(),
                            format!("client:{id}"),
                            id.to_string(),
                        ]))?;
                    }
                    for client in &mut clients {
                        ensure!(client.read_frame()? == ok());
                    }
                    for (i, client) in clients.iter_mut().enumerate() {
                        let id = thread * PER_THREAD + i;
                        expect_args(
                            client,
                            &["GET".to_string(), format!("client:{id}")],
                            bulk(id.to_string()),
                        )?;
                        ensure!(matches!(
                            client.cmd(&["INCR", "total"])?,
                            resp::Frame::Integer(_)
                        ));
                    }
                    Ok(())
                })
            })
            .collect();
        all_connected.wait();
        // The kernel completes a connection before the server accepts it: poll.
        let want = format!("\r\nconnected_clients:{}\r\n", THREADS * PER_THREAD + 1);
        let mut last = String::new();
        let accepted = wait_until(Duration::from_secs(20), "all clients accepted", || {
            last = bulk_text(&control.cmd(&["INFO", "clients"])?)?;
            Ok(last.contains(&want))
        });
        all_checked.wait();
        accepted.with_context(|| format!("INFO clients:\n{last}"))?;
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow!("client thread panicked"))??;
        }
        Ok(())
    })?;
    let total = THREADS * PER_THREAD;
    expect(&mut control, "GET total", bulk(total.to_string()))?;
    expect(&mut control, "DBSIZE", int(i64::try_from(total + 1)?))
}

/// Inputs that are protocol errors, and all the server sends before it closes the
/// connection (observed from redis-server 7.0.15).
const PROTOCOL_ERRORS: [(&[u8], &[u8]); 7] = [
    (
        b"*1\r\n$4\r\nPING\r\n*x\r\n",
        b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
    ),
    (
        b"*2\r\n$3\r\nGET\r\n$x\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    ),
    (
        b"*1\r\n+PING\r\n",
        b"-ERR Protocol error: expected '$', got '+'\r\n",
    ),
    (
        b"*2147483648\r\n",
        b"-ERR Protocol error: invalid multibulk length\r\n",
    ),
    (
        b"*1\r\n$-1\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    ),
    (
        b"*1\r\n$536870913\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    ),
    (
        b"PING\r\nECHO \"a\r\n",
        b"+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n",
    ),
];

#[test]
fn protocol_errors_reply_and_close_like_redis() -> anyhow::Result<()> {
    on_both(|server, _| {
        for (input, output) in PROTOCOL_ERRORS {
            let mut garbage = server.client()?;
            garbage.send_raw(input)?;
            let got = garbage.read_until_closed()?;
            ensure!(
                got == Bytes::from_static(output),
                "{:?}: got {:?}",
                input.escape_ascii().to_string(),
                got.escape_ascii().to_string()
            );
        }
        // An inline command longer than 64 KiB without a newline.
        let mut garbage = server.client()?;
        garbage.send_raw(&[b'x'; 70_000])?;
        ensure!(
            garbage.read_until_closed()?
                == Bytes::from_static(b"-ERR Protocol error: too big inline request\r\n")
        );
        Ok(())
    })
}

#[test]
fn odd_but_valid_input_keeps_the_connection() -> anyhow::Result<()> {
    on_both(|_, c| {
        // Empty and null multibulks and blank lines are skipped; unknown commands are errors.
        c.send_raw(b"*-1\r\n*0\r\n\r\n\r\nPING\r\n")?;
        ensure!(c.read_frame()? == simple("PONG"));
        c.send_raw(b"foo bar\r\n")?;
        expect_frame(
            c.read_frame()?,
            err("ERR unknown command 'foo', with args beginning with: 'bar' "),
        )?;
        c.send_raw(b"set k \"a b\\x41\"\r\nget k\n")?;
        ensure!(c.read_frame()? == ok());
        ensure!(c.read_frame()? == bulk("a bA"));
        expect(c, "PING", simple("PONG"))
    })
}

fn expect_frame(got: resp::Frame, want: resp::Frame) -> anyhow::Result<()> {
    ensure!(got == want, "expected {want}, got {got}");
    Ok(())
}

#[test]
fn garbage_clients_do_not_disturb_others() -> anyhow::Result<()> {
    let server = tessera()?;
    let mut busy = server.client()?;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let worker = scope.spawn(move || -> anyhow::Result<()> {
            for i in 0..2_000 {
                let value = i.to_string();
                expect_args(&mut busy, &["SET", "steady", value.as_str()], ok())?;
                expect_args(&mut busy, &["GET", "steady"], bulk(&value))?;
            }
            Ok(())
        });
        for round in 0..20 {
            for (input, output) in PROTOCOL_ERRORS {
                let mut garbage = server.client()?;
                garbage.send_raw(input)?;
                let got = garbage
                    .read_until_closed()
                    .with_context(|| format!("round {round}"))?;
                ensure!(got == Bytes::from_static(output), "round {round}: {got:?}");
            }
            // A client that sends half a command and hangs up.
            let mut quitter = server.client()?;
            quitter.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk")?;
            drop(quitter);
        }
        worker.join().map_err(|_| anyhow!("worker panicked"))?
    })?;
    let mut after = server.client()?;
    expect(&mut after, "GET steady", bulk("1999"))?;
    expect(&mut after, "EXISTS k", int(0))
}

#[test]
fn proto_max_bulk_len_limits_arguments_and_strings() -> anyhow::Result<()> {
    on_both(|server, c| {
        expect(
            c,
            "CONFIG SET proto-max-bulk-len 1000",
            err(
                "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - \
             argument must be between 1048576 and 9223372036854775807 inclusive",
            ),
        )?;
        expect(c, "CONFIG SET proto-max-bulk-len 1mb", ok())?;
        let mut big = server.client()?;
        big.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")?;
        ensure!(
            big.read_until_closed()?
                == Bytes::from_static(b"-ERR Protocol error: invalid bulk length\r\n")
        );
        let mb = vec![b'x'; 1_048_576];
        expect_args(c, &[&b"SET"[..], b"k", &mb], ok())?;
        let too_big = err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        expect(c, "APPEND k y", too_big.clone())?;
        expect(c, "SETRANGE k 1048576 y", too_big.clone())?;
        expect(c, "SETRANGE fresh 1048576 y", too_big)?;
        expect(c, "SETRANGE k 1048575 y", int(1_048_576))?;
        expect(c, "STRLEN k", int(1_048_576))
    })
}

/// `client-query-buffer-limit 1mb`, then a SET whose argument exceeds it.
fn send_set_over_the_limit(
    server: &test_harness::Server,
    payload: usize,
    whole: bool,
) -> anyhow::Result<Bytes> {
    let mut big = server.client()?;
    big.set_timeout(Duration::from_secs(5))?;
    let mut command = format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${payload}\r\n").into_bytes();
    let sent = if whole { payload } else { payload * 3 / 4 };
    command.extend(std::iter::repeat_n(b'x', sent));
    if whole {
        command.extend_from_slice(b"\r\n");
    }
    // The server may close before reading it all, so the write may fail.
    let _ = big.send_raw(&command);
    big.read_until_closed()
}

#[test]
fn client_query_buffer_limit_closes_the_connection() -> anyhow::Result<()> {
    on_both(|server, c| {
        expect(c, "CONFIG SET client-query-buffer-limit 1mb", ok())?;
        // 1.5 MB of a 2 MB argument buffered: closed without a reply.
        ensure!(send_set_over_the_limit(server, 2_000_000, false)?.is_empty());
        expect(c, "EXISTS big", int(0))?;
        // Well under the limit is fine.
        let value = vec![b'y'; 500_000];
        expect_args(c, &[&b"SET"[..], b"big", &value], ok())?;
        expect(c, "STRLEN big", int(500_000))
    })
}

#[test]
fn client_query_buffer_limit_applies_to_whole_commands() -> anyhow::Result<()> {
    on_both(|server, c| {
        expect(c, "CONFIG SET client-query-buffer-limit 1mb", ok())?;
        for payload in [2_000_000, 1_048_576] {
            for _ in 0..5 {
                let reply = send_set_over_the_limit(server, payload, true)?;
                ensure!(reply.is_empty(), "{payload}-byte SET answered {reply:?}");
                expect(c, "EXISTS big", int(0))?;
            }
        }
        Ok(())
    })
}

#[test]
fn client_kill_filters_match_redis() -> anyhow::Result<()> {
    on_both(|server, c| {
        let mut other = server.client()?;
        expect(&mut other, "PING", crate::support::simple("PONG"))?;
        expect(c, "CLIENT KILL TYPE master", int(0))?;
        expect(c, "CLIENT KILL TYPE pubsub", int(0))?;
        expect(
            c,
            "CLIENT KILL TYPE bogus",
            err("ERR Unknown client type 'bogus'"),
        )?;
        expect(
            c,
            "CLIENT KILL USER nobody",
            err("ERR No such user 'nobody'"),
        )?;
        expect(c, "CLIENT KILL MAXAGE 10", syntax())?;
        // The other client is a normal client of the default user: these kill it.
        expect(c, "CLIENT KILL TYPE normal USER default", int(1))?;
        Ok(())
    })
}
