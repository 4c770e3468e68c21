//! A token round trip through a real Secret Service (GNOME Keyring), the
//! path `KeyringStore` takes on Linux. Opt-in: it writes to the session's
//! keyring, so it runs only with `KEYFLEET_REAL_KEYRING=1`, inside a
//! throw-away session as `.ci/real-keyring` starts one:
//!
//! ```sh
//! dbus-run-session -- bash -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets; \
//!   KEYFLEET_REAL_KEYRING=1 cargo test --test real_keyring'
//! ```

use std::io::Write;
use std::process::{Command, Stdio};

use keyfleet::keys::SecretString;
use keyfleet::store::{KeyringStore, SecretStore};

#[test]
fn a_token_round_trips_through_the_secret_service() {
    if std::env::var_os("KEYFLEET_REAL_KEYRING").is_none() {
        eprintln!("skipped: set KEYFLEET_REAL_KEYRING=1 inside a session with a Secret Service");
        return;
    }
    let store = KeyringStore;
    let profile = format!("real-keyring-test-{}", std::process::id());
    assert!(store.get(&profile).unwrap().is_none());

    store
        .set(&profile, &SecretString::new("first t0ken"))
        .unwrap();
    assert_eq!(
        store.get(&profile).unwrap().unwrap().expose(),
        "first t0ken"
    );

    // Replacing keeps one entry (a second one would make the lookup ambiguous).
    store
        .set(&profile, &SecretString::new("second t0ken"))
        .unwrap();
    assert_eq!(
        store.get(&profile).unwrap().unwrap().expose(),
        "second t0ken"
    );

    // Entries are per profile.
    let other = format!("{profile}-other");
    assert!(store.get(&other).unwrap().is_none());

    store.delete(&profile).unwrap();
    assert!(store.get(&profile).unwrap().is_none());
    // Deleting a missing entry is fine.
    store.delete(&profile).unwrap();
}

/// A token saved by an earlier Keyfleet (keyring 3, whose items also carry
/// `target` and `application` attributes) is still found, replaced and
/// deleted. The old item is written with `secret-tool` (libsecret-tools).
#[test]
fn a_token_saved_by_keyring_3_is_still_found() {
    if std::env::var_os("KEYFLEET_REAL_KEYRING").is_none() {
        eprintln!("skipped: set KEYFLEET_REAL_KEYRING=1 inside a session with a Secret Service");
        return;
    }
    let profile = format!("real-keyring-old-{}", std::process::id());
    let mut child = Command::new("secret-tool")
        .args(["store", "--label", "keyring 3 item"])
        .args(["service", "keyfleet", "username", &profile])
        .args(["target", "default", "application", "rust-keyring"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool (package libsecret-tools)");
    child.stdin.take().unwrap().write_all(b"old t0ken").unwrap();
    assert!(child.wait().unwrap().success());

    let store = KeyringStore;
    assert_eq!(store.get(&profile).unwrap().unwrap().expose(), "old t0ken");
    store
        .set(&profile, &SecretString::new("new t0ken"))
        .unwrap();
    assert_eq!(store.get(&profile).unwrap().unwrap().expose(), "new t0ken");
    store.delete(&profile).unwrap();
    assert!(store.get(&profile).unwrap().is_none());
}

/// A token saved by the build before `keyring` 4 (keyring-core and the
/// same zbus Secret Service store: attributes `service` and `username`,
/// label `keyring:USER@SERVICE`) is still read, replaced and deleted.
#[test]
fn a_token_saved_by_the_keyring_core_build_is_still_found() {
    if std::env::var_os("KEYFLEET_REAL_KEYRING").is_none() {
        eprintln!("skipped: set KEYFLEET_REAL_KEYRING=1 inside a session with a Secret Service");
        return;
    }
    let profile = format!("real-keyring-core-{}", std::process::id());
    let label = format!("keyring:{profile}@keyfleet");
    let mut child = Command::new("secret-tool")
        .args(["store", "--label", &label])
        .args(["service", "keyfleet", "username", &profile])
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool (package libsecret-tools)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"core t0ken")
        .unwrap();
    assert!(child.wait().unwrap().success());

    let store = KeyringStore;
    assert_eq!(store.get(&profile).unwrap().unwrap().expose(), "core t0ken");
    store
        .set(&profile, &SecretString::new("new t0ken"))
        .unwrap();
    assert_eq!(store.get(&profile).unwrap().unwrap().expose(), "new t0ken");
    store.delete(&profile).unwrap();
    assert!(store.get(&profile).unwrap().is_none());
}

/// `keyring` 4 opens the platform's store once per process and keeps the
/// outcome. With no Secret Service on the bus at first use (KeePassXC not
/// started yet, say) the message says so and that a restart finds one
/// started later; a keyring started meanwhile is indeed not used. Opt-in
/// with `KEYFLEET_KEYRING_STARTS_LATER=1` in a session bus that cannot
/// start a keyring on demand (`.ci/real-keyring` makes one).
#[test]
fn a_keyring_started_later_is_found_after_a_restart() {
    if std::env::var_os("KEYFLEET_KEYRING_STARTS_LATER").is_none() {
        eprintln!(
            "skipped: set KEYFLEET_KEYRING_STARTS_LATER=1 in a session with no Secret Service"
        );
        return;
    }
    let store = KeyringStore;
    let profile = format!("real-keyring-later-{}", std::process::id());
    let err = store.get(&profile).unwrap_err();
    assert_eq!(err.kind, keyfleet::providers::ApiErrorKind::Keyring);
    assert!(err.message.contains("restarted"), "{}", err.message);
    assert!(
        err.message.contains("environment variable"),
        "{}",
        err.message
    );

    // The daemon forks; its first process exits after the fork.
    let mut daemon = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon");
    daemon.stdin.take().unwrap().write_all(b"pw").unwrap();
    assert!(daemon.wait().unwrap().success());
    // The first process may exit before the forked daemon owns its bus
    // name (seen on a loaded CI machine), so wait for it to answer.
    let answers = || {
        Command::new("secret-tool")
            .args(["search", "service", "keyfleet"])
            .output()
            .expect("secret-tool (package libsecret-tools)")
            .status
            .success()
    };
    let mut started = answers();
    for _ in 0..100 {
        if started {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        started = answers();
    }
    assert!(started, "the keyring did not start within 20 s");

    let again = store.get(&profile).unwrap_err();
    assert_eq!(again.message, err.message);
}
