//! The backend thread: owns the tokio runtime, receives commands, runs each
//! as a task, and sends events back with a repaint request.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use tokio::sync::mpsc;

use super::commands::{
    Command, CreateOutcome, Event, EventPayload, FileKind, LoadedFile, RequestId,
};
use super::dialogs::FileDialogs;
use crate::keys::{self, SecretString};
use crate::providers::{
    AccountTarget, ApiError, ApiErrorKind, Http, HttpPolicy, NewKeyMaterial, ProviderClient,
};
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

/// Handle the UI holds: send commands, poll events.
pub struct Backend {
    commands: mpsc::UnboundedSender<Command>,
    events: std_mpsc::Receiver<Event>,
    next_request: RequestId,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("next_request", &self.next_request)
            .finish()
    }
}

impl Backend {
    /// Starts the runtime thread. `repaint` is called after every event
    /// (the app passes `ctx.request_repaint`).
    pub fn start(repaint: impl Fn() + Send + Sync + 'static, services: Services) -> Self {
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let (event_tx, event_rx) = std_mpsc::channel();
        let repaint: Arc<dyn Fn() + Send + Sync> = Arc::new(repaint);
        let spawned = std::thread::Builder::new()
            .name("keyfleet-backend".into())
            .spawn(move || run(command_rx, event_tx, repaint, services));
        if let Err(err) = spawned {
            tracing::error!(%err, "could not start the backend thread");
        }
        Self {
            commands: command_tx,
            events: event_rx,
            next_request: 1,
        }
    }

    /// A fresh request id.
    pub fn next_request(&mut self) -> RequestId {
        let id = self.next_request;
        self.next_request += 1;
        id
    }

    /// Sends a command built around a fresh request id; returns that id.
    pub fn send(&mut self, build: impl FnOnce(RequestId) -> Command) -> RequestId {
        let request = self.next_request();
        if self.commands.send(build(request)).is_err() {
            tracing::error!(request, "backend is gone; command dropped");
        }
        request
    }

    /// The next pending event, without waiting.
    pub fn try_recv(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }
}

/// Shared by every task.
struct Context {
    events: std_mpsc::Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    services: Services,
    http: Result<Http, ApiError>,
}

impl Context {
    fn emit(&self, request: RequestId, profile_id: Option<String>, payload: EventPayload) {
        // The UI may be gone while shutting down; nothing to do then.
        let _ = self.events.send(Event {
            request,
            profile_id,
            payload,
        });
        (self.repaint)();
    }

    async fn token_for(
        &self,
        profile: &Profile,
        typed: Option<SecretString>,
    ) -> Result<SecretString, ApiError> {
        if let Some(token) = typed.filter(|t| !t.is_empty()) {
            return Ok(SecretString::new(token.expose().trim().to_string()));
        }
        let secrets = self.services.secrets.clone();
        let profile = profile.clone();
        // keyring's blocking calls panic inside a tokio task: use a blocking thread.
        tokio::task::spawn_blocking(move || resolve_token(&profile, secrets.as_ref()))
            .await
            .unwrap_or_else(|err| {
                Err(ApiError::new(
                    ApiErrorKind::Keyring,
                    format!("Keyring task failed: {err}"),
                ))
            })
    }

    async fn client(
        &self,
        profile: &Profile,
        typed: Option<SecretString>,
    ) -> Result<ProviderClient, ApiError> {
        let http = self.http.clone()?;
        let token = self.token_for(profile, typed).await?;
        let target = AccountTarget {
            base_url: profile.base_url.clone(),
            token,
            settings: profile.settings.clone(),
        };
        ProviderClient::new(http, &target)
    }
}

fn run(
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: std_mpsc::Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    services: Services,
) {
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
    let context = Arc::new(Context {
        events,
        repaint,
        services,
        http,
    });
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
        Command::TestConnection {
            request,
            profile,
            token,
        } => {
            tracing::info!(request, provider = ?profile.provider(), "test connection");
            let result = match ctx.client(&profile, token).await {
                Ok(client) => client.test_connection().await,
                Err(err) => Err(err),
            };
            ctx.emit(
                request,
                Some(profile.id),
                EventPayload::ConnectionTested(result),
            );
        }
        Command::LoadChoices {
            request,
            profile,
            token,
            kind,
        } => {
            tracing::info!(request, ?kind, "load choices");
            let result = match ctx.client(&profile, token).await {
                Ok(client) => client.list_choices(kind).await,
                Err(err) => Err(err),
            };
            ctx.emit(
                request,
                Some(profile.id),
                EventPayload::ChoicesLoaded(kind, result),
            );
        }
        Command::StoreToken {
            request,
            profile_id,
            token,
        } => {
            tracing::info!(request, "store token");
            let secrets = ctx.services.secrets.clone();
            let id = profile_id.clone();
            let result = tokio::task::spawn_blocking(move || secrets.set(&id, &token))
                .await
                .unwrap_or_else(|err| Err(ApiError::new(ApiErrorKind::Keyring, err.to_string())));
            ctx.emit(request, Some(profile_id), EventPayload::TokenStored(result));
        }
        Command::DeleteToken {
            request,
            profile_id,
        } => {
            tracing::info!(request, "delete token");
            let secrets = ctx.services.secrets.clone();
            let id = profile_id.clone();
            let result = tokio::task::spawn_blocking(move || secrets.delete(&id))
                .await
                .unwrap_or_else(|err| Err(ApiError::new(ApiErrorKind::Keyring, err.to_string())));
            ctx.emit(request, Some(profile_id), EventPayload::TokenStored(result));
        }
        Command::ListKeys { request, profile } => {
            tracing::info!(request, provider = ?profile.provider(), "list keys");
            let result = match ctx.client(&profile, None).await {
                Ok(client) => client.list_keys().await,
                Err(err) => Err(err),
            };
            if let Err(err) = &result {
                tracing::warn!(request, kind = ?err.kind, status = ?err.status, "list keys failed");
            }
            ctx.emit(request, Some(profile.id), EventPayload::KeysListed(result));
        }
        Command::CreateKey {
            request,
            profile,
            new_key,
        } => {
            tracing::info!(request, provider = ?profile.provider(), "create key");
            let result = match ctx.client(&profile, None).await {
                Ok(client) => create_with_recovery(&client, &new_key).await,
                Err(err) => Err(err),
            };
            ctx.emit(request, Some(profile.id), EventPayload::KeyCreated(result));
        }
        Command::DeleteKey {
            request,
            profile,
            key,
        } => {
            tracing::info!(request, provider = ?profile.provider(), "delete key");
            let result = match ctx.client(&profile, None).await {
                Ok(client) => client.delete_key(&key).await,
                Err(err) => Err(err),
            };
            ctx.emit(
                request,
                Some(profile.id),
                EventPayload::KeyDeleted {
                    key_id: key.id,
                    result,
                },
            );
        }
        Command::SetShared {
            request,
            profile,
            key,
            shared,
        } => {
            tracing::info!(request, shared, "set shared");
            let result = match ctx.client(&profile, None).await {
                Ok(client) => client.set_shared(&key, shared).await,
                Err(err) => Err(err),
            };
            ctx.emit(request, Some(profile.id), EventPayload::KeyUpdated(result));
        }
        Command::MakeDefault {
            request,
            profile,
            key,
        } => {
            tracing::info!(request, "make default");
            let result = match ctx.client(&profile, None).await {
                Ok(client) => client.make_default(&key).await,
                Err(err) => Err(err),
            };
            ctx.emit(
                request,
                Some(profile.id),
                EventPayload::DefaultMade {
                    key_id: key.id,
                    result,
                },
            );
        }
        Command::RenameKey {
            request,
            profile,
            key,
            name,
        } => {
            tracing::info!(request, "rename key");
            let result = match ctx.client(&profile, None).await {
                Ok(client) => client.rename_key(&key, &name).await,
                Err(err) => Err(err),
            };
            ctx.emit(request, Some(profile.id), EventPayload::KeyUpdated(result));
        }
        Command::ReplaceKeyValue {
            request,
            profile,
            key,
            private_key,
        } => {
            tracing::info!(request, "replace key value");
            let result = match ctx.client(&profile, None).await {
                Ok(client) => client.replace_key_value(&key, &private_key).await,
                Err(err) => Err(err),
            };
            ctx.emit(request, Some(profile.id), EventPayload::KeyUpdated(result));
        }
        Command::GenerateLocal { request, spec } => {
            tracing::info!(request, algorithm = ?spec.algorithm, "generate key locally");
            let result = tokio::task::spawn_blocking(move || keys::generate::generate(&spec))
                .await
                .map_err(|err| format!("Key generation stopped: {err}"))
                .and_then(|inner| inner.map_err(|err| err.to_string()));
            ctx.emit(request, None, EventPayload::Generated(result));
        }
        Command::OpenKeyFile {
            request,
            kind,
            path,
        } => {
            tracing::info!(request, ?kind, "open key file");
            let dialogs = ctx.services.dialogs.clone();
            let result =
                tokio::task::spawn_blocking(move || open_key_file(dialogs.as_ref(), kind, path))
                    .await
                    .unwrap_or_else(|err| Err(format!("Reading the file stopped: {err}")));
            ctx.emit(request, None, EventPayload::FileOpened(result));
        }
        Command::SavePrivateKey {
            request,
            private_key,
            public_key,
            passphrase,
            suggested_name,
            path,
            exactly_as_received,
        } => {
            tracing::info!(request, exactly_as_received, "save private key");
            let dialogs = ctx.services.dialogs.clone();
            let result = tokio::task::spawn_blocking(move || {
                let Some(path) =
                    path.or_else(|| dialogs.pick_save("Save private key", &suggested_name))
                else {
                    return Ok(None);
                };
                let saved = if exactly_as_received {
                    let public_key =
                        Some(public_key.as_str()).filter(|line| !line.trim().is_empty());
                    keys::save::save_private_key_as_received(&path, &private_key, public_key)
                } else {
                    keys::save::save_private_key(
                        &path,
                        &private_key,
                        &public_key,
                        passphrase.as_ref(),
                    )
                };
                saved.map(Some).map_err(|err| err.to_string())
            })
            .await
            .unwrap_or_else(|err| Err(format!("Saving stopped: {err}")));
            ctx.emit(request, None, EventPayload::PrivateKeySaved(result));
        }
    }
}

/// Creates a key; when the answer is lost (timeout, dropped connection),
/// lists the account to find out whether the key was created after all.
async fn create_with_recovery(
    client: &ProviderClient,
    new_key: &crate::providers::NewKey,
) -> Result<CreateOutcome, ApiError> {
    match client.create_key(new_key).await {
        Ok(created) => Ok(CreateOutcome::Created(created)),
        Err(err) if err.answer_lost() => {
            tracing::warn!(kind = ?err.kind, "create answer lost; checking the key list");
            match client.list_keys().await {
                Ok(keys) => match keys
                    .into_iter()
                    .find(|key| key.name == new_key.name && key.scope.same_place(&new_key.scope))
                {
                    Some(key) => Ok(CreateOutcome::LostButFound {
                        key,
                        private_key_lost: matches!(
                            new_key.material,
                            NewKeyMaterial::GenerateOnServer
                        ),
                    }),
                    None => {
                        let mut err = err;
                        err.message.push_str(
                            " The key list shows no key with this name, so it was not created; you can try again.",
                        );
                        Err(err)
                    }
                },
                Err(_) => {
                    let mut err = err;
                    err.message.push_str(
                        " It is not known whether the key was created: refresh the account before trying again.",
                    );
                    Err(err)
                }
            }
        }
        Err(err) => Err(err),
    }
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
