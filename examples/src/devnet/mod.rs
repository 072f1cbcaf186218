//! The local devnet on real components: a Lodestar dev chain, anvil with the
//! test SSV contract, and 4 `anchor-runtime node` processes sharing the
//! validators Lodestar does not run. [`setup`] starts it, [`watch`] follows
//! it, [`inclusion`] reads back from the beacon chain what was included and
//! [`latency`] turns the nodes' metrics into QBFT figures.

pub mod inclusion;
pub mod latency;
pub mod setup;
pub mod watch;

/// Interop validators at genesis.
pub const GENESIS_VALIDATORS: u64 = 64;
/// The first this many are ours (split into shares); Lodestar runs the rest.
pub const SHARED_VALIDATORS: u64 = 4;
/// Operators in the cluster.
pub const OPERATORS: u64 = 4;
/// Slot length. Four seconds leave room for one QBFT round change (the
/// first round's timer is 2 s) inside the slot, as 12 s do on mainnet; with
/// 2 s slots every round change after the operator kill would miss the next
/// block's sync aggregate.
pub const SECONDS_PER_SLOT: u64 = 4;
