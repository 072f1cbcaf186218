//! What the validator knows of the network, fed to it as input: operators and
//! their keys, committees, validator shares and their status, known duties, and
//! the slot clock.

use std::collections::{BTreeMap, BTreeSet};

use crate::identifiers::CommitteeId;
use crate::operator_key::OperatorPublicKey;
use crate::roles::RoleFork;
use crate::wire::DomainType;

/// Slot timing.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SlotClock {
    /// Genesis, in Unix milliseconds.
    pub genesis_ms: u64,
    /// Slot length in milliseconds (12,000 on mainnet).
    pub slot_ms: u64,
    /// Slots per epoch (32 on mainnet).
    pub slots_per_epoch: u64,
}

impl SlotClock {
    /// When `slot` starts, in Unix milliseconds.
    pub fn slot_start(&self, slot: u64) -> u64 {
        self.genesis_ms
            .saturating_add(slot.saturating_mul(self.slot_ms))
    }

    /// The epoch of `slot`.
    pub fn epoch(&self, slot: u64) -> u64 {
        slot / self.slots_per_epoch.max(1)
    }
}

/// A committee as validation needs it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CommitteeInfo {
    /// Its operators, sorted.
    pub operators: Vec<u64>,
    /// The indices of the validators it serves.
    pub validator_indices: Vec<u64>,
    /// Whether any of them is in the current sync committee.
    pub in_sync_committee: bool,
}

/// A validator share as validation needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorInfo {
    /// The beacon index, if the share has beacon metadata.
    pub index: Option<u64>,
    /// Its committee.
    pub committee: CommitteeId,
    /// Whether its cluster is liquidated.
    pub liquidated: bool,
    /// Whether it is active on the beacon chain (attesting).
    pub attesting: bool,
}

/// Duties the node knows of, for the roles whose messages need one.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct KnownDuties {
    /// (slot, validator index) of proposer duties.
    pub proposer: BTreeSet<(u64, u64)>,
    /// (slot, validator index) of sync-committee contribution duties.
    pub sync_contribution: BTreeSet<(u64, u64)>,
    /// Epochs whose proposer duties are fetched.
    pub proposer_epochs_fetched: BTreeSet<u64>,
    /// Voluntary exits expected per (validator index, epoch).
    pub voluntary_exits: BTreeMap<(u64, u64), u64>,
}

/// Everything validation reads. Replaced as a whole when the registry or the
/// duties change, so a validation always sees one consistent view.
#[derive(Clone, Debug)]
pub struct NetworkView {
    /// Our network's domain.
    pub domain: DomainType,
    /// Which roles the network runs: [`RoleFork::Alan`] (the live network:
    /// aggregator and sync-contribution roles) or [`RoleFork::Boole`] (the
    /// pinned spec: one aggregator-committee role, partial-signature type 6).
    pub roles: RoleFork,
    /// The slot clock.
    pub clock: SlotClock,
    /// Registered operators' keys.
    pub operators: BTreeMap<u64, OperatorPublicKey>,
    /// Committees by ID.
    pub committees: BTreeMap<CommitteeId, CommitteeInfo>,
    /// Validator shares by public key.
    pub validators: BTreeMap<[u8; 48], ValidatorInfo>,
    /// Known duties.
    pub duties: KnownDuties,
}
