//! The operator node as one pure machine: gossip validation, duty scheduling
//! and the duty runners behind one [`Input`] and one [`Output`]. It is the unit
//! the runtime drives and the unit a trace records: the same inputs at the same
//! times give byte-identical outputs.
//!
//! Data flow: gossip is validated (the verdict goes back to gossipsub) and an
//! accepted message is routed by its message ID to the committee's or the
//! validator's runner machine. The scheduler asks for duty fetches and starts
//! duties on those machines. Their asks (beacon data, slashing records, share
//! signatures, and operator signatures of outgoing messages) come out as
//! [`Output::Request`]s with node-wide ids; an aggregation fetch is held until
//! 2/3 of its slot. A message signed with the operator key is published on the
//! committee's topic and fed back to our own machine.
//!
//! ```
//! # use ssv_protocol::node::{Node, Input, Output};
//! fn drive(node: &mut Node, now: u64, input: Input) {
//!     node.handle(qbft_core::Timestamp(now), input);
//!     while let Some(out) = node.poll_output() {
//!         match out {
//!             Output::Verdict { .. } => { /* report to gossipsub */ }
//!             Output::Publish { .. } => { /* publish on the topic */ }
//!             Output::Request { .. } => { /* answer later with Input::Response */ }
//!             Output::Submit(_) => { /* hand to the beacon node */ }
//!             Output::Event(_) => { /* log, count */ }
//!         }
//!     }
//!     let _next = node.poll_timeout(); // feed Input::Tick then
//! }
//! ```

pub mod checks;
mod drive;
pub mod registry;
mod summary;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use qbft_core::Timestamp;

use crate::identifiers::CommitteeId;
use crate::roles::RoleFork;
use crate::runner::chain::ChainSpec;
use crate::runner::error::RunnerError;
use crate::runner::io::{Request, Response, Submission};
use crate::runner::{AggregatorSelection, CommitteeMachine, ValidatorMachine, ValueChecks};
use crate::scheduler::{
    DutiesRequest, DutiesResponse, FetchKind, HeadEvent, Scheduler, SchedulerConfig,
};
use crate::validation::{MessageValidator, SlotClock, ValidationError};
use crate::wire::{Role, SsvMessage};

pub use checks::ChainValueChecks;
pub use registry::{BeaconMetadata, RegisteredValidator, Registry};

/// The node's settings.
#[derive(Clone)]
pub struct NodeConfig {
    /// Our operator ID.
    pub operator_id: u64,
    /// The SSV network domain.
    pub network_domain: [u8; 4],
    /// The beacon chain.
    pub chain: Arc<ChainSpec>,
    /// Which roles the network runs: under [`RoleFork::Alan`] (the live
    /// network) each aggregation and sync-contribution duty runs on its
    /// validator's machine (roles 1 and 3); under [`RoleFork::Boole`] (the
    /// pinned spec) they run per committee (role 6).
    pub roles: RoleFork,
    /// The value checks QBFT runs.
    pub value_checks: Arc<dyn ValueChecks>,
    /// Aggregator selection.
    pub selection: Arc<dyn AggregatorSelection>,
    /// The gas limit in builder registrations.
    pub gas_limit: u64,
    /// Proposals start this long after slot start (capped at 1 s).
    pub proposer_delay_ms: u64,
    /// QBFT instances kept per runner.
    pub max_instances: usize,
    /// Early QBFT messages held per runner.
    pub pending_limit: usize,
}

impl std::fmt::Debug for NodeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeConfig")
            .field("operator_id", &self.operator_id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// What the node asks of its embedder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeRequest {
    /// Fetch duties from the beacon node.
    Duties(DutiesRequest),
    /// A runner's request: beacon data, a slashing record, share signatures.
    Runner(Request),
    /// Sign `message.encode()` with the operator key (RSA PKCS#1 v1.5, SHA-256).
    OperatorSign(SsvMessage),
}

/// The answer to a [`NodeRequest`], of the matching kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeResponse {
    /// Answers [`NodeRequest::Duties`].
    Duties(DutiesResponse),
    /// Answers [`NodeRequest::Runner`].
    Runner(Response),
    /// Answers [`NodeRequest::OperatorSign`].
    OperatorSignature(Vec<u8>),
    /// The request failed (any kind).
    Failed(String),
}

/// What the node takes.
#[derive(Clone, Debug)]
pub enum Input {
    /// The registry now (replaces the previous one).
    Registry(Arc<Registry>),
    /// A gossip message as received.
    Gossip {
        /// The caller's handle, echoed in the verdict.
        id: u64,
        /// The sending peer's ID bytes.
        peer: Vec<u8>,
        /// The topic.
        topic: String,
        /// The raw message data.
        data: Vec<u8>,
        /// The operator signatures' verdict when the embedder already verified
        /// them ([`crate::validation::signatures_valid`] on its own threads);
        /// `None` has the machine verify them.
        signatures: Option<bool>,
    },
    /// The beacon node's head event.
    Head(HeadEvent),
    /// A `ValidatorExited` contract event.
    ValidatorExited {
        /// The validator.
        validator_index: u64,
        /// The slot of the block holding the event.
        block_slot: u64,
    },
    /// The answer to a request.
    Response {
        /// The request's id.
        id: u64,
        /// The answer.
        response: NodeResponse,
    },
    /// Time passed.
    Tick,
}

/// The judgement on a gossip message, for gossipsub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GossipVerdict {
    /// Deliver and forward.
    Accept,
    /// Drop, no penalty.
    Ignore(ValidationError),
    /// Drop and penalise the sender.
    Reject(ValidationError),
}

/// Something worth logging or counting.
#[derive(Clone, Debug)]
pub enum Event {
    /// A duty started on its runner.
    DutyStarted {
        /// The runner role.
        role: Role,
        /// The slot.
        slot: u64,
        /// Validators in the duty.
        validators: usize,
    },
    /// A duty's QBFT instance decided.
    Decided {
        /// The runner role.
        role: Role,
        /// The slot.
        slot: u64,
        /// Milliseconds from our instance's start to the decision.
        elapsed_ms: Option<u64>,
    },
    /// A duty completed every submission it had (none, for an aggregation or
    /// contribution duty whose validator was not selected).
    DutyFinished {
        /// The runner role.
        role: Role,
        /// The slot.
        slot: u64,
    },
    /// A duty could not start.
    DutyRefused {
        /// The runner role.
        role: Role,
        /// The slot.
        slot: u64,
        /// Why.
        error: RunnerError,
    },
    /// A runner refused a validated message (late, duplicate, no runner yet...).
    MessageRefused {
        /// The message's role.
        role: Role,
        /// Why.
        error: RunnerError,
    },
    /// Duties started late.
    Late {
        /// The runner role.
        role: Role,
        /// The slot.
        slot: u64,
        /// How late, in milliseconds.
        late_ms: u64,
    },
    /// A reorg made the scheduler fetch duties again.
    Reorg {
        /// What is fetched again.
        kind: FetchKind,
        /// The epoch.
        epoch: u64,
    },
    /// A request failed.
    RequestFailed {
        /// The answer's text.
        reason: String,
    },
}

/// What the node hands out.
#[derive(Clone, Debug)]
pub enum Output {
    /// The verdict on gossip message `id`.
    Verdict {
        /// The caller's handle.
        id: u64,
        /// The verdict.
        verdict: GossipVerdict,
    },
    /// Publish these bytes (an encoded `SignedSSVMessage`) on this topic.
    Publish {
        /// The topic.
        topic: String,
        /// The message bytes.
        data: Vec<u8>,
    },
    /// Answer this with [`Input::Response`].
    Request {
        /// Its id.
        id: u64,
        /// What is asked.
        request: NodeRequest,
    },
    /// Submit this to the beacon node.
    Submit(Submission),
    /// For logs and metrics.
    Event(Event),
}

/// Which runner machine something belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum MachineKey {
    Committee(CommitteeId),
    Validator(u64),
}

/// What a node-wide request id stands for.
#[derive(Clone, Debug)]
enum Pending {
    Duties(u64),
    Runner(MachineKey, u64),
    Sign {
        key: MachineKey,
        message: SsvMessage,
        full_data: Vec<u8>,
    },
}

/// The node machine.
pub struct Node {
    config: NodeConfig,
    registry: Arc<Registry>,
    validator: MessageValidator,
    scheduler: Scheduler,
    committees: BTreeMap<CommitteeId, CommitteeMachine>,
    validators: BTreeMap<u64, ValidatorMachine>,
    /// Our validators' committees, by public key and by index.
    by_pubkey: BTreeMap<[u8; 48], u64>,
    committee_of: BTreeMap<u64, CommitteeId>,
    pending: BTreeMap<u64, Pending>,
    /// Every runner machine's next deadline, kept as machines change (only
    /// feeding a machine or replacing the registry changes one), so that
    /// [`Node::poll_timeout`] and ticks need not ask thousands of machines.
    deadlines: BTreeSet<(Timestamp, MachineKey)>,
    /// The same, by machine.
    deadline_of: BTreeMap<MachineKey, Timestamp>,
    /// Requests held until their time, by (time, id).
    held: BTreeMap<(Timestamp, u64), NodeRequest>,
    next_id: u64,
    pruned_slot: Option<u64>,
    /// Validated messages that came before their duty started here, by
    /// (machine, slot); fed once the duty starts, dropped when the slot passes.
    early: BTreeMap<(MachineKey, u64), Vec<Arc<crate::wire::SignedSsvMessage>>>,
    /// How many messages `early` holds (kept as it changes, so that holding
    /// one more need not count them all).
    early_held: usize,
    /// Machines fed since held messages were last looked at: only their held
    /// messages can have become ready (readiness is a machine's state, and
    /// only feeding a machine changes it).
    touched: BTreeSet<MachineKey>,
    outputs: VecDeque<Output>,
}

/// Early messages held at most (all machines and slots together).
const EARLY_LIMIT: usize = 1024;
/// Messages are held for duties of this many slots back and any later slot.
const EARLY_SLOTS: u64 = 2;
/// A committee or validator runner whose duty finished is dropped this many
/// slots after its slot (past [`EARLY_SLOTS`], so late messages for it are
/// refused, not held).
const FINISHED_KEEP_SLOTS: u64 = 3;

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("operator_id", &self.config.operator_id)
            .field("committees", &self.committees.len())
            .field("validators", &self.validators.len())
            .finish_non_exhaustive()
    }
}

impl Node {
    /// A node with an empty registry.
    pub fn new(config: NodeConfig) -> Self {
        let registry = Arc::new(Registry::default());
        let clock = clock_of(&config.chain);
        let view = registry.view(
            config.network_domain,
            config.roles,
            clock,
            Default::default(),
        );
        let scheduler = Scheduler::new(
            SchedulerConfig::new(Arc::clone(&config.chain))
                .with_proposer_delay(config.proposer_delay_ms, false),
        );
        Node {
            validator: MessageValidator::new(Arc::new(view)),
            scheduler,
            registry,
            config,
            committees: BTreeMap::new(),
            validators: BTreeMap::new(),
            by_pubkey: BTreeMap::new(),
            committee_of: BTreeMap::new(),
            pending: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            deadline_of: BTreeMap::new(),
            held: BTreeMap::new(),
            next_id: 0,
            pruned_slot: None,
            early: BTreeMap::new(),
            early_held: 0,
            touched: BTreeSet::new(),
            outputs: VecDeque::new(),
        }
    }

    /// Feeds one input, then runs everything it set off.
    pub fn handle(&mut self, now: Timestamp, input: Input) {
        match input {
            Input::Registry(r) => self.set_registry(now, r),
            Input::Gossip {
                id,
                peer,
                topic,
                data,
                signatures,
            } => self.on_gossip(now, id, &peer, &topic, &data, signatures),
            Input::Head(h) => {
                self.scheduler.handle(now, crate::scheduler::Input::Head(h));
            }
            Input::ValidatorExited {
                validator_index,
                block_slot,
            } => self.scheduler.handle(
                now,
                crate::scheduler::Input::ValidatorExited {
                    validator_index,
                    block_slot,
                },
            ),
            Input::Response { id, response } => self.on_response(now, id, response),
            Input::Tick => self.on_tick(now),
        }
        self.drain_scheduler(now);
        self.feed_ready(now);
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When to feed the next [`Input::Tick`].
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let machines = self.deadlines.first().map(|(t, _)| *t);
        let held = self.held.keys().next().map(|(t, _)| *t);
        machines
            .into_iter()
            .chain(held)
            .chain(self.scheduler.poll_timeout())
            .min()
    }

    /// Our operator ID.
    pub fn operator_id(&self) -> u64 {
        self.config.operator_id
    }

    /// Committee machines we run, and validator machines.
    pub fn machine_counts(&self) -> (usize, usize) {
        (self.committees.len(), self.validators.len())
    }

    /// Requests asked and not answered yet.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// The kept runners of `role` at `slot` in our committee machines, read-only
    /// (diagnostics; the simulator reads decided values through it).
    pub fn committee_runners(
        &self,
        role: Role,
        slot: u64,
    ) -> impl Iterator<Item = crate::runner::RunnerView<'_>> + '_ {
        self.committees
            .values()
            .filter_map(move |m| m.runner(role, slot))
    }
}

/// The validation clock of a chain.
fn clock_of(chain: &ChainSpec) -> SlotClock {
    SlotClock {
        genesis_ms: chain.genesis_time.saturating_mul(1000),
        slot_ms: chain.seconds_per_slot.saturating_mul(1000),
        slots_per_epoch: chain.slots_per_epoch,
    }
}
