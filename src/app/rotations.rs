//! Rotations the app keeps: the unfinished ones from `rotations.json`
//! (shown as "N rotations waiting to finish"), opening the wizard on a key
//! or on a waiting rotation, and saving every change the wizard reports.

use std::path::{Path, PathBuf};

use super::App;
use crate::backend::Command;
use crate::inventory::KeyGroup;
use crate::ops::rotation::{Phase, Rotation, RotationStore};
use crate::providers::RemoteKey;
use crate::ui::rotate_modal::{RotateModal, RotateTarget};
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

    /// Opens the rotation wizard for `key` of "All keys": its copies are
    /// looked up again in a fresh inventory (see [`Self::open_rotate_on`]).
    pub(super) fn open_rotate(&mut self, key: &KeyGroup) {
        // Start from a copy linked by fingerprint where there is one.
        let holding = key
            .accounts
            .iter()
            .find(|holding| !holding.matched_by_name_only)
            .or_else(|| key.accounts.first());
        let Some(holding) = holding else {
            return;
        };
        self.open_rotate_on(RotateTarget {
            profile_id: holding.profile_id.clone(),
            key_id: holding.key_id.clone(),
            name: key.display_name(),
        });
    }

    /// Opens the wizard on `key` of the shown account.
    pub(super) fn rotate_account_key(&mut self, key: &RemoteKey) {
        let Some(profile) = self.selected_profile() else {
            return;
        };
        let target = RotateTarget {
            profile_id: profile.id.clone(),
            key_id: key.id.clone(),
            name: key.name.to_string(),
        };
        self.open_rotate_on(target);
    }

    /// Opens the wizard on `target`, which first builds an inventory from
    /// every account's list as it is now and a fresh scan of this
    /// computer, so the plan holds every copy (a copy without public
    /// material too, joined by name and marked so) whether or not "All
    /// keys" was ever opened.
    fn open_rotate_on(&mut self, target: RotateTarget) {
        let accounts = self.fleet_accounts();
        let local_dirs = self.fleet.local_dirs().to_vec();
        let options = self.fleet.rules().options(true);
        let sent = accounts.clone();
        let ssh_config = self.fleet.ssh_config().cloned();
        let pending = self.backend.request(|reply| Command::BuildInventory {
            reply,
            accounts: sent,
            local_dirs,
            ssh_config,
            options,
            agent: None,
        });
        let key_dir = self.fleet_key_dir();
        let modal = RotateModal::looking_up(target, self.profiles(), key_dir, accounts, pending);
        self.modals.open(Box::new(modal));
    }

    /// Opens the wizard on a waiting rotation.
    pub(super) fn resume_rotation(&mut self, id: &str) {
        let Some(rotation) = self.rotations.list.iter().find(|r| r.id == id).cloned() else {
            return;
        };
        let modal = RotateModal::resume(rotation, self.profiles())
            .with_ssh_config(self.fleet.ssh_config().cloned());
        self.modals.open(Box::new(modal));
    }

    /// Where a generated key is saved: the first scanned folder.
    fn fleet_key_dir(&self) -> PathBuf {
        self.fleet.key_dir()
    }
}
