//! The details panel's data: the selected key of the shown account, and
//! "Where else": the other accounts whose loaded lists hold a key with the
//! same SHA256 fingerprint.
//!
//! "Where else" is the hook for a fuller answer (this computer's keys, an
//! inventory of every account): today it is computed from the
//! [`AccountView`](super::AccountView)s already in memory, which is real
//! and needs no request. It scans every other account's keys, so it is
//! cached and recomputed only when the selection, a table or the accounts
//! change, never per frame.

use super::accounts::Accounts;
use crate::ui::details_panel::OtherHolder;

/// The last "Where else" answer and what it was computed from.
#[derive(Debug, Default)]
pub(super) struct WhereElse {
    /// What the answer depends on; `None`: nothing computed yet.
    basis: Option<Basis>,
    /// Other accounts holding the key.
    pub(super) holders: Vec<OtherHolder>,
    /// Other accounts whose keys are not loaded (not searched).
    pub(super) unloaded: usize,
}

/// Everything "Where else" depends on. Table stamps are never reused, so
/// the newest one changes whenever any table's rows do.
#[derive(Debug, PartialEq, Eq)]
struct Basis {
    profile_id: String,
    fingerprint: String,
    newest_stamp: u64,
    accounts: usize,
    loaded: usize,
}

impl WhereElse {
    /// Forgets the answer (accounts renamed or removed).
    pub(super) fn invalidate(&mut self) {
        self.basis = None;
    }
}

impl Accounts {
    /// Brings [`Accounts::where_else`] up to date for the selected key of
    /// account `profile_id`, if the selection or the lists changed since it
    /// was computed.
    pub(super) fn update_where_else(&mut self, profile_id: &str) {
        let Some(fingerprint) = self
            .get(profile_id)
            .and_then(|account| account.table.selected_key())
            .and_then(|key| key.fingerprint_sha256.as_deref())
        else {
            self.where_else = WhereElse::default();
            return;
        };
        let basis = Basis {
            profile_id: profile_id.to_string(),
            fingerprint: fingerprint.to_string(),
            newest_stamp: self
                .views()
                .map(|account| account.table.stamp())
                .max()
                .unwrap_or_default(),
            accounts: self.profiles().len(),
            loaded: self.views().filter(|a| a.loaded).count(),
        };
        if self.where_else.basis.as_ref() == Some(&basis) {
            return;
        }
        let mut holders = Vec::new();
        let mut unloaded = 0;
        for profile in self.profiles().iter().filter(|p| p.id != basis.profile_id) {
            let Some(account) = self.get(&profile.id).filter(|a| a.loaded) else {
                unloaded += 1;
                continue;
            };
            holders.extend(
                account
                    .table
                    .rows()
                    .iter()
                    .filter(|key| key.fingerprint_sha256.as_deref() == Some(&basis.fingerprint))
                    .map(|key| OtherHolder {
                        account: profile.name.clone(),
                        key_name: key.name.to_string(),
                    }),
            );
        }
        self.where_else = WhereElse {
            basis: Some(basis),
            holders,
            unloaded,
        };
    }
}
