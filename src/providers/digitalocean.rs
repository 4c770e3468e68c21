//! DigitalOcean: the account's SSH keys (`/v2/account/keys`).
//!
//! DigitalOcean stores public keys only, cannot generate them, and can
//! rename them (`PUT /v2/account/keys/{id}` with `{name}`). Every key comes
//! with DigitalOcean's own MD5 fingerprint; Keyfleet computes both
//! fingerprints from the public key and marks a key whose reported MD5
//! differs ([`RemoteKey::check_server_md5`]).
//!
//! The API takes an id or a fingerprint wherever one key is addressed.
//! Keyfleet always sends the id: the fingerprint in the path would be the
//! server's MD5, which is exactly what this client does not trust, and the
//! id is what a fresh listing (checked by fingerprint before any delete)
//! names.
//!
//! Lists are paged (`page`, `per_page` at most 200) with `meta.total` and
//! `links.pages.last`: page 1 says how many pages there are, the rest are
//! fetched concurrently, so a listing takes two round trips whatever its
//! size. The `links` URLs are read for their page number only and never
//! followed, so the token cannot be sent to another host.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::Value;

use super::error::{ApiError, ApiErrorKind, ErrorRule, ErrorTable, FieldError};
use super::http::{Http, ListBudget, RawResponse, RestClient, TokenHeader};
use super::model::{Capabilities, ProviderKind, StoredMaterial};
use super::model::{CreatedKey, NewKey, NewKeyMaterial, RemoteKey};
use super::paging::{self, Unique};
use super::redact::Redactor;
use super::spec::{self, KeyColumn, ProviderSettings, ProviderSpec};
use crate::keys::SecretString;

/// DigitalOcean's API address; the key paths start with `/v2`.
pub const DEFAULT_BASE_URL: &str = "https://api.digitalocean.com";

/// DigitalOcean's entry in the provider table: the account's SSH keys,
/// public keys only, renamable.
pub static SPEC: ProviderSpec = ProviderSpec {
    kind: ProviderKind::Digitalocean,
    label: "DigitalOcean",
    default_base_url: DEFAULT_BASE_URL,
    base_url_label: "API base URL:",
    base_url_hint: None,
    official_base_url: Some(DEFAULT_BASE_URL),
    token_env_var: "DIGITALOCEAN_TOKEN",
    token_hint: Some(
        "A personal access token (dop_v1_…) with the ssh_key scopes: read to list, create, update and delete to change keys.",
    ),
    token_prefixes: &["Bearer "],
    capabilities: Capabilities {
        server_generate: false,
        share: false,
        make_default: false,
        rename: true,
        stores: StoredMaterial::PublicKey,
        regional_keypairs: false,
        labels: false,
        expiry: false,
    },
    validate_key_name,
    profile_fields: &[],
    new_settings: || ProviderSettings::Digitalocean {},
    account_summary: |_| "account keys".into(),
    columns: |_| {
        use KeyColumn::*;
        &[Name, Actions, Algorithm, Sha256, Md5, Id]
    },
    // DigitalOcean shows keys by their MD5 itself, so the column is shown.
    hidden_columns: &[KeyColumn::Id],
    account_key_kind: "Account",
    notices: spec::no_notices,
    key_scopes: spec::account_scope_only,
    add_key_label: "➕ Add key",
    private_key_hint: None,
    generate: spec::GENERATE_LOCALLY,
};

/// Keys per page we ask for (DigitalOcean's maximum; its default is 20).
const PAGE_SIZE: usize = 200;
/// Most pages one listing reads, whatever the answers say.
const MAX_PAGES: usize = 1000;
/// Pages fetched at once after the first. DigitalOcean allows 10 listings
/// of `/v2/account/keys` a minute, so more would only meet its limit.
const PAGE_CONCURRENCY: usize = 4;
/// Pages read past the announced last one (keys added while we paged).
const MAX_TAIL_PAGES: usize = 5;
/// Longest server message we repeat in our own message.
const MAX_MESSAGE_CHARS: usize = 300;
/// The wait when a 429 names none: the key list's own limit is per minute.
const DEFAULT_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Longest wait we believe from a header (a garbled reset is not a day).
const MAX_HEADER_WAIT: Duration = Duration::from_secs(3600);

/// Checks a key name before anything is sent: required, not only spaces,
/// at most 255 characters, no control characters (DigitalOcean documents
/// no rule of its own).
pub fn validate_key_name(name: &str) -> Result<(), ApiError> {
    super::model::check_free_form_name(name, "key", "DigitalOcean")
}

/// What the call was about, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    List,
    Create,
    Rename,
    Delete,
}

impl Operation {
    fn describe(self) -> &'static str {
        match self {
            Self::List => "listing SSH keys",
            Self::Create => "adding the SSH key",
            Self::Rename => "renaming the SSH key",
            Self::Delete => "deleting the SSH key",
        }
    }

    /// The token scope the operation needs (DigitalOcean's scope names).
    fn scope(self) -> &'static str {
        match self {
            Self::List => "ssh_key:read",
            Self::Create => "ssh_key:create",
            Self::Rename => "ssh_key:update",
            Self::Delete => "ssh_key:delete",
        }
    }
}

/// One key as DigitalOcean returns it. `id` and `fingerprint` are
/// read-only fields the schema does not mark required; a key without an id
/// cannot be addressed, so it fails the listing.
#[derive(Debug, Deserialize)]
struct KeyDto {
    id: u64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
}

impl KeyDto {
    fn into_remote(self) -> RemoteKey {
        let key = RemoteKey {
            id: self.id.to_string(),
            name: self.name.unwrap_or_default().into(),
            public_key: self.public_key,
            ..RemoteKey::default()
        }
        .with_local_fingerprints();
        match self.fingerprint.as_deref().map(str::trim) {
            Some(reported) if !reported.is_empty() => key.check_server_md5(reported),
            _ => key,
        }
    }
}

/// `{"ssh_key": …}`: a create's or rename's answer.
#[derive(Debug, Deserialize)]
struct KeyRoot {
    ssh_key: KeyDto,
}

/// One page: `{"ssh_keys": […], "links": {"pages": {…}}, "meta": {"total"}}`.
/// `links` is absent or `{}` when everything fits on one page.
#[derive(Debug, Deserialize)]
struct PageDto {
    ssh_keys: Vec<KeyDto>,
    #[serde(default)]
    links: Option<LinksDto>,
    #[serde(default)]
    meta: Option<MetaDto>,
}

#[derive(Debug, Default, Deserialize)]
struct LinksDto {
    #[serde(default)]
    pages: Option<PagesDto>,
}

#[derive(Debug, Default, Deserialize)]
struct PagesDto {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    last: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct MetaDto {
    #[serde(default)]
    total: Option<u64>,
}

impl PageDto {
    fn pages(&self) -> Option<&PagesDto> {
        self.links.as_ref().and_then(|links| links.pages.as_ref())
    }

    fn has_next(&self) -> bool {
        self.pages()
            .and_then(|pages| pages.next.as_deref())
            .is_some_and(|next| !next.trim().is_empty())
    }

    /// The page number in `links.pages.last`, if it has a readable one.
    fn last_page(&self) -> Option<usize> {
        page_number(self.pages()?.last.as_deref()?)
    }

    fn total(&self) -> Option<usize> {
        self.meta
            .as_ref()
            .and_then(|meta| meta.total)
            .and_then(|total| usize::try_from(total).ok())
    }
}

/// The `page` query parameter of a link, when it is a number ≥ 1.
fn page_number(link: &str) -> Option<usize> {
    let url = Url::parse(link.trim())
        .or_else(|_| Url::parse("http://x/").and_then(|base| base.join(link.trim())))
        .ok()?;
    url.query_pairs()
        .find(|(name, _)| name == "page")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .filter(|page| *page >= 1)
}

/// How many pages page 1 announces: its `last` link's number, else the
/// total over the page size; 1 when it announces none.
fn announced_pages(first: &PageDto, step: usize) -> usize {
    let from_total = first
        .total()
        .filter(|_| step > 0)
        .map(|total| total.div_ceil(step));
    first
        .last_page()
        .or(from_total)
        .unwrap_or(1)
        .clamp(1, MAX_PAGES)
}

/// Adds a page's keys to a listing, each id once.
fn add_page(keys: &mut Unique<RemoteKey>, page: PageDto) {
    let page = page.ssh_keys.into_iter().map(KeyDto::into_remote);
    keys.extend(page, |key| Some(key.id.clone()));
}

/// The create request body.
#[derive(serde::Serialize)]
struct CreateBody<'a> {
    name: &'a str,
    public_key: &'a str,
}

/// The rename request body.
#[derive(serde::Serialize)]
struct RenameBody<'a> {
    name: &'a str,
}

/// A client for one DigitalOcean account (token).
///
/// `Debug` shows no token: [`SecretString`] redacts it.
#[derive(Clone, Debug)]
pub struct DigitaloceanClient {
    rest: RestClient,
}

impl DigitaloceanClient {
    /// A client for the account behind `token` at `base_url` (already
    /// normalised), normally [`DEFAULT_BASE_URL`].
    pub fn new(http: Http, base_url: &str, token: SecretString) -> Self {
        let bearer = TokenHeader {
            name: "authorization",
            prefix: "Bearer ",
        };
        Self {
            rest: RestClient::new(http, base_url, token, bearer, "application/json"),
        }
    }

    /// Checks the token by reading one page of keys; says how many the
    /// account has.
    pub async fn test_connection(&self) -> Result<String, ApiError> {
        let budget = ListBudget::new(self.rest.policy());
        let page = self.get_page(1, &budget).await?;
        let count = page.total().unwrap_or(page.ssh_keys.len());
        Ok(format!(
            "Token works: {count} SSH key{} on the account",
            if count == 1 { "" } else { "s" }
        ))
    }

    /// Every key of the account: page 1, then the pages it announces,
    /// concurrently; deduplicated by id (a key added meanwhile may shift
    /// one onto two pages).
    pub async fn list_keys(&self) -> Result<Vec<RemoteKey>, ApiError> {
        let budget = ListBudget::new(self.rest.policy());
        let budget = &budget;
        let first = self.get_page(1, budget).await?;
        let step = first.ssh_keys.len();
        let last = if step == 0 {
            1
        } else {
            announced_pages(&first, step)
        };
        let mut more_after = first.has_next() && last == 1;
        let mut keys = Unique::default();
        add_page(&mut keys, first);
        paging::fetch_in_order_at_most(
            PAGE_CONCURRENCY,
            2..=last,
            |number| self.get_page(number, budget),
            |_, page: PageDto| {
                more_after = page.has_next() && !page.ssh_keys.is_empty();
                add_page(&mut keys, page);
                Ok(())
            },
        )
        .await?;
        // Keys added while we paged land after the announced last page.
        let mut number = last;
        while more_after && number < last + MAX_TAIL_PAGES && number < MAX_PAGES {
            number += 1;
            let page = self.get_page(number, budget).await?;
            more_after = page.has_next() && !page.ssh_keys.is_empty();
            add_page(&mut keys, page);
        }
        Ok(keys.into_vec())
    }

    /// Uploads a public key. Never retried: a lost answer may mean the key
    /// was added, so the user refreshes instead.
    ///
    /// A key the account already has fails with [`ApiErrorKind::Conflict`]
    /// ("SSH Key is already in use on your account").
    pub async fn create_key(&self, new_key: &NewKey) -> Result<CreatedKey, ApiError> {
        super::model::check_account_scope(&new_key.scope, "DigitalOcean")?;
        validate_key_name(&new_key.name)?;
        let public_key = match &new_key.material {
            NewKeyMaterial::PublicKey(text) => SPEC.check_public_key(text)?,
            NewKeyMaterial::GenerateOnServer => {
                return Err(ApiError::invalid_input(
                    "DigitalOcean cannot generate keys; generate one locally and upload its public key.",
                ));
            }
            NewKeyMaterial::PrivateKey(_) => {
                return Err(ApiError::invalid_input(
                    "DigitalOcean stores public keys only; the private key was not sent. Upload the public key (the .pub file) instead.",
                ));
            }
        };
        let body = encode(&CreateBody {
            name: new_key.name.trim(),
            public_key: &public_key.openssh,
        })?;
        let url = self.url(&[])?;
        let response = self
            .send(Method::POST, url, Some(body))
            .await
            .map_err(ApiError::noting_a_possible_create)?;
        if !response.is_success() {
            return Err(self.error(&response, Operation::Create));
        }
        let created: KeyRoot = self.decode(&response)?;
        Ok(CreatedKey {
            key: created.ssh_key.into_remote(),
            private_key: None,
        })
    }

    /// Renames the key at its id (`PUT {name}`); returns the key as stored.
    pub async fn rename_key(&self, key: &RemoteKey, name: &str) -> Result<RemoteKey, ApiError> {
        validate_key_name(name)?;
        let url = self.url(&[&key_id(key)?.to_string()])?;
        let body = encode(&RenameBody { name: name.trim() })?;
        self.rest
            .retrying(|_attempt| {
                let (url, body) = (url.clone(), body.clone());
                async move {
                    let response = self.send(Method::PUT, url, Some(body)).await?;
                    if !response.is_success() {
                        return Err(self.error(&response, Operation::Rename));
                    }
                    Ok(self.decode::<KeyRoot>(&response)?.ssh_key.into_remote())
                }
            })
            .await
    }

    /// Deletes the key at its id. A 404 on a retry means an earlier
    /// attempt already deleted it, so it counts as done.
    pub async fn delete_key(&self, key: &RemoteKey) -> Result<(), ApiError> {
        super::model::check_account_scope(&key.scope, "DigitalOcean")?;
        let url = self.url(&[&key_id(key)?.to_string()])?;
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

    /// Page `number` of the key list (with retries), charged to `budget`.
    async fn get_page(&self, number: usize, budget: &ListBudget) -> Result<PageDto, ApiError> {
        let mut url = self.url(&[])?;
        url.query_pairs_mut()
            .append_pair("page", &number.to_string())
            .append_pair("per_page", &PAGE_SIZE.to_string());
        self.rest
            .retrying(|_attempt| {
                let url = url.clone();
                async move {
                    let response = self.send(Method::GET, url, None).await?;
                    if !response.is_success() {
                        return Err(self.error(&response, Operation::List));
                    }
                    budget.charge(&response)?;
                    self.decode::<PageDto>(&response)
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

    /// `base/v2/account/keys/segments…`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, ApiError> {
        let mut all = vec!["v2", "account", "keys"];
        all.extend_from_slice(segments);
        self.rest.url(&all)
    }

    fn redactor(&self) -> Redactor<'_> {
        self.rest.redactor()
    }

    /// Decodes a success body; a decoding error is redacted like any other.
    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        response: &RawResponse,
    ) -> Result<T, ApiError> {
        response.json(&self.redactor())
    }

    /// Maps an error response to an [`ApiError`] the user can act on
    /// ([`ERRORS`], with the wait a 429 asks for). Text from the server is
    /// redacted before anything is built from it.
    fn error(&self, response: &RawResponse, operation: Operation) -> ApiError {
        let redactor = self.redactor();
        let body = ErrorBody::parse(&response.body);
        let status = response.status;
        let answer = ErrorAnswer {
            status,
            id: body.id.map(|id| redactor.short(&id, 60)),
            message: body
                .message
                .map(|text| redactor.short(&text, MAX_MESSAGE_CHARS)),
            operation,
            base_url: self.rest.base_url().to_string(),
            wait: (status == 429).then(|| limit_wait(&response.headers)),
        };
        let mut err = ERRORS.error(status, &answer);
        if status == 429 {
            err = err.with_retry_after(answer.wait);
        }
        if matches!(status, 400 | 422)
            && let Some(message) = &answer.message
        {
            let field = if operation == Operation::Rename {
                "name"
            } else {
                "public_key"
            };
            err = err.with_fields(vec![FieldError {
                field: field.into(),
                messages: vec![message.clone()],
            }]);
        }
        redactor.error(
            err.with_status(status)
                .with_details(redactor.excerpt(&response.body)),
        )
    }
}

/// A key's DigitalOcean id; anything but a positive integer is not a key
/// of ours (and would address the list or another key).
fn key_id(key: &RemoteKey) -> Result<u64, ApiError> {
    key.id
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            ApiError::invalid_input(format!(
                "\"{}\" is not a DigitalOcean key id; refresh the list.",
                super::redact::cut(&key.id, 40)
            ))
        })
}

fn encode<T: serde::Serialize>(body: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body)
        .map_err(|err| ApiError::invalid_input(format!("The request could not be encoded: {err}")))
}

/// The wait a 429 asks for: `retry-after` (seconds, sent when the burst
/// limit is hit), else `ratelimit-reset` (an epoch second: when the oldest
/// counted request expires) once `ratelimit-remaining` is 0, else a minute.
fn limit_wait(headers: &reqwest::header::HeaderMap) -> Duration {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    if let Some(wait) = header("retry-after")
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
    {
        return Duration::from_secs_f64(wait.min(MAX_HEADER_WAIT.as_secs_f64()));
    }
    match (
        header("ratelimit-remaining"),
        header("ratelimit-reset").and_then(|text| text.parse::<u64>().ok()),
    ) {
        (Some("0"), Some(reset)) => until_epoch(reset),
        _ => DEFAULT_LIMIT_WAIT,
    }
}

/// The wait until `reset` (epoch seconds). A reset already past (clocks
/// differ) still waits a second, so the retry is not immediate.
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

fn describe_wait(wait: Duration) -> String {
    let secs = wait.as_secs_f64().ceil() as u64;
    match secs {
        0..=1 => "a second".to_string(),
        2..=119 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

/// DigitalOcean's error body, `{"id", "message", "request_id"?}`, read
/// leniently (another server's page gives neither).
#[derive(Default)]
struct ErrorBody {
    id: Option<String>,
    message: Option<String>,
}

impl ErrorBody {
    fn parse(body: &[u8]) -> Self {
        let value = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
        let text = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_string)
        };
        Self {
            id: text("id"),
            message: text("message"),
        }
    }
}

/// What [`ERRORS`] reads from an error answer, redacted.
struct ErrorAnswer {
    status: u16,
    /// DigitalOcean's error `id` (`unauthorized`, `unprocessable_entity`…).
    id: Option<String>,
    message: Option<String>,
    operation: Operation,
    base_url: String,
    /// The wait a 429 asks for.
    wait: Option<Duration>,
}

impl ErrorAnswer {
    /// `: message`, or nothing.
    fn said(&self) -> String {
        self.message
            .as_deref()
            .map(|said| format!(": {}", said.trim_end_matches('.')))
            .unwrap_or_default()
    }

    /// The answer is DigitalOcean's own JSON (it always names an `id`).
    fn is_digitalocean(&self) -> bool {
        self.id.is_some()
    }

    /// DigitalOcean refused a key the account already has.
    fn duplicate(&self) -> bool {
        self.message
            .as_deref()
            .is_some_and(|said| said.to_ascii_lowercase().contains("already in use"))
    }
}

/// DigitalOcean's error table.
static ERRORS: ErrorTable<ErrorAnswer> = ErrorTable {
    rules: &[
        ErrorRule {
            statuses: &[401..=401],
            when: None,
            kind: ApiErrorKind::BadCredentials,
            wording: |answer| {
                format!(
                    "DigitalOcean refused the token (401{}). It may be mistyped, expired or revoked: create a new personal access token under API → Tokens and update this account.",
                    answer.said()
                )
            },
        },
        ErrorRule {
            statuses: &[403..=403],
            when: None,
            kind: ApiErrorKind::Forbidden,
            wording: |answer| {
                format!(
                    "DigitalOcean refused {} (403{}). The token needs the {} scope.",
                    answer.operation.describe(),
                    answer.said(),
                    answer.operation.scope()
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: Some(|answer| {
                answer.is_digitalocean()
                    && matches!(answer.operation, Operation::Rename | Operation::Delete)
            }),
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                format!(
                    "SSH key not found on DigitalOcean while {} (it may have been deleted meanwhile). Refresh the list.",
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
                    "The API address was not found (HTTP 404) while {}. Check the API base URL ({}): it is {DEFAULT_BASE_URL} for DigitalOcean.",
                    answer.operation.describe(),
                    answer.base_url
                )
            },
        },
        ErrorRule {
            statuses: &[422..=422],
            when: Some(ErrorAnswer::duplicate),
            kind: ApiErrorKind::Conflict,
            wording: |answer| {
                format!(
                    "DigitalOcean refused the request while {}{}. DigitalOcean accepts each key once per account: it is already on this account (refresh the list).",
                    answer.operation.describe(),
                    answer.said()
                )
            },
        },
        ErrorRule {
            statuses: &[400..=400, 422..=422],
            when: None,
            kind: ApiErrorKind::Validation,
            wording: |answer| {
                format!(
                    "DigitalOcean refused the request while {}{}.",
                    answer.operation.describe(),
                    if answer.message.is_some() {
                        answer.said()
                    } else {
                        ": the request was invalid".to_string()
                    }
                )
            },
        },
        ErrorRule {
            statuses: &[429..=429],
            when: None,
            kind: ApiErrorKind::RateLimited,
            wording: |answer| {
                format!(
                    "DigitalOcean is limiting requests (429{}); it allows 10 listings of SSH keys a minute and 250 requests a minute in all. Wait {} and try again.",
                    answer.said(),
                    describe_wait(answer.wait.unwrap_or(DEFAULT_LIMIT_WAIT))
                )
            },
        },
        ErrorRule {
            statuses: &[500..=599],
            when: None,
            kind: ApiErrorKind::Server,
            wording: |answer| {
                format!(
                    "DigitalOcean had a server error (HTTP {}) while {}; try again later.",
                    answer.status,
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
                "DigitalOcean answered HTTP {} while {}{}.",
                answer.status,
                answer.operation.describe(),
                answer.said()
            )
        },
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    /// One sample answer per row of [`ERRORS`], in order, then the
    /// fallback: every row can be reached (none is shadowed by another).
    #[test]
    fn every_error_row_is_reachable() {
        let answer = |status, id: Option<&str>, message: &str, operation| ErrorAnswer {
            status,
            id: id.map(str::to_string),
            message: Some(message.to_string()),
            operation,
            base_url: DEFAULT_BASE_URL.into(),
            wait: None,
        };
        let samples = [
            answer(
                401,
                Some("unauthorized"),
                "Unable to authenticate you",
                Operation::List,
            ),
            answer(403, Some("forbidden"), "no", Operation::Create),
            answer(404, Some("not_found"), "gone", Operation::Delete),
            answer(404, None, "Not Found", Operation::List),
            answer(
                422,
                Some("unprocessable_entity"),
                "SSH Key is already in use on your account",
                Operation::Create,
            ),
            answer(
                422,
                Some("unprocessable_entity"),
                "Key invalid",
                Operation::Create,
            ),
            answer(
                429,
                Some("too_many_requests"),
                "API rate limit exceeded.",
                Operation::List,
            ),
            answer(503, None, "", Operation::List),
            answer(418, None, "", Operation::List),
        ];
        let rows: Vec<Option<usize>> = samples.iter().map(|a| ERRORS.row(a.status, a)).collect();
        let mut expected: Vec<Option<usize>> = (0..ERRORS.rules.len()).map(Some).collect();
        expected.push(None);
        assert_eq!(rows, expected);
    }

    #[test]
    fn page_numbers_come_from_links_only_when_readable() {
        assert_eq!(
            page_number("https://api.digitalocean.com/v2/account/keys?page=3&per_page=200"),
            Some(3)
        );
        assert_eq!(page_number("/v2/account/keys?per_page=2&page=7"), Some(7));
        for garbage in [
            "",
            "page=2",
            "https://x/?page=0",
            "https://x/?page=-1",
            "https://x/?page=a",
        ] {
            assert_eq!(page_number(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn the_announced_page_count_prefers_the_last_link_then_the_total() {
        let page = |last: Option<&str>, total: Option<u64>| PageDto {
            ssh_keys: Vec::new(),
            links: Some(LinksDto {
                pages: Some(PagesDto {
                    next: None,
                    last: last.map(str::to_string),
                }),
            }),
            meta: Some(MetaDto { total }),
        };
        assert_eq!(announced_pages(&page(Some("/k?page=4"), Some(401)), 200), 4);
        assert_eq!(announced_pages(&page(None, Some(401)), 200), 3);
        assert_eq!(announced_pages(&page(None, Some(401)), 100), 5);
        assert_eq!(announced_pages(&page(None, None), 200), 1);
        // A hostile total cannot make us read without end.
        assert_eq!(
            announced_pages(&page(None, Some(u64::MAX / 2)), 1),
            MAX_PAGES
        );
    }

    #[test]
    fn limit_waits_follow_digitaloceans_headers() {
        use reqwest::header::{HeaderMap, HeaderValue};
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_str(value).unwrap());
            }
            map
        };
        assert_eq!(
            limit_wait(&headers(&[
                ("retry-after", "29"),
                ("ratelimit-remaining", "0")
            ])),
            Duration::from_secs(29)
        );
        // The reset is an epoch second, not a number of seconds to wait.
        let reset = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 600;
        let wait = limit_wait(&headers(&[
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", &reset.to_string()),
        ]));
        assert!(wait > Duration::from_secs(500) && wait <= Duration::from_secs(600));
        assert_eq!(
            limit_wait(&headers(&[("ratelimit-reset", "1402425459")])),
            DEFAULT_LIMIT_WAIT
        );
        assert_eq!(until_epoch(0), Duration::from_secs(1));
    }

    #[test]
    fn a_reported_md5_is_checked_against_the_key() {
        const ED25519: &str =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB dev";
        let dto = |fingerprint: Option<&str>| KeyDto {
            id: 7,
            name: Some("dev".into()),
            public_key: Some(ED25519.into()),
            fingerprint: fingerprint.map(str::to_string),
        };
        let honest = dto(None).into_remote();
        let md5 = honest.fingerprint_md5.clone().unwrap();
        assert_eq!(dto(Some(&md5)).into_remote().fingerprint_warning, None);
        let lying = dto(Some("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff")).into_remote();
        assert!(lying.fingerprint_warning.is_some());
        assert_eq!(lying.fingerprint_md5.as_deref(), Some(md5.as_str()));
        assert_eq!(lying.fingerprint_sha256, honest.fingerprint_sha256);
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_key_name("laptop").is_ok());
        assert!(validate_key_name(" ").is_err());
        assert!(validate_key_name("a\tb").is_err());
    }
}
