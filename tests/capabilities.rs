//! `Capabilities` (and the spec's key scopes and account fields) against
//! what each client really does, for every provider in the registry: an
//! operation the spec calls unsupported is refused locally, with no request
//! reaching the fake; a supported one sends its request. A new provider is
//! covered as soon as it is in `registry::all()`.

mod common;

use common::client::{fast_policy, new_key};
use common::fixtures::fixture_key;
use keyfleet::keys::SecretString;
use keyfleet::providers::spec::{ChoiceKind, FieldKey};
use keyfleet::providers::{
    AccountTarget, ApiError, ApiErrorKind, Http, KeyScope, NewKeyMaterial, ProviderClient,
    ProviderKind, ProviderSettings, ProviderSpec, RemoteKey, StoredMaterial, registry,
};
use keyfleet::sandbox::{self, Faults, SANDBOX_ORGANIZATION, SANDBOX_PROJECT};

/// A region the Gcore fake has (any provider's fake ignores it otherwise).
const REGION: u64 = 76;

/// One operation a spec can allow or not, with whether `spec` allows it.
struct Check {
    name: String,
    supported: bool,
    call: Call,
}

enum Call {
    Share,
    MakeDefault,
    Rename,
    Create(NewKeyMaterial, KeyScope),
    Choices(ChoiceKind),
}

/// Every operation the spec decides on, each with the spec's answer.
fn checks(spec: &ProviderSpec, settings: &ProviderSettings) -> Vec<Check> {
    let caps = spec.capabilities;
    let public = NewKeyMaterial::PublicKey(fixture_key("ed25519").public);
    let private = NewKeyMaterial::PrivateKey(private_key());
    // A create that differs from a supported one only in what is checked.
    let material = match caps.stores {
        StoredMaterial::PublicKey => public.clone(),
        StoredMaterial::PrivateKey => private.clone(),
    };
    let scopes: Vec<KeyScope> = (spec.key_scopes)(settings)
        .into_iter()
        .map(|(scope, _)| scope)
        .collect();
    let listed = |wanted: &KeyScope| scopes.iter().any(|scope| scope.same_place(wanted));
    let region = KeyScope::Region {
        region_id: REGION,
        region_name: "Luxembourg-2".into(),
    };
    let has_choices = |kind| spec.profile_fields.iter().any(|f| f.choices == kind);
    let mut checks = vec![
        check("share", caps.share, Call::Share),
        check("make default", caps.make_default, Call::MakeDefault),
        check("rename", caps.rename, Call::Rename),
        check(
            "generate on the server",
            caps.server_generate,
            Call::Create(NewKeyMaterial::GenerateOnServer, KeyScope::Account),
        ),
        check(
            "create from a public key",
            caps.stores == StoredMaterial::PublicKey,
            Call::Create(public, KeyScope::Account),
        ),
        check(
            "create from a private key",
            caps.stores == StoredMaterial::PrivateKey,
            Call::Create(private, KeyScope::Account),
        ),
        check(
            "create a regional keypair",
            caps.regional_keypairs && listed(&region),
            Call::Create(material.clone(), region),
        ),
        check(
            "create a signing key",
            listed(&KeyScope::Signing),
            Call::Create(material, KeyScope::Signing),
        ),
    ];
    for kind in [
        ChoiceKind::Projects,
        ChoiceKind::Regions,
        ChoiceKind::Organizations,
    ] {
        checks.push(check(
            &format!("list {kind:?}"),
            has_choices(kind),
            Call::Choices(kind),
        ));
    }
    checks
}

fn check(name: &str, supported: bool, call: Call) -> Check {
    Check {
        name: name.to_string(),
        supported,
        call,
    }
}

/// A fresh OpenSSH private key (HCP Terraform stores private keys).
fn private_key() -> SecretString {
    let key =
        ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
    SecretString::new(key.to_openssh(ssh_key::LineEnding::LF).unwrap().as_str())
}

/// The sandbox account's settings, with a region chosen where there are
/// regions (so the spec lists the regional scope).
fn settings(kind: ProviderKind) -> ProviderSettings {
    ProviderSettings::new(kind)
        .with_text(FieldKey::Project, SANDBOX_PROJECT)
        .with_text(FieldKey::Organization, SANDBOX_ORGANIZATION)
        .with_values(FieldKey::Regions, &[&REGION.to_string()])
}

/// A key id the fake does not have: a supported call still has to send
/// its request to find that out.
fn absent_key(scope: KeyScope) -> RemoteKey {
    RemoteKey {
        id: "4242".into(),
        name: "absent".into(),
        scope,
        ..RemoteKey::default()
    }
}

async fn run(client: &ProviderClient, call: &Call) -> Result<(), ApiError> {
    let key = absent_key(KeyScope::Account);
    match call {
        Call::Share => client.set_shared(&key, true).await.map(drop),
        Call::MakeDefault => client.make_default(&key).await,
        Call::Rename => client.rename_key(&key, "renamed").await.map(drop),
        Call::Create(material, scope) => {
            let mut new = new_key("capability-check", material.clone());
            new.scope = scope.clone();
            client.create_key(&new).await.map(drop)
        }
        Call::Choices(kind) => client.list_choices(*kind).await.map(drop),
    }
}

/// Runs `check` against a fresh fake of `kind`; a description of the
/// disagreement, if any.
async fn disagreement(kind: ProviderKind, check: &Check) -> Option<String> {
    let (url, faults): (String, Faults) = sandbox::serve_fresh(kind).await.unwrap();
    let target = AccountTarget {
        base_url: url,
        token: SecretString::new(sandbox::token(kind)),
        settings: settings(kind),
    };
    let client = ProviderClient::new(Http::new(fast_policy()).unwrap(), &target).unwrap();
    let result = run(&client, &check.call).await;
    let requests = faults.request_count();
    let what = format!("{kind:?}: {}", check.name);
    // The fake records a request before answering it, and the call has
    // had its answers: the count is final, no waiting involved.
    if check.supported {
        return (requests == 0)
            .then(|| format!("{what}: supported, but no request was sent ({result:?})"));
    }
    match result {
        Err(err) if err.kind == ApiErrorKind::InvalidInput && requests == 0 => None,
        other => Some(format!(
            "{what}: unsupported, but the client answered {other:?} after {requests} request(s)"
        )),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capabilities_match_what_each_client_does() {
    let mut problems = Vec::new();
    let mut counted = 0;
    for spec in registry::all() {
        for check in checks(spec, &settings(spec.kind)) {
            counted += 1;
            problems.extend(disagreement(spec.kind, &check).await);
        }
    }
    assert_eq!(counted, registry::all().len() * 11, "every check ran");
    assert!(
        problems.is_empty(),
        "the spec and the client disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_provider_supports_something_and_refuses_something() {
    // Guards the test above against a spec or check list that makes it
    // vacuous (everything supported, or nothing).
    for spec in registry::all() {
        let checks = checks(spec, &settings(spec.kind));
        assert!(checks.iter().any(|c| c.supported), "{:?}", spec.kind);
        assert!(checks.iter().any(|c| !c.supported), "{:?}", spec.kind);
    }
}
