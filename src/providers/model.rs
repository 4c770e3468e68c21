//! The provider-neutral model every client speaks: which provider,
//! what it can do, a key as reported, a key to create.
//! The provider files build on this file and [`super::spec`], never on
//! [`super::registry`] or `providers/mod.rs`, which list them (so the
//! providers have no import circle).

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::keys::secret::SecretString;

/// The cloud services Keyfleet talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Gcore Cloud: project SSH keys and legacy regional keypairs.
    Gcore,
    /// Sesterce GPU cloud.
    Sesterce,
    /// HCP Terraform / Terraform Enterprise organization SSH keys.
    Terraform,
    /// GitHub or GitHub Enterprise Server: the user's authentication and
    /// signing keys.
    Github,
    /// Hetzner Cloud: one project's SSH keys, with labels.
    Hetzner,
    /// DigitalOcean: the account's SSH keys.
    Digitalocean,
    /// GitLab (gitlab.com or self-managed): the user's SSH keys.
    Gitlab,
}

impl ProviderKind {
    /// Every provider, in the order the UI lists them.
    pub const ALL: [ProviderKind; 7] = [
        Self::Gcore,
        Self::Sesterce,
        Self::Terraform,
        Self::Github,
        Self::Hetzner,
        Self::Digitalocean,
        Self::Gitlab,
    ];
}

/// What key material a provider stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredMaterial {
    /// An OpenSSH public key (Gcore, Sesterce).
    PublicKey,
    /// A private key, write-only (HCP Terraform).
    PrivateKey,
}

/// The actions a provider supports; the UI shows only these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// The server can generate a key pair and return the private key once.
    pub server_generate: bool,
    /// Keys can be shared/unshared within a project.
    pub share: bool,
    /// One key can be marked as the account default.
    pub make_default: bool,
    /// Keys can be renamed.
    pub rename: bool,
    /// Public or private key material.
    pub stores: StoredMaterial,
    /// Legacy region-scoped keypairs exist beside project keys.
    pub regional_keypairs: bool,
    /// Keys carry `key=value` labels the user can edit (Hetzner Cloud).
    pub labels: bool,
    /// A key can be given an expiry date when it is created (GitLab).
    pub expiry: bool,
}

/// Where a key lives inside an account. Also kept in `rotations.json`
/// (each rotation step's scope), hence the serde shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyScope {
    /// The account's (project's, organization's) own key list.
    #[default]
    Account,
    /// A Gcore legacy keypair in one region.
    Region {
        /// Region id.
        region_id: u64,
        /// Region name to show.
        region_name: String,
    },
    /// A key that signs commits rather than opening connections (GitHub's
    /// SSH signing keys, a list of their own beside authentication keys).
    Signing,
}

impl KeyScope {
    /// Whether two scopes are the same place in the account. Regions compare
    /// by id: the add-key dialog knows only the id, so its region name is a
    /// placeholder, not the provider's spelling.
    pub fn same_place(&self, other: &KeyScope) -> bool {
        match (self, other) {
            (Self::Account, Self::Account) => true,
            (Self::Region { region_id: a, .. }, Self::Region { region_id: b, .. }) => a == b,
            (Self::Signing, Self::Signing) => true,
            _ => false,
        }
    }
}

/// Short texts of a key (names, dates, type names): kept inline up to 23
/// bytes, so ten thousand keys do not cost sixty thousand small allocations.
pub type ShortText = smol_str::SmolStr;

/// One SSH key as a provider reports it, with locally computed fingerprints.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RemoteKey {
    /// The provider's id of the key.
    pub id: String,
    /// The key's name.
    pub name: ShortText,
    /// The OpenSSH public key, when the provider has one.
    pub public_key: Option<String>,
    /// `SHA256:…` computed locally from the public key.
    pub fingerprint_sha256: Option<String>,
    /// MD5 colon hex (Gcore's own, else computed locally).
    pub fingerprint_md5: Option<String>,
    /// Key algorithm, such as `ssh-ed25519`.
    pub algorithm: Option<ShortText>,
    /// The key type as `ssh-keygen -l` names it, with its size where keys
    /// of the type differ (`ED25519`, `RSA 4096`, `ED25519-SK`,
    /// `ED25519-CERT`); shown in the Algorithm column.
    pub algorithm_label: Option<ShortText>,
    /// More about the key type, for a tooltip: certificate principals and
    /// validity, "held on a security key", why it is weak.
    pub algorithm_details: Option<String>,
    /// The key type is weak (DSA, short RSA); the table marks it.
    pub weak: bool,
    /// The public key's comment.
    pub comment: Option<ShortText>,
    /// Creation time as the provider gave it.
    pub created_at: Option<ShortText>,
    /// Last update time as the provider gave it.
    pub updated_at: Option<ShortText>,
    /// Gcore: shared with all users in the project.
    pub shared_in_project: Option<bool>,
    /// Sesterce: the account's default key.
    pub is_default: Option<bool>,
    /// Gcore: `ACTIVE` or `DELETING`.
    pub state: Option<ShortText>,
    /// Project key or regional keypair.
    pub scope: KeyScope,
    /// What uses the key inside the account (HCP Terraform: the names of
    /// the workspaces cloning with it); `None` where unknown or not a thing.
    pub used_by: Option<Vec<String>>,
    /// When the key stops working, as the provider gave it (GitLab's
    /// `expires_at`); `None` where it never expires or the provider has no
    /// expiry.
    pub expires_at: Option<ShortText>,
    /// The key's `key=value` labels (Hetzner Cloud), sorted by key; `None`
    /// where the provider has no labels.
    pub labels: Option<std::collections::BTreeMap<String, String>>,
    /// The Kind column's word for this key where the provider names what a
    /// key is for per key (GitLab's usage type "Authentication & signing"),
    /// instead of the scope's word.
    pub kind_label: Option<ShortText>,
    /// Why the key's fingerprint is in doubt: the provider reported an MD5
    /// that is not the one of the public key it sent (see
    /// [`RemoteKey::check_server_md5`]). The table marks such a key ⚠.
    pub fingerprint_warning: Option<String>,
}

impl RemoteKey {
    /// What the Algorithm column shows: the OpenSSH label, else the
    /// algorithm name the provider gave.
    pub fn algorithm_shown(&self) -> Option<&str> {
        self.algorithm_label
            .as_deref()
            .or(self.algorithm.as_deref())
    }

    /// Compares the MD5 fingerprint the provider reported with the one
    /// computed from the public key it sent (call after
    /// [`Self::with_local_fingerprints`]). They differ only when the server
    /// stores something other than what it shows, so the key gets a
    /// warning with both values; the locally computed MD5 is kept, since
    /// grouping and matching go by what the key is. A key without a
    /// parsable public key keeps the server's MD5.
    pub fn check_server_md5(mut self, server_md5: &str) -> Self {
        let reported = normalize_md5(server_md5);
        match self.fingerprint_md5.as_deref().map(normalize_md5) {
            Some(computed) if self.fingerprint_sha256.is_some() => {
                if computed != reported {
                    self.fingerprint_warning = Some(format!(
                        "The provider reports MD5 {reported}, but the public key it sent has MD5 {computed}."
                    ));
                }
            }
            _ => self.fingerprint_md5 = Some(reported),
        }
        self
    }

    /// Fills algorithm, comment and fingerprints from `public_key`. A key
    /// that does not parse keeps what the provider sent (e.g. Gcore's MD5).
    pub fn with_local_fingerprints(mut self) -> Self {
        if let Some(text) = &self.public_key
            && let Ok(parsed) = crate::keys::public::parse_public_key(text)
        {
            self.algorithm = Some(parsed.algorithm.as_str().into());
            self.algorithm_label = Some(parsed.label.as_ref().into());
            self.algorithm_details = parsed.details();
            self.weak = parsed.weakness().is_some();
            self.fingerprint_sha256 = Some(parsed.fingerprint_sha256.clone());
            if self.fingerprint_md5.is_none() {
                self.fingerprint_md5 = Some(parsed.fingerprint_md5.clone());
            }
            if !parsed.comment.is_empty() {
                self.comment = Some(parsed.comment.into());
            }
        }
        self
    }
}

/// An MD5 fingerprint in the one form Keyfleet shows: lower-case colon
/// hex, without an `MD5:` prefix or surrounding space.
fn normalize_md5(text: &str) -> String {
    let text = text.trim();
    let text = text
        .get(..4)
        .filter(|head| head.eq_ignore_ascii_case("md5:"))
        .map_or(text, |_| &text[4..]);
    text.to_ascii_lowercase()
}

/// What to create.
#[derive(Clone, Debug)]
pub struct NewKey {
    /// The key's name.
    pub name: String,
    /// The key material, or a request to generate it on the server.
    pub material: NewKeyMaterial,
    /// Gcore: share in project (the API default is true).
    pub shared_in_project: bool,
    /// Project key or a regional keypair.
    pub scope: KeyScope,
    /// The last day the key works, where the provider has expiry
    /// ([`Capabilities::expiry`]); `None` means it never expires.
    pub expires_at: Option<time::Date>,
}

/// Key material to upload.
///
/// `Debug` shows a public key only when it parses as one: text pasted into
/// the public key field may be a private key or a token by mistake.
#[derive(Clone)]
pub enum NewKeyMaterial {
    /// An OpenSSH public key line.
    PublicKey(String),
    /// Ask the provider to generate the pair (Gcore).
    GenerateOnServer,
    /// A private key (HCP Terraform).
    PrivateKey(SecretString),
}

impl std::fmt::Debug for NewKeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PublicKey(text) if crate::keys::public::parse_public_key(text).is_ok() => {
                f.debug_tuple("PublicKey").field(text).finish()
            }
            Self::PublicKey(text) => write!(
                f,
                "PublicKey(<{} characters that are not a public key, redacted>)",
                text.chars().count()
            ),
            Self::GenerateOnServer => f.write_str("GenerateOnServer"),
            Self::PrivateKey(secret) => f.debug_tuple("PrivateKey").field(secret).finish(),
        }
    }
}

/// The result of a create.
#[derive(Clone, Debug)]
pub struct CreatedKey {
    /// The key as the provider stored it.
    pub key: RemoteKey,
    /// A private key the provider generated and shows once.
    pub private_key: Option<SecretString>,
}

/// An entry for a picker (project, region, organization).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The id to store (project id, region id, organization name).
    pub id: String,
    /// What to show.
    pub label: String,
}

/// Longest free-form key name we send (providers without a documented pattern).
const MAX_NAME_CHARS: usize = 255;

/// The name rules of providers that document no pattern: required, not only
/// spaces, at most 255 characters, no control characters.
pub(crate) fn check_free_form_name(name: &str, noun: &str, provider: &str) -> Result<(), ApiError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(ApiError::invalid_input(format!(
            "Enter a name for the {noun} ({provider} requires one)."
        )));
    }
    let length = trimmed.chars().count();
    if length > MAX_NAME_CHARS {
        return Err(ApiError::invalid_input(format!(
            "The key name is {length} characters long; use at most {MAX_NAME_CHARS}."
        )));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ApiError::invalid_input(
            "The key name contains a line break, tab or other control character; remove it.",
        ));
    }
    Ok(())
}

/// Refuses a key for anywhere but the account's own list, for providers
/// with no regional or signing keys: creating it as an account key instead
/// would put it where the user did not ask.
pub(crate) fn check_account_scope(scope: &KeyScope, provider: &str) -> Result<(), ApiError> {
    match scope {
        KeyScope::Account => Ok(()),
        KeyScope::Region { .. } | KeyScope::Signing => Err(ApiError::invalid_input(format!(
            "{provider} has one SSH key list per account, with no regional or signing keys; add the key as an SSH key."
        ))),
    }
}

/// Most characters of a label's name or value, and of a key's prefix
/// (Hetzner Cloud's label rules, docs.hetzner.cloud "Labels").
const MAX_LABEL_PART: usize = 63;
const MAX_LABEL_PREFIX: usize = 253;
/// The prefix Hetzner Cloud keeps for its own labels.
const RESERVED_LABEL_PREFIX: &str = "hetzner.cloud/";

/// Reads labels typed as `key=value` pairs separated by commas (the Labels
/// column's form; `env=` is an empty value), checking each with
/// [`check_label`]. Empty text is no labels. The message names the pair
/// at fault and the rule it breaks.
pub fn parse_labels(text: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut labels = std::collections::BTreeMap::new();
    for pair in text
        .split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
    {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!(
                "\"{}\" has no \"=\": write each label as key=value (the value may be empty, as in \"key=\").",
                super::redact::cut(pair, 80)
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        check_label(key, value)?;
        if labels.insert(key.to_string(), value.to_string()).is_some() {
            return Err(format!(
                "The label key \"{key}\" appears twice; a key can have one value."
            ));
        }
    }
    Ok(labels)
}

/// Checks one label against Hetzner Cloud's documented rules: the key is
/// an optional prefix (at most 253 characters, then `/`) and a name; name
/// and value have at most 63 characters, begin and end with a letter or
/// digit and hold only letters, digits, `-`, `_` and `.` (a value may be
/// empty); the prefix `hetzner.cloud/` is reserved.
pub fn check_label(key: &str, value: &str) -> Result<(), String> {
    let shown_key = super::redact::cut(key, 80);
    if key.is_empty() {
        return Err("A label has an empty key; write it as key=value.".to_string());
    }
    if key.starts_with(RESERVED_LABEL_PREFIX) {
        return Err(format!(
            "The label key \"{shown_key}\" uses the prefix {RESERVED_LABEL_PREFIX}, which is reserved for Hetzner's own labels."
        ));
    }
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        label_part(prefix, MAX_LABEL_PREFIX, false)
            .map_err(|rule| format!("The prefix of the label key \"{shown_key}\" {rule}."))?;
    }
    label_part(name, MAX_LABEL_PART, false)
        .map_err(|rule| format!("The label key \"{shown_key}\" {rule}."))?;
    label_part(value, MAX_LABEL_PART, true).map_err(|rule| {
        format!(
            "The value \"{}\" of the label \"{shown_key}\" {rule}.",
            super::redact::cut(value, 80)
        )
    })
}

/// Why `part` breaks the label rule (see [`check_label`]), if it does.
fn label_part(part: &str, max: usize, may_be_empty: bool) -> Result<(), String> {
    let length = part.chars().count();
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if part.is_empty() {
        return if may_be_empty {
            Ok(())
        } else {
            Err("is empty".to_string())
        };
    }
    if length > max {
        return Err(format!(
            "is {length} characters long; at most {max} are allowed"
        ));
    }
    if let Some(bad) = part
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "contains {bad:?}; only letters a-z and A-Z, digits, '-', '_' and '.' are allowed"
        ));
    }
    if !edge_ok(part.chars().next()) || !edge_ok(part.chars().last()) {
        return Err("must begin and end with a letter or a digit".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_compare_regions_by_id_only() {
        let region = |id, name: &str| KeyScope::Region {
            region_id: id,
            region_name: name.into(),
        };
        assert!(region(76, "Luxembourg-2").same_place(&region(76, "Region 76")));
        assert!(!region(76, "Luxembourg-2").same_place(&region(38, "Luxembourg-2")));
        assert!(KeyScope::Account.same_place(&KeyScope::Account));
        assert!(!KeyScope::Account.same_place(&region(76, "x")));
    }

    const ED25519: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB dev";

    fn reported(public_key: &str) -> RemoteKey {
        RemoteKey {
            public_key: Some(public_key.into()),
            ..RemoteKey::default()
        }
        .with_local_fingerprints()
    }

    #[test]
    fn a_server_md5_that_matches_in_any_spelling_leaves_no_warning() {
        let computed = reported(ED25519).fingerprint_md5.unwrap();
        for spelling in [
            computed.clone(),
            computed.to_uppercase(),
            format!("MD5:{computed}"),
            format!(" {computed} "),
        ] {
            let key = reported(ED25519).check_server_md5(&spelling);
            assert_eq!(key.fingerprint_warning, None, "{spelling}");
            assert_eq!(key.fingerprint_md5.as_deref(), Some(computed.as_str()));
        }
    }

    #[test]
    fn a_server_md5_of_another_key_is_a_warning_naming_both() {
        let computed = reported(ED25519).fingerprint_md5.unwrap();
        let other = "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";
        let key = reported(ED25519).check_server_md5(other);
        let warning = key.fingerprint_warning.expect("a warning");
        assert!(
            warning.contains(other) && warning.contains(&computed),
            "{warning}"
        );
        // Matching and grouping go by what the key is, not by the report.
        assert_eq!(key.fingerprint_md5.as_deref(), Some(computed.as_str()));
    }

    #[test]
    fn without_a_readable_public_key_the_server_md5_is_all_there_is() {
        let key = reported("not a key").check_server_md5("AA:BB");
        assert_eq!(key.fingerprint_warning, None);
        assert_eq!(key.fingerprint_md5.as_deref(), Some("aa:bb"));
        assert_eq!(key.fingerprint_sha256, None);
    }
}
