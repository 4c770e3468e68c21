//! A yes/no question before something that cannot be undone.

use super::UiAction;
use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};

/// A pending confirmation.
#[derive(Debug)]
pub struct ConfirmModal {
    /// Heading.
    pub title: String,
    /// What will happen, naming the object.
    pub message: String,
    /// Text of the confirming button.
    pub confirm_label: String,
    /// What to do on confirmation.
    pub on_confirm: Option<UiAction>,
}

impl ConfirmModal {
    /// A confirmation that runs `on_confirm`.
    pub fn new(
        title: impl Into<String>,
        message: impl Into<String>,
        confirm_label: impl Into<String>,
        on_confirm: UiAction,
    ) -> Self {
        Self {
            title: title.into(),
            message: message.into(),
            confirm_label: confirm_label.into(),
            on_confirm: Some(on_confirm),
        }
    }
}

impl Modal for ConfirmModal {
    /// Draws the question; confirming hands its action to the app.
    fn show(&mut self, ctx: &egui::Context, _cx: &mut ModalContext<'_>) -> Step {
        let mut step = Step::Keep;
        let shown = ModalFrame::at_most("confirm_modal", 420.0).show(ctx, |ui| {
            ui.heading(&self.title);
            ui.add_space(6.0);
            ui.label(&self.message);
            ui.add_space(10.0);
            ui.horizontal(|ui| {
                let confirm = egui::Button::new(
                    egui::RichText::new(&self.confirm_label).color(egui::Color32::WHITE),
                )
                .fill(egui::Color32::from_rgb(183, 28, 28));
                if ui.add(confirm).clicked() {
                    step = match self.on_confirm.take() {
                        Some(action) => Step::Done(Outcome::Run(Box::new(action))),
                        None => Step::Close,
                    };
                }
                if ui.button("Cancel").clicked() {
                    step = Step::Close;
                }
            });
        });
        if matches!(step, Step::Keep) && shown.dismissed(false) {
            step = Step::Close;
        }
        step
    }

    fn layer(&self) -> Layer {
        Layer::OverDialog
    }
}
