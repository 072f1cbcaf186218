//! Duty fetches and head events, read from the Beacon API's JSON into the
//! scheduler's types.

use serde_json::Value;
use ssv_protocol::scheduler::{
    AttesterDuty, DutiesRequest, DutiesResponse, HeadEvent, ProposerDuty, SyncDuty,
};

use crate::json_path::{bytes, data_array, uint, uints, JsonError};

/// The method, path and body of a duty fetch.
pub fn duties_call(req: &DutiesRequest) -> (reqwest::Method, String, Option<Value>) {
    let quoted = |ids: &[u64]| Value::from(ids.iter().map(|i| i.to_string()).collect::<Vec<_>>());
    match req {
        DutiesRequest::Attester { epoch, indices } => (
            reqwest::Method::POST,
            format!("/eth/v1/validator/duties/attester/{epoch}"),
            Some(quoted(indices)),
        ),
        DutiesRequest::Proposer { epoch } => (
            reqwest::Method::GET,
            format!("/eth/v1/validator/duties/proposer/{epoch}"),
            None,
        ),
        DutiesRequest::Sync { epoch, indices } => (
            reqwest::Method::POST,
            format!("/eth/v1/validator/duties/sync/{epoch}"),
            Some(quoted(indices)),
        ),
    }
}

/// Reads a duty fetch's answer.
pub fn parse_duties(req: &DutiesRequest, body: &Value) -> Result<DutiesResponse, JsonError> {
    let items = data_array(body)?;
    Ok(match req {
        DutiesRequest::Attester { .. } => DutiesResponse::Attester {
            dependent_root: bytes(body, &["dependent_root"])?,
            duties: items
                .iter()
                .map(|d| {
                    Ok(AttesterDuty {
                        validator_index: uint(d, &["validator_index"])?,
                        slot: uint(d, &["slot"])?,
                        committee_index: uint(d, &["committee_index"])?,
                        committee_length: uint(d, &["committee_length"])?,
                        committees_at_slot: uint(d, &["committees_at_slot"])?,
                        validator_committee_index: uint(d, &["validator_committee_index"])?,
                    })
                })
                .collect::<Result<_, JsonError>>()?,
        },
        DutiesRequest::Proposer { .. } => DutiesResponse::Proposer {
            dependent_root: bytes(body, &["dependent_root"])?,
            duties: items
                .iter()
                .map(|d| {
                    Ok(ProposerDuty {
                        validator_index: uint(d, &["validator_index"])?,
                        slot: uint(d, &["slot"])?,
                    })
                })
                .collect::<Result<_, JsonError>>()?,
        },
        DutiesRequest::Sync { .. } => DutiesResponse::Sync {
            duties: items
                .iter()
                .map(|d| {
                    Ok(SyncDuty {
                        validator_index: uint(d, &["validator_index"])?,
                        validator_sync_committee_indices: uints(
                            d,
                            &["validator_sync_committee_indices"],
                        )?,
                    })
                })
                .collect::<Result<_, JsonError>>()?,
        },
    })
}

/// Reads the data of a `head` server-sent event.
pub fn parse_head(data: &Value) -> Result<HeadEvent, JsonError> {
    Ok(HeadEvent {
        slot: uint(data, &["slot"])?,
        block_root: bytes(data, &["block"])?,
        previous_duty_dependent_root: bytes(data, &["previous_duty_dependent_root"])?,
        current_duty_dependent_root: bytes(data, &["current_duty_dependent_root"])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_standard_shapes() {
        let req = DutiesRequest::Attester {
            epoch: 3,
            indices: vec![6, 7],
        };
        let (method, path, body) = duties_call(&req);
        assert_eq!(
            (method, path.as_str()),
            (reqwest::Method::POST, "/eth/v1/validator/duties/attester/3")
        );
        assert_eq!(body, Some(json!(["6", "7"])));
        let root = format!("0x{}", "ab".repeat(32));
        let answer = json!({"dependent_root": root, "execution_optimistic": false, "data": [{
            "pubkey": format!("0x{}", "11".repeat(48)), "validator_index": "6", "committee_index": "1",
            "committee_length": "4", "committees_at_slot": "2", "validator_committee_index": "3", "slot": "25"}]});
        let DutiesResponse::Attester {
            dependent_root,
            duties,
        } = parse_duties(&req, &answer).unwrap()
        else {
            panic!("attester")
        };
        assert_eq!(dependent_root, [0xab; 32]);
        assert_eq!(duties[0].slot, 25);
        assert_eq!(duties[0].validator_committee_index, 3);
        let bad = json!({"dependent_root": "0x12", "data": []});
        assert!(parse_duties(&req, &bad).is_err());
        let sync = DutiesRequest::Sync {
            epoch: 0,
            indices: vec![6],
        };
        let answer = json!({"data": [{"pubkey": "0x", "validator_index": "6", "validator_sync_committee_indices": ["1", "9"]}]});
        let DutiesResponse::Sync { duties } = parse_duties(&sync, &answer).unwrap() else {
            panic!("sync")
        };
        assert_eq!(duties[0].validator_sync_committee_indices, vec![1, 9]);
        let head = json!({"slot": "10", "block": root, "state": root, "epoch_transition": false,
            "previous_duty_dependent_root": root, "current_duty_dependent_root": root, "execution_optimistic": false});
        assert_eq!(parse_head(&head).unwrap().slot, 10);
    }
}
