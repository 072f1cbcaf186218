//! QBFT messages, decoded, and their structural checks.

use std::sync::Arc;

use crate::context::Context;
use crate::error::Error;
use crate::types::{Digest, Height, OperatorId, Round, NO_ROUND};

/// The four QBFT message types, and whatever else arrived on the wire.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageKind {
    /// The leader's proposal of a value for a round.
    Proposal,
    /// A vote for the accepted proposal.
    Prepare,
    /// A commitment after a quorum of prepares.
    Commit,
    /// A request to move to a round, carrying the last prepared value.
    RoundChange,
    /// Any other type number: refused by [`SignedMessage::validate`].
    Unknown(u64),
}

impl MessageKind {
    /// The wire number (0 proposal, 1 prepare, 2 commit, 3 round change).
    pub fn to_u64(self) -> u64 {
        match self {
            MessageKind::Proposal => 0,
            MessageKind::Prepare => 1,
            MessageKind::Commit => 2,
            MessageKind::RoundChange => 3,
            MessageKind::Unknown(n) => n,
        }
    }

    /// The kind for a wire number.
    pub fn from_u64(n: u64) -> Self {
        match n {
            0 => MessageKind::Proposal,
            1 => MessageKind::Prepare,
            2 => MessageKind::Commit,
            3 => MessageKind::RoundChange,
            n => MessageKind::Unknown(n),
        }
    }
}

/// A QBFT message (ssv-spec `qbft.Message`), with its justifications decoded.
#[derive(Clone, Debug)]
pub struct Message<C: Context> {
    /// The message type.
    pub kind: MessageKind,
    /// The instance height.
    pub height: Height,
    /// The round the message is for.
    pub round: Round,
    /// The instance identifier.
    pub identifier: Vec<u8>,
    /// The digest of the value concerned.
    pub root: Digest,
    /// For round changes: the last prepared round, or [`NO_ROUND`].
    pub data_round: Round,
    /// Proposals: the round changes that justify the round. Round changes: the
    /// prepares that justify the prepared value.
    pub round_change_justification: Vec<Arc<SignedMessage<C>>>,
    /// Proposals: the prepares that justify re-proposing a prepared value.
    pub prepare_justification: Vec<Arc<SignedMessage<C>>>,
}

impl<C: Context> Message<C> {
    /// Whether this is a round change that carries a prepared value.
    pub fn round_change_prepared(&self) -> bool {
        self.kind == MessageKind::RoundChange && self.data_round != NO_ROUND
    }
}

/// A signed QBFT message as received: its signers and signatures, the decoded
/// message, the value it carries (proposals, prepared round changes, decided
/// messages) and the embedder's envelope.
#[derive(Clone, Debug)]
pub struct SignedMessage<C: Context> {
    /// Who signed, in wire order.
    pub signers: Vec<OperatorId>,
    /// One signature per signer, opaque to the machine.
    pub signatures: Vec<Vec<u8>>,
    /// The decoded message.
    pub message: Message<C>,
    /// The value, where the message carries one.
    pub full_data: Option<C::Value>,
    /// Whatever the embedder needs to re-encode and verify this message.
    pub envelope: C::Envelope,
}

impl<C: Context> SignedMessage<C> {
    /// The structure checks of ssv-spec `ProcessingMessage.Validate`, in the spec's
    /// order: signers, signatures, the envelope, the identifier, the type and the round.
    pub fn validate(&self, ctx: &C) -> Result<(), Error> {
        if self.signers.is_empty() {
            return Err(Error::NoSigners);
        }
        for (i, id) in self.signers.iter().enumerate() {
            if self.signers.iter().take(i).any(|x| x == id) {
                return Err(Error::NonUniqueSigner);
            }
            if *id == 0 {
                return Err(Error::ZeroSigner);
            }
        }
        if self.signatures.is_empty() {
            return Err(Error::NoSignatures);
        }
        if self.signatures.iter().any(|s| s.is_empty()) {
            return Err(Error::EmptySignature);
        }
        if self.signatures.len() != self.signers.len() {
            return Err(Error::SignatureCountMismatch);
        }
        ctx.check_envelope(self).map_err(Error::InvalidEnvelope)?;
        if let Some(len) = ctx.identifier_len() {
            if self.message.identifier.len() != len {
                return Err(Error::InvalidIdentifier);
            }
        }
        if let MessageKind::Unknown(_) = self.message.kind {
            return Err(Error::InvalidMessageType);
        }
        if self.message.round == NO_ROUND {
            return Err(Error::InvalidRound);
        }
        Ok(())
    }

    /// Whether the signer set equals `ids`, ignoring order (ssv-spec `MatchedSigners`).
    pub fn matched_signers(&self, ids: &[OperatorId]) -> bool {
        self.signers.len() == ids.len() && self.signers.iter().all(|id| ids.contains(id))
    }

    /// Whether any signer is in `ids` (ssv-spec `CommonSigners`).
    pub fn common_signers(&self, ids: &[OperatorId]) -> bool {
        self.signers.iter().any(|id| ids.contains(id))
    }
}

/// A message the machine wants sent: the embedder signs it, broadcasts it, and
/// feeds the signed copy back as an input like any peer's message.
#[derive(Clone, Debug)]
pub struct Outgoing<C: Context> {
    /// The message to sign.
    pub message: Message<C>,
    /// The value to attach (not signed: bound through `message.root`).
    pub full_data: Option<C::Value>,
}

// Manual impls: deriving would demand `C: PartialEq` of the context itself.
impl<C: Context> PartialEq for Message<C> {
    fn eq(&self, o: &Self) -> bool {
        self.kind == o.kind
            && self.height == o.height
            && self.round == o.round
            && self.identifier == o.identifier
            && self.root == o.root
            && self.data_round == o.data_round
            && self.round_change_justification == o.round_change_justification
            && self.prepare_justification == o.prepare_justification
    }
}

impl<C: Context> PartialEq for SignedMessage<C> {
    fn eq(&self, o: &Self) -> bool {
        self.signers == o.signers
            && self.signatures == o.signatures
            && self.message == o.message
            && self.full_data == o.full_data
            && self.envelope == o.envelope
    }
}

impl<C: Context> PartialEq for Outgoing<C> {
    fn eq(&self, o: &Self) -> bool {
        self.message == o.message && self.full_data == o.full_data
    }
}
