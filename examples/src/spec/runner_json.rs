//! Reading the runner vectors' JSON: duties, runner pre-states, partial-signature
//! messages, and the vectors' validator key set.

use std::collections::BTreeMap;

use blst::min_pk::SecretKey;
use serde_json::Value;
use ssv_protocol::beacon::consensus_data::ValidatorDuty;
use ssv_protocol::runner::duty::{AggregatorCommitteeDuty, CommitteeDuty, Duty};
use ssv_protocol::runner::{DutySnapshot, RunnerSnapshot};
use ssv_protocol::wire::{
    PartialSigKind, PartialSignature, PartialSignatureMessages, Role, Share, ShareMember,
};

use super::json::{b64, b64_opt, bytes32, field, fixed_bytes, list, uint, Shape};
use super::ssv_pieces::share;
use super::state::parse_state;

/// A `ValidatorDuty`.
pub fn validator_duty(v: &Value) -> Result<ValidatorDuty, Shape> {
    let indices = list(field(v, "ValidatorSyncCommitteeIndices")?)?
        .iter()
        .map(uint)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ValidatorDuty {
        role: uint(field(v, "Type")?)?,
        pubkey: ssz_types::FixedVector::new(fixed_bytes(field(v, "PubKey")?)?)
            .map_err(|_| "pubkey size")?,
        slot: uint(field(v, "Slot")?)?,
        validator_index: uint(field(v, "ValidatorIndex")?)?,
        committee_index: uint(field(v, "CommitteeIndex")?)?,
        committee_length: uint(field(v, "CommitteeLength")?)?,
        committees_at_slot: uint(field(v, "CommitteesAtSlot")?)?,
        validator_committee_index: uint(field(v, "ValidatorCommitteeIndex")?)?,
        validator_sync_committee_indices: ssz_types::VariableList::new(indices)
            .map_err(|_| "too many sync indices")?,
    })
}

fn duties(v: &Value) -> Result<(u64, Vec<ValidatorDuty>), Shape> {
    let list = list(field(v, "ValidatorDuties")?)?
        .iter()
        .map(validator_duty)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((uint(field(v, "Slot")?)?, list))
}

/// The duty under one of the keys `ValidatorDuty`, `CommitteeDuty`,
/// `AggregatorCommitteeDuty` of `v`, if any.
pub fn duty_in(v: &Value) -> Result<Option<Duty>, Shape> {
    if let Some(d) = v.get("ValidatorDuty").filter(|d| !d.is_null()) {
        return Ok(Some(Duty::Validator(validator_duty(d)?)));
    }
    if let Some(d) = v.get("CommitteeDuty").filter(|d| !d.is_null()) {
        let (slot, validator_duties) = duties(d)?;
        return Ok(Some(Duty::Committee(CommitteeDuty {
            slot,
            validator_duties,
        })));
    }
    if let Some(d) = v.get("AggregatorCommitteeDuty").filter(|d| !d.is_null()) {
        let (slot, validator_duties) = duties(d)?;
        return Ok(Some(Duty::AggregatorCommittee(AggregatorCommitteeDuty {
            slot,
            validator_duties,
        })));
    }
    Ok(None)
}

/// A committee test's untagged duty input (ssv-spec's loader: aggregator roles
/// first, then a committee duty).
pub fn input_duty(v: &Value) -> Result<Option<Duty>, Shape> {
    if v.get("ValidatorDuties").is_none() {
        return Ok(None);
    }
    let (slot, validator_duties) = duties(v)?;
    let aggregation = validator_duties
        .first()
        .is_some_and(|d| d.role == 1 || d.role == 4);
    Ok(Some(if aggregation {
        Duty::AggregatorCommittee(AggregatorCommitteeDuty {
            slot,
            validator_duties,
        })
    } else {
        Duty::Committee(CommitteeDuty {
            slot,
            validator_duties,
        })
    }))
}

/// A share map `{"<index>": Share}`.
pub fn share_map(v: &Value) -> Result<BTreeMap<u64, Share>, Shape> {
    let mut out = BTreeMap::new();
    if let Some(map) = v.as_object() {
        for (k, s) in map {
            out.insert(k.parse::<u64>().map_err(|e| e.to_string())?, share(s)?);
        }
    }
    Ok(out)
}

/// A partial-signature container's JSON (`{"Signatures": {"<validator>":
/// {"<root hex>": {"<signer>": "<b64 signature>"}}}, "Quorum": n}`): its entries.
pub fn container(v: &Value) -> Result<Vec<PartialSignature>, Shape> {
    let mut out = Vec::new();
    let Some(by_validator) = field(v, "Signatures")?.as_object() else {
        return Ok(out);
    };
    for (validator, by_root) in by_validator {
        let validator_index = validator.parse::<u64>().map_err(|e| e.to_string())?;
        for (root, by_signer) in by_root.as_object().ok_or("bad container")? {
            let signing_root = bytes32(&Value::String(root.clone()))?;
            for (signer, sig) in by_signer.as_object().ok_or("bad container")? {
                out.push(PartialSignature {
                    signature: b64(sig)?.try_into().map_err(|_| "signature size")?,
                    signing_root,
                    signer: signer.parse::<u64>().map_err(|e| e.to_string())?,
                    validator_index,
                });
            }
        }
    }
    Ok(out)
}

/// A runner's `BaseRunner` JSON: its role and its saved state.
pub fn runner(v: &Value) -> Result<(Role, RunnerSnapshot), Shape> {
    let base = field(v, "BaseRunner")?;
    let role = Role::from_u32(uint(field(base, "RunnerRoleType")?)? as u32);
    let shares = share_map(field(base, "Share")?)?;
    let state = field(base, "State")?;
    let duty = if state.is_null() {
        None
    } else {
        let running = field(state, "RunningInstance")?;
        let instance = if running.is_null() {
            None
        } else {
            Some(uint(field(field(running, "State")?, "Height")?)?)
        };
        Some(DutySnapshot {
            duty: duty_in(state)?.ok_or("state without a duty")?,
            pre: container(field(state, "PreConsensusContainer")?)?,
            post: container(field(state, "PostConsensusContainer")?)?,
            instance,
            decided: b64_opt(field(state, "DecidedValue")?)?,
            finished: field(state, "Finished")?.as_bool().unwrap_or(false),
        })
    };
    let controller = base.get("QBFTController").unwrap_or(&Value::Null);
    let (height, instances) = if controller.is_null() {
        (0, Vec::new())
    } else {
        let instances = list(field(controller, "StoredInstances")?)?
            .iter()
            .map(|i| {
                let start = b64_opt(i.get("StartValue").unwrap_or(&Value::Null))?;
                Ok((
                    parse_state(field(i, "State")?)?,
                    start.map(std::sync::Arc::from),
                ))
            })
            .collect::<Result<Vec<_>, Shape>>()?;
        (uint(field(controller, "Height")?)?, instances)
    };
    Ok((
        role,
        RunnerSnapshot {
            shares,
            duty,
            height,
            instances,
        },
    ))
}

/// An expected `PartialSignatureMessages`.
pub fn partial_sig_messages(v: &Value) -> Result<PartialSignatureMessages, Shape> {
    let messages = list(field(v, "Messages")?)?
        .iter()
        .map(|m| {
            Ok(PartialSignature {
                signature: fixed_bytes(field(m, "PartialSignature")?)?
                    .try_into()
                    .map_err(|_| "signature size")?,
                signing_root: bytes32(field(m, "SigningRoot")?)?,
                signer: uint(field(m, "Signer")?)?,
                validator_index: uint(field(m, "ValidatorIndex")?)?,
            })
        })
        .collect::<Result<Vec<_>, Shape>>()?;
    Ok(PartialSignatureMessages {
        kind: PartialSigKind::from_u64(uint(field(v, "Type")?)?),
        slot: uint(field(v, "Slot")?)?,
        messages,
    })
}

/// The BLS share secrets of the vector's key set, by share public key.
pub fn share_secrets(test: &Value) -> Result<BTreeMap<[u8; 48], SecretKey>, Shape> {
    let mut out = BTreeMap::new();
    let Some(shares) = test
        .pointer("/PrivateKeys/Shares")
        .and_then(Value::as_object)
    else {
        return Ok(out);
    };
    for sk in shares.values() {
        let bytes = fixed_bytes(sk)?;
        let sk = SecretKey::from_bytes(&bytes).map_err(|e| format!("bad share secret: {e:?}"))?;
        out.insert(sk.sk_to_pk().to_bytes(), sk);
    }
    Ok(out)
}

/// The spec's `TestingShare(ks, validator_index)` for the vector's key set: the
/// key set's validator key, operator 1's share key, every operator's share key
/// in the committee, domain `00000301`, the testing fee recipient and graffiti.
pub fn testing_share(test: &Value, validator_index: u64) -> Result<Share, Shape> {
    let keys = field(test, "PrivateKeys")?;
    let validator_pubkey: [u8; 48] = fixed_bytes(field(keys, "ValidatorPK")?)?
        .try_into()
        .map_err(|_| "validator key size")?;
    let mut committee = Vec::new();
    for (id, sk) in field(keys, "Shares")?
        .as_object()
        .ok_or("PrivateKeys.Shares is not a map")?
    {
        let sk = SecretKey::from_bytes(&fixed_bytes(sk)?)
            .map_err(|e| format!("bad share secret: {e:?}"))?;
        committee.push(ShareMember {
            share_pubkey: sk.sk_to_pk().to_bytes(),
            signer: id.parse::<u64>().map_err(|e| e.to_string())?,
        });
    }
    committee.sort_by_key(|m| m.signer);
    let share_pubkey = committee
        .iter()
        .find(|m| m.signer == 1)
        .map(|m| m.share_pubkey)
        .ok_or("no share of operator 1")?;
    let mut graffiti = [0u8; 32];
    graffiti[0] = 1;
    Ok(Share {
        validator_index,
        validator_pubkey,
        share_pubkey,
        committee,
        domain_type: [0, 0, 3, 1],
        fee_recipient: TESTING_FEE_RECIPIENT,
        graffiti,
    })
}

/// The spec's `TestingFeeRecipient`.
const TESTING_FEE_RECIPIENT: [u8; 20] = [
    0x53, 0x59, 0x53, 0xb5, 0xa6, 0x04, 0x00, 0x74, 0x94, 0x8c, 0xf1, 0x85, 0xea, 0xa7, 0xd2, 0xab,
    0xbd, 0x66, 0x80, 0x8f,
];
