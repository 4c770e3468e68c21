//! `keyfleet agent`, `agent add` and `agent remove` through the binary,
//! against a real `ssh-agent` started per test and the sandbox accounts.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::cli::{Folders, keyfleet_command, save_accounts};
use keyfleet::inventory::agent::{self, AddOptions, SpawnedAgent};
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;

const SUITE: &str = "agent";

struct Setup {
    sandbox: Sandbox,
    agent: SpawnedAgent,
    config: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let sandbox = Sandbox::start().unwrap();
        let config = tempfile::tempdir().unwrap();
        save_accounts(&sandbox, config.path(), SUITE);
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".ssh")).unwrap();
        let agent = SpawnedAgent::start(Duration::from_secs(60)).unwrap();
        Self {
            sandbox,
            agent,
            config,
            home,
        }
    }

    fn ssh_dir(&self) -> PathBuf {
        self.home.path().join(".ssh")
    }

    fn command(&self, args: &[&str]) -> Command {
        let folders = Folders {
            config: self.config.path(),
            home: self.home.path(),
            cwd: self.home.path(),
        };
        let mut command = keyfleet_command(SUITE, &folders, args);
        command.env("SSH_AUTH_SOCK", self.agent.socket_path());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

/// `ssh-keygen` a key in `dir`; returns (private key path, public line).
fn keygen(dir: &Path, name: &str, passphrase: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_string())
}

fn sha256_of(path: &Path) -> String {
    let output = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn lists_the_agents_keys_with_their_accounts_and_files() {
    let setup = Setup::new();
    let (laptop, laptop_public) = keygen(&setup.ssh_dir(), "laptop", "");
    setup
        .sandbox
        .seed_key(ProviderKind::Github, "my laptop", &laptop_public, "");
    let stranger_dir = tempfile::tempdir().unwrap();
    let (stranger, _) = keygen(stranger_dir.path(), "stranger", "");
    for key in [&laptop, &stranger] {
        agent::add_file(&setup.agent.socket(), key, None, AddOptions::default()).unwrap();
    }

    let output = setup.run(&["agent", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys = json["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{json:#}");
    assert_eq!(keys[0]["sha256"], sha256_of(&laptop));
    assert_eq!(keys[0]["algorithm"], "ED25519");
    assert_eq!(keys[0]["accounts"][0]["account"], "GitHub");
    assert_eq!(keys[0]["accounts"][0]["name"], "my laptop");
    let files: Vec<&str> = keys[0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| *f == laptop.with_extension("pub").display().to_string()),
        "{files:?}"
    );
    assert_eq!(keys[1]["sha256"], sha256_of(&stranger));
    assert_eq!(keys[1]["accounts"], serde_json::json!([]));
    assert_eq!(keys[1]["files"], serde_json::json!([]));
    assert_eq!(json["errors"], serde_json::json!([]));

    let output = setup.run(&["agent"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let human = text(&output.stdout);
    assert!(human.contains("account: GitHub (\"my laptop\""), "{human}");
    assert!(human.contains("accounts: none"), "{human}");
}

#[test]
fn adds_with_constraints_and_removes_by_fingerprint() {
    let setup = Setup::new();
    let (key, _) = keygen(&setup.ssh_dir(), "work", "");
    let sha256 = sha256_of(&key);
    let path = key.display().to_string();
    let output = setup.run(&["agent", "add", &path, "--lifetime", "3600", "--confirm"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(text(&output.stdout).starts_with(&format!("added {sha256} ED25519")));
    let listed = agent::list(&setup.agent.socket()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].sha256, sha256);

    let output = setup.run(&["agent", "remove", &sha256, "--json"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["removed"]["sha256"], sha256);
    assert_eq!(agent::list(&setup.agent.socket()), Ok(Vec::new()));

    // Again: not there any more.
    let output = setup.run(&["agent", "remove", &sha256]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        text(&output.stderr).contains("is not in the agent"),
        "{output:?}"
    );
    // A lifetime of 0 would mean "for ever" to some agents: refused.
    let output = setup.run(&["agent", "add", &path, "--lifetime", "0"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

#[test]
fn an_encrypted_key_takes_its_passphrase_on_standard_input() {
    let setup = Setup::new();
    let (key, _) = keygen(&setup.ssh_dir(), "locked", "sesame");
    let path = key.display().to_string();
    let output = setup.run(&["agent", "add", &path]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(text(&output.stderr).contains("passphrase"), "{output:?}");

    let with_input = |passphrase: &str| {
        let mut child = setup
            .command(&["agent", "add", &path, "--passphrase-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{passphrase}").unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let wrong = with_input("open says me");
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    let message = text(&wrong.stderr);
    assert!(message.contains("wrong passphrase"), "{message}");
    assert!(!message.contains("open says me"), "{message}");
    assert_eq!(agent::list(&setup.agent.socket()), Ok(Vec::new()));

    let right = with_input("sesame");
    assert_eq!(right.status.code(), Some(0), "{right:?}");
    assert_eq!(agent::list(&setup.agent.socket()).unwrap().len(), 1);
}

#[test]
fn without_an_agent_it_says_why() {
    let setup = Setup::new();
    let output = setup
        .command(&["agent"])
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        text(&output.stderr).trim(),
        "keyfleet: no agent: SSH_AUTH_SOCK is not set"
    );
    let output = setup
        .command(&["agent"])
        .env("SSH_AUTH_SOCK", setup.home.path().join("no.sock"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(text(&output.stderr).contains("is gone"), "{output:?}");
}

#[test]
fn the_demo_has_its_own_agent_holding_the_laptop_key() {
    let setup = Setup::new();
    let output = setup
        .command(&["--demo", "agent", "--json"])
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys = json["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{json:#}");
    assert_eq!(keys[0]["accounts"].as_array().unwrap().len(), 4, "{json:#}");
    assert!(
        keys[0]["files"][0]
            .as_str()
            .unwrap()
            .ends_with("id_ed25519_laptop.pub")
    );
    // The user's agent (this test's) was not touched.
    assert_eq!(agent::list(&setup.agent.socket()), Ok(Vec::new()));
}

/// The key of `inventory` whose fingerprint is `sha256`.
fn group<'a>(inventory: &'a serde_json::Value, sha256: &str) -> &'a serde_json::Value {
    inventory["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["sha256"] == sha256)
        .unwrap_or_else(|| panic!("no {sha256} in {inventory:#}"))
}

#[test]
fn inventory_local_says_which_keys_the_agent_holds_and_which_hosts_use_them() {
    let setup = Setup::new();
    let (laptop, laptop_public) = keygen(&setup.ssh_dir(), "laptop", "");
    setup
        .sandbox
        .seed_key(ProviderKind::Github, "my laptop", &laptop_public, "");
    // On an account and in the agent, but in no file here (a key that came
    // with a forwarded agent, or whose file was deleted after `ssh-add`).
    let elsewhere = tempfile::tempdir().unwrap();
    let (away, away_public) = keygen(elsewhere.path(), "away", "");
    setup
        .sandbox
        .seed_key(ProviderKind::Gitlab, "away", &away_public, "");
    let (spare, _) = keygen(&setup.ssh_dir(), "spare", "");
    for key in [&laptop, &away] {
        agent::add_file(&setup.agent.socket(), key, None, AddOptions::default()).unwrap();
    }
    std::fs::write(
        setup.ssh_dir().join("config"),
        "Host build\n  IdentityFile ~/.ssh/laptop\n",
    )
    .unwrap();

    let output = setup.run(&["inventory", "--local", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let inventory: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let laptop = group(&inventory, &sha256_of(&laptop));
    assert_eq!(laptop["in_agent"], true, "{laptop:#}");
    assert_eq!(laptop["used_by_hosts"], serde_json::json!(["build"]));
    let away = group(&inventory, &sha256_of(&away));
    assert_eq!(away["in_agent"], true, "{away:#}");
    assert_eq!(away["accounts"][0]["account"], "GitLab", "{away:#}");
    assert_eq!(away["local_paths"], serde_json::json!([]), "{away:#}");
    assert_eq!(group(&inventory, &sha256_of(&spare))["in_agent"], false);
    assert!(inventory.get("agent_error").is_none(), "{inventory:#}");

    let output = setup.run(&["inventory", "--local"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let human = text(&output.stdout);
    let header = human.lines().next().unwrap_or_default();
    assert!(header.trim_end().ends_with("AGENT"), "{human}");
    let away_line = human.lines().find(|line| line.starts_with("away")).unwrap();
    assert!(away_line.trim_end().ends_with("yes"), "{human}");

    // No agent: every key says "unknown" and the document says why.
    let output = setup
        .command(&["inventory", "--local", "--json"])
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let inventory: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        inventory["agent_error"], "no agent: SSH_AUTH_SOCK is not set",
        "{inventory:#}"
    );
    for key in inventory["keys"].as_array().unwrap() {
        assert_eq!(key["in_agent"], serde_json::Value::Null, "{key:#}");
    }
    // Without --local this computer is not looked at, the agent neither.
    let output = setup.run(&["inventory", "--json"]);
    let inventory: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in inventory["keys"].as_array().unwrap() {
        assert!(key.get("in_agent").is_none(), "{key:#}");
    }
}
