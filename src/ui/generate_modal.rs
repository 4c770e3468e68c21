//! "Generate key": make a key pair on this computer, then upload it (the
//! public half, or the private key for providers that store one) and save the private
//! key through the save-once dialog.

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step, Upload};
use super::{error_line, labeled_password, labeled_text};
use crate::backend::{Backend, Command, Pending, take_answer};
use crate::keys::SecretString;
use crate::keys::generate::{
    GenerateRequest, GeneratedKey, KeyAlgorithm, PrivateKeyEncoding, default_comment,
};
use crate::providers::spec::GenerateSpec;
use crate::store::Profile;

/// The dialog's state.
#[derive(Debug)]
pub struct GenerateModal {
    /// The account to upload to.
    pub profile: Profile,
    /// Algorithm.
    pub algorithm: KeyAlgorithm,
    /// Comment in the public key.
    pub comment: String,
    /// Optional passphrase.
    pub passphrase: SecretString,
    /// Passphrase again.
    pub passphrase_again: SecretString,
    /// Name of the uploaded key.
    pub name: String,
    /// Shared in project (providers that share keys).
    pub shared_in_project: bool,
    /// Generation in flight, owned here until it answers.
    pending: Option<Pending<Result<GeneratedKey, String>>>,
    /// Where the key goes once generated (set with `pending`).
    upload: Option<Upload>,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

impl GenerateModal {
    /// A dialog for `profile`, with that provider's sensible defaults from
    /// its spec (for example RSA 4096 PEM where the provider's docs ask for
    /// it, Ed25519 elsewhere).
    pub fn new(profile: Profile) -> Self {
        let algorithm = profile
            .provider()
            .spec()
            .generate
            .algorithms
            .first()
            .copied()
            .unwrap_or_default();
        Self {
            profile,
            algorithm,
            comment: default_comment(),
            passphrase: SecretString::default(),
            passphrase_again: SecretString::default(),
            name: String::new(),
            shared_in_project: true,
            pending: None,
            upload: None,
            error: None,
        }
    }

    fn spec(&self) -> &'static GenerateSpec {
        &self.profile.provider().spec().generate
    }

    /// True while the key is being generated.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Applies the generation's answer, if it arrived: the key pair
    /// exists, so the app uploads it and asks to save the private key. A
    /// failure stays in the dialog.
    fn take_answer(&mut self) -> Step {
        match take_answer(&mut self.pending) {
            None => Step::Keep,
            Some(Ok(generated)) => match self.upload.take() {
                Some(upload) => Step::Done(Outcome::Generated(Box::new(generated), upload)),
                None => Step::Keep,
            },
            Some(Err(message)) => {
                self.upload = None;
                self.error = Some(message);
                Step::Keep
            }
        }
    }

    /// Builds the request, or says what is wrong.
    pub fn build(&self) -> Result<(GenerateRequest, Upload), String> {
        let name = self.name.trim();
        self.profile
            .provider()
            .validate_key_name(name)
            .map_err(|err| err.message)?;
        if self.passphrase != self.passphrase_again {
            return Err("The two passphrases differ.".into());
        }
        let passphrase = (!self.passphrase.is_empty()).then(|| self.passphrase.clone());
        let encoding = if self.spec().pem && self.algorithm != KeyAlgorithm::Ed25519 {
            PrivateKeyEncoding::Pem
        } else {
            PrivateKeyEncoding::OpenSsh
        };
        let upload = Upload {
            profile: self.profile.clone(),
            name: name.to_string(),
            shared_in_project: self.shared_in_project,
            passphrase: passphrase.clone(),
        };
        let spec = GenerateRequest {
            algorithm: self.algorithm,
            comment: self.comment.trim().to_string(),
            passphrase,
            encoding,
        };
        Ok((spec, upload))
    }

    /// Checks the fields, then asks for the key pair.
    fn send(&mut self, backend: &Backend) {
        match self.build() {
            Ok((spec, upload)) => {
                self.error = None;
                self.pending =
                    Some(backend.request(|reply| Command::GenerateLocal { reply, spec }));
                self.upload = Some(upload);
            }
            Err(message) => self.error = Some(message),
        }
    }

    /// Draws the dialog; sends the generation itself.
    fn draw(&mut self, ctx: &egui::Context, backend: &Backend) -> Step {
        let mut step = Step::Keep;
        let shown = ModalFrame::new("generate_modal", 520.0).show(ctx, |ui| {
            ui.heading(self.spec().title);
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                let label = ui.label("Algorithm:");
                egui::ComboBox::from_id_salt("algorithm_combo")
                    .selected_text(self.algorithm.label())
                    .show_ui(ui, |ui| {
                        for &algorithm in self.spec().algorithms {
                            ui.selectable_value(&mut self.algorithm, algorithm, algorithm.label());
                        }
                    })
                    .response
                    .labelled_by(label.id);
            });
            labeled_text(ui, "Name:", &mut self.name);
            labeled_text(ui, "Comment:", &mut self.comment);
            if !self.spec().passphrase {
                if let Some(note) = self.spec().note {
                    ui.label(egui::RichText::new(note).small());
                }
            } else {
                let mut first = self.passphrase.expose().to_string();
                if labeled_password(ui, "Passphrase (optional):", &mut first).changed() {
                    *self.passphrase.expose_mut() = first;
                }
                let mut second = self.passphrase_again.expose().to_string();
                if labeled_password(ui, "Passphrase again:", &mut second).changed() {
                    *self.passphrase_again.expose_mut() = second;
                }
                ui.label(
                    egui::RichText::new(
                        "Only the public key is uploaded; the private key stays on this computer.",
                    )
                    .small(),
                );
            }
            if self.profile.provider().capabilities().share {
                ui.checkbox(
                    &mut self.shared_in_project,
                    "Shared with all users of the project",
                );
            }
            if let Some(error) = &self.error {
                error_line(ui, error);
            }
            ui.separator();
            ui.horizontal(|ui| {
                let busy = self.is_busy();
                if ui
                    .add_enabled(!busy, egui::Button::new("Generate and upload"))
                    .clicked()
                {
                    self.send(backend);
                }
                if busy {
                    ui.add(egui::Spinner::new());
                    ui.label(match self.algorithm {
                        KeyAlgorithm::Rsa4096 | KeyAlgorithm::Rsa3072 => {
                            "Generating (RSA can take several seconds)…"
                        }
                        _ => "Generating…",
                    });
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
}

impl Modal for GenerateModal {
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
        self.is_busy().then_some((self.profile.id.as_str(), None))
    }
}
