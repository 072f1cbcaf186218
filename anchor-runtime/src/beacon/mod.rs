//! The beacon node side of the runtime: the standard Beacon API over HTTP
//! (reqwest), with several endpoints and fallback.

mod client;
pub mod duties;

pub use client::{split_events, BeaconClient, BeaconError, Genesis};
