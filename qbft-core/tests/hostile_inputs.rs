//! Arbitrary, hostile input sequences: nothing panics, and every refused input
//! leaves the machine's state exactly as it was.

use std::sync::Arc;

use proptest::prelude::*;
use qbft_core::testkit::{digest, tag, TestContext, TestMessage};
use qbft_core::{
    Committee, Controller, ControllerConfig, ControllerInput, InstanceConfig, Message, MessageKind,
    SignedMessage, Timestamp,
};

const ID: &[u8] = b"hostile";

#[derive(Debug, Clone)]
struct Raw {
    kind: u64,
    height: u64,
    round: u64,
    data_round: u64,
    value: u64,
    signers: Vec<u64>,
    good_sig: bool,
    full: Option<u64>,
    id_ok: bool,
    justifications: Vec<(u64, u64, u64, u64)>,
}

fn raw() -> impl Strategy<Value = Raw> {
    (
        0u64..6,
        0u64..4,
        0u64..6,
        0u64..4,
        0u64..4,
        prop::collection::vec(0u64..6, 0..4),
        any::<bool>(),
        prop::option::of(0u64..4),
        prop::bool::weighted(0.9),
        prop::collection::vec((0u64..4, 0u64..6, 0u64..4, 0u64..6), 0..5),
    )
        .prop_map(
            |(
                kind,
                height,
                round,
                data_round,
                value,
                signers,
                good_sig,
                full,
                id_ok,
                justifications,
            )| Raw {
                kind,
                height,
                round,
                data_round,
                value,
                signers,
                good_sig,
                full,
                id_ok,
                justifications,
            },
        )
}

fn build(r: &Raw) -> Arc<TestMessage> {
    let justification = |(kind, round, value, signer): &(u64, u64, u64, u64)| {
        let m = Message {
            kind: MessageKind::from_u64(*kind),
            height: r.height,
            round: *round,
            identifier: ID.to_vec(),
            root: digest(*value),
            data_round: 0,
            round_change_justification: vec![],
            prepare_justification: vec![],
        };
        Arc::new(SignedMessage {
            signers: vec![*signer],
            signatures: vec![tag(*signer, &m)],
            message: m,
            full_data: None,
            envelope: (),
        })
    };
    let m = Message {
        kind: MessageKind::from_u64(r.kind),
        height: r.height,
        round: r.round,
        identifier: if r.id_ok { ID.to_vec() } else { b"x".to_vec() },
        root: digest(r.value),
        data_round: r.data_round,
        round_change_justification: r.justifications.iter().map(justification).collect(),
        prepare_justification: r.justifications.iter().rev().map(justification).collect(),
    };
    let signatures = r
        .signers
        .iter()
        .map(|s| {
            if r.good_sig {
                tag(*s, &m)
            } else {
                vec![1, 2, 3]
            }
        })
        .collect();
    Arc::new(SignedMessage {
        signers: r.signers.clone(),
        signatures,
        message: m,
        full_data: r.full,
        envelope: (),
    })
}

fn controller(pending: usize) -> Controller<TestContext> {
    Controller::new(
        TestContext::default(),
        ControllerConfig {
            instance: InstanceConfig {
                self_id: 1,
                committee: Committee::new([1, 2, 3, 4]).unwrap(),
                cut_off_round: 4,
            },
            identifier: ID.to_vec(),
            max_instances: 3,
            pending_limit: pending,
        },
    )
}

fn snapshot(c: &Controller<TestContext>) -> String {
    format!("{:?} {:?} {}", c.instances(), c.height(), c.pending_len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn refused_inputs_change_nothing(msgs in prop::collection::vec(raw(), 1..40), ticks in prop::collection::vec(0u64..5_000, 1..40)) {
        let mut c = controller(0);
        let mut now = 0u64;
        let _ = c.handle(Timestamp(now), ControllerInput::Start { height: 1, value: 1 });
        for (r, dt) in msgs.iter().zip(ticks.iter().cycle()) {
            while c.poll_output().is_some() {}
            now += dt;
            let _ = c.handle(Timestamp(now), ControllerInput::Tick);
            while c.poll_output().is_some() {}
            let before = snapshot(&c);
            if c.handle(Timestamp(now), ControllerInput::Message(build(r))).is_err() {
                prop_assert_eq!(snapshot(&c), before, "state changed on refusal of {:?}", r);
                prop_assert!(c.poll_output().is_none(), "output queued on refusal of {:?}", r);
            }
        }
    }

    #[test]
    fn buffered_controller_never_panics(msgs in prop::collection::vec(raw(), 1..60)) {
        let mut c = controller(8);
        let _ = c.handle(Timestamp(0), ControllerInput::Start { height: 1, value: 1 });
        for (i, r) in msgs.iter().enumerate() {
            let _ = c.handle(Timestamp(i as u64 * 700), ControllerInput::Message(build(r)));
            let _ = c.handle(Timestamp(i as u64 * 700), ControllerInput::Tick);
            while c.poll_output().is_some() {}
            prop_assert!(c.pending_len() <= 8);
        }
    }
}
