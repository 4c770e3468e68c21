//! Parsing and checking OpenSSH public keys, and their fingerprints.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use md5::Md5;
use sha2::{Digest, Sha256};
use ssh_key::PublicKey;
use ssh_key::public::KeyData;

use super::KeyError;

/// Largest public key file we read (an authorized_keys line is < 16 KB).
pub const MAX_PUBLIC_KEY_FILE_BYTES: u64 = 64 * 1024;

/// A public key that parsed, with what the tables show about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPublicKey {
    /// The key as one normalised OpenSSH line: `algorithm base64 [comment]`.
    pub openssh: String,
    /// Algorithm name, such as `ssh-ed25519`.
    pub algorithm: String,
    /// `SHA256:…`, as `ssh-keygen -l -E sha256` prints it.
    pub fingerprint_sha256: String,
    /// Colon-separated MD5 hex, as `ssh-keygen -l -E md5` prints it (without `MD5:`).
    pub fingerprint_md5: String,
    /// The comment after the key, possibly empty.
    pub comment: String,
    /// The type as `ssh-keygen -l` names it, with the size where keys of
    /// the type differ in size: `ED25519`, `RSA 4096`, `ECDSA P-521`,
    /// `ED25519-SK`, `DSA 1024`, `ED25519-CERT`. An algorithm OpenSSH does
    /// not know shows as its own name.
    pub label: Cow<'static, str>,
    /// The key's type (for a certificate: the certified key's type).
    pub kind: KeyKind,
    /// Set when the line is an OpenSSH certificate; the fingerprints are
    /// then those of the key it certifies, as `ssh-keygen -l` prints them.
    pub certificate: Option<Box<CertificateInfo>>,
}

/// What kind of key a public key is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// `ssh-ed25519`.
    Ed25519,
    /// `ssh-rsa`, with the modulus size in bits.
    Rsa {
        /// Modulus bits, as `ssh-keygen -l` counts them.
        bits: u32,
    },
    /// `ecdsa-sha2-nistp*`, with the curve size in bits (256, 384, 521).
    Ecdsa {
        /// Curve size in bits.
        bits: u32,
    },
    /// `ssh-dss`, with the size of its prime `p` in bits.
    Dsa {
        /// Bits of `p`.
        bits: u32,
    },
    /// `sk-ssh-ed25519@openssh.com`: Ed25519 held on a FIDO security key.
    SkEd25519,
    /// `sk-ecdsa-sha2-nistp256@openssh.com`: ECDSA P-256 held on a FIDO security key.
    SkEcdsa,
    /// An algorithm Keyfleet does not know; its fingerprints are still the
    /// hashes of its key data.
    Other,
}

impl KeyKind {
    /// The type name `ssh-keygen -l` prints in parentheses (`None` for an
    /// unknown algorithm).
    pub fn openssh_name(self) -> Option<&'static str> {
        Some(match self {
            Self::Ed25519 => "ED25519",
            Self::Rsa { .. } => "RSA",
            Self::Ecdsa { .. } => "ECDSA",
            Self::Dsa { .. } => "DSA",
            Self::SkEd25519 => "ED25519-SK",
            Self::SkEcdsa => "ECDSA-SK",
            Self::Other => return None,
        })
    }

    /// True for keys whose private half lives on a FIDO/U2F security key.
    pub fn is_security_key(self) -> bool {
        matches!(self, Self::SkEd25519 | Self::SkEcdsa)
    }

    /// Why keys of this kind are weak, if they are.
    pub fn weakness(self) -> Option<&'static str> {
        match self {
            Self::Dsa { .. } => Some(DSA_REASON),
            Self::Rsa { bits } if bits < 2048 => Some(
                "RSA keys shorter than 2048 bits are weak; OpenSSH refuses those under 1024 bits. Replace it with an Ed25519 key",
            ),
            _ => None,
        }
    }

    /// The label without the certificate marker, e.g. `RSA 4096`. Common
    /// labels are static, so the fast path allocates nothing for them.
    fn label(self, certificate: bool, algorithm: &str) -> Cow<'static, str> {
        let Some(name) = self.openssh_name() else {
            return Cow::Owned(algorithm.to_string());
        };
        let size = match self {
            Self::Rsa { bits } | Self::Dsa { bits } => Some(bits.to_string()),
            Self::Ecdsa { bits } => Some(format!("P-{bits}")),
            _ => None,
        };
        if !certificate {
            let common = match (self, size.as_deref()) {
                (_, None) => Some(name),
                (Self::Rsa { bits: 2048 }, _) => Some("RSA 2048"),
                (Self::Rsa { bits: 3072 }, _) => Some("RSA 3072"),
                (Self::Rsa { bits: 4096 }, _) => Some("RSA 4096"),
                (Self::Ecdsa { bits: 256 }, _) => Some("ECDSA P-256"),
                (Self::Ecdsa { bits: 384 }, _) => Some("ECDSA P-384"),
                (Self::Ecdsa { bits: 521 }, _) => Some("ECDSA P-521"),
                _ => None,
            };
            if let Some(common) = common {
                return Cow::Borrowed(common);
            }
        }
        let marker = if certificate { "-CERT" } else { "" };
        Cow::Owned(match size {
            Some(size) => format!("{name}{marker} {size}"),
            None => format!("{name}{marker}"),
        })
    }

    /// The kind of decoded key data.
    fn of(key: &KeyData) -> Self {
        match key {
            KeyData::Ed25519(_) => Self::Ed25519,
            KeyData::Rsa(rsa) => Self::Rsa {
                bits: mpint_bits(&rsa.n),
            },
            KeyData::Ecdsa(ecdsa) => Self::Ecdsa {
                bits: match ecdsa.curve() {
                    ssh_key::EcdsaCurve::NistP256 => 256,
                    ssh_key::EcdsaCurve::NistP384 => 384,
                    ssh_key::EcdsaCurve::NistP521 => 521,
                },
            },
            KeyData::Dsa(dsa) => Self::Dsa {
                bits: mpint_bits(&dsa.p),
            },
            KeyData::SkEd25519(_) => Self::SkEd25519,
            KeyData::SkEcdsaSha2NistP256(_) => Self::SkEcdsa,
            _ => Self::Other,
        }
    }
}

/// Why DSA keys are listed but never uploaded.
const DSA_REASON: &str = "DSA (ssh-dss) keys are weak: OpenSSH disabled them by default in 2015 (7.0) and removed DSA from its default build in 2024 (9.8), so current servers refuse them. Replace it with an Ed25519 key";

/// Bits of a positive multiple-precision integer, as OpenSSL's
/// `BN_num_bits` counts them (what `ssh-keygen -l` prints).
fn mpint_bits(value: &ssh_key::Mpint) -> u32 {
    let bytes = value.as_positive_bytes().unwrap_or_default();
    match bytes.iter().position(|&byte| byte != 0) {
        Some(first) => {
            let significant = &bytes[first..];
            (significant.len() as u32 - 1) * 8 + (8 - significant[0].leading_zeros())
        }
        None => 0,
    }
}

/// What an OpenSSH certificate says about the key it certifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    /// `user` or `host`.
    pub cert_type: &'static str,
    /// The key id the CA gave it.
    pub key_id: String,
    /// The serial number.
    pub serial: u64,
    /// Principals (user or host names) it is valid for; empty means any.
    pub principals: Vec<String>,
    /// Valid from, Unix seconds (0: always).
    pub valid_after: u64,
    /// Valid until, Unix seconds (`u64::MAX`: forever).
    pub valid_before: u64,
    /// The certified key as one OpenSSH line (with the certificate's comment).
    pub key_openssh: String,
    /// The signing CA's label and SHA256 fingerprint, e.g. `ED25519 SHA256:…`.
    pub signed_by: String,
}

impl CertificateInfo {
    /// One line for tooltips and the add-key dialog, e.g. `user certificate
    /// "id" for alice, bob; valid 2026-01-01 00:00 UTC to forever; signed by
    /// CA ED25519 SHA256:…`.
    pub fn summary(&self) -> String {
        let principals = if self.principals.is_empty() {
            "any principal".to_string()
        } else {
            self.principals.join(", ")
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let status = if now >= self.valid_before {
            " (expired)"
        } else if now < self.valid_after {
            " (not yet valid)"
        } else {
            ""
        };
        format!(
            "{} certificate \"{}\" (serial {}) for {principals}; valid {} to {}{status}; signed by CA {}",
            self.cert_type,
            self.key_id,
            self.serial,
            format_time(self.valid_after, "always"),
            format_time(self.valid_before, "forever"),
            self.signed_by,
        )
    }
}

/// A certificate time as `YYYY-MM-DD HH:MM UTC`; `open` for the values
/// OpenSSH uses for "no limit".
fn format_time(secs: u64, open: &str) -> String {
    if secs == 0 || secs == u64::MAX {
        return open.to_string();
    }
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    i64::try_from(secs)
        .ok()
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_else(|| format!("{secs} (Unix time)"))
}

impl ParsedPublicKey {
    /// True for keys held on a FIDO/U2F security key.
    pub fn is_security_key(&self) -> bool {
        self.kind.is_security_key()
    }

    /// Why the key is weak, if it is (shown as a marker in the table).
    pub fn weakness(&self) -> Option<&'static str> {
        self.kind.weakness()
    }

    /// Why this key must not be uploaded as an SSH key anywhere, before
    /// anything is sent: DSA, certificates and unknown algorithms.
    pub fn upload_refusal(&self) -> Option<String> {
        if self.certificate.is_some() {
            return Some(format!(
                "This is an SSH certificate ({}), not a public key: servers trust it through its CA, not as an authorized key. \
                 Upload the key it certifies instead (the .pub file without -cert, {})",
                self.label, self.fingerprint_sha256
            ));
        }
        match self.kind {
            KeyKind::Dsa { .. } => Some(format!("{DSA_REASON}; it was not uploaded")),
            KeyKind::Other => Some(format!(
                "Keys of type {} are unknown to OpenSSH's key tools, so Keyfleet does not upload them; use ed25519, ecdsa, rsa or a security key (ed25519-sk)",
                shorten(&self.algorithm, 60)
            )),
            _ => None,
        }
    }

    /// Extra facts for a tooltip: certificate details, "held on a
    /// security key", or why the key is weak.
    pub fn details(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(certificate) = &self.certificate {
            parts.push(certificate.summary());
        }
        if self.is_security_key() {
            parts.push(
                "Held on a FIDO security key: using it needs the device (and usually a touch)."
                    .to_string(),
            );
        }
        if let Some(weakness) = self.weakness() {
            parts.push(format!("⚠ {weakness}."));
        }
        (!parts.is_empty()).then(|| parts.join("\n"))
    }
}

/// Parses one OpenSSH public key line, with a specific message for each
/// common mistake (empty input, a private key, two keys, garbage).
pub fn parse_public_key(text: &str) -> Result<ParsedPublicKey, KeyError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(KeyError::Empty);
    }
    if trimmed.contains("PRIVATE KEY") || trimmed.starts_with("PuTTY-User-Key-File") {
        return Err(KeyError::PrivateKeyGiven);
    }
    if trimmed.starts_with("---- BEGIN SSH2 PUBLIC KEY") {
        return Err(KeyError::NotAPublicKey(
            "this is an SSH2 (RFC 4716) public key; convert it to one OpenSSH line with `ssh-keygen -i -f FILE`".into(),
        ));
    }
    if trimmed.starts_with("-----BEGIN PUBLIC KEY-----")
        || trimmed.starts_with("-----BEGIN RSA PUBLIC KEY-----")
    {
        return Err(KeyError::NotAPublicKey(
            "this is a PEM public key; convert it to an OpenSSH line with `ssh-keygen -i -m PKCS8 -f FILE`".into(),
        ));
    }
    let mut lines = trimmed
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'));
    let line = lines.next().unwrap_or_default();
    let more = lines.count();
    if more > 0 {
        return Err(KeyError::MultipleKeys(more + 1));
    }
    let first = line.split_whitespace().next().unwrap_or_default();
    // ssh-key would read a certificate as an opaque key of an unknown
    // algorithm, hashing the whole certificate: take it apart here.
    if first.ends_with(CERT_SUFFIX) {
        return parse_certificate(line);
    }
    if let Some(parsed) = parse_line_fast(line) {
        return Ok(parsed);
    }
    let key = match PublicKey::from_openssh(line) {
        Ok(key) => key,
        Err(err) => {
            if let Some(parsed) = parse_unknown(line) {
                return Ok(parsed);
            }
            return Err(
                if first.starts_with("ssh-")
                    || first.starts_with("ecdsa-")
                    || first.starts_with("sk-")
                {
                    KeyError::NotAPublicKey(format!(
                        "the \"{}\" key data is damaged or incomplete ({err})",
                        shorten(first, 40)
                    ))
                } else {
                    KeyError::NotAPublicKey(
                        "it should start with ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256/384/521 (or sk-ssh-ed25519@openssh.com for a security key)".into(),
                    )
                },
            );
        }
    };
    from_key(&key)
}

/// Builds the parsed form of an already decoded key, of any algorithm.
pub fn from_key(key: &PublicKey) -> Result<ParsedPublicKey, KeyError> {
    let algorithm = key.algorithm();
    let blob = key
        .to_bytes()
        .map_err(|err| KeyError::NotAPublicKey(err.to_string()))?;
    let kind = KeyKind::of(key.key_data());
    Ok(parsed(
        algorithm.as_str(),
        &STANDARD.encode(&blob),
        &blob,
        key.comment(),
        kind,
    ))
}

/// Suffix of every OpenSSH certificate algorithm name.
const CERT_SUFFIX: &str = "-cert-v01@openssh.com";

/// The parsed form from the key blob and its base64 text: the OpenSSH line
/// and both fingerprints all come from the one blob.
fn parsed(
    algorithm: &str,
    base64: &str,
    blob: &[u8],
    comment: &str,
    kind: KeyKind,
) -> ParsedPublicKey {
    let mut openssh = String::with_capacity(algorithm.len() + base64.len() + comment.len() + 2);
    openssh.push_str(algorithm);
    openssh.push(' ');
    openssh.push_str(base64);
    if !comment.is_empty() {
        openssh.push(' ');
        openssh.push_str(comment);
    }
    ParsedPublicKey {
        openssh,
        algorithm: algorithm.to_string(),
        fingerprint_sha256: sha256_of_blob(blob),
        fingerprint_md5: md5_of_blob(blob),
        comment: comment.to_string(),
        label: kind.label(false, algorithm),
        kind,
        certificate: None,
    }
}

/// Parses `algorithm base64 [comment]` exactly like
/// [`PublicKey::from_openssh`] followed by [`from_key`] (a test checks
/// this on damaged input), but fast: listing an account fingerprints every
/// key, and ssh-key's constant-time base64 (meant for secrets) and
/// re-encoding made that slower than `ssh-keygen -l`. Returns `None` for
/// anything else, which then goes the slow way for its error message.
fn parse_line_fast(line: &str) -> Option<ParsedPublicKey> {
    // ssh-key's layout: single spaces separate the algorithm, the base64
    // data and the rest (the comment, trailing space trimmed).
    let line = line.trim_end();
    let (algorithm, rest) = line.split_once(' ')?;
    let (data, comment) = rest.split_once(' ').unwrap_or((rest, ""));
    if algorithm.is_empty() || data.is_empty() {
        return None;
    }
    // Strict base64 (canonical padding, no stray bits), so `data` is the one
    // encoding of `blob` and serves as the normalised line's middle. Most
    // keys fit the stack buffer (RSA-4096 needs 535 bytes).
    let mut buffer = [0u8; 1024];
    let heap;
    let blob: &[u8] = match STANDARD.decode_slice(data, &mut buffer) {
        Ok(len) => &buffer[..len],
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            heap = STANDARD.decode(data).ok()?;
            &heap
        }
        Err(_) => return None,
    };
    // An Ed25519 blob in canonical layout is a valid ssh-ed25519 key for
    // ssh-key whatever its 32 key bytes: no need to decode it.
    const ED25519_PREFIX: &[u8] = b"\0\0\0\x0bssh-ed25519\0\0\0\x20";
    if blob.len() == 51 && blob.starts_with(ED25519_PREFIX) {
        return (algorithm == "ssh-ed25519")
            .then(|| parsed(algorithm, data, blob, comment, KeyKind::Ed25519));
    }
    let key = PublicKey::from_bytes(blob).ok()?;
    // Unknown algorithms (and certificates, which ssh-key would read as
    // one) take the slow way.
    let kind = KeyKind::of(key.key_data());
    if kind == KeyKind::Other || key.algorithm().as_str() != algorithm {
        return None;
    }
    // ssh-key's decoder tolerates some odd length fields that re-encoding
    // then corrects, and the fingerprints are of the re-encoded key (as
    // ssh-keygen's are): only an already canonical blob may be used as is.
    if !key.to_bytes().is_ok_and(|encoded| encoded == blob) {
        return None;
    }
    Some(parsed(algorithm, data, blob, comment, kind))
}

/// Splits `algorithm base64 [comment]` the way ssh-key does and decodes
/// the base64 strictly.
fn split_line(line: &str) -> Option<(&str, &str, Vec<u8>, &str)> {
    let line = line.trim_end();
    let (algorithm, rest) = line.split_once(' ')?;
    let (data, comment) = rest.split_once(' ').unwrap_or((rest, ""));
    if algorithm.is_empty() || data.is_empty() {
        return None;
    }
    let blob = STANDARD.decode(data).ok()?;
    Some((algorithm, data, blob, comment))
}

/// A line of an algorithm ssh-key cannot decode (such as
/// `ssh-xmss@openssh.com`) is still listed when it is well formed: its key
/// data is a sequence of SSH strings, the first naming the algorithm.
/// Fingerprints are hashes of the data whatever the algorithm.
fn parse_unknown(line: &str) -> Option<ParsedPublicKey> {
    let (algorithm, data, blob, comment) = split_line(line)?;
    let printable = |name: &str| {
        !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_graphic())
    };
    // A known algorithm that failed to decode is damaged, not unknown.
    let known = !matches!(
        ssh_key::Algorithm::new(algorithm),
        Ok(ssh_key::Algorithm::Other(_)) | Err(_)
    );
    if known || !printable(algorithm) || algorithm.ends_with(CERT_SUFFIX) {
        return None;
    }
    let mut reader = WireReader(&blob);
    if reader.string()? != algorithm.as_bytes() {
        return None;
    }
    while !reader.0.is_empty() {
        reader.string()?;
    }
    Some(parsed(algorithm, data, &blob, comment, KeyKind::Other))
}

/// Reads SSH wire-format fields (RFC 4251 § 5) from a byte slice, never
/// past its end.
struct WireReader<'a>(&'a [u8]);

impl<'a> WireReader<'a> {
    fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        if self.0.len() < len {
            return None;
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.bytes(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.bytes(8)?.try_into().ok()?))
    }

    /// A `string` (also an `mpint`): a u32 length, then that many bytes.
    fn string(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u32()?).ok()?;
        self.bytes(len)
    }
}

/// Certificate algorithm, the plain key's algorithm, and how many
/// length-prefixed fields the key has inside the certificate
/// (PROTOCOL.certkeys and PROTOCOL.u2f).
const CERT_TYPES: [(&str, &str, usize); 8] = [
    ("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", 1),
    ("ssh-rsa-cert-v01@openssh.com", "ssh-rsa", 2),
    (
        "ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256",
        2,
    ),
    (
        "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp384",
        2,
    ),
    (
        "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521",
        2,
    ),
    ("ssh-dss-cert-v01@openssh.com", "ssh-dss", 4),
    (
        "sk-ssh-ed25519-cert-v01@openssh.com",
        "sk-ssh-ed25519@openssh.com",
        2,
    ),
    (
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
        3,
    ),
];

/// Parses an OpenSSH certificate line. Its own reader rather than
/// `ssh_key::Certificate`: that one refuses certificates valid "forever"
/// (valid-before 2^64-1, ssh-keygen's default), which are common.
fn parse_certificate(line: &str) -> Result<ParsedPublicKey, KeyError> {
    let damaged = |why: &str| {
        let first = line.split_whitespace().next().unwrap_or_default();
        KeyError::NotAPublicKey(format!(
            "the \"{}\" certificate is damaged or incomplete ({why})",
            shorten(first, 48)
        ))
    };
    let (algorithm, data, blob, comment) =
        split_line(line).ok_or_else(|| damaged("its base64 data does not decode"))?;
    let Some(&(_, plain_algorithm, fields)) =
        CERT_TYPES.iter().find(|(name, _, _)| *name == algorithm)
    else {
        return Err(KeyError::UnsupportedAlgorithm(shorten(algorithm, 60)));
    };
    let truncated = || damaged("it is cut short");
    let mut reader = WireReader(&blob);
    if reader.string().ok_or_else(truncated)? != algorithm.as_bytes() {
        return Err(damaged("its data names another key type"));
    }
    reader.string().ok_or_else(truncated)?; // nonce
    let key_start = reader.0;
    for _ in 0..fields {
        reader.string().ok_or_else(truncated)?;
    }
    let key_fields = &key_start[..key_start.len() - reader.0.len()];
    let serial = reader.u64().ok_or_else(truncated)?;
    let cert_type = match reader.u32().ok_or_else(truncated)? {
        1 => "user",
        2 => "host",
        _ => return Err(damaged("its certificate type is neither user nor host")),
    };
    let key_id = String::from_utf8_lossy(reader.string().ok_or_else(truncated)?).into_owned();
    let mut principals_reader = WireReader(reader.string().ok_or_else(truncated)?);
    let mut principals = Vec::new();
    while !principals_reader.0.is_empty() {
        let principal = principals_reader.string().ok_or_else(truncated)?;
        principals.push(String::from_utf8_lossy(principal).into_owned());
    }
    let valid_after = reader.u64().ok_or_else(truncated)?;
    let valid_before = reader.u64().ok_or_else(truncated)?;
    for _ in 0..3 {
        reader.string().ok_or_else(truncated)?; // critical options, extensions, reserved
    }
    let ca = reader.string().ok_or_else(truncated)?;
    reader.string().ok_or_else(truncated)?; // signature
    if !reader.0.is_empty() {
        return Err(damaged("it has extra data at the end"));
    }
    let ca = PublicKey::from_bytes(ca).map_err(|_| damaged("its CA key does not decode"))?;
    let ca = from_key(&ca)?;

    // The certified key on its own: what ssh-keygen fingerprints.
    let mut plain = Vec::with_capacity(4 + plain_algorithm.len() + key_fields.len());
    plain.extend_from_slice(&(plain_algorithm.len() as u32).to_be_bytes());
    plain.extend_from_slice(plain_algorithm.as_bytes());
    plain.extend_from_slice(key_fields);
    let mut key = PublicKey::from_bytes(&plain)
        .map_err(|err| damaged(&format!("the key it certifies does not decode: {err}")))?;
    key.set_comment(comment);
    let key = from_key(&key)?;

    let mut result = parsed(algorithm, data, &blob, comment, key.kind);
    result.fingerprint_sha256 = key.fingerprint_sha256;
    result.fingerprint_md5 = key.fingerprint_md5;
    result.label = key.kind.label(true, algorithm);
    result.certificate = Some(Box::new(CertificateInfo {
        cert_type,
        key_id,
        serial,
        principals,
        valid_after,
        valid_before,
        key_openssh: key.openssh,
        signed_by: format!("{} {}", ca.label, ca.fingerprint_sha256),
    }));
    Ok(result)
}

/// `SHA256:<base64>` of the key blob.
pub fn fingerprint_sha256(key: &PublicKey) -> String {
    sha256_of_blob(&key.to_bytes().unwrap_or_default())
}

/// Colon hex MD5 of the key blob (the legacy form Gcore shows).
pub fn fingerprint_md5(key: &PublicKey) -> String {
    // The blob is the key data alone (no comment), as ssh-keygen hashes it.
    md5_of_blob(&key.to_bytes().unwrap_or_default())
}

/// `SHA256:` and the unpadded base64 digest, as `ssh-keygen -l` prints it.
fn sha256_of_blob(blob: &[u8]) -> String {
    let mut out = String::with_capacity(50);
    out.push_str("SHA256:");
    STANDARD_NO_PAD.encode_string(Sha256::digest(blob), &mut out);
    out
}

fn md5_of_blob(blob: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Md5::digest(blob);
    // "xx:" per byte, without the last colon.
    let mut out = [b':'; 48];
    for (i, byte) in digest.iter().enumerate() {
        out[i * 3] = HEX[usize::from(byte >> 4)];
        out[i * 3 + 1] = HEX[usize::from(byte & 0x0f)];
    }
    String::from_utf8_lossy(&out[..47]).into_owned()
}

/// Reads and parses a `.pub` file, refusing unreadable or oversized files.
pub fn read_public_key_file(path: &std::path::Path) -> Result<ParsedPublicKey, KeyError> {
    let text = super::read_small_text_file(path, MAX_PUBLIC_KEY_FILE_BYTES)?;
    parse_public_key(&text)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Generated once: RSA key generation is slow.
    static SAMPLE_LINES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

    /// A throwaway key generated by ssh-keygen for these tests.
    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB test@keyfleet.local";
    /// `ssh-keygen -l -E sha256` of [`ED25519`].
    const ED25519_SHA256: &str = "SHA256:/0ANFQW2kyjkt6GDNlS8EXRBpxK7IpBgphofzu/m9eI";
    /// `ssh-keygen -l -E md5` of [`ED25519`], without `MD5:`.
    const ED25519_MD5: &str = "6a:3b:57:75:ae:ae:02:79:51:2a:c9:71:af:5a:76:6f";

    #[test]
    fn parses_a_key_with_fingerprints() {
        let key = parse_public_key(&format!("  \n# my key\n{ED25519}\r\n\n")).unwrap();
        assert_eq!(key.openssh, ED25519);
        assert_eq!(key.algorithm, "ssh-ed25519");
        assert_eq!(key.comment, "test@keyfleet.local");
        assert_eq!(key.fingerprint_sha256, ED25519_SHA256);
        assert_eq!(key.fingerprint_md5, ED25519_MD5);
    }

    #[test]
    fn empty_input() {
        assert_eq!(parse_public_key(""), Err(KeyError::Empty));
        assert_eq!(parse_public_key(" \n\t "), Err(KeyError::Empty));
    }

    #[test]
    fn private_keys_are_refused_without_echoing_them() {
        let pasted = [
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUSECRETSECRET\n-----END OPENSSH PRIVATE KEY-----\n",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEASECRETSECRET\n-----END RSA PRIVATE KEY-----\n",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEISECRETSECRET\n-----END PRIVATE KEY-----\n",
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nSECRETSECRET\n",
        ];
        for text in pasted {
            let err = parse_public_key(text).unwrap_err();
            assert_eq!(err, KeyError::PrivateKeyGiven, "{text}");
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("SECRETSECRET"), "{shown}");
        }
    }

    #[test]
    fn two_keys() {
        let text = format!("{ED25519}\n{ED25519}");
        assert_eq!(parse_public_key(&text), Err(KeyError::MultipleKeys(2)));
    }

    #[test]
    fn garbage() {
        let err = parse_public_key("hello there, this is not a key").unwrap_err();
        assert!(
            matches!(err, KeyError::NotAPublicKey(ref r) if r.contains("should start with")),
            "{err:?}"
        );
        assert!(!err.to_string().contains("hello"));
    }

    #[test]
    fn truncated_base64() {
        let cut = &ED25519[..40];
        let err = parse_public_key(cut).unwrap_err();
        assert!(
            matches!(err, KeyError::NotAPublicKey(ref r) if r.contains("damaged or incomplete")),
            "{err:?}"
        );
        let err =
            parse_public_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kg")
                .unwrap_err();
        assert!(matches!(err, KeyError::NotAPublicKey(_)), "{err:?}");
    }

    #[test]
    fn dsa_is_listed_weak_and_not_uploadable() {
        // A real 1024-bit DSA key (ssh-keygen -t dsa), kept only for this test.
        let dsa = "ssh-dss AAAAB3NzaC1kc3MAAACBAO9jUNc8nF8m3vZrQeURKpYFCHGLC3sHxBndMsGMwbGpnpxGRZTvaydlU6AtFBAr2NINNQx+32o9kPQ4xEt0Q7fxwA+2kmq82Czf53mb5tj8hPM8mN39cYdEsVrow9kxkSxhQr3V6gzG5yTIOXcB7D4PdYy2uOYn0UZXdY9NS5tlAAAAFQC3HXlIZbXO7VHdtmBu0VssZXZHWQAAAIAI9TRbod6qVYkqD3FgwsEuFdbx2iC1BaCF/qmQTd/C3Roe4Oog0GDdsS51MILg+YIO5A1oGHSRAenPAa1LNUL3yAHHpFy6i5J55owmi+rxxNzCywH/3/YIR/7qLbm5y6V1Es5O94inlybYjtXvVjdcaYSMp5ghDvZKqANKuAxdMQAAAIEAxuJpwi6SWzEh8eE7ySR8Tdk26Vj9WxEeK9WKi54TemST41DEelQCshFKdWp+plxYRxb3NQpNCv1LG/1Si/VstW+4rqYjoaFopOfZOXOZKNRZaWv06KoT6iAlV/1WzaUz9tON0ACovp5cPUZmD8RI1FOooLb6egV0xM/nsds8Gh4= dsa@test";
        let parsed = parse_public_key(dsa).unwrap();
        assert_eq!(parsed.algorithm, "ssh-dss");
        assert_eq!(parsed.label, "DSA 1024");
        assert_eq!(parsed.kind, KeyKind::Dsa { bits: 1024 });
        assert!(parsed.weakness().is_some_and(|why| why.contains("2015")));
        assert!(
            parsed
                .upload_refusal()
                .is_some_and(|why| why.contains("removed DSA from its default build in 2024"))
        );
        assert!(parsed.details().is_some_and(|text| text.contains('⚠')));
    }

    #[test]
    fn other_public_key_formats_get_conversion_advice() {
        let ssh2 =
            "---- BEGIN SSH2 PUBLIC KEY ----\nAAAAC3NzaC1lZDI1NTE5\n---- END SSH2 PUBLIC KEY ----";
        assert!(
            matches!(parse_public_key(ssh2), Err(KeyError::NotAPublicKey(r)) if r.contains("ssh-keygen -i"))
        );
        let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----";
        assert!(
            matches!(parse_public_key(pem), Err(KeyError::NotAPublicKey(r)) if r.contains("PKCS8"))
        );
    }

    #[test]
    fn public_key_file_is_read_and_limited() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pub");
        std::fs::write(&path, format!("{ED25519}\n")).unwrap();
        assert_eq!(read_public_key_file(&path).unwrap().openssh, ED25519);
        std::fs::write(&path, vec![b'a'; MAX_PUBLIC_KEY_FILE_BYTES as usize + 1]).unwrap();
        assert!(matches!(
            read_public_key_file(&path),
            Err(KeyError::FileTooLarge { .. })
        ));
    }

    /// Public keys of every supported algorithm, with and without comments.
    fn sample_lines() -> Vec<String> {
        use ssh_key::{Algorithm, EcdsaCurve, PrivateKey, rand_core::OsRng};
        let algorithms = [
            Algorithm::Ed25519,
            Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP256,
            },
            Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP384,
            },
        ];
        let mut keys: Vec<PublicKey> = algorithms
            .into_iter()
            .map(|algorithm| {
                PrivateKey::random(&mut OsRng, algorithm)
                    .unwrap()
                    .public_key()
                    .clone()
            })
            .collect();
        let rsa = ssh_key::private::RsaKeypair::random(&mut OsRng, 2048).unwrap();
        keys.push(PublicKey::from(ssh_key::public::KeyData::from(
            ssh_key::public::RsaPublicKey::from(&rsa),
        )));
        let mut lines = Vec::new();
        for mut key in keys {
            for comment in ["", "user@host", "two words  and\ttab é"] {
                key.set_comment(comment);
                lines.push(key.to_openssh().unwrap());
            }
        }
        lines
    }

    #[test]
    fn fast_decoding_matches_ssh_key() {
        for line in sample_lines() {
            let reference = PublicKey::from_openssh(&line).unwrap();
            let fast = parse_line_fast(&line).expect("the fast path takes well-formed keys");
            assert_eq!(fast, from_key(&reference).unwrap(), "{line}");
            let parsed = parse_public_key(&format!("  {line}  \n")).unwrap();
            assert_eq!(parsed, fast);
            assert_eq!(parsed.openssh, reference.to_openssh().unwrap());
            assert_eq!(
                parsed.fingerprint_sha256,
                reference.fingerprint(ssh_key::HashAlg::Sha256).to_string()
            );
            assert_eq!(parsed.algorithm, reference.algorithm().as_str());
            assert_eq!(parsed.comment, reference.comment());
            let blob = reference.to_bytes().unwrap();
            let md5: Vec<String> = Md5::digest(&blob)
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            assert_eq!(parsed.fingerprint_md5, md5.join(":"));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Whatever the fast path accepts, ssh-key accepts, with the same
        /// result: damaged lines must not parse differently than before.
        #[test]
        fn fast_decoding_never_accepts_more(
            pick in 0usize..64,
            position in any::<proptest::sample::Index>(),
            replacement in proptest::sample::select(b"A/+=@.-_ \t0z".to_vec()),
            cut in any::<bool>(),
        ) {
            let lines = SAMPLE_LINES.get_or_init(sample_lines);
            let line = &lines[pick % lines.len()];
            let mut bytes = line.as_bytes().to_vec();
            let at = position.index(bytes.len());
            if cut {
                bytes.truncate(at);
            } else {
                bytes[at] = replacement;
            }
            let damaged = String::from_utf8_lossy(&bytes).into_owned();
            if let Some(fast) = parse_line_fast(&damaged) {
                let slow = PublicKey::from_openssh(&damaged)
                    .ok()
                    .and_then(|key| from_key(&key).ok());
                prop_assert_eq!(Some(fast), slow);
            }
        }

        #[test]
        fn parse_never_panics(text in any::<String>()) {
            let _ = parse_public_key(&text);
        }

        #[test]
        fn parse_never_panics_on_key_like_text(body in "[A-Za-z0-9+/=]{0,120}", comment in "\\PC{0,20}") {
            let _ = parse_public_key(&format!("ssh-ed25519 {body} {comment}"));
            let _ = parse_public_key(&format!("ssh-rsa AAAAB3NzaC1yc2E{body}"));
        }
    }
}
