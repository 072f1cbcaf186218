//! Lagrange interpolation at zero in G2 on the calling thread, with the
//! coefficients as small integers where they are.
//!
//! Each coefficient is a fraction of operator IDs,
//! λ_i = Π_{j≠i} x_j / Π_{j≠i} (x_j − x_i). Over a common denominator `L` the
//! numerators `c_i = λ_i·L` are integers, small for the IDs committees have (for
//! IDs 1, 2, 3 they are 3, −3 and 1 with `L = 1`). Then
//! `Σ λ_i·σ_i = L⁻¹·Σ c_i·σ_i`: short multiplications and at most one full one,
//! against one full (255-bit) multiplication per partial. Where the integers do
//! not fit 128 bits the full coefficients are used. Either way the work stays on
//! the calling thread: blst's own multi-point multiplication hands each point of
//! a small set to its thread pool and waits for them, which costs more than it
//! saves for three to nine points.

#![allow(unsafe_code)]

use bls12_381::Scalar;
use blst::{blst_p2, blst_p2_affine, min_pk::Signature};

/// `acc += ±k·σ` for the scalar `k` given as little-endian bytes, of which
/// `nbits` are read.
fn mul_add(acc: &mut blst_p2, sig: &Signature, k_le: &[u8], nbits: usize, negate: bool) {
    let affine: blst_p2_affine = (*sig).into();
    let nbits = nbits.clamp(1, k_le.len() * 8);
    let mut point = blst_p2::default();
    let mut term = blst_p2::default();
    // SAFETY: every pointer is to a live, initialised value of the type the
    // function takes; `nbits` is at most the bits `k_le` holds; blst writes only
    // through `out` (`point`, `term`, `acc`) and allows `out` to alias an input.
    unsafe {
        blst::blst_p2_from_affine(&mut point, &affine);
        blst::blst_p2_mult(&mut term, &point, k_le.as_ptr(), nbits);
        blst::blst_p2_cneg(&mut term, negate);
        blst::blst_p2_add_or_double(acc, acc, &term);
    }
}

/// `s·p` for the scalar `s` as 32 little-endian bytes.
fn scaled(p: &blst_p2, s: &[u8; 32]) -> blst_p2 {
    let mut out = blst_p2::default();
    // SAFETY: as in `mul_add`; 255 bits of the 32 bytes are read.
    unsafe { blst::blst_p2_mult(&mut out, p, s.as_ptr(), 255) };
    out
}

/// The point as a signature.
fn signature_of(p: &blst_p2) -> Signature {
    let mut affine = blst_p2_affine::default();
    // SAFETY: as in `mul_add`.
    unsafe { blst::blst_p2_to_affine(&mut affine, p) };
    Signature::from(affine)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The coefficients at zero for distinct non-zero `ids` as integers over one
/// positive denominator: `(c, L)` with `λ_i = c_i / L`; `None` where any
/// intermediate value does not fit.
pub(crate) fn integer_coefficients(ids: &[u64]) -> Option<(Vec<i128>, u128)> {
    let mut fractions = Vec::with_capacity(ids.len());
    for &i in ids {
        let (mut num, mut den) = (1i128, 1i128);
        for &j in ids.iter().filter(|&&j| j != i) {
            num = num.checked_mul(i128::from(j))?;
            den = den.checked_mul(i128::from(j) - i128::from(i))?;
        }
        // Distinct non-zero IDs make `den` non-zero, so `g` is at least 1.
        let g = gcd(num.unsigned_abs(), den.unsigned_abs());
        let (n, d) = (num / i128::try_from(g).ok()?, den / i128::try_from(g).ok()?);
        let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
        fractions.push((n, d.unsigned_abs()));
    }
    let mut l: u128 = 1;
    for (_, d) in &fractions {
        l = (l / gcd(l, *d)).checked_mul(*d)?;
    }
    let cs = fractions
        .iter()
        .map(|(n, d)| n.checked_mul(i128::try_from(l / d).ok()?))
        .collect::<Option<Vec<i128>>>()?;
    Some((cs, l))
}

/// A 128-bit integer as a scalar.
fn scalar_of(v: u128) -> Scalar {
    let mut le = [0u8; 64];
    le[..16].copy_from_slice(&v.to_le_bytes());
    Scalar::from_bytes_wide(&le)
}

/// `Σ λ_i·σ_i` for the quorum's IDs and partial signatures (IDs already checked
/// distinct and non-zero; `lambdas` computes the full coefficients when the
/// integers do not fit).
pub(crate) fn interpolate_at_zero(
    ids: &[u64],
    sigs: &[Signature],
    lambdas: impl FnOnce() -> Vec<Scalar>,
) -> Signature {
    let mut acc = blst_p2::default();
    if let Some((cs, l)) = integer_coefficients(ids) {
        // 1 <= l < 2^128, below the group order: non-zero, so it inverts.
        let inverse: Option<Scalar> = scalar_of(l).invert().into();
        if let Some(inv) = inverse {
            for (sig, c) in sigs.iter().zip(&cs) {
                let k = c.unsigned_abs();
                let nbits = 128 - k.leading_zeros() as usize;
                mul_add(&mut acc, sig, &k.to_le_bytes(), nbits, *c < 0);
            }
            if l != 1 {
                acc = scaled(&acc, &inv.to_bytes());
            }
            return signature_of(&acc);
        }
    }
    for (sig, lambda) in sigs.iter().zip(lambdas()) {
        mul_add(&mut acc, sig, &lambda.to_bytes(), 255, false);
    }
    signature_of(&acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer coefficients over their denominator are the field's
    /// Lagrange coefficients, for small IDs, mainnet-sized IDs, and IDs too
    /// large for the integers (which must give `None`, not a wrong answer).
    #[test]
    fn integer_coefficients_are_the_lagrange_coefficients() {
        let cases: [&[u64]; 5] = [
            &[1, 2, 3],
            &[4, 2, 1],
            &[17, 250, 1234, 999, 3],
            &[1, 2, 3, 4, 5, 6, 7, 8, 9],
            &[u64::MAX, u64::MAX - 1, 5],
        ];
        for ids in cases {
            let full = crate::threshold::lagrange_at_zero(ids).expect("valid ids");
            match integer_coefficients(ids) {
                Some((cs, l)) => {
                    let inv: Scalar = Option::from(scalar_of(l).invert()).expect("l inverts");
                    for (c, lambda) in cs.iter().zip(&full) {
                        let mag = scalar_of(c.unsigned_abs());
                        let c = if *c < 0 { -mag } else { mag };
                        assert_eq!(c * inv, *lambda, "ids {ids:?}");
                    }
                }
                None => assert_eq!(ids[0], u64::MAX, "ids {ids:?} should fit"),
            }
        }
        assert_eq!(integer_coefficients(&[1, 2, 3]), Some((vec![3, -3, 1], 1)));
    }
}
