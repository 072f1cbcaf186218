//! `keysplit`: a validator key split into shares for a committee, each share
//! encrypted to its operator's RSA key, laid out as the ValidatorAdded shares
//! blob (for local networks and tests; real clusters use DKG or ssv-keys).

use aws_lc_rs::rsa::{Pkcs1PublicEncryptingKey, PublicEncryptingKey};
use serde::Serialize;
use ssv_protocol::contract::{Address, SharesBlob};
use ssv_protocol::operator_key::OperatorPublicKey;
use ssv_protocol::threshold::{self, SecretKey};

/// Why a split failed.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// Not 4, 7, 10 or 13 operators.
    #[error("{0} operators: a committee is 4, 7, 10 or 13")]
    CommitteeSize(usize),
    /// The threshold split refused the operator IDs.
    #[error("split: {0}")]
    Threshold(#[from] threshold::ThresholdError),
    /// An operator key cannot encrypt.
    #[error("operator {0}'s key cannot encrypt")]
    Encrypt(u64),
    /// No randomness.
    #[error("no system randomness")]
    Random,
}

/// The result of a split: what `registerValidator` takes.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeySplit {
    /// The validator's public key, `0x` hex.
    pub public_key: String,
    /// The committee, in the blob's order.
    pub operator_ids: Vec<u64>,
    /// The shares blob, `0x` hex.
    pub shares_data: String,
    /// The owner it is signed for.
    pub owner: String,
    /// The owner's nonce it is signed for.
    pub nonce: u64,
}

/// Encrypts a share secret to an operator: RSA PKCS#1 v1.5 of the secret's
/// lower-case hex (the form DKG writes; the Go node also takes it with `0x`).
pub fn encrypt_share(key: &OperatorPublicKey, secret: &SecretKey) -> Option<Vec<u8>> {
    let public = PublicEncryptingKey::from_der(key.spki_der()).ok()?;
    let encrypting = Pkcs1PublicEncryptingKey::new(public).ok()?;
    let plain = hex::encode(secret.to_bytes());
    let mut out = vec![0u8; encrypting.ciphertext_size()];
    let len = encrypting.encrypt(plain.as_bytes(), &mut out).ok()?.len();
    out.truncate(len);
    Some(out)
}

/// Splits `validator` among `operators` (ID and public key, in the order given)
/// with threshold 2f + 1, and signs the blob for (`owner`, `nonce`).
pub fn split_validator(
    validator: &SecretKey,
    operators: &[(u64, OperatorPublicKey)],
    owner: &Address,
    nonce: u64,
) -> Result<KeySplit, SplitError> {
    let n = operators.len();
    if !matches!(n, 4 | 7 | 10 | 13) {
        return Err(SplitError::CommitteeSize(n));
    }
    let f = (n - 1) / 3;
    let ids: Vec<u64> = operators.iter().map(|(id, _)| *id).collect();
    let mut entropy = [0u8; 32];
    getrandom::fill(&mut entropy).map_err(|_| SplitError::Random)?;
    let shares = threshold::split(validator, &ids, 2 * f + 1, &entropy)?;
    let mut pubkeys = Vec::with_capacity(n);
    let mut encrypted = Vec::with_capacity(n);
    for ((id, secret), (_, key)) in shares.iter().zip(operators) {
        pubkeys.push(secret.sk_to_pk());
        encrypted.push(encrypt_share(key, secret).ok_or(SplitError::Encrypt(*id))?);
    }
    let blob = SharesBlob::build(validator, owner, nonce, &pubkeys, &encrypted);
    Ok(KeySplit {
        public_key: format!("0x{}", hex::encode(validator.sk_to_pk().to_bytes())),
        operator_ids: ids,
        shares_data: format!("0x{}", hex::encode(blob)),
        owner: owner.to_checksum(),
        nonce,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_operator_key;
    use ssv_protocol::operator_key::OperatorSigner;

    #[test]
    fn every_operator_decrypts_its_share_and_a_quorum_signs_for_the_validator() {
        let signers: Vec<OperatorSigner> = (0..4)
            .map(|_| OperatorSigner::from_pkcs1_pem(&generate_operator_key().unwrap()).unwrap())
            .collect();
        let operators: Vec<(u64, OperatorPublicKey)> = signers
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u64 + 1, s.public_key()))
            .collect();
        let validator = threshold::interop_secret_key(3).unwrap();
        let owner = Address([5; 20]);
        let split = split_validator(&validator, &operators, &owner, 2).unwrap();
        let blob = hex::decode(&split.shares_data[2..]).unwrap();
        let parsed = SharesBlob::parse(&blob, 4).unwrap();
        let pk = validator.sk_to_pk().to_bytes();
        parsed.verify(&pk, &owner, 2).unwrap();
        assert!(parsed.verify(&pk, &owner, 3).is_err());
        let msg = [9u8; 32];
        let mut partials = Vec::new();
        for (i, signer) in signers.iter().enumerate() {
            let secret = signer.decrypt_share(&parsed.encrypted_shares[i]).unwrap();
            let sk = SecretKey::from_bytes(&secret).unwrap();
            assert_eq!(sk.sk_to_pk().to_bytes(), parsed.share_pubkeys[i]);
            partials.push((i as u64 + 1, threshold::sign(&sk, &msg)));
        }
        let sig = threshold::reconstruct_signature(&partials[1..]).unwrap();
        assert!(threshold::verify(&validator.sk_to_pk(), &msg, &sig));
        assert!(matches!(
            split_validator(&validator, &operators[..3], &owner, 0),
            Err(SplitError::CommitteeSize(3))
        ));
    }
}
