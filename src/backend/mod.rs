//! The background side: a tokio runtime on its own threads that runs every
//! slow operation (network, keyring, files, key generation). Whoever needs
//! one calls [`Backend::request`] with a [`Command`] and keeps the returned
//! [`Pending`] answer; nothing here touches egui except `request_repaint`
//! after sending an answer.

mod commands;
mod context;
#[cfg(feature = "sandbox")]
mod demo_agent;
mod dialogs;
mod dispatch;
pub mod fleet;
mod request;
mod runtime;

pub use commands::{ChoiceKind, Command, FileKind, ListedKeys, LoadedFile};
pub use context::{Services, account_client, token_for};
#[cfg(feature = "sandbox")]
pub use demo_agent::DemoAgent;
pub use dialogs::{FileDialogs, NativeDialogs, ScriptedDialogs};
pub use request::{Lost, Pending, Reply, RequestId, take_answer};
pub use runtime::Backend;

// The answers of `Command::CreateKey` and `Command::PublishKey`, made by
// the fleet operations below; named here too so the window's code that
// awaits them keeps one import path.
pub use crate::ops::publish::PublishOutcome;
pub use crate::ops::recovery::CreateOutcome;
