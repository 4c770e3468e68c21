//! Local key handling: parsing and checking public keys, fingerprints,
//! generating key pairs, reading private key files and saving private keys.

pub mod file_name;
pub mod generate;
pub mod ppk;
pub mod private;
pub mod public;
pub mod save;
pub mod secret;

pub use secret::SecretString;

use std::path::Path;

/// A problem with key text, a key file, or saving a key. Messages name what
/// is wrong and never include key material or passphrases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Nothing was entered.
    Empty,
    /// A private key was given where a public key belongs.
    PrivateKeyGiven,
    /// A public key was given where a private key belongs.
    PublicKeyGiven,
    /// More than one key was pasted.
    MultipleKeys(usize),
    /// The text is not an OpenSSH public key; the reason says why.
    NotAPublicKey(String),
    /// The text is not a private key we can read; the reason says why.
    NotAPrivateKey(String),
    /// The key type is not one we handle (ed25519, rsa, ecdsa).
    UnsupportedAlgorithm(String),
    /// The private key is encrypted and no passphrase was given.
    Encrypted,
    /// The passphrase does not decrypt the key.
    WrongPassphrase,
    /// The two passphrase fields differ.
    PassphraseMismatch,
    /// A file could not be read.
    Unreadable(String),
    /// A file is larger than a key file can be.
    FileTooLarge {
        /// Path shown to the user.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Saving would overwrite an existing file.
    AlreadyExists(String),
    /// The folder to save into does not exist.
    MissingFolder(String),
    /// The file could not be written.
    WriteFailed(String),
    /// The saved file did not read back as the same key.
    VerifyFailed(String),
    /// Key generation failed.
    GenerateFailed(String),
    /// A passphrase-protected private key was given where none is allowed
    /// (HCP Terraform cannot use one).
    EncryptedNotAllowed,
    /// The private key and the public key given together are not a pair.
    KeyPairMismatch,
    /// A private key was to be saved under a name ending in `.pub`.
    PublicNameForPrivateKey(String),
    /// The key is valid but cannot be used here; the reason says why (a
    /// security-key stub or a DSA key for HCP Terraform).
    NotUsableHere(String),
    /// A key was to be saved at a relative path: it would land in whatever
    /// folder Keyfleet was started from.
    RelativePath(String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("No key was entered."),
            Self::PrivateKeyGiven => f.write_str(
                "This is a PRIVATE key. Paste the public key instead (the .pub file, one line starting with ssh-…); the private key was not sent anywhere.",
            ),
            Self::PublicKeyGiven => f.write_str(
                "This is a public key, but a private key is needed here (the file without .pub).",
            ),
            Self::MultipleKeys(n) => {
                write!(f, "{n} keys were pasted; paste exactly one public key line.")
            }
            Self::NotAPublicKey(reason) => write!(f, "This is not a valid OpenSSH public key: {reason}."),
            Self::NotAPrivateKey(reason) => write!(f, "This is not a private key Keyfleet can read: {reason}."),
            Self::UnsupportedAlgorithm(alg) => write!(
                f,
                "Keys of type {alg} are not supported; use ed25519, rsa or ecdsa."
            ),
            Self::Encrypted => f.write_str("The private key is protected by a passphrase."),
            Self::WrongPassphrase => f.write_str("The passphrase is wrong: the key could not be decrypted."),
            Self::PassphraseMismatch => f.write_str("The two passphrases differ."),
            Self::Unreadable(reason) => write!(f, "The file could not be read: {reason}."),
            Self::FileTooLarge { path, limit } => write!(
                f,
                "{path} is larger than {} KB, too large to be a key file.",
                limit / 1024
            ),
            Self::AlreadyExists(path) => write!(
                f,
                "{path} already exists; Keyfleet never overwrites a file. Choose another name."
            ),
            Self::MissingFolder(path) => write!(f, "The folder {path} does not exist."),
            Self::WriteFailed(reason) => write!(f, "The key could not be saved: {reason}."),
            Self::VerifyFailed(reason) => write!(
                f,
                "The saved file did not read back as the same key ({reason}); it was removed."
            ),
            Self::GenerateFailed(reason) => write!(f, "Key generation failed: {reason}."),
            Self::EncryptedNotAllowed => f.write_str(
                "This private key is protected by a passphrase, and HCP Terraform cannot use a passphrase-protected key. \
                 Remove the passphrase from a copy of the key (cp KEY KEY-terraform, then ssh-keygen -p -N \"\" -f KEY-terraform) and use that copy.",
            ),
            Self::KeyPairMismatch => f.write_str(
                "The private key and the public key do not belong together; nothing was saved.",
            ),
            Self::PublicNameForPrivateKey(path) => write!(
                f,
                "{path} ends in .pub, the name tools and people take for a PUBLIC key, so this private key could be shared by mistake. \
                 Choose a name without .pub; the .pub file is written beside it."
            ),
            Self::NotUsableHere(reason) => write!(f, "{reason}."),
            Self::RelativePath(path) => write!(
                f,
                "\"{path}\" is not a full path, so the key would land in whatever folder Keyfleet was started from. \
                 Type the whole path, for example ~/.ssh/{path} or /home/you/.ssh/{path}."
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// Reads a text file no bigger than `limit` bytes, with clear errors.
pub fn read_small_text_file(path: &Path, limit: u64) -> Result<String, KeyError> {
    let shown = path.display().to_string();
    let metadata =
        std::fs::metadata(path).map_err(|err| KeyError::Unreadable(format!("{shown}: {err}")))?;
    if !metadata.is_file() {
        return Err(KeyError::Unreadable(format!(
            "{shown} is not a regular file"
        )));
    }
    if metadata.len() > limit {
        return Err(KeyError::FileTooLarge { path: shown, limit });
    }
    let bytes =
        std::fs::read(path).map_err(|err| KeyError::Unreadable(format!("{shown}: {err}")))?;
    String::from_utf8(bytes)
        .map_err(|_| KeyError::Unreadable(format!("{shown} is not a text file")))
}
