//! Rename a key (providers whose keys can be renamed).

use super::{error_line, form};
use crate::backend::{Backend, Command, Pending, take_answer};
use crate::providers::{ApiError, ProviderKind, RemoteKey};
use crate::store::Profile;

/// The dialog's state.
#[derive(Debug)]
pub struct RenameModal {
    /// The account the key is in.
    pub profile: Profile,
    /// The key.
    pub key: RemoteKey,
    /// New name typed.
    pub name: String,
    /// The rename in flight, owned here until it answers.
    pending: Option<Pending<Result<RemoteKey, ApiError>>>,
    /// Why it failed.
    pub error: Option<String>,
}

/// What happened this frame.
#[derive(Debug)]
pub enum RenameResult {
    /// Keep showing.
    Open,
    /// Closed without renaming.
    Cancelled,
    /// The provider renamed the key: the updated key.
    Renamed(Box<RemoteKey>),
    /// The provider refused; the dialog stays open showing why.
    Failed(ApiError),
}

impl RenameModal {
    /// A dialog renaming `key`, a key of `profile`.
    pub fn new(profile: Profile, key: RemoteKey) -> Self {
        Self {
            name: key.name.to_string(),
            profile,
            key,
            pending: None,
            error: None,
        }
    }

    fn provider(&self) -> ProviderKind {
        self.profile.provider()
    }

    /// True while the rename is in flight.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Applies the answer to the rename, if it arrived.
    pub fn poll(&mut self) -> RenameResult {
        match take_answer(&mut self.pending) {
            None => RenameResult::Open,
            Some(Ok(key)) => RenameResult::Renamed(Box::new(key)),
            Some(Err(err)) => {
                self.error = Some(err.to_string());
                RenameResult::Failed(err)
            }
        }
    }

    /// Draws the dialog; sends the rename itself.
    pub fn show(&mut self, ctx: &egui::Context, backend: &Backend) -> RenameResult {
        let mut result = RenameResult::Open;
        let modal = egui::Modal::new(egui::Id::unique("rename_modal")).show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading(format!("Rename \"{}\"", self.key.name));
            form::grid(ui, "rename_fields", |ui| {
                form::text_row(ui, "New name:", &mut self.name);
                if let Some(error) = &self.error {
                    form::note_row(ui, |ui| error_line(ui, error));
                }
            });
            ui.horizontal(|ui| {
                let busy = self.is_busy();
                if ui.add_enabled(!busy, egui::Button::new("Rename")).clicked() {
                    self.send(backend);
                }
                if busy {
                    ui.add(egui::Spinner::new());
                }
                if ui.add_enabled(!busy, egui::Button::new("Cancel")).clicked() {
                    result = RenameResult::Cancelled;
                }
            });
        });
        if modal.should_close() && !self.is_busy() {
            result = RenameResult::Cancelled;
        }
        result
    }

    /// Checks the name with the provider's rules, then asks for the rename.
    fn send(&mut self, backend: &Backend) {
        let name = self.name.trim().to_string();
        if let Err(err) = self.provider().validate_key_name(&name) {
            self.error = Some(err.message);
            return;
        }
        let (profile, key) = (self.profile.clone(), self.key.clone());
        self.pending = Some(backend.request(|reply| Command::RenameKey {
            reply,
            profile,
            key,
            name,
        }));
    }
}
