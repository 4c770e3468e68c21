//! The right-hand side panel: the selected key whole (every field the
//! provider gave, full fingerprints, the public key wrapped), the other
//! accounts holding the same key, and the key's actions as buttons.
//!
//! The panel draws only the selected key, so it costs the same with 10 or
//! 10,000 keys; the app computes "Where else" once per selection and table
//! change, not per frame (see `app/details.rs`).

use super::command::{CommandContext, UICommand};
use super::{UiAction, shortcuts};
use crate::providers::{Capabilities, ProviderSpec, RemoteKey};
use crate::state::key_table::kind_label;

/// The panel's accessible name (tests find the panel by it).
pub const PANEL_LABEL: &str = "Key details";

/// Another account whose loaded keys include a key with the same SHA256
/// fingerprint as the selected one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherHolder {
    /// The account's display name.
    pub account: String,
    /// What the key is called there.
    pub key_name: String,
}

/// What the panel shows.
pub struct DetailsView<'a> {
    /// The selected key, if any.
    pub key: Option<&'a RemoteKey>,
    /// The account's provider (actions, the word for its own keys).
    pub spec: &'static ProviderSpec,
    /// Other accounts holding the same key, from their loaded lists.
    pub elsewhere: &'a [OtherHolder],
    /// Accounts whose keys are not loaded (yet, or after an error): "Where
    /// else" cannot speak for them.
    pub unloaded_accounts: usize,
    /// A request about this key is running.
    pub busy: bool,
    /// The `Host` patterns of `~/.ssh/config` naming this key's file.
    pub used_by_hosts: &'a [String],
    /// Whether the ssh-agent holds the key, or why there is no agent;
    /// `None` when unknown (no fingerprint, or not listed yet).
    pub in_agent: Option<Result<bool, String>>,
}

/// Draws the panel's contents (the app owns the `egui::Panel`).
pub fn show(ui: &mut egui::Ui, view: DetailsView<'_>, actions: &mut Vec<UiAction>) {
    ui.scope_builder(
        egui::UiBuilder::new().accessibility_label(PANEL_LABEL),
        |ui| contents(ui, view, actions),
    );
}

fn contents(ui: &mut egui::Ui, view: DetailsView<'_>, actions: &mut Vec<UiAction>) {
    ui.horizontal(|ui| {
        ui.strong("Details");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            // Shorter than the command's palette label: the panel's
            // caption says what is hidden.
            if ui
                .small_button("Hide details")
                .on_hover_text(UICommand::HideDetails.hint())
                .clicked()
            {
                actions.push(UiAction::ShowDetails(false));
            }
        });
    });
    ui.separator();
    let Some(key) = view.key else {
        ui.label("Select a key to see it whole.");
        ui.weak("Click a row, or use the arrow keys. Right-click a row for its actions.");
        return;
    };
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading(key.name.as_str());
                if view.busy {
                    ui.add(egui::Spinner::new());
                }
            });
            ui.horizontal_wrapped(|ui| {
                let context = CommandContext::for_key(key, view.spec.capabilities);
                for command in UICommand::key_commands(key, view.spec.capabilities) {
                    command.button(ui, &context, actions);
                }
            });
            ui.add_space(6.0);
            fields(ui, key, view.spec);
            agent_field(ui, view.in_agent.as_ref());
            ui.add_space(6.0);
            where_else(ui, view.elsewhere, view.unloaded_accounts);
            used_by_hosts(ui, view.used_by_hosts);
        });
}

/// "Used by hosts": shown only for a key some `Host` block names.
fn used_by_hosts(ui: &mut egui::Ui, hosts: &[String]) {
    if hosts.is_empty() {
        return;
    }
    ui.separator();
    ui.strong("Used by hosts");
    ui.weak("Host blocks of ~/.ssh/config whose IdentityFile is this key");
    for host in hosts {
        ui.add(egui::Label::new(egui::RichText::new(host).monospace()).selectable(true));
    }
}

/// One field: a caption, then its value as selectable, wrapping text.
fn field(ui: &mut egui::Ui, caption: &str, value: &str, monospace: bool) {
    ui.add_space(2.0);
    ui.weak(caption);
    let text = if monospace {
        egui::RichText::new(value).monospace()
    } else {
        egui::RichText::new(value)
    };
    ui.add(egui::Label::new(text).wrap().selectable(true));
}

fn optional_field(ui: &mut egui::Ui, caption: &str, value: Option<&str>, monospace: bool) {
    match value.filter(|text| !text.is_empty()) {
        Some(text) => field(ui, caption, text, monospace),
        None => field(ui, caption, "—", false),
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

fn fields(ui: &mut egui::Ui, key: &RemoteKey, spec: &'static ProviderSpec) {
    field(ui, "ID", &key.id, true);
    field(ui, "Kind", &kind_label(key, spec.account_key_kind), false);
    let algorithm = match (key.algorithm_shown(), key.algorithm.as_deref()) {
        (Some(shown), Some(name)) if shown != name => Some(format!("{shown} ({name})")),
        (shown, name) => shown.or(name).map(str::to_string),
    };
    optional_field(ui, "Algorithm and size", algorithm.as_deref(), false);
    if key.weak {
        super::warning_line(ui, "⚠ This key type is weak.");
    }
    if let Some(details) = &key.algorithm_details {
        field(ui, "About this key type", details, false);
    }
    optional_field(
        ui,
        "SHA256 fingerprint",
        key.fingerprint_sha256.as_deref(),
        true,
    );
    optional_field(ui, "MD5 fingerprint", key.fingerprint_md5.as_deref(), true);
    if let Some(warning) = &key.fingerprint_warning {
        super::warning_line(ui, &format!("⚠ {warning}"));
    }
    ui.add_space(2.0);
    ui.weak("Public key");
    match &key.public_key {
        Some(public_key) => {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.add(
                    egui::Label::new(egui::RichText::new(public_key).monospace())
                        .wrap()
                        .selectable(true),
                );
            });
        }
        None => {
            ui.label("Not available: the provider does not return this key's public key.");
        }
    }
    optional_field(ui, "Comment", key.comment.as_deref(), false);
    // One date form everywhere people read dates (see `crate::dates`).
    let created = key.created_at.as_deref().map(crate::dates::human);
    let updated = key.updated_at.as_deref().map(crate::dates::human);
    optional_field(ui, "Created", created.as_deref(), false);
    optional_field(ui, "Updated", updated.as_deref(), false);
    lifetime_and_labels(ui, key, spec.capabilities);
    if let Some(shared) = key.shared_in_project {
        field(ui, "Shared with the project", yes_no(shared), false);
    }
    if let Some(default) = key.is_default {
        field(ui, "Default key", yes_no(default), false);
    }
    if let Some(state) = &key.state {
        field(ui, "State", state, false);
    }
}

/// "Expires" where the provider has expiry ("never" for a key without),
/// and "Labels" where it has labels ("none" for a key without).
fn lifetime_and_labels(ui: &mut egui::Ui, key: &RemoteKey, capabilities: Capabilities) {
    if capabilities.expiry {
        let expires = key.expires_at.as_deref().map(crate::dates::human);
        field(ui, "Expires", expires.as_deref().unwrap_or("never"), false);
    }
    if capabilities.labels {
        let labels = crate::state::key_table::labels_text(key);
        let shown = if labels.is_empty() {
            "none"
        } else {
            labels.as_str()
        };
        field(ui, "Labels", shown, true);
    }
}

/// "In the ssh-agent": yes, no, or "no agent" with the reason.
fn agent_field(ui: &mut egui::Ui, in_agent: Option<&Result<bool, String>>) {
    let text = match in_agent {
        None => return,
        Some(Ok(true)) => "yes".to_string(),
        Some(Ok(false)) => "no".to_string(),
        Some(Err(reason)) => reason.clone(),
    };
    field(ui, "In the ssh-agent", &text, false);
}

fn where_else(ui: &mut egui::Ui, elsewhere: &[OtherHolder], unloaded_accounts: usize) {
    ui.separator();
    ui.strong("Where else");
    if elsewhere.is_empty() {
        ui.label("No other account holds this key.");
    }
    for holder in elsewhere {
        ui.label(format!("{} (as \"{}\")", holder.account, holder.key_name));
    }
    if unloaded_accounts > 0 {
        ui.weak(format!(
            "{unloaded_accounts} account(s) not loaded are not searched."
        ));
    }
}

/// The tooltip of a control that shows the details panel.
pub fn show_tooltip(response: egui::Response) -> egui::Response {
    shortcuts::tooltip(response, UICommand::ShowDetails.hint(), &shortcuts::DETAILS)
}
