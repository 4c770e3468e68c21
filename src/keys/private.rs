//! Reading and checking private keys: OpenSSH and PEM (PKCS#1, PKCS#8, SEC1)
//! formats, encryption detection, and the public key each one belongs to.
//!
//! Private key text only ever lives in [`SecretString`]s or zeroizing
//! buffers, and no error message quotes it.

use std::io::Read;
use std::path::Path;

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, ObjectIdentifier, PrivateKeyInfo as Pkcs8Info, SecretDocument};
use ssh_key::PublicKey;
use ssh_key::public::{EcdsaPublicKey, KeyData};
use zeroize::Zeroizing;

use super::public::{ParsedPublicKey, from_key, parse_public_key};
use super::{KeyError, SecretString};

/// Largest private key file we read (an RSA-16384 OpenSSH key is ~13 KB).
pub const MAX_PRIVATE_KEY_FILE_BYTES: u64 = 64 * 1024;

/// The container format of a private key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivateKeyFormat {
    /// `-----BEGIN OPENSSH PRIVATE KEY-----`, what `ssh-keygen` writes by default.
    OpenSsh,
    /// `-----BEGIN RSA PRIVATE KEY-----`: PKCS#1 RSA (`ssh-keygen -m PEM`).
    PemRsa,
    /// `-----BEGIN PRIVATE KEY-----`: PKCS#8 (RSA, ECDSA or Ed25519).
    PemPkcs8,
    /// `-----BEGIN EC PRIVATE KEY-----`: SEC1 ECDSA (`ssh-keygen -t ecdsa -m PEM`).
    PemEc,
}

impl PrivateKeyFormat {
    /// True for the PEM formats (everything but OpenSSH's own).
    pub fn is_pem(self) -> bool {
        !matches!(self, Self::OpenSsh)
    }

    /// A short name for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Self::OpenSsh => "OpenSSH",
            Self::PemRsa => "PEM (PKCS#1 RSA)",
            Self::PemPkcs8 => "PEM (PKCS#8)",
            Self::PemEc => "PEM (SEC1 EC)",
        }
    }
}

/// What a private key is, as far as can be told (with or without a passphrase).
#[derive(Clone, Debug)]
pub struct PrivateKeyInfo {
    /// The container format.
    pub format: PrivateKeyFormat,
    /// True when the key is protected by a passphrase.
    pub encrypted: bool,
    /// The matching public key (its comment is empty for PEM keys and for
    /// encrypted OpenSSH keys read without the passphrase).
    pub public: ParsedPublicKey,
}

impl PrivateKeyInfo {
    /// True for a FIDO security-key stub (`sk-…` in an OpenSSH private key
    /// file): the file holds only a handle, the private key stays on the
    /// device. Its public half is shown, saved and uploaded like any other.
    pub fn held_on_security_key(&self) -> bool {
        self.public.is_security_key()
    }
}

/// Why HCP Terraform cannot use this key, if it cannot: its runners clone
/// with the key alone, so a security-key stub (whose private key never
/// leaves the device) cannot work there, and Git servers refuse DSA.
fn terraform_refusal(info: &PrivateKeyInfo) -> Option<String> {
    if info.held_on_security_key() {
        return Some(format!(
            "This {} key is held on a security key: the file is only a handle, and HCP Terraform has no security key to use it with. \
             Upload a key without a security key (for example RSA 4096 in PEM form) instead; nothing was sent",
            info.public.label
        ));
    }
    info.public
        .weakness()
        .filter(|_| matches!(info.public.kind, super::public::KeyKind::Dsa { .. }))
        .map(|why| format!("{why}; nothing was sent"))
}

/// A private key that HCP Terraform can use, with advice about it.
#[derive(Clone, Debug)]
pub struct UploadKeyCheck {
    /// What the key is.
    pub info: PrivateKeyInfo,
    /// Non-fatal advice to show the user (for example: not in PEM form).
    pub warnings: Vec<String>,
}

/// Detects the format, whether the key is encrypted, and derives the public
/// key.
///
/// With `passphrase` (non-empty), an encrypted OpenSSH key is decrypted, which
/// proves the passphrase ([`KeyError::WrongPassphrase`] if it is wrong).
/// Without one, an encrypted OpenSSH key still yields its info with
/// `encrypted = true`, because OpenSSH stores the public key unencrypted.
/// Encrypted PEM keys cannot be opened: [`KeyError::Encrypted`] without a
/// passphrase, [`KeyError::NotAPrivateKey`] explaining how to convert with one.
pub fn inspect_private_key(
    text: &SecretString,
    passphrase: Option<&SecretString>,
) -> Result<PrivateKeyInfo, KeyError> {
    let passphrase = passphrase.filter(|p| !p.is_empty());
    let block = find_pem_block(text.expose())?;
    match block.label.as_str() {
        "OPENSSH PRIVATE KEY" => inspect_openssh(&block, passphrase),
        "RSA PRIVATE KEY" => {
            refuse_encrypted_pem(&block, passphrase)?;
            let key = rsa::RsaPrivateKey::from_pkcs1_pem(&block.normalized).map_err(|err| {
                KeyError::NotAPrivateKey(format!("the RSA (PKCS#1) key data is damaged or incomplete ({err})"))
            })?;
            finish_pem(PrivateKeyFormat::PemRsa, rsa_public(&key)?)
        }
        "EC PRIVATE KEY" => {
            refuse_encrypted_pem(&block, passphrase)?;
            finish_pem(PrivateKeyFormat::PemEc, sec1_public(&block.normalized)?)
        }
        "PRIVATE KEY" => {
            refuse_encrypted_pem(&block, passphrase)?;
            finish_pem(PrivateKeyFormat::PemPkcs8, pkcs8_public(&block.normalized)?)
        }
        "ENCRYPTED PRIVATE KEY" => {
            refuse_encrypted_pem(&block, passphrase)?;
            // Unreachable in practice: the label itself marks it encrypted.
            Err(KeyError::Encrypted)
        }
        "DSA PRIVATE KEY" => Err(KeyError::UnsupportedAlgorithm("ssh-dss (DSA)".into())),
        "SSH2 ENCRYPTED PRIVATE KEY" => Err(KeyError::NotAPrivateKey(
            "this is an ssh.com (SSH2) key; convert it first with `ssh-keygen -i -f KEY > KEY.openssh`".into(),
        )),
        label if label.contains("PUBLIC KEY") => Err(KeyError::PublicKeyGiven),
        "CERTIFICATE" => Err(KeyError::NotAPrivateKey(
            "this is an X.509 certificate, not an SSH private key".into(),
        )),
        _ => Err(KeyError::NotAPrivateKey(
            "the -----BEGIN line names an unknown kind of key; expected OPENSSH, RSA, EC or PKCS#8 PRIVATE KEY"
                .into(),
        )),
    }
}

/// Checks a private key for an HCP Terraform SSH key: it must be a private
/// key and must not be passphrase-protected ([`KeyError::EncryptedNotAllowed`]).
/// Keys not in PEM form are accepted with a warning, since Terraform's docs
/// ask for PEM.
pub fn check_private_key_for_upload(text: &SecretString) -> Result<UploadKeyCheck, KeyError> {
    let info = match inspect_private_key(text, None) {
        Ok(info) if info.encrypted => return Err(KeyError::EncryptedNotAllowed),
        Ok(info) => info,
        Err(KeyError::Encrypted) => return Err(KeyError::EncryptedNotAllowed),
        Err(other) => return Err(other),
    };
    if let Some(reason) = terraform_refusal(&info) {
        return Err(KeyError::NotUsableHere(reason));
    }
    let mut warnings = Vec::new();
    if !info.format.is_pem() {
        if info.public.algorithm == "ssh-ed25519" {
            warnings.push(
                "HCP Terraform's documentation asks for a PEM private key, and ssh-keygen cannot write \
                 ed25519 keys as PEM. If Terraform rejects this key, use an RSA key in PEM form instead \
                 (generate \"RSA 4096\" with PEM encoding, or run `ssh-keygen -t rsa -b 4096 -m PEM -f KEY`)."
                    .to_string(),
            );
        } else {
            warnings.push(
                "This key is in OpenSSH format, but HCP Terraform's documentation asks for PEM. \
                 Convert a copy of it with `ssh-keygen -p -m PEM -N \"\" -f KEY`."
                    .to_string(),
            );
        }
    }
    Ok(UploadKeyCheck { info, warnings })
}

/// Reads a private key file (at most [`MAX_PRIVATE_KEY_FILE_BYTES`]) into a
/// zeroizing secret, with a clear error when it is missing, not a regular
/// file, too large or not text.
pub fn read_private_key_file(path: &Path) -> Result<SecretString, KeyError> {
    let shown = path.display().to_string();
    let metadata =
        std::fs::metadata(path).map_err(|err| KeyError::Unreadable(format!("{shown}: {err}")))?;
    if !metadata.is_file() {
        return Err(KeyError::Unreadable(format!(
            "{shown} is not a regular file"
        )));
    }
    if metadata.len() > MAX_PRIVATE_KEY_FILE_BYTES {
        return Err(KeyError::FileTooLarge {
            path: shown,
            limit: MAX_PRIVATE_KEY_FILE_BYTES,
        });
    }
    let file =
        std::fs::File::open(path).map_err(|err| KeyError::Unreadable(format!("{shown}: {err}")))?;
    // Zeroizing buffer sized up front so no reallocation leaves key bytes behind;
    // `take` guards against a file that grew after the size check.
    let mut bytes = Zeroizing::new(Vec::with_capacity(metadata.len() as usize + 1));
    file.take(MAX_PRIVATE_KEY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| KeyError::Unreadable(format!("{shown}: {err}")))?;
    if bytes.len() as u64 > MAX_PRIVATE_KEY_FILE_BYTES {
        return Err(KeyError::FileTooLarge {
            path: shown,
            limit: MAX_PRIVATE_KEY_FILE_BYTES,
        });
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| KeyError::Unreadable(format!("{shown} is not a text key file")))?;
    Ok(SecretString::new(text))
}

/// One `-----BEGIN X-----` … `-----END X-----` block, rebuilt in the layout
/// the decoders insist on: 70 Base64 columns for OpenSSH keys (what
/// `ssh-key` accepts), 64 for PEM (RFC 7468). OpenSSH itself reads any width,
/// and real keys arrive at 64, 76 (Python's `cryptography`) or unwrapped, with
/// CRLFs and indentation from pastes, so the input's own line breaks are
/// never trusted.
struct PemBlock {
    label: String,
    normalized: Zeroizing<String>,
    /// Header lines such as `Proc-Type: 4,ENCRYPTED` were present.
    proc_type_encrypted: bool,
}

const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_DASHES: &str = "-----";

fn find_pem_block(text: &str) -> Result<PemBlock, KeyError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(KeyError::Empty);
    }
    let Some(begin_at) = trimmed.find(PEM_BEGIN) else {
        return Err(classify_non_pem(trimmed));
    };
    let after_begin = &trimmed[begin_at + PEM_BEGIN.len()..];
    let incomplete = || {
        KeyError::NotAPrivateKey(
            "the -----BEGIN line is incomplete; copy the whole key again".into(),
        )
    };
    let label_len = after_begin.find(PEM_DASHES).ok_or_else(incomplete)?;
    let label = after_begin[..label_len].trim().to_string();
    if label.is_empty() || label.contains(['\n', '\r']) {
        return Err(incomplete());
    }
    let body_and_rest = &after_begin[label_len + PEM_DASHES.len()..];
    let end_marker = format!("-----END {label}-----");
    let Some(end_at) = body_and_rest.find(&end_marker) else {
        return Err(KeyError::NotAPrivateKey(
            if body_and_rest.contains(PEM_DASHES) {
                format!(
                    "the key block has no matching \"{end_marker}\" line; copy the whole key again"
                )
            } else {
                format!(
                    "the \"{end_marker}\" line is missing, so the key was cut off; copy the whole key again"
                )
            },
        ));
    };
    let body = &body_and_rest[..end_at];
    if body.contains(PEM_DASHES) {
        return Err(KeyError::NotAPrivateKey(format!(
            "the key block has no matching \"{end_marker}\" line; copy the whole key again"
        )));
    }
    if body_and_rest[end_at + end_marker.len()..].contains(PEM_BEGIN) {
        return Err(KeyError::NotAPrivateKey(
            "the text holds more than one key; give exactly one private key".into(),
        ));
    }

    let (base64, proc_type_encrypted) = block_base64(body)?;
    let width = if label == "OPENSSH PRIVATE KEY" {
        70
    } else {
        64
    };
    let normalized = rewrap_pem(&label, &base64, width);
    Ok(PemBlock {
        label,
        normalized,
        proc_type_encrypted,
    })
}

/// The Base64 of a PEM body with every line break and space removed, and
/// whether an RFC 1421 header marked it encrypted.
fn block_base64(body: &str) -> Result<(Zeroizing<String>, bool), KeyError> {
    let mut proc_type_encrypted = false;
    let mut base64 = Zeroizing::new(String::with_capacity(body.len()));
    for line in body.lines() {
        // Base64 has no colon, so a line with one is an RFC 1421 header
        // (`Proc-Type:`, `DEK-Info:`), not key data.
        if line.contains(':') {
            proc_type_encrypted |=
                line.trim().starts_with("Proc-Type:") && line.contains("ENCRYPTED");
            continue;
        }
        base64.extend(line.chars().filter(|c| !c.is_ascii_whitespace()));
    }
    if !base64
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return Err(KeyError::NotAPrivateKey(
            "the key data holds characters that are not Base64; copy the whole key again".into(),
        ));
    }
    Ok((base64, proc_type_encrypted))
}

/// A PEM block with `base64` wrapped at `width` columns.
fn rewrap_pem(label: &str, base64: &str, width: usize) -> Zeroizing<String> {
    let mut pem = Zeroizing::new(String::with_capacity(base64.len() * 66 / 64 + 96));
    pem.push_str(PEM_BEGIN);
    pem.push_str(label);
    pem.push_str("-----\n");
    for chunk in base64.as_bytes().chunks(width) {
        // Checked by the caller: every byte is ASCII, so any chunk is UTF-8.
        pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END ");
    pem.push_str(label);
    pem.push_str("-----\n");
    pem
}

/// Explains text that has no PEM block at all.
fn classify_non_pem(trimmed: &str) -> KeyError {
    let first = trimmed.split_whitespace().next().unwrap_or_default();
    if trimmed.starts_with("---- BEGIN SSH2 PUBLIC KEY")
        || first.starts_with("ssh-")
        || first.starts_with("ecdsa-")
        || first.starts_with("sk-")
        || parse_public_key(trimmed).is_ok()
    {
        return KeyError::PublicKeyGiven;
    }
    if trimmed.starts_with("PuTTY-User-Key-File") {
        return KeyError::NotAPrivateKey(
            "this is a PuTTY (.ppk) key; export it from PuTTYgen with Conversions > Export OpenSSH key".into(),
        );
    }
    KeyError::NotAPrivateKey(
        "a private key starts with a line like -----BEGIN OPENSSH PRIVATE KEY----- (open the key file without .pub)"
            .into(),
    )
}

fn inspect_openssh(
    block: &PemBlock,
    passphrase: Option<&SecretString>,
) -> Result<PrivateKeyInfo, KeyError> {
    let key = ssh_key::PrivateKey::from_openssh(block.normalized.as_bytes()).map_err(|err| {
        KeyError::NotAPrivateKey(format!(
            "the OpenSSH key data is damaged or incomplete ({err})"
        ))
    })?;
    if !key.is_encrypted() {
        return Ok(PrivateKeyInfo {
            format: PrivateKeyFormat::OpenSsh,
            encrypted: false,
            public: from_key(key.public_key())?,
        });
    }
    let public = match passphrase {
        None => from_key(key.public_key())?,
        Some(passphrase) => {
            let decrypted =
                key.decrypt(passphrase.expose().as_bytes())
                    .map_err(|err| match err {
                        // A wrong passphrase shows up as a failed integrity check.
                        ssh_key::Error::Crypto => KeyError::WrongPassphrase,
                        other => KeyError::NotAPrivateKey(format!(
                            "the key could not be decrypted ({other})"
                        )),
                    })?;
            from_key(decrypted.public_key())?
        }
    };
    Ok(PrivateKeyInfo {
        format: PrivateKeyFormat::OpenSsh,
        encrypted: true,
        public,
    })
}

fn refuse_encrypted_pem(
    block: &PemBlock,
    passphrase: Option<&SecretString>,
) -> Result<(), KeyError> {
    if !block.proc_type_encrypted && block.label != "ENCRYPTED PRIVATE KEY" {
        return Ok(());
    }
    match passphrase {
        None => Err(KeyError::Encrypted),
        Some(_) => Err(KeyError::NotAPrivateKey(
            "Keyfleet cannot open passphrase-protected PEM keys; rewrite a copy in OpenSSH format with \
             `ssh-keygen -p -f KEY` (it asks for the old and the new passphrase) and use that"
                .into(),
        )),
    }
}

fn finish_pem(format: PrivateKeyFormat, key: PublicKey) -> Result<PrivateKeyInfo, KeyError> {
    Ok(PrivateKeyInfo {
        format,
        encrypted: false,
        public: from_key(&key)?,
    })
}

fn rsa_public(key: &rsa::RsaPrivateKey) -> Result<PublicKey, KeyError> {
    let public = ssh_key::public::RsaPublicKey::try_from(key.to_public_key()).map_err(|err| {
        KeyError::NotAPrivateKey(format!("the RSA key is not usable for SSH ({err})"))
    })?;
    Ok(PublicKey::new(KeyData::Rsa(public), ""))
}

fn ecdsa_public(key: EcdsaPublicKey) -> PublicKey {
    PublicKey::new(KeyData::Ecdsa(key), "")
}

fn sec1_public(pem: &str) -> Result<PublicKey, KeyError> {
    if let Ok(secret) = p256::SecretKey::from_sec1_pem(pem) {
        let verifying = p256::ecdsa::VerifyingKey::from(secret.public_key());
        return Ok(ecdsa_public(EcdsaPublicKey::from(&verifying)));
    }
    if let Ok(secret) = p384::SecretKey::from_sec1_pem(pem) {
        let verifying = p384::ecdsa::VerifyingKey::from(secret.public_key());
        return Ok(ecdsa_public(EcdsaPublicKey::from(&verifying)));
    }
    Err(KeyError::NotAPrivateKey(
        "the EC key is damaged or on a curve Keyfleet does not read (P-256 and P-384 are supported)".into(),
    ))
}

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

fn pkcs8_public(pem: &str) -> Result<PublicKey, KeyError> {
    let damaged = |err: &dyn std::fmt::Display| {
        KeyError::NotAPrivateKey(format!(
            "the PKCS#8 key data is damaged or incomplete ({err})"
        ))
    };
    let (_, document) = SecretDocument::from_pem(pem).map_err(|err| damaged(&err))?;
    let der = document.as_bytes();
    let info = Pkcs8Info::try_from(der).map_err(|err| damaged(&err))?;
    let algorithm = info.algorithm.oid;
    if algorithm == OID_RSA {
        let key = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|err| damaged(&err))?;
        return rsa_public(&key);
    }
    if algorithm == OID_ED25519 {
        // The PKCS#8 payload is an OCTET STRING holding the 32-byte seed.
        let seed: [u8; 32] = match info.private_key {
            [0x04, 0x20, rest @ ..] => rest
                .try_into()
                .map_err(|_| damaged(&"wrong Ed25519 key length"))?,
            _ => return Err(damaged(&"unexpected Ed25519 key encoding")),
        };
        let keypair = ssh_key::private::Ed25519Keypair::from_seed(&seed);
        return Ok(PublicKey::new(KeyData::Ed25519(keypair.public), ""));
    }
    if algorithm == OID_EC_PUBLIC_KEY {
        let curve = info
            .algorithm
            .parameters_oid()
            .map_err(|err| damaged(&err))?;
        if curve == OID_P256 {
            let secret = p256::SecretKey::from_pkcs8_der(der).map_err(|err| damaged(&err))?;
            let verifying = p256::ecdsa::VerifyingKey::from(secret.public_key());
            return Ok(ecdsa_public(EcdsaPublicKey::from(&verifying)));
        }
        if curve == OID_P384 {
            let secret = p384::SecretKey::from_pkcs8_der(der).map_err(|err| damaged(&err))?;
            let verifying = p384::ecdsa::VerifyingKey::from(secret.public_key());
            return Ok(ecdsa_public(EcdsaPublicKey::from(&verifying)));
        }
        if curve == OID_P521 {
            return Err(KeyError::NotAPrivateKey(
                "P-521 keys in PKCS#8 form are not supported; convert a copy to OpenSSH format with \
                 `ssh-keygen -p -f KEY`"
                    .into(),
            ));
        }
        return Err(KeyError::UnsupportedAlgorithm(format!(
            "ECDSA on curve {curve}"
        )));
    }
    Err(KeyError::UnsupportedAlgorithm(format!(
        "PKCS#8 algorithm {algorithm}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway test key (generated by ssh-keygen for these tests only).
    const ED25519_OPENSSH: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACApiofUslfMvAD7q4j3e60ur4dZIKK5mCZsCGBmmm2rQQAAAJiaEgKomhIC
qAAAAAtzc2gtZWQyNTUxOQAAACApiofUslfMvAD7q4j3e60ur4dZIKK5mCZsCGBmmm2rQQ
AAAEA85x9b7qhspDrCBPpiCpcx1mEI86GO/OybsYksVqu7tymKh9SyV8y8APuriPd7rS6v
h1kgormYJmwIYGaabatBAAAAE3Rlc3RAa2V5ZmxlZXQubG9jYWwBAg==
-----END OPENSSH PRIVATE KEY-----
";
    const ED25519_PUBLIC: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB test@keyfleet.local";

    #[test]
    fn format_labels_and_pem_flags() {
        assert!(!PrivateKeyFormat::OpenSsh.is_pem());
        for format in [
            PrivateKeyFormat::PemRsa,
            PrivateKeyFormat::PemPkcs8,
            PrivateKeyFormat::PemEc,
        ] {
            assert!(format.is_pem());
            assert!(format.label().starts_with("PEM"));
        }
    }

    #[test]
    fn reads_an_indented_crlf_openssh_key() {
        let pasted: String = ED25519_OPENSSH
            .lines()
            .map(|line| format!("   {line}\r\n"))
            .collect();
        let info = inspect_private_key(&SecretString::new(pasted), None).unwrap();
        assert_eq!(info.format, PrivateKeyFormat::OpenSsh);
        assert!(!info.encrypted);
        assert_eq!(info.public.algorithm, "ssh-ed25519");
        assert_eq!(info.public.comment, "test@keyfleet.local");
        assert_eq!(info.public.openssh, ED25519_PUBLIC);
    }

    #[test]
    fn cut_off_key_is_reported_without_quoting_it() {
        let cut: String = ED25519_OPENSSH
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join("\n");
        let err = inspect_private_key(&SecretString::new(cut), None).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, KeyError::NotAPrivateKey(_)), "{err:?}");
        assert!(message.contains("cut off"), "{message}");
        assert!(
            !message.contains("b3BlbnNzaC1rZXkt") && !message.contains("QyNTUx"),
            "{message}"
        );
    }

    #[test]
    fn damaged_key_body_is_not_a_private_key() {
        let damaged = ED25519_OPENSSH.replace("QyNTUxOQAAACAp", "QyNTUxOQAAACAq!!");
        let err = inspect_private_key(&SecretString::new(damaged), None).unwrap_err();
        assert!(matches!(err, KeyError::NotAPrivateKey(_)), "{err:?}");
    }

    #[test]
    fn two_private_keys_are_refused() {
        let twice = format!("{ED25519_OPENSSH}{ED25519_OPENSSH}");
        let err = inspect_private_key(&SecretString::new(twice), None).unwrap_err();
        assert!(err.to_string().contains("more than one key"), "{err}");
    }

    #[test]
    fn non_keys_get_specific_errors() {
        type Expect = fn(&KeyError) -> bool;
        let cases: [(&str, Expect); 6] = [
            ("   \n ", |e| matches!(e, KeyError::Empty)),
            (ED25519_PUBLIC, |e| matches!(e, KeyError::PublicKeyGiven)),
            (
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
                |e| matches!(e, KeyError::PublicKeyGiven),
            ),
            (
                "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none",
                |e| matches!(e, KeyError::NotAPrivateKey(r) if r.contains("PuTTYgen")),
            ),
            (
                "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----",
                |e| matches!(e, KeyError::UnsupportedAlgorithm(_)),
            ),
            ("hello world", |e| matches!(e, KeyError::NotAPrivateKey(_))),
        ];
        for (text, expected) in cases {
            let err = inspect_private_key(&SecretString::new(text), None).unwrap_err();
            assert!(expected(&err), "{text:?} gave {err:?}");
        }
    }

    #[test]
    fn encrypted_pem_is_detected_but_not_opened() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let secret = SecretString::new(text);
        assert_eq!(
            inspect_private_key(&secret, None).unwrap_err(),
            KeyError::Encrypted
        );
        let with_pass = inspect_private_key(&secret, Some(&SecretString::new("pw"))).unwrap_err();
        assert!(
            matches!(with_pass, KeyError::NotAPrivateKey(ref r) if r.contains("ssh-keygen -p"))
        );
        assert_eq!(
            check_private_key_for_upload(&secret).unwrap_err(),
            KeyError::EncryptedNotAllowed
        );
        let pkcs8 =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(
            check_private_key_for_upload(&SecretString::new(pkcs8)).unwrap_err(),
            KeyError::EncryptedNotAllowed
        );
    }

    #[test]
    fn terraform_warns_about_openssh_ed25519() {
        let check = check_private_key_for_upload(&SecretString::new(ED25519_OPENSSH)).unwrap();
        assert_eq!(check.warnings.len(), 1);
        assert!(check.warnings[0].contains("PEM"));
    }

    #[test]
    fn private_key_file_limits() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; MAX_PRIVATE_KEY_FILE_BYTES as usize + 1]).unwrap();
        assert!(matches!(
            read_private_key_file(&big),
            Err(KeyError::FileTooLarge { .. })
        ));
        let binary = dir.path().join("binary");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        assert!(
            matches!(read_private_key_file(&binary), Err(KeyError::Unreadable(r)) if r.contains("not a text"))
        );
        assert!(
            matches!(read_private_key_file(dir.path()), Err(KeyError::Unreadable(r)) if r.contains("not a regular file"))
        );
        assert!(matches!(
            read_private_key_file(&dir.path().join("missing")),
            Err(KeyError::Unreadable(_))
        ));
        let good = dir.path().join("id_ed25519");
        std::fs::write(&good, ED25519_OPENSSH).unwrap();
        assert_eq!(
            read_private_key_file(&good).unwrap().expose(),
            ED25519_OPENSSH
        );
    }
}
