//! Execution-layer sync: the SSV contract's events from one of several
//! execution nodes into the store, through the pure registry machine of
//! `ssv_protocol::contract`.

mod client;
mod sync;

pub use client::{redact, EthError, ExecutionClient};
pub use sync::{EventSyncer, SyncConfig, SyncError, SyncStatus, MAX_BATCH};
