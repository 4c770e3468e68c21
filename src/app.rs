//! The application: `logic` drains backend events into state, `ui` draws
//! the panels and dialogs and turns the user's actions into commands.

use std::collections::{HashMap, VecDeque};

use crate::backend::{Backend, Command, CreateOutcome, Event, EventPayload, RequestId, Services};
use crate::keys::SecretString;
use crate::providers::{ApiError, KeyScope, NewKey, NewKeyMaterial, RemoteKey, StoredMaterial};
use crate::state::KeyTable;
use crate::store::{Profile, ProfileStore, TokenSource};
use crate::ui::add_key_modal::{AddKeyModal, AddKeyResult};
use crate::ui::confirm_modal::{ConfirmChoice, ConfirmModal};
use crate::ui::generate_modal::{GenerateModal, GenerateResult};
use crate::ui::private_key_modal::{self, PendingPrivateKey, suggested_file_name};
use crate::ui::profile_modal::{ProfileModal, ProfileModalResult};
use crate::ui::rename_modal::RenameModal;
use crate::ui::status_bar::StatusBar;
use crate::ui::toasts::{ToastKind, Toasts};
use crate::ui::{UiAction, accounts_panel, keys_panel};

/// How the app is started.
pub struct AppOptions {
    /// The profiles file.
    pub store: ProfileStore,
    /// Backend services (secrets, dialogs, HTTP policy).
    pub services: Services,
    /// Demo mode (sandbox servers): shown in the title and status bar.
    pub demo: bool,
}

/// One account's keys and request state.
#[derive(Debug, Default)]
pub struct AccountView {
    /// Keys with sort/filter cache.
    pub table: KeyTable,
    /// The list request whose answer counts.
    pub loading: Option<RequestId>,
    /// Loaded at least once.
    pub loaded: bool,
    /// Last list error.
    pub error: Option<ApiError>,
    /// Keys with an operation in flight.
    pub busy_keys: Vec<String>,
}

/// A request in flight, for spinners and messages.
#[derive(Debug)]
struct InFlight {
    profile_id: Option<String>,
    key_id: Option<String>,
    label: String,
}

/// Where a generated key goes once it exists.
#[derive(Debug)]
struct PendingUpload {
    profile_id: String,
    name: String,
    shared_in_project: bool,
    passphrase: Option<SecretString>,
}

/// The Keyfleet window.
pub struct App {
    backend: Backend,
    store: ProfileStore,
    profiles_read_only: bool,
    profiles: Vec<Profile>,
    accounts: HashMap<String, AccountView>,
    selected: Option<String>,
    demo: bool,
    toasts: Toasts,
    status: StatusBar,
    profile_modal: Option<ProfileModal>,
    add_key_modal: Option<AddKeyModal>,
    generate_modal: Option<GenerateModal>,
    rename_modal: Option<RenameModal>,
    confirm_modal: Option<ConfirmModal>,
    details: Option<String>,
    private_keys: VecDeque<PendingPrivateKey>,
    close_prompt: bool,
    allow_close: bool,
    in_flight: HashMap<RequestId, InFlight>,
    profile_saves: HashMap<RequestId, Profile>,
    uploads: HashMap<RequestId, PendingUpload>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("profiles", &self.profiles.len())
            .field("selected", &self.selected)
            .field("demo", &self.demo)
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Loads profiles, starts the backend and refreshes every account.
    pub fn new(ctx: &egui::Context, options: AppOptions) -> Self {
        let repaint_ctx = ctx.clone();
        let backend = Backend::start(move || repaint_ctx.request_repaint(), options.services);
        let loaded = options.store.load();
        let mut app = Self {
            backend,
            store: options.store,
            profiles_read_only: loaded.read_only,
            selected: loaded.profiles.first().map(|p| p.id.clone()),
            profiles: loaded.profiles,
            accounts: HashMap::new(),
            demo: options.demo,
            toasts: Toasts::default(),
            status: StatusBar::default(),
            profile_modal: None,
            add_key_modal: None,
            generate_modal: None,
            rename_modal: None,
            confirm_modal: None,
            details: None,
            private_keys: VecDeque::new(),
            close_prompt: false,
            allow_close: false,
            in_flight: HashMap::new(),
            profile_saves: HashMap::new(),
            uploads: HashMap::new(),
        };
        if let Some(warning) = loaded.warning {
            app.toasts.push(
                ToastKind::Error,
                "Problem with the profiles file",
                Some(warning.clone()),
            );
            app.status.error("Problem with the profiles file", warning);
        }
        app.refresh_all();
        app
    }

    /// The accounts.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The state of one account.
    pub fn account(&self, profile_id: &str) -> Option<&AccountView> {
        self.accounts.get(profile_id)
    }

    /// The selected account's id.
    pub fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// Requests in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Private keys not yet saved or discarded.
    pub fn unsaved_private_keys(&self) -> usize {
        self.private_keys
            .iter()
            .filter(|key| key.saved.is_none())
            .count()
    }

    /// The notices on screen (tests read them).
    pub fn toasts(&self) -> &Toasts {
        &self.toasts
    }

    fn selected_profile(&self) -> Option<&Profile> {
        let id = self.selected.as_deref()?;
        self.profiles.iter().find(|p| p.id == id)
    }

    fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    fn track(
        &mut self,
        request: RequestId,
        profile_id: Option<&str>,
        key_id: Option<&str>,
        label: impl Into<String>,
    ) {
        self.in_flight.insert(
            request,
            InFlight {
                profile_id: profile_id.map(str::to_string),
                key_id: key_id.map(str::to_string),
                label: label.into(),
            },
        );
        if let (Some(profile_id), Some(key_id)) = (profile_id, key_id) {
            self.accounts
                .entry(profile_id.to_string())
                .or_default()
                .busy_keys
                .push(key_id.to_string());
        }
    }

    fn refresh(&mut self, profile_id: &str) {
        let Some(profile) = self.profile(profile_id).cloned() else {
            return;
        };
        let request = self
            .backend
            .send(|request| Command::ListKeys { request, profile });
        self.track(request, Some(profile_id), None, "refresh");
        self.accounts
            .entry(profile_id.to_string())
            .or_default()
            .loading = Some(request);
    }

    fn refresh_all(&mut self) {
        let ids: Vec<String> = self.profiles.iter().map(|p| p.id.clone()).collect();
        for id in ids {
            self.refresh(&id);
        }
    }

    /// Writes the profiles file; false (and a notice) when it was not saved.
    fn persist_profiles(&mut self) -> bool {
        if self.profiles_read_only {
            self.toasts.error(
                "Accounts were not saved",
                "The profiles file is from a newer Keyfleet or unreadable; it is left untouched.",
            );
            return false;
        }
        if let Err(message) = self.store.save(&self.profiles) {
            self.toasts
                .error("Accounts were not saved", message.clone());
            self.status.error("Accounts were not saved", message);
            return false;
        }
        true
    }

    /// Applies a saved dialog; returns whether the profiles file was written.
    fn commit_profile(&mut self, profile: Profile) -> bool {
        let id = profile.id.clone();
        let name = profile.name.clone();
        match self.profiles.iter_mut().find(|p| p.id == id) {
            Some(existing) => *existing = profile,
            None => self.profiles.push(profile),
        }
        let persisted = self.persist_profiles();
        self.profile_modal = None;
        self.selected = Some(id.clone());
        self.toasts.success(format!("Saved account \"{name}\""));
        self.refresh(&id);
        persisted
    }

    fn report_error(&mut self, context: &str, err: &ApiError) {
        let headline = format!("{context}: {err}");
        self.toasts.error(headline.clone(), err.full_text());
        self.status.error(headline, err.full_text());
    }

    // ----- events -------------------------------------------------------

    /// Applies one backend event.
    fn handle_event(&mut self, ctx: &egui::Context, event: Event) {
        let Event {
            request,
            profile_id,
            payload,
        } = event;
        let flight = self.in_flight.remove(&request);
        if let Some(InFlight {
            profile_id: Some(profile),
            key_id: Some(key),
            ..
        }) = &flight
            && let Some(account) = self.accounts.get_mut(profile)
            && let Some(position) = account.busy_keys.iter().position(|id| id == key)
        {
            account.busy_keys.remove(position);
        }
        let profile_id = profile_id.unwrap_or_default();
        let account_name = self
            .profile(&profile_id)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        match payload {
            EventPayload::ConnectionTested(result) => {
                if let Some(modal) = &mut self.profile_modal {
                    modal.on_tested(request, result);
                }
            }
            EventPayload::ChoicesLoaded(kind, result) => {
                if let Some(modal) = &mut self.profile_modal {
                    modal.on_choices(request, kind, result);
                }
            }
            EventPayload::TokenStored(result) => {
                let Some(profile) = self.profile_saves.remove(&request) else {
                    if let Err(err) = result {
                        self.report_error("Could not remove the stored token", &err);
                    }
                    return;
                };
                match result {
                    Ok(()) => {
                        self.commit_profile(profile);
                    }
                    Err(err) => {
                        if let Some(modal) = &mut self.profile_modal {
                            modal.saving = None;
                            modal.error = Some(err.to_string());
                        }
                    }
                }
            }
            EventPayload::KeysListed(result) => {
                // The account may have been removed, or refreshed again since.
                let Some(account) = self.accounts.get_mut(&profile_id) else {
                    return;
                };
                if account.loading != Some(request) {
                    return;
                }
                account.loading = None;
                match result {
                    Ok(keys) => {
                        account.loaded = true;
                        account.error = None;
                        let count = keys.len();
                        account.table.set_rows(keys);
                        self.status.info(format!("{account_name}: {count} keys"));
                    }
                    Err(err) => {
                        account.error = Some(err.clone());
                        self.report_error(&format!("Refreshing {account_name} failed"), &err);
                    }
                }
            }
            EventPayload::KeyCreated(result) => self.on_key_created(request, &profile_id, result),
            EventPayload::KeyDeleted { key_id, result } => match result {
                Ok(()) => {
                    if let Some(account) = self.accounts.get_mut(&profile_id) {
                        account.table.remove_row(&key_id);
                    }
                    let name = flight.map(|f| f.label).unwrap_or_default();
                    self.toasts.success(format!("Deleted {name}"));
                }
                Err(err) => self.report_error("Delete failed", &err),
            },
            EventPayload::KeyUpdated(result) => {
                let from_rename = self
                    .rename_modal
                    .as_ref()
                    .is_some_and(|m| m.pending == Some(request));
                let from_replace = self
                    .add_key_modal
                    .as_ref()
                    .is_some_and(|m| m.pending == Some(request));
                match result {
                    Ok(key) => {
                        let name = key.name.clone();
                        if let Some(account) = self.accounts.get_mut(&profile_id) {
                            account.table.update_row(key);
                        }
                        if from_rename {
                            self.rename_modal = None;
                        }
                        if from_replace {
                            self.add_key_modal = None;
                        }
                        let what = flight.map(|f| f.label).unwrap_or_else(|| "Updated".into());
                        self.toasts.success(format!("{what}: {name}"));
                    }
                    Err(err) => {
                        if from_rename && let Some(modal) = &mut self.rename_modal {
                            modal.pending = None;
                            modal.error = Some(err.to_string());
                        }
                        if from_replace && let Some(modal) = &mut self.add_key_modal {
                            modal.pending = None;
                            modal.error = Some(err.to_string());
                        }
                        self.report_error("Update failed", &err);
                    }
                }
            }
            EventPayload::DefaultMade { key_id, result } => match result {
                Ok(()) => {
                    if let Some(account) = self.accounts.get_mut(&profile_id) {
                        // Move the star locally: no reload, no flicker.
                        account
                            .table
                            .update_all(|row| row.is_default = Some(row.id == key_id));
                    }
                    self.toasts.success("Default key changed");
                }
                Err(err) => self.report_error("Make default failed", &err),
            },
            EventPayload::Generated(result) => self.on_generated(ctx, request, result),
            EventPayload::FileOpened(result) => {
                if let Some(modal) = &mut self.add_key_modal {
                    modal.on_file(request, result);
                }
            }
            EventPayload::PrivateKeySaved(result) => {
                let Some(key) = self
                    .private_keys
                    .iter_mut()
                    .find(|k| k.saving == Some(request))
                else {
                    return;
                };
                key.saving = None;
                match result {
                    Ok(Some(saved)) => {
                        key.error = None;
                        self.toasts.success(format!(
                            "Private key saved to {}",
                            saved.private_path.display()
                        ));
                        key.saved = Some(saved);
                    }
                    Ok(None) => {
                        key.error = Some(
                            "No file was chosen. If no file dialog appeared (no desktop portal), type a path below."
                                .into(),
                        );
                    }
                    Err(message) => key.error = Some(message),
                }
            }
        }
    }

    fn on_key_created(
        &mut self,
        request: RequestId,
        profile_id: &str,
        result: Result<CreateOutcome, ApiError>,
    ) {
        let from_dialog = self
            .add_key_modal
            .as_ref()
            .is_some_and(|m| m.pending == Some(request));
        let account_name = self
            .profile(profile_id)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        match result {
            Ok(CreateOutcome::Created(created)) => {
                let key = created.key;
                let name = key.name.clone();
                if let Some(private_key) = created.private_key {
                    let public_key = key.public_key.clone().unwrap_or_default();
                    let fingerprint = key.fingerprint_sha256.clone().unwrap_or_default();
                    self.private_keys
                        .push_back(PendingPrivateKey::received_from_server(
                            format!("Private key of \"{name}\" ({account_name})"),
                            private_key,
                            public_key,
                            fingerprint,
                            suggested_file_name(&name),
                        ));
                }
                self.accounts
                    .entry(profile_id.to_string())
                    .or_default()
                    .table
                    .push_row(key);
                if from_dialog {
                    self.add_key_modal = None;
                }
                self.toasts
                    .success(format!("Added \"{name}\" to {account_name}"));
            }
            Ok(CreateOutcome::LostButFound {
                key,
                private_key_lost,
            }) => {
                let name = key.name.clone();
                if from_dialog {
                    self.add_key_modal = None;
                }
                self.accounts
                    .entry(profile_id.to_string())
                    .or_default()
                    .table
                    .push_row(key.clone());
                if private_key_lost {
                    self.confirm_modal = Some(ConfirmModal::new(
                        "Private key lost",
                        format!(
                            "The answer was lost, but \"{name}\" was created in {account_name}. The private key generated for it was in that answer, so it never arrived and cannot be fetched again: the key exists without a usable private key. Delete this orphan key?"
                        ),
                        "Delete orphan key",
                        UiAction::Delete(key),
                    ));
                } else {
                    self.toasts.push(
                        ToastKind::Info,
                        format!(
                            "The answer was lost, but \"{name}\" was created in {account_name}."
                        ),
                        None,
                    );
                }
            }
            Err(err) => {
                if from_dialog && let Some(modal) = &mut self.add_key_modal {
                    modal.pending = None;
                    modal.error = Some(err.to_string());
                }
                self.report_error("Adding the key failed", &err);
            }
        }
    }

    fn on_generated(
        &mut self,
        ctx: &egui::Context,
        request: RequestId,
        result: Result<crate::keys::generate::GeneratedKey, String>,
    ) {
        let Some(upload) = self.uploads.remove(&request) else {
            return;
        };
        let generated = match result {
            Ok(generated) => generated,
            Err(message) => {
                if let Some(modal) = &mut self.generate_modal {
                    modal.pending = None;
                    modal.error = Some(message);
                }
                return;
            }
        };
        self.generate_modal = None;
        let Some(profile) = self.profile(&upload.profile_id).cloned() else {
            return;
        };
        let spec = profile.provider().spec();
        let uploads_private_key = spec.capabilities.stores == StoredMaterial::PrivateKey;
        let mut pending = PendingPrivateKey::new(
            format!("Private key of \"{}\" ({})", upload.name, profile.name),
            generated.private_key.clone(),
            generated.public.openssh.clone(),
            generated.public.fingerprint_sha256.clone(),
            upload.passphrase,
            suggested_file_name(&upload.name),
        );
        let material = if uploads_private_key {
            ctx.copy_text(generated.public.openssh.clone());
            pending.note = spec.generate.after_upload_note.map(str::to_string);
            NewKeyMaterial::PrivateKey(generated.private_key.clone())
        } else {
            NewKeyMaterial::PublicKey(generated.public.openssh.clone())
        };
        self.private_keys.push_back(pending);
        let new_key = NewKey {
            name: upload.name.clone(),
            material,
            shared_in_project: upload.shared_in_project,
            scope: KeyScope::Account,
        };
        self.send_create(profile, new_key, format!("upload {}", upload.name));
    }

    // ----- actions ------------------------------------------------------

    fn handle_action(&mut self, ctx: &egui::Context, action: UiAction) {
        match action {
            UiAction::SelectAccount(id) => self.selected = Some(id),
            UiAction::Refresh(id) => self.refresh(&id),
            UiAction::RefreshAll => self.refresh_all(),
            UiAction::EditProfile(None) => self.profile_modal = Some(ProfileModal::new_account()),
            UiAction::EditProfile(Some(id)) => {
                if let Some(profile) = self.profile(&id).cloned() {
                    self.profile_modal = Some(ProfileModal::edit(profile));
                }
            }
            UiAction::AskRemoveProfile(id) => {
                if let Some(profile) = self.profile(&id) {
                    self.confirm_modal = Some(ConfirmModal::new(
                        "Remove account",
                        format!(
                            "Remove the account \"{}\" from Keyfleet? Its keys stay at {}; only the profile and its stored token are removed.",
                            profile.name,
                            profile.provider().label()
                        ),
                        "Remove account",
                        UiAction::RemoveProfile(id),
                    ));
                }
            }
            UiAction::RemoveProfile(id) => {
                let Some(position) = self.profiles.iter().position(|p| p.id == id) else {
                    return;
                };
                let profile = self.profiles.remove(position);
                self.accounts.remove(&id);
                if self.selected.as_deref() == Some(id.as_str()) {
                    self.selected = self.profiles.first().map(|p| p.id.clone());
                }
                self.persist_profiles();
                if profile.token_source == TokenSource::Keyring {
                    self.forget_token(&id);
                }
                self.toasts
                    .success(format!("Removed account \"{}\"", profile.name));
            }
            UiAction::SaveProfile { profile, token } => match token {
                Some(token) => {
                    let profile_id = profile.id.clone();
                    let request = self.backend.send(|request| Command::StoreToken {
                        request,
                        profile_id,
                        token,
                    });
                    self.track(request, None, None, "store token");
                    self.profile_saves.insert(request, profile);
                    if let Some(modal) = &mut self.profile_modal {
                        modal.saving = Some(request);
                    }
                }
                None => {
                    // A token left in the keyring after switching to an
                    // environment variable would outlive the user's intent.
                    let id = profile.id.clone();
                    let leaves_keyring = matches!(profile.token_source, TokenSource::EnvVar(_))
                        && self
                            .profile(&id)
                            .is_some_and(|old| old.token_source == TokenSource::Keyring);
                    // Only once the file says "environment variable": else
                    // a restart would find a keyring account without token.
                    if self.commit_profile(profile) && leaves_keyring {
                        self.forget_token(&id);
                    }
                }
            },
            UiAction::TestConnection { profile, token } => {
                let request = self.backend.send(|request| Command::TestConnection {
                    request,
                    profile,
                    token,
                });
                self.track(request, None, None, "test connection");
                if let Some(modal) = &mut self.profile_modal {
                    modal.remember_request(request, None);
                }
            }
            UiAction::LoadChoices {
                profile,
                token,
                kind,
            } => {
                let request = self.backend.send(|request| Command::LoadChoices {
                    request,
                    profile,
                    token,
                    kind,
                });
                self.track(request, None, None, "load list");
                if let Some(modal) = &mut self.profile_modal {
                    modal.remember_request(request, Some(kind));
                }
            }
            UiAction::OpenAddKey => {
                if let Some(profile) = self.selected_profile().cloned() {
                    self.add_key_modal = Some(AddKeyModal::new(profile));
                }
            }
            UiAction::OpenGenerate => {
                if let Some(profile) = self.selected_profile().cloned() {
                    self.generate_modal = Some(GenerateModal::new(profile));
                }
            }
            UiAction::CreateKey(new_key) => {
                let Some(profile) = self
                    .add_key_modal
                    .as_ref()
                    .map(|m| m.profile.clone())
                    .or_else(|| self.selected_profile().cloned())
                else {
                    return;
                };
                let label = format!("create {}", new_key.name);
                let request = self.send_create(profile, new_key, label);
                if let Some(modal) = &mut self.add_key_modal {
                    modal.pending = Some(request);
                }
            }
            UiAction::GenerateAndUpload {
                spec,
                name,
                shared_in_project,
            } => {
                let Some(profile) = self.generate_modal.as_ref().map(|m| m.profile.clone()) else {
                    return;
                };
                let passphrase = spec.passphrase.clone();
                let request = self
                    .backend
                    .send(|request| Command::GenerateLocal { request, spec });
                self.track(request, Some(&profile.id), None, "generate key");
                self.uploads.insert(
                    request,
                    PendingUpload {
                        profile_id: profile.id,
                        name,
                        shared_in_project,
                        passphrase,
                    },
                );
                if let Some(modal) = &mut self.generate_modal {
                    modal.pending = Some(request);
                }
            }
            UiAction::OpenKeyFile { kind, path } => {
                let request = self.backend.send(|request| Command::OpenKeyFile {
                    request,
                    kind,
                    path,
                });
                self.track(request, None, None, "open file");
                if let Some(modal) = &mut self.add_key_modal {
                    modal.file_pending = Some(request);
                }
            }
            UiAction::Copy { text, what } => {
                ctx.copy_text(text);
                self.toasts
                    .success(format!("Copied {what} to the clipboard"));
            }
            UiAction::SetShared(key, shared) => {
                self.key_command(
                    key,
                    if shared { "Shared" } else { "Unshared" },
                    |request, profile, key| Command::SetShared {
                        request,
                        profile,
                        key,
                        shared,
                    },
                );
            }
            UiAction::MakeDefault(key) => {
                self.key_command(key, "Made default", |request, profile, key| {
                    Command::MakeDefault {
                        request,
                        profile,
                        key,
                    }
                });
            }
            UiAction::AskRename(key) => {
                if let Some(profile) = self.selected_profile() {
                    self.rename_modal = Some(RenameModal::new(key, profile.provider()));
                }
            }
            UiAction::AskReplace(key) => {
                if let Some(profile) = self.selected_profile().cloned() {
                    self.add_key_modal = Some(AddKeyModal::replace(profile, key));
                }
            }
            UiAction::Rename(key, name) => {
                let request =
                    self.key_command(key, "Renamed", |request, profile, key| Command::RenameKey {
                        request,
                        profile,
                        key,
                        name,
                    });
                if let (Some(request), Some(modal)) = (request, &mut self.rename_modal) {
                    modal.pending = Some(request);
                }
            }
            UiAction::ReplaceValue(key, private_key) => {
                let request =
                    self.key_command(key, "Replaced key text", |request, profile, key| {
                        Command::ReplaceKeyValue {
                            request,
                            profile,
                            key,
                            private_key,
                        }
                    });
                if let (Some(request), Some(modal)) = (request, &mut self.add_key_modal) {
                    modal.pending = Some(request);
                }
            }
            UiAction::AskDelete(key) => {
                let account = self
                    .selected_profile()
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                let what = match &key.scope {
                    KeyScope::Account => "key",
                    KeyScope::Region { .. } => "legacy keypair",
                    KeyScope::Signing => "signing key",
                };
                self.confirm_modal = Some(ConfirmModal::new(
                    "Delete key",
                    format!(
                        "Delete the {what} \"{}\" from {account}? Servers that trust it keep it, but it can no longer be used for new machines. This cannot be undone.",
                        key.name
                    ),
                    format!("Delete \"{}\"", key.name),
                    UiAction::Delete(key),
                ));
            }
            UiAction::Delete(key) => {
                let name = format!("\"{}\"", key.name);
                self.key_command(key, &name, |request, profile, key| Command::DeleteKey {
                    request,
                    profile,
                    key,
                });
            }
            UiAction::CopyToProject(key) => {
                let Some(public_key) = key.public_key.clone() else {
                    return;
                };
                let Some(profile) = self.selected_profile().cloned() else {
                    return;
                };
                let new_key = NewKey {
                    name: key.name.clone(),
                    material: NewKeyMaterial::PublicKey(public_key),
                    shared_in_project: key.shared_in_project.unwrap_or(true),
                    scope: KeyScope::Account,
                };
                self.send_create(profile, new_key, format!("copy {} to project", key.name));
            }
            UiAction::SavePrivateKey(path) => {
                let Some(key) = self.private_keys.front_mut() else {
                    return;
                };
                key.error = None;
                let command_key = (
                    key.private_key.clone(),
                    key.public_key_for_save(),
                    key.passphrase.clone(),
                    key.suggested_name.clone(),
                    key.save_as_received,
                );
                let request = self.backend.send(|request| Command::SavePrivateKey {
                    request,
                    private_key: command_key.0,
                    public_key: command_key.1,
                    passphrase: command_key.2,
                    suggested_name: command_key.3,
                    path,
                    exactly_as_received: command_key.4,
                });
                if let Some(key) = self.private_keys.front_mut() {
                    key.saving = Some(request);
                }
                self.track(request, None, None, "save private key");
            }
            UiAction::DiscardPrivateKey => {
                if self.private_keys.pop_front().is_some() {
                    self.toasts
                        .push(ToastKind::Info, "Private key discarded", None);
                }
            }
            UiAction::DonePrivateKey => {
                self.private_keys.pop_front();
            }
            UiAction::ShowErrorDetails(text) => self.details = Some(text),
        }
    }

    /// Deletes the account's keyring entry; a failure is reported as a notice.
    fn forget_token(&mut self, profile_id: &str) {
        let profile_id = profile_id.to_string();
        let request = self.backend.send(|request| Command::DeleteToken {
            request,
            profile_id,
        });
        self.track(request, None, None, "remove token");
    }

    /// Sends a create for `profile`; returns its request id.
    fn send_create(&mut self, profile: Profile, new_key: NewKey, label: String) -> RequestId {
        let profile_id = profile.id.clone();
        let request = self.backend.send(|request| Command::CreateKey {
            request,
            profile,
            new_key,
        });
        self.track(request, Some(&profile_id), None, label);
        request
    }

    /// Sends a command about one key of the selected account; returns its id.
    fn key_command(
        &mut self,
        key: RemoteKey,
        label: &str,
        build: impl FnOnce(RequestId, Profile, RemoteKey) -> Command,
    ) -> Option<RequestId> {
        let profile = self.selected_profile().cloned()?;
        let profile_id = profile.id.clone();
        let key_id = key.id.clone();
        let request = self.backend.send(|request| build(request, profile, key));
        self.track(request, Some(&profile_id), Some(&key_id), label);
        Some(request)
    }

    // ----- drawing ------------------------------------------------------

    fn draw_modals(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        // An unsaved private key comes first: nothing else may hide it.
        let remaining = self.private_keys.len();
        if let Some(key) = self.private_keys.front_mut() {
            private_key_modal::show(ctx, key, remaining, actions);
            return;
        }
        if let Some(modal) = &mut self.profile_modal
            && modal.show(ctx, actions) == ProfileModalResult::Cancelled
        {
            self.profile_modal = None;
        }
        if let Some(modal) = &mut self.add_key_modal
            && modal.show(ctx, actions) == AddKeyResult::Cancelled
        {
            self.add_key_modal = None;
        }
        if let Some(modal) = &mut self.generate_modal
            && modal.show(ctx, actions) == GenerateResult::Cancelled
        {
            self.generate_modal = None;
        }
        if let Some(modal) = &mut self.rename_modal
            && !modal.show(ctx, actions)
        {
            self.rename_modal = None;
        }
        if let Some(modal) = &mut self.confirm_modal {
            match modal.show(ctx) {
                ConfirmChoice::Open => {}
                ConfirmChoice::Cancelled => self.confirm_modal = None,
                ConfirmChoice::Confirmed => {
                    if let Some(action) = modal.on_confirm.take() {
                        actions.push(action);
                    }
                    self.confirm_modal = None;
                }
            }
        }
        if let Some(text) = &self.details {
            let mut open = true;
            let modal = egui::Modal::new(egui::Id::unique("details_modal")).show(ctx, |ui| {
                ui.set_width(560.0);
                ui.heading("Error details");
                egui::ScrollArea::vertical()
                    .max_height(300.0)
                    .show(ui, |ui| {
                        ui.add(
                            egui::Label::new(egui::RichText::new(text).monospace())
                                .selectable(true),
                        );
                    });
                ui.horizontal(|ui| {
                    if ui.button("Copy").clicked() {
                        actions.push(UiAction::Copy {
                            text: text.clone(),
                            what: "error details",
                        });
                    }
                    if ui.button("Close").clicked() {
                        open = false;
                    }
                });
            });
            if !open || modal.should_close() {
                self.details = None;
            }
        }
    }

    fn draw_close_prompt(&mut self, ctx: &egui::Context) {
        if !self.close_prompt {
            return;
        }
        egui::Modal::new(egui::Id::unique("close_prompt")).show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading("Unsaved private key");
            ui.label(format!(
                "{} private key(s) have not been saved. They cannot be fetched again: quitting now loses them.",
                self.unsaved_private_keys()
            ));
            ui.horizontal(|ui| {
                if ui.button("Go back and save").clicked() {
                    self.close_prompt = false;
                }
                if ui.button("Quit and lose them").clicked() {
                    self.close_prompt = false;
                    self.allow_close = true;
                    self.private_keys.clear();
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
        });
    }

    fn draw_central(&mut self, ui: &mut egui::Ui, actions: &mut Vec<UiAction>) {
        if self.profiles.is_empty() {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() / 3.0);
                ui.heading("No accounts yet");
                ui.label(format!(
                    "Add {} account to see its SSH keys here.",
                    providers_in_words()
                ));
                ui.add_space(8.0);
                if ui.button("➕ Add your first account").clicked() {
                    actions.push(UiAction::EditProfile(None));
                }
            });
            return;
        }
        let Some(profile) = self.selected_profile().cloned() else {
            ui.label("Select an account on the left.");
            return;
        };
        let account = self.accounts.entry(profile.id.clone()).or_default();
        keys_panel::show(
            ui,
            keys_panel::KeysView {
                profile: &profile,
                table: &mut account.table,
                loading: account.loading.is_some(),
                loaded: account.loaded,
                error: account.error.as_ref(),
                busy_keys: &account.busy_keys,
            },
            actions,
        );
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // Apply answers for at most a few milliseconds per frame, so twenty
        // big accounts arriving together never stall one frame.
        let budget = std::time::Instant::now();
        while let Some(event) = self.backend.try_recv() {
            self.handle_event(ctx, event);
            if budget.elapsed() > std::time::Duration::from_millis(4) {
                ctx.request_repaint();
                break;
            }
        }
        if ctx.input(|i| i.viewport().close_requested())
            && self.unsaved_private_keys() > 0
            && !self.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.close_prompt = true;
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let mut actions = Vec::new();
        let modal_open = !self.private_keys.is_empty()
            || self.profile_modal.is_some()
            || self.add_key_modal.is_some()
            || self.generate_modal.is_some();
        if !modal_open {
            if ctx.input_mut(|i| {
                i.consume_key(
                    egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                    egui::Key::R,
                )
            }) {
                actions.push(UiAction::RefreshAll);
            } else if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::R))
                && let Some(id) = self.selected.clone()
            {
                actions.push(UiAction::Refresh(id));
            }
        }
        let in_flight = self.in_flight.len();
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            self.status.show(ui, in_flight, self.demo, &mut actions);
        });
        egui::Panel::left("accounts_panel")
            .resizable(true)
            .default_size(240.0)
            .show(ui, |ui| {
                let accounts = &self.accounts;
                let busy_profiles: Vec<&str> = self
                    .in_flight
                    .values()
                    .filter_map(|flight| flight.profile_id.as_deref())
                    .collect();
                accounts_panel::show(
                    ui,
                    &self.profiles,
                    self.selected.as_deref(),
                    |id| accounts_panel::AccountBadge {
                        busy: busy_profiles.contains(&id),
                        failed: accounts.get(id).is_some_and(|a| a.error.is_some()),
                        key_count: accounts.get(id).filter(|a| a.loaded).map(|a| a.table.len()),
                    },
                    &mut actions,
                );
            });
        egui::CentralPanel::default().show(ui, |ui| self.draw_central(ui, &mut actions));
        self.draw_modals(&ctx, &mut actions);
        self.draw_close_prompt(&ctx);
        self.toasts.show(&ctx, &mut actions);
        for action in actions {
            self.handle_action(&ctx, action);
        }
    }
}

/// "a Gcore Cloud, Sesterce or HCP Terraform" from the provider specs.
fn providers_in_words() -> String {
    let labels: Vec<&str> = crate::providers::spec::all()
        .iter()
        .map(|spec| spec.label)
        .collect();
    match labels.split_last() {
        Some((last, [])) => format!("a {last}"),
        Some((last, rest)) => format!("a {} or {last}", rest.join(", ")),
        None => "an".into(),
    }
}
