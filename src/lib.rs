//! Keyfleet: one window and one command line for the SSH keys kept in Gcore
//! Cloud, Sesterce, HCP Terraform and GitHub accounts and on this computer.
//!
//! The modules form layers; each uses only the layers below it
//! (`tests/architecture.rs` checks this and that no modules import each
//! other in a circle):
//!
//! ```text
//! probe                      bench probes (feature `bench`)
//! app                        the window: state and glue
//! ui                         panels and dialogs (egui)
//! state, cli                 the window's table models; `keyfleet …`
//! backend                    tokio runtime: Command in, one answer out
//! ops                        fleet operations: create-with-recovery,
//!                            publish, revoke planning, rotation
//! demo, inventory            `--demo` accounts; keys grouped by fingerprint
//! sandbox                    fake servers (tests and `--demo`)
//! store                      profiles, tokens, settings, atomic files
//! providers                  the provider clients and their specs
//! clock, dates, keys         now, provider dates, key text and files
//! ```
//!
//! The window (`app`, `ui`) asks the backend for work with
//! `Backend::request(|reply| Command::…)` and polls the `Pending` answer;
//! the command line calls `ops` and the provider clients directly.

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
