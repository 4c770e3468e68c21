//! Rotating a key everywhere it is used without locking anyone out.
//!
//! A [`plan::Rotation`] lists, for each account holding the old key, one
//! [`plan::AccountStep`]: add the new key (keeping the old key's flags,
//! moving HCP Terraform workspaces to it), then, after a pause in which the
//! user tests the new key, remove the old one. [`run`] carries out one step
//! against a provider, always deciding from the server's state (a key with
//! the new fingerprint, or for keys without public material the planned
//! name, counts as added) so a retried or resumed step never adds twice.
//! [`store`] keeps unfinished rotations beside `profiles.json`, without a
//! secret in them, so "Later" survives a restart.

pub mod plan;
pub mod run;
pub mod store;

pub use plan::{AccountStep, NewKeyInfo, OldKeyInfo, Phase, Rotation, StepScope, StepState};
pub use store::RotationStore;
