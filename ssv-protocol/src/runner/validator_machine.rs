//! [`ValidatorMachine`] (ssv-spec `Validator`): one operator's runners for one
//! validator's own duties: proposals, builder registrations and voluntary exits,
//! and the live network's (Alan) aggregation and sync-committee contribution
//! duties.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use qbft_core::Timestamp;

use crate::consensus::decode_consensus;
use crate::roles::{runner_role, BeaconRole, RoleFork};
use crate::runner::alan_aggregator::AlanAggregatorRunner;
use crate::runner::alan_contribution::AlanContributionRunner;
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

/// The roles whose runners have a QBFT instance (and so round timers).
const CONSENSUS_ROLES: [Role; 3] = [
    Role::Proposer,
    Role::Aggregator,
    Role::SyncCommitteeContribution,
];

/// How many slots after its last duty's slot an idle runner is dropped (two
/// epochs; see [`ValidatorMachine::retire_idle`]).
pub const RETIRE_AFTER_SLOTS: u64 = 64;

/// One operator's runners for one validator. Each runner is built the first
/// time something reaches it (a duty, a message, a restored snapshot): most
/// validators never propose, aggregate or contribute in a given week, and a
/// built runner costs a few kilobytes (its QBFT controller, its share map), so a
/// node of 10,000 validators would otherwise hold some 200 MB of idle runners.
/// A runner built late is the fresh runner it would have been from the start:
/// until it is first reached it has no duty, no instance and no deadline.
/// Runners idle for two epochs are dropped again when another duty starts.
#[derive(Debug)]
pub struct ValidatorMachine {
    setup: Arc<Setup>,
    share: Share,
    proposer: Option<Box<ProposerRunner>>,
    aggregator: Option<Box<AlanAggregatorRunner>>,
    contribution: Option<Box<AlanContributionRunner>>,
    registration: Option<Box<SinglePhaseRunner>>,
    exit: Option<Box<SinglePhaseRunner>>,
    /// The share as the runners' share map, one for all of them while any is
    /// built (a one-entry map still allocates a whole tree node, 2 kB).
    runner_shares: Option<Arc<BTreeMap<u64, Share>>>,
    /// The slot of the last duty each built runner started, by role.
    duty_slots: BTreeMap<Role, u64>,
    requests: BTreeMap<RequestId, Role>,
    next_id: RequestId,
    outputs: VecDeque<Output>,
}

enum RunnerRef<'a> {
    Proposer(&'a mut ProposerRunner),
    Aggregator(&'a mut AlanAggregatorRunner),
    Contribution(&'a mut AlanContributionRunner),
    Single(&'a mut SinglePhaseRunner),
}

/// A fresh runner's base for `role`, with the share's value check where the
/// role has a QBFT phase.
fn fresh_base(
    setup: &Arc<Setup>,
    share: &Share,
    shares: &Arc<BTreeMap<u64, Share>>,
    role: Role,
) -> Base {
    let id = MessageId::for_validator(setup.network_domain, role, &share.validator_pubkey);
    let vc = match role {
        Role::Proposer => Some(setup.value_checks.proposer(share)),
        Role::Aggregator => Some(setup.value_checks.aggregator(share)),
        Role::SyncCommitteeContribution => Some(setup.value_checks.sync_contribution(share)),
        _ => None,
    };
    Base::new(role, Arc::clone(setup), Arc::clone(shares), id, vc)
}

impl ValidatorMachine {
    /// A machine for the validator of `share`.
    pub fn new(setup: Setup, share: Share) -> Self {
        Self::with_setup(Arc::new(setup), share)
    }

    /// A machine for the validator of `share`, with a setup shared with other
    /// machines (one per committee saves a copy per validator).
    pub fn with_setup(setup: Arc<Setup>, share: Share) -> Self {
        ValidatorMachine {
            setup,
            share,
            proposer: None,
            aggregator: None,
            contribution: None,
            registration: None,
            exit: None,
            runner_shares: None,
            duty_slots: BTreeMap::new(),
            requests: BTreeMap::new(),
            next_id: 1,
            outputs: VecDeque::new(),
        }
    }

    /// The runner of `role`, built if it was not yet.
    fn runner_mut(&mut self, role: Role) -> Option<RunnerRef<'_>> {
        let ValidatorMachine {
            setup,
            share,
            proposer,
            aggregator,
            contribution,
            registration,
            exit,
            runner_shares,
            ..
        } = self;
        let shares = runner_shares.get_or_insert_with(|| {
            Arc::new(
                [(share.validator_index, share.clone())]
                    .into_iter()
                    .collect(),
            )
        });
        let base = |role| fresh_base(setup, share, shares, role);
        Some(match role {
            Role::Proposer => RunnerRef::Proposer(
                proposer.get_or_insert_with(|| Box::new(ProposerRunner::new(base(role)))),
            ),
            Role::Aggregator => RunnerRef::Aggregator(
                aggregator.get_or_insert_with(|| Box::new(AlanAggregatorRunner::new(base(role)))),
            ),
            Role::SyncCommitteeContribution => RunnerRef::Contribution(
                contribution
                    .get_or_insert_with(|| Box::new(AlanContributionRunner::new(base(role)))),
            ),
            Role::ValidatorRegistration => {
                RunnerRef::Single(registration.get_or_insert_with(|| {
                    Box::new(SinglePhaseRunner::new(base(role), Object::Registration))
                }))
            }
            Role::VoluntaryExit => {
                RunnerRef::Single(exit.get_or_insert_with(|| {
                    Box::new(SinglePhaseRunner::new(base(role), Object::Exit))
                }))
            }
            _ => return None,
        })
    }

    /// The base of the runner of `role`, if it was built.
    fn built_base(&self, role: Role) -> Option<&Base> {
        match role {
            Role::Proposer => self.proposer.as_deref().map(|r| &r.base),
            Role::Aggregator => self.aggregator.as_deref().map(|r| &r.base),
            Role::SyncCommitteeContribution => self.contribution.as_deref().map(|r| &r.base),
            Role::ValidatorRegistration => self.registration.as_deref().map(|r| &r.base),
            Role::VoluntaryExit => self.exit.as_deref().map(|r| &r.base),
            _ => None,
        }
    }

    /// Whether any of the validator's runners is on a duty of `slot`.
    pub fn has_duty_at(&self, slot: u64) -> bool {
        [
            self.proposer.as_deref().map(|r| &r.base),
            self.aggregator.as_deref().map(|r| &r.base),
            self.contribution.as_deref().map(|r| &r.base),
            self.registration.as_deref().map(|r| &r.base),
            self.exit.as_deref().map(|r| &r.base),
        ]
        .into_iter()
        .flatten()
        .any(|b| b.state.as_ref().is_some_and(|s| s.duty.slot() == slot))
    }

    /// How many of the five runners have been built (diagnostics).
    pub fn built_runners(&self) -> usize {
        [
            self.proposer.is_some(),
            self.aggregator.is_some(),
            self.contribution.is_some(),
            self.registration.is_some(),
            self.exit.is_some(),
        ]
        .into_iter()
        .filter(|b| *b)
        .count()
    }

    /// Requests awaiting an answer (diagnostics).
    pub fn pending_requests(&self) -> usize {
        self.requests.len()
    }

    /// The share this machine signs with.
    pub fn share(&self) -> &Share {
        &self.share
    }

    /// Loads a saved runner of `role`.
    pub fn restore_runner(&mut self, role: Role, snap: RunnerSnapshot) {
        match self.runner_mut(role) {
            Some(RunnerRef::Proposer(r)) => r.base.restore(snap),
            Some(RunnerRef::Aggregator(r)) => r.base.restore(snap),
            Some(RunnerRef::Contribution(r)) => r.base.restore(snap),
            Some(RunnerRef::Single(r)) => r.base.restore(snap),
            None => {}
        }
    }

    /// The runner of `role` (proposer, Alan aggregator or sync contribution,
    /// registration or exit), read-only; `None` until something reached it
    /// (until then it is a fresh runner: no duty, no instance).
    pub fn runner(&self, role: Role) -> Option<RunnerView<'_>> {
        self.built_base(role).map(RunnerView::new)
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
        // Per-validator aggregation is the live network's (Alan) form.
        let role = runner_role(BeaconRole::from_u64(d.role), RoleFork::Alan)
            .ok_or(RunnerError::UnsupportedDuty)?;
        let slot = d.slot;
        self.with_runner(now, role, |r, step| match r {
            RunnerRef::Proposer(p) => p.start(step, d),
            RunnerRef::Aggregator(a) => a.start(step, d),
            RunnerRef::Contribution(c) => c.start(step, d),
            RunnerRef::Single(s) => s.start(step, d),
        })?;
        self.duty_slots.insert(role, slot);
        self.retire_idle(slot);
        Ok(())
    }

    /// Drops the runners whose duty finished in a slot before `before` and that
    /// wait for no answer, as `CommitteeMachine::forget_finished` does for
    /// committee runners (the node calls both a few slots after a slot, once
    /// late messages for it are refused rather than held): a finished runner
    /// holds its duty's QBFT messages and partial signatures, and every
    /// validator with an attester duty runs an aggregation duty each epoch.
    /// Whether any runner was dropped.
    pub fn forget_finished(&mut self, before: u64) -> bool {
        self.drop_runners_where(|m, role, slot| {
            slot < before
                && m.built_base(role)
                    .and_then(|b| b.state.as_ref())
                    .is_some_and(|st| st.finished)
        })
    }

    /// Drops every built runner that waits for no answer and whose role and
    /// last duty slot pass `drop`; whether any was dropped.
    fn drop_runners_where(&mut self, drop: impl Fn(&Self, Role, u64) -> bool) -> bool {
        let chosen: Vec<Role> = self
            .duty_slots
            .iter()
            .filter(|(role, slot)| {
                drop(self, **role, **slot) && !self.requests.values().any(|r| r == *role)
            })
            .map(|(role, _)| *role)
            .collect();
        for role in &chosen {
            self.drop_runner(*role);
        }
        !chosen.is_empty()
    }

    fn drop_runner(&mut self, role: Role) {
        self.duty_slots.remove(&role);
        match role {
            Role::Proposer => self.proposer = None,
            Role::Aggregator => self.aggregator = None,
            Role::SyncCommitteeContribution => self.contribution = None,
            Role::ValidatorRegistration => self.registration = None,
            Role::VoluntaryExit => self.exit = None,
            _ => {}
        }
        if self.built_runners() == 0 {
            self.runner_shares = None;
        }
    }

    /// Drops the runners whose last duty is more than [`RETIRE_AFTER_SLOTS`]
    /// before `slot` and that wait for no answer. Nothing can reach them any
    /// more: message validation refuses messages older than 34 slots, a QBFT
    /// instance gives up its rounds well within two epochs, and the next duty
    /// of their role has a later slot, which a fresh runner accepts as the old
    /// one would. Without this, every validator would keep a registration
    /// runner (registrations run every 10 epochs) and a proposer runner for
    /// good once it had one duty of each: memory growing for days.
    fn retire_idle(&mut self, slot: u64) {
        self.drop_runners_where(|_, _, last| last.saturating_add(RETIRE_AFTER_SLOTS) < slot);
    }

    /// Feeds one input.
    pub fn handle(&mut self, now: Timestamp, input: Input) -> Result<(), RunnerError> {
        match input {
            Input::StartDuty(duty) => self.start_duty(now, duty),
            Input::Message(msg) => self.process_message(now, &msg),
            Input::Response { id, response } => self.on_response(now, id, response),
            Input::Tick => {
                for role in CONSENSUS_ROLES {
                    // A runner not built has no round timer to fire.
                    if self.built_base(role).is_none() {
                        continue;
                    }
                    self.with_runner(now, role, |r, step| {
                        match r {
                            RunnerRef::Proposer(p) => p.base.tick(step),
                            RunnerRef::Aggregator(a) => a.base.tick(step),
                            RunnerRef::Contribution(c) => c.base.tick(step),
                            RunnerRef::Single(s) => s.base.tick(step),
                        };
                        Ok(())
                    })?;
                }
                Ok(())
            }
        }
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The earliest round-timer deadline of the runners with a QBFT phase.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        CONSENSUS_ROLES
            .into_iter()
            .filter_map(|role| self.built_base(role)?.poll_timeout())
            .min()
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
            match self.runner_mut(role) {
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
            Role::Proposer
                | Role::Aggregator
                | Role::SyncCommitteeContribution
                | Role::ValidatorRegistration
                | Role::VoluntaryExit
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
                    RunnerRef::Aggregator(a) => a.process_consensus(step, decoded),
                    RunnerRef::Contribution(c) => c.process_consensus(step, decoded),
                    RunnerRef::Single(_) => Err(RunnerError::NoConsensusPhase),
                })
            }
            SsvMsgType::PartialSignature => {
                let p = partial_sigs_of(msg)?;
                let post = p.kind == PartialSigKind::PostConsensus;
                let was_built = self.built_base(role).is_some();
                let result = self.with_runner(now, role, |r, step| match (r, post) {
                    (RunnerRef::Proposer(r), true) => r.process_post(step, &p),
                    (RunnerRef::Aggregator(a), true) => a.process_post(step, &p),
                    (RunnerRef::Contribution(c), true) => c.process_post(step, &p),
                    (RunnerRef::Single(_), true) => Err(RunnerError::NoPostConsensusPhase),
                    (RunnerRef::Proposer(r), false) => r.process_pre(step, &p),
                    (RunnerRef::Aggregator(a), false) => a.process_pre(step, &p),
                    (RunnerRef::Contribution(c), false) => c.process_pre(step, &p),
                    (RunnerRef::Single(s), false) => s.process_pre(step, &p),
                });
                // Partial signatures live in a duty's state: a runner built for
                // this message that has none is still fresh (a late message for
                // a runner `forget_finished` dropped); keep not holding it.
                if !was_built && self.built_base(role).is_some_and(|b| b.state.is_none()) {
                    self.drop_runner(role);
                }
                result
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
            RunnerRef::Aggregator(a) => a.on_response(step, id, response),
            RunnerRef::Contribution(c) => c.on_response(step, id, response),
            RunnerRef::Single(s) => s.on_response(step, id, response),
        })
    }
}
