//! [`CommitteeMachine`] (ssv-spec `Committee`): one operator's runners for one
//! committee, one committee runner and one aggregator-committee runner per slot.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use qbft_core::Timestamp;

use crate::consensus::decode_consensus;
use crate::identifiers::committee_id;
use crate::runner::aggregator::AggregatorRunner;
use crate::runner::base::{Base, Step};
use crate::runner::committee::CommitteeRunner;
use crate::runner::duty::{validate_validator_duty, AggregatorCommitteeDuty, CommitteeDuty, Duty};
use crate::runner::error::RunnerError;
use crate::runner::io::{RequestId, Response};
use crate::runner::snapshot::RunnerSnapshot;
use crate::runner::{Input, Output, RunnerView, Setup};
use crate::wire::{
    MessageId, PartialSigKind, PartialSignatureMessages, Role, Share, SignedSsvMessage, SsvMsgType,
};

/// Slots a runner is kept after a newer duty starts: the Go node's runner
/// expiry (`SlotsPerEpoch + LateSlotAllowance`), the window in which gossip
/// validation still accepts committee messages for a slot.
pub const KEEP_SLOTS: u64 = 34;

/// One operator's duty runners for one committee.
#[derive(Debug)]
pub struct CommitteeMachine {
    setup: Arc<Setup>,
    committee_id: [u8; 32],
    shares: BTreeMap<u64, Share>,
    runners: BTreeMap<u64, CommitteeRunner>,
    aggregators: BTreeMap<u64, AggregatorRunner>,
    requests: BTreeMap<RequestId, (Role, u64)>,
    next_id: RequestId,
    outputs: VecDeque<Output>,
}

/// ssv-spec `SignedSSVMessage.Validate` and `types.Verify`, shared by both machines.
pub(crate) fn check_envelope(setup: &Setup, msg: &SignedSsvMessage) -> Result<(), RunnerError> {
    msg.validate()?;
    if setup.verify_signatures {
        let encoded = msg.ssv_message.encode();
        let ok = msg
            .operator_ids
            .iter()
            .zip(&msg.signatures)
            .all(|(id, sig)| {
                setup
                    .qbft
                    .operator_key(*id)
                    .is_some_and(|k| k.verify_encoded(&encoded, sig))
            });
        if !ok {
            return Err(RunnerError::InvalidSignature);
        }
    }
    if msg.ssv_message.data.is_empty() {
        return Err(RunnerError::EmptyData);
    }
    Ok(())
}

/// Decodes a partial-signature message and checks it against its one signer
/// (ssv-spec `ValidateForSigner`).
pub(crate) fn partial_sigs_of(
    msg: &SignedSsvMessage,
) -> Result<PartialSignatureMessages, RunnerError> {
    let p = PartialSignatureMessages::decode(&msg.ssv_message.data)?;
    let [signer] = msg.operator_ids[..] else {
        return Err(RunnerError::PartialSigManySigners);
    };
    p.validate()?;
    if p.messages.first().map(|m| m.signer) != Some(signer) {
        return Err(RunnerError::PartialSigSignerMismatch);
    }
    Ok(p)
}

impl CommitteeMachine {
    /// A machine for the committee in `setup`, with the shares of its validators
    /// this operator holds.
    pub fn new(setup: Setup, shares: BTreeMap<u64, Share>) -> Self {
        let committee_id = committee_id(setup.members());
        CommitteeMachine {
            setup: Arc::new(setup),
            committee_id,
            shares,
            runners: BTreeMap::new(),
            aggregators: BTreeMap::new(),
            requests: BTreeMap::new(),
            next_id: 1,
            outputs: VecDeque::new(),
        }
    }

    /// The committee ID.
    pub fn committee_id(&self) -> [u8; 32] {
        self.committee_id
    }

    /// Replaces the shares duties may use from now on (validators added to or
    /// removed from the committee); running duties keep theirs.
    pub fn set_shares(&mut self, shares: BTreeMap<u64, Share>) {
        self.shares = shares;
    }

    /// The shares this machine holds, by validator index.
    pub fn shares(&self) -> &BTreeMap<u64, Share> {
        &self.shares
    }

    /// The message ID of a committee role.
    pub fn message_id(&self, role: Role) -> MessageId {
        MessageId::for_committee(self.setup.network_domain, role, &self.committee_id)
    }

    fn new_base(&self, role: Role, shares: BTreeMap<u64, Share>, duty: &Duty) -> Base {
        let list: Vec<&Share> = shares.values().collect();
        let vc = match duty {
            Duty::Committee(d) => self.setup.value_checks.committee(d, &list),
            _ => self.setup.value_checks.aggregator_committee(),
        };
        Base::new(
            role,
            Arc::clone(&self.setup),
            shares,
            self.message_id(role),
            Some(vc),
        )
    }

    /// Puts a saved runner at `slot` (restoring, or a test's pre-state).
    pub fn restore_runner(&mut self, role: Role, duty: &Duty, snap: RunnerSnapshot) {
        let slot = duty.slot();
        let mut base = self.new_base(role, snap.shares.clone(), duty);
        base.restore(snap);
        match role {
            Role::AggregatorCommittee => {
                self.aggregators.insert(slot, AggregatorRunner::new(base));
            }
            _ => {
                self.runners.insert(slot, CommitteeRunner::new(base));
            }
        }
    }

    /// Runners kept (both roles) and requests awaiting an answer (diagnostics).
    pub fn census(&self) -> (usize, usize) {
        (
            self.runners.len() + self.aggregators.len(),
            self.requests.len(),
        )
    }

    /// Slots with a kept runner of `role`, ascending.
    pub fn runner_slots(&self, role: Role) -> Vec<u64> {
        match role {
            Role::AggregatorCommittee => self.aggregators.keys().copied().collect(),
            Role::Committee => self.runners.keys().copied().collect(),
            _ => Vec::new(),
        }
    }

    /// The runner of `role` kept at `slot`, read-only.
    pub fn runner(&self, role: Role, slot: u64) -> Option<RunnerView<'_>> {
        match role {
            Role::AggregatorCommittee => self
                .aggregators
                .get(&slot)
                .map(|r| RunnerView::new(&r.base)),
            Role::Committee => self.runners.get(&slot).map(|r| RunnerView::new(&r.base)),
            _ => None,
        }
    }

    /// ssv-spec `Runner.StartNewDuty` on the runner already kept at the duty's
    /// slot (one placed there by [`Self::restore_runner`]): only the runner's own
    /// checks apply (its controller must not be past the slot; an aggregation
    /// duty must name only the runner's validators). The committee's checks of
    /// [`Input::StartDuty`] (no runner yet for the slot, duties filtered to our
    /// shares and validated) are skipped. Outputs are queued as by [`Self::handle`].
    /// Errors with [`RunnerError::NoRunnerForSlot`] when no such runner is kept.
    pub fn start_on_runner(&mut self, now: Timestamp, duty: Duty) -> Result<(), RunnerError> {
        match duty {
            Duty::Committee(d) => {
                self.with_runner(now, Role::Committee, d.slot, |r, step| match r {
                    RunnerRef::Committee(r) => r.start(step, d),
                    RunnerRef::Aggregator(_) => Err(RunnerError::UnsupportedDuty),
                })
            }
            Duty::AggregatorCommittee(d) => {
                self.with_runner(now, Role::AggregatorCommittee, d.slot, |r, step| match r {
                    RunnerRef::Aggregator(r) => r.start(step, d),
                    RunnerRef::Committee(_) => Err(RunnerError::UnsupportedDuty),
                })
            }
            Duty::Validator(_) => Err(RunnerError::UnsupportedDuty),
        }
    }

    /// Feeds one input.
    pub fn handle(&mut self, now: Timestamp, input: Input) -> Result<(), RunnerError> {
        match input {
            Input::StartDuty(duty) => self.start_duty(now, duty),
            Input::Message(msg) => self.process_message(now, &msg),
            Input::Response { id, response } => self.on_response(now, id, response),
            Input::Tick => {
                let mut out = std::mem::take(&mut self.outputs);
                let mut next_id = self.next_id;
                let mut step = Step {
                    now,
                    next_id: &mut next_id,
                    out: &mut out,
                };
                for r in self.runners.values_mut() {
                    let _ = r.base.tick(&mut step);
                }
                for r in self.aggregators.values_mut() {
                    let _ = r.base.tick(&mut step);
                }
                self.next_id = next_id;
                self.outputs = out;
                Ok(())
            }
        }
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The earliest round-timer deadline.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let a = self.runners.values().filter_map(|r| r.base.poll_timeout());
        let b = self
            .aggregators
            .values()
            .filter_map(|r| r.base.poll_timeout());
        a.chain(b).min()
    }

    /// Runs `f` on the runner of `role` at `slot`, routing its requests back to it.
    fn with_runner<T>(
        &mut self,
        now: Timestamp,
        role: Role,
        slot: u64,
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
            let runner = match role {
                Role::AggregatorCommittee => {
                    self.aggregators.get_mut(&slot).map(RunnerRef::Aggregator)
                }
                _ => self.runners.get_mut(&slot).map(RunnerRef::Committee),
            };
            match runner {
                Some(r) => f(r, &mut step),
                None => Err(RunnerError::NoRunnerForSlot(slot)),
            }
        };
        self.outputs = out;
        for id in first..next_id {
            self.requests.insert(id, (role, slot));
        }
        self.next_id = next_id;
        result
    }

    /// ssv-spec `Committee.StartDuty`.
    fn start_duty(&mut self, now: Timestamp, duty: Duty) -> Result<(), RunnerError> {
        let (role, slot, duties) = match &duty {
            Duty::Committee(d) => (Role::Committee, d.slot, &d.validator_duties),
            Duty::AggregatorCommittee(d) => {
                (Role::AggregatorCommittee, d.slot, &d.validator_duties)
            }
            Duty::Validator(_) => return Err(RunnerError::UnsupportedDuty),
        };
        let exists = match role {
            Role::AggregatorCommittee => self.aggregators.contains_key(&slot),
            _ => self.runners.contains_key(&slot),
        };
        if exists {
            return Err(RunnerError::RunnerExists(slot));
        }
        if duties.is_empty() {
            return Err(RunnerError::NoBeaconDuties);
        }
        let mut shares = BTreeMap::new();
        let mut kept = Vec::new();
        for vd in duties {
            let Some(share) = self.shares.get(&vd.validator_index) else {
                continue;
            };
            validate_validator_duty(vd)?;
            shares.insert(vd.validator_index, share.clone());
            kept.push(vd.clone());
        }
        if shares.is_empty() {
            return Err(RunnerError::NoValidatorShares);
        }
        let filtered = match role {
            Role::AggregatorCommittee => {
                let d = AggregatorCommitteeDuty {
                    slot,
                    validator_duties: kept,
                };
                d.validate(|v| shares.contains_key(&v))?;
                Duty::AggregatorCommittee(d)
            }
            _ => {
                let d = CommitteeDuty {
                    slot,
                    validator_duties: kept,
                };
                d.validate()?;
                Duty::Committee(d)
            }
        };
        self.prune(slot);
        let base = self.new_base(role, shares, &filtered);
        match role {
            Role::AggregatorCommittee => {
                self.aggregators.insert(slot, AggregatorRunner::new(base));
            }
            _ => {
                self.runners.insert(slot, CommitteeRunner::new(base));
            }
        }
        self.start_on_runner(now, filtered)
    }

    /// Forgets the runners of slots before `before` whose duty finished (every
    /// submission made), and their requests; returns whether any went. A late
    /// message for such a slot is refused as one for a slot without a runner.
    /// Unfinished runners stay [`KEEP_SLOTS`], as their duty may still complete.
    /// The embedding decides when (`Node` does it two slots on): a finished
    /// runner holds its duty's messages and partial signatures, and keeping
    /// each for a whole epoch is most of a busy node's memory.
    pub fn forget_finished(&mut self, before: u64) -> bool {
        let (runners, aggregators) = (self.runners.len(), self.aggregators.len());
        self.runners
            .retain(|s, r| *s >= before || !r.base.state.as_ref().is_some_and(|st| st.finished));
        self.aggregators
            .retain(|s, r| *s >= before || !r.base.state.as_ref().is_some_and(|st| st.finished));
        let (runners_now, aggregators_now) = (self.runners.len(), self.aggregators.len());
        let kept = |s: &u64| {
            self.runners.contains_key(s) || self.aggregators.contains_key(s) || *s >= before
        };
        let requests: Vec<_> = self
            .requests
            .iter()
            .filter(|(_, (_, s))| !kept(s))
            .map(|(id, _)| *id)
            .collect();
        for id in requests {
            self.requests.remove(&id);
        }
        runners_now != runners || aggregators_now != aggregators
    }

    /// Forgets runners far behind `slot`, and their requests.
    fn prune(&mut self, slot: u64) {
        let keep = |s: &u64| s.saturating_add(KEEP_SLOTS) >= slot;
        self.runners.retain(|s, _| keep(s));
        self.aggregators.retain(|s, _| keep(s));
        self.requests.retain(|_, (_, s)| keep(s));
    }

    /// ssv-spec `Committee.ProcessMessage`.
    fn process_message(
        &mut self,
        now: Timestamp,
        msg: &SignedSsvMessage,
    ) -> Result<(), RunnerError> {
        check_envelope(&self.setup, msg)?;
        let id = &msg.ssv_message.msg_id;
        if id.duty_executor().get(16..) != Some(&self.committee_id[..]) {
            return Err(RunnerError::WrongMessageId);
        }
        let role = id.role();
        if !matches!(role, Role::Committee | Role::AggregatorCommittee) {
            return Err(RunnerError::WrongRole);
        }
        match msg.ssv_message.msg_type {
            SsvMsgType::Consensus => {
                let decoded = Arc::new(decode_consensus(msg)?);
                let slot = decoded.message.height;
                self.with_runner(now, role, slot, |r, step| match r {
                    RunnerRef::Committee(r) => r.process_consensus(step, decoded),
                    RunnerRef::Aggregator(r) => r.process_consensus(step, decoded),
                })
            }
            SsvMsgType::PartialSignature => {
                let p = partial_sigs_of(msg)?;
                let slot = p.slot;
                self.with_runner(now, role, slot, |r, step| match (r, p.kind) {
                    (RunnerRef::Committee(r), PartialSigKind::PostConsensus) => {
                        r.process_post(step, &p)
                    }
                    (RunnerRef::Aggregator(r), PartialSigKind::PostConsensus) => {
                        r.process_post(step, &p)
                    }
                    (RunnerRef::Aggregator(r), PartialSigKind::AggregatorCommittee) => {
                        r.process_pre(step, &p)
                    }
                    _ => Err(RunnerError::UnexpectedPartialSigType),
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
        let (role, slot) = self
            .requests
            .remove(&id)
            .ok_or(RunnerError::UnexpectedResponse(id))?;
        self.with_runner(now, role, slot, |r, step| match r {
            RunnerRef::Committee(r) => r.on_response(step, id, response),
            RunnerRef::Aggregator(r) => r.on_response(step, id, response),
        })
    }
}

/// A runner of either committee role.
enum RunnerRef<'a> {
    Committee(&'a mut CommitteeRunner),
    Aggregator(&'a mut AggregatorRunner),
}
