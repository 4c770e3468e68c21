//! Provider clients behind one model ([`model`]: [`RemoteKey`],
//! [`Capabilities`]; [`ApiError`]), and each provider's
//! [`spec::ProviderSpec`], which is all the window reads. This file (the
//! client dispatch, [`ProviderClient`]) and [`registry`] (the specs by kind)
//! are the only ones naming the provider files; the providers import
//! `model`, `spec`, `error`, `http` and `redact`, never these two, so there
//! is no import circle. Adding a provider: see docs/ARCHITECTURE.md.

pub mod digitalocean;
pub mod error;
pub mod gcore;
pub mod github;
pub mod gitlab;
pub mod hetzner;
pub mod http;
pub mod model;
pub mod paging;
pub mod redact;
pub mod registry;
pub mod sesterce;
pub mod spec;
pub mod terraform;
pub mod usage;

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
    /// Hetzner Cloud.
    Hetzner(hetzner::HetznerClient),
    /// DigitalOcean.
    Digitalocean(digitalocean::DigitaloceanClient),
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
            ProviderSettings::Hetzner {} => {
                Self::Hetzner(hetzner::HetznerClient::new(http, &base_url, token))
            }
            ProviderSettings::Digitalocean {} => Self::Digitalocean(
                digitalocean::DigitaloceanClient::new(http, &base_url, token),
            ),
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
            Self::Hetzner(c) => c.test_connection().await,
            Self::Digitalocean(c) => c.test_connection().await,
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
                Self::Hetzner(c) => c.list_keys().await,
                Self::Digitalocean(c) => c.list_keys().await,
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
            Self::Hetzner(c) => c.create_key(new_key).await,
            Self::Digitalocean(c) => c.create_key(new_key).await,
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
            Self::Hetzner(c) => c.delete_key(&key.id).await,
            Self::Digitalocean(c) => c.delete_key(key).await,
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

    /// Renames a key (where [`Capabilities::rename`]).
    pub async fn rename_key(&self, key: &RemoteKey, name: &str) -> Result<RemoteKey, ApiError> {
        self.update_key(key, Some(name), None).await
    }

    /// Renames a key and/or replaces all its labels (labels only where
    /// [`Capabilities::labels`]); a part given as `None` stays as it is.
    pub async fn update_key(
        &self,
        key: &RemoteKey,
        name: Option<&str>,
        labels: Option<&std::collections::BTreeMap<String, String>>,
    ) -> Result<RemoteKey, ApiError> {
        match (self, name, labels) {
            (Self::Hetzner(c), _, _) => c.update_key(&key.id, name, labels).await,
            (Self::Terraform(_), _, Some(_)) => Err(unsupported("Labelling keys")),
            (Self::Terraform(c), Some(name), None) => c.update_key(&key.id, Some(name), None).await,
            (Self::Terraform(_), None, None) | (Self::Digitalocean(_), None, None) => Err(
                ApiError::invalid_input("Nothing to change: give a new name."),
            ),
            (Self::Digitalocean(_), _, Some(_)) => Err(unsupported("Labelling keys")),
            (Self::Digitalocean(c), Some(name), None) => c.rename_key(key, name).await,
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

    /// Whether the account lists what uses its keys apart from the keys
    /// (HCP Terraform's workspaces): then the window asks for
    /// [`Self::list_keys_without_usage`] and [`Self::list_key_usage`] at
    /// once and shows the keys as soon as they arrive.
    pub fn lists_usage_apart(&self) -> bool {
        matches!(self, Self::Terraform(_))
    }

    /// Like [`Self::list_keys`], without what [`Self::list_key_usage`]
    /// lists (`used_by` stays `None`, "not known yet"). Not in a refresh
    /// budget of its own: the caller runs it in one
    /// ([`http::within_refresh_budget`]) with the usage.
    pub async fn list_keys_without_usage(&self) -> Result<Vec<RemoteKey>, ApiError> {
        match self {
            Self::Gcore(c) => c.list_keys().await,
            Self::Sesterce(c) => c.list_keys().await,
            Self::Terraform(c) => c.list_keys_without_usage().await,
            Self::Github(c) => c.list_keys().await,
            Self::Hetzner(c) => c.list_keys().await,
            Self::Digitalocean(c) => c.list_keys().await,
            Self::Gitlab(c) => c.list_keys().await,
        }
    }

    /// What uses each key, where the provider lists it apart
    /// ([`Self::lists_usage_apart`]).
    pub async fn list_key_usage(&self) -> Result<usage::KeyUsage, ApiError> {
        match self {
            Self::Terraform(c) => c.key_usage().await,
            _ => Err(unsupported("Listing what uses the keys")),
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
