//! Finding out what a create whose answer was lost did.
//!
//! Creates are never retried, so after a lost answer the account is listed
//! and the key looked for. Identity is id plus fingerprint, never a name
//! alone: a same-named key someone else made must not be taken for ours,
//! or publish reports "added" with its id and a rotation shares it, makes it
//! the default, or moves workspaces to it.
//!
//! - A key sent as a public key is found by its fingerprint.
//! - A key the server shows no material for (an HCP Terraform private key,
//!   a key Gcore generates) is found as the one new id with the name sent:
//!   the account is listed before the create, so the server's own list,
//!   not a clock, says what is new.
//! - Anything else is "unknown": the user is told to check the account.

use crate::providers::{ApiError, CreatedKey, NewKey, NewKeyMaterial, ProviderClient, RemoteKey};

/// The result of a create, including what was found after a lost answer.
#[derive(Clone, Debug)]
pub enum CreateOutcome {
    /// The provider answered.
    Created(CreatedKey),
    /// The answer was lost but the key exists (found by fingerprint, or as
    /// the one new id with the name sent; see the module's rules).
    /// `private_key_lost` is true when the server generated the private key,
    /// which is now unrecoverable.
    LostButFound {
        /// The key found by listing.
        key: RemoteKey,
        /// The server-generated private key was in the lost answer.
        private_key_lost: bool,
    },
}

/// Creates a key; when the answer is lost (timeout, dropped connection),
/// lists the account to find out whether this very key was created (by
/// fingerprint, or as the one new id; see the module's rules). Shared by
/// the window, `keyfleet publish` and rotation.
pub async fn create_with_recovery(
    client: &ProviderClient,
    new_key: &NewKey,
) -> Result<CreateOutcome, ApiError> {
    create_recovering(client, new_key, None).await
}

/// What the account's list says about a create whose answer was lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LostCreate {
    /// The key we sent is there: found by fingerprint, or the only new id
    /// with its name.
    Found(Box<RemoteKey>),
    /// Nothing that can be ours is there: the key was not created.
    NotCreated,
    /// The list cannot tell; the reason says why.
    Unknown(String),
}

/// The `SHA256:` fingerprint of the key `new_key` carries, when the
/// provider's list will show key material to compare it with.
pub fn sent_fingerprint(new_key: &NewKey) -> Option<String> {
    match &new_key.material {
        NewKeyMaterial::PublicKey(text) => crate::keys::public::parse_public_key(text)
            .ok()
            .map(|parsed| parsed.fingerprint_sha256),
        // The server generates the key, or keeps it write-only: its list
        // shows nothing to compare.
        NewKeyMaterial::GenerateOnServer | NewKeyMaterial::PrivateKey(_) => None,
    }
}

/// Decides what a lost create did from the account's keys `after` it, and
/// `before` it where they were listed (required when the key has no
/// fingerprint to look for: only a new id then says the key is ours).
pub fn find_lost_create(
    new_key: &NewKey,
    sent_sha256: Option<&str>,
    before: Option<&[RemoteKey]>,
    after: Vec<RemoteKey>,
) -> LostCreate {
    let was_there =
        |key: &RemoteKey| before.is_some_and(|keys| keys.iter().any(|k| k.id == key.id));
    let candidates = after
        .into_iter()
        .filter(|key| key.scope.same_place(&new_key.scope) && !was_there(key));
    if let Some(sha256) = sent_sha256 {
        let same_key: Vec<RemoteKey> = candidates
            .filter(|key| key.fingerprint_sha256.as_deref() == Some(sha256))
            .collect();
        if let Some(named) = same_key.iter().find(|key| key.name == new_key.name) {
            return LostCreate::Found(Box::new(named.clone()));
        }
        // Our material under another name: ours when its id is new (renamed
        // meanwhile); without a list from before it may be an older copy.
        return match (same_key.into_iter().next(), before) {
            (Some(key), Some(_)) => LostCreate::Found(Box::new(key)),
            (Some(key), None) => LostCreate::Unknown(format!(
                "a key with this fingerprint is there as \"{}\", which may be an older copy",
                key.name
            )),
            (None, _) => LostCreate::NotCreated,
        };
    }
    if before.is_none() {
        return LostCreate::Unknown(
            "the key shows no key material, and the keys could not be listed before sending it"
                .into(),
        );
    }
    let new_named: Vec<RemoteKey> = candidates.filter(|key| key.name == new_key.name).collect();
    match <[RemoteKey; 1]>::try_from(new_named) {
        Ok([key]) => LostCreate::Found(Box::new(key)),
        Err(keys) if keys.is_empty() => LostCreate::NotCreated,
        Err(keys) => LostCreate::Unknown(format!(
            "{} new keys named \"{}\" appeared meanwhile, and the key shows no key material to tell which is this one",
            keys.len(),
            new_key.name
        )),
    }
}

/// Creates `new_key`; when the answer is lost (timeout, dropped
/// connection), lists the account to find out whether it was created (see
/// the module's rules). `before`: the account's keys listed just before,
/// when the caller has them; else they are listed here when needed.
pub async fn create_recovering(
    client: &ProviderClient,
    new_key: &NewKey,
    before: Option<Vec<RemoteKey>>,
) -> Result<CreateOutcome, ApiError> {
    let sent_sha256 = sent_fingerprint(new_key);
    // A failed list must not stop the create: recovery then says "unknown".
    let before = match (before, &sent_sha256) {
        (Some(keys), _) => Some(keys),
        (None, None) => client.list_keys().await.ok(),
        (None, Some(_)) => None,
    };
    let err = match client.create_key(new_key).await {
        Ok(created) => return Ok(CreateOutcome::Created(created)),
        Err(err) if err.answer_lost() => err,
        Err(err) => return Err(err),
    };
    tracing::warn!(kind = ?err.kind, "create answer lost; checking the key list");
    let found = match client.list_keys().await {
        Ok(after) => find_lost_create(new_key, sent_sha256.as_deref(), before.as_deref(), after),
        Err(_) => LostCreate::Unknown("the keys could not be listed afterwards".into()),
    };
    match found {
        LostCreate::Found(key) => Ok(CreateOutcome::LostButFound {
            key: *key,
            private_key_lost: matches!(new_key.material, NewKeyMaterial::GenerateOnServer),
        }),
        LostCreate::NotCreated => Err(with_note(
            err,
            "The key list shows no such key, so it was not created; you can try again.",
        )),
        LostCreate::Unknown(reason) => Err(with_note(
            err,
            &format!(
                "Whether the key was created is unknown ({reason}): check the organization or account's keys before trying again."
            ),
        )),
    }
}

fn with_note(mut err: ApiError, note: &str) -> ApiError {
    err.message.push(' ');
    err.message.push_str(note);
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::KeyScope;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB test@keyfleet.local";

    fn remote(id: &str, name: &str, sha256: Option<&str>) -> RemoteKey {
        RemoteKey {
            id: id.into(),
            name: name.into(),
            fingerprint_sha256: sha256.map(String::from),
            scope: KeyScope::Account,
            ..RemoteKey::default()
        }
    }

    fn new_key(material: NewKeyMaterial) -> NewKey {
        NewKey {
            name: "deploy".into(),
            material,
            shared_in_project: true,
            scope: KeyScope::Account,
            expires_at: None,
        }
    }

    #[test]
    fn a_public_key_is_found_by_fingerprint_not_by_name() {
        let key = new_key(NewKeyMaterial::PublicKey(ED25519.into()));
        let sha = sent_fingerprint(&key).unwrap();
        let after = vec![
            remote("foreign", "deploy", Some("SHA256:other")),
            remote("ours", "deploy", Some(&sha)),
        ];
        assert_eq!(
            find_lost_create(&key, Some(&sha), None, after),
            LostCreate::Found(Box::new(remote("ours", "deploy", Some(&sha))))
        );
        let only_foreign = vec![remote("foreign", "deploy", Some("SHA256:other"))];
        assert_eq!(
            find_lost_create(&key, Some(&sha), None, only_foreign),
            LostCreate::NotCreated
        );
    }

    #[test]
    fn a_fingerprint_match_prefers_the_name_sent_and_skips_keys_listed_before() {
        let key = new_key(NewKeyMaterial::PublicKey(ED25519.into()));
        let sha = sent_fingerprint(&key).unwrap();
        let copy = remote("copy", "old-copy", Some(&sha));
        let ours = remote("ours", "deploy", Some(&sha));
        let after = vec![copy.clone(), ours.clone()];
        assert_eq!(
            find_lost_create(&key, Some(&sha), None, after.clone()),
            LostCreate::Found(Box::new(ours.clone()))
        );
        // Only a copy under another name: ours if new, else unknown.
        let before = [ours];
        assert_eq!(
            find_lost_create(&key, Some(&sha), Some(&before), after),
            LostCreate::Found(Box::new(copy.clone()))
        );
        assert!(matches!(
            find_lost_create(&key, Some(&sha), None, vec![copy]),
            LostCreate::Unknown(reason) if reason.contains("old-copy")
        ));
    }

    #[test]
    fn a_key_in_another_place_is_not_ours() {
        let key = new_key(NewKeyMaterial::PublicKey(ED25519.into()));
        let sha = sent_fingerprint(&key).unwrap();
        let mut regional = remote("regional", "deploy", Some(&sha));
        regional.scope = KeyScope::Region {
            region_id: 7,
            region_name: "Luxembourg".into(),
        };
        assert_eq!(
            find_lost_create(&key, Some(&sha), None, vec![regional]),
            LostCreate::NotCreated
        );
    }

    #[test]
    fn without_material_only_the_one_new_id_with_the_name_is_ours() {
        let key = new_key(NewKeyMaterial::GenerateOnServer);
        let foreign = remote("foreign", "deploy", None);
        let ours = remote("ours", "deploy", None);
        let other = remote("other", "unrelated", None);
        let before = [foreign.clone(), other.clone()];
        let after = vec![foreign.clone(), other.clone(), ours.clone()];
        assert_eq!(
            find_lost_create(&key, None, Some(&before), after),
            LostCreate::Found(Box::new(ours.clone()))
        );
        assert_eq!(
            find_lost_create(&key, None, Some(&before), vec![foreign.clone(), other]),
            LostCreate::NotCreated
        );
        let twice = vec![foreign, ours, remote("someone-else", "deploy", None)];
        assert!(matches!(
            find_lost_create(&key, None, Some(&before), twice),
            LostCreate::Unknown(reason) if reason.contains("2 new keys")
        ));
    }

    #[test]
    fn without_material_and_without_a_list_before_it_is_unknown() {
        let key = new_key(NewKeyMaterial::GenerateOnServer);
        let after = vec![remote("any", "deploy", None)];
        assert!(matches!(
            find_lost_create(&key, None, None, after),
            LostCreate::Unknown(_)
        ));
    }
}
