//! `keyfleet --demo`: the app against the in-process sandbox fakes, with
//! sample accounts in a temporary config dir and tokens in memory. It never
//! touches the user's profiles or keyring.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::keys::SecretString;
use crate::providers::{ProviderKind, ProviderSettings};
use crate::sandbox::{self, Sandbox};
use crate::store::secrets::SecretStore;
use crate::store::{MemoryStore, Profile, ProfileStore};

/// Everything the demo needs; drop it to stop the fakes and delete the
/// temporary config dir.
pub struct Demo {
    /// The fake servers.
    pub sandbox: Sandbox,
    /// The temporary profiles file.
    pub store: ProfileStore,
    /// Tokens, in memory only.
    pub secrets: Arc<MemoryStore>,
    /// A stand-in for `~/.ssh`: one key pair, also on three demo accounts,
    /// so "All keys" shows a key shared across accounts and this computer.
    pub local_key_dir: PathBuf,
    /// The demo's home folder (`%d` in its `config` in `local_key_dir`,
    /// whose hosts name the laptop key, and one a key that is not there).
    pub home: PathBuf,
    // Removed on drop (both folders).
    _config_dir: tempfile::TempDir,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("sandbox", &self.sandbox)
            .finish_non_exhaustive()
    }
}

/// The Gcore regions whose legacy keypairs the demo account shows.
pub const DEMO_REGIONS: [u64; 2] = [76, 38];

impl Demo {
    /// Starts the fakes with sample data and writes sample profiles.
    pub fn start() -> std::io::Result<Self> {
        let sandbox = with_lying_md5(Sandbox::start_demo()?);
        let config_dir = tempfile::Builder::new()
            .prefix("keyfleet-demo-")
            .tempdir()?;
        let store = ProfileStore::new(config_dir.path());
        let secrets = Arc::new(MemoryStore::default());

        let mut gcore = Profile::new(ProviderKind::Gcore);
        gcore.name = "Gcore · Default project".into();
        gcore.base_url = sandbox.gcore_url.clone();
        gcore.settings = ProviderSettings::Gcore {
            project_id: Some(1),
            region_ids: DEMO_REGIONS.to_vec(),
        };

        let mut sesterce = Profile::new(ProviderKind::Sesterce);
        sesterce.name = "Sesterce GPU".into();
        sesterce.base_url = sandbox.sesterce_url.clone();

        let mut terraform = Profile::new(ProviderKind::Terraform);
        terraform.name = "Terraform · acme-infra".into();
        terraform.base_url = sandbox.terraform_url.clone();
        terraform.settings = ProviderSettings::Terraform {
            organization: Some("acme-infra".into()),
        };

        let mut github = Profile::new(ProviderKind::Github);
        github.name = "GitHub · keyfleet-sandbox".into();
        github.base_url = sandbox.github_url.clone();

        let mut hetzner = Profile::new(ProviderKind::Hetzner);
        hetzner.name = "Hetzner Cloud · gpu-lab".into();
        hetzner.base_url = sandbox.hetzner_url.clone();

        let mut digitalocean = Profile::new(ProviderKind::Digitalocean);
        digitalocean.name = "DigitalOcean · droplets".into();
        digitalocean.base_url = sandbox.digitalocean_url.clone();

        let mut gitlab = Profile::new(ProviderKind::Gitlab);
        gitlab.name = "GitLab · keyfleet-sandbox".into();
        gitlab.base_url = sandbox.gitlab_url.clone();

        let tokens = [
            (&gcore, sandbox::GCORE_TOKEN),
            (&sesterce, sandbox::SESTERCE_TOKEN),
            (&terraform, sandbox::TERRAFORM_TOKEN),
            (&github, sandbox::GITHUB_TOKEN),
            (&hetzner, sandbox::HETZNER_TOKEN),
            (&digitalocean, sandbox::DIGITALOCEAN_TOKEN),
            (&gitlab, sandbox::GITLAB_TOKEN),
        ];
        for (profile, token) in tokens {
            secrets
                .set(&profile.id, &SecretString::new(token))
                .map_err(|err| std::io::Error::other(err.message))?;
        }
        store
            .save(&[
                gcore,
                sesterce,
                terraform,
                github,
                gitlab,
                hetzner,
                digitalocean,
            ])
            .map_err(std::io::Error::other)?;
        let local_key_dir = config_dir.path().join("ssh");
        write_laptop_key(&sandbox, &local_key_dir)?;
        write_ssh_config(config_dir.path(), &local_key_dir)?;
        Ok(Self {
            sandbox,
            store,
            secrets,
            local_key_dir,
            home: config_dir.path().to_path_buf(),
            _config_dir: config_dir,
        })
    }
}

/// The demo's own "laptop" key: generated fresh, written to `folder` as
/// `id_ed25519_laptop` (0600) and `.pub`, and added to the Gcore, Sesterce,
/// GitHub and GitLab demo accounts.
fn write_laptop_key(sandbox: &Sandbox, folder: &Path) -> std::io::Result<()> {
    let (private_key, public_key) = laptop_key()?;
    std::fs::create_dir_all(folder)?;
    crate::keys::save::save_private_key(
        &folder.join("id_ed25519_laptop"),
        &private_key,
        &public_key,
        None,
    )
    .map_err(|err| std::io::Error::other(err.to_string()))?;
    for kind in [
        ProviderKind::Gcore,
        ProviderKind::Sesterce,
        ProviderKind::Github,
        ProviderKind::Gitlab,
    ] {
        sandbox.seed_key(kind, "laptop", &public_key, "");
    }
    Ok(())
}

/// The demo key whose server fingerprint lies ([`with_lying_md5`]).
pub const LYING_MD5_KEY: &str = "staging-runner";

/// A key on the DigitalOcean demo account whose reported MD5 is another
/// key's (the account's "droplet-deploy"), as a server that stores one key
/// and shows another would send: All keys marks it ⚠ and "provider's
/// fingerprint disagrees", and still groups it by its own SHA256.
fn with_lying_md5(sandbox: Sandbox) -> Sandbox {
    // Fixed (made once by ssh-keygen): the pixel snapshots show its row.
    const LINE: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMMj8PjX+rtmp4BzrLJXK96T7Dh52wkus7hkO4fpb5us runner@staging";
    let fake = &sandbox.digitalocean;
    let other = fake
        .keys()
        .into_iter()
        .find(|key| key.name == "droplet-deploy")
        .map(|key| key.fingerprint);
    let id = fake.add_key(LYING_MD5_KEY, LINE);
    if let Some(other) = other {
        fake.report_fingerprint(id, &other);
    }
    sandbox
}

/// The demo's `~/.ssh/config`: its home is `home` (so `%d` points there)
/// and its `.ssh` is `ssh_dir`. Two blocks name the laptop key (one with
/// `%d`, through an `Include`), one names a key that does not exist.
fn write_ssh_config(home: &Path, ssh_dir: &Path) -> std::io::Result<()> {
    let folder = ssh_dir
        .strip_prefix(home)
        .map_err(|err| std::io::Error::other(err.to_string()))?
        .display()
        .to_string();
    // Files only (no `config.d/` folder): tests copy the folder's files.
    std::fs::write(
        ssh_dir.join("config"),
        format!(
            "# Keyfleet demo: a stand-in for ~/.ssh/config\n\
             Include *-hosts.conf\n\n\
             Host gpu-box gpu-box.sesterce.example\n    HostName 203.0.113.10\n    \
             User ubuntu\n    IdentityFile %d/{folder}/id_ed25519_laptop\n\n\
             Host old-bastion\n    IdentityFile %d/{folder}/id_rsa_bastion\n"
        ),
    )?;
    std::fs::write(
        ssh_dir.join("github-hosts.conf"),
        format!("Host github.com\n    IdentityFile %d/{folder}/id_ed25519_laptop\n"),
    )
}

/// A new Ed25519 pair commented `me@laptop`: (private key in OpenSSH form,
/// public line). Drawn from [`crate::clock::seeded_rng`], so the pixel
/// snapshots, which fix the clock, get the same key on every run.
fn laptop_key() -> std::io::Result<(SecretString, String)> {
    let mut rng = crate::clock::seeded_rng("me@laptop");
    let mut key = ssh_key::PrivateKey::random(&mut rng, ssh_key::Algorithm::Ed25519)
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    key.set_comment("me@laptop");
    let private_key = key
        .to_openssh(ssh_key::LineEnding::LF)
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    let public_key = key
        .public_key()
        .to_openssh()
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    Ok((SecretString::new(private_key.as_str()), public_key))
}
