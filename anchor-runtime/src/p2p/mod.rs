//! The SSV peer-to-peer network on libp2p: gossipsub with the network's topics,
//! message IDs and parameters ([`gossip`]), the `/ssv/info/0.0.1` handshake
//! ([`handshake`]), the SSV node-record fields and discovery filter
//! ([`enr_fields`]), and the swarm task ([`service`]).

pub mod discovery;
pub mod enr_fields;
pub mod gossip;
pub mod handshake;
pub mod limits;
pub mod service;

pub use service::{P2pCommand, P2pConfig, P2pEvent, P2pService, Verdict};
