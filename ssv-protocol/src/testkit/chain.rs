//! The simulated beacon chain: one attester duty per slot, attestation data,
//! head events and the registry (validators split into real BLS shares).

use std::collections::BTreeMap;

use blst::min_pk::SecretKey;
use sha2::{Digest, Sha256};
use ssz::{Decode as _, Encode as _};
use tree_hash::TreeHash as _;

use crate::beacon::consensus_data::DataVersion;
use crate::beacon::phase0::{Attestation, AttestationData, Checkpoint};
use crate::beacon::signed::{root, SignedAggregateAndProof};
use crate::node::{RegisteredValidator, Registry};
use crate::operator_key::OperatorPublicKey;
use crate::runner::chain::{ChainSpec, Fork, DOMAIN_AGGREGATE_AND_PROOF, DOMAIN_ATTESTER};
use crate::runner::io::{Submission, SubmissionKind};
use crate::scheduler::{AttesterDuty, DutiesRequest, DutiesResponse, HeadEvent, ProposerDuty};
use crate::signing::signing_root;
use crate::threshold::{
    interop_secret_key, public_key_from_bytes, signature_from_bytes, split, verify,
};
use crate::wire::{BeaconVote, Share, ShareMember};

/// Slots per epoch of the simulated chain.
pub const SLOTS_PER_EPOCH: u64 = 8;
/// The SSV domain of the simulation.
pub const DOMAIN: [u8; 4] = [0, 0, 5, 2];
/// Validator `FIRST_INDEX + k` attests at the `k`-th slot of each epoch; its
/// registration slot (index mod 80) is never among the simulated slots.
pub const FIRST_INDEX: u64 = 40;

/// SHA-256 of a label and a number.
pub fn h(label: &str, n: u64) -> [u8; 32] {
    let mut d = Sha256::new();
    d.update(label.as_bytes());
    d.update(n.to_le_bytes());
    d.finalize().into()
}

/// The chain's parameters.
pub fn chain_spec() -> ChainSpec {
    ChainSpec {
        sync_subcommittee_size: crate::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
        genesis_time: 1_700_000_000,
        seconds_per_slot: 12,
        slots_per_epoch: SLOTS_PER_EPOCH,
        genesis_validators_root: h("genesis validators root", 0),
        forks: vec![Fork {
            epoch: 0,
            version: DataVersion::Deneb,
            fork_version: [4, 0, 0, 0],
        }],
    }
}

/// The simulated chain and its validators.
pub struct SimChain {
    /// The chain's parameters.
    pub spec: ChainSpec,
    /// Validator public keys by index.
    pub validators: BTreeMap<u64, [u8; 48]>,
    /// The beacon committees' length in attester duties: 128 makes an attester
    /// an aggregator 1 time in 8; 16 or less makes every attester one.
    pub committee_length: u64,
}

/// One validator's split key: share secrets by operator, and the members list.
pub struct SplitValidator {
    /// The validator's index.
    pub index: u64,
    /// Its public key.
    pub pubkey: [u8; 48],
    /// Share secret keys by operator.
    pub shares: BTreeMap<u64, SecretKey>,
    /// Every operator's share public key.
    pub members: Vec<ShareMember>,
}

impl SimChain {
    /// A chain with `count` validators from [`FIRST_INDEX`].
    pub fn new(count: u64) -> Self {
        let validators = (FIRST_INDEX..FIRST_INDEX + count)
            .filter_map(|i| Some((i, interop_secret_key(i).ok()?.sk_to_pk().to_bytes())))
            .collect();
        SimChain {
            spec: chain_spec(),
            validators,
            committee_length: 128,
        }
    }

    /// Milliseconds at which `slot` starts.
    pub fn slot_ms(&self, slot: u64) -> u64 {
        self.spec.slot_start_time(slot).saturating_mul(1000)
    }

    /// The validator attesting at `slot`.
    pub fn attester_of(&self, slot: u64) -> u64 {
        FIRST_INDEX + slot % SLOTS_PER_EPOCH
    }

    fn dependent(epoch: u64) -> [u8; 32] {
        h("dependent", epoch)
    }

    /// The head event of `slot`.
    pub fn head(&self, slot: u64) -> HeadEvent {
        let e = self.spec.epoch(slot);
        HeadEvent {
            slot,
            block_root: h("block", slot),
            previous_duty_dependent_root: Self::dependent(e),
            current_duty_dependent_root: Self::dependent(e + 1),
        }
    }

    /// The attestation data every honest beacon node gives for `slot`.
    pub fn attestation_data(&self, slot: u64) -> AttestationData {
        let e = self.spec.epoch(slot);
        AttestationData {
            slot,
            index: 0,
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

    /// The aggregate attestation (SSZ) every honest beacon node gives for
    /// `slot`: the first two committee members' votes (its signature is not
    /// checked by the runners, only carried).
    pub fn aggregate(&self, slot: u64) -> Vec<u8> {
        let length = self.committee_length.clamp(2, 2048) as usize;
        // A list of 2 to 2048 bits is within the type's 2048-bit limit.
        let Ok(mut bits) = ssz_types::BitList::with_capacity(length) else {
            return Vec::new();
        };
        for b in 0..2 {
            let _ = bits.set(b, true);
        }
        Attestation {
            aggregation_bits: bits,
            data: self.attestation_data(slot),
            signature: crate::beacon::signed::bls_signature(&[0xaa; 96]),
        }
        .as_ssz_bytes()
    }

    /// The answer to a duties fetch.
    pub fn duties(&self, req: &DutiesRequest) -> DutiesResponse {
        let spe = SLOTS_PER_EPOCH;
        match req {
            DutiesRequest::Attester { epoch, indices } => DutiesResponse::Attester {
                dependent_root: Self::dependent(*epoch),
                duties: indices
                    .iter()
                    .filter(|i| self.validators.contains_key(i))
                    .map(|i| AttesterDuty {
                        validator_index: *i,
                        slot: epoch * spe + (i - FIRST_INDEX) % spe,
                        committee_index: 0,
                        committee_length: self.committee_length,
                        committees_at_slot: 1,
                        validator_committee_index: i % self.committee_length.max(1),
                    })
                    .collect(),
            },
            DutiesRequest::Proposer { epoch } => DutiesResponse::Proposer {
                dependent_root: Self::dependent(epoch + 1),
                duties: (epoch * spe..(epoch + 1) * spe)
                    .map(|s| ProposerDuty {
                        validator_index: 100_000 + s,
                        slot: s,
                    })
                    .collect(),
            },
            DutiesRequest::Sync { .. } => DutiesResponse::Sync { duties: Vec::new() },
        }
    }

    /// Splits every validator among `operators` with this threshold.
    pub fn split(&self, operators: &[u64], threshold: usize, seed: u64) -> Vec<SplitValidator> {
        let mut out = Vec::new();
        for (index, pubkey) in &self.validators {
            let Ok(sk) = interop_secret_key(*index) else {
                continue;
            };
            let Ok(shares) = split(&sk, operators, threshold, &h("split", index ^ seed)) else {
                continue;
            };
            let members = shares
                .iter()
                .map(|(id, s)| ShareMember {
                    share_pubkey: s.sk_to_pk().to_bytes(),
                    signer: *id,
                })
                .collect();
            out.push(SplitValidator {
                index: *index,
                pubkey: *pubkey,
                shares: shares.into_iter().collect(),
                members,
            });
        }
        out
    }

    /// Operator `op`'s registry: every operator's key, and the validators run by
    /// `committee` (with our share when we are in it).
    pub fn registry(
        operators: &BTreeMap<u64, OperatorPublicKey>,
        validators: &[SplitValidator],
        op: u64,
        committee: &[u64],
    ) -> Registry {
        let validators = validators
            .iter()
            .map(|v| {
                let share = v.shares.get(&op).map(|sk| Share {
                    validator_index: v.index,
                    validator_pubkey: v.pubkey,
                    share_pubkey: sk.sk_to_pk().to_bytes(),
                    committee: v
                        .members
                        .iter()
                        .filter(|m| committee.contains(&m.signer))
                        .cloned()
                        .collect(),
                    domain_type: DOMAIN,
                    fee_recipient: [0x11; 20],
                    graffiti: [0; 32],
                });
                RegisteredValidator {
                    pubkey: v.pubkey,
                    index: Some(v.index),
                    operators: committee.to_vec(),
                    liquidated: false,
                    active: true,
                    share,
                }
            })
            .collect();
        Registry {
            operators: operators.clone(),
            validators,
        }
    }

    /// Whether a decided committee value is valid for `slot`: a beacon vote
    /// whose source is before its target and whose target is the slot's epoch
    /// (the checks an honest operator's value check runs). `Err` says why not.
    pub fn check_vote(&self, slot: u64, value: &[u8]) -> Result<(), &'static str> {
        let vote = BeaconVote::decode(value).map_err(|_| "not a beacon vote")?;
        if vote.source.epoch >= vote.target.epoch {
            return Err("source not before target");
        }
        if vote.target.epoch != self.spec.epoch(slot) {
            return Err("target is not the duty's epoch");
        }
        Ok(())
    }

    /// For an attestation submission: its slot and the signing root its partial
    /// signatures signed. `None` for other kinds or undecodable bytes.
    pub fn attestation_signing_root(&self, s: &Submission) -> Option<(u64, [u8; 32])> {
        if s.kind != SubmissionKind::Attestation {
            return None;
        }
        let a = Attestation::from_ssz_bytes(&s.ssz).ok()?;
        let domain = self.spec.domain(DOMAIN_ATTESTER, a.data.target.epoch);
        Some((a.data.slot, signing_root(a.data.tree_hash_root().0, domain)))
    }

    /// Whether a submission's signature verifies under its validator's key, as a
    /// beacon node checks it (attestations and aggregates; other kinds do not).
    pub fn verifies(&self, s: &Submission) -> bool {
        let (root, signature) = match s.kind {
            SubmissionKind::Attestation => {
                let (Some((_, root)), Ok(a)) = (
                    self.attestation_signing_root(s),
                    Attestation::from_ssz_bytes(&s.ssz),
                ) else {
                    return false;
                };
                (root, a.signature)
            }
            SubmissionKind::AggregateAndProof => {
                let Ok(a) = SignedAggregateAndProof::from_ssz_bytes(&s.ssz) else {
                    return false;
                };
                let epoch = self.spec.epoch(a.message.aggregate.data.slot);
                let domain = self.spec.domain(DOMAIN_AGGREGATE_AND_PROOF, epoch);
                (
                    signing_root(a.message.tree_hash_root().0, domain),
                    a.signature,
                )
            }
            _ => return false,
        };
        let Some(pk) = self.validators.get(&s.validator_index) else {
            return false;
        };
        match (
            public_key_from_bytes(pk),
            signature_from_bytes(&signature[..]),
        ) {
            (Ok(pk), Ok(sig)) => verify(&pk, &root, &sig),
            _ => false,
        }
    }
}
