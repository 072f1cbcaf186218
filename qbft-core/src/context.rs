//! What the embedder supplies: the value type, the signature check, the value
//! check, the proposer choice and the round-timeout schedule.

use std::fmt::Debug;

use crate::error::External;
use crate::message::SignedMessage;
use crate::types::{round_robin_proposer, Committee, Digest, Height, OperatorId, Round, Timestamp};

/// The embedder's half of the protocol. The machines call it synchronously; it must
/// be deterministic (same answers for the same arguments) for replay to hold.
pub trait Context: Clone + Debug {
    /// The value agreed on (SSV: the consensus data's bytes).
    type Value: Clone + Debug + PartialEq;
    /// Opaque per-message data the embedder needs to re-encode or verify a message
    /// it received, such as the signed wire payload. The machines copy it around
    /// but never look inside.
    type Envelope: Clone + Debug + PartialEq;

    /// The digest that messages carry as `root` for `value` (SSV: SHA-256 of the
    /// bytes).
    fn digest(&self, value: &Self::Value) -> Digest;

    /// Whether `value` may be proposed and decided (ssv-spec `ProposedValueCheckF`).
    fn check_value(&self, value: &Self::Value) -> Result<(), External>;

    /// Whether every signature of `msg` is valid for its signers. The machines ask
    /// this only where the spec verifies: justifications and decided messages.
    /// Top-level messages are expected to be verified before they are fed in.
    fn verify_signatures(&self, msg: &SignedMessage<Self>) -> bool;

    /// Envelope rules beyond the generic ones (SSV: the SSVMessage type and role).
    /// Runs after the signer and signature checks of
    /// [`SignedMessage::validate`].
    fn check_envelope(&self, _msg: &SignedMessage<Self>) -> Result<(), External> {
        Ok(())
    }

    /// The required instance-identifier length, if any (SSV: 56 bytes).
    fn identifier_len(&self) -> Option<usize> {
        None
    }

    /// The leader of `round` at `height`. Defaults to SSV's round robin.
    fn proposer(&self, committee: &Committee, height: Height, round: Round) -> OperatorId {
        round_robin_proposer(committee, height, round)
    }

    /// When the timer of `round`, started at `now`, fires. `None` means never.
    /// Defaults to [`QuickSlowTimeouts::SSV`].
    fn round_deadline(&self, height: Height, round: Round, now: Timestamp) -> Option<Timestamp> {
        QuickSlowTimeouts::SSV.deadline(height, round, now)
    }
}

/// A round-timeout schedule: a quick timeout for the first rounds, then a slow one.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct QuickSlowTimeouts {
    /// Rounds up to and including this one use the quick timeout.
    pub quick_rounds: Round,
    /// The quick timeout, in milliseconds.
    pub quick_ms: u64,
    /// The slow timeout, in milliseconds.
    pub slow_ms: u64,
}

impl QuickSlowTimeouts {
    /// SSV's schedule (ssv-spec `qbft/timeout.go`): 2 s up to round 8, then 2 min.
    pub const SSV: QuickSlowTimeouts = QuickSlowTimeouts {
        quick_rounds: 8,
        quick_ms: 2_000,
        slow_ms: 120_000,
    };

    /// The deadline of `round` when its timer starts at `now`.
    pub fn deadline(&self, _height: Height, round: Round, now: Timestamp) -> Option<Timestamp> {
        let ms = if round <= self.quick_rounds {
            self.quick_ms
        } else {
            self.slow_ms
        };
        Some(now.plus_millis(ms))
    }
}
