//! The application, split by concern (after rerun's viewer `app/`):
//! - `mod.rs`: the state, start-up, and the frame loop (`eframe::App`);
//! - `events.rs`: answers from the backend, polled each frame: key lists and
//!   key operations (global, with notices) and the dialogs' own requests;
//! - `actions.rs`: what the user asked for ([`UiAction`]);
//! - `dialogs.rs`: which dialog is open ([`Dialog`](dialogs::Dialog));
//! - `draw.rs`: panels and dialogs;
//! - `accounts.rs`: one account's key list;
//! - `keyboard.rs`: shortcuts; `palette.rs`: the command palette's entries;
//! - `details.rs`: the details panel's "Where else";
//! - `remembered.rs`: the layout and settings kept between runs;
//! - `settings.rs`: the settings dialog's changes.

mod accounts;
mod actions;
mod command;
mod details;
mod dialogs;
mod draw;
mod events;
mod fleet;
mod keyboard;
mod palette;
mod remembered;
mod rotations;
mod settings;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

pub use accounts::AccountView;
pub use fleet::FleetState;
pub use remembered::{Remembered, STORAGE_KEY, Settings};

use crate::backend::{Backend, Services};
use crate::state::KeyTable;
use crate::store::{Profile, ProfileStore};
use crate::ui::command_palette::CommandPalette;
use crate::ui::private_key_modal::PendingPrivateKey;
use crate::ui::status_bar::StatusBar;
use crate::ui::toasts::{ToastKind, Toasts};
use details::WhereElse;
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
    /// Folders scanned for local keys in "All keys" (usually `~/.ssh`)
    /// unless the remembered settings name others.
    pub local_key_dirs: Vec<PathBuf>,
    /// The layout and settings saved by the last run (`None`: defaults).
    pub remembered: Option<Remembered>,
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
    /// The details panel is shown (it shows the shown account's selected
    /// key, or how to select one).
    details_open: bool,
    /// The command palette, while open (it is modal).
    palette: Option<CommandPalette>,
    /// After a keyboard move: scroll the table to this shown row once.
    scroll_to_selected: Option<usize>,
    /// How many rows the table showed last frame (PgUp/PgDn).
    page_rows: usize,
    /// Other accounts holding the selected key, cached.
    where_else: WhereElse,
    /// The egui context: theme and zoom live there, and `save` (which
    /// gets no context) reads them.
    ctx: egui::Context,
    /// The user chose the local key folders (so they are remembered; until
    /// then the default, `~/.ssh`, follows the environment).
    local_dirs_changed: bool,
    /// The remembered theme and zoom, until the first frame applies them.
    remembered_look: Option<(egui::ThemePreference, f32)>,
    /// Rotations not finished, as in `rotations.json`.
    rotations: rotations::Rotations,
    /// The first refresh waits for the first frame to be on screen: the
    /// window shows at once, then every account starts loading.
    refresh_after_first_frame: bool,
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
        let (rotations, rotations_warning) = rotations::Rotations::load(options.store.dir());
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
            details_open: true,
            palette: None,
            scroll_to_selected: None,
            page_rows: 10,
            where_else: WhereElse::default(),
            ctx: ctx.clone(),
            local_dirs_changed: false,
            remembered_look: None,
            rotations,
            refresh_after_first_frame: true,
        };
        crate::ui::theme::install(ctx);
        app.restore_remembered(options.remembered);
        if let Some(warning) = rotations_warning {
            app.toasts.push(
                ToastKind::Error,
                "Problem with the rotations file",
                Some(warning),
            );
        }
        if let Some(warning) = loaded.warning {
            app.toasts.push(
                ToastKind::Error,
                "Problem with the profiles file",
                Some(warning.clone()),
            );
            app.status.error("Problem with the profiles file", warning);
        }
        app
    }

    /// Starts the first refresh once the first frame is on screen (the
    /// frame after it); until then, asks for that frame.
    fn start_when_on_screen(&mut self, ctx: &egui::Context) {
        if !self.refresh_after_first_frame {
            return;
        }
        if ctx.cumulative_frame_nr() > 0 {
            self.refresh_after_first_frame = false;
            self.refresh_all();
        } else {
            ctx.request_repaint();
        }
    }

    /// Whether `profile_id`'s keys are being loaded, or are about to be
    /// (the first refresh starts right after the first frame).
    fn account_loading(&self, profile_id: &str) -> bool {
        self.refresh_after_first_frame
            || self
                .accounts
                .get(profile_id)
                .is_some_and(|account| account.is_loading())
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
    /// key, the quit prompt or the command palette. Global shortcuts do
    /// nothing then.
    pub fn modal_open(&self) -> bool {
        self.dialogs.is_open()
            || !self.private_keys.is_empty()
            || self.close_prompt
            || self.palette.is_some()
    }

    /// Whether the details panel is shown.
    pub fn details_open(&self) -> bool {
        self.details_open
    }

    /// The shown account's keys.
    /// The account table on screen; none while "All keys" is shown, so
    /// key shortcuts never act on a table that is not visible.
    fn shown_table(&self) -> Option<&KeyTable> {
        if self.fleet.open {
            return None;
        }
        Some(&self.accounts.get(self.selected.as_deref()?)?.table)
    }

    fn shown_table_mut(&mut self) -> Option<&mut KeyTable> {
        if self.fleet.open {
            return None;
        }
        Some(&mut self.accounts.get_mut(self.selected.as_deref()?)?.table)
    }

    fn selected_profile(&self) -> Option<&Profile> {
        self.profile(self.selected.as_deref()?)
    }

    fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }
}

/// The widest texture Keyfleet asks egui for (egui's own default).
pub const FONT_ATLAS_WIDTH: usize = 2048;

impl eframe::App for App {
    /// Remembers the layout and settings (eframe itself stores the window
    /// geometry and egui's memory: panel and column widths).
    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.save_remembered(storage);
    }

    /// Caps the font atlas's width. egui makes it as wide as the GPU's
    /// widest texture (16384 pixels with Mesa's software renderer) and
    /// keeps it more than once (its own image, each upload, the driver's
    /// copy); Keyfleet's few hundred glyphs fit in egui's own portable
    /// default width, at a fraction of the memory.
    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        raw_input.max_texture_side = raw_input
            .max_texture_side
            .map(|side| side.min(FONT_ATLAS_WIDTH));
    }

    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.apply_remembered_look(ctx);
        self.start_when_on_screen(ctx);
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
        if let Some(palette) = &mut self.palette {
            palette.take_keys(&ctx);
        }
        self.draw_panels(ui, &mut actions);
        self.draw_palette(&ctx, &mut actions);
        self.draw_dialogs(&ctx, &mut actions);
        self.draw_close_prompt(&ctx);
        self.toasts.show(&ctx, &mut actions);
        for action in actions {
            self.handle_action(&ctx, action);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::backend::ScriptedDialogs;
    use crate::providers::HttpPolicy;

    #[test]
    fn the_first_refresh_waits_until_the_first_frame_is_on_screen() {
        // The demo's accounts, on its sandbox servers.
        let demo = crate::demo::Demo::start().unwrap();
        let ctx = egui::Context::default();
        let mut app = App::new(
            &ctx,
            AppOptions {
                store: demo.store.clone(),
                services: Services {
                    secrets: demo.secrets.clone(),
                    dialogs: Arc::new(ScriptedDialogs::default()),
                    http_policy: HttpPolicy::default(),
                },
                demo: true,
                local_key_dirs: vec![demo.local_key_dir.clone()],
                remembered: None,
            },
        );
        let accounts: Vec<String> = app.profiles().iter().map(|p| p.id.clone()).collect();
        assert!(accounts.len() > 1);
        // Before and during the first frame: nothing sent, all shown as
        // loading.
        app.start_when_on_screen(&ctx);
        assert_eq!(app.in_flight(), 0);
        assert!(accounts.iter().all(|id| app.account_loading(id)));
        // The next frame starts every account's refresh.
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        output.textures_delta.clear();
        app.start_when_on_screen(&ctx);
        assert!(app.in_flight() >= accounts.len(), "{}", app.in_flight());
        assert!(accounts.iter().all(|id| app.account_loading(id)));
    }
}
