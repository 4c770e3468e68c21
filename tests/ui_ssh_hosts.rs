//! "Used by hosts" in the real window: a `~/.ssh/config` (with an
//! `Include` and `%d`) names a key that is on a GitHub account and on this
//! computer, from two `Host` blocks, and names a file that is not there.
//! The details panel and "All keys" show the hosts; the missing file is a
//! hygiene finding of its own.

mod common;

use common::*;
use egui_kittest::kittest::Queryable;
use keyfleet::inventory::Flag;
use keyfleet::inventory::ssh_config::SshConfigSource;
use keyfleet::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;

#[test]
fn the_hosts_naming_a_key_show_in_the_details_panel_and_all_keys() {
    let sandbox = Sandbox::start().unwrap();
    let key = generate(&GenerateRequest {
        algorithm: KeyAlgorithm::Ed25519,
        comment: "me@laptop".into(),
        passphrase: None,
        encoding: PrivateKeyEncoding::OpenSsh,
    })
    .unwrap();
    let public = key.public.openssh.clone();
    sandbox.seed_key(ProviderKind::Github, "work laptop", &public, "");
    let (mut test, _profile) = start_with_account(sandbox, ProviderKind::Github, "GitHub me");

    // The app's `~/.ssh` is `ssh_dir`; its home folder the config dir.
    let ssh = test.ssh_dir.clone();
    let home = test.config_dir.path().to_path_buf();
    write_secret(&ssh.join("id_work"), key.private_key.expose());
    std::fs::write(ssh.join("id_work.pub"), format!("{public}\n")).unwrap();
    std::fs::create_dir(ssh.join("config.d")).unwrap();
    std::fs::write(
        ssh.join("config"),
        "Include config.d/*\n\
         Host build-1 build-2\n    IdentityFile %d/ssh/id_work\n\
         Host legacy\n    IdentityFile %d/ssh/id_gone\n\
         Match user root\n    IdentityFile %d/ssh/id_work\n",
    )
    .unwrap();
    std::fs::write(
        ssh.join("config.d").join("github"),
        "Host github.com\n    IdentityFile %d/ssh/id_work\n",
    )
    .unwrap();
    test.harness
        .state_mut()
        .set_ssh_config(Some(SshConfigSource {
            file: ssh.join("config"),
            ssh_dir: ssh.clone(),
            home,
            user: None,
        }));

    // The details panel of the account's key.
    select_key(&mut test.harness, "work laptop");
    wait_for_label(&mut test.harness, "Used by hosts");
    assert!(test.harness.query_by_label("github.com").is_some());
    assert!(test.harness.query_by_label("build-1 build-2").is_some());
    // Under `Match` is left out, and `legacy` names another file.
    assert!(test.harness.query_by_label("legacy").is_none());

    // All keys: a column, and a row for the missing file.
    click(&mut test.harness, "🔑 All keys");
    wait_until(&mut test.harness, "the inventory", |h| {
        h.state()
            .fleet()
            .table()
            .snapshot()
            .is_some_and(|s| s.inventory.keys.iter().any(|k| !k.accounts.is_empty()))
    });
    wait_for_label(&mut test.harness, "github.com, build-1 build-2");
    let snapshot = test.harness.state().fleet().table().snapshot().unwrap();
    let missing: Vec<_> = snapshot
        .inventory
        .keys
        .iter()
        .filter(|k| k.flags.contains(&Flag::ConfigNamesMissingKey))
        .collect();
    assert_eq!(missing.len(), 1, "{:#?}", snapshot.inventory.keys);
    assert_eq!(missing[0].used_by_hosts, ["legacy"]);
    assert!(
        missing[0]
            .missing_path
            .as_deref()
            .unwrap()
            .ends_with("id_gone")
    );
    assert!(
        test.harness
            .query_by_label_contains("config names a missing key")
            .is_some()
    );
    // The hygiene filter keeps only that row.
    click(&mut test.harness, "Config names a missing key");
    wait_for_label(&mut test.harness, "1 of 2 keys");
}

#[test]
fn a_putty_key_is_grouped_and_converted_to_openssh_from_all_keys() {
    use std::os::unix::fs::PermissionsExt as _;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ppk");
    let public = std::fs::read_to_string(fixtures.join("ed25519_v3.pub")).unwrap();
    let sandbox = Sandbox::start().unwrap();
    sandbox.seed_key(ProviderKind::Github, "putty laptop", public.trim(), "");
    let (mut test, _profile) = start_with_account(sandbox, ProviderKind::Github, "GitHub me");
    let ssh = test.ssh_dir.clone();
    std::fs::copy(fixtures.join("ed25519_v3.ppk"), ssh.join("work.ppk")).unwrap();

    click(&mut test.harness, "🔑 All keys");
    wait_until(
        &mut test.harness,
        "the .ppk grouped with the account's key",
        |h| {
            h.state().fleet().table().snapshot().is_some_and(|s| {
                s.inventory.keys.iter().any(|k| {
                    !k.accounts.is_empty() && k.local_paths.iter().any(|p| p.ends_with("work.ppk"))
                })
            })
        },
    );
    click(&mut test.harness, "putty laptop");
    click(&mut test.harness, "Convert to OpenSSH…");
    wait_for_label(&mut test.harness, "Convert a PuTTY key to OpenSSH");
    click(&mut test.harness, "Convert");
    wait_for_label_containing(&mut test.harness, "Private key saved to");
    let target = ssh.join("work");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        key_data(&std::fs::read_to_string(ssh.join("work.pub")).unwrap()),
        key_data(&public)
    );
    assert_eq!(key_data(&ssh_keygen_public(&target, "")), key_data(&public));
    // All keys shows the new file at once, beside the .ppk.
    wait_until(&mut test.harness, "the converted file listed", |h| {
        h.state().fleet().table().snapshot().is_some_and(|s| {
            s.inventory.keys.iter().any(|k| {
                k.local_paths.iter().any(|p| p.ends_with("work.ppk"))
                    && k.local_paths.iter().any(|p| p.ends_with("/work.pub"))
            })
        })
    });
}
