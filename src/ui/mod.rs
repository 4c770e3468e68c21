//! The window's pieces, one file per panel or dialog. Panels return
//! [`UiAction`]s for the app to carry out. A dialog that needs the backend
//! sends its own request ([`crate::backend::Backend::request`]) and keeps
//! the pending answer until it arrives: nobody else routes it back.

pub mod accounts_panel;
pub mod add_key_modal;
pub mod agent_add_modal;
pub mod cell_text;
pub mod close_prompt_modal;
pub mod command;
pub mod command_palette;
pub mod confirm_modal;
pub mod convert_ppk_modal;
pub mod details_panel;
pub mod error_details_modal;
pub mod fleet_chart;
pub mod fleet_panel;
pub mod form;
pub mod generate_modal;
pub mod host_lines;
pub mod keys_panel;
pub mod modal;
pub mod private_key_modal;
pub mod profile_modal;
pub mod publish_modal;
pub mod rename_modal;
pub mod revoke_modal;
pub mod rotate_modal;
pub mod settings_modal;
pub mod shortcuts;
pub mod status_bar;
pub mod theme;
pub mod toasts;

use std::path::PathBuf;

use crate::inventory::{ExportFormat, KeyGroup};
use crate::providers::RemoteKey;

/// What the middle of the window shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    /// One account's keys (by profile id).
    Account(String),
    /// Every key of every account ("All keys").
    AllKeys,
}

/// Something the user asked for, for the app to carry out.
#[derive(Debug)]
pub enum UiAction {
    /// Show this account's keys.
    SelectAccount(String),
    /// Reload one account.
    Refresh(String),
    /// Reload every account.
    RefreshAll,
    /// Open the profile dialog (edit one, or add a new one).
    EditProfile(Option<String>),
    /// Ask before removing an account.
    AskRemoveProfile(String),
    /// Remove an account (confirmed).
    RemoveProfile(String),
    /// Open the "Add key" dialog.
    OpenAddKey,
    /// Open the "Generate key" dialog (local generation).
    OpenGenerate,
    /// Put text on the clipboard; the string names what was copied.
    Copy {
        /// The text.
        text: String,
        /// What it is ("public key", "fingerprint").
        what: &'static str,
    },
    /// Share/unshare (providers that share keys).
    SetShared(RemoteKey, bool),
    /// Make default (providers with a default key).
    MakeDefault(RemoteKey),
    /// Open the rename dialog (providers that rename keys).
    AskRename(RemoteKey),
    /// Ask before deleting.
    AskDelete(RemoteKey),
    /// Delete (confirmed).
    Delete(RemoteKey),
    /// A legacy regional keypair: create the same public key as a project key.
    CopyToProject(RemoteKey),
    /// Show an error's full text.
    ShowErrorDetails(String),
    /// Show every key of every account ("All keys").
    ShowFleet,
    /// Open the dialog that adds this key to accounts.
    OpenPublish(Box<KeyGroup>),
    /// Open the dialog that removes this key from every account.
    OpenRevoke(Box<KeyGroup>),
    /// Open the dialog converting this PuTTY `.ppk` file to OpenSSH.
    OpenConvertPpk(std::path::PathBuf),
    /// Open the wizard replacing this key everywhere it is used.
    OpenRotate(Box<KeyGroup>),
    /// Open the wizard on a rotation left waiting (by id).
    ResumeRotation(String),
    /// Open the wizard on this key of the shown account (with its copies
    /// on other accounts).
    RotateKey(RemoteKey),
    /// Write the inventory to a file.
    ExportInventory(ExportFormat),
    /// Select this key (by id) in the shown account.
    SelectKey(String),
    /// Show (true) or hide the details panel.
    ShowDetails(bool),
    /// Put the cursor in the filter box.
    FocusFilter,
    /// Open the command palette.
    OpenPalette,
    /// Open the settings dialog.
    OpenSettings,
    /// Use these hygiene thresholds in "All keys".
    SetHygieneRules(fleet_panel::HygieneRules),
    /// Scan these folders for local keys in "All keys".
    SetLocalKeyDirs(Vec<PathBuf>),
    /// Open the "Add to agent" dialog on this private key file.
    OpenAddToAgent {
        /// What the key is called.
        name: String,
        /// Its private key file.
        path: PathBuf,
    },
    /// Remove the key with this `SHA256:…` from the ssh-agent.
    RemoveFromAgent(String),
    /// Ask before removing every key from the ssh-agent.
    AskRemoveAllFromAgent,
    /// Remove every key from the ssh-agent (confirmed).
    RemoveAllFromAgent,
}

/// A single-line text field with a visible label that also names it for
/// screen readers and UI tests.
pub fn labeled_text(ui: &mut egui::Ui, label: &str, value: &mut String) -> egui::Response {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        ui.add(egui::TextEdit::singleline(value).desired_width(320.0))
            .labelled_by(label.id)
    })
    .inner
}

/// Like [`labeled_text`] but hides what is typed.
pub fn labeled_password(ui: &mut egui::Ui, label: &str, value: &mut String) -> egui::Response {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        ui.add(
            egui::TextEdit::singleline(value)
                .password(true)
                .desired_width(320.0),
        )
        .labelled_by(label.id)
    })
    .inner
}

/// A table header that sorts: its title with ⏶/⏷ when it is the sort
/// column (`sorted`: `Some(ascending)`); true when clicked.
pub fn sort_header(ui: &mut egui::Ui, title: &str, sorted: Option<bool>) -> bool {
    let arrow = match sorted {
        Some(true) => " ⏶",
        Some(false) => " ⏷",
        None => "",
    };
    ui.add(egui::Button::new(egui::RichText::new(format!("{title}{arrow}")).strong()).frame(false))
        .on_hover_text("Sort by this column")
        .clicked()
}

/// Widths for table columns given as (preferred, least) that fit `room`
/// points: the preferred widths when they fit, otherwise every column
/// shrunk by one factor, a column that reaches its least width held there
/// and the rest shrunk further. When even the least widths are wider than
/// `room`, the least widths (the table then scrolls sideways).
pub fn fit_widths(columns: &[(f32, f32)], room: f32) -> Vec<f32> {
    let mut widths: Vec<f32> = columns.iter().map(|&(preferred, _)| preferred).collect();
    // Each round holds at least one more column at its least width, so
    // this ends within `columns.len()` rounds.
    for _ in 0..=columns.len() {
        let total: f32 = widths.iter().sum();
        if total <= room {
            break;
        }
        let held: f32 = widths
            .iter()
            .zip(columns)
            .filter(|(width, (_, least))| **width <= *least)
            .map(|(width, _)| *width)
            .sum();
        let free = total - held;
        if free <= 0.0 {
            break;
        }
        let factor = ((room - held) / free).max(0.0);
        for (width, &(_, least)) in widths.iter_mut().zip(columns) {
            if *width > least {
                *width = (*width * factor).max(least);
            }
        }
    }
    widths
}

/// A table row carried from one frame to the next in egui's temporary
/// memory (the row under the pointer, the row whose menu is open).
pub(crate) fn last_frame_row(ui: &egui::Ui, id: egui::Id) -> Option<usize> {
    ui.data(|data| data.get_temp::<usize>(id))
}

/// Stores this frame's row for [`last_frame_row`] (none: forgets it).
pub(crate) fn remember_row(ui: &egui::Ui, id: egui::Id, row: Option<usize>) {
    ui.data_mut(|data| match row {
        Some(row) => {
            data.insert_temp(id, row);
        }
        None => data.remove::<usize>(id),
    });
}

/// A table's "Filter:" box with its "×" clear button and the Ctrl+F / Esc
/// tooltips; the new filter text when the user changed or cleared it.
pub fn filter_box(
    ui: &mut egui::Ui,
    id: egui::Id,
    hint: &str,
    width: f32,
    current: &str,
) -> Option<String> {
    let filter_label = ui.label("Filter:");
    let mut filter = current.to_string();
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut filter)
                .id(id)
                .hint_text(hint)
                .desired_width(width),
        )
        .labelled_by(filter_label.id);
    let response = shortcuts::tooltip(response, "Filter the keys; Esc clears", &shortcuts::FILTER);
    let mut changed = response.changed().then_some(filter);
    if !current.is_empty() {
        let clear = ui.small_button("×");
        if shortcuts::tooltip(clear, "Clear filter", &shortcuts::CLEAR_FILTER).clicked() {
            changed = Some(String::new());
        }
    }
    changed
}

/// A red line explaining a problem, for dialogs.
pub fn error_line(ui: &mut egui::Ui, text: &str) {
    ui.colored_label(ui.visuals().error_fg_color, text);
}

/// A green line saying something worked (a shade per theme, readable on
/// either: see [`theme`]).
pub fn success_line(ui: &mut egui::Ui, text: &str) {
    ui.colored_label(theme::success_color(ui.visuals()), text);
}

/// A yellow line warning about something.
pub fn warning_line(ui: &mut egui::Ui, text: &str) {
    ui.colored_label(ui.visuals().warn_fg_color, text);
}

#[cfg(test)]
mod tests {
    use super::fit_widths;

    #[test]
    fn widths_that_fit_are_kept() {
        assert_eq!(
            fit_widths(&[(100.0, 50.0), (60.0, 40.0)], 200.0),
            [100.0, 60.0]
        );
    }

    #[test]
    fn wider_columns_shrink_to_the_room_and_never_below_their_least() {
        let columns = [(130.0, 80.0), (52.0, 52.0), (145.0, 80.0), (120.0, 60.0)];
        let widths = fit_widths(&columns, 360.0);
        let total: f32 = widths.iter().sum();
        assert!((total - 360.0).abs() < 0.01, "{widths:?}");
        for (width, (_, least)) in widths.iter().zip(columns) {
            assert!(*width >= least, "{widths:?}");
        }
        assert_eq!(widths[1], 52.0);
    }

    #[test]
    fn too_little_room_gives_the_least_widths() {
        assert_eq!(
            fit_widths(&[(100.0, 50.0), (60.0, 40.0)], 10.0),
            [50.0, 40.0]
        );
        assert_eq!(fit_widths(&[], 10.0), Vec::<f32>::new());
    }
}
