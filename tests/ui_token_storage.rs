//! A token typed into the account dialog goes to the secret store and
//! nowhere else: after saving an account of every provider through the
//! real app, no file anywhere in the config folder holds any of the tokens.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use egui_kittest::kittest::Queryable;
use keyfleet::providers::spec::FieldKey;
use keyfleet::providers::{ProviderKind, registry};
use keyfleet::sandbox::{self, SANDBOX_ORGANIZATION, SANDBOX_PROJECT, Sandbox};
use keyfleet::store::{MemoryStore, SecretStore};

/// Every file below `dir`, recursively, with its bytes.
fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn tokens_saved_through_the_app_never_reach_the_config_folder() {
    let sandbox = Sandbox::start().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let config_path = config_dir.path().to_path_buf();
    let secrets = Arc::new(MemoryStore::default());
    let mut test = start_app(sandbox, config_dir, secrets.clone());
    let h = &mut test.harness;
    h.run_steps(2);

    for (index, provider) in registry::all().into_iter().enumerate() {
        let kind = provider.kind;
        click(
            h,
            if index == 0 {
                "➕ Add your first account"
            } else {
                "➕ Add account"
            },
        );
        click(h, "Provider:");
        h.get_by_label(provider.label).click();
        h.run_steps(2);
        set_text(h, "Display name:", &format!("{} account", provider.label));
        set_text(h, provider.base_url_label, test.sandbox.url(kind));
        set_text(h, "API token:", sandbox::token(kind));
        for field in provider
            .profile_fields
            .iter()
            .filter(|field| !field.multiple)
        {
            let value = match field.key {
                FieldKey::Project => SANDBOX_PROJECT,
                _ => SANDBOX_ORGANIZATION,
            };
            set_text(h, field.label, value);
        }
        click(h, "Save");
        let wanted = index + 1;
        wait_until(h, "account saved and listed", move |h| {
            let app = h.state();
            app.profiles().len() == wanted
                && app
                    .selected()
                    .and_then(|id| app.account(id))
                    .is_some_and(|account| account.loaded && account.error.is_none())
        });
    }

    let profiles = test.store.load().profiles;
    assert_eq!(profiles.len(), ProviderKind::ALL.len());
    let files = all_files(&config_path);
    assert!(
        files
            .iter()
            .any(|(path, _)| path.ends_with("profiles.json")),
        "{files:?}"
    );
    for profile in &profiles {
        let token = sandbox::token(profile.provider());
        // The token is in the secret store…
        assert_eq!(
            secrets
                .get(&profile.id)
                .unwrap()
                .map(|t| t.expose().to_string())
                .as_deref(),
            Some(token)
        );
        // …and in no file of the config folder.
        for (path, bytes) in &files {
            assert!(
                !contains(bytes, token),
                "{path} holds the {:?} token",
                profile.provider()
            );
        }
    }
}
