//! Drives the real app against the Gcore fake: add a profile through the
//! dialog, see the keys, filter, copy, share, delete, and generate a key on
//! the server and save its private key.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use common::bystanders::assert_only_gone;
use common::*;
use egui_kittest::kittest::Queryable;
use keyfleet::providers::spec::FieldKey;
use keyfleet::sandbox::{GCORE_TOKEN, Sandbox};
use keyfleet::store::MemoryStore;

fn visible_names(app: &keyfleet::app::App) -> Vec<String> {
    let id = app.selected().unwrap().to_string();
    let table = &app.account(&id).unwrap().table;
    (0..table.visible_len())
        .map(|i| table.visible_row(i).unwrap().name.to_string())
        .collect()
}

#[test]
fn gcore_profile_keys_filter_copy_share_delete_generate_and_save() {
    let sandbox = Sandbox::start().unwrap();
    let mut expected_keys = Vec::new();
    for i in 0..12 {
        let public_key = public_key(ssh_key::Algorithm::Ed25519, &format!("user{i}@host"));
        sandbox
            .gcore
            .add_key(1, &format!("key-{i:02}"), &public_key, i % 2 == 0);
        expected_keys.push(public_key);
    }
    let config_dir = tempfile::tempdir().unwrap();
    let mut test = start_app(sandbox, config_dir, Arc::new(MemoryStore::default()));
    let h = &mut test.harness;
    h.run_steps(2);
    assert!(h.query_by_label("No accounts yet").is_some());

    // Add the account through the dialog.
    click(h, "➕ Add your first account");
    set_text(h, "Display name:", "Prod GPUs");
    set_text(h, "API base URL:", &test.sandbox.gcore_url);
    set_text(h, "API token:", GCORE_TOKEN);
    click(h, "Load projects");
    wait_for_label(h, "Pick a project");
    click(h, "Pick a project");
    h.get_by_label_contains("Default").click();
    h.run_steps(2);
    click(h, "Test connection");
    wait_for_label_containing(h, "✔");
    click(h, "Save");
    wait_until(h, "12 keys listed", |h| {
        let app = h.state();
        app.selected()
            .and_then(|id| app.account(id))
            .is_some_and(|a| a.loaded && a.table.len() == 12)
    });
    let profile = test
        .store
        .load()
        .profiles
        .into_iter()
        .next()
        .expect("profile saved");
    assert_eq!(profile.settings.text(FieldKey::Project), "1");
    assert_eq!(
        test.secrets
            .get(&profile.id)
            .unwrap()
            .map(|t| t.expose().to_string())
            .as_deref(),
        Some(GCORE_TOKEN)
    );
    let file = std::fs::read_to_string(test.store.path()).unwrap();
    assert!(
        !file.contains(GCORE_TOKEN),
        "token leaked into the profiles file"
    );

    // Filter as you type.
    set_text(h, "Filter:", "key-03");
    assert_eq!(visible_names(h.state()), ["key-03"]);

    // Select it; its actions are in the details panel. Copy the public key.
    select_key(h, "key-03");
    let copies = click_and_collect_copies(h, "Copy key");
    assert_eq!(copies, [expected_keys[3].clone()]);

    // key-03 is not shared (odd index): share it.
    click(h, "Share");
    wait_until(h, "key shared", |h| {
        let app = h.state();
        let id = app.selected().unwrap();
        app.account(id)
            .unwrap()
            .table
            .visible_row(0)
            .unwrap()
            .shared_in_project
            == Some(true)
    });
    assert!(
        test.sandbox
            .gcore
            .keys(1)
            .iter()
            .any(|k| k.1 == "key-03" && k.2)
    );

    // Delete with confirmation. Bystander: the same key under the same
    // name in project 2 (another account).
    let gcore = &test.sandbox.gcore;
    let doomed = gcore
        .key_details(1)
        .into_iter()
        .find(|k| k.name == "key-03");
    let doomed = doomed.unwrap();
    gcore.add_key(2, "key-03", &doomed.public_key, true);
    let before = gcore.snapshot();
    click(h, "Delete…");
    click(h, "Delete \"key-03\"");
    wait_until(h, "key deleted", |h| visible_names(h.state()).is_empty());
    assert_only_gone(&before, &test.sandbox.gcore.snapshot(), &[&doomed.id]);
    assert_eq!(test.sandbox.gcore.key_count(1), 11);
    set_text(h, "Filter:", "");

    // Generate on the server and save the private key.
    click(h, "➕ Add key");
    click(h, "Generate on server (Ed25519)");
    set_text(h, "Name:", "server-made");
    click(h, "Generate");
    wait_for_label(h, "💾 Save private key…");
    assert_eq!(h.state().unsaved_private_keys(), 1);

    // Closing the window with an unsaved private key asks first.
    h.input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    h.step();
    let close_cancelled = h
        .output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .is_some_and(|v| v.commands.contains(&egui::ViewportCommand::CancelClose));
    assert!(
        close_cancelled,
        "closing with an unsaved key must be cancelled"
    );
    h.run_steps(4);
    click(h, "Go back and save");
    assert_eq!(h.state().unsaved_private_keys(), 1);

    let save_dir = tempfile::tempdir().unwrap();
    let key_path = save_dir.path().join("id_server_made");
    test.dialogs.push(&key_path);
    click(h, "💾 Save private key…");
    // The dialog's own button: a toast says "Private key saved to" too,
    // sometimes a frame before the dialog does.
    wait_for_label(h, "Done");
    let mode = std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let stored = test
        .sandbox
        .gcore
        .keys(1)
        .into_iter()
        .find(|k| k.1 == "server-made")
        .expect("server-made stored");
    let stored_public = test.sandbox.gcore.public_key(1, &stored.0).unwrap();
    assert_eq!(
        key_data(&ssh_keygen_public(&key_path, "")),
        key_data(&stored_public)
    );
    click(h, "Done");
    assert_eq!(h.state().unsaved_private_keys(), 0);
}
