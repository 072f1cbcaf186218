//! Arbitrary sequences of adds, removals and reconstructions on the
//! partial-signature container, with a pool of real partial signatures of two
//! validators over two roots by 4 operators (3-of-4), wrong-signer copies,
//! garbage bytes and signatures not in the group. Nothing may panic, and:
//! - an operator's first partial for a (validator, root) is the one kept;
//!   a later different one is reported `Conflicting` and changes nothing;
//! - `has_quorum` is exactly "at least 3 signers stored";
//! - a reconstructed signature always verifies under the validator key, and
//!   reconstruction succeeds whenever only honest partials are stored and
//!   there are at least 3 of them;
//! - a batch of both validators' reconstructions holds exactly when each
//!   reconstructs alone, and then gives the same signatures.
#![no_main]
use std::collections::BTreeMap;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use blst::min_pk::PublicKey;
use libfuzzer_sys::fuzz_target;
use ssv_protocol::duty::partial_sigs::{AddOutcome, PartialSigContainer};
use ssv_protocol::threshold::{interop_secret_key, sign, split, verify};

const ROOTS: [[u8; 32]; 2] = [[0x11; 32], [0x22; 32]];

struct Pool {
    validator_pks: [PublicKey; 2],
    /// Honest partials by (validator, root, signer).
    honest: BTreeMap<(u64, usize, u64), [u8; 96]>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut honest = BTreeMap::new();
        let mut pks = Vec::new();
        for v in 0..2u64 {
            // Interop keys are fixed: a fuzzer's pool must not change between runs.
            let sk = interop_secret_key(v).expect("interop key");
            pks.push(sk.sk_to_pk());
            let shares = split(&sk, &[1, 2, 3, 4], 3, &[v as u8; 32]).expect("split");
            for (signer, share) in shares {
                for (r, root) in ROOTS.iter().enumerate() {
                    honest.insert((v, r, signer), sign(&share, root).compress());
                }
            }
        }
        let [a, b]: [PublicKey; 2] = pks.try_into().ok().expect("two keys");
        Pool { validator_pks: [a, b], honest }
    })
}

#[derive(Arbitrary, Debug)]
enum Sig {
    Honest,
    /// The partial of another signer.
    OtherSigner(u8),
    /// The partial over the other root.
    OtherRoot,
    Garbage([u8; 8]),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Add { validator: bool, root: bool, signer: u8, sig: Sig },
    Remove { validator: bool, root: bool, signer: u8 },
    Reconstruct { validator: bool, root: bool },
    /// Both validators over one root each, in one batch.
    ReconstructBatch { root0: bool, root1: bool },
}

fuzz_target!(|ops: Vec<Op>| {
    let pool = pool();
    let mut c = PartialSigContainer::new(3);
    // Our model: what is stored, and whether it is the honest partial.
    let mut model: BTreeMap<(u64, usize), BTreeMap<u64, ([u8; 96], bool)>> = BTreeMap::new();
    for op in ops.into_iter().take(64) {
        match op {
            Op::Add { validator, root, signer, sig } => {
                let (v, r, s) = (u64::from(validator), usize::from(root), u64::from(signer % 6));
                let honest_of = |signer: u64, r: usize| pool.honest.get(&(v, r, signer)).copied();
                let bytes = match sig {
                    Sig::Honest => honest_of(s, r),
                    Sig::OtherSigner(o) => honest_of(u64::from(o % 4) + 1, r),
                    Sig::OtherRoot => honest_of(s, 1 - r),
                    Sig::Garbage(g) => {
                        let mut b = [0u8; 96];
                        b[..8].copy_from_slice(&g);
                        Some(b)
                    }
                };
                let Some(bytes) = bytes else { continue };
                let is_honest = honest_of(s, r) == Some(bytes);
                let outcome = c.add(v, ROOTS[r], s, bytes);
                let slot = model.entry((v, r)).or_default();
                match slot.get(&s) {
                    None => {
                        assert_eq!(outcome, AddOutcome::Added);
                        slot.insert(s, (bytes, is_honest));
                    }
                    Some((kept, _)) if *kept == bytes => assert_eq!(outcome, AddOutcome::Duplicate),
                    Some(_) => assert_eq!(outcome, AddOutcome::Conflicting),
                }
            }
            Op::Remove { validator, root, signer } => {
                let (v, r, s) = (u64::from(validator), usize::from(root), u64::from(signer % 6));
                c.remove(v, &ROOTS[r], s);
                if let Some(slot) = model.get_mut(&(v, r)) {
                    slot.remove(&s);
                }
            }
            Op::Reconstruct { validator, root } => {
                let (v, r) = (u64::from(validator), usize::from(root));
                let pk = &pool.validator_pks[v as usize];
                let stored = model.get(&(v, r)).cloned().unwrap_or_default();
                match c.reconstruct(v, &ROOTS[r], pk) {
                    Ok(sig) => assert!(verify(pk, &ROOTS[r], &sig), "unverified signature returned"),
                    Err(e) => {
                        let all_honest = stored.values().all(|(_, h)| *h);
                        assert!(
                            !(all_honest && stored.len() >= 3),
                            "honest quorum failed to reconstruct: {e}"
                        );
                    }
                }
            }
            Op::ReconstructBatch { root0, root1 } => {
                let roots = [usize::from(root0), usize::from(root1)];
                let items: Vec<(u64, [u8; 32], &PublicKey)> =
                    (0..2).map(|v| (v as u64, ROOTS[roots[v]], &pool.validator_pks[v])).collect();
                let one_by_one: Vec<Option<_>> =
                    items.iter().map(|(v, root, pk)| c.reconstruct(*v, root, pk).ok()).collect();
                match c.reconstruct_batch(&items) {
                    // A batch that holds gives what one by one gives.
                    Some(sigs) => {
                        for (sig, single) in sigs.iter().zip(&one_by_one) {
                            assert_eq!(Some(*sig), *single, "batch and one-by-one differ");
                        }
                    }
                    // A batch refused: at least one fails one by one.
                    None => assert!(one_by_one.iter().any(Option::is_none), "a good batch was refused"),
                }
            }
        }
        for ((v, r), slot) in &model {
            assert_eq!(c.has_quorum(*v, &ROOTS[*r]), slot.len() >= 3);
            let kept: BTreeMap<u64, [u8; 96]> = slot.iter().map(|(s, (b, _))| (*s, *b)).collect();
            let stored = c.signatures(*v, &ROOTS[*r]).cloned().unwrap_or_default();
            assert_eq!(stored, kept, "container differs from the model");
        }
    }
});
