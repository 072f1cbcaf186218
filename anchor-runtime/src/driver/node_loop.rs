//! The task that owns the [`Node`] machine. It selects over gossip (after the
//! CPU pool verified its signatures), head events, registry updates, answers
//! to the node's requests and the machine's next deadline; feeds each as one
//! input; and hands every output to the part that carries it out. No protocol
//! decision is made here.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::{Stream, StreamExt};
use libp2p::gossipsub::MessageId;
use libp2p::PeerId;
use qbft_core::Timestamp;
use ssv_protocol::identifiers::{committee_subnet, subnet_topic};
use ssv_protocol::node::{
    ChainValueChecks, Event, GossipVerdict, Input, Node, NodeConfig, NodeRequest, NodeResponse,
    Output,
};
use ssv_protocol::operator_key::{OperatorPublicKey, OperatorSigner};
use ssv_protocol::roles::RoleFork;
use ssv_protocol::runner::chain::ChainSpec;
use ssv_protocol::runner::io::{Request, Response};
use ssv_protocol::runner::SpecSelection;
use ssv_protocol::scheduler::HeadEvent;
use ssv_protocol::trace::{OutputDigest, SelectionKind, TraceHeader, ValueChecksKind};
use ssv_protocol::validation::signatures_valid;
use ssv_protocol::wire::{SignedSsvMessage, SsvMsgType};
use tokio::sync::{mpsc, watch};

use super::pool::{CpuPool, Priority};
use super::registry_feed::RegistryUpdate;
use super::signing::ShareKeys;
use crate::api::SharedStatus;
use crate::beacon::BeaconClient;
use crate::p2p::{P2pCommand, P2pEvent, Verdict};
use crate::store::{SlashingVerdict, Store};
use crate::trace::Recorder;

/// Milliseconds since the Unix epoch: the node's clock.
pub fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Timestamp(ms)
}

/// Builder-registration gas limit.
const GAS_LIMIT: u64 = 30_000_000;
/// QBFT instances kept per runner.
const MAX_INSTANCES: usize = 8;
/// Early QBFT messages held per runner.
const PENDING_LIMIT: usize = 1024;

/// A gossip message whose signatures the pool checked.
struct Checked {
    handle: u64,
    peer: Vec<u8>,
    topic: String,
    data: Vec<u8>,
    signatures: Option<bool>,
}

/// What the driver works with.
pub struct Driver {
    /// The beacon chain.
    pub chain: Arc<ChainSpec>,
    /// The SSV network's domain type.
    pub domain: [u8; 4],
    /// Our operator key.
    pub key: Arc<OperatorSigner>,
    /// Our share secrets.
    pub shares: ShareKeys,
    /// The beacon nodes.
    pub beacon: Arc<BeaconClient>,
    /// The database (slashing protection).
    pub store: Arc<Mutex<Store>>,
    /// CPU-heavy work.
    pub pool: Arc<CpuPool>,
    /// Commands to the network task.
    pub p2p: mpsc::Sender<P2pCommand>,
    /// The API's view of us.
    pub status: SharedStatus,
    /// Record the machine's inputs to this new file.
    pub record: Option<std::path::PathBuf>,
    /// The SSV network's name (for the trace header).
    pub network_name: String,
}

/// The driver's inputs.
pub struct DriverInputs<H> {
    /// From the network task.
    pub p2p_events: mpsc::Receiver<P2pEvent>,
    /// From the registry feed.
    pub registry: mpsc::Receiver<RegistryUpdate>,
    /// Head events.
    pub heads: H,
    /// Set to true to stop.
    pub shutdown: watch::Receiver<bool>,
}

struct State {
    node: Option<Node>,
    operators: Arc<BTreeMap<u64, OperatorPublicKey>>,
    gossip: BTreeMap<u64, (MessageId, PeerId)>,
    next_handle: u64,
    subscribed: BTreeSet<u64>,
    /// Exit requests already handed to the node (or found not to be ours).
    exits_seen: BTreeSet<([u8; 48], u64)>,
    peers: BTreeMap<PeerId, BTreeSet<u64>>,
    recorder: Option<Recorder>,
}

impl Driver {
    /// Runs until shutdown is asked or every input is gone.
    pub async fn run<H>(self, inputs: DriverInputs<H>)
    where
        H: Stream<Item = HeadEvent> + Unpin,
    {
        let DriverInputs {
            mut p2p_events,
            mut registry,
            mut heads,
            mut shutdown,
        } = inputs;
        let (answers_tx, mut answers) = mpsc::unbounded_channel::<(u64, NodeResponse)>();
        let (checked_tx, mut checked) = mpsc::unbounded_channel::<Checked>();
        let mut st = State {
            node: None,
            operators: Arc::new(BTreeMap::new()),
            gossip: BTreeMap::new(),
            next_handle: 0,
            subscribed: BTreeSet::new(),
            exits_seen: BTreeSet::new(),
            peers: BTreeMap::new(),
            recorder: None,
        };
        loop {
            let deadline = st
                .node
                .as_ref()
                .and_then(Node::poll_timeout)
                .map(|t| t.0.saturating_sub(now().0))
                .unwrap_or(1000);
            let sleep = tokio::time::sleep(Duration::from_millis(deadline.min(1000)));
            tokio::select! {
                _ = shutdown.changed() => {
                    if *shutdown.borrow() {
                        return;
                    }
                }
                Some(update) = registry.recv() => self.on_registry(&mut st, update, &answers_tx).await,
                Some(event) = p2p_events.recv() => {
                    self.on_p2p(&mut st, event, &checked_tx).await;
                }
                Some(c) = checked.recv() => {
                    let input = Input::Gossip {
                        id: c.handle,
                        peer: c.peer,
                        topic: c.topic,
                        data: c.data,
                        signatures: c.signatures,
                    };
                    self.feed(&mut st, input, &answers_tx).await;
                }
                Some(head) = heads.next() => {
                    metrics::gauge!("ssv_beacon_head_slot").set(head.slot as f64);
                    self.feed(&mut st, Input::Head(head), &answers_tx).await;
                }
                Some((id, response)) = answers.recv() => {
                    self.feed(&mut st, Input::Response { id, response }, &answers_tx).await;
                }
                _ = sleep => self.feed(&mut st, Input::Tick, &answers_tx).await,
            }
        }
    }

    async fn on_registry(
        &self,
        st: &mut State,
        update: RegistryUpdate,
        answers: &mpsc::UnboundedSender<(u64, NodeResponse)>,
    ) {
        st.operators = Arc::new(update.registry.operators.clone());
        let created = st.node.is_none();
        if created {
            let Some(operator_id) = update.own_operator else {
                tracing::info!("our operator key is not registered yet: waiting");
                return;
            };
            tracing::info!(operator_id, "operator registered: starting duties");
            st.node = Some(Node::new(self.node_config(operator_id)));
            if let Ok(mut s) = self.status.write() {
                s.identity.operator_id = Some(operator_id);
            }
        }
        let ours = update.registry.our_committees();
        let validators: usize = ours.values().map(|(_, shares)| shares.len()).sum();
        metrics::gauge!("ssv_node_validators").set(validators as f64);
        for cid in ours.keys() {
            let subnet = committee_subnet(cid);
            if st.subscribed.insert(subnet) {
                let _ = self.p2p.send(P2pCommand::Subscribe(subnet)).await;
            }
        }
        if let Ok(mut s) = self.status.write() {
            s.topics = st.subscribed.iter().map(|n| subnet_topic(*n)).collect();
            s.validators = update
                .registry
                .validators
                .iter()
                .filter(|v| v.share.is_some())
                .map(|v| {
                    (
                        format!("0x{}", hex::encode(v.pubkey)),
                        v.index,
                        v.liquidated,
                    )
                })
                .collect();
        }
        let exits = new_exits(&mut st.exits_seen, &update, self.chain.slot_at(now().0));
        if created && self.record.is_some() {
            self.start_recording(st, update.registry, answers).await;
        } else {
            self.feed(st, Input::Registry(update.registry), answers)
                .await;
        }
        for exit in exits {
            self.feed(st, exit, answers).await;
        }
    }

    /// Feeds the machine its first registry, writes the trace header with it
    /// (the network view at start) and starts the recorder.
    async fn start_recording(
        &self,
        st: &mut State,
        registry: Arc<ssv_protocol::node::Registry>,
        answers: &mpsc::UnboundedSender<(u64, NodeResponse)>,
    ) {
        let (Some(node), Some(path)) = (st.node.as_mut(), self.record.as_ref()) else {
            return;
        };
        let at = now();
        node.handle(at, Input::Registry(Arc::clone(&registry)));
        let outputs: Vec<Output> = std::iter::from_fn(|| node.poll_output()).collect();
        let mut digest = OutputDigest::default();
        for o in &outputs {
            digest.push(o);
        }
        let header = TraceHeader {
            software: format!("anchor-runtime {}", env!("CARGO_PKG_VERSION")),
            network: self.network_name.clone(),
            operator_id: node.operator_id(),
            network_domain: self.domain,
            chain: (*self.chain).clone(),
            roles: RoleFork::Alan,
            value_checks: ValueChecksKind::Chain,
            selection: SelectionKind::Spec,
            gas_limit: GAS_LIMIT,
            proposer_delay_ms: 0,
            max_instances: MAX_INSTANCES as u64,
            pending_limit: PENDING_LIMIT as u64,
            start_ms: at.0,
            registry,
            start_outputs: outputs.len() as u64,
            start_digest: digest.short(),
        };
        match Recorder::create(path, &header, digest) {
            Ok(r) => {
                tracing::info!(path = %path.display(), "recording a trace");
                st.recorder = Some(r);
            }
            Err(e) => tracing::error!(error = %e, "not recording"),
        }
        for out in outputs {
            self.carry(st, out, answers).await;
        }
    }

    fn node_config(&self, operator_id: u64) -> NodeConfig {
        NodeConfig {
            operator_id,
            network_domain: self.domain,
            chain: Arc::clone(&self.chain),
            roles: RoleFork::Alan,
            value_checks: Arc::new(ChainValueChecks {
                chain: Arc::clone(&self.chain),
            }),
            selection: Arc::new(SpecSelection),
            gas_limit: GAS_LIMIT,
            proposer_delay_ms: 0,
            max_instances: MAX_INSTANCES,
            pending_limit: PENDING_LIMIT,
        }
    }

    async fn on_p2p(
        &self,
        st: &mut State,
        event: P2pEvent,
        checked: &mpsc::UnboundedSender<Checked>,
    ) {
        match event {
            P2pEvent::Message {
                id,
                peer,
                topic,
                data,
            } => {
                let handle = st.next_handle;
                st.next_handle += 1;
                st.gossip.insert(handle, (id, peer));
                let peer = peer.to_bytes();
                // Consensus first; a message that does not even decode goes
                // straight to the machine, which refuses it without RSA.
                let decoded = SignedSsvMessage::decode(&data).ok();
                let Some(m) = decoded else {
                    let _ = checked.send(Checked {
                        handle,
                        peer,
                        topic,
                        data,
                        signatures: None,
                    });
                    return;
                };
                let priority = if m.ssv_message.msg_type == SsvMsgType::Consensus {
                    Priority::High
                } else {
                    Priority::Low
                };
                let operators = Arc::clone(&st.operators);
                let tx = checked.clone();
                let job = move || {
                    let signatures = signatures_valid(&data, &m, &operators).ok();
                    let _ = tx.send(Checked {
                        handle,
                        peer,
                        topic,
                        data,
                        signatures,
                    });
                };
                if self.pool.try_run(priority, job).is_err() {
                    metrics::counter!("ssv_gossip_dropped_total").increment(1);
                    if let Some((id, peer)) = st.gossip.remove(&handle) {
                        let verdict = Verdict::Ignore;
                        let _ = self
                            .p2p
                            .send(P2pCommand::Report { id, peer, verdict })
                            .await;
                    }
                }
            }
            P2pEvent::PeerReady { peer, info } => {
                tracing::info!(%peer, "peer ready");
                st.peers.insert(peer, info.subnets.clone());
                self.peers_changed(st);
            }
            P2pEvent::PeerGone(peer) => {
                st.peers.remove(&peer);
                self.peers_changed(st);
            }
            P2pEvent::PeerRefused { peer, reason } => {
                tracing::info!(%peer, %reason, "peer refused");
            }
            P2pEvent::Listening(addr) => tracing::info!(%addr, "p2p listening"),
            P2pEvent::PublishFailed(e) => {
                metrics::counter!("ssv_p2p_published_total", "outcome" => "failed").increment(1);
                tracing::debug!(error = %e, "publish failed");
            }
        }
    }

    fn peers_changed(&self, st: &State) {
        metrics::gauge!("ssv_p2p_peers").set(st.peers.len() as f64);
        for subnet in &st.subscribed {
            let n = st.peers.values().filter(|s| s.contains(subnet)).count();
            metrics::gauge!("ssv_p2p_topic_peers", "topic" => subnet_topic(*subnet)).set(n as f64);
        }
        if let Ok(mut s) = self.status.write() {
            s.peers = st
                .peers
                .iter()
                .map(|(p, subnets)| (p.to_string(), subnets.iter().copied().collect()))
                .collect();
        }
    }

    async fn feed(
        &self,
        st: &mut State,
        input: Input,
        answers: &mpsc::UnboundedSender<(u64, NodeResponse)>,
    ) {
        let Some(node) = st.node.as_mut() else {
            // Nothing runs before we are registered; gossip is ignored.
            if let Input::Gossip { id, .. } = input {
                if let Some((id, peer)) = st.gossip.remove(&id) {
                    let verdict = Verdict::Ignore;
                    let _ = self
                        .p2p
                        .send(P2pCommand::Report { id, peer, verdict })
                        .await;
                }
            }
            return;
        };
        let encoded = st.recorder.as_ref().map(|_| Recorder::encode(&input));
        let at = now();
        node.handle(at, input);
        let mut outputs = Vec::new();
        while let Some(out) = node.poll_output() {
            outputs.push(out);
        }
        if let (Some(r), Some(encoded)) = (st.recorder.as_mut(), encoded) {
            r.record(at.0, encoded, &outputs);
        }
        for out in outputs {
            self.carry(st, out, answers).await;
        }
    }

    async fn carry(
        &self,
        st: &mut State,
        out: Output,
        answers: &mpsc::UnboundedSender<(u64, NodeResponse)>,
    ) {
        match out {
            Output::Verdict { id, verdict } => {
                let (v, reason) = match &verdict {
                    GossipVerdict::Accept => (Verdict::Accept, String::from("valid")),
                    GossipVerdict::Ignore(e) => (Verdict::Ignore, variant(e)),
                    GossipVerdict::Reject(e) => (Verdict::Reject, variant(e)),
                };
                let label = match v {
                    Verdict::Accept => "accept",
                    Verdict::Ignore => "ignore",
                    Verdict::Reject => "reject",
                };
                if v != Verdict::Accept {
                    tracing::debug!(verdict = label, %reason, "gossip not accepted");
                }
                metrics::counter!("ssv_validation_verdicts_total", "verdict" => label, "reason" => reason)
                    .increment(1);
                if let Some((id, peer)) = st.gossip.remove(&id) {
                    let _ = self
                        .p2p
                        .send(P2pCommand::Report {
                            id,
                            peer,
                            verdict: v,
                        })
                        .await;
                }
            }
            Output::Publish { topic, data } => {
                let Some(subnet) = topic
                    .strip_prefix("ssv.v2.")
                    .and_then(|n| n.parse::<u64>().ok())
                else {
                    tracing::warn!(%topic, "publish on an unknown topic");
                    return;
                };
                metrics::counter!("ssv_p2p_published_total", "outcome" => "ok").increment(1);
                let _ = self.p2p.send(P2pCommand::Publish { subnet, data }).await;
            }
            Output::Request { id, request } => self.request(id, request, answers),
            Output::Submit(s) => {
                let beacon = Arc::clone(&self.beacon);
                tokio::spawn(async move {
                    let kind = format!("{:?}", s.kind);
                    match beacon.submit(&s).await {
                        Ok(()) => {
                            tracing::info!(kind = %kind, validator = s.validator_index, "submitted");
                            metrics::counter!("ssv_submissions_total", "kind" => kind, "outcome" => "ok")
                                .increment(1);
                        }
                        // Every operator of the committee submits the same
                        // object; the beacon node takes the first (Lodestar
                        // answers the others' aggregates and contributions
                        // with a gossip `PublishError.Duplicate`).
                        Err(e)
                            if e.contains("ALREADY_KNOWN")
                                || e.contains("PublishError.Duplicate") =>
                        {
                            tracing::debug!(kind = %kind, validator = s.validator_index, "already known to the beacon node");
                            metrics::counter!("ssv_submissions_total", "kind" => kind, "outcome" => "known")
                                .increment(1);
                        }
                        Err(e) => {
                            tracing::warn!(kind = %kind, validator = s.validator_index, error = %e, "submission failed");
                            metrics::counter!("ssv_submissions_total", "kind" => kind, "outcome" => "failed")
                                .increment(1);
                        }
                    }
                });
            }
            Output::Event(e) => record_event(e),
        }
    }

    /// Carries out one request; its answer comes back through `answers`.
    fn request(
        &self,
        id: u64,
        request: NodeRequest,
        answers: &mpsc::UnboundedSender<(u64, NodeResponse)>,
    ) {
        let answers = answers.clone();
        let answer = move |r: NodeResponse| {
            let _ = answers.send((id, r));
        };
        match request {
            NodeRequest::Duties(req) => {
                let beacon = Arc::clone(&self.beacon);
                tokio::spawn(
                    async move { answer(NodeResponse::Duties(beacon.duties(&req).await)) },
                );
            }
            NodeRequest::OperatorSign(message) => {
                let key = Arc::clone(&self.key);
                let answer2 = answer.clone();
                let job = move || {
                    answer(match key.sign(&message) {
                        Ok(sig) => NodeResponse::OperatorSignature(sig),
                        Err(e) => NodeResponse::Failed(e.to_string()),
                    })
                };
                if self.pool.try_run(Priority::High, job).is_err() {
                    answer2(NodeResponse::Failed("CPU pool full".into()));
                }
            }
            NodeRequest::Runner(request) => self.runner_request(request, answer),
        }
    }

    fn runner_request(
        &self,
        request: Request,
        answer: impl FnOnce(NodeResponse) + Clone + Send + 'static,
    ) {
        let runner = |r: Response| NodeResponse::Runner(r);
        match request {
            Request::AttestationData { slot } => {
                let beacon = Arc::clone(&self.beacon);
                tokio::spawn(async move {
                    answer(runner(match beacon.attestation_data(slot).await {
                        Ok(d) => Response::AttestationData(d),
                        Err(e) => failed("attestation_data", e.to_string()),
                    }))
                });
            }
            Request::Block {
                slot,
                randao_reveal,
                graffiti,
            } => {
                let beacon = Arc::clone(&self.beacon);
                tokio::spawn(async move {
                    answer(runner(
                        match beacon.block(slot, &randao_reveal, &graffiti).await {
                            Ok(b) => Response::Block(b),
                            Err(e) => failed("block", e.to_string()),
                        },
                    ))
                });
            }
            Request::Aggregation(needs) => {
                // Aggregates and contributions for the Alan aggregator and
                // sync-contribution runners (the node holds the request until
                // 2/3 of the slot).
                let beacon = Arc::clone(&self.beacon);
                let version = self.chain.data_version(self.chain.epoch(needs.slot));
                tokio::spawn(async move {
                    answer(match beacon.aggregation(&needs, version).await {
                        Ok(r) => runner(r),
                        Err(e) => runner(failed("aggregation", e.to_string())),
                    })
                });
            }
            Request::RecordSlashing(records) => {
                let store = Arc::clone(&self.store);
                tokio::task::spawn_blocking(move || {
                    let verdict = store
                        .lock()
                        .map_err(|_| "store lock poisoned".to_string())
                        .and_then(|mut s| s.record_slashing(&records).map_err(|e| e.to_string()));
                    answer(runner(match verdict {
                        Ok(SlashingVerdict::Recorded) => Response::Recorded,
                        Ok(SlashingVerdict::Slashable { index }) => {
                            tracing::error!(record = ?records.get(index), "slashable: not signing");
                            Response::Slashable
                        }
                        Err(e) => failed("slashing_record", e),
                    }))
                });
            }
            Request::Sign(items) => {
                let shares = self.shares.clone();
                let answer2 = answer.clone();
                let job = move || {
                    answer(runner(match shares.sign(&items) {
                        Ok(sigs) => Response::Signatures(sigs),
                        Err(e) => failed("share_sign", e.to_string()),
                    }))
                };
                if self.pool.try_run(Priority::High, job).is_err() {
                    answer2(runner(failed("share_sign", "CPU pool full".into())));
                }
            }
        }
    }
}

/// The `ValidatorExited` inputs for exit requests not handed over yet: those of
/// validators we run (share, index, active, not liquidated). Requests of
/// validators that are not ours, or no longer active (already exiting), are
/// marked seen and dropped; one whose validator has no beacon index yet waits
/// for a later registry. The event's own slot is not known here (execution and
/// beacon clocks are joined only through the follow distance), so the slot the
/// request reaches us is used: the exit starts 4 slots after it.
fn new_exits(
    seen: &mut BTreeSet<([u8; 48], u64)>,
    update: &RegistryUpdate,
    current_slot: u64,
) -> Vec<Input> {
    let mut out = Vec::new();
    for request in &update.exit_requests {
        if seen.contains(request) {
            continue;
        }
        let validator = update
            .registry
            .validators
            .iter()
            .find(|v| v.pubkey == request.0);
        match validator {
            Some(v) if v.share.is_some() && v.index.is_none() => continue,
            Some(v) if v.runs() => {
                if let Some(validator_index) = v.index {
                    tracing::info!(validator_index, block = request.1, "exit requested");
                    out.push(Input::ValidatorExited {
                        validator_index,
                        block_slot: current_slot,
                    });
                }
            }
            _ => {}
        }
        seen.insert(*request);
    }
    out
}

fn failed(kind: &'static str, reason: String) -> Response {
    metrics::counter!("ssv_requests_failed_total", "kind" => kind).increment(1);
    tracing::warn!(kind, %reason, "request failed");
    Response::Failed(reason)
}

/// The name of an error's variant (its `Debug` form up to the first field).
fn variant(e: &impl std::fmt::Debug) -> String {
    let text = format!("{e:?}");
    let end = text.find(['(', ' ', '{']).unwrap_or(text.len());
    text[..end].to_string()
}

fn record_event(e: Event) {
    let duty = |role: ssv_protocol::wire::Role, outcome: &'static str| {
        metrics::counter!("ssv_duties_total", "role" => format!("{role:?}"), "outcome" => outcome)
            .increment(1);
    };
    match e {
        Event::DutyStarted {
            role,
            slot,
            validators,
        } => {
            tracing::debug!(?role, slot, validators, "duty started");
            duty(role, "started");
        }
        Event::Decided {
            role,
            slot,
            elapsed_ms,
        } => {
            duty(role, "decided");
            if let Some(ms) = elapsed_ms {
                tracing::info!(?role, slot, ms, "decided");
                metrics::histogram!("ssv_qbft_decided_seconds", "role" => format!("{role:?}"))
                    .record(ms as f64 / 1000.0);
            }
        }
        Event::DutyFinished { role, slot } => {
            tracing::info!(?role, slot, "duty finished");
            duty(role, "finished");
        }
        Event::DutyRefused { role, slot, error } => {
            tracing::warn!(?role, slot, %error, "duty refused");
            duty(role, "refused");
        }
        Event::MessageRefused { role, error } => {
            tracing::debug!(?role, %error, "message refused by its runner");
            metrics::counter!("ssv_runner_refused_total", "role" => format!("{role:?}"))
                .increment(1);
        }
        Event::Late {
            role,
            slot,
            late_ms,
        } => {
            tracing::warn!(?role, slot, late_ms, "duty started late");
            duty(role, "late");
        }
        Event::Reorg { kind, epoch } => {
            tracing::info!(?kind, epoch, "reorg: duties fetched again");
        }
        Event::RequestFailed { reason } => {
            tracing::warn!(%reason, "request failed");
            metrics::counter!("ssv_requests_failed_total", "kind" => "duties").increment(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssv_protocol::node::{RegisteredValidator, Registry};
    use ssv_protocol::wire::Share;

    fn validator(pk: u8, index: Option<u64>, active: bool, ours: bool) -> RegisteredValidator {
        RegisteredValidator {
            pubkey: [pk; 48],
            index,
            operators: vec![1, 2, 3, 4],
            liquidated: false,
            active,
            share: ours.then(|| Share {
                validator_index: index.unwrap_or(0),
                validator_pubkey: [pk; 48],
                share_pubkey: [0; 48],
                committee: Vec::new(),
                domain_type: [0; 4],
                fee_recipient: [0; 20],
                graffiti: [0; 32],
            }),
        }
    }

    #[test]
    fn exit_requests_reach_the_node_once_and_only_for_validators_we_run() {
        let mut update = RegistryUpdate {
            own_operator: Some(1),
            registry: Arc::new(Registry {
                operators: BTreeMap::new(),
                validators: vec![
                    validator(1, Some(10), true, true),  // ours, active
                    validator(2, Some(11), false, true), // ours, already exited
                    validator(3, Some(12), true, false), // not ours
                    validator(4, None, false, true),     // ours, no index yet
                ],
            }),
            exit_requests: vec![
                ([1; 48], 100),
                ([2; 48], 101),
                ([3; 48], 102),
                ([4; 48], 103),
            ],
        };
        let mut seen = BTreeSet::new();
        let first = new_exits(&mut seen, &update, 50);
        let fed: Vec<(u64, u64)> = first
            .iter()
            .filter_map(|i| match i {
                Input::ValidatorExited {
                    validator_index,
                    block_slot,
                } => Some((*validator_index, *block_slot)),
                _ => None,
            })
            .collect();
        assert_eq!(fed, vec![(10, 50)]);
        // The one without an index waits; the others are not asked again.
        assert_eq!(seen.len(), 3);
        assert!(new_exits(&mut seen, &update, 51).is_empty());
        // Once the beacon node knows it, it is handed over.
        let mut registry = (*update.registry).clone();
        registry.validators[3] = validator(4, Some(13), true, true);
        update.registry = Arc::new(registry);
        assert_eq!(new_exits(&mut seen, &update, 52).len(), 1);
        assert!(new_exits(&mut seen, &update, 53).is_empty());
    }
}
