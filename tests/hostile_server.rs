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
// The command line: what a server named a key must not drive the terminal

/// A key name with ANSI/OSC sequences, a bell, a C1 CSI and a bidi override.
const HOSTILE_NAME: &str = "evil\x1b[2J\x1b]0;pwned\x07\u{9b}31m\u{202e}gpj.exe";
/// A public key to hold that name.
const PUBLIC_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB test@keyfleet.local";

/// A Gcore-like server whose every answer is a 500 with a message that
/// tries to clear the screen.
async fn hostile_error_server() -> String {
    let router = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "application/json")],
            "{\"message\":\"boom\\u001b[2J\\u001b]52;c;cHduZWQ=\\u0007\"}",
        )
    });
    serve(router).await.unwrap()
}

/// Runs the real binary with profiles for the sandbox's Gcore account
/// (holding [`HOSTILE_NAME`]) and a second Gcore account whose server
/// answers with escape sequences in its error message.
fn run_cli(args: &[&str]) -> std::process::Output {
    use keyfleet::store::{ProfileStore, TokenSource};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hostile_url = runtime.block_on(hostile_error_server());
    let sandbox = keyfleet::sandbox::Sandbox::start().unwrap();
    sandbox.seed_key(ProviderKind::Gcore, HOSTILE_NAME, PUBLIC_KEY, "");
    let mut good = sandbox.profile(ProviderKind::Gcore, "Gcore\x1b[31m prod");
    good.token_source = TokenSource::EnvVar("KEYFLEET_HOSTILE_TOKEN".into());
    let mut broken = sandbox.profile(ProviderKind::Gcore, "Broken");
    broken.id = "broken".into();
    broken.base_url = hostile_url;
    broken.token_source = TokenSource::EnvVar("KEYFLEET_HOSTILE_TOKEN".into());
    let config = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    ProfileStore::new(config.path())
        .save(&[good, broken])
        .unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_keyfleet"))
        .args(args)
        .env("KEYFLEET_CONFIG_DIR", config.path())
        .env("HOME", home.path())
        .env(
            "KEYFLEET_HOSTILE_TOKEN",
            keyfleet::sandbox::token(ProviderKind::Gcore),
        )
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// No byte of `output` may be a control character but the line breaks the
/// CLI writes itself, nor a bidi override.
fn assert_terminal_safe(output: &[u8]) {
    let text = String::from_utf8(output.to_vec()).unwrap();
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c))
        .collect();
    assert!(bad.is_empty(), "{bad:?} in {text}");
}

#[test]
fn cli_tables_and_errors_escape_what_servers_said() {
    for args in [
        &["keys", "Gcore\x1b[31m prod"][..],
        &["inventory"][..],
        &["keys", "Broken"][..],
    ] {
        let output = run_cli(args);
        assert_terminal_safe(&output.stdout);
        assert_terminal_safe(&output.stderr);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        if args[0] == "inventory" || args[1] != "Broken" {
            // The name is still there to read, its escapes made visible.
            assert!(
                stdout.contains("evil\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\u{202e}gpj.exe"),
                "{stdout}"
            );
        }
        if args[0] == "inventory" || args[1] == "Broken" {
            assert_eq!(output.status.code(), Some(1), "{stderr}");
            assert!(
                stderr.contains("boom\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07"),
                "{stderr}"
            );
        }
    }
}

#[test]
fn cli_json_keeps_names_exactly_and_escaped_by_json() {
    // JSON escapes C0 controls (ESC, BEL) as \u00XX; Keyfleet also escapes
    // C1 (the one-character CSI) and bidi overrides, which JSON allows raw.
    let inventory = run_cli(&["inventory", "--json"]);
    assert_terminal_safe(&inventory.stdout);
    let inventory = String::from_utf8_lossy(&inventory.stdout);
    assert!(
        inventory.contains("\\u009b31m\\u202egpj.exe"),
        "{inventory}"
    );
    let output = run_cli(&["keys", "Gcore\x1b[31m prod", "--json"]);
    assert_terminal_safe(&output.stdout);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|key| key["name"].as_str())
        .collect();
    assert!(names.contains(&HOSTILE_NAME), "{names:?}");
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
        // One request per list read at once (HCP Terraform's keys and
        // workspaces, GitHub's two key kinds), none retried.
        assert!(matches!(served.get(), 1 | 2), "{kind:?}: {}", served.get());
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
