//! The encodings of everything the node takes: each [`Input`] variant, the
//! [`Registry`], and every answer ([`NodeResponse`]). Beacon objects keep their
//! SSZ form; the rest is the compact form of [`super::bytes`]. Only public
//! material is written: operator public keys, share public keys and signatures.
//! The registry's shares carry no secret (the key store holds those), and no
//! input carries one.

use std::sync::Arc;

use ssz::{Decode as _, Encode as _};

use super::bytes::{Dec, DecodeError, Enc};
use super::header::decode_version;
use crate::beacon::altair::SyncCommitteeContribution;
use crate::beacon::phase0::AttestationData;
use crate::node::{Input, NodeResponse, RegisteredValidator, Registry};
use crate::operator_key::OperatorPublicKey;
use crate::runner::io::{FetchedBlock, Response};
use crate::scheduler::{AttesterDuty, DutiesResponse, HeadEvent, ProposerDuty, SyncDuty};
use crate::wire::Share;

/// Encodes one input.
pub fn encode_input(e: &mut Enc, input: &Input) {
    match input {
        Input::Registry(r) => {
            e.u8(0);
            encode_registry(e, r);
        }
        Input::Gossip {
            id,
            peer,
            topic,
            data,
            signatures,
        } => {
            e.u8(1);
            e.var(*id);
            e.bytes(peer);
            e.str(topic);
            e.bytes(data);
            e.u8(match signatures {
                None => 0,
                Some(false) => 1,
                Some(true) => 2,
            });
        }
        Input::Head(h) => {
            e.u8(2);
            e.var(h.slot);
            e.fixed(&h.block_root);
            e.fixed(&h.previous_duty_dependent_root);
            e.fixed(&h.current_duty_dependent_root);
        }
        Input::ValidatorExited {
            validator_index,
            block_slot,
        } => {
            e.u8(3);
            e.var(*validator_index);
            e.var(*block_slot);
        }
        Input::Response { id, response } => {
            e.u8(4);
            e.var(*id);
            encode_response(e, response);
        }
        Input::Tick => e.u8(5),
    }
}

/// Decodes one input.
pub fn decode_input(d: &mut Dec<'_>) -> Result<Input, DecodeError> {
    let at = d.pos();
    Ok(match d.u8("input kind")? {
        0 => Input::Registry(Arc::new(decode_registry(d)?)),
        1 => {
            let id = d.var("gossip id")?;
            let peer = d.bytes("gossip peer")?.to_vec();
            let topic = d.str("gossip topic")?;
            let data = d.bytes("gossip data")?.to_vec();
            let at = d.pos();
            let signatures = match d.u8("signature verdict")? {
                0 => None,
                1 => Some(false),
                2 => Some(true),
                _ => {
                    return Err(DecodeError {
                        pos: at,
                        what: "signature verdict",
                    })
                }
            };
            Input::Gossip {
                id,
                peer,
                topic,
                data,
                signatures,
            }
        }
        2 => Input::Head(HeadEvent {
            slot: d.var("head slot")?,
            block_root: d.array("head block root")?,
            previous_duty_dependent_root: d.array("previous dependent root")?,
            current_duty_dependent_root: d.array("current dependent root")?,
        }),
        3 => Input::ValidatorExited {
            validator_index: d.var("exited index")?,
            block_slot: d.var("exit block slot")?,
        },
        4 => Input::Response {
            id: d.var("response id")?,
            response: decode_response(d)?,
        },
        5 => Input::Tick,
        _ => {
            return Err(DecodeError {
                pos: at,
                what: "input kind",
            })
        }
    })
}

/// Encodes a registry: operators (ID and public key DER), then validators.
pub fn encode_registry(e: &mut Enc, r: &Registry) {
    e.var(r.operators.len() as u64);
    for (id, key) in &r.operators {
        e.var(*id);
        e.bytes(key.der());
    }
    e.var(r.validators.len() as u64);
    for v in &r.validators {
        e.fixed(&v.pubkey);
        e.opt_var(v.index);
        e.vars(&v.operators);
        e.bool(v.liquidated);
        e.bool(v.active);
        match &v.share {
            None => e.u8(0),
            Some(s) => {
                e.u8(1);
                e.bytes(&s.encode());
            }
        }
    }
}

/// Decodes a registry.
pub fn decode_registry(d: &mut Dec<'_>) -> Result<Registry, DecodeError> {
    let mut r = Registry::default();
    let n = d.len("operator count")?;
    for _ in 0..n {
        let id = d.var("operator id")?;
        let at = d.pos();
        let der = d.bytes("operator key")?;
        let key = OperatorPublicKey::from_der(der).map_err(|_| DecodeError {
            pos: at,
            what: "operator public key",
        })?;
        r.operators.insert(id, key);
    }
    let n = d.len("validator count")?;
    r.validators.reserve(n);
    for _ in 0..n {
        let pubkey = d.array("validator key")?;
        let index = d.opt_var("validator index")?;
        let operators = d.vars("validator operators")?;
        let liquidated = d.bool("liquidated flag")?;
        let active = d.bool("active flag")?;
        let share = if d.bool("share flag")? {
            let at = d.pos();
            let b = d.bytes("share")?;
            Some(Share::decode(b).map_err(|_| DecodeError {
                pos: at,
                what: "share",
            })?)
        } else {
            None
        };
        r.validators.push(RegisteredValidator {
            pubkey,
            index,
            operators,
            liquidated,
            active,
            share,
        });
    }
    Ok(r)
}

fn encode_response(e: &mut Enc, r: &NodeResponse) {
    match r {
        NodeResponse::Duties(d) => {
            e.u8(0);
            encode_duties(e, d);
        }
        NodeResponse::Runner(r) => {
            e.u8(1);
            encode_runner_response(e, r);
        }
        NodeResponse::OperatorSignature(s) => {
            e.u8(2);
            e.bytes(s);
        }
        NodeResponse::Failed(s) => {
            e.u8(3);
            e.str(s);
        }
    }
}

fn decode_response(d: &mut Dec<'_>) -> Result<NodeResponse, DecodeError> {
    let at = d.pos();
    Ok(match d.u8("response kind")? {
        0 => NodeResponse::Duties(decode_duties(d)?),
        1 => NodeResponse::Runner(decode_runner_response(d)?),
        2 => NodeResponse::OperatorSignature(d.bytes("operator signature")?.to_vec()),
        3 => NodeResponse::Failed(d.str("failure")?),
        _ => {
            return Err(DecodeError {
                pos: at,
                what: "response kind",
            })
        }
    })
}

fn encode_duties(e: &mut Enc, r: &DutiesResponse) {
    match r {
        DutiesResponse::Attester {
            dependent_root,
            duties,
        } => {
            e.u8(0);
            e.fixed(dependent_root);
            e.var(duties.len() as u64);
            for a in duties {
                e.var(a.validator_index);
                e.var(a.slot);
                e.var(a.committee_index);
                e.var(a.committee_length);
                e.var(a.committees_at_slot);
                e.var(a.validator_committee_index);
            }
        }
        DutiesResponse::Proposer {
            dependent_root,
            duties,
        } => {
            e.u8(1);
            e.fixed(dependent_root);
            e.var(duties.len() as u64);
            for p in duties {
                e.var(p.validator_index);
                e.var(p.slot);
            }
        }
        DutiesResponse::Sync { duties } => {
            e.u8(2);
            e.var(duties.len() as u64);
            for s in duties {
                e.var(s.validator_index);
                e.vars(&s.validator_sync_committee_indices);
            }
        }
        DutiesResponse::Failed(s) => {
            e.u8(3);
            e.str(s);
        }
    }
}

fn decode_duties(d: &mut Dec<'_>) -> Result<DutiesResponse, DecodeError> {
    let at = d.pos();
    Ok(match d.u8("duties kind")? {
        0 => {
            let dependent_root = d.array("dependent root")?;
            let n = d.len("attester duty count")?;
            let duties = (0..n)
                .map(|_| {
                    Ok(AttesterDuty {
                        validator_index: d.var("attester duty")?,
                        slot: d.var("attester duty")?,
                        committee_index: d.var("attester duty")?,
                        committee_length: d.var("attester duty")?,
                        committees_at_slot: d.var("attester duty")?,
                        validator_committee_index: d.var("attester duty")?,
                    })
                })
                .collect::<Result<_, DecodeError>>()?;
            DutiesResponse::Attester {
                dependent_root,
                duties,
            }
        }
        1 => {
            let dependent_root = d.array("dependent root")?;
            let n = d.len("proposer duty count")?;
            let duties = (0..n)
                .map(|_| {
                    Ok(ProposerDuty {
                        validator_index: d.var("proposer duty")?,
                        slot: d.var("proposer duty")?,
                    })
                })
                .collect::<Result<_, DecodeError>>()?;
            DutiesResponse::Proposer {
                dependent_root,
                duties,
            }
        }
        2 => {
            let n = d.len("sync duty count")?;
            let duties = (0..n)
                .map(|_| {
                    Ok(SyncDuty {
                        validator_index: d.var("sync duty")?,
                        validator_sync_committee_indices: d.vars("sync duty")?,
                    })
                })
                .collect::<Result<_, DecodeError>>()?;
            DutiesResponse::Sync { duties }
        }
        3 => DutiesResponse::Failed(d.str("duties failure")?),
        _ => {
            return Err(DecodeError {
                pos: at,
                what: "duties kind",
            })
        }
    })
}

fn encode_runner_response(e: &mut Enc, r: &Response) {
    match r {
        Response::AttestationData(a) => {
            e.u8(0);
            e.bytes(&a.as_ssz_bytes());
        }
        Response::Block(b) => {
            e.u8(1);
            e.var(b.version.to_u64());
            e.bool(b.blinded);
            e.bytes(&b.ssz);
        }
        Response::Aggregation {
            attestations,
            contributions,
        } => {
            e.u8(2);
            e.var(attestations.len() as u64);
            for (index, ssz) in attestations {
                e.var(*index);
                e.bytes(ssz);
            }
            e.var(contributions.len() as u64);
            for c in contributions {
                e.bytes(&c.as_ssz_bytes());
            }
        }
        Response::Recorded => e.u8(3),
        Response::Slashable => e.u8(4),
        Response::Signatures(sigs) => {
            e.u8(5);
            e.var(sigs.len() as u64);
            for s in sigs {
                e.fixed(s);
            }
        }
        Response::Failed(s) => {
            e.u8(6);
            e.str(s);
        }
    }
}

fn decode_runner_response(d: &mut Dec<'_>) -> Result<Response, DecodeError> {
    let at = d.pos();
    Ok(match d.u8("runner response kind")? {
        0 => {
            let at = d.pos();
            let b = d.bytes("attestation data")?;
            Response::AttestationData(AttestationData::from_ssz_bytes(b).map_err(|_| {
                DecodeError {
                    pos: at,
                    what: "attestation data",
                }
            })?)
        }
        1 => Response::Block(FetchedBlock {
            version: decode_version(d)?,
            blinded: d.bool("blinded flag")?,
            ssz: d.bytes("block")?.to_vec(),
        }),
        2 => {
            let n = d.len("aggregate count")?;
            let attestations = (0..n)
                .map(|_| Ok((d.var("committee index")?, d.bytes("aggregate")?.to_vec())))
                .collect::<Result<_, DecodeError>>()?;
            let n = d.len("contribution count")?;
            let contributions = (0..n)
                .map(|_| {
                    let at = d.pos();
                    let b = d.bytes("contribution")?;
                    SyncCommitteeContribution::from_ssz_bytes(b).map_err(|_| DecodeError {
                        pos: at,
                        what: "contribution",
                    })
                })
                .collect::<Result<_, DecodeError>>()?;
            Response::Aggregation {
                attestations,
                contributions,
            }
        }
        3 => Response::Recorded,
        4 => Response::Slashable,
        5 => {
            let n = d.var("signature count")?;
            let n = usize::try_from(n)
                .ok()
                .filter(|n| n.saturating_mul(96) <= d.remaining())
                .ok_or(DecodeError {
                    pos: at,
                    what: "signature count",
                })?;
            let sigs = (0..n)
                .map(|_| d.array::<96>("signature"))
                .collect::<Result<_, DecodeError>>()?;
            Response::Signatures(sigs)
        }
        6 => Response::Failed(d.str("runner failure")?),
        _ => {
            return Err(DecodeError {
                pos: at,
                what: "runner response kind",
            })
        }
    })
}
