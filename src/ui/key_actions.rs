//! What can be done to one key, as data: the details panel draws these as
//! buttons, the table's context menu as menu entries and the command
//! palette as commands, so the three always offer the same actions with
//! the same names and shortcuts.

use egui::KeyboardShortcut;

use super::{UiAction, shortcuts};
use crate::providers::{Capabilities, KeyScope, RemoteKey};

/// One action on a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAction {
    /// Copy the public key.
    CopyKey,
    /// Copy the SHA256 fingerprint.
    CopySha256,
    /// Share with (true) or unshare from (false) the project.
    SetShared(bool),
    /// Make it the account's default key.
    MakeDefault,
    /// Open the rename dialog.
    Rename,
    /// Copy a legacy regional keypair to the project's keys.
    CopyToProject,
    /// Replace the key on every account holding it (the rotation wizard).
    Rotate,
    /// Ask before deleting.
    Delete,
}

impl KeyAction {
    /// The actions `key` allows under `capabilities`, in the order they are
    /// shown. No allocation: the details panel asks every frame.
    pub fn available(
        key: &RemoteKey,
        capabilities: Capabilities,
    ) -> impl Iterator<Item = KeyAction> + '_ {
        let share = key
            .shared_in_project
            .filter(|_| capabilities.share)
            .map(|shared| KeyAction::SetShared(!shared));
        [
            key.public_key.as_ref().map(|_| KeyAction::CopyKey),
            key.fingerprint_sha256
                .as_ref()
                .map(|_| KeyAction::CopySha256),
            share,
            (capabilities.make_default && key.is_default != Some(true))
                .then_some(KeyAction::MakeDefault),
            capabilities.rename.then_some(KeyAction::Rename),
            (matches!(key.scope, KeyScope::Region { .. }) && key.public_key.is_some())
                .then_some(KeyAction::CopyToProject),
            Some(KeyAction::Rotate),
            Some(KeyAction::Delete),
        ]
        .into_iter()
        .flatten()
    }

    /// The button's text (also its accessible name).
    pub fn label(self) -> &'static str {
        match self {
            KeyAction::CopyKey => "Copy key",
            KeyAction::CopySha256 => "Copy SHA256",
            KeyAction::SetShared(true) => "Share",
            KeyAction::SetShared(false) => "Unshare",
            KeyAction::MakeDefault => "Make default",
            KeyAction::Rename => "Rename…",
            KeyAction::CopyToProject => "Copy to project",
            KeyAction::Rotate => "Rotate…",
            KeyAction::Delete => "Delete…",
        }
    }

    /// What it does, for the tooltip.
    pub fn hint(self) -> &'static str {
        match self {
            KeyAction::CopyKey => "Copy the public key",
            KeyAction::CopySha256 => "Copy the SHA256 fingerprint",
            KeyAction::SetShared(_) => "Share or unshare this key with all users of the project",
            KeyAction::MakeDefault => "Make this the account's default key",
            KeyAction::Rename => "Give this key another name",
            KeyAction::CopyToProject => "Copy this legacy keypair to the project's SSH keys",
            KeyAction::Rotate => {
                "Replace this key with a new one on every account holding it; the old one is removed only after you confirm"
            }
            KeyAction::Delete => "Delete this key (asks first)",
        }
    }

    /// Its keyboard shortcut, if it has one.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        match self {
            KeyAction::CopyKey => Some(shortcuts::COPY_KEY),
            KeyAction::Delete => Some(shortcuts::DELETE),
            _ => None,
        }
    }

    /// The action for the app. `None` when the key lacks what the action
    /// needs (which [`KeyAction::available`] does not offer).
    pub fn to_ui_action(self, key: &RemoteKey) -> Option<UiAction> {
        Some(match self {
            KeyAction::CopyKey => UiAction::Copy {
                text: key.public_key.clone()?,
                what: "public key",
            },
            KeyAction::CopySha256 => UiAction::Copy {
                text: key.fingerprint_sha256.clone()?,
                what: "fingerprint",
            },
            KeyAction::SetShared(shared) => UiAction::SetShared(key.clone(), shared),
            KeyAction::MakeDefault => UiAction::MakeDefault(key.clone()),
            KeyAction::Rename => UiAction::AskRename(key.clone()),
            KeyAction::CopyToProject => UiAction::CopyToProject(key.clone()),
            KeyAction::Rotate => UiAction::RotateKey(key.clone()),
            KeyAction::Delete => UiAction::AskDelete(key.clone()),
        })
    }

    /// Draws it as a button with its tooltip (and shortcut); a click pushes
    /// its action. Used by the details panel and the row's context menu.
    pub fn button(self, ui: &mut egui::Ui, key: &RemoteKey, actions: &mut Vec<UiAction>) {
        let response = ui.button(self.label());
        let response = match self.shortcut() {
            Some(shortcut) => shortcuts::tooltip(response, self.hint(), &shortcut),
            None => response.on_hover_text(self.hint()),
        };
        if response.clicked()
            && let Some(action) = self.to_ui_action(key)
        {
            actions.push(action);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::StoredMaterial;

    fn capabilities() -> Capabilities {
        Capabilities {
            server_generate: false,
            share: false,
            make_default: false,
            rename: false,
            stores: StoredMaterial::PublicKey,
            regional_keypairs: false,
        }
    }

    #[test]
    fn only_what_the_key_and_provider_allow() {
        let bare = RemoteKey::default();
        let all: Vec<_> = KeyAction::available(&bare, capabilities()).collect();
        assert_eq!(
            all,
            [KeyAction::Rotate, KeyAction::Delete],
            "nothing to copy, nothing allowed"
        );

        let key = RemoteKey {
            public_key: Some("ssh-ed25519 AAAA".into()),
            fingerprint_sha256: Some("SHA256:x".into()),
            shared_in_project: Some(true),
            is_default: Some(true),
            scope: KeyScope::Region {
                region_id: 1,
                region_name: "Luxembourg".into(),
            },
            ..RemoteKey::default()
        };
        let everything = Capabilities {
            share: true,
            make_default: true,
            rename: true,
            ..capabilities()
        };
        let all: Vec<_> = KeyAction::available(&key, everything).collect();
        assert_eq!(
            all,
            [
                KeyAction::CopyKey,
                KeyAction::CopySha256,
                KeyAction::SetShared(false),
                KeyAction::Rename,
                KeyAction::CopyToProject,
                KeyAction::Rotate,
                KeyAction::Delete,
            ],
            "already default: no Make default; shared: Unshare"
        );
        for action in all {
            assert!(action.to_ui_action(&key).is_some(), "{action:?}");
        }
        assert!(KeyAction::CopyKey.to_ui_action(&bare).is_none());
    }
}
