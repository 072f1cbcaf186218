//! One QBFT instance: a single height, from start to decision (ssv-spec `qbft.Instance`).

mod commit;
mod justify;
mod prepare;
mod proposal;
mod round_change;

use std::collections::VecDeque;
use std::sync::Arc;

use crate::context::Context;
use crate::error::Error;
use crate::message::{Message, MessageKind, Outgoing, SignedMessage};
use crate::state::State;
use crate::types::{
    Committee, Digest, Height, OperatorId, Round, Timestamp, FIRST_ROUND, NO_ROUND,
};

/// The fixed parameters of an instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceConfig {
    /// This node's operator ID; it must be a committee member.
    pub self_id: OperatorId,
    /// The committee running the instance.
    pub committee: Committee,
    /// The round at which the instance stops processing (ssv-spec `CutOffRound`).
    pub cut_off_round: Round,
}

/// What an instance takes.
#[derive(Clone, Debug)]
pub enum Input<C: Context> {
    /// Start with our own candidate value: arms the round-1 timer and, if we lead
    /// round 1, proposes it. Feed once.
    Start {
        /// Our candidate value.
        value: C::Value,
    },
    /// A signed QBFT message for this instance, whose top-level signature the
    /// embedder has verified. Our own messages come back this way too.
    Message(Arc<SignedMessage<C>>),
    /// Time has passed: feed at or after [`Instance::poll_timeout`]. Early ticks do
    /// nothing.
    Tick,
    /// Stop for good (ssv-spec `ForceStop`): the instance refuses all further input.
    Stop,
}

/// What an instance asks of its embedder.
#[derive(Clone, Debug)]
pub enum Output<C: Context> {
    /// Sign this message, broadcast it, and feed the signed copy back as
    /// [`Input::Message`].
    Broadcast(Outgoing<C>),
    /// The round timer was (re)started for `round` (ssv-spec `TimeoutForRound`);
    /// informational, the deadline is also in [`Instance::poll_timeout`].
    RoundTimerSet {
        /// The round now timed.
        round: Round,
        /// When it fires, if ever.
        deadline: Option<Timestamp>,
    },
    /// A quorum of commits decided `value`. Emitted once.
    Decided {
        /// The round of the decision.
        round: Round,
        /// The decided value.
        value: C::Value,
        /// The commits aggregated into one message, signers sorted by ID.
        aggregated_commit: Arc<SignedMessage<C>>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Timer {
    round: Round,
    deadline: Option<Timestamp>,
}

/// A QBFT instance. Drive it with [`Instance::handle`], then drain
/// [`Instance::poll_output`], and feed [`Input::Tick`] at
/// [`Instance::poll_timeout`].
#[derive(Clone, Debug)]
pub struct Instance<C: Context> {
    ctx: C,
    config: InstanceConfig,
    state: State<C>,
    start_value: Option<C::Value>,
    started: bool,
    force_stopped: bool,
    timer: Option<Timer>,
    outputs: VecDeque<Output<C>>,
}

impl<C: Context> Instance<C> {
    /// A fresh, unstarted instance for `height`, identified by `id`.
    pub fn new(ctx: C, config: InstanceConfig, id: Vec<u8>, height: Height) -> Self {
        Self::restore(ctx, config, State::new(id, height), None, false)
    }

    /// An instance resumed from a saved `state` (for example a snapshot or a test
    /// fixture). Its timer is not armed; it arms with the next round change.
    pub fn restore(
        ctx: C,
        config: InstanceConfig,
        state: State<C>,
        start_value: Option<C::Value>,
        force_stopped: bool,
    ) -> Self {
        let started = start_value.is_some();
        Instance {
            ctx,
            config,
            state,
            start_value,
            started,
            force_stopped,
            timer: None,
            outputs: VecDeque::new(),
        }
    }

    /// Arms the timer of the current round as if it started at `now`, without an
    /// output. For restored instances.
    pub fn arm_timer(&mut self, now: Timestamp) {
        let round = self.state.round;
        self.timer = Some(Timer {
            round,
            deadline: self.ctx.round_deadline(self.state.height, round, now),
        });
    }

    /// The instance state.
    pub fn state(&self) -> &State<C> {
        &self.state
    }

    /// The value this instance started with.
    pub fn start_value(&self) -> Option<&C::Value> {
        self.start_value.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &InstanceConfig {
        &self.config
    }

    /// The height.
    pub fn height(&self) -> Height {
        self.state.height
    }

    /// Whether the instance decided, and on what.
    pub fn decided(&self) -> Option<&C::Value> {
        if self.state.decided {
            self.state.decided_value.as_ref()
        } else {
            None
        }
    }

    /// Whether the instance still takes messages: not stopped and below its
    /// cut-off round (ssv-spec `CanProcessMessages`).
    pub fn can_process(&self) -> bool {
        !self.force_stopped && self.state.round < self.config.cut_off_round
    }

    /// Whether [`Input::Stop`] was fed.
    pub fn is_stopped(&self) -> bool {
        self.force_stopped
    }

    /// Feeds one input. On `Err` the state is unchanged and nothing was queued.
    pub fn handle(&mut self, now: Timestamp, input: Input<C>) -> Result<(), Error> {
        match input {
            Input::Start { value } => self.start(now, value),
            Input::Message(msg) => self.process_message(now, msg),
            Input::Tick => self.tick(now),
            Input::Stop => {
                self.force_stopped = true;
                Ok(())
            }
        }
    }

    /// The next output, in the order produced.
    pub fn poll_output(&mut self) -> Option<Output<C>> {
        self.outputs.pop_front()
    }

    /// When to feed the next [`Input::Tick`]: the current round's deadline, while
    /// the instance runs and has not decided.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        if !self.can_process() || self.state.decided {
            return None;
        }
        self.timer.as_ref().and_then(|t| t.deadline)
    }

    fn start(&mut self, now: Timestamp, value: C::Value) -> Result<(), Error> {
        if self.started {
            return Err(Error::AlreadyStarted);
        }
        self.started = true;
        self.start_value = Some(value.clone());
        self.state.round = FIRST_ROUND;
        self.set_timer(now, FIRST_ROUND);
        if self.proposer(FIRST_ROUND) == self.config.self_id {
            let proposal = self.create_proposal(value, Vec::new(), Vec::new());
            self.broadcast(proposal);
        }
        Ok(())
    }

    /// ssv-spec `Instance.ProcessMsg`: base validation, then the upon-rule of the
    /// message type.
    fn process_message(&mut self, now: Timestamp, msg: Arc<SignedMessage<C>>) -> Result<(), Error> {
        if !self.can_process() {
            return Err(Error::InstanceStopped);
        }
        msg.validate(&self.ctx)?;
        if msg.message.round < self.state.round {
            return Err(Error::PastRound);
        }
        match msg.message.kind {
            MessageKind::Proposal => {
                self.validate_proposal(&msg)?;
                self.upon_proposal(now, msg);
                Ok(())
            }
            MessageKind::Prepare => {
                self.validate_prepare(&msg)?;
                self.upon_prepare(msg);
                Ok(())
            }
            MessageKind::Commit => {
                self.validate_commit(&msg)?;
                self.upon_commit(msg)
            }
            MessageKind::RoundChange => {
                self.validate_round_change(&msg)?;
                self.upon_round_change(now, msg);
                Ok(())
            }
            MessageKind::Unknown(_) => Err(Error::InvalidMessageType),
        }
    }

    /// ssv-spec `UponRoundTimeout`.
    fn tick(&mut self, now: Timestamp) -> Result<(), Error> {
        if !self.can_process() {
            return Err(Error::TimeoutAfterStop);
        }
        match self.poll_timeout() {
            Some(deadline) if now >= deadline => {}
            _ => return Ok(()),
        }
        self.on_round_timeout(now);
        Ok(())
    }

    /// The round-timeout rule itself, regardless of the deadline: move to the next
    /// round and broadcast a round change. Public for embedders that keep their own
    /// timers and for conformance tests.
    pub fn on_round_timeout(&mut self, now: Timestamp) {
        let new_round = self.state.round.saturating_add(1);
        let round_change = self.create_round_change(new_round);
        self.broadcast(round_change);
        self.state.round = new_round;
        self.state.proposal_accepted_for_current_round = None;
        self.set_timer(now, new_round);
    }

    /// Queues a broadcast unless the instance stopped (ssv-spec `Instance.Broadcast`).
    fn broadcast(&mut self, out: Outgoing<C>) {
        if self.can_process() {
            self.outputs.push_back(Output::Broadcast(out));
        }
    }

    fn set_timer(&mut self, now: Timestamp, round: Round) {
        let deadline = self.ctx.round_deadline(self.state.height, round, now);
        self.timer = Some(Timer { round, deadline });
        self.outputs
            .push_back(Output::RoundTimerSet { round, deadline });
    }

    fn proposer(&self, round: Round) -> OperatorId {
        self.ctx
            .proposer(&self.config.committee, self.state.height, round)
    }

    fn quorum(&self) -> usize {
        self.config.committee.quorum()
    }

    fn digest(&self, value: &C::Value) -> Digest {
        self.ctx.digest(value)
    }

    fn new_message(&self, kind: MessageKind, round: Round, root: Digest) -> Message<C> {
        Message {
            kind,
            height: self.state.height,
            round,
            identifier: self.state.id.clone(),
            root,
            data_round: NO_ROUND,
            round_change_justification: Vec::new(),
            prepare_justification: Vec::new(),
        }
    }

    /// Builds a proposal of `value` for the current round with these justifications
    /// (ssv-spec `CreateProposal`).
    pub fn create_proposal(
        &self,
        value: C::Value,
        round_changes: Vec<Arc<SignedMessage<C>>>,
        prepares: Vec<Arc<SignedMessage<C>>>,
    ) -> Outgoing<C> {
        let mut message =
            self.new_message(MessageKind::Proposal, self.state.round, self.digest(&value));
        message.round_change_justification = round_changes;
        message.prepare_justification = prepares;
        Outgoing {
            message,
            full_data: Some(value),
        }
    }

    /// Builds a prepare for `round` and `root` (ssv-spec `CreatePrepare`).
    pub fn create_prepare(&self, round: Round, root: Digest) -> Outgoing<C> {
        Outgoing {
            message: self.new_message(MessageKind::Prepare, round, root),
            full_data: None,
        }
    }

    /// Builds a commit of `root` for the current round (ssv-spec `CreateCommit`).
    pub fn create_commit(&self, root: Digest) -> Outgoing<C> {
        Outgoing {
            message: self.new_message(MessageKind::Commit, self.state.round, root),
            full_data: None,
        }
    }

    /// Builds a round change to `new_round` (ssv-spec `CreateRoundChange`): carries the last prepared value and, when a
    /// quorum of its prepares is at hand, those prepares.
    pub fn create_round_change(&self, new_round: Round) -> Outgoing<C> {
        let mut message = self.new_message(MessageKind::RoundChange, new_round, [0u8; 32]);
        let mut full_data = None;
        if self.state.last_prepared_round != NO_ROUND {
            if let Some(value) = &self.state.last_prepared_value {
                message.root = self.digest(value);
                message.data_round = self.state.last_prepared_round;
                message.round_change_justification = self.round_change_justification(value);
                full_data = Some(value.clone());
            }
        }
        Outgoing { message, full_data }
    }
}

pub(crate) use commit::base_commit_validation;

impl<C: Context> Instance<C> {
    /// Decides by a received decided message (ssv-spec `UponDecided`, first decision).
    pub(crate) fn accept_decided(&mut self, msg: &Arc<SignedMessage<C>>, value: C::Value) {
        self.state.commit_container.add(Arc::clone(msg));
        self.state.decided = true;
        self.state.round = msg.message.round;
        self.state.decided_value = Some(value);
    }

    /// Keeps a decided message that has more signers than the best set known for
    /// its round and root (ssv-spec `UponDecided`, already decided).
    pub(crate) fn add_bigger_decided(&mut self, msg: &Arc<SignedMessage<C>>) {
        let (signers, _) = self
            .state
            .commit_container
            .longest_unique_signers(msg.message.round, &msg.message.root);
        if msg.signers.len() > signers.len() {
            self.state.commit_container.add(Arc::clone(msg));
        }
    }
}
