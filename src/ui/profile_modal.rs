//! The account dialog: provider, name, API base URL, the fields the
//! provider's spec asks for (a project, regions, an organization), and where
//! the token comes from.

use super::form::{self, note_row};
use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};
use super::{error_line, warning_line};
use crate::backend::{Backend, ChoiceKind, Command, Pending};
use crate::keys::SecretString;
use crate::providers::http::{check_token, normalize_base_url};
use crate::providers::registry;
use crate::providers::spec::ProfileField;
use crate::providers::{ApiError, Choice, ProviderKind};
use crate::state::Loadable;
use crate::store::{Profile, TokenSource};

/// The dialog's state.
#[derive(Debug)]
pub struct ProfileModal {
    /// The profile being edited (a copy; saved only on "Save").
    pub profile: Profile,
    /// True when adding a new account.
    pub is_new: bool,
    /// Token typed (keyring source).
    pub token: SecretString,
    /// Environment variable name typed (env source).
    pub env_var: String,
    /// Read the token from the environment instead of the keyring.
    pub use_env: bool,
    /// The text of each single-valued field of the provider's spec, as
    /// typed (parallel to `ProviderSpec::profile_fields`).
    pub field_texts: Vec<String>,
    /// "Test connection": the provider's greeting, or why it failed.
    test: Loadable<String>,
    /// The picker list of each field (parallel to `field_texts`).
    choices: Vec<Loadable<Vec<Choice>>>,
    /// Why "Save" was refused.
    pub error: Option<String>,
    /// The typed token being stored, and the profile to save once it is.
    saving: Option<(Pending<Result<(), ApiError>>, Profile)>,
    /// Scheme, host and port of the saved account's URL (editing only): the
    /// only place its stored token may go without asking again.
    saved_origin: Option<String>,
    /// A new origin the user explicitly allowed the stored token to go to.
    confirmed_origin: Option<String>,
    /// The header scheme (`Bearer`, `APIKey`, `token`) taken off the front
    /// of the typed token, to say so under the field.
    stripped_prefix: Option<String>,
}

impl ProfileModal {
    /// A dialog for a new account of the first provider listed.
    pub fn new_account() -> Self {
        Self::new_profile(registry::all()[0].kind)
    }

    /// A dialog for a new account.
    pub fn new_profile(provider: ProviderKind) -> Self {
        Self::from_profile(Profile::new(provider), true)
    }

    /// A dialog editing `profile`.
    pub fn edit(profile: Profile) -> Self {
        Self::from_profile(profile, false)
    }

    fn from_profile(profile: Profile, is_new: bool) -> Self {
        let (use_env, env_var) = match &profile.token_source {
            TokenSource::EnvVar(name) => (true, name.clone()),
            TokenSource::Keyring => (false, profile.provider().default_env_var().to_string()),
        };
        let saved_origin = if is_new {
            None
        } else {
            url_origin(&profile.base_url)
        };
        let fields = profile.provider().spec().profile_fields;
        Self {
            field_texts: fields
                .iter()
                .map(|field| profile.settings.text(field.key))
                .collect(),
            choices: fields.iter().map(|_| Loadable::default()).collect(),
            profile,
            is_new,
            token: SecretString::default(),
            env_var,
            use_env,
            test: Loadable::default(),
            error: None,
            saving: None,
            saved_origin,
            confirmed_origin: None,
            stripped_prefix: None,
        }
    }

    /// The new host the typed URL points to, when it differs from the saved
    /// account's and the stored (or environment) token has not been allowed
    /// there: nothing may be sent until the user confirms it or types a new
    /// token. `None` for new accounts, an unchanged host, a typed token, or a
    /// URL so invalid that no request can be built from it.
    pub fn unconfirmed_new_host(&self) -> Option<String> {
        if self.is_new || self.typed_token().is_some() {
            return None;
        }
        let origin = url_origin(&self.profile.base_url)?;
        let allowed = [&self.saved_origin, &self.confirmed_origin]
            .into_iter()
            .any(|known| known.as_deref() == Some(origin.as_str()));
        (!allowed).then_some(origin)
    }

    /// What the dialog shows when a request or Save is held back because
    /// the host changed.
    fn new_host_message(&self, origin: &str) -> String {
        format!(
            "The API address now points to {origin}, not the saved {}. Tick \"{}\" or enter the token again; until then nothing is sent.",
            self.saved_origin.as_deref().unwrap_or("address"),
            self.confirm_label(origin)
        )
    }

    /// The confirmation checkbox's text, naming the exact host.
    fn confirm_label(&self, origin: &str) -> String {
        if self.use_env {
            format!("Send the token from ${} to {origin}", self.env_var.trim())
        } else {
            format!("Send my stored token to {origin}")
        }
    }

    /// The typed token, if any (only for keyring profiles).
    fn typed_token(&self) -> Option<SecretString> {
        (!self.use_env && !self.token.is_empty())
            .then(|| SecretString::new(self.token.expose().trim()))
    }

    /// The profile as edited, checked. Errors name the field.
    pub fn build_profile(&self) -> Result<Profile, String> {
        let mut profile = self.profile.clone();
        profile.name = profile.name.trim().to_string();
        if profile.name.is_empty() {
            return Err("Enter a display name for the account.".into());
        }
        profile.base_url = normalize_base_url(&profile.base_url).map_err(|err| err.message)?;
        if let Some(origin) = self.unconfirmed_new_host() {
            return Err(self.new_host_message(&origin));
        }
        profile.token_source = if self.use_env {
            let name = self.env_var.trim();
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                return Err(format!(
                    "\"{name}\" is not a valid environment variable name (letters, digits and _ only)."
                ));
            }
            TokenSource::EnvVar(name.to_string())
        } else {
            TokenSource::Keyring
        };
        if !self.use_env {
            let token = self.token.expose().trim();
            if token.is_empty() {
                if self.is_new {
                    return Err("Enter the API token (it is stored in the OS keyring).".into());
                }
            } else {
                check_token(token).map_err(|err| err.message)?;
            }
        }
        for (field, text) in self.fields().iter().zip(&self.field_texts) {
            if field.multiple {
                continue;
            }
            if let Some(message) = field.required
                && text.trim().is_empty()
            {
                return Err(message.into());
            }
            profile.settings.set_text(field.key, text)?;
        }
        Ok(profile)
    }

    /// The profile for a test or picker request: the fields as typed, with
    /// what is missing left empty.
    fn draft(&self) -> Profile {
        let mut profile = self.profile.clone();
        for (field, text) in self.fields().iter().zip(&self.field_texts) {
            if !field.multiple && profile.settings.set_text(field.key, text).is_err() {
                // Not valid yet: the request goes without it.
                let _ = profile.settings.set_text(field.key, "");
            }
        }
        profile.token_source = if self.use_env {
            TokenSource::EnvVar(self.env_var.trim().to_string())
        } else {
            TokenSource::Keyring
        };
        profile
    }

    /// True while the typed token is being stored.
    pub fn is_saving(&self) -> bool {
        self.saving.is_some()
    }

    /// Applies the answers that arrived (test, pickers, token stored).
    fn take_answers(&mut self) -> Step {
        self.test.poll();
        for list in &mut self.choices {
            list.poll();
        }
        let Some((pending, _)) = &mut self.saving else {
            return Step::Keep;
        };
        let Some(stored) = pending.poll() else {
            return Step::Keep;
        };
        let Some((_, profile)) = self.saving.take() else {
            return Step::Keep;
        };
        match stored {
            Ok(()) => Step::Done(Outcome::SaveProfile(Box::new(profile))),
            Err(err) => {
                self.error = Some(err.to_string());
                Step::Keep
            }
        }
    }

    /// Draws the dialog; sends its requests (test, pickers, storing the
    /// token) itself and keeps their answers.
    fn draw(&mut self, ctx: &egui::Context, backend: &Backend) -> Step {
        let mut step = Step::Keep;
        let shown = ModalFrame::new("profile_modal", 560.0).show(ctx, |ui| {
            ui.heading(if self.is_new {
                "Add account"
            } else {
                "Edit account"
            });
            ui.add_space(6.0);
            form::grid(ui, "profile_fields", |ui| self.field_rows(ui, backend));
            ui.add_space(6.0);
            self.test_row(ui, backend);
            if let Some(error) = &self.error {
                error_line(ui, error);
            }
            ui.separator();
            step = self.save_row(ui, backend);
        });
        if shown.dismissed(self.is_saving()) {
            step = Step::Close;
        }
        step
    }

    /// Every field, one grid row each (hints and errors under their field).
    fn field_rows(&mut self, ui: &mut egui::Ui, backend: &Backend) {
        self.provider_row(ui);
        form::text_row(ui, "Display name:", &mut self.profile.name);
        let provider = self.profile.provider().spec();
        form::text_row(ui, provider.base_url_label, &mut self.profile.base_url);
        if let Some(warning) =
            unofficial_host_warning(self.profile.provider(), &self.profile.base_url)
        {
            note_row(ui, |ui| warning_line(ui, &format!("⚠ {warning}")));
        }
        self.new_host_fields(ui);
        if let Some(hint) = provider.base_url_hint {
            note_row(ui, |ui| ui.label(egui::RichText::new(hint).small().weak()));
        }
        self.token_fields(ui, backend);
        for index in 0..self.fields().len() {
            self.field_ui(ui, index, backend);
        }
    }

    /// The provider: a picker for a new account, fixed when editing.
    fn provider_row(&mut self, ui: &mut egui::Ui) {
        if !self.is_new {
            let provider = self.profile.provider().label();
            form::row(ui, "Provider:", |ui, _| ui.label(provider));
            return;
        }
        form::row(ui, "Provider:", |ui, label| {
            egui::ComboBox::from_id_salt("provider_combo")
                .selected_text(self.profile.provider().label())
                .show_ui(ui, |ui| {
                    let current = self.profile.provider();
                    for provider in registry::all() {
                        if ui
                            .selectable_label(current == provider.kind, provider.label)
                            .clicked()
                            && current != provider.kind
                        {
                            *self = Self::new_profile(provider.kind);
                        }
                    }
                })
                .response
                .labelled_by(label);
        });
    }

    /// Where the token comes from, and the token or variable name.
    fn token_fields(&mut self, ui: &mut egui::Ui, backend: &Backend) {
        form::row(ui, "Token:", |ui, _| {
            ui.radio_value(&mut self.use_env, false, "Store token in OS keyring");
        });
        note_row(ui, |ui| {
            ui.radio_value(
                &mut self.use_env,
                true,
                "Read token from environment variable",
            )
        });
        if self.use_env {
            form::text_row(ui, "Variable name:", &mut self.env_var);
        } else {
            let label = if self.is_new {
                "API token:"
            } else {
                "API token (empty keeps the stored one):"
            };
            let mut token = zeroize::Zeroizing::new(self.token.expose().to_string());
            let response = form::password_row(ui, label, &mut token);
            if response.changed() {
                self.set_typed_token(&token);
            }
            if let Some(prefix) = self
                .stripped_prefix
                .as_deref()
                .filter(|_| !token.is_empty())
            {
                note_row(ui, |ui| {
                    ui.label(format!(
                        "\"{prefix}\" was removed from the start: it belongs to the header, and Keyfleet adds it itself."
                    ))
                });
            }
            // Fill the picker as soon as a token is entered.
            if response.lost_focus() && !self.token.is_empty() {
                self.auto_load_picker(backend);
            }
        }
        if let Some(hint) = self.profile.provider().spec().token_hint {
            note_row(ui, |ui| ui.label(egui::RichText::new(hint).small()));
        }
    }

    /// Keeps a typed or pasted token, without a header scheme copied with
    /// it (`Bearer …`, `APIKey …`, `token …`: the provider's own, from its
    /// spec), which would otherwise be refused for its space.
    fn set_typed_token(&mut self, typed: &str) {
        let spec = self.profile.provider().spec();
        let (prefix, token) = match spec.strip_token_prefix(typed) {
            Some((prefix, rest)) => (Some(prefix.to_string()), rest),
            None => (None, typed),
        };
        // A later edit that leaves the scheme off keeps the note.
        if prefix.is_some() || token.is_empty() {
            self.stripped_prefix = prefix;
        }
        *self.token.expose_mut() = token.to_string();
    }

    /// "Test connection" and its outcome.
    fn test_row(&mut self, ui: &mut egui::Ui, backend: &Backend) {
        ui.horizontal(|ui| {
            if ui.button("Test connection").clicked() {
                match self.unconfirmed_new_host() {
                    Some(origin) => self
                        .test
                        .fail(ApiError::invalid_input(self.new_host_message(&origin))),
                    None => {
                        let (profile, token) = (self.draft(), self.typed_token());
                        self.test
                            .start(backend.request(|reply| Command::TestConnection {
                                reply,
                                profile,
                                token,
                            }));
                    }
                }
            }
            if self.test.is_loading() {
                ui.add(egui::Spinner::new());
            }
        });
        // Below the button, not beside it: a long message then wraps instead
        // of widening the dialog past the window's edge.
        if self.test.is_loading() {
            return;
        }
        if let Some(err) = self.test.error.as_ref() {
            error_line(ui, &format!("✖ {err}"));
        } else if self.test.loaded {
            super::success_line(ui, &format!("✔ {}", self.test.value));
        }
    }

    /// "Save" (storing a typed token first) and "Cancel".
    fn save_row(&mut self, ui: &mut egui::Ui, backend: &Backend) -> Step {
        let mut result = Step::Keep;
        ui.horizontal(|ui| {
            let saving = self.is_saving();
            if ui.add_enabled(!saving, egui::Button::new("Save")).clicked() {
                result = self.save(backend);
            }
            if saving {
                ui.add(egui::Spinner::new());
            }
            if ui.button("Cancel").clicked() {
                result = Step::Close;
            }
        });
        result
    }

    /// Checks the profile; saves it now, or once its typed token is stored.
    fn save(&mut self, backend: &Backend) -> Step {
        let profile = match self.build_profile() {
            Ok(profile) => profile,
            Err(message) => {
                self.error = Some(message);
                return Step::Keep;
            }
        };
        self.error = None;
        let Some(token) = self.typed_token() else {
            return Step::Done(Outcome::SaveProfile(Box::new(profile)));
        };
        let profile_id = profile.id.clone();
        let stored = backend.request(|reply| Command::StoreToken {
            reply,
            profile_id,
            token,
        });
        self.saving = Some((stored, profile));
        Step::Keep
    }

    /// The provider's account fields.
    fn fields(&self) -> &'static [ProfileField] {
        self.profile.provider().spec().profile_fields
    }

    /// The picker list filled by `kind`, if a field uses it.
    fn choice_list(&mut self, kind: ChoiceKind) -> Option<&mut Loadable<Vec<Choice>>> {
        let index = self
            .fields()
            .iter()
            .position(|field| field.choices == kind)?;
        self.choices.get_mut(index)
    }

    /// Loads the pickers that fill as soon as a token is entered, once.
    fn auto_load_picker(&mut self, backend: &Backend) {
        if self.unconfirmed_new_host().is_some() {
            return;
        }
        let wanted: Vec<ChoiceKind> = self
            .fields()
            .iter()
            .zip(&self.choices)
            .filter(|(field, list)| {
                field.load_when_token_entered
                    && list.value.is_empty()
                    && !list.is_loading()
                    && list.error.as_ref().is_none()
            })
            .map(|(field, _)| field.choices)
            .collect();
        for kind in wanted {
            self.load_choices(kind, backend);
        }
    }

    /// Asks for a picker list, unless the host changed unconfirmed (then the
    /// list shows why nothing was sent).
    fn load_choices(&mut self, kind: ChoiceKind, backend: &Backend) {
        let blocked = self
            .unconfirmed_new_host()
            .map(|origin| self.new_host_message(&origin));
        let (profile, token) = (self.draft(), self.typed_token());
        let Some(list) = self.choice_list(kind) else {
            return;
        };
        match blocked {
            Some(message) => list.fail(ApiError::invalid_input(message)),
            None => list.start(backend.request(|reply| Command::LoadChoices {
                reply,
                profile,
                token,
                kind,
            })),
        }
    }

    /// Field `index`'s picker error, hidden while it reloads.
    fn choice_error(&self, index: usize) -> Option<String> {
        let list = &self.choices[index];
        list.error
            .as_ref()
            .filter(|_| !list.is_loading())
            .map(ToString::to_string)
    }

    /// When editing and the typed URL's host differs from the saved one:
    /// says so, and offers the checkbox that allows the stored token there.
    fn new_host_fields(&mut self, ui: &mut egui::Ui) {
        if self.is_new || self.typed_token().is_some() {
            return;
        }
        let Some(origin) = url_origin(&self.profile.base_url) else {
            return;
        };
        if self.saved_origin.as_deref() == Some(origin.as_str()) {
            return;
        }
        let warning = format!(
            "⚠ The API address changed from {} to {origin}. Keyfleet sends nothing there with the existing token until you confirm the new host below or enter the token again.",
            self.saved_origin.as_deref().unwrap_or("(none)")
        );
        note_row(ui, |ui| warning_line(ui, &warning));
        let mut confirmed = self.confirmed_origin.as_deref() == Some(origin.as_str());
        let label = self.confirm_label(&origin);
        if note_row(ui, |ui| ui.checkbox(&mut confirmed, label).changed()) {
            self.confirmed_origin = confirmed.then_some(origin);
        }
    }

    /// Draws account field `index`: a text box with a picker filled from
    /// the API, or checkboxes for a multi-valued field.
    fn field_ui(&mut self, ui: &mut egui::Ui, index: usize, backend: &Backend) {
        let field = &self.fields()[index];
        if field.multiple {
            self.multi_field_ui(ui, index, backend);
            return;
        }
        form::row(ui, field.label, |ui, label| {
            ui.add(egui::TextEdit::singleline(&mut self.field_texts[index]).desired_width(180.0))
                .labelled_by(label);
            if ui.button(field.load_label).clicked() {
                self.load_choices(field.choices, backend);
            }
            let list = &self.choices[index];
            if list.is_loading() {
                ui.add(egui::Spinner::new());
            }
            if !list.value.is_empty() {
                let text = &mut self.field_texts[index];
                let selected = list
                    .value
                    .iter()
                    .find(|choice| choice.id == text.trim())
                    .map(|choice| choice.label.clone())
                    .unwrap_or_else(|| "Choose…".into());
                egui::ComboBox::from_label(field.pick_label)
                    .selected_text(selected)
                    .show_ui(ui, |ui| {
                        for choice in &list.value {
                            if ui
                                .selectable_label(choice.id == text.trim(), &choice.label)
                                .clicked()
                            {
                                *text = choice.id.clone();
                            }
                        }
                    });
            }
        });
        if let Some(error) = self.choice_error(index) {
            note_row(ui, |ui| error_line(ui, &error));
        }
    }

    /// Checkboxes for a multi-valued field: every loaded choice, plus the
    /// values already set (so they can be unticked before loading).
    fn multi_field_ui(&mut self, ui: &mut egui::Ui, index: usize, backend: &Backend) {
        let field = &self.fields()[index];
        form::row(ui, field.label, |ui, _| {
            if ui.button(field.load_label).clicked() {
                self.load_choices(field.choices, backend);
            }
            if self.choices[index].is_loading() {
                ui.add(egui::Spinner::new());
            }
        });
        if let Some(error) = self.choice_error(index) {
            note_row(ui, |ui| error_line(ui, &error));
        }
        let mut values = self.profile.settings.values(field.key);
        let mut known: Vec<(String, String)> = self.choices[index]
            .value
            .iter()
            .map(|choice| (choice.id.clone(), choice.label.clone()))
            .collect();
        for value in &values {
            if !known.iter().any(|(id, _)| id == value) {
                known.push((value.clone(), value.clone()));
            }
        }
        if known.is_empty() {
            return;
        }
        let mut changed = false;
        note_row(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                for (id, label) in known {
                    let mut checked = values.contains(&id);
                    if ui.checkbox(&mut checked, label).changed() {
                        changed = true;
                        if checked {
                            values.push(id);
                        } else {
                            values.retain(|value| *value != id);
                        }
                    }
                }
            });
        });
        if changed {
            self.profile.settings.set_values(field.key, &values);
        }
    }
}

/// The scheme, host and port of a base URL ("https://api.gcore.com"): the
/// part that decides who receives the token. `None` when the URL is refused.
pub fn url_origin(base_url: &str) -> Option<String> {
    let normalized = normalize_base_url(base_url).ok()?;
    let url = reqwest::Url::parse(&normalized).ok()?;
    Some(url.origin().ascii_serialization())
}

/// A warning when an account's address is not its provider's official
/// API host, where a typo would hand the token to a stranger. Loopback
/// addresses (the sandbox, `--demo`, a local proxy) and providers without
/// one official address (self-hosting is normal) never warn; an invalid URL
/// is reported by Save instead.
pub fn unofficial_host_warning(provider: ProviderKind, base_url: &str) -> Option<String> {
    let official = provider.spec().official_base_url?;
    let origin = url_origin(base_url)?;
    if Some(origin.as_str()) == url_origin(official).as_deref() {
        return None;
    }
    let url = reqwest::Url::parse(&origin).ok()?;
    let host = url.host_str()?;
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (!loopback).then(|| {
        format!(
            "{origin} is not the official {} API address ({official}). Check the spelling: the token is sent to this host.",
            provider.label()
        )
    })
}

impl Modal for ProfileModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.draw(ctx, cx.backend)
    }

    fn poll(&mut self) -> Step {
        self.take_answers()
    }

    fn layer(&self) -> Layer {
        Layer::Dialog
    }
}
