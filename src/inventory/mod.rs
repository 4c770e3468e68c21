//! The fleet inventory: every key across every account and this computer,
//! grouped by the SHA256 fingerprint of its public key.
//!
//! Pure and fast (no I/O): the caller lists the accounts and scans the
//! local folders ([`local::scan`]), then [`Inventory::build_with`] groups.
//! The serialised form is the stable `--json` output of
//! `keyfleet inventory`; it holds fingerprints, names, ids and dates, never
//! a secret.

pub mod agent;
pub mod export;
pub mod local;
pub mod ssh_config;
pub mod stats;

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

pub use export::ExportFormat;
pub use local::{LocalKey, LocalKeyKind, LocalProblem, LocalScan};
pub use stats::AGE_BUCKETS;

use crate::providers::{ApiError, ProviderKind, RemoteKey};
use crate::store::Profile;

/// Thresholds for the hygiene flags.
#[derive(Clone, Debug)]
pub struct InventoryOptions {
    /// Also flag ECDSA P-256 keys as weak.
    pub strict: bool,
    /// Flag keys whose oldest copy on an account is older than this.
    pub max_age_days: Option<u32>,
    /// Flag keys held by more than this many accounts.
    pub max_accounts: Option<usize>,
    /// Whether the local folders were scanned; without a scan "not on this
    /// computer" would be claimed of every key, so it is not flagged.
    pub local_scanned: bool,
    /// "Now", for the age and expiry flags.
    pub now: OffsetDateTime,
    /// Flag keys with a copy expiring within this many days ("expires
    /// soon"); a copy already past its expiry is always flagged "expired".
    pub expiring_days: Option<u32>,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        Self {
            strict: false,
            max_age_days: None,
            max_accounts: None,
            local_scanned: true,
            now: crate::clock::now_utc(),
            expiring_days: None,
        }
    }
}

/// A hygiene finding on one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// RSA below 3072 bits, DSA, or (strict) ECDSA P-256.
    Weak,
    /// Older than [`InventoryOptions::max_age_days`].
    Old,
    /// On more than [`InventoryOptions::max_accounts`] accounts.
    Widespread,
    /// On an account, but no file for it on this computer: who holds the
    /// private half?
    NotOnThisComputer,
    /// `~/.ssh/config` names this key's file, and there is no such file.
    ConfigNamesMissingKey,
    /// An account reports a fingerprint (DigitalOcean's and Hetzner's MD5)
    /// that is not the one of the public key it sent: it may store
    /// something other than what it shows. The reason is on the holding.
    FingerprintMismatch,
    /// A copy's expiry date has passed: the provider no longer accepts it.
    Expired,
    /// A copy expires within [`InventoryOptions::expiring_days`].
    ExpiresSoon,
    /// In the ssh-agent, but on no account: a key loaded for nothing, or
    /// for a server Keyfleet does not know.
    InAgentOnNoAccount,
}

impl Flag {
    /// Words for the window's Flags column.
    pub fn description(self) -> &'static str {
        match self {
            Self::Weak => "weak",
            Self::Old => "old",
            Self::Widespread => "widespread",
            Self::NotOnThisComputer => "not on this computer",
            Self::ConfigNamesMissingKey => "config names a missing key",
            Self::FingerprintMismatch => "provider's fingerprint disagrees",
            Self::Expired => "expired",
            Self::ExpiresSoon => "expires soon",
            Self::InAgentOnNoAccount => "in agent, on no account",
        }
    }

    /// Short text for the human table.
    pub fn label(self) -> &'static str {
        match self {
            Self::Weak => "weak",
            Self::Old => "old",
            Self::Widespread => "widespread",
            Self::NotOnThisComputer => "not-local",
            Self::ConfigNamesMissingKey => "config-missing-key",
            Self::FingerprintMismatch => "fingerprint-mismatch",
            Self::Expired => "expired",
            Self::ExpiresSoon => "expiring",
            Self::InAgentOnNoAccount => "agent-only",
        }
    }
}

/// One account's copy of a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Holding {
    /// The account's (profile's) name.
    pub account: String,
    /// The account's profile id (the window links to it).
    #[serde(skip)]
    pub profile_id: String,
    /// The provider.
    pub provider: ProviderKind,
    /// The provider's id of the key.
    pub key_id: String,
    /// The key's name on that account.
    pub name: String,
    /// Creation time as the provider gave it.
    pub created_at: Option<String>,
    /// The account shows no public key for this copy, and it joined its
    /// group only because its name equals a local private key's file name:
    /// it may be another key. Rotation and revoke leave it out unless the
    /// user ticks it.
    pub matched_by_name_only: bool,
    /// Why this copy's fingerprint is in doubt: the provider reported an
    /// MD5 that is not the one of the public key it sent
    /// ([`RemoteKey::fingerprint_warning`]). The copy is still grouped by
    /// the SHA256 of that public key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint_warning: Option<String>,
    /// When this copy stops working (RFC 3339, UTC), where the provider has
    /// expiry; `null` where it never expires or the provider has none.
    pub expires_at: Option<String>,
}

/// One distinct key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyGroup {
    /// `SHA256:…`; `None` when no public material is known ("fingerprint
    /// unknown": a private-key-only account with no matching local key, or
    /// a locked local key).
    pub sha256: Option<String>,
    /// Type as `ssh-keygen -l` names it, e.g. `RSA 4096`.
    pub algorithm: Option<String>,
    /// Key size in bits, where known.
    pub bits: Option<u32>,
    /// The public key's comment, where there is one.
    pub comment: Option<String>,
    /// Files on this computer holding this key (public or private).
    pub local_paths: Vec<String>,
    /// The accounts holding it, in account order.
    pub accounts: Vec<Holding>,
    /// Hygiene findings, sorted.
    pub flags: Vec<Flag>,
    /// The distinct names it has on accounts (else its file name).
    #[serde(skip)]
    pub names: Vec<String>,
    /// The oldest `created_at` among its copies.
    #[serde(skip)]
    pub oldest_created_at: Option<String>,
    /// The `Host` patterns of `~/.ssh/config` whose `IdentityFile` is this
    /// key ("Used by hosts").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_by_hosts: Vec<String>,
    /// For a [`Flag::ConfigNamesMissingKey`] row: the file the config names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_path: Option<String>,
    /// The earliest `expires_at` among its copies.
    #[serde(skip)]
    pub earliest_expires_at: Option<String>,
}

impl KeyGroup {
    fn new(sha256: Option<String>) -> Self {
        Self {
            sha256,
            algorithm: None,
            bits: None,
            comment: None,
            local_paths: Vec::new(),
            accounts: Vec::new(),
            flags: Vec::new(),
            names: Vec::new(),
            oldest_created_at: None,
            used_by_hosts: Vec::new(),
            missing_path: None,
            earliest_expires_at: None,
        }
    }

    /// What to call the key in a table: its names, else its file.
    pub fn display_name(&self) -> String {
        if !self.names.is_empty() {
            return self.names.join(", ");
        }
        self.local_paths
            .first()
            .or(self.missing_path.as_ref())
            .map(|path| {
                std::path::Path::new(path)
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.clone())
            })
            .unwrap_or_default()
    }

    fn add_name(&mut self, name: &str) {
        if !self.names.iter().any(|known| known == name) {
            self.names.push(name.to_string());
        }
    }

    /// Adds an account's copy: its name, type, age, weakness and holding.
    fn add_copy(
        &mut self,
        profile: &Profile,
        provider: ProviderKind,
        key: &RemoteKey,
        matched_by_name_only: bool,
    ) {
        self.fill_type(key.algorithm_shown(), key.comment.as_deref());
        self.add_name(&key.name);
        if let Some(created) = key.created_at.as_deref()
            && self
                .oldest_created_at
                .as_deref()
                .is_none_or(|oldest| earlier(created, oldest))
        {
            self.oldest_created_at = Some(crate::dates::rfc3339(created));
        }
        let expires_at = key.expires_at.as_deref().map(crate::dates::rfc3339);
        if let Some(expires) = expires_at.as_deref()
            && self
                .earliest_expires_at
                .as_deref()
                .is_none_or(|earliest| earlier(expires, earliest))
        {
            self.earliest_expires_at = Some(expires.to_string());
        }
        if key.weak && !self.flags.contains(&Flag::Weak) {
            self.flags.push(Flag::Weak);
        }
        if key.fingerprint_warning.is_some() && !self.flags.contains(&Flag::FingerprintMismatch) {
            self.flags.push(Flag::FingerprintMismatch);
        }
        self.accounts.push(Holding {
            account: profile.name.clone(),
            profile_id: profile.id.clone(),
            provider,
            key_id: key.id.clone(),
            name: key.name.to_string(),
            created_at: key.created_at.as_deref().map(crate::dates::rfc3339),
            matched_by_name_only,
            fingerprint_warning: key.fingerprint_warning.clone(),
            expires_at,
        });
    }

    fn fill_type(&mut self, label: Option<&str>, comment: Option<&str>) {
        if self.algorithm.is_none()
            && let Some(label) = label
        {
            self.algorithm = Some(label.to_string());
            self.bits = label_bits(label);
        }
        if self.comment.is_none() {
            self.comment = comment.filter(|c| !c.is_empty()).map(str::to_string);
        }
    }
}

/// An account that could not be listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountError {
    /// The account's name.
    pub account: String,
    /// Why (already redacted by the provider layer).
    pub message: String,
}

/// Every key, grouped, with the accounts that failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Inventory {
    /// One entry per distinct key, sorted by name then fingerprint.
    pub keys: Vec<KeyGroup>,
    /// Accounts whose keys could not be listed; the others are still shown.
    pub errors: Vec<AccountError>,
}

/// Size from an `ssh-keygen -l` label: `RSA 4096` → 4096, `ECDSA P-256` →
/// 256, `ED25519` → 256.
pub fn label_bits(label: &str) -> Option<u32> {
    let (family, size) = match label.split_once(' ') {
        Some((family, size)) => (family, Some(size)),
        None => (label, None),
    };
    match size {
        Some(size) => size.trim_start_matches("P-").parse().ok(),
        None if family.starts_with("ED25519") || family.starts_with("ECDSA-SK") => Some(256),
        None => None,
    }
}

/// Whether a key of this `ssh-keygen -l` label is weak by the inventory's
/// rules: RSA below 3072 bits and DSA always, ECDSA P-256 when `strict`.
pub fn label_is_weak(label: &str, strict: bool) -> bool {
    let family = label.split(' ').next().unwrap_or_default();
    let family = family.strip_suffix("-CERT").unwrap_or(family);
    match family {
        "DSA" => true,
        "RSA" => label_bits(label).is_some_and(|bits| bits < 3072),
        "ECDSA" => strict && label_bits(label) == Some(256),
        _ => false,
    }
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    crate::dates::instant(text)
}

/// True when `candidate` is earlier than `current` (by time when both
/// parse, else as text, which orders same-offset RFC 3339 correctly).
fn earlier(candidate: &str, current: &str) -> bool {
    crate::dates::compare(Some(candidate), Some(current)).is_lt()
}

impl Inventory {
    /// Groups with the default options (no age or account limits, not
    /// strict, `local` taken as a complete scan).
    pub fn build(
        accounts: &[(Profile, Result<Vec<RemoteKey>, ApiError>)],
        local: &[LocalKey],
    ) -> Inventory {
        Self::build_with(accounts, local, &InventoryOptions::default())
    }

    /// Groups every account's keys and the local keys by fingerprint and
    /// sets the hygiene flags. A key with no public material joins the
    /// group of the one local private key whose file name equals its name,
    /// else stands alone as "fingerprint unknown".
    pub fn build_with(
        accounts: &[(Profile, Result<Vec<RemoteKey>, ApiError>)],
        local: &[LocalKey],
        options: &InventoryOptions,
    ) -> Inventory {
        Self::build_from(
            accounts
                .iter()
                .map(|(profile, keys)| (profile, keys.as_ref().map(Vec::as_slice))),
            local,
            options,
        )
    }

    /// [`build_with`](Self::build_with) over borrowed key lists, as the
    /// window holds them (shared with its tables).
    pub fn build_from<'a, I>(
        accounts: I,
        local: &[LocalKey],
        options: &InventoryOptions,
    ) -> Inventory
    where
        I: IntoIterator<Item = (&'a Profile, Result<&'a [RemoteKey], &'a ApiError>)>,
        I::IntoIter: Clone,
    {
        let accounts = accounts.into_iter();
        let total: usize = accounts
            .clone()
            .map(|(_, keys)| keys.map_or(0, <[RemoteKey]>::len))
            .sum();
        let mut groups: Vec<KeyGroup> = Vec::with_capacity(total.min(1 << 20) + local.len());
        let mut by_sha: HashMap<&str, usize> = HashMap::with_capacity(groups.capacity());

        // Local keys first, so private-key-only remote keys can find them.
        let local_group = group_local_keys(local, &mut groups, &mut by_sha);
        let by_private_name = private_key_names(local, &local_group);

        let mut errors = Vec::new();
        for (profile, listed) in accounts {
            let keys = match listed {
                Ok(keys) => keys,
                Err(err) => {
                    errors.push(AccountError {
                        account: profile.name.clone(),
                        message: err.message.clone(),
                    });
                    continue;
                }
            };
            let provider = profile.provider();
            for key in keys {
                // Without public material, a local file of the same name is
                // the only link: kept, but marked as a match by name only.
                let (index, matched_by_name_only) = match key.fingerprint_sha256.as_deref() {
                    Some(sha) => {
                        let index = *by_sha.entry(sha).or_insert_with(|| {
                            groups.push(KeyGroup::new(Some(sha.to_string())));
                            groups.len() - 1
                        });
                        (index, false)
                    }
                    None => match by_private_name.get(key.name.as_str()) {
                        Some(&index) => (index, true),
                        None => {
                            groups.push(KeyGroup::new(None));
                            (groups.len() - 1, false)
                        }
                    },
                };
                groups[index].add_copy(profile, provider, key, matched_by_name_only);
            }
        }
        drop(by_sha);

        for group in &mut groups {
            set_flags(group, options);
        }
        let groups = sorted(groups);
        Inventory {
            keys: groups,
            errors,
        }
    }
}

impl Inventory {
    /// Adds what `~/.ssh/config` says: each key's "Used by hosts", and a
    /// row flagged [`Flag::ConfigNamesMissingKey`] per missing file it
    /// names (with the hosts naming it), after the other local-only keys.
    pub fn add_hosts(&mut self, hosts: &ssh_config::SshHosts) {
        use ssh_config::IdentityState;
        for entry in &hosts.entries {
            let group = match &entry.state {
                IdentityState::Key { sha256: Some(sha) } => self
                    .keys
                    .iter_mut()
                    .find(|group| group.sha256.as_deref() == Some(sha.as_str())),
                IdentityState::Missing => Some(self.missing_row(&entry.path)),
                IdentityState::Key { sha256: None } | IdentityState::Unreadable { .. } => None,
            };
            if let Some(group) = group
                && !group.used_by_hosts.contains(&entry.hosts)
            {
                group.used_by_hosts.push(entry.hosts.clone());
            }
        }
    }

    fn missing_row(&mut self, path: &std::path::Path) -> &mut KeyGroup {
        let shown = path.display().to_string();
        let index = match self
            .keys
            .iter()
            .position(|group| group.missing_path.as_deref() == Some(shown.as_str()))
        {
            Some(index) => index,
            None => {
                let mut group = KeyGroup::new(None);
                group.missing_path = Some(shown);
                group.flags.push(Flag::ConfigNamesMissingKey);
                self.keys.push(group);
                self.keys.len() - 1
            }
        };
        &mut self.keys[index]
    }
}

/// Puts each local key in its fingerprint's group (a new one if needed; a
/// locked key alone) and returns the group of each, in order.
fn group_local_keys<'a>(
    local: &'a [LocalKey],
    groups: &mut Vec<KeyGroup>,
    by_sha: &mut HashMap<&'a str, usize>,
) -> Vec<usize> {
    let mut local_group: Vec<usize> = Vec::with_capacity(local.len());
    for key in local {
        let index = match key.sha256.as_deref() {
            Some(sha) => *by_sha.entry(sha).or_insert_with(|| {
                groups.push(KeyGroup::new(Some(sha.to_string())));
                groups.len() - 1
            }),
            None => {
                groups.push(KeyGroup::new(None));
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        group.local_paths.push(key.path.display().to_string());
        group.fill_type(key.algorithm_label.as_deref(), Some(&key.comment));
        local_group.push(index);
    }
    local_group
}

/// Named (account) keys first by name (ignoring case), then local-only keys
/// by path. The sort keys borrow from the groups (lower-casing only names
/// that need it) and the groups are then moved into place: cloning every
/// group's strings for the sort took a third of the grouping time.
fn sorted(groups: Vec<KeyGroup>) -> Vec<KeyGroup> {
    // The first 16 bytes inline, so most comparisons touch no string.
    type SortKey<'a> = (
        bool,
        u128,
        Cow<'a, str>,
        Option<&'a str>,
        Option<&'a str>,
        usize,
    );
    let mut order: Vec<SortKey<'_>> = groups
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let name = group.names.first().map_or(Cow::Borrowed(""), |name| {
                if name.chars().any(char::is_uppercase) {
                    Cow::Owned(name.to_lowercase())
                } else {
                    Cow::Borrowed(name.as_str())
                }
            });
            (
                group.names.is_empty(),
                prefix(&name),
                name,
                group.sha256.as_deref(),
                group.local_paths.first().map(String::as_str),
                index,
            )
        })
        .collect();
    order.sort_unstable();
    let order: Vec<usize> = order.into_iter().map(|key| key.5).collect();
    let mut slots: Vec<Option<KeyGroup>> = groups.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|index| slots.get_mut(index).and_then(Option::take))
        .collect()
}

/// The first 16 bytes of `text`, zero-padded, ordered as the text is.
fn prefix(text: &str) -> u128 {
    let mut bytes = [0u8; 16];
    for (slot, byte) in bytes.iter_mut().zip(text.bytes()) {
        *slot = byte;
    }
    u128::from_be_bytes(bytes)
}

/// Local private key file names → their group, for keys an account stores
/// without public material. A name two files share matches neither.
fn private_key_names<'a>(local: &'a [LocalKey], groups: &[usize]) -> HashMap<&'a str, usize> {
    let mut names: HashMap<&str, Option<usize>> = HashMap::new();
    for (key, &group) in local.iter().zip(groups) {
        if key.private_key_path.is_none() {
            continue;
        }
        let Some(stem) = key.stem() else { continue };
        names
            .entry(stem)
            .and_modify(|known| {
                if *known != Some(group) {
                    *known = None;
                }
            })
            .or_insert(Some(group));
    }
    names
        .into_iter()
        .filter_map(|(name, group)| group.map(|group| (name, group)))
        .collect()
}

fn set_flags(group: &mut KeyGroup, options: &InventoryOptions) {
    if let Some(label) = group.algorithm.as_deref()
        && label_is_weak(label, options.strict)
        && !group.flags.contains(&Flag::Weak)
    {
        group.flags.push(Flag::Weak);
    }
    if let (Some(days), Some(oldest)) = (options.max_age_days, group.oldest_created_at.as_deref())
        && let Some(created) = parse_time(oldest)
        && options.now - created > time::Duration::days(i64::from(days))
    {
        group.flags.push(Flag::Old);
    }
    // Distinct accounts can only exceed the limit if the holdings do.
    if let Some(limit) = options.max_accounts
        && group.accounts.len() > limit
    {
        let mut distinct: Vec<&str> = group.accounts.iter().map(|h| h.account.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > limit {
            group.flags.push(Flag::Widespread);
        }
    }
    if options.local_scanned && group.local_paths.is_empty() && !group.accounts.is_empty() {
        group.flags.push(Flag::NotOnThisComputer);
    }
    if let Some(flag) = expiry_flag(group.earliest_expires_at.as_deref(), options) {
        group.flags.push(flag);
    }
    group.flags.sort_unstable();
}

/// "expired" when the earliest expiry is not after `now` (GitLab's rule: a
/// key is expired from its `expires_at` on), "expires soon" when it is
/// within [`InventoryOptions::expiring_days`]. An unreadable date flags
/// nothing.
fn expiry_flag(earliest: Option<&str>, options: &InventoryOptions) -> Option<Flag> {
    let expires = parse_time(earliest?)?;
    if expires <= options.now {
        return Some(Flag::Expired);
    }
    let days = options.expiring_days?;
    (expires - options.now <= time::Duration::days(i64::from(days))).then_some(Flag::ExpiresSoon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{ApiErrorKind, ProviderKind};
    use std::path::PathBuf;

    fn profile(kind: ProviderKind, name: &str) -> Profile {
        let mut profile = Profile::new(kind);
        profile.name = name.into();
        profile
    }

    fn remote(id: &str, name: &str, sha: &str, label: &str, created: &str) -> RemoteKey {
        RemoteKey {
            id: id.into(),
            name: name.into(),
            fingerprint_sha256: Some(sha.into()),
            algorithm_label: Some(label.into()),
            created_at: Some(created.into()),
            ..RemoteKey::default()
        }
    }

    /// A Terraform key: a name, no public material.
    fn private_only(id: &str, name: &str) -> RemoteKey {
        RemoteKey {
            id: id.into(),
            name: name.into(),
            created_at: Some("2025-01-01T00:00:00Z".into()),
            ..RemoteKey::default()
        }
    }

    fn local(path: &str, sha: Option<&str>, kind: LocalKeyKind, private: bool) -> LocalKey {
        LocalKey {
            path: PathBuf::from(path),
            sha256: sha.map(str::to_string),
            algorithm_label: sha.map(|_| "ED25519".to_string()),
            bits: sha.map(|_| 256),
            comment: "me@laptop".into(),
            kind,
            private_key_path: private.then(|| PathBuf::from(path.trim_end_matches(".pub"))),
            public_key: None,
        }
    }

    fn group<'a>(inventory: &'a Inventory, sha: &str) -> &'a KeyGroup {
        inventory
            .keys
            .iter()
            .find(|g| g.sha256.as_deref() == Some(sha))
            .unwrap_or_else(|| panic!("no group {sha} in {inventory:#?}"))
    }

    fn options() -> InventoryOptions {
        InventoryOptions {
            now: OffsetDateTime::parse(
                "2026-01-01T00:00:00Z",
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap(),
            ..InventoryOptions::default()
        }
    }

    #[test]
    fn groups_one_key_across_accounts_and_keeps_failures() {
        let accounts = vec![
            (
                profile(ProviderKind::Gcore, "prod"),
                Ok(vec![
                    remote(
                        "g1",
                        "laptop",
                        "SHA256:shared",
                        "ED25519",
                        "2025-06-01T00:00:00Z",
                    ),
                    remote("g2", "ci", "SHA256:ci", "ED25519", "2025-06-01T00:00:00Z"),
                ]),
            ),
            (
                profile(ProviderKind::Sesterce, "gpu"),
                Err(ApiError::new(ApiErrorKind::Network, "connection refused")),
            ),
            (
                profile(ProviderKind::Github, "gh"),
                Ok(vec![remote(
                    "7",
                    "my laptop",
                    "SHA256:shared",
                    "ED25519",
                    "2024-03-01T10:00:00+02:00",
                )]),
            ),
        ];
        let inventory = Inventory::build_with(&accounts, &[], &options());
        assert_eq!(inventory.keys.len(), 2);
        let shared = group(&inventory, "SHA256:shared");
        assert_eq!(shared.names, ["laptop", "my laptop"]);
        assert_eq!(shared.accounts.len(), 2);
        assert_eq!(shared.accounts[0].account, "prod");
        assert_eq!(shared.accounts[0].provider, ProviderKind::Gcore);
        assert_eq!(shared.accounts[0].key_id, "g1");
        assert_eq!(shared.accounts[1].account, "gh");
        assert_eq!(shared.accounts[1].name, "my laptop");
        // The earliest instant, in UTC (see `crate::dates`).
        assert_eq!(
            shared.oldest_created_at.as_deref(),
            Some("2024-03-01T08:00:00Z")
        );
        assert_eq!(shared.bits, Some(256));
        assert_eq!(
            inventory.errors,
            [AccountError {
                account: "gpu".into(),
                message: "connection refused".into()
            }]
        );
        // Sorted by name: "ci" before "laptop".
        assert_eq!(inventory.keys[0].names, ["ci"]);
    }

    #[test]
    fn local_keys_join_groups_and_private_only_keys_match_by_file_name() {
        let accounts = vec![
            (
                profile(ProviderKind::Gcore, "prod"),
                Ok(vec![remote(
                    "g1",
                    "laptop",
                    "SHA256:laptop",
                    "ED25519",
                    "2025-06-01T00:00:00Z",
                )]),
            ),
            (
                profile(ProviderKind::Terraform, "tf"),
                Ok(vec![
                    private_only("sshkey-1", "deploy"),
                    private_only("sshkey-2", "nowhere"),
                    private_only("sshkey-3", "pubonly"),
                ]),
            ),
        ];
        let local = vec![
            local(
                "/h/.ssh/id_ed25519.pub",
                Some("SHA256:laptop"),
                LocalKeyKind::Public,
                true,
            ),
            local(
                "/h/.ssh/deploy",
                Some("SHA256:deploy"),
                LocalKeyKind::PrivateWithoutPub,
                true,
            ),
            // A .pub with no private key beside it proves nothing about a
            // private-key-only account.
            local(
                "/h/.ssh/pubonly.pub",
                Some("SHA256:pubonly"),
                LocalKeyKind::Public,
                false,
            ),
            local("/h/.ssh/old", None, LocalKeyKind::Locked, true),
        ];
        let inventory = Inventory::build_with(&accounts, &local, &options());
        let laptop = group(&inventory, "SHA256:laptop");
        assert_eq!(laptop.local_paths, ["/h/.ssh/id_ed25519.pub"]);
        assert_eq!(laptop.comment.as_deref(), Some("me@laptop"));
        assert!(!laptop.flags.contains(&Flag::NotOnThisComputer));

        let deploy = group(&inventory, "SHA256:deploy");
        assert_eq!(deploy.accounts.len(), 1);
        assert_eq!(deploy.accounts[0].key_id, "sshkey-1");
        assert!(
            deploy.accounts[0].matched_by_name_only,
            "joined by its file name alone"
        );
        assert!(!laptop.accounts[0].matched_by_name_only, "by fingerprint");
        assert_eq!(deploy.local_paths, ["/h/.ssh/deploy"]);

        assert!(group(&inventory, "SHA256:pubonly").accounts.is_empty());
        let unknown: Vec<_> = inventory
            .keys
            .iter()
            .filter(|g| g.sha256.is_none() && !g.accounts.is_empty())
            .map(|g| g.names.clone())
            .collect();
        assert_eq!(
            unknown,
            [vec!["nowhere".to_string()], vec!["pubonly".to_string()]]
        );
        // The locked key is listed by its file.
        let locked = inventory
            .keys
            .iter()
            .find(|g| g.local_paths == ["/h/.ssh/old"])
            .unwrap();
        assert_eq!(locked.sha256, None);
        assert_eq!(locked.display_name(), "old");
        assert_eq!(inventory.keys.len(), 6);
    }

    /// Expired from its `expires_at` on; "expires soon" within the days
    /// asked (none without); "now" is the options' clock, not the system's.
    #[test]
    fn expiry_flags_follow_the_options_clock() {
        let expiring = |id: &str, sha: &str, expires: Option<&str>| RemoteKey {
            expires_at: expires.map(Into::into),
            ..remote(id, id, sha, "ED25519", "2025-06-01T00:00:00Z")
        };
        let accounts = vec![(
            profile(ProviderKind::Gitlab, "gl"),
            Ok(vec![
                expiring("past", "SHA256:past", Some("2025-12-31T00:00:00.000Z")),
                expiring("today", "SHA256:today", Some("2026-01-01T00:00:00.000Z")),
                expiring("soon", "SHA256:soon", Some("2026-01-10T00:00:00.000Z")),
                expiring("later", "SHA256:later", Some("2026-03-01T00:00:00.000Z")),
                expiring("never", "SHA256:never", None),
                expiring("garbled", "SHA256:garbled", Some("next tuesday")),
            ]),
        )];
        let flags = |options: &InventoryOptions, sha: &str| {
            let inventory = Inventory::build_with(&accounts, &[], options);
            let group = group(&inventory, sha);
            let flags = group.flags.clone();
            (flags, group.accounts[0].expires_at.clone())
        };
        let mut with_days = options();
        with_days.expiring_days = Some(14);
        with_days.local_scanned = false;
        assert_eq!(
            flags(&with_days, "SHA256:past"),
            (vec![Flag::Expired], Some("2025-12-31T00:00:00Z".into()))
        );
        assert_eq!(flags(&with_days, "SHA256:today").0, [Flag::Expired]);
        assert_eq!(flags(&with_days, "SHA256:soon").0, [Flag::ExpiresSoon]);
        assert!(flags(&with_days, "SHA256:later").0.is_empty());
        assert_eq!(flags(&with_days, "SHA256:never"), (vec![], None));
        assert!(flags(&with_days, "SHA256:garbled").0.is_empty());
        let mut without = with_days.clone();
        without.expiring_days = None;
        assert!(flags(&without, "SHA256:soon").0.is_empty());
        assert_eq!(flags(&without, "SHA256:past").0, [Flag::Expired]);
        // The JSON carries each copy's expiry.
        let json = serde_json::to_value(Inventory::build_with(&accounts, &[], &with_days)).unwrap();
        let past = json["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|key| key["sha256"] == "SHA256:past")
            .unwrap();
        assert_eq!(past["accounts"][0]["expires_at"], "2025-12-31T00:00:00Z");
        assert_eq!(past["flags"][0], "expired");
    }

    #[test]
    fn hygiene_flags() {
        let accounts: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|name| {
                (
                    profile(ProviderKind::Github, name),
                    Ok(vec![
                        remote(
                            "1",
                            "everywhere",
                            "SHA256:e",
                            "ED25519",
                            "2025-12-01T00:00:00Z",
                        ),
                        remote(
                            "2",
                            "rsa2048",
                            &format!("SHA256:r{name}"),
                            "RSA 2048",
                            "2025-12-01T00:00:00Z",
                        ),
                        remote(
                            "3",
                            "p256",
                            &format!("SHA256:p{name}"),
                            "ECDSA P-256",
                            "2020-01-01T00:00:00Z",
                        ),
                        remote(
                            "4",
                            "rsa3072",
                            &format!("SHA256:t{name}"),
                            "RSA 3072",
                            "not a date",
                        ),
                        remote(
                            "5",
                            "dsa",
                            &format!("SHA256:d{name}"),
                            "DSA 1024",
                            "2025-12-01T00:00:00Z",
                        ),
                    ]),
                )
            })
            .collect();
        let local = vec![local(
            "/k.pub",
            Some("SHA256:e"),
            LocalKeyKind::Public,
            true,
        )];
        let mut opts = options();
        opts.max_age_days = Some(365);
        opts.max_accounts = Some(2);
        let inventory = Inventory::build_with(&accounts, &local, &opts);
        assert_eq!(group(&inventory, "SHA256:e").flags, [Flag::Widespread]);
        assert_eq!(
            group(&inventory, "SHA256:ra").flags,
            [Flag::Weak, Flag::NotOnThisComputer]
        );
        assert_eq!(
            group(&inventory, "SHA256:da").flags,
            [Flag::Weak, Flag::NotOnThisComputer]
        );
        assert_eq!(
            group(&inventory, "SHA256:pa").flags,
            [Flag::Old, Flag::NotOnThisComputer]
        );
        assert_eq!(
            group(&inventory, "SHA256:ta").flags,
            [Flag::NotOnThisComputer]
        );

        opts.strict = true;
        opts.local_scanned = false;
        let inventory = Inventory::build_with(&accounts, &local, &opts);
        assert_eq!(
            group(&inventory, "SHA256:pa").flags,
            [Flag::Weak, Flag::Old]
        );
        assert_eq!(group(&inventory, "SHA256:ta").flags, []);
    }

    #[test]
    fn sorted_by_name_ignoring_case_then_local_only_keys() {
        let names = [
            "a-very-long-common-prefix-2",
            "Zeta",
            "a-very-long-common-prefix-1",
            "alpha",
            "Beta",
        ];
        let keys: Vec<RemoteKey> = names
            .iter()
            .enumerate()
            .map(|(i, name)| remote(&i.to_string(), name, &format!("SHA256:{i}"), "ED25519", ""))
            .collect();
        let accounts = vec![(profile(ProviderKind::Github, "gh"), Ok(keys))];
        let local = vec![local(
            "/k.pub",
            Some("SHA256:local"),
            LocalKeyKind::Public,
            false,
        )];
        let inventory = Inventory::build_with(&accounts, &local, &options());
        let order: Vec<String> = inventory.keys.iter().map(KeyGroup::display_name).collect();
        assert_eq!(
            order,
            [
                "a-very-long-common-prefix-1",
                "a-very-long-common-prefix-2",
                "alpha",
                "Beta",
                "Zeta",
                "k.pub"
            ]
        );
    }

    #[test]
    fn labels() {
        assert_eq!(label_bits("RSA 4096"), Some(4096));
        assert_eq!(label_bits("ECDSA P-521"), Some(521));
        assert_eq!(label_bits("ED25519"), Some(256));
        assert_eq!(label_bits("RSA-CERT 2048"), Some(2048));
        assert_eq!(label_bits("ssh-unknown"), None);
        assert!(label_is_weak("RSA-CERT 2048", false));
        assert!(!label_is_weak("RSA 3072", true));
        assert!(!label_is_weak("ECDSA P-384", true));
        assert!(!label_is_weak("ED25519", true));
        assert!(!label_is_weak("ECDSA P-256", false));
    }

    #[test]
    fn json_has_the_documented_shape() {
        let key = RemoteKey {
            id: "k1".into(),
            name: "laptop".into(),
            public_key: Some(
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB me@laptop"
                    .into(),
            ),
            created_at: Some("2025-06-01T00:00:00Z".into()),
            ..RemoteKey::default()
        }
        .with_local_fingerprints();
        let accounts = vec![
            (profile(ProviderKind::Gcore, "prod"), Ok(vec![key])),
            (
                profile(ProviderKind::Sesterce, "gpu"),
                Err(ApiError::new(ApiErrorKind::BadCredentials, "token refused")),
            ),
        ];
        let mut opts = options();
        opts.local_scanned = false;
        let json = serde_json::to_value(Inventory::build_with(&accounts, &[], &opts)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "keys": [{
                    "sha256": "SHA256:/0ANFQW2kyjkt6GDNlS8EXRBpxK7IpBgphofzu/m9eI",
                    "algorithm": "ED25519",
                    "bits": 256,
                    "comment": "me@laptop",
                    "local_paths": [],
                    "accounts": [{
                        "account": "prod",
                        "provider": "gcore",
                        "key_id": "k1",
                        "name": "laptop",
                        "created_at": "2025-06-01T00:00:00Z",
                        "matched_by_name_only": false,
                        "expires_at": null
                    }],
                    "flags": []
                }],
                "errors": [{"account": "gpu", "message": "token refused"}]
            })
        );
    }

    /// A key whose provider reports another key's MD5 groups by the SHA256
    /// of the public key it sent: with its true twin on another account,
    /// never with the key whose MD5 was claimed; it is flagged, and the
    /// reason stays on that account's copy (also in `--json`).
    #[test]
    fn a_lying_md5_groups_by_the_local_sha256_and_is_flagged() {
        const TWIN: &str =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB twin";
        const DECOY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFXQqwatxgCjrOTrTfN3KKl4+fXQUdKgzVAa6oXp02nB decoy";
        let reported = |id: &str, name: &str, line: &str| {
            RemoteKey {
                id: id.into(),
                name: name.into(),
                public_key: Some(line.into()),
                ..RemoteKey::default()
            }
            .with_local_fingerprints()
        };
        let decoy_md5 = reported("x", "x", DECOY).fingerprint_md5.unwrap();
        let lying = reported("7", "twin on droplets", TWIN).check_server_md5(&decoy_md5);
        let accounts = vec![
            (
                profile(ProviderKind::Digitalocean, "droplets"),
                Ok(vec![lying.clone()]),
            ),
            (
                profile(ProviderKind::Github, "code"),
                Ok(vec![
                    reported("1", "twin", TWIN),
                    reported("2", "decoy", DECOY),
                ]),
            ),
        ];
        let inventory = Inventory::build_with(&accounts, &[], &options());
        assert_eq!(inventory.keys.len(), 2);
        let twin = group(&inventory, lying.fingerprint_sha256.as_deref().unwrap());
        let holders: Vec<(&str, Option<&str>)> = twin
            .accounts
            .iter()
            .map(|h| (h.account.as_str(), h.fingerprint_warning.as_deref()))
            .collect();
        assert_eq!(
            holders,
            [
                ("droplets", lying.fingerprint_warning.as_deref()),
                ("code", None)
            ]
        );
        assert!(twin.flags.contains(&Flag::FingerprintMismatch));
        let decoy = inventory
            .keys
            .iter()
            .find(|g| g.names == ["decoy"])
            .unwrap();
        assert_eq!(decoy.accounts.len(), 1);
        assert!(!decoy.flags.contains(&Flag::FingerprintMismatch));
        let json = serde_json::to_value(&inventory).unwrap();
        let entries = json["keys"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|key| key["accounts"].as_array().unwrap().clone())
            .filter(|entry| entry.get("fingerprint_warning").is_some())
            .count();
        assert_eq!(entries, 1, "{json:#}");
    }
}
