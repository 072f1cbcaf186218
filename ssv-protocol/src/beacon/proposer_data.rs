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
