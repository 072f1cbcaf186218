//! Saved runner state, to rebuild a runner after a restart (and to load the
//! reference vectors' pre-states).

use std::collections::BTreeMap;
use std::sync::Arc;

use qbft_core::{Instance, State};

use crate::consensus::{FullData, SsvQbft};
use crate::duty::partial_sigs::PartialSigContainer;
use crate::runner::base::{Base, RunState};
use crate::runner::duty::Duty;
use crate::wire::{PartialSignature, Share};

/// A duty's saved state.
#[derive(Clone, Debug)]
pub struct DutySnapshot {
    /// The duty.
    pub duty: Duty,
    /// Pre-consensus partial signatures held.
    pub pre: Vec<PartialSignature>,
    /// Post-consensus partial signatures held.
    pub post: Vec<PartialSignature>,
    /// The height of the instance the duty started, if any.
    pub instance: Option<u64>,
    /// The decided value, if any.
    pub decided: Option<Vec<u8>>,
    /// Whether the duty finished.
    pub finished: bool,
}

/// A runner's saved state.
#[derive(Clone, Debug)]
pub struct RunnerSnapshot {
    /// The validators' shares.
    pub shares: BTreeMap<u64, Share>,
    /// The last duty, if any.
    pub duty: Option<DutySnapshot>,
    /// The QBFT controller's height.
    pub height: u64,
    /// Stored QBFT instances: their state and our start value.
    pub instances: Vec<(State<SsvQbft>, Option<FullData>)>,
}

impl Base {
    /// Loads a snapshot's duty and QBFT state (the shares were given at creation).
    pub(crate) fn restore(&mut self, snap: RunnerSnapshot) {
        let q = self.setup.quorum();
        self.state = snap.duty.map(|d| {
            let fill = |list: &[PartialSignature]| {
                let mut c = PartialSigContainer::new(q);
                for p in list {
                    c.add(p.validator_index, p.signing_root, p.signer, p.signature);
                }
                c
            };
            RunState {
                pre: fill(&d.pre),
                post: fill(&d.post),
                duty: d.duty,
                instance: d.instance,
                decided: d.decided.map(Arc::from),
                finished: d.finished,
                started_at: None,
            }
        });
        if let Some(c) = self.controller.as_mut() {
            c.set_height(snap.height);
            let ctx = self.setup.qbft.clone().with_value_check(
                self.value_check
                    .clone()
                    .unwrap_or_else(|| Arc::new(|_: &[u8]| Ok(()))),
            );
            for (state, start) in snap.instances {
                let inst = Instance::restore(
                    ctx.clone(),
                    self.setup.instance.clone(),
                    state,
                    start,
                    false,
                );
                c.restore_instance(inst);
            }
        }
    }
}
