//! Hetzner Cloud: one project's SSH keys (`/v1/ssh_keys`).
//!
//! A token belongs to one project, so an account is one project; the
//! account's name is the user's. Hetzner stores public keys only, with a
//! name unique in the project and `key=value` labels; keys can be renamed
//! and relabelled (`PUT`). It reports each key's MD5 fingerprint, which is
//! checked against the public key it sends ([`RemoteKey::check_server_md5`]).
//!
//! Lists are paged (`page`, `per_page` ≤ 50) with `meta.pagination`: page 1
//! gives `last_page`, and the other pages are then fetched concurrently, so
//! a listing takes two round trips whatever its size. Without a
//! `last_page` (the docs allow `null`) the `next_page` numbers are followed.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiError, ApiErrorKind, ErrorRule, ErrorTable, FieldError};
use super::http::{self, Http, ListBudget, RawResponse, RestClient, TokenHeader};
use super::model::{self, Capabilities, ProviderKind, StoredMaterial};
use super::model::{CreatedKey, KeyScope, NewKey, NewKeyMaterial, RemoteKey};
use super::paging;
use super::redact::Redactor;
use super::spec::{self, KeyColumn, ProviderSettings, ProviderSpec};
use crate::keys::SecretString;

/// The Hetzner Cloud API address.
pub const DEFAULT_BASE_URL: &str = "https://api.hetzner.cloud/v1";

/// Hetzner Cloud's entry in the provider table: one project's public keys,
/// with labels; rename supported.
pub static SPEC: ProviderSpec = ProviderSpec {
    kind: ProviderKind::Hetzner,
    label: "Hetzner Cloud",
    default_base_url: DEFAULT_BASE_URL,
    base_url_label: "API base URL:",
    base_url_hint: None,
    official_base_url: Some(DEFAULT_BASE_URL),
    // The variable the official `hcloud` CLI and Terraform provider read.
    token_env_var: "HCLOUD_TOKEN",
    token_hint: Some(
        "A project API token (Cloud Console > project > Security > API tokens). Read & Write to add, rename or delete keys; a token reaches one project only.",
    ),
    token_prefixes: &["Bearer "],
    capabilities: Capabilities {
        server_generate: false,
        share: false,
        make_default: false,
        rename: true,
        stores: StoredMaterial::PublicKey,
        regional_keypairs: false,
        labels: true,
        expiry: false,
    },
    validate_key_name,
    profile_fields: &[],
    new_settings: || ProviderSettings::Hetzner {},
    account_summary: |_| "project keys".into(),
    columns: |_| {
        use KeyColumn::*;
        &[Name, Actions, Labels, Algorithm, Sha256, Md5, Created]
    },
    hidden_columns: &[],
    account_key_kind: "Project",
    notices: spec::no_notices,
    key_scopes: spec::account_scope_only,
    add_key_label: "➕ Add key",
    private_key_hint: None,
    generate: spec::GENERATE_LOCALLY,
};

/// Keys per page we ask for: Hetzner's maximum (its default is 25).
pub const PAGE_SIZE: usize = 50;
/// Most pages one listing reads, whatever `last_page` says.
const MAX_PAGES: usize = 1000;
/// Longest server message we repeat in our own message.
const MAX_MESSAGE_CHARS: usize = 300;
/// Longest wait we believe from `RateLimit-Reset` (a garbled one is not a day).
const MAX_HEADER_WAIT: Duration = Duration::from_secs(3600);

/// Checks a key name before anything is sent. Hetzner documents no
/// pattern, only that names are unique in the project: the free-form rule.
pub fn validate_key_name(name: &str) -> Result<(), ApiError> {
    model::check_free_form_name(name, "key", "Hetzner Cloud")
}

/// Checks labels with [`model::check_label`] before they are sent, as an
/// error naming the `labels` field.
pub fn validate_labels(labels: &BTreeMap<String, String>) -> Result<(), ApiError> {
    for (key, value) in labels {
        if let Err(reason) = model::check_label(key, value) {
            return Err(ApiError::invalid_field("labels", reason));
        }
    }
    Ok(())
}

/// What the call was about, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Connect,
    List,
    Create,
    Update,
    Delete,
}

impl Operation {
    fn describe(self) -> &'static str {
        match self {
            Self::Connect => "checking the token",
            Self::List => "listing the project's SSH keys",
            Self::Create => "adding an SSH key",
            Self::Update => "changing an SSH key",
            Self::Delete => "deleting an SSH key",
        }
    }

    /// The key was addressed by id (a 404 means it is gone).
    fn on_one_key(self) -> bool {
        matches!(self, Self::Update | Self::Delete)
    }
}

/// One key as Hetzner returns it (`schema.SSHKey` in hcloud-go).
#[derive(Debug, Deserialize)]
struct KeyDto {
    id: u64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
    public_key: String,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    created: Option<String>,
}

impl KeyDto {
    fn into_remote(self) -> RemoteKey {
        let key = RemoteKey {
            id: self.id.to_string(),
            name: self.name.unwrap_or_default().into(),
            public_key: Some(self.public_key),
            created_at: self.created.map(Into::into),
            labels: Some(self.labels.unwrap_or_default()),
            scope: KeyScope::Account,
            ..RemoteKey::default()
        }
        .with_local_fingerprints();
        match self
            .fingerprint
            .as_deref()
            .filter(|fp| !fp.trim().is_empty())
        {
            Some(reported) => key.check_server_md5(reported),
            None => key,
        }
    }
}

/// `{"ssh_key": …}`, the answer of a create, get or update.
#[derive(Debug, Deserialize)]
struct OneKey {
    ssh_key: KeyDto,
}

/// One page of `GET /ssh_keys`.
#[derive(Debug, Deserialize)]
struct Page {
    ssh_keys: Vec<KeyDto>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Debug, Default, Deserialize)]
struct Meta {
    #[serde(default)]
    pagination: Option<Pagination>,
}

/// `meta.pagination`; the docs allow `null` for the neighbours, the last
/// page and the total.
#[derive(Debug, Default, Deserialize)]
struct Pagination {
    #[serde(default)]
    next_page: Option<u64>,
    #[serde(default)]
    last_page: Option<u64>,
    #[serde(default)]
    total_entries: Option<u64>,
}

impl Page {
    fn pagination(&self) -> Pagination {
        let p = self.meta.as_ref().and_then(|meta| meta.pagination.as_ref());
        Pagination {
            next_page: p.and_then(|p| p.next_page),
            last_page: p.and_then(|p| p.last_page),
            total_entries: p.and_then(|p| p.total_entries),
        }
    }
}

/// The create request body.
#[derive(Serialize)]
struct CreateBody<'a> {
    name: &'a str,
    public_key: &'a str,
}

/// The update request body: omitted parts stay as they are; labels, when
/// sent, replace all of the key's labels.
#[derive(Serialize)]
struct UpdateBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<&'a BTreeMap<String, String>>,
}

/// A client for one Hetzner Cloud project (token).
///
/// `Debug` shows no token: [`SecretString`] redacts it.
#[derive(Clone, Debug)]
pub struct HetznerClient {
    rest: RestClient,
}

impl HetznerClient {
    /// A client for the project behind `token` at `base_url` (already
    /// normalised).
    pub fn new(http: Http, base_url: &str, token: SecretString) -> Self {
        let bearer = TokenHeader {
            name: "authorization",
            prefix: "Bearer ",
        };
        Self {
            rest: RestClient::new(http, base_url, token, bearer, "application/json"),
        }
    }

    /// Checks the token by reading one key; says how many keys the
    /// project has.
    pub async fn test_connection(&self) -> Result<String, ApiError> {
        let page = self.get_page(1, 1, None, Operation::Connect).await?;
        Ok(match page.pagination().total_entries {
            Some(1) => "The token reaches a project with 1 SSH key".to_string(),
            Some(total) => format!("The token reaches a project with {total} SSH keys"),
            None => "The token reaches the project's SSH keys".to_string(),
        })
    }

    /// Every key of the project (all pages), deduplicated by id.
    pub async fn list_keys(&self) -> Result<Vec<RemoteKey>, ApiError> {
        let budget = ListBudget::new(self.rest.policy());
        let budget = &budget;
        let get = |number: usize| self.get_page(number, PAGE_SIZE, Some(budget), Operation::List);
        let first = get(1).await?;
        let announced = first.pagination();
        let mut keys = Collected::default();
        keys.take(1, first)?;
        let last = announced.last_page.map_or(1, |last| {
            usize::try_from(last).unwrap_or(MAX_PAGES).min(MAX_PAGES)
        });
        let mut next = announced.next_page;
        let mut current = 1;
        let mut ended = false;
        paging::fetch_in_order(2..=last, get, |number, page: Page| {
            if ended {
                return Ok(());
            }
            next = page.pagination().next_page;
            current = number;
            if !keys.take(number, page)? {
                // The list shrank meanwhile: the pages after are empty.
                next = None;
                ended = true;
            }
            Ok(())
        })
        .await?;
        // No last page (or keys added meanwhile): follow `next_page`, only
        // forwards, so a page pointing back cannot loop.
        while let Some(number) = next
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > current)
        {
            if number > MAX_PAGES {
                return Err(endless_paging());
            }
            let page = get(number).await?;
            next = page.pagination().next_page;
            current = number;
            if !keys.take(number, page)? {
                break;
            }
        }
        Ok(keys.keys)
    }

    /// Uploads a public key. Never retried: a lost answer may mean the key
    /// was added. A key Hetzner already has in the project fails with
    /// [`ApiErrorKind::Conflict`]; a name already taken by another key
    /// fails with [`ApiErrorKind::Validation`] (a name clash, not "there").
    pub async fn create_key(&self, new_key: &NewKey) -> Result<CreatedKey, ApiError> {
        model::check_account_scope(&new_key.scope, "Hetzner Cloud")?;
        let public_key = match &new_key.material {
            NewKeyMaterial::PublicKey(text) => SPEC.check_public_key(text)?.openssh,
            NewKeyMaterial::GenerateOnServer => {
                return Err(ApiError::invalid_input(
                    "Hetzner Cloud cannot generate keys; generate one locally and upload its public key.",
                ));
            }
            NewKeyMaterial::PrivateKey(_) => {
                return Err(ApiError::invalid_input(
                    "Hetzner Cloud stores public keys only; the private key was not sent. Upload the public key (the .pub file) instead.",
                ));
            }
        };
        validate_key_name(&new_key.name)?;
        let body = encode(&CreateBody {
            name: new_key.name.trim(),
            public_key: &public_key,
        })?;
        let url = self.rest.url(&["ssh_keys"])?;
        let response = self
            .send(Method::POST, url, Some(body))
            .await
            .map_err(ApiError::noting_a_possible_create)?;
        if !response.is_success() {
            return Err(self.error(&response, Operation::Create));
        }
        let created: OneKey = self.decode(&response)?;
        Ok(CreatedKey {
            key: created.ssh_key.into_remote(),
            private_key: None,
        })
    }

    /// Renames the key and/or replaces its labels (omitted parts stay).
    /// Both are checked before anything is sent.
    pub async fn update_key(
        &self,
        id: &str,
        name: Option<&str>,
        labels: Option<&BTreeMap<String, String>>,
    ) -> Result<RemoteKey, ApiError> {
        let id = check_id(id)?;
        if name.is_none() && labels.is_none() {
            return Err(ApiError::invalid_input(
                "Nothing to change: give a new name or new labels.",
            ));
        }
        if let Some(name) = name {
            validate_key_name(name)?;
        }
        if let Some(labels) = labels {
            validate_labels(labels)?;
        }
        let body = encode(&UpdateBody {
            name: name.map(str::trim),
            labels,
        })?;
        let url = self.rest.url(&["ssh_keys", &id.to_string()])?;
        // Sending the same name and labels twice leaves the same key.
        http::with_retries(self.rest.policy(), true, |_attempt| {
            let (url, body) = (url.clone(), body.clone());
            async move {
                let response = self.send(Method::PUT, url, Some(body)).await?;
                if !response.is_success() {
                    return Err(self.error(&response, Operation::Update));
                }
                let updated: OneKey = self.decode(&response)?;
                Ok(updated.ssh_key.into_remote())
            }
        })
        .await
    }

    /// Deletes the key. A 404 on a retry means an earlier attempt already
    /// deleted it, so it counts as done.
    pub async fn delete_key(&self, id: &str) -> Result<(), ApiError> {
        let id = check_id(id)?;
        let url = self.rest.url(&["ssh_keys", &id.to_string()])?;
        http::with_retries(self.rest.policy(), true, |attempt| {
            let url = url.clone();
            async move {
                let response = self.send(Method::DELETE, url, None).await?;
                if response.is_success() || (response.status == 404 && attempt > 0) {
                    return Ok(());
                }
                Err(self.error(&response, Operation::Delete))
            }
        })
        .await
    }

    // -----------------------------------------------------------------------
    // Internals

    /// One page of the key list (with retries).
    async fn get_page(
        &self,
        number: usize,
        per_page: usize,
        budget: Option<&ListBudget>,
        operation: Operation,
    ) -> Result<Page, ApiError> {
        let mut url = self.rest.url(&["ssh_keys"])?;
        url.query_pairs_mut()
            .append_pair("page", &number.to_string())
            .append_pair("per_page", &per_page.to_string());
        http::with_retries(self.rest.policy(), true, |_attempt| {
            let url = url.clone();
            async move {
                let response = self.send(Method::GET, url, None).await?;
                if !response.is_success() {
                    return Err(self.error(&response, operation));
                }
                if let Some(budget) = budget {
                    budget.charge(&response)?;
                }
                self.decode::<Page>(&response)
            }
        })
        .await
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        json_body: Option<Vec<u8>>,
    ) -> Result<RawResponse, ApiError> {
        self.rest.send_json(method, url, json_body).await
    }

    fn redactor(&self) -> Redactor<'_> {
        self.rest.redactor()
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        response: &RawResponse,
    ) -> Result<T, ApiError> {
        response.json(&self.redactor())
    }

    /// Maps an error response to an [`ApiError`] through [`ERRORS`], adding
    /// the field messages and the wait `RateLimit-Reset` asks for. Text
    /// from the server is redacted before anything is built from it.
    fn error(&self, response: &RawResponse, operation: Operation) -> ApiError {
        let redactor = self.redactor();
        let body = ErrorBody::parse(&response.body);
        let short = |text: &str| redactor.short(text.trim(), MAX_MESSAGE_CHARS);
        let fields: Vec<FieldError> = body
            .fields
            .iter()
            .map(|(field, messages)| FieldError {
                field: short(field),
                messages: messages.iter().map(|text| short(text)).collect(),
            })
            .collect();
        let answer = ErrorAnswer {
            status: response.status,
            code: body.code.as_deref().map(short),
            message: body.message.as_deref().map(short).filter(|m| !m.is_empty()),
            fields: fields.iter().map(|field| field.field.clone()).collect(),
            reasons: fields
                .iter()
                .flat_map(|field| {
                    let name = field.field.clone();
                    field
                        .messages
                        .iter()
                        .map(move |message| format!("{name}: {message}"))
                })
                .collect(),
            operation,
            wait: rate_limit_wait(response),
            base_url: self.rest.base_url().to_string(),
        };
        let mut err = ERRORS.error(response.status, &answer);
        if err.kind == ApiErrorKind::RateLimited {
            err = err.with_retry_after(Some(answer.wait.unwrap_or(Duration::from_secs(1))));
        }
        if matches!(err.kind, ApiErrorKind::Validation | ApiErrorKind::Conflict) {
            err = err.with_fields(fields);
        }
        redactor.error(
            err.with_status(response.status)
                .with_details(redactor.excerpt(&response.body)),
        )
    }
}

fn endless_paging() -> ApiError {
    ApiError::new(
        ApiErrorKind::MalformedResponse,
        format!(
            "Hetzner Cloud's paging of the SSH keys did not end (more than {MAX_PAGES} pages); the list was not loaded."
        ),
    )
}

/// The keys of a listing so far, each id once.
#[derive(Default)]
struct Collected {
    seen: HashSet<u64>,
    keys: Vec<RemoteKey>,
}

impl Collected {
    /// Adds page `number`'s keys; `false` when the page is empty (the list
    /// ends there). A page holding only keys already read is no paging at
    /// all (a server answering the same page for every number): refused
    /// rather than read a thousand times.
    fn take(&mut self, number: usize, page: Page) -> Result<bool, ApiError> {
        if page.ssh_keys.is_empty() {
            return Ok(false);
        }
        let before = self.keys.len();
        for dto in page.ssh_keys {
            if self.seen.insert(dto.id) {
                self.keys.push(dto.into_remote());
            }
        }
        if self.keys.len() == before {
            return Err(ApiError::new(
                ApiErrorKind::MalformedResponse,
                format!(
                    "Hetzner Cloud's page {number} of the SSH keys repeats keys already listed; the list was not loaded (try again)."
                ),
            ));
        }
        Ok(true)
    }
}

/// A key id as Hetzner writes them: a positive integer. Anything else is
/// not one of its keys, so nothing is sent.
fn check_id(id: &str) -> Result<u64, ApiError> {
    id.trim()
        .parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            ApiError::invalid_input(format!(
                "\"{}\" is not a Hetzner Cloud key id; refresh the list.",
                super::redact::cut(id, 40)
            ))
        })
}

fn encode<T: Serialize>(body: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body)
        .map_err(|err| ApiError::invalid_input(format!("The request could not be encoded: {err}")))
}

/// The wait until `RateLimit-Reset` (a UNIX timestamp: when the limit is
/// fully restored), at least a second, at most an hour.
fn rate_limit_wait(response: &RawResponse) -> Option<Duration> {
    let reset = response
        .headers
        .get("ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Some(
        Duration::from_secs(reset)
            .checked_sub(now)
            .filter(|wait| *wait >= Duration::from_secs(1))
            .unwrap_or(Duration::from_secs(1))
            .min(MAX_HEADER_WAIT),
    )
}

fn describe_wait(wait: Duration) -> String {
    let secs = wait.as_secs_f64().ceil() as u64;
    match secs {
        0..=1 => "a second".to_string(),
        2..=119 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

/// What [`ERRORS`] reads from an error answer, redacted.
struct ErrorAnswer {
    status: u16,
    /// Hetzner's `error.code` (`uniqueness_error`, `invalid_input`, …).
    code: Option<String>,
    /// Hetzner's `error.message`.
    message: Option<String>,
    /// The names in `error.details.fields`.
    fields: Vec<String>,
    /// `field: message` for each field message.
    reasons: Vec<String>,
    operation: Operation,
    /// What `RateLimit-Reset` asks for.
    wait: Option<Duration>,
    base_url: String,
}

impl ErrorAnswer {
    fn code_is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// `: message`, or nothing.
    fn said(&self) -> String {
        self.message
            .as_deref()
            .map(|said| format!(": {}", said.trim_end_matches('.')))
            .unwrap_or_default()
    }

    /// The key is already in the project: a uniqueness error about the
    /// public key or its fingerprint (not about the name alone).
    fn same_key(&self) -> bool {
        if !self.code_is("uniqueness_error") {
            return false;
        }
        let about_key = |text: &str| {
            let text = text.to_ascii_lowercase();
            text.contains("public_key") || text.contains("fingerprint")
        };
        self.fields.iter().any(|field| about_key(field))
            || (self.fields.is_empty() && self.message.as_deref().is_some_and(about_key))
    }

    /// A uniqueness error about the name: another key has it.
    fn same_name(&self) -> bool {
        self.code_is("uniqueness_error")
            && (self.fields.iter().any(|field| field == "name")
                || self
                    .message
                    .as_deref()
                    .is_some_and(|m| m.to_ascii_lowercase().contains("name")))
    }

    /// The validation reasons, else the message, as one clause.
    fn reasons(&self) -> String {
        let joined = if self.reasons.is_empty() {
            self.message
                .clone()
                .unwrap_or_else(|| "the request was invalid".to_string())
        } else {
            self.reasons.join("; ")
        };
        joined.trim_end_matches('.').to_string()
    }
}

/// Hetzner Cloud's error table (codes from docs.hetzner.cloud "Errors" and
/// hcloud-go `hcloud/error.go`).
static ERRORS: ErrorTable<ErrorAnswer> = ErrorTable {
    rules: &[
        ErrorRule {
            statuses: &[401..=401],
            when: None,
            kind: ApiErrorKind::BadCredentials,
            wording: |_| {
                "Hetzner Cloud refused the token (401 unauthorized). It may be mistyped or deleted: create an API token in the project (Security > API tokens) and update this account.".to_string()
            },
        },
        ErrorRule {
            statuses: &[403..=403],
            when: Some(|answer| answer.code_is("token_readonly")),
            kind: ApiErrorKind::Forbidden,
            wording: |answer| {
                format!(
                    "Hetzner Cloud refused {}: the token is read-only. Create a Read & Write token in the project (Security > API tokens) to add, change or delete keys.",
                    answer.operation.describe()
                )
            },
        },
        ErrorRule {
            statuses: &[403..=403],
            when: None,
            kind: ApiErrorKind::Forbidden,
            wording: |answer| {
                format!(
                    "Hetzner Cloud refused {} (403{}).",
                    answer.operation.describe(),
                    answer.said()
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: Some(|answer| answer.operation.on_one_key() && answer.code_is("not_found")),
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                format!(
                    "Hetzner Cloud answered 404 while {}: the key is no longer in the project (deleted meanwhile?). Refresh the list.",
                    answer.operation.describe()
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: None,
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                format!(
                    "The API address was not found (HTTP 404) while {}. Check the API base URL ({}): it is {DEFAULT_BASE_URL} for Hetzner Cloud.",
                    answer.operation.describe(),
                    answer.base_url
                )
            },
        },
        ErrorRule {
            statuses: &[409..=409],
            when: Some(ErrorAnswer::same_key),
            kind: ApiErrorKind::Conflict,
            wording: |answer| {
                format!(
                    "Hetzner Cloud refused {}{}: this public key is already in the project (refresh the list).",
                    answer.operation.describe(),
                    answer.said()
                )
            },
        },
        ErrorRule {
            statuses: &[409..=409],
            when: Some(ErrorAnswer::same_name),
            kind: ApiErrorKind::Validation,
            wording: |answer| {
                format!(
                    "Hetzner Cloud refused {}{}: another key in the project already has this name. Names are unique in a project: choose another name.",
                    answer.operation.describe(),
                    answer.said()
                )
            },
        },
        ErrorRule {
            statuses: &[400..=400, 409..=409, 422..=422],
            when: Some(|answer| {
                answer.status != 409
                    || answer.code_is("invalid_input")
                    || answer.code_is("uniqueness_error")
            }),
            kind: ApiErrorKind::Validation,
            wording: |answer| {
                format!(
                    "Hetzner Cloud refused the request while {}: {}.",
                    answer.operation.describe(),
                    answer.reasons()
                )
            },
        },
        ErrorRule {
            statuses: &[429..=429],
            when: None,
            kind: ApiErrorKind::RateLimited,
            wording: |answer| {
                format!(
                    "Hetzner Cloud's rate limit for this project is used up (429 while {}); it is restored in {} (one request per second comes back meanwhile).",
                    answer.operation.describe(),
                    describe_wait(answer.wait.unwrap_or(Duration::from_secs(1)))
                )
            },
        },
        ErrorRule {
            statuses: &[500..=599],
            when: None,
            kind: ApiErrorKind::Server,
            wording: |answer| {
                format!(
                    "Hetzner Cloud had a server error (HTTP {}{}) while {}; try again later.",
                    answer.status,
                    answer
                        .code
                        .as_deref()
                        .map(|c| format!(", {c}"))
                        .unwrap_or_default(),
                    answer.operation.describe()
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
                "Hetzner Cloud answered HTTP {} while {}{}.",
                answer.status,
                answer.operation.describe(),
                answer.said()
            )
        },
    },
};

/// Hetzner's error body, `{"error": {"code", "message", "details"}}`,
/// read leniently (`details.fields` items with `name` and `messages`).
#[derive(Default)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    /// `(name, messages)` per item of `details.fields`.
    fields: Vec<(String, Vec<String>)>,
}

impl ErrorBody {
    fn parse(body: &[u8]) -> Self {
        let value = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
        let Some(error) = value.get("error") else {
            return Self::default();
        };
        let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_string);
        let fields = error
            .pointer("/details/fields")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| {
                        let name = text(item.get("name"))?;
                        let messages = item
                            .get("messages")
                            .and_then(Value::as_array)
                            .map(|list| {
                                list.iter()
                                    .filter_map(|m| m.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        Some((name, messages))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            code: text(error.get("code")),
            message: text(error.get("message")),
            fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, code: &str, fields: &[&str], operation: Operation) -> ErrorAnswer {
        ErrorAnswer {
            status,
            code: Some(code.into()),
            message: Some("said".into()),
            fields: fields.iter().map(|f| f.to_string()).collect(),
            reasons: Vec::new(),
            operation,
            wait: None,
            base_url: DEFAULT_BASE_URL.into(),
        }
    }

    /// One sample answer per row of [`ERRORS`], in order, then the
    /// fallback: every row can be reached (none is shadowed by another).
    #[test]
    fn every_error_row_is_reachable() {
        let samples = [
            answer(401, "unauthorized", &[], Operation::Connect),
            answer(403, "token_readonly", &[], Operation::Create),
            answer(403, "forbidden", &[], Operation::Create),
            answer(404, "not_found", &[], Operation::Delete),
            answer(404, "not_found", &[], Operation::List),
            answer(409, "uniqueness_error", &["public_key"], Operation::Create),
            answer(409, "uniqueness_error", &["name"], Operation::Create),
            answer(400, "invalid_input", &["public_key"], Operation::Create),
            answer(429, "rate_limit_exceeded", &[], Operation::List),
            answer(503, "service_error", &[], Operation::List),
            answer(409, "conflict", &[], Operation::Update),
        ];
        let rows: Vec<Option<usize>> = samples.iter().map(|a| ERRORS.row(a.status, a)).collect();
        let mut expected: Vec<Option<usize>> = (0..ERRORS.rules.len()).map(Some).collect();
        expected.push(None);
        assert_eq!(rows, expected);
    }

    #[test]
    fn a_name_clash_is_never_the_key_being_there() {
        let name = answer(409, "uniqueness_error", &["name"], Operation::Create);
        assert!(!name.same_key() && name.same_name());
        let mut by_message = answer(409, "uniqueness_error", &[], Operation::Create);
        by_message.message = Some("SSH key with the same fingerprint already exists".into());
        assert!(by_message.same_key());
        by_message.message = Some("SSH key with the same name already exists".into());
        assert!(!by_message.same_key() && by_message.same_name());
    }

    #[test]
    fn error_bodies_are_read_leniently() {
        let body = br#"{"error":{"code":"invalid_input","message":"invalid input in field 'public_key'","details":{"fields":[{"name":"public_key","messages":["is invalid"]},{"name":7},"x"]}}}"#;
        let parsed = ErrorBody::parse(body);
        assert_eq!(parsed.code.as_deref(), Some("invalid_input"));
        assert_eq!(
            parsed.fields,
            vec![("public_key".to_string(), vec!["is invalid".to_string()])]
        );
        assert!(ErrorBody::parse(b"<html>").code.is_none());
        assert!(ErrorBody::parse(br#"{"error":"x"}"#).fields.is_empty());
    }

    #[test]
    fn ids_are_positive_integers() {
        assert_eq!(check_id(" 42 ").unwrap(), 42);
        for bad in ["", "0", "-1", "abc", "1/2", "12345678901234567890123"] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_follow_the_documented_rules() {
        let ok = |k: &str, v: &str| model::check_label(k, v).is_ok();
        assert!(ok("env", "prod"));
        assert!(ok("example.com/team", ""));
        assert!(ok("a", "b-c_d.e"));
        assert!(ok(&"k".repeat(63), &"v".repeat(63)));
        assert!(!ok(&"k".repeat(64), "v"));
        assert!(!ok("env", &"v".repeat(64)));
        assert!(!ok("-env", "x"));
        assert!(!ok("env", "x-"));
        assert!(!ok("my env", "x"));
        assert!(!ok("env", "a b"));
        assert!(!ok("", "x"));
        assert!(!ok("/env", "x"));
        assert!(!ok("hetzner.cloud/x", "y"));
        assert!(!ok("é", "x"));
        let reason = model::check_label("env", "a b").unwrap_err();
        assert!(
            reason.contains("value") && reason.contains("' '"),
            "{reason}"
        );
    }

    #[test]
    fn typed_labels_parse_or_say_which_pair_is_wrong() {
        let parsed = model::parse_labels(" env=prod , team=ops,empty=, ").unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed["empty"], "");
        assert!(model::parse_labels("").unwrap().is_empty());
        let err = model::parse_labels("env").unwrap_err();
        assert!(
            err.contains("\"env\"") && err.contains("key=value"),
            "{err}"
        );
        let err = model::parse_labels("a=1,a=2").unwrap_err();
        assert!(err.contains("twice"), "{err}");
        assert!(validate_labels(&parsed).is_ok());
        let bad = BTreeMap::from([("bad key".to_string(), String::new())]);
        assert_eq!(validate_labels(&bad).unwrap_err().fields[0].field, "labels");
    }
}
