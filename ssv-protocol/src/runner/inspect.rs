//! Read-only views of a runner (ssv-spec `BaseRunner` and its `State`), for
//! diagnostics and for comparing a runner with the reference vectors' saved
//! post-states. Nothing here changes a runner.

use std::collections::BTreeMap;

use qbft_core::{Controller, Instance};

use crate::consensus::SsvQbft;
use crate::duty::partial_sigs::PartialSigContainer;
use crate::runner::base::{Base, RunState};
use crate::runner::duty::Duty;
use crate::wire::{MessageId, Role, Share};

/// A runner, read-only: its role, identifier, shares, QBFT controller and the
/// state of its last duty.
#[derive(Clone, Copy)]
pub struct RunnerView<'a> {
    base: &'a Base,
}

impl std::fmt::Debug for RunnerView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.base.fmt(f)
    }
}

impl<'a> RunnerView<'a> {
    pub(crate) fn new(base: &'a Base) -> Self {
        RunnerView { base }
    }

    /// The runner role.
    pub fn role(&self) -> Role {
        self.base.role
    }

    /// The message ID of the runner's messages (the QBFT identifier too).
    pub fn message_id(&self) -> &'a MessageId {
        &self.base.msg_id
    }

    /// The validators' shares, by validator index.
    pub fn shares(&self) -> &'a BTreeMap<u64, Share> {
        &self.base.shares
    }

    /// The QBFT controller; `None` for roles without consensus.
    pub fn controller(&self) -> Option<&'a Controller<SsvQbft>> {
        self.base.controller.as_ref()
    }

    /// The state of the running (or last) duty; `None` before the first duty.
    pub fn duty_state(&self) -> Option<DutyView<'a>> {
        self.base.state.as_ref().map(|state| DutyView {
            state,
            controller: self.base.controller.as_ref(),
        })
    }
}

/// The state of a runner's running (or last) duty (ssv-spec `State`), read-only.
#[derive(Clone, Copy, Debug)]
pub struct DutyView<'a> {
    state: &'a RunState,
    controller: Option<&'a Controller<SsvQbft>>,
}

impl<'a> DutyView<'a> {
    /// The duty.
    pub fn duty(&self) -> &'a Duty {
        &self.state.duty
    }

    /// Pre-consensus partial signatures received.
    pub fn pre_consensus(&self) -> &'a PartialSigContainer {
        &self.state.pre
    }

    /// Post-consensus partial signatures received.
    pub fn post_consensus(&self) -> &'a PartialSigContainer {
        &self.state.post
    }

    /// The height of the QBFT instance this duty started (ssv-spec
    /// `RunningInstance`), once started.
    pub fn instance_height(&self) -> Option<u64> {
        self.state.instance
    }

    /// The QBFT instance this duty started, while the controller keeps it.
    pub fn running_instance(&self) -> Option<&'a Instance<SsvQbft>> {
        let height = self.state.instance?;
        self.controller?.instance(height)
    }

    /// The value consensus decided for this duty, once decided.
    pub fn decided_value(&self) -> Option<&'a [u8]> {
        self.state.decided.as_deref()
    }

    /// Whether the duty finished.
    pub fn finished(&self) -> bool {
        self.state.finished
    }
}
