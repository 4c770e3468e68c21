//! The messages between the UI and the backend.

use std::path::PathBuf;
use std::sync::Arc;

use super::fleet::{AccountKeys, FleetSnapshot};
use crate::inventory::agent::{AgentListing, AgentReport, AgentRequest};
use crate::inventory::{ExportFormat, Inventory, InventoryOptions};

use crate::keys::SecretString;
use crate::keys::generate::{GenerateRequest, GeneratedKey};
use crate::keys::private::PrivateKeyInfo;
use crate::keys::public::ParsedPublicKey;
use crate::keys::save::SavedKey;
use crate::ops::publish::PublishOutcome;
use crate::ops::recovery::CreateOutcome;
use crate::ops::rotation::machine::{Answer, Effect};
use crate::providers::usage::KeyUsage;
use crate::providers::{ApiError, Choice, NewKey, RemoteKey};
use crate::store::Profile;

use super::request::{Pending, Reply};

pub use crate::providers::ChoiceKind;

/// Which kind of key file the user is opening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A `.pub` file.
    PublicKey,
    /// A private key file (Terraform).
    PrivateKey,
}

/// What to do. Every variant carries the [`Reply`] its one answer goes to.
#[derive(Debug)]
pub enum Command {
    /// Check that a profile's token works. `token` is a token typed in the
    /// profile dialog and not stored yet; `None` uses the stored one.
    TestConnection {
        /// Where the answer goes.
        reply: Reply<Result<String, ApiError>>,
        /// The profile as edited.
        profile: Profile,
        /// A token not stored yet.
        token: Option<SecretString>,
    },
    /// Load a picker list for the profile dialog.
    LoadChoices {
        /// Where the answer goes.
        reply: Reply<Result<Vec<Choice>, ApiError>>,
        /// The profile as edited.
        profile: Profile,
        /// A token not stored yet.
        token: Option<SecretString>,
        /// Which list.
        kind: ChoiceKind,
    },
    /// Store a token in the secret store.
    StoreToken {
        /// Where the answer goes.
        reply: Reply<Result<(), ApiError>>,
        /// Profile id (keyring entry).
        profile_id: String,
        /// The token.
        token: SecretString,
    },
    /// Forget a stored token.
    DeleteToken {
        /// Where the answer goes.
        reply: Reply<Result<(), ApiError>>,
        /// Profile id.
        profile_id: String,
    },
    /// List every key of an account.
    ListKeys {
        /// Where the answer goes.
        reply: Reply<Result<Vec<RemoteKey>, ApiError>>,
        /// The account.
        profile: Profile,
    },
    /// List every key of an account for the window: the keys are answered
    /// as soon as they are listed; where the provider lists what uses them
    /// apart (HCP Terraform's workspaces), that is listed at the same time
    /// and answered later through [`ListedKeys::usage`].
    ListKeysThenUsage {
        /// Where the keys go.
        reply: Reply<Result<ListedKeys, ApiError>>,
        /// The account.
        profile: Profile,
    },
    /// Create a key (never retried; a lost answer is looked up by name).
    CreateKey {
        /// Where the answer goes.
        reply: Reply<Result<CreateOutcome, ApiError>>,
        /// The account.
        profile: Profile,
        /// What to create.
        new_key: NewKey,
    },
    /// Delete a key.
    DeleteKey {
        /// Where the answer goes.
        reply: Reply<Result<(), ApiError>>,
        /// The account.
        profile: Profile,
        /// The key.
        key: RemoteKey,
    },
    /// Gcore: share or unshare.
    SetShared {
        /// Where the answer goes.
        reply: Reply<Result<RemoteKey, ApiError>>,
        /// The account.
        profile: Profile,
        /// The key.
        key: RemoteKey,
        /// New state.
        shared: bool,
    },
    /// Sesterce: make default.
    MakeDefault {
        /// Where the answer goes.
        reply: Reply<Result<(), ApiError>>,
        /// The account.
        profile: Profile,
        /// The key.
        key: RemoteKey,
    },
    /// Rename a key and/or replace its labels (`ProviderClient::update_key`).
    RenameKey {
        /// Where the answer goes.
        reply: Reply<Result<RemoteKey, ApiError>>,
        /// The account.
        profile: Profile,
        /// The key.
        key: RemoteKey,
        /// New name; `None` keeps it.
        name: Option<String>,
        /// New labels, replacing all of them; `None` keeps them.
        labels: Option<std::collections::BTreeMap<String, String>>,
    },
    /// Add a key to an account unless a key with its fingerprint is there.
    PublishKey {
        /// Where the answer goes.
        reply: Reply<Result<(PublishOutcome, RemoteKey), ApiError>>,
        /// The account.
        profile: Profile,
        /// What to create.
        new_key: NewKey,
        /// The key's `SHA256:…` fingerprint.
        sha256: String,
    },
    /// Rotation: perform one request of the rotation machine on one
    /// account (see [`crate::ops::rotation::run::perform`]).
    RotationEffect {
        /// Where the answer goes.
        reply: Reply<Answer>,
        /// The account.
        profile: Profile,
        /// What to do there.
        effect: Box<Effect>,
    },
    /// Scan the local key folders and group every account's keys.
    BuildInventory {
        /// Where the answer goes.
        reply: Reply<FleetSnapshot>,
        /// Every account's keys (or why they could not be listed).
        accounts: Vec<AccountKeys>,
        /// The folders to scan for local keys.
        local_dirs: Vec<PathBuf>,
        /// `~/.ssh/config`, read for "Used by hosts" (`None`: not read).
        ssh_config: Option<crate::inventory::ssh_config::SshConfigSource>,
        /// Hygiene thresholds.
        options: InventoryOptions,
        /// The ssh-agent's keys as last listed (`None`: not asked).
        agent: Option<Arc<AgentListing>>,
    },
    /// Convert a PuTTY `.ppk` to an OpenSSH private key saved at `target`
    /// (and `target.pub`), never over an existing file.
    ConvertPpk {
        /// Where the answer goes: the private key's path, or why not.
        reply: Reply<Result<PathBuf, String>>,
        /// The `.ppk` file.
        source: PathBuf,
        /// The new OpenSSH private key file.
        target: PathBuf,
    },
    /// Read `~/.ssh/config` (read-only): which hosts name which key.
    ReadSshHosts {
        /// Where the answer goes.
        reply: Reply<crate::inventory::ssh_config::SshHosts>,
        /// Which config.
        source: crate::inventory::ssh_config::SshConfigSource,
    },
    /// Ask for a path with the native dialog and write the inventory there.
    ExportInventory {
        /// Where the answer goes: the path written, `None` when cancelled.
        reply: Reply<Result<Option<PathBuf>, String>>,
        /// What to write.
        inventory: Arc<Inventory>,
        /// In which format.
        format: ExportFormat,
    },
    /// Generate a key pair locally (CPU heavy).
    GenerateLocal {
        /// Where the answer goes.
        reply: Reply<Result<GeneratedKey, String>>,
        /// What to generate.
        spec: GenerateRequest,
    },
    /// Ask for a folder with the native dialog (one to scan for local keys).
    PickFolder {
        /// Where the answer goes: the folder, `None` when cancelled.
        reply: Reply<Option<PathBuf>>,
        /// The dialog's title.
        title: &'static str,
    },
    /// Ask for a key file with the native dialog and read it.
    OpenKeyFile {
        /// Where the answer goes.
        reply: Reply<Result<Option<LoadedFile>, String>>,
        /// Public or private.
        kind: FileKind,
        /// A path chosen already (typed by the user); `None` opens the dialog.
        path: Option<PathBuf>,
    },
    /// Save a private key: ask for a path with the native dialog (unless
    /// `path` is given), then write it safely.
    SavePrivateKey {
        /// Where the answer goes.
        reply: Reply<Result<Option<SavedKey>, String>>,
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
    /// Ask the ssh-agent something (list, add, remove, remove all); the
    /// answer also lists it afterwards.
    Agent {
        /// Where the answer goes.
        reply: Reply<AgentReport>,
        /// What to ask.
        request: AgentRequest,
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

/// The answer of [`Command::ListKeysThenUsage`].
#[derive(Debug)]
pub struct ListedKeys {
    /// Every key; `used_by` is `None` where `usage` will fill it in.
    pub keys: Vec<RemoteKey>,
    /// What uses the keys, still being listed, where the provider lists
    /// it apart; apply it with [`KeyUsage::apply`].
    pub usage: Option<Pending<Result<KeyUsage, ApiError>>>,
}
