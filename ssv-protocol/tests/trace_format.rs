//! The trace format: every input kind round-trips; a trace cut at any byte, a
//! flipped byte, a newer version or arbitrary bytes give a typed error naming
//! the offset or version, never a panic; a cut between frames still reads its
//! records before the error.

mod common;

use std::sync::Arc;

use proptest::prelude::*;
use ssv_protocol::beacon::consensus_data::DataVersion;
use ssv_protocol::beacon::phase0::{AttestationData, Checkpoint};
use ssv_protocol::node::{Input, NodeResponse, RegisteredValidator, Registry};
use ssv_protocol::roles::RoleFork;
use ssv_protocol::runner::chain::{ChainSpec, Fork};
use ssv_protocol::runner::io::{FetchedBlock, Response};
use ssv_protocol::scheduler::{AttesterDuty, DutiesResponse, HeadEvent, ProposerDuty, SyncDuty};
use ssv_protocol::trace::bytes::{Dec, Enc};
use ssv_protocol::trace::input::{decode_input, encode_input};
use ssv_protocol::trace::{
    SelectionKind, TraceError, TraceHeader, TraceReader, TraceWriter, ValueChecksKind,
};
use ssv_protocol::wire::{Share, ShareMember};

fn registry() -> Registry {
    let operators = common::signers()
        .iter()
        .map(|(id, s)| (*id, s.public_key()))
        .collect();
    let share = Share {
        validator_index: 7,
        validator_pubkey: [0xAA; 48],
        share_pubkey: [0xBB; 48],
        committee: (1..=4)
            .map(|id| ShareMember {
                share_pubkey: [id as u8; 48],
                signer: id,
            })
            .collect(),
        domain_type: common::DOMAIN,
        fee_recipient: [0x11; 20],
        graffiti: [0x22; 32],
    };
    Registry {
        operators,
        validators: vec![
            RegisteredValidator {
                pubkey: [0xAA; 48],
                index: Some(7),
                operators: vec![1, 2, 3, 4],
                liquidated: false,
                active: true,
                share: Some(share),
            },
            RegisteredValidator {
                pubkey: [0xCC; 48],
                index: None,
                operators: vec![1, 2, 3, 5],
                liquidated: true,
                active: false,
                share: None,
            },
        ],
    }
}

fn header() -> TraceHeader {
    TraceHeader {
        software: "test".into(),
        network: "testnet".into(),
        operator_id: 1,
        network_domain: common::DOMAIN,
        chain: ChainSpec {
            // A minimal-preset chain's, so the round trip shows it is kept.
            sync_subcommittee_size: 8,
            genesis_time: 1_700_000_000,
            seconds_per_slot: 12,
            slots_per_epoch: 32,
            genesis_validators_root: [9; 32],
            forks: vec![
                Fork {
                    epoch: 0,
                    version: DataVersion::Phase0,
                    fork_version: [0, 0, 0, 1],
                },
                Fork {
                    epoch: 10,
                    version: DataVersion::Altair,
                    fork_version: [1, 0, 0, 1],
                },
            ],
        },
        roles: RoleFork::Alan,
        value_checks: ValueChecksKind::Chain,
        selection: SelectionKind::Spec,
        gas_limit: 30_000_000,
        proposer_delay_ms: 0,
        max_instances: 8,
        pending_limit: 1024,
        start_ms: 1_700_000_000_000,
        registry: Arc::new(registry()),
        start_outputs: 3,
        start_digest: [1, 2, 3, 4, 5, 6, 7, 8],
    }
}

fn root(b: u8) -> ssv_protocol::beacon::phase0::Root {
    ssv_protocol::beacon::phase0::Root::new(vec![b; 32]).unwrap()
}

fn att() -> AttestationData {
    AttestationData {
        slot: 5,
        index: 2,
        beacon_block_root: root(3),
        source: Checkpoint {
            epoch: 0,
            root: root(4),
        },
        target: Checkpoint {
            epoch: 1,
            root: root(5),
        },
    }
}

/// One input of every kind and answer kind.
fn every_kind() -> Vec<Input> {
    let runner = |r| Input::Response {
        id: 9,
        response: NodeResponse::Runner(r),
    };
    vec![
        Input::Registry(Arc::new(registry())),
        Input::Gossip {
            id: 1,
            peer: vec![1, 2, 3],
            topic: "ssv.v2.5".into(),
            data: vec![0xde, 0xad],
            signatures: Some(true),
        },
        Input::Gossip {
            id: u64::MAX,
            peer: vec![],
            topic: String::new(),
            data: vec![],
            signatures: None,
        },
        Input::Head(HeadEvent {
            slot: 77,
            block_root: [1; 32],
            previous_duty_dependent_root: [2; 32],
            current_duty_dependent_root: [3; 32],
        }),
        Input::ValidatorExited {
            validator_index: 7,
            block_slot: 99,
        },
        Input::Tick,
        Input::Response {
            id: 3,
            response: NodeResponse::Duties(DutiesResponse::Attester {
                dependent_root: [7; 32],
                duties: vec![AttesterDuty {
                    validator_index: 7,
                    slot: 40,
                    committee_index: 1,
                    committee_length: 128,
                    committees_at_slot: 4,
                    validator_committee_index: 17,
                }],
            }),
        },
        Input::Response {
            id: 4,
            response: NodeResponse::Duties(DutiesResponse::Proposer {
                dependent_root: [8; 32],
                duties: vec![ProposerDuty {
                    validator_index: 7,
                    slot: 41,
                }],
            }),
        },
        Input::Response {
            id: 5,
            response: NodeResponse::Duties(DutiesResponse::Sync {
                duties: vec![SyncDuty {
                    validator_index: 7,
                    validator_sync_committee_indices: vec![1, 300],
                }],
            }),
        },
        Input::Response {
            id: 6,
            response: NodeResponse::Duties(DutiesResponse::Failed("503".into())),
        },
        Input::Response {
            id: 7,
            response: NodeResponse::OperatorSignature(vec![0x5a; 256]),
        },
        Input::Response {
            id: 8,
            response: NodeResponse::Failed("timeout".into()),
        },
        runner(Response::AttestationData(att())),
        runner(Response::Block(FetchedBlock {
            version: DataVersion::Capella,
            blinded: true,
            ssz: vec![1, 2, 3],
        })),
        runner(Response::Aggregation {
            attestations: vec![(3, vec![9, 9])],
            contributions: vec![],
        }),
        runner(Response::Recorded),
        runner(Response::Slashable),
        runner(Response::Signatures(vec![[0x77; 96], [0x78; 96]])),
        runner(Response::Failed("beacon down".into())),
    ]
}

fn enc(input: &Input) -> Vec<u8> {
    let mut e = Enc::default();
    encode_input(&mut e, input);
    e.buf
}

fn trace_of(inputs: &[Input]) -> Vec<u8> {
    let mut w = TraceWriter::new(Vec::new(), &header()).unwrap();
    for (i, input) in inputs.iter().enumerate() {
        // Times go forwards and, once, backwards (a wall clock may).
        let at = 1_700_000_000_000 + (i as u64 * 250) - if i == 3 { 1_000 } else { 0 };
        w.record(at, input, i as u64, [i as u8; 8]).unwrap();
    }
    w.finish().unwrap()
}

fn read_all(bytes: &[u8]) -> Result<Vec<ssv_protocol::trace::Record>, TraceError> {
    let mut r = TraceReader::open(bytes)?;
    let mut out = Vec::new();
    while let Some(rec) = r.next_record()? {
        out.push(rec);
    }
    Ok(out)
}

#[test]
fn every_input_kind_round_trips_through_a_file() {
    let inputs = every_kind();
    let bytes = trace_of(&inputs);
    let mut r = TraceReader::open(&bytes[..]).unwrap();
    let h = r.header().clone();
    let want = header();
    assert_eq!(h.chain, want.chain);
    assert_eq!(
        (h.operator_id, h.network_domain, h.roles, h.start_ms),
        (1, common::DOMAIN, RoleFork::Alan, want.start_ms)
    );
    assert_eq!(
        (h.start_outputs, h.start_digest),
        (3, [1, 2, 3, 4, 5, 6, 7, 8])
    );
    assert_eq!(h.registry.validators, want.registry.validators);
    assert_eq!(h.registry.operators, want.registry.operators);
    let mut n = 0;
    while let Some(rec) = r.next_record().unwrap() {
        let i = rec.index as usize;
        assert_eq!(enc(&rec.input), enc(&inputs[i]), "input {i}");
        assert_eq!(format!("{:?}", rec.input), format!("{:?}", inputs[i]));
        assert_eq!((rec.outputs, rec.digest), (i as u64, [i as u8; 8]));
        let at = 1_700_000_000_000 + (i as u64 * 250) - if i == 3 { 1_000 } else { 0 };
        assert_eq!(rec.at, at);
        n += 1;
    }
    assert_eq!(n, inputs.len());
}

#[test]
fn a_trace_cut_anywhere_is_a_typed_error_or_a_prefix() {
    let inputs = every_kind();
    // Small frames: a record frame per input would be unusual; here one frame
    // holds all, so also build a trace with several frames by flushing.
    let mut w = TraceWriter::new(Vec::new(), &header()).unwrap();
    let mut frame_ends = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        w.record(1_700_000_000_000 + i as u64, input, 0, [0; 8])
            .unwrap();
        w.flush().unwrap();
        frame_ends.push(w.bytes_written() as usize);
    }
    let full = w.finish().unwrap();
    assert_eq!(read_all(&full).unwrap().len(), inputs.len());
    for cut in 0..full.len() {
        let part = &full[..cut];
        let mut records = 0;
        let err = match TraceReader::open(part) {
            Err(e) => e,
            Ok(mut r) => loop {
                match r.next_record() {
                    Ok(Some(_)) => records += 1,
                    Ok(None) => panic!("a cut trace read as complete at {cut}"),
                    Err(e) => break e,
                }
            },
        };
        match err {
            TraceError::Truncated { offset, .. } => {
                assert!(offset as usize <= cut, "cut {cut}: offset {offset}")
            }
            other => panic!("cut {cut}: {other}"),
        }
        // Every frame that ends before the cut was read.
        let whole_frames = frame_ends.iter().filter(|e| **e <= cut).count();
        assert_eq!(records, whole_frames, "cut {cut}");
    }
}

#[test]
fn flipped_bytes_and_newer_versions_are_named() {
    let full = trace_of(&every_kind());
    for i in 0..full.len() {
        let mut bad = full.clone();
        bad[i] ^= 0x40;
        match read_all(&bad) {
            Err(TraceError::NotATrace) => assert!(i < 8),
            Err(TraceError::NewerVersion { found, supported }) => {
                assert!(i == 8 || i == 9);
                assert_eq!(supported, ssv_protocol::trace::FORMAT_VERSION);
                assert!(found > supported);
            }
            Err(TraceError::Corrupt { offset, .. }) => assert!(offset as usize <= i),
            // A length byte that grew makes the frame reach past the end.
            Err(TraceError::Truncated { offset, .. }) => assert!(offset as usize <= i),
            Err(e) => panic!("byte {i}: {e}"),
            Ok(_) => panic!("byte {i} flipped and the trace still read"),
        }
    }
    let mut newer = full.clone();
    let next = ssv_protocol::trace::FORMAT_VERSION + 1;
    newer[8..10].copy_from_slice(&next.to_le_bytes());
    let err = read_all(&newer).unwrap_err();
    assert_eq!(
        err,
        TraceError::NewerVersion {
            found: next,
            supported: ssv_protocol::trace::FORMAT_VERSION
        }
    );
    assert!(err.to_string().contains(&format!("version {next}")));
}

#[test]
fn a_trace_without_its_end_frame_reads_its_records_then_says_so() {
    let inputs = every_kind();
    let mut w = TraceWriter::new(Vec::new(), &header()).unwrap();
    for input in &inputs {
        w.record(1_700_000_000_000, input, 0, [0; 8]).unwrap();
    }
    w.flush().unwrap();
    let written = w.bytes_written();
    // The node was killed here: the sink holds every flushed frame.
    let prefix = trace_prefix(&inputs);
    let mut r = TraceReader::open(&prefix[..]).unwrap();
    let mut n = 0;
    let err = loop {
        match r.next_record() {
            Ok(Some(_)) => n += 1,
            Ok(None) => panic!("no end frame, yet complete"),
            Err(e) => break e,
        }
    };
    assert_eq!(n, inputs.len());
    assert_eq!(
        err,
        TraceError::Truncated {
            offset: written,
            what: "end of file before the end frame (the recorder did not close the trace)"
        }
    );
}

fn trace_prefix(inputs: &[Input]) -> Vec<u8> {
    let mut sink = Vec::new();
    {
        let mut w = TraceWriter::new(&mut sink, &header()).unwrap();
        for input in inputs {
            w.record(1_700_000_000_000, input, 0, [0; 8]).unwrap();
        }
        w.flush().unwrap();
    }
    sink
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn gossip_and_answers_round_trip(
        id in any::<u64>(),
        peer in proptest::collection::vec(any::<u8>(), 0..40),
        topic in "[a-z0-9.]{0,12}",
        data in proptest::collection::vec(any::<u8>(), 0..3000),
        sig in 0u8..3,
        dur in proptest::collection::vec((any::<u64>(), any::<u64>()), 0..20),
        text in ".{0,40}",
    ) {
        let signatures = match sig { 0 => None, 1 => Some(false), _ => Some(true) };
        let inputs = vec![
            Input::Gossip { id, peer, topic, data, signatures },
            Input::Response {
                id,
                response: NodeResponse::Duties(DutiesResponse::Proposer {
                    dependent_root: [id as u8; 32],
                    duties: dur.iter().map(|(v, s)| ProposerDuty { validator_index: *v, slot: *s }).collect(),
                }),
            },
            Input::Response { id, response: NodeResponse::Failed(text) },
        ];
        let bytes = trace_of(&inputs);
        let back = read_all(&bytes).unwrap();
        prop_assert_eq!(back.len(), inputs.len());
        for (a, b) in back.iter().zip(&inputs) {
            prop_assert_eq!(enc(&a.input), enc(b));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut bytes = b"SSVTRACE\x01\x00".to_vec();
        bytes.extend_from_slice(&tail);
        let _ = read_all(&bytes);
        let _ = decode_input(&mut Dec::new(&tail));
        let _ = TraceHeader::decode(&mut Dec::new(&tail));
    }
}
