//! What the aggregation runners sign and submit, shared by the pinned spec's
//! aggregator committee ([`super::aggregator`]) and the live network's Alan
//! aggregator ([`super::alan_aggregator`]) and sync-contribution
//! ([`super::alan_contribution`]) runners: the sync selection data's root, the
//! aggregate-and-proof built from a fetched aggregate, and the signed objects
//! as submissions.

use ssz::{Decode, Encode};
use tree_hash::TreeHash;

use crate::beacon::consensus_data::DataVersion;
use crate::beacon::signed::{
    bls_signature, AggregateAndProof, ContributionAndProof, ElectraAggregateAndProof,
    SignedContributionAndProof, SyncAggregatorSelectionData, VersionedAggregateAndProof,
};
use crate::beacon::{electra, phase0};
use crate::runner::error::RunnerError;
use crate::runner::io::{Submission, SubmissionKind};

/// The hash-tree-root of `SyncAggregatorSelectionData { slot, subnet }` (what a
/// sync contributor's selection proof signs).
pub(crate) fn sync_selection_root(slot: u64, subnet: u64) -> [u8; 32] {
    SyncAggregatorSelectionData {
        slot,
        subcommittee_index: subnet,
    }
    .tree_hash_root()
    .0
}

/// The aggregate-and-proof of `aggregator` for an aggregate attestation as the
/// beacon node returned it (Electra's form from Electra on, phase0's before).
pub(crate) fn aggregate_and_proof(
    version: DataVersion,
    aggregator: u64,
    aggregate_ssz: &[u8],
    selection_proof: &[u8; 96],
) -> Result<VersionedAggregateAndProof, RunnerError> {
    let bad = |_| RunnerError::BadBeaconData("attestation does not decode");
    Ok(if version >= DataVersion::Electra {
        VersionedAggregateAndProof::Electra(ElectraAggregateAndProof {
            aggregator_index: aggregator,
            aggregate: electra::Attestation::from_ssz_bytes(aggregate_ssz).map_err(bad)?,
            selection_proof: bls_signature(selection_proof),
        })
    } else {
        VersionedAggregateAndProof::Phase0(AggregateAndProof {
            aggregator_index: aggregator,
            aggregate: phase0::Attestation::from_ssz_bytes(aggregate_ssz).map_err(bad)?,
            selection_proof: bls_signature(selection_proof),
        })
    })
}

/// The signed aggregate-and-proof to submit.
pub(crate) fn aggregate_submission(
    validator: u64,
    version: DataVersion,
    message: &VersionedAggregateAndProof,
    signature: &[u8; 96],
) -> Submission {
    let (root, ssz) = message.signed(signature);
    Submission {
        kind: SubmissionKind::AggregateAndProof,
        version,
        validator_index: validator,
        root,
        ssz,
    }
}

/// The signed contribution-and-proof to submit.
pub(crate) fn contribution_submission(
    validator: u64,
    message: &ContributionAndProof,
    signature: &[u8; 96],
) -> Submission {
    let s = SignedContributionAndProof {
        message: message.clone(),
        signature: bls_signature(signature),
    };
    Submission {
        kind: SubmissionKind::ContributionAndProof,
        version: DataVersion::Altair,
        validator_index: validator,
        root: s.tree_hash_root().0,
        ssz: s.as_ssz_bytes(),
    }
}
