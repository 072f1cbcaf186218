//! Duties as the beacon node lists them, the fetches the scheduler asks for, and
//! their answers (beacon-API `duties/attester`, `duties/proposer`, `duties/sync`).

use crate::identifiers::CommitteeId;

/// A validator the scheduler runs duties for: one of ours, active on the beacon
/// chain, with its committee.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScheduledValidator {
    /// Its beacon index.
    pub index: u64,
    /// Its public key.
    pub pubkey: [u8; 48],
    /// The SSV committee that runs its duties.
    pub committee: CommitteeId,
}

/// One attester duty (beacon-API `AttesterDuty`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttesterDuty {
    /// The validator's index.
    pub validator_index: u64,
    /// The slot to attest at.
    pub slot: u64,
    /// The attestation committee's index.
    pub committee_index: u64,
    /// The attestation committee's size.
    pub committee_length: u64,
    /// Committees at the slot.
    pub committees_at_slot: u64,
    /// The validator's position in its committee.
    pub validator_committee_index: u64,
}

/// One proposer duty (beacon-API `ProposerDuty`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProposerDuty {
    /// The validator's index.
    pub validator_index: u64,
    /// The slot to propose at.
    pub slot: u64,
}

/// One validator's sync-committee membership for a period (beacon-API
/// `SyncCommitteeDuty`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SyncDuty {
    /// The validator's index.
    pub validator_index: u64,
    /// Its positions in the sync committee.
    pub validator_sync_committee_indices: Vec<u64>,
}

/// A fetch the scheduler asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DutiesRequest {
    /// `POST /eth/v1/validator/duties/attester/{epoch}` for these indices.
    Attester {
        /// The epoch.
        epoch: u64,
        /// The validators' indices, ascending.
        indices: Vec<u64>,
    },
    /// `GET /eth/v1/validator/duties/proposer/{epoch}`.
    Proposer {
        /// The epoch.
        epoch: u64,
    },
    /// `POST /eth/v1/validator/duties/sync/{epoch}` for these indices: the
    /// memberships of the sync-committee period holding `epoch`.
    Sync {
        /// An epoch of the period.
        epoch: u64,
        /// The validators' indices, ascending.
        indices: Vec<u64>,
    },
}

/// The answer to a [`DutiesRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DutiesResponse {
    /// Attester duties and the root they depend on.
    Attester {
        /// `dependent_root`: a different one later means a reorg changed them.
        dependent_root: [u8; 32],
        /// The duties (others' validators are ignored).
        duties: Vec<AttesterDuty>,
    },
    /// Proposer duties and the root they depend on.
    Proposer {
        /// `dependent_root`.
        dependent_root: [u8; 32],
        /// The duties of every proposer of the epoch (others' are ignored).
        duties: Vec<ProposerDuty>,
    },
    /// Sync-committee memberships.
    Sync {
        /// The memberships (others' validators are ignored).
        duties: Vec<SyncDuty>,
    },
    /// The fetch failed; it is asked again at the next slot.
    Failed(String),
}

/// A beacon `head` event (beacon-API event stream).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadEvent {
    /// The head block's slot.
    pub slot: u64,
    /// The head block's root.
    pub block_root: [u8; 32],
    /// The root attester duties of the head's epoch depend on.
    pub previous_duty_dependent_root: [u8; 32],
    /// The root proposer duties of the head's epoch, and attester duties of the
    /// next, depend on.
    pub current_duty_dependent_root: [u8; 32],
}
