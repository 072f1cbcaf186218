//! Messages that arrived before their duty started here.
//!
//! Operators start a committee duty at slightly different times (1/3 of the
//! slot, or 300 ms after a head event that each node sees at its own moment),
//! so the leader's proposal can reach a node whose runner for that slot does
//! not exist yet. The spec's committee refuses such a message (no runner for
//! the slot) and it is lost; with two of four operators late the round then
//! lacks a quorum of prepares and waits out its timer. The Go node hides this
//! behind its message queue. We hold accepted messages for a slot that has not
//! started yet (never a past slot), in a bounded buffer, and feed them to the
//! runner right after its duty starts.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::MachineKey;
use crate::wire::{Role, SignedSsvMessage};

/// At most this many messages are held, across every machine.
pub const EARLY_MESSAGE_LIMIT: usize = 4096;

/// Held messages by machine, slot and arrival order.
#[derive(Debug, Default)]
pub(super) struct EarlyMessages {
    held: BTreeMap<(MachineKey, u64, u64), (Role, Arc<SignedSsvMessage>)>,
    next: u64,
}

impl EarlyMessages {
    /// Holds a message for `key`'s duty at `slot`; `false` when the buffer is
    /// full (the message is dropped, as before).
    pub(super) fn hold(
        &mut self,
        key: MachineKey,
        slot: u64,
        role: Role,
        message: Arc<SignedSsvMessage>,
    ) -> bool {
        if self.held.len() >= EARLY_MESSAGE_LIMIT {
            return false;
        }
        self.held.insert((key, slot, self.next), (role, message));
        self.next += 1;
        true
    }

    /// Takes every message held for `key` at `slot`, in arrival order.
    pub(super) fn take(
        &mut self,
        key: MachineKey,
        slot: u64,
    ) -> Vec<(Role, Arc<SignedSsvMessage>)> {
        let keys: Vec<_> = self
            .held
            .range((key, slot, 0)..=(key, slot, u64::MAX))
            .map(|(k, _)| *k)
            .collect();
        keys.iter().filter_map(|k| self.held.remove(k)).collect()
    }

    /// Forgets messages of slots before `slot`: their duties will not start.
    pub(super) fn prune_before(&mut self, slot: u64) {
        self.held.retain(|(_, s, _), _| *s >= slot);
    }

    /// Messages held now.
    pub(super) fn len(&self) -> usize {
        self.held.len()
    }
}
