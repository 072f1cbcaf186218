//! A deterministic QBFT network simulator: `n` controllers on virtual time, a
//! seeded network that delays, drops, duplicates, reorders and partitions until a
//! global stabilisation time (GST), and up to `f` Byzantine operators.
//!
//! Checked after every decision: agreement (honest operators never decide
//! differently at a height) and validity (a decided value passes the value check
//! and was proposed by someone). Checked at the end: liveness (every height that
//! started at or after GST is decided by every honest operator).
//!
//! The same configuration always gives the same run: `trace_hash` in the report
//! fingerprints every delivery.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::context::{digest, sign, tag, TestContext, TestMessage, INVALID_VALUE};
use super::rng::{mix, SimRng};
use crate::context::Context;
use crate::controller::{Controller, ControllerConfig, Input, Output};
use crate::instance::InstanceConfig;
use crate::message::{MessageKind, Outgoing, SignedMessage};
use crate::types::{Committee, Height, OperatorId, Timestamp};

/// What a Byzantine operator does.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Sends nothing.
    Silent,
    /// As leader, proposes different values to the two halves of the committee;
    /// prepares and commits for random roots.
    Equivocate,
    /// Adds proposals for future rounds with forged or too-short justifications.
    ForgeJustifications,
    /// Re-sends messages it saw earlier, to random operators, late.
    Replay,
}

/// The network model.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Smallest delivery delay.
    pub min_delay_ms: u64,
    /// Largest delivery delay after GST.
    pub max_delay_ms: u64,
    /// Largest delivery delay before GST.
    pub max_delay_before_gst_ms: u64,
    /// Per-mille of messages dropped before GST.
    pub drop_permille: u64,
    /// Per-mille of messages delivered twice.
    pub dup_permille: u64,
    /// Global stabilisation time: from then on nothing is dropped or partitioned.
    pub gst_ms: u64,
    /// Before GST, the committee is split in two halves that cannot talk.
    pub partition: bool,
}

/// A simulation.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The seed every random choice comes from.
    pub seed: u64,
    /// Committee size.
    pub n: usize,
    /// Heights to run, one per slot, starting at height 1.
    pub heights: u64,
    /// Time between height starts.
    pub slot_ms: u64,
    /// Byzantine behaviours, given to the highest operator IDs.
    pub byzantine: Vec<Behaviour>,
    /// The network.
    pub net: NetConfig,
}

impl SimConfig {
    /// A configuration drawn from `seed` for `n` operators: up to `f` Byzantine
    /// operators with random behaviours, and a random network before GST.
    pub fn random(seed: u64, n: usize) -> Self {
        let mut rng = SimRng::new(mix(seed ^ 0x51u64));
        let f = (n.max(1) as u64 - 1) / 3;
        let faulty = rng.range(0, f);
        let byzantine = (0..faulty)
            .map(|_| match rng.below(4) {
                0 => Behaviour::Silent,
                1 => Behaviour::Equivocate,
                2 => Behaviour::ForgeJustifications,
                _ => Behaviour::Replay,
            })
            .collect();
        SimConfig {
            seed,
            n,
            heights: 4,
            slot_ms: 12_000,
            byzantine,
            net: NetConfig {
                min_delay_ms: 1,
                max_delay_ms: rng.range(5, 300),
                max_delay_before_gst_ms: rng.range(50, 5_000),
                drop_permille: rng.range(0, 400),
                dup_permille: rng.range(0, 100),
                gst_ms: rng.range(0, 30_000),
                partition: rng.chance(300),
            },
        }
    }

    /// A one-line command that reruns this seed.
    pub fn reproduce_command(&self) -> String {
        format!(
            "SIM_SEED={} SIM_N={} cargo test -p qbft-core --features testkit --test simulation replay_seed -- --nocapture",
            self.seed, self.n
        )
    }
}

/// A broken property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// Two honest operators decided different values at one height.
    Disagreement {
        /// The height.
        height: Height,
        /// One operator and its value.
        first: (OperatorId, u64),
        /// Another operator and its different value.
        second: (OperatorId, u64),
    },
    /// An honest operator decided a value nobody proposed or that fails the check.
    Invalid {
        /// The height.
        height: Height,
        /// The operator.
        operator: OperatorId,
        /// The value.
        value: u64,
    },
    /// An honest operator did not decide a height that started after GST.
    NotLive {
        /// The height.
        height: Height,
        /// The operator.
        operator: OperatorId,
    },
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct SimReport {
    /// Decisions of honest operators: height → operator → value.
    pub decisions: BTreeMap<Height, BTreeMap<OperatorId, u64>>,
    /// Broken properties.
    pub violations: Vec<Violation>,
    /// Messages delivered.
    pub delivered: u64,
    /// Messages refused by a controller (late, future, invalid...).
    pub refused: u64,
    /// Messages dropped at the boundary for a bad top-level signature.
    pub bad_signatures: u64,
    /// A fingerprint of every delivery, for determinism checks.
    pub trace_hash: u64,
    /// Every delivery and output, when [`Sim::with_log`] asked for it.
    pub log: Vec<String>,
}

#[derive(Clone, Debug)]
enum Event {
    Start(Height),
    Deliver { to: usize, msg: Arc<TestMessage> },
}

/// A running simulation.
pub struct Sim {
    cfg: SimConfig,
    rng: SimRng,
    nodes: Vec<Controller<TestContext>>,
    ids: Vec<OperatorId>,
    behaviours: Vec<Option<Behaviour>>,
    queue: BTreeMap<(Timestamp, u64), Event>,
    seq: u64,
    now: Timestamp,
    seen: Vec<Arc<TestMessage>>,
    proposed: BTreeSet<u64>,
    report: SimReport,
    logging: bool,
}

const IDENTIFIER: &[u8] = b"sim";

fn honest_value(height: Height, id: OperatorId) -> u64 {
    height * 1_000 + id
}

fn byzantine_value(height: Height, id: OperatorId) -> u64 {
    height * 1_000 + 500 + id
}

impl Sim {
    /// Sets up the committee and schedules every height's start.
    pub fn new(cfg: SimConfig) -> Result<Self, crate::error::Error> {
        let n = cfg.n.max(1);
        let ids: Vec<OperatorId> = (1..=n as u64).collect();
        let committee = Committee::new(ids.clone())?;
        let nodes = ids
            .iter()
            .map(|&id| {
                Controller::new(
                    TestContext::default(),
                    ControllerConfig {
                        instance: InstanceConfig {
                            self_id: id,
                            committee: committee.clone(),
                            cut_off_round: 12,
                        },
                        identifier: IDENTIFIER.to_vec(),
                        max_instances: 4,
                        pending_limit: 256,
                    },
                )
            })
            .collect();
        let mut behaviours = vec![None; n];
        for (i, b) in cfg.byzantine.iter().enumerate().take(n) {
            behaviours[n - 1 - i] = Some(*b);
        }
        let mut sim = Sim {
            rng: SimRng::new(cfg.seed),
            nodes,
            ids,
            behaviours,
            queue: BTreeMap::new(),
            seq: 0,
            now: Timestamp(0),
            seen: Vec::new(),
            proposed: BTreeSet::new(),
            report: SimReport::default(),
            logging: false,
            cfg,
        };
        for h in 1..=sim.cfg.heights {
            sim.schedule(Timestamp((h - 1) * sim.cfg.slot_ms), Event::Start(h));
        }
        Ok(sim)
    }

    /// Records every delivery and output in the report's `log`.
    pub fn with_log(mut self) -> Self {
        self.logging = true;
        self
    }

    fn log(&mut self, line: impl FnOnce() -> String) {
        if self.logging {
            let line = format!("{:>7} {}", self.now.0, line());
            self.report.log.push(line);
        }
    }

    fn schedule(&mut self, at: Timestamp, ev: Event) {
        self.seq += 1;
        self.queue.insert((at, self.seq), ev);
    }

    fn honest(&self, idx: usize) -> bool {
        self.behaviours[idx].is_none()
    }

    /// Runs to the end and checks liveness.
    pub fn run(mut self) -> SimReport {
        let end = Timestamp(self.cfg.heights * self.cfg.slot_ms);
        loop {
            let next_event = self.queue.keys().next().map(|(t, _)| *t);
            let next_timer = self.nodes.iter().filter_map(|n| n.poll_timeout()).min();
            let next = match (next_event, next_timer) {
                (Some(e), Some(t)) => e.min(t),
                (Some(e), None) => e,
                (None, Some(t)) => t,
                (None, None) => break,
            };
            if next > end {
                break;
            }
            self.now = next;
            if next_timer == Some(next) && next_event.is_none_or(|e| e >= next) {
                for idx in 0..self.nodes.len() {
                    if self.nodes[idx].poll_timeout().is_some_and(|d| d <= next) {
                        let _ = self.nodes[idx].handle(next, Input::Tick);
                        self.drain(idx);
                    }
                }
                continue;
            }
            let Some((_, ev)) = self.queue.pop_first() else {
                break;
            };
            match ev {
                Event::Start(h) => {
                    for idx in 0..self.nodes.len() {
                        let id = self.ids[idx];
                        let value = if self.honest(idx) {
                            honest_value(h, id)
                        } else {
                            byzantine_value(h, id)
                        };
                        self.proposed.insert(value);
                        let _ = self.nodes[idx].handle(self.now, Input::Start { height: h, value });
                        self.drain(idx);
                    }
                }
                Event::Deliver { to, msg } => self.deliver(to, msg),
            }
        }
        self.check_liveness();
        self.report
    }

    fn deliver(&mut self, to: usize, msg: Arc<TestMessage>) {
        self.report.trace_hash = mix(self.report.trace_hash
            ^ self.now.0
            ^ (to as u64).rotate_left(32)
            ^ u64::from_le_bytes(
                msg.signatures
                    .first()
                    .and_then(|s| s.get(..8))
                    .and_then(|s| s.try_into().ok())
                    .unwrap_or([0; 8]),
            ));
        // The embedder verifies top-level signatures before consensus sees them.
        if !TestContext::default().verify_signatures(&msg) {
            self.report.bad_signatures += 1;
            return;
        }
        self.report.delivered += 1;
        if self.behaviours[to] == Some(Behaviour::Replay) && self.seen.len() < 4_096 {
            self.seen.push(Arc::clone(&msg));
        }
        let m = &msg.message;
        let what = format!(
            "{:?} h{} r{} from {:?}",
            m.kind, m.height, m.round, msg.signers
        );
        let result = self.nodes[to].handle(self.now, Input::Message(msg));
        self.log(|| format!("op{} <- {what}: {result:?}", to + 1));
        if result.is_err() {
            self.report.refused += 1;
        }
        self.drain(to);
    }

    fn drain(&mut self, idx: usize) {
        let id = self.ids[idx];
        while let Some(out) = self.nodes[idx].poll_output() {
            self.log(|| match &out {
                Output::Broadcast { message: m, .. } => format!(
                    "op{id} -> {:?} h{} r{}",
                    m.message.kind, m.message.height, m.message.round
                ),
                other => format!("op{id} -> {other:?}").chars().take(160).collect(),
            });
            match out {
                Output::Broadcast { message, .. } => self.send_own(idx, message),
                Output::BroadcastDecided(m) => {
                    if self.behaviours[idx] != Some(Behaviour::Silent) {
                        self.send_all(idx, m, false);
                    }
                }
                Output::Decided { height, value, .. } => {
                    if self.honest(idx) {
                        self.record_decision(height, id, value);
                    }
                }
                Output::RoundTimerSet { .. } => {}
            }
        }
    }

    fn record_decision(&mut self, height: Height, id: OperatorId, value: u64) {
        if value == INVALID_VALUE || !self.proposed.contains(&value) {
            self.report.violations.push(Violation::Invalid {
                height,
                operator: id,
                value,
            });
        }
        let at = self.report.decisions.entry(height).or_default();
        if let Some((&other, &v)) = at.iter().find(|(_, v)| **v != value) {
            self.report.violations.push(Violation::Disagreement {
                height,
                first: (other, v),
                second: (id, value),
            });
        }
        at.insert(id, value);
    }

    fn check_liveness(&mut self) {
        for h in 1..=self.cfg.heights {
            let start = (h - 1) * self.cfg.slot_ms;
            if start < self.cfg.net.gst_ms {
                continue;
            }
            for idx in 0..self.nodes.len() {
                let id = self.ids[idx];
                let decided = self
                    .report
                    .decisions
                    .get(&h)
                    .is_some_and(|d| d.contains_key(&id));
                if self.honest(idx) && !decided {
                    self.report.violations.push(Violation::NotLive {
                        height: h,
                        operator: id,
                    });
                }
            }
        }
    }

    /// Sends a message our node produced, honestly or per its Byzantine behaviour.
    fn send_own(&mut self, idx: usize, out: Outgoing<TestContext>) {
        let id = self.ids[idx];
        match self.behaviours[idx] {
            None => self.send_all(idx, sign(id, out), true),
            Some(Behaviour::Silent) => {}
            Some(Behaviour::Equivocate) => self.equivocate(idx, out),
            Some(Behaviour::ForgeJustifications) => {
                self.forge(idx, &out);
                self.send_all(idx, sign(id, out), true);
            }
            Some(Behaviour::Replay) => {
                self.send_all(idx, sign(id, out), true);
                for _ in 0..3 {
                    if self.seen.is_empty() {
                        break;
                    }
                    let pick = self.rng.below(self.seen.len() as u64) as usize;
                    let old = Arc::clone(&self.seen[pick]);
                    let to = self.rng.below(self.nodes.len() as u64) as usize;
                    let delay = self.rng.range(0, 3 * self.cfg.slot_ms);
                    self.schedule(self.now.plus_millis(delay), Event::Deliver { to, msg: old });
                }
            }
        }
    }

    fn equivocate(&mut self, idx: usize, out: Outgoing<TestContext>) {
        let id = self.ids[idx];
        let height = out.message.height;
        for to in 0..self.nodes.len() {
            let mut variant = out.clone();
            if to % 2 == 1 {
                let other = byzantine_value(height, id) + 1 + self.rng.below(3);
                self.proposed.insert(other);
                variant.message.root = digest(other);
                if variant.full_data.is_some() {
                    variant.full_data = Some(other);
                }
            }
            let delay = self.delay(idx, to);
            if let Some(d) = delay {
                self.schedule(
                    self.now.plus_millis(d),
                    Event::Deliver {
                        to,
                        msg: sign(id, variant),
                    },
                );
            }
        }
    }

    /// Proposals for rounds ahead, justified by round changes whose signatures are
    /// forged (or by too few of them).
    fn forge(&mut self, idx: usize, out: &Outgoing<TestContext>) {
        let id = self.ids[idx];
        let m = &out.message;
        let round = m.round + 1 + self.rng.below(3);
        let value = byzantine_value(m.height, id);
        self.proposed.insert(value);
        let mut rc_template =
            super::context::message(MessageKind::RoundChange, m.height, round, 0, &m.identifier);
        rc_template.root = [0u8; 32];
        let short = self.rng.chance(500);
        let justification: Vec<Arc<TestMessage>> = self
            .ids
            .iter()
            .take(if short { 1 } else { self.ids.len() })
            .map(|&signer| {
                let forged = signer != id;
                Arc::new(SignedMessage {
                    signers: vec![signer],
                    signatures: vec![if forged {
                        vec![0xEE; 8]
                    } else {
                        tag(signer, &rc_template)
                    }],
                    message: rc_template.clone(),
                    full_data: None,
                    envelope: (),
                })
            })
            .collect();
        let mut proposal =
            super::context::message(MessageKind::Proposal, m.height, round, value, &m.identifier);
        proposal.round_change_justification = justification;
        let signed = sign(
            id,
            Outgoing {
                message: proposal,
                full_data: Some(value),
            },
        );
        self.send_all(idx, signed, false);
    }

    fn send_all(&mut self, from: usize, msg: Arc<TestMessage>, include_self: bool) {
        for to in 0..self.nodes.len() {
            if to == from && !include_self {
                continue;
            }
            let Some(delay) = self.delay(from, to) else {
                continue;
            };
            self.schedule(
                self.now.plus_millis(delay),
                Event::Deliver {
                    to,
                    msg: Arc::clone(&msg),
                },
            );
            if to != from && self.rng.chance(self.cfg.net.dup_permille) {
                let again = delay + self.rng.range(0, self.cfg.net.max_delay_ms);
                self.schedule(
                    self.now.plus_millis(again),
                    Event::Deliver {
                        to,
                        msg: Arc::clone(&msg),
                    },
                );
            }
        }
    }

    /// The delay of one delivery, or `None` when the network drops it.
    fn delay(&mut self, from: usize, to: usize) -> Option<u64> {
        if from == to {
            return Some(0);
        }
        let net = &self.cfg.net;
        if self.now.0 < net.gst_ms {
            let half = self.nodes.len() / 2;
            if net.partition && (from < half) != (to < half) {
                return None;
            }
            if self.rng.chance(net.drop_permille) {
                return None;
            }
            let d = self
                .rng
                .range(net.min_delay_ms, net.max_delay_before_gst_ms);
            // Whatever is still in flight at GST arrives within the bound after it.
            let latest = net.gst_ms.saturating_sub(self.now.0) + net.max_delay_ms;
            return Some(d.min(latest));
        }
        Some(self.rng.range(net.min_delay_ms, net.max_delay_ms))
    }
}
