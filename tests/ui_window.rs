//! Everyday use of the keys table (issue 25, items 1–4): a key just added
//! or renamed is selected, scrolled into view and in the details panel (or,
//! hidden by the filter, said to be, with a way out); the columns fit
//! beside the details panel, can be hidden per provider, and fingerprints
//! keep both ends; the sideways scroll bar leaves the last row clickable;
//! Enter presses a focused button.

mod common;

use common::*;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;
use keyfleet::ui::details_panel::PANEL_LABEL;

/// A table cell named exactly `text` is exposed (only rows on screen are).
fn cell_shown(test: &TestApp, text: &str) -> bool {
    test.harness
        .query_all_by_label(text)
        .any(|node| node.accesskit_node().role() == Role::Cell)
}

/// A Gcore account with `count` keys named key-000, key-001, …
fn gcore_with_keys(count: usize) -> TestApp {
    let sandbox = Sandbox::start().unwrap();
    for i in 0..count {
        let key = public_key(ssh_key::Algorithm::Ed25519, &format!("user{i}@host"));
        sandbox.gcore.add_key(1, &format!("key-{i:03}"), &key, true);
    }
    let (test, _) = start_with_account(sandbox, ProviderKind::Gcore, "Prod");
    test
}

fn details_shows(test: &TestApp, text: &str) -> bool {
    test.harness
        .get_by_label(PANEL_LABEL)
        .query_all_by_label(text)
        .next()
        .is_some()
}

#[test]
fn a_key_added_below_the_fold_is_selected_scrolled_to_and_detailed() {
    let mut test = gcore_with_keys(80);
    let h = &mut test.harness;
    wait_for_label(h, "key-000");
    // Sorted by name, the new key's place is the last row, far below the
    // rows in view.
    h.get_by_label("Name").click();
    h.run_steps(3);
    assert!(
        !cell_shown(&test, "key-079"),
        "the last rows are out of view"
    );
    let h = &mut test.harness;
    click(h, "➕ Add key");
    set_text(h, "Name:", "zz-new-key");
    let line = public_key(ssh_key::Algorithm::Ed25519, "new@host");
    set_text(
        h,
        "Public key (one line starting with ssh-ed25519, ssh-rsa or ecdsa-…):",
        &line,
    );
    click(h, "Add key");
    wait_until(h, "the new row on screen", |h| {
        h.query_all_by_label("zz-new-key")
            .any(|node| node.accesskit_node().role() == Role::Cell)
    });
    assert_eq!(
        selected_key_name(&test.harness).as_deref(),
        Some("zz-new-key")
    );
    assert!(test.harness.state().details_open());
    assert!(
        details_shows(&test, "zz-new-key"),
        "the details panel shows the new key\nscreen:\n{}",
        screen_text(&test.harness)
    );
    // Its neighbour in sort order is on screen too: the table scrolled.
    assert!(cell_shown(&test, "key-079"));
    assert!(!cell_shown(&test, "key-000"));
}

#[test]
fn a_key_renamed_out_of_the_filter_is_said_to_be_hidden_with_a_way_back() {
    let sandbox = Sandbox::start().unwrap();
    for name in ["deploy-a", "deploy-b"] {
        sandbox.seed_key(ProviderKind::Terraform, name, "", &private_key_text());
    }
    let (mut test, _) = start_with_account(sandbox, ProviderKind::Terraform, "Modules");
    let h = &mut test.harness;
    wait_for_label(h, "deploy-a");
    set_text(h, "Filter:", "deploy");
    select_key(h, "deploy-a");
    click(h, "Rename…");
    set_text(h, "New name:", "ci-modules");
    click(h, "Rename");
    wait_for_label_containing(h, "is selected but hidden by the filter");
    assert_eq!(selected_key_name(h).as_deref(), Some("ci-modules"));
    assert!(!cell_shown(&test, "ci-modules"), "the filter hides the row");
    let h = &mut test.harness;
    click(h, "Clear filter");
    h.run_steps(3);
    assert!(
        cell_shown(&test, "ci-modules"),
        "{}",
        screen_text(&test.harness)
    );
    let app = test.harness.state();
    let table = &app.account(app.selected().unwrap()).unwrap().table;
    assert_eq!(table.filter(), "");
    assert!(
        test.harness
            .query_all_by_label_contains("hidden by the filter")
            .next()
            .is_none()
    );
}

/// The header buttons of the shown table, by title.
fn header(test: &TestApp, title: &str) -> Option<egui::Rect> {
    test.harness
        .query_all_by_label(title)
        .find(|node| node.accesskit_node().role() == Role::Button)
        .map(|node| node.rect())
}

#[test]
fn at_1400_points_every_column_fits_beside_the_details_panel() {
    let mut test = gcore_with_keys(3);
    wait_for_label(&mut test.harness, "key-000");
    select_key(&mut test.harness, "key-001");
    // The panel's own title, at its left edge.
    let panel = test.harness.get_by_label("Details").rect();
    for title in [
        "Name",
        "Algorithm",
        "SHA256 fingerprint",
        "MD5 fingerprint",
        "Shared",
        "State",
        "Created",
    ] {
        let rect = header(&test, title).unwrap_or_else(|| {
            panic!(
                "a {title:?} header\nscreen:\n{}",
                screen_text(&test.harness)
            )
        });
        assert!(
            rect.right() <= panel.left(),
            "{title} ends at {} but the details panel starts at {}",
            rect.right(),
            panel.left()
        );
    }
    // The cells too, to the end of the last column.
    let right = test
        .harness
        .root()
        .children_recursive()
        .filter(|node| node.accesskit_node().role() == Role::Cell)
        .map(|node| node.rect().right())
        .fold(0.0, f32::max);
    assert!(
        right > 0.0 && right <= panel.left(),
        "cells end at {right}, panel at {}",
        panel.left()
    );
}

/// Every column title a key table can show.
const COLUMN_TITLES: [&str; 14] = [
    "Name",
    "ID",
    "Kind",
    "Algorithm",
    "SHA256 fingerprint",
    "MD5 fingerprint",
    "Shared",
    "Default",
    "State",
    "Created",
    "Updated",
    "Used by",
    "Expires",
    "Labels",
];

/// At the window's default size (1280 × 780, `main.rs`) every provider's
/// columns start out beside the details panel, not off to its right:
/// GitLab's Expires began outside the window, with no sign it was there.
#[test]
fn at_the_default_size_every_providers_columns_fit_beside_the_details_panel() {
    for kind in ProviderKind::ALL {
        let sandbox = Sandbox::start().unwrap();
        let public = public_key(ssh_key::Algorithm::Ed25519, "fits@host");
        sandbox.seed_key(kind, "fits", &public, &private_key_text());
        let (mut test, profile) = start_with_account(sandbox, kind, "Fits");
        test.harness.set_size(egui::vec2(1280.0, 780.0));
        wait_until(&mut test.harness, "the table's header", |h| {
            h.query_all_by_label("Name")
                .any(|node| node.accesskit_node().role() == Role::Button)
        });
        test.harness.run_steps(4);
        let panel = test.harness.get_by_label("Details").rect();
        // Header cells: sortable ones are buttons, the rest labels; all on
        // the Name header's line.
        let middle = header(&test, "Name").unwrap().center().y;
        let shown: Vec<(&str, egui::Rect)> = COLUMN_TITLES
            .iter()
            .filter_map(|title| {
                test.harness
                    .query_all_by_label(title)
                    .map(|node| node.rect())
                    .find(|rect| (rect.center().y - middle).abs() < 3.0)
                    .map(|rect| (*title, rect))
            })
            .collect();
        let hidden = profile.provider().spec().hidden_columns;
        let expected = keyfleet::ui::keys_panel::columns_for(&profile)
            .iter()
            .filter(|column| {
                **column != keyfleet::ui::keys_panel::KeyColumn::Actions && !hidden.contains(column)
            })
            .count();
        assert_eq!(shown.len(), expected, "{kind:?}: {shown:?}");
        for (title, rect) in shown {
            assert!(
                rect.right() <= panel.left(),
                "{kind:?}: {title} ends at {} but the details panel starts at {}",
                rect.right(),
                panel.left()
            );
        }
    }
}

/// Every text the last frame painted, as drawn (a cut text ends or has
/// "…" where it was cut).
fn painted_texts(test: &TestApp) -> Vec<String> {
    fn walk(shape: &egui::Shape, out: &mut Vec<String>) {
        match shape {
            egui::Shape::Text(text) => out.push(text.galley.text().to_string()),
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|shape| walk(shape, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &test.harness.output().shapes {
        walk(&clipped.shape, &mut out);
    }
    out
}

#[test]
fn fingerprints_are_cut_in_the_middle_and_whole_everywhere_else() {
    let mut test = gcore_with_keys(1);
    test.harness
        .ctx
        .all_styles_mut(|style| style.interaction.tooltip_delay = 0.0);
    wait_for_label(&mut test.harness, "key-000");
    let sha256 = {
        let app = test.harness.state();
        let table = &app.account(app.selected().unwrap()).unwrap().table;
        table.rows()[0].fingerprint_sha256.clone().unwrap()
    };
    // Painted with both ends and "…" between.
    let painted = painted_texts(&test);
    let cut = painted
        .iter()
        .find(|text| text.starts_with("SHA256:") && text.contains('…'))
        .unwrap_or_else(|| panic!("a cut fingerprint among {painted:?}"));
    let (head, tail) = cut.split_once('…').unwrap();
    assert!(head.len() >= 11 && tail.len() >= 4, "{cut}");
    assert!(
        sha256.starts_with(head) && sha256.ends_with(tail),
        "{cut} of {sha256}"
    );
    assert!(!painted.contains(&sha256), "not painted whole");
    // The cell is named by the whole fingerprint; hovering shows it whole.
    assert!(cell_shown(&test, &sha256));
    test.harness
        .query_all_by_label(&sha256)
        .find(|node| node.accesskit_node().role() == Role::Cell)
        .unwrap()
        .hover();
    test.harness.run_steps(4);
    assert!(
        test.harness
            .query_all_by_label(&sha256)
            .any(|node| node.accesskit_node().role() == Role::Label),
        "a tooltip with the whole fingerprint\nscreen:\n{}",
        screen_text(&test.harness)
    );
    // The details panel and Copy have it whole.
    select_key(&mut test.harness, "key-000");
    assert!(details_shows(&test, &sha256));
    let copied = click_and_collect_copies(&mut test.harness, "Copy SHA256");
    assert_eq!(copied, [sha256]);
}

/// Right-clicks the header `title` and toggles the column `column` in the
/// menu.
fn toggle_column(test: &mut TestApp, title: &str, column: &str) {
    let h = &mut test.harness;
    h.query_all_by_label(title)
        .find(|node| node.accesskit_node().role() == Role::Button)
        .unwrap()
        .click_secondary();
    h.run_steps(3);
    h.query_all_by_label(column)
        .find(|node| node.accesskit_node().role() == Role::CheckBox)
        .unwrap_or_else(|| panic!("a {column:?} checkbox\nscreen:\n{}", screen_text(h)))
        .click();
    h.run_steps(2);
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
}

#[test]
fn columns_are_hidden_from_the_header_per_provider_and_remembered() {
    let sandbox = Sandbox::start().unwrap();
    let line = public_key(ssh_key::Algorithm::Ed25519, "a@b");
    sandbox.seed_key(ProviderKind::Gcore, "gcore-key", &line, "");
    sandbox.seed_key(ProviderKind::Sesterce, "sesterce-key", &line, "");
    let config_dir = tempfile::tempdir().unwrap();
    let profiles = [
        sandbox.profile(ProviderKind::Gcore, "Cloud A"),
        sandbox.profile(ProviderKind::Sesterce, "GPU B"),
    ];
    keyfleet::store::ProfileStore::new(config_dir.path())
        .save(&profiles)
        .unwrap();
    let secrets = std::sync::Arc::new(keyfleet::store::MemoryStore::default());
    for profile in &profiles {
        let token = keyfleet::sandbox::token(profile.provider());
        keyfleet::store::SecretStore::set(
            &*secrets,
            &profile.id,
            &keyfleet::keys::SecretString::new(token),
        )
        .unwrap();
    }
    let mut test = start_app(sandbox, config_dir, secrets.clone());
    wait_for_label(&mut test.harness, "gcore-key");
    // Gcore reports MD5 itself: shown. Sesterce does not: hidden.
    assert!(header(&test, "MD5 fingerprint").is_some());
    toggle_column(&mut test, "SHA256 fingerprint", "Created");
    assert!(header(&test, "Created").is_none(), "Created hidden");
    assert!(header(&test, "State").is_some());
    click(&mut test.harness, "GPU B");
    wait_for_label(&mut test.harness, "sesterce-key");
    assert!(header(&test, "Created").is_some(), "per provider");
    assert!(header(&test, "MD5 fingerprint").is_none(), "not reported");
    toggle_column(&mut test, "Name", "MD5 fingerprint");
    assert!(
        header(&test, "MD5 fingerprint").is_some(),
        "shown on request"
    );

    // What eframe saves of egui's memory brings the choices back.
    let saved = ron::to_string(&test.harness.ctx.memory(|m| m.clone())).unwrap();
    let memory: egui::Memory = ron::from_str(&saved).unwrap();
    let TestApp {
        sandbox,
        config_dir,
        secrets,
        ..
    } = test;
    let mut test = start_app_from(
        sandbox,
        config_dir,
        secrets,
        Stored {
            remembered: None,
            memory: Some(memory),
        },
    );
    wait_for_label(&mut test.harness, "gcore-key");
    assert!(header(&test, "Created").is_none(), "still hidden for Gcore");
    click(&mut test.harness, "GPU B");
    wait_for_label(&mut test.harness, "sesterce-key");
    assert!(header(&test, "MD5 fingerprint").is_some());
    assert!(header(&test, "Created").is_some());
}

#[test]
fn the_sideways_scroll_bar_leaves_the_last_row_of_a_short_table_clickable() {
    let mut test = gcore_with_keys(3);
    // Narrow: the columns overflow sideways, so the bar is there.
    test.harness.set_size(egui::vec2(1024.0, 700.0));
    wait_for_label(&mut test.harness, "key-002");
    test.harness.run_steps(3);
    let last = test
        .harness
        .query_all_by_label("key-002")
        .find(|node| node.accesskit_node().role() == Role::Cell)
        .unwrap()
        .rect();
    // The lowest points of the last row: under a floating bar, its click
    // went to the bar.
    let point = egui::pos2(last.center().x, last.bottom() - 2.0);
    test.harness.hover_at(point);
    test.harness.run_steps(2);
    test.harness.drag_at(point);
    test.harness.run_steps(1);
    test.harness.drop_at(point);
    test.harness.run_steps(3);
    assert_eq!(
        selected_key_name(&test.harness).as_deref(),
        Some("key-002"),
        "the click at {point:?} selected the last row"
    );
}

#[test]
fn enter_presses_the_focused_button_instead_of_showing_details() {
    let mut test = gcore_with_keys(2);
    wait_for_label(&mut test.harness, "key-000");
    select_key(&mut test.harness, "key-000");
    assert!(test.harness.state().details_open());
    test.harness.get_by_label("Hide details").focus();
    test.harness.run_steps(2);
    assert!(test.harness.get_by_label("Hide details").is_focused());
    test.harness.key_press(egui::Key::Enter);
    test.harness.run_steps(3);
    assert!(
        !test.harness.state().details_open(),
        "Enter pressed the focused \"Hide details\""
    );
    // With nothing focused, Enter still shows the details.
    test.harness.key_press(egui::Key::Enter);
    test.harness.run_steps(3);
    assert!(test.harness.state().details_open());
}

#[test]
fn a_key_published_to_an_account_is_selected_there_and_scrolled_to() {
    let mut test = gcore_with_keys(60);
    wait_for_label(&mut test.harness, "key-000");
    let laptop = public_key(ssh_key::Algorithm::Ed25519, "aaa-laptop");
    std::fs::write(test.ssh_dir.join("aaa-laptop.pub"), format!("{laptop}\n")).unwrap();
    let h = &mut test.harness;
    click(h, "🔑 All keys");
    wait_for_label_containing(h, "1 file on this computer");
    set_text(h, "Filter:", "aaa-laptop");
    click(h, "aaa-laptop.pub");
    click(h, "📤 Publish…");
    wait_for_label_containing(h, "Publish \"aaa-laptop.pub\"");
    h.query_all_by_label("Prod")
        .find(|node| node.accesskit_node().role() == Role::CheckBox)
        .unwrap()
        .click();
    h.run_steps(2);
    click(h, "Publish to 1 account(s)");
    wait_for_label_containing(h, "✔ added as \"aaa-laptop\"");
    click(h, "Close");
    // Back in the account: the new key (appended after sixty) is in view,
    // selected and detailed.
    h.query_all_by_label("Prod")
        .find(|node| node.accesskit_node().role() == Role::Button)
        .unwrap()
        .click();
    wait_until(h, "the published row on screen", |h| {
        h.query_all_by_label("aaa-laptop")
            .any(|node| node.accesskit_node().role() == Role::Cell)
    });
    assert_eq!(
        selected_key_name(&test.harness).as_deref(),
        Some("aaa-laptop")
    );
    assert!(details_shows(&test, "aaa-laptop"));
    assert!(!cell_shown(&test, "key-000"), "scrolled down to it");
}

#[test]
fn a_regional_keypair_copied_to_the_project_selects_the_copy_not_the_original() {
    use keyfleet::providers::KeyScope;
    use keyfleet::providers::spec::FieldKey;
    let sandbox = Sandbox::start().unwrap();
    let legacy = public_key(ssh_key::Algorithm::Ed25519, "legacy@h");
    sandbox.gcore.add_keypair(1, 76, "old-regional", &legacy);
    let mut profile = sandbox.profile(ProviderKind::Gcore, "Prod");
    profile.settings = profile.settings.with_values(FieldKey::Regions, &["76"]);
    let mut test = start_with_profile(sandbox, &profile);
    let h = &mut test.harness;
    wait_for_label(h, "old-regional");
    select_key(h, "old-regional");
    click(h, "Copy to project");
    let id = profile.id.clone();
    wait_until(h, "copied", move |h| {
        h.state().account(&id).unwrap().table.len() == 2
    });
    // Same name, same key: the selection is the project copy, by its id.
    let copy_id = test
        .sandbox
        .gcore
        .keys(1)
        .into_iter()
        .find(|k| k.1 == "old-regional")
        .unwrap()
        .0;
    let app = test.harness.state();
    let selected = app
        .account(&profile.id)
        .unwrap()
        .table
        .selected_key()
        .unwrap();
    assert_eq!(selected.id, copy_id);
    assert_eq!(selected.scope, KeyScope::Account);
    assert!(app.details_open());
}
