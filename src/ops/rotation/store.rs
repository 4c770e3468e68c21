//! `rotations.json` beside `profiles.json`: the rotations not finished
//! yet, so "Later" survives a restart. It holds what [`Rotation`] holds
//! (fingerprints, names, ids, the new private key's path, step states),
//! never a key, a passphrase or a token.
//!
//! The window and `keyfleet rotate` (or two windows) share the file: every
//! save takes an advisory lock on `rotations.json.lock`, reads the file
//! again and merges by rotation id, so a save changes only the rotations
//! it is given. A damaged file is moved aside and reported; saving goes on.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::plan::{Phase, Rotation};

/// The file's format version; a newer file is left alone.
const FORMAT_VERSION: u32 = 1;

/// The file name, in the config folder.
const FILE_NAME: &str = "rotations.json";

#[derive(Serialize, Deserialize)]
struct RotationsFile {
    version: u32,
    #[serde(default)]
    rotations: Vec<Rotation>,
}

/// What [`RotationStore::load_checked`] found.
#[derive(Debug, Default, PartialEq)]
pub struct LoadedRotations {
    /// The unfinished rotations read.
    pub rotations: Vec<Rotation>,
    /// Something the user must be told (file moved aside, newer version).
    pub warning: Option<String>,
}

/// Reads and writes `rotations.json` in one folder.
#[derive(Clone, Debug)]
pub struct RotationStore {
    dir: PathBuf,
}

/// The file's content as read under the lock.
enum Read {
    Rotations(Vec<Rotation>),
    /// Damaged and moved aside (the message says where).
    MovedAside(String),
}

impl RotationStore {
    /// The store in `dir` (the folder of `profiles.json`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// The unfinished rotations; none when there is no file. A damaged
    /// file is moved aside and reported as an error here (see
    /// [`Self::load_checked`] to go on with none); a newer file is left
    /// alone and reported.
    pub fn load(&self) -> Result<Vec<Rotation>, String> {
        let loaded = self.load_checked()?;
        match loaded.warning {
            Some(warning) => Err(warning),
            None => Ok(loaded.rotations),
        }
    }

    /// The unfinished rotations, with a warning when the file was damaged
    /// and moved aside. Errs only when the file cannot be used at all (it
    /// cannot be read, or a newer Keyfleet wrote it): saving then refuses
    /// too, so nothing is lost.
    pub fn load_checked(&self) -> Result<LoadedRotations, String> {
        let _lock = self.lock()?;
        Ok(match self.read()? {
            Read::Rotations(rotations) => LoadedRotations {
                rotations,
                warning: None,
            },
            Read::MovedAside(warning) => LoadedRotations {
                rotations: Vec::new(),
                warning: Some(warning),
            },
        })
    }

    /// Saves `rotations` into the file, merged by id with what is there
    /// now (other instances' rotations stay): each one replaces its earlier
    /// state, a finished one is dropped. With none left the file is
    /// removed. Atomic (temp file, flush, rename) and under the lock.
    pub fn save(&self, rotations: &[Rotation]) -> Result<(), String> {
        let fail = |what: &str, err: std::io::Error| {
            format!(
                "Could not save the rotation to {}: {what}: {err}",
                self.path().display()
            )
        };
        std::fs::create_dir_all(&self.dir).map_err(|err| fail("creating the folder", err))?;
        let _lock = self.lock()?;
        let mut merged = match self.read()? {
            Read::Rotations(rotations) => rotations,
            // Reported by whoever loads next; saving goes on.
            Read::MovedAside(warning) => {
                tracing::warn!("{warning}");
                Vec::new()
            }
        };
        for rotation in rotations {
            merged.retain(|kept| kept.id != rotation.id);
            if rotation.phase != Phase::Done {
                merged.push(rotation.clone());
            }
        }
        let path = self.path();
        if merged.is_empty() {
            return match std::fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(err) => Err(format!("Could not remove {}: {err}", path.display())),
            };
        }
        let json = serde_json::to_vec_pretty(&RotationsFile {
            version: FORMAT_VERSION,
            rotations: merged,
        })
        .map_err(|err| format!("Could not encode the rotation: {err}"))?;
        crate::store::atomic::replace_file(&self.dir, &path, &json, |_| Ok(()))
            .map_err(|(what, err)| fail(what, err))
    }

    /// Holds the advisory lock on `rotations.json.lock` until dropped
    /// (a missing folder means no file to guard yet).
    fn lock(&self) -> Result<Option<std::fs::File>, String> {
        let path = self.dir.join(format!("{FILE_NAME}.lock"));
        let file = match std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
        {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(format!("Could not open {}: {err}", path.display())),
        };
        file.lock()
            .map_err(|err| format!("Could not lock {}: {err}", path.display()))?;
        Ok(Some(file))
    }

    /// Reads the file (under the lock); moves a damaged one aside.
    fn read(&self) -> Result<Read, String> {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Read::Rotations(Vec::new()));
            }
            Err(err) => return Err(format!("Could not read {}: {err}", path.display())),
        };
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        if let Ok(VersionOnly { version }) = serde_json::from_slice(&bytes)
            && version > FORMAT_VERSION
        {
            return Err(format!(
                "{} was written by a newer Keyfleet; its rotations are not shown and it is not saved over. Update Keyfleet.",
                path.display()
            ));
        }
        match serde_json::from_slice::<RotationsFile>(&bytes) {
            Ok(file) => Ok(Read::Rotations(file.rotations)),
            Err(err) => move_aside(&self.dir, &path, &err.to_string()).map(Read::MovedAside),
        }
    }
}

/// Moves the damaged file at `path` to `rotations.json.bak-<time>`;
/// the message says where (or why it could not be moved: then saving
/// stops rather than lose it).
fn move_aside(dir: &Path, path: &Path, problem: &str) -> Result<String, String> {
    let backup = dir.join(format!(
        "{FILE_NAME}.bak-{}",
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    match std::fs::rename(path, &backup) {
        Ok(()) => Ok(format!(
            "The rotations file was damaged ({problem}). It was moved to {}; rotations waiting in it are not shown, and new ones are saved as usual.",
            backup.display()
        )),
        Err(err) => Err(format!(
            "The rotations file {} is damaged ({problem}) and could not be moved aside ({err}); it will not be saved over.",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::rotation::plan::{NewKeyInfo, OldKeyInfo};

    fn rotation(phase: Phase) -> Rotation {
        Rotation {
            id: "r1".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            old: OldKeyInfo {
                sha256: Some("SHA256:old".into()),
                name: "laptop".into(),
            },
            new: NewKeyInfo {
                name: "laptop-2026".into(),
                sha256: "SHA256:new".into(),
                public_key: "ssh-ed25519 AAAA".into(),
                algorithm: "ED25519".into(),
                private_key_path: PathBuf::from("/tmp/laptop-2026"),
            },
            phase,
            steps: Vec::new(),
        }
    }

    #[test]
    fn round_trip_and_done_rotations_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = RotationStore::new(dir.path());
        assert_eq!(store.load().unwrap(), Vec::new(), "no file: none waiting");
        store.save(&[rotation(Phase::Paused)]).unwrap();
        assert_eq!(store.load().unwrap(), vec![rotation(Phase::Paused)]);
        store.save(&[rotation(Phase::Done)]).unwrap();
        assert!(!store.path().exists(), "nothing left: no file");
    }

    #[test]
    fn a_damaged_file_is_moved_aside_and_saving_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = RotationStore::new(dir.path());
        std::fs::write(store.path(), b"{not json").unwrap();
        let loaded = store.load_checked().unwrap();
        let warning = loaded.warning.unwrap();
        assert!(
            warning.contains("damaged") && warning.contains("moved to"),
            "{warning}"
        );
        assert!(loaded.rotations.is_empty());
        let backups: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_name().to_string_lossy().contains(".bak-"))
            .collect();
        assert_eq!(backups.len(), 1, "the damaged file is kept aside");
        assert_eq!(std::fs::read(backups[0].path()).unwrap(), b"{not json");
        store.save(&[rotation(Phase::Paused)]).unwrap();
        assert_eq!(store.load().unwrap(), vec![rotation(Phase::Paused)]);

        let newer = r#"{"version": 99, "rotations": []}"#;
        std::fs::write(store.path(), newer).unwrap();
        assert!(store.load().unwrap_err().contains("newer"));
        assert!(store.save(&[rotation(Phase::Paused)]).is_err());
        assert_eq!(
            std::fs::read_to_string(store.path()).unwrap(),
            newer,
            "left alone"
        );
    }

    #[test]
    fn two_stores_on_one_folder_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let window = RotationStore::new(dir.path());
        let cli = RotationStore::new(dir.path());
        let mut mine = rotation(Phase::Paused);
        mine.id = "window".into();
        let mut theirs = rotation(Phase::Adding);
        theirs.id = "cli".into();
        window.save(std::slice::from_ref(&mine)).unwrap();
        cli.save(std::slice::from_ref(&theirs)).unwrap();
        // The window finishes its rotation: the CLI's stays.
        mine.phase = Phase::Done;
        window.save(std::slice::from_ref(&mine)).unwrap();
        assert_eq!(window.load().unwrap(), vec![theirs.clone()]);
        // Concurrent saves from threads lose nothing either.
        let handles: Vec<_> = (0..8)
            .map(|n| {
                let store = RotationStore::new(dir.path());
                let mut rotation = rotation(Phase::Paused);
                rotation.id = format!("thread-{n}");
                std::thread::spawn(move || store.save(&[rotation]).unwrap())
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        let mut ids: Vec<String> = cli.load().unwrap().into_iter().map(|r| r.id).collect();
        ids.sort();
        let mut wanted: Vec<String> = (0..8).map(|n| format!("thread-{n}")).collect();
        wanted.push("cli".into());
        wanted.sort();
        assert_eq!(ids, wanted);
    }
}
