//! The timed part: one [`Node`] fed the generated traffic the way
//! `anchor-runtime`'s driver feeds it: decode on the node's thread, RSA
//! verification in the prioritised [`CpuPool`] (consensus before partial
//! signatures), then `Node` (validation, QBFT, partial signatures,
//! reconstruction) with the verdict passed in. Its requests are answered at
//! once: duties and attestation data from the stub, slashing records as
//! durable, share signatures (real BLS signing) and operator signatures (real
//! RSA signing) with our keys, each timed apart.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use anchor_runtime::driver::pool::{CpuPool, Priority};
use qbft_core::Timestamp;
use ssv_protocol::identifiers::subnet_topic;
use ssv_protocol::node::{Event, GossipVerdict, Input, Node, NodeRequest, NodeResponse, Output};
use ssv_protocol::operator_key::OperatorPublicKey;
use ssv_protocol::runner::io::{Request, Response};
use ssv_protocol::threshold::sign;
use ssv_protocol::validation::signatures_valid;
use ssv_protocol::wire::{Role, SignedSsvMessage, SsvMsgType};

use super::measure::{cpu_ns, cpu_split_ns, rss_kb, RsaSample};
use super::traffic::SlotTraffic;
use super::world::{Stub, World, HEAD_AT_MS, US};

/// Messages handed to the pool ahead of the one the node takes next.
const WINDOW: usize = 512;
/// RSA samples kept for the floor.
const SAMPLES: usize = 4096;

/// What the timed run counted and measured.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Slots run.
    pub slots: u64,
    /// Gossip messages handled.
    pub messages: u64,
    /// Verdicts by kind ("accept", "ignore: reason", "reject: reason").
    pub verdicts: BTreeMap<String, u64>,
    /// Runner refusals by reason.
    pub refused: BTreeMap<String, u64>,
    /// Other events by name.
    pub events: BTreeMap<String, u64>,
    /// QBFT decisions, by slot.
    pub decided: BTreeMap<u64, u64>,
    /// Committee duties started, by slot.
    pub started: BTreeMap<u64, u64>,
    /// Duties finished (every submission made).
    pub finished: u64,
    /// Aggregation and contribution duties finished: each rebuilt (and
    /// verified) a selection proof, a BLS verification no submission shows.
    pub selections: u64,
    /// Beacon submissions (each a reconstructed, verified signature), by slot.
    pub submissions: BTreeMap<u64, u64>,
    /// Submissions whose signature was checked and failed (only with
    /// `verify_submissions`).
    pub bad_submissions: u64,
    /// Messages we published.
    pub published: u64,
    /// RSA verifications done in the pool.
    pub rsa_verifications: u64,
    /// Time in decoding, ns.
    pub decode_ns: u64,
    /// Time in pool RSA verification (summed over workers), ns.
    pub rsa_ns: u64,
    /// Time in `Node` (handle, drain, next deadline) less our signing, ns.
    pub node_ns: u64,
    /// Our BLS share signatures and their time, ns.
    pub bls_signs: (u64, u64),
    /// Our RSA operator signatures and their time, ns.
    pub rsa_signs: (u64, u64),
    /// CPU time of the process over the timed sections, ns.
    pub cpu_ns: u64,
    /// CPU time of the node thread over the timed sections, ns.
    pub main_cpu_ns: u64,
    /// CPU time of the other threads (the RSA pool) over the timed sections, ns.
    pub pool_cpu_ns: u64,
    /// Wall time of the timed sections, ns.
    pub wall_ns: u64,
    /// Resident memory after each slot, kB.
    pub rss_kb: Vec<u64>,
    /// Live heap (kB, from the counting allocator) after each slot.
    pub heap_kb: Vec<u64>,
    /// `Node::census` after each slot.
    pub census: Vec<Vec<(&'static str, usize)>>,
}

/// The timed node and its surroundings.
pub struct Harness<'w> {
    world: &'w World,
    stub: Stub,
    node: Node,
    pool: CpuPool,
    operators: Arc<BTreeMap<u64, OperatorPublicKey>>,
    rsa_ns: Arc<AtomicU64>,
    next_tick: Option<u64>,
    last_tick: Option<u64>,
    pending_head: Option<(u64, u64)>,
    /// Check every submission's signature under the validator key (tests).
    pub verify_submissions: bool,
    /// RSA verifications of the run, for the floor.
    pub rsa_samples: Vec<RsaSample>,
    /// What happened.
    pub stats: Stats,
}

impl<'w> Harness<'w> {
    /// Our node with its registry (our committees and the foreign ones),
    /// registered at `first_slot`, and a pool of `workers` threads. Not timed.
    pub fn new(world: &'w World, first_slot: u64, workers: usize) -> Self {
        let registry = Arc::new(world.registry(US, true));
        let operators = Arc::new(registry.operators.clone());
        let mut h = Harness {
            world,
            stub: Stub::new(world),
            node: Node::new(world.node_config(US)),
            pool: CpuPool::new(workers, 1 << 16),
            operators,
            rsa_ns: Arc::new(AtomicU64::new(0)),
            next_tick: None,
            last_tick: None,
            pending_head: None,
            verify_submissions: false,
            rsa_samples: Vec::new(),
            stats: Stats::default(),
        };
        h.feed(world.slot_ms(first_slot), Input::Registry(registry));
        h.stats = Stats::default();
        h
    }

    /// Runs one slot of traffic, timed.
    pub fn run_slot(&mut self, t: SlotTraffic) {
        let cpu0 = cpu_ns();
        let (main0, pool0) = cpu_split_ns();
        let wall0 = Instant::now();
        let slot = t.slot;
        self.pending_head = Some((self.world.slot_ms(slot) + HEAD_AT_MS, slot));
        let mut msgs = t.msgs;
        let n = msgs.len();
        let (tx, rx) = mpsc::channel::<(usize, Vec<u8>, Option<bool>)>();
        let mut ready: Vec<Option<(Vec<u8>, Option<bool>)>> = vec![None; n];
        let mut submitted = 0usize;
        for i in 0..n {
            // Top up in bursts, as a node's inbound queue hands the pool what
            // arrived together; a sliding window of one in, one out would keep
            // the pool in lockstep with the node thread and wake a worker per
            // message, which the runtime under load does not do.
            if submitted < i + WINDOW / 2 {
                while submitted < n && submitted < i + WINDOW {
                    let data = std::mem::take(&mut msgs[submitted].data);
                    if let Some((data, none)) = self.submit(submitted, data, &tx) {
                        ready[submitted] = Some((data, none));
                    }
                    submitted += 1;
                }
            }
            while ready[i].is_none() {
                match rx.recv() {
                    Ok((k, data, v)) => ready[k] = Some((data, v)),
                    Err(_) => break,
                }
            }
            let Some((data, signatures)) = ready[i].take() else {
                continue;
            };
            let m = &msgs[i];
            self.advance(m.at_ms);
            let input = Input::Gossip {
                id: i as u64,
                peer: std::mem::take(&mut msgs[i].peer),
                topic: subnet_topic(u64::from(msgs[i].subnet)),
                data,
                signatures,
            };
            self.stats.messages += 1;
            self.feed(msgs[i].at_ms, input);
        }
        self.advance(self.world.slot_ms(slot + 1) - 1);
        self.stats.rsa_ns = self.rsa_ns.load(Ordering::Relaxed);
        self.stats.wall_ns += wall0.elapsed().as_nanos() as u64;
        self.stats.cpu_ns += cpu_ns().saturating_sub(cpu0);
        let (main1, pool1) = cpu_split_ns();
        self.stats.main_cpu_ns += main1.saturating_sub(main0);
        self.stats.pool_cpu_ns += pool1.saturating_sub(pool0);
        self.stats.slots += 1;
        self.stats.rss_kb.push(rss_kb());
        self.stats
            .heap_kb
            .push((super::heap::live_bytes() / 1024) as u64);
        self.stats.census.push(self.node.census());
    }

    /// Decodes message `i` and queues its RSA check; a message that does not
    /// decode is handed back at once (the node refuses it without RSA).
    fn submit(
        &mut self,
        i: usize,
        data: Vec<u8>,
        tx: &mpsc::Sender<(usize, Vec<u8>, Option<bool>)>,
    ) -> Option<(Vec<u8>, Option<bool>)> {
        let t0 = Instant::now();
        let decoded = SignedSsvMessage::decode(&data).ok();
        self.stats.decode_ns += t0.elapsed().as_nanos() as u64;
        let m = decoded?;
        self.stats.rsa_verifications += m.signatures.len() as u64;
        if self.rsa_samples.len() < SAMPLES && i.is_multiple_of(7) {
            if let (Some(bytes), Some(key)) = (
                SignedSsvMessage::signed_bytes(&data),
                m.operator_ids.first().and_then(|id| self.operators.get(id)),
            ) {
                let sig = m.signatures.first().cloned().unwrap_or_default();
                self.rsa_samples.push((key.clone(), bytes.to_vec(), sig));
            }
        }
        let priority = if m.ssv_message.msg_type == SsvMsgType::Consensus {
            Priority::High
        } else {
            Priority::Low
        };
        let operators = Arc::clone(&self.operators);
        let tx = tx.clone();
        let rsa_ns = Arc::clone(&self.rsa_ns);
        let job = move || {
            let t0 = Instant::now();
            let valid = signatures_valid(&data, &m, &operators).ok();
            rsa_ns.fetch_add(t0.elapsed().as_nanos() as u64, Ordering::Relaxed);
            let _ = tx.send((i, data, valid));
        };
        // The queue holds far more than the window: it never refuses here.
        if self.pool.try_run(priority, job).is_err() {
            return Some((Vec::new(), None));
        }
        None
    }

    /// Feeds the head event and ticks due at or before `to`.
    fn advance(&mut self, to: u64) {
        loop {
            let head = self.pending_head.map(|(t, _)| t);
            let tick = self.next_tick;
            let next = match (head, tick) {
                (Some(h), Some(t)) => h.min(t),
                (Some(h), None) => h,
                (None, Some(t)) => t,
                (None, None) => return,
            };
            if next > to {
                return;
            }
            if head == Some(next) {
                if let Some((at, slot)) = self.pending_head.take() {
                    let input = Input::Head(self.stub.head(slot));
                    self.feed(at, input);
                }
            } else {
                self.last_tick = Some(next);
                self.feed(next, Input::Tick);
            }
        }
    }

    /// Feeds one input and answers every request it sets off, at once.
    fn feed(&mut self, now: u64, input: Input) {
        let t0 = Instant::now();
        let mut sign_ns = 0u64;
        let mut inputs = VecDeque::from([input]);
        while let Some(input) = inputs.pop_front() {
            self.node.handle(Timestamp(now), input);
            while let Some(out) = self.node.poll_output() {
                match out {
                    Output::Verdict { verdict, .. } => {
                        let name = match verdict {
                            GossipVerdict::Accept => "accept".to_string(),
                            GossipVerdict::Ignore(e) => format!("ignore: {e}"),
                            GossipVerdict::Reject(e) => format!("reject: {e}"),
                        };
                        *self.stats.verdicts.entry(name).or_default() += 1;
                    }
                    Output::Publish { .. } => self.stats.published += 1,
                    Output::Request { id, request } => {
                        let s0 = Instant::now();
                        let (response, signing) = self.answer(&request);
                        if signing {
                            sign_ns += s0.elapsed().as_nanos() as u64;
                        }
                        inputs.push_back(Input::Response { id, response });
                    }
                    Output::Submit(s) => {
                        let slot = self.world.chain.slot_at(now);
                        *self.stats.submissions.entry(slot).or_default() += 1;
                        if self.verify_submissions {
                            let ok = self
                                .world
                                .validator_pks
                                .get(&s.validator_index)
                                .is_some_and(|pk| {
                                    crate::cluster::verify::verifies(&self.world.chain, &s, pk)
                                });
                            self.stats.bad_submissions += u64::from(!ok);
                        }
                    }
                    Output::Event(e) => self.event(e),
                }
            }
        }
        let floor = self.last_tick.map_or(0, |l| l + 1);
        self.next_tick = self.node.poll_timeout().map(|t| t.0.max(floor));
        let total = t0.elapsed().as_nanos() as u64;
        self.stats.node_ns += total.saturating_sub(sign_ns);
    }

    /// The answer to a request, and whether it was signing work.
    fn answer(&mut self, request: &NodeRequest) -> (NodeResponse, bool) {
        if let Some(r) = self.stub.answer(request) {
            return (r, false);
        }
        let response = match request {
            NodeRequest::OperatorSign(m) => {
                let t0 = Instant::now();
                let r = match self.world.signers[&US].sign(m) {
                    Ok(sig) => NodeResponse::OperatorSignature(sig),
                    Err(e) => NodeResponse::Failed(e.to_string()),
                };
                self.stats.rsa_signs.0 += 1;
                self.stats.rsa_signs.1 += t0.elapsed().as_nanos() as u64;
                r
            }
            NodeRequest::Runner(Request::Sign(items)) => {
                let t0 = Instant::now();
                let keys = self.world.secrets.get(&US);
                let mut sigs = Vec::with_capacity(items.len());
                for item in items {
                    match keys.and_then(|k| k.get(&item.share_pubkey)) {
                        Some(sk) => sigs.push(sign(sk, &item.signing_root).to_bytes()),
                        None => break,
                    }
                }
                self.stats.bls_signs.0 += sigs.len() as u64;
                self.stats.bls_signs.1 += t0.elapsed().as_nanos() as u64;
                if sigs.len() == items.len() {
                    NodeResponse::Runner(Response::Signatures(sigs))
                } else {
                    NodeResponse::Failed("unknown share".into())
                }
            }
            _ => NodeResponse::Failed("not served".into()),
        };
        (response, true)
    }

    fn event(&mut self, e: Event) {
        match e {
            Event::DutyStarted { slot, .. } => *self.stats.started.entry(slot).or_default() += 1,
            Event::Decided { slot, .. } => *self.stats.decided.entry(slot).or_default() += 1,
            Event::DutyFinished { role, .. } => {
                self.stats.finished += 1;
                if matches!(role, Role::Aggregator | Role::SyncCommitteeContribution) {
                    self.stats.selections += 1;
                }
            }
            Event::MessageRefused { error, .. } => {
                *self.stats.refused.entry(error.to_string()).or_default() += 1;
            }
            other => {
                let text = format!("{other:?}");
                let name = text.split([' ', '{', '(']).next().unwrap_or("").to_string();
                *self.stats.events.entry(name).or_default() += 1;
            }
        }
    }
}
