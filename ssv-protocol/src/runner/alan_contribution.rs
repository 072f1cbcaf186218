//! The live network's sync-committee contribution runner (ssv-spec v1.2
//! `SyncCommitteeAggregatorRunner`, role 3, one per validator): each operator
//! signs one `SyncAggregatorSelectionData { slot, subnet }` per sync-committee
//! position of the validator; at quorum each selection proof is rebuilt; for
//! the subnets where it selects the validator (consensus-specs
//! `is_sync_committee_aggregator`) the contributions are fetched, QBFT decides
//! them (`ValidatorConsensusData` holding a [`Contributions`] list), each
//! operator signs every contribution-and-proof, and at quorum each signed
//! contribution-and-proof is submitted. A validator selected on no subnet ends
//! its duty after the pre-consensus phase.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ssz::{Decode, Encode};
use tree_hash::TreeHash;

use crate::beacon::altair::SyncCommitteeContribution;
use crate::beacon::consensus_data::{ValidatorConsensusData, ValidatorDuty};
use crate::beacon::contributions::{Contribution, Contributions};
use crate::beacon::signed::{bls_signature, ContributionAndProof};
use crate::consensus::SsvSignedMessage;
use crate::duty::value_check::ValueCheckError;
use crate::runner::aggregation_objects::{contribution_submission, sync_selection_root};
use crate::runner::base::{Base, Phase, Step};
use crate::runner::chain::{DOMAIN_CONTRIBUTION_AND_PROOF, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF};
use crate::runner::duty::Duty;
use crate::runner::error::RunnerError;
use crate::runner::io::{AggregationNeeds, Request, RequestId, Response, SignItem};
use crate::runner::proposer::validate_post_decided;
use crate::runner::Output;
use crate::wire::{PartialSigKind, PartialSignatureMessages, Role};

/// A decided contribution-and-proof with its signing root.
type SignedObject = ([u8; 32], ContributionAndProof);

#[derive(Clone, Debug)]
enum Waiting {
    Nothing,
    /// Our selection-proof share signatures, one per sync position.
    Selection(RequestId, Vec<SignItem>),
    /// The contributions, with the rebuilt proofs of the selected subnets.
    Contributions(RequestId, Vec<(u64, [u8; 96])>),
    /// Our share signatures of the decided contribution-and-proofs.
    PostSignatures(RequestId, Vec<SignItem>),
}

#[derive(Clone, Debug)]
pub(crate) struct AlanContributionRunner {
    pub base: Base,
    waiting: Waiting,
    /// Subnets whose selection proof was rebuilt and checked.
    checked: BTreeSet<u64>,
    /// Post-consensus roots submitted.
    submitted: BTreeSet<[u8; 32]>,
}

impl AlanContributionRunner {
    pub fn new(base: Base) -> Self {
        AlanContributionRunner {
            base,
            waiting: Waiting::Nothing,
            checked: BTreeSet::new(),
            submitted: BTreeSet::new(),
        }
    }

    fn duty(&self) -> Option<&ValidatorDuty> {
        match self.base.state.as_ref().map(|s| &s.duty) {
            Some(Duty::Validator(d)) => Some(d),
            _ => None,
        }
    }

    /// The selection-proof signing root of each sync position, in the duty's
    /// order (positions on one subnet share a root).
    fn selection_roots(&self, duty: &ValidatorDuty) -> Vec<(u64, [u8; 32])> {
        let epoch = self.base.setup.chain.epoch(duty.slot);
        duty.validator_sync_committee_indices
            .iter()
            .map(|index| {
                let subnet = self.base.setup.chain.sync_subnet(*index);
                let root = self.base.signing_root(
                    DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
                    epoch,
                    sync_selection_root(duty.slot, subnet),
                );
                (subnet, root)
            })
            .collect()
    }

    /// ssv-spec `StartNewDuty` and `executeDuty`: signs one selection proof per
    /// sync-committee position.
    pub fn start(&mut self, step: &mut Step<'_>, duty: ValidatorDuty) -> Result<(), RunnerError> {
        self.base.should_process_duty(duty.slot)?;
        let epoch = self.base.setup.chain.epoch(duty.slot);
        let v = duty.validator_index;
        let mut items = Vec::new();
        for index in duty.validator_sync_committee_indices.iter() {
            let subnet = self.base.setup.chain.sync_subnet(*index);
            let item = self
                .base
                .sign_item(
                    v,
                    DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
                    epoch,
                    sync_selection_root(duty.slot, subnet),
                )
                .ok_or(RunnerError::UnknownValidatorIndex)?;
            items.push(item);
        }
        if items.is_empty() {
            return Err(RunnerError::InvalidValidatorDuty(
                "no sync committee positions",
            ));
        }
        self.base.setup_duty(Duty::Validator(duty));
        self.checked.clear();
        self.submitted.clear();
        let id = step.request(Request::Sign(items.clone()));
        self.waiting = Waiting::Selection(id, items);
        Ok(())
    }

    fn consensus_started(&self) -> bool {
        self.base
            .state
            .as_ref()
            .is_some_and(|s| s.instance.is_some() || s.decided.is_some())
    }

    /// ssv-spec `ProcessPreConsensus`: at quorum, rebuilds each subnet's
    /// selection proof; the selected subnets' contributions are asked for (the
    /// node holds the request until 2/3 of the slot); with none selected the
    /// duty ends.
    pub fn process_pre(
        &mut self,
        step: &mut Step<'_>,
        msgs: &PartialSignatureMessages,
    ) -> Result<(), RunnerError> {
        if !self.base.has_running_duty() {
            return Err(RunnerError::NoRunningDuty);
        }
        let duty = self.duty().cloned().ok_or(RunnerError::NoRunningDuty)?;
        self.base.validate_partial_slot(msgs, duty.slot)?;
        self.base.validate_indices(msgs)?;
        let expected = self.selection_roots(&duty);
        Base::verify_expected_roots(msgs, expected.iter().map(|(_, r)| *r).collect())?;
        let roots: BTreeSet<[u8; 32]> = self
            .base
            .add_partials(Phase::Pre, msgs)
            .into_iter()
            .collect();
        if roots.is_empty()
            || self.consensus_started()
            || matches!(self.waiting, Waiting::Contributions(..))
        {
            return Ok(());
        }
        let by_root: BTreeMap<[u8; 32], u64> = expected.iter().map(|(s, r)| (*r, *s)).collect();
        // A validator's proofs of several subnets are checked in one batch
        // (one final exponentiation); when it fails, one by one as before.
        let wanted: Vec<(u64, [u8; 32])> = roots
            .iter()
            .filter(|root| by_root.contains_key(*root))
            .map(|root| (duty.validator_index, *root))
            .collect();
        let batch = self.base.reconstruct_batch(Phase::Pre, &wanted);
        let mut selected = Vec::new();
        for root in &roots {
            let Some(subnet) = by_root.get(root).copied() else {
                continue;
            };
            let proof = match batch
                .as_ref()
                .and_then(|b| b.get(&(duty.validator_index, *root)))
            {
                Some(proof) => *proof,
                None => self
                    .base
                    .reconstruct(Phase::Pre, duty.validator_index, root, &roots)
                    .map_err(RunnerError::Reconstruct)?,
            };
            self.checked.insert(subnet);
            if self.base.setup.selection.is_sync_aggregator(&proof) {
                selected.push((subnet, proof));
            }
        }
        if selected.is_empty() {
            let all: BTreeSet<u64> = expected.iter().map(|(s, _)| *s).collect();
            if all.is_subset(&self.checked) {
                if let Some(s) = self.base.state.as_mut() {
                    s.finished = true;
                }
                // Not selected on any subnet: the duty had nothing to submit.
                step.out.push_back(Output::DutyFinished {
                    role: Role::SyncCommitteeContribution,
                    slot: duty.slot,
                });
            }
            return Ok(());
        }
        let id = step.request(Request::Aggregation(AggregationNeeds {
            slot: duty.slot,
            committee_indexes: Vec::new(),
            sync_subnets: selected.iter().map(|(s, _)| *s).collect(),
        }));
        self.waiting = Waiting::Contributions(id, selected);
        Ok(())
    }

    /// Builds our consensus value from the fetched contributions and starts QBFT.
    fn propose(
        &mut self,
        step: &mut Step<'_>,
        selected: &[(u64, [u8; 96])],
        contributions: &[SyncCommitteeContribution],
    ) -> Result<(), RunnerError> {
        let duty = self.duty().cloned().ok_or(RunnerError::NoRunningDuty)?;
        let mut list = Vec::new();
        for (subnet, proof) in selected {
            let c = contributions
                .iter()
                .find(|c| c.subcommittee_index == *subnet && c.slot == duty.slot)
                .ok_or(RunnerError::BadBeaconData("no contribution for a subnet"))?;
            list.push(Contribution {
                selection_proof: bls_signature(proof),
                contribution: c.clone(),
            });
        }
        let ssz = Contributions(list)
            .encode()
            .map_err(|_| RunnerError::BadBeaconData("too many contributions"))?;
        let data = ValidatorConsensusData {
            duty: duty.clone(),
            // The Go node's beacon client labels contributions Altair.
            version: crate::beacon::consensus_data::DataVersion::Altair.to_u64(),
            data_ssz: ssz_types::VariableList::new(ssz)
                .map_err(|_| RunnerError::BadBeaconData("contributions too large"))?,
        };
        self.base.decide(step, duty.slot, data.as_ssz_bytes())
    }

    /// The decided contribution-and-proofs with their signing roots.
    fn decided(&self) -> Result<(u64, Vec<SignedObject>), RunnerError> {
        let value = self
            .base
            .state
            .as_ref()
            .and_then(|s| s.decided.clone())
            .ok_or(RunnerError::NoDecidedValue)?;
        let cd = ValidatorConsensusData::from_ssz_bytes(&value)
            .map_err(|_| RunnerError::ValueCheck(ValueCheckError::DecodeValidatorData))?;
        let list = Contributions::decode(&cd.data_ssz)
            .map_err(|e| RunnerError::ValueCheck(ValueCheckError::InvalidContributions(e)))?;
        let v = self
            .duty()
            .map_or(cd.duty.validator_index, |d| d.validator_index);
        let epoch = self.base.setup.chain.epoch(cd.duty.slot);
        let objects = list
            .0
            .into_iter()
            .map(|c| {
                let message = ContributionAndProof {
                    aggregator_index: v,
                    contribution: c.contribution,
                    selection_proof: c.selection_proof,
                };
                let root = self.base.signing_root(
                    DOMAIN_CONTRIBUTION_AND_PROOF,
                    epoch,
                    message.tree_hash_root().0,
                );
                (root, message)
            })
            .collect();
        Ok((cd.duty.slot, objects))
    }

    /// ssv-spec `ProcessConsensus`: signs every decided contribution-and-proof.
    pub fn process_consensus(
        &mut self,
        step: &mut Step<'_>,
        msg: Arc<SsvSignedMessage>,
    ) -> Result<(), RunnerError> {
        if self.base.process_consensus(step, msg)?.is_none() {
            return Ok(());
        }
        let (slot, objects) = self.decided()?;
        let v = self.duty().map_or(0, |d| d.validator_index);
        let epoch = self.base.setup.chain.epoch(slot);
        let mut items = Vec::new();
        for (_, message) in &objects {
            items.push(
                self.base
                    .sign_item(
                        v,
                        DOMAIN_CONTRIBUTION_AND_PROOF,
                        epoch,
                        message.tree_hash_root().0,
                    )
                    .ok_or(RunnerError::UnknownValidatorIndex)?,
            );
        }
        let id = step.request(Request::Sign(items.clone()));
        self.waiting = Waiting::PostSignatures(id, items);
        Ok(())
    }

    pub fn on_response(
        &mut self,
        step: &mut Step<'_>,
        id: RequestId,
        response: Response,
    ) -> Result<(), RunnerError> {
        let waiting = std::mem::replace(&mut self.waiting, Waiting::Nothing);
        let slot = self.duty().map_or(0, |d| d.slot);
        match (waiting, response) {
            (Waiting::Selection(w, items), Response::Signatures(sigs))
                if w == id && sigs.len() == items.len() =>
            {
                self.base.broadcast_partials(
                    step,
                    PartialSigKind::ContributionProofs,
                    slot,
                    &items,
                    &sigs,
                );
                Ok(())
            }
            (Waiting::Contributions(w, selected), Response::Aggregation { contributions, .. })
                if w == id =>
            {
                if self.consensus_started() || !self.base.has_running_duty() {
                    return Ok(());
                }
                self.propose(step, &selected, &contributions)
            }
            (Waiting::PostSignatures(w, items), Response::Signatures(sigs))
                if w == id && sigs.len() == items.len() =>
            {
                self.base.broadcast_partials(
                    step,
                    PartialSigKind::PostConsensus,
                    slot,
                    &items,
                    &sigs,
                );
                Ok(())
            }
            (w, Response::Failed(reason)) if waiting_id(&w) == Some(id) => {
                Err(RunnerError::RequestFailed { id, reason })
            }
            (w, _) => {
                self.waiting = w;
                Err(RunnerError::UnexpectedResponse(id))
            }
        }
    }

    /// ssv-spec `ProcessPostConsensus`: at quorum, rebuilds each signature and
    /// submits the signed contribution-and-proofs; the duty ends when every
    /// decided one is submitted.
    pub fn process_post(
        &mut self,
        step: &mut Step<'_>,
        msgs: &PartialSignatureMessages,
    ) -> Result<(), RunnerError> {
        validate_post_decided(&self.base)?;
        let (slot, objects) = self.decided()?;
        self.base.validate_partial_slot(msgs, slot)?;
        self.base.validate_indices(msgs)?;
        Base::verify_expected_roots(msgs, objects.iter().map(|(r, _)| *r).collect())?;
        let roots: BTreeSet<[u8; 32]> = self
            .base
            .add_partials(Phase::Post, msgs)
            .into_iter()
            .collect();
        if roots.is_empty() {
            return Ok(());
        }
        let v = self.duty().map_or(0, |d| d.validator_index);
        for root in &roots {
            if self.submitted.contains(root) {
                continue;
            }
            let Some((_, message)) = objects.iter().find(|(r, _)| r == root) else {
                continue;
            };
            let sig = self
                .base
                .reconstruct(Phase::Post, v, root, &roots)
                .map_err(RunnerError::Reconstruct)?;
            step.out
                .push_back(Output::Submit(contribution_submission(v, message, &sig)));
            self.submitted.insert(*root);
        }
        if objects.iter().all(|(r, _)| self.submitted.contains(r)) {
            if let Some(s) = self.base.state.as_mut() {
                s.finished = true;
            }
            step.out.push_back(Output::DutyFinished {
                role: Role::SyncCommitteeContribution,
                slot,
            });
        }
        Ok(())
    }
}

fn waiting_id(w: &Waiting) -> Option<RequestId> {
    match w {
        Waiting::Nothing => None,
        Waiting::Selection(id, _)
        | Waiting::Contributions(id, _)
        | Waiting::PostSignatures(id, _) => Some(*id),
    }
}
