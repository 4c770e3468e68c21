//! The registry: every provider's spec, looked up by kind. Only this file
//! and `providers/mod.rs` (the client dispatch) name the provider files;
//! no provider imports either, so the providers form no import circle.

use super::error::ApiError;
use super::model::{Capabilities, ProviderKind};
use super::spec::{ProviderSettings, ProviderSpec};
use super::{digitalocean, gcore, github, gitlab, hetzner, sesterce, terraform};
use crate::keys::public::ParsedPublicKey;

/// Every provider's spec, in the order the UI lists them.
pub fn all() -> [&'static ProviderSpec; 7] {
    [
        &gcore::SPEC,
        &sesterce::SPEC,
        &terraform::SPEC,
        &github::SPEC,
        &hetzner::SPEC,
        &digitalocean::SPEC,
        &gitlab::SPEC,
    ]
}

/// The spec of `kind`.
pub fn of(kind: ProviderKind) -> &'static ProviderSpec {
    match kind {
        ProviderKind::Gcore => &gcore::SPEC,
        ProviderKind::Sesterce => &sesterce::SPEC,
        ProviderKind::Terraform => &terraform::SPEC,
        ProviderKind::Github => &github::SPEC,
        ProviderKind::Hetzner => &hetzner::SPEC,
        ProviderKind::Digitalocean => &digitalocean::SPEC,
        ProviderKind::Gitlab => &gitlab::SPEC,
    }
}

// Here rather than beside the enum in `model.rs`: these read the registry,
// which the model (imported by every provider) must not.
impl ProviderKind {
    /// Everything the UI knows about this provider.
    pub fn spec(self) -> &'static ProviderSpec {
        of(self)
    }

    /// Name shown to users.
    pub fn label(self) -> &'static str {
        self.spec().label
    }

    /// The public API address a new profile starts with.
    pub fn default_base_url(self) -> &'static str {
        self.spec().default_base_url
    }

    /// The environment variable the provider's own tools read the token from.
    pub fn default_env_var(self) -> &'static str {
        self.spec().token_env_var
    }

    /// Checks a key name with this provider's rules, before anything is sent.
    pub fn validate_key_name(self, name: &str) -> Result<(), ApiError> {
        (self.spec().validate_key_name)(name)
    }

    /// Parses a public key to upload and checks this provider can take
    /// it, before anything is sent ([`ProviderSpec::check_public_key`]).
    pub fn check_public_key(self, text: &str) -> Result<ParsedPublicKey, ApiError> {
        self.spec().check_public_key(text)
    }

    /// What the provider can do.
    pub fn capabilities(self) -> Capabilities {
        self.spec().capabilities
    }
}

impl ProviderSettings {
    /// The settings of a new account of `kind`.
    pub fn new(kind: ProviderKind) -> Self {
        (of(kind).new_settings)()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_spec_in_the_listed_order() {
        let kinds: Vec<ProviderKind> = all().iter().map(|spec| spec.kind).collect();
        assert_eq!(kinds, ProviderKind::ALL);
        for kind in ProviderKind::ALL {
            assert_eq!(of(kind).kind, kind);
            assert_eq!(ProviderSettings::new(kind).kind(), kind);
        }
    }

    #[test]
    fn only_the_providers_own_header_schemes_are_stripped() {
        let gcore = of(ProviderKind::Gcore);
        assert_eq!(
            gcore.strip_token_prefix("APIKey 12$ab"),
            Some(("APIKey", "12$ab"))
        );
        assert_eq!(
            gcore.strip_token_prefix("  apikey   12$ab"),
            Some(("apikey", "12$ab"))
        );
        assert_eq!(gcore.strip_token_prefix("Bearer 12$ab"), None);
        assert_eq!(
            gcore.strip_token_prefix("APIKey "),
            None,
            "nothing after it"
        );
        assert_eq!(gcore.strip_token_prefix("APIKeyabc"), None, "no space");
        let github = of(ProviderKind::Github);
        assert_eq!(
            github.strip_token_prefix("token ghp_x"),
            Some(("token", "ghp_x"))
        );
        assert_eq!(
            github.strip_token_prefix("Bearer ghp_x"),
            Some(("Bearer", "ghp_x"))
        );
        assert_eq!(
            of(ProviderKind::Sesterce).strip_token_prefix("Bearer k"),
            None
        );
        // Never splits a multi-byte character.
        assert_eq!(github.strip_token_prefix("tøken x"), None);
    }
}
