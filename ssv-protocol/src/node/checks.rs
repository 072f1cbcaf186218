//! The node's value checks. They are the spec's checks (`ssv/value_check.go`)
//! minus the slashing-protection lookup, which the node cannot do without IO:
//! instead, no attestation or block is signed before a
//! [`crate::runner::io::Request::RecordSlashing`] was answered `Recorded`. A
//! slashable value may so be decided, but it is never signed.

use std::sync::Arc;

use qbft_core::External;

use crate::consensus::ValueCheck;
use crate::duty::value_check::{self, ValueCheckError};
use crate::runner::chain::ChainSpec;
use crate::runner::duty::CommitteeDuty;
use crate::runner::ValueChecks;
use crate::wire::{BeaconVote, Share};

/// Value checks against the chain's epochs.
#[derive(Clone, Debug)]
pub struct ChainValueChecks {
    /// The beacon chain.
    pub chain: Arc<ChainSpec>,
}

impl ValueChecks for ChainValueChecks {
    /// A beacon vote that decodes, whose source epoch is before its target's,
    /// and whose target is the duty's epoch.
    fn committee(&self, duty: &CommitteeDuty, _shares: &[&Share]) -> ValueCheck {
        let target = self.chain.epoch(duty.slot);
        Arc::new(move |v: &[u8]| {
            let vote = BeaconVote::decode(v)
                .map_err(|_| External::new(ValueCheckError::DecodeBeaconVote))?;
            if vote.source.epoch >= vote.target.epoch {
                return Err(External::new(ValueCheckError::SourceNotLessThanTarget));
            }
            if vote.target.epoch != target {
                return Err(External::new(ValueCheckError::CheckpointMismatch));
            }
            Ok(())
        })
    }

    /// A valid proposal of this validator. The duty's epoch is bounded by the
    /// runner's duty-slot rules, so the check's "current epoch" is the duty's.
    fn proposer(&self, share: &Share) -> ValueCheck {
        let pk = share.validator_pubkey;
        let index = share.validator_index;
        let spe = self.chain.slots_per_epoch;
        Arc::new(move |v: &[u8]| {
            use ssz::Decode as _;
            let epoch = crate::beacon::consensus_data::ProposerConsensusData::from_ssz_bytes(v)
                .map(|cd| cd.duty.slot / spe.max(1))
                .unwrap_or(0);
            value_check::proposer(v, epoch, spe, &pk, index)
                .map(|_| ())
                .map_err(External::new)
        })
    }

    /// Aggregator-committee data that decodes and keeps its rules.
    fn aggregator_committee(&self) -> ValueCheck {
        aggregator_committee_check()
    }
}

/// The spec's aggregator-committee value check as a QBFT value check (it needs
/// nothing from the chain or the duty).
pub fn aggregator_committee_check() -> ValueCheck {
    Arc::new(|v: &[u8]| {
        value_check::aggregator_committee(v)
            .map(|_| ())
            .map_err(External::new)
    })
}

/// The Alan aggregator's value check (ssv-spec v1.2 `AggregatorValueCheckF`),
/// with the duty's own epoch as the current one.
pub fn alan_aggregator_check(share: &Share) -> ValueCheck {
    let pk = share.validator_pubkey;
    let index = share.validator_index;
    Arc::new(move |v: &[u8]| {
        value_check::aggregator(v, duty_epoch(v), 1, &pk, index)
            .map(|_| ())
            .map_err(External::new)
    })
}

/// The Alan sync-contribution value check (ssv-spec v1.2
/// `SyncCommitteeContributionValueCheckF`), with the duty's own epoch as the
/// current one.
pub fn alan_contribution_check(share: &Share) -> ValueCheck {
    let pk = share.validator_pubkey;
    let index = share.validator_index;
    Arc::new(move |v: &[u8]| {
        value_check::sync_contribution(v, duty_epoch(v), 1, &pk, index)
            .map(|_| ())
            .map_err(External::new)
    })
}

/// The duty slot of encoded `ValidatorConsensusData` (used as the "epoch" with
/// one slot per epoch, so the too-far-future rule compares the duty with
/// itself); 0 when it does not decode (the check then refuses it).
fn duty_epoch(v: &[u8]) -> u64 {
    use ssz::Decode as _;
    crate::beacon::consensus_data::ValidatorConsensusData::from_ssz_bytes(v)
        .map(|cd| cd.duty.slot)
        .unwrap_or(0)
}
