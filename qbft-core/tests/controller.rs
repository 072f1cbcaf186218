//! Controller rules (ssv-spec `qbft/controller.go`, `qbft/decided.go`) and the
//! pending buffer for early messages.

use std::sync::Arc;

use qbft_core::testkit::{message, sign, TestContext, TestMessage};
use qbft_core::{
    Committee, Controller, ControllerConfig, ControllerInput as Input, ControllerOutput as Output,
    Error, InstanceConfig, MessageKind, Outgoing, SignedMessage, Timestamp,
};

const ID: &[u8] = b"ctl";
const T0: Timestamp = Timestamp(0);

fn controller(pending_limit: usize) -> Controller<TestContext> {
    Controller::new(
        TestContext::default(),
        ControllerConfig {
            instance: InstanceConfig {
                self_id: 1,
                committee: Committee::new([1, 2, 3, 4]).unwrap(),
                cut_off_round: 12,
            },
            identifier: ID.to_vec(),
            max_instances: 3,
            pending_limit,
        },
    )
}

fn msg(from: u64, kind: MessageKind, height: u64, round: u64, value: u64) -> Arc<TestMessage> {
    let full = matches!(kind, MessageKind::Proposal).then_some(value);
    sign(
        from,
        Outgoing {
            message: message(kind, height, round, value, ID),
            full_data: full,
        },
    )
}

/// A decided message: commits of `signers` aggregated.
fn decided(signers: &[u64], height: u64, value: u64) -> Arc<TestMessage> {
    let commits: Vec<_> = signers
        .iter()
        .map(|&s| msg(s, MessageKind::Commit, height, 1, value))
        .collect();
    Arc::new(SignedMessage {
        signers: signers.to_vec(),
        signatures: commits.iter().map(|c| c.signatures[0].clone()).collect(),
        message: commits[0].message.clone(),
        full_data: Some(value),
        envelope: (),
    })
}

fn drain(c: &mut Controller<TestContext>) -> Vec<Output<TestContext>> {
    std::iter::from_fn(|| c.poll_output()).collect()
}

#[test]
fn start_refuses_past_heights_and_duplicates() {
    let mut c = controller(0);
    c.handle(
        T0,
        Input::Start {
            height: 5,
            value: 1,
        },
    )
    .unwrap();
    assert!(matches!(
        c.handle(
            T0,
            Input::Start {
                height: 4,
                value: 1
            }
        ),
        Err(Error::StartPastHeight)
    ));
    assert!(matches!(
        c.handle(
            T0,
            Input::Start {
                height: 5,
                value: 1
            }
        ),
        Err(Error::InstanceAlreadyRunning)
    ));
    assert!(matches!(
        c.handle(
            T0,
            Input::Start {
                height: 6,
                value: qbft_core::testkit::INVALID_VALUE
            }
        ),
        Err(Error::InvalidValue(_))
    ));
}

#[test]
fn starting_a_height_stops_the_others() {
    let mut c = controller(0);
    c.handle(
        T0,
        Input::Start {
            height: 1,
            value: 1,
        },
    )
    .unwrap();
    c.handle(
        T0,
        Input::Start {
            height: 2,
            value: 1,
        },
    )
    .unwrap();
    assert!(c.instance(1).unwrap().is_stopped());
    assert!(!c.instance(2).unwrap().is_stopped());
    assert_eq!(c.poll_timeout(), c.instance(2).unwrap().poll_timeout());
}

#[test]
fn future_height_messages_are_refused_without_a_buffer() {
    let mut c = controller(0);
    c.handle(
        T0,
        Input::Start {
            height: 1,
            value: 1,
        },
    )
    .unwrap();
    assert!(matches!(
        c.handle(T0, Input::Message(msg(2, MessageKind::Proposal, 2, 1, 9))),
        Err(Error::FutureMessage)
    ));
}

#[test]
fn wrong_identifier_is_refused() {
    let mut c = controller(0);
    c.handle(
        T0,
        Input::Start {
            height: 1,
            value: 1,
        },
    )
    .unwrap();
    let m = sign(
        2,
        Outgoing {
            message: message(MessageKind::Prepare, 1, 1, 9, b"other"),
            full_data: None,
        },
    );
    assert!(matches!(
        c.handle(T0, Input::Message(m)),
        Err(Error::InvalidIdentifier)
    ));
}

#[test]
fn decided_message_decides_a_new_height_and_bumps_it() {
    let mut c = controller(0);
    c.handle(T0, Input::Message(decided(&[2, 3, 4], 7, 42)))
        .unwrap();
    let out = drain(&mut c);
    assert!(
        matches!(
            out.as_slice(),
            [Output::Decided {
                height: 7,
                value: 42,
                ..
            }]
        ),
        "{out:?}"
    );
    assert_eq!(c.height(), 7);
    assert_eq!(c.instance(7).unwrap().decided(), Some(&42));
    // A second decided message for the same height decides nothing new.
    c.handle(T0, Input::Message(decided(&[1, 2, 3, 4], 7, 42)))
        .unwrap();
    assert!(drain(&mut c).is_empty());
    // ...but the bigger quorum is kept.
    assert_eq!(
        c.instance(7)
            .unwrap()
            .state()
            .commit_container
            .for_round(1)
            .len(),
        2
    );
}

#[test]
fn decided_message_with_forged_signature_is_refused() {
    let mut c = controller(0);
    let mut d = (*decided(&[2, 3, 4], 1, 42)).clone();
    d.signatures[1] = vec![0; 8];
    assert!(matches!(
        c.handle(T0, Input::Message(Arc::new(d))),
        Err(Error::InvalidSignature)
    ));
    assert!(c.instances().is_empty());
}

#[test]
fn messages_for_a_decided_instance_are_refused() {
    let mut c = controller(0);
    c.handle(
        T0,
        Input::Start {
            height: 1,
            value: 1,
        },
    )
    .unwrap();
    c.handle(T0, Input::Message(decided(&[2, 3, 4], 1, 42)))
        .unwrap();
    assert!(matches!(
        c.handle(T0, Input::Message(msg(2, MessageKind::Prepare, 1, 1, 42))),
        Err(Error::InstanceDecided)
    ));
}

#[test]
fn own_decision_is_broadcast_once_and_reported() {
    let mut c = controller(0);
    // Height 3: leader of round 1 is operator 4.
    c.handle(
        T0,
        Input::Start {
            height: 3,
            value: 1,
        },
    )
    .unwrap();
    drain(&mut c);
    let feed = |c: &mut Controller<TestContext>, m| c.handle(T0, Input::Message(m)).unwrap();
    feed(&mut c, msg(4, MessageKind::Proposal, 3, 1, 9));
    for s in [2, 3, 4] {
        feed(&mut c, msg(s, MessageKind::Prepare, 3, 1, 9));
    }
    for s in [4, 2, 3] {
        feed(&mut c, msg(s, MessageKind::Commit, 3, 1, 9));
    }
    let out = drain(&mut c);
    let decided: Vec<_> = out
        .iter()
        .filter(|o| matches!(o, Output::Decided { value: 9, .. }))
        .collect();
    let broadcast: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Output::BroadcastDecided(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(decided.len(), 1);
    assert_eq!(broadcast.len(), 1);
    // Aggregated signers are sorted.
    assert_eq!(broadcast[0].signers, vec![2, 3, 4]);
}

#[test]
fn early_prepares_are_held_and_applied_after_the_proposal() {
    let mut c = controller(16);
    c.handle(
        T0,
        Input::Start {
            height: 3,
            value: 1,
        },
    )
    .unwrap();
    drain(&mut c);
    // Prepares overtake the proposal: held, not lost.
    for s in [2, 3] {
        c.handle(T0, Input::Message(msg(s, MessageKind::Prepare, 3, 1, 9)))
            .unwrap();
    }
    assert_eq!(c.pending_len(), 2);
    c.handle(T0, Input::Message(msg(4, MessageKind::Proposal, 3, 1, 9)))
        .unwrap();
    c.handle(T0, Input::Message(msg(1, MessageKind::Prepare, 3, 1, 9)))
        .unwrap();
    let out = drain(&mut c);
    assert!(
        out.iter().any(|o| matches!(o, Output::Broadcast { message, .. } if message.message.kind == MessageKind::Commit)),
        "{out:?}"
    );
    assert_eq!(c.pending_len(), 0);
}

#[test]
fn pending_buffer_is_bounded() {
    let mut c = controller(4);
    c.handle(
        T0,
        Input::Start {
            height: 1,
            value: 1,
        },
    )
    .unwrap();
    for h in 2..50 {
        c.handle(T0, Input::Message(msg(2, MessageKind::Prepare, h, 1, 9)))
            .unwrap();
    }
    assert_eq!(c.pending_len(), 4);
}

#[test]
fn stored_instances_are_bounded() {
    let mut c = controller(0);
    for h in 1..10 {
        c.handle(
            T0,
            Input::Start {
                height: h,
                value: 1,
            },
        )
        .unwrap();
    }
    let heights: Vec<u64> = c.instances().iter().map(|i| i.height()).collect();
    assert_eq!(heights, vec![9, 8, 7]);
}

#[test]
fn only_early_messages_are_held() {
    let mut c = controller(16);
    c.handle(
        T0,
        Input::Start {
            height: 3,
            value: 1,
        },
    )
    .unwrap();
    drain(&mut c);
    // A prepare for a round ahead is early: held.
    c.handle(T0, Input::Message(msg(2, MessageKind::Prepare, 3, 2, 9)))
        .unwrap();
    assert_eq!(c.pending_len(), 1);
    // A round-2 proposal without its round-change justification is wrong for good:
    // refused, not held.
    let bad_proposal = msg(2, MessageKind::Proposal, 3, 2, 9);
    assert!(c.handle(T0, Input::Message(bad_proposal)).is_err());
    assert_eq!(c.pending_len(), 1);
    // A message for a past height with no instance is refused, not held.
    assert!(c
        .handle(T0, Input::Message(msg(2, MessageKind::Prepare, 1, 1, 9)))
        .is_err());
    assert_eq!(c.pending_len(), 1);
}
