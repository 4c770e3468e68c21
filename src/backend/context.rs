//! What every backend task shares: the outside world ([`Services`]), the
//! HTTP client, and making an account's provider client with its token
//! (shared with the command line).

use std::sync::Arc;

use super::dialogs::FileDialogs;
use crate::inventory::agent::AgentSocket;
use crate::keys::SecretString;
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
    /// The ssh-agent's socket (`SSH_AUTH_SOCK`, the demo's own agent, or
    /// none in tests).
    pub agent: AgentSocket,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("secrets", &self.secrets.describe())
            .field("http_policy", &self.http_policy)
            .field("agent", &self.agent)
            .finish()
    }
}

/// Shared by every task.
pub(super) struct Context {
    pub(super) services: Services,
    http: Result<Http, ApiError>,
}

impl Context {
    /// The context of a backend whose HTTP client is `http` (or why none).
    pub(super) fn new(services: Services, http: Result<Http, ApiError>) -> Self {
        Self { services, http }
    }

    /// A client for `profile` with its token (`typed`, else the stored one).
    pub(super) async fn client(
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
