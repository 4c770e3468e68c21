//! What uses each key of an account, when a provider lists it apart from
//! the keys (HCP Terraform: the workspaces cloning with each key). The
//! window shows the keys as soon as they are listed and fills "Used by" in
//! when this arrives ([`KeyUsage::apply`]); until then a key's `used_by`
//! is `None`, "not known".

use std::collections::HashMap;

use super::model::RemoteKey;

/// Per key id, the names of what uses the key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyUsage {
    users: HashMap<String, Vec<String>>,
}

impl KeyUsage {
    /// From `(key id, user name)` pairs, in the order listed.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut users: HashMap<String, Vec<String>> = HashMap::new();
        for (key_id, user) in pairs {
            users.entry(key_id).or_default().push(user);
        }
        Self { users }
    }

    /// What uses the key with id `key_id` (empty: nothing does).
    pub fn users_of(&self, key_id: &str) -> &[String] {
        self.users
            .get(key_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Sets every key's `used_by` (an empty list when nothing uses it).
    pub fn apply(&self, keys: &mut [RemoteKey]) {
        for key in keys {
            self.apply_to(key);
        }
    }

    /// Sets one key's `used_by`.
    pub fn apply_to(&self, key: &mut RemoteKey) {
        key.used_by = Some(self.users_of(&key.id).to_vec());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_gets_its_users_and_unused_keys_an_empty_list() {
        let usage = KeyUsage::from_pairs([
            ("k1".to_string(), "network".to_string()),
            ("k2".to_string(), "dns".to_string()),
            ("k1".to_string(), "db".to_string()),
        ]);
        let key = |id: &str| RemoteKey {
            id: id.into(),
            ..RemoteKey::default()
        };
        let mut keys = vec![key("k1"), key("k3")];
        usage.apply(&mut keys);
        assert_eq!(keys[0].used_by, Some(vec!["network".into(), "db".into()]));
        assert_eq!(keys[1].used_by, Some(Vec::new()));
        assert_eq!(usage.users_of("k2"), ["dns".to_string()]);
    }
}
