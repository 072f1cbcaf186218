//! The bench's world, the same in the generating and the timed process: which
//! committees we are in, our validators and their BLS shares (derived from the
//! seed), the foreign committees on our subnets, the chain, the registry, and
//! a stub beacon node answering duties and attestation data as a function of
//! the slot.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use blst::min_pk::SecretKey;
use sha2::{Digest, Sha256};
use ssv_protocol::beacon::consensus_data::DataVersion;
use ssv_protocol::beacon::phase0::{Attestation, AttestationData, Checkpoint};
use ssv_protocol::beacon::signed::{bls_signature, root};
use ssv_protocol::identifiers::{committee_id, committee_subnet, CommitteeId};
use ssv_protocol::node::{
    ChainValueChecks, NodeConfig, NodeRequest, NodeResponse, RegisteredValidator, Registry,
};
use ssv_protocol::operator_key::OperatorSigner;
use ssv_protocol::roles::RoleFork;
use ssv_protocol::runner::chain::{ChainSpec, Fork};
use ssv_protocol::runner::io::{Request, Response};
use ssv_protocol::runner::SpecSelection;
use ssv_protocol::scheduler::{
    AttesterDuty, DutiesRequest, DutiesResponse, HeadEvent, ProposerDuty,
};
use ssv_protocol::threshold::split;
use ssv_protocol::wire::{MessageId, Role, Share, ShareMember};
use ssz::Encode;

use super::Params;

/// Our operator ID.
pub const US: u64 = 1;
/// The network domain (holesky's).
pub const DOMAIN: [u8; 4] = [0, 0, 5, 2];
/// Mainnet's slots per epoch.
pub const SLOTS_PER_EPOCH: u64 = 32;
/// Milliseconds per slot.
pub const SLOT_MS: u64 = 12_000;
/// The first slot run: the first slot of epoch 2.
pub const FIRST_SLOT: u64 = 2 * SLOTS_PER_EPOCH;
/// Validators in each foreign committee (mainnet's average at 128,000
/// validators in about 4,000 committees).
pub const FOREIGN_VALIDATORS: u64 = 32;
/// First index of foreign validators.
const FOREIGN_FIRST_INDEX: u64 = 10_000_000;
/// Head events arrive this long into the slot.
pub const HEAD_AT_MS: u64 = 2_000;

/// SHA-256 of a label and a number.
pub fn h(label: &str, n: u64) -> [u8; 32] {
    let mut d = Sha256::new();
    d.update(label.as_bytes());
    d.update(n.to_le_bytes());
    d.finalize().into()
}

/// The SplitMix64 finalizer.
pub fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One committee: operators (sorted) and validator indices.
#[derive(Clone, Debug)]
pub struct CommitteeSpec {
    /// Sorted operator IDs.
    pub operators: Vec<u64>,
    /// Its ID.
    pub id: CommitteeId,
    /// Its subnet.
    pub subnet: u64,
    /// Its validators' indices.
    pub validators: Vec<u64>,
}

/// Everything both processes derive from the parameters, the seed and the keys.
pub struct World {
    /// The parameters.
    pub params: Params,
    /// The chain.
    pub chain: Arc<ChainSpec>,
    /// Every operator's key (ours, our committees' peers, foreign operators).
    pub signers: BTreeMap<u64, OperatorSigner>,
    /// Our committees.
    pub ours: Vec<CommitteeSpec>,
    /// Committees we are not in, on our subnets.
    pub foreign: Vec<CommitteeSpec>,
    /// Share secrets by operator, then share public key.
    pub secrets: BTreeMap<u64, BTreeMap<[u8; 48], SecretKey>>,
    /// Per validator of ours: the share of each operator.
    shares: BTreeMap<u64, Share>,
    /// Our validators' public keys.
    pub validator_pks: BTreeMap<u64, [u8; 48]>,
    /// Our validators' committees (positions in `ours`) by public key.
    committee_by_pk: BTreeMap<[u8; 48], usize>,
}

/// The chain: 12 s slots, 32-slot epochs, Deneb from genesis.
pub fn chain() -> ChainSpec {
    ChainSpec {
        sync_subcommittee_size: ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
        genesis_time: 1_700_000_000,
        seconds_per_slot: SLOT_MS / 1000,
        slots_per_epoch: SLOTS_PER_EPOCH,
        genesis_validators_root: h("genesis validators root", 0),
        forks: vec![Fork {
            epoch: 0,
            version: DataVersion::Deneb,
            fork_version: [4, 0, 0, 0],
        }],
    }
}

/// The operators of our committees other than us: the fewest `P` with
/// `C(P, 3) >= committees`, numbered 2..=P+1.
pub fn peer_count(committees: u64) -> u64 {
    let mut p = 3u64;
    while p * (p - 1) * (p - 2) / 6 < committees {
        p += 1;
    }
    p
}

/// Every operator that is not us: our peers and the foreign-only operators.
pub fn other_operators(params: &Params) -> Vec<u64> {
    let peers = peer_count(params.committees);
    let total = peers.max(params.foreign_operators);
    (2..2 + total).collect()
}

fn subsets(items: &[u64], k: usize, out: &mut Vec<Vec<u64>>, cur: &mut Vec<u64>, from: usize) {
    if cur.len() == k {
        out.push(cur.clone());
        return;
    }
    for i in from..items.len() {
        cur.push(items[i]);
        subsets(items, k, out, cur, i + 1);
        cur.pop();
    }
}

impl World {
    /// Builds the world; `signers` holds every operator of [`other_operators`]
    /// and [`US`].
    pub fn new(params: Params, signers: BTreeMap<u64, OperatorSigner>) -> World {
        let chain = Arc::new(chain());
        let peers: Vec<u64> = (2..2 + peer_count(params.committees)).collect();
        let mut triples = Vec::new();
        subsets(&peers, 3, &mut triples, &mut Vec::new(), 0);
        // A seeded order, so that small runs do not all share operator 2.
        triples.sort_by_key(|t| splitmix(params.seed ^ (t[0] * 1_000_003) ^ (t[1] * 1_009) ^ t[2]));
        let c = params.committees as usize;
        let v = params.validators;
        let mut ours = Vec::new();
        let mut next = 0u64;
        for (i, t) in triples.into_iter().take(c).enumerate() {
            let mut ops = vec![US];
            ops.extend(t);
            ops.sort_unstable();
            let n = v / c as u64 + u64::from((i as u64) < v % c as u64);
            let id = committee_id(&ops);
            ours.push(CommitteeSpec {
                subnet: committee_subnet(&id),
                id,
                operators: ops,
                validators: (next..next + n).collect(),
            });
            next += n;
        }
        let our_subnets: BTreeSet<u64> = ours.iter().map(|c| c.subnet).collect();
        let mut quads = Vec::new();
        subsets(&other_operators(&params), 4, &mut quads, &mut Vec::new(), 0);
        // Each foreign committee sends at most one duty's messages a slot, so
        // a subnet needs as many as its bundles a slot (and no more: their
        // validators fill the registry).
        let per_subnet =
            (params.network_rate as f64 * (SLOT_MS as f64 / 1000.0) / 128.0 / 13.0).ceil() as usize;
        let mut on_subnet: BTreeMap<u64, usize> = BTreeMap::new();
        let mut foreign = Vec::new();
        for ops in quads {
            let id = committee_id(&ops);
            let subnet = committee_subnet(&id);
            if !our_subnets.contains(&subnet) {
                continue;
            }
            let count = on_subnet.entry(subnet).or_default();
            if *count >= per_subnet {
                continue;
            }
            *count += 1;
            let first = FOREIGN_FIRST_INDEX + foreign.len() as u64 * FOREIGN_VALIDATORS;
            foreign.push(CommitteeSpec {
                operators: ops,
                id,
                subnet,
                validators: (first..first + FOREIGN_VALIDATORS).collect(),
            });
        }
        let mut secrets: BTreeMap<u64, BTreeMap<[u8; 48], SecretKey>> = BTreeMap::new();
        let mut shares = BTreeMap::new();
        let mut validator_pks = BTreeMap::new();
        let mut committee_by_pk = BTreeMap::new();
        for (pos, c) in ours.iter().enumerate() {
            for &i in &c.validators {
                let ikm = h("bench validator", i ^ params.seed.rotate_left(32));
                // 32 bytes of input key material always make a key.
                let sk = SecretKey::key_gen(&ikm, &[]).expect("32-byte IKM");
                let pk = sk.sk_to_pk().to_bytes();
                validator_pks.insert(i, pk);
                committee_by_pk.insert(pk, pos);
                let parts = split(&sk, &c.operators, 3, &h("bench split", i))
                    .expect("4 distinct operators, threshold 3");
                let members: Vec<ShareMember> = parts
                    .iter()
                    .map(|(id, s)| ShareMember {
                        share_pubkey: s.sk_to_pk().to_bytes(),
                        signer: *id,
                    })
                    .collect();
                for ((op, share_sk), m) in parts.into_iter().zip(&members) {
                    secrets
                        .entry(op)
                        .or_default()
                        .insert(m.share_pubkey, share_sk);
                    if op == US {
                        shares.insert(i, share_for(i, pk, m.share_pubkey, &members));
                    }
                }
            }
        }
        World {
            params,
            chain,
            signers,
            ours,
            foreign,
            secrets,
            shares,
            validator_pks,
            committee_by_pk,
        }
    }

    /// Operator `op`'s registry: every operator, our committees' validators
    /// (with `op`'s share where it is a member) and, when `with_foreign`, the
    /// foreign committees' validators.
    pub fn registry(&self, op: u64, with_foreign: bool) -> Registry {
        let operators = self
            .signers
            .iter()
            .map(|(id, s)| (*id, s.public_key()))
            .collect();
        let mut validators = Vec::new();
        for c in &self.ours {
            for &i in &c.validators {
                let pk = self.validator_pks[&i];
                let share = self.shares.get(&i).and_then(|ours| {
                    let member = ours.committee.iter().find(|m| m.signer == op)?;
                    Some(share_for(i, pk, member.share_pubkey, &ours.committee))
                });
                validators.push(RegisteredValidator {
                    pubkey: pk,
                    index: Some(i),
                    operators: c.operators.clone(),
                    liquidated: false,
                    active: true,
                    share,
                });
            }
        }
        if with_foreign {
            for c in &self.foreign {
                for &i in &c.validators {
                    let mut pubkey = [0xf0u8; 48];
                    pubkey[..8].copy_from_slice(&i.to_le_bytes());
                    validators.push(RegisteredValidator {
                        pubkey,
                        index: Some(i),
                        operators: c.operators.clone(),
                        liquidated: false,
                        active: true,
                        share: None,
                    });
                }
            }
        }
        Registry {
            operators,
            validators,
        }
    }

    /// Operator `op`'s node configuration (the live network's Alan roles).
    pub fn node_config(&self, op: u64) -> NodeConfig {
        NodeConfig {
            operator_id: op,
            network_domain: DOMAIN,
            chain: Arc::clone(&self.chain),
            roles: RoleFork::Alan,
            value_checks: Arc::new(ChainValueChecks {
                chain: Arc::clone(&self.chain),
            }),
            selection: Arc::new(SpecSelection),
            gas_limit: 30_000_000,
            proposer_delay_ms: 0,
            max_instances: 8,
            pending_limit: 1024,
        }
    }

    /// Milliseconds at the start of `slot`.
    pub fn slot_ms(&self, slot: u64) -> u64 {
        self.chain.slot_start_time(slot) * 1000
    }

    /// The committee a message ID's executor names, among ours.
    pub fn our_committee(&self, id: &CommitteeId) -> Option<&CommitteeSpec> {
        self.ours.iter().find(|c| &c.id == id)
    }

    /// Our committee whose messages `id` belongs to: the committee it names,
    /// or for a validator's own duty (aggregation, proposal, registration,
    /// exit) the committee of that validator.
    pub fn committee_of_id(&self, id: &MessageId) -> Option<&CommitteeSpec> {
        let exec = id.duty_executor();
        if id.role() == Role::Committee {
            let cid: CommitteeId = exec.get(16..48)?.try_into().ok()?;
            return self.our_committee(&cid);
        }
        let pk: [u8; 48] = exec.try_into().ok()?;
        self.ours.get(*self.committee_by_pk.get(&pk)?)
    }
}

fn share_for(i: u64, pk: [u8; 48], share_pk: [u8; 48], members: &[ShareMember]) -> Share {
    Share {
        validator_index: i,
        validator_pubkey: pk,
        share_pubkey: share_pk,
        committee: members.to_vec(),
        domain_type: DOMAIN,
        fee_recipient: [0x11; 20],
        graffiti: [0; 32],
    }
}

/// The stub beacon node: answers as a function of the slot, so both processes
/// see the same chain.
pub struct Stub {
    chain: Arc<ChainSpec>,
    seed: u64,
}

impl Stub {
    /// The stub for this world.
    pub fn new(world: &World) -> Stub {
        Stub {
            chain: Arc::clone(&world.chain),
            seed: world.params.seed,
        }
    }

    fn dependent_root(&self, epoch: u64) -> [u8; 32] {
        h("dependent", epoch)
    }

    /// The head event of `slot`.
    pub fn head(&self, slot: u64) -> HeadEvent {
        let e = self.chain.epoch(slot);
        HeadEvent {
            slot,
            block_root: h("block", slot),
            previous_duty_dependent_root: self.dependent_root(e),
            current_duty_dependent_root: self.dependent_root(e + 1),
        }
    }

    /// Validator `i`'s attester duty in `epoch`: one seeded slot.
    pub fn attester(&self, i: u64, epoch: u64) -> AttesterDuty {
        let spe = self.chain.slots_per_epoch;
        let r = splitmix(self.seed ^ i.wrapping_mul(0x9E37_79B9) ^ epoch);
        AttesterDuty {
            validator_index: i,
            slot: epoch * spe + r % spe,
            committee_index: (r >> 8) % 64,
            committee_length: 128,
            committees_at_slot: 64,
            validator_committee_index: (r >> 16) % 128,
        }
    }

    /// Attestation data of `slot`.
    pub fn attestation_data(&self, slot: u64) -> AttestationData {
        let e = self.chain.epoch(slot);
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

    /// The aggregate attestation of committee `index` at `slot`: half the
    /// committee's bits set, a fixed signature (the node passes it on
    /// unchecked, as it passes on the beacon node's).
    fn aggregate(&self, slot: u64, index: u64) -> Vec<u8> {
        let len = 128;
        // 128 bits fit a 2048-bit list.
        let mut bits = ssz_types::BitList::with_capacity(len).expect("128 <= 2048");
        for b in (0..len).step_by(2) {
            let _ = bits.set(b, true);
        }
        Attestation {
            aggregation_bits: bits,
            data: AttestationData {
                index,
                ..self.attestation_data(slot)
            },
            signature: bls_signature(&[0xaa; 96]),
        }
        .as_ssz_bytes()
    }

    /// Answers a duties fetch: attester duties for all, no proposals or sync
    /// duties of ours.
    pub fn duties(&self, req: &DutiesRequest) -> DutiesResponse {
        match req {
            DutiesRequest::Attester { epoch, indices } => DutiesResponse::Attester {
                dependent_root: self.dependent_root(*epoch),
                duties: indices.iter().map(|i| self.attester(*i, *epoch)).collect(),
            },
            DutiesRequest::Proposer { epoch } => {
                let spe = self.chain.slots_per_epoch;
                DutiesResponse::Proposer {
                    dependent_root: self.dependent_root(epoch + 1),
                    duties: (epoch * spe..(epoch + 1) * spe)
                        .map(|s| ProposerDuty {
                            validator_index: 50_000_000 + s,
                            slot: s,
                        })
                        .collect(),
                }
            }
            DutiesRequest::Sync { .. } => DutiesResponse::Sync { duties: vec![] },
        }
    }

    /// Answers what the beacon node and the slashing database answer; `None`
    /// for signing requests (the caller signs).
    pub fn answer(&self, req: &NodeRequest) -> Option<NodeResponse> {
        Some(match req {
            NodeRequest::Duties(d) => NodeResponse::Duties(self.duties(d)),
            NodeRequest::Runner(Request::AttestationData { slot }) => {
                NodeResponse::Runner(Response::AttestationData(self.attestation_data(*slot)))
            }
            NodeRequest::Runner(Request::Aggregation(needs)) => {
                NodeResponse::Runner(Response::Aggregation {
                    attestations: needs
                        .committee_indexes
                        .iter()
                        .map(|c| (*c, self.aggregate(needs.slot, *c)))
                        .collect(),
                    // The bench's validators have no sync-committee duties.
                    contributions: vec![],
                })
            }
            NodeRequest::Runner(Request::RecordSlashing(_)) => {
                NodeResponse::Runner(Response::Recorded)
            }
            NodeRequest::Runner(Request::Sign(_)) | NodeRequest::OperatorSign(_) => return None,
            NodeRequest::Runner(_) => NodeResponse::Failed("not served by the bench".into()),
        })
    }
}

/// A 32-byte SSZ vector as an array (zeros if it is not 32 bytes).
pub fn fixed32(v: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if v.len() == 32 {
        out.copy_from_slice(v);
    }
    out
}
