//! The HCP Terraform client against the strict Terraform fake over real HTTP.

mod common;

use common::bystanders::assert_only_gone;
use common::client::fast_policy as policy;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use keyfleet::keys::SecretString;
use keyfleet::providers::terraform::TerraformClient;
use keyfleet::providers::{ApiError, ApiErrorKind, Http, KeyScope, NewKey, NewKeyMaterial};
use keyfleet::sandbox::terraform::TerraformFake;
use keyfleet::sandbox::{Fault, TERRAFORM_ORG_TOKEN, TERRAFORM_TOKEN, serve};
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde_json::{Value, json};
use ssh_key::{Algorithm, LineEnding, PrivateKey};

const JSON_API: &str = "application/vnd.api+json";

async fn start(fake: &TerraformFake) -> String {
    serve(fake.router()).await.unwrap()
}

fn client(url: &str, token: &str, org: Option<&str>) -> TerraformClient {
    TerraformClient::new(
        Http::new(policy()).unwrap(),
        url,
        SecretString::new(token),
        org.map(str::to_string),
    )
}

/// An unencrypted RSA key in PKCS#1 PEM, the form Terraform's docs ask for
/// (generated once: RSA generation takes a moment).
fn rsa_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .unwrap()
            .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
            .unwrap()
            .to_string()
    })
}

fn ed25519_openssh() -> String {
    PrivateKey::random(&mut rand::rngs::OsRng, Algorithm::Ed25519)
        .unwrap()
        .to_openssh(LineEnding::LF)
        .unwrap()
        .to_string()
}

fn private_key_material(text: &str) -> NewKeyMaterial {
    NewKeyMaterial::PrivateKey(SecretString::new(text))
}

fn new_key(name: &str, material: NewKeyMaterial) -> NewKey {
    NewKey {
        name: name.to_string(),
        material,
        shared_in_project: false,
        scope: KeyScope::Account,
        expires_at: None,
    }
}

/// Everything an error can show: Debug, Display and the details view.
fn everything_shown(err: &ApiError) -> String {
    format!("{err:?}\n{err}\n{}", err.full_text())
}

/// Fails if any 24-character run of the key's base64 body appears in
/// `shown`, however the text was re-wrapped or escaped.
fn assert_no_key_fragment(shown: &str, pem: &str) {
    let flat_shown: String = shown
        .replace("\\r", "")
        .replace("\\n", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let base64: String = key_body_lines(pem).concat();
    for start in (0..base64.len().saturating_sub(24)).step_by(8) {
        let fragment = &base64[start..start + 24];
        assert!(
            !flat_shown.contains(fragment),
            "key fragment leaked: {shown}"
        );
    }
}

/// The base64 body lines of a PEM key (what would leak if it were echoed).
fn key_body_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .filter(|line| !line.starts_with("-----"))
        .collect()
}

#[tokio::test]
async fn organizations_are_listed_across_pages() {
    let fake = TerraformFake::new();
    for n in 0..148 {
        fake.add_organization(&format!("org-{n:03}"));
    }
    let url = start(&fake).await;
    let orgs = client(&url, TERRAFORM_TOKEN, None)
        .list_organizations()
        .await
        .unwrap();
    assert_eq!(orgs.len(), 150);
    assert_eq!(orgs[0].id, "acme-infra");
    assert_eq!(orgs[0].label, "acme-infra");
    assert_eq!(orgs[149].id, "org-147");
    let requests = fake.faults().requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests[1].path.starts_with("/api/v2/organizations?"));
    assert!(
        requests[1].path.contains("page%5Bnumber%5D=2"),
        "{}",
        requests[1].path
    );
    assert!(
        requests[1].path.contains("page%5Bsize%5D=100"),
        "{}",
        requests[1].path
    );

    // An organization token may list organizations too.
    let orgs = client(&url, TERRAFORM_ORG_TOKEN, None)
        .list_organizations()
        .await
        .unwrap();
    assert_eq!(orgs.len(), 150);
}

#[tokio::test]
async fn keys_are_listed_across_pages() {
    let fake = TerraformFake::new();
    let mut ids = Vec::new();
    for n in 0..230 {
        ids.push(fake.add_key(
            "acme-infra",
            &format!("key-{n:03}"),
            "-----BEGIN OPENSSH PRIVATE KEY-----",
        ));
    }
    fake.add_key(
        "acme-modules",
        "elsewhere",
        "-----BEGIN OPENSSH PRIVATE KEY-----",
    );
    let url = start(&fake).await;
    let keys = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .list_keys()
        .await
        .unwrap();
    assert_eq!(
        keys.iter().map(|key| key.id.clone()).collect::<Vec<_>>(),
        ids
    );
    assert_eq!(keys[229].name, "key-229");
    assert!(
        keys.iter()
            .all(|key| key.public_key.is_none() && key.fingerprint_sha256.is_none())
    );
    let requests = fake.faults().requests();
    // Beside the keys, one page of workspaces, for "Used by".
    let (workspaces, mut key_pages): (Vec<_>, Vec<_>) = requests
        .into_iter()
        .partition(|request| request.path.contains("/workspaces?"));
    assert_eq!(workspaces.len(), 1, "{workspaces:?}");
    assert!(
        workspaces[0]
            .path
            .starts_with("/api/v2/organizations/acme-infra/workspaces?"),
        "{workspaces:?}"
    );
    assert_eq!(key_pages.len(), 3, "{key_pages:?}");
    // Pages 2 and 3 are fetched together, so they arrive in any order.
    key_pages.sort_by_key(|request| request.path.clone());
    for (n, request) in key_pages.iter().enumerate() {
        assert_eq!(request.method, "GET");
        assert!(
            request
                .path
                .starts_with("/api/v2/organizations/acme-infra/ssh-keys?")
        );
        assert!(
            request
                .path
                .contains(&format!("page%5Bnumber%5D={}", n + 1)),
            "{}",
            request.path
        );
    }
}

const KEYS_PATH: &str = "/api/v2/organizations/acme-infra/ssh-keys";
const WORKSPACES_PATH: &str = "/api/v2/organizations/acme-infra/workspaces";
/// Generous: only reached when the client does not send what is awaited.
const DEADLINE: Duration = Duration::from_secs(30);

/// `keys` keys and `workspaces` workspaces in acme-infra, the workspaces
/// using the keys in turn; returns the key ids.
fn fill(fake: &TerraformFake, keys: usize, workspaces: usize) -> Vec<String> {
    let ids: Vec<String> = (0..keys)
        .map(|n| {
            fake.add_key(
                "acme-infra",
                &format!("key-{n:03}"),
                "-----BEGIN RSA PRIVATE KEY-----",
            )
        })
        .collect();
    for n in 0..workspaces {
        fake.add_workspace("acme-infra", &format!("ws-{n:03}"), Some(&ids[n % keys]));
    }
    ids
}

/// The requests recorded so far whose path starts with `prefix`.
fn requests_to(fake: &TerraformFake, prefix: &str) -> usize {
    let faults = fake.faults();
    faults
        .requests()
        .iter()
        .filter(|request| request.path.starts_with(prefix))
        .count()
}

/// Three pages of keys and three of workspaces in two sequential round
/// trips: the fake holds the first requests until both first pages are
/// in (and nothing else is), then holds the rest until all four remaining
/// pages are in flight at once.
#[tokio::test]
async fn keys_and_workspaces_take_two_round_trips() {
    let fake = TerraformFake::new();
    let ids = fill(&fake, 250, 250);
    let url = start(&fake).await;
    let (first, rest) = (
        keyfleet::sandbox::Gate::new(),
        keyfleet::sandbox::Gate::new(),
    );
    fake.faults().inject(Fault::Hold(first.clone()), 2);
    fake.faults().inject(Fault::Hold(rest.clone()), 4);

    let terraform = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));
    let listing = tokio::spawn(async move { terraform.list_keys().await });

    assert!(
        first.wait_arrivals(2, DEADLINE).await,
        "both first pages are asked for at once"
    );
    let held = fake.faults().requests();
    assert_eq!(held.len(), 2, "{held:?}");
    for prefix in [KEYS_PATH, WORKSPACES_PATH] {
        assert_eq!(requests_to(&fake, prefix), 1, "{prefix}: {held:?}");
    }
    assert!(
        held.iter()
            .all(|request| request.path.contains("page%5Bnumber%5D=1"))
    );
    first.release();
    assert!(
        rest.wait_arrivals(4, DEADLINE).await,
        "the other pages are asked for together once the first pages are in: {:?}",
        fake.faults().requests()
    );
    assert_eq!(fake.faults().request_count(), 6);
    rest.release();

    let keys = listing.await.unwrap().unwrap();
    assert_eq!(
        keys.iter().map(|key| key.id.clone()).collect::<Vec<_>>(),
        ids
    );
    assert_eq!(keys[0].used_by, Some(vec!["ws-000".to_string()]));
    assert_eq!(keys[249].used_by, Some(vec!["ws-249".to_string()]));
    assert_eq!(fake.faults().request_count(), 6, "no page twice");
}

/// A key deleted while the later pages are in flight shifts them by one,
/// so one key would be missed: the totals disagree, the list is read once
/// more, and every remaining key is listed exactly once.
#[tokio::test]
async fn a_list_that_changes_while_paging_is_read_again() {
    let fake = TerraformFake::new();
    let ids = fill(&fake, 250, 0);
    let url = start(&fake).await;
    let (first, rest) = (
        keyfleet::sandbox::Gate::new(),
        keyfleet::sandbox::Gate::new(),
    );
    fake.faults()
        .inject_on(KEYS_PATH, Fault::Hold(first.clone()), 1);
    fake.faults()
        .inject_on(KEYS_PATH, Fault::Hold(rest.clone()), 2);
    let terraform = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));
    let listing = {
        let terraform = terraform.clone();
        tokio::spawn(async move { terraform.list_keys_without_usage().await })
    };
    assert!(first.wait_arrivals(1, DEADLINE).await);
    first.release();
    assert!(rest.wait_arrivals(2, DEADLINE).await);
    // Page 1 is read; pages 2 and 3 are waiting at the fake.
    terraform.delete_key(&ids[0]).await.unwrap();
    rest.release();

    let keys = listing.await.unwrap().unwrap();
    assert_eq!(
        keys.iter().map(|key| key.id.clone()).collect::<Vec<_>>(),
        ids[1..],
        "every remaining key once, in order"
    );
    assert_eq!(
        requests_to(&fake, KEYS_PATH),
        6,
        "two passes of three pages"
    );
}

/// A server that gives no `total-pages` is followed page by page.
#[tokio::test]
async fn pages_without_a_total_are_followed_one_by_one() {
    let fake = TerraformFake::new();
    let ids = fill(&fake, 5, 0);
    let pages = [
        (json!({"current-page": 1, "next-page": 2}), &ids[..2]),
        (json!({"current-page": 2, "next-page": 3}), &ids[2..4]),
        (json!({"current-page": 3, "next-page": null}), &ids[4..]),
    ];
    let bodies: Vec<String> = pages
        .iter()
        .map(|(pagination, ids)| {
            let data: Vec<Value> = ids
                .iter()
                .map(|id| json!({"id": id, "type": "ssh-keys", "attributes": {"name": id}}))
                .collect();
            json!({"data": data, "meta": {"pagination": pagination}}).to_string()
        })
        .collect();
    let router = axum::Router::new().route(
        "/api/v2/organizations/acme-infra/ssh-keys",
        axum::routing::get(
            move |axum::extract::RawQuery(query): axum::extract::RawQuery| {
                let bodies = bodies.clone();
                async move {
                    let query = query.unwrap_or_default();
                    let page = (1..=3)
                        .find(|n| query.contains(&format!("page%5Bnumber%5D={n}")))
                        .unwrap_or(1);
                    ([("content-type", JSON_API)], bodies[page - 1].clone())
                }
            },
        ),
    );
    let url = serve(router).await.unwrap();
    let keys = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .list_keys_without_usage()
        .await
        .unwrap();
    assert_eq!(
        keys.iter().map(|key| key.id.clone()).collect::<Vec<_>>(),
        ids
    );
}

/// A first page claiming more pages than Keyfleet reads is refused
/// before any other page is asked for.
#[tokio::test]
async fn an_absurd_page_count_is_refused() {
    let body = json!({
        "data": [{"id": "sshkey-1", "type": "ssh-keys", "attributes": {"name": "k"}}],
        "meta": {"pagination": {"current-page": 1, "next-page": 2, "total-pages": 1_000_000, "total-count": 100_000_000}},
    })
    .to_string();
    let router = axum::Router::new().route(
        "/api/v2/organizations/acme-infra/ssh-keys",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([("content-type", JSON_API)], body) }
        }),
    );
    let url = serve(router).await.unwrap();
    let err = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .list_keys_without_usage()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse, "{err:?}");
    assert!(err.message.contains("1000000 pages"), "{}", err.message);
}

#[tokio::test]
async fn fake_pages_like_terraform() {
    let fake = TerraformFake::new();
    for n in 0..5 {
        fake.add_key(
            "acme-infra",
            &format!("k{n}"),
            "-----BEGIN RSA PRIVATE KEY-----",
        );
    }
    let url = start(&fake).await;
    let http = reqwest::Client::new();
    let get = |query: &str| {
        http.get(format!(
            "{url}/api/v2/organizations/acme-infra/ssh-keys{query}"
        ))
        .bearer_auth(TERRAFORM_TOKEN)
        .send()
    };
    let all: Value = get("").await.unwrap().json().await.unwrap();
    assert_eq!(all["data"].as_array().unwrap().len(), 5);
    assert!(
        all["data"][0]
            .get("attributes")
            .unwrap()
            .get("value")
            .is_none(),
        "values are write-only"
    );
    assert!(
        all["data"][0]["links"]["self"]
            .as_str()
            .unwrap()
            .starts_with("/api/v2/ssh-keys/sshkey-")
    );

    let page: Value = get("?page%5Bsize%5D=2&page%5Bnumber%5D=3")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let pagination = &page["meta"]["pagination"];
    assert_eq!(pagination["current-page"], 3);
    assert_eq!(pagination["prev-page"], 2);
    assert_eq!(pagination["next-page"], Value::Null);
    assert_eq!(pagination["total-pages"], 3);
    assert_eq!(pagination["total-count"], 5);

    let clamped: Value = get("?page%5Bsize%5D=500")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clamped["meta"]["pagination"]["page-size"], 100);
    assert_eq!(get("?page%5Bsize%5D=0").await.unwrap().status(), 400);

    let response = http
        .get(format!("{url}/api/v2/organizations/acme-infra/ssh-keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"errors": [{"status": "401", "title": "unauthorized"}]})
    );

    // Writes need the JSON:API media type and a well-formed document.
    let post = |content_type: &'static str, body: Value| {
        http.post(format!("{url}/api/v2/organizations/acme-infra/ssh-keys"))
            .bearer_auth(TERRAFORM_TOKEN)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
    };
    let good =
        json!({"data": {"type": "ssh-keys", "attributes": {"name": "n", "value": rsa_pem()}}});
    assert_eq!(
        post("application/json", good.clone())
            .await
            .unwrap()
            .status(),
        415
    );
    let response = post(
        JSON_API,
        json!({"data": {"type": "keys", "attributes": {"name": "n"}}}),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["source"]["pointer"], "/data/type");
    let response = post(
        JSON_API,
        json!({"data": {"type": "ssh-keys", "attributes": {}}}),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["source"]["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        vec!["/data/attributes/name", "/data/attributes/value"]
    );
    let response = post(JSON_API, good).await.unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert!(
        !body.to_string().contains("PRIVATE"),
        "the value is never returned"
    );
    assert_eq!(fake.keys("acme-infra").len(), 6);
}

#[tokio::test]
async fn create_uploads_the_private_key() {
    let fake = TerraformFake::new();
    let url = start(&fake).await;
    let terraform = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));
    let pem = rsa_pem();
    let created = terraform
        .create_key(&new_key(" modules ", private_key_material(pem)))
        .await
        .unwrap();
    assert!(created.private_key.is_none());
    assert_eq!(created.key.name, "modules");
    assert!(created.key.public_key.is_none());
    let id = &created.key.id;
    assert!(id.starts_with("sshkey-") && id.len() == 23, "{id}");
    assert!(id[7..].chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(fake.stored_value(id).as_deref(), Some(pem));
    assert_eq!(
        fake.keys("acme-infra"),
        vec![(id.clone(), "modules".to_string())]
    );

    // An OpenSSH-format key is accepted too.
    let openssh = ed25519_openssh();
    let second = terraform
        .create_key(&new_key("ed", private_key_material(&openssh)))
        .await
        .unwrap();
    assert_eq!(fake.stored_value(&second.key.id), Some(openssh));
    let posts = fake
        .faults()
        .requests()
        .into_iter()
        .filter(|request| request.method == "POST")
        .count();
    assert_eq!(posts, 2);
}

#[tokio::test]
async fn wrong_material_is_refused_before_sending() {
    let fake = TerraformFake::new();
    let url = start(&fake).await;
    let terraform = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));
    let key = PrivateKey::random(&mut rand::rngs::OsRng, Algorithm::Ed25519).unwrap();
    let public_line = key.public_key().to_openssh().unwrap();
    let encrypted = key
        .encrypt(&mut rand::rngs::OsRng, "correct horse")
        .unwrap()
        .to_openssh(LineEnding::LF)
        .unwrap()
        .to_string();

    let cases = [
        (
            new_key("pub", NewKeyMaterial::PublicKey(public_line.clone())),
            "PRIVATE key",
        ),
        (
            new_key("pub-as-private", private_key_material(&public_line)),
            "public key",
        ),
        (
            new_key("encrypted", private_key_material(&encrypted)),
            "passphrase",
        ),
        (
            new_key("garbage", private_key_material("hello")),
            "not a private key",
        ),
        (
            new_key("gen", NewKeyMaterial::GenerateOnServer),
            "cannot generate",
        ),
        (new_key("  ", private_key_material(rsa_pem())), "name"),
        (
            new_key(&"n".repeat(256), private_key_material(rsa_pem())),
            "at most 255",
        ),
    ];
    for (new, expected) in cases {
        let err = terraform.create_key(&new).await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::InvalidInput, "{}", new.name);
        assert!(
            err.message.contains(expected),
            "{}: {}",
            new.name,
            err.message
        );
        let shown = everything_shown(&err);
        assert_no_key_fragment(&shown, &encrypted);
        assert_no_key_fragment(&shown, rsa_pem());
    }

    let no_org = client(&url, TERRAFORM_TOKEN, None);
    let err = no_org.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert!(
        err.message.contains("Choose an organization first"),
        "{}",
        err.message
    );
    let err = no_org
        .create_key(&new_key("k", private_key_material(rsa_pem())))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("Choose an organization first"),
        "{}",
        err.message
    );

    let err = terraform
        .update_key("sshkey-x", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    let err = terraform
        .update_key("sshkey-x", None, Some(&SecretString::new(public_line)))
        .await
        .unwrap_err();
    assert!(err.message.contains("PRIVATE key"), "{}", err.message);
    assert_eq!(fake.faults().request_count(), 0, "nothing may be sent");
}

#[tokio::test]
async fn rename_keeps_the_value() {
    let fake = TerraformFake::new();
    let id = fake.add_key("acme-infra", "old-name", rsa_pem());
    let url = start(&fake).await;
    let terraform = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));
    let renamed = terraform
        .update_key(&id, Some("new-name"), None)
        .await
        .unwrap();
    assert_eq!(renamed.id, id);
    assert_eq!(renamed.name, "new-name");
    assert_eq!(
        fake.keys("acme-infra"),
        vec![(id.clone(), "new-name".to_string())]
    );
    assert_eq!(fake.stored_value(&id).as_deref(), Some(rsa_pem()));
    let patch = fake.faults().requests().pop().unwrap();
    assert_eq!(patch.method, "PATCH");
    assert_eq!(patch.path, format!("/api/v2/ssh-keys/{id}"));
}

#[tokio::test]
async fn replacing_the_value_keeps_the_name() {
    let fake = TerraformFake::new();
    let id = fake.add_key("acme-infra", "deploy", rsa_pem());
    let url = start(&fake).await;
    let terraform = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));
    let replacement = ed25519_openssh();
    let updated = terraform
        .update_key(&id, None, Some(&SecretString::new(replacement.clone())))
        .await
        .unwrap();
    assert_eq!(updated.name, "deploy");
    assert_eq!(fake.stored_value(&id), Some(replacement));
    assert_eq!(fake.keys("acme-infra"), vec![(id, "deploy".to_string())]);
}

#[tokio::test]
async fn delete_removes_the_key() {
    let fake = TerraformFake::new();
    fake.seed_demo();
    let url = start(&fake).await;
    let terraform = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));
    let listed = terraform.list_keys().await.unwrap();
    assert_eq!(listed.len(), 3);
    let id = listed[0].id.clone();
    // Bystanders: the same name and private key in this organization and
    // in another one.
    let value = fake.stored_value(&id).unwrap();
    fake.add_key("acme-infra", &listed[0].name, &value);
    fake.add_key("acme-modules", &listed[0].name, &value);
    let before = fake.snapshot();

    terraform.delete_key(&id).await.unwrap();
    assert_only_gone(&before, &fake.snapshot(), &[&id]);

    let err = terraform.delete_key(&id).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(
        err.message.contains("not found or not authorized"),
        "{}",
        err.message
    );

    // A 500 first, then 404 on the retry: an earlier attempt did the work.
    let other = listed[1].id.clone();
    let before = fake.snapshot();
    fake.faults().inject(Fault::ServerError, 1);
    terraform.delete_key(&other).await.unwrap();
    assert_only_gone(&before, &fake.snapshot(), &[&other]);
}

#[tokio::test]
async fn seeded_demo_values_are_real_private_keys() {
    let fake = TerraformFake::new();
    fake.seed_demo();
    let keys = fake.keys("acme-infra");
    assert_eq!(keys.len(), 3);
    assert_eq!(fake.keys("acme-modules").len(), 1);
    let mut saw_pem = false;
    for (id, _) in keys {
        let value = fake.stored_value(&id).unwrap();
        if value.contains("BEGIN RSA PRIVATE KEY") {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            rsa::RsaPrivateKey::from_pkcs1_pem(&value).unwrap();
            saw_pem = true;
        } else {
            assert!(!PrivateKey::from_openssh(&value).unwrap().is_encrypted());
        }
    }
    assert!(saw_pem);
}

#[tokio::test]
async fn bad_token_is_refused_without_leaking_it() {
    let fake = TerraformFake::new();
    let url = start(&fake).await;
    let token = "wrong.atlasv1.not-a-real-token-123";
    let terraform = client(&url, token, Some("acme-infra"));
    let errors = [
        terraform.test_connection().await.unwrap_err(),
        terraform.list_keys().await.unwrap_err(),
        terraform
            .create_key(&new_key("k", private_key_material(rsa_pem())))
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert_eq!(err.kind, ApiErrorKind::BadCredentials);
        assert_eq!(err.status, Some(401));
        assert!(
            err.message
                .contains("HCP Terraform refused the token (401)"),
            "{}",
            err.message
        );
        let shown = everything_shown(&err);
        assert!(!shown.contains(token));
        assert_no_key_fragment(&shown, rsa_pem());
    }
    // The key list beside the workspaces (refused too, or cancelled).
    let refused = fake.faults().request_count() - requests_to(&fake, WORKSPACES_PATH);
    assert_eq!(refused, 3, "401 is not retried");
    assert!(!format!("{terraform:?}").contains(token));
}

#[tokio::test]
async fn organization_tokens_get_an_explained_404() {
    let fake = TerraformFake::new();
    let id = fake.add_key("acme-infra", "k", rsa_pem());
    let url = start(&fake).await;
    let with_org = client(&url, TERRAFORM_ORG_TOKEN, Some("acme-infra"));

    let err = with_org.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert_eq!(err.status, Some(404));
    assert!(
        err.message.contains("not found or not authorized"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .contains("Organization tokens cannot manage SSH keys"),
        "{}",
        err.message
    );

    let err = with_org.delete_key(&id).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(
        err.message.contains("Organization tokens"),
        "{}",
        err.message
    );
    assert!(fake.stored_value(&id).is_some());

    let err = with_org.test_connection().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(
        err.message
            .contains("Organization \"acme-infra\" not found"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("organization tokens cannot"),
        "{}",
        err.message
    );

    // Without an organization the token itself is fine.
    let text = client(&url, TERRAFORM_ORG_TOKEN, None)
        .test_connection()
        .await
        .unwrap();
    assert!(text.contains("2 organizations"), "{text}");
    let text = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .test_connection()
        .await
        .unwrap();
    assert!(text.contains("acme-infra has 1 SSH key"), "{text}");

    let err = client(&url, TERRAFORM_TOKEN, Some("no-such-org"))
        .list_keys()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(
        err.message
            .contains("\"no-such-org\" not found or not authorized"),
        "{}",
        err.message
    );
}

/// A server answering every request with `status` and a body built from
/// the request body, for answers the strict fake never gives a
/// well-behaved client (including a hostile echo of what was sent).
async fn canned(status: u16, make_body: fn(&str) -> Value) -> String {
    let router = axum::Router::new().fallback(move |body: String| async move {
        (
            axum::http::StatusCode::from_u16(status).unwrap(),
            [("content-type", JSON_API)],
            make_body(&body).to_string(),
        )
    });
    serve(router).await.unwrap()
}

#[tokio::test]
async fn validation_errors_show_each_detail() {
    let url = canned(422, |_| {
        json!({"errors": [
            {"status": "422", "title": "invalid attribute", "detail": "Name has already been taken", "source": {"pointer": "/data/attributes/name"}},
            {"status": "422", "title": "invalid attribute", "detail": "Value is not a valid private key", "source": {"pointer": "/data/attributes/value"}},
            {"status": "422", "title": "unprocessable entity"}
        ]})
    })
    .await;
    let err = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .create_key(&new_key("dup", private_key_material(rsa_pem())))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Validation);
    assert_eq!(err.status, Some(422));
    assert!(
        err.message.contains("Name has already been taken"),
        "{}",
        err.message
    );
    let fields: Vec<(&str, &str)> = err
        .fields
        .iter()
        .map(|field| (field.field.as_str(), field.messages[0].as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("name", "Name has already been taken"),
            ("value", "Value is not a valid private key"),
            ("request", "unprocessable entity"),
        ]
    );
    assert!(
        err.to_string()
            .contains("value: Value is not a valid private key")
    );
}

#[tokio::test]
async fn echoed_secrets_never_reach_the_error() {
    // A hostile or buggy server that echoes the request (with the private
    // key) and the token back in its error.
    let url = canned(422, |request| {
        json!({"errors": [{
            "status": "422",
            "title": "invalid",
            "detail": format!("rejected {request} for token sandbox.atlasv1.user-token"),
            "source": {"pointer": "/data/attributes/value"}
        }]})
    })
    .await;
    let pem = rsa_pem();
    let err = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .create_key(&new_key("k", private_key_material(pem)))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Validation);
    let shown = everything_shown(&err);
    assert!(!shown.contains(TERRAFORM_TOKEN), "{shown}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert_no_key_fragment(&shown, pem);

    // Echoed re-wrapped at another width, so no line matches the original.
    let url = canned(422, |request| {
        let sent: Value = serde_json::from_str(request).unwrap();
        let value = sent["data"]["attributes"]["value"].as_str().unwrap();
        let flat: String = value.lines().collect();
        let rewrapped: Vec<String> = flat
            .as_bytes()
            .chunks(76)
            .map(|chunk| String::from_utf8_lossy(chunk).to_string())
            .collect();
        json!({"errors": [{"status": "422", "detail": rewrapped.join("\r\n")}]})
    })
    .await;
    let err = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .create_key(&new_key("k", private_key_material(pem)))
        .await
        .unwrap_err();
    let shown = everything_shown(&err);
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert_no_key_fragment(&shown, pem);

    // The same for a success status whose body does not decode.
    let url = canned(201, |request| json!({"data": request}));
    let url = url.await;
    let err = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .create_key(&new_key("k", private_key_material(pem)))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
    let shown = everything_shown(&err);
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert_no_key_fragment(&shown, pem);

    // And the key is not in the Debug output of what the caller holds.
    let new = new_key("k", private_key_material(pem));
    assert!(!format!("{new:?}").contains("PRIVATE KEY"));
}

#[tokio::test]
async fn rate_limit_waits_for_x_ratelimit_reset() {
    let fake = TerraformFake::new();
    fake.seed_demo();
    let url = start(&fake).await;
    fake.faults().inject(
        Fault::RateLimited {
            header: "X-RateLimit-Reset",
            seconds: 0.2,
        },
        1,
    );
    let started = Instant::now();
    let keys = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .list_keys()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(keys.len(), 3);
    // The refused page (keys or workspaces), its retry, and the other list.
    assert_eq!(fake.faults().request_count(), 3);

    // A create is not retried; the wait is reported instead.
    fake.faults().inject(
        Fault::RateLimited {
            header: "X-RateLimit-Reset",
            seconds: 0.2,
        },
        1,
    );
    let err = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .create_key(&new_key("k", private_key_material(rsa_pem())))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_millis(200)));
    assert_eq!(fake.keys("acme-infra").len(), 3);
}

#[tokio::test]
async fn server_errors_and_broken_answers() {
    let fake = TerraformFake::new();
    fake.seed_demo();
    let url = start(&fake).await;
    let terraform = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));

    // On the keys: the workspaces listed beside them must not take these.
    fake.faults().inject_on(KEYS_PATH, Fault::ServerError, 5);
    let err = terraform.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Server);
    assert_eq!(requests_to(&fake, KEYS_PATH), 4);
    fake.faults().clear();

    for fault in [Fault::HtmlPage, Fault::TruncatedBody, Fault::HugeBody] {
        fake.faults().inject(fault.clone(), 1);
        let err = terraform.list_organizations().await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::MalformedResponse, "{fault:?}");
    }

    fake.faults().reset_requests();
    fake.faults().inject(Fault::DropAfterHandling, 1);
    let pem = rsa_pem();
    let err = terraform
        .create_key(&new_key("lost", private_key_material(pem)))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Network, "{err:?}");
    assert!(err.message.contains("refresh the list"), "{}", err.message);
    assert_eq!(fake.faults().request_count(), 1, "a create is sent once");
    assert_eq!(fake.keys("acme-infra").len(), 4);
    let shown = everything_shown(&err);
    assert_no_key_fragment(&shown, pem);
}

#[tokio::test]
async fn workspaces_are_listed_across_pages_with_their_key() {
    let fake = TerraformFake::new();
    let used = fake.add_key("acme-infra", "deploy", "-----BEGIN RSA PRIVATE KEY-----");
    let unused = fake.add_key("acme-infra", "spare", "-----BEGIN RSA PRIVATE KEY-----");
    for n in 0..130 {
        let key = (n % 2 == 0).then_some(used.as_str());
        fake.add_workspace("acme-infra", &format!("ws-{n:03}"), key);
    }
    fake.add_workspace("acme-modules", "elsewhere", None);
    let url = start(&fake).await;
    let client = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));

    let workspaces = client.list_workspaces().await.unwrap();
    assert_eq!(workspaces.len(), 130, "both pages, one organization");
    assert_eq!(workspaces[0].name, "ws-000");
    assert_eq!(workspaces[0].ssh_key_id.as_deref(), Some(used.as_str()));
    assert_eq!(workspaces[1].ssh_key_id, None, "null relationship");
    let pages = fake
        .faults()
        .requests()
        .iter()
        .filter(|request| request.path.contains("/workspaces"))
        .count();
    assert_eq!(pages, 2, "130 workspaces are two pages of 100");

    // The key list says which workspaces use each key.
    let keys = client.list_keys().await.unwrap();
    let deploy = keys.iter().find(|key| key.id == used).unwrap();
    let names = deploy.used_by.as_ref().unwrap();
    assert_eq!(names.len(), 65);
    assert!(names.contains(&"ws-128".to_string()));
    let spare = keys.iter().find(|key| key.id == unused).unwrap();
    assert_eq!(spare.used_by, Some(Vec::new()));
}

#[tokio::test]
async fn a_workspace_key_is_assigned_and_unassigned() {
    let fake = TerraformFake::new();
    let old = fake.add_key("acme-infra", "old", "-----BEGIN RSA PRIVATE KEY-----");
    let new = fake.add_key("acme-infra", "new", "-----BEGIN RSA PRIVATE KEY-----");
    let foreign = fake.add_key("acme-modules", "theirs", "-----BEGIN RSA PRIVATE KEY-----");
    let workspace = fake.add_workspace("acme-infra", "network", Some(&old));
    let url = start(&fake).await;
    let client = client(&url, TERRAFORM_TOKEN, Some("acme-infra"));

    let moved = client.assign_ssh_key(&workspace, Some(&new)).await.unwrap();
    assert_eq!(moved.ssh_key_id.as_deref(), Some(new.as_str()));
    assert_eq!(
        fake.workspaces("acme-infra"),
        vec![("network".to_string(), Some(new.clone()))]
    );

    // A key of another organization is refused, and nothing changes.
    let err = client
        .assign_ssh_key(&workspace, Some(&foreign))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Validation);
    assert_eq!(err.status, Some(422));
    assert_eq!(
        fake.workspaces("acme-infra")[0].1.as_deref(),
        Some(new.as_str())
    );

    let cleared = client.assign_ssh_key(&workspace, None).await.unwrap();
    assert_eq!(cleared.ssh_key_id, None);
    assert_eq!(fake.workspaces("acme-infra")[0].1, None);
}

#[tokio::test]
async fn the_assign_request_is_the_documented_one() {
    let fake = TerraformFake::new();
    let key = fake.add_key("acme-infra", "k", "-----BEGIN RSA PRIVATE KEY-----");
    let workspace = fake.add_workspace("acme-infra", "w", None);
    let url = start(&fake).await;
    let http = reqwest::Client::new();
    let path = format!("{url}/api/v2/workspaces/{workspace}/relationships/ssh-key");
    let body = json!({"data": {"type": "workspaces", "attributes": {"id": key}}});
    // Plain JSON is refused: the API speaks JSON:API only.
    let wrong_type = http
        .patch(&path)
        .bearer_auth(TERRAFORM_TOKEN)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    let answer = http
        .patch(&path)
        .bearer_auth(TERRAFORM_TOKEN)
        .header("content-type", JSON_API)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let document: Value = answer.json().await.unwrap();
    assert_eq!(
        document["data"]["relationships"]["ssh-key"]["data"]["id"],
        json!(key)
    );
    // Deleting the key leaves the workspace without one.
    client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .delete_key(&key)
        .await
        .unwrap();
    assert_eq!(fake.workspaces("acme-infra")[0].1, None);
}

/// A list exactly as the docs' sample response (no `meta.pagination`) is
/// read: one key, its id and name, nothing invented for the key text.
#[tokio::test]
async fn a_list_in_the_documented_shape_is_read() {
    let mut answer = common::fixtures::Recorded::get(
        "/api/v2/organizations/acme-infra/ssh-keys",
        common::fixtures::recorded_response("terraform_list.json"),
    );
    answer.content_type = "application/vnd.api+json";
    let url = common::fixtures::serve_recorded(vec![answer]).await;
    let keys = client(&url, TERRAFORM_TOKEN, Some("acme-infra"))
        .list_keys()
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].id, "sshkey-GxrePWre1Ezug7aM");
    assert_eq!(keys[0].name, "SSH Key");
    assert!(keys[0].public_key.is_none() && keys[0].fingerprint_sha256.is_none());
}

/// PATCH with an attribute an SSH key does not have is refused with a 422
/// naming it, and changes nothing (the real API does not silently drop it).
#[tokio::test]
async fn the_fake_refuses_unknown_attributes() {
    let fake = TerraformFake::new();
    let id = fake.add_key("acme-infra", "deploy", rsa_pem());
    let url = start(&fake).await;
    let http = reqwest::Client::new();
    let response = http
        .patch(format!("{url}/api/v2/ssh-keys/{id}"))
        .header("authorization", format!("Bearer {TERRAFORM_TOKEN}"))
        .header("content-type", "application/vnd.api+json")
        .body(
            serde_json::json!({"data": {"type": "ssh-keys",
                "attributes": {"name": "renamed", "public-key": "ssh-ed25519 AAAA"}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["source"]["pointer"],
        "/data/attributes/public-key"
    );
    assert_eq!(fake.keys("acme-infra")[0].1, "deploy", "nothing renamed");
}
