//! A private key given to the HCP Terraform "Add private key" dialog is
//! never shown as text: once read it becomes a summary (format, algorithm,
//! fingerprint) with a button to replace it, and the paste box keeps no copy,
//! not even in egui's undo history.

mod common;

use common::*;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;
use keyfleet::ui::add_key_modal::private_key_paste_id;

const KEY_LABEL: &str = "Private key (PEM, no passphrase):";

fn terraform_app() -> TestApp {
    start_with_account(
        Sandbox::start().unwrap(),
        ProviderKind::Terraform,
        "Modules",
    )
    .0
}

/// Every text the window exposes, as a screen reader would read it.
fn everything_on_screen(test: &TestApp) -> String {
    let mut all = screen_text(&test.harness);
    for node in test.harness.root().query_all(egui_kittest::kittest::by()) {
        if let Some(value) = node.accesskit_node().value() {
            all.push('\n');
            all.push_str(&value);
        }
    }
    all
}

#[test]
fn a_pasted_private_key_becomes_a_summary_and_leaves_no_copy_in_the_box() {
    let mut test = terraform_app();
    let key = generate(&GenerateRequest {
        algorithm: KeyAlgorithm::Rsa3072,
        comment: "deploy@ci".into(),
        passphrase: None,
        encoding: PrivateKeyEncoding::Pem,
    })
    .unwrap();
    let h = &mut test.harness;
    click(h, "➕ Add private key");
    set_text(h, "Name:", "deploy");
    // Pasted as a user does: focus the box, Ctrl+V.
    h.get_by_label(KEY_LABEL).focus();
    h.run_steps(2);
    h.input_mut()
        .events
        .push(egui::Event::Paste(key.private_key.expose().to_string()));
    h.run_steps(2);
    let summary = format!(
        "🔑 Private key loaded: PEM (PKCS#1 RSA) ssh-rsa, {}",
        key.public.fingerprint_sha256
    );
    wait_for_label(h, &summary);
    assert!(h.query_by_label(KEY_LABEL).is_none(), "the box is gone");
    let shown = everything_on_screen(&test);
    for line in key.private_key.expose().lines().skip(1).take(3) {
        assert!(!shown.contains(line), "key text on screen: {line}");
    }

    // egui keeps a text box's undo history in its memory, even after the box
    // is gone; the pasted key must not be in it.
    let state = egui::text_edit::TextEditState::load(&test.harness.ctx, private_key_paste_id());
    if let Some(state) = state {
        let undoer = state.undoer();
        assert!(
            !undoer.is_in_flux(),
            "the paste box's undo history holds the key"
        );
        assert!(
            !undoer.has_undo(&Default::default()),
            "the paste box has undo points"
        );
    }

    // Replace: the box comes back empty, and undo does not bring the key back.
    let h = &mut test.harness;
    click(h, "Replace private key…");
    assert_eq!(
        h.get_by_label(KEY_LABEL)
            .accesskit_node()
            .value()
            .unwrap_or_default(),
        ""
    );
    h.get_by_label(KEY_LABEL).focus();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(4);
    assert!(
        h.query_by_label(&summary).is_none(),
        "undo restored the key"
    );

    // A public key given by mistake is refused without being echoed.
    set_text(h, KEY_LABEL, &key.public.openssh);
    wait_for_label_containing(h, "The text given cannot be used");
    assert!(!everything_on_screen(&test).contains(&key.public.openssh));
    click(&mut test.harness, "Clear and give another key…");
    assert!(test.harness.query_by_label(KEY_LABEL).is_some());
}
