//! The beacon node side of the runtime: the standard Beacon API over HTTP
//! (reqwest), with several endpoints and fallback.

pub mod aggregation;
mod chain;
mod client;
pub mod duties;
pub mod submit;

pub use chain::{attestation_data_from, chain_spec_from, validators_from};
pub use client::{split_events, BeaconClient, BeaconError, Genesis};
