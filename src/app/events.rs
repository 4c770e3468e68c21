//! Answers from the backend, polled once per frame (in `logic`), and what
//! the modals finished. Each request is owned by whoever asked: an
//! account's list by its [`AccountView`](super::AccountView), a modal's
//! requests by the modal, and the key operations started from the table by
//! the app (below), which reports them as notices.

use super::App;
use crate::backend::{CreateOutcome, Pending};
use crate::keys::generate::GeneratedKey;
use crate::providers::{ApiError, KeyScope, NewKey, NewKeyMaterial, RemoteKey, StoredMaterial};
use crate::ui::UiAction;
use crate::ui::confirm_modal::ConfirmModal;
use crate::ui::modal::Outcome;
use crate::ui::modal::Upload;
use crate::ui::private_key_modal::{PendingPrivateKey, suggested_file_name};
use crate::ui::toasts::ToastKind;

/// A key operation started from the table (or after a generation), whose
/// answer becomes a notice.
#[derive(Debug)]
pub(super) struct Operation {
    /// The account, if any (busy marks).
    pub(super) profile_id: Option<String>,
    /// The key, if any (busy marks in the table).
    pub(super) key_id: Option<String>,
    /// What the notice calls it.
    pub(super) label: String,
    /// The pending answer.
    pub(super) answer: Answer,
}

/// The pending answer of an [`Operation`].
#[derive(Debug)]
pub(super) enum Answer {
    /// A key created.
    Created(Pending<Result<CreateOutcome, ApiError>>),
    /// A key deleted.
    Deleted(Pending<Result<(), ApiError>>),
    /// A key changed (shared or unshared).
    Updated(Pending<Result<RemoteKey, ApiError>>),
    /// The default key moved.
    DefaultMade(Pending<Result<(), ApiError>>),
    /// A stored token removed.
    TokenRemoved(Pending<Result<(), ApiError>>),
}

/// An answered [`Answer`].
enum Finished {
    Created(Result<CreateOutcome, ApiError>),
    Deleted(Result<(), ApiError>),
    Updated(Result<RemoteKey, ApiError>),
    DefaultMade(Result<(), ApiError>),
    TokenRemoved(Result<(), ApiError>),
}

impl Answer {
    fn poll(&mut self) -> Option<Finished> {
        Some(match self {
            Answer::Created(pending) => Finished::Created(pending.poll()?),
            Answer::Deleted(pending) => Finished::Deleted(pending.poll()?),
            Answer::Updated(pending) => Finished::Updated(pending.poll()?),
            Answer::DefaultMade(pending) => Finished::DefaultMade(pending.poll()?),
            Answer::TokenRemoved(pending) => Finished::TokenRemoved(pending.poll()?),
        })
    }
}

impl App {
    /// Applies every answer that arrived since the last frame.
    pub(super) fn poll_answers(&mut self, ctx: &egui::Context) {
        for outcome in self.modals.poll() {
            self.apply_outcome(ctx, outcome);
        }
        self.poll_operations();
        for (name, result) in self.accounts.poll_lists(ctx) {
            match result {
                Ok(count) => self.status.info(format!("Listed {count} keys of {name}")),
                Err(err) => self.report_error(&format!("Refreshing {name} failed"), &err),
            }
        }
    }

    fn poll_operations(&mut self) {
        let mut index = 0;
        while index < self.operations.len() {
            match self.operations[index].answer.poll() {
                None => index += 1,
                Some(finished) => {
                    let operation = self.operations.remove(index);
                    self.finish_operation(operation, finished);
                }
            }
        }
    }

    fn finish_operation(&mut self, operation: Operation, finished: Finished) {
        let profile_id = operation.profile_id.unwrap_or_default();
        match finished {
            Finished::Created(result) => self.on_key_created(&profile_id, result),
            Finished::Deleted(Ok(())) => {
                if let (Some(account), Some(key_id)) =
                    (self.accounts.get_mut(&profile_id), &operation.key_id)
                {
                    account.table.remove_row(key_id);
                }
                self.toasts.success(format!("Deleted {}", operation.label));
            }
            Finished::Deleted(Err(err)) => self.report_error("Delete failed", &err),
            Finished::Updated(Ok(key)) => self.on_key_updated(&profile_id, key, &operation.label),
            Finished::Updated(Err(err)) => self.report_error("Update failed", &err),
            Finished::DefaultMade(Ok(())) => {
                if let (Some(account), Some(key_id)) =
                    (self.accounts.get_mut(&profile_id), &operation.key_id)
                {
                    // Move the star locally: no reload, no flicker.
                    account
                        .table
                        .update_all(|row| row.is_default = Some(&row.id == key_id));
                }
                self.toasts.success("Default key changed");
            }
            Finished::DefaultMade(Err(err)) => self.report_error("Make default failed", &err),
            Finished::TokenRemoved(Ok(())) => {}
            Finished::TokenRemoved(Err(err)) => {
                self.report_error("Could not remove the stored token", &err);
            }
        }
    }

    /// Carries out what a modal finished.
    pub(super) fn apply_outcome(&mut self, ctx: &egui::Context, outcome: Outcome) {
        match outcome {
            Outcome::SaveProfile(profile) => self.save_profile(*profile),
            Outcome::KeyCreated(profile_id, created) => {
                self.on_key_created(&profile_id, Ok(*created));
            }
            Outcome::KeyUpdated(profile_id, key, label) => {
                self.on_key_updated(&profile_id, *key, label);
            }
            Outcome::Generated(generated, upload) => self.on_generated(ctx, *generated, upload),
            Outcome::Run(action) => self.handle_action(ctx, *action),
            Outcome::Failed(context, err) => self.report_error(context, &err),
            Outcome::AccountsChanged(ids) => ids.iter().for_each(|id| self.refresh(id)),
            Outcome::Published(added) => {
                for (id, key) in added {
                    self.show_new_key(&id, key);
                    self.refresh(&id);
                }
            }
            Outcome::RotationChanged(rotation) => self.keep_rotation(*rotation),
            Outcome::RotationClosed(rotation, ids) => {
                if let Some(rotation) = rotation {
                    self.keep_rotation(*rotation);
                }
                ids.iter().for_each(|id| self.refresh(id));
            }
            Outcome::PrivateKeySaved(path) => {
                self.toasts
                    .success(format!("Private key saved to {}", path.display()));
                // All keys lists the new file (a converted .ppk, a
                // generated pair) without a manual refresh.
                self.fleet.rescan();
            }
            Outcome::PrivateKeyDiscarded => {
                self.toasts
                    .push(ToastKind::Info, "Private key discarded", None);
            }
            Outcome::QuitLosingKeys => {
                self.window.allow_close = true;
                self.modals.drop_private_keys();
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Outcome::AgentChanged(report) => self.apply_agent_report(*report),
        }
    }

    fn on_key_updated(&mut self, profile_id: &str, key: RemoteKey, label: &str) {
        let name = key.name.clone();
        if let Some(account) = self.accounts.get_mut(profile_id) {
            // Renamed: the sort may move it, the filter may hide it (the
            // table then says so).
            let id = key.id.clone();
            account.table.update_row(key);
            account.table.reveal(&id);
        }
        self.toasts.success(format!("{label}: {name}"));
    }

    /// A key just created in an account: in its table, selected, scrolled
    /// into view wherever the sort puts it (once the table shows it), and
    /// in the details panel.
    fn show_new_key(&mut self, profile_id: &str, key: RemoteKey) {
        let id = key.id.clone();
        let table = &mut self.accounts.entry(profile_id).table;
        table.push_row(key);
        table.reveal(&id);
        self.layout.details_open = true;
    }

    pub(super) fn report_error(&mut self, context: &str, err: &ApiError) {
        let headline = format!("{context}: {err}");
        self.toasts.error(headline.clone(), err.full_text());
        self.status.error(headline, err.full_text());
    }

    fn on_key_created(&mut self, profile_id: &str, result: Result<CreateOutcome, ApiError>) {
        let account_name = self
            .profile(profile_id)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let (key, lost_private_key) = match result {
            Err(err) => return self.report_error("Adding the key failed", &err),
            Ok(CreateOutcome::Created(created)) => {
                if let Some(private_key) = created.private_key {
                    let key = &created.key;
                    self.modals
                        .open(Box::new(PendingPrivateKey::received_from_server(
                            format!("Private key of \"{}\" ({account_name})", key.name),
                            private_key,
                            key.public_key.clone().unwrap_or_default(),
                            key.fingerprint_sha256.clone().unwrap_or_default(),
                            suggested_file_name(&key.name),
                        )));
                }
                self.toasts
                    .success(format!("Added \"{}\" to {account_name}", created.key.name));
                (created.key, None)
            }
            Ok(CreateOutcome::LostButFound {
                key,
                private_key_lost,
            }) => (key, Some(private_key_lost)),
        };
        let name = key.name.clone();
        self.show_new_key(profile_id, key.clone());
        match lost_private_key {
            None => {}
            Some(true) => self.modals.open(Box::new(ConfirmModal::new(
                "Private key lost",
                format!(
                    "The answer was lost, but \"{name}\" was created in {account_name}. The private key generated for it was in that answer, so it never arrived and cannot be fetched again: the key exists without a usable private key. Delete this orphan key?"
                ),
                "Delete orphan key",
                UiAction::Delete(key),
            ))),
            Some(false) => self.toasts.push(
                ToastKind::Info,
                format!("The answer was lost, but \"{name}\" was created in {account_name}."),
                None,
            ),
        }
    }

    /// A key pair exists: ask to save its private key, and upload it.
    fn on_generated(&mut self, ctx: &egui::Context, generated: GeneratedKey, upload: Upload) {
        // The account may have been removed meanwhile.
        let Some(profile) = self.profile(&upload.profile.id).cloned() else {
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
        self.modals.open(Box::new(pending));
        let new_key = NewKey {
            name: upload.name.clone(),
            material,
            shared_in_project: upload.shared_in_project,
            scope: KeyScope::Account,
            expires_at: None,
        };
        self.send_create(profile, new_key, format!("upload {}", upload.name));
    }
}
