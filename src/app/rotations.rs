//! Rotations the app keeps: the unfinished ones from `rotations.json`
//! (shown as "N rotations waiting to finish"), opening the wizard on a key
//! or on a waiting rotation, and saving every change the wizard reports.

use std::path::{Path, PathBuf};

use super::App;
use super::dialogs::Dialog;
use crate::inventory::{Holding, KeyGroup};
use crate::providers::RemoteKey;
use crate::rotation::{OldKeyInfo, Phase, Rotation, RotationStore};
use crate::ui::rotate_modal::{LocalChoice, RotateModal};
use crate::ui::toasts::ToastKind;

/// The unfinished rotations and their file.
#[derive(Debug)]
pub(super) struct Rotations {
    store: RotationStore,
    list: Vec<Rotation>,
    /// The file could not be read: never overwrite it.
    read_only: bool,
}

impl Rotations {
    /// Reads `rotations.json` in `dir`; a damaged file is moved aside and
    /// reported (saving goes on), one that cannot be read or comes from a
    /// newer Keyfleet is left alone and reported.
    pub(super) fn load(dir: &Path) -> (Self, Option<String>) {
        let store = RotationStore::new(dir);
        match store.load_checked() {
            Ok(loaded) => (
                Self {
                    store,
                    list: loaded.rotations,
                    read_only: false,
                },
                loaded.warning,
            ),
            Err(message) => (
                Self {
                    store,
                    list: Vec::new(),
                    read_only: true,
                },
                Some(message),
            ),
        }
    }
}

impl App {
    /// The rotations not finished yet.
    pub fn rotations(&self) -> &[Rotation] {
        &self.rotations.list
    }

    /// `(id, key name)` of each rotation waiting to finish.
    pub(super) fn waiting_rotations(&self) -> Vec<(String, String)> {
        self.rotations
            .list
            .iter()
            .map(|rotation| (rotation.id.clone(), rotation.old.name.clone()))
            .collect()
    }

    /// Keeps `rotation` (replacing its earlier state) and saves it into
    /// the file, merged with what other instances saved there; a finished
    /// rotation is dropped.
    pub(super) fn keep_rotation(&mut self, rotation: Rotation) {
        let list = &mut self.rotations.list;
        match list.iter_mut().find(|kept| kept.id == rotation.id) {
            Some(kept) => *kept = rotation.clone(),
            None => list.push(rotation.clone()),
        }
        list.retain(|rotation| rotation.phase != Phase::Done);
        if self.rotations.read_only {
            return;
        }
        if let Err(message) = self.rotations.store.save(std::slice::from_ref(&rotation)) {
            self.toasts.push(
                ToastKind::Error,
                "The rotation was not saved",
                Some(message),
            );
        }
    }

    /// Opens the rotation wizard for `key`, planned from the accounts'
    /// tables as they are now.
    pub(super) fn open_rotate(&mut self, key: &KeyGroup) {
        let mut steps = Rotation::plan_steps(key, |profile_id, key_id| {
            self.accounts
                .get(profile_id)?
                .table
                .rows()
                .iter()
                .find(|row| row.id == key_id)
        });
        crate::rotation::plan::note_taken_names(&mut steps, |profile_id| {
            Some(self.accounts.get(profile_id)?.table.rows())
        });
        if steps.is_empty() {
            self.toasts.push(
                ToastKind::Error,
                "Nothing to rotate",
                Some(format!(
                    "No loaded account lists \"{}\" any more; refresh and try again.",
                    key.display_name()
                )),
            );
            return;
        }
        let local_choices = self.local_choices(key);
        let key_dir = self.fleet_key_dir();
        let modal = RotateModal::new(
            OldKeyInfo::of(key),
            &key.names,
            steps,
            &self.profiles,
            key_dir,
            local_choices,
        );
        self.dialogs.open(Dialog::Rotate(Box::new(modal)));
    }

    /// Opens the wizard on `key` of the shown account: its group in "All
    /// keys" when that view has one (it also joins keys without public
    /// material by file name), else every loaded account's copy with the
    /// same fingerprint.
    pub(super) fn rotate_account_key(&mut self, key: &RemoteKey) {
        let Some(profile) = self.selected_profile().cloned() else {
            return;
        };
        let from_fleet = self.fleet.table().snapshot().and_then(|snapshot| {
            snapshot
                .inventory
                .keys
                .iter()
                .find(|group| {
                    group
                        .accounts
                        .iter()
                        .any(|h| h.profile_id == profile.id && h.key_id == key.id)
                })
                .cloned()
        });
        let group = from_fleet.unwrap_or_else(|| self.group_from_tables(&profile, key));
        self.open_rotate(&group);
    }

    /// The copies of `key` on loaded accounts, by fingerprint (only this
    /// account's copy when the key has none).
    fn group_from_tables(&self, profile: &crate::store::Profile, key: &RemoteKey) -> KeyGroup {
        let holding = |profile: &crate::store::Profile, key: &RemoteKey| Holding {
            account: profile.name.clone(),
            profile_id: profile.id.clone(),
            provider: profile.provider(),
            key_id: key.id.clone(),
            name: key.name.to_string(),
            created_at: key.created_at.as_deref().map(String::from),
        };
        let accounts = match key.fingerprint_sha256.as_deref() {
            Some(sha256) => self
                .profiles
                .iter()
                .filter_map(|other| Some((other, self.accounts.get(&other.id)?)))
                .flat_map(|(other, view)| {
                    view.table
                        .rows()
                        .iter()
                        .filter(|row| row.fingerprint_sha256.as_deref() == Some(sha256))
                        .map(move |row| holding(other, row))
                })
                .collect(),
            None => vec![holding(profile, key)],
        };
        let mut names: Vec<String> = Vec::new();
        for holding in &accounts {
            if !names.contains(&holding.name) {
                names.push(holding.name.clone());
            }
        }
        KeyGroup {
            sha256: key.fingerprint_sha256.clone(),
            algorithm: key.algorithm_label.as_deref().map(String::from),
            bits: None,
            comment: key.comment.as_deref().map(String::from),
            local_paths: Vec::new(),
            accounts,
            flags: Vec::new(),
            names,
            oldest_created_at: None,
        }
    }

    /// Opens the wizard on a waiting rotation.
    pub(super) fn resume_rotation(&mut self, id: &str) {
        let Some(rotation) = self.rotations.list.iter().find(|r| r.id == id).cloned() else {
            return;
        };
        let modal = RotateModal::resume(rotation, &self.profiles);
        self.dialogs.open(Dialog::Rotate(Box::new(modal)));
    }

    /// Keys on this computer (with their private key) that could replace
    /// `key`.
    fn local_choices(&self, key: &KeyGroup) -> Vec<LocalChoice> {
        let Some(snapshot) = self.fleet.table().snapshot() else {
            return Vec::new();
        };
        snapshot
            .local_keys
            .iter()
            .filter_map(|local| {
                let sha256 = local.sha256.clone()?;
                if key.sha256.as_deref() == Some(sha256.as_str()) {
                    return None;
                }
                Some(LocalChoice {
                    private_key_path: local.private_key_path.clone()?,
                    public_key: local.public_key.clone()?,
                    sha256,
                    algorithm: local.algorithm_label.clone().unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Where a generated key is saved: the first scanned folder.
    fn fleet_key_dir(&self) -> PathBuf {
        self.fleet.key_dir()
    }
}
