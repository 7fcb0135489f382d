//! CLUSTER subcommands, ASKING, READONLY and READWRITE, with Redis 7.0's reply shapes and
//! error texts (`../shared/compat/redis-cli-and-clients.md` §2).

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use gossip::{BumpOutcome, ClusterNode, MessageType};
use slot_map::{SLOT_COUNT, Slot, SlotRange, parse_slot};
use store::{CmdError, CmdResult, Reply};

use crate::cluster::{Cluster, Endpoint, Inner, Settings};
use crate::session::CallCtx;
use store::cmd::{int_arg, is};

fn cluster<'a>(ctx: &CallCtx<'a>) -> Result<&'a Arc<Cluster>, CmdError> {
    ctx.server
        .cluster
        .as_ref()
        .ok_or_else(|| CmdError::err("This instance has cluster support disabled"))
}

/// ASKING: accepted, with nothing to do until slots can be migrating or importing (the
/// one-shot flag it sets in Redis only matters for an importing slot).
pub fn asking(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    cluster(ctx)?;
    Ok(ctx.reply.ok())
}

pub fn readonly(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    cluster(ctx)?;
    ctx.session
        .handle
        .readonly
        .store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(ctx.reply.ok())
}

pub fn readwrite(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    cluster(ctx)?;
    ctx.session
        .handle
        .readonly
        .store(false, std::sync::atomic::Ordering::Relaxed);
    Ok(ctx.reply.ok())
}

pub fn keyslot(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    cluster(ctx)?;
    Ok(ctx.reply.int(slot_map::key_slot(&args[2]).into()))
}

/// A slot argument of COUNTKEYSINSLOT/GETKEYSINSLOT (integer first, then range).
fn slot_arg(arg: &[u8], range_error: &str) -> Result<Slot, CmdError> {
    let v = int_arg(arg)?;
    if !(0..SLOT_COUNT as i64).contains(&v) {
        return Err(CmdError::err(range_error));
    }
    Ok(v as Slot)
}

pub fn countkeysinslot(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    cluster(ctx)?;
    let slot = slot_arg(&args[2], "Invalid slot")?;
    Ok(ctx.reply.int(ctx.session.db.slot_len(slot) as i64))
}

pub fn getkeysinslot(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    cluster(ctx)?;
    let slot = int_arg(&args[2])?;
    let max = int_arg(&args[3])?;
    if !(0..SLOT_COUNT as i64).contains(&slot) || max < 0 {
        return Err(CmdError::err("Invalid slot or number of keys"));
    }
    let guard = ctx.session.db.lock_slot(slot as Slot);
    let keys: Vec<Vec<u8>> = guard
        .table()
        .iter()
        .take(max as usize)
        .map(|e| e.key().to_vec())
        .collect();
    drop(guard);
    Ok(ctx.reply.bulk_array(keys.iter().map(Vec::as_slice)))
}

pub fn myid(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let id = cluster(ctx)?.my_id();
    Ok(ctx.reply.bulk(id.as_bytes()))
}

/// CLUSTER MYSHARDID (Redis 7.2): this node's shard id.
pub fn myshardid(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let inner = cluster(ctx)?.read();
    let me = inner.state.myself();
    let shard = me.shard_id.unwrap_or(me.id);
    Ok(ctx.reply.bulk(shard.as_bytes()))
}

pub fn info(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let text = info_text(cluster(ctx)?);
    Ok(ctx.reply.verbatim(text.as_bytes()))
}

/// CLUSTER INFO text, Redis 7.0's fields in Redis's order (per-type message counters only
/// when non-zero), then Tessera's bus counters when non-zero (docs/compatibility.md).
pub fn info_text(cluster: &Cluster) -> String {
    let inner = cluster.read();
    let st = &inner.state;
    let slots = st.slot_stats();
    let mut out = String::new();
    let _ = write!(
        out,
        "cluster_state:{}\r\ncluster_slots_assigned:{}\r\ncluster_slots_ok:{}\r\ncluster_slots_pfail:{}\r\ncluster_slots_fail:{}\r\ncluster_known_nodes:{}\r\ncluster_size:{}\r\ncluster_current_epoch:{}\r\ncluster_my_epoch:{}\r\n",
        if st.is_ok() { "ok" } else { "fail" },
        slots.assigned,
        slots.ok,
        slots.pfail,
        slots.fail,
        st.known_nodes(),
        st.size(),
        st.current_epoch(),
        st.my_epoch(),
    );
    drop(inner);
    let stats = &cluster.stats;
    for (direction, count) in [
        ("sent", &(|t| stats.sent(t)) as &dyn Fn(MessageType) -> u64),
        ("received", &|t| stats.received(t)),
    ] {
        let mut total = 0;
        for kind in MessageType::ALL {
            let n = count(kind);
            if n > 0 {
                let _ = write!(
                    out,
                    "cluster_stats_messages_{}_{direction}:{n}\r\n",
                    kind.stats_name()
                );
            }
            total += n;
        }
        let _ = write!(out, "cluster_stats_messages_{direction}:{total}\r\n");
    }
    use std::sync::atomic::Ordering::Relaxed;
    let _ = write!(
        out,
        "total_cluster_links_buffer_limit_exceeded:{}\r\n",
        stats.links_buffer_limit_exceeded.load(Relaxed)
    );
    for (name, value) in [
        (
            "tessera_cluster_bus_bytes_sent",
            stats.bytes_sent.load(Relaxed),
        ),
        (
            "tessera_cluster_bus_bytes_received",
            stats.bytes_received.load(Relaxed),
        ),
        (
            "tessera_cluster_bus_frames_rejected",
            stats.rejected_frames.load(Relaxed),
        ),
    ] {
        if value > 0 {
            let _ = write!(out, "{name}:{value}\r\n");
        }
    }
    out
}

pub fn nodes(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let text = cluster(ctx)?.read().state.nodes_text();
    Ok(ctx.reply.verbatim(text.as_bytes()))
}

/// CLUSTER REPLICAS / SLAVES: the CLUSTER NODES lines of a primary's replicas.
pub fn replicas(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let inner = cluster(ctx)?.read();
    let st = &inner.state;
    let node = st.lookup(&args[2]).ok_or_else(|| {
        CmdError::err(format!(
            "Unknown node {}",
            String::from_utf8_lossy(&args[2])
        ))
    })?;
    if !node.is_primary() {
        return Err(CmdError::err("The specified node is not a master"));
    }
    let lines: Vec<String> = st
        .replicas_of(&node.id)
        .filter_map(|r| st.node_line(&r.id))
        .collect();
    Ok(ctx.reply.bulk_array(lines.iter().map(|l| l.as_bytes())))
}

/// One node of CLUSTER SLOTS: endpoint, port, id, and the other addresses it has (Redis
/// 7.0 `addNodeToNodeReply`).
fn slots_node(reply: &mut Reply<'_>, settings: &Settings, node: &ClusterNode) {
    let _ = reply.array(4);
    match settings.endpoint {
        Endpoint::Unknown => {
            let _ = reply.null();
        }
        _ => {
            let _ = reply.bulk(settings.endpoint(node).as_bytes());
        }
    }
    let _ = reply.int(node.port.into());
    let _ = reply.bulk(node.id.as_bytes());
    let with_ip = settings.endpoint != Endpoint::Ip;
    let with_hostname = settings.endpoint != Endpoint::Hostname && !node.hostname.is_empty();
    let _ = reply.map(usize::from(with_ip) + usize::from(with_hostname));
    if with_ip {
        let _ = reply.bulk(b"ip");
        let _ = reply.bulk(node.ip.as_bytes());
    }
    if with_hostname {
        let _ = reply.bulk(b"hostname");
        let _ = reply.bulk(node.hostname.as_bytes());
    }
}

/// CLUSTER SLOTS: one entry per run of slots with one owner, ascending: the owner, then its
/// replicas that are not failing.
pub fn slots(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let inner = cluster(ctx)?.read();
    let st = &inner.state;
    let runs: Vec<(SlotRange, &ClusterNode)> = st
        .slot_owners()
        .runs()
        .filter_map(|(range, owner)| st.node(&owner).map(|n| (range, n)))
        .collect();
    let w = ctx.reply.array(runs.len());
    for (range, owner) in runs {
        let replicas: Vec<&ClusterNode> =
            st.replicas_of(&owner.id).filter(|r| !r.failed()).collect();
        let _ = ctx.reply.array(3 + replicas.len());
        let _ = ctx.reply.int(range.start.into());
        let _ = ctx.reply.int(range.end.into());
        slots_node(&mut ctx.reply, &inner.settings, owner);
        for replica in replicas {
            slots_node(&mut ctx.reply, &inner.settings, replica);
        }
    }
    Ok(w)
}

/// One node of CLUSTER SHARDS (Redis 7.0 `addNodeDetailsToShardReply`).
fn shard_node(reply: &mut Reply<'_>, inner: &Inner, node: &ClusterNode) {
    let st = &inner.state;
    let with_hostname = !node.hostname.is_empty();
    let _ = reply.map(7 + usize::from(with_hostname));
    let _ = reply.bulk(b"id");
    let _ = reply.bulk(node.id.as_bytes());
    let _ = reply.bulk(b"port");
    let _ = reply.int(node.port.into());
    let _ = reply.bulk(b"ip");
    let _ = reply.bulk(node.ip.as_bytes());
    let _ = reply.bulk(b"endpoint");
    let _ = reply.bulk(inner.settings.endpoint(node).as_bytes());
    if with_hostname {
        let _ = reply.bulk(b"hostname");
        let _ = reply.bulk(node.hostname.as_bytes());
    }
    let _ = reply.bulk(b"role");
    let _ = reply.bulk(if node.is_replica() {
        b"replica".as_slice()
    } else {
        b"master"
    });
    let offset = if node.id == st.my_id() {
        st.myself().repl_offset
    } else {
        node.repl_offset
    };
    let _ = reply.bulk(b"replication-offset");
    let _ = reply.int(i64::try_from(offset).unwrap_or(i64::MAX));
    let health: &[u8] = if node.failed() {
        b"fail"
    } else if node.is_replica() && offset == 0 {
        b"loading"
    } else {
        b"online"
    };
    let _ = reply.bulk(b"health");
    let _ = reply.bulk(health);
}

/// CLUSTER SHARDS: one shard per primary (slot-less ones included), with its slot ranges
/// and its nodes, the primary first.
pub fn shards(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let inner = cluster(ctx)?.read();
    let st = &inner.state;
    let primaries: Vec<&ClusterNode> = st.nodes().filter(|n| n.is_primary()).collect();
    let w = ctx.reply.array(primaries.len());
    for primary in primaries {
        let ranges: Vec<SlotRange> = primary.slots.ranges().collect();
        let replicas: Vec<&ClusterNode> = st.replicas_of(&primary.id).collect();
        let _ = ctx.reply.map(2);
        let _ = ctx.reply.bulk(b"slots");
        let _ = ctx.reply.array(ranges.len() * 2);
        for r in &ranges {
            let _ = ctx.reply.int(r.start.into());
            let _ = ctx.reply.int(r.end.into());
        }
        let _ = ctx.reply.bulk(b"nodes");
        let _ = ctx.reply.array(1 + replicas.len());
        shard_node(&mut ctx.reply, &inner, primary);
        for replica in replicas {
            shard_node(&mut ctx.reply, &inner, replica);
        }
    }
    Ok(w)
}

/// CLUSTER LINKS: every bus link that belongs to a node (Redis 7.0 `addReplyClusterLinks`).
pub fn links(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let inner = cluster(ctx)?.read();
    let mut links: Vec<_> = inner
        .state
        .links()
        .filter_map(|l| l.node.map(|node| (node, l)))
        .collect();
    links.sort_by_key(|(node, l)| (*node, l.inbound));
    let w = ctx.reply.array(links.len());
    for (node, link) in links {
        let pending = inner.link_pending(link.link);
        let _ = ctx.reply.map(6);
        let _ = ctx.reply.bulk(b"direction");
        let _ = ctx.reply.bulk(if link.inbound {
            b"from".as_slice()
        } else {
            b"to"
        });
        let _ = ctx.reply.bulk(b"node");
        let _ = ctx.reply.bulk(node.as_bytes());
        let _ = ctx.reply.bulk(b"create-time");
        let _ = ctx
            .reply
            .int(i64::try_from(link.created).unwrap_or(i64::MAX));
        let _ = ctx.reply.bulk(b"events");
        let _ = ctx
            .reply
            .bulk(if pending > 0 { b"rw".as_slice() } else { b"r" });
        let _ = ctx.reply.bulk(b"send-buffer-allocated");
        let _ = ctx.reply.int(pending as i64);
        let _ = ctx.reply.bulk(b"send-buffer-used");
        let _ = ctx.reply.int(pending as i64);
    }
    Ok(w)
}

fn parse_slot_arg(arg: &[u8]) -> Result<Slot, CmdError> {
    parse_slot(arg).map_err(|e| CmdError::Raw(e.to_string()))
}

fn update_slots(ctx: &mut CallCtx<'_>, args: &[Bytes], del: bool, ranges: bool) -> CmdResult {
    let cluster = cluster(ctx)?;
    if ranges && !args.len().is_multiple_of(2) {
        return Err(CmdError::WrongArity(ctx.name.to_string()));
    }
    let mut parsed: Vec<SlotRange> = Vec::new();
    if ranges {
        for pair in args[2..].chunks(2) {
            let start = parse_slot_arg(&pair[0])?;
            let end = parse_slot_arg(&pair[1])?;
            if start > end {
                return Err(CmdError::err(format!(
                    "start slot number {start} is greater than end slot number {end}"
                )));
            }
            parsed.push(SlotRange { start, end });
        }
    } else {
        for a in &args[2..] {
            parsed.push(SlotRange::single(parse_slot_arg(a)?));
        }
    }
    cluster.command(|state, now| {
        if del {
            state.del_slots(now, &parsed)
        } else {
            state.add_slots(now, &parsed)
        }
    })?;
    Ok(ctx.reply.ok())
}

pub fn addslots(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    update_slots(ctx, args, false, false)
}

pub fn delslots(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    update_slots(ctx, args, true, false)
}

pub fn addslotsrange(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    update_slots(ctx, args, false, true)
}

pub fn delslotsrange(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    update_slots(ctx, args, true, true)
}

pub fn flushslots(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let cluster = cluster(ctx)?;
    if !ctx.session.db.is_empty() {
        return Err(CmdError::err(
            "DB must be empty to perform CLUSTER FLUSHSLOTS.",
        ));
    }
    cluster.drive(|state, now| ((), state.flush_slots(now)));
    Ok(ctx.reply.ok())
}

pub fn set_config_epoch(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let cluster = cluster(ctx)?;
    let epoch = numeric::parse_i64(&args[2])
        .filter(|&e| e >= 0)
        .ok_or_else(|| {
            CmdError::err(format!(
                "Invalid config epoch specified: {}",
                String::from_utf8_lossy(&args[2])
            ))
        })? as u64;
    cluster.command(|state, now| state.set_config_epoch(now, epoch))?;
    Ok(ctx.reply.ok())
}

pub fn bumpepoch(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let outcome = cluster(ctx)?.drive(|state, now| state.bump_epoch(now));
    let text = match outcome {
        BumpOutcome::Bumped(epoch) => format!("BUMPED {epoch}"),
        BumpOutcome::Still(epoch) => format!("STILL {epoch}"),
    };
    Ok(ctx.reply.simple(text.as_bytes()))
}

pub fn saveconfig(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    cluster(ctx)?.save().map_err(|e| {
        tracing::warn!(error = %e, "Could not save the cluster configuration");
        CmdError::err(format!("error saving the cluster node config: {e}"))
    })?;
    Ok(ctx.reply.ok())
}

pub fn reset(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let cluster = cluster(ctx)?;
    let hard = match args.get(2) {
        None => false,
        Some(a) if is(a, "HARD") => true,
        Some(a) if is(a, "SOFT") => false,
        Some(_) => return Err(CmdError::Syntax),
    };
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let replica = cluster.read().state.myself().is_replica();
    if !replica && !ctx.session.db.is_empty() {
        return Err(CmdError::err(
            "CLUSTER RESET can't be called with master nodes containing keys",
        ));
    }
    if replica {
        // A replica that becomes a primary again starts empty, as in Redis.
        for slot in 0..SLOT_COUNT as Slot {
            ctx.session.db.lock_slot(slot).clear();
        }
    }
    cluster.drive(|state, now| ((), state.reset(now, hard)));
    Ok(ctx.reply.ok())
}

/// A port argument of CLUSTER MEET (Redis reads it as a long long first).
fn port_arg(arg: &[u8], what: &str) -> Result<i64, CmdError> {
    numeric::parse_i64(arg).ok_or_else(|| {
        CmdError::err(format!(
            "Invalid TCP {what} port specified: {}",
            String::from_utf8_lossy(arg)
        ))
    })
}

/// CLUSTER MEET ip port [cport].
pub fn meet(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let cluster = cluster(ctx)?;
    if args.len() > 5 {
        return Err(CmdError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try CLUSTER HELP.",
            String::from_utf8_lossy(&args[1])
        )));
    }
    let port = port_arg(&args[3], "base")?;
    let cport = match args.get(4) {
        Some(arg) => port_arg(arg, "bus")?,
        None => port.saturating_add(10_000),
    };
    let ip = String::from_utf8_lossy(&args[2]).into_owned();
    cluster
        .command(|state, now| state.meet(now, &ip, port, cport))
        .map_err(|_| {
            CmdError::err(format!(
                "Invalid node address specified: {ip}:{}",
                String::from_utf8_lossy(&args[3])
            ))
        })?;
    Ok(ctx.reply.ok())
}

pub fn forget(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let id = args[2].clone();
    cluster(ctx)?.command(|state, now| state.forget(now, &id))?;
    Ok(ctx.reply.ok())
}

/// CLUSTER REPLICATE id: the node becomes a replica of `id` and starts replicating from it
/// before the reply, as Redis does (INFO replication says `role:slave` right after the OK;
/// the role-change hook would start it too, but on another task, a moment later).
pub fn replicate(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let has_keys = !ctx.session.db.is_empty();
    let id = args[2].clone();
    let cluster = cluster(ctx)?;
    cluster.command(|state, now| state.replicate(now, &id, has_keys))?;
    if let Some((ip, port)) = cluster.primary_address() {
        crate::replication::follow(ctx.server, ip, port);
    }
    Ok(ctx.reply.ok())
}

pub fn count_failure_reports(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let id = args[2].clone();
    let count = cluster(ctx)?.drive(|state, now| match state.count_failure_reports(now, &id) {
        Ok(n) => (Ok(n), Vec::new()),
        Err(e) => (Err(CmdError::err(e.to_string())), Vec::new()),
    })?;
    Ok(ctx.reply.int(count as i64))
}

pub fn help(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    cluster(ctx)?;
    Ok(super::server_cmds::help_reply(
        &mut ctx.reply,
        &ctx.name,
        &[
            "ADDSLOTS <slot> [<slot> ...]",
            "    Assign slots to current node.",
            "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
            "    Assign slots which are between <start-slot> and <end-slot> to current node.",
            "BUMPEPOCH",
            "    Advance the cluster config epoch.",
            "COUNT-FAILURE-REPORTS <node-id>",
            "    Return number of failure reports for <node-id>.",
            "COUNTKEYSINSLOT <slot>",
            "    Return the number of keys in <slot>.",
            "DELSLOTS <slot> [<slot> ...]",
            "    Delete slots information from current node.",
            "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
            "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
            "FORGET <node-id>",
            "    Remove a node from the cluster.",
            "FLUSHSLOTS",
            "    Delete current node own slots information.",
            "GETKEYSINSLOT <slot> <count>",
            "    Return key names stored by current node in a slot.",
            "INFO",
            "    Return information about the cluster.",
            "KEYSLOT <key>",
            "    Return the hash slot for <key>.",
            "LINKS",
            "    Return information about all network links between this node and its peers.",
            "    Output format is an array where each array element is a map containing attributes of a link",
            "MEET <ip> <port> [<bus-port>]",
            "    Connect nodes into a working cluster.",
            "MYID",
            "    Return the node id.",
            "MYSHARDID",
            "    Return the node's shard id.",
            "NODES",
            "    Return cluster configuration seen by node. Output format:",
            "    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
            "REPLICATE <node-id>",
            "    Configure current node as replica to <node-id>.",
            "RESET [HARD|SOFT]",
            "    Reset current node (default: soft).",
            "SAVECONFIG",
            "    Force saving cluster configuration on disk.",
            "SET-CONFIG-EPOCH <epoch>",
            "    Set config epoch of current node.",
            "SHARDS",
            "    Return information about slot range mappings and the nodes associated with them.",
            "REPLICAS <node-id>",
            "    Return <node-id> replicas.",
            "SLOTS",
            "    Return information about slots range mappings. Each range is made of:",
            "    start, end, master and replicas IP addresses, ports and ids",
        ],
    ))
}
