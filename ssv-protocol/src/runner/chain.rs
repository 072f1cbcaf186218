//! The beacon chain's parameters a runner needs: slots and epochs, the fork
//! schedule (which data version and fork version hold at an epoch) and signing
//! domains. Time is an input: the current slot is computed from a timestamp the
//! caller passes.

use crate::beacon::consensus_data::DataVersion;
use crate::signing::compute_domain;

/// A beacon-chain signing domain type (consensus-specs `DOMAIN_*`).
pub type DomainType = [u8; 4];

/// `DOMAIN_BEACON_PROPOSER`.
pub const DOMAIN_PROPOSER: DomainType = [0, 0, 0, 0];
/// `DOMAIN_BEACON_ATTESTER`.
pub const DOMAIN_ATTESTER: DomainType = [1, 0, 0, 0];
/// `DOMAIN_RANDAO`.
pub const DOMAIN_RANDAO: DomainType = [2, 0, 0, 0];
/// `DOMAIN_VOLUNTARY_EXIT`.
pub const DOMAIN_VOLUNTARY_EXIT: DomainType = [4, 0, 0, 0];
/// `DOMAIN_SELECTION_PROOF`.
pub const DOMAIN_SELECTION_PROOF: DomainType = [5, 0, 0, 0];
/// `DOMAIN_AGGREGATE_AND_PROOF`.
pub const DOMAIN_AGGREGATE_AND_PROOF: DomainType = [6, 0, 0, 0];
/// `DOMAIN_SYNC_COMMITTEE`.
pub const DOMAIN_SYNC_COMMITTEE: DomainType = [7, 0, 0, 0];
/// `DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF`.
pub const DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF: DomainType = [8, 0, 0, 0];
/// `DOMAIN_CONTRIBUTION_AND_PROOF`.
pub const DOMAIN_CONTRIBUTION_AND_PROOF: DomainType = [9, 0, 0, 0];
/// `DOMAIN_APPLICATION_BUILDER` (builder API registrations).
pub const DOMAIN_APPLICATION_BUILDER: DomainType = [0, 0, 0, 1];

/// `SYNC_COMMITTEE_SIZE` (mainnet preset).
pub const SYNC_COMMITTEE_SIZE: u64 = 512;
/// `SYNC_COMMITTEE_SUBNET_COUNT`.
pub const SYNC_COMMITTEE_SUBNET_COUNT: u64 = 4;
/// Members of a sync subcommittee on mainnet's preset
/// (`SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT`).
pub const SYNC_SUBCOMMITTEE_SIZE: u64 = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;
/// `TARGET_AGGREGATORS_PER_COMMITTEE`.
pub const TARGET_AGGREGATORS_PER_COMMITTEE: u64 = 16;
/// `TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE`.
pub const TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE: u64 = 16;

/// One entry of the fork schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fork {
    /// The first epoch of the fork.
    pub epoch: u64,
    /// The beacon data version from that epoch.
    pub version: DataVersion,
    /// The fork version signed over in domains from that epoch.
    pub fork_version: [u8; 4],
}

/// A beacon chain's parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSpec {
    /// Unix seconds of slot 0.
    pub genesis_time: u64,
    /// Seconds per slot.
    pub seconds_per_slot: u64,
    /// Slots per epoch.
    pub slots_per_epoch: u64,
    /// `genesis_validators_root`.
    pub genesis_validators_root: [u8; 32],
    /// The fork schedule, in ascending epochs; the first entry starts at 0.
    pub forks: Vec<Fork>,
    /// Members of a sync subcommittee: [`SYNC_SUBCOMMITTEE_SIZE`] on mainnet's
    /// preset, 8 on the minimal preset of local dev chains. It maps a sync
    /// committee seat to its subnet. (Aggregator selection keeps mainnet's
    /// modulus: on a smaller preset its aggregators are a subset of the chain's.)
    pub sync_subcommittee_size: u64,
}

impl ChainSpec {
    /// The epoch of `slot`.
    pub fn epoch(&self, slot: u64) -> u64 {
        slot / self.slots_per_epoch.max(1)
    }

    /// The first slot of `epoch`.
    pub fn epoch_start_slot(&self, epoch: u64) -> u64 {
        epoch.saturating_mul(self.slots_per_epoch)
    }

    /// Unix seconds at the start of `slot`.
    pub fn slot_start_time(&self, slot: u64) -> u64 {
        self.genesis_time
            .saturating_add(slot.saturating_mul(self.seconds_per_slot))
    }

    /// Unix seconds at the start of `epoch` (ssv-spec `EpochStartTime`).
    pub fn epoch_start_time(&self, epoch: u64) -> u64 {
        self.slot_start_time(self.epoch_start_slot(epoch))
    }

    /// The slot current at `now_ms` (milliseconds since the Unix epoch); 0 before
    /// genesis.
    pub fn slot_at(&self, now_ms: u64) -> u64 {
        let since = (now_ms / 1000).saturating_sub(self.genesis_time);
        since / self.seconds_per_slot.max(1)
    }

    fn fork_at(&self, epoch: u64) -> Option<&Fork> {
        self.forks.iter().rev().find(|f| f.epoch <= epoch)
    }

    /// The data version at `epoch`.
    pub fn data_version(&self, epoch: u64) -> DataVersion {
        self.fork_at(epoch)
            .map(|f| f.version)
            .unwrap_or(DataVersion::Phase0)
    }

    /// The signing domain of `domain_type` at `epoch`. Builder registrations use
    /// the genesis fork version and a zero validators root, as the builder API
    /// specifies.
    pub fn domain(&self, domain_type: DomainType, epoch: u64) -> [u8; 32] {
        if domain_type == DOMAIN_APPLICATION_BUILDER {
            let genesis = self
                .forks
                .first()
                .map(|f| f.fork_version)
                .unwrap_or_default();
            return compute_domain(domain_type, genesis, [0; 32]);
        }
        let fork_version = self
            .fork_at(epoch)
            .map(|f| f.fork_version)
            .unwrap_or_default();
        compute_domain(domain_type, fork_version, self.genesis_validators_root)
    }

    /// The sync-committee subnet of a validator's position in the sync committee.
    pub fn sync_subnet(&self, position: u64) -> u64 {
        position / self.sync_subcommittee_size.max(1)
    }
}
