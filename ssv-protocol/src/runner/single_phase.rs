//! Runners with a pre-consensus phase only (ssv-spec `ValidatorRegistrationRunner`,
//! `VoluntaryExitRunner`): each operator signs the object, and at quorum the
//! signature is rebuilt and the object submitted.

use std::collections::BTreeSet;

use ssz::Encode;
use tree_hash::TreeHash;

use crate::beacon::capella::{SignedVoluntaryExit, VoluntaryExit};
use crate::beacon::consensus_data::{DataVersion, ValidatorDuty};
use crate::beacon::signed::{
    bls_signature, fixed, SignedValidatorRegistration, ValidatorRegistration,
};
use crate::runner::base::{Base, Phase, Step};
use crate::runner::chain::{DOMAIN_APPLICATION_BUILDER, DOMAIN_VOLUNTARY_EXIT};
use crate::runner::duty::Duty;
use crate::runner::error::RunnerError;
use crate::runner::io::{Request, RequestId, Response, SignItem, Submission, SubmissionKind};
use crate::runner::Output;
use crate::wire::{PartialSigKind, PartialSignatureMessages, Role};

/// Which object.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Object {
    Registration,
    Exit,
}

#[derive(Clone, Debug)]
pub(crate) struct SinglePhaseRunner {
    pub base: Base,
    object: Object,
    waiting: Option<(RequestId, Vec<SignItem>)>,
}

impl SinglePhaseRunner {
    pub fn new(base: Base, object: Object) -> Self {
        SinglePhaseRunner {
            base,
            object,
            waiting: None,
        }
    }

    fn duty(&self) -> Option<&ValidatorDuty> {
        match self.base.state.as_ref().map(|s| &s.duty) {
            Some(Duty::Validator(d)) => Some(d),
            _ => None,
        }
    }

    fn registration(&self, duty: &ValidatorDuty) -> Option<ValidatorRegistration> {
        let share = self.base.shares.values().next()?;
        let chain = &self.base.setup.chain;
        Some(ValidatorRegistration {
            fee_recipient: fixed(&share.fee_recipient),
            gas_limit: self.base.setup.gas_limit,
            timestamp: chain.epoch_start_time(chain.epoch(duty.slot)),
            pubkey: fixed(&share.validator_pubkey),
        })
    }

    fn exit(&self, duty: &ValidatorDuty) -> VoluntaryExit {
        VoluntaryExit {
            epoch: self.base.setup.chain.epoch(duty.slot),
            validator_index: duty.validator_index,
        }
    }

    /// The object's root, domain and epoch.
    fn object_root(&self, duty: &ValidatorDuty) -> Option<([u8; 32], [u8; 4])> {
        match self.object {
            Object::Registration => Some((
                self.registration(duty)?.tree_hash_root().0,
                DOMAIN_APPLICATION_BUILDER,
            )),
            Object::Exit => Some((self.exit(duty).tree_hash_root().0, DOMAIN_VOLUNTARY_EXIT)),
        }
    }

    fn kind(&self) -> PartialSigKind {
        match self.object {
            Object::Registration => PartialSigKind::ValidatorRegistration,
            Object::Exit => PartialSigKind::VoluntaryExit,
        }
    }

    /// The runner role.
    pub fn role(&self) -> Role {
        match self.object {
            Object::Registration => Role::ValidatorRegistration,
            Object::Exit => Role::VoluntaryExit,
        }
    }

    /// ssv-spec `StartNewDuty` (a non-beacon duty) and `executeDuty`.
    pub fn start(&mut self, step: &mut Step<'_>, duty: ValidatorDuty) -> Result<(), RunnerError> {
        self.base.should_process_non_beacon_duty(duty.slot)?;
        let epoch = self.base.setup.chain.epoch(duty.slot);
        let (root, domain) = self
            .object_root(&duty)
            .ok_or(RunnerError::NoValidatorShares)?;
        let v = duty.validator_index;
        self.base.setup_duty(Duty::Validator(duty));
        let item = self
            .base
            .sign_item(v, domain, epoch, root)
            .ok_or(RunnerError::UnknownValidatorIndex)?;
        let items = vec![item];
        let id = step.request(Request::Sign(items.clone()));
        self.waiting = Some((id, items));
        Ok(())
    }

    pub fn on_response(
        &mut self,
        step: &mut Step<'_>,
        id: RequestId,
        response: Response,
    ) -> Result<(), RunnerError> {
        match (self.waiting.take(), response) {
            (Some((w, items)), Response::Signatures(sigs))
                if w == id && sigs.len() == items.len() =>
            {
                let slot = self.duty().map_or(0, |d| d.slot);
                self.base
                    .broadcast_partials(step, self.kind(), slot, &items, &sigs);
                Ok(())
            }
            (Some((w, _)), Response::Failed(reason)) if w == id => {
                Err(RunnerError::RequestFailed { id, reason })
            }
            (w, _) => {
                self.waiting = w;
                Err(RunnerError::UnexpectedResponse(id))
            }
        }
    }

    /// ssv-spec `ProcessPreConsensus`.
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
        let (root, domain) = self
            .object_root(&duty)
            .ok_or(RunnerError::NoValidatorShares)?;
        let epoch = self.base.setup.chain.epoch(duty.slot);
        Base::verify_expected_roots(msgs, vec![self.base.signing_root(domain, epoch, root)])?;
        let roots = self.base.add_partials(Phase::Pre, msgs);
        let Some(root) = roots.first().copied() else {
            return Ok(());
        };
        let set: BTreeSet<[u8; 32]> = [root].into_iter().collect();
        let sig = self
            .base
            .reconstruct(Phase::Pre, duty.validator_index, &root, &set)
            .map_err(RunnerError::Reconstruct)?;
        let submission = match self.object {
            Object::Registration => {
                let message = self
                    .registration(&duty)
                    .ok_or(RunnerError::NoValidatorShares)?;
                let s = SignedValidatorRegistration {
                    message,
                    signature: bls_signature(&sig),
                };
                Submission {
                    kind: SubmissionKind::ValidatorRegistration,
                    version: DataVersion::Phase0,
                    validator_index: duty.validator_index,
                    root: s.tree_hash_root().0,
                    ssz: s.as_ssz_bytes(),
                }
            }
            Object::Exit => {
                let s = SignedVoluntaryExit {
                    message: self.exit(&duty),
                    signature: bls_signature(&sig),
                };
                Submission {
                    kind: SubmissionKind::VoluntaryExit,
                    version: DataVersion::Phase0,
                    validator_index: duty.validator_index,
                    root: s.tree_hash_root().0,
                    ssz: s.as_ssz_bytes(),
                }
            }
        };
        step.out.push_back(Output::Submit(submission));
        if let Some(s) = self.base.state.as_mut() {
            s.finished = true;
        }
        step.out.push_back(Output::DutyFinished {
            role: self.role(),
            slot: duty.slot,
        });
        Ok(())
    }
}
