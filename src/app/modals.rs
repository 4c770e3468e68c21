//! The modal layer: every dialog, the command palette, the unsaved private
//! keys and the quit prompt on one stack (after gitui's `popup_stack`), so
//! "is anything modal open?" is one check ([`Modals::is_open`]). Each is a
//! [`Modal`]; what they finish comes back as [`Outcome`]s for the app.

use crate::ui::modal::{Layer, Modal, ModalContext, Outcome, Step};

/// The open modals, ordered by [`Layer`] (bottom first) and, within a
/// layer, by when they opened.
#[derive(Debug, Default)]
pub(super) struct Modals {
    stack: Vec<Box<dyn Modal>>,
}

impl Modals {
    /// Opens `modal` in its layer. A main dialog replaces the open dialogs
    /// (and what was stacked on them); the palette and the quit prompt
    /// open at most once; private keys queue up.
    pub(super) fn open(&mut self, modal: Box<dyn Modal>) {
        let layer = modal.layer();
        match layer {
            Layer::Dialog => self
                .stack
                .retain(|open| !matches!(open.layer(), Layer::Dialog | Layer::OverDialog)),
            Layer::Palette | Layer::ClosePrompt if self.has(layer) => return,
            _ => {}
        }
        let at = self
            .stack
            .iter()
            .rposition(|open| open.layer() <= layer)
            .map_or(0, |index| index + 1);
        self.stack.insert(at, modal);
    }

    /// True when anything modal is on screen (global shortcuts are off
    /// then: they would act behind it).
    pub(super) fn is_open(&self) -> bool {
        !self.stack.is_empty()
    }

    /// True when a modal of `layer` is open.
    pub(super) fn has(&self, layer: Layer) -> bool {
        self.stack.iter().any(|open| open.layer() == layer)
    }

    /// The open modals, bottom first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &dyn Modal> {
        self.stack.iter().map(Box::as_ref)
    }

    /// Private keys not saved yet.
    pub(super) fn unsaved_private_keys(&self) -> usize {
        self.stack
            .iter()
            .filter(|open| open.holds_unsaved_key())
            .count()
    }

    /// Drops every private key (the user chose to quit and lose them).
    pub(super) fn drop_private_keys(&mut self) {
        self.stack.retain(|open| open.layer() != Layer::PrivateKey);
    }

    /// Lets the palette take this frame's keys before the panels draw.
    pub(super) fn before_panels(&mut self, ctx: &egui::Context) {
        for modal in &mut self.stack {
            modal.before_panels(ctx);
        }
    }

    /// Applies the answers every modal's requests got, drawn or not.
    pub(super) fn poll(&mut self) -> Vec<Outcome> {
        run(&mut self.stack, |_, modal| modal.poll())
    }

    /// Draws the modals on screen, bottom first: while a private key waits,
    /// only the first one is drawn and the dialogs under it are not
    /// (nothing may hide it). Returns what they finished, in order.
    pub(super) fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Vec<Outcome> {
        let private_keys = self
            .stack
            .iter()
            .filter(|open| open.layer() == Layer::PrivateKey)
            .count();
        cx.private_keys_waiting = private_keys;
        cx.unsaved_private_keys = self.unsaved_private_keys();
        let mut first_key_drawn = false;
        run(&mut self.stack, |layer, modal| {
            let hidden = match layer {
                Layer::Dialog | Layer::OverDialog => private_keys > 0,
                Layer::PrivateKey => std::mem::replace(&mut first_key_drawn, true),
                Layer::Palette | Layer::ClosePrompt => false,
            };
            if hidden {
                Step::Keep
            } else {
                modal.show(ctx, cx)
            }
        })
    }
}

/// Runs `step` on every modal, bottom first; closes those that ask to and
/// returns what they asked the app to do, in order.
fn run(
    stack: &mut Vec<Box<dyn Modal>>,
    mut step: impl FnMut(Layer, &mut dyn Modal) -> Step,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    stack.retain_mut(|modal| match step(modal.layer(), modal.as_mut()) {
        Step::Keep => true,
        Step::Close => false,
        Step::Tell(outcome) => {
            outcomes.push(outcome);
            true
        }
        Step::Done(outcome) => {
            outcomes.push(outcome);
            false
        }
    });
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::UiAction;

    /// A modal that does nothing but stay open (tests of the stack's
    /// rules); its name shows in `Debug`.
    #[derive(Debug)]
    struct Probe(Layer, #[allow(dead_code)] &'static str);

    impl Modal for Probe {
        fn show(&mut self, _ctx: &egui::Context, _cx: &mut ModalContext<'_>) -> Step {
            Step::Keep
        }

        fn layer(&self) -> Layer {
            self.0
        }
    }

    fn names(modals: &Modals) -> Vec<String> {
        modals.iter().map(|modal| format!("{modal:?}")).collect()
    }

    fn probe(layer: Layer, name: &'static str) -> Box<dyn Modal> {
        Box::new(Probe(layer, name))
    }

    #[test]
    fn every_modal_is_on_the_one_stack_in_layer_order() {
        let mut modals = Modals::default();
        assert!(!modals.is_open());
        modals.open(probe(Layer::ClosePrompt, "quit"));
        modals.open(probe(Layer::PrivateKey, "key 1"));
        modals.open(probe(Layer::Dialog, "profile"));
        modals.open(probe(Layer::OverDialog, "confirm"));
        modals.open(probe(Layer::PrivateKey, "key 2"));
        modals.open(probe(Layer::Palette, "palette"));
        assert!(modals.is_open());
        assert_eq!(
            names(&modals),
            [
                "Probe(Dialog, \"profile\")",
                "Probe(OverDialog, \"confirm\")",
                "Probe(Palette, \"palette\")",
                "Probe(PrivateKey, \"key 1\")",
                "Probe(PrivateKey, \"key 2\")",
                "Probe(ClosePrompt, \"quit\")",
            ]
        );
        // The palette and the quit prompt open once; a main dialog replaces
        // the dialogs and what was stacked on them, never a private key.
        modals.open(probe(Layer::Palette, "palette again"));
        modals.open(probe(Layer::ClosePrompt, "quit again"));
        modals.open(probe(Layer::Dialog, "settings"));
        assert_eq!(
            names(&modals),
            [
                "Probe(Dialog, \"settings\")",
                "Probe(Palette, \"palette\")",
                "Probe(PrivateKey, \"key 1\")",
                "Probe(PrivateKey, \"key 2\")",
                "Probe(ClosePrompt, \"quit\")",
            ]
        );
        modals.drop_private_keys();
        assert!(!modals.has(Layer::PrivateKey));
        assert_eq!(modals.iter().count(), 3);
    }

    #[test]
    fn closing_the_top_leaves_the_one_below_and_outcomes_come_back_in_order() {
        let mut stack: Vec<Box<dyn Modal>> = vec![
            probe(Layer::Dialog, "profile"),
            probe(Layer::OverDialog, "confirm"),
            probe(Layer::OverDialog, "details"),
        ];
        let mut seen = Vec::new();
        let outcomes = run(&mut stack, |layer, modal| {
            let name = format!("{modal:?}");
            seen.push(layer);
            if name.contains("details") {
                Step::Close
            } else if name.contains("confirm") {
                Step::Done(Outcome::Run(Box::new(UiAction::RefreshAll)))
            } else {
                Step::Tell(Outcome::AccountsChanged(vec!["a".into()]))
            }
        });
        assert_eq!(seen, [Layer::Dialog, Layer::OverDialog, Layer::OverDialog]);
        assert_eq!(stack.len(), 1, "only the dialog that told stays open");
        assert!(matches!(
            outcomes.as_slice(),
            [Outcome::AccountsChanged(_), Outcome::Run(_)]
        ));
    }
}
