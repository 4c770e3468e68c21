//! Keyfleet's performance figures, each as a ratio against a baseline
//! measured in the same run (absolute times drift on shared machines).
//!
//! Run: `cargo bench --features bench --bench perf` (the `bench` feature
//! builds the probes into `keyfleet` and builds the `bare_window` baseline).
//! Prints a Markdown table; docs/PERFORMANCE.md explains every row.
//!
//! The start-up and memory rows need an X display: without `DISPLAY` the
//! bench re-runs itself for those rows under `xvfb-run -a` when available.
//! `KEYFLEET_BENCH_ONLY=frames,keystroke,index,fingerprints,refresh,load,window`
//! (any subset) runs only those sections; `serve` (only when named) keeps
//! the start-up/memory rows' fake account running for profiling by hand.

use std::io::BufRead;
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use keyfleet::app::{App, AppOptions};
use keyfleet::backend::{Backend, Command, Pending, ScriptedDialogs, Services};
use keyfleet::keys::SecretString;
use keyfleet::providers::ApiError;
use keyfleet::providers::spec::FieldKey;
use keyfleet::providers::{HttpPolicy, ProviderKind, RemoteKey};
use keyfleet::sandbox::{GCORE_TOKEN, Sandbox, TERRAFORM_TOKEN};
use keyfleet::state::{KeyTable, SortColumn};
use keyfleet::store::secrets::SecretStore;
use keyfleet::store::{MemoryStore, Profile, ProfileStore, TokenSource};
use keyfleet::ui::{UiAction, details_panel, keys_panel};

mod support;
use support::*;

/// Argument for the re-run under Xvfb that only prints the window rows.
const WINDOW_ROWS_ONLY: &str = "--keyfleet-window-rows-only";
/// Environment variable the start-up/memory runs read the Gcore token from.
const TOKEN_ENV: &str = "KEYFLEET_BENCH_GCORE_TOKEN";

// ---------------------------------------------------------------------------
// Sample data

fn random_ed25519() -> ssh_key::PublicKey {
    ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
        .unwrap()
        .public_key()
        .clone()
}

fn sample_keys(count: usize) -> Vec<RemoteKey> {
    // Real fingerprints of a few keys, cycled: parsing is not what is measured here.
    let seeds: Vec<ssh_key::PublicKey> = (0..16).map(|_| random_ed25519()).collect();
    (0..count)
        .map(|i| {
            let key = &seeds[i % seeds.len()];
            RemoteKey {
                id: format!("{i:08x}-0000-4000-8000-000000000000"),
                name: format!("key-{i:06}").into(),
                public_key: Some(key.to_openssh().unwrap()),
                fingerprint_sha256: Some(keyfleet::keys::public::fingerprint_sha256(key)),
                fingerprint_md5: Some(keyfleet::keys::public::fingerprint_md5(key)),
                algorithm: Some("ssh-ed25519".into()),
                comment: Some(format!("user{i}@host").into()),
                created_at: Some(format!("2025-01-{:02}T10:00:00Z", 1 + i % 28).into()),
                shared_in_project: Some(i % 2 == 0),
                state: Some("ACTIVE".into()),
                ..RemoteKey::default()
            }
        })
        .collect()
}

fn gcore_profile(name: &str) -> Profile {
    let mut profile = Profile::new(ProviderKind::Gcore);
    profile.name = name.into();
    profile.settings = profile.settings.with_text(FieldKey::Project, "1");
    profile
}

// ---------------------------------------------------------------------------
// Headless frames

/// The details panel as the app sizes it (`app/draw.rs`).
fn details_side_panel() -> egui::Panel {
    egui::Panel::right("details_panel")
        .resizable(true)
        .default_size(360.0)
        .size_range(220.0..=900.0)
}

fn keyfleet_panel(
    ui: &mut egui::Ui,
    profile: &Profile,
    table: &mut KeyTable,
    details: bool,
    actions: &mut Vec<UiAction>,
) {
    if details {
        details_side_panel().show(ui, |ui| {
            details_panel::show(
                ui,
                details_panel::DetailsView {
                    key: table.selected_key(),
                    spec: profile.provider().spec(),
                    elsewhere: &[],
                    unloaded_accounts: 0,
                    busy: false,
                    used_by_hosts: &[],
                    in_agent: None,
                },
                actions,
            );
        });
    }
    egui::CentralPanel::default().show(ui, |ui| {
        keys_panel::show(
            ui,
            keys_panel::KeysView {
                profile,
                table,
                loading: false,
                loaded: true,
                error: None,
                busy_keys: &[],
                details_open: details,
                scroll_to: None,
            },
            actions,
        );
    });
}

/// A bare egui_extras table with Keyfleet's rows, columns (order, widths,
/// cell layout), cell texts and row buttons, but none of its extras
/// (toolbar, sort buttons, hover texts, resizing, sideways scrolling).
/// It filters once up front: the most favourable baseline. `top` is empty
/// space standing in for Keyfleet's toolbar, so both show the same rows.
fn bare_table(ui: &mut egui::Ui, rows: &[&RemoteKey], top: f32, details: bool) {
    if details {
        // The same width as Keyfleet's details panel, left empty.
        details_side_panel().show(ui, |_| {});
    }
    egui::CentralPanel::default().show(ui, |ui| {
        ui.add_space(top);
        use egui_extras::Column;
        let widths = [
            Column::initial(170.0).at_least(80.0), // Name
            Column::exact(56.0),                   // Actions (empty)
            Column::initial(80.0).at_least(40.0),  // Algorithm
            Column::initial(250.0).at_least(80.0), // SHA256
            Column::initial(190.0).at_least(80.0), // MD5
            Column::initial(80.0).at_least(40.0),  // Shared
            Column::initial(80.0).at_least(40.0),  // State
            Column::initial(150.0).at_least(60.0), // Created
        ];
        let mut builder = egui_extras::TableBuilder::new(ui)
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
        for width in widths {
            builder = builder.column(width.clip(true));
        }
        let dash = |value: Option<&str>| -> String {
            value
                .filter(|text| !text.is_empty())
                .unwrap_or("—")
                .to_string()
        };
        builder
            .header(24.0, |mut header| {
                for title in [
                    "Name",
                    "Actions",
                    "Algorithm",
                    "SHA256 fingerprint",
                    "MD5 fingerprint",
                    "Shared",
                    "State",
                    "Created",
                ] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(keys_panel::ROW_HEIGHT, rows.len(), |mut row| {
                    let key = rows[row.index()];
                    row.col(|ui| {
                        ui.label(key.name.as_str());
                    });
                    row.col(|_| {});
                    row.col(|ui| {
                        ui.label(dash(key.algorithm.as_deref()));
                    });
                    row.col(|ui| {
                        ui.monospace(key.fingerprint_sha256.as_deref().unwrap_or("—"));
                    });
                    row.col(|ui| {
                        ui.monospace(key.fingerprint_md5.as_deref().unwrap_or("—"));
                    });
                    row.col(|ui| {
                        ui.label(match key.shared_in_project {
                            Some(true) => "yes",
                            Some(false) => "no",
                            None => "—",
                        });
                    });
                    row.col(|ui| {
                        ui.label(dash(key.state.as_deref()));
                    });
                    row.col(|ui| {
                        ui.label(dash(key.created_at.as_deref()));
                    });
                });
            });
    });
}

/// The y of the "Name" column header in a frame.
fn header_y(shapes: &[egui::epaint::ClippedShape]) -> f32 {
    drawn_texts(shapes)
        .into_iter()
        .find(|(text, _)| text == "Name")
        .map(|(_, pos)| pos.y)
        .expect("the table header is drawn")
}

struct FrameFigures {
    keyfleet: Duration,
    bare: Duration,
    /// Median `run_ui` time alone (no tessellation): Keyfleet, bare.
    layout: (Duration, Duration),
    rows_drawn: usize,
}

/// Per-frame CPU time of Keyfleet's keys panel and of the bare table,
/// while scrolling, frames interleaved so both see the same machine load.
fn frame_times(keys: &[RemoteKey], filter: &str, frames: usize, details: bool) -> FrameFigures {
    let profile = gcore_profile("bench");
    let mut table = KeyTable::default();
    table.set_rows(keys.to_vec());
    table.set_filter(filter);
    if details {
        // The panel shows a key: the first row.
        table.select_visible(0);
    }
    let needle = filter.to_lowercase();
    let rows: Vec<&RemoteKey> = keys
        .iter()
        .filter(|k| needle.is_empty() || k.name.to_lowercase().contains(&needle))
        .collect();
    assert_eq!(
        rows.len(),
        table.visible_len(),
        "both tables show the same rows"
    );
    let mut actions = Vec::new();

    let ours = egui::Context::default();
    let bare = egui::Context::default();
    // Line the bare table up with Keyfleet's (below its toolbar).
    let (_, shapes) = timed_frame(&ours, base_input(), true, |ui| {
        keyfleet_panel(ui, &profile, &mut table, details, &mut actions)
    });
    let our_top = header_y(&shapes);
    let (_, shapes) = timed_frame(&bare, base_input(), true, |ui| {
        bare_table(ui, &rows, 0.0, details)
    });
    let top = our_top - header_y(&shapes);

    let mut our_times = Vec::new();
    let mut bare_times = Vec::new();
    let mut last = (Vec::new(), Vec::new());
    for frame in 0..frames + 5 {
        let keep = frame == frames + 4;
        let (time, shapes) = timed_frame(&ours, scroll_input(), keep, |ui| {
            keyfleet_panel(ui, &profile, &mut table, details, &mut actions)
        });
        if frame >= 5 {
            our_times.push(time);
        }
        if keep {
            last.0 = shapes;
        }
        let (time, shapes) = timed_frame(&bare, scroll_input(), keep, |ui| {
            bare_table(ui, &rows, top, details)
        });
        if frame >= 5 {
            bare_times.push(time);
        }
        if keep {
            last.1 = shapes;
        }
    }
    // Fairness checks: both scrolled away from the top and show the same rows.
    let mut our_names = drawn_key_names(&last.0);
    let bare_names = drawn_key_names(&last.1);
    // The details panel also draws the selected key's name.
    if let Some(selected) = table.selected_key().filter(|_| details) {
        let selected = selected.name.clone();
        our_names.retain(|name| *name != selected || bare_names.contains(name));
    }
    assert_eq!(our_names, bare_names, "both tables must show the same rows");
    assert!(our_names.len() > 10, "rows are drawn: {our_names:?}");
    assert_ne!(
        our_names.first().map(String::as_str),
        rows.first().map(|k| k.name.as_str()),
        "the tables scrolled"
    );
    let total = |times: &[FrameTime]| median(times.iter().map(|t| t.total()).collect());
    let layout = |times: &[FrameTime]| median(times.iter().map(|t| t.layout).collect());
    FrameFigures {
        keyfleet: total(&our_times),
        bare: total(&bare_times),
        layout: (layout(&our_times), layout(&bare_times)),
        rows_drawn: our_names.len(),
    }
}

/// Typing into the filter box of the real panel with `keys`: the frame that
/// takes a typed character (or a backspace) against a frame without input.
struct KeystrokeFigures {
    per_character: Vec<Duration>,
    typed: Duration,
    worst_typed: Duration,
    backspace: Duration,
    idle: Duration,
}

fn filter_keystrokes(keys: &[RemoteKey], rounds: usize) -> KeystrokeFigures {
    let profile = gcore_profile("bench");
    let mut table = KeyTable::default();
    table.set_rows(keys.to_vec());
    table.toggle_sort(SortColumn::Name);
    let mut actions = Vec::new();
    let ctx = egui::Context::default();
    let mut frame = |input: egui::RawInput, keep: bool, table: &mut KeyTable| {
        timed_frame(&ctx, input, keep, |ui| {
            keyfleet_panel(ui, &profile, table, false, &mut actions)
        })
    };
    // Click into the filter box (found by its hint text) to focus it.
    let (_, shapes) = frame(base_input(), true, &mut table);
    let hint = drawn_texts(&shapes)
        .into_iter()
        .find(|(text, _)| text == "name, fingerprint or comment")
        .map(|(_, pos)| pos + egui::vec2(10.0, 5.0))
        .expect("the filter box shows its hint");
    for pressed in [true, false] {
        let mut input = base_input();
        input.events = vec![
            egui::Event::PointerMoved(hint),
            egui::Event::PointerButton {
                pos: hint,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            },
        ];
        frame(input, false, &mut table);
    }
    let typed_text = "key-00";
    let mut typed: Vec<Vec<Duration>> = vec![Vec::new(); typed_text.len()];
    let mut backspace = Vec::new();
    let mut idle = Vec::new();
    for _ in 0..rounds {
        for (position, character) in typed_text.chars().enumerate() {
            let mut input = base_input();
            input.events.push(egui::Event::Text(character.to_string()));
            typed[position].push(frame(input, false, &mut table).0.total());
            idle.push(frame(base_input(), false, &mut table).0.total());
        }
        assert_eq!(table.filter(), typed_text, "typing reached the filter box");
        assert!(table.visible_len() < table.len());
        for _ in 0..typed_text.len() {
            let mut input = base_input();
            input.events.push(egui::Event::Key {
                key: egui::Key::Backspace,
                physical_key: None,
                pressed: true,
                repeat: false,
                modifiers: egui::Modifiers::NONE,
            });
            backspace.push(frame(input, false, &mut table).0.total());
            idle.push(frame(base_input(), false, &mut table).0.total());
        }
        assert_eq!(table.filter(), "", "backspace reached the filter box");
        assert_eq!(table.visible_len(), table.len());
    }
    let per_position: Vec<Duration> = typed.into_iter().map(median).collect();
    KeystrokeFigures {
        per_character: per_position.clone(),
        typed: median(per_position.clone()),
        worst_typed: per_position.into_iter().max().unwrap_or_default(),
        backspace: median(backspace),
        idle: median(idle),
    }
}

/// `KeyTable::set_filter` (the incremental index) against the simplest
/// filter that gives the same rows: every row's lower-cased
/// `name␟sha256␟md5␟comment` made once, and each keystroke a
/// `str::contains` over all of them. Thread CPU time of the filter call
/// alone, per character of `key-00` (median of `rounds`).
struct IndexFigures {
    index: Vec<Duration>,
    scan: Vec<Duration>,
}

fn index_vs_scan(keys: &[RemoteKey], rounds: usize) -> IndexFigures {
    let mut table = KeyTable::default();
    table.set_rows(keys.to_vec());
    table.toggle_sort(SortColumn::Name);
    let texts: Vec<String> = keys
        .iter()
        .map(|key| {
            let parts = [
                Some(key.name.as_str()),
                key.fingerprint_sha256.as_deref(),
                key.fingerprint_md5.as_deref(),
                key.comment.as_deref(),
            ];
            parts
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\u{1f}")
                .to_lowercase()
        })
        .collect();
    let typed_text = "key-00";
    let (mut index, mut scan) = (vec![Vec::new(); 6], vec![Vec::new(); 6]);
    let mut shown: Vec<u32> = Vec::with_capacity(keys.len());
    for _ in 0..rounds {
        table.set_filter("");
        for end in 1..=typed_text.len() {
            let start = thread_cpu_time();
            table.set_filter(&typed_text[..end]);
            index[end - 1].push(thread_cpu_time() - start);
            let start = thread_cpu_time();
            let needle = typed_text[..end].to_lowercase();
            shown.clear();
            shown.extend(
                (0..texts.len() as u32).filter(|&row| texts[row as usize].contains(&needle)),
            );
            scan[end - 1].push(thread_cpu_time() - start);
            assert_eq!(shown.len(), table.visible_len(), "both filters agree");
        }
    }
    IndexFigures {
        index: index.into_iter().map(median).collect(),
        scan: scan.into_iter().map(median).collect(),
    }
}

// ---------------------------------------------------------------------------
// Fingerprints

/// 10,000 Ed25519 public key lines (the common case).
fn ed25519_lines() -> Vec<String> {
    (0..10_000)
        .map(|i| random_ed25519().to_openssh().unwrap() + &format!(" k{i}"))
        .collect()
}

/// 10,000 lines cycling Ed25519, ECDSA P-256/P-384 and RSA-2048/3072/4096
/// keys (a few distinct RSA keys repeated: generating thousands is slow).
fn mixed_lines() -> Vec<String> {
    use ssh_key::private::RsaKeypair;
    use ssh_key::public::{KeyData, RsaPublicKey};
    use ssh_key::{Algorithm, EcdsaCurve, PrivateKey, rand_core::OsRng};
    let rsa: Vec<String> = [2048, 3072, 4096]
        .into_iter()
        .map(|bits| {
            let pair = RsaKeypair::random(&mut OsRng, bits).unwrap();
            let key = ssh_key::PublicKey::from(KeyData::from(RsaPublicKey::from(&pair)));
            key.to_openssh().unwrap()
        })
        .collect();
    (0..10_000)
        .map(|i| {
            let curve = |curve| Algorithm::Ecdsa { curve };
            let line = match i % 4 {
                0 => random_ed25519().to_openssh().unwrap(),
                1 => PrivateKey::random(&mut OsRng, curve(EcdsaCurve::NistP256))
                    .unwrap()
                    .public_key()
                    .to_openssh()
                    .unwrap(),
                2 => PrivateKey::random(&mut OsRng, curve(EcdsaCurve::NistP384))
                    .unwrap()
                    .public_key()
                    .to_openssh()
                    .unwrap(),
                _ => rsa[i / 4 % rsa.len()].clone(),
            };
            format!("{line} k{i}")
        })
        .collect()
}

fn fingerprints_vs_ssh_keygen(lines: &[String]) -> (Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.pub");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    // Best of seven for both, alternating: read the file, fingerprint every line.
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut count = 0;
        for line in text.lines() {
            let parsed = keyfleet::keys::public::parse_public_key(line).unwrap();
            count += usize::from(parsed.fingerprint_sha256.len() == 50);
        }
        ours.push(start.elapsed());
        assert_eq!(count, lines.len());

        let start = Instant::now();
        let output = Process::new("ssh-keygen")
            .args(["-l", "-E", "sha256", "-f"])
            .arg(&path)
            .output()
            .expect("ssh-keygen must be installed (apt-get install openssh-client)");
        theirs.push(start.elapsed());
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).lines().count(),
            lines.len()
        );
    }
    (
        ours.into_iter().min().unwrap_or_default(),
        theirs.into_iter().min().unwrap_or_default(),
    )
}

// ---------------------------------------------------------------------------
// Refreshing many accounts

fn refresh_many_accounts(accounts: usize, latency: Duration) -> (Duration, Duration) {
    let sandbox = Sandbox::start().unwrap();
    for i in 0..5 {
        let key = random_ed25519().to_openssh().unwrap();
        sandbox.gcore.add_key(1, &format!("k{i}"), &key, true);
    }
    sandbox.gcore.faults().set_latency(latency);
    let secrets = Arc::new(MemoryStore::default());
    let profiles: Vec<Profile> = (0..accounts)
        .map(|i| {
            let mut p = gcore_profile(&format!("acct{i}"));
            p.base_url = sandbox.gcore_url.clone();
            secrets.set(&p.id, &SecretString::new(GCORE_TOKEN)).unwrap();
            p
        })
        .collect();
    let backend = Backend::start(
        || {},
        Services {
            secrets,
            dialogs: Arc::new(ScriptedDialogs::default()),
            http_policy: HttpPolicy::default(),
            agent: Default::default(),
        },
    );
    type List = Pending<Result<Vec<RemoteKey>, ApiError>>;
    let list = |profile: Profile| -> List {
        backend.request(|reply| Command::ListKeys { reply, profile })
    };
    let wait = |lists: Vec<List>| {
        for list in lists {
            let answer = list.wait(Duration::from_secs(120));
            assert!(matches!(answer, Some(Ok(_))), "{answer:?}");
        }
    };
    // Warm up connections.
    wait(vec![list(profiles[0].clone())]);
    let start = Instant::now();
    wait(vec![list(profiles[0].clone())]);
    let one = start.elapsed();
    let start = Instant::now();
    wait(profiles.iter().cloned().map(list).collect());
    (start.elapsed(), one)
}

// ---------------------------------------------------------------------------
// The UI thread under load: the real App in a headless harness

/// The real app, timing its own work per frame (`logic` + `ui`).
struct TimedApp {
    app: App,
    logic: Duration,
    frames: Vec<Duration>,
}

impl eframe::App for TimedApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        let start = thread_cpu_time();
        eframe::App::logic(&mut self.app, ctx, frame);
        self.logic = thread_cpu_time() - start;
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let start = thread_cpu_time();
        eframe::App::ui(&mut self.app, ui, frame);
        self.frames.push(self.logic + (thread_cpu_time() - start));
    }
}

struct LoadFigures {
    /// The app's first frame (sets up fonts), CPU time.
    first_frame: Duration,
    /// Slowest later frame's CPU time in `logic` + `ui` of the app.
    worst_app: Duration,
    /// Slowest whole harness step (egui pass + app + kittest), CPU time.
    worst_step: Duration,
    /// Slowest whole harness step, wall time.
    worst_step_wall: Duration,
    frames: usize,
    refreshes_landed_while_generating: usize,
}

/// The real app starts and refreshes 20 Gcore accounts (1,000 keys each,
/// answers delayed 300 ms so they land while the key is generated) and,
/// right away, generates an RSA-4096 deploy key for an HCP Terraform
/// account; every frame is timed until all is done and uploaded.
fn ui_thread_under_load(accounts: usize, keys_per_account: usize) -> LoadFigures {
    let sandbox = Sandbox::start().unwrap();
    for i in 0..keys_per_account {
        let key = random_ed25519().to_openssh().unwrap() + &format!(" user{i}@host");
        sandbox
            .gcore
            .add_key(1, &format!("key-{i:06}"), &key, i % 2 == 0);
    }
    sandbox
        .gcore
        .faults()
        .set_latency(Duration::from_millis(300));
    let config_dir = tempfile::tempdir().unwrap();
    let store = ProfileStore::new(config_dir.path());
    let secrets = Arc::new(MemoryStore::default());
    let mut terraform = Profile::new(ProviderKind::Terraform);
    terraform.name = "Terraform".into();
    terraform.base_url = sandbox.terraform_url.clone();
    terraform.settings = terraform
        .settings
        .with_text(FieldKey::Organization, "acme-infra");
    secrets
        .set(&terraform.id, &SecretString::new(TERRAFORM_TOKEN))
        .unwrap();
    let mut profiles = vec![terraform];
    for i in 0..accounts {
        let mut profile = gcore_profile(&format!("Gcore {i}"));
        profile.base_url = sandbox.gcore_url.clone();
        secrets
            .set(&profile.id, &SecretString::new(GCORE_TOKEN))
            .unwrap();
        profiles.push(profile);
    }
    store.save(&profiles).unwrap();
    let services = Services {
        secrets,
        dialogs: Arc::new(ScriptedDialogs::default()),
        http_policy: HttpPolicy::default(),
        agent: Default::default(),
    };
    let app_store = store.clone();
    let mut harness = Harness::builder()
        .with_size(SCREEN)
        .build_eframe(move |cc| TimedApp {
            app: App::new(
                &cc.egui_ctx,
                AppOptions {
                    store: app_store,
                    services,
                    demo: false,
                    local_key_dirs: Vec::new(),
                    remembered: None,
                },
            ),
            logic: Duration::ZERO,
            frames: Vec::new(),
        });
    let mut worst_step = Duration::ZERO;
    let mut worst_step_wall = Duration::ZERO;
    let mut step = |harness: &mut Harness<'static, TimedApp>| {
        let wall = Instant::now();
        let start = thread_cpu_time();
        harness.step();
        worst_step = worst_step.max(thread_cpu_time() - start);
        worst_step_wall = worst_step_wall.max(wall.elapsed());
    };
    let click = |harness: &mut Harness<'static, TimedApp>, label: &str| {
        harness.get_by_label(label).click();
    };
    // App::new started all 21 refreshes; start the RSA-4096 generation now.
    step(&mut harness);
    step(&mut harness);
    click(&mut harness, "🔑 Generate deploy key");
    for _ in 0..4 {
        step(&mut harness);
    }
    harness
        .get_by_label("Name:")
        .set_text_value_accesskit("perf-deploy");
    step(&mut harness);
    step(&mut harness);
    click(&mut harness, "Generate and upload");
    let loaded = |harness: &Harness<'static, TimedApp>| {
        let app = &harness.state().app;
        app.profiles()
            .iter()
            .skip(1)
            .filter(|p| app.account(&p.id).is_some_and(|a| a.loaded))
            .count()
    };
    let started = Instant::now();
    let mut refreshes_landed_while_generating = 0;
    loop {
        step(&mut harness);
        let generated = harness.query_by_label("💾 Save private key…").is_some();
        if !generated {
            refreshes_landed_while_generating = loaded(&harness);
        }
        if generated && loaded(&harness) == accounts && harness.state().app.in_flight() == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "generation or refreshes did not finish"
        );
        std::thread::sleep(Duration::from_millis(4));
    }
    for _ in 0..5 {
        step(&mut harness);
    }
    let app = &harness.state().app;
    for profile in app.profiles().iter().skip(1) {
        let account = app.account(&profile.id).unwrap();
        assert_eq!(account.table.len(), keys_per_account, "{:?}", account.error);
    }
    let state = harness.state();
    LoadFigures {
        first_frame: state.frames.first().copied().unwrap_or_default(),
        worst_app: state
            .frames
            .iter()
            .skip(1)
            .copied()
            .max()
            .unwrap_or_default(),
        worst_step,
        worst_step_wall,
        frames: state.frames.len(),
        refreshes_landed_while_generating,
    }
}

// ---------------------------------------------------------------------------
// Start-up and memory: real processes on an X display

struct Probe {
    /// From spawning the process to its report (first painted frame).
    to_report: Duration,
    peak_rss_kb: u64,
    keys: usize,
}

/// Runs `program` until it prints its `keyfleet-probe` line; `None` when it
/// exits without one.
fn probe_once(program: &std::path::Path, env: &[(&str, &str)]) -> Option<Probe> {
    let start = Instant::now();
    let mut child = Process::new(program)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("could not start {}: {err}", program.display()));
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    };
    let mut report = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if line.starts_with("keyfleet-probe ") {
            report = Some((start.elapsed(), line));
            break;
        }
    }
    let _ = child.wait();
    let (to_report, line) = report?;
    let field = |name: &str| -> String {
        line.split_whitespace()
            .find_map(|part| part.strip_prefix(name))
            .unwrap_or_default()
            .to_string()
    };
    Some(Probe {
        to_report,
        peak_rss_kb: field("peak_rss_kb=").parse().unwrap_or(0),
        keys: field("keys=").parse().unwrap_or(0),
    })
}

/// [`probe_once`], tried up to three times: under Xvfb a window very rarely
/// closes before its first frame (seen for the bare window too).
fn probe(program: &std::path::Path, env: &[(&str, &str)]) -> Probe {
    (0..3)
        .find_map(|_| probe_once(program, env))
        .unwrap_or_else(|| panic!("{} never reported its first frame", program.display()))
}

/// A Gcore fake holding `keys` keys and a config folder whose one profile
/// points at it, its token read from [`TOKEN_ENV`] (no keyring under Xvfb).
fn gcore_account_with_keys(keys: usize) -> (Sandbox, tempfile::TempDir) {
    let sandbox = Sandbox::start().unwrap();
    for i in 0..keys {
        let key = random_ed25519().to_openssh().unwrap() + &format!(" user{i}@host");
        sandbox
            .gcore
            .add_key(1, &format!("key-{i:06}"), &key, i % 2 == 0);
    }
    let config_dir = tempfile::tempdir().unwrap();
    let mut profile = gcore_profile("Gcore · 10,000 keys");
    profile.base_url = sandbox.gcore_url.clone();
    profile.token_source = TokenSource::EnvVar(TOKEN_ENV.into());
    ProfileStore::new(config_dir.path())
        .save(&[profile])
        .unwrap();
    (sandbox, config_dir)
}

/// `KEYFLEET_BENCH_ONLY=serve`: the start-up/memory rows' account, kept
/// running until Enter, for looking at `keyfleet` by hand (heaptrack,
/// perf, massif). Prints the environment to start it with.
fn serve_for_profiling() {
    let (_sandbox, config_dir) = gcore_account_with_keys(10_000);
    println!(
        "KEYFLEET_CONFIG_DIR={} {TOKEN_ENV}={GCORE_TOKEN} {}",
        config_dir.path().display(),
        env!("CARGO_BIN_EXE_keyfleet")
    );
    println!("Serving 10,000 keys; press Enter to stop.");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// Start-up time and peak memory of the real `keyfleet` binary against a
/// bare eframe window, alternating runs. Keyfleet has one Gcore account
/// whose 10,000 keys the fake (in this process) serves without delay, so
/// the refresh it starts at launch competes with its first frame.
fn window_rows() {
    let bare = std::path::PathBuf::from(env!("CARGO_BIN_EXE_bare_window"));
    let keyfleet = std::path::PathBuf::from(env!("CARGO_BIN_EXE_keyfleet"));
    let keys = 10_000;
    let (_sandbox, config_dir) = gcore_account_with_keys(keys);
    let config = config_dir.path().to_str().unwrap();
    let ours = |exit_when: &'static str| {
        [
            ("KEYFLEET_CONFIG_DIR", config),
            (TOKEN_ENV, GCORE_TOKEN),
            (exit_when, "1"),
        ]
    };
    let first_frame = ours("KEYFLEET_EXIT_AFTER_FIRST_FRAME");
    let loaded = ours("KEYFLEET_EXIT_AFTER_LOADED");
    let bare_env = [("KEYFLEET_EXIT_AFTER_FIRST_FRAME", "1")];
    // Warm the page cache and the GL driver once, then alternate runs.
    probe(&keyfleet, &first_frame);
    probe(&bare, &bare_env);
    let runs = 15;
    let mut our_start = Vec::new();
    let mut bare_start = Vec::new();
    let mut our_rss = Vec::new();
    let mut bare_rss = Vec::new();
    for _ in 0..runs {
        our_start.push(probe(&keyfleet, &first_frame).to_report);
        let bare_probe = probe(&bare, &bare_env);
        bare_start.push(bare_probe.to_report);
        bare_rss.push(bare_probe.peak_rss_kb as f64);
        let with_keys = probe(&keyfleet, &loaded);
        assert_eq!(
            with_keys.keys, keys,
            "all keys were loaded before the report"
        );
        our_rss.push(with_keys.peak_rss_kb as f64);
    }
    let (ours, theirs) = (median(our_start), median(bare_start));
    row(
        "process start to first painted frame (Xvfb, median of 15)",
        format!("{:.0} ms", ms(ours)),
        format!("bare eframe window {:.0} ms", ms(theirs)),
        format!("{:.2}×", ours.as_secs_f64() / theirs.as_secs_f64()),
    );
    let (ours, theirs) = (median_f64(our_rss) / 1024.0, median_f64(bare_rss) / 1024.0);
    row(
        "peak memory (VmHWM), 10000 keys loaded and shown (median of 15)",
        format!("{ours:.1} MB"),
        format!("bare eframe window {theirs:.1} MB"),
        format!("+{:.1} MB", ours - theirs),
    );
}

fn display_available() -> bool {
    std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
}

fn window_rows_somewhere() {
    if display_available() {
        window_rows();
        return;
    }
    // No display: re-run just these rows under a virtual X server.
    let exe = std::env::current_exe().unwrap();
    match Process::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1920x1080x24"])
        .arg(&exe)
        .arg(WINDOW_ROWS_ONLY)
        .stderr(Stdio::inherit())
        .output()
    {
        Ok(output) => print!("{}", String::from_utf8_lossy(&output.stdout)),
        Err(_) => row(
            "start-up and memory",
            "skipped".into(),
            "no DISPLAY and no xvfb-run (apt-get install xvfb)".into(),
            "—".into(),
        ),
    }
}

// ---------------------------------------------------------------------------

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == WINDOW_ROWS_ONLY) {
        window_rows();
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not (and
    // would run all this unoptimised): then there is nothing to do.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("KEYFLEET_BENCH_ONLY").unwrap_or_default();
    let wanted = |section: &str| only.is_empty() || only.split(',').any(|s| s == section);

    println!("| what | Keyfleet | baseline | ratio |\n|---|---|---|---|");
    if wanted("frames") {
        for (count, filter, details) in [
            (10_000usize, "", true),
            (10_000, "", false),
            (10_000, "key-001", false),
            (100_000, "", false),
            (100_000, "key-001", false),
        ] {
            let keys = sample_keys(count);
            let figures = frame_times(&keys, filter, 60, details);
            let panel = if details { ", details panel open" } else { "" };
            row(
                &format!(
                    "frame CPU time, {count} keys, filter {filter:?}{panel}, scrolling ({} rows drawn)",
                    figures.rows_drawn
                ),
                format!(
                    "{:.3} ms (UI {:.3})",
                    ms(figures.keyfleet),
                    ms(figures.layout.0)
                ),
                format!(
                    "bare table {:.3} ms (UI {:.3})",
                    ms(figures.bare),
                    ms(figures.layout.1)
                ),
                format!(
                    "{:.2}×",
                    figures.keyfleet.as_secs_f64() / figures.bare.as_secs_f64()
                ),
            );
        }
    }
    if wanted("keystroke") {
        let keys = sample_keys(100_000);
        let figures = filter_keystrokes(&keys, 5);
        let ratio = |d: Duration| d.as_secs_f64() / figures.idle.as_secs_f64();
        row(
            "frame typing one filter character, 100000 keys (median over \"key-00\")",
            format!("{:.3} ms", ms(figures.typed)),
            format!("frame without typing {:.3} ms", ms(figures.idle)),
            format!("{:.2}×", ratio(figures.typed)),
        );
        row(
            "… slowest character (the last: 90% of rows drop out)",
            format!("{:.3} ms", ms(figures.worst_typed)),
            format!("frame without typing {:.3} ms", ms(figures.idle)),
            format!("{:.2}×", ratio(figures.worst_typed)),
        );
        let each: Vec<String> = "key-00"
            .chars()
            .zip(&figures.per_character)
            .map(|(c, d)| format!("{c} {:.2}", ms(*d)))
            .collect();
        row(
            &format!("… per character, ms: {}", each.join(", ")),
            String::new(),
            String::new(),
            String::new(),
        );
        row(
            "… backspace (filter widens)",
            format!("{:.3} ms", ms(figures.backspace)),
            format!("frame without typing {:.3} ms", ms(figures.idle)),
            format!("{:.2}×", ratio(figures.backspace)),
        );
    }
    if wanted("index") {
        let keys = sample_keys(100_000);
        let figures = index_vs_scan(&keys, 7);
        let each = |times: &[Duration]| {
            let list: Vec<String> = times.iter().map(|d| format!("{:.2}", ms(*d))).collect();
            list.join(" / ")
        };
        let worst = |times: &[Duration]| times.iter().copied().max().unwrap_or_default();
        row(
            "filter alone, 100000 keys, each character of \"key-00\" (ms): index / plain scan",
            each(&figures.index),
            each(&figures.scan),
            format!(
                "slowest {:.2} vs {:.2} ms: {:.1}× faster",
                ms(worst(&figures.index)),
                ms(worst(&figures.scan)),
                worst(&figures.scan).as_secs_f64() / worst(&figures.index).as_secs_f64()
            ),
        );
    }
    if wanted("fingerprints") {
        for (what, lines) in [
            ("Ed25519", ed25519_lines()),
            ("mixed Ed25519/ECDSA/RSA", mixed_lines()),
        ] {
            let (ours, theirs) = fingerprints_vs_ssh_keygen(&lines);
            row(
                &format!(
                    "SHA256 fingerprints of 10000 {what} keys (read file + parse; best of 7 each, alternating)"
                ),
                format!("{:.1} ms", ms(ours)),
                format!("ssh-keygen -l {:.1} ms", ms(theirs)),
                format!("{:.1}× faster", theirs.as_secs_f64() / ours.as_secs_f64()),
            );
        }
    }
    if wanted("refresh") {
        let (all, one) = refresh_many_accounts(20, Duration::from_millis(200));
        row(
            "refresh 20 accounts, 200 ms latency",
            format!("{:.0} ms", ms(all)),
            format!("one request {:.0} ms", ms(one)),
            format!("{:.2}×", all.as_secs_f64() / one.as_secs_f64()),
        );
    }
    if wanted("load") {
        // RSA generation takes a random time; only runs in which all 20
        // answers landed while it ran count (up to 10 tries for 3 of them).
        let (accounts, keys_per_account) = (20, 1000);
        let mut runs = Vec::new();
        let mut tries = 0;
        while runs.len() < 3 && tries < 10 {
            tries += 1;
            let figures = ui_thread_under_load(accounts, keys_per_account);
            if figures.refreshes_landed_while_generating == accounts {
                runs.push(figures);
            }
        }
        let max =
            |get: fn(&LoadFigures) -> Duration| runs.iter().map(get).max().unwrap_or_default();
        row(
            &format!(
                "UI thread during 20 refreshes ({keys_per_account} keys each) + RSA-4096 generation: slowest frame of {} runs ({} frames; {tries} tried)",
                runs.len(),
                runs.iter().map(|r| r.frames).sum::<usize>(),
            ),
            format!(
                "app {:.2} ms CPU (first frame {:.2} ms)",
                ms(max(|r| r.worst_app)),
                ms(max(|r| r.first_frame)),
            ),
            format!(
                "whole step {:.2} ms CPU, {:.2} ms wall",
                ms(max(|r| r.worst_step)),
                ms(max(|r| r.worst_step_wall))
            ),
            "limit 16 ms".into(),
        );
    }
    if wanted("window") {
        window_rows_somewhere();
    }
    // Only when asked for by name: it waits for Enter.
    if only.split(',').any(|section| section == "serve") {
        serve_for_profiling();
    }
}
