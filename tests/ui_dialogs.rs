//! Dialogs and global shortcuts: Ctrl+R (refresh the account) and
//! Ctrl+Shift+R (refresh all) do nothing while any dialog is open, since
//! they would act behind it; once the dialog is closed they work again.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use egui_kittest::kittest::Queryable;
use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{self, Faults, Sandbox};
use keyfleet::store::{MemoryStore, ProfileStore, SecretStore};

/// HCP Terraform, whose keys can be renamed: one account with one key.
fn terraform_app() -> (TestApp, String) {
    let kind = ProviderKind::Terraform;
    let sandbox = Sandbox::start().unwrap();
    let public = public_key(ssh_key::Algorithm::Ed25519, "deploy");
    sandbox.seed_key(kind, "deploy", &public, &private_key_text());
    let config_dir = tempfile::tempdir().unwrap();
    let profile = sandbox.profile(kind, "Modules");
    ProfileStore::new(config_dir.path())
        .save(std::slice::from_ref(&profile))
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    secrets
        .set(&profile.id, &SecretString::new(sandbox::token(kind)))
        .unwrap();
    let mut test = start_app(sandbox, config_dir, secrets);
    let id = profile.id.clone();
    wait_until(&mut test.harness, "key listed", move |h| {
        h.state()
            .account(&id)
            .is_some_and(|a| a.loaded && a.table.len() == 1)
    });
    (test, profile.id)
}

/// Presses both refresh shortcuts and draws the frames that act on them.
fn press_refresh_shortcuts(test: &mut TestApp) {
    let h = &mut test.harness;
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::R);
    h.run_steps(2);
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::R,
    );
    h.run_steps(3);
}

/// Presses both refresh shortcuts; returns how many requests the app
/// started: a refresh starts its request in the frame that handles the key
/// (the app counts it in flight until answered), and one already answered
/// reached the fake. No waiting for "long enough".
fn requests_started_by_refresh_shortcuts(test: &mut TestApp, faults: &Faults) -> usize {
    let before = faults.request_count();
    press_refresh_shortcuts(test);
    test.harness.state().in_flight() + faults.request_count() - before
}

fn press_enter(test: &mut TestApp) {
    test.harness.key_press(egui::Key::Enter);
    test.harness.run_steps(2);
}

#[test]
fn refresh_shortcuts_do_nothing_while_a_dialog_is_open() {
    let (mut test, id) = terraform_app();
    let faults = test.sandbox.faults(ProviderKind::Terraform);

    // The rename dialog, from the row's context menu (the details panel
    // hidden, so the menu's entry is the only one).
    click(&mut test.harness, "Hide details");
    test.harness.get_by_label("deploy").click_secondary();
    test.harness.run_steps(3);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("deploy"));
    click(&mut test.harness, "Rename…");
    assert!(test.harness.query_by_label("New name:").is_some());
    assert_eq!(
        requests_started_by_refresh_shortcuts(&mut test, &faults),
        0,
        "a refresh ran behind the rename dialog"
    );
    click(&mut test.harness, "Cancel");
    assert!(test.harness.query_by_label("New name:").is_none());

    // The delete confirmation, from the details panel.
    let before = test.sandbox.snapshot();
    press_enter(&mut test);
    click(&mut test.harness, "Delete…");
    assert!(test.harness.query_by_label("Delete \"deploy\"").is_some());
    assert_eq!(
        requests_started_by_refresh_shortcuts(&mut test, &faults),
        0,
        "a refresh ran behind the confirmation"
    );
    click(&mut test.harness, "Cancel");
    assert!(test.harness.query_by_label("Delete \"deploy\"").is_none());
    assert_eq!(
        test.harness.state().account(&id).unwrap().table.len(),
        1,
        "cancelled: nothing was deleted"
    );
    common::bystanders::assert_unchanged(&before, &test.sandbox.snapshot());

    // With no dialog open the same keys refresh again: the check above can fail.
    let before = faults.request_count();
    assert!(
        requests_started_by_refresh_shortcuts(&mut test, &faults) >= 1,
        "Ctrl+R and Ctrl+Shift+R started no request without a dialog"
    );
    assert!(
        faults.wait_for_requests_blocking(before + 2, Duration::from_secs(30)),
        "Ctrl+R and Ctrl+Shift+R did not both send a list request: {:?}",
        faults.requests()
    );
    let id_done = id.clone();
    wait_until(&mut test.harness, "refresh answered", move |h| {
        h.state()
            .account(&id_done)
            .is_some_and(|a| !a.is_loading() && a.error.is_none())
    });
}
