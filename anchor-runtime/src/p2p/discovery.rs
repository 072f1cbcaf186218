//! Peer discovery over discv5 with the SSV protocol ID (`ssvdv5`): our record
//! carries the SSV fields; discovered records are kept when the Go node would
//! dial them (our domain, a shared subnet) and turned into dial addresses.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use discv5::{ConfigBuilder, Discv5, ListenConfig};
use enr::{CombinedKey, Enr, NodeId};
use libp2p::identity::{self, Keypair};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

use super::enr_fields::{build_enr, worth_dialing, SSV_DISCOVERY};

/// Why discovery could not start.
#[derive(Debug, thiserror::Error)]
#[error("discovery: {0}")]
pub struct DiscoveryError(String);

/// The discv5 key of a libp2p identity: the same secp256k1 key, so the node
/// record and the peer ID name one node.
pub fn discovery_key(key: &Keypair) -> Result<CombinedKey, DiscoveryError> {
    let secp = key
        .clone()
        .try_into_secp256k1()
        .map_err(|_| DiscoveryError("the node key must be secp256k1".into()))?;
    let mut secret = secp.secret().to_bytes();
    CombinedKey::secp256k1_from_bytes(&mut secret).map_err(|e| DiscoveryError(e.to_string()))
}

/// The peer ID and TCP dial address of a record (secp256k1 records with an
/// IPv4 TCP endpoint only).
pub fn dial_address(enr: &Enr<CombinedKey>) -> Option<(PeerId, Multiaddr)> {
    let enr::CombinedPublicKey::Secp256k1(public) = enr.public_key() else {
        return None;
    };
    let public = identity::secp256k1::PublicKey::try_from_bytes(&public.to_sec1_bytes()).ok()?;
    let peer = identity::PublicKey::from(public).to_peer_id();
    let addr = Multiaddr::empty()
        .with(Protocol::Ip4(enr.ip4()?))
        .with(Protocol::Tcp(enr.tcp4()?))
        .with(Protocol::P2p(peer));
    Some((peer, addr))
}

/// The running discovery service.
pub struct Discovery {
    discv5: Discv5,
    domain: [u8; 4],
    subnets: BTreeSet<u64>,
}

impl Discovery {
    /// Starts discv5 on `ip:udp`, advertising `tcp` for libp2p, and adds the
    /// boot records.
    pub async fn start(
        key: &Keypair,
        ip: Ipv4Addr,
        udp: u16,
        tcp: u16,
        domain: [u8; 4],
        subnets: BTreeSet<u64>,
        boot: &[Enr<CombinedKey>],
    ) -> Result<Discovery, DiscoveryError> {
        let combined = discovery_key(key)?;
        let enr = build_enr(&combined, ip, tcp, udp, domain, &subnets)
            .map_err(|e| DiscoveryError(e.to_string()))?;
        let config = ConfigBuilder::new(ListenConfig::from_ip(ip.into(), udp))
            .protocol_identity(SSV_DISCOVERY)
            .build();
        let mut discv5 =
            Discv5::new(enr, combined, config).map_err(|e| DiscoveryError(e.to_string()))?;
        discv5
            .start()
            .await
            .map_err(|e| DiscoveryError(e.to_string()))?;
        for record in boot {
            discv5
                .add_enr(record.clone())
                .map_err(|e| DiscoveryError(format!("boot record: {e}")))?;
        }
        Ok(Discovery {
            discv5,
            domain,
            subnets,
        })
    }

    /// Our node record.
    pub fn local_enr(&self) -> Enr<CombinedKey> {
        self.discv5.local_enr()
    }

    /// One random walk: up to `want` peers worth dialing, with their addresses.
    pub async fn find_peers(&self, want: usize) -> Vec<(PeerId, Multiaddr)> {
        self.find_peers_near(NodeId::random(), want).await
    }

    /// A walk toward `target`: up to `want` peers worth dialing. discv5 asks
    /// each node only for the few log-distances around the target's, so a
    /// walk toward a node's own ID is the one sure to return its record.
    pub async fn find_peers_near(&self, target: NodeId, want: usize) -> Vec<(PeerId, Multiaddr)> {
        let (domain, subnets) = (self.domain, self.subnets.clone());
        let predicate =
            Box::new(move |enr: &Enr<CombinedKey>| worth_dialing(enr, domain, &subnets));
        let found = self
            .discv5
            .find_node_predicate(target, predicate, want)
            .await
            .unwrap_or_default();
        found.iter().filter_map(dial_address).collect()
    }
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Discovery({})", self.discv5.local_enr().to_base64())
    }
}
