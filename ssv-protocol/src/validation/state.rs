//! What the validator remembers per (sending peer, message ID, signer): per slot,
//! the round reached and the message kinds seen, the decided signer sets, the
//! partial-signature messages; and the slots with messages per epoch.

use std::collections::{BTreeMap, BTreeSet};

/// How many slots of state are kept (ssv: SlotsPerEpoch + LateSlotAllowance = 34).
pub const STATE_TTL_SLOTS: u64 = 34;

/// What one signer did in one slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotState {
    /// The highest round seen.
    pub round: u64,
    /// The root of the proposal seen in `round`.
    pub proposal: Option<[u8; 32]>,
    /// A prepare was seen in `round`.
    pub prepare: bool,
    /// A single-signer commit was seen in `round`.
    pub commit: bool,
    /// A round change was seen in `round`.
    pub round_change: bool,
    /// Signer sets of decided messages seen.
    pub decided: BTreeSet<Vec<u64>>,
    /// Pre-consensus partial-signature messages seen.
    pub pre_consensus: u8,
    /// Post-consensus partial-signature messages seen.
    pub post_consensus: u8,
}

impl SlotState {
    /// Moves to a higher round: the per-round counters restart.
    pub fn enter_round(&mut self, round: u64) {
        if round > self.round {
            self.round = round;
            self.proposal = None;
            self.prepare = false;
            self.commit = false;
            self.round_change = false;
        }
    }
}

/// One signer's state under one (peer, message ID).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignerState {
    /// Per-slot state, the last [`STATE_TTL_SLOTS`] slots.
    pub slots: BTreeMap<u64, SlotState>,
    /// Slots with messages, per epoch.
    pub duty_slots: BTreeMap<u64, BTreeSet<u64>>,
}

impl SignerState {
    /// The highest slot seen.
    pub fn max_slot(&self) -> Option<u64> {
        self.slots.keys().next_back().copied()
    }

    /// Drops state older than the TTL before `current_slot`.
    pub fn prune(&mut self, current_slot: u64, slots_per_epoch: u64) {
        let oldest = current_slot.saturating_sub(STATE_TTL_SLOTS);
        self.slots.retain(|slot, _| *slot >= oldest);
        // A message older than the TTL is refused as late (one slot of margin for
        // the late rule's tolerance), so older epochs' counts are never read.
        let oldest_counted = current_slot.saturating_sub(STATE_TTL_SLOTS + 1);
        self.duty_slots
            .retain(|epoch, _| *epoch >= oldest_counted / slots_per_epoch.max(1));
    }

    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty() && self.duty_slots.is_empty()
    }
}
