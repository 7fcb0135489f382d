//! The typed values of directives that are not plain numbers, booleans or strings: the
//! enumerations (with Redis's value names, in Redis's order) and the structured values of
//! the hand-written directives (`client-output-buffer-limit`, `notify-keyspace-events`,
//! `replicaof`, `shutdown-on-sig*`, `maxmemory-clients`). Parsing and rendering of these
//! live with their directive specs; this module only defines the shapes the server reads.

/// An enumeration directive's value type: Redis's names for its values.
pub trait ConfigEnum: Copy + PartialEq + Send + Sync + std::fmt::Debug + 'static {
    /// Every accepted name with its value, in Redis's order. A value may have several
    /// names (`oom-score-adj yes` and `relative` are the same); the first one is the name
    /// Redis shows.
    const NAMES: &'static [(&'static str, Self)];

    /// The name Redis shows for this value.
    fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, value)| *value == self)
            .map_or("unknown", |(name, _)| name)
    }

    /// The value with this name, compared without regard to case as Redis does.
    fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }
}

macro_rules! config_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => [$($text:literal),+] ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant ),+
        }

        impl ConfigEnum for $name {
            const NAMES: &'static [(&'static str, Self)] =
                &[ $( $( ($text, $name::$variant) ),+ ),+ ];
        }
    };
}

config_enum! {
    /// `loglevel`.
    pub enum LogLevel {
        /// Everything.
        Debug => ["debug"],
        /// Much, but not the noisiest.
        Verbose => ["verbose"],
        /// What production wants (the default).
        Notice => ["notice"],
        /// Only very important messages.
        Warning => ["warning"],
    }
}

config_enum! {
    /// `maxmemory-policy`: what to evict when `maxmemory` is reached.
    pub enum MaxmemoryPolicy {
        /// Approximated LRU among keys with an expire.
        VolatileLru => ["volatile-lru"],
        /// Approximated LFU among keys with an expire.
        VolatileLfu => ["volatile-lfu"],
        /// A random key with an expire.
        VolatileRandom => ["volatile-random"],
        /// The key with the nearest expire time.
        VolatileTtl => ["volatile-ttl"],
        /// Approximated LRU among all keys.
        AllkeysLru => ["allkeys-lru"],
        /// Approximated LFU among all keys.
        AllkeysLfu => ["allkeys-lfu"],
        /// A random key.
        AllkeysRandom => ["allkeys-random"],
        /// Evict nothing; refuse writes (the default).
        Noeviction => ["noeviction"],
    }
}

config_enum! {
    /// `syslog-facility`.
    pub enum SyslogFacility {
        /// LOG_USER.
        User => ["user"],
        /// LOG_LOCAL0 (the default).
        Local0 => ["local0"],
        /// LOG_LOCAL1.
        Local1 => ["local1"],
        /// LOG_LOCAL2.
        Local2 => ["local2"],
        /// LOG_LOCAL3.
        Local3 => ["local3"],
        /// LOG_LOCAL4.
        Local4 => ["local4"],
        /// LOG_LOCAL5.
        Local5 => ["local5"],
        /// LOG_LOCAL6.
        Local6 => ["local6"],
        /// LOG_LOCAL7.
        Local7 => ["local7"],
    }
}

config_enum! {
    /// `supervised`: how to signal readiness to a supervisor.
    pub enum SupervisedMode {
        /// Raise SIGSTOP once ready.
        Upstart => ["upstart"],
        /// Write READY=1 to $NOTIFY_SOCKET.
        Systemd => ["systemd"],
        /// Detect from UPSTART_JOB / NOTIFY_SOCKET.
        Auto => ["auto"],
        /// No supervision (the default).
        No => ["no"],
    }
}

config_enum! {
    /// `appendfsync`: when the AOF is fsynced.
    pub enum AppendFsync {
        /// Once per second (the default).
        Everysec => ["everysec"],
        /// After every write.
        Always => ["always"],
        /// Never; leave it to the OS.
        No => ["no"],
    }
}

config_enum! {
    /// `repl-diskless-load`: how a replica loads the RDB it receives.
    pub enum ReplDisklessLoad {
        /// Through a file on disk (the default).
        Disabled => ["disabled"],
        /// From the socket, only when the dataset is empty.
        OnEmptyDb => ["on-empty-db"],
        /// From the socket, keeping a copy of the old dataset.
        Swapdb => ["swapdb"],
    }
}

config_enum! {
    /// `tls-auth-clients`.
    pub enum TlsAuthClients {
        /// Client certificates are neither required nor accepted.
        No => ["no"],
        /// Client certificates are required (the default).
        Yes => ["yes"],
        /// Client certificates are accepted and verified when present.
        Optional => ["optional"],
    }
}

config_enum! {
    /// `oom-score-adj`.
    pub enum OomScoreAdj {
        /// Leave oom_score_adj alone (the default).
        No => ["no"],
        /// Values are relative to the initial oom_score_adj (`yes` is a synonym).
        Relative => ["yes", "relative"],
        /// Values are written as they are.
        Absolute => ["absolute"],
    }
}

config_enum! {
    /// `acl-pubsub-default`: the channel permissions of new ACL users.
    pub enum AclPubsubDefault {
        /// New users may use every channel.
        AllChannels => ["allchannels"],
        /// New users may use no channel (the default).
        ResetChannels => ["resetchannels"],
    }
}

config_enum! {
    /// `sanitize-dump-payload`: deep validation of RESTORE payloads and RDB files.
    pub enum SanitizeDumpPayload {
        /// Never (the default).
        No => ["no"],
        /// Always.
        Yes => ["yes"],
        /// For normal clients only, not for the master or replication streams.
        Clients => ["clients"],
    }
}

config_enum! {
    /// `enable-protected-configs`, `enable-debug-command`, `enable-module-command`.
    pub enum ProtectedAction {
        /// Refused to everyone (the default).
        No => ["no"],
        /// Allowed to everyone.
        Yes => ["yes"],
        /// Allowed to clients connected from the local host.
        Local => ["local"],
    }
}

config_enum! {
    /// `cluster-preferred-endpoint-type`: what MOVED/ASK and CLUSTER SLOTS advertise.
    pub enum ClusterPreferredEndpointType {
        /// The node's IP address (the default).
        Ip => ["ip"],
        /// The node's announced hostname.
        Hostname => ["hostname"],
        /// `?`, telling clients to reuse the address they connected to.
        UnknownEndpoint => ["unknown-endpoint"],
    }
}

config_enum! {
    /// `propagation-error-behavior`: what a replica or AOF loader does when a replicated
    /// command fails.
    pub enum PropagationErrorBehavior {
        /// Log and go on (the default).
        Ignore => ["ignore"],
        /// Panic.
        Panic => ["panic"],
        /// Panic on replicas only.
        PanicOnReplicas => ["panic-on-replicas"],
    }
}

/// `shutdown-on-sigint` / `shutdown-on-sigterm`: SHUTDOWN flags applied when the signal
/// arrives. Several names may be combined (`save now`); `default` is the empty set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ShutdownOnSignal(u8);

impl ShutdownOnSignal {
    /// Redis's names and bits, in Redis's order.
    pub(crate) const NAMES: &'static [(&'static str, u8)] = &[
        ("default", 0),
        ("save", 1),
        ("nosave", 2),
        ("now", 4),
        ("force", 8),
    ];

    pub(crate) const fn from_bits(bits: u8) -> Self {
        ShutdownOnSignal(bits)
    }

    pub(crate) const fn bits(self) -> u8 {
        self.0
    }

    /// Save an RDB even without save points.
    pub fn save(self) -> bool {
        self.0 & 1 != 0
    }

    /// Don't save even with save points.
    pub fn nosave(self) -> bool {
        self.0 & 2 != 0
    }

    /// Don't wait for lagging replicas.
    pub fn now(self) -> bool {
        self.0 & 4 != 0
    }

    /// Ignore errors saving, shut down anyway.
    pub fn force(self) -> bool {
        self.0 & 8 != 0
    }
}

/// `notify-keyspace-events`: which keyspace notifications are published, as the class
/// bits Redis uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyspaceEvents(u32);

impl KeyspaceEvents {
    /// `K`: publish on `__keyspace@<db>__:<key>`.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: publish on `__keyevent@<db>__:<event>`.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: expirations.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: evictions.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key misses.
    pub const KEY_MISS: u32 = 1 << 11;
    /// `d`: module key types.
    pub const MODULE: u32 = 1 << 13;
    /// `n`: new keys.
    pub const NEW: u32 = 1 << 14;
    /// `A`: alias for `g$lshzxetd`.
    pub const ALL: u32 = Self::GENERIC
        | Self::STRING
        | Self::LIST
        | Self::SET
        | Self::HASH
        | Self::ZSET
        | Self::EXPIRED
        | Self::EVICTED
        | Self::STREAM
        | Self::MODULE;

    pub(crate) const fn from_bits(bits: u32) -> Self {
        KeyspaceEvents(bits)
    }

    /// The class bits.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `class` is enabled.
    pub fn contains(self, class: u32) -> bool {
        self.0 & class == class
    }
}

/// One client class's output buffer limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OutputBufferLimit {
    /// Disconnect as soon as the output buffer exceeds this (0 = no limit).
    pub hard_limit_bytes: u64,
    /// Disconnect when the buffer stays above this ...
    pub soft_limit_bytes: u64,
    /// ... for this many seconds.
    pub soft_limit_seconds: i64,
}

/// `client-output-buffer-limit`: limits per client class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientOutputBufferLimits {
    /// Normal clients (default: no limit).
    pub normal: OutputBufferLimit,
    /// Replicas (default: 256mb hard, 64mb for 60 seconds soft).
    pub replica: OutputBufferLimit,
    /// Pub/sub subscribers (default: 32mb hard, 8mb for 60 seconds soft).
    pub pubsub: OutputBufferLimit,
}

impl Default for ClientOutputBufferLimits {
    fn default() -> Self {
        ClientOutputBufferLimits {
            normal: OutputBufferLimit {
                hard_limit_bytes: 0,
                soft_limit_bytes: 0,
                soft_limit_seconds: 0,
            },
            replica: OutputBufferLimit {
                hard_limit_bytes: 256 * 1024 * 1024,
                soft_limit_bytes: 64 * 1024 * 1024,
                soft_limit_seconds: 60,
            },
            pubsub: OutputBufferLimit {
                hard_limit_bytes: 32 * 1024 * 1024,
                soft_limit_bytes: 8 * 1024 * 1024,
                soft_limit_seconds: 60,
            },
        }
    }
}

/// `replicaof <host> <port>`: the master this server replicates.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReplicaOf {
    /// The master's host, as written.
    pub host: String,
    /// The master's port.
    pub port: u16,
}

/// `maxmemory-clients`: the memory all clients together may use, as bytes or as a
/// percentage of `maxmemory`. `0` (no limit) is `Bytes(0)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaxmemoryClients {
    /// An absolute number of bytes.
    Bytes(u64),
    /// A percentage (1..=100) of `maxmemory`.
    Percent(u8),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_are_case_insensitive_and_first_name_wins() {
        assert_eq!(LogLevel::from_name("WARNING"), Some(LogLevel::Warning));
        assert_eq!(LogLevel::from_name("loud"), None);
        assert_eq!(
            OomScoreAdj::from_name("relative"),
            Some(OomScoreAdj::Relative)
        );
        assert_eq!(OomScoreAdj::Relative.name(), "yes");
        assert_eq!(MaxmemoryPolicy::AllkeysLfu.name(), "allkeys-lfu");
    }

    #[test]
    fn keyspace_all_excludes_misses_and_new_keys() {
        let all = KeyspaceEvents::from_bits(KeyspaceEvents::ALL);
        assert!(all.contains(KeyspaceEvents::EXPIRED | KeyspaceEvents::STREAM));
        assert!(!all.contains(KeyspaceEvents::KEY_MISS));
        assert!(!all.contains(KeyspaceEvents::NEW));
    }

    #[test]
    fn shutdown_flags_read_their_bits() {
        let flags = ShutdownOnSignal::from_bits(1 | 4);
        assert!(flags.save() && flags.now());
        assert!(!flags.nosave() && !flags.force());
    }
}
