//! Every control on screen has an accessible name (what a screen reader
//! says, and what UI tests find it by): the main window with a key
//! selected (details panel, the hovered row's "Copy"), the row's context
//! menu, the command palette and the settings dialog. The details panel
//! itself is named too.

mod common;

use common::*;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::app::App;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;
use keyfleet::ui::command_palette::QUERY_LABEL;
use keyfleet::ui::details_panel::PANEL_LABEL;
use keyfleet::ui::settings_modal::TITLE as SETTINGS_TITLE;

/// Roles a user operates (and so must hear named).
const CONTROLS: &[Role] = &[
    Role::Button,
    Role::CheckBox,
    Role::ComboBox,
    Role::Link,
    Role::MenuItem,
    Role::MultilineTextInput,
    Role::RadioButton,
    Role::Slider,
    Role::SpinButton,
    Role::Switch,
    Role::Tab,
    Role::TextInput,
];

/// Every control without a name, described by role and position.
fn unnamed_controls(harness: &Harness<'static, App>) -> Vec<String> {
    let root = harness.root();
    std::iter::once(root)
        .chain(root.children_recursive())
        .filter(|node| CONTROLS.contains(&node.accesskit_node().role()))
        .filter(|node| {
            node.accesskit_node()
                .label()
                .is_none_or(|label| label.trim().is_empty())
        })
        .map(|node| format!("{:?} at {:?}", node.accesskit_node().role(), node.rect()))
        .collect()
}

fn assert_all_named(harness: &Harness<'static, App>, when: &str) {
    let root = harness.root();
    let controls = root
        .children_recursive()
        .filter(|node| CONTROLS.contains(&node.accesskit_node().role()))
        .count();
    assert!(controls > 5, "{when}: only {controls} controls found");
    let unnamed = unnamed_controls(harness);
    assert!(
        unnamed.is_empty(),
        "{when}: controls without a name: {unnamed:?}\nscreen:\n{}",
        screen_text(harness)
    );
}

#[test]
fn every_control_named_in_the_window_panel_menu_and_palette() {
    let sandbox = Sandbox::start().unwrap();
    for i in 0..3 {
        let key = public_key(ssh_key::Algorithm::Ed25519, &format!("user{i}@host"));
        sandbox.seed_key(ProviderKind::Gcore, &format!("key-{i}"), &key, "");
    }
    let (mut test, _) = start_with_account(sandbox, ProviderKind::Gcore, "Prod");
    let h = &mut test.harness;
    assert_all_named(h, "nothing selected");

    select_key(h, "key-1");
    assert!(
        h.query_by_label(PANEL_LABEL).is_some(),
        "the panel is named"
    );
    // The pointer is over the row: its quick "Copy" shows.
    h.run_steps(2);
    assert!(h.query_by_label("Copy").is_some(), "{}", screen_text(h));
    assert_all_named(h, "a key selected");

    h.get_by_label("key-2").click_secondary();
    h.run_steps(3);
    assert!(
        h.query_all_by_label("Delete…").count() == 2,
        "menu and panel"
    );
    assert_all_named(h, "the context menu open");
    h.key_press(egui::Key::Escape);
    h.run_steps(3);

    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run_steps(4);
    assert!(
        h.query_by_label(QUERY_LABEL).is_some(),
        "the query box is named"
    );
    assert_all_named(h, "the palette open");
    h.key_press(egui::Key::Escape);
    h.run_steps(3);

    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Comma);
    h.run_steps(4);
    assert!(
        h.query_by_label(SETTINGS_TITLE).is_some(),
        "{}",
        screen_text(h)
    );
    // Theme, zoom, a folder with its "Remove", "Add folder…", the hygiene
    // thresholds (a check box and two number fields), "Close".
    assert_all_named(h, "the settings dialog open");
}
