//! Keyboard shortcuts of the main window (the list is in
//! [`crate::ui::shortcuts`]). None acts while anything modal is open: it
//! would act behind the dialog. While a text box has the focus only Ctrl+F
//! and Esc (the filter's own) act, so typing never moves the selection or
//! deletes a key.

use egui::{Event, Key, Modifiers};

use super::App;
use crate::state::key_table::SelectionMove;
use crate::ui::toasts::ToastKind;
use crate::ui::{UiAction, fleet_panel, keys_panel, shortcuts};

impl App {
    /// Reads this frame's shortcuts (before the panels draw, so a text box
    /// never sees a key a shortcut took).
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        if self.modal_open() {
            return;
        }
        if ctx.input_mut(|i| i.consume_shortcut(&shortcuts::FILTER)) {
            actions.push(UiAction::FocusFilter);
        }
        if let Some(table) = self.shown_table_mut()
            && !table.filter().is_empty()
            && ctx.input_mut(|i| i.consume_shortcut(&shortcuts::CLEAR_FILTER))
        {
            table.set_filter("");
        }
        if self.all_keys_shown()
            && !self.fleet.table().filter().is_empty()
            && ctx.input_mut(|i| i.consume_shortcut(&shortcuts::CLEAR_FILTER))
        {
            self.fleet.clear_filter();
        }
        if ctx.text_edit_focused() {
            return;
        }
        // Ctrl+Shift+R first: Ctrl+R would match it too.
        if ctx.input_mut(|i| i.consume_shortcut(&shortcuts::REFRESH_ALL)) {
            actions.push(UiAction::RefreshAll);
        } else if ctx.input_mut(|i| i.consume_shortcut(&shortcuts::REFRESH))
            && let Some(id) = self.selected().map(str::to_string)
        {
            actions.push(UiAction::Refresh(id));
        }
        if ctx.input_mut(|i| i.consume_shortcut(&shortcuts::PALETTE)) {
            actions.push(UiAction::OpenPalette);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&shortcuts::SETTINGS)) {
            actions.push(UiAction::OpenSettings);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&shortcuts::ADD_KEY)) && self.selected().is_some() {
            actions.push(UiAction::OpenAddKey);
        }
        self.selection_keys(ctx);
        self.key_shortcuts(ctx, actions);
    }

    /// ↑/↓, PgUp/PgDn, Home/End move the selection in the shown table.
    fn selection_keys(&mut self, ctx: &egui::Context) {
        let page = self.accounts.page_rows.max(1);
        let movement = ctx.input_mut(|i| {
            let mut pressed = |key| i.consume_key(Modifiers::NONE, key);
            if pressed(Key::ArrowUp) {
                Some(SelectionMove::Up(1))
            } else if pressed(Key::ArrowDown) {
                Some(SelectionMove::Down(1))
            } else if pressed(Key::PageUp) {
                Some(SelectionMove::Up(page))
            } else if pressed(Key::PageDown) {
                Some(SelectionMove::Down(page))
            } else if pressed(Key::Home) {
                Some(SelectionMove::First)
            } else if pressed(Key::End) {
                Some(SelectionMove::Last)
            } else {
                None
            }
        });
        if let Some(movement) = movement
            && self.all_keys_shown()
        {
            self.fleet.scroll_to = self.fleet.move_selection(movement);
        } else if let Some(movement) = movement
            && let Some(table) = self.shown_table_mut()
        {
            self.accounts.scroll_to_selected = table.move_selection(movement);
        }
    }

    /// Enter, Ctrl+C and Delete act on the selected key. Enter is left to
    /// a widget that has the keyboard focus (a button reached with Tab):
    /// egui presses it, which is what the user aimed at.
    fn key_shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        let widget_focused = ctx.memory(|memory| memory.focused().is_some());
        if !widget_focused && ctx.input_mut(|i| i.consume_shortcut(&shortcuts::DETAILS)) {
            actions.push(UiAction::ShowDetails(true));
        }
        if self
            .shown_table()
            .is_none_or(|table| table.selected_key().is_none())
        {
            return;
        }
        // Text selected in the details panel is copied by egui itself;
        // the key would overwrite it.
        let selecting_text = ctx
            .with_plugin::<egui::text_selection::LabelSelectionState, _>(|state| {
                state.has_selection()
            })
            .unwrap_or(false);
        // Platforms send Ctrl+C as a copy event, some as the key too.
        let copy = !selecting_text
            && ctx.input_mut(|i| {
                let copy_event = i.events.iter().any(|event| matches!(event, Event::Copy));
                i.events.retain(|event| !matches!(event, Event::Copy));
                i.consume_shortcut(&shortcuts::COPY_KEY) | copy_event
            });
        let delete = !copy && ctx.input_mut(|i| i.consume_shortcut(&shortcuts::DELETE));
        if !copy && !delete {
            return;
        }
        // Cloned only when a shortcut acts, not every frame.
        let Some(key) = self
            .shown_table()
            .and_then(|table| table.selected_key())
            .cloned()
        else {
            return;
        };
        if delete {
            actions.push(UiAction::AskDelete(key));
            return;
        }
        match key.public_key {
            Some(text) => actions.push(UiAction::Copy {
                text,
                what: "public key",
            }),
            None => self.toasts.push(
                ToastKind::Info,
                format!("\"{}\" has no public key to copy", key.name),
                None,
            ),
        }
    }

    /// Puts the cursor in the filter box.
    pub(super) fn focus_filter(&self, ctx: &egui::Context) {
        let filter = if self.all_keys_shown() {
            fleet_panel::filter_id()
        } else {
            keys_panel::filter_id()
        };
        ctx.memory_mut(|memory| memory.request_focus(filter));
    }
}
