//! The spec's runner test environment (ssv-spec `types/testingutils`), rebuilt:
//! the chain parameters, the value checks, the mock beacon node's answers, the
//! key manager and aggregator selection.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use blst::min_pk::SecretKey;
use qbft_core::External;
use ssv_protocol::beacon::altair::SyncCommitteeContribution;
use ssv_protocol::beacon::consensus_data::{DataVersion, ProposerConsensusData};
use ssv_protocol::beacon::phase0::{AttestationData, Checkpoint};
use ssv_protocol::beacon::proposer_data::block_data;
use ssv_protocol::beacon::signed::{fixed, root};
use ssv_protocol::beacon::{electra, phase0};
use ssv_protocol::consensus::{SsvQbft, ValueCheck};
use ssv_protocol::duty::value_check::{self, SlashingCheck};
use ssv_protocol::runner::chain::{ChainSpec, Fork};
use ssv_protocol::runner::duty::CommitteeDuty;
use ssv_protocol::runner::io::{FetchedBlock, Request, Response};
use ssv_protocol::runner::{AggregatorSelection, Setup, ValueChecks};
use ssv_protocol::wire::Share;
use ssz::{Decode, Encode};

use super::harness::instance_config;
use super::json::Shape;
use super::keys::KeySet;

/// `TestingBlockRoot`.
pub const BLOCK_ROOT: [u8; 32] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1,
    2,
];
/// `TestingDutySlot`.
pub const DUTY_SLOT: u64 = 12;
/// The spec's test network genesis (`now_test_network`).
pub const GENESIS: u64 = 1_616_508_000;
/// The epoch the proposer check takes as current: 2026-01-01 on the test
/// network (the spec reads the wall clock; every fixture slot is far below it).
pub const CURRENT_EPOCH: u64 = (1_767_225_600 - GENESIS) / 384;

/// The test chain: the spec's fork epochs, and domains from a zero fork version
/// and a zero validators root (the mock's `DomainData`).
pub fn chain() -> ChainSpec {
    let fork = |epoch, version| Fork {
        epoch,
        version,
        fork_version: [0; 4],
    };
    ChainSpec {
        sync_subcommittee_size: ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
        genesis_time: GENESIS,
        seconds_per_slot: 12,
        slots_per_epoch: 32,
        genesis_validators_root: [0; 32],
        forks: vec![
            fork(0, DataVersion::Phase0),
            fork(74_240, DataVersion::Altair),
            fork(144_896, DataVersion::Bellatrix),
            fork(162_304, DataVersion::Capella),
            fork(231_680, DataVersion::Deneb),
            fork(232_000, DataVersion::Electra),
            fork(242_000, DataVersion::Fulu),
        ],
    }
}

/// Share keys marked slashable at slots (`DecidedSlashable`).
pub type Marks = Arc<Mutex<BTreeSet<([u8; 48], u64)>>>;

struct MarkedSlots(BTreeSet<([u8; 48], u64)>);

impl SlashingCheck for MarkedSlots {
    fn attestation_slashable(&self, share_pk: &[u8], data: &AttestationData) -> bool {
        self.0
            .iter()
            .any(|(pk, slot)| pk[..] == *share_pk && *slot == data.slot)
    }
}

/// The spec's test value checks.
pub struct TestChecks {
    /// Slashable marks.
    pub marks: Marks,
    /// The validator key the proposer check expects.
    pub validator_pk: [u8; 48],
}

impl ValueChecks for TestChecks {
    fn committee(&self, _duty: &CommitteeDuty, shares: &[&Share]) -> ValueCheck {
        let marks = Arc::clone(&self.marks);
        let pks: Vec<[u8; 48]> = shares.iter().map(|s| s.share_pubkey).collect();
        Arc::new(move |v: &[u8]| {
            let marked = MarkedSlots(marks.lock().map(|m| m.clone()).unwrap_or_default());
            let refs: Vec<&[u8]> = pks.iter().map(|p| &p[..]).collect();
            value_check::beacon_vote(v, DUTY_SLOT, &refs, 0, 1, &marked)
                .map(|_| ())
                .map_err(External::new)
        })
    }

    fn proposer(&self, _share: &Share) -> ValueCheck {
        let pk = self.validator_pk;
        Arc::new(move |v: &[u8]| {
            value_check::proposer(v, CURRENT_EPOCH, 32, &pk, 1)
                .map(|_| ())
                .map_err(External::new)
        })
    }

    fn aggregator_committee(&self) -> ValueCheck {
        ssv_protocol::node::checks::aggregator_committee_check()
    }
}

/// The mock's selection: committees listed in `BeaconAggregators` answer their
/// value, others are selected. Sync proofs: with `ProofRootsMap` set, a proof is
/// selected when the map says so (an absent proof is not); with it empty, every
/// proof is selected.
#[derive(Default)]
pub struct TestSelection {
    /// `BeaconAggregators` → `BeaconAggregatorsValues`, by committee index.
    pub committees: BTreeMap<u64, bool>,
    /// `ProofRootsMap`, by the selection proof's bytes.
    pub sync_proofs: BTreeMap<Vec<u8>, bool>,
}

impl AggregatorSelection for TestSelection {
    fn is_aggregator(&self, _slot: u64, committee: u64, _len: u64, _proof: &[u8; 96]) -> bool {
        self.committees.get(&committee).copied().unwrap_or(true)
    }

    fn is_sync_aggregator(&self, proof: &[u8; 96]) -> bool {
        if self.sync_proofs.is_empty() {
            return true;
        }
        self.sync_proofs.get(&proof[..]).copied().unwrap_or(false)
    }
}

/// The runner setup of operator 1 in the key set's committee.
pub fn setup(keys: &KeySet, checks: TestChecks, selection: TestSelection) -> Result<Setup, Shape> {
    let members: Vec<u64> = keys.public.keys().copied().collect();
    let noop: ValueCheck = Arc::new(|_: &[u8]| Ok(()));
    Ok(Setup {
        operator_id: 1,
        network_domain: [0, 0, 3, 1],
        chain: Arc::new(chain()),
        qbft: SsvQbft::new(keys.public.clone(), noop).with_proposer(Arc::new(|_, _| 1)),
        instance: instance_config(&members)?,
        max_instances: usize::MAX,
        pending_limit: 0,
        value_checks: Arc::new(checks),
        selection: Arc::new(selection),
        gas_limit: 30_000_000,
        verify_signatures: true,
    })
}

fn testing_attestation_data(version: DataVersion, slot: u64) -> AttestationData {
    AttestationData {
        slot,
        index: if version >= DataVersion::Electra {
            0
        } else {
            3
        },
        beacon_block_root: root(&BLOCK_ROOT),
        source: Checkpoint {
            epoch: 0,
            root: root(&BLOCK_ROOT),
        },
        target: Checkpoint {
            epoch: 1,
            root: root(&BLOCK_ROOT),
        },
    }
}

/// The mock beacon node and key manager answering a request.
pub struct Answerer {
    /// Share secrets by share public key.
    pub secrets: BTreeMap<[u8; 48], SecretKey>,
    /// Full blocks by version, taken from the vectors' proposals.
    pub blocks: BTreeMap<u64, Vec<u8>>,
    /// Share keys without a secret we were asked to sign with.
    pub unknown_keys: BTreeSet<[u8; 48]>,
}

impl Answerer {
    /// The answer the spec's mocks give.
    pub fn answer(&mut self, request: &Request) -> Response {
        let chain = chain();
        match request {
            Request::AttestationData { slot } => {
                let version = chain.data_version(chain.epoch(*slot));
                Response::AttestationData(testing_attestation_data(version, *slot))
            }
            Request::Block { slot, .. } => {
                let version = chain.data_version(chain.epoch(*slot));
                match self.blocks.get(&version.to_u64()) {
                    Some(ssz) => Response::Block(FetchedBlock {
                        version,
                        blinded: false,
                        ssz: ssz.clone(),
                    }),
                    None => Response::Failed(format!("no fixture block for {version:?}")),
                }
            }
            Request::Aggregation(needs) => match aggregation(&chain, needs.slot) {
                Ok(att) => Response::Aggregation {
                    attestations: needs
                        .committee_indexes
                        .iter()
                        .map(|c| (*c, att.clone()))
                        .collect(),
                    contributions: (0..3)
                        .map(|k| SyncCommitteeContribution {
                            slot: DUTY_SLOT,
                            beacon_block_root: root(&BLOCK_ROOT),
                            subcommittee_index: k,
                            aggregation_bits: ssz_types::BitVector::new(),
                            signature: fixed(&[0; 96]),
                        })
                        .collect(),
                },
                Err(e) => Response::Failed(e),
            },
            Request::RecordSlashing(_) => Response::Recorded,
            Request::Sign(items) => Response::Signatures(
                items
                    .iter()
                    .map(|i| match self.secrets.get(&i.share_pubkey) {
                        Some(sk) => ssv_protocol::threshold::sign(sk, &i.signing_root).to_bytes(),
                        None => {
                            self.unknown_keys.insert(i.share_pubkey);
                            [0; 96]
                        }
                    })
                    .collect(),
            ),
        }
    }
}

/// The mock's aggregate attestation: empty 128-bit aggregation bits, a zero
/// signature, and the testing attestation data of phase0 (slot 12) or Electra.
fn aggregation(chain: &ChainSpec, slot: u64) -> Result<Vec<u8>, String> {
    let version = chain.data_version(chain.epoch(slot));
    let bits = ssz_types::BitList::with_capacity(128).map_err(|e| format!("{e:?}"))?;
    Ok(if version >= DataVersion::Electra {
        electra::Attestation {
            aggregation_bits: ssz_types::BitList::with_capacity(128)
                .map_err(|e| format!("{e:?}"))?,
            data: testing_attestation_data(DataVersion::Electra, 7_424_012),
            signature: fixed(&[0; 96]),
            committee_bits: ssz_types::BitVector::new(),
        }
        .as_ssz_bytes()
    } else {
        phase0::Attestation {
            aggregation_bits: bits,
            data: testing_attestation_data(DataVersion::Phase0, DUTY_SLOT),
            signature: fixed(&[0; 96]),
        }
        .as_ssz_bytes()
    })
}

/// Full (not blinded) proposal blocks found in proposals' full data, by version.
pub fn fixture_blocks(full_data: impl Iterator<Item = Vec<u8>>) -> BTreeMap<u64, Vec<u8>> {
    let mut out = BTreeMap::new();
    for fd in full_data {
        let Ok(cd) = ProposerConsensusData::from_ssz_bytes(&fd) else {
            continue;
        };
        if block_data(&cd).is_ok_and(|b| !b.is_blinded()) {
            out.entry(cd.version)
                .or_insert_with(|| cd.data_ssz.to_vec());
        }
    }
    out
}
