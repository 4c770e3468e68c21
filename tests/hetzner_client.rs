//! The Hetzner Cloud client against the strict Hetzner fake over real HTTP
//! on 127.0.0.1: paging in two round trips, fingerprints (server MD5 checked
//! against the key), create / rename / relabel / delete, uniqueness errors
//! (key there vs. name taken), rate limits, and the token staying home.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::bystanders::assert_only_gone;
use common::client::fast_policy;
use common::fixtures::{Recorded, fixture_key, recorded_response, serve_recorded};
use common::keys::{fresh_key, public_line, sha256};

use keyfleet::inventory::Inventory;
use keyfleet::keys::SecretString;
use keyfleet::ops::publish::{PublishOutcome, publish_to};
use keyfleet::providers::hetzner::HetznerClient;
use keyfleet::providers::{
    AccountTarget, ApiError, ApiErrorKind, Http, HttpPolicy, KeyScope, NewKey, NewKeyMaterial,
    ProviderClient, ProviderKind, ProviderSettings,
};
use keyfleet::sandbox::hetzner::{HETZNER_TOKEN, HetznerFake};
use keyfleet::sandbox::{Fault, Gate, serve};
use keyfleet::store::Profile;

fn policy() -> HttpPolicy {
    HttpPolicy {
        max_wait: Duration::from_secs(2),
        ..fast_policy()
    }
}

async fn start(fake: &HetznerFake) -> String {
    format!("{}/v1", serve(fake.router()).await.unwrap())
}

fn client(url: &str, token: &str) -> HetznerClient {
    HetznerClient::new(Http::new(policy()).unwrap(), url, SecretString::new(token))
}

fn account(url: &str) -> ProviderClient {
    let target = AccountTarget {
        base_url: url.to_string(),
        token: SecretString::new(HETZNER_TOKEN),
        settings: ProviderSettings::Hetzner {},
    };
    ProviderClient::new(Http::new(policy()).unwrap(), &target).unwrap()
}

fn new_key(name: &str, line: &str) -> NewKey {
    NewKey {
        name: name.to_string(),
        material: NewKeyMaterial::PublicKey(line.to_string()),
        shared_in_project: false,
        scope: KeyScope::Account,
        expires_at: None,
    }
}

fn fill(fake: &HetznerFake, n: usize) -> Vec<u64> {
    (0..n)
        .map(|index| fake.add_key(&format!("key-{index:03}"), &public_line(&fresh_key(""))))
        .collect()
}

fn list_requests(fake: &HetznerFake) -> Vec<String> {
    fake.faults()
        .requests()
        .into_iter()
        .filter(|request| request.method == "GET" && request.path.starts_with("/v1/ssh_keys?"))
        .map(|request| request.path)
        .collect()
}

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
async fn three_pages_take_two_round_trips() {
    let fake = HetznerFake::new();
    let ids = fill(&fake, 120);
    let url = start(&fake).await;
    // The first request passes; pages 2 and 3 are held together: both must
    // be in flight at once, or the listing never ends.
    let gate = Gate::new();
    fake.faults().inject(Fault::Delay(Duration::ZERO), 1);
    fake.faults().inject(Fault::Hold(gate.clone()), 2);
    let listing = tokio::spawn({
        let client = client(&url, HETZNER_TOKEN);
        async move { client.list_keys().await }
    });
    assert!(
        gate.wait_arrivals(2, Duration::from_secs(60)).await,
        "pages 2 and 3 were not requested together"
    );
    gate.release();
    let keys = listing.await.unwrap().unwrap();
    let listed: Vec<String> = keys.iter().map(|key| key.id.clone()).collect();
    let expected: Vec<String> = ids.iter().map(u64::to_string).collect();
    assert_eq!(listed, expected, "every key once, in order");
    let mut requests = list_requests(&fake);
    requests.sort();
    assert_eq!(
        requests,
        [
            "/v1/ssh_keys?page=1&per_page=50",
            "/v1/ssh_keys?page=2&per_page=50",
            "/v1/ssh_keys?page=3&per_page=50",
        ]
    );
    assert!(keys.iter().all(|key| key.labels == Some(BTreeMap::new())));
}

#[tokio::test]
async fn without_a_last_page_the_next_pages_are_followed() {
    let fake = HetznerFake::new();
    fake.hide_last_page(true);
    fake.set_max_page_size(20);
    let ids = fill(&fake, 45);
    let url = start(&fake).await;
    let keys = client(&url, HETZNER_TOKEN).list_keys().await.unwrap();
    assert_eq!(keys.len(), ids.len());
    assert_eq!(list_requests(&fake).len(), 3);
}

#[tokio::test]
async fn fingerprints_are_the_keys_own_and_a_false_md5_is_a_warning() {
    let fake = HetznerFake::new();
    let ed25519 = fixture_key("ed25519");
    let rsa = fixture_key("rsa3072");
    let good = fake.add_key("good", &ed25519.public);
    let lying = fake.add_key("lying", &rsa.public);
    let false_md5 = ed25519.md5.clone();
    fake.set_reported_fingerprint(lying, &false_md5);
    let url = start(&fake).await;
    let keys = client(&url, HETZNER_TOKEN).list_keys().await.unwrap();
    let by_id = |id: u64| keys.iter().find(|key| key.id == id.to_string()).unwrap();

    let good = by_id(good);
    assert_eq!(
        good.fingerprint_sha256.as_deref(),
        Some(ed25519.sha256.as_str())
    );
    assert_eq!(good.fingerprint_md5.as_deref(), Some(ed25519.md5.as_str()));
    assert_eq!(good.fingerprint_warning, None);

    let lying = by_id(lying);
    assert_eq!(
        lying.fingerprint_sha256.as_deref(),
        Some(rsa.sha256.as_str())
    );
    assert_eq!(lying.fingerprint_md5.as_deref(), Some(rsa.md5.as_str()));
    let warning = lying.fingerprint_warning.as_deref().expect("a warning");
    assert!(
        warning.contains(&false_md5) && warning.contains(&rsa.md5),
        "{warning}"
    );

    // All keys groups by the SHA256 computed here: the lying key joins the
    // RSA key's group, not the ed25519 key whose MD5 the server claimed.
    let mut profile = Profile::new(ProviderKind::Hetzner);
    profile.name = "Hetzner".into();
    let mut other = Profile::new(ProviderKind::Github);
    other.name = "GitHub".into();
    let github_copy = keyfleet::providers::RemoteKey {
        id: "9".into(),
        public_key: Some(rsa.public.clone()),
        ..Default::default()
    }
    .with_local_fingerprints();
    let inventory = Inventory::build(
        &[(profile, Ok(keys.clone())), (other, Ok(vec![github_copy]))],
        &[],
    );
    let rsa_group = inventory
        .keys
        .iter()
        .find(|group| group.sha256.as_deref() == Some(rsa.sha256.as_str()))
        .unwrap();
    assert_eq!(rsa_group.accounts.len(), 2, "{:?}", rsa_group.accounts);
    assert_eq!(inventory.keys.len(), 2);
}

#[tokio::test]
async fn adds_renames_relabels_and_deletes_one_key_only() {
    let fake = HetznerFake::new();
    fill(&fake, 3);
    let url = start(&fake).await;
    let client = client(&url, HETZNER_TOKEN);
    let key = fresh_key("me@box");
    let created = client
        .create_key(&new_key("  laptop ", &public_line(&key)))
        .await
        .unwrap()
        .key;
    assert_eq!(created.name, "laptop");
    assert_eq!(
        created.fingerprint_sha256.as_deref(),
        Some(sha256(&key).as_str())
    );
    assert_eq!(created.labels, Some(BTreeMap::new()));

    let labels = BTreeMap::from([
        ("env".to_string(), "prod".to_string()),
        ("example.com/team".to_string(), String::new()),
    ]);
    let renamed = client
        .update_key(&created.id, Some("laptop-2026"), Some(&labels))
        .await
        .unwrap();
    assert_eq!(renamed.name, "laptop-2026");
    assert_eq!(renamed.labels.as_ref(), Some(&labels));
    // Only the name: the labels stay.
    let again = client
        .update_key(&created.id, Some("laptop-b"), None)
        .await
        .unwrap();
    assert_eq!(again.labels.as_ref(), Some(&labels));
    let stored = fake
        .keys()
        .into_iter()
        .find(|k| k.id.to_string() == created.id)
        .unwrap();
    assert_eq!(
        (stored.name.as_str(), &stored.labels),
        ("laptop-b", &labels)
    );

    let before = fake.snapshot();
    client.delete_key(&created.id).await.unwrap();
    assert_only_gone(&before, &fake.snapshot(), &[&created.id]);
}

#[tokio::test]
async fn bad_labels_and_names_are_refused_before_anything_is_sent() {
    let fake = HetznerFake::new();
    let id = fill(&fake, 1)[0].to_string();
    let url = start(&fake).await;
    let client = client(&url, HETZNER_TOKEN);
    let before = fake.faults().request_count();
    for (key, value, says) in [
        ("my env", "x", "' '"),
        ("env", "-x", "begin and end"),
        ("hetzner.cloud/x", "y", "reserved"),
        ("env", &"v".repeat(64), "64 characters"),
    ] {
        let labels = BTreeMap::from([(key.to_string(), value.to_string())]);
        let err = client
            .update_key(&id, None, Some(&labels))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::InvalidInput, "{key}");
        assert!(err.message.contains(says), "{}", err.message);
    }
    let err = client.update_key(&id, Some(" "), None).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    let err = client.update_key(&id, None, None).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    let err = client
        .update_key("12/../x", Some("a"), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert_eq!(fake.faults().request_count(), before, "nothing was sent");
}

#[tokio::test]
async fn a_key_already_there_is_present_but_a_taken_name_is_a_clash() {
    let fake = HetznerFake::new();
    let mine = fresh_key("mine");
    let foreign = fresh_key("foreign");
    let mine_id = fake.add_key("laptop", &public_line(&mine));
    let url = start(&fake).await;
    let client = client(&url, HETZNER_TOKEN);

    let err = client
        .create_key(&new_key("other name", &public_line(&mine)))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Conflict, "{}", err.message);
    assert!(
        err.message.contains("already in the project"),
        "{}",
        err.message
    );

    // Another key under a name the project already uses: not "there".
    let err = client
        .create_key(&new_key("laptop", &public_line(&foreign)))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Validation, "{}", err.message);
    assert!(
        err.message.contains("already has this name"),
        "{}",
        err.message
    );

    // Publish goes by fingerprint: the same key is already there; the
    // foreign key under the taken name is an error, never "already there".
    let account = account(&url);
    let (outcome, existing) =
        publish_to(&account, &new_key("x", &public_line(&mine)), &sha256(&mine))
            .await
            .unwrap();
    assert_eq!(outcome, PublishOutcome::AlreadyThere);
    assert_eq!(existing.id, mine_id.to_string());
    let before = fake.snapshot();
    let err = publish_to(
        &account,
        &new_key("laptop", &public_line(&foreign)),
        &sha256(&foreign),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Validation);
    assert_eq!(fake.snapshot(), before);

    // A rename onto a taken name is refused the same way.
    let second = fake.add_key("desktop", &public_line(&foreign));
    let err = client
        .update_key(&second.to_string(), Some("laptop"), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Validation);
}

#[tokio::test]
async fn a_key_deleted_meanwhile_is_named_as_gone() {
    let fake = HetznerFake::new();
    let id = fill(&fake, 2)[0];
    let url = start(&fake).await;
    let client = client(&url, HETZNER_TOKEN);
    fake.remove_key(id);
    let err = client
        .update_key(&id.to_string(), Some("x"), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
    assert!(
        err.message.contains("no longer in the project"),
        "{}",
        err.message
    );
    let err = client.delete_key(&id.to_string()).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::NotFound);
}

#[tokio::test]
async fn a_wrong_token_is_named_and_never_shown() {
    let fake = HetznerFake::new();
    let url = start(&fake).await;
    let wrong = "wrongTokenValue0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";
    for err in [
        client(&url, wrong).list_keys().await.unwrap_err(),
        client(&url, wrong).test_connection().await.unwrap_err(),
    ] {
        assert_eq!(err.kind, ApiErrorKind::BadCredentials);
        assert!(err.message.contains("API token"), "{}", err.message);
        assert_no_token(&err, wrong);
    }
    fill(&fake, 3);
    let said = client(&url, HETZNER_TOKEN).test_connection().await.unwrap();
    assert!(said.contains("3 SSH keys"), "{said}");
}

#[tokio::test]
async fn a_rate_limit_waits_for_its_reset_or_says_how_long() {
    let fake = HetznerFake::new();
    fill(&fake, 2);
    let url = start(&fake).await;
    fake.limit_next(1, 0);
    let keys = client(&url, HETZNER_TOKEN).list_keys().await.unwrap();
    assert_eq!(keys.len(), 2, "listed after one retry");

    fake.limit_next(1, 1800);
    let once = HetznerClient::new(
        Http::new(HttpPolicy {
            max_retries: 0,
            ..policy()
        })
        .unwrap(),
        &url,
        SecretString::new(HETZNER_TOKEN),
    );
    let err = once.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::RateLimited);
    let wait = err.retry_after.expect("a wait");
    assert!(
        wait > Duration::from_secs(1500) && wait <= Duration::from_secs(1800),
        "{wait:?}"
    );
    assert!(err.message.contains("30 minutes"), "{}", err.message);
}

#[tokio::test]
async fn the_fake_refuses_what_hetzner_refuses() {
    let fake = HetznerFake::new();
    let url = start(&fake).await;
    let http = reqwest::Client::new();
    let post = |body: serde_json::Value| {
        http.post(format!("{url}/ssh_keys"))
            .bearer_auth(HETZNER_TOKEN)
            .json(&body)
            .send()
    };
    let line = public_line(&fresh_key(""));
    for (body, field) in [
        (
            serde_json::json!({"name": "a", "public_key": line, "extra": 1}),
            "extra",
        ),
        (
            serde_json::json!({"name": "a", "public_key": "ssh-rsa AAAA"}),
            "public_key",
        ),
        (serde_json::json!({"public_key": line}), "name"),
        (
            serde_json::json!({"name": "a", "public_key": line, "labels": {"a b": "c"}}),
            "labels",
        ),
    ] {
        let answer = post(body).await.unwrap();
        assert_eq!(answer.status(), 400);
        let json: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(json["error"]["code"], "invalid_input");
        assert_eq!(json["error"]["details"]["fields"][0]["name"], field);
    }
    let page = http
        .get(format!("{url}/ssh_keys?per_page=51"))
        .bearer_auth(HETZNER_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(fake.keys().is_empty());
}

#[tokio::test]
async fn the_documented_example_is_read() {
    let recorded = recorded_response("hetzner_list.json");
    // Verbatim: the example is page 3 of 4 of 100 keys.
    let url = serve_recorded(vec![Recorded::get("/v1/ssh_keys", recorded.clone())]).await;
    let client = client(&format!("{url}/v1"), HETZNER_TOKEN);
    let said = client.test_connection().await.unwrap();
    assert!(said.contains("100 SSH keys"), "{said}");
    // Served for every page number, it is the same key again and again:
    // refused, not read a thousand times.
    let err = client.list_keys().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse, "{}", err.message);

    // The same body as the only page: its key as documented.
    let mut single: serde_json::Value = serde_json::from_str(&recorded).unwrap();
    single["meta"]["pagination"] = serde_json::json!({
        "page": 1, "per_page": 25, "previous_page": null, "next_page": null,
        "last_page": 1, "total_entries": 1,
    });
    let url = serve_recorded(vec![Recorded::get("/v1/ssh_keys", single.to_string())]).await;
    let keys = client_at(&url).list_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!((key.id.as_str(), key.name.as_str()), ("2323", "My ssh key"));
    assert_eq!(key.created_at.as_deref(), Some("2016-01-30T23:55:00+00:00"));
    assert_eq!(
        key.fingerprint_md5.as_deref(),
        Some("b7:2f:30:a0:2f:6c:58:6c:21:04:58:61:ba:06:3b:2f")
    );
    assert_eq!(
        key.fingerprint_sha256, None,
        "the example's key is shortened"
    );
    let labels = key.labels.clone().unwrap();
    assert_eq!(labels.len(), 3);
    assert_eq!(labels["example.com/my"], "label");
    assert_eq!(labels["just-a-key"], "");
}

fn client_at(url: &str) -> HetznerClient {
    client(&format!("{url}/v1"), HETZNER_TOKEN)
}
