//! A strict fake of GitHub's `/user`, `/user/keys` and
//! `/user/ssh_signing_keys` REST endpoints.
//!
//! Like GitHub it refuses a request without a User-Agent (403), answers 415
//! to an `Accept` that is not GitHub's JSON media type and 400 to an unknown
//! `X-GitHub-Api-Version`, and 401 `Bad credentials` to a wrong token. It is
//! stricter than GitHub in one way: a missing `Accept` or version header is
//! refused too (GitHub would assume defaults), so a passing client proves it
//! sends both. Classic-token scopes are enforced (404 without them, with
//! `X-OAuth-Scopes`), lists page with `per_page` (default 30, at most 100)
//! and `Link` headers, and POST bodies are checked like GitHub's schema
//! validation (422 for unknown fields, invalid and duplicate keys).
//!
//! Beyond [`Faults`], three GitHub-specific switches: a smaller page size
//! ([`GithubFake::set_max_page_size`]), GitHub's primary and secondary rate
//! limit answers ([`GithubFake::limit_until`],
//! [`GithubFake::limit_secondary`]), and hostile `Link` headers
//! ([`GithubFake::set_links`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

#[cfg(feature = "sandbox-faults")]
use super::faults::Faults;
use super::keytext::{self, Family};

/// The token the GitHub fake accepts (shaped like a classic token).
pub const GITHUB_TOKEN: &str = "ghp_sandboxGithubToken0123456789abcdefgh";
/// The login of the fake's user.
pub const GITHUB_LOGIN: &str = "keyfleet-sandbox";

/// The API versions the fake accepts (GitHub's documented ones).
const API_VERSIONS: [&str; 2] = ["2022-11-28", "2026-03-10"];
/// Classic scopes a new fake's token has: everything the key endpoints need.
const ALL_SCOPES: [&str; 3] = ["admin:public_key", "admin:ssh_signing_key", "read:user"];
/// GitHub's default and largest page sizes.
const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 100;
const DOCS: &str = "https://docs.github.com/rest";

/// Demo authentication keys (public halves only).
const DEMO_KEYS: [(&str, &str); 3] = [
    (
        "alice-laptop",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDb0dANa2HkfRoY9RfuQxgZUW1i2P8XAinARx3I5xuNY",
    ),
    (
        "ci-runner",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCpTb0lxT8SFFf9AWHpblSFZjxjTR1FaHsDld1Cbxcs370INFFGErtdkAK4+y0vQi+2QN0gA+6FU+NzAQLnw5XE=",
    ),
    (
        "build-server",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCtLRWSD2BaKhGUZcJmyLYNmcc9760PWMz7leqF5XITbFydqAjbzqy6z+fC1Z0qbLQpOOhHKxUix9KlI6eAELDFEKCKvnjO+jXO+rK9optLJpKaXqXhVhrXUviYZylESFwkVKUls/2JddEBm1a+IuOJCWd9CUeSeztS5RmUwWdX4tgLWsbGZr++xijzUz9Wt0KatgfPzLVq6O+ZOdjzIUHfl4qyRA5kN0CuTEoVTkOxawCyguPqhSABG/cfFIN6jejvwxxkWJpoW8hhPOPGPgt4xSAByIN+ldVB7i/7Sr3JbGRU6MRcMQ59wQwNz+DsgdwX8v1yS3tBsSKGw7T25aI5VN5hmw8xyfjoiJXFpngWRgtE8dVusMmxxiKnLxFVSkHzWnDrZfmNJcQuSaGFnOgX9XaLsVDVzRXqaQSVGgZOxJCLhfRxcVUgTrC4yGW4SBRGot9/OftoWSzwBKthb6YNymV5YlJLb3XRw0T5099qefZJE6Mar6yP7VAhq91LAaU=",
    ),
];
/// The demo signing key (public half only).
const DEMO_SIGNING_KEY: (&str, &str) = (
    "commit-signing",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAING/r96sdAkUbFP/xsd8L6IOyQENWtG7cUWj5ogHb9k0",
);

/// One stored key, as the tests see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeGithubKey {
    /// GitHub's integer id (the two lists count separately, so an
    /// authentication key and a signing key may share an id).
    pub id: u64,
    /// The key's title.
    pub title: String,
    /// `algorithm base64`, without the comment (GitHub drops it).
    pub key: String,
    /// ISO 8601 creation time, `Z`, whole seconds.
    pub created_at: String,
}

/// What the `Link` headers of list pages point to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum GithubLinks {
    /// Like GitHub: absolute links to the fake itself.
    #[default]
    Normal,
    /// Links to the same path and query on another origin
    /// (`http://127.0.0.1:PORT`), as a hostile server would send.
    Origin(String),
    /// `rel="next"` points back to the page just served, and there is no
    /// `rel="last"`, so a client can only follow `next`.
    PointBack,
    /// Only `rel="next"` (and `prev`, `first`), no `rel="last"`: a server
    /// that names no last page, so a client must follow `next` page by page.
    NextOnly,
}

/// Which list a request is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Authentication,
    Signing,
}

impl List {
    fn path(self) -> &'static str {
        match self {
            Self::Authentication => "/user/keys",
            Self::Signing => "/user/ssh_signing_keys",
        }
    }

    /// The classic scope family (`read:`/`write:`/`admin:` + this).
    fn family(self) -> &'static str {
        match self {
            Self::Authentication => "public_key",
            Self::Signing => "ssh_signing_key",
        }
    }

    fn resource(self) -> &'static str {
        match self {
            Self::Authentication => "PublicKey",
            Self::Signing => "SshSigningKey",
        }
    }
}

/// Scope levels, each including the ones below it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Read,
    Write,
    Admin,
}

struct GithubState {
    token: String,
    scopes: Vec<String>,
    keys: Vec<FakeGithubKey>,
    signing_keys: Vec<FakeGithubKey>,
    next_id: u64,
    next_signing_id: u64,
    max_page_size: usize,
    links: GithubLinks,
    /// Every request is refused as over the primary limit until this
    /// epoch second.
    limited_until: Option<u64>,
    /// The next request starts a primary limit lasting until this many
    /// epoch seconds after it arrives.
    limit_from_next: Option<u64>,
    /// The next `.0` requests get a secondary limit asking to wait `.1` s.
    secondary: (usize, u64),
}

impl GithubState {
    fn list(&mut self, list: List) -> &mut Vec<FakeGithubKey> {
        match list {
            List::Authentication => &mut self.keys,
            List::Signing => &mut self.signing_keys,
        }
    }

    fn insert(&mut self, list: List, title: &str, key: &str) -> FakeGithubKey {
        let id = match list {
            List::Authentication => &mut self.next_id,
            List::Signing => &mut self.next_signing_id,
        };
        let stored = FakeGithubKey {
            id: *id,
            title: title.to_string(),
            key: key.to_string(),
            created_at: now_iso(),
        };
        *id += 1;
        self.list(list).push(stored.clone());
        stored
    }

    fn has_scope(&self, list: List, needed: Level) -> bool {
        self.scopes.iter().any(|scope| {
            let level = match scope.split_once(':') {
                Some(("read", family)) if family == list.family() => Level::Read,
                Some(("write", family)) if family == list.family() => Level::Write,
                Some(("admin", family)) if family == list.family() => Level::Admin,
                _ => return false,
            };
            level >= needed
        })
    }
}

/// The fake GitHub server's state; clones share it.
#[derive(Clone)]
pub struct GithubFake {
    state: Arc<Mutex<GithubState>>,
    #[cfg(feature = "sandbox-faults")]
    faults: Faults,
}

impl Default for GithubFake {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for GithubFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("GithubFake")
            .field("keys", &state.keys.len())
            .field("signing_keys", &state.signing_keys.len())
            .finish()
    }
}

impl GithubFake {
    /// Every authentication and signing key, by `list/id`, with all it
    /// stores (bystander checks).
    pub fn snapshot(&self) -> super::KeySet {
        let state = self.lock();
        let authentication = state.keys.iter().map(|key| ("authentication", key));
        let signing = state.signing_keys.iter().map(|key| ("signing", key));
        authentication
            .chain(signing)
            .map(|(list, key)| (format!("{list}/{}", key.id), format!("{key:?}")))
            .collect()
    }

    /// A user with no keys, reached with [`GITHUB_TOKEN`], whose token has
    /// every scope the key endpoints need.
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(GithubState {
                token: GITHUB_TOKEN.to_string(),
                scopes: ALL_SCOPES.map(String::from).to_vec(),
                keys: Vec::new(),
                signing_keys: Vec::new(),
                // Both lists start at the same id, as separate GitHub
                // tables may: a client must address keys by list and id.
                next_id: 100_001,
                next_signing_id: 100_001,
                max_page_size: MAX_PER_PAGE,
                links: GithubLinks::Normal,
                limited_until: None,
                limit_from_next: None,
                secondary: (0, 0),
            })),
            #[cfg(feature = "sandbox-faults")]
            faults: Faults::default(),
        }
    }

    /// Adds three authentication keys (ed25519, ecdsa, rsa) and one
    /// signing key.
    pub fn seed_demo(&self) {
        for (title, key) in DEMO_KEYS {
            self.add_key(title, key);
        }
        self.add_signing_key(DEMO_SIGNING_KEY.0, DEMO_SIGNING_KEY.1);
    }

    /// The fault injection handle of this fake.
    #[cfg(feature = "sandbox-faults")]
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }

    /// The HTTP routes, with fault injection on every request.
    pub fn router(&self) -> Router {
        let routes = Router::new()
            .route("/user", get(get_user))
            .route("/user/keys", get(list_keys).post(create_key))
            .route("/user/keys/{id}", get(get_key).delete(delete_key))
            .route(
                "/user/ssh_signing_keys",
                get(list_signing_keys).post(create_signing_key),
            )
            .route(
                "/user/ssh_signing_keys/{id}",
                get(get_signing_key).delete(delete_signing_key),
            )
            .fallback(unknown_route)
            .method_not_allowed_fallback(unknown_route)
            .with_state(self.clone());
        #[cfg(feature = "sandbox-faults")]
        let routes = super::faults::layer(routes, &self.faults);
        routes
    }

    /// Stores an authentication key directly (no validation); returns its
    /// id. A readable key is kept as GitHub keeps one, without its comment,
    /// so a later upload of it is "already in use".
    pub fn add_key(&self, title: &str, key: &str) -> u64 {
        self.lock()
            .insert(List::Authentication, title, &as_github_keeps(key))
            .id
    }

    /// Stores a signing key directly (no validation); returns its id. Kept
    /// as [`Self::add_key`] keeps it.
    pub fn add_signing_key(&self, title: &str, key: &str) -> u64 {
        self.lock()
            .insert(List::Signing, title, &as_github_keeps(key))
            .id
    }

    /// Every authentication key, oldest first.
    pub fn keys(&self) -> Vec<FakeGithubKey> {
        self.lock().keys.clone()
    }

    /// Every signing key, oldest first.
    pub fn signing_keys(&self) -> Vec<FakeGithubKey> {
        self.lock().signing_keys.clone()
    }

    /// Replaces the accepted token (to test revoked tokens).
    pub fn set_token(&self, token: &str) {
        self.lock().token = token.to_string();
    }

    /// Replaces the token's classic scopes (`read:public_key`,
    /// `admin:ssh_signing_key`, …); the key endpoints answer 404 without
    /// the one they need, like GitHub.
    pub fn set_scopes(&self, scopes: &[&str]) {
        self.lock().scopes = scopes.iter().map(|scope| scope.to_string()).collect();
    }

    /// Serves at most `size` keys per page whatever `per_page` asks
    /// (at least 1), to force several pages.
    pub fn set_max_page_size(&self, size: usize) {
        self.lock().max_page_size = size.clamp(1, MAX_PER_PAGE);
    }

    /// Chooses what the `Link` headers point to.
    pub fn set_links(&self, links: GithubLinks) {
        self.lock().links = links;
    }

    /// Refuses every request with GitHub's primary rate limit answer (403,
    /// `x-ratelimit-remaining: 0`, `x-ratelimit-reset: reset`) until the
    /// epoch second `reset`.
    pub fn limit_until(&self, reset: u64) {
        self.lock().limited_until = Some(reset);
    }

    /// Like [`GithubFake::limit_until`], with the reset `seconds` epoch
    /// seconds after the next request arrives: that request is certainly
    /// refused, however long the test took to send it.
    pub fn limit_from_next_request(&self, seconds: u64) {
        self.lock().limit_from_next = Some(seconds);
    }

    /// The next `times` requests get GitHub's secondary rate limit answer
    /// (403 with `retry-after: seconds`).
    pub fn limit_secondary(&self, times: usize, seconds: u64) {
        self.lock().secondary = (times, seconds);
    }

    fn lock(&self) -> MutexGuard<'_, GithubState> {
        super::wire::lock(&self.state)
    }

    /// GitHub's checks, in its order: User-Agent, media type, API version,
    /// token, rate limits, then the classic scope `needed` (if any).
    fn check(&self, headers: &HeaderMap, needed: Option<(List, Level)>) -> Result<(), Reject> {
        let header = |name: &str| super::wire::header(headers, name);
        if header("user-agent").is_empty() {
            return Err(Reject::message(
                StatusCode::FORBIDDEN,
                "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.",
            ));
        }
        let accept = header("accept");
        let media_ok = accept.split(',').any(|part| {
            let media = part.split(';').next().unwrap_or_default().trim();
            media.eq_ignore_ascii_case("application/vnd.github+json")
                || media.eq_ignore_ascii_case("application/vnd.github.v3+json")
        });
        if !media_ok {
            return Err(Reject::message(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!(
                    "Unsupported 'Accept' header: '{accept}'. Must accept 'application/vnd.github+json'"
                ),
            ));
        }
        let version = header("x-github-api-version");
        if !API_VERSIONS.contains(&version) {
            return Err(Reject::message(
                StatusCode::BAD_REQUEST,
                &if version.is_empty() {
                    "X-GitHub-Api-Version header is required by this sandbox".to_string()
                } else {
                    format!("Invalid API version '{version}'. Supported versions: 2022-11-28")
                },
            ));
        }
        let mut state = self.lock();
        let authorization = header("authorization");
        let given = authorization
            .strip_prefix("Bearer ")
            .or_else(|| authorization.strip_prefix("token "))
            .map(str::trim);
        match given {
            None => {
                return Err(Reject::message(
                    StatusCode::UNAUTHORIZED,
                    "Requires authentication",
                ));
            }
            Some(token) if token != state.token => {
                return Err(Reject::message(StatusCode::UNAUTHORIZED, "Bad credentials"));
            }
            Some(_) => {}
        }
        check_rate_limits(&mut state)?;
        if let Some((list, level)) = needed
            && !state.has_scope(list, level)
        {
            let mut reject = Reject::message(StatusCode::NOT_FOUND, "Not Found");
            reject.headers = vec![
                ("x-oauth-scopes", state.scopes.join(", ")),
                ("x-accepted-oauth-scopes", accepted_scopes(list, level)),
            ];
            return Err(reject);
        }
        Ok(())
    }

    /// Headers of a successful authenticated answer.
    fn ok_headers(&self, list: Option<(List, Level)>) -> Vec<(&'static str, String)> {
        let state = self.lock();
        let mut headers = vec![
            ("x-oauth-scopes", state.scopes.join(", ")),
            ("x-github-api-version-selected", API_VERSIONS[0].to_string()),
            ("x-ratelimit-limit", "5000".to_string()),
            ("x-ratelimit-remaining", "4999".to_string()),
            ("x-ratelimit-reset", (now_epoch() + 3600).to_string()),
        ];
        if let Some((list, level)) = list {
            headers.push(("x-accepted-oauth-scopes", accepted_scopes(list, level)));
        }
        headers
    }
}

/// `X-Accepted-OAuth-Scopes`: every scope that would have done.
fn accepted_scopes(list: List, needed: Level) -> String {
    let family = list.family();
    [
        (Level::Admin, "admin"),
        (Level::Read, "read"),
        (Level::Write, "write"),
    ]
    .iter()
    .filter(|(level, _)| *level >= needed)
    .map(|(_, name)| format!("{name}:{family}"))
    .collect::<Vec<_>>()
    .join(", ")
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or_default()
}

/// Now as GitHub writes times: ISO 8601, whole seconds, `Z`.
fn now_iso() -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    crate::clock::now_utc()
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// An error answer in GitHub's shape, kept small until axum renders it.
struct Reject {
    status: StatusCode,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl Reject {
    /// `{"message", "documentation_url", "status"}`.
    fn message(status: StatusCode, message: &str) -> Self {
        Self {
            status,
            body: json!({
                "message": message,
                "documentation_url": DOCS,
                "status": status.as_u16().to_string(),
            }),
            headers: Vec::new(),
        }
    }

    /// 422 `Validation Failed` with one `errors` item about `key`.
    fn invalid_key(list: List, message: &str) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({
                "message": "Validation Failed",
                "errors": [{
                    "resource": list.resource(),
                    "code": "custom",
                    "field": "key",
                    "message": message,
                }],
                "documentation_url": DOCS,
                "status": "422",
            }),
            headers: Vec::new(),
        }
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body, self.headers)
    }
}

fn json_response(
    status: StatusCode,
    body: &Value,
    headers: Vec<(&'static str, String)>,
) -> Response {
    let mut response = (
        status,
        [("content-type", "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response();
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

async fn unknown_route() -> Response {
    Reject::message(StatusCode::NOT_FOUND, "Not Found").into_response()
}

/// Where the fake is reached, for absolute links and `url` fields.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn key_json(list: List, key: &FakeGithubKey, origin: &str) -> Value {
    let mut value = json!({
        "id": key.id,
        "key": key.key,
        "url": format!("{origin}{}/{}", list.path(), key.id),
        "title": key.title,
        "created_at": key.created_at,
    });
    if list == List::Authentication
        && let Some(object) = value.as_object_mut()
    {
        object.insert("verified".into(), Value::Bool(true));
        object.insert("read_only".into(), Value::Bool(false));
    }
    value
}

async fn get_user(State(fake): State<GithubFake>, headers: HeaderMap) -> Result<Response, Reject> {
    fake.check(&headers, None)?;
    let body = json!({
        "login": GITHUB_LOGIN,
        "id": 1,
        "type": "User",
        "name": "Keyfleet Sandbox",
        "url": format!("{}/users/{GITHUB_LOGIN}", origin(&headers)),
    });
    Ok(json_response(StatusCode::OK, &body, fake.ok_headers(None)))
}

async fn list_keys(
    State(fake): State<GithubFake>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, Reject> {
    list(fake, List::Authentication, headers, uri)
}

async fn list_signing_keys(
    State(fake): State<GithubFake>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, Reject> {
    list(fake, List::Signing, headers, uri)
}

/// One page of a list, with GitHub's `Link` header. Links repeat the
/// path as the client sent it (`uri` is the original URI), so the fake also
/// pages correctly when nested under `/api/v3` like an Enterprise Server.
fn list(fake: GithubFake, list: List, headers: HeaderMap, uri: Uri) -> Result<Response, Reject> {
    fake.check(&headers, Some((list, Level::Read)))?;
    let query: HashMap<String, String> = uri
        .query()
        .map(|query| {
            url_pairs(query)
                .into_iter()
                .collect::<HashMap<String, String>>()
        })
        .unwrap_or_default();
    // GitHub ignores a per_page it cannot read and clamps a large one.
    let per_page = query
        .get("per_page")
        .and_then(|text| text.parse::<usize>().ok())
        .filter(|size| *size > 0)
        .unwrap_or(DEFAULT_PER_PAGE)
        .min(MAX_PER_PAGE);
    let page = query
        .get("page")
        .and_then(|text| text.parse::<usize>().ok())
        .filter(|page| *page > 0)
        .unwrap_or(1);
    let self_origin = origin(&headers);
    let (items, total, size, links) = {
        let mut state = fake.lock();
        let size = per_page.min(state.max_page_size);
        let links = state.links.clone();
        let all = state.list(list);
        let items: Vec<Value> = all
            .iter()
            .skip((page - 1).saturating_mul(size))
            .take(size)
            .map(|key| key_json(list, key, &self_origin))
            .collect();
        (items, all.len(), size, links)
    };
    let mut response_headers = fake.ok_headers(Some((list, Level::Read)));
    let last = total.div_ceil(size).max(1);
    let link_origin = match &links {
        GithubLinks::Origin(other) => other.trim_end_matches('/').to_string(),
        _ => self_origin,
    };
    let link = |number: usize, rel: &str| {
        format!(
            "<{link_origin}{}?per_page={per_page}&page={number}>; rel=\"{rel}\"",
            uri.path()
        )
    };
    let mut parts = Vec::new();
    if page > 1 {
        parts.push(link(page - 1, "prev"));
    }
    if page < last {
        let next = if links == GithubLinks::PointBack {
            page
        } else {
            page + 1
        };
        parts.push(link(next, "next"));
        if !matches!(links, GithubLinks::PointBack | GithubLinks::NextOnly) {
            parts.push(link(last, "last"));
        }
    }
    if page > 1 {
        parts.push(link(1, "first"));
    }
    if !parts.is_empty() {
        response_headers.push(("link", parts.join(", ")));
    }
    Ok(json_response(
        StatusCode::OK,
        &Value::Array(items),
        response_headers,
    ))
}

/// `a=1&b=2` decoded (`+` and `%xx`).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://fake/?{query}"))
        .map(|url| url.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

async fn get_key(
    State(fake): State<GithubFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    get_one(fake, List::Authentication, &id, headers)
}

async fn get_signing_key(
    State(fake): State<GithubFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    get_one(fake, List::Signing, &id, headers)
}

fn get_one(fake: GithubFake, list: List, id: &str, headers: HeaderMap) -> Result<Response, Reject> {
    fake.check(&headers, Some((list, Level::Read)))?;
    let id: u64 = id
        .parse()
        .map_err(|_| Reject::message(StatusCode::NOT_FOUND, "Not Found"))?;
    let found = fake
        .lock()
        .list(list)
        .iter()
        .find(|key| key.id == id)
        .cloned();
    let key = found.ok_or_else(|| Reject::message(StatusCode::NOT_FOUND, "Not Found"))?;
    Ok(json_response(
        StatusCode::OK,
        &key_json(list, &key, &origin(&headers)),
        fake.ok_headers(Some((list, Level::Read))),
    ))
}

async fn create_key(
    State(fake): State<GithubFake>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    create(fake, List::Authentication, headers, body)
}

async fn create_signing_key(
    State(fake): State<GithubFake>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    create(fake, List::Signing, headers, body)
}

/// POST `{"title", "key"}`, validated like GitHub's schema check.
fn create(
    fake: GithubFake,
    list: List,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    fake.check(&headers, Some((list, Level::Write)))?;
    let parsed: Value = serde_json::from_slice(&body)
        .map_err(|_| Reject::message(StatusCode::BAD_REQUEST, "Problems parsing JSON"))?;
    let Some(object) = parsed.as_object() else {
        return Err(Reject::message(
            StatusCode::BAD_REQUEST,
            "Problems parsing JSON",
        ));
    };
    let invalid = |detail: String| {
        Reject::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Invalid request.\n\n{detail}"),
        )
    };
    if let Some(unknown) = object
        .keys()
        .find(|name| !matches!(name.as_str(), "title" | "key"))
    {
        return Err(invalid(format!("\"{unknown}\" is not a permitted key.")));
    }
    let title = match object.get("title") {
        None => "",
        Some(Value::String(title)) => title.as_str(),
        Some(other) => {
            return Err(invalid(format!(
                "For 'properties/title', {other} is not a string."
            )));
        }
    };
    let key = match object.get("key") {
        None => return Err(invalid("\"key\" wasn't supplied.".to_string())),
        Some(Value::String(key)) => key.as_str(),
        Some(other) => {
            return Err(invalid(format!(
                "For 'properties/key', {other} is not a string."
            )));
        }
    };
    let parsed_key = keytext::read(key)
        .ok()
        .filter(|parsed| github_accepts(&parsed.family))
        .ok_or_else(|| {
            Reject::invalid_key(
                list,
                "key is invalid. You must supply a key in OpenSSH public key format",
            )
        })?;
    // GitHub keeps type and key data, not the comment.
    let stored_key = parsed_key.type_and_data();
    let mut state = fake.lock();
    if state
        .list(list)
        .iter()
        .any(|existing| existing.key == stored_key)
    {
        return Err(Reject::invalid_key(list, "key is already in use"));
    }
    let created = state.insert(list, title, &stored_key);
    drop(state);
    Ok(json_response(
        StatusCode::CREATED,
        &key_json(list, &created, &origin(&headers)),
        fake.ok_headers(Some((list, Level::Write))),
    ))
}

/// Type and key data of a readable key (GitHub drops the comment); other
/// text as it is, for tests that seed what GitHub would never hold.
fn as_github_keeps(key: &str) -> String {
    keytext::read(key).map_or_else(|_| key.to_string(), |parsed| parsed.type_and_data())
}

async fn delete_key(
    State(fake): State<GithubFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    delete(fake, List::Authentication, &id, headers)
}

async fn delete_signing_key(
    State(fake): State<GithubFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    delete(fake, List::Signing, &id, headers)
}

fn delete(fake: GithubFake, list: List, id: &str, headers: HeaderMap) -> Result<Response, Reject> {
    fake.check(&headers, Some((list, Level::Admin)))?;
    let id: u64 = id
        .parse()
        .map_err(|_| Reject::message(StatusCode::NOT_FOUND, "Not Found"))?;
    let mut state = fake.lock();
    let keys = state.list(list);
    let index = keys
        .iter()
        .position(|key| key.id == id)
        .ok_or_else(|| Reject::message(StatusCode::NOT_FOUND, "Not Found"))?;
    keys.remove(index);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The key types GitHub's docs list as supported ("Generating a new SSH
/// key": RSA, ECDSA, Ed25519 and their security-key forms); DSA was
/// dropped in 2022, certificates are not keys.
fn github_accepts(family: &Family) -> bool {
    matches!(
        family,
        Family::Rsa { .. }
            | Family::Ecdsa { .. }
            | Family::Ed25519
            | Family::SkEd25519
            | Family::SkEcdsa
    )
}

/// GitHub's primary limit (403, `x-ratelimit-remaining: 0` until the
/// reset) and secondary limit (403 with `retry-after`), as set by the test.
fn check_rate_limits(state: &mut GithubState) -> Result<(), Reject> {
    if let Some(seconds) = state.limit_from_next.take() {
        state.limited_until = Some(now_epoch() + seconds);
    }
    if let Some(reset) = state.limited_until {
        if now_epoch() < reset {
            let mut reject = Reject::message(
                StatusCode::FORBIDDEN,
                "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
            );
            reject.headers = vec![
                ("x-ratelimit-limit", "5000".to_string()),
                ("x-ratelimit-remaining", "0".to_string()),
                ("x-ratelimit-used", "5000".to_string()),
                ("x-ratelimit-reset", reset.to_string()),
                ("x-ratelimit-resource", "core".to_string()),
            ];
            return Err(reject);
        }
        state.limited_until = None;
    }
    if state.secondary.0 > 0 {
        state.secondary.0 -= 1;
        let mut reject = Reject::message(
            StatusCode::FORBIDDEN,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        );
        reject.headers = vec![("retry-after", state.secondary.1.to_string())];
        return Err(reject);
    }
    Ok(())
}
