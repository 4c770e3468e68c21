//! The backend thread: owns the tokio runtime, receives commands, runs each
//! as a task, and sends events back with a repaint request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::mpsc;

use super::commands::{Command, CreateOutcome, FileKind, LoadedFile};
use super::dialogs::FileDialogs;
use super::request::{self, Pending, Repaint, Reply};
use crate::keys::{self, SecretString};
use crate::providers::{AccountTarget, ApiError, ApiErrorKind, Http, HttpPolicy, ProviderClient};
use crate::store::Profile;
use crate::store::secrets::{SecretStore, resolve_token};

/// What the backend uses from the outside world; tests swap in fakes.
#[derive(Clone)]
pub struct Services {
    /// Where tokens are stored.
    pub secrets: Arc<dyn SecretStore>,
    /// File dialogs.
    pub dialogs: Arc<dyn FileDialogs>,
    /// HTTP timeouts and retries.
    pub http_policy: HttpPolicy,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("secrets", &self.secrets.describe())
            .field("http_policy", &self.http_policy)
            .finish()
    }
}

/// Handle the UI holds: asks for work, each answer coming back through the
/// [`Pending`] that [`Backend::request`] returns.
pub struct Backend {
    commands: mpsc::UnboundedSender<Command>,
    repaint: Repaint,
    next_request: AtomicU64,
    running: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("next_request", &self.next_request)
            .field("running", &self.running)
            .finish()
    }
}

impl Backend {
    /// Starts the runtime thread. `repaint` is called after every answer
    /// (the app passes `ctx.request_repaint`).
    pub fn start(repaint: impl Fn() + Send + Sync + 'static, services: Services) -> Self {
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let spawned = std::thread::Builder::new()
            .name("keyfleet-backend".into())
            .spawn(move || run(command_rx, services));
        if let Err(err) = spawned {
            tracing::error!(%err, "could not start the backend thread");
        }
        Self {
            commands: command_tx,
            repaint: Arc::new(repaint),
            next_request: AtomicU64::new(1),
            running: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Sends the command `build` makes around a fresh [`Reply`]; the caller
    /// keeps the returned [`Pending`] and polls it. If the backend is gone
    /// the command (and its reply) is dropped, so the pending value answers
    /// [`Lost`](super::Lost) instead of waiting forever.
    pub fn request<T>(&self, build: impl FnOnce(Reply<T>) -> Command) -> Pending<T> {
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        let (reply, pending) = request::channel(id, self.repaint.clone(), &self.running);
        if self.commands.send(build(reply)).is_err() {
            tracing::error!(request = id, "backend is gone; command dropped");
        }
        pending
    }

    /// Requests whose answer someone is still waiting for.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }
}

/// Shared by every task.
struct Context {
    services: Services,
    http: Result<Http, ApiError>,
}

impl Context {
    async fn client(
        &self,
        profile: &Profile,
        typed: Option<SecretString>,
    ) -> Result<ProviderClient, ApiError> {
        account_client(&self.http, &self.services.secrets, profile, typed).await
    }
}

/// The token for `profile`: `typed` when given (the account dialog's test),
/// else its environment variable or the keyring, exactly as the window
/// reads it. Keyring calls run on a blocking thread.
pub async fn token_for(
    secrets: &Arc<dyn SecretStore>,
    profile: &Profile,
    typed: Option<SecretString>,
) -> Result<SecretString, ApiError> {
    if let Some(token) = typed.filter(|t| !t.is_empty()) {
        return Ok(SecretString::new(token.expose().trim().to_string()));
    }
    let secrets = secrets.clone();
    let profile = profile.clone();
    // Keyring calls block on D-Bus: use a blocking thread, not a tokio worker.
    tokio::task::spawn_blocking(move || resolve_token(&profile, secrets.as_ref()))
        .await
        .unwrap_or_else(|err| {
            Err(ApiError::new(
                ApiErrorKind::Keyring,
                format!("Keyring task failed: {err}"),
            ))
        })
}

/// A client for `profile` with its token (see [`token_for`]); shared by the
/// window's backend and the command line.
pub async fn account_client(
    http: &Result<Http, ApiError>,
    secrets: &Arc<dyn SecretStore>,
    profile: &Profile,
    typed: Option<SecretString>,
) -> Result<ProviderClient, ApiError> {
    let http = http.clone()?;
    let token = token_for(secrets, profile, typed).await?;
    let target = AccountTarget {
        base_url: profile.base_url.clone(),
        token,
        settings: profile.settings.clone(),
    };
    ProviderClient::new(http, &target)
}

fn run(mut commands: mpsc::UnboundedReceiver<Command>, services: Services) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("keyfleet-io")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!(%err, "could not start the tokio runtime");
            return;
        }
    };
    let http = Http::new(services.http_policy.clone());
    let context = Arc::new(Context { services, http });
    runtime.block_on(async move {
        while let Some(command) = commands.recv().await {
            let context = context.clone();
            tokio::spawn(async move { handle(context, command).await });
        }
    });
    // Commands closed: the app is exiting. Don't wait for slow requests.
    runtime.shutdown_background();
}

async fn handle(ctx: Arc<Context>, command: Command) {
    match command {
        Command::StoreToken {
            reply,
            profile_id,
            token,
        } => {
            tracing::info!(request = reply.id(), "store token");
            let secrets = ctx.services.secrets.clone();
            reply.send(keyring(move || secrets.set(&profile_id, &token)).await);
        }
        Command::DeleteToken { reply, profile_id } => {
            tracing::info!(request = reply.id(), "delete token");
            let secrets = ctx.services.secrets.clone();
            reply.send(keyring(move || secrets.delete(&profile_id)).await);
        }
        Command::GenerateLocal { reply, spec } => {
            tracing::info!(request = reply.id(), algorithm = ?spec.algorithm, "generate key locally");
            let result = tokio::task::spawn_blocking(move || keys::generate::generate(&spec))
                .await
                .map_err(|err| format!("Key generation stopped: {err}"))
                .and_then(|inner| inner.map_err(|err| err.to_string()));
            reply.send(result);
        }
        Command::PickFolder { reply, title } => {
            tracing::info!(request = reply.id(), "pick folder");
            let dialogs = ctx.services.dialogs.clone();
            // A dialog that failed to open is answered like a cancel.
            let folder = tokio::task::spawn_blocking(move || dialogs.pick_folder(title))
                .await
                .ok()
                .flatten();
            reply.send(folder);
        }
        Command::OpenKeyFile { reply, kind, path } => {
            tracing::info!(request = reply.id(), ?kind, "open key file");
            let dialogs = ctx.services.dialogs.clone();
            let result =
                tokio::task::spawn_blocking(move || open_key_file(dialogs.as_ref(), kind, path))
                    .await
                    .unwrap_or_else(|err| Err(format!("Reading the file stopped: {err}")));
            reply.send(result);
        }
        Command::SavePrivateKey {
            reply,
            private_key,
            public_key,
            passphrase,
            suggested_name,
            path,
            exactly_as_received,
        } => {
            tracing::info!(
                request = reply.id(),
                exactly_as_received,
                "save private key"
            );
            let dialogs = ctx.services.dialogs.clone();
            let result = tokio::task::spawn_blocking(move || {
                let Some(path) =
                    path.or_else(|| dialogs.pick_save("Save private key", &suggested_name))
                else {
                    return Ok(None);
                };
                save_private_key(
                    &path,
                    &private_key,
                    &public_key,
                    passphrase.as_ref(),
                    exactly_as_received,
                )
                .map(Some)
            })
            .await
            .unwrap_or_else(|err| Err(format!("Saving stopped: {err}")));
            reply.send(result);
        }
        Command::BuildInventory {
            reply,
            accounts,
            local_dirs,
            options,
        } => {
            tracing::info!(
                request = reply.id(),
                accounts = accounts.len(),
                "build inventory"
            );
            let result = tokio::task::spawn_blocking(move || {
                super::fleet::build_snapshot(&accounts, local_dirs, &options)
            })
            .await;
            match result {
                Ok(snapshot) => reply.send(snapshot),
                Err(err) => tracing::error!(%err, "building the inventory stopped"),
            }
        }
        Command::ExportInventory {
            reply,
            inventory,
            format,
        } => {
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
        account_command => handle_account(&ctx, account_command).await,
    }
}

/// The commands that talk to a provider with an account's token.
async fn handle_account(ctx: &Context, command: Command) {
    match command {
        Command::TestConnection {
            reply,
            profile,
            token,
        } => {
            tracing::info!(request = reply.id(), provider = ?profile.provider(), "test connection");
            reply.send(async { ctx.client(&profile, token).await?.test_connection().await }.await);
        }
        Command::LoadChoices {
            reply,
            profile,
            token,
            kind,
        } => {
            tracing::info!(request = reply.id(), ?kind, "load choices");
            reply.send(async { ctx.client(&profile, token).await?.list_choices(kind).await }.await);
        }
        Command::ListKeys { reply, profile } => {
            tracing::info!(request = reply.id(), provider = ?profile.provider(), "list keys");
            let result = async { ctx.client(&profile, None).await?.list_keys().await }.await;
            if let Err(err) = &result {
                tracing::warn!(request = reply.id(), kind = ?err.kind, status = ?err.status, "list keys failed");
            }
            reply.send(result);
        }
        Command::CreateKey {
            reply,
            profile,
            new_key,
        } => {
            tracing::info!(request = reply.id(), provider = ?profile.provider(), "create key");
            let client = ctx.client(&profile, None).await;
            reply.send(async { create_with_recovery(&client?, &new_key).await }.await);
        }
        Command::PublishKey {
            reply,
            profile,
            new_key,
            sha256,
        } => {
            tracing::info!(request = reply.id(), provider = ?profile.provider(), "publish key");
            let client = ctx.client(&profile, None).await;
            reply.send(async { super::fleet::publish_to(&client?, &new_key, &sha256).await }.await);
        }
        Command::RotationEffect {
            reply,
            profile,
            effect,
        } => {
            tracing::info!(request = reply.id(), provider = ?profile.provider(), "rotation step");
            let client = ctx.client(&profile, None).await;
            reply.send(async { crate::rotation::run::perform(&client?, &effect).await }.await);
        }
        key_command => handle_key_edit(ctx, key_command).await,
    }
}

/// The commands that change one key of an account.
async fn handle_key_edit(ctx: &Context, command: Command) {
    match command {
        Command::DeleteKey {
            reply,
            profile,
            key,
        } => {
            tracing::info!(request = reply.id(), provider = ?profile.provider(), "delete key");
            reply.send(async { ctx.client(&profile, None).await?.delete_key(&key).await }.await);
        }
        Command::SetShared {
            reply,
            profile,
            key,
            shared,
        } => {
            tracing::info!(request = reply.id(), shared, "set shared");
            reply.send(
                async {
                    ctx.client(&profile, None)
                        .await?
                        .set_shared(&key, shared)
                        .await
                }
                .await,
            );
        }
        Command::MakeDefault {
            reply,
            profile,
            key,
        } => {
            tracing::info!(request = reply.id(), "make default");
            reply.send(async { ctx.client(&profile, None).await?.make_default(&key).await }.await);
        }
        Command::RenameKey {
            reply,
            profile,
            key,
            name,
        } => {
            tracing::info!(request = reply.id(), "rename key");
            reply.send(
                async {
                    ctx.client(&profile, None)
                        .await?
                        .rename_key(&key, &name)
                        .await
                }
                .await,
            );
        }
        other => tracing::error!(?other, "not an account command"),
    }
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
fn save_private_key(
    path: &std::path::Path,
    private_key: &SecretString,
    public_key: &str,
    passphrase: Option<&SecretString>,
    exactly_as_received: bool,
) -> Result<keys::save::SavedKey, String> {
    let saved = if exactly_as_received {
        let public_key = Some(public_key).filter(|line| !line.trim().is_empty());
        keys::save::save_private_key_as_received(path, private_key, public_key)
    } else {
        keys::save::save_private_key(path, private_key, public_key, passphrase)
    };
    saved.map_err(|err| err.to_string())
}

/// Creates a key; when the answer is lost (timeout, dropped connection),
/// lists the account to find out whether this very key was created (by
/// fingerprint, or as the one new id; see [`super::recovery`]). Shared by
/// the window, `keyfleet publish` and rotation.
pub async fn create_with_recovery(
    client: &ProviderClient,
    new_key: &crate::providers::NewKey,
) -> Result<CreateOutcome, ApiError> {
    super::recovery::create_recovering(client, new_key, None).await
}

fn open_key_file(
    dialogs: &dyn FileDialogs,
    kind: FileKind,
    path: Option<std::path::PathBuf>,
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
