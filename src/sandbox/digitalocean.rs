//! A strict fake of DigitalOcean's `/v2/account/keys` endpoints, written
//! from DigitalOcean's API reference (SSH Keys; Links & Pagination; Rate
//! Limit) and godo's `keys.go`.
//!
//! Like DigitalOcean it answers 401 `unauthorized` to a missing or wrong
//! bearer token, pages with `page` and `per_page` (default 20, at most 200)
//! under `links.pages` (`first`, `prev`, `next`, `last`: only the ones that
//! make sense) and `meta.total`, leaves `links` out when 20 keys or fewer
//! are listed and sends it empty (`{}`) when one page holds everything,
//! takes an id or a fingerprint wherever one key is addressed, and answers
//! with `{"id", "message", "request_id"}` errors and the `ratelimit-*`
//! headers. It is stricter than the documents in one way: a body with an
//! unknown field is refused (422), so a passing client proves it sends only
//! documented fields.
//!
//! Beyond [`Faults`]: a smaller page size ([`DigitaloceanFake::set_max_page_size`]),
//! rate-limit answers ([`DigitaloceanFake::limit_burst`],
//! [`DigitaloceanFake::limit_until`]), a key reported with a fingerprint
//! that is not its own ([`DigitaloceanFake::report_fingerprint`]) and keys
//! listed without one ([`DigitaloceanFake::omit_fingerprints`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

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

/// The token the DigitalOcean fake accepts (shaped like a personal access
/// token).
pub const DIGITALOCEAN_TOKEN: &str =
    "dop_v1_sandbox0123456789abcdef0123456789abcdef0123456789abcdef01";

/// DigitalOcean's default and largest page sizes.
const DEFAULT_PER_PAGE: usize = 20;
const MAX_PER_PAGE: usize = 200;
/// The hourly request limit DigitalOcean documents (`ratelimit-limit`).
const HOURLY_LIMIT: u64 = 5000;
/// DigitalOcean's answer to a duplicate key (from real answers; the
/// OpenAPI file documents only the error's shape).
const ALREADY_IN_USE: &str = "SSH Key is already in use on your account";

/// Demo keys (public halves only): one of each common type.
const DEMO_KEYS: [(&str, &str); 3] = [
    (
        "droplet-deploy",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFXQqwatxgCjrOTrTfN3KKl4+fXQUdKgzVAa6oXp02nB deploy@droplets",
    ),
    (
        "alice-laptop",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDb0dANa2HkfRoY9RfuQxgZUW1i2P8XAinARx3I5xuNY",
    ),
    (
        "backup-host",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCpTb0lxT8SFFf9AWHpblSFZjxjTR1FaHsDld1Cbxcs370INFFGErtdkAK4+y0vQi+2QN0gA+6FU+NzAQLnw5XE= backup",
    ),
];

/// One stored key, as the tests see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeDigitaloceanKey {
    /// DigitalOcean's integer id.
    pub id: u64,
    /// The key's name.
    pub name: String,
    /// The public key line as uploaded (comment kept, as DigitalOcean does).
    pub public_key: String,
    /// The MD5 fingerprint the fake computed when the key was added.
    pub fingerprint: String,
}

struct DigitaloceanState {
    token: String,
    keys: Vec<FakeDigitaloceanKey>,
    next_id: u64,
    max_page_size: usize,
    /// Fingerprints reported instead of the true one, by key id.
    reported: HashMap<u64, String>,
    omit_fingerprints: bool,
    /// The next `.0` requests get a burst-limit 429 with `retry-after: .1`.
    burst: (usize, u64),
    /// Every request gets a 429 until this epoch second.
    limited_until: Option<u64>,
    requests_this_hour: u64,
}

/// The fake DigitalOcean server's state; clones share it.
#[derive(Clone)]
pub struct DigitaloceanFake {
    state: Arc<Mutex<DigitaloceanState>>,
    #[cfg(feature = "sandbox-faults")]
    faults: Faults,
}

impl Default for DigitaloceanFake {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for DigitaloceanFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigitaloceanFake")
            .field("keys", &self.lock().keys.len())
            .finish()
    }
}

impl DigitaloceanFake {
    /// An account with no keys, reached with [`DIGITALOCEAN_TOKEN`].
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(DigitaloceanState {
                token: DIGITALOCEAN_TOKEN.to_string(),
                keys: Vec::new(),
                next_id: 512_189,
                max_page_size: MAX_PER_PAGE,
                reported: HashMap::new(),
                omit_fingerprints: false,
                burst: (0, 0),
                limited_until: None,
                requests_this_hour: 0,
            })),
            #[cfg(feature = "sandbox-faults")]
            faults: Faults::default(),
        }
    }

    /// Adds the demo keys.
    pub fn seed_demo(&self) {
        for (name, key) in DEMO_KEYS {
            self.add_key(name, key);
        }
    }

    /// The fault injection handle of this fake.
    #[cfg(feature = "sandbox-faults")]
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }

    /// The HTTP routes, with fault injection on every request.
    pub fn router(&self) -> Router {
        let routes = Router::new()
            .route("/v2/account/keys", get(list_keys).post(create_key))
            .route(
                "/v2/account/keys/{identifier}",
                get(get_key).put(rename_key).delete(delete_key),
            )
            .fallback(unknown_route)
            .method_not_allowed_fallback(unknown_route)
            .with_state(self.clone());
        #[cfg(feature = "sandbox-faults")]
        let routes = super::faults::layer(routes, &self.faults);
        routes
    }

    /// Stores a key directly (no validation but reading its fingerprint;
    /// a line that does not read gets an empty one); returns its id.
    pub fn add_key(&self, name: &str, public_key: &str) -> u64 {
        let fingerprint = keytext::read(public_key)
            .map(|key| key.md5())
            .unwrap_or_default();
        self.lock().insert(name, public_key.trim(), fingerprint).id
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> Vec<FakeDigitaloceanKey> {
        self.lock().keys.clone()
    }

    /// Every key by id, with all it stores (bystander checks).
    pub fn snapshot(&self) -> super::KeySet {
        self.lock()
            .keys
            .iter()
            .map(|key| (key.id.to_string(), format!("{key:?}")))
            .collect()
    }

    /// Replaces the accepted token (to test revoked tokens).
    pub fn set_token(&self, token: &str) {
        self.lock().token = token.to_string();
    }

    /// Serves at most `size` keys per page whatever `per_page` asks (at
    /// least 1).
    pub fn set_max_page_size(&self, size: usize) {
        self.lock().max_page_size = size.clamp(1, MAX_PER_PAGE);
    }

    /// Reports `fingerprint` for key `id` instead of its own: a server
    /// that stores something other than what it shows.
    pub fn report_fingerprint(&self, id: u64, fingerprint: &str) {
        self.lock().reported.insert(id, fingerprint.to_string());
    }

    /// Lists keys without their `fingerprint` (the schema does not require it).
    pub fn omit_fingerprints(&self, omit: bool) {
        self.lock().omit_fingerprints = omit;
    }

    /// The next `times` requests get the burst limit's 429 with
    /// `retry-after: seconds`.
    pub fn limit_burst(&self, times: usize, seconds: u64) {
        self.lock().burst = (times, seconds);
    }

    /// Every request gets the hourly limit's 429 (`ratelimit-remaining: 0`,
    /// `ratelimit-reset: reset`, no `retry-after`) until epoch second `reset`.
    pub fn limit_until(&self, reset: u64) {
        self.lock().limited_until = Some(reset);
    }

    fn lock(&self) -> MutexGuard<'_, DigitaloceanState> {
        wire::lock(&self.state)
    }

    /// The bearer token, then the rate limits; returns the `ratelimit-*`
    /// headers every answer carries.
    fn check(&self, headers: &HeaderMap) -> Result<Vec<(&'static str, String)>, Reject> {
        let mut state = self.lock();
        if wire::bearer(headers) != Some(state.token.as_str()) {
            return Err(Reject::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Unable to authenticate you",
            ));
        }
        state.requests_this_hour += 1;
        let reset = now_epoch() + 3600;
        let remaining = HOURLY_LIMIT.saturating_sub(state.requests_this_hour);
        let limits = |remaining: u64, reset: u64| {
            vec![
                ("ratelimit-limit", HOURLY_LIMIT.to_string()),
                ("ratelimit-remaining", remaining.to_string()),
                ("ratelimit-reset", reset.to_string()),
            ]
        };
        if let Some(until) = state.limited_until {
            if now_epoch() < until {
                return Err(Reject::limited(limits(0, until)));
            }
            state.limited_until = None;
        }
        if state.burst.0 > 0 {
            state.burst.0 -= 1;
            let mut headers = limits(0, reset);
            headers.push(("retry-after", state.burst.1.to_string()));
            return Err(Reject::limited(headers));
        }
        Ok(limits(remaining, reset))
    }
}

impl DigitaloceanState {
    fn insert(&mut self, name: &str, public_key: &str, fingerprint: String) -> FakeDigitaloceanKey {
        let key = FakeDigitaloceanKey {
            id: self.next_id,
            name: name.to_string(),
            public_key: public_key.to_string(),
            fingerprint,
        };
        // Ids grow but not by one, as real ones do.
        self.next_id += 7;
        self.keys.push(key.clone());
        key
    }

    /// The index of the key `identifier` names: its id, or its fingerprint.
    fn find(&self, identifier: &str) -> Option<usize> {
        match identifier.parse::<u64>() {
            Ok(id) => self.keys.iter().position(|key| key.id == id),
            Err(_) => self
                .keys
                .iter()
                .position(|key| key.fingerprint.eq_ignore_ascii_case(identifier)),
        }
    }

    fn key_json(&self, key: &FakeDigitaloceanKey) -> Value {
        let mut value = json!({
            "id": key.id,
            "public_key": key.public_key,
            "name": key.name,
        });
        if !self.omit_fingerprints
            && let Some(object) = value.as_object_mut()
        {
            let shown = self.reported.get(&key.id).unwrap_or(&key.fingerprint);
            object.insert("fingerprint".into(), Value::String(shown.clone()));
        }
        value
    }
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or_default()
}

/// An error answer in DigitalOcean's shape.
struct Reject {
    status: StatusCode,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl Reject {
    fn new(status: StatusCode, id: &str, message: &str) -> Self {
        Self {
            status,
            body: json!({
                "id": id,
                "message": message,
                "request_id": format!("sandbox-{:x}", now_epoch()),
            }),
            headers: Vec::new(),
        }
    }

    fn unprocessable(message: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable_entity",
            message,
        )
    }

    fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "The resource you were accessing could not be found.",
        )
    }

    fn limited(headers: Vec<(&'static str, String)>) -> Self {
        let mut reject = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "API Rate limit exceeded.",
        );
        reject.headers = headers;
        reject
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
    wire::json_response(status, "application/json; charset=utf-8", body, headers)
}

async fn unknown_route() -> Response {
    Reject::not_found().into_response()
}

/// A query's parameters, decoded.
fn query_of(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .and_then(|query| reqwest::Url::parse(&format!("http://fake/?{query}")).ok())
        .map(|url| url.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// A positive number parameter: absent gives `default`; anything else
/// that is not a number ≥ 1 is refused, as DigitalOcean's schema does.
fn number_param(
    query: &HashMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, Reject> {
    match query.get(name) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                Reject::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    &format!("{name} must be a positive integer"),
                )
            }),
    }
}

async fn list_keys(
    State(fake): State<DigitaloceanFake>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, Reject> {
    let limits = fake.check(&headers)?;
    let query = query_of(&uri);
    let per_page = number_param(&query, "per_page", DEFAULT_PER_PAGE)?.min(MAX_PER_PAGE);
    let page = number_param(&query, "page", 1)?;
    let state = fake.lock();
    let size = per_page.min(state.max_page_size);
    let total = state.keys.len();
    let items: Vec<Value> = state
        .keys
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|key| state.key_json(key))
        .collect();
    drop(state);
    let mut body = json!({ "ssh_keys": items, "meta": { "total": total } });
    let last = total.div_ceil(size).max(1);
    let host = headers
        .get("host")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    let link = |number: usize| {
        format!(
            "http://{host}{}?page={number}&per_page={per_page}",
            uri.path()
        )
    };
    let mut pages = serde_json::Map::new();
    if page > 1 {
        pages.insert("first".into(), link(1).into());
        pages.insert("prev".into(), link((page - 1).min(last)).into());
    }
    if page < last {
        pages.insert("last".into(), link(last).into());
        pages.insert("next".into(), link(page + 1).into());
    }
    // The documents: no `links` for 20 keys or fewer; `{}` when there is
    // no other page to point to.
    if total > DEFAULT_PER_PAGE || page > 1 {
        body["links"] = if pages.is_empty() {
            json!({})
        } else {
            json!({ "pages": pages })
        };
    }
    Ok(json_response(StatusCode::OK, &body, limits))
}

async fn get_key(
    State(fake): State<DigitaloceanFake>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    let limits = fake.check(&headers)?;
    let state = fake.lock();
    let index = state.find(&identifier).ok_or_else(Reject::not_found)?;
    let body = json!({ "ssh_key": state.key_json(&state.keys[index]) });
    Ok(json_response(StatusCode::OK, &body, limits))
}

/// The JSON object of a POST or PUT, refusing other content types, other
/// JSON, and fields beyond `allowed`.
fn body_object(
    headers: &HeaderMap,
    body: &Bytes,
    allowed: &[&str],
) -> Result<serde_json::Map<String, Value>, Reject> {
    wire::json_object(headers, body, allowed).map_err(|problem| match problem {
        BodyProblem::NotJsonType => Reject::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Content-Type must be application/json",
        ),
        BodyProblem::NotJson | BodyProblem::NotAnObject => Reject::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "request body must be a JSON object",
        ),
        BodyProblem::UnknownField(unknown) => Reject::unprocessable(&format!(
            "request payload validation failed: unknown field \"{unknown}\""
        )),
    })
}

/// A required, non-blank string field.
fn required_text<'a>(
    object: &'a serde_json::Map<String, Value>,
    name: &str,
) -> Result<&'a str, Reject> {
    match object.get(name) {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(text),
        _ => Err(Reject::unprocessable(&format!("{name} is required"))),
    }
}

/// The key types DigitalOcean's "Add SSH keys" guide names (RSA, ECDSA,
/// Ed25519); DSA, certificates and unknown types are refused.
fn digitalocean_accepts(family: &Family) -> bool {
    matches!(
        family,
        Family::Rsa { .. }
            | Family::Ecdsa { .. }
            | Family::Ed25519
            | Family::SkEd25519
            | Family::SkEcdsa
    )
}

async fn create_key(
    State(fake): State<DigitaloceanFake>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    let limits = fake.check(&headers)?;
    let object = body_object(&headers, &body, &["name", "public_key"])?;
    let name = required_text(&object, "name")?;
    let public_key = required_text(&object, "public_key")?;
    let parsed = keytext::read(public_key)
        .ok()
        .filter(|parsed| digitalocean_accepts(&parsed.family))
        .ok_or_else(|| {
            Reject::unprocessable("Key invalid, key should be of the format `type key [comment]`")
        })?;
    let mut state = fake.lock();
    let fingerprint = parsed.md5();
    if state.keys.iter().any(|key| key.fingerprint == fingerprint) {
        return Err(Reject::unprocessable(ALREADY_IN_USE));
    }
    let created = state.insert(name, public_key.trim(), fingerprint);
    let body = json!({ "ssh_key": state.key_json(&created) });
    drop(state);
    Ok(json_response(StatusCode::CREATED, &body, limits))
}

async fn rename_key(
    State(fake): State<DigitaloceanFake>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    let limits = fake.check(&headers)?;
    let object = body_object(&headers, &body, &["name"])?;
    let name = required_text(&object, "name")?;
    let mut state = fake.lock();
    let index = state.find(&identifier).ok_or_else(Reject::not_found)?;
    state.keys[index].name = name.to_string();
    let body = json!({ "ssh_key": state.key_json(&state.keys[index]) });
    drop(state);
    Ok(json_response(StatusCode::OK, &body, limits))
}

async fn delete_key(
    State(fake): State<DigitaloceanFake>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    let limits = fake.check(&headers)?;
    let mut state = fake.lock();
    let index = state.find(&identifier).ok_or_else(Reject::not_found)?;
    let removed = state.keys.remove(index);
    state.reported.remove(&removed.id);
    drop(state);
    let mut response = StatusCode::NO_CONTENT.into_response();
    wire::add_headers(&mut response, limits);
    Ok(response)
}
