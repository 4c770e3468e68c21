//! Strict fake provider servers on 127.0.0.1, shared by the tests and
//! `keyfleet --demo`. Each fake checks auth, content types, body fields and
//! name patterns like the real API, pages like it, and answers with the real
//! error shapes. In test builds (feature `sandbox-faults`) every fake can
//! also inject faults and counts requests (`faults::Faults`); `keyfleet
//! --demo` serves the same fakes without that machinery.

pub mod digitalocean;
#[cfg(feature = "sandbox-faults")]
pub mod faults;
pub mod gcore;
pub mod github;
pub mod gitlab;
pub mod hetzner;
pub mod keytext;
pub mod sesterce;
pub mod terraform;
mod wire;

use std::net::SocketAddr;

#[cfg(feature = "sandbox-faults")]
pub use faults::{Fault, Faults, Gate};

use crate::providers::ProviderKind;
use crate::providers::spec::FieldKey;
use crate::store::Profile;

/// A fake's whole key set: each key's identity (scope and id) and
/// everything the fake stores for it, as text. Tests take one before and
/// after a destructive step to check that nothing else changed.
pub type KeySet = std::collections::BTreeMap<String, String>;

/// The token each fake accepts (Gcore tokens contain a literal `$`).
pub const GCORE_TOKEN: &str = "1234$sandbox-gcore-token";
/// The API key the Sesterce fake accepts.
pub const SESTERCE_TOKEN: &str = "sandbox-sesterce-key";
/// The user token the Terraform fake accepts.
pub const TERRAFORM_TOKEN: &str = "sandbox.atlasv1.user-token";
/// An organization token: valid, but refused by the SSH key endpoints.
pub const TERRAFORM_ORG_TOKEN: &str = "sandbox.atlasv1.org-token";
pub use digitalocean::DIGITALOCEAN_TOKEN;
pub use github::GITHUB_TOKEN;
pub use gitlab::GITLAB_TOKEN;
pub use hetzner::HETZNER_TOKEN;

/// The Gcore project every fake-backed account uses.
pub const SANDBOX_PROJECT: &str = "1";
/// The Terraform organization every fake-backed account uses.
pub const SANDBOX_ORGANIZATION: &str = "acme-infra";

/// The token `kind`'s fake accepts.
pub fn token(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Gcore => GCORE_TOKEN,
        ProviderKind::Sesterce => SESTERCE_TOKEN,
        ProviderKind::Terraform => TERRAFORM_TOKEN,
        ProviderKind::Github => GITHUB_TOKEN,
        ProviderKind::Hetzner => HETZNER_TOKEN,
        ProviderKind::Digitalocean => DIGITALOCEAN_TOKEN,
        ProviderKind::Gitlab => GITLAB_TOKEN,
    }
}

/// Starts a fresh, empty fake of `kind` on this runtime; returns its base
/// URL and its fault injection.
#[cfg(feature = "sandbox-faults")]
pub async fn serve_fresh(kind: ProviderKind) -> std::io::Result<(String, Faults)> {
    let (router, faults) = match kind {
        ProviderKind::Gcore => {
            let fake = gcore::GcoreFake::new();
            (fake.router(), fake.faults())
        }
        ProviderKind::Sesterce => {
            let fake = sesterce::SesterceFake::new();
            (fake.router(), fake.faults())
        }
        ProviderKind::Terraform => {
            let fake = terraform::TerraformFake::new();
            (fake.router(), fake.faults())
        }
        ProviderKind::Github => {
            let fake = github::GithubFake::new();
            (fake.router(), fake.faults())
        }
        ProviderKind::Hetzner => {
            let fake = hetzner::HetznerFake::new();
            let url = format!("{}/v1", serve(fake.router()).await?);
            return Ok((url, fake.faults()));
        }
        ProviderKind::Digitalocean => {
            let fake = digitalocean::DigitaloceanFake::new();
            (fake.router(), fake.faults())
        }
        ProviderKind::Gitlab => {
            let fake = gitlab::GitlabFake::new();
            (fake.router(), fake.faults())
        }
    };
    Ok((serve(router).await?, faults))
}

/// Serves `router` on a fresh loopback port; returns its base URL.
pub async fn serve(router: axum::Router) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::warn!(%err, "sandbox server stopped");
        }
    });
    Ok(format!("http://{address}"))
}

/// The fakes a [`Sandbox`] serves, one field per provider.
/// `Fakes::default()` is every fake empty; set a field to a fake prepared
/// beforehand (`Fakes { github, ..Fakes::default() }`).
#[derive(Clone, Debug, Default)]
pub struct Fakes {
    /// The Gcore fake.
    pub gcore: gcore::GcoreFake,
    /// The Sesterce fake.
    pub sesterce: sesterce::SesterceFake,
    /// The HCP Terraform fake.
    pub terraform: terraform::TerraformFake,
    /// The GitHub fake.
    pub github: github::GithubFake,
    /// The Hetzner Cloud fake.
    pub hetzner: hetzner::HetznerFake,
    /// The DigitalOcean fake.
    pub digitalocean: digitalocean::DigitaloceanFake,
    /// The GitLab fake.
    pub gitlab: gitlab::GitlabFake,
}

impl Fakes {
    /// Every fake filled with the demo's sample keys.
    pub fn demo() -> Self {
        let fakes = Self::default();
        fakes.gcore.seed_demo();
        fakes.sesterce.seed_demo();
        fakes.terraform.seed_demo();
        fakes.github.seed_demo();
        fakes.hetzner.seed_demo();
        fakes.digitalocean.seed_demo();
        fakes.gitlab.seed_demo();
        fakes
    }
}

/// All fakes running on their own runtime, for synchronous callers (the
/// demo mode and UI tests).
pub struct Sandbox {
    // Kept alive so the servers keep running; dropped last.
    _runtime: tokio::runtime::Runtime,
    /// The Gcore fake's state.
    pub gcore: gcore::GcoreFake,
    /// Base URL of the Gcore fake.
    pub gcore_url: String,
    /// The Sesterce fake's state.
    pub sesterce: sesterce::SesterceFake,
    /// Base URL of the Sesterce fake.
    pub sesterce_url: String,
    /// The Terraform fake's state.
    pub terraform: terraform::TerraformFake,
    /// Base URL of the Terraform fake (without `/api/v2`, as a user types it).
    pub terraform_url: String,
    /// The GitHub fake's state.
    pub github: github::GithubFake,
    /// Base URL of the GitHub fake.
    pub github_url: String,
    /// The Hetzner Cloud fake's state.
    pub hetzner: hetzner::HetznerFake,
    /// Base URL of the Hetzner Cloud fake (with `/v1`, as the API's).
    pub hetzner_url: String,
    /// The DigitalOcean fake's state.
    pub digitalocean: digitalocean::DigitaloceanFake,
    /// Base URL of the DigitalOcean fake.
    pub digitalocean_url: String,
    /// The GitLab fake's state.
    pub gitlab: gitlab::GitlabFake,
    /// Base URL of the GitLab fake (the instance's address, without
    /// `/api/v4`, as a user types it).
    pub gitlab_url: String,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("gcore_url", &self.gcore_url)
            .field("sesterce_url", &self.sesterce_url)
            .field("terraform_url", &self.terraform_url)
            .field("github_url", &self.github_url)
            .field("hetzner_url", &self.hetzner_url)
            .field("digitalocean_url", &self.digitalocean_url)
            .field("gitlab_url", &self.gitlab_url)
            .finish()
    }
}

impl Sandbox {
    /// The base URL of `kind`'s fake.
    pub fn url(&self, kind: ProviderKind) -> &str {
        match kind {
            ProviderKind::Gcore => &self.gcore_url,
            ProviderKind::Sesterce => &self.sesterce_url,
            ProviderKind::Terraform => &self.terraform_url,
            ProviderKind::Github => &self.github_url,
            ProviderKind::Hetzner => &self.hetzner_url,
            ProviderKind::Digitalocean => &self.digitalocean_url,
            ProviderKind::Gitlab => &self.gitlab_url,
        }
    }

    /// `kind`'s fault injection and request log.
    #[cfg(feature = "sandbox-faults")]
    pub fn faults(&self, kind: ProviderKind) -> Faults {
        match kind {
            ProviderKind::Gcore => self.gcore.faults(),
            ProviderKind::Sesterce => self.sesterce.faults(),
            ProviderKind::Terraform => self.terraform.faults(),
            ProviderKind::Github => self.github.faults(),
            ProviderKind::Hetzner => self.hetzner.faults(),
            ProviderKind::Digitalocean => self.digitalocean.faults(),
            ProviderKind::Gitlab => self.gitlab.faults(),
        }
    }

    /// A profile named `name` for the sandbox account of `kind` (project
    /// [`SANDBOX_PROJECT`], organization [`SANDBOX_ORGANIZATION`]).
    pub fn profile(&self, kind: ProviderKind, name: &str) -> Profile {
        let mut profile = Profile::new(kind);
        profile.name = name.into();
        profile.base_url = self.url(kind).to_string();
        profile.settings = profile
            .settings
            .with_text(FieldKey::Project, SANDBOX_PROJECT)
            .with_text(FieldKey::Organization, SANDBOX_ORGANIZATION);
        profile
    }

    /// Stores a key in the sandbox account of `kind`, straight in the
    /// fake: `public_key`, or `private_key` where the provider stores one.
    pub fn seed_key(&self, kind: ProviderKind, name: &str, public_key: &str, private_key: &str) {
        match kind {
            ProviderKind::Gcore => {
                self.gcore.add_key(1, name, public_key, true);
            }
            ProviderKind::Sesterce => {
                self.sesterce.add_key(name, public_key);
            }
            ProviderKind::Terraform => {
                self.terraform
                    .add_key(SANDBOX_ORGANIZATION, name, private_key);
            }
            ProviderKind::Github => {
                self.github.add_key(name, public_key);
            }
            ProviderKind::Hetzner => {
                self.hetzner.add_key(name, public_key);
            }
            ProviderKind::Digitalocean => {
                self.digitalocean.add_key(name, public_key);
            }
            ProviderKind::Gitlab => {
                self.gitlab.add_key(name, public_key);
            }
        }
    }

    /// The names of the keys in the sandbox account of `kind`.
    pub fn key_names(&self, kind: ProviderKind) -> Vec<String> {
        match kind {
            ProviderKind::Gcore => self.gcore.keys(1).into_iter().map(|k| k.1).collect(),
            ProviderKind::Sesterce => self.sesterce.keys().into_iter().map(|k| k.name).collect(),
            ProviderKind::Terraform => self
                .terraform
                .keys(SANDBOX_ORGANIZATION)
                .into_iter()
                .map(|k| k.1)
                .collect(),
            ProviderKind::Github => self.github.keys().into_iter().map(|k| k.title).collect(),
            ProviderKind::Hetzner => self.hetzner.keys().into_iter().map(|k| k.name).collect(),
            ProviderKind::Digitalocean => self
                .digitalocean
                .keys()
                .into_iter()
                .map(|k| k.name)
                .collect(),
            ProviderKind::Gitlab => self.gitlab.keys().into_iter().map(|k| k.title).collect(),
        }
    }

    /// The key set of every fake, by provider: the whole state a
    /// destructive step may touch.
    pub fn snapshot(&self) -> std::collections::BTreeMap<&'static str, KeySet> {
        std::collections::BTreeMap::from([
            ("gcore", self.gcore.snapshot()),
            ("sesterce", self.sesterce.snapshot()),
            ("terraform", self.terraform.snapshot()),
            ("github", self.github.snapshot()),
            ("hetzner", self.hetzner.snapshot()),
            ("digitalocean", self.digitalocean.snapshot()),
            ("gitlab", self.gitlab.snapshot()),
        ])
    }

    /// Starts empty fakes (one default project/organization, no keys): the
    /// tests' starting point.
    #[cfg(feature = "sandbox-faults")]
    pub fn start() -> std::io::Result<Self> {
        Self::start_with(Fakes::default())
    }

    /// Starts fakes filled with sample keys, for `--demo`.
    pub fn start_demo() -> std::io::Result<Self> {
        Self::start_with(Fakes::demo())
    }

    /// Starts the given fakes, each on its own loopback port.
    pub fn start_with(fakes: Fakes) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("keyfleet-sandbox")
            .enable_all()
            .build()?;
        let Fakes {
            gcore,
            sesterce,
            terraform,
            github,
            hetzner,
            digitalocean,
            gitlab,
        } = fakes;
        let urls = runtime.block_on(async {
            Ok::<_, std::io::Error>([
                serve(gcore.router()).await?,
                serve(sesterce.router()).await?,
                serve(terraform.router()).await?,
                serve(github.router()).await?,
                format!("{}/v1", serve(hetzner.router()).await?),
                serve(digitalocean.router()).await?,
                serve(gitlab.router()).await?,
            ])
        })?;
        let [
            gcore_url,
            sesterce_url,
            terraform_url,
            github_url,
            hetzner_url,
            digitalocean_url,
            gitlab_url,
        ] = urls;
        Ok(Self {
            _runtime: runtime,
            gcore,
            gcore_url,
            sesterce,
            sesterce_url,
            terraform,
            terraform_url,
            github,
            github_url,
            hetzner,
            hetzner_url,
            digitalocean,
            digitalocean_url,
            gitlab,
            gitlab_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_with_serves_the_fakes_it_is_given_each_on_its_own_port() {
        let hetzner = hetzner::HetznerFake::new();
        hetzner.add_key("prepared", "ssh-ed25519 AAAA prepared");
        let sandbox = Sandbox::start_with(Fakes {
            hetzner,
            ..Fakes::default()
        })
        .unwrap();
        assert_eq!(sandbox.key_names(ProviderKind::Hetzner), ["prepared"]);
        assert!(sandbox.url(ProviderKind::Hetzner).ends_with("/v1"));
        let urls: std::collections::HashSet<&str> = ProviderKind::ALL
            .into_iter()
            .map(|kind| sandbox.url(kind))
            .collect();
        assert_eq!(urls.len(), ProviderKind::ALL.len(), "{sandbox:?}");
        for kind in ProviderKind::ALL
            .into_iter()
            .filter(|k| *k != ProviderKind::Hetzner)
        {
            assert!(sandbox.key_names(kind).is_empty(), "{kind:?}");
        }
    }
}
