//! The demo cluster end to end, under both role sets: four Node machines
//! against the simulated beacon chain submit every kind of duty object, every
//! submission's rebuilt signature verifies under the validator key, all four
//! operators submit the same objects, and two runs with the same keys give
//! byte-identical outputs. Under the live network's roles (Alan) aggregates and
//! contributions come from the per-validator runners (roles 1 and 3); under the
//! pinned spec's (Boole) from the aggregator committee (role 6).

use examples::cluster::{run, ClusterConfig, Report};
use ssv_protocol::roles::RoleFork;
use ssv_protocol::runner::io::SubmissionKind;

fn run_and_check(roles: RoleFork) -> Report {
    let pems = examples::generate_operator_pems(4);
    let cfg = ClusterConfig {
        slots: 24,
        validators: 4,
        seed: 7,
        roles,
    };
    let a = run(&cfg, &pems);
    let kinds: std::collections::BTreeSet<SubmissionKind> =
        a.submissions.keys().map(|k| k.0).collect();
    for kind in examples::cluster::EVERY_KIND {
        assert!(kinds.contains(&kind), "{kind:?} never submitted");
    }
    for (key, s) in &a.submissions {
        assert!(s.verified, "{key:?} does not verify");
        assert_eq!(s.by.len(), 4, "{key:?} submitted by {:?}", s.by);
    }
    // Every committee duty of the run started and finished on all four.
    let committee: Vec<_> = a
        .duties
        .iter()
        .filter(|((_, r), _)| r == "Committee")
        .collect();
    assert!(committee.len() >= 20);
    assert!(committee
        .iter()
        .all(|(_, (s, f))| s.len() == 4 && f.len() == 4));
    assert!(a.events.keys().any(|e| e.starts_with("reorg refetch")));
    assert_eq!(a.slashable_refused, 0);
    let b = run(&cfg, &pems);
    assert_eq!(a.digest, b.digest, "same inputs, same outputs");
    a
}

/// The duties of `role` as (started on, finished on) operator counts.
fn duties_of(r: &Report, role: &str) -> Vec<(usize, usize)> {
    r.duties
        .iter()
        .filter(|((_, name), _)| name == role)
        .map(|(_, (s, f))| (s.len(), f.len()))
        .collect()
}

#[test]
fn four_nodes_run_every_duty_with_the_alan_roles() {
    let r = run_and_check(RoleFork::Alan);
    assert!(duties_of(&r, "AggregatorCommittee").is_empty());
    // Every simulated committee has 8 members, so every attester aggregates:
    // each aggregator duty starts and finishes on all four operators.
    let aggregators = duties_of(&r, "Aggregator");
    assert!(aggregators.len() >= 10, "{aggregators:?}");
    assert!(aggregators.iter().all(|d| *d == (4, 4)), "{aggregators:?}");
    // Sync contributions start every slot; those selected finish on all four.
    let contributions = duties_of(&r, "SyncCommitteeContribution");
    assert!(contributions.len() >= 20, "{contributions:?}");
    assert!(contributions
        .iter()
        .all(|d| d.0 == 4 && (d.1 == 0 || d.1 == 4)));
    assert!(contributions.iter().any(|d| d.1 == 4));
    let aggregates = r
        .submissions
        .keys()
        .filter(|k| k.0 == SubmissionKind::AggregateAndProof)
        .count();
    assert_eq!(aggregates, aggregators.len(), "one aggregate per duty");
}

#[test]
fn four_nodes_run_every_duty_with_the_boole_roles() {
    let r = run_and_check(RoleFork::Boole);
    assert!(duties_of(&r, "Aggregator").is_empty());
    assert!(!duties_of(&r, "AggregatorCommittee").is_empty());
}
