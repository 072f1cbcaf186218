//! Table-driven tests of the QBFT upon-rules, one or more per rule, each case
//! named after the rule it exercises (ssv-spec `qbft/*.go`).
//!
//! The instance under test is operator 1 of a 4-operator committee at height 0,
//! where SSV's round robin makes operator `r` the leader of round `r` (for r ≤ 4).

use std::sync::Arc;

use qbft_core::testkit::{message, sign, tag, TestContext, TestMessage, INVALID_VALUE};
use qbft_core::{
    Committee, Error, Instance, InstanceConfig, InstanceInput as Input, InstanceOutput as Output,
    MessageKind, Outgoing, SignedMessage, Timestamp,
};

const ID: &[u8] = b"rules";
const START: u64 = 7;

fn instance() -> Instance<TestContext> {
    let config = InstanceConfig {
        self_id: 1,
        committee: Committee::new([1, 2, 3, 4]).unwrap(),
        cut_off_round: 6,
    };
    Instance::new(TestContext::default(), config, ID.to_vec(), 0)
}

fn signed(
    from: u64,
    kind: MessageKind,
    round: u64,
    value: u64,
    full: Option<u64>,
) -> Arc<TestMessage> {
    sign(
        from,
        Outgoing {
            message: message(kind, 0, round, value, ID),
            full_data: full,
        },
    )
}

fn proposal(from: u64, round: u64, value: u64) -> Arc<TestMessage> {
    signed(from, MessageKind::Proposal, round, value, Some(value))
}

fn prepare(from: u64, round: u64, value: u64) -> Arc<TestMessage> {
    signed(from, MessageKind::Prepare, round, value, None)
}

fn commit(from: u64, round: u64, value: u64) -> Arc<TestMessage> {
    signed(from, MessageKind::Commit, round, value, None)
}

/// A round change to `round`, unprepared.
fn round_change(from: u64, round: u64) -> Arc<TestMessage> {
    let mut m = message(MessageKind::RoundChange, 0, round, 0, ID);
    m.root = [0; 32];
    sign(
        from,
        Outgoing {
            message: m,
            full_data: None,
        },
    )
}

/// A round change to `round` claiming `value` prepared in `prepared_round`,
/// justified by prepares from `justifiers`.
fn prepared_round_change(
    from: u64,
    round: u64,
    prepared_round: u64,
    value: u64,
    justifiers: &[u64],
) -> Arc<TestMessage> {
    let mut m = message(MessageKind::RoundChange, 0, round, value, ID);
    m.data_round = prepared_round;
    m.round_change_justification = justifiers
        .iter()
        .map(|&j| prepare(j, prepared_round, value))
        .collect();
    sign(
        from,
        Outgoing {
            message: m,
            full_data: Some(value),
        },
    )
}

/// A proposal for `round` justified by these round changes and prepares.
fn justified_proposal(
    from: u64,
    round: u64,
    value: u64,
    rcs: Vec<Arc<TestMessage>>,
    prepares: Vec<Arc<TestMessage>>,
) -> Arc<TestMessage> {
    let mut m = message(MessageKind::Proposal, 0, round, value, ID);
    m.round_change_justification = rcs;
    m.prepare_justification = prepares;
    sign(
        from,
        Outgoing {
            message: m,
            full_data: Some(value),
        },
    )
}

/// One line per output: "prepare r1", "commit r1", "round-change r2",
/// "proposal r2", "timer r2", "decided 7".
fn summarize(out: &Output<TestContext>) -> String {
    match out {
        Output::Broadcast(o) => {
            let kind = match o.message.kind {
                MessageKind::Proposal => "proposal",
                MessageKind::Prepare => "prepare",
                MessageKind::Commit => "commit",
                MessageKind::RoundChange => "round-change",
                MessageKind::Unknown(_) => "unknown",
            };
            format!("{kind} r{}", o.message.round)
        }
        Output::RoundTimerSet { round, .. } => format!("timer r{round}"),
        Output::Decided { value, .. } => format!("decided {value}"),
    }
}

enum Step {
    Start,
    Msg(Arc<TestMessage>),
    Timeout,
    Stop,
}

struct Case {
    rule: &'static str,
    setup: Vec<Step>,
    input: Step,
    /// `Ok(outputs)` or the expected error.
    expect: Result<Vec<&'static str>, fn(&Error) -> bool>,
}

fn to_input(step: &Step) -> Input<TestContext> {
    match step {
        Step::Start => Input::Start { value: START },
        Step::Msg(m) => Input::Message(Arc::clone(m)),
        Step::Timeout => Input::Tick,
        Step::Stop => Input::Stop,
    }
}

/// Advances the test clock: each timeout comes ten minutes after the last step,
/// past any round deadline.
fn at(step: &Step, clock: &mut u64) -> Timestamp {
    if let Step::Timeout = step {
        *clock += 600_000;
    }
    Timestamp(*clock)
}

fn run(case: &Case) -> Result<(), String> {
    let mut inst = instance();
    let mut clock = 0;
    for (i, step) in case.setup.iter().enumerate() {
        inst.handle(at(step, &mut clock), to_input(step))
            .map_err(|e| format!("setup step {i} failed: {e}"))?;
        while inst.poll_output().is_some() {}
    }
    let before = format!("{:?}", inst.state());
    let result = inst.handle(at(&case.input, &mut clock), to_input(&case.input));
    let mut outputs = Vec::new();
    while let Some(o) = inst.poll_output() {
        outputs.push(summarize(&o));
    }
    match (&case.expect, result) {
        (Ok(want), Ok(())) if outputs == *want => Ok(()),
        (Ok(want), Ok(())) => Err(format!("outputs {outputs:?}, expected {want:?}")),
        (Ok(_), Err(e)) => Err(format!("refused: {e:?}")),
        (Err(_), Ok(())) => Err(format!("accepted with {outputs:?}, expected an error")),
        (Err(matches), Err(e)) if matches(&e) => {
            if !outputs.is_empty() {
                return Err(format!("refused input queued {outputs:?}"));
            }
            if format!("{:?}", inst.state()) != before {
                return Err("refused input changed the state".into());
            }
            Ok(())
        }
        (Err(_), Err(e)) => Err(format!("wrong error {e:?}")),
    }
}

fn prepared_setup() -> Vec<Step> {
    vec![
        Step::Start,
        Step::Msg(proposal(1, 1, START)),
        Step::Msg(prepare(1, 1, START)),
        Step::Msg(prepare(2, 1, START)),
        Step::Msg(prepare(3, 1, START)),
    ]
}

fn cases() -> Vec<Case> {
    use Step::*;
    vec![
        // --- Start (ssv-spec Instance.Start)
        Case {
            rule: "start: leader of round 1 proposes its value",
            setup: vec![],
            input: Start,
            expect: Ok(vec!["timer r1", "proposal r1"]),
        },
        // --- uponProposal
        Case {
            rule: "uponProposal: valid first-round proposal is prepared",
            setup: vec![Start],
            input: Msg(proposal(1, 1, START)),
            expect: Ok(vec!["prepare r1"]),
        },
        Case {
            rule: "uponProposal: proposal from a non-leader is refused",
            setup: vec![Start],
            input: Msg(proposal(2, 1, START)),
            expect: Err(|e| matches!(e, Error::WrongProposer)),
        },
        Case {
            rule: "uponProposal: second proposal in a round is refused",
            setup: vec![Start, Msg(proposal(1, 1, START))],
            input: Msg(proposal(1, 1, 8)),
            expect: Err(|e| matches!(e, Error::ProposalInvalid)),
        },
        Case {
            rule: "uponProposal: value failing the value check is refused",
            setup: vec![Start],
            input: Msg(proposal(1, 1, INVALID_VALUE)),
            expect: Err(|e| matches!(e, Error::InvalidValue(_))),
        },
        Case {
            rule: "uponProposal: root must be the digest of the value",
            setup: vec![Start],
            input: Msg(signed(1, MessageKind::Proposal, 1, START, Some(8))),
            expect: Err(|e| matches!(e, Error::RootMismatch)),
        },
        Case {
            rule: "uponProposal: future round without round-change quorum is refused",
            setup: vec![Start],
            input: Msg(proposal(2, 2, START)),
            expect: Err(|e| matches!(e, Error::RoundChangeNoQuorum)),
        },
        Case {
            rule: "uponProposal: justified future-round proposal moves the round and prepares",
            setup: vec![Start],
            input: Msg(justified_proposal(
                2,
                2,
                9,
                vec![round_change(2, 2), round_change(3, 2), round_change(4, 2)],
                vec![],
            )),
            expect: Ok(vec!["timer r2", "prepare r2"]),
        },
        Case {
            rule: "uponProposal: justification with a forged round change is refused",
            setup: vec![Start],
            input: Msg(justified_proposal(
                2,
                2,
                9,
                vec![round_change(2, 2), round_change(3, 2), {
                    let mut forged = (*round_change(4, 2)).clone();
                    forged.signatures = vec![vec![0; 8]];
                    Arc::new(forged)
                }],
                vec![],
            )),
            expect: Err(|e| matches!(e, Error::InvalidSignature)),
        },
        Case {
            rule: "uponProposal: re-proposal must carry the highest prepared value",
            setup: vec![Start],
            input: Msg(justified_proposal(
                2,
                2,
                9,
                vec![
                    prepared_round_change(2, 2, 1, START, &[1, 2, 3]),
                    round_change(3, 2),
                    round_change(4, 2),
                ],
                vec![
                    prepare(1, 1, START),
                    prepare(2, 1, START),
                    prepare(3, 1, START),
                ],
            )),
            expect: Err(|e| matches!(e, Error::RootMismatch | Error::NotHighestPrepared)),
        },
        Case {
            rule: "uponProposal: re-proposal of the prepared value with its prepares is accepted",
            setup: vec![Start],
            input: Msg(justified_proposal(
                2,
                2,
                START,
                vec![
                    prepared_round_change(2, 2, 1, START, &[1, 2, 3]),
                    round_change(3, 2),
                    round_change(4, 2),
                ],
                vec![
                    prepare(1, 1, START),
                    prepare(2, 1, START),
                    prepare(3, 1, START),
                ],
            )),
            expect: Ok(vec!["timer r2", "prepare r2"]),
        },
        Case {
            rule: "uponProposal: re-proposal without a quorum of prepares is refused",
            setup: vec![Start],
            input: Msg(justified_proposal(
                2,
                2,
                START,
                vec![
                    prepared_round_change(2, 2, 1, START, &[1, 2, 3]),
                    round_change(3, 2),
                    round_change(4, 2),
                ],
                vec![prepare(1, 1, START)],
            )),
            expect: Err(|e| matches!(e, Error::PreparesNoQuorum)),
        },
        // --- uponPrepare
        Case {
            rule: "uponPrepare: prepare before any proposal is refused",
            setup: vec![Start],
            input: Msg(prepare(2, 1, START)),
            expect: Err(|e| matches!(e, Error::NoProposalForRound)),
        },
        Case {
            rule: "uponPrepare: prepare for another value is refused",
            setup: vec![Start, Msg(proposal(1, 1, START))],
            input: Msg(prepare(2, 1, 8)),
            expect: Err(|e| matches!(e, Error::ProposedDataMismatch)),
        },
        Case {
            rule: "uponPrepare: the quorum-completing prepare commits",
            setup: vec![
                Start,
                Msg(proposal(1, 1, START)),
                Msg(prepare(1, 1, START)),
                Msg(prepare(2, 1, START)),
            ],
            input: Msg(prepare(3, 1, START)),
            expect: Ok(vec!["commit r1"]),
        },
        Case {
            rule: "uponPrepare: prepares past the quorum commit no more",
            setup: prepared_setup(),
            input: Msg(prepare(4, 1, START)),
            expect: Ok(vec![]),
        },
        Case {
            rule: "uponPrepare: a second prepare from one signer is ignored",
            setup: vec![
                Start,
                Msg(proposal(1, 1, START)),
                Msg(prepare(1, 1, START)),
                Msg(prepare(2, 1, START)),
            ],
            input: Msg(prepare(2, 1, START)),
            expect: Ok(vec![]),
        },
        // --- uponCommit
        Case {
            rule: "uponCommit: a quorum of commits decides",
            setup: {
                let mut s = prepared_setup();
                s.extend([Msg(commit(1, 1, START)), Msg(commit(2, 1, START))]);
                s
            },
            input: Msg(commit(3, 1, START)),
            expect: Ok(vec!["decided 7"]),
        },
        Case {
            rule: "uponCommit: commit for another root is refused",
            setup: prepared_setup(),
            input: Msg(commit(2, 1, 8)),
            expect: Err(|e| matches!(e, Error::ProposedDataMismatch)),
        },
        Case {
            rule: "uponCommit: commit before any proposal is refused",
            setup: vec![Start],
            input: Msg(commit(2, 1, START)),
            expect: Err(|e| matches!(e, Error::NoProposalForRound)),
        },
        // --- uponRoundChange
        Case {
            rule: "uponRoundChange: f+1 round changes ahead make us jump to the lowest",
            setup: vec![Start, Msg(round_change(2, 3))],
            input: Msg(round_change(3, 2)),
            expect: Ok(vec!["timer r2", "round-change r2"]),
        },
        Case {
            rule: "uponRoundChange: a quorum for a round we lead makes us propose",
            setup: vec![
                Start,
                Timeout,
                Timeout,
                Timeout,
                Timeout,
                Msg(round_change(2, 5)),
                Msg(round_change(3, 5)),
            ],
            input: Msg(round_change(4, 5)),
            expect: Ok(vec!["proposal r5"]),
        },
        Case {
            rule: "uponRoundChange: the leader re-proposes the highest prepared value",
            setup: vec![
                Start,
                Timeout,
                Timeout,
                Timeout,
                Timeout,
                Msg(round_change(2, 5)),
                Msg(round_change(3, 5)),
            ],
            input: Msg(prepared_round_change(4, 5, 1, 9, &[2, 3, 4])),
            expect: Ok(vec!["proposal r5"]),
        },
        Case {
            rule: "uponRoundChange: prepared round above the round is refused",
            setup: vec![Start],
            input: Msg(prepared_round_change(2, 2, 3, 9, &[2, 3, 4])),
            expect: Err(|e| matches!(e, Error::PreparedRoundTooHigh)),
        },
        Case {
            rule: "uponRoundChange: prepared claim without a quorum of prepares is refused",
            setup: vec![Start],
            input: Msg(prepared_round_change(2, 2, 1, 9, &[2])),
            expect: Err(|e| matches!(e, Error::JustificationNoQuorum)),
        },
        Case {
            rule: "uponRoundChange: prepared claim with a forged prepare is refused",
            setup: vec![Start],
            input: Msg({
                let mut m = message(MessageKind::RoundChange, 0, 2, 9, ID);
                m.data_round = 1;
                let good = prepare(2, 1, 9);
                let forged = Arc::new(SignedMessage {
                    signatures: vec![tag(9, &good.message)],
                    ..(*good).clone()
                });
                m.round_change_justification = vec![forged, prepare(3, 1, 9), prepare(4, 1, 9)];
                sign(
                    2,
                    Outgoing {
                        message: m,
                        full_data: Some(9),
                    },
                )
            }),
            expect: Err(|e| matches!(e, Error::InvalidSignature)),
        },
        Case {
            rule: "uponRoundChange: a second round change from one signer is ignored",
            setup: vec![Start, Msg(round_change(2, 2))],
            input: Msg(round_change(2, 2)),
            expect: Ok(vec![]),
        },
        // --- UponRoundTimeout
        Case {
            rule: "uponRoundTimeout: moves to the next round with a round change",
            setup: vec![Start],
            input: Timeout,
            expect: Ok(vec!["round-change r2", "timer r2"]),
        },
        Case {
            rule: "uponRoundTimeout: a prepared node's round change carries its value",
            setup: prepared_setup(),
            input: Timeout,
            expect: Ok(vec!["round-change r2", "timer r2"]),
        },
        Case {
            rule: "uponRoundTimeout: nothing runs after the cut-off round",
            setup: vec![Start, Timeout, Timeout, Timeout, Timeout, Timeout],
            input: Timeout,
            expect: Err(|e| matches!(e, Error::TimeoutAfterStop)),
        },
        // --- base validation (ssv-spec BaseMsgValidation, Validate)
        Case {
            rule: "baseValidation: past-round messages are refused",
            setup: vec![Start, Timeout],
            input: Msg(prepare(2, 1, START)),
            expect: Err(|e| matches!(e, Error::PastRound)),
        },
        Case {
            rule: "baseValidation: stopped instances refuse messages",
            setup: vec![Start, Stop],
            input: Msg(proposal(1, 1, START)),
            expect: Err(|e| matches!(e, Error::InstanceStopped)),
        },
        Case {
            rule: "baseValidation: signer outside the committee is refused",
            setup: vec![Start, Msg(proposal(1, 1, START))],
            input: Msg(prepare(9, 1, START)),
            expect: Err(|e| matches!(e, Error::SignerNotInCommittee)),
        },
        Case {
            rule: "baseValidation: message without signers is refused",
            setup: vec![Start],
            input: Msg(Arc::new(SignedMessage {
                signers: vec![],
                signatures: vec![],
                ..(*proposal(1, 1, START)).clone()
            })),
            expect: Err(|e| matches!(e, Error::NoSigners)),
        },
        Case {
            rule: "baseValidation: duplicate signers are refused",
            setup: vec![Start],
            input: Msg(Arc::new(SignedMessage {
                signers: vec![1, 1],
                signatures: vec![vec![1], vec![1]],
                ..(*proposal(1, 1, START)).clone()
            })),
            expect: Err(|e| matches!(e, Error::NonUniqueSigner)),
        },
        Case {
            rule: "baseValidation: signature count must match signers",
            setup: vec![Start],
            input: Msg(Arc::new(SignedMessage {
                signatures: vec![vec![1], vec![2]],
                ..(*proposal(1, 1, START)).clone()
            })),
            expect: Err(|e| matches!(e, Error::SignatureCountMismatch)),
        },
        Case {
            rule: "baseValidation: round 0 is refused",
            setup: vec![Start],
            input: Msg(signed(1, MessageKind::Proposal, 0, START, Some(START))),
            expect: Err(|e| matches!(e, Error::PastRound | Error::InvalidRound)),
        },
        Case {
            rule: "baseValidation: unknown message type is refused",
            setup: vec![Start],
            input: Msg(signed(1, MessageKind::Unknown(9), 1, START, Some(START))),
            expect: Err(|e| matches!(e, Error::InvalidMessageType)),
        },
    ]
}

#[test]
fn upon_rules() {
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        if let Err(why) = run(case) {
            failures.push(format!("{}: {why}", case.rule));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rule cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn leader_rotates_by_height_round_and_epoch() {
    let c = Committee::new([10, 20, 30, 40]).unwrap();
    // Height 0 starts at index 0; height h at h mod n; each epoch (32 heights) adds one.
    assert_eq!(qbft_core::round_robin_proposer(&c, 0, 1), 10);
    assert_eq!(qbft_core::round_robin_proposer(&c, 0, 2), 20);
    assert_eq!(qbft_core::round_robin_proposer(&c, 1, 1), 20);
    assert_eq!(qbft_core::round_robin_proposer(&c, 32, 1), 20);
    // (33 mod 4) + (4 - 1) + 1 = 5, index 1.
    assert_eq!(qbft_core::round_robin_proposer(&c, 33, 4), 20);
}

#[test]
fn quorums_follow_three_f_plus_one() {
    for (n, q, pq) in [(4usize, 3usize, 2usize), (7, 5, 3), (10, 7, 4), (13, 9, 5)] {
        let c = Committee::new(1..=n as u64).unwrap();
        assert_eq!((c.quorum(), c.partial_quorum()), (q, pq), "n = {n}");
    }
    assert!(Committee::new([]).is_err());
    assert!(Committee::new([1, 1, 2, 3]).is_err());
    assert!(Committee::new([0, 1, 2, 3]).is_err());
}
