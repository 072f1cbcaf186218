//! The `/ssv/info/0.0.1` handshake (p2p facts §4): each side's node info, in a
//! signed libp2p record envelope (domain `ssv`, payload type `ssv/nodeinfo`),
//! sent unframed: the requester writes and half-closes, the responder reads to
//! the end, answers and closes. Only the dialing side asks.

use std::collections::BTreeSet;
use std::io;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::core::SignedEnvelope;
use libp2p::identity::{Keypair, PublicKey};
use libp2p::StreamProtocol;
use serde::{Deserialize, Serialize};

use super::enr_fields::{subnets_bitvector, subnets_of};

/// The handshake's stream protocol.
pub const PROTOCOL: StreamProtocol = StreamProtocol::new("/ssv/info/0.0.1");
/// The envelope's signature domain.
pub const DOMAIN: &str = "ssv";
/// The envelope's payload type.
pub const PAYLOAD_TYPE: &[u8] = b"ssv/nodeinfo";
/// The most bytes read from a handshake stream.
pub const MAX_SIZE: u64 = 4096;

/// What a node says of itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// Its network's domain type.
    pub domain: [u8; 4],
    /// Its software and version.
    pub node_version: String,
    /// Its execution client (the Go node sends "").
    pub execution_node: String,
    /// Its consensus client (the Go node sends "").
    pub consensus_node: String,
    /// The subnets it subscribes to.
    pub subnets: BTreeSet<u64>,
}

/// Why a peer's node info was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    /// Not a signed envelope of the right domain and type.
    #[error("bad envelope: {0}")]
    Envelope(String),
    /// The JSON is not node info.
    #[error("bad node info: {0}")]
    Json(String),
    /// The envelope was signed by another key than the peer's.
    #[error("node info signed by another key than the peer's")]
    Signer,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    #[serde(rename = "Entries")]
    entries: Vec<String>,
}

/// The metadata entry; the field order is the Go node's.
#[derive(Serialize, Deserialize)]
struct Metadata {
    #[serde(rename = "NodeVersion", default)]
    node_version: String,
    #[serde(rename = "ExecutionNode", default)]
    execution_node: String,
    #[serde(rename = "ConsensusNode", default)]
    consensus_node: String,
    #[serde(rename = "Subnets")]
    subnets: String,
}

impl NodeInfo {
    /// The JSON payload: `{"Entries":["", "0x<domain>", "<metadata JSON>"]}`.
    pub fn to_json(&self) -> Vec<u8> {
        let metadata = Metadata {
            node_version: self.node_version.clone(),
            execution_node: self.execution_node.clone(),
            consensus_node: self.consensus_node.clone(),
            subnets: hex::encode(subnets_bitvector(&self.subnets)),
        };
        let record = Record {
            entries: vec![
                String::new(),
                format!("0x{}", hex::encode(self.domain)),
                serde_json::to_string(&metadata).unwrap_or_default(),
            ],
        };
        serde_json::to_vec(&record).unwrap_or_default()
    }

    /// Reads the JSON payload.
    pub fn from_json(bytes: &[u8]) -> Result<NodeInfo, HandshakeError> {
        let json = |e: &dyn std::fmt::Display| HandshakeError::Json(e.to_string());
        let record: Record = serde_json::from_slice(bytes).map_err(|e| json(&e))?;
        let [_, network, metadata] = record.entries.as_slice() else {
            return Err(HandshakeError::Json(format!(
                "{} entries, want 3",
                record.entries.len()
            )));
        };
        let domain = network
            .strip_prefix("0x")
            .and_then(|h| hex::decode(h).ok())
            .and_then(|d| <[u8; 4]>::try_from(d).ok())
            .ok_or_else(|| HandshakeError::Json(format!("network ID {network:?}")))?;
        let metadata: Metadata = serde_json::from_str(metadata).map_err(|e| json(&e))?;
        // Exactly 32 hex characters, as the Go node requires.
        let bits = (metadata.subnets.len() == 32)
            .then(|| hex::decode(&metadata.subnets).ok())
            .flatten()
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .ok_or_else(|| HandshakeError::Json(format!("subnets {:?}", metadata.subnets)))?;
        Ok(NodeInfo {
            domain,
            node_version: metadata.node_version,
            execution_node: metadata.execution_node,
            consensus_node: metadata.consensus_node,
            subnets: subnets_of(&bits),
        })
    }

    /// The signed envelope, in its protobuf encoding.
    pub fn seal(&self, key: &Keypair) -> Result<Vec<u8>, HandshakeError> {
        SignedEnvelope::new(
            key,
            DOMAIN.to_string(),
            PAYLOAD_TYPE.to_vec(),
            self.to_json(),
        )
        .map(SignedEnvelope::into_protobuf_encoding)
        .map_err(|e| HandshakeError::Envelope(e.to_string()))
    }

    /// Opens a peer's envelope: checks the signature, domain and type, and that
    /// it was signed by `peer` (the key behind the connection's peer ID).
    pub fn open(bytes: &[u8], peer: &libp2p::PeerId) -> Result<NodeInfo, HandshakeError> {
        let envelope = SignedEnvelope::from_protobuf_encoding(bytes)
            .map_err(|e| HandshakeError::Envelope(e.to_string()))?;
        let (payload, signer): (&[u8], &PublicKey) = envelope
            .payload_and_signing_key(DOMAIN.to_string(), PAYLOAD_TYPE)
            .map_err(|e| HandshakeError::Envelope(e.to_string()))?;
        if &signer.to_peer_id() != peer {
            return Err(HandshakeError::Signer);
        }
        NodeInfo::from_json(payload)
    }
}

/// The request-response codec: raw bytes, read to the end of the stream.
#[derive(Clone, Copy, Debug, Default)]
pub struct HandshakeCodec;

async fn read_all<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    io.take(MAX_SIZE).read_to_end(&mut buf).await?;
    Ok(buf)
}

impl libp2p::request_response::Codec for HandshakeCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Vec<u8>> {
        read_all(io).await
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Vec<u8>> {
        read_all(io).await
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> io::Result<()> {
        io.write_all(&req).await?;
        io.flush().await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Vec<u8>,
    ) -> io::Result<()> {
        io.write_all(&res).await?;
        io.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> NodeInfo {
        NodeInfo {
            domain: [0, 0, 0, 1],
            node_version: "anchor-rs/0.1.0".into(),
            execution_node: String::new(),
            consensus_node: String::new(),
            subnets: BTreeSet::from([114]),
        }
    }

    #[test]
    fn json_is_the_go_nodes_layout() {
        let want = r#"{"Entries":["","0x00000001","{\"NodeVersion\":\"anchor-rs/0.1.0\",\"ExecutionNode\":\"\",\"ConsensusNode\":\"\",\"Subnets\":\"00000000000000000000000000000400\"}"]}"#;
        assert_eq!(String::from_utf8(info().to_json()).unwrap(), want);
        assert_eq!(NodeInfo::from_json(want.as_bytes()).unwrap(), info());
        // Subnets must be exactly 32 hex characters.
        let short = want.replace("00000000000000000000000000000400", "0400");
        assert!(NodeInfo::from_json(short.as_bytes()).is_err());
        assert!(NodeInfo::from_json(b"{\"Entries\":[\"\"]}").is_err());
    }

    #[test]
    fn envelope_is_checked_against_the_peer() {
        let key = Keypair::generate_secp256k1();
        let other = Keypair::generate_secp256k1();
        let sealed = info().seal(&key).unwrap();
        assert_eq!(
            NodeInfo::open(&sealed, &key.public().to_peer_id()).unwrap(),
            info()
        );
        assert_eq!(
            NodeInfo::open(&sealed, &other.public().to_peer_id()),
            Err(HandshakeError::Signer)
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(NodeInfo::open(&tampered, &key.public().to_peer_id()).is_err());
    }
}
