//! The committed traces (`tests/traces/*.trace`, recorded from the devnet, the
//! demo cluster and the duty-level simulator's seeds that used to fail) replay
//! to their recorded outputs; the `replay` command
//! prints the summary line, stops at a slot with the machine's state, and
//! names the offset of a corrupted or cut trace.

use std::path::{Path, PathBuf};
use std::process::Command;

use anchor_runtime::trace::{replay_file, ReplayOptions, ReplayOutcome};

fn traces() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/traces");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "trace"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_committed_trace_replays_with_no_divergence() {
    let all = traces();
    assert!(!all.is_empty(), "no trace in tests/traces");
    for path in all {
        let mut log = Vec::new();
        let outcome = replay_file(&path, &ReplayOptions::default(), &mut log).unwrap();
        match outcome {
            ReplayOutcome::Matched {
                inputs,
                span_ms,
                stopped,
                ..
            } => {
                assert!(inputs > 50, "{}: {inputs} inputs", path.display());
                assert!(span_ms > 30_000, "{}: {span_ms} ms", path.display());
                assert_eq!(stopped, None);
            }
            other => panic!(
                "{}: {}\n{}",
                path.display(),
                other.last_line(),
                String::from_utf8_lossy(&log)
            ),
        }
    }
}

fn replay_cmd(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_anchor-runtime"))
        .arg("replay")
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_replay_command_reports_stops_and_refuses_broken_traces() {
    let trace = traces().into_iter().next().unwrap();
    let path = trace.to_str().unwrap();
    let (ok, text) = replay_cmd(&[path]);
    assert!(ok, "{text}");
    let last = text.lines().last().unwrap();
    let words: Vec<&str> = last.split(' ').collect();
    assert_eq!(words[0], "replayed", "{last}");
    assert!(words[1].parse::<u64>().unwrap() > 100, "{last}");
    assert!(last.contains(" inputs, 0 divergences, ") && last.ends_with("x real time"));

    // Stop at a slot inside the trace: the state there is printed.
    let mut log = Vec::new();
    let header_slot = {
        let f = std::fs::File::open(&trace).unwrap();
        let r = ssv_protocol::trace::TraceReader::open(std::io::BufReader::new(f)).unwrap();
        r.header().chain.slot_at(r.header().start_ms)
    };
    let until = header_slot + 6;
    let opts = ReplayOptions {
        step: false,
        until_slot: Some(until),
    };
    let outcome = replay_file(&trace, &opts, &mut log).unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(matches!(
        outcome,
        ReplayOutcome::Matched {
            stopped: Some((_, s)),
            ..
        } if s == until
    ));
    assert!(log.contains(&format!("slot {until})")), "{log}");
    assert!(log.contains("requests in flight:"), "{log}");
    let (ok, text) = replay_cmd(&[path, "--until", &until.to_string()]);
    assert!(ok && text.contains("stopped before input"), "{text}");

    // A copy cut short, and one with a flipped byte late in the file.
    let bytes = std::fs::read(&trace).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.trace");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let (ok, text) = replay_cmd(&[cut.to_str().unwrap()]);
    assert!(!ok);
    assert!(text.contains("trace truncated at offset"), "{text}");
    let flipped = dir.path().join("flipped.trace");
    let mut bad = bytes.clone();
    let at = bad.len() - 100;
    bad[at] ^= 0x10;
    std::fs::write(&flipped, &bad).unwrap();
    let (ok, text) = replay_cmd(&[flipped.to_str().unwrap()]);
    assert!(!ok);
    assert!(text.contains("trace corrupted at offset"), "{text}");
    let newer = dir.path().join("newer.trace");
    let mut v = bytes.clone();
    v[8] = 9;
    std::fs::write(&newer, &v).unwrap();
    let (ok, text) = replay_cmd(&[newer.to_str().unwrap()]);
    assert!(!ok);
    assert!(text.contains("trace format version 9 is newer"), "{text}");
}
