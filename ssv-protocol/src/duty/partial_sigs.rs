//! Partial-signature collection (ssv-spec `PartialSigContainer`): per validator and
//! signing root, the first partial signature of each operator; quorum detection;
//! and reconstruction of the validator's signature, verified before it is
//! returned.

use std::collections::BTreeMap;

use blst::min_pk::{PublicKey, Signature};
use sha2::{Digest as _, Sha256};

use crate::signature_check::verify_checked_key;
use crate::threshold::{
    batch_holds_checked_keys, reconstruct_signature, signature_from_bytes_for_interpolation,
    SignedItem, ThresholdError,
};

/// What adding a partial signature did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AddOutcome {
    /// Stored.
    Added,
    /// The signer had already sent this exact signature; nothing changed.
    Duplicate,
    /// The signer had sent a different signature for the same root: the first is
    /// kept (as ssv-spec does) and the conflict is reported, since an honest
    /// operator's BLS signature over a root never changes.
    Conflicting,
}

/// Why a signature could not be rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReconstructError {
    /// Nothing stored for that validator and root.
    #[error("no partial signatures for this validator and root")]
    Missing,
    /// A stored partial signature does not parse.
    #[error("invalid partial signature: {0}")]
    Threshold(#[from] ThresholdError),
    /// The rebuilt signature does not verify against the validator's key
    /// (ssv-spec `ReconstructSignatureErrorCode`).
    #[error("reconstructed signature does not verify")]
    InvalidSignature,
}

/// Partial signatures by validator index, signing root and signer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartialSigContainer {
    quorum: usize,
    sigs: BTreeMap<(u64, [u8; 32]), BTreeMap<u64, [u8; 96]>>,
}

impl PartialSigContainer {
    /// An empty container that reaches quorum at `quorum` signers.
    pub fn new(quorum: usize) -> Self {
        PartialSigContainer {
            quorum,
            sigs: BTreeMap::new(),
        }
    }

    /// Stores `signer`'s partial signature of `root` for `validator`, unless the
    /// signer already has one there.
    pub fn add(
        &mut self,
        validator: u64,
        root: [u8; 32],
        signer: u64,
        signature: [u8; 96],
    ) -> AddOutcome {
        let by_signer = self.sigs.entry((validator, root)).or_default();
        match by_signer.get(&signer) {
            Some(existing) if *existing == signature => AddOutcome::Duplicate,
            Some(_) => AddOutcome::Conflicting,
            None => {
                by_signer.insert(signer, signature);
                AddOutcome::Added
            }
        }
    }

    /// The partial signatures stored for `validator` and `root`, by signer.
    pub fn signatures(&self, validator: u64, root: &[u8; 32]) -> Option<&BTreeMap<u64, [u8; 96]>> {
        self.sigs.get(&(validator, *root))
    }

    /// The number of signers that makes a quorum.
    pub fn quorum(&self) -> usize {
        self.quorum
    }

    /// Every stored partial signature as `(validator, signing root, signer,
    /// signature)`, ordered by validator, root and signer.
    pub fn entries(&self) -> impl Iterator<Item = (u64, &[u8; 32], u64, &[u8; 96])> + '_ {
        self.sigs.iter().flat_map(|((validator, root), by_signer)| {
            by_signer
                .iter()
                .map(move |(signer, sig)| (*validator, root, *signer, sig))
        })
    }

    /// Whether a quorum of signers signed `root` for `validator`.
    pub fn has_quorum(&self, validator: u64, root: &[u8; 32]) -> bool {
        self.signatures(validator, root)
            .is_some_and(|s| s.len() >= self.quorum)
    }

    /// Forgets one signer's partial signature (after it was found invalid).
    pub fn remove(&mut self, validator: u64, root: &[u8; 32], signer: u64) {
        if let Some(s) = self.sigs.get_mut(&(validator, *root)) {
            s.remove(&signer);
        }
    }

    /// Rebuilds the validator's signature of `root` from every stored partial
    /// signature (Lagrange interpolation at zero with operator IDs as points) and
    /// verifies it against `validator_pk`, a key from
    /// [`crate::threshold::public_key_from_bytes`] (not group-checked again).
    pub fn reconstruct(
        &self,
        validator: u64,
        root: &[u8; 32],
        validator_pk: &PublicKey,
    ) -> Result<Signature, ReconstructError> {
        let stored = self
            .signatures(validator, root)
            .filter(|s| !s.is_empty())
            .ok_or(ReconstructError::Missing)?;
        let partials: Vec<(u64, Signature)> = stored
            .iter()
            .map(|(signer, sig)| Ok((*signer, signature_from_bytes_for_interpolation(sig)?)))
            .collect::<Result<_, ThresholdError>>()?;
        let sig = reconstruct_signature(&partials)?;
        if verify_checked_key(validator_pk, root, &sig) {
            Ok(sig)
        } else {
            Err(ReconstructError::InvalidSignature)
        }
    }

    /// Rebuilds the signature of every `(validator, root, validator key)` and
    /// checks them all with one batch ([`crate::threshold::batch_holds`]), weighted by a digest of
    /// every key, root and rebuilt signature (keys as for [`Self::reconstruct`]).
    /// `Some` (in `items`' order) only if
    /// every one rebuilt and the batch holds; `None` otherwise, and the caller
    /// takes the one-by-one path ([`Self::reconstruct`]), which finds the bad
    /// ones. Deterministic weights are enough here: only partials from at most
    /// `f` operators can be chosen by an attacker, and making a wrong batch pass
    /// means finding partials whose digest gives weights that cancel, about
    /// 2^64 tries, within one slot; the cost of success is an invalid signature
    /// sent to the beacon node, which refuses it.
    pub fn reconstruct_batch(
        &self,
        items: &[(u64, [u8; 32], &PublicKey)],
    ) -> Option<Vec<Signature>> {
        let mut sigs = Vec::with_capacity(items.len());
        let mut digest = Sha256::new();
        digest.update(b"ssv-rebuilt-batch");
        for (validator, root, pk) in items {
            let stored = self
                .signatures(*validator, root)
                .filter(|s| !s.is_empty())?;
            let partials: Vec<(u64, Signature)> = stored
                .iter()
                .map(|(signer, sig)| {
                    Some((*signer, signature_from_bytes_for_interpolation(sig).ok()?))
                })
                .collect::<Option<_>>()?;
            let sig = reconstruct_signature(&partials).ok()?;
            digest.update(pk.to_bytes());
            digest.update(root);
            digest.update(sig.to_bytes());
            sigs.push(sig);
        }
        let entropy: [u8; 32] = digest.finalize().into();
        let batch: Vec<SignedItem<'_>> = items
            .iter()
            .zip(&sigs)
            .map(|((_, root, pk), sig)| SignedItem {
                public_key: pk,
                message: root,
                signature: sig,
            })
            .collect();
        batch_holds_checked_keys(&batch, &entropy).then_some(sigs)
    }
}
