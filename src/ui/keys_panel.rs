//! The middle: the selected account's keys in a sortable, filterable,
//! virtualized table. A row is selected by a click (or the keyboard, see
//! `app/keyboard.rs`); its actions are in the details panel and in the
//! row's context menu. A row itself carries at most one widget beyond its
//! text: a "Copy" button while the pointer is over it.

use std::borrow::Cow;

use egui_extras::{Column, TableBuilder};

use super::cell_text::{CellFont, CellTexts, Tone};
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
        busy_keys,
        hovered: super::last_frame_row(ui, hovered_id),
    };
    let mut texts = CellTexts::load(ui, egui::Id::unique("keys_table_cell_texts"));
    let stamp = table.stamp();
    let menu_row_id = egui::Id::unique("keys_table_menu_row");
    let menu_row = super::last_frame_row(ui, menu_row_id);
    let mut menu_row_now = None;
    // Stripes are painted a row at a time below (egui_extras paints one
    // per cell): fewer shapes to tessellate every frame.
    let mut builder = TableBuilder::new(ui)
        .id_salt("keys_table")
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    if let Some(row) = scroll_to {
        builder = builder.scroll_to_row(row, None);
    }
    for column in columns {
        // Not clipped per cell: cell texts are cut to their column's width
        // with "…" (`CellTexts`), so the body's shapes share one clip rect
        // and reach the GPU as one mesh instead of one per cell. Header
        // cells clip themselves.
        builder = builder.column(column.width());
    }
    let sort = table.sort();
    let mut clicked_sort = None;
    let mut hovered_now = None;
    builder
        .header(24.0, |mut header| {
            for column in columns {
                header.col(|ui| {
                    ui.shrink_clip_rect(ui.max_rect());
                    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
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
        .body(|mut body| {
            let painter = body.ui_mut().painter().clone();
            let half_gap = 0.5 * body.ui_mut().spacing().item_spacing;
            let stripe_color = body.ui_mut().visuals().faint_bg_color;
            // `rows` lays out only the rows in view: the table is virtualized.
            body.rows(ROW_HEIGHT, table.visible_len(), |mut row| {
                let index = row.index();
                let Some((row_index, key)) = table.visible_row_at(index) else {
                    return;
                };
                // Held under the row's cells; filled once their rects are known.
                let stripe = index
                    .is_multiple_of(2)
                    .then(|| painter.add(egui::Shape::Noop));
                row.set_selected(table.is_selected(index));
                // Names this row's cell texts until the rows change.
                let row_id = egui::Id::unique((stamp, row_index));
                for column in columns {
                    let mut elided = false;
                    let (_, response) = row.col(|ui| match column {
                        KeyColumn::Actions => quick_action(ui, key, index, &context, actions),
                        _ => {
                            if let Some((text, font, tone)) = cell_text(key, *column, spec) {
                                elided = texts.paint(ui, row_id.with(column), font, tone, || text);
                            }
                        }
                    });
                    // Only the cell under the pointer builds a tooltip.
                    if response.hovered() {
                        cell_tooltip(response, key, *column, spec, elided);
                    }
                }
                let response = row.response();
                if let Some(stripe) = stripe {
                    let rect = egui::emath::GuiRounding::round_ui(response.rect.expand2(half_gap));
                    painter.set(stripe, egui::Shape::rect_filled(rect, 0.0, stripe_color));
                }
                // Only a row whose menu is open (or opens now) builds one.
                if (menu_row == Some(index) || response.secondary_clicked())
                    && row_context_menu(&response, key, spec, actions)
                {
                    menu_row_now = Some(index);
                }
                row_interaction(&response, key, actions);
                if response.hovered() {
                    hovered_now = Some(index);
                }
            });
        });
    texts.keep(ui);
    super::remember_row(ui, menu_row_id, menu_row_now);
    super::remember_row(ui, hovered_id, hovered_now);
    if let Some(column) = clicked_sort {
        table.toggle_sort(column);
    }
}

/// A click selects the row, a double click also shows the details panel,
/// a right click selects it (and opens its context menu, see
/// [`row_context_menu`]). Only a click allocates (the key's id).
fn row_interaction(response: &egui::Response, key: &RemoteKey, actions: &mut Vec<UiAction>) {
    if response.clicked() || response.secondary_clicked() {
        actions.push(UiAction::SelectKey(key.id.clone()));
    }
    if response.double_clicked() {
        actions.push(UiAction::ShowDetails(true));
    }
}

/// The row's context menu: the same actions as the details panel. Returns
/// whether it is open.
fn row_context_menu(
    response: &egui::Response,
    key: &RemoteKey,
    spec: &'static ProviderSpec,
    actions: &mut Vec<UiAction>,
) -> bool {
    response
        .context_menu(|ui| {
            for action in KeyAction::available(key, spec.capabilities) {
                action.button(ui, key, actions);
            }
        })
        .is_some()
}

/// A cell's text, font and colour; `None` for an empty cell (and for the
/// actions column, which holds a widget).
fn cell_text<'k>(
    key: &'k RemoteKey,
    column: KeyColumn,
    spec: &'static ProviderSpec,
) -> Option<(Cow<'k, str>, CellFont, Tone)> {
    let plain = |text: &'k str| Some((Cow::Borrowed(text), CellFont::Body, Tone::Normal));
    let mono = |text: Option<&'k str>| {
        Some((
            Cow::Borrowed(text.unwrap_or("—")),
            CellFont::Monospace,
            Tone::Normal,
        ))
    };
    let or_dash = |text: Option<&'k str>| match text {
        Some(text) if !text.is_empty() => plain(text),
        _ => Some((Cow::Borrowed("—"), CellFont::Body, Tone::Weak)),
    };
    match column {
        KeyColumn::Name => plain(&key.name),
        KeyColumn::Id => mono(Some(&key.id)),
        KeyColumn::Kind => Some((
            kind_label(key, spec.account_key_kind),
            CellFont::Body,
            Tone::Normal,
        )),
        // Marked "⚠" when weak.
        KeyColumn::Algorithm => match key.algorithm_shown().filter(|text| !text.is_empty()) {
            Some(shown) if key.weak => {
                Some((Cow::Owned(format!("⚠ {shown}")), CellFont::Body, Tone::Warn))
            }
            shown => or_dash(shown),
        },
        KeyColumn::Sha256 => mono(key.fingerprint_sha256.as_deref()),
        KeyColumn::Md5 => mono(key.fingerprint_md5.as_deref()),
        KeyColumn::Shared => plain(yes_no(key.shared_in_project)),
        KeyColumn::Default => (key.is_default == Some(true)).then_some((
            Cow::Borrowed("★ default"),
            CellFont::Body,
            Tone::Normal,
        )),
        KeyColumn::State => or_dash(key.state.as_deref()),
        KeyColumn::Created => or_dash(key.created_at.as_deref()),
        KeyColumn::Updated => or_dash(key.updated_at.as_deref()),
        // How many things in the account use the key; a dash when the
        // provider could not say.
        KeyColumn::UsedBy => match &key.used_by {
            None => or_dash(None),
            Some(names) if names.is_empty() => {
                Some((Cow::Borrowed("0"), CellFont::Body, Tone::Weak))
            }
            Some(names) => Some((
                Cow::Owned(names.len().to_string()),
                CellFont::Body,
                Tone::Normal,
            )),
        },
        KeyColumn::Actions => None,
    }
}

/// The hovered cell's tooltip: the key's comment on its name, the
/// algorithm's details (certificate, security key, weakness), the names
/// of what uses the key, or else the whole text when the cell cut it.
fn cell_tooltip(
    response: egui::Response,
    key: &RemoteKey,
    column: KeyColumn,
    spec: &'static ProviderSpec,
    elided: bool,
) {
    let whole_text = |ui: &mut egui::Ui| {
        if elided && let Some((text, _, _)) = cell_text(key, column, spec) {
            ui.label(text.as_ref());
        }
    };
    match column {
        KeyColumn::Name if elided || key.comment.is_some() => {
            response.on_hover_ui(|ui| {
                whole_text(ui);
                if let Some(comment) = &key.comment {
                    ui.label(format!("Comment: {comment}"));
                }
            });
        }
        KeyColumn::Algorithm
            if key.algorithm_details.is_some() || key.algorithm_label.is_some() =>
        {
            response.on_hover_ui(|ui| {
                if let Some(algorithm) = &key.algorithm {
                    ui.monospace(algorithm.as_str());
                }
                if let Some(details) = &key.algorithm_details {
                    ui.label(details);
                }
            });
        }
        KeyColumn::UsedBy => match &key.used_by {
            None => {
                response.on_hover_text("Not known: the list of users could not be loaded.");
            }
            Some(names) if !names.is_empty() => {
                response.on_hover_text(names.join("\n"));
            }
            Some(_) => {}
        },
        _ if elided => {
            response.on_hover_ui(whole_text);
        }
        _ => {}
    }
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "—",
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
