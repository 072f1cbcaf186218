//! Slashing protection: per share key, the highest attestation and the highest
//! block it signed. A record is made durable before its signature is released,
//! and one that could be slashable is refused.

use rusqlite::{params, OptionalExtension, Transaction};
use ssv_protocol::runner::io::SlashingRecord;

use super::{Store, StoreError};

/// The answer to a batch of records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlashingVerdict {
    /// Every record is durable: sign.
    Recorded,
    /// Record `index` could be slashable: nothing was recorded, do not sign.
    Slashable {
        /// The first refused record.
        index: usize,
    },
}

/// Whether `record` is safe against what is stored. Signing the same thing
/// again is safe; a lower target or source, another root at the highest target,
/// a lower slot, or another block at the highest slot is not.
fn safe(tx: &Transaction<'_>, record: &SlashingRecord) -> rusqlite::Result<bool> {
    match record {
        SlashingRecord::Attestation {
            share_pubkey,
            source_epoch,
            target_epoch,
            signing_root,
        } => {
            let stored: Option<(i64, i64, Vec<u8>)> = tx
                .query_row(
                    "SELECT source_epoch, target_epoch, signing_root FROM slashing_attestations WHERE pubkey = ?1",
                    params![share_pubkey.as_slice()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            Ok(match stored {
                None => true,
                Some((source, target, root)) => {
                    let (source, target) = (source as u64, target as u64);
                    if *target_epoch == target {
                        root == signing_root.as_slice() && *source_epoch == source
                    } else {
                        *target_epoch > target && *source_epoch >= source
                    }
                }
            })
        }
        SlashingRecord::Proposal {
            share_pubkey,
            slot,
            signing_root,
        } => {
            let stored: Option<(i64, Vec<u8>)> = tx
                .query_row(
                    "SELECT slot, signing_root FROM slashing_blocks WHERE pubkey = ?1",
                    params![share_pubkey.as_slice()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            Ok(match stored {
                None => true,
                Some((stored_slot, root)) => {
                    let stored_slot = stored_slot as u64;
                    *slot > stored_slot || (*slot == stored_slot && root == signing_root.as_slice())
                }
            })
        }
    }
}

fn write(tx: &Transaction<'_>, record: &SlashingRecord) -> rusqlite::Result<()> {
    match record {
        SlashingRecord::Attestation {
            share_pubkey,
            source_epoch,
            target_epoch,
            signing_root,
        } => tx.execute(
            "INSERT INTO slashing_attestations (pubkey, source_epoch, target_epoch, signing_root)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (pubkey) DO UPDATE SET source_epoch = ?2, target_epoch = ?3, signing_root = ?4",
            params![
                share_pubkey.as_slice(),
                *source_epoch as i64,
                *target_epoch as i64,
                signing_root.as_slice()
            ],
        )?,
        SlashingRecord::Proposal {
            share_pubkey,
            slot,
            signing_root,
        } => tx.execute(
            "INSERT INTO slashing_blocks (pubkey, slot, signing_root) VALUES (?1, ?2, ?3)
             ON CONFLICT (pubkey) DO UPDATE SET slot = ?2, signing_root = ?3",
            params![share_pubkey.as_slice(), *slot as i64, signing_root.as_slice()],
        )?,
    };
    Ok(())
}

impl Store {
    /// Makes every record durable, or none when one could be slashable.
    pub fn record_slashing(
        &mut self,
        records: &[SlashingRecord],
    ) -> Result<SlashingVerdict, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        for (index, record) in records.iter().enumerate() {
            if !safe(&tx, record).map_err(err)? {
                return Ok(SlashingVerdict::Slashable { index });
            }
            write(&tx, record).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(SlashingVerdict::Recorded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(source: u64, target: u64, root: u8) -> SlashingRecord {
        SlashingRecord::Attestation {
            share_pubkey: [1; 48],
            source_epoch: source,
            target_epoch: target,
            signing_root: [root; 32],
        }
    }

    fn block(slot: u64, root: u8) -> SlashingRecord {
        SlashingRecord::Proposal {
            share_pubkey: [1; 48],
            slot,
            signing_root: [root; 32],
        }
    }

    #[test]
    fn refuses_what_could_be_slashed_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = Store::file_in(dir.path());
        let mut store = Store::open(&path, "t:00000000").unwrap();
        assert_eq!(
            store
                .record_slashing(&[att(1, 2, 9), block(10, 1)])
                .unwrap(),
            SlashingVerdict::Recorded
        );
        // The same again is fine; another root at the same target or slot is not.
        assert_eq!(
            store.record_slashing(&[att(1, 2, 9)]).unwrap(),
            SlashingVerdict::Recorded
        );
        assert_eq!(
            store.record_slashing(&[att(1, 2, 8)]).unwrap(),
            SlashingVerdict::Slashable { index: 0 }
        );
        assert_eq!(
            store.record_slashing(&[block(10, 2)]).unwrap(),
            SlashingVerdict::Slashable { index: 0 }
        );
        // Lower target, lower source, lower slot: refused. A batch is all or nothing.
        assert_eq!(
            store.record_slashing(&[att(1, 1, 9)]).unwrap(),
            SlashingVerdict::Slashable { index: 0 }
        );
        assert_eq!(
            store.record_slashing(&[att(0, 3, 9)]).unwrap(),
            SlashingVerdict::Slashable { index: 0 }
        );
        assert_eq!(
            store.record_slashing(&[block(11, 1), block(9, 1)]).unwrap(),
            SlashingVerdict::Slashable { index: 1 }
        );
        drop(store);
        let mut store = Store::open(&path, "t:00000000").unwrap();
        assert_eq!(
            store.record_slashing(&[block(10, 2)]).unwrap(),
            SlashingVerdict::Slashable { index: 0 }
        );
        assert_eq!(
            store
                .record_slashing(&[block(11, 2), att(2, 3, 1)])
                .unwrap(),
            SlashingVerdict::Recorded
        );
    }
}
