//! Sweeps the seeded Byzantine QBFT simulator over many seeds, for committees of 4
//! and 7, and counts seeds with a violated property (agreement, validity, or
//! liveness after GST). Each failing seed is printed with a one-line command that
//! replays it. Last line: `seeds: N, violations: V`.
//!
//! `cargo run --release -p examples --bin sim-sweep -- --seeds N [--start S]`

use qbft_core::testkit::{Sim, SimConfig};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let seeds = arg("--seeds", 1_000);
    let start = arg("--start", 0);
    let mut runs = 0u64;
    let mut violations = 0u64;
    let mut decisions = 0u64;
    let started = std::time::Instant::now();
    for seed in start..start + seeds {
        for n in [4usize, 7] {
            let cfg = SimConfig::random(seed, n);
            let report = match Sim::new(cfg.clone()) {
                Ok(sim) => sim.run(),
                Err(e) => {
                    println!("seed {seed} n={n}: cannot build the simulation: {e}");
                    violations += 1;
                    continue;
                }
            };
            runs += 1;
            decisions += report
                .decisions
                .values()
                .map(|d| d.len() as u64)
                .sum::<u64>();
            if !report.violations.is_empty() {
                violations += 1;
                println!(
                    "seed {seed} n={n}: {:?}\n  replay: {}",
                    report.violations,
                    cfg.reproduce_command()
                );
            }
        }
    }
    println!(
        "{runs} runs ({seeds} seeds x 4 and 7 operators) in {:.1} s, {decisions} honest decisions",
        started.elapsed().as_secs_f64()
    );
    println!("seeds: {seeds}, violations: {violations}");
}
