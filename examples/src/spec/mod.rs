//! The conformance runner for the reference specification's JSON test vectors
//! (ssvlabs/ssv-spec `*/spectest/generate/tests/*.json`).
//!
//! Each file's type is its name's prefix before the first `_`, within its
//! component (`qbft`, `types` or `ssv`). Every vector gives one verdict: passed,
//! failed with a reason, or skipped with a reason.

mod codes;
mod consensus_data;
pub mod duty_start_tests;
mod harness;
mod json;
mod keys;
mod qbft_controller;
mod qbft_instance;
mod qbft_messages;
mod runner_env;
mod runner_json;
mod runner_state;
pub mod runner_tests;
mod size;
mod ssv_pieces;
mod state;
mod types;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// A `SignedSSVMessage` in the vectors' JSON form.
pub fn signed_message_from_json(v: &Value) -> Result<ssv_protocol::wire::SignedSsvMessage, String> {
    json::signed_ssv_message(v)
}

/// The verdict on one vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every check the vector carries held.
    Pass,
    /// A check failed, with the reason.
    Fail(String),
    /// Not run, with the reason.
    Skip(String),
}

/// Counts over a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Vectors passed.
    pub passed: usize,
    /// Vectors failed.
    pub failed: usize,
    /// Vectors skipped.
    pub skipped: usize,
    /// The failures and skips, one line each.
    pub notes: Vec<String>,
}

impl Report {
    /// The closing line: `N passed, M failed, K skipped`.
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// The default location of the vectors, relative to the workspace root.
pub const DEFAULT_VECTORS: &str = "../shared/ssv-spec-vectors";

/// Where the vectors are: `SSV_SPEC_VECTORS`, or the default beside the
/// workspace.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("SSV_SPEC_VECTORS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(DEFAULT_VECTORS),
    }
}

/// The vector files under `path` (a file, or a folder searched recursively):
/// JSON files in a `tests` folder of a `spectest/generate` tree, sorted.
pub fn vector_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json")
                && p.parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "tests")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Runs every vector under `path`, writing one line per failure or skip to `log`.
pub fn run_path(path: &Path, log: &mut impl Write) -> std::io::Result<Report> {
    let mut report = Report::default();
    for file in vector_files(path)? {
        let verdict = run_file(&file);
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let line = match &verdict {
            Verdict::Pass => {
                report.passed += 1;
                continue;
            }
            Verdict::Fail(why) => {
                report.failed += 1;
                format!("FAIL {name}: {why}")
            }
            Verdict::Skip(why) => {
                report.skipped += 1;
                format!("SKIP {name}: {why}")
            }
        };
        writeln!(log, "{line}")?;
        report.notes.push(line);
    }
    Ok(report)
}

/// The component (`qbft`, `types`, `ssv`) a vector file belongs to: the folder
/// above `spectest`.
fn component(file: &Path) -> Option<String> {
    let parts: Vec<String> = file
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let i = parts.iter().rposition(|p| p == "spectest")?;
    parts.get(i.checked_sub(1)?).cloned()
}

/// Runs one vector file.
pub fn run_file(file: &Path) -> Verdict {
    match run_file_inner(file) {
        Ok(v) => v,
        Err(shape) => Verdict::Fail(format!("unreadable vector: {shape}")),
    }
}

fn run_file_inner(file: &Path) -> Result<Verdict, String> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or("no file name")?;
    let kind = name.split('_').next().unwrap_or_default().to_string();
    let component = component(file).unwrap_or_default();
    let test: Value = qbft_instance::read_json(file)?;
    let test_name = test
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let state_file = |prefix: &str| -> PathBuf {
        let generate = file
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        generate
            .join("state_comparison")
            .join(kind.replace('.', "_"))
            .join(format!("{prefix}{test_name}.json"))
    };
    match (component.as_str(), kind.as_str()) {
        ("qbft", "tests.MsgProcessingSpecTest") => {
            qbft_instance::msg_processing(&test, file, &state_file("qbft message processing "))
        }
        ("qbft", "timeout.SpecTest") => qbft_instance::timeout(&test, file),
        ("qbft", "tests.ControllerSpecTest") => {
            qbft_controller::controller(&test, file, &state_file("qbft controller "))
        }
        ("qbft", "tests.MsgSpecTest") => qbft_messages::msg_spec(&test, file),
        ("qbft", "tests.CreateMsgSpecTest") => qbft_messages::create_msg(&test, file),
        ("qbft", "tests.RoundRobinSpecTest") => qbft_messages::round_robin(&test),
        ("qbft", other) => Ok(Verdict::Fail(format!("unknown QBFT test type {other}"))),
        ("types", other) if types::encoding_codec(other).is_some() => {
            types::encoding(&test, types::encoding_codec(other).ok_or("no codec")?)
        }
        ("types", "signedssvmsg.SignedSSVMessageTest") => types::signed_ssv_message(&test),
        ("types", "ssvmsg.SSVMessageTest") => types::ssv_message_belongs(&test, file),
        ("types", "partialsigmessage.MsgSpecTest") => types::partial_sig_msg_spec(&test),
        ("types", "committeemember.CommitteeMemberTest") => types::committee_member(&test),
        ("types", "duty.DutySpecTest") => types::duty_role(&test),
        ("types", "encryption.EncryptionSpecTest") => types::encryption(&test),
        ("types", "beacon.DepositDataSpecTest") => types::deposit_data(&test),
        ("types", "maxmsgsize.StructureSizeTest") => size::structure_size(&test),
        ("types", "proposerconsensusdata.ProposerConsensusDataTest") => {
            consensus_data::proposer_data_validation(&test)
        }
        ("types", "consensusdataproposer.ProposerSpecTest") => consensus_data::proposer_spec(&test),
        ("types", "aggregatorcommitteeconsensusdata.AggregatorCommitteeConsensusDataTest") => {
            consensus_data::aggregator_data_validation(&test)
        }
        ("types", "aggregatorcommitteeconsensusdata.EncodingTest") => {
            types::encoding(&test, consensus_data::codec_aggregator_data)
        }
        ("types", "ssz.SSZSpecTest") => consensus_data::withdrawals(&test),
        ("types", other) => Ok(Verdict::Fail(format!("unknown types test type {other}"))),
        ("ssv", "partialsigcontainer.PartialSigContainerTest") => {
            ssv_pieces::partial_sig_container(&test)
        }
        ("ssv", "valcheck.SpecTest") => ssv_pieces::value_check_single(&test, file),
        ("ssv", "valcheck.MultiSpecTest") => ssv_pieces::value_check_multi(&test, file),
        ("ssv", "runnerconstruction.RunnerConstructionSpecTest") => {
            ssv_pieces::runner_construction(&test)
        }
        ("ssv", "tests.MultiMsgProcessingSpecTest" | "tests.MsgProcessingSpecTest") => {
            runner_tests::msg_processing(&test, file)
        }
        ("ssv", "committee.MultiCommitteeSpecTest" | "committee.CommitteeSpecTest") => {
            runner_tests::committee(&test, file)
        }
        ("ssv", "newduty.MultiStartNewRunnerDutySpecTest") => {
            // Post-states: `state_comparison/<type>/<file Name with _>/<case Name>.json`.
            let dir = state_file("").with_file_name(test_name.replace(' ', "_"));
            duty_start_tests::new_duty(&test, file, &dir)
        }
        ("ssv", "synccommitteeaggregator.SyncCommitteeAggregatorProofSpecTest") => {
            duty_start_tests::sync_aggregator_proof(&test, file, &state_file(""))
        }
        ("ssv", other) => Ok(Verdict::Fail(format!("unknown ssv test type {other}"))),
        (c, other) => Ok(Verdict::Fail(format!(
            "unknown component {c:?}, type {other}"
        ))),
    }
}
