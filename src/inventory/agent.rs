//! The ssh-agent of this session: which keys it holds, adding a local key
//! (with a lifetime and "confirm each use", the `ssh-add -t`/`-c`
//! constraints), removing one key or all of them. The protocol is
//! `ssh-agent-lib`'s blocking client over the agent's Unix socket.
//!
//! Every call here blocks on a socket: the window runs them on the
//! backend's blocking pool, the command line directly. A private key is
//! decrypted before the agent is contacted, so a wrong passphrase sends
//! nothing; its text and passphrase only live in zeroizing buffers.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use ssh_key::public::KeyData;
use ssh_key::{PrivateKey, PublicKey};

use super::{Flag, Inventory, KeyGroup};
use crate::keys::private::{PrivateKeyFormat, inspect_private_key, read_private_key_file};
use crate::keys::{KeyError, SecretString};

/// How long one exchange with the agent may take: an agent that stops
/// answering is reported, never waited on for ever.
const AGENT_TIMEOUT: Duration = Duration::from_secs(15);

/// Where the agent is: the socket `SSH_AUTH_SOCK` names (or one a test or
/// the demo started), or why there is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentSocket {
    /// The agent's Unix socket.
    Path(PathBuf),
    /// No agent to ask, and why ("SSH_AUTH_SOCK is not set").
    Unavailable(String),
}

impl AgentSocket {
    /// The agent of this session, as `ssh-add` finds it: `SSH_AUTH_SOCK`.
    pub fn from_env() -> Self {
        match std::env::var_os("SSH_AUTH_SOCK") {
            Some(path) if !path.is_empty() => Self::Path(PathBuf::from(path)),
            _ => Self::Unavailable("SSH_AUTH_SOCK is not set".into()),
        }
    }
}

impl Default for AgentSocket {
    /// No agent: tests and tools that must not touch the user's agent.
    fn default() -> Self {
        Self::Unavailable("no agent was configured".into())
    }
}

/// One identity the agent holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentKey {
    /// `SHA256:…` of its public key (of the certified key for a
    /// certificate), as `ssh-add -l` prints it.
    pub sha256: String,
    /// The type as `ssh-keygen -l` names it (`ED25519`, `RSA 4096`).
    pub algorithm: String,
    /// The comment the key was added with (often its file's path).
    pub comment: String,
    /// True when the agent holds a certificate for the key.
    pub certificate: bool,
    /// The OpenSSH public key line (publishing an agent-only key needs it).
    #[serde(skip)]
    pub public_key: String,
}

/// What the agent holds, or why it could not be asked.
pub type AgentListing = Result<Vec<AgentKey>, AgentError>;

/// Why an agent request failed. Never holds key material or passphrases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentError {
    /// No agent to talk to: variable unset, socket gone, permission denied.
    NoAgent(String),
    /// The agent answered, but refused the request (`SSH_AGENT_FAILURE`).
    Refused(String),
    /// The exchange broke off or the answer made no sense.
    Broken(String),
    /// The key is encrypted and no passphrase was given.
    NeedsPassphrase,
    /// The passphrase does not decrypt the key; nothing was sent.
    WrongPassphrase,
    /// The key file cannot be read or used; the reason says why.
    Key(String),
    /// The key to remove is not in the agent.
    NotInAgent(String),
}

impl std::fmt::Display for AgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoAgent(why) => write!(f, "no agent: {why}"),
            Self::Refused(what) => write!(f, "the agent refused {what}"),
            Self::Broken(why) => write!(f, "talking to the agent failed: {why}"),
            Self::NeedsPassphrase => {
                f.write_str("this key is protected by a passphrase: enter it to add the key")
            }
            Self::WrongPassphrase => {
                f.write_str("wrong passphrase: the key was not decrypted and nothing was sent")
            }
            Self::Key(why) => f.write_str(why),
            Self::NotInAgent(sha256) => write!(f, "{sha256} is not in the agent"),
        }
    }
}

impl std::error::Error for AgentError {}

/// Constraints of a key added to the agent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddOptions {
    /// The agent forgets the key after this many seconds (`ssh-add -t`);
    /// `None`: it keeps it until removed or the agent stops (at logout).
    pub lifetime_seconds: Option<u32>,
    /// The agent asks before each use of the key (`ssh-add -c`).
    pub confirm: bool,
}

#[cfg(unix)]
type Stream = std::os::unix::net::UnixStream;

#[cfg(unix)]
fn connect(socket: &AgentSocket) -> Result<Stream, AgentError> {
    let path = match socket {
        AgentSocket::Path(path) => path,
        AgentSocket::Unavailable(why) => return Err(AgentError::NoAgent(why.clone())),
    };
    let stream = Stream::connect(path).map_err(|err| {
        let shown = path.display();
        AgentError::NoAgent(match err.kind() {
            std::io::ErrorKind::NotFound => format!("the socket {shown} is gone"),
            std::io::ErrorKind::PermissionDenied => {
                format!("permission denied on the socket {shown}")
            }
            std::io::ErrorKind::ConnectionRefused => {
                format!("no agent listens on {shown} (it has stopped)")
            }
            _ => format!("cannot connect to {shown}: {err}"),
        })
    })?;
    // Best effort: without timeouts a stuck agent would only hold its own
    // blocking thread.
    let _ = stream.set_read_timeout(Some(AGENT_TIMEOUT));
    let _ = stream.set_write_timeout(Some(AGENT_TIMEOUT));
    Ok(stream)
}

#[cfg(not(unix))]
type Stream = std::fs::File;

#[cfg(not(unix))]
fn connect(socket: &AgentSocket) -> Result<Stream, AgentError> {
    let _ = socket;
    Err(AgentError::NoAgent(
        "Keyfleet talks to ssh-agent over Unix sockets only".into(),
    ))
}

type Client = ssh_agent_lib::blocking::Client<CappedReplies<Stream>>;

fn client(socket: &AgentSocket) -> Result<Client, AgentError> {
    connect(socket).map(|stream| Client::new(CappedReplies::new(stream)))
}

/// The largest agent reply read: OpenSSH's own limit (`MAX_AGENT_REPLY_LEN`
/// in `authfd.c`, `AGENT_MAX_LEN` in `ssh-agent.c`, both 256 KiB).
const MAX_AGENT_REPLY: u32 = 256 * 1024;

/// The agent's socket as the blocking client reads it, refusing a reply
/// whose length prefix is over [`MAX_AGENT_REPLY`]. ssh-agent-lib 0.6's
/// blocking client sizes its buffer from that prefix unchecked, so a
/// hostile agent could otherwise make Keyfleet allocate 4 GB. Every reply
/// is `u32` length then body (draft-miller-ssh-agent, "Protocol Messages");
/// the prefix is read whole and checked before the client sees any of it.
#[derive(Debug)]
struct CappedReplies<S> {
    inner: S,
    /// The current reply's length prefix.
    prefix: [u8; 4],
    /// How much of `prefix` the client has read (4: none pending).
    prefix_read: usize,
    /// Bytes of the current reply's body not yet read.
    body_left: usize,
}

impl<S> CappedReplies<S> {
    fn new(inner: S) -> Self {
        Self {
            inner,
            prefix: [0; 4],
            prefix_read: 4,
            body_left: 0,
        }
    }
}

impl<S: std::io::Read> std::io::Read for CappedReplies<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.prefix_read == 4 && self.body_left == 0 {
            self.inner.read_exact(&mut self.prefix)?;
            let length = u32::from_be_bytes(self.prefix);
            if length > MAX_AGENT_REPLY {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "the agent sent a {} reply ({length} bytes); refused: more than the {} \
                         OpenSSH reads",
                        size_text(length),
                        size_text(MAX_AGENT_REPLY)
                    ),
                ));
            }
            self.prefix_read = 0;
            self.body_left = length as usize;
        }
        if self.prefix_read < 4 {
            let pending = &self.prefix[self.prefix_read..];
            let n = pending.len().min(buf.len());
            buf[..n].copy_from_slice(&pending[..n]);
            self.prefix_read += n;
            return Ok(n);
        }
        let wanted = buf.len().min(self.body_left);
        let n = self.inner.read(&mut buf[..wanted])?;
        self.body_left -= n;
        Ok(n)
    }
}

impl<S: std::io::Write> std::io::Write for CappedReplies<S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `bytes` in whole GB, MB or KB (1024-based, as the limits are).
fn size_text(bytes: u32) -> String {
    let bytes = f64::from(bytes);
    let (unit, size) = [("GB", 30), ("MB", 20), ("KB", 10)]
        .into_iter()
        .map(|(unit, shift)| (unit, bytes / f64::from(1u32 << shift)))
        .find(|(_, size)| *size >= 1.0)
        .unwrap_or(("bytes", bytes));
    format!("{size:.0} {unit}")
}

/// An agent error as this module words it: `what` names the request.
fn agent_error(err: ssh_agent_lib::error::AgentError, what: &str) -> AgentError {
    use ssh_agent_lib::error::AgentError as Lib;
    use ssh_agent_lib::proto::ProtoError;
    match err {
        // The blocking client turns `SSH_AGENT_FAILURE` into this.
        Lib::Proto(ProtoError::UnexpectedResponse) | Lib::Failure => {
            AgentError::Refused(format!("{what} (SSH_AGENT_FAILURE)"))
        }
        Lib::ExtensionFailure => AgentError::Refused(format!("{what} (extension failure)")),
        Lib::IO(err) | Lib::Proto(ProtoError::IO(err)) => {
            AgentError::Broken(format!("{what}: {err}"))
        }
        other => AgentError::Broken(format!("{what}: {other}")),
    }
}

/// The keys the agent holds, in its order.
pub fn list(socket: &AgentSocket) -> AgentListing {
    let identities = client(socket)?
        .request_identities()
        .map_err(|err| agent_error(err, "to list its keys"))?;
    Ok(identities
        .into_iter()
        .filter_map(|identity| {
            use ssh_agent_lib::proto::PublicCredential;
            let certificate = matches!(identity.credential, PublicCredential::Cert(_));
            agent_key(
                identity.credential.key_data().clone(),
                &identity.comment,
                certificate,
            )
        })
        .collect())
}

/// The listing form of a key; `None` for one whose blob cannot be encoded
/// (the agent sent it, so it is shown nowhere rather than wrongly).
fn agent_key(data: KeyData, comment: &str, certificate: bool) -> Option<AgentKey> {
    let public = PublicKey::new(data, comment);
    let parsed = crate::keys::public::from_key(&public).ok()?;
    Some(AgentKey {
        sha256: parsed.fingerprint_sha256,
        algorithm: parsed.label.into_owned(),
        comment: comment.to_string(),
        certificate,
        public_key: parsed.openssh,
    })
}

/// Reads the private key at `path` and adds it (see [`add_key`]); the
/// agent's comment is the key's own, else the path, as `ssh-add` sets it.
pub fn add_file(
    socket: &AgentSocket,
    path: &Path,
    passphrase: Option<&SecretString>,
    options: AddOptions,
) -> Result<AgentKey, AgentError> {
    let text = read_private_key_file(path).map_err(|err| AgentError::Key(err.to_string()))?;
    add_key(
        socket,
        &text,
        passphrase,
        &path.display().to_string(),
        options,
    )
}

/// Adds a private key (OpenSSH, or PEM RSA) with `options`, commented with
/// its own comment, else `fallback_comment`. An encrypted key is decrypted
/// first: without a passphrase, or with a wrong one, the agent is not
/// contacted at all.
pub fn add_key(
    socket: &AgentSocket,
    text: &SecretString,
    passphrase: Option<&SecretString>,
    fallback_comment: &str,
    options: AddOptions,
) -> Result<AgentKey, AgentError> {
    let key = decode_private_key(text, passphrase)?;
    let comment = match key.comment() {
        "" => fallback_comment,
        own => own,
    };
    let added = agent_key(key.public_key().key_data().clone(), comment, false)
        .ok_or_else(|| AgentError::Key("the key's public half cannot be encoded".into()))?;
    let identity = ssh_agent_lib::proto::AddIdentity {
        credential: ssh_agent_lib::proto::PrivateCredential::Key {
            privkey: key.key_data().clone(),
            comment: comment.to_string(),
        },
    };
    let mut constraints = Vec::new();
    if let Some(seconds) = options.lifetime_seconds {
        constraints.push(ssh_agent_lib::proto::KeyConstraint::Lifetime(seconds));
    }
    if options.confirm {
        constraints.push(ssh_agent_lib::proto::KeyConstraint::Confirm);
    }
    let mut client = client(socket)?;
    let sent = if constraints.is_empty() {
        client.add_identity(identity)
    } else {
        client.add_identity_constrained(ssh_agent_lib::proto::AddIdentityConstrained {
            identity,
            constraints,
        })
    };
    sent.map_err(|err| agent_error(err, &describe_add(&added, options)))?;
    Ok(added)
}

/// "to add SHA256:… (for 3600 s, confirm each use)": what was asked.
fn describe_add(key: &AgentKey, options: AddOptions) -> String {
    let mut constraints = Vec::new();
    if let Some(seconds) = options.lifetime_seconds {
        constraints.push(format!("for {seconds} s"));
    }
    if options.confirm {
        constraints.push("confirm each use".to_string());
    }
    if constraints.is_empty() {
        format!("to add {}", key.sha256)
    } else {
        format!("to add {} ({})", key.sha256, constraints.join(", "))
    }
}

/// The private key in `text`, decrypted: OpenSSH keys (encrypted or not)
/// and unencrypted PEM RSA keys.
fn decode_private_key(
    text: &SecretString,
    passphrase: Option<&SecretString>,
) -> Result<PrivateKey, AgentError> {
    let passphrase = passphrase.filter(|p| !p.is_empty());
    let info = inspect_private_key(text, None).map_err(|err| match err {
        KeyError::Encrypted => AgentError::Key(
            "this PEM key is encrypted; Keyfleet adds OpenSSH-format keys with a passphrase. Run `ssh-add FILE` for it"
                .into(),
        ),
        other => AgentError::Key(other.to_string()),
    })?;
    match info.format {
        PrivateKeyFormat::OpenSsh => decode_openssh(text, passphrase),
        PrivateKeyFormat::PemRsa => decode_pem_rsa(text),
        other => Err(AgentError::Key(format!(
            "Keyfleet adds OpenSSH and PEM RSA keys to the agent, not {} keys; run `ssh-add FILE` for this one",
            other.label()
        ))),
    }
}

fn decode_openssh(
    text: &SecretString,
    passphrase: Option<&SecretString>,
) -> Result<PrivateKey, AgentError> {
    // CRLF files read as keys elsewhere; the decoder wants LF.
    let normalized = zeroize::Zeroizing::new(text.expose().trim().replace("\r\n", "\n"));
    let key = PrivateKey::from_openssh(normalized.as_bytes())
        .map_err(|err| AgentError::Key(format!("the OpenSSH key data is damaged ({err})")))?;
    if !key.is_encrypted() {
        return Ok(key);
    }
    let passphrase = passphrase.ok_or(AgentError::NeedsPassphrase)?;
    key.decrypt(passphrase.expose().as_bytes())
        .map_err(|err| match err {
            // A wrong passphrase shows up as a failed integrity check.
            ssh_key::Error::Crypto => AgentError::WrongPassphrase,
            other => AgentError::Key(format!("the key could not be decrypted ({other})")),
        })
}

fn decode_pem_rsa(text: &SecretString) -> Result<PrivateKey, AgentError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    let normalized = zeroize::Zeroizing::new(text.expose().trim().replace("\r\n", "\n"));
    let rsa = rsa::RsaPrivateKey::from_pkcs1_pem(&normalized)
        .map_err(|err| AgentError::Key(format!("the RSA key data is damaged ({err})")))?;
    let pair = ssh_key::private::RsaKeypair::try_from(&rsa)
        .map_err(|err| AgentError::Key(format!("the RSA key cannot be used ({err})")))?;
    PrivateKey::new(pair.into(), "")
        .map_err(|err| AgentError::Key(format!("the RSA key cannot be used ({err})")))
}

/// Removes the key whose fingerprint is `sha256` (`ssh-add -d`); returns it.
pub fn remove(socket: &AgentSocket, sha256: &str) -> Result<AgentKey, AgentError> {
    let mut client = client(socket)?;
    let identities = client
        .request_identities()
        .map_err(|err| agent_error(err, "to list its keys"))?;
    for identity in identities {
        let certificate = matches!(
            identity.credential,
            ssh_agent_lib::proto::PublicCredential::Cert(_)
        );
        let Some(key) = agent_key(
            identity.credential.key_data().clone(),
            &identity.comment,
            certificate,
        ) else {
            continue;
        };
        if key.sha256 != sha256 {
            continue;
        }
        client
            .remove_identity(ssh_agent_lib::proto::RemoveIdentity {
                credential: identity.credential,
            })
            .map_err(|err| agent_error(err, &format!("to remove {sha256}")))?;
        return Ok(key);
    }
    Err(AgentError::NotInAgent(sha256.to_string()))
}

/// Removes every key (`ssh-add -D`); returns how many it held before.
pub fn remove_all(socket: &AgentSocket) -> Result<usize, AgentError> {
    let mut client = client(socket)?;
    let held = client
        .request_identities()
        .map_err(|err| agent_error(err, "to list its keys"))?
        .len();
    client
        .remove_all_identities()
        .map_err(|err| agent_error(err, "to remove all keys"))?;
    Ok(held)
}

/// Marks the inventory's keys the agent holds and gives each agent key
/// that is in no file and on no account a row of its own (after the
/// others). A key in the agent and on no account is flagged
/// [`Flag::InAgentOnNoAccount`]. Returns, per key (inventory order), the
/// agent's copy.
pub fn merge(inventory: &mut Inventory, agent: &[AgentKey]) -> Vec<Option<AgentKey>> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut copies: Vec<Option<AgentKey>> = Vec::with_capacity(inventory.keys.len());
    for group in &inventory.keys {
        let copy = group
            .sha256
            .as_deref()
            .and_then(|sha| agent.iter().find(|key| key.sha256 == sha));
        if let Some(copy) = copy {
            seen.insert(copy.sha256.as_str());
        }
        copies.push(copy.cloned());
    }
    for key in agent {
        if seen.insert(key.sha256.as_str()) {
            inventory.keys.push(agent_only_group(key));
            copies.push(Some(key.clone()));
        }
    }
    for (group, copy) in inventory.keys.iter_mut().zip(&copies) {
        if copy.is_some()
            && group.accounts.is_empty()
            && !group.flags.contains(&Flag::InAgentOnNoAccount)
        {
            group.flags.push(Flag::InAgentOnNoAccount);
            group.flags.sort_unstable();
        }
    }
    copies
}

/// The row of a key only the agent holds: named by its comment.
fn agent_only_group(key: &AgentKey) -> KeyGroup {
    let mut group = KeyGroup::new(Some(key.sha256.clone()));
    group.fill_type(Some(&key.algorithm), Some(&key.comment));
    let name = if key.comment.is_empty() {
        "(agent key, no comment)"
    } else {
        key.comment.as_str()
    };
    group.add_name(name);
    group
}

/// An `ssh-agent` this process started (`ssh-agent -D -a SOCKET` in a
/// private temporary folder), stopped and removed on drop: the demo's
/// agent, and the tests'.
///
/// It runs under a small `sh` that holds the read end of a pipe whose
/// write end only this process has: when this process ends in any way
/// (a crash, `kill -9`), the pipe closes and the shell stops the agent.
/// Without it, every killed `--demo` left an agent holding its key.
#[derive(Debug)]
pub struct SpawnedAgent {
    watchdog: std::process::Child,
    /// Closing it (drop) tells the watchdog to stop the agent.
    lifeline: Option<std::process::ChildStdin>,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

/// Starts the agent on `$1`, then waits for standard input to close;
/// then removes the socket's private folder, which only this process
/// would otherwise remove.
const WATCHDOG: &str = r#"ssh-agent -D -a "$1" </dev/null & agent=$!
read -r _ignored; kill "$agent"; wait "$agent"; rm -f "$1"; rmdir "${1%/*}" 2>/dev/null"#;

impl SpawnedAgent {
    /// Starts `ssh-agent` in the foreground on a new socket and waits (up
    /// to `deadline`) until it answers there.
    pub fn start(deadline: Duration) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("keyfleet-agent-")
            .tempdir()?;
        let socket = dir.path().join("agent.sock");
        let mut watchdog = std::process::Command::new("sh")
            .args(["-c", WATCHDOG, "sh"])
            .arg(&socket)
            // "Confirm each use" asks through ssh-askpass; with none, the
            // agent refuses the use instead of waiting on a hidden dialog.
            .env("SSH_ASKPASS", "/bin/false")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let lifeline = watchdog.stdin.take();
        let mut agent = Self {
            watchdog,
            lifeline,
            socket,
            _dir: dir,
        };
        let until = std::time::Instant::now() + deadline;
        while list(&agent.socket()).is_err() {
            if let Some(status) = agent.watchdog.try_wait()? {
                return Err(std::io::Error::other(format!(
                    "ssh-agent stopped at once ({status})"
                )));
            }
            if std::time::Instant::now() > until {
                return Err(std::io::Error::other(
                    "ssh-agent did not start listening (is openssh-client installed?)",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(agent)
    }

    /// Where it listens.
    pub fn socket(&self) -> AgentSocket {
        AgentSocket::Path(self.socket.clone())
    }

    /// The socket's path (for `SSH_AUTH_SOCK` of a child process).
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }
}

impl Drop for SpawnedAgent {
    fn drop(&mut self) {
        // The watchdog stops the agent and waits for it, then ends.
        drop(self.lifeline.take());
        let _ = self.watchdog.wait();
    }
}

/// One request to the agent, as the window and the command line send it.
#[derive(Debug)]
pub enum AgentRequest {
    /// List its keys.
    List,
    /// Add the private key in a file.
    Add {
        /// The private key file.
        path: PathBuf,
        /// Its passphrase, for an encrypted key (never stored).
        passphrase: Option<SecretString>,
        /// Lifetime and confirmation.
        options: AddOptions,
    },
    /// Remove one key.
    Remove {
        /// Its `SHA256:…`.
        sha256: String,
    },
    /// Remove every key.
    RemoveAll,
}

/// What a request did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentDone {
    /// Listed (the listing is in [`AgentReport::listing`]).
    Listed,
    /// This key was added.
    Added(AgentKey),
    /// This key was removed.
    Removed(AgentKey),
    /// Every key was removed; it held this many.
    RemovedAll(usize),
}

/// The answer to an [`AgentRequest`]: what it did, and what the agent
/// holds afterwards (asked again, so the window shows the agent's truth).
#[derive(Clone, Debug)]
pub struct AgentReport {
    /// The request's result.
    pub done: Result<AgentDone, AgentError>,
    /// The agent's keys after it.
    pub listing: AgentListing,
}

/// Carries out `request` and lists the agent afterwards. Blocking.
pub fn run(socket: &AgentSocket, request: AgentRequest) -> AgentReport {
    let done = match request {
        AgentRequest::List => Ok(AgentDone::Listed),
        AgentRequest::Add {
            path,
            passphrase,
            options,
        } => add_file(socket, &path, passphrase.as_ref(), options).map(AgentDone::Added),
        AgentRequest::Remove { sha256 } => remove(socket, &sha256).map(AgentDone::Removed),
        AgentRequest::RemoveAll => remove_all(socket).map(AgentDone::RemovedAll),
    };
    AgentReport {
        done,
        listing: list(socket),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{InventoryOptions, LocalKey, LocalKeyKind};
    use crate::providers::{ProviderKind, RemoteKey};
    use crate::store::Profile;

    fn agent_key(sha256: &str, comment: &str) -> AgentKey {
        AgentKey {
            sha256: sha256.into(),
            algorithm: "ED25519".into(),
            comment: comment.into(),
            certificate: false,
            public_key: String::new(),
        }
    }

    fn local(sha256: &str) -> LocalKey {
        LocalKey {
            path: PathBuf::from(format!("/h/.ssh/{sha256}")),
            sha256: Some(sha256.into()),
            algorithm_label: Some("ED25519".into()),
            bits: Some(256),
            comment: String::new(),
            kind: LocalKeyKind::PrivateWithoutPub,
            private_key_path: Some(PathBuf::from(format!("/h/.ssh/{sha256}"))),
            public_key: None,
        }
    }

    #[test]
    fn merge_marks_held_keys_flags_those_on_no_account_and_adds_agent_only_rows() {
        let mut profile = Profile::new(ProviderKind::Github);
        profile.name = "gh".into();
        let on_account = RemoteKey {
            id: "1".into(),
            name: "laptop".into(),
            fingerprint_sha256: Some("SHA256:laptop".into()),
            ..RemoteKey::default()
        };
        let accounts = vec![(profile, Ok(vec![on_account]))];
        let files = [local("SHA256:laptop"), local("SHA256:file-only")];
        let options = InventoryOptions::default();
        let mut inventory = Inventory::build_with(&accounts, &files, &options);
        let before = inventory.keys.len();
        let held = [
            agent_key("SHA256:file-only", "/h/.ssh/file-only"),
            agent_key("SHA256:laptop", "me@laptop"),
            agent_key("SHA256:stranger", ""),
        ];
        let copies = merge(&mut inventory, &held);
        assert_eq!(copies.len(), inventory.keys.len());
        assert_eq!(inventory.keys.len(), before + 1, "one agent-only row");

        let at = |sha: &str| {
            let index = inventory
                .keys
                .iter()
                .position(|group| group.sha256.as_deref() == Some(sha))
                .unwrap();
            (&inventory.keys[index], copies[index].as_ref())
        };
        let (laptop, copy) = at("SHA256:laptop");
        assert_eq!(copy.map(|c| c.comment.as_str()), Some("me@laptop"));
        assert!(!laptop.flags.contains(&Flag::InAgentOnNoAccount));
        let (file_only, copy) = at("SHA256:file-only");
        assert!(copy.is_some());
        assert_eq!(file_only.flags, [Flag::InAgentOnNoAccount]);
        let (stranger, copy) = at("SHA256:stranger");
        assert!(copy.is_some());
        assert_eq!(stranger.flags, [Flag::InAgentOnNoAccount]);
        assert!(stranger.local_paths.is_empty() && stranger.accounts.is_empty());
        assert_eq!(stranger.display_name(), "(agent key, no comment)");
        assert_eq!(stranger.algorithm.as_deref(), Some("ED25519"));
        assert_eq!(
            inventory.keys.last().map(|g| g.sha256.clone()),
            Some(stranger.sha256.clone())
        );
        // Merging the same listing again changes nothing.
        let again = merge(&mut inventory, &held);
        assert_eq!(again, copies);
        assert_eq!(inventory.keys.len(), before + 1);
    }

    /// A socket whose replies are `agent_says` and which records requests.
    struct Scripted {
        replies: std::io::Cursor<Vec<u8>>,
        sent: Vec<u8>,
    }

    impl std::io::Read for Scripted {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.replies.read(buf)
        }
    }

    impl std::io::Write for Scripted {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.sent.write(buf)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn scripted(agent_says: &[u8]) -> CappedReplies<Scripted> {
        CappedReplies::new(Scripted {
            replies: std::io::Cursor::new(agent_says.to_vec()),
            sent: Vec::new(),
        })
    }

    #[test]
    fn replies_up_to_openssh_s_limit_pass_whole_and_longer_ones_are_refused() {
        use std::io::{Read, Write};
        // Two replies back to back, the second exactly at the limit, read
        // the way the blocking client reads them: length, then body.
        let mut agent_says = Vec::new();
        agent_says.extend_from_slice(&1u32.to_be_bytes());
        agent_says.push(6); // SSH_AGENT_SUCCESS
        agent_says.extend_from_slice(&MAX_AGENT_REPLY.to_be_bytes());
        agent_says.extend(std::iter::repeat_n(7u8, MAX_AGENT_REPLY as usize));
        agent_says.extend_from_slice(&(MAX_AGENT_REPLY + 1).to_be_bytes());
        let mut stream = scripted(&agent_says);
        stream.write_all(b"request").unwrap();
        assert_eq!(stream.inner.sent, b"request");
        for expected in [1, MAX_AGENT_REPLY] {
            let mut length = [0; 4];
            stream.read_exact(&mut length).unwrap();
            assert_eq!(u32::from_be_bytes(length), expected);
            let mut body = vec![0; expected as usize];
            stream.read_exact(&mut body).unwrap();
        }
        let mut length = [0; 4];
        let refused = stream.read_exact(&mut length).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::InvalidData);
        assert_eq!(
            refused.to_string(),
            "the agent sent a 256 KB reply (262145 bytes); refused: more than the 256 KB \
             OpenSSH reads"
        );
        assert_eq!(length, [0; 4], "the client saw nothing of the prefix");

        let mut huge = scripted(&0xFFFF_FFF0u32.to_be_bytes());
        let refused = huge.read(&mut [0; 1]).unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("the agent sent a 4 GB reply (4294967280 bytes); refused"),
            "{refused}"
        );
    }

    #[test]
    fn a_reply_cut_short_is_an_error_not_a_wait() {
        use std::io::Read;
        let mut stream = scripted(&[0, 0]);
        let mut length = [0; 4];
        let cut = stream.read_exact(&mut length).unwrap_err();
        assert_eq!(cut.kind(), std::io::ErrorKind::UnexpectedEof);
        let mut stream = scripted(&[0, 0, 0, 9, 1, 2]);
        stream.read_exact(&mut length).unwrap();
        let mut body = [0; 9];
        let cut = stream.read_exact(&mut body).unwrap_err();
        assert_eq!(cut.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn the_environment_names_the_socket_or_says_it_is_unset() {
        assert!(matches!(
            AgentSocket::default(),
            AgentSocket::Unavailable(_)
        ));
        // Read, never written: tests share the process environment.
        match std::env::var_os("SSH_AUTH_SOCK").filter(|value| !value.is_empty()) {
            Some(path) => assert_eq!(AgentSocket::from_env(), AgentSocket::Path(path.into())),
            None => assert_eq!(
                AgentSocket::from_env(),
                AgentSocket::Unavailable("SSH_AUTH_SOCK is not set".into())
            ),
        }
    }
}
