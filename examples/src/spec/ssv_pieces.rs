//! The `ssv` component's vectors that test runner pieces on their own: the
//! partial-signature container, the value checks, and runner construction.

use std::collections::BTreeMap;
use std::path::Path;

use blst::min_pk::PublicKey;
use serde_json::Value;
use ssv_protocol::beacon::phase0::AttestationData;
use ssv_protocol::duty::partial_sigs::{PartialSigContainer, ReconstructError};
use ssv_protocol::duty::shares::check_runner_shares;
use ssv_protocol::duty::value_check::{self, SlashingCheck, ValueCheckError};
use ssv_protocol::wire::{Role, Share, ShareMember};

use super::codes::{check, Outcome};
use super::json::{b64, bytes32, field, fixed_bytes, list, uint, Shape};
use super::Verdict;

fn pass_or(r: Result<(), String>) -> Verdict {
    r.map_or_else(Verdict::Fail, |()| Verdict::Pass)
}

/// `partialsigcontainer.PartialSigContainerTest`.
pub fn partial_sig_container(test: &Value) -> Result<Verdict, Shape> {
    let quorum = uint(field(test, "Quorum")?)? as usize;
    let pk = PublicKey::from_bytes(&b64(field(test, "ValidatorPubKey")?)?)
        .map_err(|e| format!("{e:?}"))?;
    let mut c = PartialSigContainer::new(quorum);
    let mut roots: BTreeMap<u64, [u8; 32]> = BTreeMap::new();
    for m in list(field(test, "SignatureMsgs")?)? {
        let sig: [u8; 96] = fixed_bytes(field(m, "PartialSignature")?)?
            .try_into()
            .map_err(|_| "signature size")?;
        let root = bytes32(field(m, "SigningRoot")?)?;
        let vi = uint(field(m, "ValidatorIndex")?)?;
        c.add(vi, root, uint(field(m, "Signer")?)?, sig);
        roots.insert(vi, root);
    }
    let want_quorum = field(test, "ExpectedQuorum")?
        .as_bool()
        .ok_or("ExpectedQuorum")?;
    let want_result = b64(test.get("ExpectedResult").unwrap_or(&Value::Null))?;
    let expected = uint(field(test, "ExpectedErrorCode")?)?;
    for (vi, root) in roots {
        if c.has_quorum(vi, &root) != want_quorum {
            return Ok(Verdict::Fail(format!(
                "quorum {}, expected {want_quorum}",
                !want_quorum
            )));
        }
        let (outcome, result): (Outcome, Vec<u8>) = match c.reconstruct(vi, &root, &pk) {
            Ok(sig) => (None, sig.to_bytes().to_vec()),
            Err(ReconstructError::InvalidSignature) => (Some(32), vec![]),
            Err(_) => (Some(0), vec![]),
        };
        if let Err(e) = check(expected, outcome) {
            return Ok(Verdict::Fail(e));
        }
        if result != want_result {
            return Ok(Verdict::Fail("reconstructed signature differs".into()));
        }
    }
    Ok(Verdict::Pass)
}

/// The spec's mocked slashing protection: slashable when the attestation's slot is
/// listed for the share key.
pub(super) struct SlashableSlots(BTreeMap<Vec<u8>, Vec<u64>>);

impl SlashingCheck for SlashableSlots {
    fn attestation_slashable(&self, share_pk: &[u8], data: &AttestationData) -> bool {
        self.0
            .get(share_pk)
            .is_some_and(|slots| slots.contains(&data.slot))
    }
}

pub(super) fn value_check_code(e: &ValueCheckError) -> u32 {
    use ValueCheckError as V;
    match e {
        V::DecodeBeaconVote => 23,
        V::SourceNotLessThanTarget => 26,
        V::CheckpointMismatch => 27,
        V::SlashableAttestation => 33,
        V::DecodeProposerData => 80,
        V::InvalidProposerData(_) => 64,
        V::DutyEpochTooFarFuture => 50,
        V::WrongBeaconRole => 51,
        V::WrongValidatorPubkey => 53,
        V::WrongValidatorIndex => 52,
        V::DecodeAggregatorData => 79,
        V::InvalidAggregatorData(inner) => super::consensus_data::aggregator_code(inner),
        _ => 0,
    }
}

/// Genesis times of the networks the value-check vectors name (Unix seconds).
fn genesis_secs(network: &str) -> u64 {
    match network {
        "mainnet" => 1_606_824_023,
        "holesky" => 1_695_902_400,
        "hoodi" => 1_742_213_400,
        "sepolia" => 1_655_733_600,
        "prater" | "now_test_network" => 1_616_508_000,
        _ => 0,
    }
}

/// The spec's default share key of the value checks: share 1 of the 4-operator set.
const DEFAULT_SHARE: &str = "5f4711a796c1116b5118ec35279fb64d551d9b38813d2939954dd2df5160d3d9";

fn one_value_check(test: &Value, file: &Path) -> Result<Result<(), String>, Shape> {
    let role = Role::from_u32(uint(field(test, "RunnerRole")?)? as u32);
    let input = b64(field(test, "Input")?)?;
    let mut slashable = BTreeMap::new();
    if let Some(map) = test.get("SlashableSlots").and_then(Value::as_object) {
        for (pk, slots) in map {
            let slots = list(slots)?
                .iter()
                .map(uint)
                .collect::<Result<Vec<_>, _>>()?;
            slashable.insert(hex::decode(pk).map_err(|e| e.to_string())?, slots);
        }
    }
    let mut shares: Vec<Vec<u8>> = list(test.get("ShareValidatorsPK").unwrap_or(&Value::Null))?
        .iter()
        .map(b64)
        .collect::<Result<_, _>>()?;
    if shares.is_empty() {
        shares.push(hex::decode(DEFAULT_SHARE).map_err(|e| e.to_string())?);
    }
    let share_refs: Vec<&[u8]> = shares.iter().map(Vec::as_slice).collect();
    let result = match role {
        Role::Committee => value_check::beacon_vote(
            &input,
            uint(field(test, "DutySlot")?)?,
            &share_refs,
            uint(field(field(test, "ExpectedSource")?, "epoch")?)?,
            uint(field(field(test, "ExpectedTarget")?, "epoch")?)?,
            &SlashableSlots(slashable),
        )
        .map(|_| ()),
        Role::Proposer => {
            // The spec reads the wall clock here; our check takes the epoch as input.
            let network = field(test, "Network")?.as_str().unwrap_or_default();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| e.to_string())?
                .as_secs();
            let epoch = now.saturating_sub(genesis_secs(network)) / 12 / 32;
            let pk: [u8; 48] = super::keys::testing_validator_pubkey(file)?
                .try_into()
                .map_err(|_| "validator key size")?;
            value_check::proposer(&input, epoch, 32, &pk, 1).map(|_| ())
        }
        Role::AggregatorCommittee => value_check::aggregator_committee(&input).map(|_| ()),
        other => return Err(format!("value check for role {other:?} is not in the spec")),
    };
    let outcome = result.err().map(|e| value_check_code(&e));
    if test.get("AnyError").and_then(Value::as_bool) == Some(true) {
        return Ok(if outcome.is_some() {
            Ok(())
        } else {
            Err("expected an error".into())
        });
    }
    Ok(check(uint(field(test, "ExpectedErrorCode")?)?, outcome))
}

/// `valcheck.SpecTest`.
pub fn value_check_single(test: &Value, file: &Path) -> Result<Verdict, Shape> {
    Ok(pass_or(one_value_check(test, file)?))
}

/// `valcheck.MultiSpecTest`: every case must pass.
pub fn value_check_multi(test: &Value, file: &Path) -> Result<Verdict, Shape> {
    for case in list(field(test, "Tests")?)? {
        if let Err(e) = one_value_check(case, file)? {
            let name = case.get("Name").and_then(Value::as_str).unwrap_or_default();
            return Ok(Verdict::Fail(format!("case {name}: {e}")));
        }
    }
    Ok(Verdict::Pass)
}

pub(super) fn share(v: &Value) -> Result<Share, Shape> {
    let members = list(field(v, "Committee")?)?
        .iter()
        .map(|m| {
            Ok(ShareMember {
                share_pubkey: b64(field(m, "SharePubKey")?)?
                    .try_into()
                    .map_err(|_| "share key size")?,
                signer: uint(field(m, "Signer")?)?,
            })
        })
        .collect::<Result<Vec<_>, Shape>>()?;
    Ok(Share {
        validator_index: uint(field(v, "ValidatorIndex")?)?,
        validator_pubkey: fixed_bytes(field(v, "ValidatorPubKey")?)?
            .try_into()
            .map_err(|_| "validator key size")?,
        share_pubkey: b64(field(v, "SharePubKey")?)?
            .try_into()
            .map_err(|_| "share key size")?,
        committee: members,
        domain_type: fixed_bytes(field(v, "DomainType")?)?
            .try_into()
            .map_err(|_| "domain size")?,
        fee_recipient: fixed_bytes(field(v, "FeeRecipientAddress")?)?
            .try_into()
            .map_err(|_| "fee recipient size")?,
        graffiti: b64(field(v, "Graffiti")?)?
            .try_into()
            .map_err(|_| "graffiti size")?,
    })
}

/// `runnerconstruction.RunnerConstructionSpecTest`: which roles can be built on
/// the share map, and the error of those that cannot.
pub fn runner_construction(test: &Value) -> Result<Verdict, Shape> {
    let mut shares = BTreeMap::new();
    if let Some(map) = field(test, "Shares")?.as_object() {
        for (vi, s) in map {
            shares.insert(vi.parse::<u64>().map_err(|e| e.to_string())?, share(s)?);
        }
    }
    let roles = field(test, "RoleError")?
        .as_object()
        .ok_or("RoleError is not an object")?;
    for (role, want) in roles {
        let role = Role::from_u32(role.parse::<u32>().map_err(|e| e.to_string())?);
        let want = want.as_str().unwrap_or_default();
        let got = check_runner_shares(role, &shares);
        let ok = match (&got, want.is_empty()) {
            (Ok(()), true) => true,
            (Err(e), false) => e.to_string().contains(want),
            _ => false,
        };
        if !ok {
            return Ok(Verdict::Fail(format!(
                "{role:?}: got {got:?}, expected {want:?}"
            )));
        }
    }
    Ok(Verdict::Pass)
}
