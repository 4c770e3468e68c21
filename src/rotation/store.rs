//! `rotations.json` beside `profiles.json`: the rotations not finished
//! yet, so "Later" survives a restart. It holds what [`Rotation`] holds
//! (fingerprints, names, ids, the new private key's path, step states),
//! never a key, a passphrase or a token.

use std::path::PathBuf;

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

/// Reads and writes `rotations.json` in one folder.
#[derive(Clone, Debug)]
pub struct RotationStore {
    dir: PathBuf,
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

    /// The unfinished rotations; none when there is no file. A file that
    /// cannot be read is reported, never overwritten silently: the caller
    /// shows the message and saves nothing over it.
    pub fn load(&self) -> Result<Vec<Rotation>, String> {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(format!("Could not read {}: {err}", path.display())),
        };
        let file: RotationsFile = serde_json::from_slice(&bytes).map_err(|err| {
            format!(
                "{} is damaged ({err}); the rotations in it are not shown.",
                path.display()
            )
        })?;
        if file.version > FORMAT_VERSION {
            return Err(format!(
                "{} was written by a newer Keyfleet; its rotations are not shown.",
                path.display()
            ));
        }
        Ok(file.rotations)
    }

    /// Writes the rotations not done yet, atomically (temp file, flush,
    /// rename); with none left the file is removed.
    pub fn save(&self, rotations: &[Rotation]) -> Result<(), String> {
        let unfinished: Vec<Rotation> = rotations
            .iter()
            .filter(|rotation| rotation.phase != Phase::Done)
            .cloned()
            .collect();
        let path = self.path();
        if unfinished.is_empty() {
            return match std::fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(err) => Err(format!("Could not remove {}: {err}", path.display())),
            };
        }
        let fail = |what: &str, err: std::io::Error| {
            format!(
                "Could not save the rotation to {}: {what}: {err}",
                path.display()
            )
        };
        std::fs::create_dir_all(&self.dir).map_err(|err| fail("creating the folder", err))?;
        let json = serde_json::to_vec_pretty(&RotationsFile {
            version: FORMAT_VERSION,
            rotations: unfinished,
        })
        .map_err(|err| format!("Could not encode the rotation: {err}"))?;
        crate::store::atomic::replace_file(&self.dir, &path, &json, |_| Ok(()))
            .map_err(|(what, err)| fail(what, err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotation::plan::{NewKeyInfo, OldKeyInfo};

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
    fn a_damaged_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let store = RotationStore::new(dir.path());
        std::fs::write(store.path(), b"{not json").unwrap();
        assert!(store.load().unwrap_err().contains("damaged"));
        let newer = r#"{"version": 99, "rotations": []}"#;
        std::fs::write(store.path(), newer).unwrap();
        assert!(store.load().unwrap_err().contains("newer"));
    }
}
