//! Partial-signature collection: first signature per signer kept, duplicates and
//! conflicts reported, quorum, reconstruction only from valid partials.

use blst::min_pk::SecretKey;
use ssv_protocol::duty::partial_sigs::{AddOutcome, PartialSigContainer, ReconstructError};
use ssv_protocol::threshold::{sign, split};

const ROOT: [u8; 32] = [9; 32];

#[test]
fn collects_reports_conflicts_and_rebuilds_at_quorum() {
    let sk = SecretKey::key_gen(&[3; 32], &[]).unwrap();
    let shares = split(&sk, &[1, 2, 3, 4], 3, &[8; 32]).unwrap();
    let partial = |i: usize| sign(&shares[i].1, &ROOT).to_bytes();
    let mut c = PartialSigContainer::new(3);
    assert_eq!(c.add(7, ROOT, 1, partial(0)), AddOutcome::Added);
    assert_eq!(c.add(7, ROOT, 1, partial(0)), AddOutcome::Duplicate);
    assert_eq!(
        c.add(7, ROOT, 1, partial(1)),
        AddOutcome::Conflicting,
        "a second, different signature"
    );
    assert_eq!(
        c.signatures(7, &ROOT).unwrap()[&1],
        partial(0),
        "the first is kept"
    );
    assert!(!c.has_quorum(7, &ROOT));
    assert_eq!(c.add(7, ROOT, 2, partial(1)), AddOutcome::Added);
    // Another root or validator does not count towards this quorum.
    c.add(7, [1; 32], 3, partial(2));
    c.add(8, ROOT, 3, partial(2));
    assert!(!c.has_quorum(7, &ROOT));
    assert!(
        c.reconstruct(7, &ROOT, &sk.sk_to_pk()).is_err(),
        "two partials cannot rebuild a 3-of-4 key"
    );
    assert_eq!(c.add(7, ROOT, 3, partial(2)), AddOutcome::Added);
    assert!(c.has_quorum(7, &ROOT));
    assert_eq!(
        c.reconstruct(7, &ROOT, &sk.sk_to_pk()).unwrap(),
        sign(&sk, &ROOT)
    );
}

#[test]
fn a_bad_partial_spoils_reconstruction_until_removed() {
    let sk = SecretKey::key_gen(&[4; 32], &[]).unwrap();
    let shares = split(&sk, &[1, 2, 3, 4], 3, &[9; 32]).unwrap();
    let mut c = PartialSigContainer::new(3);
    c.add(1, ROOT, 1, sign(&shares[0].1, &ROOT).to_bytes());
    c.add(1, ROOT, 2, sign(&shares[0].1, &ROOT).to_bytes()); // operator 2 sends share 1's signature
    c.add(1, ROOT, 3, sign(&shares[2].1, &ROOT).to_bytes());
    c.add(1, ROOT, 4, sign(&shares[3].1, &ROOT).to_bytes());
    assert_eq!(
        c.reconstruct(1, &ROOT, &sk.sk_to_pk()),
        Err(ReconstructError::InvalidSignature)
    );
    c.remove(1, &ROOT, 2);
    assert!(c.reconstruct(1, &ROOT, &sk.sk_to_pk()).is_ok());
    assert_eq!(
        c.reconstruct(2, &ROOT, &sk.sk_to_pk()),
        Err(ReconstructError::Missing)
    );
}
