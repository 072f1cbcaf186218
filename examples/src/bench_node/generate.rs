//! Traffic generation, never timed: (1) our committees' traffic from a
//! simulation of every operator of our committees as a full [`Node`] (our own
//! node included, as a shadow of the timed one), recording what the others
//! send us, signed with their real RSA keys and carrying real BLS partial
//! signatures; (2) foreign traffic on our subnets at the network rate: QBFT
//! and post-consensus messages of committees we are not in, signed with their
//! operators' real RSA keys (their BLS partials are never checked by us, so
//! they are fixed bytes).

use std::collections::BTreeMap;

use qbft_core::Timestamp;
use ssv_protocol::identifiers::subnet_topic;
use ssv_protocol::node::{Input, Node, NodeRequest, NodeResponse, Output};
use ssv_protocol::runner::io::{Request, Response};
use ssv_protocol::threshold::sign;
use ssv_protocol::wire::{
    BeaconVote, Checkpoint, MessageId, PartialSigKind, PartialSignature, PartialSignatureMessages,
    QbftMessage, Role, SignedSsvMessage, SsvMessage, SsvMsgType,
};
use tree_hash::TreeHash;

use super::traffic::{Msg, SlotTraffic};
use super::world::{fixed32, splitmix, CommitteeSpec, Stub, World, HEAD_AT_MS, SLOT_MS, US};

enum Ev {
    Deliver {
        to: u64,
        from: u64,
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

/// The simulation of our committees' operators.
pub struct CommitteeSim<'w> {
    world: &'w World,
    stub: Stub,
    nodes: BTreeMap<u64, Node>,
    /// Each node's next tick (cached: only the node just fed changes it).
    next_tick: BTreeMap<u64, u64>,
    last_tick: BTreeMap<u64, u64>,
    queue: BTreeMap<(u64, u64), Ev>,
    seq: u64,
    recorded: Vec<Msg>,
    /// Decisions and submissions of the shadow of our node (a check that the
    /// simulation did what the timed node must repeat).
    pub shadow_submissions: u64,
}

impl<'w> CommitteeSim<'w> {
    /// Every operator of our committees, registered at the first slot.
    pub fn new(world: &'w World, first_slot: u64) -> Self {
        let mut ops: Vec<u64> = world
            .ours
            .iter()
            .flat_map(|c| c.operators.iter().copied())
            .collect();
        ops.sort_unstable();
        ops.dedup();
        let mut sim = CommitteeSim {
            world,
            stub: Stub::new(world),
            nodes: BTreeMap::new(),
            next_tick: BTreeMap::new(),
            last_tick: BTreeMap::new(),
            queue: BTreeMap::new(),
            seq: 0,
            recorded: Vec::new(),
            shadow_submissions: 0,
        };
        let start = world.slot_ms(first_slot);
        for op in ops {
            sim.nodes.insert(op, Node::new(world.node_config(op)));
            let registry = std::sync::Arc::new(world.registry(op, false));
            sim.push(
                start,
                Ev::Node {
                    to: op,
                    input: Input::Registry(registry),
                },
            );
        }
        sim
    }

    fn push(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.queue.insert((at, self.seq), ev);
    }

    /// Runs `slot` and returns what the others sent us in it.
    pub fn run_slot(&mut self, slot: u64) -> Vec<Msg> {
        let head = self.stub.head(slot);
        let at = self.world.slot_ms(slot) + HEAD_AT_MS;
        let ops: Vec<u64> = self.nodes.keys().copied().collect();
        for op in ops {
            let input = Input::Head(head.clone());
            self.push(at, Ev::Node { to: op, input });
        }
        let end = self.world.slot_ms(slot + 1);
        loop {
            let tq = self.queue.keys().next().map_or(u64::MAX, |k| k.0);
            let tn = self.next_tick.iter().map(|(op, t)| (*t, *op)).min();
            let next = tn.map_or(u64::MAX, |t| t.0).min(tq);
            if next >= end {
                break;
            }
            match tn {
                Some((t, op)) if t <= tq => {
                    self.last_tick.insert(op, t);
                    self.feed(t, op, Input::Tick);
                }
                _ => {
                    let Some(((t, _), ev)) = self.queue.pop_first() else {
                        break;
                    };
                    match ev {
                        Ev::Deliver { to, from, data } => {
                            let subnet = self.subnet_of(&data);
                            if to == US {
                                self.recorded.push(Msg {
                                    at_ms: t,
                                    peer: peer_of(from),
                                    subnet,
                                    data: data.clone(),
                                });
                            }
                            let input = Input::Gossip {
                                id: self.seq,
                                peer: peer_of(from),
                                topic: subnet_topic(u64::from(subnet)),
                                data,
                                // Honest messages: the simulation skips RSA.
                                signatures: Some(true),
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
        std::mem::take(&mut self.recorded)
    }

    fn feed(&mut self, now: u64, op: u64, input: Input) {
        let Some(node) = self.nodes.get_mut(&op) else {
            return;
        };
        node.handle(Timestamp(now), input);
        let outs: Vec<Output> = std::iter::from_fn(|| node.poll_output()).collect();
        let floor = self.last_tick.get(&op).map_or(0, |l| l + 1);
        match node.poll_timeout() {
            Some(t) => self.next_tick.insert(op, t.0.max(floor)),
            None => self.next_tick.remove(&op),
        };
        for out in outs {
            match out {
                Output::Publish { data, .. } => {
                    let Some(members) = self.committee_of(&data).map(|c| c.operators.clone())
                    else {
                        continue;
                    };
                    for to in members.into_iter().filter(|to| *to != op) {
                        let jitter = splitmix(self.world.params.seed ^ (self.seq * 31) ^ to) % 60;
                        let ev = Ev::Deliver {
                            to,
                            from: op,
                            data: data.clone(),
                        };
                        self.push(now + 20 + jitter, ev);
                    }
                }
                Output::Request { id, request } => {
                    let response = self.answer(op, &request);
                    self.push(
                        now + 1,
                        Ev::Respond {
                            to: op,
                            id,
                            response,
                        },
                    );
                }
                Output::Submit(_) if op == US => self.shadow_submissions += 1,
                _ => {}
            }
        }
    }

    /// Our committee a message belongs to: the one it names, or the one of
    /// the validator whose own duty it is.
    fn committee_of(&self, data: &[u8]) -> Option<&CommitteeSpec> {
        let m = SignedSsvMessage::decode(data).ok()?;
        self.world.committee_of_id(&m.ssv_message.msg_id)
    }

    fn subnet_of(&self, data: &[u8]) -> u16 {
        self.committee_of(data).map_or(0, |c| c.subnet as u16)
    }

    fn answer(&self, op: u64, request: &NodeRequest) -> NodeResponse {
        if let Some(r) = self.stub.answer(request) {
            return r;
        }
        match request {
            NodeRequest::OperatorSign(m) => match self.world.signers[&op].sign(m) {
                Ok(sig) => NodeResponse::OperatorSignature(sig),
                Err(e) => NodeResponse::Failed(e.to_string()),
            },
            NodeRequest::Runner(Request::Sign(items)) => {
                let keys = &self.world.secrets[&op];
                let mut sigs = Vec::with_capacity(items.len());
                for item in items {
                    match keys.get(&item.share_pubkey) {
                        Some(sk) => sigs.push(sign(sk, &item.signing_root).to_bytes()),
                        None => return NodeResponse::Failed("unknown share".into()),
                    }
                }
                NodeResponse::Runner(Response::Signatures(sigs))
            }
            _ => NodeResponse::Failed("not served".into()),
        }
    }
}

/// The peer ID bytes the bench gives operator `op`'s messages.
pub fn peer_of(op: u64) -> Vec<u8> {
    let mut p = b"peer-".to_vec();
    p.extend_from_slice(&op.to_le_bytes());
    p
}

/// Foreign traffic of one slot: per subnet of ours, `rate * 12 / 128`
/// messages a slot in bundles of 13 (a proposal, 4 prepares, 4 commits, 4
/// post-consensus messages) from distinct committees, starting 4 to 8 s into
/// the slot; RSA signing runs on `threads` threads.
pub fn foreign_slot(world: &World, slot: u64, threads: usize) -> Vec<Msg> {
    let per_subnet = world.params.network_rate as f64 * (SLOT_MS as f64 / 1000.0) / 128.0 / 13.0;
    let mut by_subnet: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, c) in world.foreign.iter().enumerate() {
        by_subnet.entry(c.subnet).or_default().push(i);
    }
    // (committee, start offset in the slot)
    let mut bundles = Vec::new();
    for (subnet, list) in &by_subnet {
        let r = splitmix(world.params.seed ^ slot.wrapping_mul(131) ^ subnet);
        let frac = (r % 1000) as f64 / 1000.0;
        let n = ((per_subnet + frac).floor() as usize).min(list.len());
        let rot = (slot as usize * 7 + *subnet as usize) % list.len();
        for b in 0..n {
            let c = list[(rot + b) % list.len()];
            let offset = 4_000 + splitmix(r ^ b as u64) % 4_000;
            bundles.push((c, offset));
        }
    }
    let threads = threads.max(1);
    let chunk = bundles.len().div_ceil(threads).max(1);
    let mut out: Vec<Msg> = std::thread::scope(|s| {
        let handles: Vec<_> = bundles
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .flat_map(|(c, off)| bundle(world, slot, *c, *off))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    out.sort_by_key(|m| m.at_ms);
    out
}

/// The value a committee decides in `slot` (the stub's attestation data).
pub fn beacon_vote(world: &World, slot: u64) -> BeaconVote {
    let d = Stub::new(world).attestation_data(slot);
    BeaconVote {
        block_root: fixed32(&d.beacon_block_root),
        source: Checkpoint {
            epoch: d.source.epoch,
            root: fixed32(&d.source.root),
        },
        target: Checkpoint {
            epoch: d.target.epoch,
            root: fixed32(&d.target.root),
        },
    }
}

fn bundle(world: &World, slot: u64, c: usize, offset: u64) -> Vec<Msg> {
    let committee = &world.foreign[c];
    let msg_id = MessageId::for_committee(super::world::DOMAIN, Role::Committee, &committee.id);
    let value = beacon_vote(world, slot).encode();
    let root: [u8; 32] = {
        use sha2::{Digest, Sha256};
        Sha256::digest(&value).into()
    };
    let qc = qbft_core::Committee::new(committee.operators.iter().copied());
    let Ok(qc) = qc else { return vec![] };
    let leader = qbft_core::round_robin_proposer(&qc, slot, 1);
    let start = world.slot_ms(slot) + offset;
    let mut out = Vec::with_capacity(13);
    let mut push = |signer: u64, at: u64, msg_type: SsvMsgType, data: Vec<u8>, full: Vec<u8>| {
        let ssv = SsvMessage {
            msg_type,
            msg_id,
            data,
        };
        let Ok(sig) = world.signers[&signer].sign(&ssv) else {
            return;
        };
        let signed = SignedSsvMessage {
            signatures: vec![sig],
            operator_ids: vec![signer],
            ssv_message: ssv,
            full_data: full,
        };
        out.push(Msg {
            at_ms: at,
            peer: peer_of(signer),
            subnet: committee.subnet as u16,
            data: signed.encode(),
        });
    };
    let qbft = |msg_type: u64| {
        QbftMessage {
            msg_type,
            height: slot,
            round: 1,
            identifier: msg_id.as_bytes().to_vec(),
            root,
            data_round: 0,
            round_change_justification: vec![],
            prepare_justification: vec![],
        }
        .encode()
    };
    push(leader, start, SsvMsgType::Consensus, qbft(0), value.clone());
    for (k, kind) in [1u64, 2].into_iter().enumerate() {
        for &op in &committee.operators {
            let at = start + 40 * (k as u64 + 1) + op % 20;
            push(op, at, SsvMsgType::Consensus, qbft(kind), vec![]);
        }
    }
    // About one of the committee's validators attests per slot.
    let r = splitmix(world.params.seed ^ slot ^ ((c as u64) << 20));
    let n = 1 + (r % 2) as usize;
    let data_root = Stub::new(world).attestation_data(slot).tree_hash_root().0;
    for &op in &committee.operators {
        let p = PartialSignatureMessages {
            kind: PartialSigKind::PostConsensus,
            slot,
            messages: (0..n)
                .map(|v| PartialSignature {
                    signature: [0xa5; 96],
                    signing_root: data_root,
                    signer: op,
                    validator_index: committee.validators
                        [(r as usize + v) % committee.validators.len()],
                })
                .collect(),
        };
        let at = start + 200 + op % 40;
        push(op, at, SsvMsgType::PartialSignature, p.encode(), vec![]);
    }
    out
}

/// Merges two time-sorted lists.
pub fn merge(slot: u64, mut a: Vec<Msg>, b: Vec<Msg>) -> SlotTraffic {
    a.extend(b);
    a.sort_by_key(|m| m.at_ms);
    SlotTraffic { slot, msgs: a }
}
