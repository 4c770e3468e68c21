//! The baseline for Keyfleet's start-up and memory figures: a bare eframe
//! window (same eframe features, same window size) showing one label.
//!
//! A binary built only with the `bench` feature, so that
//! `cargo bench --features bench --bench perf` builds it next to `keyfleet`
//! and the bench finds it as `CARGO_BIN_EXE_bare_window`. `benches/perf.rs`
//! runs it with `KEYFLEET_EXIT_AFTER_FIRST_FRAME=1`; it then prints the same
//! `keyfleet-probe` line as `keyfleet` (time since `main`, peak RSS) once
//! its first frame is painted, and exits.

fn main() -> std::process::ExitCode {
    keyfleet::probe::mark_start();
    let probe = std::env::var("KEYFLEET_EXIT_AFTER_FIRST_FRAME").is_ok_and(|value| value == "1");
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("bare eframe window")
            .with_inner_size([1280.0, 780.0]),
        // As `keyfleet` (see main.rs): bench builds also have eframe's wgpu.
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let result = eframe::run_native(
        "bare_window",
        options,
        Box::new(move |_cc| {
            Ok(Box::new(Bare {
                probe,
                ready_at_frame: None,
            }))
        }),
    );
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bare_window: could not open the window: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

struct Bare {
    probe: bool,
    /// `cumulative_frame_nr` of the first frame (painted once the next starts).
    ready_at_frame: Option<u64>,
}

impl eframe::App for Bare {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if self.probe
            && let Some(ready) = self.ready_at_frame
            && ctx.cumulative_frame_nr() > ready
        {
            keyfleet::probe::report_and_exit(0);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.label("bare eframe window");
        });
        if self.probe {
            if self.ready_at_frame.is_none() {
                self.ready_at_frame = Some(ui.ctx().cumulative_frame_nr());
            }
            ui.ctx().request_repaint();
        }
    }
}
