//! The operator key at rest: an EIP-2335 ("keystore v4") JSON file, as the Go
//! node's `generate-operator-keys` writes it (`encrypted_private_key.json`): the
//! keystore's `checksum`, `cipher` and `kdf` at the top level, plus `pubkey`
//! holding the base64 PEM public key. The encrypted message is the PKCS#1 PEM
//! text of the RSA key.
//!
//! Written with PBKDF2-HMAC-SHA256 (2^18 rounds) and AES-128-CTR, like the Go
//! node; read with PBKDF2 or scrypt, at the top level or under `crypto` (the
//! EIP-2335 layout).

use std::num::NonZeroU32;

use aws_lc_rs::cipher::{
    DecryptingKey, DecryptionContext, EncryptingKey, UnboundCipherKey, AES_128,
};
use aws_lc_rs::pbkdf2;
use serde_json::{json, Value};

use crate::json_path::{field, hex_vec, uint, JsonError};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

/// PBKDF2 rounds of new keystores (the Go node's default).
pub const PBKDF2_ROUNDS: u32 = 262_144;

/// Why a keystore could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// The JSON is not a keystore this node reads.
    #[error("not a keystore: {0}")]
    Format(String),
    /// The checksum does not match: the password is wrong.
    #[error("wrong password for the operator key")]
    WrongPassword,
    /// The crypto library failed.
    #[error("keystore crypto failed")]
    Crypto,
}

/// The password as EIP-2335 uses it: NFKD-normalised, control characters removed.
pub fn normalize_password(password: &str) -> Vec<u8> {
    password
        .nfkd()
        .filter(|c| !matches!(*c as u32, 0x00..=0x1f | 0x7f..=0x9f))
        .collect::<String>()
        .into_bytes()
}

fn pbkdf2_key(password: &[u8], salt: &[u8], rounds: NonZeroU32, dklen: usize) -> Vec<u8> {
    let mut out = vec![0u8; dklen];
    pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, rounds, salt, password, &mut out);
    out
}

fn checksum(dk: &[u8], ciphertext: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(dk.get(16..32).unwrap_or_default());
    h.update(ciphertext);
    h.finalize().into()
}

/// Encrypts `secret` under `password`, with fresh salt and IV, and returns the
/// keystore JSON with `pubkey` set.
pub fn encrypt(
    secret: &[u8],
    password: &str,
    pubkey: &str,
    rounds: u32,
) -> Result<Value, KeystoreError> {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).map_err(|_| KeystoreError::Crypto)?;
    let rounds = NonZeroU32::new(rounds).ok_or(KeystoreError::Crypto)?;
    let dk = pbkdf2_key(&normalize_password(password), &salt, rounds, 32);
    let key = UnboundCipherKey::new(&AES_128, &dk[..16]).map_err(|_| KeystoreError::Crypto)?;
    let mut ciphertext = secret.to_vec();
    let context = EncryptingKey::ctr(key)
        .and_then(|k| k.encrypt(&mut ciphertext))
        .map_err(|_| KeystoreError::Crypto)?;
    let iv: &[u8] = (&context).try_into().map_err(|_| KeystoreError::Crypto)?;
    Ok(json!({
        "checksum": {"function": "sha256", "params": {}, "message": hex::encode(checksum(&dk, &ciphertext))},
        "cipher": {"function": "aes-128-ctr", "params": {"iv": hex::encode(iv)}, "message": hex::encode(&ciphertext)},
        "kdf": {"function": "pbkdf2", "params": {"c": rounds.get(), "dklen": 32, "prf": "hmac-sha256", "salt": hex::encode(salt)}, "message": ""},
        "pubkey": pubkey,
    }))
}

impl From<JsonError> for KeystoreError {
    fn from(e: JsonError) -> Self {
        KeystoreError::Format(e.0)
    }
}

fn derive(crypto: &Value, password: &[u8]) -> Result<Vec<u8>, KeystoreError> {
    let function = field(crypto, &["kdf", "function"])?
        .as_str()
        .unwrap_or_default();
    let salt = hex_vec(crypto, &["kdf", "params", "salt"])?;
    let dklen = uint(crypto, &["kdf", "params", "dklen"])? as usize;
    if !(32..=64).contains(&dklen) {
        return Err(KeystoreError::Format(format!("dklen {dklen}")));
    }
    match function {
        "pbkdf2" => {
            let prf = field(crypto, &["kdf", "params", "prf"])?
                .as_str()
                .unwrap_or_default();
            if prf != "hmac-sha256" {
                return Err(KeystoreError::Format(format!("prf {prf:?}")));
            }
            let rounds = u32::try_from(uint(crypto, &["kdf", "params", "c"])?)
                .ok()
                .and_then(NonZeroU32::new)
                .ok_or_else(|| KeystoreError::Format("kdf.params.c".into()))?;
            Ok(pbkdf2_key(password, &salt, rounds, dklen))
        }
        "scrypt" => {
            let n = uint(crypto, &["kdf", "params", "n"])?;
            let r = uint(crypto, &["kdf", "params", "r"])?;
            let p = uint(crypto, &["kdf", "params", "p"])?;
            if !n.is_power_of_two() || n < 2 {
                return Err(KeystoreError::Format(format!("scrypt n {n}")));
            }
            let params = scrypt::Params::new(
                n.trailing_zeros() as u8,
                u32::try_from(r).map_err(|_| KeystoreError::Format("scrypt r".into()))?,
                u32::try_from(p).map_err(|_| KeystoreError::Format("scrypt p".into()))?,
            )
            .map_err(|e| KeystoreError::Format(format!("scrypt params: {e}")))?;
            let mut out = vec![0u8; dklen];
            scrypt::scrypt(password, &salt, &params, &mut out)
                .map_err(|_| KeystoreError::Crypto)?;
            Ok(out)
        }
        other => Err(KeystoreError::Format(format!("kdf {other:?}"))),
    }
}

/// Decrypts a keystore's secret with `password`.
pub fn decrypt(keystore: &Value, password: &str) -> Result<Vec<u8>, KeystoreError> {
    let crypto = keystore.get("crypto").unwrap_or(keystore);
    let cipher = field(crypto, &["cipher", "function"])?
        .as_str()
        .unwrap_or_default();
    if cipher != "aes-128-ctr" {
        return Err(KeystoreError::Format(format!("cipher {cipher:?}")));
    }
    let dk = derive(crypto, &normalize_password(password))?;
    let mut ciphertext = hex_vec(crypto, &["cipher", "message"])?;
    if hex_vec(crypto, &["checksum", "message"])? != checksum(&dk, &ciphertext) {
        return Err(KeystoreError::WrongPassword);
    }
    let iv: [u8; 16] = hex_vec(crypto, &["cipher", "params", "iv"])?
        .try_into()
        .map_err(|_| KeystoreError::Format("cipher.params.iv is not 16 bytes".into()))?;
    let key = UnboundCipherKey::new(&AES_128, &dk[..16]).map_err(|_| KeystoreError::Crypto)?;
    let plain = DecryptingKey::ctr(key)
        .and_then(|k| {
            k.decrypt(&mut ciphertext, DecryptionContext::Iv128(iv.into()))
                .map(|p| p.to_vec())
        })
        .map_err(|_| KeystoreError::Crypto)?;
    Ok(plain)
}

/// The public key a keystore names (`pubkey`, or the legacy `pubKey`).
pub fn public_key(keystore: &Value) -> Option<&str> {
    keystore
        .get("pubkey")
        .or_else(|| keystore.get("pubKey"))
        .and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_password() {
        let ks = encrypt(b"secret pem", "pass word\n", "pk", 1000).unwrap();
        // The trailing newline is a control character: it is not part of the password.
        assert_eq!(decrypt(&ks, "pass word").unwrap(), b"secret pem");
        assert!(matches!(
            decrypt(&ks, "pass"),
            Err(KeystoreError::WrongPassword)
        ));
        assert_eq!(public_key(&ks), Some("pk"));
        // The EIP-2335 layout (under "crypto") reads too.
        let wrapped = json!({"crypto": ks.clone(), "version": 4});
        assert_eq!(decrypt(&wrapped, "pass word").unwrap(), b"secret pem");
    }

    #[test]
    fn reads_the_eip2335_test_vectors() {
        // The two test vectors of EIP-2335 (password "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑").
        let password = "\u{1d531}\u{1d522}\u{1d530}\u{1d531}\u{1d52d}\u{1d51e}\u{1d530}\u{1d530}\u{1d534}\u{1d52c}\u{1d52f}\u{1d521}\u{1f511}";
        let secret = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
        let pbkdf2 = json!({"crypto": {
            "kdf": {"function": "pbkdf2", "params": {"dklen": 32, "c": 262144, "prf": "hmac-sha256",
                "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"}, "message": ""},
            "checksum": {"function": "sha256", "params": {}, "message": "8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1"},
            "cipher": {"function": "aes-128-ctr", "params": {"iv": "264daa3f303d7259501c93d997d84fe6"},
                "message": "cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad"}}});
        assert_eq!(hex::encode(decrypt(&pbkdf2, password).unwrap()), secret);
        let scrypt = json!({"crypto": {
            "kdf": {"function": "scrypt", "params": {"dklen": 32, "n": 262144, "p": 1, "r": 8,
                "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"}, "message": ""},
            "checksum": {"function": "sha256", "params": {}, "message": "d2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484"},
            "cipher": {"function": "aes-128-ctr", "params": {"iv": "264daa3f303d7259501c93d997d84fe6"},
                "message": "06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f"}}});
        assert_eq!(hex::encode(decrypt(&scrypt, password).unwrap()), secret);
    }
}
