//! Four operators' committee machines run one attestation duty together over an
//! in-memory network: each answers its own requests with its own BLS share, and
//! every operator submits the same attestation, whose rebuilt signature verifies
//! under the validator's key. Running it twice gives byte-identical outputs. The
//! read-only runner view then shows the finished duty.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use qbft_core::{Committee, External, InstanceConfig, Timestamp};
use ssv_protocol::beacon::consensus_data::{DataVersion, ValidatorDuty};
use ssv_protocol::beacon::phase0::{Attestation, AttestationData, Checkpoint};
use ssv_protocol::beacon::signed::{fixed, root};
use ssv_protocol::consensus::{SsvQbft, ValueCheck};
use ssv_protocol::runner::chain::{ChainSpec, Fork, DOMAIN_ATTESTER};
use ssv_protocol::runner::duty::{CommitteeDuty, Duty};
use ssv_protocol::runner::error::RunnerError;
use ssv_protocol::runner::io::{Request, Response, SubmissionKind};
use ssv_protocol::runner::{
    AggregatorSelection, CommitteeMachine, Input, Output, Setup, SpecSelection, ValueChecks,
};
use ssv_protocol::threshold::{interop_secret_key, sign, split, verify};
use ssv_protocol::wire::{BeaconVote, Role, Share, ShareMember, SignedSsvMessage};
use ssz::Decode;
use tree_hash::TreeHash;

struct Checks;

impl ValueChecks for Checks {
    fn committee(&self, _duty: &CommitteeDuty, _shares: &[&Share]) -> ValueCheck {
        Arc::new(|v: &[u8]| match BeaconVote::decode(v) {
            Ok(b) if b.source.epoch < b.target.epoch => Ok(()),
            _ => Err(External::new(std::fmt::Error)),
        })
    }
    fn proposer(&self, _share: &Share) -> ValueCheck {
        Arc::new(|_: &[u8]| Ok(()))
    }
    fn aggregator_committee(&self) -> ValueCheck {
        Arc::new(|_: &[u8]| Ok(()))
    }
}

fn chain() -> ChainSpec {
    ChainSpec {
        sync_subcommittee_size: ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
        genesis_time: 1_700_000_000,
        seconds_per_slot: 12,
        slots_per_epoch: 32,
        genesis_validators_root: [7; 32],
        forks: vec![Fork {
            epoch: 0,
            version: DataVersion::Deneb,
            fork_version: [4, 0, 0, 0],
        }],
    }
}

fn data(slot: u64) -> AttestationData {
    AttestationData {
        slot,
        index: 5,
        beacon_block_root: root(&[9; 32]),
        source: Checkpoint {
            epoch: 1,
            root: root(&[1; 32]),
        },
        target: Checkpoint {
            epoch: 2,
            root: root(&[2; 32]),
        },
    }
}

/// Operator `id`'s setup in the committee `ops`.
fn setup_of(id: u64, ops: &[u64]) -> Setup {
    Setup {
        operator_id: id,
        network_domain: [0, 0, 5, 2],
        chain: Arc::new(chain()),
        qbft: SsvQbft::new(BTreeMap::new(), Arc::new(|_: &[u8]| Ok(()))),
        instance: InstanceConfig {
            self_id: id,
            committee: Committee::new(ops.iter().copied()).expect("committee"),
            cut_off_round: 12,
        },
        max_instances: 4,
        pending_limit: 64,
        value_checks: Arc::new(Checks),
        selection: Arc::new(SpecSelection),
        gas_limit: 30_000_000,
        verify_signatures: false,
    }
}

/// What one operator submitted: its id, the SSZ and the root.
type Submitted = (u64, Vec<u8>, [u8; 32]);

/// Runs the duty; returns every output of every operator, in order, the
/// attestations submitted, and the validator's public key.
fn run_duty() -> (Vec<String>, Vec<Submitted>, [u8; 48]) {
    let (log, submitted, validator_pk, _) = run_duty_keeping_machines();
    (log, submitted, validator_pk)
}

/// [`run_duty`], also returning each operator's machine after the duty.
fn run_duty_keeping_machines() -> (
    Vec<String>,
    Vec<Submitted>,
    [u8; 48],
    BTreeMap<u64, CommitteeMachine>,
) {
    let ops = [1u64, 2, 3, 4];
    let validator_sk = interop_secret_key(3).expect("interop key");
    let validator_pk = validator_sk.sk_to_pk().to_bytes();
    let shares = split(&validator_sk, &ops, 3, &[42; 32]).expect("split");
    let members: Vec<ShareMember> = shares
        .iter()
        .map(|(id, sk)| ShareMember {
            share_pubkey: sk.sk_to_pk().to_bytes(),
            signer: *id,
        })
        .collect();
    let slot = 70;
    let duty = ValidatorDuty {
        role: 0,
        pubkey: fixed(&validator_pk),
        slot,
        validator_index: 11,
        committee_index: 5,
        committee_length: 100,
        committees_at_slot: 10,
        validator_committee_index: 17,
        validator_sync_committee_indices: Default::default(),
    };
    let mut machines: BTreeMap<u64, CommitteeMachine> = BTreeMap::new();
    for (id, sk) in &shares {
        let setup = setup_of(*id, &ops);
        let share = Share {
            validator_index: 11,
            validator_pubkey: validator_pk,
            share_pubkey: sk.sk_to_pk().to_bytes(),
            committee: members.clone(),
            domain_type: [0, 0, 5, 2],
            fee_recipient: [0; 20],
            graffiti: [0; 32],
        };
        machines.insert(
            *id,
            CommitteeMachine::new(setup, [(11, share)].into_iter().collect()),
        );
    }
    let secrets: BTreeMap<u64, _> = shares.into_iter().collect();
    let mut queue: VecDeque<(u64, Input)> = ops
        .iter()
        .map(|id| {
            (
                *id,
                Input::StartDuty(Duty::Committee(CommitteeDuty {
                    slot,
                    validator_duties: vec![duty.clone()],
                })),
            )
        })
        .collect();
    let mut log = Vec::new();
    let mut submitted = Vec::new();
    let now = Timestamp(1_700_000_000_000 + slot * 12_000 + 4_000);
    while let Some((id, input)) = queue.pop_front() {
        let m = machines.get_mut(&id).expect("machine");
        let _ = m.handle(now, input);
        while let Some(out) = m.poll_output() {
            log.push(format!("{id}: {out:?}"));
            match out {
                Output::Broadcast { message, full_data } => {
                    let signed = Arc::new(SignedSsvMessage {
                        signatures: vec![vec![1; 256]],
                        operator_ids: vec![id],
                        ssv_message: message,
                        full_data,
                    });
                    for to in ops {
                        queue.push_back((to, Input::Message(Arc::clone(&signed))));
                    }
                }
                Output::Request { id: rid, request } => {
                    let response = match request {
                        Request::AttestationData { slot } => Response::AttestationData(data(slot)),
                        Request::RecordSlashing(_) => Response::Recorded,
                        Request::Sign(items) => Response::Signatures(
                            items
                                .iter()
                                .map(|i| sign(&secrets[&id], &i.signing_root).to_bytes())
                                .collect(),
                        ),
                        other => Response::Failed(format!("unexpected {other:?}")),
                    };
                    queue.push_front((id, Input::Response { id: rid, response }));
                }
                Output::Submit(s) => {
                    assert_eq!(s.kind, SubmissionKind::Attestation);
                    submitted.push((id, s.ssz, s.root));
                }
                _ => {}
            }
        }
    }
    (log, submitted, validator_pk, machines)
}

#[test]
fn four_operators_attest_with_a_rebuilt_signature() {
    let (log, submitted, validator_pk) = run_duty();
    assert_eq!(submitted.len(), 4, "every operator submits once");
    let first = &submitted[0];
    assert!(
        submitted.iter().all(|s| s.1 == first.1),
        "identical attestations"
    );
    let att = Attestation::from_ssz_bytes(&first.1).expect("attestation decodes");
    assert_eq!(att.tree_hash_root().0, first.2);
    assert_eq!(att.data.slot, 70);
    assert_eq!(att.aggregation_bits.len(), 100);
    assert!(att.aggregation_bits.get(17).expect("bit in range"));
    let chain = chain();
    let signing_root = ssv_protocol::signing::signing_root(
        att.data.tree_hash_root().0,
        chain.domain(DOMAIN_ATTESTER, chain.epoch(70)),
    );
    let pk = ssv_protocol::threshold::public_key_from_bytes(&validator_pk).expect("pk");
    let sig = ssv_protocol::threshold::signature_from_bytes(&att.signature).expect("sig");
    assert!(
        verify(&pk, &signing_root, &sig),
        "the rebuilt signature verifies"
    );
    assert_eq!(log.iter().filter(|l| l.contains("DutyFinished")).count(), 4);
    // The slashing record is requested before the attestation is signed.
    let record = log
        .iter()
        .position(|l| l.starts_with("1: ") && l.contains("RecordSlashing"));
    let sign = log
        .iter()
        .position(|l| l.starts_with("1: ") && l.contains("Sign(") && l.contains("signing_root"));
    assert!(record.is_some() && sign.is_some() && record < sign);
}

#[test]
fn the_same_inputs_give_the_same_outputs() {
    let (a, _, _) = run_duty();
    let (b, _, _) = run_duty();
    assert_eq!(a, b);
}

#[test]
fn spec_selection_follows_the_modulo_rule() {
    // A committee of 16 or fewer has modulo 1: every proof selects.
    assert!(SpecSelection.is_aggregator(0, 0, 16, &[3; 96]));
    // Out of many proofs, about 1 in 8 selects for a 128-member committee.
    let selected = (0..=255u8)
        .filter(|b| SpecSelection.is_aggregator(0, 0, 128, &[*b; 96]))
        .count();
    assert!((10..=60).contains(&selected), "{selected}");
}

#[test]
fn the_runner_view_shows_the_finished_duty() {
    let (_, _, _, machines) = run_duty_keeping_machines();
    let view = machines[&1]
        .runner(Role::Committee, 70)
        .expect("the duty's runner is kept");
    assert_eq!(view.role(), Role::Committee);
    assert!(view.shares().contains_key(&11));
    let state = view.duty_state().expect("a duty ran");
    assert_eq!(state.duty().slot(), 70);
    assert!(state.finished());
    let decided = state.decided_value().expect("decided");
    let instance = state
        .running_instance()
        .expect("the duty's instance is kept");
    assert_eq!(instance.height(), 70);
    assert_eq!(instance.decided().map(|v| &v[..]), Some(decided));
    assert_eq!(view.controller().map(|c| c.height()), Some(70));
    assert_eq!(state.pre_consensus().entries().count(), 0);
    let post = state.post_consensus();
    assert!(post.entries().count() >= post.quorum());
    assert!(machines[&1].runner(Role::AggregatorCommittee, 70).is_none());
}

#[test]
fn starting_on_a_runner_needs_one_at_the_slot() {
    let mut m = CommitteeMachine::new(setup_of(1, &[1, 2, 3, 4]), BTreeMap::new());
    let duty = Duty::Committee(CommitteeDuty {
        slot: 9,
        validator_duties: Vec::new(),
    });
    assert!(matches!(
        m.start_on_runner(Timestamp(0), duty),
        Err(RunnerError::NoRunnerForSlot(9))
    ));
    assert!(m.poll_output().is_none());
}
