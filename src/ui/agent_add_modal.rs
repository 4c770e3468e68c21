//! "Add to agent": load a private key file into the ssh-agent, for a
//! while or until logout, optionally asking before each use (the
//! `ssh-add -t`/`-c` constraints). The passphrase of an encrypted key is
//! typed into a masked field held in a zeroizing buffer, sent to the
//! backend only to decrypt the key there, and never stored.

use std::path::PathBuf;

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};
use super::{error_line, form};
use crate::backend::{Backend, Command, Pending};
use crate::inventory::agent::{AddOptions, AgentDone, AgentError, AgentReport, AgentRequest};
use crate::keys::SecretString;

/// How long the agent keeps the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifetime {
    /// No time limit: until it is removed or the agent stops (at logout,
    /// for a session's agent).
    UntilLogout,
    /// One hour.
    OneHour,
    /// Eight hours (a working day).
    EightHours,
}

impl Lifetime {
    /// Every choice, in the dialog's order.
    pub const ALL: [Lifetime; 3] = [Self::UntilLogout, Self::OneHour, Self::EightHours];

    /// The choice's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::UntilLogout => "No limit (until logout)",
            Self::OneHour => "1 hour",
            Self::EightHours => "8 hours",
        }
    }

    /// As the agent's lifetime constraint, in seconds.
    pub fn seconds(self) -> Option<u32> {
        match self {
            Self::UntilLogout => None,
            Self::OneHour => Some(3600),
            Self::EightHours => Some(8 * 3600),
        }
    }
}

/// The dialog's state.
#[derive(Debug)]
pub struct AgentAddModal {
    /// What the key is called.
    pub name: String,
    /// Its private key file.
    pub path: PathBuf,
    /// How long the agent keeps it.
    pub lifetime: Lifetime,
    /// Ask before each use.
    pub confirm: bool,
    /// Typed passphrase (zeroized on drop, never stored).
    pub passphrase: SecretString,
    pending: Option<Pending<AgentReport>>,
    /// Why the last try failed.
    pub error: Option<String>,
    /// Opened over another dialog (the rotation's pause page), which
    /// stays open under it.
    over_dialog: bool,
}

impl AgentAddModal {
    /// A dialog adding the key in `path`.
    pub fn new(name: String, path: PathBuf) -> Self {
        Self {
            name,
            path,
            lifetime: Lifetime::UntilLogout,
            confirm: false,
            passphrase: SecretString::default(),
            pending: None,
            error: None,
            over_dialog: false,
        }
    }

    /// The same dialog, opened over another one instead of replacing it.
    pub fn over_dialog(mut self) -> Self {
        self.over_dialog = true;
        self
    }

    fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    fn send(&mut self, backend: &Backend) {
        self.error = None;
        let request = AgentRequest::Add {
            path: self.path.clone(),
            passphrase: (!self.passphrase.is_empty()).then(|| self.passphrase.clone()),
            options: AddOptions {
                lifetime_seconds: self.lifetime.seconds(),
                confirm: self.confirm,
            },
        };
        self.pending = Some(backend.request(|reply| Command::Agent { reply, request }));
    }

    /// The answer: added closes the dialog; a passphrase problem or a
    /// refusal stays, saying so.
    fn take_answer(&mut self) -> Step {
        let Some(pending) = &mut self.pending else {
            return Step::Keep;
        };
        let Some(answer) = pending.try_take() else {
            return Step::Keep;
        };
        self.pending = None;
        let report = match answer {
            Ok(report) => report,
            Err(lost) => {
                self.error = Some(String::from(lost));
                return Step::Keep;
            }
        };
        match &report.done {
            Ok(AgentDone::Added(_)) => Step::Done(Outcome::AgentChanged(Box::new(report))),
            Ok(_) => Step::Keep,
            Err(err) => {
                if matches!(err, AgentError::WrongPassphrase) {
                    self.passphrase = SecretString::default();
                }
                self.error = Some(err.to_string());
                Step::Keep
            }
        }
    }

    fn draw(&mut self, ctx: &egui::Context, backend: &Backend) -> Step {
        let mut step = Step::Keep;
        let shown = ModalFrame::new("agent_add_modal", 480.0).show(ctx, |ui| {
            ui.heading(format!("Add \"{}\" to the ssh-agent", self.name));
            form::grid(ui, "agent_add_fields", |ui| self.fields(ui));
            ui.horizontal(|ui| {
                let busy = self.is_busy();
                if ui
                    .add_enabled(!busy, egui::Button::new("Add to agent"))
                    .clicked()
                {
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

    fn fields(&mut self, ui: &mut egui::Ui) {
        form::row(ui, "File:", |ui, _| {
            ui.label(self.path.display().to_string());
        });
        form::row(ui, "Keep it:", |ui, _| {
            ui.horizontal(|ui| {
                for choice in Lifetime::ALL {
                    ui.radio_value(&mut self.lifetime, choice, choice.label());
                }
            });
        });
        form::row(ui, "", |ui, _| {
            ui.checkbox(&mut self.confirm, "Confirm each use")
                .on_hover_text(
                    "The agent asks before each signature (ssh-add -c); it needs ssh-askpass to ask",
                );
        });
        form::password_row(ui, "Passphrase:", self.passphrase.expose_mut());
        form::note_row(ui, |ui| {
            ui.weak("Only for a key protected by a passphrase. It is used to decrypt the key here and never stored.");
        });
        if let Some(error) = &self.error {
            form::note_row(ui, |ui| error_line(ui, error));
        }
    }
}

impl Modal for AgentAddModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.draw(ctx, cx.backend)
    }

    fn poll(&mut self) -> Step {
        self.take_answer()
    }

    fn layer(&self) -> Layer {
        if self.over_dialog {
            Layer::OverDialog
        } else {
            Layer::Dialog
        }
    }
}
