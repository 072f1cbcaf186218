//! The duty-level layer of `sim-sweep` on its own: it builds with this crate's
//! dependencies only (no runtime, no libp2p), so a release build is quick.
//! Last line: `seeds: N, violations: V`.
//!
//! `cargo run --release -p ssv-protocol --features testkit --example duty-sweep -- --seeds N [--start S]`

// This binary times its own sweep with the wall clock; the simulations it runs
// take time only as an input (the crate's no-clock rule is for library code).
#![allow(clippy::disallowed_methods)]

use std::time::Instant;

use ssv_protocol::testkit::{DutySim, DutySimConfig};

fn num(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let seeds = num("--seeds", 100);
    let start = num("--start", 0);
    let started = Instant::now();
    let (mut violations, mut submissions) = (0u64, 0u64);
    let mut time = [0f64; 2];
    for seed in start..start + seeds {
        for (k, n) in [4usize, 7].into_iter().enumerate() {
            let t = Instant::now();
            let cfg = DutySimConfig::random(seed, n);
            let report = match DutySim::new(cfg.clone()) {
                Ok(sim) => sim.run(),
                Err(e) => {
                    violations += 1;
                    println!("duty seed {seed} n={n}: cannot build the simulation: {e}");
                    continue;
                }
            };
            if let Some(s) = time.get_mut(k) {
                *s += t.elapsed().as_secs_f64();
            }
            submissions += report.submissions;
            if !report.violations.is_empty() {
                violations += 1;
                let names: Vec<&str> = report.violations.iter().map(|v| v.name()).collect();
                println!(
                    "duty seed {seed} n={n}: {names:?} {:?}\n  replay: {}",
                    report.violations,
                    cfg.reproduce_command()
                );
            }
        }
        if (seed - start + 1).is_multiple_of(500) {
            eprintln!(
                "{} seeds, {violations} violations, {:.0} s",
                seed - start + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let per = |s: f64| s * 1000.0 / seeds.max(1) as f64;
    println!(
        "duty: {} runs in {:.1} s ({:.1} ms a 4-operator run, {:.1} ms a 7-operator run), {submissions} honest submissions",
        2 * seeds,
        started.elapsed().as_secs_f64(),
        per(time[0]),
        per(time[1])
    );
    println!("seeds: {seeds}, violations: {violations}");
}
