//! The real `keyfleet` binary against the GitLab fake: `keys` lists the
//! account's keys over several pages, and `inventory --json` carries each
//! copy's `expires_at` and flags expired keys, and with `--expiring DAYS`
//! keys expiring within those days.

mod common;

use common::cli::{Folders, keyfleet_command, save_accounts};
use common::keys::{fresh_key, public_line};
use keyfleet::sandbox::Sandbox;
use serde_json::Value;

const SUITE: &str = "gitlab";

fn run(sandbox_config: &std::path::Path, home: &std::path::Path, args: &[&str]) -> Value {
    let folders = Folders {
        config: sandbox_config,
        home,
        cwd: home,
    };
    let output = keyfleet_command(SUITE, &folders, args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn keys_and_inventory_show_gitlab_keys_and_their_expiry() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.gitlab.set_max_page_size(2);
    let today = keyfleet::clock::now_utc().date();
    let day = |offset: i64| (today + time::Duration::days(offset)).to_string();
    let lines: Vec<String> = (0..4)
        .map(|i| public_line(&fresh_key(&format!("k{i}"))))
        .collect();
    sandbox
        .gitlab
        .add_key_with("expired", &lines[0], "auth", Some(&day(-1)));
    sandbox
        .gitlab
        .add_key_with("soon", &lines[1], "signing", Some(&day(20)));
    sandbox
        .gitlab
        .add_key_with("later", &lines[2], "auth_and_signing", Some(&day(200)));
    sandbox.gitlab.add_key("never", &lines[3]);
    let config = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    save_accounts(&sandbox, config.path(), SUITE);

    let keys = run(config.path(), home.path(), &["keys", "GitLab", "--json"]);
    let mut names: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["expired", "later", "never", "soon"]);
    let listed_expiry = |name: &str| {
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|key| key["name"] == name)
            .map(|key| key["expires_at"].clone())
    };
    assert_eq!(
        listed_expiry("soon"),
        Some(Value::from(format!("{}T00:00:00Z", day(20)))),
        "{keys:#}"
    );
    assert_eq!(listed_expiry("never"), Some(Value::Null), "{keys:#}");

    let inventory = run(
        config.path(),
        home.path(),
        &["inventory", "--json", "--expiring", "30"],
    );
    let entry = |name: &str| -> (Value, Vec<String>) {
        let group = inventory["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|key| key["accounts"][0]["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {inventory}"));
        let flags = group["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|flag| flag.as_str().unwrap().to_string())
            .collect();
        (group["accounts"][0]["expires_at"].clone(), flags)
    };
    let (expired_at, expired_flags) = entry("expired");
    assert_eq!(expired_at, format!("{}T00:00:00Z", day(-1)));
    assert!(
        expired_flags.contains(&"expired".to_string()),
        "{expired_flags:?}"
    );
    assert!(entry("soon").1.contains(&"expires_soon".to_string()));
    assert!(!entry("later").1.contains(&"expires_soon".to_string()));
    assert_eq!(entry("never").0, Value::Null);

    // Without --expiring, only what has expired is flagged.
    let inventory = run(config.path(), home.path(), &["inventory", "--json"]);
    let soon = inventory["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["accounts"][0]["name"] == "soon")
        .unwrap();
    assert!(
        !soon["flags"]
            .as_array()
            .unwrap()
            .contains(&Value::from("expires_soon"))
    );
}
