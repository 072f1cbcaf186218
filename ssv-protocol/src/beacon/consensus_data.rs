//! SSV's consensus values for validator duties (ssv-spec `types/consensus_data.go`).

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{U13, U48, U8388608};
use ssz_types::{FixedVector, VariableList};
use tree_hash_derive::TreeHash;

/// A duty of one validator (ssv-spec `ValidatorDuty`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ValidatorDuty {
    /// The beacon role number.
    pub role: u64,
    /// The validator's public key.
    pub pubkey: FixedVector<u8, U48>,
    /// The slot.
    pub slot: u64,
    /// The validator's index.
    pub validator_index: u64,
    /// The attestation committee's index.
    pub committee_index: u64,
    /// The attestation committee's size.
    pub committee_length: u64,
    /// Committees at the slot.
    pub committees_at_slot: u64,
    /// The validator's position in its committee.
    pub validator_committee_index: u64,
    /// The validator's positions in the sync committee.
    pub validator_sync_committee_indices: VariableList<u64, U13>,
}

/// The beacon-node data version of a consensus value (go-eth2-client
/// `DataVersion`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataVersion {
    /// Phase 0.
    Phase0,
    /// Altair.
    Altair,
    /// Bellatrix.
    Bellatrix,
    /// Capella.
    Capella,
    /// Deneb.
    Deneb,
    /// Electra.
    Electra,
    /// Fulu.
    Fulu,
}

impl DataVersion {
    /// From the SSZ number (phase0 = 1 ... fulu = 7; 0 is unknown).
    pub fn from_u64(n: u64) -> Option<Self> {
        Some(match n {
            1 => DataVersion::Phase0,
            2 => DataVersion::Altair,
            3 => DataVersion::Bellatrix,
            4 => DataVersion::Capella,
            5 => DataVersion::Deneb,
            6 => DataVersion::Electra,
            7 => DataVersion::Fulu,
            _ => return None,
        })
    }

    /// The SSZ number.
    pub fn to_u64(self) -> u64 {
        match self {
            DataVersion::Phase0 => 1,
            DataVersion::Altair => 2,
            DataVersion::Bellatrix => 3,
            DataVersion::Capella => 4,
            DataVersion::Deneb => 5,
            DataVersion::Electra => 6,
            DataVersion::Fulu => 7,
        }
    }

    /// From the JSON name ("capella", ...).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "phase0" => DataVersion::Phase0,
            "altair" => DataVersion::Altair,
            "bellatrix" => DataVersion::Bellatrix,
            "capella" => DataVersion::Capella,
            "deneb" => DataVersion::Deneb,
            "electra" => DataVersion::Electra,
            "fulu" => DataVersion::Fulu,
            _ => return None,
        })
    }
}

/// The consensus value of a per-validator duty (ssv-spec
/// `ValidatorConsensusData`): the duty, the data's version and the data's SSZ.
/// The proposer decides a block (or blinded block, or block contents), the
/// Alan aggregator an `AggregateAndProof`, the Alan sync-contribution runner a
/// [`crate::beacon::contributions::Contributions`] list.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct ValidatorConsensusData {
    /// The duty.
    pub duty: ValidatorDuty,
    /// The data's version number.
    pub version: u64,
    /// The data's SSZ.
    pub data_ssz: VariableList<u8, U8388608>,
}

/// The proposer's consensus value (the spec's `ValidatorConsensusData` holding
/// a block).
pub type ProposerConsensusData = ValidatorConsensusData;
