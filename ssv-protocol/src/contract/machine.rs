//! The registry machine: contract logs in, registry changes out. It holds the
//! registry the events have built, applies each event's rules exactly as the Go
//! node does (protocol facts §5; `eth/eventhandler/handlers.go`), and reports
//! every event it skipped with the reason.

use std::collections::VecDeque;
use std::sync::Arc;

use super::events::{decode_log, event_name, ContractEvent};
use super::shares_blob::{SharesBlob, SharesError};
use super::state::{
    cluster_id, Change, ContractState, OperatorRecord, OwnerRecord, ValidatorRecord,
};
use super::{abi, Address, EventError};
use crate::operator_key::{KeyError, OperatorPublicKey, OperatorSigner};
use crate::threshold;

/// One log of the SSV contract, as the execution node returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// Its block number.
    pub block: u64,
    /// Its index within the block.
    pub log_index: u64,
    /// Its topics, the event's signature hash first.
    pub topics: Vec<[u8; 32]>,
    /// Its data.
    pub data: Vec<u8>,
}

/// What the registry machine is fed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// The next contract log, in (block, log index) order.
    Log(LogEntry),
}

/// What the registry machine asks of its driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Persist this change, in the transaction of its block.
    Change {
        /// The block whose event made it.
        block: u64,
        /// The change.
        change: Change,
    },
    /// An event was skipped: log it and count it. The node goes on.
    Skipped(Skipped),
}

/// A skipped event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Its block.
    pub block: u64,
    /// Its log index.
    pub log_index: u64,
    /// Its event name, when the first topic was recognised.
    pub event: Option<&'static str>,
    /// Why.
    pub reason: SkipReason,
}

/// Why an event was skipped (the Go node's "malformed event" and parse failures).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SkipReason {
    /// Its topics or data do not match the event's ABI.
    #[error("undecodable: {0}")]
    Decode(#[from] EventError),
    /// OperatorAdded for an ID already registered.
    #[error("operator {0} already exists")]
    OperatorExists(u64),
    /// OperatorAdded with a public key already registered.
    #[error("operator public key already registered")]
    OperatorKeyExists,
    /// OperatorRemoved for an unknown operator.
    #[error("operator {0} not found")]
    OperatorNotFound(u64),
    /// A committee that is not 4, 7, 10 or 13 operators.
    #[error("{0} operators: a committee is 4, 7, 10 or 13")]
    CommitteeSize(usize),
    /// An operator listed twice.
    #[error("operator {0} listed twice")]
    DuplicateOperator(u64),
    /// A listed operator that is not registered.
    #[error("operator {0} is not registered")]
    UnknownOperator(u64),
    /// The shares blob is wrong.
    #[error(transparent)]
    Shares(#[from] SharesError),
    /// The validator exists under another owner.
    #[error("validator belongs to another owner")]
    OtherOwner,
    /// The validator is not registered.
    #[error("validator not found")]
    ValidatorNotFound,
    /// Our own encrypted share does not decrypt to our listed share key.
    #[error("our share does not decrypt to its listed public key: {0}")]
    OwnShare(String),
}

impl SkipReason {
    /// A short stable name of the reason, for metric labels.
    pub fn kind(&self) -> &'static str {
        match self {
            SkipReason::Decode(_) => "decode",
            SkipReason::OperatorExists(_) => "operator_exists",
            SkipReason::OperatorKeyExists => "operator_key_exists",
            SkipReason::OperatorNotFound(_) => "operator_not_found",
            SkipReason::CommitteeSize(_) => "committee_size",
            SkipReason::DuplicateOperator(_) => "duplicate_operator",
            SkipReason::UnknownOperator(_) => "unknown_operator",
            SkipReason::Shares(_) => "shares",
            SkipReason::OtherOwner => "other_owner",
            SkipReason::ValidatorNotFound => "validator_not_found",
            SkipReason::OwnShare(_) => "own_share",
        }
    }
}

/// Why the driver's input was refused (a driver bug, not a bad event).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DriveError {
    /// A log at or before the last one applied.
    #[error(
        "log ({block}, {log_index}) is not after the last applied ({last_block}, {last_index})"
    )]
    OutOfOrder {
        /// The log's block.
        block: u64,
        /// The log's index.
        log_index: u64,
        /// The last applied block.
        last_block: u64,
        /// The last applied index.
        last_index: u64,
    },
}

/// The registry machine.
pub struct RegistryMachine {
    state: ContractState,
    key: Option<Arc<OperatorSigner>>,
    own_public: Option<OperatorPublicKey>,
    /// The position of the last applied log; `u64::MAX` as index means the
    /// whole block was applied.
    last: Option<(u64, u64)>,
    outputs: VecDeque<Output>,
}

impl std::fmt::Debug for RegistryMachine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryMachine")
            .field("operators", &self.state.operators.len())
            .field("validators", &self.state.validators.len())
            .field("own_operator", &self.state.own_operator)
            .field("last", &self.last)
            .finish()
    }
}

impl RegistryMachine {
    /// A machine resuming from `state`, whose blocks up to `last_block` were
    /// applied, for the operator holding `key` (none: a node that only follows
    /// the registry).
    pub fn new(
        state: ContractState,
        last_block: Option<u64>,
        key: Option<Arc<OperatorSigner>>,
    ) -> Self {
        let own_public = key.as_ref().map(|k| k.public_key());
        RegistryMachine {
            state,
            key,
            own_public,
            last: last_block.map(|b| (b, u64::MAX)),
            outputs: VecDeque::new(),
        }
    }

    /// The registry so far.
    pub fn state(&self) -> &ContractState {
        &self.state
    }

    /// Feeds one input. A refused input leaves the machine unchanged.
    pub fn handle(&mut self, input: Input) -> Result<(), DriveError> {
        let Input::Log(log) = input;
        if let Some((last_block, last_index)) = self.last {
            if (log.block, log.log_index) <= (last_block, last_index) {
                return Err(DriveError::OutOfOrder {
                    block: log.block,
                    log_index: log.log_index,
                    last_block,
                    last_index,
                });
            }
        }
        self.last = Some((log.block, log.log_index));
        let event = match decode_log(&log.topics, &log.data) {
            Ok(Some(event)) => event,
            Ok(None) => return Ok(()),
            Err(e) => {
                self.skip(&log, log.topics.first().and_then(event_name), e.into());
                return Ok(());
            }
        };
        let name = event.name();
        let mut changes = Vec::new();
        let result = self.rules(event, log.block, &mut changes);
        // Changes made before a rule refused the event stay (the nonce bump).
        for change in changes {
            self.state.apply(&change);
            self.outputs.push_back(Output::Change {
                block: log.block,
                change,
            });
        }
        if let Err(reason) = result {
            self.skip(&log, Some(name), reason);
        }
        Ok(())
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn skip(&mut self, log: &LogEntry, event: Option<&'static str>, reason: SkipReason) {
        self.outputs.push_back(Output::Skipped(Skipped {
            block: log.block,
            log_index: log.log_index,
            event,
            reason,
        }));
    }

    fn rules(
        &self,
        event: ContractEvent,
        block: u64,
        out: &mut Vec<Change>,
    ) -> Result<(), SkipReason> {
        let state = &self.state;
        match event {
            ContractEvent::OperatorAdded {
                operator_id,
                owner,
                public_key,
                ..
            } => {
                // The field is itself an ABI-encoded `bytes`; failing to unpack it
                // is a parse failure in the Go node.
                let key = abi::decode_nested_bytes(&public_key, "publicKey.inner")?.to_vec();
                if state.operators.contains_key(&operator_id) {
                    return Err(SkipReason::OperatorExists(operator_id));
                }
                if state.operators.values().any(|o| o.public_key == key) {
                    return Err(SkipReason::OperatorKeyExists);
                }
                let ours = self.own_public.as_ref().is_some_and(|own| {
                    OperatorPublicKey::from_base64_pem(&key).is_ok_and(|k| &k == own)
                });
                out.push(Change::AddOperator {
                    id: operator_id,
                    record: OperatorRecord {
                        owner,
                        public_key: key,
                    },
                });
                if ours {
                    out.push(Change::SetOwnOperator { id: operator_id });
                }
                Ok(())
            }
            ContractEvent::OperatorRemoved { operator_id } => {
                if !state.operators.contains_key(&operator_id) {
                    return Err(SkipReason::OperatorNotFound(operator_id));
                }
                out.push(Change::RemoveOperator { id: operator_id });
                Ok(())
            }
            ContractEvent::ValidatorAdded {
                owner,
                operator_ids,
                public_key,
                shares,
                ..
            } => {
                // The nonce is read and bumped before any check, so a malformed
                // event still uses up its nonce.
                let nonce = state.next_nonce(&owner);
                let fee_recipient = state.owners.get(&owner).map_or(owner, |o| o.fee_recipient);
                out.push(Change::SetOwner {
                    owner,
                    record: OwnerRecord {
                        fee_recipient,
                        nonce: Some(nonce),
                    },
                });
                self.check_committee(&operator_ids)?;
                let blob = SharesBlob::parse(&shares, operator_ids.len())?;
                blob.verify(&public_key, &owner, u64::from(nonce))?;
                // `verify` parsed the key, so it is 48 bytes.
                let pubkey = <[u8; 48]>::try_from(public_key.as_slice())
                    .map_err(|_| SkipReason::Shares(SharesError::ValidatorKey))?;
                if let Some(existing) = state.validators.get(&pubkey) {
                    return if existing.owner == owner {
                        Ok(())
                    } else {
                        Err(SkipReason::OtherOwner)
                    };
                }
                let own_encrypted_share = self.own_share(&operator_ids, &blob)?;
                out.push(Change::AddValidator {
                    pubkey,
                    record: ValidatorRecord {
                        owner,
                        cluster_id: cluster_id(&owner, &operator_ids),
                        operators: operator_ids,
                        share_pubkeys: blob.share_pubkeys,
                        liquidated: false,
                        own_encrypted_share,
                        added_block: block,
                    },
                });
                Ok(())
            }
            ContractEvent::ValidatorRemoved {
                owner, public_key, ..
            } => {
                let pubkey = self.owned_validator(&owner, &public_key)?;
                out.push(Change::RemoveValidator { pubkey });
                Ok(())
            }
            ContractEvent::ClusterLiquidated {
                owner,
                operator_ids,
                ..
            } => {
                self.set_liquidated(&owner, &operator_ids, true, out);
                Ok(())
            }
            ContractEvent::ClusterReactivated {
                owner,
                operator_ids,
                ..
            } => {
                self.set_liquidated(&owner, &operator_ids, false, out);
                Ok(())
            }
            ContractEvent::FeeRecipientAddressUpdated { owner, recipient } => {
                let existing = state.owners.get(&owner);
                if existing.is_none_or(|o| o.fee_recipient != recipient) {
                    out.push(Change::SetOwner {
                        owner,
                        record: OwnerRecord {
                            fee_recipient: recipient,
                            nonce: existing.and_then(|o| o.nonce),
                        },
                    });
                }
                Ok(())
            }
            ContractEvent::ValidatorExited {
                owner, public_key, ..
            } => {
                let pubkey = self.owned_validator(&owner, &public_key)?;
                out.push(Change::RequestExit { pubkey, block });
                Ok(())
            }
        }
    }

    /// 4, 7, 10 or 13 distinct registered operators.
    fn check_committee(&self, ids: &[u64]) -> Result<(), SkipReason> {
        if !matches!(ids.len(), 4 | 7 | 10 | 13) {
            return Err(SkipReason::CommitteeSize(ids.len()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for id in ids {
            if !seen.insert(*id) {
                return Err(SkipReason::DuplicateOperator(*id));
            }
            if !self.state.operators.contains_key(id) {
                return Err(SkipReason::UnknownOperator(*id));
            }
        }
        Ok(())
    }

    /// Our encrypted share when we are in the committee, checked to decrypt to
    /// our listed share key (`AddShare` in the Go node's key manager).
    fn own_share(&self, ids: &[u64], blob: &SharesBlob) -> Result<Option<Vec<u8>>, SkipReason> {
        let (Some(own), Some(key)) = (self.state.own_operator, self.key.as_ref()) else {
            return Ok(None);
        };
        let Some(pos) = ids.iter().position(|id| *id == own) else {
            return Ok(None);
        };
        let (Some(encrypted), Some(listed)) =
            (blob.encrypted_shares.get(pos), blob.share_pubkeys.get(pos))
        else {
            return Err(SkipReason::OwnShare("missing from the blob".into()));
        };
        let secret = key
            .decrypt_share(encrypted)
            .map_err(|e: KeyError| SkipReason::OwnShare(e.to_string()))?;
        let sk = threshold::SecretKey::from_bytes(&secret)
            .map_err(|_| SkipReason::OwnShare("not a BLS secret key".into()))?;
        if sk.sk_to_pk().to_bytes() != *listed {
            return Err(SkipReason::OwnShare("decrypted key does not match".into()));
        }
        Ok(Some(encrypted.clone()))
    }

    /// The validator with this key, when `owner` owns it.
    fn owned_validator(&self, owner: &Address, public_key: &[u8]) -> Result<[u8; 48], SkipReason> {
        let pubkey = <[u8; 48]>::try_from(public_key).map_err(|_| SkipReason::ValidatorNotFound)?;
        match self.state.validators.get(&pubkey) {
            None => Err(SkipReason::ValidatorNotFound),
            Some(v) if &v.owner != owner => Err(SkipReason::OtherOwner),
            Some(_) => Ok(pubkey),
        }
    }

    fn set_liquidated(
        &self,
        owner: &Address,
        ids: &[u64],
        liquidated: bool,
        out: &mut Vec<Change>,
    ) {
        let id = cluster_id(owner, ids);
        for pubkey in self.state.cluster_validators(&id) {
            if self
                .state
                .validators
                .get(&pubkey)
                .is_some_and(|v| v.liquidated != liquidated)
            {
                out.push(Change::SetLiquidated { pubkey, liquidated });
            }
        }
    }
}
