//! The live network's aggregator runner (ssv-spec v1.2 `AggregatorRunner`, role
//! 1, one per validator): each operator signs the slot in the selection-proof
//! domain; at quorum the selection proof is rebuilt; if it selects the
//! validator (consensus-specs `is_aggregator`), the aggregate attestation of the
//! validator's committee is fetched, QBFT decides the `AggregateAndProof`
//! (`ValidatorConsensusData`), each operator signs it, and at quorum the signed
//! aggregate-and-proof is submitted. A validator not selected ends its duty
//! after the pre-consensus phase, as the Go node does.

use std::collections::BTreeSet;
use std::sync::Arc;

use ssz::{Decode, Encode};

use crate::beacon::consensus_data::{DataVersion, ValidatorConsensusData, ValidatorDuty};
use crate::beacon::signed::VersionedAggregateAndProof;
use crate::consensus::SsvSignedMessage;
use crate::duty::value_check::{self, ValueCheckError};
use crate::runner::aggregation_objects::{aggregate_and_proof, aggregate_submission};
use crate::runner::base::{Base, Phase, Step};
use crate::runner::chain::{DOMAIN_AGGREGATE_AND_PROOF, DOMAIN_SELECTION_PROOF};
use crate::runner::duty::Duty;
use crate::runner::error::RunnerError;
use crate::runner::io::{AggregationNeeds, Request, RequestId, Response, SignItem};
use crate::runner::proposer::validate_post_decided;
use crate::runner::Output;
use crate::wire::merkle::u64_root;
use crate::wire::{PartialSigKind, PartialSignatureMessages, Role};

#[derive(Clone, Debug)]
enum Waiting {
    Nothing,
    /// Our selection-proof share signature.
    Selection(RequestId, Vec<SignItem>),
    /// The aggregate attestation, with the rebuilt selection proof.
    Aggregate(RequestId, [u8; 96]),
    /// Our share signature of the decided aggregate-and-proof.
    PostSignatures(RequestId, Vec<SignItem>),
}

#[derive(Clone, Debug)]
pub(crate) struct AlanAggregatorRunner {
    pub base: Base,
    waiting: Waiting,
}

impl AlanAggregatorRunner {
    pub fn new(base: Base) -> Self {
        AlanAggregatorRunner {
            base,
            waiting: Waiting::Nothing,
        }
    }

    fn duty(&self) -> Option<&ValidatorDuty> {
        match self.base.state.as_ref().map(|s| &s.duty) {
            Some(Duty::Validator(d)) => Some(d),
            _ => None,
        }
    }

    fn selection_root(&self, slot: u64) -> [u8; 32] {
        let epoch = self.base.setup.chain.epoch(slot);
        self.base
            .signing_root(DOMAIN_SELECTION_PROOF, epoch, u64_root(slot))
    }

    /// ssv-spec `StartNewDuty` and `executeDuty`: signs the selection proof.
    pub fn start(&mut self, step: &mut Step<'_>, duty: ValidatorDuty) -> Result<(), RunnerError> {
        self.base.should_process_duty(duty.slot)?;
        let slot = duty.slot;
        let v = duty.validator_index;
        let epoch = self.base.setup.chain.epoch(slot);
        let item = self
            .base
            .sign_item(v, DOMAIN_SELECTION_PROOF, epoch, u64_root(slot))
            .ok_or(RunnerError::UnknownValidatorIndex)?;
        self.base.setup_duty(Duty::Validator(duty));
        let items = vec![item];
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

    /// ssv-spec `ProcessPreConsensus`: at quorum, rebuilds the selection proof;
    /// a selected validator asks for its committee's aggregate (the node holds
    /// the request until 2/3 of the slot), any other ends the duty.
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
        Base::verify_expected_roots(msgs, vec![self.selection_root(duty.slot)])?;
        let roots = self.base.add_partials(Phase::Pre, msgs);
        let Some(root) = roots.first().copied() else {
            return Ok(());
        };
        if self.consensus_started() || matches!(self.waiting, Waiting::Aggregate(..)) {
            return Ok(());
        }
        let set: BTreeSet<[u8; 32]> = [root].into_iter().collect();
        let proof = self
            .base
            .reconstruct(Phase::Pre, duty.validator_index, &root, &set)
            .map_err(RunnerError::Reconstruct)?;
        let selected = self.base.setup.selection.is_aggregator(
            duty.slot,
            duty.committee_index,
            duty.committee_length,
            &proof,
        );
        if !selected {
            if let Some(s) = self.base.state.as_mut() {
                s.finished = true;
            }
            // Not an aggregator this time: the duty had nothing to submit.
            step.out.push_back(Output::DutyFinished {
                role: Role::Aggregator,
                slot: duty.slot,
            });
            return Ok(());
        }
        let id = step.request(Request::Aggregation(AggregationNeeds {
            slot: duty.slot,
            committee_indexes: vec![duty.committee_index],
            sync_subnets: Vec::new(),
        }));
        self.waiting = Waiting::Aggregate(id, proof);
        Ok(())
    }

    /// Builds our consensus value from the fetched aggregate and starts QBFT.
    fn propose(
        &mut self,
        step: &mut Step<'_>,
        proof: &[u8; 96],
        attestations: &[(u64, Vec<u8>)],
    ) -> Result<(), RunnerError> {
        let duty = self.duty().cloned().ok_or(RunnerError::NoRunningDuty)?;
        let chain = &self.base.setup.chain;
        let version = chain.data_version(chain.epoch(duty.slot));
        let (_, aggregate) = attestations
            .iter()
            .find(|(c, _)| *c == duty.committee_index)
            .ok_or(RunnerError::BadBeaconData("no aggregate attestation"))?;
        let message = aggregate_and_proof(version, duty.validator_index, aggregate, proof)?;
        let data = ValidatorConsensusData {
            duty: duty.clone(),
            version: version.to_u64(),
            data_ssz: ssz_types::VariableList::new(message.ssz())
                .map_err(|_| RunnerError::BadBeaconData("aggregate too large"))?,
        };
        self.base.decide(step, duty.slot, data.as_ssz_bytes())
    }

    /// The decided value and its aggregate-and-proof.
    fn decided(&self) -> Result<(ValidatorConsensusData, VersionedAggregateAndProof), RunnerError> {
        let value = self
            .base
            .state
            .as_ref()
            .and_then(|s| s.decided.clone())
            .ok_or(RunnerError::NoDecidedValue)?;
        let cd = ValidatorConsensusData::from_ssz_bytes(&value)
            .map_err(|_| RunnerError::ValueCheck(ValueCheckError::DecodeValidatorData))?;
        let message = value_check::aggregate_and_proof(&cd).map_err(RunnerError::ValueCheck)?;
        Ok((cd, message))
    }

    /// The signing root of the decided aggregate-and-proof.
    fn post_root(&self, cd: &ValidatorConsensusData, m: &VersionedAggregateAndProof) -> [u8; 32] {
        let epoch = self.base.setup.chain.epoch(cd.duty.slot);
        self.base
            .signing_root(DOMAIN_AGGREGATE_AND_PROOF, epoch, m.root())
    }

    /// ssv-spec `ProcessConsensus`: signs the decided aggregate-and-proof.
    pub fn process_consensus(
        &mut self,
        step: &mut Step<'_>,
        msg: Arc<SsvSignedMessage>,
    ) -> Result<(), RunnerError> {
        if self.base.process_consensus(step, msg)?.is_none() {
            return Ok(());
        }
        self.after_decided(step)
    }

    fn after_decided(&mut self, step: &mut Step<'_>) -> Result<(), RunnerError> {
        let (cd, message) = self.decided()?;
        let v = self
            .duty()
            .map_or(cd.duty.validator_index, |d| d.validator_index);
        let epoch = self.base.setup.chain.epoch(cd.duty.slot);
        let item = self
            .base
            .sign_item(v, DOMAIN_AGGREGATE_AND_PROOF, epoch, message.root())
            .ok_or(RunnerError::UnknownValidatorIndex)?;
        let items = vec![item];
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
                    PartialSigKind::SelectionProof,
                    slot,
                    &items,
                    &sigs,
                );
                Ok(())
            }
            (Waiting::Aggregate(w, proof), Response::Aggregation { attestations, .. })
                if w == id =>
            {
                if self.consensus_started() || !self.base.has_running_duty() {
                    return Ok(());
                }
                self.propose(step, &proof, &attestations)
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

    /// ssv-spec `ProcessPostConsensus`: at quorum, rebuilds the signature and
    /// submits the signed aggregate-and-proof.
    pub fn process_post(
        &mut self,
        step: &mut Step<'_>,
        msgs: &PartialSignatureMessages,
    ) -> Result<(), RunnerError> {
        validate_post_decided(&self.base)?;
        let (cd, message) = self.decided()?;
        self.base.validate_partial_slot(msgs, cd.duty.slot)?;
        self.base.validate_indices(msgs)?;
        Base::verify_expected_roots(msgs, vec![self.post_root(&cd, &message)])?;
        let roots = self.base.add_partials(Phase::Post, msgs);
        let Some(root) = roots.first().copied() else {
            return Ok(());
        };
        let v = self
            .duty()
            .map_or(cd.duty.validator_index, |d| d.validator_index);
        let set: BTreeSet<[u8; 32]> = roots.iter().copied().collect();
        let sig = self
            .base
            .reconstruct(Phase::Post, v, &root, &set)
            .map_err(RunnerError::Reconstruct)?;
        let version = DataVersion::from_u64(cd.version).unwrap_or(DataVersion::Phase0);
        step.out.push_back(Output::Submit(aggregate_submission(
            v, version, &message, &sig,
        )));
        if let Some(s) = self.base.state.as_mut() {
            s.finished = true;
        }
        step.out.push_back(Output::DutyFinished {
            role: Role::Aggregator,
            slot: cd.duty.slot,
        });
        Ok(())
    }
}

fn waiting_id(w: &Waiting) -> Option<RequestId> {
    match w {
        Waiting::Nothing => None,
        Waiting::Selection(id, _) | Waiting::Aggregate(id, _) | Waiting::PostSignatures(id, _) => {
            Some(*id)
        }
    }
}
