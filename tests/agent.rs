//! The ssh-agent client against a real OpenSSH `ssh-agent` started per
//! test (`ssh-agent -D -a SOCKET`, stopped when its guard drops). Keys are
//! made with `ssh-keygen` and checked with `ssh-add -l`, so neither side of
//! a check shares code with Keyfleet's.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use keyfleet::inventory::agent::{
    self, AddOptions, AgentDone, AgentError, AgentRequest, AgentSocket, SpawnedAgent, run,
};
use keyfleet::keys::SecretString;

/// Generous: the machine is shared and CI is slow.
const DEADLINE: Duration = Duration::from_secs(60);

fn start_agent() -> SpawnedAgent {
    SpawnedAgent::start(DEADLINE).expect("ssh-agent (openssh-client) starts")
}

/// `ssh-keygen -t TYPE -N PASSPHRASE -f DIR/NAME` (extra arguments after);
/// returns the private key's path.
fn keygen(dir: &Path, name: &str, kind: &str, passphrase: &str, extra: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let output = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", passphrase, "-C", name, "-f"])
        .arg(&path)
        .args(extra)
        .output()
        .expect("ssh-keygen runs");
    assert!(output.status.success(), "{output:?}");
    path
}

/// `SHA256:…` as `ssh-keygen -lf` prints it for the key at `path`.
fn keygen_fingerprint(path: &Path) -> String {
    let output = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(path)
        .output()
        .expect("ssh-keygen runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .nth(1)
        .expect("a fingerprint")
        .to_string()
}

/// What `ssh-add -l` prints for the agent (empty when it holds nothing).
fn ssh_add_list(agent: &SpawnedAgent) -> String {
    let output = Command::new("ssh-add")
        .arg("-l")
        .env("SSH_AUTH_SOCK", agent.socket_path())
        .output()
        .expect("ssh-add runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if text.contains("no identities") {
        String::new()
    } else {
        text
    }
}

fn fingerprints(socket: &AgentSocket) -> Vec<String> {
    agent::list(socket)
        .expect("the agent lists")
        .into_iter()
        .map(|key| key.sha256)
        .collect()
}

#[test]
fn lists_what_ssh_add_loaded_with_ssh_keygens_fingerprints() {
    let agent = start_agent();
    assert_eq!(agent::list(&agent.socket()), Ok(Vec::new()));
    let dir = tempfile::tempdir().unwrap();
    let ed25519 = keygen(dir.path(), "ed", "ed25519", "", &[]);
    let rsa = keygen(dir.path(), "rsa", "rsa", "", &["-b", "3072"]);
    for key in [&ed25519, &rsa] {
        let output = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", agent.socket_path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    let listed = agent::list(&agent.socket()).unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0].sha256, keygen_fingerprint(&ed25519));
    assert_eq!(listed[0].algorithm, "ED25519");
    assert_eq!(listed[0].comment, "ed");
    assert_eq!(listed[1].sha256, keygen_fingerprint(&rsa));
    assert_eq!(listed[1].algorithm, "RSA 3072");
    assert!(listed[1].public_key.starts_with("ssh-rsa AAAA"));
}

/// The brief key's lifetime (the issue asks for 1–2 s).
const BRIEF: Duration = Duration::from_secs(2);

#[test]
fn a_key_added_with_a_lifetime_is_listed_then_forgotten() {
    let agent = start_agent();
    let dir = tempfile::tempdir().unwrap();
    let brief = keygen(dir.path(), "brief", "ed25519", "", &[]);
    let lasting = keygen(dir.path(), "lasting", "ed25519", "", &[]);
    let brief_sha256 = keygen_fingerprint(&brief);
    let lasting_sha256 = keygen_fingerprint(&lasting);
    let with_lifetime = |seconds| AddOptions {
        lifetime_seconds: Some(seconds),
        confirm: false,
    };
    let added = agent::add_file(&agent.socket(), &lasting, None, with_lifetime(3600)).unwrap();
    assert_eq!(added.sha256, lasting_sha256);
    let brief_added_from = Instant::now();
    let added = agent::add_file(
        &agent.socket(),
        &brief,
        None,
        with_lifetime(BRIEF.as_secs() as u32),
    )
    .unwrap();
    assert_eq!(added.sha256, brief_sha256);
    // Both are listed; on a loaded machine the brief one may already be
    // gone, which is right only once its lifetime has passed (ssh-agent
    // counts in whole seconds, so up to one second early).
    let listed = ssh_add_list(&agent);
    assert!(listed.contains(&lasting_sha256), "{listed}");
    assert!(
        listed.contains(&brief_sha256)
            || brief_added_from.elapsed() >= BRIEF - Duration::from_secs(1),
        "gone before its lifetime: {listed}"
    );
    let until = Instant::now() + DEADLINE;
    while ssh_add_list(&agent).contains(&brief_sha256) {
        assert!(
            Instant::now() < until,
            "still in the agent after {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Only the brief key went.
    let left: Vec<String> = agent::list(&agent.socket())
        .unwrap()
        .into_iter()
        .map(|key| key.sha256)
        .collect();
    assert_eq!(left, [lasting_sha256]);
}

#[test]
fn a_key_added_with_confirm_is_held_but_not_used_without_a_confirmation() {
    let agent = start_agent();
    let dir = tempfile::tempdir().unwrap();
    let asks = keygen(dir.path(), "asks", "ed25519", "", &[]);
    let plain = keygen(dir.path(), "plain", "ed25519", "", &[]);
    let confirm = AddOptions {
        lifetime_seconds: None,
        confirm: true,
    };
    let asks_key = agent::add_file(&agent.socket(), &asks, None, confirm).unwrap();
    let plain_key = agent::add_file(&agent.socket(), &plain, None, AddOptions::default()).unwrap();
    let listed = ssh_add_list(&agent);
    assert!(listed.contains(&asks_key.sha256), "{listed}");
    // The agent took the constraint: it signs with the plain key, but asks
    // (through ssh-askpass, which here always says no) before using the
    // other one, and refuses.
    assert!(sign(&agent, &plain_key.public_key).is_ok());
    assert!(sign(&agent, &asks_key.public_key).is_err());
}

/// Asks the agent to sign with the key of `public_line`.
fn sign(agent: &SpawnedAgent, public_line: &str) -> Result<(), String> {
    use ssh_agent_lib::proto::SignRequest;
    let public = ssh_key::PublicKey::from_openssh(public_line).unwrap();
    let stream = std::os::unix::net::UnixStream::connect(agent.socket_path()).unwrap();
    let mut client = ssh_agent_lib::blocking::Client::new(stream);
    client
        .sign(SignRequest {
            credential: public.key_data().clone().into(),
            data: b"keyfleet".to_vec(),
            flags: 0,
        })
        .map(|_| ())
        .map_err(|err| err.to_string())
}

#[test]
fn removes_one_key_then_all() {
    let agent = start_agent();
    let dir = tempfile::tempdir().unwrap();
    let one = keygen(dir.path(), "one", "ed25519", "", &[]);
    let two = keygen(dir.path(), "two", "ecdsa", "", &["-b", "384"]);
    let (one_sha, two_sha) = (keygen_fingerprint(&one), keygen_fingerprint(&two));
    for key in [&one, &two] {
        agent::add_file(&agent.socket(), key, None, AddOptions::default()).unwrap();
    }
    assert_eq!(
        fingerprints(&agent.socket()),
        [one_sha.clone(), two_sha.clone()]
    );

    let removed = agent::remove(&agent.socket(), &one_sha).unwrap();
    assert_eq!(removed.sha256, one_sha);
    let listed = ssh_add_list(&agent);
    assert!(
        !listed.contains(&one_sha) && listed.contains(&two_sha),
        "{listed}"
    );
    assert_eq!(
        agent::remove(&agent.socket(), &one_sha),
        Err(AgentError::NotInAgent(one_sha.clone()))
    );

    agent::add_file(&agent.socket(), &one, None, AddOptions::default()).unwrap();
    let report = run(&agent.socket(), AgentRequest::RemoveAll);
    assert_eq!(report.done, Ok(AgentDone::RemovedAll(2)));
    assert_eq!(report.listing, Ok(Vec::new()));
    assert_eq!(ssh_add_list(&agent), "");
}

#[test]
fn an_encrypted_key_needs_the_right_passphrase_and_a_wrong_one_sends_nothing() {
    let agent = start_agent();
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path(), "locked", "ed25519", "correct horse", &[]);
    let socket = agent.socket();
    let add = |passphrase: Option<&str>| {
        let passphrase = passphrase.map(SecretString::new);
        agent::add_file(&socket, &key, passphrase.as_ref(), AddOptions::default())
    };
    assert_eq!(add(None), Err(AgentError::NeedsPassphrase));
    assert_eq!(add(Some("")), Err(AgentError::NeedsPassphrase));
    let wrong = add(Some("battery staple"));
    assert_eq!(wrong, Err(AgentError::WrongPassphrase));
    assert!(wrong.unwrap_err().to_string().contains("nothing was sent"));
    assert_eq!(agent::list(&socket), Ok(Vec::new()));

    let added = add(Some("correct horse")).unwrap();
    assert_eq!(added.sha256, keygen_fingerprint(&key));
    assert!(ssh_add_list(&agent).contains(&added.sha256));
}

#[test]
fn a_pem_rsa_key_is_added_and_other_files_are_refused_with_a_reason() {
    let agent = start_agent();
    let dir = tempfile::tempdir().unwrap();
    let pem = keygen(dir.path(), "pem", "rsa", "", &["-b", "2048", "-m", "PEM"]);
    let head = std::fs::read_to_string(&pem).unwrap();
    assert!(
        head.starts_with("-----BEGIN RSA PRIVATE KEY-----"),
        "{head}"
    );
    let added = agent::add_file(&agent.socket(), &pem, None, AddOptions::default()).unwrap();
    assert_eq!(added.sha256, keygen_fingerprint(&pem));

    let public = dir.path().join("pem.pub");
    let refused = agent::add_file(&agent.socket(), &public, None, AddOptions::default());
    assert!(matches!(refused, Err(AgentError::Key(_))), "{refused:?}");
    let missing = agent::add_file(
        &agent.socket(),
        &dir.path().join("nope"),
        None,
        AddOptions::default(),
    );
    assert!(
        matches!(&missing, Err(AgentError::Key(why)) if why.contains("nope")),
        "{missing:?}"
    );
    assert_eq!(fingerprints(&agent.socket()), [added.sha256]);
}

#[test]
fn no_agent_says_why() {
    let unset = AgentSocket::Unavailable("SSH_AUTH_SOCK is not set".into());
    let err = agent::list(&unset).unwrap_err();
    assert_eq!(err.to_string(), "no agent: SSH_AUTH_SOCK is not set");

    let dir = tempfile::tempdir().unwrap();
    let gone = AgentSocket::Path(dir.path().join("agent.sock"));
    let err = agent::list(&gone).unwrap_err();
    assert!(
        matches!(&err, AgentError::NoAgent(why) if why.contains("is gone")),
        "{err:?}"
    );

    // A socket whose agent died: the file is left, nobody listens.
    let agent = start_agent();
    let socket = agent.socket();
    let path = agent.socket_path().to_path_buf();
    let dead = AgentSocket::Path(dir.path().join("dead.sock"));
    std::fs::hard_link(&path, dir.path().join("dead.sock")).unwrap();
    drop(agent);
    for socket in [&socket, &dead] {
        let err = agent::list(socket).unwrap_err();
        assert!(matches!(err, AgentError::NoAgent(_)), "{err:?}");
    }
    let err = agent::list(&dead).unwrap_err();
    assert!(err.to_string().contains("it has stopped"), "{err}");
    // Adding and removing say the same, and nothing panics.
    let key = keygen(dir.path(), "k", "ed25519", "", &[]);
    let report = run(
        &dead,
        AgentRequest::Add {
            path: key,
            passphrase: None,
            options: AddOptions::default(),
        },
    );
    assert!(matches!(report.done, Err(AgentError::NoAgent(_))));
    assert!(matches!(report.listing, Err(AgentError::NoAgent(_))));
}

/// The demo's agent does not outlive Keyfleet, however Keyfleet ends: a
/// copy of this test binary starts one and is killed with SIGKILL (no
/// drop runs), and the agent stops answering. Before, every killed
/// `--demo` left an `ssh-agent` holding the demo key.
#[test]
fn a_spawned_agent_stops_when_its_process_is_killed() {
    const CHILD: &str = "KEYFLEET_TEST_AGENT_CHILD";
    if let Some(out) = std::env::var_os(CHILD) {
        let agent = start_agent();
        let socket = agent.socket_path().to_str().unwrap().to_string();
        std::fs::write(&out, socket).unwrap();
        // Held until the parent kills this process.
        std::thread::sleep(DEADLINE * 10);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("socket");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_spawned_agent_stops_when_its_process_is_killed",
        ])
        .env(CHILD, &out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + DEADLINE;
    let socket = loop {
        if let Ok(text) = std::fs::read_to_string(&out)
            && !text.is_empty()
        {
            break AgentSocket::Path(PathBuf::from(text));
        }
        assert!(Instant::now() < until, "the child started no agent");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(agent::list(&socket).is_ok(), "the agent answers");
    child.kill().unwrap();
    child.wait().unwrap();
    let until = Instant::now() + DEADLINE;
    while agent::list(&socket).is_ok() {
        assert!(Instant::now() < until, "the agent outlived its process");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Its private folder goes with it.
    let AgentSocket::Path(path) = socket else {
        unreachable!()
    };
    let folder = path.parent().unwrap().to_path_buf();
    while folder.exists() {
        assert!(Instant::now() < until, "{} is left", folder.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A hostile agent on a Unix socket in a temporary folder: it reads each
/// request whole, answers `reply_length` as the length prefix (one byte
/// per write) and then sends nothing more, keeping every connection open
/// until the test ends.
struct HostileAgent {
    socket: AgentSocket,
    _dir: tempfile::TempDir,
    _stop: std::sync::mpsc::Sender<()>,
}

impl HostileAgent {
    fn start(reply_length: u32, connections: usize) -> Self {
        use std::io::{Read, Write};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let mut open = Vec::new();
            for _ in 0..connections {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                let mut length = [0; 4];
                if stream.read_exact(&mut length).is_err() {
                    return;
                }
                let mut request = vec![0; u32::from_be_bytes(length) as usize];
                if stream.read_exact(&mut request).is_err() {
                    return;
                }
                for byte in reply_length.to_be_bytes() {
                    let _ = stream.write_all(&[byte]);
                    let _ = stream.flush();
                }
                open.push(stream);
            }
            // Then nothing, until the test is over.
            let _ = stopped.recv();
        });
        Self {
            socket: AgentSocket::Path(path),
            _dir: dir,
            _stop: stop,
        }
    }
}

#[test]
fn an_agent_announcing_a_4_gb_reply_is_refused_before_anything_is_allocated() {
    let hostile = HostileAgent::start(0xFFFF_FFF0, 2);
    let expected = "talking to the agent failed: to list its keys: the agent sent a 4 GB \
                    reply (4294967280 bytes); refused: more than the 256 KB OpenSSH reads";
    let error = agent::list(&hostile.socket).expect_err("a hostile agent is refused");
    assert!(matches!(error, AgentError::Broken(_)), "{error:?}");
    assert_eq!(error.to_string(), expected);
    // Every request goes through the same cap, not just the listing.
    match agent::remove_all(&hostile.socket) {
        Err(error) => assert_eq!(error.to_string(), expected),
        Ok(count) => panic!("removed {count} keys from a hostile agent"),
    }
}
