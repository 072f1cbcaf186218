//! The spec's fixed QBFT test environment (ssv-spec `types/testingutils`): the
//! value check, the proposer rule, the cut-off round, the identifier, and signing
//! of what the machine broadcasts.

use std::sync::Arc;

use qbft_core::{Committee, External, InstanceConfig, Outgoing, Round};
use ssv_protocol::consensus::{decode_consensus, sign_outgoing, SsvQbft, SsvSignedMessage};
use ssv_protocol::wire::SignedSsvMessage;

use super::codes::{CodedValueError, Outcome, DECODE};
use super::json::Shape;
use super::keys::KeySet;

/// The spec's `TestingCutOffRound`.
pub const CUT_OFF_ROUND: Round = 15;
/// The operator under test.
pub const SELF_ID: u64 = 1;

/// The spec's `TestingIdentifier`: `01 02 03 04` then 52 zero bytes.
pub fn testing_identifier() -> Vec<u8> {
    let mut id = vec![0u8; 56];
    id[..4].copy_from_slice(&[1, 2, 3, 4]);
    id
}

/// The spec's test value check: empty values and `01 01 01 01` are invalid (64).
pub fn value_check() -> ssv_protocol::consensus::ValueCheck {
    Arc::new(|v: &[u8]| {
        if v.is_empty() || v == [1, 1, 1, 1] {
            Err(External::new(CodedValueError(64)))
        } else {
            Ok(())
        }
    })
}

/// The test context: the committee's keys, the test value check, and a fixed
/// proposer (operator 1, or 2 when the test sets `proposer`).
pub fn context(keys: &KeySet, proposer: u64) -> SsvQbft {
    SsvQbft::new(keys.public.clone(), value_check()).with_proposer(Arc::new(move |_, _| proposer))
}

/// The instance configuration of operator 1 in `committee`.
pub fn instance_config(committee: &[u64]) -> Result<InstanceConfig, Shape> {
    Ok(InstanceConfig {
        self_id: SELF_ID,
        committee: Committee::new(committee.iter().copied()).map_err(|e| e.to_string())?,
        cut_off_round: CUT_OFF_ROUND,
    })
}

/// Decodes a wire message for the machine; an undecodable one is code 1.
pub fn decode(msg: &SignedSsvMessage) -> Result<Arc<SsvSignedMessage>, Outcome> {
    decode_consensus(msg)
        .map(Arc::new)
        .map_err(|_| Some(DECODE))
}

/// Signs a broadcast as operator 1, as the spec's testing network does.
pub fn sign(keys: &KeySet, out: &Outgoing<SsvQbft>) -> Result<SignedSsvMessage, Shape> {
    sign_outgoing(out, SELF_ID, keys.signer(SELF_ID)?).map_err(|e| e.to_string())
}

/// Checks broadcast messages against the expected ones: same count and order,
/// equal hash-tree-roots, and every signature valid for the committee.
pub fn compare_outputs(
    keys: &KeySet,
    expected: &[SignedSsvMessage],
    got: &[SignedSsvMessage],
) -> Result<(), String> {
    if expected.len() != got.len() {
        return Err(format!(
            "expected {} broadcast messages, got {}",
            expected.len(),
            got.len()
        ));
    }
    for (i, (want, have)) in expected.iter().zip(got).enumerate() {
        verify_wire(keys, have).map_err(|e| format!("broadcast {i}: {e}"))?;
        if want.tree_hash_root() != have.tree_hash_root() {
            return Err(format!(
                "broadcast {i}: root {} != expected {}",
                hex::encode(have.tree_hash_root()),
                hex::encode(want.tree_hash_root())
            ));
        }
    }
    Ok(())
}

/// Verifies every signature of a wire message against the key set.
pub fn verify_wire(keys: &KeySet, msg: &SignedSsvMessage) -> Result<(), String> {
    for (id, sig) in msg.operator_ids.iter().zip(&msg.signatures) {
        let key = keys
            .public
            .get(id)
            .ok_or_else(|| format!("unknown signer {id}"))?;
        if !key.verify(&msg.ssv_message, sig) {
            return Err(format!("signature of operator {id} does not verify"));
        }
    }
    Ok(())
}
