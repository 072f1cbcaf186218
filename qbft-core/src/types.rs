//! Basic protocol scalars: operators, rounds, heights, digests, time, and the committee.

use crate::error::Error;

/// An operator's ID in the registry. `0` is never a valid operator.
pub type OperatorId = u64;
/// A QBFT round. Round `0` is [`NO_ROUND`]; instances start at [`FIRST_ROUND`].
pub type Round = u64;
/// A QBFT height (in SSV, the slot of the duty).
pub type Height = u64;
/// A 32-byte digest of a proposed value.
pub type Digest = [u8; 32];

/// The "no round" marker, used as the prepared round of a never-prepared instance.
pub const NO_ROUND: Round = 0;
/// The first round of every instance.
pub const FIRST_ROUND: Round = 1;
/// The first height a controller runs.
pub const FIRST_HEIGHT: Height = 0;

/// A point in time, in milliseconds since an epoch the embedder chooses (the SSV
/// runtime uses the Unix epoch). The machines never read a clock: every input
/// carries the time at which it happened.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// This time plus `ms` milliseconds, saturating at the end of time.
    pub fn plus_millis(self, ms: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }

    /// Milliseconds since the epoch.
    pub fn as_millis(self) -> u64 {
        self.0
    }
}

/// The operators that run one QBFT instance: `n = 3f + 1` members (SSV uses 4, 7,
/// 10 or 13), sorted by ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committee {
    members: Vec<OperatorId>,
    faulty: u64,
}

impl Committee {
    /// Builds a committee from its members' IDs, in any order.
    ///
    /// The fault bound is `f = (n - 1) / 3`. Duplicate or zero IDs and an empty
    /// committee are rejected.
    pub fn new(members: impl IntoIterator<Item = OperatorId>) -> Result<Self, Error> {
        let mut members: Vec<OperatorId> = members.into_iter().collect();
        members.sort_unstable();
        let n = members.len();
        if n == 0 {
            return Err(Error::InvalidCommittee("empty committee"));
        }
        if members.first() == Some(&0) {
            return Err(Error::InvalidCommittee("operator ID 0 in committee"));
        }
        if members.windows(2).any(|w| w.first() == w.last()) {
            return Err(Error::InvalidCommittee("duplicate operator ID"));
        }
        Ok(Committee {
            faulty: (n as u64 - 1) / 3,
            members,
        })
    }

    /// The members, sorted by ID.
    pub fn members(&self) -> &[OperatorId] {
        &self.members
    }

    /// The committee size `n`.
    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// The number of faulty members tolerated, `f`.
    pub fn faulty(&self) -> u64 {
        self.faulty
    }

    /// The quorum, `2f + 1`.
    pub fn quorum(&self) -> usize {
        (2 * self.faulty + 1) as usize
    }

    /// The partial quorum that makes a node jump rounds, `f + 1`.
    pub fn partial_quorum(&self) -> usize {
        (self.faulty + 1) as usize
    }

    /// Whether `id` is a member.
    pub fn contains(&self, id: OperatorId) -> bool {
        self.members.binary_search(&id).is_ok()
    }

    /// Whether every signer is a member (ssv-spec `CheckSignersInCommittee`).
    pub fn contains_all(&self, ids: &[OperatorId]) -> bool {
        ids.iter().all(|id| self.contains(*id))
    }
}

/// The SSV round-robin proposer (ssv-spec `RoundRobinProposer`): the sorted
/// committee's member at index `((h == 0 ? 0 : h mod n) + (r - 1) + h / 32) mod n`.
pub fn round_robin_proposer(committee: &Committee, height: Height, round: Round) -> OperatorId {
    let n = committee.members.len() as u64;
    let first = if height == FIRST_HEIGHT {
        0
    } else {
        height % n
    };
    let epoch = height / 32;
    let index = (first % n + round.wrapping_sub(FIRST_ROUND) % n + epoch % n) % n;
    // `index < n`, so the lookup always succeeds; a committee is never empty.
    committee
        .members
        .get(index as usize)
        .copied()
        .unwrap_or_default()
}
