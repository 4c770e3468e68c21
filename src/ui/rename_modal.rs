//! Rename a key, and edit its labels where the provider has them
//! (providers whose keys can be renamed).

use std::collections::BTreeMap;

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};
use super::{error_line, form};
use crate::backend::{Backend, Command, Pending, take_answer};
use crate::providers::{ApiError, ProviderKind, RemoteKey, model};
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
    /// The labels typed, as `key=value` pairs separated by commas (only
    /// where the provider has labels).
    pub labels: String,
    /// The rename in flight, owned here until it answers.
    pending: Option<Pending<Result<RemoteKey, ApiError>>>,
    /// Whether the request in flight changes the labels (for the notice).
    relabelling: bool,
    /// Why it failed.
    pub error: Option<String>,
}

impl RenameModal {
    /// A dialog renaming `key`, a key of `profile`.
    pub fn new(profile: Profile, key: RemoteKey) -> Self {
        Self {
            name: key.name.to_string(),
            labels: crate::state::key_table::labels_text(&key),
            profile,
            key,
            pending: None,
            relabelling: false,
            error: None,
        }
    }

    fn provider(&self) -> ProviderKind {
        self.profile.provider()
    }

    /// Whether the provider's keys carry labels the user can edit here.
    fn has_labels(&self) -> bool {
        self.provider().capabilities().labels
    }

    /// True while the rename is in flight.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Applies the answer to the rename, if it arrived: the renamed key
    /// closes the dialog; a refusal keeps it open, showing why.
    fn take_answer(&mut self) -> Step {
        match take_answer(&mut self.pending) {
            None => Step::Keep,
            Some(Ok(key)) => Step::Done(Outcome::KeyUpdated(
                self.profile.id.clone(),
                Box::new(key),
                if self.relabelling {
                    "Updated"
                } else {
                    "Renamed"
                },
            )),
            Some(Err(err)) => {
                self.error = Some(err.to_string());
                Step::Tell(Outcome::Failed("Update failed", err))
            }
        }
    }

    /// Draws the dialog; sends the rename itself.
    fn draw(&mut self, ctx: &egui::Context, backend: &Backend) -> Step {
        let mut step = Step::Keep;
        let has_labels = self.has_labels();
        let shown = ModalFrame::new("rename_modal", 420.0).show(ctx, |ui| {
            ui.heading(if has_labels {
                format!("Rename or relabel \"{}\"", self.key.name)
            } else {
                format!("Rename \"{}\"", self.key.name)
            });
            form::grid(ui, "rename_fields", |ui| {
                form::text_row(ui, "New name:", &mut self.name);
                if has_labels {
                    form::text_row(ui, "Labels:", &mut self.labels);
                    form::note_row(ui, |ui| {
                        ui.weak("key=value, separated by commas (env=prod, team=ml); empty removes every label.")
                    });
                }
                if let Some(error) = &self.error {
                    form::note_row(ui, |ui| error_line(ui, error));
                }
            });
            ui.horizontal(|ui| {
                let busy = self.is_busy();
                let button = if has_labels { "Save" } else { "Rename" };
                if ui.add_enabled(!busy, egui::Button::new(button)).clicked() {
                    self.send(backend);
                }
                if busy {
                    ui.add(egui::Spinner::new());
                }
                if ui.add_enabled(!busy, egui::Button::new("Cancel")).clicked() {
                    step = Step::Close;
                }
            });
        });
        if shown.dismissed(self.is_busy()) {
            step = Step::Close;
        }
        step
    }

    /// The labels to send: `None` when unchanged (or the provider has
    /// none); an error naming the label at fault when they do not parse.
    fn changed_labels(&self) -> Result<Option<BTreeMap<String, String>>, String> {
        if !self.has_labels() {
            return Ok(None);
        }
        let labels = model::parse_labels(&self.labels)?;
        let unchanged = match &self.key.labels {
            Some(current) => *current == labels,
            None => labels.is_empty(),
        };
        Ok((!unchanged).then_some(labels))
    }

    /// Checks the name with the provider's rules and the labels with the
    /// label rules, then asks for the change; nothing is sent on an error.
    fn send(&mut self, backend: &Backend) {
        let name = self.name.trim().to_string();
        if let Err(err) = self.provider().validate_key_name(&name) {
            self.error = Some(err.message);
            return;
        }
        let labels = match self.changed_labels() {
            Ok(labels) => labels,
            Err(reason) => {
                self.error = Some(format!("Labels: {reason}"));
                return;
            }
        };
        self.error = None;
        self.relabelling = labels.is_some();
        let (profile, key) = (self.profile.clone(), self.key.clone());
        self.pending = Some(backend.request(|reply| Command::RenameKey {
            reply,
            profile,
            key,
            name: Some(name),
            labels,
        }));
    }
}

impl Modal for RenameModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.draw(ctx, cx.backend)
    }

    fn poll(&mut self) -> Step {
        self.take_answer()
    }

    fn layer(&self) -> Layer {
        Layer::Dialog
    }

    fn busy_with(&self) -> Option<(&str, Option<&str>)> {
        self.is_busy()
            .then_some((self.profile.id.as_str(), Some(self.key.id.as_str())))
    }
}
