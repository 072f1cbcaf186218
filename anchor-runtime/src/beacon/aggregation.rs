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

/// A `SyncCommitteeContribution` from its Beacon API JSON.
pub fn contribution_from(v: &Value) -> Result<SyncCommitteeContribution, JsonError> {
    Ok(SyncCommitteeContribution {
        slot: uint(v, &["slot"])?,
        beacon_block_root: root(&bytes(v, &["beacon_block_root"])?),
        subcommittee_index: uint(v, &["subcommittee_index"])?,
        aggregation_bits: ssz_types::BitVector::from_bytes(
            hex_vec(v, &["aggregation_bits"])?.into(),
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
}
