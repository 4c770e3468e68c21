//! The GitLab client against the strict GitLab fake over real HTTP on
//! 127.0.0.1: paging in two round trips (and by `x-next-page` without
//! totals), usage types and expiry, errors naming the missing scope, rate
//! limits, "already taken" as already there, and the token staying home.

mod common;

use common::client::fast_policy;
use common::fixtures::{Recorded, fixture_key, recorded_response, serve_recorded};
use std::time::Duration;

use keyfleet::keys::SecretString;
use keyfleet::ops::publish::{PublishOutcome, publish_to};
use keyfleet::providers::gitlab::GitlabClient;
use keyfleet::providers::{
    AccountTarget, ApiError, ApiErrorKind, Http, HttpPolicy, KeyScope, NewKey, NewKeyMaterial,
    ProviderClient, ProviderSettings, RemoteKey,
};
use keyfleet::sandbox::gitlab::{GITLAB_TOKEN, GITLAB_USERNAME, GitlabFake};
use keyfleet::sandbox::{Fault, Gate, serve};
use ssh_key::{Algorithm, HashAlg, PrivateKey};

fn policy() -> HttpPolicy {
    HttpPolicy {
        max_wait: Duration::from_secs(5),
        ..fast_policy()
    }
}

async fn start(fake: &GitlabFake) -> String {
    serve(fake.router()).await.unwrap()
}

fn client(url: &str, token: &str) -> GitlabClient {
    GitlabClient::new(Http::new(policy()).unwrap(), url, SecretString::new(token))
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

fn fresh_public_line(comment: &str) -> String {
    let mut key = PrivateKey::random(&mut rand::rngs::OsRng, Algorithm::Ed25519).unwrap();
    key.set_comment(comment);
    key.public_key().to_openssh().unwrap()
}

fn sha256_of(line: &str) -> String {
    ssh_key::PublicKey::from_openssh(line)
        .unwrap()
        .fingerprint(HashAlg::Sha256)
        .to_string()
}

/// `n` fresh keys stored directly in the fake.
fn fill(fake: &GitlabFake, n: usize) {
    for index in 0..n {
        fake.add_key(&format!("key-{index}"), &fresh_public_line(""));
    }
}

fn list_requests(fake: &GitlabFake) -> Vec<String> {
    fake.faults()
        .requests()
        .into_iter()
        .filter(|request| request.method == "GET" && request.path.starts_with("/api/v4/user/keys"))
        .map(|request| request.path)
        .collect()
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

fn ids(keys: &[RemoteKey]) -> Vec<String> {
    let mut ids: Vec<String> = keys.iter().map(|key| key.id.clone()).collect();
    ids.sort();
    ids
}

/// Three pages of 100: page 1, then pages 2 and 3 in flight together. Both
/// are held at a gate until both have arrived, which a client that pages
/// one after the other never reaches.
#[tokio::test]
async fn lists_three_pages_in_two_round_trips() {
    let fake = GitlabFake::new();
    fill(&fake, 250);
    let url = start(&fake).await;
    let gate = Gate::new();
    fake.faults().inject(Fault::Delay(Duration::ZERO), 1);
    fake.faults().inject(Fault::Hold(gate.clone()), 2);
    let listing = {
        let client = client(&url, GITLAB_TOKEN);
        tokio::spawn(async move { client.list_keys().await })
    };
    assert!(
        gate.wait_arrivals(2, Duration::from_secs(30)).await,
        "pages 2 and 3 were not requested together"
    );
    gate.release();
    let keys = listing.await.unwrap().unwrap();
    assert_eq!(keys.len(), 250);
    let mut expected: Vec<String> = fake.keys().iter().map(|key| key.id.to_string()).collect();
    expected.sort();
    assert_eq!(ids(&keys), expected);
    assert_eq!(list_requests(&fake).len(), 3, "{:?}", list_requests(&fake));
    assert!(
        list_requests(&fake)
            .iter()
            .all(|path| path.contains("per_page=100"))
    );
}

/// Past 10,000 records GitLab leaves the totals out: the client follows
/// `x-next-page`, one page after the other.
#[tokio::test]
async fn without_totals_follows_the_next_page_header() {
    let fake = GitlabFake::new();
    fill(&fake, 23);
    fake.set_max_page_size(10);
    fake.omit_totals(true);
    let url = start(&fake).await;
    let keys = client(&url, GITLAB_TOKEN).list_keys().await.unwrap();
    assert_eq!(keys.len(), 23);
    let pages: Vec<String> = list_requests(&fake);
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[2].contains("page=3"), "{pages:?}");
}

/// Pages smaller than asked (a server with a lower limit) still add up,
/// each key once.
#[tokio::test]
async fn smaller_pages_than_asked_are_all_read_once() {
    let fake = GitlabFake::new();
    fill(&fake, 20);
    fake.set_max_page_size(7);
    let url = start(&fake).await;
    let keys = client(&url, GITLAB_TOKEN).list_keys().await.unwrap();
    assert_eq!(keys.len(), 20);
    assert_eq!(ids(&keys).len(), 20);
    assert_eq!(list_requests(&fake).len(), 3);
}

#[tokio::test]
async fn usage_types_and_expiry_are_read() {
    let fake = GitlabFake::new();
    let signing = fake.add_key_with(
        "sign",
        &fresh_public_line(""),
        "signing",
        Some("2031-02-03"),
    );
    let auth = fake.add_key_with("auth", &fresh_public_line(""), "auth", None);
    let both = fake.add_key_with("both", &fresh_public_line(""), "auth_and_signing", None);
    let url = start(&fake).await;
    let keys = client(&url, GITLAB_TOKEN).list_keys().await.unwrap();
    let find = |id: u64| keys.iter().find(|key| key.id == id.to_string()).unwrap();
    assert_eq!(find(signing).scope, KeyScope::Signing);
    assert_eq!(find(signing).kind_label.as_deref(), Some("Signing"));
    assert_eq!(
        find(signing).expires_at.as_deref(),
        Some("2031-02-03T00:00:00.000Z")
    );
    assert_eq!(find(auth).scope, KeyScope::Account);
    assert_eq!(find(auth).kind_label.as_deref(), Some("Authentication"));
    assert_eq!(find(auth).expires_at, None);
    assert_eq!(
        find(both).kind_label.as_deref(),
        Some("Authentication & signing")
    );

    // A GitLab before 15.7 sends neither field: every key authenticates.
    fake.set_old_version(true);
    let keys = client(&url, GITLAB_TOKEN).list_keys().await.unwrap();
    assert!(keys.iter().all(|key| key.scope == KeyScope::Account
        && key.expires_at.is_none()
        && key.kind_label.as_deref() == Some("Authentication")));
}

#[tokio::test]
async fn test_connection_names_the_user_with_or_without_api_v4() {
    let fake = GitlabFake::new();
    let url = start(&fake).await;
    for base in [
        url.clone(),
        format!("{url}/api/v4"),
        format!("{url}/api/v4/"),
    ] {
        let said = client(&base, GITLAB_TOKEN).test_connection().await.unwrap();
        assert!(said.contains(GITLAB_USERNAME), "{said}");
    }
}

/// A signing key with an expiry date goes in as such, and comes back so.
#[tokio::test]
async fn adds_keys_where_asked_with_an_expiry() {
    let fake = GitlabFake::new();
    let url = start(&fake).await;
    let gitlab = client(&url, GITLAB_TOKEN);
    let mut signing = new_key("commits", &fresh_public_line("me@x"), KeyScope::Signing);
    signing.expires_at = Some(time::macros::date!(2031 - 07 - 04));
    let created = gitlab.create_key(&signing).await.unwrap().key;
    assert_eq!(created.scope, KeyScope::Signing);
    assert_eq!(
        created.expires_at.as_deref(),
        Some("2031-07-04T00:00:00.000Z")
    );
    let account = new_key("laptop", &fresh_public_line(""), KeyScope::Account);
    let created = gitlab.create_key(&account).await.unwrap().key;
    assert_eq!(created.scope, KeyScope::Account);
    let stored = fake.keys();
    assert_eq!(
        stored
            .iter()
            .map(|key| (key.usage_type.as_str(), key.expires_at.as_deref()))
            .collect::<Vec<_>>(),
        [("signing", Some("2031-07-04")), ("auth_and_signing", None)]
    );
}

/// "has already been taken" (on this account or another user's) is a
/// conflict, and a publish that meets it after its list counts the key as
/// there once a second list shows it.
#[tokio::test]
async fn a_taken_key_is_a_conflict_and_publish_counts_it_as_there() {
    let fake = GitlabFake::new();
    let url = start(&fake).await;
    let gitlab = client(&url, GITLAB_TOKEN);
    let line = fresh_public_line("");
    fake.add_key("first", &line);
    let err = gitlab
        .create_key(&new_key("again", &line, KeyScope::Account))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Conflict, "{err}");
    assert!(err.message.contains("has already been taken"), "{err}");
    assert_eq!(err.fields[0].field, "fingerprint_sha256");

    let foreign = fresh_public_line("");
    fake.add_foreign_key(&foreign);
    let err = gitlab
        .create_key(&new_key("theirs", &foreign, KeyScope::Account))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Conflict, "{err}");
    assert!(err.message.contains("another GitLab user"), "{err}");

    // The key lands between publish's list and its create.
    let late = fresh_public_line("");
    let account = ProviderClient::new(
        Http::new(policy()).unwrap(),
        &AccountTarget {
            base_url: url.clone(),
            token: SecretString::new(GITLAB_TOKEN),
            settings: ProviderSettings::Gitlab {},
        },
    )
    .unwrap();
    let gate = Gate::new();
    fake.faults().inject(Fault::Delay(Duration::ZERO), 1);
    fake.faults().inject(Fault::Hold(gate.clone()), 1);
    let publishing = {
        let key = new_key("laptop", &late, KeyScope::Account);
        let sha256 = sha256_of(&late);
        tokio::spawn(async move { publish_to(&account, &key, &sha256).await })
    };
    assert!(gate.wait_arrivals(1, Duration::from_secs(30)).await);
    let id = fake.add_key("added elsewhere", &late);
    gate.release();
    let (outcome, key) = publishing.await.unwrap().unwrap();
    assert_eq!(outcome, PublishOutcome::AlreadyThere);
    assert_eq!(key.id, id.to_string());
}

#[tokio::test]
async fn refused_material_is_never_sent() {
    let fake = GitlabFake::new();
    let url = start(&fake).await;
    let gitlab = client(&url, GITLAB_TOKEN);
    let dsa = fixture_key("dsa1024");
    let private = NewKey {
        material: NewKeyMaterial::PrivateKey(SecretString::new("-----BEGIN")),
        ..new_key("x", "", KeyScope::Account)
    };
    let region = new_key(
        "x",
        &fresh_public_line(""),
        KeyScope::Region {
            region_id: 1,
            region_name: "r".into(),
        },
    );
    for bad in [
        new_key("x", &dsa.public, KeyScope::Account),
        new_key("x", "ssh-ed25519 nonsense", KeyScope::Account),
        new_key(" ", &fresh_public_line(""), KeyScope::Account),
        private,
        region,
    ] {
        let err = gitlab.create_key(&bad).await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::InvalidInput, "{err}");
    }
    assert_eq!(fake.faults().request_count(), 0);
}

#[tokio::test]
async fn a_wrong_token_is_bad_credentials_without_the_token() {
    let fake = GitlabFake::new();
    let url = start(&fake).await;
    let wrong = "glpat-wrongWrongWrong0123";
    let err = client(&url, wrong).list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::BadCredentials, "{err}");
    assert!(err.message.contains("401"), "{err}");
    assert_no_token(&err, wrong);
}

/// `read_user` lists but cannot write: the error names `api`; a token
/// without either names `read_user`.
#[tokio::test]
async fn a_missing_scope_is_named() {
    let fake = GitlabFake::new();
    let line = fresh_public_line("");
    let id = fake.add_key("k", &line);
    fake.set_scopes(&["read_user"]);
    let url = start(&fake).await;
    let gitlab = client(&url, GITLAB_TOKEN);
    assert_eq!(gitlab.list_keys().await.unwrap().len(), 1);
    let err = gitlab
        .create_key(&new_key("n", &fresh_public_line(""), KeyScope::Account))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Forbidden, "{err}");
    assert!(err.message.contains("the api scope"), "{err}");
    let key = RemoteKey {
        id: id.to_string(),
        ..RemoteKey::default()
    };
    let err = gitlab.delete_key(&key).await.unwrap_err();
    assert!(err.message.contains("the api scope"), "{err}");

    fake.set_scopes(&["read_repository"]);
    let err = gitlab.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Forbidden, "{err}");
    assert!(err.message.contains("read_user"), "{err}");
    let err = gitlab.test_connection().await.unwrap_err();
    assert!(err.message.contains("read_user"), "{err}");
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_as_asked() {
    let fake = GitlabFake::new();
    fill(&fake, 2);
    fake.limit_next(1, 0);
    let url = start(&fake).await;
    let keys = client(&url, GITLAB_TOKEN).list_keys().await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(list_requests(&fake).len(), 2, "one refused, one answered");

    // A wait longer than the policy allows fails at once, saying it.
    fake.limit_next(1, 600);
    let err = client(&url, GITLAB_TOKEN).list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::RateLimited, "{err}");
    assert_eq!(err.retry_after, Some(Duration::from_secs(600)));
}

#[tokio::test]
async fn deletes_by_id_and_a_key_deleted_meanwhile_says_so() {
    let fake = GitlabFake::new();
    let keep = fake.add_key("keep", &fresh_public_line(""));
    let gone = fake.add_key("gone", &fresh_public_line(""));
    let url = start(&fake).await;
    let gitlab = client(&url, GITLAB_TOKEN);
    let key = |id: u64| RemoteKey {
        id: id.to_string(),
        ..RemoteKey::default()
    };
    gitlab.delete_key(&key(gone)).await.unwrap();
    assert_eq!(
        fake.keys().iter().map(|key| key.id).collect::<Vec<_>>(),
        [keep]
    );
    let err = gitlab.delete_key(&key(gone)).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound, "{err}");
    assert!(err.message.contains("deleted meanwhile"), "{err}");
    let err = gitlab.delete_key(&key(0).clone()).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    let err = gitlab
        .delete_key(&RemoteKey {
            id: "../keys".into(),
            ..RemoteKey::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
}

/// A wrong base URL (another server's 404) says where to look.
#[tokio::test]
async fn a_wrong_address_names_the_gitlab_url() {
    let url = serve_recorded(vec![]).await;
    let err = client(&url, GITLAB_TOKEN).list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound, "{err}");
    assert!(err.message.contains("Check the API base URL"), "{err}");
}

/// A server whose paging names a page again, or claims endless pages,
/// stops the listing with a message instead of looping or allocating.
#[tokio::test]
async fn hostile_paging_headers_end_the_listing() {
    use axum::response::IntoResponse;
    let page = |headers: &'static [(&'static str, &'static str)]| {
        axum::routing::get(move || async move {
            let mut response =
                axum::Json(serde_json::json!([{"id": 1, "key": "x"}])).into_response();
            for (name, value) in headers {
                response
                    .headers_mut()
                    .insert(*name, axum::http::HeaderValue::from_static(value));
            }
            response
        })
    };
    for headers in [
        &[("x-next-page", "1")][..],
        &[("x-total-pages", "4294967295")][..],
    ] {
        let router = axum::Router::new().route("/api/v4/user/keys", page(headers));
        let url = serve(router).await.unwrap();
        let err = client(&url, GITLAB_TOKEN).list_keys().await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::MalformedResponse, "{err}");
    }
}

/// The docs' example list parsed by the client: fingerprints as
/// ssh-keygen printed them (tests/fixtures/responses/README.md).
#[tokio::test]
async fn the_documented_answers_parse() {
    let url = serve_recorded(vec![Recorded::get(
        "/api/v4/user/keys",
        recorded_response("gitlab_list.json"),
    )])
    .await;
    let keys = client(&url, GITLAB_TOKEN).list_keys().await.unwrap();
    let summary: Vec<(&str, &str, Option<&str>)> = keys
        .iter()
        .map(|key| {
            (
                key.id.as_str(),
                key.name.as_str(),
                key.fingerprint_sha256.as_deref(),
            )
        })
        .collect();
    let sha = Some("SHA256:MQHWhS9nhzUezUdD42ytxubZoBKrZLbyBZzxCkmnxXc");
    assert_eq!(
        summary,
        [("1", "Public key", sha), ("3", "Another Public key", sha)]
    );

    let url = serve_recorded(vec![Recorded::get(
        "/api/v4/user/keys",
        format!("[{}]", recorded_response("gitlab_key.json")),
    )])
    .await;
    let keys = client(&url, GITLAB_TOKEN).list_keys().await.unwrap();
    assert_eq!(
        keys[0].expires_at.as_deref(),
        Some("2020-05-05T00:00:00.000Z")
    );
    assert_eq!(keys[0].kind_label.as_deref(), Some("Authentication"));
    assert_eq!(
        keys[0].fingerprint_sha256.as_deref(),
        Some("SHA256:3l8W96qT2lG5CFT3/CHAln1qrfawikA9gT+dJgukof4")
    );
}

/// The fake itself: Bearer works as well as PRIVATE-TOKEN, unknown body
/// fields and bad usage types are refused.
#[tokio::test]
async fn the_fake_is_strict() {
    let fake = GitlabFake::new();
    let url = start(&fake).await;
    let http = reqwest::Client::new();
    let keys = format!("{url}/api/v4/user/keys");
    let status = |response: reqwest::Response| response.status().as_u16();
    let bearer = http
        .get(&keys)
        .header("authorization", format!("Bearer {GITLAB_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(bearer), 200);
    let none = http.get(&keys).send().await.unwrap();
    assert_eq!(status(none), 401);
    let line = fresh_public_line("");
    for body in [
        serde_json::json!({"title": "t", "key": line, "color": "red"}),
        serde_json::json!({"title": "t", "key": line, "usage_type": "deploy"}),
        serde_json::json!({"title": "t", "key": line, "expires_at": "soon"}),
        serde_json::json!({"key": line}),
    ] {
        let response = http
            .post(&keys)
            .header("private-token", GITLAB_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(status(response), 400, "{body}");
    }
    assert!(fake.keys().is_empty());
}
