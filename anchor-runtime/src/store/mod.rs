//! The node's embedded database: SQLite (bundled), one file in the data
//! directory. It holds the registry the contract's events built, the last
//! processed block, skipped events, and slashing-protection records.
//!
//! Versioned migrations run at open. A database written by a newer version of
//! the node, or for another network, is refused with an error that says so.

mod registry;
mod slashing;

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

pub use registry::StoredSkip;
pub use slashing::SlashingVerdict;

/// The schema, one migration per version: migration i takes the database from
/// version i to version i + 1.
const MIGRATIONS: &[&str] = &[
    // 1: registry, sync position, skipped events, slashing protection.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE operators (id INTEGER PRIMARY KEY, owner BLOB NOT NULL, public_key BLOB NOT NULL);
     CREATE TABLE owners (address BLOB PRIMARY KEY, fee_recipient BLOB NOT NULL, nonce INTEGER);
     CREATE TABLE validators (
        pubkey BLOB PRIMARY KEY, owner BLOB NOT NULL, cluster_id BLOB NOT NULL,
        liquidated INTEGER NOT NULL, own_encrypted_share BLOB, added_block INTEGER NOT NULL);
     CREATE INDEX validators_by_cluster ON validators (cluster_id);
     CREATE TABLE shares (
        validator BLOB NOT NULL REFERENCES validators (pubkey) ON DELETE CASCADE,
        position INTEGER NOT NULL, operator_id INTEGER NOT NULL, share_pubkey BLOB NOT NULL,
        PRIMARY KEY (validator, position));
     CREATE VIEW clusters AS
        SELECT cluster_id, owner, COUNT(*) AS validators, MAX(liquidated) AS liquidated
        FROM validators GROUP BY cluster_id;
     CREATE TABLE exit_requests (seq INTEGER PRIMARY KEY, pubkey BLOB NOT NULL, block INTEGER NOT NULL);
     CREATE TABLE skipped_events (
        block INTEGER NOT NULL, log_index INTEGER NOT NULL, event TEXT, reason TEXT NOT NULL,
        PRIMARY KEY (block, log_index));
     CREATE TABLE slashing_attestations (
        pubkey BLOB PRIMARY KEY, source_epoch INTEGER NOT NULL, target_epoch INTEGER NOT NULL,
        signing_root BLOB NOT NULL);
     CREATE TABLE slashing_blocks (pubkey BLOB PRIMARY KEY, slot INTEGER NOT NULL, signing_root BLOB NOT NULL);",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The error.
        source: rusqlite::Error,
    },
    /// Written by a newer node.
    #[error("database {path} has schema version {found}, newer than this node's {supported}: upgrade the node")]
    NewerVersion {
        /// The database file.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// Ours.
        supported: u32,
    },
    /// Written for another network.
    #[error(
        "database {path} belongs to network {found:?}, not {wanted:?}: use another data directory"
    )]
    OtherNetwork {
        /// The database file.
        path: PathBuf,
        /// The network it holds.
        found: String,
        /// The network asked for.
        wanted: String,
    },
    /// A stored row is not what this node writes (corruption or a foreign file).
    #[error("database {path}: corrupt row in {table}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// The table.
        table: &'static str,
    },
}

/// The open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.path.display())
    }
}

/// The identity a database is locked to: the network's name and domain type.
pub fn network_identity(name: &str, domain: [u8; 4]) -> String {
    format!("{name}:{}", hex::encode(domain))
}

impl Store {
    /// The database file inside a data directory.
    pub fn file_in(data_dir: &Path) -> PathBuf {
        data_dir.join("anchor.sqlite")
    }

    /// Opens (creating and migrating as needed) the database at `path` for the
    /// network `identity` (see [`network_identity`]).
    pub fn open(path: &Path, identity: &str) -> Result<Store, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        store.migrate()?;
        store.lock_network(identity)?;
        Ok(store)
    }

    /// Opens an existing database without changing it (for inspection).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store
            .conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| store.err(e))?;
        let found = store.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerVersion {
                path: store.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(store)
    }

    pub(crate) fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Every row of a parameterless query, mapped by `f`.
    pub(crate) fn query<T>(
        &self,
        sql: &str,
        f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], f).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<T>, _>>().map_err(|e| self.err(e))
    }

    fn configure(&self) -> Result<(), StoreError> {
        // WAL with full sync: a committed block survives a crash of the process
        // or of the machine.
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| self.err(e))
    }

    fn schema_version(&self) -> Result<u32, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerVersion {
                path: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for (version, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = self
                .conn
                .transaction()
                .map_err(|source| StoreError::Sqlite {
                    path: self.path.clone(),
                    source,
                })?;
            tx.execute_batch(sql)
                .and_then(|()| tx.pragma_update(None, "user_version", version as u32 + 1))
                .and_then(|()| tx.commit())
                .map_err(|source| StoreError::Sqlite {
                    path: self.path.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    fn lock_network(&self, identity: &str) -> Result<(), StoreError> {
        match self.meta("network")? {
            Some(found) if found != identity => Err(StoreError::OtherNetwork {
                path: self.path.clone(),
                found,
                wanted: identity.to_string(),
            }),
            Some(_) => Ok(()),
            None => self.set_meta("network", identity),
        }
    }

    /// A value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The last block whose events are all stored.
    pub fn last_block(&self) -> Result<Option<u64>, StoreError> {
        match self.meta("last_block")? {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| StoreError::Corrupt {
                path: self.path.clone(),
                table: "meta",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_newer_schema_and_other_network() {
        let dir = tempfile::tempdir().unwrap();
        let path = Store::file_in(dir.path());
        let store = Store::open(&path, "local:00000402").unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        drop(store);
        // Reopening is fine; another network is refused by name.
        Store::open(&path, "local:00000402").unwrap();
        let err = Store::open(&path, "mainnet:00000001").unwrap_err();
        assert!(
            err.to_string()
                .contains("belongs to network \"local:00000402\""),
            "{err}"
        );
        // A newer schema is refused before anything is touched.
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = Store::open(&path, "local:00000402").unwrap_err();
        assert!(
            matches!(err, StoreError::NewerVersion { found, .. } if found == SCHEMA_VERSION + 1)
        );
    }
}
