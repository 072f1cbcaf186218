//! The runner vectors that compare runner post-states:
//! - `newduty.MultiStartNewRunnerDutySpecTest`: a duty is started directly on a
//!   runner loaded from the case's pre-state (ssv-spec `Runner.StartNewDuty`, no
//!   committee or validator wrapper), and the case is compared on the error code,
//!   the partial-signature messages broadcast (as the spec compares them), and
//!   the runner's post-state;
//! - `synccommitteeaggregator.SyncCommitteeAggregatorProofSpecTest`: a
//!   sync-contribution duty starts on a committee, the mock beacon node selects
//!   aggregators by selection proof (`ProofRootsMap`), three operators' proofs
//!   arrive, and the runner's `State` is compared.
//!
//! The spec compares post-states as sha256 of Go's JSON, which we cannot
//! reproduce; we compare them field by field with the shipped state files (see
//! [`super::runner_state`] for the fields compared and those not).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::Value;
use ssv_protocol::beacon::consensus_data::ValidatorDuty;
use ssv_protocol::runner::duty::{AggregatorCommitteeDuty, Duty};
use ssv_protocol::runner::{CommitteeMachine, Input, ValidatorMachine};
use ssv_protocol::wire::Role;

use super::json::{field, fixed_bytes, list, uint, Shape};
use super::keys::{key_set, testing_validator_pubkey};
use super::runner_env::{setup, Answerer, TestChecks, TestSelection, DUTY_SLOT};
use super::runner_json::{duty_in, partial_sig_messages, runner, share_secrets, testing_share};
use super::runner_state::{compare_duty_state, compare_runner};
use super::runner_tests::{message_key, Machine, Run, CASES_PASSED, CASES_WITHOUT_SIGNATURE_BYTES};
use super::Verdict;

/// Runner cases whose post-state was compared field by field with the spec's
/// state file instead of by the spec's Go-JSON root (every case of these types).
pub static CASES_STATE_BY_FIELD: AtomicUsize = AtomicUsize::new(0);
/// Cases that expected a Go error string, compared only as "an error happened"
/// (our errors are typed; the strings are Go's).
pub static CASES_ERROR_STRING_UNCOMPARED: AtomicUsize = AtomicUsize::new(0);

/// The environment every case shares: the key set's committee of 4, 7, 10 or 13
/// operators with operator 1 under test, the spec's value checks and mocks.
fn env(
    test: &Value,
    file: &Path,
    selection: TestSelection,
) -> Result<(ssv_protocol::runner::Setup, Answerer), Shape> {
    let keys = key_set(test, file)?;
    let validator_pk: [u8; 48] = testing_validator_pubkey(file)?
        .try_into()
        .map_err(|_| "validator key size")?;
    let checks = TestChecks {
        marks: Arc::new(std::sync::Mutex::new(Default::default())),
        validator_pk,
    };
    let answerer = Answerer {
        secrets: share_secrets(test)?,
        blocks: Default::default(),
        unknown_keys: Default::default(),
    };
    Ok((setup(&keys, checks, selection)?, answerer))
}

/// Records a case's verdict in the shared counters and the failure list.
fn tally(name: &str, outcome: Result<Result<bool, String>, Shape>, failures: &mut Vec<String>) {
    match outcome {
        Ok(Ok(partial)) => {
            CASES_PASSED.fetch_add(1, Ordering::Relaxed);
            CASES_STATE_BY_FIELD.fetch_add(1, Ordering::Relaxed);
            if partial {
                CASES_WITHOUT_SIGNATURE_BYTES.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(Err(why)) => failures.push(format!("{name}: {why}")),
        Err(shape) => failures.push(format!("{name}: unreadable: {shape}")),
    }
}

fn verdict(failures: Vec<String>) -> Verdict {
    if failures.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail(failures.join("; "))
    }
}

/// `newduty.MultiStartNewRunnerDutySpecTest`; post-states are in `state_dir`
/// (`state_comparison/newduty_…/<file Name with _>/`), one per case name.
pub fn new_duty(test: &Value, file: &Path, state_dir: &Path) -> Result<Verdict, Shape> {
    let mut failures = Vec::new();
    for case in list(field(test, "Tests")?)? {
        let name = case.get("Name").and_then(Value::as_str).unwrap_or_default();
        let state = state_dir.join(format!("{name}.json"));
        tally(name, new_duty_case(case, test, file, &state), &mut failures);
    }
    Ok(verdict(failures))
}

fn new_duty_case(
    case: &Value,
    test: &Value,
    file: &Path,
    state_file: &Path,
) -> Result<Result<bool, String>, Shape> {
    let (setup, answerer) = env(test, file, TestSelection::default())?;
    let (role, snapshot) = runner(field(case, "Runner")?)?;
    let duty = duty_in(case)?.ok_or("case without a duty")?;
    let machine = match role {
        Role::Committee | Role::AggregatorCommittee => {
            // The loaded runner is kept at the new duty's slot, where the duty
            // starts on it (the pre-state's own duty may be older).
            let mut m = CommitteeMachine::new(setup, snapshot.shares.clone());
            m.restore_runner(role, &duty, snapshot);
            Machine::Committee(m)
        }
        _ => {
            let share = snapshot
                .shares
                .values()
                .next()
                .cloned()
                .ok_or("runner without a share")?;
            let mut m = ValidatorMachine::new(setup, share);
            m.restore_runner(role, snapshot);
            Machine::Validator(Box::new(m))
        }
    };
    let mut run = Run::new(machine, role, answerer, Vec::new());
    run.start_on_runner(duty.clone());

    let want_code = uint(field(case, "ExpectedErrorCode")?)?;
    let got_code = run.last_code.unwrap_or(0);
    if u64::from(got_code) != want_code {
        return Ok(Err(format!(
            "error code {got_code} ({:?}), expected {want_code}",
            run.last_error
        )));
    }
    let with_sigs = run.answerer.unknown_keys.is_empty();
    if let Err(why) = compare_new_duty_outputs(case, &run, with_sigs)? {
        return Ok(Err(why));
    }
    let expected: Value = super::qbft_instance::read_json(state_file)?;
    let view = run
        .machine
        .view(role, duty.slot())
        .ok_or("no runner after the start")?;
    Ok(compare_runner(&view, &expected)?
        .map(|()| !with_sigs)
        .map_err(|why| format!("post-state {why}")))
}

/// The spec's new-duty output check: only when something was broadcast, the
/// k-th partial-signature message broadcast must hold as many partial
/// signatures as the k-th expected one, with the same (validator, root, signer,
/// signature) set (the spec pairs their hash-tree-roots, which are of these four
/// fields), and there must be as many as expected. The messages' `Slot` and
/// `Type` are not compared, as in the spec (some expected slots are stale).
fn compare_new_duty_outputs(
    case: &Value,
    run: &Run,
    with_sigs: bool,
) -> Result<Result<(), String>, Shape> {
    if run.broadcast_count == 0 {
        return Ok(Ok(()));
    }
    let expected = list(field(case, "OutputMessages")?)?
        .iter()
        .map(partial_sig_messages)
        .collect::<Result<Vec<_>, _>>()?;
    for (k, got) in run.broadcast.iter().enumerate() {
        let Some(want) = expected.get(k) else {
            return Ok(Err(format!(
                "partial signature message {k} broadcast, {} expected",
                expected.len()
            )));
        };
        if got.messages.len() != want.messages.len() {
            return Ok(Err(format!(
                "partial signature message {k}: {} signatures, expected {}",
                got.messages.len(),
                want.messages.len()
            )));
        }
        if message_key(got, with_sigs).2 != message_key(want, with_sigs).2 {
            return Ok(Err(format!(
                "partial signature message {k}: roots differ: ours {:?}, expected {:?}",
                message_key(got, with_sigs).2,
                message_key(want, with_sigs).2
            )));
        }
    }
    if run.broadcast.len() != expected.len() {
        return Ok(Err(format!(
            "{} partial signature messages broadcast, expected {}",
            run.broadcast.len(),
            expected.len()
        )));
    }
    Ok(Ok(()))
}

/// The public key of the spec's committee-role duty fixtures.
const COMMITTEE_DUTY_PUBKEY: &str = "b99696418493e6f324c8f7680f4de75e97fc9bdf709b93fb21149f4267eeaabae6c89d1091657d2c54eb387d8e6e3847";

/// The spec's `TestingSyncCommitteeContributionDuty`: validator 1 contributes at
/// slot 12 for sync-committee positions 0, 129 and 257 (subnets 0, 1, 2).
fn sync_contribution_duty() -> Result<Duty, Shape> {
    let pubkey = fixed_bytes(&Value::String(COMMITTEE_DUTY_PUBKEY.into()))?;
    let duty = ValidatorDuty {
        role: 4,
        pubkey: ssz_types::FixedVector::new(pubkey).map_err(|_| "pubkey size")?,
        slot: DUTY_SLOT,
        validator_index: 1,
        committee_index: 3,
        committee_length: 128,
        committees_at_slot: 36,
        validator_committee_index: 11,
        validator_sync_committee_indices: ssz_types::VariableList::new(vec![0, 129, 257])
            .map_err(|_| "sync indices")?,
    };
    Ok(Duty::AggregatorCommittee(AggregatorCommitteeDuty {
        slot: DUTY_SLOT,
        validator_duties: vec![duty],
    }))
}

/// `synccommitteeaggregator.SyncCommitteeAggregatorProofSpecTest`, with the
/// expected `State` in `state_file`.
pub fn sync_aggregator_proof(
    test: &Value,
    file: &Path,
    state_file: &Path,
) -> Result<Verdict, Shape> {
    let name = test.get("Name").and_then(Value::as_str).unwrap_or_default();
    let mut failures = Vec::new();
    tally(
        name,
        sync_aggregator_case(test, file, state_file),
        &mut failures,
    );
    Ok(verdict(failures))
}

fn sync_aggregator_case(
    test: &Value,
    file: &Path,
    state_file: &Path,
) -> Result<Result<bool, String>, Shape> {
    let mut proofs = BTreeMap::new();
    for (proof, selected) in field(test, "ProofRootsMap")?
        .as_object()
        .ok_or("ProofRootsMap is not a map")?
    {
        let selected = selected.as_bool().ok_or("ProofRootsMap value")?;
        proofs.insert(fixed_bytes(&Value::String(proof.clone()))?, selected);
    }
    let selection = TestSelection {
        committees: Default::default(),
        sync_proofs: proofs,
    };
    let (setup, answerer) = env(test, file, selection)?;
    let shares = [(1, testing_share(test, 1)?)].into_iter().collect();
    let machine = Machine::Committee(CommitteeMachine::new(setup, shares));
    let mut run = Run::new(machine, Role::AggregatorCommittee, answerer, Vec::new());
    run.feed(Input::StartDuty(sync_contribution_duty()?));
    for m in list(field(test, "Messages")?)? {
        run.feed_message(m, None)?;
    }
    let want_error = field(test, "ExpectedError")?.as_str().unwrap_or_default();
    let got_error = run.last_code.is_some();
    if want_error.is_empty() && got_error {
        return Ok(Err(format!(
            "error {:?} (code {:?}), expected none",
            run.last_error, run.last_code
        )));
    }
    if !want_error.is_empty() {
        if !got_error {
            return Ok(Err(format!("no error, expected {want_error:?}")));
        }
        CASES_ERROR_STRING_UNCOMPARED.fetch_add(1, Ordering::Relaxed);
    }
    let expected: Value = super::qbft_instance::read_json(state_file)?;
    let view = run
        .machine
        .view(Role::AggregatorCommittee, DUTY_SLOT)
        .ok_or("no aggregator runner at the duty's slot")?;
    let partial = !run.answerer.unknown_keys.is_empty();
    Ok(compare_duty_state(view.duty_state(), &expected)?
        .map(|()| partial)
        .map_err(|why| format!("state {why}")))
}
