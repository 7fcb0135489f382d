//! This node's cluster state in single-node form: its id, epochs, the slot -> owner table,
//! nodes.conf (Redis's format, written atomically, locked against a second process) and the
//! routing decision for keyed commands (CROSSSLOT / CLUSTERDOWN / MOVED).
//!
//! Gossip with other nodes is not here yet: the node table holds only this node.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use config::ConfigEnum;
use parking_lot::RwLock;
use slot_map::{SLOT_COUNT, Slot, SlotTable, key_slot};
use store::CmdError;

use crate::commands::table::{Command, flag};
use crate::server::{random_hex40, unix_ms};

/// Index of a node in [`ClusterState::nodes`].
pub type NodeIndex = u16;

/// What is known about one node.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    pub id: String,
    pub ip: String,
    pub port: u16,
    pub cport: u16,
    pub hostname: String,
    pub config_epoch: u64,
}

/// Settings from the configuration that routing and rendering read.
#[derive(Clone, Debug)]
pub struct ClusterSettings {
    pub require_full_coverage: bool,
    pub allow_reads_when_down: bool,
    pub preferred_endpoint: String,
}

pub struct ClusterState {
    pub nodes: Vec<NodeInfo>,
    /// Index of this node in `nodes`.
    pub myself: NodeIndex,
    pub slots: SlotTable<NodeIndex>,
    pub current_epoch: u64,
    pub last_vote_epoch: u64,
    pub settings: ClusterSettings,
}

impl ClusterState {
    pub fn me(&self) -> &NodeInfo {
        &self.nodes[self.myself as usize]
    }

    pub fn me_mut(&mut self) -> &mut NodeInfo {
        &mut self.nodes[self.myself as usize]
    }

    /// `cluster_state:ok`? (every slot served, unless full coverage is not required)
    pub fn is_ok(&self) -> bool {
        !self.settings.require_full_coverage || self.slots.assigned_count() == SLOT_COUNT
    }

    /// The address clients are sent to for `node` (Redis `getPreferredEndpoint`).
    pub fn endpoint(&self, node: &NodeInfo) -> String {
        match self.settings.preferred_endpoint.as_str() {
            "hostname" if node.hostname.is_empty() => "?".to_string(),
            "hostname" => node.hostname.clone(),
            "unknown-endpoint" => String::new(),
            _ => node.ip.clone(),
        }
    }

    /// One CLUSTER NODES / nodes.conf line, ending in `\n`.
    pub fn node_line(&self, index: NodeIndex, now_ms: i64) -> String {
        let n = &self.nodes[index as usize];
        let mut line = format!("{} {}:{}@{}", n.id, n.ip, n.port, n.cport);
        if !n.hostname.is_empty() {
            line.push(',');
            line.push_str(&n.hostname);
        }
        let flags = if index == self.myself {
            "myself,master"
        } else {
            "master"
        };
        let pong = if index == self.myself {
            now_ms / 1000 * 1000
        } else {
            0
        };
        line.push_str(&format!(" {flags} - 0 {pong} {} connected", n.config_epoch));
        for range in self.slots.slots_of(&index).ranges() {
            line.push(' ');
            line.push_str(&range.to_string());
        }
        line.push('\n');
        line
    }

    /// The whole CLUSTER NODES text.
    pub fn nodes_text(&self, now_ms: i64) -> String {
        (0..self.nodes.len() as NodeIndex)
            .map(|i| self.node_line(i, now_ms))
            .collect()
    }

    /// nodes.conf contents: the node lines and the epochs.
    pub fn config_text(&self, now_ms: i64) -> String {
        let mut s = self.nodes_text(now_ms);
        s.push_str(&format!(
            "vars currentEpoch {} lastVoteEpoch {}\n",
            self.current_epoch, self.last_vote_epoch
        ));
        s
    }
}

pub struct Cluster {
    pub state: RwLock<ClusterState>,
    path: PathBuf,
    /// Held for the process lifetime: the advisory lock on `<nodes.conf>.lock`.
    _lock: File,
}

impl Cluster {
    /// Loads nodes.conf (or creates a new identity) and locks it against other processes.
    pub fn load(cfg: &config::Config) -> anyhow::Result<Cluster> {
        let path = PathBuf::from(&cfg.cluster_config_file);
        let lock = lock_config(&path)?;
        let port = cfg.port;
        let cport = if cfg.cluster_port > 0 {
            cfg.cluster_port
        } else {
            port.wrapping_add(10000)
        };
        let settings = settings_from(cfg);
        let mut state = match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => parse_config(&text, &path, settings)?,
            Ok(_) => new_state(port, cport, settings),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_state(port, cport, settings),
            Err(e) => anyhow::bail!(
                "Unable to read the cluster config file {}: {e}",
                path.display()
            ),
        };
        // The configuration decides the announced address, as Redis does at startup.
        {
            let me = state.me_mut();
            me.port = if cfg.cluster_announce_port > 0 {
                cfg.cluster_announce_port
            } else {
                port
            };
            me.cport = if cfg.cluster_announce_bus_port > 0 {
                cfg.cluster_announce_bus_port
            } else {
                cport
            };
            if let Some(ip) = cfg.cluster_announce_ip.as_ref().filter(|s| !s.is_empty()) {
                me.ip = ip.clone();
            }
            me.hostname = cfg.cluster_announce_hostname.clone().unwrap_or_default();
        }
        let cluster = Cluster {
            state: RwLock::new(state),
            path,
            _lock: lock,
        };
        cluster.save()?;
        Ok(cluster)
    }

    /// Applies changed configuration (CONFIG SET).
    pub fn reconfigure(&self, cfg: &config::Config) {
        let mut st = self.state.write();
        st.settings = settings_from(cfg);
        let me = st.me_mut();
        me.hostname = cfg.cluster_announce_hostname.clone().unwrap_or_default();
        if let Some(ip) = cfg.cluster_announce_ip.as_ref().filter(|s| !s.is_empty()) {
            me.ip = ip.clone();
        }
    }

    pub fn my_id(&self) -> String {
        self.state.read().me().id.clone()
    }

    /// Writes nodes.conf: temporary file, fsync, rename, fsync of the directory.
    pub fn save(&self) -> anyhow::Result<()> {
        let text = self.state.read().config_text(unix_ms());
        write_atomically(&self.path, text.as_bytes())
    }

    /// Routes a keyed command (Redis 7.0 `getNodeByQuery` for a node without open slots).
    pub fn route(
        &self,
        cmd: &Command,
        args: &[Bytes],
        key_indices: &[usize],
    ) -> Result<(), CmdError> {
        let st = self.state.read();
        // Redis `getNodeByQuery`: the first key's slot must be served (CLUSTERDOWN otherwise),
        // then every other key must share it (CROSSSLOT otherwise).
        let mut first: Option<Slot> = None;
        for &i in key_indices {
            let s = key_slot(&args[i]);
            match first {
                None => {
                    if st.slots.get(s).is_none() {
                        return Err(CmdError::Raw("CLUSTERDOWN Hash slot not served".into()));
                    }
                    first = Some(s);
                }
                Some(prev) if prev != s => {
                    return Err(CmdError::Raw(
                        "CROSSSLOT Keys in request don't hash to the same slot".into(),
                    ));
                }
                Some(_) => {}
            }
        }
        let Some(slot) = first else { return Ok(()) };
        let Some(owner) = st.slots.get(slot) else {
            return Err(CmdError::Raw("CLUSTERDOWN Hash slot not served".into()));
        };
        if !st.is_ok() {
            if !st.settings.allow_reads_when_down {
                return Err(CmdError::Raw("CLUSTERDOWN The cluster is down".into()));
            }
            if cmd.has_flag(flag::WRITE) {
                return Err(CmdError::Raw(
                    "CLUSTERDOWN The cluster is down and only accepts read commands".into(),
                ));
            }
        }
        if owner != st.myself {
            let node = &st.nodes[owner as usize];
            return Err(CmdError::Raw(format!(
                "MOVED {slot} {}:{}",
                st.endpoint(node),
                node.port
            )));
        }
        Ok(())
    }
}

fn settings_from(cfg: &config::Config) -> ClusterSettings {
    ClusterSettings {
        require_full_coverage: cfg.cluster_require_full_coverage,
        allow_reads_when_down: cfg.cluster_allow_reads_when_down,
        preferred_endpoint: cfg.cluster_preferred_endpoint_type.name().to_string(),
    }
}

fn new_state(port: u16, cport: u16, settings: ClusterSettings) -> ClusterState {
    let id = random_hex40();
    tracing::info!("No cluster configuration found, I'm {id}");
    ClusterState {
        nodes: vec![NodeInfo {
            id,
            ip: String::new(),
            port,
            cport,
            hostname: String::new(),
            config_epoch: 0,
        }],
        myself: 0,
        slots: SlotTable::new(),
        current_epoch: 0,
        last_vote_epoch: 0,
        settings,
    }
}

/// Parses nodes.conf (our own writes: one `myself` line plus the vars line).
fn parse_config(
    text: &str,
    path: &Path,
    settings: ClusterSettings,
) -> anyhow::Result<ClusterState> {
    let bad = |line: usize, why: &str| {
        anyhow::anyhow!(
            "Unrecoverable error: corrupted cluster config file \"{}\" at line {line}: {why}",
            path.display()
        )
    };
    let mut state: Option<ClusterState> = None;
    let mut epochs = (0u64, 0u64);
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        let fields: Vec<&str> = line.split(' ').filter(|f| !f.is_empty()).collect();
        if fields.is_empty() {
            continue;
        }
        if fields[0] == "vars" {
            for pair in fields[1..].chunks(2) {
                let [name, value] = pair else {
                    return Err(bad(n, "odd number of vars"));
                };
                let v: u64 = value.parse().map_err(|_| bad(n, "bad epoch"))?;
                match *name {
                    "currentEpoch" => epochs.0 = v,
                    "lastVoteEpoch" => epochs.1 = v,
                    _ => {}
                }
            }
            continue;
        }
        if fields.len() < 8 {
            return Err(bad(n, "too few fields"));
        }
        if !fields[2].split(',').any(|f| f == "myself") {
            // Other nodes are learned again through gossip.
            continue;
        }
        let id = fields[0];
        if id.len() != 40 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(n, "bad node id"));
        }
        let addr = fields[1];
        let (addr, hostname) = match addr.split_once(',') {
            Some((a, rest)) => (a, rest.split(',').next().unwrap_or("")),
            None => (addr, ""),
        };
        let (hostport, cport) = addr.rsplit_once('@').ok_or_else(|| bad(n, "bad address"))?;
        let (ip, port) = hostport
            .rsplit_once(':')
            .ok_or_else(|| bad(n, "bad address"))?;
        let port: u16 = port.parse().map_err(|_| bad(n, "bad port"))?;
        let cport: u16 = cport.parse().map_err(|_| bad(n, "bad bus port"))?;
        let config_epoch: u64 = fields[6].parse().map_err(|_| bad(n, "bad config epoch"))?;
        let mut slots = SlotTable::new();
        for token in &fields[8..] {
            if token.starts_with('[') {
                continue;
            }
            let (a, b) = token.split_once('-').unwrap_or((token, token));
            let a: Slot = a.parse().map_err(|_| bad(n, "bad slot"))?;
            let b: Slot = b.parse().map_err(|_| bad(n, "bad slot"))?;
            if a > b || usize::from(b) >= SLOT_COUNT {
                return Err(bad(n, "bad slot range"));
            }
            for s in a..=b {
                slots.set(s, Some(0));
            }
        }
        state = Some(ClusterState {
            nodes: vec![NodeInfo {
                id: id.to_string(),
                ip: ip.to_string(),
                port,
                cport,
                hostname: hostname.to_string(),
                config_epoch,
            }],
            myself: 0,
            slots,
            current_epoch: 0,
            last_vote_epoch: 0,
            settings: settings.clone(),
        });
    }
    let mut state = state.ok_or_else(|| bad(0, "no myself line"))?;
    state.current_epoch = epochs.0.max(state.me().config_epoch);
    state.last_vote_epoch = epochs.1;
    tracing::info!("Node configuration loaded, I'm {}", state.me().id);
    Ok(state)
}

fn lock_config(path: &Path) -> anyhow::Result<File> {
    let lock_path = {
        let mut p = path.as_os_str().to_owned();
        p.push(".lock");
        PathBuf::from(p)
    };
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            anyhow::anyhow!(
                "Can't open {} in order to acquire a lock: {e}",
                lock_path.display()
            )
        })?;
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor we own; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        anyhow::bail!(
            "Sorry, the cluster configuration file {} is already used by a different Redis Cluster node. Please make sure that different nodes use different cluster configuration files.",
            path.display()
        );
    }
    Ok(file)
}

/// Writes `data` to `path` through a temporary file, fsync and rename, then fsyncs the
/// directory so the rename itself is durable.
pub fn write_atomically(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("nodes.conf"),
        std::process::id()
    ));
    let mut f = File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()?;
    Ok(())
}
