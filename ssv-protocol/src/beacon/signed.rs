//! The signed objects duties submit, and the messages signed on the way
//! (consensus-specs phase0, Altair and Electra; builder-specs registrations).

use ssz_derive::{Decode, Encode};
use tree_hash::TreeHash;
use tree_hash_derive::TreeHash;

use super::altair::SyncCommitteeContribution;
use super::capella::{Address, BlsPubkey};
use super::phase0::{AttestationData, BlsSignature, Root};
use super::{electra, phase0};
use crate::wire::merkle::container_root;

/// phase0 `AggregateAndProof`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct AggregateAndProof {
    /// The aggregator.
    pub aggregator_index: u64,
    /// The aggregate.
    pub aggregate: phase0::Attestation,
    /// The aggregator's selection proof.
    pub selection_proof: BlsSignature,
}

/// phase0 `SignedAggregateAndProof`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SignedAggregateAndProof {
    /// The message.
    pub message: AggregateAndProof,
    /// The aggregator's signature.
    pub signature: BlsSignature,
}

/// Electra `AggregateAndProof`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ElectraAggregateAndProof {
    /// The aggregator.
    pub aggregator_index: u64,
    /// The aggregate.
    pub aggregate: electra::Attestation,
    /// The aggregator's selection proof.
    pub selection_proof: BlsSignature,
}

/// Electra `SignedAggregateAndProof`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SignedElectraAggregateAndProof {
    /// The message.
    pub message: ElectraAggregateAndProof,
    /// The aggregator's signature.
    pub signature: BlsSignature,
}

/// An `AggregateAndProof` of either form: phase0 (to Deneb) or Electra.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionedAggregateAndProof {
    /// Phase 0 to Deneb.
    Phase0(AggregateAndProof),
    /// Electra and later.
    Electra(ElectraAggregateAndProof),
}

impl VersionedAggregateAndProof {
    /// The message's hash-tree-root (what the aggregator signs).
    pub fn root(&self) -> [u8; 32] {
        match self {
            VersionedAggregateAndProof::Phase0(a) => a.tree_hash_root().0,
            VersionedAggregateAndProof::Electra(a) => a.tree_hash_root().0,
        }
    }

    /// The message's SSZ.
    pub fn ssz(&self) -> Vec<u8> {
        use ssz::Encode;
        match self {
            VersionedAggregateAndProof::Phase0(a) => a.as_ssz_bytes(),
            VersionedAggregateAndProof::Electra(a) => a.as_ssz_bytes(),
        }
    }

    /// The signed object's hash-tree-root and SSZ.
    pub fn signed(&self, signature: &[u8; 96]) -> ([u8; 32], Vec<u8>) {
        use ssz::Encode;
        match self {
            VersionedAggregateAndProof::Phase0(m) => {
                let s = SignedAggregateAndProof {
                    message: m.clone(),
                    signature: bls_signature(signature),
                };
                (s.tree_hash_root().0, s.as_ssz_bytes())
            }
            VersionedAggregateAndProof::Electra(m) => {
                let s = SignedElectraAggregateAndProof {
                    message: m.clone(),
                    signature: bls_signature(signature),
                };
                (s.tree_hash_root().0, s.as_ssz_bytes())
            }
        }
    }
}

/// Altair `ContributionAndProof`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ContributionAndProof {
    /// The aggregator.
    pub aggregator_index: u64,
    /// The contribution.
    pub contribution: SyncCommitteeContribution,
    /// The aggregator's selection proof.
    pub selection_proof: BlsSignature,
}

/// Altair `SignedContributionAndProof`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SignedContributionAndProof {
    /// The message.
    pub message: ContributionAndProof,
    /// The aggregator's signature.
    pub signature: BlsSignature,
}

/// Altair `SyncAggregatorSelectionData`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SyncAggregatorSelectionData {
    /// The slot.
    pub slot: u64,
    /// The sync subnet.
    pub subcommittee_index: u64,
}

/// Altair `SyncCommitteeMessage`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SyncCommitteeMessage {
    /// The slot.
    pub slot: u64,
    /// The head block root.
    pub beacon_block_root: Root,
    /// The validator.
    pub validator_index: u64,
    /// Its signature of the root.
    pub signature: BlsSignature,
}

/// Electra `SingleAttestation` (what attesters submit from Electra on).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SingleAttestation {
    /// The committee.
    pub committee_index: u64,
    /// The attester.
    pub attester_index: u64,
    /// What was attested.
    pub data: AttestationData,
    /// The attester's signature.
    pub signature: BlsSignature,
}

/// builder-specs `ValidatorRegistrationV1`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ValidatorRegistration {
    /// Where fees go.
    pub fee_recipient: Address,
    /// The preferred gas limit.
    pub gas_limit: u64,
    /// Unix seconds.
    pub timestamp: u64,
    /// The validator.
    pub pubkey: BlsPubkey,
}

/// builder-specs `SignedValidatorRegistrationV1`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SignedValidatorRegistration {
    /// The registration.
    pub message: ValidatorRegistration,
    /// The validator's signature.
    pub signature: BlsSignature,
}

/// The hash-tree-root of `{message, signature}` given the message's root.
pub fn signed_root(message_root: [u8; 32], signature: &[u8; 96]) -> [u8; 32] {
    let sig = bls_signature(signature);
    container_root(&[message_root, sig.tree_hash_root().0])
}

/// A 96-byte signature as the SSZ type.
pub fn bls_signature(bytes: &[u8; 96]) -> BlsSignature {
    fixed(bytes)
}

/// A 32-byte root as the SSZ type.
pub fn root(bytes: &[u8; 32]) -> Root {
    fixed(bytes)
}

/// A fixed-size SSZ byte vector from bytes of that size (a length mismatch, which
/// callers rule out by their types, gives zeros).
pub fn fixed<N: ssz_types::typenum::Unsigned>(bytes: &[u8]) -> ssz_types::FixedVector<u8, N> {
    ssz_types::FixedVector::new(bytes.to_vec())
        .unwrap_or_else(|_| ssz_types::FixedVector::from_elem(0))
}
