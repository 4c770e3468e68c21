//! Secrets never reach the logs or any `Debug` output.
//!
//! Captures everything logged at TRACE level (keyfleet, reqwest, hyper, the
//! `log` crate bridge) in this process, from the test thread and from the
//! backend's threads, while full flows of every provider run through the
//! real backend: tokens typed and stored, lists, creates (a Gcore
//! server-generated key, so a private key travels in an answer; a Terraform
//! upload of a private key), updates, deletes, lost answers and errors, local
//! generation with a passphrase and saving it. Then no token, private key
//! line or passphrase may appear in the logs, nor in the `Debug` text of
//! the commands sent, the events received, the profiles or the errors.
//!
//! One test in its own binary, since the log subscriber is process-global.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use keyfleet::backend::{
    Backend, Command, CreateOutcome, FileKind, LoadedFile, Reply, ScriptedDialogs, Services,
};
use keyfleet::keys::SecretString;
use keyfleet::keys::generate::{GenerateRequest, GeneratedKey, KeyAlgorithm, PrivateKeyEncoding};
use keyfleet::providers::ProviderSettings;
use keyfleet::providers::spec::FieldKey;
use keyfleet::providers::{
    AccountTarget, ApiError, Http, HttpPolicy, KeyScope, NewKey, NewKeyMaterial, ProviderClient,
    ProviderKind, RemoteKey,
};
use keyfleet::sandbox::{
    Fault, GCORE_TOKEN, SESTERCE_TOKEN, Sandbox, TERRAFORM_ORG_TOKEN, TERRAFORM_TOKEN,
};
use keyfleet::store::{MemoryStore, Profile, SecretStore, TokenSource};
use keyfleet::ui::add_key_modal::AddKeyModal;
use keyfleet::ui::generate_modal::GenerateModal;
use keyfleet::ui::private_key_modal::PendingPrivateKey;
use keyfleet::ui::profile_modal::ProfileModal;

const PASSPHRASE: &str = "correct horse battery staple 42";
const ORGANIZATION: &str = "acme-infra";

/// The captured log text, and a signal for each write.
type LogBuffer = Arc<(Mutex<Vec<u8>>, Condvar)>;

/// A log writer appending to a shared buffer.
struct Capture(LogBuffer);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        self.0.1.notify_all();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs a process-wide TRACE subscriber (and the `log` bridge) writing
/// into the returned buffer.
fn capture_all_logs() -> LogBuffer {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    use tracing_subscriber::util::SubscriberInitExt;
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_thread_names(true)
        .with_writer(move || Capture(writer.clone()))
        .finish()
        // Sets the global default (seen by the backend's threads too) and
        // routes `log` records (reqwest, hyper-util) into it.
        .try_init()
        .expect("no other subscriber in this test binary");
    buffer
}

/// An answer whose error, if it is a provider error, is kept for the search.
trait Answer: std::fmt::Debug {
    fn api_error(&self) -> Option<&ApiError> {
        None
    }
}

impl<T: std::fmt::Debug> Answer for Result<T, ApiError> {
    fn api_error(&self) -> Option<&ApiError> {
        self.as_ref().err()
    }
}

impl<T: std::fmt::Debug> Answer for Result<T, String> {}

/// Sends commands to the real backend and keeps the `Debug` text of every
/// command and event and the texts of every error.
struct Driver {
    backend: Backend,
    /// `Debug` of commands and events, `Debug`/`Display`/details of errors.
    texts: Vec<String>,
}

impl Driver {
    fn run<T: Answer>(&mut self, build: impl FnOnce(Reply<T>) -> Command) -> T {
        let mut shown = String::new();
        let pending = self.backend.request(|reply| {
            let command = build(reply);
            shown = format!("{command:?}");
            command
        });
        self.texts.push(shown);
        let request = pending.id();
        let answer = pending
            .wait(Duration::from_secs(60))
            .unwrap_or_else(|| panic!("no answer to request {request}"));
        self.texts.push(format!("{answer:?}"));
        if let Some(err) = answer.api_error() {
            let err = err.clone();
            self.note_error(&err);
        }
        answer
    }

    fn note_error(&mut self, err: &ApiError) {
        self.texts
            .push(format!("{err:?}\n{err}\n{}", err.full_text()));
    }

    fn list(&mut self, profile: &Profile) -> Vec<RemoteKey> {
        let profile = profile.clone();
        match self.run(|reply| Command::ListKeys { reply, profile }) {
            Ok(keys) => keys,
            other => panic!("list failed: {other:?}"),
        }
    }

    fn create(&mut self, profile: &Profile, new_key: NewKey) -> Result<CreateOutcome, ApiError> {
        let profile = profile.clone();
        self.run(|reply| Command::CreateKey {
            reply,
            profile,
            new_key,
        })
    }

    fn delete(&mut self, profile: &Profile, key: RemoteKey) {
        let profile = profile.clone();
        match self.run(|reply| Command::DeleteKey {
            reply,
            profile,
            key,
        }) {
            Ok(()) => {}
            other => panic!("delete failed: {other:?}"),
        }
    }

    fn generate(&mut self, passphrase: Option<&str>) -> GeneratedKey {
        let spec = GenerateRequest {
            algorithm: KeyAlgorithm::Ed25519,
            comment: "secrets@test".into(),
            passphrase: passphrase.map(SecretString::new),
            encoding: PrivateKeyEncoding::OpenSsh,
        };
        match self.run(|reply| Command::GenerateLocal { reply, spec }) {
            Ok(key) => key,
            other => panic!("generation failed: {other:?}"),
        }
    }

    fn save(
        &mut self,
        path: &Path,
        private_key: &SecretString,
        public_key: &str,
        passphrase: Option<&str>,
    ) {
        let (private_key, public_key) = (private_key.clone(), public_key.to_string());
        let path = Some(path.to_path_buf());
        match self.run(|reply| Command::SavePrivateKey {
            reply,
            private_key,
            public_key,
            passphrase: passphrase.map(SecretString::new),
            suggested_name: "id_test".into(),
            path,
            exactly_as_received: false,
        }) {
            Ok(Some(_)) => {}
            other => panic!("save failed: {other:?}"),
        }
    }
}

/// Every line of a private key worth searching for (the base64 body).
fn key_lines(private_key: &SecretString) -> Vec<String> {
    private_key
        .expose()
        .lines()
        .map(str::trim)
        .filter(|line| line.len() >= 16 && !line.starts_with("-----"))
        .map(str::to_string)
        .collect()
}

fn profile(kind: ProviderKind, name: &str, base_url: &str) -> Profile {
    let mut profile = Profile::new(kind);
    profile.name = name.into();
    profile.base_url = base_url.into();
    // Each provider takes the fields it has and ignores the others.
    profile.settings = profile
        .settings
        .with_text(FieldKey::Project, "1")
        .with_text(FieldKey::Organization, ORGANIZATION);
    profile
}

fn gcore_flows(driver: &mut Driver, sandbox: &Sandbox, dir: &Path, secrets: &mut Vec<String>) {
    let profile = profile(ProviderKind::Gcore, "Gcore prod", &sandbox.gcore_url);
    let typed = || Some(SecretString::new(GCORE_TOKEN));
    let draft = profile.clone();
    match driver.run(|reply| Command::TestConnection {
        reply,
        profile: draft,
        token: typed(),
    }) {
        Ok(_) => {}
        other => panic!("test connection failed: {other:?}"),
    }
    let draft = profile.clone();
    // Any answer will do: the request's logs are what is searched.
    let _choices = driver.run(|reply| Command::LoadChoices {
        reply,
        profile: draft,
        token: typed(),
        kind: keyfleet::backend::ChoiceKind::Projects,
    });
    // A token with a line break pasted into the dialog is refused without echoing it.
    let draft = profile.clone();
    match driver.run(|reply| Command::TestConnection {
        reply,
        profile: draft,
        token: Some(SecretString::new(format!("{GCORE_TOKEN}\nsecond line"))),
    }) {
        Err(_) => {}
        other => panic!("a token with a line break was accepted: {other:?}"),
    }
    let profile_id = profile.id.clone();
    match driver.run(|reply| Command::StoreToken {
        reply,
        profile_id,
        token: SecretString::new(GCORE_TOKEN),
    }) {
        Ok(()) => {}
        other => panic!("storing the token failed: {other:?}"),
    }

    // A list that needs a retry.
    sandbox.gcore.faults().inject(Fault::ServerError, 1);
    driver.list(&profile);

    // Gcore generates the pair: the private key travels in the answer.
    let created = match driver.create(
        &profile,
        NewKey {
            name: "server-made".into(),
            material: NewKeyMaterial::GenerateOnServer,
            shared_in_project: true,
            scope: KeyScope::Account,
            expires_at: None,
        },
    ) {
        Ok(CreateOutcome::Created(created)) => created,
        other => panic!("create failed: {other:?}"),
    };
    let private_key = created
        .private_key
        .clone()
        .expect("a generated private key");
    secrets.extend(key_lines(&private_key));
    let public_key = created.key.public_key.clone().unwrap();
    driver.save(&dir.join("id_gcore"), &private_key, &public_key, None);
    let key = created.key.clone();
    let draft = profile.clone();
    match driver.run(|reply| Command::SetShared {
        reply,
        profile: draft,
        key,
        shared: false,
    }) {
        Ok(_) => {}
        other => panic!("unshare failed: {other:?}"),
    }
    driver.delete(&profile, created.key);

    // The answer with a generated private key is lost; the orphan is deleted.
    // The list made just before the create (to tell a new id) goes through.
    let list_requests = count_list_requests(driver, &profile, &sandbox.gcore.faults());
    sandbox
        .gcore
        .faults()
        .inject(Fault::Delay(Duration::ZERO), list_requests);
    sandbox.gcore.faults().inject(Fault::DropAfterHandling, 1);
    let orphan = match driver.create(
        &profile,
        NewKey {
            name: "lost-answer".into(),
            material: NewKeyMaterial::GenerateOnServer,
            shared_in_project: false,
            scope: KeyScope::Account,
            expires_at: None,
        },
    ) {
        Ok(CreateOutcome::LostButFound {
            key,
            private_key_lost: true,
        }) => key,
        other => panic!("lost answer not recovered: {other:?}"),
    };
    driver.delete(&profile, orphan);
    // A truncated answer to a generate: the half private key must not leak
    // into the error's details.
    sandbox
        .gcore
        .faults()
        .inject(Fault::Delay(Duration::ZERO), list_requests);
    sandbox.gcore.faults().inject(Fault::TruncatedBody, 1);
    let result = driver.create(
        &profile,
        NewKey {
            name: "truncated-answer".into(),
            material: NewKeyMaterial::GenerateOnServer,
            shared_in_project: false,
            scope: KeyScope::Account,
            expires_at: None,
        },
    );
    let err = result.expect_err("a truncated answer is an error");
    let shown = format!("{err:?} {}", err.full_text());
    assert!(
        !shown.contains("BEGIN") && !shown.contains("PRIVATE KEY"),
        "{shown}"
    );
    let leftover = driver
        .list(&profile)
        .into_iter()
        .find(|key| key.name == "truncated-answer")
        .expect("created despite the truncated answer");
    driver.delete(&profile, leftover);

    // A revoked token: the error must not quote it.
    sandbox.gcore.set_token("another-token");
    let draft = profile.clone();
    match driver.run(|reply| Command::ListKeys {
        reply,
        profile: draft,
    }) {
        Err(_) => {}
        other => panic!("a refused token listed keys: {other:?}"),
    }
    sandbox.gcore.set_token(GCORE_TOKEN);
    driver.texts.push(format!("{profile:?}"));
}

fn sesterce_flows(
    driver: &mut Driver,
    sandbox: &Sandbox,
    store: &MemoryStore,
    dir: &Path,
    secrets: &mut Vec<String>,
) {
    let profile = profile(ProviderKind::Sesterce, "GPUs", &sandbox.sesterce_url);
    store
        .set(&profile.id, &SecretString::new(SESTERCE_TOKEN))
        .unwrap();
    // Generated locally with a passphrase, saved, read back, uploaded.
    let generated = driver.generate(Some(PASSPHRASE));
    assert!(generated.encrypted);
    secrets.extend(key_lines(&generated.private_key));
    let path = dir.join("id_sesterce");
    driver.save(
        &path,
        &generated.private_key,
        &generated.public.openssh,
        Some(PASSPHRASE),
    );
    let opened = driver.run(|reply| Command::OpenKeyFile {
        reply,
        kind: FileKind::PrivateKey,
        path: Some(path.clone()),
    });
    assert!(
        matches!(opened, Ok(Some(LoadedFile::Private { .. }))),
        "{opened:?}"
    );
    let created = match driver.create(
        &profile,
        NewKey {
            name: "laptop".into(),
            material: NewKeyMaterial::PublicKey(generated.public.openssh.clone()),
            shared_in_project: false,
            scope: KeyScope::Account,
            expires_at: None,
        },
    ) {
        Ok(CreateOutcome::Created(created)) => created,
        other => panic!("create failed: {other:?}"),
    };
    // Pasting the private key where the public key belongs is refused locally.
    let refused = driver.create(
        &profile,
        NewKey {
            name: "wrong-paste".into(),
            material: NewKeyMaterial::PublicKey(generated.private_key.expose().to_string()),
            shared_in_project: false,
            scope: KeyScope::Account,
            expires_at: None,
        },
    );
    assert!(refused.is_err());
    sandbox.sesterce.faults().inject(
        Fault::RateLimited {
            header: "retry-after",
            seconds: 0.1,
        },
        1,
    );
    driver.list(&profile);
    let key = created.key.clone();
    let draft = profile.clone();
    match driver.run(|reply| Command::MakeDefault {
        reply,
        profile: draft,
        key,
    }) {
        Ok(()) => {}
        other => panic!("make default failed: {other:?}"),
    }
    driver.delete(&profile, created.key);
    driver.texts.push(format!("{profile:?}"));
}

fn terraform_flows(
    driver: &mut Driver,
    sandbox: &Sandbox,
    store: &MemoryStore,
    secrets: &mut Vec<String>,
) {
    let profile = profile(ProviderKind::Terraform, "Modules", &sandbox.terraform_url);
    store
        .set(&profile.id, &SecretString::new(TERRAFORM_TOKEN))
        .unwrap();
    let first = driver.generate(None);
    let second = driver.generate(None);
    secrets.extend(key_lines(&first.private_key));
    secrets.extend(key_lines(&second.private_key));
    let created = match driver.create(
        &profile,
        NewKey {
            name: "deploy".into(),
            material: NewKeyMaterial::PrivateKey(first.private_key.clone()),
            shared_in_project: false,
            scope: KeyScope::Account,
            expires_at: None,
        },
    ) {
        Ok(CreateOutcome::Created(created)) => created,
        other => panic!("create failed: {other:?}"),
    };
    // The upload's answer is lost: found as the one new id with its name,
    // no duplicate. The list made just before the create goes through.
    let list_requests = count_list_requests(driver, &profile, &sandbox.terraform.faults());
    sandbox
        .terraform
        .faults()
        .inject(Fault::Delay(Duration::ZERO), list_requests);
    sandbox
        .terraform
        .faults()
        .inject(Fault::DropAfterHandling, 1);
    let found = match driver.create(
        &profile,
        NewKey {
            name: "deploy-two".into(),
            material: NewKeyMaterial::PrivateKey(second.private_key.clone()),
            shared_in_project: false,
            scope: KeyScope::Account,
            expires_at: None,
        },
    ) {
        Ok(CreateOutcome::LostButFound { key, .. }) => key,
        other => panic!("lost answer not recovered: {other:?}"),
    };
    // An encrypted private key is refused locally, without quoting it.
    let encrypted = driver.generate(Some(PASSPHRASE));
    secrets.extend(key_lines(&encrypted.private_key));
    let refused = driver.create(
        &profile,
        NewKey {
            name: "encrypted".into(),
            material: NewKeyMaterial::PrivateKey(encrypted.private_key.clone()),
            shared_in_project: false,
            scope: KeyScope::Account,
            expires_at: None,
        },
    );
    assert!(refused.is_err());
    driver.list(&profile);
    let key = created.key.clone();
    let draft = profile.clone();
    match driver.run(|reply| Command::RenameKey {
        reply,
        profile: draft,
        key,
        name: Some("deploy-renamed".into()),
        labels: None,
    }) {
        Ok(_) => {}
        other => panic!("rename failed: {other:?}"),
    }
    driver.delete(&profile, created.key);
    driver.delete(&profile, found);

    // An organization token is refused by the SSH key endpoints.
    let mut org_profile = profile.clone();
    org_profile.id = format!("{}-org", profile.id);
    store
        .set(&org_profile.id, &SecretString::new(TERRAFORM_ORG_TOKEN))
        .unwrap();
    let draft = org_profile.clone();
    match driver.run(|reply| Command::ListKeys {
        reply,
        profile: draft,
    }) {
        Err(_) => {}
        other => panic!("an organization token listed keys: {other:?}"),
    }
    // A token read from an environment variable that is not set.
    let mut env_profile = profile.clone();
    env_profile.token_source = TokenSource::EnvVar("KEYFLEET_SURELY_UNSET_SECRET_VAR".into());
    driver.texts.push(format!("{env_profile:?}"));
    driver.texts.push(format!("{profile:?} {org_profile:?}"));
}

#[test]
fn no_secret_reaches_logs_or_debug_output() {
    let logs = capture_all_logs();
    tracing::trace!("log capture installed");

    let sandbox = Sandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    let services = Services {
        secrets: store.clone(),
        dialogs: Arc::new(ScriptedDialogs::default()),
        http_policy: HttpPolicy {
            base_backoff: Duration::from_millis(5),
            ..HttpPolicy::default()
        },
        agent: Default::default(),
    };
    let mut driver = Driver {
        texts: vec![format!("{services:?}")],
        backend: Backend::start(|| {}, services),
    };
    let mut secrets: Vec<String> = vec![
        GCORE_TOKEN.into(),
        SESTERCE_TOKEN.into(),
        TERRAFORM_TOKEN.into(),
        TERRAFORM_ORG_TOKEN.into(),
        PASSPHRASE.into(),
    ];

    gcore_flows(&mut driver, &sandbox, dir.path(), &mut secrets);
    sesterce_flows(&mut driver, &sandbox, &store, dir.path(), &mut secrets);
    terraform_flows(&mut driver, &sandbox, &store, &mut secrets);

    // Clients and their targets, which hold the tokens.
    let http = Http::new(HttpPolicy::default()).unwrap();
    for (kind, token) in [
        (ProviderKind::Gcore, GCORE_TOKEN),
        (ProviderKind::Sesterce, SESTERCE_TOKEN),
        (ProviderKind::Terraform, TERRAFORM_TOKEN),
    ] {
        let target = AccountTarget {
            base_url: "https://example.com".into(),
            token: SecretString::new(token),
            settings: ProviderSettings::new(kind)
                .with_text(FieldKey::Project, "1")
                .with_text(FieldKey::Organization, ORGANIZATION),
        };
        let client = ProviderClient::new(http.clone(), &target).unwrap();
        driver.texts.push(format!("{target:?} {client:?}"));
    }
    driver.texts.push(format!("{:?} {store:?}", driver.backend));

    // Dialog state holding what the user typed or pasted.
    let some_private_key = driver.generate(Some(PASSPHRASE)).private_key;
    secrets.extend(key_lines(&some_private_key));
    let account = profile(ProviderKind::Sesterce, "Dialogs", "https://example.com");
    let mut add_key = AddKeyModal::new(account.clone());
    add_key.public_key = some_private_key.expose().to_string();
    add_key.private_key = some_private_key.clone();
    let mut profile_dialog = ProfileModal::new_profile(ProviderKind::Gcore);
    profile_dialog.token = SecretString::new(GCORE_TOKEN);
    let mut generate_dialog = GenerateModal::new(account);
    generate_dialog.passphrase = SecretString::new(PASSPHRASE);
    generate_dialog.passphrase_again = SecretString::new(PASSPHRASE);
    let pending = PendingPrivateKey::new(
        "Private key",
        some_private_key.clone(),
        "ssh-ed25519 AAAA".into(),
        "SHA256:x".into(),
        Some(SecretString::new(PASSPHRASE)),
        "id_x",
    );
    driver.texts.push(format!(
        "{add_key:?} {profile_dialog:?} {generate_dialog:?} {pending:?}"
    ));

    // The capture really saw the flows, from the backend's threads too:
    // wait for their lines (written as each happens; 30 s bounds a hang).
    let expected = [
        "log capture installed",
        "keyfleet-io",
        "create key",
        "retrying request",
        "create answer lost; checking the key list",
        "save private key",
    ];
    let logs = logs_once_they_contain(&logs, &expected);
    for expected in expected {
        assert!(logs.contains(expected), "logs lack {expected:?}:\n{logs}");
    }
    assert!(secrets.len() > 20, "private key lines were collected");
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret reached the logs: {}…",
            &secret[..8]
        );
        for text in &driver.texts {
            assert!(
                !text.contains(secret.as_str()),
                "a secret is in Debug output: {}…\n{text}",
                &secret[..8]
            );
        }
    }
    // Debug said something useful rather than nothing at all.
    assert!(driver.texts.iter().any(|text| text.contains("<redacted>")));
    assert!(driver.texts.len() > 40);
}

/// How many requests one listing of `profile` takes (a lost create of a key
/// with no listed material is recovered against a list made just before).
fn count_list_requests(
    driver: &mut Driver,
    profile: &Profile,
    faults: &keyfleet::sandbox::Faults,
) -> usize {
    let before = faults.request_count();
    driver.list(profile);
    faults.request_count() - before
}

/// The captured text once it contains every `expected` line, woken by each
/// write; what it holds after 30 s otherwise (the caller's check fails).
fn logs_once_they_contain(logs: &LogBuffer, expected: &[&str]) -> String {
    let (buffer, written) = &**logs;
    let all_there = |bytes: &Vec<u8>| {
        let text = String::from_utf8_lossy(bytes);
        expected.iter().all(|line| text.contains(line))
    };
    let guard = buffer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (guard, _) = written
        .wait_timeout_while(guard, Duration::from_secs(30), |bytes| !all_there(bytes))
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    String::from_utf8_lossy(&guard).to_string()
}
