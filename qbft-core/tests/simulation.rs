//! Byzantine simulation: proptest drives the seeded simulator over seeds and
//! checks agreement, validity and liveness after GST. A failing seed prints a
//! one-line command that replays it exactly.

use proptest::prelude::*;
use qbft_core::testkit::{Behaviour, Sim, SimConfig, SimReport};

fn run(cfg: &SimConfig) -> SimReport {
    Sim::new(cfg.clone()).expect("valid committee").run()
}

fn assert_clean(cfg: &SimConfig, report: &SimReport) {
    assert!(
        report.violations.is_empty(),
        "seed {} violated {:?}\nconfig: {cfg:?}\nreplay: {}",
        cfg.seed,
        report.violations,
        cfg.reproduce_command()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn four_operators_agree_and_decide_after_gst(seed in any::<u64>()) {
        let cfg = SimConfig::random(seed, 4);
        assert_clean(&cfg, &run(&cfg));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn seven_operators_agree_and_decide_after_gst(seed in any::<u64>()) {
        let cfg = SimConfig::random(seed, 7);
        assert_clean(&cfg, &run(&cfg));
    }
}

#[test]
fn same_seed_same_run() {
    for seed in [1u64, 7, 42, 1_000_003] {
        let cfg = SimConfig::random(seed, 4);
        let a = run(&cfg);
        let b = run(&cfg);
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed}");
        assert_eq!(a.decisions, b.decisions, "seed {seed}");
        assert_eq!(a.delivered, b.delivered, "seed {seed}");
    }
}

#[test]
fn synchronous_honest_cluster_decides_every_height_in_round_one() {
    let mut cfg = SimConfig::random(3, 4);
    cfg.byzantine.clear();
    cfg.net.gst_ms = 0;
    cfg.net.dup_permille = 0;
    let report = run(&cfg);
    assert_clean(&cfg, &report);
    assert_eq!(report.decisions.len() as u64, cfg.heights);
    for (h, by_node) in &report.decisions {
        assert_eq!(by_node.len(), 4, "height {h}");
        // Round-robin leader of height h, round 1 is operator (h mod 4) + 1.
        let leader = h % 4 + 1;
        assert!(
            by_node.values().all(|v| *v == h * 1_000 + leader),
            "height {h}: {by_node:?}"
        );
    }
}

#[test]
fn every_behaviour_is_survived_with_f_byzantine() {
    for behaviour in [
        Behaviour::Silent,
        Behaviour::Equivocate,
        Behaviour::ForgeJustifications,
        Behaviour::Replay,
    ] {
        for seed in 0..8u64 {
            let mut cfg = SimConfig::random(seed, 7);
            cfg.byzantine = vec![behaviour; 2];
            let report = run(&cfg);
            assert_clean(&cfg, &report);
        }
    }
}

#[test]
fn forged_justifications_are_caught() {
    let mut cfg = SimConfig::random(11, 4);
    cfg.byzantine = vec![Behaviour::ForgeJustifications];
    cfg.net.gst_ms = 0;
    let report = run(&cfg);
    assert_clean(&cfg, &report);
    assert!(
        report.refused > 0,
        "forged proposals should be refused: {report:?}"
    );
}

/// Replays one seed: `SIM_SEED=<seed> SIM_N=<n> cargo test -p qbft-core --features
/// testkit --test simulation replay_seed -- --nocapture`.
#[test]
fn replay_seed() {
    let Some(seed) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) else {
        return;
    };
    let n = std::env::var("SIM_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let cfg = SimConfig::random(seed, n);
    let report = Sim::new(cfg.clone())
        .expect("valid committee")
        .with_log()
        .run();
    for line in &report.log {
        println!("{line}");
    }
    println!(
        "config: {cfg:?}\ndecisions: {:?}\nviolations: {:?}",
        report.decisions, report.violations
    );
    assert_clean(&cfg, &report);
}
