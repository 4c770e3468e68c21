//! Fleet operations: the changes Keyfleet makes to accounts, below the
//! backend, the command line and the window, which all call them.
//!
//! - [`recovery`]: create a key, and find out what a create whose answer
//!   was lost did (by id and fingerprint, never by name alone).
//! - [`publish`]: add a key to an account unless it is already there.
//! - [`revoke`]: which copies "remove everywhere" deletes.
//! - [`rotation`]: replace a key everywhere it is used (the plan, the pure
//!   state machine, performing its requests, `rotations.json`).
//!
//! They use providers, the inventory, keys and the store; nothing here
//! knows the backend's commands, the CLI or the window.

pub mod publish;
pub mod recovery;
pub mod revoke;
pub mod rotation;

pub use publish::{PublishOutcome, publish_to};
pub use recovery::{CreateOutcome, create_with_recovery};
pub use revoke::{RevokeCopy, RevokePlan, plan_revoke};
