//! `Share` (ssv-spec `types/share.go`): an operator's view of one validator it
//! serves.

use ssz::SszEncoder;

use super::codec::{check_len, DecodeError, Field, Fields};
use super::merkle::{self, Root};
use super::message_id::DomainType;

/// Maximum committee members of a share.
pub const MAX_SHARE_MEMBERS: usize = 13;

/// One committee member: its share public key and operator ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareMember {
    /// The member's BLS share public key.
    pub share_pubkey: [u8; 48],
    /// The member's operator ID.
    pub signer: u64,
}

/// A validator share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// The validator's beacon-chain index.
    pub validator_index: u64,
    /// The validator's public key.
    pub validator_pubkey: [u8; 48],
    /// Our share's public key.
    pub share_pubkey: [u8; 48],
    /// Every member of the committee.
    pub committee: Vec<ShareMember>,
    /// The network domain.
    pub domain_type: DomainType,
    /// The fee recipient.
    pub fee_recipient: [u8; 20],
    /// Block graffiti.
    pub graffiti: [u8; 32],
}

const FIXED: usize = 8 + 48 + 48 + 4 + 4 + 20 + 32;
const MEMBER: usize = 48 + 8;

impl Share {
    /// SSZ encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(FIXED + self.committee.len() * MEMBER);
        let mut enc = SszEncoder::container(&mut buf, FIXED);
        enc.append(&self.validator_index);
        enc.append_parameterized(true, |b| b.extend_from_slice(&self.validator_pubkey));
        enc.append_parameterized(true, |b| b.extend_from_slice(&self.share_pubkey));
        enc.append_parameterized(false, |b| {
            for m in &self.committee {
                b.extend_from_slice(&m.share_pubkey);
                b.extend_from_slice(&m.signer.to_le_bytes());
            }
        });
        enc.append_parameterized(true, |b| b.extend_from_slice(&self.domain_type));
        enc.append_parameterized(true, |b| b.extend_from_slice(&self.fee_recipient));
        enc.append_parameterized(true, |b| b.extend_from_slice(&self.graffiti));
        enc.finalize();
        buf
    }

    /// SSZ decoding, with the spec's limits.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(
            "Share",
            bytes,
            &[
                Field::Fixed(8),
                Field::Fixed(48),
                Field::Fixed(48),
                Field::Variable,
                Field::Fixed(4),
                Field::Fixed(20),
                Field::Fixed(32),
            ],
        )?;
        let validator_index = f.next::<u64>()?;
        let validator_pubkey = f.array::<48>("Share.ValidatorPubKey")?;
        let share_pubkey = f.array::<48>("Share.SharePubKey")?;
        let members: Vec<u8> = f.next()?;
        if !members.len().is_multiple_of(MEMBER) {
            return Err(DecodeError::WrongSize {
                what: "Share.Committee",
                expected: members.len() / MEMBER * MEMBER,
                got: members.len(),
            });
        }
        check_len("Share.Committee", members.len() / MEMBER, MAX_SHARE_MEMBERS)?;
        let committee = members
            .chunks_exact(MEMBER)
            .map(|c| {
                let (pk, signer) = c.split_at(48);
                ShareMember {
                    share_pubkey: pk.try_into().unwrap_or([0; 48]),
                    signer: u64::from_le_bytes(signer.try_into().unwrap_or([0; 8])),
                }
            })
            .collect();
        Ok(Share {
            validator_index,
            validator_pubkey,
            share_pubkey,
            committee,
            domain_type: f.array::<4>("Share.DomainType")?,
            fee_recipient: f.array::<20>("Share.FeeRecipientAddress")?,
            graffiti: f.array::<32>("Share.Graffiti")?,
        })
    }

    /// SSZ hash-tree-root.
    pub fn tree_hash_root(&self) -> Root {
        let leaves: Vec<u8> = self
            .committee
            .iter()
            .flat_map(|m| {
                merkle::container_root(&[
                    merkle::byte_vector_root(&m.share_pubkey),
                    merkle::u64_root(m.signer),
                ])
            })
            .collect();
        let committee = tree_hash::mix_in_length(
            &tree_hash::merkle_root(&leaves, MAX_SHARE_MEMBERS),
            self.committee.len(),
        )
        .0;
        merkle::container_root(&[
            merkle::u64_root(self.validator_index),
            merkle::byte_vector_root(&self.validator_pubkey),
            merkle::byte_vector_root(&self.share_pubkey),
            committee,
            merkle::byte_vector_root(&self.domain_type),
            merkle::byte_vector_root(&self.fee_recipient),
            self.graffiti,
        ])
    }
}
