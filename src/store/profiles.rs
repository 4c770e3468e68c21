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

#[derive(Serialize)]
struct ProfilesFile {
    version: u32,
    /// The profiles this build reads, then the others verbatim.
    profiles: Vec<serde_json::Value>,
}

/// The file as JSON: each profile still a raw value, so one this build
/// cannot read does not make the others unreadable.
#[derive(Deserialize)]
struct RawProfilesFile {
    /// Required (a file without it is not a profiles file); its value was
    /// checked already.
    #[serde(rename = "version")]
    _version: u32,
    profiles: Vec<serde_json::Value>,
}

/// An account this version cannot read (a provider from a newer Keyfleet,
/// a typo): shown by name with the reason, and kept in the file exactly as
/// it was when the others are saved.
#[derive(Clone, Debug, PartialEq)]
pub struct UnreadableProfile {
    /// Its `name`, or its `id`, or "(no name)".
    pub name: String,
    /// Why this version cannot read it.
    pub reason: String,
}

/// What loading found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The profiles read.
    pub profiles: Vec<Profile>,
    /// Accounts in the file this version cannot read (kept on save).
    pub unreadable: Vec<UnreadableProfile>,
    /// Something the user must be told (file moved aside, newer version,
    /// accounts this version cannot read).
    pub warning: Option<String>,
    /// True when the file must not be written (it is from a newer version).
    pub read_only: bool,
}

/// The file's contents, before anything is done about them.
enum Parsed {
    Missing,
    Unreadable(std::io::Error),
    Newer(u32),
    /// Not JSON, or not the shape of a profiles file at all.
    Damaged(serde_json::Error),
    Read {
        profiles: Vec<Profile>,
        unreadable: Vec<(UnreadableProfile, serde_json::Value)>,
    },
}

/// Splits the file's entries into profiles this build reads and the rest.
fn split_profiles(raw: Vec<serde_json::Value>) -> Parsed {
    let mut profiles = Vec::new();
    let mut unreadable = Vec::new();
    for value in raw {
        match serde_json::from_value::<Profile>(value.clone()) {
            Ok(profile) => profiles.push(profile),
            Err(err) => unreadable.push((describe_unreadable(&value, &err), value)),
        }
    }
    Parsed::Read {
        profiles,
        unreadable,
    }
}

/// Names an entry that did not parse and says why, in the user's words
/// where possible (an unknown provider) and serde's otherwise.
fn describe_unreadable(value: &serde_json::Value, err: &serde_json::Error) -> UnreadableProfile {
    let text = |field: &str| value.get(field).and_then(serde_json::Value::as_str);
    let name = text("name")
        .filter(|name| !name.trim().is_empty())
        .or_else(|| text("id"))
        .unwrap_or("(no name)")
        .to_string();
    let reason = match value.get("provider") {
        Some(provider) if serde_json::from_value::<ProviderKind>(provider.clone()).is_err() => {
            format!("provider {provider} is not known to this version")
        }
        None => "it names no provider".to_string(),
        Some(_) => err.to_string(),
    };
    UnreadableProfile { name, reason }
}

/// The notice for accounts this version cannot read.
fn unreadable_warning(path: &Path, unreadable: &[UnreadableProfile]) -> Option<String> {
    if unreadable.is_empty() {
        return None;
    }
    let listed: Vec<String> = unreadable
        .iter()
        .map(|entry| format!("\"{}\" ({})", entry.name, entry.reason))
        .collect();
    Some(format!(
        "{} account(s) in {} are not readable by this version of Keyfleet and are kept in the file unchanged: {}.",
        unreadable.len(),
        path.display(),
        listed.join("; ")
    ))
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

    /// Reads the profiles for the window. A missing file is an empty list;
    /// a file that is not a profiles file at all (not JSON, a truncated
    /// write) is moved aside (`.bak-<timestamp>`) and reported; a newer
    /// format is left alone and reported, and saving is refused. An account
    /// this version cannot read leaves the others readable: it is named in
    /// the warning and kept verbatim on save.
    pub fn load(&self) -> Loaded {
        match self.parse() {
            Parsed::Damaged(err) => self.move_damaged_aside(&err),
            parsed => self.loaded(parsed),
        }
    }

    /// Reads the profiles without ever renaming or writing the file (the
    /// command line): like [`Self::load`], but a damaged file is only
    /// reported.
    pub fn read(&self) -> Loaded {
        match self.parse() {
            Parsed::Damaged(err) => Loaded {
                warning: Some(format!(
                    "The profiles file {} is damaged ({err}); it was left as it is (the window moves it aside when it starts).",
                    self.path().display()
                )),
                read_only: true,
                ..Loaded::default()
            },
            parsed => self.loaded(parsed),
        }
    }

    fn parse(&self) -> Parsed {
        let bytes = match std::fs::read(self.path()) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Parsed::Missing,
            Err(err) => return Parsed::Unreadable(err),
        };
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        if let Ok(VersionOnly { version }) = serde_json::from_slice::<VersionOnly>(&bytes)
            && version > FORMAT_VERSION
        {
            return Parsed::Newer(version);
        }
        match serde_json::from_slice::<RawProfilesFile>(&bytes) {
            Ok(file) => split_profiles(file.profiles),
            Err(err) => Parsed::Damaged(err),
        }
    }

    /// What the window and the command line are told about `parsed`
    /// (anything but a damaged file).
    fn loaded(&self, parsed: Parsed) -> Loaded {
        let path = self.path();
        match parsed {
            Parsed::Missing | Parsed::Damaged(_) => Loaded::default(),
            Parsed::Unreadable(err) => Loaded {
                warning: Some(format!(
                    "The profiles file {} could not be read ({err}); starting with no accounts and not saving over it.",
                    path.display()
                )),
                read_only: true,
                ..Loaded::default()
            },
            Parsed::Newer(version) => Loaded {
                warning: Some(format!(
                    "The profiles file {} was written by a newer Keyfleet (format {version}, this build reads {FORMAT_VERSION}). It was left untouched; changes to accounts will not be saved. Update Keyfleet.",
                    path.display()
                )),
                read_only: true,
                ..Loaded::default()
            },
            Parsed::Read {
                profiles,
                unreadable,
            } => {
                let unreadable: Vec<UnreadableProfile> =
                    unreadable.into_iter().map(|(entry, _)| entry).collect();
                Loaded {
                    profiles,
                    warning: unreadable_warning(&path, &unreadable),
                    unreadable,
                    read_only: false,
                }
            }
        }
    }

    /// Moves a damaged file aside and says where it went.
    fn move_damaged_aside(&self, err: &serde_json::Error) -> Loaded {
        let path = self.path();
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

    /// The entries of the file on disk this build cannot read, verbatim,
    /// to be written back untouched.
    fn kept_entries(&self) -> Vec<serde_json::Value> {
        match self.parse() {
            Parsed::Read { unreadable, .. } => {
                unreadable.into_iter().map(|(_, value)| value).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Writes the profiles atomically: a temp file in the same folder,
    /// flushed to disk, renamed over the old file, then the folder flushed.
    /// Accounts in the file this build cannot read are written back
    /// verbatim after them.
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
        let mut entries = profiles
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| format!("Could not encode accounts: {err}"))?;
        // Accounts this build cannot read stay as they were.
        entries.extend(self.kept_entries());
        let file = ProfilesFile {
            version: FORMAT_VERSION,
            profiles: entries,
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

    /// A Gcore account, one from a newer Keyfleet (unknown provider) and a
    /// typo (no provider), in that order.
    const MIXED: &str = r#"{"version": 1, "profiles": [
        {"id": "p1", "name": "Prod", "provider": "gcore", "base_url": "https://api.gcore.com",
         "project_id": 7, "region_ids": [76], "token_source": {"type": "keyring"}},
        {"id": "p2", "name": "Future", "provider": "azure", "base_url": "https://x",
         "tenant": {"deep": [1, 2.50, "x"]}, "token_source": {"type": "keyring"}},
        {"id": "p3", "name": "Typo", "provder": "sesterce", "base_url": "https://y",
         "token_source": {"type": "keyring"}}
    ]}"#;

    #[test]
    fn one_unreadable_profile_leaves_the_others_and_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        std::fs::write(store.path(), MIXED).unwrap();
        for loaded in [store.read(), store.load()] {
            let names: Vec<_> = loaded.profiles.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, ["Prod"]);
            assert!(!loaded.read_only);
            let unreadable: Vec<_> = loaded.unreadable.iter().map(|u| u.name.as_str()).collect();
            assert_eq!(unreadable, ["Future", "Typo"]);
            assert!(loaded.unreadable[0].reason.contains("\"azure\""));
            let warning = loaded.warning.unwrap();
            assert!(
                warning.contains("not readable by this version"),
                "{warning}"
            );
            assert!(warning.contains("\"Future\"") && warning.contains("\"Typo\""));
            // Nothing renamed, nothing rewritten.
            assert_eq!(std::fs::read_to_string(store.path()).unwrap(), MIXED);
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        }
    }

    #[test]
    fn saving_keeps_the_unreadable_profiles_verbatim() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        std::fs::write(store.path(), MIXED).unwrap();
        let mut profiles = store.load().profiles;
        profiles[0].name = "Renamed".into();
        profiles.push(sample());
        store.save(&profiles).unwrap();
        let loaded = store.load();
        assert_eq!(loaded.profiles, profiles);
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
        let original: serde_json::Value = serde_json::from_str(MIXED).unwrap();
        assert_eq!(written["profiles"][2], original["profiles"][1]);
        assert_eq!(written["profiles"][3], original["profiles"][2]);
        // Saving again (even with no readable profile left) keeps them.
        store.save(&[]).unwrap();
        let loaded = store.load();
        assert!(loaded.profiles.is_empty());
        assert_eq!(loaded.unreadable.len(), 2);
    }

    #[test]
    fn reading_a_damaged_file_never_moves_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        std::fs::write(store.path(), b"{ not json").unwrap();
        let loaded = store.read();
        assert!(loaded.profiles.is_empty());
        assert!(loaded.read_only);
        assert!(loaded.warning.unwrap().contains("left as it is"));
        assert_eq!(std::fs::read(store.path()).unwrap(), b"{ not json");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
