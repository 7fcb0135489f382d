//! [`Server`]: one `tessera-server` or `redis-server` process under test.
//!
//! Started on a free loopback port with its own working directory (`--dir`), no snapshots
//! (`--save ""`), no AOF (`--appendonly no`), logging to `server.log` in that directory. A
//! start returns only once the process has logged `Ready to accept connections` and answered
//! `PING`; if the port was taken in the meantime by another process the start is retried on a
//! new port. The process is killed (SIGKILL) and reaped when the [`Server`] is dropped, or
//! shut down with SIGTERM by [`Server::stop`]. [`Server::start_cluster_nodes`] starts several
//! cluster nodes at once on ports chosen together (their bus ports free too), and
//! [`Server::kill9`] / [`Server::restart`] kill a node and bring it back on its files
//! ([`Server::restart_without_waiting`] to watch it start, [`Server::wait_exit`] to see it
//! exit by itself).

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use resp::Frame;

use crate::client::Client;
use crate::ports::free_port;
use crate::temp_dir::TempDir;

/// How long a server may take to become ready (debug builds on a busy 2-core machine).
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long [`Server::stop`] waits for the process to exit after SIGTERM.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);

/// How often process state is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// What the log says once the server listens (both Redis 7.0 and Tessera).
const READY_LINE: &str = "Ready to accept connections";

/// How many fresh ports a start tries when the chosen one turns out to be taken.
const PORT_ATTEMPTS: usize = 5;

/// Which server binary to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// Our `tessera-server` (see [`tessera_server_path`]).
    Tessera,
    /// Debian's `redis-server` 7.0, found on `PATH`.
    Redis,
}

impl ServerKind {
    /// The executable to run.
    fn program(self) -> anyhow::Result<PathBuf> {
        match self {
            ServerKind::Tessera => tessera_server_path(),
            ServerKind::Redis => Ok(PathBuf::from("redis-server")),
        }
    }
}

/// Where the `tessera-server` binary is: `$TESSERA_SERVER` if set; otherwise
/// `<target>/{debug,release}/tessera-server`, where `<target>` is `$CARGO_TARGET_DIR` or the
/// workspace's `target/`, and the profile this harness was built with is tried first.
pub fn tessera_server_path() -> anyhow::Result<PathBuf> {
    locate_tessera_server(
        std::env::var_os("TESSERA_SERVER"),
        std::env::var_os("CARGO_TARGET_DIR"),
    )
}

/// [`tessera_server_path`] with the environment passed in.
fn locate_tessera_server(
    explicit: Option<OsString>,
    target_dir: Option<OsString>,
) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(PathBuf::from(path));
    }
    let target = target_dir.map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    let profiles = if cfg!(debug_assertions) {
        ["debug", "release"]
    } else {
        ["release", "debug"]
    };
    let candidates: Vec<PathBuf> = profiles
        .iter()
        .map(|profile| target.join(profile).join("tessera-server"))
        .collect();
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .with_context(|| {
            format!(
                "tessera-server not found at {candidates:?}: run `cargo build -p tessera-node` \
                 first (`make test` does), or set TESSERA_SERVER"
            )
        })
}

/// The server process exited before it became ready.
#[derive(Debug, thiserror::Error)]
#[error("{kind:?} server exited during startup ({status}); its log:\n{log}")]
pub struct ServerExited {
    /// Which server it was.
    pub kind: ServerKind,
    /// How it exited.
    pub status: ExitStatus,
    /// Everything it logged.
    pub log: String,
}

/// Where a server's working directory comes from.
#[derive(Debug)]
enum WorkDir {
    /// Created for this server, removed with it.
    Owned(TempDir),
    /// The caller's, left in place (to restart a server on the same files).
    Shared(PathBuf),
}

impl WorkDir {
    fn path(&self) -> &Path {
        match self {
            WorkDir::Owned(dir) => dir.path(),
            WorkDir::Shared(path) => path,
        }
    }
}

/// A running server process; killed and reaped on drop.
#[derive(Debug)]
pub struct Server {
    kind: ServerKind,
    port: u16,
    /// The arguments after the harness's own (for [`Server::restart`]).
    extra_args: Vec<String>,
    /// `None` once the process has been stopped.
    child: Option<Child>,
    log_path: PathBuf,
    // Declared last: dropped after the process is reaped.
    dir: WorkDir,
}

impl Server {
    /// Starts a server in a new temporary directory. `extra_args` are directives as on the
    /// command line, e.g. `["--cluster-enabled", "yes"]`.
    pub fn start(kind: ServerKind, extra_args: &[&str]) -> anyhow::Result<Server> {
        let dir = TempDir::new(match kind {
            ServerKind::Tessera => "tessera",
            ServerKind::Redis => "redis",
        })?;
        Server::start_with(kind, WorkDir::Owned(dir), extra_args)
    }

    /// Starts a server whose working directory is `dir`, which the caller keeps (so that a
    /// later server can start on the same files).
    pub fn start_in(kind: ServerKind, dir: &Path, extra_args: &[&str]) -> anyhow::Result<Server> {
        Server::start_with(kind, WorkDir::Shared(dir.to_path_buf()), extra_args)
    }

    /// Starts a cluster-enabled server, gives it all 16384 slots and waits for
    /// `cluster_state:ok` (Redis keeps a new node in `fail` for its first two seconds).
    pub fn start_cluster_owning_all_slots(
        kind: ServerKind,
        extra_args: &[&str],
    ) -> anyhow::Result<Server> {
        let args: Vec<&str> = ["--cluster-enabled", "yes"]
            .into_iter()
            .chain(extra_args.iter().copied())
            .collect();
        let server = Server::start(kind, &args)?;
        let mut client = server.client()?;
        let reply = client.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"])?;
        if reply != Frame::Simple("OK".into()) {
            bail!("CLUSTER ADDSLOTSRANGE 0 16383 answered {reply}");
        }
        wait_until(STARTUP_TIMEOUT, "cluster_state:ok", || {
            Ok(match client.cmd(&["CLUSTER", "INFO"])? {
                Frame::Bulk(text) => text.starts_with(b"cluster_state:ok\r\n"),
                _ => false,
            })
        })
        .with_context(|| server.log())?;
        Ok(server)
    }

    /// Starts `n` cluster-enabled servers (`--cluster-enabled yes`) at once, on ports chosen
    /// together so that each port and its bus port (`port + 10000`) are free, and waits until
    /// all are ready. `extra_args` gets every chosen port (in the servers' order), so that a
    /// node's arguments can name its peers. No retry on another port: the ports are known to
    /// the caller.
    pub fn start_cluster_nodes(
        kind: ServerKind,
        n: usize,
        extra_args: impl Fn(&[u16]) -> Vec<String>,
    ) -> anyhow::Result<Vec<Server>> {
        let ports = (0..n)
            .map(|_| free_port())
            .collect::<anyhow::Result<Vec<u16>>>()?;
        let mut args = vec!["--cluster-enabled".to_string(), "yes".to_string()];
        args.extend(extra_args(&ports));
        let mut servers = Vec::with_capacity(n);
        for &port in &ports {
            let dir = TempDir::new(match kind {
                ServerKind::Tessera => "tessera-cluster",
                ServerKind::Redis => "redis-cluster",
            })?;
            servers.push(Server::spawn(
                kind,
                WorkDir::Owned(dir),
                port,
                args.clone(),
            )?);
        }
        for server in &mut servers {
            server.wait_ready()?;
        }
        Ok(servers)
    }

    /// Starts the process on `port` without waiting for it.
    fn spawn(
        kind: ServerKind,
        dir: WorkDir,
        port: u16,
        extra_args: Vec<String>,
    ) -> anyhow::Result<Server> {
        let log_path = dir.path().join("server.log");
        let mut server = Server {
            kind,
            port,
            extra_args,
            child: None,
            log_path,
            dir,
        };
        server.child = Some(server.launch()?);
        Ok(server)
    }

    /// Runs the program on this server's port, directory and arguments, logging to its log
    /// file (emptied first).
    fn launch(&self) -> anyhow::Result<Child> {
        let program = self.kind.program()?;
        let log = File::create(&self.log_path)
            .with_context(|| format!("creating {}", self.log_path.display()))?;
        Command::new(&program)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))
    }

    /// Kills the process with SIGKILL (no shutdown work at all) and reaps it; the directory
    /// stays, for [`Server::restart`].
    pub fn kill9(&mut self) {
        self.kill();
    }

    /// Starts the process again on the same port, directory and arguments (after
    /// [`Server::kill9`] or [`Server::stop`]), and waits until it is ready.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.restart_with(&[])
    }

    /// [`Server::restart`] with `more` arguments after the previous ones (a later directive
    /// overrides an earlier one), kept for later restarts.
    pub fn restart_with(&mut self, more: &[&str]) -> anyhow::Result<()> {
        self.restart_without_waiting(more)?;
        self.wait_ready()
    }

    /// Starts the process again like [`Server::restart_with`] but returns at once, so that a
    /// test can talk to it while it starts (e.g. while it loads its dump and answers
    /// `-LOADING`); [`Server::wait_ready`] waits for the rest.
    pub fn restart_without_waiting(&mut self, more: &[&str]) -> anyhow::Result<()> {
        if self.child.is_some() {
            bail!("the server is still running");
        }
        self.extra_args.extend(more.iter().map(|a| a.to_string()));
        self.child = Some(self.launch()?);
        Ok(())
    }

    /// Waits for the process to exit by itself (after SHUTDOWN, say), without signalling it;
    /// SIGKILL and an error if it is still running after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> anyhow::Result<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child_mut()?.try_wait()? {
                self.child = None;
                return Ok(status);
            }
            if Instant::now() > deadline {
                self.kill();
                bail!(
                    "{:?} server still running after {timeout:?}; its log:\n{}",
                    self.kind,
                    self.log()
                );
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    fn start_with(
        kind: ServerKind,
        mut dir: WorkDir,
        extra_args: &[&str],
    ) -> anyhow::Result<Server> {
        let mut attempt = 1;
        loop {
            let port = free_port()?;
            let extra_args = extra_args.iter().map(|a| a.to_string()).collect();
            let mut server = Server::spawn(kind, dir, port, extra_args)?;
            match server.wait_ready() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    let port_taken = e
                        .downcast_ref::<ServerExited>()
                        .is_some_and(|exited| exited.log.contains("Address already in use"));
                    if !port_taken || attempt == PORT_ATTEMPTS {
                        return Err(e);
                    }
                    attempt += 1;
                    server.kill();
                    // Take the directory back for the next attempt.
                    dir = std::mem::replace(&mut server.dir, WorkDir::Shared(PathBuf::new()));
                }
            }
        }
    }

    /// Waits until the process has logged that it is ready and answers `PING` (any reply
    /// counts: with `requirepass` it is `-NOAUTH`); [`ServerExited`] if it exits first.
    pub fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.child_mut()?.try_wait()? {
                self.child = None;
                return Err(ServerExited {
                    kind: self.kind,
                    status,
                    log: self.log(),
                }
                .into());
            }
            if self.log().contains(READY_LINE) {
                let pinged =
                    Client::connect(self.port).and_then(|mut client| client.cmd(&["PING"]));
                if pinged.is_ok() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "{:?} server on port {} not ready after {STARTUP_TIMEOUT:?}; its log:\n{}",
                    self.kind,
                    self.port,
                    self.log()
                );
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// The client port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The working directory (`--dir`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Everything the server has logged so far (empty if the log cannot be read).
    pub fn log(&self) -> String {
        std::fs::read(&self.log_path)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// A new connection to the server.
    pub fn client(&self) -> anyhow::Result<Client> {
        Client::connect(self.port)
    }

    /// Sends the signal `name` (`TERM`, `INT`, ...) to the running process, and returns.
    pub fn signal(&mut self, name: &str) -> anyhow::Result<()> {
        let pid = self.child_mut()?.id();
        let signalled = Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .with_context(|| format!("running kill -{name}"))?;
        if !signalled.success() {
            bail!("kill -{name} {pid} failed: {signalled}");
        }
        Ok(())
    }

    /// A connection to a server that is still starting ([`Server::restart_without_waiting`]):
    /// retried until it listens, for up to 10 s.
    pub fn client_while_starting(&self) -> anyhow::Result<Client> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Client::connect(self.port) {
                Ok(client) => return Ok(client),
                Err(e) if Instant::now() > deadline => return Err(e.context(self.log())),
                Err(_) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    }

    /// Sends SIGTERM and waits for the process to exit; SIGKILL if it has not exited within
    /// 20 s (and then an error).
    pub fn stop(&mut self) -> anyhow::Result<ExitStatus> {
        self.signal("TERM")?;
        let deadline = Instant::now() + SHUTDOWN_TIMEOUT;
        loop {
            if let Some(status) = self.child_mut()?.try_wait()? {
                self.child = None;
                return Ok(status);
            }
            if Instant::now() > deadline {
                self.kill();
                bail!(
                    "{:?} server did not exit within {SHUTDOWN_TIMEOUT:?} of SIGTERM; its log:\n{}",
                    self.kind,
                    self.log()
                );
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    fn child_mut(&mut self) -> anyhow::Result<&mut Child> {
        self.child
            .as_mut()
            .context("the server process has already exited")
    }

    /// SIGKILL and reap, if still running.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Both fail only if the process is already gone, which is what we want.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `condition` every 10 ms until it holds; fails naming `what` after `timeout`, or at
/// once if `condition` fails.
pub fn wait_until(
    timeout: Duration,
    what: &str,
    mut condition: impl FnMut() -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if condition()? {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_until_returns_when_the_condition_holds_and_times_out_otherwise() {
        let mut calls = 0;
        wait_until(Duration::from_secs(5), "third call", || {
            calls += 1;
            Ok(calls == 3)
        })
        .unwrap();
        assert_eq!(calls, 3);
        let error = wait_until(Duration::from_millis(30), "never", || Ok(false)).unwrap_err();
        assert!(error.to_string().contains("never"), "{error}");
    }

    #[test]
    fn tessera_server_is_found_by_env_var_then_in_the_target_dir() {
        let explicit = locate_tessera_server(Some("/x/tessera-server".into()), None).unwrap();
        assert_eq!(explicit, PathBuf::from("/x/tessera-server"));

        let target = TempDir::new("locate").unwrap();
        let missing = locate_tessera_server(None, Some(target.path().into())).unwrap_err();
        assert!(
            missing.to_string().contains("cargo build -p tessera-node"),
            "{missing}"
        );
        std::fs::create_dir(target.path().join("release")).unwrap();
        let binary = target.path().join("release/tessera-server");
        std::fs::write(&binary, b"").unwrap();
        assert_eq!(
            locate_tessera_server(None, Some(target.path().into())).unwrap(),
            binary
        );
    }
}
