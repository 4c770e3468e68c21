//! GitHub (github.com and GitHub Enterprise Server): the signed-in user's
//! SSH authentication keys (`/user/keys`) and SSH signing keys
//! (`/user/ssh_signing_keys`).
//!
//! GitHub stores public keys only and cannot generate them. Lists are paged
//! with the `Link` header: the first page's `rel="last"` names the last
//! page and the others are fetched together (two round trips); without it,
//! only a `next` link to the API's own origin is followed, so the token
//! never goes to another host. Both lists are read at the same time. Classic tokens that
//! lack a scope get 404 on the key endpoints, fine-grained tokens 403;
//! both become a message naming the scope or permission to add.
//!
//! Signing keys are listed beside authentication keys. When the token may
//! read authentication keys but not signing keys, [`GithubClient::list_keys`]
//! fails with a message naming the missing permission (the app has no way
//! to show half a list as such), while [`GithubClient::list_keys_detailed`]
//! returns the authentication keys plus that error, for a caller that can
//! show a partial list with a notice.

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, LINK};
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

/// The github.com API address. GitHub Enterprise Server uses
/// `https://HOST/api/v3`.
pub const DEFAULT_BASE_URL: &str = "https://api.github.com";

/// GitHub's entry in the provider table: the user's authentication keys
/// and commit-signing keys, public keys only.
pub static SPEC: ProviderSpec = ProviderSpec {
    kind: ProviderKind::Github,
    label: "GitHub",
    default_base_url: DEFAULT_BASE_URL,
    base_url_label: "API base URL:",
    base_url_hint: Some("GitHub Enterprise Server: https://<your-host>/api/v3."),
    // Enterprise Server runs on the customer's own host.
    official_base_url: None,
    token_env_var: "GITHUB_TOKEN",
    token_hint: Some(
        "Classic token: read:public_key and write:public_key (and read/write:ssh_signing_key for signing keys). Fine-grained: the \"Git SSH keys\" and \"SSH signing keys\" user permissions.",
    ),
    token_prefixes: &["token ", "Bearer "],
    capabilities: Capabilities {
        server_generate: false,
        share: false,
        make_default: false,
        rename: false,
        stores: StoredMaterial::PublicKey,
        regional_keypairs: false,
        labels: false,
        expiry: false,
    },
    validate_key_name,
    profile_fields: &[],
    new_settings: || ProviderSettings::Github {},
    account_summary: |_| "user keys".into(),
    columns: |_| {
        use KeyColumn::*;
        &[Name, Actions, Kind, Algorithm, Sha256, Md5, Created]
    },
    hidden_columns: &[KeyColumn::Md5],
    account_key_kind: "Authentication",
    notices: spec::no_notices,
    key_scopes: |_| {
        vec![
            (KeyScope::Account, "Authentication key".into()),
            (KeyScope::Signing, "Signing key (commits)".into()),
        ]
    },
    add_key_label: "➕ Add key",
    private_key_hint: None,
    generate: spec::GENERATE_LOCALLY,
};

/// The REST API version every request asks for (`X-GitHub-Api-Version`).
pub const API_VERSION: &str = "2022-11-28";

/// The media type GitHub documents for its REST API.
pub const MEDIA_TYPE: &str = "application/vnd.github+json";

/// Keys per page we ask for (GitHub's maximum; its default is 30).
const PAGE_SIZE: u32 = 100;
/// Most pages one listing follows, whatever the links say.
const MAX_PAGES: usize = 1000;
/// Longest server message we repeat in our own message.
const MAX_MESSAGE_CHARS: usize = 300;
/// Longest title we send. GitHub documents no limit; this only stops
/// absurd input.
const MAX_TITLE_CHARS: usize = 255;
/// GitHub's advice when a limit answer names no wait: at least a minute.
const DEFAULT_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Longest wait we believe from a header (a garbled reset is not a day).
const MAX_HEADER_WAIT: Duration = Duration::from_secs(3600);

/// Checks a key title before anything is sent: required, not only spaces,
/// at most 255 characters, no control characters. GitHub accepts free-form
/// titles; this is the rule `providers::check_free_form_name` applies to the
/// other free-form providers, repeated here because that helper is private
/// to `providers/mod.rs`.
pub fn validate_key_name(name: &str) -> Result<(), ApiError> {
    let trimmed = name.trim();
    let reason = if trimmed.is_empty() {
        Some("Enter a title for the key (Keyfleet requires one for GitHub keys).".to_string())
    } else if trimmed.chars().count() > MAX_TITLE_CHARS {
        Some(format!(
            "The key title is {} characters long; use at most {MAX_TITLE_CHARS}.",
            trimmed.chars().count()
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

/// Which of the user's two key lists a request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyList {
    /// `/user/keys`: keys that open SSH connections.
    Authentication,
    /// `/user/ssh_signing_keys`: keys that sign commits and tags.
    Signing,
}

impl KeyList {
    fn from_scope(scope: &KeyScope) -> Result<Self, ApiError> {
        match scope {
            KeyScope::Account => Ok(Self::Authentication),
            KeyScope::Signing => Ok(Self::Signing),
            KeyScope::Region { .. } => Err(ApiError::invalid_input(
                "GitHub has no regions; add the key as an authentication or signing key.",
            )),
        }
    }

    fn scope(self) -> KeyScope {
        match self {
            Self::Authentication => KeyScope::Account,
            Self::Signing => KeyScope::Signing,
        }
    }

    fn segments(self) -> [&'static str; 2] {
        match self {
            Self::Authentication => ["user", "keys"],
            Self::Signing => ["user", "ssh_signing_keys"],
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Authentication => "SSH authentication keys",
            Self::Signing => "SSH signing keys",
        }
    }

    /// What a token needs for `operation` on this list, in GitHub's words
    /// (from the REST reference of each endpoint).
    fn permission(self, operation: Operation) -> String {
        let (family, fine_grained) = match self {
            Self::Authentication => ("public_key", "Git SSH keys"),
            Self::Signing => ("ssh_signing_key", "SSH signing keys"),
        };
        let (classic, access) = match operation {
            Operation::Connect | Operation::List => (
                format!("read:{family} (or write:{family} / admin:{family})"),
                "read",
            ),
            Operation::Create => (
                format!("write:{family} (or admin:{family})"),
                "read and write",
            ),
            Operation::Delete => (format!("admin:{family}"), "read and write"),
        };
        format!(
            "a classic token needs the {classic} scope; a fine-grained token needs the \"{fine_grained}\" user permission ({access})"
        )
    }
}

/// What the call was about, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Connect,
    List,
    Create,
    Delete,
}

impl Operation {
    fn describe(self, list: Option<KeyList>) -> String {
        let noun = list.map_or("the account", KeyList::noun);
        match self {
            Self::Connect => "signing in".to_string(),
            Self::List => format!("listing {noun}"),
            Self::Create => format!("adding to {noun}"),
            Self::Delete => format!("deleting from {noun}"),
        }
    }
}

/// One key as GitHub returns it. Authentication keys also carry `verified`
/// and `read_only`, which [`RemoteKey`] has no place for yet.
#[derive(Debug, Deserialize)]
struct KeyDto {
    id: u64,
    key: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
}

impl KeyDto {
    fn id(&self) -> Option<String> {
        Some(self.id.to_string())
    }

    fn into_remote(self, list: KeyList) -> RemoteKey {
        RemoteKey {
            id: self.id.to_string(),
            name: self.title.unwrap_or_default().into(),
            public_key: Some(self.key),
            created_at: self.created_at.map(Into::into),
            scope: list.scope(),
            ..RemoteKey::default()
        }
        .with_local_fingerprints()
    }
}

/// `GET /user`, of which we only need the login.
#[derive(Debug, Deserialize)]
struct UserDto {
    login: String,
}

/// The create request body.
#[derive(serde::Serialize)]
struct CreateBody<'a> {
    title: &'a str,
    key: &'a str,
}

/// Every key the token could read, and why the signing keys are missing
/// when only they could not be read.
#[derive(Clone, Debug)]
pub struct KeyListing {
    /// Authentication keys, then signing keys (scope [`KeyScope::Signing`]).
    pub keys: Vec<RemoteKey>,
    /// Set when the token may not read signing keys (404/403 without a
    /// rate limit); `keys` then holds the authentication keys only.
    pub signing_keys_error: Option<ApiError>,
}

/// A client for one GitHub user (token) on github.com or an Enterprise
/// Server.
///
/// `Debug` shows no token: [`SecretString`] redacts it.
#[derive(Clone, Debug)]
pub struct GithubClient {
    rest: RestClient,
}

impl GithubClient {
    /// A client for the user behind `token` at `base_url` (already
    /// normalised): [`DEFAULT_BASE_URL`] or `https://HOST/api/v3`.
    pub fn new(http: Http, base_url: &str, token: SecretString) -> Self {
        let bearer = TokenHeader {
            name: "authorization",
            prefix: "Bearer ",
        };
        Self {
            rest: RestClient::new(http, base_url, token, bearer, MEDIA_TYPE)
                .with_headers(&[("X-GitHub-Api-Version", API_VERSION)]),
        }
    }

    /// Checks the token: who it signs in as, and that it may read both key
    /// lists. Returns e.g. "Signed in as octocat; the token can read SSH
    /// authentication and signing keys".
    pub async fn test_connection(&self) -> Result<String, ApiError> {
        let url = self.url(&["user"])?;
        let login = self
            .rest
            .retrying(|_attempt| {
                let url = url.clone();
                async move {
                    let response = self.send(Method::GET, url, None).await?;
                    if !response.is_success() {
                        return Err(self.error(&response, Operation::Connect, None));
                    }
                    Ok(self.decode::<UserDto>(&response)?.login)
                }
            })
            .await?;
        let login = self.redactor().short(&login, 100);
        let probe = |list: KeyList| async move {
            let mut url = self.url(&list.segments())?;
            url.query_pairs_mut().append_pair("per_page", "1");
            self.get_page(list, url, None).await.map(|_| ())
        };
        let (authentication, signing) =
            futures::join!(probe(KeyList::Authentication), probe(KeyList::Signing));
        for result in [authentication, signing] {
            if let Err(mut err) = result {
                err.message = format!("Signed in as {login}, but: {}", err.message);
                return Err(err);
            }
        }
        Ok(format!(
            "Signed in as {login}; the token can read SSH authentication and signing keys"
        ))
    }

    /// Every authentication key, then every signing key (all pages).
    ///
    /// Fails when either list cannot be read, naming the missing scope or
    /// permission; see [`Self::list_keys_detailed`] for a partial list.
    pub async fn list_keys(&self) -> Result<Vec<RemoteKey>, ApiError> {
        let listing = self.list_keys_detailed().await?;
        match listing.signing_keys_error {
            Some(err) => Err(err),
            None => Ok(listing.keys),
        }
    }

    /// Like [`Self::list_keys`], except that a token which may read
    /// authentication keys but not signing keys still gets its
    /// authentication keys, with the reason in
    /// [`KeyListing::signing_keys_error`]. Any other failure fails the call.
    pub async fn list_keys_detailed(&self) -> Result<KeyListing, ApiError> {
        // Both lists at once. A failure of the authentication keys (a wrong
        // address, a bad token, an outage) fails the call and cancels the
        // signing keys' requests; retries stay per list.
        let authentication = async {
            match self.list_all(KeyList::Authentication).await {
                Ok(keys) => Ok(keys),
                Err(err) => Err(self.explain_keys_404(err, "listing SSH keys").await),
            }
        };
        // Never fails here: what its error means is decided below.
        let signing = async { Ok(self.list_all(KeyList::Signing).await) };
        let (mut keys, signing) = futures::try_join!(authentication, signing)?;
        let signing_keys_error = match signing {
            Ok(signing) => {
                keys.extend(signing);
                None
            }
            Err(err) if is_permission_error(&err) => Some(err),
            Err(err) => return Err(err),
        };
        Ok(KeyListing {
            keys,
            signing_keys_error,
        })
    }

    /// Uploads a public key as an authentication key ([`KeyScope::Account`])
    /// or a signing key ([`KeyScope::Signing`]). Never retried: a lost
    /// answer may mean the key was added, so the user refreshes instead.
    ///
    /// A key GitHub already has fails with [`ApiErrorKind::Conflict`].
    pub async fn create_key(&self, new_key: &NewKey) -> Result<CreatedKey, ApiError> {
        let list = KeyList::from_scope(&new_key.scope)?;
        let public_key = match &new_key.material {
            NewKeyMaterial::PublicKey(text) => check_public_key(text)?,
            NewKeyMaterial::GenerateOnServer => {
                return Err(ApiError::invalid_input(
                    "GitHub cannot generate keys; generate one locally and upload its public key.",
                ));
            }
            NewKeyMaterial::PrivateKey(_) => {
                return Err(ApiError::invalid_input(
                    "GitHub stores public keys only; the private key was not sent. Upload the public key (the .pub file) instead.",
                ));
            }
        };
        validate_key_name(&new_key.name)?;
        let body = serde_json::to_vec(&CreateBody {
            title: new_key.name.trim(),
            key: &public_key,
        })
        .map_err(|err| {
            ApiError::invalid_input(format!("The request could not be encoded: {err}"))
        })?;
        let url = self.url(&list.segments())?;
        let response = self
            .send(Method::POST, url, Some(body))
            .await
            .map_err(ApiError::noting_a_possible_create)?;
        if !response.is_success() {
            return Err(self.error(&response, Operation::Create, Some(list)));
        }
        let created: KeyDto = self.decode(&response)?;
        Ok(CreatedKey {
            key: created.into_remote(list),
            private_key: None,
        })
    }

    /// Deletes an authentication or signing key (by its scope). A 404 on a
    /// retry means an earlier attempt already deleted it, so it counts as
    /// done.
    pub async fn delete_key(&self, key: &RemoteKey) -> Result<(), ApiError> {
        let list = KeyList::from_scope(&key.scope)?;
        // GitHub ids are integers; anything else is not a key of ours.
        let id: u64 = key.id.trim().parse().map_err(|_| {
            ApiError::invalid_input(format!(
                "\"{}\" is not a GitHub key id; refresh the list.",
                crate::providers::redact::cut(&key.id, 40)
            ))
        })?;
        let [first, second] = list.segments();
        let url = self.url(&[first, second, &id.to_string()])?;
        self.rest
            .retrying(|attempt| {
                let url = url.clone();
                async move {
                    let response = self.send(Method::DELETE, url, None).await?;
                    if response.is_success() || (response.status == 404 && attempt > 0) {
                        return Ok(());
                    }
                    Err(self.error(&response, Operation::Delete, Some(list)))
                }
            })
            .await
    }

    // -----------------------------------------------------------------------
    // Internals

    /// Every page of one list in two round trips: the first page's
    /// `Link: rel="last"` names the last page, and the pages between are
    /// then fetched together ([`paging::fetch_in_order`]). Keys are kept
    /// once per id; if the list changed meanwhile (a page no longer full,
    /// another last page) it is listed once more. Without a `last` link
    /// the `next` links are followed one by one.
    async fn list_all(&self, list: KeyList) -> Result<Vec<RemoteKey>, ApiError> {
        // One budget for both passes: together they are one listing.
        let budget = ListBudget::new(self.rest.policy());
        let (keys, consistent) = self.list_pass(list, &budget).await?;
        if consistent {
            return Ok(keys);
        }
        drop(keys);
        tracing::debug!(
            list = list.noun(),
            "list changed while paging; listing again"
        );
        let (keys, consistent) = self.list_pass(list, &budget).await?;
        if !consistent {
            tracing::warn!(
                list = list.noun(),
                "GitHub's list kept changing while paging; showing what was read"
            );
        }
        Ok(keys)
    }

    /// One listing pass; the flag says whether its pages agreed.
    async fn list_pass(
        &self,
        list: KeyList,
        budget: &ListBudget,
    ) -> Result<(Vec<RemoteKey>, bool), ApiError> {
        let mut first_url = self.url(&list.segments())?;
        first_url
            .query_pairs_mut()
            .append_pair("per_page", &PAGE_SIZE.to_string());
        let first = self.get_page(list, first_url.clone(), Some(budget)).await?;
        let full_page = first.keys.len();
        let mut keys = Unique::default();
        keys.extend(first.keys, KeyDto::id);
        // An empty page ends the list even if it links on.
        let (Some(next), false) = (first.next, keys.is_empty()) else {
            return Ok((into_remote(keys, list), true));
        };
        let Some(last) = first.last else {
            let keys = self
                .follow_next_links(list, budget, keys, &first_url, next)
                .await?;
            return Ok((keys, true));
        };
        let rest = paging::pages_after_first(last, MAX_PAGES as u64, "GitHub")?;
        let mut consistent = true;
        paging::fetch_in_order(
            rest,
            |number| self.get_page(list, numbered_page(&first_url, number), Some(budget)),
            |number, page| {
                // Pages before the last are full, none is empty, and all
                // name the same last page, unless the list changed.
                let full = number == last || page.keys.len() == full_page;
                let same_end = page.last.unwrap_or(number) == last;
                consistent &= full && same_end && !page.keys.is_empty();
                keys.extend(page.keys, KeyDto::id);
                Ok(())
            },
        )
        .await?;
        Ok((into_remote(keys, list), consistent))
    }

    /// Follows `Link: <…>; rel="next"` one page at a time from `next`, for
    /// a server that names no last page. Stops on an empty page; fails when
    /// a page is linked again or there are too many.
    async fn follow_next_links(
        &self,
        list: KeyList,
        budget: &ListBudget,
        mut keys: Unique<KeyDto>,
        first_url: &Url,
        next: Url,
    ) -> Result<Vec<RemoteKey>, ApiError> {
        let mut seen = HashSet::from([first_url.to_string()]);
        let mut next = Some(next);
        while let Some(url) = next {
            // A link back to a page already read would loop for ever.
            if !seen.insert(url.to_string()) || seen.len() > MAX_PAGES {
                return Err(ApiError::new(
                    ApiErrorKind::MalformedResponse,
                    format!(
                        "GitHub's paging of the {} did not end (a page was linked again, or more than {MAX_PAGES} pages); the list was not loaded.",
                        list.noun()
                    ),
                ));
            }
            let page = self.get_page(list, url, Some(budget)).await?;
            if page.keys.is_empty() {
                break;
            }
            keys.extend(page.keys, KeyDto::id);
            next = page.next;
        }
        Ok(into_remote(keys, list))
    }

    /// One page (with retries), the checked link to the next one, and the
    /// number of the last page.
    async fn get_page(
        &self,
        list: KeyList,
        url: Url,
        budget: Option<&ListBudget>,
    ) -> Result<ListPage, ApiError> {
        self.rest
            .retrying(|_attempt| {
                let url = url.clone();
                async move {
                    let response = self.send(Method::GET, url.clone(), None).await?;
                    if !response.is_success() {
                        return Err(self.error(&response, Operation::List, Some(list)));
                    }
                    if let Some(budget) = budget {
                        budget.charge(&response)?;
                    }
                    Ok(ListPage {
                        keys: self.decode(&response)?,
                        next: self.next_page(&response.headers, &url)?,
                        last: self.last_page(&response.headers, &url),
                    })
                }
            })
            .await
    }

    /// The page number of a `rel="last"` link to this same list (origin
    /// and path of `current`); `None` for any other link, so a hostile
    /// `last` can at most make Keyfleet follow `next` links instead.
    fn last_page(&self, headers: &HeaderMap, current: &Url) -> Option<u64> {
        let target = headers
            .get_all(LINK)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|value| paging::link_target(value, "last"))?;
        let last = current.join(target).ok()?;
        let same_list = last.origin() == current.origin() && last.path() == current.path();
        same_list
            .then(|| paging::query_number(&last, "page"))
            .flatten()
    }

    /// The `rel="next"` link, resolved against the page it came with.
    /// Refused when it leaves the API's origin: following it would send the
    /// token to another host.
    fn next_page(&self, headers: &HeaderMap, current: &Url) -> Result<Option<Url>, ApiError> {
        let Some(target) = headers
            .get_all(LINK)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(next_link)
        else {
            return Ok(None);
        };
        let malformed = |what: String| {
            self.redactor().error(ApiError::new(
                ApiErrorKind::MalformedResponse,
                format!("{what} The list was not loaded."),
            ))
        };
        let next = current.join(target).map_err(|_| {
            malformed(format!(
                "GitHub's link to the next page cannot be read (\"{}\").",
                crate::providers::redact::cut(target, 120)
            ))
        })?;
        let base = Url::parse(self.rest.base_url()).map_err(|_| self.bad_base_url())?;
        if next.origin() != base.origin() {
            let host = next.host_str().unwrap_or("an unknown host");
            return Err(malformed(format!(
                "GitHub's link to the next page points to another address ({}://{host}); Keyfleet did not follow it, so the token was not sent there.",
                next.scheme()
            )));
        }
        Ok(Some(next))
    }

    /// Sends one request with GitHub's headers (the User-Agent GitHub
    /// requires comes from [`Http`]).
    async fn send(
        &self,
        method: Method,
        url: Url,
        json_body: Option<Vec<u8>>,
    ) -> Result<RawResponse, ApiError> {
        self.rest.send_json(method, url, json_body).await
    }

    /// `base/segments…`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, ApiError> {
        self.rest.url(segments)
    }

    fn bad_base_url(&self) -> ApiError {
        ApiError::invalid_input(format!(
            "The API base URL \"{}\" is not a valid web address; fix it in the account settings.",
            self.rest.base_url()
        ))
    }

    /// What removes this account's token from text out of an answer.
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
    /// ([`ERRORS`], after GitHub's rate-limit rules). Text from the server
    /// is redacted before anything is built from it.
    fn error(
        &self,
        response: &RawResponse,
        operation: Operation,
        list: Option<KeyList>,
    ) -> ApiError {
        let redactor = self.redactor();
        let body = ErrorBody::parse(&response.body);
        let message = body
            .message
            .as_deref()
            .map(|text| redactor.short(text.trim(), MAX_MESSAGE_CHARS))
            .filter(|text| !text.is_empty());
        let fields: Vec<FieldError> = body
            .errors
            .iter()
            .map(|(field, text)| FieldError {
                field: field.clone(),
                messages: vec![redactor.short(text, MAX_MESSAGE_CHARS)],
            })
            .collect();
        let status = response.status;
        let said = message.clone().unwrap_or_default();
        let err = match rate_limit(response, &said) {
            Some(limited) => limited,
            None => {
                let answer = ErrorAnswer {
                    status,
                    message,
                    reasons: fields
                        .iter()
                        .flat_map(|field| field.messages.iter().cloned())
                        .collect(),
                    what: operation.describe(list),
                    operation,
                    list,
                    is_github: body.is_github,
                    scopes: granted_scopes(&response.headers),
                    base_url: self.rest.base_url().to_string(),
                };
                let err = ERRORS.error(status, &answer);
                if matches!(status, 400 | 422) {
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

    /// A 404 that is not GitHub's own JSON: the base URL points elsewhere.
    /// GitHub answers a 404 both for a key list the token may not read
    /// and for a wrong base URL path, with the same body. `GET /user` tells
    /// them apart: when it is not found either, the address is wrong.
    async fn explain_keys_404(&self, err: ApiError, what: &str) -> ApiError {
        if err.status != Some(404) {
            return err;
        }
        let Ok(url) = self.url(&["user"]) else {
            return err;
        };
        match self.send(Method::GET, url, None).await {
            Ok(response) if response.status == 404 => self.not_github(404, what).with_status(404),
            _ => err,
        }
    }

    fn not_github(&self, status: u16, what: &str) -> ApiError {
        ApiError::new(
            ApiErrorKind::NotFound,
            not_github(status, what, self.rest.base_url()),
        )
    }
}

/// The wording of a 404 that means the base URL points elsewhere.
fn not_github(status: u16, what: &str, base_url: &str) -> String {
    format!(
        "The API address was not found (HTTP {status}) while {what}. Check the API base URL ({base_url}): it is {DEFAULT_BASE_URL} for github.com, or https://HOST/api/v3 for GitHub Enterprise Server."
    )
}

/// What [`ERRORS`] reads from an error answer, redacted.
struct ErrorAnswer {
    status: u16,
    /// GitHub's `message`.
    message: Option<String>,
    /// The field messages of a validation error.
    reasons: Vec<String>,
    /// What was being done ("listing SSH signing keys").
    what: String,
    operation: Operation,
    list: Option<KeyList>,
    /// The body was GitHub's own JSON (not another server's 404 page).
    is_github: bool,
    /// The scopes the token was granted, as a sentence (may be empty).
    scopes: String,
    base_url: String,
}

impl ErrorAnswer {
    /// `: message`, or nothing.
    fn said(&self) -> String {
        self.message
            .as_deref()
            .map(|said| format!(": {said}"))
            .unwrap_or_default()
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

    /// GitHub refused a key it already has (in this or another account).
    fn duplicate(&self) -> bool {
        let reasons = if self.reasons.is_empty() {
            self.message.iter().cloned().collect()
        } else {
            self.reasons.clone()
        };
        reasons
            .iter()
            .any(|reason| reason.to_ascii_lowercase().contains("already in use"))
    }
}

/// GitHub's error table: a 404 on a key list is usually a missing
/// permission (GitHub hides what a token may not see), unless it is a
/// delete (the key may be gone) or not GitHub's JSON (a wrong base URL).
static ERRORS: ErrorTable<ErrorAnswer> = ErrorTable {
    rules: &[
        ErrorRule {
            statuses: &[401..=401],
            when: None,
            kind: ApiErrorKind::BadCredentials,
            wording: |answer| {
                format!(
                    "GitHub refused the token (401 {}). It may be mistyped, expired or revoked: create a new token in GitHub's developer settings and update this account.",
                    answer.message.as_deref().unwrap_or("Bad credentials")
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: Some(|answer| {
                answer.list.is_some() && answer.operation != Operation::Delete && answer.is_github
            }),
            kind: ApiErrorKind::Forbidden,
            wording: |answer| {
                let list = answer.list.unwrap_or(KeyList::Authentication);
                format!(
                    "GitHub answered 404 while {}: the token may not use the {}. {}.{}{}",
                    answer.what,
                    list.noun(),
                    capitalise(&list.permission(answer.operation)),
                    answer.scopes,
                    if list == KeyList::Signing {
                        " (An older GitHub Enterprise Server without signing keys answers 404 too.)"
                    } else {
                        ""
                    }
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: Some(|answer| answer.list.is_some() && answer.operation == Operation::Delete),
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                let list = answer.list.unwrap_or(KeyList::Authentication);
                format!(
                    "GitHub answered 404 while {}: the key was deleted meanwhile (refresh the list), or the token may not delete {}: {}.{}",
                    answer.what,
                    list.noun(),
                    list.permission(answer.operation),
                    answer.scopes
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: None,
            kind: ApiErrorKind::NotFound,
            wording: |answer| not_github(answer.status, &answer.what, &answer.base_url),
        },
        ErrorRule {
            statuses: &[403..=403],
            when: None,
            kind: ApiErrorKind::Forbidden,
            wording: |answer| {
                let mut text = format!("GitHub refused {} (403{}).", answer.what, answer.said());
                if let Some(list) = answer.list {
                    text.push_str(&format!(
                        " {}.{}",
                        capitalise(&list.permission(answer.operation)),
                        answer.scopes
                    ));
                }
                text
            },
        },
        ErrorRule {
            statuses: &[400..=400, 422..=422],
            when: Some(ErrorAnswer::duplicate),
            kind: ApiErrorKind::Conflict,
            wording: |answer| {
                format!(
                    "GitHub refused the request while {}: {}. GitHub accepts each key once per list: it is already on this account (refresh the list) or, for an authentication key, on another GitHub account.",
                    answer.what,
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
                    "GitHub refused the request while {}: {}.",
                    answer.what,
                    answer.reasons()
                )
            },
        },
        ErrorRule {
            statuses: &[500..=599],
            when: None,
            kind: ApiErrorKind::Server,
            wording: |answer| {
                format!(
                    "GitHub had a server error (HTTP {}) while {}; try again later.",
                    answer.status, answer.what
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
                "GitHub answered HTTP {} while {}{}.",
                answer.status,
                answer.what,
                answer.said()
            )
        },
    },
};

/// Parses and checks a public key to upload; returns its normalised line.
/// GitHub takes ed25519, ecdsa, rsa and security keys, like the other
/// public-key providers; DSA, certificates and unknown types are refused.
fn check_public_key(text: &str) -> Result<String, ApiError> {
    let parsed = crate::keys::public::parse_public_key(text)
        .map_err(|err| ApiError::invalid_input(err.to_string()))?;
    if let Some(reason) = parsed.upload_refusal() {
        return Err(ApiError::invalid_input(format!("{reason}.")));
    }
    Ok(parsed.openssh)
}

/// Whether a listing failed only because the token lacks a permission
/// (not a rate limit, bad token or outage).
fn is_permission_error(err: &ApiError) -> bool {
    err.kind == ApiErrorKind::Forbidden && matches!(err.status, Some(403 | 404))
}

/// A rate-limit error when the answer is one, per GitHub's rules:
/// `retry-after` first (secondary limits), then `x-ratelimit-remaining: 0`
/// with `x-ratelimit-reset` (epoch seconds), else a 429 or a message about a
/// secondary limit means waiting a minute.
fn rate_limit(response: &RawResponse, said: &str) -> Option<ApiError> {
    if !matches!(response.status, 403 | 429) {
        return None;
    }
    let header = |name: &str| {
        response
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    let status = response.status;
    if let Some(wait) = header("retry-after")
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
        .map(|secs| Duration::from_secs_f64(secs).min(MAX_HEADER_WAIT))
    {
        return Some(limited(
            format!(
                "GitHub's secondary rate limit stopped the request (HTTP {status}); it asks to wait {}.",
                describe_wait(wait)
            ),
            wait,
        ));
    }
    if header("x-ratelimit-remaining") == Some("0") {
        let wait = header("x-ratelimit-reset")
            .and_then(|text| text.parse::<u64>().ok())
            .map(until_epoch)
            .unwrap_or(DEFAULT_LIMIT_WAIT);
        return Some(limited(
            format!(
                "GitHub's API rate limit for this token is used up (HTTP {status}); it resets in {}.",
                describe_wait(wait)
            ),
            wait,
        ));
    }
    if status == 429 || said.to_ascii_lowercase().contains("secondary rate limit") {
        return Some(limited(
            format!(
                "GitHub is limiting requests (HTTP {status}); wait {} and try again.",
                describe_wait(DEFAULT_LIMIT_WAIT)
            ),
            DEFAULT_LIMIT_WAIT,
        ));
    }
    None
}

fn limited(message: String, wait: Duration) -> ApiError {
    ApiError::new(ApiErrorKind::RateLimited, message).with_retry_after(Some(wait))
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

/// " The token has the scopes: …" from GitHub's `X-OAuth-Scopes` (classic
/// tokens only; fine-grained tokens send no such header).
fn granted_scopes(headers: &HeaderMap) -> String {
    match headers
        .get("x-oauth-scopes")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
    {
        Some("") => " The token has no scopes.".to_string(),
        Some(scopes) => format!(
            " The token has the scopes: {}.",
            crate::providers::redact::cut(scopes, 200)
        ),
        None => String::new(),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The first `rel="next"` target of one `Link` header value.
fn next_link(header: &str) -> Option<&str> {
    paging::link_target(header, "next")
}

/// Page `number` of the list whose first page is `first` (GitHub's
/// `page` parameter), built from our own URL: a link's host is never used.
fn numbered_page(first: &Url, number: u64) -> Url {
    let mut url = first.clone();
    url.query_pairs_mut()
        .append_pair("page", &number.to_string());
    url
}

/// The kept keys of `list` in the model's form.
fn into_remote(keys: Unique<KeyDto>, list: KeyList) -> Vec<RemoteKey> {
    keys.into_vec()
        .into_iter()
        .map(|dto| dto.into_remote(list))
        .collect()
}

/// One page of a key list as read.
struct ListPage {
    keys: Vec<KeyDto>,
    /// The `rel="next"` link, checked to stay on the API's origin.
    next: Option<Url>,
    /// The page number of a `rel="last"` link to this list.
    last: Option<u64>,
}

/// GitHub's error body, `{"message", "documentation_url", "errors"?}`, read
/// leniently: `errors` items are objects (`field`, `message` or `code`) or
/// plain strings.
struct ErrorBody {
    /// The body was a JSON object with a `message`: GitHub's own answer.
    is_github: bool,
    message: Option<String>,
    /// `(field, message)` per item of `errors`.
    errors: Vec<(String, String)>,
}

impl ErrorBody {
    fn parse(body: &[u8]) -> Self {
        let value = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
        let message = value
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string);
        let errors = value
            .get("errors")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(error_item).collect())
            .unwrap_or_default();
        Self {
            is_github: message.is_some(),
            message,
            errors,
        }
    }
}

fn error_item(item: &Value) -> Option<(String, String)> {
    if let Some(text) = item.as_str() {
        return Some(("request".to_string(), text.trim().to_string()));
    }
    let field = item
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or("request")
        .to_string();
    let text = match (
        item.get("message").and_then(Value::as_str),
        item.get("code").and_then(Value::as_str),
    ) {
        (Some(message), _) => message.trim().to_string(),
        (None, Some(code)) => format!("{field} {}", code.replace('_', " ")),
        (None, None) => return None,
    };
    (!text.is_empty()).then_some((field, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One sample answer per row of [`ERRORS`], in order, then the
    /// fallback: every row can be reached (none is shadowed by another).
    #[test]
    fn every_error_row_is_reachable() {
        let answer = |status, list, operation, is_github, reasons: &[&str]| ErrorAnswer {
            status,
            message: Some("said".into()),
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            what: "listing".into(),
            operation,
            list,
            is_github,
            scopes: String::new(),
            base_url: DEFAULT_BASE_URL.into(),
        };
        let auth = Some(KeyList::Authentication);
        let samples = [
            answer(401, None, Operation::Connect, true, &[]),
            answer(404, auth, Operation::List, true, &[]),
            answer(404, auth, Operation::Delete, true, &[]),
            answer(404, auth, Operation::List, false, &[]),
            answer(403, auth, Operation::Create, true, &[]),
            answer(
                422,
                auth,
                Operation::Create,
                true,
                &["key is already in use"],
            ),
            answer(400, auth, Operation::Create, true, &["key is invalid"]),
            answer(502, None, Operation::Connect, true, &[]),
            answer(418, None, Operation::Connect, true, &[]),
        ];
        let rows: Vec<Option<usize>> = samples.iter().map(|a| ERRORS.row(a.status, a)).collect();
        let mut expected: Vec<Option<usize>> = (0..ERRORS.rules.len()).map(Some).collect();
        expected.push(None);
        assert_eq!(rows, expected);
    }

    #[test]
    fn titles_are_checked() {
        assert!(validate_key_name("laptop").is_ok());
        assert!(validate_key_name("  ").is_err());
        assert!(validate_key_name("a\nb").is_err());
        assert!(validate_key_name(&"x".repeat(256)).is_err());
        assert!(validate_key_name(&"é".repeat(255)).is_ok());
        assert_eq!(validate_key_name("").unwrap_err().fields[0].field, "title");
    }

    #[test]
    fn next_links_are_found() {
        let header = r#"<https://api.github.com/user/keys?per_page=100&page=2>; rel="next", <https://api.github.com/user/keys?per_page=100&page=3>; rel="last""#;
        assert_eq!(
            next_link(header),
            Some("https://api.github.com/user/keys?per_page=100&page=2")
        );
        let last_first = r#"<https://x/y?page=1>; rel="prev", <https://x/y?page=3>; rel="next""#;
        assert_eq!(next_link(last_first), Some("https://x/y?page=3"));
        assert_eq!(next_link(r#"<a>; rel="last""#), None);
        assert_eq!(next_link(r#"<b>; REL="prev next""#), Some("b"));
        assert_eq!(next_link(r#"<c>;rel=next"#), Some("c"));
        for garbage in ["", "<", "rel=\"next\"", "<x; rel=next", ">;<"] {
            assert_eq!(next_link(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn error_items_take_every_shape() {
        let body = br#"{"message":"Validation Failed","errors":[{"resource":"PublicKey","code":"custom","field":"key","message":"key is already in use"},"plain",{"field":"title","code":"missing_field"},{}]}"#;
        let parsed = ErrorBody::parse(body);
        assert!(parsed.is_github);
        assert_eq!(
            parsed.errors,
            vec![
                ("key".to_string(), "key is already in use".to_string()),
                ("request".to_string(), "plain".to_string()),
                ("title".to_string(), "title missing field".to_string()),
            ]
        );
        assert!(!ErrorBody::parse(b"<html>").is_github);
    }

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(describe_wait(Duration::from_millis(300)), "a second");
        assert_eq!(describe_wait(Duration::from_secs(42)), "42 seconds");
        assert_eq!(describe_wait(Duration::from_secs(1800)), "30 minutes");
        assert_eq!(until_epoch(0), Duration::from_secs(1));
        assert_eq!(until_epoch(u64::MAX / 2), MAX_HEADER_WAIT);
    }
}
