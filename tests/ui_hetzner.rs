//! Drives the real app against the Hetzner Cloud fake, which pages in
//! sevens: keys listed over several pages with their labels, a key added
//! through the dialog and one deleted with confirmation. Nothing in the
//! window was changed to add Hetzner Cloud.

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

#[test]
fn hetzner_keys_list_over_pages_add_and_delete() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.hetzner.set_max_page_size(7);
    for i in 0..16 {
        let key = public_key(ssh_key::Algorithm::Ed25519, &format!("box{i}@lab"));
        sandbox.hetzner.add_key(&format!("box-{i:02}"), &key);
    }
    let labelled = sandbox.hetzner.keys()[4].id;
    sandbox.hetzner.set_labels(
        labelled,
        [("env", "prod"), ("team", "ml")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into(),
    );

    let (mut test, profile) = start_with_account(sandbox, ProviderKind::Hetzner, "Hetzner");
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "16 keys over several pages", |h| {
        h.state()
            .account(&id)
            .is_some_and(|a| a.loaded && a.table.len() == 16)
    });
    let gets = test
        .sandbox
        .hetzner
        .faults()
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/v1/ssh_keys?"))
        .count();
    assert_eq!(gets, 3, "16 keys at 7 a page");
    let h = &mut test.harness;
    wait_for_label(h, "env=prod, team=ml");

    // Delete one, with confirmation; the others stay as they were.
    set_text(h, "Filter:", "box-03");
    assert_eq!(table_names(h.state(), &id), ["box-03"]);
    select_key(h, "box-03");
    let doomed = test
        .sandbox
        .hetzner
        .keys()
        .into_iter()
        .find(|k| k.name == "box-03")
        .unwrap();
    let before = test.sandbox.hetzner.snapshot();
    click(h, "Delete…");
    click(h, "Delete \"box-03\"");
    wait_until(h, "key deleted", |h| table_names(h.state(), &id).is_empty());
    assert_only_gone(
        &before,
        &test.sandbox.hetzner.snapshot(),
        &[&doomed.id.to_string()],
    );
    let h = &mut test.harness;
    set_text(h, "Filter:", "");

    // Add a key through the dialog.
    let new_key = public_key(ssh_key::Algorithm::Ed25519, "new@laptop");
    click(h, "➕ Add key");
    set_text(h, "Name:", "new-laptop");
    set_text(
        h,
        "Public key (one line starting with ssh-ed25519, ssh-rsa or ecdsa-…):",
        &new_key,
    );
    h.run_steps(4);
    click(h, "Add key");
    wait_until(h, "key added", |h| {
        h.state()
            .account(&id)
            .unwrap()
            .table
            .rows()
            .iter()
            .any(|k| k.name == "new-laptop")
    });
    let stored = test.sandbox.hetzner.keys();
    assert!(
        stored
            .iter()
            .any(|k| k.name == "new-laptop" && key_data(&k.public_key) == key_data(&new_key)),
        "{stored:?}"
    );
    assert_eq!(stored.len(), 16);
}

#[test]
fn labels_are_edited_in_the_rename_dialog_and_checked_before_sending() {
    let sandbox = Sandbox::start().unwrap();
    let key = public_key(ssh_key::Algorithm::Ed25519, "gpu@lab");
    let id = sandbox.hetzner.add_key("gpu-box", &key);
    sandbox
        .hetzner
        .set_labels(id, [("env".to_string(), "prod".to_string())].into());
    let (mut test, profile) = start_with_account(sandbox, ProviderKind::Hetzner, "Hetzner");
    let h = &mut test.harness;
    let account = profile.id.clone();
    wait_until(h, "the key listed", |h| {
        h.state()
            .account(&account)
            .is_some_and(|a| a.loaded && a.table.len() == 1)
    });
    select_key(h, "gpu-box");
    // The command says it edits labels too, in the details panel as in
    // the command palette: Hetzner Cloud's capabilities have labels.
    assert!(h.query_by_label("Rename…").is_none(), "{}", screen_text(h));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run_steps(3);
    set_text(h, keyfleet::ui::command_palette::QUERY_LABEL, "rename");
    wait_for_label_containing(h, "Rename or edit labels… \"gpu-box\"");
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
    click(h, "Rename or edit labels…");
    wait_for_label(h, "Labels:");

    // A label breaking the rules: a specific message, nothing sent.
    let puts = |test: &TestApp| {
        test.sandbox
            .hetzner
            .faults()
            .requests()
            .iter()
            .filter(|r| r.method == "PUT")
            .count()
    };
    set_text(&mut test.harness, "Labels:", "env=prod, my team=ml");
    click(&mut test.harness, "Save");
    wait_for_label_containing(&mut test.harness, "The label key \"my team\" contains ' '");
    assert_eq!(puts(&test), 0, "nothing was sent");

    // Good labels: sent, stored, shown in the Labels column.
    set_text(&mut test.harness, "Labels:", "env=staging, team=ml");
    click(&mut test.harness, "Save");
    let h = &mut test.harness;
    wait_until(h, "labels saved", |h| {
        h.state()
            .account(&account)
            .unwrap()
            .table
            .rows()
            .iter()
            .any(|k| {
                k.labels
                    .as_ref()
                    .is_some_and(|l| l.get("env").map(String::as_str) == Some("staging"))
            })
    });
    wait_for_label(h, "env=staging, team=ml");
    let stored = test.sandbox.hetzner.keys();
    let expected: std::collections::BTreeMap<String, String> = [("env", "staging"), ("team", "ml")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    assert_eq!(stored[0].labels, expected);
    assert_eq!(stored[0].name, "gpu-box", "the name is unchanged");
    // The selected key's details panel shows them too.
    let panel = test
        .harness
        .get_by_label(keyfleet::ui::details_panel::PANEL_LABEL);
    assert!(panel.query_all_by_label("Labels").next().is_some());
    assert!(
        panel
            .query_all_by_label("env=staging, team=ml")
            .next()
            .is_some()
    );
}
