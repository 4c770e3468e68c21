//! HCP Terraform / Terraform Enterprise organization SSH keys.
//!
//! The key stored here is a **private** key (Terraform clones modules with
//! it) and is write-only: the API never returns it, so listed keys carry no
//! key material. The API is JSON:API (`application/vnd.api+json`) under
//! `/api/v2`, with `Authorization: Bearer <token>`. Organization tokens are
//! refused by every SSH key endpoint, and "forbidden" is reported as 404.

use super::model::{Capabilities, ProviderKind, StoredMaterial};
use super::spec::{
    self, ChoiceKind, FieldKey, GenerateSpec, KeyColumn, Notice, ProfileField, ProviderSettings,
    ProviderSpec,
};
use crate::keys::generate::KeyAlgorithm;
use std::collections::HashSet;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiErrorKind, ErrorRule, ErrorTable, FieldError};
use super::http::Http;
use super::http::{self, ListBudget, RawResponse, RestClient, TokenHeader};
use super::model::{Choice, CreatedKey, NewKey, NewKeyMaterial, RemoteKey};
use super::paging::{self, Unique};
use super::redact::Redactor;
use super::usage::KeyUsage;
use crate::keys::{KeyError, SecretString};

/// HCP Terraform's address; `/api/v2` is appended by the client.
pub const DEFAULT_BASE_URL: &str = "https://app.terraform.io";

/// HCP Terraform's entry in the provider table: organization keys that
/// hold a write-only private key.
pub static SPEC: ProviderSpec = ProviderSpec {
    kind: ProviderKind::Terraform,
    label: "HCP Terraform / TFE",
    default_base_url: DEFAULT_BASE_URL,
    base_url_label: "Hostname / base URL:",
    base_url_hint: Some("Keyfleet adds /api/v2. For Terraform Enterprise use https://<your-host>."),
    // Self-hosted Terraform Enterprise is normal: no host is "unofficial".
    official_base_url: None,
    token_env_var: "TFE_TOKEN",
    token_hint: Some("Use a user or team API token: organization tokens cannot manage SSH keys."),
    token_prefixes: &["Bearer "],
    capabilities: Capabilities {
        server_generate: false,
        share: false,
        make_default: false,
        rename: true,
        stores: StoredMaterial::PrivateKey,
        regional_keypairs: false,
        labels: false,
        expiry: false,
    },
    validate_key_name,
    profile_fields: &[ProfileField {
        key: FieldKey::Organization,
        label: "Organization:",
        choices: ChoiceKind::Organizations,
        load_label: "Load organizations",
        pick_label: "Pick an organization",
        multiple: false,
        load_when_token_entered: true,
        required: Some("Choose an organization (load the list, or type its name)."),
    }],
    new_settings: || ProviderSettings::Terraform { organization: None },
    account_summary: |settings| match settings {
        ProviderSettings::Terraform {
            organization: Some(organization),
        } => organization.clone(),
        _ => "no organization".into(),
    },
    columns: |_| {
        &[
            KeyColumn::Name,
            KeyColumn::Actions,
            KeyColumn::UsedBy,
            KeyColumn::Id,
        ]
    },
    hidden_columns: &[],
    account_key_kind: "Organization",
    notices: |_| {
        vec![Notice {
            warning: false,
            text: "HCP Terraform never returns key material: stored keys are write-only, so no public key or fingerprint can be shown.",
        }]
    },
    key_scopes: spec::account_scope_only,
    add_key_label: "➕ Add private key",
    private_key_hint: Some(
        "HCP Terraform stores a PRIVATE key (write-only) to clone modules; the Git server needs the matching public key as a deploy key.",
    ),
    generate: GenerateSpec {
        button_label: "🔑 Generate deploy key",
        title: "Generate deploy key",
        // Terraform clones over SSH with git: RSA PEM as documented, or Ed25519.
        algorithms: &[KeyAlgorithm::Rsa4096, KeyAlgorithm::Ed25519],
        pem: true,
        passphrase: false,
        note: Some(
            "No passphrase: HCP Terraform cannot use an encrypted key. The private key is uploaded; add the public key to your Git server's deploy keys.",
        ),
        after_upload_note: Some(
            "The public key is on the clipboard: add it to your Git server's deploy keys. HCP Terraform keeps the private key; save a copy here if you need it elsewhere.",
        ),
    },
};

/// The JSON:API media type the API speaks.
const JSON_API: &str = "application/vnd.api+json";

/// The largest page the API serves.
const PAGE_SIZE: u32 = 100;

/// A stop for paging that never ends (100 keys a page: 100 000 items).
const MAX_PAGES: u64 = 1000;

/// Longest server message we repeat in our own message.
const MAX_MESSAGE_CHARS: usize = 300;

/// Said wherever an SSH key endpoint answers 404, since the usual cause is
/// an organization token rather than a missing key.
const ORG_TOKEN_HINT: &str =
    "Organization tokens cannot manage SSH keys: use a user or team token.";

/// Checks a key name before anything is sent: not only spaces, at most 255
/// characters, no control characters.
pub fn validate_key_name(name: &str) -> Result<(), ApiError> {
    super::model::check_free_form_name(name, "SSH key", "HCP Terraform")
}

/// Checks the private key locally so a wrong paste is never uploaded: it
/// must be a private key Keyfleet can read, without a passphrase (Terraform
/// cannot enter one). Messages never quote the key. The "not PEM" warnings
/// of the full check are for the UI to show before uploading.
fn check_private_key(secret: &SecretString) -> Result<(), ApiError> {
    match crate::keys::private::check_private_key_for_upload(secret) {
        Ok(_) => Ok(()),
        Err(KeyError::PublicKeyGiven) => Err(ApiError::invalid_input(
            "HCP Terraform needs the PRIVATE key (it clones modules with it); this is a public key. Paste the file without .pub.",
        )),
        Err(err) => Err(ApiError::invalid_input(err.to_string())),
    }
}

/// A client for one HCP Terraform / TFE account (token), optionally bound
/// to one organization.
#[derive(Clone, Debug)]
pub struct TerraformClient {
    /// The endpoint at the API root, ending in `/api/v2`.
    rest: RestClient,
    organization: Option<String>,
}

/// A JSON:API document whose `data` is `T`.
#[derive(Debug, Deserialize)]
struct Document<T> {
    data: T,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Debug, Default, Deserialize)]
struct Meta {
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Debug, Default, Deserialize)]
struct Pagination {
    #[serde(rename = "current-page", default)]
    current_page: Option<u64>,
    #[serde(rename = "next-page", default)]
    next_page: Option<u64>,
    #[serde(rename = "total-pages", default)]
    total_pages: Option<u64>,
    #[serde(rename = "total-count", default)]
    total_count: Option<u64>,
}

/// One page of a JSON:API list: its items and what `meta.pagination` said.
struct ListPage<T> {
    items: Vec<T>,
    pagination: Pagination,
}

/// One resource object (an SSH key or an organization).
#[derive(Debug, Deserialize)]
struct Resource {
    id: String,
    #[serde(default)]
    attributes: Attributes,
}

#[derive(Debug, Default, Deserialize)]
struct Attributes {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "created-at", default)]
    created_at: Option<String>,
    #[serde(rename = "updated-at", default)]
    updated_at: Option<String>,
}

/// One workspace as listed, with the SSH key it uses.
#[derive(Debug, Deserialize)]
struct WorkspaceResource {
    id: String,
    #[serde(default)]
    attributes: Attributes,
    #[serde(default)]
    relationships: WorkspaceRelationships,
}

#[derive(Debug, Default, Deserialize)]
struct WorkspaceRelationships {
    #[serde(rename = "ssh-key", default)]
    ssh_key: Option<Relationship>,
}

/// A to-one relationship: `data` is `null` when nothing is linked.
#[derive(Debug, Default, Deserialize)]
struct Relationship {
    #[serde(default)]
    data: Option<Linked>,
}

#[derive(Debug, Deserialize)]
struct Linked {
    id: String,
}

impl WorkspaceResource {
    fn into_workspace(self) -> Workspace {
        Workspace {
            name: self.attributes.name.unwrap_or_else(|| self.id.clone()),
            id: self.id,
            ssh_key_id: self
                .relationships
                .ssh_key
                .and_then(|relationship| relationship.data)
                .map(|linked| linked.id),
        }
    }
}

/// A workspace of the organization and the SSH key it clones modules with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    /// `ws-…`.
    pub id: String,
    /// The workspace's name.
    pub name: String,
    /// The SSH key it uses (`sshkey-…`), if any.
    pub ssh_key_id: Option<String>,
}

/// The body assigning a key to a workspace (`id: null` unassigns), as
/// go-tfe's `workspaceAssignSSHKeyOptions` sends it.
#[derive(Serialize)]
struct AssignBody<'a> {
    data: AssignData<'a>,
}

#[derive(Serialize)]
struct AssignData<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    attributes: AssignAttributes<'a>,
}

#[derive(Serialize)]
struct AssignAttributes<'a> {
    id: Option<&'a str>,
}

impl Resource {
    fn id(&self) -> &str {
        &self.id
    }

    fn into_remote(self) -> RemoteKey {
        RemoteKey {
            name: self
                .attributes
                .name
                .unwrap_or_else(|| self.id.clone())
                .into(),
            id: self.id,
            // Write-only on the server: there is no key material to show.
            public_key: None,
            created_at: self.attributes.created_at.map(Into::into),
            updated_at: self.attributes.updated_at.map(Into::into),
            ..RemoteKey::default()
        }
    }
}

/// The request body for create and update; attributes left `None` are
/// omitted so an update keeps them.
#[derive(Serialize)]
struct WriteBody<'a> {
    data: WriteData<'a>,
}

#[derive(Serialize)]
struct WriteData<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    attributes: WriteAttributes<'a>,
}

#[derive(Serialize)]
struct WriteAttributes<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
}

/// Which endpoint failed, to word 404s and errors precisely.
#[derive(Clone, Copy)]
enum Target<'a> {
    Organizations,
    OrganizationKeys(&'a str),
    Key(&'a str),
    Workspaces(&'a str),
    Workspace(&'a str),
}

impl TerraformClient {
    /// A client for `token` at `base_url` (already normalised; `/api/v2` is
    /// appended unless present). `organization` is needed for key lists and
    /// creates.
    pub fn new(
        http: Http,
        base_url: &str,
        token: SecretString,
        organization: Option<String>,
    ) -> Self {
        let trimmed = base_url.trim().trim_end_matches('/');
        let api_root = if trimmed.ends_with("/api/v2") {
            trimmed.to_string()
        } else {
            format!("{trimmed}/api/v2")
        };
        let organization = organization
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty());
        let bearer = TokenHeader {
            name: "authorization",
            prefix: "Bearer ",
        };
        Self {
            rest: RestClient::new(http, &api_root, token, bearer, JSON_API),
            organization,
        }
    }

    /// Checks the token (one organizations page) and, when an organization
    /// is set, that this token may read its SSH keys.
    pub async fn test_connection(&self) -> Result<String, ApiError> {
        let orgs: Document<Vec<Resource>> = self
            .get_json(
                &["organizations"],
                &[("page[size]", "1".to_string())],
                Target::Organizations,
                None,
            )
            .await?;
        let org_count = orgs
            .meta
            .as_ref()
            .and_then(|meta| meta.pagination.as_ref())
            .and_then(|pagination| pagination.total_count)
            .unwrap_or(orgs.data.len() as u64);
        let Some(org) = &self.organization else {
            return Ok(format!(
                "Token works: {org_count} organization{} visible",
                plural(org_count)
            ));
        };
        let keys: Result<Document<Vec<Resource>>, ApiError> = self
            .get_json(
                &["organizations", org, "ssh-keys"],
                &[("page[size]", "1".to_string())],
                Target::OrganizationKeys(org),
                None,
            )
            .await;
        match keys {
            Ok(keys) => {
                let key_count = keys
                    .meta
                    .as_ref()
                    .and_then(|meta| meta.pagination.as_ref())
                    .and_then(|pagination| pagination.total_count)
                    .unwrap_or(keys.data.len() as u64);
                Ok(format!(
                    "Token works: organization {org} has {key_count} SSH key{}",
                    plural(key_count)
                ))
            }
            Err(mut err) if err.kind == ApiErrorKind::NotFound => {
                err.message = format!(
                    "Organization \"{org}\" not found, or this token may not manage SSH keys: organization tokens cannot (use a user or team token)."
                );
                Err(err)
            }
            Err(err) => Err(err),
        }
    }

    /// Every organization the token can see, for the profile picker.
    pub async fn list_organizations(&self) -> Result<Vec<Choice>, ApiError> {
        let resources: Vec<Resource> = self
            .get_all_pages(&["organizations"], Target::Organizations, Resource::id)
            .await?;
        Ok(resources
            .into_iter()
            .map(|resource| {
                let name = resource.attributes.name.unwrap_or(resource.id);
                Choice {
                    id: name.clone(),
                    label: name,
                }
            })
            .collect())
    }

    /// Every SSH key of the organization (names only: values are write-only),
    /// each with the names of the workspaces using it. Keys and workspaces
    /// are listed at the same time. When the workspaces cannot be listed (a
    /// token that may manage keys but not read workspaces) the keys are
    /// still returned, with `used_by` unknown.
    pub async fn list_keys(&self) -> Result<Vec<RemoteKey>, ApiError> {
        let usage = async { Ok(self.key_usage().await) };
        let (mut keys, usage) = futures::try_join!(self.list_keys_without_usage(), usage)?;
        match usage {
            Ok(usage) => usage.apply(&mut keys),
            Err(err) => {
                tracing::warn!(kind = ?err.kind, status = ?err.status, "workspaces not listed; \"used by\" unknown");
            }
        }
        Ok(keys)
    }

    /// Every SSH key of the organization, `used_by` not known yet (see
    /// [`Self::key_usage`]): what the window shows before the workspaces
    /// arrive.
    pub async fn list_keys_without_usage(&self) -> Result<Vec<RemoteKey>, ApiError> {
        let org = self.organization()?;
        let resources: Vec<Resource> = self
            .get_all_pages(
                &["organizations", org, "ssh-keys"],
                Target::OrganizationKeys(org),
                Resource::id,
            )
            .await?;
        Ok(resources.into_iter().map(Resource::into_remote).collect())
    }

    /// Which workspaces use each key ("Used by"), from one listing of the
    /// organization's workspaces.
    pub async fn key_usage(&self) -> Result<KeyUsage, ApiError> {
        let workspaces = self.list_workspaces().await?;
        Ok(KeyUsage::from_pairs(workspaces.into_iter().filter_map(
            |workspace| Some((workspace.ssh_key_id?, workspace.name)),
        )))
    }

    /// Every workspace of the organization with the SSH key it uses.
    pub async fn list_workspaces(&self) -> Result<Vec<Workspace>, ApiError> {
        let org = self.organization()?;
        let resources: Vec<WorkspaceResource> = self
            .get_all_pages(
                &["organizations", org, "workspaces"],
                Target::Workspaces(org),
                |workspace: &WorkspaceResource| workspace.id.as_str(),
            )
            .await?;
        Ok(resources
            .into_iter()
            .map(WorkspaceResource::into_workspace)
            .collect())
    }

    /// Makes the workspace clone with `ssh_key_id`, or with no key when
    /// `None`. Setting the same key twice leaves the same result, so it is
    /// retried like a GET.
    pub async fn assign_ssh_key(
        &self,
        workspace_id: &str,
        ssh_key_id: Option<&str>,
    ) -> Result<Workspace, ApiError> {
        if workspace_id.trim().is_empty() {
            return Err(ApiError::invalid_input(
                "No workspace was chosen (the workspace id is empty).",
            ));
        }
        if let Some(id) = ssh_key_id {
            check_id(id)?;
        }
        let body = serde_json::to_vec(&AssignBody {
            data: AssignData {
                kind: "workspaces",
                attributes: AssignAttributes { id: ssh_key_id },
            },
        })
        .map_err(|_| ApiError::invalid_input("The request could not be encoded."))?;
        let segments = ["workspaces", workspace_id, "relationships", "ssh-key"];
        http::with_retries(self.rest.policy(), true, |_attempt| {
            let body = body.clone();
            async move {
                let response = self
                    .send(Method::PATCH, &segments, &[], Some((body, None)))
                    .await?;
                if !response.is_success() {
                    return Err(self.error(&response, Target::Workspace(workspace_id), None));
                }
                let updated: Document<WorkspaceResource> = self.decode(&response, None)?;
                Ok(updated.data.into_workspace())
            }
        })
        .await
    }

    /// Uploads a private key. Never retried: a lost answer may mean the key
    /// was created.
    pub async fn create_key(&self, new_key: &NewKey) -> Result<CreatedKey, ApiError> {
        let org = self.organization()?;
        super::model::check_account_scope(&new_key.scope, "HCP Terraform")?;
        validate_key_name(&new_key.name)?;
        let secret = match &new_key.material {
            NewKeyMaterial::PrivateKey(secret) => secret,
            NewKeyMaterial::PublicKey(_) => {
                return Err(ApiError::invalid_input(
                    "HCP Terraform needs the PRIVATE key (it clones modules with it); this is a public key. Paste the file without .pub.",
                ));
            }
            NewKeyMaterial::GenerateOnServer => {
                return Err(ApiError::invalid_input(
                    "HCP Terraform cannot generate keys; generate one locally and upload its private key.",
                ));
            }
        };
        check_private_key(secret)?;
        let body = encode_body(Some(new_key.name.trim()), Some(secret))?;
        let target = Target::OrganizationKeys(org);
        let response = self
            .send(
                Method::POST,
                &["organizations", org, "ssh-keys"],
                &[],
                Some((body, Some(secret))),
            )
            .await
            .map_err(ApiError::noting_a_possible_create)?;
        if !response.is_success() {
            return Err(self.error(&response, target, Some(secret)));
        }
        let created: Document<Resource> = self.decode(&response, Some(secret))?;
        Ok(CreatedKey {
            key: created.data.into_remote(),
            private_key: None,
        })
    }

    /// Renames the key (and, as the seed documents, sends a new private key
    /// when `value` is given; omitted parts keep their current value).
    /// HCP Terraform applies the name only: the key text was never
    /// updatable, so Keyfleet rotates instead of sending `value`.
    pub async fn update_key(
        &self,
        id: &str,
        name: Option<&str>,
        value: Option<&SecretString>,
    ) -> Result<RemoteKey, ApiError> {
        check_id(id)?;
        if name.is_none() && value.is_none() {
            return Err(ApiError::invalid_input(
                "Nothing to change: give a new name or a new private key.",
            ));
        }
        if let Some(name) = name {
            validate_key_name(name)?;
        }
        if let Some(secret) = value {
            check_private_key(secret)?;
        }
        let body = encode_body(name.map(str::trim), value)?;
        // Sending the same attributes twice leaves the same result.
        http::with_retries(self.rest.policy(), true, |_attempt| {
            let body = body.clone();
            async move {
                let response = self
                    .send(Method::PATCH, &["ssh-keys", id], &[], Some((body, value)))
                    .await?;
                if !response.is_success() {
                    return Err(self.error(&response, Target::Key(id), value));
                }
                let updated: Document<Resource> = self.decode(&response, value)?;
                Ok(updated.data.into_remote())
            }
        })
        .await
    }

    /// Deletes the key. A 404 on a retry means an earlier attempt already
    /// deleted it.
    pub async fn delete_key(&self, id: &str) -> Result<(), ApiError> {
        check_id(id)?;
        http::with_retries(self.rest.policy(), true, |attempt| async move {
            let response = self
                .send(Method::DELETE, &["ssh-keys", id], &[], None)
                .await?;
            if response.is_success() {
                return Ok(());
            }
            let err = self.error(&response, Target::Key(id), None);
            if attempt > 0 && err.kind == ApiErrorKind::NotFound {
                return Ok(());
            }
            Err(err)
        })
        .await
    }

    fn organization(&self) -> Result<&str, ApiError> {
        self.organization.as_deref().ok_or_else(|| {
            ApiError::invalid_input(
                "Choose an organization first (edit the account and pick one from the list).",
            )
        })
    }

    /// Every item of a paged list in two round trips: page 1 names the
    /// number of pages (`meta.pagination.total-pages`), and the others are
    /// then fetched together ([`paging::fetch_in_order`]). Items are kept
    /// once per id. When the list changed meanwhile (another total, fewer
    /// items than it said), pages shifted, so it is listed once more; a
    /// server without `total-pages` is followed page by page.
    async fn get_all_pages<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        target: Target<'_>,
        id_of: fn(&T) -> &str,
    ) -> Result<Vec<T>, ApiError> {
        // One budget for both passes: together they are one listing.
        let budget = ListBudget::new(self.rest.policy());
        let (items, consistent) = self.list_pass(segments, target, id_of, &budget).await?;
        if consistent {
            return Ok(items);
        }
        drop(items);
        tracing::debug!(
            path = segments.join("/"),
            "list changed while paging; listing again"
        );
        let (items, consistent) = self.list_pass(segments, target, id_of, &budget).await?;
        if !consistent {
            tracing::warn!(
                path = segments.join("/"),
                "HCP Terraform's list kept changing while paging; showing what was read"
            );
        }
        Ok(items)
    }

    /// One listing pass; the flag says whether its pages agreed.
    async fn list_pass<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        target: Target<'_>,
        id_of: fn(&T) -> &str,
        budget: &ListBudget,
    ) -> Result<(Vec<T>, bool), ApiError> {
        let id = |item: &T| Some(id_of(item).to_string());
        let first: ListPage<T> = self.get_page(segments, 1, target, budget).await?;
        let mut items = Unique::default();
        // An empty page ends the list, whatever its links say.
        if items.extend(first.items, id) == 0 {
            return Ok((items.into_vec(), true));
        }
        let total_count = first.pagination.total_count;
        let Some(total_pages) = first.pagination.total_pages else {
            let items = self
                .follow_next_pages(segments, target, budget, items, id_of, first.pagination)
                .await?;
            return Ok((items, true));
        };
        let rest = paging::pages_after_first(total_pages, MAX_PAGES, "HCP Terraform")?;
        let mut consistent = true;
        paging::fetch_in_order(
            rest,
            |page| self.get_page::<T>(segments, page, target, budget),
            |_, page| {
                consistent &= page.pagination.total_count == total_count;
                items.extend(page.items, id);
                Ok(())
            },
        )
        .await?;
        consistent &= total_count.is_none_or(|count| count == items.len() as u64);
        Ok((items.into_vec(), consistent))
    }

    /// Follows `meta.pagination.next-page` one page at a time, for a
    /// server that does not say how many pages there are. Stops on an
    /// empty page; fails if the pages go backwards or never end.
    async fn follow_next_pages<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        target: Target<'_>,
        budget: &ListBudget,
        mut items: Unique<T>,
        id_of: fn(&T) -> &str,
        mut pagination: Pagination,
    ) -> Result<Vec<T>, ApiError> {
        let mut page: u64 = 1;
        let mut seen = HashSet::from([page]);
        while let Some(next) = pagination.next_page {
            let current = pagination.current_page.unwrap_or(page);
            if next <= current {
                return Err(ApiError::new(
                    ApiErrorKind::MalformedResponse,
                    format!(
                        "HCP Terraform's paging went backwards (page {current} points to page {next}); the list was not loaded."
                    ),
                ));
            }
            if !seen.insert(next) || next > MAX_PAGES {
                return Err(ApiError::new(
                    ApiErrorKind::MalformedResponse,
                    format!(
                        "HCP Terraform's paging did not end (page {next} requested again or more than {MAX_PAGES} pages); the list was not loaded."
                    ),
                ));
            }
            page = next;
            let got: ListPage<T> = self.get_page(segments, page, target, budget).await?;
            if got.items.is_empty() {
                break;
            }
            items.extend(got.items, |item| Some(id_of(item).to_string()));
            pagination = got.pagination;
        }
        Ok(items.into_vec())
    }

    /// Page `page` of a list at the largest page size, charged to `budget`.
    async fn get_page<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        page: u64,
        target: Target<'_>,
        budget: &ListBudget,
    ) -> Result<ListPage<T>, ApiError> {
        let query = [
            ("page[size]", PAGE_SIZE.to_string()),
            ("page[number]", page.to_string()),
        ];
        let document: Document<Vec<T>> = self
            .get_json(segments, &query, target, Some(budget))
            .await?;
        Ok(ListPage {
            items: document.data,
            pagination: document
                .meta
                .and_then(|meta| meta.pagination)
                .unwrap_or_default(),
        })
    }

    /// An idempotent GET decoded as JSON, with retries; a listing's pages
    /// are counted against its `budget`.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        target: Target<'_>,
        budget: Option<&ListBudget>,
    ) -> Result<T, ApiError> {
        http::with_retries(self.rest.policy(), true, |_attempt| async move {
            let response = self.send(Method::GET, segments, query, None).await?;
            if !response.is_success() {
                return Err(self.error(&response, target, None));
            }
            if let Some(budget) = budget {
                budget.charge(&response)?;
            }
            self.decode(&response, None)
        })
        .await
    }

    /// Sends one request to `<api root>/segments…?query`, with a body and
    /// the private key it holds, if any (so an echo of it is redacted).
    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<(Vec<u8>, Option<&SecretString>)>,
    ) -> Result<RawResponse, ApiError> {
        let mut url = self.url(segments)?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(key, value)| (*key, value.as_str())));
        }
        let private_key = body.as_ref().and_then(|(_, key)| *key);
        let redactor = self.redactor(private_key);
        let body = body.map(|(bytes, _)| (bytes, JSON_API));
        self.rest.send(method, url, body, &redactor).await
    }

    /// The URL with each segment percent-encoded, so an id or organization
    /// name can never change the path or add a query.
    fn url(&self, segments: &[&str]) -> Result<reqwest::Url, ApiError> {
        self.rest.url(segments)
    }

    /// What removes the token, and the private key a request sent, from
    /// text out of an answer.
    fn redactor<'a>(&'a self, private_key: Option<&'a SecretString>) -> Redactor<'a> {
        self.rest.redactor().with_private_key(private_key)
    }

    /// Maps an error response to an [`ApiError`] the user can act on
    /// ([`ERRORS`]). Text from the server is redacted before anything is
    /// built from it.
    fn error(
        &self,
        response: &RawResponse,
        target: Target<'_>,
        private_key: Option<&SecretString>,
    ) -> ApiError {
        let redactor = self.redactor(private_key);
        let errors = parse_errors(&response.body);
        let status = response.status;
        let answer = ErrorAnswer {
            status,
            summary: errors
                .iter()
                .map(|error| redactor.short(&error.text(), MAX_MESSAGE_CHARS))
                .filter(|text| !text.is_empty())
                .collect::<Vec<_>>()
                .join("; "),
            not_found: not_found_message(target),
            organization_keys: matches!(target, Target::OrganizationKeys(_)),
            base_url: self.rest.base_url().to_string(),
        };
        let mut err = ERRORS.error(status, &answer);
        if matches!(status, 400 | 422) {
            let mut fields = field_errors(&errors);
            for field in &mut fields {
                for message in &mut field.messages {
                    *message = redactor.short(message, MAX_MESSAGE_CHARS);
                }
            }
            err = err.with_fields(fields);
        }
        if status == 429 || status == 503 {
            err = err.with_retry_after(http::wait_from_headers(&response.headers));
        }
        redactor.error(err.with_details(redactor.excerpt(&response.body)))
    }

    /// Decodes a success body; a decoding error is redacted like any other.
    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        response: &RawResponse,
        private_key: Option<&SecretString>,
    ) -> Result<T, ApiError> {
        response.json(&self.redactor(private_key))
    }
}

fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Refuses an empty id, which would address another endpoint.
fn check_id(id: &str) -> Result<(), ApiError> {
    if id.trim().is_empty() {
        return Err(ApiError::invalid_input(
            "No SSH key was chosen (the key id is empty).",
        ));
    }
    Ok(())
}

/// Serialises a create/update body. The private key passes through here
/// only; it never reaches a message.
fn encode_body(name: Option<&str>, value: Option<&SecretString>) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(&WriteBody {
        data: WriteData {
            kind: "ssh-keys",
            attributes: WriteAttributes {
                name,
                value: value.map(SecretString::expose),
            },
        },
    })
    .map_err(|_| ApiError::invalid_input("The request could not be encoded."))
}

/// What [`ERRORS`] reads from an error answer, redacted.
struct ErrorAnswer {
    status: u16,
    /// The JSON:API errors' titles and details, joined (may be empty).
    summary: String,
    /// What a 404 means for the request's target.
    not_found: String,
    /// The request was for an organization's key list.
    organization_keys: bool,
    base_url: String,
}

impl ErrorAnswer {
    /// `: summary`, or nothing.
    fn said(&self) -> String {
        if self.summary.is_empty() {
            String::new()
        } else {
            format!(": {}", self.summary)
        }
    }
}

/// HCP Terraform's error table. A 404 also stands for "not authorized"
/// (Terraform hides what a token may not see) and for an unknown path.
static ERRORS: ErrorTable<ErrorAnswer> = ErrorTable {
    rules: &[
        ErrorRule {
            statuses: &[401..=401],
            when: None,
            kind: ApiErrorKind::BadCredentials,
            wording: |_| {
                "HCP Terraform refused the token (401). It may be mistyped, expired or revoked: create a user or team API token in HCP Terraform and update this account.".into()
            },
        },
        // Terraform answers 404 for unknown paths too: a typo in the base
        // URL looks exactly like a missing organization.
        ErrorRule {
            statuses: &[404..=404],
            when: Some(|answer| answer.organization_keys),
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                format!(
                    "{} If the organization and token are right, check the API base URL ({}) in the account settings.",
                    answer.not_found, answer.base_url
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: None,
            kind: ApiErrorKind::NotFound,
            wording: |answer| answer.not_found.clone(),
        },
        ErrorRule {
            statuses: &[400..=400, 422..=422],
            when: None,
            kind: ApiErrorKind::Validation,
            wording: |answer| {
                format!(
                    "HCP Terraform refused the request ({}): {}.",
                    answer.status,
                    if answer.summary.is_empty() {
                        "the request was invalid"
                    } else {
                        &answer.summary
                    }
                )
            },
        },
        ErrorRule {
            statuses: &[429..=429],
            when: None,
            kind: ApiErrorKind::RateLimited,
            wording: |_| {
                "HCP Terraform is limiting requests (429, at most 30 per second); wait a moment and try again.".into()
            },
        },
        ErrorRule {
            statuses: &[500..=599],
            when: None,
            kind: ApiErrorKind::Server,
            wording: |answer| {
                format!(
                    "HCP Terraform had a server error (HTTP {}); try again later.",
                    answer.status
                )
            },
        },
        ErrorRule {
            statuses: &[403..=403],
            when: None,
            kind: ApiErrorKind::Forbidden,
            wording: answered,
        },
        ErrorRule {
            statuses: &[409..=409],
            when: None,
            kind: ApiErrorKind::Conflict,
            wording: answered,
        },
    ],
    fallback: ErrorRule {
        statuses: &[],
        when: None,
        kind: ApiErrorKind::UnexpectedStatus,
        wording: answered,
    },
};

/// The wording of a status with no advice of its own.
fn answered(answer: &ErrorAnswer) -> String {
    format!(
        "HCP Terraform answered HTTP {}{}.",
        answer.status,
        answer.said()
    )
}

fn not_found_message(target: Target<'_>) -> String {
    match target {
        Target::Organizations => {
            "HCP Terraform says the organizations list was not found or not authorized for this token; check the API base URL.".to_string()
        }
        Target::OrganizationKeys(org) => format!(
            "Organization \"{org}\" not found or not authorized for this token. {ORG_TOKEN_HINT}"
        ),
        Target::Key(id) => format!(
            "SSH key {id} not found or not authorized (it may have been deleted; refresh the list). {ORG_TOKEN_HINT}"
        ),
        Target::Workspaces(org) => format!(
            "The workspaces of organization \"{org}\" were not found or this token may not read them."
        ),
        Target::Workspace(id) => format!(
            "Workspace {id} not found, or this token may not change its settings."
        ),
    }
}

/// One JSON:API error object.
#[derive(Debug, Default, Deserialize)]
struct JsonApiError {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    source: Option<ErrorSource>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorSource {
    #[serde(default)]
    pointer: Option<String>,
}

impl JsonApiError {
    /// The detail, else the title.
    fn text(&self) -> String {
        self.detail
            .as_deref()
            .filter(|detail| !detail.trim().is_empty())
            .or(self.title.as_deref())
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// The last segment of `source.pointer` (`/data/attributes/name` → `name`).
    fn field(&self) -> String {
        self.source
            .as_ref()
            .and_then(|source| source.pointer.as_deref())
            .and_then(|pointer| pointer.rsplit('/').next())
            .filter(|segment| !segment.is_empty())
            .unwrap_or("request")
            .to_string()
    }
}

#[derive(Debug, Deserialize)]
struct ErrorDocument {
    #[serde(default)]
    errors: Vec<JsonApiError>,
}

/// The error objects of a body; none if it is not a JSON:API error document.
fn parse_errors(body: &[u8]) -> Vec<JsonApiError> {
    serde_json::from_slice::<ErrorDocument>(body)
        .map(|document| document.errors)
        .unwrap_or_default()
}

/// One field error per pointed-at field, in the order the API gave them.
fn field_errors(errors: &[JsonApiError]) -> Vec<FieldError> {
    let mut fields: Vec<FieldError> = Vec::new();
    for error in errors {
        let text = error.text();
        if text.is_empty() {
            continue;
        }
        let field = error.field();
        match fields.iter_mut().find(|existing| existing.field == field) {
            Some(existing) => existing.messages.push(text),
            None => fields.push(FieldError {
                field,
                messages: vec![text],
            }),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One sample answer per row of [`ERRORS`], in order, then the
    /// fallback: every row can be reached (none is shadowed by another).
    #[test]
    fn every_error_row_is_reachable() {
        let answer = |status, organization_keys| ErrorAnswer {
            status,
            summary: String::new(),
            not_found: "Not found.".into(),
            organization_keys,
            base_url: "https://app.terraform.io/api/v2".into(),
        };
        let samples = [
            answer(401, false),
            answer(404, true),
            answer(404, false),
            answer(422, false),
            answer(429, false),
            answer(500, false),
            answer(403, false),
            answer(409, false),
            answer(418, false),
        ];
        let rows: Vec<Option<usize>> = samples.iter().map(|a| ERRORS.row(a.status, a)).collect();
        let mut expected: Vec<Option<usize>> = (0..ERRORS.rules.len()).map(Some).collect();
        expected.push(None);
        assert_eq!(rows, expected);
    }

    #[test]
    fn api_root_gets_api_v2_once() {
        let http = Http::new(http::HttpPolicy::default()).unwrap();
        let client =
            TerraformClient::new(http.clone(), "https://tfe.example.com", "t".into(), None);
        assert_eq!(client.rest.base_url(), "https://tfe.example.com/api/v2");
        let client =
            TerraformClient::new(http, "https://tfe.example.com/api/v2/", "t".into(), None);
        assert_eq!(client.rest.base_url(), "https://tfe.example.com/api/v2");
        assert_eq!(
            client.url(&["ssh-keys", "a/b?c"]).unwrap().as_str(),
            "https://tfe.example.com/api/v2/ssh-keys/a%2Fb%3Fc"
        );
    }

    #[test]
    fn field_errors_from_pointers() {
        let errors = parse_errors(
            br#"{"errors":[{"status":"422","title":"invalid attribute","detail":"Name can't be blank","source":{"pointer":"/data/attributes/name"}},{"status":"422","title":"bad"}]}"#,
        );
        let fields = field_errors(&errors);
        assert_eq!(fields[0].field, "name");
        assert_eq!(fields[0].messages, vec!["Name can't be blank"]);
        assert_eq!(fields[1].field, "request");
        assert_eq!(fields[1].messages, vec!["bad"]);
    }

    #[test]
    fn private_key_check_refuses_wrong_pastes() {
        let public = SecretString::new(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDb0dANa2HkfRoY9RfuQxgZUW1i2P8XAinARx3I5xuNY x",
        );
        assert!(
            check_private_key(&public)
                .unwrap_err()
                .message
                .contains("public key")
        );
        let encrypted = SecretString::new(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----",
        );
        assert!(
            check_private_key(&encrypted)
                .unwrap_err()
                .message
                .contains("passphrase")
        );
        let garbage = SecretString::new("hello");
        assert!(
            check_private_key(&garbage)
                .unwrap_err()
                .message
                .contains("not a private key")
        );
        let damaged = SecretString::new(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
        );
        assert_eq!(
            check_private_key(&damaged).unwrap_err().kind,
            ApiErrorKind::InvalidInput
        );
    }
}
