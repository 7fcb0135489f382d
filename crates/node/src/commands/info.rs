//! INFO: Redis 7.0's sections and field names, filled from Tessera's own state.

use std::fmt::Write;

use config::ConfigEnum;
use std::sync::atomic::Ordering;

use crate::server::{Server, unix_ms};

/// Every section, in Redis's order.
const ALL_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Sections a bare INFO leaves out (Redis: the per-command statistics).
const NOT_DEFAULT: &[&str] = &["commandstats"];

/// Renders the requested sections (none = Redis's default set).
pub fn render(server: &Server, requested: &[String]) -> String {
    let mut wanted: Vec<&str> = Vec::new();
    if requested.is_empty() || requested.iter().any(|s| s == "default") {
        wanted.extend(ALL_SECTIONS.iter().filter(|s| !NOT_DEFAULT.contains(s)));
    }
    if requested.iter().any(|s| s == "all" || s == "everything") {
        wanted.extend(ALL_SECTIONS);
    }
    for r in requested {
        if let Some(s) = ALL_SECTIONS.iter().find(|s| **s == r) {
            wanted.push(s);
        }
    }
    let mut out = String::new();
    for section in ALL_SECTIONS {
        if !wanted.contains(section) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        match *section {
            "server" => server_section(server, &mut out),
            "clients" => clients_section(server, &mut out),
            "memory" => memory_section(server, &mut out),
            "persistence" => persistence_section(server, &mut out),
            "stats" => stats_section(server, &mut out),
            "replication" => crate::replication::info(server, &mut out),
            "cpu" => cpu_section(&mut out),
            "modules" => out.push_str("# Modules\r\n"),
            "commandstats" => commandstats_section(server, &mut out),
            "errorstats" => errorstats_section(server, &mut out),
            "cluster" => {
                let _ = write!(
                    out,
                    "# Cluster\r\ncluster_enabled:{}\r\n",
                    u8::from(server.cluster.is_some())
                );
            }
            "keyspace" => keyspace_section(server, &mut out),
            _ => {}
        }
    }
    out
}

fn field(out: &mut String, name: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "{name}:{value}\r\n");
}

fn server_section(server: &Server, out: &mut String) {
    let cfg = server.config.read();
    let uptime = server.started.elapsed().as_secs();
    out.push_str("# Server\r\n");
    field(out, "redis_version", crate::REDIS_VERSION);
    field(out, "redis_git_sha1", "00000000");
    field(out, "redis_git_dirty", 0);
    field(out, "redis_build_id", "0");
    field(
        out,
        "redis_mode",
        if server.cluster.is_some() {
            "cluster"
        } else {
            "standalone"
        },
    );
    field(out, "tessera_version", env!("CARGO_PKG_VERSION"));
    field(
        out,
        "os",
        format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
    );
    field(out, "arch_bits", usize::BITS);
    field(out, "monotonic_clock", "POSIX clock_gettime");
    field(out, "multiplexing_api", "epoll");
    field(out, "atomicvar_api", "c11-builtin");
    field(out, "gcc_version", "0.0.0");
    field(out, "process_id", std::process::id());
    field(out, "process_supervised", "no");
    field(out, "run_id", &server.run_id);
    field(out, "tcp_port", server.port.load(Ordering::Relaxed));
    field(out, "server_time_usec", crate::server::unix_us());
    field(out, "uptime_in_seconds", uptime);
    field(out, "uptime_in_days", uptime / 86400);
    field(out, "hz", cfg.hz);
    field(out, "configured_hz", cfg.hz);
    field(out, "lru_clock", (unix_ms() / 1000) & 0xff_ffff);
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    field(out, "executable", exe);
    let config_file = server
        .config_file
        .as_ref()
        .and_then(|p| std::fs::canonicalize(p).ok())
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    field(out, "config_file", config_file);
    field(out, "io_threads_active", 0);
}

fn clients_section(server: &Server, out: &mut String) {
    let cfg = server.config.read();
    out.push_str("# Clients\r\n");
    field(out, "connected_clients", server.clients.len());
    field(
        out,
        "cluster_connections",
        server.cluster.as_ref().map_or(0, |c| c.read().link_count()),
    );
    field(out, "maxclients", cfg.maxclients);
    field(out, "client_recent_max_input_buffer", 0);
    field(out, "client_recent_max_output_buffer", 0);
    field(out, "blocked_clients", server.stats.blocked_clients.get());
    field(out, "tracking_clients", 0);
    field(out, "clients_in_timeout_table", 0);
}

/// Resident set size of this process, from /proc (0 where unavailable).
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * u64::try_from(page).unwrap_or(4096)
}

fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes}B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.2}K", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", b / 1024.0 / 1024.0)
    } else {
        format!("{:.2}G", b / 1024.0 / 1024.0 / 1024.0)
    }
}

fn memory_section(server: &Server, out: &mut String) {
    let cfg = server.config.read();
    let used = crate::alloc::allocated_bytes();
    let rss = rss_bytes();
    out.push_str("# Memory\r\n");
    field(out, "used_memory", used);
    field(out, "used_memory_human", human(used));
    field(out, "used_memory_rss", rss);
    field(out, "used_memory_rss_human", human(rss));
    let peak = server.metrics.memory_peak(used);
    field(out, "used_memory_peak", peak);
    field(out, "used_memory_peak_human", human(peak));
    field(out, "maxmemory", cfg.maxmemory);
    field(out, "maxmemory_human", human(cfg.maxmemory));
    field(out, "maxmemory_policy", cfg.maxmemory_policy.name());
    let frag = if used > 0 {
        rss as f64 / used as f64
    } else {
        0.0
    };
    field(out, "mem_fragmentation_ratio", format!("{frag:.2}"));
    field(out, "mem_allocator", crate::alloc::NAME);
}

fn persistence_section(server: &Server, out: &mut String) {
    out.push_str("# Persistence\r\n");
    server.persistence.info_rdb(server, out);
    server.aof.info(out);
}

fn stats_section(server: &Server, out: &mut String) {
    let s = &server.stats;
    let ks = server.dbs.stats();
    out.push_str("# Stats\r\n");
    field(
        out,
        "total_connections_received",
        s.total_connections_received.get(),
    );
    field(
        out,
        "total_commands_processed",
        server.command_stats.total_calls(),
    );
    field(
        out,
        "instantaneous_ops_per_sec",
        server.metrics.ops_per_sec(),
    );
    field(out, "total_net_input_bytes", s.net_input_bytes.get());
    field(out, "total_net_output_bytes", s.net_output_bytes.get());
    field(
        out,
        "instantaneous_input_kbps",
        format!("{:.2}", server.metrics.input_kbps()),
    );
    field(
        out,
        "instantaneous_output_kbps",
        format!("{:.2}", server.metrics.output_kbps()),
    );
    field(out, "rejected_connections", s.rejected_connections.get());
    let repl = &server.replication;
    field(out, "sync_full", repl.sync_full.load(Ordering::Relaxed));
    field(
        out,
        "sync_partial_ok",
        repl.sync_partial_ok.load(Ordering::Relaxed),
    );
    field(
        out,
        "sync_partial_err",
        repl.sync_partial_err.load(Ordering::Relaxed),
    );
    field(out, "expired_keys", ks.expired_keys.get());
    field(out, "evicted_keys", 0);
    field(out, "keyspace_hits", ks.keyspace_hits.get());
    field(out, "keyspace_misses", ks.keyspace_misses.get());
    field(
        out,
        "pubsub_channels",
        server
            .pubsub
            .active(crate::pubsub::Kind::Channel, None)
            .len(),
    );
    field(out, "pubsub_patterns", server.pubsub.pattern_count());
    field(out, "total_error_replies", s.total_error_replies.get());
    field(
        out,
        "unexpected_error_replies",
        s.unexpected_error_replies.get(),
    );
    field(
        out,
        "client_query_buffer_limit_disconnections",
        s.client_qbuf_limit_disconnections.get(),
    );
}

fn cpu_section(out: &mut String) {
    let mut usage = libc::rusage {
        ru_utime: libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        ru_stime: libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        ru_maxrss: 0,
        ru_ixrss: 0,
        ru_idrss: 0,
        ru_isrss: 0,
        ru_minflt: 0,
        ru_majflt: 0,
        ru_nswap: 0,
        ru_inblock: 0,
        ru_oublock: 0,
        ru_msgsnd: 0,
        ru_msgrcv: 0,
        ru_nsignals: 0,
        ru_nvcsw: 0,
        ru_nivcsw: 0,
    };
    // SAFETY: getrusage writes into the struct we pass.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    out.push_str("# CPU\r\n");
    field(out, "used_cpu_sys", format!("{:.6}", secs(usage.ru_stime)));
    field(out, "used_cpu_user", format!("{:.6}", secs(usage.ru_utime)));
    field(out, "used_cpu_sys_children", "0.000000");
    field(out, "used_cpu_user_children", "0.000000");
}

fn commandstats_section(server: &Server, out: &mut String) {
    out.push_str("# Commandstats\r\n");
    for (name, s) in server.command_stats.snapshot() {
        let per_call = if s.calls > 0 {
            s.usec as f64 / s.calls as f64
        } else {
            0.0
        };
        let _ = write!(
            out,
            "cmdstat_{name}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
            s.calls, s.usec, s.rejected_calls, s.failed_calls
        );
    }
}

fn errorstats_section(server: &Server, out: &mut String) {
    out.push_str("# Errorstats\r\n");
    for (prefix, count) in server.command_stats.errors() {
        let _ = write!(out, "errorstat_{prefix}:count={count}\r\n");
    }
}

fn keyspace_section(server: &Server, out: &mut String) {
    out.push_str("# Keyspace\r\n");
    for (i, db) in server.dbs.all() {
        let keys = db.len();
        if keys > 0 {
            let _ = write!(
                out,
                "db{i}:keys={keys},expires={},avg_ttl=0\r\n",
                db.volatile_len()
            );
        }
    }
}
