//! Altair containers still in use.

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::U128;
use ssz_types::BitVector;
use tree_hash_derive::TreeHash;

use super::phase0::{BlsSignature, Root};

/// consensus-specs `SyncCommitteeContribution`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SyncCommitteeContribution {
    /// The slot.
    pub slot: u64,
    /// The head block root.
    pub beacon_block_root: Root,
    /// The subcommittee (subnet).
    pub subcommittee_index: u64,
    /// Who contributed.
    pub aggregation_bits: BitVector<U128>,
    /// Their aggregate signature.
    pub signature: BlsSignature,
}
