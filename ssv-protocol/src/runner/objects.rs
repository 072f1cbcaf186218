//! The beacon objects duties sign and submit, built from decided values and duties.

use ssz::Encode;
use ssz_types::BitList;
use tree_hash::TreeHash;

use crate::beacon::consensus_data::{DataVersion, ValidatorDuty};
use crate::beacon::phase0::{Attestation, AttestationData, Checkpoint};
use crate::beacon::signed::{bls_signature, root, SingleAttestation, SyncCommitteeMessage};
use crate::runner::io::{Submission, SubmissionKind};
use crate::wire::BeaconVote;

/// ssv-spec `constructAttestationData`: the vote for this validator's committee;
/// the index is 0 from Electra on (EIP-7549).
pub fn attestation_data(
    vote: &BeaconVote,
    duty: &ValidatorDuty,
    version: DataVersion,
) -> AttestationData {
    AttestationData {
        slot: duty.slot,
        index: if version >= DataVersion::Electra {
            0
        } else {
            duty.committee_index
        },
        beacon_block_root: root(&vote.block_root),
        source: Checkpoint {
            epoch: vote.source.epoch,
            root: root(&vote.source.root),
        },
        target: Checkpoint {
            epoch: vote.target.epoch,
            root: root(&vote.target.root),
        },
    }
}

/// The signed attestation to submit: the phase0 form before Electra, a
/// `SingleAttestation` from Electra on. `None` if the committee position does
/// not fit the committee.
pub fn attestation_submission(
    data: AttestationData,
    duty: &ValidatorDuty,
    version: DataVersion,
    signature: &[u8; 96],
) -> Option<Submission> {
    let (root, ssz) = if version >= DataVersion::Electra {
        let single = SingleAttestation {
            committee_index: duty.committee_index,
            attester_index: duty.validator_index,
            data,
            signature: bls_signature(signature),
        };
        (single.tree_hash_root().0, single.as_ssz_bytes())
    } else {
        let mut bits = BitList::with_capacity(duty.committee_length as usize).ok()?;
        bits.set(duty.validator_committee_index as usize, true)
            .ok()?;
        let att = Attestation {
            aggregation_bits: bits,
            data,
            signature: bls_signature(signature),
        };
        (att.tree_hash_root().0, att.as_ssz_bytes())
    };
    Some(Submission {
        kind: SubmissionKind::Attestation,
        version,
        validator_index: duty.validator_index,
        root,
        ssz,
    })
}

/// The signed sync-committee message to submit.
pub fn sync_message_submission(
    slot: u64,
    block_root: [u8; 32],
    validator_index: u64,
    version: DataVersion,
    signature: &[u8; 96],
) -> Submission {
    let msg = SyncCommitteeMessage {
        slot,
        beacon_block_root: root(&block_root),
        validator_index,
        signature: bls_signature(signature),
    };
    Submission {
        kind: SubmissionKind::SyncCommitteeMessage,
        version,
        validator_index,
        root: msg.tree_hash_root().0,
        ssz: msg.as_ssz_bytes(),
    }
}
