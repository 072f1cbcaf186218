//! Arbitrary operation sequences on a QBFT controller in the test embedding:
//! starts, ticks and messages of every kind, well- or ill-formed, correctly or
//! wrongly signed. Nothing may panic, and a refused input changes nothing.
#![no_main]
use std::sync::Arc;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use qbft_core::testkit::{digest, tag, TestContext};
use qbft_core::{
    Committee, Controller, ControllerConfig, ControllerInput, InstanceConfig, Message, MessageKind, SignedMessage,
    Timestamp,
};

#[derive(Arbitrary, Debug)]
enum Op {
    Start { height: u8, value: u8 },
    Tick { advance_ms: u16 },
    Msg { kind: u8, height: u8, round: u8, data_round: u8, value: u8, signers: Vec<u8>, good_sig: bool, full: Option<u8>, justifications: Vec<(u8, u8, u8, u8)> },
}

const ID: &[u8] = b"fuzz";

fn build(kind: u8, height: u8, round: u8, data_round: u8, value: u8, signers: &[u8], good: bool, full: Option<u8>, js: &[(u8, u8, u8, u8)]) -> Arc<SignedMessage<TestContext>> {
    let just = |(k, r, v, s): &(u8, u8, u8, u8)| {
        let m = Message { kind: MessageKind::from_u64(u64::from(*k % 5)), height: u64::from(height), round: u64::from(*r % 8), identifier: ID.to_vec(), root: digest(u64::from(*v % 4)), data_round: 0, round_change_justification: vec![], prepare_justification: vec![] };
        let s = u64::from(*s % 6);
        Arc::new(SignedMessage { signers: vec![s], signatures: vec![tag(s, &m)], message: m, full_data: None, envelope: () })
    };
    let m = Message {
        kind: MessageKind::from_u64(u64::from(kind % 5)),
        height: u64::from(height % 4),
        round: u64::from(round % 8),
        identifier: ID.to_vec(),
        root: digest(u64::from(value % 4)),
        data_round: u64::from(data_round % 8),
        round_change_justification: js.iter().take(13).map(just).collect(),
        prepare_justification: js.iter().rev().take(13).map(just).collect(),
    };
    let signers: Vec<u64> = signers.iter().take(13).map(|s| u64::from(*s % 6)).collect();
    let signatures = signers.iter().map(|s| if good { tag(*s, &m) } else { vec![0] }).collect();
    Arc::new(SignedMessage { signers, signatures, message: m, full_data: full.map(|v| u64::from(v % 4)), envelope: () })
}

fuzz_target!(|ops: Vec<Op>| {
    let mut c = Controller::new(
        TestContext::default(),
        ControllerConfig {
            instance: InstanceConfig { self_id: 1, committee: Committee::new([1, 2, 3, 4]).unwrap(), cut_off_round: 6 },
            identifier: ID.to_vec(),
            max_instances: 3,
            pending_limit: 0,
        },
    );
    let mut now = 0u64;
    for op in ops.iter().take(256) {
        while c.poll_output().is_some() {}
        let before = format!("{:?}", c.instances());
        let result = match op {
            Op::Start { height, value } => c.handle(Timestamp(now), ControllerInput::Start { height: u64::from(*height % 4), value: u64::from(*value % 4) }),
            Op::Tick { advance_ms } => {
                now += u64::from(*advance_ms);
                c.handle(Timestamp(now), ControllerInput::Tick)
            }
            Op::Msg { kind, height, round, data_round, value, signers, good_sig, full, justifications } => {
                let m = build(*kind, *height, *round, *data_round, *value, signers, *good_sig, *full, justifications);
                c.handle(Timestamp(now), ControllerInput::Message(m))
            }
        };
        if result.is_err() {
            assert_eq!(format!("{:?}", c.instances()), before, "refused input changed state: {op:?}");
            assert!(c.poll_output().is_none());
        }
    }
});
