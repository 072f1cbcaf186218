//! `SSVMessage` and `SignedSSVMessage` (ssv-spec `types/messages.go`).

use ssz::SszEncoder;

use super::codec::{DecodeError, Field, Fields};
use super::merkle::{self, Root};
use super::message_id::MessageId;

/// Maximum signers (and signatures) on one message.
pub const MAX_SIGNERS: usize = 13;
/// Maximum size of one operator signature.
pub const MAX_SIGNATURE_SIZE: usize = 256;
/// SSZ limit of `SSVMessage.Data` (ssv-spec: the larger of a QBFT message and
/// partial-signature messages).
pub const MAX_SSV_DATA: usize = 726_932;
/// SSZ limit of `SignedSSVMessage.FullData`.
pub const MAX_FULL_DATA: usize = 8_388_836;

/// What an `SSVMessage` carries.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SsvMsgType {
    /// A QBFT message.
    Consensus,
    /// Partial signatures.
    PartialSignature,
    /// DKG (never accepted from gossip).
    Dkg,
    /// Anything else.
    Unknown(u64),
}

impl SsvMsgType {
    /// The wire number.
    pub fn to_u64(self) -> u64 {
        match self {
            SsvMsgType::Consensus => 0,
            SsvMsgType::PartialSignature => 1,
            SsvMsgType::Dkg => 2,
            SsvMsgType::Unknown(n) => n,
        }
    }

    /// From the wire number.
    pub fn from_u64(n: u64) -> Self {
        match n {
            0 => SsvMsgType::Consensus,
            1 => SsvMsgType::PartialSignature,
            2 => SsvMsgType::Dkg,
            n => SsvMsgType::Unknown(n),
        }
    }
}

/// The payload every operator signs: a type, the duty's message ID and the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsvMessage {
    /// What `data` holds.
    pub msg_type: SsvMsgType,
    /// Domain, role and duty executor.
    pub msg_id: MessageId,
    /// The SSZ of the carried message.
    pub data: Vec<u8>,
}

const SSV_MESSAGE_FIXED: usize = 8 + 56 + 4;

impl SsvMessage {
    /// SSZ encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(SSV_MESSAGE_FIXED + self.data.len());
        self.append(&mut buf);
        buf
    }

    fn append(&self, buf: &mut Vec<u8>) {
        let mut enc = SszEncoder::container(buf, SSV_MESSAGE_FIXED);
        enc.append(&self.msg_type.to_u64());
        enc.append_parameterized(true, |b| b.extend_from_slice(self.msg_id.as_bytes()));
        enc.append(&self.data);
        enc.finalize();
    }

    fn ssz_len(&self) -> usize {
        SSV_MESSAGE_FIXED + self.data.len()
    }

    /// SSZ decoding, with the spec's limits.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(
            "SSVMessage",
            bytes,
            &[Field::Fixed(8), Field::Fixed(56), Field::Variable],
        )?;
        let msg_type = SsvMsgType::from_u64(f.next::<u64>()?);
        let msg_id = MessageId(f.array::<56>("SSVMessage.MsgID")?);
        let data = f.bytes("SSVMessage.Data", MAX_SSV_DATA)?;
        Ok(SsvMessage {
            msg_type,
            msg_id,
            data,
        })
    }

    /// SSZ hash-tree-root.
    pub fn tree_hash_root(&self) -> Root {
        merkle::container_root(&[
            merkle::u64_root(self.msg_type.to_u64()),
            merkle::byte_vector_root(self.msg_id.as_bytes()),
            merkle::byte_list_root(&self.data, MAX_SSV_DATA),
        ])
    }
}

/// An `SSVMessage` with its operators' signatures and, for consensus, the full
/// value (bound to the message through its root, not signed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedSsvMessage {
    /// RSA signatures, one per signer.
    pub signatures: Vec<Vec<u8>>,
    /// The signers.
    pub operator_ids: Vec<u64>,
    /// The signed payload.
    pub ssv_message: SsvMessage,
    /// The full value (consensus proposals, prepared round changes, decided).
    pub full_data: Vec<u8>,
}

const SIGNED_FIXED: usize = 4 * 4;

impl SignedSsvMessage {
    /// SSZ encoding.
    pub fn encode(&self) -> Vec<u8> {
        let sig_len: usize = self.signatures.iter().map(|s| s.len() + 4).sum();
        let mut buf = Vec::with_capacity(
            SIGNED_FIXED
                + sig_len
                + self.operator_ids.len() * 8
                + self.ssv_message.ssz_len()
                + self.full_data.len(),
        );
        let mut enc = SszEncoder::container(&mut buf, SIGNED_FIXED);
        enc.append(&self.signatures);
        enc.append(&self.operator_ids);
        enc.append_parameterized(false, |b| self.ssv_message.append(b));
        enc.append(&self.full_data);
        enc.finalize();
        buf
    }

    /// SSZ decoding, with the spec's limits.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(
            "SignedSSVMessage",
            bytes,
            &[
                Field::Variable,
                Field::Variable,
                Field::Variable,
                Field::Variable,
            ],
        )?;
        let signatures = f.byte_lists(
            "SignedSSVMessage.Signatures",
            MAX_SIGNERS,
            MAX_SIGNATURE_SIZE,
        )?;
        let operator_ids = f.u64s("SignedSSVMessage.OperatorIDs", MAX_SIGNERS)?;
        let ssv_message = f.nested(SsvMessage::decode)?;
        let full_data = f.bytes("SignedSSVMessage.FullData", MAX_FULL_DATA)?;
        Ok(SignedSsvMessage {
            signatures,
            operator_ids,
            ssv_message,
            full_data,
        })
    }

    /// The SSZ bytes of the inner `SSVMessage` (what the operators signed) within
    /// `encoded`, the bytes this message was decoded from: the span between the
    /// third and fourth offsets. `None` if `encoded` is not a valid encoding.
    pub fn signed_bytes(encoded: &[u8]) -> Option<&[u8]> {
        let offset = |i: usize| -> Option<usize> {
            let b = encoded.get(i * 4..i * 4 + 4)?;
            Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        let (start, end) = (offset(2)?, offset(3)?);
        encoded.get(start..end)
    }

    /// SSZ hash-tree-root.
    pub fn tree_hash_root(&self) -> Root {
        merkle::container_root(&[
            merkle::byte_list_list_root(&self.signatures, MAX_SIGNATURE_SIZE, MAX_SIGNERS),
            merkle::u64_list_root(&self.operator_ids, MAX_SIGNERS),
            self.ssv_message.tree_hash_root(),
            merkle::byte_list_root(&self.full_data, MAX_FULL_DATA),
        ])
    }

    /// The same message without its full data, as justifications carry it.
    pub fn without_full_data(&self) -> SignedSsvMessage {
        SignedSsvMessage {
            full_data: Vec::new(),
            ..self.clone()
        }
    }
}
