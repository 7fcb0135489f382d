//! CLUSTER subcommands, ASKING, READONLY and READWRITE, with Redis 7.0's reply shapes and
//! error texts (`../shared/compat/redis-cli-and-clients.md` §2).

use bytes::Bytes;
use slot_map::{SLOT_COUNT, Slot, SlotSet, parse_slot};
use store::{CmdError, CmdResult};

use crate::cluster_state::{Cluster, ClusterState};
use crate::server::{random_hex40, unix_ms};
use crate::session::CallCtx;
use store::cmd::{int_arg, is};

fn cluster<'a>(ctx: &CallCtx<'a>) -> Result<&'a Cluster, CmdError> {
    ctx.server
        .cluster
        .as_ref()
        .ok_or_else(|| CmdError::err("This instance has cluster support disabled"))
}

fn save(cluster: &Cluster) -> Result<(), CmdError> {
    cluster.save().map_err(|e| {
        tracing::warn!(error = %e, "Could not save the cluster configuration");
        CmdError::err(format!("error saving the cluster node config: {e}"))
    })
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

pub fn info(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let text = info_text(&cluster(ctx)?.state.read());
    Ok(ctx.reply.verbatim(text.as_bytes()))
}

/// CLUSTER INFO text (only message types with non-zero counts are listed; none yet).
pub fn info_text(st: &ClusterState) -> String {
    let assigned = st.slots.assigned_count();
    let size = usize::from(assigned > 0);
    format!(
        "cluster_state:{}\r\ncluster_slots_assigned:{assigned}\r\ncluster_slots_ok:{assigned}\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:{}\r\ncluster_size:{size}\r\ncluster_current_epoch:{}\r\ncluster_my_epoch:{}\r\ncluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\ntotal_cluster_links_buffer_limit_exceeded:0\r\n",
        if st.is_ok() { "ok" } else { "fail" },
        st.nodes.len(),
        st.current_epoch,
        st.me().config_epoch,
    )
}

pub fn nodes(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let text = cluster(ctx)?.state.read().nodes_text(unix_ms());
    Ok(ctx.reply.verbatim(text.as_bytes()))
}

pub fn slots(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let st = cluster(ctx)?.state.read();
    let runs: Vec<_> = st.slots.runs().collect();
    let w = ctx.reply.array(runs.len());
    for (range, owner) in runs {
        let node = &st.nodes[owner as usize];
        let _ = ctx.reply.array(3);
        let _ = ctx.reply.int(range.start.into());
        let _ = ctx.reply.int(range.end.into());
        let _ = ctx.reply.array(4);
        let _ = ctx.reply.bulk(st.endpoint(node).as_bytes());
        let _ = ctx.reply.int(node.port.into());
        let _ = ctx.reply.bulk(node.id.as_bytes());
        let hostname_meta =
            !node.hostname.is_empty() && st.settings.preferred_endpoint != "hostname";
        if hostname_meta {
            let _ = ctx.reply.map(1);
            let _ = ctx.reply.bulk(b"hostname");
            let _ = ctx.reply.bulk(node.hostname.as_bytes());
        } else if st.settings.preferred_endpoint == "hostname" {
            let _ = ctx.reply.map(1);
            let _ = ctx.reply.bulk(b"ip");
            let _ = ctx.reply.bulk(node.ip.as_bytes());
        } else {
            let _ = ctx.reply.map(0);
        }
    }
    Ok(w)
}

pub fn shards(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let st = cluster(ctx)?.state.read();
    let w = ctx.reply.array(st.nodes.len());
    for (i, node) in st.nodes.iter().enumerate() {
        let ranges: Vec<_> = st.slots.slots_of(&(i as u16)).ranges().collect();
        let _ = ctx.reply.map(2);
        let _ = ctx.reply.bulk(b"slots");
        let _ = ctx.reply.array(ranges.len() * 2);
        for r in &ranges {
            let _ = ctx.reply.int(r.start.into());
            let _ = ctx.reply.int(r.end.into());
        }
        let _ = ctx.reply.bulk(b"nodes");
        let _ = ctx.reply.array(1);
        let with_hostname = !node.hostname.is_empty();
        let _ = ctx.reply.map(7 + usize::from(with_hostname));
        let _ = ctx.reply.bulk(b"id");
        let _ = ctx.reply.bulk(node.id.as_bytes());
        let _ = ctx.reply.bulk(b"port");
        let _ = ctx.reply.int(node.port.into());
        let _ = ctx.reply.bulk(b"ip");
        let _ = ctx.reply.bulk(node.ip.as_bytes());
        let _ = ctx.reply.bulk(b"endpoint");
        let _ = ctx.reply.bulk(st.endpoint(node).as_bytes());
        if with_hostname {
            let _ = ctx.reply.bulk(b"hostname");
            let _ = ctx.reply.bulk(node.hostname.as_bytes());
        }
        let _ = ctx.reply.bulk(b"role");
        let _ = ctx.reply.bulk(b"master");
        let _ = ctx.reply.bulk(b"replication-offset");
        let _ = ctx.reply.int(0);
        let _ = ctx.reply.bulk(b"health");
        let _ = ctx.reply.bulk(b"online");
    }
    Ok(w)
}

/// Redis `checkSlotAssignmentsOrReply` over one range; `seen` catches repeats.
fn check_assignment(
    st: &ClusterState,
    seen: &mut SlotSet,
    del: bool,
    start: Slot,
    end: Slot,
) -> Result<(), CmdError> {
    for slot in start..=end {
        let owned = st.slots.get(slot).is_some();
        if del && !owned {
            return Err(CmdError::err(format!("Slot {slot} is already unassigned")));
        }
        if !del && owned {
            return Err(CmdError::err(format!("Slot {slot} is already busy")));
        }
        if !seen.insert(slot) {
            return Err(CmdError::err(format!(
                "Slot {slot} specified multiple times"
            )));
        }
    }
    Ok(())
}

fn parse_slot_arg(arg: &[u8]) -> Result<Slot, CmdError> {
    parse_slot(arg).map_err(|e| CmdError::Raw(e.to_string()))
}

fn update_slots(ctx: &mut CallCtx<'_>, args: &[Bytes], del: bool, ranges: bool) -> CmdResult {
    let cluster = cluster(ctx)?;
    if ranges && !args.len().is_multiple_of(2) {
        return Err(CmdError::WrongArity(ctx.name.to_string()));
    }
    let mut parsed: Vec<(Slot, Slot)> = Vec::new();
    if ranges {
        for pair in args[2..].chunks(2) {
            let start = parse_slot_arg(&pair[0])?;
            let end = parse_slot_arg(&pair[1])?;
            if start > end {
                return Err(CmdError::err(format!(
                    "start slot number {start} is greater than end slot number {end}"
                )));
            }
            parsed.push((start, end));
        }
    } else {
        for a in &args[2..] {
            let s = parse_slot_arg(a)?;
            parsed.push((s, s));
        }
    }
    {
        let mut st = cluster.state.write();
        let mut seen = SlotSet::new();
        for &(a, b) in &parsed {
            check_assignment(&st, &mut seen, del, a, b)?;
        }
        let me = st.myself;
        for slot in seen.iter() {
            st.slots.set(slot, if del { None } else { Some(me) });
        }
    }
    save(cluster)?;
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
    {
        let mut st = cluster.state.write();
        for slot in 0..SLOT_COUNT as Slot {
            st.slots.set(slot, None);
        }
    }
    save(cluster)?;
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
    {
        let mut st = cluster.state.write();
        if st.nodes.len() > 1 {
            return Err(CmdError::err(
                "The user can assign a config epoch only when the node does not know any other node.",
            ));
        }
        if st.me().config_epoch != 0 {
            return Err(CmdError::err("Node config epoch is already non-zero"));
        }
        st.me_mut().config_epoch = epoch;
        tracing::info!(
            epoch,
            "configEpoch set to {epoch} via CLUSTER SET-CONFIG-EPOCH"
        );
        if st.current_epoch < epoch {
            st.current_epoch = epoch;
        }
    }
    save(cluster)?;
    Ok(ctx.reply.ok())
}

pub fn bumpepoch(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    let cluster = cluster(ctx)?;
    let (bumped, epoch) = {
        let mut st = cluster.state.write();
        let max_epoch = st
            .nodes
            .iter()
            .map(|n| n.config_epoch)
            .max()
            .unwrap_or(0)
            .max(st.current_epoch);
        if st.me().config_epoch == 0 || st.me().config_epoch != max_epoch {
            st.current_epoch += 1;
            let e = st.current_epoch;
            st.me_mut().config_epoch = e;
            (true, e)
        } else {
            (false, st.me().config_epoch)
        }
    };
    if bumped {
        save(cluster)?;
    }
    let text = format!("{} {epoch}", if bumped { "BUMPED" } else { "STILL" });
    Ok(ctx.reply.simple(text.as_bytes()))
}

pub fn saveconfig(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    save(cluster(ctx)?)?;
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
    if !ctx.session.db.is_empty() {
        return Err(CmdError::err(
            "CLUSTER RESET can't be called with master nodes containing keys",
        ));
    }
    {
        let mut st = cluster.state.write();
        for slot in 0..SLOT_COUNT as Slot {
            st.slots.set(slot, None);
        }
        let me = st.me().clone();
        st.nodes = vec![me];
        st.myself = 0;
        if hard {
            st.current_epoch = 0;
            st.last_vote_epoch = 0;
            let me = st.me_mut();
            me.config_epoch = 0;
            me.id = random_hex40();
            tracing::info!(id = %me.id, "Node hard reset, now I'm {}", me.id);
        }
    }
    save(cluster)?;
    Ok(ctx.reply.ok())
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
            "COUNTKEYSINSLOT <slot>",
            "    Return the number of keys in <slot>.",
            "DELSLOTS <slot> [<slot> ...]",
            "    Delete slots information from current node.",
            "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
            "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
            "FLUSHSLOTS",
            "    Delete current node own slots information.",
            "GETKEYSINSLOT <slot> <count>",
            "    Return key names stored by current node in a slot.",
            "INFO",
            "    Return information about the cluster.",
            "KEYSLOT <key>",
            "    Return the hash slot for <key>.",
            "MYID",
            "    Return the node id.",
            "NODES",
            "    Return cluster configuration seen by node. Output format:",
            "    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
            "RESET [HARD|SOFT]",
            "    Reset current node (default: soft).",
            "SAVECONFIG",
            "    Force saving cluster configuration on disk.",
            "SET-CONFIG-EPOCH <epoch>",
            "    Set config epoch of current node.",
            "SHARDS",
            "    Return information about slot range mappings and the nodes associated with them.",
            "SLOTS",
            "    Return information about slots range mappings. Each range is made of:",
            "    start, end, master and replicas IP addresses, ports and ids",
        ],
    ))
}
