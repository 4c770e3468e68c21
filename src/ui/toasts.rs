//! Short-lived notices in the corner; errors keep a "Details" button.

use std::time::Duration;

use super::UiAction;

/// How long a notice stays.
const LIFETIME: Duration = Duration::from_secs(6);

/// Kind of notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    /// Something worked.
    Success,
    /// Something to know.
    Info,
    /// Something failed.
    Error,
}

/// One notice.
#[derive(Clone, Debug)]
pub struct Toast {
    /// Kind.
    pub kind: ToastKind,
    /// The one-line text.
    pub text: String,
    /// Full text for the details view (errors).
    pub details: Option<String>,
    /// Seconds left (counted in frame time).
    remaining: f32,
}

/// The list of notices.
#[derive(Debug, Default)]
pub struct Toasts {
    items: Vec<Toast>,
    /// Where the notices were drawn last frame, to pause them while hovered.
    area: Option<egui::Rect>,
}

impl Toasts {
    /// Adds a notice.
    pub fn push(&mut self, kind: ToastKind, text: impl Into<String>, details: Option<String>) {
        self.items.push(Toast {
            kind,
            text: text.into(),
            details,
            remaining: LIFETIME.as_secs_f32(),
        });
        // Keep the stack short; old notices are in the status bar history.
        if self.items.len() > 5 {
            self.items.remove(0);
        }
    }

    /// Shorthand for a success notice.
    pub fn success(&mut self, text: impl Into<String>) {
        self.push(ToastKind::Success, text, None);
    }

    /// Shorthand for an error notice with details.
    pub fn error(&mut self, text: impl Into<String>, details: impl Into<String>) {
        self.push(ToastKind::Error, text, Some(details.into()));
    }

    /// The notices shown now.
    pub fn items(&self) -> &[Toast] {
        &self.items
    }

    /// Draws the notices and ages them.
    pub fn show(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        let dt = ctx.input(|i| i.stable_dt).min(0.1);
        // Notices wait while the pointer rests on them (to read or click
        // "Details"); elsewhere in the window they count down.
        let hovered = match (self.area, ctx.pointer_hover_pos()) {
            (Some(area), Some(pointer)) => area.contains(pointer),
            _ => false,
        };
        for toast in &mut self.items {
            if !hovered {
                toast.remaining -= dt;
            }
        }
        self.items.retain(|toast| toast.remaining > 0.0);
        if self.items.is_empty() {
            self.area = None;
            return;
        }
        ctx.request_repaint_after(Duration::from_millis(250));
        let mut dismiss = None;
        let shown = egui::Area::new(egui::Id::unique("toasts"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -36.0))
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                for (index, toast) in self.items.iter().enumerate() {
                    let color = match toast.kind {
                        ToastKind::Success => super::theme::toast::SUCCESS,
                        ToastKind::Info => super::theme::toast::INFO,
                        ToastKind::Error => super::theme::toast::ERROR,
                    };
                    egui::Frame::popup(ui.style()).fill(color).show(ui, |ui| {
                        ui.set_max_width(420.0);
                        ui.horizontal(|ui| {
                            ui.colored_label(egui::Color32::WHITE, &toast.text);
                            if let Some(details) = &toast.details
                                && ui.small_button("Details").clicked()
                            {
                                actions.push(UiAction::ShowErrorDetails(details.clone()));
                            }
                            if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                                dismiss = Some(index);
                            }
                        });
                    });
                    ui.add_space(4.0);
                }
            });
        self.area = Some(shown.response.rect);
        if let Some(index) = dismiss {
            self.items.remove(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ctx: &egui::Context, toasts: &mut Toasts, pointer: egui::Pos2) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(800.0, 600.0),
            )),
            predicted_dt: 0.1,
            events: vec![egui::Event::PointerMoved(pointer)],
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| {
            egui::CentralPanel::default().show(ui, |ui| ui.label("window"));
            toasts.show(ui.ctx(), &mut Vec::new());
        });
        // No renderer here: font textures are not uploaded anywhere.
        output.textures_delta.clear();
    }

    #[test]
    fn notices_expire_with_the_pointer_in_the_window_but_wait_while_hovered() {
        let ctx = egui::Context::default();
        let mut toasts = Toasts::default();
        toasts.success("saved");
        // A new area is laid out in its first frame and placed in the next.
        for _ in 0..3 {
            frame(&ctx, &mut toasts, egui::pos2(100.0, 100.0));
        }
        let area = toasts.area.expect("drawn");
        assert!(area.center().x > 400.0, "bottom-right corner: {area:?}");

        // Resting on the notice pauses it, however long.
        for _ in 0..100 {
            frame(&ctx, &mut toasts, area.center());
        }
        assert_eq!(toasts.items().len(), 1);
        // Over the rest of the window it counts down and goes.
        for _ in 0..100 {
            frame(&ctx, &mut toasts, egui::pos2(100.0, 100.0));
        }
        assert!(toasts.items().is_empty());
    }
}
