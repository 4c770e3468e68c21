//! The settings dialog: opened from its button, the command palette and
//! Ctrl+,. A folder added through the (scripted) folder dialog is scanned:
//! "All keys" then shows a key file placed there, and no longer does once
//! the folder is removed. A hygiene threshold changed here is the one "All
//! keys" uses. Both themes draw the window (and the warning and error
//! lines) in the colours `ui::theme` chose, and those read at ≥ 4.5:1.

mod common;

use common::*;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{Fault, Sandbox};
use keyfleet::ui::command_palette::QUERY_LABEL;
use keyfleet::ui::settings_modal::TITLE;
use keyfleet::ui::theme;

fn settings_open(test: &TestApp) -> bool {
    test.harness.query_by_label(TITLE).is_some()
}

fn close_settings(test: &mut TestApp) {
    click(&mut test.harness, "Close");
    assert!(!settings_open(test));
}

fn sha256(line: &str) -> String {
    keyfleet::keys::public::parse_public_key(line)
        .unwrap()
        .fingerprint_sha256
}

/// Whether the inventory shown lists a key file with this fingerprint.
fn inventory_has(h: &egui_kittest::Harness<'static, keyfleet::app::App>, sha: &str) -> bool {
    h.state().fleet().table().snapshot().is_some_and(|s| {
        s.local_keys
            .iter()
            .any(|key| key.sha256.as_deref() == Some(sha))
    })
}

#[test]
fn settings_open_from_the_button_the_palette_and_the_keyboard() {
    let (mut test, _) = start_with_account(Sandbox::start().unwrap(), ProviderKind::Gcore, "Prod");
    click(&mut test.harness, "⚙ Settings");
    assert!(settings_open(&test), "{}", screen_text(&test.harness));
    close_settings(&mut test);

    test.harness.key_press_modifiers(Modifiers::COMMAND, Key::K);
    test.harness.run_steps(4);
    set_text(&mut test.harness, QUERY_LABEL, "settings");
    test.harness.key_press(Key::Enter);
    test.harness.run_steps(4);
    assert!(settings_open(&test), "{}", screen_text(&test.harness));
    close_settings(&mut test);

    test.harness
        .key_press_modifiers(Modifiers::COMMAND, Key::Comma);
    test.harness.run_steps(4);
    assert!(settings_open(&test));
    // Modal: the window's shortcuts are off meanwhile.
    assert!(test.harness.state().modal_open());
    close_settings(&mut test);
}

#[test]
fn an_added_folder_is_scanned_and_a_removed_one_no_longer() {
    let (mut test, _) = start_with_account(Sandbox::start().unwrap(), ProviderKind::Gcore, "Prod");
    let extra = test.config_dir.path().join("work-keys");
    std::fs::create_dir_all(&extra).unwrap();
    let line = public_key(ssh_key::Algorithm::Ed25519, "deploy@work");
    std::fs::write(extra.join("deploy.pub"), format!("{line}\n")).unwrap();
    let sha = sha256(&line);

    click(&mut test.harness, "🔑 All keys");
    wait_until(&mut test.harness, "the inventory", |h| {
        h.state().fleet().table().snapshot().is_some()
    });
    assert!(!inventory_has(&test.harness, &sha), "not scanned yet");

    click(&mut test.harness, "⚙ Settings");
    test.dialogs.push(&extra);
    click(&mut test.harness, "Add folder…");
    let wanted = extra.clone();
    wait_until(&mut test.harness, "the folder added", move |h| {
        h.state().fleet().local_dirs().contains(&wanted)
    });
    assert!(
        test.harness
            .query_by_label(&extra.display().to_string())
            .is_some(),
        "the dialog lists it"
    );
    // Stricter hygiene from here too.
    assert!(!test.harness.state().fleet().rules().strict);
    click(&mut test.harness, "Flag ECDSA P-256 as weak (stricter)");
    assert!(test.harness.state().fleet().rules().strict);
    close_settings(&mut test);

    let wanted = sha.clone();
    wait_until(&mut test.harness, "the new folder's key listed", move |h| {
        inventory_has(h, &wanted)
    });

    click(&mut test.harness, "⚙ Settings");
    // The second folder's "Remove" (the first is the test's ~/.ssh).
    test.harness
        .query_all_by_label("Remove")
        .nth(1)
        .expect("a Remove per folder")
        .click();
    test.harness.run_steps(3);
    assert_eq!(
        test.harness.state().fleet().local_dirs(),
        [test.ssh_dir.clone()]
    );
    close_settings(&mut test);
    let wanted = sha.clone();
    wait_until(
        &mut test.harness,
        "the key gone with its folder",
        move |h| h.state().fleet().table().snapshot().is_some() && !inventory_has(h, &wanted),
    );
}

#[test]
fn both_themes_have_readable_warnings_errors_and_successes() {
    for which in [egui::Theme::Light, egui::Theme::Dark] {
        let visuals = theme::visuals(which);
        let mut colours = vec![
            ("warning", visuals.warn_fg_color),
            ("error", visuals.error_fg_color),
            ("success", theme::success_color(&visuals)),
            ("text", visuals.text_color()),
        ];
        if which == egui::Theme::Light {
            // egui's own would fail here: this test would catch going back.
            assert!(
                theme::contrast_ratio(egui::Visuals::light().warn_fg_color, visuals.panel_fill)
                    < 4.5
            );
        }
        for (what, colour) in colours.drain(..) {
            for background in theme::text_backgrounds(&visuals) {
                let ratio = theme::contrast_ratio(colour, background);
                assert!(
                    ratio >= 4.5,
                    "{which:?}: {what} {colour:?} on {background:?} is only {ratio:.2}:1"
                );
            }
        }
    }
    for background in [
        theme::toast::SUCCESS,
        theme::toast::INFO,
        theme::toast::ERROR,
    ] {
        let ratio = theme::contrast_ratio(egui::Color32::WHITE, background);
        assert!(ratio >= 4.5, "toast text on {background:?}: {ratio:.2}:1");
    }
}

#[test]
fn the_window_draws_in_both_themes_with_its_warning_and_error_lines() {
    let sandbox = Sandbox::start().unwrap();
    // A weak key: its type shows in the warning colour.
    let weak = include_str!("fixtures/dsa1024.pub").trim();
    sandbox.seed_key(ProviderKind::Gcore, "legacy-dsa", weak, "");
    let (mut test, _) = start_with_account(sandbox, ProviderKind::Gcore, "Prod");
    // A failed refresh: its error line.
    test.sandbox
        .faults(ProviderKind::Gcore)
        .inject(Fault::ServerError, 20);
    click(&mut test.harness, "⟳ Refresh");
    wait_for_label_containing(&mut test.harness, "Refresh failed");
    for (button, which) in [("Light", egui::Theme::Light), ("Dark", egui::Theme::Dark)] {
        click(&mut test.harness, "⚙ Settings");
        click(&mut test.harness, button);
        close_settings(&mut test);
        test.harness.run_steps(3);
        let h = &test.harness;
        assert_eq!(h.ctx.theme(), which);
        // The colours in use are the readable ones.
        let (in_use, chosen) = (h.ctx.global_style().visuals.clone(), theme::visuals(which));
        assert_eq!(in_use.warn_fg_color, chosen.warn_fg_color);
        assert_eq!(in_use.error_fg_color, chosen.error_fg_color);
        assert_eq!(in_use.panel_fill, chosen.panel_fill);
        assert!(h.query_by_label_contains("Refresh failed").is_some());
        assert!(
            h.query_by_label_contains("⚠ DSA").is_some(),
            "the weak key's warning: {}",
            screen_text(h)
        );
    }
}
