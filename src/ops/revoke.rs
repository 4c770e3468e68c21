//! Which copies of a key "remove everywhere" deletes: the one planner of
//! `keyfleet revoke` and of the "All keys" view's revoke dialog.
//!
//! A copy is found by id and fingerprint, never by name alone. A key an
//! account lists with the fingerprint is a copy. A key it lists with no
//! public material is a copy only when the caller already knows it by id
//! (an inventory holding); then it keeps that holding's
//! `matched_by_name_only`, so the caller can leave it unticked. Any other
//! key without material is "unchecked": it may be the key, and the user is
//! told to check it with the provider.

use crate::inventory::Holding;
use crate::providers::{ApiError, RemoteKey};
use crate::store::Profile;

/// One copy to delete.
#[derive(Clone, Debug)]
pub struct RevokeCopy {
    /// The account holding it.
    pub profile: Profile,
    /// The copy as the account lists it.
    pub key: RemoteKey,
    /// Linked to the key only by a local file's name (no material to
    /// compare): delete it only when the user says so.
    pub matched_by_name_only: bool,
}

/// What is deleted, and what could not be checked, before anything is sent.
#[derive(Debug, Default)]
pub struct RevokePlan {
    /// The copies, in the order of the accounts given, then of their lists.
    pub copies: Vec<RevokeCopy>,
    /// Accounts that could not be listed, with why.
    pub failures: Vec<(Profile, ApiError)>,
    /// Keys without public material that nothing ties to the key.
    pub unchecked: Vec<(Profile, RemoteKey)>,
    /// Known copies (`known`) their account no longer lists.
    pub missing: Vec<Holding>,
}

impl RevokePlan {
    /// The copies per account, in order (an account may hold the key
    /// twice, e.g. a Gcore project key and a regional keypair).
    pub fn per_account(&self) -> Vec<(Profile, Vec<RemoteKey>)> {
        let mut accounts: Vec<(Profile, Vec<RemoteKey>)> = Vec::new();
        for copy in &self.copies {
            match accounts.last_mut() {
                Some((profile, keys)) if profile.id == copy.profile.id => {
                    keys.push(copy.key.clone())
                }
                _ => accounts.push((copy.profile.clone(), vec![copy.key.clone()])),
            }
        }
        accounts
    }
}

/// Plans deleting the key with fingerprint `sha256` (none when unknown)
/// and the copies `known` by id (an inventory group's holdings) from
/// `accounts`, each with its current list or why it has none.
pub fn plan_revoke<'a>(
    sha256: Option<&str>,
    known: &[Holding],
    accounts: impl IntoIterator<Item = (&'a Profile, Result<&'a [RemoteKey], &'a ApiError>)>,
) -> RevokePlan {
    let mut plan = RevokePlan::default();
    for (profile, listed) in accounts {
        let keys = match listed {
            Ok(keys) => keys,
            Err(error) => {
                plan.failures.push((profile.clone(), error.clone()));
                continue;
            }
        };
        for key in keys {
            let holding = known
                .iter()
                .find(|holding| holding.profile_id == profile.id && holding.key_id == key.id);
            let fingerprint = key.fingerprint_sha256.as_deref();
            let copy = |matched_by_name_only| RevokeCopy {
                profile: profile.clone(),
                key: key.clone(),
                matched_by_name_only,
            };
            match (fingerprint, holding) {
                // The same id with another fingerprint is another key now.
                (Some(found), _) if Some(found) == sha256 => plan.copies.push(copy(false)),
                (Some(_), _) => {}
                (None, Some(holding)) => plan.copies.push(copy(holding.matched_by_name_only)),
                (None, None) => plan.unchecked.push((profile.clone(), key.clone())),
            }
        }
    }
    plan.missing = known
        .iter()
        .filter(|holding| {
            !plan
                .copies
                .iter()
                .any(|copy| copy.profile.id == holding.profile_id && copy.key.id == holding.key_id)
        })
        .cloned()
        .collect();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{ApiErrorKind, KeyScope, ProviderKind};

    const OURS: &str = "SHA256:ours";

    fn account(name: &str, kind: ProviderKind) -> Profile {
        let mut profile = Profile::new(kind);
        profile.name = name.into();
        profile
    }

    fn remote(id: &str, name: &str, sha256: Option<&str>) -> RemoteKey {
        RemoteKey {
            id: id.into(),
            name: name.into(),
            fingerprint_sha256: sha256.map(String::from),
            scope: KeyScope::Account,
            ..RemoteKey::default()
        }
    }

    fn holding(profile: &Profile, key_id: &str, matched_by_name_only: bool) -> Holding {
        Holding {
            account: profile.name.clone(),
            profile_id: profile.id.clone(),
            provider: profile.provider(),
            key_id: key_id.into(),
            name: "deploy".into(),
            created_at: None,
            matched_by_name_only,
            fingerprint_warning: None,
            expires_at: None,
        }
    }

    fn copies(plan: &RevokePlan) -> Vec<(&str, &str, bool)> {
        plan.copies
            .iter()
            .map(|copy| {
                let account = copy.profile.name.as_str();
                (account, copy.key.id.as_str(), copy.matched_by_name_only)
            })
            .collect()
    }

    #[test]
    fn copies_are_found_by_fingerprint_never_by_name() {
        let gcore = account("prod", ProviderKind::Gcore);
        let keys = [
            remote("1", "deploy", Some(OURS)),
            // Same name, another key: not ours.
            remote("2", "deploy", Some("SHA256:theirs")),
            remote("3", "renamed", Some(OURS)),
        ];
        let plan = plan_revoke(Some(OURS), &[], [(&gcore, Ok(&keys[..]))]);
        assert_eq!(copies(&plan), [("prod", "1", false), ("prod", "3", false)]);
        assert_eq!(plan.per_account().len(), 1);
        assert_eq!(plan.per_account()[0].1.len(), 2);
        assert!(plan.unchecked.is_empty() && plan.missing.is_empty());
    }

    #[test]
    fn a_key_without_material_is_a_copy_only_when_known_by_id() {
        let terraform = account("org", ProviderKind::Terraform);
        let keys = [
            remote("known", "deploy", None),
            remote("same-name", "deploy", None),
        ];
        let known = [holding(&terraform, "known", true)];
        let plan = plan_revoke(Some(OURS), &known, [(&terraform, Ok(&keys[..]))]);
        // Kept unticked by the caller: linked by a file's name only.
        assert_eq!(copies(&plan), [("org", "known", true)]);
        let unchecked: Vec<&str> = plan
            .unchecked
            .iter()
            .map(|(_, key)| key.id.as_str())
            .collect();
        assert_eq!(unchecked, ["same-name"]);
    }

    #[test]
    fn a_known_id_that_now_has_another_fingerprint_is_not_deleted() {
        let github = account("me", ProviderKind::Github);
        // The id was reused for another key since the inventory was built.
        let keys = [remote("7", "deploy", Some("SHA256:other"))];
        let known = [holding(&github, "7", false)];
        let plan = plan_revoke(Some(OURS), &known, [(&github, Ok(&keys[..]))]);
        assert!(plan.copies.is_empty());
        assert_eq!(plan.missing.len(), 1, "told, not silently dropped");
    }

    #[test]
    fn a_known_copy_deleted_meanwhile_is_missing_and_a_failed_account_is_reported() {
        let gcore = account("prod", ProviderKind::Gcore);
        let sesterce = account("gpu", ProviderKind::Sesterce);
        let gone: Vec<RemoteKey> = Vec::new();
        let error = ApiError::new(ApiErrorKind::Network, "connection refused");
        let known = [holding(&gcore, "1", false)];
        let plan = plan_revoke(
            Some(OURS),
            &known,
            [(&gcore, Ok(&gone[..])), (&sesterce, Err(&error))],
        );
        assert!(plan.copies.is_empty());
        assert_eq!(plan.missing[0].account, "prod");
        assert_eq!(plan.failures.len(), 1);
        assert_eq!(plan.failures[0].0.name, "gpu");
    }

    #[test]
    fn copies_keep_the_order_of_the_accounts_given() {
        let first = account("b-first", ProviderKind::Gcore);
        let second = account("a-second", ProviderKind::Github);
        let keys_first = [remote("1", "k", Some(OURS))];
        let keys_second = [remote("2", "k", Some(OURS))];
        let plan = plan_revoke(
            Some(OURS),
            &[],
            [
                (&first, Ok(&keys_first[..])),
                (&second, Ok(&keys_second[..])),
            ],
        );
        let accounts: Vec<String> = plan
            .per_account()
            .into_iter()
            .map(|(p, _)| p.name)
            .collect();
        assert_eq!(accounts, ["b-first", "a-second"]);
    }
}
