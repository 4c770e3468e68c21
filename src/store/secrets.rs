//! Where tokens live: the OS keyring (one entry per profile), an in-memory
//! store for tests and the demo, or an environment variable named by the
//! profile. There is no plain-text fallback.
//!
//! Every method here may block (the Secret Service talks D-Bus), so callers
//! run them on a blocking thread, never on the UI thread or inside a tokio
//! task.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::keys::SecretString;
use crate::providers::{ApiError, ApiErrorKind};

use super::profiles::{Profile, TokenSource};

/// The keyring service name entries are stored under.
pub const KEYRING_SERVICE: &str = "keyfleet";

/// A place tokens can be kept, keyed by profile id.
pub trait SecretStore: Send + Sync {
    /// The stored token, if any.
    fn get(&self, profile_id: &str) -> Result<Option<SecretString>, ApiError>;
    /// Stores (or replaces) the token.
    fn set(&self, profile_id: &str, secret: &SecretString) -> Result<(), ApiError>;
    /// Removes the token; removing a missing one is fine.
    fn delete(&self, profile_id: &str) -> Result<(), ApiError>;
    /// A short name for messages ("OS keyring", "memory").
    fn describe(&self) -> &'static str;
}

/// The OS keyring (Secret Service on Linux, Keychain, Credential Manager),
/// through the `keyring` crate, which picks the platform's store. On a
/// platform without a native store every call fails with the "no keyring"
/// message instead of pretending to keep the token.
#[derive(Debug, Default)]
pub struct KeyringStore;

/// Shown when this platform has no native store at all.
const NO_NATIVE_KEYRING: &str = "No keyring is available: this build of Keyfleet has no OS keyring support on this platform. \
     Choose \"Read token from environment variable\" for this account instead.";

/// Shown when the platform's store could not be opened. `keyring` opens it
/// once per process, on first use, and keeps the outcome: a keyring
/// started after that is only found by a new Keyfleet.
const KEYRING_NOT_OPENED: &str = "No keyring is available (is a Secret Service such as GNOME Keyring, KWallet or KeePassXC running and unlocked? \
     One started after Keyfleet first looked is found once Keyfleet is restarted). \
     Choose \"Read token from environment variable\" for this account instead.";

/// The entry for `profile_id` in the platform's store: service
/// [`KEYRING_SERVICE`], user the profile id (the names every earlier build
/// used, so their tokens are still found).
fn native_entry(profile_id: &str) -> Result<keyring::Entry, ApiError> {
    keyring::Entry::new(KEYRING_SERVICE, profile_id).map_err(keyring_error)
}

fn keyring_error(err: keyring::Error) -> ApiError {
    let message = match &err {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            "No keyring is available (is a Secret Service such as GNOME Keyring or KWallet running and unlocked?). \
             Choose \"Read token from environment variable\" for this account instead."
                .to_string()
        }
        keyring::Error::NoDefaultStore => match keyring::Entry::store_status() {
            // `keyring` names the platform when it has no store for it.
            Err(keyring::Error::Invalid(what, _)) if what == "platform" => {
                NO_NATIVE_KEYRING.to_string()
            }
            _ => KEYRING_NOT_OPENED.to_string(),
        },
        other => format!("The OS keyring refused the request: {other}"),
    };
    ApiError::new(ApiErrorKind::Keyring, message)
}

impl SecretStore for KeyringStore {
    fn get(&self, profile_id: &str) -> Result<Option<SecretString>, ApiError> {
        let entry = native_entry(profile_id)?;
        match entry.get_password() {
            Ok(token) => Ok(Some(SecretString::new(token))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(keyring_error(err)),
        }
    }

    fn set(&self, profile_id: &str, secret: &SecretString) -> Result<(), ApiError> {
        let entry = native_entry(profile_id)?;
        entry.set_password(secret.expose()).map_err(keyring_error)
    }

    fn delete(&self, profile_id: &str) -> Result<(), ApiError> {
        let entry = native_entry(profile_id)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(keyring_error(err)),
        }
    }

    fn describe(&self) -> &'static str {
        "OS keyring"
    }
}

/// Tokens kept in memory only (tests, `--demo`).
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, SecretString>>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryStore(<redacted>)")
    }
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, profile_id: &str) -> Result<Option<SecretString>, ApiError> {
        Ok(self.lock().get(profile_id).cloned())
    }

    fn set(&self, profile_id: &str, secret: &SecretString) -> Result<(), ApiError> {
        self.lock().insert(profile_id.to_string(), secret.clone());
        Ok(())
    }

    fn delete(&self, profile_id: &str) -> Result<(), ApiError> {
        self.lock().remove(profile_id);
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "memory (demo)"
    }
}

/// A store that has no keyring at all, as on a machine without a Secret
/// Service: every call fails with the "no keyring" message.
#[derive(Debug, Default)]
pub struct UnavailableStore;

impl SecretStore for UnavailableStore {
    fn get(&self, _: &str) -> Result<Option<SecretString>, ApiError> {
        Err(keyring_error(keyring::Error::NoStorageAccess(
            "no Secret Service".into(),
        )))
    }

    fn set(&self, _: &str, _: &SecretString) -> Result<(), ApiError> {
        self.get("").map(|_| ())
    }

    fn delete(&self, _: &str) -> Result<(), ApiError> {
        self.get("").map(|_| ())
    }

    fn describe(&self) -> &'static str {
        "unavailable keyring"
    }
}

/// The token for `profile`: from its environment variable, or the store.
pub fn resolve_token(profile: &Profile, store: &dyn SecretStore) -> Result<SecretString, ApiError> {
    match &profile.token_source {
        TokenSource::EnvVar(name) => match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => {
                Ok(SecretString::new(value.trim().to_string()))
            }
            _ => Err(ApiError::new(
                ApiErrorKind::MissingToken,
                format!(
                    "The environment variable {name} is not set (or empty); set it before starting Keyfleet, or store the token in the keyring."
                ),
            )),
        },
        TokenSource::Keyring => store.get(&profile.id)?.ok_or_else(|| {
            ApiError::new(
                ApiErrorKind::MissingToken,
                format!(
                    "No token is stored for \"{}\" in the {}; edit the account and enter it.",
                    profile.name,
                    store.describe()
                ),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ProviderKind;

    #[test]
    fn memory_store_round_trip() {
        let store = MemoryStore::default();
        assert!(store.get("a").unwrap().is_none());
        store.set("a", &SecretString::new("t$1")).unwrap();
        assert_eq!(store.get("a").unwrap().unwrap().expose(), "t$1");
        store.delete("a").unwrap();
        assert!(store.get("a").unwrap().is_none());
        assert!(!format!("{store:?}").contains("t$1"));
    }

    #[test]
    fn env_token_and_missing_messages() {
        let store = MemoryStore::default();
        let mut profile = Profile::new(ProviderKind::Gcore);
        profile.name = "Prod".into();
        let err = resolve_token(&profile, &store).unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::MissingToken);
        assert!(err.message.contains("Prod"));
        profile.token_source = TokenSource::EnvVar("KEYFLEET_TEST_SURELY_UNSET_VAR".into());
        let err = resolve_token(&profile, &store).unwrap_err();
        assert!(err.message.contains("KEYFLEET_TEST_SURELY_UNSET_VAR"));
    }

    #[test]
    fn unavailable_keyring_says_so() {
        let err = UnavailableStore
            .set("x", &SecretString::new("t"))
            .unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::Keyring);
        assert!(
            err.message.contains("environment variable"),
            "{}",
            err.message
        );
    }
}
