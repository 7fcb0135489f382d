//! Black-box tests: real `tessera-server` processes, and Debian's `redis-server` 7.0 beside
//! them as the reference, driven over TCP with the `test_harness` client and the real
//! `redis-cli` / `redis-benchmark`.
//!
//! Needs `target/<profile>/tessera-server` built first (`make test` runs
//! `cargo build -p tessera-node` before `cargo test`), and Debian's `redis-server`,
//! `redis-cli` and `redis-benchmark` on `PATH`. Every server runs on a free loopback port in
//! its own temporary directory and is killed when its test ends, so tests run in parallel.
//!
//! Modules:
//! - `strings`, `keys`: every string and generic-key command, replies and errors, checked
//!   against Redis and then Tessera.
//! - `expiry`: lazy and active expiry.
//! - `connection`: pipelining, many clients, protocol errors, buffer limits.
//! - `differential`: seeded random command sequences, Redis and Tessera compared byte for
//!   byte (`DIFF_SEED=<n>` replays one seed).
//! - `clients`: redis-py as a plain client (RESP2 and RESP3) and as RedisCluster.
//! - `cluster`: a single cluster-mode node: CLUSTER replies, routing errors, nodes.conf.
//! - `cluster_bus`: several nodes over the cluster bus: redis-cli --cluster create/check/
//!   info/call, redis-py's RedisCluster and redis-rs's cluster client, kill -9 and restart,
//!   self-assembly, bad frames, PUBLISH across nodes.
//! - `server`: DEBUG DIGEST against Redis, MONITOR, CLIENT PAUSE, OBJECT FREQ, CONFIG SET
//!   port, SHUTDOWN and the pidfile.
//! - `startup`: fatal config errors as Redis prints them, file + options, config from stdin.
//! - `tools`: `redis-cli --cluster check` and `redis-benchmark` against a cluster node.
//! - `blocking`: BLPOP and friends with several clients: wake-ups, first come first served,
//!   timeouts, BLMOVE, BZPOPMIN, MULTI, a client that leaves while blocked.
//! - `pubsub`: subscribers and publishers in RESP2 and RESP3, shard channels, a slow
//!   subscriber cut off at its output buffer limit.
//! - `transactions`: MULTI/EXEC/WATCH with several clients (watched keys changed, expired,
//!   flushed; atomicity of EXEC across slots).
//! - `persistence`: dump files and DUMP payloads exchanged with Redis both ways
//!   (redis-check-rdb, DEBUG DIGEST, encodings, TTLs), RESTORE's options and errors, BGSAVE
//!   under 50 writers, -LOADING, save rules, SHUTDOWN/SIGTERM/kill -9, MISCONF, corrupt and
//!   stream dumps refused at startup, DEBUG RELOAD, FLUSHALL.
//! - `aof`: the append-only file: kill -9 while clients write under each `appendfsync`
//!   (`AOF_SEED=<n>` replays one run), served blocking pops and kill -9, what served pops
//!   log, torn and corrupt files at startup, redis-check-aof and redis-server on Tessera's
//!   AOF, INFO persistence's AOF fields beside Redis.
//! - `replication`: full sync under 50 writers, partial resync after a killed link, full
//!   resync past the backlog, WAIT / min-replicas-to-write / READONLY / expired keys on a
//!   replica / ROLE beside Redis, replication with redis-server both ways, and a psync2-style
//!   topology shuffle.

mod aof;
mod blocking;
mod clients;
mod cluster;
mod cluster_bus;
mod connection;
mod differential;
mod expiry;
mod keys;
mod persistence;
mod pubsub;
mod replication;
mod server;
mod startup;
mod strings;
mod support;
mod tools;
mod transactions;
