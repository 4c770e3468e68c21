//! The inventory's oldest date of a key is the earliest instant among its
//! copies, whatever order the accounts list them in and whatever form each
//! provider sends (a mutation test found `earlier` could answer "yes"
//! always and no test noticed).

use keyfleet::inventory::Inventory;
use keyfleet::providers::{KeyScope, ProviderKind, RemoteKey};
use keyfleet::store::Profile;

fn copy(id: &str, created: &str) -> RemoteKey {
    RemoteKey {
        id: id.into(),
        name: "laptop".into(),
        fingerprint_sha256: Some("SHA256:shared".into()),
        created_at: Some(created.into()),
        scope: KeyScope::Account,
        ..RemoteKey::default()
    }
}

#[test]
fn the_oldest_copy_is_the_earliest_instant_in_any_order_and_form() {
    let created = [
        "2026-12-01T06:19:11Z",
        // Zone-less (taken as UTC): the earliest, though not as text.
        "2026-02-04T06:19:11",
        "2026-12-01T06:19:11.150Z",
        "2026-03-01T00:00:00+02:00",
    ];
    for rotate in 0..created.len() {
        let mut order = created.to_vec();
        order.rotate_left(rotate);
        let accounts: Vec<_> = order
            .iter()
            .enumerate()
            .map(|(index, when)| {
                let mut profile = Profile::new(ProviderKind::Github);
                profile.name = format!("account-{index}");
                (profile, Ok(vec![copy(&index.to_string(), when)]))
            })
            .collect();
        let inventory = Inventory::build(&accounts, &[]);
        assert_eq!(inventory.keys.len(), 1);
        assert_eq!(
            inventory.keys[0].oldest_created_at.as_deref(),
            Some("2026-02-04T06:19:11Z"),
            "{order:?}"
        );
    }
}
