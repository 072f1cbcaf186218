//! The libp2p swarm (TCP, noise, yamux; gossipsub, identify, ping and the SSV
//! handshake) run as one task: commands in (publish, verdicts, subscriptions,
//! dials), events out (messages to validate, peers with their node info).
//! It decides nothing about messages: every verdict comes from the caller.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use libp2p::core::ConnectedPoint;
use libp2p::gossipsub::{self, MessageAcceptance};
use libp2p::identity::Keypair;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{identify, noise, ping, tcp, yamux, Multiaddr, PeerId, Swarm};
use tokio::sync::mpsc;

use super::handshake::{HandshakeCodec, NodeInfo, PROTOCOL};
use super::{gossip, limits};

pub use behaviour::{SsvBehaviour, SsvBehaviourEvent};

mod behaviour {
    // The derive writes an event enum whose variants cannot carry docs.
    #![allow(missing_docs)]
    use super::*;

    /// What the swarm is made of.
    #[derive(NetworkBehaviour)]
    pub struct SsvBehaviour {
        pub(super) gossipsub: gossipsub::Behaviour,
        pub(super) identify: identify::Behaviour,
        pub(super) ping: ping::Behaviour,
        pub(super) handshake: request_response::Behaviour<HandshakeCodec>,
    }
}

/// Settings of the network task.
#[derive(Clone, Debug)]
pub struct P2pConfig {
    /// Addresses to listen on.
    pub listen: Vec<Multiaddr>,
    /// Our network's domain type.
    pub domain: [u8; 4],
    /// Our software version, for identify and the handshake.
    pub node_version: String,
    /// Subnets to subscribe to at start.
    pub subnets: BTreeSet<u64>,
    /// Addresses to stay connected to: dialed at start and again every few
    /// seconds while no connection we dialed to them is open.
    pub static_peers: Vec<Multiaddr>,
}

/// A message's fate, as validation decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid: forward it.
    Accept,
    /// Drop it, no penalty.
    Ignore,
    /// Drop it and penalise the sender.
    Reject,
}

/// Commands to the network task.
#[derive(Debug)]
pub enum P2pCommand {
    /// Publish on a subnet's topic.
    Publish {
        /// The subnet.
        subnet: u64,
        /// The SSZ SignedSSVMessage.
        data: Vec<u8>,
    },
    /// Report validation of a received message.
    Report {
        /// Its message ID.
        id: gossipsub::MessageId,
        /// The peer it came from.
        peer: PeerId,
        /// The verdict.
        verdict: Verdict,
    },
    /// Subscribe to a subnet.
    Subscribe(u64),
    /// Dial an address.
    Dial(Multiaddr),
    /// Dial a known peer at an address unless it is connected or being dialed.
    DialPeer {
        /// The peer.
        peer: PeerId,
        /// Where.
        addr: Multiaddr,
    },
}

/// Events from the network task.
#[derive(Debug)]
pub enum P2pEvent {
    /// We listen here.
    Listening(Multiaddr),
    /// A gossip message to validate; answer with [`P2pCommand::Report`].
    Message {
        /// Its message ID.
        id: gossipsub::MessageId,
        /// The peer that forwarded it.
        peer: PeerId,
        /// Its topic.
        topic: String,
        /// Its data.
        data: Vec<u8>,
    },
    /// A peer passed the handshake.
    PeerReady {
        /// The peer.
        peer: PeerId,
        /// What it said of itself.
        info: NodeInfo,
    },
    /// A peer was dropped: failed handshake, or another network.
    PeerRefused {
        /// The peer.
        peer: PeerId,
        /// Why.
        reason: String,
    },
    /// A handshaked peer's last connection closed.
    PeerGone(PeerId),
    /// A publish failed (no peers on the topic, too large, ...).
    PublishFailed(String),
}

/// Builds the swarm.
pub fn build_swarm(key: Keypair, config: &P2pConfig) -> Result<Swarm<SsvBehaviour>, String> {
    let node_version = config.node_version.clone();
    let swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| e.to_string())?
        .with_behaviour(|key| {
            Ok(SsvBehaviour {
                gossipsub: gossip::behaviour(key)?,
                identify: identify::Behaviour::new(
                    identify::Config::new("ipfs/0.1.0".into(), key.public())
                        .with_agent_version(node_version),
                ),
                ping: ping::Behaviour::default(),
                handshake: request_response::Behaviour::new(
                    [(PROTOCOL, ProtocolSupport::Full)],
                    request_response::Config::default()
                        .with_request_timeout(Duration::from_secs(10)),
                ),
            })
        })
        .map_err(|e| e.to_string())?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(120)))
        .build();
    Ok(swarm)
}

/// The network task: runs until the command channel closes.
pub struct P2pService {
    swarm: Swarm<SsvBehaviour>,
    config: P2pConfig,
    key: Keypair,
    peers: BTreeMap<PeerId, NodeInfo>,
    /// Refused peers that asked us: they get our answer (so they learn why)
    /// and are dropped a second later, when the answer has surely left.
    refused: BTreeMap<PeerId, tokio::time::Instant>,
    /// Static peer addresses with an open connection we dialed, and to whom.
    static_connected: BTreeMap<Multiaddr, PeerId>,
    /// Connected peers: whether each dialed us.
    connected: BTreeMap<PeerId, bool>,
}

impl P2pService {
    /// A service over a new swarm listening on the configured addresses.
    pub fn new(key: Keypair, config: P2pConfig) -> Result<Self, String> {
        let mut swarm = build_swarm(key.clone(), &config)?;
        for addr in &config.listen {
            swarm
                .listen_on(addr.clone())
                .map_err(|e| format!("listen on {addr}: {e}"))?;
        }
        for subnet in &config.subnets {
            swarm
                .behaviour_mut()
                .gossipsub
                .subscribe(&gossip::topic(*subnet))
                .map_err(|e| e.to_string())?;
        }
        Ok(P2pService {
            swarm,
            config,
            key,
            peers: BTreeMap::new(),
            refused: BTreeMap::new(),
            static_connected: BTreeMap::new(),
            connected: BTreeMap::new(),
        })
    }

    /// Our peer ID.
    pub fn peer_id(&self) -> PeerId {
        *self.swarm.local_peer_id()
    }

    fn our_info(&self) -> NodeInfo {
        NodeInfo {
            domain: self.config.domain,
            node_version: self.config.node_version.clone(),
            execution_node: String::new(),
            consensus_node: String::new(),
            subnets: self.config.subnets.clone(),
        }
    }

    /// Runs the swarm: commands in, events out.
    pub async fn run(
        mut self,
        mut commands: mpsc::Receiver<P2pCommand>,
        events: mpsc::Sender<P2pEvent>,
    ) {
        let mut sweep = tokio::time::interval(Duration::from_millis(250));
        let mut redial = tokio::time::interval(Duration::from_secs(3));
        loop {
            tokio::select! {
                now = sweep.tick() => self.drop_refused(now),
                _ = redial.tick() => self.dial_static_peers(),
                command = commands.recv() => match command {
                    Some(command) => self.command(command, &events).await,
                    None => return,
                },
                event = self.swarm.select_next_some() => self.swarm_event(event, &events).await,
            }
        }
    }

    /// Whether a newly connected peer may stay under the peer limits; records
    /// it when it may.
    fn admit(&mut self, peer: PeerId, inbound: bool) -> bool {
        let max = limits::max_peers(self.config.subnets.len());
        let inbound_peers = self.connected.values().filter(|i| **i).count();
        let ok = limits::admit(inbound, self.connected.len(), inbound_peers, max);
        if ok {
            self.connected.insert(peer, inbound);
        }
        ok
    }

    /// A peer that dialed us: kept within the limits, else disconnected.
    fn inbound(&mut self, peer: PeerId) {
        if !self.admit(peer, true) {
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }

    fn dial_static_peers(&mut self) {
        for addr in self.config.static_peers.clone() {
            if !self.static_connected.contains_key(&addr) {
                let _ = self.swarm.dial(addr);
            }
        }
    }

    fn drop_refused(&mut self, now: tokio::time::Instant) {
        let due: Vec<PeerId> = self
            .refused
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(p, _)| *p)
            .collect();
        for peer in due {
            self.refused.remove(&peer);
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }

    async fn command(&mut self, command: P2pCommand, events: &mpsc::Sender<P2pEvent>) {
        let gossipsub = &mut self.swarm.behaviour_mut().gossipsub;
        match command {
            P2pCommand::Publish { subnet, data } => {
                if let Err(e) = gossipsub.publish(gossip::topic(subnet), data) {
                    let _ = events.send(P2pEvent::PublishFailed(e.to_string())).await;
                }
            }
            P2pCommand::Report { id, peer, verdict } => {
                let acceptance = match verdict {
                    Verdict::Accept => MessageAcceptance::Accept,
                    Verdict::Ignore => MessageAcceptance::Ignore,
                    Verdict::Reject => MessageAcceptance::Reject,
                };
                gossipsub.report_message_validation_result(&id, &peer, acceptance);
            }
            P2pCommand::Subscribe(subnet) => {
                let _ = gossipsub.subscribe(&gossip::topic(subnet));
                self.config.subnets.insert(subnet);
            }
            P2pCommand::Dial(addr) => {
                let _ = self.swarm.dial(addr);
            }
            P2pCommand::DialPeer { peer, addr } => {
                use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
                let opts = DialOpts::peer_id(peer)
                    .condition(PeerCondition::DisconnectedAndNotDialing)
                    .addresses(vec![addr])
                    .build();
                let _ = self.swarm.dial(opts);
            }
        }
    }

    /// Checks a peer's node info; drops the peer when it is of another network
    /// (once our answer is sent, when `answering`).
    async fn peer_info(
        &mut self,
        peer: PeerId,
        bytes: &[u8],
        answering: bool,
        events: &mpsc::Sender<P2pEvent>,
    ) {
        let result = NodeInfo::open(bytes, &peer)
            .map_err(|e| e.to_string())
            .and_then(|info| {
                if info.domain == self.config.domain {
                    Ok(info)
                } else {
                    Err(format!(
                        "network 0x{} is not ours",
                        hex::encode(info.domain)
                    ))
                }
            });
        match result {
            Ok(info) => {
                self.peers.insert(peer, info.clone());
                let _ = events.send(P2pEvent::PeerReady { peer, info }).await;
            }
            Err(reason) => {
                if answering {
                    let at = tokio::time::Instant::now() + Duration::from_secs(1);
                    self.refused.insert(peer, at);
                } else {
                    let _ = self.swarm.disconnect_peer_id(peer);
                }
                let _ = events.send(P2pEvent::PeerRefused { peer, reason }).await;
            }
        }
    }

    async fn swarm_event(
        &mut self,
        event: SwarmEvent<SsvBehaviourEvent>,
        events: &mpsc::Sender<P2pEvent>,
    ) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                let _ = events.send(P2pEvent::Listening(address)).await;
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint: ConnectedPoint::Listener { .. },
                num_established,
                ..
            } if num_established.get() == 1 => self.inbound(peer_id),
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint: ConnectedPoint::Dialer { address, .. },
                num_established,
                ..
            } => {
                let is_static = self.config.static_peers.contains(&address);
                if is_static {
                    self.static_connected.insert(address, peer_id);
                }
                if num_established.get() != 1 {
                    return;
                }
                // Static peers are always kept.
                if !is_static && !self.admit(peer_id, false) {
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    return;
                }
                if is_static {
                    self.connected.insert(peer_id, false);
                }
                // Only the dialing side asks (the Go node's rule).
                if let Ok(sealed) = self.our_info().seal(&self.key) {
                    self.swarm
                        .behaviour_mut()
                        .handshake
                        .send_request(&peer_id, sealed);
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                self.refused.remove(&peer_id);
                self.connected.remove(&peer_id);
                self.static_connected.retain(|_, p| *p != peer_id);
                if self.peers.remove(&peer_id).is_some() {
                    let _ = events.send(P2pEvent::PeerGone(peer_id)).await;
                }
            }
            SwarmEvent::Behaviour(SsvBehaviourEvent::Handshake(
                request_response::Event::Message { peer, message, .. },
            )) => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    // Answer first, then judge the peer's info (as the Go node does).
                    if let Ok(sealed) = self.our_info().seal(&self.key) {
                        let _ = self
                            .swarm
                            .behaviour_mut()
                            .handshake
                            .send_response(channel, sealed);
                    }
                    self.peer_info(peer, &request, true, events).await;
                }
                request_response::Message::Response { response, .. } => {
                    self.peer_info(peer, &response, false, events).await;
                }
            },

            SwarmEvent::Behaviour(SsvBehaviourEvent::Handshake(
                request_response::Event::OutboundFailure { peer, error, .. },
            )) => {
                let _ = self.swarm.disconnect_peer_id(peer);
                let reason = format!("handshake: {error}");
                let _ = events.send(P2pEvent::PeerRefused { peer, reason }).await;
            }
            SwarmEvent::Behaviour(SsvBehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => {
                let _ = events
                    .send(P2pEvent::Message {
                        id: message_id,
                        peer: propagation_source,
                        topic: message.topic.as_str().to_string(),
                        data: message.data,
                    })
                    .await;
            }
            _ => {}
        }
    }
}
