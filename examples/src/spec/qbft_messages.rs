//! `tests.MsgSpecTest` (message validation and encoding), `tests.CreateMsgSpecTest`
//! (message construction) and `tests.RoundRobinSpecTest` (the proposer function).

use std::path::Path;
use std::sync::Arc;

use qbft_core::{
    round_robin_proposer, Committee, Instance, Round, SignedMessage, State, FIRST_ROUND,
};
use serde_json::Value;
use ssv_protocol::consensus::decode_consensus;
use ssv_protocol::wire::SignedSsvMessage;

use super::codes::{check, qbft_code, Outcome, DECODE};
use super::harness::{context, decode, instance_config, sign, testing_identifier};
use super::json::{b64, bytes32, field, fixed_bytes, list, signed_ssv_message, uint, Shape};
use super::keys::key_set;
use super::state::committee_ids;
use super::Verdict;

/// `tests.MsgSpecTest`.
pub fn msg_spec(test: &Value, file: &Path) -> Result<Verdict, Shape> {
    let keys = key_set(test, file)?;
    let ctx = context(&keys, 1);
    let encoded = list(field(test, "EncodedMessages")?)?;
    let roots = list(field(test, "ExpectedRoots")?)?;
    let mut last: Outcome = None;
    for (i, msg) in list(field(test, "Messages")?)?.iter().enumerate() {
        if field(msg, "SSVMessage")?.is_null() {
            last = Some(14); // ssv-spec NilSSVMessageErrorCode
            continue;
        }
        let wire = signed_ssv_message(msg)?;
        let decoded = match decode_consensus(&wire) {
            Ok(m) => m,
            Err(_) => {
                last = Some(DECODE);
                continue;
            }
        };
        if let Err(e) = decoded.validate(&ctx) {
            last = Some(qbft_code(&e));
            continue;
        }
        if let Some(want) = encoded.get(i) {
            let want = b64(want)?;
            if wire.encode() != want {
                return Ok(Verdict::Fail(format!("message {i}: encoding differs")));
            }
            match SignedSsvMessage::decode(&want) {
                Ok(back) if back == wire => {}
                Ok(_) => return Ok(Verdict::Fail(format!("message {i}: decoding differs"))),
                Err(e) => return Ok(Verdict::Fail(format!("message {i}: does not decode: {e}"))),
            }
        }
        if let Some(want) = roots.get(i) {
            if wire.tree_hash_root() != bytes32(want)? {
                return Ok(Verdict::Fail(format!("message {i}: root differs")));
            }
        }
    }
    Ok(
        match check(uint(field(test, "ExpectedErrorCode")?)?, last) {
            Ok(()) => Verdict::Pass,
            Err(e) => Verdict::Fail(e),
        },
    )
}

/// `tests.CreateMsgSpecTest`: operator 1 of the 4-operator set, height 0.
pub fn create_msg(test: &Value, file: &Path) -> Result<Verdict, Shape> {
    let keys = key_set(test, file)?;
    let ctx = context(&keys, 1);
    let round: Round = uint(field(test, "Round")?)?;
    let value = bytes32(field(test, "Value")?)?;
    let state_value: Arc<[u8]> = Arc::from(b64(field(test, "StateValue")?)?);
    let messages = |key: &str| -> Result<Vec<Arc<SignedMessage<_>>>, Shape> {
        list(test.get(key).unwrap_or(&Value::Null))?
            .iter()
            .map(|m| {
                decode(&signed_ssv_message(m)?).map_err(|_| "undecodable justification".to_string())
            })
            .collect()
    };
    let round_changes = messages("RoundChangeJustifications")?;
    let prepares = messages("PrepareJustifications")?;
    let mut state = State::new(testing_identifier(), 0);
    state.round = round;
    let create_type = field(test, "CreateType")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    if create_type == "CreateRoundChange" {
        if let Some(first) = prepares.first() {
            state.last_prepared_round = first.message.round;
            state.last_prepared_value = Some(Arc::clone(&state_value));
            for p in &prepares {
                state.prepare_container.add_first_for_signers(Arc::clone(p));
            }
        }
    }
    let inst = Instance::restore(
        ctx.clone(),
        instance_config(&[1, 2, 3, 4])?,
        state,
        None,
        false,
    );
    let out = match create_type.as_str() {
        "createProposal" => inst.create_proposal(state_value, round_changes, prepares),
        "CreatePrepare" => inst.create_prepare(round, value),
        "CreateCommit" => inst.create_commit(value),
        "CreateRoundChange" => inst.create_round_change(FIRST_ROUND),
        other => return Err(format!("unknown CreateType {other}")),
    };
    let signed = sign(&keys, &out)?;
    let verdict = (|| {
        check(uint(field(test, "ExpectedErrorCode")?)?, None)?;
        let want = hex::encode(fixed_bytes(field(test, "ExpectedRoot")?)?);
        let got = hex::encode(signed.tree_hash_root());
        if want != got {
            return Err(format!("root {got}, expected {want}"));
        }
        let back = decode(&signed).map_err(|_| "created message does not decode".to_string())?;
        back.validate(&ctx)
            .map_err(|e| format!("created message invalid: {e}"))
    })();
    Ok(verdict.map_or_else(Verdict::Fail, |()| Verdict::Pass))
}

/// `tests.RoundRobinSpecTest`: every (height, round) row's proposer.
pub fn round_robin(test: &Value) -> Result<Verdict, Shape> {
    let committee =
        Committee::new(committee_ids(field(test, "Share")?)?).map_err(|e| e.to_string())?;
    let heights = list(field(test, "Heights")?)?;
    let rounds = list(field(test, "Rounds")?)?;
    let proposers = list(field(test, "Proposers")?)?;
    if heights.len() != rounds.len() || rounds.len() != proposers.len() {
        return Err("Heights, Rounds and Proposers differ in length".into());
    }
    for ((h, r), p) in heights.iter().zip(rounds).zip(proposers) {
        let (h, r, p) = (uint(h)?, uint(r)?, uint(p)?);
        let got = round_robin_proposer(&committee, h, r);
        if got != p {
            return Ok(Verdict::Fail(format!(
                "height {h} round {r}: proposer {got}, expected {p}"
            )));
        }
    }
    Ok(Verdict::Pass)
}
