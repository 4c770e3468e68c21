//! The `keyfleet` binary as the CLI tests run it: the sandbox's four
//! accounts saved as profiles whose tokens come from environment variables,
//! and the binary started with its own config folder, `HOME` and current
//! folder, those tokens set and nothing on stdin.

use std::path::Path;
use std::process::{Command, Stdio};

use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{self, Sandbox};
use keyfleet::store::{Profile, ProfileStore, TokenSource};

/// The accounts a CLI test saves, with their profile names.
pub const ACCOUNTS: [(ProviderKind, &str); 5] = [
    (ProviderKind::Gcore, "Gcore prod"),
    (ProviderKind::Sesterce, "Sesterce"),
    (ProviderKind::Terraform, "Terraform"),
    (ProviderKind::Github, "GitHub"),
    (ProviderKind::Gitlab, "GitLab"),
];

/// The variable holding `kind`'s token in the tests of `suite` (`rotate`,
/// `revoke`): one name per suite, so no suite reads another's tokens.
pub fn token_variable(suite: &str, kind: ProviderKind) -> String {
    format!("KEYFLEET_{suite}_TEST_{kind:?}").to_uppercase()
}

/// Saves [`ACCOUNTS`] of `sandbox` as the profiles in `config`, each
/// reading its token from [`token_variable`].
pub fn save_accounts(sandbox: &Sandbox, config: &Path, suite: &str) {
    let profiles: Vec<Profile> = ACCOUNTS
        .into_iter()
        .map(|(kind, name)| {
            let mut profile = sandbox.profile(kind, name);
            profile.token_source = TokenSource::EnvVar(token_variable(suite, kind));
            profile
        })
        .collect();
    ProfileStore::new(config).save(&profiles).unwrap();
}

/// Where a run of the binary lives: its config folder, `HOME` and current
/// folder.
pub struct Folders<'a> {
    /// `KEYFLEET_CONFIG_DIR` (profiles.json, rotations.json).
    pub config: &'a Path,
    /// `HOME`.
    pub home: &'a Path,
    /// The current folder.
    pub cwd: &'a Path,
}

/// `keyfleet args` in `folders`, with the tokens of `suite` set, no
/// `RUST_LOG` and nothing on stdin.
pub fn keyfleet_command(suite: &str, folders: &Folders, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keyfleet"));
    command
        .args(args)
        .current_dir(folders.cwd)
        .env("KEYFLEET_CONFIG_DIR", folders.config)
        .env("HOME", folders.home)
        .env_remove("RUST_LOG")
        // The user's own agent is not the test's: a test that wants one
        // starts it and sets the variable.
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null());
    for kind in ProviderKind::ALL {
        command.env(token_variable(suite, kind), sandbox::token(kind));
    }
    command
}
