//! The command list (`ui::command::UICommand`) through the real window:
//! every shortcut of every command does what its command says (pressed as
//! the list declares it, so a shortcut moved to another key is still
//! tested), Ctrl+R refreshes one account while Ctrl+Shift+R refreshes all,
//! and the palette lists exactly what is available in each view, written
//! out here by hand.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use egui::{Key, KeyboardShortcut, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{self, Fault, Gate, Sandbox};
use keyfleet::store::{MemoryStore, ProfileStore, SecretStore};
use keyfleet::ui::command::UICommand;
use keyfleet::ui::command_palette::QUERY_LABEL;
use keyfleet::ui::settings_modal;

/// "Prod" (Gcore: key-00, key-01, key-02) and "Code" (GitHub: laptop).
struct Fleet {
    test: TestApp,
    prod: String,
    code: String,
    prod_keys: Vec<String>,
}

fn two_accounts() -> Fleet {
    let sandbox = Sandbox::start().unwrap();
    let prod_keys: Vec<String> = (0..3)
        .map(|i| public_key(ssh_key::Algorithm::Ed25519, &format!("user{i}@host")))
        .collect();
    for (i, key) in prod_keys.iter().enumerate() {
        sandbox.seed_key(ProviderKind::Gcore, &format!("key-{i:02}"), key, "");
    }
    let laptop = public_key(ssh_key::Algorithm::Ed25519, "laptop@host");
    sandbox.seed_key(ProviderKind::Github, "laptop", &laptop, "");
    let profiles = [
        sandbox.profile(ProviderKind::Gcore, "Prod"),
        sandbox.profile(ProviderKind::Github, "Code"),
    ];
    let config_dir = tempfile::tempdir().unwrap();
    ProfileStore::new(config_dir.path())
        .save(&profiles)
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    for profile in &profiles {
        let token = SecretString::new(sandbox::token(profile.provider()));
        secrets.set(&profile.id, &token).unwrap();
    }
    let mut test = start_app(sandbox, config_dir, secrets);
    wait_all_loaded(&mut test);
    let [prod, code] = profiles.map(|profile| profile.id);
    Fleet {
        test,
        prod,
        code,
        prod_keys,
    }
}

/// Waits until every account has its list and none is loading.
fn wait_all_loaded(test: &mut TestApp) {
    wait_until(&mut test.harness, "every account listed", |h| {
        let app = h.state();
        app.profiles().iter().all(|profile| {
            app.account(&profile.id)
                .is_some_and(|account| account.loaded && !account.is_loading())
        })
    });
}

fn press(test: &mut TestApp, shortcut: KeyboardShortcut) {
    test.harness
        .key_press_modifiers(shortcut.modifiers, shortcut.logical_key);
    test.harness.run_steps(3);
}

fn loading(test: &TestApp, id: &str) -> bool {
    test.harness
        .state()
        .account(id)
        .is_some_and(|account| account.is_loading())
}

fn filter(test: &TestApp) -> String {
    let app = test.harness.state();
    let account = app.account(app.selected().unwrap()).unwrap();
    account.table.filter().to_string()
}

/// Holds the next list request of both servers until the gates open.
fn hold_lists(test: &TestApp) -> [Gate; 2] {
    [ProviderKind::Gcore, ProviderKind::Github].map(|kind| {
        let gate = Gate::new();
        test.sandbox
            .faults(kind)
            .inject(Fault::Hold(gate.clone()), 1);
        gate
    })
}

/// Opens the gates, forgets unused holds and waits for the lists.
fn release(test: &mut TestApp, gates: [Gate; 2]) {
    for gate in gates {
        gate.release();
    }
    for kind in [ProviderKind::Gcore, ProviderKind::Github] {
        test.sandbox.faults(kind).clear();
    }
    wait_all_loaded(test);
}

const DEADLINE: Duration = Duration::from_secs(30);

/// Ctrl+R reloads the shown account only; Ctrl+Shift+R (which egui also
/// matches as Ctrl+R) reloads both.
fn check_refresh(fleet: &mut Fleet, command: UICommand, shortcut: KeyboardShortcut) {
    let gates = hold_lists(&fleet.test);
    press(&mut fleet.test, shortcut);
    assert!(gates[0].wait_arrivals_blocking(1, DEADLINE));
    assert!(loading(&fleet.test, &fleet.prod));
    if command == UICommand::RefreshAll {
        assert!(gates[1].wait_arrivals_blocking(1, DEADLINE));
        assert!(
            loading(&fleet.test, &fleet.code),
            "{shortcut:?} reloads all"
        );
    } else {
        assert!(
            !loading(&fleet.test, &fleet.code),
            "{shortcut:?} reloads the shown account only"
        );
    }
    release(&mut fleet.test, gates);
}

/// A dialog opened by `shortcut` shows `heading`; `close` closes it.
fn check_dialog(fleet: &mut Fleet, shortcut: KeyboardShortcut, heading: &str, close: &str) {
    press(&mut fleet.test, shortcut);
    let harness = &mut fleet.test.harness;
    assert!(
        harness.query_by_label(heading).is_some(),
        "{shortcut:?}: {}",
        screen_text(harness)
    );
    assert!(harness.state().modal_open());
    click(harness, close);
    harness.run_steps(2);
    assert!(!harness.state().modal_open());
}

/// Selects `from`, presses `shortcut`, expects `to` selected.
fn check_move(fleet: &mut Fleet, shortcut: KeyboardShortcut, from: &str, to: &str) {
    select_key(&mut fleet.test.harness, from);
    press(&mut fleet.test, shortcut);
    assert_eq!(
        selected_key_name(&fleet.test.harness).as_deref(),
        Some(to),
        "{shortcut:?} from {from}"
    );
}

/// Ends typing in the filter box (a click outside it).
fn leave_filter(fleet: &mut Fleet) {
    let shown = fleet.test.harness.state().account(&fleet.prod).unwrap();
    let count = format!(
        "{} of {} keys",
        shown.table.visible_len(),
        shown.table.len()
    );
    click(&mut fleet.test.harness, &count);
}

/// Presses `shortcut` of `command` in the Prod account and checks that it
/// did what the command says. Exhaustive: a new command must be added.
fn check_shortcut(fleet: &mut Fleet, command: UICommand, shortcut: KeyboardShortcut) {
    match command {
        UICommand::RefreshAll | UICommand::Refresh => check_refresh(fleet, command, shortcut),
        UICommand::AddKey => check_dialog(fleet, shortcut, "Add key to Prod", "Cancel"),
        UICommand::Settings => check_dialog(fleet, shortcut, settings_modal::TITLE, "Close"),
        UICommand::FocusFilter => {
            press(&mut fleet.test, shortcut);
            assert!(fleet.test.harness.get_by_label("Filter:").is_focused());
            leave_filter(fleet);
        }
        UICommand::ClearFilter => {
            fleet.test.harness.get_by_label("Filter:").focus();
            set_text(&mut fleet.test.harness, "Filter:", "key-01");
            assert_eq!(filter(&fleet.test), "key-01");
            // From the box itself: egui ends typing on Esc, then it clears.
            assert!(fleet.test.harness.get_by_label("Filter:").is_focused());
            press(&mut fleet.test, shortcut);
            assert_eq!(filter(&fleet.test), "");
            leave_filter(fleet);
        }
        UICommand::ShowDetails => {
            click(&mut fleet.test.harness, "Hide details");
            assert!(!fleet.test.harness.state().details_open());
            // A focused button takes Enter (here it opens the palette).
            fleet.test.harness.get_by_label("Commands…").focus();
            fleet.test.harness.run_steps(2);
            press(&mut fleet.test, shortcut);
            assert!(fleet.test.harness.query_by_label(QUERY_LABEL).is_some());
            assert!(!fleet.test.harness.state().details_open());
            press(
                &mut fleet.test,
                KeyboardShortcut::new(Modifiers::NONE, Key::Escape),
            );
            // Nothing focused: it shows the details.
            press(&mut fleet.test, shortcut);
            assert!(fleet.test.harness.state().details_open());
        }
        UICommand::CopyKey => {
            select_key(&mut fleet.test.harness, "key-01");
            let copies = press_and_collect_copies(
                &mut fleet.test.harness,
                shortcut.modifiers,
                shortcut.logical_key,
            );
            assert_eq!(copies, [fleet.prod_keys[1].clone()]);
        }
        UICommand::DeleteKey => {
            select_key(&mut fleet.test.harness, "key-01");
            check_dialog(fleet, shortcut, "Delete \"key-01\"", "Cancel");
            assert_eq!(fleet.test.sandbox.key_names(ProviderKind::Gcore).len(), 3);
        }
        UICommand::OpenPalette => {
            press(&mut fleet.test, shortcut);
            assert!(fleet.test.harness.query_by_label(QUERY_LABEL).is_some());
            press(
                &mut fleet.test,
                KeyboardShortcut::new(Modifiers::NONE, Key::Escape),
            );
            assert!(!fleet.test.harness.state().modal_open());
        }
        UICommand::SelectPrevious => check_move(fleet, shortcut, "key-01", "key-00"),
        UICommand::SelectNext => check_move(fleet, shortcut, "key-01", "key-02"),
        // A page is more than three rows.
        UICommand::SelectPageUp => check_move(fleet, shortcut, "key-02", "key-00"),
        UICommand::SelectPageDown => check_move(fleet, shortcut, "key-00", "key-02"),
        UICommand::SelectFirst => check_move(fleet, shortcut, "key-02", "key-00"),
        UICommand::SelectLast => check_move(fleet, shortcut, "key-00", "key-02"),
        UICommand::GenerateKey
        | UICommand::HideDetails
        | UICommand::EditAccount
        | UICommand::RemoveAccount
        | UICommand::CopySha256
        | UICommand::Share
        | UICommand::Unshare
        | UICommand::MakeDefault
        | UICommand::RenameKey
        | UICommand::CopyToProject
        | UICommand::RotateKey
        | UICommand::AddAccount
        | UICommand::PublishKey
        | UICommand::RemoveEverywhere
        | UICommand::ConvertPpk
        | UICommand::AddToAgent
        | UICommand::RemoveFromAgent
        | UICommand::RemoveAllFromAgent => panic!("{command:?} has a shortcut now: test it here"),
    }
}

#[test]
fn every_shortcut_of_every_command_acts_through_the_window() {
    let mut fleet = two_accounts();
    assert_eq!(
        fleet.test.harness.state().selected(),
        Some(fleet.prod.as_str())
    );
    let mut tested = 0;
    for &command in UICommand::ALL {
        for &shortcut in command.shortcuts() {
            check_shortcut(&mut fleet, command, shortcut);
            assert!(
                !fleet.test.harness.state().modal_open(),
                "{command:?} left a modal open"
            );
            tested += 1;
        }
    }
    assert!(tested >= 16, "only {tested} shortcuts");
}

/// The palette's entries, as drawn (label, then shortcut if any).
fn palette_entries(test: &mut TestApp) -> Vec<String> {
    test.harness.key_press_modifiers(Modifiers::COMMAND, Key::K);
    test.harness.run_steps(4);
    let query = test.harness.get_by_label(QUERY_LABEL);
    let dialog = std::iter::successors(query.parent(), |node| node.parent())
        .find(|node| node.accesskit_node().role() == egui::accesskit::Role::Dialog)
        .expect("the palette is a dialog");
    let entries = dialog
        .children_recursive()
        .filter(|node| node.accesskit_node().role() == egui::accesskit::Role::Button)
        .filter_map(|node| node.accesskit_node().label().map(|text| text.to_string()))
        .collect();
    test.harness.key_press(Key::Escape);
    test.harness.run_steps(3);
    assert!(!test.harness.state().modal_open());
    entries
}

#[test]
fn the_palette_lists_exactly_what_is_available() {
    let mut fleet = two_accounts();
    let test = &mut fleet.test;

    // An account, no key selected.
    assert_eq!(
        palette_entries(test),
        [
            "Refresh all Ctrl+Shift+R",
            "Refresh Prod Ctrl+R",
            "➕ Add key Ctrl+N",
            "🔑 Generate locally",
            "Filter keys Ctrl+F",
            "Hide details panel",
            "Edit account Prod",
            "Remove account Prod…",
            "Add account…",
            "Settings… Ctrl+Comma",
            "Go to account Prod",
            "Go to account Code",
        ]
    );

    // A Gcore key (shared with the project): its actions, by name.
    select_key(&mut test.harness, "key-01");
    assert_eq!(
        palette_entries(test),
        [
            "Refresh all Ctrl+Shift+R",
            "Refresh Prod Ctrl+R",
            "➕ Add key Ctrl+N",
            "🔑 Generate locally",
            "Filter keys Ctrl+F",
            "Hide details panel",
            "Edit account Prod",
            "Remove account Prod…",
            "Copy key \"key-01\" Ctrl+C",
            "Copy SHA256 \"key-01\"",
            "Unshare \"key-01\"",
            "Rotate… \"key-01\"",
            "Delete… \"key-01\" Delete",
            "Add account…",
            "Settings… Ctrl+Comma",
            "Go to account Prod",
            "Go to account Code",
        ]
    );

    // A GitHub key (no sharing), the details panel hidden.
    click(&mut test.harness, "Code");
    select_key(&mut test.harness, "laptop");
    click(&mut test.harness, "Hide details");
    assert_eq!(
        palette_entries(test),
        [
            "Refresh all Ctrl+Shift+R",
            "Refresh Code Ctrl+R",
            "➕ Add key Ctrl+N",
            "🔑 Generate locally",
            "Filter keys Ctrl+F",
            "Show details panel Enter",
            "Edit account Code",
            "Remove account Code…",
            "Copy key \"laptop\" Ctrl+C",
            "Copy SHA256 \"laptop\"",
            "Rotate… \"laptop\"",
            "Delete… \"laptop\" Delete",
            "Add account…",
            "Settings… Ctrl+Comma",
            "Go to account Prod",
            "Go to account Code",
        ]
    );

    // "All keys": no account is shown, so nothing about the hidden
    // account, its keys or its table (the view is `View::AllKeys`).
    click(&mut test.harness, "🔑 All keys");
    assert_eq!(
        palette_entries(test),
        [
            "Refresh all Ctrl+Shift+R",
            "Filter keys Ctrl+F",
            "Add account…",
            "Settings… Ctrl+Comma",
            "Go to account Prod",
            "Go to account Code",
        ]
    );
    // Nor do their shortcuts act there.
    test.harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
    test.harness.key_press(Key::Delete);
    test.harness.run_steps(3);
    assert!(
        !test.harness.state().modal_open(),
        "{}",
        screen_text(&test.harness)
    );
}
