//! The background side: a tokio runtime on its own threads that runs every
//! slow operation (network, keyring, files, key generation). The UI sends a
//! [`Command`] and receives an [`Event`]; nothing here touches egui except
//! `request_repaint` after sending an event.

mod commands;
mod dialogs;
mod runtime;

pub use commands::{
    ChoiceKind, Command, CreateOutcome, Event, EventPayload, FileKind, LoadedFile, RequestId,
};
pub use dialogs::{FileDialogs, NativeDialogs, ScriptedDialogs};
pub use runtime::{Backend, Services};
