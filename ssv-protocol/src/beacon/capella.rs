//! Capella containers (consensus-specs, mainnet preset), and the ones later forks
//! keep unchanged.

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{
    U1048576, U1073741824, U128, U16, U2, U20, U2048, U256, U32, U33, U48, U512,
};
use ssz_types::{BitVector, FixedVector, VariableList};
use tree_hash_derive::TreeHash;

use super::phase0::{Attestation, AttestationData, BlsSignature, Root};

/// A 20-byte execution address.
pub type Address = FixedVector<u8, U20>;
/// A 48-byte BLS public key.
pub type BlsPubkey = FixedVector<u8, U48>;
/// A 256-bit integer, as its 32 little-endian bytes (same SSZ and root).
pub type Uint256 = FixedVector<u8, U32>;
/// A transaction.
pub type Transaction = VariableList<u8, U1073741824>;

/// consensus-specs `Eth1Data`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct Eth1Data {
    /// The deposit tree root.
    pub deposit_root: Root,
    /// The deposit count.
    pub deposit_count: u64,
    /// The block hash.
    pub block_hash: Root,
}

/// consensus-specs `BeaconBlockHeader`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BeaconBlockHeader {
    /// The slot.
    pub slot: u64,
    /// The proposer.
    pub proposer_index: u64,
    /// The parent block root.
    pub parent_root: Root,
    /// The post-state root.
    pub state_root: Root,
    /// The body root.
    pub body_root: Root,
}

/// consensus-specs `SignedBeaconBlockHeader`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SignedBeaconBlockHeader {
    /// The header.
    pub message: BeaconBlockHeader,
    /// The proposer's signature.
    pub signature: BlsSignature,
}

/// consensus-specs `ProposerSlashing`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ProposerSlashing {
    /// One header.
    pub signed_header_1: SignedBeaconBlockHeader,
    /// A conflicting header.
    pub signed_header_2: SignedBeaconBlockHeader,
}

/// consensus-specs phase0 `IndexedAttestation`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct IndexedAttestation {
    /// The attesters.
    pub attesting_indices: VariableList<u64, U2048>,
    /// What they attested to.
    pub data: AttestationData,
    /// The aggregate signature.
    pub signature: BlsSignature,
}

/// consensus-specs phase0 `AttesterSlashing`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct AttesterSlashing {
    /// One attestation.
    pub attestation_1: IndexedAttestation,
    /// A conflicting one.
    pub attestation_2: IndexedAttestation,
}

/// consensus-specs `DepositData`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct DepositData {
    /// The validator key.
    pub pubkey: BlsPubkey,
    /// The withdrawal credentials.
    pub withdrawal_credentials: Root,
    /// The amount in Gwei.
    pub amount: u64,
    /// The deposit signature.
    pub signature: BlsSignature,
}

/// consensus-specs `Deposit`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct Deposit {
    /// The Merkle proof.
    pub proof: FixedVector<Root, U33>,
    /// The deposit.
    pub data: DepositData,
}

/// consensus-specs `VoluntaryExit`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct VoluntaryExit {
    /// The earliest exit epoch.
    pub epoch: u64,
    /// The validator.
    pub validator_index: u64,
}

/// consensus-specs `SignedVoluntaryExit`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SignedVoluntaryExit {
    /// The exit.
    pub message: VoluntaryExit,
    /// The validator's signature.
    pub signature: BlsSignature,
}

/// consensus-specs `SyncAggregate`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SyncAggregate {
    /// Participants.
    pub sync_committee_bits: BitVector<U512>,
    /// Their aggregate signature.
    pub sync_committee_signature: BlsSignature,
}

/// consensus-specs `Withdrawal`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct Withdrawal {
    /// The withdrawal index.
    pub index: u64,
    /// The validator.
    pub validator_index: u64,
    /// The recipient.
    pub address: Address,
    /// The amount in Gwei.
    pub amount: u64,
}

/// The withdrawals of a payload (`List[Withdrawal, MAX_WITHDRAWALS_PER_PAYLOAD]`).
pub type Withdrawals = VariableList<Withdrawal, U16>;

/// consensus-specs `BLSToExecutionChange`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BlsToExecutionChange {
    /// The validator.
    pub validator_index: u64,
    /// The BLS withdrawal key.
    pub from_bls_pubkey: BlsPubkey,
    /// The new execution address.
    pub to_execution_address: Address,
}

/// consensus-specs `SignedBLSToExecutionChange`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SignedBlsToExecutionChange {
    /// The change.
    pub message: BlsToExecutionChange,
    /// The signature.
    pub signature: BlsSignature,
}

/// consensus-specs Capella `ExecutionPayload`.
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
}

/// consensus-specs Capella `ExecutionPayloadHeader`.
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
}

/// Declares a beacon block body and its block with the Capella-era operations.
macro_rules! block_with_body {
    ($(#[$m:meta])* $block:ident, $body:ident, $payload_field:ident : $payload:ty) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
        pub struct $body {
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
            pub $payload_field: $payload,
            /// BLS-to-execution changes.
            pub bls_to_execution_changes: VariableList<SignedBlsToExecutionChange, U16>,
        }

        /// The block carrying that body.
        #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
        pub struct $block {
            /// Slot.
            pub slot: u64,
            /// Proposer.
            pub proposer_index: u64,
            /// Parent root.
            pub parent_root: Root,
            /// State root.
            pub state_root: Root,
            /// Body.
            pub body: $body,
        }
    };
}

block_with_body!(
    /// consensus-specs Capella `BeaconBlockBody`.
    BeaconBlock, BeaconBlockBody, execution_payload: ExecutionPayload
);
block_with_body!(
    /// builder-specs Capella `BlindedBeaconBlockBody`.
    BlindedBeaconBlock, BlindedBeaconBlockBody, execution_payload_header: ExecutionPayloadHeader
);
