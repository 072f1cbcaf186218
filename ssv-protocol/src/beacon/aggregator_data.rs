//! The aggregator committee's consensus value (ssv-spec
//! `AggregatorCommitteeConsensusData`): which validators aggregate for which
//! committees and sync subnets, with the aggregates.

use ssz::Decode;
use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{Sum, U131072, U2048, U236, U4, U64, U952, U96};
use ssz_types::{FixedVector, VariableList};
use tree_hash_derive::TreeHash;

use super::altair::SyncCommitteeContribution;
use super::consensus_data::DataVersion;
use super::{electra, phase0};

/// 131,308: the largest Electra attestation (236 fixed bytes + 131,072 bits' bytes).
type U131308 = Sum<U131072, U236>;
/// 3,000: the most aggregators in one value.
type U3000 = Sum<U2048, U952>;

/// A validator chosen to aggregate, with its selection proof.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct AssignedAggregator {
    /// The validator.
    pub validator_index: u64,
    /// Its selection proof.
    pub selection_proof: FixedVector<u8, U96>,
    /// The committee (or sync subnet) it aggregates for.
    pub committee_index: u64,
}

/// ssv-spec `AggregatorCommitteeConsensusData`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct AggregatorCommitteeConsensusData {
    /// The data version of the attestations.
    pub version: u64,
    /// Attestation aggregators.
    pub aggregators: VariableList<AssignedAggregator, U3000>,
    /// The committees aggregated, one per attestation.
    pub aggregators_committee_indexes: VariableList<u64, U64>,
    /// The aggregated attestations' SSZ (phase0 before Electra, Electra after).
    pub aggregated_attestations: VariableList<VariableList<u8, U131308>, U64>,
    /// Sync-committee contributors.
    pub contributors: VariableList<AssignedAggregator, U2048>,
    /// The contributions.
    pub sync_committee_contributions: VariableList<SyncCommitteeContribution, U4>,
}

/// Why an aggregator committee value was refused (ssv-spec codes in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AggregatorDataError {
    /// Neither aggregators nor contributors (78).
    #[error("no aggregators and no contributors")]
    Empty,
    /// Committee indexes and attestations differ in number (71).
    #[error("committee indexes and attestations differ in number")]
    CountMismatch,
    /// A committee index is listed twice (74).
    #[error("duplicate committee index")]
    DuplicateCommittee,
    /// An aggregator's committee is not listed (72).
    #[error("aggregator committee not listed")]
    CommitteeNotListed,
    /// A listed committee has no aggregator (73).
    #[error("listed committee without aggregator")]
    UnusedCommittee,
    /// An attestation does not decode for the version (84).
    #[error("attestation does not decode")]
    BadAttestation,
    /// A sync subnet is listed twice (76).
    #[error("duplicate sync subnet")]
    DuplicateSubnet,
    /// A contributor's subnet has no contribution (75).
    #[error("contributor subnet not in contributions")]
    SubnetNotListed,
    /// A contribution's subnet has no contributor (77).
    #[error("contribution subnet without contributor")]
    UnusedSubnet,
}

impl AggregatorCommitteeConsensusData {
    /// ssv-spec `AggregatorCommitteeConsensusData.Validate`, rules in order.
    pub fn validate(&self) -> Result<(), AggregatorDataError> {
        use std::collections::BTreeSet;
        if self.aggregators.is_empty() && self.contributors.is_empty() {
            return Err(AggregatorDataError::Empty);
        }
        if self.aggregators_committee_indexes.len() != self.aggregated_attestations.len() {
            return Err(AggregatorDataError::CountMismatch);
        }
        let mut listed = BTreeSet::new();
        for idx in self.aggregators_committee_indexes.iter() {
            if !listed.insert(*idx) {
                return Err(AggregatorDataError::DuplicateCommittee);
            }
        }
        let mut used = BTreeSet::new();
        for a in self.aggregators.iter() {
            if !listed.contains(&a.committee_index) {
                return Err(AggregatorDataError::CommitteeNotListed);
            }
            used.insert(a.committee_index);
        }
        if used.len() < listed.len() {
            return Err(AggregatorDataError::UnusedCommittee);
        }
        let electra = self.version >= DataVersion::Electra.to_u64();
        for att in self.aggregated_attestations.iter() {
            let ok = if electra {
                electra::Attestation::from_ssz_bytes(att).is_ok()
            } else {
                phase0::Attestation::from_ssz_bytes(att).is_ok()
            };
            if !ok {
                return Err(AggregatorDataError::BadAttestation);
            }
        }
        let mut subnets = BTreeSet::new();
        for c in self.sync_committee_contributions.iter() {
            if !subnets.insert(c.subcommittee_index) {
                return Err(AggregatorDataError::DuplicateSubnet);
            }
        }
        let mut used_subnets = BTreeSet::new();
        for c in self.contributors.iter() {
            if !subnets.contains(&c.committee_index) {
                return Err(AggregatorDataError::SubnetNotListed);
            }
            used_subnets.insert(c.committee_index);
        }
        if used_subnets.len() < subnets.len() {
            return Err(AggregatorDataError::UnusedSubnet);
        }
        Ok(())
    }
}
