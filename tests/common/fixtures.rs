//! Keys made once with `ssh-keygen` and what `ssh-keygen -l -E md5|sha256`
//! printed for them (`tests/fixtures/keys/`), and provider responses copied
//! from the providers' documents (`tests/fixtures/responses/`). Tests compare
//! with these texts, never with Keyfleet's own fingerprint code.

use std::path::PathBuf;

/// Every fixture key: ed25519, RSA 3072, ECDSA P-256/384/521 and DSA 1024.
pub const FIXTURE_KEYS: [&str; 6] = [
    "ed25519", "rsa3072", "ecdsa256", "ecdsa384", "ecdsa521", "dsa1024",
];

/// A fixture key and its fingerprints as ssh-keygen printed them.
#[derive(Clone, Debug)]
pub struct FixtureKey {
    /// The file's stem (`ed25519`, `rsa3072`, …).
    pub name: &'static str,
    /// The `.pub` line, trimmed.
    pub public: String,
    /// The `type base64` part of the line (no comment).
    pub type_and_data: String,
    /// The comment ssh-keygen wrote.
    pub comment: String,
    /// MD5 as colon hex, without ssh-keygen's `MD5:` prefix (Gcore's form).
    pub md5: String,
    /// `SHA256:…`, as ssh-keygen prints it.
    pub sha256: String,
    /// The key type in the last field of ssh-keygen's line (`ED25519`, `RSA`…).
    pub keygen_type: String,
}

fn fixture_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

fn read_fixture(relative: &str) -> String {
    std::fs::read_to_string(fixture_path(relative))
        .unwrap_or_else(|err| panic!("fixture {relative}: {err}"))
}

/// The hash field of a `ssh-keygen -l` line (`BITS HASH COMMENT (TYPE)`).
fn printed_hash(line: &str) -> String {
    line.split_whitespace().nth(1).unwrap().to_string()
}

/// The fixture key `name` (one of [`FIXTURE_KEYS`]).
pub fn fixture_key(name: &'static str) -> FixtureKey {
    let public = read_fixture(&format!("keys/{name}.pub")).trim().to_string();
    let mut fields = public.splitn(3, ' ');
    let type_and_data = format!("{} {}", fields.next().unwrap(), fields.next().unwrap());
    let comment = fields.next().unwrap_or_default().to_string();
    let md5_line = read_fixture(&format!("keys/{name}.md5"));
    let md5 = printed_hash(&md5_line)
        .strip_prefix("MD5:")
        .expect("ssh-keygen -E md5 prints MD5:")
        .to_string();
    let sha256 = printed_hash(&read_fixture(&format!("keys/{name}.sha256")));
    let keygen_type = md5_line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_matches(['(', ')'])
        .to_string();
    FixtureKey {
        name,
        public,
        type_and_data,
        comment,
        md5,
        sha256,
        keygen_type,
    }
}

/// Every fixture key.
pub fn fixture_keys() -> Vec<FixtureKey> {
    FIXTURE_KEYS.into_iter().map(fixture_key).collect()
}

/// A recorded response body from `tests/fixtures/responses/` (see the
/// README there for where each one comes from).
pub fn recorded_response(file: &str) -> String {
    read_fixture(&format!("responses/{file}"))
}

/// One canned answer of [`serve_recorded`].
pub struct Recorded {
    /// `GET`, `POST`, …
    pub method: axum::http::Method,
    /// The path it answers (any query).
    pub path: &'static str,
    /// The status it answers with.
    pub status: u16,
    /// The `Content-Type` it answers with.
    pub content_type: &'static str,
    /// The body, sent as it is.
    pub body: String,
}

impl Recorded {
    /// A 200 JSON answer to `GET path` with `body`.
    pub fn get(path: &'static str, body: String) -> Self {
        Self {
            method: axum::http::Method::GET,
            path,
            status: 200,
            content_type: "application/json",
            body,
        }
    }
}

/// Serves `answers` on a fresh loopback port (any other request: 404);
/// returns the base URL. The client under test reads the recorded bodies
/// through its real HTTP and parsing code.
pub async fn serve_recorded(answers: Vec<Recorded>) -> String {
    use axum::response::IntoResponse;
    let mut router = axum::Router::new();
    for answer in answers {
        let Recorded {
            method,
            path,
            status,
            content_type,
            body,
        } = answer;
        let status = axum::http::StatusCode::from_u16(status).unwrap();
        let handler = move || {
            let body = body.clone();
            async move { (status, [("content-type", content_type)], body).into_response() }
        };
        let filter = axum::routing::MethodFilter::try_from(method).unwrap();
        router = router.route(path, axum::routing::on(filter, handler));
    }
    keyfleet::sandbox::serve(router).await.unwrap()
}
