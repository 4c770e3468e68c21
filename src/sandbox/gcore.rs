//! A strict fake of Gcore's Cloud API for SSH keys: project SSH keys, legacy
//! regional keypairs, and the project and region pickers.
//!
//! It checks what the real API checks (the `APIKey` header, JSON content
//! type, body fields, the seed's name pattern, paging limits), pages like it
//! (10 results unless `limit` says otherwise, at most 1000) and answers with
//! Gcore's error shape `{"exception_class", "message", "request_id",
//! "invalid_fields"?}`, so a client that works against it has a good chance
//! of working against the real service.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use regex::Regex;
use serde_json::{Map, Value, json};
use ssh_key::rand_core::{OsRng, RngCore};

use super::GCORE_TOKEN;
#[cfg(feature = "sandbox-faults")]
use super::faults::Faults;
use super::keytext::{self, Family};

/// Page size when a list request gives no `limit` (as the real API).
const DEFAULT_LIMIT: usize = 10;
/// Largest `limit` the real API accepts.
const MAX_LIMIT: usize = 1000;
/// The name pattern from Gcore's OpenAPI seed, applied verbatim.
const NAME_PATTERN: &str = r"^[a-zA-Z0-9][a-zA-Z 0-9._\-]{1,61}[a-zA-Z0-9._]$";

static NAME_REGEX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(NAME_PATTERN).expect("the seed's name pattern is a valid regex"));

/// A key or keypair as the fake stores it (what tests can inspect).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeKey {
    /// The key's id (a uuid4-looking string).
    pub id: String,
    /// The key's name.
    pub name: String,
    /// The stored OpenSSH public key line.
    pub public_key: String,
    /// MD5 colon hex fingerprint, as Gcore reports it.
    pub fingerprint: String,
    /// Shared with all users of the project.
    pub shared_in_project: bool,
    /// `ACTIVE` or `DELETING`.
    pub state: String,
    /// Creation time as the fake reports it.
    pub created_at: String,
}

#[derive(Clone)]
struct StoredKey {
    // Insertion order breaks ties between equal creation times.
    seq: u64,
    project_id: u64,
    // `None` for project SSH keys, `Some` for legacy regional keypairs.
    region_id: Option<u64>,
    key: FakeKey,
}

struct Project {
    id: u64,
    name: String,
    is_default: bool,
}

struct Region {
    id: u64,
    display_name: String,
    slug: String,
    country: String,
}

struct FakeState {
    token: String,
    projects: Vec<Project>,
    regions: Vec<Region>,
    keys: Vec<StoredKey>,
    next_seq: u64,
    /// How many private keys were generated, which picks the next layout.
    generated: usize,
    /// Exact `private_key` text for the next generated key (a test of a key
    /// the client cannot read).
    next_private_key: Option<String>,
}

/// Layouts the fake writes generated private keys in, in turn: OpenSSH
/// reads them all (Python's `cryptography` writes 76 columns), so a client
/// that only reads ssh-key's own 70 columns fails here first. CRLF is left
/// out: OpenSSH refuses it in an OpenSSH-format key, so no server can send it.
const PRIVATE_KEY_LAYOUTS: [(Option<usize>, &str); 4] = [
    (Some(76), "\n"),
    (Some(64), "\n"),
    (Some(70), "\n"),
    (None, "\n"),
];

impl FakeState {
    fn project_exists(&self, id: u64) -> bool {
        self.projects.iter().any(|project| project.id == id)
    }

    fn region_exists(&self, id: u64) -> bool {
        self.regions.iter().any(|region| region.id == id)
    }

    fn insert(
        &mut self,
        project_id: u64,
        region_id: Option<u64>,
        name: &str,
        public_key: &str,
        shared: bool,
        created_at: String,
    ) -> FakeKey {
        let fingerprint = keytext::read(public_key)
            .map(|parsed| parsed.md5())
            .unwrap_or_default();
        let key = FakeKey {
            id: uuid4(),
            name: name.to_string(),
            public_key: public_key.trim().to_string(),
            fingerprint,
            shared_in_project: shared,
            state: "ACTIVE".to_string(),
            created_at,
        };
        self.next_seq += 1;
        self.keys.push(StoredKey {
            seq: self.next_seq,
            project_id,
            region_id,
            key: key.clone(),
        });
        key
    }

    fn scoped(&self, project_id: u64, region_id: Option<u64>) -> impl Iterator<Item = &StoredKey> {
        self.keys
            .iter()
            .filter(move |stored| stored.project_id == project_id && stored.region_id == region_id)
    }

    fn find_mut(
        &mut self,
        project_id: u64,
        region_id: Option<u64>,
        id: &str,
    ) -> Option<&mut StoredKey> {
        self.keys.iter_mut().find(|stored| {
            stored.project_id == project_id && stored.region_id == region_id && stored.key.id == id
        })
    }
}

/// The Gcore fake: its state and fault injection. Clones share both.
#[derive(Clone)]
pub struct GcoreFake {
    state: Arc<Mutex<FakeState>>,
    #[cfg(feature = "sandbox-faults")]
    faults: Faults,
}

impl Default for GcoreFake {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for GcoreFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out of Debug output, like every other secret.
        f.write_str("GcoreFake")
    }
}

impl GcoreFake {
    /// Every key and keypair of every project and region, by
    /// `project/region/id`, with all it stores (bystander checks).
    pub fn snapshot(&self) -> super::KeySet {
        self.lock()
            .keys
            .iter()
            .map(|stored| {
                let region = stored
                    .region_id
                    .map(|id| id.to_string())
                    .unwrap_or_default();
                (
                    format!("{}/{region}/{}", stored.project_id, stored.key.id),
                    format!("{:?}", stored.key),
                )
            })
            .collect()
    }

    /// An empty fake accepting [`GCORE_TOKEN`]: projects 1 "Default" and
    /// 2 "GPU training", a handful of regions, and no keys.
    pub fn new() -> Self {
        let projects = vec![
            Project {
                id: 1,
                name: "Default".into(),
                is_default: true,
            },
            Project {
                id: 2,
                name: "GPU training".into(),
                is_default: false,
            },
        ];
        let regions = [
            (76, "Luxembourg-2", "luxembourg-2", "LU"),
            (38, "Frankfurt", "frankfurt", "DE"),
            (8, "Amsterdam", "amsterdam", "NL"),
            (116, "Singapore", "singapore-2", "SG"),
        ]
        .into_iter()
        .map(|(id, display_name, slug, country)| Region {
            id,
            display_name: display_name.into(),
            slug: slug.into(),
            country: country.into(),
        })
        .collect();
        Self {
            state: Arc::new(Mutex::new(FakeState {
                token: GCORE_TOKEN.to_string(),
                projects,
                regions,
                keys: Vec::new(),
                next_seq: 0,
                generated: 0,
                next_private_key: None,
            })),
            #[cfg(feature = "sandbox-faults")]
            faults: Faults::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        super::wire::lock(&self.state)
    }

    /// Fills the fake with a realistic set of keys for `--demo`: eight keys
    /// of mixed types in project 1 (some unshared, one being deleted), two in
    /// project 2, and legacy keypairs in Luxembourg-2 and Frankfurt.
    pub fn seed_demo(&self) {
        let mut state = self.lock();
        for (project_id, name, public_key, shared, days_ago) in demo_project_keys() {
            let key = state.insert(
                project_id,
                None,
                name,
                &public_key,
                shared,
                timestamp(days_ago, true),
            );
            if name == "old-jenkins" {
                // Shows how a key being deleted lists (state DELETING).
                if let Some(stored) = state.find_mut(project_id, None, &key.id) {
                    stored.key.state = "DELETING".into();
                }
            }
        }
        for (region_id, name, public_key, days_ago) in demo_keypairs() {
            state.insert(
                1,
                Some(region_id),
                name,
                &public_key,
                true,
                timestamp(days_ago, false),
            );
        }
    }

    /// The fault injection handle (also counts requests).
    #[cfg(feature = "sandbox-faults")]
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }

    /// The axum router serving the fake API, with fault injection and the
    /// token check in front of every route.
    pub fn router(&self) -> Router {
        let routes = Router::new()
            .route("/cloud/v1/projects", get(list_projects))
            .route("/cloud/v1/projects/{project_id}", get(get_project))
            .route("/cloud/v1/regions", get(list_regions))
            .route("/cloud/v1/regions/{region_id}", get(get_region))
            .route(
                "/cloud/v1/ssh_keys/{project_id}",
                get(list_ssh_keys).post(create_ssh_key),
            )
            .route(
                "/cloud/v1/ssh_keys/{project_id}/{ssh_key_id}",
                get(get_ssh_key).patch(share_ssh_key).delete(delete_ssh_key),
            )
            .route(
                "/cloud/v1/keypairs/{project_id}/{region_id}",
                get(list_keypairs).post(create_keypair),
            )
            .route(
                "/cloud/v1/keypairs/{project_id}/{region_id}/{keypair_id}",
                get(get_keypair).delete(delete_keypair),
            )
            .route(
                "/cloud/v1/keypairs/{project_id}/{region_id}/{keypair_id}/share",
                patch(share_keypair),
            )
            .fallback(unknown_route)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(from_fn_with_state(self.clone(), require_token))
            .with_state(self.clone());
        #[cfg(feature = "sandbox-faults")]
        let routes = super::faults::layer(routes, &self.faults);
        routes
    }

    /// The next server-generated key answers with exactly `private_key` as
    /// its `private_key` field (for example damaged text), once.
    pub fn answer_next_private_key_with(&self, private_key: &str) {
        self.lock().next_private_key = Some(private_key.to_string());
    }

    /// Changes the token the fake accepts (to test a revoked token).
    pub fn set_token(&self, token: &str) {
        self.lock().token = token.to_string();
    }

    /// Adds a project (for picker tests).
    pub fn add_project(&self, id: u64, name: &str) {
        let mut state = self.lock();
        if !state.project_exists(id) {
            state.projects.push(Project {
                id,
                name: name.to_string(),
                is_default: false,
            });
        }
    }

    /// Stores a project SSH key directly (no validation, so tests can also
    /// plant keys the API would refuse); returns its id.
    pub fn add_key(&self, project_id: u64, name: &str, public_key: &str, shared: bool) -> String {
        self.lock()
            .insert(
                project_id,
                None,
                name,
                public_key,
                shared,
                timestamp(0, true),
            )
            .id
    }

    /// Sets a stored key's (or keypair's) state, such as `DELETING`.
    /// Returns false when no key has this id.
    pub fn set_key_state(&self, id: &str, key_state: &str) -> bool {
        let mut state = self.lock();
        match state.keys.iter_mut().find(|stored| stored.key.id == id) {
            Some(stored) => {
                stored.key.state = key_state.to_string();
                true
            }
            None => false,
        }
    }

    /// Number of project SSH keys in `project_id`.
    pub fn key_count(&self, project_id: u64) -> usize {
        self.lock().scoped(project_id, None).count()
    }

    /// The project SSH keys of `project_id` as `(id, name, shared)`, in
    /// creation order.
    pub fn keys(&self, project_id: u64) -> Vec<(String, String, bool)> {
        self.key_details(project_id)
            .into_iter()
            .map(|key| (key.id, key.name, key.shared_in_project))
            .collect()
    }

    /// The project SSH keys of `project_id` with every stored field.
    pub fn key_details(&self, project_id: u64) -> Vec<FakeKey> {
        self.lock()
            .scoped(project_id, None)
            .map(|stored| stored.key.clone())
            .collect()
    }

    /// The stored public key of the key or keypair `id` in `project_id`.
    pub fn public_key(&self, project_id: u64, id: &str) -> Option<String> {
        self.lock()
            .keys
            .iter()
            .find(|stored| stored.project_id == project_id && stored.key.id == id)
            .map(|stored| stored.key.public_key.clone())
    }

    /// Stores a legacy keypair directly (no validation); returns its id.
    pub fn add_keypair(
        &self,
        project_id: u64,
        region_id: u64,
        name: &str,
        public_key: &str,
    ) -> String {
        self.lock()
            .insert(
                project_id,
                Some(region_id),
                name,
                public_key,
                true,
                timestamp(0, false),
            )
            .id
    }

    /// Number of legacy keypairs in `project_id` and `region_id`.
    pub fn keypair_count(&self, project_id: u64, region_id: u64) -> usize {
        self.lock().scoped(project_id, Some(region_id)).count()
    }

    /// The legacy keypairs of `project_id` in `region_id` as
    /// `(id, name, shared)`, in creation order.
    pub fn keypairs(&self, project_id: u64, region_id: u64) -> Vec<(String, String, bool)> {
        self.keypair_details(project_id, region_id)
            .into_iter()
            .map(|key| (key.id, key.name, key.shared_in_project))
            .collect()
    }

    /// The legacy keypairs of `project_id` in `region_id` with every stored field.
    pub fn keypair_details(&self, project_id: u64, region_id: u64) -> Vec<FakeKey> {
        self.lock()
            .scoped(project_id, Some(region_id))
            .map(|stored| stored.key.clone())
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Fixed RSA keys for the demo: generating RSA at start-up is slow, and these
// are ordinary public keys (their private halves were thrown away).

const RSA_2048: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDXiDz0+nR6Xp6QO7weAtIeeTvVDqk4L96CZdP0e5Y/1DP8N389W07g9T/QHkhrqjYZNHnzOlhKWFREnWIZzHdiOE3seythgFGJVtle/ExHf5G8q1fx8TYKeCFq7MQKtRjkBJlAxydJSSbyyCTLYqiawPdWH3IgWWnn7qm8sv+m8bIEW0X4EAvIfT4Mq13lbgyR8N6F1XmP4NmbWFGvhN/ITEzZ3yn8cNhEvevmLWvEtvYG3cYJ6YpTOKesX/IDAC25gf6PURduFiXJJY/CR30LUQRmeMyaAUibAG0Au7TkEBID4jySgfJ7XH+BcX4Z/atQwB1Ia2glkdee5eifjWK/ deploy@legacy";

const RSA_4096: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAACAQDSrj4J9lWCvyL3KmYp/7F9mHzR+sVxFvK5J6AmCaVwfm6yECO+QBJ8EpzKDTphaVjJb6DOSoYWPumPFiJL5IjAoNNXWhmwT3j95vaZmsaJ7DDLfk3DhFcUr92bL66cwc/Il/cO6IthlD+Bkn+dhmqgJKdx/g3YpX9eKKsykfgH8McVKyQcz027xFYhjrV20bGBFwvJBbVIw4qAVL+z76Hhhz71Hy7SfjU0f6YLGE31ZvV1tE4Z5MAX6jiPcLSgNemgUNBHPx2Kyc6aFW9Mu94txoW/hWmnd5p/ySGSNj7tPpaOh7Gss4EhDVYGo/eNNin99gyugiggJOv0F/iegPAMSF/lRkX3HklPTse9yh8TsQI4tPgB8cR38VsFA4JESk5douo/Psvz85o3NzAu6iaYmAao99o49LCd0I9tYXu+BA8pqOPXpKcIcZO3FQjr+/oIc1q4O0MpJj/vln3vBqyetkO1DEMzxcr+7mYOQDWTRXLERYdvNZmUnoey25trNSBsODuyA+o6TsTlVFqoB0A5gMcRdcrNFwn2ol4e22yoOeEgZeo4alRHjE+GnY3U7NJYFjy8QmRA6XNmdOx8YD5YaCOxLX5gVQtvk96AMFfAYjh2OK4bBVvujTr418tvMulYXf9F5ZwMYLUdSKhJ7lfWtJtLQ4mhKN372+fg8T8zJw== ml@trainer-2";

const RSA_3072: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQD8foyyvsw0mXvPeR8WuWD413343CwmCxQlvSJBX4f3qJgi5lH5epbo1rHPzIlvZNTgxcudnLCtH9pw60n9Mr3sfy2kr7bkqU8/Dv2v5sCtAEPatO4o+iBYKwdLf12YfIh8BsR+FcCnE9ZPNAuT4I45vSN6JERA/W2A4D/CK2Ow0XjBIr741ir4UgUsnLGsNnDa52dR01tCOdlPTU7+CNEoI9/T48ZihIqr07uIVzZ+6YFoqCDTPlv+niX3oBF/IJpHg2h9JFARQAPIpBkTuSKg2EhFDOSqUCd820OMjI5chiXZad7Nj3KZABwPyT8O3OJVKUQrOBZ/0u5W0yGiz/jT5s55KWfu0XRhuwa9JvE+N0p/qKeQToniW2f3b/zYVJIl130rLGa3tqDxPZMXUMKuZ+u3gZwTMGdQYGEryaEcrghQAWnGoJNNQRVCo4ugqo+byrC2t5/ivOs3ur/DKiI/i4xpdYP+EfG0rrGspVxoef7MNeYiRRC1oFOXqJYRsy0= bob@workstation";

#[derive(Clone, Copy)]
enum Kind {
    Ed25519,
    P256,
    P384,
}

/// A fresh public key of `kind` (fast for these curves); empty on the
/// practically impossible failure of the OS random source.
fn generated_public_key(kind: Kind, comment: &str) -> String {
    let algorithm = match kind {
        Kind::Ed25519 => ssh_key::Algorithm::Ed25519,
        Kind::P256 => ssh_key::Algorithm::Ecdsa {
            curve: ssh_key::EcdsaCurve::NistP256,
        },
        Kind::P384 => ssh_key::Algorithm::Ecdsa {
            curve: ssh_key::EcdsaCurve::NistP384,
        },
    };
    // Seeded by the comment when the clock is fixed (pixel snapshots).
    let mut rng = crate::clock::seeded_rng(comment);
    ssh_key::PrivateKey::random(&mut rng, algorithm)
        .ok()
        .and_then(|key| {
            let mut public = key.public_key().clone();
            public.set_comment(comment);
            public.to_openssh().ok()
        })
        .unwrap_or_default()
}

/// An old DSA key: still listed by accounts that never cleaned up, and
/// shown as weak.
const DSA_1024: &str = "ssh-dss AAAAB3NzaC1kc3MAAACBAKKnxMkRKbDCxmEadBgn3YtEm9rth05AvcR64LrWY8+GKMbH3zKzKEnqSRiNxdCEE3or7p87wFUVEnJnGReqvDloe/M0uI7vxbj0H9WlQqkJM4NxObcK1ga2PpdBSB4oJDB5VBQSJLpkqb8GZRlwapqkikHC/gkdGxQsLVDXXwE9AAAAFQCwFzlcigSJR6lbHrEoACHtk4ZFjQAAAIB8bfiHJReFqa6UZeAQWj6/h67KUtIm1XaBZKvmjD7thyqNycbfUDaOHBSBk0RWODeeHHYU+5AtFweEKFGJhsh1rfXOBJ1zXJAICVIwkEHzUYl45el5B1W1Su6WMC3s0CP8Xp0NCR2bDTQNgjvs2tko8q86l3ykieTuGlwfIDF4vQAAAIA37CNvRwzFhLeDucJOY+3HqGDsrf33cCwwpy6opip4etuRICUAnjMxYEkaAYRIismK1B1duWVNb4wEFC5Um8GF+Y6Cg+E9u5ymcRYdotVaZVXPrpgmxD+NoU00U7tB8v2BuwDWIAXEOJyUuynepRr2mHmPbBReI1IMTmgsOT56aA== dsa1024@keyfleet.test";

/// A FIDO security-key public key (`sk-ssh-ed25519@openssh.com`), built
/// from OpenSSH's documented wire format (PROTOCOL.u2f) since generating one
/// needs the device: key type, 32-byte Ed25519 point, application.
fn security_key_public() -> String {
    use base64::Engine as _;
    let mut point = [0u8; 32];
    crate::clock::seeded_rng("dana@yubikey").fill_bytes(&mut point);
    let mut blob = Vec::new();
    for field in [
        b"sk-ssh-ed25519@openssh.com".as_slice(),
        point.as_slice(),
        b"ssh:".as_slice(),
    ] {
        blob.extend_from_slice(&(field.len() as u32).to_be_bytes());
        blob.extend_from_slice(field);
    }
    format!(
        "sk-ssh-ed25519@openssh.com {} dana@yubikey",
        base64::engine::general_purpose::STANDARD.encode(blob)
    )
}

/// A new Ed25519 pair for server-side generation: (private key text, public
/// line). The private key is laid out as `layout` says (Base64 width, `None`
/// for one unwrapped line, and line end), or is replaced by exact text.
fn generate_pair(
    comment: &str,
    layout: Result<(Option<usize>, &str), String>,
) -> Option<(String, String)> {
    let mut private = ssh_key::PrivateKey::random(&mut OsRng, ssh_key::Algorithm::Ed25519).ok()?;
    private.set_comment(comment);
    let pem = private.to_openssh(ssh_key::LineEnding::LF).ok()?;
    let public = private.public_key().to_openssh().ok()?;
    let text = match layout {
        Ok((width, line_end)) => relayout_pem(&pem, width, line_end),
        Err(exact) => exact,
    };
    Some((text, public))
}

/// Rewrites a PEM block's Base64 at another width and line end.
fn relayout_pem(pem: &str, width: Option<usize>, line_end: &str) -> String {
    let lines: Vec<&str> = pem.lines().collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return pem.to_string();
    };
    let base64: String = lines[1..lines.len() - 1].concat();
    let mut out = format!("{first}{line_end}");
    let width = width.unwrap_or(base64.len().max(1));
    for chunk in base64.as_bytes().chunks(width) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str(line_end);
    }
    out.push_str(last);
    out.push_str(line_end);
    out
}

/// A uuid4-looking id.
fn uuid4() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `days_ago` days before now, as Gcore prints it: with a `Z` for SSH keys,
/// without one for legacy keypairs (as the seed's examples show).
fn timestamp(days_ago: i64, zulu: bool) -> String {
    let when = crate::clock::now_utc() - time::Duration::days(days_ago);
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let text = when.format(&format).unwrap_or_default();
    if zulu { format!("{text}Z") } else { text }
}

// ---------------------------------------------------------------------------
// Responses

/// A refusal in Gcore's error shape. Small (unlike `Response`), so helpers
/// can return it in a `Result` and handlers can use `?`.
struct Reject {
    status: StatusCode,
    body: Value,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

type Answer = Result<Response, Reject>;

fn error(status: StatusCode, exception_class: &str, message: &str) -> Reject {
    Reject {
        status,
        body: json!({
            "exception_class": exception_class,
            "message": message,
            "request_id": uuid4(),
        }),
    }
}

fn validation_error(fields: BTreeMap<String, Vec<String>>) -> Reject {
    Reject {
        status: StatusCode::BAD_REQUEST,
        body: json!({
            "exception_class": "ValidationError",
            "message": "Validation error",
            "request_id": uuid4(),
            "invalid_fields": fields,
        }),
    }
}

fn field_error(field: &str, message: &str) -> Reject {
    validation_error(BTreeMap::from([(
        field.to_string(),
        vec![message.to_string()],
    )]))
}

fn project_not_found(project_id: u64) -> Reject {
    error(
        StatusCode::NOT_FOUND,
        "ProjectNotFound",
        &format!("Project {project_id} not found"),
    )
}

fn region_not_found(region_id: u64) -> Reject {
    error(
        StatusCode::NOT_FOUND,
        "RegionNotFound",
        &format!("Region {region_id} not found"),
    )
}

fn key_not_found(id: &str, regional: bool) -> Reject {
    let what = if regional { "Keypair" } else { "SSH key" };
    error(
        StatusCode::NOT_FOUND,
        "SSHKeyNotFound",
        &format!("{what} {id} not found"),
    )
}

/// A key in the response shape of its kind: `SSHKeySerializer` for project
/// keys, the `sshkey_*` spelling the real API uses for legacy keypairs.
/// `private_key` adds that field (a create): `Some(None)` for an import,
/// which the real API answers with `null`.
fn key_json(stored: &StoredKey, private_key: Option<Option<String>>) -> Value {
    let key = &stored.key;
    let (id_field, name_field) = if stored.region_id.is_some() {
        ("sshkey_id", "sshkey_name")
    } else {
        ("id", "name")
    };
    let mut object = Map::new();
    object.insert(id_field.into(), json!(key.id));
    object.insert(name_field.into(), json!(key.name));
    object.insert("public_key".into(), json!(key.public_key));
    object.insert("fingerprint".into(), json!(key.fingerprint));
    object.insert("state".into(), json!(key.state));
    object.insert("shared_in_project".into(), json!(key.shared_in_project));
    object.insert("project_id".into(), json!(stored.project_id));
    object.insert("created_at".into(), json!(key.created_at));
    if let Some(private_key) = private_key {
        object.insert("private_key".into(), json!(private_key));
    }
    Value::Object(object)
}

// ---------------------------------------------------------------------------
// Request checks

async fn require_token(State(fake): State<GcoreFake>, request: Request, next: Next) -> Response {
    let expected = fake.lock().token.clone();
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "NotAuthenticated",
            "Authentication credentials were not provided.",
        )
        .into_response();
    };
    // The docs show both `APIKey` and `apikey`: the scheme is case-insensitive.
    let accepted = value
        .to_str()
        .ok()
        .and_then(|text| text.split_once(' '))
        .is_some_and(|(scheme, token)| scheme.eq_ignore_ascii_case("apikey") && token == expected);
    if !accepted {
        return error(
            StatusCode::UNAUTHORIZED,
            "NotAuthenticated",
            "Incorrect authentication credentials.",
        )
        .into_response();
    }
    next.run(request).await
}

async fn unknown_route() -> Reject {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        "The requested resource was not found.",
    )
}

async fn method_not_allowed() -> Reject {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "Method not allowed for this resource.",
    )
}

/// Parses an integer path parameter; the real API refuses others with 400.
fn path_id(field: &str, raw: &str) -> Result<u64, Reject> {
    raw.parse::<u64>()
        .map_err(|_| field_error(field, "Input should be a valid integer."))
}

fn project_path(state: &FakeState, raw: &str) -> Result<u64, Reject> {
    let project_id = path_id("project_id", raw)?;
    if state.project_exists(project_id) {
        Ok(project_id)
    } else {
        Err(project_not_found(project_id))
    }
}

fn project_region_path(
    state: &FakeState,
    project: &str,
    region: &str,
) -> Result<(u64, u64), Reject> {
    let project_id = project_path(state, project)?;
    let region_id = path_id("region_id", region)?;
    if state.region_exists(region_id) {
        Ok((project_id, region_id))
    } else {
        Err(region_not_found(region_id))
    }
}

#[derive(Clone, Copy)]
enum Order {
    CreatedAsc,
    CreatedDesc,
    NameAsc,
    NameDesc,
}

struct Paging {
    limit: usize,
    offset: usize,
    name: Option<String>,
    order: Order,
}

/// Reads `limit`, `offset` and (for key lists) `name` and `order_by`,
/// refusing what the real API refuses.
fn paging(query: &HashMap<String, String>, key_list: bool) -> Result<Paging, Reject> {
    let mut problems = BTreeMap::new();
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => match raw.parse::<usize>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
            Ok(_) => {
                problems.insert(
                    "limit".to_string(),
                    vec![format!("Ensure this value is between 1 and {MAX_LIMIT}.")],
                );
                DEFAULT_LIMIT
            }
            Err(_) => {
                problems.insert(
                    "limit".to_string(),
                    vec!["A valid integer is required.".to_string()],
                );
                DEFAULT_LIMIT
            }
        },
    };
    let offset = match query.get("offset") {
        None => 0,
        Some(raw) => raw.parse::<usize>().unwrap_or_else(|_| {
            problems.insert(
                "offset".to_string(),
                vec!["A valid non-negative integer is required.".to_string()],
            );
            0
        }),
    };
    let mut order = Order::CreatedAsc;
    let mut name = None;
    if key_list {
        if let Some(raw) = query.get("order_by") {
            order = match raw.as_str() {
                "created_at.asc" => Order::CreatedAsc,
                "created_at.desc" => Order::CreatedDesc,
                "name.asc" => Order::NameAsc,
                "name.desc" => Order::NameDesc,
                _ => {
                    problems.insert(
                        "order_by".to_string(),
                        vec![
                            "Input should be 'created_at.asc', 'created_at.desc', 'name.asc' or 'name.desc'."
                                .to_string(),
                        ],
                    );
                    Order::CreatedAsc
                }
            };
        }
        name = query.get("name").filter(|name| !name.is_empty()).cloned();
    }
    if problems.is_empty() {
        Ok(Paging {
            limit,
            offset,
            name,
            order,
        })
    } else {
        Err(validation_error(problems))
    }
}

/// `{"count", "results"}` for one page of `items`.
fn page<T>(items: &[T], paging: &Paging, to_json: impl Fn(&T) -> Value) -> Answer {
    let results: Vec<Value> = items
        .iter()
        .skip(paging.offset)
        .take(paging.limit)
        .map(to_json)
        .collect();
    Ok(Json(json!({ "count": items.len(), "results": results })).into_response())
}

/// The keys of one scope, filtered by `name` and sorted by `order_by`.
fn list_scoped<'a>(
    state: &'a FakeState,
    project_id: u64,
    region_id: Option<u64>,
    paging: &Paging,
) -> Vec<&'a StoredKey> {
    let wanted = paging.name.as_ref().map(|name| name.to_lowercase());
    let mut keys: Vec<&StoredKey> = state
        .scoped(project_id, region_id)
        .filter(|stored| {
            wanted
                .as_ref()
                .is_none_or(|wanted| stored.key.name.to_lowercase().contains(wanted))
        })
        .collect();
    match paging.order {
        Order::CreatedAsc => {
            keys.sort_by(|a, b| (&a.key.created_at, a.seq).cmp(&(&b.key.created_at, b.seq)))
        }
        Order::CreatedDesc => {
            keys.sort_by(|a, b| (&b.key.created_at, b.seq).cmp(&(&a.key.created_at, a.seq)))
        }
        Order::NameAsc => keys.sort_by(|a, b| (&a.key.name, a.seq).cmp(&(&b.key.name, b.seq))),
        Order::NameDesc => keys.sort_by(|a, b| (&b.key.name, b.seq).cmp(&(&a.key.name, a.seq))),
    }
    keys
}

/// The request's JSON object body, refusing other content types (415) and
/// anything that is not a JSON object (400).
fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Reject> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        let shown = if media_type.is_empty() {
            "(none)"
        } else {
            media_type
        };
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            &format!("Unsupported media type \"{shown}\" in request; send application/json."),
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(error(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "The request body must be a JSON object.",
        )),
        Err(err) => Err(error(
            StatusCode::BAD_REQUEST,
            "ParseError",
            &format!("JSON parse error - {err}"),
        )),
    }
}

/// What a create request asked for, after validation.
struct CreateRequest {
    name: String,
    // `None`: generate the pair on the server.
    public_key: Option<String>,
    shared: bool,
}

/// Validates a create body. `name_field` is `name` (SSH keys) or
/// `sshkey_name` (keypairs); `nullable` says whether `null` means "absent"
/// (the keypair schema allows null, the SSH key schema does not).
fn validate_create(
    body: &Map<String, Value>,
    name_field: &str,
    nullable: bool,
) -> Result<CreateRequest, Reject> {
    let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut complain = |field: &str, message: String| {
        problems.entry(field.to_string()).or_default().push(message);
    };
    for field in body.keys() {
        if field != name_field && field != "public_key" && field != "shared_in_project" {
            complain(field, "Extra inputs are not permitted.".into());
        }
    }
    let name = match body.get(name_field) {
        None => {
            complain(name_field, "This field is required.".into());
            String::new()
        }
        Some(Value::String(name)) if NAME_REGEX.is_match(name) => name.clone(),
        Some(Value::String(_)) => {
            complain(
                name_field,
                format!("String should match pattern '{NAME_PATTERN}'."),
            );
            String::new()
        }
        Some(_) => {
            complain(name_field, "Input should be a valid string.".into());
            String::new()
        }
    };
    let public_key = match body.get("public_key") {
        None => None,
        Some(Value::Null) if nullable => None,
        Some(Value::String(text)) => match keytext::read(text) {
            Ok(parsed) if gcore_accepts(&parsed.family) => Some(parsed.line()),
            Ok(_) => {
                complain("public_key", "Unsupported key type.".into());
                None
            }
            Err(err) => {
                complain("public_key", format!("Invalid public key: {err}."));
                None
            }
        },
        Some(_) => {
            complain("public_key", "Input should be a valid string.".into());
            None
        }
    };
    let shared = match body.get("shared_in_project") {
        None => true,
        Some(Value::Null) if nullable => true,
        Some(Value::Bool(shared)) => *shared,
        Some(_) => {
            complain(
                "shared_in_project",
                "Input should be a valid boolean.".into(),
            );
            true
        }
    };
    if problems.is_empty() {
        Ok(CreateRequest {
            name,
            public_key,
            shared,
        })
    } else {
        Err(validation_error(problems))
    }
}

/// Reads the `{"shared_in_project": bool}` body of a share request.
fn share_body(headers: &HeaderMap, body: &Bytes) -> Result<bool, Reject> {
    let object = json_object(headers, body)?;
    let mut problems = BTreeMap::new();
    for field in object.keys().filter(|field| *field != "shared_in_project") {
        problems.insert(
            field.clone(),
            vec!["Extra inputs are not permitted.".to_string()],
        );
    }
    let shared = match object.get("shared_in_project") {
        Some(Value::Bool(shared)) => Some(*shared),
        Some(_) => {
            problems.insert(
                "shared_in_project".into(),
                vec!["Input should be a valid boolean.".to_string()],
            );
            None
        }
        None => {
            problems.insert(
                "shared_in_project".into(),
                vec!["This field is required.".to_string()],
            );
            None
        }
    };
    match shared {
        Some(shared) if problems.is_empty() => Ok(shared),
        _ => Err(validation_error(problems)),
    }
}

// ---------------------------------------------------------------------------
// Handlers: projects and regions

type Params = Query<HashMap<String, String>>;

fn project_json(project: &Project) -> Value {
    json!({
        "id": project.id,
        "name": project.name,
        "is_default": project.is_default,
        "state": "ACTIVE",
        "client_id": 1001,
        "description": "",
        "created_at": "2024-01-15T09:30:00Z",
    })
}

fn region_json(region: &Region) -> Value {
    json!({
        "id": region.id,
        "display_name": region.display_name,
        "slug": region.slug,
        "country": region.country,
        "state": "ACTIVE",
        "keystone_name": region.slug,
        "endpoint_type": "public",
    })
}

async fn list_projects(State(fake): State<GcoreFake>, Query(query): Params) -> Answer {
    let paging = paging(&query, false)?;
    page(&fake.lock().projects, &paging, project_json)
}

async fn get_project(State(fake): State<GcoreFake>, Path(project): Path<String>) -> Answer {
    let state = fake.lock();
    let project_id = project_path(&state, &project)?;
    let project = state
        .projects
        .iter()
        .find(|project| project.id == project_id)
        .ok_or_else(|| project_not_found(project_id))?;
    Ok(Json(project_json(project)).into_response())
}

async fn list_regions(State(fake): State<GcoreFake>, Query(query): Params) -> Answer {
    let paging = paging(&query, false)?;
    page(&fake.lock().regions, &paging, region_json)
}

async fn get_region(State(fake): State<GcoreFake>, Path(region): Path<String>) -> Answer {
    let region_id = path_id("region_id", &region)?;
    let state = fake.lock();
    let region = state
        .regions
        .iter()
        .find(|region| region.id == region_id)
        .ok_or_else(|| region_not_found(region_id))?;
    Ok(Json(region_json(region)).into_response())
}

// ---------------------------------------------------------------------------
// Handlers: project SSH keys

async fn list_ssh_keys(
    State(fake): State<GcoreFake>,
    Path(project): Path<String>,
    Query(query): Params,
) -> Answer {
    let state = fake.lock();
    let project_id = project_path(&state, &project)?;
    let paging = paging(&query, true)?;
    let keys = list_scoped(&state, project_id, None, &paging);
    page(&keys, &paging, |stored| key_json(stored, None))
}

async fn create_ssh_key(
    State(fake): State<GcoreFake>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let project_id = project_path(&fake.lock(), &project)?;
    create(&fake, project_id, None, &headers, &body)
}

async fn get_ssh_key(
    State(fake): State<GcoreFake>,
    Path((project, id)): Path<(String, String)>,
) -> Answer {
    let mut state = fake.lock();
    let project_id = project_path(&state, &project)?;
    let stored = state
        .find_mut(project_id, None, &id)
        .ok_or_else(|| key_not_found(&id, false))?;
    Ok(Json(key_json(stored, None)).into_response())
}

async fn share_ssh_key(
    State(fake): State<GcoreFake>,
    Path((project, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut state = fake.lock();
    let project_id = project_path(&state, &project)?;
    share(&mut state, project_id, None, &id, &headers, &body)
}

async fn delete_ssh_key(
    State(fake): State<GcoreFake>,
    Path((project, id)): Path<(String, String)>,
) -> Answer {
    let mut state = fake.lock();
    let project_id = project_path(&state, &project)?;
    delete(&mut state, project_id, None, &id)
}

// ---------------------------------------------------------------------------
// Handlers: legacy regional keypairs

async fn list_keypairs(
    State(fake): State<GcoreFake>,
    Path((project, region)): Path<(String, String)>,
    Query(query): Params,
) -> Answer {
    let state = fake.lock();
    let (project_id, region_id) = project_region_path(&state, &project, &region)?;
    let paging = paging(&query, true)?;
    let keys = list_scoped(&state, project_id, Some(region_id), &paging);
    page(&keys, &paging, |stored| key_json(stored, None))
}

async fn create_keypair(
    State(fake): State<GcoreFake>,
    Path((project, region)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let (project_id, region_id) = project_region_path(&fake.lock(), &project, &region)?;
    create(&fake, project_id, Some(region_id), &headers, &body)
}

async fn get_keypair(
    State(fake): State<GcoreFake>,
    Path((project, region, id)): Path<(String, String, String)>,
) -> Answer {
    let mut state = fake.lock();
    let (project_id, region_id) = project_region_path(&state, &project, &region)?;
    let stored = state
        .find_mut(project_id, Some(region_id), &id)
        .ok_or_else(|| key_not_found(&id, true))?;
    Ok(Json(key_json(stored, None)).into_response())
}

async fn share_keypair(
    State(fake): State<GcoreFake>,
    Path((project, region, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut state = fake.lock();
    let (project_id, region_id) = project_region_path(&state, &project, &region)?;
    share(
        &mut state,
        project_id,
        Some(region_id),
        &id,
        &headers,
        &body,
    )
}

async fn delete_keypair(
    State(fake): State<GcoreFake>,
    Path((project, region, id)): Path<(String, String, String)>,
) -> Answer {
    let mut state = fake.lock();
    let (project_id, region_id) = project_region_path(&state, &project, &region)?;
    delete(&mut state, project_id, Some(region_id), &id)
}

// ---------------------------------------------------------------------------
// Shared by both key kinds

/// Creates a project key (`region_id` None, 201) or a legacy keypair (200).
fn create(
    fake: &GcoreFake,
    project_id: u64,
    region_id: Option<u64>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Answer {
    let object = json_object(headers, body)?;
    let regional = region_id.is_some();
    let name_field = if regional { "sshkey_name" } else { "name" };
    let request = validate_create(&object, name_field, regional)?;
    // Generation happens outside the lock.
    let (public_key, private_key) = match request.public_key {
        Some(public_key) => (public_key, None),
        None => {
            let layout = {
                let mut state = fake.lock();
                state.generated += 1;
                match state.next_private_key.take() {
                    Some(exact) => Err(exact),
                    None => {
                        Ok(PRIVATE_KEY_LAYOUTS[(state.generated - 1) % PRIVATE_KEY_LAYOUTS.len()])
                    }
                }
            };
            let (private_key, public_key) =
                generate_pair(&request.name, layout).ok_or_else(|| {
                    error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalError",
                        "Key generation failed.",
                    )
                })?;
            (public_key, Some(private_key))
        }
    };
    let mut state = fake.lock();
    if state
        .scoped(project_id, region_id)
        .any(|stored| stored.key.name == request.name)
    {
        let what = if regional { "Keypair" } else { "SSH key" };
        return Err(error(
            StatusCode::CONFLICT,
            "SSHKeyAlreadyExists",
            &format!(
                "{what} with name '{}' already exists in project {project_id}",
                request.name
            ),
        ));
    }
    let key = state.insert(
        project_id,
        region_id,
        &request.name,
        &public_key,
        request.shared,
        timestamp(0, !regional),
    );
    let stored = StoredKey {
        seq: 0,
        project_id,
        region_id,
        key,
    };
    // The private key is returned once and never stored.
    let body = Json(key_json(&stored, Some(private_key)));
    let status = if regional {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, body).into_response())
}

fn share(
    state: &mut FakeState,
    project_id: u64,
    region_id: Option<u64>,
    id: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Answer {
    let stored = state
        .find_mut(project_id, region_id, id)
        .ok_or_else(|| key_not_found(id, region_id.is_some()))?;
    if stored.key.state == "DELETING" {
        return Err(error(
            StatusCode::CONFLICT,
            "SSHKeyIsDeleting",
            &format!("Key {id} is being deleted and cannot be changed"),
        ));
    }
    stored.key.shared_in_project = share_body(headers, body)?;
    Ok(Json(key_json(stored, None)).into_response())
}

fn delete(state: &mut FakeState, project_id: u64, region_id: Option<u64>, id: &str) -> Answer {
    let before = state.keys.len();
    state.keys.retain(|stored| {
        !(stored.project_id == project_id && stored.region_id == region_id && stored.key.id == id)
    });
    if state.keys.len() == before {
        Err(key_not_found(id, region_id.is_some()))
    } else {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

/// The key families Gcore's cloud takes: the OpenSSH key types (its
/// OpenStack base reads them with `cryptography`), security keys included;
/// a certificate or an unknown type is not a key it can put on a server.
fn gcore_accepts(family: &Family) -> bool {
    !matches!(family, Family::Certificate | Family::Unknown)
}

/// The demo's project keys: project, name, public key, shared, age in days.
fn demo_project_keys() -> [(u64, &'static str, String, bool, i64); 12] {
    [
        (1, "yubikey-5c", security_key_public(), true, 30),
        (1, "ancient-dsa", DSA_1024.to_string(), true, 3000),
        (
            1,
            "alice-laptop",
            generated_public_key(Kind::Ed25519, "alice@laptop"),
            true,
            210,
        ),
        (1, "bob-workstation", RSA_3072.to_string(), true, 180),
        (
            1,
            "ci-deploy",
            generated_public_key(Kind::P256, "ci@build-runner"),
            false,
            150,
        ),
        (
            1,
            "backup server",
            generated_public_key(Kind::Ed25519, "root@backup"),
            false,
            120,
        ),
        (
            1,
            "gpu-node.admin",
            generated_public_key(Kind::P384, "admin@gpu-node"),
            true,
            90,
        ),
        (1, "legacy_rsa_2048", RSA_2048.to_string(), true, 60),
        (
            1,
            "carol-mbp",
            generated_public_key(Kind::Ed25519, "carol@mbp"),
            true,
            14,
        ),
        (
            1,
            "old-jenkins",
            generated_public_key(Kind::Ed25519, "jenkins@old"),
            true,
            2,
        ),
        (
            2,
            "trainer-1",
            generated_public_key(Kind::Ed25519, "ml@trainer-1"),
            true,
            40,
        ),
        (2, "trainer-2", RSA_4096.to_string(), false, 30),
    ]
}

/// The demo's legacy keypairs (project 1): region, name, public key, age in days.
fn demo_keypairs() -> [(u64, &'static str, String, i64); 3] {
    [
        (
            76,
            "lux-bastion",
            generated_public_key(Kind::Ed25519, "ops@lux-bastion"),
            400,
        ),
        (76, "lux-db", RSA_2048.to_string(), 380),
        (
            38,
            "fra-bastion",
            generated_public_key(Kind::P256, "ops@fra-bastion"),
            300,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_pattern_accepts_and_refuses_like_the_docs() {
        for good in ["my-ssh-key", "abc", "a b.", "A_1", "x.y_z-1"] {
            assert!(NAME_REGEX.is_match(good), "{good}");
        }
        for bad in ["", "ab", "-abc", "abc-", "a/b", "ключ", &"a".repeat(64)] {
            assert!(!NAME_REGEX.is_match(bad), "{bad}");
        }
    }

    #[test]
    fn ids_look_like_uuid4() {
        let id = uuid4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    }

    #[test]
    fn demo_seed_is_realistic() {
        let fake = GcoreFake::new();
        fake.seed_demo();
        let keys = fake.key_details(1);
        assert_eq!(keys.len(), 10);
        assert_eq!(fake.key_count(2), 2);
        assert!(keys.iter().any(|key| key.state == "DELETING"));
        assert!(keys.iter().any(|key| !key.shared_in_project));
        for key in keys.iter().chain(fake.key_details(2).iter()) {
            let parsed = keytext::read(&key.public_key).unwrap();
            assert_eq!(parsed.md5(), key.fingerprint);
        }
        let algorithms: std::collections::HashSet<String> = keys
            .iter()
            .map(|key| keytext::read(&key.public_key).unwrap().key_type)
            .collect();
        assert!(algorithms.len() >= 3, "{algorithms:?}");
        // A security key and a weak DSA key, so --demo shows both.
        assert!(
            algorithms.contains("sk-ssh-ed25519@openssh.com"),
            "{algorithms:?}"
        );
        assert!(algorithms.contains("ssh-dss"), "{algorithms:?}");
        assert_eq!(fake.keypair_count(1, 76), 2);
        assert_eq!(fake.keypair_count(1, 38), 1);
    }
}
