//! Drawing: the status bar, the accounts list, the selected account's keys,
//! and the dialogs.

use super::App;
use super::dialogs::{Dialog, Outcome, Step};
use crate::backend::Backend;
use crate::ui::confirm_modal::ConfirmChoice;
use crate::ui::publish_modal::PublishResult;
use crate::ui::revoke_modal::RevokeResult;
use crate::ui::rotate_modal::{self, RotateResult};
use crate::ui::{UiAction, accounts_panel, details_panel, keys_panel, private_key_modal};

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
            self.status.show(ui, in_flight, self.demo, actions);
        });
        egui::Panel::left("accounts_panel")
            .resizable(true)
            .default_size(240.0)
            .show(ui, |ui| self.draw_accounts(ui, actions));
        if self.details_open && !self.fleet.open && self.selected_profile().is_some() {
            self.update_where_else();
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
            (self.where_else.holders.as_slice(), self.where_else.unloaded)
        } else {
            (&[][..], 0)
        };
        details_panel::show(
            ui,
            details_panel::DetailsView {
                key,
                spec: profile.provider().spec(),
                elsewhere,
                unloaded_accounts,
                busy,
            },
            actions,
        );
    }

    fn draw_accounts(&self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        accounts_panel::show(
            ui,
            &self.profiles,
            if self.fleet.open {
                accounts_panel::Selection::AllKeys
            } else {
                accounts_panel::Selection::Account(self.selected.as_deref())
            },
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
            .dialogs
            .iter()
            .filter_map(Dialog::busy_with)
            .filter(|(profile, _)| *profile == profile_id)
            .map(|(_, key)| key);
        for key in operations.chain(dialogs) {
            busy = true;
            keys.extend(key.map(str::to_string));
        }
        (keys, busy)
    }

    fn draw_central(&mut self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        if self.profiles.is_empty() {
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
        if self.fleet.open {
            self.draw_fleet(ui, actions);
            return;
        }
        let Some(profile) = self.selected_profile().cloned() else {
            ui.label("Select an account on the left.");
            return;
        };
        let (busy_keys, _) = self.busy_keys(&profile.id);
        let scroll_to = self.scroll_to_selected.take();
        let details_open = self.details_open;
        let loading = self.account_loading(&profile.id);
        let account = self.accounts.entry(profile.id.clone()).or_default();
        let (loaded, error) = (account.loaded, account.error.clone());
        self.page_rows = keys_panel::show(
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

    /// An unsaved private key first (nothing else may hide it), else the
    /// open dialogs, bottom first.
    pub(super) fn draw_dialogs(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        let remaining = self.private_keys.len();
        if let Some(key) = self.private_keys.front_mut() {
            key.suggest_folder(|| self.fleet.key_dir());
            private_key_modal::show(ctx, key, remaining, &self.backend, actions);
            return;
        }
        let backend = &self.backend;
        let outcomes = self
            .dialogs
            .run(|dialog| dialog.show(ctx, backend, actions));
        for outcome in outcomes {
            self.apply_outcome(ctx, outcome);
        }
    }

    pub(super) fn draw_close_prompt(&mut self, ctx: &egui::Context) {
        if !self.close_prompt {
            return;
        }
        egui::Modal::new(egui::Id::unique("close_prompt")).show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading("Unsaved private key");
            ui.label(format!(
                "{} private key(s) have not been saved. They cannot be fetched again: quitting now loses them.",
                self.unsaved_private_keys()
            ));
            ui.horizontal(|ui| {
                if ui.button("Go back and save").clicked() {
                    self.close_prompt = false;
                }
                if ui.button("Quit and lose them").clicked() {
                    self.close_prompt = false;
                    self.allow_close = true;
                    self.private_keys.clear();
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
        });
    }
}

impl Dialog {
    /// Draws the dialog for one frame.
    fn show(
        &mut self,
        ctx: &egui::Context,
        backend: &Backend,
        actions: &mut Vec<UiAction>,
    ) -> Step {
        match self {
            Dialog::Profile(modal) => Step::from_profile(modal.show(ctx, backend)),
            Dialog::AddKey(modal) => {
                let result = modal.show(ctx, backend, actions);
                Step::from_add_key(&modal.profile.id, result)
            }
            Dialog::Generate(modal) => Step::from_generate(modal.show(ctx, backend)),
            Dialog::Rename(modal) => {
                let result = modal.show(ctx, backend);
                Step::from_rename(&modal.profile.id, result)
            }
            Dialog::Confirm(modal) => match modal.show(ctx) {
                ConfirmChoice::Open => Step::Keep,
                ConfirmChoice::Cancelled => Step::Close,
                ConfirmChoice::Confirmed => match modal.on_confirm.take() {
                    Some(action) => Step::Done(Outcome::Confirmed(action)),
                    None => Step::Close,
                },
            },
            Dialog::Details(text) => show_details(ctx, text, actions),
            Dialog::Publish(modal) => match modal.show(ctx, backend) {
                PublishResult::Open => Step::Keep,
                PublishResult::Closed(added) => Step::Done(Outcome::Published(added)),
            },
            Dialog::Revoke(modal) => match modal.show(ctx, backend) {
                RevokeResult::Open => Step::Keep,
                RevokeResult::Closed(changed) => Step::Done(Outcome::AccountsChanged(changed)),
            },
            Dialog::Settings(modal) => {
                if modal.show(ctx, backend, actions) {
                    Step::Keep
                } else {
                    Step::Close
                }
            }
            Dialog::Rotate(modal) => match modal.show(ctx, backend) {
                RotateResult::Open => Step::Keep,
                RotateResult::Changed(rotation) => Step::Tell(Outcome::RotationChanged(rotation)),
                RotateResult::Closed(rotation, changed) => {
                    Step::Done(Outcome::RotationClosed(rotation, changed))
                }
            },
        }
    }
}

/// An error's full text, selectable, with "Copy".
fn show_details(ctx: &egui::Context, text: &str, actions: &mut Vec<UiAction>) -> Step {
    let mut open = true;
    let modal = egui::Modal::new(egui::Id::unique("details_modal")).show(ctx, |ui| {
        ui.set_width(560.0);
        ui.heading("Error details");
        egui::ScrollArea::vertical()
            .max_height(300.0)
            .show(ui, |ui| {
                ui.add(egui::Label::new(egui::RichText::new(text).monospace()).selectable(true));
            });
        ui.horizontal(|ui| {
            if ui.button("Copy").clicked() {
                actions.push(UiAction::Copy {
                    text: text.to_string(),
                    what: "error details",
                });
            }
            if ui.button("Close").clicked() {
                open = false;
            }
        });
    });
    if !open || modal.should_close() {
        Step::Close
    } else {
        Step::Keep
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
