//! A simulated beacon chain and the operators' key stores: deterministic duties,
//! attestation data, blinded blocks and aggregates; head events with dependent
//! roots (and one scripted reorg); per-operator slashing protection and share
//! signing. Everything is a function of the slot and the seed.

use std::collections::BTreeMap;

use blst::min_pk::SecretKey;
use sha2::{Digest, Sha256};
use ssv_protocol::beacon::altair::SyncCommitteeContribution;
use ssv_protocol::beacon::capella::{Eth1Data, SyncAggregate};
use ssv_protocol::beacon::consensus_data::DataVersion;
use ssv_protocol::beacon::deneb::{
    BlindedBeaconBlock, BlindedBeaconBlockBody, ExecutionPayloadHeader,
};
use ssv_protocol::beacon::phase0::{Attestation, AttestationData, Checkpoint};
use ssv_protocol::beacon::signed::{bls_signature, fixed, root};
use ssv_protocol::node::{NodeRequest, NodeResponse};
use ssv_protocol::operator_key::OperatorSigner;
use ssv_protocol::runner::chain::ChainSpec;
use ssv_protocol::runner::io::{FetchedBlock, Request, Response, SlashingRecord};
use ssv_protocol::scheduler::{
    AttesterDuty, DutiesRequest, DutiesResponse, HeadEvent, ProposerDuty, SyncDuty,
};
use ssv_protocol::threshold::sign;
use ssz::Encode;

/// Size of every simulated attestation committee: with fewer than 16 members
/// every selection proof selects, so each attester also aggregates.
pub const COMMITTEE_LENGTH: u64 = 8;

/// The first validator index: validators are `FIRST_INDEX..FIRST_INDEX + V`, so
/// their registration slots (index mod 80 with 8-slot epochs) fall in the run.
pub const FIRST_INDEX: u64 = 10;

/// SHA-256 of a label and a number, as a 32-byte root.
pub fn h(label: &str, n: u64) -> [u8; 32] {
    let mut d = Sha256::new();
    d.update(label.as_bytes());
    d.update(n.to_le_bytes());
    d.finalize().into()
}

/// The simulated chain.
pub struct SimBeacon {
    /// The chain's parameters.
    pub chain: ChainSpec,
    /// How many validators are ours (from [`FIRST_INDEX`]).
    pub validators: u64,
    /// From this slot on, attester duties of its epoch depend on a different
    /// root (a reorg the nodes must notice and refetch after).
    pub reorg_slot: u64,
}

impl SimBeacon {
    fn epoch(&self, slot: u64) -> u64 {
        self.chain.epoch(slot)
    }

    /// The root attester duties of `epoch` depend on, as of `slot`.
    fn attester_root(&self, epoch: u64, slot: u64) -> [u8; 32] {
        let reorged = slot >= self.reorg_slot && epoch == self.epoch(self.reorg_slot);
        h(if reorged { "reorged" } else { "dependent" }, epoch)
    }

    /// The head event of `slot`.
    pub fn head(&self, slot: u64) -> HeadEvent {
        let e = self.epoch(slot);
        HeadEvent {
            slot,
            block_root: h("block", slot),
            previous_duty_dependent_root: self.attester_root(e, slot),
            current_duty_dependent_root: self.attester_root(e + 1, slot),
        }
    }

    /// Validator `i`'s attester duty in `epoch`.
    pub fn attester(&self, i: u64, epoch: u64) -> AttesterDuty {
        let spe = self.chain.slots_per_epoch;
        AttesterDuty {
            validator_index: i,
            slot: epoch * spe + (i * 3 + epoch) % spe,
            committee_index: i % 4,
            committee_length: COMMITTEE_LENGTH,
            committees_at_slot: 4,
            validator_committee_index: i % COMMITTEE_LENGTH,
        }
    }

    /// Who proposes at `slot`: one of ours every fourth slot, others otherwise.
    pub fn proposer(&self, slot: u64) -> u64 {
        if slot % 4 == 2 {
            FIRST_INDEX + (slot / 4) % self.validators
        } else {
            1_000 + slot
        }
    }

    /// The first two validators sit in the sync committee, on subnets 0 and 1.
    pub fn sync_positions(&self, i: u64) -> Option<Vec<u64>> {
        match i.checked_sub(FIRST_INDEX) {
            Some(0) => Some(vec![5]),
            Some(1) => Some(vec![200]),
            _ => None,
        }
    }

    /// The attestation data of `slot` for committee `index`.
    pub fn attestation_data(&self, slot: u64, index: u64) -> AttestationData {
        let e = self.epoch(slot);
        AttestationData {
            slot,
            index,
            beacon_block_root: root(&h("block", slot)),
            source: Checkpoint {
                epoch: e.saturating_sub(1),
                root: root(&h("checkpoint", e.saturating_sub(1))),
            },
            target: Checkpoint {
                epoch: e,
                root: root(&h("checkpoint", e)),
            },
        }
    }

    fn block(&self, slot: u64, randao: &[u8; 96], graffiti: &[u8; 32]) -> Vec<u8> {
        let header = ExecutionPayloadHeader {
            parent_hash: root(&h("payload", slot.saturating_sub(1))),
            fee_recipient: fixed(&[0; 20]),
            state_root: root(&h("state", slot)),
            receipts_root: root(&[0; 32]),
            logs_bloom: fixed(&[0; 256]),
            prev_randao: root(&h("randao", slot)),
            block_number: slot,
            gas_limit: 30_000_000,
            gas_used: 0,
            timestamp: self.chain.slot_start_time(slot),
            extra_data: Default::default(),
            base_fee_per_gas: fixed(&[0; 32]),
            block_hash: root(&h("payload", slot)),
            transactions_root: root(&[0; 32]),
            withdrawals_root: root(&[0; 32]),
            blob_gas_used: 0,
            excess_blob_gas: 0,
        };
        BlindedBeaconBlock {
            slot,
            proposer_index: self.proposer(slot),
            parent_root: root(&h("block", slot.saturating_sub(1))),
            state_root: root(&h("state", slot)),
            body: BlindedBeaconBlockBody {
                randao_reveal: bls_signature(randao),
                eth1_data: Eth1Data {
                    deposit_root: root(&[0; 32]),
                    deposit_count: 0,
                    block_hash: root(&[0; 32]),
                },
                graffiti: root(graffiti),
                proposer_slashings: Default::default(),
                attester_slashings: Default::default(),
                attestations: Default::default(),
                deposits: Default::default(),
                voluntary_exits: Default::default(),
                sync_aggregate: SyncAggregate {
                    sync_committee_bits: Default::default(),
                    sync_committee_signature: bls_signature(&[0; 96]),
                },
                execution_payload_header: header,
                bls_to_execution_changes: Default::default(),
                blob_kzg_commitments: Default::default(),
            },
        }
        .as_ssz_bytes()
    }

    fn aggregate(&self, slot: u64, index: u64) -> Vec<u8> {
        let mut bits = ssz_types::BitList::with_capacity(COMMITTEE_LENGTH as usize)
            .expect("8 bits fit a 2048-bit list");
        for b in 0..COMMITTEE_LENGTH as usize {
            let _ = bits.set(b, b % 2 == 0);
        }
        Attestation {
            aggregation_bits: bits,
            data: self.attestation_data(slot, index),
            signature: bls_signature(&[0xaa; 96]),
        }
        .as_ssz_bytes()
    }

    fn contribution(&self, slot: u64, subnet: u64) -> SyncCommitteeContribution {
        let mut bits = ssz_types::BitVector::new();
        let _ = bits.set(subnet as usize, true);
        SyncCommitteeContribution {
            slot,
            beacon_block_root: root(&h("block", slot)),
            subcommittee_index: subnet,
            aggregation_bits: bits,
            signature: bls_signature(&[0xbb; 96]),
        }
    }

    /// The answer to a duties fetch made at `slot`.
    pub fn duties(&self, req: &DutiesRequest, slot: u64) -> DutiesResponse {
        match req {
            DutiesRequest::Attester { epoch, indices } => DutiesResponse::Attester {
                dependent_root: self.attester_root(*epoch, slot),
                duties: indices.iter().map(|i| self.attester(*i, *epoch)).collect(),
            },
            DutiesRequest::Proposer { epoch } => {
                let spe = self.chain.slots_per_epoch;
                DutiesResponse::Proposer {
                    dependent_root: self.attester_root(epoch + 1, slot),
                    duties: (epoch * spe..(epoch + 1) * spe)
                        .map(|s| ProposerDuty {
                            validator_index: self.proposer(s),
                            slot: s,
                        })
                        .collect(),
                }
            }
            DutiesRequest::Sync { indices, .. } => DutiesResponse::Sync {
                duties: indices
                    .iter()
                    .filter_map(|i| {
                        Some(SyncDuty {
                            validator_index: *i,
                            validator_sync_committee_indices: self.sync_positions(*i)?,
                        })
                    })
                    .collect(),
            },
        }
    }

    /// The beacon node's answer to a runner's data request.
    pub fn beacon(&self, req: &Request) -> Option<Response> {
        Some(match req {
            Request::AttestationData { slot } => {
                Response::AttestationData(self.attestation_data(*slot, 0))
            }
            Request::Block {
                slot,
                randao_reveal,
                graffiti,
            } => Response::Block(FetchedBlock {
                version: DataVersion::Deneb,
                blinded: true,
                ssz: self.block(*slot, randao_reveal, graffiti),
            }),
            Request::Aggregation(needs) => Response::Aggregation {
                attestations: needs
                    .committee_indexes
                    .iter()
                    .map(|c| (*c, self.aggregate(needs.slot, *c)))
                    .collect(),
                contributions: needs
                    .sync_subnets
                    .iter()
                    .map(|s| self.contribution(needs.slot, *s))
                    .collect(),
            },
            _ => return None,
        })
    }
}

/// One operator's keys and slashing-protection records.
pub struct Operator {
    /// The operator key.
    pub signer: OperatorSigner,
    /// Our share secret keys, by share public key.
    pub shares: BTreeMap<[u8; 48], SecretKey>,
    /// Highest attested target per share, with its signing root.
    attested: BTreeMap<[u8; 48], (u64, [u8; 32])>,
    /// Proposed slot per share, with its signing root.
    proposed: BTreeMap<([u8; 48], u64), [u8; 32]>,
    /// Records refused as slashable.
    pub refused: u64,
}

impl Operator {
    /// An operator with these keys and no records.
    pub fn new(signer: OperatorSigner, shares: BTreeMap<[u8; 48], SecretKey>) -> Self {
        Operator {
            signer,
            shares,
            attested: BTreeMap::new(),
            proposed: BTreeMap::new(),
            refused: 0,
        }
    }

    /// Makes records durable unless one is slashable (a lower or equal target
    /// with another root; a second block at a slot).
    fn record(&mut self, records: &[SlashingRecord]) -> Response {
        for r in records {
            let slashable = match r {
                SlashingRecord::Attestation {
                    share_pubkey,
                    target_epoch,
                    signing_root,
                    ..
                } => self.attested.get(share_pubkey).is_some_and(|(t, root)| {
                    *t > *target_epoch || (*t == *target_epoch && root != signing_root)
                }),
                SlashingRecord::Proposal {
                    share_pubkey,
                    slot,
                    signing_root,
                } => self
                    .proposed
                    .get(&(*share_pubkey, *slot))
                    .is_some_and(|root| root != signing_root),
            };
            if slashable {
                self.refused += 1;
                return Response::Slashable;
            }
        }
        for r in records {
            match r {
                SlashingRecord::Attestation {
                    share_pubkey,
                    target_epoch,
                    signing_root,
                    ..
                } => {
                    self.attested
                        .insert(*share_pubkey, (*target_epoch, *signing_root));
                }
                SlashingRecord::Proposal {
                    share_pubkey,
                    slot,
                    signing_root,
                } => {
                    self.proposed.insert((*share_pubkey, *slot), *signing_root);
                }
            }
        }
        Response::Recorded
    }

    /// Answers a node request that is not the beacon node's to answer.
    pub fn answer(&mut self, req: &NodeRequest) -> Option<NodeResponse> {
        Some(match req {
            NodeRequest::OperatorSign(m) => match self.signer.sign(m) {
                Ok(sig) => NodeResponse::OperatorSignature(sig),
                Err(e) => NodeResponse::Failed(e.to_string()),
            },
            NodeRequest::Runner(Request::RecordSlashing(records)) => {
                NodeResponse::Runner(self.record(records))
            }
            NodeRequest::Runner(Request::Sign(items)) => {
                let mut sigs = Vec::with_capacity(items.len());
                for item in items {
                    match self.shares.get(&item.share_pubkey) {
                        Some(sk) => sigs.push(sign(sk, &item.signing_root).to_bytes()),
                        None => return Some(NodeResponse::Failed("unknown share".into())),
                    }
                }
                NodeResponse::Runner(Response::Signatures(sigs))
            }
            _ => return None,
        })
    }
}
