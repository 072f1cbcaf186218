//! Arbitrary input sequences into the duty scheduler: validator sets, head
//! events (with changing dependent roots), exit events, answers to its fetches
//! (arbitrary duties, for its validators and others, and failures) and ticks,
//! with time only moving forward. Nothing may panic, and:
//! - a duty is never started twice (same slot, role and target);
//! - a started duty is for the slot the clock is in, never a past or future one;
//! - every validator in a started duty is one of the scheduler's validators;
//! - fetch ids are never reused.
#![no_main]
use std::collections::BTreeSet;
use std::sync::Arc;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use qbft_core::Timestamp;
use ssv_protocol::beacon::consensus_data::DataVersion;
use ssv_protocol::identifiers::CommitteeId;
use ssv_protocol::runner::chain::{ChainSpec, Fork};
use ssv_protocol::scheduler::{
    AttesterDuty, DutiesRequest, DutiesResponse, DutyTarget, HeadEvent, Input, Output,
    ProposerDuty, ScheduledValidator, Scheduler, SchedulerConfig, SyncDuty,
};

#[derive(Arbitrary, Debug)]
enum Op {
    /// Time passes by this many milliseconds (up to about 4 slots), then a tick.
    Advance(u16),
    /// Jump to the scheduler's own next deadline and tick.
    ToDeadline,
    /// A validator set drawn from indices 0..16, in committees 0..4.
    Validators(Vec<(u8, u8)>),
    Head { slot_ahead: u8, roots: u8 },
    Exited { validator: u8, slot_back: u8 },
    /// Answer the n-th outstanding fetch.
    Answer { which: u8, answer: Answer },
}

#[derive(Arbitrary, Debug)]
enum Answer {
    Attester { root: u8, duties: Vec<(u8, u8, u8)> },
    Proposer { root: u8, duties: Vec<(u8, u8)> },
    Sync { duties: Vec<(u8, Vec<u8>)> },
    Failed,
}

fn committee(c: u8) -> CommitteeId {
    [c % 4; 32]
}

fn chain() -> ChainSpec {
    ChainSpec {
        sync_subcommittee_size: ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
        genesis_time: 100,
        seconds_per_slot: 12,
        slots_per_epoch: 8,
        genesis_validators_root: [0; 32],
        forks: vec![Fork { epoch: 0, version: DataVersion::Deneb, fork_version: [0; 4] }],
    }
}

fn answer(request: &DutiesRequest, answer: Answer, spe: u64) -> DutiesResponse {
    let epoch = match request {
        DutiesRequest::Attester { epoch, .. }
        | DutiesRequest::Proposer { epoch }
        | DutiesRequest::Sync { epoch, .. } => *epoch,
    };
    let slot = |off: u8| epoch.saturating_mul(spe).saturating_add(u64::from(off) % (spe + 2));
    match answer {
        Answer::Attester { root, duties } => DutiesResponse::Attester {
            dependent_root: [root % 3; 32],
            duties: duties
                .into_iter()
                .map(|(v, s, c)| AttesterDuty {
                    validator_index: u64::from(v % 20),
                    slot: slot(s),
                    committee_index: u64::from(c),
                    committee_length: 64,
                    committees_at_slot: 4,
                    validator_committee_index: u64::from(c % 64),
                })
                .collect(),
        },
        Answer::Proposer { root, duties } => DutiesResponse::Proposer {
            dependent_root: [root % 3; 32],
            duties: duties
                .into_iter()
                .map(|(v, s)| ProposerDuty { validator_index: u64::from(v % 20), slot: slot(s) })
                .collect(),
        },
        Answer::Sync { duties } => DutiesResponse::Sync {
            duties: duties
                .into_iter()
                .map(|(v, idx)| SyncDuty {
                    validator_index: u64::from(v % 20),
                    validator_sync_committee_indices: idx.into_iter().map(u64::from).collect(),
                })
                .collect(),
        },
        Answer::Failed => DutiesResponse::Failed("fuzz".into()),
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let chain = Arc::new(chain());
    let spe = chain.slots_per_epoch;
    let mut s = Scheduler::new(SchedulerConfig::new(Arc::clone(&chain)));
    // Start a little before genesis.
    let mut now: u64 = 99_000;
    let mut outstanding: Vec<(u64, DutiesRequest)> = Vec::new();
    let mut fetch_ids = BTreeSet::new();
    let mut started = BTreeSet::new();
    for op in ops.into_iter().take(256) {
        let input = match op {
            Op::Advance(ms) => {
                now = now.saturating_add(u64::from(ms));
                Input::Tick
            }
            Op::ToDeadline => {
                if let Some(t) = s.poll_timeout() {
                    now = now.max(t.0);
                }
                Input::Tick
            }
            Op::Validators(list) => Input::Validators(
                list.into_iter()
                    .map(|(i, c)| ScheduledValidator {
                        index: u64::from(i % 16),
                        pubkey: [i % 16; 48],
                        committee: committee(c),
                    })
                    .collect(),
            ),
            Op::Head { slot_ahead, roots } => Input::Head(HeadEvent {
                slot: chain.slot_at(now).saturating_add(u64::from(slot_ahead % 3)),
                block_root: [roots; 32],
                previous_duty_dependent_root: [roots % 3; 32],
                current_duty_dependent_root: [(roots / 3) % 3; 32],
            }),
            Op::Exited { validator, slot_back } => Input::ValidatorExited {
                validator_index: u64::from(validator % 20),
                block_slot: chain.slot_at(now).saturating_sub(u64::from(slot_back % 8)),
            },
            Op::Answer { which, answer: a } => {
                if outstanding.is_empty() {
                    continue;
                }
                let (id, request) = outstanding.remove(usize::from(which) % outstanding.len());
                Input::Response { id, response: answer(&request, a, spe) }
            }
        };
        s.handle(Timestamp(now), input);
        while let Some(out) = s.poll_output() {
            match out {
                Output::Fetch { id, request } => {
                    assert!(fetch_ids.insert(id), "fetch id {id} reused");
                    outstanding.push((id, request));
                }
                Output::Start { target, duty } => {
                    let slot = duty.slot();
                    if now >= chain.slot_start_time(0) * 1000 {
                        assert_eq!(slot, chain.slot_at(now), "duty started for another slot");
                    }
                    for d in duty.validator_duties() {
                        assert!(
                            s.validators().contains_key(&d.validator_index),
                            "duty for validator {} that is not ours",
                            d.validator_index
                        );
                    }
                    let key = match &target {
                        DutyTarget::Committee(c) => (slot, duty.runner_role(), c[0], 0),
                        DutyTarget::Validator(v) => (slot, duty.runner_role(), 255, *v),
                    };
                    assert!(started.insert(format!("{key:?}")), "duty started twice: {key:?}");
                }
                Output::Late { .. } | Output::Reorg { .. } | Output::DutiesChanged => {}
            }
        }
    }
});
