//! One shape for every modal (after rerun's `re_ui::modal` and gitui's
//! `Component` + `popup_stack`): each dialog, the command palette, the
//! unsaved-private-key dialog and the quit prompt implement [`Modal`]
//! (draw one frame, then return a [`Step`]), all sit on one stack
//! (`app::modals::Modals`), and all draw inside one [`ModalFrame`] (egui's
//! `Modal`, a width, and "Escape or a click outside does not close it while
//! it is busy").

use std::path::PathBuf;

use crate::backend::{Backend, CreateOutcome};
use crate::keys::SecretString;
use crate::keys::generate::GeneratedKey;
use crate::ops::rotation::Rotation;
use crate::providers::{ApiError, RemoteKey};
use crate::store::Profile;
use crate::ui::UiAction;
use egui::KeyboardShortcut;

/// One command the palette offers.
#[derive(Debug)]
pub struct PaletteEntry {
    /// What it is called ("Refresh all", "Go to account Prod").
    pub label: String,
    /// Its keyboard shortcut, shown beside it.
    pub shortcut: Option<KeyboardShortcut>,
    /// What running it does.
    pub action: UiAction,
}

impl PaletteEntry {
    /// An entry.
    pub fn new(
        label: impl Into<String>,
        shortcut: Option<KeyboardShortcut>,
        action: UiAction,
    ) -> Self {
        Self {
            label: label.into(),
            shortcut,
            action,
        }
    }
}

/// What a modal asks of the app after a frame or an answer.
#[derive(Debug)]
pub enum Step {
    /// Nothing: stay open.
    Keep,
    /// Close.
    Close,
    /// Stay open, and let the app do this.
    Tell(Outcome),
    /// Close, then let the app do this.
    Done(Outcome),
}

impl Step {
    /// [`Step::Close`] when `close`, else [`Step::Keep`].
    pub fn close_if(close: bool) -> Self {
        if close { Step::Close } else { Step::Keep }
    }
}

/// Something a modal finished, for the app to apply.
#[derive(Debug)]
pub enum Outcome {
    /// Save this profile.
    SaveProfile(Box<Profile>),
    /// A key was created in this account.
    KeyCreated(String, Box<CreateOutcome>),
    /// A key of this account changed (renamed); the label says how.
    KeyUpdated(String, Box<RemoteKey>, &'static str),
    /// A key pair was generated: upload it and ask to save it.
    Generated(Box<GeneratedKey>, Upload),
    /// Carry this out (a confirmation, or a command chosen in the palette).
    Run(Box<UiAction>),
    /// A request failed: report it (the dialog shows it too).
    Failed(&'static str, ApiError),
    /// Keys were added to or removed from these accounts: reload them.
    AccountsChanged(Vec<String>),
    /// A key was published to these accounts (by id), as created there:
    /// show it, and reload them.
    Published(Vec<(String, RemoteKey)>),
    /// A rotation moved on: keep it (and save it).
    RotationChanged(Box<Rotation>),
    /// The rotation wizard closed: keep the rotation, if one started, and
    /// reload these accounts.
    RotationClosed(Option<Box<Rotation>>, Vec<String>),
    /// A private key was saved to this file.
    PrivateKeySaved(PathBuf),
    /// The user discarded a private key.
    PrivateKeyDiscarded,
    /// The user chose to quit and lose the unsaved private keys.
    QuitLosingKeys,
    /// The ssh-agent was asked something: show what it did and holds.
    AgentChanged(Box<crate::inventory::agent::AgentReport>),
}

/// Where a generated key goes once it exists.
#[derive(Debug)]
pub struct Upload {
    /// The account.
    pub profile: Profile,
    /// Name for the uploaded key.
    pub name: String,
    /// Shared in project (providers that share keys).
    pub shared_in_project: bool,
    /// The passphrase the private key was encrypted with.
    pub passphrase: Option<SecretString>,
}

/// Where a modal sits on the stack; a higher layer draws over a lower one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    /// A main dialog: opening one replaces the open dialogs.
    Dialog,
    /// A confirmation or an error's text: opens over the open dialog.
    OverDialog,
    /// The command palette (at most one).
    Palette,
    /// A private key not saved yet: while one waits, the dialogs below are
    /// not drawn (nothing may hide it), and only the first key is.
    PrivateKey,
    /// "Quit and lose the unsaved keys?" (at most one).
    ClosePrompt,
}

/// What a modal may read while it draws, and where it puts actions.
pub struct ModalContext<'a> {
    /// Dialogs send their own requests.
    pub backend: &'a Backend,
    /// Actions for the app (copy to the clipboard, pick folders, …).
    pub actions: &'a mut Vec<UiAction>,
    /// The palette's entries, built only while it draws.
    pub palette_entries: &'a dyn Fn() -> Vec<PaletteEntry>,
    /// Where new private keys are saved by default.
    pub key_dir: &'a dyn Fn() -> PathBuf,
    /// Private keys waiting, the drawn one included.
    pub private_keys_waiting: usize,
    /// Private keys not saved yet (the quit prompt counts them).
    pub unsaved_private_keys: usize,
}

/// One modal: drawn each frame by the stack, and polled each frame for the
/// answers to its own requests.
pub trait Modal: std::fmt::Debug {
    /// Draws one frame, then says what happens next.
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step;

    /// Applies answers to the modal's own requests, drawn or not.
    fn poll(&mut self) -> Step {
        Step::Keep
    }

    /// Where it sits on the stack.
    fn layer(&self) -> Layer {
        Layer::Dialog
    }

    /// The account and key (if one) it has a request running for, for the
    /// busy marks in the accounts list and the table.
    fn busy_with(&self) -> Option<(&str, Option<&str>)> {
        None
    }

    /// Runs before the panels draw, so a modal can take keys that the
    /// widgets behind it would otherwise react to (the palette's ↑/↓/Enter).
    fn before_panels(&mut self, _ctx: &egui::Context) {}

    /// True for a private key not saved yet (quitting would lose it).
    fn holds_unsaved_key(&self) -> bool {
        false
    }
}

/// The one frame every modal draws in.
#[derive(Clone, Copy, Debug)]
pub struct ModalFrame {
    id: &'static str,
    width: f32,
    width_is_max: bool,
}

/// A drawn [`ModalFrame`]: what its contents returned, and whether the user
/// pressed Escape or clicked outside.
#[derive(Debug)]
pub struct Shown<R> {
    /// What the contents returned.
    pub inner: R,
    should_close: bool,
}

impl<R> Shown<R> {
    /// Escape or a click outside asked to close, and nothing is running
    /// that closing would lose (`busy`).
    pub fn dismissed(&self, busy: bool) -> bool {
        self.should_close && !busy
    }
}

impl ModalFrame {
    /// A modal `width` points wide, named `id` (unique per kind of modal).
    pub fn new(id: &'static str, width: f32) -> Self {
        Self {
            id,
            width,
            width_is_max: false,
        }
    }

    /// As wide as its contents, up to `width`.
    pub fn at_most(id: &'static str, width: f32) -> Self {
        Self {
            width_is_max: true,
            ..Self::new(id, width)
        }
    }

    /// Draws `contents` in the frame.
    pub fn show<R>(
        self,
        ctx: &egui::Context,
        contents: impl FnOnce(&mut egui::Ui) -> R,
    ) -> Shown<R> {
        let response = egui::Modal::new(egui::Id::unique(self.id)).show(ctx, |ui| {
            if self.width_is_max {
                ui.set_max_width(self.width);
            } else {
                ui.set_width(self.width);
            }
            contents(ui)
        });
        Shown {
            should_close: response.should_close(),
            inner: response.inner,
        }
    }
}
