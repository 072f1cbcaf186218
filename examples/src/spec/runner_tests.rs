//! The runner vectors: `tests.MultiMsgProcessingSpecTest`,
//! `tests.MsgProcessingSpecTest` and the committee tests. Each case is run through
//! our [`CommitteeMachine`] or [`ValidatorMachine`] with the spec's mocks
//! answering every request, and compared on what the spec compares: the last
//! error code, the partial-signature messages broadcast, and the roots submitted
//! to the beacon node. The spec's post-state roots are Go-JSON hashes of files
//! not shipped, so post-states are not compared.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use qbft_core::Timestamp;
use serde_json::Value;
use ssv_protocol::runner::duty::Duty;
use ssv_protocol::runner::error::RunnerError;
use ssv_protocol::runner::{CommitteeMachine, Input, Output, RunnerView, ValidatorMachine};
use ssv_protocol::wire::{validate_signers, PartialSignatureMessages, Role, SsvMsgType};

use super::codes::{message_code, qbft_code};
use super::consensus_data::aggregator_code;
use super::json::{b64, field, list, signed_ssv_message, uint, Shape};
use super::keys::{key_set, testing_validator_pubkey};
use super::runner_env::{fixture_blocks, setup, Answerer, Marks, TestChecks, TestSelection};
use super::runner_json::{
    duty_in, input_duty, partial_sig_messages, runner, share_map, share_secrets,
};
use super::ssv_pieces::value_check_code;
use super::Verdict;

/// The spec code of a runner error (the outermost typed error of the spec's
/// chain), for a runner of `role`.
pub fn runner_code(e: &RunnerError, role: Role) -> u32 {
    use ssv_protocol::duty::value_check::ValueCheckError as V;
    use RunnerError as E;
    let value = |v: &V| match v {
        V::InvalidAggregatorData(a) => aggregator_code(a),
        other => value_check_code(other),
    };
    match e {
        E::Message(m) => message_code(m),
        E::InvalidSignature => 39,
        E::WrongMessageId => 28,
        E::WrongRole => 85,
        E::PartialSigSignerMismatch => 42,
        E::NoRunnerForSlot(_) => 20,
        E::NoBeaconDuties => 24,
        E::NoValidatorShares => 25,
        E::InvalidValidatorDuty(_) => 91,
        E::DutySlotMismatch => 10,
        E::WrongBeaconRole => 51,
        E::InvalidAggregatorDuty(_) => 82,
        E::DutyAlreadyPassed { .. } => 40,
        E::NoRunningDuty => 4,
        E::ConsensusFinished => 22,
        E::DecidedWrongInstance => 34,
        E::Qbft(qbft_core::Error::InvalidValue(ext)) => ext.0.downcast_ref::<V>().map_or(0, value),
        E::Qbft(q) => qbft_code(q),
        E::ValueCheck(v) => value(v),
        E::PartialSigPastSlot { .. } => 46,
        E::PartialSigFutureSlot { .. } => 47,
        E::UnknownValidatorIndex => 48,
        E::WrongRootsCount => 49,
        E::WrongSigningRoot => 41,
        E::NoDecidedValue => 43,
        E::Reconstruct(_) => 32,
        E::PostConsensusInvalidSignatures(_) => 81,
        E::NoConsensusPhase if role == Role::ValidatorRegistration => 35,
        E::NoConsensusPhase if role == Role::VoluntaryExit => 37,
        E::NoPostConsensusPhase if role == Role::ValidatorRegistration => 36,
        E::NoPostConsensusPhase if role == Role::VoluntaryExit => 38,
        E::Slashable => 33,
        _ => 0,
    }
}

/// The machine a case runs on.
pub(super) enum Machine {
    /// Committee and aggregator-committee runners.
    Committee(CommitteeMachine),
    /// Proposer, registration and exit runners.
    Validator(Box<ValidatorMachine>),
}

impl Machine {
    /// ssv-spec `Runner.StartNewDuty` on the machine's runner for the duty.
    fn start_on_runner(&mut self, duty: Duty) -> Result<(), RunnerError> {
        let now = Timestamp(0);
        match self {
            Machine::Committee(m) => m.start_on_runner(now, duty),
            Machine::Validator(m) => m.start_on_runner(now, duty),
        }
    }

    /// The runner of `role` (at `slot`, for the committee roles), read-only.
    pub(super) fn view(&self, role: Role, slot: u64) -> Option<RunnerView<'_>> {
        match self {
            Machine::Committee(m) => m.runner(role, slot),
            Machine::Validator(m) => m.runner(role),
        }
    }

    fn handle(&mut self, input: Input) -> Result<(), RunnerError> {
        let now = Timestamp(0);
        match self {
            Machine::Committee(m) => m.handle(now, input),
            Machine::Validator(m) => m.handle(now, input),
        }
    }

    fn poll(&mut self) -> Option<Output> {
        match self {
            Machine::Committee(m) => m.poll_output(),
            Machine::Validator(m) => m.poll_output(),
        }
    }
}

/// What a case produced.
pub(super) struct Run {
    /// The machine under test.
    pub(super) machine: Machine,
    /// The role whose error codes apply.
    pub(super) role: Role,
    /// The spec's mocks.
    pub(super) answerer: Answerer,
    /// The spec code of the last error.
    pub(super) last_code: Option<u32>,
    /// The last error of the machine (`None` when the last refusal was the
    /// harness's own nil-`SSVMessage` check).
    pub(super) last_error: Option<RunnerError>,
    /// The partial-signature messages broadcast, in order.
    pub(super) broadcast: Vec<PartialSignatureMessages>,
    /// Every message broadcast (consensus and partial-signature).
    pub(super) broadcast_count: usize,
    /// Roots submitted to the beacon node.
    pub(super) submitted: Vec<[u8; 32]>,
    /// Our share keys in the runner (what `DecidedSlashable` marks).
    share_keys: Vec<[u8; 48]>,
}

impl Run {
    /// A run of `machine` for `role`, with nothing fed yet.
    pub(super) fn new(
        machine: Machine,
        role: Role,
        answerer: Answerer,
        share_keys: Vec<[u8; 48]>,
    ) -> Self {
        Run {
            machine,
            role,
            answerer,
            last_code: None,
            last_error: None,
            broadcast: Vec::new(),
            broadcast_count: 0,
            submitted: Vec::new(),
            share_keys,
        }
    }

    fn record(&mut self, result: Result<(), RunnerError>) {
        if let Err(e) = result {
            self.last_code = Some(runner_code(&e, self.role));
            self.last_error = Some(e);
        }
    }

    /// Feeds an input and everything it leads to; remembers the last error.
    pub(super) fn feed(&mut self, input: Input) {
        let result = self.machine.handle(input);
        self.record(result);
        self.drain();
    }

    /// Starts `duty` directly on the machine's runner (ssv-spec
    /// `Runner.StartNewDuty`), then runs what it leads to.
    pub(super) fn start_on_runner(&mut self, duty: Duty) {
        let result = self.machine.start_on_runner(duty);
        self.record(result);
        self.drain();
    }

    /// Answers requests and collects outputs until the machine is idle.
    fn drain(&mut self) {
        while let Some(out) = self.machine.poll() {
            match out {
                Output::Request { id, request } => {
                    let response = self.answerer.answer(&request);
                    let result = self.machine.handle(Input::Response { id, response });
                    self.record(result);
                }
                Output::Broadcast { message, .. } => {
                    self.broadcast_count += 1;
                    if message.msg_type == SsvMsgType::PartialSignature {
                        if let Ok(p) = PartialSignatureMessages::decode(&message.data) {
                            self.broadcast.push(p);
                        }
                    }
                }
                Output::BroadcastSigned(_) => self.broadcast_count += 1,
                Output::Submit(s) => self.submitted.push(s.root),
                Output::Decided { .. } | Output::DutyFinished { .. } => {}
            }
        }
    }

    /// Feeds a vector message; a nil `SSVMessage` is refused as the spec's
    /// `Validate` refuses it (after the signer rules), since our type cannot hold one.
    pub(super) fn feed_message(&mut self, v: &Value, marks: Option<&Marks>) -> Result<(), Shape> {
        if field(v, "SSVMessage")?.is_null() {
            let ids = list(field(v, "OperatorIDs")?)?
                .iter()
                .map(uint)
                .collect::<Result<Vec<_>, _>>()?;
            let sigs = list(field(v, "Signatures")?)?
                .iter()
                .map(b64)
                .collect::<Result<Vec<_>, _>>()?;
            self.last_error = None;
            self.last_code = Some(match validate_signers(&ids, &sigs) {
                Err(e) => message_code(&e),
                Ok(()) => 14,
            });
            return Ok(());
        }
        let msg = signed_ssv_message(v)?;
        let proposal_height = (msg.ssv_message.msg_type == SsvMsgType::Consensus)
            .then(|| ssv_protocol::wire::QbftMessage::decode(&msg.ssv_message.data).ok())
            .flatten()
            .filter(|q| q.msg_type == 0)
            .map(|q| q.height);
        self.feed(Input::Message(Arc::new(msg)));
        // `DecidedSlashable`: after a proposal, every share is marked slashable at its height.
        if let (Some(marks), Some(h)) = (marks, proposal_height) {
            if let Ok(mut m) = marks.lock() {
                for pk in self.share_keys.iter().copied() {
                    m.insert((pk, h));
                }
            }
        }
        Ok(())
    }
}

/// Per-message comparison key: roots, signers, indexes, and the signature when
/// we could produce it.
pub(super) fn message_key(
    p: &PartialSignatureMessages,
    with_sigs: bool,
) -> (u64, u64, Vec<String>) {
    let mut items: Vec<String> = p
        .messages
        .iter()
        .map(|m| {
            let sig = if with_sigs {
                hex::encode(m.signature)
            } else {
                String::new()
            };
            format!(
                "{}:{}:{}:{sig}",
                hex::encode(m.signing_root),
                m.signer,
                m.validator_index
            )
        })
        .collect();
    items.sort();
    (p.kind.to_u64(), p.slot, items)
}

fn compare(case: &Value, run: &Run, any_order: bool) -> Result<Result<(), String>, Shape> {
    let want_code = uint(field(case, "ExpectedErrorCode")?)?;
    let got = run.last_code.unwrap_or(0);
    if u64::from(got) != want_code {
        return Ok(Err(format!("error code {got}, expected {want_code}")));
    }
    let expected = list(field(case, "OutputMessages")?)?
        .iter()
        .map(partial_sig_messages)
        .collect::<Result<Vec<_>, _>>()?;
    let with_sigs = run.answerer.unknown_keys.is_empty();
    let mut want: Vec<_> = expected.iter().map(|p| message_key(p, with_sigs)).collect();
    let mut got: Vec<_> = run
        .broadcast
        .iter()
        .map(|p| message_key(p, with_sigs))
        .collect();
    if any_order {
        want.sort();
        got.sort();
    }
    if want != got {
        return Ok(Err(format!(
            "partial signature outputs differ: expected {} messages, got {}",
            want.len(),
            got.len()
        )));
    }
    let mut want_roots: Vec<String> = list(field(case, "BeaconBroadcastedRoots")?)?
        .iter()
        .map(|r| {
            r.as_str()
                .unwrap_or_default()
                .trim_start_matches("0x")
                .to_string()
        })
        .collect();
    let mut got_roots: Vec<String> = run.submitted.iter().map(hex::encode).collect();
    want_roots.sort();
    got_roots.sort();
    if want_roots != got_roots {
        return Ok(Err(format!(
            "beacon roots differ: expected {want_roots:?}, got {got_roots:?}"
        )));
    }
    Ok(Ok(()))
}

/// One message-processing case.
fn msg_processing_case(
    case: &Value,
    test: &Value,
    file: &Path,
    blocks: &std::collections::BTreeMap<u64, Vec<u8>>,
) -> Result<Result<bool, String>, Shape> {
    let keys = key_set(test, file)?;
    let (role, snapshot) = runner(field(case, "Runner")?)?;
    let duty = duty_in(case)?.ok_or("case without a duty")?;
    let marks: Marks = Arc::new(Mutex::new(Default::default()));
    let mut aggregators = std::collections::BTreeMap::new();
    if let (Some(idx), Some(vals)) = (
        case.get("BeaconAggregators"),
        case.get("BeaconAggregatorsValues"),
    ) {
        for (i, v) in list(idx)?.iter().zip(list(vals)?) {
            aggregators.insert(uint(i)?, v.as_bool().unwrap_or(false));
        }
    }
    let validator_pk: [u8; 48] = testing_validator_pubkey(file)?
        .try_into()
        .map_err(|_| "validator key size")?;
    let checks = TestChecks {
        marks: Arc::clone(&marks),
        validator_pk,
    };
    let setup = setup(
        &keys,
        checks,
        TestSelection {
            committees: aggregators,
            sync_proofs: Default::default(),
        },
    )?;
    let dont_start = field(case, "DontStartDuty")?.as_bool().unwrap_or(false);
    let share_keys: Vec<[u8; 48]> = snapshot.shares.values().map(|s| s.share_pubkey).collect();
    let has_state =
        snapshot.duty.is_some() || snapshot.height != 0 || !snapshot.instances.is_empty();
    let machine = match role {
        Role::Committee | Role::AggregatorCommittee => {
            let mut m = CommitteeMachine::new(setup, snapshot.shares.clone());
            if dont_start {
                m.restore_runner(role, &duty, snapshot);
            }
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
            if has_state {
                m.restore_runner(role, snapshot);
            }
            Machine::Validator(Box::new(m))
        }
    };
    let answerer = Answerer {
        secrets: share_secrets(test)?,
        blocks: blocks.clone(),
        unknown_keys: Default::default(),
    };
    let mut run = Run::new(machine, role, answerer, share_keys);
    if !dont_start {
        run.feed(Input::StartDuty(duty));
    }
    let slashable = field(case, "DecidedSlashable")?.as_bool().unwrap_or(false);
    for m in list(field(case, "Messages")?)? {
        run.feed_message(m, slashable.then_some(&marks))?;
    }
    let partial = !run.answerer.unknown_keys.is_empty();
    Ok(compare(case, &run, false)?.map(|()| partial))
}

/// Proposal full data anywhere in a vector file.
fn full_data_of(test: &Value) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let cases: Vec<&Value> = match test.get("Tests").and_then(Value::as_array) {
        Some(t) => t.iter().collect(),
        None => vec![test],
    };
    for c in cases {
        for m in c
            .get("Messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(fd) = m.get("FullData").filter(|f| !f.is_null()) {
                if let Ok(b) = b64(fd) {
                    out.push(b);
                }
            }
        }
    }
    out
}

/// Runner cases passed, and of those the cases whose partial signatures for
/// validators without secret keys in the vectors (the spec's `TestingKeySetMap`
/// keys live in its Go sources) were compared without the signature bytes.
pub static CASES_PASSED: AtomicUsize = AtomicUsize::new(0);
/// See [`CASES_PASSED`].
pub static CASES_WITHOUT_SIGNATURE_BYTES: AtomicUsize = AtomicUsize::new(0);

/// `tests.MultiMsgProcessingSpecTest` and `tests.MsgProcessingSpecTest`.
pub fn msg_processing(test: &Value, file: &Path) -> Result<Verdict, Shape> {
    let blocks = fixture_blocks(
        full_data_of(test)
            .into_iter()
            .chain(proposer_fixtures(file)),
    );
    let cases: Vec<&Value> = match test.get("Tests").and_then(Value::as_array) {
        Some(t) => t.iter().collect(),
        None => vec![test],
    };
    let mut failures = Vec::new();
    for case in cases {
        let name = case.get("Name").and_then(Value::as_str).unwrap_or_default();
        match msg_processing_case(case, test, file, &blocks) {
            Ok(Ok(partial)) => {
                CASES_PASSED.fetch_add(1, Ordering::Relaxed);
                if partial {
                    CASES_WITHOUT_SIGNATURE_BYTES.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(Err(why)) => failures.push(format!("{name}: {why}")),
            Err(shape) => failures.push(format!("{name}: unreadable: {shape}")),
        }
    }
    Ok(if failures.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail(failures.join("; "))
    })
}

/// Full blocks of every version, from the proposer vectors beside `file`.
fn proposer_fixtures(file: &Path) -> Vec<Vec<u8>> {
    use std::sync::OnceLock;
    static CACHE: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CACHE
        .get_or_init(|| {
            let Some(dir) = file.parent() else {
                return Vec::new();
            };
            let path = dir.join("tests.MultiMsgProcessingSpecTest_full_happy_flow.json");
            std::fs::read_to_string(path)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .map(|v| full_data_of(&v))
                .unwrap_or_default()
        })
        .clone()
}

/// `committee.MultiCommitteeSpecTest` and `committee.CommitteeSpecTest`.
pub fn committee(test: &Value, file: &Path) -> Result<Verdict, Shape> {
    let cases: Vec<&Value> = match test.get("Tests").and_then(Value::as_array) {
        Some(t) => t.iter().collect(),
        None => vec![test],
    };
    let mut failures = Vec::new();
    for case in cases {
        let name = case.get("Name").and_then(Value::as_str).unwrap_or_default();
        match committee_case(case, test, file) {
            Ok(Ok(partial)) => {
                CASES_PASSED.fetch_add(1, Ordering::Relaxed);
                if partial {
                    CASES_WITHOUT_SIGNATURE_BYTES.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(Err(why)) => failures.push(format!("{name}: {why}")),
            Err(shape) => failures.push(format!("{name}: unreadable: {shape}")),
        }
    }
    Ok(if failures.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail(failures.join("; "))
    })
}

fn committee_case(case: &Value, test: &Value, file: &Path) -> Result<Result<bool, String>, Shape> {
    let keys = key_set(test, file)?;
    let committee = field(case, "Committee")?;
    let shares = share_map(field(committee, "Share")?)?;
    let validator_pk: [u8; 48] = testing_validator_pubkey(file)?
        .try_into()
        .map_err(|_| "validator key size")?;
    let marks: Marks = Arc::new(Mutex::new(Default::default()));
    let checks = TestChecks {
        marks,
        validator_pk,
    };
    let setup = setup(&keys, checks, TestSelection::default())?;
    let mut m = CommitteeMachine::new(setup, shares);
    for (key, role) in [
        ("CommitteeRunners", Role::Committee),
        ("AggregatorCommitteeRunners", Role::AggregatorCommittee),
    ] {
        if let Some(map) = committee.get(key).and_then(Value::as_object) {
            for r in map.values() {
                let (_, snap) = runner(r)?;
                if let Some(d) = snap.duty.as_ref().map(|d| d.duty.clone()) {
                    m.restore_runner(role, &d, snap);
                }
            }
        }
    }
    let answerer = Answerer {
        secrets: share_secrets(test)?,
        blocks: Default::default(),
        unknown_keys: Default::default(),
    };
    let mut run = Run::new(Machine::Committee(m), Role::Committee, answerer, Vec::new());
    for input in list(field(case, "Input")?)? {
        match input_duty(input)? {
            Some(duty) => {
                run.role = match duty {
                    Duty::AggregatorCommittee(_) => Role::AggregatorCommittee,
                    _ => Role::Committee,
                };
                run.feed(Input::StartDuty(duty));
            }
            None => run.feed_message(input, None)?,
        }
    }
    let partial = !run.answerer.unknown_keys.is_empty();
    Ok(compare(case, &run, true)?.map(|()| partial))
}
