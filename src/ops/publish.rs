//! Adding one key to one account unless it is already there: the publish
//! of the "All keys" view and of `keyfleet publish`.

use super::recovery::{CreateOutcome, create_recovering};
use crate::providers::{ApiError, ApiErrorKind, KeyScope, NewKey, ProviderClient, RemoteKey};

/// How a publish to one account ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishOutcome {
    /// The key was created.
    Added,
    /// A key with the same fingerprint was there; nothing was sent.
    AlreadyThere,
}

/// Adds `new_key` (fingerprint `sha256`) to the account unless a key with
/// that fingerprint is already there: the account is listed first, so the
/// answer comes from the server's state, not from an older list.
///
/// A create refused as a duplicate (GitHub's 422 "key is already in use",
/// when the key arrived between the list and the create) counts as "already
/// there" once a second list shows the key on this account; a key in use
/// elsewhere (another GitHub account) stays an error.
pub async fn publish_to(
    client: &ProviderClient,
    new_key: &NewKey,
    sha256: &str,
) -> Result<(PublishOutcome, RemoteKey), ApiError> {
    let keys = client.list_keys().await?;
    if let Some(existing) = find_by_fingerprint(keys.clone(), &new_key.scope, sha256) {
        return Ok((PublishOutcome::AlreadyThere, existing));
    }
    // The list just made tells a lost create's key from keys already there.
    match create_recovering(client, new_key, Some(keys)).await {
        Ok(CreateOutcome::Created(created)) => Ok((PublishOutcome::Added, created.key)),
        Ok(CreateOutcome::LostButFound { key, .. }) => Ok((PublishOutcome::Added, key)),
        Err(err) if err.kind == ApiErrorKind::Conflict => {
            let Ok(keys) = client.list_keys().await else {
                return Err(err);
            };
            match find_by_fingerprint(keys, &new_key.scope, sha256) {
                Some(existing) => Ok((PublishOutcome::AlreadyThere, existing)),
                None => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}

/// The key with fingerprint `sha256` in `scope` (the account's own list
/// when the new key goes there), if listed.
fn find_by_fingerprint(keys: Vec<RemoteKey>, scope: &KeyScope, sha256: &str) -> Option<RemoteKey> {
    keys.into_iter().find(|key| {
        key.scope.same_place(scope) && key.fingerprint_sha256.as_deref() == Some(sha256)
    })
}

/// Reads an expiry date as typed in a publish or rotation dialog: empty
/// means the key never expires; otherwise `YYYY-MM-DD`, after `today`
/// (a date today or earlier would make a key that is expired at once).
pub fn parse_expiry(text: &str, today: time::Date) -> Result<Option<time::Date>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).map_err(|_| {
        format!(
            "\"{}\" is not a date; write it as YYYY-MM-DD (e.g. {}), or leave it empty for a key that never expires.",
            crate::providers::redact::cut(text, 40),
            today.next_day().unwrap_or(today)
        )
    })?;
    if date <= today {
        return Err(format!(
            "The expiry date {date} is not after today ({today}); the key would be expired at once."
        ));
    }
    Ok(Some(date))
}

#[cfg(test)]
mod expiry_tests {
    use super::parse_expiry;
    use time::macros::date;

    #[test]
    fn expiry_dates_are_read_against_the_given_today() {
        let today = date!(2026 - 01 - 01);
        assert_eq!(parse_expiry("  ", today), Ok(None));
        assert_eq!(
            parse_expiry("2026-01-02", today),
            Ok(Some(date!(2026 - 01 - 02)))
        );
        for past in ["2026-01-01", "2025-12-31"] {
            let err = parse_expiry(past, today).unwrap_err();
            assert!(err.contains("not after today (2026-01-01)"), "{err}");
        }
        for bad in ["tomorrow", "2026-13-01", "01/02/2026", "2026-02-30"] {
            let err = parse_expiry(bad, today).unwrap_err();
            assert!(err.contains("YYYY-MM-DD"), "{err}");
        }
    }
}
