//! The command palette's entries: every available command of the list in
//! [`crate::ui::command`] that the palette offers (with its shortcut), then
//! "Go to account …" for every account. Built only while the palette is
//! open.

use super::App;
use crate::ui::UiAction;
use crate::ui::command::UICommand;
use crate::ui::command_palette::{CommandPalette, PaletteEntry};

impl App {
    /// Opens the palette (unless something modal is open already).
    pub(super) fn open_palette(&mut self) {
        if !self.modal_open() {
            self.modals.open(Box::new(CommandPalette::default()));
        }
    }

    /// What the palette offers now, in its order: the available commands
    /// (named after the account and key they act on), then every account.
    pub fn palette_entries(&self) -> Vec<PaletteEntry> {
        let context = self.command_context();
        let commands = UICommand::ALL
            .iter()
            .filter(|command| command.in_palette() && command.available(&context))
            .filter_map(|command| {
                Some(PaletteEntry::new(
                    command.label(&context),
                    command.primary_shortcut(),
                    command.action(&context)?,
                ))
            });
        let accounts = self.profiles().iter().map(|profile| {
            PaletteEntry::new(
                format!("Go to account {}", profile.name),
                None,
                UiAction::SelectAccount(profile.id.clone()),
            )
        });
        commands.chain(accounts).collect()
    }
}
