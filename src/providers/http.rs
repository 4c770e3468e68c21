//! The HTTP policy every provider shares: timeouts, User-Agent, no
//! redirects, body and listing limits, transport-error mapping, JSON
//! decoding with useful errors, and retries for idempotent requests. Every
//! text taken from an answer goes through a [`Redactor`].

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderValue, LOCATION};
use serde::de::DeserializeOwned;

use super::error::{ApiError, ApiErrorKind};
use super::redact::{Redactor, cut};

/// Largest response body we accept; a bigger one is an error, not an OOM.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Default for [`HttpPolicy::max_list_bytes`]: what all pages of one
/// listing may add up to.
pub const MAX_LIST_BYTES: usize = 64 * 1024 * 1024;

/// Default for [`HttpPolicy::max_wait`]: the longest wait a server may ask
/// for before one retry.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// Default for [`HttpPolicy::refresh_budget`]: how long one refresh of an
/// account's keys may take in all, pages, retries and waits included.
pub const REFRESH_BUDGET: Duration = Duration::from_secs(120);

/// Longest redirect target we repeat in a message.
const MAX_TARGET_CHARS: usize = 200;

/// Timeouts, retries and identity used for every provider request.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    /// Time allowed to open the TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub request_timeout: Duration,
    /// Extra attempts for idempotent requests after the first one.
    pub max_retries: u32,
    /// First backoff; doubled on each retry, with jitter.
    pub base_backoff: Duration,
    /// Longest wait we honour from `Retry-After` / `X-RateLimit-Reset`; a
    /// longer one is cut to this.
    pub max_wait: Duration,
    /// Most body bytes all pages of one listing may add up to, so a server
    /// that pages forever cannot make us read without end.
    pub max_list_bytes: usize,
    /// How long one refresh (run under [`within_refresh_budget`]) may take
    /// in all: a server that keeps asking to wait, over many pages, or
    /// answers slowly page after page, cannot hold a refresh for hours.
    pub refresh_budget: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_retries: 3,
            base_backoff: Duration::from_millis(250),
            max_wait: MAX_WAIT,
            max_list_bytes: MAX_LIST_BYTES,
            refresh_budget: REFRESH_BUDGET,
        }
    }
}

/// The User-Agent every request sends.
pub fn user_agent() -> String {
    format!("Keyfleet/{} (+ssh-key manager)", env!("CARGO_PKG_VERSION"))
}

/// A configured HTTP client plus the policy it was built with.
#[derive(Clone, Debug)]
pub struct Http {
    /// The reqwest client (connection pool shared by all requests).
    pub client: reqwest::Client,
    /// The policy used for retries.
    pub policy: HttpPolicy,
}

/// Idle connections kept per host for the next request.
const IDLE_CONNECTIONS_PER_HOST: usize = 2;

impl Http {
    /// Builds the client. Fails with a clear message when, for example, the
    /// system has no CA certificates.
    ///
    /// Redirects are never followed: reqwest would carry a Sesterce
    /// `x-api-key` to the new host, and re-send a 307/308'd Terraform body,
    /// which holds a private key. [`send`] turns a 3xx into an error.
    pub fn new(policy: HttpPolicy) -> Result<Self, ApiError> {
        let client = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent())
            // An idle connection keeps its read buffer (a few hundred KB
            // after a page of keys); a paged listing opens several. Two
            // idle ones per host serve the usual refresh; the rest close.
            .pool_max_idle_per_host(IDLE_CONNECTIONS_PER_HOST)
            .build()
            .map_err(|err| {
                ApiError::new(
                    ApiErrorKind::Network,
                    format!(
                        "Could not set up HTTPS (is the ca-certificates package installed?): {}",
                        error_chain(&err)
                    ),
                )
            })?;
        Ok(Self { client, policy })
    }
}

/// A response read completely: status, headers and a size-limited body.
///
/// `Debug` shows the body's length only: after a Gcore create it holds the
/// generated private key.
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body bytes (at most [`MAX_BODY_BYTES`]).
    pub body: Vec<u8>,
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl RawResponse {
    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Decodes the body as JSON of type `T`, or explains what was wrong
    /// (redacted by `redactor`).
    pub fn json<T: DeserializeOwned>(&self, redactor: &Redactor<'_>) -> Result<T, ApiError> {
        decode_json(self.status, &self.body, redactor)
    }
}

/// Sends a request and reads its body, mapping transport failures and
/// redirects to [`ApiError`]s cleaned by `redactor`. Never panics on any
/// response.
pub async fn send(
    request: reqwest::RequestBuilder,
    redactor: &Redactor<'_>,
) -> Result<RawResponse, ApiError> {
    read(request).await.map_err(|err| redactor.error(err))
}

async fn read(request: reqwest::RequestBuilder) -> Result<RawResponse, ApiError> {
    let mut response = request.send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    if (300..400).contains(&status) {
        return Err(redirect_error(
            status,
            response.headers().get(LOCATION),
            response.url(),
        ));
    }
    let headers = response.headers().clone();
    if let Some(length) = response.content_length()
        && length as usize > MAX_BODY_BYTES
    {
        return Err(too_large(status));
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large(status));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(err) => {
                let mut error = transport_error(err);
                if error.kind == ApiErrorKind::Network {
                    error.message = format!(
                        "The connection broke while reading the answer (HTTP {status}): {}",
                        error.message
                    );
                }
                return Err(error);
            }
        }
    }
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// The error for a 3xx: names where the API address points now (without
/// user name, password, query or fragment, which may hold secrets), so the
/// user can fix the base URL.
fn redirect_error(status: u16, location: Option<&HeaderValue>, from: &Url) -> ApiError {
    let Some(location) = location else {
        return ApiError::new(
            ApiErrorKind::UnexpectedStatus,
            format!(
                "The API address answered with a redirect (HTTP {status}) without saying where to; check the account's base URL."
            ),
        )
        .with_status(status);
    };
    let target = location
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        // A relative Location is relative to the address we asked.
        .and_then(|text| from.join(text).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
    let message = match target {
        Some(mut url) => {
            // Cannot fail for http(s) URLs with a host (checked above).
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            format!(
                "The API address redirects to {} (HTTP {status}); check the account's base URL. Keyfleet does not follow redirects, so the token and keys never go to another address.",
                cut(url.as_str(), MAX_TARGET_CHARS)
            )
        }
        None => format!(
            "The API address answered with a redirect (HTTP {status}) to an address that cannot be read; check the account's base URL."
        ),
    };
    ApiError::new(ApiErrorKind::UnexpectedStatus, message).with_status(status)
}

/// Counts what the pages of one listing have read, and stops the listing
/// once they add up to more than [`HttpPolicy::max_list_bytes`]. Shared by
/// concurrently fetched pages.
#[derive(Debug)]
pub struct ListBudget {
    limit: usize,
    used: AtomicUsize,
    pages: AtomicUsize,
}

impl ListBudget {
    /// A budget for one listing under `policy`.
    pub fn new(policy: &HttpPolicy) -> Self {
        Self {
            limit: policy.max_list_bytes,
            used: AtomicUsize::new(0),
            pages: AtomicUsize::new(0),
        }
    }

    /// Counts one page's body; fails once the listing has read too much.
    pub fn charge(&self, response: &RawResponse) -> Result<(), ApiError> {
        let size = response.body.len();
        let used = self
            .used
            .fetch_add(size, Ordering::Relaxed)
            .saturating_add(size);
        let pages = self.pages.fetch_add(1, Ordering::Relaxed) + 1;
        if used > self.limit {
            return Err(ApiError::new(
                ApiErrorKind::MalformedResponse,
                format!(
                    "The list is larger than {} MB ({pages} pages read); Keyfleet stopped reading it. The server may be paging without end; check the account's base URL or try again later.",
                    self.limit.div_ceil(1024 * 1024)
                ),
            )
            .with_status(response.status));
        }
        Ok(())
    }
}

fn too_large(status: u16) -> ApiError {
    ApiError::new(
        ApiErrorKind::MalformedResponse,
        format!(
            "The provider's answer is larger than {} MB; refusing to read it.",
            MAX_BODY_BYTES / (1024 * 1024)
        ),
    )
    .with_status(status)
}

/// Maps a reqwest transport error to a timeout or network error.
pub fn transport_error(err: reqwest::Error) -> ApiError {
    if err.is_timeout() {
        ApiError::new(
            ApiErrorKind::Timeout,
            "The provider did not answer in time (timeout). Check your connection and try again.",
        )
    } else if err.is_connect() {
        ApiError::new(
            ApiErrorKind::Network,
            format!("Could not connect to the provider: {}", error_chain(&err)),
        )
    } else if err.is_builder() {
        ApiError::new(
            ApiErrorKind::InvalidInput,
            format!(
                "The request could not be built (check the API base URL): {}",
                error_chain(&err)
            ),
        )
    } else {
        ApiError::new(
            ApiErrorKind::Network,
            format!("Network error: {}", error_chain(&err)),
        )
    }
}

/// The error and its sources joined, without the URL (which may be long).
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

/// Decodes `body` as JSON, or returns a malformed-response error naming what
/// was found instead (an HTML page, an empty or truncated body). serde's
/// message may quote the body, so the error is redacted like the excerpt.
pub fn decode_json<T: DeserializeOwned>(
    status: u16,
    body: &[u8],
    redactor: &Redactor<'_>,
) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|err| {
        let trimmed = String::from_utf8_lossy(body);
        let trimmed = trimmed.trim_start();
        let what = if body.is_empty() {
            "an empty body".to_string()
        } else if trimmed.starts_with('<') {
            "an HTML page (a proxy or login page?)".to_string()
        } else if err.is_eof() {
            "a truncated JSON document".to_string()
        } else if err.is_data() {
            format!("JSON of an unexpected shape ({err})")
        } else {
            "text that is not JSON".to_string()
        };
        redactor.error(
            ApiError::new(
                ApiErrorKind::MalformedResponse,
                format!("The provider answered HTTP {status} with {what}."),
            )
            .with_status(status)
            .with_details(redactor.excerpt(body)),
        )
    })
}

/// How an account's token travels: in which header, after which prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenHeader {
    /// The header's name (`authorization`, `x-api-key`).
    pub name: &'static str,
    /// What comes before the token (`Bearer `, `APIKey `, or nothing).
    pub prefix: &'static str,
}

/// One account's REST endpoint: the shared [`Http`] policy (timeouts,
/// retries, size caps, no redirects) plus the base URL, the token and the
/// header it travels in, the headers every request of the provider carries,
/// and the [`Redactor`] every answer is cleaned with. Provider files keep
/// only their paths, types and wording.
#[derive(Clone)]
pub struct RestClient {
    /// The HTTP client and its policy.
    pub http: Http,
    base_url: String,
    token: crate::keys::SecretString,
    token_header: TokenHeader,
    accept: &'static str,
    headers: &'static [(&'static str, &'static str)],
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out: `SecretString` would redact it anyway, but
        // there is nothing to learn from it here.
        f.debug_struct("RestClient")
            .field("base_url", &self.base_url)
            .field("token_header", &self.token_header.name)
            .finish_non_exhaustive()
    }
}

impl RestClient {
    /// An endpoint at `base_url` (already normalised) sending `token` in
    /// `token_header` and asking for `accept`.
    pub fn new(
        http: Http,
        base_url: &str,
        token: crate::keys::SecretString,
        token_header: TokenHeader,
        accept: &'static str,
    ) -> Self {
        Self {
            http,
            base_url: base_url.trim().trim_end_matches('/').to_string(),
            token,
            token_header,
            accept,
            headers: &[],
        }
    }

    /// The same endpoint, sending these fixed headers with every request
    /// (an API version, for example).
    pub fn with_headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }

    /// The base URL, as normalised.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The retry policy.
    pub fn policy(&self) -> &HttpPolicy {
        &self.http.policy
    }

    /// `base/segments…`, each segment percent-encoded.
    pub fn url(&self, segments: &[&str]) -> Result<Url, ApiError> {
        join_url(&self.base_url, segments)
    }

    /// Runs `attempt` with the shared retry policy ([`with_retries`]),
    /// except that a rate limit lasting longer than the policy's longest
    /// wait fails at once: retrying before the provider's reset only spends
    /// more of the limit.
    pub async fn retrying<T, F, Fut>(&self, mut attempt: F) -> Result<T, ApiError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let max_wait = self.policy().max_wait;
        with_retries(self.policy(), true, |tries| {
            let running = attempt(tries);
            async move {
                match running.await {
                    Err(err)
                        if err.kind == ApiErrorKind::RateLimited
                            && err.retry_after.is_some_and(|wait| wait > max_wait) =>
                    {
                        Ok(Err(err))
                    }
                    other => other.map(Ok),
                }
            }
        })
        .await
        .and_then(|result| result)
    }

    /// What removes this account's token from text out of an answer.
    pub fn redactor(&self) -> Redactor<'_> {
        Redactor::new(&self.token)
    }

    /// Sends one request with the token, the fixed headers and an optional
    /// body (bytes and their content type), and reads the whole answer,
    /// cleaning any error text with `redactor`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<(Vec<u8>, &'static str)>,
        redactor: &Redactor<'_>,
    ) -> Result<RawResponse, ApiError> {
        let token = secret_header(self.token_header.prefix, self.token.expose())?;
        let mut request = self
            .http
            .client
            .request(method, url)
            .header(self.token_header.name, token)
            .header(reqwest::header::ACCEPT, self.accept);
        for (name, value) in self.headers {
            request = request.header(*name, *value);
        }
        if let Some((bytes, content_type)) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        send(request, redactor).await
    }

    /// [`RestClient::send`] with an optional JSON body, cleaning error text
    /// with this account's own [`RestClient::redactor`].
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        url: Url,
        json_body: Option<Vec<u8>>,
    ) -> Result<RawResponse, ApiError> {
        let body = json_body.map(|bytes| (bytes, "application/json"));
        self.send(method, url, body, &self.redactor()).await
    }
}

/// A header value holding the token (`prefix` + token), marked sensitive so
/// no Debug output of the request shows it.
pub fn secret_header(prefix: &str, token: &str) -> Result<HeaderValue, ApiError> {
    let text = zeroize::Zeroizing::new(format!("{prefix}{token}"));
    let mut value = HeaderValue::from_str(&text).map_err(|_| {
        ApiError::invalid_input(
            "The API token contains characters that cannot be sent in a header; paste it again.",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// `base` with `segments` appended, each percent-encoded so an id or a name
/// can never change the path or add a query.
pub fn join_url(base: &str, segments: &[&str]) -> Result<Url, ApiError> {
    let invalid = || {
        ApiError::invalid_input(format!(
            "The API base URL \"{base}\" is not a valid web address; fix it in the account settings."
        ))
    };
    let mut url = Url::parse(base).map_err(|_| invalid())?;
    url.path_segments_mut()
        .map_err(|_| invalid())?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// The wait a provider asked for: `Retry-After` (seconds) or Terraform's
/// `X-RateLimit-Reset` (seconds to wait, a float).
pub fn wait_from_headers(headers: &HeaderMap) -> Option<Duration> {
    let read = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|secs| secs.is_finite() && *secs >= 0.0)
            .map(|secs| Duration::from_secs_f64(secs.min(3600.0)))
    };
    read("retry-after").or_else(|| read("x-ratelimit-reset"))
}

/// Runs `attempt` once, and for idempotent requests again after retryable
/// failures, at most `policy.max_retries` more times, with exponential
/// backoff plus jitter, honouring the provider's requested wait up to
/// `policy.max_wait`. Under [`within_refresh_budget`], gives up instead of
/// starting a request or a wait that the refresh's budget has no room for.
pub async fn with_retries<T, F, Fut>(
    policy: &HttpPolicy,
    idempotent: bool,
    mut attempt: F,
) -> Result<T, ApiError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let mut tries = 0;
    loop {
        if !refresh_clock::has_room_for(policy, Duration::ZERO) {
            return Err(refresh_clock::gave_up(policy));
        }
        match attempt(tries).await {
            Ok(value) => return Ok(value),
            Err(err) if idempotent && err.is_retryable() && tries < policy.max_retries => {
                let wait = retry_wait(policy, &err, tries);
                let asked = err.retry_after.is_some() || err.kind == ApiErrorKind::RateLimited;
                if asked {
                    refresh_clock::asked_to_wait();
                }
                if !refresh_clock::has_room_for(policy, wait) {
                    // A server error is more telling than "gave up".
                    return Err(if asked {
                        refresh_clock::gave_up(policy)
                    } else {
                        err
                    });
                }
                tracing::debug!(?wait, tries, kind = ?err.kind, "retrying request");
                tokio::time::sleep(wait).await;
                tries += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// The wait before retry number `tries + 1`: what the server asked for,
/// cut to `policy.max_wait`, or else exponential backoff with jitter.
pub fn retry_wait(policy: &HttpPolicy, err: &ApiError, tries: u32) -> Duration {
    match err.retry_after {
        Some(asked) => asked.min(policy.max_wait),
        None => {
            let backoff = policy.base_backoff * 2u32.saturating_pow(tries);
            backoff + Duration::from_millis(rand::random::<u64>() % 100)
        }
    }
}

/// Runs `refresh` (one listing of an account: all its pages, retries and
/// waits) on a clock that every [`with_retries`] inside it checks against
/// `policy.refresh_budget` (the policy each request runs with).
///
/// Past the budget the refresh ends with an error saying so: "gave up after
/// N s; the server kept asking to wait" when the server rate-limited it,
/// else that it answered too slowly.
pub async fn within_refresh_budget<T>(
    refresh: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    refresh_clock::run(refresh).await
}

/// The clock of the refresh running in this task: when it started and how
/// often the server asked to wait. A task-local, because the providers'
/// paging and retry code also serves single requests (a create, a delete),
/// which have no budget; their requests run off the clock.
mod refresh_clock {
    use std::cell::Cell;
    use std::future::Future;
    use std::time::Duration;

    use tokio::time::Instant;

    use super::HttpPolicy;
    use crate::providers::error::{ApiError, ApiErrorKind};

    struct Clock {
        started: Instant,
        asked_to_wait: Cell<u32>,
    }

    tokio::task_local! {
        static CLOCK: Clock;
    }

    pub(super) async fn run<T>(
        refresh: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        let clock = Clock {
            started: Instant::now(),
            asked_to_wait: Cell::new(0),
        };
        CLOCK.scope(clock, refresh).await
    }

    /// Notes that the server asked for a wait (429, `Retry-After`).
    pub(super) fn asked_to_wait() {
        let _ = CLOCK.try_with(|clock| {
            clock
                .asked_to_wait
                .set(clock.asked_to_wait.get().saturating_add(1))
        });
    }

    /// Whether `more` time from now still fits in the refresh's budget;
    /// always true outside a refresh.
    pub(super) fn has_room_for(policy: &HttpPolicy, more: Duration) -> bool {
        CLOCK
            .try_with(|clock| {
                let elapsed = clock.started.elapsed();
                elapsed < policy.refresh_budget
                    && elapsed.saturating_add(more) <= policy.refresh_budget
            })
            .unwrap_or(true)
    }

    /// The error a refresh ends with when its budget has no room left.
    pub(super) fn gave_up(policy: &HttpPolicy) -> ApiError {
        let (elapsed, asked) = CLOCK
            .try_with(|clock| (clock.started.elapsed(), clock.asked_to_wait.get()))
            .unwrap_or_default();
        // Whole seconds, at least 1: "gave up after 0 s" reads as a bug.
        let after = elapsed.as_secs_f64().ceil().max(1.0);
        let budget = policy.refresh_budget.as_secs_f64().ceil();
        if asked > 0 {
            ApiError::new(
                ApiErrorKind::RateLimited,
                format!(
                    "Keyfleet gave up after {after} s; the server kept asking to wait, longer than the {budget} s a refresh may take. Try again later."
                ),
            )
        } else {
            ApiError::new(
                ApiErrorKind::Timeout,
                format!(
                    "Keyfleet gave up after {after} s; the server answered too slowly to list everything in the {budget} s a refresh may take. Try again later."
                ),
            )
        }
    }
}

/// Normalises a base URL: trims spaces and trailing slashes, and refuses
/// anything but https (plain http only to loopback addresses).
pub fn normalize_base_url(input: &str) -> Result<String, ApiError> {
    let trimmed = input.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Err(ApiError::invalid_input("The API base URL is empty."));
    }
    // A password typed into the URL must not be echoed back in a message.
    let shown = if trimmed.contains('@') {
        "(not shown: it contains @)"
    } else {
        trimmed
    };
    let url = reqwest::Url::parse(trimmed).map_err(|err| {
        ApiError::invalid_input(format!(
            "The API base URL \"{shown}\" is not a valid URL ({err})."
        ))
    })?;
    // Credentials in the URL would be sent (and logged by proxies) with every
    // request; the token belongs in the token field. Checked before the
    // scheme so the messages below never repeat a password.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::invalid_input(
            "The API base URL must not contain a user name or password (user:password@host); remove that part and enter the API token in the token field.",
        ));
    }
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(ApiError::invalid_input(format!(
                "The API base URL must use https:// (plain http is only allowed for 127.0.0.1 or localhost), got \"{trimmed}\"."
            )));
        }
        other => {
            return Err(ApiError::invalid_input(format!(
                "The API base URL must start with https://, not {other}://."
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ApiError::invalid_input(
            "The API base URL must not contain ? or # parts.",
        ));
    }
    Ok(trimmed.to_string())
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// Refuses tokens that cannot be sent as a header (spaces, newlines).
pub fn check_token(token: &str) -> Result<(), ApiError> {
    if token.is_empty() {
        return Err(ApiError::new(
            ApiErrorKind::MissingToken,
            "No API token is set for this account.",
        ));
    }
    if token.chars().any(|c| c.is_whitespace()) {
        return Err(ApiError::invalid_input(
            "The API token contains spaces or line breaks; paste it again without them.",
        ));
    }
    if token.chars().any(|c| c.is_control() || !c.is_ascii()) {
        return Err(ApiError::invalid_input(
            "The API token contains characters that cannot be sent in a header.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert_eq!(
            normalize_base_url(" https://api.gcore.com/ ").unwrap(),
            "https://api.gcore.com"
        );
        assert!(normalize_base_url("http://127.0.0.1:8080").is_ok());
        assert!(normalize_base_url("http://localhost:1").is_ok());
        let err = normalize_base_url("http://api.gcore.com").unwrap_err();
        assert!(err.message.contains("https://"), "{}", err.message);
        assert!(normalize_base_url("ftp://x").is_err());
        assert!(normalize_base_url("not a url").is_err());
    }

    #[test]
    fn token_rules() {
        assert!(check_token("1234$abcdef").is_ok());
        assert!(
            check_token("abc def")
                .unwrap_err()
                .message
                .contains("spaces")
        );
        assert!(check_token("abc\n").is_err());
        assert_eq!(
            check_token("").unwrap_err().kind,
            ApiErrorKind::MissingToken
        );
    }

    #[test]
    fn json_errors_say_what_came_back() {
        let token = crate::keys::SecretString::new("unused-token");
        let redactor = Redactor::new(&token);
        let decode = |body: &[u8]| decode_json::<serde_json::Value>(200, body, &redactor);
        let err = decode(b"<html>Bad gateway</html>").unwrap_err();
        assert!(err.message.contains("HTML"), "{}", err.message);
        let err = decode(b"{\"count\": 3, \"res").unwrap_err();
        assert!(err.message.contains("truncated"), "{}", err.message);
        let err = decode(b"").unwrap_err();
        assert!(err.message.contains("empty"), "{}", err.message);
    }

    #[test]
    fn raw_response_debug_hides_the_body() {
        let response = RawResponse {
            status: 201,
            headers: HeaderMap::new(),
            body: b"{\"private_key\":\"-----BEGIN OPENSSH PRIVATE KEY-----\"}".to_vec(),
        };
        let shown = format!("{response:?}");
        assert!(!shown.contains("PRIVATE"), "{shown}");
        assert!(shown.contains("<53 bytes>"), "{shown}");
    }

    #[test]
    fn waits_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-reset", "0.25".parse().unwrap());
        assert_eq!(
            wait_from_headers(&headers),
            Some(Duration::from_millis(250))
        );
        headers.insert("retry-after", "2".parse().unwrap());
        assert_eq!(wait_from_headers(&headers), Some(Duration::from_secs(2)));
    }
}
