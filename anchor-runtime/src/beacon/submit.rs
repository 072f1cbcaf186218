//! Beacon submissions: a runner's signed object (SSZ) as the standard Beacon
//! API call that publishes it. The JSON forms follow the Beacon API schemas:
//! integers as decimal strings, bytes as `0x` hex, bit lists and bit vectors as
//! the hex of their SSZ bytes.

use serde_json::{json, Value};
use ssv_protocol::beacon::altair::SyncCommitteeContribution;
use ssv_protocol::beacon::capella::SignedVoluntaryExit;
use ssv_protocol::beacon::consensus_data::DataVersion;
use ssv_protocol::beacon::electra;
use ssv_protocol::beacon::phase0::{Attestation, AttestationData, Checkpoint};
use ssv_protocol::beacon::signed::{
    SignedAggregateAndProof, SignedContributionAndProof, SignedElectraAggregateAndProof,
    SignedValidatorRegistration, SingleAttestation, SyncCommitteeMessage,
};
use ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE;
use ssv_protocol::runner::io::{Submission, SubmissionKind};
use ssz::{Decode, Encode};

/// Why a submission could not be turned into a call.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SubmitError {
    /// The SSZ bytes are not the object the kind and version name.
    #[error("{kind:?} ({version:?}): SSZ does not decode: {reason}")]
    Ssz {
        /// The object.
        kind: SubmissionKind,
        /// Its fork.
        version: DataVersion,
        /// The decoder's words.
        reason: String,
    },
}

/// How a submission is sent.
#[derive(Clone, Debug, PartialEq)]
pub enum SubmitBody {
    /// A JSON body.
    Json(Value),
    /// SSZ bytes (`application/octet-stream`).
    Ssz(Vec<u8>),
}

/// One Beacon API call: the path, the body and the `Eth-Consensus-Version`
/// header value where the endpoint wants one.
#[derive(Clone, Debug, PartialEq)]
pub struct SubmitCall {
    /// The API path.
    pub path: &'static str,
    /// The body.
    pub body: SubmitBody,
    /// The fork name for the `Eth-Consensus-Version` header.
    pub consensus_version: Option<&'static str>,
}

/// Fork names as the Beacon API writes them, in schedule order (the spec's
/// `<NAME>_FORK_EPOCH` keys are their upper case).
pub(crate) const FORK_NAMES: [(&str, DataVersion); 7] = [
    ("phase0", DataVersion::Phase0),
    ("altair", DataVersion::Altair),
    ("bellatrix", DataVersion::Bellatrix),
    ("capella", DataVersion::Capella),
    ("deneb", DataVersion::Deneb),
    ("electra", DataVersion::Electra),
    ("fulu", DataVersion::Fulu),
];

/// The Beacon API's name of a fork.
pub fn fork_name(v: DataVersion) -> &'static str {
    FORK_NAMES
        .iter()
        .find(|(_, d)| *d == v)
        .map_or("unknown", |(name, _)| name)
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

fn decode<T: Decode>(s: &Submission) -> Result<T, SubmitError> {
    T::from_ssz_bytes(&s.ssz).map_err(|e| SubmitError::Ssz {
        kind: s.kind,
        version: s.version,
        reason: format!("{e:?}"),
    })
}

fn checkpoint_json(c: &Checkpoint) -> Value {
    json!({"epoch": c.epoch.to_string(), "root": hex0x(&c.root)})
}

/// `AttestationData` in Beacon API JSON.
pub fn attestation_data_json(d: &AttestationData) -> Value {
    json!({
        "slot": d.slot.to_string(),
        "index": d.index.to_string(),
        "beacon_block_root": hex0x(&d.beacon_block_root),
        "source": checkpoint_json(&d.source),
        "target": checkpoint_json(&d.target),
    })
}

fn attestation_json(a: &Attestation) -> Value {
    json!({
        "aggregation_bits": hex0x(&a.aggregation_bits.as_ssz_bytes()),
        "data": attestation_data_json(&a.data),
        "signature": hex0x(&a.signature),
    })
}

fn electra_attestation_json(a: &electra::Attestation) -> Value {
    json!({
        "aggregation_bits": hex0x(&a.aggregation_bits.as_ssz_bytes()),
        "data": attestation_data_json(&a.data),
        "signature": hex0x(&a.signature),
        "committee_bits": hex0x(&a.committee_bits.as_ssz_bytes()),
    })
}

/// A contribution's JSON for a chain whose sync subcommittees have
/// `subcommittee_size` members: its bitvector is that many bits (a
/// minimal-preset chain has 8), where SSV's type holds mainnet's 128 with the
/// rest zero. Both have the same hash tree root (one chunk, zero-padded), so
/// the signatures over it hold either way.
fn contribution_json(c: &SyncCommitteeContribution, subcommittee_size: u64) -> Value {
    let mut bits = c.aggregation_bits.as_ssz_bytes();
    let keep = usize::try_from(subcommittee_size.div_ceil(8)).unwrap_or(usize::MAX);
    bits.truncate(keep.max(1));
    json!({
        "slot": c.slot.to_string(),
        "beacon_block_root": hex0x(&c.beacon_block_root),
        "subcommittee_index": c.subcommittee_index.to_string(),
        "aggregation_bits": hex0x(&bits),
        "signature": hex0x(&c.signature),
    })
}

/// The call that publishes `s` on a mainnet-preset chain.
pub fn submission_call(s: &Submission) -> Result<SubmitCall, SubmitError> {
    submission_call_on(s, SYNC_SUBCOMMITTEE_SIZE)
}

/// The call that publishes `s` on a chain whose sync subcommittees have
/// `sync_subcommittee_size` members (`SYNC_COMMITTEE_SIZE /
/// SYNC_COMMITTEE_SUBNET_COUNT` of its spec).
pub fn submission_call_on(
    s: &Submission,
    sync_subcommittee_size: u64,
) -> Result<SubmitCall, SubmitError> {
    let electra = s.version >= DataVersion::Electra;
    let versioned = Some(fork_name(s.version));
    let json_call = |path, body| SubmitCall {
        path,
        body: SubmitBody::Json(body),
        consensus_version: None,
    };
    Ok(match s.kind {
        SubmissionKind::Attestation if electra => {
            let a: SingleAttestation = decode(s)?;
            SubmitCall {
                path: "/eth/v2/beacon/pool/attestations",
                body: SubmitBody::Json(json!([{
                    "committee_index": a.committee_index.to_string(),
                    "attester_index": a.attester_index.to_string(),
                    "data": attestation_data_json(&a.data),
                    "signature": hex0x(&a.signature),
                }])),
                consensus_version: versioned,
            }
        }
        SubmissionKind::Attestation => {
            let a: Attestation = decode(s)?;
            json_call(
                "/eth/v1/beacon/pool/attestations",
                json!([attestation_json(&a)]),
            )
        }
        SubmissionKind::SyncCommitteeMessage => {
            let m: SyncCommitteeMessage = decode(s)?;
            json_call(
                "/eth/v1/beacon/pool/sync_committees",
                json!([{
                    "slot": m.slot.to_string(),
                    "beacon_block_root": hex0x(&m.beacon_block_root),
                    "validator_index": m.validator_index.to_string(),
                    "signature": hex0x(&m.signature),
                }]),
            )
        }
        SubmissionKind::AggregateAndProof if electra => {
            let a: SignedElectraAggregateAndProof = decode(s)?;
            SubmitCall {
                path: "/eth/v2/validator/aggregate_and_proofs",
                body: SubmitBody::Json(json!([{
                    "message": {
                        "aggregator_index": a.message.aggregator_index.to_string(),
                        "aggregate": electra_attestation_json(&a.message.aggregate),
                        "selection_proof": hex0x(&a.message.selection_proof),
                    },
                    "signature": hex0x(&a.signature),
                }])),
                consensus_version: versioned,
            }
        }
        SubmissionKind::AggregateAndProof => {
            let a: SignedAggregateAndProof = decode(s)?;
            json_call(
                "/eth/v1/validator/aggregate_and_proofs",
                json!([{
                    "message": {
                        "aggregator_index": a.message.aggregator_index.to_string(),
                        "aggregate": attestation_json(&a.message.aggregate),
                        "selection_proof": hex0x(&a.message.selection_proof),
                    },
                    "signature": hex0x(&a.signature),
                }]),
            )
        }
        SubmissionKind::ContributionAndProof => {
            let c: SignedContributionAndProof = decode(s)?;
            json_call(
                "/eth/v1/validator/contribution_and_proofs",
                json!([{
                    "message": {
                        "aggregator_index": c.message.aggregator_index.to_string(),
                        "contribution": contribution_json(&c.message.contribution, sync_subcommittee_size),
                        "selection_proof": hex0x(&c.message.selection_proof),
                    },
                    "signature": hex0x(&c.signature),
                }]),
            )
        }
        SubmissionKind::ValidatorRegistration => {
            let r: SignedValidatorRegistration = decode(s)?;
            json_call(
                "/eth/v1/validator/register_validator",
                json!([{
                    "message": {
                        "fee_recipient": hex0x(&r.message.fee_recipient),
                        "gas_limit": r.message.gas_limit.to_string(),
                        "timestamp": r.message.timestamp.to_string(),
                        "pubkey": hex0x(&r.message.pubkey),
                    },
                    "signature": hex0x(&r.signature),
                }]),
            )
        }
        SubmissionKind::VoluntaryExit => {
            let e: SignedVoluntaryExit = decode(s)?;
            json_call(
                "/eth/v1/beacon/pool/voluntary_exits",
                json!({
                    "message": {
                        "epoch": e.message.epoch.to_string(),
                        "validator_index": e.message.validator_index.to_string(),
                    },
                    "signature": hex0x(&e.signature),
                }),
            )
        }
        // Blocks go as SSZ: every beacon node takes SSZ block publication and
        // the JSON form differs per fork. The runner already built the signed
        // block (or blinded block) bytes.
        SubmissionKind::Block => SubmitCall {
            path: "/eth/v1/beacon/blocks",
            body: SubmitBody::Ssz(s.ssz.clone()),
            consensus_version: versioned,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssv_protocol::beacon::signed::{fixed, root};
    use ssz_types::typenum::U2048;
    use ssz_types::BitList;

    fn submission(kind: SubmissionKind, ssz: Vec<u8>) -> Submission {
        Submission {
            kind,
            version: DataVersion::Altair,
            validator_index: 6,
            root: [0; 32],
            ssz,
        }
    }

    fn data() -> AttestationData {
        AttestationData {
            slot: 17,
            index: 0,
            beacon_block_root: root(&[7u8; 32]),
            source: Checkpoint {
                epoch: 1,
                root: root(&[1u8; 32]),
            },
            target: Checkpoint {
                epoch: 2,
                root: root(&[2u8; 32]),
            },
        }
    }

    #[test]
    fn phase0_attestation_is_the_api_json_with_the_bitlist_bytes() {
        let mut bits = BitList::<U2048>::with_capacity(3).unwrap();
        bits.set(1, true).unwrap();
        let att = Attestation {
            aggregation_bits: bits,
            data: data(),
            signature: fixed(&[9u8; 96]),
        };
        let s = submission(SubmissionKind::Attestation, att.as_ssz_bytes());
        let call = submission_call(&s).unwrap();
        assert_eq!(call.path, "/eth/v1/beacon/pool/attestations");
        let SubmitBody::Json(v) = call.body else {
            panic!("json body expected")
        };
        // Bit 1 of a 3-bit list: 0b010, plus the length bit at 3: 0b1010.
        assert_eq!(v[0]["aggregation_bits"], "0x0a");
        assert_eq!(v[0]["data"]["slot"], "17");
        assert_eq!(v[0]["data"]["target"]["epoch"], "2");
        assert_eq!(v[0]["signature"], hex0x(&[9u8; 96]));
    }

    #[test]
    fn sync_message_goes_to_the_sync_pool() {
        let m = SyncCommitteeMessage {
            slot: 21,
            beacon_block_root: root(&[3u8; 32]),
            validator_index: 7,
            signature: fixed(&[5u8; 96]),
        };
        let s = submission(SubmissionKind::SyncCommitteeMessage, m.as_ssz_bytes());
        let call = submission_call(&s).unwrap();
        assert_eq!(call.path, "/eth/v1/beacon/pool/sync_committees");
        let SubmitBody::Json(v) = call.body else {
            panic!("json body expected")
        };
        assert_eq!(v[0]["validator_index"], "7");
        assert_eq!(v[0]["beacon_block_root"], hex0x(&[3u8; 32]));
    }

    #[test]
    fn bytes_that_are_not_the_object_are_an_error() {
        let s = submission(SubmissionKind::SyncCommitteeMessage, vec![1, 2, 3]);
        assert!(matches!(submission_call(&s), Err(SubmitError::Ssz { .. })));
    }
}
