//! A local demo cluster that needs nothing installed: four SSV operators run QBFT
//! in-process on virtual time, over the real wire path (SSZ-encoded
//! `SignedSSVMessage`s signed and verified with freshly generated RSA-2048
//! operator keys), through an emulated network with latency, and through gossip
//! message validation on receipt, as the node runs it. Operator 4 crashes for a
//! stretch of slots, so the slots it leads need a round change.
//!
//! `cargo run --release -p examples --bin local-cluster -- [--slots N] [--seed S]`

use std::collections::BTreeMap;
use std::sync::Arc;

use qbft_core::{
    Committee, Controller, ControllerConfig, ControllerInput, ControllerOutput, External,
    InstanceConfig, Timestamp,
};
use ssv_protocol::consensus::{consensus_from_validated, sign_outgoing, to_wire, SsvQbft};
use ssv_protocol::identifiers::{committee_id, committee_subnet, subnet_topic};
use ssv_protocol::operator_key::OperatorSigner;
use ssv_protocol::round_timer::RoundTimeouts;
use ssv_protocol::validation::{
    CommitteeInfo, KnownDuties, MessageValidator, NetworkView, Payload, SlotClock, Verdict,
};
use ssv_protocol::wire::{MessageId, Role};

const SLOT_MS: u64 = 12_000;

/// How gossip validation judged the deliveries.
#[derive(Default)]
struct Verdicts {
    accepted: u64,
    ignored: BTreeMap<String, u64>,
    rejected: BTreeMap<String, u64>,
}

/// A decision as seen by one operator: ms after slot start, round, value.
type Decision = (u64, u64, Arc<[u8]>);
const OPERATORS: u64 = 4;

struct Args {
    slots: u64,
    seed: u64,
    crash: (u64, u64),
}

fn args() -> Args {
    let mut a = Args {
        slots: 16,
        seed: 1,
        crash: (6, 10),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--slots", Some(v)) => a.slots = v.max(1),
            ("--seed", Some(v)) => a.seed = v,
            _ => {
                eprintln!("usage: local-cluster [--slots N] [--seed S]");
                std::process::exit(2);
            }
        }
    }
    a
}

/// Network latency in ms between two operators, drawn from the seed.
fn latency(seed: u64, from: u64, to: u64, n: u64) -> u64 {
    if from == to {
        return 0;
    }
    5 + splitmix(seed ^ from.wrapping_mul(0x9E37) ^ to.wrapping_mul(0x85EB) ^ n) % 60
}

/// The SplitMix64 finalizer.
fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The value each operator proposes: a stand-in for its beacon vote at `slot`.
fn vote(slot: u64, operator: u64) -> Arc<[u8]> {
    let mut v = format!("beacon vote of operator {operator} for slot {slot}").into_bytes();
    v.resize(104, 0);
    Arc::from(v)
}

fn main() {
    let args = args();
    eprintln!("generating {OPERATORS} RSA-2048 operator keys...");
    let signers: BTreeMap<u64, OperatorSigner> = examples::generate_operator_keys(OPERATORS);
    let public: BTreeMap<_, _> = signers
        .iter()
        .map(|(id, s)| (*id, s.public_key()))
        .collect();
    let value_check = Arc::new(|v: &[u8]| {
        if v.is_empty() {
            Err(External::new(std::io::Error::other("empty value")))
        } else {
            Ok(())
        }
    });
    // SSV's committee schedule: round 1 ends 4 s + 2 s into the slot.
    let ctx = SsvQbft::new(public, value_check).with_slot_timeouts(RoundTimeouts {
        role: Role::Committee,
        genesis_ms: 0,
        slot_ms: SLOT_MS,
    });
    let committee = Committee::new(1..=OPERATORS).expect("committee");
    let domain = [0, 0, 3, 1];
    let cid = committee_id(&[1, 2, 3, 4]);
    let msg_id = MessageId::for_committee(domain, Role::Committee, &cid);
    let topic = subnet_topic(committee_subnet(&cid));
    // Every operator judges gossip with the same view of the network.
    let view = Arc::new(NetworkView {
        domain,
        roles: ssv_protocol::roles::RoleFork::Alan,
        clock: SlotClock {
            genesis_ms: 0,
            slot_ms: SLOT_MS,
            slots_per_epoch: 32,
        },
        operators: signers
            .iter()
            .map(|(id, s)| (*id, s.public_key()))
            .collect(),
        committees: BTreeMap::from([(
            cid,
            CommitteeInfo {
                operators: vec![1, 2, 3, 4],
                // A committee with a duty in every slot serves many validators; with
                // fewer, gossip validation would ignore duties past min(32, 2V) per epoch.
                validator_indices: (1..=32).collect(),
                in_sync_committee: false,
            },
        )]),
        validators: BTreeMap::new(),
        duties: KnownDuties::default(),
    });
    let mut gossip_validators: BTreeMap<u64, MessageValidator> = (1..=OPERATORS)
        .map(|id| (id, MessageValidator::new(Arc::clone(&view))))
        .collect();
    let mut verdicts = Verdicts::default();
    let mut nodes: BTreeMap<u64, Controller<SsvQbft>> = (1..=OPERATORS)
        .map(|id| {
            let config = ControllerConfig {
                instance: InstanceConfig {
                    self_id: id,
                    committee: committee.clone(),
                    cut_off_round: 12,
                },
                identifier: msg_id.as_bytes().to_vec(),
                max_instances: 4,
                pending_limit: 256,
            };
            (id, Controller::new(ctx.clone(), config))
        })
        .collect();

    // Virtual time: deliveries ordered by (time, sequence).
    let mut wire: BTreeMap<(u64, u64), (u64, u64, Vec<u8>)> = BTreeMap::new();
    let mut seq = 0u64;
    let mut decided: BTreeMap<(u64, u64), Decision> = BTreeMap::new();
    let mut stats = (0u64, 0u64, 0u64); // messages sent, bytes sent, refused
    let crashed = |id: u64, now: u64| {
        id == OPERATORS && (args.crash.0..args.crash.1).contains(&(now / SLOT_MS))
    };
    println!(
        "4 operators, {} slots of {} s; operator {OPERATORS} is down in slots {}..{}",
        args.slots,
        SLOT_MS / 1000,
        args.crash.0,
        args.crash.1
    );

    for slot in 0..args.slots {
        let slot_start = slot * SLOT_MS;
        for (&id, node) in nodes.iter_mut() {
            if !crashed(id, slot_start) {
                node.handle(
                    Timestamp(slot_start),
                    ControllerInput::Start {
                        height: slot,
                        value: vote(slot, id),
                    },
                )
                .expect("start");
            }
        }
        let slot_end = slot_start + SLOT_MS;
        let mut now = slot_start;
        loop {
            // Carry out every output: sign, encode and send broadcasts.
            for (&id, node) in nodes.iter_mut() {
                while let Some(out) = node.poll_output() {
                    let bytes = match out {
                        ControllerOutput::Broadcast { message, .. } => {
                            sign_outgoing(&message, id, &signers[&id])
                                .expect("sign")
                                .encode()
                        }
                        ControllerOutput::BroadcastDecided(m) => to_wire(&m).encode(),
                        ControllerOutput::Decided {
                            height,
                            value,
                            proof,
                        } => {
                            decided.insert(
                                (height, id),
                                (now - height * SLOT_MS, proof.message.round, value),
                            );
                            continue;
                        }
                        ControllerOutput::RoundTimerSet { .. } => continue,
                    };
                    if crashed(id, now) {
                        continue;
                    }
                    for to in 1..=OPERATORS {
                        seq += 1;
                        stats.0 += 1;
                        stats.1 += bytes.len() as u64;
                        wire.insert(
                            (now + latency(args.seed, id, to, seq), seq),
                            (id, to, bytes.clone()),
                        );
                    }
                }
            }
            let next_msg = wire.keys().next().map(|(t, _)| *t);
            let next_timer = nodes
                .values()
                .filter_map(|n| n.poll_timeout())
                .map(|t| t.0)
                .min();
            let next = match (next_msg, next_timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break,
                },
            };
            if next >= slot_end {
                break;
            }
            now = next;
            if next_timer == Some(next) && next_msg.is_none_or(|m| m > next) {
                for node in nodes.values_mut() {
                    let _ = node.handle(Timestamp(now), ControllerInput::Tick);
                }
                continue;
            }
            let Some((_, (from, to, bytes))) = wire.pop_first() else {
                continue;
            };
            if crashed(to, now) {
                continue;
            }
            // The receiving side, as the node runs it: gossip validation (decoding,
            // every rule, RSA), then the QBFT message into consensus.
            let Some(validator) = gossip_validators.get_mut(&to) else {
                continue;
            };
            let validated = match validator.validate(now, &from.to_le_bytes(), &topic, &bytes) {
                Verdict::Accept(v) => {
                    verdicts.accepted += 1;
                    v
                }
                Verdict::Ignore(e) => {
                    *verdicts.ignored.entry(e.to_string()).or_default() += 1;
                    continue;
                }
                Verdict::Reject(e) => {
                    *verdicts.rejected.entry(e.to_string()).or_default() += 1;
                    continue;
                }
            };
            // Validation decoded the QBFT message already; only its justifications
            // are decoded here.
            let Payload::Consensus(q) = validated.payload else {
                continue;
            };
            let Ok(msg) = consensus_from_validated(&validated.signed, q) else {
                stats.2 += 1;
                continue;
            };
            let accepted = nodes.get_mut(&to).is_some_and(|n| {
                n.handle(Timestamp(now), ControllerInput::Message(Arc::new(msg)))
                    .is_ok()
            });
            if !accepted {
                stats.2 += 1;
            }
        }
        wire.clear();
        let leader = qbft_core::round_robin_proposer(&committee, slot, 1);
        let mut line = format!("slot {slot:>3} leader {leader}:");
        let mut agreed: Option<Arc<[u8]>> = None;
        let mut safe = true;
        for id in 1..=OPERATORS {
            match decided.get(&(slot, id)) {
                Some((ms, round, value)) => {
                    line.push_str(&format!(" op{id} decided in round {round} after {ms} ms;"));
                    if agreed.as_ref().is_some_and(|a| a != value) {
                        safe = false;
                    }
                    agreed = Some(Arc::clone(value));
                }
                None => line.push_str(&format!(" op{id} -;")),
            }
        }
        if let Some(v) = agreed {
            let text = String::from_utf8_lossy(&v);
            line.push_str(&format!(" value: \"{}\"", text.trim_end_matches('\0')));
        }
        println!("{line}");
        assert!(safe, "operators disagreed at slot {slot}");
    }
    println!(
        "gossip validation: {} accepted, ignored {:?}, rejected {:?}",
        verdicts.accepted, verdicts.ignored, verdicts.rejected
    );
    println!(
        "{} messages ({} KiB) sent, {} refused by consensus (late or duplicate), every decided slot agreed",
        stats.0,
        stats.1 / 1024,
        stats.2
    );
    assert!(
        verdicts.rejected.is_empty(),
        "honest operators' messages were rejected"
    );
}
