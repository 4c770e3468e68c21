//! A rotation whose new key gets a passphrase, and whose old key is named
//! in `~/.ssh/config`: the new key is saved encrypted (and opens only with
//! the passphrase), and the last page lists the Host block still naming
//! the old file, with the exact line to write instead, copyable. The
//! config itself is never changed.

mod common;

use common::*;
use egui_kittest::kittest::Queryable;
use keyfleet::inventory::ssh_config::SshConfigSource;
use keyfleet::keys::KeyError;
use keyfleet::keys::SecretString;
use keyfleet::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};
use keyfleet::keys::private::{inspect_private_key, read_private_key_file};
use keyfleet::ops::rotation::Phase;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;

const CONFIG: &str = "Host gh\n    HostName github.com\n    IdentityFile %d/ssh/laptop\n";

#[test]
fn a_rotated_key_with_a_passphrase_and_the_config_lines_still_naming_the_old_one() {
    let sandbox = Sandbox::start().unwrap();
    let old = generate(&GenerateRequest {
        algorithm: KeyAlgorithm::Ed25519,
        comment: "me@laptop".into(),
        passphrase: None,
        encoding: PrivateKeyEncoding::OpenSsh,
    })
    .unwrap();
    sandbox.github.add_key("laptop", &old.public.openssh);
    let (mut test, _profile) = start_with_account(sandbox, ProviderKind::Github, "GitHub me");
    let ssh = test.ssh_dir.clone();
    write_secret(&ssh.join("laptop"), old.private_key.expose());
    std::fs::write(ssh.join("laptop.pub"), format!("{}\n", old.public.openssh)).unwrap();
    std::fs::write(ssh.join("config"), CONFIG).unwrap();
    test.harness
        .state_mut()
        .set_ssh_config(Some(SshConfigSource {
            file: ssh.join("config"),
            ssh_dir: ssh.clone(),
            home: test.config_dir.path().to_path_buf(),
            user: None,
        }));

    select_key(&mut test.harness, "laptop");
    wait_for_label(&mut test.harness, "gh");
    click(&mut test.harness, "Rotate…");
    wait_for_label(&mut test.harness, "Generate and save");
    let new_path = ssh.join("laptop-new");
    set_text(&mut test.harness, "New key name:", "laptop-new");
    set_text(
        &mut test.harness,
        "Save private key as:",
        &new_path.display().to_string(),
    );
    set_text(&mut test.harness, "Passphrase (optional):", "new pass");
    // Typed differently the second time: nothing is generated.
    set_text(&mut test.harness, "Passphrase again:", "new pasS");
    click(&mut test.harness, "Generate and save");
    wait_for_label(&mut test.harness, "The two passphrases differ.");
    assert!(!new_path.exists());
    set_text(&mut test.harness, "Passphrase again:", "new pass");
    click(&mut test.harness, "Generate and save");
    wait_for_label(&mut test.harness, "Add the new key");

    // Saved encrypted: it opens with the passphrase only.
    let text = read_private_key_file(&new_path).unwrap();
    assert!(inspect_private_key(&text, None).unwrap().encrypted);
    assert_eq!(
        inspect_private_key(&text, Some(&SecretString::new("new pasS"))).unwrap_err(),
        KeyError::WrongPassphrase
    );
    let info = inspect_private_key(&text, Some(&SecretString::new("new pass"))).unwrap();
    assert!(info.encrypted);

    click(&mut test.harness, "Add the new key");
    wait_until(&mut test.harness, "the pause", |h| {
        h.state().rotations().first().map(|r| r.phase) == Some(Phase::Paused)
            && h.state().in_flight() == 0
    });
    click(&mut test.harness, "Remove old key now");
    wait_for_label(&mut test.harness, "Show the exact lines to change");
    let config_file = ssh.join("config");
    assert!(
        test.harness
            .query_by_label_contains(&format!("Host gh  ({}:3)", config_file.display()))
            .is_some(),
        "{}",
        screen_text(&test.harness)
    );
    click(&mut test.harness, "Show the exact lines to change");
    let copied = click_and_collect_copies(&mut test.harness, "Copy");
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert!(
        copied[0].contains("- IdentityFile %d/ssh/laptop\n"),
        "{}",
        copied[0]
    );
    assert!(
        // The line's `%d` style: the new path under the home folder as `~/`.
        copied[0].contains("+ IdentityFile ~/ssh/laptop-new\n"),
        "{}",
        copied[0]
    );
    // Keyfleet never edits the config.
    assert_eq!(std::fs::read_to_string(&config_file).unwrap(), CONFIG);
}
