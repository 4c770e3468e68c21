//! Drives the real app against the GitLab fake, which pages in sevens:
//! keys of every usage type listed over several pages, a signing key with
//! an expiry date added through the dialog, and one key deleted with confirmation while every
//! other key stays. Nothing in the window was changed to add GitLab.

mod common;

use common::bystanders::assert_only_gone;
use common::*;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::providers::{KeyScope, ProviderKind};
use keyfleet::sandbox::Sandbox;

fn table_names(app: &keyfleet::app::App, id: &str) -> Vec<String> {
    let table = &app.account(id).unwrap().table;
    (0..table.visible_len())
        .map(|i| table.visible_row(i).unwrap().name.to_string())
        .collect()
}

#[test]
fn gitlab_keys_list_over_pages_add_signing_key_and_delete() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.gitlab.set_max_page_size(7);
    for i in 0..16 {
        let key = public_key(ssh_key::Algorithm::Ed25519, &format!("laptop{i}@home"));
        sandbox.gitlab.add_key(&format!("laptop-{i:02}"), &key);
    }
    let signing = public_key(ssh_key::Algorithm::Ed25519, "signer@home");
    sandbox
        .gitlab
        .add_key_with("commit-signing", &signing, "signing", Some("2031-01-01"));
    let old = public_key(ssh_key::Algorithm::Ed25519, "old@home");
    sandbox
        .gitlab
        .add_key_with("old laptop", &old, "auth", None);

    let (mut test, profile) = start_with_account(sandbox, ProviderKind::Gitlab, "GitLab");
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "18 keys over several pages", |h| {
        h.state()
            .account(&id)
            .is_some_and(|a| a.loaded && a.table.len() == 18)
    });
    let gets = test
        .sandbox
        .gitlab
        .faults()
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.contains("/user/keys"))
        .count();
    assert_eq!(gets, 3, "18 keys at 7 a page");
    let h = &mut test.harness;
    let rows = h.state().account(&id).unwrap().table.rows().to_vec();
    let signer = rows.iter().find(|k| k.name == "commit-signing").unwrap();
    assert_eq!(signer.scope, KeyScope::Signing);
    wait_for_label(h, "Signing");
    wait_for_label(h, "Authentication & signing");
    wait_for_label(h, "Authentication");

    // Delete "laptop-03", with confirmation; every other key stays.
    let doomed = test
        .sandbox
        .gitlab
        .keys()
        .into_iter()
        .find(|k| k.title == "laptop-03")
        .unwrap();
    let before = test.sandbox.gitlab.snapshot();
    let h = &mut test.harness;
    set_text(h, "Filter:", "laptop-03");
    assert_eq!(table_names(h.state(), &id), ["laptop-03"]);
    select_key(h, "laptop-03");
    click(h, "Delete…");
    click(h, "Delete \"laptop-03\"");
    wait_until(h, "key deleted", |h| table_names(h.state(), &id).is_empty());
    assert_only_gone(
        &before,
        &test.sandbox.gitlab.snapshot(),
        &[&doomed.id.to_string()],
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
    click(h, "Signing key only (commits)");
    set_text(h, "Expires on:", "2031-07-04");
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
    // The new key is selected, and the details panel says when it expires.
    wait_until(h, "its expiry in the details panel", |h| {
        let panel = h.get_by_label(keyfleet::ui::details_panel::PANEL_LABEL);
        panel.query_all_by_label("Expires").next().is_some()
            && panel
                .query_all_by_label_contains("2031-07-04")
                .next()
                .is_some()
    });
    let stored = test.sandbox.gitlab.keys();
    assert!(
        stored.iter().any(|k| k.title == "new-signing"
            && k.usage_type == "signing"
            && k.expires_at.as_deref() == Some("2031-07-04")
            && key_data(&k.key) == key_data(&new_key)),
        "{stored:?}"
    );
}

/// All keys shows each key's expiry ("never" on a provider with expiry),
/// flags expired and soon-expiring keys by the hygiene rule (14 days by
/// default, counted from the project's clock), and filters on them.
#[test]
fn all_keys_shows_expiry_and_flags_expiring_keys() {
    use keyfleet::inventory::Flag;
    let sandbox = Sandbox::start().unwrap();
    let today = keyfleet::clock::now_utc().date();
    let day = |offset: i64| (today + time::Duration::days(offset)).to_string();
    let keys = [
        ("expired", Some(day(-3))),
        ("soon", Some(day(10))),
        ("later", Some(day(60))),
        ("never", None),
    ];
    for (title, expires) in &keys {
        let line = public_key(ssh_key::Algorithm::Ed25519, &format!("{title}@x"));
        sandbox
            .gitlab
            .add_key_with(title, &line, "auth_and_signing", expires.as_deref());
    }
    let (mut test, profile) = start_with_account(sandbox, ProviderKind::Gitlab, "GitLab");
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "4 keys", |h| {
        h.state()
            .account(&id)
            .is_some_and(|a| a.loaded && a.table.len() == 4)
    });
    click(h, "🔑 All keys");
    wait_until(h, "the inventory", |h| {
        h.state()
            .fleet()
            .table()
            .snapshot()
            .is_some_and(|s| s.inventory.keys.len() == 4)
    });
    let snapshot = h.state().fleet().table().snapshot().unwrap().clone();
    let row = |name: &str| {
        let index = snapshot
            .inventory
            .keys
            .iter()
            .position(|k| k.names == [name])
            .unwrap();
        (
            snapshot.rows[index].expires.clone(),
            snapshot.inventory.keys[index].flags.clone(),
        )
    };
    let (expired_text, expired_flags) = row("expired");
    assert_eq!(expired_text, day(-3));
    assert!(expired_flags.contains(&Flag::Expired), "{expired_flags:?}");
    assert!(row("soon").1.contains(&Flag::ExpiresSoon));
    assert!(!row("later").1.contains(&Flag::ExpiresSoon));
    assert_eq!(row("never").0, "never");
    wait_for_label(h, &day(10));
    click(h, "Expiring");
    assert_eq!(h.state().fleet().table().visible_len(), 2);
}

/// The POSTs the GitLab fake received (creates, refused ones too).
fn gitlab_creates(test: &TestApp) -> usize {
    test.sandbox
        .gitlab
        .faults()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.contains("/user/keys"))
        .count()
}

/// Publishing a key from this computer to GitLab with an expiry date: a
/// date that does not read as one is refused with what to write instead,
/// and nothing is sent; the date typed then reaches the created key as its
/// `expires_at`.
#[test]
fn publish_sends_the_typed_expiry_and_refuses_a_bad_date() {
    let sandbox = Sandbox::start().unwrap();
    let (mut test, _profile) = start_with_account(sandbox, ProviderKind::Gitlab, "GitLab");
    let line = public_key(ssh_key::Algorithm::Ed25519, "me@desk");
    std::fs::write(test.ssh_dir.join("desk.pub"), format!("{line}\n")).unwrap();
    let h = &mut test.harness;
    click(h, "🔑 All keys");
    wait_until(h, "this computer's key", |h| {
        h.state().fleet().table().snapshot().is_some_and(|s| {
            s.inventory
                .keys
                .iter()
                .any(|k| k.comment.as_deref() == Some("me@desk"))
        })
    });
    // A key only on this computer is named by its file.
    click(h, "desk.pub");
    click(h, "📤 Publish…");
    wait_for_label_containing(h, "Publish \"desk.pub\"");
    h.query_all_by_label("GitLab")
        .find(|node| node.accesskit_node().role() == egui::accesskit::Role::CheckBox)
        .expect("a GitLab checkbox")
        .click();
    h.run_steps(2);

    set_text(h, "Expires:", "31/12/2030");
    wait_for_label_containing(h, "\"31/12/2030\" is not a date; write it as YYYY-MM-DD");
    click(h, "Publish to 1 account(s)");
    h.run_steps(3);
    assert_eq!(gitlab_creates(&test), 0, "a bad date sends nothing");
    assert!(test.sandbox.gitlab.keys().is_empty());

    let expires = (keyfleet::clock::now_utc().date() + time::Duration::days(120)).to_string();
    let h = &mut test.harness;
    set_text(h, "Expires:", &expires);
    click(h, "Retry 1 account(s)");
    wait_for_label_containing(h, "✔ added as");
    let stored = test.sandbox.gitlab.keys();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].expires_at.as_deref(), Some(expires.as_str()));
    assert_eq!(key_data(&stored[0].key), key_data(&line));
    assert_eq!(gitlab_creates(&test), 1);
}

/// Rotating a GitLab key that lives 90 days: the plan suggests the same
/// lifetime from today for the new key (`plan::same_lifetime`), and a date
/// edited in the plan is the one the new key gets.
#[test]
fn rotation_suggests_the_old_lifetime_and_sends_the_edited_expiry() {
    let sandbox = Sandbox::start().unwrap();
    let today = keyfleet::clock::now_utc().date();
    let day = |offset: i64| (today + time::Duration::days(offset)).to_string();
    let old = public_key(ssh_key::Algorithm::Ed25519, "me@laptop");
    sandbox
        .gitlab
        .add_key_with("laptop", &old, "auth", Some(&day(90)));
    let (mut test, _profile) = start_with_account(sandbox, ProviderKind::Gitlab, "GitLab");
    let new_path = test.ssh_dir.join("laptop-new");
    let h = &mut test.harness;
    select_key(h, "laptop");
    click(h, "Rotate…");
    wait_for_label(h, "Generate and save");
    set_text(h, "New key name:", "laptop-new");
    set_text(h, "Save private key as:", &new_path.display().to_string());
    click(h, "Generate and save");
    wait_for_label(h, "Add the new key");

    let suggested = h
        .get_by_label("New key expires on:")
        .accesskit_node()
        .value()
        .map(|value| value.to_string());
    // The fake dates the old key's creation today: 90 days from today.
    assert_eq!(suggested.as_deref(), Some(day(90).as_str()));
    set_text(h, "New key expires on:", &day(30));
    h.run_steps(2);
    click(h, "Add the new key");
    wait_until(h, "the pause", |h| {
        h.state().rotations().first().map(|r| r.phase)
            == Some(keyfleet::ops::rotation::Phase::Paused)
    });
    let stored = test.sandbox.gitlab.keys();
    let new = stored
        .iter()
        .find(|k| k.title == "laptop-new")
        .unwrap_or_else(|| panic!("the new key was added: {stored:?}"));
    assert_eq!(new.expires_at.as_deref(), Some(day(30).as_str()));
}
