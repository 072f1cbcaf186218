//! [`ValidatorMachine`] (ssv-spec `Validator`): one operator's runners for one
//! validator's own duties: proposals, builder registrations and voluntary exits.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use qbft_core::Timestamp;

use crate::consensus::decode_consensus;
use crate::runner::base::{Base, Step};
use crate::runner::committee_machine::{check_envelope, partial_sigs_of};
use crate::runner::duty::{validate_validator_duty, Duty};
use crate::runner::error::RunnerError;
use crate::runner::io::{RequestId, Response};
use crate::runner::proposer::ProposerRunner;
use crate::runner::single_phase::{Object, SinglePhaseRunner};
use crate::runner::snapshot::RunnerSnapshot;
use crate::runner::{Input, Output, RunnerView, Setup};
use crate::wire::{MessageId, PartialSigKind, Role, Share, SignedSsvMessage, SsvMsgType};

/// One operator's runners for one validator.
#[derive(Debug)]
pub struct ValidatorMachine {
    setup: Arc<Setup>,
    share: Share,
    proposer: ProposerRunner,
    registration: SinglePhaseRunner,
    exit: SinglePhaseRunner,
    requests: BTreeMap<RequestId, Role>,
    next_id: RequestId,
    outputs: VecDeque<Output>,
}

enum RunnerRef<'a> {
    Proposer(&'a mut ProposerRunner),
    Single(&'a mut SinglePhaseRunner),
}

impl ValidatorMachine {
    /// A machine for the validator of `share`.
    pub fn new(setup: Setup, share: Share) -> Self {
        let setup = Arc::new(setup);
        let shares: BTreeMap<u64, Share> = [(share.validator_index, share.clone())]
            .into_iter()
            .collect();
        let id =
            |role| MessageId::for_validator(setup.network_domain, role, &share.validator_pubkey);
        let vc = setup.value_checks.proposer(&share);
        let proposer = ProposerRunner::new(Base::new(
            Role::Proposer,
            Arc::clone(&setup),
            shares.clone(),
            id(Role::Proposer),
            Some(vc),
        ));
        let registration = SinglePhaseRunner::new(
            Base::new(
                Role::ValidatorRegistration,
                Arc::clone(&setup),
                shares.clone(),
                id(Role::ValidatorRegistration),
                None,
            ),
            Object::Registration,
        );
        let exit = SinglePhaseRunner::new(
            Base::new(
                Role::VoluntaryExit,
                Arc::clone(&setup),
                shares,
                id(Role::VoluntaryExit),
                None,
            ),
            Object::Exit,
        );
        ValidatorMachine {
            setup,
            share,
            proposer,
            registration,
            exit,
            requests: BTreeMap::new(),
            next_id: 1,
            outputs: VecDeque::new(),
        }
    }

    /// The share this machine signs with.
    pub fn share(&self) -> &Share {
        &self.share
    }

    /// Loads a saved runner of `role`.
    pub fn restore_runner(&mut self, role: Role, snap: RunnerSnapshot) {
        match role {
            Role::Proposer => self.proposer.base.restore(snap),
            Role::ValidatorRegistration => self.registration.base.restore(snap),
            Role::VoluntaryExit => self.exit.base.restore(snap),
            _ => {}
        }
    }

    /// The runner of `role` (proposer, registration or exit), read-only.
    pub fn runner(&self, role: Role) -> Option<RunnerView<'_>> {
        match role {
            Role::Proposer => Some(RunnerView::new(&self.proposer.base)),
            Role::ValidatorRegistration => Some(RunnerView::new(&self.registration.base)),
            Role::VoluntaryExit => Some(RunnerView::new(&self.exit.base)),
            _ => None,
        }
    }

    /// ssv-spec `Runner.StartNewDuty` on the runner of the duty's role: only the
    /// runner's own checks apply (the slot must be ahead of the controller, or
    /// of the last duty for registrations and exits); the validator-level duty
    /// validation of [`Input::StartDuty`] is skipped. Outputs are queued as by
    /// [`Self::handle`].
    pub fn start_on_runner(&mut self, now: Timestamp, duty: Duty) -> Result<(), RunnerError> {
        let Duty::Validator(d) = duty else {
            return Err(RunnerError::UnsupportedDuty);
        };
        let role =
            crate::runner::duty::runner_role_of(d.role).ok_or(RunnerError::UnsupportedDuty)?;
        self.with_runner(now, role, |r, step| match r {
            RunnerRef::Proposer(p) => p.start(step, d),
            RunnerRef::Single(s) => s.start(step, d),
        })
    }

    /// Feeds one input.
    pub fn handle(&mut self, now: Timestamp, input: Input) -> Result<(), RunnerError> {
        match input {
            Input::StartDuty(duty) => self.start_duty(now, duty),
            Input::Message(msg) => self.process_message(now, &msg),
            Input::Response { id, response } => self.on_response(now, id, response),
            Input::Tick => self.with_runner(now, Role::Proposer, |r, step| {
                if let RunnerRef::Proposer(p) = r {
                    let _ = p.base.tick(step);
                }
                Ok(())
            }),
        }
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The proposer's round-timer deadline.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.proposer.base.poll_timeout()
    }

    fn with_runner<T>(
        &mut self,
        now: Timestamp,
        role: Role,
        f: impl FnOnce(RunnerRef<'_>, &mut Step<'_>) -> Result<T, RunnerError>,
    ) -> Result<T, RunnerError> {
        let first = self.next_id;
        let mut next_id = self.next_id;
        let mut out = std::mem::take(&mut self.outputs);
        let result = {
            let mut step = Step {
                now,
                next_id: &mut next_id,
                out: &mut out,
            };
            let r = match role {
                Role::Proposer => Some(RunnerRef::Proposer(&mut self.proposer)),
                Role::ValidatorRegistration => Some(RunnerRef::Single(&mut self.registration)),
                Role::VoluntaryExit => Some(RunnerRef::Single(&mut self.exit)),
                _ => None,
            };
            match r {
                Some(r) => f(r, &mut step),
                None => Err(RunnerError::WrongRole),
            }
        };
        self.outputs = out;
        for id in first..next_id {
            self.requests.insert(id, role);
        }
        self.next_id = next_id;
        result
    }

    /// ssv-spec `Validator.StartDuty`.
    fn start_duty(&mut self, now: Timestamp, duty: Duty) -> Result<(), RunnerError> {
        let Duty::Validator(d) = duty else {
            return Err(RunnerError::UnsupportedDuty);
        };
        validate_validator_duty(&d)?;
        self.start_on_runner(now, Duty::Validator(d))
    }

    /// ssv-spec `Validator.ProcessMessage`.
    fn process_message(
        &mut self,
        now: Timestamp,
        msg: &SignedSsvMessage,
    ) -> Result<(), RunnerError> {
        check_envelope(&self.setup, msg)?;
        let id = &msg.ssv_message.msg_id;
        let role = id.role();
        if !matches!(
            role,
            Role::Proposer | Role::ValidatorRegistration | Role::VoluntaryExit
        ) {
            return Err(RunnerError::WrongRole);
        }
        if id.duty_executor() != &self.share.validator_pubkey[..] {
            return Err(RunnerError::WrongMessageId);
        }
        match msg.ssv_message.msg_type {
            SsvMsgType::Consensus => {
                let decoded = Arc::new(decode_consensus(msg)?);
                self.with_runner(now, role, |r, step| match r {
                    RunnerRef::Proposer(p) => p.process_consensus(step, decoded),
                    RunnerRef::Single(_) => Err(RunnerError::NoConsensusPhase),
                })
            }
            SsvMsgType::PartialSignature => {
                let p = partial_sigs_of(msg)?;
                self.with_runner(now, role, |r, step| match (r, p.kind) {
                    (RunnerRef::Proposer(r), PartialSigKind::PostConsensus) => {
                        r.process_post(step, &p)
                    }
                    (RunnerRef::Single(_), PartialSigKind::PostConsensus) => {
                        Err(RunnerError::NoPostConsensusPhase)
                    }
                    (RunnerRef::Proposer(r), _) => r.process_pre(step, &p),
                    (RunnerRef::Single(s), _) => s.process_pre(step, &p),
                })
            }
            _ => Err(RunnerError::Message(
                crate::wire::MessageError::InvalidMsgType,
            )),
        }
    }

    fn on_response(
        &mut self,
        now: Timestamp,
        id: RequestId,
        response: Response,
    ) -> Result<(), RunnerError> {
        let role = self
            .requests
            .remove(&id)
            .ok_or(RunnerError::UnexpectedResponse(id))?;
        self.with_runner(now, role, |r, step| match r {
            RunnerRef::Proposer(p) => p.on_response(step, id, response),
            RunnerRef::Single(s) => s.on_response(step, id, response),
        })
    }
}
