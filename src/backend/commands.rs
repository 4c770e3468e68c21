//! The messages between the UI and the backend.

use std::path::PathBuf;

use crate::keys::SecretString;
use crate::keys::generate::{GenerateRequest, GeneratedKey};
use crate::keys::private::PrivateKeyInfo;
use crate::keys::public::ParsedPublicKey;
use crate::keys::save::SavedKey;
use crate::providers::{ApiError, Choice, CreatedKey, NewKey, RemoteKey};
use crate::store::Profile;

/// Identifies one command and its answer; increases monotonically, so the
/// UI can ignore answers older than the request it is waiting for.
pub type RequestId = u64;

pub use crate::providers::ChoiceKind;

/// Which kind of key file the user is opening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A `.pub` file.
    PublicKey,
    /// A private key file (Terraform).
    PrivateKey,
}

/// What to do. Every variant carries the request id it answers to.
#[derive(Debug)]
pub enum Command {
    /// Check that a profile's token works. `token` is a token typed in the
    /// profile dialog and not stored yet; `None` uses the stored one.
    TestConnection {
        /// Request id.
        request: RequestId,
        /// The profile as edited.
        profile: Profile,
        /// A token not stored yet.
        token: Option<SecretString>,
    },
    /// Load a picker list for the profile dialog.
    LoadChoices {
        /// Request id.
        request: RequestId,
        /// The profile as edited.
        profile: Profile,
        /// A token not stored yet.
        token: Option<SecretString>,
        /// Which list.
        kind: ChoiceKind,
    },
    /// Store a token in the secret store.
    StoreToken {
        /// Request id.
        request: RequestId,
        /// Profile id (keyring entry).
        profile_id: String,
        /// The token.
        token: SecretString,
    },
    /// Forget a stored token.
    DeleteToken {
        /// Request id.
        request: RequestId,
        /// Profile id.
        profile_id: String,
    },
    /// List every key of an account.
    ListKeys {
        /// Request id.
        request: RequestId,
        /// The account.
        profile: Profile,
    },
    /// Create a key (never retried; a lost answer is looked up by name).
    CreateKey {
        /// Request id.
        request: RequestId,
        /// The account.
        profile: Profile,
        /// What to create.
        new_key: NewKey,
    },
    /// Delete a key.
    DeleteKey {
        /// Request id.
        request: RequestId,
        /// The account.
        profile: Profile,
        /// The key.
        key: RemoteKey,
    },
    /// Gcore: share or unshare.
    SetShared {
        /// Request id.
        request: RequestId,
        /// The account.
        profile: Profile,
        /// The key.
        key: RemoteKey,
        /// New state.
        shared: bool,
    },
    /// Sesterce: make default.
    MakeDefault {
        /// Request id.
        request: RequestId,
        /// The account.
        profile: Profile,
        /// The key.
        key: RemoteKey,
    },
    /// Terraform: rename.
    RenameKey {
        /// Request id.
        request: RequestId,
        /// The account.
        profile: Profile,
        /// The key.
        key: RemoteKey,
        /// New name.
        name: String,
    },
    /// Terraform: replace the stored private key.
    ReplaceKeyValue {
        /// Request id.
        request: RequestId,
        /// The account.
        profile: Profile,
        /// The key.
        key: RemoteKey,
        /// The new private key.
        private_key: SecretString,
    },
    /// Generate a key pair locally (CPU heavy).
    GenerateLocal {
        /// Request id.
        request: RequestId,
        /// What to generate.
        spec: GenerateRequest,
    },
    /// Ask for a key file with the native dialog and read it.
    OpenKeyFile {
        /// Request id.
        request: RequestId,
        /// Public or private.
        kind: FileKind,
        /// A path chosen already (typed by the user); `None` opens the dialog.
        path: Option<PathBuf>,
    },
    /// Save a private key: ask for a path with the native dialog (unless
    /// `path` is given), then write it safely.
    SavePrivateKey {
        /// Request id.
        request: RequestId,
        /// The private key.
        private_key: SecretString,
        /// Its public key line.
        public_key: String,
        /// Its passphrase, if encrypted (to verify the saved file).
        passphrase: Option<SecretString>,
        /// The file name the dialog suggests.
        suggested_name: String,
        /// A path typed by the user instead of the dialog.
        path: Option<PathBuf>,
        /// Write the bytes as received without checking them as a key (a
        /// server's key Keyfleet cannot read); `.pub` only when
        /// `public_key` is not empty.
        exactly_as_received: bool,
    },
}

/// A key file that was read and understood.
#[derive(Clone, Debug)]
pub enum LoadedFile {
    /// A public key.
    Public {
        /// Where it came from.
        path: PathBuf,
        /// The key.
        key: ParsedPublicKey,
    },
    /// A private key.
    Private {
        /// Where it came from.
        path: PathBuf,
        /// The key text.
        text: SecretString,
        /// What it is.
        info: PrivateKeyInfo,
    },
}

/// The result of a create, including what was found after a lost answer.
#[derive(Clone, Debug)]
pub enum CreateOutcome {
    /// The provider answered.
    Created(CreatedKey),
    /// The answer was lost but the key exists (found by name).
    /// `private_key_lost` is true when the server generated the private key,
    /// which is now unrecoverable.
    LostButFound {
        /// The key found by listing.
        key: RemoteKey,
        /// The server-generated private key was in the lost answer.
        private_key_lost: bool,
    },
}

/// An answer from the backend.
#[derive(Debug)]
pub struct Event {
    /// The command this answers.
    pub request: RequestId,
    /// The account it concerns, if any.
    pub profile_id: Option<String>,
    /// What happened.
    pub payload: EventPayload,
}

/// What happened.
#[derive(Debug)]
pub enum EventPayload {
    /// Test connection result.
    ConnectionTested(Result<String, ApiError>),
    /// Picker list.
    ChoicesLoaded(ChoiceKind, Result<Vec<Choice>, ApiError>),
    /// Token stored or deleted.
    TokenStored(Result<(), ApiError>),
    /// Key list.
    KeysListed(Result<Vec<RemoteKey>, ApiError>),
    /// Create result.
    KeyCreated(Result<CreateOutcome, ApiError>),
    /// Delete result.
    KeyDeleted {
        /// The key that was deleted.
        key_id: String,
        /// Outcome.
        result: Result<(), ApiError>,
    },
    /// Share/rename/replace result: the updated key.
    KeyUpdated(Result<RemoteKey, ApiError>),
    /// Make-default result.
    DefaultMade {
        /// The new default.
        key_id: String,
        /// Outcome.
        result: Result<(), ApiError>,
    },
    /// Local generation result.
    Generated(Result<GeneratedKey, String>),
    /// A key file was read (`Ok(None)`: the dialog was cancelled).
    FileOpened(Result<Option<LoadedFile>, String>),
    /// A private key was saved (`Ok(None)`: the dialog was cancelled).
    PrivateKeySaved(Result<Option<SavedKey>, String>),
}
