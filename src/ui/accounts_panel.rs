//! The left panel: every account, its provider and whether it is busy.

use super::command::{CommandContext, UICommand};
use super::{UiAction, View};
use crate::store::Profile;

/// What the panel needs to know about one account's state.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountBadge {
    /// Requests in flight for this account.
    pub busy: bool,
    /// The last list request failed.
    pub failed: bool,
    /// Number of keys loaded, if any.
    pub key_count: Option<usize>,
}

/// Draws the accounts list, with "All keys" on top; `view` is what the
/// middle shows (`None`: nothing yet).
pub fn show(
    ui: &mut egui::Ui,
    profiles: &[Profile],
    view: Option<&View>,
    badge: impl Fn(&str) -> AccountBadge,
    actions: &mut Vec<UiAction>,
) {
    header(ui, !profiles.is_empty(), actions);
    ui.separator();
    // Open without accounts too: the keys, agent and hosts of this
    // computer are worth seeing on their own.
    if ui
        .add(egui::Button::selectable(
            view == Some(&View::AllKeys),
            egui::RichText::new("🔑 All keys").strong(),
        ))
        .on_hover_text("Every key of every account and of this computer, grouped by fingerprint")
        .clicked()
    {
        actions.push(UiAction::ShowFleet);
    }
    ui.label(
        egui::RichText::new("Across accounts and this computer")
            .small()
            .weak(),
    );
    ui.separator();
    let selected = match view {
        Some(View::Account(id)) => Some(id.as_str()),
        Some(View::AllKeys) | None => None,
    };
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for profile in profiles {
                let is_selected = selected == Some(profile.id.as_str());
                account_row(ui, profile, is_selected, badge(&profile.id), actions);
            }
        });
}

/// "Accounts" with the settings button, then "Add account" and "Refresh
/// all": commands of the command list, worded with the panel's icons.
fn header(ui: &mut egui::Ui, any_account: bool, actions: &mut Vec<UiAction>) {
    let context = CommandContext::default();
    ui.horizontal(|ui| {
        ui.heading("Accounts");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            UICommand::Settings.button_with_text(ui, "⚙ Settings", &context, actions);
        });
    });
    ui.horizontal(|ui| {
        UICommand::AddAccount.button_with_text(ui, "➕ Add account", &context, actions);
        ui.add_enabled_ui(any_account, |ui| {
            UICommand::RefreshAll.button_with_text(ui, "⟳ Refresh all", &context, actions);
        });
    });
}

/// One account: its name (a context menu on it), busy or failed, and its
/// provider, scope and key count.
fn account_row(
    ui: &mut egui::Ui,
    profile: &Profile,
    is_selected: bool,
    state: AccountBadge,
    actions: &mut Vec<UiAction>,
) {
    ui.horizontal(|ui| {
        let title = if profile.name.is_empty() {
            "(unnamed)"
        } else {
            profile.name.as_str()
        };
        let response = ui.selectable_label(is_selected, egui::RichText::new(title).strong());
        if response.clicked() {
            actions.push(UiAction::SelectAccount(profile.id.clone()));
        }
        response.context_menu(|ui| {
            if ui.button("Refresh").clicked() {
                actions.push(UiAction::Refresh(profile.id.clone()));
            }
            if ui.button("Edit account…").clicked() {
                actions.push(UiAction::EditProfile(Some(profile.id.clone())));
            }
            if ui.button("Remove account…").clicked() {
                actions.push(UiAction::AskRemoveProfile(profile.id.clone()));
            }
        });
        if state.busy {
            ui.add(egui::Spinner::new()).on_hover_text("Loading…");
        } else if state.failed {
            ui.colored_label(ui.visuals().error_fg_color, "⚠")
                .on_hover_text("The last refresh failed; select the account for details");
        }
    });
    let mut detail = format!("{} · {}", profile.provider().label(), profile.scope_label());
    if let Some(count) = state.key_count {
        detail.push_str(&format!(" · {count} keys"));
    }
    ui.label(egui::RichText::new(detail).small().weak());
    ui.add_space(4.0);
}
