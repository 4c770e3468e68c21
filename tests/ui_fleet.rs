//! "All keys" in the real window, against the sandbox servers: three
//! accounts share one key and hold others, a fourth account fails, and a
//! temporary `~/.ssh` holds the shared key's pair and a key of its own.
//! The inventory groups by fingerprint; publishing a key to three accounts
//! sends exactly two creates (the third already holds it); removing a key
//! everywhere deletes exactly the listed keys; the export holds no secret.

mod common;

use std::sync::Arc;

use common::bystanders::assert_only_gone_everywhere;
use common::*;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::inventory::Flag;
use keyfleet::keys::SecretString;
use keyfleet::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;
use keyfleet::store::{MemoryStore, Profile, ProfileStore, SecretStore};

const ACCOUNTS: [(ProviderKind, &str); 3] = [
    (ProviderKind::Gcore, "Gcore project"),
    (ProviderKind::Sesterce, "Sesterce GPUs"),
    (ProviderKind::Github, "GitHub me"),
];

struct Fleet {
    test: TestApp,
    profiles: Vec<Profile>,
    /// On all three accounts and on this computer (private key too).
    shared: String,
    /// On this computer and on GitHub only.
    laptop_only: String,
    laptop_only_path: std::path::PathBuf,
    shared_private_key: String,
}

fn ed25519(comment: &str) -> (String, String) {
    let key = generate(&GenerateRequest {
        algorithm: KeyAlgorithm::Ed25519,
        comment: comment.into(),
        passphrase: None,
        encoding: PrivateKeyEncoding::OpenSsh,
    })
    .unwrap();
    (
        key.public.openssh.clone(),
        key.private_key.expose().to_string(),
    )
}

fn start() -> Fleet {
    start_at(egui::vec2(1400.0, 900.0))
}

/// [`start`] in a window of `size` from the first frame (the table's
/// column widths are set when it is first shown).
fn start_at(size: egui::Vec2) -> Fleet {
    let sandbox = Sandbox::start().unwrap();
    let (shared, shared_private_key) = ed25519("team@shared");
    let (laptop_only, _) = ed25519("me@laptop");
    for (index, (kind, _)) in ACCOUNTS.into_iter().enumerate() {
        sandbox.seed_key(kind, "team-shared", &shared, "");
        let (own, _) = ed25519("own");
        sandbox.seed_key(kind, &format!("own-{index}"), &own, "");
    }
    sandbox.seed_key(ProviderKind::Github, "laptop", &laptop_only, "");

    let mut profiles: Vec<Profile> = ACCOUNTS
        .iter()
        .map(|(kind, name)| sandbox.profile(*kind, name))
        .collect();
    // No token stored for this one: it fails, and must not hide the rest.
    profiles.push(sandbox.profile(ProviderKind::Terraform, "Terraform without token"));
    let config_dir = tempfile::tempdir().unwrap();
    ProfileStore::new(config_dir.path())
        .save(&profiles)
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    for profile in &profiles[..3] {
        let token = keyfleet::sandbox::token(profile.provider());
        secrets.set(&profile.id, &SecretString::new(token)).unwrap();
    }
    let mut test = start_app(sandbox, config_dir, secrets);
    test.harness.set_size(size);

    let ssh = test.ssh_dir.clone();
    write_secret(&ssh.join("id_team"), &shared_private_key);
    std::fs::write(ssh.join("id_team.pub"), format!("{shared}\n")).unwrap();
    let laptop_only_path = ssh.join("laptop.pub");
    std::fs::write(&laptop_only_path, format!("{laptop_only}\n")).unwrap();
    std::fs::write(ssh.join("known_hosts"), "example.com ssh-ed25519 AAAA\n").unwrap();

    let ids: Vec<String> = profiles.iter().map(|p| p.id.clone()).collect();
    wait_until(&mut test.harness, "every account answered", move |h| {
        ids.iter().all(|id| {
            h.state()
                .account(id)
                .is_some_and(|a| a.loaded || a.error.is_some())
        })
    });
    click(&mut test.harness, "🔑 All keys");
    wait_until(&mut test.harness, "the inventory", |h| {
        h.state().fleet().table().snapshot().is_some_and(|s| {
            s.inventory.errors.len() == 1 && s.inventory.keys.iter().any(|k| k.accounts.len() == 3)
        })
    });
    Fleet {
        test,
        profiles,
        shared,
        laptop_only,
        laptop_only_path,
        shared_private_key,
    }
}

fn sha256(line: &str) -> String {
    keyfleet::keys::public::parse_public_key(line)
        .unwrap()
        .fingerprint_sha256
}

fn group<'a>(
    inventory: &'a keyfleet::inventory::Inventory,
    sha: &str,
) -> &'a keyfleet::inventory::KeyGroup {
    inventory
        .keys
        .iter()
        .find(|k| k.sha256.as_deref() == Some(sha))
        .unwrap_or_else(|| panic!("no group for {sha}"))
}

fn creates(test: &TestApp, kind: ProviderKind) -> usize {
    test.sandbox
        .faults(kind)
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

fn deletes(test: &TestApp, kind: ProviderKind) -> Vec<String> {
    test.sandbox
        .faults(kind)
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path.clone())
        .collect()
}

#[test]
fn keys_are_grouped_by_fingerprint_across_accounts_and_this_computer() {
    let fleet = start();
    let app = fleet.test.harness.state();
    let snapshot = app.fleet().table().snapshot().unwrap();
    let inventory = &snapshot.inventory;

    let shared = group(inventory, &sha256(&fleet.shared));
    let mut holders: Vec<&str> = shared.accounts.iter().map(|h| h.account.as_str()).collect();
    holders.sort();
    assert_eq!(holders, ["Gcore project", "GitHub me", "Sesterce GPUs"]);
    // The pair is one local key: its .pub, with the private key beside it.
    assert_eq!(
        shared.local_paths,
        [fleet.test.ssh_dir.join("id_team.pub").display().to_string()]
    );
    assert_eq!(shared.algorithm.as_deref(), Some("ED25519"));
    assert!(!shared.flags.contains(&Flag::NotOnThisComputer));

    let laptop = group(inventory, &sha256(&fleet.laptop_only));
    assert_eq!(laptop.accounts.len(), 1);
    assert_eq!(laptop.accounts[0].account, "GitHub me");
    assert_eq!(
        laptop.local_paths,
        [fleet.laptop_only_path.display().to_string()]
    );

    // Each account's own key: on one account, not on this computer.
    let own: Vec<_> = inventory
        .keys
        .iter()
        .filter(|k| k.names.iter().any(|n| n.starts_with("own-")))
        .collect();
    assert_eq!(own.len(), 3);
    for key in own {
        assert_eq!(key.accounts.len(), 1);
        assert!(key.flags.contains(&Flag::NotOnThisComputer), "{key:?}");
    }
    // known_hosts is not a key pair; 2 + 3 own keys + laptop key.
    assert_eq!(inventory.keys.len(), 5, "{:#?}", inventory.keys);
    assert_eq!(inventory.errors[0].account, "Terraform without token");

    // On screen: the failing account in place, the rest still listed.
    let harness = &fleet.test.harness;
    assert!(
        harness
            .query_all_by_label_contains("could not be listed")
            .next()
            .is_some(),
        "{}",
        screen_text(harness)
    );
    assert!(harness.query_all_by_label("team-shared").next().is_some());
    assert!(harness.query_all_by_label("5 of 5 keys").next().is_some());

    // The selected row's accounts are links to them.
    let mut fleet = fleet;
    let harness = &mut fleet.test.harness;
    click(harness, "team-shared");
    harness
        .query_all_by_label("Sesterce GPUs")
        .find(|node| node.accesskit_node().role() == egui::accesskit::Role::Link)
        .unwrap_or_else(|| panic!("no link: {}", screen_text(harness)))
        .click();
    harness.run_steps(3);
    let sesterce = fleet.profiles[1].id.clone();
    assert_eq!(
        fleet.test.harness.state().selected(),
        Some(sesterce.as_str())
    );
    assert!(!fleet.test.harness.state().fleet().is_open());
}

#[test]
fn filters_narrow_the_table() {
    let mut fleet = start();
    set_text(&mut fleet.test.harness, "Filter:", "laptop");
    assert_eq!(fleet.test.harness.state().fleet().table().visible_len(), 1);
    // Esc clears it, and the account keys' shortcuts do not act behind
    // the view: Delete asks about nothing.
    fleet.test.harness.key_press(egui::Key::Escape);
    fleet.test.harness.run_steps(2);
    assert_eq!(fleet.test.harness.state().fleet().table().filter(), "");
    fleet.test.harness.key_press(egui::Key::Delete);
    fleet.test.harness.run_steps(3);
    assert!(!fleet.test.harness.state().modal_open());
    // Arrows move the All keys selection (the table is in name order).
    fleet.test.harness.key_press(egui::Key::ArrowDown);
    fleet.test.harness.run_steps(2);
    fleet.test.harness.key_press(egui::Key::ArrowDown);
    fleet.test.harness.run_steps(2);
    let selected = fleet.test.harness.state().fleet().table().selected_key();
    assert_eq!(
        selected.map(|key| key.display_name()).as_deref(),
        Some("own-0")
    );
    fleet.test.harness.key_press(egui::Key::End);
    fleet.test.harness.run_steps(2);
    let selected = fleet.test.harness.state().fleet().table().selected_key();
    assert_eq!(
        selected.map(|key| key.display_name()).as_deref(),
        Some("team-shared")
    );
    // The chart draws both bar charts.
    click(&mut fleet.test.harness, "📊 Chart");
    wait_for_label(&mut fleet.test.harness, "Keys by type");
    wait_for_label(&mut fleet.test.harness, "Keys by age");
    click(&mut fleet.test.harness, "Not on this computer");
    assert_eq!(
        fleet.test.harness.state().fleet().table().visible_len(),
        3,
        "the three accounts' own keys"
    );
}

#[test]
fn publishing_to_three_accounts_sends_two_creates() {
    let mut fleet = start();
    let harness = &mut fleet.test.harness;
    click(harness, "laptop");
    click(harness, "📤 Publish…");
    wait_for_label_containing(harness, "Publish \"laptop\"");
    for (_, name) in ACCOUNTS {
        // The checkbox, not the account in the list behind the dialog.
        harness
            .query_all_by_label(name)
            .find(|node| node.accesskit_node().role() == egui::accesskit::Role::CheckBox)
            .unwrap_or_else(|| panic!("no checkbox for {name}: {}", screen_text(harness)))
            .click();
        harness.run_steps(2);
    }
    let before: Vec<usize> = ACCOUNTS
        .iter()
        .map(|(kind, _)| creates(&fleet.test, *kind))
        .collect();
    let harness = &mut fleet.test.harness;
    click(harness, "Publish to 3 account(s)");
    wait_for_label_containing(harness, "already there as \"laptop\"");
    wait_until(harness, "two added", |h| {
        h.query_all_by_label_contains("✔ added as \"laptop\"")
            .count()
            == 2
    });
    let after: Vec<usize> = ACCOUNTS
        .iter()
        .map(|(kind, _)| creates(&fleet.test, *kind))
        .collect();
    assert_eq!(after[0] - before[0], 1, "Gcore: one create");
    assert_eq!(after[1] - before[1], 1, "Sesterce: one create");
    assert_eq!(
        after[2] - before[2],
        0,
        "GitHub already holds it: no create"
    );
    for (kind, _) in ACCOUNTS {
        let names = fleet.test.sandbox.key_names(kind);
        assert_eq!(
            names.iter().filter(|n| *n == "laptop").count(),
            1,
            "{kind:?}: {names:?}"
        );
    }

    // Closing reloads the changed accounts; the inventory then shows the
    // key on all three.
    let laptop_sha = sha256(&fleet.laptop_only);
    click(&mut fleet.test.harness, "Close");
    wait_until(&mut fleet.test.harness, "rebuilt inventory", move |h| {
        h.state().fleet().table().snapshot().is_some_and(|s| {
            s.inventory
                .keys
                .iter()
                .any(|k| k.sha256.as_deref() == Some(laptop_sha.as_str()) && k.accounts.len() == 3)
        })
    });
}

#[test]
fn removing_a_key_everywhere_deletes_exactly_the_listed_keys() {
    let mut fleet = start();
    let doomed = team_shared_ids(&fleet.test.sandbox);
    add_bystanders_after_listing(&fleet.test.sandbox, &fleet.shared);
    let before = fleet.test.sandbox.snapshot();
    let harness = &mut fleet.test.harness;
    click(harness, "team-shared");
    click(harness, "🗑 Remove everywhere…");
    wait_for_label_containing(harness, "Remove \"team-shared\" everywhere");
    // The exact list: one row per account, with name and id.
    assert_eq!(harness.query_all_by_label("to delete").count(), 3);
    for (kind, _) in ACCOUNTS {
        assert!(deletes(&fleet.test, kind).is_empty());
    }
    let harness = &mut fleet.test.harness;
    click(harness, "Delete 3 key(s)");
    wait_until(harness, "three deleted", |h| {
        h.query_all_by_label("✔ deleted").count() == 3
    });
    for (kind, _) in ACCOUNTS {
        assert_eq!(deletes(&fleet.test, kind).len(), 1, "{kind:?}");
    }
    let gone: Vec<(&str, &str)> = doomed.iter().map(|(p, id)| (*p, id.as_str())).collect();
    assert_only_gone_everywhere(&before, &fleet.test.sandbox.snapshot(), &gone);
    assert!(
        std::fs::read_to_string(fleet.test.ssh_dir.join("id_team")).unwrap()
            == fleet.shared_private_key,
        "local files are never touched"
    );
}

/// The identities (as in the fakes' snapshots) of the three listed
/// "team-shared" keys.
fn team_shared_ids(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    let gcore = sandbox.gcore.key_details(1);
    let sesterce = sandbox.sesterce.keys();
    let github = sandbox.github.keys();
    vec![
        (
            "gcore",
            gcore
                .iter()
                .find(|k| k.name == "team-shared")
                .unwrap()
                .id
                .clone(),
        ),
        (
            "sesterce",
            sesterce
                .iter()
                .find(|k| k.name == "team-shared")
                .unwrap()
                .id
                .clone(),
        ),
        (
            "github",
            format!(
                "authentication/{}",
                github.iter().find(|k| k.title == "team-shared").unwrap().id
            ),
        ),
    ]
}

/// Keys the app has not listed, each a trap for a delete by name or by key
/// text: the same key in another Gcore project (another account), a
/// same-named key with other key text on Sesterce, the same key as a
/// GitHub signing key, and a same-named Terraform key.
fn add_bystanders_after_listing(sandbox: &Sandbox, shared: &str) {
    let (other, _) = ed25519("other");
    // The doomed key is Sesterce's default (its oldest): hand the default
    // on first, so deleting it changes nothing else on the server's side.
    let own = sandbox
        .sesterce
        .keys()
        .into_iter()
        .find(|k| k.name == "own-1");
    sandbox.sesterce.make_default(&own.unwrap().id);
    sandbox.gcore.add_key(2, "team-shared", shared, true);
    sandbox.sesterce.add_key("team-shared", &other);
    let type_and_data: Vec<&str> = shared.split_whitespace().take(2).collect();
    sandbox
        .github
        .add_signing_key("team-shared", &type_and_data.join(" "));
    sandbox.terraform.add_key(
        keyfleet::sandbox::SANDBOX_ORGANIZATION,
        "team-shared",
        &other,
    );
}

#[test]
fn a_failed_delete_stays_marked_and_retry_deletes_only_what_is_left() {
    let mut fleet = start();
    let doomed = team_shared_ids(&fleet.test.sandbox);
    add_bystanders_after_listing(&fleet.test.sandbox, &fleet.shared);
    let before = fleet.test.sandbox.snapshot();
    fleet
        .test
        .sandbox
        .faults(ProviderKind::Sesterce)
        .inject(keyfleet::sandbox::Fault::ServerError, 10);
    let harness = &mut fleet.test.harness;
    click(harness, "team-shared");
    click(harness, "🗑 Remove everywhere…");
    click(harness, "Delete 3 key(s)");
    // The failed row offers a retry of exactly what is left.
    wait_for_label(harness, "Retry the 1 left");
    assert_eq!(harness.query_all_by_label("✔ deleted").count(), 2);
    assert!(
        harness
            .query_all_by_label_contains("failed: Sesterce had a server error (HTTP 500)")
            .next()
            .is_some(),
        "{}",
        screen_text(harness)
    );
    assert!(
        fleet
            .test
            .sandbox
            .key_names(ProviderKind::Sesterce)
            .contains(&"team-shared".to_string()),
        "the failed delete left the key"
    );
    fleet.test.sandbox.faults(ProviderKind::Sesterce).clear();
    let gcore_deletes = deletes(&fleet.test, ProviderKind::Gcore).len();
    let harness = &mut fleet.test.harness;
    click(harness, "Retry the 1 left");
    wait_until(harness, "all deleted", |h| {
        h.query_all_by_label("✔ deleted").count() == 3
    });
    assert_eq!(
        deletes(&fleet.test, ProviderKind::Gcore).len(),
        gcore_deletes
    );
    let gone: Vec<(&str, &str)> = doomed.iter().map(|(p, id)| (*p, id.as_str())).collect();
    assert_only_gone_everywhere(&before, &fleet.test.sandbox.snapshot(), &gone);
}

#[test]
fn the_export_names_keys_and_accounts_and_holds_no_secret() {
    let mut fleet = start();
    let out = fleet.test.config_dir.path().join("inventory.csv");
    fleet.test.dialogs.push(&out);
    let harness = &mut fleet.test.harness;
    click(harness, "💾 Export");
    click(harness, "CSV…");
    wait_until(harness, "the file", {
        let out = out.clone();
        move |_| out.exists()
    });
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("sha256,algorithm,bits,comment,flags,local_paths,account,provider,key_id,name,created_at,expires_at\n"), "{csv}");
    let shared_sha = sha256(&fleet.shared);
    assert_eq!(
        csv.lines()
            .filter(|line| line.starts_with(&shared_sha))
            .count(),
        3,
        "one line per account holding it:\n{csv}"
    );
    assert!(!csv.contains("PRIVATE KEY"));
    let private_body: String = fleet.shared_private_key.lines().nth(1).unwrap().into();
    assert!(!csv.contains(&private_body), "private key in the export");
    for kind in [
        ProviderKind::Gcore,
        ProviderKind::Sesterce,
        ProviderKind::Github,
    ] {
        assert!(
            !csv.contains(keyfleet::sandbox::token(kind)),
            "token in the export"
        );
    }
    let json_out = fleet.test.config_dir.path().join("inventory.json");
    fleet.test.dialogs.push(&json_out);
    let harness = &mut fleet.test.harness;
    click(harness, "💾 Export");
    click(harness, "JSON…");
    wait_until(harness, "the JSON file", {
        let out = json_out.clone();
        move |_| out.exists()
    });
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(json["keys"].as_array().unwrap().len(), 5);
    assert_eq!(json["errors"][0]["account"], "Terraform without token");
}

/// With no account at all, "All keys" still opens and shows this
/// computer's keys (it was disabled until an account existed).
#[test]
fn all_keys_opens_without_an_account_and_shows_this_computers_keys() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let secrets: std::sync::Arc<dyn keyfleet::store::SecretStore> =
        std::sync::Arc::new(keyfleet::store::MemoryStore::default());
    let mut test = start_app(sandbox, config_dir, secrets);
    let line = public_key(ssh_key::Algorithm::Ed25519, "only@here");
    std::fs::write(test.ssh_dir.join("only_here.pub"), &line).unwrap();
    wait_for_label(&mut test.harness, "No accounts yet");
    click(&mut test.harness, "🔑 All keys");
    wait_until(&mut test.harness, "this computer's key listed", |h| {
        h.state().fleet().table().snapshot().is_some_and(|s| {
            s.inventory
                .keys
                .iter()
                .any(|k| k.comment.as_deref() == Some("only@here"))
        })
    });
    assert!(test.harness.query_by_label("No accounts yet").is_none());
}

/// All keys' titles, left to right.
const FLEET_COLUMNS: [&str; 10] = [
    "Name",
    "Type",
    "Comment",
    "Accounts",
    "On this computer",
    "Used by hosts",
    "In agent",
    "Oldest",
    "Flags",
    "Expires",
];

/// In a 1024-point window every column of All keys is inside the window
/// (they ran 450 points past it), and so is the toolbar's "Hygiene rules"
/// menu (it was cut at the edge).
#[test]
fn at_1024_points_every_column_and_the_hygiene_rules_fit() {
    let window = egui::vec2(1024.0, 700.0);
    let mut fleet = start_at(window);
    let h = &mut fleet.test.harness;
    h.run_steps(3);
    let inside = |rect: egui::Rect| rect.left() >= 0.0 && rect.right() <= window.x;
    // The header row is where "Oldest" is (no other text says that).
    let header_y = h.get_by_label("Oldest").rect().center().y;
    for title in FLEET_COLUMNS {
        let rect = h
            .query_all_by_label(title)
            .map(|node| node.rect())
            .find(|rect| (rect.center().y - header_y).abs() < 6.0)
            .unwrap_or_else(|| panic!("a {title:?} header\nscreen:\n{}", screen_text(h)));
        assert!(
            inside(rect),
            "{title:?} header at {rect:?}, window {window:?}"
        );
    }
    let rules = h.get_by_label("⚙ Hygiene rules").rect();
    assert!(
        inside(rules),
        "Hygiene rules at {rules:?}, window {window:?}"
    );
    // Still usable: the rules menu opens.
    click(h, "⚙ Hygiene rules");
    wait_for_label_containing(h, "Old after");
}
