//! `tessera-server [config-file] [--directive value ...]`: a Redis-Cluster-compatible server.
//!
//! Map of the binary: `main` (arguments, daemonize, logging, runtime, signals), `server`
//! (shared state, listener, cron), `connection` (the per-client read/execute/write loop),
//! `session` (per-connection state), `commands` (the command table, dispatch and the server,
//! connection and cluster commands), `cluster` (the gossip state machine's driver: the bus,
//! nodes.conf, routing, self-assembly),
//! `clients` (the client registry), `stats`, `logging`, `alloc`.

mod alloc;
mod append_only;
mod clients;
mod cluster;
mod commands;
mod connection;
mod logging;
mod metrics;
mod monitor;
mod persistence;
mod pubsub;
mod replication;
mod server;
mod session;
mod stats;
mod transaction;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

/// The Redis version Tessera is compatible with (INFO `redis_version`, HELLO `version`).
pub const REDIS_VERSION: &str = "7.0.15";

fn usage() -> ! {
    eprintln!(
        "Usage: ./tessera-server [/path/to/redis.conf] [options] [-]\n       ./tessera-server - (read config from stdin)\n       ./tessera-server -v or --version\n       ./tessera-server -h or --help\n\nExamples:\n       ./tessera-server (run the server with default conf)\n       ./tessera-server /etc/redis/6379.conf\n       ./tessera-server --port 7777\n       ./tessera-server --port 7777 --replicaof 127.0.0.1 8888\n       ./tessera-server /etc/myredis.conf --loglevel verbose -\n       ./tessera-server /etc/myredis.conf --loglevel verbose"
    );
    std::process::exit(1)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-v" | "--version") => {
            println!(
                "Tessera server v={} (Redis compatible v={REDIS_VERSION}) bits=64",
                env!("CARGO_PKG_VERSION")
            );
            return ExitCode::SUCCESS;
        }
        Some("-h" | "--help") => usage(),
        _ => {}
    }
    let (file, options): (Option<PathBuf>, &[String]) = match args.first() {
        // As redis-server: a first argument not starting with `-` is the config file (`-` alone
        // means "read the config from stdin", handled with the options).
        Some(first) if !first.starts_with('-') => (Some(PathBuf::from(first)), &args[1..]),
        _ => (None, &args[..]),
    };
    let cfg = match config::Config::load(file.as_deref(), options) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if cfg.daemonize {
        daemonize();
    }
    // Like Redis, `dir` is the working directory before anything relative is opened (the log
    // file, nodes.conf).
    if !cfg.dir.is_empty()
        && let Err(e) = std::env::set_current_dir(&cfg.dir)
    {
        eprintln!("Can't chdir to '{}': {e}", cfg.dir);
        return ExitCode::FAILURE;
    }
    if let Err(e) = init_logging(&cfg) {
        eprintln!("Can't open the log file: {e:#}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tessera-worker")
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "Failed to start the runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cfg, file)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Raises the open-files limit to fit `maxclients` (plus Redis's 32 reserved descriptors), or
/// lowers `maxclients` to what the limit allows, as Redis's `adjustOpenFilesLimit` does.
fn adjust_open_files_limit(cfg: &mut config::Config) {
    const RESERVED: u64 = 32;
    let wanted = u64::from(cfg.maxclients) + RESERVED;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit write/read the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return;
    }
    if limit.rlim_cur >= wanted {
        return;
    }
    let target = wanted.min(limit.rlim_max);
    let raised = libc::rlimit {
        rlim_cur: target,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: as above.
    let ok = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0;
    let now = if ok { target } else { limit.rlim_cur };
    if now < wanted {
        let maxclients = now.saturating_sub(RESERVED).max(1);
        tracing::warn!(
            "You requested maxclients of {} requiring at least {wanted} max file descriptors.",
            cfg.maxclients
        );
        tracing::warn!(
            "Current maximum open files is {now}. maxclients has been reduced to {maxclients} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."
        );
        cfg.maxclients = u32::try_from(maxclients).unwrap_or(u32::MAX);
    } else {
        tracing::info!(
            "Increased maximum number of open files to {now} (it was originally set to {}).",
            limit.rlim_cur
        );
    }
}

/// Detaches from the terminal as Redis's `daemonize yes` does.
fn daemonize() {
    // SAFETY: called before any thread is started; fork/setsid/dup2 take no pointers we own.
    unsafe {
        match libc::fork() {
            -1 => return,
            0 => {}
            _ => libc::_exit(0),
        }
        libc::setsid();
        let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if devnull >= 0 {
            libc::dup2(devnull, 0);
            libc::dup2(devnull, 1);
            libc::dup2(devnull, 2);
            if devnull > 2 {
                libc::close(devnull);
            }
        }
    }
}

fn init_logging(cfg: &config::Config) -> anyhow::Result<()> {
    if cfg.logfile.is_empty() {
        logging::init(cfg.loglevel, std::io::stdout);
    } else {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&cfg.logfile)
            .with_context(|| cfg.logfile.clone())?;
        logging::init(cfg.loglevel, Arc::new(file));
    }
    Ok(())
}

async fn run(cfg: config::Config, file: Option<PathBuf>) -> anyhow::Result<()> {
    let pid = std::process::id();
    tracing::warn!("oO0OoO0OoO0Oo Tessera is starting oO0OoO0OoO0Oo");
    tracing::warn!(
        "Tessera version={}, Redis version={REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid={pid}, just started",
        env!("CARGO_PKG_VERSION")
    );
    match &file {
        Some(f) => tracing::warn!("Configuration loaded from {}", f.display()),
        None => tracing::warn!(
            "Warning: no config file specified, using the default config. In order to specify a config file use tessera-server /path/to/redis.conf"
        ),
    }
    let mut cfg = cfg;
    adjust_open_files_limit(&mut cfg);
    let mode = if cfg.cluster_enabled {
        "cluster"
    } else {
        "standalone"
    };
    // SAFETY: isatty only inspects a file descriptor number.
    let tty = cfg.logfile.is_empty() && unsafe { libc::isatty(1) } == 1;
    if cfg.always_show_logo || tty {
        tracing::info!(
            "Tessera {} (Redis {REDIS_VERSION} compatible) 64 bit, Running in {mode} mode, Port: {} PID: {pid}",
            env!("CARGO_PKG_VERSION"),
            cfg.port
        );
    } else {
        tracing::info!("Running mode={mode}, port={}.", cfg.port);
    }
    if let Some(pidfile) = cfg.pidfile.as_ref().filter(|p| !p.is_empty())
        && let Err(e) = std::fs::write(pidfile, format!("{pid}\n"))
    {
        tracing::warn!(error = %e, "Failed to write PID file");
    }
    let listeners = server::bind_listeners(&cfg)?;
    let bus = if cfg.cluster_enabled {
        let port = cluster::bus_port(&cfg);
        let listeners = server::bind_listeners_on(&cfg, port)
            .with_context(|| format!("listening on the cluster bus port {port}"))?;
        Some((listeners, cluster::BootstrapPlan::from_config(&cfg)?))
    } else {
        None
    };
    let pidfile = cfg.pidfile.clone();
    let server = Arc::new(server::Server::new(cfg, file)?);
    if let Some(cluster) = &server.cluster {
        tracing::info!("Cluster node id {}", cluster.my_id());
        // PUBLISH/SPUBLISH received from other nodes reach this node's subscribers.
        let weak = Arc::downgrade(&server);
        cluster.set_delivery(Box::new(move |channel, message, sharded| {
            if let Some(server) = weak.upgrade() {
                server.deliver_local(channel, message, sharded);
            }
        }));
        if let Some((listeners, plan)) = bus {
            cluster.start(listeners, plan)?;
        }
    }
    tracing::warn!("Server initialized");
    // Clients connecting while the data loads are answered -LOADING. With `appendonly yes`
    // the AOF is the dataset (the RDB is not read), as in Redis.
    let appendonly = server.config.read().appendonly;
    let dump_present = if appendonly {
        server
            .persistence
            .loading
            .store(true, std::sync::atomic::Ordering::Release);
        false
    } else {
        persistence::begin_loading(&server)
    };
    // Installed before loading: a signal while the dataset loads ends the process without
    // saving (the data is partial), as Redis does, instead of the default abrupt exit.
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    server.serve_on(listeners)?;
    let load = async {
        if appendonly {
            let starter = server.clone();
            tokio::task::spawn_blocking(move || {
                let result = append_only::start(&starter);
                starter
                    .persistence
                    .loading
                    .store(false, std::sync::atomic::Ordering::Release);
                result
            })
            .await
            .context("the AOF loading task failed")?
        } else if dump_present {
            let loader = server.clone();
            tokio::task::spawn_blocking(move || persistence::load_at_startup(&loader))
                .await
                .context("the loading task failed")?
        } else {
            Ok(())
        }
    };
    let signal = tokio::select! {
        loaded = load => {
            loaded?;
            None
        }
        _ = sigint.recv() => Some("SIGINT"),
        _ = sigterm.recv() => Some("SIGTERM"),
    };
    if let Some(name) = signal {
        tracing::warn!("Received {name} scheduling shutdown...");
        tracing::warn!("User requested shutdown...");
        say_goodbye(pidfile.as_deref());
        // The loading thread cannot be stopped; the process ends under it.
        std::process::exit(0);
    }
    if let Some(cluster) = &server.cluster {
        // The role in nodes.conf (and its changes) start and stop replication, once the
        // dataset is loaded.
        let weak = Arc::downgrade(&server);
        let runtime = tokio::runtime::Handle::current();
        let offset_server = Arc::downgrade(&server);
        cluster.set_role_change(
            Box::new(move |primary| {
                let Some(server) = weak.upgrade() else {
                    return;
                };
                runtime.spawn(async move {
                    match primary {
                        Some((ip, port)) => replication::follow(&server, ip, port),
                        None => replication::become_master(&server),
                    }
                });
            }),
            Box::new(move || {
                offset_server
                    .upgrade()
                    .map_or(0, |s| s.dbs.write_log().offset())
            }),
        );
    }
    tokio::spawn(server::cron(server.clone()));
    tokio::spawn(replication::cron(server.clone()));
    commands::replication_cmds::start_from_config(&server);
    tracing::info!("Ready to accept connections");

    loop {
        let shutdown = server.shutdown.notified();
        tokio::pin!(shutdown);
        shutdown.as_mut().enable();
        if server
            .shutting_down
            .load(std::sync::atomic::Ordering::Acquire)
        {
            break;
        }
        let flags: persistence::ShutdownFlags = tokio::select! {
            _ = sigint.recv() => {
                tracing::warn!("Received SIGINT scheduling shutdown...");
                server.config.read().shutdown_on_sigint.into()
            }
            _ = sigterm.recv() => {
                tracing::warn!("Received SIGTERM scheduling shutdown...");
                server.config.read().shutdown_on_sigterm.into()
            }
            // SHUTDOWN saved already.
            _ = &mut shutdown => break,
        };
        if server.shutdown_progress.in_progress() {
            // A SHUTDOWN command is on its way out (or will be aborted); Redis lets it be.
            continue;
        }
        let saver = server.clone();
        let prepared =
            tokio::task::spawn_blocking(move || persistence::prepare_for_shutdown(&saver, flags));
        tokio::pin!(prepared);
        // A second SIGINT while the shutdown waits for replicas or saves ends the process at
        // once, as Redis does (a second SIGTERM is only logged).
        let prepared = loop {
            tokio::select! {
                r = &mut prepared => break r,
                _ = sigint.recv() => {
                    tracing::warn!("You insist... exiting now.");
                    persistence::remove_temp_files();
                    std::process::exit(1);
                }
                _ = sigterm.recv() => tracing::warn!("Received SIGTERM scheduling shutdown..."),
            }
        };
        // A failed final save keeps the server running, as in Redis.
        if matches!(prepared, Ok(Ok(()))) {
            break;
        }
    }
    crate::replication::stop_link(&server);
    server.request_shutdown();
    if server.aof.is_enabled() {
        let stopper = server.clone();
        let _ = tokio::task::spawn_blocking(move || append_only::stop(&stopper)).await;
    }
    if let Some(cluster) = &server.cluster
        && let Err(e) = cluster.save()
    {
        tracing::warn!(error = %e, "Could not save the cluster configuration on shutdown");
    }
    say_goodbye(pidfile.as_deref());
    Ok(())
}

/// The last steps of every clean exit, with Redis's log lines: the pid file goes.
fn say_goodbye(pidfile: Option<&str>) {
    if let Some(p) = pidfile.filter(|p| !p.is_empty()) {
        tracing::info!("Removing the pid file.");
        let _ = std::fs::remove_file(p);
    }
    tracing::warn!("Tessera is now ready to exit, bye bye...");
}
