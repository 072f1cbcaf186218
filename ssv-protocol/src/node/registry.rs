//! The registry the node is given (operators, validators, our shares, as the
//! execution layer and beacon metadata have them) and what the node derives from
//! it: the validation view, the scheduled validators, and the runner machines.

use std::collections::{BTreeMap, BTreeSet};

use crate::identifiers::{committee_id, CommitteeId};
use crate::operator_key::OperatorPublicKey;
use crate::scheduler::ScheduledValidator;
use crate::validation::{CommitteeInfo, KnownDuties, NetworkView, SlotClock, ValidatorInfo};
use crate::wire::Share;

/// One validator registered on the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredValidator {
    /// Its public key.
    pub pubkey: [u8; 48],
    /// Its beacon index, once beacon metadata has it.
    pub index: Option<u64>,
    /// Its committee's operator IDs.
    pub operators: Vec<u64>,
    /// Whether its cluster is liquidated.
    pub liquidated: bool,
    /// Whether it is active on the beacon chain.
    pub active: bool,
    /// Our share of it, when we are in its committee.
    pub share: Option<Share>,
}

/// Everything the node knows of the network's membership. Replaced as a whole.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    /// Registered operators' public keys.
    pub operators: BTreeMap<u64, OperatorPublicKey>,
    /// Every registered validator.
    pub validators: Vec<RegisteredValidator>,
}

impl RegisteredValidator {
    /// Its committee's operators, sorted and deduplicated.
    pub fn committee(&self) -> Vec<u64> {
        let set: BTreeSet<u64> = self.operators.iter().copied().collect();
        set.into_iter().collect()
    }

    /// Whether our operator runs its duties now: we hold a share, it has an
    /// index, is active and not liquidated.
    pub fn runs(&self) -> bool {
        self.share.is_some() && self.index.is_some() && self.active && !self.liquidated
    }
}

/// Our shares grouped by committee: (operators, shares by validator index).
pub type OurCommittees = BTreeMap<CommitteeId, (Vec<u64>, BTreeMap<u64, Share>)>;

impl Registry {
    /// The validation view of this registry, with these known duties.
    pub fn view(
        &self,
        domain: [u8; 4],
        roles: crate::roles::RoleFork,
        clock: SlotClock,
        duties: KnownDuties,
    ) -> NetworkView {
        let mut committees: BTreeMap<CommitteeId, CommitteeInfo> = BTreeMap::new();
        let mut validators = BTreeMap::new();
        for v in &self.validators {
            let ops = v.committee();
            let id = committee_id(&ops);
            let info = committees.entry(id).or_insert_with(|| CommitteeInfo {
                operators: ops.clone(),
                validator_indices: Vec::new(),
                in_sync_committee: false,
            });
            if let Some(index) = v.index {
                if v.active && !v.liquidated {
                    info.validator_indices.push(index);
                }
                if duties.sync_contribution.iter().any(|(_, i)| *i == index) {
                    info.in_sync_committee = true;
                }
            }
            validators.insert(
                v.pubkey,
                ValidatorInfo {
                    index: v.index,
                    committee: id,
                    liquidated: v.liquidated,
                    attesting: v.active,
                },
            );
        }
        for c in committees.values_mut() {
            c.validator_indices.sort_unstable();
            c.validator_indices.dedup();
        }
        NetworkView {
            domain,
            roles,
            clock,
            operators: self.operators.clone(),
            committees,
            validators,
            duties,
        }
    }

    /// The validators whose duties we run.
    pub fn scheduled(&self) -> Vec<ScheduledValidator> {
        let mut out: Vec<ScheduledValidator> = self
            .validators
            .iter()
            .filter(|v| v.runs())
            .filter_map(|v| {
                Some(ScheduledValidator {
                    index: v.index?,
                    pubkey: v.pubkey,
                    committee: committee_id(&v.committee()),
                })
            })
            .collect();
        out.sort();
        out
    }

    /// Our running shares, by committee.
    pub fn our_committees(&self) -> OurCommittees {
        let mut out: OurCommittees = BTreeMap::new();
        for v in self.validators.iter().filter(|v| v.runs()) {
            let (Some(index), Some(share)) = (v.index, &v.share) else {
                continue;
            };
            let ops = v.committee();
            let entry = out
                .entry(committee_id(&ops))
                .or_insert_with(|| (ops, BTreeMap::new()));
            entry.1.insert(index, share.clone());
        }
        out
    }
}
