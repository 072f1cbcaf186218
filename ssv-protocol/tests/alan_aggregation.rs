//! The live network's (Alan) per-validator aggregator (role 1) and
//! sync-committee contribution (role 3) runners, with four operators'
//! `ValidatorMachine`s over an in-memory network: every operator submits the
//! same signed object, whose rebuilt signature (and selection proof) verifies
//! under the validator key; a validator not selected ends after pre-consensus;
//! duplicate and invalid partial signatures are handled as the spec's base
//! runner does; and every message the runners broadcast passes our own gossip
//! validation for the Alan roles.

mod common;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use qbft_core::{Committee, External, InstanceConfig, Timestamp};
use ssv_protocol::beacon::altair::SyncCommitteeContribution;
use ssv_protocol::beacon::consensus_data::{DataVersion, ValidatorDuty};
use ssv_protocol::beacon::phase0::{AttestationData, Checkpoint};
use ssv_protocol::beacon::signed::{
    bls_signature, fixed, root, SignedAggregateAndProof, SignedContributionAndProof,
    SignedElectraAggregateAndProof, SyncAggregatorSelectionData,
};
use ssv_protocol::beacon::{electra, phase0};
use ssv_protocol::consensus::{SsvQbft, ValueCheck};
use ssv_protocol::runner::chain::{
    ChainSpec, Fork, DOMAIN_AGGREGATE_AND_PROOF, DOMAIN_CONTRIBUTION_AND_PROOF,
    DOMAIN_SELECTION_PROOF, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
};
use ssv_protocol::runner::duty::{CommitteeDuty, Duty};
use ssv_protocol::runner::error::RunnerError;
use ssv_protocol::runner::io::{Request, Response, Submission, SubmissionKind};
use ssv_protocol::runner::{
    AggregatorSelection, Input, Output, Setup, ValidatorMachine, ValueChecks,
};
use ssv_protocol::signing::signing_root;
use ssv_protocol::threshold::{
    interop_secret_key, public_key_from_bytes, sign, signature_from_bytes, split, verify,
};
use ssv_protocol::validation::{MessageValidator, ValidatorInfo, Verdict};
use ssv_protocol::wire::{
    MessageId, PartialSigKind, PartialSignature, PartialSignatureMessages, Role, Share,
    ShareMember, SignedSsvMessage, SsvMessage, SsvMsgType,
};
use ssz::{Decode, Encode};
use tree_hash::TreeHash;

const OPS: [u64; 4] = [1, 2, 3, 4];
const SLOT: u64 = common::SLOT;
const INDEX: u64 = common::INDEX;
const COMMITTEE_INDEX: u64 = 3;
/// Sync positions 5 (subnet 0), 200 and 201 (subnet 1).
const SYNC_POSITIONS: [u64; 3] = [5, 200, 201];

/// Value checks for the roles these tests do not run; the Alan roles use the
/// trait's defaults (the spec's checks).
struct Checks;

impl ValueChecks for Checks {
    fn committee(&self, _duty: &CommitteeDuty, _shares: &[&Share]) -> ValueCheck {
        Arc::new(|_: &[u8]| Err(External::new(std::fmt::Error)))
    }
    fn proposer(&self, _share: &Share) -> ValueCheck {
        Arc::new(|_: &[u8]| Err(External::new(std::fmt::Error)))
    }
    fn aggregator_committee(&self) -> ValueCheck {
        Arc::new(|_: &[u8]| Err(External::new(std::fmt::Error)))
    }
}

/// Selects (or not) every aggregator and every sync subnet.
struct Selects(bool);

impl AggregatorSelection for Selects {
    fn is_aggregator(&self, _: u64, _: u64, _: u64, _: &[u8; 96]) -> bool {
        self.0
    }
    fn is_sync_aggregator(&self, _: &[u8; 96]) -> bool {
        self.0
    }
}

fn chain(version: DataVersion) -> ChainSpec {
    ChainSpec {
        sync_subcommittee_size: ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
        genesis_time: 0,
        seconds_per_slot: common::SLOT_MS / 1000,
        slots_per_epoch: 32,
        genesis_validators_root: [7; 32],
        forks: vec![Fork {
            epoch: 0,
            version,
            fork_version: [6, 0, 0, 0],
        }],
    }
}

fn data(slot: u64) -> AttestationData {
    AttestationData {
        slot,
        index: COMMITTEE_INDEX,
        beacon_block_root: root(&[9; 32]),
        source: Checkpoint {
            epoch: 2,
            root: root(&[1; 32]),
        },
        target: Checkpoint {
            epoch: 3,
            root: root(&[2; 32]),
        },
    }
}

/// The beacon node's aggregate of the duty's committee, in the fork's form.
fn aggregate(version: DataVersion, slot: u64) -> Vec<u8> {
    if version >= DataVersion::Electra {
        let mut bits = ssz_types::BitList::with_capacity(8).expect("8 bits");
        bits.set(1, true).expect("in range");
        let mut committees = ssz_types::BitVector::new();
        committees
            .set(COMMITTEE_INDEX as usize, true)
            .expect("in range");
        electra::Attestation {
            aggregation_bits: bits,
            data: data(slot),
            signature: bls_signature(&[0xaa; 96]),
            committee_bits: committees,
        }
        .as_ssz_bytes()
    } else {
        let mut bits = ssz_types::BitList::with_capacity(8).expect("8 bits");
        bits.set(1, true).expect("in range");
        phase0::Attestation {
            aggregation_bits: bits,
            data: data(slot),
            signature: bls_signature(&[0xaa; 96]),
        }
        .as_ssz_bytes()
    }
}

fn contribution(slot: u64, subnet: u64) -> SyncCommitteeContribution {
    let mut bits = ssz_types::BitVector::new();
    bits.set(subnet as usize, true).expect("in range");
    SyncCommitteeContribution {
        slot,
        beacon_block_root: root(&[9; 32]),
        subcommittee_index: subnet,
        aggregation_bits: bits,
        signature: bls_signature(&[0xbb; 96]),
    }
}

/// Four operators' machines for one validator, and what they did.
struct Net {
    version: DataVersion,
    machines: BTreeMap<u64, ValidatorMachine>,
    secrets: BTreeMap<u64, blst::min_pk::SecretKey>,
    validator_pk: [u8; 48],
    queue: VecDeque<(u64, Input)>,
    /// Every unsigned broadcast, by sender.
    broadcasts: Vec<(u64, SsvMessage, Vec<u8>)>,
    submitted: Vec<(u64, Submission)>,
    requests: Vec<(u64, Request)>,
    errors: Vec<(u64, RunnerError)>,
    finished: Vec<(u64, Role)>,
    decided: usize,
}

impl Net {
    fn new(version: DataVersion, selects: bool) -> Net {
        let validator_sk = interop_secret_key(5).expect("interop key");
        let validator_pk = validator_sk.sk_to_pk().to_bytes();
        let shares = split(&validator_sk, &OPS, 3, &[42; 32]).expect("split");
        let members: Vec<ShareMember> = shares
            .iter()
            .map(|(id, sk)| ShareMember {
                share_pubkey: sk.sk_to_pk().to_bytes(),
                signer: *id,
            })
            .collect();
        let mut machines = BTreeMap::new();
        for (id, sk) in &shares {
            let setup = Setup {
                operator_id: *id,
                network_domain: common::DOMAIN,
                chain: Arc::new(chain(version)),
                qbft: SsvQbft::new(BTreeMap::new(), Arc::new(|_: &[u8]| Ok(()))),
                instance: InstanceConfig {
                    self_id: *id,
                    committee: Committee::new(OPS).expect("committee"),
                    cut_off_round: 12,
                },
                max_instances: 4,
                pending_limit: 64,
                value_checks: Arc::new(Checks),
                selection: Arc::new(Selects(selects)),
                gas_limit: 30_000_000,
                verify_signatures: false,
            };
            let share = Share {
                validator_index: INDEX,
                validator_pubkey: validator_pk,
                share_pubkey: sk.sk_to_pk().to_bytes(),
                committee: members.clone(),
                domain_type: common::DOMAIN,
                fee_recipient: [0; 20],
                graffiti: [0; 32],
            };
            machines.insert(*id, ValidatorMachine::new(setup, share));
        }
        Net {
            version,
            machines,
            secrets: shares.into_iter().collect(),
            validator_pk,
            queue: VecDeque::new(),
            broadcasts: Vec::new(),
            submitted: Vec::new(),
            requests: Vec::new(),
            errors: Vec::new(),
            finished: Vec::new(),
            decided: 0,
        }
    }

    fn duty(&self, beacon_role: u64) -> ValidatorDuty {
        ValidatorDuty {
            role: beacon_role,
            pubkey: fixed(&self.validator_pk),
            slot: SLOT,
            validator_index: INDEX,
            committee_index: COMMITTEE_INDEX,
            committee_length: 8,
            committees_at_slot: 4,
            validator_committee_index: 1,
            validator_sync_committee_indices: ssz_types::VariableList::new(SYNC_POSITIONS.to_vec())
                .expect("3 positions"),
        }
    }

    fn start(&mut self, beacon_role: u64) {
        for id in OPS {
            let duty = Duty::Validator(self.duty(beacon_role));
            self.queue.push_back((id, Input::StartDuty(duty)));
        }
    }

    /// Operator `id`'s partial-signature message over `root`.
    fn partial(&self, id: u64, kind: PartialSigKind, roots: &[[u8; 32]]) -> Arc<SignedSsvMessage> {
        let msgs = PartialSignatureMessages {
            kind,
            slot: SLOT,
            messages: roots
                .iter()
                .map(|r| PartialSignature {
                    signature: sign(&self.secrets[&id], r).to_bytes(),
                    signing_root: *r,
                    signer: id,
                    validator_index: INDEX,
                })
                .collect(),
        };
        Arc::new(SignedSsvMessage {
            signatures: vec![vec![1; 256]],
            operator_ids: vec![id],
            ssv_message: SsvMessage {
                msg_type: SsvMsgType::PartialSignature,
                msg_id: MessageId::for_validator(
                    common::DOMAIN,
                    if kind == PartialSigKind::SelectionProof {
                        Role::Aggregator
                    } else {
                        Role::SyncCommitteeContribution
                    },
                    &self.validator_pk,
                ),
                data: msgs.encode(),
            },
            full_data: Vec::new(),
        })
    }

    /// Runs the queue dry; `deliver` says whether a broadcast reaches others.
    fn run(&mut self, deliver: bool) {
        let now = Timestamp(SLOT * common::SLOT_MS + 1_000);
        while let Some((id, input)) = self.queue.pop_front() {
            let m = self.machines.get_mut(&id).expect("machine");
            if let Err(e) = m.handle(now, input) {
                self.errors.push((id, e));
            }
            let outs: Vec<Output> = std::iter::from_fn(|| m.poll_output()).collect();
            for out in outs {
                self.route(id, out, deliver);
            }
        }
    }

    fn route(&mut self, id: u64, out: Output, deliver: bool) {
        match out {
            Output::Broadcast { message, full_data } => {
                self.broadcasts
                    .push((id, message.clone(), full_data.clone()));
                let signed = Arc::new(SignedSsvMessage {
                    signatures: vec![vec![1; 256]],
                    operator_ids: vec![id],
                    ssv_message: message,
                    full_data,
                });
                for to in OPS.into_iter().filter(|to| deliver || *to == id) {
                    self.queue
                        .push_back((to, Input::Message(Arc::clone(&signed))));
                }
            }
            Output::BroadcastSigned(m) => {
                for to in OPS.into_iter().filter(|to| deliver && *to != id) {
                    self.queue
                        .push_back((to, Input::Message(Arc::new((*m).clone()))));
                }
            }
            Output::Request { id: rid, request } => {
                self.requests.push((id, request.clone()));
                let response = match &request {
                    Request::Sign(items) => Response::Signatures(
                        items
                            .iter()
                            .map(|i| sign(&self.secrets[&id], &i.signing_root).to_bytes())
                            .collect(),
                    ),
                    Request::Aggregation(needs) => Response::Aggregation {
                        attestations: needs
                            .committee_indexes
                            .iter()
                            .map(|c| (*c, aggregate(self.version, needs.slot)))
                            .collect(),
                        contributions: needs
                            .sync_subnets
                            .iter()
                            .map(|s| contribution(needs.slot, *s))
                            .collect(),
                    },
                    other => Response::Failed(format!("unexpected {other:?}")),
                };
                self.queue
                    .push_front((id, Input::Response { id: rid, response }));
            }
            Output::Submit(s) => self.submitted.push((id, s)),
            Output::Decided { .. } => self.decided += 1,
            Output::DutyFinished { role, .. } => self.finished.push((id, role)),
        }
    }

    /// The signing root of `object_root` in `domain` at the duty's epoch.
    fn root_in(&self, domain: [u8; 4], object_root: [u8; 32]) -> [u8; 32] {
        let c = chain(self.version);
        signing_root(object_root, c.domain(domain, c.epoch(SLOT)))
    }

    fn verifies(&self, domain: [u8; 4], object_root: [u8; 32], sig: &[u8]) -> bool {
        let pk = public_key_from_bytes(&self.validator_pk).expect("pk");
        let sig = signature_from_bytes(sig).expect("signature");
        verify(&pk, &self.root_in(domain, object_root), &sig)
    }

    /// The broadcast partial-signature messages by sender: (kind, entries).
    fn partials(&self) -> Vec<(u64, PartialSigKind, usize, Role)> {
        self.broadcasts
            .iter()
            .filter(|(_, m, _)| m.msg_type == SsvMsgType::PartialSignature)
            .map(|(id, m, _)| {
                let p = PartialSignatureMessages::decode(&m.data).expect("decodes");
                (*id, p.kind, p.messages.len(), m.msg_id.role())
            })
            .collect()
    }

    /// Every broadcast, signed with the operators' RSA keys, through a gossip
    /// validator that knows this validator under the Alan roles.
    fn validate_all(&self) -> Vec<Verdict> {
        let mut view = common::view();
        std::sync::Arc::make_mut(&mut view.validators).insert(
            self.validator_pk,
            ValidatorInfo {
                index: Some(INDEX),
                committee: common::cid(),
                liquidated: false,
                attesting: true,
            },
        );
        let mut v = MessageValidator::new(Arc::new(view));
        self.broadcasts
            .iter()
            .map(|(id, m, full)| {
                let signed =
                    common::sign(m.msg_id, m.msg_type, m.data.clone(), &[*id], full.clone());
                common::judge(&mut v, common::NOW, &common::topic(), &signed)
            })
            .collect()
    }
}

fn aggregator_happy_flow(version: DataVersion) {
    let mut net = Net::new(version, true);
    net.start(1);
    net.run(true);
    assert!(
        net.errors.iter().all(|(_, e)| matches!(
            e,
            RunnerError::ConsensusFinished | RunnerError::NoRunningDuty | RunnerError::Qbft(_)
        )),
        "{:?}",
        net.errors
    );
    assert_eq!(net.submitted.len(), 4, "every operator submits once");
    assert!(net
        .submitted
        .iter()
        .all(|(_, s)| s.ssz == net.submitted[0].1.ssz));
    let s = &net.submitted[0].1;
    assert_eq!(s.kind, SubmissionKind::AggregateAndProof);
    assert_eq!(s.validator_index, INDEX);
    let (message_root, sig, proof, aggregator) = if version >= DataVersion::Electra {
        let m = SignedElectraAggregateAndProof::from_ssz_bytes(&s.ssz).expect("Electra form");
        assert_eq!(m.tree_hash_root().0, s.root);
        assert!(m
            .message
            .aggregate
            .committee_bits
            .get(COMMITTEE_INDEX as usize)
            .unwrap());
        (
            m.message.tree_hash_root().0,
            m.signature.to_vec(),
            m.message.selection_proof.to_vec(),
            m.message.aggregator_index,
        )
    } else {
        let m = SignedAggregateAndProof::from_ssz_bytes(&s.ssz).expect("phase0 form");
        assert_eq!(m.tree_hash_root().0, s.root);
        assert_eq!(m.message.aggregate.data, data(SLOT));
        (
            m.message.tree_hash_root().0,
            m.signature.to_vec(),
            m.message.selection_proof.to_vec(),
            m.message.aggregator_index,
        )
    };
    assert_eq!(aggregator, INDEX);
    assert!(net.verifies(DOMAIN_AGGREGATE_AND_PROOF, message_root, &sig));
    // The rebuilt selection proof signs the slot in the selection domain.
    assert!(net.verifies(DOMAIN_SELECTION_PROOF, SLOT.tree_hash_root().0, &proof));
    // One selection proof and one post-consensus message per operator, role 1.
    let partials = net.partials();
    for id in OPS {
        let mine: Vec<_> = partials.iter().filter(|p| p.0 == id).collect();
        assert_eq!(mine.len(), 2, "{mine:?}");
        assert_eq!(
            (mine[0].1, mine[0].2, mine[0].3),
            (PartialSigKind::SelectionProof, 1, Role::Aggregator)
        );
        assert_eq!((mine[1].1, mine[1].2), (PartialSigKind::PostConsensus, 1));
    }
    // The aggregate was asked for the duty's committee only.
    assert!(net.requests.iter().any(|(_, r)| matches!(r,
        Request::Aggregation(n) if n.committee_indexes == [COMMITTEE_INDEX] && n.sync_subnets.is_empty())));
    assert_eq!(net.decided, 4);
    assert_eq!(net.finished, OPS.map(|id| (id, Role::Aggregator)).to_vec());
    let view = net.machines[&1].runner(Role::Aggregator).expect("runner");
    assert!(view.duty_state().expect("duty").finished());
    // Every message the runners broadcast passes our Alan validation.
    let verdicts = net.validate_all();
    assert!(!verdicts.is_empty());
    assert!(verdicts.iter().all(common::accepted), "{verdicts:?}");
}

#[test]
fn four_operators_aggregate_with_rebuilt_signatures_deneb() {
    aggregator_happy_flow(DataVersion::Deneb);
}

#[test]
fn four_operators_aggregate_with_rebuilt_signatures_electra() {
    aggregator_happy_flow(DataVersion::Electra);
}

#[test]
fn an_aggregator_not_selected_ends_after_pre_consensus() {
    let mut net = Net::new(DataVersion::Deneb, false);
    net.start(1);
    net.run(true);
    assert!(net.submitted.is_empty());
    assert_eq!(net.decided, 0);
    // Every operator reports the duty finished, with nothing submitted.
    let mut finished = net.finished.clone();
    finished.sort_unstable();
    assert_eq!(finished, OPS.map(|id| (id, Role::Aggregator)).to_vec());
    assert!(!net
        .requests
        .iter()
        .any(|(_, r)| matches!(r, Request::Aggregation(_))));
    assert!(net
        .partials()
        .iter()
        .all(|p| p.1 == PartialSigKind::SelectionProof));
    for m in net.machines.values() {
        let view = m.runner(Role::Aggregator).expect("runner");
        assert!(view.duty_state().expect("duty").finished());
    }
    // The last operator's proof comes after the duty ended.
    assert!(net
        .errors
        .iter()
        .all(|(_, e)| matches!(e, RunnerError::NoRunningDuty)));
}

#[test]
fn duplicate_and_invalid_selection_proofs() {
    let mut net = Net::new(DataVersion::Deneb, true);
    // Operator 1 starts alone; nothing it broadcasts reaches the others.
    net.queue
        .push_back((1, Input::StartDuty(Duty::Validator(net.duty(1)))));
    net.run(false);
    let good_root = net.root_in(DOMAIN_SELECTION_PROOF, SLOT.tree_hash_root().0);
    // Operator 2's proof twice: the duplicate changes nothing.
    for _ in 0..2 {
        let m = net.partial(2, PartialSigKind::SelectionProof, &[good_root]);
        net.queue.push_back((1, Input::Message(m)));
    }
    net.run(false);
    assert!(net.errors.is_empty(), "{:?}", net.errors);
    // Operator 3 signs with operator 4's share: quorum, but the rebuilt proof
    // does not verify; the bad partial is dropped.
    let mut bad = (*net.partial(3, PartialSigKind::SelectionProof, &[good_root])).clone();
    let mut p = PartialSignatureMessages::decode(&bad.ssv_message.data).expect("decodes");
    p.messages[0].signature = sign(&net.secrets[&4], &good_root).to_bytes();
    bad.ssv_message.data = p.encode();
    net.queue.push_back((1, Input::Message(Arc::new(bad))));
    net.run(false);
    assert!(
        matches!(net.errors.as_slice(), [(1, RunnerError::Reconstruct(_))]),
        "{:?}",
        net.errors
    );
    assert!(!net
        .requests
        .iter()
        .any(|(_, r)| matches!(r, Request::Aggregation(_))));
    let view = net.machines[&1].runner(Role::Aggregator).expect("runner");
    let stored = view
        .duty_state()
        .expect("duty")
        .pre_consensus()
        .signatures(INDEX, &good_root)
        .expect("stored")
        .len();
    assert_eq!(stored, 2, "the invalid partial was removed");
    // A wrong root is refused outright.
    let wrong = net.partial(4, PartialSigKind::SelectionProof, &[[3; 32]]);
    net.queue.push_back((1, Input::Message(wrong)));
    net.run(false);
    assert!(matches!(
        net.errors.last(),
        Some((1, RunnerError::WrongSigningRoot))
    ));
    // Operator 4's valid proof completes the quorum: the aggregate is asked.
    let m = net.partial(4, PartialSigKind::SelectionProof, &[good_root]);
    net.queue.push_back((1, Input::Message(m)));
    net.run(false);
    assert!(net
        .requests
        .iter()
        .any(|(_, r)| matches!(r, Request::Aggregation(_))));
    assert_eq!(net.errors.len(), 2);
}

#[test]
fn four_operators_submit_contributions_with_rebuilt_signatures() {
    let mut net = Net::new(DataVersion::Deneb, true);
    net.start(4);
    net.run(true);
    assert!(
        net.errors.iter().all(|(_, e)| matches!(
            e,
            RunnerError::ConsensusFinished | RunnerError::NoRunningDuty | RunnerError::Qbft(_)
        )),
        "{:?}",
        net.errors
    );
    // Subnets 0 and 1, each submitted by all four operators.
    assert_eq!(net.submitted.len(), 8);
    let mut subnets = BTreeMap::new();
    for (_, s) in &net.submitted {
        assert_eq!(s.kind, SubmissionKind::ContributionAndProof);
        let m = SignedContributionAndProof::from_ssz_bytes(&s.ssz).expect("decodes");
        assert_eq!(m.tree_hash_root().0, s.root);
        assert_eq!(m.message.aggregator_index, INDEX);
        let subnet = m.message.contribution.subcommittee_index;
        assert_eq!(m.message.contribution, contribution(SLOT, subnet));
        assert!(net.verifies(
            DOMAIN_CONTRIBUTION_AND_PROOF,
            m.message.tree_hash_root().0,
            &m.signature
        ));
        let selection = SyncAggregatorSelectionData {
            slot: SLOT,
            subcommittee_index: subnet,
        };
        assert!(net.verifies(
            DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
            selection.tree_hash_root().0,
            &m.message.selection_proof
        ));
        *subnets.entry(subnet).or_insert(0) += 1;
    }
    assert_eq!(subnets, BTreeMap::from([(0, 4), (1, 4)]));
    // One proof per sync position (3), then one signature per contribution (2).
    let partials = net.partials();
    for id in OPS {
        let mine: Vec<_> = partials.iter().filter(|p| p.0 == id).collect();
        assert_eq!(mine.len(), 2, "{mine:?}");
        assert_eq!(
            (mine[0].1, mine[0].2, mine[0].3),
            (
                PartialSigKind::ContributionProofs,
                3,
                Role::SyncCommitteeContribution
            )
        );
        assert_eq!((mine[1].1, mine[1].2), (PartialSigKind::PostConsensus, 2));
    }
    assert!(net.requests.iter().any(|(_, r)| matches!(r,
        Request::Aggregation(n) if n.sync_subnets == [0, 1] && n.committee_indexes.is_empty())));
    assert_eq!(
        net.finished,
        OPS.map(|id| (id, Role::SyncCommitteeContribution)).to_vec()
    );
    let verdicts = net.validate_all();
    assert!(verdicts.iter().all(common::accepted), "{verdicts:?}");
}

#[test]
fn a_contributor_not_selected_ends_after_pre_consensus() {
    let mut net = Net::new(DataVersion::Deneb, false);
    net.start(4);
    net.run(true);
    assert!(net.submitted.is_empty());
    assert_eq!(net.decided, 0);
    assert!(!net
        .requests
        .iter()
        .any(|(_, r)| matches!(r, Request::Aggregation(_))));
    for m in net.machines.values() {
        let view = m.runner(Role::SyncCommitteeContribution).expect("runner");
        assert!(view.duty_state().expect("duty").finished());
    }
}

#[test]
fn a_contribution_duty_without_sync_positions_is_refused() {
    let mut net = Net::new(DataVersion::Deneb, true);
    let mut duty = net.duty(4);
    duty.validator_sync_committee_indices = Default::default();
    let m = net.machines.get_mut(&1).expect("machine");
    let r = m.handle(Timestamp(0), Input::StartDuty(Duty::Validator(duty)));
    assert!(
        matches!(r, Err(RunnerError::InvalidValidatorDuty(_))),
        "{r:?}"
    );
    assert!(m.poll_output().is_none());
}

#[test]
fn finished_runners_are_forgotten_and_late_partials_do_not_rebuild_them() {
    let mut net = Net::new(DataVersion::Deneb, false);
    net.start(1);
    net.run(true);
    let late = net.partial(
        4,
        PartialSigKind::SelectionProof,
        &[net.root_in(DOMAIN_SELECTION_PROOF, SLOT.tree_hash_root().0)],
    );
    let m = net.machines.get_mut(&1).expect("operator 1");
    assert_eq!(m.built_runners(), 1);
    // Kept through its own slot, dropped after it.
    assert!(!m.forget_finished(SLOT));
    assert!(m.runner(Role::Aggregator).is_some());
    assert!(m.forget_finished(SLOT + 1));
    assert!(m.runner(Role::Aggregator).is_none());
    // A late proof is refused as the finished runner refused it, and no
    // runner is kept for it.
    let now = Timestamp((SLOT + 1) * common::SLOT_MS);
    assert!(matches!(
        m.handle(now, Input::Message(late)),
        Err(RunnerError::NoRunningDuty)
    ));
    assert_eq!(m.built_runners(), 0);
}

#[test]
fn an_unfinished_runner_is_dropped_two_epochs_after_its_duty() {
    let mut net = Net::new(DataVersion::Deneb, false);
    // Operator 1 alone: its aggregation duty never reaches a quorum.
    net.queue
        .push_back((1, Input::StartDuty(Duty::Validator(net.duty(1)))));
    net.run(false);
    let mut later = net.duty(4);
    let m = net.machines.get_mut(&1).expect("operator 1");
    assert!(!m.forget_finished(SLOT + 10), "not finished: kept");
    for (slot, aggregator_kept) in [(SLOT + 64, true), (SLOT + 65, false)] {
        later.slot = slot;
        let now = Timestamp(slot * common::SLOT_MS + 1_000);
        m.handle(now, Input::StartDuty(Duty::Validator(later.clone())))
            .expect("the contribution duty starts");
        assert_eq!(
            m.runner(Role::Aggregator).is_some(),
            aggregator_kept,
            "slot {slot}"
        );
        assert!(m.runner(Role::SyncCommitteeContribution).is_some());
    }
}
