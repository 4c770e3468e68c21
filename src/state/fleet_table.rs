//! The "All keys" table's order, filter and selection over a built
//! inventory ([`FleetSnapshot`]). Recomputed only when the snapshot, the
//! filter, the flag filters or the sort change, never per frame.

use std::cmp::Ordering;
use std::sync::Arc;

use memchr::memmem::Finder;

use crate::backend::fleet::{FleetSnapshot, RowText};
use crate::inventory::{Flag, KeyGroup};
use crate::state::key_table::SelectionMove;

/// A sortable column of the "All keys" table (remembered between runs,
/// hence serde).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FleetSort {
    /// Names (then fingerprint): the inventory's own order.
    Name,
    /// Type and size.
    Algorithm,
    /// Comment.
    Comment,
    /// Number of accounts holding it.
    Accounts,
    /// Whether (and where) it is on this computer.
    Local,
    /// Oldest creation date.
    Oldest,
    /// Number of hygiene flags.
    Flags,
    /// Earliest expiry date of a copy.
    Expires,
}

/// Which keys the flag filters keep: with any ticked, a key must have at
/// least one of the ticked findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlagFilter {
    /// RSA below 3072 bits, DSA (strict: ECDSA P-256).
    pub weak: bool,
    /// Older than the chosen age.
    pub old: bool,
    /// On more accounts than the chosen number.
    pub widespread: bool,
    /// On an account but not on this computer.
    pub not_local: bool,
    /// No public material known.
    pub unknown_fingerprint: bool,
    /// `~/.ssh/config` names a file that is not there.
    pub missing_key: bool,
    /// An account reports a fingerprint that is not its public key's.
    pub fingerprint_mismatch: bool,
    /// A copy expired or expiring within the chosen days.
    pub expiring: bool,
    /// In the ssh-agent, but on no account.
    pub agent_no_account: bool,
}

impl FlagFilter {
    fn any(self) -> bool {
        self.weak
            || self.old
            || self.widespread
            || self.not_local
            || self.unknown_fingerprint
            || self.missing_key
            || self.fingerprint_mismatch
            || self.expiring
            || self.agent_no_account
    }

    fn keeps(self, key: &KeyGroup) -> bool {
        if !self.any() {
            return true;
        }
        let has = |flag| key.flags.contains(&flag);
        (self.weak && has(Flag::Weak))
            || (self.old && has(Flag::Old))
            || (self.widespread && has(Flag::Widespread))
            || (self.not_local && has(Flag::NotOnThisComputer))
            || (self.unknown_fingerprint && key.sha256.is_none() && key.missing_path.is_none())
            || (self.missing_key && has(Flag::ConfigNamesMissingKey))
            || (self.fingerprint_mismatch && has(Flag::FingerprintMismatch))
            || (self.expiring && (has(Flag::Expired) || has(Flag::ExpiresSoon)))
            || (self.agent_no_account && has(Flag::InAgentOnNoAccount))
    }
}

/// The table's state.
#[derive(Debug, Default)]
pub struct FleetTable {
    snapshot: Option<Arc<FleetSnapshot>>,
    filter: String,
    flags: FlagFilter,
    sort: Option<(FleetSort, bool)>,
    /// Indices into the snapshot's keys, in display order.
    visible: Vec<usize>,
    /// Index of the selected key in the snapshot's keys.
    selected: Option<usize>,
}

/// What identifies a key across rebuilds: its fingerprint, else its first
/// account copy, else its first file.
fn identity(key: &KeyGroup) -> (Option<&str>, Option<(&str, &str)>, Option<&str>) {
    (
        key.sha256.as_deref(),
        key.accounts
            .first()
            .map(|holding| (holding.profile_id.as_str(), holding.key_id.as_str())),
        key.local_paths.first().map(String::as_str),
    )
}

impl FleetTable {
    /// Shows a newly built inventory, keeping filter, sort and (if the key
    /// is still there) the selection.
    pub fn set_snapshot(&mut self, snapshot: Arc<FleetSnapshot>) {
        let selected = self.selected_key().map(|key| {
            let (sha, holding, path) = identity(key);
            (
                sha.map(str::to_string),
                holding.map(|(a, b)| (a.to_string(), b.to_string())),
                path.map(str::to_string),
            )
        });
        self.selected = selected.and_then(|(sha, holding, path)| {
            snapshot.inventory.keys.iter().position(|key| {
                let (s, h, p) = identity(key);
                match &sha {
                    Some(sha) => s == Some(sha.as_str()),
                    None => {
                        s.is_none()
                            && h == holding.as_ref().map(|(a, b)| (a.as_str(), b.as_str()))
                            && p == path.as_deref()
                    }
                }
            })
        });
        self.snapshot = Some(snapshot);
        self.recompute();
    }

    /// The inventory shown, if one was built.
    pub fn snapshot(&self) -> Option<&Arc<FleetSnapshot>> {
        self.snapshot.as_ref()
    }

    /// The filter text as typed.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Filters by names, fingerprint, type, comment, accounts and paths
    /// (ignoring case).
    pub fn set_filter(&mut self, filter: &str) {
        if filter != self.filter {
            self.filter = filter.to_string();
            self.recompute();
        }
    }

    /// The flag filters.
    pub fn flag_filter(&self) -> FlagFilter {
        self.flags
    }

    /// Changes the flag filters.
    pub fn set_flag_filter(&mut self, flags: FlagFilter) {
        if flags != self.flags {
            self.flags = flags;
            self.recompute();
        }
    }

    /// The sort, if any: column and ascending.
    pub fn sort(&self) -> Option<(FleetSort, bool)> {
        self.sort
    }

    /// Sorts by `column`, ascending; again, descending.
    pub fn toggle_sort(&mut self, column: FleetSort) {
        self.sort = match self.sort {
            Some((current, ascending)) if current == column => Some((column, !ascending)),
            _ => Some((column, true)),
        };
        self.recompute();
    }

    /// Sets the sort (a remembered one at start-up); `None` is the
    /// inventory's own (name) order.
    pub fn set_sort(&mut self, sort: Option<(FleetSort, bool)>) {
        if self.sort != sort {
            self.sort = sort;
            self.recompute();
        }
    }

    /// Keys shown.
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// Keys in the inventory.
    pub fn len(&self) -> usize {
        self.snapshot
            .as_ref()
            .map_or(0, |snapshot| snapshot.inventory.keys.len())
    }

    /// True with no keys at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `n`th shown key, its texts, and whether it is selected.
    pub fn visible_row(&self, n: usize) -> Option<(&KeyGroup, &RowText, bool)> {
        let index = *self.visible.get(n)?;
        let snapshot = self.snapshot.as_ref()?;
        let key = snapshot.inventory.keys.get(index)?;
        let text = snapshot.rows.get(index)?;
        Some((key, text, self.selected == Some(index)))
    }

    /// Selects the `n`th shown key.
    pub fn select_visible(&mut self, n: usize) {
        self.selected = self.visible.get(n).copied();
    }

    /// Moves the selection among the shown rows (↑/↓, PgUp/PgDn,
    /// Home/End) and returns where it is now, for scrolling to it.
    pub fn move_selection(&mut self, movement: SelectionMove) -> Option<usize> {
        let at = self
            .selected
            .and_then(|selected| self.visible.iter().position(|&index| index == selected));
        let target = movement.target(at, self.visible.len())?;
        self.select_visible(target);
        Some(target)
    }

    /// The selected key.
    pub fn selected_key(&self) -> Option<&KeyGroup> {
        self.snapshot.as_ref()?.inventory.keys.get(self.selected?)
    }

    fn recompute(&mut self) {
        self.visible.clear();
        let Some(snapshot) = &self.snapshot else {
            return;
        };
        let keys = &snapshot.inventory.keys;
        let needle = self.filter.trim().to_lowercase();
        let finder = Finder::new(needle.as_bytes());
        let flags = self.flags;
        self.visible.extend((0..keys.len()).filter(|&index| {
            flags.keeps(&keys[index])
                && (needle.is_empty()
                    || snapshot
                        .search
                        .get(index)
                        .is_some_and(|text| finder.find(text.as_bytes()).is_some()))
        }));
        if let Some((column, ascending)) = self.sort {
            let order = |a: &usize, b: &usize| {
                let ordering = compare(&keys[*a], &keys[*b], column);
                // Ties keep the inventory's (name) order.
                let ordering = ordering.then(a.cmp(b));
                if ascending {
                    ordering
                } else {
                    ordering.reverse()
                }
            };
            self.visible.sort_by(order);
        }
    }
}

fn compare(a: &KeyGroup, b: &KeyGroup, column: FleetSort) -> Ordering {
    match column {
        // The inventory is already in name order.
        FleetSort::Name => Ordering::Equal,
        FleetSort::Algorithm => a.algorithm.cmp(&b.algorithm).then(a.bits.cmp(&b.bits)),
        FleetSort::Comment => a.comment.cmp(&b.comment),
        FleetSort::Accounts => a.accounts.len().cmp(&b.accounts.len()),
        FleetSort::Local => a.local_paths.first().cmp(&b.local_paths.first()),
        FleetSort::Oldest => crate::dates::compare(
            a.oldest_created_at.as_deref(),
            b.oldest_created_at.as_deref(),
        ),
        FleetSort::Flags => a.flags.len().cmp(&b.flags.len()),
        FleetSort::Expires => crate::dates::compare(
            a.earliest_expires_at.as_deref(),
            b.earliest_expires_at.as_deref(),
        ),
    }
}
