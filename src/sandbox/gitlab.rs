//! A strict fake of GitLab's `/api/v4/user` and `/api/v4/user/keys`
//! endpoints, written from docs.gitlab.com ("User SSH and GPG keys API",
//! "REST API: pagination", "Personal access token scopes", "Rate limits").
//!
//! Like GitLab it takes the token in `PRIVATE-TOKEN` or `Authorization:
//! Bearer`, answers 401 `{"message":"401 Unauthorized"}` to a wrong one and
//! 403 `insufficient_scope` when the token lacks `read_user`/`read_api`/`api`
//! (reading) or `api` (writing); pages with `page`/`per_page` (default 20,
//! at most 100) and the `x-*` paging headers plus `Link`; refuses a key any
//! user of the instance already has (400, `fingerprint_sha256` "has already
//! been taken"), keys it cannot read and types it does not take. It is
//! stricter than GitLab in one way: unknown body fields are refused (GitLab
//! ignores them), so a passing client proves it sends only documented ones.
//!
//! Switches beyond [`Faults`]: a smaller page size, the totals left out as
//! past 10,000 records ([`GitlabFake::omit_totals`]), an older GitLab
//! without `usage_type`/`expires_at` ([`GitlabFake::set_old_version`]), a
//! key of another user ([`GitlabFake::add_foreign_key`]) and the 429 rate
//! limit ([`GitlabFake::limit_next`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

#[cfg(feature = "sandbox-faults")]
use super::faults::Faults;
use super::keytext::{self, Family};
use super::wire::{self, BodyProblem};

/// The token the GitLab fake accepts (shaped like a personal access token).
pub const GITLAB_TOKEN: &str = "glpat-sandboxGitlabToken01234";
/// The username of the fake's user.
pub const GITLAB_USERNAME: &str = "keyfleet-sandbox";

/// GitLab's default and largest page sizes.
const DEFAULT_PER_PAGE: usize = 20;
const MAX_PER_PAGE: usize = 100;
/// The scopes a new fake's token has.
const ALL_SCOPES: [&str; 2] = ["api", "read_user"];

/// Demo keys: (title, usage type, days from today to expiry, public key).
const DEMO_KEYS: [(&str, &str, Option<i64>, &str); 3] = [
    (
        "workstation",
        "auth_and_signing",
        None,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDb0dANa2HkfRoY9RfuQxgZUW1i2P8XAinARx3I5xuNY",
    ),
    (
        "deploy-bot",
        "auth",
        Some(9),
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGI/qyVU+MMuUna/72qIPCq40mVVW4Vc+awqF4/U5P6t",
    ),
    (
        "old-signing",
        "signing",
        Some(-20),
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAING/r96sdAkUbFP/xsd8L6IOyQENWtG7cUWj5ogHb9k0",
    ),
];

/// One stored key, as the tests see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeGitlabKey {
    /// GitLab's integer id.
    pub id: u64,
    /// The key's title.
    pub title: String,
    /// The key line as stored (type, data and comment).
    pub key: String,
    /// `auth`, `signing` or `auth_and_signing`.
    pub usage_type: String,
    /// `YYYY-MM-DD`, or `None` for a key that never expires.
    pub expires_at: Option<String>,
    /// ISO 8601 creation time with milliseconds, `Z`.
    pub created_at: String,
    /// `SHA256:…`, as `ssh-keygen -E sha256` prints it.
    pub fingerprint_sha256: String,
}

struct GitlabState {
    token: String,
    scopes: Vec<String>,
    keys: Vec<FakeGitlabKey>,
    /// Fingerprints of keys other users of the instance hold.
    foreign: Vec<String>,
    next_id: u64,
    max_page_size: usize,
    omit_totals: bool,
    old_version: bool,
    /// The next `.0` requests get 429 asking to wait `.1` seconds.
    limit: (usize, u64),
}

/// The fake GitLab server's state; clones share it.
#[derive(Clone)]
pub struct GitlabFake {
    state: Arc<Mutex<GitlabState>>,
    #[cfg(feature = "sandbox-faults")]
    faults: Faults,
}

impl Default for GitlabFake {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for GitlabFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitlabFake")
            .field("keys", &self.lock().keys.len())
            .finish()
    }
}

impl GitlabFake {
    /// A user with no keys, reached with [`GITLAB_TOKEN`], whose token has
    /// the `api` and `read_user` scopes.
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(GitlabState {
                token: GITLAB_TOKEN.to_string(),
                scopes: ALL_SCOPES.map(String::from).to_vec(),
                keys: Vec::new(),
                foreign: Vec::new(),
                next_id: 7_000_001,
                max_page_size: MAX_PER_PAGE,
                omit_totals: false,
                old_version: false,
                limit: (0, 0),
            })),
            #[cfg(feature = "sandbox-faults")]
            faults: Faults::default(),
        }
    }

    /// Adds three keys: one of each usage type, one never expiring, one
    /// expiring in nine days and one expired twenty days ago.
    pub fn seed_demo(&self) {
        let today = crate::clock::now_utc().date();
        for (title, usage_type, days, key) in DEMO_KEYS {
            let expires = days.and_then(|days| today.checked_add(time::Duration::days(days)));
            self.add_key_with(title, key, usage_type, expires.map(date_text).as_deref());
        }
    }

    /// Every key, by id, with all it stores (bystander checks).
    pub fn snapshot(&self) -> super::KeySet {
        self.lock()
            .keys
            .iter()
            .map(|key| (key.id.to_string(), format!("{key:?}")))
            .collect()
    }

    /// The fault injection handle of this fake.
    #[cfg(feature = "sandbox-faults")]
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }

    /// The HTTP routes, with fault injection on every request.
    pub fn router(&self) -> Router {
        let routes = Router::new()
            .route("/api/v4/user", get(get_user))
            .route("/api/v4/user/keys", get(list_keys).post(create_key))
            .route("/api/v4/user/keys/{id}", get(get_key).delete(delete_key))
            .fallback(unknown_route)
            .method_not_allowed_fallback(unknown_route)
            .with_state(self.clone());
        #[cfg(feature = "sandbox-faults")]
        let routes = super::faults::layer(routes, &self.faults);
        routes
    }

    /// Stores an authentication & signing key that never expires, directly
    /// (no validation); returns its id.
    pub fn add_key(&self, title: &str, key: &str) -> u64 {
        self.add_key_with(title, key, "auth_and_signing", None)
    }

    /// Stores a key with a usage type and an expiry date (`YYYY-MM-DD`)
    /// directly; returns its id.
    pub fn add_key_with(
        &self,
        title: &str,
        key: &str,
        usage_type: &str,
        expires_at: Option<&str>,
    ) -> u64 {
        let fingerprint = keytext::read(key)
            .map(|parsed| parsed.sha256())
            .unwrap_or_default();
        self.lock()
            .insert(title, key, usage_type, expires_at, fingerprint)
            .id
    }

    /// Makes `key` belong to another user of the instance: adding it here
    /// is then refused as taken, and it never shows in this user's list.
    pub fn add_foreign_key(&self, key: &str) {
        if let Ok(parsed) = keytext::read(key) {
            self.lock().foreign.push(parsed.sha256());
        }
    }

    /// Every key of the user, oldest first.
    pub fn keys(&self) -> Vec<FakeGitlabKey> {
        self.lock().keys.clone()
    }

    /// Removes a key directly, as another session would (the "deleted
    /// meanwhile" case); returns whether it was there.
    pub fn remove_key(&self, id: u64) -> bool {
        let mut state = self.lock();
        let before = state.keys.len();
        state.keys.retain(|key| key.id != id);
        state.keys.len() != before
    }

    /// Replaces the accepted token (to test revoked tokens).
    pub fn set_token(&self, token: &str) {
        self.lock().token = token.to_string();
    }

    /// Replaces the token's scopes (`api`, `read_api`, `read_user`, …).
    pub fn set_scopes(&self, scopes: &[&str]) {
        self.lock().scopes = scopes.iter().map(|scope| scope.to_string()).collect();
    }

    /// Serves at most `size` keys per page whatever `per_page` asks.
    pub fn set_max_page_size(&self, size: usize) {
        self.lock().max_page_size = size.clamp(1, MAX_PER_PAGE);
    }

    /// Leaves out `x-total`, `x-total-pages` and the `last` link, as GitLab
    /// does for lists of more than 10,000 records.
    pub fn omit_totals(&self, omit: bool) {
        self.lock().omit_totals = omit;
    }

    /// Answers like a GitLab before 15.7: no `usage_type` and no
    /// `expires_at` fields at all.
    pub fn set_old_version(&self, old: bool) {
        self.lock().old_version = old;
    }

    /// The next `times` requests get 429 with `Retry-After: seconds`.
    pub fn limit_next(&self, times: usize, seconds: u64) {
        self.lock().limit = (times, seconds);
    }

    fn lock(&self) -> MutexGuard<'_, GitlabState> {
        wire::lock(&self.state)
    }

    /// GitLab's checks, in its order: rate limit, token, then the scope.
    fn check(&self, headers: &HeaderMap, write: bool) -> Result<(), Reject> {
        let mut state = self.lock();
        if state.limit.0 > 0 {
            state.limit.0 -= 1;
            return Err(Reject::rate_limited(state.limit.1));
        }
        let private = wire::header(headers, "private-token");
        let bearer = wire::bearer(headers).map(str::trim);
        let given = if private.is_empty() {
            bearer
        } else {
            Some(private)
        };
        if given != Some(state.token.as_str()) {
            return Err(Reject::message(
                StatusCode::UNAUTHORIZED,
                "401 Unauthorized",
            ));
        }
        let has = |scope: &str| state.scopes.iter().any(|held| held == scope);
        let allowed = if write {
            has("api")
        } else {
            has("api") || has("read_api") || has("read_user")
        };
        if !allowed {
            return Err(Reject::insufficient_scope(if write {
                "api"
            } else {
                "api read_api read_user"
            }));
        }
        Ok(())
    }
}

impl GitlabState {
    fn insert(
        &mut self,
        title: &str,
        key: &str,
        usage_type: &str,
        expires_at: Option<&str>,
        fingerprint_sha256: String,
    ) -> FakeGitlabKey {
        let stored = FakeGitlabKey {
            id: self.next_id,
            title: title.to_string(),
            key: key.trim().to_string(),
            usage_type: usage_type.to_string(),
            expires_at: expires_at.map(str::to_string),
            created_at: now_iso(),
            fingerprint_sha256,
        };
        self.next_id += 1;
        self.keys.push(stored.clone());
        stored
    }
}

/// `YYYY-MM-DD`.
fn date_text(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Now as GitLab writes times: ISO 8601 with milliseconds and `Z`.
fn now_iso() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    crate::clock::now_utc()
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

/// An error answer in one of GitLab's shapes.
struct Reject {
    status: StatusCode,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl Reject {
    /// `{"message": "…"}`.
    fn message(status: StatusCode, message: &str) -> Self {
        Self {
            status,
            body: json!({ "message": message }),
            headers: Vec::new(),
        }
    }

    /// Grape's parameter errors: 400 `{"error": "…"}`.
    fn param(error: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "error": error }),
            headers: Vec::new(),
        }
    }

    /// Model validation errors: 400 `{"message": {"field": ["…"]}}`.
    fn fields(fields: Value) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "message": fields }),
            headers: Vec::new(),
        }
    }

    fn insufficient_scope(scope: &str) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            body: json!({
                "error": "insufficient_scope",
                "error_description": "The request requires higher privileges than provided by the access token.",
                "scope": scope,
            }),
            headers: vec![(
                "www-authenticate",
                format!(
                    "Bearer realm=\"Protected by OAuth 2.0\", error=\"insufficient_scope\", error_description=\"The request requires higher privileges than provided by the access token.\", scope=\"{scope}\""
                ),
            )],
        }
    }

    fn rate_limited(seconds: u64) -> Self {
        let reset = crate::clock::now_utc().unix_timestamp() + seconds as i64;
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: Value::String("Retry later".into()),
            headers: vec![
                ("retry-after", seconds.to_string()),
                ("ratelimit-limit", "2000".to_string()),
                ("ratelimit-remaining", "0".to_string()),
                ("ratelimit-reset", reset.to_string()),
            ],
        }
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        if let Value::String(text) = &self.body {
            // GitLab's throttle answers in plain text.
            let mut response = (self.status, text.clone()).into_response();
            wire::add_headers(&mut response, self.headers);
            return response;
        }
        json_response(self.status, &self.body, self.headers)
    }
}

fn json_response(
    status: StatusCode,
    body: &Value,
    headers: Vec<(&'static str, String)>,
) -> Response {
    wire::json_response(status, "application/json", body, headers)
}

async fn unknown_route() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({ "error": "404 Not Found" }),
        Vec::new(),
    )
}

fn key_json(key: &FakeGitlabKey, old_version: bool) -> Value {
    let mut value = json!({
        "id": key.id,
        "title": key.title,
        "created_at": key.created_at,
        "key": key.key,
    });
    if !old_version && let Some(object) = value.as_object_mut() {
        let expires = key.expires_at.as_ref().map_or(Value::Null, |date| {
            Value::String(format!("{date}T00:00:00.000Z"))
        });
        object.insert("expires_at".into(), expires);
        object.insert("usage_type".into(), Value::String(key.usage_type.clone()));
    }
    value
}

async fn get_user(State(fake): State<GitlabFake>, headers: HeaderMap) -> Result<Response, Reject> {
    fake.check(&headers, false)?;
    let body = json!({
        "id": 1,
        "username": GITLAB_USERNAME,
        "name": "Keyfleet Sandbox",
        "state": "active",
    });
    Ok(json_response(StatusCode::OK, &body, Vec::new()))
}

/// One page with GitLab's paging headers. Links repeat the path as the
/// client sent it.
async fn list_keys(
    State(fake): State<GitlabFake>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, Reject> {
    fake.check(&headers, false)?;
    let query: HashMap<String, String> = uri.query().map(url_pairs).unwrap_or_default();
    let number = |name: &str, default: usize| {
        query
            .get(name)
            .map(|text| text.parse::<usize>().ok().filter(|n| *n > 0))
            .unwrap_or(Some(default))
    };
    let (Some(per_page), Some(page)) = (number("per_page", DEFAULT_PER_PAGE), number("page", 1))
    else {
        return Err(Reject::param("page is invalid, per_page is invalid"));
    };
    let per_page = per_page.min(MAX_PER_PAGE);
    let state = fake.lock();
    let size = per_page.min(state.max_page_size);
    let items: Vec<Value> = state
        .keys
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|key| key_json(key, state.old_version))
        .collect();
    let total = state.keys.len();
    let headers = paging_headers(&headers, &uri, page, size, total, state.omit_totals);
    drop(state);
    Ok(json_response(StatusCode::OK, &Value::Array(items), headers))
}

/// `x-page`, `x-per-page`, `x-next-page`, `x-prev-page`, `x-total`,
/// `x-total-pages` and `Link` (no totals or `last` when `omit_totals`).
fn paging_headers(
    request: &HeaderMap,
    uri: &Uri,
    page: usize,
    size: usize,
    total: usize,
    omit_totals: bool,
) -> Vec<(&'static str, String)> {
    let last = total.div_ceil(size).max(1);
    let page_text = |shown: bool, number: usize| {
        if shown {
            number.to_string()
        } else {
            String::new()
        }
    };
    let next = page_text(page < last, page + 1);
    let prev = page_text(page > 1, page.saturating_sub(1));
    let host = request
        .get("host")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    let link = |number: usize, rel: &str| {
        format!(
            "<http://{host}{}?page={number}&per_page={size}>; rel=\"{rel}\"",
            uri.path()
        )
    };
    let mut links = Vec::new();
    if !prev.is_empty() {
        links.push(link(page - 1, "prev"));
    }
    if !next.is_empty() {
        links.push(link(page + 1, "next"));
    }
    links.push(link(1, "first"));
    let mut headers = vec![
        ("x-page", page.to_string()),
        ("x-per-page", size.to_string()),
        ("x-next-page", next),
        ("x-prev-page", prev),
    ];
    if !omit_totals {
        links.push(link(last, "last"));
        headers.push(("x-total", total.to_string()));
        headers.push(("x-total-pages", last.to_string()));
    }
    headers.push(("link", links.join(", ")));
    headers
}

/// `a=1&b=2` decoded (`+` and `%xx`).
fn url_pairs(query: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://fake/?{query}"))
        .map(|url| url.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn parse_id(id: &str) -> Result<u64, Reject> {
    id.parse()
        .map_err(|_| Reject::message(StatusCode::NOT_FOUND, "404 Not Found"))
}

async fn get_key(
    State(fake): State<GitlabFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    fake.check(&headers, false)?;
    let id = parse_id(&id)?;
    let state = fake.lock();
    let key = state
        .keys
        .iter()
        .find(|key| key.id == id)
        .ok_or_else(|| Reject::message(StatusCode::NOT_FOUND, "404 Not Found"))?;
    Ok(json_response(
        StatusCode::OK,
        &key_json(key, state.old_version),
        Vec::new(),
    ))
}

async fn delete_key(
    State(fake): State<GitlabFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    fake.check(&headers, true)?;
    let id = parse_id(&id)?;
    if fake.remove_key(id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Reject::message(StatusCode::NOT_FOUND, "404 Not Found"))
    }
}

/// What a create body holds once its parameters are checked.
struct CreateRequest {
    title: String,
    key: String,
    usage_type: String,
    expires_at: Option<String>,
}

/// POST `{"title", "key", "usage_type"?, "expires_at"?}`, checked like
/// GitLab's parameter and model validation.
async fn create_key(
    State(fake): State<GitlabFake>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    fake.check(&headers, true)?;
    let request = read_create(&headers, &body)?;
    let parsed = keytext::read(&request.key).map_err(|_| {
        Reject::fields(json!({
            "key": ["is invalid"],
            "fingerprint_sha256": ["cannot be generated"],
        }))
    })?;
    if !gitlab_accepts(&parsed.family) {
        return Err(Reject::fields(json!({
            "key": ["type is forbidden. Must be RSA, ECDSA, ED25519, ECDSA_SK, or ED25519_SK"],
        })));
    }
    let fingerprint = parsed.sha256();
    let mut state = fake.lock();
    let taken = state.foreign.contains(&fingerprint)
        || state
            .keys
            .iter()
            .any(|key| key.fingerprint_sha256 == fingerprint);
    if taken {
        return Err(Reject::fields(
            json!({ "fingerprint_sha256": ["has already been taken"] }),
        ));
    }
    let created = state.insert(
        &request.title,
        &parsed.line(),
        &request.usage_type,
        request.expires_at.as_deref(),
        fingerprint,
    );
    let old_version = state.old_version;
    drop(state);
    Ok(json_response(
        StatusCode::CREATED,
        &key_json(&created, old_version),
        Vec::new(),
    ))
}

/// The create body's parameters, or Grape's 400 naming what is wrong.
fn read_create(headers: &HeaderMap, body: &[u8]) -> Result<CreateRequest, Reject> {
    let allowed = ["title", "key", "usage_type", "expires_at"];
    let object = wire::json_object(headers, body, &allowed).map_err(|problem| match problem {
        // Grape sees no parameters in a body it cannot read as JSON.
        BodyProblem::NotJsonType | BodyProblem::NotAnObject => {
            Reject::param("title is missing, key is missing")
        }
        BodyProblem::NotJson => Reject::message(StatusCode::BAD_REQUEST, "400 Bad request"),
        BodyProblem::UnknownField(unknown) => Reject::param(&format!(
            "{unknown} is not a parameter this sandbox accepts"
        )),
    })?;
    let text = |name: &str| match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(Reject::param(&format!("{name} is invalid"))),
    };
    let title = text("title")?
        .filter(|title| !title.trim().is_empty())
        .ok_or_else(|| Reject::param("title is missing"))?;
    let key = text("key")?.ok_or_else(|| Reject::param("key is missing"))?;
    if title.chars().count() > 255 {
        return Err(Reject::fields(
            json!({ "title": ["is too long (maximum is 255 characters)"] }),
        ));
    }
    let usage_type = text("usage_type")?.unwrap_or_else(|| "auth_and_signing".into());
    if !matches!(usage_type.as_str(), "auth" | "signing" | "auth_and_signing") {
        return Err(Reject::param("usage_type does not have a valid value"));
    }
    let expires_at = text("expires_at")?;
    if let Some(date) = &expires_at
        && !is_iso_date(date)
    {
        return Err(Reject::param("expires_at is invalid"));
    }
    Ok(CreateRequest {
        title,
        key,
        usage_type,
        expires_at: expires_at.map(|date| date[..10].to_string()),
    })
}

/// `YYYY-MM-DD`, optionally followed by a time (`T…`), as GitLab's
/// DateTime parameter takes it.
fn is_iso_date(text: &str) -> bool {
    let Some(date) = text.get(..10) else {
        return false;
    };
    let rest = &text[10..];
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(date, &format).is_ok() && (rest.is_empty() || rest.starts_with('T'))
}

/// The key types GitLab takes by default (its "SSH keys restrictions"
/// admin setting lists RSA, DSA, ECDSA, ED25519, ECDSA_SK and ED25519_SK;
/// DSA is off by default since 16.x). Certificates are not keys.
fn gitlab_accepts(family: &Family) -> bool {
    matches!(
        family,
        Family::Rsa { .. }
            | Family::Ecdsa { .. }
            | Family::Ed25519
            | Family::SkEd25519
            | Family::SkEcdsa
    )
}
