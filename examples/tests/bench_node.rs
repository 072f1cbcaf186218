//! The bench-node harness at a tiny size: our node, fed the generated traffic
//! through decode, the RSA pool and `Node`, decides for its committees and
//! rebuilds every validator's signature; foreign traffic is validated and
//! accepted without reaching a runner.

use examples::bench_node::{expected_duties, run_in_memory, Params};

#[test]
fn the_node_decides_and_reconstructs_for_its_committees() {
    let params = Params {
        validators: 8,
        committees: 2,
        network_rate: 300,
        slots: 8,
        seed: 3,
        foreign_operators: 12,
    };
    let (world, stats) = run_in_memory(params, 2, true);
    let expected = expected_duties(&world);
    let committee_duties: u64 = expected.values().map(|e| e.0).sum();
    let validator_duties: u64 = expected.values().map(|e| e.1).sum();
    assert!(
        committee_duties > 0,
        "the seed gives our validators no duty in the run"
    );
    assert!(
        !world.foreign.is_empty(),
        "no foreign committee on our subnets"
    );
    for (slot, (committees, validators)) in &expected {
        assert_eq!(
            stats.decided.get(slot),
            Some(committees),
            "decisions at slot {slot}"
        );
        assert_eq!(
            stats.submissions.get(slot),
            Some(validators),
            "submissions at slot {slot}"
        );
    }
    assert_eq!(stats.decided.values().sum::<u64>(), committee_duties);
    assert_eq!(stats.submissions.values().sum::<u64>(), validator_duties);
    assert_eq!(
        stats.bad_submissions, 0,
        "a rebuilt signature did not verify"
    );
    // Committee duties, aggregation duties (their selection proofs rebuilt)
    // and any registration: every one of them finished.
    assert!(
        stats.finished >= committee_duties + stats.selections,
        "finished {} of {committee_duties} committee and {} aggregation duties",
        stats.finished,
        stats.selections
    );
    // Every message was valid: the others' and the foreign committees'.
    let accepted = stats.verdicts.get("accept").copied().unwrap_or(0);
    assert_eq!(accepted, stats.messages, "verdicts: {:?}", stats.verdicts);
    assert!(
        stats.messages > 13 * committee_duties,
        "foreign traffic missing"
    );
    assert!(stats.rsa_verifications >= stats.messages);
    assert!(stats.bls_signs.0 >= validator_duties);
}
