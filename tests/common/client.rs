//! Helpers shared by the client tests: a fast retry policy, a client for the
//! sandbox account of any provider, and a key to create.

use std::time::Duration;

use keyfleet::keys::SecretString;
use keyfleet::providers::spec::FieldKey;
use keyfleet::providers::{
    AccountTarget, Http, HttpPolicy, KeyScope, NewKey, NewKeyMaterial, ProviderClient,
    ProviderKind, ProviderSettings,
};
use keyfleet::sandbox::{SANDBOX_ORGANIZATION, SANDBOX_PROJECT};

/// The policy every client test starts from: retries after 10 ms instead of
/// 250 ms, and a 10 s request timeout, so a failing test fails fast.
pub fn fast_policy() -> HttpPolicy {
    HttpPolicy {
        base_backoff: Duration::from_millis(10),
        request_timeout: Duration::from_secs(10),
        ..HttpPolicy::default()
    }
}

/// A client for the sandbox account of `kind` (project 1, organization
/// acme-infra) at `url`, with `token` and `policy`.
pub fn account_client(
    kind: ProviderKind,
    url: &str,
    token: &str,
    policy: HttpPolicy,
) -> ProviderClient {
    let target = AccountTarget {
        base_url: url.to_string(),
        token: SecretString::new(token),
        settings: ProviderSettings::new(kind)
            .with_text(FieldKey::Project, SANDBOX_PROJECT)
            .with_text(FieldKey::Organization, SANDBOX_ORGANIZATION),
    };
    ProviderClient::new(Http::new(policy).unwrap(), &target).unwrap()
}

/// A key named `name` for the account's own list, shared where that exists.
pub fn new_key(name: &str, material: NewKeyMaterial) -> NewKey {
    NewKey {
        name: name.to_string(),
        material,
        shared_in_project: true,
        scope: KeyScope::Account,
        expires_at: None,
    }
}
