//! The save-once dialog for a private key the user has not saved yet (shown
//! once by a provider that generates keys, or generated locally). It cannot be dismissed: the key is
//! saved, or discarded after a second confirmation.

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};
use super::{UiAction, error_line, labeled_text};
use crate::backend::{Backend, Command, Pending, take_answer};
use crate::keys::SecretString;
use crate::keys::private::inspect_private_key;
use crate::keys::public::parse_public_key;
use crate::keys::save::{SaveVerification, SavedKey};

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
    /// The path the key is saved to with "Save to this path": the key
    /// folder joined with `suggested_name` (always absolute, shown before
    /// saving), or what the user typed instead.
    pub path_text: String,
    /// `path_text` was filled in from the key folder once.
    path_suggested: bool,
    /// The save in flight, owned here until it answers.
    saving: Option<Pending<Result<Option<SavedKey>, String>>>,
    /// Why the last save failed.
    pub error: Option<String>,
    /// The user pressed "Discard" once.
    pub confirm_discard: bool,
    /// Where it was saved.
    pub saved: Option<SavedKey>,
    /// A note shown above the buttons (e.g. the public key is on the clipboard).
    pub note: Option<String>,
    /// The key came from a server, which will not show it again: it may be
    /// saved exactly as received when Keyfleet cannot check it.
    pub from_server: bool,
    /// Why Keyfleet cannot check this key as a key pair (it does not parse,
    /// or does not match the public key the server sent).
    pub problem: Option<String>,
    /// Save the bytes exactly as received (no key check, no derived `.pub`).
    pub save_as_received: bool,
    /// The public key line exactly as the server sent it (possibly empty),
    /// for the `.pub` of a save "exactly as received".
    pub public_key_as_received: String,
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
            path_suggested: false,
            saving: None,
            error: None,
            confirm_discard: false,
            saved: None,
            note: None,
            from_server: false,
            problem: None,
            save_as_received: false,
            public_key_as_received: String::new(),
        }
    }

    /// The public key line to send with a save request: as received when
    /// saving exactly as received, the checked line otherwise.
    pub fn public_key_for_save(&self) -> String {
        if self.save_as_received {
            self.public_key_as_received.clone()
        } else {
            self.public_key.clone()
        }
    }

    /// Fills the path box, once, with `folder` joined with the suggested
    /// file name, so the full path is on screen before anything is saved.
    /// A relative `folder` (no home folder known) suggests nothing: a key
    /// must never land in the folder Keyfleet was started from.
    /// `folder` is asked for only then.
    pub fn suggest_folder(&mut self, folder: impl FnOnce() -> std::path::PathBuf) {
        if self.path_suggested {
            return;
        }
        self.path_suggested = true;
        let folder = folder();
        if !folder.is_absolute() {
            return;
        }
        if self.path_text.is_empty() {
            self.path_text = folder.join(&self.suggested_name).display().to_string();
        }
    }

    /// True while a save is in flight.
    pub fn is_saving(&self) -> bool {
        self.saving.is_some()
    }

    /// Saves the key: to `path`, or where the native dialog says.
    pub fn start_save(&mut self, backend: &Backend, path: Option<std::path::PathBuf>) {
        self.confirm_discard = false;
        self.error = None;
        let private_key = self.private_key.clone();
        let public_key = self.public_key_for_save();
        let passphrase = self.passphrase.clone();
        let suggested_name = self.suggested_name.clone();
        let exactly_as_received = self.save_as_received;
        self.saving = Some(backend.request(|reply| Command::SavePrivateKey {
            reply,
            private_key,
            public_key,
            passphrase,
            suggested_name,
            path,
            exactly_as_received,
        }));
    }

    /// Applies the save's answer, if it arrived; returns where the key was
    /// saved, once.
    fn take_saved(&mut self) -> Option<std::path::PathBuf> {
        match take_answer(&mut self.saving)? {
            Ok(Some(saved)) => {
                let path = saved.private_path.clone();
                self.saved = Some(saved);
                Some(path)
            }
            Ok(None) => {
                self.error = Some(
                    "No file was chosen. If no file dialog appeared (no desktop portal), type a path below."
                        .into(),
                );
                None
            }
            Err(message) => {
                self.error = Some(message);
                None
            }
        }
    }

    /// A private key a server sent once ("generate on server"). It is
    /// checked now, so a key Keyfleet cannot read is offered "Save exactly
    /// as received" up front instead of failing at save time. When the server
    /// sent no public key, the one derived from the private key is used.
    pub fn received_from_server(
        title: impl Into<String>,
        private_key: SecretString,
        public_key: String,
        fingerprint: String,
        suggested_name: impl Into<String>,
    ) -> Self {
        let mut pending = Self::new(
            title,
            private_key,
            public_key,
            fingerprint,
            None,
            suggested_name,
        );
        pending.from_server = true;
        pending.public_key_as_received = pending.public_key.clone();
        match inspect_private_key(&pending.private_key, None) {
            Err(err) => pending.problem = Some(err.to_string()),
            Ok(info) if pending.public_key.trim().is_empty() => {
                pending.fingerprint = info.public.fingerprint_sha256.clone();
                pending.public_key = info.public.openssh;
            }
            Ok(info) => {
                let sent = parse_public_key(&pending.public_key);
                if !sent.is_ok_and(|sent| sent.fingerprint_sha256 == info.public.fingerprint_sha256)
                {
                    pending.problem = Some(
                        "The private key does not match the public key the server sent.".into(),
                    );
                }
            }
        }
        pending.save_as_received = pending.problem.is_some();
        pending
    }
}

/// A file name made from a key name: `id_<name>` with unsafe characters
/// replaced, by the one sanitiser every save path uses.
pub fn suggested_file_name(key_name: &str) -> String {
    crate::keys::file_name::suggested_file_name(key_name)
}

impl Modal for PendingPrivateKey {
    /// Draws the dialog; a save is sent from here and kept by the key.
    /// "Done" closes it; "Discard" (asked twice) closes it and says so.
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.suggest_folder(cx.key_dir);
        let remaining = cx.private_keys_waiting;
        // Escape or a click outside never closes it: that would lose a key
        // that cannot be fetched again.
        let shown = ModalFrame::new("private_key_modal", 600.0).show(ctx, |ui| {
            ui.heading(&self.title);
            if remaining > 1 {
                ui.label(format!(
                    "{} more unsaved private key(s) after this one.",
                    remaining - 1
                ));
            }
            ui.add_space(6.0);
            if let Some(saved) = &self.saved {
                return Step::close_if(saved_summary(ui, saved));
            }
            key_summary(ui, self, cx.actions);
            ui.separator();
            save_rows(ui, self, cx.backend);
            ui.separator();
            if discard_row(ui, self) {
                Step::Done(Outcome::PrivateKeyDiscarded)
            } else {
                Step::Keep
            }
        });
        shown.inner
    }

    /// A save's answer: where the key was saved, for a notice.
    fn poll(&mut self) -> Step {
        match self.take_saved() {
            Some(path) => Step::Tell(Outcome::PrivateKeySaved(path)),
            None => Step::Keep,
        }
    }

    fn layer(&self) -> Layer {
        Layer::PrivateKey
    }

    fn holds_unsaved_key(&self) -> bool {
        self.saved.is_none()
    }
}

/// Where the key was saved, and "Done".
/// Returns true when "Done" was clicked.
fn saved_summary(ui: &mut egui::Ui, saved: &SavedKey) -> bool {
    ui.label(format!(
        "✔ Private key saved to {} (mode 0600).",
        saved.private_path.display()
    ));
    match (&saved.public_path, &saved.public_skipped) {
        (Some(path), _) => ui.label(format!("Public key saved to {}.", path.display())),
        (None, Some(reason)) => ui.label(format!("{reason}.")),
        (None, None) => ui.label("No .pub file was written: the server sent no public key."),
    };
    ui.label(match saved.verified {
        SaveVerification::KeyPair => "Both files were read back and match the key.",
        SaveVerification::ExactBytes => {
            "The file was read back and is byte for byte what the server sent."
        }
    });
    ui.add_space(6.0);
    ui.button("Done").clicked()
}

/// The warning, fingerprint, any problem or note, and "Copy public key".
fn key_summary(ui: &mut egui::Ui, key: &PendingPrivateKey, actions: &mut Vec<UiAction>) {
    ui.label(
        egui::RichText::new(
            "This private key exists only in Keyfleet's memory. Save it now: it cannot be shown again.",
        )
        .strong(),
    );
    if !key.fingerprint.is_empty() {
        ui.label(format!("Public key fingerprint: {}", key.fingerprint));
    }
    if let Some(problem) = &key.problem {
        error_line(
            ui,
            &format!(
                "Keyfleet cannot check this key: {problem} OpenSSH may still use it, so save it exactly as received."
            ),
        );
    }
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
}

/// Save through the native dialog or to a typed path, and why it failed.
fn save_rows(ui: &mut egui::Ui, key: &mut PendingPrivateKey, backend: &Backend) {
    let busy = key.is_saving();
    let save_label = if key.save_as_received {
        "💾 Save exactly as received…"
    } else {
        "💾 Save private key…"
    };
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!busy, egui::Button::new(save_label))
            .clicked()
        {
            key.start_save(backend, None);
        }
        if busy {
            ui.add(egui::Spinner::new());
            ui.label("Saving…");
        }
    });
    ui.horizontal(|ui| {
        labeled_text(ui, "Or save to path:", &mut key.path_text);
        if ui
            .add_enabled(
                !busy && !key.path_text.trim().is_empty(),
                egui::Button::new("Save to this path"),
            )
            .clicked()
        {
            let path = expand_home(key.path_text.trim());
            key.start_save(backend, Some(path));
        }
    });
    let how = if key.save_as_received {
        "The file is created new with mode 0600 (never overwritten) and holds the exact bytes received; a .pub file is written beside it only if the server sent a public key Keyfleet can read."
    } else {
        "The file is created new with mode 0600 (never overwritten); the .pub file is written beside it."
    };
    ui.label(egui::RichText::new(how).small().weak());
    if let Some(error) = &key.error {
        error_line(ui, error);
        // A server's key that failed to save as a key pair must still
        // have a way out other than "Discard".
        if key.from_server
            && !key.save_as_received
            && ui
                .add_enabled(!busy, egui::Button::new("Save exactly as received instead"))
                .clicked()
        {
            key.save_as_received = true;
            key.error = None;
        }
    }
}

/// "Discard", asked twice; returns true once the user confirmed it.
fn discard_row(ui: &mut egui::Ui, key: &mut PendingPrivateKey) -> bool {
    let mut discarded = false;
    if key.confirm_discard {
        error_line(
            ui,
            "Discard this private key forever? Anything using it will need a new key.",
        );
        ui.horizontal(|ui| {
            if ui.button("Yes, discard it").clicked() {
                discarded = true;
            }
            if ui.button("No, keep it").clicked() {
                key.confirm_discard = false;
            }
        });
    } else if ui
        .add_enabled(!key.is_saving(), egui::Button::new("Discard private key…"))
        .clicked()
    {
        key.confirm_discard = true;
    }
    discarded
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
