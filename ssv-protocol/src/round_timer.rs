//! SSV's QBFT round timeouts (ssv `roundtimer`): anchored at slot start for the
//! committee (after 1/3 of the slot) and for aggregation and sync contributions
//! (after 2/3), then 2 s per round up to round 8 and 2 min per round after; other
//! roles time out 2 s (then 2 min) after each round starts.

use qbft_core::{Height, Round, Timestamp};

use crate::wire::Role;

/// Rounds up to this one are quick.
pub const QUICK_ROUNDS: Round = 8;
/// A quick round, in milliseconds.
pub const QUICK_MS: u64 = 2_000;
/// A slow round, in milliseconds.
pub const SLOW_MS: u64 = 120_000;

/// The round-timeout schedule of one duty role.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RoundTimeouts {
    /// The role whose instances are timed.
    pub role: Role,
    /// Genesis, in the time base of the instances (Unix milliseconds).
    pub genesis_ms: u64,
    /// Slot length in milliseconds.
    pub slot_ms: u64,
}

/// The time rounds 1 to `round` take together, from the anchor.
fn elapsed_through(round: Round) -> u64 {
    if round <= QUICK_ROUNDS {
        QUICK_MS.saturating_mul(round)
    } else {
        (QUICK_MS * QUICK_ROUNDS).saturating_add(SLOW_MS.saturating_mul(round - QUICK_ROUNDS))
    }
}

impl RoundTimeouts {
    /// When `round` of the instance at `height` (a slot) times out, given that
    /// the round started at `now`.
    pub fn deadline(&self, height: Height, round: Round, now: Timestamp) -> Timestamp {
        let base = match self.role {
            Role::Committee => Some(self.slot_ms / 3),
            Role::Aggregator | Role::SyncCommitteeContribution | Role::AggregatorCommittee => {
                Some(self.slot_ms * 2 / 3)
            }
            _ => None,
        };
        match base {
            Some(base) => {
                let slot_start = self
                    .genesis_ms
                    .saturating_add(height.saturating_mul(self.slot_ms));
                Timestamp(
                    slot_start
                        .saturating_add(base)
                        .saturating_add(elapsed_through(round)),
                )
            }
            None => now.plus_millis(if round <= QUICK_ROUNDS {
                QUICK_MS
            } else {
                SLOW_MS
            }),
        }
    }
}
