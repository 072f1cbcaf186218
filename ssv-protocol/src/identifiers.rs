//! Identifiers derived from registry data: committee IDs and their gossip subnets,
//! gossip message IDs, cluster IDs, and the networks' domain types.

use sha2::{Digest as _, Sha256};
use sha3::Keccak256;

use crate::wire::DomainType;

/// The number of gossip subnets (topics `ssv.v2.0` to `ssv.v2.127`).
pub const SUBNETS: u64 = 128;

/// A committee's 32-byte ID.
pub type CommitteeId = [u8; 32];

/// The committee ID of a set of operators: SHA-256 of the sorted operator IDs,
/// each as a 4-byte little-endian integer (ssv-spec `GetCommitteeID`).
///
/// Operator IDs above `u32::MAX` do not fit the spec's encoding; they are
/// truncated exactly as the spec's `uint32` conversion does.
pub fn committee_id(operators: &[u64]) -> CommitteeId {
    let mut ids = operators.to_vec();
    ids.sort_unstable();
    let mut h = Sha256::new();
    for id in ids {
        h.update((id as u32).to_le_bytes());
    }
    h.finalize().into()
}

/// The subnet of a committee: its ID read as a big-endian integer, mod 128.
pub fn committee_subnet(id: &CommitteeId) -> u64 {
    // 128 divides 256, so only the last byte matters.
    u64::from(id[31]) % SUBNETS
}

/// Whether `topic` is the gossip topic of `subnet` (no allocation).
pub fn is_subnet_topic(topic: &str, subnet: u64) -> bool {
    topic
        .strip_prefix("ssv.v2.")
        // Only the canonical decimal: no sign, no leading zero.
        .filter(|n| !(n.starts_with('+') || (n.len() > 1 && n.starts_with('0'))))
        .and_then(|n| n.parse::<u64>().ok())
        .is_some_and(|n| n == subnet % SUBNETS)
}

/// The gossip topic of a subnet.
pub fn subnet_topic(subnet: u64) -> String {
    format!("ssv.v2.{}", subnet % SUBNETS)
}

/// The gossipsub message ID: xxhash64 of the message data, little endian, then 4
/// zero bytes.
pub fn gossip_message_id(data: &[u8]) -> [u8; 12] {
    let mut id = [0u8; 12];
    id[..8].copy_from_slice(&xxhash_rust::xxh64::xxh64(data, 0).to_le_bytes());
    id
}

/// The cluster ID: keccak256 of the owner's 20-byte address and each sorted
/// operator ID as a 32-byte big-endian integer.
pub fn cluster_id(owner: &[u8; 20], operators: &[u64]) -> [u8; 32] {
    let mut ids = operators.to_vec();
    ids.sort_unstable();
    let mut h = Keccak256::new();
    h.update(owner);
    for id in ids {
        let mut word = [0u8; 32];
        word[24..].copy_from_slice(&id.to_be_bytes());
        h.update(word);
    }
    h.finalize().into()
}

/// The public SSV networks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Network {
    /// Ethereum mainnet.
    Mainnet,
    /// Holesky testnet.
    Holesky,
    /// Hoodi testnet.
    Hoodi,
    /// Sepolia testnet.
    Sepolia,
}

impl Network {
    /// Every network.
    pub const ALL: [Network; 4] = [
        Network::Mainnet,
        Network::Holesky,
        Network::Hoodi,
        Network::Sepolia,
    ];

    /// The domain type that prefixes every message ID on this network.
    pub fn domain_type(self) -> DomainType {
        match self {
            Network::Mainnet => [0x00, 0x00, 0x00, 0x01],
            Network::Holesky => [0x00, 0x00, 0x05, 0x02],
            Network::Hoodi => [0x00, 0x00, 0x05, 0x03],
            Network::Sepolia => [0x00, 0x00, 0x05, 0x69],
        }
    }

    /// The network's name, as configuration files spell it.
    pub fn name(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Holesky => "holesky",
            Network::Hoodi => "hoodi",
            Network::Sepolia => "sepolia",
        }
    }

    /// The network of a name.
    pub fn from_name(name: &str) -> Option<Network> {
        Network::ALL.into_iter().find(|n| n.name() == name)
    }
}
