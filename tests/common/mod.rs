//! Helpers shared by the tests: for the UI tests a harness around the real
//! `App`, wired to the sandbox fakes, an in-memory secret store and scripted
//! dialogs; for the client tests, [`client`].
#![allow(dead_code)]

pub mod bystanders;
pub mod cli;
pub mod client;
pub mod fixtures;
pub mod keys;

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use keyfleet::app::{App, AppOptions};
use keyfleet::backend::{ScriptedDialogs, Services};
use keyfleet::providers::HttpPolicy;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;
use keyfleet::store::{MemoryStore, Profile, ProfileStore, SecretStore};

/// A running app plus everything around it.
pub struct TestApp {
    /// The harness driving the real `App`.
    pub harness: Harness<'static, App>,
    /// The fake servers.
    pub sandbox: Sandbox,
    /// Answers for the file dialogs.
    pub dialogs: Arc<ScriptedDialogs>,
    /// Tokens.
    pub secrets: Arc<dyn SecretStore>,
    /// The profiles file.
    pub store: ProfileStore,
    /// Config dir (kept alive).
    pub config_dir: tempfile::TempDir,
    /// The app's stand-in for `~/.ssh` (inside the config dir, empty at
    /// start): "All keys" scans it.
    pub ssh_dir: std::path::PathBuf,
}

/// What eframe hands a starting app from its storage: the app's remembered
/// layout (`CreationContext::storage`) and egui's memory, which eframe
/// restores into the context before the app is built.
#[derive(Default)]
pub struct Stored {
    /// The app's own remembered layout and settings.
    pub remembered: Option<keyfleet::app::Remembered>,
    /// egui's memory (panel and column widths).
    pub memory: Option<egui::Memory>,
}

/// Starts the app against `sandbox` with the profiles already in `store`.
pub fn start_app(
    sandbox: Sandbox,
    config_dir: tempfile::TempDir,
    secrets: Arc<dyn SecretStore>,
) -> TestApp {
    start_app_from(sandbox, config_dir, secrets, Stored::default())
}

/// Like [`start_app`], from what an earlier run stored.
pub fn start_app_from(
    sandbox: Sandbox,
    config_dir: tempfile::TempDir,
    secrets: Arc<dyn SecretStore>,
    stored: Stored,
) -> TestApp {
    start_app_with_agent(sandbox, config_dir, secrets, stored, Default::default())
}

/// Like [`start_app_from`], with this ssh-agent (the others have none).
pub fn start_app_with_agent(
    sandbox: Sandbox,
    config_dir: tempfile::TempDir,
    secrets: Arc<dyn SecretStore>,
    stored: Stored,
    agent: keyfleet::inventory::agent::AgentSocket,
) -> TestApp {
    let store = ProfileStore::new(config_dir.path());
    let dialogs = Arc::new(ScriptedDialogs::default());
    let services = Services {
        secrets: secrets.clone(),
        dialogs: dialogs.clone(),
        http_policy: HttpPolicy {
            base_backoff: Duration::from_millis(10),
            ..HttpPolicy::default()
        },
        agent,
    };
    let app_store = store.clone();
    let ssh_dir = config_dir.path().join("ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    let local_key_dirs = vec![ssh_dir.clone()];
    let harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| {
            if let Some(memory) = stored.memory {
                cc.egui_ctx.memory_mut(|current| *current = memory);
            }
            App::new(
                &cc.egui_ctx,
                AppOptions {
                    store: app_store,
                    services,
                    demo: false,
                    local_key_dirs,
                    remembered: stored.remembered,
                },
            )
        });
    TestApp {
        harness,
        sandbox,
        dialogs,
        secrets,
        store,
        config_dir,
        ssh_dir,
    }
}

/// Starts the app with one account, `profile` (on `sandbox`), its token in
/// the in-memory store, and waits until its first list has arrived, with
/// what uses its keys where that comes after them (HCP Terraform).
pub fn start_with_profile(sandbox: Sandbox, profile: &Profile) -> TestApp {
    let config_dir = tempfile::tempdir().unwrap();
    ProfileStore::new(config_dir.path())
        .save(std::slice::from_ref(profile))
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let token = keyfleet::sandbox::token(profile.provider());
    secrets
        .set(&profile.id, &keyfleet::keys::SecretString::new(token))
        .unwrap();
    let mut test = start_app(sandbox, config_dir, secrets);
    let id = profile.id.clone();
    wait_until(&mut test.harness, "first list", move |h| {
        h.state()
            .account(&id)
            .is_some_and(|account| account.loaded && !account.usage_pending())
    });
    test
}

/// Starts the app with the sandbox account of `kind` (project 1,
/// organization acme-infra) named `name`; see [`start_with_profile`].
pub fn start_with_account(sandbox: Sandbox, kind: ProviderKind, name: &str) -> (TestApp, Profile) {
    let profile = sandbox.profile(kind, name);
    (start_with_profile(sandbox, &profile), profile)
}

/// A fresh unencrypted Ed25519 private key in OpenSSH form (what HCP
/// Terraform stores).
pub fn private_key_text() -> String {
    use keyfleet::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};
    generate(&GenerateRequest {
        algorithm: KeyAlgorithm::Ed25519,
        comment: "deploy@ci".into(),
        passphrase: None,
        encoding: PrivateKeyEncoding::OpenSsh,
    })
    .unwrap()
    .private_key
    .expose()
    .to_string()
}

/// Writes a private key file as `ssh-keygen` would: a new file, mode 0600.
pub fn write_secret(path: &std::path::Path, text: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// Steps frames until `done` holds (the backend answers asynchronously).
pub fn wait_until(
    harness: &mut Harness<'static, App>,
    what: &str,
    done: impl Fn(&Harness<'static, App>) -> bool,
) {
    let start = Instant::now();
    loop {
        harness.step();
        if done(harness) {
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            panic!(
                "timed out waiting for: {what}\nscreen:\n{}",
                screen_text(harness)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // A few more frames so the UI reflects the new state.
    harness.run_steps(3);
}

/// Waits until a widget with this exact label exists.
pub fn wait_for_label(harness: &mut Harness<'static, App>, label: &str) {
    let wanted = label.to_string();
    wait_until(harness, label, move |h| {
        h.query_all_by_label(&wanted).next().is_some()
    });
}

/// Waits until a widget whose label contains `part` exists.
pub fn wait_for_label_containing(harness: &mut Harness<'static, App>, part: &str) {
    let wanted = part.to_string();
    wait_until(harness, part, move |h| {
        h.query_all_by_label_contains(&wanted).next().is_some()
    });
}

/// Sets a text field (found by its label) to `value`.
pub fn set_text(harness: &mut Harness<'static, App>, label: &str, value: &str) {
    harness.get_by_label(label).set_text_value_accesskit(value);
    harness.run_steps(2);
}

/// Clicks the widget with this label.
pub fn click(harness: &mut Harness<'static, App>, label: &str) {
    harness.get_by_label(label).click();
    // New windows (modals) are invisible in their first (sizing) frame.
    harness.run_steps(4);
}

/// Clicks, then returns every text copied to the clipboard in the next frames.
pub fn click_and_collect_copies(harness: &mut Harness<'static, App>, label: &str) -> Vec<String> {
    harness.get_by_label(label).click();
    let mut copied = Vec::new();
    for _ in 0..4 {
        harness.step();
        for command in &harness.output().platform_output.commands {
            if let egui::OutputCommand::CopyText(text) = command {
                copied.push(text.clone());
            }
        }
    }
    copied
}

/// A fresh public key line of the given algorithm.
pub fn public_key(algorithm: ssh_key::Algorithm, comment: &str) -> String {
    let mut key = ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, algorithm).unwrap();
    key.set_comment(comment);
    key.public_key().to_openssh().unwrap()
}

/// Runs `ssh-keygen -y -f path` and returns the public key line it prints.
pub fn ssh_keygen_public(path: &std::path::Path, passphrase: &str) -> String {
    let output = std::process::Command::new("ssh-keygen")
        .args(["-y", "-P", passphrase, "-f"])
        .arg(path)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("ssh-keygen must be installed (apt-get install openssh-client)");
    assert!(
        output.status.success(),
        "ssh-keygen -y failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// The key data part ("algorithm base64") of a public key line.
pub fn key_data(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every label and value on screen, one per line (for failure messages).
pub fn screen_text(harness: &Harness<'static, App>) -> String {
    use egui_kittest::kittest::NodeT;
    let root = harness.root();
    std::iter::once(root)
        .chain(root.children_recursive())
        .filter_map(|node| {
            let accesskit = node.accesskit_node();
            accesskit
                .label()
                .or_else(|| accesskit.value())
                .map(|text| text.to_string())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The selected key's name in the shown account.
pub fn selected_key_name(harness: &Harness<'static, App>) -> Option<String> {
    let app = harness.state();
    let table = &app.account(app.selected()?)?.table;
    table.selected_key().map(|key| key.name.to_string())
}

/// Selects the key named `name` by clicking its row (its name cell), as a
/// user does; the details panel then shows it and its actions.
pub fn select_key(harness: &mut Harness<'static, App>, name: &str) {
    // Once selected, the details panel shows the name too: any will do.
    harness
        .query_all_by_label(name)
        .next()
        .unwrap_or_else(|| panic!("no row {name:?}\nscreen:\n{}", screen_text(harness)))
        .click();
    harness.run_steps(3);
    assert_eq!(selected_key_name(harness).as_deref(), Some(name));
}

/// Presses `key` with `modifiers` and returns every text copied to the
/// clipboard meanwhile. (`Harness::step` runs a frame per queued event and
/// keeps only the last frame's output, so the key-down must come last.)
pub fn press_and_collect_copies(
    harness: &mut Harness<'static, App>,
    modifiers: egui::Modifiers,
    key: egui::Key,
) -> Vec<String> {
    let mut copied = Vec::new();
    let mut collect = |harness: &Harness<'static, App>| {
        for command in &harness.output().platform_output.commands {
            if let egui::OutputCommand::CopyText(text) = command {
                copied.push(text.clone());
            }
        }
    };
    let key_event = |pressed| egui::Event::Key {
        key,
        physical_key: None,
        pressed,
        repeat: false,
        modifiers,
    };
    harness.event(egui::Event::ModifiersChanged(modifiers));
    harness.event(key_event(true));
    harness.step();
    collect(harness);
    harness.event(key_event(false));
    harness.event(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
    harness.step();
    collect(harness);
    for _ in 0..2 {
        harness.step();
        collect(harness);
    }
    copied
}
