//! Threshold BLS over a validator key: Shamir shares with operator IDs as
//! evaluation points, reconstruction of the validator's signature from any quorum
//! of partial signatures by Lagrange interpolation at zero, and verification one by
//! one or in batches (falling back to single checks to name the bad ones).
//!
//! Points and pairings are blst; the scalar-field arithmetic (polynomials and
//! Lagrange coefficients) is `bls12_381`'s `Scalar`, because blst exposes no safe
//! scalar arithmetic. Randomness is never drawn here: splitting and batch
//! verification take caller-supplied entropy.

use bls12_381::Scalar;
pub use blst::min_pk::{PublicKey, SecretKey, Signature};
use blst::{MultiPoint, BLST_ERROR};
use sha2::{Digest as _, Sha256};

/// The Ethereum signature domain-separation tag (proof-of-possession scheme).
pub const ETH_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// Why a threshold operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ThresholdError {
    /// No shares or partial signatures were given.
    #[error("nothing to combine")]
    Empty,
    /// Operator ID 0 cannot be an evaluation point (it is the secret itself).
    #[error("operator ID 0 is not a valid share index")]
    ZeroId,
    /// An operator ID appears twice.
    #[error("duplicate operator ID {0}")]
    DuplicateId(u64),
    /// The threshold is 0 or above the number of shares.
    #[error("threshold {threshold} out of range for {shares} shares")]
    BadThreshold {
        /// The threshold asked for.
        threshold: usize,
        /// The number of shares.
        shares: usize,
    },
    /// A derived secret is zero or not canonical (negligibly unlikely).
    #[error("derived an invalid secret key")]
    InvalidSecret,
    /// A signature or key failed blst's checks.
    #[error("BLS error {0:?}")]
    Bls(BlsError),
}

/// blst's error, comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlsError(pub BLST_ERROR);

fn bls(e: BLST_ERROR) -> ThresholdError {
    ThresholdError::Bls(BlsError(e))
}

fn scalar_of(sk: &SecretKey) -> Result<Scalar, ThresholdError> {
    let mut le = sk.to_bytes();
    le.reverse();
    Option::from(Scalar::from_bytes(&le)).ok_or(ThresholdError::InvalidSecret)
}

fn secret_of(s: &Scalar) -> Result<SecretKey, ThresholdError> {
    let mut be = s.to_bytes();
    be.reverse();
    SecretKey::from_bytes(&be).map_err(|_| ThresholdError::InvalidSecret)
}

fn check_ids(ids: &[u64]) -> Result<(), ThresholdError> {
    if ids.is_empty() {
        return Err(ThresholdError::Empty);
    }
    for (i, id) in ids.iter().enumerate() {
        if *id == 0 {
            return Err(ThresholdError::ZeroId);
        }
        if ids.iter().take(i).any(|x| x == id) {
            return Err(ThresholdError::DuplicateId(*id));
        }
    }
    Ok(())
}

/// A scalar uniformly derived from `parts` (SHA-256 expanded to 64 bytes, reduced).
fn derive_scalar(parts: &[&[u8]]) -> Scalar {
    let mut wide = [0u8; 64];
    for (half, tag) in wide.chunks_mut(32).zip([0u8, 1u8]) {
        let mut h = Sha256::new();
        h.update([tag]);
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        half.copy_from_slice(&h.finalize());
    }
    Scalar::from_bytes_wide(&wide)
}

/// Splits `secret` into shares for `operators` such that any `threshold` of them
/// rebuild it: share(i) = f(i) for a random polynomial f of degree
/// `threshold - 1` with f(0) = secret. The polynomial's coefficients are derived
/// from `entropy` (32 fresh random bytes from the caller) and the secret.
pub fn split(
    secret: &SecretKey,
    operators: &[u64],
    threshold: usize,
    entropy: &[u8; 32],
) -> Result<Vec<(u64, SecretKey)>, ThresholdError> {
    check_ids(operators)?;
    if threshold == 0 || threshold > operators.len() {
        return Err(ThresholdError::BadThreshold {
            threshold,
            shares: operators.len(),
        });
    }
    let secret_bytes = secret.to_bytes();
    let mut coefficients = vec![scalar_of(secret)?];
    for k in 1..threshold as u64 {
        coefficients.push(derive_scalar(&[
            b"ssv-split",
            entropy,
            &secret_bytes,
            &k.to_le_bytes(),
        ]));
    }
    operators
        .iter()
        .map(|&id| {
            let x = Scalar::from(id);
            // Horner's rule, highest coefficient first.
            let y = coefficients
                .iter()
                .rev()
                .fold(Scalar::zero(), |acc, c| acc * x + c);
            Ok((id, secret_of(&y)?))
        })
        .collect()
}

/// The Lagrange coefficients at zero for these evaluation points:
/// λ_i = Π_{j≠i} x_j / (x_j − x_i).
pub fn lagrange_at_zero(ids: &[u64]) -> Result<Vec<Scalar>, ThresholdError> {
    check_ids(ids)?;
    ids.iter()
        .map(|&i| {
            let xi = Scalar::from(i);
            let (num, den) = ids.iter().filter(|&&j| j != i).fold(
                (Scalar::one(), Scalar::one()),
                |(n, d), &j| {
                    let xj = Scalar::from(j);
                    (n * xj, d * (xj - xi))
                },
            );
            // Distinct non-zero ids make every factor non-zero, so `den` inverts.
            Option::from(den.invert())
                .map(|inv: Scalar| num * inv)
                .ok_or(ThresholdError::ZeroId)
        })
        .collect()
}

/// Rebuilds the validator's signature from partial signatures of distinct
/// operators. The caller passes exactly the quorum it wants used; the result is
/// valid only if every partial is.
///
/// On the calling thread, with the coefficients as small integers over one
/// denominator where they fit (see `interpolation.rs`).
pub fn reconstruct_signature(partials: &[(u64, Signature)]) -> Result<Signature, ThresholdError> {
    let ids: Vec<u64> = partials.iter().map(|(id, _)| *id).collect();
    check_ids(&ids)?;
    let sigs: Vec<Signature> = partials.iter().map(|(_, s)| *s).collect();
    Ok(crate::interpolation::interpolate_at_zero(
        &ids,
        &sigs,
        || {
            // The IDs were checked, so the coefficients exist.
            lagrange_at_zero(&ids).unwrap_or_default()
        },
    ))
}

/// Rebuilds the validator's public key from share public keys (a check that a
/// set of shares belongs to a validator).
pub fn reconstruct_public_key(shares: &[(u64, PublicKey)]) -> Result<PublicKey, ThresholdError> {
    let ids: Vec<u64> = shares.iter().map(|(id, _)| *id).collect();
    let lambdas = lagrange_at_zero(&ids)?;
    let pks: Vec<PublicKey> = shares.iter().map(|(_, p)| *p).collect();
    let scalars: Vec<u8> = lambdas.iter().flat_map(|l| l.to_bytes()).collect();
    Ok(pks.mult(&scalars, 255).to_public_key())
}

/// Whether `sig` is `pk`'s signature of `msg` (Ethereum DST, group checks on).
///
/// One pairing check on the calling thread, with both pairs in one Miller loop
/// (see `signature_check.rs`): blst's `Signature::verify` hands even a single
/// check to its thread pool, which costs more than it saves for one signature.
pub fn verify(pk: &PublicKey, msg: &[u8], sig: &Signature) -> bool {
    // Infinity and out-of-subgroup keys are refused, as
    // `Signature::verify(true, .., true)` refuses them; the signature is
    // group-checked by the check itself.
    pk.validate().is_ok() && crate::signature_check::verify_checked_key(pk, msg, sig)
}

/// One signature to check in a batch.
#[derive(Clone, Copy, Debug)]
pub struct SignedItem<'a> {
    /// The signer's (share) public key.
    pub public_key: &'a PublicKey,
    /// The signed message (a signing root).
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a Signature,
}

/// Verifies many signatures with one multi-pairing, weighting each by a 64-bit
/// coefficient derived from `entropy` (fresh random bytes from the caller; an
/// attacker must not know them). When the batch fails, checks each signature alone
/// and returns the indices of the invalid ones; `Ok(())` means all are valid.
pub fn batch_verify(items: &[SignedItem<'_>], entropy: &[u8; 32]) -> Result<(), Vec<usize>> {
    if items.is_empty() || batch_holds(items, entropy) {
        return Ok(());
    }
    let bad: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| !verify(i.public_key, i.message, i.signature))
        .map(|(n, _)| n)
        .collect();
    if bad.is_empty() {
        // The batch failed but every signature verifies alone: only possible with
        // a malformed input blst refused as a whole; report every item.
        Err((0..items.len()).collect())
    } else {
        Err(bad)
    }
}

/// Whether every item verifies, by one multi-pairing on the calling thread: each
/// pair is weighted by a 64-bit non-zero coefficient derived from `entropy`, so
/// invalid signatures pass together only with probability about 2^-64 for
/// entropy the signers could not choose. Group checks are on for keys and
/// signatures. An empty batch holds.
pub fn batch_holds(items: &[SignedItem<'_>], entropy: &[u8; 32]) -> bool {
    items.iter().all(|i| i.public_key.validate().is_ok())
        && batch_holds_checked_keys(items, entropy)
}

/// [`batch_holds`] for keys already checked by [`public_key_from_bytes`]: the
/// signatures are still group-checked, the keys are not again. Items that share
/// a message share one pairing (see `signature_check.rs`).
pub(crate) fn batch_holds_checked_keys(items: &[SignedItem<'_>], entropy: &[u8; 32]) -> bool {
    let weighted: Vec<crate::signature_check::WeightedItem<'_>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let d = derive_scalar(&[b"ssv-batch", entropy, &(i as u64).to_le_bytes()]).to_bytes();
            let mut weight = [0u8; 8];
            weight.copy_from_slice(&d[..8]);
            weight[0] |= 1;
            crate::signature_check::WeightedItem {
                public_key: item.public_key,
                message: item.message,
                signature: item.signature,
                weight,
            }
        })
        .collect();
    crate::signature_check::weighted_batch_holds(&weighted)
}

/// Signs `msg` with a (share) secret key under the Ethereum DST.
pub fn sign(sk: &SecretKey, msg: &[u8]) -> Signature {
    sk.sign(msg, ETH_DST, &[])
}

/// Parses a compressed 96-byte signature that will only be interpolated into a
/// signature verified with its group check ([`verify`]): the point is on the
/// curve, but its subgroup is not checked. Safe there: a partial `s + T` with a
/// torsion part `T` moves the result by `λ·T`, which either is zero (the result
/// is the right signature) or puts the result outside the subgroup, where the
/// group-checked verification refuses it. Saves one G2 subgroup check per
/// partial on the common path, where every partial is good.
pub fn signature_from_bytes_for_interpolation(bytes: &[u8]) -> Result<Signature, ThresholdError> {
    crate::signature_check::partial_for_interpolation(bytes).map_err(bls)
}

/// Parses a compressed 96-byte signature, with the subgroup check.
pub fn signature_from_bytes(bytes: &[u8]) -> Result<Signature, ThresholdError> {
    let sig = Signature::from_bytes(bytes).map_err(bls)?;
    sig.validate(true).map_err(bls)?;
    Ok(sig)
}

/// Parses a compressed 48-byte public key, with the subgroup check.
pub fn public_key_from_bytes(bytes: &[u8]) -> Result<PublicKey, ThresholdError> {
    let pk = PublicKey::from_bytes(bytes).map_err(bls)?;
    pk.validate().map_err(bls)?;
    Ok(pk)
}

/// The standard interop validator key `index` (Ethereum's interop genesis keys, as
/// Lodestar's dev chain uses): the little-endian integer of
/// sha256(index as 32 little-endian bytes), mod the group order.
pub fn interop_secret_key(index: u64) -> Result<SecretKey, ThresholdError> {
    let mut input = [0u8; 32];
    input[..8].copy_from_slice(&index.to_le_bytes());
    let mut wide = [0u8; 64];
    wide[..32].copy_from_slice(&Sha256::digest(input));
    secret_of(&Scalar::from_bytes_wide(&wide))
}
