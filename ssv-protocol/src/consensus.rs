//! SSV's embedding of `qbft-core`: values are the consensus data's bytes, digests
//! are SHA-256, messages travel as `SignedSSVMessage`s signed with operator RSA
//! keys, and identifiers are 56-byte message IDs.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use qbft_core::{
    Context, Digest, External, Height, Message, MessageKind, OperatorId, Outgoing,
    QuickSlowTimeouts, Round, SignedMessage, Timestamp,
};
use sha2::{Digest as _, Sha256};

use crate::operator_key::{KeyError, OperatorPublicKey, OperatorSigner};
use crate::round_timer::RoundTimeouts;
use crate::wire::{DecodeError, MessageId, QbftMessage, SignedSsvMessage, SsvMessage, SsvMsgType};

/// The value QBFT decides in SSV: the SSZ bytes of the consensus data.
pub type FullData = Arc<[u8]>;

/// A QBFT message in SSV's embedding.
pub type SsvSignedMessage = SignedMessage<SsvQbft>;

/// The value check a runner supplies (ssv-spec `ProposedValueCheckF`).
pub type ValueCheck = Arc<dyn Fn(&[u8]) -> Result<(), External> + Send + Sync>;

/// The proposer rule, where it is not SSV's round robin (tests use fixed leaders).
pub type ProposerRule = Arc<dyn Fn(Height, Round) -> OperatorId + Send + Sync>;

/// Envelope rules of `SignedSSVMessage.Validate` beyond the generic ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// `SSVMessage.MsgType` is not consensus, partial signature or DKG.
    #[error("invalid SSV message type")]
    InvalidMsgType,
    /// The role in the message ID is negative as a signed 32-bit number.
    #[error("invalid SSV message role")]
    InvalidRole,
}

/// The QBFT context of one committee: its operators' public keys, the value
/// check and the proposer rule. Cheap to clone.
#[derive(Clone)]
pub struct SsvQbft {
    inner: Arc<Inner>,
}

struct Inner {
    keys: BTreeMap<OperatorId, OperatorPublicKey>,
    value_check: ValueCheck,
    proposer: Option<ProposerRule>,
    timeouts: Timeouts,
}

/// Which round-timeout schedule a context uses.
#[derive(Copy, Clone, Debug)]
enum Timeouts {
    /// The generic quick/slow schedule, from each round's start.
    QuickSlow(QuickSlowTimeouts),
    /// SSV's slot-anchored schedule for a role.
    Slot(RoundTimeouts),
}

impl fmt::Debug for SsvQbft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsvQbft")
            .field("operators", &self.inner.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl SsvQbft {
    /// A context for a committee with these operator keys and this value check,
    /// with SSV's round-robin proposer and round timeouts.
    pub fn new(keys: BTreeMap<OperatorId, OperatorPublicKey>, value_check: ValueCheck) -> Self {
        SsvQbft {
            inner: Arc::new(Inner {
                keys,
                value_check,
                proposer: None,
                timeouts: Timeouts::QuickSlow(QuickSlowTimeouts::SSV),
            }),
        }
    }

    /// The same context with SSV's slot-anchored round timeouts of a role (the
    /// node's schedule; the default times each round from its own start).
    pub fn with_slot_timeouts(self, timeouts: RoundTimeouts) -> Self {
        let inner = &self.inner;
        SsvQbft {
            inner: Arc::new(Inner {
                keys: inner.keys.clone(),
                value_check: Arc::clone(&inner.value_check),
                proposer: inner.proposer.clone(),
                timeouts: Timeouts::Slot(timeouts),
            }),
        }
    }

    /// The same context with another proposer rule.
    pub fn with_proposer(self, rule: ProposerRule) -> Self {
        let inner = &self.inner;
        SsvQbft {
            inner: Arc::new(Inner {
                keys: inner.keys.clone(),
                value_check: Arc::clone(&inner.value_check),
                proposer: Some(rule),
                timeouts: inner.timeouts,
            }),
        }
    }

    /// The same context with another value check (each duty checks its own).
    pub fn with_value_check(self, value_check: ValueCheck) -> Self {
        let inner = &self.inner;
        SsvQbft {
            inner: Arc::new(Inner {
                keys: inner.keys.clone(),
                value_check,
                proposer: inner.proposer.clone(),
                timeouts: inner.timeouts,
            }),
        }
    }

    /// The public key of an operator of the committee.
    pub fn operator_key(&self, id: OperatorId) -> Option<&OperatorPublicKey> {
        self.inner.keys.get(&id)
    }
}

impl Context for SsvQbft {
    type Value = FullData;
    type Envelope = Arc<SsvMessage>;

    fn digest(&self, value: &FullData) -> Digest {
        Sha256::digest(value).into()
    }

    fn check_value(&self, value: &FullData) -> Result<(), External> {
        (self.inner.value_check)(value)
    }

    fn verify_signatures(&self, msg: &SsvSignedMessage) -> bool {
        let encoded = msg.envelope.encode();
        msg.signers.len() == msg.signatures.len()
            && msg.signers.iter().zip(&msg.signatures).all(|(id, sig)| {
                self.inner
                    .keys
                    .get(id)
                    .is_some_and(|key| key.verify_encoded(&encoded, sig))
            })
    }

    fn check_envelope(&self, msg: &SsvSignedMessage) -> Result<(), External> {
        if let SsvMsgType::Unknown(_) = msg.envelope.msg_type {
            return Err(External::new(EnvelopeError::InvalidMsgType));
        }
        if msg.envelope.msg_id.role().to_u32() > i32::MAX as u32 {
            return Err(External::new(EnvelopeError::InvalidRole));
        }
        Ok(())
    }

    fn identifier_len(&self) -> Option<usize> {
        Some(56)
    }

    fn proposer(
        &self,
        committee: &qbft_core::Committee,
        height: Height,
        round: Round,
    ) -> OperatorId {
        match &self.inner.proposer {
            Some(rule) => rule(height, round),
            None => qbft_core::round_robin_proposer(committee, height, round),
        }
    }

    fn round_deadline(&self, height: Height, round: Round, now: Timestamp) -> Option<Timestamp> {
        match self.inner.timeouts {
            Timeouts::QuickSlow(t) => t.deadline(height, round, now),
            Timeouts::Slot(t) => Some(t.deadline(height, round, now)),
        }
    }
}

/// How deep justifications are decoded: a proposal's round changes (1) and their
/// prepares (2). Deeper levels are never examined by the protocol and are kept
/// only as bytes inside their envelope.
const MAX_DECODE_DEPTH: usize = 2;

/// Decodes a received `SignedSSVMessage` carrying a QBFT message, with its
/// justifications, into the form `qbft-core` takes.
pub fn decode_consensus(msg: &SignedSsvMessage) -> Result<SsvSignedMessage, DecodeError> {
    decode_at(msg, 0)
}

/// The form `qbft-core` takes of a message gossip validation accepted, reusing the
/// QBFT message validation already decoded (only the justifications are decoded).
pub fn consensus_from_validated(
    msg: &SignedSsvMessage,
    q: QbftMessage,
) -> Result<SsvSignedMessage, DecodeError> {
    from_parts(msg, q, 0)
}

fn decode_at(msg: &SignedSsvMessage, depth: usize) -> Result<SsvSignedMessage, DecodeError> {
    from_parts(msg, QbftMessage::decode(&msg.ssv_message.data)?, depth)
}

fn from_parts(
    msg: &SignedSsvMessage,
    q: QbftMessage,
    depth: usize,
) -> Result<SsvSignedMessage, DecodeError> {
    let decode_list = |list: &[Vec<u8>]| -> Result<Vec<Arc<SsvSignedMessage>>, DecodeError> {
        list.iter()
            .map(|bytes| {
                let signed = SignedSsvMessage::decode(bytes)?;
                if depth >= MAX_DECODE_DEPTH {
                    // Checked as SSZ like the spec does, but not examined further.
                    return Ok(None);
                }
                decode_at(&signed, depth + 1).map(|m| Some(Arc::new(m)))
            })
            .filter_map(Result::transpose)
            .collect()
    };
    let round_change_justification = decode_list(&q.round_change_justification)?;
    let prepare_justification = decode_list(&q.prepare_justification)?;
    Ok(SignedMessage {
        signers: msg.operator_ids.clone(),
        signatures: msg.signatures.clone(),
        message: Message {
            kind: MessageKind::from_u64(q.msg_type),
            height: q.height,
            round: q.round,
            identifier: q.identifier,
            root: q.root,
            data_round: q.data_round,
            round_change_justification,
            prepare_justification,
        },
        full_data: Some(Arc::from(msg.full_data.as_slice())),
        envelope: Arc::new(msg.ssv_message.clone()),
    })
}

/// The wire form of a decoded message (its envelope holds the signed bytes).
pub fn to_wire(msg: &SsvSignedMessage) -> SignedSsvMessage {
    SignedSsvMessage {
        signatures: msg.signatures.clone(),
        operator_ids: msg.signers.clone(),
        ssv_message: (*msg.envelope).clone(),
        full_data: msg
            .full_data
            .as_deref()
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
    }
}

/// Encodes a message `qbft-core` wants sent as the `SSVMessage` to sign.
pub fn encode_outgoing(out: &Outgoing<SsvQbft>) -> SsvMessage {
    let m = &out.message;
    let justification = |list: &[Arc<SsvSignedMessage>]| -> Vec<Vec<u8>> {
        list.iter()
            .map(|j| to_wire(j).without_full_data().encode())
            .collect()
    };
    let q = QbftMessage {
        msg_type: m.kind.to_u64(),
        height: m.height,
        round: m.round,
        identifier: m.identifier.clone(),
        root: m.root,
        data_round: m.data_round,
        round_change_justification: justification(&m.round_change_justification),
        prepare_justification: justification(&m.prepare_justification),
    };
    SsvMessage {
        msg_type: SsvMsgType::Consensus,
        msg_id: MessageId::from_slice(&m.identifier),
        data: q.encode(),
    }
}

/// Signs an outgoing message as operator `signer_id` (ssv-spec `qbft.Sign`).
pub fn sign_outgoing(
    out: &Outgoing<SsvQbft>,
    signer_id: OperatorId,
    signer: &OperatorSigner,
) -> Result<SignedSsvMessage, KeyError> {
    let ssv_message = encode_outgoing(out);
    let signature = signer.sign(&ssv_message)?;
    Ok(SignedSsvMessage {
        signatures: vec![signature],
        operator_ids: vec![signer_id],
        ssv_message,
        full_data: out
            .full_data
            .as_deref()
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
    })
}
