//! Serves the seeded sandbox fakes (the `--demo` data) on 127.0.0.1 and
//! writes a `profiles.json` pointing at them, so the real binary can be
//! tried in a real window against them *without* `--demo`: with your own
//! `HOME`, key folder and current directory, as a first-time user has them.
//!
//! ```sh
//! cargo run --example sandbox_accounts -- /tmp/kf-config > /tmp/kf-env
//! . /tmp/kf-env      # the providers' token variables, KEYFLEET_CONFIG_DIR
//! HOME=$(mktemp -d) target/release/keyfleet
//! ```
//!
//! It prints the environment to stdout and then serves until killed.

use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::{self, Sandbox};
use keyfleet::store::{ProfileStore, TokenSource};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(config_dir) = std::env::args_os().nth(1) else {
        return Err("usage: sandbox_accounts CONFIG_DIR".into());
    };
    let sandbox = Sandbox::start_demo()?;
    let profiles: Vec<_> = ProviderKind::ALL
        .iter()
        .map(|&kind| {
            let mut profile = sandbox.profile(kind, &format!("{} (sandbox)", kind.spec().label));
            // The fakes' tokens come from the environment printed below,
            // never from (or into) the user's real keyring.
            profile.token_source = TokenSource::EnvVar(kind.spec().token_env_var.to_string());
            profile
        })
        .collect();
    std::fs::create_dir_all(&config_dir)?;
    let store = ProfileStore::new(std::path::PathBuf::from(&config_dir));
    store.save(&profiles)?;
    println!("export KEYFLEET_CONFIG_DIR={}", store.dir().display());
    for kind in ProviderKind::ALL {
        println!(
            "export {}='{}'",
            kind.spec().token_env_var,
            sandbox::token(kind)
        );
    }
    // Serve until killed; the fakes run on the sandbox's own runtime.
    loop {
        std::thread::park();
    }
}
