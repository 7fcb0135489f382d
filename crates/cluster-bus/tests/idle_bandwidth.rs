//! Bus bytes per second per node in an idle simulated cluster, with real frame encodings.
//! Ignored by default (100 nodes take a while in a debug build); run it with
//! `cargo test -p tessera-cluster-bus --release --test idle_bandwidth -- --ignored --nocapture`.

use gossip::GossipConfig;
use gossip::sim::{NetConfig, Sim};

/// Forms a cluster of `n` primaries (`redis-cli --cluster create` style: even slots,
/// configEpochs 1..=n, every node meets node 0) with Redis's default node timeout, lets it
/// settle, then measures `seconds` of idle traffic. Returns bytes per second per node.
fn idle_bytes_per_node(n: usize, seconds: u64, seed: u64) -> f64 {
    let config = GossipConfig::with_port(7000);
    let mut sim = Sim::new(seed, n, &config, NetConfig::default());
    sim.set_message_size(cluster_bus::encoded_len);
    sim.assign_slots_evenly(n);
    for i in 0..n {
        sim.set_config_epoch(i, i as u64 + 1);
    }
    for i in 1..n {
        sim.meet(i, 0);
    }
    assert!(
        sim.run_until(120_000, |sim| sim.converged() && sim.all_ok()),
        "{n} nodes did not converge"
    );
    // Let the ping schedule reach its steady state (every node pinged at least once per
    // half node timeout).
    sim.run_for(30_000);
    sim.reset_stats();
    sim.run_for(seconds * 1000);
    assert!(sim.converged(), "the idle cluster lost convergence");
    let stats = sim.stats();
    let total: u64 = stats.bytes_sent.iter().sum();
    let messages: u64 = stats.sent.values().sum();
    let per_node = total as f64 / n as f64 / seconds as f64;
    println!(
        "{n} nodes, {seconds} s idle: {per_node:.0} bytes/s sent per node, {:.1} messages/s per node, {:.0} bytes per message; by type: {:?}",
        messages as f64 / n as f64 / seconds as f64,
        total as f64 / messages.max(1) as f64,
        stats.sent
    );
    per_node
}

#[test]
fn six_nodes_idle_traffic_is_small() {
    let per_node = idle_bytes_per_node(6, 30, 1);
    // Each node pings each other one about every 7.5 s plus one random node a second, and
    // answers as many PINGs; a message is a bit over 2 KB (the slot bitmap).
    assert!(
        per_node > 1_000.0 && per_node < 20_000.0,
        "{per_node} bytes/s"
    );
}

#[test]
#[ignore]
fn hundred_nodes_idle_traffic() {
    let per_node = idle_bytes_per_node(100, 60, 1);
    assert!(per_node < 1_000_000.0, "{per_node} bytes/s");
}
