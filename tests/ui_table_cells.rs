//! The keys table's cells are painted from text laid out once
//! (`ui/cell_text.rs`), not built from labels: each cell is still named by
//! its whole text for screen readers, a name too long for its column is cut
//! with "…" and shown whole on hover, and the hover texts that labels had
//! (the comment on a name, a weak algorithm's reason) are still there. A
//! right click opens the row's menu, which stays open until dismissed.

mod common;

use common::*;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;

const LONG_NAME: &str = "build-runner-eu-west-gpu-node-0042-primary-deploy-key";

/// A Gcore account with a short-named key (with a comment), a key whose
/// name is too long for the Name column, and a DSA key.
fn account() -> TestApp {
    let sandbox = Sandbox::start().unwrap();
    let short = public_key(ssh_key::Algorithm::Ed25519, "alice@laptop");
    sandbox.gcore.add_key(1, "alice", &short, true);
    let long = public_key(ssh_key::Algorithm::Ed25519, "");
    sandbox.gcore.add_key(1, LONG_NAME, &long, true);
    sandbox.gcore.add_key(1, "old-dsa", &dsa_key(), true);
    let (test, _) = start_with_account(sandbox, ProviderKind::Gcore, "Gcore");
    // Tooltips at once: the harness's frames are not real time.
    test.harness
        .ctx
        .all_styles_mut(|style| style.interaction.tooltip_delay = 0.0);
    test
}

fn dsa_key() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dsa1024.pub");
    std::fs::read_to_string(path).unwrap().trim().to_string()
}

fn hover_and_wait(test: &mut TestApp, cell: &str, tooltip_part: &str) {
    test.harness.get_by_label(cell).hover();
    test.harness.run_steps(4);
    assert!(
        test.harness
            .query_all_by_label_contains(tooltip_part)
            .next()
            .is_some(),
        "hovering {cell:?} shows {tooltip_part:?}\nscreen:\n{}",
        screen_text(&test.harness)
    );
}

#[test]
fn cells_are_named_by_their_whole_text_and_explain_themselves_on_hover() {
    let mut test = account();
    wait_for_label(&mut test.harness, "old-dsa");
    // Every text cell is a named cell, the cut one by its whole name.
    for name in ["alice", LONG_NAME, "old-dsa", "⚠ DSA 1024", "ED25519"] {
        assert!(
            test.harness.query_all_by_label(name).next().is_some(),
            "a cell named {name:?}\nscreen:\n{}",
            screen_text(&test.harness)
        );
    }
    // The Name column starts 170 points wide: the cell stays that wide.
    let long_cell = test.harness.get_by_label(LONG_NAME).rect();
    assert!(
        (100.0..=171.0).contains(&long_cell.width()),
        "the long name's cell stays in its column: {long_cell:?}"
    );
    // The painted text is cut with "…".
    let painted: Vec<String> = painted_texts(&test);
    assert!(
        painted
            .iter()
            .any(|text| text.starts_with("build-runner") && text.ends_with('…')),
        "the long name is drawn cut: {painted:?}"
    );
    assert!(!painted.iter().any(|text| text == LONG_NAME));

    hover_and_wait(&mut test, "alice", "Comment: alice@laptop");
    // The cut name is shown whole on hover (the cell's name is not a label).
    hover_and_wait(&mut test, LONG_NAME, LONG_NAME);
    let whole = test
        .harness
        .query_all_by_label(LONG_NAME)
        .filter(|node| node.accesskit_node().role() == egui::accesskit::Role::Label)
        .count();
    assert_eq!(whole, 1, "a tooltip label with the whole name");
    hover_and_wait(&mut test, "⚠ DSA 1024", "DSA");
    assert!(
        test.harness
            .query_all_by_label_contains("2024")
            .next()
            .is_some(),
        "DSA's reason: removed from OpenSSH's default build in 2024\nscreen:\n{}",
        screen_text(&test.harness)
    );
}

#[test]
fn a_right_click_opens_the_rows_menu_until_it_is_dismissed() {
    let mut test = account();
    wait_for_label(&mut test.harness, "alice");
    test.harness.get_by_label("alice").click_secondary();
    test.harness.run_steps(3);
    assert_eq!(selected_key_name(&test.harness).as_deref(), Some("alice"));
    // The menu stays open over several frames (it is only built for the
    // row whose menu is open).
    test.harness.run_steps(10);
    assert!(
        menu_has_copy(&test),
        "the row's menu is open\nscreen:\n{}",
        screen_text(&test.harness)
    );
    test.harness.key_press(egui::Key::Escape);
    test.harness.run_steps(3);
    assert!(!menu_has_copy(&test), "Esc closes the menu");
}

/// The row menu's "Copy SHA256" (the details panel has one too).
fn menu_has_copy(test: &TestApp) -> bool {
    test.harness.query_all_by_label("Copy SHA256").count() > 1
}

/// Every text the last frame painted.
fn painted_texts(test: &TestApp) -> Vec<String> {
    fn walk(shape: &egui::Shape, out: &mut Vec<String>) {
        match shape {
            // What is drawn: the glyphs, so a cut text ends in "…".
            egui::Shape::Text(text) => out.push(
                text.galley
                    .rows
                    .iter()
                    .flat_map(|row| row.glyphs.iter().map(|glyph| glyph.chr))
                    .collect(),
            ),
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
fn dates_read_one_way_in_the_table() {
    // Sesterce sends RFC 3339 with a fraction; people read one form.
    let sandbox = Sandbox::start().unwrap();
    let key = public_key(ssh_key::Algorithm::Ed25519, "dated");
    sandbox.sesterce.add_key("dated", &key);
    let (mut test, _) = start_with_account(sandbox, ProviderKind::Sesterce, "Sesterce");
    wait_for_label(&mut test.harness, "dated");
    let names: Vec<String> = test
        .harness
        .root()
        .query_all_by_label_contains(" UTC")
        .filter_map(|node| node.accesskit_node().label())
        .collect();
    let one_form = regex::Regex::new(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$").unwrap();
    assert!(
        !names.is_empty() && names.iter().all(|name| one_form.is_match(name)),
        "Created and Updated cells in the one human form: {names:?}\nscreen:\n{}",
        screen_text(&test.harness)
    );
    let raw = regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:").unwrap();
    assert!(
        !screen_text(&test.harness)
            .lines()
            .any(|line| raw.is_match(line)),
        "no provider timestamp shown as sent\nscreen:\n{}",
        screen_text(&test.harness)
    );
}
