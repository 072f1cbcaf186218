//! What the machine fuzz targets share: value checks that pass everything (so
//! fuzzed consensus can reach the later phases), one 4-operator share of
//! validator 1, and the runner setup of operator 1 (signatures not verified).

use std::collections::BTreeMap;
use std::sync::Arc;

use qbft_core::{Committee, InstanceConfig};
use ssv_protocol::beacon::consensus_data::DataVersion;
use ssv_protocol::consensus::{SsvQbft, ValueCheck};
use ssv_protocol::runner::chain::{ChainSpec, Fork};
use ssv_protocol::runner::duty::CommitteeDuty;
use ssv_protocol::runner::{Setup, SpecSelection, ValueChecks};
use ssv_protocol::wire::{Share, ShareMember};

/// Every value passes.
pub struct Checks;

impl ValueChecks for Checks {
    fn committee(&self, _: &CommitteeDuty, _: &[&Share]) -> ValueCheck {
        Arc::new(|_: &[u8]| Ok(()))
    }
    fn proposer(&self, _: &Share) -> ValueCheck {
        Arc::new(|_: &[u8]| Ok(()))
    }
    fn aggregator_committee(&self) -> ValueCheck {
        Arc::new(|_: &[u8]| Ok(()))
    }
}

/// Operator 1's share of validator 1 (public key `0xAA…`), committee 1 to 4.
pub fn share() -> Share {
    let members: Vec<ShareMember> =
        (1..=4).map(|i| ShareMember { share_pubkey: [i as u8; 48], signer: i }).collect();
    Share {
        validator_index: 1,
        validator_pubkey: [0xAA; 48],
        share_pubkey: [1; 48],
        committee: members,
        domain_type: [0, 0, 5, 2],
        fee_recipient: [0; 20],
        graffiti: [0; 32],
    }
}

/// Operator 1's runner setup on an Electra chain of 12 s slots.
pub fn setup() -> Setup {
    Setup {
        operator_id: 1,
        network_domain: [0, 0, 5, 2],
        chain: Arc::new(ChainSpec {
            sync_subcommittee_size: ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
            genesis_time: 0,
            seconds_per_slot: 12,
            slots_per_epoch: 32,
            genesis_validators_root: [0; 32],
            forks: vec![Fork { epoch: 0, version: DataVersion::Electra, fork_version: [0; 4] }],
        }),
        qbft: SsvQbft::new(BTreeMap::new(), Arc::new(|_: &[u8]| Ok(()))),
        instance: InstanceConfig {
            self_id: 1,
            committee: Committee::new([1, 2, 3, 4]).unwrap(),
            cut_off_round: 12,
        },
        max_instances: 4,
        pending_limit: 16,
        value_checks: Arc::new(Checks),
        selection: Arc::new(SpecSelection),
        gas_limit: 30_000_000,
        verify_signatures: false,
    }
}
