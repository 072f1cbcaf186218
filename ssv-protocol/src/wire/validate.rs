//! Structural rules of the wire messages (ssv-spec `SignedSSVMessage.Validate`,
//! `SSVMessage.Validate`, `PartialSignatureMessages.Validate`), in the spec's order.

use super::partial_sig::PartialSignatureMessages;
use super::ssv_message::{SignedSsvMessage, SsvMessage, SsvMsgType};

/// A structural rule a message broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// No signer.
    #[error("no signers")]
    NoSigners,
    /// A signer appears twice.
    #[error("non unique signer")]
    NonUniqueSigner,
    /// Operator 0 signed.
    #[error("signer ID 0 not allowed")]
    ZeroSigner,
    /// No signature.
    #[error("no signatures")]
    NoSignatures,
    /// An empty signature.
    #[error("empty signature")]
    EmptySignature,
    /// Signatures and signers differ in number.
    #[error("number of signatures is different than number of signers")]
    SignatureCountMismatch,
    /// The SSV message type is unknown.
    #[error("invalid SSV message type")]
    InvalidMsgType,
    /// The role is negative as a signed 32-bit number.
    #[error("invalid SSV message role")]
    InvalidRole,
    /// A partial-signature message without signatures.
    #[error("no partial signature messages")]
    NoPartialSignatures,
    /// Partial signatures from more than one signer.
    #[error("inconsistent signers")]
    InconsistentSigners,
}

/// The signer and signature rules, in order: signers present, unique and
/// non-zero (checked per signer in that order), signatures present, non-empty,
/// and as many as signers.
pub fn validate_signers(operator_ids: &[u64], signatures: &[Vec<u8>]) -> Result<(), MessageError> {
    if operator_ids.is_empty() {
        return Err(MessageError::NoSigners);
    }
    for (i, id) in operator_ids.iter().enumerate() {
        if operator_ids.iter().take(i).any(|x| x == id) {
            return Err(MessageError::NonUniqueSigner);
        }
        if *id == 0 {
            return Err(MessageError::ZeroSigner);
        }
    }
    if signatures.is_empty() {
        return Err(MessageError::NoSignatures);
    }
    if signatures.iter().any(Vec::is_empty) {
        return Err(MessageError::EmptySignature);
    }
    if signatures.len() != operator_ids.len() {
        return Err(MessageError::SignatureCountMismatch);
    }
    Ok(())
}

impl SsvMessage {
    /// The message type is known and the role non-negative.
    pub fn validate(&self) -> Result<(), MessageError> {
        if let SsvMsgType::Unknown(_) = self.msg_type {
            return Err(MessageError::InvalidMsgType);
        }
        if self.msg_id.role().to_u32() > i32::MAX as u32 {
            return Err(MessageError::InvalidRole);
        }
        Ok(())
    }
}

impl SignedSsvMessage {
    /// The signer and signature rules, then the inner message's.
    pub fn validate(&self) -> Result<(), MessageError> {
        validate_signers(&self.operator_ids, &self.signatures)?;
        self.ssv_message.validate()
    }
}

impl PartialSignatureMessages {
    /// Non-empty; every entry from the first entry's signer; no signer 0.
    pub fn validate(&self) -> Result<(), MessageError> {
        let first = self
            .messages
            .first()
            .ok_or(MessageError::NoPartialSignatures)?;
        for m in &self.messages {
            if m.signer != first.signer {
                return Err(MessageError::InconsistentSigners);
            }
            if m.signer == 0 {
                return Err(MessageError::ZeroSigner);
            }
        }
        Ok(())
    }
}
