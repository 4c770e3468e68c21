//! Issue 10, part 7: one listing may read only so much in total, not only
//! per response. Fake servers that page forever with big pages must be cut
//! off with a clear message once the pages add up to the cap.

mod common;

use common::client::{account_client, fast_policy};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::Query;
use keyfleet::providers::http::MAX_LIST_BYTES;
use keyfleet::providers::{ApiErrorKind, HttpPolicy, ProviderClient, ProviderKind};
use keyfleet::sandbox::serve;
use serde_json::json;

fn client(kind: ProviderKind, url: &str, max_list_bytes: usize) -> ProviderClient {
    let policy = HttpPolicy {
        request_timeout: Duration::from_secs(30),
        max_list_bytes,
        ..fast_policy()
    };
    account_client(kind, url, "1234$cap-test-token", policy)
}

/// A Terraform-like server whose every page points to the next one; each
/// page holds `page_bytes` of key names. Counts the pages of the key list
/// served (the workspaces, listed beside it, are endless too and have a
/// cap of their own).
async fn endless_terraform(page_bytes: usize) -> (String, Arc<AtomicUsize>) {
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    // Built once: 100 keys whose names fill the page.
    let data: Vec<_> = (0..100)
        .map(|i| {
            json!({"id": format!("sshkey-{i}"), "type": "ssh-keys",
                   "attributes": {"name": "n".repeat(page_bytes / 100)}})
        })
        .collect();
    let data = Arc::new(serde_json::to_string(&data).unwrap());
    let router = axum::Router::new().fallback(
        move |uri: axum::http::Uri, Query(query): Query<HashMap<String, String>>| {
            let (counter, data) = (counter.clone(), data.clone());
            async move {
                if uri.path().ends_with("/ssh-keys") {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                let page: u64 = query
                    .get("page[number]")
                    .and_then(|page| page.parse().ok())
                    .unwrap_or(1);
                let meta = json!({"pagination": {"current-page": page, "next-page": page + 1}});
                (
                    [("content-type", "application/vnd.api+json")],
                    format!("{{\"data\":{data},\"meta\":{meta}}}"),
                )
            }
        },
    );
    (serve(router).await.unwrap(), served)
}

#[tokio::test]
async fn terraform_stops_a_listing_that_pages_forever() {
    let (url, served) = endless_terraform(100 * 1024).await;
    let err = client(ProviderKind::Terraform, &url, 1024 * 1024)
        .list_keys()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
    assert!(
        err.message.contains("The list is larger than 1 MB")
            && err.message.contains("Keyfleet stopped reading it"),
        "{}",
        err.message
    );
    let served = served.load(Ordering::SeqCst);
    assert!((10..=12).contains(&served), "{served} pages served");
}

/// With the default cap: 9 MB pages (each under the per-response limit)
/// stop once they pass 64 MB, after 8 pages rather than 1000.
#[tokio::test]
async fn the_default_cap_stops_huge_pages_at_64_mb() {
    let (url, served) = endless_terraform(9 * 1024 * 1024).await;
    let err = client(ProviderKind::Terraform, &url, MAX_LIST_BYTES)
        .list_keys()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
    assert!(
        err.message.contains("larger than 64 MB (8 pages read)"),
        "{}",
        err.message
    );
    assert_eq!(served.load(Ordering::SeqCst), 8);
}

#[tokio::test]
async fn gcore_stops_a_listing_that_claims_endless_keys() {
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    let router = axum::Router::new().route(
        "/cloud/v1/ssh_keys/{project}",
        axum::routing::get(move |Query(query): Query<HashMap<String, String>>| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                let offset: usize = query
                    .get("offset")
                    .and_then(|offset| offset.parse().ok())
                    .unwrap_or(0);
                let results: Vec<_> = (offset..offset + 1000)
                    .map(|i| json!({"id": format!("id-{i}"), "name": "n".repeat(100)}))
                    .collect();
                axum::Json(json!({"count": 1_000_000_000u64, "results": results}))
            }
        }),
    );
    let url = serve(router).await.unwrap();
    let err = client(ProviderKind::Gcore, &url, 1024 * 1024)
        .list_keys()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
    assert!(
        err.message.contains("The list is larger than 1 MB"),
        "{}",
        err.message
    );
    // About 130 KB a page: the cap is passed on page 8; pages already in
    // flight (8 at a time) may still arrive.
    let served = served.load(Ordering::SeqCst);
    assert!((8..=16).contains(&served), "{served} pages served");
}
