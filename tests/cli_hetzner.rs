//! `keyfleet keys` and `keyfleet publish` on a Hetzner Cloud account, over
//! the strict fake: every page listed, a key already there counted as
//! there, and the token never printed.

mod common;

use common::cli::{Folders, keyfleet_command, token_variable};
use common::keys::{fresh_key, public_line, sha256};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{HETZNER_TOKEN, Sandbox};
use keyfleet::store::{ProfileStore, TokenSource};
use serde_json::Value;

const SUITE: &str = "hetzner";

#[test]
fn keys_lists_every_page_and_publish_counts_a_key_already_there() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.hetzner.set_max_page_size(4);
    let shared = fresh_key("me@laptop");
    for i in 0..9 {
        sandbox
            .hetzner
            .add_key(&format!("box-{i}"), &public_line(&fresh_key("")));
    }
    sandbox.hetzner.add_key("laptop", &public_line(&shared));
    let config = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut profile = sandbox.profile(ProviderKind::Hetzner, "Hetzner lab");
    profile.token_source = TokenSource::EnvVar(token_variable(SUITE, ProviderKind::Hetzner));
    ProfileStore::new(config.path()).save(&[profile]).unwrap();
    let folders = Folders {
        config: config.path(),
        home: home.path(),
        cwd: home.path(),
    };
    let run = |args: &[&str]| {
        let output = keyfleet_command(SUITE, &folders, args).output().unwrap();
        for text in [&output.stdout, &output.stderr] {
            assert!(!String::from_utf8_lossy(text).contains(HETZNER_TOKEN));
        }
        output
    };

    let output = run(&["keys", "Hetzner lab", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 10, "{listed:#}");
    let laptop = keys.iter().find(|k| k["name"] == "laptop").unwrap();
    assert_eq!(laptop["sha256"], sha256(&shared));

    let pub_file = home.path().join("laptop.pub");
    std::fs::write(&pub_file, public_line(&shared)).unwrap();
    let before = sandbox.snapshot();
    let output = run(&[
        "publish",
        pub_file.to_str().unwrap(),
        "--to",
        "Hetzner lab",
        "--name",
        "laptop-again",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let published: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        published["results"][0]["result"], "already_there",
        "{published:#}"
    );
    assert_eq!(sandbox.snapshot(), before, "nothing was added");
}

#[test]
fn a_rotation_gives_the_new_key_the_old_keys_labels() {
    let sandbox = Sandbox::start().unwrap();
    let old = fresh_key("me@laptop");
    let old_id = sandbox.hetzner.add_key("laptop", &public_line(&old));
    let labels: std::collections::BTreeMap<String, String> =
        [("env", "prod"), ("example.com/team", "")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
    sandbox.hetzner.set_labels(old_id, labels.clone());
    let bystander = sandbox
        .hetzner
        .add_key("other", &public_line(&fresh_key("x")));
    let config = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut profile = sandbox.profile(ProviderKind::Hetzner, "Hetzner lab");
    profile.token_source = TokenSource::EnvVar(token_variable(SUITE, ProviderKind::Hetzner));
    ProfileStore::new(config.path()).save(&[profile]).unwrap();
    let folders = Folders {
        config: config.path(),
        home: home.path(),
        cwd: home.path(),
    };
    let save = home.path().join(".ssh").join("laptop-new");
    let sha = sha256(&old);
    let args = [
        "rotate",
        sha.as_str(),
        "--generate",
        "ed25519",
        "--save",
        save.to_str().unwrap(),
    ];
    let plan = keyfleet_command(SUITE, &folders, &args).output().unwrap();
    assert!(
        String::from_utf8_lossy(&plan.stdout).contains("env=prod"),
        "the plan says the labels are kept: {plan:?}"
    );
    let mut added_args = args.to_vec();
    added_args.extend(["--yes", "--json"]);
    let added = keyfleet_command(SUITE, &folders, &added_args)
        .output()
        .unwrap();
    assert_eq!(added.status.code(), Some(0), "{added:?}");
    let keys = sandbox.hetzner.keys();
    assert_eq!(keys.len(), 3, "{keys:?}");
    let new = keys
        .iter()
        .find(|k| k.id != old_id && k.id != bystander)
        .unwrap();
    assert_eq!(
        new.labels, labels,
        "the new key carries the old key's labels"
    );
    let old_now = keys.iter().find(|k| k.id == old_id).unwrap();
    assert_eq!(
        old_now.labels, labels,
        "the old key keeps them until removed"
    );
}

#[test]
fn keys_json_shows_labels_and_a_fingerprint_the_server_got_wrong() {
    let sandbox = Sandbox::start().unwrap();
    let labelled = sandbox
        .hetzner
        .add_key("labelled", &public_line(&fresh_key("a")));
    sandbox.hetzner.set_labels(
        labelled,
        [("env", "prod"), ("team", "")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into(),
    );
    let lying = sandbox
        .hetzner
        .add_key("lying", &public_line(&fresh_key("b")));
    let wrong_md5 = "de:ad:be:ef:de:ad:be:ef:de:ad:be:ef:de:ad:be:ef";
    sandbox.hetzner.set_reported_fingerprint(lying, wrong_md5);
    let config = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut profile = sandbox.profile(ProviderKind::Hetzner, "Hetzner lab");
    profile.token_source = TokenSource::EnvVar(token_variable(SUITE, ProviderKind::Hetzner));
    ProfileStore::new(config.path()).save(&[profile]).unwrap();
    let folders = Folders {
        config: config.path(),
        home: home.path(),
        cwd: home.path(),
    };

    let output = keyfleet_command(SUITE, &folders, &["keys", "Hetzner lab", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let key = |name: &str| {
        listed["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {listed:#}"))
            .clone()
    };
    let labelled = key("labelled");
    assert_eq!(
        labelled["labels"],
        serde_json::json!({"env": "prod", "team": ""}),
        "{labelled:#}"
    );
    assert!(
        labelled.get("fingerprint_warning").is_none(),
        "{labelled:#}"
    );
    let lying = key("lying");
    assert_eq!(lying["labels"], serde_json::json!({}), "{lying:#}");
    let warning = lying["fingerprint_warning"].as_str().unwrap_or_default();
    assert!(warning.contains(wrong_md5), "{lying:#}");
    assert_eq!(
        lying["expires_at"],
        Value::Null,
        "Hetzner keys never expire"
    );
}
