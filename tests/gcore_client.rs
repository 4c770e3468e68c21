//! The Gcore client against the strict Gcore fake (and a few tiny
//! misbehaving servers), over real HTTP on 127.0.0.1.

mod common;

use common::bystanders::assert_only_gone;
use common::client::{fast_policy, new_key};
use common::fixtures::{Recorded, fixture_key, fixture_keys, recorded_response, serve_recorded};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use keyfleet::keys::SecretString;
use keyfleet::keys::private::inspect_private_key;
use keyfleet::keys::public::parse_public_key;
use keyfleet::providers::ProviderSettings;
use keyfleet::providers::gcore::{GcoreClient, validate_key_name};
use keyfleet::providers::{
    AccountTarget, ApiError, ApiErrorKind, Http, HttpPolicy, KeyScope, NewKeyMaterial,
    ProviderClient, RemoteKey,
};
use keyfleet::sandbox::gcore::GcoreFake;
use keyfleet::sandbox::{Fault, GCORE_TOKEN, Gate, serve};
use serde_json::{Value, json};

fn policy() -> HttpPolicy {
    HttpPolicy {
        max_wait: Duration::from_secs(2),
        request_timeout: Duration::from_secs(20),
        ..fast_policy()
    }
}

fn client_with(
    url: &str,
    token: &str,
    project: Option<u64>,
    regions: Vec<u64>,
    policy: HttpPolicy,
) -> GcoreClient {
    GcoreClient::new(
        Http::new(policy).unwrap(),
        url,
        SecretString::new(token),
        project,
        regions,
    )
}

fn client(url: &str, project: Option<u64>, regions: Vec<u64>) -> GcoreClient {
    client_with(url, GCORE_TOKEN, project, regions, policy())
}

async fn start(fake: &GcoreFake) -> String {
    serve(fake.router()).await.unwrap()
}

fn ed25519_public(comment: &str) -> String {
    let key =
        ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
    let mut public = key.public_key().clone();
    public.set_comment(comment);
    public.to_openssh().unwrap()
}

fn ecdsa_private_pem() -> String {
    let algorithm = ssh_key::Algorithm::Ecdsa {
        curve: ssh_key::EcdsaCurve::NistP256,
    };
    let key = ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, algorithm).unwrap();
    key.to_openssh(ssh_key::LineEnding::LF).unwrap().to_string()
}

/// No secret may reach an error's Debug, Display, details or full text.
fn assert_no_token(err: &ApiError, token: &str) {
    let texts = [
        format!("{err:?}"),
        err.to_string(),
        err.full_text(),
        err.details.clone().unwrap_or_default(),
    ];
    for text in texts {
        assert!(!text.contains(token), "token leaked into: {text}");
        assert!(
            !text.contains("PRIVATE KEY"),
            "private key leaked into: {text}"
        );
    }
}

fn count_requests(fake: &GcoreFake, method: &str, path_prefix: &str) -> usize {
    fake.faults()
        .requests()
        .iter()
        .filter(|request| request.method == method && request.path.starts_with(path_prefix))
        .count()
}

// ---------------------------------------------------------------------------
// Listing and paging

#[tokio::test]
async fn lists_all_keys_past_the_default_page_of_ten() {
    let fake = GcoreFake::new();
    let names: Vec<String> = (0..25).map(|i| format!("key-{i:02}")).collect();
    for name in &names {
        fake.add_key(1, name, &ed25519_public(name), true);
    }
    let url = start(&fake).await;
    let keys = client(&url, Some(1), vec![]).list_keys().await.unwrap();
    let listed: Vec<&str> = keys.iter().map(|key| key.name.as_str()).collect();
    assert_eq!(listed, names.iter().map(String::as_str).collect::<Vec<_>>());
    let requests = fake.faults().requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].path.contains("limit=1000"),
        "{}",
        requests[0].path
    );
    for key in &keys {
        assert_eq!(key.scope, KeyScope::Account);
        assert_eq!(key.algorithm.as_deref(), Some("ssh-ed25519"));
        assert_eq!(key.state.as_deref(), Some("ACTIVE"));
        assert!(
            key.fingerprint_sha256
                .as_deref()
                .unwrap()
                .starts_with("SHA256:")
        );
        assert!(key.created_at.is_some());
        assert_eq!(key.comment.as_deref(), Some(key.name.as_str()));
    }
}

/// Counts requests in flight (to see that pages are fetched concurrently).
async fn track_in_flight(
    State(gauge): State<Arc<(AtomicUsize, AtomicUsize)>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let now = gauge.0.fetch_add(1, Ordering::SeqCst) + 1;
    gauge.1.fetch_max(now, Ordering::SeqCst);
    let response = next.run(request).await;
    gauge.0.fetch_sub(1, Ordering::SeqCst);
    response
}

#[tokio::test]
async fn five_thousand_keys_take_at_most_six_requests_fetched_concurrently() {
    let fake = GcoreFake::new();
    let public_key = ed25519_public("bulk");
    for i in 0..5000 {
        fake.add_key(1, &format!("bulk-{i:04}"), &public_key, i % 2 == 0);
    }
    let gauge = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
    let router = fake.router().layer(axum::middleware::from_fn_with_state(
        gauge.clone(),
        track_in_flight,
    ));
    let url = serve(router).await.unwrap();
    // Latency makes the pages overlap when they are requested together.
    fake.faults().set_latency(Duration::from_millis(150));
    let keys = client(&url, Some(1), vec![]).list_keys().await.unwrap();
    assert_eq!(keys.len(), 5000);
    let ids: HashSet<&str> = keys.iter().map(|key| key.id.as_str()).collect();
    assert_eq!(ids.len(), 5000);
    assert_eq!(keys[0].name, "bulk-0000");
    assert_eq!(keys[4999].name, "bulk-4999");
    assert_eq!(keys[1].shared_in_project, Some(false));
    let requests = fake.faults().requests();
    assert!(requests.len() <= 6, "{} requests", requests.len());
    assert!(
        requests
            .iter()
            .all(|request| request.path.contains("limit=1000"))
    );
    let max_in_flight = gauge.1.load(Ordering::SeqCst);
    assert_eq!(
        max_in_flight, 4,
        "the four remaining pages were not fetched together"
    );
}

/// A server that pages by at most 10 and deletes two keys after the first
/// page was served, shifting every later offset.
#[tokio::test]
async fn a_list_that_shrinks_while_paging_is_listed_again_correctly() {
    #[derive(Clone)]
    struct Shifting {
        keys: Arc<Mutex<Vec<Value>>>,
        served: Arc<Mutex<usize>>,
    }
    async fn list(
        State(server): State<Shifting>,
        Query(query): Query<std::collections::HashMap<String, String>>,
    ) -> Response {
        let offset: usize = query
            .get("offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let limit: usize = query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(10)
            .min(10);
        let mut keys = server.keys.lock().unwrap();
        let mut served = server.served.lock().unwrap();
        *served += 1;
        let page: Vec<Value> = keys.iter().skip(offset).take(limit).cloned().collect();
        let body = json!({"count": keys.len(), "results": page});
        if *served == 1 {
            keys.remove(3);
            keys.remove(3);
        }
        Json(body).into_response()
    }
    let public_key = ed25519_public("shift");
    let keys: Vec<Value> = (0..25)
        .map(|i| json!({"id": format!("id-{i}"), "name": format!("key-{i}"), "public_key": public_key,
            "fingerprint": null, "state": "ACTIVE", "shared_in_project": true, "project_id": 1, "created_at": null}))
        .collect();
    let server = Shifting {
        keys: Arc::new(Mutex::new(keys)),
        served: Arc::new(Mutex::new(0)),
    };
    let router = axum::Router::new()
        .route("/cloud/v1/ssh_keys/{project}", axum::routing::get(list))
        .with_state(server.clone());
    let url = serve(router).await.unwrap();
    let keys = client(&url, Some(1), vec![]).list_keys().await.unwrap();
    let mut expected: Vec<String> = (0..25).map(|i| format!("id-{i}")).collect();
    expected.remove(3);
    expected.remove(3);
    let listed: Vec<String> = keys.iter().map(|key| key.id.clone()).collect();
    assert_eq!(listed, expected);
    // Gcore sent no fingerprint here: it is computed locally.
    assert!(keys[0].fingerprint_md5.is_some());
    assert!(*server.served.lock().unwrap() <= 8);
}

/// A broken server that ignores `offset` must not make the client loop.
#[tokio::test]
async fn a_server_ignoring_offset_does_not_loop_forever() {
    let served = Arc::new(Mutex::new(0usize));
    let counter = served.clone();
    let router = axum::Router::new().route(
        "/cloud/v1/ssh_keys/{project}",
        axum::routing::get(move || {
            let counter = counter.clone();
            async move {
                *counter.lock().unwrap() += 1;
                let page: Vec<Value> = (0..10)
                    .map(|i| json!({"id": format!("id-{i}"), "name": format!("k{i}")}))
                    .collect();
                Json(json!({"count": 50, "results": page}))
            }
        }),
    );
    let url = serve(router).await.unwrap();
    let keys = client(&url, Some(1), vec![]).list_keys().await.unwrap();
    assert_eq!(keys.len(), 10, "duplicates must be dropped");
    let served = *served.lock().unwrap();
    assert!(served <= 12, "{served} requests");
}

#[tokio::test]
async fn projects_and_regions_for_the_pickers() {
    let fake = GcoreFake::new();
    for id in 3..30 {
        fake.add_project(id, &format!("Project number {id}"));
    }
    let url = start(&fake).await;
    let client = client(&url, None, vec![]);
    let projects = client.list_projects().await.unwrap();
    assert_eq!(projects.len(), 29);
    assert_eq!(projects[0].id, "1");
    assert_eq!(projects[0].label, "Default (1)");
    assert_eq!(projects[1].label, "GPU training (2)");
    let regions = client.list_regions().await.unwrap();
    assert!(regions.len() >= 3);
    assert!(
        regions
            .iter()
            .any(|region| region.id == "76" && region.label == "Luxembourg-2")
    );
}

#[tokio::test]
async fn test_connection_counts_projects_and_checks_the_chosen_one() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let summary = client(&url, None, vec![]).test_connection().await.unwrap();
    assert!(
        summary.starts_with("Token works: 2 projects visible"),
        "{summary}"
    );
    let summary = client(&url, Some(2), vec![])
        .test_connection()
        .await
        .unwrap();
    assert!(summary.contains("GPU training"), "{summary}");
    let err = client(&url, Some(99), vec![])
        .test_connection()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(
        err.message
            .contains("Project 99 does not exist or the token cannot see it"),
        "{}",
        err.message
    );
    assert_no_token(&err, GCORE_TOKEN);
}

#[tokio::test]
async fn works_through_the_provider_client_enum() {
    let fake = GcoreFake::new();
    fake.seed_demo();
    let url = start(&fake).await;
    let target = AccountTarget {
        base_url: format!("{url}/"),
        token: SecretString::new(GCORE_TOKEN),
        settings: ProviderSettings::Gcore {
            project_id: Some(1),
            region_ids: vec![76, 38],
        },
    };
    let provider = ProviderClient::new(Http::new(policy()).unwrap(), &target).unwrap();
    let keys = provider.list_keys().await.unwrap();
    // The demo project: 10 project keys and 3 regional keypairs.
    assert_eq!(keys.len(), 10 + 3);
    assert!(
        keys.iter()
            .any(|key| key.state.as_deref() == Some("DELETING"))
    );
    let debug = format!("{provider:?}");
    assert!(!debug.contains(GCORE_TOKEN), "{debug}");
}

// ---------------------------------------------------------------------------
// Create, share, delete

#[tokio::test]
async fn create_with_a_public_key_matches_local_fingerprints() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![]);
    let fixture = fixture_key("ed25519");
    // Pasted with surrounding whitespace, as people do.
    let mut request = new_key(
        "my laptop",
        NewKeyMaterial::PublicKey(format!("  {}\n", fixture.public)),
    );
    request.shared_in_project = false;
    let created = client.create_key(&request).await.unwrap();
    assert!(created.private_key.is_none());
    let key = &created.key;
    assert_eq!(key.name, "my laptop");
    assert_eq!(key.public_key.as_deref(), Some(fixture.public.as_str()));
    // Both as ssh-keygen printed them: Gcore's MD5 and the local SHA256.
    assert_eq!(key.fingerprint_md5.as_deref(), Some(fixture.md5.as_str()));
    assert_eq!(
        key.fingerprint_sha256.as_deref(),
        Some(fixture.sha256.as_str())
    );
    assert_eq!(key.shared_in_project, Some(false));
    assert_eq!(key.comment.as_deref(), Some(fixture.comment.as_str()));
    let stored = fake.key_details(1);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, key.id);
    assert!(!stored[0].shared_in_project);
    let listed = client.list_keys().await.unwrap();
    assert_eq!(listed, vec![created.key.clone()]);
}

#[tokio::test]
async fn create_without_a_key_returns_the_generated_private_key_once() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![]);
    let created = client
        .create_key(&new_key("generated-key", NewKeyMaterial::GenerateOnServer))
        .await
        .unwrap();
    let private_pem = created
        .private_key
        .as_ref()
        .expect("a generated private key");
    // Keyfleet's own reader: the fake varies the layout (76 columns first),
    // which ssh-key's strict 70-column reader refuses.
    let private = inspect_private_key(private_pem, None).unwrap();
    let stored_public = parse_public_key(created.key.public_key.as_deref().unwrap()).unwrap();
    assert_eq!(
        private.public.fingerprint_sha256,
        stored_public.fingerprint_sha256
    );
    assert_eq!(created.key.algorithm.as_deref(), Some("ssh-ed25519"));
    assert!(!format!("{created:?}").contains("PRIVATE KEY"));
    // The fake stored the public half it returned (and no private key).
    assert_eq!(
        fake.public_key(1, &created.key.id).unwrap(),
        created.key.public_key.clone().unwrap()
    );
}

#[tokio::test]
async fn share_toggles_both_ways() {
    let fake = GcoreFake::new();
    let id = fake.add_key(1, "toggle-me", &ed25519_public("t"), true);
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![]);
    let key = client.list_keys().await.unwrap().remove(0);
    assert_eq!(key.id, id);
    let unshared = client.set_shared(&key, false).await.unwrap();
    assert_eq!(unshared.shared_in_project, Some(false));
    assert!(!fake.keys(1)[0].2);
    let shared = client.set_shared(&unshared, true).await.unwrap();
    assert_eq!(shared.shared_in_project, Some(true));
    assert!(fake.keys(1)[0].2);
    assert_eq!(shared.fingerprint_sha256, key.fingerprint_sha256);
}

#[tokio::test]
async fn delete_removes_the_key() {
    let fake = GcoreFake::new();
    fake.add_key(1, "keep-me", &ed25519_public("a"), true);
    let doomed_id = fake.add_key(1, "delete-me", &ed25519_public("b"), true);
    // Bystanders: a same-named key with other key text in the project, the
    // same key text in another project, a regional keypair of that name.
    let doomed_text = fake.public_key(1, &doomed_id).unwrap();
    fake.add_key(1, "delete-me", &ed25519_public("b2"), true);
    fake.add_key(2, "delete-me", &doomed_text, true);
    fake.add_keypair(1, 76, "delete-me", &doomed_text);
    let before = fake.snapshot();
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![]);
    let keys = client.list_keys().await.unwrap();
    let doomed = keys.iter().find(|key| key.id == doomed_id).unwrap();
    client.delete_key(doomed).await.unwrap();
    assert_only_gone(&before, &fake.snapshot(), &[&doomed_id]);
    let after = client.list_keys().await.unwrap();
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|key| key.id != doomed_id));
    // Deleting it again is a real 404 (first attempt), not a success.
    let err = client.delete_key(doomed).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(err.message.contains("does not exist"), "{}", err.message);
}

/// Breaks the connection after the first DELETE was handled. (The shared
/// `Fault::DropAfterHandling` cannot do this for a 204: hyper sends a 204
/// without polling its body, so the broken body never reaches the wire.)
async fn lose_first_delete_answer(
    State(lost): State<Arc<Mutex<bool>>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_delete = request.method() == axum::http::Method::DELETE;
    let response = next.run(request).await;
    let mut lost = lost.lock().unwrap();
    if !is_delete || *lost {
        return response;
    }
    *lost = true;
    let broken = futures::stream::once(async {
        Err::<axum::body::Bytes, _>(std::io::Error::other("connection dropped"))
    });
    (StatusCode::OK, axum::body::Body::from_stream(broken)).into_response()
}

#[tokio::test]
async fn a_delete_whose_answer_was_lost_succeeds_on_the_retry_404() {
    let fake = GcoreFake::new();
    let id = fake.add_key(1, "flaky-delete", &ed25519_public("c"), true);
    // Bystanders the retry must not reach: the same name in project 1 and 2.
    fake.add_key(1, "flaky-delete", &ed25519_public("c2"), true);
    fake.add_key(2, "flaky-delete", &ed25519_public("c3"), true);
    let before = fake.snapshot();
    let router = fake.router().layer(axum::middleware::from_fn_with_state(
        Arc::new(Mutex::new(false)),
        lose_first_delete_answer,
    ));
    let url = serve(router).await.unwrap();
    let client = client(&url, Some(1), vec![]);
    let keys = client.list_keys().await.unwrap();
    let key = keys.iter().find(|key| key.id == id).unwrap();
    client.delete_key(key).await.unwrap();
    assert_only_gone(&before, &fake.snapshot(), &[&id]);
    // The first DELETE deleted the key; the retry's 404 counted as success.
    assert_eq!(count_requests(&fake, "DELETE", "/cloud/v1/ssh_keys/1/"), 2);
}

// ---------------------------------------------------------------------------
// Regional (legacy) keypairs

#[tokio::test]
async fn regional_keypairs_list_create_share_delete() {
    let fake = GcoreFake::new();
    fake.add_keypair(1, 76, "lux-old", &ed25519_public("lux"));
    fake.add_keypair(1, 38, "fra-old", &ed25519_public("fra"));
    fake.add_key(1, "project-key", &ed25519_public("p"), true);
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![76, 38, 76]);

    let keys = client.list_keys().await.unwrap();
    assert_eq!(keys.len(), 3);
    let lux = keys.iter().find(|key| key.name == "lux-old").unwrap();
    assert_eq!(
        lux.scope,
        KeyScope::Region {
            region_id: 76,
            region_name: "Luxembourg-2".into()
        }
    );
    assert!(lux.fingerprint_md5.is_some() && lux.fingerprint_sha256.is_some());
    let fra = keys.iter().find(|key| key.name == "fra-old").unwrap();
    assert!(
        matches!(&fra.scope, KeyScope::Region { region_name, .. } if region_name == "Frankfurt")
    );

    // Region names are fetched once per client.
    client.list_keys().await.unwrap();
    assert_eq!(count_requests(&fake, "GET", "/cloud/v1/regions"), 1);

    let scope = lux.scope.clone();
    let imported_key = fixture_key("ecdsa256");
    let mut import = new_key(
        "lux-import",
        NewKeyMaterial::PublicKey(imported_key.public.clone()),
    );
    import.scope = scope.clone();
    let imported = client.create_key(&import).await.unwrap();
    assert!(imported.private_key.is_none());
    assert_eq!(imported.key.scope, scope);
    assert_eq!(imported.key.fingerprint_md5, Some(imported_key.md5.clone()));
    assert_eq!(imported.key.fingerprint_sha256, Some(imported_key.sha256));

    let mut generate = new_key("lux-generated", NewKeyMaterial::GenerateOnServer);
    generate.scope = scope.clone();
    let generated = client.create_key(&generate).await.unwrap();
    let private = inspect_private_key(&generated.private_key.unwrap(), None).unwrap();
    let public = parse_public_key(generated.key.public_key.as_deref().unwrap()).unwrap();
    assert_eq!(private.public.fingerprint_sha256, public.fingerprint_sha256);
    assert_eq!(fake.keypair_count(1, 76), 3);

    let unshared = client.set_shared(&generated.key, false).await.unwrap();
    assert_eq!(unshared.shared_in_project, Some(false));
    assert_eq!(unshared.scope, scope);
    assert!(
        fake.keypairs(1, 76)
            .iter()
            .any(|(_, name, shared)| name == "lux-generated" && !shared)
    );
    assert_eq!(
        count_requests(&fake, "PATCH", "/cloud/v1/keypairs/1/76/"),
        1
    );

    // The same key text as a project key, and another region's keypair of
    // the same name: only the Luxembourg keypair may go.
    fake.add_key(1, "lux-import", &imported_key.public, true);
    fake.add_keypair(1, 38, "lux-import", &imported_key.public);
    let before = fake.snapshot();
    client.delete_key(&imported.key).await.unwrap();
    assert_only_gone(&before, &fake.snapshot(), &[&imported.key.id]);
}

#[tokio::test]
async fn an_unknown_region_is_reported_by_number() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let err = client(&url, Some(1), vec![4242])
        .list_keys()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(err.message.contains("region 4242"), "{}", err.message);
    assert!(
        err.message.contains("Region 4242 not found"),
        "{}",
        err.message
    );
}

// ---------------------------------------------------------------------------
// Error classes

#[tokio::test]
async fn a_wrong_token_is_bad_credentials() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let wrong = "9999$wrong-token-value";
    let err = client_with(&url, wrong, Some(1), vec![], policy())
        .list_keys()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::BadCredentials);
    assert_eq!(err.status, Some(401));
    assert!(
        err.message.contains("refused the API token"),
        "{}",
        err.message
    );
    assert_no_token(&err, wrong);
    assert_eq!(fake.faults().request_count(), 1, "401 is not retried");

    // A token that worked and was then revoked.
    fake.set_token("rotated$token");
    let err = client(&url, Some(1), vec![])
        .test_connection()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::BadCredentials);
}

#[tokio::test]
async fn an_unknown_project_is_not_found() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let err = client(&url, Some(404_404), vec![])
        .list_keys()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(
        err.message.contains("project or key does not exist"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("Project 404404 not found"),
        "{}",
        err.message
    );
    assert_no_token(&err, GCORE_TOKEN);
}

#[tokio::test]
async fn no_project_chosen_sends_nothing() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let client = client(&url, None, vec![]);
    let err = client.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert_eq!(
        err.message,
        "Choose a project for this Gcore account first."
    );
    let err = client
        .create_key(&new_key("abc", NewKeyMaterial::GenerateOnServer))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert_eq!(fake.faults().request_count(), 0);
}

#[tokio::test]
async fn a_bad_name_is_refused_before_sending() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![]);
    for name in [
        "",
        "ab",
        "-leading-dash",
        "trailing-dash-",
        "slash/inside",
        &"x".repeat(64),
    ] {
        let err = client
            .create_key(&new_key(name, NewKeyMaterial::GenerateOnServer))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::InvalidInput, "{name}");
        assert!(!err.message.is_empty());
    }
    assert_eq!(fake.faults().request_count(), 0);
    assert!(validate_key_name("fine name_1.").is_ok());
}

#[tokio::test]
async fn a_duplicate_name_is_a_conflict_from_the_server() {
    let fake = GcoreFake::new();
    fake.add_key(1, "taken-name", &ed25519_public("x"), true);
    let url = start(&fake).await;
    let err = client(&url, Some(1), vec![])
        .create_key(&new_key(
            "taken-name",
            NewKeyMaterial::PublicKey(ed25519_public("y")),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Conflict);
    assert_eq!(err.status, Some(409));
    assert!(err.message.contains("already exists"), "{}", err.message);
    assert!(
        err.message.contains("choose another name"),
        "{}",
        err.message
    );
    assert!(
        err.details
            .as_deref()
            .unwrap_or_default()
            .contains("SSHKeyAlreadyExists")
    );
    assert_eq!(fake.key_count(1), 1);
    assert_eq!(
        fake.faults().request_count(),
        1,
        "creates are never retried"
    );
}

#[tokio::test]
async fn private_key_material_is_never_sent() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![]);
    let pem = ecdsa_private_pem();
    let err = client
        .create_key(&new_key(
            "pasted-private",
            NewKeyMaterial::PublicKey(pem.clone()),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert!(err.message.contains("PRIVATE key"), "{}", err.message);
    assert!(!format!("{err:?}").contains(&pem[40..80]));

    let err = client
        .create_key(&new_key(
            "private-material",
            NewKeyMaterial::PrivateKey(SecretString::new(pem)),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert!(err.message.contains("public keys only"), "{}", err.message);

    let err = client
        .create_key(&new_key(
            "garbage-key",
            NewKeyMaterial::PublicKey("hello world".into()),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert_eq!(fake.faults().request_count(), 0);
}

#[tokio::test]
async fn rate_limiting_is_waited_out_then_reported() {
    let fake = GcoreFake::new();
    fake.add_key(1, "one-key", &ed25519_public("r"), true);
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![]);
    fake.faults().inject(
        Fault::RateLimited {
            header: "Retry-After",
            seconds: 0.3,
        },
        1,
    );
    let started = Instant::now();
    let keys = client.list_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "Retry-After was not honoured"
    );
    assert_eq!(fake.faults().request_count(), 2);

    fake.faults().reset_requests();
    fake.faults().inject(
        Fault::RateLimited {
            header: "Retry-After",
            seconds: 0.05,
        },
        10,
    );
    let err = client.list_keys().await.unwrap_err();
    fake.faults().clear();
    assert_eq!(err.kind, ApiErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_millis(50)));
    assert!(err.message.contains("429"), "{}", err.message);
    assert_eq!(fake.faults().request_count(), 4, "bounded retries");
}

#[tokio::test]
async fn five_server_errors_give_up_after_four_attempts() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    fake.faults().inject(Fault::ServerError, 5);
    let err = client(&url, Some(1), vec![]).list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Server);
    assert_eq!(err.status, Some(500));
    assert!(err.message.contains("server error"), "{}", err.message);
    assert_eq!(fake.faults().request_count(), 4);
    assert_no_token(&err, GCORE_TOKEN);
}

#[tokio::test]
async fn html_truncated_and_huge_answers_are_malformed() {
    let fake = GcoreFake::new();
    fake.add_key(1, "some-key", &ed25519_public("m"), true);
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![]);

    fake.faults().inject(Fault::HtmlPage, 1);
    let err = client.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
    assert!(err.message.contains("HTML"), "{}", err.message);
    assert!(
        err.details
            .as_deref()
            .unwrap_or_default()
            .contains("Bad Gateway")
    );

    fake.faults().inject(Fault::TruncatedBody, 1);
    let err = client.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
    assert!(err.message.contains("truncated"), "{}", err.message);

    fake.faults().inject(Fault::HugeBody, 1);
    let err = client.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
    assert!(err.message.contains("larger than"), "{}", err.message);

    // Malformed answers are not retried: three faults, three requests.
    assert_eq!(fake.faults().request_count(), 3);
    assert_eq!(client.list_keys().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_truncated_generate_answer_never_shows_the_private_key() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    fake.faults().inject(Fault::TruncatedBody, 1);
    let err = client(&url, Some(1), vec![])
        .create_key(&new_key("cut-short", NewKeyMaterial::GenerateOnServer))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
    assert!(
        err.message.contains("may have been created"),
        "{}",
        err.message
    );
    assert_no_token(&err, GCORE_TOKEN);
    assert_eq!(fake.key_count(1), 1);
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_is_not_retried() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    fake.faults().inject(Fault::DropAfterHandling, 1);
    let err = client(&url, Some(1), vec![])
        .create_key(&new_key(
            "lost-answer",
            NewKeyMaterial::PublicKey(ed25519_public("l")),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind, ApiErrorKind::Network | ApiErrorKind::Timeout),
        "{err:?}"
    );
    assert!(
        err.message.contains("may have been created"),
        "{}",
        err.message
    );
    assert_eq!(count_requests(&fake, "POST", "/cloud/v1/ssh_keys/1"), 1);
    assert_eq!(fake.key_count(1), 1, "the server did create it");
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let policy = HttpPolicy {
        request_timeout: Duration::from_millis(300),
        ..policy()
    };
    // Held until the end: only the client's own timeout can end each try
    // (30 s bounds a hang, it is not what is checked).
    let gate = Gate::new();
    fake.faults().inject(Fault::Hold(gate.clone()), 4);
    let client = client_with(&url, GCORE_TOKEN, Some(1), vec![], policy);
    let err = tokio::time::timeout(Duration::from_secs(30), client.list_keys())
        .await
        .expect("a held request was never timed out")
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Timeout);
    assert!(err.message.contains("timeout"), "{}", err.message);
    assert_eq!(fake.faults().request_count(), 4);
    assert_eq!(gate.arrived(), 4, "every try reached the fake and was held");
    gate.release();
}

#[tokio::test]
async fn secrets_echoed_by_a_server_are_scrubbed() {
    // A hostile or buggy server that repeats the Authorization header.
    async fn echo(headers: HeaderMap) -> Response {
        let auth = headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "exception_class": "ValidationError",
                "message": format!("Bad header {auth}"),
                "request_id": "r-1",
                "invalid_fields": {"authorization": [auth]},
            })),
        )
            .into_response()
    }
    let router =
        axum::Router::new().route("/cloud/v1/ssh_keys/{project}", axum::routing::get(echo));
    let url = serve(router).await.unwrap();
    let err = client(&url, Some(1), vec![]).list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Validation);
    assert_eq!(err.fields.len(), 1);
    assert!(err.message.contains("<redacted>"), "{}", err.message);
    assert_no_token(&err, GCORE_TOKEN);
    assert!(!format!("{:?}", client(&url, Some(1), vec![])).contains(GCORE_TOKEN));
}

#[tokio::test]
async fn sharing_a_key_being_deleted_is_a_conflict() {
    let fake = GcoreFake::new();
    let id = fake.add_key(1, "going-away", &ed25519_public("g"), true);
    assert!(fake.set_key_state(&id, "DELETING"));
    let url = start(&fake).await;
    let client = client(&url, Some(1), vec![]);
    let key = client.list_keys().await.unwrap().remove(0);
    assert_eq!(key.state.as_deref(), Some("DELETING"));
    let err = client.set_shared(&key, false).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Conflict);
    assert!(err.message.contains("being deleted"), "{}", err.message);
    assert!(fake.keys(1)[0].2);
}

#[tokio::test]
async fn sharing_an_unknown_key_is_not_found() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let key = RemoteKey {
        id: "no-such-key".into(),
        ..RemoteKey::default()
    };
    let err = client(&url, Some(1), vec![])
        .set_shared(&key, false)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(
        err.message.contains("SSH key no-such-key not found"),
        "{}",
        err.message
    );
    assert_eq!(fake.faults().request_count(), 1, "404 is not retried");
}

// ---------------------------------------------------------------------------
// The fake itself is as strict as the real API

async fn raw_request(
    method: reqwest::Method,
    url: String,
    auth: Option<&str>,
    body: Option<(&str, String)>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    if let Some((content_type, body)) = body {
        request = request.header("Content-Type", content_type).body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_fake_checks_auth_content_type_fields_and_paging() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let good = format!("APIKey {GCORE_TOKEN}");
    let lower = format!("apikey {GCORE_TOKEN}");
    let keys_url = format!("{url}/cloud/v1/ssh_keys/1");
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;

    let (status, body) = raw_request(get.clone(), keys_url.clone(), None, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["exception_class"], "NotAuthenticated");
    let (status, body) = raw_request(
        get.clone(),
        keys_url.clone(),
        Some(&format!("Bearer {GCORE_TOKEN}")),
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "Incorrect authentication credentials.");
    assert!(body["request_id"].is_string());
    let (status, body) = raw_request(get.clone(), keys_url.clone(), Some(&lower), None).await;
    assert_eq!((status, body["count"].as_u64()), (200, Some(0)));

    let (status, _) = raw_request(
        get.clone(),
        format!("{url}/cloud/v1/ssh_keys/abc"),
        Some(&good),
        None,
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = raw_request(
        get.clone(),
        format!("{url}/cloud/v1/ssh_keys/7"),
        Some(&good),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert!(body["message"].as_str().unwrap().contains("Project 7"));

    let valid = json!({"name": "fine-name", "public_key": ed25519_public("f")}).to_string();
    let (status, body) = raw_request(
        post.clone(),
        keys_url.clone(),
        Some(&good),
        Some(("text/plain", valid.clone())),
    )
    .await;
    assert_eq!(status, 415, "{body}");
    let (status, body) = raw_request(
        post.clone(),
        keys_url.clone(),
        Some(&good),
        Some((
            "application/json",
            json!({"name": "-bad", "public_key": "nope", "shared_in_project": "yes", "extra": 1})
                .to_string(),
        )),
    )
    .await;
    assert_eq!(status, 400);
    for field in ["name", "public_key", "shared_in_project", "extra"] {
        assert!(body["invalid_fields"][field].is_array(), "{field}: {body}");
    }
    let (status, body) = raw_request(
        post.clone(),
        keys_url.clone(),
        Some(&good),
        Some(("application/json", valid.clone())),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["private_key"].is_null() && body.get("private_key").is_some());
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    let (status, _) = raw_request(
        post.clone(),
        keys_url.clone(),
        Some(&good),
        Some(("application/json", valid)),
    )
    .await;
    assert_eq!(status, 409);

    // Paging: default page of 10, limit capped at 1000, order_by checked.
    for i in 0..14 {
        fake.add_key(1, &format!("page-{i:02}"), &ed25519_public("p"), true);
    }
    let (_, body) = raw_request(get.clone(), keys_url.clone(), Some(&good), None).await;
    assert_eq!(body["count"], 15);
    assert_eq!(body["results"].as_array().unwrap().len(), 10);
    let (_, body) = raw_request(
        get.clone(),
        format!("{keys_url}?offset=10"),
        Some(&good),
        None,
    )
    .await;
    assert_eq!(body["count"], 15);
    assert_eq!(body["results"].as_array().unwrap().len(), 5);
    let (_, body) = raw_request(
        get.clone(),
        format!("{keys_url}?order_by=name.desc&name=PAGE-0"),
        Some(&good),
        None,
    )
    .await;
    assert_eq!(body["count"], 10);
    assert_eq!(body["results"][0]["name"], "page-09");
    let (status, body) = raw_request(
        get.clone(),
        format!("{keys_url}?limit=1001"),
        Some(&good),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["invalid_fields"]["limit"][0]
            .as_str()
            .unwrap()
            .contains("1000")
    );
    let (status, body) = raw_request(
        get.clone(),
        format!("{keys_url}?order_by=size"),
        Some(&good),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["invalid_fields"]["order_by"].is_array());

    // Share needs a boolean; delete answers 204 with no body.
    let id = fake.keys(1)[0].0.clone();
    let key_url = format!("{keys_url}/{id}");
    let (status, _) = raw_request(
        reqwest::Method::PATCH,
        key_url.clone(),
        Some(&good),
        Some(("application/json", "{}".into())),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = raw_request(
        reqwest::Method::PATCH,
        key_url.clone(),
        Some(&good),
        Some(("application/json", r#"{"shared_in_project": false}"#.into())),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["shared_in_project"], false);
    assert!(body.get("private_key").is_none());
    let (status, body) =
        raw_request(reqwest::Method::DELETE, key_url.clone(), Some(&good), None).await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, _) = raw_request(reqwest::Method::DELETE, key_url, Some(&good), None).await;
    assert_eq!(status, 404);

    // Legacy keypairs answer with the sshkey_* spelling, 200 on create.
    let (status, body) = raw_request(
        post.clone(),
        format!("{url}/cloud/v1/keypairs/1/8"),
        Some(&good),
        Some((
            "application/json",
            r#"{"sshkey_name": "ams-key", "public_key": null}"#.into(),
        )),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["sshkey_id"].is_string() && body["sshkey_name"] == "ams-key");
    assert!(
        body["private_key"]
            .as_str()
            .unwrap()
            .contains("OPENSSH PRIVATE KEY")
    );
    let (status, _) = raw_request(
        get,
        format!("{url}/cloud/v1/keypairs/1/999"),
        Some(&good),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

// ---------------------------------------------------------------------------
// Outside references: ssh-keygen's fingerprints, the docs' response shapes

/// Every fixture key, listed back: Gcore's MD5 and the locally computed
/// SHA256 are what ssh-keygen printed, and the type is the key's.
#[tokio::test]
async fn listed_fingerprints_are_the_ones_ssh_keygen_printed() {
    let fake = GcoreFake::new();
    let fixtures = fixture_keys();
    for fixture in &fixtures {
        fake.add_key(1, fixture.name, &fixture.public, true);
    }
    let url = start(&fake).await;
    let keys = client(&url, Some(1), vec![]).list_keys().await.unwrap();
    assert_eq!(keys.len(), fixtures.len());
    for fixture in &fixtures {
        let key = keys
            .iter()
            .find(|key| key.name == fixture.name)
            .unwrap_or_else(|| panic!("{} not listed", fixture.name));
        assert_eq!(key.fingerprint_md5.as_deref(), Some(fixture.md5.as_str()));
        assert_eq!(
            key.fingerprint_sha256.as_deref(),
            Some(fixture.sha256.as_str())
        );
        assert_eq!(key.public_key.as_deref(), Some(fixture.public.as_str()));
    }
}

/// The fake refuses what it cannot read and a certificate, as a field
/// error on `public_key`, before storing anything.
#[tokio::test]
async fn the_fake_refuses_damaged_keys_and_certificates() {
    let fake = GcoreFake::new();
    let url = start(&fake).await;
    let fixture = fixture_key("ed25519");
    let (key_type, data) = fixture.type_and_data.split_once(' ').unwrap();
    let http = reqwest::Client::new();
    for public_key in [
        // The type on the line does not match the one in the data.
        format!("ssh-rsa {data}"),
        // Cut short.
        format!("{key_type} {}", &data[..data.len() - 4]),
        // Well-formed, but of a type no server can install.
        unknown_type_line(),
    ] {
        let response = http
            .post(format!("{url}/cloud/v1/ssh_keys/1"))
            .header("authorization", format!("APIKey {GCORE_TOKEN}"))
            .json(&json!({"name": "bad-key", "public_key": public_key}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{public_key}");
        let body: Value = response.json().await.unwrap();
        assert!(body["invalid_fields"]["public_key"].is_array(), "{body}");
    }
    assert_eq!(fake.key_count(1), 0);
}

/// A list exactly as the docs show it (the OpenAPI example values) is read
/// by the client: every documented field lands where it belongs.
#[tokio::test]
async fn a_list_in_the_documented_shape_is_read() {
    let url = serve_recorded(vec![Recorded::get(
        "/cloud/v1/ssh_keys/1",
        recorded_response("gcore_list.json"),
    )])
    .await;
    let keys = client(&url, Some(1), vec![]).list_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key.id, "36a7a97a-0672-4911-8f2b-92cd4e5b0d91");
    assert_eq!(key.name, "my-ssh-key");
    assert_eq!(
        key.public_key.as_deref(),
        Some(recorded_response("gcore-doc-example.pub").trim())
    );
    assert_eq!(key.shared_in_project, Some(true));
    assert_eq!(key.state.as_deref(), Some("ACTIVE"));
    assert_eq!(key.created_at.as_deref(), Some("2025-06-16T17:05:50Z"));
    assert_eq!(key.comment.as_deref(), Some("my-username@my-hostname"));
    let sha256 = recorded_response("gcore-doc-example.sha256");
    assert_eq!(
        key.fingerprint_sha256.as_deref(),
        sha256.split_whitespace().nth(1)
    );
}

/// The documented 201 answer to an upload is read as the created key.
#[tokio::test]
async fn a_create_answer_in_the_documented_shape_is_read() {
    let url = serve_recorded(vec![Recorded {
        method: axum::http::Method::POST,
        path: "/cloud/v1/ssh_keys/1",
        status: 201,
        content_type: "application/json",
        body: recorded_response("gcore_created.json"),
    }])
    .await;
    let public = recorded_response("gcore-doc-example.pub");
    let created = client(&url, Some(1), vec![])
        .create_key(&new_key(
            "my-ssh-key",
            NewKeyMaterial::PublicKey(public.trim().to_string()),
        ))
        .await
        .unwrap();
    assert!(created.private_key.is_none(), "private_key is null");
    assert_eq!(created.key.id, "36a7a97a-0672-4911-8f2b-92cd4e5b0d91");
    assert_eq!(created.key.name, "my-ssh-key");
    assert_eq!(created.key.public_key.as_deref(), Some(public.trim()));
}

/// A well-formed line of a type OpenSSH does not know.
fn unknown_type_line() -> String {
    use base64::Engine as _;
    let mut blob = Vec::new();
    for field in [&b"ssh-xmss@openssh.com"[..], &[7u8; 64][..]] {
        blob.extend_from_slice(&(field.len() as u32).to_be_bytes());
        blob.extend_from_slice(field);
    }
    let data = base64::engine::general_purpose::STANDARD.encode(&blob);
    format!("ssh-xmss@openssh.com {data} x@y")
}
