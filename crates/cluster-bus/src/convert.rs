//! Between the wire types (`wire`) and the gossip crate's [`gossip::Message`]: every id,
//! bitmap and port is checked on the way in, so the state machine only sees valid messages.

use gossip::{Body, GossipEntry, Header, Message, MessageFlags, NodeFlags, NodeId};
use slot_map::{SLOT_BITMAP_BYTES, SlotSet};

use crate::BusError;
use crate::wire;

/// The wire form of a message.
pub fn to_wire(message: &Message) -> wire::Envelope {
    let header = &message.header;
    let body = match &message.body {
        Body::Ping { gossip } => wire::Body::Ping(ping_to_wire(gossip)),
        Body::Pong { gossip } => wire::Body::Pong(ping_to_wire(gossip)),
        Body::Meet { gossip } => wire::Body::Meet(ping_to_wire(gossip)),
        Body::Fail { node } => wire::Body::Fail(wire::Fail {
            node_id: node.to_string(),
        }),
        Body::Update {
            node,
            config_epoch,
            slots,
        } => wire::Body::Update(wire::Update {
            node_id: node.to_string(),
            config_epoch: *config_epoch,
            slots: bitmap_to_wire(slots),
        }),
        Body::Publish { channel, message } => wire::Body::Publish(wire::Publish {
            channel: channel.clone(),
            message: message.clone(),
        }),
        Body::PublishShard { channel, message } => wire::Body::PublishShard(wire::Publish {
            channel: channel.clone(),
            message: message.clone(),
        }),
        Body::FailoverAuthRequest => wire::Body::FailoverAuthRequest(wire::FailoverAuthRequest {}),
        Body::FailoverAuthAck => wire::Body::FailoverAuthAck(wire::FailoverAuthAck {}),
        Body::MfStart => wire::Body::Mfstart(wire::MfStart {}),
        Body::Module {
            module_id,
            kind,
            payload,
        } => wire::Body::Module(wire::Module {
            module_id: *module_id,
            kind: u32::from(*kind),
            payload: payload.clone(),
        }),
    };
    wire::Envelope {
        header: Some(wire::Header {
            sender: header.sender.to_string(),
            current_epoch: header.current_epoch,
            config_epoch: header.config_epoch,
            flags: u32::from(header.flags.bits()),
            slots: bitmap_to_wire(&header.slots),
            repl_offset: header.repl_offset,
            primary: header.primary.map(|p| p.to_string()).unwrap_or_default(),
            ip: header.ip.clone(),
            port: u32::from(header.port),
            cport: u32::from(header.cport),
            tls_port: u32::from(header.tls_port),
            hostname: header.hostname.clone(),
            shard_id: header.shard_id.map(|s| s.to_string()).unwrap_or_default(),
            cluster_ok: header.cluster_ok,
            mflags: u32::from(header.mflags.bits()),
        }),
        body: Some(body),
    }
}

/// The message a wire form describes, if it is valid.
pub fn from_wire(envelope: wire::Envelope) -> Result<Message, BusError> {
    let header = envelope.header.ok_or(BusError::Invalid("no header"))?;
    let body = match envelope.body.ok_or(BusError::Invalid("no body"))? {
        wire::Body::Ping(ping) => Body::Ping {
            gossip: ping_from_wire(ping)?,
        },
        wire::Body::Pong(ping) => Body::Pong {
            gossip: ping_from_wire(ping)?,
        },
        wire::Body::Meet(ping) => Body::Meet {
            gossip: ping_from_wire(ping)?,
        },
        wire::Body::Fail(fail) => Body::Fail {
            node: node_id(&fail.node_id)?,
        },
        wire::Body::Update(update) => Body::Update {
            node: node_id(&update.node_id)?,
            config_epoch: update.config_epoch,
            slots: Box::new(bitmap_from_wire(&update.slots)?),
        },
        wire::Body::Publish(publish) => Body::Publish {
            channel: publish.channel,
            message: publish.message,
        },
        wire::Body::PublishShard(publish) => Body::PublishShard {
            channel: publish.channel,
            message: publish.message,
        },
        wire::Body::FailoverAuthRequest(_) => Body::FailoverAuthRequest,
        wire::Body::FailoverAuthAck(_) => Body::FailoverAuthAck,
        wire::Body::Mfstart(_) => Body::MfStart,
        wire::Body::Module(module) => Body::Module {
            module_id: module.module_id,
            kind: u8::try_from(module.kind).map_err(|_| BusError::Invalid("module type"))?,
            payload: module.payload,
        },
    };
    let header = Header {
        sender: node_id(&header.sender)?,
        current_epoch: header.current_epoch,
        config_epoch: header.config_epoch,
        flags: NodeFlags::from_bits(
            u16::try_from(header.flags).map_err(|_| BusError::Invalid("flags"))?,
        ),
        slots: bitmap_from_wire(&header.slots)?,
        repl_offset: header.repl_offset,
        primary: optional_node_id(&header.primary)?,
        ip: header.ip,
        port: port(header.port)?,
        cport: port(header.cport)?,
        tls_port: port(header.tls_port)?,
        hostname: header.hostname,
        shard_id: optional_node_id(&header.shard_id)?,
        cluster_ok: header.cluster_ok,
        mflags: MessageFlags::from_bits(
            u8::try_from(header.mflags).map_err(|_| BusError::Invalid("message flags"))?,
        ),
    };
    Ok(Message { header, body })
}

fn ping_to_wire(gossip: &[GossipEntry]) -> wire::Ping {
    wire::Ping {
        gossip: gossip
            .iter()
            .map(|g| wire::GossipEntry {
                node_id: g.node.to_string(),
                ping_sent: g.ping_sent,
                pong_received: g.pong_received,
                ip: g.ip.clone(),
                port: u32::from(g.port),
                cport: u32::from(g.cport),
                flags: u32::from(g.flags.bits()),
                tls_port: u32::from(g.tls_port),
            })
            .collect(),
    }
}

fn ping_from_wire(ping: wire::Ping) -> Result<Vec<GossipEntry>, BusError> {
    ping.gossip
        .into_iter()
        .map(|g| {
            Ok(GossipEntry {
                node: node_id(&g.node_id)?,
                ping_sent: g.ping_sent,
                pong_received: g.pong_received,
                ip: g.ip,
                port: port(g.port)?,
                cport: port(g.cport)?,
                tls_port: port(g.tls_port)?,
                flags: NodeFlags::from_bits(
                    u16::try_from(g.flags).map_err(|_| BusError::Invalid("gossip flags"))?,
                ),
            })
        })
        .collect()
}

/// An empty set travels as no bytes at all.
fn bitmap_to_wire(slots: &SlotSet) -> Vec<u8> {
    if slots.is_empty() {
        Vec::new()
    } else {
        slots.to_bytes().to_vec()
    }
}

fn bitmap_from_wire(bytes: &[u8]) -> Result<SlotSet, BusError> {
    match bytes.len() {
        0 => Ok(SlotSet::new()),
        SLOT_BITMAP_BYTES => {
            SlotSet::try_from(bytes).map_err(|_| BusError::Invalid("slot bitmap length"))
        }
        _ => Err(BusError::Invalid("slot bitmap length")),
    }
}

fn node_id(text: &str) -> Result<NodeId, BusError> {
    NodeId::parse(text.as_bytes()).ok_or(BusError::Invalid("node id"))
}

fn optional_node_id(text: &str) -> Result<Option<NodeId>, BusError> {
    if text.is_empty() {
        Ok(None)
    } else {
        node_id(text).map(Some)
    }
}

fn port(value: u32) -> Result<u16, BusError> {
    u16::try_from(value).map_err(|_| BusError::Invalid("port"))
}
