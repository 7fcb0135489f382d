//! The directive table: every directive of Redis 7.0.15 (its `static_configs[]`, the
//! TLS ones included, plus the hand-parsed ones) with Redis's name, alias, flags, type,
//! bounds and default, in Redis's order. One macro invocation produces both the `Config`
//! struct (one typed field per directive) and the static table the loader, CONFIG
//! GET/SET/REWRITE and the documentation walk.

use std::path::PathBuf;

use crate::load::{LoadModule, ModuleConfig, RenameCommand, UserDirective};
use crate::spec::{
    Access, BoolSpec, CType, EnumSpec, Field, NumberFormat, NumericSpec, OptionalStringSpec, Spec,
    StringCheck, StringSpec, ValueKind,
};
use crate::special::{
    BindSpec, ClientOutputBufferLimitSpec, DirSpec, LatencyPercentilesSpec,
    NotifyKeyspaceEventsSpec, OomScoreAdjValuesSpec, ReplicaOfSpec, SaveSpec, ShutdownOnSignalSpec,
    check_announced_hostname, check_appenddirname, check_appendfilename, check_dbfilename,
    check_proc_title_template,
};
use crate::types::{
    AclPubsubDefault, AppendFsync, ClientOutputBufferLimits, ClusterPreferredEndpointType,
    KeyspaceEvents, LogLevel, MaxmemoryClients, MaxmemoryPolicy, OomScoreAdj,
    PropagationErrorBehavior, ProtectedAction, ReplDisklessLoad, ReplicaOf, SanitizeDumpPayload,
    ShutdownOnSignal, SupervisedMode, SyslogFacility, TlsAuthClients,
};

/// Properties of a directive, as Redis's config flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flags(u16);

impl Flags {
    /// No flag at all: where every directive's flags start.
    const NONE: Flags = Flags(0);
    /// Only settable at startup, never by CONFIG SET.
    pub const IMMUTABLE: Flags = Flags(1 << 0);
    /// The value is secret: redact it from logs, SLOWLOG and MONITOR.
    pub const SENSITIVE: Flags = Flags(1 << 1);
    /// Included in Redis's DEBUG CONFIG dump.
    pub const DEBUG: Flags = Flags(1 << 2);
    /// Only reported by CONFIG GET when asked for by exact name, never by a pattern.
    pub const HIDDEN: Flags = Flags(1 << 3);
    /// CONFIG SET needs `enable-protected-configs` (`yes`, or `local` from a local client).
    pub const PROTECTED: Flags = Flags(1 << 4);
    /// CONFIG SET refuses it while the dataset is loading.
    pub const DENY_LOADING: Flags = Flags(1 << 5);
    /// Only meaningful in a config file (`include`, `rename-command`, `user`, `loadmodule`).
    pub const FILE_ONLY: Flags = Flags(1 << 6);

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    const fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

/// One row of the table.
pub(crate) struct Directive {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub flags: Flags,
    pub access: &'static dyn Access,
}

impl Directive {
    /// The names this directive answers to: its own, then its alias.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + use<> {
        std::iter::once(self.name).chain(self.alias)
    }
}

/// Finds a directive by name or alias, ignoring case; returns it with the name matched
/// (lowercase, as registered).
pub(crate) fn find(name: &[u8]) -> Option<(&'static Directive, &'static str)> {
    DIRECTIVES.iter().find_map(|directive| {
        directive
            .names()
            .find(|candidate| candidate.as_bytes().eq_ignore_ascii_case(name))
            .map(|matched| (directive, matched))
    })
}

/// Everything documentation needs to know about one directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectiveInfo {
    /// The directive's name.
    pub name: &'static str,
    /// An older name Redis still accepts (`slaveof` for `replicaof`, ...).
    pub alias: Option<&'static str>,
    /// The type of its value.
    pub kind: ValueKind,
    /// The default, as CONFIG GET would show it.
    pub default: String,
    /// Redis's flags for it.
    pub flags: Flags,
}

impl DirectiveInfo {
    /// Whether CONFIG SET can change it (protected ones only when
    /// `enable-protected-configs` allows).
    pub fn modifiable(&self) -> bool {
        !self.flags.contains(Flags::IMMUTABLE) && !self.flags.contains(Flags::FILE_ONLY)
    }

    fn of(directive: &Directive) -> DirectiveInfo {
        DirectiveInfo {
            name: directive.name,
            alias: directive.alias,
            kind: directive.access.kind(),
            default: directive.access.documented_default(),
            flags: directive.flags,
        }
    }
}

/// The directives that only exist in config files, with their syntax.
const FILE_ONLY_DIRECTIVES: [(&str, &str); 4] = [
    ("include", "<path or glob pattern>"),
    ("rename-command", "<command> <new-name or \"\">"),
    ("user", "<username> [<ACL rule> ...]"),
    ("loadmodule", "<path> [<argument> ...]"),
];

/// Every directive, in Redis's order, followed by the file-only ones.
pub fn directives() -> impl Iterator<Item = DirectiveInfo> {
    DIRECTIVES
        .iter()
        .map(DirectiveInfo::of)
        .chain(
            FILE_ONLY_DIRECTIVES
                .iter()
                .map(|&(name, syntax)| DirectiveInfo {
                    name,
                    alias: None,
                    kind: ValueKind::Special { syntax },
                    default: String::new(),
                    flags: Flags::FILE_ONLY,
                }),
        )
}

/// The directive with this name or alias (any case), if CONFIG GET/SET know it.
pub fn lookup(name: &[u8]) -> Option<DirectiveInfo> {
    find(name).map(|(directive, _)| DirectiveInfo::of(directive))
}

const INT_MIN: i128 = i32::MIN as i128;
const INT_MAX: i128 = i32::MAX as i128;
const UINT_MAX: i128 = u32::MAX as i128;
const LONG_MAX: i128 = i64::MAX as i128;
const LLONG_MAX: i128 = i64::MAX as i128;
const ULLONG_MAX: i128 = u64::MAX as i128;
const SSIZE_MAX: i128 = i64::MAX as i128;

const fn boolean(default: bool) -> BoolSpec {
    BoolSpec { default }
}

const fn integer<T>(c_type: CType, min: i128, max: i128, default: i64) -> NumericSpec<T> {
    NumericSpec::new(c_type, NumberFormat::Integer, min, max, default)
}

const fn memory<T>(c_type: CType, min: i128, max: i128, default: i64) -> NumericSpec<T> {
    NumericSpec::new(c_type, NumberFormat::Memory, min, max, default)
}

const fn string(default: &'static str) -> StringSpec {
    StringSpec {
        default,
        check: None,
    }
}

const fn checked_string(default: &'static str, check: StringCheck) -> StringSpec {
    StringSpec {
        default,
        check: Some(check),
    }
}

const fn optional_string() -> OptionalStringSpec {
    OptionalStringSpec { check: None }
}

const fn enumeration<T>(default: T) -> EnumSpec<T> {
    EnumSpec { default }
}

macro_rules! directive_table {
    (
        $(
            $field:ident : $ty:ty = $name:literal $(/ $alias:literal)? [$($flag:ident)*] $spec:expr;
        )*
    ) => {
        /// Every directive's current value, one typed field per directive (named after
        /// it, in snake case), plus what the config file said that is not a directive
        /// value (renamed commands, ACL users, modules).
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $(
                #[doc = concat!("`", $name, "`", $(" (alias `", $alias, "`)",)? ".")]
                pub $field: $ty,
            )*
            /// The main config file, as an absolute path (`None` without one).
            pub config_file: Option<PathBuf>,
            /// `rename-command` lines, in order. The server validates and applies them.
            pub renamed_commands: Vec<RenameCommand>,
            /// `user` lines, in order: the ACL users to create. CONFIG REWRITE writes these
            /// back, so the server should keep them in step with its ACL state.
            pub users: Vec<UserDirective>,
            /// `loadmodule` lines, in order.
            pub modules: Vec<LoadModule>,
            /// Module configuration lines (`module.name value`), last value per name.
            pub module_configs: Vec<ModuleConfig>,
        }

        impl Default for Config {
            fn default() -> Self {
                Config {
                    $( $field: Spec::default_value(&$spec), )*
                    config_file: None,
                    renamed_commands: Vec::new(),
                    users: Vec::new(),
                    modules: Vec::new(),
                    module_configs: Vec::new(),
                }
            }
        }

        pub(crate) static DIRECTIVES: &[Directive] = &[
            $(
                Directive {
                    name: $name,
                    alias: directive_table!(@alias $($alias)?),
                    flags: Flags::NONE $(.union(Flags::$flag))*,
                    access: &Field {
                        spec: $spec,
                        get: |config: &Config| &config.$field,
                        get_mut: |config: &mut Config| &mut config.$field,
                    },
                },
            )*
        ];
    };
    (@alias) => { None };
    (@alias $alias:literal) => { Some($alias) };
}

use CType::{Int, LongLong, OffT, SSizeT, SizeT, TimeT, UInt, ULong, ULongLong};

directive_table! {
    // Booleans.
    rdbchecksum: bool = "rdbchecksum" [IMMUTABLE] boolean(true);
    daemonize: bool = "daemonize" [IMMUTABLE] boolean(false);
    io_threads_do_reads: bool = "io-threads-do-reads" [DEBUG IMMUTABLE] boolean(false);
    always_show_logo: bool = "always-show-logo" [IMMUTABLE] boolean(false);
    protected_mode: bool = "protected-mode" [] boolean(true);
    rdbcompression: bool = "rdbcompression" [] boolean(true);
    rdb_del_sync_files: bool = "rdb-del-sync-files" [] boolean(false);
    activerehashing: bool = "activerehashing" [] boolean(true);
    stop_writes_on_bgsave_error: bool = "stop-writes-on-bgsave-error" [] boolean(true);
    set_proc_title: bool = "set-proc-title" [IMMUTABLE] boolean(true);
    dynamic_hz: bool = "dynamic-hz" [] boolean(true);
    lazyfree_lazy_eviction: bool = "lazyfree-lazy-eviction" [DEBUG] boolean(false);
    lazyfree_lazy_expire: bool = "lazyfree-lazy-expire" [DEBUG] boolean(false);
    lazyfree_lazy_server_del: bool = "lazyfree-lazy-server-del" [DEBUG] boolean(false);
    lazyfree_lazy_user_del: bool = "lazyfree-lazy-user-del" [DEBUG] boolean(false);
    lazyfree_lazy_user_flush: bool = "lazyfree-lazy-user-flush" [DEBUG] boolean(false);
    repl_disable_tcp_nodelay: bool = "repl-disable-tcp-nodelay" [] boolean(false);
    repl_diskless_sync: bool = "repl-diskless-sync" [DEBUG] boolean(true);
    aof_rewrite_incremental_fsync: bool = "aof-rewrite-incremental-fsync" [] boolean(true);
    no_appendfsync_on_rewrite: bool = "no-appendfsync-on-rewrite" [] boolean(false);
    cluster_require_full_coverage: bool = "cluster-require-full-coverage" [] boolean(true);
    rdb_save_incremental_fsync: bool = "rdb-save-incremental-fsync" [] boolean(true);
    aof_load_truncated: bool = "aof-load-truncated" [] boolean(true);
    aof_use_rdb_preamble: bool = "aof-use-rdb-preamble" [] boolean(true);
    aof_timestamp_enabled: bool = "aof-timestamp-enabled" [] boolean(false);
    cluster_replica_no_failover: bool = "cluster-replica-no-failover" / "cluster-slave-no-failover" [] boolean(false);
    replica_lazy_flush: bool = "replica-lazy-flush" / "slave-lazy-flush" [] boolean(false);
    replica_serve_stale_data: bool = "replica-serve-stale-data" / "slave-serve-stale-data" [] boolean(true);
    replica_read_only: bool = "replica-read-only" / "slave-read-only" [DEBUG] boolean(true);
    replica_ignore_maxmemory: bool = "replica-ignore-maxmemory" / "slave-ignore-maxmemory" [] boolean(true);
    jemalloc_bg_thread: bool = "jemalloc-bg-thread" [] boolean(true);
    activedefrag: bool = "activedefrag" [DEBUG] boolean(false);
    syslog_enabled: bool = "syslog-enabled" [IMMUTABLE] boolean(false);
    cluster_enabled: bool = "cluster-enabled" [IMMUTABLE] boolean(false);
    appendonly: bool = "appendonly" [DENY_LOADING] boolean(false);
    cluster_allow_reads_when_down: bool = "cluster-allow-reads-when-down" [] boolean(false);
    cluster_allow_pubsubshard_when_down: bool = "cluster-allow-pubsubshard-when-down" [] boolean(true);
    crash_log_enabled: bool = "crash-log-enabled" [] boolean(true);
    crash_memcheck_enabled: bool = "crash-memcheck-enabled" [] boolean(true);
    use_exit_on_panic: bool = "use-exit-on-panic" [HIDDEN] boolean(false);
    disable_thp: bool = "disable-thp" [IMMUTABLE] boolean(true);
    cluster_allow_replica_migration: bool = "cluster-allow-replica-migration" [] boolean(true);
    replica_announced: bool = "replica-announced" [] boolean(true);
    latency_tracking: bool = "latency-tracking" [] boolean(true);
    aof_disable_auto_gc: bool = "aof-disable-auto-gc" [] boolean(false);
    replica_ignore_disk_write_errors: bool = "replica-ignore-disk-write-errors" [] boolean(false);

    // Strings.
    aclfile: String = "aclfile" [IMMUTABLE] string("");
    unixsocket: Option<String> = "unixsocket" [IMMUTABLE] optional_string();
    pidfile: Option<String> = "pidfile" [IMMUTABLE] optional_string();
    replica_announce_ip: Option<String> = "replica-announce-ip" / "slave-announce-ip" [] optional_string();
    masteruser: Option<String> = "masteruser" [SENSITIVE] optional_string();
    cluster_announce_ip: Option<String> = "cluster-announce-ip" [] optional_string();
    cluster_config_file: String = "cluster-config-file" [IMMUTABLE] string("nodes.conf");
    cluster_announce_hostname: Option<String> = "cluster-announce-hostname" []
        OptionalStringSpec { check: Some(check_announced_hostname) };
    syslog_ident: String = "syslog-ident" [IMMUTABLE] string("redis");
    dbfilename: String = "dbfilename" [PROTECTED] checked_string("dump.rdb", check_dbfilename);
    appendfilename: String = "appendfilename" [IMMUTABLE] checked_string("appendonly.aof", check_appendfilename);
    appenddirname: String = "appenddirname" [IMMUTABLE] checked_string("appendonlydir", check_appenddirname);
    server_cpulist: Option<String> = "server_cpulist" [IMMUTABLE] optional_string();
    bio_cpulist: Option<String> = "bio_cpulist" [IMMUTABLE] optional_string();
    aof_rewrite_cpulist: Option<String> = "aof_rewrite_cpulist" [IMMUTABLE] optional_string();
    bgsave_cpulist: Option<String> = "bgsave_cpulist" [IMMUTABLE] optional_string();
    ignore_warnings: String = "ignore-warnings" [] string("");
    proc_title_template: String = "proc-title-template" []
        checked_string("{title} {listen-addr} {server-mode}", check_proc_title_template);
    bind_source_addr: Option<String> = "bind-source-addr" [] optional_string();
    logfile: String = "logfile" [IMMUTABLE] string("");
    masterauth: Option<String> = "masterauth" [SENSITIVE] optional_string();
    requirepass: Option<String> = "requirepass" [SENSITIVE] optional_string();

    // Enumerations.
    supervised: SupervisedMode = "supervised" [IMMUTABLE] enumeration(SupervisedMode::No);
    syslog_facility: SyslogFacility = "syslog-facility" [IMMUTABLE] enumeration(SyslogFacility::Local0);
    repl_diskless_load: ReplDisklessLoad = "repl-diskless-load" [DEBUG DENY_LOADING]
        enumeration(ReplDisklessLoad::Disabled);
    loglevel: LogLevel = "loglevel" [] enumeration(LogLevel::Notice);
    maxmemory_policy: MaxmemoryPolicy = "maxmemory-policy" [] enumeration(MaxmemoryPolicy::Noeviction);
    appendfsync: AppendFsync = "appendfsync" [] enumeration(AppendFsync::Everysec);
    oom_score_adj: OomScoreAdj = "oom-score-adj" [] enumeration(OomScoreAdj::No);
    acl_pubsub_default: AclPubsubDefault = "acl-pubsub-default" [] enumeration(AclPubsubDefault::ResetChannels);
    sanitize_dump_payload: SanitizeDumpPayload = "sanitize-dump-payload" [DEBUG]
        enumeration(SanitizeDumpPayload::No);
    enable_protected_configs: ProtectedAction = "enable-protected-configs" [IMMUTABLE]
        enumeration(ProtectedAction::No);
    enable_debug_command: ProtectedAction = "enable-debug-command" [IMMUTABLE] enumeration(ProtectedAction::No);
    enable_module_command: ProtectedAction = "enable-module-command" [IMMUTABLE] enumeration(ProtectedAction::No);
    cluster_preferred_endpoint_type: ClusterPreferredEndpointType = "cluster-preferred-endpoint-type" []
        enumeration(ClusterPreferredEndpointType::Ip);
    propagation_error_behavior: PropagationErrorBehavior = "propagation-error-behavior" []
        enumeration(PropagationErrorBehavior::Ignore);
    shutdown_on_sigint: ShutdownOnSignal = "shutdown-on-sigint" [] ShutdownOnSignalSpec;
    shutdown_on_sigterm: ShutdownOnSignal = "shutdown-on-sigterm" [] ShutdownOnSignalSpec;

    // C ints.
    databases: u32 = "databases" [IMMUTABLE] integer(Int, 1, INT_MAX, 16);
    port: u16 = "port" [] integer(Int, 0, 65535, 6379);
    io_threads: u32 = "io-threads" [DEBUG IMMUTABLE] integer(Int, 1, 128, 1);
    auto_aof_rewrite_percentage: u32 = "auto-aof-rewrite-percentage" [] integer(Int, 0, INT_MAX, 100);
    cluster_replica_validity_factor: u32 = "cluster-replica-validity-factor" / "cluster-slave-validity-factor" []
        integer(Int, 0, INT_MAX, 10);
    list_max_listpack_size: i32 = "list-max-listpack-size" / "list-max-ziplist-size" []
        integer(Int, INT_MIN, INT_MAX, -2);
    tcp_keepalive: u32 = "tcp-keepalive" [] integer(Int, 0, INT_MAX, 300);
    cluster_migration_barrier: u32 = "cluster-migration-barrier" [] integer(Int, 0, INT_MAX, 1);
    active_defrag_cycle_min: u32 = "active-defrag-cycle-min" [] integer(Int, 1, 99, 1);
    active_defrag_cycle_max: u32 = "active-defrag-cycle-max" [] integer(Int, 1, 99, 25);
    active_defrag_threshold_lower: u32 = "active-defrag-threshold-lower" [] integer(Int, 0, 1000, 10);
    active_defrag_threshold_upper: u32 = "active-defrag-threshold-upper" [] integer(Int, 0, 1000, 100);
    lfu_log_factor: u32 = "lfu-log-factor" [] integer(Int, 0, INT_MAX, 10);
    lfu_decay_time: u32 = "lfu-decay-time" [] integer(Int, 0, INT_MAX, 1);
    replica_priority: u32 = "replica-priority" / "slave-priority" [] integer(Int, 0, INT_MAX, 100);
    repl_diskless_sync_delay: u32 = "repl-diskless-sync-delay" [] integer(Int, 0, INT_MAX, 5);
    maxmemory_samples: u32 = "maxmemory-samples" [] integer(Int, 1, INT_MAX, 5);
    maxmemory_eviction_tenacity: u32 = "maxmemory-eviction-tenacity" [] integer(Int, 0, 100, 10);
    timeout: u32 = "timeout" [] integer(Int, 0, INT_MAX, 0);
    replica_announce_port: u16 = "replica-announce-port" / "slave-announce-port" [] integer(Int, 0, 65535, 0);
    tcp_backlog: u32 = "tcp-backlog" [IMMUTABLE] integer(Int, 0, INT_MAX, 511);
    cluster_port: u16 = "cluster-port" [IMMUTABLE] integer(Int, 0, 65535, 0);
    cluster_announce_bus_port: u16 = "cluster-announce-bus-port" [] integer(Int, 0, 65535, 0);
    cluster_announce_port: u16 = "cluster-announce-port" [] integer(Int, 0, 65535, 0);
    cluster_announce_tls_port: u16 = "cluster-announce-tls-port" [] integer(Int, 0, 65535, 0);
    repl_timeout: u32 = "repl-timeout" [] integer(Int, 1, INT_MAX, 60);
    repl_ping_replica_period: u32 = "repl-ping-replica-period" / "repl-ping-slave-period" []
        integer(Int, 1, INT_MAX, 10);
    list_compress_depth: u32 = "list-compress-depth" [DEBUG] integer(Int, 0, INT_MAX, 0);
    rdb_key_save_delay: i32 = "rdb-key-save-delay" [HIDDEN] integer(Int, INT_MIN, INT_MAX, 0);
    key_load_delay: i32 = "key-load-delay" [HIDDEN] integer(Int, INT_MIN, INT_MAX, 0);
    active_expire_effort: u32 = "active-expire-effort" [] integer(Int, 1, 10, 1);
    // Redis accepts any hz but keeps it within 1..=500 (CONFIG_MIN_HZ, CONFIG_MAX_HZ).
    hz: u32 = "hz" [] integer(Int, 0, INT_MAX, 10).clamped_to(1, 500);
    min_replicas_to_write: u32 = "min-replicas-to-write" / "min-slaves-to-write" [] integer(Int, 0, INT_MAX, 0);
    min_replicas_max_lag: u32 = "min-replicas-max-lag" / "min-slaves-max-lag" [] integer(Int, 0, INT_MAX, 10);
    watchdog_period: u32 = "watchdog-period" [HIDDEN] integer(Int, 0, INT_MAX, 0);
    shutdown_timeout: u32 = "shutdown-timeout" [] integer(Int, 0, INT_MAX, 10);
    repl_diskless_sync_max_replicas: u32 = "repl-diskless-sync-max-replicas" [] integer(Int, 0, INT_MAX, 0);

    // C unsigned ints.
    maxclients: u32 = "maxclients" [] integer(UInt, 1, UINT_MAX, 10000);
    unixsocketperm: u32 = "unixsocketperm" [IMMUTABLE]
        NumericSpec::new(UInt, NumberFormat::Octal, 0, 0o777, 0);
    socket_mark_id: u32 = "socket-mark-id" [IMMUTABLE] integer(UInt, 0, UINT_MAX, 0);

    // C unsigned longs.
    active_defrag_max_scan_fields: u64 = "active-defrag-max-scan-fields" [] integer(ULong, 1, LONG_MAX, 1000);
    slowlog_max_len: u64 = "slowlog-max-len" [] integer(ULong, 0, LONG_MAX, 128);
    acllog_max_len: u64 = "acllog-max-len" [] integer(ULong, 0, LONG_MAX, 128);

    // C long longs.
    busy_reply_threshold: u64 = "busy-reply-threshold" / "lua-time-limit" [] integer(LongLong, 0, LONG_MAX, 5000);
    cluster_node_timeout: u64 = "cluster-node-timeout" [] integer(LongLong, 0, LLONG_MAX, 15000);
    slowlog_log_slower_than: i64 = "slowlog-log-slower-than" [] integer(LongLong, -1, LLONG_MAX, 10000);
    latency_monitor_threshold: u64 = "latency-monitor-threshold" [] integer(LongLong, 0, LLONG_MAX, 0);
    proto_max_bulk_len: u64 = "proto-max-bulk-len" [DEBUG]
        memory(LongLong, 1024 * 1024, LONG_MAX, 512 * 1024 * 1024);
    stream_node_max_entries: u64 = "stream-node-max-entries" [] integer(LongLong, 0, LLONG_MAX, 100);
    repl_backlog_size: u64 = "repl-backlog-size" [] memory(LongLong, 1, LLONG_MAX, 1024 * 1024);

    // C unsigned long longs.
    maxmemory: u64 = "maxmemory" [] memory(ULongLong, 0, ULLONG_MAX, 0);
    cluster_link_sendbuf_limit: u64 = "cluster-link-sendbuf-limit" [] memory(ULongLong, 0, ULLONG_MAX, 0);

    // C size_t / ssize_t.
    hash_max_listpack_entries: u64 = "hash-max-listpack-entries" / "hash-max-ziplist-entries" []
        integer(SizeT, 0, LONG_MAX, 512);
    set_max_intset_entries: u64 = "set-max-intset-entries" [] integer(SizeT, 0, LONG_MAX, 512);
    zset_max_listpack_entries: u64 = "zset-max-listpack-entries" / "zset-max-ziplist-entries" []
        integer(SizeT, 0, LONG_MAX, 128);
    active_defrag_ignore_bytes: u64 = "active-defrag-ignore-bytes" [] memory(SizeT, 1, LLONG_MAX, 100 << 20);
    hash_max_listpack_value: u64 = "hash-max-listpack-value" / "hash-max-ziplist-value" []
        memory(SizeT, 0, LONG_MAX, 64);
    stream_node_max_bytes: u64 = "stream-node-max-bytes" [] memory(SizeT, 0, LONG_MAX, 4096);
    zset_max_listpack_value: u64 = "zset-max-listpack-value" / "zset-max-ziplist-value" []
        memory(SizeT, 0, LONG_MAX, 64);
    hll_sparse_max_bytes: u64 = "hll-sparse-max-bytes" [] memory(SizeT, 0, LONG_MAX, 3000);
    tracking_table_max_keys: u64 = "tracking-table-max-keys" [] integer(SizeT, 0, LONG_MAX, 1_000_000);
    client_query_buffer_limit: u64 = "client-query-buffer-limit" [DEBUG]
        memory(SizeT, 1024 * 1024, LONG_MAX, 1024 * 1024 * 1024);
    maxmemory_clients: MaxmemoryClients = "maxmemory-clients" []
        NumericSpec::new(SSizeT, NumberFormat::MemoryOrPercent, -100, SSIZE_MAX, 0);

    // C time_t / off_t.
    repl_backlog_ttl: u64 = "repl-backlog-ttl" [] integer(TimeT, 0, LONG_MAX, 60 * 60);
    auto_aof_rewrite_min_size: u64 = "auto-aof-rewrite-min-size" [] memory(OffT, 0, LLONG_MAX, 64 * 1024 * 1024);
    loading_process_events_interval_bytes: u64 = "loading-process-events-interval-bytes" [HIDDEN]
        integer(OffT, 1024, INT_MAX, 1024 * 1024 * 2);

    // TLS (Debian's redis-server is built with TLS, so its configs know these).
    tls_port: u16 = "tls-port" [] integer(Int, 0, 65535, 0);
    tls_session_cache_size: u32 = "tls-session-cache-size" [] integer(Int, 0, INT_MAX, 20 * 1024);
    tls_session_cache_timeout: u32 = "tls-session-cache-timeout" [] integer(Int, 0, INT_MAX, 300);
    tls_cluster: bool = "tls-cluster" [] boolean(false);
    tls_replication: bool = "tls-replication" [] boolean(false);
    tls_auth_clients: TlsAuthClients = "tls-auth-clients" [] enumeration(TlsAuthClients::Yes);
    tls_prefer_server_ciphers: bool = "tls-prefer-server-ciphers" [] boolean(false);
    tls_session_caching: bool = "tls-session-caching" [] boolean(true);
    tls_cert_file: Option<String> = "tls-cert-file" [] optional_string();
    tls_key_file: Option<String> = "tls-key-file" [] optional_string();
    tls_key_file_pass: Option<String> = "tls-key-file-pass" [] optional_string();
    tls_client_cert_file: Option<String> = "tls-client-cert-file" [] optional_string();
    tls_client_key_file: Option<String> = "tls-client-key-file" [] optional_string();
    tls_client_key_file_pass: Option<String> = "tls-client-key-file-pass" [] optional_string();
    tls_dh_params_file: Option<String> = "tls-dh-params-file" [] optional_string();
    tls_ca_cert_file: Option<String> = "tls-ca-cert-file" [] optional_string();
    tls_ca_cert_dir: Option<String> = "tls-ca-cert-dir" [] optional_string();
    tls_protocols: Option<String> = "tls-protocols" [] optional_string();
    tls_ciphers: Option<String> = "tls-ciphers" [] optional_string();
    tls_ciphersuites: Option<String> = "tls-ciphersuites" [] optional_string();

    // Hand-parsed directives.
    dir: String = "dir" [PROTECTED DENY_LOADING] DirSpec;
    save: Vec<(i64, i32)> = "save" [] SaveSpec;
    client_output_buffer_limit: ClientOutputBufferLimits = "client-output-buffer-limit" []
        ClientOutputBufferLimitSpec;
    oom_score_adj_values: [i32; 3] = "oom-score-adj-values" [] OomScoreAdjValuesSpec;
    notify_keyspace_events: KeyspaceEvents = "notify-keyspace-events" [] NotifyKeyspaceEventsSpec;
    bind: Vec<String> = "bind" [] BindSpec;
    replicaof: Option<ReplicaOf> = "replicaof" / "slaveof" [IMMUTABLE] ReplicaOfSpec;
    latency_tracking_info_percentiles: Vec<f64> = "latency-tracking-info-percentiles" [] LatencyPercentilesSpec;

    // Tessera extensions (not in Redis; hidden so that `CONFIG GET *` lists what Redis
    // lists): self-assembly of a new cluster (docs/configuration.md).
    cluster_bootstrap_peers: Option<String> = "cluster-bootstrap-peers" [IMMUTABLE HIDDEN] optional_string();
    cluster_bootstrap_masters: u32 = "cluster-bootstrap-masters" [IMMUTABLE HIDDEN] integer(Int, 0, 16384, 0);
    cluster_bootstrap_replicas_per_master: u32 = "cluster-bootstrap-replicas-per-master" [IMMUTABLE HIDDEN]
        integer(Int, 0, INT_MAX, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lowercase() {
        let mut names: Vec<&str> = DIRECTIVES.iter().flat_map(Directive::names).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        assert!(
            names
                .iter()
                .all(|name| name.bytes().all(|b| !b.is_ascii_uppercase()))
        );
    }

    /// Redis 7.0.15's `CONFIG GET *` lists 192 names (aliases included, hidden ones not).
    #[test]
    fn the_table_has_redis_7_0_15s_directives() {
        let visible = DIRECTIVES
            .iter()
            .filter(|directive| !directive.flags.contains(Flags::HIDDEN))
            .flat_map(Directive::names)
            .count();
        assert_eq!(visible, 192);
        let hidden: Vec<&str> = DIRECTIVES
            .iter()
            .filter(|directive| directive.flags.contains(Flags::HIDDEN))
            .map(|directive| directive.name)
            .collect();
        assert_eq!(
            hidden,
            [
                "use-exit-on-panic",
                "rdb-key-save-delay",
                "key-load-delay",
                "watchdog-period",
                "loading-process-events-interval-bytes",
                "cluster-bootstrap-peers",
                "cluster-bootstrap-masters",
                "cluster-bootstrap-replicas-per-master"
            ]
        );
    }

    #[test]
    fn lookup_ignores_case_and_knows_aliases() {
        let (directive, matched) = find(b"SLAVEOF").expect("slaveof is an alias");
        assert_eq!((directive.name, matched), ("replicaof", "slaveof"));
        assert_eq!(
            lookup(b"Lua-Time-Limit").map(|info| info.name),
            Some("busy-reply-threshold")
        );
        assert_eq!(lookup(b"include"), None);
        assert_eq!(lookup(b"no-such-thing"), None);
    }

    #[test]
    fn directive_info_describes_types_defaults_and_settability() {
        let all: Vec<DirectiveInfo> = directives().collect();
        let info = |name: &str| all.iter().find(|info| info.name == name).cloned();
        let port = info("port").expect("port");
        assert_eq!(port.kind, ValueKind::Integer { min: 0, max: 65535 });
        assert_eq!(port.default, "6379");
        assert!(port.modifiable());
        let daemonize = info("daemonize").expect("daemonize");
        assert!(!daemonize.modifiable());
        assert_eq!(daemonize.default, "no");
        assert_eq!(info("maxmemory").map(|i| i.default), Some("0".to_owned()));
        assert_eq!(
            info("save").map(|i| i.default),
            Some("3600 1 300 100 60 10000".to_owned())
        );
        assert_eq!(info("bind").map(|i| i.default), Some("* -::*".to_owned()));
        assert_eq!(info("dir").map(|i| i.default), Some("./".to_owned()));
        let include = info("include").expect("include");
        assert!(include.flags.contains(Flags::FILE_ONLY) && !include.modifiable());
        assert!(info("requirepass").is_some_and(|i| i.flags.contains(Flags::SENSITIVE)));
        assert!(
            matches!(info("loglevel").map(|i| i.kind), Some(ValueKind::Enum { names, combinable: false })
                if names == ["debug", "verbose", "notice", "warning"])
        );
    }

    /// Every numeric field's Rust type can hold its whole range, so the C-style casts in
    /// `NumericValue` never truncate an accepted value.
    #[test]
    fn numeric_bounds_fit_their_fields() {
        let mut config = Config::default();
        for directive in DIRECTIVES {
            let (min, max) = match directive.access.kind() {
                ValueKind::Integer { min, max }
                | ValueKind::Memory { min, max }
                | ValueKind::Octal { min, max } => (min, max),
                _ => continue,
            };
            let octal = matches!(directive.access.kind(), ValueKind::Octal { .. });
            for bound in [min, max] {
                let text = if octal {
                    format!("{bound:o}")
                } else {
                    bound.to_string()
                };
                let mut mode = crate::spec::ParseMode::default();
                directive
                    .access
                    .set(&mut config, std::slice::from_ref(&text), &mut mode)
                    .unwrap_or_else(|refusal| panic!("{} {text}: {refusal}", directive.name));
                let shown = directive.access.render(&config);
                let expected = if directive.name == "hz" {
                    bound.clamp(1, 500).to_string()
                } else {
                    text
                };
                assert_eq!(shown, expected, "{}", directive.name);
            }
        }
    }
}
