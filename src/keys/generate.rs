//! Generating new key pairs (Ed25519, RSA, ECDSA) in OpenSSH or PEM form.

use rand::rngs::OsRng;
use rsa::pkcs1::EncodeRsaPrivateKey;
use ssh_key::private::{EcdsaKeypair, KeypairData, RsaKeypair};
use ssh_key::{Algorithm, EcdsaCurve, LineEnding, PrivateKey};

use super::public::{ParsedPublicKey, from_key};
use super::{KeyError, SecretString};

/// The kinds of key Keyfleet can generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum KeyAlgorithm {
    /// Ed25519: small, fast, the modern default.
    #[default]
    Ed25519,
    /// RSA with a 3072-bit modulus.
    Rsa3072,
    /// RSA with a 4096-bit modulus (slow to generate: seconds).
    Rsa4096,
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
}

impl KeyAlgorithm {
    /// Every algorithm, in the order the UI lists them.
    pub const ALL: [Self; 5] = [
        Self::Ed25519,
        Self::Rsa3072,
        Self::Rsa4096,
        Self::EcdsaP256,
        Self::EcdsaP384,
    ];

    /// A short name for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ed25519 => "Ed25519",
            Self::Rsa3072 => "RSA 3072",
            Self::Rsa4096 => "RSA 4096",
            Self::EcdsaP256 => "ECDSA P-256",
            Self::EcdsaP384 => "ECDSA P-384",
        }
    }

    /// True when the key can be written as PEM (PKCS#1 RSA or SEC1 EC).
    pub fn supports_pem(self) -> bool {
        !matches!(self, Self::Ed25519)
    }
}

/// How the private key is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PrivateKeyEncoding {
    /// OpenSSH's own format (`-----BEGIN OPENSSH PRIVATE KEY-----`); can be encrypted.
    #[default]
    OpenSsh,
    /// PKCS#1 PEM for RSA (what HCP Terraform documents), SEC1 PEM for ECDSA.
    /// Not available for Ed25519 and never encrypted.
    Pem,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenerateRequest {
    /// The key type.
    pub algorithm: KeyAlgorithm,
    /// The comment on the public key line (one line, such as `user@host`).
    pub comment: String,
    /// `None` or empty for an unencrypted key; only allowed with
    /// [`PrivateKeyEncoding::OpenSsh`].
    pub passphrase: Option<SecretString>,
    /// The private key format.
    pub encoding: PrivateKeyEncoding,
}

/// A freshly generated key pair.
#[derive(Clone, Debug)]
pub struct GeneratedKey {
    /// The private key file content.
    pub private_key: SecretString,
    /// The public key (with the requested comment) and its fingerprints.
    pub public: ParsedPublicKey,
    /// True when the private key is protected by the passphrase.
    pub encrypted: bool,
    /// The format of `private_key`.
    pub encoding: PrivateKeyEncoding,
}

/// Generates a key pair.
///
/// Blocking and CPU-heavy (RSA 4096 can take seconds): callers run it off
/// the UI thread.
pub fn generate(request: &GenerateRequest) -> Result<GeneratedKey, KeyError> {
    let comment = request.comment.trim();
    if comment.chars().any(char::is_control) {
        return Err(KeyError::GenerateFailed(
            "the comment must be a single line without control characters".into(),
        ));
    }
    let passphrase = request.passphrase.as_ref().filter(|p| !p.is_empty());
    if request.encoding == PrivateKeyEncoding::Pem {
        if !request.algorithm.supports_pem() {
            return Err(KeyError::GenerateFailed(
                "PEM is only available for RSA and ECDSA keys; choose OpenSSH format for Ed25519"
                    .into(),
            ));
        }
        if passphrase.is_some() {
            return Err(KeyError::GenerateFailed(
                "a passphrase can only be set on OpenSSH-format keys; choose OpenSSH format or leave the passphrase empty"
                    .into(),
            ));
        }
    }

    let failed = |err: ssh_key::Error| KeyError::GenerateFailed(err.to_string());
    let mut rng = OsRng;
    let mut key = match request.algorithm {
        KeyAlgorithm::Ed25519 => {
            PrivateKey::random(&mut rng, Algorithm::Ed25519).map_err(failed)?
        }
        KeyAlgorithm::Rsa3072 => return generate_rsa(3072, comment, passphrase, request.encoding),
        KeyAlgorithm::Rsa4096 => return generate_rsa(4096, comment, passphrase, request.encoding),
        KeyAlgorithm::EcdsaP256 => ecdsa_key(EcdsaCurve::NistP256)?,
        KeyAlgorithm::EcdsaP384 => ecdsa_key(EcdsaCurve::NistP384)?,
    };
    key.set_comment(comment);
    let pem = match request.encoding {
        PrivateKeyEncoding::Pem => Some(ecdsa_sec1_pem(&key)?),
        PrivateKeyEncoding::OpenSsh => None,
    };
    finish(&key, pem, passphrase)
}

fn ecdsa_key(curve: EcdsaCurve) -> Result<PrivateKey, KeyError> {
    let keypair = EcdsaKeypair::random(&mut OsRng, curve)
        .map_err(|err| KeyError::GenerateFailed(err.to_string()))?;
    PrivateKey::new(KeypairData::from(keypair), "")
        .map_err(|err| KeyError::GenerateFailed(err.to_string()))
}

/// RSA goes through the `rsa` crate directly: ssh-key 0.6.7's conversion
/// from its keypair back to `rsa::RsaPrivateKey` is broken (it passes `p`
/// twice), so the PEM is written from the original key.
fn generate_rsa(
    bits: usize,
    comment: &str,
    passphrase: Option<&SecretString>,
    encoding: PrivateKeyEncoding,
) -> Result<GeneratedKey, KeyError> {
    let rsa_key = rsa::RsaPrivateKey::new(&mut OsRng, bits)
        .map_err(|err| KeyError::GenerateFailed(format!("RSA key generation failed: {err}")))?;
    let keypair =
        RsaKeypair::try_from(&rsa_key).map_err(|err| KeyError::GenerateFailed(err.to_string()))?;
    let key = PrivateKey::new(KeypairData::from(keypair), comment)
        .map_err(|err| KeyError::GenerateFailed(err.to_string()))?;
    let pem = match encoding {
        PrivateKeyEncoding::Pem => {
            let pem = rsa_key
                .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
                .map_err(|err| KeyError::GenerateFailed(format!("PEM encoding failed: {err}")))?;
            Some(SecretString::new(pem.as_str()))
        }
        PrivateKeyEncoding::OpenSsh => None,
    };
    finish(&key, pem, passphrase)
}

/// Builds the result: the given PEM text, or the OpenSSH encoding
/// (encrypted when there is a passphrase; PEM never has one, checked earlier).
fn finish(
    key: &PrivateKey,
    pem: Option<SecretString>,
    passphrase: Option<&SecretString>,
) -> Result<GeneratedKey, KeyError> {
    let failed = |err: ssh_key::Error| KeyError::GenerateFailed(err.to_string());
    let public = from_key(key.public_key())?;
    let (private_key, encrypted, encoding) = match (pem, passphrase) {
        (Some(pem), _) => (pem, false, PrivateKeyEncoding::Pem),
        (None, None) => (
            SecretString::new(key.to_openssh(LineEnding::LF).map_err(failed)?.as_str()),
            false,
            PrivateKeyEncoding::OpenSsh,
        ),
        (None, Some(passphrase)) => {
            let encrypted = key
                .encrypt(&mut OsRng, passphrase.expose().as_bytes())
                .map_err(failed)?;
            (
                SecretString::new(
                    encrypted
                        .to_openssh(LineEnding::LF)
                        .map_err(failed)?
                        .as_str(),
                ),
                true,
                PrivateKeyEncoding::OpenSsh,
            )
        }
    };
    Ok(GeneratedKey {
        private_key,
        public,
        encrypted,
        encoding,
    })
}

/// SEC1 `EC PRIVATE KEY` PEM with the named curve included, as OpenSSL (and
/// so ssh-keygen) requires; p256/p384's own `to_sec1_pem` leaves it out.
fn ecdsa_sec1_pem(key: &PrivateKey) -> Result<SecretString, KeyError> {
    use sec1::der::Encode;
    let (private, public, curve) = match key.key_data() {
        KeypairData::Ecdsa(EcdsaKeypair::NistP256 { private, public }) => {
            (private.as_slice(), public.as_bytes(), "1.2.840.10045.3.1.7")
        }
        KeypairData::Ecdsa(EcdsaKeypair::NistP384 { private, public }) => {
            (private.as_slice(), public.as_bytes(), "1.3.132.0.34")
        }
        _ => {
            return Err(KeyError::GenerateFailed(
                "PEM is only available for RSA and ECDSA P-256/P-384 keys".into(),
            ));
        }
    };
    let failed =
        |err: sec1::der::Error| KeyError::GenerateFailed(format!("PEM encoding failed: {err}"));
    let curve = sec1::der::asn1::ObjectIdentifier::new(curve).map_err(|err| failed(err.into()))?;
    let der = zeroize::Zeroizing::new(
        sec1::EcPrivateKey {
            private_key: private,
            parameters: Some(sec1::EcParameters::NamedCurve(curve)),
            public_key: Some(public),
        }
        .to_der()
        .map_err(failed)?,
    );
    let pem = sec1::der::pem::encode_string("EC PRIVATE KEY", sec1::LineEnding::LF, &der)
        .map_err(|err| failed(err.into()))?;
    Ok(SecretString::new(pem))
}

/// A default comment, `user@host`, from `USER`/`USERNAME` and the host name
/// (`/etc/hostname`, else `HOSTNAME`, else `localhost`).
pub fn default_comment() -> String {
    let user = ["USER", "USERNAME"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|value| clean_word(&value))
        .find(|value| !value.is_empty())
        .unwrap_or_else(|| "user".to_string());
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|value| clean_word(&value))
        .filter(|value| !value.is_empty())
        .or_else(|| {
            std::env::var("HOSTNAME")
                .ok()
                .map(|value| clean_word(&value))
                .filter(|value| !value.is_empty())
        })
        .unwrap_or_else(|| "localhost".to_string());
    format!("{user}@{host}")
}

/// Keeps a name usable inside a one-line comment: no whitespace or control
/// characters, bounded length.
fn clean_word(value: &str) -> String {
    value
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::private::{PrivateKeyFormat, inspect_private_key};

    fn request(
        algorithm: KeyAlgorithm,
        encoding: PrivateKeyEncoding,
        passphrase: Option<&str>,
    ) -> GenerateRequest {
        GenerateRequest {
            algorithm,
            comment: "me@box".into(),
            passphrase: passphrase.map(SecretString::from),
            encoding,
        }
    }

    #[test]
    fn labels_are_distinct() {
        let labels: std::collections::HashSet<_> =
            KeyAlgorithm::ALL.iter().map(|a| a.label()).collect();
        assert_eq!(labels.len(), KeyAlgorithm::ALL.len());
        assert_eq!(KeyAlgorithm::default(), KeyAlgorithm::Ed25519);
        assert_eq!(KeyAlgorithm::Rsa3072.label(), "RSA 3072");
    }

    #[test]
    fn ed25519_pem_and_pem_with_passphrase_are_refused() {
        let err = generate(&request(
            KeyAlgorithm::Ed25519,
            PrivateKeyEncoding::Pem,
            None,
        ))
        .unwrap_err();
        assert!(
            matches!(err, KeyError::GenerateFailed(ref r) if r.contains("PEM is only available"))
        );
        let err = generate(&request(
            KeyAlgorithm::EcdsaP256,
            PrivateKeyEncoding::Pem,
            Some("pw"),
        ))
        .unwrap_err();
        assert!(matches!(err, KeyError::GenerateFailed(ref r) if r.contains("passphrase")));
        assert!(!err.to_string().contains("pw\""));
    }

    #[test]
    fn multi_line_comment_is_refused() {
        let mut req = request(KeyAlgorithm::Ed25519, PrivateKeyEncoding::OpenSsh, None);
        req.comment = "a\nb".into();
        assert!(matches!(generate(&req), Err(KeyError::GenerateFailed(_))));
    }

    #[test]
    fn empty_passphrase_means_unencrypted() {
        let key = generate(&request(
            KeyAlgorithm::Ed25519,
            PrivateKeyEncoding::OpenSsh,
            Some(""),
        ))
        .unwrap();
        assert!(!key.encrypted);
        let info = inspect_private_key(&key.private_key, None).unwrap();
        assert!(!info.encrypted);
        assert_eq!(info.public, key.public);
        assert_eq!(key.public.comment, "me@box");
    }

    #[test]
    fn ecdsa_pem_round_trips() {
        for (algorithm, name) in [
            (KeyAlgorithm::EcdsaP256, "ecdsa-sha2-nistp256"),
            (KeyAlgorithm::EcdsaP384, "ecdsa-sha2-nistp384"),
        ] {
            let key = generate(&request(algorithm, PrivateKeyEncoding::Pem, None)).unwrap();
            assert!(
                key.private_key
                    .expose()
                    .starts_with("-----BEGIN EC PRIVATE KEY-----")
            );
            let info = inspect_private_key(&key.private_key, None).unwrap();
            assert_eq!(info.format, PrivateKeyFormat::PemEc);
            assert_eq!(info.public.algorithm, name);
            assert_eq!(
                info.public.fingerprint_sha256,
                key.public.fingerprint_sha256
            );
        }
    }

    #[test]
    fn default_comment_is_user_at_host() {
        let comment = default_comment();
        let (user, host) = comment.split_once('@').unwrap();
        assert!(!user.is_empty() && !host.is_empty());
        assert!(!comment.chars().any(char::is_whitespace));
    }
}
