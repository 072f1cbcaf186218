//! The SSV contract's events the node acts on, decoded from a log's topics and
//! data (protocol facts §5; the contract ABI's event definitions).

use std::sync::OnceLock;

use sha3::{Digest, Keccak256};

use super::abi::{topic_u64, word_address, AbiReader};
use super::{Address, EventError};

/// The contract's `Cluster` struct, as events carry it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ClusterSnapshot {
    /// `validatorCount` (uint32).
    pub validator_count: u32,
    /// `networkFeeIndex` (uint64).
    pub network_fee_index: u64,
    /// `index` (uint64).
    pub index: u64,
    /// `active`.
    pub active: bool,
    /// `balance` (uint256), big-endian.
    pub balance: [u8; 32],
}

/// One decoded contract event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContractEvent {
    /// `OperatorAdded(uint64 indexed operatorId, address indexed owner, bytes publicKey, uint256 fee)`.
    OperatorAdded {
        /// The new operator's ID.
        operator_id: u64,
        /// Its owner.
        owner: Address,
        /// The raw `publicKey` bytes (ABI-encoded `bytes` holding base64 PEM text).
        public_key: Vec<u8>,
        /// Its fee, big-endian.
        fee: [u8; 32],
    },
    /// `OperatorRemoved(uint64 indexed operatorId)`.
    OperatorRemoved {
        /// The removed operator's ID.
        operator_id: u64,
    },
    /// `ValidatorAdded(address indexed owner, uint64[] operatorIds, bytes publicKey, bytes shares, Cluster cluster)`.
    ValidatorAdded {
        /// The cluster owner.
        owner: Address,
        /// The committee's operator IDs, in the order the shares are given.
        operator_ids: Vec<u64>,
        /// The validator's public key bytes (48 when well formed).
        public_key: Vec<u8>,
        /// The shares blob.
        shares: Vec<u8>,
        /// The cluster after the call.
        cluster: ClusterSnapshot,
    },
    /// `ValidatorRemoved(address indexed owner, uint64[] operatorIds, bytes publicKey, Cluster cluster)`.
    ValidatorRemoved {
        /// The cluster owner.
        owner: Address,
        /// The committee's operator IDs.
        operator_ids: Vec<u64>,
        /// The validator's public key bytes.
        public_key: Vec<u8>,
        /// The cluster after the call.
        cluster: ClusterSnapshot,
    },
    /// `ClusterLiquidated(address indexed owner, uint64[] operatorIds, Cluster cluster)`.
    ClusterLiquidated {
        /// The cluster owner.
        owner: Address,
        /// The cluster's operator IDs.
        operator_ids: Vec<u64>,
        /// The cluster after the call.
        cluster: ClusterSnapshot,
    },
    /// `ClusterReactivated(address indexed owner, uint64[] operatorIds, Cluster cluster)`.
    ClusterReactivated {
        /// The cluster owner.
        owner: Address,
        /// The cluster's operator IDs.
        operator_ids: Vec<u64>,
        /// The cluster after the call.
        cluster: ClusterSnapshot,
    },
    /// `FeeRecipientAddressUpdated(address indexed owner, address recipientAddress)`.
    FeeRecipientAddressUpdated {
        /// The owner.
        owner: Address,
        /// Its new fee recipient.
        recipient: Address,
    },
    /// `ValidatorExited(address indexed owner, uint64[] operatorIds, bytes publicKey)`.
    ValidatorExited {
        /// The cluster owner.
        owner: Address,
        /// The committee's operator IDs.
        operator_ids: Vec<u64>,
        /// The validator's public key bytes.
        public_key: Vec<u8>,
    },
}

/// The events' names, in the order of [`EVENT_SIGNATURES`].
const EVENT_NAMES: [&str; 8] = [
    "OperatorAdded",
    "OperatorRemoved",
    "ValidatorAdded",
    "ValidatorRemoved",
    "ClusterLiquidated",
    "ClusterReactivated",
    "FeeRecipientAddressUpdated",
    "ValidatorExited",
];

/// The canonical signatures whose keccak256 is each event's first topic.
pub const EVENT_SIGNATURES: [&str; 8] = [
    "OperatorAdded(uint64,address,bytes,uint256)",
    "OperatorRemoved(uint64)",
    "ValidatorAdded(address,uint64[],bytes,bytes,(uint32,uint64,uint64,bool,uint256))",
    "ValidatorRemoved(address,uint64[],bytes,(uint32,uint64,uint64,bool,uint256))",
    "ClusterLiquidated(address,uint64[],(uint32,uint64,uint64,bool,uint256))",
    "ClusterReactivated(address,uint64[],(uint32,uint64,uint64,bool,uint256))",
    "FeeRecipientAddressUpdated(address,address)",
    "ValidatorExited(address,uint64[],bytes)",
];

/// keccak256 of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The first topics of every event the node acts on, for the `eth_getLogs` filter.
pub fn event_topics() -> &'static [[u8; 32]; 8] {
    static TOPICS: OnceLock<[[u8; 32]; 8]> = OnceLock::new();
    TOPICS.get_or_init(|| EVENT_SIGNATURES.map(|s| keccak256(s.as_bytes())))
}

impl ContractEvent {
    /// The event's name, as the ABI has it.
    pub fn name(&self) -> &'static str {
        EVENT_NAMES[self.kind()]
    }

    fn kind(&self) -> usize {
        match self {
            ContractEvent::OperatorAdded { .. } => 0,
            ContractEvent::OperatorRemoved { .. } => 1,
            ContractEvent::ValidatorAdded { .. } => 2,
            ContractEvent::ValidatorRemoved { .. } => 3,
            ContractEvent::ClusterLiquidated { .. } => 4,
            ContractEvent::ClusterReactivated { .. } => 5,
            ContractEvent::FeeRecipientAddressUpdated { .. } => 6,
            ContractEvent::ValidatorExited { .. } => 7,
        }
    }
}

/// The name of the event a first topic stands for, if it is one the node acts on.
pub fn event_name(topic0: &[u8; 32]) -> Option<&'static str> {
    let kind = event_topics().iter().position(|t| t == topic0)?;
    EVENT_NAMES.get(kind).copied()
}

fn cluster(r: &mut AbiReader<'_>) -> Result<ClusterSnapshot, EventError> {
    Ok(ClusterSnapshot {
        validator_count: r.u32("cluster.validatorCount")?,
        network_fee_index: r.u64("cluster.networkFeeIndex")?,
        index: r.u64("cluster.index")?,
        active: r.bool("cluster.active")?,
        balance: r.u256("cluster.balance")?,
    })
}

/// Decodes a log of the SSV contract. `Ok(None)` for an event the node does not
/// act on (fees, withdrawals, ...); an error for a log whose topics or data do
/// not match its event's ABI.
pub fn decode_log(topics: &[[u8; 32]], data: &[u8]) -> Result<Option<ContractEvent>, EventError> {
    let Some((topic0, indexed)) = topics.split_first() else {
        return Err(EventError::NoTopics);
    };
    let Some(kind) = event_topics().iter().position(|t| t == topic0) else {
        return Ok(None);
    };
    let want_indexed = match kind {
        0 => 2,
        _ => 1,
    };
    if indexed.len() != want_indexed {
        return Err(EventError::TopicCount {
            event: EVENT_NAMES[kind],
            got: indexed.len(),
        });
    }
    let first = &indexed[0];
    let mut r = AbiReader::new(data);
    let event = match kind {
        0 => ContractEvent::OperatorAdded {
            operator_id: topic_u64(first, "operatorId")?,
            owner: Address(word_address(&indexed[1], "owner")?),
            public_key: r.bytes("publicKey")?.to_vec(),
            fee: r.u256("fee")?,
        },
        1 => ContractEvent::OperatorRemoved {
            operator_id: topic_u64(first, "operatorId")?,
        },
        2 => ContractEvent::ValidatorAdded {
            owner: Address(word_address(first, "owner")?),
            operator_ids: r.u64_array("operatorIds")?,
            public_key: r.bytes("publicKey")?.to_vec(),
            shares: r.bytes("shares")?.to_vec(),
            cluster: cluster(&mut r)?,
        },
        3 => ContractEvent::ValidatorRemoved {
            owner: Address(word_address(first, "owner")?),
            operator_ids: r.u64_array("operatorIds")?,
            public_key: r.bytes("publicKey")?.to_vec(),
            cluster: cluster(&mut r)?,
        },
        4 | 5 => {
            let owner = Address(word_address(first, "owner")?);
            let operator_ids = r.u64_array("operatorIds")?;
            let cluster = cluster(&mut r)?;
            if kind == 4 {
                ContractEvent::ClusterLiquidated {
                    owner,
                    operator_ids,
                    cluster,
                }
            } else {
                ContractEvent::ClusterReactivated {
                    owner,
                    operator_ids,
                    cluster,
                }
            }
        }
        6 => ContractEvent::FeeRecipientAddressUpdated {
            owner: Address(word_address(first, "owner")?),
            recipient: Address(r.address("recipientAddress")?),
        },
        _ => ContractEvent::ValidatorExited {
            owner: Address(word_address(first, "owner")?),
            operator_ids: r.u64_array("operatorIds")?,
            public_key: r.bytes("publicKey")?.to_vec(),
        },
    };
    Ok(Some(event))
}
