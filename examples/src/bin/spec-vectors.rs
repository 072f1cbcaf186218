//! Runs the reference specification's JSON test vectors.
//!
//! `spec-vectors [PATH]` runs every vector under PATH (a file or a folder,
//! searched recursively; default `SSV_SPEC_VECTORS` or `../shared/ssv-spec-vectors`),
//! prints each failure and skip with its reason, and ends with one line
//! `N passed, M failed, K skipped`. Exits 1 when a vector failed.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(examples::spec::vectors_dir);
    if !path.exists() {
        eprintln!(
            "no vectors at {}: set SSV_SPEC_VECTORS or pass a path (see README, \"Conformance vectors\")",
            path.display()
        );
        return ExitCode::from(2);
    }
    let mut stdout = std::io::stdout().lock();
    match examples::spec::run_path(&path, &mut stdout) {
        Ok(report) => {
            use examples::spec::runner_tests::{CASES_PASSED, CASES_WITHOUT_SIGNATURE_BYTES};
            use std::sync::atomic::Ordering;
            let cases = CASES_PASSED.load(Ordering::Relaxed);
            if cases > 0 {
                println!(
                    "runner cases passed: {cases}, of which {} compared our partial signatures by root, signer and index only (share keys not in the vectors)",
                    CASES_WITHOUT_SIGNATURE_BYTES.load(Ordering::Relaxed)
                );
            }
            use examples::spec::duty_start_tests::{
                CASES_ERROR_STRING_UNCOMPARED, CASES_STATE_BY_FIELD,
            };
            let by_field = CASES_STATE_BY_FIELD.load(Ordering::Relaxed);
            if by_field > 0 {
                println!(
                    "runner cases with post-states compared field by field against the state files, not by the spec's Go-JSON root: {by_field} (not compared: BeaconNetwork, stored-instance order, committee operator keys)"
                );
            }
            let strings = CASES_ERROR_STRING_UNCOMPARED.load(Ordering::Relaxed);
            if strings > 0 {
                println!(
                    "runner cases expecting a Go error string, compared as \"an error happened\" only: {strings}"
                );
            }
            println!("{}", report.summary());
            if report.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("cannot read vectors: {e}");
            ExitCode::from(2)
        }
    }
}
