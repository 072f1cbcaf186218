//! What a proposer's consensus value holds, by version: a blinded block, or a full
//! block (Capella) or block contents (Deneb onwards), and the rules that check it
//! (ssv-spec `ProposerConsensusData.Validate`, `GetBlockData`).

use ssz::{Decode, Encode};
use tree_hash::TreeHash;

use super::consensus_data::{DataVersion, ProposerConsensusData};
use super::{capella, deneb, electra};

/// Why a proposer consensus value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProposerDataError {
    /// The duty is not a proposal (ssv-spec code 10).
    #[error("duty is not a proposer duty")]
    NotProposerDuty,
    /// The version has no block type here (ssv-spec code 11).
    #[error("unknown block version {0}")]
    UnknownVersion(u64),
    /// Neither a blinded nor a full block of that version decodes (ssv-spec code 1).
    #[error("block does not decode")]
    Undecodable,
}

/// A decoded proposal.
#[derive(Debug, Clone, PartialEq)]
pub enum ProposalBlock {
    /// Capella blinded block.
    CapellaBlinded(Box<capella::BlindedBeaconBlock>),
    /// Capella block.
    Capella(Box<capella::BeaconBlock>),
    /// Deneb blinded block.
    DenebBlinded(Box<deneb::BlindedBeaconBlock>),
    /// Deneb block with its blobs.
    Deneb(Box<deneb::BlockContents>),
    /// Electra (or Fulu) blinded block.
    ElectraBlinded(Box<electra::BlindedBeaconBlock>),
    /// Electra block with its blobs.
    Electra(Box<electra::BlockContents>),
    /// Fulu block with its blobs and cell proofs.
    Fulu(Box<electra::FuluBlockContents>),
}

impl ProposalBlock {
    /// Whether it is a blinded block.
    pub fn is_blinded(&self) -> bool {
        matches!(
            self,
            ProposalBlock::CapellaBlinded(_)
                | ProposalBlock::DenebBlinded(_)
                | ProposalBlock::ElectraBlinded(_)
        )
    }

    /// The hash-tree-root of the beacon block itself (not of the block contents).
    pub fn block_root(&self) -> [u8; 32] {
        match self {
            ProposalBlock::CapellaBlinded(b) => b.tree_hash_root().0,
            ProposalBlock::Capella(b) => b.tree_hash_root().0,
            ProposalBlock::DenebBlinded(b) => b.tree_hash_root().0,
            ProposalBlock::Deneb(c) => c.block.tree_hash_root().0,
            ProposalBlock::ElectraBlinded(b) => b.tree_hash_root().0,
            ProposalBlock::Electra(c) => c.block.tree_hash_root().0,
            ProposalBlock::Fulu(c) => c.block.tree_hash_root().0,
        }
    }

    /// The SSZ of what was decoded.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            ProposalBlock::CapellaBlinded(b) => b.as_ssz_bytes(),
            ProposalBlock::Capella(b) => b.as_ssz_bytes(),
            ProposalBlock::DenebBlinded(b) => b.as_ssz_bytes(),
            ProposalBlock::Deneb(c) => c.as_ssz_bytes(),
            ProposalBlock::ElectraBlinded(b) => b.as_ssz_bytes(),
            ProposalBlock::Electra(c) => c.as_ssz_bytes(),
            ProposalBlock::Fulu(c) => c.as_ssz_bytes(),
        }
    }
}

impl ProposalBlock {
    /// The hash-tree-root of the signed form submitted to the beacon node: the
    /// signed block, or for full Deneb-onwards blocks the signed block contents.
    pub fn signed_root(&self, signature: &[u8; 96]) -> [u8; 32] {
        let signed_block = super::signed::signed_root(self.block_root(), signature);
        let contents = |proofs: [u8; 32], blobs: [u8; 32]| {
            crate::wire::merkle::container_root(&[signed_block, proofs, blobs])
        };
        match self {
            ProposalBlock::Deneb(c) => {
                contents(c.kzg_proofs.tree_hash_root().0, c.blobs.tree_hash_root().0)
            }
            ProposalBlock::Electra(c) => {
                contents(c.kzg_proofs.tree_hash_root().0, c.blobs.tree_hash_root().0)
            }
            ProposalBlock::Fulu(c) => {
                contents(c.kzg_proofs.tree_hash_root().0, c.blobs.tree_hash_root().0)
            }
            _ => signed_block,
        }
    }

    /// The SSZ of the signed form (see [`ProposalBlock::signed_root`]).
    pub fn signed_ssz(&self, signature: &[u8; 96]) -> Vec<u8> {
        fn signed_block(block: Vec<u8>, signature: &[u8; 96]) -> Vec<u8> {
            let mut out = Vec::with_capacity(100 + block.len());
            out.extend_from_slice(&100u32.to_le_bytes());
            out.extend_from_slice(signature);
            out.extend_from_slice(&block);
            out
        }
        fn contents(parts: [Vec<u8>; 3]) -> Vec<u8> {
            let mut out = Vec::new();
            let mut offset = 12usize;
            for p in &parts {
                // Beacon objects are far below 4 GiB; saturate rather than wrap.
                out.extend_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_le_bytes());
                offset += p.len();
            }
            for p in parts {
                out.extend_from_slice(&p);
            }
            out
        }
        match self {
            ProposalBlock::Deneb(c) => contents([
                signed_block(c.block.as_ssz_bytes(), signature),
                c.kzg_proofs.as_ssz_bytes(),
                c.blobs.as_ssz_bytes(),
            ]),
            ProposalBlock::Electra(c) => contents([
                signed_block(c.block.as_ssz_bytes(), signature),
                c.kzg_proofs.as_ssz_bytes(),
                c.blobs.as_ssz_bytes(),
            ]),
            ProposalBlock::Fulu(c) => contents([
                signed_block(c.block.as_ssz_bytes(), signature),
                c.kzg_proofs.as_ssz_bytes(),
                c.blobs.as_ssz_bytes(),
            ]),
            other => signed_block(other.encode(), signature),
        }
    }

    /// The block's slot.
    pub fn slot(&self) -> u64 {
        match self {
            ProposalBlock::CapellaBlinded(b) => b.slot,
            ProposalBlock::Capella(b) => b.slot,
            ProposalBlock::DenebBlinded(b) => b.slot,
            ProposalBlock::Deneb(c) => c.block.slot,
            ProposalBlock::ElectraBlinded(b) => b.slot,
            ProposalBlock::Electra(c) => c.block.slot,
            ProposalBlock::Fulu(c) => c.block.slot,
        }
    }
}

fn decode<T: Decode>(bytes: &[u8]) -> Option<Box<T>> {
    T::from_ssz_bytes(bytes).ok().map(Box::new)
}

/// The block in a proposer consensus value: the blinded form is tried first, then
/// the full one (ssv-spec `GetBlockData`).
pub fn block_data(data: &ProposerConsensusData) -> Result<ProposalBlock, ProposerDataError> {
    let bytes: &[u8] = &data.data_ssz;
    let version = DataVersion::from_u64(data.version)
        .ok_or(ProposerDataError::UnknownVersion(data.version))?;
    let block = match version {
        DataVersion::Capella => decode(bytes)
            .map(ProposalBlock::CapellaBlinded)
            .or_else(|| decode(bytes).map(ProposalBlock::Capella)),
        DataVersion::Deneb => decode(bytes)
            .map(ProposalBlock::DenebBlinded)
            .or_else(|| decode(bytes).map(ProposalBlock::Deneb)),
        DataVersion::Electra => decode(bytes)
            .map(ProposalBlock::ElectraBlinded)
            .or_else(|| decode(bytes).map(ProposalBlock::Electra)),
        // Fulu blocks are Electra blocks; only the block contents' proofs differ.
        DataVersion::Fulu => decode(bytes)
            .map(ProposalBlock::ElectraBlinded)
            .or_else(|| decode(bytes).map(ProposalBlock::Fulu)),
        DataVersion::Phase0 | DataVersion::Altair | DataVersion::Bellatrix => {
            return Err(ProposerDataError::UnknownVersion(data.version))
        }
    };
    block.ok_or(ProposerDataError::Undecodable)
}

/// The beacon role number of a proposal.
pub const PROPOSER_ROLE: u64 = 2;

/// ssv-spec `ProposerConsensusData.Validate`: a proposer duty with a decodable
/// block of a known version.
pub fn validate_proposer_data(
    data: &ProposerConsensusData,
) -> Result<ProposalBlock, ProposerDataError> {
    if data.duty.role != PROPOSER_ROLE {
        return Err(ProposerDataError::NotProposerDuty);
    }
    block_data(data)
}
