//! "Now" for everything Keyfleet shows that depends on the date (key ages,
//! the age chart, a rotated key's default name) and for the sandbox fakes'
//! dates.
//!
//! It is the system clock, unless a test fixed it for its whole process
//! with [`fix`]: the pixel snapshots (`tests/ui_snapshots.rs`) must render
//! the same dates on every run, and then the fakes also draw their demo
//! keys from a generator seeded per key ([`seeded_rng`]), so the same
//! fingerprints show too. Nothing a user runs ever calls [`fix`].

use std::sync::OnceLock;

use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

static FIXED_NOW: OnceLock<OffsetDateTime> = OnceLock::new();

/// The current time in UTC: the system clock, or the time given to [`fix`].
pub fn now_utc() -> OffsetDateTime {
    FIXED_NOW
        .get()
        .copied()
        .unwrap_or_else(OffsetDateTime::now_utc)
}

/// Fixes "now" at `now` for the rest of this process, and makes the sandbox
/// fakes' demo keys repeatable. Calling it again with the same time is
/// fine (every test of a binary calls it); another time is refused with
/// the time already fixed, since tests running side by side must agree.
pub fn fix(now: OffsetDateTime) -> Result<(), OffsetDateTime> {
    let fixed = *FIXED_NOW.get_or_init(|| now);
    if fixed == now { Ok(()) } else { Err(fixed) }
}

/// Whether [`fix`] was called in this process.
pub fn is_fixed() -> bool {
    FIXED_NOW.get().is_some()
}

/// A random generator for made-up data (the fakes' demo keys): seeded from
/// the operating system, or, once the clock is fixed, from `label` alone,
/// so the same label gives the same draws on every run and machine (for
/// this `rand` version: `StdRng`'s algorithm is pinned by Cargo.lock).
/// Each label has its own generator, so draws do not depend on the order
/// in which tests running side by side make them.
pub fn seeded_rng(label: &str) -> StdRng {
    if is_fixed() {
        rng_from_label(label)
    } else {
        StdRng::from_entropy()
    }
}

fn rng_from_label(label: &str) -> StdRng {
    StdRng::from_seed(Sha256::digest(label.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use rand::RngCore;

    use super::*;

    // `fix` holds for the whole process, so it is tested in its own test
    // binary (`tests/ui_snapshots.rs`); the library's tests keep the real
    // clock.
    #[test]
    fn a_label_seeds_the_same_draws_and_different_labels_differ() {
        let draw = |label: &str| rng_from_label(label).next_u64();
        assert_eq!(draw("gcore alice"), draw("gcore alice"));
        assert_ne!(draw("gcore alice"), draw("gcore bob"));
    }
}
