//! `keyfleet rotate` as a user runs it: the real binary against the
//! sandbox servers in this process, with `HOME` an empty folder without
//! `.ssh` and the current folder another empty one. The plan changes
//! nothing; `--yes` adds the new key and stops at the pause; a second run
//! with `--remove-old` finishes it; relative paths are refused; and the
//! whole key set of every account is checked after each run.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{self, SANDBOX_ORGANIZATION, Sandbox};
use keyfleet::store::{Profile, ProfileStore, TokenSource};
use serde_json::Value;

fn env_var(kind: ProviderKind) -> String {
    format!("KEYFLEET_ROTATE_TEST_{kind:?}").to_uppercase()
}

struct Setup {
    sandbox: Sandbox,
    config: tempfile::TempDir,
    home: tempfile::TempDir,
    cwd: tempfile::TempDir,
    old_sha256: String,
}

fn fresh_key(comment: &str) -> ssh_key::PrivateKey {
    let mut key =
        ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
    key.set_comment(comment);
    key
}

fn public_line(key: &ssh_key::PrivateKey) -> String {
    key.public_key().to_openssh().unwrap()
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
    let terraform = fresh_key("deploy")
        .to_openssh(ssh_key::LineEnding::LF)
        .unwrap()
        .to_string();
    sandbox.seed_key(ProviderKind::Terraform, "tf-deploy", "", &terraform);
    let config = tempfile::tempdir().unwrap();
    let profiles: Vec<Profile> = [
        (ProviderKind::Gcore, "Gcore prod"),
        (ProviderKind::Sesterce, "Sesterce"),
        (ProviderKind::Terraform, "Terraform"),
        (ProviderKind::Github, "GitHub"),
    ]
    .into_iter()
    .map(|(kind, name)| {
        let mut profile = sandbox.profile(kind, name);
        profile.token_source = TokenSource::EnvVar(env_var(kind));
        profile
    })
    .collect();
    ProfileStore::new(config.path()).save(&profiles).unwrap();
    Setup {
        sandbox,
        config,
        home: tempfile::tempdir().unwrap(),
        cwd: tempfile::tempdir().unwrap(),
        old_sha256: old.public_key().fingerprint(Default::default()).to_string(),
    }
}

fn keyfleet(setup: &Setup, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keyfleet"));
    command
        .args(args)
        .current_dir(setup.cwd.path())
        .env("KEYFLEET_CONFIG_DIR", setup.config.path())
        .env("HOME", setup.home.path())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    for kind in ProviderKind::ALL {
        command.env(env_var(kind), sandbox::token(kind));
    }
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

/// Every key of every account in full (Gcore, Sesterce, GitHub,
/// HCP Terraform), one `(id, everything)` pair per key.
fn key_sets(sandbox: &Sandbox) -> Vec<Vec<(String, String)>> {
    vec![
        sandbox
            .gcore
            .key_details(1)
            .into_iter()
            .map(|key| (key.id.clone(), format!("{key:?}")))
            .collect(),
        sandbox
            .sesterce
            .keys()
            .into_iter()
            .map(|key| (key.id.clone(), format!("{key:?}")))
            .collect(),
        sandbox
            .github
            .keys()
            .into_iter()
            .map(|key| (key.id.to_string(), format!("{key:?}")))
            .collect(),
        sandbox
            .terraform
            .keys(SANDBOX_ORGANIZATION)
            .into_iter()
            .map(|(id, name)| {
                (
                    id.clone(),
                    format!("{name} {:?}", sandbox.terraform.stored_value(&id)),
                )
            })
            .collect(),
    ]
}

/// The old key's id on Gcore, Sesterce, GitHub and HCP Terraform, from
/// `keyfleet rotate --json`.
fn old_key_ids(json: &Value) -> Vec<Option<String>> {
    ["gcore", "sesterce", "github", "terraform"]
        .iter()
        .map(|provider| {
            json["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|step| step["provider"] == *provider)
                .map(|step| step["old_key_id"].as_str().unwrap().to_string())
        })
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
    let before = key_sets(&setup.sandbox);
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
    assert_eq!(key_sets(&setup.sandbox), before);
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
    let paused = key_sets(&setup.sandbox);
    let old_ids = old_key_ids(&json);
    for (account, (then, now)) in before.iter().zip(&paused).enumerate() {
        let added = if account == 3 { 0 } else { 1 };
        assert_eq!(now.len(), then.len() + added, "account {account}");
        // The old key stays (Sesterce's hands "default" to the new key).
        let ids = |keys: &[(String, String)]| -> Vec<String> {
            keys.iter().map(|(id, _)| id.clone()).collect()
        };
        assert_eq!(ids(&now[..then.len()]), ids(then), "account {account}");
        let others = |keys: &[(String, String)]| -> Vec<(String, String)> {
            keys.iter()
                .filter(|(id, _)| Some(id) != old_ids[account].as_ref())
                .cloned()
                .collect()
        };
        assert_eq!(
            others(&now[..then.len()]),
            others(then),
            "account {account}: nothing else changed"
        );
    }
    assert!(setup.config.path().join("rotations.json").exists());
    assert_empty(setup.cwd.path());

    // A second run finishes it from rotations.json.
    let removed = keyfleet(&setup, &["rotate", sha, "--remove-old", "--yes", "--json"]);
    assert_eq!(removed.status.code(), Some(0), "{}", stderr(&removed));
    let json: Value = serde_json::from_slice(&removed.stdout).unwrap();
    assert_eq!(json["phase"], "done", "{json:#}");
    assert_eq!(holders(&setup.sandbox, "laptop"), [0, 0, 0]);
    assert_eq!(holders(&setup.sandbox, &new_name), [1, 1, 1]);
    let after = key_sets(&setup.sandbox);
    for (account, (then, now)) in paused.iter().zip(&after).enumerate() {
        let kept: Vec<(String, String)> = then
            .iter()
            .filter(|(id, _)| Some(id) != old_ids[account].as_ref())
            .cloned()
            .collect();
        assert_eq!(now, &kept, "account {account}: only the old key went");
    }
    assert!(!setup.config.path().join("rotations.json").exists());
    assert_empty(setup.cwd.path());
}

#[test]
fn rotate_refuses_relative_paths_and_bad_fingerprints() {
    let setup = setup();
    let before = key_sets(&setup.sandbox);
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
    assert_eq!(key_sets(&setup.sandbox), before);
    assert_empty(setup.cwd.path());
    assert!(!setup.home.path().join(".ssh").exists());
}
