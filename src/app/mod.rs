//! The application, split by concern (after rerun's viewer `app/`):
//! - `mod.rs`: the state, start-up, and the frame loop (`eframe::App`);
//! - `events.rs`: answers from the backend, polled each frame: key lists and
//!   key operations (global, with notices) and the dialogs' own requests;
//! - `actions.rs`: what the user asked for ([`UiAction`]);
//! - `dialogs.rs`: which dialog is open ([`Dialog`](dialogs::Dialog));
//! - `draw.rs`: panels and dialogs;
//! - `accounts.rs`: one account's key list.

mod accounts;
mod actions;
mod dialogs;
mod draw;
mod events;
mod fleet;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

pub use accounts::AccountView;
pub use fleet::FleetState;

use crate::backend::{Backend, Services};
use crate::store::{Profile, ProfileStore};
use crate::ui::UiAction;
use crate::ui::private_key_modal::PendingPrivateKey;
use crate::ui::status_bar::StatusBar;
use crate::ui::toasts::{ToastKind, Toasts};
use dialogs::Dialogs;
use events::Operation;

/// How the app is started.
pub struct AppOptions {
    /// The profiles file.
    pub store: ProfileStore,
    /// Backend services (secrets, dialogs, HTTP policy).
    pub services: Services,
    /// Demo mode (sandbox servers): shown in the title and status bar.
    pub demo: bool,
    /// Folders scanned for local keys in "All keys" (usually `~/.ssh`).
    pub local_key_dirs: Vec<PathBuf>,
}

/// The Keyfleet window.
pub struct App {
    backend: Backend,
    store: ProfileStore,
    profiles_read_only: bool,
    profiles: Vec<Profile>,
    accounts: HashMap<String, AccountView>,
    selected: Option<String>,
    demo: bool,
    toasts: Toasts,
    status: StatusBar,
    dialogs: Dialogs,
    /// Private keys not yet saved or discarded: shown before any dialog.
    private_keys: VecDeque<PendingPrivateKey>,
    /// Key operations started from the table, answered with a notice.
    operations: Vec<Operation>,
    close_prompt: bool,
    allow_close: bool,
    /// The "All keys" view.
    fleet: FleetState,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("profiles", &self.profiles.len())
            .field("selected", &self.selected)
            .field("demo", &self.demo)
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Loads profiles, starts the backend and refreshes every account.
    pub fn new(ctx: &egui::Context, options: AppOptions) -> Self {
        let repaint_ctx = ctx.clone();
        let backend = Backend::start(move || repaint_ctx.request_repaint(), options.services);
        let loaded = options.store.load();
        let mut app = Self {
            backend,
            store: options.store,
            profiles_read_only: loaded.read_only,
            selected: loaded.profiles.first().map(|p| p.id.clone()),
            profiles: loaded.profiles,
            accounts: HashMap::new(),
            demo: options.demo,
            toasts: Toasts::default(),
            status: StatusBar::default(),
            dialogs: Dialogs::default(),
            private_keys: VecDeque::new(),
            operations: Vec::new(),
            close_prompt: false,
            allow_close: false,
            fleet: FleetState::new(options.local_key_dirs),
        };
        if let Some(warning) = loaded.warning {
            app.toasts.push(
                ToastKind::Error,
                "Problem with the profiles file",
                Some(warning.clone()),
            );
            app.status.error("Problem with the profiles file", warning);
        }
        app.refresh_all();
        app
    }

    /// The accounts.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The state of one account.
    pub fn account(&self, profile_id: &str) -> Option<&AccountView> {
        self.accounts.get(profile_id)
    }

    /// The selected account's id.
    pub fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// Requests whose answer is still awaited.
    pub fn in_flight(&self) -> usize {
        self.backend.running()
    }

    /// Private keys not yet saved or discarded.
    pub fn unsaved_private_keys(&self) -> usize {
        self.private_keys
            .iter()
            .filter(|key| key.saved.is_none())
            .count()
    }

    /// The notices on screen (tests read them).
    pub fn toasts(&self) -> &Toasts {
        &self.toasts
    }

    /// True when anything modal is on screen: a dialog, an unsaved private
    /// key, or the quit prompt. Global shortcuts do nothing then.
    pub fn modal_open(&self) -> bool {
        self.dialogs.is_open() || !self.private_keys.is_empty() || self.close_prompt
    }

    fn selected_profile(&self) -> Option<&Profile> {
        self.profile(self.selected.as_deref()?)
    }

    fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    /// Ctrl+Shift+R refreshes every account, Ctrl+R the selected one; both
    /// only when nothing modal is open (they would act behind it).
    fn shortcuts(&self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        if self.modal_open() {
            return;
        }
        let command_shift = egui::Modifiers::COMMAND | egui::Modifiers::SHIFT;
        if ctx.input_mut(|i| i.consume_key(command_shift, egui::Key::R)) {
            actions.push(UiAction::RefreshAll);
        } else if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::R))
            && let Some(id) = self.selected.clone()
        {
            actions.push(UiAction::Refresh(id));
        }
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll_answers(ctx);
        self.poll_fleet();
        if ctx.input(|i| i.viewport().close_requested())
            && self.unsaved_private_keys() > 0
            && !self.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.close_prompt = true;
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let mut actions = Vec::new();
        self.shortcuts(&ctx, &mut actions);
        self.draw_panels(ui, &mut actions);
        self.draw_dialogs(&ctx, &mut actions);
        self.draw_close_prompt(&ctx);
        self.toasts.show(&ctx, &mut actions);
        for action in actions {
            self.handle_action(&ctx, action);
        }
    }
}
