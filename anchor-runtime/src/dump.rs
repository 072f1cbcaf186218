//! The registry as canonical JSON: every table in a fixed order, keys sorted,
//! bytes as `0x` hex. Two databases hold the same registry exactly when their
//! dumps are equal; `anchor-runtime db-dump` prints it.

use serde_json::{json, Map, Value};
use ssv_protocol::contract::ContractState;

use crate::store::{Store, StoreError, StoredSkip};

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// The registry part of a dump.
pub fn registry_json(state: &ContractState) -> Value {
    let operators: Map<String, Value> = state
        .operators
        .iter()
        .map(|(id, o)| {
            (
                id.to_string(),
                json!({"owner": o.owner.to_checksum(), "public_key": String::from_utf8_lossy(&o.public_key)}),
            )
        })
        .collect();
    let owners: Map<String, Value> = state
        .owners
        .iter()
        .map(|(a, o)| {
            (
                a.to_checksum(),
                json!({"fee_recipient": o.fee_recipient.to_checksum(), "nonce": o.nonce}),
            )
        })
        .collect();
    let validators: Map<String, Value> = state
        .validators
        .iter()
        .map(|(pk, v)| {
            (
                hex0x(pk),
                json!({
                    "owner": v.owner.to_checksum(),
                    "operators": v.operators,
                    "share_pubkeys": v.share_pubkeys.iter().map(|k| hex0x(k)).collect::<Vec<_>>(),
                    "cluster_id": hex0x(&v.cluster_id),
                    "liquidated": v.liquidated,
                    "own_share": v.own_encrypted_share.is_some(),
                    "added_block": v.added_block,
                }),
            )
        })
        .collect();
    let exits: Vec<Value> = state
        .exit_requests
        .iter()
        .map(|(pk, block)| json!({"pubkey": hex0x(pk), "block": block}))
        .collect();
    json!({
        "own_operator": state.own_operator,
        "operators": operators,
        "owners": owners,
        "validators": validators,
        "exit_requests": exits,
    })
}

fn skips_json(skips: &[StoredSkip]) -> Value {
    skips
        .iter()
        .map(|s| json!({"block": s.block, "log_index": s.log_index, "event": s.event, "reason": s.reason}))
        .collect()
}

/// The whole dump of a store: registry, skipped events, last block.
pub fn store_json(store: &Store) -> Result<Value, StoreError> {
    Ok(json!({
        "last_block": store.last_block()?,
        "registry": registry_json(&store.load_registry()?),
        "skipped_events": skips_json(&store.skipped_events()?),
    }))
}
