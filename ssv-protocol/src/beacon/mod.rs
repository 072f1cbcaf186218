//! Beacon-chain containers (consensus-specs, mainnet preset) with SSZ encoding and
//! hash-tree-roots derived by `ethereum_ssz` and `tree_hash`: what the proposer
//! and aggregator consensus data carry.

pub mod aggregator_data;
pub mod altair;
pub mod capella;
pub mod consensus_data;
pub mod contributions;
pub mod deneb;
pub mod electra;
pub mod phase0;
pub mod proposer_data;
pub mod signed;
