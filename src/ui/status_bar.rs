//! The bottom bar: what is running, and the last thing that happened.

use super::UiAction;

/// What the status bar shows.
#[derive(Debug, Default)]
pub struct StatusBar {
    /// The last message.
    pub message: String,
    /// Full text of the last error, for the details view.
    pub last_error: Option<String>,
}

impl StatusBar {
    /// Sets an informational message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.message = text.into();
    }

    /// Records an error.
    pub fn error(&mut self, text: impl Into<String>, details: String) {
        self.message = text.into();
        self.last_error = Some(details);
    }

    /// Draws the bar. `in_flight` is the number of requests running.
    pub fn show(
        &self,
        ui: &mut egui::Ui,
        in_flight: usize,
        demo: bool,
        actions: &mut Vec<UiAction>,
    ) {
        ui.horizontal(|ui| {
            if in_flight > 0 {
                ui.add(egui::Spinner::new());
                ui.label(format!("{in_flight} request(s) running"));
                ui.separator();
            }
            if demo {
                ui.label(
                    egui::RichText::new("DEMO: sandbox servers, nothing leaves this machine")
                        .strong(),
                );
                ui.separator();
            }
            ui.label(&self.message);
            if let Some(details) = &self.last_error
                && ui.small_button("Error details").clicked()
            {
                actions.push(UiAction::ShowErrorDetails(details.clone()));
            }
        });
    }
}
