//! "Convert to OpenSSH…" for a PuTTY `.ppk` key on this computer: writes an
//! OpenSSH private key (and its `.pub`) with Keyfleet's safe save: a new
//! file, mode 0600, read back. The `.ppk` is left as it is.

use std::path::{Path, PathBuf};

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};
use super::{error_line, form};
use crate::backend::{Backend, Command, Pending, take_answer};

/// The dialog's state.
#[derive(Debug)]
pub struct ConvertPpkModal {
    /// The `.ppk` file.
    source: PathBuf,
    /// Where the OpenSSH key goes (typed).
    target: String,
    pending: Option<Pending<Result<PathBuf, String>>>,
    error: Option<String>,
}

/// The suggested OpenSSH file: beside the `.ppk`, named without `.ppk`
/// (`key-openssh` when that name is taken).
pub fn suggested_target(source: &Path) -> PathBuf {
    let plain = source.with_extension("");
    if plain.exists() || crate::keys::save::public_path_for(&plain).exists() {
        let name = plain.file_name().unwrap_or_default().to_string_lossy();
        plain.with_file_name(format!("{name}-openssh"))
    } else {
        plain
    }
}

impl ConvertPpkModal {
    /// A dialog converting the `.ppk` at `source`.
    pub fn new(source: PathBuf) -> Self {
        Self {
            target: suggested_target(&source).display().to_string(),
            source,
            pending: None,
            error: None,
        }
    }

    fn draw(&mut self, ctx: &egui::Context, backend: &Backend) -> Step {
        let mut step = Step::Keep;
        let busy = self.pending.is_some();
        let shown = ModalFrame::new("convert_ppk_modal", 560.0).show(ctx, |ui| {
            ui.heading("Convert a PuTTY key to OpenSSH");
            form::grid(ui, "convert_ppk_fields", |ui| {
                form::row(ui, "PuTTY key:", |ui, _| {
                    ui.label(self.source.display().to_string())
                });
                form::text_row(ui, "Save as:", &mut self.target);
                form::note_row(ui, |ui| {
                    ui.weak("A new file (never replacing one), readable only by you, with the .pub beside it. The .ppk stays as it is.");
                });
                if let Some(error) = &self.error {
                    form::note_row(ui, |ui| error_line(ui, error));
                }
            });
            ui.horizontal(|ui| {
                if ui.add_enabled(!busy, egui::Button::new("Convert")).clicked() {
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
        if shown.dismissed(busy) {
            step = Step::Close;
        }
        step
    }

    fn send(&mut self, backend: &Backend) {
        let target = PathBuf::from(self.target.trim());
        if !target.is_absolute() {
            self.error = Some("Give the full path of the new file.".into());
            return;
        }
        self.error = None;
        let source = self.source.clone();
        self.pending = Some(backend.request(|reply| Command::ConvertPpk {
            reply,
            source,
            target,
        }));
    }
}

impl Modal for ConvertPpkModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.draw(ctx, cx.backend)
    }

    fn poll(&mut self) -> Step {
        match take_answer(&mut self.pending) {
            None => Step::Keep,
            Some(Ok(path)) => Step::Done(Outcome::PrivateKeySaved(path)),
            Some(Err(message)) => {
                self.error = Some(message);
                Step::Keep
            }
        }
    }

    fn layer(&self) -> Layer {
        Layer::Dialog
    }
}
