//! How the node routes between its parts: registry changes to machines, gossip
//! to validation and then to a machine, scheduler starts to machines, machine
//! asks to node-wide requests and their answers back.

use std::collections::BTreeMap;
use std::sync::Arc;

use qbft_core::{Committee, InstanceConfig, Timestamp};

use super::{
    Event, GossipVerdict, MachineKey, Node, NodeRequest, NodeResponse, Output, Pending, Registry,
};
use crate::consensus::SsvQbft;
use crate::identifiers::{committee_subnet, subnet_topic, CommitteeId};
use crate::roles::{self, BeaconRole, RoleFork};
use crate::runner::duty::Duty;
use crate::runner::io::Request;
use crate::runner::{self, CommitteeMachine, DutyView, Setup, ValidatorMachine};
use crate::scheduler::{self, DutyTarget};
use crate::validation::{self, Verdict};
use crate::wire::{
    PartialSigKind, PartialSignatureMessages, QbftMessage, Role, SignedSsvMessage, SsvMsgType,
};

impl Node {
    fn setup(&self, operators: &[u64]) -> Option<Setup> {
        let keys = operators
            .iter()
            .filter_map(|id| Some((*id, self.registry.operators.get(id)?.clone())))
            .collect();
        let committee = Committee::new(operators.iter().copied()).ok()?;
        let c = &self.config;
        Some(Setup {
            operator_id: c.operator_id,
            network_domain: c.network_domain,
            chain: Arc::clone(&c.chain),
            // Each runner installs its own value check.
            qbft: SsvQbft::new(keys, Arc::new(|_: &[u8]| Ok(()))),
            instance: InstanceConfig {
                self_id: c.operator_id,
                committee,
                cut_off_round: Setup::CUT_OFF_ROUND,
            },
            max_instances: c.max_instances,
            pending_limit: c.pending_limit,
            value_checks: Arc::clone(&c.value_checks),
            selection: Arc::clone(&c.selection),
            gas_limit: c.gas_limit,
            // Gossip validation verified every signature before routing.
            verify_signatures: false,
        })
    }

    pub(super) fn set_registry(&mut self, now: Timestamp, registry: Arc<Registry>) {
        self.registry = registry;
        let ours = self.registry.our_committees();
        self.committees.retain(|id, _| ours.contains_key(id));
        self.by_pubkey.clear();
        self.committee_of.clear();
        let mut keep_validators = BTreeMap::new();
        for (id, (operators, shares)) in ours {
            // One setup for the committee's validator machines.
            let setup = self.setup(&operators).map(Arc::new);
            for (index, share) in &shares {
                self.by_pubkey.insert(share.validator_pubkey, *index);
                self.committee_of.insert(*index, id);
                let machine = match self.validators.remove(index) {
                    Some(m) if m.share() == share => Some(m),
                    _ => setup
                        .as_ref()
                        .map(|s| ValidatorMachine::with_setup(Arc::clone(s), share.clone())),
                };
                if let Some(m) = machine {
                    keep_validators.insert(*index, m);
                }
            }
            match self.committees.get_mut(&id) {
                Some(m) => m.set_shares(shares),
                None => {
                    if let Some(s) = self.setup(&operators) {
                        self.committees.insert(id, CommitteeMachine::new(s, shares));
                    }
                }
            }
        }
        self.validators = keep_validators;
        // New shares may change what a runner takes: look at every held message.
        let held: Vec<MachineKey> = self.early.keys().map(|(k, _)| *k).collect();
        self.touched.extend(held);
        self.deadlines.clear();
        self.deadline_of.clear();
        let keys: Vec<MachineKey> = self
            .committees
            .keys()
            .map(|id| MachineKey::Committee(*id))
            .chain(self.validators.keys().map(|i| MachineKey::Validator(*i)))
            .collect();
        for key in keys {
            self.update_deadline(key);
        }
        let scheduled = self.registry.scheduled();
        self.scheduler
            .handle(now, scheduler::Input::Validators(scheduled));
        self.rebuild_view(now);
    }

    /// Gives validation a view of the registry now, with the known duties.
    fn rebuild_view(&mut self, now: Timestamp) {
        let c = &self.config;
        let view = self.registry.view(
            c.network_domain,
            c.roles,
            super::clock_of(&c.chain),
            self.scheduler.known_duties(),
        );
        self.validator
            .handle(now.0, validation::Input::View(Arc::new(view)));
    }

    /// Gives validation its view with the known duties now. Validation's view
    /// is always of the current registry: [`Self::set_registry`] rebuilds it
    /// before the scheduler's outputs (this one's trigger) are drained.
    fn refresh_duties(&mut self, now: Timestamp) {
        let view = self
            .validator
            .view()
            .with_duties(self.scheduler.known_duties());
        self.validator
            .handle(now.0, validation::Input::View(Arc::new(view)));
    }

    pub(super) fn on_gossip(
        &mut self,
        now: Timestamp,
        id: u64,
        peer: &[u8],
        topic: &str,
        data: &[u8],
        signatures: Option<bool>,
    ) {
        let verdict = self
            .validator
            .validate_checked(now.0, peer, topic, data, signatures);
        let (out, accepted) = match verdict {
            Verdict::Accept(m) => (GossipVerdict::Accept, Some(m)),
            Verdict::Ignore(e) => (GossipVerdict::Ignore(e), None),
            Verdict::Reject(e) => (GossipVerdict::Reject(e), None),
        };
        self.outputs.push_back(Output::Verdict { id, verdict: out });
        let Some(m) = accepted else { return };
        let msg_id = m.signed.ssv_message.msg_id;
        let executor = msg_id.duty_executor();
        let key = if msg_id.role().is_committee_role() {
            let mut cid: CommitteeId = [0; 32];
            cid.copy_from_slice(executor.get(16..48).unwrap_or(&[0; 32]));
            // Another committee's traffic on our subnets ends at validation:
            // held, it would fill the early-message buffer our own committees
            // need (found at 10,000 validators, where it did).
            if !self.committees.contains_key(&cid) {
                return;
            }
            MachineKey::Committee(cid)
        } else {
            let mut pk = [0u8; 48];
            pk.copy_from_slice(executor.get(..48).unwrap_or(&[0; 48]));
            match self.by_pubkey.get(&pk) {
                Some(index) => MachineKey::Validator(*index),
                None => return,
            }
        };
        let role = msg_id.role();
        self.feed_or_hold(now, key, role, Arc::new(m.signed));
    }

    pub(super) fn on_response(&mut self, now: Timestamp, id: u64, response: NodeResponse) {
        let Some(pending) = self.pending.remove(&id) else {
            return;
        };
        if let NodeResponse::Failed(reason) = &response {
            self.event(Event::RequestFailed {
                reason: reason.clone(),
            });
        }
        match (pending, response) {
            (Pending::Duties(sid), r) => {
                let response = match r {
                    NodeResponse::Duties(d) => d,
                    NodeResponse::Failed(e) => scheduler::DutiesResponse::Failed(e),
                    _ => scheduler::DutiesResponse::Failed("wrong answer kind".into()),
                };
                self.scheduler
                    .handle(now, scheduler::Input::Response { id: sid, response });
            }
            (Pending::Runner(key, rid), r) => {
                let response = match r {
                    NodeResponse::Runner(r) => r,
                    NodeResponse::Failed(e) => runner::io::Response::Failed(e),
                    _ => runner::io::Response::Failed("wrong answer kind".into()),
                };
                let input = runner::Input::Response { id: rid, response };
                self.feed(now, key, Role::Unknown(u32::MAX), input);
            }
            (
                Pending::Sign {
                    key,
                    message,
                    full_data,
                },
                NodeResponse::OperatorSignature(sig),
            ) => {
                let signed = SignedSsvMessage {
                    signatures: vec![sig],
                    operator_ids: vec![self.config.operator_id],
                    ssv_message: message,
                    full_data,
                };
                let role = signed.ssv_message.msg_id.role();
                self.publish(key, signed.encode());
                // Our own message goes to our own runner, as a peer's would.
                self.feed(now, key, role, runner::Input::Message(Arc::new(signed)));
            }
            (Pending::Sign { .. }, _) => {}
        }
    }

    pub(super) fn on_tick(&mut self, now: Timestamp) {
        let slot = self.config.chain.slot_at(now.0);
        if self.pruned_slot != Some(slot) {
            self.pruned_slot = Some(slot);
            self.validator.handle(now.0, validation::Input::Tick);
            self.early
                .retain(|(_, s), _| *s + super::EARLY_SLOTS >= slot);
            self.early_held = self.early.values().map(Vec::len).sum();
            self.forget_finished(slot.saturating_sub(super::FINISHED_KEEP_SLOTS));
        }
        self.scheduler.handle(now, scheduler::Input::Tick);
        // In key order (committees, then validators), as a walk over the
        // machines would find them.
        let mut due: Vec<MachineKey> = self
            .deadlines
            .iter()
            .take_while(|(t, _)| *t <= now)
            .map(|(_, key)| *key)
            .collect();
        due.sort_unstable();
        for key in due {
            self.feed(now, key, Role::Unknown(u32::MAX), runner::Input::Tick);
        }
        while let Some(entry) = self.held.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, id), request) = entry.remove_entry();
            self.outputs.push_back(Output::Request { id, request });
        }
    }

    pub(super) fn drain_scheduler(&mut self, now: Timestamp) {
        while let Some(out) = self.scheduler.poll_output() {
            match out {
                scheduler::Output::Fetch { id, request } => {
                    let nid = self.next_request(Pending::Duties(id));
                    self.outputs.push_back(Output::Request {
                        id: nid,
                        request: NodeRequest::Duties(request),
                    });
                }
                scheduler::Output::Start { target, duty } => {
                    let key = match target {
                        DutyTarget::Committee(id) => MachineKey::Committee(id),
                        DutyTarget::Validator(index) => MachineKey::Validator(index),
                    };
                    match duty {
                        // The live network runs aggregation and contributions
                        // per validator (roles 1 and 3), each on the
                        // validator's own machine.
                        Duty::AggregatorCommittee(d) if self.config.roles == RoleFork::Alan => {
                            for vd in d.validator_duties {
                                let Some(role) = roles::runner_role(
                                    BeaconRole::from_u64(vd.role),
                                    RoleFork::Alan,
                                ) else {
                                    continue;
                                };
                                let key = MachineKey::Validator(vd.validator_index);
                                self.start_duty(now, key, role, Duty::Validator(vd));
                            }
                        }
                        duty => {
                            let role = duty.runner_role().unwrap_or(Role::Unknown(u32::MAX));
                            self.start_duty(now, key, role, duty);
                        }
                    }
                }
                scheduler::Output::Late {
                    role,
                    slot,
                    late_ms,
                } => self.event(Event::Late {
                    role,
                    slot,
                    late_ms,
                }),
                scheduler::Output::Reorg { kind, epoch } => {
                    self.event(Event::Reorg { kind, epoch });
                }
                scheduler::Output::DutiesChanged => self.refresh_duties(now),
            }
        }
    }

    /// Starts a duty on a machine, with its events.
    fn start_duty(&mut self, now: Timestamp, key: MachineKey, role: Role, duty: Duty) {
        let slot = duty.slot();
        let validators = duty.validator_duties().len();
        self.event(Event::DutyStarted {
            role,
            slot,
            validators,
        });
        if let Err(error) = self.feed_checked(now, key, runner::Input::StartDuty(duty)) {
            self.event(Event::DutyRefused { role, slot, error });
        }
    }

    /// Drops the committee and validator runners of slots before `before` that
    /// finished.
    fn forget_finished(&mut self, before: u64) {
        let changed: Vec<MachineKey> = self
            .committees
            .iter_mut()
            .filter_map(|(id, m)| {
                m.forget_finished(before)
                    .then_some(MachineKey::Committee(*id))
            })
            .chain(self.validators.iter_mut().filter_map(|(i, m)| {
                m.forget_finished(before)
                    .then_some(MachineKey::Validator(*i))
            }))
            .collect();
        for key in changed {
            self.update_deadline(key);
        }
    }

    /// Feeds a machine; a refused message becomes an event.
    fn feed(&mut self, now: Timestamp, key: MachineKey, role: Role, input: runner::Input) {
        if let Err(error) = self.feed_checked(now, key, input) {
            self.event(Event::MessageRefused { role, error });
        }
    }

    /// Feeds a validated peer message to its machine, or holds it when it is for
    /// a duty of this or a later slot whose runner is not ready for it yet (no
    /// runner, QBFT instance not started, or post-consensus before the
    /// decision). The Go node's queue does the same; without it an operator whose
    /// duty starts a little after its peers' loses their messages and cannot
    /// decide: found for committee duties by the duty-level simulator, and for
    /// per-validator aggregations on the devnet, where the operator that started
    /// a few milliseconds late lost its peers' selection-proof partials and sat
    /// the duty out (a 2 s round change when it was the round's leader).
    fn feed_or_hold(
        &mut self,
        now: Timestamp,
        key: MachineKey,
        role: Role,
        m: Arc<SignedSsvMessage>,
    ) {
        if let Some(slot) = message_slot(&m) {
            let current = self.config.chain.slot_at(now.0);
            if slot + super::EARLY_SLOTS >= current
                && self.early_held < super::EARLY_LIMIT
                && !self.ready(key, role, slot, &m)
            {
                self.early.entry((key, slot)).or_default().push(m);
                self.early_held += 1;
                return;
            }
        }
        self.feed(now, key, role, runner::Input::Message(m));
    }

    /// The state of the duty of `slot` on the runner of (machine, role), if that
    /// runner's duty is of `slot`.
    fn duty_at(&self, key: MachineKey, role: Role, slot: u64) -> Option<DutyView<'_>> {
        let runner = match key {
            MachineKey::Committee(id) => self.committees.get(&id)?.runner(role, slot)?,
            MachineKey::Validator(i) => self.validators.get(&i)?.runner(role)?,
        };
        runner.duty_state().filter(|d| d.duty().slot() == slot)
    }

    /// Whether a machine has a runner (any role) on a duty of `slot`;
    /// [`Self::ready`] is false for every message of the slot otherwise.
    fn has_runner_at(&self, key: MachineKey, slot: u64) -> bool {
        match key {
            MachineKey::Committee(_) => [Role::Committee, Role::AggregatorCommittee]
                .into_iter()
                .any(|role| self.duty_at(key, role, slot).is_some()),
            MachineKey::Validator(i) => {
                self.validators.get(&i).is_some_and(|v| v.has_duty_at(slot))
            }
        }
    }

    /// Whether the runner of (machine, role) on a duty of `slot` can take `m` now.
    fn ready(&self, key: MachineKey, role: Role, slot: u64, m: &SignedSsvMessage) -> bool {
        let Some(state) = self.duty_at(key, role, slot) else {
            return false;
        };
        match m.ssv_message.msg_type {
            SsvMsgType::Consensus => state.instance_height().is_some(),
            SsvMsgType::PartialSignature => {
                let post = PartialSignatureMessages::decode(&m.ssv_message.data)
                    .is_ok_and(|p| p.kind == PartialSigKind::PostConsensus);
                !post || state.decided_value().is_some()
            }
            _ => true,
        }
    }

    /// Feeds held messages whose runner is ready for them now. Only the
    /// machines fed since the last look are searched: a held message was not
    /// ready when it was held or last looked at, and only feeding its machine
    /// can change that. The order is the one a walk over every held message
    /// would give (by machine, slot, then arrival).
    pub(super) fn feed_ready(&mut self, now: Timestamp) {
        while !self.touched.is_empty() {
            let touched = std::mem::take(&mut self.touched);
            if self.early.is_empty() {
                return;
            }
            let mut ready = Vec::new();
            for key in touched {
                for ((key, slot), msgs) in self.early.range((key, 0)..=(key, u64::MAX)) {
                    // Most held messages wait for a runner that does not exist
                    // yet: one lookup per (machine, slot), not a check (and a
                    // partial-signature decode) per message.
                    if !self.has_runner_at(*key, *slot) {
                        continue;
                    }
                    for (i, m) in msgs.iter().enumerate() {
                        let role = m.ssv_message.msg_id.role();
                        if self.ready(*key, role, *slot, m) {
                            ready.push((*key, *slot, i));
                        }
                    }
                }
            }
            let mut taken = Vec::new();
            for (key, slot, i) in ready.into_iter().rev() {
                if let Some(list) = self.early.get_mut(&(key, slot)) {
                    if i < list.len() {
                        taken.push((key, list.remove(i)));
                        self.early_held -= 1;
                    }
                    if list.is_empty() {
                        self.early.remove(&(key, slot));
                    }
                }
            }
            for (key, m) in taken.into_iter().rev() {
                let role = m.ssv_message.msg_id.role();
                self.feed(now, key, role, runner::Input::Message(m));
            }
        }
    }

    fn feed_checked(
        &mut self,
        now: Timestamp,
        key: MachineKey,
        input: runner::Input,
    ) -> Result<(), runner::error::RunnerError> {
        let result = match key {
            MachineKey::Committee(id) => match self.committees.get_mut(&id) {
                Some(m) => m.handle(now, input),
                None => return Ok(()),
            },
            MachineKey::Validator(i) => match self.validators.get_mut(&i) {
                Some(m) => m.handle(now, input),
                None => return Ok(()),
            },
        };
        self.touched.insert(key);
        self.drain_machine(key);
        self.update_deadline(key);
        result
    }

    /// Records machine `key`'s next deadline after it changed.
    fn update_deadline(&mut self, key: MachineKey) {
        let next = match key {
            MachineKey::Committee(id) => self.committees.get(&id).and_then(|m| m.poll_timeout()),
            MachineKey::Validator(i) => self.validators.get(&i).and_then(|m| m.poll_timeout()),
        };
        if let Some(old) = self.deadline_of.remove(&key) {
            self.deadlines.remove(&(old, key));
        }
        if let Some(t) = next {
            self.deadline_of.insert(key, t);
            self.deadlines.insert((t, key));
        }
    }

    fn drain_machine(&mut self, key: MachineKey) {
        loop {
            let out = match key {
                MachineKey::Committee(id) => {
                    self.committees.get_mut(&id).and_then(|m| m.poll_output())
                }
                MachineKey::Validator(i) => {
                    self.validators.get_mut(&i).and_then(|m| m.poll_output())
                }
            };
            let Some(out) = out else { break };
            match out {
                runner::Output::Broadcast { message, full_data } => {
                    let id = self.next_request(Pending::Sign {
                        key,
                        message: message.clone(),
                        full_data,
                    });
                    self.outputs.push_back(Output::Request {
                        id,
                        request: NodeRequest::OperatorSign(message),
                    });
                }
                runner::Output::BroadcastSigned(signed) => self.publish(key, signed.encode()),
                runner::Output::Request { id, request } => {
                    let nid = self.next_request(Pending::Runner(key, id));
                    let hold = match &request {
                        // The aggregate and contributions are asked at 2/3 of the slot.
                        Request::Aggregation(needs) => Some(self.two_thirds(needs.slot)),
                        _ => None,
                    };
                    let request = NodeRequest::Runner(request);
                    match hold {
                        Some(at) => {
                            self.held.insert((at, nid), request);
                        }
                        None => self.outputs.push_back(Output::Request { id: nid, request }),
                    }
                }
                runner::Output::Submit(s) => self.outputs.push_back(Output::Submit(s)),
                runner::Output::DutyFinished { role, slot } => {
                    self.event(Event::DutyFinished { role, slot });
                }
                runner::Output::Decided {
                    role,
                    slot,
                    elapsed_ms,
                } => self.event(Event::Decided {
                    role,
                    slot,
                    elapsed_ms,
                }),
            }
        }
    }

    fn two_thirds(&self, slot: u64) -> Timestamp {
        let chain = &self.config.chain;
        let start = chain.slot_start_time(slot).saturating_mul(1000);
        Timestamp(start.saturating_add(chain.seconds_per_slot.saturating_mul(2000) / 3))
    }

    fn publish(&mut self, key: MachineKey, data: Vec<u8>) {
        let committee = match key {
            MachineKey::Committee(id) => Some(id),
            MachineKey::Validator(i) => self.committee_of.get(&i).copied(),
        };
        if let Some(id) = committee {
            let topic = subnet_topic(committee_subnet(&id));
            self.outputs.push_back(Output::Publish { topic, data });
        }
    }

    fn next_request(&mut self, p: Pending) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, p);
        id
    }

    fn event(&mut self, e: Event) {
        self.outputs.push_back(Output::Event(e));
    }
}

/// The slot of a committee message: the QBFT height or the partial signatures'
/// slot.
fn message_slot(m: &SignedSsvMessage) -> Option<u64> {
    match m.ssv_message.msg_type {
        SsvMsgType::Consensus => QbftMessage::decode(&m.ssv_message.data)
            .ok()
            .map(|q| q.height),
        SsvMsgType::PartialSignature => PartialSignatureMessages::decode(&m.ssv_message.data)
            .ok()
            .map(|p| p.slot),
        _ => None,
    }
}
