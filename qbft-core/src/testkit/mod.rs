//! Test support, behind the `testkit` feature: a deterministic test embedding and
//! a seeded network simulator with Byzantine operators. Used by this crate's
//! tests and benchmarks, and by anyone testing code that embeds QBFT.

// Test support: the simulator indexes its node tables by positions it created
// itself, which are always in bounds.
#![allow(clippy::indexing_slicing)]

mod context;
mod rng;
mod sim;

pub use context::{
    digest, message, sign, tag, RefusedValue, TestContext, TestMessage, INVALID_VALUE,
};
pub use rng::{mix, SimRng};
pub use sim::{Behaviour, NetConfig, Sim, SimConfig, SimReport, Violation};
