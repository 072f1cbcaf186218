//! Phase0 containers still in use: checkpoints, attestation data, attestations.

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{U2048, U96};
use ssz_types::{BitList, FixedVector};
use tree_hash_derive::TreeHash;

/// A 32-byte root.
pub type Root = ssz_types::FixedVector<u8, ssz_types::typenum::U32>;
/// A compressed BLS signature.
pub type BlsSignature = FixedVector<u8, U96>;

/// consensus-specs `Checkpoint`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct Checkpoint {
    /// The epoch.
    pub epoch: u64,
    /// The block root.
    pub root: Root,
}

/// consensus-specs `AttestationData`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct AttestationData {
    /// The slot.
    pub slot: u64,
    /// The committee index.
    pub index: u64,
    /// The head block root.
    pub beacon_block_root: Root,
    /// The source checkpoint.
    pub source: Checkpoint,
    /// The target checkpoint.
    pub target: Checkpoint,
}

/// consensus-specs phase0 `Attestation`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct Attestation {
    /// Who attested, within the committee.
    pub aggregation_bits: BitList<U2048>,
    /// What they attested to.
    pub data: AttestationData,
    /// The aggregate signature.
    pub signature: BlsSignature,
}
