//! The middle: the selected account's keys in a sortable, filterable,
//! virtualized table. A row is selected by a click (or the keyboard, see
//! `app/keyboard.rs`); its actions are in the details panel and in the
//! row's context menu. A row itself carries at most one widget beyond its
//! text: a "Copy" button while the pointer is over it.

use egui_extras::{Column, TableBuilder};

use super::key_actions::KeyAction;
use super::{UiAction, shortcuts};
pub use crate::providers::spec::KeyColumn;
use crate::providers::{ApiError, ProviderSpec, RemoteKey};
use crate::state::key_table::{KeyTable, SortColumn, kind_label};
use crate::store::Profile;

/// The filter box's id, so Ctrl+F can focus it.
pub fn filter_id() -> egui::Id {
    egui::Id::unique("keys_filter")
}

/// Height of one table row; constant so the table can virtualize.
pub const ROW_HEIGHT: f32 = 22.0;

/// How the table draws and sorts each column.
trait ColumnLayout {
    fn title(self) -> &'static str;
    fn sort(self) -> Option<SortColumn>;
    fn width(self) -> Column;
}

impl ColumnLayout for KeyColumn {
    fn title(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Id => "ID",
            Self::Kind => "Kind",
            Self::Algorithm => "Algorithm",
            Self::Sha256 => "SHA256 fingerprint",
            Self::Md5 => "MD5 fingerprint",
            Self::Shared => "Shared",
            Self::Default => "Default",
            Self::State => "State",
            Self::Created => "Created",
            Self::Updated => "Updated",
            Self::Actions => "Actions",
            Self::UsedBy => "Used by",
        }
    }

    fn sort(self) -> Option<SortColumn> {
        Some(match self {
            Self::Name | Self::Id => SortColumn::Name,
            Self::Kind => SortColumn::Kind,
            Self::Algorithm => SortColumn::Algorithm,
            Self::Sha256 => SortColumn::Sha256,
            Self::Md5 => SortColumn::Md5,
            Self::Shared => SortColumn::Shared,
            Self::Default => SortColumn::Default,
            Self::State => SortColumn::State,
            Self::Created => SortColumn::Created,
            Self::Updated => SortColumn::Updated,
            Self::Actions | Self::UsedBy => return None,
        })
    }

    fn width(self) -> Column {
        match self {
            Self::Name => Column::initial(170.0).at_least(80.0),
            Self::Sha256 => Column::initial(250.0).at_least(80.0),
            Self::Md5 => Column::initial(190.0).at_least(80.0),
            Self::Kind => Column::initial(150.0).at_least(60.0),
            Self::Created | Self::Updated => Column::initial(150.0).at_least(60.0),
            Self::Id => Column::initial(190.0).at_least(60.0),
            // Room for the hovered row's "Copy" (or a busy spinner), right
            // after the name, so it is never pushed off-screen by wide
            // fingerprint columns.
            Self::Actions => Column::exact(56.0),
            _ => Column::initial(80.0).at_least(40.0),
        }
    }
}

/// The columns an account's keys have, as its provider's spec says;
/// actions come right after the name. (Static lists: the table asks every
/// frame.)
pub fn columns_for(profile: &Profile) -> &'static [KeyColumn] {
    (profile.provider().spec().columns)(&profile.settings)
}

/// What the panel shows for one account.
pub struct KeysView<'a> {
    /// The account.
    pub profile: &'a Profile,
    /// Its keys.
    pub table: &'a mut KeyTable,
    /// A list request is running.
    pub loading: bool,
    /// The list has been loaded at least once.
    pub loaded: bool,
    /// The last list error.
    pub error: Option<&'a ApiError>,
    /// Ids of keys with an operation in flight.
    pub busy_keys: &'a [String],
    /// The details panel is shown.
    pub details_open: bool,
    /// Scroll the table so this shown row is in view (after a keyboard
    /// move).
    pub scroll_to: Option<usize>,
}

/// Draws the toolbar, filter and table. Returns how many rows fit in the
/// table's view (PgUp/PgDn move by that much).
pub fn show(ui: &mut egui::Ui, view: KeysView<'_>, actions: &mut Vec<UiAction>) -> usize {
    let KeysView {
        profile,
        table,
        loading,
        loaded,
        error,
        busy_keys,
        details_open,
        scroll_to,
    } = view;
    let spec = profile.provider().spec();
    ui.horizontal(|ui| {
        ui.heading(&profile.name);
        ui.label(egui::RichText::new(format!("{} · {}", spec.label, profile.scope_label())).weak());
        if loading {
            ui.add(egui::Spinner::new());
        }
    });
    toolbar(ui, profile, table, details_open, actions);
    if let Some(err) = error {
        ui.horizontal(|ui| {
            super::error_line(ui, &format!("Refresh failed: {err}"));
            if ui.small_button("Details").clicked() {
                actions.push(UiAction::ShowErrorDetails(err.full_text()));
            }
        });
    }
    for notice in (spec.notices)(&profile.settings) {
        if notice.warning {
            super::warning_line(ui, notice.text);
        } else {
            ui.label(egui::RichText::new(notice.text).weak());
        }
    }
    ui.separator();
    // The header row and the horizontal scroll bar take about two rows.
    let page_rows = ((ui.available_height() / ROW_HEIGHT) as usize)
        .saturating_sub(2)
        .max(1);
    if !loaded && loading {
        ui.centered_and_justified(|ui| {
            ui.add(egui::Spinner::new().size(32.0));
        });
        return page_rows;
    }
    if table.is_empty() {
        if loaded {
            ui.label("This account has no SSH keys yet. Use \"Add key\" or \"Generate\" above.");
        } else if error.is_none() {
            ui.label("Press Refresh to load this account's keys.");
        }
        return page_rows;
    }
    let columns = columns_for(profile);
    // Wide fingerprint columns may not fit: scroll sideways rather than squash.
    egui::ScrollArea::horizontal().show(ui, |ui| {
        draw_table(
            ui,
            TableView {
                table,
                columns,
                spec,
                busy_keys,
                scroll_to,
            },
            actions,
        );
    });
    page_rows
}

/// Refresh, add, generate, the filter box, the details panel and the
/// command palette. Every shortcut is in its control's tooltip.
fn toolbar(
    ui: &mut egui::Ui,
    profile: &Profile,
    table: &mut KeyTable,
    details_open: bool,
    actions: &mut Vec<UiAction>,
) {
    let spec = profile.provider().spec();
    ui.horizontal(|ui| {
        let refresh = ui.button("⟳ Refresh");
        if shortcuts::tooltip(refresh, "Reload this account", &shortcuts::REFRESH).clicked() {
            actions.push(UiAction::Refresh(profile.id.clone()));
        }
        let add = ui.button(spec.add_key_label);
        if shortcuts::tooltip(add, "Add a key to this account", &shortcuts::ADD_KEY).clicked() {
            actions.push(UiAction::OpenAddKey);
        }
        if ui
            .button(spec.generate.button_label)
            .on_hover_text("Generate a key pair on this computer")
            .clicked()
        {
            actions.push(UiAction::OpenGenerate);
        }
        ui.separator();
        if let Some(filter) = super::filter_box(
            ui,
            filter_id(),
            "name, fingerprint or comment",
            240.0,
            table.filter(),
        ) {
            table.set_filter(&filter);
        }
        ui.label(format!("{} of {} keys", table.visible_len(), table.len()));
        ui.separator();
        let details = ui.selectable_label(details_open, "Details panel");
        if super::details_panel::show_tooltip(details).clicked() {
            actions.push(UiAction::ShowDetails(!details_open));
        }
        let palette = ui.button("Commands…");
        if shortcuts::tooltip(
            palette,
            "Search every command and account",
            &shortcuts::PALETTE,
        )
        .clicked()
        {
            actions.push(UiAction::OpenPalette);
        }
    });
}

/// What the table draws.
struct TableView<'a> {
    table: &'a mut KeyTable,
    columns: &'static [KeyColumn],
    spec: &'static ProviderSpec,
    busy_keys: &'a [String],
    scroll_to: Option<usize>,
}

/// Per-row drawing state that is the same for every row.
struct RowContext<'a> {
    spec: &'static ProviderSpec,
    busy_keys: &'a [String],
    /// The row under the pointer last frame: the only one with a button.
    hovered: Option<usize>,
}

fn draw_table(ui: &mut egui::Ui, view: TableView<'_>, actions: &mut Vec<UiAction>) {
    let TableView {
        table,
        columns,
        spec,
        busy_keys,
        scroll_to,
    } = view;
    // Rows are clicked as a whole: text in them is not selectable (the
    // details panel's is), so a click on a name selects its row.
    ui.style_mut().interaction.selectable_labels = false;
    let hovered_id = egui::Id::unique("keys_table_hovered_row");
    let context = RowContext {
        spec,
        busy_keys,
        hovered: ui.data(|data| data.get_temp::<usize>(hovered_id)),
    };
    let mut builder = TableBuilder::new(ui)
        .id_salt("keys_table")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    if let Some(row) = scroll_to {
        builder = builder.scroll_to_row(row, None);
    }
    for column in columns {
        builder = builder.column(column.width().clip(true));
    }
    let sort = table.sort();
    let mut clicked_sort = None;
    let mut hovered_now = None;
    builder
        .header(24.0, |mut header| {
            for column in columns {
                header.col(|ui| {
                    let title = column.title();
                    match column.sort() {
                        Some(sort_column) => {
                            let sorted = sort.filter(|(current, _)| *current == sort_column);
                            if super::sort_header(ui, title, sorted.map(|(_, ascending)| ascending))
                            {
                                clicked_sort = Some(sort_column);
                            }
                        }
                        None => {
                            ui.strong(title);
                        }
                    }
                });
            }
        })
        .body(|body| {
            // `rows` lays out only the rows in view: the table is virtualized.
            body.rows(ROW_HEIGHT, table.visible_len(), |mut row| {
                let index = row.index();
                let Some(key) = table.visible_row(index) else {
                    return;
                };
                row.set_selected(table.is_selected(index));
                let mut row_response: Option<egui::Response> = None;
                for column in columns {
                    let (_, response) =
                        row.col(|ui| cell(ui, key, *column, index, &context, actions));
                    row_response = Some(match row_response {
                        Some(so_far) => so_far.union(response),
                        None => response,
                    });
                }
                if let Some(response) = row_response {
                    row_interaction(&response, key, spec, actions);
                    if response.hovered() {
                        hovered_now = Some(index);
                    }
                }
            });
        });
    ui.data_mut(|data| match hovered_now {
        Some(index) => {
            data.insert_temp(hovered_id, index);
        }
        None => data.remove::<usize>(hovered_id),
    });
    if let Some(column) = clicked_sort {
        table.toggle_sort(column);
    }
}

/// A click selects the row, a double click also shows the details panel,
/// a right click selects it and opens its context menu (the same actions
/// as the panel). Only a click allocates (the key's id).
fn row_interaction(
    response: &egui::Response,
    key: &RemoteKey,
    spec: &'static ProviderSpec,
    actions: &mut Vec<UiAction>,
) {
    if response.clicked() || response.secondary_clicked() {
        actions.push(UiAction::SelectKey(key.id.clone()));
    }
    if response.double_clicked() {
        actions.push(UiAction::ShowDetails(true));
    }
    response.context_menu(|ui| {
        for action in KeyAction::available(key, spec.capabilities) {
            action.button(ui, key, actions);
        }
    });
}

fn text_or_dash(ui: &mut egui::Ui, value: Option<&str>) {
    match value {
        Some(text) if !text.is_empty() => {
            ui.label(text);
        }
        _ => {
            ui.weak("—");
        }
    }
}

/// The key type, marked "⚠" when weak, with details (certificate,
/// security key, weakness) and the algorithm name on hover.
fn algorithm_cell(ui: &mut egui::Ui, key: &RemoteKey) {
    let Some(shown) = key.algorithm_shown().filter(|text| !text.is_empty()) else {
        ui.weak("—");
        return;
    };
    let response = if key.weak {
        ui.colored_label(ui.visuals().warn_fg_color, format!("⚠ {shown}"))
    } else {
        ui.label(shown)
    };
    if key.algorithm_details.is_some() || key.algorithm_label.is_some() {
        response.on_hover_ui(|ui| {
            if let Some(algorithm) = &key.algorithm {
                ui.monospace(algorithm);
            }
            if let Some(details) = &key.algorithm_details {
                ui.label(details);
            }
        });
    }
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "—",
    }
}

fn cell(
    ui: &mut egui::Ui,
    key: &RemoteKey,
    column: KeyColumn,
    index: usize,
    context: &RowContext<'_>,
    actions: &mut Vec<UiAction>,
) {
    let spec = context.spec;
    match column {
        KeyColumn::Name => {
            let response = ui.label(&key.name);
            if let Some(comment) = &key.comment {
                response.on_hover_text(format!("Comment: {comment}"));
            }
        }
        KeyColumn::Id => {
            ui.monospace(&key.id);
        }
        KeyColumn::Kind => {
            ui.label(kind_label(key, spec.account_key_kind));
        }
        KeyColumn::Algorithm => algorithm_cell(ui, key),
        KeyColumn::Sha256 => {
            ui.monospace(key.fingerprint_sha256.as_deref().unwrap_or("—"));
        }
        KeyColumn::Md5 => {
            ui.monospace(key.fingerprint_md5.as_deref().unwrap_or("—"));
        }
        KeyColumn::Shared => {
            ui.label(yes_no(key.shared_in_project));
        }
        KeyColumn::Default => {
            if key.is_default == Some(true) {
                ui.label("★ default");
            } else {
                ui.weak("");
            }
        }
        KeyColumn::State => text_or_dash(ui, key.state.as_deref()),
        KeyColumn::Created => text_or_dash(ui, key.created_at.as_deref()),
        KeyColumn::Updated => text_or_dash(ui, key.updated_at.as_deref()),
        KeyColumn::Actions => quick_action(ui, key, index, context, actions),
        KeyColumn::UsedBy => used_by_cell(ui, key),
    }
}

/// How many things in the account use the key, their names on hover; a
/// dash when the provider could not say.
fn used_by_cell(ui: &mut egui::Ui, key: &RemoteKey) {
    match &key.used_by {
        None => {
            ui.weak("—")
                .on_hover_text("Not known: the list of users could not be loaded.");
        }
        Some(names) if names.is_empty() => {
            ui.weak("0");
        }
        Some(names) => {
            ui.label(names.len().to_string())
                .on_hover_text(names.join("\n"));
        }
    }
}

/// A spinner while a request about the key runs, else "Copy" on the row
/// under the pointer: one widget at most, whatever the number of rows.
fn quick_action(
    ui: &mut egui::Ui,
    key: &RemoteKey,
    index: usize,
    context: &RowContext<'_>,
    actions: &mut Vec<UiAction>,
) {
    if context.busy_keys.iter().any(|id| id == &key.id) {
        ui.add(egui::Spinner::new());
        return;
    }
    if context.hovered != Some(index) {
        return;
    }
    if let Some(public_key) = &key.public_key {
        let copy = ui.small_button("Copy");
        if shortcuts::tooltip(copy, "Copy the public key", &shortcuts::COPY_KEY).clicked() {
            actions.push(UiAction::Copy {
                text: public_key.clone(),
                what: "public key",
            });
        }
    }
}
