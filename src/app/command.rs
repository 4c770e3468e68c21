//! The app's side of the command list ([`crate::ui::command`]): the state
//! commands are available in, read from the app in one place, and carrying
//! out the commands that act on the app's own state (row moves, clearing
//! the filter) rather than through a [`UiAction`].

use super::App;
use crate::state::key_table::SelectionMove;
use crate::ui::UiAction;
use crate::ui::command::{AccountRef, CommandContext, KeyRef, UICommand};

impl App {
    /// The window's state as commands see it (behind any modal).
    pub(super) fn command_context(&self) -> CommandContext<'_> {
        let account = self.selected_profile().map(|profile| AccountRef {
            id: profile.id.as_str(),
            name: profile.name.as_str(),
            spec: profile.provider().spec(),
        });
        let key = account.and_then(|account| {
            let key = self.shown_table()?.selected_key()?;
            Some(KeyRef {
                key,
                capabilities: account.spec.capabilities,
            })
        });
        let filter_active = if self.all_keys_shown() {
            !self.fleet.table().filter().is_empty()
        } else {
            self.shown_table()
                .is_some_and(|table| !table.filter().is_empty())
        };
        CommandContext {
            account,
            account_shown: !self.all_keys_shown(),
            fleet_shown: self.all_keys_shown(),
            key,
            details_open: self.details_open(),
            filter_active,
            // The palette and the keyboard act on the shown account's key;
            // a key group's commands are its row's menu (ui/fleet_panel.rs).
            group: None,
            group_agent: Default::default(),
            agent_keys: self.agent.key_count(),
        }
    }

    /// Carries out `command`; `action` is what it asks of the app
    /// ([`UICommand::action`], taken while the context was borrowed).
    pub(super) fn run_command(
        &mut self,
        command: UICommand,
        action: Option<UiAction>,
        actions: &mut Vec<UiAction>,
    ) {
        let page = self.accounts.page_rows.max(1);
        let movement = match command {
            UICommand::SelectPrevious => SelectionMove::Up(1),
            UICommand::SelectNext => SelectionMove::Down(1),
            UICommand::SelectPageUp => SelectionMove::Up(page),
            UICommand::SelectPageDown => SelectionMove::Down(page),
            UICommand::SelectFirst => SelectionMove::First,
            UICommand::SelectLast => SelectionMove::Last,
            UICommand::ClearFilter => {
                self.clear_shown_filter();
                return;
            }
            _ => {
                actions.extend(action);
                return;
            }
        };
        if self.all_keys_shown() {
            self.fleet.scroll_to = self.fleet.move_selection(movement);
        } else if let Some(table) = self.shown_table_mut() {
            self.accounts.scroll_to_selected = table.move_selection(movement);
        }
    }

    /// Empties the filter of the view on screen.
    fn clear_shown_filter(&mut self) {
        if self.all_keys_shown() {
            self.fleet.clear_filter();
        } else if let Some(table) = self.shown_table_mut() {
            table.set_filter("");
        }
    }
}
