//! Provider clients behind one model ([`model`]: [`RemoteKey`],
//! [`Capabilities`]; [`ApiError`]), and each provider's
//! [`spec::ProviderSpec`], which is all the window reads. This file (the
//! client dispatch, [`ProviderClient`]) and [`registry`] (the specs by kind)
//! are the only ones naming the provider files; the providers import
//! `model`, `spec`, `error`, `http` and `redact`, never these two, so there
//! is no import circle. Adding a provider: see docs/ARCHITECTURE.md.

pub mod error;
pub mod gcore;
pub mod github;
pub mod gitlab;
pub mod http;
pub mod model;
pub mod redact;
pub mod registry;
pub mod sesterce;
pub mod spec;
pub mod terraform;

pub use error::{ApiError, ApiErrorKind, FieldError};
pub use http::{Http, HttpPolicy};
pub use model::{
    Capabilities, Choice, CreatedKey, KeyScope, NewKey, NewKeyMaterial, ProviderKind, RemoteKey,
    ShortText, StoredMaterial,
};
pub use spec::{ChoiceKind, ProviderSettings, ProviderSpec};

use crate::keys::secret::SecretString;

/// Everything needed to reach one account.
#[derive(Clone, Debug)]
pub struct AccountTarget {
    /// Normalised API base URL.
    pub base_url: String,
    /// The token.
    pub token: SecretString,
    /// What the provider needs beyond URL and token (project, organization).
    pub settings: ProviderSettings,
}

/// A client for one account of any provider.
#[derive(Clone, Debug)]
pub enum ProviderClient {
    /// Gcore Cloud.
    Gcore(gcore::GcoreClient),
    /// Sesterce.
    Sesterce(sesterce::SesterceClient),
    /// HCP Terraform.
    Terraform(terraform::TerraformClient),
    /// GitHub.
    Github(github::GithubClient),
    /// GitLab.
    Gitlab(gitlab::GitlabClient),
}

impl ProviderClient {
    /// Builds the client for `target`, validating URL and token first.
    pub fn new(http: Http, target: &AccountTarget) -> Result<Self, ApiError> {
        let base_url = http::normalize_base_url(&target.base_url)?;
        http::check_token(target.token.expose())?;
        let token = target.token.clone();
        Ok(match &target.settings {
            ProviderSettings::Gcore {
                project_id,
                region_ids,
            } => Self::Gcore(gcore::GcoreClient::new(
                http,
                &base_url,
                token,
                *project_id,
                region_ids.clone(),
            )),
            ProviderSettings::Sesterce {} => {
                Self::Sesterce(sesterce::SesterceClient::new(http, &base_url, token))
            }
            ProviderSettings::Terraform { organization } => Self::Terraform(
                terraform::TerraformClient::new(http, &base_url, token, organization.clone()),
            ),
            ProviderSettings::Github {} => {
                Self::Github(github::GithubClient::new(http, &base_url, token))
            }
            ProviderSettings::Gitlab {} => {
                Self::Gitlab(gitlab::GitlabClient::new(http, &base_url, token))
            }
        })
    }

    /// Checks that the token works; returns a short description of what it reached.
    pub async fn test_connection(&self) -> Result<String, ApiError> {
        match self {
            Self::Gcore(c) => c.test_connection().await,
            Self::Sesterce(c) => c.test_connection().await,
            Self::Terraform(c) => c.test_connection().await,
            Self::Github(c) => c.test_connection().await,
            Self::Gitlab(c) => c.test_connection().await,
        }
    }

    /// Every key of the account (all pages, all chosen regions), within
    /// the policy's refresh budget ([`http::within_refresh_budget`]).
    pub async fn list_keys(&self) -> Result<Vec<RemoteKey>, ApiError> {
        http::within_refresh_budget(async {
            match self {
                Self::Gcore(c) => c.list_keys().await,
                Self::Sesterce(c) => c.list_keys().await,
                Self::Terraform(c) => c.list_keys().await,
                Self::Github(c) => c.list_keys().await,
                Self::Gitlab(c) => c.list_keys().await,
            }
        })
        .await
    }

    /// Creates a key. Never retried automatically.
    pub async fn create_key(&self, new_key: &NewKey) -> Result<CreatedKey, ApiError> {
        match self {
            Self::Gcore(c) => c.create_key(new_key).await,
            Self::Sesterce(c) => c.create_key(new_key).await,
            Self::Terraform(c) => c.create_key(new_key).await,
            Self::Github(c) => c.create_key(new_key).await,
            Self::Gitlab(c) => c.create_key(new_key).await,
        }
    }

    /// Deletes a key. A 404 on a retry counts as done.
    pub async fn delete_key(&self, key: &RemoteKey) -> Result<(), ApiError> {
        match self {
            Self::Gcore(c) => c.delete_key(key).await,
            Self::Sesterce(c) => c.delete_key(&key.id).await,
            Self::Terraform(c) => c.delete_key(&key.id).await,
            Self::Github(c) => c.delete_key(key).await,
            Self::Gitlab(c) => c.delete_key(key).await,
        }
    }

    /// Gcore: share or unshare in the project.
    pub async fn set_shared(&self, key: &RemoteKey, shared: bool) -> Result<RemoteKey, ApiError> {
        match self {
            Self::Gcore(c) => c.set_shared(key, shared).await,
            _ => Err(unsupported("Sharing")),
        }
    }

    /// Sesterce: make this key the default.
    pub async fn make_default(&self, key: &RemoteKey) -> Result<(), ApiError> {
        match self {
            Self::Sesterce(c) => c.make_default(&key.id).await,
            _ => Err(unsupported("Making a key the default")),
        }
    }

    /// Terraform: rename a key.
    pub async fn rename_key(&self, key: &RemoteKey, name: &str) -> Result<RemoteKey, ApiError> {
        match self {
            Self::Terraform(c) => c.update_key(&key.id, Some(name), None).await,
            _ => Err(unsupported("Renaming")),
        }
    }

    /// HCP Terraform: the organization's workspaces with the SSH key each
    /// uses (what "Used by" counts and a rotation moves).
    pub async fn list_workspaces(&self) -> Result<Vec<terraform::Workspace>, ApiError> {
        match self {
            Self::Terraform(c) => c.list_workspaces().await,
            _ => Err(unsupported("Listing workspaces")),
        }
    }

    /// HCP Terraform: makes a workspace use `key_id` (`None`: no key).
    pub async fn assign_workspace_key(
        &self,
        workspace_id: &str,
        key_id: Option<&str>,
    ) -> Result<terraform::Workspace, ApiError> {
        match self {
            Self::Terraform(c) => c.assign_ssh_key(workspace_id, key_id).await,
            _ => Err(unsupported("Assigning a workspace's key")),
        }
    }

    /// A list for an account field's picker (projects, regions,
    /// organizations), where the provider has it.
    pub async fn list_choices(&self, kind: ChoiceKind) -> Result<Vec<Choice>, ApiError> {
        match (self, kind) {
            (Self::Gcore(c), ChoiceKind::Projects) => c.list_projects().await,
            (Self::Gcore(c), ChoiceKind::Regions) => c.list_regions().await,
            (Self::Terraform(c), ChoiceKind::Organizations) => c.list_organizations().await,
            _ => Err(unsupported("This list")),
        }
    }
}

fn unsupported(what: &str) -> ApiError {
    ApiError::invalid_input(format!("{what} is not supported by this provider."))
}
