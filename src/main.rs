//! The `keyfleet` binary: flags, logging, the window.

#![forbid(unsafe_code)]

use std::sync::Arc;

use keyfleet::app::{App, AppOptions};
use keyfleet::backend::{NativeDialogs, Services};
use keyfleet::providers::HttpPolicy;
use keyfleet::store::{KeyringStore, ProfileStore};

const USAGE: &str = "Keyfleet: SSH keys across Gcore Cloud, Sesterce and HCP Terraform accounts.

Usage: keyfleet [--demo]

  --demo      Run against built-in sandbox servers with sample accounts
              (temporary config, tokens in memory; nothing leaves this machine).
  --help      Show this help.
  --version   Show the version.

Environment:
  KEYFLEET_CONFIG_DIR   Folder for profiles.json (default: the platform config dir).
  RUST_LOG              Log filter, e.g. RUST_LOG=keyfleet=debug (logs never contain secrets).
  KEYFLEET_EXIT_AFTER_FIRST_FRAME=1
                        Benchmarks only: print start-up time and peak memory after
                        the first painted frame, then exit.
  KEYFLEET_EXIT_AFTER_LOADED=1
                        Benchmarks only: the same, after the first frame painted
                        once every account has finished loading.";

fn main() -> std::process::ExitCode {
    let started = std::time::Instant::now();
    let mut demo = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--demo" => demo = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                return std::process::ExitCode::SUCCESS;
            }
            "--version" | "-V" => {
                println!("keyfleet {}", env!("CARGO_PKG_VERSION"));
                return std::process::ExitCode::SUCCESS;
            }
            other => {
                eprintln!("Unknown argument: {other}\n\n{USAGE}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("keyfleet=info,warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(demo, started) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("keyfleet: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(demo: bool, started: std::time::Instant) -> Result<(), String> {
    let dialogs = Arc::new(NativeDialogs);
    let http_policy = HttpPolicy::default();
    #[cfg(feature = "sandbox")]
    let demo_state = if demo {
        Some(
            keyfleet::demo::Demo::start()
                .map_err(|err| format!("could not start the demo sandbox: {err}"))?,
        )
    } else {
        None
    };
    #[cfg(not(feature = "sandbox"))]
    if demo {
        return Err("this build has no sandbox (built without the `sandbox` feature)".into());
    }
    let (store, services) = {
        #[cfg(feature = "sandbox")]
        if let Some(demo) = &demo_state {
            (
                demo.store.clone(),
                Services {
                    secrets: demo.secrets.clone(),
                    dialogs,
                    http_policy,
                },
            )
        } else {
            (
                ProfileStore::from_environment()?,
                Services {
                    secrets: Arc::new(KeyringStore),
                    dialogs,
                    http_policy,
                },
            )
        }
        #[cfg(not(feature = "sandbox"))]
        (
            ProfileStore::from_environment()?,
            Services {
                secrets: Arc::new(KeyringStore),
                dialogs,
                http_policy,
            },
        )
    };
    let title = if demo {
        "Keyfleet — Demo"
    } else {
        "Keyfleet"
    };
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(title)
        .with_app_id("keyfleet")
        .with_inner_size([1280.0, 780.0])
        .with_min_inner_size([720.0, 420.0]);
    if let Some(icon) = load_icon() {
        viewport = viewport.with_icon(icon);
    }
    let native_options = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    let exit_probe = ExitProbe::from_environment();
    let result = eframe::run_native(
        "keyfleet",
        native_options,
        Box::new(move |cc| {
            let app = App::new(
                &cc.egui_ctx,
                AppOptions {
                    store,
                    services,
                    demo,
                },
            );
            Ok(match exit_probe {
                Some(when) => Box::new(Probed {
                    app,
                    when,
                    started,
                    ready_at_frame: None,
                }),
                None => Box::new(app),
            })
        }),
    );
    #[cfg(feature = "sandbox")]
    drop(demo_state);
    result.map_err(|err| format!("could not open the window: {err}"))
}

/// Decodes the bundled PNG icon.
fn load_icon() -> Option<egui::IconData> {
    let decoder = png::Decoder::new(std::io::Cursor::new(include_bytes!("../assets/icon.png")));
    let mut reader = decoder.read_info().ok()?;
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).ok()?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return None;
    }
    buffer.truncate(info.buffer_size());
    Some(egui::IconData {
        rgba: buffer,
        width: info.width,
        height: info.height,
    })
}

/// When a benchmark wants the process to report and exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExitProbe {
    /// After the first painted frame (start-up time).
    FirstFrame,
    /// After the first frame painted once all accounts finished loading
    /// (peak memory with the keys in the table).
    Loaded,
}

impl ExitProbe {
    fn from_environment() -> Option<Self> {
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

/// Wraps the app for `benches/perf.rs`: prints one `keyfleet-probe` line and
/// exits. A frame counts as painted once the next frame starts (eframe
/// paints right after `ui`), so the report happens at the start of a later
/// frame; `examples/bare_window.rs` does exactly the same.
struct Probed {
    app: App,
    when: ExitProbe,
    started: std::time::Instant,
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
            keyfleet::probe::report_and_exit(self.started, keys);
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
