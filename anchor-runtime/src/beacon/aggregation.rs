//! The data aggregation duties fetch (the runners' `Request::Aggregation`):
//! the aggregate attestation of each asked committee, found by the root of the
//! committee's attestation data (`/eth/v2/validator/aggregate_attestation` with
//! the committee index from Electra on, `/eth/v1/...` before), and the sync
//! committee contribution of each asked subnet for the slot's block root
//! (`/eth/v1/validator/sync_committee_contribution`). Answers are read from the
//! Beacon API's JSON into the SSZ containers the runners decode.

use reqwest::Method;
use serde_json::Value;
use ssv_protocol::beacon::altair::SyncCommitteeContribution;
use ssv_protocol::beacon::consensus_data::DataVersion;
use ssv_protocol::beacon::signed::{bls_signature, root};
use ssv_protocol::beacon::{electra, phase0};
use ssv_protocol::runner::io::{AggregationNeeds, Response};
use ssz::Encode;
use tree_hash::TreeHash;

use super::chain::attestation_data_from;
use super::client::{BeaconClient, BeaconError};
use crate::json_path::{bytes, field, hex_vec, uint, JsonError};

fn bits_error(what: &str) -> JsonError {
    JsonError(format!("{what} is not a valid bitfield"))
}

/// A phase0 `Attestation` from its Beacon API JSON.
pub fn attestation_from(v: &Value) -> Result<phase0::Attestation, JsonError> {
    Ok(phase0::Attestation {
        aggregation_bits: ssz_types::BitList::from_bytes(hex_vec(v, &["aggregation_bits"])?.into())
            .map_err(|_| bits_error("aggregation_bits"))?,
        data: attestation_data_from(field(v, &["data"])?)?,
        signature: bls_signature(&bytes(v, &["signature"])?),
    })
}

/// An Electra `Attestation` from its Beacon API JSON.
pub fn electra_attestation_from(v: &Value) -> Result<electra::Attestation, JsonError> {
    Ok(electra::Attestation {
        aggregation_bits: ssz_types::BitList::from_bytes(hex_vec(v, &["aggregation_bits"])?.into())
            .map_err(|_| bits_error("aggregation_bits"))?,
        data: attestation_data_from(field(v, &["data"])?)?,
        signature: bls_signature(&bytes(v, &["signature"])?),
        committee_bits: ssz_types::BitVector::from_bytes(hex_vec(v, &["committee_bits"])?.into())
            .map_err(|_| bits_error("committee_bits"))?,
    })
}

/// A contribution's bitvector as SSV's type holds it: mainnet's 128 bits. A
/// chain of a smaller preset (a minimal-preset devnet has 8-member
/// subcommittees) sends fewer; they are the first bits, the rest zero (the
/// hash tree root is the same, and submission cuts them back).
fn sync_bits(mut bytes: Vec<u8>) -> Result<Vec<u8>, JsonError> {
    if bytes.is_empty() || bytes.len() > 16 {
        return Err(bits_error("aggregation_bits"));
    }
    bytes.resize(16, 0);
    Ok(bytes)
}

/// A `SyncCommitteeContribution` from its Beacon API JSON.
pub fn contribution_from(v: &Value) -> Result<SyncCommitteeContribution, JsonError> {
    Ok(SyncCommitteeContribution {
        slot: uint(v, &["slot"])?,
        beacon_block_root: root(&bytes(v, &["beacon_block_root"])?),
        subcommittee_index: uint(v, &["subcommittee_index"])?,
        aggregation_bits: ssz_types::BitVector::from_bytes(
            sync_bits(hex_vec(v, &["aggregation_bits"])?)?.into(),
        )
        .map_err(|_| bits_error("aggregation_bits"))?,
        signature: bls_signature(&bytes(v, &["signature"])?),
    })
}

impl BeaconClient {
    /// The aggregate attestation of `committee_index` at `slot`, as SSZ in the
    /// form of `version` (Electra's from Electra on).
    async fn aggregate(
        &self,
        slot: u64,
        committee_index: u64,
        version: DataVersion,
    ) -> Result<Vec<u8>, BeaconError> {
        let path = format!(
            "/eth/v1/validator/attestation_data?slot={slot}&committee_index={committee_index}"
        );
        let v = self.call(Method::GET, &path, None).await?;
        let data = attestation_data_from(field(&v, &["data"])?)?;
        let data_root = hex::encode(data.tree_hash_root().0);
        if version >= DataVersion::Electra {
            let path = format!(
                "/eth/v2/validator/aggregate_attestation?attestation_data_root=0x{data_root}\
                 &slot={slot}&committee_index={committee_index}"
            );
            let v = self.call(Method::GET, &path, None).await?;
            Ok(electra_attestation_from(field(&v, &["data"])?)?.as_ssz_bytes())
        } else {
            let path = format!(
                "/eth/v1/validator/aggregate_attestation?attestation_data_root=0x{data_root}\
                 &slot={slot}"
            );
            let v = self.call(Method::GET, &path, None).await?;
            Ok(attestation_from(field(&v, &["data"])?)?.as_ssz_bytes())
        }
    }

    /// The sync-committee contribution of `subnet` at `slot` for `block_root`.
    async fn contribution(
        &self,
        slot: u64,
        subnet: u64,
        block_root: &[u8; 32],
    ) -> Result<SyncCommitteeContribution, BeaconError> {
        let path = format!(
            "/eth/v1/validator/sync_committee_contribution?slot={slot}\
             &subcommittee_index={subnet}&beacon_block_root=0x{}",
            hex::encode(block_root)
        );
        let v = self.call(Method::GET, &path, None).await?;
        Ok(contribution_from(field(&v, &["data"])?)?)
    }

    /// Answers a runner's `Request::Aggregation`: the aggregates of the asked
    /// committees (in the form of `version`) and the contributions of the
    /// asked subnets for the block root of the slot.
    pub async fn aggregation(
        &self,
        needs: &AggregationNeeds,
        version: DataVersion,
    ) -> Result<Response, BeaconError> {
        let mut attestations = Vec::new();
        for c in &needs.committee_indexes {
            attestations.push((*c, self.aggregate(needs.slot, *c, version).await?));
        }
        let mut contributions = Vec::new();
        if !needs.sync_subnets.is_empty() {
            let path = format!("/eth/v1/beacon/blocks/{}/root", needs.slot);
            let v = self.call(Method::GET, &path, None).await?;
            let block_root: [u8; 32] = bytes(&v, &["data", "root"])?;
            for s in &needs.sync_subnets {
                contributions.push(self.contribution(needs.slot, *s, &block_root).await?);
            }
        }
        Ok(Response::Aggregation {
            attestations,
            contributions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_api_forms() {
        let data = json!({
            "slot": "9", "index": "2",
            "beacon_block_root": format!("0x{}", "11".repeat(32)),
            "source": {"epoch": "0", "root": format!("0x{}", "22".repeat(32))},
            "target": {"epoch": "1", "root": format!("0x{}", "33".repeat(32))},
        });
        let sig = format!("0x{}", "44".repeat(96));
        let a = attestation_from(&json!({
            "aggregation_bits": "0x0d", "data": data, "signature": sig,
        }))
        .unwrap();
        // 0x0d: bits 0 and 2 set, length 3 (the top set bit ends the list).
        assert_eq!(a.aggregation_bits.len(), 3);
        assert!(a.aggregation_bits.get(0).unwrap() && a.aggregation_bits.get(2).unwrap());
        assert_eq!(a.data.index, 2);
        let e = electra_attestation_from(&json!({
            "aggregation_bits": "0x0d", "data": data, "signature": sig,
            "committee_bits": "0x0400000000000000",
        }))
        .unwrap();
        assert!(e.committee_bits.get(2).unwrap());
        let c = contribution_from(&json!({
            "slot": "9", "beacon_block_root": format!("0x{}", "11".repeat(32)),
            "subcommittee_index": "3",
            "aggregation_bits": format!("0x01{}", "00".repeat(15)),
            "signature": sig,
        }))
        .unwrap();
        assert_eq!(c.subcommittee_index, 3);
        assert!(c.aggregation_bits.get(0).unwrap());
        assert!(attestation_from(&json!({
            "aggregation_bits": "0x00", "data": data, "signature": sig,
        }))
        .is_err());
    }

    /// A minimal-preset chain (8-member sync subcommittees, as Lodestar's dev
    /// chain runs) sends a contribution's bits as one byte: they are read into
    /// SSV's 128 bits, keep the hash tree root the chain signs, and are sent
    /// back as one byte. More than 16 bytes is refused.
    #[test]
    fn a_minimal_preset_contribution_keeps_its_root_and_size() {
        use crate::beacon::submit::{submission_call_on, SubmitBody};
        use ssv_protocol::beacon::signed::{ContributionAndProof, SignedContributionAndProof};
        use ssv_protocol::runner::io::{Submission, SubmissionKind};
        let sig = format!("0x{}", "44".repeat(96));
        let json = |bits: &str| {
            json!({
                "slot": "9", "beacon_block_root": format!("0x{}", "11".repeat(32)),
                "subcommittee_index": "1", "aggregation_bits": bits, "signature": sig,
            })
        };
        let small = contribution_from(&json("0x81")).unwrap();
        let full = contribution_from(&json(&format!("0x81{}", "00".repeat(15)))).unwrap();
        assert_eq!(small, full);
        assert!(small.aggregation_bits.get(0).unwrap() && small.aggregation_bits.get(7).unwrap());
        assert_eq!(small.aggregation_bits.num_set_bits(), 2);
        // The chain's own 8-bit vector hashes to the same root.
        let chain_bits =
            ssz_types::BitVector::<ssz_types::typenum::U8>::from_bytes(vec![0x81].into()).unwrap();
        assert_eq!(
            small.aggregation_bits.tree_hash_root(),
            chain_bits.tree_hash_root()
        );
        assert!(contribution_from(&json(&format!("0x{}", "01".repeat(17)))).is_err());
        assert!(contribution_from(&json("0x")).is_err());

        // Submitted on that chain, the bits are its one byte again; on
        // mainnet's preset, all sixteen.
        let signed = SignedContributionAndProof {
            message: ContributionAndProof {
                aggregator_index: 5,
                contribution: small,
                selection_proof: bls_signature(&[7u8; 96]),
            },
            signature: bls_signature(&[8u8; 96]),
        };
        let s = Submission {
            kind: SubmissionKind::ContributionAndProof,
            version: DataVersion::Altair,
            validator_index: 5,
            root: [0; 32],
            ssz: signed.as_ssz_bytes(),
        };
        let sent = |size| match submission_call_on(&s, size).unwrap().body {
            SubmitBody::Json(v) => v[0]["message"]["contribution"]["aggregation_bits"].clone(),
            SubmitBody::Ssz(_) => panic!("json body expected"),
        };
        assert_eq!(sent(8), "0x81");
        assert_eq!(sent(128), format!("0x81{}", "00".repeat(15)));
    }
}
