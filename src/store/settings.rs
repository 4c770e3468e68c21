//! Keyfleet's own settings file, `settings.json` beside `profiles.json`:
//! the settings that matter (theme, zoom, hygiene rules, the folders
//! scanned for local keys), written with [`super::atomic`] so a crash never
//! leaves half a file. eframe's `layout.ron` is written in place and only
//! keeps what is cheap to lose (window size, sorts, panel widths).
//!
//! The window and the command line read the same file: the window its
//! whole [`crate::app::Settings`], the command line only the key folders
//! ([`local_key_dirs`]). Reading never changes the file; only the window
//! moves a damaged one aside ([`SettingsFile::move_aside`]).

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The file's name in the config folder.
pub const SETTINGS_FILE: &str = "settings.json";

/// The format version this build writes.
pub const SETTINGS_VERSION: u32 = 1;

/// What reading the settings file found.
#[derive(Clone, Debug, PartialEq)]
pub enum SettingsRead<T> {
    /// No file yet.
    Missing,
    /// The file, read.
    Read(T),
    /// The file exists but cannot be used; the reason says why.
    Damaged(String),
}

/// The settings file in one config folder.
#[derive(Clone, Debug)]
pub struct SettingsFile {
    dir: PathBuf,
}

/// The version beside the settings, flat in one JSON object.
#[derive(Serialize)]
struct Versioned<'a, T> {
    version: u32,
    #[serde(flatten)]
    settings: &'a T,
}

#[derive(Deserialize)]
struct VersionOnly {
    #[serde(default)]
    version: u32,
}

impl SettingsFile {
    /// The file in `dir` (the folder of `profiles.json`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(SETTINGS_FILE)
    }

    /// Reads the settings; never changes the file. Fields a newer version
    /// added are ignored, missing ones take `T`'s defaults (so `T` should
    /// be `#[serde(default)]`).
    pub fn read<T: DeserializeOwned>(&self) -> SettingsRead<T> {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return SettingsRead::Missing;
            }
            Err(err) => {
                return SettingsRead::Damaged(format!(
                    "{} could not be read: {err}",
                    path.display()
                ));
            }
        };
        match serde_json::from_slice::<T>(&bytes) {
            Ok(settings) => SettingsRead::Read(settings),
            Err(err) => SettingsRead::Damaged(format!("{} is damaged: {err}", path.display())),
        }
    }

    /// Moves a damaged file aside (`settings.json.bak-<timestamp>`) so the
    /// next save starts afresh and the old one can still be looked at.
    /// Returns where it went.
    pub fn move_aside(&self) -> Result<PathBuf, String> {
        let backup = self.dir.join(format!(
            "{SETTINGS_FILE}.bak-{}",
            time::OffsetDateTime::now_utc().unix_timestamp()
        ));
        std::fs::rename(self.path(), &backup)
            .map(|()| backup)
            .map_err(|err| format!("{} could not be moved aside: {err}", self.path().display()))
    }

    /// Writes `settings` atomically when they differ from what the file
    /// holds; returns whether it wrote. A file from a newer Keyfleet is
    /// never written over (it may hold settings this build would drop).
    pub fn save<T: Serialize>(&self, settings: &T) -> Result<bool, String> {
        let path = self.path();
        let json = serde_json::to_vec_pretty(&Versioned {
            version: SETTINGS_VERSION,
            settings,
        })
        .map_err(|err| format!("Could not encode the settings: {err}"))?;
        if let Ok(current) = std::fs::read(&path) {
            if current == json {
                return Ok(false);
            }
            if let Ok(VersionOnly { version }) = serde_json::from_slice(&current)
                && version > SETTINGS_VERSION
            {
                return Err(format!(
                    "{} was written by a newer Keyfleet (format {version}); it is left untouched",
                    path.display()
                ));
            }
        }
        let fail = |what: &str, err: std::io::Error| {
            format!(
                "Could not save the settings to {}: {what}: {err}",
                path.display()
            )
        };
        std::fs::create_dir_all(&self.dir).map_err(|err| fail("creating the folder", err))?;
        super::atomic::replace_file(&self.dir, &path, &json, |_| Ok(()))
            .map_err(|(what, err)| fail(what, err))?;
        Ok(true)
    }
}

/// The part of the settings the command line reads.
#[derive(Deserialize)]
struct KeyFolders {
    #[serde(default)]
    local_key_dirs: Option<Vec<PathBuf>>,
}

/// The folders scanned for local keys, for the window and the command
/// line alike: those chosen in Settings (in `settings.json` in
/// `config_dir`), else `~/.ssh` (whether or not it exists yet). The
/// message says why a settings file was not used.
pub fn local_key_dirs(config_dir: &Path) -> (Vec<PathBuf>, Option<String>) {
    let default = || {
        crate::keys::save::default_key_dir()
            .into_iter()
            .collect::<Vec<_>>()
    };
    match SettingsFile::new(config_dir).read::<KeyFolders>() {
        SettingsRead::Read(KeyFolders {
            local_key_dirs: Some(dirs),
        }) => (dirs, None),
        SettingsRead::Read(_) | SettingsRead::Missing => (default(), None),
        SettingsRead::Damaged(reason) => (
            default(),
            Some(format!("{reason}; using the default key folder")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Sample {
        zoom: f32,
        local_key_dirs: Option<Vec<PathBuf>>,
    }

    #[test]
    fn round_trip_writes_only_changes() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        assert_eq!(file.read::<Sample>(), SettingsRead::Missing);
        let sample = Sample {
            zoom: 1.5,
            local_key_dirs: Some(vec!["/keys".into()]),
        };
        assert_eq!(file.save(&sample), Ok(true));
        assert_eq!(file.save(&sample), Ok(false), "unchanged: not written");
        assert_eq!(file.read::<Sample>(), SettingsRead::Read(sample));
        let (dirs, warning) = local_key_dirs(dir.path());
        assert_eq!(dirs, [PathBuf::from("/keys")]);
        assert_eq!(warning, None);
    }

    #[test]
    fn a_truncated_file_is_damaged_and_left_as_it_is_by_reading() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        let truncated = br#"{"version": 1, "zoom": 1.5, "local_key_d"#;
        std::fs::write(file.path(), truncated).unwrap();
        assert!(matches!(
            file.read::<Sample>(),
            SettingsRead::Damaged(reason) if reason.contains("damaged")
        ));
        let (_, warning) = local_key_dirs(dir.path());
        assert!(warning.unwrap().contains("default key folder"));
        assert_eq!(std::fs::read(file.path()).unwrap(), truncated);
        let backup = file.move_aside().unwrap();
        assert_eq!(std::fs::read(backup).unwrap(), truncated);
        assert_eq!(file.read::<Sample>(), SettingsRead::Missing);
    }

    #[test]
    fn a_newer_file_is_read_but_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        let newer = br#"{"version": 9, "zoom": 2.0, "new_thing": true}"#;
        std::fs::write(file.path(), newer).unwrap();
        assert_eq!(
            file.read::<Sample>(),
            SettingsRead::Read(Sample {
                zoom: 2.0,
                local_key_dirs: None
            })
        );
        assert!(file.save(&Sample::default()).unwrap_err().contains("newer"));
        assert_eq!(std::fs::read(file.path()).unwrap(), newer);
    }
}
