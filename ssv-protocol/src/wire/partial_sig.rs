//! `PartialSignatureMessages` (ssv-spec `types/partial_sig_message.go`): one
//! operator's partial BLS signatures for one duty phase.

use ssz::SszEncoder;

use super::codec::{check_len, DecodeError, Field, Fields};
use super::merkle::{self, Root};

/// Maximum partial signatures in one message: the SSZ limit of the pinned spec
/// (ssv-spec 5d11f26, with the "Boole" fork work), which sets the hash-tree-root's
/// shape. ssv-spec v1.2.0, which the live network runs today, had 1512; gossip
/// validation applies the network's own count rules on top of this limit.
pub const MAX_PARTIAL_SIGNATURES: usize = 5048;
/// The SSZ size of one partial signature entry.
pub const PARTIAL_SIGNATURE_SIZE: usize = 96 + 32 + 8 + 8;

/// What a batch of partial signatures is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartialSigKind {
    /// Signatures over the decided duty data.
    PostConsensus,
    /// RANDAO reveals (proposer pre-consensus).
    Randao,
    /// Aggregator selection proofs.
    SelectionProof,
    /// Sync-committee contribution proofs.
    ContributionProofs,
    /// Validator registrations.
    ValidatorRegistration,
    /// Voluntary exits.
    VoluntaryExit,
    /// Selection proofs of the aggregator committee (the pinned spec's type 6).
    AggregatorCommittee,
    /// Anything else.
    Unknown(u64),
}

impl PartialSigKind {
    /// The wire number.
    pub fn to_u64(self) -> u64 {
        match self {
            PartialSigKind::PostConsensus => 0,
            PartialSigKind::Randao => 1,
            PartialSigKind::SelectionProof => 2,
            PartialSigKind::ContributionProofs => 3,
            PartialSigKind::ValidatorRegistration => 4,
            PartialSigKind::VoluntaryExit => 5,
            PartialSigKind::AggregatorCommittee => 6,
            PartialSigKind::Unknown(n) => n,
        }
    }

    /// From the wire number.
    pub fn from_u64(n: u64) -> Self {
        match n {
            0 => PartialSigKind::PostConsensus,
            1 => PartialSigKind::Randao,
            2 => PartialSigKind::SelectionProof,
            3 => PartialSigKind::ContributionProofs,
            4 => PartialSigKind::ValidatorRegistration,
            5 => PartialSigKind::VoluntaryExit,
            6 => PartialSigKind::AggregatorCommittee,
            n => PartialSigKind::Unknown(n),
        }
    }
}

/// One partial signature: a share's BLS signature over a signing root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialSignature {
    /// The compressed BLS signature.
    pub signature: [u8; 96],
    /// What was signed.
    pub signing_root: [u8; 32],
    /// The operator who signed.
    pub signer: u64,
    /// The validator whose share signed.
    pub validator_index: u64,
}

impl PartialSignature {
    fn tree_hash_root(&self) -> Root {
        merkle::container_root(&[
            merkle::byte_vector_root(&self.signature),
            self.signing_root,
            merkle::u64_root(self.signer),
            merkle::u64_root(self.validator_index),
        ])
    }
}

/// One operator's partial signatures for one duty phase at one slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialSignatureMessages {
    /// The phase.
    pub kind: PartialSigKind,
    /// The duty's slot.
    pub slot: u64,
    /// The signatures.
    pub messages: Vec<PartialSignature>,
}

const FIXED: usize = 8 + 8 + 4;

impl PartialSignatureMessages {
    /// SSZ encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(FIXED + self.messages.len() * PARTIAL_SIGNATURE_SIZE);
        let mut enc = SszEncoder::container(&mut buf, FIXED);
        enc.append(&self.kind.to_u64());
        enc.append(&self.slot);
        enc.append_parameterized(false, |b| {
            for m in &self.messages {
                b.extend_from_slice(&m.signature);
                b.extend_from_slice(&m.signing_root);
                b.extend_from_slice(&m.signer.to_le_bytes());
                b.extend_from_slice(&m.validator_index.to_le_bytes());
            }
        });
        enc.finalize();
        buf
    }

    /// SSZ decoding, with the spec's limits.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(
            "PartialSignatureMessages",
            bytes,
            &[Field::Fixed(8), Field::Fixed(8), Field::Variable],
        )?;
        let kind = PartialSigKind::from_u64(f.next::<u64>()?);
        let slot = f.next::<u64>()?;
        let messages = f.nested(|list| {
            if !list.len().is_multiple_of(PARTIAL_SIGNATURE_SIZE) {
                return Err(DecodeError::WrongSize {
                    what: "PartialSignatureMessages.Messages",
                    expected: list.len() / PARTIAL_SIGNATURE_SIZE * PARTIAL_SIGNATURE_SIZE,
                    got: list.len(),
                });
            }
            check_len(
                "PartialSignatureMessages.Messages",
                list.len() / PARTIAL_SIGNATURE_SIZE,
                MAX_PARTIAL_SIGNATURES,
            )?;
            Ok(list
                .chunks_exact(PARTIAL_SIGNATURE_SIZE)
                .map(|c| {
                    let (sig, rest) = c.split_at(96);
                    let (root, rest) = rest.split_at(32);
                    let (signer, index) = rest.split_at(8);
                    PartialSignature {
                        signature: sig.try_into().unwrap_or([0; 96]),
                        signing_root: root.try_into().unwrap_or([0; 32]),
                        signer: u64::from_le_bytes(signer.try_into().unwrap_or([0; 8])),
                        validator_index: u64::from_le_bytes(index.try_into().unwrap_or([0; 8])),
                    }
                })
                .collect::<Vec<_>>())
        })?;
        Ok(PartialSignatureMessages {
            kind,
            slot,
            messages,
        })
    }

    /// SSZ hash-tree-root.
    pub fn tree_hash_root(&self) -> Root {
        let leaves: Vec<u8> = self
            .messages
            .iter()
            .flat_map(|m| m.tree_hash_root())
            .collect();
        let list = tree_hash::mix_in_length(
            &tree_hash::merkle_root(&leaves, MAX_PARTIAL_SIGNATURES),
            self.messages.len(),
        )
        .0;
        merkle::container_root(&[
            merkle::u64_root(self.kind.to_u64()),
            merkle::u64_root(self.slot),
            list,
        ])
    }
}
