//! Rotating a key everywhere it is used without locking anyone out.
//!
//! A [`plan::Rotation`] lists, for each account holding the old key, one
//! [`plan::AccountStep`]: add the new key (keeping the old key's flags,
//! moving HCP Terraform workspaces to it), then, after a pause in which the
//! user tests the new key, remove the old one. [`machine`] is the pure
//! state machine (plan → add → paused → remove → done) that decides every
//! request from the server's answers, so a retried or resumed step never
//! adds twice and deletes only the old key, by id and fingerprint;
//! [`run`] performs its requests against the providers.
//! [`store`] keeps unfinished rotations beside `profiles.json`, without a
//! secret in them, so "Later" survives a restart.

pub mod machine;
pub mod plan;
pub mod run;
pub mod store;

pub use machine::{AccountRef, Action, Machine};
pub use plan::{AccountOrigin, AccountStep, NewKeyInfo, OldKeyInfo, Phase, Rotation, StepState};
pub use store::RotationStore;
