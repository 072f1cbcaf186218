//! Threshold BLS: split and reconstruct for committees of 4, 7, 10 and 13, wrong
//! and duplicate shares, batch verification with fallback, and the interop keys.

use blst::min_pk::{PublicKey, SecretKey, Signature};
use blst::BLST_ERROR;
use ssv_protocol::threshold::{
    batch_verify, interop_secret_key, lagrange_at_zero, reconstruct_public_key,
    reconstruct_signature, sign, signature_from_bytes, signature_from_bytes_for_interpolation,
    split, verify, SignedItem, ThresholdError,
};

const ROOT: &[u8] = b"signing root of an attestation..";

fn validator(seed: u8) -> SecretKey {
    SecretKey::key_gen(&[seed; 32], &[]).unwrap()
}

/// Every subset of `ids` of size `k`, in order.
fn subsets(ids: &[u64], k: usize) -> Vec<Vec<u64>> {
    if k == 0 {
        return vec![vec![]];
    }
    if ids.len() < k {
        return vec![];
    }
    let mut with: Vec<Vec<u64>> = subsets(&ids[1..], k - 1)
        .into_iter()
        .map(|mut s| {
            s.insert(0, ids[0]);
            s
        })
        .collect();
    with.extend(subsets(&ids[1..], k));
    with
}

#[test]
fn any_quorum_rebuilds_the_validator_signature() {
    for (n, f) in [(4u64, 1usize), (7, 2), (10, 3), (13, 4)] {
        let sk = validator(n as u8);
        let pk = sk.sk_to_pk();
        // Operator IDs are registry IDs, not 1..n.
        let ids: Vec<u64> = (0..n).map(|i| 100 + 7 * i).collect();
        let quorum = 2 * f + 1;
        let shares = split(&sk, &ids, quorum, &[n as u8; 32]).unwrap();
        let partials: Vec<(u64, Signature)> =
            shares.iter().map(|(id, s)| (*id, sign(s, ROOT))).collect();
        for (id, s) in &shares {
            assert!(verify(
                &s.sk_to_pk(),
                ROOT,
                &partials.iter().find(|p| p.0 == *id).unwrap().1
            ));
        }
        // Every quorum for small committees; a spread of them for large ones.
        let all = subsets(&ids, quorum);
        let step = (all.len() / 40).max(1);
        for subset in all.iter().step_by(step) {
            let chosen: Vec<(u64, Signature)> = partials
                .iter()
                .filter(|p| subset.contains(&p.0))
                .cloned()
                .collect();
            let sig = reconstruct_signature(&chosen).unwrap();
            assert!(verify(&pk, ROOT, &sig), "n={n} subset {subset:?}");
            assert_eq!(sig, sign(&sk, ROOT), "BLS signatures are unique");
        }
        // One share fewer than the quorum gives garbage.
        let short: Vec<(u64, Signature)> = partials.iter().take(quorum - 1).cloned().collect();
        assert!(
            !verify(&pk, ROOT, &reconstruct_signature(&short).unwrap()),
            "n={n}"
        );
        // The share public keys rebuild the validator public key.
        let share_pks: Vec<(u64, PublicKey)> = shares
            .iter()
            .take(quorum)
            .map(|(id, s)| (*id, s.sk_to_pk()))
            .collect();
        assert_eq!(reconstruct_public_key(&share_pks).unwrap(), pk);
    }
}

#[test]
fn a_wrong_share_spoils_the_reconstruction_and_is_found() {
    let sk = validator(1);
    let ids = [1u64, 2, 3, 4];
    let shares = split(&sk, &ids, 3, &[9; 32]).unwrap();
    let mut partials: Vec<(u64, Signature)> =
        shares.iter().map(|(id, s)| (*id, sign(s, ROOT))).collect();
    partials[1].1 = sign(&validator(2), ROOT); // operator 2 signs with a key that is not its share
    assert!(!verify(
        &sk.sk_to_pk(),
        ROOT,
        &reconstruct_signature(&partials[..3]).unwrap()
    ));
    let pks: Vec<PublicKey> = shares.iter().map(|(_, s)| s.sk_to_pk()).collect();
    let items: Vec<SignedItem> = partials
        .iter()
        .zip(&pks)
        .map(|((_, sig), pk)| SignedItem {
            public_key: pk,
            message: ROOT,
            signature: sig,
        })
        .collect();
    assert_eq!(batch_verify(&items, &[1; 32]), Err(vec![1]));
    // Without the bad one, the batch passes and any 3 rebuild the signature.
    let good: Vec<SignedItem> = items
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, x)| *x)
        .collect();
    assert_eq!(batch_verify(&good, &[1; 32]), Ok(()));
    let rest: Vec<(u64, Signature)> = partials
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, p)| *p)
        .collect();
    assert!(verify(
        &sk.sk_to_pk(),
        ROOT,
        &reconstruct_signature(&rest).unwrap()
    ));
}

#[test]
fn batch_verification_of_many_messages() {
    let keys: Vec<SecretKey> = (0..20).map(validator).collect();
    let pks: Vec<PublicKey> = keys.iter().map(|k| k.sk_to_pk()).collect();
    let msgs: Vec<Vec<u8>> = (0..20u8).map(|i| vec![i; 32]).collect();
    let sigs: Vec<Signature> = keys.iter().zip(&msgs).map(|(k, m)| sign(k, m)).collect();
    let items = |sigs: &[Signature]| -> Vec<(usize, bool)> {
        let items: Vec<SignedItem> = (0..20)
            .map(|i| SignedItem {
                public_key: &pks[i],
                message: &msgs[i],
                signature: &sigs[i],
            })
            .collect();
        match batch_verify(&items, &[3; 32]) {
            Ok(()) => vec![],
            Err(bad) => bad.into_iter().map(|i| (i, false)).collect(),
        }
    };
    assert!(items(&sigs).is_empty());
    let mut tampered = sigs.clone();
    tampered.swap(4, 17);
    assert_eq!(items(&tampered), vec![(4, false), (17, false)]);
}

#[test]
fn duplicate_zero_and_empty_ids_are_refused() {
    let sk = validator(3);
    assert_eq!(
        split(&sk, &[1, 2, 2, 4], 3, &[0; 32]).unwrap_err(),
        ThresholdError::DuplicateId(2)
    );
    assert_eq!(
        split(&sk, &[0, 1, 2, 3], 3, &[0; 32]).unwrap_err(),
        ThresholdError::ZeroId
    );
    assert!(matches!(
        split(&sk, &[1, 2, 3], 4, &[0; 32]),
        Err(ThresholdError::BadThreshold { .. })
    ));
    assert!(matches!(
        split(&sk, &[1, 2, 3], 0, &[0; 32]),
        Err(ThresholdError::BadThreshold { .. })
    ));
    let s = sign(&sk, ROOT);
    assert_eq!(
        reconstruct_signature(&[(1, s), (1, s), (2, s)]).unwrap_err(),
        ThresholdError::DuplicateId(1)
    );
    assert_eq!(
        reconstruct_signature(&[]).unwrap_err(),
        ThresholdError::Empty
    );
    assert_eq!(
        lagrange_at_zero(&[3, 0]).unwrap_err(),
        ThresholdError::ZeroId
    );
}

#[test]
fn different_entropy_gives_different_shares_of_the_same_key() {
    let sk = validator(4);
    let a = split(&sk, &[1, 2, 3, 4], 3, &[1; 32]).unwrap();
    let b = split(&sk, &[1, 2, 3, 4], 3, &[2; 32]).unwrap();
    assert_ne!(a[0].1.to_bytes(), b[0].1.to_bytes());
    let again = split(&sk, &[1, 2, 3, 4], 3, &[1; 32]).unwrap();
    let bytes = |v: &[(u64, SecretKey)]| {
        v.iter()
            .map(|(id, s)| (*id, s.to_bytes()))
            .collect::<Vec<_>>()
    };
    assert_eq!(bytes(&a), bytes(&again), "same entropy, same shares");
}

#[test]
fn interop_keys_match_the_known_genesis_pubkeys() {
    // Ethereum's interop validators 0 and 1, as Lodestar's dev chain runs them.
    let known = [
        "a99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c",
        "b89bebc699769726a318c8e9971bd3171297c61aea4a6578a7a4f94b547dcba5bac16a89108b6b6a1fe3695d1a874a0b",
    ];
    for (i, pk) in known.iter().enumerate() {
        let sk = interop_secret_key(i as u64).unwrap();
        assert_eq!(
            hex::encode(sk.sk_to_pk().to_bytes()),
            *pk,
            "interop key {i}"
        );
    }
    // Shares of an interop key rebuild its signature.
    let sk = interop_secret_key(5).unwrap();
    let shares = split(&sk, &[11, 22, 33, 44, 55, 66, 77], 5, &[5; 32]).unwrap();
    let partials: Vec<(u64, Signature)> = shares
        .iter()
        .skip(2)
        .map(|(id, s)| (*id, sign(s, ROOT)))
        .collect();
    assert!(verify(
        &sk.sk_to_pk(),
        ROOT,
        &reconstruct_signature(&partials).unwrap()
    ));
}

/// A point on the G2 curve outside the prime-order subgroup: a compressed x
/// drawn from a counter until it decompresses (about half do) and fails the
/// subgroup check (all but a negligible share of curve points do).
fn off_subgroup_point() -> [u8; 96] {
    for k in 0u8..=255 {
        let mut bytes = [k; 96];
        bytes[0] = 0x80 | (k & 0x1f); // compressed flag, not infinity
        if let Ok(sig) = Signature::from_bytes(&bytes) {
            if sig.validate(false).is_err() {
                return bytes;
            }
        }
    }
    panic!("no off-subgroup point in 256 tries");
}

#[test]
fn verify_agrees_with_blst_on_good_bad_infinity_and_off_subgroup_signatures() {
    let sk = validator(3);
    let pk = sk.sk_to_pk();
    let good = sign(&sk, ROOT);
    let blst = |pk: &PublicKey, msg: &[u8], sig: &Signature| {
        sig.verify(true, msg, ssv_protocol::threshold::ETH_DST, &[], pk, true)
            == BLST_ERROR::BLST_SUCCESS
    };
    let off = Signature::from_bytes(&off_subgroup_point()).unwrap();
    let mut infinity = [0u8; 96];
    infinity[0] = 0xc0;
    let infinity = Signature::from_bytes(&infinity).unwrap();
    let cases: [(&PublicKey, &[u8], &Signature, bool); 5] = [
        (&pk, ROOT, &good, true),
        (&pk, b"another root, same length.......", &good, false),
        (&validator(4).sk_to_pk(), ROOT, &good, false),
        (&pk, ROOT, &infinity, false),
        (&pk, ROOT, &off, false),
    ];
    for (i, (pk, msg, sig, expected)) in cases.into_iter().enumerate() {
        assert_eq!(verify(pk, msg, sig), expected, "case {i}");
        assert_eq!(blst(pk, msg, sig), expected, "case {i} (blst)");
    }
}

#[test]
fn an_off_subgroup_partial_parses_for_interpolation_but_spoils_the_result() {
    let sk = validator(5);
    let ids = [1u64, 2, 3, 4];
    let shares = split(&sk, &ids, 3, &[2; 32]).unwrap();
    let mut partials: Vec<(u64, Signature)> =
        shares.iter().map(|(id, s)| (*id, sign(s, ROOT))).collect();
    let bad = off_subgroup_point();
    assert!(signature_from_bytes(&bad).is_err());
    partials[0].1 = signature_from_bytes_for_interpolation(&bad).unwrap();
    let rebuilt = reconstruct_signature(&partials[..3]).unwrap();
    assert!(!verify(&sk.sk_to_pk(), ROOT, &rebuilt));
    assert!(verify(
        &sk.sk_to_pk(),
        ROOT,
        &reconstruct_signature(&partials[1..]).unwrap()
    ));
}
