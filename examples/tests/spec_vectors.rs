//! Runs the reference specification's vectors as part of the test suite, so a
//! regression fails CI. The vectors are read from `SSV_SPEC_VECTORS` or
//! `../shared/ssv-spec-vectors`; when they are missing the test fails with the
//! instruction to fetch them, rather than passing silently.

use examples::spec::{run_path, vectors_dir};

fn vectors() -> std::path::PathBuf {
    let dir = vectors_dir();
    assert!(
        dir.join("qbft").is_dir(),
        "the ssv-spec vectors are not at {}. Fetch ssvlabs/ssv-spec at the commit named in \
         README.md (\"Conformance vectors\") and set SSV_SPEC_VECTORS to a folder holding its \
         qbft/, types/ and ssv/ spectest/generate trees.",
        dir.display()
    );
    dir
}

#[test]
fn every_qbft_vector_passes() {
    let mut log = Vec::new();
    let report = run_path(&vectors().join("qbft"), &mut log).expect("vectors readable");
    let log = String::from_utf8_lossy(&log);
    assert_eq!(report.failed, 0, "{log}\n{}", report.summary());
    assert_eq!(report.skipped, 0, "{log}");
    // The pinned set holds 203 QBFT vectors; fewer means the folder is incomplete.
    assert_eq!(report.passed, 203, "{}", report.summary());
}

#[test]
fn types_vectors_with_runners_pass() {
    let mut log = Vec::new();
    let report = run_path(&vectors().join("types"), &mut log).expect("vectors readable");
    let log = String::from_utf8_lossy(&log);
    assert_eq!(report.failed, 0, "{log}\n{}", report.summary());
    // Every one of the 111 shipped types vectors runs (3 of the spec's 114 are
    // missing from the set: files of 4 MiB or more).
    assert_eq!(
        (report.passed, report.skipped),
        (111, 0),
        "{}",
        report.summary()
    );
}

#[test]
fn ssv_vectors_with_runners_pass() {
    let mut log = Vec::new();
    let report = run_path(&vectors().join("ssv"), &mut log).expect("vectors readable");
    let log = String::from_utf8_lossy(&log);
    assert_eq!(report.failed, 0, "{log}\n{}", report.summary());
    assert!(
        report.notes.iter().all(|n| !n.contains("unreadable")),
        "{log}"
    );
    // Every runner vector runs through the committee and validator machines:
    // message processing and committee (133 files, 1,479 cases), new duty (11
    // files, 128 cases) and sync-aggregator proofs (3 files), with the container,
    // value-check and construction vectors (25 files). The last two runner types
    // compare post-states field by field with the shipped state files.
    assert_eq!(
        (report.passed, report.skipped),
        (172, 0),
        "{}",
        report.summary()
    );
}
