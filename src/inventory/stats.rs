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
