//! `keyfleet rotate` as a user runs it: the real binary against the
//! sandbox servers in this process, with `HOME` an empty folder without
//! `.ssh` and the current folder another empty one. The plan changes
//! nothing; `--yes` adds the new key and stops at the pause; a second run
//! with `--remove-old` finishes it; relative paths are refused; and the
//! whole key set of every account is checked after each run.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use common::bystanders::{assert_changes_everywhere, assert_only_gone_everywhere};
use common::cli::{Folders, keyfleet_command, save_accounts};
use common::keys::{fresh_key, private_text, public_line, sha256};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{self, Sandbox};
use serde_json::Value;

/// The suite's name in its token variables.
const SUITE: &str = "rotate";

struct Setup {
    sandbox: Sandbox,
    config: tempfile::TempDir,
    home: tempfile::TempDir,
    cwd: tempfile::TempDir,
    old_sha256: String,
}

/// The old key "laptop" on Gcore, Sesterce and GitHub; a bystander key on
/// each of them (on Gcore and GitHub a same-named one), and an unrelated
/// HCP Terraform key; the four accounts' tokens in environment variables.
fn setup() -> Setup {
    let sandbox = Sandbox::start().unwrap();
    let old = fresh_key("me@laptop");
    let old_line = public_line(&old);
    for kind in [
        ProviderKind::Gcore,
        ProviderKind::Sesterce,
        ProviderKind::Github,
    ] {
        sandbox.seed_key(kind, "laptop", &old_line, "");
        let name = if kind == ProviderKind::Sesterce {
            "other"
        } else {
            "laptop-old-copy"
        };
        sandbox.seed_key(kind, name, &public_line(&fresh_key("x")), "");
    }
    let terraform = private_text(&fresh_key("deploy"));
    sandbox.seed_key(ProviderKind::Terraform, "tf-deploy", "", &terraform);
    let config = tempfile::tempdir().unwrap();
    save_accounts(&sandbox, config.path(), SUITE);
    Setup {
        sandbox,
        config,
        home: tempfile::tempdir().unwrap(),
        cwd: tempfile::tempdir().unwrap(),
        old_sha256: sha256(&old),
    }
}

fn keyfleet(setup: &Setup, args: &[&str]) -> Output {
    let folders = Folders {
        config: setup.config.path(),
        home: setup.home.path(),
        cwd: setup.cwd.path(),
    };
    let mut command = keyfleet_command(SUITE, &folders, args);
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for kind in ProviderKind::ALL {
        assert!(!text.contains(sandbox::token(kind)), "token in output");
    }
    assert!(!text.contains("PRIVATE KEY"), "private key in output");
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `(provider, id)` of the old key on every account holding it, from
/// `keyfleet rotate --json`.
fn old_key_ids(json: &Value) -> Vec<(&'static str, String)> {
    ["gcore", "sesterce", "github", "terraform"]
        .into_iter()
        .filter_map(|provider| {
            json["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|step| step["provider"] == provider)
                .map(|step| (provider, step["old_key_id"].as_str().unwrap().to_string()))
        })
        .collect()
}

/// `pairs` as the `(provider, id)` slices the bystander checks take.
fn named<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs
        .iter()
        .map(|(provider, id)| (*provider, id.as_str()))
        .collect()
}

fn assert_empty(folder: &Path) {
    let entries: Vec<_> = std::fs::read_dir(folder).unwrap().collect();
    assert!(
        entries.is_empty(),
        "{} is not empty: {entries:?}",
        folder.display()
    );
}

/// The key lines named `name` on Gcore, Sesterce and GitHub.
fn holders(sandbox: &Sandbox, name: &str) -> [usize; 3] {
    [
        ProviderKind::Gcore,
        ProviderKind::Sesterce,
        ProviderKind::Github,
    ]
    .map(|kind| {
        sandbox
            .key_names(kind)
            .iter()
            .filter(|n| n.as_str() == name)
            .count()
    })
}

#[test]
fn rotate_plans_then_adds_then_removes_in_two_runs() {
    let setup = setup();
    let before = setup.sandbox.snapshot();
    let save = setup.home.path().join(".ssh").join("laptop-new");
    let save_text = save.display().to_string();
    let sha = setup.old_sha256.as_str();

    // The plan alone: exit 2, nothing written, nothing sent.
    let plan = keyfleet(
        &setup,
        &["rotate", sha, "--generate", "ed25519", "--save", &save_text],
    );
    assert_eq!(plan.status.code(), Some(2), "{}", stderr(&plan));
    let shown = String::from_utf8_lossy(&plan.stdout);
    for account in ["Gcore prod", "Sesterce", "GitHub"] {
        assert!(shown.contains(account), "{shown}");
    }
    assert!(!shown.contains("Terraform"), "no copy there: {shown}");
    assert!(stderr(&plan).contains("nothing was changed"));
    assert_eq!(setup.sandbox.snapshot(), before);
    assert!(!setup.home.path().join(".ssh").exists());
    assert!(!setup.config.path().join("rotations.json").exists());

    // --yes: the key saved where asked, added everywhere, old key kept.
    let added = keyfleet(
        &setup,
        &[
            "rotate",
            sha,
            "--generate",
            "ed25519",
            "--save",
            &save_text,
            "--yes",
            "--json",
        ],
    );
    assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));
    let json: Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(json["phase"], "paused", "{json:#}");
    assert!(stderr(&added).contains("--remove-old"));
    let mode = std::fs::metadata(&save).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let folder_mode = std::fs::metadata(save.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(folder_mode, 0o700);
    let new_name = json["new"]["name"].as_str().unwrap().to_string();
    assert_eq!(holders(&setup.sandbox, "laptop"), [1, 1, 1]);
    assert_eq!(holders(&setup.sandbox, &new_name), [1, 1, 1]);
    let paused = setup.sandbox.snapshot();
    let old_ids = old_key_ids(&json);
    assert_eq!(old_ids.len(), 3, "{json:#}");
    // The old key stays (Sesterce's hands "default" to the new key); one
    // new key on each account holding it; nothing else changed.
    assert_changes_everywhere(
        &before,
        &paused,
        &[],
        &named(&old_ids),
        &[("gcore", 1), ("sesterce", 1), ("github", 1)],
    );
    assert!(setup.config.path().join("rotations.json").exists());
    assert_empty(setup.cwd.path());

    // A second run finishes it from rotations.json.
    let removed = keyfleet(&setup, &["rotate", sha, "--remove-old", "--yes", "--json"]);
    assert_eq!(removed.status.code(), Some(0), "{}", stderr(&removed));
    let json: Value = serde_json::from_slice(&removed.stdout).unwrap();
    assert_eq!(json["phase"], "done", "{json:#}");
    assert_eq!(holders(&setup.sandbox, "laptop"), [0, 0, 0]);
    assert_eq!(holders(&setup.sandbox, &new_name), [1, 1, 1]);
    let after = setup.sandbox.snapshot();
    // Only the old key went.
    assert_only_gone_everywhere(&paused, &after, &named(&old_ids));
    assert!(!setup.config.path().join("rotations.json").exists());
    assert_empty(setup.cwd.path());
}

#[test]
fn rotate_refuses_relative_paths_and_bad_fingerprints() {
    let setup = setup();
    let before = setup.sandbox.snapshot();
    let sha = setup.old_sha256.as_str();
    for args in [
        vec![
            "rotate",
            sha,
            "--generate",
            "ed25519",
            "--save",
            "laptop-new",
            "--yes",
        ],
        vec![
            "rotate",
            sha,
            "--generate",
            "ed25519",
            "--save",
            "./keys/new",
            "--yes",
        ],
        vec!["rotate", sha, "--key", "id_ed25519", "--yes"],
    ] {
        let output = keyfleet(&setup, &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains("absolute path"),
            "{}",
            stderr(&output)
        );
    }
    for args in [
        vec![
            "rotate",
            "SHA256:abc",
            "--generate",
            "ed25519",
            "--save",
            "/tmp/x",
            "--yes",
        ],
        vec!["rotate", sha, "--generate", "dsa", "--save", "/tmp/x"],
        vec!["rotate", sha, "--save", "/tmp/x"],
        vec!["rotate", sha, "--yes"],
    ] {
        let output = keyfleet(&setup, &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(setup.sandbox.snapshot(), before);
    assert_empty(setup.cwd.path());
    assert!(!setup.home.path().join(".ssh").exists());
}
