//! Issue 20 §3: a hostile or broken server can neither crash nor stall
//! Keyfleet. Each test is an adversarial server over real HTTP on
//! 127.0.0.1 (a small axum router written here, independent of the
//! clients), or the real `keyfleet` binary printing what such a server
//! sent.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::Query;
use common::client::{account_client, fast_policy};
use keyfleet::providers::{ApiErrorKind, HttpPolicy, ProviderClient, ProviderKind};
use keyfleet::sandbox::serve;

const TOKEN: &str = "1234$hostile-test-token-Zq8Xv3Lw";

fn client(kind: ProviderKind, url: &str, policy: HttpPolicy) -> ProviderClient {
    account_client(kind, url, TOKEN, policy)
}

/// Counts the requests a fake server answered.
#[derive(Clone, Default)]
struct Served(Arc<AtomicUsize>);

impl Served {
    fn count(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------------------
// Gcore: a huge `count` must not size an allocation

/// A first page of about 2 MB of the smallest keys JSON allows (`{"id":N}`),
/// claiming 10^18 keys in all. Sized by `count` times the page, the
/// reservation was about 233,000 × 1,001 keys (tens of GB): the process
/// aborted on allocation. Every page is the same, so the listing's byte cap
/// (set a little above one page here) ends it with a clear error.
#[tokio::test]
async fn gcore_huge_count_with_a_huge_first_page_does_not_abort() {
    let items: Vec<String> = (0..233_000).map(|id| format!("{{\"id\":{id}}}")).collect();
    let body = Arc::new(format!(
        "{{\"count\":1000000000000000000,\"results\":[{}]}}",
        items.join(",")
    ));
    let page_bytes = body.len();
    assert!(page_bytes < keyfleet::providers::http::MAX_BODY_BYTES);
    let served = Served::default();
    let counter = served.clone();
    let router = axum::Router::new().route(
        "/cloud/v1/ssh_keys/{project}",
        axum::routing::get(move |Query(_): Query<HashMap<String, String>>| {
            let (counter, body) = (counter.clone(), body.clone());
            async move {
                counter.count();
                ([("content-type", "application/json")], body.to_string())
            }
        }),
    );
    let url = serve(router).await.unwrap();
    let policy = HttpPolicy {
        max_list_bytes: page_bytes + page_bytes / 2,
        ..fast_policy()
    };
    let err = client(ProviderKind::Gcore, &url, policy)
        .list_keys()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse, "{err:?}");
    assert!(
        err.message.contains("Keyfleet stopped reading it"),
        "{}",
        err.message
    );
    assert!(served.get() >= 2, "{} pages served", served.get());
}

// ---------------------------------------------------------------------------
// A refresh has an overall budget; a server asking to wait cannot stall it

/// A server answering every request with 429 and `Retry-After: wait`.
async fn always_rate_limited(wait: &'static str) -> (String, Served) {
    let served = Served::default();
    let counter = served.clone();
    let router = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.count();
            (
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", wait), ("x-ratelimit-reset", wait)],
                "{\"message\":\"slow down\"}",
            )
        }
    });
    (serve(router).await.unwrap(), served)
}

/// A wait the budget has no room for is not waited: the refresh ends at
/// once, saying why. Before, each page waited up to 60 s, 3 times, over up
/// to 1,000 pages.
#[tokio::test]
async fn a_refresh_gives_up_when_the_server_asks_to_wait_past_its_budget() {
    for kind in ProviderKind::ALL {
        let (url, served) = always_rate_limited("20").await;
        let policy = HttpPolicy {
            refresh_budget: std::time::Duration::from_secs(1),
            ..fast_policy()
        };
        let err = client(kind, &url, policy).list_keys().await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::RateLimited, "{kind:?}: {err:?}");
        assert!(
            err.message
                .contains("gave up after 1 s; the server kept asking to wait"),
            "{kind:?}: {}",
            err.message
        );
        assert_eq!(served.get(), 1, "{kind:?}");
    }
}

/// Short waits are honoured until together they would pass the budget,
/// however many retries the policy allows.
#[tokio::test]
async fn short_waits_add_up_to_the_budget_and_no_further() {
    let (url, served) = always_rate_limited("0.5").await;
    let policy = HttpPolicy {
        refresh_budget: std::time::Duration::from_secs(3),
        max_retries: 1000,
        ..fast_policy()
    };
    let err = client(ProviderKind::Gcore, &url, policy)
        .list_keys()
        .await
        .unwrap_err();
    assert!(
        err.message.contains("the server kept asking to wait"),
        "{}",
        err.message
    );
    // It waited and asked again (the first wait fits in the budget), and
    // stopped long before the 1,001 attempts the policy allows.
    let served = served.get();
    assert!((2..=7).contains(&served), "{served} requests");
}

/// Outside a refresh (a create, a delete) the budget does not apply, and a
/// client of the default policy cuts a server's long wait to 30 s.
#[test]
fn the_default_policy_caps_waits_and_budgets_refreshes() {
    let policy = HttpPolicy::default();
    assert_eq!(policy.max_wait, std::time::Duration::from_secs(30));
    assert_eq!(policy.refresh_budget, std::time::Duration::from_secs(120));
    let err = keyfleet::providers::ApiError::new(ApiErrorKind::RateLimited, "429")
        .with_retry_after(Some(std::time::Duration::from_secs(3600)));
    assert_eq!(
        keyfleet::providers::http::retry_wait(&policy, &err, 0),
        std::time::Duration::from_secs(30)
    );
}
