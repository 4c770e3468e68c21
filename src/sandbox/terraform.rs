//! A strict fake of the HCP Terraform / TFE SSH key API under `/api/v2`.
//!
//! Like the real service it requires a Bearer token (401 otherwise),
//! answers 404 (not 403) for anything the token may not touch, refuses
//! organization tokens on every SSH key endpoint, requires the JSON:API
//! media type on writes, validates bodies with JSON:API error objects
//! (`source.pointer`), pages with `page[number]`/`page[size]`, and never
//! returns the stored private key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::{Value, json};

#[cfg(feature = "sandbox-faults")]
use super::faults::Faults;

/// The JSON:API media type.
const JSON_API: &str = "application/vnd.api+json";

/// The page size TFE uses when only `page[number]` is given.
const DEFAULT_PAGE_SIZE: usize = 20;

/// The largest page TFE serves; bigger requests are clamped.
const MAX_PAGE_SIZE: usize = 100;

/// One stored key. The value is the private key as uploaded.
#[derive(Clone)]
struct StoredKey {
    id: String,
    organization: String,
    name: String,
    value: String,
}

/// One workspace and the SSH key it clones modules with.
#[derive(Clone)]
struct StoredWorkspace {
    id: String,
    organization: String,
    name: String,
    ssh_key_id: Option<String>,
}

struct TerraformState {
    user_token: String,
    organization_token: String,
    organizations: Vec<String>,
    /// In creation order.
    keys: Vec<StoredKey>,
    /// In creation order.
    workspaces: Vec<StoredWorkspace>,
}

/// Who a valid token belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caller {
    User,
    Organization,
}

/// The fake HCP Terraform server's state; clones share it.
#[derive(Clone)]
pub struct TerraformFake {
    state: Arc<Mutex<TerraformState>>,
    #[cfg(feature = "sandbox-faults")]
    faults: Faults,
}

impl Default for TerraformFake {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TerraformFake {
    // Never prints stored values: they are private keys.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("TerraformFake")
            .field("organizations", &state.organizations)
            .field("keys", &state.keys.len())
            .finish()
    }
}

impl TerraformFake {
    /// Every key of every organization, by `organization/id`: its name and
    /// a digest of its private key (bystander checks; the key itself stays
    /// out of assertion messages).
    pub fn snapshot(&self) -> super::KeySet {
        use sha2::Digest as _;
        self.lock()
            .keys
            .iter()
            .map(|key| {
                let digest = sha2::Sha256::digest(key.value.as_bytes());
                let digest: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
                (
                    format!("{}/{}", key.organization, key.id),
                    format!("name={:?} value-sha256={digest}", key.name),
                )
            })
            .collect()
    }

    /// Organizations "acme-infra" and "acme-modules", no keys; accepts the
    /// user token [`super::TERRAFORM_TOKEN`] and the organization token
    /// [`super::TERRAFORM_ORG_TOKEN`] (which the SSH key endpoints refuse).
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(TerraformState {
                user_token: super::TERRAFORM_TOKEN.to_string(),
                organization_token: super::TERRAFORM_ORG_TOKEN.to_string(),
                organizations: vec!["acme-infra".to_string(), "acme-modules".to_string()],
                keys: Vec::new(),
                workspaces: Vec::new(),
            })),
            #[cfg(feature = "sandbox-faults")]
            faults: Faults::default(),
        }
    }

    /// Three keys in acme-infra and one in acme-modules, holding real
    /// private keys generated once per process (an RSA PKCS#1 PEM key, as
    /// Terraform's docs ask for, and OpenSSH-format Ed25519/ECDSA keys);
    /// five acme-infra workspaces, four of them using a key.
    pub fn seed_demo(&self) {
        let keys = demo_private_keys();
        let registry = self.add_key("acme-infra", "module-registry-deploy", &keys.rsa_pem);
        let submodules = self.add_key("acme-infra", "github-submodules", &keys.ed25519);
        self.add_key("acme-infra", "bitbucket-server", &keys.ecdsa);
        self.add_key("acme-modules", "vcs-clone", &keys.ed25519_second);
        // Workspaces, so "Used by" and a rotation's moves show in the demo.
        for name in ["network", "dns", "databases"] {
            self.add_workspace("acme-infra", name, Some(&registry));
        }
        self.add_workspace("acme-infra", "ci-runners", Some(&submodules));
        self.add_workspace("acme-infra", "sandbox", None);
    }

    /// The fault injection handle of this fake.
    #[cfg(feature = "sandbox-faults")]
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }

    /// The HTTP routes under `/api/v2`, with fault injection on every request.
    pub fn router(&self) -> Router {
        let routes = Router::new()
            .route("/api/v2/organizations", get(list_organizations))
            .route(
                "/api/v2/organizations/{org}/ssh-keys",
                get(list_keys).post(create_key),
            )
            .route(
                "/api/v2/ssh-keys/{id}",
                get(show_key).patch(update_key).delete(delete_key),
            )
            .route(
                "/api/v2/organizations/{org}/workspaces",
                get(list_workspaces),
            )
            .route(
                "/api/v2/workspaces/{id}/relationships/ssh-key",
                axum::routing::patch(assign_ssh_key),
            )
            .fallback(unknown_route)
            .method_not_allowed_fallback(method_not_allowed)
            .with_state(self.clone());
        #[cfg(feature = "sandbox-faults")]
        let routes = super::faults::layer(routes, &self.faults);
        routes
    }

    /// Adds an organization (to test paging of the organization list).
    pub fn add_organization(&self, name: &str) {
        let mut state = self.lock();
        if !state.organizations.iter().any(|org| org == name) {
            state.organizations.push(name.to_string());
        }
    }

    /// The private key stored for `id`, exactly as uploaded (tests check
    /// that it reached the server; the API itself never returns it).
    pub fn stored_value(&self, id: &str) -> Option<String> {
        self.lock()
            .keys
            .iter()
            .find(|key| key.id == id)
            .map(|key| key.value.clone())
    }

    /// `(id, name)` of every key of `organization`, oldest first.
    pub fn keys(&self, organization: &str) -> Vec<(String, String)> {
        self.lock()
            .keys
            .iter()
            .filter(|key| key.organization == organization)
            .map(|key| (key.id.clone(), key.name.clone()))
            .collect()
    }

    /// Stores a key directly (no validation; the organization is created if
    /// missing); returns its id.
    pub fn add_key(&self, organization: &str, name: &str, value: &str) -> String {
        self.add_organization(organization);
        let mut state = self.lock();
        insert_key(&mut state.keys, organization, name, value)
    }

    /// Adds a workspace to `organization` (created if missing) using
    /// `ssh_key_id`, unchecked; returns its id (`ws-…`).
    pub fn add_workspace(
        &self,
        organization: &str,
        name: &str,
        ssh_key_id: Option<&str>,
    ) -> String {
        self.add_organization(organization);
        let id = format!("ws-{}", random_suffix());
        self.lock().workspaces.push(StoredWorkspace {
            id: id.clone(),
            organization: organization.to_string(),
            name: name.to_string(),
            ssh_key_id: ssh_key_id.map(str::to_string),
        });
        id
    }

    /// `(name, ssh key id)` of every workspace of `organization`, oldest first.
    pub fn workspaces(&self, organization: &str) -> Vec<(String, Option<String>)> {
        self.lock()
            .workspaces
            .iter()
            .filter(|workspace| workspace.organization == organization)
            .map(|workspace| (workspace.name.clone(), workspace.ssh_key_id.clone()))
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, TerraformState> {
        super::wire::lock(&self.state)
    }

    /// Checks the Bearer token: 401 when missing or unknown.
    fn authorize(&self, headers: &HeaderMap) -> Result<Caller, Reject> {
        let token = super::wire::bearer(headers)
            .map(str::trim)
            .unwrap_or_default();
        let state = self.lock();
        if !token.is_empty() && token == state.user_token {
            Ok(Caller::User)
        } else if !token.is_empty() && token == state.organization_token {
            Ok(Caller::Organization)
        } else {
            Err(error_response(
                StatusCode::UNAUTHORIZED,
                vec![error_object("401", "unauthorized", None, None)],
            ))
        }
    }

    /// Authorization for SSH key endpoints: user tokens only; organization
    /// tokens get the same 404 as a missing object, as on the real service.
    fn authorize_key_access(&self, headers: &HeaderMap) -> Result<(), Reject> {
        match self.authorize(headers)? {
            Caller::User => Ok(()),
            Caller::Organization => Err(not_found()),
        }
    }
}

fn insert_key(keys: &mut Vec<StoredKey>, organization: &str, name: &str, value: &str) -> String {
    let id = key_id();
    keys.push(StoredKey {
        id: id.clone(),
        organization: organization.to_string(),
        name: name.to_string(),
        value: value.to_string(),
    });
    id
}

/// `sshkey-` and 16 alphanumerics, like the real ids.
fn key_id() -> String {
    format!("sshkey-{}", random_suffix())
}

/// 16 alphanumerics, the tail of the real ids.
fn random_suffix() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

struct DemoKeys {
    rsa_pem: String,
    ed25519: String,
    ecdsa: String,
    ed25519_second: String,
}

/// Demo private keys, generated once per process (RSA generation takes a
/// moment, and UI tests start many demo sandboxes).
fn demo_private_keys() -> &'static DemoKeys {
    static KEYS: OnceLock<DemoKeys> = OnceLock::new();
    KEYS.get_or_init(|| DemoKeys {
        rsa_pem: generate_rsa_pem(),
        ed25519: generate_openssh(ssh_key::Algorithm::Ed25519),
        ecdsa: generate_openssh(ssh_key::Algorithm::Ecdsa {
            curve: ssh_key::EcdsaCurve::NistP256,
        }),
        ed25519_second: generate_openssh(ssh_key::Algorithm::Ed25519),
    })
}

/// Stands in for a key whose generation failed; the fake only stores
/// values, so it still looks like a private key to the validation.
const UNAVAILABLE_KEY: &str =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nunavailable\n-----END OPENSSH PRIVATE KEY-----\n";

fn generate_rsa_pem() -> String {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
        .ok()
        .and_then(|key| key.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).ok())
        .map(|pem| pem.to_string())
        .unwrap_or_else(|| UNAVAILABLE_KEY.to_string())
}

fn generate_openssh(algorithm: ssh_key::Algorithm) -> String {
    ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, algorithm)
        .ok()
        .and_then(|key| key.to_openssh(ssh_key::LineEnding::LF).ok())
        .map(|text| text.to_string())
        .unwrap_or_else(|| UNAVAILABLE_KEY.to_string())
}

fn json_api(status: StatusCode, body: Value) -> Response {
    (status, [("content-type", JSON_API)], body.to_string()).into_response()
}

fn error_object(status: &str, title: &str, detail: Option<&str>, pointer: Option<&str>) -> Value {
    let mut object = json!({"status": status, "title": title});
    if let Some(detail) = detail {
        object["detail"] = json!(detail);
    }
    if let Some(pointer) = pointer {
        object["source"] = json!({"pointer": pointer});
    }
    object
}

/// An error answer, kept small (status and error objects) until axum
/// renders it.
struct Reject {
    status: StatusCode,
    errors: Vec<Value>,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        json_api(self.status, json!({"errors": self.errors}))
    }
}

fn error_response(status: StatusCode, errors: Vec<Value>) -> Reject {
    Reject { status, errors }
}

fn not_found() -> Reject {
    error_response(
        StatusCode::NOT_FOUND,
        vec![error_object("404", "not found", None, None)],
    )
}

fn invalid(problems: Vec<(&str, &str)>) -> Reject {
    error_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        problems
            .into_iter()
            .map(|(pointer, detail)| {
                error_object("422", "invalid attribute", Some(detail), Some(pointer))
            })
            .collect(),
    )
}

/// 422 for any attribute an SSH key does not have (the documented ones are
/// `name` and `value`): a client sending, say, `public-key` believing it
/// changes something must hear that it does not.
fn refuse_unknown_attributes(attributes: &Value) -> Result<(), Reject> {
    let Some(attributes) = attributes.as_object() else {
        return Ok(());
    };
    let unknown: Vec<(String, String)> = attributes
        .keys()
        .filter(|name| !matches!(name.as_str(), "name" | "value"))
        .map(|name| {
            (
                format!("/data/attributes/{name}"),
                format!("Unknown attribute: {name}"),
            )
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(invalid(
        unknown
            .iter()
            .map(|(pointer, detail)| (pointer.as_str(), detail.as_str()))
            .collect(),
    ))
}

async fn unknown_route() -> Reject {
    not_found()
}

async fn method_not_allowed() -> Reject {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        vec![error_object("405", "method not allowed", None, None)],
    )
}

fn key_json(key: &StoredKey) -> Value {
    json!({
        "id": key.id,
        "type": "ssh-keys",
        "attributes": {"name": key.name},
        "links": {"self": format!("/api/v2/ssh-keys/{}", key.id)},
    })
}

fn workspace_json(workspace: &StoredWorkspace) -> Value {
    let ssh_key = match &workspace.ssh_key_id {
        Some(id) => json!({"id": id, "type": "ssh-keys"}),
        None => Value::Null,
    };
    json!({
        "id": workspace.id,
        "type": "workspaces",
        "attributes": {"name": workspace.name},
        "relationships": {"ssh-key": {"data": ssh_key}},
        "links": {"self": format!("/api/v2/organizations/{}/workspaces/{}", workspace.organization, workspace.name)},
    })
}

fn organization_json(name: &str) -> Value {
    json!({
        "id": name,
        "type": "organizations",
        "attributes": {"name": name, "email": format!("owners@{name}.example")},
        "links": {"self": format!("/api/v2/organizations/{name}")},
    })
}

/// Applies `page[number]`/`page[size]`: without either, everything comes
/// back on one page; otherwise TFE's defaults (page 1, 20 per page, at most
/// 100) apply. Bad numbers are a 400.
fn paginate(items: Vec<Value>, query: &HashMap<String, String>) -> Result<Value, Reject> {
    let total = items.len();
    let size_param = query.get("page[size]");
    let number_param = query.get("page[number]");
    let (size, number) = if size_param.is_none() && number_param.is_none() {
        (total.max(1), 1)
    } else {
        let parse = |value: Option<&String>, default: usize, name: &str| match value {
            None => Ok(default),
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(error_response(
                    StatusCode::BAD_REQUEST,
                    vec![error_object(
                        "400",
                        "bad request",
                        Some(&format!("{name} must be a positive integer")),
                        None,
                    )],
                )),
            },
        };
        let size = parse(size_param, DEFAULT_PAGE_SIZE, "page[size]")?.min(MAX_PAGE_SIZE);
        let number = parse(number_param, 1, "page[number]")?;
        (size, number)
    };
    let total_pages = total.div_ceil(size).max(1);
    let start = (number - 1).saturating_mul(size);
    let data: Vec<Value> = items.into_iter().skip(start).take(size).collect();
    Ok(json!({
        "data": data,
        "meta": {"pagination": {
            "current-page": number,
            "page-size": size,
            "prev-page": if number > 1 { json!(number - 1) } else { Value::Null },
            "next-page": if number < total_pages { json!(number + 1) } else { Value::Null },
            "total-pages": total_pages,
            "total-count": total,
        }},
    }))
}

/// Writes must be JSON:API; 415 otherwise.
fn check_media_type(headers: &HeaderMap) -> Result<(), Reject> {
    if super::wire::media_type(headers) == JSON_API {
        Ok(())
    } else {
        Err(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            vec![error_object(
                "415",
                "unsupported media type",
                Some("Content-Type must be application/vnd.api+json"),
                None,
            )],
        ))
    }
}

/// Parses the body and returns `data` (an object), or the JSON:API error.
fn parse_data(body: &[u8]) -> Result<serde_json::Map<String, Value>, Reject> {
    let document: Value = serde_json::from_slice(body).map_err(|_| {
        error_response(
            StatusCode::BAD_REQUEST,
            vec![error_object(
                "400",
                "bad request",
                Some("The request body is not valid JSON"),
                None,
            )],
        )
    })?;
    match document.get("data") {
        Some(Value::Object(data)) => Ok(data.clone()),
        _ => Err(invalid(vec![("/data", "data must be an object")])),
    }
}

/// A private key in any of the usual armours (PKCS#1, PKCS#8, SEC1, OpenSSH).
fn looks_like_private_key(value: &str) -> bool {
    value.contains("PRIVATE KEY-----")
}

async fn list_organizations(
    State(fake): State<TerraformFake>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Reject> {
    fake.authorize(&headers)?;
    let items: Vec<Value> = fake
        .lock()
        .organizations
        .iter()
        .map(|name| organization_json(name))
        .collect();
    Ok(json_api(StatusCode::OK, paginate(items, &query)?))
}

async fn list_keys(
    State(fake): State<TerraformFake>,
    Path(org): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Reject> {
    fake.authorize_key_access(&headers)?;
    let items: Vec<Value> = {
        let state = fake.lock();
        if !state.organizations.contains(&org) {
            return Err(not_found());
        }
        state
            .keys
            .iter()
            .filter(|key| key.organization == org)
            .map(key_json)
            .collect()
    };
    Ok(json_api(StatusCode::OK, paginate(items, &query)?))
}

async fn create_key(
    State(fake): State<TerraformFake>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    fake.authorize_key_access(&headers)?;
    if !fake.lock().organizations.contains(&org) {
        return Err(not_found());
    }
    check_media_type(&headers)?;
    let data = parse_data(&body)?;
    if data.get("type").and_then(Value::as_str) != Some("ssh-keys") {
        return Err(invalid(vec![("/data/type", "type must be \"ssh-keys\"")]));
    }
    let attributes = data.get("attributes").cloned().unwrap_or(Value::Null);
    refuse_unknown_attributes(&attributes)?;
    let name = attributes.get("name").and_then(Value::as_str);
    let value = attributes.get("value").and_then(Value::as_str);
    let mut problems = Vec::new();
    if name.is_none_or(|name| name.trim().is_empty()) {
        problems.push(("/data/attributes/name", "Name can't be blank"));
    }
    match value {
        None => problems.push(("/data/attributes/value", "Value can't be blank")),
        Some(text) if text.trim().is_empty() => {
            problems.push(("/data/attributes/value", "Value can't be blank"));
        }
        Some(text) if !looks_like_private_key(text) => {
            problems.push(("/data/attributes/value", "Value is not a valid private key"));
        }
        Some(_) => {}
    }
    let (Some(name), Some(value), true) = (name, value, problems.is_empty()) else {
        return Err(invalid(problems));
    };
    let mut state = fake.lock();
    let id = insert_key(&mut state.keys, &org, name, value);
    let created = state
        .keys
        .iter()
        .find(|key| key.id == id)
        .map(key_json)
        .unwrap_or(Value::Null);
    Ok(json_api(StatusCode::CREATED, json!({"data": created})))
}

async fn show_key(
    State(fake): State<TerraformFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    fake.authorize_key_access(&headers)?;
    let state = fake.lock();
    match state.keys.iter().find(|key| key.id == id) {
        Some(key) => Ok(json_api(StatusCode::OK, json!({"data": key_json(key)}))),
        None => Err(not_found()),
    }
}

async fn update_key(
    State(fake): State<TerraformFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    fake.authorize_key_access(&headers)?;
    if !fake.lock().keys.iter().any(|key| key.id == id) {
        return Err(not_found());
    }
    check_media_type(&headers)?;
    let data = parse_data(&body)?;
    // The documented sample update omits `type`; when present it must match.
    if let Some(kind) = data.get("type")
        && kind.as_str() != Some("ssh-keys")
    {
        return Err(invalid(vec![("/data/type", "type must be \"ssh-keys\"")]));
    }
    let attributes = data.get("attributes").cloned().unwrap_or(Value::Null);
    refuse_unknown_attributes(&attributes)?;
    let name = attributes.get("name");
    let value = attributes.get("value");
    let mut problems = Vec::new();
    if let Some(name) = name
        && name.as_str().is_none_or(|name| name.trim().is_empty())
    {
        problems.push(("/data/attributes/name", "Name can't be blank"));
    }
    if let Some(value) = value {
        match value.as_str() {
            Some(text) if looks_like_private_key(text) => {}
            Some(text) if !text.trim().is_empty() => {
                problems.push(("/data/attributes/value", "Value is not a valid private key"));
            }
            _ => problems.push(("/data/attributes/value", "Value can't be blank")),
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let mut state = fake.lock();
    let Some(key) = state.keys.iter_mut().find(|key| key.id == id) else {
        return Err(not_found());
    };
    if let Some(name) = name.and_then(Value::as_str) {
        key.name = name.to_string();
    }
    if let Some(value) = value.and_then(Value::as_str) {
        key.value = value.to_string();
    }
    Ok(json_api(StatusCode::OK, json!({"data": key_json(key)})))
}

async fn delete_key(
    State(fake): State<TerraformFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    fake.authorize_key_access(&headers)?;
    let mut state = fake.lock();
    let Some(index) = state.keys.iter().position(|key| key.id == id) else {
        return Err(not_found());
    };
    state.keys.remove(index);
    // As on the real service, workspaces using the key are left without one.
    for workspace in &mut state.workspaces {
        if workspace.ssh_key_id.as_deref() == Some(id.as_str()) {
            workspace.ssh_key_id = None;
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_workspaces(
    State(fake): State<TerraformFake>,
    Path(org): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Reject> {
    fake.authorize(&headers)?;
    let items: Vec<Value> = {
        let state = fake.lock();
        if !state.organizations.contains(&org) {
            return Err(not_found());
        }
        state
            .workspaces
            .iter()
            .filter(|workspace| workspace.organization == org)
            .map(workspace_json)
            .collect()
    };
    Ok(json_api(StatusCode::OK, paginate(items, &query)?))
}

/// `PATCH /workspaces/:id/relationships/ssh-key`: `attributes.id` is a key
/// of the workspace's organization, or `null` to unassign; a key of another
/// organization (or none at all) is a 422, as on the real service.
async fn assign_ssh_key(
    State(fake): State<TerraformFake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    fake.authorize_key_access(&headers)?;
    if !fake
        .lock()
        .workspaces
        .iter()
        .any(|workspace| workspace.id == id)
    {
        return Err(not_found());
    }
    check_media_type(&headers)?;
    let data = parse_data(&body)?;
    if data.get("type").and_then(Value::as_str) != Some("workspaces") {
        return Err(invalid(vec![("/data/type", "type must be \"workspaces\"")]));
    }
    let key_id = match data
        .get("attributes")
        .and_then(|attributes| attributes.get("id"))
    {
        Some(Value::Null) => None,
        Some(Value::String(key_id)) => Some(key_id.clone()),
        _ => {
            return Err(invalid(vec![(
                "/data/attributes/id",
                "id must be an SSH key id or null",
            )]));
        }
    };
    let mut state = fake.lock();
    let Some(organization) = state
        .workspaces
        .iter()
        .find(|workspace| workspace.id == id)
        .map(|workspace| workspace.organization.clone())
    else {
        return Err(not_found());
    };
    if let Some(key_id) = &key_id
        && !state
            .keys
            .iter()
            .any(|key| &key.id == key_id && key.organization == organization)
    {
        return Err(invalid(vec![(
            "/data/attributes/id",
            "SSH key must belong to the workspace's organization",
        )]));
    }
    let Some(workspace) = state
        .workspaces
        .iter_mut()
        .find(|workspace| workspace.id == id)
    else {
        return Err(not_found());
    };
    workspace.ssh_key_id = key_id;
    Ok(json_api(
        StatusCode::OK,
        json!({"data": workspace_json(workspace)}),
    ))
}
