//! The duty-level Byzantine simulator over seeds (4 and 7 operators), and proof
//! that each invariant checker fires when the protocol is broken on purpose.

use ssv_protocol::testkit::{Behaviour, DutySim, DutySimConfig, DutySimReport};
use ssv_protocol::wire::Role;

fn run(cfg: &DutySimConfig) -> DutySimReport {
    DutySim::new(cfg.clone()).expect("a valid simulation").run()
}

fn assert_clean(cfg: &DutySimConfig, report: &DutySimReport) {
    assert!(
        report.violations.is_empty(),
        "seed {} n={} violated {:?}\nconfig: {cfg:?}\nreproduce: {}",
        cfg.seed,
        cfg.n,
        report.violations,
        cfg.reproduce_command()
    );
}

/// Reruns one seed with its log: `SIM_SEED=S SIM_N=N cargo test -p ssv-protocol
/// --test duty_simulation replay_seed -- --nocapture`.
#[test]
fn replay_seed() {
    let (Some(seed), n) = (
        std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()),
        std::env::var("SIM_N")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(4),
    ) else {
        return;
    };
    let cfg = DutySimConfig::random(seed, n);
    println!("{cfg:?}");
    let report = DutySim::new(cfg.clone()).expect("valid").with_log().run();
    for line in &report.log {
        println!("{line}");
    }
    println!(
        "decisions {} submissions {} verdicts {:?} violations {:?}",
        report.decisions, report.submissions, report.verdicts, report.violations
    );
}

fn sweep(n: usize, seeds: std::ops::Range<u64>) {
    let mut failures = Vec::new();
    for seed in seeds {
        let cfg = DutySimConfig::random(seed, n);
        let report = run(&cfg);
        if !report.violations.is_empty() {
            let names: Vec<&str> = report.violations.iter().map(|v| v.name()).collect();
            println!(
                "seed {seed} n={n}: {names:?}\n  reproduce: {}",
                cfg.reproduce_command()
            );
            failures.push((seed, report.violations));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing seeds: {failures:?}",
        failures.len()
    );
}

#[test]
fn four_operators_sweep() {
    sweep(4, 0..200);
}

#[test]
fn seven_operators_sweep() {
    sweep(7, 0..100);
}

#[test]
fn same_seed_same_run() {
    for seed in [3u64, 11] {
        let cfg = DutySimConfig::random(seed, 4);
        let (a, b) = (run(&cfg), run(&cfg));
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed}");
        assert_eq!(a.verdicts, b.verdicts, "seed {seed}");
        assert_eq!(a.submissions, b.submissions, "seed {seed}");
    }
}

/// A synchronous network with no faults: every honest node decides and submits
/// every duty, and every gossip message is accepted.
fn calm(seed: u64, n: usize) -> DutySimConfig {
    let mut cfg = DutySimConfig::random(seed, n);
    cfg.byzantine.clear();
    cfg.slots = 4;
    cfg.net.gst_ms = 0;
    cfg.net.drop_permille = 0;
    cfg.net.dup_permille = 0;
    cfg.net.partition = false;
    cfg
}

#[test]
fn calm_network_decides_and_submits_every_duty() {
    for n in [4usize, 7] {
        let cfg = calm(5, n);
        let report = run(&cfg);
        assert_clean(&cfg, &report);
        assert_eq!(report.decisions, 4 * n as u64, "n={n}");
        assert_eq!(report.submissions, 4 * n as u64, "n={n}");
        assert_eq!(
            report.verdicts[2], 0,
            "n={n}: rejects {:?}",
            report.verdicts
        );
    }
}

/// An operator whose clock runs 40 ms behind starts every duty after its peers'
/// first messages for it arrived (they take 1 to 5 ms). It holds them until its
/// duty starts, so it decides every duty its peers decide, the per-validator
/// aggregations included; the devnet found an operator that lost them sitting
/// aggregations out.
#[test]
fn an_operator_starting_late_decides_every_duty_its_peers_decide() {
    let mut cfg = calm(5, 4);
    cfg.net.max_delay_ms = 5;
    cfg.clock_lag = Some((4, 40));
    cfg.aggregators = true;
    let report = run(&cfg);
    assert_clean(&cfg, &report);
    let aggregations = report
        .decided_by
        .keys()
        .filter(|(role, _)| *role == Role::Aggregator)
        .count();
    assert!(
        aggregations > 0,
        "no aggregation ran: {:?}",
        report.decided_by
    );
    for ((role, slot), ops) in &report.decided_by {
        assert_eq!(
            ops.iter().copied().collect::<Vec<_>>(),
            vec![1, 2, 3, 4],
            "{role:?} of slot {slot}"
        );
    }
}

#[test]
fn byzantine_behaviours_are_refused_and_harmless() {
    for b in Behaviour::ALL {
        let mut cfg = calm(9, 4);
        cfg.byzantine = vec![b];
        let report = run(&cfg);
        assert_clean(&cfg, &report);
        // Three honest operators still decide and submit every duty.
        assert_eq!(report.submissions, 12, "{b:?}");
    }
}

fn names(report: &DutySimReport) -> Vec<&'static str> {
    report.violations.iter().map(|v| v.name()).collect()
}

#[test]
fn agreement_checker_fires_with_more_than_f_equivocators() {
    let mut cfg = calm(1, 4);
    cfg.byzantine = vec![Behaviour::Equivocate, Behaviour::Equivocate];
    assert!(DutySim::new(cfg.clone()).is_err(), "more than f is refused");
    cfg.hooks.allow_over_f = true;
    cfg.net.partition = true;
    cfg.net.gst_ms = 100_000;
    let report = run(&cfg);
    assert!(
        names(&report).contains(&"agreement"),
        "{:?}",
        report.violations
    );
}

#[test]
fn validity_checker_fires_when_value_checks_are_off() {
    let mut cfg = calm(2, 4);
    cfg.byzantine = vec![Behaviour::ProposeInvalid];
    assert_clean(&cfg, &run(&cfg));
    cfg.hooks.accept_any_value = true;
    let report = run(&cfg);
    assert!(
        names(&report).contains(&"validity"),
        "{:?}",
        report.violations
    );
}

#[test]
fn double_sign_checker_fires_for_an_operator_running_two_nodes_split_apart() {
    let mut cfg = calm(1, 4);
    cfg.byzantine = vec![Behaviour::Equivocate, Behaviour::Equivocate];
    cfg.hooks.allow_over_f = true;
    cfg.hooks.twin = Some(1);
    // The halves never hear each other (GST after the run).
    cfg.net.partition = true;
    cfg.net.gst_ms = 100_000;
    let report = run(&cfg);
    assert!(
        names(&report).contains(&"double-sign"),
        "{:?}",
        report.violations
    );
}

#[test]
fn quorum_checker_fires_with_a_weakened_quorum() {
    let mut cfg = calm(4, 7);
    cfg.hooks.weak_quorum = true;
    let report = run(&cfg);
    assert!(report.submissions > 0);
    assert!(
        names(&report).contains(&"sub-quorum"),
        "{:?}",
        report.violations
    );
}

#[test]
fn liveness_checker_fires_when_more_than_f_are_silent() {
    let mut cfg = calm(6, 4);
    cfg.byzantine = vec![Behaviour::Silent, Behaviour::Silent];
    cfg.hooks.allow_over_f = true;
    let report = run(&cfg);
    assert!(
        names(&report).contains(&"liveness"),
        "{:?}",
        report.violations
    );
    assert!(!names(&report).contains(&"agreement"));
}

#[test]
fn signature_checker_refuses_a_tampered_submission() {
    // An attestation signed with the validator key verifies; with one bit of
    // its signature flipped it does not.
    let chain = ssv_protocol::testkit::SimChain::new(1);
    let slot = ssv_protocol::testkit::chain::SLOTS_PER_EPOCH;
    let data = chain.attestation_data(slot);
    let sk = ssv_protocol::threshold::interop_secret_key(chain.attester_of(slot)).expect("key");
    let domain = chain.spec.domain(
        ssv_protocol::runner::chain::DOMAIN_ATTESTER,
        data.target.epoch,
    );
    let root =
        ssv_protocol::signing::signing_root(tree_hash::TreeHash::tree_hash_root(&data).0, domain);
    let sig = ssv_protocol::threshold::sign(&sk, &root).to_bytes();
    for flip in [false, true] {
        let mut sig = sig;
        if flip {
            sig[10] ^= 1;
        }
        let mut bits = ssz_types::BitList::with_capacity(128).expect("128 bits");
        let _ = bits.set(0, true);
        let att = ssv_protocol::beacon::phase0::Attestation {
            aggregation_bits: bits,
            data: data.clone(),
            signature: ssv_protocol::beacon::signed::bls_signature(&sig),
        };
        let s = ssv_protocol::runner::io::Submission {
            kind: ssv_protocol::runner::io::SubmissionKind::Attestation,
            version: ssv_protocol::beacon::consensus_data::DataVersion::Deneb,
            validator_index: chain.attester_of(slot),
            root: [0; 32],
            ssz: ssz::Encode::as_ssz_bytes(&att),
        };
        assert_eq!(chain.verifies(&s), !flip);
    }
}

/// A recorded simulator node replays to the same outputs, and a recording
/// changes nothing in the run. Seed 137 with 4 operators used to leave operator
/// 3 undecided (before the simulator relayed accepted gossip).
#[test]
fn a_recorded_node_replays_with_no_divergence() {
    use ssv_protocol::trace::{Replayer, TraceReader};
    let cfg = DutySimConfig::random(137, 4);
    let plain = run(&cfg);
    let report = DutySim::new(cfg.clone())
        .expect("valid")
        .with_recording(3)
        .run();
    assert_eq!(report.trace_hash, plain.trace_hash);
    assert_clean(&cfg, &report);
    let bytes = report.trace.expect("asked for").expect("written");
    let mut reader = TraceReader::open(bytes.as_slice()).expect("a trace");
    assert_eq!(reader.header().operator_id, 3);
    let (mut replayer, first) = Replayer::start(reader.header());
    assert!(first.is_none(), "{first:?}");
    while let Some(rec) = reader.next_record().expect("intact") {
        if let Some(d) = replayer.step(rec) {
            panic!("diverged: {d:?}");
        }
    }
    assert!(replayer.inputs() > 50, "{} inputs", replayer.inputs());
}

/// Seeds with aggregation duties on and one operator's clock behind by up to
/// 60 ms: the same invariants hold (agreement, validity, quorum, signatures).
#[test]
fn four_operators_sweep_with_aggregations_and_a_late_clock() {
    let mut failures = Vec::new();
    for seed in 0..60 {
        let mut cfg = DutySimConfig::random(seed, 4);
        cfg.aggregators = true;
        cfg.clock_lag = Some((1 + seed % 4, seed % 61));
        let report = run(&cfg);
        if !report.violations.is_empty() {
            failures.push((seed, report.violations));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}
