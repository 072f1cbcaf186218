//! The value checks QBFT runs on each role's consensus data before proposing,
//! preparing or deciding it (ssv-spec `ssv/value_check.go`). Pure: the current
//! epoch and the slashing-protection answers are inputs.

use ssz::Decode;

use crate::beacon::aggregator_data::{AggregatorCommitteeConsensusData, AggregatorDataError};
use crate::beacon::consensus_data::{DataVersion, ProposerConsensusData, ValidatorConsensusData};
use crate::beacon::contributions::{Contributions, ContributionsError};
use crate::beacon::phase0::{AttestationData, Checkpoint as BeaconCheckpoint};
use crate::beacon::proposer_data::{validate_proposer_data, ProposerDataError, PROPOSER_ROLE};
use crate::beacon::signed::VersionedAggregateAndProof;
use crate::roles::BeaconRole;
use crate::wire::BeaconVote;

/// Slashing protection as the value checks consult it.
pub trait SlashingCheck {
    /// Whether signing `data` with the share `share_pk` would be slashable.
    fn attestation_slashable(&self, share_pk: &[u8], data: &AttestationData) -> bool;
}

/// Why a consensus value was refused (ssv-spec codes in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueCheckError {
    /// Not a 112-byte beacon vote (23).
    #[error("beacon vote does not decode")]
    DecodeBeaconVote,
    /// Source epoch not below the target's (26).
    #[error("attestation source not less than target")]
    SourceNotLessThanTarget,
    /// Source or target epoch differs from the expected one (27).
    #[error("checkpoint mismatch")]
    CheckpointMismatch,
    /// Signing would be slashable (33).
    #[error("slashable attestation")]
    SlashableAttestation,
    /// Proposer data does not decode (80).
    #[error("proposer consensus data does not decode")]
    DecodeProposerData,
    /// Proposer data is not a valid proposal (64).
    #[error("invalid proposer consensus data: {0}")]
    InvalidProposerData(ProposerDataError),
    /// The duty is more than an epoch ahead (50).
    #[error("duty epoch too far in the future")]
    DutyEpochTooFarFuture,
    /// The duty is not a proposal (51).
    #[error("wrong beacon role")]
    WrongBeaconRole,
    /// The duty's validator key differs (53).
    #[error("wrong validator public key")]
    WrongValidatorPubkey,
    /// The duty's validator index differs (52).
    #[error("wrong validator index")]
    WrongValidatorIndex,
    /// Aggregator committee data does not decode (79).
    #[error("aggregator committee consensus data does not decode")]
    DecodeAggregatorData,
    /// Aggregator committee data breaks a rule.
    #[error("invalid aggregator committee data: {0}")]
    InvalidAggregatorData(AggregatorDataError),
    /// Validator consensus data (Alan aggregator or sync contribution) does
    /// not decode.
    #[error("validator consensus data does not decode")]
    DecodeValidatorData,
    /// The Alan aggregator's data is not an `AggregateAndProof` of its version.
    #[error("invalid aggregate and proof")]
    InvalidAggregateAndProof,
    /// The Alan sync-contribution data is not a contributions list.
    #[error("invalid contributions: {0}")]
    InvalidContributions(ContributionsError),
}

fn root(bytes: &[u8; 32]) -> crate::beacon::phase0::Root {
    use crate::beacon::phase0::Root;
    // 32 bytes always fit a 32-byte vector; the fallback is never taken.
    Root::new(bytes.to_vec()).unwrap_or_else(|_| Root::from_elem(0))
}

/// The committee role's check of a `BeaconVote`: decodes, source before target,
/// the expected checkpoints, and no share's attestation slashable.
pub fn beacon_vote(
    data: &[u8],
    duty_slot: u64,
    share_pks: &[&[u8]],
    expected_source_epoch: u64,
    expected_target_epoch: u64,
    slashing: &dyn SlashingCheck,
) -> Result<BeaconVote, ValueCheckError> {
    let vote = BeaconVote::decode(data).map_err(|_| ValueCheckError::DecodeBeaconVote)?;
    if vote.source.epoch >= vote.target.epoch {
        return Err(ValueCheckError::SourceNotLessThanTarget);
    }
    if vote.source.epoch != expected_source_epoch || vote.target.epoch != expected_target_epoch {
        return Err(ValueCheckError::CheckpointMismatch);
    }
    let att = AttestationData {
        slot: duty_slot,
        index: u64::MAX,
        beacon_block_root: root(&vote.block_root),
        source: BeaconCheckpoint {
            epoch: vote.source.epoch,
            root: root(&vote.source.root),
        },
        target: BeaconCheckpoint {
            epoch: vote.target.epoch,
            root: root(&vote.target.root),
        },
    };
    if share_pks
        .iter()
        .any(|pk| slashing.attestation_slashable(pk, &att))
    {
        return Err(ValueCheckError::SlashableAttestation);
    }
    Ok(vote)
}

/// The proposer role's check: decodes, is a valid proposal of a known version,
/// for a duty at most one epoch ahead of `current_epoch`, of this validator.
pub fn proposer(
    data: &[u8],
    current_epoch: u64,
    slots_per_epoch: u64,
    validator_pubkey: &[u8; 48],
    validator_index: u64,
) -> Result<ProposerConsensusData, ValueCheckError> {
    let cd = ProposerConsensusData::from_ssz_bytes(data)
        .map_err(|_| ValueCheckError::DecodeProposerData)?;
    validate_proposer_data(&cd).map_err(ValueCheckError::InvalidProposerData)?;
    let duty = &cd.duty;
    if duty.slot / slots_per_epoch.max(1) > current_epoch.saturating_add(1) {
        return Err(ValueCheckError::DutyEpochTooFarFuture);
    }
    if duty.role != PROPOSER_ROLE {
        return Err(ValueCheckError::WrongBeaconRole);
    }
    if duty.pubkey[..] != validator_pubkey[..] {
        return Err(ValueCheckError::WrongValidatorPubkey);
    }
    if duty.validator_index != validator_index {
        return Err(ValueCheckError::WrongValidatorIndex);
    }
    Ok(cd)
}

/// The aggregator committee role's check: decodes and passes its rules.
pub fn aggregator_committee(
    data: &[u8],
) -> Result<AggregatorCommitteeConsensusData, ValueCheckError> {
    let cd = AggregatorCommitteeConsensusData::from_ssz_bytes(data)
        .map_err(|_| ValueCheckError::DecodeAggregatorData)?;
    cd.validate()
        .map_err(ValueCheckError::InvalidAggregatorData)?;
    Ok(cd)
}

/// ssv-spec `dutyValueCheck`: the duty is at most one epoch ahead of
/// `current_epoch`, of `role`, and of this validator.
fn duty_value_check(
    cd: &ValidatorConsensusData,
    role: BeaconRole,
    current_epoch: u64,
    slots_per_epoch: u64,
    validator_pubkey: &[u8; 48],
    validator_index: u64,
) -> Result<(), ValueCheckError> {
    let duty = &cd.duty;
    if duty.slot / slots_per_epoch.max(1) > current_epoch.saturating_add(1) {
        return Err(ValueCheckError::DutyEpochTooFarFuture);
    }
    if duty.role != role.as_u64() {
        return Err(ValueCheckError::WrongBeaconRole);
    }
    if duty.pubkey[..] != validator_pubkey[..] {
        return Err(ValueCheckError::WrongValidatorPubkey);
    }
    if duty.validator_index != validator_index {
        return Err(ValueCheckError::WrongValidatorIndex);
    }
    Ok(())
}

/// ssv-spec `ValidatorConsensusData.GetAggregateAndProof`.
pub fn aggregate_and_proof(
    cd: &ValidatorConsensusData,
) -> Result<VersionedAggregateAndProof, ValueCheckError> {
    let bad = |_| ValueCheckError::InvalidAggregateAndProof;
    match DataVersion::from_u64(cd.version) {
        Some(v) if v >= DataVersion::Electra => {
            crate::beacon::signed::ElectraAggregateAndProof::from_ssz_bytes(&cd.data_ssz)
                .map(VersionedAggregateAndProof::Electra)
                .map_err(bad)
        }
        Some(_) => crate::beacon::signed::AggregateAndProof::from_ssz_bytes(&cd.data_ssz)
            .map(VersionedAggregateAndProof::Phase0)
            .map_err(bad),
        None => Err(ValueCheckError::InvalidAggregateAndProof),
    }
}

/// The Alan aggregator's check (ssv-spec v1.2 `AggregatorValueCheckF`): decodes,
/// holds an `AggregateAndProof` of its version, and the duty passes
/// `dutyValueCheck` for the aggregator role.
pub fn aggregator(
    data: &[u8],
    current_epoch: u64,
    slots_per_epoch: u64,
    validator_pubkey: &[u8; 48],
    validator_index: u64,
) -> Result<(ValidatorConsensusData, VersionedAggregateAndProof), ValueCheckError> {
    let cd = ValidatorConsensusData::from_ssz_bytes(data)
        .map_err(|_| ValueCheckError::DecodeValidatorData)?;
    let aggregate = aggregate_and_proof(&cd)?;
    duty_value_check(
        &cd,
        BeaconRole::Aggregator,
        current_epoch,
        slots_per_epoch,
        validator_pubkey,
        validator_index,
    )?;
    Ok((cd, aggregate))
}

/// The Alan sync-contribution check (ssv-spec v1.2
/// `SyncCommitteeContributionValueCheckF`): decodes, holds a contributions
/// list, and the duty passes `dutyValueCheck` for the contribution role.
pub fn sync_contribution(
    data: &[u8],
    current_epoch: u64,
    slots_per_epoch: u64,
    validator_pubkey: &[u8; 48],
    validator_index: u64,
) -> Result<(ValidatorConsensusData, Contributions), ValueCheckError> {
    let cd = ValidatorConsensusData::from_ssz_bytes(data)
        .map_err(|_| ValueCheckError::DecodeValidatorData)?;
    let list =
        Contributions::decode(&cd.data_ssz).map_err(ValueCheckError::InvalidContributions)?;
    duty_value_check(
        &cd,
        BeaconRole::SyncCommitteeContribution,
        current_epoch,
        slots_per_epoch,
        validator_pubkey,
        validator_index,
    )?;
    Ok((cd, list))
}
