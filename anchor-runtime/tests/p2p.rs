//! Three nodes on loopback: two of one network complete the handshake and
//! exchange a gossip message with the network's message ID; a node of another
//! network is refused.

use std::collections::BTreeSet;
use std::time::Duration;

use anchor_runtime::p2p::handshake::NodeInfo;
use anchor_runtime::p2p::service::{P2pCommand, P2pConfig, P2pEvent, P2pService, Verdict};
use libp2p::identity::Keypair;
use libp2p::{Multiaddr, PeerId};
use ssv_protocol::identifiers::gossip_message_id;
use tokio::sync::mpsc;
use tokio::time::timeout;

struct Handle {
    peer: PeerId,
    commands: mpsc::Sender<P2pCommand>,
    events: mpsc::Receiver<P2pEvent>,
    addr: Multiaddr,
}

async fn start(domain: [u8; 4]) -> Handle {
    let key = Keypair::generate_secp256k1();
    let config = P2pConfig {
        listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
        domain,
        node_version: "anchor-rs-test".into(),
        subnets: BTreeSet::from([114]),
        static_peers: Vec::new(),
    };
    let service = P2pService::new(key, config).unwrap();
    let peer = service.peer_id();
    let (commands, command_rx) = mpsc::channel(64);
    let (event_tx, mut events) = mpsc::channel(64);
    tokio::spawn(service.run(command_rx, event_tx));
    let addr = loop {
        match timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            P2pEvent::Listening(addr) => break addr,
            _ => continue,
        }
    };
    Handle {
        peer,
        commands,
        events,
        addr,
    }
}

/// The next event matching `pick`, within 15 s.
async fn next<T>(h: &mut Handle, mut pick: impl FnMut(P2pEvent) -> Option<T>) -> T {
    timeout(Duration::from_secs(15), async {
        loop {
            if let Some(t) = pick(h.events.recv().await.expect("service running")) {
                return t;
            }
        }
    })
    .await
    .expect("event in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_gossip_and_refusal_of_another_network() {
    let domain = [0, 0, 4, 2];
    let mut a = start(domain).await;
    let mut b = start(domain).await;
    b.commands
        .send(P2pCommand::Dial(a.addr.clone()))
        .await
        .unwrap();
    let (peer, info): (PeerId, NodeInfo) = next(&mut b, |e| match e {
        P2pEvent::PeerReady { peer, info } => Some((peer, info)),
        _ => None,
    })
    .await;
    assert_eq!(peer, a.peer);
    assert_eq!(info.domain, domain);
    assert_eq!(info.subnets, BTreeSet::from([114]));
    let peer = next(&mut a, |e| match e {
        P2pEvent::PeerReady { peer, .. } => Some(peer),
        _ => None,
    })
    .await;
    assert_eq!(peer, b.peer);

    // Gossip: B publishes on subnet 114 until the mesh carries it to A.
    let data = b"an SSZ SignedSSVMessage would be here".to_vec();
    let got = timeout(Duration::from_secs(20), async {
        loop {
            b.commands
                .send(P2pCommand::Publish {
                    subnet: 114,
                    data: data.clone(),
                })
                .await
                .unwrap();
            if let Ok(Some(P2pEvent::Message {
                id,
                peer,
                topic,
                data,
            })) = timeout(Duration::from_millis(700), async {
                loop {
                    match a.events.recv().await {
                        Some(m @ P2pEvent::Message { .. }) => return Some(m),
                        Some(_) => continue,
                        None => return None,
                    }
                }
            })
            .await
            {
                return (id, peer, topic, data);
            }
        }
    })
    .await
    .expect("gossip delivered");
    let (id, peer, topic, got_data) = got;
    assert_eq!(got_data, data);
    assert_eq!(topic, "ssv.v2.114");
    assert_eq!(peer, b.peer);
    assert_eq!(id.0, gossip_message_id(&data).to_vec());
    a.commands
        .send(P2pCommand::Report {
            id,
            peer,
            verdict: Verdict::Accept,
        })
        .await
        .unwrap();

    // A node of another network is dropped after the handshake, by both sides,
    // each naming the other's network.
    let mut c = start([0, 0, 0, 1]).await;
    c.commands
        .send(P2pCommand::Dial(a.addr.clone()))
        .await
        .unwrap();
    let (peer, reason) = next(&mut c, |e| match e {
        P2pEvent::PeerRefused { peer, reason } => Some((peer, reason)),
        _ => None,
    })
    .await;
    assert_eq!(peer, a.peer);
    assert!(reason.contains("0x00000402"), "{reason}");
    let (peer, reason) = next(&mut a, |e| match e {
        P2pEvent::PeerRefused { peer, reason } => Some((peer, reason)),
        _ => None,
    })
    .await;
    assert_eq!(peer, c.peer);
    assert!(reason.contains("0x00000001"), "{reason}");
}
