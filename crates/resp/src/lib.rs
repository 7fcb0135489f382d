//! RESP2/RESP3 for Tessera: reading client requests, writing replies, and a general value
//! type. No IO, and no knowledge of commands, the keyspace or the cluster.
//!
//! Map of the crate:
//! - [`RequestParser`] + [`Limits`] (`request`): the server's hot path. Reads commands from a
//!   connection's buffer exactly as Redis 7.0 does, multibulk (`*2\r\n$3\r\nGET\r\n...`) and
//!   inline (`GET key\n`, split by `sdssplitargs` rules in `inline`), incrementally and
//!   zero-copy. Its [`ProtocolError`]s render as Redis's error replies.
//! - [`encode`]: free functions that append one reply element for a RESP2 or RESP3 client
//!   ([`Protocol`]), degrading RESP3 types for RESP2 as Redis does.
//! - [`Frame`] (`frame`): any RESP value, read with check-then-parse and written back; for
//!   clients, tests and replication streams rather than the request path.
//!
//! Why this shape: a connection keeps one `BytesMut` and one [`RequestParser`]; arguments are
//! `Bytes` slices of that buffer, so a command's bytes are copied once, from the socket. The
//! parser keeps its place between reads, so a huge command is scanned once in total, and it
//! allocates nothing until a command is whole.

pub mod encode;
mod error;
pub mod frame;
mod inline;
mod repr;
mod request;

pub use encode::Protocol;
pub use error::{FrameError, ProtocolError};
pub use frame::Frame;
pub use inline::split_args;
pub use repr::repr;
pub use request::{Limits, RequestParser};
