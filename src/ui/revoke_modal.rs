//! Remove one key from every account holding it: the exact list of
//! (account, key name, id) first, one confirmation, then one delete per
//! key with a result per row. A failed row stays marked and "Retry" deletes
//! only what is left.

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};
use super::{error_line, success_line};
use crate::backend::{Backend, Command, Pending};
use crate::providers::{ApiError, RemoteKey};
use crate::store::Profile;

/// One key to delete.
#[derive(Debug)]
pub struct RevokeRow {
    /// The account.
    pub profile: Profile,
    /// The key there.
    pub key: RemoteKey,
    /// What happened.
    pub state: RevokeState,
    /// The copy is linked to the key by its name alone (the account shows
    /// no public key): deleted only when the user ticks `included`.
    pub matched_by_name_only: bool,
    /// Deleted by "Delete"; false for a name-only copy until ticked.
    pub included: bool,
}

/// A row's progress.
#[derive(Debug, Default)]
pub enum RevokeState {
    /// Listed, not deleted yet.
    #[default]
    Planned,
    /// The delete is in flight.
    Deleting(Pending<Result<(), ApiError>>),
    /// Deleted.
    Deleted,
    /// The delete failed; the key is still there.
    Failed(ApiError),
}

/// The dialog's state.
#[derive(Debug)]
pub struct RevokeModal {
    /// What the key is called in the title.
    pub title: String,
    /// Its fingerprint, if known.
    pub sha256: Option<String>,
    /// The keys to delete.
    pub rows: Vec<RevokeRow>,
    /// Accounts the inventory names but whose key is no longer in their
    /// list (already gone): said, not deleted.
    pub missing: Vec<String>,
}

impl RevokeModal {
    /// A dialog deleting `rows`.
    pub fn new(
        title: String,
        sha256: Option<String>,
        rows: Vec<RevokeRow>,
        missing: Vec<String>,
    ) -> Self {
        Self {
            title,
            sha256,
            rows,
            missing,
        }
    }

    /// True while a delete is in flight.
    pub fn is_busy(&self) -> bool {
        self.rows
            .iter()
            .any(|row| matches!(row.state, RevokeState::Deleting(_)))
    }

    /// Applies the answers that arrived.
    fn take_answers(&mut self) {
        for row in &mut self.rows {
            if let RevokeState::Deleting(pending) = &mut row.state
                && let Some(answer) = pending.poll()
            {
                row.state = match answer {
                    Ok(()) => RevokeState::Deleted,
                    Err(err) => RevokeState::Failed(err),
                };
            }
        }
    }

    /// Deletes every row not deleted yet.
    pub fn send(&mut self, backend: &Backend) {
        for row in self.rows.iter_mut().filter(|row| row.included) {
            if matches!(row.state, RevokeState::Planned | RevokeState::Failed(_)) {
                let (profile, key) = (row.profile.clone(), row.key.clone());
                row.state = RevokeState::Deleting(backend.request(|reply| Command::DeleteKey {
                    reply,
                    profile,
                    key,
                }));
            }
        }
    }

    fn changed_accounts(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for row in &self.rows {
            if matches!(row.state, RevokeState::Deleted | RevokeState::Failed(_))
                && !ids.contains(&row.profile.id)
            {
                ids.push(row.profile.id.clone());
            }
        }
        ids
    }

    /// Draws the dialog; sends the deletes itself. On closing, the
    /// accounts that changed are reloaded.
    fn draw(&mut self, ctx: &egui::Context, backend: &Backend) -> Step {
        let mut close = false;
        let shown = ModalFrame::new("revoke_modal", 680.0).show(ctx, |ui| {
            ui.heading(format!("Remove \"{}\" everywhere", self.title));
            if let Some(sha256) = &self.sha256 {
                super::form::grid(ui, "revoke_fields", |ui| {
                    super::form::row(ui, "Fingerprint:", |ui, _| ui.label(egui::RichText::new(sha256).monospace()));
                });
            }
            let left = self
                .rows
                .iter()
                .filter(|row| row.included && !matches!(row.state, RevokeState::Deleted))
                .count();
            ui.label(format!(
                "These {} key(s) will be deleted from their accounts. This cannot be undone: to use the key there again, publish it again.",
                self.rows.iter().filter(|row| row.included).count()
            ));
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| rows_grid(ui, &mut self.rows));
            for account in &self.missing {
                ui.weak(format!(
                    "{account}: no longer in its key list (already removed, or not loaded)"
                ));
            }
            let busy = self.is_busy();
            let any_failed = self
                .rows
                .iter()
                .any(|row| matches!(row.state, RevokeState::Failed(_)));
            ui.horizontal(|ui| {
                let label = if any_failed {
                    format!("Retry the {left} left")
                } else {
                    format!("Delete {left} key(s)")
                };
                let button = egui::Button::new(
                    egui::RichText::new(label).color(egui::Color32::WHITE),
                )
                .fill(egui::Color32::from_rgb(183, 28, 28));
                if left > 0 && ui.add_enabled(!busy, button).clicked() {
                    self.send(backend);
                }
                if busy {
                    ui.add(egui::Spinner::new());
                }
                let close_label = if left == 0 { "Close" } else { "Cancel" };
                if ui.add_enabled(!busy, egui::Button::new(close_label)).clicked() {
                    close = true;
                }
            });
        });
        if (close || shown.dismissed(false)) && !self.is_busy() {
            return Step::Done(Outcome::AccountsChanged(self.changed_accounts()));
        }
        Step::Keep
    }
}

/// The keys to delete, one row each: account, name, id, result.
fn rows_grid(ui: &mut egui::Ui, rows: &mut [RevokeRow]) {
    egui::Grid::new("revoke_rows")
        .num_columns(4)
        .striped(true)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.strong("Account");
            ui.strong("Key name");
            ui.strong("ID");
            ui.strong("Result");
            ui.end_row();
            for row in rows {
                account_cell(ui, row);
                ui.label(row.key.name.as_str());
                ui.monospace(&row.key.id);
                result_cell(ui, row);
                ui.end_row();
            }
        });
}

/// The account, with a tick box and the reason for a copy linked by name
/// alone (left out unless ticked; fixed once its delete was sent).
fn account_cell(ui: &mut egui::Ui, row: &mut RevokeRow) {
    if !row.matched_by_name_only {
        ui.label(&row.profile.name);
        return;
    }
    ui.horizontal(|ui| {
        let planned = matches!(row.state, RevokeState::Planned);
        ui.add_enabled(planned, egui::Checkbox::new(&mut row.included, &row.profile.name));
        ui.colored_label(ui.visuals().warn_fg_color, "⚠ matched by name only")
            .on_hover_text(format!(
                "This account shows no public key for \"{}\": it is linked to this key only because a private key file on this computer has the same name, so it may be another key. It is deleted only if you tick it.",
                row.key.name
            ));
    });
}

/// What happened to a row's key.
fn result_cell(ui: &mut egui::Ui, row: &RevokeRow) {
    match &row.state {
        RevokeState::Planned if !row.included => {
            ui.weak("kept (not ticked)");
        }
        RevokeState::Planned => {
            ui.weak("to delete");
        }
        RevokeState::Deleting(_) => {
            ui.add(egui::Spinner::new());
        }
        RevokeState::Deleted => success_line(ui, "✔ deleted"),
        RevokeState::Failed(err) => error_line(ui, &format!("failed: {}", err.message)),
    }
}

impl Modal for RevokeModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.draw(ctx, cx.backend)
    }

    fn poll(&mut self) -> Step {
        self.take_answers();
        Step::Keep
    }

    fn layer(&self) -> Layer {
        Layer::Dialog
    }
}
