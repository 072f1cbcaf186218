//! Message validation throughput against the bare cost of its RSA verification.
//!
//! Builds a realistic mix for 4-operator committees (per committee and slot: the
//! leader's proposal, four prepares, four commits and four post-consensus partial
//! signature messages), validates every message on one core with fresh validator
//! state per pass, then times bare RSA verification of the same messages in the
//! same run. Last line: `validation/rsa ratio: X`.
//!
//! `cargo run --release -p examples --bin bench-validation -- [--committees C] [--slots S] [--passes P]`

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};
use ssv_protocol::identifiers::{committee_id, committee_subnet, subnet_topic};
use ssv_protocol::operator_key::OperatorSigner;
use ssv_protocol::validation::{
    CommitteeInfo, KnownDuties, MessageValidator, NetworkView, SlotClock, Verdict,
};
use ssv_protocol::wire::{
    MessageId, PartialSigKind, PartialSignature, PartialSignatureMessages, QbftMessage, Role,
    SignedSsvMessage, SsvMessage, SsvMsgType,
};

const DOMAIN: [u8; 4] = [0, 0, 5, 2];
const SLOT_MS: u64 = 12_000;
const OPERATORS: u64 = 8;

struct Gossip {
    peer: Vec<u8>,
    topic: String,
    data: Vec<u8>,
    slot: u64,
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let committees_n = arg("--committees", 50);
    let slots = arg("--slots", 4) as u64;
    let passes = arg("--passes", 20);
    eprintln!("generating {OPERATORS} RSA-2048 operator keys...");
    let signers: BTreeMap<u64, OperatorSigner> = examples::generate_operator_keys(OPERATORS);
    // Committees: 4-operator subsets of the 8 operators, each serving 16 validators.
    let mut sets = Vec::new();
    for a in 1..=OPERATORS {
        for b in a + 1..=OPERATORS {
            for c in b + 1..=OPERATORS {
                for d in c + 1..=OPERATORS {
                    sets.push(vec![a, b, c, d]);
                }
            }
        }
    }
    sets.truncate(committees_n);
    let mut committees = BTreeMap::new();
    for (i, ops) in sets.iter().enumerate() {
        let indices = (0..16).map(|v| (i * 16 + v) as u64).collect();
        committees.insert(
            committee_id(ops),
            CommitteeInfo {
                operators: ops.clone(),
                validator_indices: indices,
            },
        );
    }
    let view = Arc::new(NetworkView {
        domain: DOMAIN,
        roles: ssv_protocol::roles::RoleFork::Alan,
        clock: SlotClock {
            genesis_ms: 0,
            slot_ms: SLOT_MS,
            slots_per_epoch: 32,
        },
        operators: Arc::new(
            signers
                .iter()
                .map(|(id, s)| (*id, s.public_key()))
                .collect(),
        ),
        committees: Arc::new(committees),
        validators: Arc::default(),
        duties: KnownDuties::default(),
    });

    let mut msgs = Vec::new();
    let value = vec![0x42u8; 112];
    let root: [u8; 32] = Sha256::digest(&value).into();
    for slot in 1_000..1_000 + slots {
        for (i, ops) in sets.iter().enumerate() {
            let cid = committee_id(ops);
            let msg_id = MessageId::for_committee(DOMAIN, Role::Committee, &cid);
            let topic = subnet_topic(committee_subnet(&cid));
            let committee = qbft_core::Committee::new(ops.iter().copied()).unwrap();
            let leader = qbft_core::round_robin_proposer(&committee, slot, 1);
            let mut push = |signer: u64, msg_type: SsvMsgType, data: Vec<u8>, full: Vec<u8>| {
                let ssv = SsvMessage {
                    msg_type,
                    msg_id,
                    data,
                };
                let signed = SignedSsvMessage {
                    signatures: vec![signers[&signer].sign(&ssv).unwrap()],
                    operator_ids: vec![signer],
                    ssv_message: ssv,
                    full_data: full,
                };
                msgs.push(Gossip {
                    peer: signer.to_le_bytes().to_vec(),
                    topic: topic.clone(),
                    data: signed.encode(),
                    slot,
                });
            };
            let qbft = |msg_type: u64| QbftMessage {
                msg_type,
                height: slot,
                round: 1,
                identifier: msg_id.as_bytes().to_vec(),
                root,
                data_round: 0,
                round_change_justification: vec![],
                prepare_justification: vec![],
            };
            push(
                leader,
                SsvMsgType::Consensus,
                qbft(0).encode(),
                value.clone(),
            );
            for kind in [1, 2] {
                for &op in ops {
                    push(op, SsvMsgType::Consensus, qbft(kind).encode(), vec![]);
                }
            }
            for &op in ops {
                let p = PartialSignatureMessages {
                    kind: PartialSigKind::PostConsensus,
                    slot,
                    messages: (0..16)
                        .map(|v| PartialSignature {
                            signature: [1; 96],
                            signing_root: [2; 32],
                            signer: op,
                            validator_index: (i * 16 + v) as u64,
                        })
                        .collect(),
                };
                push(op, SsvMsgType::PartialSignature, p.encode(), vec![]);
            }
        }
    }

    // Validation, one core, fresh state each pass.
    let mut accepted = 0usize;
    let mut first_refusal = None;
    let start = Instant::now();
    for _ in 0..passes {
        let mut v = MessageValidator::new(Arc::clone(&view));
        for m in &msgs {
            match v.validate(m.slot * SLOT_MS + 1_000, &m.peer, &m.topic, &m.data) {
                Verdict::Accept(_) => accepted += 1,
                other => {
                    first_refusal.get_or_insert(other);
                }
            }
        }
    }
    let validate_secs = start.elapsed().as_secs_f64();
    let validated_per_sec = (msgs.len() * passes) as f64 / validate_secs;

    // Bare RSA verification of the same messages (decoded beforehand).
    let decoded: Vec<(Vec<u8>, u64, Vec<u8>)> = msgs
        .iter()
        .map(|m| {
            let s = SignedSsvMessage::decode(&m.data).unwrap();
            (
                s.ssv_message.encode(),
                s.operator_ids[0],
                s.signatures[0].clone(),
            )
        })
        .collect();
    let keys = &view.operators;
    let start = Instant::now();
    let mut ok = 0usize;
    for _ in 0..passes {
        for (encoded, signer, sig) in &decoded {
            ok += usize::from(keys[signer].verify_encoded(encoded, sig));
        }
    }
    let rsa_secs = start.elapsed().as_secs_f64();
    let verified_per_sec = (decoded.len() * passes) as f64 / rsa_secs;

    println!(
        "messages: {} per pass x {passes} passes ({} committees, {slots} slots)",
        msgs.len(),
        sets.len()
    );
    println!(
        "accepted: {accepted} of {} (first refusal: {first_refusal:?})",
        msgs.len() * passes
    );
    println!("bare RSA verifications valid: {ok}");
    println!("validated: {validated_per_sec:.0} messages/s on one core");
    println!("bare RSA verify: {verified_per_sec:.0} verifications/s on one core");
    println!(
        "validation/rsa ratio: {:.3}",
        validated_per_sec / verified_per_sec
    );
}
