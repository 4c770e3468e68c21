//! The server-MD5 check end to end, in the real window: DigitalOcean's fake
//! reports, for a key it holds, the MD5 of another key. The key table marks
//! it ⚠ with both values; All keys flags it "provider's fingerprint
//! disagrees" with the reason, groups it with its true twin on GitHub by
//! the SHA256 computed here, and never with the key whose MD5 the server
//! claimed.

mod common;

use std::sync::Arc;

use common::*;
use egui_kittest::kittest::Queryable;
use keyfleet::inventory::Flag;
use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;
use keyfleet::store::{MemoryStore, Profile, ProfileStore, SecretStore};

fn fingerprints(line: &str) -> (String, String) {
    let parsed = keyfleet::keys::public::parse_public_key(line).unwrap();
    (parsed.fingerprint_sha256, parsed.fingerprint_md5)
}

/// The window with a DigitalOcean and a GitHub account, both listed.
fn start_listed(sandbox: Sandbox) -> (TestApp, Vec<Profile>) {
    let profiles = vec![
        sandbox.profile(ProviderKind::Digitalocean, "DigitalOcean"),
        sandbox.profile(ProviderKind::Github, "GitHub me"),
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
    let mut test = start_app(sandbox, config_dir, secrets);
    let ids: Vec<String> = profiles.iter().map(|p| p.id.clone()).collect();
    wait_until(&mut test.harness, "both accounts listed", move |h| {
        ids.iter()
            .all(|id| h.state().account(id).is_some_and(|a| a.loaded))
    });
    (test, profiles)
}

#[test]
fn a_lying_md5_is_flagged_and_grouped_by_the_local_sha256() {
    let sandbox = Sandbox::start().unwrap();
    let twin = public_key(ssh_key::Algorithm::Ed25519, "twin@laptop");
    let decoy = public_key(ssh_key::Algorithm::Ed25519, "decoy@laptop");
    let (twin_sha, twin_md5) = fingerprints(&twin);
    let (decoy_sha, decoy_md5) = fingerprints(&decoy);
    // GitHub holds both keys; DigitalOcean holds the twin but reports the
    // decoy's MD5 for it.
    sandbox.github.add_key("twin", &twin);
    sandbox.github.add_key("decoy", &decoy);
    let lying = sandbox.digitalocean.add_key("twin on droplets", &twin);
    sandbox.digitalocean.report_fingerprint(lying, &decoy_md5);

    let (mut test, profiles) = start_listed(sandbox);

    // The account's key table: the key carries the reason, with both MD5s,
    // and keeps the fingerprints of the public key it came with.
    let h = &mut test.harness;
    let rows = h
        .state()
        .account(&profiles[0].id)
        .unwrap()
        .table
        .rows()
        .to_vec();
    let warning = rows[0].fingerprint_warning.clone().expect("a warning");
    assert!(
        warning.contains(&decoy_md5) && warning.contains(&twin_md5),
        "{warning}"
    );
    assert_eq!(
        rows[0].fingerprint_sha256.as_deref(),
        Some(twin_sha.as_str())
    );
    assert_eq!(rows[0].fingerprint_md5.as_deref(), Some(twin_md5.as_str()));

    // All keys: grouped with the twin, never with the decoy.
    click(h, "🔑 All keys");
    wait_until(h, "the inventory", |h| {
        h.state()
            .fleet()
            .table()
            .snapshot()
            .is_some_and(|s| s.inventory.keys.iter().any(|k| k.accounts.len() == 2))
    });
    let snapshot = h.state().fleet().table().snapshot().unwrap();
    let inventory = &snapshot.inventory;
    assert_eq!(inventory.keys.len(), 2, "{:#?}", inventory.keys);
    let twin_group = inventory
        .keys
        .iter()
        .find(|k| k.sha256.as_deref() == Some(twin_sha.as_str()))
        .unwrap();
    let mut holders: Vec<&str> = twin_group
        .accounts
        .iter()
        .map(|h| h.account.as_str())
        .collect();
    holders.sort();
    assert_eq!(holders, ["DigitalOcean", "GitHub me"]);
    assert!(twin_group.flags.contains(&Flag::FingerprintMismatch));
    let reasons: Vec<(&str, Option<&str>)> = twin_group
        .accounts
        .iter()
        .map(|h| (h.account.as_str(), h.fingerprint_warning.as_deref()))
        .collect();
    assert!(
        reasons.contains(&("DigitalOcean", Some(warning.as_str())))
            && reasons.contains(&("GitHub me", None)),
        "{reasons:?}"
    );
    let decoy_group = inventory
        .keys
        .iter()
        .find(|k| k.sha256.as_deref() == Some(decoy_sha.as_str()))
        .unwrap();
    assert_eq!(decoy_group.accounts.len(), 1);
    assert_eq!(decoy_group.accounts[0].account, "GitHub me");
    assert!(!decoy_group.flags.contains(&Flag::FingerprintMismatch));

    shown_and_filtered(h, &twin_sha);
}

/// All keys shows the flag, and its filter keeps only the flagged key.
fn shown_and_filtered(h: &mut egui_kittest::Harness<'static, keyfleet::app::App>, twin_sha: &str) {
    let shown = "not on this computer, provider's fingerprint disagrees";
    assert!(
        h.query_all_by_label(shown).next().is_some(),
        "{}",
        screen_text(h)
    );
    click(h, "Fingerprint disagrees");
    h.run_steps(2);
    let table = h.state().fleet().table();
    assert_eq!(table.visible_len(), 1);
    let (shown_key, _, _) = table.visible_row(0).unwrap();
    assert_eq!(shown_key.sha256.as_deref(), Some(twin_sha));
    wait_for_label(h, "1 of 2 keys");
}
