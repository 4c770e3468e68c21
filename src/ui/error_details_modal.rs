//! An error's full text, selectable, with "Copy"; opens over whatever
//! dialog is open.

use super::UiAction;
use super::modal::{Layer, Modal, ModalContext, ModalFrame, Step};

/// The error text shown.
#[derive(Debug)]
pub struct ErrorDetailsModal {
    text: String,
}

impl ErrorDetailsModal {
    /// A dialog showing `text`.
    pub fn new(text: String) -> Self {
        Self { text }
    }
}

impl Modal for ErrorDetailsModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        let text = &self.text;
        let mut open = true;
        let shown = ModalFrame::new("details_modal", 560.0).show(ctx, |ui| {
            ui.heading("Error details");
            egui::ScrollArea::vertical()
                .max_height(300.0)
                .show(ui, |ui| {
                    ui.add(
                        egui::Label::new(egui::RichText::new(text).monospace()).selectable(true),
                    );
                });
            ui.horizontal(|ui| {
                if ui.button("Copy").clicked() {
                    cx.actions.push(UiAction::Copy {
                        text: text.clone(),
                        what: "error details",
                    });
                }
                if ui.button("Close").clicked() {
                    open = false;
                }
            });
        });
        Step::close_if(!open || shown.dismissed(false))
    }

    fn layer(&self) -> Layer {
        Layer::OverDialog
    }
}
