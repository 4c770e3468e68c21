//! The command palette (Ctrl+K): "refresh all" finds and runs "Refresh all"
//! (every account lists again, a key added on a server meanwhile appears),
//! "Go to account …" shows that account, arrows move the highlight, Esc
//! closes, and nothing behind it reacts to the keyboard while it is open.

mod common;

use std::sync::Arc;

use common::*;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{self, Sandbox};
use keyfleet::store::{MemoryStore, ProfileStore, SecretStore};
use keyfleet::ui::command_palette::QUERY_LABEL;

/// Two accounts ("Prod" on one provider, "Code" on another), one key each.
fn two_accounts() -> (TestApp, [String; 2]) {
    let sandbox = Sandbox::start().unwrap();
    let kinds = [ProviderKind::Gcore, ProviderKind::Github];
    for kind in kinds {
        let key = public_key(ssh_key::Algorithm::Ed25519, "first@host");
        sandbox.seed_key(kind, "first", &key, "");
    }
    let profiles = [
        sandbox.profile(kinds[0], "Prod"),
        sandbox.profile(kinds[1], "Code"),
    ];
    let config_dir = tempfile::tempdir().unwrap();
    ProfileStore::new(config_dir.path())
        .save(&profiles)
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    for profile in &profiles {
        secrets
            .set(
                &profile.id,
                &SecretString::new(sandbox::token(profile.provider())),
            )
            .unwrap();
    }
    let mut test = start_app(sandbox, config_dir, secrets);
    let ids = [profiles[0].id.clone(), profiles[1].id.clone()];
    let wanted = ids.clone();
    wait_until(&mut test.harness, "both listed", move |h| {
        wanted.iter().all(|id| {
            h.state()
                .account(id)
                .is_some_and(|a| a.loaded && a.table.len() == 1)
        })
    });
    (test, ids)
}

fn open_palette(test: &mut TestApp) {
    test.harness.key_press_modifiers(Modifiers::COMMAND, Key::K);
    test.harness.run_steps(4);
    assert!(test.harness.state().modal_open(), "the palette is modal");
    assert!(test.harness.query_by_label(QUERY_LABEL).is_some());
}

fn press(test: &mut TestApp, key: Key) {
    test.harness.key_press(key);
    test.harness.run_steps(3);
}

#[test]
fn palette_runs_refresh_all() {
    let (mut test, ids) = two_accounts();
    // Keys added behind the window's back: only a refresh shows them.
    for kind in [ProviderKind::Gcore, ProviderKind::Github] {
        let key = public_key(ssh_key::Algorithm::Ed25519, "second@host");
        test.sandbox.seed_key(kind, "second", &key, "");
    }
    let requests = |test: &TestApp| {
        [ProviderKind::Gcore, ProviderKind::Github]
            .map(|kind| test.sandbox.faults(kind).request_count())
    };
    let before = requests(&test);

    open_palette(&mut test);
    set_text(&mut test.harness, QUERY_LABEL, "refresh all");
    // The palette's entry (the accounts panel has a "Refresh all" too).
    assert_eq!(
        test.harness
            .query_all_by_label_contains("Refresh all")
            .count(),
        2,
        "{}",
        screen_text(&test.harness)
    );
    press(&mut test, Key::Enter);
    assert!(!test.harness.state().modal_open(), "running closes it");
    wait_until(&mut test.harness, "both refreshed", move |h| {
        ids.iter()
            .all(|id| h.state().account(id).is_some_and(|a| a.table.len() == 2))
    });
    let after = requests(&test);
    assert!(
        after[0] > before[0] && after[1] > before[1],
        "every account asked its server again: {before:?} → {after:?}"
    );
}

#[test]
fn palette_goes_to_an_account_and_closes_on_escape() {
    let (mut test, ids) = two_accounts();
    assert_eq!(test.harness.state().selected(), Some(ids[0].as_str()));

    // Esc closes without running anything; arrows behind it moved nothing.
    open_palette(&mut test);
    press(&mut test, Key::ArrowDown);
    press(&mut test, Key::Escape);
    assert!(!test.harness.state().modal_open());
    assert_eq!(selected_key_name(&test.harness), None);

    // Typing, then ↓/↑ and Enter.
    open_palette(&mut test);
    set_text(&mut test.harness, QUERY_LABEL, "go to");
    // "Go to account Prod", "Go to account Code", then weaker matches:
    // down twice and up once is the second.
    press(&mut test, Key::ArrowDown);
    press(&mut test, Key::ArrowDown);
    press(&mut test, Key::ArrowUp);
    press(&mut test, Key::Enter);
    assert_eq!(test.harness.state().selected(), Some(ids[1].as_str()));

    // A click runs an entry too.
    open_palette(&mut test);
    set_text(&mut test.harness, QUERY_LABEL, "account prod");
    click(&mut test.harness, "Go to account Prod");
    assert_eq!(test.harness.state().selected(), Some(ids[0].as_str()));
    assert!(!test.harness.state().modal_open());

    // The selected key's actions are there too.
    test.harness.key_press(Key::ArrowDown);
    test.harness.run_steps(2);
    open_palette(&mut test);
    set_text(&mut test.harness, QUERY_LABEL, "delete first");
    press(&mut test, Key::Enter);
    assert!(
        test.harness.query_by_label("Delete \"first\"").is_some(),
        "the delete question: {}",
        screen_text(&test.harness)
    );
}
