//! The node's secrets at work: the operator's RSA key signs outgoing SSV
//! messages; the BLS shares (decrypted from the registry with that key) sign
//! roots. Both run on the CPU pool.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use ssv_protocol::contract::ContractState;
use ssv_protocol::operator_key::OperatorSigner;
use ssv_protocol::runner::io::SignItem;
use ssv_protocol::threshold::{self, SecretKey};

/// Our share secrets by share public key.
#[derive(Clone, Default)]
pub struct ShareKeys {
    keys: Arc<RwLock<BTreeMap<[u8; 48], SecretKey>>>,
}

impl std::fmt::Debug for ShareKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShareKeys({})", self.len())
    }
}

/// Why a share could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShareError {
    /// The encrypted share does not decrypt with our key.
    #[error("validator 0x{0}: our share does not decrypt")]
    Decrypt(String),
    /// It decrypts to a key whose public key is not the one registered.
    #[error("validator 0x{0}: our share is not the registered share key")]
    Mismatch(String),
    /// No secret for a share we were asked to sign with.
    #[error("no share secret for 0x{0}")]
    Unknown(String),
}

impl ShareKeys {
    /// Shares held.
    pub fn len(&self) -> usize {
        self.keys.read().map_or(0, |k| k.len())
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Decrypts the shares of `state` that we hold and do not have yet; returns
    /// the errors of those that fail (they are left out and tried again on the
    /// next call).
    pub fn load(&self, state: &ContractState, key: &OperatorSigner) -> Vec<ShareError> {
        let mut errors = Vec::new();
        let Some(own) = state.own_operator else {
            return errors;
        };
        for (pubkey, v) in &state.validators {
            let Some(encrypted) = &v.own_encrypted_share else {
                continue;
            };
            let Some(pos) = v.operators.iter().position(|id| *id == own) else {
                continue;
            };
            let Some(share_pubkey) = v.share_pubkeys.get(pos) else {
                continue;
            };
            if self.keys.read().is_ok_and(|k| k.contains_key(share_pubkey)) {
                continue;
            }
            let name = hex::encode(pubkey);
            let Ok(secret) = key
                .decrypt_share(encrypted)
                .ok()
                .and_then(|b| SecretKey::from_bytes(&b).ok())
                .ok_or(())
            else {
                errors.push(ShareError::Decrypt(name));
                continue;
            };
            if secret.sk_to_pk().compress() != *share_pubkey {
                errors.push(ShareError::Mismatch(name));
                continue;
            }
            if let Ok(mut k) = self.keys.write() {
                k.insert(*share_pubkey, secret);
            }
        }
        errors
    }

    /// One signature per item, in order.
    pub fn sign(&self, items: &[SignItem]) -> Result<Vec<[u8; 96]>, ShareError> {
        let keys = self
            .keys
            .read()
            .map_err(|_| ShareError::Unknown("(lock poisoned)".into()))?;
        items
            .iter()
            .map(|item| {
                let sk = keys
                    .get(&item.share_pubkey)
                    .ok_or_else(|| ShareError::Unknown(hex::encode(item.share_pubkey)))?;
                Ok(threshold::sign(sk, &item.signing_root).compress())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_with_the_share_of_the_item_and_refuses_unknown_shares() {
        let keys = ShareKeys::default();
        let sk = threshold::interop_secret_key(3).unwrap();
        let pk = sk.sk_to_pk().compress();
        keys.keys.write().unwrap().insert(pk, sk.clone());
        let item = SignItem {
            validator_index: 3,
            share_pubkey: pk,
            domain_type: [0; 4],
            object_root: [1; 32],
            signing_root: [2; 32],
        };
        let sigs = keys.sign(std::slice::from_ref(&item)).unwrap();
        let sig = threshold::signature_from_bytes(&sigs[0]).unwrap();
        assert!(threshold::verify(&sk.sk_to_pk(), &[2; 32], &sig));
        let other = SignItem {
            share_pubkey: [9; 48],
            ..item
        };
        assert!(matches!(keys.sign(&[other]), Err(ShareError::Unknown(_))));
    }
}
