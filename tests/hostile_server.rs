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
