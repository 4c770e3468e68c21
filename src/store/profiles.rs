//! Account profiles: a JSON file in the platform config dir, written
//! atomically. Tokens are never part of it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::providers::{ProviderKind, ProviderSettings};

/// The file format version this build writes.
pub const FORMAT_VERSION: u32 = 1;

/// Environment variable that overrides the config directory.
pub const CONFIG_DIR_ENV: &str = "KEYFLEET_CONFIG_DIR";

const FILE_NAME: &str = "profiles.json";

/// Where an account's token comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "name", rename_all = "snake_case")]
pub enum TokenSource {
    /// The OS keyring, one entry per profile.
    Keyring,
    /// An environment variable with this name.
    EnvVar(String),
}

/// One account: provider, where its API is, which project/organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Stable id (also the keyring entry's user name).
    pub id: String,
    /// Name shown in the accounts list.
    pub name: String,
    /// The provider and what it needs beyond URL and token (project,
    /// organization), stored flat beside the other fields.
    #[serde(flatten)]
    pub settings: ProviderSettings,
    /// API base URL.
    pub base_url: String,
    /// Where the token is read from.
    pub token_source: TokenSource,
}

impl Profile {
    /// A new profile for `provider` with the provider's defaults.
    pub fn new(provider: ProviderKind) -> Self {
        Self {
            id: new_profile_id(),
            name: String::new(),
            settings: (provider.spec().new_settings)(),
            base_url: provider.default_base_url().to_string(),
            token_source: TokenSource::Keyring,
        }
    }

    /// Which provider.
    pub fn provider(&self) -> ProviderKind {
        self.settings.kind()
    }

    /// What the accounts list shows under the name.
    pub fn scope_label(&self) -> String {
        (self.provider().spec().account_summary)(&self.settings)
    }
}

/// A random id for a new profile.
pub fn new_profile_id() -> String {
    format!("p{:016x}", rand::random::<u64>())
}

#[derive(Serialize, Deserialize)]
struct ProfilesFile {
    version: u32,
    profiles: Vec<Profile>,
}

/// What loading found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The profiles read.
    pub profiles: Vec<Profile>,
    /// Something the user must be told (file moved aside, newer version).
    pub warning: Option<String>,
    /// True when the file must not be written (it is from a newer version).
    pub read_only: bool,
}

/// The profiles file.
#[derive(Clone, Debug)]
pub struct ProfileStore {
    dir: PathBuf,
}

impl ProfileStore {
    /// A store in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The store in `KEYFLEET_CONFIG_DIR`, else the platform config dir.
    pub fn from_environment() -> Result<Self, String> {
        if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(Self::new(PathBuf::from(dir)));
        }
        directories::ProjectDirs::from("", "", "keyfleet")
            .map(|dirs| Self::new(dirs.config_dir()))
            .ok_or_else(|| {
                "No home directory found for the configuration; set KEYFLEET_CONFIG_DIR."
                    .to_string()
            })
    }

    /// The folder holding the file.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The profiles file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Reads the profiles. A missing file is an empty list; a corrupt one is
    /// moved aside (`.bak-<timestamp>`) and reported; a newer format is left
    /// alone and reported, and saving is refused.
    pub fn load(&self) -> Loaded {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Loaded::default(),
            Err(err) => {
                return Loaded {
                    warning: Some(format!(
                        "The profiles file {} could not be read ({err}); starting with no accounts and not saving over it.",
                        path.display()
                    )),
                    read_only: true,
                    ..Loaded::default()
                };
            }
        };
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        if let Ok(VersionOnly { version }) = serde_json::from_slice::<VersionOnly>(&bytes)
            && version > FORMAT_VERSION
        {
            return Loaded {
                warning: Some(format!(
                    "The profiles file {} was written by a newer Keyfleet (format {version}, this build reads {FORMAT_VERSION}). It was left untouched; changes to accounts will not be saved. Update Keyfleet.",
                    path.display()
                )),
                read_only: true,
                ..Loaded::default()
            };
        }
        match serde_json::from_slice::<ProfilesFile>(&bytes) {
            Ok(file) => Loaded {
                profiles: file.profiles,
                ..Loaded::default()
            },
            Err(err) => {
                let backup = self.dir.join(format!(
                    "{FILE_NAME}.bak-{}",
                    time::OffsetDateTime::now_utc().unix_timestamp()
                ));
                let moved = std::fs::rename(&path, &backup);
                let warning = match &moved {
                    Ok(()) => format!(
                        "The profiles file was damaged ({err}). It was moved to {} and Keyfleet started with no accounts.",
                        backup.display()
                    ),
                    Err(move_err) => format!(
                        "The profiles file {} is damaged ({err}) and could not be moved aside ({move_err}); it will not be saved over.",
                        path.display()
                    ),
                };
                Loaded {
                    warning: Some(warning),
                    read_only: moved.is_err(),
                    ..Loaded::default()
                }
            }
        }
    }

    /// Writes the profiles atomically: a temp file in the same folder,
    /// flushed to disk, renamed over the old file, then the folder flushed.
    pub fn save(&self, profiles: &[Profile]) -> Result<(), String> {
        self.save_with(profiles, |_| Ok(()))
    }

    /// [`Self::save`] with a hook run between writing the temp file and the
    /// rename (tests interrupt the save there).
    pub fn save_with(
        &self,
        profiles: &[Profile],
        before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> Result<(), String> {
        let fail = |what: &str, err: std::io::Error| {
            format!(
                "Could not save accounts to {}: {what}: {err}",
                self.dir.display()
            )
        };
        std::fs::create_dir_all(&self.dir).map_err(|err| fail("creating the folder", err))?;
        let file = ProfilesFile {
            version: FORMAT_VERSION,
            profiles: profiles.to_vec(),
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|err| format!("Could not encode accounts: {err}"))?;
        super::atomic::replace_file(&self.dir, &self.path(), &json, before_rename)
            .map_err(|(what, err)| fail(what, err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Profile {
        Profile {
            name: "Prod".into(),
            settings: ProviderSettings::Gcore {
                project_id: Some(7),
                region_ids: vec![76],
            },
            ..Profile::new(ProviderKind::Gcore)
        }
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        assert!(store.load().profiles.is_empty());
        let saved = sample();
        store.save(std::slice::from_ref(&saved)).unwrap();
        let loaded = store.load();
        assert_eq!(loaded.profiles, [saved]);
        assert!(loaded.warning.is_none());
    }

    #[test]
    fn corrupt_file_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        std::fs::write(store.path(), b"{ not json").unwrap();
        let loaded = store.load();
        assert!(loaded.profiles.is_empty());
        assert!(loaded.warning.unwrap().contains("moved"));
        assert!(!loaded.read_only);
        let backups: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".bak-"))
            .collect();
        assert_eq!(backups.len(), 1);
        assert_eq!(std::fs::read(backups[0].path()).unwrap(), b"{ not json");
    }

    #[test]
    fn newer_version_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let future = br#"{"version": 99, "profiles": [], "new_thing": 1}"#;
        std::fs::write(store.path(), future).unwrap();
        let loaded = store.load();
        assert!(loaded.read_only);
        assert!(loaded.warning.unwrap().contains("newer"));
        assert_eq!(std::fs::read(store.path()).unwrap(), future);
    }

    #[test]
    fn interrupted_save_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        store.save(&[sample()]).unwrap();
        let before = std::fs::read(store.path()).unwrap();
        let mut other = sample();
        other.name = "Changed".into();
        let result = store.save_with(&[other], |_| Err(std::io::Error::other("power cut")));
        assert!(result.is_err());
        assert_eq!(std::fs::read(store.path()).unwrap(), before);
        // No temp files left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn files_written_before_per_provider_settings_still_load() {
        // The flat layout every earlier version wrote; settings now live in
        // an enum flattened under the same `provider` tag.
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let old = br#"{"version": 1, "profiles": [
            {"id": "p1", "name": "G", "provider": "gcore", "base_url": "https://api.gcore.com",
             "project_id": 7, "region_ids": [76, 38], "token_source": {"type": "keyring"}},
            {"id": "p2", "name": "S", "provider": "sesterce", "base_url": "https://api.cloud.sesterce.com",
             "token_source": {"type": "env_var", "name": "SESTERCE_API_KEY"}},
            {"id": "p3", "name": "T", "provider": "terraform", "base_url": "https://app.terraform.io",
             "organization": "acme", "token_source": {"type": "keyring"}}
        ]}"#;
        std::fs::write(store.path(), old).unwrap();
        let loaded = store.load();
        assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
        let settings: Vec<_> = loaded.profiles.iter().map(|p| p.settings.clone()).collect();
        assert_eq!(
            settings,
            [
                ProviderSettings::Gcore {
                    project_id: Some(7),
                    region_ids: vec![76, 38]
                },
                ProviderSettings::Sesterce {},
                ProviderSettings::Terraform {
                    organization: Some("acme".into())
                },
            ]
        );
        // Written back, the file keeps the flat layout.
        store.save(&loaded.profiles).unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.contains(r#""provider": "gcore""#), "{text}");
        assert!(text.contains(r#""project_id": 7"#), "{text}");
        assert!(text.contains(r#""organization": "acme""#), "{text}");
        assert_eq!(store.load().profiles, loaded.profiles);
    }
}
