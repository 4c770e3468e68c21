//! Bystander checks for destructive steps: every key a fake stores is taken
//! before and after, and only the keys meant to go may differ, by going.

use std::collections::BTreeMap;

use keyfleet::providers::ProviderKind;
use keyfleet::sandbox::KeySet;

/// The identity in `set` that `id` names: the identity itself, or the only
/// one ending in `/id` (ids are unique within a fake; GitHub's two lists
/// share numbers, so name those as `authentication/ID` or `signing/ID`).
fn identity_of<'a>(set: &'a KeySet, id: &str) -> &'a str {
    let suffix = format!("/{id}");
    let matches: Vec<&String> = set
        .keys()
        .filter(|identity| identity.as_str() == id || identity.ends_with(&suffix))
        .collect();
    assert_eq!(matches.len(), 1, "{id} names {matches:?} in {set:#?}");
    matches[0]
}

/// Asserts `after` is `before` without exactly the keys `gone` names, every
/// other key byte-for-byte what it was.
pub fn assert_only_gone(before: &KeySet, after: &KeySet, gone: &[&str]) {
    let mut expected = before.clone();
    for id in gone {
        let identity = identity_of(before, id).to_string();
        expected.remove(&identity);
    }
    assert_eq!(
        after, &expected,
        "after removing {gone:?}, the account holds something else than before minus those keys"
    );
}

/// Asserts no key of any fake changed or went.
pub fn assert_unchanged(before: &BTreeMap<&str, KeySet>, after: &BTreeMap<&str, KeySet>) {
    assert_eq!(
        after, before,
        "a key changed or went where nothing should have"
    );
}

/// Like [`assert_only_gone`] over every fake of a sandbox: `gone` lists
/// `(provider, id)` pairs (`"gcore"`, `"sesterce"`, `"terraform"`, `"github"`).
pub fn assert_only_gone_everywhere(
    before: &BTreeMap<&str, KeySet>,
    after: &BTreeMap<&str, KeySet>,
    gone: &[(&str, &str)],
) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (provider, set) in before {
        let ids: Vec<&str> = gone
            .iter()
            .filter(|(gone_provider, _)| gone_provider == provider)
            .map(|(_, id)| *id)
            .collect();
        assert_only_gone(set, &after[provider], &ids);
    }
}

/// The name [`keyfleet::sandbox::Sandbox::snapshot`] files `kind`'s keys
/// under.
pub fn snapshot_name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Gcore => "gcore",
        ProviderKind::Sesterce => "sesterce",
        ProviderKind::Terraform => "terraform",
        ProviderKind::Github => "github",
        ProviderKind::Hetzner => "hetzner",
        ProviderKind::Digitalocean => "digitalocean",
        ProviderKind::Gitlab => "gitlab",
    }
}

/// Asserts what a step did over every fake, from the snapshot `before` to
/// `after`: the keys `gone` names went; the keys `may_change` names are
/// still there, in any state (a flag handed on); `added` says how many new
/// keys each fake got (none where not listed); every other key is
/// byte-for-byte what it was. Keys are named `(provider, id)`.
pub fn assert_changes_everywhere(
    before: &BTreeMap<&str, KeySet>,
    after: &BTreeMap<&str, KeySet>,
    gone: &[(&str, &str)],
    may_change: &[(&str, &str)],
    added: &[(&str, usize)],
) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (provider, then) in before {
        let now = &after[provider];
        let named = |pairs: &[(&str, &str)]| -> Vec<String> {
            pairs
                .iter()
                .filter(|(named_provider, _)| named_provider == provider)
                .map(|(_, id)| identity_of(then, id).to_string())
                .collect()
        };
        let (gone_here, changing) = (named(gone), named(may_change));
        let mut expected = then.clone();
        expected.retain(|identity, _| !gone_here.contains(identity));
        let mut kept: KeySet = now
            .iter()
            .filter(|(identity, _)| then.contains_key(*identity))
            .map(|(identity, value)| (identity.clone(), value.clone()))
            .collect();
        for identity in &changing {
            assert!(kept.contains_key(identity), "{provider}: {identity} went");
            kept.insert(identity.clone(), String::new());
            expected.insert(identity.clone(), String::new());
        }
        assert_eq!(
            kept, expected,
            "{provider}: a key that should stay changed or went"
        );
        let new: Vec<&String> = now.keys().filter(|id| !then.contains_key(*id)).collect();
        let wanted = added
            .iter()
            .find(|(added_provider, _)| added_provider == provider)
            .map_or(0, |(_, count)| *count);
        assert_eq!(new.len(), wanted, "{provider}: new keys {new:?}");
    }
}
