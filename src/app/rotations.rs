//! Rotations the app keeps: the unfinished ones from `rotations.json`
//! (shown as "N rotations waiting to finish"), opening the wizard on a key
//! or on a waiting rotation, and saving every change the wizard reports.

use std::path::{Path, PathBuf};

use super::App;
use super::dialogs::Dialog;
use crate::inventory::KeyGroup;
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
    /// Reads `rotations.json` in `dir`; a file that cannot be read is left
    /// alone and reported.
    pub(super) fn load(dir: &Path) -> (Self, Option<String>) {
        let store = RotationStore::new(dir);
        match store.load() {
            Ok(list) => (
                Self {
                    store,
                    list,
                    read_only: false,
                },
                None,
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

    /// Keeps `rotation` (replacing its earlier state) and saves the file;
    /// a finished rotation is dropped.
    pub(super) fn keep_rotation(&mut self, rotation: Rotation) {
        let list = &mut self.rotations.list;
        match list.iter_mut().find(|kept| kept.id == rotation.id) {
            Some(kept) => *kept = rotation,
            None => list.push(rotation),
        }
        list.retain(|rotation| rotation.phase != Phase::Done);
        if self.rotations.read_only {
            return;
        }
        if let Err(message) = self.rotations.store.save(&self.rotations.list) {
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
        let steps = Rotation::plan_steps(key, |profile_id, key_id| {
            self.accounts
                .get(profile_id)?
                .table
                .rows()
                .iter()
                .find(|row| row.id == key_id)
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
