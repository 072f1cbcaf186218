//! The Byzantine disrupter: it sits between a Byzantine operator's node and the
//! network and turns each message that node publishes into what the operator
//! actually sends, per recipient. It holds the operator's real RSA key and BLS
//! shares, so what it forges is signed as that operator would sign it.

use std::collections::BTreeMap;

use qbft_core::testkit::SimRng;
use sha2::{Digest, Sha256};

use crate::threshold::sign;
use crate::wire::{
    BeaconVote, PartialSignatureMessages, QbftMessage, SignedSsvMessage, SsvMsgType,
};

use super::config::Behaviour;
use super::keys::KeyStore;

/// QBFT message types on the wire.
const PROPOSAL: u64 = 0;
const PREPARE: u64 = 1;
const COMMIT: u64 = 2;

/// One copy to send: recipient node, bytes, extra delay.
pub type SendCopy = (usize, Vec<u8>, u64);

/// What every disrupter shares: the messages seen (for replays) and the values
/// behind QBFT roots (for equivocation).
#[derive(Debug, Default)]
pub struct Adversary {
    /// Every message published so far, in order (bounded).
    seen: Vec<Vec<u8>>,
    /// Full values by their SHA-256 root.
    values: BTreeMap<[u8; 32], Vec<u8>>,
}

const SEEN_LIMIT: usize = 512;

fn sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The conflicting value an equivocator puts in place of `value`: the same vote
/// for another block (still valid). The same for every equivocator.
pub fn conflicting_value(value: &[u8]) -> Option<Vec<u8>> {
    let mut vote = BeaconVote::decode(value).ok()?;
    let mut d = Sha256::new();
    d.update(b"equivocate");
    d.update(vote.block_root);
    vote.block_root = d.finalize().into();
    Some(vote.encode())
}

/// A value that fails every honest value check (target epoch far off).
pub fn invalid_value(value: &[u8]) -> Option<Vec<u8>> {
    let mut vote = BeaconVote::decode(value).ok()?;
    vote.target.epoch = vote.target.epoch.wrapping_add(1_000);
    vote.source.epoch = vote.target.epoch.wrapping_add(1);
    Some(vote.encode())
}

impl Adversary {
    /// Notes a published message (any sender).
    pub fn observe(&mut self, data: &[u8]) {
        if let Ok(m) = SignedSsvMessage::decode(data) {
            if !m.full_data.is_empty() {
                self.values.insert(sha(&m.full_data), m.full_data);
            }
        }
        if self.seen.len() < SEEN_LIMIT {
            self.seen.push(data.to_vec());
        }
    }

    /// What a Byzantine operator with `behaviour` sends when its node publishes
    /// `data`. `sides` gives each node's half for equivocation; `from` is the
    /// sender's node.
    pub fn disrupt(
        &mut self,
        behaviour: Behaviour,
        rng: &mut SimRng,
        keys: &KeyStore,
        from: usize,
        sides: &[bool],
        data: &[u8],
    ) -> Vec<SendCopy> {
        let others: Vec<usize> = (0..sides.len()).filter(|i| *i != from).collect();
        match behaviour {
            Behaviour::Silent => Vec::new(),
            Behaviour::Withhold => {
                let victim = others
                    .get(rng.below(others.len() as u64) as usize)
                    .copied()
                    .unwrap_or(usize::MAX);
                others
                    .into_iter()
                    .filter(|to| *to != victim && rng.chance(500))
                    .map(|to| (to, data.to_vec(), 0))
                    .collect()
            }
            Behaviour::Mutate => others
                .into_iter()
                .map(|to| {
                    let bytes = if rng.chance(700) {
                        mutate(rng, keys, data)
                    } else {
                        data.to_vec()
                    };
                    (to, bytes, 0)
                })
                .collect(),
            Behaviour::Replay => {
                let mut out: Vec<SendCopy> =
                    others.iter().map(|to| (*to, data.to_vec(), 0)).collect();
                for _ in 0..rng.range(0, 2) {
                    let pick = rng.below(self.seen.len() as u64) as usize;
                    let to = others.get(rng.below(others.len() as u64) as usize);
                    if let (Some(old), Some(to)) = (self.seen.get(pick), to) {
                        out.push((*to, old.clone(), rng.range(0, 24_000)));
                    }
                }
                out
            }
            Behaviour::Equivocate => {
                let variant = self.equivocate(keys, data);
                others
                    .into_iter()
                    .map(|to| {
                        let side_b = sides.get(to).copied().unwrap_or(false);
                        match (&variant, side_b) {
                            (Some(v), true) => (to, v.clone(), 0),
                            _ => (to, data.to_vec(), 0),
                        }
                    })
                    .collect()
            }
            Behaviour::ProposeInvalid => {
                let bytes = propose_invalid(keys, data).unwrap_or_else(|| data.to_vec());
                others
                    .into_iter()
                    .map(|to| (to, bytes.clone(), 0))
                    .collect()
            }
        }
    }

    /// The conflicting version of a message the operator signed alone.
    fn equivocate(&self, keys: &KeyStore, data: &[u8]) -> Option<Vec<u8>> {
        let mut m = SignedSsvMessage::decode(data).ok()?;
        if m.operator_ids.len() != 1 {
            return None;
        }
        match m.ssv_message.msg_type {
            SsvMsgType::Consensus => {
                let mut q = QbftMessage::decode(&m.ssv_message.data).ok()?;
                if !matches!(q.msg_type, PROPOSAL | PREPARE | COMMIT) {
                    return None;
                }
                let value = if m.full_data.is_empty() {
                    self.values.get(&q.root)?.clone()
                } else {
                    m.full_data.clone()
                };
                let other = conflicting_value(&value)?;
                q.root = sha(&other);
                if !m.full_data.is_empty() {
                    m.full_data = other;
                }
                m.ssv_message.data = q.encode();
            }
            SsvMsgType::PartialSignature => {
                let mut p = PartialSignatureMessages::decode(&m.ssv_message.data).ok()?;
                for part in &mut p.messages {
                    let sk = keys.by_validator.get(&part.validator_index)?;
                    part.signing_root = sha(&part.signing_root);
                    part.signature = sign(sk, &part.signing_root).to_bytes();
                }
                m.ssv_message.data = p.encode();
            }
            _ => return None,
        }
        resign(keys, m)
    }
}

/// Signs `m` again as its (single) signer.
fn resign(keys: &KeyStore, mut m: SignedSsvMessage) -> Option<Vec<u8>> {
    let sig = keys.signer.sign(&m.ssv_message).ok()?;
    m.signatures = vec![sig];
    Some(m.encode())
}

/// A proposal carrying an invalid value, signed; other messages unchanged.
fn propose_invalid(keys: &KeyStore, data: &[u8]) -> Option<Vec<u8>> {
    let mut m = SignedSsvMessage::decode(data).ok()?;
    let mut q = QbftMessage::decode(&m.ssv_message.data).ok()?;
    if m.ssv_message.msg_type != SsvMsgType::Consensus || q.msg_type != PROPOSAL {
        return None;
    }
    let bad = invalid_value(&m.full_data)?;
    q.root = sha(&bad);
    m.full_data = bad;
    m.ssv_message.data = q.encode();
    resign(keys, m)
}

/// A damaged copy: raw byte damage, or one field of the payload changed and
/// signed again with the operator's real key.
fn mutate(rng: &mut SimRng, keys: &KeyStore, data: &[u8]) -> Vec<u8> {
    let mut bytes = data.to_vec();
    match rng.below(4) {
        0 => {
            for _ in 0..rng.range(1, 3) {
                let i = rng.below(bytes.len() as u64) as usize;
                if let Some(b) = bytes.get_mut(i) {
                    *b ^= 1 << rng.below(8);
                }
            }
            bytes
        }
        1 => {
            let keep = rng.below(bytes.len() as u64) as usize;
            bytes.truncate(keep);
            bytes
        }
        2 => {
            bytes.extend((0..rng.range(1, 64)).map(|_| rng.next_u64() as u8));
            bytes
        }
        _ => mutate_field(rng, keys, data).unwrap_or(bytes),
    }
}

fn mutate_field(rng: &mut SimRng, keys: &KeyStore, data: &[u8]) -> Option<Vec<u8>> {
    let mut m = SignedSsvMessage::decode(data).ok()?;
    match m.ssv_message.msg_type {
        SsvMsgType::Consensus => {
            let mut q = QbftMessage::decode(&m.ssv_message.data).ok()?;
            match rng.below(6) {
                0 => q.round = q.round.wrapping_add(rng.range(1, 20)),
                1 => q.height = q.height.wrapping_add(rng.range(1, 3)),
                2 => q.msg_type = rng.below(5),
                3 => q.root = sha(&q.root),
                4 => q.data_round = rng.range(0, 30),
                _ => m.full_data = conflicting_value(&m.full_data).unwrap_or_default(),
            }
            m.ssv_message.data = q.encode();
        }
        SsvMsgType::PartialSignature => {
            let mut p = PartialSignatureMessages::decode(&m.ssv_message.data).ok()?;
            match rng.below(4) {
                0 => p.slot = p.slot.wrapping_add(rng.range(1, 40)),
                1 => {
                    for part in &mut p.messages {
                        part.signer = rng.range(1, 9);
                    }
                }
                2 => {
                    for part in &mut p.messages {
                        part.validator_index = part.validator_index.wrapping_add(1);
                    }
                }
                _ => {
                    for part in &mut p.messages {
                        part.signature[0] ^= 0x20;
                    }
                }
            }
            m.ssv_message.data = p.encode();
        }
        _ => return None,
    }
    if m.operator_ids.len() == 1 {
        resign(keys, m)
    } else {
        Some(m.encode())
    }
}
