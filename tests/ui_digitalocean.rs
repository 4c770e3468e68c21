//! Drives the real app against the DigitalOcean fake at DigitalOcean's own
//! page size (200): keys listed over three pages, a key added through the
//! dialog, one renamed and one deleted with confirmation, and a key whose
//! server MD5 is not its own marked in the table. Nothing in the window was
//! changed to add DigitalOcean.

mod common;

use common::bystanders::assert_only_gone;
use common::*;
use egui_kittest::kittest::Queryable;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;

fn table_names(app: &keyfleet::app::App, id: &str) -> Vec<String> {
    let table = &app.account(id).unwrap().table;
    (0..table.visible_len())
        .map(|i| table.visible_row(i).unwrap().name.to_string())
        .collect()
}

/// 401 keys: two full pages of 200 and one of 1.
const KEYS: usize = 401;

#[test]
fn digitalocean_keys_list_over_pages_add_rename_and_delete() {
    let sandbox = Sandbox::start().unwrap();
    let mut expected = Vec::new();
    for i in 0..KEYS {
        let key = public_key(ssh_key::Algorithm::Ed25519, &format!("droplet{i}@cloud"));
        sandbox
            .digitalocean
            .add_key(&format!("droplet-{i:03}"), &key);
        expected.push(key);
    }

    let (mut test, profile) =
        start_with_account(sandbox, ProviderKind::Digitalocean, "DigitalOcean");
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "401 keys over three pages", |h| {
        h.state()
            .account(&id)
            .is_some_and(|a| a.loaded && a.table.len() == KEYS)
    });
    let mut gets: Vec<String> = test
        .sandbox
        .digitalocean
        .faults()
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path)
        .collect();
    gets.sort();
    assert_eq!(
        gets,
        [1, 2, 3].map(|page| format!("/v2/account/keys?page={page}&per_page=200"))
    );

    // Copy one key.
    let h = &mut test.harness;
    set_text(h, "Filter:", "droplet-203");
    assert_eq!(table_names(h.state(), &id), ["droplet-203"]);
    select_key(h, "droplet-203");
    let copies = click_and_collect_copies(h, "Copy key");
    assert_eq!(copies, [expected[203].clone()]);

    rename_and_delete(&mut test, &id, &expected);
    add_through_the_dialog(&mut test, &id);
}

/// Renames the selected "droplet-203" (a same-named key added meanwhile is
/// left alone), then deletes it with confirmation.
fn rename_and_delete(test: &mut TestApp, id: &str, expected: &[String]) {
    let twin = test
        .sandbox
        .digitalocean
        .add_key("droplet-203", &expected[5]);
    let h = &mut test.harness;
    click(h, "Rename…");
    set_text(h, "New name:", "droplet-203-renamed");
    click(h, "Rename");
    wait_until(h, "renamed", |h| {
        h.state()
            .account(id)
            .unwrap()
            .table
            .rows()
            .iter()
            .any(|k| k.name == "droplet-203-renamed")
    });
    let stored = test.sandbox.digitalocean.keys();
    assert_eq!(stored[203].name, "droplet-203-renamed");
    assert!(
        stored
            .iter()
            .any(|k| k.id == twin && k.name == "droplet-203")
    );

    // Delete it, with confirmation.
    let doomed = stored[203].clone();
    let before = test.sandbox.digitalocean.snapshot();
    let h = &mut test.harness;
    set_text(h, "Filter:", "droplet-203-renamed");
    select_key(h, "droplet-203-renamed");
    click(h, "Delete…");
    click(h, "Delete \"droplet-203-renamed\"");
    wait_until(h, "key deleted", |h| table_names(h.state(), id).is_empty());
    assert_only_gone(
        &before,
        &test.sandbox.digitalocean.snapshot(),
        &[&doomed.id.to_string()],
    );
    let h = &mut test.harness;
    set_text(h, "Filter:", "");
}

/// Adds a key through the dialog.
fn add_through_the_dialog(test: &mut TestApp, id: &str) {
    let h = &mut test.harness;
    let new_key = public_key(ssh_key::Algorithm::Ed25519, "new@laptop");
    click(h, "➕ Add key");
    set_text(h, "Name:", "new-droplet-key");
    set_text(
        h,
        "Public key (one line starting with ssh-ed25519, ssh-rsa or ecdsa-…):",
        &new_key,
    );
    h.run_steps(4);
    click(h, "Add key");
    wait_until(h, "key added", |h| {
        h.state()
            .account(id)
            .unwrap()
            .table
            .rows()
            .iter()
            .any(|k| k.name == "new-droplet-key")
    });
    let stored = test.sandbox.digitalocean.keys();
    assert!(
        stored
            .iter()
            .any(|k| k.name == "new-droplet-key" && key_data(&k.public_key) == key_data(&new_key)),
        "{:?}",
        stored.last()
    );
}

/// `--demo` shows the check no console does: its DigitalOcean account has
/// a key whose server MD5 is another key's, marked ⚠ with the reason in
/// All keys and in the account's table.
#[test]
fn the_demo_shows_a_key_whose_provider_fingerprint_disagrees() {
    use keyfleet::app::{App, AppOptions};
    use keyfleet::backend::{ScriptedDialogs, Services};
    use keyfleet::demo::{Demo, LYING_MD5_KEY};
    use keyfleet::inventory::Flag;

    let demo = Demo::start().unwrap();
    let options = AppOptions {
        store: demo.store.clone(),
        services: Services {
            secrets: demo.secrets.clone(),
            dialogs: std::sync::Arc::new(ScriptedDialogs::default()),
            http_policy: keyfleet::providers::HttpPolicy::default(),
            agent: Default::default(),
        },
        demo: true,
        local_key_dirs: vec![demo.local_key_dir.clone()],
        remembered: None,
    };
    let mut harness = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(&cc.egui_ctx, options));
    let h = &mut harness;
    wait_until(h, "every demo account listed", |h| {
        let app = h.state();
        app.profiles()
            .iter()
            .all(|p| app.account(&p.id).is_some_and(|a| a.loaded))
    });
    click(h, "🔑 All keys");
    wait_until(h, "the inventory with every account", |h| {
        h.state().fleet().table().snapshot().is_some_and(|s| {
            s.inventory.keys.iter().any(|k| {
                k.names.iter().any(|n| n == LYING_MD5_KEY)
                    && k.flags.contains(&Flag::FingerprintMismatch)
            })
        })
    });
    set_text(h, "Filter:", LYING_MD5_KEY);
    click(h, "Fingerprint disagrees");
    assert_eq!(h.state().fleet().table().visible_len(), 1);
    wait_for_label_containing(h, "provider's fingerprint disagrees");

    // The account's own table marks the fingerprint ⚠.
    // The accounts list comes first (the row's account chip says it too).
    h.query_all_by_label("DigitalOcean · droplets")
        .next()
        .unwrap()
        .click();
    h.run_steps(3);
    select_key(h, LYING_MD5_KEY);
    wait_for_label_containing(h, "⚠ ");
    let app = h.state();
    let account = app.account(app.selected().unwrap()).unwrap();
    let key = account
        .table
        .rows()
        .iter()
        .find(|k| k.name == LYING_MD5_KEY)
        .unwrap();
    assert!(key.fingerprint_warning.is_some(), "{key:?}");
    drop(demo);
}
