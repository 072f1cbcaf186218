//! Arbitrary messages into a committee machine running a committee duty and an
//! aggregator-committee duty: consensus and partial-signature payloads from any
//! signer, with every request answered. Nothing may panic.
#![no_main]
#[path = "shared/machine_setup.rs"]
mod machine_setup;

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use qbft_core::Timestamp;
use ssv_protocol::beacon::consensus_data::ValidatorDuty;
use ssv_protocol::beacon::phase0::{AttestationData, Checkpoint};
use ssv_protocol::beacon::signed::{fixed, root};
use ssv_protocol::runner::duty::{AggregatorCommitteeDuty, CommitteeDuty, Duty};
use ssv_protocol::runner::io::{Request, Response};
use ssv_protocol::runner::{CommitteeMachine, Input, Output};
use ssv_protocol::wire::{MessageId, Role, SignedSsvMessage, SsvMessage, SsvMsgType};

fn duty(role: u64) -> ValidatorDuty {
    ValidatorDuty {
        role,
        pubkey: fixed(&[0xAA; 48]),
        slot: 5,
        validator_index: 1,
        committee_index: 2,
        committee_length: 64,
        committees_at_slot: 4,
        validator_committee_index: 3,
        validator_sync_committee_indices: Default::default(),
    }
}

fn answer(request: &Request) -> Response {
    match request {
        Request::AttestationData { slot } => Response::AttestationData(AttestationData {
            slot: *slot,
            index: 2,
            beacon_block_root: root(&[1; 32]),
            source: Checkpoint { epoch: 0, root: root(&[2; 32]) },
            target: Checkpoint { epoch: 1, root: root(&[3; 32]) },
        }),
        Request::Sign(items) => Response::Signatures(vec![[0; 96]; items.len()]),
        Request::RecordSlashing(_) => Response::Recorded,
        _ => Response::Failed("not served".into()),
    }
}

fuzz_target!(|data: &[u8]| {
    let (share, setup) = (machine_setup::share(), machine_setup::setup());
    let mut m = CommitteeMachine::new(setup, [(1, share)].into_iter().collect());
    let ids = [m.message_id(Role::Committee), m.message_id(Role::AggregatorCommittee)];
    let mut inputs = vec![
        Input::StartDuty(Duty::Committee(CommitteeDuty { slot: 5, validator_duties: vec![duty(0)] })),
        Input::StartDuty(Duty::AggregatorCommittee(AggregatorCommitteeDuty { slot: 5, validator_duties: vec![duty(1)] })),
    ];
    let mut rest = data;
    while rest.len() >= 3 {
        let (head, tail) = rest.split_at(3);
        let len = (head[2] as usize).min(tail.len());
        let (body, tail) = tail.split_at(len);
        rest = tail;
        let msg_id: MessageId = ids[(head[0] & 1) as usize];
        let msg_type = if head[0] & 2 == 0 { SsvMsgType::Consensus } else { SsvMsgType::PartialSignature };
        inputs.push(Input::Message(Arc::new(SignedSsvMessage {
            signatures: vec![vec![1; 256]],
            operator_ids: vec![u64::from(head[1] % 6)],
            ssv_message: SsvMessage { msg_type, msg_id, data: body.to_vec() },
            full_data: if head[0] & 4 == 0 { Vec::new() } else { body.to_vec() },
        })));
        if head[0] & 8 != 0 {
            inputs.push(Input::Tick);
        }
    }
    let mut now = 60_000u64;
    for input in inputs {
        now += 500;
        let _ = m.handle(Timestamp(now), input);
        while let Some(out) = m.poll_output() {
            if let Output::Request { id, request } = out {
                let _ = m.handle(Timestamp(now), Input::Response { id, response: answer(&request) });
            }
        }
    }
});
