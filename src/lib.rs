//! Keyfleet: one window for the SSH keys kept in Gcore Cloud, Sesterce and
//! HCP Terraform accounts.
//!
//! The UI (`app`, `ui`) talks to the background runtime (`backend`) only
//! through `Command`s and `Event`s; provider clients live in `providers`,
//! local key handling in `keys`, profiles and secrets in `store`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod backend;
pub mod cli;
pub mod clock;
pub mod dates;
#[cfg(feature = "sandbox")]
pub mod demo;
pub mod inventory;
pub mod keys;
pub mod ops;
#[cfg(feature = "bench")]
pub mod probe;
pub mod providers;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod state;
pub mod store;
pub mod ui;
