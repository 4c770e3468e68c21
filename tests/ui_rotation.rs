//! Rotation in the real window, against the sandbox servers: a key on a
//! Gcore project (shared), a Sesterce account (its default), GitHub and an
//! HCP Terraform organization whose workspaces fill two pages is replaced
//! everywhere; a failed add keeps the old key until "Retry failed steps";
//! and a rotation left at the pause is finished after a restart.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use common::*;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::keys::SecretString;
use keyfleet::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};
use keyfleet::ops::rotation::Phase;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{Fault, SANDBOX_ORGANIZATION, Sandbox};
use keyfleet::store::{MemoryStore, Profile, ProfileStore, SecretStore};

const ACCOUNTS: [(ProviderKind, &str); 4] = [
    (ProviderKind::Gcore, "Gcore project"),
    (ProviderKind::Sesterce, "Sesterce GPUs"),
    (ProviderKind::Github, "GitHub me"),
    (ProviderKind::Terraform, "Terraform org"),
];

const NEW_NAME: &str = "laptop-new";

struct Setup {
    test: TestApp,
    old_terraform_id: String,
    /// Every account's keys before the rotation.
    before: Vec<Vec<String>>,
}

/// The old key "laptop" on four accounts and in the app's `~/.ssh`
/// (so the Terraform copy, which has no public material, joins it by
/// name); 130 workspaces, most on the old key.
fn start() -> Setup {
    start_with(true)
}

/// [`start`], with "All keys" opened (and its inventory built) or not.
fn start_with(open_all_keys: bool) -> Setup {
    start_seeded(open_all_keys, |_, _| {})
}

/// [`start_with`], with `seed` adding to the accounts and the config
/// folder before the start.
fn start_seeded(open_all_keys: bool, seed: impl FnOnce(&Sandbox, &std::path::Path)) -> Setup {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    seed(&sandbox, config_dir.path());
    let old = generate(&GenerateRequest {
        algorithm: KeyAlgorithm::Ed25519,
        comment: "me@laptop".into(),
        passphrase: None,
        encoding: PrivateKeyEncoding::OpenSsh,
    })
    .unwrap();
    let line = old.public.openssh.clone();
    sandbox.gcore.add_key(1, "laptop", &line, true);
    sandbox.sesterce.add_key("laptop", &line);
    sandbox
        .sesterce
        .add_key("other", &public_key(ssh_key::Algorithm::Ed25519, "x"));
    sandbox.github.add_key("laptop", &line);
    let old_terraform_id =
        sandbox
            .terraform
            .add_key(SANDBOX_ORGANIZATION, "laptop", old.private_key.expose());
    for n in 0..130 {
        let key = (n % 5 != 0).then_some(old_terraform_id.as_str());
        sandbox
            .terraform
            .add_workspace(SANDBOX_ORGANIZATION, &format!("ws-{n:03}"), key);
    }
    let profiles: Vec<Profile> = ACCOUNTS
        .iter()
        .map(|(kind, name)| sandbox.profile(*kind, name))
        .collect();
    ProfileStore::new(config_dir.path())
        .save(&profiles)
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    for profile in &profiles {
        let token = keyfleet::sandbox::token(profile.provider());
        secrets.set(&profile.id, &SecretString::new(token)).unwrap();
    }
    let mut test = start_app(sandbox, config_dir, secrets);
    let ssh = test.ssh_dir.clone();
    write_secret(&ssh.join("laptop"), old.private_key.expose());
    std::fs::write(ssh.join("laptop.pub"), format!("{line}\n")).unwrap();
    if open_all_keys {
        open_fleet(&mut test, &profiles);
    } else {
        wait_for_accounts(&mut test, &profiles);
    }
    let before = key_sets(&test.sandbox);
    Setup {
        test,
        old_terraform_id,
        before,
    }
}

/// Every key of every account in full (Gcore, Sesterce, GitHub, HCP
/// Terraform with its stored value), one line per key.
fn key_sets(sandbox: &Sandbox) -> Vec<Vec<String>> {
    vec![
        sandbox
            .gcore
            .key_details(1)
            .iter()
            .map(|key| format!("{key:?}"))
            .collect(),
        sandbox
            .sesterce
            .keys()
            .iter()
            .map(|key| format!("{key:?}"))
            .collect(),
        sandbox
            .github
            .keys()
            .iter()
            .map(|key| format!("{key:?}"))
            .collect(),
        sandbox
            .terraform
            .keys(SANDBOX_ORGANIZATION)
            .into_iter()
            .map(|(id, name)| format!("{id} {name} {:?}", sandbox.terraform.stored_value(&id)))
            .collect(),
    ]
}

/// Everything but the old and the new key ("laptop", [`NEW_NAME`]) is
/// exactly as before the rotation.
fn assert_bystanders_unchanged(setup: &Setup) {
    let others = |keys: &[String]| -> Vec<String> {
        keys.iter()
            .filter(|key| {
                !key.contains("name: \"laptop\"")
                    && !key.contains("title: \"laptop\"")
                    && !key.contains(&format!("name: \"{NEW_NAME}\""))
                    && !key.contains(&format!("title: \"{NEW_NAME}\""))
                    && !key.contains(" laptop Some(")
                    && !key.contains(&format!(" {NEW_NAME} Some("))
            })
            .cloned()
            .collect()
    };
    let now = key_sets(&setup.test.sandbox);
    for (account, (before, now)) in setup.before.iter().zip(&now).enumerate() {
        assert_eq!(others(now), others(before), "account {account}");
    }
}

fn wait_for_accounts(test: &mut TestApp, profiles: &[Profile]) {
    let ids: Vec<String> = profiles.iter().map(|p| p.id.clone()).collect();
    wait_until(&mut test.harness, "every account answered", move |h| {
        ids.iter()
            .all(|id| h.state().account(id).is_some_and(|a| a.loaded))
    });
}

/// Waits for every account, then opens "All keys" until the old key is
/// grouped on all four.
fn open_fleet(test: &mut TestApp, profiles: &[Profile]) {
    wait_for_accounts(test, profiles);
    click(&mut test.harness, "🔑 All keys");
    wait_until(&mut test.harness, "the inventory", |h| {
        h.state()
            .fleet()
            .table()
            .snapshot()
            .is_some_and(|s| s.inventory.keys.iter().any(|k| k.accounts.len() == 4))
    });
}

/// Opens the wizard on "laptop", generates an Ed25519 key saved as
/// `NEW_NAME` and starts the add phase.
fn rotate_to_new_key(test: &mut TestApp) {
    let path = test.ssh_dir.join(NEW_NAME);
    let harness = &mut test.harness;
    click(harness, "laptop");
    click(harness, "Rotate…");
    wait_for_label_containing(harness, "Rotate \"laptop\"");
    // Every copy is looked up in a fresh inventory first.
    wait_for_label(harness, "Generate and save");
    // RSA 4096 is offered first (Terraform holds the key); Ed25519 is quicker.
    click(harness, "Ed25519");
    set_text(harness, "New key name:", NEW_NAME);
    set_text(harness, "Save private key as:", &path.display().to_string());
    click(harness, "Generate and save");
    wait_for_label(harness, "Add the new key");
    assert!(path.exists(), "saved before anything is sent");
    // The Terraform copy is linked by name alone: ticked explicitly.
    tick_terraform(harness);
    click(harness, "Add the new key");
}

/// Ticks the Terraform row of the plan, which joined the key by file name
/// only and so is planned unticked.
fn tick_terraform(harness: &mut egui_kittest::Harness<'static, keyfleet::app::App>) {
    harness
        .query_all_by_label("Terraform org")
        .find(|node| node.accesskit_node().role() == egui::accesskit::Role::CheckBox)
        .expect("the Terraform copy is planned")
        .click();
    harness.run_steps(3);
}

fn phase(test: &TestApp) -> Option<Phase> {
    test.harness
        .state()
        .rotations()
        .first()
        .map(|rotation| rotation.phase)
}

fn wait_for_phase(test: &mut TestApp, wanted: Phase) {
    wait_until(&mut test.harness, &format!("{wanted:?}"), move |h| {
        h.state().rotations().first().map(|r| r.phase) == Some(wanted) && h.state().in_flight() == 0
    });
}

/// Names of all the keys on each account: Gcore, Sesterce, GitHub,
/// Terraform (the bystander "other" on Sesterce included).
fn names(test: &TestApp) -> Vec<Vec<String>> {
    ACCOUNTS
        .iter()
        .map(|(kind, _)| {
            let mut names = test.sandbox.key_names(*kind);
            names.sort();
            names
        })
        .collect()
}

/// `names` on every account, beside Sesterce's bystander "other".
fn everywhere(names: &[&str]) -> Vec<Vec<String>> {
    ACCOUNTS
        .iter()
        .map(|(kind, _)| {
            let mut names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
            if *kind == ProviderKind::Sesterce {
                names.push("other".into());
            }
            names.sort();
            names
        })
        .collect()
}

/// The new key is on all four with the old key's flags, every workspace
/// moved, the old key gone, and the private key file saved 0600 and
/// matching.
fn check_rotated(setup: &Setup) {
    let test = &setup.test;
    assert_eq!(names(test), everywhere(&[NEW_NAME]));
    assert_bystanders_unchanged(setup);
    let gcore = test.sandbox.gcore.key_details(1);
    assert!(gcore[0].shared_in_project, "shared like the old key");
    let sesterce = test.sandbox.sesterce.keys();
    let new = sesterce.iter().find(|key| key.name == NEW_NAME).unwrap();
    assert!(new.is_default, "default like the old key");
    let terraform = test.sandbox.terraform.keys(SANDBOX_ORGANIZATION);
    assert!(
        !terraform
            .iter()
            .any(|(id, _)| id == &setup.old_terraform_id)
    );
    let (new_id, _) = terraform.iter().find(|(_, name)| name == NEW_NAME).unwrap();
    let workspaces = test.sandbox.terraform.workspaces(SANDBOX_ORGANIZATION);
    assert_eq!(
        workspaces
            .iter()
            .filter(|(_, key)| key.as_deref() == Some(new_id.as_str()))
            .count(),
        104,
        "every workspace on the old key moved, on both pages"
    );
    assert_eq!(
        workspaces.iter().filter(|(_, key)| key.is_none()).count(),
        26
    );

    let path = test.ssh_dir.join(NEW_NAME);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = SecretString::new(std::fs::read_to_string(&path).unwrap());
    let info = keyfleet::keys::private::inspect_private_key(&text, None).unwrap();
    assert_eq!(
        key_data(&info.public.openssh),
        key_data(&gcore[0].public_key)
    );
    assert_eq!(
        test.sandbox.terraform.stored_value(new_id).as_deref(),
        Some(text.expose()),
        "Terraform got the saved private key"
    );
}

#[test]
fn a_key_is_rotated_on_four_accounts() {
    let mut setup = start();
    rotate_to_new_key(&mut setup.test);
    wait_for_phase(&mut setup.test, Phase::Paused);
    wait_for_label_containing(
        &mut setup.test.harness,
        "The new key is in place on 4 account(s)",
    );
    // Paused: both keys everywhere until the user confirms.
    assert_eq!(names(&setup.test), everywhere(&["laptop", NEW_NAME]));
    click(&mut setup.test.harness, "Remove old key now");
    wait_for_label_containing(&mut setup.test.harness, "Rotated on 4 account(s)");
    check_rotated(&setup);
    assert_eq!(phase(&setup.test), None, "nothing left waiting");
    assert!(
        !setup.test.config_dir.path().join("rotations.json").exists(),
        "a finished rotation leaves no file"
    );
    click(&mut setup.test.harness, "Close");
}

#[test]
fn a_failed_add_keeps_the_old_key_until_retried() {
    let mut setup = start();
    // Every attempt of the Sesterce list fails (first try and 3 retries).
    let faults = setup.test.sandbox.faults(ProviderKind::Sesterce);
    faults.inject(Fault::ServerError, 4);
    rotate_to_new_key(&mut setup.test);
    wait_for_phase(&mut setup.test, Phase::Paused);
    faults.clear();
    wait_for_label_containing(
        &mut setup.test.harness,
        "The new key is in place on 3 account(s)",
    );
    wait_for_label_containing(&mut setup.test.harness, "1 step(s) failed");
    let [gcore, sesterce, github, terraform] =
        <[Vec<String>; 4]>::try_from(names(&setup.test)).unwrap();
    assert_eq!(sesterce, ["laptop", "other"], "nothing added on Sesterce");
    for names in [gcore, github, terraform] {
        assert_eq!(
            names,
            ["laptop", NEW_NAME],
            "nothing removed before confirmation"
        );
    }

    click(&mut setup.test.harness, "Remove old key now");
    wait_for_phase(&mut setup.test, Phase::Removing);
    let [gcore, sesterce, github, terraform] =
        <[Vec<String>; 4]>::try_from(names(&setup.test)).unwrap();
    assert_eq!(
        sesterce,
        ["laptop", "other"],
        "the old key stays where the add failed"
    );
    assert_bystanders_unchanged(&setup);
    for names in [gcore, github, terraform] {
        assert_eq!(names, [NEW_NAME]);
    }

    click(&mut setup.test.harness, "Retry failed steps");
    wait_for_phase(&mut setup.test, Phase::Paused);
    assert_eq!(names(&setup.test)[1], ["laptop", NEW_NAME, "other"]);
    click(&mut setup.test.harness, "Remove old key now");
    wait_for_label_containing(&mut setup.test.harness, "Rotated on 4 account(s)");
    check_rotated(&setup);
}

#[test]
fn a_rotation_left_at_the_pause_is_finished_after_a_restart() {
    let mut setup = start();
    rotate_to_new_key(&mut setup.test);
    wait_for_phase(&mut setup.test, Phase::Paused);
    click(&mut setup.test.harness, "Later");
    wait_for_label(&mut setup.test.harness, "1 rotation waiting to finish");
    let saved =
        std::fs::read_to_string(setup.test.config_dir.path().join("rotations.json")).unwrap();
    assert!(saved.contains(NEW_NAME));
    assert!(!saved.contains("PRIVATE KEY"), "no secret in the file");

    // Quit, and start again on the same config folder and servers.
    let Setup {
        test,
        old_terraform_id,
        before,
    } = setup;
    let TestApp {
        harness,
        sandbox,
        secrets,
        config_dir,
        ..
    } = test;
    drop(harness);
    let profiles = ProfileStore::new(config_dir.path()).load().profiles;
    let mut test = start_app(sandbox, config_dir, secrets);
    wait_for_label(&mut test.harness, "1 rotation waiting to finish");
    open_fleet(&mut test, &profiles);
    assert_eq!(names(&test), everywhere(&["laptop", NEW_NAME]));
    click(&mut test.harness, "Finish rotating \"laptop\"…");
    wait_for_label_containing(&mut test.harness, "The new key is in place on 4 account(s)");
    click(&mut test.harness, "Remove old key now");
    wait_for_label_containing(&mut test.harness, "Rotated on 4 account(s)");
    let setup = Setup {
        test,
        old_terraform_id,
        before,
    };
    check_rotated(&setup);
    assert!(
        setup
            .test
            .harness
            .query_by_label("1 rotation waiting to finish")
            .is_none()
    );
}

/// The plan's checkbox for `account`, if the plan lists it.
fn plan_row(harness: &egui_kittest::Harness<'static, keyfleet::app::App>, account: &str) -> bool {
    harness
        .query_all_by_label(account)
        .any(|node| node.accesskit_node().role() == egui::accesskit::Role::CheckBox)
}

/// Generates the new key in the open wizard and waits for the plan.
fn generate_in_wizard(test: &mut TestApp) {
    let path = test.ssh_dir.join(NEW_NAME);
    let harness = &mut test.harness;
    wait_for_label(harness, "Generate and save");
    click(harness, "Ed25519");
    set_text(harness, "New key name:", NEW_NAME);
    set_text(harness, "Save private key as:", &path.display().to_string());
    click(harness, "Generate and save");
    wait_for_label(harness, "Add the new key");
}

#[test]
fn rotate_from_an_account_table() {
    // With "All keys" built, the account's key brings its whole group,
    // the Terraform copy (joined by file name) included.
    let mut setup = start();
    // The accounts list comes first (the key table names accounts too).
    let harness = &mut setup.test.harness;
    harness
        .query_all_by_label("GitHub me")
        .next()
        .unwrap()
        .click();
    harness.run_steps(4);
    select_key(&mut setup.test.harness, "laptop");
    click(&mut setup.test.harness, "Rotate…");
    wait_for_label_containing(&mut setup.test.harness, "Rotate \"laptop\"");
    generate_in_wizard(&mut setup.test);
    for (_, account) in ACCOUNTS {
        assert!(plan_row(&setup.test.harness, account), "{account} planned");
    }
    click(&mut setup.test.harness, "Cancel");
    assert!(
        setup.test.harness.state().rotations().is_empty(),
        "nothing started"
    );
    assert_eq!(names(&setup.test), everywhere(&["laptop"]), "nothing sent");

    // Without it, the same: the wizard builds a fresh inventory itself.
    let mut setup = start_with(false);
    click(&mut setup.test.harness, "Sesterce GPUs");
    select_key(&mut setup.test.harness, "laptop");
    click(&mut setup.test.harness, "Rotate…");
    generate_in_wizard(&mut setup.test);
    for (_, account) in ACCOUNTS {
        assert!(plan_row(&setup.test.harness, account), "{account} planned");
    }
    click(&mut setup.test.harness, "Cancel");
}

#[test]
fn a_same_named_key_on_terraform_is_a_conflict_the_plan_names() {
    // Someone else's key already carries the name the user types.
    let mut setup = start_seeded(true, |sandbox, _| {
        sandbox.terraform.add_key(
            SANDBOX_ORGANIZATION,
            NEW_NAME,
            "-----BEGIN RSA PRIVATE KEY-----\nforeign",
        );
    });
    let harness = &mut setup.test.harness;
    click(harness, "laptop");
    click(harness, "Rotate…");
    wait_for_label_containing(harness, "Rotate \"laptop\"");
    generate_in_wizard(&mut setup.test);
    let harness = &mut setup.test.harness;
    // The Terraform copy is linked by name alone: only once it is ticked
    // does its taken name matter.
    tick_terraform(harness);
    wait_for_label_containing(harness, &format!("\"{NEW_NAME}-2\""));
    click(harness, "Add the new key");
    harness.run_steps(4);
    assert!(
        harness.state().rotations().is_empty(),
        "nothing starts while the name is taken"
    );
    assert_bystanders_unchanged(&setup);
    let workspaces = setup
        .test
        .sandbox
        .terraform
        .workspaces(SANDBOX_ORGANIZATION);
    assert_eq!(
        workspaces
            .iter()
            .filter(|(_, key)| key.as_deref() == Some(setup.old_terraform_id.as_str()))
            .count(),
        104,
        "no workspace moved"
    );
}

#[test]
fn a_damaged_rotations_file_is_moved_aside_and_rotations_are_saved_again() {
    let mut setup = start_seeded(true, |_, config| {
        std::fs::write(config.join("rotations.json"), "{not json").unwrap();
    });
    wait_for_label(&mut setup.test.harness, "Problem with the rotations file");
    let config = setup.test.config_dir.path().to_path_buf();
    let moved: Vec<std::path::PathBuf> = std::fs::read_dir(&config)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().contains("rotations.json.bak-"))
        .collect();
    assert_eq!(moved.len(), 1, "kept aside, not lost");
    assert_eq!(std::fs::read_to_string(&moved[0]).unwrap(), "{not json");

    rotate_to_new_key(&mut setup.test);
    wait_for_phase(&mut setup.test, Phase::Paused);
    click(&mut setup.test.harness, "Later");
    let saved = std::fs::read_to_string(config.join("rotations.json")).unwrap();
    assert!(saved.contains(NEW_NAME), "saving goes on: {saved}");
    assert_eq!(names(&setup.test), everywhere(&["laptop", NEW_NAME]));
    assert_bystanders_unchanged(&setup);
}

/// The new key's passphrase field is not offered when an HCP Terraform
/// account is in the rotation (it stores the private key and needs it
/// unencrypted), and is offered for a key on no such account.
#[test]
fn no_passphrase_is_offered_when_terraform_is_in_the_rotation() {
    let mut setup = start();
    let h = &mut setup.test.harness;
    click(h, "laptop");
    click(h, "Rotate…");
    wait_for_label(h, "Generate and save");
    assert!(
        h.query_by_label("Passphrase (optional):").is_none(),
        "{}",
        screen_text(h)
    );
    wait_for_label_containing(h, "No passphrase: an account here stores the private key");
    click(h, "Cancel");
    h.run_steps(3);

    // "other" is on Sesterce only: the field is there.
    click(h, "other");
    click(h, "Rotate…");
    wait_for_label(h, "Generate and save");
    assert!(
        h.query_by_label("Passphrase (optional):").is_some(),
        "{}",
        screen_text(h)
    );
    assert!(
        h.query_by_label_contains("No passphrase:").is_none(),
        "{}",
        screen_text(h)
    );
}
