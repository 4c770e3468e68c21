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
  RUST_LOG              Log filter, e.g. RUST_LOG=keyfleet=debug (logs never contain secrets).";

fn main() -> std::process::ExitCode {
    #[cfg(feature = "bench")]
    keyfleet::probe::mark_start();
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
    match run(demo) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("keyfleet: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(demo: bool) -> Result<(), String> {
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
            // Benchmark builds may wrap the app in a start-up/memory probe.
            #[cfg(feature = "bench")]
            let app = keyfleet::probe::wrap(app);
            #[cfg(not(feature = "bench"))]
            let app: Box<dyn eframe::App> = Box::new(app);
            Ok(app)
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
