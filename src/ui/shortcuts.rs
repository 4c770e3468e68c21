//! The window's keyboard shortcuts by name. Each is bound to one command in
//! [`super::command::UICommand::shortcuts`], which the keyboard, the palette
//! and the buttons read (a test there checks that no two clash); widgets
//! outside the command list (the toolbar, the filter box) name them here
//! for their tooltips, formatted by egui for the platform ("Ctrl+R", "⌘R").

use egui::{Key, KeyboardShortcut, Modifiers};

/// Reload the selected account.
pub const REFRESH: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::R);
/// Reload every account.
pub const REFRESH_ALL: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::R);
/// Open the "Add key" dialog.
pub const ADD_KEY: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::N);
/// Copy the selected key's public key.
pub const COPY_KEY: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::C);
/// Ask to delete the selected key.
pub const DELETE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::Delete);
/// Show the selected key's details.
pub const DETAILS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::Enter);
/// Put the cursor in the filter box.
pub const FILTER: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);
/// Clear the filter.
pub const CLEAR_FILTER: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::Escape);
/// Open the command palette.
pub const PALETTE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::K);
/// Select the row above.
pub const PREVIOUS_ROW: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::ArrowUp);
/// Select the row below.
pub const NEXT_ROW: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::ArrowDown);
/// Select a page of rows up.
pub const PAGE_UP: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::PageUp);
/// Select a page of rows down.
pub const PAGE_DOWN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::PageDown);
/// Select the first row.
pub const FIRST_ROW: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::Home);
/// Select the last row.
pub const LAST_ROW: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::End);
/// Open the settings dialog.
pub const SETTINGS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Comma);
/// Zoom in, out, back to 100 % (egui handles these keys itself:
/// `egui::Options::zoom_with_keyboard`).
pub use egui::gui_zoom::kb_shortcuts::{ZOOM_IN, ZOOM_OUT, ZOOM_RESET};

/// Adds a tooltip `text (shortcut)`. Built only while hovered, so a button
/// drawn every frame formats nothing.
pub fn tooltip(
    response: egui::Response,
    text: &str,
    shortcut: &KeyboardShortcut,
) -> egui::Response {
    response.on_hover_ui(|ui| {
        let shortcut = ui.ctx().format_shortcut(shortcut);
        ui.label(format!("{text} ({shortcut})"));
    })
}
