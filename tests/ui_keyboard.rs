//! The keys table from the keyboard: arrows, PgUp/PgDn and Home/End select
//! rows (the details panel shows the selected key whole), Ctrl+C copies its
//! public key, Delete asks and then deletes exactly that key on the server;
//! Ctrl+F and Esc work the filter, and typing in it moves nothing. The
//! details panel also lists the other accounts holding the same key.

mod common;

use std::sync::Arc;

use common::bystanders::assert_only_gone;
use common::*;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{self, Sandbox};
use keyfleet::store::{MemoryStore, ProfileStore, SecretStore};
use keyfleet::ui::details_panel::PANEL_LABEL;

const KIND: ProviderKind = ProviderKind::Gcore;

/// An account with five keys, key-00 … key-04 (in that order); returns
/// their public keys.
fn five_keys() -> (TestApp, Vec<String>) {
    let sandbox = Sandbox::start().unwrap();
    let keys: Vec<String> = (0..5)
        .map(|i| public_key(ssh_key::Algorithm::Ed25519, &format!("user{i}@host")))
        .collect();
    for (i, key) in keys.iter().enumerate() {
        sandbox.seed_key(KIND, &format!("key-{i:02}"), key, "");
    }
    let (test, _) = start_with_account(sandbox, KIND, "Prod");
    (test, keys)
}

fn press(test: &mut TestApp, key: Key) {
    test.harness.key_press(key);
    test.harness.run_steps(2);
}

/// The selected key's full SHA256 fingerprint, as the table has it.
fn selected_sha256(test: &TestApp) -> String {
    let app = test.harness.state();
    let table = &app.account(app.selected().unwrap()).unwrap().table;
    table
        .selected_key()
        .and_then(|key| key.fingerprint_sha256.clone())
        .expect("a selected key with a fingerprint")
}

#[test]
fn keyboard_selects_copies_and_deletes_with_confirmation() {
    let (mut test, public_keys) = five_keys();
    assert_eq!(selected_key_name(&test.harness), None);
    assert!(
        test.harness
            .get_by_label(PANEL_LABEL)
            .query_by_label_contains("Select a key")
            .is_some(),
        "the panel says how to select"
    );

    // ↓ from nothing selects the first row; the panel shows it whole.
    press(&mut test, Key::ArrowDown);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-00"));
    press(&mut test, Key::ArrowDown);
    press(&mut test, Key::ArrowDown);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-02"));
    let sha256 = selected_sha256(&test);
    assert!(
        sha256.starts_with("SHA256:") && sha256.len() > 40,
        "{sha256}"
    );
    {
        let panel = test.harness.get_by_label(PANEL_LABEL);
        assert!(
            panel.query_by_label(&sha256).is_some(),
            "the panel shows the full fingerprint"
        );
        assert!(panel.query_by_label(&public_keys[2]).is_some());
        assert!(panel.query_by_label("Delete…").is_some());
    }

    press(&mut test, Key::End);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-04"));
    press(&mut test, Key::Home);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-00"));
    press(&mut test, Key::PageDown);
    assert_eq!(
        selected_key_name(&test.harness).as_deref(),
        Some("key-04"),
        "a page is more than five rows"
    );
    press(&mut test, Key::PageUp);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-00"));
    press(&mut test, Key::ArrowDown);
    press(&mut test, Key::ArrowDown);
    press(&mut test, Key::ArrowUp);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-01"));

    // Ctrl+C copies the selected public key.
    let copies = press_and_collect_copies(&mut test.harness, Modifiers::COMMAND, Key::C);
    assert_eq!(copies, [public_keys[1].clone()]);

    // Enter shows a hidden details panel again.
    click(&mut test.harness, "Hide details");
    assert!(!test.harness.state().details_open());
    assert!(test.harness.query_by_label(PANEL_LABEL).is_none());
    press(&mut test, Key::Enter);
    assert!(test.harness.state().details_open());
    assert!(test.harness.query_by_label(PANEL_LABEL).is_some());

    // Delete asks; cancelled, nothing is deleted.
    press(&mut test, Key::Delete);
    test.harness.run_steps(2);
    assert!(test.harness.query_by_label("Delete \"key-01\"").is_some());
    // Shortcuts do nothing behind the question.
    press(&mut test, Key::ArrowDown);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-01"));
    click(&mut test.harness, "Cancel");
    assert_eq!(test.sandbox.key_names(KIND).len(), 5);

    // Confirmed, exactly that key goes. Bystander: the same name and key
    // text in project 2 (another account).
    let doomed = test
        .sandbox
        .gcore
        .key_details(1)
        .into_iter()
        .find(|k| k.name == "key-01");
    let doomed = doomed.unwrap();
    test.sandbox
        .gcore
        .add_key(2, "key-01", &doomed.public_key, true);
    let before = test.sandbox.gcore.snapshot();
    press(&mut test, Key::Delete);
    test.harness.run_steps(2);
    click(&mut test.harness, "Delete \"key-01\"");
    let sandbox_names = |test: &TestApp| test.sandbox.key_names(KIND);
    wait_until(&mut test.harness, "key-01 deleted", |h| {
        let app = h.state();
        app.account(app.selected().unwrap()).unwrap().table.len() == 4
    });
    assert_eq!(
        sandbox_names(&test),
        ["key-00", "key-02", "key-03", "key-04"]
    );
    assert_only_gone(&before, &test.sandbox.gcore.snapshot(), &[&doomed.id]);
    assert_eq!(
        selected_key_name(&test.harness).as_deref(),
        Some("key-02"),
        "the next key takes the deleted one's place"
    );
}

#[test]
fn filter_shortcuts_and_typing_moves_nothing() {
    let (mut test, _) = five_keys();
    press(&mut test, Key::ArrowDown);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-00"));

    // Ctrl+F puts the cursor in the filter.
    test.harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    test.harness.run_steps(2);
    assert!(test.harness.get_by_label("Filter:").is_focused());
    set_text(&mut test.harness, "Filter:", "key-0");
    // Keys typed into the box move nothing and delete nothing.
    press(&mut test, Key::ArrowDown);
    press(&mut test, Key::Delete);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-00"));
    assert!(test.harness.query_by_label("Delete \"key-00\"").is_none());

    // Esc clears the filter.
    press(&mut test, Key::Escape);
    let app = test.harness.state();
    assert_eq!(
        app.account(app.selected().unwrap()).unwrap().table.filter(),
        ""
    );

    // A filtered-out key stays selected (the panel still shows it) but the
    // arrows move among the shown rows.
    set_text(&mut test.harness, "Filter:", "key-03");
    // A click outside the box ends typing.
    click(&mut test.harness, "1 of 5 keys");
    press(&mut test, Key::ArrowDown);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("key-03"));
}

#[test]
fn the_details_panel_names_the_other_accounts_holding_the_key() {
    let sandbox = Sandbox::start().unwrap();
    let shared = public_key(ssh_key::Algorithm::Ed25519, "laptop");
    let other = public_key(ssh_key::Algorithm::Ed25519, "ci");
    sandbox.seed_key(ProviderKind::Gcore, "laptop", &shared, "");
    sandbox.seed_key(ProviderKind::Gcore, "ci", &other, "");
    sandbox.seed_key(ProviderKind::Github, "my laptop", &shared, "");
    let first = sandbox.profile(ProviderKind::Gcore, "Prod");
    let second = sandbox.profile(ProviderKind::Github, "Code");
    let config_dir = tempfile::tempdir().unwrap();
    ProfileStore::new(config_dir.path())
        .save(&[first.clone(), second.clone()])
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    for profile in [&first, &second] {
        secrets
            .set(
                &profile.id,
                &SecretString::new(sandbox::token(profile.provider())),
            )
            .unwrap();
    }
    let mut test = start_app(sandbox, config_dir, secrets);
    let ids = [first.id.clone(), second.id.clone()];
    wait_until(&mut test.harness, "both listed", move |h| {
        ids.iter()
            .all(|id| h.state().account(id).is_some_and(|a| a.loaded))
    });

    select_key(&mut test.harness, "laptop");
    let panel = test.harness.get_by_label(PANEL_LABEL);
    assert!(
        panel.query_by_label("Code (as \"my laptop\")").is_some(),
        "{}",
        screen_text(&test.harness)
    );
    select_key(&mut test.harness, "ci");
    let panel = test.harness.get_by_label(PANEL_LABEL);
    assert!(
        panel
            .query_by_label("No other account holds this key.")
            .is_some()
    );
}
