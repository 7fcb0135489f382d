//! Debian's `redis-cli` and `redis-benchmark`, run against a server under test with a
//! deadline, their output captured.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};

/// How long a tool may run before it is killed and the test fails.
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

/// What a finished tool printed, and how it exited.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    /// The exit status.
    pub status: ExitStatus,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

/// Runs `redis-cli -h 127.0.0.1 -p <port> <args>`.
pub fn redis_cli(port: u16, args: &[&str]) -> anyhow::Result<ToolOutput> {
    run_against("redis-cli", port, args)
}

/// Runs `redis-benchmark -h 127.0.0.1 -p <port> <args>`.
pub fn redis_benchmark(port: u16, args: &[&str]) -> anyhow::Result<ToolOutput> {
    run_against("redis-benchmark", port, args)
}

fn run_against(program: &str, port: u16, args: &[&str]) -> anyhow::Result<ToolOutput> {
    let mut command = Command::new(program);
    command
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args);
    run_with_deadline(command, TOOL_TIMEOUT)
        .with_context(|| format!("{program} -p {port} {}", args.join(" ")))
}

/// Runs `command` with no stdin, capturing its output; kills it and fails after `timeout`.
fn run_with_deadline(mut command: Command, timeout: Duration) -> anyhow::Result<ToolOutput> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("spawning")?;
    // Drain both pipes while waiting, so a chatty tool cannot block on a full pipe.
    let stdout = drain(&mut child, |child| {
        child.stdout.take().map(|s| Box::new(s) as _)
    })?;
    let stderr = drain(&mut child, |child| {
        child.stderr.take().map(|s| Box::new(s) as _)
    })?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            // Fails only if it has just exited; either way it is reaped below.
            let _ = child.kill();
            let _ = child.wait();
            bail!("still running after {timeout:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = stdout
        .join()
        .map_err(|_| anyhow!("stdout reader panicked"))??;
    let stderr = stderr
        .join()
        .map_err(|_| anyhow!("stderr reader panicked"))??;
    Ok(ToolOutput {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

type Pipe = Box<dyn Read + Send>;

/// Reads one of the child's pipes to its end on a thread.
fn drain(
    child: &mut Child,
    take: impl FnOnce(&mut Child) -> Option<Pipe>,
) -> anyhow::Result<std::thread::JoinHandle<std::io::Result<Vec<u8>>>> {
    let mut pipe = take(child).context("child pipe not captured")?;
    Ok(std::thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).map(|_| bytes)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_output_and_status() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let output = run_with_deadline(command, Duration::from_secs(10)).unwrap();
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(output.stdout, "out\n");
        assert_eq!(output.stderr, "err\n");
    }

    #[test]
    fn a_tool_that_hangs_is_killed_at_the_deadline() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let started = Instant::now();
        let error = run_with_deadline(command, Duration::from_millis(100)).unwrap_err();
        assert!(error.to_string().contains("killed"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
