//! The local demo cluster: four [`Node`] machines on virtual time, with a
//! simulated beacon chain ([`beacon_sim`]) and an in-memory gossip network with
//! seeded latencies. Each node's requests are answered by the simulated beacon
//! node or by its operator's key store; every submission is checked as a beacon
//! node would check it ([`verify`]). The same keys and config give the same
//! outputs, byte for byte ([`Report::digest`]).

pub mod beacon_sim;
pub mod record;
pub mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use qbft_core::Timestamp;
use sha2::{Digest, Sha256};
use ssv_protocol::beacon::consensus_data::DataVersion;
use ssv_protocol::node::{
    ChainValueChecks, Event, GossipVerdict, Input, Node, NodeConfig, NodeRequest, NodeResponse,
    Output, RegisteredValidator, Registry,
};
use ssv_protocol::operator_key::OperatorSigner;
use ssv_protocol::roles::RoleFork;
use ssv_protocol::runner::chain::{ChainSpec, Fork};
use ssv_protocol::runner::io::{Submission, SubmissionKind};
use ssv_protocol::runner::SpecSelection;
use ssv_protocol::threshold::{interop_secret_key, split};
use ssv_protocol::wire::{Share, ShareMember};

use beacon_sim::{h, Operator, SimBeacon, FIRST_INDEX};

/// Slots per epoch of the simulated chain (the minimal preset's 8).
pub const SLOTS_PER_EPOCH: u64 = 8;
/// The operators.
pub const OPERATORS: [u64; 4] = [1, 2, 3, 4];
const DOMAIN: [u8; 4] = [0, 0, 5, 2];
const BEACON_LATENCY_MS: u64 = 40;

/// Every kind of object the simulated chain's duties submit within 24 slots.
pub const EVERY_KIND: [SubmissionKind; 7] = [
    SubmissionKind::Attestation,
    SubmissionKind::SyncCommitteeMessage,
    SubmissionKind::AggregateAndProof,
    SubmissionKind::ContributionAndProof,
    SubmissionKind::Block,
    SubmissionKind::ValidatorRegistration,
    SubmissionKind::VoluntaryExit,
];

/// What to run.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// Slots to run, from the first slot of epoch 1.
    pub slots: u64,
    /// Validators, all run by the four operators.
    pub validators: u64,
    /// Seeds share splitting and network latencies.
    pub seed: u64,
    /// Which roles the nodes run: the live network's per-validator aggregator
    /// and sync-contribution runners ([`RoleFork::Alan`]) or the pinned spec's
    /// aggregator committee ([`RoleFork::Boole`]).
    pub roles: RoleFork,
}

/// One object submitted to the beacon node, as every operator submitted it.
#[derive(Clone, Debug, Default)]
pub struct Submitted {
    /// The slot it was first submitted in.
    pub slot: u64,
    /// The operators that submitted it.
    pub by: BTreeSet<u64>,
    /// Whether its signature verifies under the validator's key.
    pub verified: bool,
}

/// What the run did.
#[derive(Debug, Default)]
pub struct Report {
    /// The first slot run.
    pub first_slot: u64,
    /// Submissions by (kind, validator, object root).
    pub submissions: BTreeMap<(SubmissionKind, u64, [u8; 32]), Submitted>,
    /// Duties by (slot, role): operators that started and finished them.
    pub duties: BTreeMap<(u64, String), (BTreeSet<u64>, BTreeSet<u64>)>,
    /// Other events by name, summed over operators.
    pub events: BTreeMap<String, u64>,
    /// Gossip verdicts by name, summed over operators.
    pub verdicts: BTreeMap<String, u64>,
    /// Messages published and their bytes.
    pub published: (u64, u64),
    /// Slashing records refused.
    pub slashable_refused: u64,
    /// SHA-256 over every output of every node, in order, with its time.
    pub digest: [u8; 32],
}

enum Ev {
    Deliver {
        to: u64,
        from: u64,
        topic: String,
        data: Vec<u8>,
    },
    Respond {
        to: u64,
        id: u64,
        response: NodeResponse,
    },
    Node {
        to: u64,
        input: Input,
    },
}

/// The SplitMix64 finalizer (seeded latencies).
fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The simulated chain's parameters.
pub fn chain() -> ChainSpec {
    ChainSpec {
        sync_subcommittee_size: ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
        genesis_time: 1_700_000_000,
        seconds_per_slot: 12,
        slots_per_epoch: SLOTS_PER_EPOCH,
        genesis_validators_root: h("genesis validators root", 0),
        forks: vec![Fork {
            epoch: 0,
            version: DataVersion::Deneb,
            fork_version: [4, 0, 0, 0],
        }],
    }
}

struct Cluster {
    chain: Arc<ChainSpec>,
    sim: SimBeacon,
    nodes: BTreeMap<u64, Node>,
    operators: BTreeMap<u64, Operator>,
    validator_pks: BTreeMap<u64, [u8; 48]>,
    queue: BTreeMap<(u64, u64), Ev>,
    seq: u64,
    seed: u64,
    hasher: Sha256,
    report: Report,
    recording: Option<record::Recording>,
}

/// Runs the cluster with these operator keys (PKCS#1 PEM by operator ID; an
/// unreadable key is a caller's bug and panics).
pub fn run(cfg: &ClusterConfig, pems: &BTreeMap<u64, String>) -> Report {
    run_inner(cfg, pems, None).0
}

/// Runs the cluster as [`run`] does and records operator `op`'s node: the
/// trace's bytes ([`ssv_protocol::trace`]).
pub fn run_recorded(
    cfg: &ClusterConfig,
    pems: &BTreeMap<u64, String>,
    op: u64,
) -> (Report, std::io::Result<Vec<u8>>) {
    let (report, rec) = run_inner(cfg, pems, Some(op));
    let bytes = rec.map_or_else(
        || Err(std::io::Error::other("no such operator")),
        record::Recording::finish,
    );
    (report, bytes)
}

fn run_inner(
    cfg: &ClusterConfig,
    pems: &BTreeMap<u64, String>,
    record_op: Option<u64>,
) -> (Report, Option<record::Recording>) {
    let signers: BTreeMap<u64, OperatorSigner> = pems
        .iter()
        .map(|(id, pem)| {
            (
                *id,
                OperatorSigner::from_pkcs1_pem(pem).expect("a PKCS#1 PEM key"),
            )
        })
        .collect();
    let chain = Arc::new(chain());
    let first = SLOTS_PER_EPOCH;
    let end = first + cfg.slots;
    let validators = cfg.validators.max(1);
    let sim = SimBeacon {
        chain: (*chain).clone(),
        validators,
        reorg_slot: first + SLOTS_PER_EPOCH + SLOTS_PER_EPOCH / 2,
    };
    let mut secrets: BTreeMap<u64, BTreeMap<[u8; 48], blst::min_pk::SecretKey>> = BTreeMap::new();
    let mut registries: BTreeMap<u64, Registry> = OPERATORS
        .iter()
        .map(|op| {
            let operators = signers
                .iter()
                .map(|(id, s)| (*id, s.public_key()))
                .collect();
            (
                *op,
                Registry {
                    operators,
                    validators: Vec::new(),
                },
            )
        })
        .collect();
    let mut validator_pks = BTreeMap::new();
    for i in FIRST_INDEX..FIRST_INDEX + validators {
        let sk = interop_secret_key(i).expect("interop keys exist for small indices");
        let pk = sk.sk_to_pk().to_bytes();
        validator_pks.insert(i, pk);
        let entropy = h("split", i ^ cfg.seed);
        let shares = split(&sk, &OPERATORS, 3, &entropy).expect("4 operators, threshold 3");
        let members: Vec<ShareMember> = shares
            .iter()
            .map(|(id, s)| ShareMember {
                share_pubkey: s.sk_to_pk().to_bytes(),
                signer: *id,
            })
            .collect();
        for (op, share_sk) in shares {
            let share_pk = share_sk.sk_to_pk().to_bytes();
            secrets.entry(op).or_default().insert(share_pk, share_sk);
            let share = Share {
                validator_index: i,
                validator_pubkey: pk,
                share_pubkey: share_pk,
                committee: members.clone(),
                domain_type: DOMAIN,
                fee_recipient: [0x11; 20],
                graffiti: [0; 32],
            };
            if let Some(r) = registries.get_mut(&op) {
                r.validators.push(RegisteredValidator {
                    pubkey: pk,
                    index: Some(i),
                    operators: OPERATORS.to_vec(),
                    liquidated: false,
                    active: true,
                    share: Some(share),
                });
            }
        }
    }
    let mut c = Cluster {
        chain: Arc::clone(&chain),
        sim,
        nodes: BTreeMap::new(),
        operators: BTreeMap::new(),
        validator_pks,
        queue: BTreeMap::new(),
        seq: 0,
        seed: cfg.seed,
        hasher: Sha256::new(),
        report: Report {
            first_slot: first,
            ..Report::default()
        },
        recording: None,
    };
    for (op, signer) in signers {
        let config = NodeConfig {
            operator_id: op,
            network_domain: DOMAIN,
            chain: Arc::clone(&chain),
            roles: cfg.roles,
            value_checks: Arc::new(ChainValueChecks {
                chain: Arc::clone(&chain),
            }),
            selection: Arc::new(SpecSelection),
            gas_limit: 30_000_000,
            proposer_delay_ms: 0,
            max_instances: 8,
            pending_limit: 256,
        };
        if record_op == Some(op) {
            c.recording = Some(record::Recording::new(op, config.clone()));
        }
        c.nodes.insert(op, Node::new(config));
        c.operators.insert(
            op,
            Operator::new(signer, secrets.remove(&op).unwrap_or_default()),
        );
    }
    let start = slot_ms(&chain, first);
    for (op, r) in registries {
        c.push(
            start,
            Ev::Node {
                to: op,
                input: Input::Registry(Arc::new(r)),
            },
        );
    }
    for slot in first..end {
        // Blocks arrive 1.5-2.5 s into the slot.
        let at = slot_ms(&chain, slot) + 1_500 + (slot % 3) * 500;
        for op in OPERATORS {
            c.push(
                at,
                Ev::Node {
                    to: op,
                    input: Input::Head(c.sim.head(slot)),
                },
            );
        }
    }
    // The last validator's exit event lands in the first slot of epoch 3.
    let exit_slot = first + 2 * SLOTS_PER_EPOCH;
    if exit_slot < end {
        for op in OPERATORS {
            let input = Input::ValidatorExited {
                validator_index: FIRST_INDEX + validators - 1,
                block_slot: exit_slot,
            };
            c.push(
                slot_ms(&chain, exit_slot) + 6_000,
                Ev::Node { to: op, input },
            );
        }
    }
    c.run_until(slot_ms(&chain, end));
    c.report.digest = c.hasher.finalize().into();
    c.report.slashable_refused = c.operators.values().map(|o| o.refused).sum();
    (c.report, c.recording)
}

fn slot_ms(chain: &ChainSpec, slot: u64) -> u64 {
    chain.slot_start_time(slot) * 1000
}

impl Cluster {
    fn push(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.queue.insert((at, self.seq), ev);
    }

    fn run_until(&mut self, end: u64) {
        let mut last_tick: BTreeMap<u64, u64> = BTreeMap::new();
        loop {
            let tq = self.queue.keys().next().map(|k| k.0).unwrap_or(u64::MAX);
            // A node asking for a tick at or before its last one gets it 1 ms later.
            let tn = self
                .nodes
                .iter()
                .filter_map(|(op, n)| {
                    let t = n.poll_timeout()?.0;
                    let floor = last_tick.get(op).map_or(0, |l| l + 1);
                    Some((t.max(floor), *op))
                })
                .min();
            let next = tn.map_or(u64::MAX, |t| t.0).min(tq);
            if next >= end {
                break;
            }
            match tn {
                Some((t, op)) if t <= tq => {
                    last_tick.insert(op, t);
                    self.feed(t, op, Input::Tick);
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
                        } => {
                            let id = self.seq;
                            self.seq += 1;
                            let input = Input::Gossip {
                                id,
                                peer: vec![from as u8],
                                topic,
                                data,
                                signatures: None,
                            };
                            self.feed(t, to, input);
                        }
                        Ev::Respond { to, id, response } => {
                            self.feed(t, to, Input::Response { id, response });
                        }
                        Ev::Node { to, input } => self.feed(t, to, input),
                    }
                }
            }
        }
    }

    fn feed(&mut self, now: u64, op: u64, input: Input) {
        let Some(node) = self.nodes.get_mut(&op) else {
            return;
        };
        let recorded = self
            .recording
            .as_ref()
            .filter(|r| r.op == op)
            .map(|_| input.clone());
        node.handle(Timestamp(now), input);
        let outs: Vec<Output> = std::iter::from_fn(|| node.poll_output()).collect();
        if let (Some(r), Some(input)) = (self.recording.as_mut(), recorded) {
            r.observe(now, &input, &outs);
        }
        for out in outs {
            self.record(now, op, &out);
            self.route(now, op, out);
        }
    }

    fn record(&mut self, now: u64, op: u64, out: &Output) {
        if std::env::var_os("CLUSTER_TRACE_ALL").is_some() && op == 1 {
            let text = format!("{out:?}");
            eprintln!("{now} op {op}: {}", &text[..text.len().min(300)]);
        }
        self.hasher.update(now.to_le_bytes());
        self.hasher.update(op.to_le_bytes());
        match out {
            Output::Publish { topic, data } => {
                self.hasher.update(topic.as_bytes());
                self.hasher.update(data);
            }
            other => self.hasher.update(format!("{other:?}").as_bytes()),
        }
    }

    fn route(&mut self, now: u64, op: u64, out: Output) {
        let slot = self.chain.slot_at(now);
        match out {
            Output::Verdict { verdict, .. } => {
                let name = match verdict {
                    GossipVerdict::Accept => "accept".to_string(),
                    GossipVerdict::Ignore(e) => format!("ignore: {e}"),
                    GossipVerdict::Reject(e) => format!("reject: {e}"),
                };
                *self.report.verdicts.entry(name).or_default() += 1;
            }
            Output::Publish { topic, data } => {
                self.report.published.0 += 1;
                self.report.published.1 += data.len() as u64;
                for to in OPERATORS.into_iter().filter(|to| *to != op) {
                    let jitter = splitmix(self.seed ^ self.seq.wrapping_mul(31) ^ to) % 60;
                    let ev = Ev::Deliver {
                        to,
                        from: op,
                        topic: topic.clone(),
                        data: data.clone(),
                    };
                    self.push(now + 20 + jitter, ev);
                }
            }
            Output::Request { id, request } => {
                let (response, latency) = match &request {
                    NodeRequest::Duties(d) => (
                        NodeResponse::Duties(self.sim.duties(d, slot)),
                        BEACON_LATENCY_MS,
                    ),
                    NodeRequest::Runner(r) => match self.sim.beacon(r) {
                        Some(resp) => (NodeResponse::Runner(resp), BEACON_LATENCY_MS),
                        None => (self.answer_locally(op, &request), 1),
                    },
                    NodeRequest::OperatorSign(_) => (self.answer_locally(op, &request), 1),
                };
                self.push(
                    now + latency,
                    Ev::Respond {
                        to: op,
                        id,
                        response,
                    },
                );
            }
            Output::Submit(s) => self.submitted(slot, op, s),
            Output::Event(e) => self.event(op, e),
        }
    }

    fn answer_locally(&mut self, op: u64, request: &NodeRequest) -> NodeResponse {
        self.operators
            .get_mut(&op)
            .and_then(|o| o.answer(request))
            .unwrap_or_else(|| NodeResponse::Failed("nobody answers this".into()))
    }

    fn submitted(&mut self, slot: u64, op: u64, s: Submission) {
        let key = (s.kind, s.validator_index, s.root);
        let entry = self
            .report
            .submissions
            .entry(key)
            .or_insert_with(|| Submitted {
                slot,
                ..Submitted::default()
            });
        if entry.by.is_empty() {
            entry.verified = self
                .validator_pks
                .get(&s.validator_index)
                .is_some_and(|pk| verify::verifies(&self.chain, &s, pk));
        }
        entry.by.insert(op);
    }

    fn event(&mut self, op: u64, e: Event) {
        if std::env::var_os("CLUSTER_TRACE").is_some() {
            eprintln!("op {op}: {e:?}");
        }
        let name = match e {
            Event::DutyStarted { role, slot, .. } => {
                self.report
                    .duties
                    .entry((slot, format!("{role:?}")))
                    .or_default()
                    .0
                    .insert(op);
                return;
            }
            Event::DutyFinished { role, slot } => {
                self.report
                    .duties
                    .entry((slot, format!("{role:?}")))
                    .or_default()
                    .1
                    .insert(op);
                return;
            }
            // Decisions show in the duties' outcomes.
            Event::Decided { .. } => return,
            Event::DutyRefused { role, error, .. } => format!("duty refused ({role:?}): {error}"),
            Event::MessageRefused { error, .. } => format!("message refused by runner: {error}"),
            Event::Late { role, .. } => format!("late start ({role:?})"),
            Event::Reorg { kind, epoch } => format!("reorg refetch ({kind:?}, epoch {epoch})"),
            Event::RequestFailed { reason } => format!("request failed: {reason}"),
        };
        *self.report.events.entry(name).or_default() += 1;
    }
}
