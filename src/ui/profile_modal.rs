//! The account dialog: provider, name, API base URL, the fields the
//! provider's spec asks for (a project, regions, an organization), and where
//! the token comes from.

use super::{UiAction, error_line, labeled_password, labeled_text, warning_line};
use crate::backend::{ChoiceKind, RequestId};
use crate::keys::SecretString;
use crate::providers::http::{check_token, normalize_base_url};
use crate::providers::spec::{self, ProfileField};
use crate::providers::{ApiError, Choice, ProviderKind};
use crate::store::{Profile, TokenSource};

/// A picker list being loaded or loaded.
#[derive(Debug, Default)]
pub struct ChoiceList {
    /// Request in flight.
    pub pending: Option<RequestId>,
    /// What arrived.
    pub items: Vec<Choice>,
    /// Why it failed.
    pub error: Option<String>,
}

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
    /// Pending "Test connection".
    pub test_pending: Option<RequestId>,
    /// Result of the last test: Ok(message) or Err(message).
    pub test_result: Option<Result<String, String>>,
    /// The picker list of each field (parallel to `field_texts`).
    pub choices: Vec<ChoiceList>,
    /// Why "Save" was refused.
    pub error: Option<String>,
    /// Saving (token being stored).
    pub saving: Option<RequestId>,
    /// Scheme, host and port of the saved account's URL (editing only): the
    /// only place its stored token may go without asking again.
    saved_origin: Option<String>,
    /// A new origin the user explicitly allowed the stored token to go to.
    confirmed_origin: Option<String>,
}

/// What the dialog asks the app to do this frame.
#[derive(Debug, PartialEq, Eq)]
pub enum ProfileModalResult {
    /// Keep showing.
    Open,
    /// Close without saving.
    Cancelled,
}

impl ProfileModal {
    /// A dialog for a new account of the first provider listed.
    pub fn new_account() -> Self {
        Self::new_profile(spec::all()[0].kind)
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
            choices: fields.iter().map(|_| ChoiceList::default()).collect(),
            profile,
            is_new,
            token: SecretString::default(),
            env_var,
            use_env,
            test_pending: None,
            test_result: None,
            error: None,
            saving: None,
            saved_origin,
            confirmed_origin: None,
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

    /// Applies a test-connection answer.
    pub fn on_tested(&mut self, request: RequestId, result: Result<String, ApiError>) {
        if self.test_pending == Some(request) {
            self.test_pending = None;
            self.test_result = Some(result.map_err(|err| err.to_string()));
        }
    }

    /// Applies a picker answer.
    pub fn on_choices(
        &mut self,
        request: RequestId,
        kind: ChoiceKind,
        result: Result<Vec<Choice>, ApiError>,
    ) {
        let Some(list) = self.choice_list(kind) else {
            return;
        };
        if list.pending != Some(request) {
            return;
        }
        list.pending = None;
        match result {
            Ok(items) => {
                list.items = items;
                list.error = None;
            }
            Err(err) => list.error = Some(err.to_string()),
        }
    }

    /// Draws the dialog. Requests go to `actions`; the app records their ids
    /// through [`Self::remember_request`].
    pub fn show(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) -> ProfileModalResult {
        let mut result = ProfileModalResult::Open;
        let modal = egui::Modal::new(egui::Id::unique("profile_modal")).show(ctx, |ui| {
            ui.set_width(560.0);
            ui.heading(if self.is_new {
                "Add account"
            } else {
                "Edit account"
            });
            ui.add_space(6.0);
            if self.is_new {
                ui.horizontal(|ui| {
                    let label = ui.label("Provider:");
                    egui::ComboBox::from_id_salt("provider_combo")
                        .selected_text(self.profile.provider().label())
                        .show_ui(ui, |ui| {
                            let current = self.profile.provider();
                            for provider in spec::all() {
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
                        .labelled_by(label.id);
                });
            } else {
                ui.label(format!("Provider: {}", self.profile.provider().label()));
            }
            labeled_text(ui, "Display name:", &mut self.profile.name);
            let provider = self.profile.provider().spec();
            labeled_text(ui, provider.base_url_label, &mut self.profile.base_url);
            if let Some(warning) =
                unofficial_host_warning(self.profile.provider(), &self.profile.base_url)
            {
                warning_line(ui, &format!("⚠ {warning}"));
            }
            self.new_host_fields(ui);
            if let Some(hint) = provider.base_url_hint {
                ui.label(egui::RichText::new(hint).small().weak());
            }
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                ui.radio_value(&mut self.use_env, false, "Store token in OS keyring");
                ui.radio_value(
                    &mut self.use_env,
                    true,
                    "Read token from environment variable",
                );
            });
            if self.use_env {
                labeled_text(ui, "Variable name:", &mut self.env_var);
            } else {
                let label = if self.is_new {
                    "API token:"
                } else {
                    "API token (empty keeps the stored one):"
                };
                let mut token = self.token.expose().to_string();
                let response = labeled_password(ui, label, &mut token);
                if response.changed() {
                    *self.token.expose_mut() = token;
                }
                // Fill the picker as soon as a token is entered.
                if response.lost_focus() && !self.token.is_empty() {
                    self.auto_load_picker(actions);
                }
            }
            if let Some(hint) = provider.token_hint {
                ui.label(egui::RichText::new(hint).small());
            }
            ui.add_space(4.0);
            for index in 0..self.fields().len() {
                self.field_ui(ui, index, actions);
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui.button("Test connection").clicked() {
                    self.test_result = match self.unconfirmed_new_host() {
                        Some(origin) => Some(Err(self.new_host_message(&origin))),
                        None => {
                            actions.push(UiAction::TestConnection {
                                profile: self.draft(),
                                token: self.typed_token(),
                            });
                            None
                        }
                    };
                }
                if self.test_pending.is_some() {
                    ui.add(egui::Spinner::new());
                }
                match &self.test_result {
                    Some(Ok(message)) => {
                        ui.colored_label(
                            egui::Color32::from_rgb(46, 160, 67),
                            format!("✔ {message}"),
                        );
                    }
                    Some(Err(message)) => error_line(ui, &format!("✖ {message}")),
                    None => {}
                }
            });
            if let Some(error) = &self.error {
                error_line(ui, error);
            }
            ui.separator();
            ui.horizontal(|ui| {
                let saving = self.saving.is_some();
                if ui.add_enabled(!saving, egui::Button::new("Save")).clicked() {
                    match self.build_profile() {
                        Ok(profile) => {
                            self.error = None;
                            actions.push(UiAction::SaveProfile {
                                profile,
                                token: self.typed_token(),
                            });
                        }
                        Err(message) => self.error = Some(message),
                    }
                }
                if saving {
                    ui.add(egui::Spinner::new());
                }
                if ui.button("Cancel").clicked() {
                    result = ProfileModalResult::Cancelled;
                }
            });
        });
        if modal.should_close() && self.saving.is_none() {
            result = ProfileModalResult::Cancelled;
        }
        result
    }

    /// Records the id of a request the dialog asked for, so its answer is
    /// routed back here.
    pub fn remember_request(&mut self, request: RequestId, kind: Option<ChoiceKind>) {
        match kind {
            None => self.test_pending = Some(request),
            Some(kind) => {
                if let Some(list) = self.choice_list(kind) {
                    list.pending = Some(request);
                }
            }
        }
    }

    /// The provider's account fields.
    fn fields(&self) -> &'static [ProfileField] {
        self.profile.provider().spec().profile_fields
    }

    /// The picker list filled by `kind`, if a field uses it.
    fn choice_list(&mut self, kind: ChoiceKind) -> Option<&mut ChoiceList> {
        let index = self
            .fields()
            .iter()
            .position(|field| field.choices == kind)?;
        self.choices.get_mut(index)
    }

    /// Loads the pickers that fill as soon as a token is entered, once.
    fn auto_load_picker(&mut self, actions: &mut Vec<UiAction>) {
        if self.unconfirmed_new_host().is_some() {
            return;
        }
        for (field, list) in self.fields().iter().zip(&self.choices) {
            if field.load_when_token_entered
                && list.items.is_empty()
                && list.pending.is_none()
                && list.error.is_none()
            {
                actions.push(UiAction::LoadChoices {
                    profile: self.draft(),
                    token: self.typed_token(),
                    kind: field.choices,
                });
            }
        }
    }

    /// Asks for a picker list, unless the host changed unconfirmed (then the
    /// list shows why nothing was sent).
    fn load_choices(&mut self, kind: ChoiceKind, actions: &mut Vec<UiAction>) {
        let blocked = self
            .unconfirmed_new_host()
            .map(|origin| self.new_host_message(&origin));
        let Some(list) = self.choice_list(kind) else {
            return;
        };
        list.error = blocked;
        if list.error.is_none() {
            actions.push(UiAction::LoadChoices {
                profile: self.draft(),
                token: self.typed_token(),
                kind,
            });
        }
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
        warning_line(
            ui,
            &format!(
                "⚠ The API address changed from {} to {origin}. Keyfleet sends nothing there with the existing token until you confirm the new host below or enter the token again.",
                self.saved_origin.as_deref().unwrap_or("(none)")
            ),
        );
        let mut confirmed = self.confirmed_origin.as_deref() == Some(origin.as_str());
        let label = self.confirm_label(&origin);
        if ui.checkbox(&mut confirmed, label).changed() {
            self.confirmed_origin = confirmed.then_some(origin);
        }
    }

    /// Draws account field `index`: a text box with a picker filled from
    /// the API, or checkboxes for a multi-valued field.
    fn field_ui(&mut self, ui: &mut egui::Ui, index: usize, actions: &mut Vec<UiAction>) {
        let field = &self.fields()[index];
        if field.multiple {
            self.multi_field_ui(ui, index, actions);
            return;
        }
        ui.horizontal(|ui| {
            let label = ui.label(field.label);
            ui.add(egui::TextEdit::singleline(&mut self.field_texts[index]).desired_width(180.0))
                .labelled_by(label.id);
            if ui.button(field.load_label).clicked() {
                self.load_choices(field.choices, actions);
            }
            let list = &self.choices[index];
            if list.pending.is_some() {
                ui.add(egui::Spinner::new());
            }
            if !list.items.is_empty() {
                let text = &mut self.field_texts[index];
                let selected = list
                    .items
                    .iter()
                    .find(|choice| choice.id == text.trim())
                    .map(|choice| choice.label.clone())
                    .unwrap_or_else(|| "Choose…".into());
                egui::ComboBox::from_label(field.pick_label)
                    .selected_text(selected)
                    .show_ui(ui, |ui| {
                        for choice in &list.items {
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
        if let Some(error) = &self.choices[index].error {
            error_line(ui, error);
        }
    }

    /// Checkboxes for a multi-valued field: every loaded choice, plus the
    /// values already set (so they can be unticked before loading).
    fn multi_field_ui(&mut self, ui: &mut egui::Ui, index: usize, actions: &mut Vec<UiAction>) {
        let field = &self.fields()[index];
        ui.horizontal(|ui| {
            ui.label(field.label);
            if ui.button(field.load_label).clicked() {
                self.load_choices(field.choices, actions);
            }
            if self.choices[index].pending.is_some() {
                ui.add(egui::Spinner::new());
            }
        });
        if let Some(error) = &self.choices[index].error {
            error_line(ui, error);
        }
        let mut values = self.profile.settings.values(field.key);
        let mut known: Vec<(String, String)> = self.choices[index]
            .items
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
