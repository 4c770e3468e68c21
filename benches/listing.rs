//! Listing one account of every provider, three pages of keys, with 200 ms
//! added to every request by the fake, as a ratio to listing the same
//! account with one page (one round trip). The goal (issue 22) is ≤ 2.2×
//! for every provider whose API gives a total or a last page: the first
//! page, then every other page at once (`providers/paging.rs`).
//!
//! `cargo bench --features bench --bench listing` prints a Markdown table
//! (docs/PERFORMANCE.md, "Every account in two round trips"). It needs no
//! display and no release build of the app, about a minute in all.
//! `KEYFLEET_BENCH_LATENCY_MS` changes the latency.
//!
//! A new provider is one line in [`CASES`].

use std::time::{Duration, Instant};

use keyfleet::keys::SecretString;
use keyfleet::providers::{AccountTarget, Http, HttpPolicy, ProviderClient, ProviderKind};
use keyfleet::sandbox::{self, SANDBOX_ORGANIZATION, Sandbox};

/// One provider to list.
struct Case {
    kind: ProviderKind,
    /// Keys on one page as its client asks for them; `None`: the API
    /// returns the whole list at once.
    page_size: Option<usize>,
    /// The API's first page gives the total or the last page, so the goal
    /// applies (a cursor-only API must read its pages one by one).
    gives_total: bool,
}

/// Every provider: add one line per new provider.
const CASES: &[Case] = &[
    Case {
        kind: ProviderKind::Gcore,
        page_size: Some(1000),
        gives_total: true,
    },
    Case {
        kind: ProviderKind::Sesterce,
        page_size: None,
        gives_total: true,
    },
    Case {
        kind: ProviderKind::Terraform,
        page_size: Some(100),
        gives_total: true,
    },
    Case {
        kind: ProviderKind::Github,
        page_size: Some(100),
        gives_total: true,
    },
    Case {
        kind: ProviderKind::Hetzner,
        page_size: Some(50),
        gives_total: true,
    },
    Case {
        kind: ProviderKind::Digitalocean,
        page_size: Some(200),
        gives_total: true,
    },
    Case {
        kind: ProviderKind::Gitlab,
        page_size: Some(100),
        gives_total: true,
    },
];

/// Pages listed in the measured run.
const PAGES: usize = 3;
/// Timed listings per measurement; the median is reported.
const RUNS: usize = 5;
const GOAL: f64 = 2.2;

fn main() {
    let latency = std::env::var("KEYFLEET_BENCH_LATENCY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_millis(200), Duration::from_millis);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    println!(
        "| provider | keys | requests | one page (1 round trip) | {PAGES} pages | ratio | goal | held? |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for case in CASES {
        let row = measure(case, latency, &runtime);
        let goal = if case.gives_total {
            format!("≤ {GOAL}×")
        } else {
            "— (cursor)".into()
        };
        let held = match (case.gives_total, row.ratio() <= GOAL) {
            (false, _) => "—",
            (true, true) => "**held**",
            (true, false) => "not held",
        };
        println!(
            "| {} | {} | {} | {:.0} ms | {:.0} ms | {:.2}× | {goal} | {held} |",
            case.kind.spec().label,
            row.keys,
            row.requests,
            ms(row.one_page),
            ms(row.pages),
            row.ratio(),
        );
    }
}

struct Row {
    keys: usize,
    /// Requests one listing of all pages made.
    requests: usize,
    one_page: Duration,
    pages: Duration,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.pages.as_secs_f64() / self.one_page.as_secs_f64()
    }
}

/// Times listing the account with one key, then with enough for
/// [`PAGES`] pages, on a fresh sandbox.
fn measure(case: &Case, latency: Duration, runtime: &tokio::runtime::Runtime) -> Row {
    let kind = case.kind;
    let sandbox = Sandbox::start().expect("sandbox");
    seed(&sandbox, kind, 0..1);
    let client = client(&sandbox, kind);
    let faults = sandbox.faults(kind);
    faults.set_latency(latency);
    // Warm up the connections, then one page.
    runtime.block_on(time_listing(&client, 1));
    let one_page = runtime.block_on(time_listing(&client, 1));

    let keys = case.page_size.map_or(PAGES, |size| size * (PAGES - 1) + 1);
    seed(&sandbox, kind, 1..keys);
    let before = faults.request_count();
    let pages = runtime.block_on(time_listing(&client, keys));
    let requests = (faults.request_count() - before) / RUNS;
    Row {
        keys,
        requests,
        one_page,
        pages,
    }
}

/// The median of [`RUNS`] full listings, each checked to list `keys` keys.
async fn time_listing(client: &ProviderClient, keys: usize) -> Duration {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let listed = client.list_keys().await.expect("listing");
        times.push(started.elapsed());
        assert_eq!(listed.len(), keys, "every key listed");
    }
    times.sort();
    times[RUNS / 2]
}

/// Keys (and, for HCP Terraform, as many workspaces using them, so "Used
/// by" takes three pages too) numbered `range` in the sandbox account.
fn seed(sandbox: &Sandbox, kind: ProviderKind, range: std::ops::Range<usize>) {
    for n in range {
        let private = ssh_key::PrivateKey::random(
            &mut ssh_key::rand_core::OsRng,
            ssh_key::Algorithm::Ed25519,
        )
        .expect("key");
        let public = private.public_key().to_openssh().expect("public key");
        let private = private
            .to_openssh(ssh_key::LineEnding::LF)
            .expect("private key");
        let name = format!("bench-{n:05}");
        sandbox.seed_key(kind, &name, &public, &private);
        if kind == ProviderKind::Terraform {
            sandbox
                .terraform
                .add_workspace(SANDBOX_ORGANIZATION, &format!("ws-{n:05}"), None);
        }
    }
}

fn client(sandbox: &Sandbox, kind: ProviderKind) -> ProviderClient {
    let profile = sandbox.profile(kind, "bench");
    let target = AccountTarget {
        base_url: profile.base_url.clone(),
        token: SecretString::new(sandbox::token(kind)),
        settings: profile.settings.clone(),
    };
    let http = Http::new(HttpPolicy::default()).expect("http client");
    ProviderClient::new(http, &target).expect("client")
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
