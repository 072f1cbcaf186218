//! QBFT instance state from the vectors' JSON, and field-by-field comparison of
//! our state with the spec's `state_comparison` files.
//!
//! Compared fields: `ID`, `Round`, `Height`, `LastPreparedRound`,
//! `LastPreparedValue`, `ProposalAcceptedForCurrentRound` (by the signed message's
//! hash-tree-root), `Decided`, `DecidedValue`, and the four containers (per round,
//! the hash-tree-roots of the signed messages in arrival order). `null` and empty
//! byte strings compare equal (SSZ does not tell them apart). `CommitteeMember` is
//! the fixed test committee and is not compared; the decoded `QBFTMessage` of each
//! entry is derived from its signed message, which is compared.

use std::sync::Arc;

use qbft_core::{MsgContainer, State};
use serde_json::Value;
use ssv_protocol::consensus::{to_wire, SsvQbft, SsvSignedMessage};

use super::harness::decode;
use super::json::{b64, b64_opt, field, list, signed_ssv_message, uint, Shape};

/// The committee members' IDs of a `CommitteeMember` JSON object.
pub fn committee_ids(member: &Value) -> Result<Vec<u64>, Shape> {
    list(field(member, "Committee")?)?
        .iter()
        .map(|op| uint(field(op, "OperatorID")?))
        .collect()
}

fn processing_message(v: &Value) -> Result<Arc<SsvSignedMessage>, Shape> {
    let wire = signed_ssv_message(field(v, "SignedMessage")?)?;
    decode(&wire).map_err(|_| "undecodable message in state".to_string())
}

fn container(v: &Value) -> Result<MsgContainer<SsvQbft>, Shape> {
    let mut c = MsgContainer::default();
    let msgs = field(v, "Msgs")?;
    let Some(rounds) = msgs.as_object() else {
        return Ok(c);
    };
    let mut keyed: Vec<(u64, &Value)> = rounds
        .iter()
        .map(|(k, v)| {
            k.parse::<u64>()
                .map(|r| (r, v))
                .map_err(|_| format!("bad round {k}"))
        })
        .collect::<Result<_, _>>()?;
    keyed.sort_by_key(|(r, _)| *r);
    for (_, msgs) in keyed {
        for m in list(msgs)? {
            c.add(processing_message(m)?);
        }
    }
    Ok(c)
}

fn value(v: &Value) -> Result<Option<Arc<[u8]>>, Shape> {
    Ok(b64_opt(v)?.map(Arc::from))
}

/// An instance state from its JSON.
pub fn parse_state(v: &Value) -> Result<State<SsvQbft>, Shape> {
    let accepted = field(v, "ProposalAcceptedForCurrentRound")?;
    Ok(State {
        id: b64(field(v, "ID")?)?,
        round: uint(field(v, "Round")?)?,
        height: uint(field(v, "Height")?)?,
        last_prepared_round: uint(field(v, "LastPreparedRound")?)?,
        last_prepared_value: value(field(v, "LastPreparedValue")?)?,
        proposal_accepted_for_current_round: if accepted.is_null() {
            None
        } else {
            Some(processing_message(accepted)?)
        },
        decided: field(v, "Decided")?.as_bool().unwrap_or(false),
        decided_value: value(field(v, "DecidedValue")?)?,
        propose_container: container(field(v, "ProposeContainer")?)?,
        prepare_container: container(field(v, "PrepareContainer")?)?,
        commit_container: container(field(v, "CommitContainer")?)?,
        round_change_container: container(field(v, "RoundChangeContainer")?)?,
    })
}

fn root(m: &SsvSignedMessage) -> String {
    hex::encode(to_wire(m).tree_hash_root())
}

fn container_roots(c: &MsgContainer<SsvQbft>) -> Vec<(u64, Vec<String>)> {
    c.rounds()
        .iter()
        .filter(|(_, msgs)| !msgs.is_empty())
        .map(|(r, msgs)| (*r, msgs.iter().map(|m| root(m)).collect()))
        .collect()
}

fn bytes_eq(a: &Option<Arc<[u8]>>, b: &Option<Arc<[u8]>>) -> bool {
    a.as_deref().unwrap_or(&[]) == b.as_deref().unwrap_or(&[])
}

/// Compares our state with the expected one, naming the first differing field.
pub fn compare_state(ours: &State<SsvQbft>, expected: &State<SsvQbft>) -> Result<(), String> {
    let diff =
        |field: &str, a: String, b: String| Err(format!("state.{field}: ours {a}, expected {b}"));
    if ours.id != expected.id {
        return diff("ID", hex::encode(&ours.id), hex::encode(&expected.id));
    }
    if ours.round != expected.round {
        return diff("Round", ours.round.to_string(), expected.round.to_string());
    }
    if ours.height != expected.height {
        return diff(
            "Height",
            ours.height.to_string(),
            expected.height.to_string(),
        );
    }
    if ours.last_prepared_round != expected.last_prepared_round {
        return diff(
            "LastPreparedRound",
            ours.last_prepared_round.to_string(),
            expected.last_prepared_round.to_string(),
        );
    }
    if !bytes_eq(&ours.last_prepared_value, &expected.last_prepared_value) {
        return diff(
            "LastPreparedValue",
            format!("{:?}", ours.last_prepared_value.as_deref().map(hex::encode)),
            format!(
                "{:?}",
                expected.last_prepared_value.as_deref().map(hex::encode)
            ),
        );
    }
    let accepted = |s: &State<SsvQbft>| s.proposal_accepted_for_current_round.as_deref().map(root);
    if accepted(ours) != accepted(expected) {
        return diff(
            "ProposalAcceptedForCurrentRound",
            format!("{:?}", accepted(ours)),
            format!("{:?}", accepted(expected)),
        );
    }
    if ours.decided != expected.decided {
        return diff(
            "Decided",
            ours.decided.to_string(),
            expected.decided.to_string(),
        );
    }
    if !bytes_eq(&ours.decided_value, &expected.decided_value) {
        return diff("DecidedValue", "..".into(), "..".into());
    }
    for (name, a, b) in [
        (
            "ProposeContainer",
            &ours.propose_container,
            &expected.propose_container,
        ),
        (
            "PrepareContainer",
            &ours.prepare_container,
            &expected.prepare_container,
        ),
        (
            "CommitContainer",
            &ours.commit_container,
            &expected.commit_container,
        ),
        (
            "RoundChangeContainer",
            &ours.round_change_container,
            &expected.round_change_container,
        ),
    ] {
        let (ra, rb) = (container_roots(a), container_roots(b));
        if ra != rb {
            return diff(name, format!("{ra:?}"), format!("{rb:?}"));
        }
    }
    Ok(())
}
