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
