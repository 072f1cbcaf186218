//! The demo cluster end to end: four Node machines against the simulated beacon
//! chain submit every kind of duty object, every submission's rebuilt signature
//! verifies under the validator key, all four operators submit the same objects,
//! and two runs with the same keys give byte-identical outputs.

use examples::cluster::{run, ClusterConfig};
use ssv_protocol::roles::RoleFork;
use ssv_protocol::runner::io::SubmissionKind;

#[test]
fn four_nodes_run_every_duty_and_replay_byte_for_byte() {
    let pems = examples::generate_operator_pems(4);
    let cfg = ClusterConfig {
        slots: 24,
        validators: 4,
        seed: 7,
        roles: RoleFork::Boole,
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
}
