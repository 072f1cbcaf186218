//! Operator key stores of the simulation: fixed RSA test keys (committed with
//! the testkit, so every run of a seed signs the same bytes), share secrets,
//! and per-node slashing protection.

use std::collections::BTreeMap;

use blst::min_pk::SecretKey;

use crate::node::{NodeRequest, NodeResponse};
use crate::operator_key::OperatorSigner;
use crate::runner::io::{Request, Response, SlashingRecord};
use crate::threshold::sign;

/// RSA-2048 operator keys for operators 1 to 8, PKCS#1 PEM. Test keys only:
/// they are public.
pub const TEST_OPERATOR_KEYS: [&str; 8] = [
    include_str!("keys/op1.pem"),
    include_str!("keys/op2.pem"),
    include_str!("keys/op3.pem"),
    include_str!("keys/op4.pem"),
    include_str!("keys/op5.pem"),
    include_str!("keys/op6.pem"),
    include_str!("keys/op7.pem"),
    include_str!("keys/op8.pem"),
];

/// Operator `id`'s test key (`1..=8`).
pub fn test_operator_signer(id: u64) -> Option<OperatorSigner> {
    let pem = TEST_OPERATOR_KEYS.get(usize::try_from(id).ok()?.checked_sub(1)?)?;
    OperatorSigner::from_pkcs1_pem(pem).ok()
}

/// One node's keys and slashing-protection database.
pub struct KeyStore {
    /// The operator key.
    pub signer: OperatorSigner,
    /// Share secrets by share public key.
    pub shares: BTreeMap<[u8; 48], SecretKey>,
    /// Share secrets by validator index (for the disrupter's partials).
    pub by_validator: BTreeMap<u64, SecretKey>,
    /// Highest attested target per share, with its signing root.
    attested: BTreeMap<[u8; 48], (u64, [u8; 32])>,
    /// Proposed slot per share, with its signing root.
    proposed: BTreeMap<([u8; 48], u64), [u8; 32]>,
}

impl KeyStore {
    /// A key store with no records.
    pub fn new(signer: OperatorSigner, shares: BTreeMap<u64, SecretKey>) -> Self {
        KeyStore {
            signer,
            shares: shares
                .values()
                .map(|sk| (sk.sk_to_pk().to_bytes(), sk.clone()))
                .collect(),
            by_validator: shares,
            attested: BTreeMap::new(),
            proposed: BTreeMap::new(),
        }
    }

    /// Makes records durable unless one is slashable (a lower or equal target
    /// with another root; a second block at a slot).
    fn record(&mut self, records: &[SlashingRecord]) -> Response {
        let slashable = records.iter().any(|r| match r {
            SlashingRecord::Attestation {
                share_pubkey,
                target_epoch,
                signing_root,
                ..
            } => self.attested.get(share_pubkey).is_some_and(|(t, root)| {
                *t > *target_epoch || (*t == *target_epoch && root != signing_root)
            }),
            SlashingRecord::Proposal {
                share_pubkey,
                slot,
                signing_root,
            } => self
                .proposed
                .get(&(*share_pubkey, *slot))
                .is_some_and(|root| root != signing_root),
        });
        if slashable {
            return Response::Slashable;
        }
        for r in records {
            match r {
                SlashingRecord::Attestation {
                    share_pubkey,
                    target_epoch,
                    signing_root,
                    ..
                } => {
                    self.attested
                        .insert(*share_pubkey, (*target_epoch, *signing_root));
                }
                SlashingRecord::Proposal {
                    share_pubkey,
                    slot,
                    signing_root,
                } => {
                    self.proposed.insert((*share_pubkey, *slot), *signing_root);
                }
            }
        }
        Response::Recorded
    }

    /// Answers what a key store answers: operator signatures, slashing records
    /// and share signatures. `None` for beacon-node requests.
    pub fn answer(&mut self, req: &NodeRequest) -> Option<NodeResponse> {
        Some(match req {
            NodeRequest::OperatorSign(m) => match self.signer.sign(m) {
                Ok(sig) => NodeResponse::OperatorSignature(sig),
                Err(e) => NodeResponse::Failed(e.to_string()),
            },
            NodeRequest::Runner(Request::RecordSlashing(records)) => {
                NodeResponse::Runner(self.record(records))
            }
            NodeRequest::Runner(Request::Sign(items)) => {
                let mut sigs = Vec::with_capacity(items.len());
                for item in items {
                    match self.shares.get(&item.share_pubkey) {
                        Some(sk) => sigs.push(sign(sk, &item.signing_root).to_bytes()),
                        None => return Some(NodeResponse::Failed("unknown share".into())),
                    }
                }
                NodeResponse::Runner(Response::Signatures(sigs))
            }
            _ => return None,
        })
    }
}
