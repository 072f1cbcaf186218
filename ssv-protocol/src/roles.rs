//! Beacon-chain duty roles and the SSV runner role that carries each.

use crate::wire::Role;

/// A beacon-chain duty's role (ssv-spec `BeaconRole`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BeaconRole {
    /// Attestation.
    Attester,
    /// Aggregation.
    Aggregator,
    /// Block proposal.
    Proposer,
    /// Sync-committee message.
    SyncCommittee,
    /// Sync-committee contribution.
    SyncCommitteeContribution,
    /// Validator registration.
    ValidatorRegistration,
    /// Voluntary exit.
    VoluntaryExit,
    /// Any other number.
    Unknown(u64),
}

impl BeaconRole {
    /// From the spec's number.
    pub fn from_u64(n: u64) -> Self {
        match n {
            0 => BeaconRole::Attester,
            1 => BeaconRole::Aggregator,
            2 => BeaconRole::Proposer,
            3 => BeaconRole::SyncCommittee,
            4 => BeaconRole::SyncCommitteeContribution,
            5 => BeaconRole::ValidatorRegistration,
            6 => BeaconRole::VoluntaryExit,
            n => BeaconRole::Unknown(n),
        }
    }

    /// The spec's number.
    pub fn as_u64(self) -> u64 {
        match self {
            BeaconRole::Attester => 0,
            BeaconRole::Aggregator => 1,
            BeaconRole::Proposer => 2,
            BeaconRole::SyncCommittee => 3,
            BeaconRole::SyncCommitteeContribution => 4,
            BeaconRole::ValidatorRegistration => 5,
            BeaconRole::VoluntaryExit => 6,
            BeaconRole::Unknown(n) => n,
        }
    }
}

/// Which protocol generation maps roles.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RoleFork {
    /// The live network since Alan: aggregation and contributions run per validator.
    Alan,
    /// The pinned spec's "Boole" work: they run per committee
    /// ([`Role::AggregatorCommittee`]).
    Boole,
}

/// The runner role that performs a beacon duty, or `None` for an unknown duty.
pub fn runner_role(beacon: BeaconRole, fork: RoleFork) -> Option<Role> {
    Some(match (beacon, fork) {
        (BeaconRole::Attester | BeaconRole::SyncCommittee, _) => Role::Committee,
        (BeaconRole::Proposer, _) => Role::Proposer,
        (BeaconRole::ValidatorRegistration, _) => Role::ValidatorRegistration,
        (BeaconRole::VoluntaryExit, _) => Role::VoluntaryExit,
        (BeaconRole::Aggregator | BeaconRole::SyncCommitteeContribution, RoleFork::Boole) => {
            Role::AggregatorCommittee
        }
        (BeaconRole::Aggregator, RoleFork::Alan) => Role::Aggregator,
        (BeaconRole::SyncCommitteeContribution, RoleFork::Alan) => Role::SyncCommitteeContribution,
        (BeaconRole::Unknown(_), _) => return None,
    })
}
