//! Partial-signature work for one duty: verifying a quorum of partial signatures
//! one by one versus in one batch, and reconstructing the validator signature,
//! for committees of 4 and 13.

use blst::min_pk::{PublicKey, SecretKey, Signature};
use criterion::{criterion_main, Criterion};
use ssv_protocol::threshold::{
    batch_verify, reconstruct_signature, sign, split, verify, SignedItem,
};

const ROOT: &[u8] = b"signing root of an attestation..";

fn setup(n: u64) -> (Vec<(u64, Signature)>, Vec<PublicKey>) {
    let sk = SecretKey::key_gen(&[7; 32], &[]).unwrap();
    let ids: Vec<u64> = (1..=n).collect();
    let quorum = (2 * ((n - 1) / 3) + 1) as usize;
    let shares = split(&sk, &ids, quorum, &[1; 32]).unwrap();
    let partials: Vec<(u64, Signature)> = shares
        .iter()
        .take(quorum)
        .map(|(id, s)| (*id, sign(s, ROOT)))
        .collect();
    let pks = shares
        .iter()
        .take(quorum)
        .map(|(_, s)| s.sk_to_pk())
        .collect();
    (partials, pks)
}

fn bench(c: &mut Criterion) {
    for n in [4u64, 13] {
        let (partials, pks) = setup(n);
        let q = partials.len();
        let mut group = c.benchmark_group(format!("partials_n{n}_quorum{q}"));
        group.bench_function("verify_one_by_one", |b| {
            b.iter(|| {
                for ((_, sig), pk) in partials.iter().zip(&pks) {
                    assert!(verify(pk, ROOT, sig));
                }
            })
        });
        group.bench_function("verify_batch", |b| {
            let items: Vec<SignedItem> = partials
                .iter()
                .zip(&pks)
                .map(|((_, s), pk)| SignedItem {
                    public_key: pk,
                    message: ROOT,
                    signature: s,
                })
                .collect();
            b.iter(|| assert!(batch_verify(&items, &[9; 32]).is_ok()))
        });
        group.bench_function("reconstruct", |b| {
            b.iter(|| reconstruct_signature(&partials).unwrap())
        });
        group.finish();
    }
}

#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
