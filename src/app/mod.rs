//! The application: [`App`] wires a few parts together, each owning its
//! state and its updates (after rerun's viewer `app/` and egui's
//! `wrap_app`):
//! - `accounts.rs`: the profiles and each account's key list
//!   ([`AccountView`]); `details.rs`: the details panel's "Where else";
//! - `fleet.rs`: the "All keys" view ([`FleetState`]);
//! - `modals.rs`: the modal layer, every dialog on one stack;
//! - `remembered.rs`: what is shown ([`View`]) and the layout and settings
//!   kept between runs;
//! - `events.rs`: answers from the backend, polled each frame, and what
//!   the modals finished; `actions.rs`: what the user asked for
//!   ([`UiAction`](crate::ui::UiAction)); `draw.rs`: the panels;
//! - `rotations.rs`: unfinished rotations; `settings.rs`: the settings
//!   dialog's changes;
//! - `keyboard.rs`: shortcuts; `palette.rs`: the command palette's entries.

mod accounts;
mod actions;
mod agent;
mod command;
mod details;
mod draw;
mod events;
mod fleet;
mod keyboard;
mod modals;
mod palette;
mod remembered;
mod rotations;
mod settings;

use std::path::PathBuf;

pub use crate::ui::View;
pub use accounts::AccountView;
pub use fleet::{AllKeys, FleetState};
pub use remembered::{Remembered, STORAGE_KEY, Settings};

use crate::backend::{Backend, Services};
use crate::state::KeyTable;
use crate::store::{Profile, ProfileStore};
use crate::ui::close_prompt_modal::ClosePrompt;
use crate::ui::status_bar::StatusBar;
use crate::ui::toasts::{ToastKind, Toasts};
use accounts::Accounts;
use events::Operation;
use modals::Modals;
use remembered::Layout;

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
    /// The profiles and their key lists.
    accounts: Accounts,
    /// The "All keys" view.
    fleet: FleetState,
    /// Every modal: dialogs, palette, unsaved private keys, quit prompt.
    modals: Modals,
    /// What is shown, and what is remembered of it.
    layout: Layout,
    toasts: Toasts,
    status: StatusBar,
    /// Key operations started from the table, answered with a notice.
    operations: Vec<Operation>,
    /// Rotations not finished, as in `rotations.json`.
    rotations: rotations::Rotations,
    /// The ssh-agent's keys as last listed, and requests to it.
    agent: agent::AgentState,
    window: Window,
}

/// The window's own flags.
struct Window {
    /// The egui context: theme and zoom live there, and `save` (which
    /// gets no context) reads them.
    ctx: egui::Context,
    /// Demo mode (sandbox servers).
    demo: bool,
    /// The user chose to quit and lose the unsaved private keys.
    allow_close: bool,
    /// The first refresh waits for the first frame to be on screen: the
    /// window shows at once, then every account starts loading.
    refresh_after_first_frame: bool,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("profiles", &self.accounts.profiles().len())
            .field("view", &self.layout.view)
            .field("demo", &self.window.demo)
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Loads profiles, starts the backend and refreshes every account.
    pub fn new(ctx: &egui::Context, options: AppOptions) -> Self {
        let repaint_ctx = ctx.clone();
        let backend = Backend::start(move || repaint_ctx.request_repaint(), options.services);
        let (accounts, profiles_warning) = Accounts::load(options.store);
        let (rotations, rotations_warning) = rotations::Rotations::load(accounts.store().dir());
        let first = accounts.profiles().first().map(|p| p.id.as_str());
        let mut app = Self {
            backend,
            layout: Layout::new(first),
            accounts,
            fleet: FleetState::new(options.local_key_dirs),
            modals: Modals::default(),
            toasts: Toasts::default(),
            status: StatusBar::default(),
            operations: Vec::new(),
            rotations,
            agent: agent::AgentState::default(),
            window: Window {
                ctx: ctx.clone(),
                demo: options.demo,
                allow_close: false,
                refresh_after_first_frame: true,
            },
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
        if let Some(warning) = profiles_warning {
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
        if !self.window.refresh_after_first_frame {
            return;
        }
        if ctx.cumulative_frame_nr() > 0 {
            self.window.refresh_after_first_frame = false;
            self.refresh_all();
        } else {
            ctx.request_repaint();
        }
    }

    /// Whether `profile_id`'s keys are being loaded, or are about to be
    /// (the first refresh starts right after the first frame).
    fn account_loading(&self, profile_id: &str) -> bool {
        self.window.refresh_after_first_frame
            || self
                .accounts
                .get(profile_id)
                .is_some_and(|account| account.is_loading())
    }

    /// The accounts.
    pub fn profiles(&self) -> &[Profile] {
        self.accounts.profiles()
    }

    /// The state of one account.
    pub fn account(&self, profile_id: &str) -> Option<&AccountView> {
        self.accounts.get(profile_id)
    }

    /// The shown account's id; `None` while "All keys" is shown.
    pub fn selected(&self) -> Option<&str> {
        self.layout.account()
    }

    /// What the middle of the window shows.
    pub fn view(&self) -> Option<&View> {
        self.layout.view.as_ref()
    }

    /// Requests whose answer is still awaited.
    pub fn in_flight(&self) -> usize {
        self.backend.running()
    }

    /// Private keys not yet saved or discarded.
    pub fn unsaved_private_keys(&self) -> usize {
        self.modals.unsaved_private_keys()
    }

    /// The notices on screen (tests read them).
    pub fn toasts(&self) -> &Toasts {
        &self.toasts
    }

    /// True when anything modal is on screen: a dialog, an unsaved private
    /// key, the quit prompt or the command palette (all on one stack).
    /// Global shortcuts do nothing then.
    pub fn modal_open(&self) -> bool {
        self.modals.is_open()
    }

    /// Whether the details panel is shown.
    pub fn details_open(&self) -> bool {
        self.layout.details_open
    }

    /// True while "All keys" is shown.
    fn all_keys_shown(&self) -> bool {
        self.layout.all_keys()
    }

    /// The account table on screen; none while "All keys" is shown, so
    /// key shortcuts never act on a table that is not visible.
    fn shown_table(&self) -> Option<&KeyTable> {
        Some(&self.accounts.get(self.layout.account()?)?.table)
    }

    fn shown_table_mut(&mut self) -> Option<&mut KeyTable> {
        let id = self.layout.account()?;
        Some(&mut self.accounts.get_mut(id)?.table)
    }

    /// The shown account's profile (none while "All keys" is shown).
    fn selected_profile(&self) -> Option<&Profile> {
        self.profile(self.layout.account()?)
    }

    fn profile(&self, id: &str) -> Option<&Profile> {
        self.accounts.profile(id)
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
        self.poll_ssh_hosts();
        self.poll_agent();
        if ctx.input(|i| i.viewport().close_requested())
            && self.unsaved_private_keys() > 0
            && !self.window.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.modals.open(Box::new(ClosePrompt));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let mut actions = Vec::new();
        self.shortcuts(&ctx, &mut actions);
        self.modals.before_panels(&ctx);
        self.draw_panels(ui, &mut actions);
        self.draw_modals(&ctx, &mut actions);
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
                    agent: Default::default(),
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
