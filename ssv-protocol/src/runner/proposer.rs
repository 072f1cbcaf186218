//! The proposer runner (ssv-spec `ProposerRunner`): the RANDAO reveal is signed
//! and rebuilt before consensus, the block fetched with it is decided by QBFT,
//! and the block's signature is rebuilt after consensus and the block submitted.

use std::collections::BTreeSet;
use std::sync::Arc;

use ssz::{Decode, Encode};

use crate::beacon::consensus_data::{DataVersion, ProposerConsensusData, ValidatorDuty};
use crate::beacon::proposer_data::{block_data, ProposalBlock};
use crate::consensus::SsvSignedMessage;
use crate::duty::value_check::ValueCheckError;
use crate::runner::base::{Base, Phase, Step};
use crate::runner::chain::{DOMAIN_PROPOSER, DOMAIN_RANDAO};
use crate::runner::duty::Duty;
use crate::runner::error::RunnerError;
use crate::runner::io::{
    Request, RequestId, Response, SignItem, SlashingRecord, Submission, SubmissionKind,
};
use crate::runner::Output;
use crate::wire::merkle::u64_root;
use crate::wire::{PartialSigKind, PartialSignatureMessages, Role};

#[derive(Clone, Debug)]
enum Waiting {
    Nothing,
    Randao(RequestId, Vec<SignItem>),
    Block(RequestId),
    Recorded(RequestId, Vec<SignItem>, u64),
    Signatures(RequestId, Vec<SignItem>, u64),
}

#[derive(Clone, Debug)]
pub(crate) struct ProposerRunner {
    pub base: Base,
    waiting: Waiting,
}

impl ProposerRunner {
    pub fn new(base: Base) -> Self {
        ProposerRunner {
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

    fn randao_root(&self, slot: u64) -> [u8; 32] {
        let epoch = self.base.setup.chain.epoch(slot);
        self.base
            .signing_root(DOMAIN_RANDAO, epoch, u64_root(epoch))
    }

    /// ssv-spec `StartNewDuty` and `executeDuty`: signs the RANDAO reveal.
    pub fn start(&mut self, step: &mut Step<'_>, duty: ValidatorDuty) -> Result<(), RunnerError> {
        self.base.should_process_duty(duty.slot)?;
        let epoch = self.base.setup.chain.epoch(duty.slot);
        let v = duty.validator_index;
        self.base.setup_duty(Duty::Validator(duty));
        let item = self
            .base
            .sign_item(v, DOMAIN_RANDAO, epoch, u64_root(epoch))
            .ok_or(RunnerError::UnknownValidatorIndex)?;
        let items = vec![item];
        let id = step.request(Request::Sign(items.clone()));
        self.waiting = Waiting::Randao(id, items);
        Ok(())
    }

    /// ssv-spec `ProcessPreConsensus`: at quorum, rebuilds the RANDAO reveal and
    /// asks for a block.
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
        Base::verify_expected_roots(msgs, vec![self.randao_root(duty.slot)])?;
        let roots = self.base.add_partials(Phase::Pre, msgs);
        let Some(root) = roots.first().copied() else {
            return Ok(());
        };
        let set: BTreeSet<[u8; 32]> = [root].into_iter().collect();
        let reveal = self
            .base
            .reconstruct(Phase::Pre, duty.validator_index, &root, &set)
            .map_err(RunnerError::Reconstruct)?;
        let graffiti = self
            .base
            .shares
            .get(&duty.validator_index)
            .map(|s| s.graffiti)
            .unwrap_or_default();
        let id = step.request(Request::Block {
            slot: duty.slot,
            randao_reveal: reveal,
            graffiti,
        });
        self.waiting = Waiting::Block(id);
        Ok(())
    }

    fn decided_data(&self) -> Result<(ProposerConsensusData, ProposalBlock), RunnerError> {
        let value = self
            .base
            .state
            .as_ref()
            .and_then(|s| s.decided.clone())
            .ok_or(RunnerError::NoDecidedValue)?;
        let cd = ProposerConsensusData::from_ssz_bytes(&value)
            .map_err(|_| RunnerError::ValueCheck(ValueCheckError::DecodeProposerData))?;
        let block = block_data(&cd)
            .map_err(|e| RunnerError::ValueCheck(ValueCheckError::InvalidProposerData(e)))?;
        Ok((cd, block))
    }

    /// ssv-spec `ProcessConsensus`: signs the decided block.
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

    pub fn after_decided(&mut self, step: &mut Step<'_>) -> Result<(), RunnerError> {
        let (cd, block) = self.decided_data()?;
        let v = self
            .duty()
            .map_or(cd.duty.validator_index, |d| d.validator_index);
        let epoch = self.base.setup.chain.epoch(cd.duty.slot);
        let item = self
            .base
            .sign_item(v, DOMAIN_PROPOSER, epoch, block.block_root())
            .ok_or(RunnerError::UnknownValidatorIndex)?;
        let record = SlashingRecord::Proposal {
            share_pubkey: item.share_pubkey,
            slot: block.slot(),
            signing_root: item.signing_root,
        };
        let items = vec![item];
        let id = step.request(Request::RecordSlashing(vec![record]));
        self.waiting = Waiting::Recorded(id, items, cd.duty.slot);
        Ok(())
    }

    pub fn on_response(
        &mut self,
        step: &mut Step<'_>,
        id: RequestId,
        response: Response,
    ) -> Result<(), RunnerError> {
        let waiting = std::mem::replace(&mut self.waiting, Waiting::Nothing);
        match (waiting, response) {
            (Waiting::Randao(w, items), Response::Signatures(sigs))
                if w == id && sigs.len() == items.len() =>
            {
                let slot = self.duty().map_or(0, |d| d.slot);
                self.base
                    .broadcast_partials(step, PartialSigKind::Randao, slot, &items, &sigs);
                Ok(())
            }
            (Waiting::Block(w), Response::Block(block)) if w == id => {
                let duty = self.duty().cloned().ok_or(RunnerError::NoRunningDuty)?;
                let data = ProposerConsensusData {
                    duty: duty.clone(),
                    version: block.version.to_u64(),
                    data_ssz: ssz_types::VariableList::new(block.ssz)
                        .map_err(|_| RunnerError::BadBeaconData("block too large"))?,
                };
                self.base.decide(step, duty.slot, data.as_ssz_bytes())
            }
            (Waiting::Recorded(w, items, slot), Response::Recorded) if w == id => {
                let id = step.request(Request::Sign(items.clone()));
                self.waiting = Waiting::Signatures(id, items, slot);
                Ok(())
            }
            (Waiting::Recorded(w, ..), Response::Slashable) if w == id => {
                Err(RunnerError::Slashable)
            }
            (Waiting::Signatures(w, items, slot), Response::Signatures(sigs))
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

    /// ssv-spec `ProcessPostConsensus`: rebuilds the block signature and submits.
    pub fn process_post(
        &mut self,
        step: &mut Step<'_>,
        msgs: &PartialSignatureMessages,
    ) -> Result<(), RunnerError> {
        validate_post_decided(&self.base)?;
        let (cd, block) = self.decided_data()?;
        self.base.validate_partial_slot(msgs, cd.duty.slot)?;
        self.base.validate_indices(msgs)?;
        let duty_slot = self.duty().map_or(cd.duty.slot, |d| d.slot);
        let epoch = self.base.setup.chain.epoch(duty_slot);
        let expected = self
            .base
            .signing_root(DOMAIN_PROPOSER, epoch, block.block_root());
        Base::verify_expected_roots(msgs, vec![expected])?;
        let roots = self.base.add_partials(Phase::Post, msgs);
        if roots.is_empty() {
            return Ok(());
        }
        let set: BTreeSet<[u8; 32]> = roots.iter().copied().collect();
        let v = self
            .duty()
            .map_or(cd.duty.validator_index, |d| d.validator_index);
        for root in &roots {
            let sig = self
                .base
                .reconstruct(Phase::Post, v, root, &set)
                .map_err(RunnerError::Reconstruct)?;
            step.out.push_back(Output::Submit(Submission {
                kind: SubmissionKind::Block,
                version: DataVersion::from_u64(cd.version).unwrap_or(DataVersion::Capella),
                validator_index: v,
                root: block.signed_root(&sig),
                ssz: block.signed_ssz(&sig),
            }));
        }
        if let Some(s) = self.base.state.as_mut() {
            s.finished = true;
        }
        step.out.push_back(Output::DutyFinished {
            role: Role::Proposer,
            slot: duty_slot,
        });
        Ok(())
    }
}

/// The first rules of ssv-spec `ValidatePostConsensusMsg`, shared by every runner
/// with a post-consensus phase: a running duty and a decided value.
pub(crate) fn validate_post_decided(base: &Base) -> Result<(), RunnerError> {
    if !base.has_running_duty() {
        return Err(RunnerError::NoRunningDuty);
    }
    let state = base.state.as_ref().ok_or(RunnerError::NoRunningDuty)?;
    if state.decided.is_none() {
        return Err(RunnerError::NoDecidedValue);
    }
    Ok(())
}

fn waiting_id(w: &Waiting) -> Option<RequestId> {
    match w {
        Waiting::Nothing => None,
        Waiting::Randao(id, _)
        | Waiting::Block(id)
        | Waiting::Recorded(id, ..)
        | Waiting::Signatures(id, ..) => Some(*id),
    }
}
