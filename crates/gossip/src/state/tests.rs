//! Rule-by-rule tests of the state machine, driven by hand (no simulator): exact actions
//! for the handshake, the text of CLUSTER NODES and nodes.conf, operator command checks.

use slot_map::SlotRange;

use super::*;
use crate::{Body, GossipError, Message};

const NOW: u64 = 1_795_303_800_000;

fn config(port: u16) -> GossipConfig {
    GossipConfig::with_port(port)
}

fn range(start: Slot, end: Slot) -> SlotRange {
    SlotRange { start, end }
}

fn sends(actions: &[Action]) -> Vec<(LinkId, Message)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { link, message } => Some((*link, (**message).clone())),
            _ => None,
        })
        .collect()
}

fn connects(actions: &[Action]) -> Vec<(LinkId, String, u16)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Connect {
                link, ip, cport, ..
            } => Some((*link, ip.clone(), *cport)),
            _ => None,
        })
        .collect()
}

#[test]
fn meet_handshake_step_by_step() {
    let mut a = ClusterState::new(config(7000), 1, NOW);
    let mut b = ClusterState::new(config(7001), 2, NOW);
    a.meet(NOW, "127.0.0.1", 7001, 17001).unwrap();
    let handshake = a.nodes().find(|n| n.in_handshake()).unwrap().id;
    assert_ne!(handshake, b.my_id());

    // The cron connects to the met address, and the connection carries a MEET.
    let actions = a.tick(NOW + 100);
    let [(a_out, ref ip, cport)] = connects(&actions)[..] else {
        panic!("expected one connect: {actions:?}")
    };
    assert_eq!((ip.as_str(), cport), ("127.0.0.1", 17001));
    let actions = a.on_link_connected(NOW + 101, a_out);
    let [(link, meet)] = &sends(&actions)[..] else {
        panic!("expected one send: {actions:?}")
    };
    assert_eq!(*link, a_out);
    assert!(matches!(meet.body, Body::Meet { .. }));
    assert!(!a.node(&handshake).unwrap().flags.contains(NodeFlags::MEET));

    // B learns its own IP from the MEET, adds A in handshake, and answers PONG.
    let b_in = b.accept_link(NOW + 102, "127.0.0.1", "127.0.0.1");
    let actions = b.on_message(NOW + 102, b_in, meet.clone());
    assert_eq!(b.myself().ip, "127.0.0.1");
    assert!(b.nodes().any(|n| n.in_handshake() && n.port == 7000));
    let [(link, pong)] = &sends(&actions)[..] else {
        panic!("expected one send: {actions:?}")
    };
    assert_eq!(*link, b_in);
    assert!(matches!(pong.body, Body::Pong { .. }));
    assert!(actions.contains(&Action::PersistConfig { fsync: false }));

    // The PONG gives A's handshake node B's real id.
    a.on_message(NOW + 103, a_out, pong.clone());
    assert!(a.node(&handshake).is_none());
    let known = a.node(&b.my_id()).unwrap();
    assert!(!known.in_handshake());
    assert!(known.is_primary());
    assert_eq!(known.link, Some(a_out));
    assert_eq!(known.pong_received, NOW + 103);
}

#[test]
fn cluster_nodes_and_nodes_conf_text() {
    let mut a = ClusterState::new(config(7000), 1, NOW);
    a.set_config_epoch(NOW, 1).unwrap();
    a.add_slots(NOW, &[range(0, 5460), range(7000, 7000)])
        .unwrap();
    let id = a.my_id();
    assert_eq!(
        a.nodes_text(),
        format!("{id} :7000@17000 myself,master - 0 0 1 connected 0-5460 7000\n")
    );
    assert_eq!(
        a.config_text(),
        format!(
            "{id} :7000@17000 myself,master - 0 0 1 connected 0-5460 7000\nvars currentEpoch 1 lastVoteEpoch 0\n"
        )
    );
    let mut with_hostname = config(7000);
    with_hostname.hostname = "node1.example".into();
    a.reconfigure(with_hostname);
    assert!(
        a.nodes_text()
            .contains(" :7000@17000,node1.example myself,master ")
    );
}

#[test]
fn a_reloaded_nodes_conf_keeps_identity_epochs_slots_and_peers() {
    let text = "\
91c942386ae617a58a504230e4e3cffae7ddd86a 127.0.0.1:52005@62005 slave bc2a8acab4038a1162b6d3de239ad5340f1d88c9 0 1795303808026 3 connected
65d59c33b968991459556b0ec0da0b879f57cc7a 127.0.0.1:52001@62001 myself,master - 0 1795303806000 1 connected 1365-1999 2001-5460 [2000->-bc2a8acab4038a1162b6d3de239ad5340f1d88c9]
bc2a8acab4038a1162b6d3de239ad5340f1d88c9 127.0.0.1:52003@62003,node3.example master,fail - 0 1795303808026 3 connected 12288-16383
vars currentEpoch 8 lastVoteEpoch 2
";
    let state = ClusterState::from_nodes_conf(text, config(52001), 5, NOW).unwrap();
    assert_eq!(
        state.my_id().as_str(),
        "65d59c33b968991459556b0ec0da0b879f57cc7a"
    );
    assert_eq!(state.current_epoch(), 8);
    assert_eq!(state.last_vote_epoch(), 2);
    assert_eq!(state.myself().config_epoch, 1);
    assert_eq!(state.known_nodes(), 3);
    assert_eq!(
        state.slot_owners().assigned_count(),
        (5460 - 1365) + (16383 - 12288 + 1)
    );
    let other = state
        .lookup(b"bc2a8acab4038a1162b6d3de239ad5340f1d88c9")
        .unwrap();
    assert!(other.failed() && other.hostname == "node3.example");
    let replica = state
        .lookup(b"91c942386ae617a58a504230e4e3cffae7ddd86a")
        .unwrap();
    assert_eq!(replica.primary, Some(other.id));
    assert_eq!(state.migrating_to(2000), Some(other.id));
    // Written back, then read again: the same file (links are down, times are now).
    let again = ClusterState::from_nodes_conf(&state.config_text(), config(52001), 6, NOW).unwrap();
    assert_eq!(again.config_text(), state.config_text());
    assert!(state.config_text().contains(
        "myself,master - 0 1795303800000 1 connected 1365-1999 2001-5460 [2000->-bc2a8acab4038a1162b6d3de239ad5340f1d88c9]\n"
    ));
    // A replica shows its primary's epoch.
    assert!(state.nodes_text().contains(
        "slave bc2a8acab4038a1162b6d3de239ad5340f1d88c9 0 1795303800000 3 disconnected\n"
    ));
}

#[test]
fn corrupt_nodes_conf_is_an_error() {
    for text in [
        "",
        "vars currentEpoch\n",
        "65d59c33b968991459556b0ec0da0b879f57cc7a 127.0.0.1:1@2 master - 0 0 1\n",
        "65d59c33 127.0.0.1:1@2 myself,master - 0 0 1 connected\n",
        "65d59c33b968991459556b0ec0da0b879f57cc7a 127.0.0.1 myself,master - 0 0 1 connected\n",
        "65d59c33b968991459556b0ec0da0b879f57cc7a 127.0.0.1:1@2 myself,bogus - 0 0 1 connected\n",
        "65d59c33b968991459556b0ec0da0b879f57cc7a 127.0.0.1:1@2 myself,master - 0 0 1 connected 16384\n",
        "65d59c33b968991459556b0ec0da0b879f57cc7a 127.0.0.1:1@2 master - 0 0 1 connected\n",
    ] {
        assert!(
            matches!(
                ClusterState::from_nodes_conf(text, config(1), 1, NOW),
                Err(GossipError::CorruptConfig { .. })
            ),
            "{text:?}"
        );
    }
}

#[test]
fn operator_commands_check_as_redis_does() {
    let mut a = ClusterState::new(config(7000), 1, NOW);
    let me = a.my_id().to_string();
    assert_eq!(
        a.forget(NOW, me.as_bytes()).unwrap_err(),
        GossipError::ForgetMyself
    );
    assert_eq!(
        a.forget(NOW, b"0000000000000000000000000000000000000000")
            .unwrap_err()
            .to_string(),
        "Unknown node 0000000000000000000000000000000000000000"
    );
    assert_eq!(
        a.replicate(NOW, me.as_bytes(), false).unwrap_err(),
        GossipError::ReplicateMyself
    );
    assert_eq!(
        a.meet(NOW, "not-an-ip", 7001, 17001)
            .unwrap_err()
            .to_string(),
        "Invalid node address specified: not-an-ip:7001"
    );
    assert!(a.meet(NOW, "127.0.0.1", 0, 10000).is_err());
    a.add_slots(NOW, &[range(0, 10)]).unwrap();
    assert_eq!(
        a.add_slots(NOW, &[range(11, 20), range(5, 5)]).unwrap_err(),
        GossipError::SlotBusy(5)
    );
    assert_eq!(
        a.add_slots(NOW, &[range(11, 20), range(15, 15)])
            .unwrap_err(),
        GossipError::SlotRepeated(15)
    );
    assert_eq!(
        a.del_slots(NOW, &[range(10, 11)]).unwrap_err(),
        GossipError::SlotUnassigned(11)
    );
    assert_eq!(a.slot_owners().assigned_count(), 11);
    a.set_config_epoch(NOW, 5).unwrap();
    assert_eq!(a.current_epoch(), 5);
    assert_eq!(
        a.set_config_epoch(NOW, 6).unwrap_err(),
        GossipError::ConfigEpochNonZero
    );
    // The greatest epoch already: STILL; then BUMPED once another node is ahead.
    assert_eq!(a.bump_epoch(NOW).0, BumpOutcome::Still(5));
    a.current_epoch = 9;
    assert_eq!(a.bump_epoch(NOW).0, BumpOutcome::Bumped(10));
    assert_eq!(a.myself().config_epoch, 10);
    // A hard reset takes a new id and zeroes the epochs; the slots go.
    let old = a.my_id();
    a.reset(NOW, true);
    assert_ne!(a.my_id(), old);
    assert_eq!((a.current_epoch(), a.myself().config_epoch), (0, 0));
    assert_eq!(a.slot_owners().assigned_count(), 0);
    assert_eq!(a.known_nodes(), 1);
}

#[test]
fn forget_bans_the_node_from_gossip_for_a_minute() {
    let mut a = ClusterState::new(config(7000), 1, NOW);
    let b = ClusterState::new(config(7001), 2, NOW);
    let c_id = ClusterState::new(config(7002), 3, NOW).my_id();
    // A knows B (as if after a handshake), and B gossips about C.
    let mut node = ClusterNode::new(b.my_id(), NodeFlags::MASTER, NOW);
    node.ip = "127.0.0.1".into();
    node.port = 7001;
    node.cport = 17001;
    a.add_node(node);
    let link = a.accept_link(NOW, "127.0.0.1", "127.0.0.1");
    let gossip_about_c = |now: u64| Message {
        header: b.header(),
        body: Body::Ping {
            gossip: vec![crate::GossipEntry {
                node: c_id,
                ping_sent: 0,
                pong_received: now,
                ip: "127.0.0.1".into(),
                port: 7002,
                cport: 17002,
                tls_port: 0,
                flags: NodeFlags::MASTER,
            }],
        },
    };
    a.on_message(NOW, link, gossip_about_c(NOW));
    assert!(a.node(&c_id).is_some());
    a.forget(NOW, c_id.as_str().as_bytes()).unwrap();
    assert!(a.node(&c_id).is_none());
    a.on_message(NOW + 59_000, link, gossip_about_c(NOW + 59_000));
    assert!(a.node(&c_id).is_none(), "re-added within the ban");
    a.on_message(NOW + 61_000, link, gossip_about_c(NOW + 61_000));
    assert!(a.node(&c_id).is_some(), "still banned after 60 s");
}

#[test]
fn config_epoch_collision_moves_the_smaller_id_only() {
    let mut a = ClusterState::new(config(7000), 1, NOW);
    let b = ClusterState::new(config(7001), 2, NOW);
    let (small, large) = if a.my_id() < b.my_id() {
        (true, false)
    } else {
        (false, true)
    };
    let mut node = ClusterNode::new(b.my_id(), NodeFlags::MASTER, NOW);
    node.ip = "127.0.0.1".into();
    a.add_node(node);
    let link = a.accept_link(NOW, "127.0.0.1", "127.0.0.1");
    a.on_message(
        NOW,
        link,
        Message {
            header: b.header(),
            body: Body::Ping { gossip: vec![] },
        },
    );
    // Both at configEpoch 0: only the smaller id moves, to currentEpoch + 1.
    assert_eq!(a.myself().config_epoch == 1, small);
    assert_eq!(a.myself().config_epoch == 0, large);
}
