//! Starting the server: bad configuration stops startup with Redis's fatal message naming the
//! line, the same for tessera-server and redis-server; a config file and command-line options
//! combine as Redis combines them; the config can come from stdin (`-`).

use std::io::Write as _;
use std::process::{Command, Stdio};

use anyhow::{Context as _, ensure};
use test_harness::{TempDir, tessera_server_path};

use crate::support::{bulk, expect};

/// Runs a server binary that is expected to refuse to start; returns (exit code, stderr+stdout).
fn refused_start(binary: &std::path::Path, args: &[&str]) -> anyhow::Result<(i32, String)> {
    let out = Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", binary.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    Ok((out.status.code().unwrap_or(-1), text))
}

/// The fatal-error block: from the `*** FATAL CONFIG FILE ERROR` line to the reason line.
fn fatal_block(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    match lines
        .iter()
        .position(|l| l.contains("*** FATAL CONFIG FILE ERROR"))
    {
        Some(i) => lines[i..(i + 4).min(lines.len())].join("\n"),
        None => output.to_string(),
    }
}

#[test]
fn bad_configuration_stops_startup_like_redis() -> anyhow::Result<()> {
    let dir = TempDir::new("startup")?;
    let conf = dir.path().join("bad.conf");
    std::fs::write(&conf, "port 6390\n# a comment\nno-such-directive yes\n")?;
    let conf = conf.to_string_lossy().into_owned();
    let cases: Vec<Vec<&str>> = vec![
        vec![conf.as_str()],
        vec!["--port", "notaport"],
        vec!["--maxmemory", "12zb"],
        vec!["--appendonly", "maybe"],
        vec!["--hz"],
        vec!["--maxmemory-policy", "sometimes"],
    ];
    let tessera = tessera_server_path()?;
    let redis = std::path::PathBuf::from("redis-server");
    for args in &cases {
        let (t_code, t_out) = refused_start(&tessera, args)?;
        let (r_code, r_out) = refused_start(&redis, args)?;
        ensure!(
            t_code == 1 && r_code == 1,
            "{args:?}: exit codes {t_code} / {r_code}"
        );
        ensure!(
            fatal_block(&t_out) == fatal_block(&r_out),
            "{args:?}:\ntessera:\n{t_out}\nredis:\n{r_out}"
        );
    }
    Ok(())
}

#[test]
fn config_file_and_options_combine_and_stdin_is_read() -> anyhow::Result<()> {
    let dir = TempDir::new("startup")?;
    let conf = dir.path().join("tessera.conf");
    std::fs::write(
        &conf,
        "# from the file\nhz 25\nslowlog-max-len 7\nmaxmemory-policy allkeys-lru\n",
    )?;
    let conf_arg = conf.to_string_lossy().into_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let port_arg = port.to_string();
    // The file comes first, as redis-server takes it; the command line comes after and wins.
    let mut child = Command::new(tessera_server_path()?)
        .args([
            conf_arg.as_str(),
            "--port",
            &port_arg,
            "--bind",
            "127.0.0.1",
            "--dir",
            &dir.path().to_string_lossy(),
            "--slowlog-max-len",
            "9",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let result = (|| -> anyhow::Result<()> {
        let mut c = None;
        test_harness::wait_until(std::time::Duration::from_secs(20), "server up", || {
            c = test_harness::Client::connect(port).ok();
            Ok(c.is_some())
        })?;
        let mut c = c.context("no client")?;
        let mut get = |name: &str, value: &str| {
            expect(
                &mut c,
                &format!("CONFIG GET {name}"),
                crate::support::array(vec![bulk(name), bulk(value)]),
            )
        };
        get("hz", "25")?;
        get("slowlog-max-len", "9")?;
        get("maxmemory-policy", "allkeys-lru")?;
        let info = crate::support::bulk_text(&c.cmd(&["INFO", "server"])?)?;
        ensure!(
            info.contains(&format!("config_file:{conf_arg}\r\n")),
            "{info}"
        );
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    result?;

    // `tessera-server -` reads the configuration from stdin.
    let mut child = Command::new(tessera_server_path()?)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(b"port notaport\n")?;
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.code() == Some(1), "{text}");
    ensure!(
        text.contains(">>> 'port \"notaport\"'") || text.contains(">>> 'port notaport'"),
        "{text}"
    );
    Ok(())
}
