//! Keyboard shortcuts of the main window: every one belongs to a command
//! of [`crate::ui::command::UICommand`], which says when it is available
//! and which shortcut wins when several match. None acts while anything
//! modal is open: it would act behind the dialog. While a text box has the
//! focus only Ctrl+F acts (and Esc, which egui turns into "stop typing"
//! first), so typing never moves the selection or deletes a key.

use egui::Event;

use super::App;
use crate::ui::command::{KeyboardFocus, UICommand};
use crate::ui::toasts::ToastKind;
use crate::ui::{UiAction, fleet_panel, keys_panel, shortcuts};

impl App {
    /// Reads this frame's shortcut (before the panels draw, so a text box
    /// never sees a key a shortcut took).
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        if self.modal_open() {
            return;
        }
        let focus = keyboard_focus(ctx);
        let context = self.command_context();
        let Some(command) = UICommand::consume_shortcut(ctx, &context, focus) else {
            let no_public_key = context
                .key
                .filter(|key| key.key.public_key.is_none())
                .map(|key| key.key.name.clone());
            if let Some(name) = no_public_key {
                self.explain_nothing_to_copy(ctx, focus, &name);
            }
            return;
        };
        let action = command.action(&context);
        self.run_command(command, action, actions);
    }

    /// Ctrl+C on a key the provider gave no public key of: says so rather
    /// than doing nothing.
    fn explain_nothing_to_copy(&mut self, ctx: &egui::Context, focus: KeyboardFocus, name: &str) {
        if focus.typing || focus.text_selected {
            return;
        }
        let copy = ctx.input_mut(|i| {
            let copy_event = i.events.iter().any(|event| matches!(event, Event::Copy));
            i.events.retain(|event| !matches!(event, Event::Copy));
            i.consume_shortcut(&shortcuts::COPY_KEY) | copy_event
        });
        if copy {
            self.toasts.push(
                ToastKind::Info,
                format!("\"{name}\" has no public key to copy"),
                None,
            );
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

/// What else has the keyboard: a text box, a focused widget, selected text.
fn keyboard_focus(ctx: &egui::Context) -> KeyboardFocus {
    // Text selected in the details panel is copied by egui itself; the
    // key would overwrite it.
    let text_selected = ctx
        .with_plugin::<egui::text_selection::LabelSelectionState, _>(|state| state.has_selection())
        .unwrap_or(false);
    KeyboardFocus {
        typing: ctx.text_edit_focused(),
        widget_focused: ctx.memory(|memory| memory.focused().is_some()),
        text_selected,
    }
}
