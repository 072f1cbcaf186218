//! # ssv-protocol
//!
//! The SSV protocol as pure code: the wire types and their SSZ encoding, operator
//! signatures, and SSV's embedding of the `qbft-core` consensus machine. No clock,
//! no randomness, no IO.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod beacon;
pub mod consensus;
pub mod contract;
mod der;
pub mod duty;
pub mod identifiers;
mod interpolation;
pub mod node;
pub mod operator_key;
pub mod roles;
pub mod round_timer;
pub mod runner;
pub mod scheduler;
mod signature_check;
pub mod signing;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod threshold;
pub mod trace;
pub mod validation;
pub mod wire;
