//! What Keyfleet keeps on this computer, and where: new private keys go to
//! `~/.ssh` (made with mode 0700 when missing), never to the folder
//! Keyfleet was started from; one window per config folder; accounts this
//! version cannot read are kept; removing an account keeps its token until
//! the profiles file is saved; the settings that matter live in
//! `settings.json` (atomic), read by the window and the command line.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::app::{App, AppOptions, Remembered, STORAGE_KEY, Settings};
use keyfleet::backend::{ScriptedDialogs, Services};
use keyfleet::keys::SecretString;
use keyfleet::providers::{HttpPolicy, ProviderKind};
use keyfleet::sandbox::Sandbox;
use keyfleet::store::lock::WindowLock;
use keyfleet::store::settings::SettingsFile;
use keyfleet::store::{MemoryStore, Profile, ProfileStore, SecretStore};

/// Set in the child process a test starts with its own `HOME` and current
/// folder.
const CHILD: &str = "KEYFLEET_TEST_LOCAL_DISK_CHILD";

/// eframe's storage, in memory.
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

fn value_of(harness: &Harness<'static, App>, label: &str) -> String {
    harness
        .get_by_label(label)
        .accesskit_node()
        .value()
        .map(|value| value.to_string())
        .unwrap_or_default()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A Sesterce account on `sandbox` with its token, saved in `config`.
fn sesterce_account(sandbox: &Sandbox, config: &Path, secrets: &MemoryStore) -> Profile {
    let profile = sandbox.profile(ProviderKind::Sesterce, "GPU cloud");
    ProfileStore::new(config)
        .save(std::slice::from_ref(&profile))
        .unwrap();
    let token = keyfleet::sandbox::token(ProviderKind::Sesterce);
    secrets.set(&profile.id, &SecretString::new(token)).unwrap();
    profile
}

/// The app as `main.rs` starts it: key folders from the settings (else
/// `~/.ssh` from `HOME`), the layout from `remembered`.
fn start_like_main(
    sandbox: Sandbox,
    config_dir: tempfile::TempDir,
    secrets: Arc<dyn SecretStore>,
    remembered: Option<Remembered>,
) -> TestApp {
    let store = ProfileStore::new(config_dir.path());
    let dialogs = Arc::new(ScriptedDialogs::default());
    // A damaged settings file: main.rs prints the reason; the app says it too.
    let (local_key_dirs, _) = keyfleet::store::settings::local_key_dirs(store.dir());
    let options = AppOptions {
        store: store.clone(),
        services: Services {
            secrets: secrets.clone(),
            dialogs: dialogs.clone(),
            http_policy: HttpPolicy::default(),
            agent: Default::default(),
        },
        demo: false,
        local_key_dirs: local_key_dirs.clone(),
        remembered,
    };
    let harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(&cc.egui_ctx, options));
    TestApp {
        harness,
        sandbox,
        dialogs,
        secrets,
        store,
        config_dir,
        ssh_dir: local_key_dirs.first().cloned().unwrap_or_default(),
    }
}

/// Runs the test named `name` of this binary again in a child process
/// with `HOME` at `home` and the current folder at `cwd`, and checks that
/// it passed.
fn run_child(name: &str, home: &Path, cwd: &Path) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--test-threads=1"])
        .env(CHILD, "1")
        .env("HOME", home)
        .current_dir(cwd)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// On a computer without `~/.ssh`, started from an empty folder: the save
/// dialog shows the full path under `~/.ssh`, a relative path typed
/// instead is refused with the reason, and the key is saved under `~/.ssh`
/// (made with mode 0700) with mode 0600. The empty folder stays empty.
#[test]
fn a_new_key_goes_to_home_ssh_and_never_to_the_current_folder() {
    if std::env::var_os(CHILD).is_none() {
        let home = tempfile::tempdir().unwrap();
        let cwd = tempfile::tempdir().unwrap();
        run_child(
            "a_new_key_goes_to_home_ssh_and_never_to_the_current_folder",
            home.path(),
            cwd.path(),
        );
        assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
        let ssh = home.path().join(".ssh");
        assert_eq!(mode(&ssh), 0o700);
        assert_eq!(mode(&ssh.join("id_laptop-2026")), 0o600);
        assert!(ssh.join("id_laptop-2026.pub").is_file());
        return;
    }
    let home = PathBuf::from(std::env::var_os("HOME").unwrap());
    let ssh = home.join(".ssh");
    assert!(!ssh.exists());
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let profile = sesterce_account(&sandbox, config_dir.path(), &secrets);
    let mut test = start_like_main(sandbox, config_dir, secrets, None);
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "first list", |h| {
        h.state().account(&id).is_some_and(|a| a.loaded)
    });
    // Not made at start-up: only when a key is saved there.
    assert!(!ssh.exists());

    click(h, "🔑 Generate locally");
    set_text(h, "Name:", "laptop-2026");
    click(h, "Generate and upload");
    wait_for_label(h, "💾 Save private key…");
    let suggested = ssh.join("id_laptop-2026");
    assert_eq!(
        value_of(h, "Or save to path:"),
        suggested.display().to_string()
    );

    set_text(h, "Or save to path:", "id_laptop-2026");
    click(h, "Save to this path");
    wait_for_label_containing(h, "not a full path");
    assert!(!ssh.exists());

    set_text(h, "Or save to path:", &suggested.display().to_string());
    click(h, "Save to this path");
    wait_for_label(h, "Done");
    assert_eq!(mode(&suggested), 0o600);
    let current = std::env::current_dir().unwrap();
    assert_eq!(std::fs::read_dir(current).unwrap().count(), 0);
}

/// Writing profiles.json fails (a read-only config folder; and since the
/// tests may run as root, which ignores permissions, a folder squatting
/// on the file's name): the account stays, in the window and the keyring.
/// Once the folder is writable again, removing it deletes the token.
#[test]
fn removing_an_account_keeps_its_token_until_the_profiles_file_is_saved() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let profile = sesterce_account(&sandbox, config_dir.path(), &secrets);
    let mut test = start_app(sandbox, config_dir, secrets.clone());
    let config = test.config_dir.path().to_path_buf();
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "first list", |h| {
        h.state().account(&id).is_some_and(|a| a.loaded)
    });

    let file = config.join("profiles.json");
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o500)).unwrap();
    remove_account(h);
    wait_for_label_containing(h, "Accounts were not saved");
    // Anything sent to the backend (a token deletion) has finished.
    wait_until(h, "backend idle", |h| h.state().in_flight() == 0);
    assert_eq!(h.state().profiles(), std::slice::from_ref(&profile));
    assert!(secrets.get(&profile.id).unwrap().is_some(), "token kept");

    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::remove_dir(&file).unwrap();
    remove_account(h);
    let store = secrets.clone();
    let id = profile.id.clone();
    wait_until(h, "token deleted", move |_| {
        store.get(&id).unwrap().is_none()
    });
    assert!(h.state().profiles().is_empty());
    assert!(test.store.load().profiles.is_empty());
}

fn remove_account(h: &mut Harness<'static, App>) {
    h.get_all_by_label("GPU cloud")
        .next()
        .unwrap()
        .click_secondary();
    h.run_steps(4);
    click(h, "Remove account…");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Remove account")
        .click();
    h.run_steps(4);
}

/// Runs the real binary with `config` as its config folder, `home` as
/// `HOME` and no display (a window could not open).
fn keyfleet(config: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keyfleet"))
        .args(args)
        .env("KEYFLEET_CONFIG_DIR", config)
        .env("HOME", home)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// While a window holds the config folder, a second window says so and
/// exits with an error, before any window opens or any file changes;
/// commands still run.
#[test]
fn a_second_window_says_keyfleet_is_already_open() {
    let config = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut profile = Profile::new(ProviderKind::Gcore);
    profile.name = "Prod".into();
    ProfileStore::new(config.path())
        .save(std::slice::from_ref(&profile))
        .unwrap();
    let before = std::fs::read(config.path().join("profiles.json")).unwrap();
    let first_window = WindowLock::acquire(config.path()).unwrap();

    let second = keyfleet(config.path(), home.path(), &[]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Keyfleet is already open"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        std::fs::read(config.path().join("profiles.json")).unwrap(),
        before
    );
    let mut names: Vec<_> = std::fs::read_dir(config.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["profiles.json", "window.lock"]);

    // A command takes no window lock.
    let accounts = keyfleet(config.path(), home.path(), &["accounts", "--json"]);
    assert!(accounts.status.success(), "{accounts:?}");
    assert!(String::from_utf8_lossy(&accounts.stdout).contains("\"Prod\""));
    drop(first_window);
}

/// A profiles file with an account this version cannot read: a read-only
/// command lists the others, names the unreadable one, and neither renames
/// nor rewrites the file.
#[test]
fn a_command_lists_the_readable_accounts_and_leaves_the_file_alone() {
    let config = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = config.path().join("profiles.json");
    let text = r#"{"version": 1, "profiles": [
        {"id": "p1", "name": "Prod", "provider": "gcore", "base_url": "https://api.gcore.com",
         "project_id": 7, "region_ids": [76], "token_source": {"type": "keyring"}},
        {"id": "p2", "name": "From a newer Keyfleet", "provider": "azure",
         "base_url": "https://x", "token_source": {"type": "keyring"}}
    ]}"#;
    std::fs::write(&file, text).unwrap();
    let output = keyfleet(config.path(), home.path(), &["accounts", "--json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<_> = json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|account| account["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Prod"]);
    assert!(
        stderr.contains("not readable by this version")
            && stderr.contains("\"From a newer Keyfleet\""),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert_eq!(std::fs::read_dir(config.path()).unwrap().count(), 1);
}

/// `keyfleet inventory --local` scans the folders chosen in the window's
/// Settings (`settings.json`), not `~/.ssh`.
#[test]
fn inventory_local_scans_the_folders_chosen_in_settings() {
    let config = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let chosen = tempfile::tempdir().unwrap();
    let ssh = home.path().join(".ssh");
    std::fs::create_dir(&ssh).unwrap();
    let in_ssh = public_key(ssh_key::Algorithm::Ed25519, "in@ssh");
    let in_chosen = public_key(ssh_key::Algorithm::Ed25519, "in@chosen");
    std::fs::write(ssh.join("id_ssh.pub"), format!("{in_ssh}\n")).unwrap();
    std::fs::write(
        chosen.path().join("id_chosen.pub"),
        format!("{in_chosen}\n"),
    )
    .unwrap();
    let settings = Settings {
        local_key_dirs: Some(vec![chosen.path().to_path_buf()]),
        ..Settings::default()
    };
    SettingsFile::new(config.path()).save(&settings).unwrap();

    let output = keyfleet(
        config.path(),
        home.path(),
        &["inventory", "--local", "--json"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{output:?}");
    let fingerprint = |line: &str| {
        keyfleet::keys::public::parse_public_key(line)
            .unwrap()
            .fingerprint_sha256
    };
    assert!(stdout.contains(&fingerprint(&in_chosen)), "{stdout}");
    assert!(!stdout.contains(&fingerprint(&in_ssh)), "{stdout}");
}

/// eframe's layout is truncated by a crash (it does not parse): the theme,
/// zoom and key folders come back from `settings.json`, which the last
/// save wrote.
#[test]
fn settings_survive_a_truncated_layout() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let profile = sesterce_account(&sandbox, config_dir.path(), &secrets);
    let folders = vec![PathBuf::from("/srv/keys"), PathBuf::from("/home/me/.ssh")];
    let chosen = Remembered {
        theme: egui::ThemePreference::Light,
        zoom: 1.5,
        local_key_dirs: Some(folders.clone()),
        ..Remembered::default()
    };
    let mut test = start_like_main(sandbox, config_dir, secrets, Some(chosen));
    test.harness.run_steps(2);
    let mut storage = MemoryStorage::default();
    eframe::App::save(test.harness.state_mut(), &mut storage);
    let layout = storage.0.get(STORAGE_KEY).unwrap().clone();
    let TestApp {
        harness,
        sandbox,
        secrets,
        config_dir,
        ..
    } = test;
    drop(harness);

    // What a crash mid-write leaves.
    storage
        .0
        .insert(STORAGE_KEY.into(), layout[..layout.len() / 2].to_string());
    let remembered = Remembered::load(&storage);
    assert_eq!(remembered, None, "the truncated layout does not parse");
    let mut test = start_like_main(sandbox, config_dir, secrets, remembered);
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "first list", |h| {
        h.state().account(&id).is_some_and(|a| a.loaded)
    });
    assert_eq!(h.state().fleet().local_dirs(), folders.as_slice());
    let ctx = h.ctx.clone();
    assert_eq!(
        ctx.options(|options| options.theme_preference),
        egui::ThemePreference::Light
    );
    assert_eq!(ctx.zoom_factor(), 1.5);
}

/// `settings.json` itself truncated: it is moved aside with a notice, and
/// the values remembered with the layout apply.
#[test]
fn a_truncated_settings_file_is_moved_aside_and_the_layout_used() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    sesterce_account(&sandbox, config_dir.path(), &secrets);
    let settings = config_dir.path().join("settings.json");
    let truncated = br#"{"version": 1, "theme": "Dark", "local_key_dirs": ["/sr"#;
    std::fs::write(&settings, truncated).unwrap();
    let folders = vec![PathBuf::from("/from/the/layout")];
    let layout = Remembered {
        local_key_dirs: Some(folders.clone()),
        ..Remembered::default()
    };
    let mut test = start_like_main(sandbox, config_dir, secrets, Some(layout));
    let h = &mut test.harness;
    h.run_steps(2);
    assert_eq!(h.state().fleet().local_dirs(), folders.as_slice());
    let toast = h
        .state()
        .toasts()
        .items()
        .iter()
        .find(|toast| toast.text == "Problem with the settings file")
        .expect("a notice");
    assert!(
        toast.details.as_deref().unwrap().contains("moved to"),
        "{toast:?}"
    );
    assert!(!settings.exists());
    let backups: Vec<_> = std::fs::read_dir(test.config_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().contains("settings.json.bak-"))
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(std::fs::read(&backups[0]).unwrap(), truncated);
}
