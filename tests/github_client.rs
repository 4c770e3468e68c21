//! The GitHub client against the strict GitHub fake over real HTTP on
//! 127.0.0.1: paging by `Link`, both key kinds, errors, rate limits, and the
//! token staying home.

mod common;

use common::bystanders::assert_only_gone;
use common::client::fast_policy;
use common::fixtures::{Recorded, fixture_key, fixture_keys, recorded_response, serve_recorded};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use keyfleet::keys::SecretString;
use keyfleet::providers::github::GithubClient;
use keyfleet::providers::{
    ApiError, ApiErrorKind, Http, HttpPolicy, KeyScope, NewKey, NewKeyMaterial, RemoteKey,
};
use keyfleet::sandbox::github::{GITHUB_LOGIN, GITHUB_TOKEN, GithubFake, GithubLinks};
use keyfleet::sandbox::{Fault, Gate, serve};
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey};

fn policy() -> HttpPolicy {
    HttpPolicy {
        max_wait: Duration::from_secs(5),
        ..fast_policy()
    }
}

async fn start(fake: &GithubFake) -> String {
    serve(fake.router()).await.unwrap()
}

fn client(url: &str, token: &str) -> GithubClient {
    GithubClient::new(Http::new(policy()).unwrap(), url, SecretString::new(token))
}

fn new_key(title: &str, line: &str, scope: KeyScope) -> NewKey {
    NewKey {
        name: title.to_string(),
        material: NewKeyMaterial::PublicKey(line.to_string()),
        shared_in_project: false,
        scope,
        expires_at: None,
    }
}

fn fresh_private_key(comment: &str) -> PrivateKey {
    let mut key = PrivateKey::random(&mut rand::rngs::OsRng, Algorithm::Ed25519).unwrap();
    key.set_comment(comment);
    key
}

fn fresh_public_line(comment: &str) -> String {
    fresh_private_key(comment)
        .public_key()
        .to_openssh()
        .unwrap()
}

/// `n` fresh keys stored directly in the fake.
fn fill(fake: &GithubFake, n: usize) {
    for index in 0..n {
        fake.add_key(&format!("key-{index}"), &fresh_public_line(""));
    }
}

fn requests_to(fake: &GithubFake, method: &str, prefix: &str) -> Vec<String> {
    fake.faults()
        .requests()
        .into_iter()
        .filter(|request| request.method == method && request.path.starts_with(prefix))
        .map(|request| request.path)
        .collect()
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// No form of the error shows the token.
fn assert_no_token(err: &ApiError, token: &str) {
    for shown in [
        err.to_string(),
        format!("{err:?}"),
        err.full_text(),
        err.details.clone().unwrap_or_default(),
    ] {
        assert!(!shown.contains(token), "token leaked: {shown}");
    }
}

#[tokio::test]
async fn lists_every_page_of_both_kinds() {
    let fake = GithubFake::new();
    fill(&fake, 250);
    let signing_line = fresh_public_line("signer@box");
    let signing_id = fake.add_signing_key("signing", &signing_line);
    let url = start(&fake).await;

    let keys = client(&url, GITHUB_TOKEN).list_keys().await.unwrap();

    assert_eq!(keys.len(), 251);
    let stored = fake.keys();
    let (auth, signing): (Vec<&RemoteKey>, Vec<&RemoteKey>) =
        keys.iter().partition(|key| key.scope == KeyScope::Account);
    let listed: Vec<String> = auth.iter().map(|key| key.id.clone()).collect();
    let expected: Vec<String> = stored.iter().map(|key| key.id.to_string()).collect();
    assert_eq!(listed, expected, "every page, in order, nothing twice");
    for (key, stored) in auth.iter().zip(&stored) {
        assert_eq!(key.name, stored.title);
        assert_eq!(key.public_key.as_deref(), Some(stored.key.as_str()));
        let expected = PublicKey::from_openssh(&stored.key).unwrap();
        assert_eq!(
            key.fingerprint_sha256,
            Some(expected.fingerprint(HashAlg::Sha256).to_string())
        );
        assert_eq!(key.algorithm.as_deref(), Some("ssh-ed25519"));
        assert!(key.created_at.as_deref().unwrap().ends_with('Z'));
    }
    assert_eq!(signing.len(), 1);
    assert_eq!(signing[0].scope, KeyScope::Signing);
    assert_eq!(signing[0].id, signing_id.to_string());
    assert_eq!(signing[0].name, "signing");
    let expected = PublicKey::from_openssh(&signing_line).unwrap();
    assert_eq!(
        signing[0].fingerprint_sha256,
        Some(expected.fingerprint(HashAlg::Sha256).to_string())
    );

    let mut pages = requests_to(&fake, "GET", "/user/keys");
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert_eq!(pages[0], "/user/keys?per_page=100");
    // Pages 2 and 3 are fetched together, so they arrive in any order.
    pages[1..].sort();
    assert!(pages[1].ends_with("page=2"), "{pages:?}");
    assert!(pages[2].ends_with("page=3"), "{pages:?}");
    assert_eq!(requests_to(&fake, "GET", "/user/ssh_signing_keys").len(), 1);
}

/// Generous: only reached when the client does not send what is awaited.
const DEADLINE: Duration = Duration::from_secs(30);

/// Three pages of each kind in two sequential round trips: the fake holds
/// the first requests until both first pages are in (and nothing else
/// is), then holds the rest until all four remaining pages are in flight.
#[tokio::test]
async fn both_kinds_take_two_round_trips_together() {
    let fake = GithubFake::new();
    fill(&fake, 250);
    for index in 0..250 {
        fake.add_signing_key(&format!("s{index}"), &fresh_public_line(""));
    }
    let url = start(&fake).await;
    let (first, rest) = (Gate::new(), Gate::new());
    fake.faults().inject(Fault::Hold(first.clone()), 2);
    fake.faults().inject(Fault::Hold(rest.clone()), 4);

    let github = client(&url, GITHUB_TOKEN);
    let listing = tokio::spawn(async move { github.list_keys().await });

    assert!(
        first.wait_arrivals(2, DEADLINE).await,
        "both lists start at once"
    );
    let held = fake.faults().requests();
    assert_eq!(held.len(), 2, "{held:?}");
    assert_eq!(
        requests_to(&fake, "GET", "/user/keys?per_page=100").len(),
        1
    );
    assert_eq!(
        requests_to(&fake, "GET", "/user/ssh_signing_keys?per_page=100").len(),
        1
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
    let listed: Vec<String> = keys.iter().map(|key| key.id.clone()).collect();
    let expected: Vec<String> = fake
        .keys()
        .iter()
        .chain(&fake.signing_keys())
        .map(|key| key.id.to_string())
        .collect();
    assert_eq!(
        listed, expected,
        "every key once, authentication keys first"
    );
    assert_eq!(fake.faults().request_count(), 6, "no page twice");
}

/// A key deleted while the later pages are in flight shifts them by one:
/// with 201 keys the third page comes back empty, so the list is read once
/// more and every remaining key is listed exactly once. (GitHub gives no
/// total: a shift that keeps the number of pages goes unnoticed until the
/// next refresh, as with pages read one by one; docs/PERFORMANCE.md.)
#[tokio::test]
async fn a_list_that_changes_while_paging_is_read_again() {
    let fake = GithubFake::new();
    fill(&fake, 201);
    let url = start(&fake).await;
    let (first, rest) = (Gate::new(), Gate::new());
    fake.faults()
        .inject_on("/user/keys", Fault::Hold(first.clone()), 1);
    fake.faults()
        .inject_on("/user/keys", Fault::Hold(rest.clone()), 2);
    let github = client(&url, GITHUB_TOKEN);
    let listing = {
        let github = github.clone();
        tokio::spawn(async move { github.list_keys().await })
    };
    assert!(first.wait_arrivals(1, DEADLINE).await);
    first.release();
    assert!(rest.wait_arrivals(2, DEADLINE).await);
    // Page 1 is read; pages 2 and 3 are waiting at the fake.
    let gone = fake.keys()[0].clone();
    let mut key = RemoteKey {
        id: gone.id.to_string(),
        ..RemoteKey::default()
    };
    key.scope = KeyScope::Account;
    github.delete_key(&key).await.unwrap();
    rest.release();

    let keys = listing.await.unwrap().unwrap();
    let listed: Vec<String> = keys.iter().map(|key| key.id.clone()).collect();
    let expected: Vec<String> = fake.keys().iter().map(|key| key.id.to_string()).collect();
    assert_eq!(expected.len(), 200);
    assert_eq!(listed, expected, "every remaining key once, in order");
    let pages = requests_to(&fake, "GET", "/user/keys?");
    assert_eq!(pages.len(), 5, "three pages, then the two left: {pages:?}");
}

/// A server naming no last page (only `rel="next"`) is followed link by
/// link, every page once.
#[tokio::test]
async fn without_a_last_link_the_next_links_are_followed() {
    let fake = GithubFake::new();
    fill(&fake, 250);
    fake.set_links(GithubLinks::NextOnly);
    let url = start(&fake).await;

    let keys = client(&url, GITHUB_TOKEN).list_keys().await.unwrap();

    let expected: Vec<String> = fake.keys().iter().map(|key| key.id.to_string()).collect();
    let listed: Vec<String> = keys.iter().map(|key| key.id.clone()).collect();
    assert_eq!(listed, expected);
    let pages = requests_to(&fake, "GET", "/user/keys");
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        pages[1].ends_with("page=2") && pages[2].ends_with("page=3"),
        "{pages:?}"
    );
}

#[tokio::test]
async fn follows_links_when_pages_are_smaller_than_asked() {
    let fake = GithubFake::new();
    fill(&fake, 50);
    for index in 0..9 {
        fake.add_signing_key(&format!("s{index}"), &fresh_public_line(""));
    }
    fake.set_max_page_size(7);
    let url = start(&fake).await;

    let keys = client(&url, GITHUB_TOKEN).list_keys().await.unwrap();

    let auth: Vec<String> = keys
        .iter()
        .filter(|key| key.scope == KeyScope::Account)
        .map(|key| key.id.clone())
        .collect();
    let expected: Vec<String> = fake.keys().iter().map(|key| key.id.to_string()).collect();
    assert_eq!(auth, expected);
    let signing = keys
        .iter()
        .filter(|key| key.scope == KeyScope::Signing)
        .count();
    assert_eq!(signing, 9);
    assert_eq!(requests_to(&fake, "GET", "/user/keys").len(), 8); // ceil(50 / 7)
    assert_eq!(requests_to(&fake, "GET", "/user/ssh_signing_keys").len(), 2);
}

#[tokio::test]
async fn enterprise_server_base_path_pages_too() {
    let fake = GithubFake::new();
    fill(&fake, 120);
    let root = serve(axum::Router::new().nest("/api/v3", fake.router()))
        .await
        .unwrap();
    let url = format!("{root}/api/v3");

    let keys = client(&url, GITHUB_TOKEN).list_keys().await.unwrap();

    assert_eq!(keys.len(), 120);
    let text = client(&url, GITHUB_TOKEN).test_connection().await.unwrap();
    assert!(text.contains(GITHUB_LOGIN), "{text}");
}

#[tokio::test]
async fn test_connection_names_the_login() {
    let fake = GithubFake::new();
    fake.seed_demo();
    let url = start(&fake).await;
    let text = client(&url, GITHUB_TOKEN).test_connection().await.unwrap();
    assert_eq!(
        text,
        format!(
            "Signed in as {GITHUB_LOGIN}; the token can read SSH authentication and signing keys"
        )
    );
    // The demo account has both kinds.
    let keys = client(&url, GITHUB_TOKEN).list_keys().await.unwrap();
    assert_eq!(keys.len(), fake.keys().len() + fake.signing_keys().len());
    assert!(keys.iter().any(|key| key.scope == KeyScope::Signing));
    assert!(keys.iter().all(|key| key.fingerprint_sha256.is_some()));
}

#[tokio::test]
async fn adds_authentication_and_signing_keys() {
    let fake = GithubFake::new();
    let url = start(&fake).await;
    let github = client(&url, GITHUB_TOKEN);
    let fixture = fixture_key("ecdsa384");
    let line = fixture.public.clone();

    let created = github
        .create_key(&new_key(
            "  laptop  ",
            &format!("  {line}\n"),
            KeyScope::Account,
        ))
        .await
        .unwrap();
    assert!(created.private_key.is_none());
    assert_eq!(created.key.name, "laptop");
    assert_eq!(created.key.scope, KeyScope::Account);
    assert_eq!(created.key.fingerprint_sha256, Some(fixture.sha256.clone()));
    assert_eq!(created.key.fingerprint_md5, Some(fixture.md5.clone()));
    assert_eq!(
        fake.keys()[0].key,
        fixture.type_and_data,
        "stored without the comment"
    );
    assert_eq!(fake.keys().len(), 1);
    assert_eq!(created.key.id, fake.keys()[0].id.to_string());
    assert_eq!(fake.keys()[0].title, "laptop");

    // The same key may also sign commits: GitHub keeps the lists apart.
    let signing = github
        .create_key(&new_key("signer", &line, KeyScope::Signing))
        .await
        .unwrap();
    assert_eq!(signing.key.scope, KeyScope::Signing);
    assert_eq!(fake.signing_keys().len(), 1);
    assert_eq!(fake.keys().len(), 1);
    assert_eq!(
        requests_to(&fake, "POST", "/"),
        vec!["/user/keys", "/user/ssh_signing_keys"]
    );
}

#[tokio::test]
async fn a_duplicate_is_a_conflict() {
    let fake = GithubFake::new();
    let url = start(&fake).await;
    let github = client(&url, GITHUB_TOKEN);
    let line = fresh_public_line("dup");
    github
        .create_key(&new_key("first", &line, KeyScope::Account))
        .await
        .unwrap();

    let err = github
        .create_key(&new_key("second", &line, KeyScope::Account))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Conflict, "{err:?}");
    assert_eq!(err.status, Some(422));
    assert!(
        err.message.contains("key is already in use"),
        "{}",
        err.message
    );
    assert_eq!(err.fields[0].field, "key");
    assert_no_token(&err, GITHUB_TOKEN);
    assert_eq!(fake.keys().len(), 1);

    github
        .create_key(&new_key("sign", &line, KeyScope::Signing))
        .await
        .unwrap();
    let err = github
        .create_key(&new_key("sign again", &line, KeyScope::Signing))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Conflict, "{err:?}");
}

#[tokio::test]
async fn refused_material_is_never_sent() {
    let fake = GithubFake::new();
    let url = start(&fake).await;
    let github = client(&url, GITHUB_TOKEN);
    let private = fresh_private_key("x").to_openssh(LineEnding::LF).unwrap();
    let cases = [
        NewKeyMaterial::PrivateKey(SecretString::new(private.as_str())),
        NewKeyMaterial::GenerateOnServer,
        NewKeyMaterial::PublicKey("ssh-ed25519 not-base64".into()),
        NewKeyMaterial::PublicKey(private.to_string()),
    ];
    for material in cases {
        let key = NewKey {
            name: "x".into(),
            material,
            shared_in_project: false,
            scope: KeyScope::Account,
            expires_at: None,
        };
        let err = github.create_key(&key).await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::InvalidInput, "{err:?}");
        assert!(!err.to_string().contains("PRIVATE KEY"), "{err}");
    }
    let err = github
        .create_key(&new_key("  ", &fresh_public_line(""), KeyScope::Account))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    let region = KeyScope::Region {
        region_id: 1,
        region_name: "x".into(),
    };
    let err = github
        .create_key(&new_key("r", &fresh_public_line(""), region))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert_eq!(fake.faults().request_count(), 0);
}

/// Serves `router` and returns its URL; for answers the fake never gives.
async fn stub(router: axum::Router) -> String {
    serve(router).await.unwrap()
}

#[tokio::test]
async fn an_invalid_key_is_a_validation_error_and_echoes_are_redacted() {
    // Keyfleet's own check refuses every key the fake would refuse, so
    // GitHub's 422 comes from a stub, which also echoes the token it got.
    use axum::http::{HeaderMap, StatusCode};
    let router = axum::Router::new().route(
        "/user/keys",
        axum::routing::post(|headers: HeaderMap| async move {
            let auth = headers
                .get("authorization")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let body = serde_json::json!({
                "message": format!("Validation Failed for {auth}"),
                "errors": [{"resource": "PublicKey", "code": "custom", "field": "key",
                            "message": format!("key is invalid. You must supply a key in OpenSSH public key format ({auth})")}],
                "documentation_url": "https://docs.github.com/rest",
            });
            (StatusCode::UNPROCESSABLE_ENTITY, body.to_string())
        }),
    );
    let url = stub(router).await;
    let err = client(&url, GITHUB_TOKEN)
        .create_key(&new_key("k", &fresh_public_line(""), KeyScope::Account))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Validation, "{err:?}");
    assert!(err.message.contains("key is invalid"), "{}", err.message);
    assert!(err.message.contains("<redacted>"), "{}", err.message);
    assert_no_token(&err, GITHUB_TOKEN);
}

#[tokio::test]
async fn deletes_from_the_right_list() {
    let fake = GithubFake::new();
    let auth_line = fresh_public_line("");
    let auth_id = fake.add_key("auth", &auth_line);
    let signing_id = fake.add_signing_key("sign", &fresh_public_line(""));
    assert_eq!(auth_id, signing_id, "the lists count separately");
    // Bystanders: the authentication key's text again as a signing key,
    // and a second authentication key titled like the signing key.
    let bystander_signing = fake.add_signing_key("auth", &auth_line);
    fake.add_key("sign", &fresh_public_line(""));
    let before = fake.snapshot();
    let url = start(&fake).await;
    let github = client(&url, GITHUB_TOKEN);
    let keys = github.list_keys().await.unwrap();
    let signing = keys
        .iter()
        .find(|key| key.scope == KeyScope::Signing && key.id == signing_id.to_string())
        .unwrap();

    github.delete_key(signing).await.unwrap();
    let signing_identity = format!("signing/{signing_id}");
    assert_only_gone(&before, &fake.snapshot(), &[&signing_identity]);
    assert_eq!(
        requests_to(&fake, "DELETE", "/"),
        vec![format!("/user/ssh_signing_keys/{signing_id}")]
    );

    // A key already gone on the first attempt is an error…
    let err = github.delete_key(signing).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound, "{err:?}");
    assert!(
        err.message.contains("admin:ssh_signing_key"),
        "{}",
        err.message
    );

    // …but on a retry it means the lost first attempt worked.
    let auth = keys
        .iter()
        .find(|key| key.scope == KeyScope::Account && key.id == auth_id.to_string())
        .unwrap();
    fake.faults().inject(Fault::DropAfterHandling, 1);
    github.delete_key(auth).await.unwrap();
    let auth_identity = format!("authentication/{auth_id}");
    assert_only_gone(
        &before,
        &fake.snapshot(),
        &[&signing_identity, &auth_identity],
    );
    assert!(
        fake.signing_keys()
            .iter()
            .any(|key| key.id == bystander_signing)
    );
    assert_eq!(requests_to(&fake, "DELETE", "/user/keys/").len(), 2);

    let mut bogus = auth.clone();
    bogus.id = "../ssh_signing_keys/1".into();
    let err = github.delete_key(&bogus).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_wrong_token_is_bad_credentials() {
    let fake = GithubFake::new();
    let url = start(&fake).await;
    let token = "ghp_wrongWrongWrong0123456789abcdefghij";
    let github = client(&url, token);
    for err in [
        github.test_connection().await.unwrap_err(),
        github.list_keys().await.unwrap_err(),
        github
            .create_key(&new_key("k", &fresh_public_line(""), KeyScope::Account))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind, ApiErrorKind::BadCredentials, "{err:?}");
        assert_eq!(err.status, Some(401));
        assert!(err.message.contains("Bad credentials"), "{}", err.message);
        assert_no_token(&err, token);
    }
}

#[tokio::test]
async fn a_missing_scope_is_named() {
    let fake = GithubFake::new();
    fill(&fake, 3);
    let url = start(&fake).await;
    let github = client(&url, GITHUB_TOKEN);

    // No key scope at all: authentication keys cannot be read.
    fake.set_scopes(&["repo"]);
    let err = github.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Forbidden, "{err:?}");
    assert_eq!(err.status, Some(404));
    assert!(err.message.contains("read:public_key"), "{}", err.message);
    assert!(err.message.contains("\"Git SSH keys\""), "{}", err.message);
    assert!(err.message.contains("scopes: repo"), "{}", err.message);
    assert_no_token(&err, GITHUB_TOKEN);

    // Authentication keys only: the list fails and says what to add, the
    // detailed list still returns them.
    fake.set_scopes(&["read:public_key"]);
    let err = github.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Forbidden, "{err:?}");
    assert!(
        err.message.contains("read:ssh_signing_key"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("\"SSH signing keys\""),
        "{}",
        err.message
    );
    let listing = github.list_keys_detailed().await.unwrap();
    assert_eq!(listing.keys.len(), 3);
    assert!(listing.signing_keys_error.is_some());
    let err = github.test_connection().await.unwrap_err();
    assert!(
        err.message
            .starts_with(&format!("Signed in as {GITHUB_LOGIN}, but")),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("read:ssh_signing_key"),
        "{}",
        err.message
    );

    // Reading is not writing.
    let err = github
        .create_key(&new_key("k", &fresh_public_line(""), KeyScope::Account))
        .await
        .unwrap_err();
    assert!(err.message.contains("write:public_key"), "{}", err.message);
    assert_eq!(fake.keys().len(), 3);
}

#[tokio::test]
async fn a_fine_grained_403_names_the_permission() {
    use axum::http::StatusCode;
    let router = axum::Router::new()
        .route(
            "/user/keys",
            axum::routing::get(|| async { (StatusCode::OK, "[]") }),
        )
        .route(
            "/user/ssh_signing_keys",
            axum::routing::get(|| async {
                (
                    StatusCode::FORBIDDEN,
                    r#"{"message":"Resource not accessible by personal access token","documentation_url":"https://docs.github.com/rest","status":"403"}"#,
                )
            }),
        );
    let url = stub(router).await;
    let err = client(&url, GITHUB_TOKEN).list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Forbidden, "{err:?}");
    assert!(
        err.message.contains("Resource not accessible"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("\"SSH signing keys\""),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn the_primary_rate_limit_waits_for_the_reset() {
    let fake = GithubFake::new();
    fill(&fake, 2);
    let url = start(&fake).await;
    // The reset is set when the first request arrives (so it is refused
    // however slow this machine is), at least this late.
    let reset = epoch_now() + 1;
    fake.limit_from_next_request(1);

    // 30 s only bounds a hang; how long the wait takes is for the benches.
    let keys = tokio::time::timeout(
        Duration::from_secs(30),
        client(&url, GITHUB_TOKEN).list_keys(),
    )
    .await
    .expect("the client never came back after the reset")
    .unwrap();

    assert_eq!(keys.len(), 2);
    assert!(epoch_now() >= reset, "answered before the reset");
    // Both lists are read at once: per list at most one refused request
    // and one good one, no hammering meanwhile.
    for list in ["/user/keys", "/user/ssh_signing_keys"] {
        let sent = requests_to(&fake, "GET", list);
        assert!(matches!(sent.len(), 1 | 2), "{list}: {sent:?}");
    }
    assert!(
        fake.faults().request_count() >= 3,
        "one refused, one good per list: {:?}",
        fake.faults().requests()
    );
}

#[tokio::test]
async fn a_distant_reset_fails_at_once_with_the_wait() {
    let fake = GithubFake::new();
    let url = start(&fake).await;
    fake.limit_until(epoch_now() + 1800);

    let err = client(&url, GITHUB_TOKEN).list_keys().await.unwrap_err();

    assert_eq!(err.kind, ApiErrorKind::RateLimited, "{err:?}");
    assert_eq!(err.status, Some(403));
    let wait = err.retry_after.unwrap();
    assert!(
        wait > Duration::from_secs(1790) && wait <= Duration::from_secs(1800),
        "{wait:?}"
    );
    assert!(
        err.message.contains("resets in 30 minutes"),
        "{}",
        err.message
    );
    // Neither list is retried (both were asked for at once).
    for list in ["/user/keys", "/user/ssh_signing_keys"] {
        let sent = requests_to(&fake, "GET", list);
        assert!(sent.len() <= 1, "{list} retried: {sent:?}");
    }
}

#[tokio::test]
async fn a_secondary_limit_honours_retry_after() {
    let fake = GithubFake::new();
    fill(&fake, 1);
    let url = start(&fake).await;
    let github = client(&url, GITHUB_TOKEN);

    fake.limit_secondary(1, 1);
    let started = Instant::now();
    github.test_connection().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // A 429 with retry-after (the shared fault) works the same way.
    fake.faults().inject(
        Fault::RateLimited {
            header: "retry-after",
            seconds: 0.3,
        },
        1,
    );
    let started = Instant::now();
    assert_eq!(github.list_keys().await.unwrap().len(), 1);
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Retries run out while the limit lasts.
    fake.limit_secondary(100, 0);
    let err = github.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::RateLimited, "{err:?}");
    assert!(
        err.message.contains("secondary rate limit"),
        "{}",
        err.message
    );
}

/// A TCP listener that counts connections and never answers usefully.
/// A listener counting the connections it accepts, in order.
async fn recorder() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, connections)
}

/// Connects to the recorder at `url` and waits until it has accepted (and
/// so counted, then closed) that marker connection; returns how many came
/// before it. Connections are accepted in order, so one the client made
/// earlier is counted first: no waiting for "long enough".
async fn connections_before_a_marker(url: &str, connections: &AtomicUsize) -> usize {
    use tokio::io::AsyncReadExt;
    let address = url.trim_start_matches("http://");
    let mut marker = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut byte = [0u8; 1];
    // End of stream (or a reset) once the recorder dropped it.
    let closed = tokio::time::timeout(Duration::from_secs(30), marker.read(&mut byte)).await;
    assert!(
        matches!(closed, Ok(Ok(0) | Err(_))),
        "the recorder never closed the marker"
    );
    connections.load(Ordering::SeqCst) - 1
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused() {
    let fake = GithubFake::new();
    fill(&fake, 150);
    let url = start(&fake).await;
    let (elsewhere, connections) = recorder().await;
    fake.set_links(GithubLinks::Origin(elsewhere.clone()));

    let err = client(&url, GITHUB_TOKEN).list_keys().await.unwrap_err();

    assert_eq!(err.kind, ApiErrorKind::MalformedResponse, "{err:?}");
    assert!(err.message.contains("another address"), "{}", err.message);
    assert!(err.message.contains("127.0.0.1"), "{}", err.message);
    assert_no_token(&err, GITHUB_TOKEN);
    assert_eq!(
        connections_before_a_marker(&elsewhere, &connections).await,
        0,
        "the other origin got a connection"
    );
    assert_eq!(requests_to(&fake, "GET", "/user/keys").len(), 1);
}

#[tokio::test]
async fn a_link_pointing_back_does_not_loop() {
    let fake = GithubFake::new();
    fill(&fake, 150);
    fake.set_links(GithubLinks::PointBack);
    let url = start(&fake).await;

    let err = tokio::time::timeout(
        Duration::from_secs(10),
        client(&url, GITHUB_TOKEN).list_keys(),
    )
    .await
    .expect("the listing ended")
    .unwrap_err();

    assert_eq!(err.kind, ApiErrorKind::MalformedResponse, "{err:?}");
    assert!(err.message.contains("did not end"), "{}", err.message);
    assert!(requests_to(&fake, "GET", "/user/keys").len() <= 3);
}

#[tokio::test]
async fn the_fake_refuses_requests_without_githubs_headers() {
    // A passing list proves the client sends these headers only because
    // the fake refuses requests without them; check that it does.
    let fake = GithubFake::new();
    let url = start(&fake).await;
    let http = reqwest::Client::new();
    let get = |accept: Option<&str>, version: Option<&str>, agent: bool| {
        let mut request = http
            .get(format!("{url}/user/keys"))
            .header("authorization", format!("Bearer {GITHUB_TOKEN}"));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        if let Some(version) = version {
            request = request.header("x-github-api-version", version);
        }
        if agent {
            request = request.header("user-agent", "test");
        }
        request.send()
    };
    let vnd = "application/vnd.github+json";
    let status = |response: reqwest::Response| response.status().as_u16();
    assert_eq!(
        status(get(Some(vnd), Some("2022-11-28"), true).await.unwrap()),
        200
    );
    assert_eq!(
        status(get(None, Some("2022-11-28"), true).await.unwrap()),
        415
    );
    assert_eq!(
        status(
            get(Some("application/json"), Some("2022-11-28"), true)
                .await
                .unwrap()
        ),
        415
    );
    assert_eq!(status(get(Some(vnd), None, true).await.unwrap()), 400);
    assert_eq!(
        status(get(Some(vnd), Some("2020-01-01"), true).await.unwrap()),
        400
    );
    assert_eq!(
        status(get(Some(vnd), Some("2022-11-28"), false).await.unwrap()),
        403
    );

    // Bodies: unknown fields, invalid keys.
    let post = |body: serde_json::Value| {
        http.post(format!("{url}/user/keys"))
            .header("authorization", format!("Bearer {GITHUB_TOKEN}"))
            .header("accept", vnd)
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", "test")
            .json(&body)
            .send()
    };
    let line = fresh_public_line("");
    let response = post(serde_json::json!({"title": "t", "key": line, "extra": 1}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let refused: serde_json::Value = response.json().await.unwrap();
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("\"extra\" is not a permitted key"),
        "{message}"
    );
    let response = post(serde_json::json!({"title": "t", "key": "ssh-ed25519 nope"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    assert!(response.text().await.unwrap().contains("key is invalid"));
    // DSA: GitHub stopped accepting it in 2022.
    let dsa = fixture_key("dsa1024").public;
    let response = post(serde_json::json!({"title": "t", "key": dsa}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    assert!(response.text().await.unwrap().contains("key is invalid"));
    let response = post(serde_json::json!({"title": "t", "key": line}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let created: serde_json::Value = response.json().await.unwrap();
    assert!(created["id"].is_u64(), "{created}");
    assert_eq!(created["verified"], true);
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));

    // per_page: default 30, at most 100, with GitHub's Link header.
    for index in 0..150 {
        fake.add_key(&format!("k{index}"), &line);
    }
    let page = |query: &'static str| {
        http.get(format!("{url}/user/keys{query}"))
            .header("authorization", format!("Bearer {GITHUB_TOKEN}"))
            .header("accept", vnd)
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", "test")
            .send()
    };
    let response = page("").await.unwrap();
    let link = response.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("page=2>; rel=\"next\""), "{link}");
    assert!(link.contains("page=6>; rel=\"last\""), "{link}");
    assert_eq!(
        response
            .json::<Vec<serde_json::Value>>()
            .await
            .unwrap()
            .len(),
        30
    );
    let response = page("?per_page=500").await.unwrap();
    assert_eq!(
        response
            .json::<Vec<serde_json::Value>>()
            .await
            .unwrap()
            .len(),
        100
    );
}

/// The key arrives between the list and the create (another tool, another
/// Keyfleet): GitHub answers 422 "key is already in use", and publishing
/// counts it as already there because the account now lists it.
#[tokio::test]
async fn a_key_already_in_use_on_this_account_counts_as_there() {
    use keyfleet::ops::publish::{PublishOutcome, publish_to};
    use keyfleet::providers::{AccountTarget, ProviderClient, ProviderSettings};

    let fake = GithubFake::new();
    let url = start(&fake).await;
    let line = fresh_public_line("race@laptop");
    let sha256 = keyfleet::keys::public::parse_public_key(&line)
        .unwrap()
        .fingerprint_sha256;
    let client = ProviderClient::new(
        Http::new(policy()).unwrap(),
        &AccountTarget {
            base_url: url.clone(),
            token: SecretString::new(GITHUB_TOKEN),
            settings: ProviderSettings::Github {},
        },
    )
    .unwrap();
    // Both lists (authentication and signing keys) go through at once; the
    // create is held at a gate while the key lands, then let through.
    let gate = Gate::new();
    fake.faults().inject(Fault::Delay(Duration::ZERO), 2);
    fake.faults().inject(Fault::Hold(gate.clone()), 1);
    let publishing = {
        let client = client.clone();
        let key = new_key("laptop", &line, KeyScope::Account);
        let sha256 = sha256.clone();
        tokio::spawn(async move { publish_to(&client, &key, &sha256).await })
    };
    assert!(
        gate.wait_arrivals(1, Duration::from_secs(30)).await,
        "the create never reached the fake"
    );
    let held = fake.faults().requests().last().cloned().unwrap();
    assert_eq!(
        (held.method.as_str(), held.path.as_str()),
        ("POST", "/user/keys")
    );
    // GitHub keeps type and key data only.
    let stored: Vec<&str> = line.split_whitespace().take(2).collect();
    let id = fake.add_key("added elsewhere", &stored.join(" "));
    gate.release();
    let (outcome, key) = publishing.await.unwrap().unwrap();
    assert_eq!(outcome, PublishOutcome::AlreadyThere);
    assert_eq!(key.id, id.to_string());
    assert_eq!(fake.keys().len(), 1, "nothing added twice");
}

/// Every fixture key GitHub takes, listed back: SHA256 and MD5 as
/// ssh-keygen printed them.
#[tokio::test]
async fn listed_fingerprints_are_the_ones_ssh_keygen_printed() {
    let fake = GithubFake::new();
    let fixtures: Vec<_> = fixture_keys()
        .into_iter()
        .filter(|fixture| fixture.keygen_type != "DSA")
        .collect();
    for fixture in &fixtures {
        fake.add_key(fixture.name, &fixture.type_and_data);
    }
    let url = start(&fake).await;
    let keys = client(&url, GITHUB_TOKEN).list_keys().await.unwrap();
    assert_eq!(keys.len(), fixtures.len());
    for (key, fixture) in keys.iter().zip(&fixtures) {
        assert_eq!(key.name, fixture.name);
        assert_eq!(
            key.fingerprint_sha256.as_deref(),
            Some(fixture.sha256.as_str())
        );
        assert_eq!(key.fingerprint_md5.as_deref(), Some(fixture.md5.as_str()));
    }
}

/// The docs' example list, verbatim: its `key` values are not OpenSSH
/// lines, and the client still lists both keys by id, title and date,
/// with no fingerprint invented for them.
#[tokio::test]
async fn a_list_in_the_documented_shape_is_read() {
    let url = serve_recorded(vec![
        Recorded::get("/user/keys", recorded_response("github_list.json")),
        Recorded::get("/user/ssh_signing_keys", "[]".into()),
    ])
    .await;
    let keys = client(&url, GITHUB_TOKEN).list_keys().await.unwrap();
    let summary: Vec<(&str, &str, Option<&str>)> = keys
        .iter()
        .map(|key| {
            (
                key.id.as_str(),
                key.name.as_str(),
                key.created_at.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "2",
                "ssh-rsa AAAAB3NzaC1yc2EAAA",
                Some("2020-06-11T21:31:57Z")
            ),
            (
                "3",
                "ssh-rsa AAAAB3NzaC1yc2EAAB",
                Some("2020-07-11T21:31:57Z")
            ),
        ]
    );
    assert!(keys.iter().all(|key| key.fingerprint_sha256.is_none()));
}

/// A key put there by another tool (seeded with its comment) is the same
/// key to GitHub: uploading it again is "already in use", not a second copy.
#[tokio::test]
async fn a_seeded_key_with_a_comment_is_already_in_use() {
    let fake = GithubFake::new();
    let url = start(&fake).await;
    let github = client(&url, GITHUB_TOKEN);
    let line = fresh_public_line("someone@elsewhere");
    fake.add_key("from the web", &line);
    fake.add_signing_key("signing from the web", &line);
    let data_only: String = line.split(' ').take(2).collect::<Vec<_>>().join(" ");
    for scope in [KeyScope::Account, KeyScope::Signing] {
        let err = github
            .create_key(&new_key(
                "again",
                &format!("{data_only} me@laptop"),
                scope.clone(),
            ))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::Conflict, "{scope:?}: {err:?}");
    }
    assert_eq!(fake.keys().len(), 1);
    assert_eq!(fake.signing_keys().len(), 1);
    assert_eq!(fake.keys()[0].key, data_only, "kept without its comment");
}
