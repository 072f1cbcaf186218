//! Arbitrary messages into one validator's machine (the live network's Alan
//! runners) running an aggregator, a sync-committee contribution, a proposer, a
//! registration and an exit duty at once: consensus and partial-signature
//! payloads from any signer to any of those roles, interleaved with ticks, with
//! every request answered (aggregates and contributions from a fixed template).
//! Nothing may panic.
#![no_main]
#[path = "shared/machine_setup.rs"]
mod machine_setup;

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use qbft_core::Timestamp;
use ssv_protocol::beacon::altair::SyncCommitteeContribution;
use ssv_protocol::beacon::consensus_data::ValidatorDuty;
use ssv_protocol::beacon::phase0::{AttestationData, Checkpoint};
use ssv_protocol::beacon::signed::{bls_signature, fixed, root};
use ssv_protocol::runner::duty::Duty;
use ssv_protocol::runner::io::{Request, Response};
use ssv_protocol::runner::{Input, Output, ValidatorMachine};
use ssv_protocol::wire::{MessageId, Role, SignedSsvMessage, SsvMessage, SsvMsgType};

const SLOT: u64 = 5;

fn duty(role: u64) -> ValidatorDuty {
    ValidatorDuty {
        role,
        pubkey: fixed(&[0xAA; 48]),
        slot: SLOT,
        validator_index: 1,
        committee_index: 2,
        committee_length: 64,
        committees_at_slot: 4,
        validator_committee_index: 3,
        validator_sync_committee_indices: ssz_types::VariableList::new(vec![5, 200]).expect("2 of at most 13"),
    }
}

fn data(slot: u64) -> AttestationData {
    AttestationData {
        slot,
        index: 2,
        beacon_block_root: root(&[1; 32]),
        source: Checkpoint { epoch: 0, root: root(&[2; 32]) },
        target: Checkpoint { epoch: 1, root: root(&[3; 32]) },
    }
}

/// Answers a request; `fail` turns every answer into a failure.
fn answer(request: &Request, fail: bool) -> Response {
    if fail {
        return Response::Failed("fuzzed failure".into());
    }
    match request {
        Request::AttestationData { slot } => Response::AttestationData(data(*slot)),
        Request::Sign(items) => Response::Signatures(vec![[0; 96]; items.len()]),
        Request::RecordSlashing(_) => Response::Recorded,
        Request::Aggregation(needs) => Response::Aggregation {
            attestations: needs.committee_indexes.iter().map(|c| (*c, vec![0; 8])).collect(),
            contributions: needs
                .sync_subnets
                .iter()
                .map(|s| SyncCommitteeContribution {
                    slot: needs.slot,
                    beacon_block_root: root(&[9; 32]),
                    subcommittee_index: *s,
                    aggregation_bits: Default::default(),
                    signature: bls_signature(&[0xbb; 96]),
                })
                .collect(),
        },
        _ => Response::Failed("not served".into()),
    }
}

fuzz_target!(|data: &[u8]| {
    let (share, setup) = (machine_setup::share(), machine_setup::setup());
    let roles = [
        Role::Aggregator,
        Role::SyncCommitteeContribution,
        Role::Proposer,
        Role::ValidatorRegistration,
        Role::VoluntaryExit,
    ];
    let ids: Vec<MessageId> = roles
        .iter()
        .map(|r| MessageId::for_validator([0, 0, 5, 2], *r, &[0xAA; 48]))
        .collect();
    let mut m = ValidatorMachine::new(setup, share);
    // Aggregator 1, proposer 2, contribution 4, registration 5, exit 6.
    let mut inputs: Vec<Input> =
        [1u64, 4, 2, 5, 6].into_iter().map(|r| Input::StartDuty(Duty::Validator(duty(r)))).collect();
    let mut rest = data;
    let mut fail = Vec::new();
    while rest.len() >= 3 {
        let (head, tail) = rest.split_at(3);
        let len = (head[2] as usize).min(tail.len());
        let (body, tail) = tail.split_at(len);
        rest = tail;
        let msg_id = ids[(head[0] % 5) as usize];
        let msg_type =
            if head[0] & 0x10 == 0 { SsvMsgType::PartialSignature } else { SsvMsgType::Consensus };
        inputs.push(Input::Message(Arc::new(SignedSsvMessage {
            signatures: vec![vec![1; 256]],
            operator_ids: vec![u64::from(head[1] % 6)],
            ssv_message: SsvMessage { msg_type, msg_id, data: body.to_vec() },
            full_data: if head[0] & 0x20 == 0 { Vec::new() } else { body.to_vec() },
        })));
        if head[0] & 0x40 != 0 {
            inputs.push(Input::Tick);
        }
        fail.push(head[0] & 0x80 != 0);
    }
    let mut now = 60_000u64;
    let mut answers = 0usize;
    for input in inputs {
        now += 500;
        let _ = m.handle(Timestamp(now), input);
        while let Some(out) = m.poll_output() {
            if let Output::Request { id, request } = out {
                let f = fail.get(answers).copied().unwrap_or(false);
                answers += 1;
                let _ = m.handle(Timestamp(now), Input::Response { id, response: answer(&request, f) });
            }
        }
    }
});
