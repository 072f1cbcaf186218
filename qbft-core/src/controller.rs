//! The controller: QBFT instances across heights, and decided messages
//! (ssv-spec `qbft.Controller`, `qbft/decided.go`).

use std::collections::VecDeque;
use std::sync::Arc;

use crate::context::Context;
use crate::error::Error;
use crate::instance::{self, Instance, InstanceConfig};
use crate::message::{MessageKind, Outgoing, SignedMessage};
use crate::types::{Height, Round, Timestamp, FIRST_HEIGHT};

/// The fixed parameters of a controller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerConfig {
    /// The parameters every instance shares.
    pub instance: InstanceConfig,
    /// The identifier of every instance (SSV: the 56-byte message ID).
    pub identifier: Vec<u8>,
    /// How many instances to keep, newest heights first; older ones are dropped.
    /// The spec keeps all; a node needs a bound.
    pub max_instances: usize,
    /// How many messages to hold that arrived too early (see
    /// [`Error::may_be_early`], judged per message); they are retried after every input that changes
    /// state. `0` gives the spec's behaviour: such messages are refused. Nodes need
    /// a buffer (the Go node's message queue plays this part): without one, a
    /// prepare that overtakes its proposal is lost and the round can stall.
    pub pending_limit: usize,
}

/// What a controller takes.
#[derive(Clone, Debug)]
pub enum Input<C: Context> {
    /// Start an instance at `height` with our candidate `value`; every other
    /// instance stops.
    Start {
        /// The height (SSV: the duty's slot).
        height: Height,
        /// Our candidate value, checked with [`Context::check_value`].
        value: C::Value,
    },
    /// A signed QBFT message (its top-level signature verified by the embedder),
    /// including our own looped back and decided (aggregated-commit) messages.
    Message(Arc<SignedMessage<C>>),
    /// Time has passed: feed at or after [`Controller::poll_timeout`].
    Tick,
}

/// What a controller asks of its embedder.
#[derive(Clone, Debug)]
pub enum Output<C: Context> {
    /// Sign, broadcast and loop back this message of the instance at `height`.
    Broadcast {
        /// The instance's height.
        height: Height,
        /// The message to sign.
        message: Outgoing<C>,
    },
    /// Broadcast this already-signed decided message as it is.
    BroadcastDecided(Arc<SignedMessage<C>>),
    /// The instance at `height` decided `value` (by its own commits, or by a
    /// decided message received).
    Decided {
        /// The height decided.
        height: Height,
        /// The decided value.
        value: C::Value,
        /// The quorum of commits that proves it.
        proof: Arc<SignedMessage<C>>,
    },
    /// The round timer of the instance at `height` was set.
    RoundTimerSet {
        /// The instance's height.
        height: Height,
        /// The round now timed.
        round: Round,
        /// When it fires, if ever.
        deadline: Option<Timestamp>,
    },
}

/// QBFT across heights for one identifier.
#[derive(Clone, Debug)]
pub struct Controller<C: Context> {
    ctx: C,
    config: ControllerConfig,
    height: Height,
    /// Highest height first.
    instances: Vec<Instance<C>>,
    /// Messages that arrived too early, oldest first.
    pending: VecDeque<Arc<SignedMessage<C>>>,
    outputs: VecDeque<Output<C>>,
}

impl<C: Context> Controller<C> {
    /// A controller at height 0 with no instance.
    pub fn new(ctx: C, config: ControllerConfig) -> Self {
        Controller {
            ctx,
            config,
            height: FIRST_HEIGHT,
            instances: Vec::new(),
            pending: VecDeque::new(),
            outputs: VecDeque::new(),
        }
    }

    /// The current height: the last started, or the highest decided.
    pub fn height(&self) -> Height {
        self.height
    }

    /// Sets the current height without starting an instance (restoring a node).
    pub fn set_height(&mut self, height: Height) {
        self.height = height;
    }

    /// The stored instances, highest height first.
    pub fn instances(&self) -> &[Instance<C>] {
        &self.instances
    }

    /// The instance at `height`, if stored.
    pub fn instance(&self, height: Height) -> Option<&Instance<C>> {
        self.instances.iter().find(|i| i.height() == height)
    }

    fn instance_index(&self, height: Height) -> Option<usize> {
        self.instances.iter().position(|i| i.height() == height)
    }

    /// Stores an instance rebuilt from saved state (restoring a node); it replaces
    /// nothing and the current height is left as it is.
    pub fn restore_instance(&mut self, inst: Instance<C>) {
        if self.instance_index(inst.height()).is_none() {
            self.store(inst);
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ControllerConfig {
        &self.config
    }

    /// The number of early messages held for a retry.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Feeds one input. On `Err` the state is unchanged and nothing was queued.
    /// With a pending buffer, a message that arrived too early is held and `Ok` is
    /// returned; it takes effect when it can.
    pub fn handle(&mut self, now: Timestamp, input: Input<C>) -> Result<(), Error> {
        let result = match input {
            Input::Message(msg) => match self.process_message(now, Arc::clone(&msg)) {
                Err(e) if self.config.pending_limit > 0 && self.is_early(&msg, &e) => {
                    if self.pending.len() >= self.config.pending_limit {
                        self.pending.pop_front();
                    }
                    self.pending.push_back(msg);
                    return Ok(());
                }
                other => other,
            },
            other => self.handle_other(now, other),
        };
        if result.is_ok() && !self.pending.is_empty() {
            self.retry_pending(now);
        }
        result
    }

    /// Offers every held message again until none makes progress; drops those
    /// that fail for good.
    fn retry_pending(&mut self, now: Timestamp) {
        loop {
            let mut progressed = false;
            for _ in 0..self.pending.len() {
                let Some(msg) = self.pending.pop_front() else {
                    break;
                };
                match self.process_message(now, Arc::clone(&msg)) {
                    Ok(()) => progressed = true,
                    Err(e) if self.is_early(&msg, &e) => self.pending.push_back(msg),
                    Err(_) => {}
                }
            }
            if !progressed || self.pending.is_empty() {
                return;
            }
        }
    }

    /// Whether `msg`, refused with `e`, is merely early and worth holding: a
    /// prepare or commit for the current round before its proposal or for a round
    /// ahead of the instance, or any message for a height not reached yet. Errors
    /// from inside a proposal's justification never qualify.
    fn is_early(&self, msg: &SignedMessage<C>, e: &Error) -> bool {
        if !e.may_be_early() {
            return false;
        }
        let m = &msg.message;
        let running_round = self.instance(m.height).map(|i| i.state().round);
        match e {
            Error::FutureMessage => true,
            Error::NoProposalForRound => {
                matches!(m.kind, MessageKind::Prepare | MessageKind::Commit)
            }
            Error::WrongRound => {
                matches!(m.kind, MessageKind::Prepare | MessageKind::Commit)
                    && running_round.is_some_and(|r| m.round > r)
            }
            _ => false,
        }
    }

    fn handle_other(&mut self, now: Timestamp, input: Input<C>) -> Result<(), Error> {
        match input {
            Input::Start { height, value } => self.start(now, height, value),
            Input::Message(msg) => self.process_message(now, msg),
            Input::Tick => {
                for idx in 0..self.instances.len() {
                    let Some(inst) = self.instances.get_mut(idx) else {
                        break;
                    };
                    if inst.poll_timeout().is_some_and(|d| d <= now) {
                        // An instance with a deadline runs, so the tick cannot fail.
                        let _ = inst.handle(now, instance::Input::Tick);
                        self.drain_instance(idx);
                    }
                }
                Ok(())
            }
        }
    }

    /// The next output, in the order produced.
    pub fn poll_output(&mut self) -> Option<Output<C>> {
        self.outputs.pop_front()
    }

    /// The earliest deadline of any running instance.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.instances
            .iter()
            .filter_map(Instance::poll_timeout)
            .min()
    }

    /// ssv-spec `StartNewInstance`.
    fn start(&mut self, now: Timestamp, height: Height, value: C::Value) -> Result<(), Error> {
        self.ctx.check_value(&value).map_err(Error::InvalidValue)?;
        if height < self.height {
            return Err(Error::StartPastHeight);
        }
        if self.instance_index(height).is_some() {
            return Err(Error::InstanceAlreadyRunning);
        }
        self.height = height;
        let mut inst = Instance::new(
            self.ctx.clone(),
            self.config.instance.clone(),
            self.config.identifier.clone(),
            height,
        );
        // A fresh instance always takes its first start.
        let _ = inst.handle(now, instance::Input::Start { value });
        let idx = self.store(inst);
        self.drain_instance(idx);
        for inst in self.instances.iter_mut().filter(|i| i.height() != height) {
            // Stopping never fails.
            let _ = inst.handle(now, instance::Input::Stop);
        }
        Ok(())
    }

    /// ssv-spec `Controller.ProcessMsg`.
    fn process_message(&mut self, now: Timestamp, msg: Arc<SignedMessage<C>>) -> Result<(), Error> {
        if msg.message.identifier != self.config.identifier {
            return Err(Error::InvalidIdentifier);
        }
        let quorum = self.config.instance.committee.quorum();
        if msg.message.kind == MessageKind::Commit && msg.signers.len() >= quorum {
            return self.upon_decided(msg);
        }
        let no_first_instance =
            self.height == FIRST_HEIGHT && self.instance_index(self.height).is_none();
        if no_first_instance || msg.message.height > self.height {
            return Err(Error::FutureMessage);
        }
        let idx = self
            .instance_index(msg.message.height)
            .ok_or(Error::InstanceNotFound)?;
        let inst = self.instances.get_mut(idx).ok_or(Error::InstanceNotFound)?;
        if inst.state().decided {
            return Err(Error::InstanceDecided);
        }
        inst.handle(now, instance::Input::Message(msg))?;
        self.drain_instance(idx);
        Ok(())
    }

    /// ssv-spec `UponDecided`: a valid decided message decides (or creates) the
    /// instance at its height, and a bigger quorum for a decided one is kept.
    fn upon_decided(&mut self, msg: Arc<SignedMessage<C>>) -> Result<(), Error> {
        self.validate_decided(&msg)?;
        let height = msg.message.height;
        let value = msg.full_data.clone().ok_or(Error::MissingValue)?;
        let prev_decided;
        match self
            .instance_index(height)
            .and_then(|idx| self.instances.get_mut(idx))
        {
            None => {
                prev_decided = false;
                let mut inst = Instance::new(
                    self.ctx.clone(),
                    self.config.instance.clone(),
                    self.config.identifier.clone(),
                    height,
                );
                inst.accept_decided(&msg, value.clone());
                self.store(inst);
            }
            Some(inst) => {
                prev_decided = inst.state().decided;
                if !prev_decided {
                    inst.accept_decided(&msg, value.clone());
                } else {
                    inst.add_bigger_decided(&msg);
                }
            }
        }
        if height > self.height {
            self.height = height;
        }
        if !prev_decided {
            self.outputs.push_back(Output::Decided {
                height,
                value,
                proof: msg,
            });
        }
        Ok(())
    }

    /// ssv-spec `ValidateDecided`.
    fn validate_decided(&self, msg: &SignedMessage<C>) -> Result<(), Error> {
        let committee = &self.config.instance.committee;
        crate::instance::base_commit_validation(&self.ctx, committee, msg, msg.message.height)?;
        if !self.ctx.verify_signatures(msg) {
            return Err(Error::InvalidSignature);
        }
        let value = msg.full_data.as_ref().ok_or(Error::MissingValue)?;
        if self.ctx.digest(value) != msg.message.root {
            return Err(Error::RootMismatch);
        }
        Ok(())
    }

    /// Inserts an instance in height order (ssv-spec `addNewInstance`), drops the
    /// oldest beyond the bound, and returns the new one's index.
    fn store(&mut self, inst: Instance<C>) -> usize {
        let height = inst.height();
        let idx = self
            .instances
            .iter()
            .position(|i| i.height() < height)
            .unwrap_or(self.instances.len());
        self.instances.insert(idx, inst);
        let bound = self.config.max_instances.max(1);
        if self.instances.len() > bound {
            self.instances.truncate(bound);
        }
        idx.min(self.instances.len() - 1)
    }

    fn drain_instance(&mut self, idx: usize) {
        let Some(inst) = self.instances.get_mut(idx) else {
            return;
        };
        let height = inst.height();
        while let Some(out) = inst.poll_output() {
            match out {
                instance::Output::Broadcast(message) => self
                    .outputs
                    .push_back(Output::Broadcast { height, message }),
                instance::Output::RoundTimerSet { round, deadline } => {
                    self.outputs.push_back(Output::RoundTimerSet {
                        height,
                        round,
                        deadline,
                    })
                }
                instance::Output::Decided {
                    value,
                    aggregated_commit,
                    ..
                } => {
                    self.outputs
                        .push_back(Output::BroadcastDecided(Arc::clone(&aggregated_commit)));
                    self.outputs.push_back(Output::Decided {
                        height,
                        value,
                        proof: aggregated_commit,
                    });
                }
            }
        }
    }
}
