//! The settings dialog: theme, UI zoom, the folders scanned for local keys
//! and the hygiene thresholds. Every change applies at once (no "Apply"):
//! theme and zoom are egui's own state and are set on the context; the
//! folders and thresholds go to the app as [`UiAction`]s. All of it is
//! remembered between runs (`app/remembered.rs`).

use std::path::PathBuf;

use egui::ThemePreference;

use super::fleet_panel::{HygieneRules, hygiene_rules_editor};
use super::modal::{Layer, Modal, ModalContext, ModalFrame, Step};
use super::{UiAction, shortcuts};
use crate::backend::{Backend, Command, Pending};

/// The accessible name of the dialog's heading (tests find it by it).
pub const TITLE: &str = "Settings";

/// The dialog's state: copies of the app's folders and thresholds, edited
/// here and sent back on every change.
#[derive(Debug)]
pub struct SettingsModal {
    rules: HygieneRules,
    local_dirs: Vec<PathBuf>,
    /// The folder dialog, while open (it runs on the backend).
    picking: Option<Pending<Option<PathBuf>>>,
}

impl SettingsModal {
    /// A dialog showing the app's current folders and thresholds.
    pub fn new(rules: HygieneRules, local_dirs: Vec<PathBuf>) -> Self {
        Self {
            rules,
            local_dirs,
            picking: None,
        }
    }

    /// True while the folder dialog is open.
    pub fn is_picking(&self) -> bool {
        self.picking.is_some()
    }

    /// Draws the dialog; returns false once it is closed.
    fn draw(
        &mut self,
        ctx: &egui::Context,
        backend: &Backend,
        actions: &mut Vec<UiAction>,
    ) -> bool {
        self.poll_folder(actions);
        let mut open = true;
        let shown = ModalFrame::new("settings_modal", 520.0).show(ctx, |ui| {
            ui.heading(TITLE);
            ui.add_space(4.0);
            super::form::grid(ui, "settings_fields", |ui| {
                appearance(ui);
                self.folders(ui, backend, actions);
            });
            ui.separator();
            ui.strong("Hygiene rules (\"All keys\")");
            if hygiene_rules_editor(ui, &mut self.rules) {
                actions.push(UiAction::SetHygieneRules(self.rules));
            }
            ui.separator();
            ui.horizontal(|ui| {
                if ui.button("Close").clicked() {
                    open = false;
                }
                ui.label(
                    egui::RichText::new("Changes apply at once and are remembered.")
                        .small()
                        .weak(),
                );
            });
        });
        // Esc or a click outside closes it, except while the folder dialog
        // is open: its answer comes back here.
        open && !shown.dismissed(self.is_picking())
    }

    /// A folder chosen in the dialog joins the list (once).
    fn poll_folder(&mut self, actions: &mut Vec<UiAction>) {
        let Some(pending) = &mut self.picking else {
            return;
        };
        let Some(answer) = pending.try_take() else {
            return;
        };
        self.picking = None;
        if let Ok(Some(folder)) = answer
            && !self.local_dirs.contains(&folder)
        {
            self.local_dirs.push(folder);
            actions.push(UiAction::SetLocalKeyDirs(self.local_dirs.clone()));
        }
    }

    /// The scanned folders, each with "Remove", and "Add folder…": grid
    /// rows, the folders in the fields column.
    fn folders(&mut self, ui: &mut egui::Ui, backend: &Backend, actions: &mut Vec<UiAction>) {
        ui.strong("Key folders:");
        super::form::field_cell(ui, |ui| {
            ui.label(
                egui::RichText::new(
                    "\"All keys\" looks for key files here (not in subfolders) to tell which keys are on this computer.",
                )
                .small()
                .weak(),
            )
        });
        ui.end_row();
        let mut removed = None;
        for (index, folder) in self.local_dirs.iter().enumerate() {
            super::form::note_row(ui, |ui| {
                let shown = folder.display().to_string();
                if ui
                    .small_button("Remove")
                    .on_hover_text(format!("Stop scanning {shown}"))
                    .clicked()
                {
                    removed = Some(index);
                }
                ui.monospace(shown);
            });
        }
        if self.local_dirs.is_empty() {
            super::form::note_row(ui, |ui| {
                ui.weak("None: \"All keys\" shows only the accounts' keys.")
            });
        }
        if let Some(index) = removed {
            self.local_dirs.remove(index);
            actions.push(UiAction::SetLocalKeyDirs(self.local_dirs.clone()));
        }
        super::form::note_row(ui, |ui| {
            let picking = self.is_picking();
            if ui
                .add_enabled(!picking, egui::Button::new("Add folder…"))
                .on_hover_text("Choose another folder with key files")
                .clicked()
            {
                self.picking = Some(backend.request(|reply| Command::PickFolder {
                    reply,
                    title: "Folder to scan for SSH keys",
                }));
            }
            if picking {
                ui.add(egui::Spinner::new());
            }
        });
    }
}

/// Theme and zoom (two grid rows): read from and written to egui's
/// context.
fn appearance(ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    ui.strong("Theme:");
    ui.horizontal(|ui| {
        let mut theme = ctx.options(|options| options.theme_preference);
        let before = theme;
        ui.selectable_value(&mut theme, ThemePreference::System, "System")
            .on_hover_text("Follow the desktop's light or dark setting");
        ui.selectable_value(&mut theme, ThemePreference::Light, "Light");
        ui.selectable_value(&mut theme, ThemePreference::Dark, "Dark");
        if theme != before {
            ctx.set_theme(theme);
        }
    });
    ui.end_row();
    ui.strong("Zoom:");
    ui.horizontal(|ui| {
        ui.label(format!("{:.0} %", ctx.zoom_factor() * 100.0));
        let smaller = ui.button("Smaller");
        if shortcuts::tooltip(smaller, "Make everything smaller", &shortcuts::ZOOM_OUT).clicked() {
            egui::gui_zoom::zoom_out(&ctx);
        }
        let larger = ui.button("Larger");
        if shortcuts::tooltip(larger, "Make everything larger", &shortcuts::ZOOM_IN).clicked() {
            egui::gui_zoom::zoom_in(&ctx);
        }
        let reset = ui.add_enabled(ctx.zoom_factor() != 1.0, egui::Button::new("100 %"));
        if shortcuts::tooltip(reset, "Back to the normal size", &shortcuts::ZOOM_RESET).clicked() {
            ctx.set_zoom_factor(1.0);
        }
    });
    ui.end_row();
}

impl Modal for SettingsModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        Step::close_if(!self.draw(ctx, cx.backend, cx.actions))
    }

    fn layer(&self) -> Layer {
        Layer::Dialog
    }
}
