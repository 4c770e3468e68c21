//! `keyfleet revoke` through the real binary against the sandbox fakes: it
//! refuses anything that is not a whole SHA256 fingerprint (or a public key
//! file) with exit 2 and touches nothing, and it says which keys it could
//! not check (no public material: HCP Terraform). After every run the whole
//! key set of every account is compared with what it must be.

mod common;

use std::path::Path;
use std::process::Output;

use common::cli::{Folders, keyfleet_command, save_accounts};
use common::client::{account_client, fast_policy};
use common::keys::{fresh_key, private_text, public_line};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{self, Sandbox};
use serde_json::Value;

/// The suite's name in its token variables.
const SUITE: &str = "revoke";

/// On the Gcore and the GitHub account.
const SHARED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB test@keyfleet.local";
/// `ssh-keygen -l -E sha256` of [`SHARED`].
const SHARED_SHA256: &str = "SHA256:/0ANFQW2kyjkt6GDNlS8EXRBpxK7IpBgphofzu/m9eI";

/// `(id, name, fingerprint)` of one key, as its account lists it.
type Listed = (String, String, Option<String>);

struct Setup {
    sandbox: Sandbox,
    config: tempfile::TempDir,
    home: tempfile::TempDir,
}

/// Four accounts: SHARED on Gcore and GitHub, another key on Sesterce and
/// GitHub, two keys on Terraform (no public material to check).
fn setup() -> Setup {
    let sandbox = Sandbox::start().unwrap();
    let other = public_line(&fresh_key("other"));
    sandbox.seed_key(ProviderKind::Gcore, "laptop", SHARED, "");
    sandbox.seed_key(ProviderKind::Github, "my laptop", SHARED, "");
    sandbox.seed_key(ProviderKind::Github, "desktop", &other, "");
    sandbox.seed_key(ProviderKind::Sesterce, "desktop", &other, "");
    for name in ["tf-deploy", "tf-modules"] {
        let private = private_text(&fresh_key(name));
        sandbox.seed_key(ProviderKind::Terraform, name, "", &private);
    }
    let config = tempfile::tempdir().unwrap();
    save_accounts(&sandbox, config.path(), SUITE);
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("laptop.pub"), format!("{SHARED}\n")).unwrap();
    std::fs::write(home.path().join("garbage.pub"), "not a key\n").unwrap();
    Setup {
        sandbox,
        config,
        home,
    }
}

fn keyfleet(setup: &Setup, args: &[&str]) -> Output {
    let folders = Folders {
        config: setup.config.path(),
        home: setup.home.path(),
        cwd: setup.home.path(),
    };
    keyfleet_command(SUITE, &folders, args).output().unwrap()
}

/// Every account's keys, sorted, listed over HTTP like the binary does.
fn key_sets(setup: &Setup) -> Vec<(ProviderKind, Vec<Listed>)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    ProviderKind::ALL
        .into_iter()
        .map(|kind| {
            let url = setup.sandbox.url(kind);
            let client = account_client(kind, url, sandbox::token(kind), fast_policy());
            let mut keys: Vec<Listed> = runtime
                .block_on(client.list_keys())
                .unwrap()
                .into_iter()
                .map(|key| (key.id, key.name.to_string(), key.fingerprint_sha256))
                .collect();
            keys.sort();
            (kind, keys)
        })
        .collect()
}

fn deletes(setup: &Setup) -> usize {
    ProviderKind::ALL
        .into_iter()
        .map(|kind| {
            let faults = setup.sandbox.faults(kind);
            faults
                .requests()
                .iter()
                .filter(|request| request.method == "DELETE")
                .count()
        })
        .sum()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn anything_but_a_whole_fingerprint_or_a_key_file_is_refused_and_nothing_changes() {
    let setup = setup();
    let before = key_sets(&setup);
    let garbage = setup.home.path().join("garbage.pub");
    let missing = setup.home.path().join("missing.pub");
    let cases: Vec<(String, &str)> = vec![
        ("SHA256:abc".into(), "not a SHA256 fingerprint"),
        ("SHA256:".into(), "not a SHA256 fingerprint"),
        (SHARED_SHA256[..SHARED_SHA256.len() - 1].into(), "found 42"),
        (format!("{SHARED_SHA256}A"), "found 44"),
        (SHARED_SHA256.replace('/', "!"), "not a SHA256 fingerprint"),
        // A last character whose unused bits are set is not one of the
        // 2^256 fingerprints: the same text with a typo.
        (
            SHARED_SHA256.replace("m9eI", "m9eJ"),
            "not a SHA256 fingerprint",
        ),
        (
            "sha256:/0ANFQW2kyjkt6GDNlS8EXRBpxK7IpBgphofzu/m9eI".into(),
            "neither",
        ),
        ("laptop".into(), "neither"),
        (garbage.display().to_string(), "garbage.pub"),
        (missing.display().to_string(), "missing.pub"),
    ];
    for (arg, message) in &cases {
        for json in [false, true] {
            let mut args = vec!["revoke", arg.as_str(), "--yes"];
            if json {
                args.push("--json");
            }
            let output = keyfleet(&setup, &args);
            assert_eq!(output.status.code(), Some(2), "{arg}: {output:?}");
            assert!(
                stderr(&output).contains(message),
                "{arg}: {}",
                stderr(&output)
            );
            assert!(output.stdout.is_empty(), "{arg}: {output:?}");
        }
    }
    assert_eq!(deletes(&setup), 0);
    assert_eq!(key_sets(&setup), before);
}

#[test]
fn a_key_file_revokes_its_fingerprint_and_the_unchecked_keys_are_named() {
    let setup = setup();
    let before = key_sets(&setup);
    let output = keyfleet(&setup, &["revoke", "laptop.pub", "--yes", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["sha256"], SHARED_SHA256);
    let results: Vec<(&str, &str)> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["account"].as_str().unwrap(),
                row["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(results, [("Gcore prod", "deleted"), ("GitHub", "deleted")]);
    let mut unchecked: Vec<(&str, &str, &str)> = json["unchecked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| {
            (
                key["account"].as_str().unwrap(),
                key["provider"].as_str().unwrap(),
                key["name"].as_str().unwrap(),
            )
        })
        .collect();
    unchecked.sort();
    assert_eq!(
        unchecked,
        [
            ("Terraform", "terraform", "tf-deploy"),
            ("Terraform", "terraform", "tf-modules")
        ]
    );
    let message = stderr(&output);
    assert!(
        message.contains("2 key(s) could not be checked") && message.contains("2 on Terraform"),
        "{message}"
    );
    // Exactly the two copies of SHARED are gone; every other key stays.
    let expected: Vec<(ProviderKind, Vec<Listed>)> = before
        .into_iter()
        .map(|(kind, keys)| {
            let kept = keys
                .into_iter()
                .filter(|key| key.2.as_deref() != Some(SHARED_SHA256))
                .collect();
            (kind, kept)
        })
        .collect();
    assert_eq!(key_sets(&setup), expected);
    assert_eq!(deletes(&setup), 2);
}

#[test]
fn a_fingerprint_nobody_holds_still_names_the_keys_it_could_not_check() {
    let setup = setup();
    let before = key_sets(&setup);
    let absent = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let output = keyfleet(&setup, &["revoke", absent, "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let message = stderr(&output);
    assert!(message.contains("no account holds a key"), "{message}");
    assert!(
        message.contains("2 key(s) could not be checked") && message.contains("Terraform"),
        "{message}"
    );
    // Without --yes the JSON plan carries the list too.
    let output = keyfleet(&setup, &["revoke", absent, "--json"]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["unchecked"].as_array().map(Vec::len), Some(2));
    assert_eq!(deletes(&setup), 0);
    assert_eq!(key_sets(&setup), before);
    assert!(Path::new(&setup.home.path().join("laptop.pub")).exists());
}
