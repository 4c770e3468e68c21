//! Rename a key (providers whose keys can be renamed).

use super::{UiAction, error_line, labeled_text};
use crate::backend::RequestId;
use crate::providers::{ProviderKind, RemoteKey};

/// The dialog's state.
#[derive(Debug)]
pub struct RenameModal {
    /// The key.
    pub key: RemoteKey,
    /// Its provider, whose name rules apply.
    pub provider: ProviderKind,
    /// New name typed.
    pub name: String,
    /// Rename in flight.
    pub pending: Option<RequestId>,
    /// Why it failed.
    pub error: Option<String>,
}

impl RenameModal {
    /// A dialog renaming `key`, a key of `provider`.
    pub fn new(key: RemoteKey, provider: ProviderKind) -> Self {
        Self {
            name: key.name.clone(),
            key,
            provider,
            pending: None,
            error: None,
        }
    }

    /// Draws the dialog; returns false when it should close.
    pub fn show(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) -> bool {
        let mut open = true;
        let modal = egui::Modal::new(egui::Id::unique("rename_modal")).show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading(format!("Rename \"{}\"", self.key.name));
            labeled_text(ui, "New name:", &mut self.name);
            if let Some(error) = &self.error {
                error_line(ui, error);
            }
            ui.horizontal(|ui| {
                let busy = self.pending.is_some();
                if ui.add_enabled(!busy, egui::Button::new("Rename")).clicked() {
                    match self.provider.validate_key_name(self.name.trim()) {
                        Ok(()) => actions.push(UiAction::Rename(
                            self.key.clone(),
                            self.name.trim().to_string(),
                        )),
                        Err(err) => self.error = Some(err.message),
                    }
                }
                if busy {
                    ui.add(egui::Spinner::new());
                }
                if ui.add_enabled(!busy, egui::Button::new("Cancel")).clicked() {
                    open = false;
                }
            });
        });
        if modal.should_close() && self.pending.is_none() {
            open = false;
        }
        open
    }
}
