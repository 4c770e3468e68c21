//! The `keyfleet` binary: flags, logging, the window or a subcommand
//! (`keyfleet::cli`).

#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use keyfleet::app::{App, AppOptions};
use keyfleet::backend::{NativeDialogs, Services};
use keyfleet::inventory::agent::AgentSocket;
use keyfleet::providers::HttpPolicy;
use keyfleet::store::lock::{LockError, WindowLock};
use keyfleet::store::{KeyringStore, ProfileStore, SecretStore};

use keyfleet::cli::{self, Invocation};

fn main() -> std::process::ExitCode {
    #[cfg(feature = "bench")]
    keyfleet::probe::mark_start();
    // `args_os`: a folder named in bytes that are not UTF-8 is still a folder.
    let invocation = match cli::parse(std::env::args_os().skip(1)) {
        Ok(invocation) => invocation,
        Err(err) => {
            eprintln!("keyfleet: {err}");
            return std::process::ExitCode::from(cli::EXIT_USAGE);
        }
    };
    let (demo, command) = match invocation {
        Invocation::Print(text) => {
            // A closed pipe (`completions bash | head`) is no reason to panic.
            let _ = writeln!(std::io::stdout().lock(), "{text}");
            return std::process::ExitCode::SUCCESS;
        }
        Invocation::Window { demo } => (demo, None),
        Invocation::Run { demo, command } => (demo, Some(command)),
    };
    // The command line logs only warnings unless RUST_LOG asks for more.
    let default_filter = if command.is_some() {
        "warn"
    } else {
        "keyfleet=info,warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match command {
        Some(command) => run_command(demo, &command),
        None => run(demo).map(|()| cli::EXIT_OK),
    };
    match result {
        Ok(code) => std::process::ExitCode::from(code),
        Err(message) => {
            eprintln!("keyfleet: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Where profiles and tokens come from: the demo sandbox (kept running as
/// long as this lives) or the user's profiles file and OS keyring.
struct Accounts {
    store: ProfileStore,
    secrets: Arc<dyn SecretStore>,
    /// Where local keys are looked for: the folders chosen in Settings,
    /// else `~/.ssh`; the demo's folder with `--demo`.
    local_key_dirs: Vec<PathBuf>,
    /// `~/.ssh/config` ("Used by hosts"); the demo's own with `--demo`.
    ssh_config: Option<keyfleet::inventory::ssh_config::SshConfigSource>,
    /// The ssh-agent: `SSH_AUTH_SOCK`, or the demo's own.
    agent: AgentSocket,
    #[cfg(feature = "sandbox")]
    _demo: Option<(keyfleet::demo::Demo, keyfleet::backend::DemoAgent)>,
}

impl Accounts {
    fn open(demo: bool) -> Result<Self, String> {
        #[cfg(feature = "sandbox")]
        if demo {
            let demo = keyfleet::demo::Demo::start()
                .map_err(|err| format!("could not start the demo sandbox: {err}"))?;
            let demo_agent = keyfleet::backend::DemoAgent::start(&demo);
            return Ok(Self {
                store: demo.store.clone(),
                secrets: demo.secrets.clone(),
                local_key_dirs: vec![demo.local_key_dir.clone()],
                ssh_config: Some(keyfleet::inventory::ssh_config::SshConfigSource {
                    file: demo.local_key_dir.join("config"),
                    ssh_dir: demo.local_key_dir.clone(),
                    home: demo.home.clone(),
                    user: Some("demo".into()),
                }),
                agent: demo_agent.socket(),
                _demo: Some((demo, demo_agent)),
            });
        }
        #[cfg(not(feature = "sandbox"))]
        if demo {
            return Err("this build has no sandbox (built without the `sandbox` feature)".into());
        }
        let store = ProfileStore::from_environment()?;
        // The folders chosen in Settings, else `~/.ssh` even when it does
        // not exist yet: it is where new keys are saved (and made then).
        let (local_key_dirs, warning) = keyfleet::store::settings::local_key_dirs(store.dir());
        if let Some(warning) = warning {
            eprintln!("keyfleet: {warning}");
        }
        Ok(Self {
            store,
            secrets: Arc::new(KeyringStore),
            local_key_dirs,
            ssh_config: keyfleet::inventory::ssh_config::SshConfigSource::for_this_user(),
            agent: AgentSocket::from_env(),
            #[cfg(feature = "sandbox")]
            _demo: None,
        })
    }
}

/// A subcommand, against the sandbox (as the window's demo) or the user's
/// profiles and keyring.
fn run_command(demo: bool, command: &cli::Command) -> Result<u8, String> {
    let accounts = Accounts::open(demo)?;
    let context = cli::Context {
        store: accounts.store.clone(),
        secrets: accounts.secrets.clone(),
        http_policy: HttpPolicy::default(),
        local_key_dirs: accounts.local_key_dirs.clone(),
        agent: accounts.agent.clone(),
        ssh_config: accounts.ssh_config.clone(),
    };
    let code = cli::run(
        command,
        &context,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    drop(accounts);
    Ok(code)
}

/// The window's remembered layout (eframe's RON storage), in the config
/// folder.
const LAYOUT_FILE: &str = "layout.ron";

fn run(demo: bool) -> Result<(), String> {
    let dialogs = Arc::new(NativeDialogs);
    let http_policy = HttpPolicy::default();
    let accounts = Accounts::open(demo)?;
    // One window per config folder, held until the window closes; taken
    // before the window opens, so a second one changes nothing.
    let _window_lock = match WindowLock::acquire(accounts.store.dir()) {
        Ok(lock) => Some(lock),
        Err(err @ LockError::AlreadyOpen(_)) => return Err(err.to_string()),
        // A read-only config folder: the window still opens (it says so
        // when it cannot save), only unguarded.
        Err(err @ LockError::Unavailable(_)) => {
            tracing::warn!("running without the window lock: {err}");
            None
        }
    };
    let store = accounts.store.clone();
    let local_key_dirs = accounts.local_key_dirs.clone();
    let ssh_config = accounts.ssh_config.clone();
    let services = Services {
        secrets: accounts.secrets.clone(),
        dialogs,
        http_policy,
        agent: accounts.agent.clone(),
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
    // The remembered layout lives beside the profiles: `KEYFLEET_CONFIG_DIR`
    // (tests, benchmarks) then moves it too, and the demo's is in its
    // temporary folder, so neither ever touches the user's.
    let native_options = eframe::NativeOptions {
        viewport,
        persistence_path: Some(accounts.store.dir().join(LAYOUT_FILE)),
        // Named, not eframe's default: test and bench builds also have
        // eframe's `wgpu` (through egui_kittest's snapshots), which would
        // become the default there.
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let result = eframe::run_native(
        "keyfleet",
        native_options,
        Box::new(move |cc| {
            let mut app = App::new(
                &cc.egui_ctx,
                AppOptions {
                    store,
                    services,
                    demo,
                    local_key_dirs,
                    // Absent or unreadable: the defaults.
                    remembered: cc.storage.and_then(keyfleet::app::Remembered::load),
                },
            );
            app.set_ssh_config(ssh_config);
            // Benchmark builds may wrap the app in a start-up/memory probe.
            #[cfg(feature = "bench")]
            let app = keyfleet::probe::wrap(app);
            #[cfg(not(feature = "bench"))]
            let app: Box<dyn eframe::App> = Box::new(app);
            Ok(app)
        }),
    );
    // The demo's servers run until the window has closed.
    drop(accounts);
    result.map_err(|err| format!("could not open the window: {err}"))
}

/// Decodes the bundled PNG icon (with eframe's own PNG decoder, so
/// Keyfleet carries no second `png` crate).
fn load_icon() -> Option<egui::IconData> {
    eframe::icon_data::from_png_bytes(include_bytes!("../assets/icon.png")).ok()
}
