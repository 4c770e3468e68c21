//! Drives the real app against the GitHub fake, which pages in sevens:
//! authentication and signing keys listed over several pages, a signing key
//! added through the dialog, a key copied and one deleted with
//! confirmation. Nothing in the window was changed to add GitHub.

mod common;

use common::bystanders::assert_only_gone;
use common::*;
use keyfleet::providers::{KeyScope, ProviderKind};
use keyfleet::sandbox::Sandbox;

fn table_names(app: &keyfleet::app::App, id: &str) -> Vec<String> {
    let table = &app.account(id).unwrap().table;
    (0..table.visible_len())
        .map(|i| table.visible_row(i).unwrap().name.to_string())
        .collect()
}

#[test]
fn github_keys_list_over_pages_add_signing_key_copy_and_delete() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.github.set_max_page_size(7);
    let mut expected = Vec::new();
    for i in 0..16 {
        let key = public_key(ssh_key::Algorithm::Ed25519, &format!("laptop{i}@home"));
        sandbox.github.add_key(&format!("laptop-{i:02}"), &key);
        expected.push(key);
    }
    let signing = public_key(ssh_key::Algorithm::Ed25519, "signer@home");
    sandbox.github.add_signing_key("commit-signing", &signing);

    let (mut test, profile) = start_with_account(sandbox, ProviderKind::Github, "GitHub");
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "17 keys over several pages", |h| {
        h.state()
            .account(&id)
            .is_some_and(|a| a.loaded && a.table.len() == 17)
    });
    // 16 authentication keys at 7 a page, then the signing list.
    let gets = test
        .sandbox
        .github
        .faults()
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.contains("keys"))
        .count();
    assert_eq!(
        gets, 4,
        "3 pages of authentication keys + 1 of signing keys"
    );
    let h = &mut test.harness;
    let rows = h.state().account(&id).unwrap().table.rows().to_vec();
    let signer = rows.iter().find(|k| k.name == "commit-signing").unwrap();
    assert_eq!(signer.scope, KeyScope::Signing);
    wait_for_label(h, "Signing");
    wait_for_label_containing(h, "Authentication");

    // Copy one key.
    set_text(h, "Filter:", "laptop-03");
    assert_eq!(table_names(h.state(), &id), ["laptop-03"]);
    select_key(h, "laptop-03");
    let copies = click_and_collect_copies(h, "Copy key");
    // GitHub keeps (and lists) a key without its comment.
    let type_and_data: Vec<&str> = expected[3].split(' ').take(2).collect();
    assert_eq!(copies, [type_and_data.join(" ")]);

    // Delete it, with confirmation. Bystander: the same key text, titled
    // the same, as a signing key (the other list).
    let doomed = test
        .sandbox
        .github
        .keys()
        .into_iter()
        .find(|k| k.title == "laptop-03");
    let doomed = doomed.unwrap();
    test.sandbox
        .github
        .add_signing_key("laptop-03", &doomed.key);
    let before = test.sandbox.github.snapshot();
    click(h, "Delete…");
    click(h, "Delete \"laptop-03\"");
    wait_until(h, "key deleted", |h| table_names(h.state(), &id).is_empty());
    let doomed_identity = format!("authentication/{}", doomed.id);
    assert_only_gone(
        &before,
        &test.sandbox.github.snapshot(),
        &[&doomed_identity],
    );
    assert!(
        !test
            .sandbox
            .github
            .keys()
            .iter()
            .any(|k| k.title == "laptop-03")
    );
    let h = &mut test.harness;
    set_text(h, "Filter:", "");

    // Add a signing key through the dialog.
    let new_key = public_key(ssh_key::Algorithm::Ed25519, "new@laptop");
    click(h, "➕ Add key");
    set_text(h, "Name:", "new-signing");
    set_text(
        h,
        "Public key (one line starting with ssh-ed25519, ssh-rsa or ecdsa-…):",
        &new_key,
    );
    click(h, "Signing key (commits)");
    h.run_steps(4);
    click(h, "Add key");
    wait_until(h, "signing key added", |h| {
        h.state()
            .account(&id)
            .unwrap()
            .table
            .rows()
            .iter()
            .any(|k| k.name == "new-signing" && k.scope == KeyScope::Signing)
    });
    let stored = test.sandbox.github.signing_keys();
    assert!(
        stored
            .iter()
            .any(|k| k.title == "new-signing" && key_data(&k.key) == key_data(&new_key)),
        "{stored:?}"
    );
    assert!(
        !test
            .sandbox
            .github
            .keys()
            .iter()
            .any(|k| k.title == "new-signing"),
        "a signing key is not an authentication key"
    );
}
