//! The settings the state machine reads: Redis's `cluster-*` directives that matter to gossip.
//! Parsing them from redis.conf is the `config`/`node` crates' business.

/// Settings of one node's cluster bus logic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GossipConfig {
    /// `cluster-node-timeout` in milliseconds (Redis's default is 15000).
    pub node_timeout: u64,
    /// `cluster-require-full-coverage`: an unassigned slot makes the cluster state fail.
    pub require_full_coverage: bool,
    /// `cluster-allow-replica-migration`: a primary that lost its last slot to another node
    /// becomes that node's replica.
    pub allow_replica_migration: bool,
    /// `cluster-replica-no-failover`: this node carries the `nofailover` flag.
    pub replica_no_failover: bool,
    /// `cluster-announce-ip`: the IP other nodes must use; `None` lets them use the address
    /// they see (and this node learns its own IP from the MEET it receives).
    pub announce_ip: Option<String>,
    /// The client port other nodes see (`cluster-announce-port` or `port`).
    pub port: u16,
    /// The bus port other nodes see (`cluster-announce-bus-port`, `cluster-port` or port+10000).
    pub cport: u16,
    /// The TLS client port other nodes see (0: none).
    pub tls_port: u16,
    /// `cluster-announce-hostname` (empty: none).
    pub hostname: String,
}

impl GossipConfig {
    /// Redis's defaults for a node listening on `port` (bus port `port + 10000`).
    pub fn with_port(port: u16) -> GossipConfig {
        GossipConfig {
            node_timeout: 15_000,
            require_full_coverage: true,
            allow_replica_migration: true,
            replica_no_failover: false,
            announce_ip: None,
            port,
            cport: port.wrapping_add(10_000),
            tls_port: 0,
            hostname: String::new(),
        }
    }
}
