//! Debian's real tools against a cluster-mode `tessera-server` owning all slots:
//! `redis-cli --cluster check`, plain `redis-cli`, and `redis-benchmark`.

use anyhow::ensure;
use test_harness::{Server, ServerKind, ToolOutput, redis_benchmark, redis_cli};

fn describe(output: &ToolOutput) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        output.status, output.stdout, output.stderr
    )
}

#[test]
fn redis_cli_cluster_check_passes() -> anyhow::Result<()> {
    let server = Server::start_cluster_owning_all_slots(ServerKind::Tessera, &[])?;
    let address = format!("127.0.0.1:{}", server.port());
    let check = redis_cli(server.port(), &["--cluster", "check", &address])?;
    ensure!(check.status.success(), "{}", describe(&check));
    for line in [
        "-> 0 keys | 16384 slots | 0 slaves.",
        "[OK] All nodes agree about slots configuration.",
        "[OK] All 16384 slots covered.",
    ] {
        ensure!(
            check.stdout.contains(line),
            "missing {line:?}: {}",
            describe(&check)
        );
    }
    ensure!(!check.stdout.contains("[ERR]"), "{}", describe(&check));

    let info = redis_cli(server.port(), &["cluster", "info"])?;
    ensure!(
        info.status.success() && info.stdout.starts_with("cluster_state:ok\r\n"),
        "{}",
        describe(&info)
    );
    let set = redis_cli(server.port(), &["-c", "set", "k", "v"])?;
    ensure!(set.stdout == "OK\n", "{}", describe(&set));
    Ok(())
}

#[test]
fn redis_benchmark_runs_without_errors() -> anyhow::Result<()> {
    let server = Server::start_cluster_owning_all_slots(ServerKind::Tessera, &[])?;
    for args in [
        &["-t", "set,get", "-n", "2000", "-q"][..],
        // MSET is left out: its random keys are in different slots (CROSSSLOT, as Redis).
        &[
            "-t",
            "set,get,incr",
            "-n",
            "2000",
            "-c",
            "20",
            "-r",
            "100000",
            "-P",
            "16",
            "-q",
        ][..],
    ] {
        let bench = redis_benchmark(server.port(), args)?;
        ensure!(bench.status.success(), "{args:?}: {}", describe(&bench));
        for test in ["SET", "GET"] {
            ensure!(
                bench.stdout.contains(&format!("{test}: "))
                    && bench.stdout.contains("requests per second"),
                "{args:?}: no {test} result: {}",
                describe(&bench)
            );
        }
        let all = format!("{}{}", bench.stdout, bench.stderr);
        ensure!(
            !all.contains("ERR") && !all.contains("rror"),
            "{args:?}: {}",
            describe(&bench)
        );
    }
    Ok(())
}

/// `redis-cli --pipe` streams commands as fast as the socket takes them while it reads the
/// replies: the mass-insert path users load data with. It found a lost-wakeup race in the
/// connection loop (readiness forgotten after a short read while more data had arrived),
/// which left the pipe waiting forever; this run must finish, with every reply.
#[test]
fn redis_cli_pipe_mass_insert_completes() -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let server = Server::start(ServerKind::Tessera, &[])?;
    const KEYS: usize = 300_000;
    let mut input = Vec::with_capacity(KEYS * 50);
    for i in 0..KEYS {
        let key = format!("key:{i}");
        let value = format!("{i:016}");
        write!(
            input,
            "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$16\r\n{value}\r\n",
            key.len()
        )?;
    }
    let mut child = Command::new("redis-cli")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &server.port().to_string(),
            "--pipe",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdin"))?;
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            anyhow::bail!("redis-cli --pipe did not finish within 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("writer thread panicked"))??;
    let output = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        status.success() && stdout.contains(&format!("errors: 0, replies: {KEYS}")),
        "{status}\n{stdout}"
    );
    let dbsize = redis_cli(server.port(), &["dbsize"])?;
    ensure!(
        dbsize.stdout.trim() == KEYS.to_string(),
        "{}",
        describe(&dbsize)
    );
    Ok(())
}
