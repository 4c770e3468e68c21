//! A private key a server shows once is never lost: keys the Gcore fake
//! sends at 76 or 64 columns save and open in `ssh-keygen`, and a key
//! Keyfleet cannot read is saved byte for byte, through the real app.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use egui_kittest::kittest::Queryable;
use keyfleet::keys::save::public_path_for;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;

fn gcore_app() -> TestApp {
    start_with_account(Sandbox::start().unwrap(), ProviderKind::Gcore, "Gcore").0
}

fn generate_on_server(test: &mut TestApp, name: &str) {
    let h = &mut test.harness;
    click(h, "➕ Add key");
    click(h, "Generate on server (Ed25519)");
    set_text(h, "Name:", name);
    click(h, "Generate");
}

fn stored_public_key(test: &TestApp, name: &str) -> String {
    let (id, _, _) = test
        .sandbox
        .gcore
        .keys(1)
        .into_iter()
        .find(|key| key.1 == name)
        .expect("key stored on the server");
    test.sandbox.gcore.public_key(1, &id).unwrap()
}

#[test]
fn keys_at_76_and_64_columns_save_and_open_in_ssh_keygen() {
    let mut test = gcore_app();
    let save_dir = tempfile::tempdir().unwrap();
    // The fake sends its first key at 76 columns, its second at 64.
    for (name, width) in [("wide-76", 76), ("narrow-64", 64)] {
        generate_on_server(&mut test, name);
        let h = &mut test.harness;
        wait_for_label(h, "💾 Save private key…");
        assert!(
            h.query_by_label_contains("Keyfleet cannot check").is_none(),
            "{name}: a readable key is not flagged"
        );
        let path = save_dir.path().join(format!("id_{name}"));
        test.dialogs.push(&path);
        click(h, "💾 Save private key…");
        // The dialog's own button: a toast says "Private key saved to" too,
        // sometimes a frame before the dialog does.
        wait_for_label(h, "Done");
        click(h, "Done");

        let saved = std::fs::read_to_string(&path).unwrap();
        let first_line = saved.lines().nth(1).unwrap();
        assert_eq!(
            first_line.len(),
            width,
            "{name} was sent at {width} columns"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            key_data(&ssh_keygen_public(&path, "")),
            key_data(&stored_public_key(&test, name)),
            "{name}"
        );
    }
}

#[test]
fn a_key_keyfleet_cannot_read_is_saved_exactly_as_received() {
    let mut test = gcore_app();
    let damaged = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA*not-base64*\n-----END OPENSSH PRIVATE KEY-----\n";
    test.sandbox.gcore.answer_next_private_key_with(damaged);
    generate_on_server(&mut test, "damaged");
    let h = &mut test.harness;
    wait_for_label(h, "💾 Save exactly as received…");
    wait_for_label_containing(h, "Keyfleet cannot check this key");
    assert!(
        h.query_by_label("💾 Save private key…").is_none(),
        "the key-pair save cannot work here and is not offered"
    );
    assert_eq!(h.state().unsaved_private_keys(), 1);

    let save_dir = tempfile::tempdir().unwrap();
    let path = save_dir.path().join("id_damaged");
    test.dialogs.push(&path);
    click(h, "💾 Save exactly as received…");
    wait_for_label_containing(h, "byte for byte");
    assert_eq!(std::fs::read(&path).unwrap(), damaged.as_bytes());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // The server sent a public key, so it is saved beside it as sent.
    click(h, "Done");
    assert_eq!(h.state().unsaved_private_keys(), 0);
    let public = std::fs::read_to_string(public_path_for(&path)).unwrap();
    assert_eq!(public.trim(), stored_public_key(&test, "damaged"));
}
