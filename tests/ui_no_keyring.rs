//! The profile dialog on a machine without a keyring (no Secret Service):
//! saving with "Store token in OS keyring" shows a plain message naming the
//! environment-variable option, keeps the dialog open with everything typed,
//! and never falls back to storing the token anywhere else; switching to
//! "Read token from environment variable" then works.
//!
//! One test in its own binary: it sets an environment variable, which is
//! only safe while no other test thread reads the environment.

mod common;

use std::sync::Arc;

use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::app::App;
use keyfleet::sandbox::{GCORE_TOKEN, Sandbox};
use keyfleet::store::TokenSource;
use keyfleet::store::secrets::UnavailableStore;

/// Unique to this test so no real variable is touched.
const TOKEN_VARIABLE: &str = "KEYFLEET_UI_NO_KEYRING_TEST_TOKEN";

fn value_of(harness: &Harness<'static, App>, label: &str) -> String {
    harness
        .get_by_label(label)
        .accesskit_node()
        .value()
        .map(|value| value.to_string())
        .unwrap_or_default()
}

#[test]
fn no_keyring_says_so_keeps_the_dialog_and_the_env_var_option_works() {
    // SAFETY: this binary has a single test and nothing else has started
    // yet, so no other thread can read the environment concurrently.
    unsafe { std::env::set_var(TOKEN_VARIABLE, GCORE_TOKEN) };

    let sandbox = Sandbox::start().unwrap();
    sandbox.gcore.add_key(
        1,
        "env-visible",
        &public_key(ssh_key::Algorithm::Ed25519, "a@b"),
        true,
    );
    let config_dir = tempfile::tempdir().unwrap();
    let mut test = start_app(sandbox, config_dir, Arc::new(UnavailableStore));
    let (sandbox, store) = (&test.sandbox, test.store.clone());
    let h = &mut test.harness;
    h.run_steps(2);

    click(h, "➕ Add your first account");
    set_text(h, "Display name:", "No keyring here");
    set_text(h, "API base URL:", &sandbox.gcore_url);
    set_text(h, "API token:", GCORE_TOKEN);
    set_text(h, "Project ID:", "1");
    click(h, "Save");
    wait_for_label_containing(h, "No keyring is available");
    let screen = screen_text(h);
    let message = screen
        .lines()
        .find(|line| line.contains("No keyring is available"))
        .unwrap()
        .to_string();
    assert!(
        message.contains("Read token from environment variable"),
        "the message names the way out: {message}"
    );
    assert!(!message.contains(GCORE_TOKEN));
    // Still open, with everything typed.
    assert!(h.query_by_label("Add account").is_some(), "{screen}");
    assert_eq!(value_of(h, "Display name:"), "No keyring here");
    assert_eq!(value_of(h, "API base URL:"), sandbox.gcore_url);
    assert_eq!(value_of(h, "Project ID:"), "1");
    // The token is still typed in (masked: one mask character per character).
    let masked = value_of(h, "API token:");
    assert_eq!(masked.chars().count(), GCORE_TOKEN.chars().count());
    assert!(!masked.contains(GCORE_TOKEN));
    assert!(h.state().profiles().is_empty(), "nothing was saved");
    assert!(
        !store.path().exists(),
        "no profiles file (and so no plain-text token) was written"
    );
    // Saving again is possible (the button is enabled again).
    assert!(!h.get_by_label("Save").accesskit_node().is_disabled());

    // The environment-variable option works.
    click(h, "Read token from environment variable");
    set_text(h, "Variable name:", TOKEN_VARIABLE);
    click(h, "Save");
    wait_until(h, "account saved and listed", |h| {
        let app = h.state();
        app.selected()
            .and_then(|id| app.account(id))
            .is_some_and(|account| account.loaded && account.table.len() == 1)
    });
    assert!(h.query_by_label("Add account").is_none(), "dialog closed");
    let saved = store.load().profiles;
    assert_eq!(saved.len(), 1);
    assert_eq!(
        saved[0].token_source,
        TokenSource::EnvVar(TOKEN_VARIABLE.into())
    );
    let file = std::fs::read_to_string(store.path()).unwrap();
    assert!(!file.contains(GCORE_TOKEN), "the token is not in the file");
}
