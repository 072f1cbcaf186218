//! `BeaconVote` (ssv-spec `types/beacon_types.go`): what a committee agrees on for
//! attestations: the head block root and the source and target checkpoints.

use super::codec::DecodeError;
use super::merkle::{self, Root};

/// An epoch and a block root.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Checkpoint {
    /// The epoch.
    pub epoch: u64,
    /// The block root.
    pub root: [u8; 32],
}

impl Checkpoint {
    /// SSZ hash-tree-root.
    pub fn tree_hash_root(&self) -> Root {
        merkle::container_root(&[merkle::u64_root(self.epoch), self.root])
    }
}

/// The committee role's consensus value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct BeaconVote {
    /// The head block root.
    pub block_root: [u8; 32],
    /// The source checkpoint.
    pub source: Checkpoint,
    /// The target checkpoint.
    pub target: Checkpoint,
}

/// The SSZ size of a `BeaconVote` (all fields are fixed-size).
pub const BEACON_VOTE_SIZE: usize = 32 + 40 + 40;

impl BeaconVote {
    /// SSZ encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(BEACON_VOTE_SIZE);
        b.extend_from_slice(&self.block_root);
        for c in [&self.source, &self.target] {
            b.extend_from_slice(&c.epoch.to_le_bytes());
            b.extend_from_slice(&c.root);
        }
        b
    }

    /// SSZ decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() != BEACON_VOTE_SIZE {
            return Err(DecodeError::WrongSize {
                what: "BeaconVote",
                expected: BEACON_VOTE_SIZE,
                got: bytes.len(),
            });
        }
        let (block_root, rest) = bytes.split_at(32);
        let checkpoint = |b: &[u8]| {
            let (epoch, root) = b.split_at(8);
            Checkpoint {
                epoch: u64::from_le_bytes(epoch.try_into().unwrap_or([0; 8])),
                root: root.try_into().unwrap_or([0; 32]),
            }
        };
        let (source, target) = rest.split_at(40);
        Ok(BeaconVote {
            block_root: block_root.try_into().unwrap_or([0; 32]),
            source: checkpoint(source),
            target: checkpoint(target),
        })
    }

    /// SSZ hash-tree-root.
    pub fn tree_hash_root(&self) -> Root {
        merkle::container_root(&[
            self.block_root,
            self.source.tree_hash_root(),
            self.target.tree_hash_root(),
        ])
    }
}
