//! The accounts: their profiles (and the file they are saved in), each
//! one's key list loaded in the background ([`AccountView`]), the shown
//! table's scroll and page size, and "Where else" for the details panel.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::details::{Basis, WhereElse};
use crate::backend::{ListedKeys, Pending, take_answer};
use crate::providers::ApiError;
use crate::providers::usage::KeyUsage;
use crate::state::{KeyTable, Loadable};
use crate::store::{Profile, ProfileStore};
use crate::ui::details_panel::OtherHolder;

/// Key lists are applied for at most this long per frame, so twenty big
/// accounts arriving together never stall one frame.
const LIST_BUDGET: Duration = Duration::from_millis(4);

/// One account's keys: the table (kept while a refresh runs, with its sort
/// and filter, and edited locally after a delete or rename), and the state
/// of the newest list request, read through `Deref` (`loaded`, `error`,
/// `is_loading()`).
#[derive(Debug, Default)]
pub struct AccountView {
    /// Keys with sort/filter cache.
    pub table: KeyTable,
    /// The list request; answers are merged into `table`.
    list: Loadable<(), ListedKeys>,
    /// What uses the keys, when it comes after them (HCP Terraform's
    /// workspaces): "Used by" is filled in when it arrives.
    usage: Option<Pending<Result<KeyUsage, ApiError>>>,
}

impl std::ops::Deref for AccountView {
    type Target = Loadable<(), ListedKeys>;

    fn deref(&self) -> &Self::Target {
        &self.list
    }
}

impl AccountView {
    /// Waits for `list` from now on; an older refresh's answers (keys and
    /// usage) are dropped, so a newer refresh always wins.
    pub(super) fn start(&mut self, list: Pending<Result<ListedKeys, ApiError>>) {
        self.list.start(list);
        self.usage = None;
    }

    /// Applies the list if it arrived: the number of keys, or the error.
    /// What uses the keys is applied silently when it arrives after them.
    pub(super) fn poll(&mut self) -> Option<Result<usize, ApiError>> {
        let (table, usage) = (&mut self.table, &mut self.usage);
        let listed = self.list.poll_with(|(), listed| {
            table.set_rows(listed.keys);
            *usage = listed.usage;
        });
        match take_answer(&mut self.usage) {
            Some(Ok(usage)) => self.table.update_all(|key| usage.apply_to(key)),
            // "Used by" stays unknown; the keys are right.
            Some(Err(err)) => {
                tracing::warn!(kind = ?err.kind, status = ?err.status, "\"used by\" not known");
            }
            None => {}
        }
        Some(listed?.map(|()| self.table.len()))
    }

    /// True while what uses the keys is still being listed after them.
    pub fn usage_pending(&self) -> bool {
        self.usage.is_some()
    }
}

/// Why the profiles file was not written.
#[derive(Debug)]
pub(super) enum NotSaved {
    /// The file is from a newer Keyfleet or unreadable: left untouched.
    ReadOnly,
    /// Writing it failed.
    Failed(String),
}

/// Every account and its keys.
#[derive(Debug)]
pub(super) struct Accounts {
    store: ProfileStore,
    /// The profiles file could not be read as a whole: never overwrite it.
    read_only: bool,
    profiles: Vec<Profile>,
    views: HashMap<String, AccountView>,
    /// Other accounts holding the selected key, cached.
    pub(super) where_else: WhereElse,
    /// After a keyboard move: scroll the table to this shown row once.
    pub(super) scroll_to_selected: Option<usize>,
    /// How many rows the table showed last frame (PgUp/PgDn).
    pub(super) page_rows: usize,
}

impl Accounts {
    /// Reads the profiles file; also returns what the user must be told
    /// about it, if anything.
    pub(super) fn load(store: ProfileStore) -> (Self, Option<String>) {
        let loaded = store.load();
        let accounts = Self {
            store,
            read_only: loaded.read_only,
            profiles: loaded.profiles,
            views: HashMap::new(),
            where_else: WhereElse::default(),
            scroll_to_selected: None,
            page_rows: 10,
        };
        (accounts, loaded.warning)
    }

    /// The profiles file's store (its folder holds the other files too).
    pub(super) fn store(&self) -> &ProfileStore {
        &self.store
    }

    /// The accounts, in the list's order.
    pub(super) fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// One account's profile.
    pub(super) fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|profile| profile.id == id)
    }

    /// One account's keys, if it was ever listed (or sorted).
    pub(super) fn get(&self, id: &str) -> Option<&AccountView> {
        self.views.get(id)
    }

    /// One account's keys, to change.
    pub(super) fn get_mut(&mut self, id: &str) -> Option<&mut AccountView> {
        self.views.get_mut(id)
    }

    /// One account's keys, made empty if there were none yet.
    pub(super) fn entry(&mut self, id: &str) -> &mut AccountView {
        self.views.entry(id.to_string()).or_default()
    }

    /// Every account's keys (in no order).
    pub(super) fn views(&self) -> impl Iterator<Item = &AccountView> {
        self.views.values()
    }

    /// Adds `profile`, or replaces the one with its id; then writes the file.
    pub(super) fn put(&mut self, profile: Profile) -> Result<(), NotSaved> {
        match self.profiles.iter_mut().find(|p| p.id == profile.id) {
            Some(existing) => *existing = profile,
            None => self.profiles.push(profile),
        }
        // "Where else" names accounts: the name may have changed.
        self.where_else.invalidate();
        self.persist()
    }

    /// Removes account `id`: first from the file, and only once that is
    /// written from the window too (a restart would otherwise find an
    /// account whose token is gone). Dropping its keys drops its list
    /// request too.
    pub(super) fn remove(&mut self, id: &str) -> Option<Result<Profile, NotSaved>> {
        let position = self.profiles.iter().position(|p| p.id == id)?;
        let profile = self.profiles.remove(position);
        if let Err(err) = self.persist() {
            self.profiles.insert(position, profile);
            return Some(Err(err));
        }
        self.views.remove(id);
        self.where_else.invalidate();
        Some(Ok(profile))
    }

    /// Writes the profiles file.
    fn persist(&self) -> Result<(), NotSaved> {
        if self.read_only {
            return Err(NotSaved::ReadOnly);
        }
        self.store.save(&self.profiles).map_err(NotSaved::Failed)
    }

    /// Key lists that arrived, applied within [`LIST_BUDGET`] (what is left
    /// waits a frame, and a repaint is asked for): per account its name and
    /// the number of keys, or the error.
    pub(super) fn poll_lists(
        &mut self,
        ctx: &egui::Context,
    ) -> Vec<(String, Result<usize, ApiError>)> {
        let started = Instant::now();
        let mut listed = Vec::new();
        for (id, account) in &mut self.views {
            if let Some(result) = account.poll() {
                listed.push((id.clone(), result));
                if started.elapsed() > LIST_BUDGET {
                    ctx.request_repaint();
                    break;
                }
            }
        }
        listed
            .into_iter()
            .map(|(id, result)| {
                let name = self.profile(&id).map(|p| p.name.clone());
                (name.unwrap_or_default(), result)
            })
            .collect()
    }
}

impl Accounts {
    /// Brings [`Accounts::where_else`] up to date for the selected key of
    /// account `profile_id`, if the selection or the lists changed since it
    /// was computed.
    pub(super) fn update_where_else(&mut self, profile_id: &str) {
        let Some(fingerprint) = self
            .get(profile_id)
            .and_then(|account| account.table.selected_key())
            .and_then(|key| key.fingerprint_sha256.as_deref())
        else {
            self.where_else = WhereElse::default();
            return;
        };
        let basis = Basis {
            profile_id: profile_id.to_string(),
            fingerprint: fingerprint.to_string(),
            newest_stamp: self
                .views()
                .map(|account| account.table.stamp())
                .max()
                .unwrap_or_default(),
            accounts: self.profiles().len(),
            loaded: self.views().filter(|a| a.loaded).count(),
        };
        if self.where_else.basis.as_ref() == Some(&basis) {
            return;
        }
        let mut holders = Vec::new();
        let mut unloaded = 0;
        for profile in self.profiles().iter().filter(|p| p.id != basis.profile_id) {
            let Some(account) = self.get(&profile.id).filter(|a| a.loaded) else {
                unloaded += 1;
                continue;
            };
            holders.extend(
                account
                    .table
                    .rows()
                    .iter()
                    .filter(|key| key.fingerprint_sha256.as_deref() == Some(&basis.fingerprint))
                    .map(|key| OtherHolder {
                        account: profile.name.clone(),
                        key_name: key.name.to_string(),
                    }),
            );
        }
        self.where_else = WhereElse {
            basis: Some(basis),
            holders,
            unloaded,
        };
    }
}
