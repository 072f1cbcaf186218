//! Operator keys: RSA-2048, PKCS#1 v1.5 signatures over SHA-256 of the SSZ
//! `SSVMessage` (ssv-spec `types/operator_signer.go`).

use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::sha2::Sha256;
use rsa::signature::{Keypair, Signer, Verifier};

use crate::wire::SsvMessage;

/// Why a key could not be loaded or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not the expected base64 or PEM.
    #[error("malformed key encoding: {0}")]
    Encoding(&'static str),
    /// The DER body is not an RSA key of the expected form.
    #[error("invalid RSA key: {0}")]
    Key(String),
    /// Signing failed.
    #[error("signing failed")]
    Sign,
}

/// An operator's public key.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorPublicKey {
    key: VerifyingKey<Sha256>,
}

impl OperatorPublicKey {
    /// From the network's form: a PEM block labelled "RSA PUBLIC KEY" whose body is
    /// a PKIX SubjectPublicKeyInfo (the raw PEM text, not its base64).
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let der = pem_body(pem)?;
        let key =
            rsa::PublicKey::from_public_key_der(&der).map_err(|e| KeyError::Key(e.to_string()))?;
        Ok(OperatorPublicKey {
            key: VerifyingKey::new(key),
        })
    }

    /// From base64 of the PEM text, as the SSV contract and the spec JSON carry it.
    pub fn from_base64_pem(b64: &[u8]) -> Result<Self, KeyError> {
        let pem = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| KeyError::Encoding("base64"))?;
        Self::from_pem(&pem)
    }

    /// Whether `signature` signs `msg`.
    pub fn verify(&self, msg: &SsvMessage, signature: &[u8]) -> bool {
        self.verify_encoded(&msg.encode(), signature)
    }

    /// Whether `signature` signs the SSZ bytes `encoded` of an `SSVMessage`.
    pub fn verify_encoded(&self, encoded: &[u8], signature: &[u8]) -> bool {
        match Signature::try_from(signature) {
            Ok(sig) => self.key.verify(encoded, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

/// An operator's private key. It never leaves this type, and its `Debug` output
/// shows nothing of it.
#[derive(Clone)]
pub struct OperatorSigner {
    key: SigningKey<Sha256>,
}

impl std::fmt::Debug for OperatorSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperatorSigner(..)")
    }
}

impl OperatorSigner {
    /// From a PKCS#1 PEM ("RSA PRIVATE KEY").
    pub fn from_pkcs1_pem(pem: &str) -> Result<Self, KeyError> {
        let key = rsa::PrivateKey::from_pkcs1_pem(pem).map_err(|e| KeyError::Key(e.to_string()))?;
        Ok(OperatorSigner {
            key: SigningKey::new(key),
        })
    }

    /// The matching public key.
    pub fn public_key(&self) -> OperatorPublicKey {
        OperatorPublicKey {
            key: self.key.verifying_key(),
        }
    }

    /// Signs the SSZ encoding of `msg`. PKCS#1 v1.5 is deterministic: the same
    /// message always gives the same signature.
    pub fn sign(&self, msg: &SsvMessage) -> Result<Vec<u8>, KeyError> {
        let sig: Signature = self
            .key
            .try_sign(&msg.encode())
            .map_err(|_| KeyError::Sign)?;
        Ok(Box::<[u8]>::from(sig).into_vec())
    }
}

/// The DER body of a single PEM block, whatever its label.
fn pem_body(pem: &[u8]) -> Result<Vec<u8>, KeyError> {
    let text = std::str::from_utf8(pem).map_err(|_| KeyError::Encoding("PEM is not text"))?;
    let body: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    if !text.contains("-----BEGIN") {
        return Err(KeyError::Encoding("no PEM header"));
    }
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| KeyError::Encoding("PEM body is not base64"))
}
