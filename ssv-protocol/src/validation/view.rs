//! What the validator knows of the network, fed to it as input: operators and
//! their keys, committees, validator shares and their status, known duties, and
//! the slot clock.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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
    /// The indices of the validators it serves, sorted.
    pub validator_indices: Vec<u64>,
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

impl KnownDuties {
    /// Whether any of these validators (sorted indices) has a known
    /// sync-committee contribution duty: its committee is in the sync committee.
    pub fn in_sync_committee(&self, sorted_indices: &[u64]) -> bool {
        self.sync_contribution
            .iter()
            .any(|(_, i)| sorted_indices.binary_search(i).is_ok())
    }
}

/// Everything validation reads. Replaced as a whole when the registry or the
/// duties change, so a validation always sees one consistent view. The
/// registry's part (operators, committees, validators) is shared between the
/// views of one registry: new duties each epoch make a new view without
/// copying it (at 10,000 validators it is some 12 MB).
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
    pub operators: Arc<BTreeMap<u64, OperatorPublicKey>>,
    /// Committees by ID.
    pub committees: Arc<BTreeMap<CommitteeId, CommitteeInfo>>,
    /// Validator shares by public key.
    pub validators: Arc<BTreeMap<[u8; 48], ValidatorInfo>>,
    /// Known duties.
    pub duties: KnownDuties,
}

impl NetworkView {
    /// This view with other known duties; the registry's part is shared.
    pub fn with_duties(&self, duties: KnownDuties) -> NetworkView {
        NetworkView {
            domain: self.domain,
            roles: self.roles,
            clock: self.clock,
            operators: Arc::clone(&self.operators),
            committees: Arc::clone(&self.committees),
            validators: Arc::clone(&self.validators),
            duties,
        }
    }
}
