//! discv5 with the `ssvdv5` protocol ID on loopback: a node that knows one boot
//! record finds the SSV peers of its network and leaves out another network's.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::time::Duration;

use anchor_runtime::p2p::discovery::{dial_address, Discovery};
use libp2p::identity::Keypair;

fn udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_peers_of_its_network_only() {
    let lo = Ipv4Addr::LOCALHOST;
    let domain = [0, 0, 4, 2];
    let subnets = BTreeSet::from([7, 114]);
    let boot_key = Keypair::generate_secp256k1();
    let boot = Discovery::start(
        &boot_key,
        lo,
        udp_port(),
        9001,
        domain,
        subnets.clone(),
        &[],
    )
    .await
    .unwrap();
    let boot_enr = boot.local_enr();
    // A peer of our network and one of another network register with the boot node.
    let peer_key = Keypair::generate_secp256k1();
    let peer = Discovery::start(
        &peer_key,
        lo,
        udp_port(),
        9002,
        domain,
        BTreeSet::from([114]),
        std::slice::from_ref(&boot_enr),
    )
    .await
    .unwrap();
    let other = Discovery::start(
        &Keypair::generate_secp256k1(),
        lo,
        udp_port(),
        9003,
        [0, 0, 0, 1],
        subnets.clone(),
        std::slice::from_ref(&boot_enr),
    )
    .await
    .unwrap();
    let searcher = Discovery::start(
        &Keypair::generate_secp256k1(),
        lo,
        udp_port(),
        9004,
        domain,
        subnets,
        std::slice::from_ref(&boot_enr),
    )
    .await
    .unwrap();
    // Let the peers' first queries reach the boot node, which then holds them.
    let _ = peer.find_peers(4).await;
    let _ = other.find_peers(4).await;
    // A walk toward a node's own ID asks the boot node for exactly the
    // log-distance that node sits at; a random walk asks for a few distances
    // around a random one and may miss it (which made this test flaky).
    let peer_id = peer_key.public().to_peer_id();
    let mut found = Vec::new();
    for _ in 0..20 {
        found = searcher
            .find_peers_near(peer.local_enr().node_id(), 8)
            .await;
        if found.iter().any(|(p, _)| *p == peer_id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ids: BTreeSet<_> = found.iter().map(|(p, _)| *p).collect();
    assert!(ids.contains(&peer_id), "found {found:?}");
    assert!(ids.contains(&boot_key.public().to_peer_id()));
    assert_eq!(ids.len(), 2, "only our network's nodes: {found:?}");
    // Toward the other network's node, the boot node hands its record over and
    // the searcher's filter leaves it out.
    let other_id = dial_address(&other.local_enr()).unwrap().0;
    let toward_other = searcher
        .find_peers_near(other.local_enr().node_id(), 8)
        .await;
    assert!(
        toward_other.iter().all(|(p, _)| *p != other_id),
        "the other network's node is left out: {toward_other:?}"
    );
    // The dial address carries the record's TCP port and the peer ID.
    let (id, addr) = dial_address(&peer.local_enr()).unwrap();
    assert_eq!(id, peer_key.public().to_peer_id());
    assert_eq!(
        addr.to_string(),
        format!("/ip4/127.0.0.1/tcp/9002/p2p/{id}")
    );
}
