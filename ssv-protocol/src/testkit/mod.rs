//! The duty-level Byzantine simulator, behind the `testkit` feature.
//!
//! [`DutySim`] runs `n` operators (4 to 7), each a real [`crate::node::Node`]
//! (gossip validation with RSA-signed `SignedSSVMessage`s, the duty scheduler,
//! the committee runner and QBFT), on virtual time, against a simulated beacon
//! chain ([`SimChain`]): one attester duty per slot, real BLS shares (threshold
//! `2f + 1`), real share signing and reconstruction. The network is seeded:
//! delay, loss, reordering, duplication and a partition until GST. Up to `f`
//! operators are Byzantine ([`Behaviour`]): their node is honest inside, and
//! the disrupter turns what it publishes into withheld, mutated, replayed or
//! equivocating copies, signed with the operator's real keys.
//!
//! Checked after every step ([`Violation`]): agreement, validity, no honest
//! operator signing two roots for one validator, domain and epoch (and no
//! slashable record asked), every submission verifying under the validator
//! key and made only after partials from a quorum of distinct signers, and no
//! node panicking; at the end, liveness for every duty after GST.
//!
//! Pure like the rest of the crate: one seed drives everything ([`SimRng`]),
//! maps are ordered, there is no clock. The same config gives the same
//! [`DutySimReport::trace_hash`].
//!
//! ```no_run
//! use ssv_protocol::testkit::{DutySim, DutySimConfig};
//! let cfg = DutySimConfig::random(42, 4);
//! let report = DutySim::new(cfg.clone()).expect("4 operators").run();
//! for v in &report.violations {
//!     println!("{}: {v:?}\n  {}", v.name(), cfg.reproduce_command());
//! }
//! ```

pub mod chain;
mod config;
pub mod disrupter;
mod invariants;
pub mod keys;
mod sim;

pub use chain::SimChain;
pub use config::{Behaviour, DutySimConfig, Hooks, NetConfig};
pub use invariants::{Checker, Decisions, Violation};
pub use qbft_core::testkit::SimRng;
pub use sim::{DutySim, DutySimReport, SimError};
