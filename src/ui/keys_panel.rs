//! The middle: the selected account's keys in a sortable, filterable,
//! virtualized table, with the actions the provider supports.

use egui_extras::{Column, TableBuilder};

use super::UiAction;
pub use crate::providers::spec::KeyColumn;
use crate::providers::{ApiError, Capabilities, KeyScope, ProviderSpec, RemoteKey};
use crate::state::key_table::{KeyTable, SortColumn, kind_label};
use crate::store::Profile;

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
            Self::Actions => return None,
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
            // Sized to its buttons, right after the name, so actions are
            // never pushed off-screen by wide fingerprint columns.
            Self::Actions => Column::auto().at_least(120.0),
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
}

/// Draws the toolbar, filter and table.
pub fn show(ui: &mut egui::Ui, view: KeysView<'_>, actions: &mut Vec<UiAction>) {
    let KeysView {
        profile,
        table,
        loading,
        loaded,
        error,
        busy_keys,
    } = view;
    let spec = profile.provider().spec();
    ui.horizontal(|ui| {
        ui.heading(&profile.name);
        ui.label(egui::RichText::new(format!("{} · {}", spec.label, profile.scope_label())).weak());
        if loading {
            ui.add(egui::Spinner::new());
        }
    });
    toolbar(ui, profile, table, actions);
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
    if !loaded && loading {
        ui.centered_and_justified(|ui| {
            ui.add(egui::Spinner::new().size(32.0));
        });
        return;
    }
    if table.is_empty() {
        if loaded {
            ui.label("This account has no SSH keys yet. Use \"Add key\" or \"Generate\" above.");
        } else if error.is_none() {
            ui.label("Press Refresh to load this account's keys.");
        }
        return;
    }
    let columns = columns_for(profile);
    // Wide fingerprint columns may not fit: scroll sideways rather than squash.
    egui::ScrollArea::horizontal().show(ui, |ui| {
        draw_table(ui, table, columns, spec, busy_keys, actions);
    });
}

/// Refresh, add, generate and the filter box.
fn toolbar(
    ui: &mut egui::Ui,
    profile: &Profile,
    table: &mut KeyTable,
    actions: &mut Vec<UiAction>,
) {
    let spec = profile.provider().spec();
    ui.horizontal(|ui| {
        if ui
            .button("⟳ Refresh")
            .on_hover_text("Reload this account (Ctrl+R)")
            .clicked()
        {
            actions.push(UiAction::Refresh(profile.id.clone()));
        }
        if ui.button(spec.add_key_label).clicked() {
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
        let filter_label = ui.label("Filter:");
        let mut filter = table.filter().to_string();
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut filter)
                    .hint_text("name, fingerprint or comment")
                    .desired_width(240.0),
            )
            .labelled_by(filter_label.id);
        if response.changed() {
            table.set_filter(&filter);
        }
        if !table.filter().is_empty()
            && ui.small_button("×").on_hover_text("Clear filter").clicked()
        {
            table.set_filter("");
        }
        ui.label(format!("{} of {} keys", table.visible_len(), table.len()));
    });
}

fn draw_table(
    ui: &mut egui::Ui,
    table: &mut KeyTable,
    columns: &[KeyColumn],
    spec: &'static ProviderSpec,
    busy_keys: &[String],
    actions: &mut Vec<UiAction>,
) {
    let mut builder = TableBuilder::new(ui)
        .id_salt("keys_table")
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    for column in columns {
        builder = builder.column(column.width().clip(true));
    }
    let sort = table.sort();
    let mut clicked_sort = None;
    builder
        .header(24.0, |mut header| {
            for column in columns {
                header.col(|ui| {
                    let title = column.title();
                    match column.sort() {
                        Some(sort_column) => {
                            let arrow = match sort {
                                Some((current, true)) if current == sort_column => " ⏶",
                                Some((current, false)) if current == sort_column => " ⏷",
                                _ => "",
                            };
                            if ui
                                .add(
                                    egui::Button::new(
                                        egui::RichText::new(format!("{title}{arrow}")).strong(),
                                    )
                                    .frame(false),
                                )
                                .on_hover_text("Sort by this column")
                                .clicked()
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
                let Some(key) = table.visible_row(row.index()) else {
                    return;
                };
                for column in columns {
                    row.col(|ui| cell(ui, key, *column, spec, busy_keys, actions));
                }
            });
        });
    if let Some(column) = clicked_sort {
        table.toggle_sort(column);
    }
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
    spec: &'static ProviderSpec,
    busy_keys: &[String],
    actions: &mut Vec<UiAction>,
) {
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
        KeyColumn::Actions => row_actions(ui, key, spec.capabilities, busy_keys, actions),
    }
}

fn row_actions(
    ui: &mut egui::Ui,
    key: &RemoteKey,
    capabilities: Capabilities,
    busy_keys: &[String],
    actions: &mut Vec<UiAction>,
) {
    if busy_keys.iter().any(|id| id == &key.id) {
        ui.add(egui::Spinner::new());
    }
    if let Some(public_key) = &key.public_key
        && ui
            .small_button("Copy key")
            .on_hover_text("Copy the public key")
            .clicked()
    {
        actions.push(UiAction::Copy {
            text: public_key.clone(),
            what: "public key",
        });
    }
    if let Some(fingerprint) = &key.fingerprint_sha256
        && ui
            .small_button("Copy SHA256")
            .on_hover_text("Copy the SHA256 fingerprint")
            .clicked()
    {
        actions.push(UiAction::Copy {
            text: fingerprint.clone(),
            what: "fingerprint",
        });
    }
    if capabilities.share
        && let Some(shared) = key.shared_in_project
    {
        let label = if shared { "Unshare" } else { "Share" };
        if ui
            .small_button(label)
            .on_hover_text("Share or unshare this key with all users of the project")
            .clicked()
        {
            actions.push(UiAction::SetShared(key.clone(), !shared));
        }
    }
    if capabilities.make_default
        && key.is_default != Some(true)
        && ui.small_button("Make default").clicked()
    {
        actions.push(UiAction::MakeDefault(key.clone()));
    }
    if capabilities.rename && ui.small_button("Rename").clicked() {
        actions.push(UiAction::AskRename(key.clone()));
    }
    if capabilities.replace_value
        && ui
            .small_button("Replace key")
            .on_hover_text("Upload a new private key under this name")
            .clicked()
    {
        actions.push(UiAction::AskReplace(key.clone()));
    }
    if let KeyScope::Region { .. } = key.scope
        && key.public_key.is_some()
        && ui
            .small_button("Copy to project")
            .on_hover_text("Copy this legacy keypair to the project's SSH keys")
            .clicked()
    {
        actions.push(UiAction::CopyToProject(key.clone()));
    }
    if ui.small_button("Delete").clicked() {
        actions.push(UiAction::AskDelete(key.clone()));
    }
}
