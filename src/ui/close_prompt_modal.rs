//! "Unsaved private key": asked when the window is closed while a private
//! key that cannot be fetched again is not saved.

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};

/// The quit prompt (it holds nothing: the keys are on the modal stack).
#[derive(Debug, Default)]
pub struct ClosePrompt;

impl Modal for ClosePrompt {
    /// "Go back and save" closes it; "Quit and lose them" asks the app to
    /// drop the keys and close the window. Escape or a click outside does
    /// nothing: the choice is made with a button.
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        let unsaved = cx.unsaved_private_keys;
        let shown = ModalFrame::new("close_prompt", 420.0).show(ctx, |ui| {
            ui.heading("Unsaved private key");
            ui.label(format!(
                "{unsaved} private key(s) have not been saved. They cannot be fetched again: quitting now loses them."
            ));
            ui.horizontal(|ui| {
                let mut step = Step::Keep;
                if ui.button("Go back and save").clicked() {
                    step = Step::Close;
                }
                if ui.button("Quit and lose them").clicked() {
                    step = Step::Done(Outcome::QuitLosingKeys);
                }
                step
            })
            .inner
        });
        shown.inner
    }

    fn layer(&self) -> Layer {
        Layer::ClosePrompt
    }
}
