//! The background side: a tokio runtime on its own threads that runs every
//! slow operation (network, keyring, files, key generation). Whoever needs
//! one calls [`Backend::request`] with a [`Command`] and keeps the returned
//! [`Pending`] answer; nothing here touches egui except `request_repaint`
//! after sending an answer.

mod commands;
mod dialogs;
pub mod fleet;
pub mod recovery;
mod request;
mod runtime;

pub use commands::{ChoiceKind, Command, CreateOutcome, FileKind, LoadedFile};
pub use dialogs::{FileDialogs, NativeDialogs, ScriptedDialogs};
pub use request::{Lost, Pending, Reply, RequestId, take_answer};
pub use runtime::{Backend, Services, account_client, create_with_recovery, token_for};
