//! The bad-input table: one test per kind of wrong input a user can give,
//! each checking that it is refused with a message that says what is wrong
//! (and usually what to do), that nothing was sent or written, and that no
//! secret is quoted back.
//!
//! | Row | Bad input                                  | Expected outcome                        |
//! |-----|--------------------------------------------|-----------------------------------------|
//! |  1  | empty key name                             | "empty" / "Enter a name", 0 requests    |
//! |  2  | overlong key name                          | "too long" / "at most 255", 0 requests  |
//! |  3  | name breaking the provider's pattern       | names the bad character, 0 requests     |
//! |  4  | private key pasted as a public key         | "This is a PRIVATE key", never sent     |
//! |  5  | garbage pasted as a public key             | "not a valid OpenSSH public key: …"     |
//! |  6  | public key where Terraform needs a private | "needs the PRIVATE key", 0 requests     |
//! |  7  | encrypted private key for Terraform        | explains how to remove the passphrase   |
//! |  8  | wrong passphrase                           | "The passphrase is wrong", no file left |
//! |  9  | http:// base URL to a non-loopback host    | "must use https://", nothing sent       |
//! | 10  | base URL with a path typo                  | 404 message says to check the base URL  |
//! | 11  | token with spaces or line breaks           | "contains spaces or line breaks"        |
//! | 12  | unreadable key file                        | "could not be read: <path>: <reason>"   |
//! | 13  | huge key file                              | "too large to be a key file"            |
//! | 14  | save into a missing folder                 | "The folder … does not exist"           |
//! | 15  | save into a read-only folder               | "could not be saved … Permission denied"|
//! | 16  | save over an existing file                 | "already exists … never overwrites"     |

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use keyfleet::backend::{Backend, Command, FileKind, LoadedFile, Reply, ScriptedDialogs, Services};
use keyfleet::keys::generate::{GenerateRequest, GeneratedKey, KeyAlgorithm, PrivateKeyEncoding};
use keyfleet::keys::private::{check_private_key_for_upload, inspect_private_key};
use keyfleet::keys::public::parse_public_key;
use keyfleet::keys::{KeyError, SecretString};
use keyfleet::providers::ProviderSettings;
use keyfleet::providers::http::normalize_base_url;
use keyfleet::providers::spec::FieldKey;
use keyfleet::providers::{
    AccountTarget, ApiError, ApiErrorKind, Http, HttpPolicy, KeyScope, NewKey, NewKeyMaterial,
    ProviderClient, ProviderKind, StoredMaterial,
};
use keyfleet::sandbox::{self, Faults, serve_fresh};
use keyfleet::store::{MemoryStore, Profile};
use keyfleet::ui::add_key_modal::AddKeyModal;
use keyfleet::ui::profile_modal::ProfileModal;

const ORGANIZATION: &str = "acme-infra";

// ---------------------------------------------------------------------------
// Helpers.

/// A fake of `kind` on 127.0.0.1 and a client for it (with `base_suffix`
/// appended to its URL, to type a wrong path).
struct Account {
    client: ProviderClient,
    faults: Faults,
    base_url: String,
}

async fn account(kind: ProviderKind, base_suffix: &str) -> Account {
    let (url, faults) = serve_fresh(kind).await.unwrap();
    let token = sandbox::token(kind);
    let base_url = format!("{url}{base_suffix}");
    let target = target(kind, &base_url, token);
    Account {
        client: ProviderClient::new(http(), &target).unwrap(),
        faults,
        base_url,
    }
}

fn target(kind: ProviderKind, base_url: &str, token: &str) -> AccountTarget {
    AccountTarget {
        base_url: base_url.into(),
        token: SecretString::new(token),
        settings: ProviderSettings::new(kind)
            .with_text(FieldKey::Project, "1")
            .with_text(FieldKey::Organization, ORGANIZATION),
    }
}

fn http() -> Http {
    Http::new(HttpPolicy {
        base_backoff: Duration::from_millis(5),
        request_timeout: Duration::from_secs(10),
        ..HttpPolicy::default()
    })
    .unwrap()
}

fn generated(passphrase: Option<&str>) -> GeneratedKey {
    keyfleet::keys::generate::generate(&GenerateRequest {
        algorithm: KeyAlgorithm::Ed25519,
        comment: "bad@input".into(),
        passphrase: passphrase.map(SecretString::new),
        encoding: PrivateKeyEncoding::OpenSsh,
    })
    .unwrap()
}

fn new_key(name: &str, material: NewKeyMaterial) -> NewKey {
    NewKey {
        name: name.into(),
        material,
        shared_in_project: true,
        scope: KeyScope::Account,
        expires_at: None,
    }
}

/// Material each provider accepts, so only the name can be wrong.
fn good_material(kind: ProviderKind) -> NewKeyMaterial {
    let key = generated(None);
    match kind.capabilities().stores {
        StoredMaterial::PrivateKey => NewKeyMaterial::PrivateKey(key.private_key),
        StoredMaterial::PublicKey => NewKeyMaterial::PublicKey(key.public.openssh),
    }
}

/// Creating `name` is refused locally with a message containing `expected`
/// for this provider, and nothing reaches the provider.
async fn refuses_name(kind: ProviderKind, name: &str, expected: &str) {
    let account = account(kind, "").await;
    let local = kind.validate_key_name(name).unwrap_err();

    assert!(
        local.message.contains(expected),
        "{kind:?} {name:?}: {}",
        local.message
    );
    let err = account
        .client
        .create_key(&new_key(name, good_material(kind)))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput, "{kind:?}: {err:?}");
    assert_eq!(err.message, local.message);
    assert_eq!(
        account.faults.request_count(),
        0,
        "{kind:?}: something was sent"
    );
}

/// The private key's base64 lines, which no message may quote.
fn body_lines(private_key: &SecretString) -> Vec<String> {
    private_key
        .expose()
        .lines()
        .filter(|line| line.len() >= 16 && !line.starts_with("-----"))
        .map(str::to_string)
        .collect()
}

fn assert_quotes_none(text: &str, private_key: &SecretString) {
    for line in body_lines(private_key) {
        assert!(!text.contains(&line), "the message quotes the key: {text}");
    }
}

/// The real backend, for the rows about files (the user's path to them).
struct Files {
    backend: Backend,
}

impl Files {
    fn new() -> Self {
        let services = Services {
            secrets: Arc::new(MemoryStore::default()),
            dialogs: Arc::new(ScriptedDialogs::default()),
            http_policy: HttpPolicy::default(),
            agent: Default::default(),
        };
        Self {
            backend: Backend::start(|| {}, services),
        }
    }

    fn ask<T>(&mut self, build: impl FnOnce(Reply<T>) -> Command) -> T {
        self.backend
            .request(build)
            .wait(Duration::from_secs(30))
            .expect("no answer from the backend")
    }

    /// Opens `path` as a key file of `kind`; returns the error shown.
    fn open_error(&mut self, kind: FileKind, path: &Path) -> String {
        let path = Some(path.to_path_buf());
        match self.ask(|reply| Command::OpenKeyFile { reply, kind, path }) {
            Err(message) => message,
            other => panic!("{} was opened: {other:?}", path_text(kind)),
        }
    }

    /// Saves `key` to `path`; returns the error shown.
    fn save_error(&mut self, path: &Path, key: &GeneratedKey) -> String {
        let (private_key, public_key) = (key.private_key.clone(), key.public.openssh.clone());
        let path = Some(path.to_path_buf());
        match self.ask(|reply| Command::SavePrivateKey {
            reply,
            private_key,
            public_key,
            passphrase: None,
            suggested_name: "id_test".into(),
            path,
            exactly_as_received: false,
        }) {
            Err(message) => message,
            other => panic!("the save was not refused: {other:?}"),
        }
    }
}

fn path_text(kind: FileKind) -> &'static str {
    match kind {
        FileKind::PublicKey => "the public key file",
        FileKind::PrivateKey => "the private key file",
    }
}

/// True when this process cannot write into a folder with mode 0555 (false
/// for root, which ignores folder permissions).
fn folder_permissions_enforced(folder: &Path) -> bool {
    let probe = folder.join("probe");
    let enforced = std::fs::write(&probe, "x").is_err();
    let _ = std::fs::remove_file(&probe);
    enforced
}

// ---------------------------------------------------------------------------
// Rows 1-3: key names.

#[tokio::test]
async fn row01_empty_key_name() {
    refuses_name(ProviderKind::Gcore, "", "The key name is empty").await;
    refuses_name(ProviderKind::Sesterce, "   ", "Enter a name for the key").await;
    refuses_name(ProviderKind::Terraform, "", "Enter a name for the SSH key").await;
    refuses_name(ProviderKind::Hetzner, " ", "Enter a name for the key").await;
}

#[tokio::test]
async fn row02_overlong_key_name() {
    refuses_name(
        ProviderKind::Gcore,
        &"k".repeat(64),
        "too long (64 characters): Gcore allows at most 63",
    )
    .await;
    refuses_name(ProviderKind::Sesterce, &"k".repeat(256), "use at most 255").await;
    refuses_name(ProviderKind::Terraform, &"k".repeat(300), "use at most 255").await;
    refuses_name(ProviderKind::Hetzner, &"k".repeat(256), "use at most 255").await;
}

#[tokio::test]
async fn row03_name_breaking_the_pattern() {
    refuses_name(
        ProviderKind::Gcore,
        "-laptop",
        "must start with a letter or digit",
    )
    .await;
    refuses_name(ProviderKind::Gcore, "laptop-", "must end with a letter").await;
    refuses_name(ProviderKind::Gcore, "my/laptop", "contains '/'").await;
    refuses_name(ProviderKind::Gcore, "ab", "too short").await;
    refuses_name(ProviderKind::Sesterce, "two\nlines", "line break").await;
    refuses_name(ProviderKind::Terraform, "tab\there", "control character").await;
    refuses_name(ProviderKind::Hetzner, "two\nlines", "line break").await;
}

// ---------------------------------------------------------------------------
// Rows 4-8: keys.

#[tokio::test]
async fn row04_private_key_pasted_as_public_key() {
    let key = generated(None);
    let pasted = key.private_key.expose().to_string();
    let err = parse_public_key(&pasted).unwrap_err();
    assert_eq!(err, KeyError::PrivateKeyGiven);
    let message = err.to_string();
    assert!(message.contains("This is a PRIVATE key"), "{message}");
    assert!(message.contains("not sent anywhere"), "{message}");
    for kind in [ProviderKind::Gcore, ProviderKind::Sesterce] {
        let account = account(kind, "").await;
        let err = account
            .client
            .create_key(&new_key(
                "laptop",
                NewKeyMaterial::PublicKey(pasted.clone()),
            ))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::InvalidInput);
        assert!(
            err.message.contains("PRIVATE key"),
            "{kind:?}: {}",
            err.message
        );
        assert_quotes_none(&format!("{err:?} {}", err.full_text()), &key.private_key);
        assert_eq!(
            account.faults.request_count(),
            0,
            "{kind:?}: the key was sent"
        );
    }
    // The add-key dialog refuses it before anything is sent.
    let mut modal = AddKeyModal::new(profile(ProviderKind::Gcore));
    modal.name = "laptop".into();
    modal.public_key = pasted;
    let message = modal.build().unwrap_err();
    assert!(message.contains("PRIVATE key"), "{message}");
}

#[test]
fn row05_garbage_pasted_as_public_key() {
    let cases = [
        ("hello world", "it should start with ssh-ed25519"),
        (
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB",
            "damaged or incomplete",
        ),
        (
            "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----",
            "ssh-keygen -i -m PKCS8",
        ),
        (
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDb0dANa2HkfRoY9RfuQxgZUW1i2P8XAinARx3I5xuNY a\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDb0dANa2HkfRoY9RfuQxgZUW1i2P8XAinARx3I5xuNY b",
            "2 keys were pasted",
        ),
        ("   ", "No key was entered"),
    ];
    for (pasted, expected) in cases {
        let message = parse_public_key(pasted).unwrap_err().to_string();
        assert!(message.contains(expected), "{pasted:?}: {message}");
    }
    let mut modal = AddKeyModal::new(profile(ProviderKind::Sesterce));
    modal.name = "laptop".into();
    modal.public_key = "hello world".into();
    let message = modal.build().unwrap_err();
    assert!(
        message.starts_with("This is not a valid OpenSSH public key"),
        "{message}"
    );
}

#[tokio::test]
async fn row06_public_key_where_terraform_needs_a_private_key() {
    let key = generated(None);
    let account = account(ProviderKind::Terraform, "").await;
    for material in [
        NewKeyMaterial::PrivateKey(SecretString::new(key.public.openssh.clone())),
        NewKeyMaterial::PublicKey(key.public.openssh.clone()),
    ] {
        let err = account
            .client
            .create_key(&new_key("deploy", material))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::InvalidInput);
        assert!(
            err.message.contains("needs the PRIVATE key")
                && err.message.contains("file without .pub"),
            "{}",
            err.message
        );
    }
    assert_eq!(account.faults.request_count(), 0);
    let mut modal = AddKeyModal::new(profile(ProviderKind::Terraform));
    modal.name = "deploy".into();
    modal.private_key = SecretString::new(key.public.openssh);
    let message = modal.build().unwrap_err();
    assert!(message.contains("public key"), "{message}");
}

#[tokio::test]
async fn row07_encrypted_private_key_for_terraform() {
    let key = generated(Some("a passphrase"));
    let err = check_private_key_for_upload(&key.private_key).unwrap_err();
    assert_eq!(err, KeyError::EncryptedNotAllowed);
    let account = account(ProviderKind::Terraform, "").await;
    let err = account
        .client
        .create_key(&new_key(
            "deploy",
            NewKeyMaterial::PrivateKey(key.private_key.clone()),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert!(
        err.message
            .contains("HCP Terraform cannot use a passphrase-protected key")
            && err.message.contains("ssh-keygen -p -N \"\""),
        "{}",
        err.message
    );
    assert_quotes_none(&err.full_text(), &key.private_key);
    assert_eq!(account.faults.request_count(), 0);
}

#[test]
fn row08_wrong_passphrase() {
    let key = generated(Some("the right one"));
    let wrong = SecretString::new("the wrong one");
    let err = inspect_private_key(&key.private_key, Some(&wrong)).unwrap_err();
    assert_eq!(err, KeyError::WrongPassphrase);
    assert_eq!(
        err.to_string(),
        "The passphrase is wrong: the key could not be decrypted."
    );
    // Saving with the wrong passphrase (to verify the file) leaves no file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id_wrong");
    let err = keyfleet::keys::save::save_private_key(
        &path,
        &key.private_key,
        &key.public.openssh,
        Some(&wrong),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("passphrase is wrong") && message.contains("it was removed"),
        "{message}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(!message.contains("the wrong one") && !message.contains("the right one"));
}

// ---------------------------------------------------------------------------
// Rows 9-11: accounts.

fn profile(kind: ProviderKind) -> Profile {
    let mut profile = Profile::new(kind);
    profile.name = "Account".into();
    profile.settings = profile
        .settings
        .with_text(FieldKey::Project, "1")
        .with_text(FieldKey::Organization, ORGANIZATION);
    profile
}

/// A profile dialog for `kind` filled in correctly, for one field to break.
fn filled_dialog(kind: ProviderKind) -> ProfileModal {
    let mut modal = ProfileModal::new_profile(kind);
    modal.profile.name = "Account".into();
    modal.token = SecretString::new("good-token");
    // The provider's one single-valued field, if any: a project or an organization.
    for text in &mut modal.field_texts {
        *text = if kind == ProviderKind::Gcore {
            "1".into()
        } else {
            ORGANIZATION.into()
        };
    }
    assert!(modal.build_profile().is_ok(), "{:?}", modal.build_profile());
    modal
}

#[test]
fn row09_plain_http_to_a_non_loopback_host() {
    for url in [
        "http://api.gcore.com",
        "http://10.0.0.5:8080",
        "HTTP://app.terraform.io/",
    ] {
        let err = normalize_base_url(url).unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::InvalidInput);
        assert!(
            err.message.contains("must use https://")
                && err
                    .message
                    .contains("only allowed for 127.0.0.1 or localhost"),
            "{url}: {}",
            err.message
        );
        for kind in ProviderKind::ALL {
            let err = ProviderClient::new(http(), &target(kind, url, "token")).unwrap_err();
            assert!(err.message.contains("https://"), "{}", err.message);
            let mut modal = filled_dialog(kind);
            modal.profile.base_url = url.into();
            let message = modal.build_profile().unwrap_err();
            assert!(message.contains("must use https://"), "{message}");
        }
    }
    let err = normalize_base_url("ftp://api.gcore.com").unwrap_err();
    assert!(err.message.contains("not ftp://"), "{}", err.message);
    // Loopback (the sandbox, a local proxy) may use plain http.
    assert!(normalize_base_url("http://127.0.0.1:8080").is_ok());
    assert!(normalize_base_url("http://[::1]:8080").is_ok());
}

#[tokio::test]
async fn row10_base_url_with_a_path_typo() {
    for kind in ProviderKind::ALL {
        let account = account(kind, "/clod").await;
        let list = account.client.list_keys().await.unwrap_err();
        let test = account.client.test_connection().await.unwrap_err();
        for err in [list, test] {
            assert_eq!(err.kind, ApiErrorKind::NotFound, "{kind:?}: {err:?}");
            assert_eq!(err.status, Some(404));
            assert!(
                err.message.contains("check the API base URL")
                    || err.message.contains("Check the API base URL")
                    || err.message.contains("the API base URL ("),
                "{kind:?}: the message does not point at the URL: {}",
                err.message
            );
        }
        let err = account.client.list_keys().await.unwrap_err();
        assert!(
            err.message.contains(&account.base_url),
            "{kind:?}: the message shows the URL used: {}",
            err.message
        );
        assert!(
            !err.message.contains("deleted meanwhile"),
            "{kind:?}: a wrong URL is not a missing key: {}",
            err.message
        );
    }
}

#[tokio::test]
async fn row11_token_with_spaces_or_line_breaks() {
    for token in ["abc def", "abc\ndef", "abc\tdef", "1234$abc\r\n2nd"] {
        for kind in ProviderKind::ALL {
            let account = account(kind, "").await;
            let err =
                ProviderClient::new(http(), &target(kind, &account.base_url, token)).unwrap_err();
            assert_eq!(err.kind, ApiErrorKind::InvalidInput);
            assert_eq!(
                err.message,
                "The API token contains spaces or line breaks; paste it again without them."
            );
            assert!(!err.full_text().contains(token));
            assert_eq!(account.faults.request_count(), 0);

            let mut modal = filled_dialog(kind);
            modal.token = SecretString::new(token);
            let message = modal.build_profile().unwrap_err();
            assert!(message.contains("spaces or line breaks"), "{message}");
        }
    }
    // Spaces around a pasted token are trimmed, not refused.
    let mut modal = filled_dialog(ProviderKind::Gcore);
    modal.token = SecretString::new("  token-with-spaces-around \n");
    assert!(modal.build_profile().is_ok());
    // An empty token for a new account.
    let mut modal = filled_dialog(ProviderKind::Sesterce);
    modal.token = SecretString::default();
    assert!(
        modal
            .build_profile()
            .unwrap_err()
            .contains("Enter the API token")
    );
}

// ---------------------------------------------------------------------------
// Rows 12-16: files.

#[test]
fn row12_unreadable_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-key.pub");
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let binary = dir.path().join("binary.pub");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96]).unwrap();
    let mut files = Files::new();
    for kind in [FileKind::PublicKey, FileKind::PrivateKey] {
        let message = files.open_error(kind, &missing);
        assert!(
            message.starts_with("The file could not be read:")
                && message.contains(&missing.display().to_string())
                && message.contains("No such file"),
            "{message}"
        );
        let message = files.open_error(kind, &folder);
        assert!(message.contains("is not a regular file"), "{message}");
        let message = files.open_error(kind, &binary);
        assert!(message.contains("is not a text"), "{message}");
    }
    // A file holding the wrong kind of key.
    let key = generated(None);
    let public = dir.path().join("id.pub");
    std::fs::write(&public, &key.public.openssh).unwrap();
    let message = files.open_error(FileKind::PrivateKey, &public);
    assert!(
        message.contains("a private key is needed here"),
        "{message}"
    );
    let private = dir.path().join("id");
    std::fs::write(&private, key.private_key.expose()).unwrap();
    let message = files.open_error(FileKind::PublicKey, &private);
    assert!(message.contains("This is a PRIVATE key"), "{message}");
    assert_quotes_none(&message, &key.private_key);
    // And the same files the right way round open fine.
    let path = Some(private.clone());
    assert!(matches!(
        files.ask(|reply| Command::OpenKeyFile {
            reply,
            kind: FileKind::PrivateKey,
            path,
        }),
        Ok(Some(LoadedFile::Private { .. }))
    ));
}

#[test]
fn row13_huge_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.pub");
    let line = generated(None).public.openssh;
    std::fs::write(&huge, format!("{line}\n").repeat(2000)).unwrap();
    let mut files = Files::new();
    for kind in [FileKind::PublicKey, FileKind::PrivateKey] {
        let message = files.open_error(kind, &huge);
        assert_eq!(
            message,
            format!(
                "{} is larger than 64 KB, too large to be a key file.",
                huge.display()
            )
        );
    }
}

#[test]
fn row14_save_into_a_missing_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("not-created-yet");
    let key = generated(None);
    let message = Files::new().save_error(&folder.join("id_new"), &key);
    assert_eq!(
        message,
        format!("The folder {} does not exist.", folder.display())
    );
    assert!(!folder.exists());
}

#[test]
fn row15_save_into_a_read_only_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("read-only");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    // root ignores folder permissions; /sys refuses new files even to root.
    let read_only: PathBuf = if folder_permissions_enforced(&folder) {
        folder.clone()
    } else {
        PathBuf::from("/sys")
    };
    let key = generated(None);
    let path = read_only.join("id_keyfleet_test");
    let message = Files::new().save_error(&path, &key);
    assert!(
        message.starts_with("The key could not be saved: cannot create a file in")
            && message.contains(&read_only.display().to_string())
            && message.contains("Permission denied"),
        "{message}"
    );
    assert!(!path.exists());
    assert_quotes_none(&message, &key.private_key);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn row16_save_over_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let key = generated(None);
    let mut files = Files::new();
    // The private key path exists.
    let existing = dir.path().join("id_existing");
    std::fs::write(&existing, "precious").unwrap();
    let message = files.save_error(&existing, &key);
    assert_eq!(
        message,
        format!(
            "{} already exists; Keyfleet never overwrites a file. Choose another name.",
            existing.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "precious");
    assert!(!dir.path().join("id_existing.pub").exists());
    // Only the .pub beside it exists.
    let fresh = dir.path().join("id_fresh");
    let public = dir.path().join("id_fresh.pub");
    std::fs::write(&public, "also precious").unwrap();
    let message = files.save_error(&fresh, &key);
    assert!(message.contains("id_fresh.pub already exists"), "{message}");
    assert!(!fresh.exists(), "no private key was left behind");
    assert_eq!(std::fs::read_to_string(&public).unwrap(), "also precious");
}

/// Errors keep no token: a refused token is never repeated back.
#[tokio::test]
async fn a_refused_token_is_not_repeated() {
    for kind in ProviderKind::ALL {
        let fake_account = account(kind, "").await;
        let token = "wrong-token-0123456789";
        let client =
            ProviderClient::new(http(), &target(kind, &fake_account.base_url, token)).unwrap();
        let err: ApiError = client.list_keys().await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::BadCredentials, "{kind:?}: {err:?}");
        assert!(!format!("{err:?} {}", err.full_text()).contains(token));
    }
}
