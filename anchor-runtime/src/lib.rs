//! # anchor-runtime
//!
//! The operator node's shell around the pure machines of `ssv-protocol`: the
//! [`driver`] that owns the `Node` machine and carries out its outputs over
//! libp2p ([`p2p`]) and the Beacon API ([`beacon`]); the execution-layer sync
//! ([`eth`]) that feeds the contract's logs to the registry machine and stores
//! its changes ([`store`], SQLite); operator keys and key shares ([`keys`]);
//! the HTTP API and metrics ([`api`]); network presets ([`network`]); and dev
//! tooling for tests and the devnet ([`devnet`]).
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
pub mod trace;
