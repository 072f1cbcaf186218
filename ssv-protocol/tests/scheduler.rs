//! The scheduler machine: what it fetches, when each duty starts within its slot,
//! reorg refetches, registrations and exits, retries, determinism.

use std::sync::Arc;

use qbft_core::Timestamp;
use ssv_protocol::runner::chain::ChainSpec;
use ssv_protocol::runner::duty::Duty;
use ssv_protocol::scheduler::{
    AttesterDuty, DutiesRequest, DutiesResponse, DutyTarget, FetchKind, HeadEvent, Input, Output,
    ProposerDuty, ScheduledValidator, Scheduler, SchedulerConfig, SyncDuty,
};
use ssv_protocol::wire::Role;

const GENESIS_S: u64 = 1_000;
const A: [u8; 32] = [0xa; 32];
const B: [u8; 32] = [0xb; 32];

fn chain() -> Arc<ChainSpec> {
    Arc::new(ChainSpec {
        sync_subcommittee_size: ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
        genesis_time: GENESIS_S,
        seconds_per_slot: 12,
        slots_per_epoch: 32,
        genesis_validators_root: [0; 32],
        forks: vec![],
    })
}

/// Unix milliseconds at `ms` into `slot`.
fn at(slot: u64, ms: u64) -> Timestamp {
    Timestamp((GENESIS_S + slot * 12) * 1000 + ms)
}

fn validators() -> Vec<ScheduledValidator> {
    [(1, A), (2, A), (3, B)]
        .into_iter()
        .map(|(index, committee)| ScheduledValidator {
            index,
            pubkey: [index as u8; 48],
            committee,
        })
        .collect()
}

fn attester(validator_index: u64, slot: u64) -> AttesterDuty {
    AttesterDuty {
        validator_index,
        slot,
        committee_index: 2,
        committee_length: 64,
        committees_at_slot: 4,
        validator_committee_index: validator_index,
    }
}

fn drain(s: &mut Scheduler) -> Vec<Output> {
    std::iter::from_fn(|| s.poll_output()).collect()
}

fn fetches(outs: &[Output]) -> Vec<(u64, DutiesRequest)> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Fetch { id, request } => Some((*id, request.clone())),
            _ => None,
        })
        .collect()
}

fn starts(outs: &[Output]) -> Vec<(DutyTarget, Duty)> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Start { target, duty } => Some((target.clone(), duty.clone())),
            _ => None,
        })
        .collect()
}

/// A scheduler at slot 40 (epoch 1, early) that has answered every fetch:
/// attesters 1 and 3 at slot 41, 2 at slot 50; 3 proposes at 41; 2 is in the
/// sync committee.
fn primed() -> Scheduler {
    let mut s = Scheduler::new(SchedulerConfig::new(chain()));
    s.handle(at(40, 0), Input::Validators(validators()));
    let outs = drain(&mut s);
    for (id, req) in fetches(&outs) {
        let response = match req {
            DutiesRequest::Attester { epoch: 1, .. } => DutiesResponse::Attester {
                dependent_root: [1; 32],
                duties: vec![attester(1, 41), attester(3, 41), attester(2, 50)],
            },
            DutiesRequest::Proposer { epoch: 1 } => DutiesResponse::Proposer {
                dependent_root: [2; 32],
                duties: vec![
                    ProposerDuty {
                        validator_index: 3,
                        slot: 41,
                    },
                    ProposerDuty {
                        validator_index: 99,
                        slot: 42,
                    },
                ],
            },
            DutiesRequest::Sync { .. } => DutiesResponse::Sync {
                duties: vec![SyncDuty {
                    validator_index: 2,
                    validator_sync_committee_indices: vec![7, 300],
                }],
            },
            other => panic!("unexpected fetch {other:?}"),
        };
        s.handle(at(40, 10), Input::Response { id, response });
    }
    drain(&mut s);
    s
}

#[test]
fn fetches_current_epoch_then_next_from_mid_epoch() {
    let mut s = Scheduler::new(SchedulerConfig::new(chain()));
    s.handle(at(40, 0), Input::Validators(validators()));
    let kinds: Vec<_> = fetches(&drain(&mut s)).into_iter().map(|f| f.1).collect();
    assert_eq!(
        kinds,
        vec![
            DutiesRequest::Attester {
                epoch: 1,
                indices: vec![1, 2, 3]
            },
            DutiesRequest::Proposer { epoch: 1 },
            DutiesRequest::Sync {
                epoch: 1,
                indices: vec![1, 2, 3]
            },
        ]
    );
    // Nothing is asked twice while in flight.
    s.handle(at(41, 0), Input::Tick);
    assert!(fetches(&drain(&mut s)).is_empty());
    // From slot 16 of the epoch, the next epoch's attester duties are asked.
    s.handle(at(48, 0), Input::Tick);
    let next: Vec<_> = fetches(&drain(&mut s)).into_iter().map(|f| f.1).collect();
    assert_eq!(
        next,
        vec![DutiesRequest::Attester {
            epoch: 2,
            indices: vec![1, 2, 3]
        }]
    );
}

#[test]
fn each_role_starts_at_its_point_in_the_slot() {
    let mut s = primed();
    // Slot 41 starts: the aggregator committees (both) and the proposal.
    s.handle(at(41, 0), Input::Tick);
    let first = starts(&drain(&mut s));
    let roles: Vec<_> = first
        .iter()
        .map(|(t, d)| (t.clone(), d.runner_role()))
        .collect();
    assert_eq!(
        roles,
        vec![
            (DutyTarget::Committee(A), Some(Role::AggregatorCommittee)),
            (DutyTarget::Committee(B), Some(Role::AggregatorCommittee)),
            (DutyTarget::Validator(3), Some(Role::Proposer)),
        ]
    );
    // A's aggregation: validator 1's aggregator duty and 2's contribution.
    let a_roles: Vec<_> = first[0]
        .1
        .validator_duties()
        .iter()
        .map(|d| (d.validator_index, d.role))
        .collect();
    assert_eq!(a_roles, vec![(1, 1), (2, 4)]);
    assert_eq!(s.poll_timeout(), Some(at(41, 4_000)));
    // Nothing more before 1/3 of the slot.
    s.handle(at(41, 3_999), Input::Tick);
    assert!(starts(&drain(&mut s)).is_empty());
    s.handle(at(41, 4_000), Input::Tick);
    let committee = starts(&drain(&mut s));
    assert_eq!(committee.len(), 2);
    let Duty::Committee(a) = &committee[0].1 else {
        panic!("committee duty expected");
    };
    assert_eq!(committee[0].0, DutyTarget::Committee(A));
    let a_duties: Vec<_> = a
        .validator_duties
        .iter()
        .map(|d| {
            (
                d.validator_index,
                d.role,
                d.validator_sync_committee_indices.to_vec(),
            )
        })
        .collect();
    assert_eq!(a_duties, vec![(1, 0, vec![]), (2, 3, vec![7, 300])]);
    assert_eq!(s.poll_timeout(), Some(at(42, 0)));
}

#[test]
fn a_head_event_starts_the_committee_300ms_later() {
    let mut s = primed();
    s.handle(at(41, 0), Input::Tick);
    drain(&mut s);
    let head = HeadEvent {
        slot: 41,
        block_root: [9; 32],
        previous_duty_dependent_root: [1; 32],
        current_duty_dependent_root: [2; 32],
    };
    s.handle(at(41, 1_000), Input::Head(head));
    let outs = drain(&mut s);
    assert!(starts(&outs).is_empty(), "no reorg, no start yet");
    assert_eq!(s.poll_timeout(), Some(at(41, 1_300)));
    s.handle(at(41, 1_300), Input::Tick);
    assert_eq!(starts(&drain(&mut s)).len(), 2);
}

#[test]
fn a_changed_dependent_root_refetches() {
    let mut s = primed();
    let head = HeadEvent {
        slot: 41,
        block_root: [9; 32],
        previous_duty_dependent_root: [5; 32],
        current_duty_dependent_root: [2; 32],
    };
    s.handle(at(41, 500), Input::Head(head));
    let outs = drain(&mut s);
    assert!(outs.contains(&Output::Reorg {
        kind: FetchKind::Attester,
        epoch: 1
    }));
    let refetch: Vec<_> = fetches(&outs).into_iter().map(|f| f.1).collect();
    assert_eq!(
        refetch,
        vec![DutiesRequest::Attester {
            epoch: 1,
            indices: vec![1, 2, 3]
        }]
    );
}

#[test]
fn a_failed_fetch_is_retried_at_the_next_slot() {
    let mut s = Scheduler::new(SchedulerConfig::new(chain()));
    s.handle(at(40, 0), Input::Validators(validators()));
    let first = fetches(&drain(&mut s));
    let (id, _) = first[0].clone();
    s.handle(
        at(40, 100),
        Input::Response {
            id,
            response: DutiesResponse::Failed("timeout".into()),
        },
    );
    assert!(fetches(&drain(&mut s)).is_empty(), "not in the same slot");
    s.handle(at(41, 0), Input::Tick);
    assert_eq!(fetches(&drain(&mut s)).len(), 1);
}

#[test]
fn registrations_every_ten_epochs_and_exits_four_slots_after_the_event() {
    let mut s = Scheduler::new(SchedulerConfig::new(chain()));
    s.handle(at(640, 0), Input::Validators(validators()));
    drain(&mut s);
    // 640 + 1 ≡ 1 (mod 320): validator 1 registers at slot 641.
    s.handle(at(641, 0), Input::Tick);
    let regs: Vec<_> = starts(&drain(&mut s))
        .into_iter()
        .map(|(t, d)| (t, d.runner_role()))
        .collect();
    assert_eq!(
        regs,
        vec![(DutyTarget::Validator(1), Some(Role::ValidatorRegistration))]
    );
    s.handle(
        at(641, 100),
        Input::ValidatorExited {
            validator_index: 2,
            block_slot: 641,
        },
    );
    for slot in 642..645 {
        s.handle(at(slot, 0), Input::Tick);
        let exits = starts(&drain(&mut s));
        assert!(
            exits
                .iter()
                .all(|(_, d)| d.runner_role() != Some(Role::VoluntaryExit)),
            "slot {slot}"
        );
    }
    s.handle(at(645, 0), Input::Tick);
    let exits: Vec<_> = starts(&drain(&mut s))
        .into_iter()
        .map(|(t, d)| (t, d.runner_role(), d.slot()))
        .collect();
    assert_eq!(
        exits,
        vec![(DutyTarget::Validator(2), Some(Role::VoluntaryExit), 645)]
    );
}

#[test]
fn late_ticks_report_lateness_and_skipped_slots_are_not_run() {
    let mut s = primed();
    // Jump past slot 41 entirely: its duties do not start late; slot 42's
    // (validator 2's sync contribution) do.
    s.handle(at(42, 0), Input::Tick);
    let slots: Vec<u64> = starts(&drain(&mut s))
        .iter()
        .map(|(_, d)| d.slot())
        .collect();
    assert_eq!(slots, vec![42]);
    let mut s = primed();
    s.handle(at(41, 5_000), Input::Tick);
    let outs = drain(&mut s);
    assert_eq!(starts(&outs).len(), 5);
    assert!(outs.contains(&Output::Late {
        role: Role::Committee,
        slot: 41,
        late_ms: 1_000
    }));
}

#[test]
fn validation_learns_every_proposer_and_our_sync_contributions() {
    let s = primed();
    let k = s.known_duties();
    assert!(k.proposer.contains(&(41, 3)));
    assert!(k.proposer.contains(&(42, 99)), "others' proposers too");
    assert!(k.proposer_epochs_fetched.contains(&1));
    assert!(k.sync_contribution.contains(&(41, 2)));
    assert!(!k.sync_contribution.contains(&(41, 1)));
}

#[test]
fn the_same_inputs_give_the_same_outputs() {
    let run = || {
        let mut s = primed();
        let mut log = Vec::new();
        for slot in 41..46 {
            for ms in [0, 4_000, 8_000] {
                s.handle(at(slot, ms), Input::Tick);
                log.extend(drain(&mut s).into_iter().map(|o| format!("{o:?}")));
            }
        }
        log
    };
    let a = run();
    assert!(!a.is_empty());
    assert_eq!(a, run());
}
