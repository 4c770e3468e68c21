//! Issue 10, part 2: no provider request follows a redirect. A sandbox fake
//! answers 3xx pointing at a second listener on 127.0.0.1 that records
//! every connection; for every provider and operation that listener must
//! receive nothing, and the error must name the target (without any
//! user name, password or query it carried).

mod common;

use common::client::{account_client, fast_policy as policy, new_key};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyfleet::keys::SecretString;
use keyfleet::providers::{
    ApiError, ApiErrorKind, KeyScope, NewKeyMaterial, ProviderClient, ProviderKind, RemoteKey,
};
use keyfleet::sandbox::digitalocean::{DIGITALOCEAN_TOKEN, DigitaloceanFake};
use keyfleet::sandbox::gcore::GcoreFake;
use keyfleet::sandbox::github::GithubFake;
use keyfleet::sandbox::gitlab::{GITLAB_TOKEN, GitlabFake};
use keyfleet::sandbox::hetzner::{HETZNER_TOKEN, HetznerFake};
use keyfleet::sandbox::sesterce::SesterceFake;
use keyfleet::sandbox::terraform::TerraformFake;
use keyfleet::sandbox::{
    Fault, Faults, GCORE_TOKEN, GITHUB_TOKEN, SESTERCE_TOKEN, TERRAFORM_TOKEN, serve,
};
use ssh_key::{Algorithm, LineEnding, PrivateKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A plain TCP listener that counts connections and keeps every byte it
/// receives; it answers anything with a harmless 200 so a client that did
/// follow the redirect would not hang.
struct Recorder {
    url: String,
    connections: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<u8>>>,
}

impl Recorder {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (count, store) = (connections.clone(), received.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let store = store.clone();
                tokio::spawn(async move {
                    let mut buffer = [0u8; 4096];
                    // Read until the client pauses, then answer.
                    while let Ok(Ok(read)) =
                        tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer))
                            .await
                    {
                        if read == 0 {
                            break;
                        }
                        store.lock().unwrap().extend_from_slice(&buffer[..read]);
                    }
                    let body = "[]";
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    // The client may be gone already; nothing to record then.
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Self {
            url,
            connections,
            received,
        }
    }

    fn assert_untouched(&self, what: &str) {
        let received = self.received.lock().unwrap().clone();
        assert_eq!(
            self.connections.load(Ordering::SeqCst),
            0,
            "{what}: the redirect target was contacted; it received:\n{}",
            String::from_utf8_lossy(&received)
        );
        assert!(received.is_empty());
    }
}

const STATUSES: [u16; 4] = [301, 302, 307, 308];

fn client(kind: ProviderKind, url: &str, token: &str) -> ProviderClient {
    account_client(kind, url, token, policy())
}

fn public_key() -> String {
    PrivateKey::random(&mut rand::rngs::OsRng, Algorithm::Ed25519)
        .unwrap()
        .public_key()
        .to_openssh()
        .unwrap()
}

fn private_key() -> SecretString {
    SecretString::new(
        PrivateKey::random(&mut rand::rngs::OsRng, Algorithm::Ed25519)
            .unwrap()
            .to_openssh(LineEnding::LF)
            .unwrap()
            .to_string(),
    )
}

/// The Location each redirect sends: the recorder, with a user name,
/// password, query and fragment that must not be repeated.
fn location(recorder: &Recorder) -> String {
    let host = recorder.url.trim_start_matches("http://");
    format!("http://user:hunter2@{host}/moved/api?token=abc123#frag")
}

/// Checks the error of one redirected call: a non-retryable error with the
/// status, naming the target without its secret parts, and exactly one
/// request reaching the fake.
fn check(err: &ApiError, status: u16, recorder: &Recorder, faults: &Faults, what: &str) {
    check_beside(err, status, recorder, faults, what, None);
}

/// Like [`check`], for a call that reads another list at the same time
/// (GitHub's signing keys beside its authentication keys): requests to
/// `beside` are not counted (sent or cancelled, they are not redirected).
fn check_beside(
    err: &ApiError,
    status: u16,
    recorder: &Recorder,
    faults: &Faults,
    what: &str,
    beside: Option<&str>,
) {
    let what = format!("{what} after {status}");
    recorder.assert_untouched(&what);
    assert_eq!(err.kind, ApiErrorKind::UnexpectedStatus, "{what}: {err:?}");
    assert_eq!(err.status, Some(status), "{what}");
    assert!(!err.is_retryable(), "{what}");
    let target = format!("{}/moved/api", recorder.url);
    assert!(
        err.message.contains(&format!(
            "The API address redirects to {target} (HTTP {status})"
        )),
        "{what}: {}",
        err.message
    );
    assert!(
        err.message.contains("check the account's base URL"),
        "{what}: {}",
        err.message
    );
    let shown = format!("{err:?} {err} {}", err.full_text());
    for secret in ["hunter2", "user:", "abc123", "token=", "frag"] {
        assert!(!shown.contains(secret), "{what}: {secret} in {shown}");
    }
    let counted = faults
        .requests()
        .iter()
        .filter(|request| beside.is_none_or(|beside| !request.path.starts_with(beside)))
        .count();
    assert_eq!(counted, 1, "{what}: {:?}", faults.requests());
    faults.reset_requests();
}

fn redirect(faults: &Faults, status: u16, recorder: &Recorder) {
    faults.inject(
        Fault::Redirect {
            status,
            location: Some(location(recorder)),
        },
        1,
    );
}

#[tokio::test]
async fn gcore_list_and_create_do_not_follow_redirects() {
    let recorder = Recorder::start().await;
    let fake = GcoreFake::new();
    let url = serve(fake.router()).await.unwrap();
    let gcore = client(ProviderKind::Gcore, &url, GCORE_TOKEN);
    let faults = fake.faults();
    for status in STATUSES {
        redirect(&faults, status, &recorder);
        let err = gcore.list_keys().await.unwrap_err();
        check(&err, status, &recorder, &faults, "Gcore list");

        redirect(&faults, status, &recorder);
        let err = gcore
            .create_key(&new_key("laptop", NewKeyMaterial::PublicKey(public_key())))
            .await
            .unwrap_err();
        check(&err, status, &recorder, &faults, "Gcore create");

        redirect(&faults, status, &recorder);
        let err = gcore
            .create_key(&new_key("generated", NewKeyMaterial::GenerateOnServer))
            .await
            .unwrap_err();
        check(&err, status, &recorder, &faults, "Gcore generate");
    }
    assert_eq!(fake.key_count(1), 0);
}

#[tokio::test]
async fn sesterce_list_and_create_do_not_follow_redirects() {
    let recorder = Recorder::start().await;
    let fake = SesterceFake::new();
    let url = serve(fake.router()).await.unwrap();
    let sesterce = client(ProviderKind::Sesterce, &url, SESTERCE_TOKEN);
    let faults = fake.faults();
    for status in STATUSES {
        redirect(&faults, status, &recorder);
        let err = sesterce.list_keys().await.unwrap_err();
        check(&err, status, &recorder, &faults, "Sesterce list");

        redirect(&faults, status, &recorder);
        let err = sesterce
            .create_key(&new_key("laptop", NewKeyMaterial::PublicKey(public_key())))
            .await
            .unwrap_err();
        check(&err, status, &recorder, &faults, "Sesterce create");
    }
    assert!(fake.keys().is_empty());
}

#[tokio::test]
async fn digitalocean_list_create_rename_and_delete_do_not_follow_redirects() {
    let recorder = Recorder::start().await;
    let fake = DigitaloceanFake::new();
    let id = fake.add_key("laptop", &public_key());
    let before = fake.snapshot();
    let url = serve(fake.router()).await.unwrap();
    let digitalocean = client(ProviderKind::Digitalocean, &url, DIGITALOCEAN_TOKEN);
    let faults = fake.faults();
    let key = RemoteKey {
        id: id.to_string(),
        name: "laptop".into(),
        ..RemoteKey::default()
    };
    for status in STATUSES {
        redirect(&faults, status, &recorder);
        let err = digitalocean.list_keys().await.unwrap_err();
        check(&err, status, &recorder, &faults, "DigitalOcean list");

        redirect(&faults, status, &recorder);
        let err = digitalocean
            .create_key(&new_key("laptop", NewKeyMaterial::PublicKey(public_key())))
            .await
            .unwrap_err();
        check(&err, status, &recorder, &faults, "DigitalOcean create");

        redirect(&faults, status, &recorder);
        let err = digitalocean.rename_key(&key, "renamed").await.unwrap_err();
        check(&err, status, &recorder, &faults, "DigitalOcean rename");

        redirect(&faults, status, &recorder);
        let err = digitalocean.delete_key(&key).await.unwrap_err();
        check(&err, status, &recorder, &faults, "DigitalOcean delete");
    }
    assert_eq!(
        fake.snapshot(),
        before,
        "nothing created, changed or deleted"
    );
}

#[tokio::test]
async fn gitlab_list_create_and_delete_do_not_follow_redirects() {
    let recorder = Recorder::start().await;
    let fake = GitlabFake::new();
    let id = fake.add_key("laptop", &public_key());
    let before = fake.snapshot();
    let url = serve(fake.router()).await.unwrap();
    let gitlab = client(ProviderKind::Gitlab, &url, GITLAB_TOKEN);
    let faults = fake.faults();
    let key = RemoteKey {
        id: id.to_string(),
        name: "laptop".into(),
        ..RemoteKey::default()
    };
    for status in STATUSES {
        redirect(&faults, status, &recorder);
        let err = gitlab.list_keys().await.unwrap_err();
        check(&err, status, &recorder, &faults, "GitLab list");

        redirect(&faults, status, &recorder);
        let err = gitlab
            .create_key(&new_key("signer", NewKeyMaterial::PublicKey(public_key())))
            .await
            .unwrap_err();
        check(&err, status, &recorder, &faults, "GitLab create");

        redirect(&faults, status, &recorder);
        let err = gitlab.delete_key(&key).await.unwrap_err();
        check(&err, status, &recorder, &faults, "GitLab delete");
    }
    assert_eq!(
        fake.snapshot(),
        before,
        "nothing created, changed or deleted"
    );
}

#[tokio::test]
async fn github_list_create_and_delete_do_not_follow_redirects() {
    let recorder = Recorder::start().await;
    let fake = GithubFake::new();
    let id = fake.add_key("laptop", &public_key());
    let before = fake.snapshot();
    let url = serve(fake.router()).await.unwrap();
    let github = client(ProviderKind::Github, &url, GITHUB_TOKEN);
    let faults = fake.faults();
    let key = RemoteKey {
        id: id.to_string(),
        name: "laptop".into(),
        ..RemoteKey::default()
    };
    for status in STATUSES {
        // On the authentication keys: the signing keys, read at the same
        // time, are not redirected.
        faults.inject_on(
            "/user/keys",
            Fault::Redirect {
                status,
                location: Some(location(&recorder)),
            },
            1,
        );
        let err = github.list_keys().await.unwrap_err();
        let signing = Some("/user/ssh_signing_keys");
        check_beside(&err, status, &recorder, &faults, "GitHub list", signing);

        for scope in [KeyScope::Account, KeyScope::Signing] {
            redirect(&faults, status, &recorder);
            let mut signing = new_key("signer", NewKeyMaterial::PublicKey(public_key()));
            signing.scope = scope;
            let err = github.create_key(&signing).await.unwrap_err();
            check(&err, status, &recorder, &faults, "GitHub create");
        }

        redirect(&faults, status, &recorder);
        let err = github.delete_key(&key).await.unwrap_err();
        check(&err, status, &recorder, &faults, "GitHub delete");
    }
    assert_eq!(
        fake.snapshot(),
        before,
        "nothing created, changed or deleted"
    );
}

#[tokio::test]
async fn terraform_list_create_and_update_do_not_follow_redirects() {
    let recorder = Recorder::start().await;
    let fake = TerraformFake::new();
    let url = serve(fake.router()).await.unwrap();
    let terraform = client(ProviderKind::Terraform, &url, TERRAFORM_TOKEN);
    let faults = fake.faults();
    let existing = private_key();
    let id = fake.add_key("acme-infra", "deploy", existing.expose());
    let key = RemoteKey {
        id: id.clone(),
        name: "deploy".into(),
        ..RemoteKey::default()
    };
    for status in STATUSES {
        // On the keys: the workspaces, read at the same time, are not
        // redirected.
        faults.inject_on(
            "/api/v2/organizations/acme-infra/ssh-keys",
            Fault::Redirect {
                status,
                location: Some(location(&recorder)),
            },
            1,
        );
        let err = terraform.list_keys().await.unwrap_err();
        let workspaces = Some("/api/v2/organizations/acme-infra/workspaces");
        check_beside(
            &err,
            status,
            &recorder,
            &faults,
            "Terraform list",
            workspaces,
        );

        redirect(&faults, status, &recorder);
        let err = terraform
            .create_key(&new_key("new", NewKeyMaterial::PrivateKey(private_key())))
            .await
            .unwrap_err();
        check(&err, status, &recorder, &faults, "Terraform create");

        redirect(&faults, status, &recorder);
        let err = terraform.rename_key(&key, "renamed").await.unwrap_err();
        check(&err, status, &recorder, &faults, "Terraform rename");
    }
    assert_eq!(fake.keys("acme-infra").len(), 1);
    assert_eq!(fake.stored_value(&id).as_deref(), Some(existing.expose()));
}

/// Relative, missing, garbled and non-web targets, and a target whose path
/// holds the token: none is followed, each gets a clear message, and the
/// token is never repeated.
#[tokio::test]
async fn odd_redirect_targets_are_explained_without_secrets() {
    let fake = SesterceFake::new();
    let url = serve(fake.router()).await.unwrap();
    let sesterce = client(ProviderKind::Sesterce, &url, SESTERCE_TOKEN);
    let faults = fake.faults();
    let cases: [(Option<String>, String); 5] = [
        (
            Some("/v2/gpu-cloud/ssh-keys?page=2".into()),
            format!("redirects to {url}/v2/gpu-cloud/ssh-keys (HTTP 308)"),
        ),
        (None, "without saying where to".into()),
        (Some("http://[::1".into()), "cannot be read".into()),
        (
            Some("ftp://files.example.com/x".into()),
            "cannot be read".into(),
        ),
        (
            Some(format!("https://evil.example.com/{SESTERCE_TOKEN}/x")),
            "redirects to https://evil.example.com/<redacted>/x (HTTP 308)".into(),
        ),
    ];
    for (location, expected) in cases {
        faults.inject(
            Fault::Redirect {
                status: 308,
                location: location.clone(),
            },
            1,
        );
        let err = sesterce.list_keys().await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::UnexpectedStatus, "{location:?}");
        assert!(
            err.message.contains(&expected),
            "{location:?}: {}",
            err.message
        );
        assert!(
            err.message.contains("check the account's base URL"),
            "{location:?}: {}",
            err.message
        );
        assert!(!format!("{err:?}").contains(SESTERCE_TOKEN));
        assert_eq!(faults.request_count(), 1, "{location:?}");
        faults.reset_requests();
    }
}

#[tokio::test]
async fn hetzner_list_create_rename_and_delete_do_not_follow_redirects() {
    let recorder = Recorder::start().await;
    let fake = HetznerFake::new();
    let id = fake.add_key("laptop", &public_key());
    let before = fake.snapshot();
    let url = format!("{}/v1", serve(fake.router()).await.unwrap());
    let hetzner = client(ProviderKind::Hetzner, &url, HETZNER_TOKEN);
    let faults = fake.faults();
    let key = RemoteKey {
        id: id.to_string(),
        name: "laptop".into(),
        ..RemoteKey::default()
    };
    for status in STATUSES {
        redirect(&faults, status, &recorder);
        let err = hetzner.list_keys().await.unwrap_err();
        check(&err, status, &recorder, &faults, "Hetzner list");

        redirect(&faults, status, &recorder);
        let created = new_key("other", NewKeyMaterial::PublicKey(public_key()));
        let err = hetzner.create_key(&created).await.unwrap_err();
        check(&err, status, &recorder, &faults, "Hetzner create");

        redirect(&faults, status, &recorder);
        let err = hetzner.rename_key(&key, "renamed").await.unwrap_err();
        check(&err, status, &recorder, &faults, "Hetzner rename");

        redirect(&faults, status, &recorder);
        let err = hetzner.delete_key(&key).await.unwrap_err();
        check(&err, status, &recorder, &faults, "Hetzner delete");
    }
    assert_eq!(
        fake.snapshot(),
        before,
        "nothing created, changed or deleted"
    );
}
