//! The ssh-agent in the real window, against a real `ssh-agent` started
//! by the test: the "In agent" column, an agent-only row with its hygiene
//! flag, "Add to agent" (lifetime, confirm, passphrase) from a row's menu,
//! "Remove from agent", "Remove all my keys from the agent" after asking,
//! the details panel, and "no agent" when there is none.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::app::App;
use keyfleet::inventory::Flag;
use keyfleet::inventory::agent::{self, AddOptions, SpawnedAgent};
use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::Sandbox;
use keyfleet::store::{MemoryStore, ProfileStore, SecretStore};

/// `ssh-keygen` an Ed25519 key at `path`; returns its public line.
fn keygen(path: &Path, passphrase: &str) -> String {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", passphrase, "-C", "test", "-f"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read_to_string(path.with_extension("pub"))
        .unwrap()
        .trim()
        .to_string()
}

fn sha256(line: &str) -> String {
    keyfleet::keys::public::parse_public_key(line)
        .unwrap()
        .fingerprint_sha256
}

struct Window {
    test: TestApp,
    agent: SpawnedAgent,
    /// On the GitHub account and in `~/.ssh`, not in the agent.
    laptop: String,
    /// In `~/.ssh` only, encrypted.
    locked: String,
    /// In the agent only.
    stranger: String,
    _elsewhere: tempfile::TempDir,
}

fn start() -> Window {
    let sandbox = Sandbox::start().unwrap();
    let agent = SpawnedAgent::start(Duration::from_secs(60)).unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let ssh = config_dir.path().join("ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    let laptop = keygen(&ssh.join("id_laptop"), "");
    let locked = keygen(&ssh.join("id_locked"), "sesame");
    let elsewhere = tempfile::tempdir().unwrap();
    let stranger_path = elsewhere.path().join("stranger");
    let stranger = keygen(&stranger_path, "");
    agent::add_file(&agent.socket(), &stranger_path, None, AddOptions::default()).unwrap();
    sandbox.seed_key(ProviderKind::Github, "laptop", &laptop, "");

    let profile = sandbox.profile(ProviderKind::Github, "GitHub me");
    ProfileStore::new(config_dir.path())
        .save(std::slice::from_ref(&profile))
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let token = keyfleet::sandbox::token(ProviderKind::Github);
    secrets.set(&profile.id, &SecretString::new(token)).unwrap();
    let mut test = start_app_with_agent(
        sandbox,
        config_dir,
        secrets,
        Stored::default(),
        agent.socket(),
    );
    let id = profile.id.clone();
    wait_until(&mut test.harness, "the account answered", move |h| {
        h.state().account(&id).is_some_and(|a| a.loaded)
    });
    click(&mut test.harness, "🔑 All keys");
    let (laptop_sha, stranger_sha) = (sha256(&laptop), sha256(&stranger));
    wait_until(
        &mut test.harness,
        "the inventory with the agent",
        move |h| {
            h.state().fleet().table().snapshot().is_some_and(|s| {
                matches!(s.agent.as_deref(), Some(Ok(_)))
                    && s.inventory
                        .keys
                        .iter()
                        .any(|k| k.sha256.as_deref() == Some(&laptop_sha))
                    && s.inventory
                        .keys
                        .iter()
                        .any(|k| k.sha256.as_deref() == Some(&stranger_sha))
            })
        },
    );
    Window {
        test,
        agent,
        laptop,
        locked,
        stranger,
        _elsewhere: elsewhere,
    }
}

/// Whether the window's inventory shows `sha` as held by the agent.
fn shown_in_agent(harness: &Harness<'static, App>, sha: &str) -> bool {
    harness.state().fleet().table().snapshot().is_some_and(|s| {
        s.inventory
            .keys
            .iter()
            .zip(&s.in_agent)
            .any(|(key, copy)| key.sha256.as_deref() == Some(sha) && copy.is_some())
    })
}

fn agent_holds(agent: &SpawnedAgent, sha: &str) -> bool {
    agent::list(&agent.socket())
        .unwrap()
        .iter()
        .any(|key| key.sha256 == sha)
}

/// Opens the context menu of the row whose name cell reads `name`.
fn row_menu(harness: &mut Harness<'static, App>, name: &str) {
    harness
        .query_all_by_label(name)
        .next()
        .unwrap_or_else(|| panic!("no row {name:?}\nscreen:\n{}", screen_text(harness)))
        .click_secondary();
    harness.run_steps(4);
}

/// Waits (on the real agent, then the window) until `sha` is held or not.
fn wait_for_agent(window: &mut Window, sha: &str, held: bool) {
    let until = std::time::Instant::now() + Duration::from_secs(60);
    while agent_holds(&window.agent, sha) != held {
        assert!(std::time::Instant::now() < until, "agent never changed");
        window.test.harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let sha = sha.to_string();
    wait_until(&mut window.test.harness, "the window shows it", move |h| {
        shown_in_agent(h, &sha) == held
    });
}

#[test]
fn the_in_agent_column_and_an_agent_only_row() {
    let mut window = start();
    let harness = &mut window.test.harness;
    assert!(harness.query_by_label("In agent").is_some());
    let snapshot = harness.state().fleet().table().snapshot().unwrap().clone();
    let stranger_sha = sha256(&window.stranger);
    let (index, stranger) = snapshot
        .inventory
        .keys
        .iter()
        .enumerate()
        .find(|(_, k)| k.sha256.as_deref() == Some(stranger_sha.as_str()))
        .unwrap();
    assert!(stranger.accounts.is_empty() && stranger.local_paths.is_empty());
    assert_eq!(stranger.flags, [Flag::InAgentOnNoAccount]);
    assert_eq!(snapshot.rows[index].agent, "yes");
    assert!(!shown_in_agent(harness, &sha256(&window.laptop)));
    // The row is on screen, flagged, and the hygiene filter keeps only it.
    assert!(harness.query_by_label("in agent, on no account").is_some());
    click(harness, "In agent, on no account");
    assert_eq!(harness.state().fleet().table().visible_len(), 1);
    assert!(
        harness.query_by_label("1 of 3 keys").is_some(),
        "{}",
        screen_text(harness)
    );
}

#[test]
fn add_with_lifetime_and_confirm_then_remove_through_the_window() {
    let mut window = start();
    let laptop_sha = sha256(&window.laptop);
    let harness = &mut window.test.harness;
    row_menu(harness, "laptop");
    click(harness, "🔑 Add to agent…");
    wait_for_label(harness, "Add \"laptop\" to the ssh-agent");
    click(harness, "1 hour");
    click(harness, "Confirm each use");
    click(harness, "Add to agent");
    wait_for_agent(&mut window, &laptop_sha, true);
    let harness = &mut window.test.harness;
    assert!(harness.query_by_label("Add to agent").is_none(), "closed");

    // The details panel of the account's key says so too.
    harness
        .query_all_by_label("GitHub me")
        .next()
        .unwrap()
        .click();
    harness.run_steps(4);
    select_key(harness, "laptop");
    wait_for_label(harness, "In the ssh-agent");
    // GitHub keys have no other yes/no field: this is the agent's answer.
    assert!(
        harness.query_by_label("yes").is_some(),
        "{}",
        screen_text(harness)
    );
    click(harness, "🔑 All keys");

    let harness = &mut window.test.harness;
    row_menu(harness, "laptop");
    click(harness, "Remove from agent");
    wait_for_agent(&mut window, &laptop_sha, false);
    assert!(agent_holds(&window.agent, &sha256(&window.stranger)));
}

#[test]
fn an_encrypted_key_asks_its_passphrase_and_a_wrong_one_sends_nothing() {
    let mut window = start();
    let locked_sha = sha256(&window.locked);
    let harness = &mut window.test.harness;
    // Named by its first file (the key or its .pub).
    let name = harness
        .state()
        .fleet()
        .table()
        .snapshot()
        .unwrap()
        .inventory
        .keys
        .iter()
        .find(|k| k.sha256.as_deref() == Some(locked_sha.as_str()))
        .unwrap()
        .display_name();
    row_menu(harness, &name);
    click(harness, "🔑 Add to agent…");
    click(harness, "Add to agent");
    wait_for_label_containing(harness, "protected by a passphrase");
    set_text(harness, "Passphrase:", "open says me");
    click(harness, "Add to agent");
    wait_for_label_containing(harness, "wrong passphrase");
    assert!(!agent_holds(&window.agent, &locked_sha));
    let harness = &mut window.test.harness;
    set_text(harness, "Passphrase:", "sesame");
    click(harness, "Add to agent");
    wait_for_agent(&mut window, &locked_sha, true);
}

#[test]
fn remove_all_asks_first() {
    let mut window = start();
    let harness = &mut window.test.harness;
    click(harness, "🔑 Empty agent…");
    wait_for_label(harness, "Remove all keys from the agent?");
    click(harness, "Cancel");
    assert!(agent_holds(&window.agent, &sha256(&window.stranger)));
    let harness = &mut window.test.harness;
    click(harness, "🔑 Empty agent…");
    click(harness, "Remove all");
    let stranger_sha = sha256(&window.stranger);
    wait_for_agent(&mut window, &stranger_sha, false);
    assert_eq!(agent::list(&window.agent.socket()), Ok(Vec::new()));
}

#[test]
fn without_an_agent_the_column_says_no_agent() {
    let sandbox = Sandbox::start().unwrap();
    let (mut test, _) = start_with_account(sandbox, ProviderKind::Github, "GitHub me");
    let ssh: PathBuf = test.ssh_dir.clone();
    keygen(&ssh.join("id_here"), "");
    click(&mut test.harness, "🔑 All keys");
    wait_until(&mut test.harness, "the inventory without an agent", |h| {
        h.state()
            .fleet()
            .table()
            .snapshot()
            .is_some_and(|s| matches!(s.agent.as_deref(), Some(Err(_))))
    });
    assert!(test.harness.query_by_label("no agent").is_some());
    assert!(
        test.harness
            .query_by_label("🔑 Empty agent…")
            .is_some_and(|button| button.accesskit_node().is_disabled())
    );
}
