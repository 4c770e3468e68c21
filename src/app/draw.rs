//! Drawing: the status bar, the accounts list, the selected account's keys,
//! and the modal layer.

use super::App;
use crate::ui::modal::{ModalContext, Outcome};
use crate::ui::rotate_modal;
use crate::ui::{UiAction, accounts_panel, details_panel, keys_panel};

impl App {
    /// The bottom status bar, the accounts on the left, the keys in the
    /// middle, the selected key's details on the right.
    pub(super) fn draw_panels(&mut self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        let in_flight = self.in_flight();
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            let waiting = self.waiting_rotations();
            if !waiting.is_empty() {
                ui.horizontal(|ui| rotate_modal::waiting_notice(ui, &waiting, actions));
            }
            self.status.show(ui, in_flight, self.window.demo, actions);
        });
        egui::Panel::left("accounts_panel")
            .resizable(true)
            .default_size(240.0)
            .show(ui, |ui| self.draw_accounts(ui, actions));
        if self.layout.details_open
            && let Some(profile_id) = self.layout.account()
            && self.accounts.profile(profile_id).is_some()
        {
            self.accounts.update_where_else(profile_id);
            egui::Panel::right("details_panel")
                .resizable(true)
                .default_size(360.0)
                .size_range(220.0..=900.0)
                .show(ui, |ui| self.draw_details(ui, actions));
        }
        egui::CentralPanel::default().show(ui, |ui| self.draw_central(ui, actions));
    }

    fn draw_details(&self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        let Some(profile) = self.selected_profile() else {
            return;
        };
        let key = self
            .accounts
            .get(&profile.id)
            .and_then(|account| account.table.selected_key());
        let busy = key.is_some_and(|key| self.busy_keys(&profile.id).0.contains(&key.id));
        let (elsewhere, unloaded_accounts) = if key.is_some() {
            let where_else = &self.accounts.where_else;
            (where_else.holders.as_slice(), where_else.unloaded)
        } else {
            (&[][..], 0)
        };
        let used_by_hosts = key
            .and_then(|key| key.fingerprint_sha256.as_deref())
            .map(|sha| self.used_by_hosts(sha))
            .unwrap_or_default();
        details_panel::show(
            ui,
            details_panel::DetailsView {
                key,
                spec: profile.provider().spec(),
                elsewhere,
                unloaded_accounts,
                busy,
                used_by_hosts: &used_by_hosts,
                in_agent: key
                    .and_then(|key| key.fingerprint_sha256.as_deref())
                    .and_then(|sha256| self.agent.holds(sha256)),
            },
            actions,
        );
    }

    fn draw_accounts(&self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        accounts_panel::show(
            ui,
            self.accounts.profiles(),
            self.layout.view.as_ref(),
            |id| {
                let account = self.accounts.get(id);
                accounts_panel::AccountBadge {
                    busy: self.account_loading(id) || self.busy_keys(id).1,
                    failed: account.is_some_and(|a| a.error.is_some()),
                    key_count: account.filter(|a| a.loaded).map(|a| a.table.len()),
                }
            },
            actions,
        );
    }

    /// The keys with a request running in account `profile_id`, and whether
    /// any request (about a key or not) runs for it.
    fn busy_keys(&self, profile_id: &str) -> (Vec<String>, bool) {
        let mut busy = false;
        let mut keys = Vec::new();
        let operations = self
            .operations
            .iter()
            .filter(|op| op.profile_id.as_deref() == Some(profile_id))
            .map(|op| op.key_id.as_deref());
        let dialogs = self
            .modals
            .iter()
            .filter_map(|modal| modal.busy_with())
            .filter(|(profile, _)| *profile == profile_id)
            .map(|(_, key)| key);
        for key in operations.chain(dialogs) {
            busy = true;
            keys.extend(key.map(str::to_string));
        }
        (keys, busy)
    }

    fn draw_central(&mut self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        if self.accounts.profiles().is_empty() && !self.all_keys_shown() {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() / 3.0);
                ui.heading("No accounts yet");
                ui.label(format!(
                    "Add {} account to see its SSH keys here.",
                    providers_in_words()
                ));
                ui.add_space(8.0);
                if ui.button("➕ Add your first account").clicked() {
                    actions.push(UiAction::EditProfile(None));
                }
            });
            return;
        }
        if self.all_keys_shown() {
            self.draw_fleet(ui, actions);
            return;
        }
        let Some(profile) = self.selected_profile().cloned() else {
            ui.label("Select an account on the left.");
            return;
        };
        let (busy_keys, _) = self.busy_keys(&profile.id);
        let scroll_to = self.accounts.scroll_to_selected.take();
        let details_open = self.layout.details_open;
        let loading = self.account_loading(&profile.id);
        let account = self.accounts.entry(&profile.id);
        let (loaded, error) = (account.loaded, account.error.clone());
        self.accounts.page_rows = keys_panel::show(
            ui,
            keys_panel::KeysView {
                profile: &profile,
                table: &mut account.table,
                loading,
                loaded,
                error: error.as_ref(),
                busy_keys: &busy_keys,
                details_open,
                scroll_to,
            },
            actions,
        );
    }

    /// The modal layer, bottom first (see [`super::modals::Modals::show`]).
    /// A command chosen in the palette, or confirmed, joins this frame's
    /// actions; anything else a modal finished is applied now.
    pub(super) fn draw_modals(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        // Off the app while they draw, so the palette can read the app.
        let mut modals = std::mem::take(&mut self.modals);
        let outcomes = modals.show(
            ctx,
            &mut ModalContext {
                backend: &self.backend,
                actions,
                palette_entries: &|| self.palette_entries(),
                key_dir: &|| self.fleet.key_dir(),
                private_keys_waiting: 0,
                unsaved_private_keys: 0,
            },
        );
        // Nothing opens a modal while they draw: their actions wait.
        self.modals = modals;
        for outcome in outcomes {
            match outcome {
                Outcome::Run(action) => actions.push(*action),
                outcome => self.apply_outcome(ctx, outcome),
            }
        }
    }
}

/// "a Gcore Cloud, Sesterce or HCP Terraform" from the provider specs.
fn providers_in_words() -> String {
    let labels: Vec<&str> = crate::providers::registry::all()
        .iter()
        .map(|spec| spec.label)
        .collect();
    match labels.split_last() {
        Some((last, [])) => format!("a {last}"),
        Some((last, rest)) => format!("a {} or {last}", rest.join(", ")),
        None => "an".into(),
    }
}
