//! What the window needs to know about a provider, as data: labels, the
//! account fields it asks for, its table columns, its notices and the
//! actions it supports. Each provider file defines one [`ProviderSpec`];
//! `ui/` and `app` read only these, so a new provider touches neither.

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::model::{Capabilities, KeyScope, ProviderKind, StoredMaterial};
use crate::keys::generate::KeyAlgorithm;
use crate::keys::public::ParsedPublicKey;

/// Everything the UI knows about one provider.
pub struct ProviderSpec {
    /// Which provider.
    pub kind: ProviderKind,
    /// Name shown to users.
    pub label: &'static str,
    /// The API address a new account starts with.
    pub default_base_url: &'static str,
    /// The label of the base URL field.
    pub base_url_label: &'static str,
    /// A hint under the base URL field.
    pub base_url_hint: Option<&'static str>,
    /// The provider's one official API address, for a warning when an
    /// account points elsewhere; `None` where self-hosting is normal.
    pub official_base_url: Option<&'static str>,
    /// The environment variable the provider's own tools read the token from.
    pub token_env_var: &'static str,
    /// A hint under the token field (which kind of token works).
    pub token_hint: Option<&'static str>,
    /// The schemes the token is sent after in its header (`Bearer `,
    /// `APIKey `, GitHub's older `token `): people paste a token copied from
    /// a header or a curl example with it, and the dialog takes it off
    /// (see [`ProviderSpec::strip_token_prefix`]).
    pub token_prefixes: &'static [&'static str],
    /// What the provider can do.
    pub capabilities: Capabilities,
    /// Checks a key name with the provider's rules, before anything is sent.
    pub validate_key_name: fn(&str) -> Result<(), ApiError>,
    /// The account fields beyond name, URL and token, in order.
    pub profile_fields: &'static [ProfileField],
    /// Settings of a new account.
    pub new_settings: fn() -> ProviderSettings,
    /// What the accounts list shows under an account's name.
    pub account_summary: fn(&ProviderSettings) -> String,
    /// The key table's columns for an account; actions come right after
    /// the name. Static lists: the table asks every frame.
    pub columns: fn(&ProviderSettings) -> &'static [KeyColumn],
    /// Columns hidden until the user shows them (right-click a header):
    /// the MD5 fingerprint where the provider does not report one itself
    /// (Keyfleet computes it; SSH tools show SHA256).
    pub hidden_columns: &'static [KeyColumn],
    /// The Kind column's word for an account's own keys (beside regional or
    /// signing keys).
    pub account_key_kind: &'static str,
    /// Notices shown above an account's key table.
    pub notices: fn(&ProviderSettings) -> Vec<Notice>,
    /// Where a new key can go in an account (the "Create as" choice), with
    /// labels; one entry means there is no choice to make.
    pub key_scopes: fn(&ProviderSettings) -> Vec<(KeyScope, String)>,
    /// Label of the "add" button.
    pub add_key_label: &'static str,
    /// For providers that store private keys: what the key field is for.
    pub private_key_hint: Option<&'static str>,
    /// Generating a key on this computer for this provider.
    pub generate: GenerateSpec,
}

impl ProviderSpec {
    /// `token` without a leading header scheme of this provider (matched
    /// ignoring case, with any spaces after it), and the scheme as typed;
    /// `None` when it has none, or nothing follows it.
    pub fn strip_token_prefix<'t>(&self, token: &'t str) -> Option<(&'t str, &'t str)> {
        let token = token.trim_start();
        self.token_prefixes.iter().find_map(|prefix| {
            let head = token.get(..prefix.len())?;
            let rest = token[prefix.len()..].trim_start();
            (head.eq_ignore_ascii_case(prefix) && !rest.is_empty()).then(|| (head.trim_end(), rest))
        })
    }
}

impl ProviderSpec {
    /// Parses a public key to upload and checks this provider can take
    /// it, before anything is sent. DSA keys, certificates and unknown
    /// algorithms are refused everywhere (see
    /// [`ParsedPublicKey::upload_refusal`]). Security keys (`sk-…`) are
    /// accepted: neither Gcore's seed ("The public part of an SSH key …
    /// provide the public part here (usually found in a file like
    /// `id_ed25519.pub`)") nor Sesterce's (`publicKey`: a string) restricts
    /// the key type. Providers that store private keys take none: see
    /// [`crate::keys::private::check_private_key_for_upload`].
    pub fn check_public_key(&self, text: &str) -> Result<ParsedPublicKey, ApiError> {
        let parsed = crate::keys::public::parse_public_key(text)
            .map_err(|err| ApiError::invalid_input(err.to_string()))?;
        if let Some(reason) = parsed.upload_refusal() {
            return Err(ApiError::invalid_input(format!("{reason}.")));
        }
        match self.capabilities.stores {
            StoredMaterial::PublicKey => Ok(parsed),
            StoredMaterial::PrivateKey => Err(ApiError::invalid_input(format!(
                "{} stores a private key, not a public key.",
                self.label
            ))),
        }
    }
}

impl std::fmt::Debug for ProviderSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSpec")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// How "Generate" works for a provider.
#[derive(Debug)]
pub struct GenerateSpec {
    /// Toolbar button label.
    pub button_label: &'static str,
    /// Dialog heading.
    pub title: &'static str,
    /// The algorithms offered; the first is the default.
    pub algorithms: &'static [KeyAlgorithm],
    /// Write non-Ed25519 private keys as PEM (what the provider's docs ask).
    pub pem: bool,
    /// A passphrase may be set (not where the provider must use the key).
    pub passphrase: bool,
    /// Shown in the dialog instead of the passphrase fields.
    pub note: Option<&'static str>,
    /// Shown with the private key after uploading (e.g. where the public
    /// key goes next).
    pub after_upload_note: Option<&'static str>,
}

/// "Generate" for providers that store a public key: any algorithm, an
/// optional passphrase, the private key stays on this computer.
pub const GENERATE_LOCALLY: GenerateSpec = GenerateSpec {
    button_label: "🔑 Generate locally",
    title: "Generate key locally",
    algorithms: &KeyAlgorithm::ALL,
    pem: false,
    passphrase: true,
    note: None,
    after_upload_note: None,
};

/// A notice above the key table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Plain information or a warning.
    pub warning: bool,
    /// The text.
    pub text: &'static str,
}

/// One column of the key table (remembered by name when hidden, hence
/// serde).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyColumn {
    /// Name.
    Name,
    /// Provider id.
    Id,
    /// Where the key lives (project, region, signing).
    Kind,
    /// Algorithm.
    Algorithm,
    /// SHA256 fingerprint.
    Sha256,
    /// MD5 fingerprint.
    Md5,
    /// Shared in project.
    Shared,
    /// Default marker.
    Default,
    /// State.
    State,
    /// Created.
    Created,
    /// Updated.
    Updated,
    /// Row buttons.
    Actions,
    /// What uses the key inside the account (workspaces): a count, the
    /// names on hover.
    UsedBy,
    /// When the key expires ("never" where it does not).
    Expires,
    /// `key=value` labels, comma-joined.
    Labels,
}

/// A list loaded from the provider for an account field's picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChoiceKind {
    /// Projects.
    Projects,
    /// Regions.
    Regions,
    /// Organizations.
    Organizations,
}

/// Which setting an account field edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKey {
    /// A project id.
    Project,
    /// Regions whose legacy keypairs are shown.
    Regions,
    /// An organization name.
    Organization,
}

/// An account field: a value typed or picked from a list the API returns.
#[derive(Debug)]
pub struct ProfileField {
    /// The setting it edits.
    pub key: FieldKey,
    /// Label before the text box (or the checkboxes).
    pub label: &'static str,
    /// The list that fills the picker.
    pub choices: ChoiceKind,
    /// Label of the button loading the list.
    pub load_label: &'static str,
    /// Label of the picker.
    pub pick_label: &'static str,
    /// Several values (checkboxes) instead of one.
    pub multiple: bool,
    /// Loaded as soon as a token is entered.
    pub load_when_token_entered: bool,
    /// When set, the field must be filled: the message says how.
    pub required: Option<&'static str>,
}

/// The settings that differ per provider. Flattened into a profile under
/// its `provider` tag, so profiles.json keeps the flat shape it always had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum ProviderSettings {
    /// Gcore Cloud.
    Gcore {
        /// The project whose keys are shown.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project_id: Option<u64>,
        /// Regions whose legacy keypairs are shown.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        region_ids: Vec<u64>,
    },
    /// Sesterce: nothing beyond URL and token.
    Sesterce {},
    /// HCP Terraform / Terraform Enterprise.
    Terraform {
        /// The organization whose keys are shown.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        organization: Option<String>,
    },
    /// GitHub or GitHub Enterprise Server: the token's user's keys.
    Github {},
    /// Hetzner Cloud: a token belongs to one project, so an account is
    /// that project and needs no field of its own.
    Hetzner {},
    /// DigitalOcean: nothing beyond URL and token.
    Digitalocean {},
    /// GitLab (gitlab.com or self-managed): the token's user's keys.
    Gitlab {},
}

impl ProviderSettings {
    /// These settings with a single-valued field set from text; a field
    /// this provider does not have, or text that does not parse, is ignored.
    pub fn with_text(mut self, key: FieldKey, text: &str) -> Self {
        let _ = self.set_text(key, text);
        self
    }

    /// These settings with a multi-valued field set.
    pub fn with_values(mut self, key: FieldKey, values: &[&str]) -> Self {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        self.set_values(key, &values);
        self
    }

    /// The provider these settings belong to.
    pub fn kind(&self) -> ProviderKind {
        match self {
            Self::Gcore { .. } => ProviderKind::Gcore,
            Self::Sesterce {} => ProviderKind::Sesterce,
            Self::Terraform { .. } => ProviderKind::Terraform,
            Self::Github {} => ProviderKind::Github,
            Self::Hetzner {} => ProviderKind::Hetzner,
            Self::Digitalocean {} => ProviderKind::Digitalocean,
            Self::Gitlab {} => ProviderKind::Gitlab,
        }
    }

    /// A single-valued field as text ("" when unset or not this provider's).
    pub fn text(&self, key: FieldKey) -> String {
        match (self, key) {
            (Self::Gcore { project_id, .. }, FieldKey::Project) => {
                project_id.map(|id| id.to_string()).unwrap_or_default()
            }
            (Self::Terraform { organization }, FieldKey::Organization) => {
                organization.clone().unwrap_or_default()
            }
            _ => String::new(),
        }
    }

    /// Sets a single-valued field from text; empty text unsets it. The
    /// error names what is wrong with the text.
    pub fn set_text(&mut self, key: FieldKey, text: &str) -> Result<(), String> {
        let text = text.trim();
        match (self, key) {
            (Self::Gcore { project_id, .. }, FieldKey::Project) => {
                *project_id = if text.is_empty() {
                    None
                } else {
                    Some(text.parse::<u64>().map_err(|_| {
                        format!("The project must be a number (the project ID), not \"{text}\".")
                    })?)
                };
            }
            (Self::Terraform { organization }, FieldKey::Organization) => {
                *organization = (!text.is_empty()).then(|| text.to_string());
            }
            _ => {}
        }
        Ok(())
    }

    /// A multi-valued field's values as text.
    pub fn values(&self, key: FieldKey) -> Vec<String> {
        match (self, key) {
            (Self::Gcore { region_ids, .. }, FieldKey::Regions) => {
                region_ids.iter().map(u64::to_string).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Sets a multi-valued field; values that do not parse are dropped.
    pub fn set_values(&mut self, key: FieldKey, values: &[String]) {
        if let (Self::Gcore { region_ids, .. }, FieldKey::Regions) = (self, key) {
            let mut ids: Vec<u64> = values.iter().filter_map(|v| v.parse().ok()).collect();
            ids.sort_unstable();
            ids.dedup();
            *region_ids = ids;
        }
    }
}

/// The one-entry scope list of providers with a single kind of key.
pub fn account_scope_only(_: &ProviderSettings) -> Vec<(KeyScope, String)> {
    vec![(KeyScope::Account, "SSH key".into())]
}

/// No notices.
pub fn no_notices(_: &ProviderSettings) -> Vec<Notice> {
    Vec::new()
}
