//! What the contract's events build: operators, owners, validators and their
//! shares. Changed only through [`Change`]s, so the store that persists the
//! changes and the state in memory can never disagree.

use std::collections::BTreeMap;

use super::Address;

/// A registered operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorRecord {
    /// Its owner.
    pub owner: Address,
    /// Its public key as the contract carries it: base64 of a PEM block. Stored
    /// as given, bytes and all, because the Go node judges duplicates on this
    /// text and accepts keys that do not parse.
    pub public_key: Vec<u8>,
}

/// What the node keeps per owner address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerRecord {
    /// Its fee recipient (the owner itself until it sets one).
    pub fee_recipient: Address,
    /// The last nonce a ValidatorAdded of this owner used; `None` until the first.
    pub nonce: Option<u16>,
}

/// A registered validator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorRecord {
    /// Its owner.
    pub owner: Address,
    /// Its committee, in the event's order.
    pub operators: Vec<u64>,
    /// Each operator's share public key, in the same order.
    pub share_pubkeys: Vec<[u8; 48]>,
    /// The cluster ID of (owner, operators).
    pub cluster_id: [u8; 32],
    /// Whether its cluster is liquidated.
    pub liquidated: bool,
    /// Our encrypted share, when we are in the committee (checked to decrypt to
    /// the listed share key when it was added).
    pub own_encrypted_share: Option<Vec<u8>>,
    /// The block it was added in.
    pub added_block: u64,
}

/// One change to the registry. A block's changes are stored in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// An operator was added.
    AddOperator {
        /// Its ID.
        id: u64,
        /// Its record.
        record: OperatorRecord,
    },
    /// An operator was removed.
    RemoveOperator {
        /// Its ID.
        id: u64,
    },
    /// Our own operator was registered with this ID.
    SetOwnOperator {
        /// Our operator ID.
        id: u64,
    },
    /// An owner's record was created or changed.
    SetOwner {
        /// The owner.
        owner: Address,
        /// Its record after the change.
        record: OwnerRecord,
    },
    /// A validator was added.
    AddValidator {
        /// Its public key.
        pubkey: [u8; 48],
        /// Its record.
        record: ValidatorRecord,
    },
    /// A validator was removed.
    RemoveValidator {
        /// Its public key.
        pubkey: [u8; 48],
    },
    /// A validator's cluster was liquidated or reactivated.
    SetLiquidated {
        /// Its public key.
        pubkey: [u8; 48],
        /// The new flag.
        liquidated: bool,
    },
    /// The owner asked for a validator's voluntary exit.
    RequestExit {
        /// Its public key.
        pubkey: [u8; 48],
        /// The block of the request.
        block: u64,
    },
}

/// The registry the events have built so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContractState {
    /// Operators by ID.
    pub operators: BTreeMap<u64, OperatorRecord>,
    /// Owners by address.
    pub owners: BTreeMap<Address, OwnerRecord>,
    /// Validators by public key.
    pub validators: BTreeMap<[u8; 48], ValidatorRecord>,
    /// Exit requests, in the order they were made: (validator, block).
    pub exit_requests: Vec<([u8; 48], u64)>,
    /// Our operator ID, once our key was registered.
    pub own_operator: Option<u64>,
}

impl ContractState {
    /// Applies one change.
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::AddOperator { id, record } => {
                self.operators.insert(*id, record.clone());
            }
            Change::RemoveOperator { id } => {
                self.operators.remove(id);
            }
            Change::SetOwnOperator { id } => self.own_operator = Some(*id),
            Change::SetOwner { owner, record } => {
                self.owners.insert(*owner, record.clone());
            }
            Change::AddValidator { pubkey, record } => {
                self.validators.insert(*pubkey, record.clone());
            }
            Change::RemoveValidator { pubkey } => {
                self.validators.remove(pubkey);
            }
            Change::SetLiquidated { pubkey, liquidated } => {
                if let Some(v) = self.validators.get_mut(pubkey) {
                    v.liquidated = *liquidated;
                }
            }
            Change::RequestExit { pubkey, block } => self.exit_requests.push((*pubkey, *block)),
        }
    }

    /// The nonce the next ValidatorAdded of `owner` is checked against.
    pub fn next_nonce(&self, owner: &Address) -> u16 {
        match self.owners.get(owner).and_then(|o| o.nonce) {
            Some(n) => n.wrapping_add(1),
            None => 0,
        }
    }

    /// The validators of the cluster with this ID.
    pub fn cluster_validators(&self, cluster_id: &[u8; 32]) -> Vec<[u8; 48]> {
        self.validators
            .iter()
            .filter(|(_, v)| &v.cluster_id == cluster_id)
            .map(|(k, _)| *k)
            .collect()
    }
}

/// The SSV contract's cluster ID of (owner, operators): see
/// [`crate::identifiers::cluster_id`].
pub fn cluster_id(owner: &Address, operators: &[u64]) -> [u8; 32] {
    crate::identifiers::cluster_id(&owner.0, operators)
}
