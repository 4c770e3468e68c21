//! A strict fake of Sesterce's `/gpu-cloud/ssh-keys` API.
//!
//! Like the real NestJS service it checks `x-api-key` before anything else
//! (403 when missing, 404 when unknown), validates the body with
//! class-validator style messages, answers unknown routes with
//! "Cannot METHOD /path", and keeps exactly one default key per account.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch};
use rand::Rng;
use serde_json::{Value, json};

#[cfg(feature = "sandbox-faults")]
use super::faults::Faults;
use super::keytext;

/// Public keys of several algorithms for the demo account (public halves
/// only; no private key belongs to the repository).
const DEMO_KEYS: [(&str, &str); 5] = [
    (
        "alice-laptop",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDb0dANa2HkfRoY9RfuQxgZUW1i2P8XAinARx3I5xuNY alice@laptop",
    ),
    (
        "build-server",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCtLRWSD2BaKhGUZcJmyLYNmcc9760PWMz7leqF5XITbFydqAjbzqy6z+fC1Z0qbLQpOOhHKxUix9KlI6eAELDFEKCKvnjO+jXO+rK9optLJpKaXqXhVhrXUviYZylESFwkVKUls/2JddEBm1a+IuOJCWd9CUeSeztS5RmUwWdX4tgLWsbGZr++xijzUz9Wt0KatgfPzLVq6O+ZOdjzIUHfl4qyRA5kN0CuTEoVTkOxawCyguPqhSABG/cfFIN6jejvwxxkWJpoW8hhPOPGPgt4xSAByIN+ldVB7i/7Sr3JbGRU6MRcMQ59wQwNz+DsgdwX8v1yS3tBsSKGw7T25aI5VN5hmw8xyfjoiJXFpngWRgtE8dVusMmxxiKnLxFVSkHzWnDrZfmNJcQuSaGFnOgX9XaLsVDVzRXqaQSVGgZOxJCLhfRxcVUgTrC4yGW4SBRGot9/OftoWSzwBKthb6YNymV5YlJLb3XRw0T5099qefZJE6Mar6yP7VAhq91LAaU= build-server",
    ),
    (
        "ci-runner",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCpTb0lxT8SFFf9AWHpblSFZjxjTR1FaHsDld1Cbxcs370INFFGErtdkAK4+y0vQi+2QN0gA+6FU+NzAQLnw5XE= ci-runner",
    ),
    (
        "bob-workstation",
        "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBNTYYD53Yg5LlfeVLPz0++wFBXJE3alrABTZHKG24OTAEHYAbfSB8b9g+gf0/adQz8QvVsoTSjBS6NnjcOOO559qMlS1EG8c9qAecb56xUOf3nmLUAuEGQu0s39HuJH93Q== bob@workstation",
    ),
    (
        "gpu-jumpbox",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAING/r96sdAkUbFP/xsd8L6IOyQENWtG7cUWj5ogHb9k0 gpu-jumpbox",
    ),
];

/// One stored key, as the tests see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeSesterceKey {
    /// The 24-hex-digit id.
    pub id: String,
    /// The key's name.
    pub name: String,
    /// The public key as stored.
    pub public_key: String,
    /// Whether it is the account default.
    pub is_default: bool,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// ISO 8601 update time.
    pub updated_at: String,
}

impl FakeSesterceKey {
    fn to_json(&self) -> Value {
        json!({
            "_id": self.id,
            "name": self.name,
            "publicKey": self.public_key,
            "isDefault": self.is_default,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        })
    }
}

struct SesterceState {
    api_key: String,
    /// In creation order, oldest first.
    keys: Vec<FakeSesterceKey>,
}

/// The fake Sesterce server's state; clones share it.
#[derive(Clone)]
pub struct SesterceFake {
    state: Arc<Mutex<SesterceState>>,
    #[cfg(feature = "sandbox-faults")]
    faults: Faults,
}

impl Default for SesterceFake {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SesterceFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SesterceFake")
            .field("keys", &self.lock().keys.len())
            .finish()
    }
}

impl SesterceFake {
    /// Every key, by id, with all it stores (bystander checks).
    pub fn snapshot(&self) -> super::KeySet {
        self.lock()
            .keys
            .iter()
            .map(|key| (key.id.clone(), format!("{key:?}")))
            .collect()
    }

    /// An account with no keys, reached with [`super::SESTERCE_TOKEN`].
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(SesterceState {
                api_key: super::SESTERCE_TOKEN.to_string(),
                keys: Vec::new(),
            })),
            #[cfg(feature = "sandbox-faults")]
            faults: Faults::default(),
        }
    }

    /// Adds five demo keys (ed25519, rsa, ecdsa p256/p384); the second is
    /// the default.
    pub fn seed_demo(&self) {
        let ids: Vec<String> = DEMO_KEYS
            .iter()
            .map(|(name, public_key)| self.add_key(name, public_key))
            .collect();
        if let Some(id) = ids.get(1) {
            let mut state = self.lock();
            set_default(&mut state.keys, id);
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
            .route("/gpu-cloud/ssh-keys", get(list_keys).post(create_key))
            .route("/gpu-cloud/ssh-keys/{id}/makedefault", patch(make_default))
            .route("/gpu-cloud/ssh-keys/{id}", delete(delete_key))
            .fallback(unknown_route)
            .method_not_allowed_fallback(unknown_route)
            .with_state(self.clone());
        #[cfg(feature = "sandbox-faults")]
        let routes = super::faults::layer(routes, &self.faults);
        routes
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> Vec<FakeSesterceKey> {
        self.lock().keys.clone()
    }

    /// The id of the default key, if there are keys.
    pub fn default_key_id(&self) -> Option<String> {
        self.lock()
            .keys
            .iter()
            .find(|key| key.is_default)
            .map(|key| key.id.clone())
    }

    /// Stores a key directly (no validation), as if created through the
    /// API; returns its id. The first key becomes the default.
    pub fn add_key(&self, name: &str, public_key: &str) -> String {
        let mut state = self.lock();
        insert_key(&mut state.keys, name, public_key)
    }

    /// Makes `id` the default key, straight in the fake (no request).
    pub fn make_default(&self, id: &str) {
        set_default(&mut self.lock().keys, id);
    }

    /// Replaces the accepted API key (to test revoked keys).
    pub fn set_api_key(&self, api_key: &str) {
        self.lock().api_key = api_key.to_string();
    }

    fn lock(&self) -> MutexGuard<'_, SesterceState> {
        super::wire::lock(&self.state)
    }

    /// NestJS guards run before anything else: 403 without a key, 404 for
    /// an unknown one.
    fn authorize(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), Reject> {
        let given = super::wire::header(headers, "x-api-key");
        if given.is_empty() {
            return Err(guard_error(StatusCode::FORBIDDEN, uri, "API key invalid"));
        }
        if given != self.lock().api_key {
            return Err(guard_error(StatusCode::NOT_FOUND, uri, "API key not found"));
        }
        Ok(())
    }
}

fn insert_key(keys: &mut Vec<FakeSesterceKey>, name: &str, public_key: &str) -> String {
    let id = mongo_id();
    let now = now_iso();
    let is_default = !keys.iter().any(|key| key.is_default);
    keys.push(FakeSesterceKey {
        id: id.clone(),
        name: name.to_string(),
        public_key: public_key.to_string(),
        is_default,
        created_at: now.clone(),
        updated_at: now,
    });
    id
}

fn set_default(keys: &mut [FakeSesterceKey], id: &str) {
    let now = now_iso();
    for key in keys.iter_mut() {
        let should = key.id == id;
        if key.is_default != should {
            key.is_default = should;
            key.updated_at = now.clone();
        }
    }
}

/// 24 lowercase hex digits, like a MongoDB ObjectId.
fn mongo_id() -> String {
    let mut rng = rand::thread_rng();
    (0..24)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// Now as ISO 8601 with milliseconds and `Z`, as JavaScript's `toISOString`.
fn now_iso() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    crate::clock::now_utc()
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

/// An error answer, kept small (status and JSON) until axum renders it.
struct Reject {
    status: StatusCode,
    body: Value,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        json_response(self.status, self.body)
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// The guard error shape: `{statusCode, timestamp, path, message}`.
fn guard_error(status: StatusCode, uri: &Uri, message: &str) -> Reject {
    Reject {
        status,
        body: json!({
            "statusCode": status.as_u16(),
            "timestamp": now_iso(),
            "path": uri.path(),
            "message": message,
        }),
    }
}

/// The validation error shape: `{statusCode, message, error}`.
fn bad_request(message: Value) -> Reject {
    Reject {
        status: StatusCode::BAD_REQUEST,
        body: json!({"statusCode": 400, "message": message, "error": "Bad Request"}),
    }
}

fn not_found() -> Reject {
    Reject {
        status: StatusCode::NOT_FOUND,
        body: json!({"statusCode": 404, "message": "Not found"}),
    }
}

async fn unknown_route(method: Method, uri: Uri) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({
            "statusCode": 404,
            "message": format!("Cannot {method} {}", uri.path()),
            "error": "Not Found",
        }),
    )
}

async fn list_keys(
    State(fake): State<SesterceFake>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Reject> {
    fake.authorize(&headers, &uri)?;
    let keys: Vec<Value> = fake
        .lock()
        .keys
        .iter()
        .map(FakeSesterceKey::to_json)
        .collect();
    Ok(json_response(StatusCode::OK, Value::Array(keys)))
}

async fn create_key(
    State(fake): State<SesterceFake>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Response, Reject> {
    fake.authorize(&headers, &uri)?;
    // Express only parses JSON bodies; anything else arrives as `{}`.
    let is_json = super::wire::media_type(&headers) == "application/json";
    let parsed = if is_json && !body.is_empty() {
        match serde_json::from_slice::<Value>(&body) {
            Ok(value) => value,
            Err(err) => {
                return Err(bad_request(Value::String(format!(
                    "Unexpected token in JSON at line {} column {}",
                    err.line(),
                    err.column()
                ))));
            }
        }
    } else {
        json!({})
    };
    let name = parsed.get("name").and_then(Value::as_str);
    let public_key = parsed.get("publicKey").and_then(Value::as_str);
    // NestJS's ValidationPipe with `forbidNonWhitelisted`: a field the DTO
    // does not declare is an error, not silently dropped.
    let mut problems: Vec<String> = parsed
        .as_object()
        .into_iter()
        .flat_map(|object| object.keys())
        .filter(|field| !matches!(field.as_str(), "name" | "publicKey"))
        .map(|field| format!("property {field} should not exist"))
        .collect();
    match name {
        None => problems.push("name must be a string".into()),
        Some(text) if text.trim().is_empty() => problems.push("name should not be empty".into()),
        Some(_) => {}
    }
    match public_key {
        None => problems.push("publicKey must be a string".into()),
        Some(text) if text.trim().is_empty() => {
            problems.push("publicKey should not be empty".into())
        }
        Some(_) => {}
    }
    let (Some(name), Some(public_key), true) = (name, public_key, problems.is_empty()) else {
        return Err(bad_request(json!(problems)));
    };
    let Ok(parsed_key) = keytext::read(public_key) else {
        return Err(bad_request(Value::String("Invalid public key".into())));
    };
    let mut state = fake.lock();
    let id = insert_key(&mut state.keys, name, &parsed_key.line());
    let created = state
        .keys
        .iter()
        .find(|key| key.id == id)
        .map(FakeSesterceKey::to_json)
        .unwrap_or(Value::Null);
    Ok(json_response(StatusCode::CREATED, created))
}

async fn make_default(
    State(fake): State<SesterceFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Reject> {
    fake.authorize(&headers, &uri)?;
    let mut state = fake.lock();
    if !state.keys.iter().any(|key| key.id == id) {
        return Err(not_found());
    }
    set_default(&mut state.keys, &id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_key(
    State(fake): State<SesterceFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Reject> {
    fake.authorize(&headers, &uri)?;
    let mut state = fake.lock();
    let Some(index) = state.keys.iter().position(|key| key.id == id) else {
        return Err(not_found());
    };
    let removed = state.keys.remove(index);
    // Exactly one default must remain: the oldest key inherits it.
    if removed.is_default
        && let Some(oldest) = state.keys.first().map(|key| key.id.clone())
    {
        set_default(&mut state.keys, &oldest);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
