//! `keyfleet keys` and `keyfleet publish` on a DigitalOcean account, over
//! the strict fake: every page listed, a key already there counted as
//! there, a provider fingerprint that disagrees kept out of grouping, and
//! the token never printed.

mod common;

use common::cli::{Folders, keyfleet_command, token_variable};
use common::keys::{fresh_key, public_line, sha256};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{DIGITALOCEAN_TOKEN, Sandbox};
use keyfleet::store::{ProfileStore, TokenSource};
use serde_json::Value;

const SUITE: &str = "digitalocean";

#[test]
fn keys_lists_every_page_and_publish_counts_a_key_already_there() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.digitalocean.set_max_page_size(4);
    let shared = fresh_key("me@laptop");
    for i in 0..9 {
        sandbox
            .digitalocean
            .add_key(&format!("droplet-{i}"), &public_line(&fresh_key("")));
    }
    let laptop_id = sandbox
        .digitalocean
        .add_key("laptop", &public_line(&shared));
    // The server claims another MD5 for the laptop key: the listing keeps
    // the key's own fingerprints.
    sandbox
        .digitalocean
        .report_fingerprint(laptop_id, "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff");
    let config = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut profile = sandbox.profile(ProviderKind::Digitalocean, "DO droplets");
    profile.token_source = TokenSource::EnvVar(token_variable(SUITE, ProviderKind::Digitalocean));
    ProfileStore::new(config.path()).save(&[profile]).unwrap();
    let folders = Folders {
        config: config.path(),
        home: home.path(),
        cwd: home.path(),
    };
    let run = |args: &[&str]| {
        let output = keyfleet_command(SUITE, &folders, args).output().unwrap();
        for text in [&output.stdout, &output.stderr] {
            assert!(!String::from_utf8_lossy(text).contains(DIGITALOCEAN_TOKEN));
        }
        output
    };

    let output = run(&["keys", "DO droplets", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 10, "{listed:#}");
    let laptop = keys.iter().find(|k| k["name"] == "laptop").unwrap();
    assert_eq!(laptop["sha256"], sha256(&shared), "{laptop:#}");
    // …and says why the server's MD5 is in doubt; honest keys say nothing.
    let warning = laptop["fingerprint_warning"].as_str().unwrap_or_default();
    assert!(
        warning.contains("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"),
        "{laptop:#}"
    );
    for key in keys.iter().filter(|k| k["name"] != "laptop") {
        assert!(key.get("fingerprint_warning").is_none(), "{key:#}");
        assert!(key.get("labels").is_none(), "DigitalOcean has no labels");
        assert_eq!(key["expires_at"], Value::Null, "{key:#}");
    }

    let pub_file = home.path().join("laptop.pub");
    std::fs::write(&pub_file, public_line(&shared)).unwrap();
    let before = sandbox.snapshot();
    let output = run(&[
        "publish",
        pub_file.to_str().unwrap(),
        "--to",
        "DO droplets",
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
