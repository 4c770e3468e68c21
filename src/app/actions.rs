//! What the user asked for: each [`UiAction`] from the panels, toasts and
//! dialogs, carried out.

use super::accounts::NotSaved;
use super::events::{Answer, Operation};
use super::{App, View};
use crate::backend::{Command, Pending, Reply};
use crate::providers::{KeyScope, NewKey, NewKeyMaterial, RemoteKey};
use crate::store::{Profile, TokenSource};
use crate::ui::UiAction;
use crate::ui::add_key_modal::AddKeyModal;
use crate::ui::confirm_modal::ConfirmModal;
use crate::ui::error_details_modal::ErrorDetailsModal;
use crate::ui::generate_modal::GenerateModal;
use crate::ui::modal::Modal;
use crate::ui::profile_modal::ProfileModal;
use crate::ui::rename_modal::RenameModal;

impl App {
    /// Carries out one action: those about the window here, those about a
    /// key in [`Self::handle_key_action`].
    pub(super) fn handle_action(&mut self, ctx: &egui::Context, action: UiAction) {
        match action {
            UiAction::SelectAccount(id) => self.layout.view = Some(View::Account(id)),
            UiAction::ShowFleet => self.layout.view = Some(View::AllKeys),
            UiAction::OpenPublish(key) => self.open_publish(&key),
            UiAction::OpenRevoke(key) => self.open_revoke(&key),
            UiAction::OpenConvertPpk(path) => self.modals.open(Box::new(
                crate::ui::convert_ppk_modal::ConvertPpkModal::new(path),
            )),
            UiAction::OpenRotate(key) => self.open_rotate(&key),
            UiAction::ResumeRotation(id) => self.resume_rotation(&id),
            UiAction::ExportInventory(format) => self.export_inventory(format),
            UiAction::Refresh(id) => self.refresh(&id),
            UiAction::RefreshAll => self.refresh_all(),
            UiAction::EditProfile(id) => self.open_profile_dialog(id.as_deref()),
            UiAction::AskRemoveProfile(id) => self.ask_remove_profile(id),
            UiAction::RemoveProfile(id) => self.remove_profile(&id),
            UiAction::OpenAddKey => self.open_for_selected(|p| Box::new(AddKeyModal::new(p))),
            UiAction::OpenGenerate => self.open_for_selected(|p| Box::new(GenerateModal::new(p))),
            UiAction::Copy { text, what } => {
                ctx.copy_text(text);
                self.toasts
                    .success(format!("Copied {what} to the clipboard"));
            }
            UiAction::ShowErrorDetails(text) => {
                self.modals.open(Box::new(ErrorDetailsModal::new(text)));
            }
            UiAction::SelectKey(id) => {
                if let Some(table) = self.shown_table_mut() {
                    table.select(&id);
                }
            }
            UiAction::ShowDetails(open) => self.layout.details_open = open,
            UiAction::FocusFilter => self.focus_filter(ctx),
            UiAction::OpenPalette => self.open_palette(),
            UiAction::OpenSettings => self.open_settings(),
            UiAction::SetHygieneRules(rules) => self.fleet.set_rules(rules),
            UiAction::SetLocalKeyDirs(dirs) => self.set_local_key_dirs(dirs),
            action @ (UiAction::OpenAddToAgent { .. }
            | UiAction::RemoveFromAgent(_)
            | UiAction::AskRemoveAllFromAgent
            | UiAction::RemoveAllFromAgent) => self.handle_agent_action(action),
            action @ (UiAction::RotateKey(_)
            | UiAction::AskRename(_)
            | UiAction::AskDelete(_)
            | UiAction::SetShared(..)
            | UiAction::MakeDefault(_)
            | UiAction::Delete(_)
            | UiAction::CopyToProject(_)) => self.handle_key_action(action),
        }
    }

    /// Carries out an action about one key of the shown account.
    fn handle_key_action(&mut self, action: UiAction) {
        match action {
            UiAction::RotateKey(key) => self.rotate_account_key(&key),
            UiAction::AskRename(key) => {
                self.open_for_selected(|p| Box::new(RenameModal::new(p, key)));
            }
            UiAction::AskDelete(key) => self.ask_delete(key),
            UiAction::SetShared(key, shared) => {
                let label = if shared { "Shared" } else { "Unshared" };
                self.key_operation(key, label, Answer::Updated, |reply, profile, key| {
                    Command::SetShared {
                        reply,
                        profile,
                        key,
                        shared,
                    }
                });
            }
            UiAction::MakeDefault(key) => {
                self.key_operation(
                    key,
                    "Made default",
                    Answer::DefaultMade,
                    |reply, profile, key| Command::MakeDefault {
                        reply,
                        profile,
                        key,
                    },
                );
            }
            UiAction::Delete(key) => {
                let name = format!("\"{}\"", key.name);
                self.key_operation(key, &name, Answer::Deleted, |reply, profile, key| {
                    Command::DeleteKey {
                        reply,
                        profile,
                        key,
                    }
                });
            }
            UiAction::CopyToProject(key) => self.copy_to_project(key),
            // `handle_action` sends only the key actions above.
            other => tracing::debug!("not a key action: {other:?}"),
        }
    }

    /// Reloads one account's keys; an older refresh still running is
    /// superseded.
    pub(super) fn refresh(&mut self, profile_id: &str) {
        let Some(profile) = self.profile(profile_id).cloned() else {
            return;
        };
        let list = self
            .backend
            .request(|reply| Command::ListKeysThenUsage { reply, profile });
        self.accounts.entry(profile_id).start(list);
    }

    pub(super) fn refresh_all(&mut self) {
        self.fleet.rescan();
        self.read_ssh_hosts();
        self.refresh_agent();
        let ids: Vec<String> = self.profiles().iter().map(|p| p.id.clone()).collect();
        for id in ids {
            self.refresh(&id);
        }
    }

    fn open_profile_dialog(&mut self, id: Option<&str>) {
        let modal = match id {
            None => ProfileModal::new_account(),
            Some(id) => match self.profile(id) {
                Some(profile) => ProfileModal::edit(profile.clone()),
                None => return,
            },
        };
        self.modals.open(Box::new(modal));
    }

    /// Opens a dialog about the selected account, if one is selected.
    fn open_for_selected(&mut self, dialog: impl FnOnce(Profile) -> Box<dyn Modal>) {
        if let Some(profile) = self.selected_profile().cloned() {
            self.modals.open(dialog(profile));
        }
    }

    fn ask_remove_profile(&mut self, id: String) {
        let Some(profile) = self.profile(&id) else {
            return;
        };
        let confirm = ConfirmModal::new(
            "Remove account",
            format!(
                "Remove the account \"{}\" from Keyfleet? Its keys stay at {}; only the profile and its stored token are removed.",
                profile.name,
                profile.provider().label()
            ),
            "Remove account",
            UiAction::RemoveProfile(id),
        );
        self.modals.open(Box::new(confirm));
    }

    fn remove_profile(&mut self, id: &str) {
        let profile = match self.accounts.remove(id) {
            None => return,
            Some(Err(not_saved)) => return self.report_not_saved(not_saved),
            Some(Ok(profile)) => profile,
        };
        if self.layout.view == Some(View::Account(id.to_string())) {
            let first = self.profiles().first();
            self.layout.view = first.map(|p| View::Account(p.id.clone()));
        }
        if profile.token_source == TokenSource::Keyring {
            self.forget_token(id);
        }
        self.toasts
            .success(format!("Removed account \"{}\"", profile.name));
    }

    /// Saves a profile from its dialog (its typed token is stored already).
    pub(super) fn save_profile(&mut self, profile: Profile) {
        // A token left in the keyring after switching to an environment
        // variable would outlive the user's intent.
        let id = profile.id.clone();
        let leaves_keyring = matches!(profile.token_source, TokenSource::EnvVar(_))
            && self
                .profile(&id)
                .is_some_and(|old| old.token_source == TokenSource::Keyring);
        let name = profile.name.clone();
        let persisted = match self.accounts.put(profile) {
            Ok(()) => true,
            Err(not_saved) => {
                self.report_not_saved(not_saved);
                false
            }
        };
        self.layout.view = Some(View::Account(id.clone()));
        self.toasts.success(format!("Saved account \"{name}\""));
        self.refresh(&id);
        // Only once the file says "environment variable": else a restart
        // would find a keyring account without token.
        if persisted && leaves_keyring {
            self.forget_token(&id);
        }
    }

    /// Says the profiles file was not written, and why.
    fn report_not_saved(&mut self, not_saved: NotSaved) {
        match not_saved {
            NotSaved::ReadOnly => self.toasts.error(
                "Accounts were not saved",
                "The profiles file is from a newer Keyfleet or unreadable; it is left untouched.",
            ),
            NotSaved::Failed(message) => {
                self.toasts
                    .error("Accounts were not saved", message.clone());
                self.status.error("Accounts were not saved", message);
            }
        }
    }

    /// Deletes the account's keyring entry; a failure is reported as a notice.
    fn forget_token(&mut self, profile_id: &str) {
        let profile_id = profile_id.to_string();
        let answer = self
            .backend
            .request(|reply| Command::DeleteToken { reply, profile_id });
        self.operations.push(Operation {
            profile_id: None,
            key_id: None,
            label: "remove token".into(),
            answer: Answer::TokenRemoved(answer),
        });
    }

    fn ask_delete(&mut self, key: RemoteKey) {
        let account = self
            .selected_profile()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let what = match &key.scope {
            KeyScope::Account => "key",
            KeyScope::Region { .. } => "legacy keypair",
            KeyScope::Signing => "signing key",
        };
        let confirm = ConfirmModal::new(
            "Delete key",
            format!(
                "Delete the {what} \"{}\" from {account}? Servers that trust it keep it, but it can no longer be used for new machines. This cannot be undone.",
                key.name
            ),
            format!("Delete \"{}\"", key.name),
            UiAction::Delete(key),
        );
        self.modals.open(Box::new(confirm));
    }

    /// A legacy regional keypair: the same public key as a project key.
    fn copy_to_project(&mut self, key: RemoteKey) {
        let Some(public_key) = key.public_key.clone() else {
            return;
        };
        let Some(profile) = self.selected_profile().cloned() else {
            return;
        };
        let new_key = NewKey {
            name: key.name.to_string(),
            material: NewKeyMaterial::PublicKey(public_key),
            shared_in_project: key.shared_in_project.unwrap_or(true),
            scope: KeyScope::Account,
            expires_at: None,
        };
        self.send_create(profile, new_key, format!("copy {} to project", key.name));
    }

    /// Creates a key in `profile`; the answer becomes a notice.
    pub(super) fn send_create(&mut self, profile: Profile, new_key: NewKey, label: String) {
        let profile_id = profile.id.clone();
        let answer = self.backend.request(|reply| Command::CreateKey {
            reply,
            profile,
            new_key,
        });
        self.operations.push(Operation {
            profile_id: Some(profile_id),
            key_id: None,
            label,
            answer: Answer::Created(answer),
        });
    }

    /// Sends a command about one key of the selected account; its answer
    /// becomes a notice.
    fn key_operation<T>(
        &mut self,
        key: RemoteKey,
        label: &str,
        answer: impl FnOnce(Pending<T>) -> Answer,
        build: impl FnOnce(Reply<T>, Profile, RemoteKey) -> Command,
    ) {
        let Some(profile) = self.selected_profile().cloned() else {
            return;
        };
        let profile_id = profile.id.clone();
        let key_id = key.id.clone();
        let pending = self.backend.request(|reply| build(reply, profile, key));
        self.operations.push(Operation {
            profile_id: Some(profile_id),
            key_id: Some(key_id),
            label: label.to_string(),
            answer: answer(pending),
        });
    }
}
