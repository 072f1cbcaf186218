//! Duties as runners take them (ssv-spec `types/beacon_types.go`): one validator's
//! duty, a committee's attestation and sync duties for a slot, and a committee's
//! aggregation duties for a slot.

use crate::beacon::consensus_data::ValidatorDuty;
use crate::roles::BeaconRole;
use crate::runner::error::RunnerError;
use crate::wire::Role;

/// The runner role a beacon role runs under (ssv-spec `MapDutyToRunnerRole`).
pub fn runner_role_of(role: u64) -> Option<Role> {
    Some(match BeaconRole::from_u64(role) {
        BeaconRole::Attester | BeaconRole::SyncCommittee => Role::Committee,
        BeaconRole::Proposer => Role::Proposer,
        BeaconRole::Aggregator | BeaconRole::SyncCommitteeContribution => Role::AggregatorCommittee,
        BeaconRole::ValidatorRegistration => Role::ValidatorRegistration,
        BeaconRole::VoluntaryExit => Role::VoluntaryExit,
        BeaconRole::Unknown(_) => return None,
    })
}

/// ssv-spec `ValidatorDuty.Validate`.
pub fn validate_validator_duty(d: &ValidatorDuty) -> Result<(), RunnerError> {
    let bad = RunnerError::InvalidValidatorDuty;
    if runner_role_of(d.role).is_none() {
        return Err(bad("unknown duty type"));
    }
    if d.pubkey.iter().all(|b| *b == 0) {
        return Err(bad("zero validator pubkey"));
    }
    if matches!(
        BeaconRole::from_u64(d.role),
        BeaconRole::Attester | BeaconRole::Aggregator
    ) {
        if d.committee_length == 0 {
            return Err(bad("committee length must be non-zero"));
        }
        if d.validator_committee_index >= d.committee_length {
            return Err(bad("validator committee index out of bounds"));
        }
    }
    Ok(())
}

/// A committee's attestation and sync-committee duties at one slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitteeDuty {
    /// The slot.
    pub slot: u64,
    /// The validators' duties (attester or sync committee).
    pub validator_duties: Vec<ValidatorDuty>,
}

impl CommitteeDuty {
    /// ssv-spec `CommitteeDuty.Validate`.
    pub fn validate(&self) -> Result<(), RunnerError> {
        if self.validator_duties.is_empty() {
            return Err(RunnerError::NoBeaconDuties);
        }
        for vd in &self.validator_duties {
            if vd.slot != self.slot {
                return Err(RunnerError::DutySlotMismatch);
            }
            if !matches!(
                BeaconRole::from_u64(vd.role),
                BeaconRole::Attester | BeaconRole::SyncCommittee
            ) {
                return Err(RunnerError::WrongBeaconRole);
            }
            validate_validator_duty(vd)?;
        }
        Ok(())
    }
}

/// A committee's aggregation and sync-contribution duties at one slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregatorCommitteeDuty {
    /// The slot.
    pub slot: u64,
    /// The validators' duties (aggregator or sync-committee contribution).
    pub validator_duties: Vec<ValidatorDuty>,
}

impl AggregatorCommitteeDuty {
    /// ssv-spec `AggregatorCommitteeDuty.Validate`: every duty at the slot, of an
    /// aggregation role, for a validator in `known`.
    pub fn validate(&self, known: impl Fn(u64) -> bool) -> Result<(), RunnerError> {
        for vd in &self.validator_duties {
            if vd.slot != self.slot {
                return Err(RunnerError::InvalidAggregatorDuty("mismatched slot"));
            }
            if !matches!(
                BeaconRole::from_u64(vd.role),
                BeaconRole::Aggregator | BeaconRole::SyncCommitteeContribution
            ) {
                return Err(RunnerError::InvalidAggregatorDuty("invalid beacon role"));
            }
            if !known(vd.validator_index) {
                return Err(RunnerError::InvalidAggregatorDuty("unknown validator"));
            }
        }
        Ok(())
    }
}

/// Any duty a runner starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Duty {
    /// One validator's duty: proposal, registration or exit.
    Validator(ValidatorDuty),
    /// A committee's attestation and sync duties.
    Committee(CommitteeDuty),
    /// A committee's aggregation duties.
    AggregatorCommittee(AggregatorCommitteeDuty),
}

impl Duty {
    /// The duty's slot.
    pub fn slot(&self) -> u64 {
        match self {
            Duty::Validator(d) => d.slot,
            Duty::Committee(d) => d.slot,
            Duty::AggregatorCommittee(d) => d.slot,
        }
    }

    /// The runner role that runs it.
    pub fn runner_role(&self) -> Option<Role> {
        match self {
            Duty::Validator(d) => runner_role_of(d.role),
            Duty::Committee(_) => Some(Role::Committee),
            Duty::AggregatorCommittee(_) => Some(Role::AggregatorCommittee),
        }
    }

    /// The validator duties it holds.
    pub fn validator_duties(&self) -> &[ValidatorDuty] {
        match self {
            Duty::Validator(d) => std::slice::from_ref(d),
            Duty::Committee(d) => &d.validator_duties,
            Duty::AggregatorCommittee(d) => &d.validator_duties,
        }
    }
}
