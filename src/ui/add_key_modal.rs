//! "Add key": paste or open a public key, or a private key for providers
//! that store one, name it, and upload; or ask a provider that can to
//! generate the pair.

use super::form::{self, note_row};
use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};
use super::{UiAction, error_line, warning_line};
use crate::backend::{Backend, Command, CreateOutcome, FileKind, LoadedFile, Pending, take_answer};
use crate::keys::KeyError;
use crate::keys::SecretString;
use crate::keys::private::{UploadKeyCheck, check_private_key_for_upload};
use crate::keys::public::parse_public_key;
use crate::providers::{ApiError, KeyScope, NewKey, NewKeyMaterial, StoredMaterial};
use crate::store::Profile;

/// Upload a public key, or let the server generate the pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddMode {
    /// Upload a public key.
    Upload,
    /// The server generates an Ed25519 pair and returns the private key once.
    GenerateOnServer,
}

/// The dialog's state. `Debug` redacts the public key box unless it holds
/// a valid public key (a private key may have been pasted there by mistake).
pub struct AddKeyModal {
    /// The account.
    pub profile: Profile,
    /// Upload or server generation.
    pub mode: AddMode,
    /// Name typed.
    pub name: String,
    /// Public key text.
    pub public_key: String,
    /// Private key text (providers that store one). Only ever held here, zeroized on drop:
    /// once read it is shown as a summary, never as text.
    pub private_key: SecretString,
    /// What `private_key` is, checked once when it was loaded.
    private_key_check: Option<Result<UploadKeyCheck, KeyError>>,
    /// Shared in project (providers that share keys).
    pub shared_in_project: bool,
    /// Where the key goes: an index into the provider's key scopes.
    pub scope_index: usize,
    /// The expiry date typed (`YYYY-MM-DD`, empty = never), where the
    /// provider has expiry.
    pub expires: String,
    /// A path typed instead of using the file dialog.
    pub path_text: String,
    /// File open in flight, owned here until it answers.
    file_pending: Option<Pending<Result<Option<LoadedFile>, String>>>,
    /// The create in flight, owned here until it answers.
    pending: Option<Pending<Result<CreateOutcome, ApiError>>>,
    /// Why the last attempt failed (fields are kept).
    pub error: Option<String>,
}

impl std::fmt::Debug for AddKeyModal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddKeyModal")
            .field("profile", &self.profile)
            .field("mode", &self.mode)
            .field("name", &self.name)
            .field(
                "public_key",
                &NewKeyMaterial::PublicKey(self.public_key.clone()),
            )
            .field("private_key", &self.private_key)
            .field("shared_in_project", &self.shared_in_project)
            .field("scope_index", &self.scope_index)
            .field("path_text", &self.path_text)
            .field("file_pending", &self.file_pending)
            .field("pending", &self.pending)
            .field("error", &self.error)
            .finish()
    }
}

/// The id of the private-key paste box, whose egui state (undo history)
/// must never keep a key.
pub fn private_key_paste_id() -> egui::Id {
    egui::Id::unique("keyfleet.add_key.private_key_paste")
}

impl AddKeyModal {
    /// A dialog for adding to `profile`.
    pub fn new(profile: Profile) -> Self {
        Self {
            profile,
            mode: AddMode::Upload,
            name: String::new(),
            public_key: String::new(),
            private_key: SecretString::default(),
            private_key_check: None,
            shared_in_project: true,
            scope_index: 0,
            expires: String::new(),
            path_text: String::new(),
            file_pending: None,
            pending: None,
            error: None,
        }
    }

    fn wants_private_key(&self) -> bool {
        self.profile.provider().capabilities().stores == StoredMaterial::PrivateKey
    }

    /// True while the key is being sent.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Applies the answers that arrived: a file read fills the fields, a
    /// create ends the dialog's work (or shows why not: the provider
    /// refused, and the dialog stays open, fields kept, showing why).
    fn take_answers(&mut self) -> Step {
        if let Some(result) = take_answer(&mut self.file_pending) {
            self.on_file(result);
        }
        let answer = match &mut self.pending {
            None => return Step::Keep,
            Some(pending) => pending.poll(),
        };
        let Some(answer) = answer else {
            return Step::Keep;
        };
        self.pending = None;
        match answer {
            Ok(created) => Step::Done(Outcome::KeyCreated(
                self.profile.id.clone(),
                Box::new(created),
            )),
            Err(err) => {
                self.error = Some(err.to_string());
                Step::Tell(Outcome::Failed("Adding the key failed", err))
            }
        }
    }

    /// Fills the fields from an opened file.
    fn on_file(&mut self, result: Result<Option<LoadedFile>, String>) {
        match result {
            Ok(None) => {}
            Ok(Some(LoadedFile::Public { path, key })) => {
                self.error = None;
                self.public_key = key.openssh;
                self.default_name_from(&path);
            }
            Ok(Some(LoadedFile::Private { path, text, .. })) => {
                self.error = None;
                self.load_private_key(text);
                self.default_name_from(&path);
            }
            Err(message) => self.error = Some(message),
        }
    }

    /// Takes a private key (pasted or read from a file) and checks it once.
    pub fn load_private_key(&mut self, text: SecretString) {
        self.private_key_check = (!text.is_empty()).then(|| check_private_key_for_upload(&text));
        self.private_key = text;
    }

    /// Forgets the loaded private key (its memory is zeroized).
    fn clear_private_key(&mut self) {
        self.private_key = SecretString::default();
        self.private_key_check = None;
    }

    fn default_name_from(&mut self, path: &std::path::Path) {
        if self.name.trim().is_empty()
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            self.name = stem.to_string();
        }
    }

    /// Where a new key can go in this account, with labels.
    fn scopes(&self) -> Vec<(KeyScope, String)> {
        (self.profile.provider().spec().key_scopes)(&self.profile.settings)
    }

    /// Checks the name with the provider's rules.
    fn check_name(&self) -> Result<(), String> {
        self.profile
            .provider()
            .validate_key_name(self.name.trim())
            .map_err(|err| err.message)
    }

    /// Checks the fields and says what to send, or what is wrong.
    pub fn build(&self) -> Result<NewKey, String> {
        self.check_name()?;
        let name = self.name.trim().to_string();
        let material = if self.wants_private_key() {
            check_private_key_for_upload(&self.private_key).map_err(|err| err.to_string())?;
            NewKeyMaterial::PrivateKey(self.private_key.clone())
        } else if self.mode == AddMode::GenerateOnServer {
            NewKeyMaterial::GenerateOnServer
        } else {
            let parsed = self
                .profile
                .provider()
                .check_public_key(&self.public_key)
                .map_err(|err| err.message)?;
            NewKeyMaterial::PublicKey(parsed.openssh)
        };
        let expires_at = if self.profile.provider().capabilities().expiry {
            crate::ops::publish::parse_expiry(&self.expires, crate::clock::now_utc().date())?
        } else {
            None
        };
        let scope = self
            .scopes()
            .into_iter()
            .nth(self.scope_index)
            .map(|(scope, _)| scope)
            .unwrap_or(KeyScope::Account);
        Ok(NewKey {
            name,
            material,
            shared_in_project: self.shared_in_project,
            scope,
            expires_at,
        })
    }

    /// Checks the fields, then sends the create.
    fn send(&mut self, backend: &Backend) {
        let new_key = match self.build() {
            Ok(new_key) => new_key,
            Err(message) => {
                self.error = Some(message);
                return;
            }
        };
        self.error = None;
        let profile = self.profile.clone();
        self.pending = Some(backend.request(|reply| Command::CreateKey {
            reply,
            profile,
            new_key,
        }));
    }

    /// Draws the dialog; sends its requests itself.
    fn draw(
        &mut self,
        ctx: &egui::Context,
        backend: &Backend,
        actions: &mut Vec<UiAction>,
    ) -> Step {
        let mut step = Step::Keep;
        let capabilities = self.profile.provider().capabilities();
        let title = match capabilities.stores {
            StoredMaterial::PrivateKey => format!("Add private key to {}", self.profile.name),
            StoredMaterial::PublicKey => format!("Add key to {}", self.profile.name),
        };
        let shown = ModalFrame::new("add_key_modal", 620.0).show(ctx, |ui| {
            ui.heading(title);
            ui.add_space(6.0);
            form::grid(ui, "add_key_fields", |ui| {
                self.field_rows(ui, backend, actions)
            });
            if let Some(error) = &self.error {
                error_line(ui, error);
            }
            ui.separator();
            if self.submit_row(ui, backend) {
                step = Step::Close;
            }
        });
        if shown.dismissed(self.is_busy()) {
            step = Step::Close;
        }
        step
    }

    /// Every field, one grid row each (checks and hints under their field).
    fn field_rows(&mut self, ui: &mut egui::Ui, backend: &Backend, actions: &mut Vec<UiAction>) {
        let capabilities = self.profile.provider().capabilities();
        if capabilities.server_generate {
            form::row(ui, "Key:", |ui, _| {
                ui.radio_value(&mut self.mode, AddMode::Upload, "Upload a public key");
                ui.radio_value(
                    &mut self.mode,
                    AddMode::GenerateOnServer,
                    "Generate on server (Ed25519)",
                );
            });
        }
        form::text_row(ui, "Name:", &mut self.name);
        if !self.name.is_empty()
            && let Err(reason) = self.check_name()
        {
            note_row(ui, |ui| error_line(ui, &reason));
        }
        if self.wants_private_key() {
            self.private_key_fields(ui, backend, actions);
        } else if self.mode == AddMode::Upload {
            self.public_key_fields(ui, backend);
        } else {
            let provider = self.profile.provider().label();
            note_row(ui, |ui| {
                ui.label(format!(
                    "{provider} generates the key pair and shows the private key once: you will be asked to save it."
                ))
            });
        }
        if capabilities.share {
            note_row(ui, |ui| {
                ui.checkbox(
                    &mut self.shared_in_project,
                    "Shared with all users of the project",
                )
            });
        }
        if capabilities.expiry {
            form::row(ui, "Expires on:", |ui, label| {
                ui.add(
                    egui::TextEdit::singleline(&mut self.expires)
                        .hint_text("YYYY-MM-DD, empty = never")
                        .desired_width(160.0),
                )
                .labelled_by(label)
                .on_hover_text("The date the provider stops accepting the key; leave empty for a key that never expires");
            });
        }
        let scopes = self.scopes();
        if scopes.len() > 1 {
            form::row(ui, "Create as:", |ui, _| {
                ui.vertical(|ui| {
                    for (index, (_, label)) in scopes.iter().enumerate() {
                        ui.radio_value(&mut self.scope_index, index, label);
                    }
                });
            });
        }
    }

    /// The main button and "Cancel"; returns true when cancelled.
    fn submit_row(&mut self, ui: &mut egui::Ui, backend: &Backend) -> bool {
        let mut cancelled = false;
        ui.horizontal(|ui| {
            let busy = self.is_busy();
            let submit = match self.mode {
                AddMode::GenerateOnServer => "Generate",
                AddMode::Upload => "Add key",
            };
            if ui.add_enabled(!busy, egui::Button::new(submit)).clicked() {
                self.send(backend);
            }
            if busy {
                ui.add(egui::Spinner::new());
                ui.label("Sending…");
            }
            cancelled = ui.add_enabled(!busy, egui::Button::new("Cancel")).clicked();
        });
        cancelled
    }

    fn file_row(&mut self, ui: &mut egui::Ui, kind: FileKind, backend: &Backend) {
        // Under the key box, in the fields column.
        ui.allocate_space(egui::Vec2::ZERO);
        ui.horizontal(|ui| {
            let button = match kind {
                FileKind::PublicKey => "Open .pub file…",
                FileKind::PrivateKey => "Open private key file…",
            };
            if ui.button(button).clicked() {
                self.open_file(backend, kind, None);
            }
            let label = ui.label("or path:");
            ui.add(egui::TextEdit::singleline(&mut self.path_text).desired_width(200.0))
                .labelled_by(label.id);
            if ui
                .add_enabled(!self.path_text.trim().is_empty(), egui::Button::new("Read"))
                .clicked()
            {
                let path = std::path::PathBuf::from(self.path_text.trim());
                self.open_file(backend, kind, Some(path));
            }
            if self.file_pending.is_some() {
                ui.add(egui::Spinner::new());
            }
        });
        ui.end_row();
    }

    /// Reads a key file (the native dialog when `path` is `None`).
    fn open_file(&mut self, backend: &Backend, kind: FileKind, path: Option<std::path::PathBuf>) {
        self.file_pending =
            Some(backend.request(|reply| Command::OpenKeyFile { reply, kind, path }));
    }

    fn public_key_fields(&mut self, ui: &mut egui::Ui, backend: &Backend) {
        ui.label("Public key:");
        form::field_cell(ui, |ui| {
            // Names the box (screen readers, tests) and says what goes in.
            let label = ui.label(
                egui::RichText::new(
                    "Public key (one line starting with ssh-ed25519, ssh-rsa or ecdsa-…):",
                )
                .small()
                .weak(),
            );
            ui.add(
                egui::TextEdit::multiline(&mut self.public_key)
                    .desired_rows(3)
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Monospace),
            )
            .labelled_by(label.id);
        });
        ui.end_row();
        self.file_row(ui, FileKind::PublicKey, backend);
        if !self.public_key.trim().is_empty() {
            note_row(ui, |ui| self.public_key_check(ui));
        }
    }

    /// What the typed public key is, or why it cannot be used.
    fn public_key_check(&self, ui: &mut egui::Ui) {
        match parse_public_key(&self.public_key) {
            Ok(parsed) => {
                ui.label(format!(
                    "✔ {} · {}",
                    parsed.label, parsed.fingerprint_sha256
                ));
                if let Some(details) = parsed.details() {
                    ui.label(egui::RichText::new(details).weak());
                }
                // Refused kinds are named before anything is sent.
                if let Err(err) = self.profile.provider().check_public_key(&self.public_key) {
                    error_line(ui, &err.message);
                }
            }
            Err(err) => error_line(ui, &err.to_string()),
        }
    }

    fn private_key_fields(
        &mut self,
        ui: &mut egui::Ui,
        backend: &Backend,
        actions: &mut Vec<UiAction>,
    ) {
        if let Some(hint) = self.profile.provider().spec().private_key_hint {
            note_row(ui, |ui| ui.label(hint));
        }
        if self.private_key_check.is_none() {
            ui.label("Private key:");
            form::field_cell(ui, |ui| self.private_key_paste_box(ui));
            ui.end_row();
            self.file_row(ui, FileKind::PrivateKey, backend);
            return;
        }
        ui.label("Private key:");
        let replace = form::field_cell(ui, |ui| self.private_key_summary(ui, actions));
        ui.end_row();
        if replace {
            self.clear_private_key();
        }
    }

    /// The loaded private key (never its text) with "Copy public key" and
    /// "Replace…"; returns true when the user asked to replace it.
    fn private_key_summary(&self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) -> bool {
        let Some(check) = &self.private_key_check else {
            return false;
        };
        let mut replace = false;
        match check {
            Ok(check) => {
                let public = &check.info.public;
                ui.label(format!(
                    "🔑 Private key loaded: {} {}, {}",
                    check.info.format.label(),
                    public.algorithm,
                    public.fingerprint_sha256
                ));
                ui.horizontal(|ui| {
                    if ui.button("Copy public key").clicked() {
                        actions.push(UiAction::Copy {
                            text: public.openssh.clone(),
                            what: "public key",
                        });
                    }
                    replace = ui.button("Replace private key…").clicked();
                });
                for warning in &check.warnings {
                    warning_line(ui, warning);
                }
            }
            Err(err) => {
                error_line(ui, &format!("The text given cannot be used: {err}"));
                replace = ui.button("Clear and give another key…").clicked();
            }
        }
        replace
    }

    /// A box to paste a private key into. It never holds the key past the
    /// frame it arrives in: the text moves into the zeroizing secret and the
    /// box's state (cursor, undo history, which keeps copies) is wiped.
    fn private_key_paste_box(&mut self, ui: &mut egui::Ui) {
        let label = ui.label(
            egui::RichText::new("Private key (PEM, no passphrase):")
                .small()
                .weak(),
        );
        let mut pasted = zeroize::Zeroizing::new(String::new());
        let response = ui
            .add(
                egui::TextEdit::multiline(&mut *pasted)
                    .id(private_key_paste_id())
                    .hint_text("-----BEGIN RSA PRIVATE KEY----- …")
                    .desired_rows(4)
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Monospace),
            )
            .labelled_by(label.id);
        if !pasted.is_empty() {
            egui::text_edit::TextEditState::default().store(ui.ctx(), response.id);
            self.load_private_key(SecretString::new(std::mem::take(&mut *pasted)));
        }
    }
}

impl Modal for AddKeyModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.draw(ctx, cx.backend, cx.actions)
    }

    fn poll(&mut self) -> Step {
        self.take_answers()
    }

    fn layer(&self) -> Layer {
        Layer::Dialog
    }

    fn busy_with(&self) -> Option<(&str, Option<&str>)> {
        self.is_busy().then_some((self.profile.id.as_str(), None))
    }
}
