//! Simulated clusters under faults, each run over many seeds. A failure names its seed;
//! `SIM_SEED=<n>` replays that seed alone, `SIM_SEEDS=<n>` changes how many seeds run.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::{NetConfig, Sim, even_ranges};
use crate::{GossipConfig, MessageType, NodeId};

/// The node timeout of the simulated clusters, ms (short, so runs stay cheap; every bound
/// below is in node timeouts).
const TIMEOUT: u64 = 2_000;

fn config() -> GossipConfig {
    let mut config = GossipConfig::with_port(7000);
    config.node_timeout = TIMEOUT;
    config
}

/// Runs `scenario` for every seed, naming the seed of a failure or a panic.
fn for_each_seed(name: &str, default_seeds: u64, scenario: impl Fn(u64) -> Result<(), String>) {
    let seeds: Vec<u64> = match std::env::var("SIM_SEED") {
        Ok(seed) => vec![
            seed.parse()
                .unwrap_or_else(|_| panic!("SIM_SEED={seed} is not a number")),
        ],
        Err(_) => {
            let count = std::env::var("SIM_SEEDS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(default_seeds);
            (0..count).collect()
        }
    };
    for seed in seeds {
        let outcome = catch_unwind(AssertUnwindSafe(|| scenario(seed)));
        let failure = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(why)) => why,
            Err(panic) => panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".to_string()),
        };
        panic!(
            "{name} failed with seed {seed}: {failure}\n  replay: SIM_SEED={seed} cargo test -p tessera-gossip {name}"
        );
    }
}

/// A cluster of `n` primaries as `redis-cli --cluster create` builds it (even slot ranges,
/// configEpochs 1..=n), joined by a chain of MEETs (node i meets node i-1). A MEET is
/// repeated while either side does not know the other, as an operator or a self-assembly
/// would: with message loss, a handshake can time out on one side only.
fn form_cluster(sim: &mut Sim, epochs: bool) -> Result<(), String> {
    let n = sim.len();
    sim.assign_slots_evenly(n);
    if epochs {
        for i in 0..n {
            sim.set_config_epoch(i, i as u64 + 1);
        }
    }
    let started = sim.now();
    let deadline = 60_000;
    while sim.now() - started < deadline {
        for i in 1..n {
            let (me, target) = (sim.id(i), sim.id(i - 1));
            if sim.state(i).node(&target).is_none() || sim.state(i - 1).node(&me).is_none() {
                sim.meet(i, i - 1);
            }
        }
        sim.run_for(1_000);
        if sim.converged() && sim.all_ok() {
            return Ok(());
        }
    }
    Err(format!(
        "{n} nodes did not converge in {deadline} ms: {}",
        describe(sim)
    ))
}

/// A short picture of every node's view, for failure messages.
fn describe(sim: &Sim) -> String {
    sim.alive()
        .map(|i| {
            let state = sim.state(i);
            format!(
                "\n  node {i} ({:?}) ok={} knows={} epoch={}/{}",
                sim.id(i),
                state.is_ok(),
                state.known_nodes(),
                state.myself().config_epoch,
                state.current_epoch()
            )
        })
        .collect()
}

fn flagged_fail_everywhere(sim: &Sim, id: &NodeId) -> bool {
    sim.alive()
        .all(|i| sim.state(i).node(id).is_some_and(|n| n.failed()))
}

#[test]
fn meet_chains_converge_to_one_view() {
    for_each_seed("meet_chains_converge_to_one_view", 40, |seed| {
        let n = SmallRng::seed_from_u64(seed).random_range(3..=8);
        let mut sim = Sim::new(seed, n, &config(), NetConfig::default());
        form_cluster(&mut sim, true)?;
        // Every node renders the same CLUSTER NODES slot tokens, with redis-cli's ranges.
        let signature = sim.signature(0);
        for (i, range) in even_ranges(n).iter().enumerate() {
            let token = format!("{}:{range}", sim.id(i));
            if !signature.contains(&token) {
                return Err(format!("signature {signature} lacks {token}"));
            }
        }
        // Distinct epochs were given: no node moved.
        for i in 0..n {
            if sim.state(i).myself().config_epoch != i as u64 + 1 {
                return Err(format!("node {i} changed its configEpoch"));
            }
        }
        Ok(())
    });
}

#[test]
fn a_killed_primary_is_fail_everywhere_then_recovers_from_its_nodes_conf() {
    for_each_seed("a_killed_primary_is_fail_everywhere", 40, |seed| {
        let mut rng = SmallRng::seed_from_u64(seed);
        let n = rng.random_range(3..=7);
        let mut sim = Sim::new(seed, n, &config(), NetConfig::default());
        form_cluster(&mut sim, true)?;
        let victim = rng.random_range(0..n);
        let id = sim.id(victim);
        sim.kill(victim);
        let killed_at = sim.now();
        // PFAIL after one timeout (plus up to half a timeout until the next PING), then the
        // reports of a majority reach someone, who broadcasts FAIL.
        let bound = 4 * TIMEOUT;
        if !sim.run_until(bound, |sim| flagged_fail_everywhere(sim, &id)) {
            return Err(format!(
                "not FAIL everywhere after {bound} ms: {}",
                describe(&sim)
            ));
        }
        let detection = sim.now() - killed_at;
        if sim.alive().any(|i| sim.state(i).is_ok()) {
            sim.run_for(200);
            if sim.alive().any(|i| sim.state(i).is_ok()) {
                return Err("a node still says cluster_state:ok with a failed primary".into());
            }
        }
        sim.run_for(rng.random_range(0..3 * TIMEOUT));
        sim.restart(victim);
        if sim.id(victim) != id {
            return Err("the restarted node did not keep its id".into());
        }
        // FAIL of a primary with slots is lifted 2 timeouts after it was set, once the node
        // answers; then primaries wait the rejoin delay.
        let bound = 6 * TIMEOUT;
        if !sim.run_until(bound, |sim| sim.converged() && sim.all_ok()) {
            return Err(format!(
                "no recovery {bound} ms after restart (detection took {detection} ms): {}",
                describe(&sim)
            ));
        }
        Ok(())
    });
}

#[test]
fn a_minority_partition_fails_and_recovers_after_healing() {
    for_each_seed("a_minority_partition_fails_and_recovers", 40, |seed| {
        let mut rng = SmallRng::seed_from_u64(seed);
        let n = rng.random_range(3..=7);
        let mut sim = Sim::new(seed, n, &config(), NetConfig::default());
        form_cluster(&mut sim, true)?;
        let minority_size = rng.random_range(1..=(n - 1) / 2);
        let mut minority: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            minority.swap(i, rng.random_range(0..=i));
        }
        minority.truncate(minority_size);
        sim.partition(&minority);
        let bound = 3 * TIMEOUT;
        if !sim.run_until(bound, |sim| minority.iter().all(|&i| !sim.state(i).is_ok())) {
            return Err(format!(
                "the minority {minority:?} still ok after {bound} ms"
            ));
        }
        sim.run_for(rng.random_range(0..4 * TIMEOUT));
        sim.heal();
        let bound = 6 * TIMEOUT;
        if !sim.run_until(bound, |sim| sim.converged() && sim.all_ok()) {
            return Err(format!(
                "no recovery {bound} ms after healing {minority:?}: {}",
                describe(&sim)
            ));
        }
        Ok(())
    });
}

#[test]
fn twenty_percent_message_loss_still_converges() {
    for_each_seed("twenty_percent_message_loss_still_converges", 30, |seed| {
        let n = SmallRng::seed_from_u64(seed).random_range(3..=8);
        let net = NetConfig {
            loss: 0.2,
            ..NetConfig::default()
        };
        let mut sim = Sim::new(seed, n, &config(), net);
        form_cluster(&mut sim, true)?;
        // And stays converged: retransmissions delay messages, resets break links, neither
        // for long enough to make a node PFAIL.
        for _ in 0..10 {
            sim.run_for(TIMEOUT);
            if !(sim.converged() && sim.all_ok()) {
                return Err(format!("lost convergence under loss: {}", describe(&sim)));
            }
        }
        Ok(())
    });
}

#[test]
fn config_epoch_collisions_resolve() {
    for_each_seed("config_epoch_collisions_resolve", 30, |seed| {
        let n = SmallRng::seed_from_u64(seed).random_range(3..=8);
        let mut sim = Sim::new(seed, n, &config(), NetConfig::default());
        // No SET-CONFIG-EPOCH: every primary starts at configEpoch 0.
        form_cluster(&mut sim, false)?;
        let distinct = |sim: &Sim| {
            sim.alive().all(|i| {
                let mut epochs: Vec<u64> = sim
                    .state(i)
                    .nodes()
                    .filter(|n| n.is_primary())
                    .map(|n| n.config_epoch)
                    .collect();
                epochs.sort_unstable();
                let len = epochs.len();
                epochs.dedup();
                epochs.len() == len
            })
        };
        if !sim.run_until(20 * TIMEOUT, distinct) {
            return Err(format!("configEpochs still collide: {}", describe(&sim)));
        }
        // The greatest id never moves: it keeps configEpoch 0.
        let greatest = (0..n).max_by_key(|&i| sim.id(i)).unwrap_or(0);
        if sim.state(greatest).myself().config_epoch != 0 {
            return Err("the node with the greatest id changed its configEpoch".into());
        }
        let views: Vec<Vec<(NodeId, u64)>> = sim
            .alive()
            .map(|i| {
                sim.state(i)
                    .nodes()
                    .filter(|n| n.is_primary())
                    .map(|n| (n.id, n.config_epoch))
                    .collect()
            })
            .collect();
        if views.windows(2).any(|w| w[0] != w[1]) {
            return Err("nodes disagree on the primaries' configEpochs".into());
        }
        Ok(())
    });
}

#[test]
fn a_stale_primary_is_corrected_by_update() {
    for_each_seed("a_stale_primary_is_corrected_by_update", 30, |seed| {
        let mut rng = SmallRng::seed_from_u64(seed);
        let n = rng.random_range(3..=6);
        let mut sim = Sim::new(seed, n, &config(), NetConfig::default());
        form_cluster(&mut sim, true)?;
        // The heir must get a newer configEpoch from BUMPEPOCH (as a failover or SETSLOT
        // would give it), so it is not the node that has the greatest one (node n-1).
        let stale = rng.random_range(0..n);
        let heir = loop {
            let candidate = rng.random_range(0..n - 1);
            if candidate != stale {
                break candidate;
            }
        };
        let range = even_ranges(n)[stale];
        sim.partition(&[stale]);
        sim.run_for(TIMEOUT);
        // Behind its back, the others give its slots to `heir` under a newer epoch.
        for i in (0..n).filter(|&i| i != stale) {
            sim.del_slots(i, range.start, range.end);
        }
        sim.add_slots(heir, range.start, range.end);
        sim.bump_epoch(heir);
        let heir_id = sim.id(heir);
        let majority_agrees = |sim: &Sim| {
            (0..n)
                .filter(|&i| i != stale)
                .all(|i| sim.state(i).slot_owner(range.start) == Some(heir_id))
        };
        if !sim.run_until(4 * TIMEOUT, majority_agrees) {
            return Err("the majority did not adopt the heir's claim".into());
        }
        // The stale node comes back, but still cannot reach the heir (whose own PINGs would
        // teach it): only the others' UPDATEs can correct it.
        let updates_before = sim.stats().delivered.get(&MessageType::Update).copied();
        sim.heal();
        sim.cut(stale, heir);
        let corrected = |sim: &Sim| {
            let me = sim.state(stale).myself();
            me.slots.is_empty() && me.is_replica() && me.primary == Some(heir_id)
        };
        if !sim.run_until(4 * TIMEOUT, corrected) {
            return Err(format!(
                "the stale primary was not corrected: {}",
                describe(&sim)
            ));
        }
        let updates_after = sim.stats().delivered.get(&MessageType::Update).copied();
        if updates_after.unwrap_or(0) <= updates_before.unwrap_or(0) {
            return Err("corrected without an UPDATE message".into());
        }
        sim.heal();
        if !sim.run_until(6 * TIMEOUT, |sim| sim.converged() && sim.all_ok()) {
            return Err(format!(
                "no single view after the correction: {}",
                describe(&sim)
            ));
        }
        Ok(())
    });
}
