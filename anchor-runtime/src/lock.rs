//! One node per data directory: an OS file lock, released by the OS when the
//! process ends however it ends (so a killed node does not leave a stale lock).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Why the data directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("data directory {0} is in use by another anchor-runtime process")]
    InUse(PathBuf),
    /// The lock file could not be made.
    #[error("lock file in {path}: {source}")]
    Io {
        /// The data directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

/// Creates `dir` if needed and locks it for this process.
pub fn lock_data_dir(dir: &Path) -> Result<DataDirLock, LockError> {
    let io = |source| LockError::Io {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("anchor.lock"))
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => Ok(DataDirLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(LockError::InUse(dir.to_path_buf())),
        Err(TryLockError::Error(e)) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_data_dir(dir.path()).unwrap();
        assert!(matches!(
            lock_data_dir(dir.path()),
            Err(LockError::InUse(_))
        ));
        drop(first);
        lock_data_dir(dir.path()).unwrap();
    }
}
