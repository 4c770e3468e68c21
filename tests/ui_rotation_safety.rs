//! The rotation wizard can only touch the key the user meant and only write
//! where the user can see: suggested save paths are absolute and sanitised,
//! the key folder is created 0700 when missing, a typed relative path lands
//! in the key folder, a cancelled rotation offers to delete the key it
//! saved, "Use a key on this computer" checks the pair (and asks for a
//! passphrase), and a copy linked by name alone is planned unticked, with
//! the reason, whichever view the rotation started from.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::*;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::keys::SecretString;
use keyfleet::keys::generate::{
    GenerateRequest, GeneratedKey, KeyAlgorithm, PrivateKeyEncoding, generate,
};
use keyfleet::ops::rotation::Phase;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{SANDBOX_ORGANIZATION, Sandbox};
use keyfleet::store::{MemoryStore, Profile, ProfileStore, SecretStore};

type Harness = egui_kittest::Harness<'static, keyfleet::app::App>;

fn new_key(passphrase: Option<&str>) -> GeneratedKey {
    generate(&GenerateRequest {
        algorithm: KeyAlgorithm::Ed25519,
        comment: "me@laptop".into(),
        passphrase: passphrase.map(SecretString::new),
        encoding: PrivateKeyEncoding::OpenSsh,
    })
    .unwrap()
}

/// Writes `key` as `dir/name` (0600) and `dir/name.pub` holding `public`.
fn write_pair(dir: &Path, name: &str, key: &GeneratedKey, public: &str) -> PathBuf {
    let path = dir.join(name);
    write_secret(&path, key.private_key.expose());
    std::fs::write(dir.join(format!("{name}.pub")), format!("{public}\n")).unwrap();
    path
}

/// The app with `accounts`, each given the old key "laptop" as the sandbox
/// seeds it (`seed`), and the old key's pair in the app's `~/.ssh`.
fn start(
    accounts: &[(ProviderKind, &str)],
    seed: impl Fn(&Sandbox, &GeneratedKey),
) -> (TestApp, Vec<Profile>, GeneratedKey) {
    let sandbox = Sandbox::start().unwrap();
    let old = new_key(None);
    seed(&sandbox, &old);
    let profiles: Vec<Profile> = accounts
        .iter()
        .map(|(kind, name)| sandbox.profile(*kind, name))
        .collect();
    let config_dir = tempfile::tempdir().unwrap();
    ProfileStore::new(config_dir.path())
        .save(&profiles)
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    for profile in &profiles {
        let token = keyfleet::sandbox::token(profile.provider());
        secrets.set(&profile.id, &SecretString::new(token)).unwrap();
    }
    let mut test = start_app(sandbox, config_dir, secrets);
    write_pair(&test.ssh_dir, "laptop", &old, &old.public.openssh);
    let ids: Vec<String> = profiles.iter().map(|p| p.id.clone()).collect();
    wait_until(&mut test.harness, "every account answered", move |h| {
        ids.iter()
            .all(|id| h.state().account(id).is_some_and(|a| a.loaded))
    });
    (test, profiles, old)
}

/// One GitHub account holding the old key as `name`.
fn start_github(name: &'static str) -> (TestApp, GeneratedKey) {
    let (test, _, old) = start(&[(ProviderKind::Github, "GitHub me")], |sandbox, old| {
        sandbox.github.add_key(name, &old.public.openssh);
    });
    (test, old)
}

/// Selects `key` in the shown account and opens the wizard on it, waiting
/// until its copies were looked up.
fn open_wizard(harness: &mut Harness, key: &str) {
    select_key(harness, key);
    click(harness, "Rotate…");
    wait_for_label(harness, "Generate and save");
}

fn text_value(harness: &Harness, label: &str) -> String {
    harness
        .get_by_label(label)
        .accesskit_node()
        .value()
        .unwrap_or_default()
        .to_string()
}

fn checked(harness: &Harness, label: &str) -> bool {
    harness
        .query_all_by_label(label)
        .find(|node| node.accesskit_node().role() == egui::accesskit::Role::CheckBox)
        .unwrap_or_else(|| panic!("no tick box {label}\n{}", screen_text(harness)))
        .accesskit_node()
        .toggled()
        == Some(egui::accesskit::Toggled::True)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_missing_key_folder_is_created_0700_and_the_path_is_absolute() {
    let (mut test, _) = start_github("laptop");
    // A new computer: no ~/.ssh yet.
    std::fs::remove_dir_all(&test.ssh_dir).unwrap();
    let harness = &mut test.harness;
    open_wizard(harness, "laptop");
    click(harness, "Ed25519");
    let date = time::OffsetDateTime::now_utc().date();
    let expected = test.ssh_dir.join(format!("laptop-{date}"));
    assert_eq!(
        text_value(harness, "Save private key as:"),
        expected.display().to_string(),
        "an absolute suggestion in the key folder"
    );
    wait_for_label_containing(harness, &format!("will be saved as {}", expected.display()));
    click(harness, "Generate and save");
    wait_for_label(harness, "Add the new key");
    assert_eq!(mode(&test.ssh_dir), 0o700, "the key folder is created 0700");
    assert_eq!(mode(&expected), 0o600);
    assert!(test.ssh_dir.join(format!("laptop-{date}.pub")).exists());
}

#[test]
fn a_hostile_key_name_cannot_steer_the_file_out_of_the_key_folder() {
    let (mut test, _) = start_github("../../.bashrc");
    let harness = &mut test.harness;
    open_wizard(harness, "../../.bashrc");
    let suggested = PathBuf::from(text_value(harness, "Save private key as:"));
    assert_eq!(
        suggested.parent(),
        Some(test.ssh_dir.as_path()),
        "{suggested:?}"
    );
    let date = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        suggested.file_name().unwrap().to_str().unwrap(),
        format!("bashrc-{date}")
    );
}

#[test]
fn a_typed_relative_path_is_saved_in_the_key_folder_never_the_current_one() {
    let (mut test, _) = start_github("laptop");
    let harness = &mut test.harness;
    open_wizard(harness, "laptop");
    click(harness, "Ed25519");
    set_text(harness, "New key name:", "laptop-rel");
    set_text(harness, "Save private key as:", "laptop-rel-file");
    let expected = test.ssh_dir.join("laptop-rel-file");
    wait_for_label_containing(harness, &format!("will be saved as {}", expected.display()));
    // Climbing out with ".." is refused with the reason.
    set_text(harness, "Save private key as:", "../escape");
    wait_for_label_containing(harness, "contains \"..\"");
    set_text(harness, "Save private key as:", "laptop-rel-file");
    click(harness, "Generate and save");
    wait_for_label(harness, "Add the new key");
    assert_eq!(mode(&expected), 0o600);
    assert!(
        !Path::new("laptop-rel-file").exists(),
        "not in the current directory"
    );
}

#[test]
fn a_cancelled_rotation_says_where_its_key_is_and_deletes_it_on_request() {
    let (mut test, _) = start_github("laptop");
    let harness = &mut test.harness;
    open_wizard(harness, "laptop");
    click(harness, "Ed25519");
    set_text(harness, "New key name:", "laptop-cancelled");
    click(harness, "Generate and save");
    wait_for_label(harness, "Add the new key");
    let private = test.ssh_dir.join("laptop-cancelled");
    let public = test.ssh_dir.join("laptop-cancelled.pub");
    assert!(private.exists() && public.exists());
    click(harness, "Cancel");
    wait_for_label(harness, "Rotation cancelled");
    wait_for_label(harness, &private.display().to_string());
    wait_for_label(harness, &public.display().to_string());
    click(harness, "Delete these files");
    wait_for_label_containing(harness, "Deleted");
    assert!(!private.exists() && !public.exists());
    assert!(test.ssh_dir.join("laptop").exists(), "the old key stays");
    click(harness, "Close");
    assert!(harness.query_by_label("Rotation cancelled").is_none());
    assert!(harness.state().rotations().is_empty());
    assert_eq!(test.sandbox.key_names(ProviderKind::Github), ["laptop"]);
}

/// Opens "Use a key on this computer" and picks the key saved at `path`.
fn choose_local_key(harness: &mut Harness, path: &Path) {
    click(harness, "Use a key on this computer");
    let shown = path.display().to_string();
    harness.get_by_label("Key").click();
    harness.run_steps(3);
    harness
        .query_all_by_label_contains(&format!("{shown} ("))
        .last()
        .unwrap_or_else(|| panic!("no choice {shown}\n{}", screen_text(harness)))
        .click();
    harness.run_steps(3);
}

#[test]
fn a_local_key_is_used_only_once_its_pair_checks_out() {
    let (mut test, _) = start_github("laptop");
    let ssh = test.ssh_dir.clone();
    // A private key whose .pub beside it is another key's.
    let (private_half, other) = (new_key(None), new_key(None));
    let mismatched = write_pair(&ssh, "mismatched", &private_half, &other.public.openssh);
    // An encrypted key.
    let locked_key = new_key(Some("right horse"));
    let locked = write_pair(&ssh, "locked", &locked_key, &locked_key.public.openssh);
    let harness = &mut test.harness;
    open_wizard(harness, "laptop");

    choose_local_key(harness, &mismatched);
    click(harness, "Use this key");
    wait_for_label_containing(harness, "is not the private half");
    assert!(
        harness.query_by_label("Add the new key").is_none(),
        "not used"
    );

    choose_local_key(harness, &locked);
    click(harness, "Use this key");
    wait_for_label(harness, "Passphrase:");
    set_text(harness, "Passphrase:", "wrong horse");
    click(harness, "Use this key");
    wait_for_label_containing(harness, "does not open");
    assert!(harness.query_by_label("Add the new key").is_none());
    set_text(harness, "Passphrase:", "right horse");
    click(harness, "Use this key");
    wait_for_label(harness, "Add the new key");
    wait_for_label_containing(harness, &locked_key.public.fingerprint_sha256);
    let rotation = harness
        .state()
        .rotations()
        .first()
        .map(|rotation| rotation.phase);
    assert_eq!(rotation, None, "nothing started before Add");
}

#[test]
fn a_vanished_private_key_is_refused() {
    let (mut test, _) = start_github("laptop");
    let spare = new_key(None);
    let path = write_pair(&test.ssh_dir, "spare", &spare, &spare.public.openssh);
    let harness = &mut test.harness;
    open_wizard(harness, "laptop");
    choose_local_key(harness, &path);
    std::fs::remove_file(&path).unwrap();
    click(harness, "Use this key");
    wait_for_label_containing(harness, "cannot be used");
    assert!(harness.query_by_label("Add the new key").is_none());
}

const THREE: [(ProviderKind, &str); 3] = [
    (ProviderKind::Sesterce, "Sesterce GPUs"),
    (ProviderKind::Github, "GitHub me"),
    (ProviderKind::Terraform, "Terraform org"),
];

#[test]
fn rotating_from_an_account_table_plans_the_name_only_copy_unticked() {
    // "All keys" never opened: the wizard builds its own inventory.
    let (mut test, _, _) = start(&THREE, |sandbox, old| {
        sandbox.sesterce.add_key("laptop", &old.public.openssh);
        sandbox.github.add_key("laptop", &old.public.openssh);
        sandbox
            .terraform
            .add_key(SANDBOX_ORGANIZATION, "laptop", old.private_key.expose());
    });
    assert!(test.harness.state().fleet().table().snapshot().is_none());
    let harness = &mut test.harness;
    // The accounts list comes first (the table may name accounts too).
    harness
        .query_all_by_label("Sesterce GPUs")
        .next()
        .unwrap()
        .click();
    harness.run_steps(4);
    open_wizard(harness, "laptop");
    click(harness, "Ed25519");
    set_text(harness, "New key name:", "laptop-next");
    click(harness, "Generate and save");
    wait_for_label(harness, "Add the new key");
    assert!(checked(harness, "Sesterce GPUs"));
    assert!(checked(harness, "GitHub me"));
    assert!(
        !checked(harness, "Terraform org"),
        "linked by name alone: planned, never ticked for the user"
    );
    assert!(harness.query_by_label("⚠ matched by name only").is_some());

    click(harness, "Add the new key");
    wait_until(harness, "paused", |h| {
        h.state().rotations().first().map(|r| r.phase) == Some(Phase::Paused)
            && h.state().in_flight() == 0
    });
    assert_eq!(
        test.sandbox.key_names(ProviderKind::Terraform),
        ["laptop"],
        "an unticked copy is never touched"
    );
    let mut github = test.sandbox.key_names(ProviderKind::Github);
    github.sort();
    assert_eq!(github, ["laptop", "laptop-next"]);
}

#[test]
fn all_keys_marks_a_copy_matched_by_name_only() {
    let (mut test, _, _) = start(&THREE[1..], |sandbox, old| {
        sandbox.github.add_key("laptop", &old.public.openssh);
        sandbox
            .terraform
            .add_key(SANDBOX_ORGANIZATION, "laptop", old.private_key.expose());
    });
    click(&mut test.harness, "🔑 All keys");
    wait_until(&mut test.harness, "the inventory", |h| {
        h.state()
            .fleet()
            .table()
            .snapshot()
            .is_some_and(|s| s.inventory.keys.iter().any(|k| k.accounts.len() == 2))
    });
    let snapshot = test.harness.state().fleet().table().snapshot().unwrap();
    let group = snapshot
        .inventory
        .keys
        .iter()
        .find(|k| k.accounts.len() == 2)
        .unwrap();
    let flags: Vec<(ProviderKind, bool)> = group
        .accounts
        .iter()
        .map(|h| (h.provider, h.matched_by_name_only))
        .collect();
    assert!(
        flags.contains(&(ProviderKind::Terraform, true)),
        "{flags:?}"
    );
    assert!(flags.contains(&(ProviderKind::Github, false)), "{flags:?}");
    wait_for_label(&mut test.harness, "⚠ matched by name only");
}

#[test]
fn remove_everywhere_keeps_a_name_only_copy_unless_ticked() {
    let (mut test, _, _) = start(&THREE[1..], |sandbox, old| {
        sandbox.github.add_key("laptop", &old.public.openssh);
        sandbox
            .terraform
            .add_key(SANDBOX_ORGANIZATION, "laptop", old.private_key.expose());
    });
    let harness = &mut test.harness;
    click(harness, "🔑 All keys");
    wait_until(harness, "the inventory", |h| {
        h.state()
            .fleet()
            .table()
            .snapshot()
            .is_some_and(|s| s.inventory.keys.iter().any(|k| k.accounts.len() == 2))
    });
    harness.query_all_by_label("laptop").next().unwrap().click();
    harness.run_steps(3);
    click(harness, "🗑 Remove everywhere…");
    wait_for_label_containing(harness, "Remove \"laptop\" everywhere");
    assert!(!checked(harness, "Terraform org"), "left out unless ticked");
    wait_for_label(harness, "⚠ matched by name only");
    click(harness, "Delete 1 key(s)");
    wait_until(harness, "one deleted", |h| {
        h.query_all_by_label("✔ deleted").count() == 1 && h.state().in_flight() == 0
    });
    assert!(test.sandbox.key_names(ProviderKind::Github).is_empty());
    assert_eq!(
        test.sandbox.key_names(ProviderKind::Terraform),
        ["laptop"],
        "the copy linked by name alone was not deleted"
    );
}
