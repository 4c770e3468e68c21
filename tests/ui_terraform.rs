//! Drives the real app against the HCP Terraform fake: add a profile, pick
//! the organization from the list, generate a deploy key, and check the
//! public key reached the clipboard and the private key reached the fake.

mod common;

use std::sync::Arc;

use common::*;
use egui_kittest::kittest::Queryable;
use keyfleet::sandbox::{Sandbox, TERRAFORM_TOKEN};
use keyfleet::store::MemoryStore;

#[test]
fn terraform_profile_org_picker_and_deploy_key() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let mut test = start_app(sandbox, config_dir, Arc::new(MemoryStore::default()));
    let h = &mut test.harness;
    h.run_steps(2);

    click(h, "➕ Add your first account");
    click(h, "Provider:");
    h.get_by_label("HCP Terraform / TFE").click();
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("organization tokens cannot manage SSH keys")
            .is_some()
    );
    set_text(h, "Display name:", "Modules");
    set_text(h, "Hostname / base URL:", &test.sandbox.terraform_url);
    set_text(h, "API token:", TERRAFORM_TOKEN);
    click(h, "Load organizations");
    wait_for_label(h, "Pick an organization");
    click(h, "Pick an organization");
    h.get_by_label("acme-modules").click();
    h.run_steps(2);
    click(h, "Save");
    wait_until(h, "keys listed", |h| {
        let app = h.state();
        app.selected()
            .and_then(|id| app.account(id))
            .is_some_and(|a| a.loaded)
    });
    let before = test.sandbox.terraform.keys("acme-modules").len();

    click(h, "🔑 Generate deploy key");
    set_text(h, "Name:", "modules-deploy");
    h.get_by_label("Generate and upload").click();
    // RSA 4096 runs on the backend; collect clipboard output while waiting.
    let mut copied = Vec::new();
    let start = std::time::Instant::now();
    while h.query_by_label("💾 Save private key…").is_none() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(120),
            "generation timed out"
        );
        h.step();
        for command in &h.output().platform_output.commands {
            if let egui::OutputCommand::CopyText(text) = command {
                copied.push(text.clone());
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    wait_until(h, "uploaded", |h| {
        let app = h.state();
        let id = app.selected().unwrap();
        app.account(id)
            .unwrap()
            .table
            .rows()
            .iter()
            .any(|k| k.name == "modules-deploy")
    });
    assert_eq!(
        test.sandbox.terraform.keys("acme-modules").len(),
        before + 1
    );
    let (id, _) = test
        .sandbox
        .terraform
        .keys("acme-modules")
        .into_iter()
        .find(|(_, name)| name == "modules-deploy")
        .unwrap();
    let stored = test
        .sandbox
        .terraform
        .stored_value(&id)
        .expect("private key stored");
    assert!(stored.contains("BEGIN RSA PRIVATE KEY"), "PEM expected");
    assert_eq!(copied.len(), 1, "public key copied once: {copied:?}");
    assert!(copied[0].starts_with("ssh-rsa "));
    // The copied public key belongs to the uploaded private key.
    let info = keyfleet::keys::private::inspect_private_key(
        &keyfleet::keys::SecretString::new(stored),
        None,
    )
    .unwrap();
    assert_eq!(key_data(&info.public.openssh), key_data(&copied[0]));
    // Discard the local copy (Terraform keeps the private key).
    click(h, "Discard private key…");
    click(h, "Yes, discard it");
    assert_eq!(h.state().unsaved_private_keys(), 0);

    // The key text of a stored key cannot be changed (HCP Terraform keeps
    // the old text whatever is sent): no "Replace key…" anywhere, in the
    // details panel or the row's context menu. Rotation replaces it.
    set_text(h, "Filter:", "modules-deploy");
    select_key(h, "modules-deploy");
    h.run_steps(2);
    assert!(h.query_by_label("Replace key…").is_none());
    assert!(h.query_by_label("Rename…").is_some(), "the panel is shown");
}

/// The keys of an HCP Terraform account show as soon as they are listed:
/// while the fake holds the workspaces request (a gate, no timing), the
/// table already shows them with "Used by" not known; once the workspaces
/// are released it fills in.
#[test]
fn keys_show_while_the_workspaces_are_still_listed() {
    use keyfleet::providers::ProviderKind;
    use keyfleet::sandbox::{Fault, Gate, SANDBOX_ORGANIZATION};
    use keyfleet::store::{ProfileStore, SecretStore};

    let sandbox = Sandbox::start().unwrap();
    let terraform = &sandbox.terraform;
    let used = terraform.add_key(SANDBOX_ORGANIZATION, "deploy-key", &private_key_text());
    terraform.add_key(SANDBOX_ORGANIZATION, "spare-key", &private_key_text());
    terraform.add_workspace(SANDBOX_ORGANIZATION, "network", Some(&used));
    let gate = Gate::new();
    let workspaces = format!("/api/v2/organizations/{SANDBOX_ORGANIZATION}/workspaces");
    terraform
        .faults()
        .inject_on(&workspaces, Fault::Hold(gate.clone()), 1);
    let profile = sandbox.profile(ProviderKind::Terraform, "Modules");
    let config_dir = tempfile::tempdir().unwrap();
    ProfileStore::new(config_dir.path())
        .save(std::slice::from_ref(&profile))
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    secrets
        .set(
            &profile.id,
            &keyfleet::keys::SecretString::new(TERRAFORM_TOKEN),
        )
        .unwrap();
    let mut test = start_app(sandbox, config_dir, secrets);
    let h = &mut test.harness;

    let id = profile.id.clone();
    wait_until(h, "keys listed while the workspaces are held", move |h| {
        h.state()
            .account(&id)
            .is_some_and(|account| account.loaded && account.table.len() == 2)
    });
    assert_eq!(gate.arrived(), 1, "the workspaces were asked for");
    assert!(!gate.is_released());
    let account = h.state().account(&profile.id).unwrap();
    assert!(account.usage_pending());
    assert!(
        !account.is_loading(),
        "the keys do not wait for the workspaces"
    );
    assert!(account.table.rows().iter().all(|key| key.used_by.is_none()));
    assert!(h.query_by_label_contains("deploy-key").is_some());
    assert!(h.query_by_label_contains("spare-key").is_some());

    gate.release();
    let id = profile.id.clone();
    wait_until(h, "\"Used by\" filled in", move |h| {
        !h.state().account(&id).unwrap().usage_pending()
    });
    let account = h.state().account(&profile.id).unwrap();
    let used_by = |name: &str| {
        let key = account.table.rows().iter().find(|key| key.name == name);
        key.unwrap().used_by.clone()
    };
    assert_eq!(used_by("deploy-key"), Some(vec!["network".to_string()]));
    assert_eq!(used_by("spare-key"), Some(Vec::new()));
    assert!(account.error.is_none(), "{:?}", account.error);
}
