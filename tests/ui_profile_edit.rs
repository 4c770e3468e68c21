//! Editing and removing accounts through the real app (issue 10, parts 3
//! and 7): a changed host gets no request with the stored token until the
//! user confirms that exact host or types a new token, and a token the
//! account no longer uses leaves the keyring.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::app::App;
use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::providers::spec::FieldKey;
use keyfleet::sandbox::{GCORE_TOKEN, SESTERCE_TOKEN, Sandbox};
use keyfleet::store::{MemoryStore, Profile, ProfileStore, SecretStore, TokenSource};

/// A stranger's server on 127.0.0.1: records every connection and request
/// head it receives, and answers 401.
struct Recorder {
    url: String,
    connections: Arc<Mutex<usize>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(Mutex::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (connections.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                // The test's own marker (see `settle`) is answered, not counted.
                if !head.starts_with(MARKER_REQUEST.as_bytes()) {
                    *count.lock().unwrap() += 1;
                    seen.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&head).into_owned());
                }
                let body = br#"{"message":"who are you?"}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(body);
            }
        });
        Self {
            url,
            connections,
            requests,
        }
    }

    fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// The request head `settle` sends the recorder as a marker.
const MARKER_REQUEST: &str = "GET /keyfleet-test-marker HTTP/1.1\r\n";

/// Waits until the app has no request in flight, then until the stranger
/// has answered a marker request of the test's own: it handles connections
/// one at a time, in order, so whatever the app sent it is counted by then.
/// Events only; 30 s bounds a hang.
fn settle(harness: &mut Harness<'static, App>, stranger: &Recorder) {
    wait_until(harness, "no request in flight", |h| {
        h.state().in_flight() == 0
    });
    let address = stranger.url.trim_start_matches("http://");
    let mut marker = std::net::TcpStream::connect(address).unwrap();
    marker
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    marker
        .write_all(format!("{MARKER_REQUEST}\r\n").as_bytes())
        .unwrap();
    let mut answer = Vec::new();
    let _ = marker.read_to_end(&mut answer);
    assert!(
        answer.starts_with(b"HTTP/1.1 401"),
        "the stranger never answered the marker"
    );
}

/// A saved Gcore account on `url` (project 1) with its token in `secrets`.
fn gcore_account(config: &std::path::Path, url: &str, secrets: &MemoryStore) -> Profile {
    let mut profile = Profile::new(ProviderKind::Gcore);
    profile.name = "Edited account".into();
    profile.base_url = url.into();
    profile.settings = profile.settings.with_text(FieldKey::Project, "1");
    ProfileStore::new(config).save(&[profile.clone()]).unwrap();
    secrets
        .set(&profile.id, &SecretString::new(GCORE_TOKEN))
        .unwrap();
    profile
}

/// Opens the account's context menu and picks `item`.
fn account_menu(harness: &mut Harness<'static, App>, account: &str, item: &str) {
    harness
        .get_all_by_label(account)
        .next()
        .unwrap()
        .click_secondary();
    harness.run_steps(4);
    click(harness, item);
}

fn is_checked(harness: &Harness<'static, App>, label: &str) -> bool {
    harness.get_by_label(label).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
}

const TOKEN_FIELD: &str = "API token (empty keeps the stored one):";

#[test]
fn a_changed_host_gets_no_stored_token_until_a_new_token_is_typed() {
    let sandbox = Sandbox::start().unwrap();
    let stranger = Recorder::start();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let profile = gcore_account(config_dir.path(), &sandbox.gcore_url, &secrets);
    let mut test = start_app(sandbox, config_dir, secrets);
    let old_url = test.sandbox.gcore_url.clone();
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "initial list", |h| {
        h.state().account(&id).is_some_and(|a| a.loaded)
    });

    account_menu(h, "Edited account", "Edit account…");
    // A typo of the official host: a visible warning, and the host question.
    set_text(h, "API base URL:", "https://api.gcore.co");
    wait_for_label_containing(h, "is not the official Gcore Cloud API address");
    assert!(
        h.query_by_label("Send my stored token to https://api.gcore.co")
            .is_some()
    );

    // A stranger's host: every way of sending is held back.
    set_text(h, "API base URL:", &stranger.url);
    let confirm = format!("Send my stored token to {}", stranger.url);
    wait_for_label(h, &confirm);
    assert!(!is_checked(h, &confirm));
    assert!(
        h.query_all_by_label_contains("is not the official")
            .next()
            .is_none(),
        "loopback does not warn (the sandbox and --demo use it)"
    );
    click(h, "Test connection");
    wait_for_label_containing(h, "until then nothing is sent");
    // The long message wraps inside the dialog: the dialog stays on screen
    // (it once grew past the window's left edge).
    h.run_steps(4);
    let window = h.ctx.content_rect();
    let message = h.get_by_label_contains("until then nothing is sent").rect();
    assert!(
        message.width() <= 600.0,
        "the message is one {} px line instead of wrapping in the dialog",
        message.width()
    );
    for label in ["Test connection", "Display name:"] {
        let rect = h.get_by_label(label).rect();
        assert!(
            window.contains_rect(rect),
            "{label} at {rect:?} is outside the window {window:?}"
        );
    }
    click(h, "Load projects");
    click(h, "Load regions");
    click(h, "Save");
    settle(h, &stranger);
    assert_eq!(
        stranger.connections(),
        0,
        "the new host received: {:?}",
        stranger.requests()
    );
    assert!(
        h.query_by_label("Edit account").is_some(),
        "Save was refused"
    );
    assert_eq!(h.state().profiles()[0].base_url, old_url);
    assert_eq!(test.store.load().profiles[0].base_url, old_url);

    // A newly typed token may go there; the stored one still never does.
    set_text(h, TOKEN_FIELD, "9999$typed-new-token");
    // The host question disappears: let the centred dialog settle before clicking.
    h.run_steps(6);
    assert!(
        h.query_by_label(&confirm).is_none(),
        "no question for a new token"
    );
    click(h, "Test connection");
    wait_until(h, "the stranger's 401", |_| stranger.connections() > 0);
    settle(h, &stranger);
    let requests = stranger.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert!(request.contains("9999$typed-new-token"), "{request}");
        assert!(!request.contains(GCORE_TOKEN), "{request}");
    }
}

#[test]
fn confirming_the_exact_new_host_sends_the_stored_token_there() {
    let old = Sandbox::start().unwrap();
    let new = Sandbox::start().unwrap();
    new.gcore.add_key(
        1,
        "only-on-new",
        &public_key(ssh_key::Algorithm::Ed25519, "a@b"),
        true,
    );
    let stranger = Recorder::start();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let profile = gcore_account(config_dir.path(), &old.gcore_url, &secrets);
    let mut test = start_app(old, config_dir, secrets.clone());
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "initial list", |h| {
        h.state().account(&id).is_some_and(|a| a.loaded)
    });

    account_menu(h, "Edited account", "Edit account…");
    set_text(h, "API base URL:", &new.gcore_url);
    click(h, "Test connection");
    wait_for_label_containing(h, "until then nothing is sent");
    assert!(h.query_all_by_label_contains("✔").next().is_none());

    let confirm_new = format!("Send my stored token to {}", new.gcore_url);
    click(h, &confirm_new);
    assert!(is_checked(h, &confirm_new));
    click(h, "Test connection");
    wait_for_label_containing(h, "✔");

    // The confirmation is for that exact host only.
    set_text(h, "API base URL:", &stranger.url);
    let confirm_stranger = format!("Send my stored token to {}", stranger.url);
    wait_for_label(h, &confirm_stranger);
    assert!(!is_checked(h, &confirm_stranger));
    click(h, "Test connection");
    wait_for_label_containing(h, "until then nothing is sent");
    settle(h, &stranger);
    assert_eq!(stranger.connections(), 0, "{:?}", stranger.requests());

    // Back to the confirmed host: still confirmed; Save moves the account.
    set_text(h, "API base URL:", &new.gcore_url);
    assert!(is_checked(h, &confirm_new));
    click(h, "Save");
    let id = profile.id.clone();
    wait_until(h, "account listed from the new host", |h| {
        h.state()
            .account(&id)
            .is_some_and(|a| a.loaded && a.table.rows().iter().any(|k| k.name == "only-on-new"))
    });
    assert_eq!(test.store.load().profiles[0].base_url, new.gcore_url);
    assert_eq!(
        secrets.get(&profile.id).unwrap().unwrap().expose(),
        GCORE_TOKEN
    );
}

/// A saved Sesterce account with its token in the keyring (memory store).
fn sesterce_account(config: &std::path::Path, url: &str, secrets: &MemoryStore) -> Profile {
    let mut profile = Profile::new(ProviderKind::Sesterce);
    profile.name = "GPU account".into();
    profile.base_url = url.into();
    ProfileStore::new(config).save(&[profile.clone()]).unwrap();
    secrets
        .set(&profile.id, &SecretString::new(SESTERCE_TOKEN))
        .unwrap();
    profile
}

#[test]
fn removing_an_account_deletes_its_keyring_entry() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let profile = sesterce_account(config_dir.path(), &sandbox.sesterce_url, &secrets);
    let mut test = start_app(sandbox, config_dir, secrets.clone());
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "initial list", |h| {
        h.state().account(&id).is_some_and(|a| a.loaded)
    });

    account_menu(h, "GPU account", "Remove account…");
    h.get_by_role_and_label(Role::Button, "Remove account")
        .click();
    h.run_steps(4);
    let store = secrets.clone();
    let id = profile.id.clone();
    wait_until(h, "keyring entry deleted", move |_| {
        store.get(&id).unwrap().is_none()
    });
    assert!(h.state().profiles().is_empty());
    assert!(test.store.load().profiles.is_empty());
}

#[test]
fn switching_to_an_environment_variable_deletes_the_keyring_entry() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let profile = sesterce_account(config_dir.path(), &sandbox.sesterce_url, &secrets);
    let mut test = start_app(sandbox, config_dir, secrets.clone());
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "initial list", |h| {
        h.state().account(&id).is_some_and(|a| a.loaded)
    });

    account_menu(h, "GPU account", "Edit account…");
    click(h, "Read token from environment variable");
    set_text(h, "Variable name:", "KEYFLEET_UI_PROFILE_EDIT_SURELY_UNSET");
    click(h, "Save");
    let store = secrets.clone();
    let id = profile.id.clone();
    wait_until(h, "keyring entry deleted", move |_| {
        store.get(&id).unwrap().is_none()
    });
    assert_eq!(
        test.store.load().profiles[0].token_source,
        TokenSource::EnvVar("KEYFLEET_UI_PROFILE_EDIT_SURELY_UNSET".into())
    );
}
