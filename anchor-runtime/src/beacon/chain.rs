//! What the node reads from the beacon node besides duties: the chain's spec
//! and fork schedule, attestation data, validators' indices and status; and
//! the submission of signed objects.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;
use ssv_protocol::beacon::consensus_data::DataVersion;
use ssv_protocol::beacon::phase0::{AttestationData, Checkpoint};
use ssv_protocol::beacon::signed::root;
use ssv_protocol::node::BeaconMetadata;
use ssv_protocol::runner::chain::{ChainSpec, Fork, SYNC_SUBCOMMITTEE_SIZE};
use ssv_protocol::runner::io::{FetchedBlock, Submission};

use super::client::{BeaconClient, BeaconError};
use super::submit::{submission_call_on, SubmitBody, FORK_NAMES};
use crate::json_path::{bytes, data_array, field, uint, JsonError};

/// The chain spec from `/eth/v1/config/spec` and the genesis answer: slot
/// timing, and every scheduled fork (an epoch of 2^64-1 is unscheduled).
pub fn chain_spec_from(
    spec: &Value,
    genesis_time: u64,
    genesis_validators_root: [u8; 32],
) -> Result<ChainSpec, JsonError> {
    let data = field(spec, &["data"])?;
    let mut forks = vec![Fork {
        epoch: 0,
        version: DataVersion::Phase0,
        fork_version: bytes(data, &["GENESIS_FORK_VERSION"])?,
    }];
    for (name, version) in &FORK_NAMES[1..] {
        let name = name.to_ascii_uppercase();
        let version = *version;
        let epoch_key = format!("{name}_FORK_EPOCH");
        let Ok(epoch) = uint(data, &[epoch_key.as_str()]) else {
            continue;
        };
        if epoch == u64::MAX {
            continue;
        }
        let version_key = format!("{name}_FORK_VERSION");
        let fork = Fork {
            epoch,
            version,
            fork_version: bytes(data, &[version_key.as_str()])?,
        };
        // A fork at the same epoch as the one before replaces it.
        if forks.last().is_some_and(|f| f.epoch == epoch) {
            forks.pop();
        }
        forks.push(fork);
    }
    Ok(ChainSpec {
        genesis_time,
        seconds_per_slot: uint(data, &["SECONDS_PER_SLOT"])?,
        slots_per_epoch: uint(data, &["SLOTS_PER_EPOCH"])?,
        genesis_validators_root,
        forks,
        sync_subcommittee_size: sync_subcommittee_size(spec).unwrap_or(SYNC_SUBCOMMITTEE_SIZE),
    })
}

/// `SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT` of a spec answer,
/// where both are there and the quotient fits SSV's 128-bit contribution
/// bitvector (mainnet: 128; minimal preset: 8).
pub fn sync_subcommittee_size(spec: &Value) -> Option<u64> {
    let data = field(spec, &["data"]).ok()?;
    let size = uint(data, &["SYNC_COMMITTEE_SIZE"]).ok()?;
    let subnets = uint(data, &["SYNC_COMMITTEE_SUBNET_COUNT"]).ok()?;
    let per = size.checked_div(subnets)?;
    (1..=SYNC_SUBCOMMITTEE_SIZE).contains(&per).then_some(per)
}

fn checkpoint(v: &Value, name: &str) -> Result<Checkpoint, JsonError> {
    Ok(Checkpoint {
        epoch: uint(v, &[name, "epoch"])?,
        root: root(&bytes(v, &[name, "root"])?),
    })
}

/// `AttestationData` from its Beacon API JSON.
pub fn attestation_data_from(v: &Value) -> Result<AttestationData, JsonError> {
    Ok(AttestationData {
        slot: uint(v, &["slot"])?,
        index: uint(v, &["index"])?,
        beacon_block_root: root(&bytes(v, &["beacon_block_root"])?),
        source: checkpoint(v, "source")?,
        target: checkpoint(v, "target")?,
    })
}

/// Validators' index and status from a `states/{id}/validators` answer.
pub fn validators_from(v: &Value) -> Result<BTreeMap<[u8; 48], BeaconMetadata>, JsonError> {
    let mut out = BTreeMap::new();
    for item in data_array(v)? {
        let pubkey: [u8; 48] = bytes(item, &["validator", "pubkey"])?;
        let status = field(item, &["status"])?.as_str().unwrap_or_default();
        out.insert(
            pubkey,
            BeaconMetadata {
                index: uint(item, &["index"])?,
                active: status.starts_with("active"),
            },
        );
    }
    Ok(out)
}

impl BeaconClient {
    /// The chain's spec and fork schedule.
    pub async fn chain_spec(&self) -> Result<ChainSpec, BeaconError> {
        let genesis = self.genesis().await?;
        let spec = self.call(Method::GET, "/eth/v1/config/spec", None).await?;
        let chain = chain_spec_from(&spec, genesis.time, genesis.validators_root)?;
        self.sync_subcommittee_size.store(
            chain.sync_subcommittee_size,
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok(chain)
    }

    /// The attestation data for `slot` (committee index 0: from Electra on the
    /// data is the same for every committee, and before it SSV's committee
    /// runner asks once per slot and sets each validator's index itself).
    pub async fn attestation_data(&self, slot: u64) -> Result<AttestationData, BeaconError> {
        let path = format!("/eth/v1/validator/attestation_data?slot={slot}&committee_index=0");
        let v = self.call(Method::GET, &path, None).await?;
        Ok(attestation_data_from(field(&v, &["data"])?)?)
    }

    /// Index and status of these validators at the head, 64 per request.
    pub async fn validators(
        &self,
        pubkeys: &[[u8; 48]],
    ) -> Result<BTreeMap<[u8; 48], BeaconMetadata>, BeaconError> {
        let mut out = BTreeMap::new();
        for chunk in pubkeys.chunks(64) {
            // Repeated `id=` parameters: a comma list is not read by every
            // beacon node.
            let query: Vec<String> = chunk
                .iter()
                .map(|k| format!("id=0x{}", hex::encode(k)))
                .collect();
            let path = format!("/eth/v1/beacon/states/head/validators?{}", query.join("&"));
            let v = self.call(Method::GET, &path, None).await?;
            out.extend(validators_from(&v)?);
        }
        Ok(out)
    }

    /// A block to propose (`/eth/v3/validator/blocks`, in SSZ), full or
    /// blinded as the beacon node chose.
    pub async fn block(
        &self,
        slot: u64,
        randao_reveal: &[u8; 96],
        graffiti: &[u8; 32],
    ) -> Result<FetchedBlock, BeaconError> {
        let path = format!(
            "/eth/v3/validator/blocks/{slot}?randao_reveal=0x{}&graffiti=0x{}",
            hex::encode(randao_reveal),
            hex::encode(graffiti)
        );
        let (ssz, headers) = self.get_ssz(&path).await?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_ascii_lowercase)
        };
        let version = header("eth-consensus-version")
            .and_then(|v| FORK_NAMES.iter().find(|(n, _)| *n == v).map(|(_, d)| *d))
            .ok_or_else(|| JsonError("block: no known Eth-Consensus-Version header".into()))?;
        Ok(FetchedBlock {
            version,
            blinded: header("eth-execution-payload-blinded").is_some_and(|v| v == "true"),
            ssz,
        })
    }

    /// Publishes a signed object.
    pub async fn submit(&self, s: &Submission) -> Result<(), String> {
        let size = self
            .sync_subcommittee_size
            .load(std::sync::atomic::Ordering::Relaxed);
        let call = submission_call_on(s, size).map_err(|e| e.to_string())?;
        match call.body {
            SubmitBody::Json(body) => self
                .send(
                    Method::POST,
                    call.path,
                    Some(&body),
                    None,
                    call.consensus_version,
                )
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            SubmitBody::Ssz(bytes) => self
                .send(
                    Method::POST,
                    call.path,
                    None,
                    Some(bytes),
                    call.consensus_version,
                )
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fork_schedule_skips_unscheduled_forks_and_merges_same_epoch() {
        let spec = json!({"data": {
            "SECONDS_PER_SLOT": "2", "SLOTS_PER_EPOCH": "8",
            "GENESIS_FORK_VERSION": "0x00000001",
            "ALTAIR_FORK_EPOCH": "0", "ALTAIR_FORK_VERSION": "0x01000001",
            "BELLATRIX_FORK_EPOCH": "18446744073709551615", "BELLATRIX_FORK_VERSION": "0x02000001",
        }});
        let c = chain_spec_from(&spec, 100, [1; 32]).unwrap();
        assert_eq!(c.seconds_per_slot, 2);
        assert_eq!(c.forks.len(), 1);
        assert_eq!(c.forks[0].version, DataVersion::Altair);
        assert_eq!(c.forks[0].fork_version, [1, 0, 0, 1]);
    }

    #[test]
    fn sync_subcommittee_size_of_each_preset() {
        let spec = |size: &str, subnets: &str| json!({"data": {"SYNC_COMMITTEE_SIZE": size, "SYNC_COMMITTEE_SUBNET_COUNT": subnets}});
        assert_eq!(sync_subcommittee_size(&spec("512", "4")), Some(128));
        assert_eq!(sync_subcommittee_size(&spec("32", "4")), Some(8));
        // Zero subnets, or more than SSV's 128 bits: not taken.
        assert_eq!(sync_subcommittee_size(&spec("32", "0")), None);
        assert_eq!(sync_subcommittee_size(&spec("1024", "4")), None);
        assert_eq!(sync_subcommittee_size(&json!({"data": {}})), None);
    }

    #[test]
    fn validator_status_and_index() {
        let pk = format!("0x{}", hex::encode([3u8; 48]));
        let v = json!({"data": [{"index": "6", "status": "active_ongoing",
            "validator": {"pubkey": pk}}]});
        let m = validators_from(&v).unwrap();
        assert_eq!(m[&[3u8; 48]].index, 6);
        assert!(m[&[3u8; 48]].active);
    }
}
