//! Duty scheduling as a pure machine (ssv-node `operator/duties/`): which duties
//! our validators have, fetched from the beacon node as requests, and when each
//! starts within its slot (protocol facts §4):
//!
//! - at slot start: the aggregator committee (selection proofs; the runner's
//!   aggregation fetch is for the embedder to hold until 2/3 of the slot),
//!   builder registrations (each validator on the slot where its index matches
//!   modulo 10 epochs of slots) and voluntary exits (4 slots after the exit
//!   event's block);
//! - at slot start plus the configured proposer delay: proposals;
//! - at 1/3 of the slot, or 300 ms after a head event for the slot if that is
//!   earlier: the committee (attestations and sync-committee messages).
//!
//! Attester duties are fetched for the current epoch and, from mid-epoch, the
//! next; proposer duties for the current epoch; sync memberships for the
//! current period and, from mid-epoch, the next epoch's. A head event whose
//! dependent roots differ from a fetch's answer (a reorg) makes it fetch again.
//! A failed fetch is asked again at the next slot. Duties of slots that passed
//! while the machine was not ticked are not started late.
//!
//! ```
//! use std::sync::Arc;
//! use ssv_protocol::runner::chain::ChainSpec;
//! use ssv_protocol::scheduler::{Input, Output, Scheduler, SchedulerConfig};
//! # let chain = ChainSpec { genesis_time: 0, seconds_per_slot: 12, slots_per_epoch: 32,
//! #     genesis_validators_root: [0; 32], forks: vec![], sync_subcommittee_size: 128 };
//! let mut s = Scheduler::new(SchedulerConfig::new(Arc::new(chain)));
//! let now = qbft_core::Timestamp(0);
//! s.handle(now, Input::Tick);
//! while let Some(out) = s.poll_output() {
//!     match out {
//!         Output::Fetch { .. } => { /* ask the beacon node; answer with Input::Response */ }
//!         Output::Start { .. } => { /* start the duty on its runner machine */ }
//!         Output::Late { .. } | Output::Reorg { .. } | Output::DutiesChanged => {}
//!     }
//! }
//! let _next = s.poll_timeout(); // feed Input::Tick then
//! ```

pub mod beacon_duties;
mod compose;
pub mod fetches;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use qbft_core::Timestamp;

use crate::identifiers::CommitteeId;
use crate::roles::BeaconRole;
use crate::runner::chain::ChainSpec;
use crate::runner::duty::Duty;
use crate::runner::io::RequestId;
use crate::validation::KnownDuties;
use crate::wire::Role;

pub use beacon_duties::{
    AttesterDuty, DutiesRequest, DutiesResponse, HeadEvent, ProposerDuty, ScheduledValidator,
    SyncDuty,
};
pub use fetches::{sync_period_start, FetchKind, EPOCHS_PER_SYNC_PERIOD};

use fetches::{FetchState, Fetches};

/// Registrations are sent once per this many epochs (ssv-node).
pub const REGISTRATION_EPOCHS: u64 = 10;
/// Exits start this many slots after the exit event's block (ssv-node).
pub const EXIT_DELAY_SLOTS: u64 = 4;
/// A head event moves the committee start to this long after it (ssv-node).
pub const HEAD_PROPAGATION_MS: u64 = 300;
/// A duty starting later than this is reported as late.
pub const LATE_AFTER_MS: u64 = 100;
/// The proposer delay's cap unless explicitly overridden.
pub const PROPOSER_DELAY_CAP_MS: u64 = 1_000;

/// The scheduler's settings.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// The beacon chain.
    pub chain: Arc<ChainSpec>,
    /// How long after slot start proposals start.
    pub proposer_delay_ms: u64,
}

impl SchedulerConfig {
    /// No proposer delay.
    pub fn new(chain: Arc<ChainSpec>) -> Self {
        SchedulerConfig {
            chain,
            proposer_delay_ms: 0,
        }
    }

    /// With a proposer delay, capped at [`PROPOSER_DELAY_CAP_MS`] unless
    /// `override_cap`.
    pub fn with_proposer_delay(mut self, ms: u64, override_cap: bool) -> Self {
        self.proposer_delay_ms = if override_cap {
            ms
        } else {
            ms.min(PROPOSER_DELAY_CAP_MS)
        };
        self
    }
}

/// What the scheduler takes.
#[derive(Clone, Debug)]
pub enum Input {
    /// Our validators now (replaces the previous set). A new index makes the
    /// current fetches be asked again with it.
    Validators(Vec<ScheduledValidator>),
    /// The beacon node's head event.
    Head(HeadEvent),
    /// A `ValidatorExited` contract event for one of our validators.
    ValidatorExited {
        /// The validator.
        validator_index: u64,
        /// The slot of the block holding the event.
        block_slot: u64,
    },
    /// The answer to a fetch.
    Response {
        /// The fetch's id.
        id: RequestId,
        /// The answer.
        response: DutiesResponse,
    },
    /// Time passed.
    Tick,
}

/// Who runs a started duty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DutyTarget {
    /// A committee's machine (committee and aggregator-committee duties).
    Committee(CommitteeId),
    /// A validator's machine (proposals, registrations, exits).
    Validator(u64),
}

/// What the scheduler asks for and decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Fetch duties; answer with [`Input::Response`].
    Fetch {
        /// The fetch's id.
        id: RequestId,
        /// What to fetch.
        request: DutiesRequest,
    },
    /// Start a duty.
    Start {
        /// Whose machine runs it.
        target: DutyTarget,
        /// The duty.
        duty: Duty,
    },
    /// Duties of a slot started late (past [`LATE_AFTER_MS`]).
    Late {
        /// The runner role.
        role: Role,
        /// The slot.
        slot: u64,
        /// How late, in milliseconds.
        late_ms: u64,
    },
    /// A head event showed a fetched answer out of date; it is fetched again.
    Reorg {
        /// What is fetched again.
        kind: FetchKind,
        /// Its epoch (period start for sync).
        epoch: u64,
    },
    /// Proposer or sync duties changed: [`Scheduler::known_duties`] has news for
    /// message validation.
    DutiesChanged,
}

/// The points in a slot where duties start, in order.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    SlotStart,
    Proposer,
    Committee,
}

/// A duty already started, so a refetch or a replayed phase cannot start it twice.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Started {
    Committee(CommitteeId),
    Aggregator(CommitteeId),
    Validator(u64, u64),
}

/// The scheduler machine.
#[derive(Debug)]
pub struct Scheduler {
    config: SchedulerConfig,
    validators: BTreeMap<u64, ScheduledValidator>,
    fetches: Fetches,
    next_id: RequestId,
    /// The slot whose phases run, and the phases done.
    slot: Option<u64>,
    done: BTreeSet<Phase>,
    /// When a head event for a slot arrived.
    heads: BTreeMap<u64, Timestamp>,
    /// Exits to start, by validator: the first slot they may start.
    exits: BTreeMap<u64, u64>,
    started: BTreeSet<(u64, Started)>,
    outputs: VecDeque<Output>,
}

impl Scheduler {
    /// Entries held, by kind (diagnostics for memory): started duties, heads,
    /// exits, fetch states, fetched attester, proposer and sync duties.
    pub fn census(&self) -> [(&'static str, usize); 7] {
        let f = &self.fetches;
        [
            ("scheduler started", self.started.len()),
            ("scheduler heads", self.heads.len()),
            ("scheduler exits", self.exits.len()),
            ("scheduler fetch states", f.states.len() + f.in_flight.len()),
            (
                "scheduler attester duties",
                f.attester.values().map(Vec::len).sum(),
            ),
            (
                "scheduler proposer duties",
                f.proposer.values().map(Vec::len).sum(),
            ),
            ("scheduler sync duties", f.sync.values().map(Vec::len).sum()),
        ]
    }

    /// A scheduler with no validators.
    pub fn new(config: SchedulerConfig) -> Self {
        Scheduler {
            config,
            validators: BTreeMap::new(),
            fetches: Fetches::default(),
            next_id: 0,
            slot: None,
            done: BTreeSet::new(),
            heads: BTreeMap::new(),
            exits: BTreeMap::new(),
            started: BTreeSet::new(),
            outputs: VecDeque::new(),
        }
    }

    fn slot_ms(&self) -> u64 {
        self.config.chain.seconds_per_slot.saturating_mul(1000)
    }

    fn slot_start(&self, slot: u64) -> Timestamp {
        Timestamp(self.config.chain.slot_start_time(slot).saturating_mul(1000))
    }

    fn genesis(&self) -> Timestamp {
        self.slot_start(0)
    }

    fn phase_time(&self, slot: u64, phase: Phase) -> Timestamp {
        let start = self.slot_start(slot);
        match phase {
            Phase::SlotStart => start,
            Phase::Proposer => start.plus_millis(self.config.proposer_delay_ms),
            Phase::Committee => {
                let third = start.plus_millis(self.slot_ms() / 3);
                match self.heads.get(&slot) {
                    Some(at) => third.min(at.plus_millis(HEAD_PROPAGATION_MS)),
                    None => third,
                }
            }
        }
    }

    /// Feeds one input. A response to an unknown or superseded fetch is ignored.
    pub fn handle(&mut self, now: Timestamp, input: Input) {
        match input {
            Input::Validators(list) => self.set_validators(now, list),
            Input::Head(head) => self.on_head(now, head),
            Input::ValidatorExited {
                validator_index,
                block_slot,
            } => {
                let at = block_slot.saturating_add(EXIT_DELAY_SLOTS);
                self.exits.insert(validator_index, at);
            }
            Input::Response { id, response } => self.on_response(now, id, response),
            Input::Tick => {}
        }
        self.advance(now);
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When to feed the next [`Input::Tick`].
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let Some(slot) = self.slot else {
            return Some(self.genesis());
        };
        let next_phase = [Phase::SlotStart, Phase::Proposer, Phase::Committee]
            .into_iter()
            .filter(|p| !self.done.contains(p))
            .map(|p| self.phase_time(slot, p))
            .min();
        Some(next_phase.unwrap_or_else(|| self.slot_start(slot.saturating_add(1))))
    }

    /// The duties message validation needs: every proposer of fetched epochs
    /// (the answer lists all), our validators' sync contributions for the
    /// current slot's period, and which proposer epochs are fetched.
    pub fn known_duties(&self) -> KnownDuties {
        let mut k = KnownDuties::default();
        for (epoch, duties) in &self.fetches.proposer {
            k.proposer_epochs_fetched.insert(*epoch);
            k.proposer
                .extend(duties.iter().map(|d| (d.slot, d.validator_index)));
        }
        let spe = self.config.chain.slots_per_epoch;
        for (period, duties) in &self.fetches.sync {
            let first = self.config.chain.epoch_start_slot(*period);
            let slots = EPOCHS_PER_SYNC_PERIOD.saturating_mul(spe);
            // Only the current and next epoch's slots, to keep the set small.
            let from = self.slot.unwrap_or(0).max(first);
            let to = (first.saturating_add(slots)).min(from.saturating_add(2 * spe));
            for d in duties {
                k.sync_contribution
                    .extend((from..to).map(|s| (s, d.validator_index)));
            }
        }
        k
    }

    /// Our validators, by index.
    pub fn validators(&self) -> &BTreeMap<u64, ScheduledValidator> {
        &self.validators
    }

    fn set_validators(&mut self, now: Timestamp, list: Vec<ScheduledValidator>) {
        let new: BTreeMap<u64, ScheduledValidator> =
            list.into_iter().map(|v| (v.index, v)).collect();
        let added = new.keys().any(|i| !self.validators.contains_key(i));
        self.validators = new;
        if added && now >= self.genesis() {
            // Ask again with the new indices; what was fetched stays until then.
            let epoch = self.config.chain.epoch(self.config.chain.slot_at(now.0));
            let keys: Vec<(FetchKind, u64)> = self
                .fetches
                .states
                .keys()
                .filter(|(k, e)| *k != FetchKind::Proposer && *e + 1 >= epoch)
                .copied()
                .collect();
            for (kind, key) in keys {
                self.fetches.invalidate(kind, key);
            }
        }
    }

    fn on_head(&mut self, now: Timestamp, head: HeadEvent) {
        if self.slot.is_none_or(|s| head.slot >= s) {
            self.heads.entry(head.slot).or_insert(now);
        }
        let epoch = self.config.chain.epoch(head.slot);
        let checks = [
            (
                FetchKind::Attester,
                epoch,
                head.previous_duty_dependent_root,
            ),
            (
                FetchKind::Attester,
                epoch + 1,
                head.current_duty_dependent_root,
            ),
            (FetchKind::Proposer, epoch, head.current_duty_dependent_root),
        ];
        for (kind, e, root) in checks {
            if self
                .fetches
                .dependent_root(kind, e)
                .is_some_and(|r| r != root)
            {
                self.fetches.invalidate(kind, e);
                self.outputs.push_back(Output::Reorg { kind, epoch: e });
            }
        }
    }

    fn on_response(&mut self, now: Timestamp, id: RequestId, response: DutiesResponse) {
        let Some((kind, key)) = self.fetches.in_flight.remove(&id) else {
            return;
        };
        let slot = self.config.chain.slot_at(now.0);
        let ours = |i: &u64| self.validators.contains_key(i);
        let state = match response {
            DutiesResponse::Failed(_) => FetchState::Failed(slot),
            DutiesResponse::Attester {
                dependent_root,
                mut duties,
            } if kind == FetchKind::Attester => {
                duties
                    .retain(|d| ours(&d.validator_index) && self.config.chain.epoch(d.slot) == key);
                duties.sort();
                self.fetches.attester.insert(key, duties);
                FetchState::Done(Some(dependent_root))
            }
            DutiesResponse::Proposer {
                dependent_root,
                mut duties,
            } if kind == FetchKind::Proposer => {
                duties.retain(|d| self.config.chain.epoch(d.slot) == key);
                duties.sort();
                self.fetches.proposer.insert(key, duties);
                self.outputs.push_back(Output::DutiesChanged);
                FetchState::Done(Some(dependent_root))
            }
            DutiesResponse::Sync { mut duties } if kind == FetchKind::Sync => {
                duties.retain(|d| ours(&d.validator_index));
                duties.sort();
                self.fetches.sync.insert(key, duties);
                self.outputs.push_back(Output::DutiesChanged);
                FetchState::Done(None)
            }
            // An answer of the wrong kind is treated as a failure.
            _ => FetchState::Failed(slot),
        };
        self.fetches.states.insert((kind, key), state);
        // Phases of this slot that already ran pick up the new duties.
        self.done.clear();
    }

    /// Moves to the current slot, asks for missing fetches, and runs every
    /// phase whose time has come.
    fn advance(&mut self, now: Timestamp) {
        if now < self.genesis() {
            return;
        }
        let chain = Arc::clone(&self.config.chain);
        let slot = chain.slot_at(now.0);
        if self.slot != Some(slot) {
            self.slot = Some(slot);
            self.done.clear();
            let keep_from = slot.saturating_sub(2);
            self.started.retain(|(s, _)| *s >= keep_from);
            self.heads.retain(|s, _| *s >= slot);
            self.fetches.prune(chain.epoch(slot).saturating_sub(1));
        }
        self.ask_fetches(slot);
        for phase in [Phase::SlotStart, Phase::Proposer, Phase::Committee] {
            let at = self.phase_time(slot, phase);
            if at <= now && self.done.insert(phase) {
                self.run_phase(now, slot, phase, at);
            }
        }
    }

    fn ask_fetches(&mut self, slot: u64) {
        if self.validators.is_empty() {
            return;
        }
        let chain = &self.config.chain;
        let epoch = chain.epoch(slot);
        let mut want = vec![
            (FetchKind::Attester, epoch),
            (FetchKind::Proposer, epoch),
            (FetchKind::Sync, sync_period_start(epoch)),
        ];
        if slot % chain.slots_per_epoch.max(1) >= chain.slots_per_epoch / 2 {
            want.push((FetchKind::Attester, epoch + 1));
            want.push((FetchKind::Sync, sync_period_start(epoch + 1)));
        }
        let indices: Vec<u64> = self.validators.keys().copied().collect();
        for (kind, key) in want {
            if !self.fetches.wanted(kind, key, slot) {
                continue;
            }
            let id = self.next_id;
            self.next_id += 1;
            self.fetches.asked(id, kind, key);
            let request = match kind {
                FetchKind::Attester => DutiesRequest::Attester {
                    epoch: key,
                    indices: indices.clone(),
                },
                FetchKind::Proposer => DutiesRequest::Proposer { epoch: key },
                FetchKind::Sync => DutiesRequest::Sync {
                    epoch: key.max(epoch),
                    indices: indices.clone(),
                },
            };
            self.outputs.push_back(Output::Fetch { id, request });
        }
    }

    fn start(&mut self, slot: u64, key: Started, target: DutyTarget, duty: Duty) -> bool {
        if !self.started.insert((slot, key)) {
            return false;
        }
        self.outputs.push_back(Output::Start { target, duty });
        true
    }

    fn run_phase(&mut self, now: Timestamp, slot: u64, phase: Phase, at: Timestamp) {
        let epoch = self.config.chain.epoch(slot);
        let mut roles: BTreeSet<Role> = BTreeSet::new();
        match phase {
            Phase::SlotStart | Phase::Committee => {
                let period = sync_period_start(epoch);
                let duties = compose::slot_duties(
                    slot,
                    &self.validators,
                    self.fetches.attester.get(&epoch).into_iter().flatten(),
                    self.fetches.sync.get(&period).into_iter().flatten(),
                );
                if phase == Phase::Committee {
                    for (id, d) in duties.committee {
                        let duty = Duty::Committee(d);
                        if self.start(
                            slot,
                            Started::Committee(id),
                            DutyTarget::Committee(id),
                            duty,
                        ) {
                            roles.insert(Role::Committee);
                        }
                    }
                } else {
                    for (id, d) in duties.aggregator {
                        let duty = Duty::AggregatorCommittee(d);
                        let target = DutyTarget::Committee(id);
                        if self.start(slot, Started::Aggregator(id), target, duty) {
                            roles.insert(Role::AggregatorCommittee);
                        }
                    }
                    self.start_validator_duties(slot, &mut roles);
                }
            }
            Phase::Proposer => {
                let ours: Vec<_> = self
                    .fetches
                    .proposer
                    .get(&epoch)
                    .into_iter()
                    .flatten()
                    .filter(|d| d.slot == slot)
                    .filter_map(|d| self.validators.get(&d.validator_index).cloned())
                    .collect();
                for v in ours {
                    let duty = compose::plain_duty(BeaconRole::Proposer, &v, slot);
                    let key = Started::Validator(v.index, BeaconRole::Proposer.as_u64());
                    if self.start(
                        slot,
                        key,
                        DutyTarget::Validator(v.index),
                        Duty::Validator(duty),
                    ) {
                        roles.insert(Role::Proposer);
                    }
                }
            }
        }
        let late_ms = now.0.saturating_sub(at.0);
        if late_ms > LATE_AFTER_MS {
            for role in roles {
                self.outputs.push_back(Output::Late {
                    role,
                    slot,
                    late_ms,
                });
            }
        }
    }

    /// Registrations on the validator's slot of the interval, and due exits.
    fn start_validator_duties(&mut self, slot: u64, roles: &mut BTreeSet<Role>) {
        let interval = REGISTRATION_EPOCHS
            .saturating_mul(self.config.chain.slots_per_epoch)
            .max(1);
        let mut due: Vec<(ScheduledValidator, BeaconRole)> = self
            .validators
            .values()
            .filter(|v| v.index % interval == slot % interval)
            .map(|v| (v.clone(), BeaconRole::ValidatorRegistration))
            .collect();
        for (index, at) in &self.exits {
            if *at <= slot {
                if let Some(v) = self.validators.get(index) {
                    due.push((v.clone(), BeaconRole::VoluntaryExit));
                }
            }
        }
        self.exits.retain(|_, at| *at > slot);
        for (v, role) in due {
            let duty = compose::plain_duty(role, &v, slot);
            let key = Started::Validator(v.index, role.as_u64());
            if self.start(
                slot,
                key,
                DutyTarget::Validator(v.index),
                Duty::Validator(duty),
            ) {
                roles.insert(match role {
                    BeaconRole::VoluntaryExit => Role::VoluntaryExit,
                    _ => Role::ValidatorRegistration,
                });
            }
        }
    }
}
