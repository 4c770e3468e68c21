//! The "All keys" view: every key of every account and of this computer,
//! one row per distinct key, with loading progress, the accounts that
//! failed, hygiene filters, a chart, export, and publish/revoke.

use egui_extras::{Column, TableBuilder};

use super::UiAction;
use super::command::{CommandContext, GroupAgent, UICommand};
use super::keys_panel::ROW_HEIGHT;
use crate::backend::fleet::{ACCOUNTS_SHOWN, RowText};
use crate::inventory::{AccountError, ExportFormat, Flag, InventoryOptions, KeyGroup};
use crate::state::{FlagFilter, FleetSort, FleetTable};

/// The hygiene thresholds the user chose (0 turns a rule off). Remembered
/// between runs; a field missing from the stored value keeps its default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct HygieneRules {
    /// Also flag ECDSA P-256 as weak.
    pub strict: bool,
    /// Flag keys older than this many days (0: never).
    pub max_age_days: u32,
    /// Flag keys on more than this many accounts (0: never).
    pub max_accounts: usize,
    /// Flag keys with a copy expiring within this many days (0: only
    /// expired ones).
    pub expiring_days: u32,
}

impl Default for HygieneRules {
    fn default() -> Self {
        Self {
            strict: false,
            max_age_days: 365,
            max_accounts: 3,
            expiring_days: 14,
        }
    }
}

impl HygieneRules {
    /// The inventory options these rules give.
    pub fn options(self, local_scanned: bool) -> InventoryOptions {
        InventoryOptions {
            strict: self.strict,
            max_age_days: (self.max_age_days > 0).then_some(self.max_age_days),
            max_accounts: (self.max_accounts > 0).then_some(self.max_accounts),
            local_scanned,
            expiring_days: (self.expiring_days > 0).then_some(self.expiring_days),
            ..InventoryOptions::default()
        }
    }
}

/// How far loading has come.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FleetProgress {
    /// Accounts whose keys arrived (or failed).
    pub done: usize,
    /// All accounts.
    pub total: usize,
    /// The inventory is being (re)built.
    pub building: bool,
}

/// What the view shows and changes.
pub struct FleetView<'a> {
    /// Order, filter and selection.
    pub table: &'a mut FleetTable,
    /// Loading progress.
    pub progress: FleetProgress,
    /// Accounts that could not be listed, with their profile ids.
    pub errors: &'a [(String, AccountError)],
    /// Hygiene thresholds (changing them rebuilds).
    pub rules: &'a mut HygieneRules,
    /// The chart is shown.
    pub chart_open: &'a mut bool,
    /// An export is running.
    pub exporting: bool,
    /// Scroll the table to this shown row (after a keyboard move).
    pub scroll_to: Option<usize>,
}

/// Draws the view.
pub fn show(ui: &mut egui::Ui, view: FleetView<'_>, actions: &mut Vec<UiAction>) {
    let FleetView {
        table,
        progress,
        errors,
        rules,
        chart_open,
        exporting,
        scroll_to,
    } = view;
    summary(ui, table, &progress, errors, actions);
    if let Some(snapshot) = table.snapshot() {
        for problem in &snapshot.local_problems {
            super::warning_line(
                ui,
                &format!("{}: {}", problem.path.display(), problem.message),
            );
        }
    }
    toolbar(ui, table, rules, chart_open, exporting, actions);
    filters(ui, table);
    ui.separator();
    if *chart_open && let Some(snapshot) = table.snapshot() {
        super::fleet_chart::show(ui, &snapshot.inventory);
        ui.separator();
    }
    if table.snapshot().is_none() {
        ui.centered_and_justified(|ui| {
            ui.add(egui::Spinner::new().size(32.0));
        });
        return;
    }
    if table.is_empty() {
        ui.label("No keys yet: none of the accounts or local folders holds an SSH key.");
        return;
    }
    // Measured outside the scroll area, whose inner width follows what the
    // table took the frame before.
    let available = ui.available_width() - COLUMNS.len() as f32 * ui.spacing().item_spacing.x;
    egui::ScrollArea::horizontal().show(ui, |ui| {
        draw_table(ui, table, available, scroll_to, actions);
    });
}

/// "All keys" with its counts, the loading progress, and the accounts that
/// could not be listed.
fn summary(
    ui: &mut egui::Ui,
    table: &FleetTable,
    progress: &FleetProgress,
    errors: &[(String, AccountError)],
    actions: &mut Vec<UiAction>,
) {
    ui.horizontal(|ui| {
        ui.heading("All keys");
        if let Some(snapshot) = table.snapshot() {
            ui.label(
                egui::RichText::new(format!(
                    "{} · {} · {} on this computer",
                    count(
                        snapshot.inventory.keys.len(),
                        "distinct key",
                        "distinct keys"
                    ),
                    count(progress.total, "account", "accounts"),
                    count(snapshot.local_keys.len(), "file", "files")
                ))
                .weak(),
            );
        }
        if progress.building {
            ui.add(egui::Spinner::new()).on_hover_text("Grouping keys…");
        }
    });
    if progress.done < progress.total {
        ui.add(
            egui::ProgressBar::new(progress.done as f32 / progress.total.max(1) as f32)
                .text(format!("{} of {} accounts", progress.done, progress.total))
                .desired_width(320.0),
        );
    }
    for (profile_id, error) in errors {
        // Wrapped: a long error would widen the whole view past the window.
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(ui.visuals().error_fg_color, "⚠");
            if ui
                .link(&error.account)
                .on_hover_text("Show this account")
                .clicked()
            {
                actions.push(UiAction::SelectAccount(profile_id.clone()));
            }
            super::error_line(ui, &format!("could not be listed: {}", error.message));
            if ui.small_button("Details").clicked() {
                actions.push(UiAction::ShowErrorDetails(error.message.clone()));
            }
        });
    }
}

fn toolbar(
    ui: &mut egui::Ui,
    table: &mut FleetTable,
    rules: &mut HygieneRules,
    chart_open: &mut bool,
    exporting: bool,
    actions: &mut Vec<UiAction>,
) {
    // Wrapped: at 1024 points the buttons outgrow the view, and what
    // overflows widens the chart and the table below past the window.
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("⟳ Refresh all")
            .on_hover_text("Reload every account and scan this computer again (Ctrl+Shift+R)")
            .clicked()
        {
            actions.push(UiAction::RefreshAll);
        }
        // Cloned only on a click: this runs every frame.
        let selected = table.selected_key();
        let can_publish = selected.is_some_and(|key| key.sha256.is_some());
        if ui
            .add_enabled(can_publish, egui::Button::new("📤 Publish…"))
            .on_hover_text("Add the selected key to other accounts")
            .on_disabled_hover_text(
                "Select a key with a known fingerprint to add it to other accounts",
            )
            .clicked()
            && let Some(key) = selected
        {
            actions.push(UiAction::OpenPublish(Box::new(key.clone())));
        }
        let can_revoke = selected.is_some_and(|key| !key.accounts.is_empty());
        let can_rotate = can_revoke;
        if ui
            .add_enabled(can_revoke, egui::Button::new("🗑 Remove everywhere…"))
            .on_hover_text("Delete the selected key from every account holding it")
            .on_disabled_hover_text("Select a key that is on an account")
            .clicked()
            && let Some(key) = selected
        {
            actions.push(UiAction::OpenRevoke(Box::new(key.clone())));
        }
        if ui
            .add_enabled(can_rotate, egui::Button::new("Rotate…"))
            .on_hover_text(
                "Replace the selected key with a new one on every account holding it, removing the old one only after you confirm",
            )
            .on_disabled_hover_text("Select a key that is on an account")
            .clicked()
            && let Some(key) = selected
        {
            actions.push(UiAction::OpenRotate(Box::new(key.clone())));
        }
        this_computer_buttons(ui, table, actions);
        ui.separator();
        ui.toggle_value(chart_open, "📊 Chart")
            .on_hover_text("Keys by type and by age");
        ui.add_enabled_ui(!exporting && table.snapshot().is_some(), |ui| {
            ui.menu_button("💾 Export", |ui| {
                if ui.button("CSV…").clicked() {
                    actions.push(UiAction::ExportInventory(ExportFormat::Csv));
                }
                if ui.button("JSON…").clicked() {
                    actions.push(UiAction::ExportInventory(ExportFormat::Json));
                }
            })
            .response
            .on_hover_text("Save the inventory as a file: fingerprints, names, accounts, ids and dates, no secrets");
        });
        hygiene_menu(ui, rules);
    });
}

/// The toolbar's "Hygiene rules" menu.
fn hygiene_menu(ui: &mut egui::Ui, rules: &mut HygieneRules) {
    ui.menu_button("⚙ Hygiene rules", |ui| {
        hygiene_rules_editor(ui, rules);
        ui.label(
            egui::RichText::new("Also in Settings, with the folders scanned")
                .small()
                .weak(),
        );
    })
    .response
    .on_hover_text("When a key counts as weak, old, widespread or expiring");
}

/// The hygiene thresholds' controls, here and in the settings dialog (both
/// edit the same rules). Returns whether they changed.
pub fn hygiene_rules_editor(ui: &mut egui::Ui, rules: &mut HygieneRules) -> bool {
    let mut changed = ui
        .checkbox(&mut rules.strict, "Flag ECDSA P-256 as weak (stricter)")
        .changed();
    ui.horizontal(|ui| {
        let label = ui.label("Old after (days, 0 = never):");
        changed |= ui
            .add(egui::DragValue::new(&mut rules.max_age_days).range(0..=36_500))
            .labelled_by(label.id)
            .changed();
    });
    ui.horizontal(|ui| {
        let label = ui.label("Widespread on more than (accounts, 0 = never):");
        changed |= ui
            .add(egui::DragValue::new(&mut rules.max_accounts).range(0..=1_000))
            .labelled_by(label.id)
            .changed();
    });
    ui.horizontal(|ui| {
        let label = ui.label("Expires soon within (days, 0 = only expired):");
        changed |= ui
            .add(egui::DragValue::new(&mut rules.expiring_days).range(0..=3_650))
            .labelled_by(label.id)
            .changed();
    });
    changed
}

/// The filter box's id (Ctrl+F focuses it).
pub fn filter_id() -> egui::Id {
    egui::Id::unique("fleet_filter")
}

fn filters(ui: &mut egui::Ui, table: &mut FleetTable) {
    // Wrapped: the flag toggles outgrow a narrow window, and a toggle off
    // the edge could be neither seen nor clicked.
    ui.horizontal_wrapped(|ui| {
        if let Some(filter) = super::filter_box(
            ui,
            filter_id(),
            "name, fingerprint, account, comment or path",
            260.0,
            table.filter(),
        ) {
            table.set_filter(&filter);
        }
        ui.separator();
        ui.label("Only:");
        let mut flags: FlagFilter = table.flag_filter();
        ui.toggle_value(&mut flags.weak, "Weak")
            .on_hover_text("RSA below 3072 bits, DSA (and ECDSA P-256 with the stricter rule)");
        ui.toggle_value(&mut flags.old, "Old")
            .on_hover_text("Older than the age in the hygiene rules");
        ui.toggle_value(&mut flags.widespread, "Widespread")
            .on_hover_text("On more accounts than the hygiene rules allow");
        ui.toggle_value(&mut flags.not_local, "Not on this computer")
            .on_hover_text("On an account, but no file for it here: who holds the private half?");
        ui.toggle_value(&mut flags.missing_key, "Config names a missing key")
            .on_hover_text("~/.ssh/config has an IdentityFile that points to no file");
        ui.toggle_value(&mut flags.expiring, "Expiring")
            .on_hover_text("Expired, or expiring within the days in the hygiene rules");
        ui.toggle_value(&mut flags.agent_no_account, "In agent, on no account")
            .on_hover_text(
                "Loaded in the ssh-agent but on none of the accounts: loaded for nothing, or for a server Keyfleet does not know",
            );
        ui.toggle_value(&mut flags.unknown_fingerprint, "Fingerprint unknown")
            .on_hover_text(
                "Stored on an account without its public key (providers that keep only the private key) and not found on this computer",
            );
        ui.toggle_value(&mut flags.fingerprint_mismatch, "Fingerprint disagrees")
            .on_hover_text(
                "An account reports a fingerprint that is not the one of the public key it sent: it may store something other than what it shows",
            );
        table.set_flag_filter(flags);
        ui.label(format!("{} of {} keys", table.visible_len(), table.len()));
    });
}

/// The "In agent" column's title (its tooltip says why there is no agent).
const AGENT_COLUMN: &str = "In agent";

const COLUMNS: [(&str, Option<FleetSort>); 10] = [
    ("Name", Some(FleetSort::Name)),
    ("Type", Some(FleetSort::Algorithm)),
    ("Comment", Some(FleetSort::Comment)),
    ("Accounts", Some(FleetSort::Accounts)),
    ("On this computer", Some(FleetSort::Local)),
    ("Used by hosts", None),
    (AGENT_COLUMN, None),
    ("Oldest", Some(FleetSort::Oldest)),
    ("Flags", Some(FleetSort::Flags)),
    ("Expires", Some(FleetSort::Expires)),
];

/// Each column's width when there is room for all (ideal) and the least it
/// starts at in a narrow window, in `COLUMNS`' order.
const WIDTHS: [(f32, f32); 10] = [
    (200.0, 80.0),
    (110.0, 70.0),
    (140.0, 44.0),
    (260.0, 100.0),
    (200.0, 64.0),
    (140.0, 52.0),
    (80.0, 48.0),
    (110.0, 72.0),
    (160.0, 72.0),
    (110.0, 72.0),
];

/// The columns' starting widths for a table `available` points wide (their
/// gaps taken off): every column gets its least width, and the rest of the
/// room is shared in proportion to what each lacks of its ideal width, so
/// all ten fit a 1024-point window (long cells are cut with "…" and shown
/// whole on hover) and a wide window shows them at their ideal widths.
fn starting_widths(available: f32) -> [f32; 10] {
    let least: f32 = WIDTHS.iter().map(|(_, least)| least).sum();
    let ideal: f32 = WIDTHS.iter().map(|(ideal, _)| ideal).sum();
    let share = ((available - least) / (ideal - least)).clamp(0.0, 1.0);
    WIDTHS.map(|(ideal, least)| least + (ideal - least) * share)
}

/// Adds All keys' columns, sized by [`starting_widths`], to `builder`.
fn fitting_columns(mut builder: TableBuilder<'_>, available: f32) -> TableBuilder<'_> {
    for (width, (_, least)) in starting_widths(available).into_iter().zip(WIDTHS) {
        builder = builder.column(Column::initial(width).at_least(least).clip(true));
    }
    builder
}

fn draw_table(
    ui: &mut egui::Ui,
    table: &mut FleetTable,
    available: f32,
    scroll_to: Option<usize>,
    actions: &mut Vec<UiAction>,
) {
    let sort = table.sort();
    let no_agent = no_agent_reason(table);
    let mut clicked_sort = None;
    let mut clicked_row = None;
    // Only the row under the pointer (as of the last frame) and the
    // selected one draw their accounts as links: a clickable widget per
    // account on every row cost a tenth of the frame.
    let hovered_id = egui::Id::unique("fleet_table_hovered_row");
    let hovered = super::last_frame_row(ui, hovered_id);
    let mut hovered_now = None;
    // Plain labels, so a click anywhere on a row selects it (selectable
    // text would take the click).
    ui.style_mut().interaction.selectable_labels = false;
    let mut builder = fitting_columns(TableBuilder::new(ui), available);
    if let Some(row) = scroll_to {
        builder = builder.scroll_to_row(row, None);
    }
    builder
        .id_salt("fleet_table")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .header(24.0, |mut header| {
            for (title, column) in COLUMNS {
                header.col(|ui| {
                    if let Some(column) = header_cell(ui, title, column, sort, no_agent.as_deref())
                    {
                        clicked_sort = Some(column);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, table.visible_len(), |mut row| {
                let index = row.index();
                let Some((key, text, selected)) = table.visible_row(index) else {
                    return;
                };
                row.set_selected(selected);
                let links = selected || hovered == Some(index);
                row_cells(&mut row, key, text, links, actions);
                let response = row.response();
                if response.clicked() || response.secondary_clicked() {
                    clicked_row = Some(index);
                }
                if response.hovered() || response.contains_pointer() {
                    hovered_now = Some(index);
                }
                response.context_menu(|ui| row_menu(ui, key, text, no_agent.is_none(), actions));
            });
        });
    super::remember_row(ui, hovered_id, hovered_now);
    if let Some(column) = clicked_sort {
        table.toggle_sort(column);
    }
    if let Some(index) = clicked_row {
        table.select_visible(index);
    }
}

/// One header cell; returns its column when clicked to sort by it.
fn header_cell(
    ui: &mut egui::Ui,
    title: &str,
    column: Option<FleetSort>,
    sort: Option<(FleetSort, bool)>,
    no_agent: Option<&str>,
) -> Option<FleetSort> {
    let Some(column) = column else {
        let response = ui.strong(title);
        if title == AGENT_COLUMN {
            agent_header_tooltip(response, no_agent);
        }
        return None;
    };
    let sorted = sort.filter(|(current, _)| *current == column);
    super::sort_header(ui, title, sorted.map(|(_, ascending)| ascending)).then_some(column)
}

/// One row's cells, left to right; the accounts are links when `links`.
fn row_cells(
    row: &mut egui_extras::TableRow<'_, '_>,
    key: &KeyGroup,
    text: &RowText,
    links: bool,
    actions: &mut Vec<UiAction>,
) {
    row.col(|ui| {
        ui.label(&text.name);
    });
    row.col(|ui| {
        if key.algorithm.is_none() {
            ui.weak(&text.algorithm);
        } else if key.flags.contains(&Flag::Weak) {
            ui.colored_label(ui.visuals().warn_fg_color, &text.algorithm);
        } else {
            ui.label(&text.algorithm);
        }
    });
    row.col(|ui| {
        ui.label(key.comment.as_deref().unwrap_or(""));
    });
    row.col(|ui| account_chips(ui, key, text, links, actions));
    row.col(|ui| match key.local_paths.first() {
        Some(path) => {
            let response = ui.label(path);
            if key.local_paths.len() > 1 {
                response.on_hover_ui(|ui| {
                    ui.label(key.local_paths.join("\n"));
                });
            }
        }
        None => match &key.missing_path {
            Some(path) => {
                ui.colored_label(ui.visuals().warn_fg_color, format!("{path} (missing)"));
            }
            None => {
                ui.weak("—");
            }
        },
    });
    row.col(|ui| used_by_hosts_cell(ui, key));
    row.col(|ui| {
        if text.in_agent {
            ui.label(&text.agent);
        } else {
            ui.weak(&text.agent);
        }
    });
    row.col(|ui| {
        ui.label(
            key.oldest_created_at
                .as_deref()
                .map(|date| date.get(..10).unwrap_or(date))
                .unwrap_or("—"),
        );
    });
    row.col(|ui| {
        if !text.flags.is_empty() {
            let response = ui.colored_label(ui.visuals().warn_fg_color, &text.flags);
            if key.flags.contains(&Flag::FingerprintMismatch) {
                response.on_hover_ui(|ui| fingerprint_warnings(ui, key));
            }
        }
    });
    row.col(|ui| {
        let soon = key.flags.contains(&Flag::Expired) || key.flags.contains(&Flag::ExpiresSoon);
        if soon {
            ui.colored_label(ui.visuals().warn_fg_color, &text.expires);
        } else {
            ui.label(&text.expires);
        }
    });
}

/// Why the fingerprint of a key's copies is in doubt, per account.
fn fingerprint_warnings(ui: &mut egui::Ui, key: &KeyGroup) {
    for holding in &key.accounts {
        if let Some(warning) = &holding.fingerprint_warning {
            ui.label(format!(
                "⚠ {} (\"{}\"): {warning}",
                holding.account, holding.name
            ));
        }
    }
    ui.label("The key is grouped by the SHA256 of the public key the account sent.");
}

/// The accounts holding a key, as links to them.
fn account_chips(
    ui: &mut egui::Ui,
    key: &KeyGroup,
    text: &RowText,
    links: bool,
    actions: &mut Vec<UiAction>,
) {
    if key.accounts.is_empty() {
        ui.weak("on no account");
        return;
    }
    name_only_marker(ui, key);
    if !links {
        ui.label(&text.accounts);
        if let Some(more) = &text.more_accounts {
            ui.weak(more);
        }
        return;
    }
    for holding in key.accounts.iter().take(ACCOUNTS_SHOWN) {
        // Hover text built only when hovered: this runs for every row.
        if ui
            .link(&holding.account)
            .on_hover_ui(|ui| {
                ui.label(format!(
                    "\"{}\" ({}): show this account",
                    holding.name, holding.key_id
                ));
            })
            .clicked()
        {
            actions.push(UiAction::SelectAccount(holding.profile_id.clone()));
        }
    }
    if let Some(more) = &text.more_accounts {
        ui.weak(more).on_hover_ui(|ui| {
            for holding in &key.accounts[ACCOUNTS_SHOWN..] {
                ui.label(&holding.account);
            }
        });
    }
}

/// "⚠ name only" before the accounts of a key that some account holds
/// without public material, joined to this key by file name alone; the
/// tooltip names those copies and why that matters.
fn name_only_marker(ui: &mut egui::Ui, key: &KeyGroup) {
    if !key
        .accounts
        .iter()
        .any(|holding| holding.matched_by_name_only)
    {
        return;
    }
    ui.colored_label(ui.visuals().warn_fg_color, "⚠ matched by name only")
        .on_hover_ui(|ui| {
            for holding in key.accounts.iter().filter(|h| h.matched_by_name_only) {
                ui.label(format!(
                    "{}: \"{}\" shows no public key; it is linked to this key only because a private key file on this computer has the same name, so it may be another key.",
                    holding.account, holding.name
                ));
            }
            ui.label("Rotate and Remove everywhere leave such copies out unless you tick them.");
        });
}

/// A row's context menu: the key group's commands from the command list.
fn row_menu(
    ui: &mut egui::Ui,
    key: &KeyGroup,
    text: &RowText,
    agent_available: bool,
    actions: &mut Vec<UiAction>,
) {
    let agent = GroupAgent {
        private_key: text.private_key.as_deref(),
        in_agent: text.in_agent,
        agent_available,
    };
    let context = CommandContext::for_group_with_agent(key, agent);
    for command in UICommand::group_commands_with_agent(key, agent) {
        command.button(ui, &context, actions);
    }
}

/// Why the inventory shows no agent ("SSH_AUTH_SOCK is not set"); `None`
/// when the agent was listed (or not asked yet).
fn no_agent_reason(table: &FleetTable) -> Option<String> {
    match table.snapshot()?.agent.as_deref()? {
        Ok(_) => None,
        Err(err) => Some(err.to_string()),
    }
}

/// The "In agent" header's tooltip: what the column means, or why there is
/// no agent.
fn agent_header_tooltip(response: egui::Response, no_agent: Option<&str>) {
    match no_agent {
        Some(reason) => response.on_hover_text(format!("No ssh-agent: {reason}")),
        None => response.on_hover_text("Whether the ssh-agent (SSH_AUTH_SOCK) holds the key"),
    };
}

/// "Remove all my keys from the agent…" (asks first), from the command
/// list; only while the agent holds keys.
/// The toolbar's buttons about this computer: "Convert to OpenSSH…" for
/// a selected PuTTY key, and emptying the ssh-agent.
fn this_computer_buttons(ui: &mut egui::Ui, table: &FleetTable, actions: &mut Vec<UiAction>) {
    // Only for a PuTTY key: drawn from the command list.
    if let Some(key) = table.selected_key() {
        let context = CommandContext::for_group(key);
        if UICommand::ConvertPpk.available(&context) {
            UICommand::ConvertPpk.button(ui, &context, actions);
        }
    }
    agent_button(ui, table, actions);
}

fn agent_button(ui: &mut egui::Ui, table: &FleetTable, actions: &mut Vec<UiAction>) {
    let agent_keys = match table.snapshot().and_then(|s| s.agent.as_deref()) {
        Some(Ok(keys)) => Some(keys.len()),
        _ => None,
    };
    let context = CommandContext {
        agent_keys,
        ..CommandContext::default()
    };
    let command = UICommand::RemoveAllFromAgent;
    // Short on the toolbar, which must fit a 1024-point window; the
    // palette and the tooltip carry the command's whole wording.
    ui.add_enabled_ui(command.available(&context), |ui| {
        command.button_with_text(ui, "🔑 Empty agent…", &context, actions);
    });
}

/// "1 file", "2 files".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The `Host` patterns of `~/.ssh/config` naming the key; all of them in
/// the tooltip when the column is narrow.
fn used_by_hosts_cell(ui: &mut egui::Ui, key: &KeyGroup) {
    if key.used_by_hosts.is_empty() {
        ui.weak("—");
        return;
    }
    let text = key.used_by_hosts.join(", ");
    ui.label(&text)
        .on_hover_text(format!("Used by hosts (~/.ssh/config): {text}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starting_widths_fill_the_room_between_least_and_ideal() {
        let least: f32 = WIDTHS.iter().map(|(_, least)| least).sum();
        let ideal: f32 = WIDTHS.iter().map(|(ideal, _)| ideal).sum();
        // A 1024-point window leaves about 690 points for the cells.
        assert!(least <= 690.0, "the least widths fit 1024 points: {least}");
        for available in [least, 690.0, (least + ideal) / 2.0] {
            let total: f32 = starting_widths(available).iter().sum();
            assert!((total - available).abs() < 0.01, "{available}: {total}");
        }
        assert_eq!(starting_widths(0.0), WIDTHS.map(|(_, least)| least));
        assert_eq!(starting_widths(5_000.0), WIDTHS.map(|(ideal, _)| ideal));
    }
}
