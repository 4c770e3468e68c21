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

use crate::ui::details_panel::OtherHolder;

/// The last "Where else" answer and what it was computed from.
#[derive(Debug, Default)]
pub(super) struct WhereElse {
    /// What the answer depends on; `None`: nothing computed yet.
    pub(super) basis: Option<Basis>,
    /// Other accounts holding the key.
    pub(super) holders: Vec<OtherHolder>,
    /// Other accounts whose keys are not loaded (not searched).
    pub(super) unloaded: usize,
}

/// Everything "Where else" depends on. Table stamps are never reused, so
/// the newest one changes whenever any table's rows do.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Basis {
    pub(super) profile_id: String,
    pub(super) fingerprint: String,
    pub(super) newest_stamp: u64,
    pub(super) accounts: usize,
    pub(super) loaded: usize,
}

impl WhereElse {
    /// Forgets the answer (accounts renamed or removed).
    pub(super) fn invalidate(&mut self) {
        self.basis = None;
    }
}
