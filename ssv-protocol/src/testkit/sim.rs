//! The duty-level simulator: `n` real [`Node`]s (validation, scheduler, runners,
//! QBFT) on virtual time, RSA-signed gossip over a seeded network, real BLS
//! share signatures, a simulated beacon chain, and Byzantine operators whose
//! published messages pass through the disrupter.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use qbft_core::testkit::{mix, SimRng};
use qbft_core::{External, Timestamp};
use sha2::{Digest, Sha256};

use crate::consensus::ValueCheck;
use crate::node::{
    ChainValueChecks, Event, GossipVerdict, Input, Node, NodeConfig, NodeRequest, NodeResponse,
    Output,
};
use crate::operator_key::OperatorPublicKey;
use crate::roles::RoleFork;
use crate::runner::duty::CommitteeDuty;
use crate::runner::io::{Request, Response, Submission};
use crate::runner::{SpecSelection, ValueChecks};
use crate::trace::MemoryRecorder;
use crate::wire::{
    PartialSigKind, PartialSignatureMessages, Role, Share, SignedSsvMessage, SsvMsgType,
};

use super::chain::{SimChain, DOMAIN, SLOTS_PER_EPOCH};
use super::config::{Behaviour, DutySimConfig};
use super::disrupter::Adversary;
use super::invariants::{Checker, Violation};
use super::keys::{test_operator_signer, KeyStore};

const BEACON_LATENCY_MS: u64 = 40;

/// Why a simulation cannot be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SimError {
    /// The committee size is not 4 to 7 operators (8 test keys exist).
    #[error("committee of {0} operators: the testkit runs 4 to 7")]
    CommitteeSize(usize),
    /// More Byzantine operators than `f` without the hook that allows it.
    #[error("{byzantine} Byzantine operators exceed f = {f}")]
    TooManyByzantine {
        /// Byzantine operators asked for.
        byzantine: usize,
        /// The bound.
        f: usize,
    },
    /// A test key did not load.
    #[error("test key of operator {0} did not load")]
    Key(u64),
}

/// What a run did.
#[derive(Debug, Default)]
pub struct DutySimReport {
    /// Broken properties, each once.
    pub violations: Vec<Violation>,
    /// Duties decided by honest nodes (node × duty).
    pub decisions: u64,
    /// For each (role, slot), the honest operators whose node decided a duty of
    /// it: every role, the per-validator ones (aggregations, contributions)
    /// included.
    pub decided_by: BTreeMap<(Role, u64), BTreeSet<u64>>,
    /// Attestations submitted by honest nodes.
    pub submissions: u64,
    /// Gossip messages delivered.
    pub delivered: u64,
    /// Gossip verdicts by kind: accept, ignore, reject.
    pub verdicts: [u64; 3],
    /// SHA-256 over every publish and submission, in order, with its time.
    pub trace_hash: [u8; 32],
    /// The event log, when [`DutySim::with_log`] asked for it.
    pub log: Vec<String>,
    /// The recorded operator's trace ([`crate::trace`]), when
    /// [`DutySim::with_recording`] asked for one, or why it could not be written.
    pub trace: Option<Result<Vec<u8>, String>>,
}

/// Honest value checks switched off ([`super::Hooks::accept_any_value`]).
struct AcceptAny;

impl ValueChecks for AcceptAny {
    fn committee(&self, _: &CommitteeDuty, _: &[&Share]) -> ValueCheck {
        Arc::new(|_: &[u8]| Ok::<(), External>(()))
    }
    fn proposer(&self, _: &Share) -> ValueCheck {
        Arc::new(|_: &[u8]| Ok::<(), External>(()))
    }
    fn aggregator_committee(&self) -> ValueCheck {
        Arc::new(|_: &[u8]| Ok::<(), External>(()))
    }
}

struct SimNode {
    operator: u64,
    /// The node's configuration (kept for a recording's header).
    config: NodeConfig,
    node: Node,
    keys: KeyStore,
    byzantine: Option<Behaviour>,
    last_tick: Option<u64>,
    /// How far this node's clock runs behind the simulation's (ms): it reads
    /// `now - lag` and its deadlines fire `lag` later.
    lag: u64,
    crashed: bool,
    /// Digests of every message this node published or was handed (its
    /// gossipsub seen cache): a relayed copy of one of them is dropped.
    seen: BTreeSet<[u8; 32]>,
}

/// A gossip message handed to a node, until its verdict.
struct InFlight {
    from: usize,
    topic: String,
    data: Vec<u8>,
}

enum Ev {
    Deliver {
        to: usize,
        from: usize,
        topic: String,
        data: Vec<u8>,
        /// A copy forwarded by a peer that accepted it (gossipsub relay),
        /// dropped if the receiver has seen the message already.
        relay: bool,
    },
    Respond {
        to: usize,
        id: u64,
        response: NodeResponse,
    },
    Feed {
        to: usize,
        input: Input,
    },
}

/// The simulator. Build with [`DutySim::new`], run with [`DutySim::run`].
pub struct DutySim {
    cfg: DutySimConfig,
    chain: SimChain,
    nodes: Vec<SimNode>,
    /// Equivocation halves, by node.
    sides: Vec<bool>,
    /// Partition groups of honest nodes before GST, by node.
    groups: Vec<bool>,
    queue: BTreeMap<(u64, u64), Ev>,
    seq: u64,
    rng: SimRng,
    adversary: Adversary,
    checker: Checker,
    /// Gossip handed to a node and not judged yet, by gossip id.
    in_flight: BTreeMap<u64, InFlight>,
    gst: u64,
    first_slot: u64,
    hasher: Sha256,
    report: DutySimReport,
    log: bool,
    /// The recorded node and its trace.
    recording: Option<(usize, MemoryRecorder)>,
}

impl DutySim {
    /// A simulation of `cfg`.
    pub fn new(cfg: DutySimConfig) -> Result<Self, SimError> {
        let n = cfg.n;
        if !(4..=7).contains(&n) {
            return Err(SimError::CommitteeSize(n));
        }
        if cfg.byzantine.len() > cfg.f() && !cfg.hooks.allow_over_f {
            return Err(SimError::TooManyByzantine {
                byzantine: cfg.byzantine.len(),
                f: cfg.f(),
            });
        }
        let operators: Vec<u64> = (1..=n as u64).collect();
        let mut chain = SimChain::new(cfg.slots.clamp(1, SLOTS_PER_EPOCH));
        if cfg.aggregators {
            chain.committee_length = 8;
        }
        let first_slot = SLOTS_PER_EPOCH;
        let (committee, threshold) = if cfg.hooks.weak_quorum {
            (operators.iter().copied().take(4).collect::<Vec<u64>>(), 3)
        } else {
            (operators.clone(), cfg.quorum())
        };
        let split = chain.split(&committee, threshold, cfg.seed);
        let byz_from = n.saturating_sub(cfg.byzantine.len()) as u64 + 1;
        let mut signers = BTreeMap::new();
        for op in &operators {
            signers.insert(*op, test_operator_signer(*op).ok_or(SimError::Key(*op))?);
        }
        let pubkeys: BTreeMap<u64, OperatorPublicKey> = signers
            .iter()
            .map(|(id, s)| (*id, s.public_key()))
            .collect();
        // Node list: one per operator, then the twin.
        let mut members: Vec<u64> = operators.clone();
        if let Some(t) = cfg
            .hooks
            .twin
            .filter(|t| operators.contains(t) && *t < byz_from)
        {
            members.push(t);
        }
        let chain_arc = Arc::new(chain.spec.clone());
        let mut nodes = Vec::new();
        let rng = SimRng::new(mix(cfg.seed ^ 0x5157));
        for op in &members {
            let byzantine = (*op >= byz_from)
                .then(|| cfg.byzantine.get((*op - byz_from) as usize).copied())
                .flatten();
            let honest = byzantine.is_none();
            let value_checks: Arc<dyn ValueChecks> = if honest && cfg.hooks.accept_any_value {
                Arc::new(AcceptAny)
            } else {
                Arc::new(ChainValueChecks {
                    chain: Arc::clone(&chain_arc),
                })
            };
            let config = NodeConfig {
                operator_id: *op,
                network_domain: DOMAIN,
                chain: Arc::clone(&chain_arc),
                roles: RoleFork::Alan,
                value_checks,
                selection: Arc::new(SpecSelection),
                gas_limit: 30_000_000,
                proposer_delay_ms: 0,
                max_instances: 8,
                pending_limit: 256,
            };
            let signer = test_operator_signer(*op).ok_or(SimError::Key(*op))?;
            let shares = split
                .iter()
                .filter_map(|v| Some((v.index, v.shares.get(op)?.clone())))
                .collect();
            nodes.push(SimNode {
                operator: *op,
                node: Node::new(config.clone()),
                config,
                keys: KeyStore::new(signer, shares),
                byzantine,
                last_tick: None,
                lag: cfg
                    .clock_lag
                    .filter(|(lagging, _)| lagging == op)
                    .map_or(0, |(_, ms)| ms),
                crashed: false,
                seen: BTreeSet::new(),
            });
        }
        // Honest nodes alternate between the equivocators' halves; Byzantine
        // nodes all take the first (they coordinate on the original value).
        let mut next = false;
        let mut sides: Vec<bool> = nodes
            .iter()
            .map(|s| {
                if s.byzantine.is_some() {
                    return false;
                }
                let side = next;
                next = !next;
                side
            })
            .collect();
        if let (Some(t), true) = (cfg.hooks.twin, nodes.len() > n) {
            let original = sides.get((t - 1) as usize).copied().unwrap_or(false);
            if let Some(s) = sides.last_mut() {
                *s = !original;
            }
        }
        // The partition before GST splits the honest nodes along the
        // equivocators' halves (the split an adversary would pick); Byzantine
        // nodes reach both sides.
        let groups = sides.clone();
        let gst = chain.slot_ms(first_slot) + cfg.net.gst_ms;
        let mut sim = DutySim {
            chain,
            nodes,
            sides,
            groups,
            queue: BTreeMap::new(),
            seq: 0,
            rng,
            adversary: Adversary::default(),
            checker: Checker::default(),
            in_flight: BTreeMap::new(),
            gst,
            first_slot,
            hasher: Sha256::new(),
            report: DutySimReport::default(),
            log: false,
            recording: None,
            cfg,
        };
        let start = sim.chain.slot_ms(first_slot);
        for (i, m) in sim
            .nodes
            .iter()
            .map(|s| s.operator)
            .enumerate()
            .collect::<Vec<_>>()
        {
            let registry = SimChain::registry(&pubkeys, &split, m, &committee);
            sim.push(
                start.saturating_sub(2_000),
                Ev::Feed {
                    to: i,
                    input: Input::Registry(Arc::new(registry)),
                },
            );
        }
        for slot in first_slot..first_slot + sim.cfg.slots + 1 {
            let head = sim.chain.head(slot);
            for to in 0..sim.nodes.len() {
                let at = sim.chain.slot_ms(slot) + 1_500 + sim.rng.below(1_000);
                sim.push(
                    at,
                    Ev::Feed {
                        to,
                        input: Input::Head(head.clone()),
                    },
                );
            }
        }
        Ok(sim)
    }

    /// Keeps an event log in the report.
    pub fn with_log(mut self) -> Self {
        self.log = true;
        self
    }

    /// Records operator `operator`'s node as a trace ([`crate::trace`]), which
    /// `anchor-runtime replay` replays: every input it takes from its registry
    /// on, with the digest of what it produced. The report carries the bytes.
    pub fn with_recording(mut self, operator: u64) -> Self {
        if let Some((i, s)) = self
            .nodes
            .iter()
            .enumerate()
            .find(|(_, s)| s.operator == operator)
        {
            let software = format!("ssv-protocol testkit {}", env!("CARGO_PKG_VERSION"));
            let network = format!("duty-sim seed {} n={}", self.cfg.seed, self.cfg.n);
            let recorder = MemoryRecorder::new(software, network, s.config.clone());
            self.recording = Some((i, recorder));
        }
        self
    }

    fn push(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.queue.insert((at, self.seq), ev);
    }

    fn note(&mut self, now: u64, text: impl FnOnce() -> String) {
        if self.log {
            let t = now.saturating_sub(self.chain.slot_ms(self.first_slot));
            self.report.log.push(format!("{t:>6} ms {}", text()));
        }
    }

    fn honest(&self, node: usize) -> bool {
        self.nodes.get(node).is_some_and(|s| s.byzantine.is_none())
    }

    fn operator(&self, node: usize) -> u64 {
        self.nodes.get(node).map_or(0, |s| s.operator)
    }

    /// Runs to one slot past the last duty's slot, then checks liveness.
    pub fn run(mut self) -> DutySimReport {
        let end = self.chain.slot_ms(self.first_slot + self.cfg.slots + 1);
        loop {
            let tq = self.queue.keys().next().map_or(u64::MAX, |k| k.0);
            // A node asking for a tick at or before its last one gets it 1 ms later.
            let tn = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.crashed)
                .filter_map(|(i, s)| {
                    let t = s.node.poll_timeout()?.0.saturating_add(s.lag);
                    Some((t.max(s.last_tick.map_or(0, |l| l + 1)), i))
                })
                .min();
            let next = tn.map_or(u64::MAX, |t| t.0).min(tq);
            if next >= end {
                break;
            }
            match tn {
                Some((t, i)) if t <= tq => {
                    if let Some(s) = self.nodes.get_mut(i) {
                        s.last_tick = Some(t);
                    }
                    self.feed(t, i, Input::Tick);
                }
                _ => {
                    let Some(((t, _), ev)) = self.queue.pop_first() else {
                        break;
                    };
                    match ev {
                        Ev::Deliver {
                            to,
                            from,
                            topic,
                            data,
                            relay,
                        } => {
                            let digest: [u8; 32] = Sha256::digest(&data).into();
                            let Some(s) = self.nodes.get_mut(to) else {
                                continue;
                            };
                            if !s.seen.insert(digest) && relay {
                                continue;
                            }
                            self.report.delivered += 1;
                            let id = self.seq;
                            self.seq += 1;
                            self.in_flight.insert(
                                id,
                                InFlight {
                                    from,
                                    topic: topic.clone(),
                                    data: data.clone(),
                                },
                            );
                            let peer = vec![self.operator(from) as u8, from as u8];
                            let input = Input::Gossip {
                                id,
                                peer,
                                topic,
                                data,
                                signatures: None,
                            };
                            self.feed(t, to, input);
                        }
                        Ev::Respond { to, id, response } => {
                            self.feed(t, to, Input::Response { id, response });
                        }
                        Ev::Feed { to, input } => self.feed(t, to, input),
                    }
                }
            }
        }
        self.check_liveness();
        self.report.violations = std::mem::take(&mut self.checker.violations)
            .into_iter()
            .collect();
        self.report.trace_hash = self.hasher.finalize().into();
        if let Some((_, recorder)) = self.recording.take() {
            self.report.trace = Some(recorder.finish().map_err(|e| e.to_string()));
        }
        self.report
    }

    fn feed(&mut self, now: u64, i: usize, input: Input) {
        let Some(s) = self.nodes.get_mut(i) else {
            return;
        };
        if s.crashed {
            return;
        }
        let node = &mut s.node;
        let local = now.saturating_sub(s.lag);
        let recording = self.recording.as_mut().filter(|(r, _)| *r == i);
        let recorded = recording.is_some().then(|| input.clone());
        let result = catch_unwind(AssertUnwindSafe(|| {
            node.handle(Timestamp(local), input);
            std::iter::from_fn(|| node.poll_output()).collect::<Vec<Output>>()
        }));
        match result {
            Ok(outs) => {
                if let (Some((_, r)), Some(input)) = (recording, recorded) {
                    r.observe(local, &input, &outs);
                }
                for out in outs {
                    self.route(now, i, out);
                }
            }
            Err(panic) => {
                s.crashed = true;
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|m| m.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let operator = s.operator;
                self.checker
                    .violation(Violation::Crash { operator, message });
            }
        }
    }

    fn route(&mut self, now: u64, i: usize, out: Output) {
        match out {
            Output::Verdict { id, verdict } => {
                let flight = self.in_flight.remove(&id);
                let k = match verdict {
                    GossipVerdict::Accept => 0,
                    GossipVerdict::Ignore(_) => 1,
                    GossipVerdict::Reject(_) => 2,
                };
                if let Some(v) = self.report.verdicts.get_mut(k) {
                    *v += 1;
                }
                if k == 0 {
                    if let Some(flight) = flight {
                        if self.log {
                            let op = self.operator(i);
                            let what = describe(&flight.data);
                            self.note(now, || format!("op {op} node {i}: accepted {what}"));
                        }
                        self.saw_partials(i, &flight.data);
                        self.relay(now, i, flight);
                    }
                } else if self.log {
                    let op = self.operator(i);
                    self.note(now, || format!("op {op} node {i}: {verdict:?}"));
                }
            }
            Output::Publish { topic, data } => self.publish(now, i, topic, data),
            Output::Request { id, request } => self.request(now, i, id, request),
            Output::Submit(s) => self.submitted(now, i, s),
            Output::Event(e) => self.event(now, i, e),
        }
    }

    /// Post-consensus partials in an accepted (or own) message.
    fn saw_partials(&mut self, i: usize, data: &[u8]) {
        let Ok(m) = SignedSsvMessage::decode(data) else {
            return;
        };
        if m.ssv_message.msg_type != SsvMsgType::PartialSignature {
            return;
        }
        let Ok(p) = PartialSignatureMessages::decode(&m.ssv_message.data) else {
            return;
        };
        if p.kind != PartialSigKind::PostConsensus {
            return;
        }
        for part in p.messages {
            self.checker
                .partial(i, part.validator_index, part.signing_root, part.signer);
        }
    }

    /// Gossipsub forwards a message its validator accepted to the other peers
    /// (once, not back to its sender), so a Byzantine publisher cannot reach one
    /// honest operator only. Byzantine nodes do not relay.
    fn relay(&mut self, now: u64, i: usize, flight: InFlight) {
        if !self.honest(i) {
            return;
        }
        for to in 0..self.nodes.len() {
            if to != i && to != flight.from {
                self.send_copy(now, i, to, &flight.topic, flight.data.clone(), true);
            }
        }
    }

    fn publish(&mut self, now: u64, i: usize, topic: String, data: Vec<u8>) {
        if let Some(s) = self.nodes.get_mut(i) {
            s.seen.insert(Sha256::digest(&data).into());
        }
        self.hasher.update(now.to_le_bytes());
        self.hasher.update((i as u64).to_le_bytes());
        self.hasher.update(&data);
        self.saw_partials(i, &data);
        self.adversary.observe(&data);
        let copies = match self.nodes.get(i).and_then(|s| s.byzantine) {
            None => (0..self.nodes.len())
                .filter(|to| *to != i)
                .map(|to| (to, data.clone(), 0))
                .collect(),
            Some(b) => {
                let Some(s) = self.nodes.get(i) else {
                    return;
                };
                self.adversary
                    .disrupt(b, &mut self.rng, &s.keys, i, &self.sides, &data)
            }
        };
        for (to, bytes, extra) in copies {
            self.send(now + extra, i, to, &topic, bytes);
        }
    }

    /// One copy through the network model.
    fn send(&mut self, now: u64, from: usize, to: usize, topic: &str, data: Vec<u8>) {
        self.send_copy(now, from, to, topic, data, false);
    }

    /// One copy, first-hand or relayed, through the network model.
    fn send_copy(
        &mut self,
        now: u64,
        from: usize,
        to: usize,
        topic: &str,
        data: Vec<u8>,
        relay: bool,
    ) {
        let net = &self.cfg.net;
        let before_gst = now < self.gst;
        if before_gst {
            let cut = net.partition
                && self.honest(from)
                && self.honest(to)
                && self.groups.get(from) != self.groups.get(to);
            if cut || self.rng.chance(net.drop_permille) {
                return;
            }
        }
        let max = if before_gst {
            net.max_delay_before_gst_ms
        } else {
            net.max_delay_ms
        };
        let (min, dup) = (net.min_delay_ms, net.dup_permille);
        let copies = if self.rng.chance(dup) { 2 } else { 1 };
        for _ in 0..copies {
            let at = now + self.rng.range(min, max.max(min));
            let ev = Ev::Deliver {
                to,
                from,
                topic: topic.to_string(),
                data: data.clone(),
                relay,
            };
            self.push(at, ev);
        }
    }

    fn request(&mut self, now: u64, i: usize, id: u64, request: NodeRequest) {
        let honest = self.honest(i);
        let operator = self.operator(i);
        let epoch = self.chain.spec.epoch(self.chain.spec.slot_at(now));
        if honest {
            if let NodeRequest::Runner(Request::Sign(items)) = &request {
                for item in items {
                    self.checker.signs(
                        operator,
                        item.validator_index,
                        item.domain_type,
                        epoch,
                        item.signing_root,
                    );
                }
            }
        }
        let (response, latency) = match &request {
            NodeRequest::Duties(d) => (
                NodeResponse::Duties(self.chain.duties(d)),
                BEACON_LATENCY_MS,
            ),
            NodeRequest::Runner(Request::AttestationData { slot }) => (
                NodeResponse::Runner(Response::AttestationData(
                    self.chain.attestation_data(*slot),
                )),
                BEACON_LATENCY_MS,
            ),
            NodeRequest::Runner(Request::Aggregation(needs)) => (
                NodeResponse::Runner(Response::Aggregation {
                    attestations: needs
                        .committee_indexes
                        .iter()
                        .map(|c| (*c, self.chain.aggregate(needs.slot)))
                        .collect(),
                    contributions: Vec::new(),
                }),
                BEACON_LATENCY_MS,
            ),
            _ => {
                let answer = self
                    .nodes
                    .get_mut(i)
                    .and_then(|s| s.keys.answer(&request))
                    .unwrap_or_else(|| {
                        NodeResponse::Failed("the simulation does not answer this".into())
                    });
                if honest && answer == NodeResponse::Runner(Response::Slashable) {
                    let slot = self.chain.spec.slot_at(now);
                    self.checker
                        .violation(Violation::SlashableRecord { operator, slot });
                }
                (answer, 1)
            }
        };
        self.push(
            now + latency,
            Ev::Respond {
                to: i,
                id,
                response,
            },
        );
    }

    fn submitted(&mut self, now: u64, i: usize, s: Submission) {
        self.hasher.update(now.to_le_bytes());
        self.hasher.update(s.root);
        if !self.honest(i) {
            return;
        }
        let operator = self.operator(i);
        self.report.submissions += 1;
        let validator_index = s.validator_index;
        if !self.chain.verifies(&s) {
            self.checker.violation(Violation::BadSignature {
                operator,
                validator_index,
            });
        }
        if let Some((slot, root)) = self.chain.attestation_signing_root(&s) {
            let signers = self.checker.signers(i, validator_index, &root);
            let quorum = self.cfg.quorum();
            if signers < quorum {
                self.checker.violation(Violation::SubQuorum {
                    operator,
                    validator_index,
                    signers,
                    quorum,
                });
            }
            self.checker
                .submitted
                .entry((slot, validator_index))
                .or_default()
                .insert(i);
        }
        self.note(now, || {
            format!("op {operator} node {i}: submitted attestation of validator {validator_index}")
        });
    }

    fn event(&mut self, now: u64, i: usize, e: Event) {
        let operator = self.operator(i);
        if let Event::Decided { role, slot, .. } = &e {
            if self.honest(i) {
                self.report
                    .decided_by
                    .entry((*role, *slot))
                    .or_default()
                    .insert(operator);
            }
            let value: Option<Vec<u8>> = self.nodes.get(i).and_then(|s| {
                s.node
                    .committee_runners(*role, *slot)
                    .find_map(|r| r.duty_state()?.decided_value().map(<[u8]>::to_vec))
            });
            if self.honest(i) {
                if let Some(v) = &value {
                    self.report.decisions += 1;
                    let digest: [u8; 32] = Sha256::digest(v).into();
                    self.checker.decided(i, operator, *role, *slot, digest);
                    if *role == Role::Committee {
                        if let Err(reason) = self.chain.check_vote(*slot, v) {
                            self.checker.violation(Violation::Validity {
                                slot: *slot,
                                operator,
                                reason,
                            });
                        }
                    }
                }
            }
        }
        self.note(now, || format!("op {operator} node {i}: {e:?}"));
    }

    /// Every duty of a slot starting at or after GST plus the margin is decided
    /// and submitted by every honest node.
    fn check_liveness(&mut self) {
        let from = self.gst + self.cfg.liveness_margin_ms;
        let honest: Vec<usize> = (0..self.nodes.len()).filter(|i| self.honest(*i)).collect();
        for slot in self.first_slot..self.first_slot + self.cfg.slots {
            if self.chain.slot_ms(slot) < from {
                continue;
            }
            let validator = self.chain.attester_of(slot);
            let decided: BTreeSet<usize> = self
                .checker
                .decided
                .get(&(Role::Committee, slot))
                .map(|m| m.keys().copied().collect())
                .unwrap_or_default();
            let submitted = self
                .checker
                .submitted
                .get(&(slot, validator))
                .cloned()
                .unwrap_or_default();
            for i in &honest {
                let operator = self.operator(*i);
                if !decided.contains(i) {
                    self.checker.violation(Violation::Liveness {
                        slot,
                        operator,
                        missing: "decided",
                    });
                } else if !submitted.contains(i) {
                    self.checker.violation(Violation::Liveness {
                        slot,
                        operator,
                        missing: "submitted",
                    });
                }
            }
        }
    }
}

/// A one-line description of a gossip message for the event log.
fn describe(data: &[u8]) -> String {
    let Ok(m) = SignedSsvMessage::decode(data) else {
        return "undecodable".into();
    };
    let role = m.ssv_message.msg_id.role();
    match m.ssv_message.msg_type {
        SsvMsgType::Consensus => match crate::wire::QbftMessage::decode(&m.ssv_message.data) {
            Ok(q) => {
                let kind = ["proposal", "prepare", "commit", "round-change"]
                    .get(q.msg_type as usize)
                    .copied()
                    .unwrap_or("unknown");
                format!(
                    "{role:?} {kind} h{} r{} from {:?}{}",
                    q.height,
                    q.round,
                    m.operator_ids,
                    if m.full_data.is_empty() { "" } else { " +data" }
                )
            }
            Err(_) => format!("{role:?} consensus (undecodable)"),
        },
        SsvMsgType::PartialSignature => match PartialSignatureMessages::decode(&m.ssv_message.data)
        {
            Ok(p) => format!(
                "{role:?} partials {:?} slot {} from {:?}",
                p.kind, p.slot, m.operator_ids
            ),
            Err(_) => format!("{role:?} partials (undecodable)"),
        },
        _ => format!("{role:?} other"),
    }
}
