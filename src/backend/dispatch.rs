//! The one place every [`Command`] is carried out. [`handle`] is a single
//! `match` with no catch-all arm, so a new command that nothing handles
//! does not compile (instead of failing at run time as "worker stopped").
//! Each arm only unpacks the command; the work is in the function it calls.

use std::path::PathBuf;
use std::sync::Arc;

use super::commands::{Command, FileKind, ListedKeys, LoadedFile};
use super::context::Context;
use super::dialogs::FileDialogs;
use super::fleet::{AccountKeys, FleetSnapshot};
use super::request::Reply;
use crate::inventory::agent::{AgentReport, AgentRequest};
use crate::inventory::{ExportFormat, Inventory, InventoryOptions};
use crate::keys::generate::{GenerateRequest, GeneratedKey};
use crate::keys::save::SavedKey;
use crate::keys::{self, SecretString};
use crate::ops::publish::{PublishOutcome, publish_to};
use crate::ops::recovery::{CreateOutcome, create_with_recovery};
use crate::ops::rotation::machine::{Answer, Effect};
use crate::ops::rotation::run::perform;
use crate::providers::{ApiError, ApiErrorKind, Choice, ChoiceKind, NewKey, RemoteKey};
use crate::store::Profile;

/// Carries out one command and sends its one answer.
///
/// One line per command: rustfmt would stand every field of every pattern
/// on its own line and stretch this table past 90 lines.
#[rustfmt::skip]
pub(super) async fn handle(ctx: Arc<Context>, command: Command) {
    let ctx = ctx.as_ref();
    match command {
        Command::TestConnection { reply, profile, token } => {
            test_connection(ctx, reply, profile, token).await
        }
        Command::LoadChoices { reply, profile, token, kind } => {
            load_choices(ctx, reply, profile, token, kind).await
        }
        Command::StoreToken { reply, profile_id, token } => {
            store_token(ctx, reply, profile_id, token).await
        }
        Command::DeleteToken { reply, profile_id } => delete_token(ctx, reply, profile_id).await,
        Command::ListKeys { reply, profile } => list_keys(ctx, reply, profile).await,
        Command::ListKeysThenUsage { reply, profile } => {
            list_keys_then_usage(ctx, reply, profile).await
        }
        Command::CreateKey { reply, profile, new_key } => {
            create_key(ctx, reply, profile, new_key).await
        }
        Command::DeleteKey { reply, profile, key } => delete_key(ctx, reply, profile, key).await,
        Command::SetShared { reply, profile, key, shared } => {
            set_shared(ctx, reply, profile, key, shared).await
        }
        Command::MakeDefault { reply, profile, key } => make_default(ctx, reply, profile, key).await,
        Command::RenameKey { reply, profile, key, name, labels } => {
            rename_key(ctx, reply, profile, key, name, labels).await
        }
        Command::PublishKey { reply, profile, new_key, sha256 } => {
            publish_key(ctx, reply, profile, new_key, sha256).await
        }
        Command::RotationEffect { reply, profile, effect } => {
            rotation_effect(ctx, reply, profile, *effect).await
        }
        Command::BuildInventory { reply, accounts, local_dirs, ssh_config, options, agent } => {
            let this_computer = super::fleet::ThisComputer { ssh_config, agent };
            build_inventory(reply, accounts, local_dirs, options, this_computer).await
        }
        Command::ReadSshHosts { reply, source } => read_ssh_hosts(reply, source).await,
        Command::ConvertPpk { reply, source, target } => convert_ppk(reply, source, target).await,
        Command::ExportInventory { reply, inventory, format } => {
            export_inventory(ctx, reply, inventory, format).await
        }
        Command::GenerateLocal { reply, spec } => generate_local(reply, spec).await,
        Command::PickFolder { reply, title } => pick_folder(ctx, reply, title).await,
        Command::OpenKeyFile { reply, kind, path } => open_key_file(ctx, reply, kind, path).await,
        Command::SavePrivateKey {
            reply, private_key, public_key, passphrase, suggested_name, path, exactly_as_received,
        } => {
            let key = PrivateKeyToSave { private_key, public_key, passphrase, exactly_as_received };
            save_private_key(ctx, reply, key, suggested_name, path).await
        }
        Command::Agent { reply, request } => ask_agent(ctx, reply, request).await,
    }
}

async fn test_connection(
    ctx: &Context,
    reply: Reply<Result<String, ApiError>>,
    profile: Profile,
    token: Option<SecretString>,
) {
    tracing::info!(request = reply.id(), provider = ?profile.provider(), "test connection");
    reply.send(async { ctx.client(&profile, token).await?.test_connection().await }.await);
}

async fn load_choices(
    ctx: &Context,
    reply: Reply<Result<Vec<Choice>, ApiError>>,
    profile: Profile,
    token: Option<SecretString>,
    kind: ChoiceKind,
) {
    tracing::info!(request = reply.id(), ?kind, "load choices");
    reply.send(async { ctx.client(&profile, token).await?.list_choices(kind).await }.await);
}

async fn store_token(
    ctx: &Context,
    reply: Reply<Result<(), ApiError>>,
    profile_id: String,
    token: SecretString,
) {
    tracing::info!(request = reply.id(), "store token");
    let secrets = ctx.services.secrets.clone();
    reply.send(keyring(move || secrets.set(&profile_id, &token)).await);
}

async fn delete_token(ctx: &Context, reply: Reply<Result<(), ApiError>>, profile_id: String) {
    tracing::info!(request = reply.id(), "delete token");
    let secrets = ctx.services.secrets.clone();
    reply.send(keyring(move || secrets.delete(&profile_id)).await);
}

async fn list_keys(
    ctx: &Context,
    reply: Reply<Result<Vec<RemoteKey>, ApiError>>,
    profile: Profile,
) {
    tracing::info!(request = reply.id(), provider = ?profile.provider(), "list keys");
    let result = async { ctx.client(&profile, None).await?.list_keys().await }.await;
    if let Err(err) = &result {
        tracing::warn!(request = reply.id(), kind = ?err.kind, status = ?err.status, "list keys failed");
    }
    reply.send(result);
}

async fn list_keys_then_usage(
    ctx: &Context,
    reply: Reply<Result<ListedKeys, ApiError>>,
    profile: Profile,
) {
    tracing::info!(request = reply.id(), provider = ?profile.provider(), "list keys, then usage");
    let client = match ctx.client(&profile, None).await {
        Ok(client) if client.lists_usage_apart() => client,
        Ok(client) => {
            let listed = client.list_keys().await;
            log_list_error(&reply, &listed);
            reply.send(listed.map(|keys| ListedKeys { keys, usage: None }));
            return;
        }
        Err(err) => return reply.send(Err(err)),
    };
    let (usage_reply, usage) = reply.follow_up();
    // Both in one refresh budget, at the same time; the keys are answered
    // as soon as they are there, without waiting for the usage.
    let keys = async {
        let listed = client.list_keys_without_usage().await;
        log_list_error(&reply, &listed);
        let usage = Some(usage);
        reply.send(listed.map(|keys| ListedKeys { keys, usage }));
    };
    let usage = async {
        let usage = client.list_key_usage().await;
        if let Err(err) = &usage {
            tracing::warn!(request = usage_reply.id(), kind = ?err.kind, status = ?err.status, "usage not listed");
        }
        usage_reply.send(usage);
    };
    let both = async {
        futures::join!(keys, usage);
        Ok(())
    };
    let _: Result<(), ApiError> = crate::providers::http::within_refresh_budget(both).await;
}

fn log_list_error<T, U>(reply: &Reply<T>, listed: &Result<U, ApiError>) {
    if let Err(err) = listed {
        tracing::warn!(request = reply.id(), kind = ?err.kind, status = ?err.status, "list keys failed");
    }
}

async fn create_key(
    ctx: &Context,
    reply: Reply<Result<CreateOutcome, ApiError>>,
    profile: Profile,
    new_key: NewKey,
) {
    tracing::info!(request = reply.id(), provider = ?profile.provider(), "create key");
    let client = ctx.client(&profile, None).await;
    reply.send(async { create_with_recovery(&client?, &new_key).await }.await);
}

async fn delete_key(
    ctx: &Context,
    reply: Reply<Result<(), ApiError>>,
    profile: Profile,
    key: RemoteKey,
) {
    tracing::info!(request = reply.id(), provider = ?profile.provider(), "delete key");
    reply.send(async { ctx.client(&profile, None).await?.delete_key(&key).await }.await);
}

async fn set_shared(
    ctx: &Context,
    reply: Reply<Result<RemoteKey, ApiError>>,
    profile: Profile,
    key: RemoteKey,
    shared: bool,
) {
    tracing::info!(request = reply.id(), shared, "set shared");
    let client = ctx.client(&profile, None).await;
    reply.send(async { client?.set_shared(&key, shared).await }.await);
}

async fn make_default(
    ctx: &Context,
    reply: Reply<Result<(), ApiError>>,
    profile: Profile,
    key: RemoteKey,
) {
    tracing::info!(request = reply.id(), "make default");
    reply.send(async { ctx.client(&profile, None).await?.make_default(&key).await }.await);
}

async fn rename_key(
    ctx: &Context,
    reply: Reply<Result<RemoteKey, ApiError>>,
    profile: Profile,
    key: RemoteKey,
    name: Option<String>,
    labels: Option<std::collections::BTreeMap<String, String>>,
) {
    tracing::info!(
        request = reply.id(),
        name = name.is_some(),
        labels = labels.is_some(),
        "update key"
    );
    let client = ctx.client(&profile, None).await;
    reply.send(
        async {
            client?
                .update_key(&key, name.as_deref(), labels.as_ref())
                .await
        }
        .await,
    );
}

async fn publish_key(
    ctx: &Context,
    reply: Reply<Result<(PublishOutcome, RemoteKey), ApiError>>,
    profile: Profile,
    new_key: NewKey,
    sha256: String,
) {
    tracing::info!(request = reply.id(), provider = ?profile.provider(), "publish key");
    let client = ctx.client(&profile, None).await;
    reply.send(async { publish_to(&client?, &new_key, &sha256).await }.await);
}

async fn rotation_effect(ctx: &Context, reply: Reply<Answer>, profile: Profile, effect: Effect) {
    tracing::info!(request = reply.id(), provider = ?profile.provider(), "rotation step");
    let client = ctx.client(&profile, None).await;
    reply.send(async { perform(&client?, &effect).await }.await);
}

async fn build_inventory(
    reply: Reply<FleetSnapshot>,
    accounts: Vec<AccountKeys>,
    local_dirs: Vec<PathBuf>,
    options: InventoryOptions,
    this_computer: super::fleet::ThisComputer,
) {
    tracing::info!(
        request = reply.id(),
        accounts = accounts.len(),
        "build inventory"
    );
    let result = tokio::task::spawn_blocking(move || {
        super::fleet::build_snapshot_with(&accounts, local_dirs, &options, &this_computer)
    })
    .await;
    match result {
        Ok(snapshot) => reply.send(snapshot),
        Err(err) => tracing::error!(%err, "building the inventory stopped"),
    }
}

async fn convert_ppk(reply: Reply<Result<PathBuf, String>>, source: PathBuf, target: PathBuf) {
    tracing::info!(request = reply.id(), "convert a PuTTY key");
    let result = tokio::task::spawn_blocking(move || keys::ppk::convert_file(&source, &target))
        .await
        .map_err(|err| format!("Converting stopped: {err}"))
        .and_then(|saved| {
            saved
                .map(|saved| saved.private_path)
                .map_err(|err| err.to_string())
        });
    reply.send(result);
}

async fn read_ssh_hosts(
    reply: Reply<crate::inventory::ssh_config::SshHosts>,
    source: crate::inventory::ssh_config::SshConfigSource,
) {
    tracing::info!(request = reply.id(), "read ssh config");
    let result =
        tokio::task::spawn_blocking(move || crate::inventory::ssh_config::read(&source)).await;
    match result {
        Ok(hosts) => reply.send(hosts),
        Err(err) => tracing::error!(%err, "reading the ssh config stopped"),
    }
}

async fn export_inventory(
    ctx: &Context,
    reply: Reply<Result<Option<PathBuf>, String>>,
    inventory: Arc<Inventory>,
    format: ExportFormat,
) {
    tracing::info!(request = reply.id(), ?format, "export inventory");
    let dialogs = ctx.services.dialogs.clone();
    let result = tokio::task::spawn_blocking(move || {
        let suggested = format!("keyfleet-inventory.{}", format.extension());
        let Some(path) = dialogs.pick_save("Export the inventory", &suggested) else {
            return Ok(None);
        };
        super::fleet::export_inventory(&inventory, format, &path).map(|()| Some(path))
    })
    .await
    .unwrap_or_else(|err| Err(format!("Exporting stopped: {err}")));
    reply.send(result);
}

async fn generate_local(reply: Reply<Result<GeneratedKey, String>>, spec: GenerateRequest) {
    tracing::info!(request = reply.id(), algorithm = ?spec.algorithm, "generate key locally");
    let result = tokio::task::spawn_blocking(move || keys::generate::generate(&spec))
        .await
        .map_err(|err| format!("Key generation stopped: {err}"))
        .and_then(|inner| inner.map_err(|err| err.to_string()));
    reply.send(result);
}

async fn pick_folder(ctx: &Context, reply: Reply<Option<PathBuf>>, title: &'static str) {
    tracing::info!(request = reply.id(), "pick folder");
    let dialogs = ctx.services.dialogs.clone();
    // A dialog that failed to open is answered like a cancel.
    let folder = tokio::task::spawn_blocking(move || dialogs.pick_folder(title))
        .await
        .ok()
        .flatten();
    reply.send(folder);
}

async fn open_key_file(
    ctx: &Context,
    reply: Reply<Result<Option<LoadedFile>, String>>,
    kind: FileKind,
    path: Option<PathBuf>,
) {
    tracing::info!(request = reply.id(), ?kind, "open key file");
    let dialogs = ctx.services.dialogs.clone();
    let result = tokio::task::spawn_blocking(move || read_key_file(dialogs.as_ref(), kind, path))
        .await
        .unwrap_or_else(|err| Err(format!("Reading the file stopped: {err}")));
    reply.send(result);
}

/// A private key to write, with what checking it needs.
struct PrivateKeyToSave {
    private_key: SecretString,
    public_key: String,
    passphrase: Option<SecretString>,
    /// Write the bytes without checking them as a key pair.
    exactly_as_received: bool,
}

async fn save_private_key(
    ctx: &Context,
    reply: Reply<Result<Option<SavedKey>, String>>,
    key: PrivateKeyToSave,
    suggested_name: String,
    path: Option<PathBuf>,
) {
    tracing::info!(
        request = reply.id(),
        exactly_as_received = key.exactly_as_received,
        "save private key"
    );
    let dialogs = ctx.services.dialogs.clone();
    let result = tokio::task::spawn_blocking(move || {
        let Some(path) = path.or_else(|| dialogs.pick_save("Save private key", &suggested_name))
        else {
            return Ok(None);
        };
        write_private_key(&path, &key).map(Some)
    })
    .await
    .unwrap_or_else(|err| Err(format!("Saving stopped: {err}")));
    reply.send(result);
}

/// Runs a keyring call on a blocking thread: keyring calls block on D-Bus
/// (Secret Service) and must not hold up a tokio worker.
async fn keyring(
    call: impl FnOnce() -> Result<(), ApiError> + Send + 'static,
) -> Result<(), ApiError> {
    tokio::task::spawn_blocking(call)
        .await
        .unwrap_or_else(|err| Err(ApiError::new(ApiErrorKind::Keyring, err.to_string())))
}

/// Writes a private key: checked as a key pair, or exactly as received (a
/// server's key Keyfleet cannot read; `.pub` only when one was sent).
fn write_private_key(path: &std::path::Path, key: &PrivateKeyToSave) -> Result<SavedKey, String> {
    let saved = if key.exactly_as_received {
        let public_key = Some(key.public_key.as_str()).filter(|line| !line.trim().is_empty());
        keys::save::save_private_key_as_received(path, &key.private_key, public_key)
    } else {
        keys::save::save_private_key(
            path,
            &key.private_key,
            &key.public_key,
            key.passphrase.as_ref(),
        )
    };
    saved.map_err(|err| err.to_string())
}

/// Reads the public or private key file at `path`, or at one picked with
/// the native dialog; `None` when the dialog was cancelled.
fn read_key_file(
    dialogs: &dyn FileDialogs,
    kind: FileKind,
    path: Option<PathBuf>,
) -> Result<Option<LoadedFile>, String> {
    let path = match path {
        Some(path) => path,
        None => {
            let picked = match kind {
                FileKind::PublicKey => {
                    dialogs.pick_open("Open public key", "Public keys", &["pub"])
                }
                FileKind::PrivateKey => dialogs.pick_open("Open private key", "Private keys", &[]),
            };
            match picked {
                Some(path) => path,
                None => return Ok(None),
            }
        }
    };
    match kind {
        FileKind::PublicKey => {
            let key = keys::public::read_public_key_file(&path).map_err(|err| err.to_string())?;
            Ok(Some(LoadedFile::Public { path, key }))
        }
        FileKind::PrivateKey => {
            let text =
                keys::private::read_private_key_file(&path).map_err(|err| err.to_string())?;
            let info =
                keys::private::inspect_private_key(&text, None).map_err(|err| err.to_string())?;
            Ok(Some(LoadedFile::Private { path, text, info }))
        }
    }
}

/// The agent's socket is blocking I/O: on the blocking pool, never on a
/// tokio worker or the UI thread. The request's passphrase is dropped
/// (zeroized) there.
async fn ask_agent(ctx: &Context, reply: Reply<AgentReport>, request: AgentRequest) {
    let what = match &request {
        AgentRequest::List => "list",
        AgentRequest::Add { .. } => "add",
        AgentRequest::Remove { .. } => "remove",
        AgentRequest::RemoveAll => "remove all",
    };
    tracing::info!(request = reply.id(), what, "ssh-agent");
    let socket = ctx.services.agent.clone();
    let result =
        tokio::task::spawn_blocking(move || crate::inventory::agent::run(&socket, request)).await;
    match result {
        Ok(report) => reply.send(report),
        Err(err) => tracing::error!(%err, "the ssh-agent request stopped"),
    }
}
