//! Sweeps the seeded Byzantine simulators over many seeds, for committees of 4
//! and 7, and counts runs with a violated property. Two layers:
//!
//! - `qbft`: `qbft_core::testkit::Sim`, QBFT alone (agreement, validity,
//!   liveness after GST);
//! - `duty`: `ssv_protocol::testkit::DutySim`, whole operator nodes running
//!   attester duties (agreement, validity, no double signing, reconstruction
//!   only from a quorum, verifying submissions, no crash, liveness after GST).
//!
//! Each failing run is printed with a one-line command that replays it. Last
//! line: `seeds: N, violations: V` (V counts failing runs over both layers and
//! both committee sizes).
//!
//! ```text
//! cargo run --release -p examples --bin sim-sweep -- --seeds N [--start S] [--layer qbft|duty|both]
//! cargo run --release -p examples --bin sim-sweep -- --layer duty --seed S --n 4 --log
//! cargo run --release -p examples --bin sim-sweep -- --layer duty --seed S --n 4 --record FILE [--record-operator K]
//! ```
//!
//! `--record` writes operator K's (default 1) node as a trace that
//! `anchor-runtime replay FILE` replays.

use std::time::Instant;

use qbft_core::testkit::{Sim, SimConfig};
use ssv_protocol::testkit::{DutySim, DutySimConfig};

fn args() -> Vec<String> {
    std::env::args().collect()
}

fn arg(name: &str) -> Option<String> {
    let args = args();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn num(name: &str, default: u64) -> u64 {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Where and whom a single duty run records.
struct Record {
    file: String,
    operator: u64,
}

/// One duty-level run; `Some(line)` describes its violations.
fn duty_run(seed: u64, n: usize, log: bool, record: Option<&Record>) -> (Option<String>, u64) {
    let cfg = DutySimConfig::random(seed, n);
    let mut sim = match DutySim::new(cfg.clone()) {
        Ok(sim) => sim,
        Err(e) => return (Some(format!("cannot build the simulation: {e}")), 0),
    };
    if log {
        sim = sim.with_log();
    }
    if let Some(r) = record {
        sim = sim.with_recording(r.operator);
    }
    let report = sim.run();
    if let Some(r) = record {
        match &report.trace {
            Some(Ok(bytes)) => match std::fs::write(&r.file, bytes) {
                Ok(()) => println!(
                    "recorded operator {} in {} ({} bytes)",
                    r.operator,
                    r.file,
                    bytes.len()
                ),
                Err(e) => println!("cannot write {}: {e}", r.file),
            },
            Some(Err(e)) => println!("recording failed: {e}"),
            None => println!("no operator {} in this committee", r.operator),
        }
    }
    if log {
        println!("{cfg:?}");
        for line in &report.log {
            println!("{line}");
        }
        println!(
            "decisions {}, submissions {}, gossip delivered {}, verdicts accept/ignore/reject {:?}",
            report.decisions, report.submissions, report.delivered, report.verdicts
        );
    }
    let failing = (!report.violations.is_empty()).then(|| {
        let names: Vec<&str> = report.violations.iter().map(|v| v.name()).collect();
        format!(
            "{names:?} {:?}\n  replay: {}",
            report.violations,
            cfg.reproduce_command()
        )
    });
    (failing, report.submissions)
}

fn qbft_run(seed: u64, n: usize) -> (Option<String>, u64) {
    let cfg = SimConfig::random(seed, n);
    let report = match Sim::new(cfg.clone()) {
        Ok(sim) => sim.run(),
        Err(e) => return (Some(format!("cannot build the simulation: {e}")), 0),
    };
    let decisions = report
        .decisions
        .values()
        .map(|d| d.len() as u64)
        .sum::<u64>();
    let failing = (!report.violations.is_empty()).then(|| {
        format!(
            "{:?}\n  replay: {}",
            report.violations,
            cfg.reproduce_command()
        )
    });
    (failing, decisions)
}

fn main() {
    let layer = arg("--layer").unwrap_or_else(|| "both".into());
    let (qbft, duty) = match layer.as_str() {
        "qbft" => (true, false),
        "duty" => (false, true),
        "both" => (true, true),
        other => {
            eprintln!("--layer must be qbft, duty or both, not {other}");
            std::process::exit(2);
        }
    };
    // One seed, one size, optionally with the event log.
    if let Some(seed) = arg("--seed").and_then(|s| s.parse::<u64>().ok()) {
        let n = num("--n", 4) as usize;
        let log = args().iter().any(|a| a == "--log");
        let record = arg("--record").map(|file| Record {
            file,
            operator: num("--record-operator", 1),
        });
        let mut violations = 0;
        if qbft {
            if let (Some(line), _) = qbft_run(seed, n) {
                violations += 1;
                println!("qbft seed {seed} n={n}: {line}");
            }
        }
        if duty {
            if let (Some(line), _) = duty_run(seed, n, log, record.as_ref()) {
                violations += 1;
                println!("duty seed {seed} n={n}: {line}");
            }
        }
        println!("seeds: 1, violations: {violations}");
        return;
    }
    let seeds = num("--seeds", 1_000);
    let start = num("--start", 0);
    let mut violations = 0u64;
    let (mut qbft_time, mut duty_time) = (0f64, 0f64);
    let (mut decisions, mut submissions) = (0u64, 0u64);
    for seed in start..start + seeds {
        for n in [4usize, 7] {
            if qbft {
                let t = Instant::now();
                let (failing, d) = qbft_run(seed, n);
                qbft_time += t.elapsed().as_secs_f64();
                decisions += d;
                if let Some(line) = failing {
                    violations += 1;
                    println!("qbft seed {seed} n={n}: {line}");
                }
            }
            if duty {
                let t = Instant::now();
                let (failing, s) = duty_run(seed, n, false, None);
                duty_time += t.elapsed().as_secs_f64();
                submissions += s;
                if let Some(line) = failing {
                    violations += 1;
                    println!("duty seed {seed} n={n}: {line}");
                }
            }
        }
        if (seed - start + 1).is_multiple_of(1_000) {
            eprintln!(
                "{} seeds, {violations} violations, qbft {qbft_time:.0} s, duty {duty_time:.0} s",
                seed - start + 1
            );
        }
    }
    if qbft {
        println!(
            "qbft: {} runs ({seeds} seeds x 4 and 7 operators) in {qbft_time:.1} s, {decisions} honest decisions",
            2 * seeds
        );
    }
    if duty {
        println!(
            "duty: {} runs ({seeds} seeds x 4 and 7 operators, 3 slots each) in {duty_time:.1} s ({:.1} ms a run), {submissions} honest submissions",
            2 * seeds,
            duty_time * 1000.0 / (2 * seeds).max(1) as f64
        );
    }
    println!("seeds: {seeds}, violations: {violations}");
}
