//! The registry the node is given (operators, validators, our shares, as the
//! execution layer and beacon metadata have them) and what the node derives from
//! it: the validation view, the scheduled validators, and the runner machines.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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
            });
            if let Some(index) = v.index {
                if v.active && !v.liquidated {
                    info.validator_indices.push(index);
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
            operators: Arc::new(self.operators.clone()),
            committees: Arc::new(committees),
            validators: Arc::new(validators),
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

/// What the beacon chain says of a validator (from the beacon node's validator
/// endpoint): its index and whether it is active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BeaconMetadata {
    /// Its beacon index.
    pub index: u64,
    /// Whether it is active (attesting) now.
    pub active: bool,
}

impl Registry {
    /// The node's registry from the contract's: every operator whose key parses,
    /// every validator with its beacon metadata where known, and our share
    /// (public parts only; secrets stay with the key store) where `own` is in
    /// its committee.
    pub fn from_contract(
        state: &crate::contract::ContractState,
        beacon: &BTreeMap<[u8; 48], BeaconMetadata>,
        domain_type: [u8; 4],
        graffiti: [u8; 32],
    ) -> Registry {
        use crate::wire::ShareMember;
        let operators = state
            .operators
            .iter()
            .filter_map(|(id, o)| {
                Some((*id, OperatorPublicKey::from_base64_pem(&o.public_key).ok()?))
            })
            .collect();
        let validators = state
            .validators
            .iter()
            .map(|(pubkey, v)| {
                let meta = beacon.get(pubkey);
                let own_position = state
                    .own_operator
                    .and_then(|own| v.operators.iter().position(|id| *id == own))
                    .filter(|_| v.own_encrypted_share.is_some());
                let share = own_position.and_then(|pos| {
                    Some(Share {
                        validator_index: meta?.index,
                        validator_pubkey: *pubkey,
                        share_pubkey: *v.share_pubkeys.get(pos)?,
                        committee: v
                            .operators
                            .iter()
                            .zip(&v.share_pubkeys)
                            .map(|(id, key)| ShareMember {
                                share_pubkey: *key,
                                signer: *id,
                            })
                            .collect(),
                        domain_type,
                        fee_recipient: state
                            .owners
                            .get(&v.owner)
                            .map_or(v.owner.0, |o| o.fee_recipient.0),
                        graffiti,
                    })
                });
                RegisteredValidator {
                    pubkey: *pubkey,
                    index: meta.map(|m| m.index),
                    operators: v.operators.clone(),
                    liquidated: v.liquidated,
                    active: meta.is_some_and(|m| m.active),
                    share,
                }
            })
            .collect();
        Registry {
            operators,
            validators,
        }
    }
}
