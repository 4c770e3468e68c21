//! Drives the real app against the Sesterce fake: generate a key locally
//! (with a passphrase), save it, see it uploaded, and make it the default.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use common::*;
use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{SESTERCE_TOKEN, Sandbox};
use keyfleet::store::{MemoryStore, Profile, ProfileStore, SecretStore};

#[test]
fn sesterce_generate_locally_save_upload_and_make_default() {
    let sandbox = Sandbox::start().unwrap();
    let first = public_key(ssh_key::Algorithm::Ed25519, "old@laptop");
    sandbox.sesterce.add_key("old-laptop", &first);
    let config_dir = tempfile::tempdir().unwrap();
    let mut profile = Profile::new(ProviderKind::Sesterce);
    profile.name = "GPU cloud".into();
    profile.base_url = sandbox.sesterce_url.clone();
    ProfileStore::new(config_dir.path())
        .save(&[profile.clone()])
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    secrets
        .set(&profile.id, &SecretString::new(SESTERCE_TOKEN))
        .unwrap();

    let mut test = start_app(sandbox, config_dir, secrets);
    let h = &mut test.harness;
    let profile_id = profile.id.clone();
    wait_until(h, "initial list", |h| {
        h.state().account(&profile_id).is_some_and(|a| a.loaded)
    });
    assert_eq!(h.state().account(&profile_id).unwrap().table.len(), 1);

    click(h, "🔑 Generate locally");
    set_text(h, "Name:", "new-gpu-key");
    set_text(h, "Passphrase (optional):", "correct horse");
    set_text(h, "Passphrase again:", "correct horse");
    click(h, "Generate and upload");
    wait_for_label(h, "💾 Save private key…");
    let id = profile_id.clone();
    wait_until(h, "uploaded key listed", |h| {
        h.state().account(&id).unwrap().table.len() == 2
    });

    let save_dir = tempfile::tempdir().unwrap();
    let key_path = save_dir.path().join("id_gpu");
    set_text(h, "Or save to path:", key_path.to_str().unwrap());
    click(h, "Save to this path");
    // The dialog's own button: a toast says "Private key saved to" too.
    wait_for_label(h, "Done");
    assert_eq!(
        std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let uploaded = test
        .sandbox
        .sesterce
        .keys()
        .into_iter()
        .find(|k| k.name == "new-gpu-key")
        .expect("uploaded");
    assert_eq!(
        key_data(&ssh_keygen_public(&key_path, "correct horse")),
        key_data(&uploaded.public_key)
    );
    assert!(!uploaded.public_key.contains("PRIVATE"));
    click(h, "Done");

    // Make the new key the default: the star moves, exactly one default.
    set_text(h, "Filter:", "new-gpu");
    select_key(h, "new-gpu-key");
    click(h, "Make default");
    let id = profile_id.clone();
    wait_until(h, "default moved", |h| {
        let table = &h.state().account(&id).unwrap().table;
        table
            .rows()
            .iter()
            .filter(|k| k.is_default == Some(true))
            .count()
            == 1
            && table
                .rows()
                .iter()
                .any(|k| k.name == "new-gpu-key" && k.is_default == Some(true))
    });
    assert_eq!(
        test.sandbox.sesterce.default_key_id(),
        Some(uploaded.id.clone())
    );
}
