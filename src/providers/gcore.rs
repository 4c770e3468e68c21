//! Gcore Cloud: project SSH keys (`/cloud/v1/ssh_keys`) and legacy regional
//! keypairs (`/cloud/v1/keypairs`), plus the project and region pickers.
//!
//! Lists page with `limit=1000`; once the first page gives the total, the
//! remaining pages are fetched concurrently. Creates are never retried (a
//! lost answer may mean the key exists); everything else is idempotent and
//! retried by [`http::with_retries`].

use super::model::{Capabilities, ProviderKind, StoredMaterial};
use super::spec::{
    ChoiceKind, FieldKey, KeyColumn, Notice, ProfileField, ProviderSettings, ProviderSpec,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use zeroize::Zeroize;

use super::error::{ApiError, ApiErrorKind, ErrorRule, ErrorTable, FieldError};
use super::http::Http;
use super::http::{self, ListBudget, RawResponse, RestClient, TokenHeader};
// Pages fetched at once after the first one: the same for every provider.
use super::model::{Choice, CreatedKey, KeyScope, NewKey, NewKeyMaterial, RemoteKey};
use super::paging::PAGE_CONCURRENCY;
use super::redact::Redactor;
use crate::keys::SecretString;

/// Gcore's public API address.
pub const DEFAULT_BASE_URL: &str = "https://api.gcore.com";

/// Gcore's entry in the provider table: project keys, optional legacy
/// regional keypairs, server-side generation and sharing.
pub static SPEC: ProviderSpec = ProviderSpec {
    kind: ProviderKind::Gcore,
    label: "Gcore Cloud",
    default_base_url: DEFAULT_BASE_URL,
    base_url_label: "API base URL:",
    base_url_hint: None,
    official_base_url: Some(DEFAULT_BASE_URL),
    token_env_var: "GCORE_API_KEY",
    token_hint: None,
    token_prefixes: &["APIKey "],
    capabilities: Capabilities {
        server_generate: true,
        share: true,
        make_default: false,
        rename: false,
        stores: StoredMaterial::PublicKey,
        regional_keypairs: true,
        labels: false,
        expiry: false,
    },
    validate_key_name,
    profile_fields: &[
        ProfileField {
            key: FieldKey::Project,
            label: "Project ID:",
            choices: ChoiceKind::Projects,
            load_label: "Load projects",
            pick_label: "Pick a project",
            multiple: false,
            load_when_token_entered: true,
            required: Some("Choose a project (load the list, or type the project number)."),
        },
        ProfileField {
            key: FieldKey::Regions,
            label: "Legacy regional keypairs:",
            choices: ChoiceKind::Regions,
            load_label: "Load regions",
            pick_label: "Regions",
            multiple: true,
            load_when_token_entered: false,
            required: None,
        },
    ],
    new_settings: || ProviderSettings::Gcore {
        project_id: None,
        region_ids: Vec::new(),
    },
    account_summary: |settings| match settings {
        ProviderSettings::Gcore {
            project_id: Some(project),
            ..
        } => format!("project {project}"),
        _ => "no project".into(),
    },
    columns: |settings| {
        use KeyColumn::*;
        match settings {
            ProviderSettings::Gcore { region_ids, .. } if !region_ids.is_empty() => &[
                Name, Actions, Kind, Algorithm, Sha256, Md5, Shared, State, Created,
            ],
            _ => &[
                Name, Actions, Algorithm, Sha256, Md5, Shared, State, Created,
            ],
        }
    },
    hidden_columns: &[],
    account_key_kind: "Project",
    notices: |settings| match settings {
        ProviderSettings::Gcore { region_ids, .. } if !region_ids.is_empty() => vec![Notice {
            warning: true,
            text: "Regional keypairs use Gcore's deprecated keypairs API; use \"Copy to project\" to copy one to project SSH keys.",
        }],
        _ => Vec::new(),
    },
    key_scopes: |settings| {
        let mut scopes = vec![(KeyScope::Account, "Project SSH key".to_string())];
        if let ProviderSettings::Gcore { region_ids, .. } = settings {
            scopes.extend(region_ids.iter().map(|&region_id| {
                (
                    KeyScope::Region {
                        region_id,
                        region_name: format!("Region {region_id}"),
                    },
                    format!("Legacy keypair in region {region_id}"),
                )
            }));
        }
        scopes
    },
    add_key_label: "➕ Add key",
    private_key_hint: None,
    generate: super::spec::GENERATE_LOCALLY,
};

/// Page size we ask for (the API's maximum; its default is only 10).
const PAGE_LIMIT: usize = 1000;
/// Most pages one listing pass will fetch, whatever `count` claims.
const MAX_PAGES: usize = 1000;
/// Most extra pages fetched for keys created while we were paging.
const MAX_TAIL_PAGES: usize = 20;
/// Key name length limits implied by the seed's pattern.
const NAME_MIN_CHARS: usize = 3;
const NAME_MAX_CHARS: usize = 63;
/// Longest provider message we repeat in our own message.
const MAX_PROVIDER_MESSAGE_CHARS: usize = 300;

/// What a 404 means for most calls.
const NOT_FOUND_GENERIC: &str = "Gcore says the project or key does not exist";

/// Checks a key name against Gcore's pattern (from the API seed)
/// `^[a-zA-Z0-9][a-zA-Z 0-9._\-]{1,61}[a-zA-Z0-9._]$`, explaining in plain
/// words what is wrong: empty, too short (min 3), too long (max 63), the
/// first or last character, or which character is not allowed.
pub fn validate_key_name(name: &str) -> Result<(), ApiError> {
    let chars: Vec<char> = name.chars().collect();
    let reason = if chars.is_empty() {
        Some(format!(
            "The key name is empty. Enter {NAME_MIN_CHARS} to {NAME_MAX_CHARS} characters: letters, digits, spaces, '.', '_' or '-'."
        ))
    } else if chars.len() < NAME_MIN_CHARS {
        Some(format!(
            "The key name \"{name}\" is too short: Gcore needs at least {NAME_MIN_CHARS} characters."
        ))
    } else if chars.len() > NAME_MAX_CHARS {
        Some(format!(
            "The key name is too long ({} characters): Gcore allows at most {NAME_MAX_CHARS}.",
            chars.len()
        ))
    } else if let Some(&first) = chars.first().filter(|c| !c.is_ascii_alphanumeric()) {
        Some(format!(
            "The key name must start with a letter or digit (A-Z, a-z, 0-9), not {}.",
            describe_char(first)
        ))
    } else if let Some(&last) = chars
        .last()
        .filter(|c| !(c.is_ascii_alphanumeric() || **c == '.' || **c == '_'))
    {
        Some(format!(
            "The key name must end with a letter, digit, '.' or '_', not {}.",
            describe_char(last)
        ))
    } else {
        chars
            .iter()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-')))
            .map(|bad| {
                format!(
                    "The key name contains {}, which Gcore does not allow; use only letters (A-Z, a-z), digits, spaces, '.', '_' and '-'.",
                    describe_char(*bad)
                )
            })
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(ApiError::invalid_field("name", reason)),
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

/// A client for one Gcore account (token) and project.
///
/// `Debug` shows no token: [`SecretString`] redacts it.
#[derive(Clone, Debug)]
pub struct GcoreClient {
    rest: RestClient,
    project_id: Option<u64>,
    region_ids: Vec<u64>,
    // Region display names, fetched once per client (they rarely change).
    region_names: Arc<OnceCell<HashMap<u64, String>>>,
}

impl GcoreClient {
    /// A client for `base_url` (already normalised), acting in `project_id`
    /// and showing the legacy keypairs of `region_ids`.
    pub fn new(
        http: Http,
        base_url: &str,
        token: SecretString,
        project_id: Option<u64>,
        region_ids: Vec<u64>,
    ) -> Self {
        let mut unique = HashSet::new();
        let region_ids = region_ids
            .into_iter()
            .filter(|id| unique.insert(*id))
            .collect();
        let api_key = TokenHeader {
            name: "authorization",
            prefix: "APIKey ",
        };
        Self {
            rest: RestClient::new(http, base_url, token, api_key, "application/json"),
            project_id,
            region_ids,
            region_names: Arc::new(OnceCell::new()),
        }
    }

    /// Checks the token by listing one project, and that the chosen project
    /// exists. Returns e.g. "Token works: 2 projects visible".
    pub async fn test_connection(&self) -> Result<String, ApiError> {
        let url = self.url(&["cloud", "v1", "projects"], Some("limit=1&offset=0"))?;
        let response = self.get(url, NOT_FOUND_GENERIC).await?;
        let page: Page<Value> = self.decode(&response)?;
        let count = page.count.unwrap_or(page.results.len() as u64);
        let plural = if count == 1 { "" } else { "s" };
        let mut summary = format!("Token works: {count} project{plural} visible");
        if let Some(project_id) = self.project_id {
            let url = self.url(&["cloud", "v1", "projects", &project_id.to_string()], None)?;
            let project: ProjectDto = match self.get(url, NOT_FOUND_GENERIC).await {
                Ok(response) => self.decode(&response)?,
                Err(mut err) if err.kind == ApiErrorKind::NotFound => {
                    err.message = format!(
                        "Project {project_id} does not exist or the token cannot see it (404). Choose another project in the account settings."
                    );
                    return Err(err);
                }
                Err(err) => return Err(err),
            };
            summary.push_str(&format!(
                "; project {project_id} \"{}\" is reachable",
                project.name.unwrap_or_default()
            ));
        }
        Ok(summary)
    }

    /// Every project SSH key (all pages) plus the legacy keypairs of every
    /// configured region, fetched concurrently.
    pub async fn list_keys(&self) -> Result<Vec<RemoteKey>, ApiError> {
        let project_id = self.project()?;
        let project_keys = async {
            let segments = ["cloud", "v1", "ssh_keys", &project_id.to_string()].map(String::from);
            let rule = ItemRule {
                id_of: |dto: &SshKeyDto| dto.id.clone(),
                convert: |dto: SshKeyDto| Ok(dto.into_remote(KeyScope::Account)?.0),
            };
            self.list_all(&segments, rule, NOT_FOUND_GENERIC).await
        };
        let regional_keys = async {
            if self.region_ids.is_empty() {
                return Ok(Vec::new());
            }
            let lists = futures::future::try_join_all(
                self.region_ids
                    .iter()
                    .map(|&region_id| self.list_keypairs(project_id, region_id)),
            );
            let (names, lists) = futures::join!(self.region_names(), lists);
            let mut keys = Vec::new();
            for (&region_id, dtos) in self.region_ids.iter().zip(lists?) {
                let region_name = names
                    .get(&region_id)
                    .cloned()
                    .unwrap_or_else(|| format!("Region {region_id}"));
                for dto in dtos {
                    let scope = KeyScope::Region {
                        region_id,
                        region_name: region_name.clone(),
                    };
                    keys.push(dto.into_remote(scope)?.0);
                }
            }
            Ok(keys)
        };
        let (mut keys, regional) = futures::try_join!(project_keys, regional_keys)?;
        keys.reserve_exact(regional.len());
        keys.extend(regional);
        Ok(keys)
    }

    /// Creates (imports or has Gcore generate) a project key or a regional
    /// keypair. Validates the name and key locally first and is never
    /// retried. A generated private key comes back in
    /// [`CreatedKey::private_key`].
    pub async fn create_key(&self, new_key: &NewKey) -> Result<CreatedKey, ApiError> {
        let project_id = self.project()?;
        let public_key = match &new_key.material {
            NewKeyMaterial::PublicKey(text) => Some(SPEC.check_public_key(text)?.openssh),
            NewKeyMaterial::GenerateOnServer => None,
            NewKeyMaterial::PrivateKey(_) => {
                return Err(ApiError::invalid_input(
                    "Gcore stores public keys only; the private key was not sent. Paste the public key (the .pub file) or let Gcore generate the pair.",
                ));
            }
        };
        validate_key_name(&new_key.name)?;
        let (url, name_field, not_found) = match &new_key.scope {
            KeyScope::Signing => return Err(no_signing_keys()),
            KeyScope::Account => (
                self.url(&["cloud", "v1", "ssh_keys", &project_id.to_string()], None)?,
                "name",
                NOT_FOUND_GENERIC.to_string(),
            ),
            KeyScope::Region { region_id, .. } => (
                self.url(
                    &[
                        "cloud",
                        "v1",
                        "keypairs",
                        &project_id.to_string(),
                        &region_id.to_string(),
                    ],
                    None,
                )?,
                "sshkey_name",
                format!("Gcore says project {project_id} or region {region_id} does not exist"),
            ),
        };
        let mut body = json!({
            name_field: new_key.name,
            "shared_in_project": new_key.shared_in_project,
        });
        if let (Some(public_key), Some(object)) = (public_key, body.as_object_mut()) {
            object.insert("public_key".into(), Value::String(public_key));
        }
        let mut response = http::with_retries(self.rest.policy(), false, |_attempt| {
            let url = url.clone();
            let body = &body;
            let not_found = &not_found;
            async move {
                self.call_checked(Method::POST, url, Some(body), not_found)
                    .await
            }
        })
        .await
        .map_err(|mut err| {
            if err.kind == ApiErrorKind::Conflict {
                err.message.push_str(&format!(
                    " A key named \"{}\" probably exists already: choose another name.",
                    new_key.name
                ));
            }
            may_have_been_created(err)
        })?;
        let decoded = match &new_key.scope {
            KeyScope::Signing => return Err(no_signing_keys()),
            KeyScope::Account => self
                .decode::<SshKeyDto>(&response)
                .and_then(|dto| dto.into_remote(new_key.scope.clone())),
            KeyScope::Region { .. } => self
                .decode::<KeypairDto>(&response)
                .and_then(|dto| dto.into_remote(new_key.scope.clone())),
        };
        // The body may hold the generated private key: wipe our copy of it.
        response.body.zeroize();
        let (key, private_key) = decoded.map_err(may_have_been_created)?;
        Ok(CreatedKey { key, private_key })
    }

    /// Deletes a key or keypair. Retried when safe; a 404 on a retry means
    /// the first attempt already deleted it, so it counts as success.
    pub async fn delete_key(&self, key: &RemoteKey) -> Result<(), ApiError> {
        let url = self.key_url(&key.scope, &key.id, false)?;
        http::with_retries(self.rest.policy(), true, |attempt| {
            let url = url.clone();
            async move {
                let response = self.call(Method::DELETE, url, None).await?;
                if response.is_success() || (response.status == 404 && attempt > 0) {
                    Ok(())
                } else {
                    Err(self.status_error(&response, NOT_FOUND_GENERIC))
                }
            }
        })
        .await
    }

    /// Shares (`true`) or unshares a key with all users of the project;
    /// returns the key as Gcore now reports it.
    pub async fn set_shared(&self, key: &RemoteKey, shared: bool) -> Result<RemoteKey, ApiError> {
        let url = self.key_url(&key.scope, &key.id, true)?;
        let body = json!({ "shared_in_project": shared });
        let response = http::with_retries(self.rest.policy(), true, |_attempt| {
            let url = url.clone();
            let body = &body;
            async move {
                self.call_checked(Method::PATCH, url, Some(body), NOT_FOUND_GENERIC)
                    .await
            }
        })
        .await
        .map_err(|mut err| {
            if err.kind == ApiErrorKind::Conflict {
                err.message
                    .push_str(" The key may be being deleted: refresh the list.");
            }
            err
        })?;
        let updated = match &key.scope {
            KeyScope::Signing => return Err(no_signing_keys()),
            KeyScope::Account => self
                .decode::<SshKeyDto>(&response)?
                .into_remote(key.scope.clone())?,
            KeyScope::Region { .. } => self
                .decode::<KeypairDto>(&response)?
                .into_remote(key.scope.clone())?,
        };
        Ok(updated.0)
    }

    /// The token's projects for the profile picker, labelled "name (id)".
    pub async fn list_projects(&self) -> Result<Vec<Choice>, ApiError> {
        let segments = ["cloud", "v1", "projects"].map(String::from);
        let projects: Vec<ProjectDto> = self
            .list_all(
                &segments,
                ItemRule::as_is(|project: &ProjectDto| project.id.clone()),
                NOT_FOUND_GENERIC,
            )
            .await?;
        Ok(projects
            .into_iter()
            .filter_map(|project| {
                let id = project.id?;
                let label = match project.name.filter(|name| !name.trim().is_empty()) {
                    Some(name) => format!("{name} ({id})"),
                    None => format!("Project {id}"),
                };
                Some(Choice { id, label })
            })
            .collect())
    }

    /// Gcore's regions for the profile picker, labelled by display name.
    pub async fn list_regions(&self) -> Result<Vec<Choice>, ApiError> {
        let regions = self.fetch_regions().await?;
        let names: HashMap<u64, String> = regions
            .iter()
            .filter_map(|choice| Some((choice.id.parse().ok()?, choice.label.clone())))
            .collect();
        // Fill the name cache for free; it is fine if it was already set.
        let _ = self.region_names.set(names);
        Ok(regions)
    }

    // -----------------------------------------------------------------------
    // Internals

    fn project(&self) -> Result<u64, ApiError> {
        self.project_id.ok_or_else(|| {
            ApiError::invalid_input("Choose a project for this Gcore account first.")
        })
    }

    async fn fetch_regions(&self) -> Result<Vec<Choice>, ApiError> {
        let segments = ["cloud", "v1", "regions"].map(String::from);
        let regions: Vec<RegionDto> = self
            .list_all(
                &segments,
                ItemRule::as_is(|region: &RegionDto| region.id.clone()),
                NOT_FOUND_GENERIC,
            )
            .await?;
        Ok(regions
            .into_iter()
            .filter_map(|region| {
                let id = region.id?;
                let label = region
                    .display_name
                    .or(region.slug)
                    .filter(|name| !name.trim().is_empty())
                    .unwrap_or_else(|| format!("Region {id}"));
                Some(Choice { id, label })
            })
            .collect())
    }

    /// Region names by id, fetched once; empty (ids shown instead) when the
    /// lookup fails, since names are cosmetic and must not hide the keys.
    async fn region_names(&self) -> HashMap<u64, String> {
        let result = self
            .region_names
            .get_or_try_init(|| async {
                let regions = self.fetch_regions().await?;
                Ok::<_, ApiError>(
                    regions
                        .into_iter()
                        .filter_map(|choice| Some((choice.id.parse().ok()?, choice.label)))
                        .collect(),
                )
            })
            .await;
        match result {
            Ok(names) => names.clone(),
            Err(err) => {
                tracing::debug!(kind = ?err.kind, "could not fetch Gcore region names");
                HashMap::new()
            }
        }
    }

    async fn list_keypairs(
        &self,
        project_id: u64,
        region_id: u64,
    ) -> Result<Vec<KeypairDto>, ApiError> {
        let segments = [
            "cloud".to_string(),
            "v1".into(),
            "keypairs".into(),
            project_id.to_string(),
            region_id.to_string(),
        ];
        let not_found = format!(
            "Gcore says region {region_id} or project {project_id} does not exist; remove the region from the account settings"
        );
        self.list_all(&segments, ItemRule::as_is(KeypairDto::id), &not_found)
            .await
    }

    /// The URL of one key: `ssh_keys/{p}/{id}` or `keypairs/{p}/{r}/{id}`
    /// (plus `/share` for sharing a keypair).
    fn key_url(&self, scope: &KeyScope, id: &str, share: bool) -> Result<Url, ApiError> {
        let project_id = self.project()?.to_string();
        if id.trim().is_empty() {
            return Err(ApiError::invalid_input(
                "This key has no id; refresh the list and try again.",
            ));
        }
        match scope {
            KeyScope::Signing => Err(no_signing_keys()),
            KeyScope::Account => self.url(&["cloud", "v1", "ssh_keys", &project_id, id], None),
            KeyScope::Region { region_id, .. } => {
                let region_id = region_id.to_string();
                let mut segments = vec!["cloud", "v1", "keypairs", &project_id, &region_id, id];
                if share {
                    segments.push("share");
                }
                self.url(&segments, None)
            }
        }
    }

    /// Builds a URL from path segments (each percent-encoded) and a query.
    fn url(&self, segments: &[&str], query: Option<&str>) -> Result<Url, ApiError> {
        let mut url = self.rest.url(segments)?;
        url.set_query(query);
        Ok(url)
    }

    /// What removes this account's secrets from text out of an answer.
    fn redactor(&self) -> Redactor<'_> {
        self.rest.redactor()
    }

    /// Sends one request with the token and reads the whole answer.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<RawResponse, ApiError> {
        // Serialising a `Value` cannot fail; an empty body would be refused
        // by the server rather than sent wrongly.
        let body = body.map(|value| {
            (
                serde_json::to_vec(value).unwrap_or_default(),
                "application/json",
            )
        });
        self.rest.send(method, url, body, &self.redactor()).await
    }

    /// [`Self::call`], turning a non-2xx status into an error.
    async fn call_checked(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        not_found: &str,
    ) -> Result<RawResponse, ApiError> {
        let response = self.call(method, url, body).await?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(self.status_error(&response, not_found))
        }
    }

    /// A GET with retries.
    async fn get(&self, url: Url, not_found: &str) -> Result<RawResponse, ApiError> {
        http::with_retries(self.rest.policy(), true, |_attempt| {
            let url = url.clone();
            async move { self.call_checked(Method::GET, url, None, not_found).await }
        })
        .await
    }

    fn decode<T: DeserializeOwned>(&self, response: &RawResponse) -> Result<T, ApiError> {
        response.json::<T>(&self.redactor())
    }

    /// Every item of a paged list. Asks for [`PAGE_LIMIT`] items; when the
    /// first page shows more remain, fetches the other pages concurrently.
    /// If the list changed meanwhile (the total moved, or a page came back
    /// short), lists once more, since offsets then shifted; items are
    /// deduplicated by id and the number of pages is bounded.
    ///
    /// Each new item is turned into a `U` by `convert` as its page arrives,
    /// so the wire form of at most the pages in flight is held at once.
    async fn list_all<T, U>(
        &self,
        segments: &[String],
        items: ItemRule<T, U>,
        not_found: &str,
    ) -> Result<Vec<U>, ApiError>
    where
        T: DeserializeOwned,
    {
        // One budget for both passes: together they are one listing.
        let budget = ListBudget::new(self.rest.policy());
        let (listed, consistent) = self.list_pass(segments, items, not_found, &budget).await?;
        if consistent {
            return Ok(listed);
        }
        // The first pass's items go before the second reads its own.
        drop(listed);
        tracing::debug!(
            path = segments.join("/"),
            "list changed while paging; listing again"
        );
        let (listed, consistent) = self.list_pass(segments, items, not_found, &budget).await?;
        if !consistent {
            tracing::warn!(
                path = segments.join("/"),
                "Gcore's list kept changing while paging; showing what was read"
            );
        }
        Ok(listed)
    }

    async fn fetch_page<T: DeserializeOwned>(
        &self,
        segments: &[String],
        offset: usize,
        not_found: &str,
        budget: &ListBudget,
    ) -> Result<(Page<T>, usize), ApiError> {
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let query = format!("limit={PAGE_LIMIT}&offset={offset}");
        let url = self.url(&segments, Some(&query))?;
        let response = self.get(url, not_found).await?;
        budget.charge(&response)?;
        Ok((self.decode(&response)?, response.body.len()))
    }

    /// One listing pass; the flag says whether the pages were consistent.
    async fn list_pass<T: DeserializeOwned, U>(
        &self,
        segments: &[String],
        rule: ItemRule<T, U>,
        not_found: &str,
        budget: &ListBudget,
    ) -> Result<(Vec<U>, bool), ApiError> {
        let (first, first_bytes): (Page<T>, usize) =
            self.fetch_page(segments, 0, not_found, budget).await?;
        let step = first.results.len();
        // Without a count there is nothing to page through.
        let first_count = first.count.map_or(step, to_usize);
        let capacity = reservation::<U>(
            first_count,
            step,
            first_bytes,
            self.rest.policy().max_list_bytes,
        );
        let mut items = Deduplicated::with_capacity(rule, capacity);
        items.extend(first.results)?;
        if step == 0 || step >= first_count {
            return Ok((items.into_vec(), true));
        }

        let offsets: Vec<usize> = (step..first_count).step_by(step).take(MAX_PAGES).collect();
        // Pages are taken in order as they arrive, so only the ones in
        // flight are held, not every page of the list.
        let mut pages = std::pin::pin!(
            futures::stream::iter(offsets)
                .map(|offset| async move {
                    self.fetch_page::<T>(segments, offset, not_found, budget)
                        .await
                        .map(|(page, _)| (offset, page))
                })
                .buffered(PAGE_CONCURRENCY)
        );

        let mut consistent = true;
        let mut count = first_count;
        let mut next_offset = step;
        while let Some((offset, page)) = pages.try_next().await? {
            let len = page.results.len();
            count = page.count.map_or(count, to_usize);
            let expected = step.min(first_count.saturating_sub(offset));
            if count != first_count || len < expected {
                consistent = false;
            }
            next_offset = offset + len;
            items.extend(page.results)?;
        }

        // Keys created while we paged land after the last page (oldest first).
        let mut tail_pages = 0;
        while next_offset < count && tail_pages < MAX_TAIL_PAGES {
            let (page, _): (Page<T>, usize) = self
                .fetch_page(segments, next_offset, not_found, budget)
                .await?;
            tail_pages += 1;
            let len = page.results.len();
            count = page.count.map_or(count, to_usize);
            let added = items.extend(page.results)?;
            if len == 0 || added == 0 {
                break;
            }
            next_offset += len;
        }
        if items.len() != count {
            consistent = false;
        }
        Ok((items.into_vec(), consistent))
    }

    /// The error for a non-2xx answer, in Gcore's terms ([`ERRORS`]), with
    /// the field messages Gcore gave and an excerpt of the body, all redacted.
    fn status_error(&self, response: &RawResponse, not_found: &str) -> ApiError {
        let redactor = self.redactor();
        let body: GcoreErrorBody = serde_json::from_slice(&response.body).unwrap_or_default();
        let status = response.status;
        let answer = ErrorAnswer {
            status,
            // Redacted before it is shortened, so no cut leaves part of a secret.
            said: body
                .message()
                .map(|message| {
                    format!(": {}", redactor.short(&message, MAX_PROVIDER_MESSAGE_CHARS))
                })
                .unwrap_or_default(),
            not_found: not_found.to_string(),
            retry_after: matches!(status, 429 | 503)
                .then(|| http::wait_from_headers(&response.headers))
                .flatten(),
            base_url: self.rest.base_url().to_string(),
        };
        let error = ERRORS
            .error(status, &answer)
            .with_retry_after(answer.retry_after)
            .with_details(redactor.excerpt(&response.body))
            .with_fields(body.fields());
        redactor.error(error)
    }
}

/// What [`ERRORS`] reads from an error answer, redacted.
struct ErrorAnswer {
    status: u16,
    /// `: Gcore's message`, or nothing.
    said: String,
    /// What a 404 means for the request ("Project 1 was not found").
    not_found: String,
    /// How long Gcore asked to wait (429, 503).
    retry_after: Option<std::time::Duration>,
    base_url: String,
}

/// Gcore's error table.
static ERRORS: ErrorTable<ErrorAnswer> = ErrorTable {
    rules: &[
        ErrorRule {
            statuses: &[401..=401],
            when: None,
            kind: ApiErrorKind::BadCredentials,
            wording: |_| {
                "Gcore refused the API token (401). Check the token in the account settings.".into()
            },
        },
        ErrorRule {
            statuses: &[403..=403],
            when: None,
            kind: ApiErrorKind::Forbidden,
            wording: |answer| {
                format!(
                    "Gcore denied access (403){}. The token's role may not allow this in the project.",
                    answer.said
                )
            },
        },
        // A typo in the base URL also ends in 404, so name it as a cause.
        ErrorRule {
            statuses: &[404..=404],
            when: None,
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                format!(
                    "{} (404){}. Refresh the list, or check the project and the API base URL ({}) in the account settings.",
                    answer.not_found, answer.said, answer.base_url
                )
            },
        },
        ErrorRule {
            statuses: &[400..=400, 422..=422],
            when: None,
            kind: ApiErrorKind::Validation,
            wording: |answer| {
                format!(
                    "Gcore refused the request ({}){}.",
                    answer.status, answer.said
                )
            },
        },
        // Callers add what a conflict means for their request.
        ErrorRule {
            statuses: &[409..=409],
            when: None,
            kind: ApiErrorKind::Conflict,
            wording: |answer| format!("Gcore reports a conflict (409){}.", answer.said),
        },
        ErrorRule {
            statuses: &[429..=429],
            when: None,
            kind: ApiErrorKind::RateLimited,
            wording: |answer| match answer.retry_after {
                Some(wait) => format!(
                    "Gcore is limiting requests (429); wait {} s and try again.",
                    wait.as_secs_f64().ceil()
                ),
                None => "Gcore is limiting requests (429); wait a moment and try again.".into(),
            },
        },
        ErrorRule {
            statuses: &[500..=599],
            when: None,
            kind: ApiErrorKind::Server,
            wording: |answer| {
                format!(
                    "Gcore had a server error (HTTP {}){}. Try again in a moment.",
                    answer.status, answer.said
                )
            },
        },
    ],
    fallback: ErrorRule {
        statuses: &[],
        when: None,
        kind: ApiErrorKind::UnexpectedStatus,
        wording: |answer| {
            format!(
                "Gcore answered with unexpected HTTP status {}{}.",
                answer.status, answer.said
            )
        },
    },
};

/// Adds the warning a create needs when its answer was lost or unreadable.
fn may_have_been_created(mut error: ApiError) -> ApiError {
    if error.answer_lost() || error.kind == ApiErrorKind::MalformedResponse {
        error.message.push_str(
            " The key may have been created anyway: refresh the list before trying again.",
        );
    }
    error
}

/// How many items a listing reserves room for up front, so the usual list
/// is read without regrowth copies. `count` is the server's word, so it
/// only ever lowers the figure: the reservation is capped by the listing's
/// byte cap, both as items of the first page's size on the wire (what the
/// cap lets the listing read) and as memory (at most `max_list_bytes` for
/// the items themselves). A hostile `count` with a huge first page of tiny
/// items once sized this by `count` times the page, and the allocation
/// aborted the process.
fn reservation<U>(
    count: usize,
    first_page_items: usize,
    first_page_bytes: usize,
    max_list_bytes: usize,
) -> usize {
    let wire_bytes_per_item = first_page_bytes
        .checked_div(first_page_items)
        .unwrap_or(0)
        .max(1);
    let readable_items = max_list_bytes / wire_bytes_per_item;
    let memory_items = max_list_bytes / std::mem::size_of::<U>().max(1);
    count
        .min(first_page_items.saturating_mul(MAX_PAGES + 1))
        .min(readable_items)
        .min(memory_items)
}

fn to_usize(count: u64) -> usize {
    usize::try_from(count).unwrap_or(usize::MAX)
}

/// Items in arrival order, each id kept once.
struct Deduplicated<T, U> {
    items: Vec<U>,
    seen: HashSet<String>,
    rule: ItemRule<T, U>,
}

/// How a paged list's items are named (for deduplication) and turned into
/// what the caller keeps.
struct ItemRule<T, U> {
    id_of: fn(&T) -> Option<String>,
    convert: fn(T) -> Result<U, ApiError>,
}

// Two fn pointers: copyable whatever `T` and `U` are.
impl<T, U> Clone for ItemRule<T, U> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, U> Copy for ItemRule<T, U> {}

impl<T> ItemRule<T, T> {
    /// Items kept as they came.
    fn as_is(id_of: fn(&T) -> Option<String>) -> Self {
        Self { id_of, convert: Ok }
    }
}

impl<T, U> Deduplicated<T, U> {
    fn with_capacity(rule: ItemRule<T, U>, capacity: usize) -> Self {
        Self {
            items: Vec::with_capacity(capacity),
            seen: HashSet::with_capacity(capacity),
            rule,
        }
    }

    /// Adds the items not seen yet; returns how many were new.
    fn extend(&mut self, items: Vec<T>) -> Result<usize, ApiError> {
        let before = self.items.len();
        for item in items {
            let is_new = match (self.rule.id_of)(&item) {
                Some(id) => self.seen.insert(id),
                None => true,
            };
            if is_new {
                self.items.push((self.rule.convert)(item)?);
            }
        }
        Ok(self.items.len() - before)
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn into_vec(self) -> Vec<U> {
        self.items
    }
}

// ---------------------------------------------------------------------------
// Wire formats

/// `{"count": total, "results": [...]}`; a missing count means one page.
#[derive(Deserialize)]
struct Page<T> {
    #[serde(default)]
    count: Option<u64>,
    results: Vec<T>,
}

/// Accepts a string or a number (ids are strings, but be lenient).
fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::String(text)) => Some(text),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    })
}

/// Reads a private key straight into a [`SecretString`].
fn optional_secret<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?
        .filter(|text| !text.trim().is_empty())
        .map(SecretString::new))
}

fn md5_fingerprint(fingerprint: Option<String>) -> Option<String> {
    fingerprint
        .map(|text| text.trim().trim_start_matches("MD5:").to_ascii_lowercase())
        .filter(|text| !text.is_empty())
}

/// A project SSH key (`SSHKeySerializer`, plus `private_key` on create).
/// No `Debug`: it may hold a private key.
#[derive(Deserialize)]
pub(crate) struct SshKeyDto {
    #[serde(deserialize_with = "lenient_string")]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    shared_in_project: Option<bool>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default, deserialize_with = "optional_secret")]
    private_key: Option<SecretString>,
}

impl SshKeyDto {
    fn into_remote(self, scope: KeyScope) -> Result<(RemoteKey, Option<SecretString>), ApiError> {
        let id = self.id.filter(|id| !id.trim().is_empty()).ok_or_else(|| {
            ApiError::new(
                ApiErrorKind::MalformedResponse,
                "Gcore returned an SSH key without an id.",
            )
        })?;
        let key = RemoteKey {
            id,
            name: self.name.unwrap_or_default().into(),
            public_key: self.public_key.filter(|text| !text.trim().is_empty()),
            fingerprint_md5: md5_fingerprint(self.fingerprint),
            created_at: self.created_at.map(Into::into),
            shared_in_project: self.shared_in_project,
            state: self.state.map(Into::into),
            scope,
            ..RemoteKey::default()
        }
        .with_local_fingerprints();
        Ok((key, self.private_key))
    }
}

/// A legacy regional keypair. The API answers with `sshkey_id` and
/// `sshkey_name`; the seed's schema calls them `id` and `name`. Both
/// spellings are accepted, also together (the `sshkey_*` ones win), which
/// plain serde aliases would refuse as duplicates. No `Debug`: it may hold a
/// private key.
#[derive(Deserialize)]
pub(crate) struct KeypairDto {
    #[serde(default, deserialize_with = "lenient_string")]
    sshkey_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    id: Option<String>,
    #[serde(default)]
    sshkey_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    shared_in_project: Option<bool>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default, deserialize_with = "optional_secret")]
    private_key: Option<SecretString>,
}

impl KeypairDto {
    fn id(&self) -> Option<String> {
        self.sshkey_id.clone().or_else(|| self.id.clone())
    }

    fn into_remote(self, scope: KeyScope) -> Result<(RemoteKey, Option<SecretString>), ApiError> {
        let id = self
            .id()
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    ApiErrorKind::MalformedResponse,
                    "Gcore returned a keypair without an id (neither sshkey_id nor id).",
                )
            })?;
        let key = RemoteKey {
            id,
            name: self.sshkey_name.or(self.name).unwrap_or_default().into(),
            public_key: self.public_key.filter(|text| !text.trim().is_empty()),
            fingerprint_md5: md5_fingerprint(self.fingerprint),
            created_at: self.created_at.map(Into::into),
            shared_in_project: self.shared_in_project,
            state: self.state.map(Into::into),
            scope,
            ..RemoteKey::default()
        }
        .with_local_fingerprints();
        Ok((key, self.private_key))
    }
}

#[derive(Deserialize)]
struct ProjectDto {
    #[serde(default, deserialize_with = "lenient_string")]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct RegionDto {
    #[serde(default, deserialize_with = "lenient_string")]
    id: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    slug: Option<String>,
}

/// Gcore's error body; every part optional, since proxies answer otherwise.
#[derive(Deserialize, Default)]
struct GcoreErrorBody {
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    detail: Option<Value>,
    #[serde(default)]
    invalid_fields: Option<Value>,
}

impl GcoreErrorBody {
    /// Gcore's message without a final period (not yet redacted or cut).
    fn message(&self) -> Option<String> {
        let text = match self.message.as_ref().or(self.detail.as_ref())? {
            Value::String(text) => text.clone(),
            Value::Null => return None,
            other => other.to_string(),
        };
        let text = text.trim().trim_end_matches('.').trim();
        if text.is_empty() {
            return None;
        }
        Some(text.to_string())
    }

    /// `invalid_fields: {field: [messages]}` (a single string also accepted).
    fn fields(&self) -> Vec<FieldError> {
        let Some(Value::Object(fields)) = &self.invalid_fields else {
            return Vec::new();
        };
        fields
            .iter()
            .map(|(field, value)| {
                let messages = match value {
                    Value::Array(items) => items
                        .iter()
                        .map(|item| match item {
                            Value::String(text) => text.clone(),
                            other => other.to_string(),
                        })
                        .collect(),
                    Value::String(text) => vec![text.clone()],
                    other => vec![other.to_string()],
                };
                FieldError {
                    field: field.clone(),
                    messages,
                }
            })
            .collect()
    }
}

/// Gcore keys open connections; it has no commit-signing keys.
fn no_signing_keys() -> ApiError {
    ApiError::invalid_input("Gcore has no signing keys; add the key as a project SSH key.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One sample answer per row of [`ERRORS`], in order, then the
    /// fallback: every row can be reached (none is shadowed by another).
    #[test]
    fn every_error_row_is_reachable() {
        let answer = |status| ErrorAnswer {
            status,
            said: String::new(),
            not_found: "Project 1 was not found".into(),
            retry_after: None,
            base_url: DEFAULT_BASE_URL.into(),
        };
        let samples = [401, 403, 404, 400, 409, 429, 503, 418].map(answer);
        let rows: Vec<Option<usize>> = samples.iter().map(|a| ERRORS.row(a.status, a)).collect();
        let mut expected: Vec<Option<usize>> = (0..ERRORS.rules.len()).map(Some).collect();
        expected.push(None);
        assert_eq!(rows, expected);
    }

    const SEED_PATTERN: &str = r"^[a-zA-Z0-9][a-zA-Z 0-9._\-]{1,61}[a-zA-Z0-9._]$";

    #[test]
    fn the_reservation_never_follows_a_huge_count() {
        let cap = crate::providers::http::MAX_LIST_BYTES;
        // An ordinary list: room for every key the count promises.
        assert_eq!(reservation::<RemoteKey>(2500, 1000, 400_000, cap), 2500);
        // A 10 MB first page of 9-byte items claiming 10^18 keys: bounded by
        // what the cap lets the listing read, and by memory.
        let items = 10 * 1024 * 1024 / 9;
        let reserved = reservation::<RemoteKey>(usize::MAX, items, items * 9, cap);
        assert!(reserved <= cap / 9, "{reserved}");
        assert!(
            reserved * std::mem::size_of::<RemoteKey>() <= cap,
            "{reserved}"
        );
        // Nothing to divide by: no panic, no reservation beyond the count.
        assert_eq!(reservation::<RemoteKey>(0, 0, 0, cap), 0);
        assert_eq!(reservation::<()>(7, 0, 0, cap), 0);
    }

    #[test]
    fn name_rules_explain_what_is_wrong() {
        assert!(validate_key_name("my-ssh-key").is_ok());
        assert!(validate_key_name("abc").is_ok());
        assert!(validate_key_name("Work laptop 2024.").is_ok());
        let cases = [
            ("", "empty"),
            ("ab", "too short"),
            (&"a".repeat(64), "too long"),
            ("-abc", "start with"),
            (" abc", "a space"),
            ("abc-", "end with"),
            ("ab/cd", "'/'"),
            ("abécd", "'é'"),
        ];
        for (name, expected) in cases {
            let err = validate_key_name(name).unwrap_err();
            assert_eq!(err.kind, ApiErrorKind::InvalidInput);
            assert!(err.message.contains(expected), "{name:?}: {}", err.message);
            assert_eq!(err.fields[0].field, "name");
        }
    }

    proptest! {
        #[test]
        fn name_check_matches_the_seed_pattern(name in "[a-zA-Z0-9 ._/é-]{0,70}") {
            let pattern = regex::Regex::new(SEED_PATTERN).unwrap();
            prop_assert_eq!(validate_key_name(&name).is_ok(), pattern.is_match(&name));
        }
    }

    #[test]
    fn keypair_accepts_both_spellings() {
        let seed_spelling: KeypairDto = serde_json::from_str(
            r#"{"id":"kp-1","name":"alice","public_key":null,"fingerprint":null,"state":"ACTIVE",
                "shared_in_project":true,"project_id":1,"created_at":"2022-06-16T17:05:50","private_key":null}"#,
        )
        .unwrap();
        let (key, private_key) = seed_spelling.into_remote(KeyScope::Account).unwrap();
        assert_eq!((key.id.as_str(), key.name.as_str()), ("kp-1", "alice"));
        assert!(private_key.is_none());
        assert!(key.public_key.is_none());

        let api_spelling: KeypairDto =
            serde_json::from_str(r#"{"sshkey_id":"kp-2","sshkey_name":"bob","state":"DELETING"}"#)
                .unwrap();
        let (key, _) = api_spelling.into_remote(KeyScope::Account).unwrap();
        assert_eq!((key.id.as_str(), key.name.as_str()), ("kp-2", "bob"));
        assert_eq!(key.state.as_deref(), Some("DELETING"));

        let both: KeypairDto = serde_json::from_str(
            r#"{"sshkey_id":"u-3","id":"carol","sshkey_name":"carol","name":"carol"}"#,
        )
        .unwrap();
        assert_eq!(both.into_remote(KeyScope::Account).unwrap().0.id, "u-3");

        let neither: KeypairDto = serde_json::from_str(r#"{"name":"x"}"#).unwrap();
        let err = neither.into_remote(KeyScope::Account).unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
    }

    #[test]
    fn ssh_keys_tolerate_nulls_but_need_an_id() {
        let dto: SshKeyDto = serde_json::from_str(
            r#"{"id":"k-1","name":null,"public_key":null,"fingerprint":"MD5:AA:BB","state":null,
                "shared_in_project":null,"project_id":null,"created_at":null}"#,
        )
        .unwrap();
        let (key, private_key) = dto.into_remote(KeyScope::Account).unwrap();
        assert_eq!(key.id, "k-1");
        assert_eq!(key.fingerprint_md5.as_deref(), Some("aa:bb"));
        assert!(key.fingerprint_sha256.is_none() && private_key.is_none());
        let dto: SshKeyDto = serde_json::from_str(r#"{"id":null,"name":"x"}"#).unwrap();
        let err = dto.into_remote(KeyScope::Account).unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
        assert!(serde_json::from_str::<SshKeyDto>(r#"{"name":"x"}"#).is_err());
    }

    #[test]
    fn error_body_is_read_tolerantly() {
        let body: GcoreErrorBody = serde_json::from_str(
            r#"{"exception_class":"ValidationError","message":"Validation error.","request_id":"r",
                "invalid_fields":{"name":["bad"],"public_key":"worse"}}"#,
        )
        .unwrap();
        assert_eq!(body.message().as_deref(), Some("Validation error"));
        let fields = body.fields();
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[1].messages, vec!["worse".to_string()]);
        let empty = GcoreErrorBody::default();
        assert!(empty.message().is_none());
        assert!(empty.fields().is_empty());
    }
}
