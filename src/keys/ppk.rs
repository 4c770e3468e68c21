//! PuTTY private key files (`.ppk`, formats 2 and 3), written from PuTTY's
//! published format (the PuTTY manual, appendix C "PPK file format").
//!
//! The public half (`Public-Lines`) is never encrypted, so every `.ppk` is
//! identified without a passphrase. Converting to an OpenSSH private key
//! is done for unencrypted files only: no stable crate decrypts `.ppk`
//! (ssh-key's `ppk` feature exists only on its 0.7 release candidates,
//! built on another generation of the RustCrypto crates than Keyfleet's
//! ssh-key 0.6), so for an encrypted file the message names the command
//! that converts it (`puttygen`). The private half is checked against the
//! public half before anything is written: a damaged file converts to
//! nothing.

use ssh_key::private::{Ed25519Keypair, KeypairData, RsaKeypair, RsaPrivateKey};
use ssh_key::public::KeyData;
use ssh_key::{LineEnding, Mpint, PrivateKey, PublicKey};
use zeroize::Zeroizing;

use super::public::{self, ParsedPublicKey};
use super::{KeyError, SecretString};

/// Longest `Public-Lines`/`Private-Lines` count read (an RSA-16384 key
/// needs about 50 lines).
const MAX_LINES: usize = 256;
/// A file bigger than this is not a PuTTY key.
const MAX_PPK_FILE_BYTES: u64 = 64 * 1024;

/// What a `.ppk` file says without its passphrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PpkInfo {
    /// The format, 2 or 3.
    pub version: u8,
    /// The private half is encrypted (a passphrase is needed to convert).
    pub encrypted: bool,
    /// The `Comment:` line.
    pub comment: String,
    /// The public half, with its fingerprint.
    pub public: ParsedPublicKey,
}

/// The fields of a `.ppk`; the private lines only as base64 text.
struct PpkFile<'a> {
    version: u8,
    algorithm: &'a str,
    encryption: &'a str,
    comment: &'a str,
    public_b64: String,
    private_b64: Zeroizing<String>,
}

/// Whether `text` looks like a `.ppk` (its first line).
pub fn is_ppk(text: &str) -> bool {
    text.trim_start().starts_with("PuTTY-User-Key-File-")
}

/// Reads the public half of a `.ppk`: no passphrase needed.
pub fn read_public(text: &str) -> Result<PpkInfo, KeyError> {
    let file = parse(text)?;
    let public = public_key(&file)?;
    Ok(PpkInfo {
        version: file.version,
        encrypted: file.encryption != "none",
        comment: file.comment.to_string(),
        public,
    })
}

/// The OpenSSH private key (unencrypted; the caller's save may encrypt
/// it) and public key line for an unencrypted `.ppk`.
pub fn to_openssh(text: &SecretString) -> Result<(SecretString, String), KeyError> {
    let file = parse(text.expose())?;
    if file.encryption != "none" {
        return Err(KeyError::NotAPrivateKey(format!(
            "this PuTTY key is protected by a passphrase, which Keyfleet cannot open for .ppk files. Convert it with: {PUTTYGEN_HINT}"
        )));
    }
    let parsed = public_key(&file)?;
    let public = PublicKey::from_openssh(&parsed.openssh).map_err(malformed)?;
    let private_blob = Zeroizing::new(decode_b64(&file.private_b64)?);
    let keypair = keypair(public.key_data(), &private_blob)?;
    let key = PrivateKey::new(keypair, file.comment).map_err(malformed)?;
    let openssh = key.to_openssh(LineEnding::LF).map_err(malformed)?;
    Ok((SecretString::new(openssh.as_str()), parsed.openssh))
}

/// Converts the `.ppk` at `source` and saves it at `target` (and
/// `target.pub`) with [`super::save::save_private_key`]: a new file, mode
/// 0600, read back; nothing is written when the key does not convert.
pub fn convert_file(
    source: &std::path::Path,
    target: &std::path::Path,
) -> Result<super::save::SavedKey, KeyError> {
    use std::io::Read as _;
    let unreadable =
        |err: std::io::Error| KeyError::Unreadable(format!("{}: {err}", source.display()));
    let file = std::fs::File::open(source).map_err(unreadable)?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(8 * 1024));
    file.take(MAX_PPK_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_PPK_FILE_BYTES {
        return Err(KeyError::NotAPrivateKey(
            "the file is too big to be a PuTTY key".into(),
        ));
    }
    let text = SecretString::new(
        std::str::from_utf8(&bytes)
            .map_err(|_| KeyError::NotAPrivateKey("not a PuTTY key file (not text)".into()))?,
    );
    // The command to run instead names these very files.
    let command = format!(
        "puttygen {} -O private-openssh -o {}",
        shell_word(source),
        shell_word(target)
    );
    let (private, public) = to_openssh(&text).map_err(|err| match err {
        KeyError::NotAPrivateKey(message) => {
            KeyError::NotAPrivateKey(message.replace(PUTTYGEN_HINT, &command))
        }
        KeyError::UnsupportedAlgorithm(message) => {
            KeyError::UnsupportedAlgorithm(message.replace(PUTTYGEN_HINT, &command))
        }
        other => other,
    })?;
    super::save::save_private_key(target, &private, &public, None)
}

/// What to run where Keyfleet cannot convert a `.ppk` itself.
const PUTTYGEN_HINT: &str = "puttygen key.ppk -O private-openssh -o key";

/// A path as one shell word: as it is when it has only safe characters,
/// otherwise in single quotes (a `'` inside written `'\''`).
fn shell_word(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn malformed(err: impl std::fmt::Display) -> KeyError {
    KeyError::NotAPrivateKey(format!("the PuTTY key cannot be read: {err}"))
}

fn broken(what: &str) -> KeyError {
    KeyError::NotAPrivateKey(format!("the PuTTY key file is damaged: {what}"))
}

/// Splits the file into its fields, checking the order PuTTY writes.
fn parse(text: &str) -> Result<PpkFile<'_>, KeyError> {
    let mut lines = text.lines().map(|line| line.trim_end_matches('\r'));
    let (header, algorithm) = field(lines.next(), None)?;
    let version = match header {
        "PuTTY-User-Key-File-2" => 2,
        "PuTTY-User-Key-File-3" => 3,
        other if other.starts_with("PuTTY-User-Key-File-") => {
            return Err(KeyError::NotAPrivateKey(format!(
                "{other} is a PuTTY key format Keyfleet does not read (only formats 2 and 3)"
            )));
        }
        _ => return Err(KeyError::NotAPrivateKey("not a PuTTY key file".into())),
    };
    let (_, encryption) = field(lines.next(), Some("Encryption"))?;
    let (_, comment) = field(lines.next(), Some("Comment"))?;
    let public_b64 = block(&mut lines, "Public-Lines")?;
    // Format 3 puts the key derivation (encrypted files) before the private
    // lines; it is skipped: only unencrypted files are converted.
    let mut next = lines.next();
    while let Some(line) = next
        && !line.starts_with("Private-Lines:")
    {
        next = lines.next();
    }
    let count = line_count(field(next, Some("Private-Lines"))?.1)?;
    let mut private_b64 = Zeroizing::new(String::new());
    for _ in 0..count {
        private_b64.push_str(
            lines
                .next()
                .ok_or_else(|| broken("private lines missing"))?,
        );
    }
    Ok(PpkFile {
        version,
        algorithm,
        encryption,
        comment,
        public_b64,
        private_b64,
    })
}

/// `Name: value` (checking the name when given).
fn field<'a>(line: Option<&'a str>, name: Option<&str>) -> Result<(&'a str, &'a str), KeyError> {
    let line = line.ok_or_else(|| broken("it ends early"))?;
    let (key, value) = line
        .split_once(": ")
        .ok_or_else(|| broken("a line is not \"Name: value\""))?;
    if let Some(name) = name
        && key != name
    {
        return Err(broken(&format!("expected {name}, found {key}")));
    }
    Ok((key, value))
}

fn line_count(value: &str) -> Result<usize, KeyError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|count| *count <= MAX_LINES)
        .ok_or_else(|| broken("a line count is not a small number"))
}

/// `Name: N` and the N base64 lines after it, joined.
fn block<'a>(lines: &mut impl Iterator<Item = &'a str>, name: &str) -> Result<String, KeyError> {
    let count = line_count(field(lines.next(), Some(name))?.1)?;
    let mut text = String::new();
    for _ in 0..count {
        text.push_str(lines.next().ok_or_else(|| broken("lines missing"))?);
    }
    Ok(text)
}

fn decode_b64(text: &str) -> Result<Vec<u8>, KeyError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| broken("its base64 does not decode"))
}

/// The public half as Keyfleet parses any public key (fingerprints, type).
fn public_key(file: &PpkFile<'_>) -> Result<ParsedPublicKey, KeyError> {
    let blob = decode_b64(&file.public_b64)?;
    let mut key = PublicKey::from_bytes(&blob)
        .map_err(|err| KeyError::NotAPublicKey(format!("its public key cannot be read: {err}")))?;
    if key.algorithm().as_str() != file.algorithm {
        return Err(broken("the public key is not of the type the header names"));
    }
    key.set_comment(file.comment);
    public::from_key(&key)
}

/// An SSH wire-format reader over the private blob.
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn string(&mut self) -> Result<&'a [u8], KeyError> {
        let (length, rest) = self
            .0
            .split_first_chunk::<4>()
            .ok_or_else(|| broken("the private key ends early"))?;
        let length = usize::try_from(u32::from_be_bytes(*length)).unwrap_or(usize::MAX);
        if length > rest.len() {
            return Err(broken("the private key ends early"));
        }
        let (value, rest) = rest.split_at(length);
        self.0 = rest;
        Ok(value)
    }

    fn mpint(&mut self) -> Result<Mpint, KeyError> {
        Mpint::from_bytes(self.string()?).map_err(|_| broken("a number does not read"))
    }
}

/// The key pair from the public key and the private blob, checked to be
/// one pair.
fn keypair(public: &KeyData, private: &[u8]) -> Result<KeypairData, KeyError> {
    let mut wire = Wire(private);
    match public {
        KeyData::Ed25519(public) => {
            let seed: &[u8; 32] = wire
                .string()?
                .try_into()
                .map_err(|_| broken("the Ed25519 private key is not 32 bytes"))?;
            let pair = Ed25519Keypair::from_seed(seed);
            if pair.public != *public {
                return Err(mismatch());
            }
            Ok(KeypairData::Ed25519(pair))
        }
        KeyData::Rsa(public) => {
            let d = wire.mpint()?;
            let p = wire.mpint()?;
            let q = wire.mpint()?;
            let _iqmp = wire.mpint()?;
            rsa_pair(public, d, p, q)
        }
        other => Err(KeyError::UnsupportedAlgorithm(format!(
            "{} keys in PuTTY files are not converted here. Convert it with: {PUTTYGEN_HINT}",
            other.algorithm()
        ))),
    }
}

/// Builds the RSA pair through the `rsa` crate, which checks that the
/// numbers form one key and computes the CRT coefficient itself.
fn rsa_pair(
    public: &ssh_key::public::RsaPublicKey,
    d: Mpint,
    p: Mpint,
    q: Mpint,
) -> Result<KeypairData, KeyError> {
    let number = |value: &Mpint| rsa::BigUint::try_from(value).map_err(|_| mismatch());
    let key = rsa::RsaPrivateKey::from_components(
        number(&public.n)?,
        number(&public.e)?,
        number(&d)?,
        vec![number(&p)?, number(&q)?],
    )
    .map_err(|_| mismatch())?;
    key.validate().map_err(|_| mismatch())?;
    let pair = RsaKeypair::try_from(key).map_err(malformed)?;
    if pair.public != *public {
        return Err(mismatch());
    }
    // The file's own fields, so the converted key holds what PuTTY held.
    let private = RsaPrivateKey {
        d,
        iqmp: pair.private.iqmp.clone(),
        p,
        q,
    };
    Ok(KeypairData::Rsa(RsaKeypair {
        public: pair.public,
        private,
    }))
}

fn mismatch() -> KeyError {
    broken("its private half is not the pair of its public key")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ppk")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
    }

    /// The fingerprint of the `.pub` puttygen wrote for the same key.
    fn puttygen_sha(name: &str) -> String {
        public::parse_public_key(fixture(name).trim())
            .unwrap()
            .fingerprint_sha256
    }

    #[test]
    fn every_fixture_gives_the_public_key_puttygen_gives() {
        for (ppk, pub_file, version, encrypted) in [
            ("ed25519_v3.ppk", "ed25519_v3.pub", 3, false),
            ("ed25519_v2.ppk", "ed25519_v2.pub", 2, false),
            ("rsa_v3.ppk", "rsa_v3.pub", 3, false),
            ("rsa_v2.ppk", "rsa_v2.pub", 2, false),
            ("ecdsa_v3.ppk", "ecdsa_v3.pub", 3, false),
            ("enc_v3.ppk", "enc_v3.pub", 3, true),
            ("enc_v2.ppk", "enc_v2.pub", 2, true),
        ] {
            let info = read_public(&fixture(ppk)).unwrap_or_else(|err| panic!("{ppk}: {err}"));
            assert_eq!(
                info.public.fingerprint_sha256,
                puttygen_sha(pub_file),
                "{ppk}"
            );
            assert_eq!(
                (info.version, info.encrypted),
                (version, encrypted),
                "{ppk}"
            );
            assert!(info.public.openssh.ends_with(&info.comment), "{ppk}");
        }
    }

    #[test]
    fn unencrypted_keys_convert_to_what_puttygen_converts_them_to() {
        let (private, public_line) =
            to_openssh(&SecretString::new(fixture("ed25519_v3.ppk"))).unwrap();
        let ours = PrivateKey::from_openssh(private.expose()).unwrap();
        // puttygen wraps at 64 columns, which ssh-key's strict reader (70,
        // as OpenSSH writes) refuses: read its binary body instead.
        let body: String = fixture("ed25519_v3.openssh")
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let theirs = PrivateKey::from_bytes(&decode_b64(&body).unwrap()).unwrap();
        assert_eq!(ours.key_data(), theirs.key_data());
        assert_eq!(ours.public_key().to_openssh().unwrap(), public_line);
        // puttygen writes RSA as PKCS#1 PEM: the same numbers.
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};
        let (private, _) = to_openssh(&SecretString::new(fixture("rsa_v3.ppk"))).unwrap();
        let ours = PrivateKey::from_openssh(private.expose()).unwrap();
        let ours = ours.key_data().rsa().unwrap();
        let theirs = rsa::RsaPrivateKey::from_pkcs1_pem(&fixture("rsa_v3.openssh")).unwrap();
        let number = |value: &Mpint| rsa::BigUint::try_from(value).unwrap();
        assert_eq!(number(&ours.public.n), *theirs.n());
        assert_eq!(number(&ours.private.d), *theirs.d());
        assert_eq!(
            [number(&ours.private.p), number(&ours.private.q)],
            theirs.primes()
        );
        // Format 2 (no puttygen conversion committed): the pair is checked
        // inside, and the public half is puttygen's.
        for (ppk, pub_file) in [
            ("ed25519_v2.ppk", "ed25519_v2.pub"),
            ("rsa_v2.ppk", "rsa_v2.pub"),
        ] {
            let (private, _) = to_openssh(&SecretString::new(fixture(ppk))).unwrap();
            let key = PrivateKey::from_openssh(private.expose()).unwrap();
            assert_eq!(
                public::fingerprint_sha256(key.public_key()),
                puttygen_sha(pub_file)
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_converted_key_is_saved_safely_opens_in_ssh_keygen_and_suits_terraform() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("work.ppk");
        std::fs::write(&source, fixture("rsa_v3.ppk")).unwrap();
        let target = dir.path().join("work");
        let saved = convert_file(&source, &target).unwrap();
        assert_eq!(saved.private_path, target);
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let public_line = std::fs::read_to_string(dir.path().join("work.pub")).unwrap();
        assert_eq!(
            public::parse_public_key(public_line.trim())
                .unwrap()
                .fingerprint_sha256,
            puttygen_sha("rsa_v3.pub")
        );
        // OpenSSH itself reads the new key.
        let output = std::process::Command::new("ssh-keygen")
            .args(["-y", "-P", "", "-f"])
            .arg(&target)
            .output()
            .expect("ssh-keygen must be installed (apt-get install openssh-client)");
        assert!(output.status.success(), "{output:?}");
        let derived = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            public::parse_public_key(derived.trim())
                .unwrap()
                .fingerprint_sha256,
            puttygen_sha("rsa_v3.pub")
        );
        // HCP Terraform's private-key upload check accepts it.
        let text = super::super::private::read_private_key_file(&target).unwrap();
        assert!(super::super::private::check_private_key_for_upload(&text).is_ok());
        // Never over an existing file, and the .ppk is left alone.
        let again = convert_file(&source, &target).unwrap_err();
        assert!(matches!(again, KeyError::AlreadyExists(_)), "{again:?}");
        assert_eq!(
            std::fs::read_to_string(&source).unwrap(),
            fixture("rsa_v3.ppk")
        );
    }

    #[test]
    fn the_puttygen_command_names_the_files_being_converted() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("my key.ppk");
        std::fs::write(&source, fixture("enc_v3.ppk")).unwrap();
        let target = dir.path().join("it's");
        let err = convert_file(&source, &target).unwrap_err().to_string();
        let expected = format!(
            "puttygen '{}' -O private-openssh -o '{}'",
            source.display(),
            target.display().to_string().replace('\'', "'\\''")
        );
        assert!(err.contains(&expected), "{err}");
        assert!(!target.exists());
    }

    #[test]
    fn encrypted_damaged_and_unsupported_files_say_why_and_give_nothing() {
        let err = to_openssh(&SecretString::new(fixture("enc_v3.ppk"))).unwrap_err();
        assert!(
            err.to_string()
                .contains("puttygen key.ppk -O private-openssh -o key"),
            "{err}"
        );
        let err = to_openssh(&SecretString::new(fixture("ecdsa_v3.ppk"))).unwrap_err();
        assert!(err.to_string().contains("puttygen"), "{err}");

        // One byte of the private half changed: not the pair any more.
        let text = fixture("ed25519_v3.ppk");
        let private_line = text.lines().nth(7).unwrap();
        let mut changed = private_line.to_string();
        let last = changed.pop().unwrap();
        changed.push(if last == 'A' { 'B' } else { 'A' });
        let damaged = text.replace(private_line, &changed);
        let err = to_openssh(&SecretString::new(damaged)).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        assert!(!err.to_string().contains(&changed), "{err}");

        // Truncated, a wrong header, a huge line count: refused, no panic.
        for bad in [
            text.lines().take(5).collect::<Vec<_>>().join("\n"),
            text.replace("PuTTY-User-Key-File-3", "PuTTY-User-Key-File-9"),
            text.replace("Public-Lines: 2", "Public-Lines: 99999999999"),
            "PuTTY-User-Key-File-3: ssh-ed25519\n".into(),
            String::new(),
        ] {
            assert!(read_public(&bad).is_err(), "{bad}");
            assert!(to_openssh(&SecretString::new(bad)).is_err());
        }
    }
}
