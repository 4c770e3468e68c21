//! Which dialog is open: one `enum Dialog` in a small stack instead of a
//! field per dialog, so "is any dialog open" cannot be computed wrongly.
//! The unsaved-private-key queue is separate: it takes precedence over all
//! of these (see `draw.rs`).

use crate::backend::CreateOutcome;
use crate::keys::generate::GeneratedKey;
use crate::ops::rotation::Rotation;
use crate::providers::{ApiError, RemoteKey};
use crate::store::Profile;
use crate::ui::UiAction;
use crate::ui::add_key_modal::{AddKeyModal, AddKeyResult};
use crate::ui::confirm_modal::ConfirmModal;
use crate::ui::generate_modal::{GenerateModal, GenerateResult, Upload};
use crate::ui::profile_modal::{ProfileModal, ProfileModalResult};
use crate::ui::publish_modal::PublishModal;
use crate::ui::rename_modal::{RenameModal, RenameResult};
use crate::ui::revoke_modal::RevokeModal;
use crate::ui::rotate_modal::RotateModal;
use crate::ui::settings_modal::SettingsModal;

/// One dialog. Those that ask the backend own their pending answer.
#[derive(Debug)]
pub(super) enum Dialog {
    /// Add or edit an account.
    Profile(Box<ProfileModal>),
    /// Add a key.
    AddKey(Box<AddKeyModal>),
    /// Generate a key pair locally and upload it.
    Generate(Box<GenerateModal>),
    /// Rename a key.
    Rename(Box<RenameModal>),
    /// A yes/no question; may stack on top of another dialog.
    Confirm(Box<ConfirmModal>),
    /// An error's full text; may stack on top of another dialog.
    Details(String),
    /// Add a key to several accounts.
    Publish(Box<PublishModal>),
    /// Remove a key from every account holding it.
    Revoke(Box<RevokeModal>),
    /// Theme, zoom, local key folders, hygiene thresholds.
    Settings(Box<SettingsModal>),
    /// Rotate a key everywhere it is used.
    Rotate(Box<RotateModal>),
}

impl Dialog {
    /// Confirmations and error details open over whatever is open; any
    /// other dialog replaces the open ones.
    fn stacks(&self) -> bool {
        matches!(self, Dialog::Confirm(_) | Dialog::Details(_))
    }

    /// The account and key (if one) this dialog has a request running for,
    /// for the busy marks in the accounts list and the table.
    pub(super) fn busy_with(&self) -> Option<(&str, Option<&str>)> {
        match self {
            Dialog::AddKey(modal) if modal.is_busy() => Some((modal.profile.id.as_str(), None)),
            Dialog::Generate(modal) if modal.is_busy() => Some((modal.profile.id.as_str(), None)),
            Dialog::Rename(modal) if modal.is_busy() => {
                Some((modal.profile.id.as_str(), Some(modal.key.id.as_str())))
            }
            _ => None,
        }
    }

    /// Applies the answers the dialog's own requests got, if any arrived.
    pub(super) fn poll(&mut self) -> Step {
        match self {
            Dialog::Profile(modal) => Step::from_profile(modal.poll()),
            Dialog::AddKey(modal) => {
                let result = modal.poll();
                Step::from_add_key(&modal.profile.id, result)
            }
            Dialog::Generate(modal) => Step::from_generate(modal.poll()),
            Dialog::Rename(modal) => {
                let result = modal.poll();
                Step::from_rename(&modal.profile.id, result)
            }
            Dialog::Publish(modal) => {
                modal.poll();
                Step::Keep
            }
            Dialog::Revoke(modal) => {
                modal.poll();
                Step::Keep
            }
            // The settings dialog polls its folder dialog as it draws: what
            // it picks becomes an action. The rotation wizard is polled where
            // it is drawn: its save follows its generation.
            Dialog::Rotate(_) => Step::Keep,
            Dialog::Confirm(_) | Dialog::Details(_) | Dialog::Settings(_) => Step::Keep,
        }
    }
}

/// What a dialog asks of the app after a frame or an answer.
#[derive(Debug)]
pub(super) enum Step {
    /// Nothing: stay open.
    Keep,
    /// Close.
    Close,
    /// Stay open, and let the app do this.
    Tell(Outcome),
    /// Close, then let the app do this.
    Done(Outcome),
}

/// Something a dialog finished, for the app to apply.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Save this profile.
    SaveProfile(Box<Profile>),
    /// A key was created in this account.
    KeyCreated(String, CreateOutcome),
    /// A key of this account changed (renamed); the label says how.
    KeyUpdated(String, RemoteKey, &'static str),
    /// A key pair was generated: upload it and ask to save it.
    Generated(Box<GeneratedKey>, Upload),
    /// The user confirmed: carry this out.
    Confirmed(UiAction),
    /// A request failed: report it (the dialog shows it too).
    Failed(&'static str, ApiError),
    /// Keys were added to or removed from these accounts: reload them.
    AccountsChanged(Vec<String>),
    /// A key was published to these accounts (by id), as created there:
    /// show it, and reload them.
    Published(Vec<(String, RemoteKey)>),
    /// A rotation moved on: keep it (and save it).
    RotationChanged(Box<Rotation>),
    /// The rotation wizard closed: keep the rotation, if one started, and
    /// reload these accounts.
    RotationClosed(Option<Box<Rotation>>, Vec<String>),
}

impl Step {
    pub(super) fn from_profile(result: ProfileModalResult) -> Self {
        match result {
            ProfileModalResult::Open => Step::Keep,
            ProfileModalResult::Cancelled => Step::Close,
            ProfileModalResult::Saved(profile) => Step::Done(Outcome::SaveProfile(profile)),
        }
    }

    pub(super) fn from_add_key(profile_id: &str, result: AddKeyResult) -> Self {
        let id = profile_id.to_string();
        match result {
            AddKeyResult::Open => Step::Keep,
            AddKeyResult::Cancelled => Step::Close,
            AddKeyResult::Created(outcome) => Step::Done(Outcome::KeyCreated(id, *outcome)),
            AddKeyResult::Failed(err) => Step::Tell(Outcome::Failed("Adding the key failed", err)),
        }
    }

    pub(super) fn from_generate(result: GenerateResult) -> Self {
        match result {
            GenerateResult::Open => Step::Keep,
            GenerateResult::Cancelled => Step::Close,
            GenerateResult::Generated(key, upload) => Step::Done(Outcome::Generated(key, upload)),
        }
    }

    pub(super) fn from_rename(profile_id: &str, result: RenameResult) -> Self {
        match result {
            RenameResult::Open => Step::Keep,
            RenameResult::Cancelled => Step::Close,
            RenameResult::Renamed(key) => {
                Step::Done(Outcome::KeyUpdated(profile_id.to_string(), *key, "Renamed"))
            }
            RenameResult::Failed(err) => Step::Tell(Outcome::Failed("Update failed", err)),
        }
    }
}

/// The open dialogs, bottom first: at most one main dialog, with
/// confirmations or error details stacked on top.
#[derive(Debug, Default)]
pub(super) struct Dialogs {
    stack: Vec<Dialog>,
}

impl Dialogs {
    /// Opens `dialog`: on top of the open ones if it stacks, else instead
    /// of them.
    pub(super) fn open(&mut self, dialog: Dialog) {
        if !dialog.stacks() {
            self.stack.clear();
        }
        self.stack.push(dialog);
    }

    /// True when any dialog is open (global shortcuts are off then).
    pub(super) fn is_open(&self) -> bool {
        !self.stack.is_empty()
    }

    /// The open dialogs, bottom first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Dialog> {
        self.stack.iter()
    }

    /// Runs `step` on every open dialog, bottom first; closes those that
    /// ask to and returns what they asked the app to do, in order.
    pub(super) fn run(&mut self, mut step: impl FnMut(&mut Dialog) -> Step) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        self.stack.retain_mut(|dialog| match step(dialog) {
            Step::Keep => true,
            Step::Close => false,
            Step::Tell(outcome) => {
                outcomes.push(outcome);
                true
            }
            Step::Done(outcome) => {
                outcomes.push(outcome);
                false
            }
        });
        outcomes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirm() -> Dialog {
        Dialog::Confirm(Box::new(ConfirmModal::new(
            "t",
            "m",
            "ok",
            UiAction::RefreshAll,
        )))
    }

    #[test]
    fn confirmations_stack_and_main_dialogs_replace() {
        let mut dialogs = Dialogs::default();
        assert!(!dialogs.is_open());
        dialogs.open(Dialog::Profile(Box::new(ProfileModal::new_account())));
        dialogs.open(confirm());
        dialogs.open(Dialog::Details("why".into()));
        let kinds: Vec<bool> = dialogs.iter().map(Dialog::stacks).collect();
        assert_eq!(kinds, [false, true, true]);
        // Closing the top leaves the one below open.
        let mut seen = 0;
        dialogs.run(|dialog| {
            seen += 1;
            if matches!(dialog, Dialog::Details(_)) {
                Step::Close
            } else {
                Step::Keep
            }
        });
        assert_eq!(seen, 3);
        assert_eq!(dialogs.iter().count(), 2);
        dialogs.open(Dialog::Profile(Box::new(ProfileModal::new_account())));
        assert_eq!(
            dialogs.iter().count(),
            1,
            "a main dialog replaces the open ones"
        );
        let outcomes = dialogs.run(|_| Step::Done(Outcome::Confirmed(UiAction::RefreshAll)));
        assert_eq!(outcomes.len(), 1);
        assert!(!dialogs.is_open());
    }
}
