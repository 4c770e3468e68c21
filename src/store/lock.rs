//! One window per config folder: the window holds an advisory lock on
//! `window.lock` beside `profiles.json` while it runs, so a second window
//! cannot rewrite the files the first one keeps in memory. The OS drops
//! the lock when the process ends, even on a crash. Command-line commands
//! take no lock: they only read profiles, and `rotations.json` is merged
//! on write.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name in the config folder.
pub const LOCK_FILE: &str = "window.lock";

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another Keyfleet window holds it.
    AlreadyOpen(PathBuf),
    /// The lock file could not be made or locked; the message says why.
    Unavailable(String),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AlreadyOpen(dir) => write!(
                f,
                "Keyfleet is already open for the accounts in {}; use that window (only one window may change them at a time).",
                dir.display()
            ),
            Self::Unavailable(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for LockError {}

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct WindowLock {
    _file: File,
}

impl WindowLock {
    /// Takes the lock on `dir` (created if missing), without waiting.
    pub fn acquire(dir: &Path) -> Result<Self, LockError> {
        let path = dir.join(LOCK_FILE);
        let unavailable = |what: &str, err: std::io::Error| {
            LockError::Unavailable(format!("could not {what} {}: {err}", path.display()))
        };
        std::fs::create_dir_all(dir).map_err(|err| unavailable("create the folder of", err))?;
        // Never truncated or written: the lock is on the open file, not its bytes.
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|err| unavailable("open", err))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::AlreadyOpen(dir.to_path_buf())),
            Err(TryLockError::Error(err)) => Err(unavailable("lock", err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_folder_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = WindowLock::acquire(dir.path()).unwrap();
        let second = WindowLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(second, LockError::AlreadyOpen(_)), "{second:?}");
        assert!(second.to_string().contains("already open"));
        // Another folder is another set of accounts.
        let other = tempfile::tempdir().unwrap();
        let _other = WindowLock::acquire(other.path()).unwrap();
        drop(first);
        WindowLock::acquire(dir.path()).unwrap();
    }
}
