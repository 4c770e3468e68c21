//! Dialogs (issue 25, items 5 and 6): fields sit in one column whatever
//! their labels' widths (a two-column grid), and a token pasted with its
//! header scheme (`APIKey …`, `Bearer …`, `token …`) is taken without it,
//! saying so, for exactly the schemes the provider's header uses.

mod common;

use std::sync::Arc;

use common::*;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::providers::spec::FieldKey;
use keyfleet::providers::{ProviderKind, registry, spec};
use keyfleet::sandbox::{self, SANDBOX_ORGANIZATION, SANDBOX_PROJECT, Sandbox};
use keyfleet::store::{MemoryStore, SecretStore};

/// The left edges of the widgets named `labels` (the fields, named by
/// their labels).
fn lefts(test: &TestApp, labels: &[&str]) -> Vec<(String, f32)> {
    labels
        .iter()
        .map(|label| {
            let node = test
                .harness
                .query_all_by_label(label)
                .find(|node| node.accesskit_node().role() != egui::accesskit::Role::Label)
                .unwrap_or_else(|| {
                    panic!("a field {label:?}\nscreen:\n{}", screen_text(&test.harness))
                });
            (label.to_string(), node.rect().left())
        })
        .collect()
}

fn assert_aligned(edges: &[(String, f32)]) {
    let first = edges[0].1;
    assert!(
        edges.iter().all(|(_, left)| (left - first).abs() < 0.5),
        "fields start at different places: {edges:?}"
    );
}

/// The right edge of the label with this text (walked to: a label naming
/// a field is not found by its own text).
fn label_right(test: &TestApp, text: &str) -> f32 {
    let root = test.harness.root();
    root.children_recursive()
        .find(|node| {
            let node = node.accesskit_node();
            node.role() == egui::accesskit::Role::Label
                && (node.label().as_deref() == Some(text) || node.value().as_deref() == Some(text))
        })
        .unwrap_or_else(|| panic!("a label {text:?}"))
        .rect()
        .right()
}

#[test]
fn account_dialog_fields_share_one_column() {
    let sandbox = Sandbox::start().unwrap();
    let (mut test, _) = start_with_account(sandbox, ProviderKind::Gcore, "Prod");
    click(&mut test.harness, "➕ Add account");
    let fields = [
        "Provider:",
        "Display name:",
        "API base URL:",
        "API token:",
        "Project ID:",
    ];
    let edges = lefts(&test, &fields);
    assert_aligned(&edges);
    let widest = label_right(&test, "Display name:");
    assert!(widest < edges[0].1, "labels left of the fields");
    // Editing: the longer token label widens the labels column, and the
    // fields still line up.
    click(&mut test.harness, "Cancel");
    test.harness
        .query_all_by_label("Prod")
        .find(|node| node.accesskit_node().role() == egui::accesskit::Role::Button)
        .unwrap()
        .click_secondary();
    test.harness.run_steps(3);
    click(&mut test.harness, "Edit account…");
    let token_label = "API token (empty keeps the stored one):";
    let edges = lefts(
        &test,
        &["Display name:", "API base URL:", token_label, "Project ID:"],
    );
    assert_aligned(&edges);
    assert!(label_right(&test, token_label) < edges[0].1);
}

#[test]
fn add_key_and_rename_fields_and_their_errors_share_one_column() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.seed_key(ProviderKind::Terraform, "deploy", "", &private_key_text());
    let config_dir = tempfile::tempdir().unwrap();
    let profiles = [
        sandbox.profile(ProviderKind::Gcore, "Cloud"),
        sandbox.profile(ProviderKind::Terraform, "Modules"),
    ];
    keyfleet::store::ProfileStore::new(config_dir.path())
        .save(&profiles)
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    for profile in &profiles {
        let token = sandbox::token(profile.provider());
        secrets
            .set(&profile.id, &keyfleet::keys::SecretString::new(token))
            .unwrap();
    }
    let mut test = start_app(sandbox, config_dir, secrets);
    test.harness.run_steps(4);
    click(&mut test.harness, "➕ Add key");
    let public_box = "Public key (one line starting with ssh-ed25519, ssh-rsa or ecdsa-…):";
    assert_aligned(&lefts(&test, &["Name:", public_box]));
    // A name Gcore refuses: the reason sits under the field.
    set_text(&mut test.harness, "Name:", "x");
    let name_left = lefts(&test, &["Name:"])[0].1;
    let reason = test
        .harness
        .query_all_by_label_contains("characters")
        .next()
        .unwrap_or_else(|| panic!("a name error\nscreen:\n{}", screen_text(&test.harness)))
        .rect()
        .left();
    assert!((reason - name_left).abs() < 0.5, "{reason} vs {name_left}");
    click(&mut test.harness, "Cancel");

    click(&mut test.harness, "Modules");
    wait_for_label(&mut test.harness, "deploy");
    click(&mut test.harness, "➕ Add private key");
    assert_aligned(&lefts(
        &test,
        &["Name:", "Private key (PEM, no passphrase):"],
    ));
    click(&mut test.harness, "Cancel");

    select_key(&mut test.harness, "deploy");
    click(&mut test.harness, "Rename…");
    set_text(&mut test.harness, "New name:", "   ");
    click(&mut test.harness, "Rename");
    let field = lefts(&test, &["New name:"])[0].1;
    assert!(label_right(&test, "New name:") < field);
    let error = test
        .harness
        .query_all_by_label_contains("Enter a name")
        .next()
        .unwrap_or_else(|| panic!("a rename error\nscreen:\n{}", screen_text(&test.harness)))
        .rect()
        .left();
    assert!((error - field).abs() < 0.5, "{error} vs {field}");
}

#[test]
fn settings_rows_share_one_column() {
    let sandbox = Sandbox::start().unwrap();
    let (mut test, _) = start_with_account(sandbox, ProviderKind::Gcore, "Prod");
    test.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Comma);
    test.harness.run_steps(4);
    let edges = lefts(&test, &["System", "Smaller", "Add folder…"]);
    // "Smaller" follows the zoom's percentage: compare the rows' first
    // widgets, "System", the percentage and "Add folder…".
    let percent = test
        .harness
        .query_all_by_label_contains(" %")
        .find(|node| node.accesskit_node().role() == egui::accesskit::Role::Label)
        .unwrap()
        .rect()
        .left();
    assert_aligned(&[edges[0].clone(), ("zoom".into(), percent), edges[2].clone()]);
    assert!(label_right(&test, "Theme:") < edges[0].1);
}

/// Adds an account of `provider` through the dialog with `token` typed.
fn add_account(test: &mut TestApp, provider: &spec::ProviderSpec, name: &str, token: &str) {
    let h = &mut test.harness;
    let first = h.state().profiles().is_empty();
    click(
        h,
        if first {
            "➕ Add your first account"
        } else {
            "➕ Add account"
        },
    );
    click(h, "Provider:");
    h.get_by_label(provider.label).click();
    h.run_steps(2);
    set_text(h, "Display name:", name);
    set_text(h, provider.base_url_label, test.sandbox.url(provider.kind));
    set_text(h, "API token:", token);
    for field in provider.profile_fields.iter().filter(|f| !f.multiple) {
        let value = match field.key {
            FieldKey::Project => SANDBOX_PROJECT,
            _ => SANDBOX_ORGANIZATION,
        };
        set_text(h, field.label, value);
    }
}

#[test]
fn a_token_pasted_with_its_providers_header_scheme_is_taken_without_it() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let mut test = start_app(sandbox, config_dir, secrets.clone());
    test.harness.run_steps(2);
    let mut saved = 0;
    for provider in registry::all() {
        let token = sandbox::token(provider.kind);
        for prefix in provider.token_prefixes {
            // As copied from a header or a curl example, lower case too.
            let typed = if saved % 2 == 0 {
                format!("{prefix}{token}")
            } else {
                format!("  {} {token}", prefix.trim().to_lowercase())
            };
            let name = format!("{} {}", provider.label, prefix.trim());
            add_account(&mut test, provider, &name, &typed);
            wait_for_label_containing(&mut test.harness, "was removed from the start");
            click(&mut test.harness, "Save");
            saved += 1;
            let wanted = saved;
            wait_until(&mut test.harness, "saved and listed", move |h| {
                let app = h.state();
                app.profiles().len() == wanted
                    && app
                        .selected()
                        .and_then(|id| app.account(id))
                        .is_some_and(|a| a.loaded && a.error.is_none())
            });
            let id = test.harness.state().selected().unwrap().to_string();
            let stored = secrets.get(&id).unwrap().unwrap();
            assert_eq!(stored.expose(), token, "{name}: stored without the scheme");
        }
    }
    assert!(saved >= 4, "Gcore, HCP Terraform and GitHub's two");
}

#[test]
fn a_scheme_the_provider_does_not_use_is_left_alone_and_refused() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let mut test = start_app(sandbox, config_dir, secrets);
    test.harness.run_steps(2);
    for (kind, typed) in [
        // Sesterce sends its key bare in x-api-key; Gcore uses APIKey.
        (ProviderKind::Sesterce, "Bearer sesterce-token"),
        (ProviderKind::Gcore, "Bearer gcore-token"),
    ] {
        add_account(&mut test, kind.spec(), "Wrong scheme", typed);
        assert!(
            test.harness
                .query_all_by_label_contains("was removed from the start")
                .next()
                .is_none()
        );
        click(&mut test.harness, "Save");
        wait_for_label_containing(&mut test.harness, "contains spaces or line breaks");
        assert!(test.harness.state().profiles().is_empty());
        click(&mut test.harness, "Cancel");
    }
}

/// The rect of the widget named `label` that is not the label itself.
fn field_rect(test: &TestApp, label: &str) -> egui::Rect {
    test.harness
        .query_all_by_label(label)
        .find(|node| node.accesskit_node().role() != egui::accesskit::Role::Label)
        .unwrap_or_else(|| panic!("a field {label:?}\nscreen:\n{}", screen_text(&test.harness)))
        .rect()
}

/// A tall field (the three-row public key box) keeps its grid row: the
/// row under it starts below it. A grid cell allocated with no height was
/// centred on the row above, so the box hung half its height into the
/// "Open .pub file…" row (visible in the add-key snapshot).
#[test]
fn a_tall_field_does_not_overlap_the_row_under_it() {
    let sandbox = Sandbox::start().unwrap();
    let (mut test, _) = start_with_account(sandbox, ProviderKind::Gcore, "Prod");
    click(&mut test.harness, "➕ Add key");
    let public_box = "Public key (one line starting with ssh-ed25519, ssh-rsa or ecdsa-…):";
    set_text(
        &mut test.harness,
        public_box,
        &"ssh-ed25519 AAAA".repeat(20),
    );
    test.harness.run_steps(4);
    let key_box = field_rect(&test, public_box);
    let file_button = test.harness.get_by_label("Open .pub file…").rect();
    let path_box = field_rect(&test, "or path:");
    for below in [file_button, path_box] {
        assert!(
            below.top() >= key_box.bottom(),
            "the key box {key_box:?} overlaps {below:?}"
        );
    }
    let name_box = field_rect(&test, "Name:");
    assert!(
        key_box.top() >= name_box.bottom(),
        "{key_box:?} under {name_box:?}"
    );
}
