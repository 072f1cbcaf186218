//! The Alan sync-contribution runner's decided data (ssv-spec v1.2
//! `types/consensus_data.go` `Contributions`): up to 13 entries of a selection
//! proof and the sync-committee contribution it was chosen for.
//!
//! The list is encoded as the Go code writes it, which is not plain SSZ for a
//! list of fixed-size elements: every element is preceded by a 4-byte offset,
//! as if elements were variable-size. Decoding reads the element count from the
//! first offset and requires the offsets to tile the bytes exactly.

use ssz::{Decode, Encode};
use ssz_derive::{Decode as DecodeDerive, Encode as EncodeDerive};

use super::altair::SyncCommitteeContribution;
use super::phase0::BlsSignature;

/// The most entries a list holds (one per sync-committee position).
pub const MAX_CONTRIBUTIONS: usize = 13;

/// One selected subnet's contribution with the selection proof that chose it.
#[derive(Clone, Debug, PartialEq, Eq, EncodeDerive, DecodeDerive)]
pub struct Contribution {
    /// The rebuilt selection proof of the validator on the contribution's subnet.
    pub selection_proof: BlsSignature,
    /// The beacon node's contribution.
    pub contribution: SyncCommitteeContribution,
}

/// Why a contributions list was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContributionsError {
    /// More than [`MAX_CONTRIBUTIONS`] entries.
    #[error("more than 13 contributions")]
    TooMany,
    /// The offsets do not describe the bytes.
    #[error("bad offsets")]
    BadOffsets,
    /// An entry does not decode.
    #[error("an entry does not decode")]
    BadEntry,
}

/// ssv-spec `Contributions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contributions(pub Vec<Contribution>);

impl Contributions {
    /// The Go encoding: one offset per entry, then the entries.
    pub fn encode(&self) -> Result<Vec<u8>, ContributionsError> {
        if self.0.len() > MAX_CONTRIBUTIONS {
            return Err(ContributionsError::TooMany);
        }
        let bodies: Vec<Vec<u8>> = self.0.iter().map(Encode::as_ssz_bytes).collect();
        let mut out = Vec::with_capacity(bodies.iter().map(|b| b.len() + 4).sum());
        let mut offset = 4 * bodies.len();
        for b in &bodies {
            // At most 13 entries of 256 bytes: offsets fit in a u32.
            out.extend_from_slice(&(offset as u32).to_le_bytes());
            offset += b.len();
        }
        for b in bodies {
            out.extend_from_slice(&b);
        }
        Ok(out)
    }

    /// Decodes the Go encoding; empty bytes are an empty list.
    pub fn decode(bytes: &[u8]) -> Result<Self, ContributionsError> {
        if bytes.is_empty() {
            return Ok(Contributions(Vec::new()));
        }
        let read = |i: usize| -> Result<usize, ContributionsError> {
            let b = bytes
                .get(i * 4..i * 4 + 4)
                .ok_or(ContributionsError::BadOffsets)?;
            let mut w = [0u8; 4];
            w.copy_from_slice(b);
            Ok(u32::from_le_bytes(w) as usize)
        };
        let first = read(0)?;
        if first == 0 || first % 4 != 0 || first > bytes.len() {
            return Err(ContributionsError::BadOffsets);
        }
        let n = first / 4;
        if n > MAX_CONTRIBUTIONS {
            return Err(ContributionsError::TooMany);
        }
        let mut offsets = Vec::with_capacity(n + 1);
        for i in 0..n {
            offsets.push(read(i)?);
        }
        offsets.push(bytes.len());
        let mut out = Vec::with_capacity(n);
        for w in offsets.windows(2) {
            let (start, end) = match w {
                [a, b] if a <= b => (*a, *b),
                _ => return Err(ContributionsError::BadOffsets),
            };
            let body = bytes
                .get(start..end)
                .ok_or(ContributionsError::BadOffsets)?;
            out.push(Contribution::from_ssz_bytes(body).map_err(|_| ContributionsError::BadEntry)?);
        }
        Ok(Contributions(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::beacon::signed::{bls_signature, root};

    fn entry(subnet: u64) -> Contribution {
        Contribution {
            selection_proof: bls_signature(&[subnet as u8; 96]),
            contribution: SyncCommitteeContribution {
                slot: 9,
                beacon_block_root: root(&[7; 32]),
                subcommittee_index: subnet,
                aggregation_bits: Default::default(),
                signature: bls_signature(&[1; 96]),
            },
        }
    }

    #[test]
    fn round_trips_with_an_offset_per_entry() {
        let list = Contributions(vec![entry(0), entry(3)]);
        let bytes = list.encode().unwrap();
        // Two offsets (8 and 8 + 256), then two 256-byte entries.
        assert_eq!(bytes.len(), 8 + 2 * 256);
        assert_eq!(&bytes[..4], &8u32.to_le_bytes());
        assert_eq!(&bytes[4..8], &264u32.to_le_bytes());
        assert_eq!(Contributions::decode(&bytes).unwrap(), list);
        assert_eq!(
            Contributions::decode(&[]).unwrap(),
            Contributions::default()
        );
    }

    #[test]
    fn refuses_bad_offsets_and_long_lists() {
        let bytes = Contributions(vec![entry(1)]).encode().unwrap();
        assert_eq!(
            Contributions::decode(&bytes[4..]),
            Err(ContributionsError::BadOffsets)
        );
        assert_eq!(
            Contributions::decode(&bytes[..bytes.len() - 1]),
            Err(ContributionsError::BadEntry)
        );
        let too_many = Contributions(vec![entry(0); 14]);
        assert_eq!(too_many.encode(), Err(ContributionsError::TooMany));
        let mut forged = 56u32.to_le_bytes().to_vec();
        forged.resize(56, 0);
        assert_eq!(
            Contributions::decode(&forged),
            Err(ContributionsError::TooMany)
        );
    }
}
