//! Drives the real app with a Gcore account that shows legacy regional
//! keypairs: list them next to project keys and migrate one.

mod common;

use common::*;
use keyfleet::providers::spec::FieldKey;
use keyfleet::providers::{KeyScope, ProviderKind};
use keyfleet::sandbox::Sandbox;

#[test]
fn regional_keypairs_listed_and_copied_to_project() {
    let sandbox = Sandbox::start().unwrap();
    let project_key = public_key(ssh_key::Algorithm::Ed25519, "p@h");
    let legacy_key = public_key(ssh_key::Algorithm::Rsa { hash: None }, "legacy@h");
    sandbox.gcore.add_key(1, "project-key", &project_key, true);
    sandbox
        .gcore
        .add_keypair(1, 76, "old-regional", &legacy_key);
    let mut profile = sandbox.profile(ProviderKind::Gcore, "Gcore");
    profile.settings = profile.settings.with_values(FieldKey::Regions, &["76"]);
    let mut test = start_with_profile(sandbox, &profile);
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "both kinds listed", |h| {
        h.state().account(&id).is_some_and(|a| a.table.len() == 2)
    });
    let rows = h.state().account(&id).unwrap().table.rows().to_vec();
    let regional = rows.iter().find(|k| k.name == "old-regional").unwrap();
    assert!(matches!(
        regional.scope,
        KeyScope::Region { region_id: 76, .. }
    ));
    wait_for_label_containing(h, "Regional (legacy)");
    wait_for_label_containing(h, "deprecated");

    set_text(h, "Filter:", "old-regional");
    select_key(h, "old-regional");
    click(h, "Copy to project");
    let id2 = id.clone();
    wait_until(h, "copied to project", |h| {
        h.state().account(&id2).unwrap().table.len() == 3
    });
    let project_names: Vec<String> = test
        .sandbox
        .gcore
        .keys(1)
        .into_iter()
        .map(|k| k.1)
        .collect();
    assert!(
        project_names.contains(&"old-regional".to_string()),
        "{project_names:?}"
    );
    let copied = test
        .sandbox
        .gcore
        .keys(1)
        .into_iter()
        .find(|k| k.1 == "old-regional")
        .unwrap();
    assert_eq!(
        key_data(&test.sandbox.gcore.public_key(1, &copied.0).unwrap()),
        key_data(&legacy_key)
    );
}
