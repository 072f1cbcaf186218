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

/// Several validators' signatures rebuilt and checked in one batch: the batch
/// gives the same signatures as one-by-one reconstruction, and a single bad
/// partial anywhere makes it refuse the whole batch (the caller then goes one
/// by one), as does a missing quorum.
#[test]
fn a_batch_rebuilds_every_signature_or_none() {
    let keys: Vec<SecretKey> = (0..4u8)
        .map(|i| SecretKey::key_gen(&[40 + i; 32], &[]).unwrap())
        .collect();
    let roots: Vec<[u8; 32]> = (0..4u8).map(|i| [i; 32]).collect();
    let mut c = PartialSigContainer::new(3);
    for (v, sk) in keys.iter().enumerate() {
        let shares = split(sk, &[1, 2, 3, 4], 3, &[v as u8; 32]).unwrap();
        for (id, share) in shares.iter().take(3) {
            c.add(v as u64, roots[v], *id, sign(share, &roots[v]).to_bytes());
        }
    }
    let pks: Vec<_> = keys.iter().map(SecretKey::sk_to_pk).collect();
    let items: Vec<(u64, [u8; 32], _)> = (0..4).map(|v| (v as u64, roots[v], &pks[v])).collect();
    let batch = c
        .reconstruct_batch(&items)
        .expect("every signature is good");
    for (v, sig) in batch.iter().enumerate() {
        assert_eq!(*sig, sign(&keys[v], &roots[v]));
        assert_eq!(c.reconstruct(v as u64, &roots[v], &pks[v]).unwrap(), *sig);
    }
    // Validator 2's key swapped for validator 3's: that item cannot verify.
    let mut wrong = items.clone();
    wrong[2].2 = &pks[3];
    assert!(c.reconstruct_batch(&wrong).is_none());
    // A bad partial from operator 2 for validator 1 spoils the batch.
    let mut bad = c.clone();
    bad.remove(1, &roots[1], 2);
    bad.add(1, roots[1], 2, sign(&keys[0], &roots[1]).to_bytes());
    assert!(bad.reconstruct_batch(&items).is_none());
    // A validator without a quorum: no batch.
    let mut short = c.clone();
    short.remove(3, &roots[3], 1);
    short.remove(3, &roots[3], 2);
    assert!(short.reconstruct_batch(&items).is_none());
}
