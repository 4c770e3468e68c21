//! The keys on this computer: `*.pub` files and private keys without a
//! `.pub` in `~/.ssh` and any folders the user adds.
//!
//! Read-only by design: nothing here writes, moves or copies a file, and a
//! private key is read into a zeroizing buffer only to derive its public
//! half (never prompting for a passphrase) and is dropped right after.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::keys::KeyError;
use crate::keys::public::{KeyKind, ParsedPublicKey};
use crate::keys::{SecretString, private, public};

/// Files bigger than this are not keys (an RSA-16384 private key is < 13 KB).
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// What a local key file gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalKeyKind {
    /// A `.pub` file.
    Public,
    /// A private key with no `.pub` beside it; its public half was derived
    /// from it (an encrypted OpenSSH key stores that half unencrypted).
    PrivateWithoutPub,
    /// An encrypted PEM private key with no `.pub`: its public half cannot
    /// be known without the passphrase, which is never asked for here.
    Locked,
    /// A PuTTY `.ppk` (format 2 or 3): its public half is never encrypted,
    /// so it is read without a passphrase. "Convert to OpenSSH…" makes an
    /// OpenSSH private key of it.
    Putty,
}

/// One key found on this computer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalKey {
    /// The file it was read from.
    pub path: PathBuf,
    /// `SHA256:…` of the public key; `None` for a locked key.
    pub sha256: Option<String>,
    /// As `ssh-keygen -l` names the type (`ED25519`, `RSA 4096`); `None`
    /// for a locked key.
    pub algorithm_label: Option<String>,
    /// Key size in bits, where keys of the type differ in size.
    pub bits: Option<u32>,
    /// The public key's comment (empty for PEM keys).
    pub comment: String,
    /// Where the key came from.
    pub kind: LocalKeyKind,
    /// The private key file belonging to this key, if there is one: the
    /// file itself, or for a `.pub` the same name without `.pub`.
    pub private_key_path: Option<PathBuf>,
    /// The OpenSSH public key line (never a private key), for publishing it;
    /// `None` for a locked key. Not in the JSON: the fingerprint names it.
    #[serde(skip)]
    pub public_key: Option<String>,
}

impl LocalKey {
    /// The file name without `.pub`: how a key saved by Keyfleet or
    /// `ssh-keygen -f NAME` is usually also named on an account.
    pub fn stem(&self) -> Option<&str> {
        let name = self.path.file_name()?.to_str()?;
        Some(name.strip_suffix(".pub").unwrap_or(name))
    }
}

/// A file that looked like a key but could not be used. Not fatal: the
/// scan goes on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalProblem {
    /// The file or folder.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Everything a scan found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LocalScan {
    /// The keys, in folder order then file name order.
    pub keys: Vec<LocalKey>,
    /// Files and folders that could not be read.
    pub problems: Vec<LocalProblem>,
}

/// Names in `~/.ssh` that are not key pairs.
fn is_not_a_key_file(name: &str) -> bool {
    name == "config"
        || name.starts_with("authorized_keys")
        || name.starts_with("known_hosts")
        || name == "environment"
        || name == "rc"
}

/// Scans each folder (not recursively). A missing or unreadable folder is a
/// problem, not an error.
pub fn scan(dirs: &[PathBuf]) -> LocalScan {
    let mut scan = LocalScan::default();
    for dir in dirs {
        scan_dir(dir, &mut scan);
    }
    scan
}

fn scan_dir(dir: &Path, scan: &mut LocalScan) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            scan.problems.push(LocalProblem {
                path: dir.to_path_buf(),
                message: format!("the folder could not be read: {err}"),
            });
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    paths.sort();
    for path in &paths {
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if is_not_a_key_file(name) || name.starts_with('.') {
            continue;
        }
        if name.ends_with(".pub") {
            scan_public(path, scan);
        } else if name.ends_with(".ppk") {
            scan_ppk(path, scan);
        } else if !path.with_file_name(format!("{name}.pub")).exists() {
            scan_private(path, scan);
        }
    }
}

/// Reads the one key at `path` as the scan would: its `.pub` when `path`
/// is a private key with one beside it, else the file itself. For
/// `~/.ssh/config`'s `IdentityFile`s, which may lie outside the scanned
/// folders.
pub fn read_key_file(path: &Path) -> LocalScan {
    let mut scan = LocalScan::default();
    let is_pub = path.extension().is_some_and(|extension| extension == "pub");
    let beside = path.with_file_name(format!(
        "{}.pub",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    if is_pub {
        scan_public(path, &mut scan);
    } else if beside.is_file() {
        scan_public(&beside, &mut scan);
    } else {
        scan_private(path, &mut scan);
    }
    scan
}

/// Metadata for a regular file of at most [`MAX_KEY_FILE_BYTES`]; `Ok(None)`
/// for anything to skip quietly (folders, sockets, pipes, large files).
fn small_regular_file(path: &Path) -> Result<Option<u64>, String> {
    // Follows symlinks: a link to a key is a key; a dangling one is a problem.
    let metadata = std::fs::metadata(path).map_err(|err| err.to_string())?;
    if !metadata.is_file() || metadata.len() > MAX_KEY_FILE_BYTES {
        return Ok(None);
    }
    Ok(Some(metadata.len()))
}

fn problem(scan: &mut LocalScan, path: &Path, message: impl Into<String>) {
    scan.problems.push(LocalProblem {
        path: path.to_path_buf(),
        message: message.into(),
    });
}

fn scan_public(path: &Path, scan: &mut LocalScan) {
    match small_regular_file(path) {
        Ok(Some(_)) => {}
        Ok(None) => return,
        Err(err) => return problem(scan, path, format!("unreadable: {err}")),
    }
    let parsed = match public::read_public_key_file(path) {
        Ok(parsed) => parsed,
        Err(err) => return problem(scan, path, err.to_string()),
    };
    let private_path = path.with_extension("");
    let private_key_path = std::fs::metadata(&private_path)
        .is_ok_and(|metadata| metadata.is_file())
        .then_some(private_path);
    scan.keys.push(local_key(
        path,
        &parsed,
        LocalKeyKind::Public,
        private_key_path,
    ));
}

fn scan_private(path: &Path, scan: &mut LocalScan) {
    let length = match small_regular_file(path) {
        Ok(Some(length)) => length,
        Ok(None) => return,
        Err(err) => return problem(scan, path, format!("unreadable: {err}")),
    };
    let bytes = match read_zeroizing(path, length) {
        Ok(bytes) => bytes,
        Err(err) => return problem(scan, path, format!("unreadable: {err}")),
    };
    // Anything that is not text with a private key block is some other file.
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return;
    };
    if !text.contains("PRIVATE KEY-----") {
        return;
    }
    let secret = SecretString::new(text);
    drop(bytes);
    match private::inspect_private_key(&secret, None) {
        Ok(info) => scan.keys.push(local_key(
            path,
            &info.public,
            LocalKeyKind::PrivateWithoutPub,
            Some(path.to_path_buf()),
        )),
        Err(KeyError::Encrypted) => scan.keys.push(LocalKey {
            path: path.to_path_buf(),
            sha256: None,
            algorithm_label: None,
            bits: None,
            comment: String::new(),
            kind: LocalKeyKind::Locked,
            private_key_path: Some(path.to_path_buf()),
            public_key: None,
        }),
        Err(err) => problem(scan, path, err.to_string()),
    }
}

/// A PuTTY key: its public half only (no passphrase, nothing decrypted).
/// Its file is not a private key OpenSSH reads, so it has no
/// `private_key_path` until it is converted.
fn scan_ppk(path: &Path, scan: &mut LocalScan) {
    let length = match small_regular_file(path) {
        Ok(Some(length)) => length,
        Ok(None) => return,
        Err(err) => return problem(scan, path, format!("unreadable: {err}")),
    };
    let bytes = match read_zeroizing(path, length) {
        Ok(bytes) => bytes,
        Err(err) => return problem(scan, path, format!("unreadable: {err}")),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return problem(scan, path, "not a PuTTY key file (not text)");
    };
    match crate::keys::ppk::read_public(text) {
        Ok(info) => scan
            .keys
            .push(local_key(path, &info.public, LocalKeyKind::Putty, None)),
        Err(err) => problem(scan, path, err.to_string()),
    }
}

/// Reads at most [`MAX_KEY_FILE_BYTES`] into a buffer wiped on drop.
fn read_zeroizing(path: &Path, length: u64) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    // Sized up front so no reallocation leaves key bytes behind; `take`
    // guards against a file that grew after the size check.
    let mut bytes = Zeroizing::new(Vec::with_capacity(
        usize::try_from(MAX_KEY_FILE_BYTES.min(length) + 1).unwrap_or(0),
    ));
    file.take(MAX_KEY_FILE_BYTES).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn local_key(
    path: &Path,
    parsed: &ParsedPublicKey,
    kind: LocalKeyKind,
    private_key_path: Option<PathBuf>,
) -> LocalKey {
    LocalKey {
        path: path.to_path_buf(),
        sha256: Some(parsed.fingerprint_sha256.clone()),
        algorithm_label: Some(parsed.label.to_string()),
        bits: bits_of(parsed.kind),
        comment: parsed.comment.clone(),
        kind,
        private_key_path,
        public_key: Some(parsed.openssh.clone()),
    }
}

/// A key pair on this computer whose private file was opened and found to
/// hold the private half of the expected public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedPair {
    /// The checked public key's `SHA256:…` fingerprint.
    pub sha256: String,
    /// The private key file is protected by a passphrase (which was given
    /// and opened it).
    pub encrypted: bool,
}

/// Why a local key pair cannot be used (as the new key of a rotation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PairProblem {
    /// The private key is protected by a passphrase: ask for it.
    NeedsPassphrase,
    /// Anything else, in words: missing or unreadable file, wrong
    /// passphrase, not a key, not the pair of the public key.
    Refused(String),
}

impl std::fmt::Display for PairProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NeedsPassphrase => f.write_str(
                "The private key is protected by a passphrase: enter it so Keyfleet can check that the key matches.",
            ),
            Self::Refused(reason) => f.write_str(reason),
        }
    }
}

/// Opens the private key at `private_path` and checks that its public half
/// is `public_key` (an OpenSSH line, e.g. the `.pub` beside it). A key
/// protected by a passphrase is decrypted with `passphrase`, so the check
/// covers the secret part itself and not only the public copy OpenSSH
/// stores unencrypted beside it; without one it is
/// [`PairProblem::NeedsPassphrase`]. Messages name files, never key text.
pub fn verify_key_pair(
    private_path: &Path,
    public_key: &str,
    passphrase: Option<&SecretString>,
) -> Result<VerifiedPair, PairProblem> {
    let shown = private_path.display();
    let refused = |reason: String| PairProblem::Refused(reason);
    let expected = public::parse_public_key(public_key)
        .map_err(|err| refused(format!("The public key of {shown} cannot be read: {err}")))?;
    let text = private::read_private_key_file(private_path)
        .map_err(|err| refused(format!("The private key cannot be used: {err}")))?;
    let passphrase = passphrase.filter(|p| !p.is_empty());
    let info = match private::inspect_private_key(&text, passphrase) {
        Ok(info) if info.encrypted && passphrase.is_none() => {
            return Err(PairProblem::NeedsPassphrase);
        }
        Ok(info) => info,
        Err(KeyError::Encrypted) => return Err(PairProblem::NeedsPassphrase),
        Err(KeyError::WrongPassphrase) => {
            return Err(refused(format!(
                "The passphrase does not open {shown}; the key was not used."
            )));
        }
        Err(err) => return Err(refused(format!("{shown} cannot be used: {err}"))),
    };
    if info.public.fingerprint_sha256 != expected.fingerprint_sha256 {
        return Err(refused(format!(
            "{shown} is not the private half of this public key: it holds {}, the public key is {}. It was not used.",
            info.public.fingerprint_sha256, expected.fingerprint_sha256
        )));
    }
    Ok(VerifiedPair {
        sha256: expected.fingerprint_sha256,
        encrypted: info.encrypted,
    })
}

/// The size `ssh-keygen -l` prints for keys of this kind.
pub fn bits_of(kind: KeyKind) -> Option<u32> {
    match kind {
        KeyKind::Rsa { bits } | KeyKind::Ecdsa { bits } | KeyKind::Dsa { bits } => Some(bits),
        KeyKind::Ed25519 | KeyKind::SkEd25519 => Some(256),
        KeyKind::SkEcdsa => Some(256),
        KeyKind::Other => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    /// `ssh-keygen -q -t TYPE -N PASS -f DIR/NAME [extra]`, failing loudly
    /// when ssh-keygen is missing: these checks must not pass silently.
    fn keygen(dir: &Path, name: &str, args: &[&str], passphrase: &str) -> PathBuf {
        let path = dir.join(name);
        let output = Command::new("ssh-keygen")
            .args(["-q", "-N", passphrase, "-C", &format!("{name}@test")])
            .args(args)
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .expect("ssh-keygen must be installed (apt-get install openssh-client)");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        path
    }

    fn fingerprint_of_pub(path: &Path) -> String {
        public::read_public_key_file(&path.with_extension("pub"))
            .unwrap()
            .fingerprint_sha256
    }

    fn find<'a>(scan: &'a LocalScan, name: &str) -> Option<&'a LocalKey> {
        scan.keys
            .iter()
            .find(|key| key.path.file_name().and_then(|n| n.to_str()) == Some(name))
    }

    #[test]
    fn scan_finds_pairs_lone_private_keys_and_locked_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        // A normal pair: listed once, through its .pub.
        let pair = keygen(path, "id_ed25519", &["-t", "ed25519"], "");
        let pair_sha = fingerprint_of_pub(&pair);
        // An encrypted OpenSSH key without .pub: its public half is stored
        // unencrypted, so it is still identified without a passphrase.
        let lone = keygen(path, "deploy", &["-t", "ed25519"], "secret pass");
        let lone_sha = fingerprint_of_pub(&lone);
        std::fs::remove_file(lone.with_extension("pub")).unwrap();
        // An encrypted PEM key without .pub: locked.
        let locked = keygen(
            path,
            "legacy",
            &["-t", "ecdsa", "-b", "256", "-m", "PEM"],
            "secret pass",
        );
        std::fs::remove_file(locked.with_extension("pub")).unwrap();
        // Not key pairs, whatever they contain.
        let pair_line = std::fs::read_to_string(pair.with_extension("pub")).unwrap();
        std::fs::write(path.join("authorized_keys"), &pair_line).unwrap();
        std::fs::write(path.join("known_hosts"), format!("host {pair_line}")).unwrap();
        std::fs::write(path.join("config"), "Host *\n").unwrap();
        std::fs::write(path.join("notes.txt"), "not a key").unwrap();
        std::fs::create_dir(path.join("sub")).unwrap();
        std::fs::write(path.join("huge.pub"), "x".repeat(70 * 1024)).unwrap();
        // Problems: a .pub that is not a key, a dangling link.
        std::fs::write(path.join("broken.pub"), "ssh-ed25519 !!!").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(path.join("missing"), path.join("gone.pub")).unwrap();

        let before: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let scan = scan(&[path.to_path_buf()]);
        let after: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(before.len(), after.len(), "the scan must not create files");

        assert_eq!(scan.keys.len(), 3, "{scan:#?}");
        let key = find(&scan, "id_ed25519.pub").unwrap();
        assert_eq!(key.kind, LocalKeyKind::Public);
        assert_eq!(key.sha256.as_deref(), Some(pair_sha.as_str()));
        assert_eq!(key.algorithm_label.as_deref(), Some("ED25519"));
        assert_eq!(key.comment, "id_ed25519@test");
        assert_eq!(key.private_key_path.as_deref(), Some(pair.as_path()));
        assert_eq!(key.stem(), Some("id_ed25519"));

        let key = find(&scan, "deploy").unwrap();
        assert_eq!(key.kind, LocalKeyKind::PrivateWithoutPub);
        assert_eq!(key.sha256.as_deref(), Some(lone_sha.as_str()));

        let key = find(&scan, "legacy").unwrap();
        assert_eq!(key.kind, LocalKeyKind::Locked);
        assert_eq!(key.sha256, None);

        let problems: Vec<_> = scan
            .problems
            .iter()
            .map(|p| p.path.file_name().unwrap().to_str().unwrap())
            .collect();
        assert!(problems.contains(&"broken.pub"), "{problems:?}");
        #[cfg(unix)]
        assert!(problems.contains(&"gone.pub"), "{problems:?}");
        assert_eq!(
            problems.len(),
            if cfg!(unix) { 2 } else { 1 },
            "{problems:?}"
        );
    }

    #[test]
    fn putty_keys_are_read_without_a_passphrase_and_group_with_the_same_key() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ppk");
        let putty = tempfile::tempdir().unwrap();
        let openssh = tempfile::tempdir().unwrap();
        for name in ["ed25519_v3.ppk", "enc_v2.ppk"] {
            std::fs::copy(fixtures.join(name), putty.path().join(name)).unwrap();
        }
        std::fs::write(
            putty.path().join("broken.ppk"),
            "PuTTY-User-Key-File-3: x\n",
        )
        .unwrap();
        // The same key as an OpenSSH `.pub` in another folder.
        std::fs::copy(
            fixtures.join("ed25519_v3.pub"),
            openssh.path().join("laptop.pub"),
        )
        .unwrap();
        let scan = scan(&[putty.path().to_path_buf(), openssh.path().to_path_buf()]);
        assert_eq!(scan.keys.len(), 3, "{scan:#?}");
        let ppk = find(&scan, "ed25519_v3.ppk").unwrap();
        assert_eq!(ppk.kind, LocalKeyKind::Putty);
        assert_eq!(ppk.private_key_path, None);
        let encrypted = find(&scan, "enc_v2.ppk").unwrap();
        assert_eq!(encrypted.comment, "ppk-encrypted-v2");
        assert!(encrypted.sha256.is_some());
        assert_eq!(scan.problems.len(), 1, "{scan:#?}");
        assert!(scan.problems[0].path.ends_with("broken.ppk"));

        let inventory = crate::inventory::Inventory::build(&[], &scan.keys);
        let group = inventory
            .keys
            .iter()
            .find(|group| group.sha256 == ppk.sha256)
            .unwrap();
        assert_eq!(group.local_paths.len(), 2, "{group:#?}");
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_private_key_is_a_problem_not_a_failure() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let key = keygen(dir.path(), "id_rsa", &["-t", "ed25519"], "");
        std::fs::remove_file(key.with_extension("pub")).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o000)).unwrap();
        let scan = scan(&[dir.path().to_path_buf(), dir.path().join("absent")]);
        // Root reads any file, so the key may still be found there.
        if std::fs::File::open(&key).is_err() {
            assert!(scan.keys.is_empty());
            assert!(scan.problems.iter().any(|p| p.path == key), "{scan:?}");
        } else {
            assert_eq!(scan.keys.len(), 1);
        }
        assert!(
            scan.problems
                .iter()
                .any(|p| p.path.ends_with("absent") && p.message.contains("folder")),
            "{scan:?}"
        );
    }

    #[test]
    fn private_key_text_never_reaches_debug_or_json() {
        let dir = tempfile::tempdir().unwrap();
        let key = keygen(dir.path(), "solo", &["-t", "ed25519"], "");
        std::fs::remove_file(key.with_extension("pub")).unwrap();
        let text = std::fs::read_to_string(&key).unwrap();
        let body = text.lines().nth(1).unwrap();
        let scan = scan(&[dir.path().to_path_buf()]);
        assert_eq!(scan.keys.len(), 1);
        assert!(!format!("{scan:?}").contains(body));
        assert!(!serde_json::to_string(&scan).unwrap().contains(body));
    }

    #[test]
    fn a_pair_is_used_only_when_the_private_key_opens_to_the_pub() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        let line = |key: &Path| std::fs::read_to_string(key.with_extension("pub")).unwrap();
        let pair = keygen(path, "pair", &["-t", "ed25519"], "");
        let verified = verify_key_pair(&pair, &line(&pair), None).unwrap();
        assert_eq!(verified.sha256, fingerprint_of_pub(&pair));
        assert!(!verified.encrypted);

        // The .pub beside one private key is another key's.
        let other = keygen(path, "other", &["-t", "ed25519"], "");
        let refused = verify_key_pair(&pair, &line(&other), None).unwrap_err();
        let PairProblem::Refused(reason) = &refused else {
            panic!("{refused:?}")
        };
        assert!(reason.contains("not the private half"), "{reason}");
        assert!(reason.contains(&fingerprint_of_pub(&other)), "{reason}");

        // Encrypted: asks, then opens only with the right passphrase.
        let locked = keygen(path, "locked", &["-t", "ed25519"], "right pass");
        assert_eq!(
            verify_key_pair(&locked, &line(&locked), None),
            Err(PairProblem::NeedsPassphrase)
        );
        let empty = SecretString::new("");
        assert_eq!(
            verify_key_pair(&locked, &line(&locked), Some(&empty)),
            Err(PairProblem::NeedsPassphrase)
        );
        let wrong = SecretString::new("wrong pass");
        let refused = verify_key_pair(&locked, &line(&locked), Some(&wrong)).unwrap_err();
        assert!(refused.to_string().contains("does not open"), "{refused}");
        assert!(!refused.to_string().contains("wrong pass"));
        let right = SecretString::new("right pass");
        let verified = verify_key_pair(&locked, &line(&locked), Some(&right)).unwrap();
        assert!(verified.encrypted);
        assert_eq!(verified.sha256, fingerprint_of_pub(&locked));
        // An encrypted key whose .pub is another key's: still refused.
        let refused = verify_key_pair(&locked, &line(&pair), Some(&right)).unwrap_err();
        assert!(
            refused.to_string().contains("not the private half"),
            "{refused}"
        );

        // An encrypted PEM key cannot be opened here: asked for, then refused
        // with the way out.
        let pem = keygen(
            path,
            "pem",
            &["-t", "rsa", "-b", "2048", "-m", "PEM"],
            "pem pass",
        );
        assert_eq!(
            verify_key_pair(&pem, &line(&pem), None),
            Err(PairProblem::NeedsPassphrase)
        );
        let pem_pass = SecretString::new("pem pass");
        let refused = verify_key_pair(&pem, &line(&pem), Some(&pem_pass)).unwrap_err();
        assert!(refused.to_string().contains("ssh-keygen -p"), "{refused}");

        // The private file is gone.
        std::fs::remove_file(&pair).unwrap();
        let refused = verify_key_pair(&pair, &line(&pair), None).unwrap_err();
        assert!(refused.to_string().contains("cannot be used"), "{refused}");
    }
}
