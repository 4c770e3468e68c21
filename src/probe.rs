//! Start-up and memory probes for `benches/perf.rs`, compiled only with the
//! `bench` feature so shipped builds carry none of this.
//!
//! With `KEYFLEET_EXIT_AFTER_FIRST_FRAME=1` the `keyfleet` binary (and its
//! baseline, `benches/bare_window.rs`) prints one
//! `keyfleet-probe ms=… peak_rss_kb=… keys=…` line once its first frame has
//! been painted, and exits; with `KEYFLEET_EXIT_AFTER_LOADED=1` `keyfleet`
//! does so after the first frame painted once every account has finished
//! loading. Both binaries use the one writer here, so their lines match.

use std::sync::OnceLock;
use std::time::Instant;

use crate::app::App;

/// When [`mark_start`] was called (the top of `main`).
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Notes the process start; call first thing in `main`.
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// Prints `keyfleet-probe ms=… peak_rss_kb=… keys=…` and exits at once
/// (teardown is not part of what is measured). `ms` counts from
/// [`mark_start`].
pub fn report_and_exit(keys: usize) -> ! {
    let started = *STARTED.get_or_init(Instant::now);
    println!(
        "keyfleet-probe ms={:.1} peak_rss_kb={} keys={keys}",
        started.elapsed().as_secs_f64() * 1000.0,
        peak_rss_kb().map_or_else(|| "unknown".to_string(), |kb| kb.to_string()),
    );
    std::process::exit(0);
}

/// Peak resident memory of this process (Linux `VmHWM`), in KiB.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// When a benchmark wants the process to report and exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitProbe {
    /// After the first painted frame (start-up time).
    FirstFrame,
    /// After the first frame painted once all accounts finished loading
    /// (peak memory with the keys in the table).
    Loaded,
}

impl ExitProbe {
    /// The probe the environment asks for, if any.
    pub fn from_environment() -> Option<Self> {
        let set = |name: &str| std::env::var(name).is_ok_and(|value| value == "1");
        if set("KEYFLEET_EXIT_AFTER_LOADED") {
            Some(Self::Loaded)
        } else if set("KEYFLEET_EXIT_AFTER_FIRST_FRAME") {
            Some(Self::FirstFrame)
        } else {
            None
        }
    }
}

/// The app as `main` runs it: wrapped in a probe when the environment asks
/// for one, otherwise unchanged.
pub fn wrap(app: App) -> Box<dyn eframe::App> {
    match ExitProbe::from_environment() {
        Some(when) => Box::new(Probed {
            app,
            when,
            ready_at_frame: None,
        }),
        None => Box::new(app),
    }
}

/// Wraps the app: prints one `keyfleet-probe` line and exits. A frame
/// counts as painted once the next frame starts (eframe paints right after
/// `ui`), so the report happens at the start of a later frame;
/// `benches/bare_window.rs` does exactly the same.
struct Probed {
    app: App,
    when: ExitProbe,
    /// `cumulative_frame_nr` of the frame that showed the wanted state.
    ready_at_frame: Option<u64>,
}

impl eframe::App for Probed {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        if let Some(ready) = self.ready_at_frame
            && ctx.cumulative_frame_nr() > ready
        {
            let keys: usize = self
                .app
                .profiles()
                .iter()
                .filter_map(|profile| self.app.account(&profile.id))
                .map(|account| account.table.len())
                .sum();
            report_and_exit(keys);
        }
        eframe::App::logic(&mut self.app, ctx, frame);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        eframe::App::ui(&mut self.app, ui, frame);
        if self.ready_at_frame.is_none() {
            let ready = match self.when {
                ExitProbe::FirstFrame => true,
                ExitProbe::Loaded => {
                    self.app.in_flight() == 0
                        && self.app.profiles().iter().all(|profile| {
                            self.app
                                .account(&profile.id)
                                .is_some_and(|account| account.loaded || account.error.is_some())
                        })
                }
            };
            if ready {
                self.ready_at_frame = Some(ui.ctx().cumulative_frame_nr());
            }
        }
        // Keep frames coming until the report, even when the app is idle.
        ui.ctx().request_repaint();
    }

    // The rest is forwarded so the probed app behaves exactly like the app.

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::App::save(&mut self.app, storage);
    }

    fn on_exit(&mut self, gl: Option<&eframe::glow::Context>) {
        eframe::App::on_exit(&mut self.app, gl);
    }

    fn auto_save_interval(&self) -> std::time::Duration {
        eframe::App::auto_save_interval(&self.app)
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        eframe::App::clear_color(&self.app, visuals)
    }

    fn persist_egui_memory(&self) -> bool {
        eframe::App::persist_egui_memory(&self.app)
    }

    fn raw_input_hook(&mut self, ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        eframe::App::raw_input_hook(&mut self.app, ctx, raw_input);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_memory_is_read_on_linux() {
        let kb = super::peak_rss_kb().expect("VmHWM in /proc/self/status");
        assert!(kb > 0);
    }
}
