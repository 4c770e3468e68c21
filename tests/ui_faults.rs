//! Drives the real app while the fake providers misbehave, for every
//! provider: a slow answer never freezes the window, each failure (500s,
//! 429s, an HTML page, a truncated or huge body, a dropped connection) shows
//! a specific message or is retried, retries stop after a bounded number of
//! attempts, a lost create answer never leads to a duplicate key, and the
//! add-key dialog keeps what the user typed when the provider fails.

mod common;

use std::time::{Duration, Instant};

use common::bystanders::assert_only_gone;
use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use keyfleet::app::App;
use keyfleet::keys::SecretString;
use keyfleet::providers::{ProviderKind, StoredMaterial};
use keyfleet::sandbox::{Fault, Faults, Gate, Sandbox};

/// The add-key dialog's key field, for providers storing public keys.
const PUBLIC_KEY_LABEL: &str =
    "Public key (one line starting with ssh-ed25519, ssh-rsa or ecdsa-…):";
/// The add-key dialog's key field, for providers storing private keys.
const PRIVATE_KEY_LABEL: &str = "Private key (PEM, no passphrase):";
/// The name of the account in every test.
const ACCOUNT: &str = "Faulty account";

/// A running app with one account of `kind`, its keys listed once.
struct Setup {
    test: TestApp,
    kind: ProviderKind,
    profile_id: String,
    /// Requests a full listing makes beyond the key list (GitHub's signing
    /// keys, HCP Terraform's workspaces), measured on the first list.
    extra_requests: usize,
}

impl Setup {
    /// Starts the fakes with `seeded` keys in the account and the app with
    /// one profile for it, and waits for the first list.
    fn start(kind: ProviderKind, seeded: usize) -> Self {
        let sandbox = Sandbox::start().unwrap();
        for i in 0..seeded {
            let name = format!("seeded-{i}");
            let public = public_key(ssh_key::Algorithm::Ed25519, &name);
            sandbox.seed_key(kind, &name, &public, &private_key_text());
        }
        let (test, profile) = start_with_account(sandbox, kind, ACCOUNT);
        assert_eq!(
            test.harness
                .state()
                .account(&profile.id)
                .unwrap()
                .table
                .len(),
            seeded
        );
        let extra_requests = test.sandbox.faults(kind).request_count() - 1;
        Self {
            test,
            kind,
            profile_id: profile.id,
            extra_requests,
        }
    }

    fn faults(&self) -> Faults {
        self.test.sandbox.faults(self.kind)
    }

    /// The names the fake stores for the account.
    fn remote_names(&self) -> Vec<String> {
        self.test.sandbox.key_names(self.kind)
    }

    /// True when the provider stores private keys (the add dialog asks for one).
    fn stores_private_keys(&self) -> bool {
        self.kind.capabilities().stores == StoredMaterial::PrivateKey
    }

    /// The number of keys the app shows for the account.
    fn shown(&self) -> usize {
        self.test
            .harness
            .state()
            .account(&self.profile_id)
            .unwrap()
            .table
            .len()
    }

    /// How many create requests (POST) reached the fake.
    fn posts(&self) -> usize {
        self.faults()
            .requests()
            .iter()
            .filter(|request| request.method == "POST")
            .count()
    }

    /// The add-key dialog's heading for this provider.
    fn add_key_heading(&self) -> String {
        if self.stores_private_keys() {
            format!("Add private key to {ACCOUNT}")
        } else {
            format!("Add key to {ACCOUNT}")
        }
    }

    /// Opens the add-key dialog and fills in a name and the key material
    /// this provider takes; returns the key text typed.
    fn fill_add_key_dialog(&mut self, name: &str) -> String {
        let (key_label, key_text) = if self.stores_private_keys() {
            (PRIVATE_KEY_LABEL, private_key_text())
        } else {
            (
                PUBLIC_KEY_LABEL,
                public_key(ssh_key::Algorithm::Ed25519, "typed@laptop"),
            )
        };
        let h = &mut self.test.harness;
        click(h, self.kind.spec().add_key_label);
        set_text(h, "Name:", name);
        set_text(h, key_label, &key_text);
        key_text
    }
}

/// The path of the list whose failure fails a refresh. List faults are
/// injected there only, so a list read beside it at the same time (GitHub's
/// signing keys, HCP Terraform's workspaces) cannot take them.
fn key_list_path(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Gcore => "/cloud/v1/ssh_keys/1",
        ProviderKind::Sesterce => "/gpu-cloud/ssh-keys",
        ProviderKind::Terraform => "/api/v2/organizations/acme-infra/ssh-keys",
        ProviderKind::Github => "/user/keys",
        ProviderKind::Hetzner => "/v1/ssh_keys",
        ProviderKind::Digitalocean => "/v2/account/keys",
        ProviderKind::Gitlab => "/api/v4/user/keys",
    }
}

impl Setup {
    /// Injects `fault` on the next `times` requests for the key list.
    fn inject_on_list(&self, fault: Fault, times: usize) {
        self.faults()
            .inject_on(key_list_path(self.kind), fault, times);
    }

    /// How many requests for the key list (GET) reached the fake so far.
    fn list_requests(&self) -> usize {
        let path = key_list_path(self.kind);
        self.faults()
            .requests()
            .iter()
            .filter(|request| {
                let own_path = request.path.split('?').next().unwrap_or_default();
                request.method == "GET" && own_path == path
            })
            .count()
    }
}

/// The account has answered the refresh, including what uses its keys.
fn settled(h: &Harness<'static, App>, id: &str) -> bool {
    let account = h.state().account(id).unwrap();
    !account.is_loading() && !account.usage_pending()
}

/// The header each provider uses to say how long to wait after a 429.
fn rate_limit_fault(kind: ProviderKind) -> (Fault, Duration) {
    match kind {
        ProviderKind::Terraform => (
            Fault::RateLimited {
                header: "x-ratelimit-reset",
                seconds: 0.6,
            },
            Duration::from_millis(600),
        ),
        _ => (
            Fault::RateLimited {
                header: "retry-after",
                seconds: 1.0,
            },
            Duration::from_secs(1),
        ),
    }
}

/// The value (text) of the widget labelled `label`.
fn field_value(setup: &Setup, label: &str) -> String {
    setup
        .test
        .harness
        .get_by_label(label)
        .accesskit_node()
        .value()
        .map(|value| value.to_string())
        .unwrap_or_default()
}

/// A slow answer: while the fake holds the list request (a gate the test
/// opens, no timing), the window keeps drawing frames and shows the account
/// as busy; once released, the answer arrives and is not retried.
fn slow_answer_keeps_the_window_drawing(setup: &mut Setup) {
    const HELD_FRAMES: usize = 20;
    let before = setup.list_requests();
    let gate = Gate::new();
    setup.inject_on_list(Fault::Hold(gate.clone()), 1);
    // If a frame waited for the network, it would wait for the gate forever:
    // a watchdog opens it after a generous bound so the test fails instead.
    let (frames_done, watchdog) = gate_watchdog(&gate);
    let h = &mut setup.test.harness;
    click(h, "⟳ Refresh");
    assert!(
        gate.wait_arrivals_blocking(1, Duration::from_secs(30)),
        "the list request never reached the fake"
    );
    let mut saw_status = false;
    for _ in 0..HELD_FRAMES {
        h.step();
        let account = h.state().account(&setup.profile_id).unwrap();
        assert!(
            account.is_loading(),
            "{}",
            if gate.is_released() {
                "the frames took over 30 s: the UI thread waited for the network"
            } else {
                "the answer came while the fake held it"
            }
        );
        assert!(
            h.state().in_flight() > 0,
            "a loading account counts as in flight"
        );
        saw_status |= h.query_by_label_contains("request(s) running").is_some();
    }
    drop(frames_done);
    assert!(
        !watchdog.join().unwrap(),
        "{HELD_FRAMES} frames were not drawn while the request was held: the UI thread waited for the network"
    );
    assert!(
        saw_status,
        "the status bar never said a request was running"
    );
    gate.release();
    let id = setup.profile_id.clone();
    wait_until(h, "the held list answered", move |h| settled(h, &id));
    let account = h.state().account(&setup.profile_id).unwrap();
    assert!(account.error.is_none(), "{:?}", account.error);
    assert_eq!(
        setup.list_requests() - before,
        1,
        "a slow answer is not retried"
    );
}

/// Opens `gate` if the returned sender is not dropped within 30 s; the
/// thread answers whether it had to (a failure bound, not a measurement).
fn gate_watchdog(gate: &Gate) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<bool>) {
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let gate = gate.clone();
    let watchdog = std::thread::spawn(move || {
        let fired = matches!(
            finished.recv_timeout(Duration::from_secs(30)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout)
        );
        if fired {
            gate.release();
        }
        fired
    });
    (done, watchdog)
}

/// Four 500s: the idempotent list is tried exactly four times (one try and
/// three retries), then a server-error message is shown and the keys loaded
/// before stay on screen.
fn server_errors_are_bounded_and_specific(setup: &mut Setup) {
    let shown_before = setup.shown();
    let before = setup.list_requests();
    setup.inject_on_list(Fault::ServerError, 4);
    let id = setup.profile_id.clone();
    let h = &mut setup.test.harness;
    click(h, "⟳ Refresh");
    wait_until(h, "list error shown", move |h| {
        let account = h.state().account(&id).unwrap();
        !account.is_loading() && account.error.is_some()
    });
    wait_for_label_containing(h, "server error (HTTP 500)");
    assert!(
        h.query_by_label_contains("Refresh failed:").is_some(),
        "{}",
        screen_text(h)
    );
    assert_eq!(
        setup.list_requests() - before,
        4,
        "1 try + 3 retries, no more"
    );
    assert_eq!(
        setup.shown(),
        shown_before,
        "keys shown before the error stay"
    );

    // The next refresh works again and clears the error.
    let id = setup.profile_id.clone();
    let h = &mut setup.test.harness;
    click(h, "⟳ Refresh");
    wait_until(h, "error cleared", move |h| {
        settled(h, &id) && h.state().account(&id).unwrap().error.is_none()
    });
}

/// A 429 asking to wait: the app waits as asked, retries once, and the new
/// key appears without any error.
fn rate_limit_is_waited_out(setup: &mut Setup) {
    let (fault, wait) = rate_limit_fault(setup.kind);
    let public = public_key(ssh_key::Algorithm::Ed25519, "added-meanwhile");
    setup
        .test
        .sandbox
        .seed_key(setup.kind, "added-meanwhile", &public, &private_key_text());
    let expected = setup.shown() + 1;
    let before = setup.list_requests();
    setup.inject_on_list(fault, 1);
    let started = Instant::now();
    let id = setup.profile_id.clone();
    let h = &mut setup.test.harness;
    click(h, "⟳ Refresh");
    wait_until(h, "new key listed after the 429", move |h| {
        settled(h, &id) && h.state().account(&id).unwrap().table.len() == expected
    });
    assert!(
        started.elapsed() >= wait,
        "retried after {:?}, before the {wait:?} the provider asked for",
        started.elapsed()
    );
    assert_eq!(setup.list_requests() - before, 2, "one 429, one success");
    let account = setup
        .test
        .harness
        .state()
        .account(&setup.profile_id)
        .unwrap();
    assert!(account.error.is_none(), "{:?}", account.error);
    assert!(
        account
            .table
            .rows()
            .iter()
            .any(|row| row.name == "added-meanwhile")
    );
}

/// An answer that is not the provider's JSON (an HTML proxy page, a body
/// cut in half, a body over 10 MB): one request (not retried), and the
/// error names what came back.
fn malformed_answer_is_named(setup: &mut Setup, fault: Fault, expected: &str) {
    let before = setup.list_requests();
    setup.inject_on_list(fault.clone(), 1);
    let id = setup.profile_id.clone();
    let h = &mut setup.test.harness;
    click(h, "⟳ Refresh");
    let wanted = expected.to_string();
    wait_until(h, expected, move |h| {
        let account = h.state().account(&id).unwrap();
        !account.is_loading()
            && account
                .error
                .as_ref()
                .is_some_and(|err| err.message.contains(&wanted))
    });
    wait_for_label_containing(h, expected);
    let error = h
        .state()
        .account(&setup.profile_id)
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert_eq!(
        error.kind,
        keyfleet::providers::ApiErrorKind::MalformedResponse,
        "{fault:?}: {error:?}"
    );
    if fault == Fault::HtmlPage {
        assert!(
            error
                .details
                .as_deref()
                .unwrap_or("")
                .contains("Bad Gateway"),
            "the details show an excerpt: {:?}",
            error.details
        );
    }
    assert_eq!(
        setup.list_requests() - before,
        1,
        "{fault:?}: a malformed answer is not retried"
    );
}

/// The connection drops while a list answer is read: the list is retried
/// once and works, with no error left on screen.
fn dropped_list_answer_is_retried(setup: &mut Setup) {
    let before = setup.list_requests();
    let shown = setup.shown();
    setup.inject_on_list(Fault::DropAfterHandling, 1);
    let id = setup.profile_id.clone();
    let h = &mut setup.test.harness;
    click(h, "⟳ Refresh");
    wait_until(h, "list after a dropped answer", move |h| {
        settled(h, &id) && h.state().account(&id).unwrap().error.is_none()
    });
    assert_eq!(setup.list_requests() - before, 2, "one drop, one retry");
    assert_eq!(setup.shown(), shown);
}

/// A 500 on create: the dialog stays open with the name and key as typed,
/// nothing is created or retried, and sending again works.
fn add_key_dialog_keeps_fields_on_error(setup: &mut Setup) {
    let posts_before = setup.posts();
    let names_before = setup.remote_names().len();
    let key_label = if setup.stores_private_keys() {
        PRIVATE_KEY_LABEL
    } else {
        PUBLIC_KEY_LABEL
    };
    let heading = setup.add_key_heading();
    let key_text = setup.fill_add_key_dialog("kept-on-error");
    inject_on_create(setup, Fault::ServerError);
    let h = &mut setup.test.harness;
    click(h, "Add key");
    wait_for_label_containing(h, "server error (HTTP 500)");
    assert!(
        h.query_by_label(&heading).is_some(),
        "the dialog closed:\n{}",
        screen_text(h)
    );
    assert_eq!(field_value(setup, "Name:"), "kept-on-error");
    if setup.stores_private_keys() {
        // A private key is kept, but shown only as its summary.
        let public = keyfleet::keys::private::inspect_private_key(
            &SecretString::new(key_text.as_str()),
            None,
        )
        .unwrap()
        .public;
        let summary = format!(
            "🔑 Private key loaded: OpenSSH ssh-ed25519, {}",
            public.fingerprint_sha256
        );
        assert!(
            setup.test.harness.query_by_label(&summary).is_some(),
            "{}",
            screen_text(&setup.test.harness)
        );
        assert!(setup.test.harness.query_by_label(key_label).is_none());
    } else {
        assert_eq!(field_value(setup, key_label).trim(), key_text.trim());
    }
    assert_eq!(setup.posts() - posts_before, 1, "a create is never retried");
    assert_eq!(
        setup.remote_names().len(),
        names_before,
        "nothing was created"
    );

    // Sending the kept fields again creates the key, once.
    let h = &mut setup.test.harness;
    click(h, "Add key");
    let id = setup.profile_id.clone();
    wait_until(h, "key added after the retry", move |h| {
        h.state()
            .account(&id)
            .unwrap()
            .table
            .rows()
            .iter()
            .any(|row| row.name == "kept-on-error")
    });
    assert!(setup.test.harness.query_by_label(&heading).is_none());
    let names = setup.remote_names();
    assert_eq!(
        names.iter().filter(|name| *name == "kept-on-error").count(),
        1
    );
}

/// A create whose answer is dropped after the provider handled it: the app
/// finds the key by listing, says so, and there is exactly one such key.
fn lost_create_answer_is_found_once(setup: &mut Setup) {
    let posts_before = setup.posts();
    setup.fill_add_key_dialog("answer-lost");
    inject_on_create(setup, Fault::DropAfterHandling);
    let h = &mut setup.test.harness;
    click(h, "Add key");
    wait_until(h, "lost answer reported", |h| {
        h.state()
            .toasts()
            .items()
            .iter()
            .any(|toast| toast.text.contains("answer was lost, but"))
    });
    h.run_steps(2);
    let toast = h
        .state()
        .toasts()
        .items()
        .iter()
        .find(|toast| toast.text.contains("answer was lost, but"))
        .unwrap()
        .text
        .clone();
    assert_eq!(
        toast,
        format!("The answer was lost, but \"answer-lost\" was created in {ACCOUNT}.")
    );
    assert!(h.query_by_label(&toast).is_some(), "{}", screen_text(h));
    assert_eq!(setup.posts() - posts_before, 1, "the create was sent once");
    let remote = setup.remote_names();
    assert_eq!(
        remote.iter().filter(|name| *name == "answer-lost").count(),
        1,
        "{remote:?}"
    );
    let shown = setup
        .test
        .harness
        .state()
        .account(&setup.profile_id)
        .unwrap()
        .table
        .rows()
        .iter()
        .filter(|row| row.name == "answer-lost")
        .count();
    assert_eq!(shown, 1, "the found key is shown once");
    assert!(
        setup
            .test
            .harness
            .query_by_label(&setup.add_key_heading())
            .is_none(),
        "the dialog closed once the key was found"
    );
}

fn survives_faults(kind: ProviderKind) {
    let mut setup = Setup::start(kind, 2);
    slow_answer_keeps_the_window_drawing(&mut setup);
    server_errors_are_bounded_and_specific(&mut setup);
    rate_limit_is_waited_out(&mut setup);
    malformed_answer_is_named(&mut setup, Fault::HtmlPage, "an HTML page");
    malformed_answer_is_named(
        &mut setup,
        Fault::TruncatedBody,
        "a truncated JSON document",
    );
    malformed_answer_is_named(&mut setup, Fault::HugeBody, "larger than 10 MB");
    dropped_list_answer_is_retried(&mut setup);
}

fn create_faults(kind: ProviderKind) {
    let mut setup = Setup::start(kind, 1);
    add_key_dialog_keeps_fields_on_error(&mut setup);
    lost_create_answer_is_found_once(&mut setup);
}

#[test]
fn gcore_list_faults() {
    survives_faults(ProviderKind::Gcore);
}

#[test]
fn sesterce_list_faults() {
    survives_faults(ProviderKind::Sesterce);
}

#[test]
fn terraform_list_faults() {
    survives_faults(ProviderKind::Terraform);
}

#[test]
fn gcore_create_faults() {
    create_faults(ProviderKind::Gcore);
}

#[test]
fn sesterce_create_faults() {
    create_faults(ProviderKind::Sesterce);
}

#[test]
fn terraform_create_faults() {
    create_faults(ProviderKind::Terraform);
}

#[test]
fn github_list_faults() {
    survives_faults(ProviderKind::Github);
}

#[test]
fn github_create_faults() {
    create_faults(ProviderKind::Github);
}

#[test]
fn hetzner_list_faults() {
    survives_faults(ProviderKind::Hetzner);
}

#[test]
fn hetzner_create_faults() {
    create_faults(ProviderKind::Hetzner);
}

#[test]
fn digitalocean_list_faults() {
    survives_faults(ProviderKind::Digitalocean);
}

#[test]
fn digitalocean_create_faults() {
    create_faults(ProviderKind::Digitalocean);
}

#[test]
fn gitlab_list_faults() {
    survives_faults(ProviderKind::Gitlab);
}

#[test]
fn gitlab_create_faults() {
    create_faults(ProviderKind::Gitlab);
}

/// Gcore generates the pair and the answer holding the private key is lost:
/// the app says the private key never arrived, offers to delete the orphan,
/// and deleting it removes the one key that was created.
#[test]
fn gcore_lost_generated_key_offers_to_delete_the_orphan() {
    let mut setup = Setup::start(ProviderKind::Gcore, 1);
    let faults = setup.faults();
    let h = &mut setup.test.harness;
    click(h, "➕ Add key");
    click(h, "Generate on server (Ed25519)");
    set_text(h, "Name:", "orphan-key");
    // The list made just before a generate (to tell a new id) goes through.
    faults.inject(Fault::Delay(Duration::ZERO), 1 + setup.extra_requests);
    faults.inject(Fault::DropAfterHandling, 1);
    click(h, "Generate");
    wait_for_label(h, "Delete orphan key");
    let screen = screen_text(h);
    assert!(
        screen.contains(&format!(
            "The answer was lost, but \"orphan-key\" was created in {ACCOUNT}. The private key generated for it was in that answer, so it never arrived"
        )),
        "{screen}"
    );
    assert_eq!(
        h.state().unsaved_private_keys(),
        0,
        "no private key to save"
    );
    assert_eq!(setup.posts(), 1, "the create was sent once");
    let remote = setup.remote_names();
    assert_eq!(
        remote.iter().filter(|name| *name == "orphan-key").count(),
        1,
        "{remote:?}"
    );

    // Bystander: a key named like the orphan in project 2 (another account).
    let gcore = &setup.test.sandbox.gcore;
    let orphan = gcore
        .key_details(1)
        .into_iter()
        .find(|k| k.name == "orphan-key");
    let orphan = orphan.unwrap();
    gcore.add_key(2, "orphan-key", &orphan.public_key, true);
    let before = gcore.snapshot();
    let h = &mut setup.test.harness;
    click(h, "Delete orphan key");
    let id = setup.profile_id.clone();
    wait_until(h, "orphan deleted", move |h| {
        !h.state()
            .account(&id)
            .unwrap()
            .table
            .rows()
            .iter()
            .any(|row| row.name == "orphan-key")
    });
    assert!(
        !setup.remote_names().iter().any(|name| name == "orphan-key"),
        "the orphan is gone from Gcore"
    );
    assert_eq!(setup.remote_names(), ["seeded-0"]);
    assert_only_gone(&before, &setup.test.sandbox.gcore.snapshot(), &[&orphan.id]);
    assert!(
        setup
            .test
            .harness
            .state()
            .toasts()
            .items()
            .iter()
            .any(|toast| toast.text == "Deleted \"orphan-key\"")
    );
}

/// `fault` for the create the next "Add key" sends. Where the account's list
/// shows no key material (stored private keys), the app lists the account
/// just before the create, to tell a lost create's key by its new id: that
/// list goes through.
fn inject_on_create(setup: &Setup, fault: Fault) {
    let faults = setup.faults();
    if setup.stores_private_keys() {
        faults.inject(Fault::Delay(Duration::ZERO), 1 + setup.extra_requests);
    }
    faults.inject(fault, 1);
}
