//! GitLab (gitlab.com and self-managed instances): the signed-in user's SSH
//! keys (`/api/v4/user/keys`).
//!
//! GitLab stores public keys only, keeps one list per user and marks each
//! key with a usage type (`auth`, `signing`, `auth_and_signing`, GitLab
//! 15.7+), an optional expiry date, and no way to rename a key. Lists page
//! with `page`/`per_page` (at most 100) and say the page count in
//! `x-total-pages`, so every page after the first is fetched concurrently;
//! past 10,000 records GitLab leaves the totals out and the pages are
//! followed one by one with `x-next-page`. The token travels in
//! `PRIVATE-TOKEN`. A token without the scope an endpoint needs gets 403
//! `insufficient_scope`: reading needs `read_user` (or `api`), writing `api`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::Value;

use super::error::{ApiError, ApiErrorKind, ErrorRule, ErrorTable, FieldError};
use super::http::Http;
use super::http::{ListBudget, RawResponse, RestClient, TokenHeader};
use super::model::{Capabilities, ProviderKind, StoredMaterial};
use super::model::{CreatedKey, KeyScope, NewKey, NewKeyMaterial, RemoteKey};
use super::paging::{self, Unique};
use super::redact::Redactor;
use super::spec::{self, KeyColumn, ProviderSettings, ProviderSpec};
use crate::keys::SecretString;

/// gitlab.com. A self-managed instance is `https://HOST`; Keyfleet adds
/// `/api/v4` itself (and takes it off when typed).
pub const DEFAULT_BASE_URL: &str = "https://gitlab.com";

/// GitLab's entry in the provider table: the user's SSH keys, public keys
/// only, with an optional expiry date and no rename.
pub static SPEC: ProviderSpec = ProviderSpec {
    kind: ProviderKind::Gitlab,
    label: "GitLab",
    default_base_url: DEFAULT_BASE_URL,
    base_url_label: "GitLab URL:",
    base_url_hint: Some(
        "https://gitlab.com, or your self-managed instance (https://gitlab.example.com); Keyfleet adds /api/v4.",
    ),
    // Self-managed instances are common: no one official host.
    official_base_url: None,
    token_env_var: "GITLAB_TOKEN",
    token_hint: Some(
        "A personal access token with the api scope (read_user is enough to list keys, not to add or delete them).",
    ),
    token_prefixes: &["Bearer "],
    capabilities: Capabilities {
        server_generate: false,
        share: false,
        make_default: false,
        rename: false,
        stores: StoredMaterial::PublicKey,
        regional_keypairs: false,
        labels: false,
        expiry: true,
    },
    validate_key_name,
    profile_fields: &[],
    new_settings: || ProviderSettings::Gitlab {},
    account_summary: |_| "user keys".into(),
    columns: |_| {
        use KeyColumn::*;
        &[
            Name, Actions, Kind, Algorithm, Sha256, Md5, Created, Expires,
        ]
    },
    hidden_columns: &[KeyColumn::Md5],
    account_key_kind: USAGE_AUTH_AND_SIGNING,
    notices: spec::no_notices,
    key_scopes: |_| {
        vec![
            (
                KeyScope::Account,
                "Authentication & signing key (GitLab's default)".into(),
            ),
            (KeyScope::Signing, "Signing key only (commits)".into()),
        ]
    },
    add_key_label: "➕ Add key",
    private_key_hint: None,
    generate: spec::GENERATE_LOCALLY,
};

/// The Kind column's words for GitLab's three usage types.
const USAGE_AUTH: &str = "Authentication";
const USAGE_SIGNING: &str = "Signing";
const USAGE_AUTH_AND_SIGNING: &str = "Authentication & signing";

/// Keys per page we ask for (GitLab's maximum; its default is 20).
const PAGE_SIZE: u32 = 100;
/// Most pages one listing reads, whatever the headers say.
const MAX_PAGES: u32 = 1000;
/// Pages followed after the counted ones when the list grew meanwhile.
const MAX_TAIL_PAGES: u32 = 20;
/// Longest server message we repeat in our own message.
const MAX_MESSAGE_CHARS: usize = 300;
/// GitLab's limit on a key title (`Key` validates `length: { maximum: 255 }`).
const MAX_TITLE_CHARS: usize = 255;
/// The wait when a 429 names none.
const DEFAULT_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Longest wait we believe from a header (a garbled reset is not a day).
const MAX_HEADER_WAIT: Duration = Duration::from_secs(3600);

/// Checks a key title before anything is sent: required, not only spaces,
/// at most 255 characters, no control characters.
pub fn validate_key_name(name: &str) -> Result<(), ApiError> {
    let trimmed = name.trim();
    let length = trimmed.chars().count();
    let reason = if trimmed.is_empty() {
        Some("Enter a title for the key (GitLab requires one).".to_string())
    } else if length > MAX_TITLE_CHARS {
        Some(format!(
            "The key title is {length} characters long; GitLab takes at most {MAX_TITLE_CHARS}."
        ))
    } else if trimmed.chars().any(char::is_control) {
        Some(
            "The key title contains a line break, tab or other control character; remove it."
                .to_string(),
        )
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(ApiError::invalid_field("title", reason)),
    }
}

/// What the call was about, for error messages and the scope it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Connect,
    List,
    Create,
    Delete,
}

impl Operation {
    fn describe(self) -> &'static str {
        match self {
            Self::Connect => "signing in",
            Self::List => "listing SSH keys",
            Self::Create => "adding an SSH key",
            Self::Delete => "deleting an SSH key",
        }
    }

    /// The personal access token scope this operation needs (GitLab's
    /// "Personal access token scopes": `read_user` reads the user's keys,
    /// only `api` writes them).
    fn scope_needed(self) -> &'static str {
        match self {
            Self::Connect | Self::List => "read_user (or api)",
            Self::Create | Self::Delete => "api",
        }
    }
}

/// One key as GitLab returns it. `usage_type` is missing before GitLab 15.7
/// (every key was an authentication key then); `expires_at` is `null` for
/// a key that never expires.
#[derive(Debug, Deserialize)]
struct KeyDto {
    id: u64,
    key: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    usage_type: Option<String>,
}

impl KeyDto {
    fn into_remote(self) -> RemoteKey {
        let (scope, kind) = usage(self.usage_type.as_deref());
        RemoteKey {
            id: self.id.to_string(),
            name: self.title.unwrap_or_default().into(),
            public_key: Some(self.key),
            created_at: self.created_at.map(Into::into),
            expires_at: self
                .expires_at
                .map(|text| text.trim().to_string())
                .filter(|text| !text.is_empty())
                .map(Into::into),
            scope,
            kind_label: Some(kind.into()),
            ..RemoteKey::default()
        }
        .with_local_fingerprints()
    }
}

/// Where a key of `usage_type` lives in Keyfleet's model, and the Kind
/// column's word. Only signing-only keys are [`KeyScope::Signing`]: a key
/// that also opens connections is an account key, like GitHub's.
fn usage(usage_type: Option<&str>) -> (KeyScope, String) {
    match usage_type.map(str::trim) {
        None | Some("auth") => (KeyScope::Account, USAGE_AUTH.into()),
        Some("signing") => (KeyScope::Signing, USAGE_SIGNING.into()),
        Some("auth_and_signing") => (KeyScope::Account, USAGE_AUTH_AND_SIGNING.into()),
        // A usage type this version does not know: shown as GitLab says it.
        Some(other) => (KeyScope::Account, crate::providers::redact::cut(other, 40)),
    }
}

/// The usage type a new key in `scope` is created with: the account's own
/// list is GitLab's default, authentication and signing.
fn usage_type_for(scope: &KeyScope) -> Result<&'static str, ApiError> {
    match scope {
        KeyScope::Account => Ok("auth_and_signing"),
        KeyScope::Signing => Ok("signing"),
        KeyScope::Region { .. } => Err(ApiError::invalid_input(
            "GitLab has no regions; add the key as an authentication & signing key or a signing key.",
        )),
    }
}

/// `GET /user`, of which we only need the username.
#[derive(Debug, Deserialize)]
struct UserDto {
    username: String,
}

/// The create request body (`expires_at` as an ISO 8601 date).
#[derive(serde::Serialize)]
struct CreateBody<'a> {
    title: &'a str,
    key: &'a str,
    usage_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
}

/// One page and what its headers say about the others.
struct Page {
    keys: Vec<KeyDto>,
    /// `x-total-pages`; GitLab leaves it out past 10,000 records.
    total_pages: Option<u32>,
    /// `x-next-page`; empty on the last page.
    next_page: Option<u32>,
}

/// A client for one GitLab user (token) on gitlab.com or a self-managed
/// instance.
///
/// `Debug` shows no token: [`SecretString`] redacts it.
#[derive(Clone, Debug)]
pub struct GitlabClient {
    rest: RestClient,
}

impl GitlabClient {
    /// A client for the user behind `token` at `base_url` (already
    /// normalised): the instance's address, with or without `/api/v4`.
    pub fn new(http: Http, base_url: &str, token: SecretString) -> Self {
        let trimmed = base_url.trim().trim_end_matches('/');
        let instance = trimmed
            .strip_suffix("/api/v4")
            .unwrap_or(trimmed)
            .trim_end_matches('/');
        let header = TokenHeader {
            name: "private-token",
            prefix: "",
        };
        Self {
            rest: RestClient::new(http, instance, token, header, "application/json"),
        }
    }

    /// Checks the token: who it signs in as, and that it may read the key
    /// list. Returns e.g. "Signed in as alice; the token can read SSH keys".
    pub async fn test_connection(&self) -> Result<String, ApiError> {
        let url = self.url(&["user"])?;
        let username = self
            .rest
            .retrying(|_| {
                let url = url.clone();
                async move {
                    let response = self.send(Method::GET, url, None).await?;
                    if !response.is_success() {
                        return Err(self.error(&response, Operation::Connect));
                    }
                    Ok(self.decode::<UserDto>(&response)?.username)
                }
            })
            .await?;
        let username = self.redactor().short(&username, 100);
        let budget = ListBudget::new(self.rest.policy());
        if let Err(mut err) = self.get_page(1, 1, &budget).await {
            err.message = format!("Signed in as {username}, but: {}", err.message);
            return Err(err);
        }
        Ok(format!(
            "Signed in as {username}; the token can read SSH keys"
        ))
    }

    /// Every key of the user, all pages: page 1, then the rest at once
    /// when GitLab gives the page count (two round trips), else one page
    /// after the other by `x-next-page`. Duplicates (a key seen on two
    /// pages because the list shifted) are dropped by id.
    pub async fn list_keys(&self) -> Result<Vec<RemoteKey>, ApiError> {
        let budget = ListBudget::new(self.rest.policy());
        let budget = &budget;
        let first = self.get_page(1, PAGE_SIZE, budget).await?;
        let mut keys = Unique::default();
        let mut next = first.next_page;
        let mut last_read = 1;
        let first_empty = first.keys.is_empty();
        add_page(&mut keys, first.keys);
        if let Some(total) = first.total_pages.filter(|total| *total > 1) {
            self.check_page_count(total)?;
            paging::fetch_in_order(
                2..=total,
                |number| self.get_page(number, PAGE_SIZE, budget),
                |_, page| {
                    next = page.next_page;
                    add_page(&mut keys, page.keys);
                    Ok(())
                },
            )
            .await?;
            last_read = total;
        } else if first_empty {
            next = None;
        }
        // Without a count (past 10,000 records), or when the list grew
        // while the counted pages were read: follow x-next-page.
        let limit = if last_read > 1 {
            last_read.saturating_add(MAX_TAIL_PAGES)
        } else {
            MAX_PAGES
        };
        while let Some(number) = next {
            if number <= last_read || number > limit {
                return Err(self.endless_paging());
            }
            let page = self.get_page(number, PAGE_SIZE, budget).await?;
            last_read = number;
            next = page.next_page.filter(|_| !page.keys.is_empty());
            add_page(&mut keys, page.keys);
        }
        Ok(keys.into_vec())
    }

    /// Uploads a public key as an authentication & signing key
    /// ([`KeyScope::Account`]) or a signing key ([`KeyScope::Signing`]),
    /// expiring at the end of `expires_at` when set. Never retried: a lost
    /// answer may mean the key was added, so the caller lists instead.
    ///
    /// A key GitLab already has fails with [`ApiErrorKind::Conflict`].
    pub async fn create_key(&self, new_key: &NewKey) -> Result<CreatedKey, ApiError> {
        let usage_type = usage_type_for(&new_key.scope)?;
        let public_key = match &new_key.material {
            NewKeyMaterial::PublicKey(text) => SPEC.check_public_key(text)?.openssh,
            NewKeyMaterial::GenerateOnServer => {
                return Err(ApiError::invalid_input(
                    "GitLab cannot generate keys; generate one locally and upload its public key.",
                ));
            }
            NewKeyMaterial::PrivateKey(_) => {
                return Err(ApiError::invalid_input(
                    "GitLab stores public keys only; the private key was not sent. Upload the public key (the .pub file) instead.",
                ));
            }
        };
        validate_key_name(&new_key.name)?;
        let body = serde_json::to_vec(&CreateBody {
            title: new_key.name.trim(),
            key: &public_key,
            usage_type,
            expires_at: new_key.expires_at.map(iso_date),
        })
        .map_err(|err| {
            ApiError::invalid_input(format!("The request could not be encoded: {err}"))
        })?;
        let url = self.url(&["user", "keys"])?;
        let response = self
            .send(Method::POST, url, Some(body))
            .await
            .map_err(ApiError::noting_a_possible_create)?;
        if !response.is_success() {
            return Err(self.error(&response, Operation::Create));
        }
        let created: KeyDto = self.decode(&response)?;
        Ok(CreatedKey {
            key: created.into_remote(),
            private_key: None,
        })
    }

    /// Deletes a key by id. A 404 on a retry means an earlier attempt
    /// already deleted it, so it counts as done.
    pub async fn delete_key(&self, key: &RemoteKey) -> Result<(), ApiError> {
        // GitLab ids are integers; anything else is not a key of ours.
        let id: u64 = key.id.trim().parse().map_err(|_| {
            ApiError::invalid_input(format!(
                "\"{}\" is not a GitLab key id; refresh the list.",
                crate::providers::redact::cut(&key.id, 40)
            ))
        })?;
        let url = self.url(&["user", "keys", &id.to_string()])?;
        self.rest
            .retrying(|attempt| {
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

    /// One page of `per_page` keys (with retries) and its paging headers.
    async fn get_page(
        &self,
        number: u32,
        per_page: u32,
        budget: &ListBudget,
    ) -> Result<Page, ApiError> {
        let mut url = self.url(&["user", "keys"])?;
        url.query_pairs_mut()
            .append_pair("page", &number.to_string())
            .append_pair("per_page", &per_page.to_string());
        self.rest
            .retrying(|_| {
                let url = url.clone();
                async move {
                    let response = self.send(Method::GET, url, None).await?;
                    if !response.is_success() {
                        return Err(self.error(&response, Operation::List));
                    }
                    budget.charge(&response)?;
                    Ok(Page {
                        keys: self.decode(&response)?,
                        total_pages: page_header(&response.headers, "x-total-pages"),
                        next_page: page_header(&response.headers, "x-next-page"),
                    })
                }
            })
            .await
    }

    fn check_page_count(&self, total: u32) -> Result<(), ApiError> {
        if total > MAX_PAGES {
            return Err(ApiError::new(
                ApiErrorKind::MalformedResponse,
                format!(
                    "GitLab says the key list has {total} pages, more than the {MAX_PAGES} Keyfleet reads; the list was not loaded."
                ),
            ));
        }
        Ok(())
    }

    fn endless_paging(&self) -> ApiError {
        ApiError::new(
            ApiErrorKind::MalformedResponse,
            format!(
                "GitLab's paging of the SSH keys did not end (a page was named again, or more than {MAX_PAGES} pages); the list was not loaded."
            ),
        )
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        json_body: Option<Vec<u8>>,
    ) -> Result<RawResponse, ApiError> {
        self.rest.send_json(method, url, json_body).await
    }

    /// `instance/api/v4/segments…`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, ApiError> {
        let mut all = vec!["api", "v4"];
        all.extend_from_slice(segments);
        self.rest.url(&all)
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

    /// Maps an error response to an [`ApiError`] the user can act on
    /// ([`ERRORS`], after GitLab's rate limit). Text from the server is
    /// redacted before anything is built from it.
    fn error(&self, response: &RawResponse, operation: Operation) -> ApiError {
        let redactor = self.redactor();
        let body = ErrorBody::parse(&response.body);
        let clean = |text: &str| redactor.short(text.trim(), MAX_MESSAGE_CHARS);
        let fields: Vec<FieldError> = body
            .fields
            .iter()
            .map(|(field, messages)| FieldError {
                field: clean(field),
                messages: messages.iter().map(|text| clean(text)).collect(),
            })
            .collect();
        let status = response.status;
        let err = match rate_limit(response) {
            Some(limited) => limited,
            None => {
                let answer = ErrorAnswer {
                    status,
                    message: body.message.as_deref().map(clean).filter(|t| !t.is_empty()),
                    error: body.error.as_deref().map(clean),
                    fields: fields
                        .iter()
                        .map(|field| (field.field.clone(), field.messages.join(", ")))
                        .collect(),
                    operation,
                    base_url: self.rest.base_url().to_string(),
                };
                let err = ERRORS.error(status, &answer);
                if status == 400 {
                    err.with_fields(fields)
                } else {
                    err
                }
            }
        };
        redactor.error(
            err.with_status(status)
                .with_details(redactor.excerpt(&response.body)),
        )
    }
}

/// `YYYY-MM-DD`, the form GitLab's `expires_at` parameter takes.
fn iso_date(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// A page number header; empty or unreadable means none.
fn page_header(headers: &HeaderMap, name: &str) -> Option<u32> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|number| *number > 0)
}

/// GitLab's rate limit answer: 429 with `Retry-After` (seconds), else
/// `RateLimit-Reset` (epoch seconds), else a minute.
fn rate_limit(response: &RawResponse) -> Option<ApiError> {
    if response.status != 429 {
        return None;
    }
    let header = |name: &str| {
        response
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    let wait = header("retry-after")
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
        .map(|secs| Duration::from_secs_f64(secs).min(MAX_HEADER_WAIT))
        .or_else(|| {
            header("ratelimit-reset")
                .and_then(|text| text.parse::<u64>().ok())
                .map(until_epoch)
        })
        .unwrap_or(DEFAULT_LIMIT_WAIT);
    Some(
        ApiError::new(
            ApiErrorKind::RateLimited,
            format!(
                "GitLab is limiting requests (HTTP 429); it asks to wait {} seconds.",
                wait.as_secs_f64().ceil() as u64
            ),
        )
        .with_retry_after(Some(wait)),
    )
}

/// The wait until `reset` (epoch seconds); one already past still waits a
/// second.
fn until_epoch(reset: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(reset)
        .checked_sub(now)
        .filter(|wait| !wait.is_zero())
        .unwrap_or(Duration::from_secs(1))
        .min(MAX_HEADER_WAIT)
}

/// GitLab's error bodies, read leniently: `{"message": "404 Not Found"}`,
/// `{"message": {"field": ["reason", …]}}` (model validation),
/// `{"error": "title is missing"}` (parameter validation) and OAuth's
/// `{"error": "insufficient_scope", "error_description", "scope"}`.
struct ErrorBody {
    message: Option<String>,
    error: Option<String>,
    fields: Vec<(String, Vec<String>)>,
}

impl ErrorBody {
    fn parse(body: &[u8]) -> Self {
        let value = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_string);
        let fields = value
            .get("message")
            .and_then(Value::as_object)
            .map(|object| {
                object
                    .iter()
                    .take(20)
                    .map(|(field, reasons)| (field.clone(), reasons_of(reasons)))
                    .filter(|(_, reasons)| !reasons.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let error = match (text("error"), text("error_description")) {
            (Some(error), Some(description)) => Some(format!("{error}: {description}")),
            (error, _) => error,
        };
        Self {
            message: text("message"),
            error,
            fields,
        }
    }
}

fn reasons_of(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items
            .iter()
            .take(10)
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// What [`ERRORS`] reads from an error answer, redacted.
struct ErrorAnswer {
    status: u16,
    /// GitLab's `message` when it is a string.
    message: Option<String>,
    /// `error` (and `error_description`).
    error: Option<String>,
    /// `message` when it is an object: field and its joined reasons.
    fields: Vec<(String, String)>,
    operation: Operation,
    base_url: String,
}

impl ErrorAnswer {
    fn what(&self) -> &'static str {
        self.operation.describe()
    }

    /// `: what GitLab said`, or nothing.
    fn said(&self) -> String {
        self.message
            .as_deref()
            .or(self.error.as_deref())
            .map(|said| format!(": {said}"))
            .unwrap_or_default()
    }

    /// The field reasons ("key has already been taken"), else the message.
    fn reasons(&self) -> String {
        if self.fields.is_empty() {
            return self
                .message
                .clone()
                .or_else(|| self.error.clone())
                .unwrap_or_else(|| "the request was invalid".to_string());
        }
        self.fields
            .iter()
            .map(|(field, reasons)| format!("{field} {reasons}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// GitLab refused a key it already has: the key or one of its
    /// fingerprints "has already been taken".
    fn duplicate(&self) -> bool {
        self.fields.iter().any(|(field, reasons)| {
            matches!(
                field.as_str(),
                "key" | "fingerprint" | "fingerprint_md5" | "fingerprint_sha256"
            ) && reasons.contains("has already been taken")
        })
    }

    fn insufficient_scope(&self) -> bool {
        self.error
            .as_deref()
            .is_some_and(|error| error.starts_with("insufficient_scope"))
    }
}

/// GitLab's error table.
static ERRORS: ErrorTable<ErrorAnswer> = ErrorTable {
    rules: &[
        ErrorRule {
            statuses: &[401..=401],
            when: None,
            kind: ApiErrorKind::BadCredentials,
            wording: |answer| {
                format!(
                    "GitLab refused the token (401{}). It may be mistyped, expired or revoked: create a new personal access token (User settings → Access tokens) and update this account.",
                    answer.said()
                )
            },
        },
        ErrorRule {
            statuses: &[403..=403],
            when: Some(ErrorAnswer::insufficient_scope),
            kind: ApiErrorKind::Forbidden,
            wording: |answer| {
                format!(
                    "GitLab refused {}: the token lacks the scope it needs. {} needs a personal access token with the {} scope; add it to the token or create a new one.",
                    answer.what(),
                    capitalise(answer.what()),
                    answer.operation.scope_needed()
                )
            },
        },
        ErrorRule {
            statuses: &[403..=403],
            when: None,
            kind: ApiErrorKind::Forbidden,
            wording: |answer| {
                format!(
                    "GitLab refused {} (403{}). {} needs the {} scope; the account may also be blocked or the instance may not allow it.",
                    answer.what(),
                    answer.said(),
                    capitalise(answer.what()),
                    answer.operation.scope_needed()
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: Some(|answer| answer.operation == Operation::Delete),
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                format!(
                    "GitLab answered 404 while {}: the key was deleted meanwhile; refresh the list.",
                    answer.what()
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: None,
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                format!(
                    "The GitLab API was not found (HTTP 404) while {}. Check the API base URL ({}): the GitLab URL is {DEFAULT_BASE_URL}, or your instance's address such as https://gitlab.example.com.",
                    answer.what(),
                    answer.base_url
                )
            },
        },
        ErrorRule {
            statuses: &[400..=400],
            when: Some(ErrorAnswer::duplicate),
            kind: ApiErrorKind::Conflict,
            wording: |answer| {
                format!(
                    "GitLab refused the key: {}. GitLab accepts each key once per instance: it is already on this account (perhaps with another usage type; refresh the list) or on another GitLab user.",
                    answer.reasons()
                )
            },
        },
        ErrorRule {
            statuses: &[400..=400, 422..=422],
            when: None,
            kind: ApiErrorKind::Validation,
            wording: |answer| {
                format!(
                    "GitLab refused the request while {}: {}.",
                    answer.what(),
                    answer.reasons().trim_end_matches('.')
                )
            },
        },
        ErrorRule {
            statuses: &[500..=599],
            when: None,
            kind: ApiErrorKind::Server,
            wording: |answer| {
                format!(
                    "GitLab had a server error (HTTP {}) while {}; try again later.",
                    answer.status,
                    answer.what()
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
                "GitLab answered HTTP {} while {}{}.",
                answer.status,
                answer.what(),
                answer.said()
            )
        },
    },
};

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Adds a page's keys to a listing, each id once.
fn add_page(keys: &mut Unique<RemoteKey>, page: Vec<KeyDto>) {
    let page = page.into_iter().map(KeyDto::into_remote);
    keys.extend(page, |key| Some(key.id.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One sample answer per row of [`ERRORS`], in order, then the
    /// fallback: every row can be reached.
    #[test]
    fn every_error_row_is_reachable() {
        let answer =
            |status, operation, error: Option<&str>, fields: &[(&str, &str)]| ErrorAnswer {
                status,
                message: Some("said".into()),
                error: error.map(str::to_string),
                fields: fields
                    .iter()
                    .map(|(f, r)| (f.to_string(), r.to_string()))
                    .collect(),
                operation,
                base_url: DEFAULT_BASE_URL.into(),
            };
        let samples = [
            answer(401, Operation::Connect, None, &[]),
            answer(403, Operation::Create, Some("insufficient_scope: x"), &[]),
            answer(403, Operation::List, None, &[]),
            answer(404, Operation::Delete, None, &[]),
            answer(404, Operation::List, None, &[]),
            answer(
                400,
                Operation::Create,
                None,
                &[("fingerprint_sha256", "has already been taken")],
            ),
            answer(400, Operation::Create, None, &[("key", "is invalid")]),
            answer(502, Operation::List, None, &[]),
            answer(418, Operation::List, None, &[]),
        ];
        let rows: Vec<Option<usize>> = samples.iter().map(|a| ERRORS.row(a.status, a)).collect();
        let mut expected: Vec<Option<usize>> = (0..ERRORS.rules.len()).map(Some).collect();
        expected.push(None);
        assert_eq!(rows, expected);
    }

    #[test]
    fn usage_types_map_to_scopes_and_words() {
        assert_eq!(usage(None), (KeyScope::Account, USAGE_AUTH.into()));
        assert_eq!(
            usage(Some("signing")),
            (KeyScope::Signing, USAGE_SIGNING.into())
        );
        assert_eq!(
            usage(Some("auth_and_signing")),
            (KeyScope::Account, USAGE_AUTH_AND_SIGNING.into())
        );
        assert_eq!(usage(Some("future")).1, "future");
        assert_eq!(
            usage_type_for(&KeyScope::Account).unwrap(),
            "auth_and_signing"
        );
        assert_eq!(usage_type_for(&KeyScope::Signing).unwrap(), "signing");
        assert!(
            usage_type_for(&KeyScope::Region {
                region_id: 1,
                region_name: "x".into()
            })
            .is_err()
        );
    }

    #[test]
    fn error_bodies_take_every_shape() {
        let model = ErrorBody::parse(
            br#"{"message":{"key":["type is forbidden"],"fingerprint_sha256":["has already been taken"],"odd":{}}}"#,
        );
        assert_eq!(model.message, None);
        assert_eq!(model.fields.len(), 2);
        let oauth = ErrorBody::parse(
            br#"{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api"}"#,
        );
        assert!(oauth.error.unwrap().starts_with("insufficient_scope: "));
        let plain = ErrorBody::parse(br#"{"message":"404 Not Found"}"#);
        assert_eq!(plain.message.as_deref(), Some("404 Not Found"));
        assert!(ErrorBody::parse(b"<html>").fields.is_empty());
    }

    #[test]
    fn titles_and_dates_are_checked() {
        assert!(validate_key_name("laptop").is_ok());
        assert!(validate_key_name(" ").is_err());
        assert!(validate_key_name("a\tb").is_err());
        assert!(validate_key_name(&"é".repeat(255)).is_ok());
        assert!(validate_key_name(&"x".repeat(256)).is_err());
        let date = time::Date::from_calendar_date(2027, time::Month::March, 5).unwrap();
        assert_eq!(iso_date(date), "2027-03-05");
    }
}
