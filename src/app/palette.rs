//! The command palette's entries: every command of the window (with its
//! shortcut), the selected key's actions, and "Go to account …" for every
//! account. Built only while the palette is open.

use super::App;
use crate::ui::command_palette::{CommandPalette, PaletteEntry};
use crate::ui::key_actions::KeyAction;
use crate::ui::{UiAction, shortcuts};

impl App {
    /// Opens the palette (unless something modal is open already).
    pub(super) fn open_palette(&mut self) {
        if !self.modal_open() {
            self.modals.open(Box::new(CommandPalette::default()));
        }
    }

    pub(super) fn palette_entries(&self) -> Vec<PaletteEntry> {
        let mut entries = vec![PaletteEntry::new(
            "Refresh all",
            Some(shortcuts::REFRESH_ALL),
            UiAction::RefreshAll,
        )];
        if let Some(profile) = self.selected_profile() {
            let spec = profile.provider().spec();
            entries.extend([
                PaletteEntry::new(
                    format!("Refresh {}", profile.name),
                    Some(shortcuts::REFRESH),
                    UiAction::Refresh(profile.id.clone()),
                ),
                PaletteEntry::new(
                    spec.add_key_label,
                    Some(shortcuts::ADD_KEY),
                    UiAction::OpenAddKey,
                ),
                PaletteEntry::new(spec.generate.button_label, None, UiAction::OpenGenerate),
                PaletteEntry::new(
                    "Filter keys",
                    Some(shortcuts::FILTER),
                    UiAction::FocusFilter,
                ),
                PaletteEntry::new(
                    if self.details_open() {
                        "Hide details panel"
                    } else {
                        "Show details panel"
                    },
                    (!self.details_open()).then_some(shortcuts::DETAILS),
                    UiAction::ShowDetails(!self.details_open()),
                ),
                PaletteEntry::new(
                    format!("Edit account {}", profile.name),
                    None,
                    UiAction::EditProfile(Some(profile.id.clone())),
                ),
                PaletteEntry::new(
                    format!("Remove account {}…", profile.name),
                    None,
                    UiAction::AskRemoveProfile(profile.id.clone()),
                ),
            ]);
            if let Some(key) = self
                .accounts
                .get(&profile.id)
                .and_then(|account| account.table.selected_key())
            {
                for action in KeyAction::available(key, spec.capabilities) {
                    if let Some(ui_action) = action.to_ui_action(key) {
                        entries.push(PaletteEntry::new(
                            format!("{} \"{}\"", action.label(), key.name),
                            action.shortcut(),
                            ui_action,
                        ));
                    }
                }
            }
        }
        entries.push(PaletteEntry::new(
            "Add account…",
            None,
            UiAction::EditProfile(None),
        ));
        entries.push(PaletteEntry::new(
            "Settings…",
            Some(shortcuts::SETTINGS),
            UiAction::OpenSettings,
        ));
        for profile in self.profiles() {
            entries.push(PaletteEntry::new(
                format!("Go to account {}", profile.name),
                None,
                UiAction::SelectAccount(profile.id.clone()),
            ));
        }
        entries
    }
}
