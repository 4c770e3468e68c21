//! The save-once dialog for a private key the user has not saved yet (shown
//! once by Gcore, or generated locally). It cannot be dismissed: the key is
//! saved, or discarded after a second confirmation.

use super::{UiAction, error_line, labeled_text};
use crate::backend::RequestId;
use crate::keys::SecretString;
use crate::keys::save::SavedKey;

/// A private key waiting to be saved.
#[derive(Debug)]
pub struct PendingPrivateKey {
    /// What it is, for the heading.
    pub title: String,
    /// The private key.
    pub private_key: SecretString,
    /// Its public key line.
    pub public_key: String,
    /// Its SHA256 fingerprint.
    pub fingerprint: String,
    /// Passphrase, when encrypted (to verify the saved file).
    pub passphrase: Option<SecretString>,
    /// File name the save dialog suggests.
    pub suggested_name: String,
    /// A path typed by the user.
    pub path_text: String,
    /// Save in flight.
    pub saving: Option<RequestId>,
    /// Why the last save failed.
    pub error: Option<String>,
    /// The user pressed "Discard" once.
    pub confirm_discard: bool,
    /// Where it was saved.
    pub saved: Option<SavedKey>,
    /// A note shown above the buttons (e.g. the public key is on the clipboard).
    pub note: Option<String>,
}

impl PendingPrivateKey {
    /// A key to save.
    pub fn new(
        title: impl Into<String>,
        private_key: SecretString,
        public_key: String,
        fingerprint: String,
        passphrase: Option<SecretString>,
        suggested_name: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            private_key,
            public_key,
            fingerprint,
            passphrase,
            suggested_name: suggested_name.into(),
            path_text: String::new(),
            saving: None,
            error: None,
            confirm_discard: false,
            saved: None,
            note: None,
        }
    }
}

/// A file name made from a key name: `id_<name>` with unsafe characters replaced.
pub fn suggested_file_name(key_name: &str) -> String {
    let cleaned: String = key_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("id_{}", cleaned.trim_matches('.'))
}

/// Draws the dialog for `key`.
pub fn show(
    ctx: &egui::Context,
    key: &mut PendingPrivateKey,
    remaining: usize,
    actions: &mut Vec<UiAction>,
) {
    // `should_close` is ignored on purpose: Escape or a click outside must
    // not lose a key that cannot be fetched again.
    let _ = egui::Modal::new(egui::Id::unique("private_key_modal")).show(ctx, |ui| {
        ui.set_width(600.0);
        ui.heading(&key.title);
        if remaining > 1 {
            ui.label(format!("{} more unsaved private key(s) after this one.", remaining - 1));
        }
        ui.add_space(6.0);
        if let Some(saved) = &key.saved {
            ui.label(format!("✔ Private key saved to {} (mode 0600).", saved.private_path.display()));
            ui.label(format!("Public key saved to {}.", saved.public_path.display()));
            ui.label("Both files were read back and match the key.");
            ui.add_space(6.0);
            if ui.button("Done").clicked() {
                actions.push(UiAction::DonePrivateKey);
            }
            return;
        }
        ui.label(
            egui::RichText::new(
                "This private key exists only in Keyfleet's memory. Save it now: it cannot be shown again.",
            )
            .strong(),
        );
        ui.label(format!("Public key fingerprint: {}", key.fingerprint));
        if let Some(note) = &key.note {
            ui.label(note);
        }
        ui.horizontal(|ui| {
            if ui.button("Copy public key").clicked() {
                actions.push(UiAction::Copy {
                    text: key.public_key.clone(),
                    what: "public key",
                });
            }
        });
        ui.separator();
        let busy = key.saving.is_some();
        ui.horizontal(|ui| {
            if ui.add_enabled(!busy, egui::Button::new("💾 Save private key…")).clicked() {
                key.confirm_discard = false;
                actions.push(UiAction::SavePrivateKey(None));
            }
            if busy {
                ui.add(egui::Spinner::new());
                ui.label("Saving…");
            }
        });
        ui.horizontal(|ui| {
            labeled_text(ui, "Or save to path:", &mut key.path_text);
            if ui
                .add_enabled(!busy && !key.path_text.trim().is_empty(), egui::Button::new("Save to this path"))
                .clicked()
            {
                key.confirm_discard = false;
                actions.push(UiAction::SavePrivateKey(Some(expand_home(key.path_text.trim()))));
            }
        });
        ui.label(
            egui::RichText::new("The file is created new with mode 0600 (never overwritten); the .pub file is written beside it.")
                .small()
                .weak(),
        );
        if let Some(error) = &key.error {
            error_line(ui, error);
        }
        ui.separator();
        if key.confirm_discard {
            error_line(ui, "Discard this private key forever? Anything using it will need a new key.");
            ui.horizontal(|ui| {
                if ui.button("Yes, discard it").clicked() {
                    actions.push(UiAction::DiscardPrivateKey);
                }
                if ui.button("No, keep it").clicked() {
                    key.confirm_discard = false;
                }
            });
        } else if ui.add_enabled(!busy, egui::Button::new("Discard private key…")).clicked() {
            key.confirm_discard = true;
        }
    });
}

/// `~/x` → `$HOME/x`, so typed paths work like in a shell.
pub fn expand_home(path: &str) -> std::path::PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = directories::UserDirs::new().map(|dirs| dirs.home_dir().to_path_buf())
    {
        return home.join(rest);
    }
    std::path::PathBuf::from(path)
}
