//! The cluster bus wire format: how the gossip crate's messages travel between nodes.
//! No IO and no cluster logic: the `node` crate reads and writes sockets, the `gossip` crate
//! decides what to send.
//!
//! Map of the crate:
//! - `frame`: frames (`TSRB`, version 1, big-endian u32 length, payload) —
//!   [`encode`]/[`encode_into`] to write, [`FrameDecoder`] to read from a connection buffer
//!   with partial frames, a payload limit and typed errors ([`BusError`]).
//! - `wire`: the protobuf types of `proto/clusterbus/v1/clusterbus.proto`, hand-written with
//!   prost derives (no protoc at build time), pinned against protoc's own encoding.
//! - `convert`: [`to_wire`]/[`from_wire`] between [`gossip::Message`] and [`wire::Envelope`],
//!   validating ids, bitmaps and ports, so gossip never depends on prost.
//!
//! A driver's read loop: append socket bytes to the link's buffer; while
//! `decoder.decode(&buf)` gives `Some((message, used))`, drop `used` bytes and hand the
//! message to `ClusterState::on_message`; on `None` read more; on `Err` close the link, count
//! it, and report `on_link_closed`.

mod convert;
mod error;
mod frame;
pub mod wire;

pub use convert::{from_wire, to_wire};
pub use error::BusError;
pub use frame::{
    DEFAULT_MAX_PAYLOAD, FRAME_HEADER_LEN, FrameDecoder, MAGIC, VERSION, encode, encode_into,
    encoded_len,
};
