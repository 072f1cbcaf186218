//! # anchor-runtime
//!
//! The operator node's shell around the pure machines of `ssv-protocol`: the
//! execution-layer sync ([`eth`]) that feeds the contract's logs to the registry
//! machine and stores its changes ([`store`], SQLite), operator keys and key
//! shares ([`keys`]), and the network presets ([`network`]).
//!
//! No protocol decision is made here: which events apply, and how, is decided
//! by `ssv_protocol::contract::RegistryMachine`; this crate carries out IO.

pub mod api;
pub mod beacon;
pub mod devnet;
pub mod driver;
pub mod dump;
pub mod eth;
pub mod json_path;
pub mod keys;
pub mod lock;
pub mod metrics_catalog;
pub mod network;
pub mod p2p;
pub mod store;
