//! Deneb containers (consensus-specs, mainnet preset): blob gas in the payload,
//! blob commitments in the body, and block contents with blobs and proofs.

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{U1048576, U128, U131072, U16, U2, U256, U32, U4096, U48};
use ssz_types::{FixedVector, VariableList};
use tree_hash_derive::TreeHash;

use super::capella::{
    Address, AttesterSlashing, Deposit, Eth1Data, ProposerSlashing, SignedBlsToExecutionChange,
    SignedVoluntaryExit, SyncAggregate, Transaction, Uint256, Withdrawals,
};
use super::phase0::{Attestation, BlsSignature, Root};

/// A KZG commitment.
pub type KzgCommitment = FixedVector<u8, U48>;
/// A KZG proof.
pub type KzgProof = FixedVector<u8, U48>;
/// A blob (4096 field elements of 32 bytes).
pub type Blob = FixedVector<u8, U131072>;

/// consensus-specs Deneb `ExecutionPayload`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ExecutionPayload {
    /// Parent block hash.
    pub parent_hash: Root,
    /// Fee recipient.
    pub fee_recipient: Address,
    /// State root.
    pub state_root: Root,
    /// Receipts root.
    pub receipts_root: Root,
    /// Logs bloom.
    pub logs_bloom: FixedVector<u8, U256>,
    /// RANDAO mix.
    pub prev_randao: Root,
    /// Block number.
    pub block_number: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Extra data.
    pub extra_data: VariableList<u8, U32>,
    /// Base fee per gas.
    pub base_fee_per_gas: Uint256,
    /// Block hash.
    pub block_hash: Root,
    /// Transactions.
    pub transactions: VariableList<Transaction, U1048576>,
    /// Withdrawals.
    pub withdrawals: Withdrawals,
    /// Blob gas used.
    pub blob_gas_used: u64,
    /// Excess blob gas.
    pub excess_blob_gas: u64,
}

/// consensus-specs Deneb `ExecutionPayloadHeader`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ExecutionPayloadHeader {
    /// Parent block hash.
    pub parent_hash: Root,
    /// Fee recipient.
    pub fee_recipient: Address,
    /// State root.
    pub state_root: Root,
    /// Receipts root.
    pub receipts_root: Root,
    /// Logs bloom.
    pub logs_bloom: FixedVector<u8, U256>,
    /// RANDAO mix.
    pub prev_randao: Root,
    /// Block number.
    pub block_number: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Extra data.
    pub extra_data: VariableList<u8, U32>,
    /// Base fee per gas.
    pub base_fee_per_gas: Uint256,
    /// Block hash.
    pub block_hash: Root,
    /// Transactions root.
    pub transactions_root: Root,
    /// Withdrawals root.
    pub withdrawals_root: Root,
    /// Blob gas used.
    pub blob_gas_used: u64,
    /// Excess blob gas.
    pub excess_blob_gas: u64,
}

/// consensus-specs Deneb `BeaconBlockBody`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BeaconBlockBody {
    /// RANDAO reveal.
    pub randao_reveal: BlsSignature,
    /// Eth1 vote.
    pub eth1_data: Eth1Data,
    /// Graffiti.
    pub graffiti: Root,
    /// Proposer slashings.
    pub proposer_slashings: VariableList<ProposerSlashing, U16>,
    /// Attester slashings.
    pub attester_slashings: VariableList<AttesterSlashing, U2>,
    /// Attestations.
    pub attestations: VariableList<Attestation, U128>,
    /// Deposits.
    pub deposits: VariableList<Deposit, U16>,
    /// Voluntary exits.
    pub voluntary_exits: VariableList<SignedVoluntaryExit, U16>,
    /// Sync aggregate.
    pub sync_aggregate: SyncAggregate,
    /// The execution payload (or its header, blinded).
    pub execution_payload: ExecutionPayload,
    /// BLS-to-execution changes.
    pub bls_to_execution_changes: VariableList<SignedBlsToExecutionChange, U16>,
    /// Blob KZG commitments.
    pub blob_kzg_commitments: VariableList<KzgCommitment, U4096>,
}

/// consensus-specs Deneb `BeaconBlock`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BeaconBlock {
    /// Slot.
    pub slot: u64,
    /// Proposer.
    pub proposer_index: u64,
    /// Parent root.
    pub parent_root: Root,
    /// State root.
    pub state_root: Root,
    /// Body.
    pub body: BeaconBlockBody,
}

/// builder-specs Deneb `BlindedBeaconBlockBody`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BlindedBeaconBlockBody {
    /// RANDAO reveal.
    pub randao_reveal: BlsSignature,
    /// Eth1 vote.
    pub eth1_data: Eth1Data,
    /// Graffiti.
    pub graffiti: Root,
    /// Proposer slashings.
    pub proposer_slashings: VariableList<ProposerSlashing, U16>,
    /// Attester slashings.
    pub attester_slashings: VariableList<AttesterSlashing, U2>,
    /// Attestations.
    pub attestations: VariableList<Attestation, U128>,
    /// Deposits.
    pub deposits: VariableList<Deposit, U16>,
    /// Voluntary exits.
    pub voluntary_exits: VariableList<SignedVoluntaryExit, U16>,
    /// Sync aggregate.
    pub sync_aggregate: SyncAggregate,
    /// The execution payload (or its header, blinded).
    pub execution_payload_header: ExecutionPayloadHeader,
    /// BLS-to-execution changes.
    pub bls_to_execution_changes: VariableList<SignedBlsToExecutionChange, U16>,
    /// Blob KZG commitments.
    pub blob_kzg_commitments: VariableList<KzgCommitment, U4096>,
}

/// builder-specs Deneb `BlindedBeaconBlock`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BlindedBeaconBlock {
    /// Slot.
    pub slot: u64,
    /// Proposer.
    pub proposer_index: u64,
    /// Parent root.
    pub parent_root: Root,
    /// State root.
    pub state_root: Root,
    /// Body.
    pub body: BlindedBeaconBlockBody,
}

/// beacon-APIs Deneb `BlockContents`: the block with its blobs and their proofs.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BlockContents {
    /// The block.
    pub block: BeaconBlock,
    /// One proof per blob.
    pub kzg_proofs: VariableList<KzgProof, U4096>,
    /// The blobs.
    pub blobs: VariableList<Blob, U4096>,
}
