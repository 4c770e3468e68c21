//! What a rotation will do, as data that can be shown, ticked, persisted
//! and resumed. Holds fingerprints, names, ids and a path: never a key or
//! a token.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::inventory::KeyGroup;
use crate::providers::{KeyScope, ProviderKind, ProviderSettings, RemoteKey, StoredMaterial};
use crate::store::Profile;

/// How one half of a step stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", content = "message", rename_all = "snake_case")]
pub enum StepState {
    /// Not tried yet.
    #[default]
    Pending,
    /// Done (or found already done on the server).
    Done,
    /// Tried and failed; the message is the provider layer's redacted one.
    Failed(String),
    /// Remove only: the old key was not there any more (someone else
    /// deleted it); nothing was deleted.
    AlreadyGone,
}

impl StepState {
    /// Done (or, for a remove, found already gone).
    pub fn is_done(&self) -> bool {
        matches!(self, Self::Done | Self::AlreadyGone)
    }

    /// Failed.
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed(_))
    }
}

/// Where the rotation stands as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Planned: nothing sent yet.
    #[default]
    Planned,
    /// Adding the new key.
    Adding,
    /// The new key is in place where its add succeeded; the old one is
    /// still everywhere, waiting for the user to test and confirm.
    Paused,
    /// Removing the old key.
    Removing,
    /// Every included account is rotated.
    Done,
}

/// The key being replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OldKeyInfo {
    /// Its `SHA256:…` fingerprint, when known.
    pub sha256: Option<String>,
    /// What the key is called (its names on the accounts).
    pub name: String,
}

impl OldKeyInfo {
    /// The fingerprint and name of an inventory key.
    pub fn of(group: &KeyGroup) -> Self {
        Self {
            sha256: group.sha256.clone(),
            name: group.display_name(),
        }
    }
}

/// The key replacing it. The private key itself is only in the file at
/// `private_key_path`, saved and verified before anything was sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKeyInfo {
    /// The name it gets on every account.
    pub name: String,
    /// Its `SHA256:…` fingerprint.
    pub sha256: String,
    /// Its OpenSSH public key line (public: safe to keep).
    pub public_key: String,
    /// The type, as `ssh-keygen -l` names it.
    pub algorithm: String,
    /// The saved private key file (accounts that store a private key,
    /// such as HCP Terraform, upload it from there).
    pub private_key_path: PathBuf,
}

/// Everything done to one account's copy of the old key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStep {
    /// The account's profile id.
    pub profile_id: String,
    /// The account's name when planned.
    pub account: String,
    /// The provider.
    pub provider: ProviderKind,
    /// The user kept this account in the rotation.
    pub included: bool,
    /// The old key is linked to this account's copy by name alone (the
    /// account shows no public key): planned unticked, and included only
    /// when the user ticks it.
    #[serde(default)]
    pub matched_by_name_only: bool,
    /// The old key's id there.
    pub old_key_id: String,
    /// The old key's name there.
    pub old_key_name: String,
    /// The old key's `SHA256:…` there (none where the provider lists no
    /// key material): with its id, what a delete checks first.
    #[serde(default)]
    pub old_key_sha256: Option<String>,
    /// The account's address and scope when planned; a step whose account
    /// moved since is refused. Missing in files of earlier builds.
    #[serde(default)]
    pub origin: Option<AccountOrigin>,
    /// Names of the account's other keys when planned (not saved): a new
    /// key name among them is a conflict where keys are told apart by name.
    #[serde(skip)]
    pub names_taken: Vec<String>,
    /// Where the old key lives; the new key goes to the same place.
    #[serde(default)]
    pub scope: KeyScope,
    /// Gcore: the old key's "shared in project", kept on the new key.
    #[serde(default)]
    pub shared_in_project: Option<bool>,
    /// Sesterce: the old key is the default, so the new one becomes it.
    #[serde(default)]
    pub make_default: bool,
    /// Hetzner Cloud: the old key's labels, set on the new key (none when
    /// it has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<std::collections::BTreeMap<String, String>>,
    /// HCP Terraform: the workspaces using the old key when planned (the
    /// move itself re-lists them).
    #[serde(default)]
    pub workspaces: Vec<String>,
    /// The account stores a private key (no fingerprint to find the new
    /// key by: it is found by the planned name).
    #[serde(default)]
    pub stores_private_key: bool,
    /// The new key's expiry date (`YYYY-MM-DD`) where the provider has
    /// expiry: planned as the old key's lifetime from today, so a rotation
    /// keeps the lifetime the user chose; `None` for a key that never
    /// expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The new key's id there, once added.
    #[serde(default)]
    pub new_key_id: Option<String>,
    /// Adding the new key (and moving what used the old one).
    #[serde(default)]
    pub add: StepState,
    /// Removing the old key.
    #[serde(default)]
    pub remove: StepState,
}

impl AccountStep {
    /// The step's actions in words, for the plan table.
    pub fn describe(&self, new_name: &str) -> Vec<String> {
        let mut lines = Vec::new();
        if self.stores_private_key {
            lines.push(format!("create new key \"{new_name}\""));
        } else {
            lines.push(format!("add new key as \"{new_name}\""));
        }
        if self.shared_in_project == Some(true) {
            lines.push("share it in the project (as the old key)".to_string());
        }
        if self.make_default {
            lines.push("make new key default".to_string());
        }
        if let Some(labels) = &self.labels {
            let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            lines.push(format!(
                "give it the old key's labels ({})",
                crate::providers::redact::cut(&pairs.join(", "), 120)
            ));
        }
        if let Some(date) = &self.expires_at {
            lines.push(format!(
                "new key expires on {date} (the old key's lifetime)"
            ));
        }
        // A few names, then a count: an organization may have hundreds.
        match self.workspaces.len() {
            0 => {}
            1..=3 => lines.push(format!(
                "move workspaces {} to it",
                self.workspaces.join(", ")
            )),
            count => lines.push(format!(
                "move {count} workspaces ({}, …) to it",
                self.workspaces[..3].join(", ")
            )),
        }
        if self.stores_private_key {
            lines.push(format!("delete old key \"{}\"", self.old_key_name));
        } else {
            lines.push(format!("remove old key \"{}\"", self.old_key_name));
        }
        lines
    }

    /// The old key may be removed here: the user kept the account and the
    /// new key was added.
    pub fn may_remove(&self) -> bool {
        self.included && self.add.is_done()
    }
}

/// A whole rotation: persisted between runs until it is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// Unique id (file and window both refer to it).
    pub id: String,
    /// When it was planned (RFC 3339).
    pub started_at: String,
    /// The key being replaced.
    pub old: OldKeyInfo,
    /// Its replacement.
    pub new: NewKeyInfo,
    /// Where it stands.
    pub phase: Phase,
    /// One step per account copy of the old key.
    pub steps: Vec<AccountStep>,
}

impl Rotation {
    /// Plans the rotation of `old` to `new`: one step per account holding
    /// the old key. `key_of(profile_id, key_id)` gives the listed key (its
    /// scope, shared and default flags, and workspaces); a holding whose
    /// key is no longer listed is left out.
    pub fn plan<'a>(
        old: &KeyGroup,
        new: NewKeyInfo,
        key_of: impl Fn(&str, &str) -> Option<&'a RemoteKey>,
    ) -> Self {
        Self::from_parts(OldKeyInfo::of(old), new, Self::plan_steps(old, key_of))
    }

    /// The steps of [`Rotation::plan`], before the new key is chosen (the
    /// wizard shows them while the key is generated).
    pub fn plan_steps<'a>(
        old: &KeyGroup,
        key_of: impl Fn(&str, &str) -> Option<&'a RemoteKey>,
    ) -> Vec<AccountStep> {
        let today = crate::clock::now_utc().date();
        old.accounts
            .iter()
            .filter_map(|holding| {
                let key = key_of(&holding.profile_id, &holding.key_id)?;
                let stores_private_key =
                    holding.provider.capabilities().stores == StoredMaterial::PrivateKey;
                Some(AccountStep {
                    profile_id: holding.profile_id.clone(),
                    account: holding.account.clone(),
                    provider: holding.provider,
                    // A copy linked by name alone may be another key.
                    included: !holding.matched_by_name_only,
                    matched_by_name_only: holding.matched_by_name_only,
                    old_key_id: holding.key_id.clone(),
                    old_key_name: holding.name.clone(),
                    old_key_sha256: key.fingerprint_sha256.clone(),
                    origin: None,
                    names_taken: Vec::new(),
                    scope: key.scope.clone(),
                    shared_in_project: key.shared_in_project,
                    make_default: key.is_default == Some(true),
                    labels: key.labels.clone().filter(|labels| !labels.is_empty()),
                    workspaces: key.used_by.clone().unwrap_or_default(),
                    stores_private_key,
                    expires_at: holding
                        .provider
                        .capabilities()
                        .expiry
                        .then(|| same_lifetime(key, today))
                        .flatten()
                        .map(|date| date.to_string()),
                    new_key_id: None,
                    add: StepState::Pending,
                    remove: StepState::Pending,
                })
            })
            .collect()
    }

    /// A rotation of `old` to `new` through `steps`, planned now.
    pub fn from_parts(old: OldKeyInfo, new: NewKeyInfo, steps: Vec<AccountStep>) -> Self {
        let now = time::OffsetDateTime::now_utc();
        let started_at = now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Self {
            id: format!("rotation-{}", now.unix_timestamp_nanos()),
            started_at,
            old,
            new,
            phase: Phase::Planned,
            steps,
        }
    }

    /// Why this rotation cannot start, if it cannot: no account ticked,
    /// the new key is the old one, or its name is refused by a provider or
    /// is the old key's name where keys are found by name.
    pub fn check(&self) -> Result<(), String> {
        if self.included().next().is_none() {
            return Err("Tick at least one account.".into());
        }
        if self.old.sha256.as_deref() == Some(self.new.sha256.as_str()) {
            return Err("The new key is the old key: choose or generate another one.".into());
        }
        for step in self.included() {
            step.provider
                .validate_key_name(&self.new.name)
                .map_err(|err| format!("{}: {}", step.account, err.message))?;
            if step.stores_private_key && step.old_key_name == self.new.name {
                return Err(format!(
                    "{}: the new key needs a name other than the old key's (\"{}\"), since keys there are told apart by name.",
                    step.account, step.old_key_name
                ));
            }
            if step.stores_private_key && step.names_taken.contains(&self.new.name) {
                return Err(format!(
                    "{}: a key named \"{}\" is already there and is not this rotation's; keys there are told apart by name, so choose another name (for example \"{}\").",
                    step.account,
                    self.new.name,
                    free_name(&self.new.name, &step.names_taken)
                ));
            }
            if let Some(date) = &step.expires_at {
                crate::ops::publish::parse_expiry(date, crate::clock::now_utc().date())
                    .map_err(|err| format!("{}: {err}", step.account))?;
            }
        }
        Ok(())
    }

    /// The steps the user kept.
    pub fn included(&self) -> impl Iterator<Item = &AccountStep> {
        self.steps.iter().filter(|step| step.included)
    }

    /// Included accounts where the new key is in place.
    pub fn added_count(&self) -> usize {
        self.included().filter(|step| step.add.is_done()).count()
    }

    /// Included steps whose current phase's half failed.
    pub fn failed_count(&self) -> usize {
        self.included()
            .filter(|step| step.add.is_failed() || step.remove.is_failed())
            .count()
    }

    /// Every included add is done or failed (none left to try).
    pub fn adds_settled(&self) -> bool {
        self.included()
            .all(|step| !matches!(step.add, StepState::Pending))
    }

    /// Every included account is fully rotated.
    pub fn finished(&self) -> bool {
        self.included()
            .all(|step| step.add.is_done() && step.remove.is_done())
    }

    /// Moves the phase on from what the steps say: after the adds, pause;
    /// after the removes, done.
    pub fn settle(&mut self) {
        self.phase = match self.phase {
            Phase::Adding if self.adds_settled() => Phase::Paused,
            Phase::Removing if self.finished() => Phase::Done,
            other => other,
        };
    }
}

/// `base`, or `base-2`, `base-3`… : the first not in `taken`.
pub fn free_name(base: &str, taken: &[String]) -> String {
    (1..)
        .map(|n| match n {
            1 => base.to_string(),
            n => format!("{base}-{n}"),
        })
        .find(|name| !taken.contains(name))
        .unwrap_or_else(|| base.to_string())
}

/// Notes, for each step, the names of the other keys on its account
/// (`keys_of(profile_id)`), so the plan can refuse a new name already
/// taken where keys are told apart by name.
pub fn note_taken_names<'a>(
    steps: &mut [AccountStep],
    keys_of: impl Fn(&str) -> Option<&'a [RemoteKey]>,
) {
    for step in steps {
        step.names_taken = keys_of(&step.profile_id)
            .unwrap_or_default()
            .iter()
            .filter(|key| key.id != step.old_key_id)
            .map(|key| key.name.to_string())
            .collect();
    }
}

/// Where an account lives: what a rotation step is tied to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOrigin {
    /// The API base URL.
    pub base_url: String,
    /// The project or organization (empty where the token alone decides).
    pub scope: String,
}

impl AccountOrigin {
    /// The origin of `profile` as it is now.
    pub fn of(profile: &Profile) -> Self {
        let scope = match &profile.settings {
            ProviderSettings::Gcore { project_id, .. } => project_id
                .map(|id| format!("project {id}"))
                .unwrap_or_default(),
            ProviderSettings::Terraform { organization } => organization
                .as_deref()
                .map(|org| format!("organization {org}"))
                .unwrap_or_default(),
            ProviderSettings::Sesterce {}
            | ProviderSettings::Github {}
            | ProviderSettings::Hetzner {}
            | ProviderSettings::Digitalocean {}
            | ProviderSettings::Gitlab {} => String::new(),
        };
        Self {
            base_url: profile.base_url.trim_end_matches('/').to_string(),
            scope,
        }
    }

    /// What changed from `planned` to `self`, in words; `None` when equal.
    pub fn changes_from(&self, planned: &AccountOrigin) -> Option<String> {
        let mut changes = Vec::new();
        if self.base_url != planned.base_url {
            changes.push(format!(
                "its address was {} and is now {}",
                planned.base_url, self.base_url
            ));
        }
        if self.scope != planned.scope {
            let shown = |scope: &str| {
                if scope.is_empty() {
                    "none".to_string()
                } else {
                    scope.to_string()
                }
            };
            changes.push(format!(
                "its scope was {} and is now {}",
                shown(&planned.scope),
                shown(&self.scope)
            ));
        }
        (!changes.is_empty()).then(|| changes.join(", "))
    }
}

/// The expiry a replacement of `old` gets: the old key's lifetime (from
/// its creation to its expiry, in days) counted from `today`. `None` when
/// the old key never expires or a date is missing or unreadable.
pub fn same_lifetime(old: &RemoteKey, today: time::Date) -> Option<time::Date> {
    let created = crate::dates::instant(old.created_at.as_deref()?)?.date();
    let expires = crate::dates::instant(old.expires_at.as_deref()?)?.date();
    let lifetime = expires - created;
    if lifetime <= time::Duration::ZERO {
        return None;
    }
    today.checked_add(lifetime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Holding;

    fn holding(profile: &str, provider: ProviderKind, key: &str) -> Holding {
        Holding {
            account: format!("{profile} account"),
            profile_id: profile.into(),
            provider,
            key_id: key.into(),
            name: "laptop".into(),
            created_at: None,
            matched_by_name_only: false,
            fingerprint_warning: None,
            expires_at: None,
        }
    }

    fn new_key() -> NewKeyInfo {
        NewKeyInfo {
            name: "laptop-2026".into(),
            sha256: "SHA256:new".into(),
            public_key: "ssh-ed25519 AAAA".into(),
            algorithm: "ED25519".into(),
            private_key_path: PathBuf::from("/home/me/.ssh/laptop-2026"),
        }
    }

    #[test]
    fn steps_keep_the_old_keys_flags() {
        let group = KeyGroup {
            sha256: Some("SHA256:old".into()),
            algorithm: None,
            bits: None,
            comment: None,
            local_paths: Vec::new(),
            accounts: vec![
                holding("g", ProviderKind::Gcore, "1"),
                holding("s", ProviderKind::Sesterce, "2"),
                holding("t", ProviderKind::Terraform, "sshkey-3"),
                holding("gone", ProviderKind::Github, "4"),
            ],
            flags: Vec::new(),
            names: vec!["laptop".into()],
            oldest_created_at: None,
            used_by_hosts: Vec::new(),
            missing_path: None,
            earliest_expires_at: None,
        };
        let gcore = RemoteKey {
            id: "1".into(),
            shared_in_project: Some(true),
            ..RemoteKey::default()
        };
        let sesterce = RemoteKey {
            id: "2".into(),
            is_default: Some(true),
            ..RemoteKey::default()
        };
        let terraform = RemoteKey {
            id: "sshkey-3".into(),
            used_by: Some(vec!["network".into(), "dns".into()]),
            ..RemoteKey::default()
        };
        let rotation = Rotation::plan(&group, new_key(), |profile, id| match (profile, id) {
            ("g", "1") => Some(&gcore),
            ("s", "2") => Some(&sesterce),
            ("t", "sshkey-3") => Some(&terraform),
            _ => None,
        });
        assert_eq!(
            rotation.steps.len(),
            3,
            "a key no longer listed is left out"
        );
        assert_eq!(rotation.steps[0].shared_in_project, Some(true));
        assert!(rotation.steps[1].make_default);
        assert!(rotation.steps[2].stores_private_key);
        assert_eq!(
            rotation.steps[2].describe("laptop-2026"),
            [
                "create new key \"laptop-2026\"",
                "move workspaces network, dns to it",
                "delete old key \"laptop\"",
            ]
        );
        assert_eq!(rotation.phase, Phase::Planned);
        let mut many = rotation.steps[2].clone();
        many.workspaces = (0..120).map(|n| format!("ws-{n}")).collect();
        assert_eq!(
            many.describe("laptop-2026")[1],
            "move 120 workspaces (ws-0, ws-1, ws-2, …) to it",
            "a count, not a wall of names"
        );
        assert_eq!(rotation.old.sha256.as_deref(), Some("SHA256:old"));
    }

    /// A key made for 90 days is replaced by one expiring 90 days from
    /// today; a key that never expires, or dates that do not read, suggest
    /// none.
    #[test]
    fn a_replacement_keeps_the_old_keys_lifetime() {
        let today = time::macros::date!(2026 - 03 - 01);
        let key = |created: Option<&str>, expires: Option<&str>| RemoteKey {
            created_at: created.map(Into::into),
            expires_at: expires.map(Into::into),
            ..RemoteKey::default()
        };
        let ninety = key(
            Some("2025-10-01T12:34:56.000Z"),
            Some("2025-12-30T00:00:00.000Z"),
        );
        assert_eq!(
            same_lifetime(&ninety, today),
            Some(time::macros::date!(2026 - 05 - 30))
        );
        assert_eq!(
            same_lifetime(&key(Some("2025-10-01T00:00:00Z"), None), today),
            None
        );
        assert_eq!(same_lifetime(&key(None, Some("2025-12-30")), today), None);
        assert_eq!(
            same_lifetime(
                &key(Some("2025-12-30T00:00:00Z"), Some("2025-10-01T00:00:00Z")),
                today
            ),
            None,
            "an expiry before creation is no lifetime"
        );
        assert_eq!(
            same_lifetime(&key(Some("soon"), Some("later")), today),
            None
        );
    }

    #[test]
    fn removes_wait_for_adds() {
        let mut step = AccountStep {
            profile_id: "p".into(),
            account: "a".into(),
            provider: ProviderKind::Sesterce,
            included: true,
            matched_by_name_only: false,
            old_key_id: "1".into(),
            old_key_name: "old".into(),
            old_key_sha256: Some("SHA256:old".into()),
            origin: None,
            names_taken: Vec::new(),
            scope: KeyScope::Account,
            shared_in_project: None,
            make_default: false,
            labels: None,
            workspaces: Vec::new(),
            stores_private_key: false,
            expires_at: None,
            new_key_id: None,
            add: StepState::Failed("500".into()),
            remove: StepState::Pending,
        };
        assert!(!step.may_remove(), "never where the add failed");
        step.add = StepState::Done;
        assert!(step.may_remove());
        step.included = false;
        assert!(!step.may_remove(), "never on an unticked account");
    }

    #[test]
    fn a_copy_matched_by_name_only_is_planned_unticked() {
        let mut by_name = holding("t", ProviderKind::Terraform, "sshkey-1");
        by_name.matched_by_name_only = true;
        let group = KeyGroup {
            sha256: Some("SHA256:old".into()),
            algorithm: None,
            bits: None,
            comment: None,
            local_paths: Vec::new(),
            accounts: vec![holding("g", ProviderKind::Github, "7"), by_name],
            flags: Vec::new(),
            names: vec!["laptop".into()],
            oldest_created_at: None,
            used_by_hosts: Vec::new(),
            missing_path: None,
            earliest_expires_at: None,
        };
        let listed = RemoteKey::default();
        let steps = Rotation::plan_steps(&group, |_, _| Some(&listed));
        assert!(steps[0].included && !steps[0].matched_by_name_only);
        assert!(steps[1].matched_by_name_only);
        assert!(!steps[1].included, "only a tick includes it");
    }
}
