//! Electra containers (consensus-specs, mainnet preset): committee-aware
//! attestations and execution requests. Fulu keeps these and changes only the
//! number of proofs in block contents.

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{U1, U131072, U16, U2, U33554432, U4096, U64, U8, U8192};
use ssz_types::{BitList, BitVector, VariableList};
use tree_hash_derive::TreeHash;

use super::capella::{
    Address, BlsPubkey, Deposit, Eth1Data, ProposerSlashing, SignedBlsToExecutionChange,
    SignedVoluntaryExit, SyncAggregate,
};
use super::deneb::{Blob, ExecutionPayload, ExecutionPayloadHeader, KzgCommitment, KzgProof};
use super::phase0::{AttestationData, BlsSignature, Root};

/// consensus-specs Electra `Attestation`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct Attestation {
    /// Who attested, across the committees.
    pub aggregation_bits: BitList<U131072>,
    /// What they attested to.
    pub data: AttestationData,
    /// The aggregate signature.
    pub signature: BlsSignature,
    /// Which committees took part.
    pub committee_bits: BitVector<U64>,
}

/// consensus-specs Electra `IndexedAttestation`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct IndexedAttestation {
    /// The attesters.
    pub attesting_indices: VariableList<u64, U131072>,
    /// What they attested to.
    pub data: AttestationData,
    /// The aggregate signature.
    pub signature: BlsSignature,
}

/// consensus-specs Electra `AttesterSlashing`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct AttesterSlashing {
    /// One attestation.
    pub attestation_1: IndexedAttestation,
    /// A conflicting one.
    pub attestation_2: IndexedAttestation,
}

/// consensus-specs `DepositRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct DepositRequest {
    /// The validator key.
    pub pubkey: BlsPubkey,
    /// The withdrawal credentials.
    pub withdrawal_credentials: Root,
    /// The amount in Gwei.
    pub amount: u64,
    /// The deposit signature.
    pub signature: BlsSignature,
    /// The deposit index.
    pub index: u64,
}

/// consensus-specs `WithdrawalRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct WithdrawalRequest {
    /// The requesting address.
    pub source_address: Address,
    /// The validator.
    pub validator_pubkey: BlsPubkey,
    /// The amount in Gwei.
    pub amount: u64,
}

/// consensus-specs `ConsolidationRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ConsolidationRequest {
    /// The requesting address.
    pub source_address: Address,
    /// The validator consolidated from.
    pub source_pubkey: BlsPubkey,
    /// The validator consolidated into.
    pub target_pubkey: BlsPubkey,
}

/// consensus-specs `ExecutionRequests`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ExecutionRequests {
    /// Deposits.
    pub deposits: VariableList<DepositRequest, U8192>,
    /// Withdrawals.
    pub withdrawals: VariableList<WithdrawalRequest, U16>,
    /// Consolidations.
    pub consolidations: VariableList<ConsolidationRequest, U2>,
}

/// consensus-specs Electra `BeaconBlockBody`.
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
    pub attester_slashings: VariableList<AttesterSlashing, U1>,
    /// Attestations.
    pub attestations: VariableList<Attestation, U8>,
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
    /// Execution-layer requests.
    pub execution_requests: ExecutionRequests,
}

/// consensus-specs Electra `BeaconBlock` (also Fulu's).
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

/// builder-specs Electra `BlindedBeaconBlockBody`.
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
    pub attester_slashings: VariableList<AttesterSlashing, U1>,
    /// Attestations.
    pub attestations: VariableList<Attestation, U8>,
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
    /// Execution-layer requests.
    pub execution_requests: ExecutionRequests,
}

/// builder-specs Electra `BlindedBeaconBlock` (also Fulu's).
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

/// beacon-APIs Electra `BlockContents`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BlockContents {
    /// The block.
    pub block: BeaconBlock,
    /// One proof per blob.
    pub kzg_proofs: VariableList<KzgProof, U4096>,
    /// The blobs.
    pub blobs: VariableList<Blob, U4096>,
}

/// beacon-APIs Fulu `BlockContents`: cell proofs instead of blob proofs.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct FuluBlockContents {
    /// The block.
    pub block: BeaconBlock,
    /// Cell proofs: `FIELD_ELEMENTS_PER_EXT_BLOB` (8192) times 4096 at most.
    pub kzg_proofs: VariableList<KzgProof, U33554432>,
    /// The blobs.
    pub blobs: VariableList<Blob, U4096>,
}
