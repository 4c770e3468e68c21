//! The fleet inventory's figures, each as a ratio against a baseline
//! measured in the same run:
//! - the "All keys" table's frame (100,000 keys from 20 accounts, grouped)
//!   against a bare egui_extras table drawing the same rows and columns;
//! - applying a built inventory on the UI thread (must fit in a frame);
//! - `keyfleet inventory --json` over 20 accounts whose server answers
//!   after 200 ms, against `keyfleet --version` plus one account's request.
//!
//! Run: `cargo bench --bench fleet` (prints Markdown rows; see
//! docs/PERFORMANCE.md). `KEYFLEET_BENCH_ONLY=frames,apply,cli` picks
//! sections.

use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keyfleet::backend::fleet::{AccountKeys, FleetSnapshot, build_snapshot};
use keyfleet::inventory::{Flag, InventoryOptions, KeyGroup};
use keyfleet::providers::spec::FieldKey;
use keyfleet::providers::{ProviderKind, RemoteKey};
use keyfleet::sandbox::{GCORE_TOKEN, Sandbox};
use keyfleet::state::FleetTable;
use keyfleet::store::{Profile, ProfileStore, TokenSource};
use keyfleet::ui::fleet_panel::{self, FleetProgress, HygieneRules};
use keyfleet::ui::keys_panel::ROW_HEIGHT;

mod support;
use support::*;

const ACCOUNTS: usize = 20;
const KEYS_PER_ACCOUNT: usize = 5_000;
/// Keys every account holds (the rest are each account's own).
const SHARED: usize = 1_000;

fn accounts() -> Vec<AccountKeys> {
    (0..ACCOUNTS)
        .map(|a| {
            let mut profile = Profile::new(ProviderKind::Gcore);
            profile.name = format!("account-{a:02}");
            let keys: Vec<RemoteKey> = (0..KEYS_PER_ACCOUNT)
                .map(|k| {
                    let n = if k < SHARED {
                        k
                    } else {
                        SHARED + a * KEYS_PER_ACCOUNT + k
                    };
                    RemoteKey {
                        id: format!("id-{a}-{k}"),
                        name: format!("key-{n:06}").into(),
                        fingerprint_sha256: Some(format!("SHA256:{n:0>43}")),
                        algorithm_label: Some(
                            if n % 7 == 0 { "RSA 2048" } else { "ED25519" }.into(),
                        ),
                        weak: n % 7 == 0,
                        comment: Some(format!("user{n}@host").into()),
                        created_at: Some(
                            format!("2025-{:02}-{:02}T12:00:00Z", 1 + n % 12, 1 + n % 28).into(),
                        ),
                        ..RemoteKey::default()
                    }
                })
                .collect();
            (profile, Ok(Arc::new(keys)))
        })
        .collect()
}

fn snapshot() -> Arc<FleetSnapshot> {
    let options = InventoryOptions {
        max_age_days: Some(365),
        max_accounts: Some(3),
        local_scanned: true,
        ..InventoryOptions::default()
    };
    Arc::new(build_snapshot(&accounts(), Vec::new(), &options))
}

fn fleet_view(ui: &mut egui::Ui, table: &mut FleetTable, rules: &mut HygieneRules) {
    let mut chart_open = false;
    let mut actions = Vec::new();
    egui::CentralPanel::default().show(ui, |ui| {
        fleet_panel::show(
            ui,
            fleet_panel::FleetView {
                table,
                progress: FleetProgress {
                    done: ACCOUNTS,
                    total: ACCOUNTS,
                    building: false,
                },
                errors: &[],
                rules,
                chart_open: &mut chart_open,
                exporting: false,
                scroll_to: None,
            },
            &mut actions,
        );
    });
}

/// The text of each cell of a row, computed once up front (the most
/// favourable baseline).
struct BareRow {
    name: String,
    algorithm: String,
    comment: String,
    accounts: Vec<String>,
    more: Option<String>,
    local: String,
    oldest: String,
    flags: String,
}

fn bare_rows(keys: &[KeyGroup]) -> Vec<BareRow> {
    keys.iter()
        .map(|key| BareRow {
            name: key.display_name(),
            algorithm: key.algorithm.clone().unwrap_or_default(),
            comment: key.comment.clone().unwrap_or_default(),
            accounts: key
                .accounts
                .iter()
                .take(3)
                .map(|holding| holding.account.clone())
                .collect(),
            more: (key.accounts.len() > 3).then(|| format!("+{} more", key.accounts.len() - 3)),
            local: key.local_paths.first().cloned().unwrap_or("—".into()),
            oldest: key
                .oldest_created_at
                .as_deref()
                .map(|date| date[..10].to_string())
                .unwrap_or("—".into()),
            flags: key
                .flags
                .iter()
                .map(|flag| flag.description())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect()
}

/// A bare egui_extras table with the same columns, widths and cell texts
/// as "All keys", and none of its extras (toolbars, sort, selection, links,
/// hover texts). `top` stands in for the view's header and toolbars.
fn bare_table(ui: &mut egui::Ui, rows: &[BareRow], top: f32) {
    use egui_extras::Column;
    egui::CentralPanel::default().show(ui, |ui| {
        ui.add_space(top);
        let warn = ui.visuals().warn_fg_color;
        egui_extras::TableBuilder::new(ui)
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(200.0).clip(true))
            .column(Column::initial(110.0).clip(true))
            .column(Column::initial(140.0).clip(true))
            .column(Column::initial(260.0).clip(true))
            .column(Column::initial(200.0).clip(true))
            .column(Column::initial(110.0).clip(true))
            .column(Column::remainder().clip(true))
            .header(24.0, |mut header| {
                for title in [
                    "Name",
                    "Type",
                    "Comment",
                    "Accounts",
                    "On this computer",
                    "Oldest",
                    "Flags",
                ] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, rows.len(), |mut row| {
                    let cells = &rows[row.index()];
                    row.col(|ui| {
                        ui.label(&cells.name);
                    });
                    row.col(|ui| {
                        ui.label(&cells.algorithm);
                    });
                    row.col(|ui| {
                        ui.label(&cells.comment);
                    });
                    row.col(|ui| {
                        for account in &cells.accounts {
                            ui.label(account);
                        }
                        if let Some(more) = &cells.more {
                            ui.weak(more);
                        }
                    });
                    row.col(|ui| {
                        ui.label(&cells.local);
                    });
                    row.col(|ui| {
                        ui.label(&cells.oldest);
                    });
                    row.col(|ui| {
                        ui.colored_label(warn, &cells.flags);
                    });
                });
            });
    });
}

/// The y of the "Name" column header in a frame.
fn header_y(shapes: &[egui::epaint::ClippedShape]) -> f32 {
    drawn_texts(shapes)
        .into_iter()
        .find(|(text, _)| text.starts_with("Name"))
        .map(|(_, pos)| pos.y)
        .expect("a Name header")
}

/// Median frame CPU time of "All keys" and of the bare table while
/// scrolling, frames interleaved so both see the same machine load.
fn frame_times(snapshot: &Arc<FleetSnapshot>, frames: usize) -> (Duration, Duration, usize) {
    let mut table = FleetTable::default();
    table.set_snapshot(Arc::clone(snapshot));
    let mut rules = HygieneRules::default();
    let rows = bare_rows(&snapshot.inventory.keys);
    assert_eq!(rows.len(), table.visible_len(), "both show the same rows");

    let ours = egui::Context::default();
    let bare = egui::Context::default();
    let (_, shapes) = timed_frame(&ours, base_input(), true, |ui| {
        fleet_view(ui, &mut table, &mut rules)
    });
    let our_top = header_y(&shapes);
    let (_, shapes) = timed_frame(&bare, base_input(), true, |ui| bare_table(ui, &rows, 0.0));
    let top = our_top - header_y(&shapes);

    let (mut our_times, mut bare_times) = (Vec::new(), Vec::new());
    let mut last = (Vec::new(), Vec::new());
    for frame in 0..frames + 5 {
        let keep = frame == frames + 4;
        let (time, shapes) = timed_frame(&ours, scroll_input(), keep, |ui| {
            fleet_view(ui, &mut table, &mut rules)
        });
        if frame >= 5 {
            our_times.push(time.total());
        }
        if keep {
            last.0 = shapes;
        }
        let (time, shapes) =
            timed_frame(&bare, scroll_input(), keep, |ui| bare_table(ui, &rows, top));
        if frame >= 5 {
            bare_times.push(time.total());
        }
        if keep {
            last.1 = shapes;
        }
    }
    let (our_names, bare_names) = (drawn_key_names(&last.0), drawn_key_names(&last.1));
    assert_eq!(our_names, bare_names, "both tables must show the same rows");
    assert!(our_names.len() > 10, "rows are drawn: {our_names:?}");
    assert_ne!(
        our_names.first().map(String::as_str),
        Some(rows[0].name.as_str()),
        "the tables scrolled"
    );
    (median(our_times), median(bare_times), our_names.len())
}

/// UI-thread time to show a newly built inventory: the table's filter and
/// sort over every key (the grouping itself runs on the backend).
fn apply_times(snapshot: &Arc<FleetSnapshot>, runs: usize) -> Duration {
    let mut table = FleetTable::default();
    table.set_filter("key-00");
    table.set_flag_filter(keyfleet::state::FlagFilter {
        weak: true,
        ..Default::default()
    });
    table.toggle_sort(keyfleet::state::FleetSort::Accounts);
    let times = (0..runs)
        .map(|_| {
            let start = thread_cpu_time();
            table.set_snapshot(Arc::clone(snapshot));
            thread_cpu_time() - start
        })
        .collect();
    assert!(table.visible_len() > 0);
    assert!(
        table
            .visible_row(0)
            .is_some_and(|(key, _, _)| key.flags.contains(&Flag::Weak))
    );
    median(times)
}

/// Runs the real binary with `args`; its wall time.
fn run(config_dir: &std::path::Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let output = Process::new(env!("CARGO_BIN_EXE_keyfleet"))
        .args(args)
        .env("KEYFLEET_CONFIG_DIR", config_dir)
        .env(TOKEN_ENV, GCORE_TOKEN)
        .stdin(Stdio::null())
        .output()
        .expect("run keyfleet");
    let elapsed = start.elapsed();
    assert!(
        output.status.success(),
        "keyfleet {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

const TOKEN_ENV: &str = "KEYFLEET_BENCH_GCORE_TOKEN";

/// `keyfleet inventory --json` over `accounts` accounts with `latency` per
/// answer; (inventory, `--version`, one account's `keys`), medians.
fn cli_times(accounts: usize, latency: Duration, runs: usize) -> (Duration, Duration, Duration) {
    let sandbox = Sandbox::start().unwrap();
    for i in 0..50 {
        let key = ssh_key::PrivateKey::random(
            &mut ssh_key::rand_core::OsRng,
            ssh_key::Algorithm::Ed25519,
        )
        .unwrap()
        .public_key()
        .to_openssh()
        .unwrap();
        sandbox.gcore.add_key(1, &format!("k{i}"), &key, true);
    }
    sandbox.gcore.faults().set_latency(latency);
    let config_dir = tempfile::tempdir().unwrap();
    let profiles: Vec<Profile> = (0..accounts)
        .map(|i| {
            let mut profile = Profile::new(ProviderKind::Gcore);
            profile.name = format!("acct{i:02}");
            profile.base_url = sandbox.gcore_url.clone();
            profile.settings = profile.settings.with_text(FieldKey::Project, "1");
            profile.token_source = TokenSource::EnvVar(TOKEN_ENV.into());
            profile
        })
        .collect();
    ProfileStore::new(config_dir.path())
        .save(&profiles)
        .unwrap();
    let dir = config_dir.path();
    // Warm the page cache once.
    run(dir, &["--version"]);
    let (mut inventory, mut version, mut one) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        version.push(run(dir, &["--version"]));
        one.push(run(dir, &["keys", "acct00", "--json"]));
        inventory.push(run(dir, &["inventory", "--json"]));
    }
    (median(inventory), median(version), median(one))
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("KEYFLEET_BENCH_ONLY").unwrap_or_default();
    let wanted = |section: &str| only.is_empty() || only.split(',').any(|s| s == section);
    println!("| what | Keyfleet | baseline | ratio |\n|---|---|---|---|");
    let snapshot = (wanted("frames") || wanted("apply")).then(snapshot);
    if let Some(snapshot) = &snapshot {
        let groups = snapshot.inventory.keys.len();
        if wanted("frames") {
            let (ours, bare, drawn) = frame_times(snapshot, 200);
            row(
                &format!(
                    "All keys frame CPU time, {groups} keys from {ACCOUNTS} accounts, scrolling ({drawn} rows drawn)"
                ),
                format!("{:.3} ms", ms(ours)),
                format!("bare table {:.3} ms", ms(bare)),
                format!("{:.2}×", ours.as_secs_f64() / bare.as_secs_f64()),
            );
        }
        if wanted("apply") {
            let apply = apply_times(snapshot, 7);
            row(
                &format!(
                    "showing a built inventory of {groups} keys on the UI thread (filter + flag filter + sort)"
                ),
                format!("{:.2} ms", ms(apply)),
                "one frame at 60 Hz 16.7 ms".into(),
                format!("{:.2}×", ms(apply) / 16.7),
            );
        }
    }
    if wanted("cli") {
        let latency = Duration::from_millis(200);
        let (inventory, version, one) = cli_times(ACCOUNTS, latency, 7);
        let one_request = one.saturating_sub(version);
        let baseline = version + one_request;
        row(
            &format!(
                "`keyfleet inventory --json`, {ACCOUNTS} accounts, 200 ms per answer (median of 7)"
            ),
            format!("{:.0} ms", ms(inventory)),
            format!(
                "`--version` {:.0} ms + one account's request {:.0} ms = {:.0} ms",
                ms(version),
                ms(one_request),
                ms(baseline)
            ),
            format!("{:.2}×", inventory.as_secs_f64() / baseline.as_secs_f64()),
        );
    }
}
