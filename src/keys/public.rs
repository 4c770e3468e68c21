//! Parsing and checking OpenSSH public keys, and their fingerprints.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use md5::Md5;
use sha2::{Digest, Sha256};
use ssh_key::PublicKey;

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
    if let Some(parsed) = parse_line_fast(line) {
        return Ok(parsed);
    }
    let key = PublicKey::from_openssh(line).map_err(|err| {
        let first = line.split_whitespace().next().unwrap_or_default();
        if first.starts_with("ssh-") || first.starts_with("ecdsa-") || first.starts_with("sk-") {
            KeyError::NotAPublicKey(format!(
                "the \"{}\" key data is damaged or incomplete ({err})",
                shorten(first, 40)
            ))
        } else {
            KeyError::NotAPublicKey(
                "it should start with ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256/384/521".into(),
            )
        }
    })?;
    from_key(&key)
}

/// Builds the parsed form of an already decoded key.
pub fn from_key(key: &PublicKey) -> Result<ParsedPublicKey, KeyError> {
    let algorithm = key.algorithm();
    if !is_supported(&algorithm) {
        return Err(KeyError::UnsupportedAlgorithm(
            algorithm.as_str().to_string(),
        ));
    }
    let blob = key
        .to_bytes()
        .map_err(|err| KeyError::NotAPublicKey(err.to_string()))?;
    Ok(parsed(
        algorithm.as_str(),
        &STANDARD.encode(&blob),
        &blob,
        key.comment(),
    ))
}

fn is_supported(algorithm: &ssh_key::Algorithm) -> bool {
    matches!(
        algorithm,
        ssh_key::Algorithm::Ed25519
            | ssh_key::Algorithm::Rsa { .. }
            | ssh_key::Algorithm::Ecdsa { .. }
    )
}

/// The parsed form from the key blob and its base64 text: the OpenSSH line
/// and both fingerprints all come from the one blob.
fn parsed(algorithm: &str, base64: &str, blob: &[u8], comment: &str) -> ParsedPublicKey {
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
        return (algorithm == "ssh-ed25519").then(|| parsed(algorithm, data, blob, comment));
    }
    let key = PublicKey::from_bytes(blob).ok()?;
    let key_algorithm = key.algorithm();
    if key_algorithm.as_str() != algorithm || !is_supported(&key_algorithm) {
        return None;
    }
    // ssh-key's decoder tolerates some odd length fields that re-encoding
    // then corrects, and the fingerprints are of the re-encoded key (as
    // ssh-keygen's are): only an already canonical blob may be used as is.
    if !key.to_bytes().is_ok_and(|encoded| encoded == blob) {
        return None;
    }
    Some(parsed(algorithm, data, blob, comment))
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
    fn unsupported_algorithm() {
        // A real 1024-bit DSA key (ssh-keygen -t dsa), kept only for this test.
        let dsa = "ssh-dss AAAAB3NzaC1kc3MAAACBAO9jUNc8nF8m3vZrQeURKpYFCHGLC3sHxBndMsGMwbGpnpxGRZTvaydlU6AtFBAr2NINNQx+32o9kPQ4xEt0Q7fxwA+2kmq82Czf53mb5tj8hPM8mN39cYdEsVrow9kxkSxhQr3V6gzG5yTIOXcB7D4PdYy2uOYn0UZXdY9NS5tlAAAAFQC3HXlIZbXO7VHdtmBu0VssZXZHWQAAAIAI9TRbod6qVYkqD3FgwsEuFdbx2iC1BaCF/qmQTd/C3Roe4Oog0GDdsS51MILg+YIO5A1oGHSRAenPAa1LNUL3yAHHpFy6i5J55owmi+rxxNzCywH/3/YIR/7qLbm5y6V1Es5O94inlybYjtXvVjdcaYSMp5ghDvZKqANKuAxdMQAAAIEAxuJpwi6SWzEh8eE7ySR8Tdk26Vj9WxEeK9WKi54TemST41DEelQCshFKdWp+plxYRxb3NQpNCv1LG/1Si/VstW+4rqYjoaFopOfZOXOZKNRZaWv06KoT6iAlV/1WzaUz9tON0ACovp5cPUZmD8RI1FOooLb6egV0xM/nsds8Gh4= dsa@test";
        match parse_public_key(dsa) {
            Err(KeyError::UnsupportedAlgorithm(alg)) => assert_eq!(alg, "ssh-dss"),
            other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
        }
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
