//! A create whose answer is lost (the fake handles it, then drops the
//! connection) is recovered only as the key that was sent: by fingerprint,
//! or, where the list shows no key material (HCP Terraform), as the one new
//! id with the name sent. A same-named key someone else made is never taken
//! for it. Real HTTP to the sandbox fakes.

mod common;

use common::client::{account_client, fast_policy, new_key};
use common::keys::{fresh_key, private_text, public_line, sha256};
use keyfleet::keys::SecretString;
use keyfleet::ops::publish::{PublishOutcome, publish_to};
use keyfleet::ops::recovery::{CreateOutcome, create_with_recovery};
use keyfleet::providers::{ApiError, NewKey, NewKeyMaterial, ProviderClient, ProviderKind};
use keyfleet::sandbox::{self, Fault, Gate, Sandbox};

fn client(sandbox: &Sandbox, kind: ProviderKind) -> ProviderClient {
    account_client(kind, sandbox.url(kind), sandbox::token(kind), fast_policy())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Where the Terraform fake lists (GET) and creates (POST) the sandbox
/// organization's keys.
const TERRAFORM_KEYS_PATH: &str = "/api/v2/organizations/acme-infra/ssh-keys";

/// The fake lets the next `skip` requests through, then handles the one
/// after and drops its answer.
fn drop_answer_after(sandbox: &Sandbox, kind: ProviderKind, skip: usize) {
    let faults = sandbox.faults(kind);
    faults.inject(Fault::Delay(std::time::Duration::ZERO), skip);
    faults.inject(Fault::DropAfterHandling, 1);
}

/// How many requests one listing of the account takes.
fn list_requests(
    sandbox: &Sandbox,
    runtime: &tokio::runtime::Runtime,
    kind: ProviderKind,
) -> usize {
    let faults = sandbox.faults(kind);
    faults.reset_requests();
    runtime.block_on(client(sandbox, kind).list_keys()).unwrap();
    let count = faults.request_count();
    faults.reset_requests();
    count
}

/// `(id, name, fingerprint)` of every key of the account, as listed.
fn key_set(
    sandbox: &Sandbox,
    runtime: &tokio::runtime::Runtime,
    kind: ProviderKind,
) -> Vec<(String, String, Option<String>)> {
    let mut keys: Vec<_> = runtime
        .block_on(client(sandbox, kind).list_keys())
        .unwrap()
        .into_iter()
        .map(|key| (key.id, key.name.to_string(), key.fingerprint_sha256))
        .collect();
    keys.sort();
    keys
}

#[test]
fn a_lost_create_is_found_by_fingerprint_never_as_a_same_named_foreign_key() {
    let runtime = runtime();
    // Gcore refuses a second key with a name in a project, so its foreign
    // key has another name; the others allow the same name twice.
    for (kind, foreign_name) in [
        (ProviderKind::Sesterce, "deploy"),
        (ProviderKind::Github, "deploy"),
        (ProviderKind::Gcore, "deploy-old"),
        (ProviderKind::Gitlab, "deploy"),
    ] {
        let sandbox = Sandbox::start().unwrap();
        sandbox.seed_key(kind, foreign_name, &public_line(&fresh_key("foreign")), "");
        let ours = fresh_key("ours");
        drop_answer_after(&sandbox, kind, 0);
        let sent = new_key("deploy", NewKeyMaterial::PublicKey(public_line(&ours)));
        let outcome = runtime
            .block_on(create_with_recovery(&client(&sandbox, kind), &sent))
            .unwrap_or_else(|err| panic!("{kind:?}: {}", err.message));
        let CreateOutcome::LostButFound {
            key,
            private_key_lost,
        } = outcome
        else {
            panic!("{kind:?}: the answer was dropped, so it cannot have arrived")
        };
        assert!(!private_key_lost, "{kind:?}");
        assert_eq!(key.fingerprint_sha256, Some(sha256(&ours)), "{kind:?}");
        assert_eq!(key.name, "deploy", "{kind:?}");
        let keys = key_set(&sandbox, &runtime, kind);
        assert_eq!(keys.len(), 2, "{kind:?}: {keys:?}");
        assert!(
            keys.iter()
                .any(|k| k.0 == key.id && k.2 == Some(sha256(&ours)))
        );
    }
}

#[test]
fn publish_reports_the_id_of_the_key_it_sent_when_the_answer_is_lost() {
    let runtime = runtime();
    for kind in [
        ProviderKind::Sesterce,
        ProviderKind::Github,
        ProviderKind::Gitlab,
    ] {
        let sandbox = Sandbox::start().unwrap();
        let foreign = fresh_key("foreign");
        sandbox.seed_key(kind, "laptop", &public_line(&foreign), "");
        let ours = fresh_key("ours");
        let skip = list_requests(&sandbox, &runtime, kind);
        drop_answer_after(&sandbox, kind, skip);
        let sent = new_key("laptop", NewKeyMaterial::PublicKey(public_line(&ours)));
        let (outcome, key) = runtime
            .block_on(publish_to(&client(&sandbox, kind), &sent, &sha256(&ours)))
            .unwrap_or_else(|err| panic!("{kind:?}: {}", err.message));
        assert_eq!(outcome, PublishOutcome::Added, "{kind:?}");
        assert_eq!(key.fingerprint_sha256, Some(sha256(&ours)), "{kind:?}");
        let keys = key_set(&sandbox, &runtime, kind);
        let foreign_id = keys
            .iter()
            .find(|k| k.2 == Some(sha256(&foreign)))
            .map(|k| k.0.clone())
            .unwrap();
        assert_ne!(key.id, foreign_id, "{kind:?}: reported the foreign key");
        assert_eq!(keys.len(), 2, "{kind:?}: {keys:?}");
    }
}

/// What the Terraform fake holds: `(id, name)`, oldest first.
fn terraform_keys(sandbox: &Sandbox) -> Vec<(String, String)> {
    sandbox.terraform.keys(sandbox::SANDBOX_ORGANIZATION)
}

#[test]
fn terraform_recovers_only_the_new_id_with_the_name_sent() {
    let runtime = runtime();
    let sandbox = Sandbox::start().unwrap();
    let kind = ProviderKind::Terraform;
    let foreign = private_text(&fresh_key("foreign"));
    sandbox.seed_key(kind, "tf-deploy", "", &foreign);
    let foreign_id = terraform_keys(&sandbox)[0].0.clone();
    let skip = list_requests(&sandbox, &runtime, kind);
    drop_answer_after(&sandbox, kind, skip);
    let sent = new_key(
        "tf-deploy",
        NewKeyMaterial::PrivateKey(SecretString::new(private_text(&fresh_key("ours")))),
    );
    let outcome = runtime
        .block_on(create_with_recovery(&client(&sandbox, kind), &sent))
        .unwrap_or_else(|err| panic!("{}", err.message));
    let CreateOutcome::LostButFound { key, .. } = outcome else {
        panic!("the answer was dropped, so it cannot have arrived")
    };
    let held = terraform_keys(&sandbox);
    assert_eq!(held.len(), 2, "{held:?}");
    assert_ne!(key.id, foreign_id, "took the foreign key for ours");
    assert_eq!((key.id, key.name.to_string()), held[1]);
}

#[test]
fn terraform_says_unknown_when_the_list_before_failed() {
    let runtime = runtime();
    let sandbox = Sandbox::start().unwrap();
    let kind = ProviderKind::Terraform;
    sandbox.seed_key(kind, "tf-deploy", "", &private_text(&fresh_key("foreign")));
    let faults = sandbox.faults(kind);
    let policy = keyfleet::providers::HttpPolicy {
        max_retries: 0,
        ..fast_policy()
    };
    // The list before the create fails; the create's answer is lost. Both
    // on the keys' path (GET, then POST): the workspaces listed beside the
    // keys take neither.
    faults.inject_on(TERRAFORM_KEYS_PATH, Fault::ServerError, 1);
    faults.inject_on(TERRAFORM_KEYS_PATH, Fault::DropAfterHandling, 1);
    let client = account_client(kind, sandbox.url(kind), sandbox::token(kind), policy);
    let sent = new_key(
        "tf-deploy",
        NewKeyMaterial::PrivateKey(SecretString::new(private_text(&fresh_key("ours")))),
    );
    let err = runtime
        .block_on(create_with_recovery(&client, &sent))
        .expect_err("a same-named key without a list from before is no proof");
    assert!(err.message.contains("unknown"), "{}", err.message);
    assert!(
        err.message.contains("check the organization"),
        "{}",
        err.message
    );
    // Nothing was deleted or added besides the one create.
    assert_eq!(terraform_keys(&sandbox).len(), 2);
}

/// Creates `sent` on the Terraform account with its answer lost, and holds
/// the listing that follows until `meanwhile` has run (someone else at
/// work on the account between the create and the check); returns what
/// the create reported. `skip` requests (the list before) pass untouched.
fn terraform_create_lost_then(
    sandbox: &Sandbox,
    skip: usize,
    sent: &NewKey,
    meanwhile: impl FnOnce(),
) -> Result<CreateOutcome, ApiError> {
    let kind = ProviderKind::Terraform;
    let gate = Gate::new();
    drop_answer_after(sandbox, kind, skip);
    // The keys of that listing, not the workspaces read beside them.
    sandbox
        .faults(kind)
        .inject_on(TERRAFORM_KEYS_PATH, Fault::Hold(gate.clone()), 1);
    // A generous timeout: the listing is held only while `meanwhile` runs.
    let policy = keyfleet::providers::HttpPolicy {
        request_timeout: std::time::Duration::from_secs(300),
        ..fast_policy()
    };
    let client = account_client(kind, sandbox.url(kind), sandbox::token(kind), policy);
    std::thread::scope(|scope| {
        let creating = scope.spawn(|| runtime().block_on(create_with_recovery(&client, sent)));
        let arrived = gate.wait_arrivals_blocking(1, std::time::Duration::from_secs(120));
        if arrived {
            meanwhile();
        }
        gate.release();
        assert!(arrived, "the listing after the lost create never came");
        creating.join().unwrap()
    })
}

#[test]
fn two_new_keys_with_the_name_sent_are_unknown_not_taken_or_denied() {
    let runtime = runtime();
    let sandbox = Sandbox::start().unwrap();
    let kind = ProviderKind::Terraform;
    let skip = list_requests(&sandbox, &runtime, kind);
    let sent = new_key(
        "tf-deploy",
        NewKeyMaterial::PrivateKey(SecretString::new(private_text(&fresh_key("ours")))),
    );
    // Someone adds a same-named key between the create and the check.
    let result = terraform_create_lost_then(&sandbox, skip, &sent, || {
        sandbox.seed_key(kind, "tf-deploy", "", &private_text(&fresh_key("theirs")));
    });
    let err = match result {
        Err(err) => err,
        Ok(outcome) => panic!("took a key for ours: {outcome:?}"),
    };
    assert!(
        err.message.contains("2 new keys named \"tf-deploy\""),
        "{}",
        err.message
    );
    assert!(err.message.contains("unknown"), "{}", err.message);
    assert!(!err.message.contains("not created"), "{}", err.message);
    assert_eq!(terraform_keys(&sandbox).len(), 2, "nothing deleted");
}

#[test]
fn a_created_key_deleted_before_the_check_is_reported_not_created() {
    let runtime = runtime();
    let sandbox = Sandbox::start().unwrap();
    let kind = ProviderKind::Terraform;
    let bystander = private_text(&fresh_key("bystander"));
    sandbox.seed_key(kind, "tf-modules", "", &bystander);
    let skip = list_requests(&sandbox, &runtime, kind);
    let sent = new_key(
        "tf-deploy",
        NewKeyMaterial::PrivateKey(SecretString::new(private_text(&fresh_key("ours")))),
    );
    // Someone deletes the new key (over the API) before the check lists.
    let result = terraform_create_lost_then(&sandbox, skip, &sent, || {
        let client = client(&sandbox, kind);
        let listed = runtime.block_on(client.list_keys()).unwrap();
        let created = listed
            .iter()
            .find(|key| key.name == "tf-deploy")
            .expect("the create was handled before its answer was dropped");
        runtime.block_on(client.delete_key(created)).unwrap();
    });
    let err = match result {
        Err(err) => err,
        Ok(outcome) => panic!("reported a deleted key as created: {outcome:?}"),
    };
    assert!(
        err.message
            .contains("shows no such key, so it was not created"),
        "{}",
        err.message
    );
    assert_eq!(terraform_keys(&sandbox)[0].1, "tf-modules");
    assert_eq!(terraform_keys(&sandbox).len(), 1);
}

#[test]
fn a_refused_create_is_reported_as_refused_not_recovered() {
    let runtime = runtime();
    let sandbox = Sandbox::start().unwrap();
    let kind = ProviderKind::Github;
    let ours = fresh_key("ours");
    let sent = new_key("deploy", NewKeyMaterial::PublicKey(public_line(&ours)));
    let client = client(&sandbox, kind);
    // Added once already under the same name: GitHub refuses a second copy
    // of the same key ("key is already in use").
    runtime.block_on(client.create_key(&sent)).unwrap();
    sandbox.faults(kind).reset_requests();
    let before = sandbox.snapshot();
    let err = match runtime.block_on(create_with_recovery(&client, &sent)) {
        Err(err) => err,
        Ok(outcome) => panic!("a refused create was reported as {outcome:?}"),
    };
    assert!(err.message.contains("already in use"), "{}", err.message);
    assert!(!err.message.contains("key list"), "{}", err.message);
    let listings = sandbox
        .faults(kind)
        .requests()
        .iter()
        .filter(|request| request.method == "GET")
        .count();
    assert_eq!(listings, 0, "a refusal needs no listing");
    assert_eq!(sandbox.snapshot(), before);
}
