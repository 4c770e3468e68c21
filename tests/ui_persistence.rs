//! The remembered layout, round trip: a user selects the second account,
//! sorts its keys by name descending, widens a column, hides the details
//! panel, picks the light theme and a larger zoom in the settings dialog.
//! `App::save` writes to an in-memory `eframe::Storage` (with egui's
//! memory beside it, as eframe does); a new `App` started from that storage
//! shows the same account, sort, panel, theme, zoom and column widths.
//! A garbled stored value, or one naming a removed account, starts with
//! the defaults and the first account.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::app::{App, Remembered, STORAGE_KEY};
use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;
use keyfleet::state::SortColumn;
use keyfleet::store::{MemoryStore, Profile, ProfileStore, SecretStore};

/// eframe's storage, in memory.
#[derive(Default)]
struct MemoryStorage(HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

/// What eframe stores egui's memory under (its `STORAGE_EGUI_MEMORY_KEY`).
const EGUI_MEMORY_KEY: &str = "egui";

/// Two accounts with three keys each, both loaded.
fn start() -> (TestApp, Vec<Profile>) {
    let sandbox = Sandbox::start().unwrap();
    for kind in [ProviderKind::Gcore, ProviderKind::Github] {
        for name in ["alpha", "bravo", "charlie"] {
            let key = public_key(ssh_key::Algorithm::Ed25519, &format!("{name}@host"));
            sandbox.seed_key(kind, &format!("{name}-{kind:?}"), &key, "");
        }
    }
    let profiles = vec![
        sandbox.profile(ProviderKind::Gcore, "First"),
        sandbox.profile(ProviderKind::Github, "Second"),
    ];
    let config_dir = tempfile::tempdir().unwrap();
    ProfileStore::new(config_dir.path())
        .save(&profiles)
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    for profile in &profiles {
        let token = keyfleet::sandbox::token(profile.provider());
        secrets.set(&profile.id, &SecretString::new(token)).unwrap();
    }
    let test = start_app_from(sandbox, config_dir, secrets, Stored::default());
    (wait_for_lists(test, &profiles), profiles)
}

/// Quits `test`'s app and starts a new one on the same accounts from
/// `stored`.
fn restart(test: TestApp, profiles: &[Profile], stored: Stored) -> TestApp {
    let TestApp {
        harness,
        sandbox,
        secrets,
        config_dir,
        ..
    } = test;
    drop(harness);
    wait_for_lists(
        start_app_from(sandbox, config_dir, secrets, stored),
        profiles,
    )
}

fn wait_for_lists(mut test: TestApp, profiles: &[Profile]) -> TestApp {
    let ids: Vec<String> = profiles.iter().map(|p| p.id.clone()).collect();
    wait_until(&mut test.harness, "both accounts listed", move |h| {
        ids.iter()
            .all(|id| h.state().account(id).is_some_and(|a| a.loaded))
    });
    test
}

/// The left edge of the header whose label starts with `title`.
fn header_x(harness: &Harness<'static, App>, title: &str) -> f32 {
    let node = harness
        .query_all_by_role(egui::accesskit::Role::Button)
        .find(|node| {
            node.accesskit_node()
                .label()
                .is_some_and(|label| label.starts_with(title))
        })
        .unwrap_or_else(|| panic!("no header {title:?}\n{}", screen_text(harness)));
    node.rect().min.x
}

/// Drags the column border at `x` (in the header row at `y`) by `dx`.
fn drag(harness: &mut Harness<'static, App>, from: egui::Pos2, dx: f32) {
    harness.event(egui::Event::PointerMoved(from));
    harness.step();
    harness.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    harness.step();
    let steps = 6;
    for step in 1..=steps {
        let to = from + egui::vec2(dx * step as f32 / steps as f32, 0.0);
        harness.event(egui::Event::PointerMoved(to));
        harness.step();
    }
    harness.event(egui::Event::PointerButton {
        pos: from + egui::vec2(dx, 0.0),
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    harness.run_steps(3);
}

#[test]
fn layout_and_settings_survive_a_restart() {
    let (mut test, profiles) = start();
    let second = profiles[1].id.clone();
    let h = &mut test.harness;

    click(h, "Second");
    assert_eq!(h.state().selected(), Some(second.as_str()));
    click(h, "Name");
    click(h, "Name ⏶");
    assert!(h.query_by_label("Name ⏷").is_some(), "{}", screen_text(h));
    let sort = (SortColumn::Name, false);
    assert_eq!(h.state().account(&second).unwrap().table.sort(), Some(sort));

    // Widen "Kind": its border is where "Algorithm" starts.
    let before = header_x(h, "Algorithm");
    let header_y = h.get_by_label("Kind").rect().center().y;
    drag(h, egui::pos2(before - 2.0, header_y), 60.0);
    let widened = header_x(h, "Algorithm");
    assert!(
        (widened - before - 60.0).abs() < 3.0,
        "the column was widened: {before} → {widened}"
    );

    click(h, "Details panel");
    assert!(!h.state().details_open());

    // Settings: Ctrl+, opens them; light theme, one step larger.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Comma);
    h.run_steps(4);
    click(h, "Light");
    click(h, "Larger");
    click(h, "Close");
    assert_eq!(h.ctx.theme(), egui::Theme::Light);
    assert!((h.ctx.zoom_factor() - 1.1).abs() < 1e-4);
    // Positions are compared at the same zoom: measure again now.
    h.run_steps(3);
    let kind_x = header_x(h, "Kind");
    let algorithm_x = header_x(h, "Algorithm");

    let mut storage = MemoryStorage::default();
    eframe::App::save(h.state_mut(), &mut storage);
    // eframe stores egui's memory beside the app's own value.
    let memory = h.ctx.memory(|memory| memory.clone());
    eframe::set_value(&mut storage, EGUI_MEMORY_KEY, &memory);

    let stored_text = storage.0.values().cloned().collect::<Vec<_>>().join("\n");
    for profile in &profiles {
        let token = keyfleet::sandbox::token(profile.provider());
        assert!(!stored_text.contains(token), "a token was stored");
    }
    let remembered = Remembered::load(&storage).expect("the layout was stored");
    assert_eq!(
        remembered.selected_account.as_deref(),
        Some(second.as_str())
    );
    assert_eq!(remembered.key_sorts.get(&second), Some(&sort));
    assert_eq!(remembered.theme, egui::ThemePreference::Light);
    assert!((remembered.zoom - 1.1).abs() < 1e-4);
    assert!(!remembered.details_open);

    // A new app from that storage, as eframe starts one.
    let memory: egui::Memory =
        eframe::get_value(&storage, EGUI_MEMORY_KEY).expect("egui's memory was stored");
    let mut test = restart(
        test,
        &profiles,
        Stored {
            remembered: Remembered::load(&storage),
            memory: Some(memory),
        },
    );
    let h = &mut test.harness;
    h.run_steps(3);
    assert_eq!(h.state().selected(), Some(second.as_str()));
    assert_eq!(h.state().account(&second).unwrap().table.sort(), Some(sort));
    assert!(h.query_by_label("Name ⏷").is_some(), "{}", screen_text(h));
    assert!(!h.state().details_open());
    assert_eq!(h.ctx.theme(), egui::Theme::Light);
    assert!((h.ctx.zoom_factor() - 1.1).abs() < 1e-4);
    // The widened column (and the accounts panel before it) kept their
    // widths: the headers are where they were.
    assert!(
        (header_x(h, "Kind") - kind_x).abs() < 1.0,
        "the accounts panel kept its width"
    );
    assert!(
        (header_x(h, "Algorithm") - algorithm_x).abs() < 1.0,
        "the widened column kept its width: {algorithm_x} → {}",
        header_x(h, "Algorithm")
    );
}

#[test]
fn a_garbled_or_stale_layout_starts_with_the_defaults() {
    let (test, profiles) = start();
    let mut garbled = MemoryStorage::default();
    eframe::Storage::set_string(&mut garbled, STORAGE_KEY, "(selected_account: Some(".into());
    assert_eq!(Remembered::load(&garbled), None);

    // An account removed since: the first one is shown; the rest applies.
    let stale = Remembered {
        selected_account: Some("p-removed-since".into()),
        zoom: f32::NAN,
        // (The test harness starts dark.)
        theme: egui::ThemePreference::Light,
        ..Remembered::default()
    };
    let mut test = restart(
        test,
        &profiles,
        Stored {
            remembered: Some(stale),
            memory: None,
        },
    );
    let h = &mut test.harness;
    assert_eq!(h.state().selected(), Some(profiles[0].id.as_str()));
    assert_eq!(h.ctx.zoom_factor(), 1.0);
    assert_eq!(h.ctx.theme(), egui::Theme::Light);
}

/// All keys opens without an account, so a run that quit on All keys with
/// no account comes back to All keys, not to the welcome screen.
#[test]
fn all_keys_with_no_account_comes_back_as_all_keys() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let mut test = start_app(sandbox, config_dir, secrets);
    let h = &mut test.harness;
    wait_for_label(h, "No accounts yet");
    click(h, "🔑 All keys");
    wait_for_label(h, "All keys");
    let mut storage = MemoryStorage::default();
    eframe::App::save(h.state_mut(), &mut storage);
    let remembered = Remembered::load(&storage).expect("the layout was stored");
    assert!(remembered.all_keys_open);

    let mut test = restart(
        test,
        &[],
        Stored {
            remembered: Some(remembered),
            memory: None,
        },
    );
    let h = &mut test.harness;
    h.run_steps(3);
    assert!(h.query_by_label("All keys").is_some(), "{}", screen_text(h));
    assert!(
        h.query_by_label("No accounts yet").is_none(),
        "{}",
        screen_text(h)
    );
    wait_until(h, "this computer's inventory", |h| {
        h.state().fleet().table().snapshot().is_some()
    });
}
