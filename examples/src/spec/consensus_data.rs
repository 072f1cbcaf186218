//! The `types` vectors of the consensus values: proposer data (blocks by version),
//! aggregator committee data, and the beacon attestation sizes.

use serde_json::Value;
use ssv_protocol::beacon::aggregator_data::{
    AggregatorCommitteeConsensusData, AggregatorDataError, AssignedAggregator,
};
use ssv_protocol::beacon::altair::SyncCommitteeContribution;
use ssv_protocol::beacon::capella;
use ssv_protocol::beacon::consensus_data::{DataVersion, ProposerConsensusData, ValidatorDuty};
use ssv_protocol::beacon::proposer_data::{
    block_data, validate_proposer_data, ProposalBlock, ProposerDataError,
};
use ssz::{Decode, Encode};
use tree_hash::TreeHash;

use super::codes::check;
use super::json::{b64, bytes32, field, fixed_bytes, list, uint, Shape};
use super::Verdict;

fn proposer_code(e: &ProposerDataError) -> u32 {
    match e {
        ProposerDataError::NotProposerDuty => 10,
        ProposerDataError::UnknownVersion(_) => 11,
        ProposerDataError::Undecodable => 1,
        _ => 0,
    }
}

pub(super) fn aggregator_code(e: &AggregatorDataError) -> u32 {
    use AggregatorDataError as E;
    match e {
        E::Empty => 78,
        E::CountMismatch => 71,
        E::DuplicateCommittee => 74,
        E::CommitteeNotListed => 72,
        E::UnusedCommittee => 73,
        E::BadAttestation => 84,
        E::DuplicateSubnet => 76,
        E::SubnetNotListed => 75,
        E::UnusedSubnet => 77,
        _ => 0,
    }
}

/// A list within its SSZ limit.
fn vl<T, N: ssz_types::typenum::Unsigned>(
    items: Vec<T>,
) -> Result<ssz_types::VariableList<T, N>, Shape> {
    ssz_types::VariableList::new(items).map_err(|e| format!("list over its limit: {e:?}"))
}

fn version(v: &Value) -> Result<u64, Shape> {
    let name = v.as_str().ok_or("Version is not a string")?;
    DataVersion::from_name(name)
        .map(DataVersion::to_u64)
        .ok_or_else(|| format!("unknown version {name}"))
}

fn fixed<T: Decode>(v: &Value) -> Result<T, Shape> {
    T::from_ssz_bytes(&fixed_bytes(v)?).map_err(|e| format!("{e:?}"))
}

fn duty(v: &Value) -> Result<ValidatorDuty, Shape> {
    let indices: Vec<u64> = list(
        v.get("ValidatorSyncCommitteeIndices")
            .unwrap_or(&Value::Null),
    )?
    .iter()
    .map(uint)
    .collect::<Result<_, _>>()?;
    Ok(ValidatorDuty {
        role: uint(field(v, "Type")?)?,
        pubkey: fixed(field(v, "PubKey")?)?,
        slot: uint(field(v, "Slot")?)?,
        validator_index: uint(field(v, "ValidatorIndex")?)?,
        committee_index: uint(field(v, "CommitteeIndex")?)?,
        committee_length: uint(field(v, "CommitteeLength")?)?,
        committees_at_slot: uint(field(v, "CommitteesAtSlot")?)?,
        validator_committee_index: uint(field(v, "ValidatorCommitteeIndex")?)?,
        validator_sync_committee_indices: vl(indices)?,
    })
}

/// `proposerconsensusdata.ProposerConsensusDataTest`: the value's error code.
pub fn proposer_data_validation(test: &Value) -> Result<Verdict, Shape> {
    let cd = field(test, "ConsensusData")?;
    let data = ProposerConsensusData {
        duty: duty(field(cd, "Duty")?)?,
        version: version(field(cd, "Version")?)?,
        data_ssz: vl(b64(cd.get("DataSSZ").unwrap_or(&Value::Null))?)?,
    };
    let outcome = validate_proposer_data(&data)
        .err()
        .map(|e| proposer_code(&e));
    Ok(check(uint(field(test, "ExpectedErrorCode")?)?, outcome)
        .map_or_else(Verdict::Fail, |()| Verdict::Pass))
}

/// `consensusdataproposer.ProposerSpecTest`: the block in a consensus value,
/// whether it is blinded, its root, its bytes, and the value's own root.
pub fn proposer_spec(test: &Value) -> Result<Verdict, Shape> {
    let cd_bytes = b64(field(test, "DataCd")?)?;
    let data = match ProposerConsensusData::from_ssz_bytes(&cd_bytes) {
        Ok(d) => d,
        Err(e) => {
            return Ok(Verdict::Fail(format!(
                "consensus data does not decode: {e:?}"
            )))
        }
    };
    let expected = uint(field(test, "ExpectedErrorCode")?)?;
    let block = match block_data(&data) {
        Ok(b) => b,
        Err(e) => {
            return Ok(check(expected, Some(proposer_code(&e)))
                .map_or_else(Verdict::Fail, |()| Verdict::Pass))
        }
    };
    let verdict = (|| {
        check(expected, None)?;
        let blinded = field(test, "Blinded")?
            .as_bool()
            .ok_or("Blinded is not a bool")?;
        if block.is_blinded() != blinded {
            return Err(format!(
                "blinded {}, expected {blinded}",
                block.is_blinded()
            ));
        }
        if block.block_root() != bytes32(field(test, "ExpectedBlkRoot")?)? {
            return Err(format!("block root {}", hex::encode(block.block_root())));
        }
        if let Some(want) = test.get("DataBlk").filter(|d| !d.is_null()) {
            if block.encode() != b64(want)? {
                return Err("re-encoded block differs from DataBlk".into());
            }
        }
        if data.tree_hash_root().0 != bytes32(field(test, "ExpectedCdRoot")?)? {
            return Err("consensus data root differs".into());
        }
        if data.as_ssz_bytes() != cd_bytes {
            return Err("re-encoded consensus data differs".into());
        }
        Ok(())
    })();
    Ok(verdict.map_or_else(Verdict::Fail, |()| Verdict::Pass))
}

/// `ssz.SSZSpecTest`: the withdrawals root of the Capella block in a proposer value.
pub fn withdrawals(test: &Value) -> Result<Verdict, Shape> {
    let data = ProposerConsensusData::from_ssz_bytes(&b64(field(test, "Data")?)?)
        .map_err(|e| format!("{e:?}"))?;
    let withdrawals = match block_data(&data) {
        Ok(ProposalBlock::Capella(b)) => b.body.execution_payload.withdrawals.clone(),
        Ok(other) => {
            return Ok(Verdict::Fail(format!(
                "not a full Capella block: blinded {}",
                other.is_blinded()
            )))
        }
        Err(e) => return Ok(Verdict::Fail(format!("block does not decode: {e}"))),
    };
    let root: capella::Withdrawals = withdrawals;
    Ok(
        if root.tree_hash_root().0 == bytes32(field(test, "ExpectedRoot")?)? {
            Verdict::Pass
        } else {
            Verdict::Fail("withdrawals root differs".into())
        },
    )
}

fn assigned(v: &Value) -> Result<AssignedAggregator, Shape> {
    Ok(AssignedAggregator {
        validator_index: uint(field(v, "ValidatorIndex")?)?,
        selection_proof: fixed(field(v, "SelectionProof")?)?,
        committee_index: uint(field(v, "CommitteeIndex")?)?,
    })
}

fn contribution(v: &Value) -> Result<SyncCommitteeContribution, Shape> {
    Ok(SyncCommitteeContribution {
        slot: uint(field(v, "slot")?)?,
        beacon_block_root: fixed(field(v, "beacon_block_root")?)?,
        subcommittee_index: uint(field(v, "subcommittee_index")?)?,
        aggregation_bits: fixed(field(v, "aggregation_bits")?)?,
        signature: fixed(field(v, "signature")?)?,
    })
}

/// `aggregatorcommitteeconsensusdata.AggregatorCommitteeConsensusDataTest`.
pub fn aggregator_data_validation(test: &Value) -> Result<Verdict, Shape> {
    let v = field(test, "AggCommConsensusData")?;
    let opt = |k: &str| v.get(k).unwrap_or(&Value::Null);
    let data = AggregatorCommitteeConsensusData {
        version: version(field(v, "Version")?)?,
        aggregators: vl(list(opt("Aggregators"))?
            .iter()
            .map(assigned)
            .collect::<Result<Vec<_>, _>>()?)?,
        aggregators_committee_indexes: vl(list(opt("AggregatorsCommitteeIndexes"))?
            .iter()
            .map(uint)
            .collect::<Result<Vec<_>, _>>()?)?,
        aggregated_attestations: vl(list(opt("AggregatedAttestations"))?
            .iter()
            .map(|a| b64(a).and_then(vl))
            .collect::<Result<Vec<_>, _>>()?)?,
        contributors: vl(list(opt("Contributors"))?
            .iter()
            .map(assigned)
            .collect::<Result<Vec<_>, _>>()?)?,
        sync_committee_contributions: vl(list(opt("SyncCommitteeContributions"))?
            .iter()
            .map(contribution)
            .collect::<Result<Vec<_>, _>>()?)?,
    };
    let outcome = data.validate().err().map(|e| aggregator_code(&e));
    Ok(check(uint(field(test, "ExpectedErrorCode")?)?, outcome)
        .map_or_else(Verdict::Fail, |()| Verdict::Pass))
}

/// `aggregatorcommitteeconsensusdata.EncodingTest`.
pub fn codec_aggregator_data(b: &[u8]) -> Result<(Vec<u8>, [u8; 32]), String> {
    let m = AggregatorCommitteeConsensusData::from_ssz_bytes(b).map_err(|e| format!("{e:?}"))?;
    Ok((m.as_ssz_bytes(), m.tree_hash_root().0))
}

/// The encoded length of a phase0 or Electra attestation given as JSON, and
/// whether its tagged fields are at their sizes. Aggregation bits are taken as raw
/// bytes, as the spec's encoder does (the vectors' bits carry no length bit).
pub fn attestation_size(obj: &Value, must_equal: bool) -> Result<Result<usize, String>, Shape> {
    let bits = fixed_bytes(field(obj, "aggregation_bits")?)?;
    let signature = fixed_bytes(field(obj, "signature")?)?;
    let data = field(obj, "data")?;
    let cp = |v: &Value| -> Result<ssv_protocol::beacon::phase0::Checkpoint, Shape> {
        Ok(ssv_protocol::beacon::phase0::Checkpoint {
            epoch: uint(field(v, "epoch")?)?,
            root: fixed(field(v, "root")?)?,
        })
    };
    let data = ssv_protocol::beacon::phase0::AttestationData {
        slot: uint(field(data, "slot")?)?,
        index: uint(field(data, "index")?)?,
        beacon_block_root: fixed(field(data, "beacon_block_root")?)?,
        source: cp(field(data, "source")?)?,
        target: cp(field(data, "target")?)?,
    };
    let committee_bits = obj.get("committee_bits").map(fixed_bytes).transpose()?;
    let bits_limit = if committee_bits.is_some() {
        131_072
    } else {
        2_048
    };
    let mut encoded = Vec::new();
    let fixed_len = 4 + 128 + 96 + committee_bits.as_ref().map_or(0, |_| 8);
    encoded.extend_from_slice(&(fixed_len as u32).to_le_bytes());
    encoded.extend(data.as_ssz_bytes());
    encoded.extend_from_slice(&signature);
    if let Some(cb) = &committee_bits {
        encoded.extend_from_slice(cb);
    }
    encoded.extend_from_slice(&bits);
    let mut problems = Vec::new();
    if signature.len() != 96 {
        problems.push(format!("signature is {} bytes", signature.len()));
    }
    if committee_bits.as_ref().is_some_and(|c| c.len() != 8) {
        problems.push("committee_bits is not 8 bytes".to_string());
    }
    if bits.len() > bits_limit || (must_equal && bits.len() != bits_limit) {
        problems.push(format!(
            "aggregation_bits is {} bytes, tag {bits_limit}",
            bits.len()
        ));
    }
    Ok(if problems.is_empty() {
        Ok(encoded.len())
    } else {
        Err(problems.join("; "))
    })
}
