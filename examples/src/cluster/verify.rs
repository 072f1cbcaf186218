//! Checks a submitted object the way a beacon node would: decode it, compute its
//! signing root in its domain, and verify the (rebuilt) validator signature.

use ssv_protocol::beacon::capella::SignedVoluntaryExit;
use ssv_protocol::beacon::deneb::BlindedBeaconBlock;
use ssv_protocol::beacon::phase0::Attestation;
use ssv_protocol::beacon::signed::{
    SignedAggregateAndProof, SignedContributionAndProof, SignedValidatorRegistration,
    SyncCommitteeMessage,
};
use ssv_protocol::runner::chain::{
    ChainSpec, DomainType, DOMAIN_AGGREGATE_AND_PROOF, DOMAIN_APPLICATION_BUILDER, DOMAIN_ATTESTER,
    DOMAIN_CONTRIBUTION_AND_PROOF, DOMAIN_PROPOSER, DOMAIN_SYNC_COMMITTEE, DOMAIN_VOLUNTARY_EXIT,
};
use ssv_protocol::runner::io::{Submission, SubmissionKind};
use ssv_protocol::signing::signing_root;
use ssv_protocol::threshold::{public_key_from_bytes, signature_from_bytes, verify};
use ssz::Decode;
use tree_hash::TreeHash;

/// What was signed: the message root, the domain type and the epoch, and the
/// signature bytes.
fn signed_parts(chain: &ChainSpec, s: &Submission) -> Option<([u8; 32], DomainType, u64, Vec<u8>)> {
    let b = &s.ssz[..];
    Some(match s.kind {
        SubmissionKind::Attestation => {
            let a = Attestation::from_ssz_bytes(b).ok()?;
            let root = a.data.tree_hash_root().0;
            (
                root,
                DOMAIN_ATTESTER,
                a.data.target.epoch,
                a.signature.to_vec(),
            )
        }
        SubmissionKind::SyncCommitteeMessage => {
            let m = SyncCommitteeMessage::from_ssz_bytes(b).ok()?;
            let root = m.beacon_block_root.tree_hash_root().0;
            let epoch = chain.epoch(m.slot);
            (root, DOMAIN_SYNC_COMMITTEE, epoch, m.signature.to_vec())
        }
        SubmissionKind::AggregateAndProof => {
            let m = SignedAggregateAndProof::from_ssz_bytes(b).ok()?;
            let epoch = chain.epoch(m.message.aggregate.data.slot);
            let root = m.message.tree_hash_root().0;
            (
                root,
                DOMAIN_AGGREGATE_AND_PROOF,
                epoch,
                m.signature.to_vec(),
            )
        }
        SubmissionKind::ContributionAndProof => {
            let m = SignedContributionAndProof::from_ssz_bytes(b).ok()?;
            let epoch = chain.epoch(m.message.contribution.slot);
            let root = m.message.tree_hash_root().0;
            (
                root,
                DOMAIN_CONTRIBUTION_AND_PROOF,
                epoch,
                m.signature.to_vec(),
            )
        }
        SubmissionKind::Block => {
            // SignedBlindedBeaconBlock: an offset, the signature, then the block.
            let sig = b.get(4..100)?.to_vec();
            let block = BlindedBeaconBlock::from_ssz_bytes(b.get(100..)?).ok()?;
            let epoch = chain.epoch(block.slot);
            (block.tree_hash_root().0, DOMAIN_PROPOSER, epoch, sig)
        }
        SubmissionKind::ValidatorRegistration => {
            let m = SignedValidatorRegistration::from_ssz_bytes(b).ok()?;
            let root = m.message.tree_hash_root().0;
            (root, DOMAIN_APPLICATION_BUILDER, 0, m.signature.to_vec())
        }
        SubmissionKind::VoluntaryExit => {
            let m = SignedVoluntaryExit::from_ssz_bytes(b).ok()?;
            let root = m.message.tree_hash_root().0;
            let epoch = m.message.epoch;
            (root, DOMAIN_VOLUNTARY_EXIT, epoch, m.signature.to_vec())
        }
    })
}

/// Whether the submission decodes and its signature verifies under `validator_pk`.
pub fn verifies(chain: &ChainSpec, s: &Submission, validator_pk: &[u8; 48]) -> bool {
    let Some((root, domain_type, epoch, sig)) = signed_parts(chain, s) else {
        return false;
    };
    let (Ok(pk), Ok(sig)) = (
        public_key_from_bytes(validator_pk),
        signature_from_bytes(&sig),
    ) else {
        return false;
    };
    verify(
        &pk,
        &signing_root(root, chain.domain(domain_type, epoch)),
        &sig,
    )
}
