//! The QBFT message as it is encoded in `SSVMessage.Data` (ssv-spec `qbft.Message`).

use ssz::SszEncoder;

use super::codec::{DecodeError, Field, Fields};
use super::merkle::{self, Root};

/// Maximum identifier length.
pub const MAX_IDENTIFIER: usize = 56;
/// Maximum justifications of each kind.
pub const MAX_JUSTIFICATIONS: usize = 13;
/// Maximum size of one encoded round-change justification.
pub const MAX_ROUND_CHANGE_JUSTIFICATION: usize = 51_852;
/// Maximum size of one encoded prepare justification.
pub const MAX_PREPARE_JUSTIFICATION: usize = 3_700;

/// A QBFT message with its justifications still encoded (each an SSZ
/// `SignedSSVMessage` without full data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QbftMessage {
    /// 0 proposal, 1 prepare, 2 commit, 3 round change.
    pub msg_type: u64,
    /// The height (slot).
    pub height: u64,
    /// The round.
    pub round: u64,
    /// The instance identifier.
    pub identifier: Vec<u8>,
    /// The value digest.
    pub root: [u8; 32],
    /// The prepared round of a round change.
    pub data_round: u64,
    /// Encoded round-change justifications.
    pub round_change_justification: Vec<Vec<u8>>,
    /// Encoded prepare justifications.
    pub prepare_justification: Vec<Vec<u8>>,
}

const FIXED: usize = 8 * 3 + 4 + 32 + 8 + 4 + 4;

impl QbftMessage {
    /// SSZ encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(FIXED + self.identifier.len());
        let mut enc = SszEncoder::container(&mut buf, FIXED);
        enc.append(&self.msg_type);
        enc.append(&self.height);
        enc.append(&self.round);
        enc.append(&self.identifier);
        enc.append_parameterized(true, |b| b.extend_from_slice(&self.root));
        enc.append(&self.data_round);
        enc.append(&self.round_change_justification);
        enc.append(&self.prepare_justification);
        enc.finalize();
        buf
    }

    /// SSZ decoding, with the spec's limits.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(
            "qbft.Message",
            bytes,
            &[
                Field::Fixed(8),
                Field::Fixed(8),
                Field::Fixed(8),
                Field::Variable,
                Field::Fixed(32),
                Field::Fixed(8),
                Field::Variable,
                Field::Variable,
            ],
        )?;
        Ok(QbftMessage {
            msg_type: f.next()?,
            height: f.next()?,
            round: f.next()?,
            identifier: f.bytes("qbft.Message.Identifier", MAX_IDENTIFIER)?,
            root: f.array::<32>("qbft.Message.Root")?,
            data_round: f.next()?,
            round_change_justification: f.byte_lists(
                "qbft.Message.RoundChangeJustification",
                MAX_JUSTIFICATIONS,
                MAX_ROUND_CHANGE_JUSTIFICATION,
            )?,
            prepare_justification: f.byte_lists(
                "qbft.Message.PrepareJustification",
                MAX_JUSTIFICATIONS,
                MAX_PREPARE_JUSTIFICATION,
            )?,
        })
    }

    /// SSZ hash-tree-root.
    pub fn tree_hash_root(&self) -> Root {
        merkle::container_root(&[
            merkle::u64_root(self.msg_type),
            merkle::u64_root(self.height),
            merkle::u64_root(self.round),
            merkle::byte_list_root(&self.identifier, MAX_IDENTIFIER),
            self.root,
            merkle::u64_root(self.data_round),
            merkle::byte_list_list_root(
                &self.round_change_justification,
                MAX_ROUND_CHANGE_JUSTIFICATION,
                MAX_JUSTIFICATIONS,
            ),
            merkle::byte_list_list_root(
                &self.prepare_justification,
                MAX_PREPARE_JUSTIFICATION,
                MAX_JUSTIFICATIONS,
            ),
        ])
    }
}
