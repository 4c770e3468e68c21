//! The middle: the selected account's keys in a sortable, filterable,
//! virtualized table. A row is selected by a click (or the keyboard, see
//! `app/keyboard.rs`); its actions are in the details panel and in the
//! row's context menu. A row itself carries at most one widget beyond its
//! text: a "Copy" button while the pointer is over it.

use std::borrow::Cow;

use egui_extras::{Column, TableBuilder};

use super::cell_text::{CellFont, CellTexts, Tone};
use super::command::{AccountRef, CommandContext, UICommand};
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
            Self::Expires => "Expires",
            Self::Labels => "Labels",
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
            Self::Expires => SortColumn::Expires,
            Self::Labels => SortColumn::Labels,
            Self::Actions | Self::UsedBy => return None,
        })
    }
}

/// The Actions column's fixed width.
const ACTIONS_WIDTH: f32 = 52.0;

impl KeyColumn {
    /// The width a column would like, and the least it can do with
    /// (fingerprints are cut in the middle, other texts end in "…").
    fn preferred_width(self) -> (f32, f32) {
        match self {
            Self::Name => (130.0, 80.0),
            Self::Sha256 => (145.0, 80.0),
            Self::Md5 => (105.0, 60.0),
            Self::Kind => (130.0, 60.0),
            Self::Created | Self::Updated | Self::Expires => (120.0, 60.0),
            Self::Labels => (140.0, 60.0),
            Self::Id => (160.0, 60.0),
            Self::Algorithm => (72.0, 40.0),
            Self::Shared => (52.0, 40.0),
            Self::Actions => (ACTIONS_WIDTH, ACTIONS_WIDTH),
            _ => (64.0, 40.0),
        }
    }
}

/// Starting widths that fit `columns` in `available` points: each column's
/// preferred width, shrunk in proportion (never below its least width)
/// when together they are wider. Without this, at the default window size
/// the last columns (GitLab's Expires) started off-screen. The user's
/// own resizing is kept by the table and wins over these.
fn fitted_columns(columns: &[KeyColumn], available: f32, spacing: f32) -> Vec<Column> {
    let widths: Vec<(f32, f32)> = columns.iter().map(|c| c.preferred_width()).collect();
    let room = available - spacing * columns.len() as f32;
    let fitted = super::fit_widths(&widths, room);
    columns
        .iter()
        .zip(fitted)
        .map(|(column, width)| match column {
            // Room for the hovered row's "Copy" (or a busy spinner), right
            // after the name, so it is never pushed off-screen.
            KeyColumn::Actions => Column::exact(ACTIONS_WIDTH),
            _ => Column::initial(width).at_least(column.preferred_width().1),
        })
        .collect()
}

/// The columns an account's keys have, as its provider's spec says;
/// actions come right after the name. (Static lists: the table asks every
/// frame.)
pub fn columns_for(profile: &Profile) -> &'static [KeyColumn] {
    (profile.provider().spec().columns)(&profile.settings)
}

/// Every column, in the order the columns menu lists them.
const ALL_COLUMNS: [KeyColumn; 15] = [
    KeyColumn::Name,
    KeyColumn::Default,
    KeyColumn::Actions,
    KeyColumn::Kind,
    KeyColumn::UsedBy,
    KeyColumn::Id,
    KeyColumn::Algorithm,
    KeyColumn::Sha256,
    KeyColumn::Md5,
    KeyColumn::Shared,
    KeyColumn::State,
    KeyColumn::Created,
    KeyColumn::Updated,
    KeyColumn::Expires,
    KeyColumn::Labels,
];

/// The columns hidden in one provider's tables: the user's choice
/// (right-click a header), kept per provider in egui's memory, which
/// eframe saves between runs; until the user chooses, the provider's
/// default ([`ProviderSpec::hidden_columns`]). A bit per column, so
/// reading it every frame copies two bytes; saved as a list of names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<KeyColumn>", into = "Vec<KeyColumn>")]
pub struct HiddenColumns(u16);

impl HiddenColumns {
    fn bit(column: KeyColumn) -> u16 {
        1 << (column as u16)
    }

    fn of(columns: &[KeyColumn]) -> Self {
        Self(columns.iter().fold(0, |bits, &c| bits | Self::bit(c)))
    }

    /// Whether `column` is hidden (the name never is: it names the row).
    pub fn contains(self, column: KeyColumn) -> bool {
        column != KeyColumn::Name && self.0 & Self::bit(column) != 0
    }

    fn toggle(&mut self, column: KeyColumn) {
        self.0 ^= Self::bit(column);
    }

    fn id(spec: &ProviderSpec) -> egui::Id {
        egui::Id::unique(("keys_table_hidden_columns", spec.label))
    }

    /// The columns hidden in `spec`'s tables.
    pub fn load(ctx: &egui::Context, spec: &ProviderSpec) -> Self {
        ctx.data_mut(|data| data.get_persisted(Self::id(spec)))
            .unwrap_or_else(|| Self::of(spec.hidden_columns))
    }

    fn store(self, ctx: &egui::Context, spec: &ProviderSpec) {
        ctx.data_mut(|data| data.insert_persisted(Self::id(spec), self));
    }

    /// `columns` without the hidden ones, in a fixed array: built every
    /// frame without allocating.
    fn shown(self, columns: &[KeyColumn]) -> ShownColumns {
        let mut shown = ShownColumns {
            list: [KeyColumn::Name; ALL_COLUMNS.len()],
            len: 0,
        };
        for &column in columns.iter().filter(|&&c| !self.contains(c)) {
            shown.list[shown.len] = column;
            shown.len += 1;
        }
        shown
    }
}

impl From<Vec<KeyColumn>> for HiddenColumns {
    fn from(columns: Vec<KeyColumn>) -> Self {
        Self::of(&columns)
    }
}

impl From<HiddenColumns> for Vec<KeyColumn> {
    fn from(hidden: HiddenColumns) -> Self {
        ALL_COLUMNS
            .into_iter()
            .filter(|&column| hidden.0 & HiddenColumns::bit(column) != 0)
            .collect()
    }
}

/// The columns a table shows this frame.
struct ShownColumns {
    list: [KeyColumn; ALL_COLUMNS.len()],
    len: usize,
}

impl ShownColumns {
    fn as_slice(&self) -> &[KeyColumn] {
        &self.list[..self.len]
    }
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
    scrolled_table(ui, profile, table, busy_keys, scroll_to, actions);
    page_rows
}

/// The table inside its sideways scroll area, with the line about a
/// selected key the filter hides above it.
fn scrolled_table(
    ui: &mut egui::Ui,
    profile: &Profile,
    table: &mut KeyTable,
    busy_keys: &[String],
    scroll_to: Option<usize>,
    actions: &mut Vec<UiAction>,
) {
    hidden_by_filter(ui, table);
    let spec = profile.provider().spec();
    let all_columns = columns_for(profile);
    let hidden = HiddenColumns::load(ui.ctx(), spec);
    let shown = hidden.shown(all_columns);
    // A key just added or renamed: scrolled to once the table shows it.
    let scroll_to = scroll_to.or_else(|| table.take_reveal());
    let mut view = TableView {
        table,
        columns: shown.as_slice(),
        all_columns,
        hidden,
        spec,
        busy_keys,
        scroll_to,
        fit_width: visible_width(ui),
    };
    // Wide fingerprint columns may not fit: scroll sideways rather than
    // squash. The bar gets its own room below the rows: floating (egui's
    // default) it covered the last row of a short table.
    ui.scope(|ui| {
        let inner_style = ui.spacing().scroll;
        ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
        egui::ScrollArea::horizontal().show(ui, |ui| {
            ui.spacing_mut().scroll = inner_style;
            if let Some(hidden) = draw_table(ui, &mut view, actions) {
                hidden.store(ui.ctx(), spec);
            }
        });
    });
}

/// The width left to the right edge of what is shown. The central panel's
/// `available_width` reaches under the details panel (its max rect is
/// wider than its clip rect), so the clip rect bounds it; less the
/// panel's inner margin.
fn visible_width(ui: &egui::Ui) -> f32 {
    let to_visible_edge = ui.clip_rect().right() - ui.cursor().left() - 8.0;
    ui.available_width().min(to_visible_edge)
}

/// Whether the table's columns were last fitted to another width (the
/// window or a side panel was resized), remembering this one. The table
/// then starts again from fitted widths: the columns the user resized are
/// kept only while the room for them stays the same, so a narrower window
/// never leaves columns out of sight.
fn fitted_for_another_width(ctx: &egui::Context, width: f32) -> bool {
    let id = egui::Id::unique("keys_table_fitted_width");
    let rounded = width.round();
    let previous: Option<f32> = ctx.data_mut(|data| data.get_persisted(id));
    if previous == Some(rounded) {
        return false;
    }
    ctx.data_mut(|data| data.insert_persisted(id, rounded));
    true
}

/// When the selected key is one the filter hides (renamed or added while
/// filtering): says so, with a link that clears the filter and shows it.
fn hidden_by_filter(ui: &mut egui::Ui, table: &mut KeyTable) {
    if !table.selected_hidden_by_filter() {
        return;
    }
    let Some(key) = table.selected_key() else {
        return;
    };
    let (name, id) = (key.name.clone(), key.id.clone());
    ui.horizontal(|ui| {
        ui.label(format!("\"{name}\" is selected but hidden by the filter."));
        if ui.link("Clear filter").clicked() {
            table.set_filter("");
            table.reveal(&id);
        }
    });
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
    // The account's commands, drawn from the one command list (text,
    // tooltip, shortcut and action).
    let context = CommandContext {
        account: Some(AccountRef {
            id: &profile.id,
            name: &profile.name,
            spec: profile.provider().spec(),
        }),
        account_shown: true,
        details_open,
        ..CommandContext::default()
    };
    ui.horizontal(|ui| {
        for command in [
            UICommand::Refresh,
            UICommand::AddKey,
            UICommand::GenerateKey,
        ] {
            command.button(ui, &context, actions);
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
        UICommand::OpenPalette.button(ui, &context, actions);
    });
}

/// What the table draws.
struct TableView<'a> {
    table: &'a mut KeyTable,
    /// The columns shown.
    columns: &'a [KeyColumn],
    /// Every column the account has (the header's menu lists them).
    all_columns: &'static [KeyColumn],
    hidden: HiddenColumns,
    spec: &'static ProviderSpec,
    busy_keys: &'a [String],
    scroll_to: Option<usize>,
    /// The width the columns start out fitting (the panel's, outside the
    /// sideways scroll area).
    fit_width: f32,
}

/// Per-row drawing state that is the same for every row.
struct RowContext<'a> {
    busy_keys: &'a [String],
    /// The row under the pointer last frame: the only one with a button.
    hovered: Option<usize>,
    /// The columns shown.
    columns: &'a [KeyColumn],
    spec: &'static ProviderSpec,
}

/// Draws the table; returns the hidden columns when the user changed them.
fn draw_table(
    ui: &mut egui::Ui,
    view: &mut TableView<'_>,
    actions: &mut Vec<UiAction>,
) -> Option<HiddenColumns> {
    let table = &mut *view.table;
    let spacing = ui.spacing().item_spacing.x;
    // Rows are clicked as a whole: text in them is not selectable (the
    // details panel's is), so a click on a name selects its row.
    ui.style_mut().interaction.selectable_labels = false;
    let hovered_id = egui::Id::unique("keys_table_hovered_row");
    let context = RowContext {
        busy_keys: view.busy_keys,
        hovered: super::last_frame_row(ui, hovered_id),
        columns: view.columns,
        spec: view.spec,
    };
    let mut texts = CellTexts::load(ui, egui::Id::unique("keys_table_cell_texts"));
    let menu_row_id = egui::Id::unique("keys_table_menu_row");
    let menu_row = super::last_frame_row(ui, menu_row_id);
    let mut menu_row_now = None;
    // Stripes are painted a row at a time below (egui_extras paints one
    // per cell): fewer shapes to tessellate every frame.
    let refit = fitted_for_another_width(ui.ctx(), view.fit_width);
    let mut builder = TableBuilder::new(ui)
        .id_salt("keys_table")
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    if let Some(row) = view.scroll_to {
        builder = builder.scroll_to_row(row, None);
    }
    // Not clipped per cell: cell texts are cut to their column's width
    // with "…" (`CellTexts`), so the body's shapes share one clip rect and
    // reach the GPU as one mesh instead of one per cell. Header cells clip
    // themselves.
    if refit {
        builder.reset();
    }
    for column in fitted_columns(view.columns, view.fit_width, spacing) {
        builder = builder.column(column);
    }
    let sort = table.sort();
    let mut hidden_now = view.hidden;
    let mut clicked_sort = None;
    let mut hovered_now = None;
    builder
        .header(24.0, |header| {
            clicked_sort = header_row(
                header,
                view.columns,
                view.all_columns,
                sort,
                &mut hidden_now,
            );
        })
        .body(|body| {
            (menu_row_now, hovered_now) =
                body_rows(body, table, &context, &mut texts, menu_row, actions);
        });
    texts.keep(ui);
    super::remember_row(ui, menu_row_id, menu_row_now);
    super::remember_row(ui, hovered_id, hovered_now);
    if let Some(column) = clicked_sort {
        table.toggle_sort(column);
    }
    (hidden_now != view.hidden).then_some(hidden_now)
}

/// The rows in view, each with its stripe, cells, menu and clicks.
/// Returns the row whose menu is open and the row under the pointer.
fn body_rows(
    mut body: egui_extras::TableBody<'_>,
    table: &KeyTable,
    context: &RowContext<'_>,
    texts: &mut CellTexts,
    menu_row: Option<usize>,
    actions: &mut Vec<UiAction>,
) -> (Option<usize>, Option<usize>) {
    let (mut menu_row_now, mut hovered_now) = (None, None);
    let stamp = table.stamp();
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
        row_cells(&mut row, key, index, row_id, context, texts, actions);
        let response = row.response();
        if let Some(stripe) = stripe {
            let rect = egui::emath::GuiRounding::round_ui(response.rect.expand2(half_gap));
            painter.set(stripe, egui::Shape::rect_filled(rect, 0.0, stripe_color));
        }
        // Only a row whose menu is open (or opens now) builds one.
        if (menu_row == Some(index) || response.secondary_clicked())
            && row_context_menu(&response, key, context.spec, actions)
        {
            menu_row_now = Some(index);
        }
        row_interaction(&response, key, actions);
        if response.hovered() {
            hovered_now = Some(index);
        }
    });
    (menu_row_now, hovered_now)
}

/// The header: a sorting title per column (or a plain one), each with the
/// columns menu on a right click. Returns the column whose title was
/// clicked.
fn header_row(
    mut header: egui_extras::TableRow<'_, '_>,
    columns: &[KeyColumn],
    all_columns: &[KeyColumn],
    sort: Option<(SortColumn, bool)>,
    hidden: &mut HiddenColumns,
) -> Option<SortColumn> {
    let mut clicked_sort = None;
    for column in columns {
        let mut title_button = None;
        let (_, cell) = header.col(|ui| {
            ui.shrink_clip_rect(ui.max_rect());
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            let title = column.title();
            match column.sort() {
                Some(sort_column) => {
                    let sorted = sort.filter(|(current, _)| *current == sort_column);
                    let button = sort_button(ui, title, sorted.map(|(_, up)| up));
                    if button.clicked() {
                        clicked_sort = Some(sort_column);
                    }
                    title_button = Some(button);
                }
                None => {
                    ui.strong(title);
                }
            }
        });
        // A right click on a header (its title or beside it).
        for response in std::iter::once(cell).chain(title_button) {
            response.context_menu(|ui| columns_menu(ui, all_columns, hidden));
        }
    }
    clicked_sort
}

/// One row's cells: painted texts, and the actions column's widget.
fn row_cells(
    row: &mut egui_extras::TableRow<'_, '_>,
    key: &RemoteKey,
    index: usize,
    row_id: egui::Id,
    context: &RowContext<'_>,
    texts: &mut CellTexts,
    actions: &mut Vec<UiAction>,
) {
    for column in context.columns {
        let mut elided = false;
        let (_, response) = row.col(|ui| match column {
            KeyColumn::Actions => quick_action(ui, key, index, context, actions),
            _ => {
                if let Some((text, font, tone)) = cell_text(key, *column, context.spec) {
                    elided = texts.paint(ui, row_id.with(column), font, tone, || {
                        shown_text(*column, text)
                    });
                }
            }
        });
        // Only the cell under the pointer builds a tooltip.
        if response.hovered() {
            cell_tooltip(response, key, *column, context.spec, elided);
        }
    }
}

/// What a cell shows of its `text`: dates in the one human form
/// (`crate::dates`). Called only when a cell is laid out, so the table's
/// frame formats nothing.
fn shown_text(column: KeyColumn, text: Cow<'_, str>) -> Cow<'_, str> {
    match column {
        KeyColumn::Created | KeyColumn::Updated => Cow::Owned(crate::dates::human(&text)),
        KeyColumn::Expires if text != NEVER => Cow::Owned(crate::dates::human(&text)),
        _ => text,
    }
}

/// The Expires column's word for a key that never expires.
const NEVER: &str = "never";

/// A header that sorts: its title with ⏶/⏷ when it is the sort column
/// (`sorted`: `Some(ascending)`). Like `ui::sort_header`, but its response
/// is kept for the columns menu.
fn sort_button(ui: &mut egui::Ui, title: &str, sorted: Option<bool>) -> egui::Response {
    let arrow = match sorted {
        Some(true) => " ⏶",
        Some(false) => " ⏷",
        None => "",
    };
    ui.add(egui::Button::new(egui::RichText::new(format!("{title}{arrow}")).strong()).frame(false))
        .on_hover_text("Sort by this column; right-click to choose the columns")
}

/// The header's menu: a checkbox per column (the name always shows), and
/// the provider's default back.
fn columns_menu(ui: &mut egui::Ui, all_columns: &[KeyColumn], hidden: &mut HiddenColumns) {
    ui.weak("Columns");
    for &column in all_columns {
        let mut shown = !hidden.contains(column);
        let title = match column {
            // The Actions column has the row's "Copy" button.
            KeyColumn::Actions => "Actions (Copy)",
            _ => column.title(),
        };
        let checkbox = egui::Checkbox::new(&mut shown, title);
        if ui
            .add_enabled(column != KeyColumn::Name, checkbox)
            .changed()
        {
            hidden.toggle(column);
        }
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
            let context = CommandContext::for_key(key, spec.capabilities);
            for command in UICommand::key_commands(key, spec.capabilities) {
                command.button(ui, &context, actions);
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
    let fingerprint = |text: Option<&'k str>| match text {
        Some(text) => Some((Cow::Borrowed(text), CellFont::Fingerprint, Tone::Normal)),
        None => mono(None),
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
        KeyColumn::Sha256 | KeyColumn::Md5 if key.fingerprint_warning.is_some() => {
            doubted_fingerprint(key, column)
        }
        KeyColumn::Sha256 => fingerprint(key.fingerprint_sha256.as_deref()),
        KeyColumn::Md5 => fingerprint(key.fingerprint_md5.as_deref()),
        KeyColumn::Shared => plain(yes_no(key.shared_in_project)),
        KeyColumn::Default => (key.is_default == Some(true)).then_some((
            Cow::Borrowed("★ default"),
            CellFont::Body,
            Tone::Normal,
        )),
        KeyColumn::State => or_dash(key.state.as_deref()),
        KeyColumn::Created => or_dash(key.created_at.as_deref()),
        KeyColumn::Updated => or_dash(key.updated_at.as_deref()),
        KeyColumn::Expires | KeyColumn::Labels => expiry_or_labels(key, column),
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

/// A fingerprint cell of a key whose provider reported another
/// fingerprint: marked ⚠ (the tooltip says why).
fn doubted_fingerprint(
    key: &RemoteKey,
    column: KeyColumn,
) -> Option<(Cow<'_, str>, CellFont, Tone)> {
    let text = match column {
        KeyColumn::Sha256 => key.fingerprint_sha256.as_deref(),
        _ => key.fingerprint_md5.as_deref(),
    };
    Some((
        Cow::Owned(format!("⚠ {}", text.unwrap_or("—"))),
        CellFont::Fingerprint,
        Tone::Warn,
    ))
}

/// The Expires cell ("never" where the key has no expiry) and the Labels
/// cell (`key=value`, comma-joined; a dash without labels).
fn expiry_or_labels(key: &RemoteKey, column: KeyColumn) -> Option<(Cow<'_, str>, CellFont, Tone)> {
    if column == KeyColumn::Expires {
        return Some(match key.expires_at.as_deref() {
            Some(text) => (Cow::Borrowed(text), CellFont::Body, Tone::Normal),
            None => (Cow::Borrowed(NEVER), CellFont::Body, Tone::Weak),
        });
    }
    Some(match key.labels.as_ref() {
        Some(labels) if !labels.is_empty() => (
            Cow::Owned(crate::state::key_table::labels_text(key)),
            CellFont::Body,
            Tone::Normal,
        ),
        _ => (Cow::Borrowed("—"), CellFont::Body, Tone::Weak),
    })
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
            ui.label(shown_text(column, text).as_ref());
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
        KeyColumn::Sha256 | KeyColumn::Md5 if key.fingerprint_warning.is_some() => {
            response.on_hover_ui(|ui| {
                whole_text(ui);
                if let Some(warning) = &key.fingerprint_warning {
                    ui.label(warning);
                }
            });
        }
        KeyColumn::UsedBy => match &key.used_by {
            None => {
                response
                    .on_hover_text("Not known yet: still being listed, or it could not be loaded.");
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
