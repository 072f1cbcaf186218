//! The share rules a duty runner is built on (ssv-spec runner construction and
//! `Share.Validate`).

use std::collections::BTreeMap;

use crate::wire::{Role, Share};

/// The known SSV domains a share may belong to.
pub const KNOWN_DOMAINS: [[u8; 4]; 9] = [
    [0, 0, 0, 0],
    [0, 0, 0, 1],
    [0, 0, 0, 2],
    [0, 0, 1, 0],
    [0, 0, 2, 0],
    [0, 0, 2, 1],
    [0, 0, 3, 1],
    [0, 0, 4, 1],
    [0, 0, 3, 2],
];

/// Why a runner cannot be built on a share map.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShareMapError {
    /// A committee runner needs at least one share.
    #[error("no shares")]
    NoShares,
    /// A validator runner needs exactly one share.
    #[error("must have one share, got {0}")]
    NotOneShare(usize),
    /// A share breaks a rule.
    #[error("invalid share of validator {index}: {reason}")]
    InvalidShare {
        /// The share's validator index.
        index: u64,
        /// What is wrong.
        reason: &'static str,
    },
}

/// ssv-spec `Share.Validate`.
pub fn validate_share(share: &Share) -> Result<(), &'static str> {
    if share.validator_pubkey == [0; 48] {
        return Err("zero validator public key");
    }
    if share.committee.is_empty() {
        return Err("empty committee");
    }
    let mut seen = Vec::with_capacity(share.committee.len());
    for m in &share.committee {
        if m.signer == 0 {
            return Err("signer 0 in committee");
        }
        if seen.contains(&m.signer) {
            return Err("duplicate signer in committee");
        }
        seen.push(m.signer);
    }
    if !KNOWN_DOMAINS.contains(&share.domain_type) {
        return Err("unknown domain");
    }
    Ok(())
}

/// Whether a runner of `role` can be built on `shares` (by validator index):
/// committee runners need at least one share, validator runners exactly one, and
/// every share must be valid.
pub fn check_runner_shares(role: Role, shares: &BTreeMap<u64, Share>) -> Result<(), ShareMapError> {
    match role {
        Role::Committee | Role::AggregatorCommittee if shares.is_empty() => {
            return Err(ShareMapError::NoShares)
        }
        Role::Committee | Role::AggregatorCommittee => {}
        _ if shares.len() != 1 => return Err(ShareMapError::NotOneShare(shares.len())),
        _ => {}
    }
    for (index, share) in shares {
        validate_share(share).map_err(|reason| ShareMapError::InvalidShare {
            index: *index,
            reason,
        })?;
    }
    Ok(())
}
