//! Grouping benchmark for the fleet inventory: 20 accounts × 5,000 keys
//! (100,000 keys; 1,000 of each account's keys are on every account, the
//! rest on that account only) plus 50 local keys.
//!
//! `cargo bench --bench inventory` prints the median of several runs; the
//! goal is ≤ 50 ms in release (see docs/PERFORMANCE.md).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use keyfleet::inventory::{Inventory, InventoryOptions, LocalKey, LocalKeyKind};
use keyfleet::providers::{ApiError, ProviderKind, RemoteKey};
use keyfleet::store::Profile;

const ACCOUNTS: usize = 20;
const KEYS_PER_ACCOUNT: usize = 5_000;
const SHARED: usize = 1_000;
const RUNS: usize = 7;

fn fingerprint(n: usize) -> String {
    // The length of a real `SHA256:` + 43 base64 characters.
    format!("SHA256:{n:0>43}")
}

fn accounts() -> Vec<(Profile, Result<Vec<RemoteKey>, ApiError>)> {
    (0..ACCOUNTS)
        .map(|a| {
            let kind = ProviderKind::ALL[a % ProviderKind::ALL.len()];
            let mut profile = Profile::new(kind);
            profile.name = format!("account-{a:02}");
            let keys = (0..KEYS_PER_ACCOUNT)
                .map(|k| {
                    let n = if k < SHARED {
                        k
                    } else {
                        SHARED + a * KEYS_PER_ACCOUNT + k
                    };
                    RemoteKey {
                        id: format!("key-{a}-{k}"),
                        name: format!("key {n}").into(),
                        fingerprint_sha256: Some(fingerprint(n)),
                        algorithm_label: Some(
                            if n % 7 == 0 { "RSA 2048" } else { "ED25519" }.into(),
                        ),
                        comment: Some(format!("user{n}@host").into()),
                        created_at: Some(
                            format!("2025-{:02}-{:02}T12:00:00Z", 1 + n % 12, 1 + n % 28).into(),
                        ),
                        ..RemoteKey::default()
                    }
                })
                .collect();
            (profile, Ok(keys))
        })
        .collect()
}

fn local() -> Vec<LocalKey> {
    (0..50)
        .map(|n| LocalKey {
            path: PathBuf::from(format!("/home/me/.ssh/key{n}.pub")),
            sha256: Some(fingerprint(n * 3)),
            algorithm_label: Some("ED25519".into()),
            bits: Some(256),
            comment: format!("me{n}@laptop"),
            kind: LocalKeyKind::Public,
            private_key_path: Some(PathBuf::from(format!("/home/me/.ssh/key{n}"))),
            public_key: None,
        })
        .collect()
}

fn main() {
    let accounts = accounts();
    let local = local();
    let options = InventoryOptions {
        max_age_days: Some(180),
        max_accounts: Some(3),
        ..InventoryOptions::default()
    };
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut groups = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let inventory = Inventory::build_with(&accounts, &local, &options);
        times.push(start.elapsed());
        groups = inventory.keys.len();
        drop(std::hint::black_box(inventory));
    }
    times.sort();
    let expected = SHARED + ACCOUNTS * (KEYS_PER_ACCOUNT - SHARED);
    assert_eq!(groups, expected, "grouping lost or split keys");
    println!(
        "inventory grouping: {} accounts x {} keys -> {} groups: median {:.1} ms (min {:.1}, max {:.1}); goal <= 50 ms in release",
        ACCOUNTS,
        KEYS_PER_ACCOUNT,
        groups,
        times[RUNS / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
    );
}
