//! The "All keys" view's state: which account lists the shown inventory was
//! built from, the build running on the backend, the table, the hygiene
//! rules, and the export in flight. The inventory is rebuilt (off the UI
//! thread) whenever an account's keys change while the view is open.

use std::path::PathBuf;
use std::sync::Arc;

use super::{AccountView, App};
use crate::backend::fleet::{AccountKeys, FleetSnapshot};
use crate::backend::{Command, Pending};
use crate::inventory::ssh_config::{SshConfigSource, SshHosts};
use crate::inventory::{AccountError, ExportFormat, KeyGroup};
use crate::ops::revoke::plan_revoke;
use crate::providers::{ApiError, RemoteKey};
use crate::state::FleetTable;
use crate::store::Profile;
use crate::ui::UiAction;
use crate::ui::fleet_panel::{self, FleetProgress, HygieneRules};
use crate::ui::publish_modal::PublishModal;
use crate::ui::revoke_modal::{RevokeModal, RevokeRow, RevokeState};
use crate::ui::toasts::ToastKind;

/// What an inventory was built from: per account its id, the version of
/// its rows, whether it failed; plus the rules. Equal inputs, equal result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct BuiltFrom {
    accounts: Vec<(String, u64, Option<String>)>,
    rules: Option<HygieneRules>,
    /// Bumped by "Refresh all" so the local folders are scanned again.
    scan: u64,
    /// The ssh-agent listing's stamp.
    agent: u64,
}

/// The view's state (whether it is shown is the app's
/// [`View`](super::View)).
#[derive(Debug)]
pub struct FleetState {
    /// The folders scanned for local keys.
    local_dirs: Vec<PathBuf>,
    table: FleetTable,
    rules: HygieneRules,
    chart_open: bool,
    built: Option<BuiltFrom>,
    building: Option<(BuiltFrom, Pending<FleetSnapshot>)>,
    scan: u64,
    export: Option<Pending<Result<Option<PathBuf>, String>>>,
    /// After a keyboard move: scroll the table to this shown row once.
    pub(super) scroll_to: Option<usize>,
    /// `~/.ssh/config` ("Used by hosts"); `None`: not read.
    ssh_config: Option<SshConfigSource>,
    /// What it said last (from the last build or read).
    hosts: SshHosts,
    reading_hosts: Option<Pending<SshHosts>>,
}

impl FleetState {
    /// A closed view scanning `local_dirs`.
    pub(super) fn new(local_dirs: Vec<PathBuf>) -> Self {
        Self {
            local_dirs,
            table: FleetTable::default(),
            rules: HygieneRules::default(),
            chart_open: false,
            built: None,
            building: None,
            scan: 0,
            export: None,
            scroll_to: None,
            ssh_config: None,
            hosts: SshHosts::default(),
            reading_hosts: None,
        }
    }

    /// The table (tests read the inventory through it).
    pub fn table(&self) -> &FleetTable {
        &self.table
    }

    /// Moves the table's selection (keyboard).
    pub(super) fn move_selection(
        &mut self,
        movement: crate::state::key_table::SelectionMove,
    ) -> Option<usize> {
        self.table.move_selection(movement)
    }

    /// Empties the filter box (Esc).
    pub(super) fn clear_filter(&mut self) {
        self.table.set_filter("");
    }

    /// Where new keys go: the first folder scanned (usually `~/.ssh`), else
    /// `~/.ssh` (made when a key is saved there). Always absolute, so a key
    /// never lands in the folder Keyfleet was started from; empty only when
    /// no home folder is known, and saving then asks for a full path.
    pub(super) fn key_dir(&self) -> PathBuf {
        self.local_dirs
            .iter()
            .find(|dir| dir.is_absolute())
            .cloned()
            .or_else(crate::keys::save::default_key_dir)
            .unwrap_or_default()
    }

    /// Scan the local folders again at the next build.
    pub(super) fn rescan(&mut self) {
        self.scan += 1;
    }

    /// The folders scanned for local keys.
    pub fn local_dirs(&self) -> &[PathBuf] {
        &self.local_dirs
    }

    /// Scans these folders from now on (the next build scans them).
    pub(super) fn set_local_dirs(&mut self, dirs: Vec<PathBuf>) {
        if self.local_dirs != dirs {
            self.local_dirs = dirs;
            self.rescan();
        }
    }

    /// The hygiene thresholds.
    pub fn rules(&self) -> HygieneRules {
        self.rules
    }

    /// The `~/.ssh/config` read for "Used by hosts", if any.
    pub fn ssh_config(&self) -> Option<&SshConfigSource> {
        self.ssh_config.as_ref()
    }

    /// New thresholds; the inventory is rebuilt with them (they are part
    /// of what it was built from).
    pub(super) fn set_rules(&mut self, rules: HygieneRules) {
        self.rules = rules;
    }

    /// The table's sort (a remembered one at start-up).
    pub(super) fn set_sort(&mut self, sort: Option<(crate::state::FleetSort, bool)>) {
        self.table.set_sort(sort);
    }
}

/// The "All keys" view's state, read from outside (tests), with whether it
/// is shown.
#[derive(Debug)]
pub struct AllKeys<'a> {
    state: &'a FleetState,
    shown: bool,
}

impl<'a> AllKeys<'a> {
    /// True while "All keys" is shown instead of an account.
    pub fn is_open(&self) -> bool {
        self.shown
    }

    /// The table (tests read the inventory through it).
    pub fn table(&self) -> &'a FleetTable {
        self.state.table()
    }

    /// The folders scanned for local keys.
    pub fn local_dirs(&self) -> &'a [PathBuf] {
        self.state.local_dirs()
    }

    /// The hygiene thresholds.
    pub fn rules(&self) -> HygieneRules {
        self.state.rules()
    }
}

impl App {
    /// The "All keys" view's state.
    pub fn fleet(&self) -> AllKeys<'_> {
        AllKeys {
            state: &self.fleet,
            shown: self.all_keys_shown(),
        }
    }

    /// The accounts the inventory is built from: those whose keys arrived
    /// (or whose listing failed), in the accounts list's order.
    fn fleet_sources(&self) -> impl Iterator<Item = (&Profile, &AccountView)> {
        self.profiles().iter().filter_map(|profile| {
            let view = self.accounts.get(&profile.id)?;
            (view.error.is_some() || view.loaded).then_some((profile, view))
        })
    }

    /// What the inventory would be built from now (compared every frame
    /// while the view is open, so it holds ids and stamps, not the keys).
    fn fleet_built_from(&self) -> BuiltFrom {
        BuiltFrom {
            accounts: self
                .fleet_sources()
                .map(|(profile, view)| match &view.error {
                    Some(error) => (profile.id.clone(), 0, Some(error.message.clone())),
                    None => (profile.id.clone(), view.table.stamp(), None),
                })
                .collect(),
            rules: Some(self.fleet.rules),
            scan: self.fleet.scan,
            agent: self.agent.stamp(),
        }
    }

    /// Every account's keys (shared, not copied) or its error, for a build.
    pub(super) fn fleet_accounts(&self) -> Vec<AccountKeys> {
        self.fleet_sources()
            .map(|(profile, view)| match &view.error {
                Some(error) => (profile.clone(), Err(error.clone())),
                None => (profile.clone(), Ok(view.table.shared_rows())),
            })
            .collect()
    }

    /// Accounts answered (listed and not reloading, or failed) of all.
    fn fleet_progress(&self) -> FleetProgress {
        FleetProgress {
            done: self
                .fleet_sources()
                .filter(|(_, view)| view.error.is_some() || !view.is_loading())
                .count(),
            total: self.profiles().len(),
            building: self.fleet.building.is_some(),
        }
    }

    /// Starts a build when the view is open and its inputs changed; applies
    /// a finished build and export.
    pub(super) fn poll_fleet(&mut self) {
        if let Some((built, pending)) = &mut self.fleet.building
            && let Some(answer) = pending.try_take()
        {
            let built = built.clone();
            self.fleet.building = None;
            if let Ok(snapshot) = answer {
                self.fleet.hosts = snapshot.hosts.clone();
                self.fleet.table.set_snapshot(Arc::new(snapshot));
                self.fleet.built = Some(built);
            }
        }
        if let Some(pending) = &mut self.fleet.export
            && let Some(answer) = pending.poll()
        {
            self.fleet.export = None;
            match answer {
                Ok(Some(path)) => self
                    .toasts
                    .success(format!("Saved the inventory to {}", path.display())),
                Ok(None) => {}
                Err(message) => {
                    self.toasts
                        .push(ToastKind::Error, "Export failed", Some(message));
                }
            }
        }
        if !self.all_keys_shown() || self.fleet.building.is_some() {
            return;
        }
        let built = self.fleet_built_from();
        if self.fleet.built.as_ref() == Some(&built) {
            return;
        }
        let accounts = self.fleet_accounts();
        // A missing `~/.ssh` is normal (it is made when a key is first
        // saved there): nothing to scan and nothing to report.
        let default_dir = crate::keys::save::default_key_dir();
        let local_dirs = self
            .fleet
            .local_dirs
            .iter()
            .filter(|dir| Some(*dir) != default_dir.as_ref() || dir.is_dir())
            .cloned()
            .collect();
        let options = self.fleet.rules.options(true);
        let ssh_config = self.fleet.ssh_config.clone();
        let pending = self.backend.request(|reply| Command::BuildInventory {
            reply,
            accounts,
            local_dirs,
            ssh_config,
            options,
            agent: self.agent.listing(),
        });
        self.fleet.building = Some((built, pending));
    }

    /// Draws the view.
    pub(super) fn draw_fleet(&mut self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        let progress = self.fleet_progress();
        let errors: Vec<(String, AccountError)> = self
            .profiles()
            .iter()
            .filter_map(|profile| {
                let error = self.accounts.get(&profile.id)?.error.as_ref()?;
                Some((
                    profile.id.clone(),
                    AccountError {
                        account: profile.name.clone(),
                        message: error.message.clone(),
                    },
                ))
            })
            .collect();
        let fleet = &mut self.fleet;
        fleet_panel::show(
            ui,
            fleet_panel::FleetView {
                table: &mut fleet.table,
                progress,
                errors: &errors,
                rules: &mut fleet.rules,
                chart_open: &mut fleet.chart_open,
                exporting: fleet.export.is_some(),
                scroll_to: fleet.scroll_to.take(),
            },
            actions,
        );
    }

    /// Asks where to save the inventory and writes it.
    pub(super) fn export_inventory(&mut self, format: ExportFormat) {
        let Some(snapshot) = self.fleet.table.snapshot() else {
            return;
        };
        if self.fleet.export.is_some() {
            return;
        }
        let inventory = Arc::new(snapshot.inventory.clone());
        self.fleet.export = Some(self.backend.request(|reply| Command::ExportInventory {
            reply,
            inventory,
            format,
        }));
    }

    /// The key's OpenSSH line: from an account's copy, else a local file.
    fn public_key_of(&self, key: &KeyGroup) -> Option<String> {
        let sha256 = key.sha256.as_deref()?;
        let from_account = key.accounts.iter().find_map(|holding| {
            self.accounts
                .get(&holding.profile_id)?
                .table
                .rows()
                .iter()
                .find(|row| row.id == holding.key_id)?
                .public_key
                .clone()
        });
        from_account.or_else(|| {
            self.fleet
                .table
                .snapshot()?
                .local_keys
                .iter()
                .find(|local| local.sha256.as_deref() == Some(sha256))?
                .public_key
                .clone()
        })
    }

    /// Opens the publish dialog for `key`.
    pub(super) fn open_publish(&mut self, key: &KeyGroup) {
        match self.public_key_of(key) {
            Some(public_key) => {
                let modal = PublishModal::new(key, public_key, self.profiles());
                self.modals.open(Box::new(modal));
            }
            None => self.toasts.push(
                ToastKind::Error,
                "Nothing to publish",
                Some(format!(
                    "Keyfleet has no public key for \"{}\": no account shows one and no .pub file on this computer matches.",
                    key.display_name()
                )),
            ),
        }
    }

    /// Opens the revoke dialog for `key`, listing each account's copy as
    /// the account's table has it now (see [`crate::ops::revoke`]).
    pub(super) fn open_revoke(&mut self, key: &KeyGroup) {
        let mut accounts: Vec<(&Profile, Result<&[RemoteKey], &ApiError>)> = Vec::new();
        for holding in &key.accounts {
            let listed = self.profile(&holding.profile_id).zip(
                self.accounts
                    .get(&holding.profile_id)
                    .map(|view| view.table.rows()),
            );
            if let Some((profile, rows)) = listed
                && !accounts.iter().any(|(known, _)| known.id == profile.id)
            {
                accounts.push((profile, Ok(rows)));
            }
        }
        let plan = plan_revoke(key.sha256.as_deref(), &key.accounts, accounts);
        let rows = plan
            .copies
            .into_iter()
            .map(|copy| RevokeRow {
                profile: copy.profile,
                key: copy.key,
                state: RevokeState::Planned,
                matched_by_name_only: copy.matched_by_name_only,
                // A copy linked by name alone may be another key.
                included: !copy.matched_by_name_only,
            })
            .collect();
        let missing = plan
            .missing
            .into_iter()
            .map(|holding| holding.account)
            .collect();
        let modal = RevokeModal::new(key.display_name(), key.sha256.clone(), rows, missing);
        self.modals.open(Box::new(modal));
    }
}

impl App {
    /// Reads `~/.ssh/config` at `source` for "Used by hosts" from now on
    /// (`None`: never; the default, so tests never read the user's).
    pub fn set_ssh_config(&mut self, source: Option<SshConfigSource>) {
        self.fleet.ssh_config = source;
        self.fleet.rescan();
        self.read_ssh_hosts();
    }

    /// Asks for `~/.ssh/config` again (the details panel's "Used by
    /// hosts" needs it without "All keys").
    pub(super) fn read_ssh_hosts(&mut self) {
        if let Some(source) = self.fleet.ssh_config.clone() {
            let pending = self
                .backend
                .request(|reply| Command::ReadSshHosts { reply, source });
            self.fleet.reading_hosts = Some(pending);
        }
    }

    /// Applies a finished read of `~/.ssh/config`.
    pub(super) fn poll_ssh_hosts(&mut self) {
        if let Some(pending) = &mut self.fleet.reading_hosts
            && let Some(answer) = pending.try_take()
        {
            self.fleet.reading_hosts = None;
            if let Ok(hosts) = answer {
                self.fleet.hosts = hosts;
            }
        }
    }

    /// The `Host` patterns of `~/.ssh/config` naming the key `sha256`.
    pub fn used_by_hosts(&self, sha256: &str) -> Vec<String> {
        self.fleet.hosts.hosts_for(sha256)
    }
}
