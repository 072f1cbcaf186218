//! The registry tables: written one block per transaction from the registry
//! machine's changes, read back whole at start.

use rusqlite::{params, Transaction};
use ssv_protocol::contract::{
    Address, Change, ContractState, OperatorRecord, OwnerRecord, Skipped, ValidatorRecord,
};

use super::{Store, StoreError};

/// A skipped event as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSkip {
    /// Its block.
    pub block: u64,
    /// Its log index.
    pub log_index: u64,
    /// Its event name, when known.
    pub event: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

fn write_change(tx: &Transaction<'_>, change: &Change) -> rusqlite::Result<()> {
    match change {
        Change::AddOperator { id, record } => {
            tx.execute(
                "INSERT INTO operators (id, owner, public_key) VALUES (?1, ?2, ?3)",
                params![*id as i64, record.owner.0.as_slice(), record.public_key],
            )?;
        }
        Change::RemoveOperator { id } => {
            tx.execute("DELETE FROM operators WHERE id = ?1", params![*id as i64])?;
        }
        Change::SetOwnOperator { id } => {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('own_operator', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = ?1",
                params![id.to_string()],
            )?;
        }
        Change::SetOwner { owner, record } => {
            tx.execute(
                "INSERT INTO owners (address, fee_recipient, nonce) VALUES (?1, ?2, ?3)
                 ON CONFLICT (address) DO UPDATE SET fee_recipient = ?2, nonce = ?3",
                params![
                    owner.0.as_slice(),
                    record.fee_recipient.0.as_slice(),
                    record.nonce
                ],
            )?;
        }
        Change::AddValidator { pubkey, record } => {
            tx.execute(
                "INSERT INTO validators (pubkey, owner, cluster_id, liquidated, own_encrypted_share, added_block)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    pubkey.as_slice(),
                    record.owner.0.as_slice(),
                    record.cluster_id.as_slice(),
                    record.liquidated,
                    record.own_encrypted_share,
                    record.added_block as i64
                ],
            )?;
            for (position, (id, share)) in record
                .operators
                .iter()
                .zip(&record.share_pubkeys)
                .enumerate()
            {
                tx.execute(
                    "INSERT INTO shares (validator, position, operator_id, share_pubkey) VALUES (?1, ?2, ?3, ?4)",
                    params![pubkey.as_slice(), position as i64, *id as i64, share.as_slice()],
                )?;
            }
        }
        Change::RemoveValidator { pubkey } => {
            tx.execute(
                "DELETE FROM validators WHERE pubkey = ?1",
                params![pubkey.as_slice()],
            )?;
        }
        Change::SetLiquidated { pubkey, liquidated } => {
            tx.execute(
                "UPDATE validators SET liquidated = ?2 WHERE pubkey = ?1",
                params![pubkey.as_slice(), liquidated],
            )?;
        }
        Change::RequestExit { pubkey, block } => {
            tx.execute(
                "INSERT INTO exit_requests (pubkey, block) VALUES (?1, ?2)",
                params![pubkey.as_slice(), *block as i64],
            )?;
        }
        // `Change` is non-exhaustive; a new kind must be stored before it is made.
        #[allow(unreachable_patterns)]
        _ => return Err(rusqlite::Error::InvalidQuery),
    }
    Ok(())
}

fn array<const N: usize>(bytes: Vec<u8>) -> Option<[u8; N]> {
    bytes.try_into().ok()
}

impl Store {
    /// Stores one block's changes and skipped events, and `block` as the last
    /// processed block, in one transaction: after a crash either all of it is
    /// there or none.
    pub fn commit_block(
        &mut self,
        block: u64,
        changes: &[Change],
        skipped: &[Skipped],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        for change in changes {
            write_change(&tx, change).map_err(err)?;
        }
        for s in skipped {
            tx.execute(
                "INSERT OR REPLACE INTO skipped_events (block, log_index, event, reason) VALUES (?1, ?2, ?3, ?4)",
                params![s.block as i64, s.log_index as i64, s.event, s.reason.to_string()],
            )
            .map_err(err)?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('last_block', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
            params![block.to_string()],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The whole registry as stored.
    pub fn load_registry(&self) -> Result<ContractState, StoreError> {
        let corrupt = |table| StoreError::Corrupt {
            path: self.path.clone(),
            table,
        };
        let mut state = ContractState::default();
        let operators = self.query("SELECT id, owner, public_key FROM operators", |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        for (id, owner, public_key) in operators {
            let owner = Address(array(owner).ok_or_else(|| corrupt("operators"))?);
            state
                .operators
                .insert(id as u64, OperatorRecord { owner, public_key });
        }
        let owners = self.query("SELECT address, fee_recipient, nonce FROM owners", |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Option<u16>>(2)?,
            ))
        })?;
        for (address, recipient, nonce) in owners {
            let (Some(address), Some(recipient)) = (array(address), array(recipient)) else {
                return Err(corrupt("owners"));
            };
            let record = OwnerRecord {
                fee_recipient: Address(recipient),
                nonce,
            };
            state.owners.insert(Address(address), record);
        }
        let validators = self.query(
            "SELECT pubkey, owner, cluster_id, liquidated, own_encrypted_share, added_block FROM validators",
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Option<Vec<u8>>>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            },
        )?;
        for (pubkey, owner, cluster, liquidated, own_encrypted_share, added_block) in validators {
            let (Some(pubkey), Some(owner), Some(cluster_id)) =
                (array(pubkey), array(owner), array(cluster))
            else {
                return Err(corrupt("validators"));
            };
            let record = ValidatorRecord {
                owner: Address(owner),
                operators: Vec::new(),
                share_pubkeys: Vec::new(),
                cluster_id,
                liquidated,
                own_encrypted_share,
                added_block: added_block as u64,
            };
            state.validators.insert(pubkey, record);
        }
        let shares = self.query(
            "SELECT validator, operator_id, share_pubkey FROM shares ORDER BY validator, position",
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            },
        )?;
        for (validator, id, share) in shares {
            let (Some(validator), Some(share)) = (array::<48>(validator), array(share)) else {
                return Err(corrupt("shares"));
            };
            let v = state
                .validators
                .get_mut(&validator)
                .ok_or_else(|| corrupt("shares"))?;
            v.operators.push(id as u64);
            v.share_pubkeys.push(share);
        }
        let exits = self.query(
            "SELECT pubkey, block FROM exit_requests ORDER BY seq",
            |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)),
        )?;
        for (pubkey, block) in exits {
            let pubkey = array(pubkey).ok_or_else(|| corrupt("exit_requests"))?;
            state.exit_requests.push((pubkey, block as u64));
        }
        state.own_operator = match self.meta("own_operator")? {
            None => None,
            Some(v) => Some(v.parse().map_err(|_| corrupt("meta"))?),
        };
        Ok(state)
    }

    /// Every skipped event, in chain order.
    pub fn skipped_events(&self) -> Result<Vec<StoredSkip>, StoreError> {
        self.query(
            "SELECT block, log_index, event, reason FROM skipped_events ORDER BY block, log_index",
            |r| {
                Ok(StoredSkip {
                    block: r.get::<_, i64>(0)? as u64,
                    log_index: r.get::<_, i64>(1)? as u64,
                    event: r.get(2)?,
                    reason: r.get(3)?,
                })
            },
        )
    }
}
