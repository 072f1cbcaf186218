//! The `shares` blob of a ValidatorAdded event (protocol facts §5): a BLS
//! signature by the validator key over keccak256 of `"<EIP-55 owner>:<nonce>"`,
//! then one 48-byte share public key per operator, then one 256-byte RSA
//! ciphertext of the share secret per operator, both in `operatorIds` order.

use super::events::keccak256;
use super::Address;
use crate::threshold::{self, PublicKey, SecretKey};

/// Length of the validator key's signature at the start of the blob.
pub const SIGNATURE_LEN: usize = 96;
/// Length of one share public key.
pub const SHARE_PUBKEY_LEN: usize = 48;
/// Length of one encrypted share (an RSA-2048 ciphertext).
pub const ENCRYPTED_SHARE_LEN: usize = 256;

/// Why a shares blob is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SharesError {
    /// The blob's length is not 96 + 304 n.
    #[error("shares blob is {got} bytes, want {want} for {operators} operators")]
    Length {
        /// Its length.
        got: usize,
        /// The length n operators need.
        want: usize,
        /// n.
        operators: usize,
    },
    /// The validator public key does not parse.
    #[error("validator public key is not a valid BLS key")]
    ValidatorKey,
    /// The signature does not parse or does not verify for this owner and nonce.
    #[error("shares signature does not verify for owner {owner} and nonce {nonce}")]
    Signature {
        /// The owner, EIP-55.
        owner: String,
        /// The nonce it was checked against.
        nonce: u64,
    },
}

/// A shares blob, split into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharesBlob {
    /// The validator key's signature over the owner and nonce.
    pub signature: [u8; SIGNATURE_LEN],
    /// The share public keys, in operator order.
    pub share_pubkeys: Vec<[u8; SHARE_PUBKEY_LEN]>,
    /// The encrypted share secrets, in operator order.
    pub encrypted_shares: Vec<Vec<u8>>,
}

/// The message the validator key signs: keccak256 of `"<EIP-55 owner>:<nonce>"`.
pub fn ownership_message(owner: &Address, nonce: u64) -> [u8; 32] {
    keccak256(format!("{}:{}", owner.to_checksum(), nonce).as_bytes())
}

impl SharesBlob {
    /// Splits a blob for `operators` operators, checking only its length.
    pub fn parse(blob: &[u8], operators: usize) -> Result<Self, SharesError> {
        let want = SIGNATURE_LEN + operators * (SHARE_PUBKEY_LEN + ENCRYPTED_SHARE_LEN);
        if blob.len() != want {
            return Err(SharesError::Length {
                got: blob.len(),
                want,
                operators,
            });
        }
        let (signature, rest) = blob.split_at(SIGNATURE_LEN);
        let (pubkeys, encrypted) = rest.split_at(operators * SHARE_PUBKEY_LEN);
        let mut sig = [0u8; SIGNATURE_LEN];
        sig.copy_from_slice(signature);
        Ok(SharesBlob {
            signature: sig,
            share_pubkeys: pubkeys
                .chunks_exact(SHARE_PUBKEY_LEN)
                .map(|c| {
                    let mut k = [0u8; SHARE_PUBKEY_LEN];
                    k.copy_from_slice(c);
                    k
                })
                .collect(),
            encrypted_shares: encrypted
                .chunks_exact(ENCRYPTED_SHARE_LEN)
                .map(<[u8]>::to_vec)
                .collect(),
        })
    }

    /// Checks the signature against the validator key for this owner and nonce.
    /// Other operators' share keys are not checked, as the Go node does not check
    /// them: the registries of all nodes must agree on which events were applied.
    pub fn verify(&self, validator: &[u8], owner: &Address, nonce: u64) -> Result<(), SharesError> {
        let pk =
            threshold::public_key_from_bytes(validator).map_err(|_| SharesError::ValidatorKey)?;
        let ok = threshold::signature_from_bytes(&self.signature)
            .map(|sig| threshold::verify(&pk, &ownership_message(owner, nonce), &sig))
            .unwrap_or(false);
        if !ok {
            return Err(SharesError::Signature {
                owner: owner.to_checksum(),
                nonce,
            });
        }
        Ok(())
    }

    /// Builds a blob (for local networks and tests): signs the ownership message
    /// with the validator key and lays out the given share keys and ciphertexts.
    pub fn build(
        validator: &SecretKey,
        owner: &Address,
        nonce: u64,
        share_pubkeys: &[PublicKey],
        encrypted_shares: &[Vec<u8>],
    ) -> Vec<u8> {
        let sig = threshold::sign(validator, &ownership_message(owner, nonce));
        let mut out = sig.to_bytes().to_vec();
        for pk in share_pubkeys {
            out.extend_from_slice(&pk.to_bytes());
        }
        for c in encrypted_shares {
            out.extend_from_slice(c);
        }
        out
    }
}
