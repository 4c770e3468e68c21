//! Pixel snapshots of the main views, in the light and the dark theme: an
//! account's table with the details panel, "All keys" with its chart, the
//! rotation wizard's plan and pause pages, and the add-key dialog showing a
//! field error.
//!
//! The real app runs against the demo's fake servers, rendered by wgpu on
//! whatever adapter it finds (on CI lavapipe, the software Vulkan device of
//! `mesa-vulkan-drivers`). Each image is compared with
//! `tests/snapshots/NAME.png`; a difference fails the test and leaves
//! `NAME.new.png` and `NAME.diff.png` in `target/snapshot-diffs/`.
//!
//! The same pixels on every run and machine need the same input:
//! - the clock is fixed at [`NOW`] (`keyfleet::clock::fix`), so the fakes'
//!   dates, key ages and the age chart do not move, and the fakes' demo
//!   keys are drawn from seeded generators (the same fingerprints);
//! - "this computer" is a fixed folder, `/tmp/keyfleet-snapshots/NAME/`
//!   (its paths are shown), held under a lock so two runs cannot share it;
//! - a fixed window size, egui's built-in fonts, no pointer on screen.
//!
//! The fakes' key ids are still random where the provider uses random ids
//! (Gcore, Sesterce, Terraform), so no view here shows one: the account
//! view is the GitHub account, whose ids count up.
//!
//! Re-record on purpose: `UPDATE_SNAPSHOTS=1 cargo test --test ui_snapshots`
//! (then look at every changed image before committing it).

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{click, set_text, wait_for_label, wait_for_label_containing, wait_until};
use egui::{Theme, ThemePreference};
use egui_kittest::kittest::Queryable;
use egui_kittest::wgpu::WgpuTestRenderer;
use egui_kittest::{Harness, SnapshotOptions, SnapshotResult};
use keyfleet::app::{App, AppOptions, Remembered};
use keyfleet::backend::{ScriptedDialogs, Services};
use keyfleet::demo::Demo;
use keyfleet::ops::rotation::Phase;
use keyfleet::providers::HttpPolicy;
use time::OffsetDateTime;
use time::macros::datetime;

/// "Now" for every snapshot.
const NOW: OffsetDateTime = datetime!(2026-11-30 09:00 UTC);

/// The window size of every snapshot (points = pixels: scale 1).
const WINDOW: egui::Vec2 = egui::vec2(1024.0, 700.0);

/// The largest per-pixel colour difference (kittest's weighted YIQ
/// distance) still counted as equal. The same software renderer draws the
/// same pixels, so this only absorbs rounding; no pixel may exceed it.
const THRESHOLD: f32 = 0.6;

/// The GitHub demo account (ids count up, so its details are repeatable).
const GITHUB_ACCOUNT: &str = "GitHub · keyfleet-sandbox";

/// The Gcore demo account.
const GCORE_ACCOUNT: &str = "Gcore · Default project";

/// The key on this computer that the rotation snapshots rotate to.
const NEW_KEY_FILE: &str = "id_ed25519_new";

#[test]
fn account_table_with_details_light() {
    account_table_with_details(Theme::Light);
}

#[test]
fn account_table_with_details_dark() {
    account_table_with_details(Theme::Dark);
}

#[test]
fn all_keys_with_chart_light() {
    all_keys_with_chart(Theme::Light);
}

#[test]
fn all_keys_with_chart_dark() {
    all_keys_with_chart(Theme::Dark);
}

#[test]
fn rotation_plan_and_pause_light() {
    rotation_plan_and_pause(Theme::Light);
}

#[test]
fn rotation_plan_and_pause_dark() {
    rotation_plan_and_pause(Theme::Dark);
}

#[test]
fn add_key_field_error_light() {
    add_key_field_error(Theme::Light);
}

#[test]
fn add_key_field_error_dark() {
    add_key_field_error(Theme::Dark);
}

/// Fixing the clock holds for the whole process: the same time again is
/// accepted (every test here fixes it), another one is refused.
#[test]
fn the_clock_stays_fixed() {
    fix_clock();
    assert_eq!(keyfleet::clock::now_utc(), NOW);
    let later = NOW + time::Duration::days(1);
    assert_eq!(keyfleet::clock::fix(later), Err(NOW));
    assert_eq!(keyfleet::clock::now_utc(), NOW);
}

// ---------------------------------------------------------------------------
// The views

/// The GitHub account's table, its "laptop" key (also on two other accounts
/// and this computer) shown in the details panel.
fn account_table_with_details(theme: Theme) {
    let mut shot = Shot::start("account-table-with-details", theme);
    let harness = &mut shot.harness;
    show_account(harness, GITHUB_ACCOUNT);
    common::select_key(harness, "laptop");
    wait_for_label_containing(harness, "(as \"laptop\")");
    shot.check("account-table-with-details");
}

/// "All keys" with every demo account and this computer grouped, and the
/// charts of keys by type and by age.
fn all_keys_with_chart(theme: Theme) {
    let mut shot = Shot::start("all-keys-with-chart", theme);
    shot.open_all_keys();
    click(&mut shot.harness, "📊 Chart");
    wait_for_label(&mut shot.harness, "Keys by age");
    shot.check("all-keys-with-chart");
}

/// The demo's "laptop" key (on Gcore, Sesterce, GitHub and GitLab) rotated to
/// another key on this computer: the plan, then the pause after the add.
fn rotation_plan_and_pause(theme: Theme) {
    let mut shot = Shot::start("rotation", theme);
    shot.open_all_keys();
    let harness = &mut shot.harness;
    // Seven demo accounts and this computer fill more rows than the
    // window shows: find the key first.
    common::set_text(harness, "Filter:", "laptop");
    click(harness, "laptop");
    click(harness, "Rotate…");
    wait_for_label_containing(harness, "Rotate \"laptop\"");
    // The only other key on this computer is the one written for this; the
    // name stays the default, dated by the fixed clock.
    click(harness, "Use a key on this computer");
    click(harness, "Use this key");
    wait_for_label(harness, "Add the new key");
    shot.check("rotation-plan");

    click(&mut shot.harness, "Add the new key");
    wait_until(&mut shot.harness, "the pause", |h| {
        h.state()
            .rotations()
            .iter()
            .any(|rotation| rotation.phase == Phase::Paused)
    });
    wait_for_label(&mut shot.harness, "Remove old key now");
    shot.check("rotation-pause");
}

/// The add-key dialog of the Gcore account with a public key that does not
/// parse.
fn add_key_field_error(theme: Theme) {
    let mut shot = Shot::start("add-key-field-error", theme);
    let harness = &mut shot.harness;
    show_account(harness, GCORE_ACCOUNT);
    click(harness, "➕ Add key");
    set_text(harness, "Name:", "new-laptop");
    harness
        .get_by_label_contains("Public key (one line")
        .set_text_value_accesskit("ssh-ed25519 AAAA-this-is-not-base64 me@laptop");
    harness.run_steps(3);
    shot.check("add-key-field-error");
}

// ---------------------------------------------------------------------------
// The harness

/// A demo app on a fixed clock, in a fixed window, with a fixed "this
/// computer" folder, rendered by wgpu.
struct Shot {
    harness: Harness<'static, App>,
    theme: Theme,
    // Kept until the end: the fake servers, and the folder's lock.
    _demo: Demo,
    // The demo's ssh-agent, stopped on drop.
    _agent: keyfleet::backend::DemoAgent,
    _home: FixedHome,
}

impl Shot {
    /// Starts the demo app in `theme` and waits until every account has
    /// answered. `name` names this test's "this computer" folder.
    fn start(name: &str, theme: Theme) -> Self {
        fix_clock();
        let home = FixedHome::take(&format!("{name}-{}", theme_name(theme)));
        let demo = Demo::start().expect("the demo's fake servers start");
        let agent = keyfleet::backend::DemoAgent::start(&demo);
        home.copy_keys_from(&demo.local_key_dir);
        home.write_new_key();
        let services = Services {
            secrets: demo.secrets.clone(),
            dialogs: Arc::new(ScriptedDialogs::default()),
            http_policy: HttpPolicy::default(),
            agent: agent.socket(),
        };
        let options = AppOptions {
            store: demo.store.clone(),
            services,
            demo: true,
            local_key_dirs: vec![home.ssh.clone()],
            remembered: Some(Remembered {
                theme: match theme {
                    Theme::Light => ThemePreference::Light,
                    Theme::Dark => ThemePreference::Dark,
                },
                ..Remembered::default()
            }),
        };
        let harness = Harness::builder()
            .with_size(WINDOW)
            .with_theme(theme)
            .renderer(renderer())
            .build_eframe(move |cc| App::new(&cc.egui_ctx, options));
        let mut shot = Self {
            harness,
            theme,
            _demo: demo,
            _agent: agent,
            _home: home,
        };
        shot.settle_status_line();
        shot
    }

    /// Waits for every account's first list, then refreshes the GitHub
    /// account alone: the status line names the last list that arrived,
    /// and the first lists arrive in any order.
    fn settle_status_line(&mut self) {
        let harness = &mut self.harness;
        wait_until(harness, "every demo account answered", |h| {
            let app = h.state();
            app.profiles().iter().all(|profile| {
                app.account(&profile.id)
                    .is_some_and(|account| account.loaded || account.error.is_some())
            })
        });
        show_account(harness, GITHUB_ACCOUNT);
        click(harness, "⟳ Refresh");
        wait_until(harness, "the GitHub account's refresh", |h| {
            h.state().in_flight() == 0
        });
    }

    /// Opens "All keys" and waits for its inventory.
    fn open_all_keys(&mut self) {
        click(&mut self.harness, "🔑 All keys");
        wait_until(&mut self.harness, "the inventory", |h| {
            h.state().fleet().table().snapshot().is_some()
        });
    }

    /// Takes the pointer off the window (no hover, no tooltip, no cursor),
    /// lets the frame settle, and compares it with `NAME-THEME.png`.
    fn check(&mut self, name: &str) {
        self.harness.event(egui::Event::PointerGone);
        self.harness.run_steps(4);
        let name = format!("{name}-{}", theme_name(self.theme));
        let harness = &mut self.harness;
        compare_with_snapshot(&name, |options| {
            harness.try_snapshot_options(name.as_str(), options)
        });
    }
}

/// Shows the account named `name` (a click on its name in the accounts
/// list, unless it is shown already).
fn show_account(harness: &mut Harness<'static, App>, name: &str) {
    let app = harness.state();
    let shown = app
        .profiles()
        .iter()
        .find(|profile| profile.name == name)
        .is_some_and(|profile| app.selected() == Some(profile.id.as_str()));
    if !shown {
        // The accounts list comes first; the shown account's heading
        // repeats the name.
        harness.query_all_by_label(name).next().unwrap().click();
        harness.run_steps(3);
    }
    wait_for_label(harness, name);
}

fn theme_name(theme: Theme) -> &'static str {
    match theme {
        Theme::Light => "light",
        Theme::Dark => "dark",
    }
}

fn fix_clock() {
    if let Err(fixed) = keyfleet::clock::fix(NOW) {
        panic!("the clock was already fixed at {fixed}, not {NOW}");
    }
}

/// A wgpu renderer, or a failure saying what is missing: a machine without
/// a GPU adapter must fail these tests, never skip them.
fn renderer() -> WgpuTestRenderer {
    std::panic::catch_unwind(WgpuTestRenderer::new).unwrap_or_else(|panic| {
        let reason = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        panic!(
            "The pixel snapshots need a wgpu adapter and found none. On Debian/Ubuntu install \
             lavapipe, a software Vulkan device: `apt-get install mesa-vulkan-drivers` \
             (`.ci/install-deps` does). wgpu said: {reason}"
        )
    })
}

// ---------------------------------------------------------------------------
// Comparing, with the diffs under target/

/// Compares the image `snapshot` renders with `tests/snapshots/NAME.png`
/// using kittest's comparison, run in `target/snapshot-diffs/` on a copy of the reference,
/// because kittest writes its `.new.png` and `.diff.png` beside the
/// reference: this way they land under `target/` (kept as CI artefacts),
/// never in the source tree. With `UPDATE_SNAPSHOTS` set, kittest replaces
/// the copy; the new image is then copied back to `tests/snapshots/`.
fn compare_with_snapshot(name: &str, snapshot: impl FnOnce(&SnapshotOptions) -> SnapshotResult) {
    let reference = snapshots_dir().join(format!("{name}.png"));
    let work_dir = diffs_dir();
    std::fs::create_dir_all(&work_dir).unwrap();
    let work_copy = work_dir.join(format!("{name}.png"));
    match std::fs::read(&reference) {
        Ok(bytes) => std::fs::write(&work_copy, bytes).unwrap(),
        Err(_) => {
            let _ = std::fs::remove_file(&work_copy);
        }
    }
    let options = SnapshotOptions::new()
        .output_path(&work_dir)
        .threshold(THRESHOLD)
        .max_failed_pixels(0);
    let result = snapshot(&options);
    let accepted = std::fs::read(&work_copy).ok();
    if accepted.is_some() && accepted != std::fs::read(&reference).ok() {
        // Only an update writes NAME.png: keep it as the new reference.
        std::fs::create_dir_all(snapshots_dir()).unwrap();
        std::fs::copy(&work_copy, &reference).unwrap();
        println!("updated {}", reference.display());
    }
    if let Err(err) = result {
        panic!(
            "snapshot {name} differs from {}: {err}\nThe new image and the difference are in {}.",
            reference.display(),
            work_dir.display()
        );
    }
}

fn snapshots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// `target/snapshot-diffs` (wherever the target folder is).
fn diffs_dir() -> PathBuf {
    let target_tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    target_tmp
        .parent()
        .unwrap_or(target_tmp)
        .join("snapshot-diffs")
}

// ---------------------------------------------------------------------------
// "This computer", at a path that is the same on every machine

/// `/tmp/keyfleet-snapshots/NAME/.ssh`, emptied and held under a lock for
/// one test: its paths show in "All keys" and the rotation wizard, so they
/// must not be random temporary folders.
struct FixedHome {
    ssh: PathBuf,
    // The lock is released when the file closes.
    _lock: File,
}

impl FixedHome {
    fn take(name: &str) -> Self {
        let root = Path::new("/tmp/keyfleet-snapshots");
        std::fs::create_dir_all(root).unwrap();
        let lock = File::create(root.join(format!("{name}.lock"))).unwrap();
        // Another run of this test (another checkout) waits for this one.
        lock.lock().unwrap();
        let home = root.join(name);
        if home.exists() {
            std::fs::remove_dir_all(&home).unwrap();
        }
        let ssh = home.join(".ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        Self { ssh, _lock: lock }
    }

    /// Copies the demo's key files (its own folder is a random temporary one).
    fn copy_keys_from(&self, folder: &Path) {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            let target = self.ssh.join(path.file_name().unwrap());
            std::fs::copy(&path, &target).unwrap();
        }
    }

    /// A second Ed25519 key on this computer, on no account: what the
    /// rotation snapshots rotate to. Seeded, so its fingerprint is fixed.
    fn write_new_key(&self) {
        let mut rng = keyfleet::clock::seeded_rng("snapshot new key");
        let mut key = ssh_key::PrivateKey::random(&mut rng, ssh_key::Algorithm::Ed25519).unwrap();
        key.set_comment("me@new-laptop");
        let private = key.to_openssh(ssh_key::LineEnding::LF).unwrap();
        let public = key.public_key().to_openssh().unwrap();
        let path = self.ssh.join(NEW_KEY_FILE);
        common::write_secret(&path, &private);
        std::fs::write(path.with_extension("pub"), format!("{public}\n")).unwrap();
    }
}
