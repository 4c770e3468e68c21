//! The account dialog: provider, name, API base URL, project/regions or
//! organization, and where the token comes from.

use super::{UiAction, error_line, labeled_password, labeled_text, warning_line};
use crate::backend::{ChoiceKind, RequestId};
use crate::keys::SecretString;
use crate::providers::http::{check_token, normalize_base_url};
use crate::providers::{ApiError, Choice, ProviderKind, gcore, sesterce};
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
    /// Gcore project id as typed.
    pub project_text: String,
    /// Terraform organization as typed.
    pub organization_text: String,
    /// Pending "Test connection".
    pub test_pending: Option<RequestId>,
    /// Result of the last test: Ok(message) or Err(message).
    pub test_result: Option<Result<String, String>>,
    /// Gcore projects.
    pub projects: ChoiceList,
    /// Gcore regions.
    pub regions: ChoiceList,
    /// Terraform organizations.
    pub organizations: ChoiceList,
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
            TokenSource::Keyring => (false, profile.provider.default_env_var().to_string()),
        };
        let saved_origin = if is_new {
            None
        } else {
            url_origin(&profile.base_url)
        };
        Self {
            project_text: profile
                .project_id
                .map(|p| p.to_string())
                .unwrap_or_default(),
            organization_text: profile.organization.clone().unwrap_or_default(),
            profile,
            is_new,
            token: SecretString::default(),
            env_var,
            use_env,
            test_pending: None,
            test_result: None,
            projects: ChoiceList::default(),
            regions: ChoiceList::default(),
            organizations: ChoiceList::default(),
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
        match profile.provider {
            ProviderKind::Gcore => {
                let text = self.project_text.trim();
                profile.project_id = if text.is_empty() {
                    return Err(
                        "Choose a project (load the list, or type the project number).".into(),
                    );
                } else {
                    Some(text.parse::<u64>().map_err(|_| {
                        format!("The project must be a number (the project ID), not \"{text}\".")
                    })?)
                };
            }
            ProviderKind::Terraform => {
                let org = self.organization_text.trim();
                if org.is_empty() {
                    return Err("Choose an organization (load the list, or type its name).".into());
                }
                profile.organization = Some(org.to_string());
            }
            ProviderKind::Sesterce => {}
        }
        Ok(profile)
    }

    /// The profile for a test or picker request: the fields as typed, with
    /// what is missing left empty.
    fn draft(&self) -> Profile {
        let mut profile = self.profile.clone();
        profile.project_id = self.project_text.trim().parse().ok();
        let org = self.organization_text.trim();
        profile.organization = (!org.is_empty()).then(|| org.to_string());
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
        let list = match kind {
            ChoiceKind::Projects => &mut self.projects,
            ChoiceKind::Regions => &mut self.regions,
            ChoiceKind::Organizations => &mut self.organizations,
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
                        .selected_text(self.profile.provider.label())
                        .show_ui(ui, |ui| {
                            for kind in ProviderKind::ALL {
                                if ui
                                    .selectable_label(self.profile.provider == kind, kind.label())
                                    .clicked()
                                    && self.profile.provider != kind
                                {
                                    *self = Self::new_profile(kind);
                                }
                            }
                        })
                        .response
                        .labelled_by(label.id);
                });
            } else {
                ui.label(format!("Provider: {}", self.profile.provider.label()));
            }
            labeled_text(ui, "Display name:", &mut self.profile.name);
            let url_label = match self.profile.provider {
                ProviderKind::Terraform => "Hostname / base URL:",
                _ => "API base URL:",
            };
            labeled_text(ui, url_label, &mut self.profile.base_url);
            if let Some(warning) =
                unofficial_host_warning(self.profile.provider, &self.profile.base_url)
            {
                warning_line(ui, &format!("⚠ {warning}"));
            }
            self.new_host_fields(ui);
            if self.profile.provider == ProviderKind::Terraform {
                ui.label(
                    egui::RichText::new(
                        "Keyfleet adds /api/v2. For Terraform Enterprise use https://<your-host>.",
                    )
                    .small()
                    .weak(),
                );
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
            if self.profile.provider == ProviderKind::Terraform {
                ui.label(
                    egui::RichText::new(
                        "Use a user or team API token: organization tokens cannot manage SSH keys.",
                    )
                    .small(),
                );
            }
            ui.add_space(4.0);
            match self.profile.provider {
                ProviderKind::Gcore => self.gcore_fields(ui, actions),
                ProviderKind::Terraform => self.terraform_fields(ui, actions),
                ProviderKind::Sesterce => {}
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
            Some(ChoiceKind::Projects) => self.projects.pending = Some(request),
            Some(ChoiceKind::Regions) => self.regions.pending = Some(request),
            Some(ChoiceKind::Organizations) => self.organizations.pending = Some(request),
        }
    }

    /// Loads the project or organization list once, if not loaded yet.
    fn auto_load_picker(&mut self, actions: &mut Vec<UiAction>) {
        let (kind, list) = match self.profile.provider {
            ProviderKind::Gcore => (ChoiceKind::Projects, &self.projects),
            ProviderKind::Terraform => (ChoiceKind::Organizations, &self.organizations),
            ProviderKind::Sesterce => return,
        };
        if list.items.is_empty()
            && list.pending.is_none()
            && list.error.is_none()
            && self.unconfirmed_new_host().is_none()
        {
            actions.push(UiAction::LoadChoices {
                profile: self.draft(),
                token: self.typed_token(),
                kind,
            });
        }
    }

    /// Asks for a picker list, unless the host changed unconfirmed (then the
    /// list shows why nothing was sent).
    fn load_choices(&mut self, kind: ChoiceKind, actions: &mut Vec<UiAction>) {
        let blocked = self
            .unconfirmed_new_host()
            .map(|origin| self.new_host_message(&origin));
        let list = match kind {
            ChoiceKind::Projects => &mut self.projects,
            ChoiceKind::Regions => &mut self.regions,
            ChoiceKind::Organizations => &mut self.organizations,
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

    fn gcore_fields(&mut self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        ui.horizontal(|ui| {
            let label = ui.label("Project ID:");
            ui.add(egui::TextEdit::singleline(&mut self.project_text).desired_width(100.0))
                .labelled_by(label.id);
            if ui.button("Load projects").clicked() {
                self.load_choices(ChoiceKind::Projects, actions);
            }
            if self.projects.pending.is_some() {
                ui.add(egui::Spinner::new());
            }
            if !self.projects.items.is_empty() {
                let selected = self
                    .projects
                    .items
                    .iter()
                    .find(|choice| choice.id == self.project_text.trim())
                    .map(|choice| choice.label.clone())
                    .unwrap_or_else(|| "Choose…".into());
                egui::ComboBox::from_label("Pick a project")
                    .selected_text(selected)
                    .show_ui(ui, |ui| {
                        for choice in &self.projects.items {
                            if ui
                                .selectable_label(
                                    choice.id == self.project_text.trim(),
                                    &choice.label,
                                )
                                .clicked()
                            {
                                self.project_text = choice.id.clone();
                            }
                        }
                    });
            }
        });
        if let Some(error) = &self.projects.error {
            error_line(ui, error);
        }
        ui.horizontal(|ui| {
            ui.label("Legacy regional keypairs:");
            if ui.button("Load regions").clicked() {
                self.load_choices(ChoiceKind::Regions, actions);
            }
            if self.regions.pending.is_some() {
                ui.add(egui::Spinner::new());
            }
        });
        if let Some(error) = &self.regions.error {
            error_line(ui, error);
        }
        let mut region_ids: Vec<u64> = self.profile.region_ids.clone();
        let mut known: Vec<(u64, String)> = self
            .regions
            .items
            .iter()
            .filter_map(|choice| choice.id.parse().ok().map(|id| (id, choice.label.clone())))
            .collect();
        for id in &region_ids {
            if !known.iter().any(|(known_id, _)| known_id == id) {
                known.push((*id, format!("Region {id}")));
            }
        }
        if !known.is_empty() {
            ui.horizontal_wrapped(|ui| {
                for (id, label) in known {
                    let mut checked = region_ids.contains(&id);
                    if ui.checkbox(&mut checked, label).changed() {
                        if checked {
                            region_ids.push(id);
                        } else {
                            region_ids.retain(|r| *r != id);
                        }
                    }
                }
            });
            region_ids.sort_unstable();
            self.profile.region_ids = region_ids;
        }
    }

    fn terraform_fields(&mut self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        ui.horizontal(|ui| {
            let label = ui.label("Organization:");
            ui.add(egui::TextEdit::singleline(&mut self.organization_text).desired_width(180.0))
                .labelled_by(label.id);
            if ui.button("Load organizations").clicked() {
                self.load_choices(ChoiceKind::Organizations, actions);
            }
            if self.organizations.pending.is_some() {
                ui.add(egui::Spinner::new());
            }
            if !self.organizations.items.is_empty() {
                let selected = if self.organization_text.trim().is_empty() {
                    "Choose…".to_string()
                } else {
                    self.organization_text.trim().to_string()
                };
                egui::ComboBox::from_label("Pick an organization")
                    .selected_text(selected)
                    .show_ui(ui, |ui| {
                        for choice in &self.organizations.items {
                            if ui
                                .selectable_label(
                                    choice.id == self.organization_text.trim(),
                                    &choice.label,
                                )
                                .clicked()
                            {
                                self.organization_text = choice.id.clone();
                            }
                        }
                    });
            }
        });
        if let Some(error) = &self.organizations.error {
            error_line(ui, error);
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

/// A warning when a Gcore or Sesterce address is not the provider's official
/// API host, where a typo would hand the token to a stranger. Loopback
/// addresses (the sandbox, `--demo`, a local proxy) and Terraform
/// (self-hosted Enterprise is normal) never warn; an invalid URL is reported
/// by Save instead.
pub fn unofficial_host_warning(provider: ProviderKind, base_url: &str) -> Option<String> {
    let official = match provider {
        ProviderKind::Gcore => gcore::DEFAULT_BASE_URL,
        ProviderKind::Sesterce => sesterce::DEFAULT_BASE_URL,
        ProviderKind::Terraform => return None,
    };
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
