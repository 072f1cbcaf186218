//! Field-by-field comparison of a runner with the spec's saved post-states
//! (`state_comparison/…/<case>.json`: a `{"BaseRunner": …}` runner, or a bare
//! runner `State`). The spec compares sha256 of Go's JSON of the whole runner,
//! which we cannot reproduce; we compare every field our runner has instead.
//!
//! Compared:
//! - `BaseRunner.RunnerRoleType`: the runner's role.
//! - `BaseRunner.Share`: the share map, every field of every share.
//! - `BaseRunner.QBFTController`: `null` exactly for the roles without consensus;
//!   `Identifier` (our message ID); `Height`; `CommitteeMember.OperatorID` and its
//!   operator IDs (our instance config); `StoredInstances`, matched by height:
//!   the same heights, and for each its `StartValue`, `forceStop` and every
//!   `State` field that [`compare_state`] compares.
//! - `BaseRunner.State` (or the bare `State`): `null` exactly when no duty ran;
//!   the duty (`ValidatorDuty` / `CommitteeDuty` / `AggregatorCommitteeDuty`, all
//!   fields); both partial-signature containers (`Quorum`, and every validator,
//!   signing root, signer and signature); `RunningInstance` (`null` exactly when
//!   our duty has no instance, else compared as a stored instance); `DecidedValue`;
//!   `Finished`.
//!
//! Not compared:
//! - `BeaconNetwork`: always `"now_test_network"`; our chain parameters are the
//!   harness's, not runner state.
//! - The order of `StoredInstances`: Go keeps them newest-first by insertion, our
//!   controller highest-height-first; heights are unique, so matching by height
//!   loses nothing else.
//! - `CommitteeMember` operator public keys, `CommitteeID`, `FaultyNodes` and
//!   `DomainType` (the controller's and each instance's): the fixed test committee
//!   the harness configures; the operator IDs are compared.
//! - The Go-JSON sha256 root itself (`PostDutyRunnerStateRoot`).

use qbft_core::Instance;
use serde_json::Value;
use ssv_protocol::consensus::SsvQbft;
use ssv_protocol::duty::partial_sigs::PartialSigContainer;
use ssv_protocol::runner::{DutyView, RunnerView};
use ssv_protocol::wire::Role;

use super::json::{b64, b64_opt, field, list, uint, Shape};
use super::runner_json::{container, duty_in, share_map};
use super::state::{committee_ids, compare_state, parse_state};

/// A comparison's outcome: `Ok(Err(why))` names the first differing field.
pub type Compared = Result<Result<(), String>, Shape>;

fn differ(what: &str, ours: impl std::fmt::Debug, expected: impl std::fmt::Debug) -> Compared {
    Ok(Err(format!("{what}: ours {ours:?}, expected {expected:?}")))
}

/// Compares a runner with a `{"BaseRunner": …}` post-state.
pub fn compare_runner(view: &RunnerView<'_>, expected: &Value) -> Compared {
    let base = field(expected, "BaseRunner")?;
    let role = Role::from_u32(uint(field(base, "RunnerRoleType")?)? as u32);
    if view.role() != role {
        return differ("RunnerRoleType", view.role(), role);
    }
    let shares = share_map(field(base, "Share")?)?;
    if view.shares() != &shares {
        return differ(
            "Share",
            view.shares().keys().collect::<Vec<_>>(),
            shares.keys().collect::<Vec<_>>(),
        );
    }
    let controller = base.get("QBFTController").unwrap_or(&Value::Null);
    match (view.controller(), controller.is_null()) {
        (None, true) => {}
        (None, false) => return differ("QBFTController", "null", "set"),
        (Some(_), true) => return differ("QBFTController", "set", "null"),
        (Some(c), false) => {
            let id = b64(field(controller, "Identifier")?)?;
            if c.config().identifier != id {
                return differ(
                    "QBFTController.Identifier",
                    hex::encode(&c.config().identifier),
                    hex::encode(id),
                );
            }
            let height = uint(field(controller, "Height")?)?;
            if c.height() != height {
                return differ("QBFTController.Height", c.height(), height);
            }
            let member = field(controller, "CommitteeMember")?;
            let self_id = uint(field(member, "OperatorID")?)?;
            let config = &c.config().instance;
            if config.self_id != self_id {
                return differ("CommitteeMember.OperatorID", config.self_id, self_id);
            }
            let ids = committee_ids(member)?;
            if config.committee.members() != &ids[..] {
                return differ("CommitteeMember.Committee", config.committee.members(), ids);
            }
            let stored = list(field(controller, "StoredInstances")?)?;
            let mut want: Vec<u64> = stored
                .iter()
                .map(|i| uint(field(field(i, "State")?, "Height")?))
                .collect::<Result<_, _>>()?;
            let mut have: Vec<u64> = c.instances().iter().map(Instance::height).collect();
            want.sort_unstable();
            have.sort_unstable();
            if want != have {
                return differ("StoredInstances heights", have, want);
            }
            for i in stored {
                let h = uint(field(field(i, "State")?, "Height")?)?;
                let Some(ours) = c.instance(h) else {
                    return differ("StoredInstances", "missing", h);
                };
                if let Err(why) = compare_instance(ours, i)? {
                    return Ok(Err(format!("StoredInstances[height {h}]: {why}")));
                }
            }
        }
    }
    compare_duty_state(view.duty_state(), field(base, "State")?)
}

/// Compares an instance with its JSON (`{State, StartValue, forceStop?}`).
fn compare_instance(ours: &Instance<SsvQbft>, expected: &Value) -> Compared {
    let start = b64_opt(field(expected, "StartValue")?)?;
    if ours.start_value().map(|v| v.to_vec()) != start {
        return differ(
            "StartValue",
            ours.start_value().map(|v| hex::encode(&v[..])),
            start.map(hex::encode),
        );
    }
    let stopped = expected
        .get("forceStop")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if ours.is_stopped() != stopped {
        return differ("forceStop", ours.is_stopped(), stopped);
    }
    Ok(compare_state(
        ours.state(),
        &parse_state(field(expected, "State")?)?,
    ))
}

/// The entries of a container as sortable tuples.
fn entries(c: &PartialSigContainer) -> Vec<(u64, [u8; 32], u64, Vec<u8>)> {
    c.entries()
        .map(|(v, r, s, sig)| (v, *r, s, sig.to_vec()))
        .collect()
}

fn compare_container(name: &str, ours: &PartialSigContainer, expected: &Value) -> Compared {
    let quorum = uint(field(expected, "Quorum")?)?;
    if ours.quorum() as u64 != quorum {
        return differ(&format!("{name}.Quorum"), ours.quorum(), quorum);
    }
    let mut want: Vec<(u64, [u8; 32], u64, Vec<u8>)> = container(expected)?
        .into_iter()
        .map(|p| {
            (
                p.validator_index,
                p.signing_root,
                p.signer,
                p.signature.to_vec(),
            )
        })
        .collect();
    want.sort();
    let have = entries(ours);
    if have != want {
        let brief = |l: &[(u64, [u8; 32], u64, Vec<u8>)]| -> Vec<String> {
            l.iter()
                .map(|(v, r, s, _)| format!("{v}/{}/{s}", hex::encode(&r[..4])))
                .collect()
        };
        return differ(&format!("{name}.Signatures"), brief(&have), brief(&want));
    }
    Ok(Ok(()))
}

/// Compares a duty's state with a runner `State` JSON (or `null`).
pub fn compare_duty_state(ours: Option<DutyView<'_>>, expected: &Value) -> Compared {
    let ours = match (ours, expected.is_null()) {
        (None, true) => return Ok(Ok(())),
        (None, false) => return differ("State", "null", "set"),
        (Some(_), true) => return differ("State", "set", "null"),
        (Some(s), false) => s,
    };
    let duty = duty_in(expected)?.ok_or("state without a duty")?;
    if ours.duty() != &duty {
        return differ("State duty", ours.duty(), duty);
    }
    for (name, c) in [
        ("PreConsensusContainer", ours.pre_consensus()),
        ("PostConsensusContainer", ours.post_consensus()),
    ] {
        if let Err(why) = compare_container(name, c, field(expected, name)?)? {
            return Ok(Err(why));
        }
    }
    let running = field(expected, "RunningInstance")?;
    match (ours.running_instance(), running.is_null()) {
        (None, true) if ours.instance_height().is_none() => {}
        (None, true) => return differ("RunningInstance", ours.instance_height(), "null"),
        (None, false) => return differ("RunningInstance", ours.instance_height(), "set"),
        (Some(i), true) => return differ("RunningInstance", i.height(), "null"),
        (Some(i), false) => {
            if let Err(why) = compare_instance(i, running)? {
                return Ok(Err(format!("RunningInstance: {why}")));
            }
        }
    }
    let decided = b64_opt(field(expected, "DecidedValue")?)?;
    if ours.decided_value() != decided.as_deref() {
        return differ(
            "DecidedValue",
            ours.decided_value().map(hex::encode),
            decided.as_deref().map(hex::encode),
        );
    }
    let finished = field(expected, "Finished")?.as_bool().unwrap_or(false);
    if ours.finished() != finished {
        return differ("Finished", ours.finished(), finished);
    }
    Ok(Ok(()))
}
