//! BLS signature checks shaped for what the runners verify: rebuilt signatures
//! of the same few messages under many validators' keys.
//!
//! Three things make these cheaper than blst's general `verify`:
//! - **One multi-Miller loop per check.** `e(pk, H(m)) · e(−g₁, σ) = 1` is
//!   checked with both pairs in one loop and one final exponentiation, where
//!   blst's aggregate API runs the signature's pair in a loop of its own.
//! - **Hashes to G2 are remembered per message.** Every validator in a slot
//!   signs the same selection-proof, sync-committee and attestation roots, so
//!   the hash of a root is computed once and reused (a bounded memo of a pure
//!   function, shared by the process's threads: outputs do not depend on it,
//!   only time does).
//! - **A batch groups items that share a message.** With weights `rᵢ`,
//!   `Πᵢ e(rᵢ·pkᵢ, H(mᵢ)) = Π_m e(Σ_{i: mᵢ = m} rᵢ·pkᵢ, H(m))`: one pair per
//!   distinct message instead of one per item, plus one for `Σ rᵢ·σᵢ`.
//!
//! Public keys are taken as already checked: these functions are for keys from
//! [`crate::threshold::public_key_from_bytes`], which refuses infinity and
//! points outside G1. Signatures are group-checked here.

#![allow(unsafe_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use blst::min_pk::{PublicKey, Signature};
use blst::{blst_p1, blst_p1_affine, blst_p2, blst_p2_affine, Pairing};

use crate::threshold::ETH_DST;

/// How many message hashes the process remembers (about 220 bytes each).
const HASH_MEMO_CAPACITY: usize = 1024;
/// How many prepared partial signatures the process remembers (about 300
/// bytes each; only [`prepare_partial`] fills it).
const PARTIAL_MEMO_CAPACITY: usize = 4096;
/// How many checks that held the process remembers (about 250 bytes each;
/// only after [`remember_checks`]).
const VERIFIED_MEMO_CAPACITY: usize = 4096;

/// A bounded first-in, first-out memo.
struct Memo<K, V> {
    values: BTreeMap<K, V>,
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Ord + Copy, V: Copy> Memo<K, V> {
    const fn new(capacity: usize) -> Self {
        Memo {
            values: BTreeMap::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        self.values.get(key).copied()
    }

    fn insert(&mut self, key: K, value: V) {
        if self.values.contains_key(&key) {
            return;
        }
        if self.order.len() >= self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.values.remove(&old);
            }
        }
        self.order.push_back(key);
        self.values.insert(key, value);
    }
}

/// `H(m)` of 32-byte messages, one memo for every thread, so that another
/// thread can hash a message ahead of the thread that checks it
/// ([`prepare_root`]). Hashing runs outside the lock.
static HASHES: Mutex<Memo<[u8; 32], blst_p2_affine>> = Mutex::new(Memo::new(HASH_MEMO_CAPACITY));

/// Partial signatures decompressed ahead by [`prepare_partial`], by their
/// compressed bytes.
static PARTIALS: Mutex<Memo<[u8; 96], Signature>> = Mutex::new(Memo::new(PARTIAL_MEMO_CAPACITY));

/// A check's key: the compressed public key, the 32-byte message, the
/// compressed signature.
type CheckKey = ([u8; 48], [u8; 32], [u8; 96]);

/// Single checks that held, when [`remember_checks`] was called. A check is a
/// pure function of its key, so a remembered one answers as the check would.
static VERIFIED: Mutex<Memo<CheckKey, ()>> = Mutex::new(Memo::new(VERIFIED_MEMO_CAPACITY));

fn locked<T>(m: &'static Mutex<T>) -> std::sync::MutexGuard<'static, T> {
    // A panic while holding a lock cannot leave a memo wrong for readers
    // (every entry is a correct value of its key), so a poisoned lock is used.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `H(msg)` in G2 under the Ethereum DST, uncached.
fn hash_to_g2(msg: &[u8]) -> blst_p2_affine {
    let mut point = blst_p2::default();
    let mut affine = blst_p2_affine::default();
    // SAFETY: the pointers are to live values of the types blst takes, with the
    // lengths given alongside them; blst writes only through `out`.
    unsafe {
        blst::blst_hash_to_g2(
            &mut point,
            msg.as_ptr(),
            msg.len(),
            ETH_DST.as_ptr(),
            ETH_DST.len(),
            std::ptr::null(),
            0,
        );
        blst::blst_p2_to_affine(&mut affine, &point);
    }
    affine
}

/// `H(msg)`, from the memo when `msg` is a 32-byte root seen lately.
fn message_point(msg: &[u8]) -> blst_p2_affine {
    let Ok(key) = <[u8; 32]>::try_from(msg) else {
        return hash_to_g2(msg);
    };
    root_point(&key)
}

/// `H(root)`, from the memo or hashed into it.
fn root_point(root: &[u8; 32]) -> blst_p2_affine {
    if let Some(point) = locked(&HASHES).get(root) {
        return point;
    }
    let point = hash_to_g2(root);
    locked(&HASHES).insert(*root, point);
    point
}

/// Hashes `root` into the memo unless it is there: work another thread can do
/// ahead of the checks that will need it. Results never depend on it.
pub(crate) fn prepare_root(root: &[u8; 32]) {
    root_point(root);
}

/// Decompresses a partial signature into the memo (unless it is there or does
/// not decompress): work another thread can do ahead of
/// [`partial_for_interpolation`]. Results never depend on it.
pub(crate) fn prepare_partial(bytes: &[u8; 96]) {
    if locked(&PARTIALS).get(bytes).is_some() {
        return;
    }
    if let Ok(sig) = Signature::from_bytes(bytes) {
        locked(&PARTIALS).insert(*bytes, sig);
    }
}

/// The point of a compressed signature, on the curve, subgroup not checked
/// (see [`crate::threshold::signature_from_bytes_for_interpolation`]): from the
/// memo when [`prepare_partial`] decompressed it, which gives the same point.
pub(crate) fn partial_for_interpolation(bytes: &[u8]) -> Result<Signature, blst::BLST_ERROR> {
    if let Ok(key) = <[u8; 96]>::try_from(bytes) {
        if let Some(sig) = locked(&PARTIALS).get(&key) {
            return Ok(sig);
        }
    }
    Signature::from_bytes(bytes)
}

/// Whether checks that hold are remembered ([`remember_checks`]): only in a
/// replay, whose other threads make checks ahead of the machine.
static REMEMBERING: AtomicBool = AtomicBool::new(false);

/// From now on, this process remembers the single checks that hold, so that
/// a thread that makes a check another made first finds it done (a replay's
/// checker thread rebuilds and checks the signatures the machine will
/// rebuild). For replays: a live node never calls it, and its checks then
/// cost no lookups.
pub(crate) fn remember_checks() {
    REMEMBERING.store(true, Ordering::Relaxed);
}

/// Whether a check of `sig` against `pk` and `msg` was made and held. False
/// when none was remembered, so a caller then checks itself.
fn known_to_hold(pk: &PublicKey, msg: &[u8], sig: &Signature) -> bool {
    if !REMEMBERING.load(Ordering::Relaxed) {
        return false;
    }
    let Ok(root) = <[u8; 32]>::try_from(msg) else {
        return false;
    };
    let key = (pk.compress(), root, sig.compress());
    locked(&VERIFIED).get(&key).is_some()
}

/// Remembers that the check of `sig` against `pk` and `msg` holds, when
/// checks are remembered.
fn remember_holds(pk: &PublicKey, msg: &[u8], sig: &Signature) {
    if !REMEMBERING.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(root) = <[u8; 32]>::try_from(msg) {
        locked(&VERIFIED).insert((pk.compress(), root, sig.compress()), ());
    }
}

/// `−g₁`, the negated G1 generator, in affine form.
fn negated_generator() -> &'static blst_p1_affine {
    static NEG_G1: OnceLock<blst_p1_affine> = OnceLock::new();
    NEG_G1.get_or_init(|| {
        let mut affine = blst_p1_affine::default();
        // SAFETY: blst_p1_generator returns a pointer to a static point; the
        // other pointers are to live values; blst writes only through `out`.
        unsafe {
            let mut point: blst_p1 = *blst::blst_p1_generator();
            blst::blst_p1_cneg(&mut point, true);
            blst::blst_p1_to_affine(&mut affine, &point);
        }
        affine
    })
}

/// Whether the signature is a non-infinity point of G2.
fn signature_in_group(sig: &blst_p2_affine) -> bool {
    // SAFETY: a pointer to a live value; blst only reads it.
    unsafe { !blst::blst_p2_affine_is_inf(sig) && blst::blst_p2_affine_in_g2(sig) }
}

/// Whether the key is the point at infinity.
fn key_is_infinity(pk: &blst_p1_affine) -> bool {
    // SAFETY: a pointer to a live value; blst only reads it.
    unsafe { blst::blst_p1_affine_is_inf(pk) }
}

/// Whether the product of the pairings of `pairs` is one, with one Miller loop
/// over all of them and one final exponentiation. Empty: false.
fn product_is_one(pairs: &[(blst_p2_affine, blst_p1_affine)]) -> bool {
    if pairs.is_empty() {
        return false;
    }
    let mut pairing = Pairing::new(true, ETH_DST);
    for (q, p) in pairs {
        pairing.raw_aggregate(q, p);
    }
    pairing.commit();
    pairing.finalverify(None)
}

/// Whether `sig` is the signature of `msg` under `pk`, a key already checked
/// (see the module docs). The signature is group-checked. After
/// [`remember_checks`], a check that held is remembered and answered from
/// memory the next time, on any thread.
pub(crate) fn verify_checked_key(pk: &PublicKey, msg: &[u8], sig: &Signature) -> bool {
    if known_to_hold(pk, msg, sig) {
        return true;
    }
    let key: blst_p1_affine = (*pk).into();
    let point: blst_p2_affine = (*sig).into();
    if key_is_infinity(&key) || !signature_in_group(&point) {
        return false;
    }
    let holds = product_is_one(&[(message_point(msg), key), (point, *negated_generator())]);
    if holds {
        remember_holds(pk, msg, sig);
    }
    holds
}

/// One item of a weighted batch: a checked key, its message, its signature and
/// its 64-bit weight (little-endian, non-zero).
pub(crate) struct WeightedItem<'a> {
    /// The signer's key, already checked.
    pub public_key: &'a PublicKey,
    /// The signed message.
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a Signature,
    /// The weight, little-endian.
    pub weight: [u8; 8],
}

/// `acc += k·p` in G1 for a 64-bit `k`.
fn g1_mul_add(acc: &mut blst_p1, p: &blst_p1_affine, k: &[u8; 8]) {
    let mut point = blst_p1::default();
    let mut term = blst_p1::default();
    // SAFETY: pointers to live values of the types taken; 64 bits of the 8
    // bytes are read; blst allows `out` to alias an input.
    unsafe {
        blst::blst_p1_from_affine(&mut point, p);
        blst::blst_p1_mult(&mut term, &point, k.as_ptr(), 64);
        blst::blst_p1_add_or_double(acc, acc, &term);
    }
}

/// `acc += k·p` in G2 for a 64-bit `k`.
fn g2_mul_add(acc: &mut blst_p2, p: &blst_p2_affine, k: &[u8; 8]) {
    let mut point = blst_p2::default();
    let mut term = blst_p2::default();
    // SAFETY: as in `g1_mul_add`.
    unsafe {
        blst::blst_p2_from_affine(&mut point, p);
        blst::blst_p2_mult(&mut term, &point, k.as_ptr(), 64);
        blst::blst_p2_add_or_double(acc, acc, &term);
    }
}

/// Whether `Πᵢ e(rᵢ·pkᵢ, H(mᵢ)) = e(g₁, Σ rᵢ·σᵢ)`, with one pair per distinct
/// message. Every signature must be a non-infinity point of G2 and every key
/// not infinity. An empty batch holds.
pub(crate) fn weighted_batch_holds(items: &[WeightedItem<'_>]) -> bool {
    if items.is_empty() {
        return true;
    }
    let mut keys_by_message: BTreeMap<&[u8], blst_p1> = BTreeMap::new();
    let mut signatures = blst_p2::default();
    for item in items {
        let pk: blst_p1_affine = (*item.public_key).into();
        let sig: blst_p2_affine = (*item.signature).into();
        if key_is_infinity(&pk) || !signature_in_group(&sig) {
            return false;
        }
        g1_mul_add(
            keys_by_message.entry(item.message).or_default(),
            &pk,
            &item.weight,
        );
        g2_mul_add(&mut signatures, &sig, &item.weight);
    }
    let mut pairs = Vec::with_capacity(keys_by_message.len() + 1);
    for (message, key) in &keys_by_message {
        // A weighted sum at infinity pairs to one: leave it out (blst's loop
        // expects finite points).
        // SAFETY: pointers to live values; blst writes only through `out`.
        let (infinite, affine) = unsafe {
            let mut affine = blst_p1_affine::default();
            blst::blst_p1_to_affine(&mut affine, key);
            (blst::blst_p1_is_inf(key), affine)
        };
        if !infinite {
            pairs.push((message_point(message), affine));
        }
    }
    // SAFETY: as above.
    let (infinite, sum) = unsafe {
        let mut affine = blst_p2_affine::default();
        blst::blst_p2_to_affine(&mut affine, &signatures);
        (blst::blst_p2_is_inf(&signatures), affine)
    };
    if !infinite {
        pairs.push((sum, *negated_generator()));
    }
    product_is_one(&pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::{sign, verify};
    use blst::min_pk::SecretKey;

    fn key(i: u8) -> SecretKey {
        SecretKey::key_gen(&[i; 32], &[]).expect("32 bytes of key material")
    }

    fn weight(i: u64) -> [u8; 8] {
        (i * 0x9E37_79B9 + 1).to_le_bytes()
    }

    #[test]
    fn single_check_agrees_with_blst() {
        let (a, b) = (key(1), key(2));
        let m1 = [7u8; 32];
        let m2 = [8u8; 32];
        let good = sign(&a, &m1);
        for (pk, msg, sig) in [
            (a.sk_to_pk(), &m1[..], good),
            (b.sk_to_pk(), &m1[..], good),
            (a.sk_to_pk(), &m2[..], good),
            (a.sk_to_pk(), &m1[..], sign(&a, &m2)),
            (a.sk_to_pk(), &b"not a root"[..], sign(&a, b"not a root")),
        ] {
            // Twice: the second time the message's hash comes from the memo.
            for _ in 0..2 {
                assert_eq!(verify_checked_key(&pk, msg, &sig), verify(&pk, msg, &sig));
            }
        }
        assert!(verify_checked_key(&a.sk_to_pk(), &m1, &good));
        assert!(!verify_checked_key(&a.sk_to_pk(), &m2, &good));
    }

    #[test]
    fn prepared_partials_and_roots_give_what_parsing_and_hashing_give() {
        let sk = key(9);
        let root = [0x5au8; 32];
        let bytes = sign(&sk, &root).to_bytes();
        let parsed = Signature::from_bytes(&bytes).expect("a signature's bytes");
        prepare_partial(&bytes);
        assert!(locked(&PARTIALS).get(&bytes).is_some());
        assert_eq!(partial_for_interpolation(&bytes), Ok(parsed));
        // Bytes that do not decompress are not remembered, and fail as before.
        // Compressed, not infinity, an x coordinate above the field modulus.
        let mut bad = [0xff; 96];
        bad[0] = 0xbf;
        prepare_partial(&bad);
        assert!(locked(&PARTIALS).get(&bad).is_none());
        assert!(Signature::from_bytes(&bad).is_err());
        assert!(partial_for_interpolation(&bad).is_err());
        prepare_root(&root);
        assert_eq!(locked(&HASHES).get(&root), Some(hash_to_g2(&root)));
        assert!(verify_checked_key(&sk.sk_to_pk(), &root, &parsed));
    }

    #[test]
    fn batch_groups_shared_messages_and_catches_any_bad_item() {
        let keys: Vec<SecretKey> = (1..=6).map(key).collect();
        let pks: Vec<PublicKey> = keys.iter().map(|k| k.sk_to_pk()).collect();
        // Three validators sign root A, two root B, one root C.
        let roots = [[1u8; 32], [1; 32], [1; 32], [2; 32], [2; 32], [3; 32]];
        let mut sigs: Vec<Signature> = keys.iter().zip(&roots).map(|(k, r)| sign(k, r)).collect();
        let batch = |sigs: &[Signature]| -> bool {
            let items: Vec<WeightedItem<'_>> = (0..6)
                .map(|i| WeightedItem {
                    public_key: &pks[i],
                    message: &roots[i],
                    signature: &sigs[i],
                    weight: weight(i as u64),
                })
                .collect();
            weighted_batch_holds(&items)
        };
        assert!(batch(&sigs));
        // Two signers of the same root swap signatures: each is wrong.
        sigs.swap(0, 1);
        assert!(!batch(&sigs));
        sigs.swap(0, 1);
        // One signature of another root.
        sigs[4] = sign(&keys[4], &[9; 32]);
        assert!(!batch(&sigs));
        assert!(weighted_batch_holds(&[]));
    }

    #[test]
    fn infinity_signature_is_refused() {
        let a = key(3);
        let infinity = Signature::from_bytes(&{
            let mut b = [0u8; 96];
            b[0] = 0xc0;
            b
        })
        .expect("the compressed point at infinity parses");
        assert!(!verify_checked_key(&a.sk_to_pk(), &[1; 32], &infinity));
    }
}
