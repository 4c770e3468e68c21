//! A strict fake of Hetzner Cloud's `/v1/ssh_keys` endpoints, written from
//! docs.hetzner.cloud ("SSH Keys", "Labels", "Pagination", "Errors",
//! "Rate limiting") and hcloud-go's `hcloud/schema/ssh_key.go`.
//!
//! Like Hetzner it answers 401 `unauthorized` to a wrong token, pages with
//! `page` and `per_page` (default 25, at most 50) and `meta.pagination`,
//! refuses unknown and mistyped body fields (`invalid_input` with
//! `details.fields`), invalid keys and labels, and a key or a name already
//! in the project (409 `uniqueness_error`, naming the field). Answers carry
//! `RateLimit-Limit`, `-Remaining` and `-Reset` (a UNIX timestamp).
//!
//! Switches beyond [`Faults`]: a smaller page size, `last_page` and
//! `total_entries` sent as `null` (the docs allow it), a reported MD5 that
//! is not the key's ([`HetznerFake::set_reported_fingerprint`]), and rate
//! limit answers ([`HetznerFake::limit_next`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

#[cfg(feature = "sandbox-faults")]
use super::faults::Faults;
use super::keytext::{self, Family};
use super::wire::{self, BodyProblem};

/// The project token the Hetzner fake accepts (64 characters, like
/// Hetzner's).
pub const HETZNER_TOKEN: &str = "sandboxHetznerToken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHI";

/// Hetzner's default and largest page sizes.
const DEFAULT_PER_PAGE: usize = 25;
const MAX_PER_PAGE: usize = 50;
/// The default limit: 3600 requests an hour per project.
const RATE_LIMIT: u64 = 3600;

/// A demo key: name, public key, labels.
type DemoKey = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The demo keys.
const DEMO_KEYS: [DemoKey; 3] = [
    (
        "alice-laptop",
        // Also on the GitHub demo account, so All keys groups them.
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDb0dANa2HkfRoY9RfuQxgZUW1i2P8XAinARx3I5xuNY",
        &[("owner", "alice"), ("env", "prod")],
    ),
    (
        "gpu-provisioner",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAING/r96sdAkUbFP/xsd8L6IOyQENWtG7cUWj5ogHb9k0 provisioner",
        &[("team", "ml")],
    ),
    (
        "rescue",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCpTb0lxT8SFFf9AWHpblSFZjxjTR1FaHsDld1Cbxcs370INFFGErtdkAK4+y0vQi+2QN0gA+6FU+NzAQLnw5XE=",
        &[],
    ),
];

/// One stored key, as the tests see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeHetznerKey {
    /// Hetzner's integer id.
    pub id: u64,
    /// The name, unique in the project.
    pub name: String,
    /// What the fake reports as the MD5 fingerprint (normally the key's).
    pub fingerprint: String,
    /// The public key as uploaded (comment kept).
    pub public_key: String,
    /// The key's labels.
    pub labels: BTreeMap<String, String>,
    /// ISO 8601 creation time with `+00:00`, as Hetzner writes it.
    pub created: String,
}

struct HetznerState {
    token: String,
    keys: Vec<FakeHetznerKey>,
    next_id: u64,
    max_page_size: usize,
    /// Send `last_page` and `total_entries` as `null`.
    hide_last_page: bool,
    /// The next `.0` requests get 429, with the limit back `.1` s later.
    limited: (usize, u64),
}

/// The fake Hetzner Cloud project's state; clones share it.
#[derive(Clone)]
pub struct HetznerFake {
    state: Arc<Mutex<HetznerState>>,
    #[cfg(feature = "sandbox-faults")]
    faults: Faults,
}

impl Default for HetznerFake {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for HetznerFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HetznerFake")
            .field("keys", &self.lock().keys.len())
            .finish()
    }
}

impl HetznerFake {
    /// A project with no keys, reached with [`HETZNER_TOKEN`].
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(HetznerState {
                token: HETZNER_TOKEN.to_string(),
                keys: Vec::new(),
                next_id: 2_000_001,
                max_page_size: MAX_PER_PAGE,
                hide_last_page: false,
                limited: (0, 0),
            })),
            #[cfg(feature = "sandbox-faults")]
            faults: Faults::default(),
        }
    }

    /// Adds the demo keys (one also on the GitHub demo account).
    pub fn seed_demo(&self) {
        for (name, key, labels) in DEMO_KEYS {
            let id = self.add_key(name, key);
            let labels = labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            self.set_labels(id, labels);
        }
    }

    /// The fault injection handle of this fake.
    #[cfg(feature = "sandbox-faults")]
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }

    /// The HTTP routes (under `/v1`), with fault injection on every request.
    pub fn router(&self) -> Router {
        let routes = Router::new()
            .route("/v1/ssh_keys", get(list_keys).post(create_key))
            .route(
                "/v1/ssh_keys/{id}",
                get(get_key).put(update_key).delete(delete_key),
            )
            .fallback(unknown_route)
            .method_not_allowed_fallback(unknown_route)
            .with_state(self.clone());
        #[cfg(feature = "sandbox-faults")]
        let routes = super::faults::layer(routes, &self.faults);
        routes
    }

    /// Every key by id, with all it stores (bystander checks).
    pub fn snapshot(&self) -> super::KeySet {
        self.lock()
            .keys
            .iter()
            .map(|key| (key.id.to_string(), format!("{key:?}")))
            .collect()
    }

    /// Stores a key directly (no validation; a key that does not parse is
    /// reported with an empty fingerprint); returns its id.
    pub fn add_key(&self, name: &str, public_key: &str) -> u64 {
        let fingerprint = keytext::read(public_key)
            .map(|parsed| parsed.md5())
            .unwrap_or_default();
        self.lock()
            .insert(name, public_key.trim(), fingerprint, BTreeMap::new())
            .id
    }

    /// Replaces a key's labels directly.
    pub fn set_labels(&self, id: u64, labels: BTreeMap<String, String>) {
        if let Some(key) = self.lock().keys.iter_mut().find(|key| key.id == id) {
            key.labels = labels;
        }
    }

    /// Makes the fake report `fingerprint` for key `id`, whatever its
    /// public key is (a server that disagrees with itself).
    pub fn set_reported_fingerprint(&self, id: u64, fingerprint: &str) {
        if let Some(key) = self.lock().keys.iter_mut().find(|key| key.id == id) {
            key.fingerprint = fingerprint.to_string();
        }
    }

    /// Removes a key directly (deleted meanwhile, by someone else).
    pub fn remove_key(&self, id: u64) {
        self.lock().keys.retain(|key| key.id != id);
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> Vec<FakeHetznerKey> {
        self.lock().keys.clone()
    }

    /// Replaces the accepted token (to test revoked tokens).
    pub fn set_token(&self, token: &str) {
        self.lock().token = token.to_string();
    }

    /// Serves at most `size` keys per page whatever `per_page` asks.
    pub fn set_max_page_size(&self, size: usize) {
        self.lock().max_page_size = size.clamp(1, MAX_PER_PAGE);
    }

    /// Sends `last_page` and `total_entries` as `null`, as the docs allow.
    pub fn hide_last_page(&self, hide: bool) {
        self.lock().hide_last_page = hide;
    }

    /// The next `times` requests get 429 `rate_limit_exceeded`, with
    /// `RateLimit-Reset` `seconds` from now.
    pub fn limit_next(&self, times: usize, seconds: u64) {
        self.lock().limited = (times, seconds);
    }

    fn lock(&self) -> MutexGuard<'_, HetznerState> {
        wire::lock(&self.state)
    }

    /// The token, then the rate limit.
    fn check(&self, headers: &HeaderMap) -> Result<(), Reject> {
        let mut state = self.lock();
        if wire::bearer(headers) != Some(state.token.as_str()) {
            return Err(Reject::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "unable to authenticate",
            ));
        }
        if state.limited.0 > 0 {
            state.limited.0 -= 1;
            let mut reject = Reject::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "limit of 3600 requests per hour reached",
            );
            reject.headers = rate_headers(0, state.limited.1);
            return Err(reject);
        }
        Ok(())
    }
}

impl HetznerState {
    fn insert(
        &mut self,
        name: &str,
        public_key: &str,
        fingerprint: String,
        labels: BTreeMap<String, String>,
    ) -> FakeHetznerKey {
        let key = FakeHetznerKey {
            id: self.next_id,
            name: name.to_string(),
            fingerprint,
            public_key: public_key.to_string(),
            labels,
            created: now_iso(),
        };
        // Ids are not consecutive on Hetzner either.
        self.next_id += 7;
        self.keys.push(key.clone());
        key
    }
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or_default()
}

/// Now as Hetzner writes times: `2016-01-30T23:50:00+00:00`.
fn now_iso() -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+00:00");
    crate::clock::now_utc()
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00+00:00".to_string())
}

fn rate_headers(remaining: u64, reset_in: u64) -> Vec<(&'static str, String)> {
    vec![
        ("ratelimit-limit", RATE_LIMIT.to_string()),
        ("ratelimit-remaining", remaining.to_string()),
        ("ratelimit-reset", (now_epoch() + reset_in).to_string()),
    ]
}

/// An error answer in Hetzner's shape.
struct Reject {
    status: StatusCode,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl Reject {
    /// `{"error": {"code", "message", "details": {}}}`.
    fn new(status: StatusCode, code: &str, message: &str) -> Self {
        Self {
            status,
            body: json!({"error": {"code": code, "message": message, "details": {}}}),
            headers: Vec::new(),
        }
    }

    /// 400 `invalid_input` naming one field.
    fn invalid(field: &str, message: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({"error": {
                "code": "invalid_input",
                "message": format!("invalid input in field '{field}'"),
                "details": {"fields": [{"name": field, "messages": [message]}]},
            }}),
            headers: Vec::new(),
        }
    }

    /// 409 `uniqueness_error` naming the field that clashes.
    fn not_unique(field: &str, message: &str) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            body: json!({"error": {
                "code": "uniqueness_error",
                "message": message,
                "details": {"fields": [{"name": field}]},
            }}),
            headers: Vec::new(),
        }
    }

    fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "SSH key not found")
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
    wire::json_response(status, "application/json", body, headers)
}

fn ok(status: StatusCode, body: &Value) -> Response {
    json_response(status, body, rate_headers(RATE_LIMIT - 1, 1))
}

async fn unknown_route() -> Response {
    Reject::new(StatusCode::NOT_FOUND, "not_found", "not found").into_response()
}

/// A key as Hetzner shows it. Keys without labels get `{}`: the schema
/// always has the object.
fn key_json(key: &FakeHetznerKey) -> Value {
    json!({
        "id": key.id,
        "name": key.name,
        "fingerprint": key.fingerprint,
        "public_key": key.public_key,
        "labels": key.labels,
        "created": key.created,
    })
}

/// A query number: absent is the default, anything but a positive
/// integer is refused, like Hetzner's `invalid_input`.
fn positive(query: &HashMap<String, String>, name: &str, default: usize) -> Result<usize, Reject> {
    match query.get(name) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Reject::invalid(name, "must be a positive integer")),
    }
}

async fn list_keys(
    State(fake): State<HetznerFake>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Reject> {
    fake.check(&headers)?;
    if let Some(unknown) = query.keys().find(|name| {
        !matches!(
            name.as_str(),
            "page" | "per_page" | "name" | "fingerprint" | "label_selector" | "sort"
        )
    }) {
        return Err(Reject::invalid(unknown, "unknown query parameter"));
    }
    let page = positive(&query, "page", 1)?;
    let per_page = positive(&query, "per_page", DEFAULT_PER_PAGE)?;
    if per_page > MAX_PER_PAGE {
        return Err(Reject::invalid("per_page", "must be at most 50"));
    }
    let state = fake.lock();
    let size = per_page.min(state.max_page_size);
    let matching: Vec<&FakeHetznerKey> = state
        .keys
        .iter()
        .filter(|key| query.get("name").is_none_or(|name| &key.name == name))
        .filter(|key| {
            query
                .get("fingerprint")
                .is_none_or(|fp| &key.fingerprint == fp)
        })
        .filter(|key| {
            query
                .get("label_selector")
                .is_none_or(|selector| selects(selector, &key.labels))
        })
        .collect();
    let total = matching.len();
    let last = total.div_ceil(size).max(1);
    let items: Vec<Value> = matching
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|key| key_json(key))
        .collect();
    let hide = state.hide_last_page;
    drop(state);
    let body = json!({
        "ssh_keys": items,
        "meta": {"pagination": {
            "page": page,
            "per_page": size,
            "previous_page": (page > 1).then(|| page - 1),
            "next_page": (page < last).then(|| page + 1),
            "last_page": (!hide).then_some(last),
            "total_entries": (!hide).then_some(total),
        }},
    });
    Ok(ok(StatusCode::OK, &body))
}

/// The equality and existence terms of a label selector (`k=v`, `k!=v`,
/// `k`, `!k`, comma-separated; all must hold).
fn selects(selector: &str, labels: &BTreeMap<String, String>) -> bool {
    selector.split(',').map(str::trim).all(|term| {
        if let Some((key, value)) = term.split_once("!=") {
            labels.get(key.trim()).map(String::as_str) != Some(value.trim())
        } else if let Some((key, value)) = term.split_once('=') {
            let value = value.trim_start_matches('=').trim();
            labels.get(key.trim()).map(String::as_str) == Some(value)
        } else if let Some(key) = term.strip_prefix('!') {
            !labels.contains_key(key.trim())
        } else {
            labels.contains_key(term)
        }
    })
}

fn find(fake: &HetznerFake, id: &str) -> Result<FakeHetznerKey, Reject> {
    let id: u64 = id.parse().map_err(|_| Reject::not_found())?;
    fake.lock()
        .keys
        .iter()
        .find(|key| key.id == id)
        .cloned()
        .ok_or_else(Reject::not_found)
}

async fn get_key(
    State(fake): State<HetznerFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    fake.check(&headers)?;
    let key = find(&fake, &id)?;
    Ok(ok(StatusCode::OK, &json!({"ssh_key": key_json(&key)})))
}

/// The body as a JSON object with only `allowed` fields.
fn object(
    headers: &HeaderMap,
    body: &[u8],
    allowed: &[&str],
) -> Result<Map<String, Value>, Reject> {
    wire::json_object(headers, body, allowed).map_err(|problem| match problem {
        BodyProblem::NotJsonType => Reject::new(
            StatusCode::BAD_REQUEST,
            "json_error",
            "Content-Type must be application/json",
        ),
        BodyProblem::NotJson | BodyProblem::NotAnObject => Reject::new(
            StatusCode::BAD_REQUEST,
            "json_error",
            "invalid JSON in request body",
        ),
        BodyProblem::UnknownField(unknown) => Reject::invalid(&unknown, "unknown field"),
    })
}

/// A required (or present) string field.
fn string_field<'a>(object: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Reject> {
    match object.get(name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(Reject::invalid(name, "must be a string")),
    }
}

/// `labels`: an object of strings, each key and value per the docs.
fn labels_field(object: &Map<String, Value>) -> Result<Option<BTreeMap<String, String>>, Reject> {
    let Some(value) = object.get("labels") else {
        return Ok(None);
    };
    let Value::Object(map) = value else {
        return Err(Reject::invalid("labels", "must be an object"));
    };
    let mut labels = BTreeMap::new();
    for (key, value) in map {
        let Value::String(value) = value else {
            return Err(Reject::invalid("labels", "label values must be strings"));
        };
        if !label_key_ok(key) || !label_value_ok(value) {
            return Err(Reject::invalid(
                "labels",
                &format!("label '{key}' with value '{value}' is invalid"),
            ));
        }
        labels.insert(key.clone(), value.clone());
    }
    Ok(Some(labels))
}

/// A name, value or prefix segment: alphanumeric at both ends, `-_.`
/// allowed inside, at most `max` bytes.
fn segment_ok(text: &str, max: usize) -> bool {
    let bytes = text.as_bytes();
    let inner_ok = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b));
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            bytes.len() <= max
                && inner_ok
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
        }
        _ => false,
    }
}

fn label_key_ok(key: &str) -> bool {
    if key.starts_with("hetzner.cloud/") {
        return false;
    }
    match key.rsplit_once('/') {
        Some((prefix, name)) => segment_ok(prefix, 253) && segment_ok(name, 63),
        None => segment_ok(key, 63),
    }
}

fn label_value_ok(value: &str) -> bool {
    value.is_empty() || segment_ok(value, 63)
}

/// The key types Hetzner Cloud accepts.
fn accepts(family: &Family) -> bool {
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
    State(fake): State<HetznerFake>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    fake.check(&headers)?;
    let object = object(&headers, &body, &["name", "public_key", "labels"])?;
    let name = string_field(&object, "name")?
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| Reject::invalid("name", "is required"))?;
    let public_key = string_field(&object, "public_key")?
        .ok_or_else(|| Reject::invalid("public_key", "is required"))?;
    let labels = labels_field(&object)?.unwrap_or_default();
    let parsed = keytext::read(public_key)
        .ok()
        .filter(|parsed| accepts(&parsed.family))
        .ok_or_else(|| Reject::invalid("public_key", "invalid public key"))?;
    let fingerprint = parsed.md5();
    let mut state = fake.lock();
    if state.keys.iter().any(|key| key.fingerprint == fingerprint) {
        return Err(Reject::not_unique(
            "public_key",
            "SSH key with the same fingerprint already exists",
        ));
    }
    if state.keys.iter().any(|key| key.name == name) {
        return Err(Reject::not_unique("name", "name is already used"));
    }
    let created = state.insert(name, public_key.trim(), fingerprint, labels);
    drop(state);
    Ok(ok(
        StatusCode::CREATED,
        &json!({"ssh_key": key_json(&created)}),
    ))
}

async fn update_key(
    State(fake): State<HetznerFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    fake.check(&headers)?;
    let found = find(&fake, &id)?;
    let object = object(&headers, &body, &["name", "labels"])?;
    let name = string_field(&object, "name")?;
    if name.is_some_and(|name| name.trim().is_empty()) {
        return Err(Reject::invalid("name", "must not be empty"));
    }
    let labels = labels_field(&object)?;
    let mut state = fake.lock();
    if let Some(name) = name
        && state
            .keys
            .iter()
            .any(|key| key.name == name && key.id != found.id)
    {
        return Err(Reject::not_unique("name", "name is already used"));
    }
    let Some(key) = state.keys.iter_mut().find(|key| key.id == found.id) else {
        return Err(Reject::not_found());
    };
    if let Some(name) = name {
        key.name = name.to_string();
    }
    if let Some(labels) = labels {
        key.labels = labels;
    }
    let updated = key.clone();
    drop(state);
    Ok(ok(StatusCode::OK, &json!({"ssh_key": key_json(&updated)})))
}

async fn delete_key(
    State(fake): State<HetznerFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    fake.check(&headers)?;
    let found = find(&fake, &id)?;
    fake.remove_key(found.id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
