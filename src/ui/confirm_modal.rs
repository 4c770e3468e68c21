//! A yes/no question before something that cannot be undone.

use super::UiAction;

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

/// What the user chose.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfirmChoice {
    /// Still open.
    Open,
    /// Confirmed.
    Confirmed,
    /// Cancelled.
    Cancelled,
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

    /// Draws the dialog.
    pub fn show(&mut self, ctx: &egui::Context) -> ConfirmChoice {
        let mut choice = ConfirmChoice::Open;
        let response = egui::Modal::new(egui::Id::unique("confirm_modal")).show(ctx, |ui| {
            ui.set_max_width(420.0);
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
                    choice = ConfirmChoice::Confirmed;
                }
                if ui.button("Cancel").clicked() {
                    choice = ConfirmChoice::Cancelled;
                }
            });
        });
        if choice == ConfirmChoice::Open && response.should_close() {
            choice = ConfirmChoice::Cancelled;
        }
        choice
    }
}
