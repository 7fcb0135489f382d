//! SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH and
//! PUBSUB (CHANNELS NUMSUB NUMPAT SHARDCHANNELS SHARDNUMSUB HELP), as Redis 7.0's `pubsub.c`
//! answers them. Delivery and limits are `crate::pubsub`'s.

use bytes::Bytes;
use store::{CmdResult, Reply};

use super::server_cmds::help_reply;
use crate::pubsub::{Kind, Subscriber};
use crate::session::{CallCtx, Session};

fn confirm(reply: &mut Reply<'_>, what: &[u8], name: Option<&[u8]>, count: usize) {
    let _ = reply.push(3);
    let _ = reply.bulk(what);
    let _ = match name {
        Some(n) => reply.bulk(n),
        None => reply.null(),
    };
    let _ = reply.int(count as i64);
}

fn count_for(session: &Session, kind: Kind) -> usize {
    match kind {
        Kind::Shard => session.subs.shard_channels.len(),
        _ => session.subs.count(),
    }
}

fn subscribe_generic(ctx: &mut CallCtx<'_>, args: &[Bytes], kind: Kind, what: &[u8]) -> CmdResult {
    let session = &mut *ctx.session;
    let sub = match &session.subs.subscriber {
        Some(s) => s.clone(),
        None => {
            let (sub, queue) = Subscriber::new(session.handle.clone());
            session.subs.subscriber = Some(sub.clone());
            session.subs.queue = Some(queue);
            sub
        }
    };
    for name in &args[1..] {
        let list = session.subs.list(kind);
        if !list.contains(name) {
            list.push(Bytes::copy_from_slice(name));
            ctx.server.pubsub.subscribe(kind, name, &sub);
        }
        confirm(&mut ctx.reply, what, Some(name), count_for(session, kind));
    }
    Ok(ctx.reply.nothing())
}

fn unsubscribe_generic(
    ctx: &mut CallCtx<'_>,
    args: &[Bytes],
    kind: Kind,
    what: &[u8],
) -> CmdResult {
    let session = &mut *ctx.session;
    let id = session.handle.id;
    let names: Vec<Bytes> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        session.subs.list(kind).clone()
    };
    if names.is_empty() {
        confirm(&mut ctx.reply, what, None, count_for(session, kind));
        return Ok(ctx.reply.nothing());
    }
    for name in &names {
        let list = session.subs.list(kind);
        if let Some(i) = list.iter().position(|n| n == name) {
            list.remove(i);
            ctx.server.pubsub.unsubscribe(kind, name, id);
        }
        confirm(&mut ctx.reply, what, Some(name), count_for(session, kind));
    }
    Ok(ctx.reply.nothing())
}

pub fn subscribe(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_generic(ctx, args, Kind::Channel, b"subscribe")
}

pub fn psubscribe(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_generic(ctx, args, Kind::Pattern, b"psubscribe")
}

pub fn ssubscribe(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_generic(ctx, args, Kind::Shard, b"ssubscribe")
}

pub fn unsubscribe(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_generic(ctx, args, Kind::Channel, b"unsubscribe")
}

pub fn punsubscribe(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_generic(ctx, args, Kind::Pattern, b"punsubscribe")
}

pub fn sunsubscribe(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_generic(ctx, args, Kind::Shard, b"sunsubscribe")
}

/// PUBLISH: this node's subscribers, and every other node's through the cluster bus (the
/// reply counts this node's receivers, as Redis's does).
pub fn publish(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let n = ctx.server.deliver_local(&args[1], &args[2], false);
    if let Some(cluster) = &ctx.server.cluster {
        cluster.drive(|state, _| ((), state.publish(&args[1], &args[2])));
    }
    Ok(ctx.reply.int(n as i64))
}

/// SPUBLISH: this node's subscribers and the other nodes of its shard.
pub fn spublish(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    let n = ctx.server.deliver_local(&args[1], &args[2], true);
    if let Some(cluster) = &ctx.server.cluster {
        cluster.drive(|state, _| ((), state.publish_shard(&args[1], &args[2])));
    }
    Ok(ctx.reply.int(n as i64))
}

fn channels_generic(ctx: &mut CallCtx<'_>, args: &[Bytes], kind: Kind) -> CmdResult {
    let pattern = args.get(2).map(|p| &p[..]);
    let names = ctx.server.pubsub.active(kind, pattern);
    Ok(ctx.reply.bulk_array(names.iter().map(|n| &n[..])))
}

pub fn pubsub_channels(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    channels_generic(ctx, args, Kind::Channel)
}

pub fn pubsub_shardchannels(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    channels_generic(ctx, args, Kind::Shard)
}

fn numsub_generic(ctx: &mut CallCtx<'_>, args: &[Bytes], kind: Kind) -> CmdResult {
    let w = ctx.reply.array((args.len() - 2) * 2);
    for name in &args[2..] {
        let _ = ctx.reply.bulk(name);
        let _ = ctx.reply.int(ctx.server.pubsub.count(kind, name) as i64);
    }
    Ok(w)
}

pub fn pubsub_numsub(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    numsub_generic(ctx, args, Kind::Channel)
}

pub fn pubsub_shardnumsub(ctx: &mut CallCtx<'_>, args: &[Bytes]) -> CmdResult {
    numsub_generic(ctx, args, Kind::Shard)
}

pub fn pubsub_numpat(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(ctx.reply.int(ctx.server.pubsub.pattern_count() as i64))
}

pub fn pubsub_help(ctx: &mut CallCtx<'_>, _args: &[Bytes]) -> CmdResult {
    Ok(help_reply(
        &mut ctx.reply,
        &ctx.name,
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    ))
}

/// The RESP2 subscribed-mode rule: only these commands are accepted (Redis `processCommand`).
pub fn allowed_in_subscribed_mode(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}
