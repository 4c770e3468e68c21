//! Counts for the "All keys" chart: keys by type and by age.

use time::{Duration, OffsetDateTime};

use super::{Inventory, parse_time};

/// The age buckets of [`Inventory::by_age`], youngest first.
pub const AGE_BUCKETS: [&str; 6] = [
    "< 30 days",
    "30–90 days",
    "90 days–1 year",
    "1–2 years",
    "> 2 years",
    "no date",
];

impl Inventory {
    /// How many distinct keys of each type (as `ssh-keygen -l` names it,
    /// e.g. `RSA 2048`), most common first; keys of unknown type count as
    /// "unknown".
    pub fn by_algorithm(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for key in &self.keys {
            let label = key.algorithm.as_deref().unwrap_or("unknown");
            match counts.iter_mut().find(|(known, _)| known == label) {
                Some((_, count)) => *count += 1,
                None => counts.push((label.to_string(), 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    }

    /// How many distinct keys fall in each of [`AGE_BUCKETS`], by the oldest
    /// creation date on any account; local-only keys have no date.
    pub fn by_age(&self, now: OffsetDateTime) -> [usize; 6] {
        let limits = [
            Duration::days(30),
            Duration::days(90),
            Duration::days(365),
            Duration::days(730),
        ];
        let mut counts = [0; 6];
        for key in &self.keys {
            let bucket = match key.oldest_created_at.as_deref().and_then(parse_time) {
                None => 5,
                Some(created) => {
                    let age = now - created;
                    limits.iter().position(|limit| age < *limit).unwrap_or(4)
                }
            };
            counts[bucket] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::inventory::KeyGroup;

    fn key(algorithm: Option<&str>, created: Option<&str>) -> KeyGroup {
        let mut key = KeyGroup::new(None);
        key.algorithm = algorithm.map(str::to_string);
        key.oldest_created_at = created.map(str::to_string);
        key
    }

    #[test]
    fn counts_by_type_most_common_first_and_by_age_bucket() {
        let inventory = Inventory {
            keys: vec![
                key(Some("ED25519"), Some("2026-11-20T00:00:00Z")),
                key(Some("RSA 2048"), Some("2026-09-01T00:00:00Z")),
                key(Some("ED25519"), Some("2026-01-01T00:00:00Z")),
                key(Some("ED25519"), Some("2025-06-01T00:00:00Z")),
                key(None, Some("2020-01-01T00:00:00Z")),
                key(Some("RSA 2048"), None),
                key(Some("DSA 1024"), Some("not a date")),
            ],
            errors: Vec::new(),
        };
        assert_eq!(
            inventory.by_algorithm(),
            [
                ("ED25519".to_string(), 3),
                ("RSA 2048".to_string(), 2),
                ("DSA 1024".to_string(), 1),
                ("unknown".to_string(), 1),
            ]
        );
        let now = datetime!(2026-11-28 12:00 UTC);
        // < 30 d, 30–90 d, 90 d–1 y, 1–2 y, > 2 y, no date.
        assert_eq!(inventory.by_age(now), [1, 1, 1, 1, 1, 2]);
    }
}
