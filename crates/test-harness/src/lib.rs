//! Black-box test harness: real `tessera-server` and `redis-server` processes on free loopback
//! ports, a small synchronous RESP client, and runners for Debian's `redis-cli` and
//! `redis-benchmark`.
//!
//! Map of the crate:
//! - [`Server`] (`server`): starts one server process of a [`ServerKind`] in its own
//!   [`TempDir`], waits until it answers `PING`, stops it with SIGTERM ([`Server::stop`]) or
//!   kills and reaps it when dropped. [`tessera_server_path`] says where the binary is looked
//!   for. [`Server::start_cluster_nodes`] starts N cluster nodes at once on free ports (bus
//!   ports free too); [`Server::kill9`] and [`Server::restart`] crash and revive one.
//! - [`Client`] (`client`): one blocking TCP connection with timeouts, so a hung server fails
//!   a test instead of hanging it; replies as [`resp::Frame`]s or as their exact bytes.
//! - [`redis_cli`], [`redis_benchmark`] (`tools`): run the real tools with a deadline.
//! - [`wait_until`]: bounded polling, so no test asserts on a fixed sleep.
//!
//! Not here: the tests themselves (the `tessera-tests` package), and building the server.
//! `tessera-server` must be built before the tests run: `make test` runs
//! `cargo build -p tessera-node` and then `cargo test`; by hand, run the same two commands.
//!
//! The API returns `anyhow::Result` because its callers are tests, which want the whole
//! context chain (and a server's log) in the failure message. Where a test must tell one
//! failure from another, the error is typed ([`ServerExited`]) and can be downcast.

mod client;
mod ports;
mod server;
mod temp_dir;
mod tools;

pub use client::{Client, encode_command};
pub use server::{
    STARTUP_TIMEOUT, Server, ServerExited, ServerKind, tessera_server_path, wait_until,
};
pub use temp_dir::TempDir;
pub use tools::{ToolOutput, redis_benchmark, redis_cli};
